use super::db::{Db, Row};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::sql_types::from_secs;
use super::{Result, Store, StoreError, Writer};
use crate::domain::{Interaction, InteractionDraft};

const SELECT: &str = "
SELECT i.id, i.customer_id, i.deal_id, i.kind, i.direction, i.occurred_at, i.operator_id, o.login,
       i.summary, i.outcome, i.satisfaction, i.version, i.created_at, i.updated_at, i.nps
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
        nps: r.get(14)?,
        version: r.get(11)?,
        created_at: from_secs(r.get(12)?),
        updated_at: from_secs(r.get(13)?),
    })
}

pub(super) fn load_interaction(conn: &Db, id: i64) -> Result<Interaction> {
    use super::db::OptionalExtension;
    conn.prepare_cached(&format!("{SELECT} WHERE i.id = ?1"))?
        .query_row([id], row_to_interaction)
        .optional()?
        .ok_or(StoreError::NotFound {
            entity: "interaction",
            id,
        })
}

impl Store {
    pub fn interaction(&self, id: i64) -> Result<Interaction> {
        load_interaction(&self.conn, id)
    }

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

    /// See `Writer::update_interaction`.
    pub fn update_interaction(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &InteractionDraft,
    ) -> Result<()> {
        self.write(|w| w.update_interaction(id, expected_version, draft))
    }

    /// See `Writer::delete_interaction`.
    pub fn delete_interaction(&mut self, id: i64) -> Result<()> {
        self.write(|w| w.delete_interaction(id))
    }
}

/// Rows per multi-row INSERT of `Writer::log_past_interactions`.
const ROWS_PER_INSERT: usize = 128;

impl Writer<'_> {
    /// An interaction as this transaction sees it.
    pub fn interaction(&self, id: i64) -> Result<Interaction> {
        load_interaction(self.conn, id)
    }

    /// Saves `draft` over interaction `id` (kind, direction, time, summary, outcome,
    /// satisfaction; its customer stays) if nobody changed it since `expected_version`.
    pub fn update_interaction(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &InteractionDraft,
    ) -> Result<()> {
        let before = load_interaction(self.conn, id)?;
        self.require_change_of(
            "interaction",
            id,
            before.operator_id,
            before.operator_login.as_deref(),
        )?;
        let mut d = draft.clone();
        d.validate()?;
        d.check_happened_by(self.now())?;
        if d.customer_id != before.customer_id {
            return Err(StoreError::invalid(
                "customer",
                "an interaction stays with its customer; log it again for the other one and delete this one",
            ));
        }
        if d.operator_id != before.operator_id {
            self.require_owner(d.operator_id)?;
        }
        self.check_deal_of(d.deal_id, d.customer_id)?;
        if d == before.draft() {
            // Still refused when stale: the values read may be outdated.
            return match before.version == expected_version {
                true => Ok(()),
                false => Err(self.missing_or_stale("interactions", "interaction", id)),
            };
        }
        self.keep_before("interaction", id)?;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE interactions SET deal_id = ?3, kind = ?4, direction = ?5, occurred_at = ?6, operator_id = ?7,
                        summary = ?8, outcome = ?9, satisfaction = ?10, version = version + 1, updated_at = ?11
                 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![
                id,
                expected_version,
                d.deal_id,
                d.kind,
                d.direction,
                d.occurred_at.timestamp(),
                d.operator_id,
                d.summary,
                d.outcome,
                d.satisfaction,
                self.now
            ])?;
        if n == 0 {
            return Err(self.missing_or_stale("interactions", "interaction", id));
        }
        let old = self.interaction_state(&before.draft())?;
        let new = self.interaction_state(&d)?;
        self.audit_diff(
            "interaction",
            id,
            Some(d.customer_id),
            Some(&old),
            Some(&new),
        )
    }

    /// Deletes interaction `id`; the trail keeps it, so `rapport undo` brings it back.
    pub fn delete_interaction(&mut self, id: i64) -> Result<()> {
        self.require_delete("interaction", id)?;
        let before = load_interaction(self.conn, id)?;
        self.keep_before("interaction", id)?;
        self.conn
            .prepare_cached("DELETE FROM interactions WHERE id = ?1")?
            .execute([id])?;
        let old = self.interaction_state(&before.draft())?;
        self.audit_diff(
            "interaction",
            id,
            Some(before.customer_id),
            Some(&old),
            None,
        )
    }

    pub fn log_interaction(&mut self, draft: &InteractionDraft) -> Result<i64> {
        let d = self.checked_interaction(draft, self.now())?;
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO interactions (customer_id, deal_id, kind, direction, occurred_at, operator_id, summary,
                                           outcome, satisfaction, created_at, updated_at, id, nps)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12) RETURNING id",
            )?
            .query_row(params![
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
                self.next_id("interactions", "interaction")?,
                d.nps
            ], |r| r.get(0))
            .map_err(|e| self.explain_missing_customer(e, d.customer_id))?;
        if self.trail {
            let state = self.interaction_state(&d)?;
            self.audit_diff("interaction", id, Some(d.customer_id), None, Some(&state))?;
        }
        Ok(id)
    }

    /// Logs history: each interaction stamped as entered at the instant paired with it,
    /// exactly as `backdate` then `log_interaction` would, in order. Many rows per
    /// statement while the trail is off (generated demo data); one by one, each with
    /// its audit entry, otherwise.
    pub fn log_past_interactions(
        &mut self,
        entered: &[(InteractionDraft, DateTime<Utc>)],
    ) -> Result<()> {
        if self.trail {
            let now = self.now;
            for (draft, at) in entered {
                self.backdate(*at);
                let logged = self.log_interaction(draft);
                self.now = now;
                logged?;
            }
            return Ok(());
        }
        let mut first_id = self.next_id("interactions", "interaction")?;
        for chunk in entered.chunks(ROWS_PER_INSERT) {
            let rows = chunk
                .iter()
                .map(|(draft, at)| {
                    let d = self.checked_interaction(draft, *at)?;
                    Ok((d.occurred_at.timestamp(), at.timestamp(), d))
                })
                .collect::<Result<Vec<_>>>()?;
            let ids: Vec<i64> = (first_id..).take(rows.len()).collect();
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * 13);
            for ((occurred, at, d), id) in rows.iter().zip(&ids) {
                values.extend([
                    &d.customer_id as &dyn rusqlite::ToSql,
                    &d.deal_id,
                    &d.kind,
                    &d.direction,
                    occurred,
                    &d.operator_id,
                    &d.summary,
                    &d.outcome,
                    &d.satisfaction,
                    at,
                    at,
                    id,
                    &d.nps,
                ]);
            }
            let sql = format!(
                "INSERT INTO interactions (customer_id, deal_id, kind, direction, occurred_at, operator_id, summary,
                                           outcome, satisfaction, created_at, updated_at, id, nps)
                 VALUES {}",
                vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ")
            );
            let inserted = self.conn.prepare_cached(&sql)?.execute(values);
            if let Err(e) = inserted {
                // Which customer was missing, as `log_interaction` would say.
                let missing = rows
                    .iter()
                    .map(|(_, _, d)| d.customer_id)
                    .find(|id| !self.customer_exists(*id));
                return Err(match missing {
                    Some(id) => StoreError::NotFound {
                        entity: "customer",
                        id,
                    },
                    None => e,
                });
            }
            first_id += rows.len() as i64;
        }
        self.ids_taken_through("interactions", first_id - 1)
    }

    /// `draft` validated (normalised), checked to have happened by `now` and to name a
    /// deal of its own customer, by an operator the actor may log for.
    fn checked_interaction(
        &self,
        draft: &InteractionDraft,
        now: DateTime<Utc>,
    ) -> Result<InteractionDraft> {
        let mut d = draft.clone();
        d.validate()?;
        d.check_happened_by(now)?;
        self.require_owner(d.operator_id)?;
        self.check_deal_of(d.deal_id, d.customer_id)?;
        Ok(d)
    }

    /// Refuses a deal that is not one of customer `customer_id`'s.
    fn check_deal_of(&self, deal_id: Option<i64>, customer_id: i64) -> Result<()> {
        let Some(deal_id) = deal_id else {
            return Ok(());
        };
        let owner: Option<i64> = self
            .conn
            .query_row(
                "SELECT customer_id FROM deals WHERE id = ?1",
                [deal_id],
                |r| r.get(0),
            )
            .ok();
        if owner != Some(customer_id) {
            return Err(StoreError::invalid(
                "deal",
                format!("deal #{deal_id} is not a deal of customer #{customer_id}"),
            ));
        }
        Ok(())
    }

    /// A foreign-key failure on a customer id becomes "customer #N does not exist".
    pub(super) fn explain_missing_customer(&self, e: StoreError, customer_id: i64) -> StoreError {
        if self.customer_exists(customer_id) {
            e
        } else {
            StoreError::NotFound {
                entity: "customer",
                id: customer_id,
            }
        }
    }

    /// Whether customer `id` exists (a failed check counts as yes: the original error
    /// then stands).
    fn customer_exists(&self, id: i64) -> bool {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Duration;

    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind, Direction, InteractionKind};

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn store() -> Store {
        let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
        let me = store.sign_in("sara").unwrap();
        store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Acme"))
            .unwrap();
        store
            .log_interaction(&InteractionDraft {
                customer_id: 1,
                deal_id: None,
                kind: InteractionKind::Call,
                direction: Direction::Out,
                occurred_at: clock() - Duration::days(1),
                operator_id: Some(me.id),
                summary: "Called".into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
        store
    }

    #[test]
    fn an_edit_moves_the_last_contact_with_it_and_a_deletion_too() {
        let mut store = store();
        let i = store.interaction(1).unwrap();
        let mut d = i.draft();
        d.occurred_at = clock() - Duration::hours(2);
        d.kind = InteractionKind::Meeting;
        d.satisfaction = Some(5);
        store.update_interaction(1, i.version, &d).unwrap();
        let summary = |store: &Store| store.customer_summaries(&[1]).unwrap().remove(0);
        assert_eq!(
            summary(&store).last_contact,
            Some(clock() - Duration::hours(2))
        );
        store.delete_interaction(1).unwrap();
        assert_eq!(summary(&store).last_contact, None);
    }

    #[test]
    fn the_timeline_is_what_happened_so_an_edit_into_the_future_is_refused() {
        let mut store = store();
        let i = store.interaction(1).unwrap();
        let mut d = i.draft();
        d.occurred_at = clock() + Duration::days(1);
        let err = store.update_interaction(1, i.version, &d).unwrap_err();
        assert!(err.to_string().contains("is in the future"), "{err}");
        let mut d = i.draft();
        d.satisfaction = Some(6);
        let err = store.update_interaction(1, i.version, &d).unwrap_err();
        assert!(err.to_string().starts_with("satisfaction:"), "{err}");
        assert_eq!(store.interaction(1).unwrap(), i);
    }
}
