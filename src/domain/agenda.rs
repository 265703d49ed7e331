//! The agenda: open follow-ups grouped as overdue, due today and coming up.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::Reminder;
use super::when::local_to_utc;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Agenda {
    /// Due time already passed.
    pub overdue: Vec<Reminder>,
    /// Due later today.
    pub today: Vec<Reminder>,
    /// Due after today, within the horizon.
    pub upcoming: Vec<Reminder>,
}

/// The end of the local day `days` days after today: how far an agenda looks ahead.
pub fn horizon<Tz: TimeZone>(now: &DateTime<Tz>, days: u32) -> DateTime<Utc> {
    start_of_day_after(now, u64::from(days) + 1)
}

pub fn start_of_day_after<Tz: TimeZone>(now: &DateTime<Tz>, days: u64) -> DateTime<Utc> {
    let day = now
        .date_naive()
        .checked_add_days(Days::new(days))
        .unwrap_or(now.date_naive());
    local_to_utc("date", &now.timezone(), day.and_time(NaiveTime::MIN))
        // Midnight skipped by a DST change: the day starts an hour later.
        .or_else(|_| {
            local_to_utc(
                "date",
                &now.timezone(),
                day.and_time(NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN)),
            )
        })
        .unwrap_or_else(|_| now.with_timezone(&Utc))
}

impl Agenda {
    /// Groups open reminders (already limited to the horizon) by when they come up.
    pub fn group<Tz: TimeZone>(reminders: Vec<Reminder>, now: &DateTime<Tz>) -> Self {
        let now_utc = now.with_timezone(&Utc);
        let tomorrow = start_of_day_after(now, 1);
        let mut agenda = Agenda::default();
        for r in reminders.into_iter().filter(|r| !r.is_done()) {
            let due = r.effective_due();
            if due < now_utc {
                agenda.overdue.push(r);
            } else if due < tomorrow {
                agenda.today.push(r);
            } else {
                agenda.upcoming.push(r);
            }
        }
        agenda
    }

    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.today.is_empty() && self.upcoming.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, FixedOffset};

    fn reminder(id: i64, due: DateTime<Utc>) -> Reminder {
        Reminder::sample(id, due)
    }

    #[test]
    fn groups_by_local_day() {
        let tz = FixedOffset::east_opt(3 * 3600).unwrap();
        let now = tz.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap();
        let n = now.with_timezone(&Utc);
        let mut snoozed = reminder(4, n - Duration::hours(5));
        snoozed.snoozed_until = Some(n + Duration::minutes(30));
        let list = vec![
            reminder(1, n - Duration::hours(1)),
            reminder(2, n + Duration::minutes(90)), // 23:30 local: still today
            reminder(3, n + Duration::hours(3)),    // 01:00 local tomorrow
            snoozed,
        ];
        let a = Agenda::group(list, &now);
        let ids = |v: &Vec<Reminder>| v.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(&a.overdue), vec![1]);
        assert_eq!(ids(&a.today), vec![2, 4]);
        assert_eq!(ids(&a.upcoming), vec![3]);
        assert_eq!(
            horizon(&now, 0),
            tz.with_ymd_and_hms(2026, 11, 24, 0, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        );
    }
}
