//! Decimal numbers as people type them: `1250`, `1,250.50`, `1.250,50`, `12,50`,
//! `1 250,50`, `۱۲٬۵۰۰٫۵۰`. One reading per text or a refusal, never a guess: amounts
//! and KPI targets both go through [`parse_decimal`].
//!
//! - A decimal mark is `.`, `,` or the Arabic decimal separator `٫`; digits may be
//!   ASCII, Persian or Arabic-Indic.
//! - Group marks go only between groups of exactly three digits (the first group has
//!   one to three): `,` or `.` (whichever is not the decimal mark), a space, a no-break
//!   or thin space, an apostrophe (`1'250.50`) or the Arabic thousands separator `٬`.
//!   One kind of group mark per number.
//! - With both `,` and `.`, the last one is the decimal mark (`1,250.50`, `1.250,50`).
//!   A `.` alone, once, is a decimal mark (`1.5`, `1.250` is one and a quarter). A `,`
//!   alone, once, is a decimal mark (`12,50`, `0,250`) except before exactly three
//!   digits after one to three digits not starting with 0: `1,250` is one thousand two
//!   hundred and fifty.
//! - A number starts and ends with a digit (`0,5`, not `,5`), and two marks never
//!   touch (`1,,000` is refused).

/// The forms accepted, for refusals.
pub const ACCEPTED_FORMS: &str = "write it like 1250.50, 12,50, 1,250.50, 1.250,50 or 1 250,50";

/// Group marks that are never a decimal mark.
const GROUP_ONLY: &[char] = &[
    ' ', '\u{00A0}', '\u{202F}', '\u{2009}', '\'', '\u{2019}', '\u{066C}',
];

/// The Arabic decimal separator: never a group mark.
const ARABIC_DECIMAL: char = '\u{066B}';

/// A number as typed, read exactly: its sign and its digits before and after the
/// decimal mark (ASCII, without group marks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    /// At least one digit.
    pub whole: String,
    /// Empty when there is no decimal mark.
    pub fraction: String,
}

impl Decimal {
    /// The value scaled to `places` decimal places (`12.5` at 2 → 1250), or `None`
    /// when it has more decimals than that or does not fit in an `i128`. The sign is
    /// ignored.
    pub fn scaled(&self, places: usize) -> Option<u128> {
        if self.fraction.len() > places || self.whole.len() + places > 38 {
            return None;
        }
        let digits = format!("{}{:0<places$}", self.whole, self.fraction);
        digits.parse().ok()
    }

    /// The digits without the decimal mark: what was meant if the mark was a group mark.
    pub fn all_digits(&self) -> String {
        let joined = format!("{}{}", self.whole, self.fraction);
        let trimmed = joined.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        }
    }
}

/// One piece of the text: a run of digits or a single mark.
enum Piece {
    Digits(String),
    Mark(char),
}

fn is_mark(c: char) -> bool {
    matches!(c, ',' | '.' | ARABIC_DECIMAL) || GROUP_ONLY.contains(&c)
}

/// Reads `text` (already trimmed or not) as a decimal number, or says what is wrong
/// with it and which forms are accepted.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    let (negative, body) = match t.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let refuse = |why: &str| Err(format!("{t:?} {why}; {ACCEPTED_FORMS}"));
    let mut pieces: Vec<Piece> = Vec::new();
    for c in body.chars() {
        if let Some(d) = crate::text::fold::ascii_digit(c) {
            match pieces.last_mut() {
                Some(Piece::Digits(run)) => run.push(d),
                _ => pieces.push(Piece::Digits(d.to_string())),
            }
        } else if is_mark(c) {
            if matches!(pieces.last(), Some(Piece::Mark(_))) {
                return refuse("has two marks in a row");
            }
            pieces.push(Piece::Mark(c));
        } else {
            return refuse(&format!("has {c:?}, which is not a digit or a mark"));
        }
    }
    match (pieces.first(), pieces.last()) {
        (None, _) => return refuse("has no digits"),
        (Some(Piece::Mark(m)), _) if matches!(*m, ',' | '.' | ARABIC_DECIMAL) => {
            return refuse(&format!(
                "starts with a decimal mark (write a 0 before it: 0{m}5)"
            ));
        }
        (Some(Piece::Mark(_)), _) => return refuse("starts with a group mark"),
        (_, Some(Piece::Mark(_))) => return refuse("ends with a mark"),
        _ => {}
    }
    let mut groups: Vec<String> = Vec::new();
    let mut marks: Vec<char> = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Digits(d) => groups.push(d),
            Piece::Mark(m) => marks.push(m),
        }
    }
    let decimal_at =
        decimal_mark(&marks, &groups).map_err(|why| format!("{t:?} {why}; {ACCEPTED_FORMS}"))?;
    let (whole_groups, fraction) = match decimal_at {
        Some(i) => (&groups[..=i], groups[i + 1].clone()),
        None => (&groups[..], String::new()),
    };
    let group_marks = &marks[..decimal_at.unwrap_or(marks.len())];
    if let Some(&first) = group_marks.first()
        && let Some(&other) = group_marks.iter().find(|&&m| m != first)
    {
        return refuse(&format!("mixes the group marks {first:?} and {other:?}"));
    }
    if whole_groups.len() > 1 {
        let first_ok = (1..=3).contains(&whole_groups[0].len());
        if !first_ok || whole_groups[1..].iter().any(|g| g.len() != 3) {
            return refuse("has group marks that do not sit between groups of three digits");
        }
    }
    Ok(Decimal {
        negative,
        whole: whole_groups.concat(),
        fraction,
    })
}

/// Which mark, by index, is the decimal mark (see the module documentation), or
/// `None` when all are group marks. `groups` has one more entry than `marks`.
fn decimal_mark(marks: &[char], groups: &[String]) -> Result<Option<usize>, String> {
    let Some(&last) = marks.last() else {
        return Ok(None);
    };
    let last_at = marks.len() - 1;
    let count = |c: char| marks.iter().filter(|&&m| m == c).count();
    if let Some(i) = marks.iter().position(|&m| m == ARABIC_DECIMAL) {
        if i != last_at || count(ARABIC_DECIMAL) > 1 {
            return Err("has a decimal mark '٫' that is not the last mark".into());
        }
        return Ok(Some(i));
    }
    if GROUP_ONLY.contains(&last) || count(last) > 1 {
        return Ok(None);
    }
    let other = if last == ',' { '.' } else { ',' };
    if count(other) > 0 || marks.len() > 1 || last == '.' {
        return Ok(Some(last_at));
    }
    // A single comma and nothing else: a group mark only where it can be nothing else.
    let before = &groups[0];
    let after = &groups[1];
    let grouping = after.len() == 3 && before.len() <= 3 && !before.starts_with('0');
    Ok((!grouping).then_some(last_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(t: &str) -> (bool, String, String) {
        let d = parse_decimal(t).unwrap_or_else(|e| panic!("{t:?}: {e}"));
        (d.negative, d.whole, d.fraction)
    }

    fn parts(whole: &str, fraction: &str) -> (bool, String, String) {
        (false, whole.into(), fraction.into())
    }

    #[test]
    fn reads_each_mark_by_its_place() {
        assert_eq!(read("1250"), parts("1250", ""));
        assert_eq!(read("1,250.50"), parts("1250", "50"));
        assert_eq!(read("1.250,50"), parts("1250", "50"));
        assert_eq!(read("1.250.000"), parts("1250000", ""));
        assert_eq!(read("1,250,000"), parts("1250000", ""));
        assert_eq!(read("12,50"), parts("12", "50"));
        assert_eq!(read("12,5"), parts("12", "5"));
        assert_eq!(read("0,5"), parts("0", "5"));
        assert_eq!(read("1,250"), parts("1250", ""));
        assert_eq!(read("1,25"), parts("1", "25"));
        assert_eq!(read("0,250"), parts("0", "250"));
        assert_eq!(read("1234,567"), parts("1234", "567"));
        assert_eq!(read("1.250"), parts("1", "250"));
        assert_eq!(read("1 250,50"), parts("1250", "50"));
        assert_eq!(read("1\u{00A0}250\u{00A0}000"), parts("1250000", ""));
        assert_eq!(read("1\u{202F}250,5"), parts("1250", "5"));
        assert_eq!(read("1'250.50"), parts("1250", "50"));
        assert_eq!(read(" 7 "), parts("7", ""));
        assert_eq!(read("-3"), (true, "3".into(), String::new()));
    }

    #[test]
    fn reads_persian_and_arabic_digits_and_separators() {
        assert_eq!(read("۱۲٬۵۰۰٫۵۰"), parts("12500", "50"));
        assert_eq!(read("١٢٥٠"), parts("1250", ""));
        assert_eq!(read("۱۲,۵"), parts("12", "5"));
    }

    #[test]
    fn refuses_what_could_be_read_two_ways_or_not_at_all() {
        for (bad, why) in [
            ("1,,000", "two marks in a row"),
            (
                ",5",
                "starts with a decimal mark (write a 0 before it: 0,5)",
            ),
            (".5", "starts with a decimal mark"),
            ("12,", "ends with a mark"),
            ("1.2.3", "groups of three"),
            ("1,2,3", "groups of three"),
            ("12,50,00", "groups of three"),
            ("1234,567.5", "groups of three"),
            ("1,250 000", "mixes the group marks"),
            ("1,500.5.5", "mixes the group marks"),
            ("1٫5٫5", "not the last mark"),
            ("12abc", "'a', which is not a digit"),
            ("1e5", "'e'"),
            ("inf", "'i'"),
            ("NaN", "'N'"),
            ("+5", "'+'"),
        ] {
            let err = parse_decimal(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.contains(ACCEPTED_FORMS), "{bad:?}: {err}");
        }
        assert_eq!(parse_decimal("  ").unwrap_err(), "is required");
        assert!(parse_decimal("-").unwrap_err().contains("no digits"));
    }

    #[test]
    fn scales_exactly() {
        let d = parse_decimal("12,5").unwrap();
        assert_eq!(d.scaled(2), Some(1250));
        assert_eq!(d.scaled(0), None);
        assert_eq!(parse_decimal("1.234").unwrap().all_digits(), "1234");
        assert_eq!(parse_decimal("0,250").unwrap().all_digits(), "250");
        assert_eq!(parse_decimal(&"9".repeat(40)).unwrap().scaled(0), None);
    }
}
