use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::sql_types::{date_text, from_secs, parse_date_text};
use super::sums::read_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::deal::{validate_lost_reason, validate_probability};
use crate::domain::{Currency, Deal, DealDraft, Money, Stage, StageOutcome};

#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub customer_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub outcome: Option<StageOutcome>,
    pub owner_id: Option<i64>,
    /// Only open deals and deals closed on or after this day.
    pub closed_since: Option<NaiveDate>,
    pub limit: Option<usize>,
    /// Skip this many (with `limit`, a page).
    pub offset: usize,
}

const SELECT: &str = "
SELECT d.id, d.customer_id, c.name, d.title, d.amount_minor, d.currency, d.stage_id, s.key, s.outcome,
       d.probability, d.expected_close, d.owner_id, o.login, d.closed_on, d.lost_reason, d.version,
       d.created_at, d.updated_at
FROM deals d
JOIN customers c ON c.id = d.customer_id
JOIN stages s ON s.id = d.stage_id
LEFT JOIN operators o ON o.id = d.owner_id";

fn row_to_deal(r: &Row<'_>) -> rusqlite::Result<Deal> {
    let code: String = r.get(5)?;
    let currency = Currency::from_code(&code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Deal {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        customer_name: r.get(2)?,
        title: r.get(3)?,
        amount: Money {
            minor: r.get(4)?,
            currency,
        },
        stage_id: r.get(6)?,
        stage_key: r.get(7)?,
        outcome: r.get(8)?,
        probability: r.get(9)?,
        expected_close: parse_date_text(r.get(10)?),
        owner_id: r.get(11)?,
        owner_login: r.get(12)?,
        closed_on: parse_date_text(r.get(13)?),
        lost_reason: r.get(14)?,
        version: r.get(15)?,
        created_at: from_secs(r.get(16)?),
        updated_at: from_secs(r.get(17)?),
    })
}

fn load_stages(conn: &Connection) -> Result<Vec<Stage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, key, name, position, probability, outcome FROM stages ORDER BY position",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Stage {
            id: r.get(0)?,
            key: r.get(1)?,
            name: r.get(2)?,
            position: r.get(3)?,
            probability: r.get(4)?,
            outcome: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn load_deal(conn: &Connection, id: i64) -> Result<Deal> {
    conn.prepare_cached(&format!("{SELECT} WHERE d.id = ?1"))?
        .query_row([id], row_to_deal)
        .optional()?
        .ok_or(StoreError::NotFound { entity: "deal", id })
}

/// The first stage (by position) with `outcome`.
fn stage_with_outcome(stages: &[Stage], outcome: StageOutcome) -> Result<&Stage> {
    stages
        .iter()
        .find(|s| s.outcome == outcome)
        .ok_or_else(|| StoreError::Message(format!("the pipeline has no {outcome} stage")))
}

impl Store {
    /// The pipeline's stages in order.
    pub fn stages(&self) -> Result<Vec<Stage>> {
        load_stages(&self.conn)
    }

    /// Finds a stage by key or name, case-insensitively.
    pub fn stage(&self, key: &str) -> Result<Stage> {
        let stages = self.stages()?;
        let wanted = key.trim();
        stages
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(wanted) || s.name.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                let keys: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
                StoreError::invalid(
                    "stage",
                    format!("{wanted:?} is not one of: {}", keys.join(", ")),
                )
            })
    }

    pub fn deal(&self, id: i64) -> Result<Deal> {
        load_deal(&self.conn, id)
    }

    pub fn deals(&self, filter: &DealFilter) -> Result<Vec<Deal>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT}
             WHERE (?1 IS NULL OR d.customer_id = ?1) AND (?2 IS NULL OR d.stage_id = ?2)
               AND (?3 IS NULL OR s.outcome = ?3) AND (?4 IS NULL OR d.owner_id = ?4)
               AND (?6 IS NULL OR d.closed_on IS NULL OR d.closed_on >= ?6)
                          ORDER BY s.position, d.closed_on DESC, d.expected_close IS NULL, d.expected_close, d.id
             LIMIT ?5 OFFSET ?7"
        ))?;
        let limit = filter.limit.map_or(-1, |n| n as i64);
        let rows = stmt.query_map(
            params![
                filter.customer_id,
                filter.stage_id,
                filter.outcome,
                filter.owner_id,
                limit,
                date_text(filter.closed_since),
                filter.offset as i64
            ],
            row_to_deal,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Cards `offset..offset + limit` of stage `stage_id` in board order (latest closed
    /// first, then by expected close, undated last), leaving out deals closed before
    /// `closed_since`. Read along `deals_board`, so a page costs its own rows however
    /// many deals the stage holds.
    pub fn stage_deals(
        &self,
        stage_id: i64,
        closed_since: Option<NaiveDate>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Deal>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT}
             WHERE d.stage_id = ?1 AND (?2 IS NULL OR d.closed_on IS NULL OR d.closed_on >= ?2)
             ORDER BY d.closed_on DESC, d.expected_close IS NULL, d.expected_close, d.id
             LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                stage_id,
                date_text(closed_since),
                limit as i64,
                offset as i64
            ],
            row_to_deal,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn add_deal(&mut self, draft: &DealDraft) -> Result<i64> {
        self.write(|w| w.add_deal(draft))
    }

    /// Per stage id: count, total and weighted total (in `currency`) of the open deals and
    /// of those closed on or after `closed_since`.
    pub fn stage_totals(
        &self,
        closed_since: NaiveDate,
        currency: Currency,
    ) -> Result<std::collections::HashMap<i64, crate::domain::deal::StageTotals>> {
        // From the maintained totals (schema 9), not the deals: a few hundred rows.
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.stage_id, coalesce(sum(t.deals), 0),
                    coalesce(sum(t.deals) FILTER (WHERE t.currency <> ?2), 0),
                    coalesce(sum(t.amount_hi) FILTER (WHERE t.currency = ?2), 0),
                    coalesce(sum(t.amount_lo) FILTER (WHERE t.currency = ?2), 0),
                    coalesce(sum(t.weighted_hi) FILTER (WHERE t.currency = ?2), 0),
                    coalesce(sum(t.weighted_lo) FILTER (WHERE t.currency = ?2), 0)
             FROM deal_totals t WHERE t.closed_on = '' OR t.closed_on >= ?1
             GROUP BY t.stage_id",
        )?;
        let rows = stmt.query_map(
            params![date_text(Some(closed_since)), currency.code()],
            |r| {
                Ok((
                    r.get(0)?,
                    crate::domain::deal::StageTotals {
                        count: r.get(1)?,
                        other_currency: r.get(2)?,
                        sum_minor: read_sum(r, 3)?,
                        weighted_minor: read_sum(r, 5)?,
                    },
                ))
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// Renames stage `key` and/or changes the probability a deal gets on entering it
    /// (admins only). Deals already in the stage keep theirs.
    pub fn change_stage(
        &mut self,
        key: &str,
        name: Option<&str>,
        probability: Option<u8>,
    ) -> Result<Stage> {
        self.require(crate::domain::access::Permission::ManageStages)?;
        let stages = load_stages(self.conn)?;
        let wanted = key.trim();
        let stage = stages
            .iter()
            .find(|s| s.key.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let keys: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
                StoreError::invalid(
                    "stage",
                    format!("{wanted:?} is not one of: {}", keys.join(", ")),
                )
            })?;
        let name = name
            .map(|n| crate::domain::error::required_text("name", n, 60))
            .transpose()?;
        if let Some(taken) = name.as_deref().and_then(|n| {
            stages
                .iter()
                .find(|s| s.id != stage.id && s.name.eq_ignore_ascii_case(n))
        }) {
            return Err(StoreError::invalid(
                "name",
                format!("stage {:?} is called that already", taken.key),
            ));
        }
        let probability = probability
            .map(|p| validate_probability(i64::from(p)))
            .transpose()?;
        if probability.is_some() && stage.outcome != StageOutcome::Open {
            return Err(StoreError::invalid(
                "probability",
                format!(
                    "{:?} closes deals ({}), so its probability is fixed",
                    stage.key, stage.outcome
                ),
            ));
        }
        self.conn.execute(
            "UPDATE stages SET name = coalesce(?2, name), probability = coalesce(?3, probability),
                    version = version + 1, updated_at = ?4 WHERE id = ?1",
            params![stage.id, name, probability, self.now],
        )?;
        let after = load_stages(self.conn)?
            .into_iter()
            .find(|s| s.id == stage.id)
            .ok_or(StoreError::NotFound {
                entity: "stage",
                id: stage.id,
            })?;
        let fields = |s: &Stage| -> crate::domain::audit::Fields {
            vec![
                ("name", Some(s.name.clone())),
                ("probability", Some(format!("{}%", s.probability))),
            ]
        };
        self.audit_diff(
            "stage",
            stage.id,
            None,
            Some(&fields(stage)),
            Some(&fields(&after)),
        )?;
        Ok(after)
    }

    /// A deal as this transaction sees it.
    pub fn deal(&self, id: i64) -> Result<Deal> {
        load_deal(self.conn, id)
    }

    pub fn add_deal(&mut self, draft: &DealDraft) -> Result<i64> {
        let mut d = draft.clone();
        d.validate()?;
        self.require_owner(d.owner_id)?;
        let stages = load_stages(self.conn)?;
        let stage = match d.stage_id {
            Some(id) => stages.iter().find(|s| s.id == id).ok_or_else(|| {
                StoreError::invalid("stage", format!("stage #{id} does not exist"))
            })?,
            None => stage_with_outcome(&stages, StageOutcome::Open)?,
        };
        if stage.outcome != StageOutcome::Open {
            return Err(StoreError::invalid(
                "stage",
                "a new deal starts in an open stage; mark it won or lost afterwards",
            ));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO deals (customer_id, title, amount_minor, currency, stage_id, probability, expected_close,
                                    owner_id, created_at, updated_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            )?
            .execute(params![
                d.customer_id,
                d.title,
                d.amount.minor,
                d.amount.currency.code(),
                stage.id,
                d.probability.unwrap_or(stage.probability),
                date_text(d.expected_close),
                d.owner_id,
                self.now,
                self.next_id("deals", "deal")?
            ])
            .map_err(|e| self.explain_missing_customer(e, d.customer_id))?;
        let id = self.conn.last_insert_rowid();
        if self.trail {
            let state = self.deal_state(&load_deal(self.conn, id)?);
            self.audit_diff("deal", id, Some(d.customer_id), None, Some(&state))?;
        }
        Ok(id)
    }

    /// Moves an open deal to another open stage, taking the stage's default probability.
    /// A closed deal may be reopened this way. Won and lost have their own calls.
    pub fn move_deal(&mut self, id: i64, stage_key: &str) -> Result<Deal> {
        let stages = load_stages(self.conn)?;
        let wanted = stage_key.trim();
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
                    "{:?} closes the deal; use `deal won` or `deal lost` instead",
                    stage.key
                ),
            ));
        }
        let deal = load_deal(self.conn, id)?;
        self.set_stage(&deal, stage.id, stage.probability, None, None)?;
        load_deal(self.conn, id)
    }

    /// Moves a deal one stage forward (`+1`) or back (`-1`) among the open stages.
    pub fn step_deal(&mut self, id: i64, step: i32) -> Result<Deal> {
        let stages = load_stages(self.conn)?;
        let open: Vec<&Stage> = stages
            .iter()
            .filter(|s| s.outcome == StageOutcome::Open)
            .collect();
        let deal = load_deal(self.conn, id)?;
        let Some(at) = open.iter().position(|s| s.id == deal.stage_id) else {
            return Err(StoreError::invalid(
                "stage",
                "the deal is closed; reopen it by moving it to a stage",
            ));
        };
        let Some(next) = at
            .checked_add_signed(step as isize)
            .and_then(|i| open.get(i))
        else {
            return Err(StoreError::invalid(
                "stage",
                "there is no open stage further in that direction",
            ));
        };
        self.set_stage(&deal, next.id, next.probability, None, None)?;
        load_deal(self.conn, id)
    }

    pub fn mark_deal_won(&mut self, id: i64, closed_on: NaiveDate) -> Result<Deal> {
        let stages = load_stages(self.conn)?;
        let won = stage_with_outcome(&stages, StageOutcome::Won)?;
        let deal = load_deal(self.conn, id)?;
        self.set_stage(&deal, won.id, 100, Some(closed_on), None)?;
        load_deal(self.conn, id)
    }

    pub fn mark_deal_lost(&mut self, id: i64, reason: &str, closed_on: NaiveDate) -> Result<Deal> {
        let reason = validate_lost_reason(reason)?;
        let stages = load_stages(self.conn)?;
        let lost = stage_with_outcome(&stages, StageOutcome::Lost)?;
        let deal = load_deal(self.conn, id)?;
        self.set_stage(&deal, lost.id, 0, Some(closed_on), Some(&reason))?;
        load_deal(self.conn, id)
    }

    fn set_stage(
        &mut self,
        deal: &Deal,
        stage_id: i64,
        probability: u8,
        closed_on: Option<NaiveDate>,
        lost_reason: Option<&str>,
    ) -> Result<()> {
        self.require_change_of("deal", deal.id, deal.owner_id, deal.owner_login.as_deref())?;
        validate_probability(i64::from(probability))?;
        if let Some(day) = closed_on
            && day < deal.created_at.date_naive()
        {
            return Err(StoreError::invalid(
                "date",
                format!(
                    "{day} is before the deal was created ({})",
                    deal.created_at.date_naive()
                ),
            ));
        }
        let n = self
            .conn
            .prepare_cached(
                "UPDATE deals SET stage_id = ?3, probability = ?4, closed_on = ?5, lost_reason = ?6,
                        version = version + 1, updated_at = ?7
                 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![
                deal.id,
                deal.version,
                stage_id,
                probability,
                date_text(closed_on),
                lost_reason,
                self.now
            ])?;
        if n == 0 {
            return Err(self.missing_or_stale("deals", "deal", deal.id));
        }
        if !self.trail {
            return Ok(());
        }
        let (old, new) = (
            self.deal_state(deal),
            self.deal_state(&load_deal(self.conn, deal.id)?),
        );
        self.audit_diff(
            "deal",
            deal.id,
            Some(deal.customer_id),
            Some(&old),
            Some(&new),
        )
    }
}
