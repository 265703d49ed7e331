//! Phone numbers: the raw text as typed is kept, plus its digits in ASCII for matching
//! and any extension apart.

use serde::{Deserialize, Serialize};

use super::ValidationError;
use crate::text::fold::ascii_digit;

/// Shortest number accepted: internal extensions have four digits.
const MIN_DIGITS: usize = 4;
/// E.164 allows 15 digits; a trunk prefix or an `(0)` may come on top.
const MAX_DIGITS: usize = 20;
/// Longest extension accepted after a number.
const MAX_EXTENSION_DIGITS: usize = 8;

/// What kind of line a number is. Address books label numbers with these (vCard
/// `TYPE=cell,work,home,fax,pager`, Outlook's "Primary Phone" is `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhoneKind {
    Mobile,
    Work,
    Home,
    Fax,
    Pager,
    Main,
    Other,
}

impl PhoneKind {
    pub const ALL: [PhoneKind; 7] = [
        Self::Mobile,
        Self::Work,
        Self::Home,
        Self::Fax,
        Self::Pager,
        Self::Main,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Work => "work",
            Self::Home => "home",
            Self::Fax => "fax",
            Self::Pager => "pager",
            Self::Main => "main",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for PhoneKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub kind: PhoneKind,
    /// The number as the operator or the import typed it (trimmed), without its
    /// extension.
    pub raw: String,
    /// ASCII digits only, for matching.
    pub digits: String,
    /// An extension dialled after the number (`5` of `+1 212 555 0101 ext 5`), in
    /// ASCII digits: shown after the number, never part of its digits, so matching and
    /// lookup see the line itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

impl std::fmt::Display for Phone {
    /// The number as typed, and its extension as `… ext. 5`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)?;
        if let Some(ext) = &self.extension {
            write!(f, " ext. {ext}")?;
        }
        Ok(())
    }
}

impl Phone {
    /// Validates a number as people write it: digits (ASCII, Persian, Arabic-Indic or
    /// full-width), `+` only at the start, and separators (spaces of any width, dashes
    /// of any kind, `.`, `/`, parentheses); between 4 and 20 digits. An extension may
    /// follow (`x 55`, `ext. 55`, `#55`, `Durchwahl 12`, `доб. 123`, `داخلی ۱۲`,
    /// `转 123`…): it is kept apart in `extension`, not in `digits`, which identify the
    /// line.
    pub fn parse(kind: PhoneKind, raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let (number, extension) = split_extension(raw);
        if let Some((left, right)) = number.split_once('/')
            && [left, right].iter().all(|s| looks_whole(s))
        {
            return Err(ValidationError::new(
                "phone",
                format!("{raw:?} holds two numbers; give one at a time"),
            ));
        }
        let mut digits = String::with_capacity(number.len());
        for (i, c) in number.chars().enumerate() {
            if is_plus(c) && i == 0 {
                continue;
            }
            if is_separator(c) {
                continue;
            }
            match phone_digit(c) {
                Some(d) => digits.push(d),
                None => {
                    return Err(ValidationError::new(
                        "phone",
                        format!(
                            "{raw:?} contains {c:?}; use digits, a leading +, spaces, dashes, dots, \
                             slashes or parentheses, and an extension after \"ext\""
                        ),
                    ));
                }
            }
        }
        if digits.len() < MIN_DIGITS {
            return Err(ValidationError::new(
                "phone",
                format!(
                    "{raw:?} has {} digits; at least {MIN_DIGITS} are needed",
                    digits.len()
                ),
            ));
        }
        if digits.len() > MAX_DIGITS {
            return Err(ValidationError::new(
                "phone",
                format!(
                    "{raw:?} has {} digits; at most {MAX_DIGITS} are allowed",
                    digits.len()
                ),
            ));
        }
        Ok(Self {
            kind,
            raw: number.to_string(),
            digits,
            extension,
        })
    }

    /// Parses `kind:number` (e.g. `work:+44 20 7946 0958`) or a bare number, which is a mobile.
    pub fn parse_labeled(text: &str) -> Result<Self, ValidationError> {
        if let Some((label, number)) = text.split_once(':')
            && let Some(kind) = PhoneKind::parse(label)
        {
            return Self::parse(kind, number);
        }
        Self::parse(PhoneKind::Mobile, text)
    }

    /// A number read back from storage with its extension column.
    pub fn from_stored(
        kind: PhoneKind,
        raw: String,
        digits: String,
        extension: Option<String>,
    ) -> Self {
        Self {
            kind,
            raw,
            digits,
            extension,
        }
    }
}

/// A digit of a phone number in ASCII: ASCII, Persian, Arabic-Indic or full-width
/// (`０３０`, as Japanese and Chinese keyboards type them).
pub fn phone_digit(c: char) -> Option<char> {
    match c {
        '\u{FF10}'..='\u{FF19}' => char::from_digit(c as u32 - 0xFF10, 10),
        c => ascii_digit(c),
    }
}

/// Whether `s` reads as a whole number of its own (a leading `+`, `0` or bracket and
/// six digits or more), so a slash before it separates two numbers rather than an area
/// code from a number (`030/123456`).
fn looks_whole(s: &str) -> bool {
    let s = s.trim();
    s.starts_with(|c: char| is_plus(c) || c == '0' || c == '(' || c == '\u{FF10}')
        && s.chars().filter(|c| phone_digit(*c).is_some()).count() >= 6
}

fn is_plus(c: char) -> bool {
    matches!(c, '+' | '\u{FF0B}')
}

/// Characters people put between the digits of a number: spaces of any width
/// (no-break, thin, ideographic), dashes of any kind, dots, slashes (`030/123456`, as
/// German address books write the area code) and parentheses, also full-width.
pub fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | '.'
            | '('
            | ')'
            | '/'
            | '\u{A0}'
            | '\u{2007}'
            | '\u{2009}'
            | '\u{200A}'
            | '\u{202F}'
            | '\u{3000}'
            | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF0E}'
                | '\u{FF0F}'
    ) || (c.is_whitespace() && c != '\n' && c != '\r')
}

/// Words that introduce an extension after a number, in lower case: English, German
/// (`Durchwahl`, `DW`), Russian (`доб.`, `добавочный`, `вн.`), Persian (`داخلی`),
/// Chinese and Japanese (`转`, `分机`, `内線`), French (`poste`), Spanish and Italian
/// (`interno`), Portuguese (`ramal`), Dutch (`toestel`), and `x`, `#`.
const EXTENSION_MARKERS: &[&str] = &[
    "extension",
    "ext",
    "durchwahl",
    "dw",
    "добавочный",
    "доб",
    "вн",
    "داخلی",
    "转",
    "轉",
    "分机",
    "分機",
    "内線",
    "內線",
    "内线",
    "poste",
    "interno",
    "ramal",
    "toestel",
    "x",
    "#",
];

/// `raw` split into the number and the digits of a trailing extension (`+1 555 123 4567
/// ext. 55` → `+1 555 123 4567`, `55`). Without a marker word before the last digits,
/// the whole text is the number.
fn split_extension(raw: &str) -> (&str, Option<String>) {
    // The trailing digits, then what stands between them and the number.
    let digits_start = raw
        .char_indices()
        .rev()
        .take_while(|(_, c)| phone_digit(*c).is_some())
        .last()
        .map(|(i, _)| i);
    let Some(digits_start) = digits_start else {
        return (raw, None);
    };
    let ext_digits = &raw[digits_start..];
    let before = raw[..digits_start].trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | ':' | '=' | '-' | '\u{A0}')
    });
    // A digit or separator right before the last digits: no marker, one number.
    let Some(last) = before.chars().next_back() else {
        return (raw, None);
    };
    if phone_digit(last).is_some() || (is_separator(last) && last != '.') {
        return (raw, None);
    }
    if ext_digits.chars().count() > MAX_EXTENSION_DIGITS {
        return (raw, None);
    }
    let lower = before.to_lowercase();
    for marker in EXTENSION_MARKERS {
        let Some(head) = lower.strip_suffix(marker) else {
            continue;
        };
        // `x` and the like must stand apart from letters before them ("Fax" is no `x`).
        let glued = head.chars().next_back().is_some_and(char::is_alphabetic)
            && marker.chars().all(|c| c.is_ascii_alphabetic());
        if glued {
            continue;
        }
        // Lower-casing can change byte lengths: find the cut by counting characters.
        let keep = head.chars().count();
        let cut = before
            .char_indices()
            .nth(keep)
            .map_or(before.len(), |(i, _)| i);
        let number = before[..cut].trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | '.' | '-' | '(' | '[')
        });
        if !number.chars().any(|c| phone_digit(c).is_some()) {
            return (raw, None);
        }
        let ext: String = ext_digits.chars().filter_map(phone_digit).collect();
        return (number, Some(ext));
    }
    (raw, None)
}

/// The national part of a phone number, in ASCII digits: separators dropped, the
/// country code and the national trunk prefix stripped, so every way of writing one
/// number agrees: `+98 912 345 6789`, `0098 912 345 6789` and `0912 345 6789` all give
/// `9123456789`; `+44 (0)20 7946 0958` and `020 7946 0958` give `2079460958`.
///
/// `digits` is the number as typed or as stored: digits in any script (ASCII, Persian,
/// Arabic-Indic), separators ignored, a leading `+` or `00` marking the international
/// form. The country code is the longest known code at the start (see
/// [`country_code_len`]). A number without `+`/`00` keeps its digits, except:
/// - one leading trunk `0` is dropped (`0912…` → `912…`), also after a country code;
/// - 11 digits starting with `8` are the Russian/Kazakh trunk form (`8 912 345-67-89`);
/// - 11 or more digits, not starting with `0`, that begin with a country code leaving at
///   least 8 digits are taken as international without the `+`, as caller-ID often
///   sends them (`989123456789`).
///
/// Both stored numbers and typed queries go through this, so the rules only need to be
/// consistent, and matching by suffix covers what they cannot know. If stripping would
/// leave nothing, all the digits are kept.
pub fn national_digits(digits: &str) -> String {
    let text = digits.trim_start();
    let all: String = text.chars().filter_map(phone_digit).collect();
    national_form(&all, text.starts_with(is_plus)).to_string()
}

/// [`national_digits`] of ASCII `all`, without allocating; `plus` when a `+` was typed
/// in front. The search index reads stored numbers through this too.
pub(crate) fn national_form(all: &str, plus: bool) -> &str {
    let (international, rest) = match all.strip_prefix("00") {
        Some(rest) if !plus => (true, rest),
        _ => (plus, all),
    };
    let national = if international {
        country_code_len(rest).map_or(rest, |n| &rest[n..])
    } else if rest.len() == 11 && rest.starts_with('8') {
        &rest[1..]
    } else if rest.len() >= 11 && !rest.starts_with('0') {
        match country_code_len(rest) {
            Some(n) if rest.len() - n >= 8 => &rest[n..],
            _ => rest,
        }
    } else {
        rest
    };
    let national = national.strip_prefix('0').unwrap_or(national);
    if national.is_empty() { all } else { national }
}

/// The country calling code a number was written with (`+7 912…`, `0098 912…`,
/// caller-ID's `989123456789`, Russia's trunk `8 912…`), or `None` for a national
/// form (`0912…`) that could be any country's. Same reading as [`national_digits`].
pub fn country_code(text: &str) -> Option<u16> {
    let text = text.trim_start();
    let all: String = text.chars().filter_map(phone_digit).collect();
    let plus = text.starts_with(is_plus);
    let (international, rest) = match all.strip_prefix("00") {
        Some(rest) if !plus => (true, rest),
        _ => (plus, all.as_str()),
    };
    let len = if international {
        country_code_len(rest)?
    } else if rest.len() == 11 && rest.starts_with('8') {
        return Some(7);
    } else if rest.len() >= 11 && !rest.starts_with('0') {
        country_code_len(rest).filter(|n| rest.len() - n >= 8)?
    } else {
        return None;
    };
    rest[..len].parse().ok()
}

/// Whether two numbers with the same national digits can be the same line: not when
/// both name their country and the countries differ (`+7 912 345 67 89` is not
/// `+98 912 345 6789`).
pub fn same_country(a: Option<u16>, b: Option<u16>) -> bool {
    a.is_none() || b.is_none() || a == b
}

/// How many leading digits of `digits` are a country calling code (ITU-T E.164), if any.
/// Codes form a prefix-free set, so the longest match (3, then 2, then 1 digit) is the
/// only one.
pub(crate) fn country_code_len(digits: &str) -> Option<usize> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3)
        .rev()
        .find(|&len| digits.len() > len && digits[..len].parse().is_ok_and(is_country_code))
}

fn is_country_code(code: u32) -> bool {
    matches!(
        code,
        1 | 7
            | 20 | 27 | 211..=218 | 220..=258 | 260..=269 | 290 | 291 | 297..=299
            | 30..=34 | 350..=359 | 36 | 370..=389 | 39
            | 40 | 41 | 420 | 421 | 423 | 43..=49
            | 500..=509 | 51..=58 | 590..=599
            | 60..=66 | 670..=692
            | 81 | 82 | 84 | 850 | 852 | 853 | 855 | 856 | 86 | 880 | 886
            | 90..=95 | 960..=968 | 970..=977 | 98 | 992..=998
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_forms_and_keeps_raw() {
        let p = Phone::parse(PhoneKind::Mobile, " +98 (912) 345-67.89 ").unwrap();
        assert_eq!(p.raw, "+98 (912) 345-67.89");
        assert_eq!(p.digits, "989123456789");
    }

    #[test]
    fn an_extension_is_kept_apart_and_does_not_identify_the_line() {
        for (raw, number, ext) in [
            ("+1 (555) 123-4567 x55", "+1 (555) 123-4567", "55"),
            ("+1 555 123 4567 ext. 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 Ext 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 extension 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 #55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567, ext=55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 Durchwahl 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 доб. 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 ДОБ 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 داخلی ۵۵", "+1 555 123 4567", "55"),
            ("+1 555 123 4567 转 55", "+1 555 123 4567", "55"),
            ("+1 555 123 4567转55", "+1 555 123 4567", "55"),
        ] {
            let p = Phone::parse(PhoneKind::Work, raw).unwrap();
            assert_eq!(p.raw, number, "{raw}");
            assert_eq!(p.extension.as_deref(), Some(ext), "{raw}");
            assert_eq!(p.digits, "15551234567", "{raw}");
            assert_eq!(p.to_string(), format!("{number} ext. {ext}"));
        }
        // Issue 12, item 16: the extension is not in the national digits.
        let p = Phone::parse(PhoneKind::Work, "+1 212 555 0101 ext 5").unwrap();
        assert_eq!(national_digits(&p.raw), "2125550101");
        assert_eq!(p.to_string(), "+1 212 555 0101 ext. 5");
        assert!(Phone::parse(PhoneKind::Work, "x55").is_err());
        assert!(Phone::parse(PhoneKind::Work, "555 1234 xy").is_err());
        // "Fax 1234" is no extension marker glued to a word.
        assert!(Phone::parse(PhoneKind::Work, "+49 30 1234 Fax 12").is_err());
        // A number without a marker keeps its last group.
        let p = Phone::parse(PhoneKind::Work, "+44 20 7946 0958").unwrap();
        assert_eq!((p.raw.as_str(), p.extension), ("+44 20 7946 0958", None));
    }

    #[test]
    fn separators_people_type_are_accepted() {
        for (raw, digits) in [
            ("12212/1212", "122121212"),
            ("030/123 456", "030123456"),
            ("+49\u{a0}30\u{a0}123456", "4930123456"),
            ("+49\u{2009}30\u{202f}123456", "4930123456"),
            ("030 \u{2013} 123 \u{2014} 456", "030123456"),
            ("030\u{2212}123456", "030123456"),
            ("０３０ １２３ ４５６", "030123456"),
            ("＋８１ ３−１２３４−５６７８", "81312345678"),
            ("（03）1234-5678", "0312345678"),
        ] {
            let p = Phone::parse(PhoneKind::Home, raw).unwrap();
            assert_eq!(p.digits, digits, "{raw}");
            assert_eq!(p.raw, raw.trim());
        }
        assert_eq!(national_digits("＋８１ ３−１２３４−５６７８"), "312345678");
        assert!(Phone::parse(PhoneKind::Home, "030 123456 / 040 654321").is_err());
        assert_eq!(country_code("＋８１ ３−１２３４−５６７８"), Some(81));
    }

    #[test]
    fn persian_and_arabic_indic_digits_are_normalised() {
        assert_eq!(
            Phone::parse(PhoneKind::Home, "۰۹۱۲ ۳۴۵ ۶۷۸۹")
                .unwrap()
                .digits,
            "09123456789"
        );
        assert_eq!(
            Phone::parse(PhoneKind::Home, "٠٩١٢٣٤٥").unwrap().digits,
            "0912345"
        );
    }

    #[test]
    fn refuses_letters_short_long_and_misplaced_plus() {
        for bad in [
            "12a45",
            "123",
            "1234+5",
            "",
            "1".repeat(21).as_str(),
            "call me",
        ] {
            let err = Phone::parse(PhoneKind::Work, bad).unwrap_err();
            assert_eq!(err.field, "phone", "{bad}");
        }
    }

    #[test]
    fn labeled_form() {
        let p = Phone::parse_labeled("work:+44 20 7946 0958").unwrap();
        assert_eq!(p.kind, PhoneKind::Work);
        for kind in PhoneKind::ALL {
            let p = Phone::parse_labeled(&format!("{kind}:030 1234")).unwrap();
            assert_eq!(p.kind, kind);
        }
        assert_eq!(
            Phone::parse_labeled("0912 345 6789").unwrap().kind,
            PhoneKind::Mobile
        );
    }
    #[test]
    fn country_codes_as_written() {
        for (typed, code) in [
            ("+98 912 345 6789", Some(98)),
            ("0098 912 345 6789", Some(98)),
            ("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", Some(98)),
            ("0912 345 6789", None),
            ("+7 (912) 345-67-89", Some(7)),
            ("8 (912) 345-67-89", Some(7)),
            ("79123456789", Some(7)),
            ("989123456789", Some(98)),
            ("+44 20 7946 0958", Some(44)),
            ("020 7946 0958", None),
            ("+1 415 555 0100", Some(1)),
        ] {
            assert_eq!(country_code(typed), code, "{typed}");
        }
        assert!(!same_country(Some(7), Some(98)));
        assert!(same_country(None, Some(98)) && same_country(Some(98), Some(98)));
    }

    #[test]
    fn national_digits_of_real_formats() {
        for (typed, national) in [
            // Iran: international, domestic, 00 prefix, Persian and Arabic-Indic digits.
            ("+98 912 345 6789", "9123456789"),
            ("+989123456789", "9123456789"),
            ("0912 345 6789", "9123456789"),
            ("0098 912 345 6789", "9123456789"),
            ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "9123456789"),
            ("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "9123456789"),
            ("٠٩١٢٣٤٥٦٧٨٩", "9123456789"),
            ("021 8877 6655", "2188776655"),
            ("+98 21 8877 6655", "2188776655"),
            // Russia: +7, the domestic trunk 8, caller-ID without +.
            ("+7 (912) 345-67-89", "9123456789"),
            ("8 (912) 345-67-89", "9123456789"),
            ("79123456789", "9123456789"),
            // UK, with the (0) some people write after the country code.
            ("+44 20 7946 0958", "2079460958"),
            ("+44 (0)20 7946 0958", "2079460958"),
            ("020 7946 0958", "2079460958"),
            ("00 44 20 7946 0958", "2079460958"),
            ("442079460958", "2079460958"),
            // North America, Germany, Morocco, Ukraine, Hong Kong, UAE.
            ("+1 (212) 555-0123", "2125550123"),
            ("1-212-555-0123", "2125550123"),
            ("(212) 555-0123", "2125550123"),
            ("+49 30 1234567", "301234567"),
            ("030 1234567", "301234567"),
            ("+49 151 23456789", "15123456789"),
            ("+212 6 12 34 56 78", "612345678"),
            ("+380 44 123 4567", "441234567"),
            ("+852 2123 4567", "21234567"),
            ("+971 50 123 4567", "501234567"),
            // Short numbers and fragments keep their digits.
            ("1234", "1234"),
            ("6789", "6789"),
            ("912345", "912345"),
            ("0912 345", "912345"),
            ("+98 912 345", "912345"),
            ("+98", "98"),
        ] {
            assert_eq!(national_digits(typed), national, "{typed}");
        }
    }

    #[test]
    fn stored_digits_and_raw_text_agree() {
        for raw in ["+98 (912) 345-67.89", "+7 (912) 345-67-89", "0912 345 6789"] {
            let p = Phone::parse(PhoneKind::Mobile, raw).unwrap();
            // Stored digits lose the `+`; caller-ID style heuristics still find the same number.
            assert_eq!(national_digits(&p.raw), national_digits(&p.digits), "{raw}");
        }
    }

    #[test]
    fn country_codes_are_matched_longest_first() {
        assert_eq!(country_code_len("12125550123"), Some(1));
        assert_eq!(country_code_len("212612345678"), Some(3));
        assert_eq!(country_code_len("3584012345"), Some(3));
        assert_eq!(country_code_len("4930123"), Some(2));
        assert_eq!(country_code_len("0912"), None);
        assert_eq!(country_code_len("1"), None);
    }
}
