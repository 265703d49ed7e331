//! Turning ranked candidates into hits: which field matched, and where (for highlighting).

use std::sync::OnceLock;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::engine::{Cand, QTerm, phone_query_score, phone_term_score, term_score};
use super::index::{KIND_PHONE, POS_FIRST, POS_LATER, POS_SOLE, SearchIndex, class_of, field_of};
use super::phone::DigitQuery;
use super::phone::PhoneTier;
use super::text::{Match, fold_mapped, words};
use super::typo::typo_positions;
use super::{Hit, MatchField, Rank};

/// The fuzzy scorer on a folded word and a folded term: its score and the char
/// positions it matched. Only called on the capped candidate set.
pub(crate) fn fuzzy(word: &str, term: &str) -> Option<(i64, Vec<usize>)> {
    static MATCHER: OnceLock<SkimMatcherV2> = OnceLock::new();
    let m = MATCHER.get_or_init(|| SkimMatcherV2::default().respect_case());
    m.fuzzy_indices(word, term)
}

pub(crate) fn materialize(
    index: &SearchIndex,
    cands: &[Cand],
    terms: &[QTerm],
    digits: Option<&DigitQuery>,
    limit: usize,
) -> Vec<Hit> {
    cands
        .iter()
        .take(limit)
        .map(|c| hit(index, c, terms, digits))
        .collect()
}

fn hit(index: &SearchIndex, c: &Cand, terms: &[QTerm], digits: Option<&DigitQuery>) -> Hit {
    let mut best: Option<(i64, MatchField, &str, Vec<usize>, Rank)> = None;
    for f in index.fields(c.slot) {
        let (score, positions, rank) = if f.kind == KIND_PHONE {
            phone_field(f.text, terms, digits)
        } else {
            text_field(f.kind, f.text, terms)
        };
        if score > 0 && best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, field_of(f.kind), f.text, positions, rank));
        }
    }
    let (field, text, mut positions, rank) = match best {
        Some((_, field, text, positions, rank)) => (field, text.to_string(), positions, rank),
        None => (
            MatchField::Name,
            first_name(index, c.slot),
            Vec::new(),
            Rank::Inside,
        ),
    };
    positions.sort_unstable();
    positions.dedup();
    Hit {
        id: index.ids[c.slot as usize],
        score: c.score,
        field,
        text,
        positions,
        rank,
    }
}

fn first_name(index: &SearchIndex, slot: u32) -> String {
    index
        .fields(slot)
        .next()
        .map(|f| f.text.to_string())
        .unwrap_or_default()
}

fn phone_field(
    text: &str,
    terms: &[QTerm],
    digits: Option<&DigitQuery>,
) -> (i64, Vec<usize>, Rank) {
    let mut score = 0;
    let mut positions = Vec::new();
    let mut best = None;
    if let Some(dq) = digits
        && let Some(t) = dq.match_number(text)
    {
        score += phone_query_score(t);
        positions.extend(dq.positions(text));
        best = best.max(Some(t));
    }
    for t in terms {
        if let Some(dq) = &t.phone
            && let Some(tier) = dq.match_number(text)
        {
            score += phone_term_score(tier);
            positions.extend(dq.positions(text));
            best = best.max(Some(tier));
        }
    }
    let rank = match best {
        Some(PhoneTier::Exact) => Rank::Exact,
        Some(PhoneTier::Prefix | PhoneTier::WeakPrefix) => Rank::Prefix,
        _ => Rank::Suffix,
    };
    (score, positions, rank)
}

/// Sum over terms of each term's best word in this field, the matched positions (char
/// indices into `orig`), and how the field matched as a whole.
fn text_field(kind: u8, orig: &str, terms: &[QTerm]) -> (i64, Vec<usize>, Rank) {
    let (folded, map) = fold_mapped(orig);
    let ws: Vec<(usize, &str)> = words(&folded).collect();
    let n = ws.len();
    let mut score = 0;
    let mut positions = Vec::new();
    let mut matched: Vec<(usize, Match)> = Vec::new();
    for t in terms {
        let mut best: Option<(i64, usize, Match)> = None;
        for (i, &(_, w)) in ws.iter().enumerate() {
            let pos = if n == 1 {
                POS_SOLE
            } else if i == 0 {
                POS_FIRST
            } else {
                POS_LATER
            };
            if let Some(m) = t.term.classify(w.as_bytes()) {
                let s = term_score(m, class_of(kind, pos));
                if best.is_none_or(|b| s > b.0) {
                    best = Some((s, i, m));
                }
            }
        }
        let Some((s, i, m)) = best else { continue };
        score += s;
        matched.push((i, m));
        let (byte_off, w) = ws[i];
        let word_char0 = folded[..byte_off].chars().count();
        let in_word: Vec<usize> = match m {
            Match::Exact | Match::Prefix => (0..t.term.chars).collect(),
            Match::Infix => {
                let at = t.term.finder.find(&w.as_bytes()[1..]).map_or(0, |b| b + 1);
                let c0 = w[..at].chars().count();
                (c0..c0 + t.term.chars).collect()
            }
            Match::Typo(_) => {
                let wc: Vec<char> = w.chars().collect();
                typo_positions(&t.term.letters, &wc, t.term.max_edits as usize)
            }
        };
        positions.extend(
            in_word
                .into_iter()
                .filter_map(|p| map.get(word_char0 + p).copied()),
        );
    }
    attach_ignored(orig, &map, &mut positions);
    (score, positions, text_rank(&matched, n))
}

/// Marks the chars of `orig` that folding leaves out (a ZWNJ inside a Persian name,
/// diacritics, joiners) when the char before them is marked: they belong to it, and a
/// highlight that split them off would draw them on their own, that is not at all
/// (`عزت‌الله` would show as `عزتالله`). `map` is `fold_mapped(orig)`'s.
pub(crate) fn attach_ignored(orig: &str, map: &[usize], positions: &mut Vec<usize>) {
    let n = orig.chars().count();
    let mut kept = vec![false; n];
    for &i in map {
        if let Some(k) = kept.get_mut(i) {
            *k = true;
        }
    }
    let mut marked = vec![false; n];
    for &p in positions.iter() {
        if let Some(m) = marked.get_mut(p) {
            *m = true;
        }
    }
    for i in 1..n {
        if !kept[i] && marked[i - 1] && !marked[i] {
            marked[i] = true;
            positions.push(i);
        }
    }
}

/// How the terms matched a field of `n` words, each at `(word, match)`: the whole field
/// (every word, exactly), its beginning, a later word's beginning, inside a word, or
/// with typos.
fn text_rank(matched: &[(usize, Match)], n: usize) -> Rank {
    if matched.iter().any(|m| matches!(m.1, Match::Typo(_))) {
        return Rank::Typo;
    }
    if matched.iter().any(|m| m.1 == Match::Infix) {
        return Rank::Inside;
    }
    let mut words: Vec<usize> = matched.iter().map(|m| m.0).collect();
    words.sort_unstable();
    words.dedup();
    if words.len() == n && matched.iter().all(|m| m.1 == Match::Exact) {
        Rank::Exact
    } else if matched.first().is_some_and(|m| m.0 == 0) {
        Rank::Prefix
    } else {
        Rank::WordPrefix
    }
}
