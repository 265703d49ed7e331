//! Team performance in SQL: what every operator did over a window, each figure one
//! grouped query over an index (interactions by time, deals by close day, follow-ups by
//! due time), and the per-operator quotas.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::sql_types::date_text;
use super::sums::{read_sum, split_sum};
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::kpi::{KpiInputs, KpiWindow};
use crate::domain::team::{OperatorActivity, Quota};
use crate::domain::{Currency, InteractionKind, KpiFigure, Operator};

/// Per-operator targets and minimums for KPIs (schema 12). A quota goes with its
/// operator or its KPI.
pub(super) const V12: &str = r#"
CREATE TABLE operator_quotas (
    operator_id    INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    kpi            TEXT NOT NULL REFERENCES kpi_definitions(key) ON DELETE CASCADE,
    target_milli   INTEGER NOT NULL CHECK (typeof(target_milli) = 'integer'),
    minimum_milli  INTEGER NOT NULL CHECK (typeof(minimum_milli) = 'integer'),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (operator_id, kpi)
) WITHOUT ROWID;
"#;

/// Runs `sql` (parameters `params`), and for each row hands the operator id (column
/// 0) and the row to `apply`.
fn per_operator(
    c: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    mut apply: impl FnMut(i64, &rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<()> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        let Some(id) = row.get::<_, Option<i64>>(0)? else {
            continue;
        };
        apply(id, row)?;
    }
    Ok(())
}

impl Store {
    /// What every operator (or only `operator`) did over `window`, in one snapshot, by
    /// login. Deals, follow-ups and new customers count for their owner; interactions
    /// for whoever logged them; satisfaction is that of interactions with the
    /// customers the operator owns. Only managers and admins see other operators'.
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
                "SELECT operator_id, kind, count(*) FROM interactions
                 WHERE occurred_at >= ?1 AND occurred_at < ?2 AND (?3 IS NULL OR operator_id = ?3)
                 GROUP BY operator_id, kind",
                &[&from, &to, &operator],
                |id, r| {
                    let kind: InteractionKind = r.get(1)?;
                    if let Some(a) = by_id.get_mut(&id)
                        && let Some(slot) = a.interactions.iter_mut().find(|(k, _)| *k == kind)
                    {
                        slot.1 = r.get(2)?;
                    }
                    Ok(())
                },
            )?;
            per_operator(
                c,
                &format!(
                    "SELECT d.owner_id,
                        count(*) FILTER (WHERE s.outcome = 'won'),
                        count(*) FILTER (WHERE s.outcome = 'lost'),
                        {},
                        count(*) FILTER (WHERE s.outcome = 'won' AND d.currency <> ?3),
                        coalesce(sum(CAST(julianday(d.closed_on) - julianday(date(d.created_at, 'unixepoch')) AS INTEGER))
                                 FILTER (WHERE s.outcome = 'won'), 0)
                     FROM deals d JOIN stages s ON s.id = d.stage_id
                     WHERE s.outcome IN ('won', 'lost') AND d.closed_on >= ?1 AND d.closed_on < ?2
                       AND (?4 IS NULL OR d.owner_id = ?4)
                     GROUP BY d.owner_id",
                    split_sum("CASE WHEN s.outcome = 'won' AND d.currency = ?3 THEN d.amount_minor END")
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
                "SELECT c.owner_id, sum(i.satisfaction), count(i.satisfaction)
                 FROM interactions i JOIN customers c ON c.id = i.customer_id
                 WHERE i.occurred_at >= ?1 AND i.occurred_at < ?2 AND i.satisfaction IS NOT NULL
                   AND (?3 IS NULL OR c.owner_id = ?3)
                 GROUP BY c.owner_id",
                &[&from, &to, &operator],
                |id, r| {
                    if let Some(a) = by_id.get_mut(&id) {
                        a.inputs.satisfaction_total = r.get(1)?;
                        a.inputs.satisfaction_count = r.get(2)?;
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

fn load_quotas(c: &Connection, operator: Option<i64>) -> Result<Vec<(i64, Quota)>> {
    let mut stmt = c.prepare_cached(
        "SELECT q.operator_id, q.kpi, q.target_milli, q.minimum_milli
         FROM operator_quotas q JOIN kpi_definitions k ON k.key = q.kpi
         WHERE ?1 IS NULL OR q.operator_id = ?1 ORDER BY q.operator_id, k.rowid",
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
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
