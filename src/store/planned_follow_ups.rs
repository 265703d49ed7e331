//! How many open follow-ups plan each deal (schema 19), kept on the deal by triggers in
//! the transaction of every follow-up write, so "open deals with no follow-up planned"
//! is an indexed read of exactly those deals instead of an anti-join of every open deal
//! against every open follow-up (see `store::pipeline_health`).
//!
//! An open (not done) follow-up plans the deal it is on, or, when it is on no deal,
//! every deal of its customer (a call planned with the customer covers their deals).
//! So `deals.planned_follow_ups` is the number of open follow-ups on the deal plus the
//! number of open follow-ups of its customer on no deal; it is kept for every deal,
//! open or closed, so no deal write but a change of customer has to recount it.
//!
//! The triggers are described once below and rendered for SQLite and for PostgreSQL
//! (as `store::kpi_slots` does), under the same names.

use super::Result;
use super::db::Db;

/// Schema 19: the count, open follow-ups by deal (what a deal's recount and `rapport
/// doctor` read; `reminders_open_deal` serves those of a customer on no deal), and the
/// open deals without a follow-up in expected-close order, with what the health sums
/// and list read, so those reads never touch the table.
pub(super) const PLANNED: &str = r#"
ALTER TABLE deals ADD COLUMN planned_follow_ups INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reminders_open_on_deal ON reminders(deal_id) WHERE done_at IS NULL AND deal_id IS NOT NULL;
CREATE INDEX deals_unplanned ON deals(expected_close, stage_id, owner_id, currency, amount_minor)
    WHERE closed_on IS NULL AND planned_follow_ups = 0;
"#;

/// The triggers that keep `deals.planned_follow_ups`, by name (demo data suspends them
/// and fills the column once with [`fill`]).
pub(super) const PLANNED_TRIGGERS: &[&str] = &[
    "deals_planned_reminder_insert",
    "deals_planned_reminder_delete",
    "deals_planned_reminder_update",
    "deals_planned_deal_insert",
    "deals_planned_deal_customer",
];

/// Adds `sign` (`+ 1` or `- 1`) to the deals follow-up `{r}` plans, when it is open:
/// the deal it is on, or else each deal of its customer.
fn plans(record: &str, sign: &str) -> String {
    format!(
        "    UPDATE deals SET planned_follow_ups = planned_follow_ups {sign}
    WHERE id = {r}deal_id AND {r}done_at IS NULL;
    UPDATE deals SET planned_follow_ups = planned_follow_ups {sign}
    WHERE customer_id = {r}customer_id AND {r}deal_id IS NULL AND {r}done_at IS NULL;\n",
        r = record
    )
}

/// Counts deal `NEW`'s open follow-ups again (a new deal, a restored one, one given to
/// another customer).
const RECOUNT: &str = "    UPDATE deals SET planned_follow_ups =
        (SELECT count(*) FROM reminders r WHERE r.deal_id = NEW.id AND r.done_at IS NULL)
      + (SELECT count(*) FROM reminders r
         WHERE r.customer_id = NEW.customer_id AND r.deal_id IS NULL AND r.done_at IS NULL)
    WHERE id = NEW.id;\n";

/// One trigger: its name, what fires it, when (`None`: always), and its statements.
struct Trigger {
    name: &'static str,
    event: &'static str,
    when: Option<&'static str>,
    body: String,
}

fn every_trigger() -> Vec<Trigger> {
    vec![
        Trigger {
            name: "deals_planned_reminder_insert",
            event: "AFTER INSERT ON reminders",
            when: Some("NEW.done_at IS NULL"),
            body: plans("NEW.", "+ 1"),
        },
        Trigger {
            name: "deals_planned_reminder_delete",
            event: "AFTER DELETE ON reminders",
            when: Some("OLD.done_at IS NULL"),
            body: plans("OLD.", "- 1"),
        },
        // Done, reopened, moved to another deal (or to none), or to another customer.
        Trigger {
            name: "deals_planned_reminder_update",
            event: "AFTER UPDATE OF done_at, deal_id, customer_id ON reminders",
            when: Some(
                "(OLD.done_at IS NULL) <> (NEW.done_at IS NULL)
     OR (NEW.done_at IS NULL AND (OLD.deal_id IS DISTINCT FROM NEW.deal_id
                                  OR OLD.customer_id IS DISTINCT FROM NEW.customer_id))",
            ),
            body: format!("{}{}", plans("OLD.", "- 1"), plans("NEW.", "+ 1")),
        },
        Trigger {
            name: "deals_planned_deal_insert",
            event: "AFTER INSERT ON deals",
            when: None,
            body: RECOUNT.to_string(),
        },
        Trigger {
            name: "deals_planned_deal_customer",
            event: "AFTER UPDATE OF customer_id ON deals",
            when: Some("OLD.customer_id IS DISTINCT FROM NEW.customer_id"),
            body: RECOUNT.to_string(),
        },
    ]
}

/// The triggers in SQLite's SQL.
fn sqlite_triggers() -> String {
    every_trigger()
        .iter()
        .map(|t| {
            let when = t.when.map(|w| format!("\nWHEN {w}")).unwrap_or_default();
            format!(
                "CREATE TRIGGER {} {}{when}\nBEGIN\n{}END;\n",
                t.name, t.event, t.body
            )
        })
        .collect()
}

/// The same triggers for PostgreSQL (`db::pg_schema`): each one's statements in a
/// function of its name.
pub(super) fn pg_triggers() -> String {
    every_trigger()
        .iter()
        .map(|t| super::db::pg_schema::plpgsql_trigger(t.name, t.event, t.when, &t.body))
        .collect()
}

/// Each deal a follow-up plans and how many plan it (deals no follow-up plans left
/// out), computed from the follow-ups themselves: what [`fill`] sets and what `rapport
/// doctor` compares the column with.
pub(super) const FROM_RECORDS: &str = "SELECT id, sum(n) AS n FROM (
    SELECT deal_id AS id, count(*) AS n FROM reminders
    WHERE done_at IS NULL AND deal_id IS NOT NULL GROUP BY deal_id
    UNION ALL
    SELECT d.id, g.n FROM deals d
    JOIN (SELECT customer_id, count(*) AS n FROM reminders
          WHERE done_at IS NULL AND deal_id IS NULL GROUP BY customer_id) AS g
      ON g.customer_id = d.customer_id
) AS plans GROUP BY id";

/// Sets every deal's count from the follow-ups, in one pass over the open ones (the
/// migration's backfill, and what demo data does instead of the triggers).
pub(super) fn fill(conn: &Db) -> Result<()> {
    conn.execute_batch(&format!(
        "UPDATE deals SET planned_follow_ups = 0 WHERE planned_follow_ups <> 0;
         UPDATE deals SET planned_follow_ups = p.n FROM ({FROM_RECORDS}) AS p WHERE deals.id = p.id;"
    ))
}

/// Schema 19, after [`PLANNED`]: the triggers, and the counts of the follow-ups there are.
pub(super) fn install(conn: &Db) -> Result<()> {
    conn.execute_batch(&sqlite_triggers())?;
    fill(conn)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::domain::{
        Currency, CustomerDraft, CustomerKind, DealDraft, Money, Recurrence, ReminderDraft,
    };
    use crate::store::Store;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    /// `(deal, count)` of every deal, in id order.
    type Counts = Vec<(i64, i64)>;

    /// Every deal's count as kept, and as the follow-ups say.
    fn counts(s: &Store) -> (Counts, Counts) {
        let read = |sql: &str| -> Counts {
            s.read(|c| {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap()
        };
        (
            read("SELECT id, planned_follow_ups FROM deals ORDER BY id"),
            read(&format!(
                "SELECT d.id, coalesce(p.n, 0) FROM deals d LEFT JOIN ({FROM_RECORDS}) p ON p.id = d.id ORDER BY d.id"
            )),
        )
    }

    fn assert_in_step(s: &Store, after: &str) -> Counts {
        let (kept, counted) = counts(s);
        assert_eq!(kept, counted, "after {after}");
        kept
    }

    fn deal(s: &mut Store, customer_id: i64) -> i64 {
        s.add_deal(&DealDraft {
            customer_id,
            title: "Licence".into(),
            amount: Money::new(10_000, Currency::USD).unwrap(),
            stage_id: None,
            probability: None,
            expected_close: None,
            owner_id: None,
        })
        .unwrap()
    }

    fn follow_up(s: &mut Store, customer_id: i64, deal_id: Option<i64>) -> i64 {
        s.add_reminder(&ReminderDraft {
            customer_id,
            deal_id,
            due_at: now() + Duration::days(1),
            note: "Call".into(),
            recurrence: None,
            owner_id: None,
        })
        .unwrap()
    }

    #[test]
    fn the_count_follows_every_follow_up_write_undo_merge_and_deletion() {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        s.sign_in("sara").unwrap();
        let me = s.actor().unwrap().id;
        let ada = s
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        let bob = s
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Bob"))
            .unwrap();
        let (a1, a2, b1) = (deal(&mut s, ada), deal(&mut s, ada), deal(&mut s, bob));
        assert_eq!(
            assert_in_step(&s, "deals alone"),
            [(a1, 0), (a2, 0), (b1, 0)]
        );

        // A general follow-up plans each of the customer's deals, one on a deal that deal.
        let general = follow_up(&mut s, ada, None);
        let on_a1 = follow_up(&mut s, ada, Some(a1));
        assert_eq!(
            assert_in_step(&s, "two follow-ups"),
            [(a1, 2), (a2, 1), (b1, 0)]
        );
        // A deal added later counts the general follow-ups already there.
        let a3 = deal(&mut s, ada);
        assert_eq!(assert_in_step(&s, "a new deal").last(), Some(&(a3, 1)));

        // Moved to another deal, then to none.
        let r = s.reminder(on_a1).unwrap();
        let mut draft = r.draft();
        draft.deal_id = Some(a2);
        s.update_reminder(r.id, r.version, &draft).unwrap();
        assert_eq!(
            assert_in_step(&s, "moved to another deal"),
            [(a1, 1), (a2, 2), (b1, 0), (a3, 1)]
        );
        let r = s.reminder(on_a1).unwrap();
        let mut draft = r.draft();
        draft.deal_id = None;
        s.update_reminder(r.id, r.version, &draft).unwrap();
        assert_eq!(
            assert_in_step(&s, "moved to no deal"),
            [(a1, 2), (a2, 2), (b1, 0), (a3, 2)]
        );

        // Done, and undone (reopened); deleted, and undone (back).
        s.write(|w| w.complete_reminder(general, now())).unwrap();
        assert_eq!(assert_in_step(&s, "done")[0], (a1, 1));
        let change = s.last_change_by(me).unwrap().unwrap();
        s.undo_change(change).unwrap();
        assert_eq!(assert_in_step(&s, "reopened by undo")[0], (a1, 2));
        s.delete_reminder(general).unwrap();
        assert_eq!(assert_in_step(&s, "deleted")[0], (a1, 1));
        let change = s.last_change_by(me).unwrap().unwrap();
        s.undo_change(change).unwrap();
        assert_eq!(assert_in_step(&s, "back by undo")[0], (a1, 2));

        // A recurring follow-up done makes its next occurrence: still planned.
        let weekly = s
            .add_reminder(&ReminderDraft {
                customer_id: bob,
                deal_id: Some(b1),
                due_at: now() + Duration::hours(2),
                note: "Weekly check".into(),
                recurrence: Some(Recurrence::Weekly),
                owner_id: None,
            })
            .unwrap();
        s.write(|w| w.complete_reminder(weekly, now())).unwrap();
        assert_eq!(assert_in_step(&s, "a recurring one done")[2], (b1, 1));

        // Undoing an edit of the deal leaves the count the triggers keep.
        let d = s.deal(b1).unwrap();
        let mut change = d.change();
        change.title = "Renewal".into();
        s.update_deal(b1, d.version, &change, now().date_naive())
            .unwrap();
        let edit = s.last_change_by(me).unwrap().unwrap();
        follow_up(&mut s, bob, Some(b1));
        s.undo_change(edit).unwrap();
        assert_eq!(s.deal(b1).unwrap().title, "Licence");
        assert_eq!(assert_in_step(&s, "an edit undone")[2], (b1, 2));

        // Deleting a deal leaves its follow-ups on the customer: they plan the others.
        s.delete_deal(a1).unwrap();
        assert_in_step(&s, "a deal deleted");
        let change = s.last_change_by(me).unwrap().unwrap();
        s.undo_change(change).unwrap();
        assert_in_step(&s, "the deletion undone");

        // Bob merged into Ada: his deals and follow-ups move to her.
        s.merge_customers(ada, bob).unwrap();
        assert_in_step(&s, "a merge");
        s.delete_customer(ada).unwrap();
        assert_eq!(assert_in_step(&s, "the customer deleted"), []);
        let change = s.last_change_by(me).unwrap().unwrap();
        s.undo_change(change).unwrap();
        let back = assert_in_step(&s, "the customer back");
        assert!(back.iter().any(|(_, n)| *n > 0), "{back:?}");

        // The migration's backfill and demo data's fill set what the triggers did.
        s.write(|w| {
            w.conn
                .execute_batch("UPDATE deals SET planned_follow_ups = 7")?;
            fill(w.conn)
        })
        .unwrap();
        assert_eq!(assert_in_step(&s, "filling again"), back);
    }
}
