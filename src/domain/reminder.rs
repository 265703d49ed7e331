//! Follow-up reminders: due times, recurrence, done and snoozed states.

use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::error::{optional_text, required_text};
use super::when::{LAST_DAY, LAST_INSTANT};

/// How a follow-up repeats once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "every", content = "days")]
pub enum Recurrence {
    Daily,
    Weekly,
    Monthly,
    Days(u16),
}

impl Recurrence {
    /// Parses `daily`, `weekly`, `monthly` or `Nd` / `every N days`.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let t = text.trim().to_lowercase();
        let bad = || {
            ValidationError::new(
                "recurrence",
                format!("{t:?} is not a recurrence; use daily, weekly, monthly or Nd (e.g. 14d)"),
            )
        };
        match t.as_str() {
            "daily" => return Ok(Self::Daily),
            "weekly" => return Ok(Self::Weekly),
            "monthly" => return Ok(Self::Monthly),
            _ => {}
        }
        let n = t
            .strip_prefix("every ")
            .and_then(|r| r.strip_suffix(" days").or_else(|| r.strip_suffix(" day")))
            .or_else(|| t.strip_suffix('d'))
            .ok_or_else(bad)?;
        let n: u16 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || n > 3660 {
            return Err(ValidationError::new(
                "recurrence",
                "every N days needs N from 1 to 3660",
            ));
        }
        Ok(Self::Days(n))
    }

    /// The stored text form, which `parse` reads back.
    pub fn as_text(self) -> String {
        match self {
            Self::Daily => "daily".into(),
            Self::Weekly => "weekly".into(),
            Self::Monthly => "monthly".into(),
            Self::Days(n) => format!("{n}d"),
        }
    }

    /// How it reads in a sentence: `weekly`, `every 14 days`.
    pub fn describe(self) -> String {
        match self {
            Self::Days(n) => format!("every {n} days"),
            other => other.as_text(),
        }
    }

    /// The occurrence after `due`, or `None` when it would fall after the last
    /// instant Rapport keeps (see [`LAST_INSTANT`]): the series ends there. Monthly
    /// keeps the day of month where it exists and otherwise uses the month's last day
    /// (Jan 31 → Feb 28/29).
    pub fn next_after(self, due: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Daily => due.checked_add_signed(Duration::days(1)),
            Self::Weekly => due.checked_add_signed(Duration::weeks(1)),
            Self::Monthly => due.checked_add_months(Months::new(1)),
            Self::Days(n) => due.checked_add_signed(Duration::days(i64::from(n))),
        }
        .filter(|next| *next <= LAST_INSTANT)
    }
}

/// What the app says when follow-up `done` is marked done and `next` is its next
/// occurrence, if one was made.
pub fn done_text(done: &Reminder, next: Option<i64>) -> String {
    match (next, done.recurrence) {
        (Some(n), _) => format!("Done: follow-up #{}; next one is #{n}", done.id),
        (None, Some(rule)) => format!("Done: follow-up #{}; {}", done.id, series_end_note(rule)),
        (None, None) => format!("Done: follow-up #{}", done.id),
    }
}

/// What is said when a recurring follow-up is done and its series ends because the
/// next occurrence would fall after [`LAST_DAY`].
pub fn series_end_note(rule: Recurrence) -> String {
    format!(
        "it repeats {}, but the next one would fall after {LAST_DAY}, the last day Rapport \
         keeps, so the series ends here",
        rule.describe()
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub deal_id: Option<i64>,
    pub due_at: DateTime<Utc>,
    pub note: String,
    pub recurrence: Option<Recurrence>,
    pub done_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub owner_id: Option<i64>,
    pub owner_login: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Reminder {
    /// An open, one-off reminder of customer #1 "Ada" due at `due`, for tests.
    #[cfg(test)]
    pub(crate) fn sample(id: i64, due: DateTime<Utc>) -> Self {
        Self {
            id,
            customer_id: 1,
            customer_name: "Ada".into(),
            deal_id: None,
            due_at: due,
            note: "call".into(),
            recurrence: None,
            done_at: None,
            snoozed_until: None,
            owner_id: None,
            owner_login: None,
            version: 1,
            created_at: due,
            updated_at: due,
        }
    }

    /// When it should come up: the snooze time if snoozed, else the due time.
    pub fn effective_due(&self) -> DateTime<Utc> {
        self.snoozed_until.unwrap_or(self.due_at)
    }

    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }

    /// Its fields as a draft: what an edit changes and saves back.
    pub fn draft(&self) -> ReminderDraft {
        ReminderDraft {
            customer_id: self.customer_id,
            deal_id: self.deal_id,
            due_at: self.due_at,
            note: self.note.clone(),
            recurrence: self.recurrence,
            owner_id: self.owner_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReminderDraft {
    pub customer_id: i64,
    pub deal_id: Option<i64>,
    pub due_at: DateTime<Utc>,
    pub note: String,
    pub recurrence: Option<Recurrence>,
    pub owner_id: Option<i64>,
}

impl ReminderDraft {
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        self.note = required_text("note", &self.note, 2_000)?;
        Ok(())
    }
}

pub fn validate_note(note: Option<&str>) -> Result<Option<String>, ValidationError> {
    optional_text("note", note, 2_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
    }

    #[test]
    fn parses_recurrences() {
        assert_eq!(Recurrence::parse("Weekly").unwrap(), Recurrence::Weekly);
        assert_eq!(Recurrence::parse("14d").unwrap(), Recurrence::Days(14));
        assert_eq!(
            Recurrence::parse("every 3 days").unwrap(),
            Recurrence::Days(3)
        );
        for bad in ["0d", "fortnightly", "d", "-3d"] {
            assert_eq!(
                Recurrence::parse(bad).unwrap_err().field,
                "recurrence",
                "{bad}"
            );
        }
        assert_eq!(
            Recurrence::parse(&Recurrence::Days(9).as_text()).unwrap(),
            Recurrence::Days(9)
        );
    }

    #[test]
    fn monthly_clamps_to_month_end_and_leap_years() {
        assert_eq!(
            Recurrence::Monthly.next_after(at(2026, 1, 31)),
            Some(at(2026, 2, 28))
        );
        assert_eq!(
            Recurrence::Monthly.next_after(at(2028, 1, 31)),
            Some(at(2028, 2, 29))
        );
        assert_eq!(
            Recurrence::Monthly.next_after(at(2026, 12, 15)),
            Some(at(2027, 1, 15))
        );
        assert_eq!(
            Recurrence::Weekly.next_after(at(2028, 2, 26)),
            Some(at(2028, 3, 4))
        );
    }

    #[test]
    fn a_series_ends_at_the_last_day_rapport_keeps() {
        let late = Utc.with_ymd_and_hms(9999, 12, 24, 23, 59, 59).unwrap();
        assert_eq!(Recurrence::Weekly.next_after(late), Some(LAST_INSTANT));
        assert_eq!(Recurrence::Daily.next_after(LAST_INSTANT), None);
        assert_eq!(Recurrence::Monthly.next_after(at(9999, 12, 15)), None);
        assert_eq!(Recurrence::Days(3660).next_after(at(9995, 1, 1)), None);
        assert_eq!(
            series_end_note(Recurrence::Days(14)),
            "it repeats every 14 days, but the next one would fall after 9999-12-31, the last \
             day Rapport keeps, so the series ends here"
        );
    }
}
