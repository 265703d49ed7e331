//! Customers as the quick-lookup index needs them: one query per table, each in
//! customer id order, merged in Rust (never one query per customer).

use super::db::{Db, Row, Rows, Stmt};

use super::{Result, Store, StoreError};
use crate::search::{IndexBuilder, SearchIndex, SearchRecord};

const CUSTOMERS: &str = "SELECT c.id, c.name, co.name, c.last_contact_at
     FROM customers c LEFT JOIN customers co ON co.id = c.company_id";
const PHONES: &str = "SELECT customer_id, digits FROM customer_phones";
const EMAILS: &str = "SELECT customer_id, address FROM customer_emails";
const TAGS: &str = "SELECT customer_id, tag FROM customer_tags";

impl Store {
    /// Every customer, for building the search index.
    pub fn search_records(&self) -> Result<Vec<SearchRecord>> {
        let mut out = Vec::new();
        self.for_each_search_record(|r| out.push(r))?;
        Ok(out)
    }

    /// Every customer in id order, one at a time (one consistent snapshot), so the
    /// index can be built without holding all records at once.
    pub fn for_each_search_record(&self, mut f: impl FnMut(SearchRecord)) -> Result<()> {
        self.read(|c| stream(c, None, |r| f(r.clone())))
    }

    /// The search index of every customer, built as the rows stream in: records are
    /// never all held at once, and one record's buffers are reused for every row. At
    /// 1M customers about 1 s of reading plus 1.6 s of building on one core
    /// (`benches/search.rs`); run it off the UI thread. Prefer it to
    /// `SearchIndex::build(store.search_records()?)`, which holds every record at once.
    pub fn search_index(&self) -> Result<SearchIndex> {
        let mut b = IndexBuilder::new();
        self.read(|c| stream(c, None, |r| b.push_ref(r)))?;
        Ok(b.finish())
    }

    /// Customer `id`'s number whose digits are `digits`, as it was typed (the index
    /// keeps digits only).
    pub fn phone_as_stored(&self, id: i64, digits: &str) -> Result<Option<String>> {
        use super::db::OptionalExtension;
        self
            .conn
            .query_row(
                "SELECT raw || coalesce(' ext. ' || extension, '') FROM customer_phones WHERE customer_id = ?1 AND digits = ?2
                 ORDER BY position LIMIT 1",
                rusqlite::params![id, digits],
                |r| r.get(0),
            )
            .optional()
    }

    /// The customers among `ids` (missing ones skipped), in id order: for refreshing the
    /// index after writes.
    pub fn search_records_for(&self, ids: &[i64]) -> Result<Vec<SearchRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(ids).map_err(|e| StoreError::Message(e.to_string()))?;
        let mut out = Vec::with_capacity(ids.len());
        self.read(|c| stream(c, Some(&list), |r| out.push(r.clone())))?;
        Ok(out)
    }
}

/// Reads the customers (all, or those in the JSON list `ids`) and calls `f` with each,
/// in one record whose buffers are reused from row to row.
fn stream(c: &Db, ids: Option<&str>, mut f: impl FnMut(&SearchRecord)) -> Result<()> {
    let (main_filter, side_filter) = match ids {
        Some(_) => (
            " WHERE c.id IN (SELECT value FROM json_each(?1))",
            " WHERE customer_id IN (SELECT value FROM json_each(?1))",
        ),
        None => ("", ""),
    };
    let mut customers = c.prepare(&format!("{CUSTOMERS}{main_filter} ORDER BY c.id"))?;
    let mut phones = c.prepare(&format!(
        "{PHONES}{side_filter} ORDER BY customer_id, position"
    ))?;
    let mut emails = c.prepare(&format!(
        "{EMAILS}{side_filter} ORDER BY customer_id, position"
    ))?;
    let mut tags = c.prepare(&format!("{TAGS}{side_filter} ORDER BY customer_id, tag"))?;
    let mut phones = Side::new(&mut phones, ids)?;
    let mut emails = Side::new(&mut emails, ids)?;
    let mut tags = Side::new(&mut tags, ids)?;
    let mut rows = match ids {
        Some(list) => customers.query([list])?,
        None => customers.query(())?,
    };
    let mut r = SearchRecord::default();
    let mut company = String::new();
    while let Some(row) = rows.next()? {
        r.id = row.get(0)?;
        set(&mut r.name, text(&row, 1)?.unwrap_or_default());
        r.company = match text(&row, 2)? {
            Some(c) => {
                set(&mut company, c);
                Some(std::mem::take(&mut company))
            }
            None => None,
        };
        r.last_contact = row.get(3)?;
        phones.take(r.id, &mut r.phones)?;
        emails.take(r.id, &mut r.emails)?;
        tags.take(r.id, &mut r.tags)?;
        f(&r);
        if let Some(c) = r.company.take() {
            company = c;
        }
    }
    Ok(())
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> Result<Option<&'r str>> {
    row.get_ref(i)?
        .as_str_or_null()
        .map_err(|e| StoreError::Message(format!("search record column {i}: {e}")))
}

fn set(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

/// A detail table read in customer id order alongside the customers.
struct Side<'s> {
    rows: Rows<'s>,
    /// The row read ahead: its customer id and value.
    pending: Option<i64>,
    value: String,
    done: bool,
}

impl<'s> Side<'s> {
    fn new(stmt: &'s mut Stmt<'_>, ids: Option<&str>) -> Result<Self> {
        let rows = match ids {
            Some(list) => stmt.query([list])?,
            None => stmt.query(())?,
        };
        Ok(Self {
            rows,
            pending: None,
            value: String::new(),
            done: false,
        })
    }

    /// Fills `out` with the values of customer `id` (ids come in ascending order),
    /// reusing its strings.
    fn take(&mut self, id: i64, out: &mut Vec<String>) -> Result<()> {
        let mut n = 0;
        loop {
            if self.pending.is_none() && !self.done {
                match self.rows.next()? {
                    Some(r) => {
                        self.pending = Some(r.get(0)?);
                        set(&mut self.value, text(&r, 1)?.unwrap_or_default());
                    }
                    None => self.done = true,
                }
            }
            match self.pending {
                Some(cid) if cid == id => {
                    match out.get_mut(n) {
                        Some(s) => set(s, &self.value),
                        None => out.push(self.value.clone()),
                    }
                    n += 1;
                    self.pending = None;
                }
                // No such customer (cannot happen: foreign keys).
                Some(cid) if cid < id => self.pending = None,
                _ => {
                    out.truncate(n);
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use crate::demo::{DemoOptions, generate};
    use crate::search::Searcher;
    use crate::store::Store;

    fn demo_store(customers: usize) -> Store {
        let clock = || {
            DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
                .unwrap()
                .to_utc()
        };
        let mut store = Store::open_in_memory()
            .unwrap()
            .with_clock(Arc::new(clock as fn() -> DateTime<Utc>));
        generate(&mut store, DemoOptions { customers, seed: 3 }, "tester").unwrap();
        store
    }

    #[test]
    fn search_records_round_trip_the_demo_store() {
        let store = demo_store(120);
        let records = store.search_records().unwrap();
        assert_eq!(records.len() as i64, store.counts().unwrap().customers);
        assert!(records.windows(2).all(|w| w[0].id < w[1].id));
        for r in &records {
            let c = store.customer(r.id).unwrap();
            assert_eq!(r.name, c.name);
            assert_eq!(r.company, c.company_name);
            let digits: Vec<String> = c.phones.iter().map(|p| p.digits.clone()).collect();
            assert_eq!(r.phones, digits);
            let emails: Vec<String> = c.emails.iter().map(|e| e.as_str().to_string()).collect();
            assert_eq!(r.emails, emails);
            assert_eq!(r.tags, c.tags);
        }
        assert!(records.iter().any(|r| r.company.is_some()));
        assert!(records.iter().any(|r| !r.phones.is_empty()));
        assert!(records.iter().any(|r| r.last_contact.is_some()));

        let some: Vec<i64> = records
            .iter()
            .step_by(7)
            .map(|r| r.id)
            .chain([999_999])
            .collect();
        let picked = store.search_records_for(&some).unwrap();
        let expect: Vec<_> = records.iter().step_by(7).cloned().collect();
        assert_eq!(picked, expect);
        assert!(store.search_records_for(&[]).unwrap().is_empty());

        // Every customer is found by its own name and by its first phone.
        let index = store.search_index().unwrap();
        assert_eq!(index.len(), records.len());
        let mut back: Vec<_> = index.records().collect();
        back.sort_by_key(|r| r.id);
        assert_eq!(back, records);
        let mut searcher = Searcher::new();
        for r in &records {
            let hits = searcher.search(&index, &r.name, 200);
            assert!(hits.iter().any(|h| h.id == r.id), "{}", r.name);
            if let Some(p) = r.phones.first() {
                let hits = searcher.search(&index, p, 200);
                assert!(hits.iter().any(|h| h.id == r.id), "{p}");
            }
        }
    }
}
