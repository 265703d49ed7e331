//! Folding text to a search key, so that an operator on any keyboard layout finds a
//! customer: case folded for every script, `ё` = `е`, Arabic `ي`/`ك` = Persian `ی`/`ک`,
//! ZWNJ, tatweel and Arabic diacritics ignored, Persian and Arabic-Indic digits equal ASCII.

/// Maps a Persian (U+06F0..) or Arabic-Indic (U+0660..) digit to its ASCII digit.
pub fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        _ => None,
    }
}

/// Only the digits of `s`, in ASCII.
pub fn fold_digits(s: &str) -> String {
    s.chars().filter_map(ascii_digit).collect()
}

/// The search key of `s`: see the module documentation. Whitespace runs collapse to one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_ignorable(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if let Some(d) = ascii_digit(c) {
            out.push(d);
            continue;
        }
        match c {
            'ё' | 'Ё' => out.push('е'),
            'ي' | 'ى' | 'ئ' => out.push('ی'),
            'ك' => out.push('ک'),
            'ة' => out.push('ه'),
            'أ' | 'إ' | 'ٱ' => out.push('ا'),
            'ؤ' => out.push('و'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}' // ZWNJ, ZWJ, LRM, RLM, BOM
        | '\u{0640}'                 // tatweel
        | '\u{064B}'
            ..='\u{065F}'    // Arabic harakat
        | '\u{0670}' // superscript alef
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_and_cyrillic_fold_case_and_yo() {
        assert_eq!(fold("  Ada   LOVELACE "), "ada lovelace");
        assert_eq!(fold("Фёдор Соловьёв"), "федор соловьев");
        assert_eq!(fold("ИВАН"), fold("иван"));
    }

    #[test]
    fn persian_and_arabic_variants_fold_together() {
        assert_eq!(fold("علي"), fold("علی"));
        assert_eq!(fold("كامران"), fold("کامران"));
        assert_eq!(fold("پانته\u{200C}آ"), "پانتهآ");
        assert_eq!(fold("مُحَمَّد"), "محمد");
    }

    #[test]
    fn digits_fold_to_ascii() {
        assert_eq!(fold_digits("+۹۸ (۹۱۲) ٣٤٥-67"), "9891234567");
        assert_eq!(fold("۰۹۱۲"), "0912");
    }
}
