//! Follow-ups grouped overdue / today / upcoming, one list to walk with the keyboard.

use chrono::{DateTime, TimeZone};

use crate::domain::Reminder;
use crate::domain::agenda::{horizon, start_of_day_after};
use crate::store::{Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;

/// How far ahead "upcoming" reaches.
pub const UPCOMING_DAYS: u32 = 14;

/// Follow-ups read per group: the first ones in order (the rest are counted, and the
/// daily review walks them all).
pub const GROUP_SHOWN: usize = 500;

/// One read of the pane: the first follow-ups of each group, and each group's total.
#[derive(Debug, Clone, Default)]
pub struct Followups {
    pub items: Vec<(Group, Reminder)>,
    /// Overdue, today, upcoming.
    pub totals: [usize; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Overdue,
    Today,
    Upcoming,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Overdue => "Overdue",
            Group::Today => "Today",
            Group::Upcoming => "Upcoming",
        }
    }
}

#[derive(Debug)]
pub struct FollowupsPane {
    /// Only the current operator's follow-ups (the default), or everyone's.
    pub mine: bool,
    pub items: Vec<(Group, Reminder)>,
    /// Each group's total (more than its items when it holds over [`GROUP_SHOWN`]).
    pub totals: [usize; 3],
    pub list: ScrollList,
}

impl Default for FollowupsPane {
    fn default() -> Self {
        Self {
            mine: true,
            items: Vec::new(),
            totals: [0; 3],
            list: ScrollList::default(),
        }
    }
}

impl FollowupsPane {
    pub fn reload<Tz: TimeZone>(
        &mut self,
        store: &Store,
        me: i64,
        now: &DateTime<Tz>,
        page: usize,
    ) -> Result<()> {
        let items = fetch(store, self.mine, me, now)?;
        self.apply(items, page);
        Ok(())
    }

    /// Shows freshly read follow-ups, keeping the selected one selected.
    pub fn apply(&mut self, read: Followups, page: usize) {
        let keep = self.selected().map(|r| r.id);
        self.items = read.items;
        self.totals = read.totals;
        if let Some(i) = keep.and_then(|id| self.items.iter().position(|(_, r)| r.id == id)) {
            self.list.selected = i;
        }
        self.list.keep_visible(self.items.len(), page);
    }

    pub fn selected(&self) -> Option<&Reminder> {
        self.items.get(self.list.selected).map(|(_, r)| r)
    }

    /// How many follow-ups `group` holds (not only those read).
    pub fn count(&self, group: Group) -> usize {
        self.totals[group as usize]
    }

    /// Whether some group holds more than was read.
    pub fn is_cut(&self) -> bool {
        self.items.len() < self.totals.iter().sum::<usize>()
    }

    pub fn navigate(&mut self, action: Action, page: usize) -> bool {
        self.list.navigate(action, self.items.len(), page)
    }
}

/// The follow-ups of `me` (or everyone's) due up to the horizon, grouped: the first
/// [`GROUP_SHOWN`] of each group, and each group's total.
pub fn fetch<Tz: TimeZone>(
    store: &Store,
    mine: bool,
    me: i64,
    now: &DateTime<Tz>,
) -> Result<Followups> {
    let owner = mine.then_some(me);
    let now_utc = now.with_timezone(&chrono::Utc);
    let bounds = [
        (
            Group::Overdue,
            chrono::DateTime::<chrono::Utc>::MIN_UTC,
            now_utc,
        ),
        (Group::Today, now_utc, start_of_day_after(now, 1)),
        (
            Group::Upcoming,
            start_of_day_after(now, 1),
            horizon(now, UPCOMING_DAYS),
        ),
    ];
    let mut read = Followups::default();
    for (group, from, to) in bounds {
        if from >= to {
            continue;
        }
        let items = store.open_reminders_in(owner, from, to, GROUP_SHOWN)?;
        read.totals[group as usize] = if items.len() < GROUP_SHOWN {
            items.len()
        } else {
            store.open_reminder_count(owner, from, to)?
        };
        read.items.extend(items.into_iter().map(|r| (group, r)));
    }
    Ok(read)
}
