//! The figures behind every measure of the KPI catalogue, over consecutive windows at
//! once (the current period, or the 12 of a trend): one SQL statement per source,
//! grouped by the window each row falls in, so the database sums and counts and Rust
//! only adds up a few dozen grouped rows. A row's window is its position among the
//! windows' boundaries (`(t >= b0) + (t >= b1) + …`), which needs no table of windows.
//!
//! Filters narrow every source alike: a tag or source to the records of customers
//! with it, an operator to what it owns (deals, customers, follow-ups) or logged
//! (interactions), a stage to open deals in it. Without a tag or source filter, closed
//! deals and the current open pipeline are read from the maintained deal totals
//! (schema 9), interactions per operator from the activity by quarter hour (schema
//! 14), and new customers, satisfaction scores and follow-ups (due, on time, overdue
//! at a window's end) from the KPI figures by quarter hour (schema 18,
//! `store::kpi_slots`), exactly as the built-in KPIs are.

use super::db::{Db, Row};
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use rusqlite::types::Value;

use super::custom_kpis::REACHED_STAGE;
use super::sums::join_sum;
use super::{Result, Store, StoreError};
use crate::domain::Currency;
use crate::domain::kpi::KpiWindow;
use crate::domain::kpi_measure::{CustomKpi, Source, Tallies};
use crate::domain::retention::CHURN_MONTHS;

/// What one measure's figures are narrowed to: the report's operator (an agent's
/// own) and a defined KPI's filter, resolved to ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MeasureScope {
    pub report_operator: Option<i64>,
    pub operator: Option<i64>,
    pub tag: Option<String>,
    pub source: Option<String>,
    pub stage_id: Option<i64>,
}

impl MeasureScope {
    /// The scope of `kpi` (a built-in KPI when `None`) in a report of `report_operator`'s.
    pub fn of(kpi: Option<&CustomKpi>, report_operator: Option<i64>) -> Self {
        Self {
            report_operator,
            operator: kpi.and_then(|k| k.operator_id),
            tag: kpi.and_then(|k| k.filter.tag.clone()),
            source: kpi.and_then(|k| k.filter.source.clone()),
            stage_id: kpi.and_then(|k| k.stage_id),
        }
    }

    /// Whether a filter needs the customers of the records measured.
    fn by_customer(&self) -> bool {
        self.tag.is_some() || self.source.is_some()
    }
}

/// Named parameters, bound only where a statement uses them.
type Binds = Vec<(&'static str, Value)>;

/// Runs `sql` with the `binds` it names, handing each row to `f`.
fn each_row(
    c: &Db,
    sql: &str,
    binds: &Binds,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
) -> Result<()> {
    c.prepare_cached(sql)?.for_each_named(binds, f)
}

/// `CAST((x >= 'b0') AS INTEGER) + …` over day boundaries: how many of them `x` is on
/// or after, NULL when `x` is (PostgreSQL adds no booleans, so each test is cast).
/// The boundaries are dates Rust wrote, never input.
fn pos_days(x: &str, bounds: &[NaiveDate]) -> String {
    let terms: Vec<String> = bounds
        .iter()
        .map(|b| format!("CAST(({x} >= '{}') AS INTEGER)", b.format("%Y-%m-%d")))
        .collect();
    format!("({})", terms.join(" + "))
}

/// [`pos_days`] over instants (unix seconds); `strict` counts boundaries before `x`
/// only.
fn pos_secs(x: &str, bounds: &[i64], strict: bool) -> String {
    let op = if strict { ">" } else { ">=" };
    let terms: Vec<String> = bounds
        .iter()
        .map(|b| format!("CAST(({x} {op} {b}) AS INTEGER)"))
        .collect();
    format!("({})", terms.join(" + "))
}

/// ` AND col = :rop AND col = :op`: the report's operator and the KPI's.
fn owner_sql(col: &str, scope: &MeasureScope) -> String {
    let mut sql = String::new();
    if scope.report_operator.is_some() {
        sql.push_str(&format!(" AND {col} = :rop"));
    }
    if scope.operator.is_some() {
        sql.push_str(&format!(" AND {col} = :op"));
    }
    sql
}

/// Only records of customers with the tag and source asked for; `col` holds the
/// customer's id.
fn customer_sql(col: &str, scope: &MeasureScope) -> String {
    let mut sql = String::new();
    if scope.tag.is_some() {
        sql.push_str(&format!(
            " AND {col} IN (SELECT customer_id FROM customer_tags WHERE tag = :tag)"
        ));
    }
    if scope.source.is_some() {
        sql.push_str(&format!(
            " AND {col} IN (SELECT id FROM customers WHERE lower(source) = lower(:src))"
        ));
    }
    sql
}

/// Only records of customers `scope`'s operators own (customer measures go by the
/// customer's owner); `col` holds the customer's id.
fn customer_owner_sql(col: &str, scope: &MeasureScope) -> String {
    let mut sql = customer_sql(col, scope);
    if scope.report_operator.is_some() {
        sql.push_str(&format!(
            " AND {col} IN (SELECT id FROM customers WHERE owner_id = :rop)"
        ));
    }
    if scope.operator.is_some() {
        sql.push_str(&format!(
            " AND {col} IN (SELECT id FROM customers WHERE owner_id = :op)"
        ));
    }
    sql
}

/// A window's bucket from its 1-based position, when it is one of the `n`.
fn bucket(pos: i64, n: usize) -> Option<usize> {
    usize::try_from(pos - 1).ok().filter(|k| *k < n)
}

/// The split sum in columns `at` and `at + 1` (see `store::sums`).
fn sum_at(r: &Row<'_>, at: usize) -> rusqlite::Result<i128> {
    Ok(join_sum(
        r.get::<_, Option<i64>>(at)?.unwrap_or(0),
        r.get::<_, Option<i64>>(at + 1)?.unwrap_or(0),
    ))
}

/// An amount as the deal totals split it: `sum(x / 10^9), sum(x % 10^9)`, filtered.
fn split_sum(x: &str, filter: &str) -> String {
    format!(
        "coalesce(sum({x} / 1000000000) FILTER (WHERE {filter}), 0),
         coalesce(sum({x} % 1000000000) FILTER (WHERE {filter}), 0)"
    )
}

/// Weighted by `p` percent, rounded down to a minor unit as the deal totals are.
fn weighted(amount: &str, p: &str) -> String {
    format!("(({amount} / 100) * {p} + ({amount} % 100) * {p} / 100)")
}

struct Plan<'a> {
    windows: &'a [KpiWindow],
    n: usize,
    first_days: Vec<NaiveDate>,
    end_days: Vec<NaiveDate>,
    froms: Vec<i64>,
    tos: Vec<i64>,
    now: DateTime<Utc>,
    binds: Binds,
    /// Whether figures `kpi_slots` holds are read from it (see [`Plan::slots`]).
    use_slots: bool,
}

impl<'a> Plan<'a> {
    fn new(
        windows: &'a [KpiWindow],
        scope: &MeasureScope,
        now: DateTime<Utc>,
        currency: Currency,
    ) -> Result<Self> {
        let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
            return Err(StoreError::invalid("period", "no period to measure"));
        };
        if windows.windows(2).any(|w| w[0].to != w[1].from) {
            return Err(StoreError::invalid(
                "period",
                "the periods of a trend follow each other",
            ));
        }
        let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        let int = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
        let day = |d: NaiveDate| Value::Text(d.format("%Y-%m-%d").to_string());
        let binds: Binds = vec![
            (":cur", Value::Text(currency.code().to_string())),
            (":rop", int(scope.report_operator)),
            (":op", int(scope.operator)),
            (":tag", text(&scope.tag)),
            (":src", text(&scope.source)),
            (":stage", int(scope.stage_id)),
            (":now", Value::Integer(now.timestamp())),
            (":today", day(now.date_naive())),
            (":lo_day", day(first.first_day)),
            (":hi_day", day(last.end_day)),
            (":lo", Value::Integer(first.from.timestamp())),
            (":hi", Value::Integer(last.to.timestamp())),
        ];
        Ok(Self {
            windows,
            n: windows.len(),
            first_days: windows.iter().map(|w| w.first_day).collect(),
            end_days: windows.iter().map(|w| w.end_day).collect(),
            froms: windows.iter().map(|w| w.from.timestamp()).collect(),
            tos: windows.iter().map(|w| w.to.timestamp()).collect(),
            now,
            binds,
            use_slots: true,
        })
    }

    fn with(&self, extra: Binds) -> Binds {
        let mut b = self.binds.clone();
        b.extend(extra);
        b
    }
}

impl Store {
    /// What `source` counts over each of `windows` (consecutive, oldest first) for
    /// `scope`, in one snapshot; see [`Tallies`] for the fields each source fills.
    /// Only managers and admins measure another operator's records or the team's.
    pub fn tallies(
        &self,
        source: Source,
        scope: &MeasureScope,
        windows: &[KpiWindow],
        now: DateTime<Utc>,
        currency: Currency,
    ) -> Result<Vec<Tallies>> {
        self.require_kpis_of(scope.report_operator)?;
        self.read(|c| measure(c, source, scope, windows, now, currency))
    }
}

/// [`Store::tallies`] in a snapshot the caller holds (access already checked).
pub(super) fn measure(
    c: &Db,
    source: Source,
    scope: &MeasureScope,
    windows: &[KpiWindow],
    now: DateTime<Utc>,
    currency: Currency,
) -> Result<Vec<Tallies>> {
    measure_with(c, source, scope, windows, now, currency, true)
}

/// [`measure`] from the records themselves, never from `kpi_slots`: what the slots
/// must always agree with.
#[cfg(test)]
pub(super) fn measure_from_records(
    c: &Db,
    source: Source,
    scope: &MeasureScope,
    windows: &[KpiWindow],
    now: DateTime<Utc>,
    currency: Currency,
) -> Result<Vec<Tallies>> {
    measure_with(c, source, scope, windows, now, currency, false)
}

fn measure_with(
    c: &Db,
    source: Source,
    scope: &MeasureScope,
    windows: &[KpiWindow],
    now: DateTime<Utc>,
    currency: Currency,
    use_slots: bool,
) -> Result<Vec<Tallies>> {
    let mut plan = Plan::new(windows, scope, now, currency)?;
    plan.use_slots = use_slots;
    let mut out = vec![Tallies::default(); plan.n];
    match source {
        Source::ClosedDeals => closed_deals(c, &plan, scope, &mut out),
        Source::Profit => profit(c, &plan, scope, &mut out),
        Source::OpenDeals => open_deals(c, &plan, scope, &mut out),
        Source::Purchases => purchases(c, &plan, scope, &mut out),
        Source::NewCustomers => new_customers(c, &plan, scope, &mut out),
        Source::Scores => scores(c, &plan, scope, &mut out),
        Source::Nps => nps(c, &plan, scope, &mut out),
        Source::Activity => activity(c, &plan, scope, &mut out),
        Source::OnTime => on_time(c, &plan, scope, &mut out),
        Source::Overdue => overdue(c, &plan, scope, &mut out),
    }?;
    Ok(out)
}

/// The windows' boundaries as quarter hours of `kpi_slots` (schema 18).
struct Slots {
    froms: Vec<i64>,
    tos: Vec<i64>,
}

impl Slots {
    fn binds(&self, p: &Plan<'_>, hi: i64) -> Binds {
        p.with(vec![
            (":lo_slot", Value::Integer(self.froms[0])),
            (":hi_slot", Value::Integer(hi)),
        ])
    }

    fn hi(&self) -> i64 {
        self.tos[self.tos.len() - 1]
    }
}

impl Plan<'_> {
    /// The windows in quarter hours, when the maintained slots can answer for
    /// `scope`: no filter by the customer's tag or source (the slots do not know
    /// them), and every boundary on a quarter hour after 1970. Local midnights are on
    /// one wherever today's offsets apply; a boundary that is not (Liberia's -0:44:30
    /// until 1972, local mean time before standard time) reads the records. A slot of
    /// an instant before 1970 is rounded towards 0, so it lies before every such
    /// boundary all the same.
    fn slots(&self, scope: &MeasureScope) -> Option<Slots> {
        let on_slot = |t: &i64| *t > 0 && t % 900 == 0;
        let aligned = self.froms.iter().all(on_slot) && self.tos.iter().all(on_slot);
        (self.use_slots && aligned && !scope.by_customer()).then(|| Slots {
            froms: self.froms.iter().map(|t| t / 900).collect(),
            tos: self.tos.iter().map(|t| t / 900).collect(),
        })
    }
}

/// A won deal's amount in the reporting currency, converted at its close day's rate
/// (NULL without one).
fn won_amount(amount: &str, currency: &str, day: &str) -> String {
    super::exchange::converted_sql(amount, currency, day, ":cur")
}

fn closed_deals(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let sql = if scope.by_customer() {
        let conv = won_amount("d.amount_minor", "d.currency", "d.closed_on");
        format!(
            "SELECT {pos},
                count(*) FILTER (WHERE s.outcome = 'won'),
                count(*) FILTER (WHERE s.outcome = 'lost'),
                {revenue},
                count(*) FILTER (WHERE s.outcome = 'won' AND {conv} IS NULL),
                coalesce(sum(CAST(julianday(d.closed_on) - julianday(date(d.created_at, 'unixepoch')) AS INTEGER))
                    FILTER (WHERE s.outcome = 'won'), 0)
             FROM deals d JOIN stages s ON s.id = d.stage_id
             WHERE s.outcome IN ('won', 'lost') AND d.closed_on >= :lo_day AND d.closed_on < :hi_day{owner}{customer}
             GROUP BY 1",
            pos = pos_days("d.closed_on", &p.first_days),
            revenue = split_sum(&conv, "s.outcome = 'won'"),
            owner = owner_sql("d.owner_id", scope),
            customer = customer_sql("d.customer_id", scope),
        )
    } else {
        // The maintained totals: a row per stage, close day, currency and owner.
        let conv = won_amount(
            "(t.amount_hi * 1000000000 + t.amount_lo)",
            "t.currency",
            "t.closed_on",
        );
        format!(
            "SELECT {pos},
                coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won'), 0),
                coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'lost'), 0),
                coalesce(sum(t.amount_hi) FILTER (WHERE s.outcome = 'won' AND t.currency = :cur), 0)
                  + coalesce(sum({conv} / 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> :cur), 0),
                coalesce(sum(t.amount_lo) FILTER (WHERE s.outcome = 'won' AND t.currency = :cur), 0)
                  + coalesce(sum({conv} % 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> :cur), 0),
                coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won' AND t.currency <> :cur AND {conv} IS NULL), 0),
                coalesce(sum(t.cycle_days) FILTER (WHERE s.outcome = 'won'), 0)
             FROM deal_totals t JOIN stages s ON s.id = t.stage_id
             WHERE s.outcome IN ('won', 'lost') AND t.closed_on >= :lo_day AND t.closed_on < :hi_day{owner}
             GROUP BY 1",
            pos = pos_days("t.closed_on", &p.first_days),
            owner = owner_sql("t.owner_id", scope),
        )
    };
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            let t = &mut out[k];
            t.won = r.get(1)?;
            t.lost = r.get(2)?;
            t.revenue = sum_at(r, 3)?;
            t.revenue_left_out = r.get(5)?;
            t.cycle_days = r.get(6)?;
        }
        Ok(())
    })
}

fn profit(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let conv = won_amount(
        "(d.amount_minor - d.cost_minor)",
        "d.currency",
        "d.closed_on",
    );
    let sql = format!(
        "SELECT {pos}, {profit}, count(*) FILTER (WHERE {conv} IS NULL)
         FROM deals d JOIN stages s ON s.id = d.stage_id
         WHERE s.outcome = 'won' AND d.closed_on >= :lo_day AND d.closed_on < :hi_day{owner}{customer}
         GROUP BY 1",
        pos = pos_days("d.closed_on", &p.first_days),
        profit = split_sum(&conv, &format!("{conv} IS NOT NULL")),
        owner = owner_sql("d.owner_id", scope),
        customer = customer_sql("d.customer_id", scope),
    );
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].profit = sum_at(r, 1)?;
            out[k].profit_left_out = r.get(3)?;
        }
        Ok(())
    })
}

/// Open deals now (the windows that end after now) and at the end of each earlier
/// window. Rapport keeps no history of amounts, stages or probabilities, so an
/// earlier window counts the deals created before its end and not closed by then,
/// with their amounts as they are now: a deal still open at its own probability, one
/// closed since at the default probability of the furthest open stage it reached (and
/// a stage filter matches that stage).
fn open_deals(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let now = p.now.timestamp();
    let current: Vec<usize> = (0..p.n).filter(|&k| p.tos[k] > now).collect();
    if !current.is_empty() {
        let stage = if scope.stage_id.is_some() {
            " AND stage_id = :stage"
        } else {
            ""
        };
        let sql = if scope.by_customer() {
            format!(
                "SELECT {amount}, {weighted}, count(*) FILTER (WHERE d.currency <> :cur)
                 FROM deals d
                 WHERE d.stage_id IN (SELECT id FROM stages WHERE outcome = 'open') AND d.closed_on IS NULL
                   {stage_d}{owner}{customer}",
                amount = split_sum("d.amount_minor", "d.currency = :cur"),
                weighted = split_sum(&weighted("d.amount_minor", "d.probability"), "d.currency = :cur"),
                stage_d = stage.replace("stage_id", "d.stage_id"),
                owner = owner_sql("d.owner_id", scope),
                customer = customer_sql("d.customer_id", scope),
            )
        } else {
            format!(
                "SELECT coalesce(sum(t.amount_hi) FILTER (WHERE t.currency = :cur), 0),
                        coalesce(sum(t.amount_lo) FILTER (WHERE t.currency = :cur), 0),
                        coalesce(sum(t.weighted_hi) FILTER (WHERE t.currency = :cur), 0),
                        coalesce(sum(t.weighted_lo) FILTER (WHERE t.currency = :cur), 0),
                        coalesce(sum(t.deals) FILTER (WHERE t.currency <> :cur), 0)
                 FROM deal_totals t JOIN stages s ON s.id = t.stage_id
                 WHERE s.outcome = 'open' AND t.closed_on = ''{stage_t}{owner}",
                stage_t = stage.replace("stage_id", "t.stage_id"),
                owner = owner_sql("t.owner_id", scope),
            )
        };
        each_row(c, &sql, &p.binds, |r| {
            let (amount, weighted, left_out) = (sum_at(r, 0)?, sum_at(r, 2)?, r.get(4)?);
            for &k in &current {
                out[k].open_amount = amount;
                out[k].open_weighted = weighted;
                out[k].open_left_out = left_out;
            }
            Ok(())
        })?;
    }
    let past: Vec<usize> = (0..p.n).filter(|&k| p.tos[k] <= now).collect();
    let (Some(&first), Some(&last)) = (past.first(), past.last()) else {
        return Ok(());
    };
    let weight = format!(
        "CASE WHEN d.closed_on IS NULL THEN d.probability
              ELSE (SELECT s.probability FROM stages s WHERE s.id = {REACHED_STAGE}) END"
    );
    let stage = if scope.stage_id.is_some() {
        format!(
            " AND (CASE WHEN d.closed_on IS NULL THEN d.stage_id ELSE {REACHED_STAGE} END) = :stage"
        )
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {created}, coalesce({closed}, {n}), d.currency = :cur, count(*),
                {amount}, {weighted}
         FROM deals d
         WHERE d.created_at < :last_to AND (d.closed_on IS NULL OR d.closed_on >= :first_end)
           AND (d.closed_on IS NOT NULL OR d.stage_id IN (SELECT id FROM stages WHERE outcome = 'open'))
           {stage}{owner}{customer}
         GROUP BY 1, 2, 3",
        created = pos_secs("d.created_at", &p.tos, false),
        closed = pos_days("d.closed_on", &p.end_days),
        n = p.n,
        amount = split_sum("d.amount_minor", "d.currency = :cur"),
        weighted = split_sum(&weighted("d.amount_minor", &format!("({weight})")), "d.currency = :cur"),
        owner = owner_sql("d.owner_id", scope),
        customer = customer_sql("d.customer_id", scope),
    );
    let binds = p.with(vec![
        (":last_to", Value::Integer(p.tos[last])),
        (
            ":first_end",
            Value::Text(p.end_days[first].format("%Y-%m-%d").to_string()),
        ),
    ]);
    each_row(c, &sql, &binds, |r| {
        // Open at the end of window k: created before it (position ≤ k) and closed
        // after it (position > k).
        let (created, closed): (i64, i64) = (r.get(0)?, r.get(1)?);
        let same_currency: bool = r.get(2)?;
        let (deals, amount, weighted): (i64, i128, i128) =
            (r.get(3)?, sum_at(r, 4)?, sum_at(r, 6)?);
        for &k in &past {
            let k64 = k as i64;
            if created <= k64 && k64 < closed {
                if same_currency {
                    out[k].open_amount += amount;
                    out[k].open_weighted += weighted;
                } else {
                    out[k].open_left_out += deals;
                }
            }
        }
        Ok(())
    })
}

/// Customers' purchases: each won deal with the customer's purchase before and after
/// it. A customer is active from a purchase until [`CHURN_MONTHS`] months have passed
/// without another; it churns the day they have (counted unless that day is still to
/// come). Active at a window's start: a purchase in the 12 months before it.
fn purchases(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let lo12 = p.first_days[0]
        .checked_sub_months(Months::new(CHURN_MONTHS))
        .ok_or_else(|| StoreError::invalid("period", "too far back"))?;
    let tomorrow = p
        .now
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    let pos = |x: &str| pos_days(x, &p.first_days);
    let sql = format!(
        "WITH p AS MATERIALIZED (
            SELECT d.customer_id AS c, d.closed_on AS day,
                (SELECT max(e.closed_on) FROM deals e WHERE e.stage_id = d.stage_id AND e.customer_id = d.customer_id
                   AND (e.closed_on < d.closed_on OR (e.closed_on = d.closed_on AND e.id < d.id))) AS prev,
                (SELECT min(e.closed_on) FROM deals e WHERE e.stage_id = d.stage_id AND e.customer_id = d.customer_id
                   AND (e.closed_on > d.closed_on OR (e.closed_on = d.closed_on AND e.id > d.id))) AS next,
                date(d.closed_on, '+{CHURN_MONTHS} months') AS churn
            FROM deals d
            WHERE d.stage_id IN (SELECT id FROM stages WHERE outcome = 'won')
              AND d.closed_on >= :lo12 AND d.closed_on < :hi_day{customer})
         SELECT 0, {pos_day}, 0, count(DISTINCT c), count(DISTINCT c) FILTER (WHERE prev IS NOT NULL)
         FROM p WHERE day >= :lo_day GROUP BY 2
         UNION ALL
         SELECT 1, {pos_day}, {pos_end}, count(*), 0 FROM p GROUP BY 2, 3
         UNION ALL
         SELECT 2, {pos_day}, {pos_churn}, count(*), 0 FROM p
         WHERE (next IS NULL OR next > churn) AND churn < :tomorrow AND churn >= :lo_day AND churn < :hi_day
         GROUP BY 2, 3",
        customer = customer_owner_sql("d.customer_id", scope),
        pos_day = pos("day"),
        pos_end = pos("CASE WHEN next IS NOT NULL AND next < churn THEN next ELSE churn END"),
        pos_churn = pos("churn"),
    );
    let binds = p.with(vec![
        (":lo12", Value::Text(lo12.format("%Y-%m-%d").to_string())),
        (
            ":tomorrow",
            Value::Text(tomorrow.format("%Y-%m-%d").to_string()),
        ),
    ]);
    each_row(c, &sql, &binds, |r| {
        let (part, a, b, n): (i64, i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        match part {
            // Buyers in the window of position `a`.
            0 => {
                if let Some(k) = bucket(a, p.n) {
                    out[k].buyers = n;
                    out[k].repeat_buyers = r.get(4)?;
                }
            }
            // A customer's last purchase before window k's start, still within 12
            // months of it: bought before it (a ≤ k), active until after it starts (b > k).
            1 => {
                for (k, t) in out.iter_mut().enumerate() {
                    if a <= k as i64 && (k as i64) < b {
                        t.active_at_start += n;
                    }
                }
            }
            // Churned in the window of position `b`; of a customer active at its
            // start when the purchase was before it.
            _ => {
                if let Some(k) = bucket(b, p.n) {
                    out[k].churned += n;
                    if a <= k as i64 {
                        out[k].churned_of_active += n;
                    }
                }
            }
        }
        Ok(())
    })
}

fn new_customers(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    if let Some(s) = p.slots(scope) {
        let sql = format!(
            "SELECT {pos}, sum(customers) FROM kpi_slots
             WHERE slot >= :lo_slot AND slot < :hi_slot AND customers > 0{owner} GROUP BY 1",
            pos = pos_secs("slot", &s.froms, false),
            owner = owner_sql("operator_id", scope),
        );
        return each_row(c, &sql, &s.binds(p, s.hi()), |r| {
            if let Some(k) = bucket(r.get(0)?, p.n) {
                out[k].new_customers = r.get(1)?;
            }
            Ok(())
        });
    }
    let mut filter = owner_sql("c.owner_id", scope);
    if scope.tag.is_some() {
        filter.push_str(" AND c.id IN (SELECT customer_id FROM customer_tags WHERE tag = :tag)");
    }
    if scope.source.is_some() {
        filter.push_str(" AND lower(c.source) = lower(:src)");
    }
    let sql = format!(
        "SELECT {pos}, count(*) FROM customers c
         WHERE c.created_at >= :lo AND c.created_at < :hi{filter} GROUP BY 1",
        pos = pos_secs("c.created_at", &p.froms, false),
    );
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].new_customers = r.get(1)?;
        }
        Ok(())
    })
}

fn scores(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    if let Some(s) = p.slots(scope) {
        let sql = format!(
            "SELECT {pos}, sum(scores), sum(score_total), sum(satisfied) FROM kpi_slots
             WHERE slot >= :lo_slot AND slot < :hi_slot AND scores > 0{owner} GROUP BY 1",
            pos = pos_secs("slot", &s.froms, false),
            owner = owner_sql("operator_id", scope),
        );
        return each_row(c, &sql, &s.binds(p, s.hi()), |r| {
            if let Some(k) = bucket(r.get(0)?, p.n) {
                out[k].scores = r.get(1)?;
                out[k].score_total = r.get(2)?;
                out[k].satisfied = r.get(3)?;
            }
            Ok(())
        });
    }
    let sql = format!(
        "SELECT {pos}, count(*), coalesce(sum(i.satisfaction), 0), count(*) FILTER (WHERE i.satisfaction >= 4)
         FROM interactions i
         WHERE i.satisfaction IS NOT NULL AND i.occurred_at >= :lo AND i.occurred_at < :hi{owner}{customer}
         GROUP BY 1",
        pos = pos_secs("i.occurred_at", &p.froms, false),
        owner = owner_sql("i.operator_id", scope),
        customer = customer_sql("i.customer_id", scope),
    );
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].scores = r.get(1)?;
            out[k].score_total = r.get(2)?;
            out[k].satisfied = r.get(3)?;
        }
        Ok(())
    })
}

fn nps(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let pos = pos_secs("i.occurred_at", &p.froms, false);
    let sql = format!(
        "SELECT b, count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6), count(*)
         FROM (SELECT {pos} AS b, i.nps,
                      row_number() OVER (PARTITION BY {pos}, i.customer_id ORDER BY i.occurred_at DESC, i.id DESC) AS latest
               FROM interactions i
               WHERE i.nps IS NOT NULL AND i.occurred_at >= :lo AND i.occurred_at < :hi{owner}{customer}) AS n
         WHERE latest = 1 GROUP BY b",
        owner = owner_sql("i.operator_id", scope),
        customer = customer_sql("i.customer_id", scope),
    );
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].promoters = r.get(1)?;
            out[k].detractors = r.get(2)?;
            out[k].nps_answers = r.get(3)?;
        }
        Ok(())
    })
}

/// Interactions by operators, and the operators who logged any, per window; a
/// window's days are those up to today.
fn activity(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    // Local days start on a quarter hour in every time zone, so windows are whole slots.
    let slots: Vec<i64> = p.froms.iter().map(|f| f.div_euclid(900)).collect();
    let binds = p.with(vec![
        (":lo_slot", Value::Integer(p.froms[0].div_euclid(900))),
        (":hi_slot", Value::Integer(p.tos[p.n - 1].div_euclid(900))),
    ]);
    let sql = format!(
        "SELECT {pos}, sum(calls + emails + meetings + notes + sms), count(DISTINCT operator_id)
         FROM operator_activity WHERE slot >= :lo_slot AND slot < :hi_slot{owner} GROUP BY 1",
        pos = pos_secs("slot", &slots, false),
        owner = owner_sql("operator_id", scope),
    );
    let mut operators = vec![0_i64; p.n];
    each_row(c, &sql, &binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].interactions = r.get(1)?;
            operators[k] = r.get(2)?;
        }
        Ok(())
    })?;
    if scope.by_customer() {
        let sql = format!(
            "SELECT {pos}, count(*) FROM interactions i
             WHERE i.operator_id IS NOT NULL AND i.occurred_at >= :lo AND i.occurred_at < :hi{owner}{customer}
             GROUP BY 1",
            pos = pos_secs("i.occurred_at", &p.froms, false),
            owner = owner_sql("i.operator_id", scope),
            customer = customer_sql("i.customer_id", scope),
        );
        for t in out.iter_mut() {
            t.interactions = 0;
        }
        each_row(c, &sql, &binds, |r| {
            if let Some(k) = bucket(r.get(0)?, p.n) {
                out[k].interactions = r.get(1)?;
            }
            Ok(())
        })?;
    }
    let tomorrow = p
        .now
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    for (k, w) in p.windows.iter().enumerate() {
        let days = (w.end_day.min(tomorrow) - w.first_day).num_days().max(0);
        out[k].operator_days = operators[k] * days;
    }
    Ok(())
}

fn on_time(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    if let Some(s) = p.slots(scope) {
        return on_time_from_slots(c, p, &s, scope, out);
    }
    let sql = format!(
        "SELECT {pos}, count(*), count(*) FILTER (WHERE r.done_at IS NOT NULL AND r.done_at <= r.due_at + 86400)
         FROM reminders r
         WHERE r.due_at >= :lo AND r.due_at < :hi AND r.due_at <= :now{owner}{customer}
         GROUP BY 1",
        pos = pos_secs("r.due_at", &p.froms, false),
        owner = owner_sql("r.owner_id", scope),
        customer = customer_sql("r.customer_id", scope),
    );
    each_row(c, &sql, &p.binds, |r| {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].due = r.get(1)?;
            out[k].done_on_time = r.get(2)?;
        }
        Ok(())
    })
}

/// Overdue now (windows ending after now: snoozes count, as the built-in KPI counts),
/// and at the end of each earlier window: follow-ups due before it and not done by
/// then (Rapport keeps no history of snoozes).
fn overdue(c: &Db, p: &Plan<'_>, scope: &MeasureScope, out: &mut [Tallies]) -> Result<()> {
    let owner = owner_sql("r.owner_id", scope);
    let customer = customer_sql("r.customer_id", scope);
    let now = p.now.timestamp();
    let current: Vec<usize> = (0..p.n).filter(|&k| p.tos[k] > now).collect();
    if !current.is_empty() {
        let sql = format!(
            "SELECT count(*) FROM reminders r
             WHERE r.done_at IS NULL AND coalesce(r.snoozed_until, r.due_at) < :now{owner}{customer}"
        );
        each_row(c, &sql, &p.binds, |r| {
            let n: i64 = r.get(0)?;
            for &k in &current {
                out[k].overdue = n;
            }
            Ok(())
        })?;
    }
    let past: Vec<usize> = (0..p.n).filter(|&k| p.tos[k] <= now).collect();
    let (Some(&first), Some(&last)) = (past.first(), past.last()) else {
        return Ok(());
    };
    if let Some(s) = p.slots(scope) {
        return overdue_from_slots(c, p, &s, &past, scope, out);
    }
    let sql = format!(
        "SELECT {due}, coalesce({done}, {n}), count(*) FROM reminders r
         WHERE r.due_at < :last_to AND (r.done_at IS NULL OR r.done_at > :first_to){owner}{customer}
         GROUP BY 1, 2",
        due = pos_secs("r.due_at", &p.tos, false),
        done = pos_secs("r.done_at", &p.tos, true),
        n = p.n,
    );
    let binds = p.with(vec![
        (":last_to", Value::Integer(p.tos[last])),
        (":first_to", Value::Integer(p.tos[first])),
    ]);
    each_row(c, &sql, &binds, |r| {
        // Due before window k's end (position ≤ k), not done by then (position > k).
        let (due, done, count): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        for &k in &past {
            let k64 = k as i64;
            if due <= k64 && k64 < done {
                out[k].overdue += count;
            }
        }
        Ok(())
    })
}

/// Follow-ups due in each window up to now, from the slots that end by now and the
/// follow-ups themselves in the slot now is in.
fn on_time_from_slots(
    c: &Db,
    p: &Plan<'_>,
    s: &Slots,
    scope: &MeasureScope,
    out: &mut [Tallies],
) -> Result<()> {
    // Every instant of a slot before this one is now or earlier.
    let whole = p
        .now
        .timestamp()
        .saturating_add(1)
        .div_euclid(900)
        .min(s.hi());
    let sql = format!(
        "SELECT {pos}, sum(due), sum(on_time) FROM kpi_slots
         WHERE slot >= :lo_slot AND slot < :hi_slot AND due > 0{owner} GROUP BY 1",
        pos = pos_secs("slot", &s.froms, false),
        owner = owner_sql("operator_id", scope),
    );
    let mut add = |r: &Row<'_>| -> rusqlite::Result<()> {
        if let Some(k) = bucket(r.get(0)?, p.n) {
            out[k].due += r.get::<_, i64>(1)?;
            out[k].done_on_time += r.get::<_, i64>(2)?;
        }
        Ok(())
    };
    each_row(c, &sql, &s.binds(p, whole), &mut add)?;
    let sql = format!(
        "SELECT {pos}, count(*), count(*) FILTER (WHERE r.done_at IS NOT NULL AND r.done_at <= r.due_at + 86400)
         FROM reminders r
         WHERE r.due_at >= :edge AND r.due_at >= :lo AND r.due_at < :hi AND r.due_at <= :now{owner}
         GROUP BY 1",
        pos = pos_secs("r.due_at", &p.froms, false),
        owner = owner_sql("r.owner_id", scope),
    );
    let binds = p.with(vec![(":edge", Value::Integer(whole.saturating_mul(900)))]);
    each_row(c, &sql, &binds, add)
}

/// Follow-ups overdue at the end of each of the windows `past` (those ended by now):
/// `due - settled` summed over the slots before each end (see `store::kpi_slots`).
fn overdue_from_slots(
    c: &Db,
    p: &Plan<'_>,
    s: &Slots,
    past: &[usize],
    scope: &MeasureScope,
    out: &mut [Tallies],
) -> Result<()> {
    let ends: Vec<i64> = past.iter().map(|&k| s.tos[k]).collect();
    let sql = format!(
        "SELECT {pos}, sum(due) - sum(settled) FROM kpi_slots
         WHERE slot < :hi_slot AND (due > 0 OR settled > 0){owner} GROUP BY 1",
        pos = pos_secs("slot", &ends, false),
        owner = owner_sql("operator_id", scope),
    );
    let last = ends.last().copied().unwrap_or(0);
    each_row(c, &sql, &s.binds(p, last), |r| {
        // Slots before the end of window `past[j]` for every j ≥ their position.
        let (at, net): (i64, i64) = (r.get(0)?, r.get(1)?);
        for (j, &k) in past.iter().enumerate() {
            if at <= j as i64 {
                out[k].overdue += net;
            }
        }
        Ok(())
    })
}
