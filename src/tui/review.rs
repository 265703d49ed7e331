//! The daily review: overdue and today's follow-ups one at a time, oldest first, then
//! customers going quiet (longer without contact than their cadence wants) as
//! suggestions; one key per decision, and a summary of what was done at the end.
//!
//! The queue is fixed when the review starts; each step is read again from the store
//! when it comes up, so what another operator handled meanwhile is passed over.

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::agenda::horizon;
use crate::domain::{ContactStatus, CustomerCard, Reminder};
use crate::store::{QuietFilter, ReminderFilter, Result, Store, StoreError};

/// Interactions shown with each step.
pub const LAST_INTERACTIONS: usize = 10;
/// Going-quiet customers the review suggests after the follow-ups, most urgent first.
pub const QUIET_SUGGESTIONS: usize = 10;

/// One step of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A follow-up (reminder id) due today or overdue.
    Followup(i64),
    /// A customer (id) going quiet, with no open follow-up.
    Quiet(i64),
}

/// What the operator decided for one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// An interaction was logged (and the follow-up, if any, marked done).
    Logged,
    Snoozed,
    Rescheduled,
    Skipped,
    /// A follow-up planned for a customer going quiet.
    Planned,
    /// Done, snoozed or moved elsewhere (another operator) before its turn came.
    Gone,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Logged => "outcome logged",
            Outcome::Snoozed => "snoozed",
            Outcome::Rescheduled => "rescheduled",
            Outcome::Skipped => "skipped",
            Outcome::Planned => "follow-up planned",
            Outcome::Gone => "handled elsewhere",
        }
    }
}

/// The step on screen, as read from the store.
#[derive(Debug, Clone)]
pub struct Current {
    /// The follow-up; `None` for a customer going quiet.
    pub reminder: Option<Reminder>,
    pub card: CustomerCard,
}

#[derive(Debug, Clone)]
pub struct Review {
    /// Only the operator's own follow-ups, or everyone's.
    pub mine: bool,
    /// Follow-ups oldest due first, then customers going quiet.
    pub steps: Vec<Step>,
    /// "Customer — note" of each step, for the summary.
    pub labels: Vec<String>,
    pub outcomes: Vec<Option<Outcome>>,
    /// The step on screen; `steps.len()` is the summary.
    pub at: usize,
    pub current: Option<Current>,
    /// The operator left the review for a while (to the customer's card or another
    /// pane); it comes back where it was.
    pub paused: bool,
}

/// How many steps ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub done: usize,
    pub logged: usize,
    pub snoozed: usize,
    pub rescheduled: usize,
    pub skipped: usize,
    pub gone: usize,
    pub not_reached: usize,
    /// Customers going quiet: contacted (an interaction logged) or a follow-up planned.
    pub contacted: usize,
    pub planned: usize,
}

impl Review {
    /// Queues the follow-ups due before the end of today, then the customers going
    /// quiet that have no open follow-up (`me`'s only when `mine`).
    pub fn start<Tz: TimeZone>(
        store: &Store,
        me: i64,
        mine: bool,
        now: &DateTime<Tz>,
    ) -> Result<Self> {
        let owner = mine.then_some(me);
        let due = store.reminders(&ReminderFilter {
            owner_id: owner,
            due_before: Some(end_of_today(now)),
            ..Default::default()
        })?;
        let quiet = store.going_quiet(
            &QuietFilter {
                owner_id: owner,
                include_due: true,
                limit: Some(QUIET_SUGGESTIONS * 5),
            },
            now.with_timezone(&Utc),
        )?;
        let mut steps: Vec<Step> = due.iter().map(|r| Step::Followup(r.id)).collect();
        let mut labels: Vec<String> = due
            .iter()
            .map(|r| format!("{} — {}", r.customer_name, r.note))
            .collect();
        for q in quiet
            .iter()
            .filter(|q| q.summary.open_reminders == 0)
            .take(QUIET_SUGGESTIONS)
        {
            steps.push(Step::Quiet(q.summary.id));
            labels.push(format!(
                "{} — going quiet, {} without contact",
                q.summary.name,
                crate::text::count(q.days_since, "day", "days")
            ));
        }
        let mut review = Self {
            mine,
            labels,
            outcomes: vec![None; steps.len()],
            steps,
            at: 0,
            current: None,
            paused: false,
        };
        review.load(store, now)?;
        Ok(review)
    }

    pub fn finished(&self) -> bool {
        self.at >= self.steps.len()
    }

    /// (position of the step on screen counting from 1, number of steps).
    pub fn progress(&self) -> (usize, usize) {
        ((self.at + 1).min(self.steps.len()), self.steps.len())
    }

    /// The follow-up on screen (none for a customer going quiet, or at the summary).
    pub fn reminder(&self) -> Option<&Reminder> {
        self.current.as_ref().and_then(|c| c.reminder.as_ref())
    }

    /// How many follow-ups, and how many customers going quiet, the review holds.
    pub fn counts(&self) -> (usize, usize) {
        let quiet = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Quiet(_)))
            .count();
        (self.steps.len() - quiet, quiet)
    }

    /// What was decided for the step on screen, when it is revisited.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcomes.get(self.at).copied().flatten()
    }

    /// Reads the step on screen from the store. A step not yet decided that no longer
    /// needs anyone (a follow-up done, put off or deleted elsewhere; a quiet customer
    /// contacted meanwhile) is passed over.
    pub fn load<Tz: TimeZone>(&mut self, store: &Store, now: &DateTime<Tz>) -> Result<()> {
        let end = end_of_today(now);
        let now = now.with_timezone(&Utc);
        self.current = None;
        while let Some(&step) = self.steps.get(self.at) {
            let decided = self.outcomes[self.at].is_some();
            let current = match step {
                Step::Followup(id) => match found(store.reminder(id))? {
                    Some(r) if decided || (!r.is_done() && r.effective_due() < end) => {
                        let card = store.customer_card(r.customer_id, LAST_INTERACTIONS)?;
                        Some(Current {
                            reminder: Some(r),
                            card,
                        })
                    }
                    _ => None,
                },
                Step::Quiet(id) => match found(store.customer_card(id, LAST_INTERACTIONS))? {
                    Some(card)
                        if decided
                            || card
                                .contact
                                .as_ref()
                                .is_some_and(|c| c.status(now) != ContactStatus::Fine) =>
                    {
                        Some(Current {
                            reminder: None,
                            card,
                        })
                    }
                    _ => None,
                },
            };
            if current.is_some() {
                self.current = current;
                return Ok(());
            }
            if !decided {
                self.outcomes[self.at] = Some(Outcome::Gone);
            }
            self.at += 1;
        }
        Ok(())
    }

    /// Records the decision for the step on screen and moves to the next.
    pub fn record<Tz: TimeZone>(
        &mut self,
        outcome: Outcome,
        store: &Store,
        now: &DateTime<Tz>,
    ) -> Result<()> {
        if let Some(slot) = self.outcomes.get_mut(self.at) {
            *slot = Some(outcome);
            self.at += 1;
        }
        self.load(store, now)
    }

    /// Goes back to the previous step shown (passed-over ones stay passed over).
    pub fn back<Tz: TimeZone>(&mut self, store: &Store, now: &DateTime<Tz>) -> Result<()> {
        let previous = (0..self.at)
            .rev()
            .find(|&i| self.outcomes[i] != Some(Outcome::Gone));
        if let Some(i) = previous {
            self.at = i;
            self.load(store, now)?;
        }
        Ok(())
    }

    /// Ends the review early: the summary shows what was not reached.
    pub fn finish(&mut self) {
        self.at = self.steps.len();
        self.current = None;
    }

    /// Labels of the steps still due: skipped or not reached.
    pub fn still_due(&self) -> impl Iterator<Item = &str> {
        self.outcomes
            .iter()
            .zip(&self.labels)
            .filter(|(o, _)| matches!(o, None | Some(Outcome::Skipped)))
            .map(|(_, l)| l.as_str())
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for (step, o) in self.steps.iter().zip(&self.outcomes) {
            match (step, o) {
                (Step::Quiet(_), Some(Outcome::Logged)) => t.contacted += 1,
                (_, Some(Outcome::Done)) => t.done += 1,
                (_, Some(Outcome::Logged)) => t.logged += 1,
                (_, Some(Outcome::Snoozed)) => t.snoozed += 1,
                (_, Some(Outcome::Rescheduled)) => t.rescheduled += 1,
                (_, Some(Outcome::Skipped)) => t.skipped += 1,
                (_, Some(Outcome::Planned)) => t.planned += 1,
                (_, Some(Outcome::Gone)) => t.gone += 1,
                (_, None) => t.not_reached += 1,
            }
        }
        t
    }
}

/// `Ok(None)` for a record that no longer exists.
fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The start of tomorrow, local time: what is due before it is on today's list.
pub fn end_of_today<Tz: TimeZone>(now: &DateTime<Tz>) -> DateTime<Utc> {
    horizon(now, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind, ReminderDraft};
    use chrono::Duration;

    fn seeded() -> (Store, i64, Vec<i64>) {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.ensure_operator("sara").unwrap().id;
        let c = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        let now = store.now();
        let mut ids = Vec::new();
        // Due 3 h ago, 2 days ago, in 30 minutes, and next week (not today).
        for offset in [
            -Duration::hours(3),
            -Duration::days(2),
            Duration::minutes(30),
            Duration::days(8),
        ] {
            ids.push(
                store
                    .add_reminder(&ReminderDraft {
                        customer_id: c,
                        deal_id: None,
                        due_at: now + offset,
                        note: format!("due {offset}"),
                        recurrence: None,
                        owner_id: Some(me),
                    })
                    .unwrap(),
            );
        }
        (store, me, ids)
    }

    #[test]
    fn queues_overdue_and_today_oldest_first() {
        let (store, me, ids) = seeded();
        let now = store.now();
        let r = Review::start(&store, me, true, &now).unwrap();
        // The 30-minute one is today unless the day ends within 30 minutes.
        let expected: Vec<Step> = if end_of_today(&now) > now + Duration::minutes(30) {
            vec![ids[1], ids[0], ids[2]]
        } else {
            vec![ids[1], ids[0]]
        }
        .into_iter()
        .map(Step::Followup)
        .collect();
        assert_eq!(r.steps, expected);
        assert_eq!(r.reminder().unwrap().id, ids[1]);
        assert_eq!(r.progress(), (1, expected.len()));
        let other = Review::start(&store, me + 1, true, &now).unwrap();
        assert!(other.steps.is_empty() && other.finished());
        assert_eq!(
            Review::start(&store, me + 1, false, &now).unwrap().steps,
            expected
        );
    }

    #[test]
    fn records_goes_back_and_passes_over_what_was_handled_elsewhere() {
        let (mut store, me, ids) = seeded();
        let now = store.now();
        let mut r = Review::start(&store, me, true, &now).unwrap();
        let total = r.steps.len();
        // Someone finishes the second step while the first is on screen.
        store.write(|w| w.complete_reminder(ids[0], now)).unwrap();
        r.record(Outcome::Skipped, &store, &now).unwrap();
        assert_eq!(r.outcomes[1], Some(Outcome::Gone));
        assert_eq!(r.at, 2);
        r.back(&store, &now).unwrap();
        assert_eq!(r.at, 0, "back passes over the step handled elsewhere");
        assert_eq!(r.outcome(), Some(Outcome::Skipped));
        r.finish();
        let t = r.tally();
        assert_eq!((t.skipped, t.gone, t.not_reached), (1, 1, total - 2));
        assert!(r.finished() && r.reminder().is_none());
    }
}
