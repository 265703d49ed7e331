//! Phone digits for matching: the forms a stored number is findable under, and how a
//! typed query is read as a phone-digit query.
//!
//! A number is found by a beginning of its digits as stored (`0912 345…`, `98912…`) or of
//! its national form (country code and trunk prefix stripped: `912 345…`), and by its
//! last 4 or more digits. The national-form rules are the same as
//! `domain::phone::national_digits` (a `+` or `00` marks the international form; 11
//! digits starting with `8` are the Russian trunk form; 11 or more digits beginning with
//! a country code that leaves at least 8 are international written without the `+`; one
//! leading trunk `0` goes), so the store's `national` column and this index agree (a
//! test checks the two functions give the same result).

use crate::domain::phone::{country_code_len, national_form};
use crate::text::fold::ascii_digit;

/// The keys a stored number (ASCII digits, as `Phone::digits` keeps them) is findable
/// under by prefix: its digits as stored, and its national form when that differs.
pub fn phone_keys(digits: &str) -> Vec<String> {
    let full: String = digits.chars().filter_map(ascii_digit).collect();
    let national = national_form(&full, false).to_string();
    if national == full {
        vec![full]
    } else {
        vec![full, national]
    }
}

/// `Some(ASCII digits)` when `query` is a phone-digit query: at least 3 digits (ASCII,
/// Persian or Arabic-Indic) and nothing else but a leading `+` and the separators
/// space, `-`, `.`, `(`, `)` and `/`.
pub fn query_digits(query: &str) -> Option<String> {
    let text = query.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    let mut digits = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_whitespace() => {}
            '-' | '.' | '(' | ')' | '/' => {}
            c => digits.push(ascii_digit(c)?),
        }
    }
    (digits.len() >= 3).then_some(digits)
}

/// How well a query form matched a key; higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PhoneTier {
    /// The last digits of the number (at least 4).
    Suffix = 1,
    /// A beginning, under a guessed reading (a country code typed without `+`).
    WeakPrefix = 2,
    /// A beginning of the digits as stored or of the national form.
    Prefix = 3,
    /// The whole number.
    Exact = 4,
}

/// A phone-digit query: what to look for, by prefix and by suffix.
#[derive(Debug, Clone)]
pub(crate) struct DigitQuery {
    /// Forms matched against the beginning of a key, each with its tier when it matches
    /// (`Prefix` or `WeakPrefix`; a match of the whole key is `Exact`).
    pub prefixes: Vec<(String, PhoneTier)>,
    /// Matched against the end of the stored digits (4 digits or more), if any.
    pub suffix: Option<String>,
}

impl DigitQuery {
    pub fn parse(query: &str) -> Option<Self> {
        let digits = query_digits(query)?;
        let plus = query.trim_start().starts_with('+');
        Some(Self::from_digits(digits, plus))
    }

    pub fn from_digits(digits: String, plus: bool) -> Self {
        let mut prefixes = vec![(digits.clone(), PhoneTier::Prefix)];
        let mut add = |form: &str, tier: PhoneTier| {
            if !form.is_empty() && !prefixes.iter().any(|(f, _)| f == form) {
                prefixes.push((form.to_string(), tier));
            }
        };
        // With an explicit `+country`, a number from another country that merely shares
        // the national digits ranks below one with the same country code.
        let national = national_form(&digits, plus);
        let tier = if plus && national != digits {
            PhoneTier::WeakPrefix
        } else {
            PhoneTier::Prefix
        };
        add(national, tier);
        if !plus && !digits.starts_with('0') {
            // A fragment of an international number typed without `+` (caller ID shows
            // `98912…`): too short for `national_form` to strip the code with certainty.
            if let Some(n) = country_code_len(&digits)
                && digits.len() >= 7
                && digits.len() - n >= 5
            {
                add(&digits[n..], PhoneTier::WeakPrefix);
            }
            // The Russian trunk `8` in front of a mobile `9…`, before all 11 digits are typed.
            if digits.len() >= 4 && digits.starts_with("89") {
                add(&digits[1..], PhoneTier::WeakPrefix);
            }
        }
        let suffix = (digits.len() >= 4).then(|| digits.clone());
        Self { prefixes, suffix }
    }

    /// The best tier at which this query finds the stored number `full` (ASCII digits).
    pub fn match_number(&self, full: &str) -> Option<PhoneTier> {
        let national = national_form(full, false);
        let mut best = None;
        for key in [full, national] {
            for (form, tier) in &self.prefixes {
                if key.starts_with(form.as_str()) {
                    let t = if key.len() == form.len() {
                        PhoneTier::Exact
                    } else {
                        *tier
                    };
                    best = best.max(Some(t));
                }
            }
        }
        if best.is_none()
            && let Some(s) = &self.suffix
            && full.ends_with(s.as_str())
        {
            best = Some(PhoneTier::Suffix);
        }
        best
    }

    /// Char positions in `full` that the best match covers, for highlighting.
    pub fn positions(&self, full: &str) -> Vec<usize> {
        let national = national_form(full, false);
        let offset = full.len() - national.len();
        let mut best: Option<(PhoneTier, usize, usize)> = None;
        for (key, at) in [(full, 0), (national, offset)] {
            for (form, tier) in &self.prefixes {
                if key.starts_with(form.as_str()) {
                    let t = if key.len() == form.len() {
                        PhoneTier::Exact
                    } else {
                        *tier
                    };
                    if best.is_none_or(|(b, _, _)| t > b) {
                        best = Some((t, at, at + form.len()));
                    }
                }
            }
        }
        if best.is_none()
            && let Some(s) = &self.suffix
            && full.ends_with(s.as_str())
        {
            best = Some((PhoneTier::Suffix, full.len() - s.len(), full.len()));
        }
        best.map(|(_, a, b)| (a..b).collect()).unwrap_or_default()
    }
}

/// The first 8 digits of `digits` as nibbles (digit + 1), left-aligned and zero-padded, so
/// that numeric order of keys is the lexicographic order of digit strings and every key
/// starting with a prefix lies in one range.
pub(crate) fn pack8(digits: &[u8]) -> u32 {
    let mut key = 0u32;
    for i in 0..8 {
        key <<= 4;
        if let Some(&d) = digits.get(i) {
            key |= (d - b'0') as u32 + 1;
        }
    }
    key
}

/// The key range (inclusive) holding every key that starts with `prefix`'s first 8 digits.
pub(crate) fn pack8_range(prefix: &[u8]) -> (u32, u32) {
    let lo = pack8(prefix);
    let used = prefix.len().min(8);
    let hi = if used == 8 {
        lo
    } else {
        lo | ((1u32 << (4 * (8 - used))) - 1)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, stored: &str) -> Option<PhoneTier> {
        DigitQuery::parse(query).unwrap().match_number(stored)
    }

    #[test]
    fn query_digits_accepts_phone_text_only() {
        assert_eq!(query_digits("0912 345").as_deref(), Some("0912345"));
        assert_eq!(query_digits(" +98 (912) 345 ").as_deref(), Some("98912345"));
        assert_eq!(query_digits("۰۹۱۲-۳۴۵").as_deref(), Some("0912345"));
        assert_eq!(query_digits("٩١٢٣").as_deref(), Some("9123"));
        assert_eq!(query_digits("12"), None);
        assert_eq!(query_digits("12a45"), None);
        assert_eq!(query_digits("ivan 0912"), None);
        assert_eq!(query_digits("1+234"), None);
    }

    #[test]
    fn keys_are_full_and_national() {
        assert_eq!(phone_keys("989123456789"), ["989123456789", "9123456789"]);
        assert_eq!(phone_keys("09123456789"), ["09123456789", "9123456789"]);
        assert_eq!(phone_keys("79123456789"), ["79123456789", "9123456789"]);
        assert_eq!(phone_keys("89123456789"), ["89123456789", "9123456789"]);
        assert_eq!(phone_keys("442079460958"), ["442079460958", "2079460958"]);
        assert_eq!(phone_keys("12125550123"), ["12125550123", "2125550123"]);
        // Ambiguous: could be India +91; 10 digits stay as they are.
        assert_eq!(phone_keys("9123456789"), ["9123456789"]);
        assert_eq!(phone_keys("1234"), ["1234"]);
    }

    #[test]
    fn every_way_of_typing_finds_the_same_number() {
        for stored in ["989123456789", "09123456789", "00989123456789"] {
            for q in [
                "0912 345",
                "+98 912 345",
                "912345",
                "0098 912 345",
                "۰۹۱۲ ۳۴۵",
                "+98 912 345 6789",
                "0912 345 6789",
            ] {
                assert!(finds(q, stored).is_some(), "{q} should find {stored}");
            }
            assert_eq!(finds("6789", stored), Some(PhoneTier::Suffix));
            assert_eq!(finds("456789", stored), Some(PhoneTier::Suffix));
            assert_eq!(finds("789", stored), None, "3 digits are no suffix");
            assert_eq!(finds("0913", stored), None);
        }
        assert_eq!(
            finds("+98 912 345 6789", "989123456789"),
            Some(PhoneTier::Exact)
        );
        assert_eq!(
            finds("0912 345 6789", "09123456789"),
            Some(PhoneTier::Exact)
        );
        // Russia: +7, trunk 8, caller-ID fragment without +.
        for q in ["+7 912 345", "8 912 345", "912 345", "7912345"] {
            assert!(finds(q, "79123456789").is_some(), "{q}");
            assert!(finds(q, "89123456789").is_some(), "{q}");
        }
        // UK and North America.
        assert!(finds("020 7946", "442079460958").is_some());
        assert!(finds("+44 20 7946", "442079460958").is_some());
        assert!(finds("(212) 555", "12125550123").is_some());
        assert!(finds("+1 212 555", "12125550123").is_some());
        assert_eq!(
            finds("98912345", "09123456789"),
            Some(PhoneTier::WeakPrefix)
        );
    }

    #[test]
    fn national_form_agrees_with_the_store_column() {
        // The store's `national` column comes from `domain::phone::national_digits`.
        use crate::domain::phone::national_digits;
        let mut rng = fastrand::Rng::with_seed(11);
        let starts = [
            "", "0", "00", "8", "89", "98", "7", "44", "1", "91", "380", "0098", "2",
        ];
        for _ in 0..20_000 {
            let mut d = starts[rng.usize(0..starts.len())].to_string();
            for _ in 0..rng.usize(0..14) {
                d.push(char::from(b'0' + rng.u8(0..10)));
            }
            if d.is_empty() {
                continue;
            }
            assert_eq!(national_form(&d, false), national_digits(&d), "{d}");
            assert_eq!(
                national_form(&d, true),
                national_digits(&format!("+{d}")),
                "+{d}"
            );
        }
    }

    #[test]
    fn positions_cover_the_matched_digits() {
        let q = DigitQuery::parse("0912 345").unwrap();
        assert_eq!(q.positions("09123456789"), (0..7).collect::<Vec<_>>());
        assert_eq!(q.positions("989123456789"), (2..8).collect::<Vec<_>>());
        let q = DigitQuery::parse("6789").unwrap();
        assert_eq!(q.positions("989123456789"), (8..12).collect::<Vec<_>>());
    }

    #[test]
    fn packed_keys_sort_like_strings_and_ranges_hold_prefixes() {
        let mut keys = ["9123", "91234567890", "912", "0", "99", "9", "91299"];
        let mut packed: Vec<u32> = keys.iter().map(|k| pack8(k.as_bytes())).collect();
        keys.sort();
        packed.sort();
        let expect: Vec<u32> = keys.iter().map(|k| pack8(k.as_bytes())).collect();
        assert_eq!(packed, expect);
        let (lo, hi) = pack8_range(b"912");
        for k in ["912", "9123", "91299", "91234567890"] {
            let p = pack8(k.as_bytes());
            assert!(lo <= p && p <= hi, "{k}");
        }
        for k in ["91", "913", "9", "99"] {
            let p = pack8(k.as_bytes());
            assert!(!(lo <= p && p <= hi), "{k}");
        }
    }
}
