//! Follow-ups grouped overdue / today / upcoming, one list to walk with the keyboard.

use chrono::{DateTime, TimeZone};

use crate::domain::Reminder;
use crate::domain::agenda::{Agenda, horizon};
use crate::store::{ReminderFilter, Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;

/// How far ahead "upcoming" reaches.
pub const UPCOMING_DAYS: u32 = 14;

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
    pub list: ScrollList,
}

impl Default for FollowupsPane {
    fn default() -> Self {
        Self {
            mine: true,
            items: Vec::new(),
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
    pub fn apply(&mut self, items: Vec<(Group, Reminder)>, page: usize) {
        let keep = self.selected().map(|r| r.id);
        self.items = items;
        if let Some(i) = keep.and_then(|id| self.items.iter().position(|(_, r)| r.id == id)) {
            self.list.selected = i;
        }
        self.list.keep_visible(self.items.len(), page);
    }

    pub fn selected(&self) -> Option<&Reminder> {
        self.items.get(self.list.selected).map(|(_, r)| r)
    }

    pub fn count(&self, group: Group) -> usize {
        self.items.iter().filter(|(g, _)| *g == group).count()
    }

    pub fn navigate(&mut self, action: Action, page: usize) -> bool {
        self.list.navigate(action, self.items.len(), page)
    }
}

/// The follow-ups of `me` (or everyone's) due up to the horizon, grouped.
pub fn fetch<Tz: TimeZone>(
    store: &Store,
    mine: bool,
    me: i64,
    now: &DateTime<Tz>,
) -> Result<Vec<(Group, Reminder)>> {
    let filter = ReminderFilter {
        owner_id: mine.then_some(me),
        due_before: Some(horizon(now, UPCOMING_DAYS)),
        ..Default::default()
    };
    let agenda = Agenda::group(store.reminders(&filter)?, now);
    Ok(agenda
        .overdue
        .into_iter()
        .map(|r| (Group::Overdue, r))
        .chain(agenda.today.into_iter().map(|r| (Group::Today, r)))
        .chain(agenda.upcoming.into_iter().map(|r| (Group::Upcoming, r)))
        .collect())
}
