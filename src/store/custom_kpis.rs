//! KPIs the business defines (schema 16): a measure from the catalogue with an
//! optional filter, a group, a period, a target and a minimum. Defining and removing
//! one is a single transaction with its audit entry. Also in schema 16: a deal's cost
//! (for gross profit), the furthest open stage a deal has reached (for the funnel and
//! the weighted pipeline's past), and an index of purchases by customer.

use super::db::{Db, OptionalExtension};
use rusqlite::params;

use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::kpi_measure::{
    CustomKpi, KpiFilter, Measure, check_filter, check_name, definition_of,
};
use crate::domain::{KpiFigure, KpiGroup, Period, StageOutcome};

/// Schema 16. `reached_stage_id` is NULL until a deal moves: then the furthest open
/// stage (by position) of where it was and where it goes; a NULL reads as the deal's
/// stage when that is open, else the first open stage (see [`REACHED_STAGE`]). The
/// backfill takes what the trail says of closed deals. `deals_purchases` serves
/// customers' purchases in order (retention, churn, repeat purchases).
pub(super) const KPIS: &str = r#"
CREATE TABLE custom_kpis (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
    name           TEXT NOT NULL CHECK (length(trim(name)) > 0),
    measure        TEXT NOT NULL CHECK (measure IN ('revenue_won', 'deals_won', 'deals_lost',
        'win_rate', 'avg_deal', 'cycle_days', 'gross_profit', 'new_customers',
        'repeat_purchase_rate', 'retention', 'churned_customers', 'csat', 'avg_satisfaction',
        'nps', 'interactions_per_operator_day', 'followups_on_time', 'overdue_followups',
        'open_pipeline', 'weighted_pipeline')),
    tag            TEXT,
    stage_id       INTEGER REFERENCES stages(id),
    operator_id    INTEGER REFERENCES operators(id) ON DELETE CASCADE,
    source         TEXT,
    grp            TEXT NOT NULL CHECK (grp IN ('financial', 'customer', 'internal', 'growth')),
    period         TEXT NOT NULL CHECK (period IN ('week', 'month', 'quarter', 'year', 'all')),
    target_milli   INTEGER NOT NULL CHECK (typeof(target_milli) = 'integer'),
    minimum_milli  INTEGER NOT NULL CHECK (typeof(minimum_milli) = 'integer'),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

ALTER TABLE deals ADD COLUMN cost_minor INTEGER
    CHECK (cost_minor IS NULL OR (typeof(cost_minor) = 'integer' AND cost_minor BETWEEN 0 AND 1000000000000000));
ALTER TABLE deals ADD COLUMN reached_stage_id INTEGER;

UPDATE deals SET reached_stage_id = (
    SELECT s.id FROM audit_log a,
         json_each(CASE WHEN json_valid(a.changes) THEN a.changes ELSE '[]' END) j,
         stages s
    WHERE a.entity = 'deal' AND a.entity_id = deals.id AND j.value ->> 0 = 'stage'
      AND s.outcome = 'open' AND s.key IN (j.value ->> 1, j.value ->> 2)
    ORDER BY s.position DESC LIMIT 1)
WHERE stage_id IN (SELECT id FROM stages WHERE outcome <> 'open');

CREATE TRIGGER deals_reached_stage AFTER UPDATE OF stage_id ON deals
WHEN OLD.stage_id IS NOT NEW.stage_id
BEGIN
    UPDATE deals SET reached_stage_id = coalesce((
        SELECT s.id FROM stages s
        WHERE s.outcome = 'open' AND s.id IN (OLD.reached_stage_id, OLD.stage_id, NEW.stage_id)
        ORDER BY s.position DESC LIMIT 1), OLD.reached_stage_id)
    WHERE id = NEW.id;
END;

CREATE INDEX deals_purchases ON deals(stage_id, customer_id, closed_on);
"#;

/// The furthest open stage deal `d` reached, as SQL (see [`KPIS`]).
pub(super) const REACHED_STAGE: &str = "coalesce(d.reached_stage_id,
    (SELECT s.id FROM stages s WHERE s.id = d.stage_id AND s.outcome = 'open'),
    (SELECT s.id FROM stages s WHERE s.outcome = 'open' ORDER BY s.position LIMIT 1))";

/// A KPI to define, as read from the command line or the app's form.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiDraft {
    pub name: String,
    pub measure: Measure,
    pub filter: KpiFilter,
    pub group: KpiGroup,
    pub period: Period,
    pub target: KpiFigure,
    pub minimum: KpiFigure,
}

const SELECT: &str = "SELECT k.key, k.name, k.measure, k.tag, s.key, o.login, k.source, k.grp, k.period,
       k.target_milli, k.minimum_milli, k.stage_id, k.operator_id
FROM custom_kpis k LEFT JOIN stages s ON s.id = k.stage_id LEFT JOIN operators o ON o.id = k.operator_id";

fn load(conn: &Db) -> Result<Vec<CustomKpi>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY k.id"))?;
    let rows = stmt.query_map((), |r| {
        let measure: String = r.get(2)?;
        let measure = Measure::parse("measure", &measure).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(CustomKpi {
            key: r.get(0)?,
            name: r.get(1)?,
            measure,
            filter: KpiFilter {
                tag: r.get(3)?,
                stage: r.get(4)?,
                operator: r.get(5)?,
                source: r.get(6)?,
            },
            group: r.get(7)?,
            period: r.get(8)?,
            target: KpiFigure::from_milli(r.get(9)?),
            minimum: KpiFigure::from_milli(r.get(10)?),
            stage_id: r.get(11)?,
            operator_id: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The defined KPI named `name` or with that key (any case).
fn find(conn: &Db, name: &str) -> Result<Option<CustomKpi>> {
    let key = crate::domain::kpi_measure::kpi_key(name);
    Ok(load(conn)?
        .into_iter()
        .find(|k| k.key == key || k.name.eq_ignore_ascii_case(name.trim())))
}

/// How the trail writes a defined KPI: `measure win_rate · tag vip · internal ·
/// month · target 40 · minimum 25`.
fn describe(k: &CustomKpi) -> String {
    let mut parts = vec![format!("measure {}", k.measure)];
    if !k.filter.is_empty() {
        parts.push(k.filter.describe());
    }
    parts.extend([
        k.group.to_string(),
        k.period.to_string(),
        format!("target {}", k.target),
        format!("minimum {}", k.minimum),
    ]);
    parts.join(" · ")
}

impl Store {
    /// Every KPI the business defined, in the order they were defined.
    pub fn custom_kpis(&self) -> Result<Vec<CustomKpi>> {
        load(&self.conn)
    }

    /// The defined KPI named `name` (or with that key), or a refusal listing those there are.
    pub fn custom_kpi(&self, name: &str) -> Result<CustomKpi> {
        find(&self.conn, name)?.ok_or_else(|| not_defined(&self.conn, name))
    }
}

fn not_defined(conn: &Db, name: &str) -> StoreError {
    let names: Vec<String> = load(conn)
        .map(|all| all.into_iter().map(|k| k.name).collect())
        .unwrap_or_default();
    let listed = if names.is_empty() {
        "none is defined yet".to_string()
    } else {
        format!("the defined ones: {}", names.join(", "))
    };
    StoreError::invalid(
        "kpi",
        format!("no KPI called {:?} was defined; {listed}", name.trim()),
    )
}

impl Writer<'_> {
    /// Defines a KPI (admins only), or redefines the one with that name. Refuses a name
    /// a built-in KPI has, a filter the measure cannot take, an unknown tag-less stage or
    /// operator, and figures its unit does not allow or in the wrong order. Returns it
    /// as stored, and whether it replaced one.
    pub fn define_kpi(&mut self, draft: &KpiDraft) -> Result<(CustomKpi, bool)> {
        self.require(Permission::DefineKpis)?;
        let (name, key) = check_name(&draft.name)?;
        let builtin: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT key, name FROM kpi_definitions WHERE key = ?1 OR lower(name) = lower(?2)",
                params![key, name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((bkey, bname)) = builtin {
            return Err(StoreError::invalid(
                "name",
                format!(
                    "{name:?} is the built-in KPI {bname} ({bkey}); pick another name (`rapport kpi set {bkey}` changes its target)"
                ),
            ));
        }
        let filter = check_filter(draft.measure, &draft.filter)?;
        let stage_id = match &filter.stage {
            Some(stage) => {
                let found: Option<(i64, StageOutcome)> = self
                    .conn
                    .query_row(
                        "SELECT id, outcome FROM stages WHERE lower(key) = lower(?1) OR lower(name) = lower(?1)",
                        [stage],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match found {
                    Some((id, StageOutcome::Open)) => Some(id),
                    Some((_, outcome)) => {
                        return Err(StoreError::invalid(
                            "stage",
                            format!(
                                "{stage:?} is the {outcome} stage; the pipeline is in the open stages"
                            ),
                        ));
                    }
                    None => {
                        let keys: Vec<String> = self
                            .conn
                            .prepare(
                                "SELECT key FROM stages WHERE outcome = 'open' ORDER BY position",
                            )?
                            .query_map((), |r| r.get(0))?
                            .collect::<rusqlite::Result<_>>()?;
                        return Err(StoreError::invalid(
                            "stage",
                            format!("{stage:?} is not one of: {}", keys.join(", ")),
                        ));
                    }
                }
            }
            None => None,
        };
        let operator_id = match &filter.operator {
            Some(login) => Some(
                self.conn
                    .query_row("SELECT id FROM operators WHERE login = ?1", [login], |r| {
                        r.get::<_, i64>(0)
                    })
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::invalid("operator", format!("no operator with login {login:?}"))
                    })?,
            ),
            None => None,
        };
        let def = definition_of(
            &key,
            &name,
            draft.measure,
            draft.group,
            draft.period,
            draft.target,
            draft.minimum,
        );
        def.check_target(draft.target, draft.minimum)?;
        let before = find(self.conn, &key)?.filter(|k| k.key == key);
        let stored = self.conn.execute(
            "INSERT INTO custom_kpis (key, name, measure, tag, stage_id, operator_id, source, grp, period,
                                      target_milli, minimum_milli, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, measure = excluded.measure,
                 tag = excluded.tag, stage_id = excluded.stage_id, operator_id = excluded.operator_id,
                 source = excluded.source, grp = excluded.grp, period = excluded.period,
                 target_milli = excluded.target_milli, minimum_milli = excluded.minimum_milli,
                 version = custom_kpis.version + 1, updated_at = excluded.updated_at",
            params![
                key,
                name,
                draft.measure.as_str(),
                filter.tag,
                stage_id,
                operator_id,
                filter.source,
                draft.group,
                draft.period,
                draft.target.milli(),
                draft.minimum.milli(),
                self.now
            ],
        )?;
        if stored != 1 {
            return Err(StoreError::Message(format!("KPI {key:?} was not stored")));
        }
        let after = find(self.conn, &key)?.ok_or_else(|| {
            StoreError::Message(format!("KPI {key:?} disappeared while it was defined"))
        })?;
        self.audit_setting(
            &format!("KPI {key}"),
            before.as_ref().map(describe),
            Some(describe(&after)),
        )?;
        Ok((after, before.is_some()))
    }

    /// Removes the defined KPI `name` (admins only); built-in KPIs stay.
    pub fn undefine_kpi(&mut self, name: &str) -> Result<CustomKpi> {
        self.require(Permission::DefineKpis)?;
        let Some(kpi) = find(self.conn, name)? else {
            let builtin: Option<String> = self
                .conn
                .query_row(
                    "SELECT key FROM kpi_definitions WHERE key = lower(?1) OR lower(name) = lower(?1)",
                    [name.trim()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(key) = builtin {
                return Err(StoreError::invalid(
                    "kpi",
                    format!(
                        "{key} is built in and cannot be removed; `rapport kpi set {key}` changes its target"
                    ),
                ));
            }
            return Err(not_defined(self.conn, name));
        };
        self.conn
            .execute("DELETE FROM custom_kpis WHERE key = ?1", [&kpi.key])?;
        self.audit_setting(&format!("KPI {}", kpi.key), Some(describe(&kpi)), None)?;
        Ok(kpi)
    }
}
