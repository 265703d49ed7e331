//! Team performance in SQL: what every operator did over a window, each figure one
//! grouped query over an index (interactions by time, deals by close day, follow-ups by
//! due time), and the per-operator quotas.

use std::collections::HashMap;

use super::db::{Db, Row};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::sql_types::date_text;
use super::sums::read_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::kpi::{KpiInputs, KpiWindow};
use crate::domain::team::{OperatorActivity, Quota};
use crate::domain::{Currency, InteractionKind, KpiFigure, Operator};

/// Per-operator targets and minimums for KPIs (schema 12). A quota goes with its
/// operator or its KPI.
pub(super) const QUOTAS: &str = r#"
CREATE TABLE operator_quotas (
    operator_id    INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    kpi            TEXT NOT NULL REFERENCES kpi_definitions(key) ON DELETE CASCADE,
    target_milli   INTEGER NOT NULL CHECK (typeof(target_milli) = 'integer'),
    minimum_milli  INTEGER NOT NULL CHECK (typeof(minimum_milli) = 'integer'),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (operator_id, kpi)
) WITHOUT ROWID;
"#;

/// Each operator's interactions per quarter hour, by kind, with the satisfaction
/// scores given in them (schema 14), kept by triggers on interactions: the Team view
/// sums a few hundred thousand of these rows for all time instead of reading millions
/// of interactions. A quarter hour, because every time zone's offset is a multiple of
/// one, so a local day starts on a slot. Also a covering index of customers by
/// creation and owner (follow-ups have theirs from schema 9).
/// Fills `operator_activity` from the interactions in one pass: the migration's
/// backfill, and what demo data does instead of the triggers, row by row.
macro_rules! activity_from_interactions {
    () => {
        "INSERT INTO operator_activity
SELECT operator_id, occurred_at / 900, count(*) FILTER (WHERE kind = 'call'),
       count(*) FILTER (WHERE kind = 'email'), count(*) FILTER (WHERE kind = 'meeting'),
       count(*) FILTER (WHERE kind = 'note'), count(*) FILTER (WHERE kind = 'sms'),
       coalesce(sum(satisfaction), 0), count(satisfaction)
FROM interactions WHERE operator_id IS NOT NULL
GROUP BY operator_id, occurred_at / 900;"
    };
}

pub(super) const ACTIVITY_FROM_INTERACTIONS: &str = activity_from_interactions!();

/// The triggers that keep `operator_activity`, by name.
pub(super) const ACTIVITY_TRIGGERS: &[&str] = &[
    "interactions_activity_insert",
    "interactions_activity_delete",
    "interactions_activity_update",
];

pub(super) const ACTIVITY: &str = concat!(
    r#"
CREATE TABLE operator_activity (
    operator_id         INTEGER NOT NULL,
    slot                INTEGER NOT NULL,
    calls               INTEGER NOT NULL,
    emails              INTEGER NOT NULL,
    meetings            INTEGER NOT NULL,
    notes               INTEGER NOT NULL,
    sms                 INTEGER NOT NULL,
    satisfaction_total  INTEGER NOT NULL,
    satisfaction_count  INTEGER NOT NULL,
    PRIMARY KEY (operator_id, slot)
) WITHOUT ROWID;
CREATE INDEX operator_activity_slot ON operator_activity(slot);

CREATE TRIGGER interactions_activity_insert AFTER INSERT ON interactions
WHEN NEW.operator_id IS NOT NULL
BEGIN
    INSERT INTO operator_activity VALUES (NEW.operator_id, NEW.occurred_at / 900,
        NEW.kind = 'call', NEW.kind = 'email', NEW.kind = 'meeting', NEW.kind = 'note', NEW.kind = 'sms',
        coalesce(NEW.satisfaction, 0), NEW.satisfaction IS NOT NULL)
    ON CONFLICT (operator_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, emails = emails + excluded.emails,
        meetings = meetings + excluded.meetings, notes = notes + excluded.notes, sms = sms + excluded.sms,
        satisfaction_total = satisfaction_total + excluded.satisfaction_total,
        satisfaction_count = satisfaction_count + excluded.satisfaction_count;
END;
CREATE TRIGGER interactions_activity_delete AFTER DELETE ON interactions
WHEN OLD.operator_id IS NOT NULL
BEGIN
    UPDATE operator_activity SET
        calls = calls - (OLD.kind = 'call'), emails = emails - (OLD.kind = 'email'),
        meetings = meetings - (OLD.kind = 'meeting'), notes = notes - (OLD.kind = 'note'),
        sms = sms - (OLD.kind = 'sms'),
        satisfaction_total = satisfaction_total - coalesce(OLD.satisfaction, 0),
        satisfaction_count = satisfaction_count - (OLD.satisfaction IS NOT NULL)
    WHERE operator_id = OLD.operator_id AND slot = OLD.occurred_at / 900;
    DELETE FROM operator_activity
    WHERE operator_id = OLD.operator_id AND slot = OLD.occurred_at / 900
      AND calls + emails + meetings + notes + sms <= 0;
END;
CREATE TRIGGER interactions_activity_update AFTER UPDATE OF occurred_at, operator_id, kind, satisfaction ON interactions
BEGIN
    UPDATE operator_activity SET
        calls = calls - (OLD.kind = 'call'), emails = emails - (OLD.kind = 'email'),
        meetings = meetings - (OLD.kind = 'meeting'), notes = notes - (OLD.kind = 'note'),
        sms = sms - (OLD.kind = 'sms'),
        satisfaction_total = satisfaction_total - coalesce(OLD.satisfaction, 0),
        satisfaction_count = satisfaction_count - (OLD.satisfaction IS NOT NULL)
    WHERE OLD.operator_id IS NOT NULL AND operator_id = OLD.operator_id AND slot = OLD.occurred_at / 900;
    DELETE FROM operator_activity
    WHERE operator_id = OLD.operator_id AND slot = OLD.occurred_at / 900
      AND calls + emails + meetings + notes + sms <= 0;
    INSERT INTO operator_activity
    SELECT NEW.operator_id, NEW.occurred_at / 900,
        NEW.kind = 'call', NEW.kind = 'email', NEW.kind = 'meeting', NEW.kind = 'note', NEW.kind = 'sms',
        coalesce(NEW.satisfaction, 0), NEW.satisfaction IS NOT NULL
    WHERE NEW.operator_id IS NOT NULL
    ON CONFLICT (operator_id, slot) DO UPDATE SET
        calls = calls + excluded.calls, emails = emails + excluded.emails,
        meetings = meetings + excluded.meetings, notes = notes + excluded.notes, sms = sms + excluded.sms,
        satisfaction_total = satisfaction_total + excluded.satisfaction_total,
        satisfaction_count = satisfaction_count + excluded.satisfaction_count;
END;

"#,
    activity_from_interactions!(),
    r#"
CREATE INDEX customers_created_owner ON customers(created_at, owner_id);
"#
);

/// The quarter hour an instant (unix seconds) falls in, as the triggers count it.
fn slot(secs: i64) -> i64 {
    secs.div_euclid(900)
}

/// Runs `sql` (parameters `params`), and for each row hands the operator id (column
/// 0) and the row to `apply`.
fn per_operator(
    c: &Db,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    mut apply: impl FnMut(i64, &Row<'_>) -> rusqlite::Result<()>,
) -> Result<()> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        let Some(id) = row.get::<_, Option<i64>>(0)? else {
            continue;
        };
        apply(id, &row)?;
    }
    Ok(())
}

impl Store {
    /// What every operator (or only `operator`) did over `window`, in one snapshot, by
    /// login. Deals, follow-ups and new customers count for their owner; interactions,
    /// and the satisfaction customers gave in them, for whoever logged them (as the
    /// KPIs count an operator's). Interactions are counted by quarter hour (see
    /// [`ACTIVITY`]). Only managers and admins see other operators'.
    pub fn team_activity(
        &self,
        window: &KpiWindow,
        now: DateTime<Utc>,
        currency: Currency,
        operator: Option<i64>,
    ) -> Result<Vec<OperatorActivity>> {
        self.require_kpis_of(operator)?;
        let (from, to, now) = (
            window.from.timestamp(),
            window.to.timestamp(),
            now.timestamp(),
        );
        let first_day = date_text(Some(window.first_day));
        let end_day = date_text(Some(window.end_day));
        self.read(|c| {
            let operators: Vec<Operator> = self
                .operators()?
                .into_iter()
                .filter(|o| operator.is_none_or(|id| o.id == id))
                .collect();
            let mut by_id: HashMap<i64, OperatorActivity> = operators
                .iter()
                .map(|o| {
                    (
                        o.id,
                        OperatorActivity {
                            operator_id: o.id,
                            login: o.login.clone(),
                            display_name: o.display_name.clone(),
                            role: o.role,
                            interactions: InteractionKind::ALL.iter().map(|k| (*k, 0)).collect(),
                            followups_done: 0,
                            inputs: KpiInputs::empty(currency),
                        },
                    )
                })
                .collect();
            per_operator(
                c,
                "SELECT operator_id, sum(calls), sum(emails), sum(meetings), sum(notes), sum(sms),
                        sum(satisfaction_total), sum(satisfaction_count)
                 FROM operator_activity
                 WHERE slot >= ?1 AND slot < ?2 AND (?3 IS NULL OR operator_id = ?3)
                 GROUP BY operator_id",
                &[&slot(from), &slot(to), &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        // Columns 1-5 are the kinds in `InteractionKind::ALL` order.
                        for (i, n) in a.interactions.iter_mut().enumerate() {
                            n.1 = r.get(1 + i)?;
                        }
                        a.inputs.satisfaction_total = r.get(6)?;
                        a.inputs.satisfaction_count = r.get(7)?;
                    }
                    Ok(())
                },
            )?;
            // From schema 9's maintained deal totals: a row per owner, stage, currency
            // and close day; a row's won amount converted with that day's rate.
            let won = super::exchange::converted_sql(
                "(t.amount_hi * 1000000000 + t.amount_lo)",
                "t.currency",
                "t.closed_on",
                "?3",
            );
            per_operator(
                c,
                &format!(
                    "SELECT t.owner_id,
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won'), 0),
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'lost'), 0),
                        coalesce(sum(t.amount_hi) FILTER (WHERE s.outcome = 'won' AND t.currency = ?3), 0)
                          + coalesce(sum({won} / 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3), 0),
                        coalesce(sum(t.amount_lo) FILTER (WHERE s.outcome = 'won' AND t.currency = ?3), 0)
                          + coalesce(sum({won} % 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3), 0),
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3 AND {won} IS NULL), 0),
                        coalesce(sum(t.cycle_days) FILTER (WHERE s.outcome = 'won'), 0)
                     FROM deal_totals t JOIN stages s ON s.id = t.stage_id
                     WHERE s.outcome IN ('won', 'lost') AND t.closed_on >= ?1 AND t.closed_on < ?2
                       AND (?4 IS NULL OR t.owner_id = ?4)
                     GROUP BY t.owner_id"
                ),
                &[&first_day, &end_day, &currency.code(), &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        let i = &mut a.inputs;
                        i.won = r.get(1)?;
                        i.lost = r.get(2)?;
                        i.revenue_won_minor = read_sum(r, 3)?;
                        i.other_currency_won = r.get(5)?;
                        i.cycle_days_total = r.get(6)?;
                    }
                    Ok(())
                },
            )?;
            per_operator(
                c,
                "SELECT owner_id, count(*) FROM customers
                 WHERE created_at >= ?1 AND created_at < ?2 AND (?3 IS NULL OR owner_id = ?3)
                 GROUP BY owner_id",
                &[&from, &to, &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        a.inputs.new_customers = r.get(1)?;
                    }
                    Ok(())
                },
            )?;
            per_operator(
                c,
                "SELECT owner_id, count(*), count(done_at),
                        count(*) FILTER (WHERE done_at IS NOT NULL AND done_at <= due_at + 86400)
                 FROM reminders WHERE due_at >= ?1 AND due_at < ?2 AND due_at <= ?3
                   AND (?4 IS NULL OR owner_id = ?4)
                 GROUP BY owner_id",
                &[&from, &to, &now, &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        a.inputs.followups_due = r.get(1)?;
                        a.followups_done = r.get(2)?;
                        a.inputs.followups_done_on_time = r.get(3)?;
                    }
                    Ok(())
                },
            )?;
            per_operator(
                c,
                "SELECT owner_id, count(*) FROM reminders
                 WHERE done_at IS NULL AND coalesce(snoozed_until, due_at) < ?1
                   AND (?2 IS NULL OR owner_id = ?2)
                 GROUP BY owner_id",
                &[&now, &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        a.inputs.overdue_followups = r.get(1)?;
                    }
                    Ok(())
                },
            )?;
            let mut all: Vec<OperatorActivity> = by_id.into_values().collect();
            all.sort_by(|a, b| a.login.cmp(&b.login));
            Ok(all)
        })
    }

    /// Every operator's quotas (or only `operator`'s), as `(operator id, quota)`.
    pub fn quotas(&self, operator: Option<i64>) -> Result<Vec<(i64, Quota)>> {
        self.require_kpis_of(operator)?;
        load_quotas(&self.conn, operator)
    }
}

fn load_quotas(c: &Db, operator: Option<i64>) -> Result<Vec<(i64, Quota)>> {
    let mut stmt = c.prepare_cached(
        "SELECT q.operator_id, q.kpi, q.target_milli, q.minimum_milli
         FROM operator_quotas q JOIN kpi_definitions k ON k.key = q.kpi
         WHERE (?1 IS NULL OR q.operator_id = ?1)",
    )?;
    let rows = stmt.query_map([operator], |r| {
        Ok((
            r.get(0)?,
            Quota {
                kpi: r.get(1)?,
                target: KpiFigure::from_milli(r.get(2)?),
                minimum: KpiFigure::from_milli(r.get(3)?),
            },
        ))
    })?;
    let mut quotas: Vec<(i64, Quota)> = rows.collect::<rusqlite::Result<_>>()?;
    // By operator, then in the order the KPIs are listed.
    quotas.sort_by_key(|(operator, q)| (*operator, crate::domain::kpi::builtin_position(&q.kpi)));
    Ok(quotas)
}

impl Writer<'_> {
    /// Sets `operator`'s quota for KPI `kpi` (managers and admins). The figures must be
    /// ones the KPI allows, the minimum on the worse side of the target (as for the
    /// KPI's own target).
    pub fn set_quota(
        &mut self,
        operator: &Operator,
        kpi: &str,
        target: KpiFigure,
        minimum: KpiFigure,
    ) -> Result<Quota> {
        self.require(Permission::SetQuotas)?;
        let def = self.kpi_definition(kpi)?;
        def.check_target(target, minimum)?;
        let old = load_quotas(self.conn, Some(operator.id))?
            .into_iter()
            .find(|(_, q)| q.kpi == def.key)
            .map(|(_, q)| format!("{}/{}", q.target, q.minimum));
        self.conn.execute(
            "INSERT INTO operator_quotas (operator_id, kpi, target_milli, minimum_milli, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (operator_id, kpi) DO UPDATE SET target_milli = excluded.target_milli,
                 minimum_milli = excluded.minimum_milli, updated_at = excluded.updated_at",
            params![operator.id, def.key, target.milli(), minimum.milli(), self.now],
        )?;
        self.audit_setting(
            &format!("quota of {} for {}", operator.login, def.key),
            old,
            Some(format!("{target}/{minimum}")),
        )?;
        Ok(Quota {
            kpi: def.key,
            target,
            minimum,
        })
    }

    /// Removes `operator`'s quota for `kpi`; refuses when there is none.
    pub fn clear_quota(&mut self, operator: &Operator, kpi: &str) -> Result<()> {
        self.require(Permission::SetQuotas)?;
        let def = self.kpi_definition(kpi)?;
        let old = load_quotas(self.conn, Some(operator.id))?
            .into_iter()
            .find(|(_, q)| q.kpi == def.key)
            .ok_or_else(|| {
                StoreError::invalid(
                    "quota",
                    format!("{} has no quota for {}", operator.login, def.key),
                )
            })?
            .1;
        self.conn.execute(
            "DELETE FROM operator_quotas WHERE operator_id = ?1 AND kpi = ?2",
            params![operator.id, def.key],
        )?;
        self.audit_setting(
            &format!("quota of {} for {}", operator.login, def.key),
            Some(format!("{}/{}", old.target, old.minimum)),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::demo::{DemoOptions, generate};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    type Counted = Vec<Vec<i64>>;

    fn rows(s: &Store, sql: &str) -> Counted {
        let mut stmt = s.conn.prepare(sql).unwrap();
        stmt.query_map((), |r| (0..9).map(|i| r.get(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// The table as the triggers keep it, and as counting the interactions gives it.
    fn kept_and_counted(s: &Store) -> (Counted, Counted) {
        (
            rows(s, "SELECT * FROM operator_activity ORDER BY 1, 2"),
            rows(
                s,
                "SELECT operator_id, occurred_at / 900, count(*) FILTER (WHERE kind = 'call'),
                        count(*) FILTER (WHERE kind = 'email'), count(*) FILTER (WHERE kind = 'meeting'),
                        count(*) FILTER (WHERE kind = 'note'), count(*) FILTER (WHERE kind = 'sms'),
                        coalesce(sum(satisfaction), 0), count(satisfaction)
                 FROM interactions WHERE operator_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
            ),
        )
    }

    #[test]
    fn the_activity_table_always_equals_a_count_of_the_interactions() {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        // Demo data writes interactions many rows per statement.
        generate(
            &mut s,
            DemoOptions {
                customers: 120,
                seed: 5,
            },
            "sara",
        )
        .unwrap();
        let (kept, counted) = kept_and_counted(&s);
        assert!(!kept.is_empty());
        assert_eq!(kept, counted);
        // Moved in time, given a score, handed to nobody, deleted with a customer.
        s.conn
            .execute_batch(
                "UPDATE interactions SET occurred_at = occurred_at - 86400 WHERE id % 3 = 0;
                 UPDATE interactions SET satisfaction = 5 WHERE id % 5 = 0;
                 UPDATE interactions SET kind = 'note' WHERE id % 7 = 0;
                 UPDATE interactions SET operator_id = NULL WHERE id % 11 = 0;",
            )
            .unwrap();
        let (kept, counted) = kept_and_counted(&s);
        assert_eq!(kept, counted);
        let first = s.customer_ids(&Default::default()).unwrap()[0];
        s.delete_customer(first).unwrap();
        let (kept, counted) = kept_and_counted(&s);
        assert_eq!(kept, counted);
        assert!(
            kept.iter().all(|r| r[2..7].iter().sum::<i64>() > 0),
            "no empty rows are left"
        );
    }

    #[test]
    fn a_quarter_hour_slot_holds_its_own_seconds() {
        assert_eq!(slot(0), 0);
        assert_eq!(slot(899), 0);
        assert_eq!(slot(900), 1);
        let local_midnight = 1_795_000_500_i64.div_euclid(900) * 900;
        assert_eq!(slot(local_midnight) * 900, local_midnight);
    }
}
