//! Engine tests: normalisation, ranking, space semantics, incremental updates, and two
//! properties over generated data: the index gives exactly the scores of a brute-force
//! scan, and narrowing per keystroke gives exactly what a fresh search gives.

use super::engine::{Plan, phone_query_score, phone_term_score, term_score};
use super::index::{POS_FIRST, POS_LATER, POS_SOLE, class_of};
use super::phone::DigitQuery;
use super::text::{Term, fold_search, query_terms, words};
use super::*;
use crate::search::index::{SnapshotError, Stamp};

fn rec(id: i64, name: &str) -> SearchRecord {
    SearchRecord {
        id,
        name: name.to_string(),
        ..Default::default()
    }
}

fn with(mut r: SearchRecord, f: impl FnOnce(&mut SearchRecord)) -> SearchRecord {
    f(&mut r);
    r
}

fn ids(hits: &[Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.id).collect()
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

// ---------------------------------------------------------------- generated data

const LATIN_FIRST: &[&str] = &[
    "Olivia", "James", "Emma", "Liam", "Sophia", "Noah", "Ivan", "Ivana", "Chloé", "Mateo", "Zoë",
    "Felix", "Nora", "Marta", "Pieter",
];
const LATIN_LAST: &[&str] = &[
    "Smith", "Johnson", "Müller", "García", "Rossi", "O'Brien", "Ivanov", "Novak", "Lefèvre",
    "Walker", "Petrov", "Smithson",
];
const RU_FIRST: &[&str] = &[
    "Иван",
    "Пётр",
    "Алёна",
    "Мария",
    "Дмитрий",
    "Фёдор",
    "Анна",
    "Сергей",
    "Иванна",
];
const RU_LAST: &[&str] = &[
    "Иванов",
    "Петров",
    "Соловьёв",
    "Киселёв",
    "Горбачев",
    "Смирнов",
    "Волков",
    "Петровский",
];
const FA_FIRST: &[&str] = &[
    "علی",
    "زهرا",
    "محمد",
    "فاطمه",
    "پانته\u{200C}آ",
    "كامران",
    "مريم",
    "عزت\u{200C}الله",
];
const FA_LAST: &[&str] = &["رضایی", "احمدی", "کیانی", "موسوی", "طاهري", "جعفری"];
const COMPANIES: &[&str] = &[
    "Acme Labs",
    "Redwood Labs",
    "Ромашка",
    "Северсталь Групп",
    "پارس داده",
    "Globex",
    "Initech",
];
const TAGS: &[&str] = &["vip", "lead", "key-account", "partner", "тест", "ویژه"];

fn generated(n: usize, seed: u64) -> Vec<SearchRecord> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let (first, last) = match rng.usize(0..3) {
                0 => (rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)),
                1 => (rng.choice(RU_FIRST), rng.choice(RU_LAST)),
                _ => (rng.choice(FA_FIRST), rng.choice(FA_LAST)),
            };
            let name = if rng.u8(..) < 20 {
                last.unwrap().to_string()
            } else {
                format!("{} {}", first.unwrap(), last.unwrap())
            };
            let phone = match rng.usize(0..6) {
                0 => format!("98912{:07}", rng.u32(0..10_000_000)),
                1 => format!("0912{:07}", rng.u32(0..10_000_000)),
                2 => format!("7916{:07}", rng.u32(0..10_000_000)),
                3 => format!("8916{:07}", rng.u32(0..10_000_000)),
                4 => format!("4420{:08}", rng.u32(0..100_000_000)),
                _ => format!("1212{:07}", rng.u32(0..10_000_000)),
            };
            let mut phones = vec![phone];
            if rng.bool() {
                phones.push(format!("{:04}", rng.u32(0..10_000)));
            }
            let emails = if rng.u8(..) < 200 {
                vec![format!(
                    "{}.{}{}@{}",
                    ["ivan", "olivia", "ali", "maria", "petr"][rng.usize(0..5)],
                    ["smith", "petrov", "rezaei", "novak"][rng.usize(0..4)],
                    rng.u32(0..100),
                    ["gmail.com", "acme.com", "mail.ru", "yahoo.com"][rng.usize(0..4)]
                )]
            } else {
                Vec::new()
            };
            SearchRecord {
                id: 1 + i as i64 * 3,
                name,
                company: (rng.u8(..) < 100).then(|| rng.choice(COMPANIES).unwrap().to_string()),
                phones,
                emails,
                tags: (0..rng.usize(0..3))
                    .map(|_| rng.choice(TAGS).unwrap().to_string())
                    .collect(),
                last_contact: (rng.u8(..) < 200).then(|| rng.i64(0..1000)),
            }
        })
        .collect()
}

/// Queries a person would type: names, prefixes, typos, several words, digits.
fn generated_queries(records: &[SearchRecord], n: usize, seed: u64) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = vec![
        "ivan petrov".to_string(),
        "иван пе".into(),
        "ivnov".into(),
        "петро".into(),
        "smith acme".into(),
        "a".into(),
        "labs".into(),
        "علی رضا".into(),
        "ivan 0912".into(),
        "com".into(),
        "ov".into(),
        "anov".into(),
        "0912 3".into(),
        "+98 912".into(),
        "vip ali".into(),
    ];
    while out.len() < n {
        let r = &records[rng.usize(0..records.len())];
        let source = match rng.usize(0..6) {
            0 | 1 => r.name.clone(),
            2 => r.company.clone().unwrap_or_else(|| r.name.clone()),
            3 => r.emails.first().cloned().unwrap_or_else(|| r.name.clone()),
            4 => r.phones[0].clone(),
            _ => format!("{} {}", r.name, r.tags.first().cloned().unwrap_or_default()),
        };
        let mut q: Vec<char> = fold_search(&source).chars().collect();
        if q.len() > 3 && rng.bool() {
            // Typos: drop, duplicate, swap or replace a char, anywhere (twice, at times).
            for _ in 0..1 + usize::from(rng.u8(..) < 60) {
                let at = rng.usize(0..q.len() - 1);
                match rng.usize(0..4) {
                    0 => {
                        q.remove(at);
                    }
                    1 => q.insert(at, q[at]),
                    2 => q.swap(at, at + 1),
                    _ => q[at] = rng.choice(['a', 'о', 'ی', 'x']).unwrap_or('x'),
                }
            }
        }
        let take = rng.usize(1..=q.len().clamp(1, 12));
        out.push(q[..take].iter().collect());
    }
    out
}

/// The scores by brute force: every record, every field, every word.
fn oracle(records: &[SearchRecord], query: &str) -> Vec<(i64, i64, i64)> {
    let mut out = Vec::new();
    if let Some(dq) = DigitQuery::parse(query) {
        for r in records {
            if let Some(t) = r.phones.iter().filter_map(|p| dq.match_number(p)).max() {
                out.push((
                    phone_query_score(t),
                    r.last_contact.unwrap_or(i64::MIN),
                    r.id,
                ));
            }
        }
    } else {
        let words_q = query_terms(query);
        if words_q.is_empty() {
            return out;
        }
        let any_word = words_q
            .iter()
            .any(|w| !w.bytes().all(|b| b.is_ascii_digit()));
        for r in records {
            let mut fields: Vec<(u8, &str)> = vec![(0, r.name.as_str())];
            fields.extend(r.company.as_deref().map(|c| (1, c)));
            fields.extend(r.emails.iter().map(|e| (2, e.as_str())));
            fields.extend(r.tags.iter().map(|t| (3, t.as_str())));
            let mut total = 0;
            let mut all = true;
            for w in &words_q {
                let term = Term::new(w);
                let mut best = 0;
                for &(kind, text) in &fields {
                    let folded = fold_search(text);
                    let ws: Vec<&str> = words(&folded).map(|(_, w)| w).collect();
                    for (i, word) in ws.iter().enumerate() {
                        let pos = if ws.len() == 1 {
                            POS_SOLE
                        } else if i == 0 {
                            POS_FIRST
                        } else {
                            POS_LATER
                        };
                        if let Some(m) = term.classify(word.as_bytes()) {
                            best = best.max(term_score(m, class_of(kind, pos)));
                        }
                    }
                }
                if any_word && w.len() >= 3 && w.bytes().all(|b| b.is_ascii_digit()) {
                    let dq = DigitQuery::from_digits(w.clone(), false);
                    for p in &r.phones {
                        if let Some(t) = dq.match_number(p) {
                            best = best.max(phone_term_score(t));
                        }
                    }
                }
                if best == 0 {
                    all = false;
                    break;
                }
                total += best;
            }
            if all {
                out.push((total, r.last_contact.unwrap_or(i64::MIN), r.id));
            }
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    out
}

/// The index's hits have exactly the brute-force scores, best first; without typo
/// terms (no fuzzy reordering of ties) also exactly the same records in the same order.
fn assert_matches_oracle(index: &SearchIndex, records: &[SearchRecord], query: &str, limit: usize) {
    let expect = oracle(records, query);
    let hits = index.search(query, limit);
    let digit = DigitQuery::parse(query).is_some();
    if digit && expect.len() < limit {
        // Text hits may follow the phone hits; check the phone part.
        let phone_hits: Vec<&Hit> = hits.iter().filter(|h| h.score >= 10_000).collect();
        assert_eq!(phone_hits.len(), expect.len(), "{query:?}");
        return;
    }
    let n = limit.min(expect.len());
    assert_eq!(hits.len(), n, "{query:?}: hit count");
    let scores: Vec<i64> = hits.iter().map(|h| h.score).collect();
    let expect_scores: Vec<i64> = expect[..n].iter().map(|e| e.0).collect();
    assert_eq!(scores, expect_scores, "{query:?}: scores");
    let by_id: std::collections::HashMap<i64, i64> = expect.iter().map(|e| (e.2, e.0)).collect();
    for h in &hits {
        assert_eq!(by_id.get(&h.id), Some(&h.score), "{query:?}: #{}", h.id);
    }
    let typo = query_terms(query)
        .iter()
        .any(|w| Term::new(w).typo_enabled());
    if !typo || digit {
        let expect_ids: Vec<i64> = expect[..n].iter().map(|e| e.2).collect();
        assert_eq!(ids(&hits), expect_ids, "{query:?}: order");
    }
}

#[test]
fn index_scores_equal_a_brute_force_scan() {
    let records = generated(3000, 1);
    let index = SearchIndex::build(records.clone());
    assert_eq!(index.len(), 3000);
    for q in generated_queries(&records, 300, 2) {
        for limit in [1, 20] {
            assert_matches_oracle(&index, &records, &q, limit);
        }
    }
}

#[test]
fn narrowing_gives_the_same_results_as_a_fresh_search() {
    let records = generated(3000, 3);
    let index = SearchIndex::build(records.clone());
    let mut narrowed = 0;
    for q in generated_queries(&records, 200, 4) {
        let mut searcher = Searcher::new();
        let chars: Vec<char> = q.chars().collect();
        for n in 1..=chars.len() {
            let typed: String = chars[..n].iter().collect();
            let a = searcher.search(&index, &typed, 20);
            if searcher.last_plan == Plan::Narrowed {
                narrowed += 1;
            }
            let b = index.search(&typed, 20);
            assert_eq!(a, b, "{typed:?}");
        }
        // Backspace all the way: never narrowed, still equal.
        for n in (1..chars.len()).rev() {
            let typed: String = chars[..n].iter().collect();
            assert_eq!(
                searcher.search(&index, &typed, 20),
                index.search(&typed, 20)
            );
        }
    }
    assert!(narrowed > 100, "narrowing was used {narrowed} times");
}

// ---------------------------------------------------------------- normalisation

#[test]
fn phone_forms_find_the_same_customer() {
    let records = vec![
        with(rec(1, "Reza Rezaei"), |r| {
            r.phones = vec!["09123456789".into()]
        }),
        with(rec(2, "Other"), |r| r.phones = vec!["989131111111".into()]),
        with(rec(3, "Ivan"), |r| r.phones = vec!["79161234567".into()]),
        with(rec(4, "Emailer"), |r| {
            r.emails = vec!["x0912345@mail.ru".into()]
        }),
        with(rec(5, "Stored international"), |r| {
            r.phones = vec!["989127654321".into()]
        }),
    ];
    let index = SearchIndex::build(records);
    for q in [
        "0912 345",
        "+98 912 345",
        "912345",
        "۰۹۱۲ ۳۴۵",
        "٠٩١٢٣٤٥",
        "3456789",
        "6789",
    ] {
        let hits = index.search(q, 10);
        assert_eq!(hits[0].id, 1, "{q}");
        assert_eq!(hits[0].field, MatchField::Phone, "{q}");
        assert_eq!(hits[0].text, "09123456789");
    }
    assert_eq!(
        index.search("0912 345", 10)[0].positions,
        (0..7).collect::<Vec<_>>()
    );
    // The phone hit ranks above the email that holds the same digits.
    assert_eq!(ids(&index.search("0912345", 10)), [1, 4]);
    // Stored with the country code: found by the domestic form, and vice versa.
    assert_eq!(ids(&index.search("0912 765", 10)), [5]);
    assert_eq!(ids(&index.search("+98 912 765 4321", 10)), [5]);
    assert_eq!(
        index.search("+98 912 765 4321", 10)[0].score,
        10_400,
        "exact"
    );
    // Russia: +7 stored, typed with the trunk 8.
    assert_eq!(ids(&index.search("8 916 123", 10)), [3]);
    assert_eq!(ids(&index.search("+7 916", 10)), [3]);
    assert!(index.search("0914", 10).is_empty());
    assert_eq!(ids(&index.search("0913", 10)), [2]);
}

#[test]
fn cyrillic_folding_finds_every_spelling() {
    let index = SearchIndex::build(vec![
        rec(1, "Иван Петров"),
        rec(2, "ИВАН СИДОРОВ"),
        rec(3, "иван"),
        rec(4, "Иванна Кузнецова"),
        rec(5, "Анна Петрова"),
        rec(6, "Фёдор Соловьёв"),
        rec(7, "Ivan Ivanov"),
        rec(8, "Пётр Петровский"),
    ]);
    assert_eq!(sorted(ids(&index.search("иван", 10))), [1, 2, 3, 4]);
    assert_eq!(sorted(ids(&index.search("ИВАН", 10))), [1, 2, 3, 4]);
    assert_eq!(sorted(ids(&index.search("петро", 10))), [1, 5, 8]);
    assert_eq!(ids(&index.search("соловьев", 10)), [6]);
    assert_eq!(ids(&index.search("СОЛОВЬЁВ", 10)), [6]);
    assert_eq!(ids(&index.search("федор", 10)), [6]);
    assert_eq!(ids(&index.search("петр", 10))[0], 8, "exact word first");
    let hit = &index.search("солов", 1)[0];
    assert_eq!(hit.text, "Фёдор Соловьёв");
    assert_eq!(hit.positions, [6, 7, 8, 9, 10]);
}

#[test]
fn persian_and_arabic_variants_find_each_other() {
    let index = SearchIndex::build(vec![
        rec(1, "علی رضایی"),
        rec(2, "كامران كياني"), // Arabic kaf and yeh
        rec(3, "پانته\u{200C}آ موسوی"),
        rec(4, "عزت\u{200C}الله جعفری"),
        rec(5, "مُحَمَّد احمدی"),
    ]);
    assert_eq!(ids(&index.search("علي", 10)), [1]);
    assert_eq!(ids(&index.search("رضايي", 10)), [1]);
    assert_eq!(ids(&index.search("کامران", 10)), [2]);
    assert_eq!(ids(&index.search("کیانی", 10)), [2]);
    assert_eq!(ids(&index.search("پانتهآ", 10)), [3]);
    assert_eq!(ids(&index.search("پانته\u{200C}آ", 10)), [3]);
    assert_eq!(ids(&index.search("عزتالله", 10)), [4]);
    assert_eq!(ids(&index.search("محمد", 10)), [5]);
    let hit = &index.search("پانته", 1)[0];
    assert_eq!(
        hit.positions,
        [0, 1, 2, 3, 4, 5],
        "the ZWNJ goes with the char before it"
    );
}

#[test]
fn latin_accents_and_case_fold() {
    let index = SearchIndex::build(vec![rec(1, "Hans Müller"), rec(2, "Chloé O'Brien")]);
    assert_eq!(ids(&index.search("muller", 10)), [1]);
    assert_eq!(ids(&index.search("MÜLLER", 10)), [1]);
    assert_eq!(ids(&index.search("chloe", 10)), [2]);
    // O'Brien is two words, "o" and "brien": "obrien" finds it as a typo only.
    let hits = index.search("obrien", 10);
    assert_eq!(ids(&hits), [2]);
    assert_eq!(hits[0].rank, Rank::Typo);
    assert_eq!(ids(&index.search("o'brien", 10)), [2]);
    assert_eq!(ids(&index.search("brien", 10)), [2]);
}

// ---------------------------------------------------------------- ranking

#[test]
fn exact_beats_prefix_beats_infix_beats_a_typo() {
    let index = SearchIndex::build(vec![
        with(rec(1, "Ixvanov Sergei"), |r| r.last_contact = Some(900)), // an extra letter
        with(rec(2, "Aivanov Petr"), |r| r.last_contact = Some(800)),   // infix
        with(rec(3, "Ivanova Maria"), |r| r.last_contact = Some(700)),  // prefix of the name
        with(rec(4, "Petr Ivanovich"), |r| r.last_contact = Some(600)), // prefix of a later word
        with(rec(5, "Oleg Ivanov"), |r| r.last_contact = Some(500)),    // a later word exactly
        with(rec(6, "Ivanov Oleg"), |r| r.last_contact = Some(400)),    // first word exactly
        with(rec(7, "Ivanov"), |r| r.last_contact = Some(300)),         // the whole name
    ]);
    assert_eq!(ids(&index.search("ivanov", 10)), [7, 6, 5, 3, 4, 2, 1]);
}

#[test]
fn prefix_beats_a_typo_and_typos_still_find() {
    let index = SearchIndex::build(vec![
        with(rec(1, "Ivanov"), |r| r.last_contact = Some(1_000)),
        rec(2, "Ivnorsky"),
    ]);
    assert_eq!(ids(&index.search("ivno", 10)), [2, 1]);
    // One edit each ("ivnor…": a wrong letter); the fuzzy scorer prefers the missing one.
    let hits = index.search("ivnov", 10);
    assert_eq!(ids(&hits), [1, 2]);
    assert_eq!(hits[0].positions, [0, 1, 3, 4, 5]);
    assert_eq!(hits[0].rank, Rank::Typo);
}

#[test]
fn one_edit_of_any_kind_is_forgiven_in_every_script() {
    let index = SearchIndex::build(vec![
        rec(1, "Astrid Lindqvist"),
        rec(2, "Aiden Walker"),
        rec(3, "Grace Hughes"),
        rec(4, "Мария Соловьёва"),
        rec(5, "Пётр Иванов"),
        rec(6, "مریم رضایی"),
        rec(7, "Olga Petrova"),
    ]);
    for (query, id) in [
        ("Lindqwist", 1), // a wrong letter (two are forgiven from 8 letters)
        ("Lindkvist", 1),
        ("Lindkwist", 1),
        ("Aidan", 2),
        ("Hughse", 3),  // a swapped pair
        ("Hugches", 3), // an extra letter
        ("Hghes", 3),   // a missing letter
        ("Bughes", 3),  // the first letter
        ("саловьёва", 4),
        ("Иваонв", 5),
        ("رضاپی", 6),
        ("olga petorva", 7),
    ] {
        let hits = index.search(query, 10);
        assert_eq!(ids(&hits), [id], "{query}");
        assert_eq!(hits[0].rank, Rank::Typo, "{query}");
    }
    assert_eq!(
        ids(&index.search("Hgues", 10)),
        Vec::<i64>::new(),
        "two edits in a short word"
    );
    // Ranked below exact and prefix matches.
    let index = SearchIndex::build(vec![
        with(rec(1, "Aidan Smith"), |r| r.last_contact = Some(10)),
        with(rec(2, "Aiden Walker"), |r| r.last_contact = Some(900)),
        with(rec(3, "Aidanova Jones"), |r| r.last_contact = Some(5)),
    ]);
    let hits = index.search("aidan", 10);
    assert_eq!(ids(&hits), [1, 3, 2]);
    assert_eq!(
        hits.iter().map(|h| h.rank).collect::<Vec<_>>(),
        [Rank::Prefix, Rank::Prefix, Rank::Typo]
    );
    assert_eq!(hits[2].positions, [0, 1, 2, 3, 4]);
}

#[test]
fn a_highlight_keeps_the_zwnj_of_a_persian_name() {
    let index = SearchIndex::build(vec![rec(1, "عزت\u{200C}الله جعفری")]);
    for (query, expect) in [
        ("عزت\u{200C}الله", vec![0, 1, 2, 3, 4, 5, 6, 7]),
        ("عزتالله", vec![0, 1, 2, 3, 4, 5, 6, 7]),
        // The ZWNJ belongs to the char before it.
        ("عزت", vec![0, 1, 2, 3]),
    ] {
        let hits = index.search(query, 10);
        assert_eq!(hits[0].positions, expect, "{query}");
    }
}

#[test]
fn name_beats_other_fields_and_fields_score_separately() {
    let index = SearchIndex::build(vec![
        with(rec(1, "Maria Lopez"), |r| {
            r.emails = vec!["ivan@acme.com".into()];
            r.last_contact = Some(99);
        }),
        with(rec(2, "Olga"), |r| {
            r.company = Some("Ivan & Sons".into());
            r.last_contact = Some(98);
        }),
        rec(3, "Ivan Petrov"),
        with(rec(4, "Mike"), |r| r.tags = vec!["ivan".into()]),
    ]);
    let hits = index.search("ivan", 10);
    assert_eq!(ids(&hits), [3, 2, 4, 1], "name, company, tag, email");
    assert_eq!(hits[0].field, MatchField::Name);
    assert_eq!(hits[1].field, MatchField::Company);
    assert_eq!(hits[2].field, MatchField::Tag);
    assert_eq!(hits[3].field, MatchField::Email);
    assert_eq!(hits[3].text, "ivan@acme.com");
    assert_eq!(hits[3].positions, [0, 1, 2, 3]);
}

#[test]
fn ties_go_to_recency_then_id() {
    let index = SearchIndex::build(vec![
        rec(10, "Ivan Petrov"),
        with(rec(11, "Ivan Petrov"), |r| r.last_contact = Some(100)),
        with(rec(12, "Ivan Petrov"), |r| r.last_contact = Some(200)),
        with(rec(13, "Ivan Petrov"), |r| r.last_contact = Some(100)),
        rec(9, "Ivan Petrov"),
    ]);
    assert_eq!(ids(&index.search("ivan petrov", 10)), [12, 11, 13, 9, 10]);
    assert_eq!(ids(&index.search("iv", 10)), [12, 11, 13, 9, 10]);
}

#[test]
fn digit_queries_rank_phone_hits_first() {
    let index = SearchIndex::build(vec![
        with(rec(1, "Store 2024"), |r| r.last_contact = Some(500)),
        with(rec(2, "Nobody"), |r| r.phones = vec!["2024123".into()]),
        with(rec(3, "Tagged"), |r| r.tags = vec!["2024".into()]),
    ]);
    let hits = index.search("2024", 10);
    assert_eq!(hits[0].id, 2);
    assert_eq!(hits[0].field, MatchField::Phone);
    assert_eq!(sorted(ids(&hits[1..])), [1, 3]);
    // In a query with words, a digit term may match a phone too.
    assert_eq!(ids(&index.search("nobody 2024", 10)), [2]);
    assert_eq!(ids(&index.search("nobody 4123", 10)), [2], "last digits");
}

// ---------------------------------------------------------------- spaces

#[test]
fn every_term_must_match_some_field_in_any_order() {
    let index = SearchIndex::build(vec![
        rec(1, "Ivan Petrov"),
        rec(2, "Petrov Ivan"),
        with(rec(3, "Ivan Sidorov"), |r| {
            r.company = Some("Petrov & Co".into())
        }),
        rec(4, "Ivan Sidorov"),
        with(rec(5, "Anna"), |r| {
            r.emails = vec!["ivan.petrov@mail.ru".into()]
        }),
    ]);
    let expect = [1, 2, 3, 5];
    assert_eq!(sorted(ids(&index.search("ivan petrov", 10))), expect);
    assert_eq!(sorted(ids(&index.search("petrov ivan", 10))), expect);
    assert_eq!(sorted(ids(&index.search("  ivan   petrov  ", 10))), expect);
    assert_eq!(
        sorted(ids(&index.search("ivan.petrov", 10))),
        expect,
        "punctuation separates"
    );
    assert_eq!(sorted(ids(&index.search("iv pe", 10))), expect);
    assert_eq!(
        ids(&index.search("ivan sid", 10)),
        [3, 4],
        "a tie: smaller id first"
    );
    assert_eq!(
        ids(&index.search("ivan petrov", 10))[..2],
        [1, 2],
        "whole name words first"
    );
    assert!(index.search("ivan kuznetsov", 10).is_empty());
    assert!(index.search("   ", 10).is_empty());
    assert!(index.search("ivan", 0).is_empty());
}

// ---------------------------------------------------------------- updates

#[test]
fn upsert_and_remove_update_the_index() {
    let mut index = SearchIndex::build(vec![rec(1, "Ivan Petrov"), rec(2, "Anna Smith")]);
    assert_eq!(index.len(), 2);
    index.upsert(with(rec(3, "Zoë Walker"), |r| {
        r.phones = vec!["442079460000".into()]
    }));
    assert_eq!(index.len(), 3);
    assert_eq!(ids(&index.search("zoe", 10)), [3]);
    assert_eq!(ids(&index.search("020 7946", 10)), [3]);
    // A new word, unknown to the built dictionary.
    index.upsert(rec(1, "Ivan Xylophonov"));
    assert_eq!(index.len(), 3);
    assert!(index.search("petrov", 10).is_empty());
    assert_eq!(ids(&index.search("xylo", 10)), [1]);
    assert_eq!(ids(&index.search("ivan", 10)), [1]);
    index.remove(1);
    index.remove(42);
    assert_eq!(index.len(), 2);
    assert!(index.search("ivan", 10).is_empty());
    index.remove(3);
    assert!(index.search("020 7946", 10).is_empty());
    index.upsert(rec(3, "Zoë Again"));
    assert_eq!(ids(&index.search("again", 10)), [3]);
    let mut all: Vec<i64> = index.records().map(|r| r.id).collect();
    all.sort();
    assert_eq!(all, [2, 3]);
    assert!(!index.is_empty());
}

#[test]
fn many_upserts_compact_and_stay_exact() {
    let records = generated(6000, 5);
    let mut index = SearchIndex::build(records[..1000].to_vec());
    let mut searcher = Searcher::new();
    let mut current: std::collections::BTreeMap<i64, SearchRecord> =
        records[..1000].iter().map(|r| (r.id, r.clone())).collect();
    for (i, r) in records[1000..].iter().enumerate() {
        index.upsert(r.clone());
        current.insert(r.id, r.clone());
        if i % 3 == 0 {
            // Rename an existing one and touch its last contact.
            let old = records[i % 1000].clone();
            let renamed = with(old, |r| {
                r.name = format!("{} Renamed", r.name);
                r.last_contact = Some(5_000 + i as i64);
            });
            index.upsert(renamed.clone());
            current.insert(renamed.id, renamed);
        }
        if i % 7 == 0 {
            let id = records[(i * 13) % 1000].id;
            index.remove(id);
            current.remove(&id);
        }
        if i % 1000 == 0 {
            // A searcher with state from before the writes must not narrow stale sets.
            let live: Vec<SearchRecord> = current.values().cloned().collect();
            for q in ["ivan", "renamed", "иван пе", "0912", "vip"] {
                assert_eq!(searcher.search(&index, q, 20), index.search(q, 20), "{q}");
                assert_matches_oracle(&index, &live, q, 20);
            }
        }
    }
    assert_eq!(index.len(), current.len());
    let live: Vec<SearchRecord> = current.values().cloned().collect();
    for q in generated_queries(&live, 100, 6) {
        assert_matches_oracle(&index, &live, &q, 20);
    }
    let mut back: Vec<SearchRecord> = index.records().collect();
    back.sort_by_key(|r| r.id);
    assert_eq!(back, live);
}

#[test]
fn duplicate_ids_in_a_build_keep_the_last() {
    let index = SearchIndex::build(vec![rec(1, "First"), rec(2, "Other"), rec(1, "Second")]);
    assert_eq!(index.len(), 2);
    assert!(index.search("first", 10).is_empty());
    assert_eq!(ids(&index.search("second", 10)), [1]);
}

#[test]
fn builder_and_build_agree() {
    let records = generated(500, 9);
    let a = SearchIndex::build(records.clone());
    let mut b = IndexBuilder::new();
    for r in records {
        b.push(r);
    }
    let b = b.finish();
    for q in ["ivan", "петро", "0912", "acme labs", "ali"] {
        assert_eq!(a.search(q, 30), b.search(q, 30));
    }
}

#[test]
fn an_explicit_country_code_prefers_numbers_of_that_country() {
    // The Russian number is the more recent contact, so only the country code can
    // put the Iranian one first.
    let iran = with(rec(1, "Zahra Ahmadi"), |r| {
        r.phones = vec!["989123456789".into()];
        r.last_contact = Some(100);
    });
    let russia = with(rec(2, "Иван Петров"), |r| {
        r.phones = vec!["79123456780".into()];
        r.last_contact = Some(200);
    });
    let index = SearchIndex::build(vec![iran, russia]);
    assert_eq!(ids(&index.search("+98 912", 10)), vec![1, 2]);
    assert_eq!(ids(&index.search("+7 912", 10)), vec![2, 1]);
    // Without a country code both are equally good; recency decides.
    assert_eq!(ids(&index.search("912 345", 10)), vec![2, 1]);
}

fn snapshot_of(index: &mut SearchIndex, stamp: &Stamp) -> Vec<u8> {
    let mut bytes = Vec::new();
    index.write_snapshot(&mut bytes, stamp).unwrap();
    bytes
}

fn load(bytes: &[u8]) -> Result<(SearchIndex, Stamp), SnapshotError> {
    SearchIndex::snapshot_from_bytes(bytes)
}

#[test]
fn a_snapshot_answers_every_query_like_the_index_it_was_written_from() {
    let records = generated(3000, 11);
    let mut index = SearchIndex::build(records.clone());
    // Records written after the build are folded into the snapshot's layout.
    index.upsert(with(rec(900_001, "Зоя Ёлкина"), |r| {
        r.phones = vec!["989121112233".into()]
    }));
    index.remove(records[5].id);
    let stamp = Stamp {
        schema: 7,
        mark: 1234,
        fingerprint: 99,
    };
    let bytes = snapshot_of(&mut index, &stamp);
    let (mut loaded, read) = load(&bytes).unwrap();
    assert_eq!(read, stamp);
    assert_eq!(loaded.len(), index.len());
    let mut queries = generated_queries(&records, 300, 5);
    queries.extend(["зоя елкина", "1112233", "0912 111"].map(String::from));
    for q in &queries {
        assert_eq!(loaded.search(q, 50), index.search(q, 50), "{q}");
    }
    // A loaded index takes writes like a built one.
    loaded.upsert(rec(900_002, "Brand New"));
    index.upsert(rec(900_002, "Brand New"));
    assert_eq!(loaded.search("brand", 5), index.search("brand", 5));
    assert_eq!(ids(&loaded.search("brand", 5)), vec![900_002]);
    // Twice with a company and tags the snapshot already holds: the loaded index keeps
    // its own copy of them (it never reads the snapshot's strings to find one), which
    // answers the same.
    let known = records
        .iter()
        .find(|r| r.company.is_some() && !r.tags.is_empty())
        .expect("generated records have companies and tags");
    for id in [900_004, 900_005] {
        let same = with(rec(id, "Known Firm"), |r| {
            r.company = known.company.clone();
            r.tags = known.tags.clone();
        });
        loaded.upsert(same.clone());
        index.upsert(same);
    }
    let company = known.company.clone().unwrap_or_default();
    for q in [company.as_str(), known.tags[0].as_str(), "known firm"] {
        assert_eq!(loaded.search(q, 50), index.search(q, 50), "{q}");
    }
    // And is saved again, with a company no record had (a new interned string).
    let firm = |r: SearchRecord| {
        with(r, |r| {
            r.company = Some("Фирма Новая".into());
            r.tags = vec!["свежий".into()];
        })
    };
    loaded.upsert(firm(rec(900_003, "Second New")));
    index.upsert(firm(rec(900_003, "Second New")));
    let again = snapshot_of(&mut loaded, &stamp);
    assert!(SearchIndex::verify_snapshot_bytes(&again).is_ok());
    let (reloaded, _) = load(&again).unwrap();
    for q in
        queries
            .iter()
            .map(String::as_str)
            .chain(["фирма нов", "свежий", "brand", "known firm"])
    {
        assert_eq!(reloaded.search(q, 50), index.search(q, 50), "{q}");
    }
}

#[test]
fn a_damaged_or_truncated_snapshot_is_refused_never_loaded() {
    let mut index = SearchIndex::build(generated(500, 3));
    let stamp = Stamp {
        schema: 7,
        mark: 1,
        fingerprint: 2,
    };
    let bytes = snapshot_of(&mut index, &stamp);
    assert!(load(&bytes).is_ok());
    assert!(matches!(load(&[]), Err(SnapshotError::NotASnapshot)));
    assert!(matches!(
        load(b"SQLite format 3\0 and more bytes than a header needs to hold, surely"),
        Err(SnapshotError::NotASnapshot)
    ));
    for cut in [64, 65, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(load(&bytes[..cut]), Err(SnapshotError::Truncated { .. })),
            "cut at {cut}"
        );
    }
    let mut other = bytes.clone();
    other[8] = 99;
    assert!(matches!(
        load(&other),
        Err(SnapshotError::Format { found: 99 })
    ));
    assert!(SearchIndex::verify_snapshot_bytes(&bytes).is_ok());
    // Any byte changed anywhere is caught by a full check (the checksum or a bounds
    // check); opening, which reads only what it needs, checks the shape.
    let step = (bytes.len() / 997).max(1);
    for at in (16..bytes.len()).step_by(step) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        let r = SearchIndex::verify_snapshot_bytes(&bad);
        // The stamp itself is not checksummed; it is compared with the database.
        if (16..40).contains(&at) {
            continue;
        }
        assert!(r.is_err(), "byte {at} changed went unnoticed");
    }
}
