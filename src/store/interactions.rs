use rusqlite::{Row, params};

use super::sql_types::from_secs;
use super::{Result, Store, StoreError, Writer};
use crate::domain::{Interaction, InteractionDraft};

const SELECT: &str = "
SELECT i.id, i.customer_id, i.deal_id, i.kind, i.direction, i.occurred_at, i.operator_id, o.login,
       i.summary, i.outcome, i.satisfaction, i.version, i.created_at, i.updated_at
FROM interactions i LEFT JOIN operators o ON o.id = i.operator_id";

fn row_to_interaction(r: &Row<'_>) -> rusqlite::Result<Interaction> {
    Ok(Interaction {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        deal_id: r.get(2)?,
        kind: r.get(3)?,
        direction: r.get(4)?,
        occurred_at: from_secs(r.get(5)?),
        operator_id: r.get(6)?,
        operator_login: r.get(7)?,
        summary: r.get(8)?,
        outcome: r.get(9)?,
        satisfaction: r.get(10)?,
        version: r.get(11)?,
        created_at: from_secs(r.get(12)?),
        updated_at: from_secs(r.get(13)?),
    })
}

impl Store {
    /// A customer's timeline, newest first (at most `limit`).
    pub fn interactions_of(&self, customer_id: i64, limit: usize) -> Result<Vec<Interaction>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE i.customer_id = ?1 ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![customer_id, limit as i64], row_to_interaction)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn log_interaction(&mut self, draft: &InteractionDraft) -> Result<i64> {
        self.write(|w| w.log_interaction(draft))
    }
}

impl Writer<'_> {
    pub fn log_interaction(&mut self, draft: &InteractionDraft) -> Result<i64> {
        let mut d = draft.clone();
        d.validate()?;
        d.check_happened_by(self.now())?;
        self.require_owner(d.operator_id)?;
        if let Some(deal_id) = d.deal_id {
            let owner: Option<i64> = self
                .conn
                .query_row(
                    "SELECT customer_id FROM deals WHERE id = ?1",
                    [deal_id],
                    |r| r.get(0),
                )
                .ok();
            if owner != Some(d.customer_id) {
                return Err(StoreError::invalid(
                    "deal",
                    format!(
                        "deal #{deal_id} is not a deal of customer #{}",
                        d.customer_id
                    ),
                ));
            }
        }
        self.conn
            .prepare_cached(
                "INSERT INTO interactions (customer_id, deal_id, kind, direction, occurred_at, operator_id, summary,
                                           outcome, satisfaction, created_at, updated_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
            )?
            .execute(params![
                d.customer_id,
                d.deal_id,
                d.kind,
                d.direction,
                d.occurred_at.timestamp(),
                d.operator_id,
                d.summary,
                d.outcome,
                d.satisfaction,
                self.now,
                self.next_id("interactions", "interaction")?
            ])
            .map_err(|e| self.explain_missing_customer(e, d.customer_id))?;
        let id = self.conn.last_insert_rowid();
        if self.trail {
            let state = self.interaction_state(&d)?;
            self.audit_diff("interaction", id, Some(d.customer_id), None, Some(&state))?;
        }
        Ok(id)
    }

    /// A foreign-key failure on a customer id becomes "customer #N does not exist".
    pub(super) fn explain_missing_customer(
        &self,
        e: rusqlite::Error,
        customer_id: i64,
    ) -> StoreError {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
                [customer_id],
                |r| r.get(0),
            )
            .unwrap_or(true);
        if exists {
            e.into()
        } else {
            StoreError::NotFound {
                entity: "customer",
                id: customer_id,
            }
        }
    }
}
