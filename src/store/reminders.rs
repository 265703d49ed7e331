use super::db::{Db, OptionalExtension, Row};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::sql_types::{from_secs, opt_from_secs};
use super::{Result, Store, StoreError, Writer};
use crate::domain::reminder::validate_note;
use crate::domain::{Recurrence, Reminder, ReminderDraft};

#[derive(Debug, Clone, Default)]
pub struct ReminderFilter {
    pub customer_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Only those coming up (due or snoozed to) before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// Include done reminders too.
    pub include_done: bool,
    pub limit: Option<usize>,
}

const SELECT: &str = "
SELECT r.id, r.customer_id, c.name, r.deal_id, r.due_at, r.note, r.recurrence, r.done_at, r.snoozed_until,
       r.owner_id, o.login, r.version, r.created_at, r.updated_at
FROM reminders r
JOIN customers c ON c.id = r.customer_id
LEFT JOIN operators o ON o.id = r.owner_id";

fn row_to_reminder(r: &Row<'_>) -> rusqlite::Result<Reminder> {
    let recurrence: Option<String> = r.get(6)?;
    let recurrence = recurrence
        .map(|t| Recurrence::parse(&t))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
        })?;
    Ok(Reminder {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        customer_name: r.get(2)?,
        deal_id: r.get(3)?,
        due_at: from_secs(r.get(4)?),
        note: r.get(5)?,
        recurrence,
        done_at: opt_from_secs(r.get(7)?),
        snoozed_until: opt_from_secs(r.get(8)?),
        owner_id: r.get(9)?,
        owner_login: r.get(10)?,
        version: r.get(11)?,
        created_at: from_secs(r.get(12)?),
        updated_at: from_secs(r.get(13)?),
    })
}

/// Refuses `verb` (snoozed, rescheduled…) on a follow-up that is done: its due time
/// and owner are history (the on-time KPI counts them), not a plan to change.
pub(super) fn refuse_if_done(r: &Reminder, verb: &'static str) -> Result<()> {
    match r.done_at {
        Some(done_at) => Err(StoreError::FollowUpDone {
            id: r.id,
            note: r.note.clone(),
            done_at,
            verb,
        }),
        None => Ok(()),
    }
}

/// Refuses `verb` on follow-up `id` when it is done (see [`refuse_if_done`]).
pub(super) fn refuse_if_reminder_done(conn: &Db, id: i64, verb: &'static str) -> Result<()> {
    refuse_if_done(&load_reminder(conn, id)?, verb)
}

pub(super) fn load_reminder(conn: &Db, id: i64) -> Result<Reminder> {
    conn.prepare_cached(&format!("{SELECT} WHERE r.id = ?1"))?
        .query_row([id], row_to_reminder)
        .optional()?
        .ok_or(StoreError::NotFound {
            entity: "follow-up",
            id,
        })
}

impl Store {
    pub fn reminder(&self, id: i64) -> Result<Reminder> {
        load_reminder(&self.conn, id)
    }

    /// Reminders in the order they come up (snoozed ones at their snooze time).
    pub fn reminders(&self, filter: &ReminderFilter) -> Result<Vec<Reminder>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT}
             WHERE (?1 OR r.done_at IS NULL) AND (?2 IS NULL OR r.customer_id = ?2)
               AND (?3 IS NULL OR r.owner_id = ?3)
               AND (?4 IS NULL OR coalesce(r.snoozed_until, r.due_at) < ?4)
             ORDER BY coalesce(r.snoozed_until, r.due_at), r.id
             LIMIT ?5"
        ))?;
        let rows = stmt.query_map(
            params![
                filter.include_done,
                filter.customer_id,
                filter.owner_id,
                filter.due_before.map(|t| t.timestamp()),
                filter.limit.map_or(super::db::NO_LIMIT, |n| n as i64)
            ],
            row_to_reminder,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// At most `limit` open follow-ups (of `owner`, or everyone's) that come up in
    /// `from..to` (their snooze time if snoozed), in that order: read along
    /// `reminders_open_at`, so a screenful costs a screenful however many are due.
    pub fn open_reminders_in(
        &self,
        owner: Option<i64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Reminder>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT}
             WHERE r.done_at IS NULL AND coalesce(r.snoozed_until, r.due_at) >= ?1
               AND coalesce(r.snoozed_until, r.due_at) < ?2 AND (?3 IS NULL OR r.owner_id = ?3)
             ORDER BY coalesce(r.snoozed_until, r.due_at), r.id
             LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![from.timestamp(), to.timestamp(), owner, limit as i64],
            row_to_reminder,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many open follow-ups [`Store::open_reminders_in`] would list without a limit
    /// (counted in the index).
    pub fn open_reminder_count(
        &self,
        owner: Option<i64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<usize> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM reminders r
                 WHERE r.done_at IS NULL AND coalesce(r.snoozed_until, r.due_at) >= ?1
                   AND coalesce(r.snoozed_until, r.due_at) < ?2 AND (?3 IS NULL OR r.owner_id = ?3)",
            )?
            .query_row(params![from.timestamp(), to.timestamp(), owner], |r| {
                r.get(0)
            })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn add_reminder(&mut self, draft: &ReminderDraft) -> Result<i64> {
        self.write(|w| w.add_reminder(draft))
    }

    /// See `Writer::update_reminder`.
    pub fn update_reminder(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &ReminderDraft,
    ) -> Result<()> {
        self.write(|w| w.update_reminder(id, expected_version, draft))
    }

    /// See `Writer::delete_reminder`.
    pub fn delete_reminder(&mut self, id: i64) -> Result<()> {
        self.write(|w| w.delete_reminder(id))
    }
}

impl Writer<'_> {
    /// A reminder as this transaction sees it.
    pub fn reminder(&self, id: i64) -> Result<Reminder> {
        load_reminder(self.conn, id)
    }

    pub fn add_reminder(&mut self, draft: &ReminderDraft) -> Result<i64> {
        let mut d = draft.clone();
        d.validate()?;
        self.require_owner(d.owner_id)?;
        if let Some(deal_id) = d.deal_id {
            let owner: Option<i64> = self
                .conn
                .query_row(
                    "SELECT customer_id FROM deals WHERE id = ?1",
                    [deal_id],
                    |r| r.get(0),
                )
                .optional()?;
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
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO reminders (customer_id, deal_id, due_at, note, recurrence, owner_id, created_at, updated_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) RETURNING id",
            )?
            .query_row(params![
                d.customer_id,
                d.deal_id,
                d.due_at.timestamp(),
                d.note,
                d.recurrence.map(Recurrence::as_text),
                d.owner_id,
                self.now,
                self.next_id("reminders", "follow-up")?
            ], |r| r.get(0))
            .map_err(|e| self.explain_missing_customer(e, d.customer_id))?;
        if self.trail {
            let state = self.reminder_state(&load_reminder(self.conn, id)?);
            self.audit_diff("follow-up", id, Some(d.customer_id), None, Some(&state))?;
        }
        Ok(id)
    }

    /// Marks a reminder done at `done_at`. A recurring one gets its next occurrence
    /// (after the due time, skipping any already past `done_at`) in the same transaction.
    /// Returns the id of the next occurrence, if one was created: `None` for a one-off,
    /// and for a recurring one whose next occurrence would fall after the last day
    /// Rapport keeps (9999-12-31), where the series ends (`reminder::series_end_note`).
    pub fn complete_reminder(&mut self, id: i64, done_at: DateTime<Utc>) -> Result<Option<i64>> {
        let r = load_reminder(self.conn, id)?;
        self.require_change_of("follow-up", id, r.owner_id, r.owner_login.as_deref())?;
        refuse_if_done(&r, "marked done again")?;
        self.keep_before("follow-up", id)?;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE reminders SET done_at = ?3, version = version + 1, updated_at = ?4 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![id, r.version, done_at.timestamp(), self.now])?;
        if n == 0 {
            return Err(self.missing_or_stale("reminders", "follow-up", id));
        }
        self.audit_reminder_change(&r)?;
        let Some(rule) = r.recurrence else {
            return Ok(None);
        };
        let mut next = rule.next_after(r.due_at);
        while let Some(due) = next
            && due <= done_at
        {
            next = rule.next_after(due);
        }
        let Some(next) = next else {
            return Ok(None);
        };
        let id = self.add_reminder(&ReminderDraft {
            customer_id: r.customer_id,
            deal_id: r.deal_id,
            due_at: next,
            note: r.note.clone(),
            recurrence: Some(rule),
            owner_id: r.owner_id,
        })?;
        Ok(Some(id))
    }

    /// Moves a reminder to a new due time (a changed plan, unlike a snooze): any snooze
    /// is cleared.
    pub fn reschedule_reminder(&mut self, id: i64, due_at: DateTime<Utc>) -> Result<()> {
        let r = load_reminder(self.conn, id)?;
        self.require_change_of("follow-up", id, r.owner_id, r.owner_login.as_deref())?;
        refuse_if_done(&r, "rescheduled")?;
        if r.due_at == due_at && r.snoozed_until.is_none() {
            return Ok(());
        }
        self.keep_before("follow-up", id)?;
        let n = self.conn.execute(
            "UPDATE reminders SET due_at = ?3, snoozed_until = NULL, version = version + 1, updated_at = ?4
             WHERE id = ?1 AND version = ?2 AND done_at IS NULL",
            params![id, r.version, due_at.timestamp(), self.now],
        )?;
        if n == 0 {
            return Err(self.missing_or_stale("reminders", "follow-up", id));
        }
        self.audit_reminder_change(&r)
    }

    /// Puts a reminder off until `until`, keeping its original due time for on-time KPIs.
    pub fn snooze_reminder(
        &mut self,
        id: i64,
        until: DateTime<Utc>,
        note: Option<&str>,
    ) -> Result<()> {
        let note = validate_note(note)?;
        let r = load_reminder(self.conn, id)?;
        self.require_change_of("follow-up", id, r.owner_id, r.owner_login.as_deref())?;
        refuse_if_done(&r, "snoozed")?;
        let same_note = note.as_ref().is_none_or(|n| *n == r.note);
        if r.snoozed_until == Some(until) && same_note {
            return Ok(());
        }
        self.keep_before("follow-up", id)?;
        let n = self.conn.execute(
            "UPDATE reminders SET snoozed_until = ?3, note = coalesce(?4, note), version = version + 1, updated_at = ?5
             WHERE id = ?1 AND version = ?2 AND done_at IS NULL",
            params![id, r.version, until.timestamp(), note, self.now],
        )?;
        if n == 0 {
            return Err(self.missing_or_stale("reminders", "follow-up", id));
        }
        self.audit_reminder_change(&r)
    }

    /// Saves `draft` over follow-up `id` (due, note, repeat, owner; its customer stays)
    /// if nobody changed it since `expected_version`. A new due time clears a snooze,
    /// as a reschedule does.
    pub fn update_reminder(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &ReminderDraft,
    ) -> Result<()> {
        let r = load_reminder(self.conn, id)?;
        self.require_change_of("follow-up", id, r.owner_id, r.owner_login.as_deref())?;
        let mut d = draft.clone();
        d.validate()?;
        if d.customer_id != r.customer_id {
            return Err(StoreError::invalid(
                "customer",
                "a follow-up stays with its customer; add one for the other customer and delete this one",
            ));
        }
        if d.owner_id != r.owner_id {
            self.require_owner(d.owner_id)?;
        }
        if let Some(deal_id) = d.deal_id.filter(|deal| Some(*deal) != r.deal_id) {
            let owner: Option<i64> = self
                .conn
                .query_row(
                    "SELECT customer_id FROM deals WHERE id = ?1",
                    [deal_id],
                    |r| r.get(0),
                )
                .optional()?;
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
        let snoozed = r.snoozed_until.filter(|_| d.due_at == r.due_at);
        if d == r.draft() {
            // Still refused when stale: the values read may be outdated.
            return match r.version == expected_version {
                true => Ok(()),
                false => Err(self.missing_or_stale("reminders", "follow-up", id)),
            };
        }
        self.keep_before("follow-up", id)?;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE reminders SET deal_id = ?3, due_at = ?4, note = ?5, recurrence = ?6, owner_id = ?7,
                        snoozed_until = ?8, version = version + 1, updated_at = ?9
                 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![
                id,
                expected_version,
                d.deal_id,
                d.due_at.timestamp(),
                d.note,
                d.recurrence.map(Recurrence::as_text),
                d.owner_id,
                snoozed.map(|t| t.timestamp()),
                self.now
            ])?;
        if n == 0 {
            return Err(self.missing_or_stale("reminders", "follow-up", id));
        }
        self.audit_reminder_change(&r)
    }

    /// Deletes follow-up `id`; the trail keeps it, so `rapport undo` brings it back.
    pub fn delete_reminder(&mut self, id: i64) -> Result<()> {
        self.require_delete("follow-up", id)?;
        let r = load_reminder(self.conn, id)?;
        self.keep_before("follow-up", id)?;
        self.conn
            .prepare_cached("DELETE FROM reminders WHERE id = ?1")?
            .execute([id])?;
        let old = self.reminder_state(&r);
        self.audit_diff("follow-up", id, Some(r.customer_id), Some(&old), None)
    }

    /// Records how follow-up `before.id` changed from `before`.
    fn audit_reminder_change(&self, before: &Reminder) -> Result<()> {
        if !self.trail {
            return Ok(());
        }
        let after = load_reminder(self.conn, before.id)?;
        self.audit_diff(
            "follow-up",
            before.id,
            Some(before.customer_id),
            Some(&self.reminder_state(before)),
            Some(&self.reminder_state(&after)),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Duration;

    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind};

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn store() -> Store {
        let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
        let me = store.sign_in("sara").unwrap();
        for name in ["Acme", "Bahar"] {
            store
                .add_customer(&CustomerDraft::new(CustomerKind::Person, name))
                .unwrap();
        }
        store
            .add_reminder(&ReminderDraft {
                customer_id: 1,
                deal_id: None,
                due_at: clock(),
                note: "Call back".into(),
                recurrence: None,
                owner_id: Some(me.id),
            })
            .unwrap();
        store
    }

    #[test]
    fn a_new_due_time_clears_the_snooze_and_a_new_note_keeps_it() {
        let mut store = store();
        let until = clock() + Duration::hours(3);
        store.write(|w| w.snooze_reminder(1, until, None)).unwrap();
        let r = store.reminder(1).unwrap();
        let mut d = r.draft();
        d.note = "Call back about the offer".into();
        store.update_reminder(1, r.version, &d).unwrap();
        assert_eq!(store.reminder(1).unwrap().snoozed_until, Some(until));
        let r = store.reminder(1).unwrap();
        let mut d = r.draft();
        d.due_at = clock() + Duration::days(2);
        d.recurrence = Some(Recurrence::Weekly);
        store.update_reminder(1, r.version, &d).unwrap();
        let r = store.reminder(1).unwrap();
        assert_eq!(
            (r.snoozed_until, r.recurrence, r.due_at),
            (None, Some(Recurrence::Weekly), clock() + Duration::days(2))
        );
    }

    #[test]
    fn a_follow_up_stays_with_its_customer_and_needs_a_note() {
        let mut store = store();
        let r = store.reminder(1).unwrap();
        let mut d = r.draft();
        d.customer_id = 2;
        let err = store.update_reminder(1, r.version, &d).unwrap_err();
        assert!(
            err.to_string().starts_with("customer: a follow-up stays"),
            "{err}"
        );
        let mut d = r.draft();
        d.note = "  ".into();
        let err = store.update_reminder(1, r.version, &d).unwrap_err();
        assert!(err.to_string().starts_with("note:"), "{err}");
        assert_eq!(store.reminder(1).unwrap(), r, "nothing written");
    }

    #[test]
    fn a_deleted_follow_up_is_kept_by_the_trail() {
        let mut store = store();
        store.delete_reminder(1).unwrap();
        assert!(store.reminder(1).is_err());
        let trail = store.audit_entries(&Default::default()).unwrap();
        assert_eq!(trail[0].headline(), "deleted follow-up #1");
        assert!(
            trail[0]
                .changes
                .iter()
                .any(|c| c.old.as_deref() == Some("Call back")),
            "{:?}",
            trail[0].changes
        );
    }
}
