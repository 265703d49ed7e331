//! The snooze menu: one key puts a follow-up off for an hour, until tomorrow morning or
//! until next week; the times are resolved when the menu opens and shown in it.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use crate::domain::Reminder;
use crate::domain::when::parse_datetime;
use crate::tui::action::Action;

#[derive(Debug, Clone, PartialEq)]
pub struct SnoozeMenu {
    pub reminder_id: i64,
    pub customer_name: String,
    /// The one-key choices and the time each puts the follow-up off until.
    pub choices: Vec<(Action, DateTime<Utc>)>,
}

impl SnoozeMenu {
    /// "Tomorrow" and "next week" put a follow-up off until `morning` (the operator's
    /// default time of day: the start of a working day).
    pub fn new<Tz: TimeZone>(reminder: &Reminder, now: &DateTime<Tz>, morning: NaiveTime) -> Self {
        let mut choices = vec![(
            Action::SnoozeHour,
            now.with_timezone(&Utc) + Duration::hours(1),
        )];
        for (action, text) in [
            (Action::SnoozeTomorrow, "tomorrow"),
            (Action::SnoozeNextWeek, "next mon"),
        ] {
            // A morning hour exists on every day in every zone Rapport knows of; if a
            // zone skipped it, that choice would simply not be offered.
            if let Ok(t) = parse_datetime("until", text, now, morning) {
                choices.push((action, t));
            }
        }
        Self {
            reminder_id: reminder.id,
            customer_name: reminder.customer_name.clone(),
            choices,
        }
    }

    /// The time a one-key choice snoozes until.
    pub fn until(&self, action: Action) -> Option<DateTime<Utc>> {
        self.choices
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, t)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn choices_resolve_in_the_local_zone() {
        // Wednesday 2026-11-25 16:10 at UTC+03:30.
        let zone = FixedOffset::east_opt(3 * 3600 + 1800).unwrap();
        let now = zone.with_ymd_and_hms(2026, 11, 25, 16, 10, 0).unwrap();
        let r = Reminder::sample(7, now.with_timezone(&Utc));
        let menu = SnoozeMenu::new(&r, &now, crate::domain::when::DEFAULT_TIME);
        let local = |a| {
            menu.until(a)
                .unwrap()
                .with_timezone(&zone)
                .format("%a %Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(local(Action::SnoozeHour), "Wed 2026-11-25 17:10");
        assert_eq!(local(Action::SnoozeTomorrow), "Thu 2026-11-26 09:00");
        assert_eq!(local(Action::SnoozeNextWeek), "Mon 2026-11-30 09:00");
        assert_eq!(menu.until(Action::SnoozeCustom), None);
    }
}
