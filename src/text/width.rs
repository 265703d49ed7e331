//! How many terminal cells text takes. Terminals (and tmux) give every character its
//! own cells, as `wcwidth` does: `unicode-width`'s string width instead counts the
//! Arabic lam-alef ligature in `لیلا` as one cell where the terminal draws two, so
//! columns aligned by it come out short.

use unicode_width::UnicodeWidthChar;

/// The cells `text` takes on a terminal: wide (CJK) characters two, combining marks
/// and zero-width joiners none, everything else one, character by character.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

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
