//! How many terminal cells text takes. Terminals (and tmux) give every character its
//! own cells, as `wcwidth` does: `unicode-width`'s string width instead counts the
//! Arabic lam-alef ligature in `لیلا` as one cell where the terminal draws two, so
//! columns aligned by it come out short.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// The cells `text` takes on a terminal: wide (CJK) characters two, combining marks
/// and zero-width joiners none, everything else one, character by character.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` in at most `width` cells: whole when it fits, else cut (by cells, never
/// inside a character) and ending with "…" so the reader knows something is missing.
/// Combining marks and joiners stay with the character they belong to.
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    Cow::Owned(out)
}

/// `text` broken into rows of at most `width` cells, at spaces where it can (a word
/// longer than a row is broken inside). Every row but the first starts with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let indent_width = display_width(indent);
    let width = width.max(indent_width + 1);
    let mut rows = Vec::new();
    let mut row = String::new();
    // Cells used in `row`, and whether it holds more than the indent.
    let (mut used, mut has_text) = (0, false);
    let next_row = |rows: &mut Vec<String>, row: &mut String| {
        rows.push(std::mem::replace(row, indent.to_string()));
        indent_width
    };
    for (i, word) in text.split(' ').enumerate() {
        let w = display_width(word);
        if i > 0 {
            if has_text && used + 1 + w > width {
                used = next_row(&mut rows, &mut row);
                has_text = false;
            } else if has_text || rows.is_empty() {
                row.push(' ');
                used += 1;
            }
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if has_text && used + cw > width {
                used = next_row(&mut rows, &mut row);
            }
            row.push(c);
            used += cw;
            has_text = true;
        }
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_what_fits_and_marks_a_cut() {
        assert_eq!(fit("Ada", 3), "Ada");
        assert_eq!(fit("Ada", 10), "Ada");
        assert_eq!(fit("Maintenance contract", 19), "Maintenance contra…");
        assert_eq!(display_width(&fit("Maintenance contract", 19)), 19);
        // No space before the mark.
        assert_eq!(
            fit("Check satisfaction after delivery", 26),
            "Check satisfaction after…"
        );
        assert_eq!(fit("Ada", 0), "");
        assert_eq!(fit("Ada Lovelace", 1), "…");
    }

    #[test]
    fn fit_measures_cells_in_every_script() {
        // Cyrillic and Persian take a cell a letter; the ZWNJ none.
        assert_eq!(fit("Светлана Соловьёва", 10), "Светлана…");
        assert_eq!(fit("عزت\u{200c}الله رضایی", 8), "عزت\u{200c}الله…");
        assert_eq!(display_width(&fit("عزت\u{200c}الله رضایی", 8)), 8);
        // Lam-alef is two cells on a terminal, so it is cut as two.
        assert_eq!(fit("لیلا رضایی", 5), "لیلا…");
        // A wide character never goes half over the edge.
        assert_eq!(fit("王小明", 4), "王…");
        assert_eq!(fit("王小明", 6), "王小明");
        // A combining accent stays with its letter.
        assert_eq!(fit("Ame\u{301}lie Hughes", 5), "Ame\u{301}l…");
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let rows = wrap(
            "not allowed: agents change only their own records",
            20,
            "  ",
        );
        assert_eq!(
            rows,
            [
                "not allowed: agents",
                "  change only their",
                "  own records"
            ]
        );
        for r in &rows {
            assert!(display_width(r) <= 20, "{r:?}");
        }
        assert_eq!(wrap("short", 20, "  "), ["short"]);
        // A word longer than a row is broken inside it.
        assert_eq!(wrap("Светлана", 5, ""), ["Светл", "ана"]);
        assert_eq!(wrap("", 5, ""), [""]);
    }

    #[test]
    fn counts_cells_character_by_character() {
        assert_eq!(display_width("Ada"), 3);
        // Lam followed by alef is drawn as two cells, not one ligature cell.
        assert_eq!(display_width("لیلا"), 4);
        assert_eq!(display_width("لا"), 2);
        // ZWNJ takes no cell.
        assert_eq!(display_width("عزت\u{200c}الله"), 7);
        assert_eq!(display_width("王小明"), 6);
        assert_eq!(display_width("Ёжик"), 4);
        assert_eq!(
            display_width("e\u{301}"),
            1,
            "a combining accent takes no cell"
        );
        assert_eq!(display_width(""), 0);
    }
}
