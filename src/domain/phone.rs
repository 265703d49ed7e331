//! Phone numbers: the raw text as typed is kept, plus its digits in ASCII for matching.

use serde::{Deserialize, Serialize};

use super::ValidationError;
use crate::text::fold::ascii_digit;

/// Shortest number accepted: internal extensions have four digits.
const MIN_DIGITS: usize = 4;
/// E.164 allows 15 digits; an extension may follow.
const MAX_DIGITS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhoneKind {
    Mobile,
    Work,
    Home,
    Other,
}

impl PhoneKind {
    pub const ALL: [PhoneKind; 4] = [Self::Mobile, Self::Work, Self::Home, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Work => "work",
            Self::Home => "home",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub kind: PhoneKind,
    /// As the operator or the import typed it (trimmed).
    pub raw: String,
    /// ASCII digits only, for matching.
    pub digits: String,
}

impl Phone {
    /// Validates a number: digits (ASCII, Persian or Arabic-Indic), `+` only at the start,
    /// and the separators space, `-`, `.`, `(`, `)`; between 4 and 20 digits. An
    /// extension may follow (`x 55`, `ext. 55`, `extension 55`, `#55`): it is kept in
    /// `raw` but is not part of `digits`, which identify the line.
    pub fn parse(kind: PhoneKind, raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let number = strip_extension(raw);
        let mut digits = String::with_capacity(raw.len());
        for (i, c) in number.chars().enumerate() {
            match c {
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                c => match ascii_digit(c) {
                    Some(d) => digits.push(d),
                    None => {
                        return Err(ValidationError::new(
                            "phone",
                            format!(
                                "{raw:?} contains {c:?}; use digits, a leading +, spaces, dashes, dots or parentheses"
                            ),
                        ));
                    }
                },
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
            raw: raw.to_string(),
            digits,
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
}

/// `raw` without a trailing extension (`x55`, `ext. 55`, `extension 55`, `#55`): the
/// line itself, which is what matching and lookup compare.
pub fn strip_extension(raw: &str) -> &str {
    let lower = raw.to_ascii_lowercase();
    for marker in ["extension", "ext.", "ext", "x", "#"] {
        if let Some(at) = lower.rfind(marker) {
            let rest = lower[at + marker.len()..].trim();
            let digits_only = !rest.is_empty() && rest.chars().all(|c| ascii_digit(c).is_some());
            // The marker must follow the number (a separator or digit before it).
            if digits_only && at > 0 && raw.is_char_boundary(at) {
                return raw[..at].trim_end();
            }
        }
    }
    raw
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
    let all: String = text.chars().filter_map(ascii_digit).collect();
    national_form(&all, text.starts_with('+')).to_string()
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
    let all: String = text.chars().filter_map(ascii_digit).collect();
    let plus = text.starts_with('+');
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
    fn an_extension_is_kept_but_does_not_identify_the_line() {
        for raw in [
            "+1 (555) 123-4567 x55",
            "+1 555 123 4567 ext. 55",
            "+1 555 123 4567 Ext 55",
            "+1 555 123 4567 extension 55",
            "+1 555 123 4567 #55",
        ] {
            let p = Phone::parse(PhoneKind::Work, raw).unwrap();
            assert_eq!(p.raw, raw);
            assert_eq!(p.digits, "15551234567", "{raw}");
        }
        assert!(Phone::parse(PhoneKind::Work, "x55").is_err());
        assert!(Phone::parse(PhoneKind::Work, "555 1234 xy").is_err());
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
