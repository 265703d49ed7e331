//! Customer value in SQL: the `customer_value` table (each customer's won deals
//! summed), the triggers on deals that keep it, and the reads behind RFM scores and
//! segments. The scores are computed from quintile cuts read through the table's
//! indexes, so nothing here loops over customers in Rust.
//!
//! Revenue counts won deals in the reporting currency (the `default_currency` setting,
//! USD when unset); deals in other currencies are counted in `won_deals` and not in
//! `counted_deals`, so every report can say how many it could not add.

use super::db::{Db, OptionalExtension, Row};
use chrono::{Days, NaiveDate};
use rusqlite::params;
use rusqlite::types::Value;

use super::sql_types::{date_text, parse_date_text};
use super::sums::join_sum;
use super::{Result, Store, StoreError};
use crate::domain::value::{Purchases, Quintiles, RfmCuts, ValueBase, cut_ranks};
use crate::domain::{Currency, CustomerValue, Rfm, Segment};

/// The settings key of the currency reports convert to.
pub(super) const CURRENCY_KEY: &str = "default_currency";

/// The amount of deal `row` (`NEW`, `OLD` or `d`) that revenue counts, in minor units
/// of the reporting currency; NULL when it cannot be counted. Schema 11 counted deals
/// in the reporting currency only; from schema 15 others convert with the rate of
/// their close day (`store::exchange`).
fn counted_amount(row: &str, with_rates: bool) -> String {
    if with_rates {
        return super::exchange::converted_sql(
            &format!("{row}.amount_minor"),
            &format!("{row}.currency"),
            &purchase_day(row),
            super::exchange::DEFAULT_SQL,
        );
    }
    format!(
        "CASE WHEN {row}.currency = coalesce((SELECT value FROM settings WHERE key = '{CURRENCY_KEY}'), 'USD')
              THEN {row}.amount_minor END"
    )
}

/// Whether this database converts (schema 15 on): the triggers and sums read rates.
fn has_rates(conn: &Db) -> Result<bool> {
    conn.has_table("exchange_rates")
}

/// The purchase day of deal `row`: its close day (a won deal always has one; a restored
/// row without one counts on the day it was last changed).
fn purchase_day(row: &str) -> String {
    format!("coalesce({row}.closed_on, date({row}.updated_at, 'unixepoch'))")
}

fn is_won(stage: &str) -> String {
    format!("(SELECT outcome FROM stages WHERE id = {stage}) = 'won'")
}

/// Sums every won deal of the customers `which` selects (`d.customer_id = OLD.customer_id`,
/// or `true` for all) into fresh rows.
fn recount(which: &str, with_rates: bool) -> String {
    format!(
        "DELETE FROM customer_value WHERE {own};
         INSERT INTO customer_value (customer_id, won_deals, counted_deals, revenue_high, revenue_low,
                                     revenue, first_won_on, last_won_on)
         SELECT customer_id, count(*), count(amount), coalesce(sum(amount / 1000000000), 0),
                coalesce(sum(amount % 1000000000), 0), total(amount), min(day), max(day)
         FROM (SELECT d.customer_id, {amount} AS amount, {day} AS day
               FROM deals d JOIN stages s ON s.id = d.stage_id
               WHERE s.outcome = 'won' AND {which}
                 AND EXISTS (SELECT 1 FROM customers c WHERE c.id = d.customer_id)) AS won
         GROUP BY customer_id;",
        own = which.replace("d.customer_id", "customer_id"),
        amount = counted_amount("d", with_rates),
        day = purchase_day("d"),
    )
}

/// Adds deal `NEW`, just won, to its customer's row.
fn add_new(with_rates: bool) -> String {
    format!(
        "INSERT INTO customer_value (customer_id, won_deals, counted_deals, revenue_high, revenue_low,
                                     revenue, first_won_on, last_won_on)
         SELECT NEW.customer_id, 1, amount IS NOT NULL, coalesce(amount / 1000000000, 0),
                coalesce(amount % 1000000000, 0), coalesce(amount, 0), day, day
         FROM (SELECT {amount} AS amount, {day} AS day) WHERE true
         ON CONFLICT (customer_id) DO UPDATE SET
             won_deals = won_deals + 1,
             counted_deals = counted_deals + excluded.counted_deals,
             revenue_high = revenue_high + excluded.revenue_high,
             revenue_low = revenue_low + excluded.revenue_low,
             revenue = revenue + excluded.revenue,
             first_won_on = min(first_won_on, excluded.first_won_on),
             last_won_on = max(last_won_on, excluded.last_won_on);",
        amount = counted_amount("NEW", with_rates),
        day = purchase_day("NEW"),
    )
}

/// The triggers that keep `customer_value`. A deal that becomes won is added to its
/// customer's row (the only change bulk writes make, so they never search deals); any
/// change to a deal that was won sums that customer's won deals again, by index.
fn triggers(with_rates: bool) -> String {
    let watched = "stage_id, amount_minor, currency, closed_on, customer_id, updated_at";
    format!(
        "CREATE TRIGGER deals_value_insert AFTER INSERT ON deals WHEN {new_won}
         BEGIN {add} END;
         CREATE TRIGGER deals_value_won AFTER UPDATE OF {watched} ON deals
         WHEN NOT {old_won} AND {new_won}
         BEGIN {add} END;
         CREATE TRIGGER deals_value_changed AFTER UPDATE OF {watched} ON deals
         WHEN {old_won}
         BEGIN {recount_old} {recount_new} END;
         CREATE TRIGGER deals_value_delete AFTER DELETE ON deals WHEN {old_won}
         BEGIN {recount_old} END;
         CREATE TRIGGER customers_value_delete AFTER DELETE ON customers
         BEGIN DELETE FROM customer_value WHERE customer_id = OLD.id; END;",
        new_won = is_won("NEW.stage_id"),
        old_won = is_won("OLD.stage_id"),
        add = add_new(with_rates),
        recount_old = recount("d.customer_id = OLD.customer_id", with_rates),
        recount_new = recount("d.customer_id = NEW.customer_id", with_rates),
    )
}

const TRIGGERS: &[&str] = &[
    "deals_value_insert",
    "deals_value_won",
    "deals_value_changed",
    "deals_value_delete",
    "customers_value_delete",
];

/// Creates the triggers and fills the table from the deals there are (schema 11).
pub(super) fn install(conn: &Db) -> Result<()> {
    conn.execute_batch(&triggers(false))?;
    rebuild(conn)
}

/// Replaces the triggers with ones that convert other currencies (schema 15), and
/// sums again.
pub(super) fn install_with_rates(conn: &Db) -> Result<()> {
    for name in TRIGGERS {
        conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {name};"))?;
    }
    conn.execute_batch(&triggers(true))?;
    rebuild(conn)
}

/// Sums every customer's won deals again: after a rate or the reporting currency
/// changes, or a restore.
pub(super) fn rebuild(conn: &Db) -> Result<()> {
    conn.execute_batch(&recount("true", has_rates(conn)?))?;
    Ok(())
}

/// The score of `col` against eight parameters from `?first` on: four cuts, then
/// the score of a value equal to each (see `Quintiles`), counted with `CASE` so it reads
/// the same on PostgreSQL.
fn score_sql(col: &str, first: usize) -> String {
    let p = |i: usize| format!("?{}", first + i);
    format!(
        "(CASE {col} WHEN {c0} THEN {t0} WHEN {c1} THEN {t1} WHEN {c2} THEN {t2} WHEN {c3} THEN {t3}
          ELSE 1 + (CASE WHEN {col} > {c0} THEN 1 ELSE 0 END) + (CASE WHEN {col} > {c1} THEN 1 ELSE 0 END)
                 + (CASE WHEN {col} > {c2} THEN 1 ELSE 0 END) + (CASE WHEN {col} > {c3} THEN 1 ELSE 0 END) END)",
        c0 = p(0),
        c1 = p(1),
        c2 = p(2),
        c3 = p(3),
        t0 = p(4),
        t1 = p(5),
        t2 = p(6),
        t3 = p(7),
    )
}

/// How many parameters [`code_sql`] reads.
pub(super) const CUT_PARAMS: usize = 24;

/// `R·100 + F·10 + M` of the row `v` (see `Rfm::code`), from parameter `?first` on
/// ([`CUT_PARAMS`] of them: see [`cut_params`]).
pub(super) fn code_sql(first: usize) -> String {
    format!(
        "({} * 100 + {} * 10 + {})",
        score_sql("v.last_won_on", first),
        score_sql("v.won_deals", first + 8),
        score_sql("v.revenue", first + 16)
    )
}

/// The parameters [`code_sql`] reads, in order.
pub(super) fn cut_params(cuts: &RfmCuts) -> Vec<Value> {
    let ties = |q: [u8; 4]| q.map(|t| Value::Integer(i64::from(t)));
    let mut p: Vec<Value> = cuts
        .recency
        .cuts
        .iter()
        .map(|d| Value::Text(d.format("%Y-%m-%d").to_string()))
        .collect();
    p.extend(ties(cuts.recency.tie_scores));
    p.extend(cuts.frequency.cuts.iter().map(|n| Value::Integer(*n)));
    p.extend(ties(cuts.frequency.tie_scores));
    p.extend(cuts.monetary.cuts.iter().map(|x| Value::Real(*x)));
    p.extend(ties(cuts.monetary.tie_scores));
    p
}

/// Parameters for [`code_sql`] when there is nothing to score against.
pub(super) fn no_cut_params() -> Vec<Value> {
    vec![Value::Null; CUT_PARAMS]
}

/// The JSON list of score codes in `segment`, for `IN (SELECT value FROM json_each(?))`.
pub(super) fn segment_codes(segment: Segment) -> String {
    serde_json::to_string(&segment.codes()).unwrap_or_else(|_| "[]".into())
}

fn row_to_purchases(r: &Row<'_>, at: usize) -> rusqlite::Result<Purchases> {
    let day = |i: usize| -> rusqlite::Result<NaiveDate> {
        parse_date_text(r.get(i)?).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                "a purchase day that is not a date".into(),
            )
        })
    };
    Ok(Purchases {
        won_deals: r.get(at)?,
        counted_deals: r.get(at + 1)?,
        revenue_minor: join_sum(r.get(at + 2)?, r.get(at + 3)?),
        first_purchase: day(at + 4)?,
        last_purchase: day(at + 5)?,
    })
}

const PURCHASE_COLUMNS: &str =
    "v.won_deals, v.counted_deals, v.revenue_high, v.revenue_low, v.first_won_on, v.last_won_on";

/// One segment's customers and revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SegmentTotal {
    pub segment: Segment,
    pub customers: i64,
    pub revenue_minor: i128,
}

/// The value of column `col` at each cut rank of the `n` rows, read through its index
/// from whichever end is nearer.
fn cuts_of<T: rusqlite::types::FromSql>(c: &Db, col: &str, n: usize) -> Result<Option<[T; 4]>> {
    let Some(ranks) = cut_ranks(n) else {
        return Ok(None);
    };
    // Column names are fixed texts of this module.
    let mut asc = c.prepare_cached(&format!(
        "SELECT {col} FROM customer_value ORDER BY {col} LIMIT 1 OFFSET ?1"
    ))?;
    let mut values = Vec::with_capacity(4);
    for rank in ranks {
        let value: T = if rank <= n / 2 {
            asc.query_row([rank as i64], |r| r.get(0))?
        } else {
            c.prepare_cached(&format!(
                "SELECT {col} FROM customer_value ORDER BY {col} DESC LIMIT 1 OFFSET ?1"
            ))?
            .query_row([(n - 1 - rank) as i64], |r| r.get(0))?
        };
        values.push(value);
    }
    Ok(values.try_into().ok())
}

impl Store {
    /// The currency reports convert money to (`default_currency`; USD when unset).
    pub fn default_currency(&self) -> Result<Currency> {
        let code: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([CURRENCY_KEY], |r| r.get(0))
            .optional()?;
        match code {
            None => Ok(Currency::USD),
            Some(code) => Currency::from_code(&code).map_err(|e| {
                StoreError::Message(format!("the stored default currency is unusable: {e}"))
            }),
        }
    }

    /// What every customer's value is measured against on `today`, in one snapshot.
    pub fn value_base(&self, today: NaiveDate) -> Result<ValueBase> {
        self.read(|c| value_base(c, today, self.default_currency()?))
    }

    /// `value_base` inside a read the caller holds.
    pub(super) fn value_base_unlocked(&self, today: NaiveDate) -> Result<ValueBase> {
        value_base(&self.conn, today, self.default_currency()?)
    }

    /// Customer `id`'s value on the local day of `now` (`None`: it has bought
    /// nothing yet), measured against the whole base, in one snapshot.
    pub fn customer_value(
        &self,
        id: i64,
        now: chrono::DateTime<chrono::Utc>,
        today: NaiveDate,
    ) -> Result<Option<CustomerValue>> {
        self.read(|_| self.customer_value_unlocked(id, now, today))
    }

    /// `customer_value` inside a read the caller holds.
    pub(super) fn customer_value_unlocked(
        &self,
        id: i64,
        now: chrono::DateTime<chrono::Utc>,
        today: NaiveDate,
    ) -> Result<Option<CustomerValue>> {
        let Some(p) = self.purchases_of(id)? else {
            return Ok(None);
        };
        let base = self.value_base_unlocked(today)?;
        let summary = self.customer_summaries(&[id])?.pop();
        let name = summary.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        let contact = summary.as_ref().and_then(|s| s.contact.as_ref());
        Ok(Some(CustomerValue::new(id, name, &p, &base, contact, now)))
    }

    /// The values of customers `ids` that have bought, in the order given.
    pub fn customer_values(
        &self,
        base: &ValueBase,
        purchases: &[(i64, Purchases)],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<CustomerValue>> {
        let ids: Vec<i64> = purchases.iter().map(|(id, _)| *id).collect();
        let summaries = self.customer_summaries(&ids)?;
        Ok(purchases
            .iter()
            .filter_map(|(id, p)| {
                let s = summaries.iter().find(|s| s.id == *id)?;
                Some(CustomerValue::new(
                    *id,
                    s.name.clone(),
                    p,
                    base,
                    s.contact.as_ref(),
                    now,
                ))
            })
            .collect())
    }

    /// What customer `id` has bought; `None` when nothing yet.
    pub fn purchases_of(&self, id: i64) -> Result<Option<Purchases>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PURCHASE_COLUMNS} FROM customer_value v WHERE v.customer_id = ?1"
            ))?
            .query_row([id], |r| row_to_purchases(r, 0))
            .optional()
    }

    /// Customers and revenue per segment, every segment listed (empty ones too), in
    /// the order of `Segment::ALL`. One pass over the table.
    pub fn segment_totals(&self, base: &ValueBase) -> Result<Vec<SegmentTotal>> {
        let mut totals: Vec<SegmentTotal> = Segment::ALL
            .iter()
            .map(|s| SegmentTotal {
                segment: *s,
                customers: 0,
                revenue_minor: 0,
            })
            .collect();
        let Some(cuts) = &base.cuts else {
            return Ok(totals);
        };
        let sql = format!(
            "SELECT {} AS code, count(*), sum(v.revenue_high), sum(v.revenue_low)
             FROM customer_value v GROUP BY code",
            code_sql(1)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(cut_params(cuts), |r| {
            Ok((
                r.get::<_, u16>(0)?,
                r.get::<_, i64>(1)?,
                join_sum(r.get(2)?, r.get(3)?),
            ))
        })?;
        for row in rows {
            let (code, customers, revenue) = row?;
            let rfm = Rfm {
                r: (code / 100) as u8,
                f: (code / 10 % 10) as u8,
                m: (code % 10) as u8,
            };
            let segment = Segment::of(rfm);
            if let Some(t) = totals.iter_mut().find(|t| t.segment == segment) {
                t.customers += customers;
                t.revenue_minor += revenue;
            }
        }
        Ok(totals)
    }

    /// The customers with the most revenue (then id), at most `limit`, only those in
    /// `segment` when given; with what each bought.
    pub fn top_purchasers(
        &self,
        base: &ValueBase,
        segment: Option<Segment>,
        limit: usize,
    ) -> Result<Vec<(i64, Purchases)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (codes, cuts) = match (segment, &base.cuts) {
            (Some(_), None) => return Ok(Vec::new()),
            (Some(s), Some(cuts)) => (Some(segment_codes(s)), cut_params(cuts)),
            (None, _) => (None, no_cut_params()),
        };
        let sql = format!(
            "SELECT v.customer_id, {PURCHASE_COLUMNS} FROM customer_value v
             WHERE (?{codes} IS NULL OR {} IN (SELECT value FROM json_each(?{codes})))
             ORDER BY v.revenue DESC, v.customer_id LIMIT ?{limit}",
            code_sql(1),
            codes = CUT_PARAMS + 1,
            limit = CUT_PARAMS + 2,
        );
        let mut p = cuts;
        p.push(codes.map_or(Value::Null, Value::Text));
        p.push(Value::Integer(limit));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(p, |r| Ok((r.get(0)?, row_to_purchases(r, 1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// See [`Store::value_base`]; `c` is inside a read transaction.
pub(super) fn value_base(c: &Db, today: NaiveDate, currency: Currency) -> Result<ValueBase> {
    let year_ago = today.checked_sub_days(Days::new(365)).unwrap_or(today);
    let (customers, base, kept, unconverted): (i64, i64, i64, i64) = c
        .prepare_cached(
            "SELECT count(*), count(*) FILTER (WHERE first_won_on < ?1),
                    count(*) FILTER (WHERE first_won_on < ?1 AND last_won_on >= ?1),
                    coalesce(sum(won_deals - counted_deals), 0)
             FROM customer_value",
        )?
        .query_row(params![date_text(Some(year_ago))], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let n = usize::try_from(customers).unwrap_or(0);
    let recency: Option<[String; 4]> = cuts_of(c, "last_won_on", n)?;
    let frequency: Option<[i64; 4]> = cuts_of(c, "won_deals", n)?;
    let monetary: Option<[f64; 4]> = cuts_of(c, "revenue", n)?;
    let cuts = match (recency, frequency, monetary) {
        (Some(r), Some(f), Some(m)) => {
            let days: Option<Vec<NaiveDate>> =
                r.iter().map(|t| parse_date_text(Some(t.clone()))).collect();
            let days = days.ok_or_else(|| {
                StoreError::Message("a purchase day in customer_value is not a date".into())
            })?;
            let spans = spans_of(c, &r, &f, &m)?;
            Some(RfmCuts {
                recency: Quintiles::new([days[0], days[1], days[2], days[3]], spans[0], n),
                frequency: Quintiles::new(f, spans[1], n),
                monetary: Quintiles::new(m, spans[2], n),
            })
        }
        _ => None,
    };
    Ok(ValueBase {
        today,
        currency,
        customers,
        cuts,
        retention_base: base,
        retention_kept: kept,
        unconverted_deals: unconverted,
    })
}

/// For each cut of each column, how many rows are below it and how many at most it:
/// one pass over the table.
fn spans_of(
    c: &Db,
    recency: &[String; 4],
    frequency: &[i64; 4],
    monetary: &[f64; 4],
) -> Result<[[(usize, usize); 4]; 3]> {
    let mut columns = Vec::new();
    for (col, first) in [("last_won_on", 1), ("won_deals", 5), ("revenue", 9)] {
        for i in 0..4 {
            columns.push(format!(
                "count(*) FILTER (WHERE {col} < ?{p}), count(*) FILTER (WHERE {col} <= ?{p})",
                p = first + i
            ));
        }
    }
    let sql = format!("SELECT {} FROM customer_value", columns.join(", "));
    let mut p: Vec<Value> = recency.iter().map(|t| Value::Text(t.clone())).collect();
    p.extend(frequency.iter().map(|n| Value::Integer(*n)));
    p.extend(monetary.iter().map(|x| Value::Real(*x)));
    let counts: Vec<i64> = c
        .prepare_cached(&sql)?
        .query_row(p, |r| (0..24).map(|i| r.get(i)).collect())?;
    let at = |i: usize| usize::try_from(counts[i]).unwrap_or(0);
    Ok([0, 1, 2].map(|col| [0, 1, 2, 3].map(|k| (at(col * 8 + k * 2), at(col * 8 + k * 2 + 1)))))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind, DealDraft, Money};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn store() -> Store {
        Store::open_in_memory().unwrap().with_clock(Arc::new(now))
    }

    fn customer(s: &mut Store, name: &str) -> i64 {
        s.add_customer(&CustomerDraft::new(CustomerKind::Company, name))
            .unwrap()
    }

    /// A deal of `amount` won on `on` (created long before, so any close day fits).
    fn won(s: &mut Store, customer: i64, amount: &str, currency: &str, on: NaiveDate) -> i64 {
        let currency = Currency::from_code(currency).unwrap();
        s.write(|w| {
            w.backdate(now() - chrono::Duration::days(900));
            let id = w.add_deal(&DealDraft {
                customer_id: customer,
                title: "Deal".into(),
                amount: Money::parse(amount, currency).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: None,
            })?;
            w.mark_deal_won(id, on)?;
            Ok(id)
        })
        .unwrap()
    }

    /// Every row of the table, as the triggers left it.
    fn rows(s: &Store) -> Vec<(i64, Purchases)> {
        let mut stmt = s
            .conn
            .prepare(&format!(
                "SELECT v.customer_id, {PURCHASE_COLUMNS} FROM customer_value v ORDER BY 1"
            ))
            .unwrap();
        stmt.query_map((), |r| Ok((r.get(0)?, row_to_purchases(r, 1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// What a full recount gives: the triggers must always agree with it.
    fn recounted(s: &Store) -> Vec<(i64, Purchases)> {
        s.conn.execute_batch("SAVEPOINT check_recount").unwrap();
        rebuild(&s.conn).unwrap();
        let fresh = rows(s);
        s.conn
            .execute_batch("ROLLBACK TO check_recount; RELEASE check_recount")
            .unwrap();
        fresh
    }

    #[test]
    fn the_triggers_keep_each_customers_purchases() {
        let mut s = store();
        let acme = customer(&mut s, "Acme");
        let globex = customer(&mut s, "Globex");
        let a1 = won(&mut s, acme, "1000", "USD", day(2026, 3, 1));
        won(&mut s, acme, "250.50", "USD", day(2026, 9, 15));
        let eur = won(&mut s, acme, "400", "EUR", day(2026, 10, 1));
        won(&mut s, globex, "99", "USD", day(2025, 1, 2));
        let p = |s: &Store, id| s.purchases_of(id).unwrap();
        assert_eq!(
            p(&s, acme),
            Some(Purchases {
                won_deals: 3,
                counted_deals: 2,
                revenue_minor: 125_050,
                first_purchase: day(2026, 3, 1),
                last_purchase: day(2026, 10, 1),
            }),
            "the EUR deal is counted as won, not added to USD revenue"
        );
        assert_eq!(rows(&s), recounted(&s));
        // Reopening a won deal takes it out; the first purchase moves.
        s.write(|w| w.move_deal(a1, "proposal")).unwrap();
        let after = p(&s, acme).unwrap();
        assert_eq!((after.won_deals, after.revenue_minor), (2, 25_050));
        assert_eq!(after.first_purchase, day(2026, 9, 15));
        assert_eq!(rows(&s), recounted(&s));
        // Lost instead of won: gone from the sums too.
        s.write(|w| w.mark_deal_lost(eur, "price", day(2026, 10, 2)))
            .unwrap();
        assert_eq!(p(&s, acme).unwrap().won_deals, 1);
        // A merge moves the purchases to the customer kept.
        s.merge_customers(globex, acme).unwrap();
        assert_eq!(p(&s, acme), None);
        let merged = p(&s, globex).unwrap();
        assert_eq!((merged.won_deals, merged.revenue_minor), (2, 34_950));
        assert_eq!(rows(&s), recounted(&s));
        // Deleting the customer deletes its row.
        s.delete_customer(globex).unwrap();
        assert!(rows(&s).is_empty());
        assert_eq!(recounted(&s), vec![]);
    }

    #[test]
    fn scores_and_segments_come_from_the_bases_quintiles() {
        let mut s = store();
        // Ten customers: customer i bought i times, for 100 each, last in month i + 1.
        let mut ids = Vec::new();
        for i in 1..=10u32 {
            let id = customer(&mut s, &format!("Customer {i:02}"));
            for k in 0..i {
                won(&mut s, id, "100", "USD", day(2025, i + 1, 1 + k));
            }
            ids.push(id);
        }
        let base = s.value_base(day(2026, 11, 23)).unwrap();
        assert_eq!(base.customers, 10);
        let cuts = base.cuts.unwrap();
        assert_eq!(cuts.frequency.cuts, [2, 4, 6, 8]);
        assert_eq!(cuts.frequency.tie_scores, [1, 2, 3, 4]);
        assert_eq!(cuts.monetary.cuts, [20_000.0, 40_000.0, 60_000.0, 80_000.0]);
        assert_eq!(cuts.recency.cuts[0], day(2025, 3, 2));
        // Everyone's first purchase is over a year old, and nobody bought since.
        assert_eq!((base.retention_base, base.retention_kept), (10, 0));
        let totals = s.segment_totals(&base).unwrap();
        let count = |seg: Segment| totals.iter().find(|t| t.segment == seg).unwrap().customers;
        assert_eq!(
            count(Segment::Champions),
            4,
            "R, F, M ≥ 4 for customers 7-10"
        );
        assert_eq!(count(Segment::Potential), 2, "customers 5 and 6: 3 3 3");
        assert_eq!(count(Segment::Hibernating), 2, "customers 3 and 4: 2 2 2");
        assert_eq!(count(Segment::Lost), 2, "customers 1 and 2: 1 1 1");
        assert_eq!(totals.iter().map(|t| t.customers).sum::<i64>(), 10);
        let revenue: i128 = totals.iter().map(|t| t.revenue_minor).sum();
        assert_eq!(revenue, (1..=10).map(|i| i * 10_000).sum::<i128>());
        // The SQL scores equal the domain's, customer by customer.
        for (id, p) in s.top_purchasers(&base, None, 100).unwrap() {
            let rfm = cuts.score(&p);
            let listed = s
                .top_purchasers(&base, Some(Segment::of(rfm)), 100)
                .unwrap();
            assert!(listed.iter().any(|(i, _)| *i == id), "{id} {rfm}");
        }
        let champions = s
            .top_purchasers(&base, Some(Segment::Champions), 2)
            .unwrap();
        let champion_ids: Vec<i64> = champions.iter().map(|(id, _)| *id).collect();
        assert_eq!(champion_ids, [ids[9], ids[8]], "most revenue first");
        assert!(
            s.top_purchasers(&base, Some(Segment::New), 10)
                .unwrap()
                .is_empty()
        );
        // The customer list filters by the same segments.
        let listed = s
            .customer_ids(&crate::store::CustomerFilter {
                segment: Some(Segment::Lost),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(listed, [ids[0], ids[1]]);
    }

    #[test]
    fn tied_values_score_alike_in_sql_as_in_the_domain() {
        let mut s = store();
        // Six customers bought once on the same day, one twice, one three times.
        for i in 0..8u32 {
            let id = customer(&mut s, &format!("T{i}"));
            let times = match i {
                6 => 2,
                7 => 3,
                _ => 1,
            };
            for _ in 0..times {
                won(&mut s, id, "50", "USD", day(2026, 5, 5));
            }
        }
        let base = s.value_base(day(2026, 11, 23)).unwrap();
        let cuts = base.cuts.unwrap();
        let mut deals: Vec<i64> = vec![1, 1, 1, 1, 1, 1, 2, 3];
        deals.sort();
        assert_eq!(
            cuts.frequency,
            crate::domain::value::Quintiles::from_sorted(&deals).unwrap()
        );
        for (id, p) in s.top_purchasers(&base, None, 100).unwrap() {
            let seg = Segment::of(cuts.score(&p));
            let listed = s.top_purchasers(&base, Some(seg), 100).unwrap();
            assert!(listed.iter().any(|(i, _)| *i == id), "{id} {seg}");
        }
    }

    #[test]
    fn an_empty_base_has_no_cuts() {
        let s = store();
        let base = s.value_base(day(2026, 11, 23)).unwrap();
        assert_eq!((base.customers, base.cuts), (0, None));
        assert!(
            s.segment_totals(&base)
                .unwrap()
                .iter()
                .all(|t| t.customers == 0)
        );
        assert!(
            s.top_purchasers(&base, Some(Segment::Lost), 5)
                .unwrap()
                .is_empty()
        );
    }
}
