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
    /// and the separators space, `-`, `.`, `(`, `)`; between 4 and 20 digits.
    pub fn parse(kind: PhoneKind, raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let mut digits = String::with_capacity(raw.len());
        for (i, c) in raw.chars().enumerate() {
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
}
