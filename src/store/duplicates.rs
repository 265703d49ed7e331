//! Finding customers by what an operator has at hand — phone digits, a name, a company
//! name, an email, a tag — straight from SQLite indexes (`rapport lookup`, fast at start-up
//! on a large database, no in-memory index), and finding and merging duplicates. The
//! rules (what a query means, what is the same number or nearly the same name, which
//! merges make sense) live in `domain::duplicates`; this is the SQL.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::db::{Db, OptionalExtension};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError, Writer};
use crate::domain::customer::normalise_tag;
use crate::domain::duplicates::{
    DuplicatePair, DuplicateReason, LookupHit, MIN_DUPLICATE_PHONE_DIGITS, MatchField, MatchRank,
    MergeSide, NameKeys, Party, check_merge, merge_notes, name_similarity, one_edit_pairs,
    phone_query, same_number, score, shared_contact_expected, tidy_reasons,
};
use crate::domain::phone::national_digits;
use crate::domain::{CustomerDraft, CustomerKind, CustomerSummary, Phone, PhoneKind};
use crate::text::fold;

/// The `national` and `national_rev` columns of a phone: its national digits (see
/// `domain::phone::national_digits`) and the same reversed, for suffix ranges.
pub(super) fn phone_columns(p: &Phone) -> (String, String) {
    columns_of(&p.raw, &p.digits)
}

/// The `national` column of `p` (see `phone_columns`), without its reverse.
pub(super) fn phone_national(p: &Phone) -> String {
    // `raw` is the number without its extension: the line itself.
    let national = national_digits(&p.raw);
    if national.is_empty() {
        p.digits.clone()
    } else {
        national
    }
}

fn columns_of(raw: &str, digits: &str) -> (String, String) {
    // An extension is not part of the line: `Phone::parse` keeps it apart from `raw`.
    let mut national = national_digits(raw);
    if national.is_empty() {
        national = digits.to_string();
    }
    let reversed = reversed(&national);
    (national, reversed)
}

fn reversed(s: &str) -> String {
    s.chars().rev().collect()
}

/// Schema V6: numbers stored with an extension in their text (`+1 212 555 0101 ext 5`,
/// before extensions had a column of their own) get it split off, and their national
/// digits worked out again without it, so lookup and matching see the line itself.
pub(super) fn split_phone_extensions(conn: &Db) -> Result<()> {
    let rows: Vec<(i64, PhoneKind, String)> = conn
        .prepare("SELECT id, kind, raw FROM customer_phones")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare(
        "UPDATE customer_phones SET raw = ?2, digits = ?3, extension = ?4, national = ?5,
                national_rev = ?6 WHERE id = ?1",
    )?;
    for (id, kind, raw) in rows {
        // A stored number that no longer parses is left exactly as it is.
        let Ok(p) = Phone::parse(kind, &raw) else {
            continue;
        };
        if p.extension.is_none() {
            continue;
        }
        let (national, rev) = phone_columns(&p);
        update.execute(params![id, p.raw, p.digits, p.extension, national, rev])?;
    }
    Ok(())
}

/// Schema V2: fills the national-digits columns of every existing phone (in the
/// migration's transaction).
pub(super) fn backfill_phone_columns(conn: &Db) -> Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, raw, digits FROM customer_phones")?
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update =
        conn.prepare("UPDATE customer_phones SET national = ?2, national_rev = ?3 WHERE id = ?1")?;
    for (id, raw, digits) in rows {
        let (national, rev) = columns_of(&raw, &digits);
        update.execute(params![id, national, rev])?;
    }
    Ok(())
}

/// A name key from its second word on, and from its third word on: the expressions of
/// the `customers_name_word2/3` indexes (schema V2), repeated exactly so SQLite uses them.
const NAME_FROM_WORD2: &str = "substr(name_key, instr(name_key, ' ') + 1)";
const NAME_FROM_WORD3: &str = "substr(substr(name_key, instr(name_key, ' ') + 1), instr(substr(name_key, instr(name_key, ' ') + 1), ' ') + 1)";

/// Most recently contacted first, never contacted last (alias `c` is the customer).
const RECENT_FIRST: &str = "c.last_contact_at IS NULL, c.last_contact_at DESC, c.id";

/// The end of a text prefix range: `key >= ?1 AND key < ?1 || TEXT_END` holds
/// exactly the texts starting with ?1: U+10FFFF, a literal both servers read, sorts
/// after every character (key columns compare by code point, `COLLATE "C"` on
/// PostgreSQL).
pub(super) const TEXT_END: &str = "'\u{10FFFF}'";
/// The same for digit strings: `:` is the character after `9`.
const DIGITS_END: &str = "':'";

/// Candidates `duplicates_of` compares by name at most (one bucket of the name index).
const NAME_CANDIDATES: i64 = 20_000;
/// Customers `duplicates_of` reports at most.
const DUPLICATES_OF_LIMIT: usize = 20;
/// Members of one shared phone or email compared pairwise at most.
const GROUP_MEMBERS: usize = 50;

/// One way of finding customers for a lookup: a query returning (customer id, the text
/// that matched) for ?1 = the key, ?2 = a row limit, most recently contacted first.
struct Tier {
    field: MatchField,
    rank: MatchRank,
    sql: String,
    key: String,
}

fn phone_tier(rank: MatchRank, condition: &str, key: &str) -> Tier {
    Tier {
        field: MatchField::Phone,
        rank,
        sql: format!(
            "SELECT p.customer_id, p.raw || coalesce(' ext. ' || p.extension, '')
             FROM customer_phones p JOIN customers c ON c.id = p.customer_id
             WHERE {condition} ORDER BY {RECENT_FIRST} LIMIT ?2"
        ),
        key: key.to_string(),
    }
}

fn phone_range(column: &str) -> String {
    format!("p.{column} >= ?1 AND p.{column} < ?1 || {DIGITS_END}")
}

/// Text tiers for one field and rank: `condition` selects the matching rows of a
/// customers table with no alias (so expression indexes apply).
fn name_tier(field: MatchField, rank: MatchRank, condition: &str, key: &str) -> Tier {
    let sql = match field {
        MatchField::Company => format!(
            "SELECT c.id, co.name FROM customers co JOIN customers c ON c.company_id = co.id
             WHERE co.id IN (SELECT id FROM customers WHERE {condition})
             ORDER BY {RECENT_FIRST} LIMIT ?2"
        ),
        _ => format!(
            "SELECT c.id, c.name FROM customers c
             WHERE c.id IN (SELECT id FROM customers WHERE {condition})
             ORDER BY {RECENT_FIRST} LIMIT ?2"
        ),
    };
    Tier {
        field,
        rank,
        sql,
        key: key.to_string(),
    }
}

fn text_range(expr: &str) -> String {
    format!("{expr} >= ?1 AND {expr} < ?1 || {TEXT_END}")
}

/// Marks a name or one of its words may open with (`ООО «Волга»`, `"Acme" Ltd`).
const OPENING_MARKS: &[char] = &['«', '"', '“', '„', '‹', '(', '[', '\''];

/// `key`, and `key` after each opening mark unless it starts with punctuation itself:
/// "волга" also finds the word «Волга».
fn quoted_variants(key: &str) -> Vec<String> {
    let mut keys = vec![key.to_string()];
    if key.starts_with(char::is_alphanumeric) {
        keys.extend(OPENING_MARKS.iter().map(|m| format!("{m}{key}")));
    }
    keys
}

fn lookup_tiers(query: &str) -> Result<Vec<Tier>> {
    if let Some(q) = phone_query(query) {
        let exact = phone_tier(MatchRank::Exact, "p.national = ?1", &q.national);
        let prefix = phone_tier(MatchRank::Prefix, &phone_range("national"), &q.national);
        let suffix = phone_tier(
            MatchRank::Suffix,
            &phone_range("national_rev"),
            &reversed(&q.tail),
        );
        return Ok(if q.anchored {
            vec![exact, prefix, suffix]
        } else {
            vec![exact, suffix, prefix]
        });
    }
    let key = fold(query);
    if key.is_empty() {
        return Err(StoreError::invalid("query", "is empty"));
    }
    let email = query.trim().to_lowercase();
    let tag = normalise_tag(query).ok();
    let mut tiers = Vec::new();
    for rank in [MatchRank::Exact, MatchRank::Prefix] {
        let condition = |column: &str| match rank {
            MatchRank::Exact => format!("{column} = ?1"),
            _ => text_range(column),
        };
        let keys = match rank {
            MatchRank::Exact => vec![key.clone()],
            _ => quoted_variants(&key),
        };
        for field in [MatchField::Name, MatchField::Company] {
            for k in &keys {
                tiers.push(name_tier(field, rank, &condition("name_key"), k));
            }
        }
        tiers.push(Tier {
            field: MatchField::Email,
            rank,
            sql: format!(
                "SELECT c.id, e.address FROM customer_emails e JOIN customers c ON c.id = e.customer_id
                 WHERE {} ORDER BY {RECENT_FIRST} LIMIT ?2",
                condition("e.address_key")
            ),
            key: email.clone(),
        });
        if let Some(tag) = &tag {
            tiers.push(Tier {
                field: MatchField::Tag,
                rank,
                sql: format!(
                    "SELECT c.id, t.tag FROM customer_tags t JOIN customers c ON c.id = t.customer_id
                     WHERE {} ORDER BY {RECENT_FIRST} LIMIT ?2",
                    condition("t.tag")
                ),
                key: tag.clone(),
            });
        }
    }
    for field in [MatchField::Name, MatchField::Company] {
        for expr in [NAME_FROM_WORD2, NAME_FROM_WORD3] {
            for k in quoted_variants(&key) {
                tiers.push(name_tier(
                    field,
                    MatchRank::WordPrefix,
                    &text_range(expr),
                    &k,
                ));
            }
        }
    }
    Ok(tiers)
}

/// What the merge of `drop` into `keep` moves and adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergePlan {
    pub keep: i64,
    pub keep_name: String,
    pub drop: i64,
    pub drop_name: String,
    /// Records of `drop` that move to `keep`.
    pub interactions: i64,
    pub deals: i64,
    pub reminders: i64,
    /// People of `drop` (a company) that move to `keep`.
    pub people: i64,
    /// Phones, emails and tags of `drop` that `keep` does not have yet.
    pub phones: usize,
    pub emails: usize,
    pub tags: usize,
}

struct MergeRow {
    kind: CustomerKind,
    name: String,
    company_id: Option<i64>,
    address: Option<String>,
    source: Option<String>,
    notes: Option<String>,
    owner_id: Option<i64>,
    cadence_ideal_days: Option<u16>,
    cadence_max_days: Option<u16>,
}

struct PhoneRow {
    kind: PhoneKind,
    raw: String,
    digits: String,
    national: String,
    national_rev: String,
    extension: Option<String>,
}

/// Everything a merge writes, worked out (and checked) before the first write.
struct MergeWork {
    plan: MergePlan,
    drop_row: MergeRow,
    notes: Option<String>,
    phones: Vec<PhoneRow>,
    emails: Vec<(String, String)>,
    tags: Vec<String>,
}

fn merge_row(conn: &Db, id: i64) -> Result<MergeRow> {
    conn.prepare_cached(
        "SELECT kind, name, company_id, address, source, notes, owner_id, cadence_ideal_days, cadence_max_days
         FROM customers WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(MergeRow {
            kind: r.get(0)?,
            name: r.get(1)?,
            company_id: r.get(2)?,
            address: r.get(3)?,
            source: r.get(4)?,
            notes: r.get(5)?,
            owner_id: r.get(6)?,
            cadence_ideal_days: r.get(7)?,
            cadence_max_days: r.get(8)?,
        })
    })
    .optional()?
    .ok_or(StoreError::NotFound {
        entity: "customer",
        id,
    })
}

fn phones_of(conn: &Db, id: i64) -> Result<Vec<PhoneRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, raw, digits, national, national_rev, extension FROM customer_phones
         WHERE customer_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(PhoneRow {
            kind: r.get(0)?,
            raw: r.get(1)?,
            digits: r.get(2)?,
            national: r.get(3)?,
            national_rev: r.get(4)?,
            extension: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn count(conn: &Db, sql: &str, id: i64) -> Result<i64> {
    conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))
}

fn plan_merge(conn: &Db, keep: i64, drop: i64) -> Result<MergeWork> {
    let keep_row = merge_row(conn, keep)?;
    let drop_row = merge_row(conn, drop)?;
    let people_of = |id| {
        count(
            conn,
            "SELECT count(*) FROM customers WHERE company_id = ?1",
            id,
        )
    };
    let people = people_of(drop)?;
    check_merge(
        &MergeSide {
            id: keep,
            kind: keep_row.kind,
            people: people_of(keep)?,
        },
        &MergeSide {
            id: drop,
            kind: drop_row.kind,
            people,
        },
    )?;
    let notes = merge_notes(keep_row.notes.as_deref(), drop_row.notes.as_deref())?;

    let mut have = phones_of(conn, keep)?;
    let mut phones = Vec::new();
    for p in phones_of(conn, drop)? {
        let known = have.iter().any(|h| {
            h.extension == p.extension
                && (h.digits == p.digits
                    || same_number(&h.digits, &h.national, &p.digits, &p.national))
        });
        if !known {
            have.push(PhoneRow {
                kind: p.kind,
                raw: p.raw.clone(),
                digits: p.digits.clone(),
                national: p.national.clone(),
                national_rev: p.national_rev.clone(),
                extension: p.extension.clone(),
            });
            phones.push(p);
        }
    }
    let mut emails_stmt = conn.prepare_cached(
        "SELECT address, address_key FROM customer_emails WHERE customer_id = ?1 ORDER BY position",
    )?;
    let mut email_keys: HashSet<String> = emails_stmt
        .query_map([keep], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<_>>()?;
    let emails: Vec<(String, String)> = emails_stmt
        .query_map([drop], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?
        .into_iter()
        .filter(|(_, key)| email_keys.insert(key.clone()))
        .collect();
    let tags: Vec<String> = conn
        .prepare_cached(
            "SELECT tag FROM customer_tags WHERE customer_id = ?2
             AND tag NOT IN (SELECT tag FROM customer_tags WHERE customer_id = ?1) ORDER BY tag",
        )?
        .query_map(params![keep, drop], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;

    let plan = MergePlan {
        keep,
        keep_name: keep_row.name,
        drop,
        drop_name: drop_row.name.clone(),
        interactions: count(
            conn,
            "SELECT count(*) FROM interactions WHERE customer_id = ?1",
            drop,
        )?,
        deals: count(
            conn,
            "SELECT count(*) FROM deals WHERE customer_id = ?1",
            drop,
        )?,
        reminders: count(
            conn,
            "SELECT count(*) FROM reminders WHERE customer_id = ?1",
            drop,
        )?,
        people,
        phones: phones.len(),
        emails: emails.len(),
        tags: tags.len(),
    };
    Ok(MergeWork {
        plan,
        drop_row,
        notes,
        phones,
        emails,
        tags,
    })
}

/// A customer as the duplicate rules see it.
struct Known {
    id: i64,
    party: Party,
    names: NameKeys,
}

fn load_known(conn: &Db) -> Result<Vec<Known>> {
    let mut stmt =
        conn.prepare("SELECT id, kind, company_id, name_key FROM customers ORDER BY id")?;
    let rows = stmt.query_map((), |r| {
        let id = r.get(0)?;
        Ok(Known {
            id,
            party: Party {
                id: Some(id),
                kind: r.get(1)?,
                company_id: r.get(2)?,
            },
            names: NameKeys::new(&r.get::<_, String>(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

type Pairs = HashMap<(i64, i64), Vec<DuplicateReason>>;

fn add_reason(pairs: &mut Pairs, a: i64, b: i64, reason: DuplicateReason) {
    pairs.entry((a.min(b), a.max(b))).or_default().push(reason);
}

/// Pairs sharing a phone (same national digits, not two different country codes) or an
/// email, found with GROUP BY over the indexes alone (covering, no table lookups); shares
/// a company and its people may have are skipped.
fn contact_pairs(conn: &Db, known: &[Known], at: &HashMap<i64, usize>) -> Result<Pairs> {
    let mut pairs = Pairs::new();
    let party = |id: i64| at.get(&id).map(|&i| known[i].party);
    // (group key, customer id, digits, shown text, is a work phone)
    type Member = (String, i64, String, String, bool);
    let mut phones = conn.prepare(
        "SELECT p.national, p.customer_id, p.digits, p.raw, p.kind FROM customer_phones p
         WHERE p.national IN (SELECT national FROM customer_phones WHERE length(national) >= ?1
                              GROUP BY national HAVING count(*) > 1)
         ORDER BY p.national, p.customer_id, p.position",
    )?;
    let phone_rows: Vec<Member> = phones
        .query_map([MIN_DUPLICATE_PHONE_DIGITS as i64], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, PhoneKind>(4)? == PhoneKind::Work,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut emails = conn.prepare(
        "SELECT e.address_key, e.customer_id, '', e.address FROM customer_emails e
         WHERE e.address_key IN (SELECT address_key FROM customer_emails
                                 GROUP BY address_key HAVING count(*) > 1)
         ORDER BY e.address_key, e.customer_id, e.position",
    )?;
    let email_rows: Vec<Member> = emails
        .query_map((), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, false))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (rows, is_phone) in [(phone_rows, true), (email_rows, false)] {
        for group in rows.chunk_by(|x, y| x.0 == y.0) {
            let group = &group[..group.len().min(GROUP_MEMBERS)];
            for (n, a) in group.iter().enumerate() {
                for b in &group[n + 1..] {
                    let (Some(pa), Some(pb)) = (party(a.1), party(b.1)) else {
                        continue;
                    };
                    if a.1 == b.1
                        || (is_phone && !same_number(&a.2, &a.0, &b.2, &b.0))
                        || shared_contact_expected(&pa, &pb, a.4 && b.4)
                    {
                        continue;
                    }
                    let shown = if a.1 < b.1 { &a.3 } else { &b.3 };
                    let reason = if is_phone {
                        DuplicateReason::Phone {
                            number: shown.clone(),
                        }
                    } else {
                        DuplicateReason::Email {
                            address: shown.clone(),
                        }
                    };
                    add_reason(&mut pairs, a.1, b.1, reason);
                }
            }
        }
    }
    Ok(pairs)
}

/// Candidate pairs by name, linear in the number of customers: everyone with the same
/// key paired with its first holder; the first holders of keys that agree without
/// spaces, or in word order, paired; and keys one typo apart within a bucket of the
/// same first three letters. `name_similarity` has the last word on each.
fn name_candidates(known: &[Known]) -> Vec<(usize, usize)> {
    fn star(groups: HashMap<&str, Vec<usize>>, out: &mut Vec<(usize, usize)>) {
        for members in groups.values().filter(|m| m.len() > 1) {
            out.extend(members[1..].iter().map(|&m| (members[0], m)));
        }
    }
    let mut out = Vec::new();
    // First holder of each distinct key, then of each distinct compact key.
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in known.iter().enumerate() {
        by_key.entry(&k.names.key).or_default().push(i);
    }
    let key_reps: Vec<usize> = {
        let mut v: Vec<usize> = by_key.values().map(|m| m[0]).collect();
        v.sort_unstable();
        v
    };
    star(by_key, &mut out);
    let mut by_compact: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in &key_reps {
        if !known[i].names.compact.is_empty() {
            by_compact
                .entry(&known[i].names.compact)
                .or_default()
                .push(i);
        }
    }
    let mut compact_reps: Vec<usize> = by_compact.values().map(|m| m[0]).collect();
    compact_reps.sort_unstable();
    star(by_compact, &mut out);
    let mut by_words: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in &compact_reps {
        by_words.entry(&known[i].names.words).or_default().push(i);
    }
    star(by_words, &mut out);
    // Typos: bucket the distinct compact keys by their first three letters.
    compact_reps.sort_by(|&a, &b| known[a].names.compact.cmp(&known[b].names.compact));
    for bucket in compact_reps.chunk_by(|&a, &b| known[a].names.bucket() == known[b].names.bucket())
    {
        if bucket.len() < 2 {
            continue;
        }
        let keys: Vec<&str> = bucket
            .iter()
            .map(|&i| known[i].names.compact.as_str())
            .collect();
        out.extend(
            one_edit_pairs(&keys)
                .into_iter()
                .map(|(x, y)| (bucket[x], bucket[y])),
        );
    }
    out
}

fn summaries_by_id(store: &Store, ids: &[i64]) -> Result<HashMap<i64, CustomerSummary>> {
    Ok(store
        .customer_summaries(ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

impl Store {
    /// Customers with a phone whose national digits end with `query_digits` (at least 4
    /// digits, separators ignored; a fragment under 7 digits as typed, anything longer or
    /// international by its national digits — see `PhoneQuery::tail`), most recently
    /// contacted first. A range scan on the reversed national digits' index.
    pub fn customers_by_phone_suffix(&self, query_digits: &str, limit: usize) -> Result<Vec<i64>> {
        let q = phone_query(query_digits).ok_or_else(|| too_few_digits(query_digits))?;
        self.phone_ids(
            &phone_tier(MatchRank::Suffix, &phone_range("national_rev"), ""),
            &reversed(&q.tail),
            limit,
        )
    }

    /// Customers with a phone whose national digits start with the national digits of
    /// `query_digits` (at least 4 digits): "0912 345", "+98 912 345" and "912345" alike.
    pub fn customers_by_phone_prefix(&self, query_digits: &str, limit: usize) -> Result<Vec<i64>> {
        let q = phone_query(query_digits).ok_or_else(|| too_few_digits(query_digits))?;
        self.phone_ids(
            &phone_tier(MatchRank::Prefix, &phone_range("national"), ""),
            &q.national,
            limit,
        )
    }

    fn phone_ids(&self, tier: &Tier, key: &str, limit: usize) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(&tier.sql)?;
        let rows = stmt.query_map(params![key, (limit * 2) as i64], |r| r.get::<_, i64>(0))?;
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        for id in rows {
            let id = id?;
            if seen.insert(id) && ids.len() < limit {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The best matches for what an operator typed, at most `limit`, from the indexes
    /// alone. Digits (4 or more, with separators) match phones: the whole national
    /// number, then its beginning or its end (see `domain::duplicates::PhoneQuery`).
    /// Anything else matches, folded: names, the names of customers' companies, emails
    /// and tags — exact, then prefix, then the beginning of a later word of a name —
    /// ties most recently contacted first.
    pub fn lookup(&self, query: &str, limit: usize) -> Result<Vec<LookupHit>> {
        let tiers = lookup_tiers(query)?;
        self.read(|c| {
            let mut found: Vec<(i64, &Tier, String)> = Vec::new();
            let mut seen = HashSet::new();
            for tier in &tiers {
                if found.len() >= limit {
                    break;
                }
                if tier.key.is_empty() {
                    continue;
                }
                let mut stmt = c.prepare_cached(&tier.sql)?;
                let want = (limit * 2 + found.len()) as i64;
                let rows = stmt.query_map(params![tier.key, want], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?;
                for row in rows {
                    let (id, text) = row?;
                    if found.len() < limit && seen.insert(id) {
                        found.push((id, tier, text));
                    }
                }
            }
            let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
            let mut summaries = summaries_by_id(self, &ids)?;
            let hits = found
                .into_iter()
                .filter_map(|(id, tier, text)| {
                    Some(LookupHit {
                        customer: summaries.remove(&id)?,
                        matched: tier.field,
                        rank: tier.rank,
                        matched_text: text,
                    })
                })
                .collect();
            Ok(hits)
        })
    }

    /// Pairs of customers that look like one, most likely first, at most `limit`: a
    /// shared phone (same national digits) or email, and names that are the same after
    /// folding, the same without spaces and punctuation, the same words reordered, or
    /// (6 letters or more) one typo apart among names sharing their first three letters.
    /// A company and its people sharing a number or address are not suspicious, nor are
    /// colleagues sharing a work number.
    pub fn likely_duplicates(&self, limit: usize) -> Result<Vec<DuplicatePair>> {
        self.read(|c| {
            let known = load_known(c)?;
            let at: HashMap<i64, usize> =
                known.iter().enumerate().map(|(i, k)| (k.id, i)).collect();
            let mut pairs = contact_pairs(c, &known, &at)?;
            for ((a, b), reasons) in pairs.iter_mut() {
                if let (Some(&i), Some(&j)) = (at.get(a), at.get(b))
                    && let Some(similarity) = name_similarity(&known[i].names, &known[j].names)
                {
                    reasons.push(DuplicateReason::Name { similarity });
                }
            }
            // Pairs by name alone can be many (common names); kept small and unboxed,
            // and only the best `limit` of them join the list.
            let mut named: Vec<(u32, (i64, i64), DuplicateReason)> = name_candidates(&known)
                .into_iter()
                .filter_map(|(i, j)| {
                    let pair = (known[i].id.min(known[j].id), known[i].id.max(known[j].id));
                    if pair.0 == pair.1 || pairs.contains_key(&pair) {
                        return None;
                    }
                    let similarity = name_similarity(&known[i].names, &known[j].names)?;
                    let reason = DuplicateReason::Name { similarity };
                    Some((reason.strength(), pair, reason))
                })
                .collect();
            named.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            named.dedup_by_key(|x| x.1);
            named.truncate(limit);
            let mut list: Vec<((i64, i64), Vec<DuplicateReason>)> = pairs.into_iter().collect();
            for (_, reasons) in &mut list {
                tidy_reasons(reasons);
            }
            list.extend(
                named
                    .into_iter()
                    .map(|(_, pair, reason)| (pair, vec![reason])),
            );
            list.sort_by(|x, y| score(&y.1).cmp(&score(&x.1)).then(x.0.cmp(&y.0)));
            list.truncate(limit);
            let ids: Vec<i64> = list
                .iter()
                .flat_map(|((a, b), _)| [*a, *b])
                .collect::<BTreeSet<i64>>()
                .into_iter()
                .collect();
            let summaries = summaries_by_id(self, &ids)?;
            Ok(list
                .into_iter()
                .filter_map(|((a, b), reasons)| {
                    Some(DuplicatePair {
                        a: summaries.get(&a)?.clone(),
                        b: summaries.get(&b)?.clone(),
                        reasons,
                    })
                })
                .collect())
        })
    }

    /// Existing customers that look like `draft` (a customer about to be added), most
    /// likely first, each with why: a phone with the same national digits, the same email,
    /// or nearly the same name (as in `likely_duplicates`). A person sharing their own
    /// company's number or address, or a colleague's work number, is not reported.
    pub fn duplicates_of(
        &self,
        draft: &CustomerDraft,
    ) -> Result<Vec<(CustomerSummary, Vec<DuplicateReason>)>> {
        let mut d = draft.clone();
        d.validate()?;
        let me = Party {
            id: None,
            kind: d.kind,
            company_id: d.company_id,
        };
        self.read(|c| {
            let mut found: BTreeMap<i64, Vec<DuplicateReason>> = BTreeMap::new();
            let mut phones = c.prepare_cached(
                "SELECT p.customer_id, p.digits, p.raw, p.kind, c.kind, c.company_id
                 FROM customer_phones p JOIN customers c ON c.id = p.customer_id
                 WHERE p.national = ?1 ORDER BY p.customer_id LIMIT 1000",
            )?;
            for phone in &d.phones {
                let (national, _) = phone_columns(phone);
                if national.len() < MIN_DUPLICATE_PHONE_DIGITS {
                    continue;
                }
                let rows = phones.query_map([&national], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, PhoneKind>(3)?,
                        Party {
                            id: Some(r.get(0)?),
                            kind: r.get(4)?,
                            company_id: r.get(5)?,
                        },
                    ))
                })?;
                for row in rows {
                    let (id, digits, raw, kind, them) = row?;
                    let both_work = kind == PhoneKind::Work && phone.kind == PhoneKind::Work;
                    if same_number(&phone.digits, &national, &digits, &national)
                        && !shared_contact_expected(&me, &them, both_work)
                    {
                        found
                            .entry(id)
                            .or_default()
                            .push(DuplicateReason::Phone { number: raw });
                    }
                }
            }
            let mut emails = c.prepare_cached(
                "SELECT e.customer_id, e.address, c.kind, c.company_id
                 FROM customer_emails e JOIN customers c ON c.id = e.customer_id
                 WHERE e.address_key = ?1 ORDER BY e.customer_id LIMIT 1000",
            )?;
            for email in &d.emails {
                let rows = emails.query_map([email.as_str().to_lowercase()], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        Party {
                            id: Some(r.get(0)?),
                            kind: r.get(2)?,
                            company_id: r.get(3)?,
                        },
                    ))
                })?;
                for row in rows {
                    let (id, address, them) = row?;
                    if !shared_contact_expected(&me, &them, false) {
                        found
                            .entry(id)
                            .or_default()
                            .push(DuplicateReason::Email { address });
                    }
                }
            }
            let mine = NameKeys::new(&fold(&d.name));
            for (id, key) in name_candidates_of(c, &mine)? {
                if let Some(similarity) = name_similarity(&mine, &NameKeys::new(&key)) {
                    found
                        .entry(id)
                        .or_default()
                        .push(DuplicateReason::Name { similarity });
                }
            }
            let mut list: Vec<(i64, Vec<DuplicateReason>)> = found.into_iter().collect();
            for (_, reasons) in &mut list {
                tidy_reasons(reasons);
            }
            list.sort_by(|x, y| score(&y.1).cmp(&score(&x.1)).then(x.0.cmp(&y.0)));
            list.truncate(DUPLICATES_OF_LIMIT);
            let ids: Vec<i64> = list.iter().map(|(id, _)| *id).collect();
            let mut summaries = summaries_by_id(self, &ids)?;
            Ok(list
                .into_iter()
                .filter_map(|(id, reasons)| Some((summaries.remove(&id)?, reasons)))
                .collect())
        })
    }

    /// What merging `drop` into `keep` would move and add, after the same checks the
    /// merge makes (nothing is written).
    pub fn merge_plan(&self, keep: i64, drop: i64) -> Result<MergePlan> {
        self.read(|c| Ok(plan_merge(c, keep, drop)?.plan))
    }

    /// Merges customer `drop` into `keep` in one transaction: see
    /// [`Writer::merge_customers`].
    pub fn merge_customers(&mut self, keep: i64, drop: i64) -> Result<MergePlan> {
        self.write(|w| w.merge_customers(keep, drop))
    }
}

fn too_few_digits(query: &str) -> StoreError {
    StoreError::invalid(
        "phone",
        format!(
            "{:?} is not a phone query; give at least 4 digits",
            query.trim()
        ),
    )
}

/// Customers whose names may be near `mine`: the same key, its words in another order
/// (up to 4 words), and the bucket of names starting with the same three letters.
fn name_candidates_of(conn: &Db, mine: &NameKeys) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    let mut exact = conn.prepare_cached(
        "SELECT id, name_key FROM customers WHERE name_key = ?1 ORDER BY id LIMIT 1000",
    )?;
    let words: Vec<&str> = mine.key.split(' ').filter(|w| !w.is_empty()).collect();
    let mut keys = vec![mine.key.clone()];
    if (2..=4).contains(&words.len()) {
        for order in permutations(words.len()) {
            keys.push(
                order
                    .iter()
                    .map(|&i| words[i])
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    keys.sort_unstable();
    keys.dedup();
    for key in &keys {
        let rows = exact.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    let mut range = conn.prepare_cached(&format!(
        "SELECT id, name_key FROM customers WHERE {} LIMIT ?2",
        text_range("name_key")
    ))?;
    let mut prefixes = vec![prefix_chars(&mine.key, 3), mine.bucket().to_string()];
    prefixes.dedup();
    for prefix in prefixes.iter().filter(|p| !p.is_empty()) {
        let rows = range.query_map(params![prefix, NAME_CANDIDATES], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn prefix_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Every order of `0..n` (n ≤ 4).
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out
}

impl Writer<'_> {
    /// Merges customer `drop` into `keep`, all in this transaction: every interaction,
    /// deal and follow-up of `drop` (and, for a company, its people) moves to `keep`
    /// (each moved record's version bumped); phones, emails and tags `keep` lacks are
    /// added; fields `keep` leaves empty (address, source, owner, company, own cadence) are filled
    /// from `drop`, and both notes kept; `keep`'s version is bumped; `drop` is deleted.
    /// Refused, with nothing written: a customer with itself, a company that has people
    /// into a person, notes too long together.
    pub fn merge_customers(&mut self, keep: i64, drop: i64) -> Result<MergePlan> {
        self.require_change("customer", keep)?;
        self.require_delete("customer", drop)?;
        self.require_on_dependents(drop, false)?;
        let work = plan_merge(self.conn, keep, drop)?;
        let before = self.customer_state(keep)?;
        let dropped = super::customers::load_customer(self.conn, drop)?.name;
        for table in ["interactions", "deals", "reminders"] {
            // Table names come from the fixed list above, never from input.
            self.conn.execute(
                &format!(
                    "UPDATE {table} SET customer_id = ?1, version = version + 1, updated_at = ?3
                     WHERE customer_id = ?2"
                ),
                params![keep, drop, self.now],
            )?;
        }
        self.move_people(drop, Some(keep))?;
        let next = |table: &str| -> Result<i64> {
            self.conn.query_row(
                &format!(
                    "SELECT coalesce(max(position), -1) + 1 FROM {table} WHERE customer_id = ?1"
                ),
                [keep],
                |r| r.get(0),
            )
        };
        let first_phone = next("customer_phones")?;
        let first_email = next("customer_emails")?;
        let mut phone = self.conn.prepare_cached(
            "INSERT INTO customer_phones (customer_id, position, kind, raw, digits, national, national_rev, extension)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (i, p) in work.phones.iter().enumerate() {
            phone.execute(params![
                keep,
                first_phone + i as i64,
                p.kind,
                p.raw,
                p.digits,
                p.national,
                p.national_rev,
                p.extension
            ])?;
        }
        let mut email = self.conn.prepare_cached(
            "INSERT INTO customer_emails (customer_id, position, address, address_key) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (i, (address, key)) in work.emails.iter().enumerate() {
            email.execute(params![keep, first_email + i as i64, address, key])?;
        }
        let mut tag = self.conn.prepare_cached(
            "INSERT INTO customer_tags (customer_id, tag) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?;
        for t in &work.tags {
            tag.execute(params![keep, t])?;
        }
        let d = &work.drop_row;
        self.conn.execute(
            "UPDATE customers SET address = coalesce(address, ?2), source = coalesce(source, ?3),
                    owner_id = coalesce(owner_id, ?4),
                    company_id = CASE WHEN kind = 'person' THEN coalesce(company_id, ?5) ELSE company_id END,
                    notes = ?6, version = version + 1, updated_at = ?7,
                    cadence_max_days = CASE WHEN cadence_ideal_days IS NULL THEN ?9 ELSE cadence_max_days END,
                    cadence_ideal_days = coalesce(cadence_ideal_days, ?8)
             WHERE id = ?1",
            params![
                keep,
                d.address,
                d.source,
                d.owner_id,
                d.company_id.filter(|_| d.kind == CustomerKind::Person),
                work.notes,
                self.now,
                d.cadence_ideal_days,
                d.cadence_max_days
            ],
        )?;
        // Details the kept customer lacks come from the other one.
        let mut details = super::customers::load_customer(self.conn, keep)?.details;
        let theirs = super::customers::load_customer(self.conn, drop)?.details;
        if !details.absorb(&theirs).is_empty() {
            super::customers::write_contact_details(self.conn, keep, &details)?;
        }
        let mut changes =
            crate::domain::audit::changes(Some(&before), Some(&self.customer_state(keep)?));
        changes.push(crate::domain::audit::FieldChange {
            field: "merged in".into(),
            old: None,
            new: Some(format!("#{drop} {dropped}")),
        });
        self.audit(
            "customer",
            keep,
            Some(keep),
            crate::domain::audit::AuditAction::Update,
            changes,
        )?;
        self.delete_customer(drop)?;
        Ok(work.plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, InteractionDraft};

    fn person(store: &mut Store, name: &str, phones: &[&str], emails: &[&str]) -> i64 {
        let mut d = CustomerDraft::new(CustomerKind::Person, name);
        d.phones = phones
            .iter()
            .map(|p| Phone::parse_labeled(p).unwrap())
            .collect();
        d.emails = emails.iter().map(|e| Email::parse(e).unwrap()).collect();
        store.add_customer(&d).unwrap()
    }

    fn plan(store: &Store, sql: &str) -> String {
        let mut stmt = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt
            .query_map(params!["x", 10], |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join(" | ")
    }

    #[test]
    fn phone_and_word_lookups_are_index_ranges() {
        let store = Store::open_in_memory().unwrap();
        for (tier, index) in [
            (
                phone_tier(MatchRank::Suffix, &phone_range("national_rev"), ""),
                "customer_phones_national_rev",
            ),
            (
                phone_tier(MatchRank::Prefix, &phone_range("national"), ""),
                "customer_phones_national",
            ),
            (
                phone_tier(MatchRank::Exact, "p.national = ?1", ""),
                "customer_phones_national",
            ),
            (
                name_tier(
                    MatchField::Name,
                    MatchRank::WordPrefix,
                    &text_range(NAME_FROM_WORD2),
                    "",
                ),
                "customers_name_word2",
            ),
            (
                name_tier(
                    MatchField::Name,
                    MatchRank::WordPrefix,
                    &text_range(NAME_FROM_WORD3),
                    "",
                ),
                "customers_name_word3",
            ),
            (
                name_tier(
                    MatchField::Company,
                    MatchRank::Prefix,
                    &text_range("name_key"),
                    "",
                ),
                "customers_name_key",
            ),
        ] {
            let p = plan(&store, &tier.sql);
            assert!(
                p.contains(&format!("INDEX {index} (")) && !p.contains("SCAN"),
                "{index}: {p}"
            );
        }
    }

    #[test]
    fn phone_columns_are_filled_on_add_and_edit() {
        let mut store = Store::open_in_memory().unwrap();
        let id = person(&mut store, "Ivan", &["+7 (912) 345-67-89"], &[]);
        let row: (String, String) = store
            .conn
            .query_row(
                "SELECT national, national_rev FROM customer_phones WHERE customer_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(row, ("9123456789".into(), "9876543219".into()));
        assert_eq!(
            store.customers_by_phone_suffix("6789", 5).unwrap(),
            vec![id]
        );
        assert_eq!(
            store.customers_by_phone_suffix("345-67-89", 5).unwrap(),
            vec![id]
        );
        for whole in ["8 912 345 67 89", "+7 912 345 67 89", "79123456789"] {
            assert_eq!(store.customers_by_phone_suffix(whole, 5).unwrap(), vec![id]);
        }
        assert_eq!(
            store.customers_by_phone_prefix("+7 912 345", 5).unwrap(),
            vec![id]
        );
        assert!(
            store
                .customers_by_phone_suffix("5678", 5)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .customers_by_phone_suffix("89", 5)
                .unwrap_err()
                .to_string()
                .split(':')
                .next(),
            Some("phone")
        );
        let mut d = store.customer(id).unwrap().draft();
        d.phones
            .push(Phone::parse_labeled("home:۰۲۱ ۸۸۷۷ ۶۶۵۵").unwrap());
        store.update_customer(id, 1, &d).unwrap();
        assert_eq!(
            store.customers_by_phone_suffix("6655", 5).unwrap(),
            vec![id]
        );
        assert_eq!(
            store.customers_by_phone_prefix("+98 21 8877", 5).unwrap(),
            vec![id]
        );
    }

    #[test]
    fn likely_duplicates_by_phone_email_and_name() {
        let mut store = Store::open_in_memory().unwrap();
        let a = person(
            &mut store,
            "Maria Ivanova",
            &["+7 912 345 67 89"],
            &["maria@example.ru"],
        );
        let b = person(&mut store, "Мария Петрова", &["8 912 345-67-89"], &[]);
        let c = person(&mut store, "Someone Else", &[], &["MARIA@example.ru"]);
        let d = person(&mut store, "Ivanova Maria", &[], &[]);
        let e = person(&mut store, "Maria Ivanovaa", &[], &[]);
        let f = person(&mut store, "Kazakh Number", &["+98 912 345 6789"], &[]);
        let pairs = store.likely_duplicates(50).unwrap();
        let found: Vec<(i64, i64, String)> = pairs
            .iter()
            .map(|p| {
                (
                    p.a.id,
                    p.b.id,
                    p.reasons
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })
            .collect();
        assert!(
            found.contains(&(a, b, "same phone +7 912 345 67 89".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(a, c, "same email maria@example.ru".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(a, d, "same name, words reordered".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(a, e, "name one letter apart".into())),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|p| p.0 == a && p.1 == f),
            "another country's number: {found:?}"
        );
        // A domestic form (trunk 8, no country code) may be either.
        assert!(found.iter().any(|p| p.0 == b && p.1 == f), "{found:?}");
        assert!(store.likely_duplicates(1).unwrap().len() == 1);
    }

    #[test]
    fn a_company_and_its_people_may_share_a_number() {
        let mut store = Store::open_in_memory().unwrap();
        let mut acme = CustomerDraft::new(CustomerKind::Company, "Acme GmbH");
        acme.phones = vec![Phone::parse_labeled("work:+49 30 1234567").unwrap()];
        let acme_id = store.add_customer(&acme).unwrap();
        let mut ivan = CustomerDraft::new(CustomerKind::Person, "Ivan Petrov");
        ivan.company_id = Some(acme_id);
        ivan.phones = vec![Phone::parse_labeled("work:030 1234567").unwrap()];
        assert!(store.duplicates_of(&ivan).unwrap().is_empty());
        store.add_customer(&ivan).unwrap();
        assert!(store.likely_duplicates(10).unwrap().is_empty());
        ivan.company_id = None;
        let dups = store.duplicates_of(&ivan).unwrap();
        assert_eq!(dups.len(), 2, "{dups:?}");
        assert_eq!(dups[0].1[0].to_string(), "same phone 030 1234567");
        assert_eq!(dups[0].1[1].to_string(), "same name");
        assert_eq!(dups[1].0.id, acme_id);
    }

    #[test]
    fn merge_moves_everything_and_unions_contacts() {
        let mut store = Store::open_in_memory().unwrap();
        let keep = person(
            &mut store,
            "Maria Ivanova",
            &["+7 912 345 67 89"],
            &["m@x.ru"],
        );
        let mut d = CustomerDraft::new(CustomerKind::Person, "Maria Ivanovna");
        d.phones = vec![
            Phone::parse_labeled("8 912 345-67-89").unwrap(),
            Phone::parse_labeled("work:+7 495 123 45 67").unwrap(),
        ];
        d.emails = vec![
            Email::parse("M@x.ru").unwrap(),
            Email::parse("maria@y.ru").unwrap(),
        ];
        d.tags = vec!["vip".into()];
        d.address = Some("Moscow".into());
        d.notes = Some("Prefers email".into());
        let drop = store.add_customer(&d).unwrap();
        let at = store.now();
        store
            .log_interaction(&InteractionDraft {
                customer_id: drop,
                deal_id: None,
                kind: crate::domain::InteractionKind::Call,
                direction: crate::domain::Direction::Out,
                occurred_at: at,
                operator_id: None,
                summary: "Hi".into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
        let plan = store.merge_plan(keep, drop).unwrap();
        assert_eq!(
            (plan.interactions, plan.phones, plan.emails, plan.tags),
            (1, 1, 1, 1)
        );
        store.merge_customers(keep, drop).unwrap();
        let c = store.customer(keep).unwrap();
        let raws: Vec<&str> = c.phones.iter().map(|p| p.raw.as_str()).collect();
        assert_eq!(raws, ["+7 912 345 67 89", "+7 495 123 45 67"]);
        let emails: Vec<&str> = c.emails.iter().map(Email::as_str).collect();
        assert_eq!(emails, ["m@x.ru", "maria@y.ru"]);
        assert_eq!(c.tags, ["vip"]);
        assert_eq!(c.address.as_deref(), Some("Moscow"));
        assert_eq!(c.notes.as_deref(), Some("Prefers email"));
        assert_eq!(c.version, 2);
        assert_eq!(store.interactions_of(keep, 10).unwrap().len(), 1);
        assert!(store.customer(drop).is_err());
        assert_eq!(
            store.customers_by_phone_suffix("4567", 5).unwrap(),
            vec![keep]
        );
    }
}
