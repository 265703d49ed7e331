//! Quick lookup: the in-memory search index behind the search popup and caller ID.
//!
//! # What is searched, and how a query is read
//! Names, company, every phone, every email and the tags of each customer. Text is
//! folded with [`crate::text::fold()`] on both sides before anything compares it (case
//! for every script, `ё` = `е`, `ي` = `ی`, `ك` = `ک`, ZWNJ and Arabic diacritics
//! ignored, Persian and Arabic-Indic digits = ASCII), then Latin accents are dropped
//! (`muller` finds `Müller`).
//!
//! A query is split into **terms** at whitespace and punctuation (`ivan.pe` is `ivan`
//! and `pe`). **Every term must match a word of some field**: the same field or
//! different ones, in any order (`petrov ivan` finds "Ivan Petrov", `ivan acme` finds
//! Ivan at Acme). A term matches a word exactly, as its beginning, inside it (2 chars or
//! more), or, for typos, as a scattered subsequence starting at the word's first char
//! with at most two chars skipped (3 chars or more: `ivnov` finds "Ivanov").
//!
//! A query made only of digits (ASCII, Persian or Arabic-Indic) and phone separators,
//! with at least 3 digits, is a **phone-digit query**: it finds a number by the
//! beginning of its digits or of its national form (`0912 345`, `+98 912 345` and
//! `912345` find the same customer: see [`phone`]) and by its last 4 or more digits.
//! Phone hits come first; customers whose text holds the digits follow. In a query with
//! words, a term of 3 or more digits may also match a phone (`ivan 6789`).
//!
//! # Ranking
//! Each term scores its best word in each field; fields are scored separately (never
//! one joined string) and a record scores the sum over terms of each term's best. A
//! term scores by tier first: the word exactly, a prefix of the word, inside the word,
//! a subsequence (fewer skipped chars first); then by field: name, company, email and
//! tag; then by where the word sits: the whole field, its first word, a later word. So
//! an exact name beats any fuzzy match, and "ivan petrov" puts "Ivan Petrov" before
//! Ivan at "Petrov & Co". Ties go to the most recent contact, then the smallest id. A
//! phone-digit hit outranks any text hit. Among the best 200 candidates, equal scores
//! are first ordered by the fuzzy scorer (fuzzy-matcher's `SkimMatcherV2` on the folded
//! word) for typo matches.
//!
//! # Engine
//! Distinct folded words form a dictionary sorted by text (a prefix is a binary search
//! away). Records are laid out in rank order (most recent contact first, then id), so a
//! record's slot is its rank; postings are grouped by (word, field kind, word position),
//! each group ascending, so the best matches of a level come first and a query stops
//! as soon as its best `max(limit, 200)` are certain. The term with the fewest postings
//! drives; each of its records is checked against the other terms through the record's
//! own word list (memoised per dictionary word), and the search stops once no record
//! left could reach the 200th score. Infix and typo tiers are visited only when the
//! better tiers leave room: infix words come from a substring scan of the dictionary,
//! typo words from the words sharing the first char, filtered by a char bitmask.
//! Phones are sorted 8-digit keys (digits as stored, national form, and the digits
//! reversed for endings). Records written after the build live in a small delta that is
//! scanned per query, until it passes 1/64 of the index and everything is laid out
//! again. A [`Searcher`] keeps the previous keystroke's complete match set (when at most
//! 50,000) and infix word lists, and narrows over them when the new query extends the
//! old one; the results are always those of a fresh search (tested).
//!
//! Loading: [`crate::store::Store::search_index`] streams the customers into an
//! [`IndexBuilder`] without holding them all; at 1M customers the index takes ~205 MB.

mod engine;
mod hits;
mod index;
pub mod phone;
mod text;
mod typo;

#[cfg(test)]
mod tests;

pub use engine::Searcher;
pub use index::{IndexBuilder, SNAPSHOT_FORMAT, SearchIndex, SnapshotError, Stamp};
pub use phone::{phone_keys, query_digits};

/// One customer as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchRecord {
    pub id: i64,
    pub name: String,
    pub company: Option<String>,
    /// Digits as stored (ASCII).
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tags: Vec<String>,
    /// Unix seconds of the latest interaction, for recency tie-breaks.
    pub last_contact: Option<i64>,
}

/// Which field of a customer a hit matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum MatchField {
    Name,
    Company,
    Phone,
    Email,
    Tag,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub id: i64,
    pub score: i64,
    /// The field that matched best.
    pub field: MatchField,
    /// That field's text, as stored.
    pub text: String,
    /// Char indices into `text` that matched, for highlighting.
    pub positions: Vec<usize>,
    /// How that field matched.
    pub rank: Rank,
}

/// How the best field matched, best first: the whole field, its beginning, its end
/// (phones), the beginning of a later word, inside a word, with typos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    Exact,
    Prefix,
    Suffix,
    WordPrefix,
    Inside,
    Typo,
}

impl SearchIndex {
    /// The best `limit` hits for `query` (stateless; a [`Searcher`] narrows per keystroke).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        Searcher::new().search(self, query, limit)
    }
}
