//! Pipeline health in SQL (schema 17): each stage's idle limit, when a deal last had
//! an interaction logged against it (kept by triggers), and the grouped reads the
//! health report and the forecast by stage and by operator are computed from (see
//! `domain::pipeline_health` for the definitions and the arithmetic). Dates and
//! cutoffs are computed in Rust and bound; the SQL is plain (no date functions).

use chrono::NaiveDate;
use rusqlite::params;

use super::db::{Db, Row};

use super::custom_kpis::REACHED_STAGE;
use super::sql_types::{date_text, parse_date_text};
use super::sums::read_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::pipeline_health::{
    DEFAULT_IDLE_DAYS, DEFAULT_IDLE_LIMITS, ForecastRow, FunnelRow, GroupSum, LostRow,
    MAX_IDLE_DAYS, rot_cutoff,
};
use crate::domain::{Currency, Money, Stage, StageOutcome};

/// Schema 17. `stages.idle_days`: the limit (NULL: none). `deals.last_activity_at`:
/// the latest interaction logged against the deal (NULL: none), kept by the triggers
/// below. Indexes: open deals by stage and last change with what the health sums and
/// lists read (so they never touch the table), open follow-ups by customer and deal,
/// interactions by deal (for the triggers, and for deleting a deal), and deals by
/// stage and furthest stage (the funnel, from the index alone).
pub(super) const HEALTH: &str = r#"
ALTER TABLE stages ADD COLUMN idle_days INTEGER
    CHECK (idle_days IS NULL OR (typeof(idle_days) = 'integer' AND idle_days BETWEEN 1 AND 3650));
ALTER TABLE deals ADD COLUMN last_activity_at INTEGER;

CREATE INDEX interactions_deal ON interactions(deal_id, occurred_at) WHERE deal_id IS NOT NULL;
UPDATE deals SET last_activity_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
WHERE id IN (SELECT deal_id FROM interactions WHERE deal_id IS NOT NULL);

CREATE TRIGGER deals_activity_insert AFTER INSERT ON interactions WHEN NEW.deal_id IS NOT NULL
BEGIN
    UPDATE deals SET last_activity_at = max(coalesce(last_activity_at, NEW.occurred_at), NEW.occurred_at)
    WHERE id = NEW.deal_id;
END;
CREATE TRIGGER deals_activity_update AFTER UPDATE OF deal_id, occurred_at ON interactions
WHEN OLD.deal_id IS NOT NULL OR NEW.deal_id IS NOT NULL
BEGIN
    UPDATE deals SET last_activity_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
    WHERE id IN (OLD.deal_id, NEW.deal_id);
END;
CREATE TRIGGER deals_activity_delete AFTER DELETE ON interactions WHEN OLD.deal_id IS NOT NULL
BEGIN
    UPDATE deals SET last_activity_at = (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
    WHERE id = OLD.deal_id;
END;

CREATE INDEX deals_open_idle ON deals(stage_id, updated_at, last_activity_at, owner_id, currency, amount_minor, customer_id)
    WHERE closed_on IS NULL;
CREATE INDEX reminders_open_deal ON reminders(customer_id, deal_id) WHERE done_at IS NULL;
CREATE INDEX deals_funnel ON deals(stage_id, reached_stage_id, owner_id);
CREATE INDEX deals_closed_reasons ON deals(stage_id, closed_on, lost_reason, currency, amount_minor, owner_id)
    WHERE closed_on IS NOT NULL;
"#;

/// Gives the open stages their default limits (after [`HEALTH`], same transaction).
pub(super) fn install(conn: &Db) -> Result<()> {
    let mut stmt = conn.prepare(
        "UPDATE stages SET idle_days = ?2 WHERE outcome = 'open' AND (?1 IS NULL OR key = ?1)",
    )?;
    stmt.execute(params![Option::<String>::None, DEFAULT_IDLE_DAYS])?;
    for (key, days) in DEFAULT_IDLE_LIMITS {
        stmt.execute(params![key, days])?;
    }
    Ok(())
}

/// An open deal as the health lists show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HealthDeal {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer: String,
    pub stage: String,
    pub owner: Option<String>,
    pub amount: Money,
    pub expected_close: Option<NaiveDate>,
    /// Unix seconds of the last change and the last interaction against it.
    #[serde(skip)]
    pub updated_at: i64,
    #[serde(skip)]
    pub last_activity_at: Option<i64>,
}

/// The grouped figures behind a health report, read in one snapshot.
#[derive(Debug, Clone, Default)]
pub struct HealthInputs {
    pub stages: Vec<Stage>,
    /// Open deals per stage (group: stage id) and currency.
    pub open: Vec<GroupSum>,
    /// Rotting deals per stage and currency.
    pub rotting: Vec<GroupSum>,
    /// Open deals without a follow-up planned per stage and currency.
    pub unplanned: Vec<GroupSum>,
    /// The most idle rotting deals, most idle first.
    pub rotting_deals: Vec<HealthDeal>,
    /// Deals without a follow-up planned, soonest expected close first (undated last).
    pub unplanned_deals: Vec<HealthDeal>,
    pub lost: Vec<LostRow>,
    pub funnel: Vec<FunnelRow>,
}

fn currency_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Currency> {
    let code: String = r.get(at)?;
    Currency::from_code(&code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Rows of `(group, currency, deals, amount hi, amount lo)`.
fn group_sums(c: &Db, sql: &str, binds: &[&dyn rusqlite::ToSql]) -> Result<Vec<GroupSum>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(binds, |r| {
        Ok(GroupSum {
            group: r.get(0)?,
            currency: currency_at(r, 1)?,
            deals: r.get(2)?,
            minor: read_sum(r, 3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A health list: the inner query picks the `id`s (with `LIMIT`), this reads what is
/// shown of them, in `order` (the inner query's order, over `d`).
fn health_deals(
    c: &Db,
    inner: &str,
    order: &str,
    binds: &[&dyn rusqlite::ToSql],
) -> Result<Vec<HealthDeal>> {
    let sql = format!(
        "SELECT d.id, d.title, d.customer_id, c.name, s.key, o.login, d.amount_minor, d.currency,
                d.expected_close, d.updated_at, d.last_activity_at
         FROM ({inner}) pick
         JOIN deals d ON d.id = pick.id
         JOIN customers c ON c.id = d.customer_id
         JOIN stages s ON s.id = d.stage_id
         LEFT JOIN operators o ON o.id = d.owner_id
         ORDER BY {order}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(binds, |r| {
        Ok(HealthDeal {
            id: r.get(0)?,
            title: r.get(1)?,
            customer_id: r.get(2)?,
            customer: r.get(3)?,
            stage: r.get(4)?,
            owner: r.get(5)?,
            amount: Money {
                minor: r.get(6)?,
                currency: currency_at(r, 7)?,
            },
            expected_close: parse_date_text(r.get(8)?),
            updated_at: r.get(9)?,
            last_activity_at: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open deal `d` has no follow-up planned (no open follow-up on it, nor one on its
/// customer without a deal): its maintained count is 0 (schema 19). `deals_unplanned`
/// holds exactly those deals, by expected close, with every column the sums and the
/// list read.
const UNPLANNED: &str = "deals d INDEXED BY deals_unplanned";
const UNPLANNED_WHERE: &str = "d.closed_on IS NULL AND d.planned_follow_ups = 0
    AND d.stage_id IN (SELECT id FROM stages WHERE outcome = 'open')";

/// SQLite's planner takes `deals_board` for open deals of a stage (an equality on
/// `closed_on` too) and then reads each deal from the table; `deals_open_idle` holds
/// every column these reads need. `INDEXED BY` is SQLite's; other backends plan alone.
const OPEN_IDLE: &str = "deals d INDEXED BY deals_open_idle";

/// When deal `d` was last touched: changed, or an interaction logged against it
/// (SQLite's two-argument `max` is PostgreSQL's `greatest`).
const LAST_TOUCH: &str = "max(d.updated_at, coalesce(d.last_activity_at, 0))";

impl Store {
    /// What a health report is computed from, at `now` (Unix seconds): open, rotting
    /// and unplanned deals per stage, the `list` most idle rotting deals and the `list`
    /// unplanned deals expected to close soonest, deals lost on days
    /// `[first_day, end_day)` per reason, and the funnel's rows. `operator`: only the
    /// deals that operator owns; `None`: the team's (managers and admins).
    pub fn health_inputs(
        &self,
        now: i64,
        first_day: NaiveDate,
        end_day: NaiveDate,
        operator: Option<i64>,
        list: usize,
    ) -> Result<HealthInputs> {
        self.require_kpis_of(operator)?;
        self.read(|c| {
            let mut out = HealthInputs {
                stages: super::deals::load_stages(c)?,
                ..HealthInputs::default()
            };
            let split = "sum(d.amount_minor / 1000000000), sum(d.amount_minor % 1000000000)";
            out.open = group_sums(
                c,
                "SELECT t.stage_id, t.currency, sum(t.deals), sum(t.amount_hi), sum(t.amount_lo)
                 FROM deal_totals t JOIN stages s ON s.id = t.stage_id
                 WHERE s.outcome = 'open' AND t.closed_on = '' AND (?1 IS NULL OR t.owner_id = ?1)
                 GROUP BY 1, 2",
                &[&operator],
            )?;
            let limited: Vec<(i64, i64)> = out
                .stages
                .iter()
                .filter(|s| s.outcome == StageOutcome::Open)
                .filter_map(|s| s.idle_days.map(|l| (s.id, rot_cutoff(now, l))))
                .collect();
            let limit = list as i64;
            for (stage, cutoff) in &limited {
                // Read along deals_open_idle: the stage's deals changed at or before
                // the cutoff, of which those without a later interaction.
                out.rotting.extend(group_sums(
                    c,
                    &format!(
                        "SELECT d.stage_id, d.currency, count(*), {split}
                         FROM {OPEN_IDLE}
                         WHERE d.stage_id = ?1 AND d.closed_on IS NULL AND d.updated_at <= ?2
                           AND coalesce(d.last_activity_at, 0) <= ?2 AND (?3 IS NULL OR d.owner_id = ?3)
                         GROUP BY 1, 2"
                    ),
                    &[stage, cutoff, &operator],
                )?);
                let mut deals = health_deals(
                    c,
                    &format!(
                        "SELECT d.id FROM {OPEN_IDLE}
                         WHERE d.stage_id = ?1 AND d.closed_on IS NULL AND d.updated_at <= ?2
                           AND coalesce(d.last_activity_at, 0) <= ?2 AND (?3 IS NULL OR d.owner_id = ?3)
                         ORDER BY {LAST_TOUCH}, d.id LIMIT ?4"
                    ),
                    &format!("{LAST_TOUCH}, d.id"),
                    &[stage, cutoff, &operator, &limit],
                )?;
                out.rotting_deals.append(&mut deals);
            }
            out.rotting_deals.sort_by_key(|d| {
                (
                    d.last_activity_at.map_or(d.updated_at, |a| a.max(d.updated_at)),
                    d.id,
                )
            });
            out.rotting_deals.truncate(list);
            out.unplanned = group_sums(
                c,
                &format!(
                    "SELECT d.stage_id, d.currency, count(*), {split}
                     FROM {UNPLANNED}
                     WHERE {UNPLANNED_WHERE} AND (?1 IS NULL OR d.owner_id = ?1)
                     GROUP BY 1, 2"
                ),
                &[&operator],
            )?;
            // Soonest expected close first, along the index; then the undated ones.
            out.unplanned_deals = health_deals(
                c,
                &format!(
                    "SELECT d.id FROM {UNPLANNED}
                     WHERE {UNPLANNED_WHERE} AND d.expected_close IS NOT NULL
                       AND (?1 IS NULL OR d.owner_id = ?1)
                     ORDER BY d.expected_close, d.id LIMIT ?2"
                ),
                "d.expected_close, d.id",
                &[&operator, &limit],
            )?;
            let undated = list.saturating_sub(out.unplanned_deals.len()) as i64;
            if undated > 0 {
                let mut deals = health_deals(
                    c,
                    &format!(
                        "SELECT d.id FROM {UNPLANNED}
                         WHERE {UNPLANNED_WHERE} AND d.expected_close IS NULL
                           AND (?1 IS NULL OR d.owner_id = ?1)
                         ORDER BY d.id LIMIT ?2"
                    ),
                    "d.id",
                    &[&operator, &undated],
                )?;
                out.unplanned_deals.append(&mut deals);
            }
            out.lost = lost_rows(c, first_day, end_day, operator)?;
            out.funnel = funnel_rows(c, operator)?;
            Ok(out)
        })
    }

    /// Open deals by expected-close month, series (the stage id, or the owner's id, 0
    /// for none) and currency: what the forecast by stage or by operator is computed
    /// from. From the maintained deal totals (schema 9): a few hundred rows.
    pub fn forecast_rows(
        &self,
        by_operator: bool,
        operator: Option<i64>,
    ) -> Result<Vec<ForecastRow>> {
        self.require_kpis_of(operator)?;
        let series = if by_operator {
            "t.owner_id"
        } else {
            "t.stage_id"
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT t.expected_month, {series}, t.currency, sum(t.deals),
                    sum(t.amount_hi), sum(t.amount_lo), sum(t.weighted_hi), sum(t.weighted_lo)
             FROM deal_totals t JOIN stages s ON s.id = t.stage_id
             WHERE s.outcome = 'open' AND t.closed_on = '' AND (?1 IS NULL OR t.owner_id = ?1)
             GROUP BY 1, 2, 3"
        ))?;
        let rows = stmt.query_map([operator], |r| {
            let month: String = r.get(0)?;
            Ok(ForecastRow {
                month: parse_date_text(Some(format!("{month}-01"))),
                series: r.get(1)?,
                currency: currency_at(r, 2)?,
                deals: r.get(3)?,
                total_minor: read_sum(r, 4)?,
                weighted_minor: read_sum(r, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Lost deals closed on days `[first_day, end_day)` by reason, currency and day, from
/// `deals_closed_reasons` alone (the planner would take `deals_board` and the table).
fn lost_rows(
    c: &Db,
    first_day: NaiveDate,
    end_day: NaiveDate,
    operator: Option<i64>,
) -> Result<Vec<LostRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT coalesce(d.lost_reason, ''), d.currency, d.closed_on, count(*),
                sum(d.amount_minor / 1000000000), sum(d.amount_minor % 1000000000)
         FROM deals d INDEXED BY deals_closed_reasons
         WHERE d.stage_id IN (SELECT id FROM stages WHERE outcome = 'lost')
           AND d.closed_on >= ?1 AND d.closed_on < ?2 AND (?3 IS NULL OR d.owner_id = ?3)
         GROUP BY 1, 2, 3",
    )?;
    let rows = stmt.query_map(
        params![
            date_text(Some(first_day)),
            date_text(Some(end_day)),
            operator
        ],
        |r| {
            let day: Option<String> = r.get(2)?;
            Ok(LostRow {
                reason: r.get(0)?,
                currency: currency_at(r, 1)?,
                closed_on: parse_date_text(day).unwrap_or(first_day),
                deals: r.get(3)?,
                minor: read_sum(r, 4)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deals by furthest open stage (`REACHED_STAGE`) and the outcome of their stage now,
/// grouped first along `deals_funnel` so the stage subqueries run per group, not per
/// deal.
fn funnel_rows(c: &Db, operator: Option<i64>) -> Result<Vec<FunnelRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {REACHED_STAGE} AS reached, now.outcome, sum(d.n)
         FROM (SELECT stage_id, reached_stage_id, count(*) AS n FROM deals
               WHERE (?1 IS NULL OR owner_id = ?1) GROUP BY 1, 2) d
         JOIN stages now ON now.id = d.stage_id
         GROUP BY 1, 2"
    ))?;
    let rows = stmt.query_map([operator], |r| {
        Ok(FunnelRow {
            reached_stage_id: r.get::<_, Option<i64>>(0)?.unwrap_or(0),
            outcome: r.get(1)?,
            deals: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Writer<'_> {
    /// Sets stage `key`'s idle limit in days (`None`: no limit), for managers and
    /// admins; won and lost stages have none. One audit entry.
    pub fn set_stage_idle_limit(&mut self, key: &str, days: Option<u32>) -> Result<Stage> {
        self.require(Permission::SetStageLimits)?;
        let stages = super::deals::load_stages(self.conn)?;
        let wanted = key.trim();
        let stage = stages
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(wanted) || s.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let keys: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
                StoreError::invalid(
                    "stage",
                    format!("{wanted:?} is not one of: {}", keys.join(", ")),
                )
            })?;
        if stage.outcome != StageOutcome::Open {
            return Err(StoreError::invalid(
                "stage",
                format!(
                    "{:?} closes deals ({}); only open stages have an idle limit",
                    stage.key, stage.outcome
                ),
            ));
        }
        if let Some(d) = days
            && !(1..=MAX_IDLE_DAYS).contains(&d)
        {
            return Err(StoreError::invalid(
                "days",
                format!("{d} is not a number of days from 1 to {MAX_IDLE_DAYS}"),
            ));
        }
        self.conn.execute(
            "UPDATE stages SET idle_days = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![stage.id, days, self.now],
        )?;
        let shown =
            |d: Option<u32>| Some(d.map_or_else(|| "none".to_string(), |d| format!("{d} days")));
        self.audit_field(
            "stage",
            stage.id,
            None,
            "idle limit",
            shown(stage.idle_days),
            shown(days),
        )?;
        let mut after = stage.clone();
        after.idle_days = days;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::domain::{
        CustomerDraft, CustomerKind, DealDraft, Direction, InteractionDraft, InteractionKind,
        ReminderDraft,
    };

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn deal(s: &mut Store, customer: i64, stage: &str, days_ago: i64, amount: i64) -> i64 {
        let stage_id = s.stage(stage).unwrap().id;
        s.write(|w| {
            w.backdate(now() - Duration::days(days_ago));
            w.add_deal(&DealDraft {
                customer_id: customer,
                title: format!("{stage} {days_ago}"),
                amount: Money::new(amount, Currency::USD).unwrap(),
                stage_id: Some(stage_id),
                probability: None,
                expected_close: None,
                owner_id: None,
            })
        })
        .unwrap()
    }

    fn log(s: &mut Store, customer: i64, deal: Option<i64>, days_ago: i64) -> i64 {
        s.log_interaction(&InteractionDraft {
            customer_id: customer,
            deal_id: deal,
            kind: InteractionKind::Call,
            direction: Direction::Out,
            occurred_at: now() - Duration::days(days_ago),
            operator_id: None,
            summary: "Called".into(),
            outcome: None,
            satisfaction: None,
            nps: None,
        })
        .unwrap()
    }

    #[test]
    fn rotting_and_unplanned_deals_follow_changes_interactions_and_follow_ups() {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        let ada = s
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        let bob = s
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Bob"))
            .unwrap();
        let limits: Vec<(String, Option<u32>)> = s
            .stages()
            .unwrap()
            .into_iter()
            .map(|st| (st.key, st.idle_days))
            .collect();
        assert_eq!(
            limits,
            [
                ("lead".to_string(), Some(14)),
                ("qualified".to_string(), Some(21)),
                ("proposal".to_string(), Some(14)),
                ("negotiation".to_string(), Some(10)),
                ("won".to_string(), None),
                ("lost".to_string(), None),
            ]
        );
        let old = deal(&mut s, ada, "lead", 30, 10_000);
        let edge = deal(&mut s, ada, "lead", 15, 20_000); // 15 days > 14: rotting
        let fresh = deal(&mut s, bob, "lead", 14, 40_000); // 14 days: not yet
        let talked = deal(&mut s, bob, "proposal", 40, 80_000);
        let call = log(&mut s, bob, Some(talked), 3);
        log(&mut s, bob, None, 1); // with the customer, not the deal
        let t = now().timestamp();
        let lost_from = day(2026, 1, 1);
        let lost_to = day(2027, 1, 1);
        let h = s.health_inputs(t, lost_from, lost_to, None, 10).unwrap();
        let ids: Vec<i64> = h.rotting_deals.iter().map(|d| d.id).collect();
        assert_eq!(ids, [old, edge], "most idle first");
        let lead = s.stage("lead").unwrap().id;
        assert_eq!(h.rotting.len(), 1);
        assert_eq!(
            (h.rotting[0].group, h.rotting[0].deals, h.rotting[0].minor),
            (lead, 2, 30_000)
        );
        // The interaction is what keeps the old proposal fresh; deleting it makes it rot.
        s.delete_interaction(call).unwrap();
        let h = s.health_inputs(t, lost_from, lost_to, None, 10).unwrap();
        assert!(h.rotting_deals.iter().any(|d| d.id == talked));
        // No follow-up anywhere yet: all four are unplanned.
        assert_eq!(h.unplanned.iter().map(|g| g.deals).sum::<i64>(), 4);
        // A general follow-up on Ada plans both her deals; one on Bob's other deal
        // does not plan `fresh`.
        s.write(|w| {
            w.add_reminder(&ReminderDraft {
                customer_id: ada,
                deal_id: None,
                due_at: now() + Duration::days(1),
                note: "Call".into(),
                recurrence: None,
                owner_id: None,
            })
        })
        .unwrap();
        s.write(|w| {
            w.add_reminder(&ReminderDraft {
                customer_id: bob,
                deal_id: Some(talked),
                due_at: now() + Duration::days(1),
                note: "Send the proposal".into(),
                recurrence: None,
                owner_id: None,
            })
        })
        .unwrap();
        let h = s.health_inputs(t, lost_from, lost_to, None, 10).unwrap();
        let unplanned: Vec<i64> = h.unplanned_deals.iter().map(|d| d.id).collect();
        assert_eq!(unplanned, [fresh]);
        // A change to a deal makes it fresh again.
        s.write(|w| w.move_deal(old, "qualified")).unwrap();
        let h = s.health_inputs(t, lost_from, lost_to, None, 10).unwrap();
        assert!(!h.rotting_deals.iter().any(|d| d.id == old));
        assert_eq!(
            crate::domain::pipeline_health::idle_days(
                t,
                h.rotting_deals[0].updated_at,
                h.rotting_deals[0].last_activity_at
            ),
            40
        );
    }

    #[test]
    fn idle_limits_are_set_by_managers_and_audited() {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        let after = s
            .write(|w| w.set_stage_idle_limit("Proposal", Some(5)))
            .unwrap();
        assert_eq!(after.idle_days, Some(5));
        assert_eq!(s.stage("proposal").unwrap().idle_days, Some(5));
        s.write(|w| w.set_stage_idle_limit("proposal", None))
            .unwrap();
        assert_eq!(s.stage("proposal").unwrap().idle_days, None);
        let e = s
            .write(|w| w.set_stage_idle_limit("won", Some(3)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("only open stages"), "{e}");
        let e = s
            .write(|w| w.set_stage_idle_limit("lead", Some(0)))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("days:"), "{e}");
        let trail = s.audit_entries(&Default::default()).unwrap();
        let limits: Vec<String> = trail
            .iter()
            .flat_map(|e| e.changes.iter())
            .filter(|c| c.field == "idle limit")
            .map(|c| format!("{:?}->{:?}", c.old, c.new))
            .collect();
        assert_eq!(
            limits.len(),
            2,
            "one entry per change, refusals write none: {limits:?}"
        );
    }
}
