//! Matching customers against what an operator has at hand — phone digits, a name, an
//! email — for the quick lookup and for duplicates. Pure rules only: the store runs the
//! queries, these decide what a query means, what counts as the same number, what
//! counts as nearly the same name, and which merges make sense.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::customer::NOTES_MAX;
use super::phone::{country_code_len, national_digits};
use super::{CustomerKind, CustomerSummary, ValidationError};
use crate::text::fold::ascii_digit;

// ---------------------------------------------------------------------------------------
// Lookup
// ---------------------------------------------------------------------------------------

/// A query with fewer digits than this is not a phone query.
pub const MIN_PHONE_QUERY_DIGITS: usize = 4;

/// Numbers this short (extensions, fragments) are no evidence of a duplicate.
pub const MIN_DUPLICATE_PHONE_DIGITS: usize = 6;

/// What a digits-only query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneQuery {
    /// The query's national digits (see [`national_digits`]): matched as the whole
    /// stored number or as its beginning.
    pub national: String,
    /// Matched as the end of a stored number: for a short fragment (under 7 digits) the
    /// digits as typed, so "0958" stays "0958"; for an international form (`+…`, `00…`)
    /// or 7 digits or more, the national digits, so a whole number in any form is the
    /// end of itself.
    pub tail: String,
    /// The query is clearly the beginning of a number (`+`, `00`, or a trunk `0` with
    /// 6 or more digits), so numbers starting with it rank before numbers ending with
    /// it; a bare fragment is more likely the last digits from a caller-ID.
    pub anchored: bool,
}

/// A query is a phone query when it holds only digits (ASCII, Persian, Arabic-Indic),
/// spaces and the separators `+ - . ( )`, with at least [`MIN_PHONE_QUERY_DIGITS`] digits.
pub fn phone_query(query: &str) -> Option<PhoneQuery> {
    let q = query.trim();
    let mut digits = String::new();
    for c in q.chars() {
        match ascii_digit(c) {
            Some(d) => digits.push(d),
            None if matches!(c, '+' | '-' | '.' | '(' | ')') || c.is_whitespace() => {}
            None => return None,
        }
    }
    if digits.len() < MIN_PHONE_QUERY_DIGITS {
        return None;
    }
    let national = national_digits(q);
    let international = q.starts_with('+') || digits.starts_with("00");
    let anchored = international || (digits.starts_with('0') && digits.len() >= 6);
    let tail = if international || digits.len() >= 7 {
        national.clone()
    } else {
        digits
    };
    Some(PhoneQuery {
        national,
        tail,
        anchored,
    })
}

/// The field a lookup matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    Phone,
    Name,
    /// The name of the company the customer belongs to.
    Company,
    Email,
    Tag,
}

/// How it matched, best first: the whole field, its beginning, its end (phones), the
/// beginning of a later word, inside a word, with typos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRank {
    Exact,
    Prefix,
    Suffix,
    WordPrefix,
    Inside,
    Typo,
}

impl MatchField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Name => "name",
            Self::Company => "company",
            Self::Email => "email",
            Self::Tag => "tag",
        }
    }
}

impl MatchRank {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Prefix => "prefix",
            Self::Suffix => "suffix",
            Self::WordPrefix => "word prefix",
            Self::Inside => "inside",
            Self::Typo => "typo",
        }
    }
}

/// One customer found by a lookup, with what matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookupHit {
    #[serde(flatten)]
    pub customer: CustomerSummary,
    pub matched: MatchField,
    pub rank: MatchRank,
    /// What matched, as stored: the phone number, the email, the tag, the name, or the
    /// company's name.
    pub matched_text: String,
}

// ---------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------

/// How close two names are, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSimilarity {
    /// One letter added, removed, changed, or two neighbours swapped (names of 6 or
    /// more letters).
    OneEdit,
    /// The same words in another order ("Petrov Ivan").
    WordsReordered,
    /// The same letters once spaces and punctuation are removed ("Abu-Bakr", "Abubakr").
    SameWithoutSpaces,
    /// The same after folding case and script variants.
    Same,
}

/// Why two customers look like one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum DuplicateReason {
    /// Both have this number (as one of them stored it).
    Phone {
        number: String,
    },
    /// Both have this address (case ignored).
    Email {
        address: String,
    },
    Name {
        similarity: NameSimilarity,
    },
}

impl DuplicateReason {
    /// How strongly this suggests one customer entered twice.
    pub fn strength(&self) -> u32 {
        match self {
            Self::Phone { .. } | Self::Email { .. } => 4,
            Self::Name { similarity } => match similarity {
                NameSimilarity::Same | NameSimilarity::SameWithoutSpaces => 3,
                NameSimilarity::WordsReordered => 2,
                NameSimilarity::OneEdit => 1,
            },
        }
    }
}

impl fmt::Display for DuplicateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Phone { number } => write!(f, "same phone {number}"),
            Self::Email { address } => write!(f, "same email {address}"),
            Self::Name { similarity } => f.write_str(match similarity {
                NameSimilarity::Same => "same name",
                NameSimilarity::SameWithoutSpaces => "same name but for spaces or punctuation",
                NameSimilarity::WordsReordered => "same name, words reordered",
                NameSimilarity::OneEdit => "name one letter apart",
            }),
        }
    }
}

/// Total strength of a set of reasons: how a list of candidates is ordered.
pub fn score(reasons: &[DuplicateReason]) -> u32 {
    reasons.iter().map(DuplicateReason::strength).sum()
}

/// Sorts reasons strongest first; of several name reasons only the strongest stays.
pub fn tidy_reasons(reasons: &mut Vec<DuplicateReason>) {
    reasons.sort_by_key(|r| std::cmp::Reverse(r.strength()));
    let mut seen_name = false;
    reasons.retain(|r| match r {
        DuplicateReason::Name { .. } if seen_name => false,
        DuplicateReason::Name { .. } => {
            seen_name = true;
            true
        }
        _ => true,
    });
    let mut seen = HashSet::new();
    reasons.retain(|r| seen.insert(r.clone()));
}

/// Two customers that look like one, with why (strongest reason first). `a` is the
/// older record (lower id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    pub a: CustomerSummary,
    pub b: CustomerSummary,
    pub reasons: Vec<DuplicateReason>,
}

/// The comparison forms of a folded name (a customer's `name_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKeys {
    /// The folded name itself.
    pub key: String,
    /// Letters and digits only: spaces and punctuation removed.
    pub compact: String,
    /// The words (letters and digits) sorted and joined by spaces.
    pub words: String,
}

impl NameKeys {
    pub fn new(name_key: &str) -> Self {
        let compact: String = name_key.chars().filter(|c| c.is_alphanumeric()).collect();
        let mut words: Vec<&str> = name_key
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.sort_unstable();
        Self {
            key: name_key.to_string(),
            compact,
            words: words.join(" "),
        }
    }

    /// The bucket for typo comparison: the first three letters of `compact`.
    pub fn bucket(&self) -> &str {
        let end = self
            .compact
            .char_indices()
            .nth(3)
            .map_or(self.compact.len(), |(i, _)| i);
        &self.compact[..end]
    }
}

/// Shortest names (letters, spaces excluded) for which one typo still counts.
pub const ONE_EDIT_MIN_CHARS: usize = 6;

/// How close two names are, if close enough to suggest a duplicate.
pub fn name_similarity(a: &NameKeys, b: &NameKeys) -> Option<NameSimilarity> {
    if a.key == b.key {
        return Some(NameSimilarity::Same);
    }
    if a.compact.is_empty() || b.compact.is_empty() {
        return None;
    }
    if a.compact == b.compact {
        return Some(NameSimilarity::SameWithoutSpaces);
    }
    if a.words == b.words {
        return Some(NameSimilarity::WordsReordered);
    }
    let long_enough = |s: &str| s.chars().count() >= ONE_EDIT_MIN_CHARS;
    if long_enough(&a.compact) && long_enough(&b.compact) && within_one_edit(&a.compact, &b.compact)
    {
        return Some(NameSimilarity::OneEdit);
    }
    None
}

/// At most one edit apart: equal, or one character inserted, deleted or replaced, or
/// two neighbouring characters swapped (optimal string alignment distance ≤ 1).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let same = short.iter().zip(&long).take_while(|(x, y)| x == y).count();
    if same == short.len() {
        return true;
    }
    if short.len() < long.len() {
        return short[same..] == long[same + 1..];
    }
    let replaced = short[same + 1..] == long[same + 1..];
    let swapped = same + 1 < short.len()
        && short[same] == long[same + 1]
        && short[same + 1] == long[same]
        && short[same + 2..] == long[same + 2..];
    replaced || swapped
}

/// Pairs of `keys` (indexes, smaller first) at most one edit apart, among keys of at
/// least [`ONE_EDIT_MIN_CHARS`] characters. `keys` should be distinct. Candidates come
/// from a deletion neighbourhood (every key with one character removed), so the work
/// grows with the number of keys, not its square; each candidate is then verified.
pub fn one_edit_pairs(keys: &[&str]) -> Vec<(usize, usize)> {
    let mut by_variant: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let chars: Vec<char> = key.chars().collect();
        if chars.len() < ONE_EDIT_MIN_CHARS {
            continue;
        }
        let mut variants: Vec<String> = Vec::with_capacity(chars.len() + 1);
        variants.push((*key).to_string());
        for skip in 0..chars.len() {
            variants.push(
                chars
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != skip)
                    .map(|(_, c)| c)
                    .collect(),
            );
        }
        variants.sort_unstable();
        variants.dedup();
        for v in variants {
            by_variant.entry(v).or_default().push(i);
        }
    }
    let mut pairs = HashSet::new();
    for members in by_variant.values().filter(|m| m.len() > 1) {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                let pair = (i.min(j), i.max(j));
                if i != j && !pairs.contains(&pair) && within_one_edit(keys[i], keys[j]) {
                    pairs.insert(pair);
                }
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

/// The country code a stored number carries explicitly, if any: `digits` are all its
/// digits, `national` its national digits (a suffix of `digits`).
fn explicit_country_code<'a>(digits: &'a str, national: &str) -> Option<&'a str> {
    let prefix_len = digits.len().checked_sub(national.len())?;
    if !digits.ends_with(national) || prefix_len == 0 {
        return None;
    }
    let (skip, rest) = match digits.strip_prefix("00") {
        Some(rest) => (2, rest),
        None => (0, digits),
    };
    let len = country_code_len(rest)?;
    (skip + len <= prefix_len).then(|| &rest[..len])
}

/// Whether two numbers with these digits and national digits are one number: the same
/// national digits, and not two different explicit country codes. `0912 345 6789` and
/// `+98 912 345 6789` are one number; `+7 912 345 67 89` and `+98 912 345 6789` are not.
pub fn same_number(a_digits: &str, a_national: &str, b_digits: &str, b_national: &str) -> bool {
    if a_national != b_national {
        return false;
    }
    match (
        explicit_country_code(a_digits, a_national),
        explicit_country_code(b_digits, b_national),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// A customer (or one about to be added, without an id) as the sharing rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub id: Option<i64>,
    pub kind: CustomerKind,
    pub company_id: Option<i64>,
}

/// A phone or email two customers may share without being one: a person and their own
/// company (the switchboard, `info@`), or two people of one company on a number both
/// keep as a work number (`both_work`).
pub fn shared_contact_expected(a: &Party, b: &Party, both_work: bool) -> bool {
    let member_of = |p: &Party, q: &Party| q.id.is_some() && p.company_id == q.id;
    member_of(a, b)
        || member_of(b, a)
        || (both_work && a.company_id.is_some() && a.company_id == b.company_id)
}

/// One side of a merge, as the merge rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeSide {
    pub id: i64,
    pub kind: CustomerKind,
    /// How many people belong to this customer (a company).
    pub people: i64,
}

/// Refuses merges that make no sense: a customer with itself, and a company that has
/// people into a person (people belong to companies only).
pub fn check_merge(keep: &MergeSide, drop: &MergeSide) -> Result<(), ValidationError> {
    if keep.id == drop.id {
        return Err(ValidationError::new(
            "merge",
            format!("cannot merge customer #{} with itself", keep.id),
        ));
    }
    if drop.people > 0 && keep.kind == CustomerKind::Person {
        return Err(ValidationError::new(
            "merge",
            format!(
                "customer #{} is a company with {} and #{} is a person, who cannot have people; keep the company instead, or move its people first",
                drop.id,
                if drop.people == 1 {
                    "1 person".to_string()
                } else {
                    format!("{} people", drop.people)
                },
                keep.id
            ),
        ));
    }
    Ok(())
}

/// The notes of a merged customer: both kept (the kept one's first), unless one
/// already contains the other. Refused if together they exceed the notes limit.
pub fn merge_notes(
    keep: Option<&str>,
    drop: Option<&str>,
) -> Result<Option<String>, ValidationError> {
    let merged = match (keep, drop) {
        (None, None) => None,
        (Some(k), None) => Some(k.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (Some(k), Some(d)) if k.contains(d) => Some(k.to_string()),
        (Some(k), Some(d)) if d.contains(k) => Some(d.to_string()),
        (Some(k), Some(d)) => Some(format!("{k}\n\n{d}")),
    };
    if let Some(text) = &merged {
        let n = text.chars().count();
        if n > NOTES_MAX {
            return Err(ValidationError::new(
                "notes",
                format!(
                    "the merged notes would be {n} characters long; the limit is {NOTES_MAX}; shorten one customer's notes first"
                ),
            ));
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn keys(name: &str) -> NameKeys {
        NameKeys::new(&fold(name))
    }

    fn similarity(a: &str, b: &str) -> Option<NameSimilarity> {
        name_similarity(&keys(a), &keys(b))
    }

    #[test]
    fn phone_queries_are_digits_with_separators() {
        let q = phone_query("0912 345").unwrap();
        assert_eq!((q.national.as_str(), q.anchored), ("912345", true));
        let q = phone_query("+98 912 345").unwrap();
        assert_eq!((q.national.as_str(), q.tail.as_str()), ("912345", "912345"));
        assert!(q.anchored);
        let q = phone_query("912345").unwrap();
        assert_eq!((q.national.as_str(), q.anchored), ("912345", false));
        let q = phone_query("0958").unwrap();
        assert_eq!((q.national.as_str(), q.tail.as_str()), ("958", "0958"));
        assert!(
            !q.anchored,
            "a short fragment is more likely the end of a number"
        );
        assert_eq!(phone_query("0912 345 6789").unwrap().tail, "9123456789");
        assert_eq!(phone_query("8 916 555 12 34").unwrap().tail, "9165551234");
        assert_eq!(phone_query("3456789").unwrap().tail, "3456789");
        let q = phone_query("۶۷۸۹").unwrap();
        assert_eq!(q.tail, "6789");
        assert_eq!(
            phone_query("+7 (912) 345-67-89").unwrap().national,
            "9123456789"
        );
        for not_phone in ["123", "ivan", "12ab34", "acme 2024", "", "+-()"] {
            assert_eq!(phone_query(not_phone), None, "{not_phone}");
        }
    }

    #[test]
    fn names_fold_before_comparing() {
        assert_eq!(
            similarity("Фёдор Соловьёв", "федор соловьев"),
            Some(NameSimilarity::Same)
        );
        assert_eq!(
            similarity("علي رضايي", "علی رضایی"),
            Some(NameSimilarity::Same)
        );
        assert_eq!(
            similarity("Abu-Bakr Ali", "Abubakr ali"),
            Some(NameSimilarity::SameWithoutSpaces)
        );
        assert_eq!(
            similarity("Petrov Ivan", "Ivan Petrov"),
            Some(NameSimilarity::WordsReordered)
        );
        assert_eq!(
            similarity("Ivanov, Pyotr", "Pyotr Ivanov"),
            Some(NameSimilarity::WordsReordered)
        );
    }

    #[test]
    fn one_typo_counts_only_in_longer_names() {
        assert_eq!(
            similarity("Ivan Petrov", "Ivan Petrof"),
            Some(NameSimilarity::OneEdit)
        );
        assert_eq!(
            similarity("Ivan Petrov", "Ivan Petrovv"),
            Some(NameSimilarity::OneEdit)
        );
        assert_eq!(
            similarity("Ivan Petrov", "Ivan Ptrov"),
            Some(NameSimilarity::OneEdit)
        );
        assert_eq!(similarity("Ivan Petrov", "Ivan Ptervo"), None, "two edits");
        assert_eq!(
            similarity("Ivan Petrov", "Ivan Petorv"),
            Some(NameSimilarity::OneEdit),
            "a swap"
        );
        assert_eq!(similarity("Anna", "Anne"), None, "too short for typos");
        assert_eq!(similarity("Maria Ivanova", "Marina Petrova"), None);
        assert_eq!(
            similarity("مریم احمدی", "مریم احمری"),
            Some(NameSimilarity::OneEdit)
        );
    }

    #[test]
    fn within_one_edit_cases() {
        assert!(within_one_edit("abcdef", "abcdef"));
        assert!(within_one_edit("abcdef", "abcdefg"));
        assert!(within_one_edit("abcdef", "xabcdef"));
        assert!(within_one_edit("abcdef", "abXdef"));
        assert!(within_one_edit("abcdef", "abdcef"));
        assert!(!within_one_edit("abcdef", "badcef"));
        assert!(!within_one_edit("abcdef", "abcdefgh"));
        assert!(!within_one_edit("abcdef", "abXdeY"));
    }

    #[test]
    fn one_edit_pairs_match_a_brute_force_comparison() {
        let names = [
            "ivanpetrov",
            "ivanpetrof",
            "ivanpetorv",
            "ivanpetrovv",
            "ivanptrov",
            "mariaivanova",
            "mariaivanov",
            "marinaivanova",
            "abc",
            "abd",
            "petrovivan",
        ];
        let found = one_edit_pairs(&names);
        let mut brute = Vec::new();
        for i in 0..names.len() {
            for j in i + 1..names.len() {
                if names[i].len() >= 6 && names[j].len() >= 6 && within_one_edit(names[i], names[j])
                {
                    brute.push((i, j));
                }
            }
        }
        assert_eq!(found, brute);
        assert!(found.contains(&(0, 1)) && found.contains(&(5, 7)));
    }

    #[test]
    fn bucket_is_the_first_three_letters() {
        assert_eq!(keys("Ив ан").bucket(), "ива");
        assert_eq!(keys("Li").bucket(), "li");
    }

    #[test]
    fn same_number_ignores_forms_but_not_countries() {
        let n = |raw: &str| (crate::text::fold_digits(raw), national_digits(raw));
        let same = |a: &str, b: &str| {
            let (ad, an) = n(a);
            let (bd, bn) = n(b);
            same_number(&ad, &an, &bd, &bn)
        };
        assert!(same("+98 912 345 6789", "0912 345 6789"));
        assert!(same("+98 912 345 6789", "0098 912 345 6789"));
        assert!(same("+44 (0)20 7946 0958", "+44 20 7946 0958"));
        assert!(same("+7 912 345-67-89", "8 912 345 67 89"));
        assert!(
            !same("+7 912 345 67 89", "+98 912 345 6789"),
            "two countries"
        );
        assert!(!same("+98 912 345 6789", "+98 912 345 6788"));
    }

    #[test]
    fn shared_contacts_of_a_company_and_its_people_are_expected() {
        let company = Party {
            id: Some(1),
            kind: CustomerKind::Company,
            company_id: None,
        };
        let ivan = Party {
            id: Some(2),
            kind: CustomerKind::Person,
            company_id: Some(1),
        };
        let maria = Party {
            id: Some(3),
            kind: CustomerKind::Person,
            company_id: Some(1),
        };
        let stranger = Party {
            id: Some(4),
            kind: CustomerKind::Person,
            company_id: None,
        };
        let new_colleague = Party {
            id: None,
            kind: CustomerKind::Person,
            company_id: Some(1),
        };
        assert!(shared_contact_expected(&company, &ivan, false));
        assert!(shared_contact_expected(&new_colleague, &company, false));
        assert!(shared_contact_expected(&ivan, &maria, true));
        assert!(
            !shared_contact_expected(&ivan, &maria, false),
            "a shared mobile is suspicious"
        );
        assert!(!shared_contact_expected(&ivan, &stranger, true));
    }

    #[test]
    fn merge_rules() {
        let person = |id| MergeSide {
            id,
            kind: CustomerKind::Person,
            people: 0,
        };
        let company = |id, people| MergeSide {
            id,
            kind: CustomerKind::Company,
            people,
        };
        assert!(check_merge(&person(1), &person(2)).is_ok());
        assert!(check_merge(&company(1, 3), &company(2, 4)).is_ok());
        assert!(check_merge(&person(1), &company(2, 0)).is_ok());
        let e = check_merge(&person(3), &person(3)).unwrap_err();
        assert_eq!(e.to_string(), "merge: cannot merge customer #3 with itself");
        let e = check_merge(&person(1), &company(2, 4)).unwrap_err();
        assert!(e.reason.contains("company with 4 people"), "{e}");
        let e = check_merge(&person(1), &company(2, 1)).unwrap_err();
        assert!(e.reason.contains("company with 1 person"), "{e}");
    }

    #[test]
    fn merged_notes_keep_both() {
        assert_eq!(merge_notes(None, None).unwrap(), None);
        assert_eq!(merge_notes(Some("a"), None).unwrap().as_deref(), Some("a"));
        assert_eq!(merge_notes(None, Some("b")).unwrap().as_deref(), Some("b"));
        assert_eq!(
            merge_notes(Some("a"), Some("b")).unwrap().as_deref(),
            Some("a\n\nb")
        );
        assert_eq!(
            merge_notes(Some("abc"), Some("b")).unwrap().as_deref(),
            Some("abc")
        );
        let long = "x".repeat(NOTES_MAX);
        assert_eq!(
            merge_notes(Some(&long), Some("y")).unwrap_err().field,
            "notes"
        );
    }

    #[test]
    fn reasons_are_tidied_and_scored() {
        let mut r = vec![
            DuplicateReason::Name {
                similarity: NameSimilarity::OneEdit,
            },
            DuplicateReason::Phone {
                number: "+98 912".into(),
            },
            DuplicateReason::Name {
                similarity: NameSimilarity::Same,
            },
            DuplicateReason::Phone {
                number: "+98 912".into(),
            },
        ];
        tidy_reasons(&mut r);
        assert_eq!(
            r,
            vec![
                DuplicateReason::Phone {
                    number: "+98 912".into()
                },
                DuplicateReason::Name {
                    similarity: NameSimilarity::Same
                },
            ]
        );
        assert_eq!(score(&r), 7);
        assert_eq!(r[1].to_string(), "same name");
    }
}
