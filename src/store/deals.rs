use super::db::{Db, OptionalExtension, Row};
use chrono::NaiveDate;
use rusqlite::params;

use super::sql_types::{date_text, from_secs, parse_date_text};
use super::sums::read_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::deal::{validate_lost_reason, validate_probability};
use crate::domain::{Currency, Deal, DealChange, DealDraft, Money, Stage, StageOutcome};

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
       d.created_at, d.updated_at, d.cost_minor
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
        cost: r
            .get::<_, Option<i64>>(18)?
            .map(|minor| Money { minor, currency }),
    })
}

pub(super) fn load_stages(conn: &Db) -> Result<Vec<Stage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, key, name, position, probability, outcome, idle_days FROM stages ORDER BY position",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(Stage {
            id: r.get(0)?,
            key: r.get(1)?,
            name: r.get(2)?,
            position: r.get(3)?,
            probability: r.get(4)?,
            outcome: r.get(5)?,
            idle_days: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn load_deal(conn: &Db, id: i64) -> Result<Deal> {
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
        let limit = filter.limit.map_or(super::db::NO_LIMIT, |n| n as i64);
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

    /// See `Writer::update_deal`.
    pub fn update_deal(
        &mut self,
        id: i64,
        expected_version: i64,
        change: &DealChange,
        today: NaiveDate,
    ) -> Result<()> {
        self.write(|w| w.update_deal(id, expected_version, change, today))
    }

    /// See `Writer::delete_deal`.
    pub fn delete_deal(&mut self, id: i64) -> Result<Deal> {
        self.write(|w| w.delete_deal(id))
    }

    /// See `Writer::reopen_deal`.
    pub fn reopen_deal(&mut self, id: i64, stage_key: Option<&str>) -> Result<Deal> {
        self.write(|w| w.reopen_deal(id, stage_key))
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
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO deals (customer_id, title, amount_minor, currency, stage_id, probability, expected_close,
                                    owner_id, created_at, updated_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10) RETURNING id",
            )?
            .query_row(params![
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
            ], |r| r.get(0))
            .map_err(|e| self.explain_missing_customer(e, d.customer_id))?;
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
                format!(
                    "deal #{id} is {}; reopen it first (`rapport deal reopen {id}`, or reopen in the pipeline)",
                    deal.outcome
                ),
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

    /// Saves `change` over deal `id` if nobody changed it since `expected_version`. A
    /// move to an open stage reopens a closed deal; to the won or lost stage closes it on
    /// `today` (a lost deal needs a reason); a closed deal's probability is its stage's.
    pub fn update_deal(
        &mut self,
        id: i64,
        expected_version: i64,
        change: &DealChange,
        today: NaiveDate,
    ) -> Result<()> {
        let mut c = change.clone();
        c.validate()?;
        let deal = load_deal(self.conn, id)?;
        self.require_change_of("deal", id, deal.owner_id, deal.owner_login.as_deref())?;
        if c.owner_id != deal.owner_id {
            self.require_owner(c.owner_id)?;
        }
        let stages = load_stages(self.conn)?;
        let stage = stages.iter().find(|s| s.id == c.stage_id).ok_or_else(|| {
            StoreError::invalid("stage", format!("stage #{} does not exist", c.stage_id))
        })?;
        let moved = stage.id != deal.stage_id;
        let was_closed = deal.outcome != StageOutcome::Open;
        let closed_on = deal.closed_on.filter(|_| was_closed).unwrap_or(today);
        let (probability, closed_on, lost_reason) = match stage.outcome {
            StageOutcome::Open => {
                let own = if moved {
                    stage.probability
                } else {
                    deal.probability
                };
                (c.probability.unwrap_or(own), None, None)
            }
            closed => {
                let fixed = if closed == StageOutcome::Won { 100 } else { 0 };
                if c.probability.is_some_and(|p| p != fixed) {
                    return Err(StoreError::invalid(
                        "probability",
                        format!(
                            "a {closed} deal's probability is {fixed}%; leave it out, or move the deal to an open stage"
                        ),
                    ));
                }
                let reason = match closed {
                    StageOutcome::Lost => Some(c.lost_reason.clone().ok_or_else(|| {
                        StoreError::invalid("reason", "a lost deal needs the reason it was lost")
                    })?),
                    _ => None,
                };
                (fixed, Some(closed_on), reason)
            }
        };
        if let Some(day) = closed_on.filter(|d| *d < deal.created_at.date_naive()) {
            return Err(StoreError::invalid(
                "date",
                format!(
                    "{day} is before the deal was created ({})",
                    deal.created_at.date_naive()
                ),
            ));
        }
        let unchanged = deal.title == c.title
            && deal.amount == c.amount
            && (deal.stage_id, deal.probability) == (stage.id, probability)
            && (deal.expected_close, deal.owner_id, deal.closed_on)
                == (c.expected_close, c.owner_id, closed_on)
            && deal.lost_reason == lost_reason;
        if unchanged {
            // Still refused when stale: the values read may be outdated.
            return match deal.version == expected_version {
                true => Ok(()),
                false => Err(self.missing_or_stale("deals", "deal", id)),
            };
        }
        self.keep_before("deal", id)?;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE deals SET title = ?3, amount_minor = ?4, currency = ?5, stage_id = ?6, probability = ?7,
                        expected_close = ?8, owner_id = ?9, closed_on = ?10, lost_reason = ?11,
                        version = version + 1, updated_at = ?12
                 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![
                id,
                expected_version,
                c.title,
                c.amount.minor,
                c.amount.currency.code(),
                stage.id,
                probability,
                date_text(c.expected_close),
                c.owner_id,
                date_text(closed_on),
                lost_reason,
                self.now
            ])?;
        if n == 0 {
            return Err(self.missing_or_stale("deals", "deal", id));
        }
        let (old, new) = (
            self.deal_state(&deal),
            self.deal_state(&load_deal(self.conn, id)?),
        );
        self.audit_diff("deal", id, Some(deal.customer_id), Some(&old), Some(&new))
    }

    /// Deletes deal `id`; its follow-ups and interactions stay, without the link (each
    /// a recorded change). The trail keeps the deal, so `rapport undo` brings it back.
    pub fn delete_deal(&mut self, id: i64) -> Result<Deal> {
        self.require_delete("deal", id)?;
        let deal = load_deal(self.conn, id)?;
        for (entity, table) in [("follow-up", "reminders"), ("interaction", "interactions")] {
            // Table names come from the fixed list above, never from input.
            let linked: Vec<i64> = self
                .conn
                .prepare_cached(&format!(
                    "SELECT id FROM {table} WHERE deal_id = ?1 ORDER BY id"
                ))?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for other in linked {
                self.require_change(entity, other)?;
                self.keep_before(entity, other)?;
                self.conn.execute(
                    &format!(
                        "UPDATE {table} SET deal_id = NULL, version = version + 1, updated_at = ?2 WHERE id = ?1"
                    ),
                    params![other, self.now],
                )?;
                self.audit_field(
                    entity,
                    other,
                    Some(deal.customer_id),
                    "deal",
                    Some(format!("#{id}")),
                    None,
                )?;
            }
        }
        self.keep_before("deal", id)?;
        self.conn
            .prepare_cached("DELETE FROM deals WHERE id = ?1")?
            .execute([id])?;
        let old = self.deal_state(&deal);
        self.audit_diff("deal", id, Some(deal.customer_id), Some(&old), None)?;
        Ok(deal)
    }

    /// Reopens a won or lost deal in open stage `stage_key`, or else in the stage it
    /// was in before it closed (from the trail; the last open stage if the trail does
    /// not say), with that stage's probability.
    pub fn reopen_deal(&mut self, id: i64, stage_key: Option<&str>) -> Result<Deal> {
        let deal = load_deal(self.conn, id)?;
        if deal.outcome == StageOutcome::Open {
            return Err(StoreError::invalid(
                "stage",
                format!("deal #{id} is open already (in {})", deal.stage_key),
            ));
        }
        let stages = load_stages(self.conn)?;
        let open: Vec<&Stage> = stages
            .iter()
            .filter(|s| s.outcome == StageOutcome::Open)
            .collect();
        let stage = match stage_key.map(str::trim) {
            Some(wanted) => stages
                .iter()
                .find(|s| s.key.eq_ignore_ascii_case(wanted) || s.name.eq_ignore_ascii_case(wanted))
                .filter(|s| s.outcome == StageOutcome::Open)
                .ok_or_else(|| {
                    let keys: Vec<&str> = open.iter().map(|s| s.key.as_str()).collect();
                    StoreError::invalid(
                        "stage",
                        format!("{wanted:?} is not an open stage: {}", keys.join(", ")),
                    )
                })?,
            None => {
                let before = self.stage_before_closing(&deal)?;
                open.iter()
                    .find(|s| Some(&s.key) == before.as_ref())
                    .or(open.last())
                    .copied()
                    .ok_or_else(|| StoreError::Message("the pipeline has no open stage".into()))?
            }
        };
        self.set_stage(&deal, stage.id, stage.probability, None, None)?;
        load_deal(self.conn, id)
    }

    /// The stage key a closed deal left when it entered its stage, from the trail.
    fn stage_before_closing(&self, deal: &Deal) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT action, changes FROM audit_log
             WHERE entity = 'deal' AND entity_id = ?1 AND action = 'update' ORDER BY id DESC",
        )?;
        let mut rows = stmt.query([deal.id])?;
        while let Some(r) = rows.next()? {
            let action = r.get(0)?;
            let text: String = r.get(1)?;
            let Ok(changes) = super::audit::decode(action, &text) else {
                continue;
            };
            if let Some(c) = changes
                .iter()
                .find(|c| c.field == "stage" && c.new.as_deref() == Some(&deal.stage_key))
            {
                return Ok(c.old.clone());
            }
        }
        Ok(None)
    }

    /// Sets (or with `None` clears) what deal `id` cost, in the deal's currency: what
    /// gross profit subtracts from its amount. A change of the deal like any other:
    /// checked for access, recorded in the trail, undone by `rapport undo`.
    pub fn set_deal_cost(&mut self, id: i64, cost: Option<Money>) -> Result<Deal> {
        let deal = load_deal(self.conn, id)?;
        self.require_change_of("deal", id, deal.owner_id, deal.owner_login.as_deref())?;
        if let Some(c) = cost {
            Money::new(c.minor, c.currency).map_err(|e| StoreError::invalid("cost", e.reason))?;
            if c.currency != deal.amount.currency {
                return Err(StoreError::invalid(
                    "cost",
                    format!(
                        "a cost is in the deal's currency, {}, not {}",
                        deal.amount.currency.code(),
                        c.currency.code()
                    ),
                ));
            }
        }
        if deal.cost == cost {
            return Ok(deal);
        }
        self.keep_before("deal", id)?;
        self.conn.execute(
            "UPDATE deals SET cost_minor = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, cost.map(|c| c.minor), self.now],
        )?;
        self.audit_field(
            "deal",
            id,
            Some(deal.customer_id),
            "cost",
            deal.cost.map(|c| c.to_string()),
            cost.map(|c| c.to_string()),
        )?;
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
        let unchanged = (deal.stage_id, deal.probability, deal.closed_on)
            == (stage_id, probability, closed_on)
            && deal.lost_reason.as_deref() == lost_reason;
        if unchanged {
            return Ok(());
        }
        self.keep_before("deal", deal.id)?;
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind, ReminderDraft, Role};

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    /// Signed in as `sara` (admin), with agent `ali`; customer #1 with sara's deal #1.
    fn store() -> (Store, i64) {
        let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
        let sara = store.sign_in("sara").unwrap();
        store
            .write(|w| {
                let omid = w.ensure_operator("omid", "Omid Karimi")?;
                w.set_operator_role(omid.id, Role::Manager)?;
                w.ensure_operator("ali", "Ali")
            })
            .unwrap();
        let customer = store
            .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme"))
            .unwrap();
        let deal = store
            .add_deal(&DealDraft {
                customer_id: customer,
                title: "Renewal".into(),
                amount: Money::parse("12,000", Currency::USD).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: Some(sara.id),
            })
            .unwrap();
        (store, deal)
    }

    fn edit(store: &mut Store, id: i64, f: impl FnOnce(&mut DealChange)) -> Result<Deal> {
        let today = clock().date_naive();
        store.write(|w| {
            let deal = w.deal(id)?;
            let mut change = deal.change();
            f(&mut change);
            w.update_deal(id, deal.version, &change, today)?;
            w.deal(id)
        })
    }

    fn stage(store: &Store, key: &str) -> i64 {
        store.stage(key).unwrap().id
    }

    #[test]
    fn an_edit_to_a_stage_takes_its_probability_and_closing_needs_what_it_needs() {
        let (mut store, deal) = store();
        let proposal = stage(&store, "proposal");
        let d = edit(&mut store, deal, |c| {
            c.stage_id = proposal;
            c.probability = None;
            c.amount = Money::parse("1.250,50", Currency::EUR).unwrap();
        })
        .unwrap();
        assert_eq!((d.stage_key.as_str(), d.probability), ("proposal", 50));
        assert_eq!(d.amount.to_string(), "1,250.50 EUR");
        let lost = stage(&store, "lost");
        let err = edit(&mut store, deal, |c| {
            c.stage_id = lost;
            c.probability = None;
        })
        .unwrap_err();
        assert!(
            err.to_string().starts_with("reason: a lost deal needs"),
            "{err}"
        );
        let won = stage(&store, "won");
        let err = edit(&mut store, deal, |c| {
            c.stage_id = won;
            c.probability = Some(60);
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("a won deal's probability is 100%"),
            "{err}"
        );
        let d = edit(&mut store, deal, |c| {
            c.stage_id = lost;
            c.probability = None;
            c.lost_reason = Some("chose a competitor".into());
        })
        .unwrap();
        assert_eq!(
            (d.probability, d.closed_on, d.lost_reason.as_deref()),
            (0, Some(clock().date_naive()), Some("chose a competitor"))
        );
    }

    #[test]
    fn a_closed_deal_reopens_in_the_stage_it_left() {
        let (mut store, deal) = store();
        store
            .write(|w| w.move_deal(deal, "negotiation").map(|_| ()))
            .unwrap();
        store
            .write(|w| w.mark_deal_won(deal, clock().date_naive()).map(|_| ()))
            .unwrap();
        let d = store.write(|w| w.reopen_deal(deal, None)).unwrap();
        assert_eq!(
            (d.stage_key.as_str(), d.probability, d.closed_on),
            ("negotiation", 75, None)
        );
        let err = store.write(|w| w.reopen_deal(deal, None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stage: deal #1 is open already (in negotiation)"
        );
        store
            .write(|w| {
                w.mark_deal_lost(deal, "budget", clock().date_naive())
                    .map(|_| ())
            })
            .unwrap();
        let d = store.write(|w| w.reopen_deal(deal, Some("lead"))).unwrap();
        assert_eq!((d.stage_key.as_str(), d.lost_reason), ("lead", None));
        store
            .write(|w| w.mark_deal_won(deal, clock().date_naive()).map(|_| ()))
            .unwrap();
        let err = store
            .write(|w| w.reopen_deal(deal, Some("won")))
            .unwrap_err();
        assert!(
            err.to_string().contains("\"won\" is not an open stage"),
            "{err}"
        );
    }

    #[test]
    fn a_stale_edit_is_refused_naming_who_changed_it() {
        let (mut store, deal) = store();
        let read = store.deal(deal).unwrap();
        store.sign_in("omid").unwrap();
        edit(&mut store, deal, |c| c.title = "Renewal 2027".into()).unwrap();
        store.sign_in("sara").unwrap();
        let mut mine = read.change();
        mine.expected_close = Some(clock().date_naive());
        let err = store
            .write(|w| w.update_deal(deal, read.version, &mine, clock().date_naive()))
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { by: Some(by), .. } if by == "Omid Karimi"),
            "{err}"
        );
        assert_eq!(store.deal(deal).unwrap().expected_close, None);
    }

    #[test]
    fn a_stale_save_of_what_is_there_already_is_refused_too() {
        let (mut store, deal) = store();
        let read = store.deal(deal).unwrap();
        edit(&mut store, deal, |c| c.title = "Renewal 2027".into()).unwrap();
        let mut same = read.change();
        same.title = "Renewal 2027".into();
        let today = clock().date_naive();
        let err = store
            .write(|w| w.update_deal(deal, read.version, &same, today))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
        // Up to date, it is simply no change: no new version.
        let now = store.deal(deal).unwrap();
        store
            .write(|w| w.update_deal(deal, now.version, &same, today))
            .unwrap();
        assert_eq!(store.deal(deal).unwrap().version, now.version);
    }

    #[test]
    fn an_agent_changes_and_deletes_only_its_own_deals() {
        let (mut store, deal) = store();
        store.sign_in("ali").unwrap();
        let err = edit(&mut store, deal, |c| c.title = "Mine now".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not allowed: agents change only their own records, and deal #1 is sara's (ali is agent)"
        );
        let err = store.write(|w| w.delete_deal(deal)).unwrap_err();
        assert!(
            err.to_string().contains("agents delete only their own"),
            "{err}"
        );
        assert_eq!(store.deal(deal).unwrap().title, "Renewal");
    }

    #[test]
    fn deleting_a_deal_keeps_its_follow_ups_without_the_link() {
        let (mut store, deal) = store();
        let followup = store
            .add_reminder(&ReminderDraft {
                customer_id: 1,
                deal_id: Some(deal),
                due_at: clock(),
                note: "Chase the signature".into(),
                recurrence: None,
                owner_id: store.actor().map(|a| a.id),
            })
            .unwrap();
        store.write(|w| w.delete_deal(deal)).unwrap();
        let r = store.reminder(followup).unwrap();
        assert_eq!((r.deal_id, r.version), (None, 2));
        let trail = store.audit_entries(&Default::default()).unwrap();
        assert_eq!(trail[0].headline(), "deleted deal #1");
        assert_eq!(
            trail[1].changes[0].describe(trail[1].action),
            "deal: \"#1\" → —"
        );
    }
}
