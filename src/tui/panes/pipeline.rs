//! The pipeline as kanban columns, one per stage, with per-stage totals.

use chrono::{Duration, NaiveDate};

use crate::domain::{Currency, Deal, Stage, StageOutcome};
use crate::store::{DealFilter, Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;

/// Won and lost columns show deals closed within this many days.
pub const CLOSED_DAYS: i64 = 90;

#[derive(Debug, Default)]
pub struct PipelinePane {
    pub stages: Vec<Stage>,
    pub columns: Vec<Vec<Deal>>,
    pub lists: Vec<ScrollList>,
    pub col: usize,
}

/// Count, sum and weighted sum of one column in the reporting currency, plus how many
/// deals are in other currencies (not summed: there are no exchange rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    pub sum_minor: i64,
    pub weighted_minor: i64,
    pub other_currency: usize,
}

pub fn totals(deals: &[Deal], currency: Currency) -> Totals {
    let mut t = Totals {
        count: deals.len(),
        sum_minor: 0,
        weighted_minor: 0,
        other_currency: 0,
    };
    for d in deals {
        if d.amount.currency == currency {
            t.sum_minor = t.sum_minor.saturating_add(d.amount.minor);
            t.weighted_minor = t.weighted_minor.saturating_add(d.weighted_minor());
        } else {
            t.other_currency += 1;
        }
    }
    t
}

impl PipelinePane {
    pub fn reload(&mut self, store: &Store, today: NaiveDate, page: usize) -> Result<()> {
        let keep = self.selected().map(|d| d.id);
        self.stages = store.stages()?;
        let deals = store.deals(&DealFilter {
            closed_since: Some(today - Duration::days(CLOSED_DAYS)),
            ..Default::default()
        })?;
        let mut columns: Vec<Vec<Deal>> = vec![Vec::new(); self.stages.len()];
        for d in deals {
            if let Some(i) = self.stages.iter().position(|s| s.id == d.stage_id) {
                columns[i].push(d);
            }
        }
        // Closed columns: most recently closed first.
        for (stage, col) in self.stages.iter().zip(columns.iter_mut()) {
            if stage.outcome != StageOutcome::Open {
                col.sort_by_key(|d| std::cmp::Reverse((d.closed_on, d.id)));
            }
        }
        self.columns = columns;
        self.lists.resize(self.stages.len(), ScrollList::default());
        self.col = self.col.min(self.stages.len().saturating_sub(1));
        // A moved deal stays selected in its new column.
        if let Some(id) = keep {
            for (c, deals) in self.columns.iter().enumerate() {
                if let Some(i) = deals.iter().position(|d| d.id == id) {
                    self.col = c;
                    self.lists[c].selected = i;
                }
            }
        }
        for (list, deals) in self.lists.iter_mut().zip(&self.columns) {
            list.keep_visible(deals.len(), page);
        }
        Ok(())
    }

    pub fn selected(&self) -> Option<&Deal> {
        let list = self.lists.get(self.col)?;
        self.columns.get(self.col)?.get(list.selected)
    }

    /// Moves between columns and cards; `false` when the action is not about moving.
    pub fn navigate(&mut self, action: Action, page: usize) -> bool {
        let len = self.columns.get(self.col).map_or(0, Vec::len);
        let Some(list) = self.lists.get_mut(self.col) else {
            return false;
        };
        match action {
            Action::Up => list.move_by(-1, len, page),
            Action::Down => list.move_by(1, len, page),
            Action::PageUp => list.move_by(-(page as isize), len, page),
            Action::PageDown => list.move_by(page as isize, len, page),
            Action::Top => list.select(0, len, page),
            Action::Bottom => list.select(len.saturating_sub(1), len, page),
            Action::Left => self.col = self.col.saturating_sub(1),
            Action::Right => self.col = (self.col + 1).min(self.stages.len().saturating_sub(1)),
            _ => return false,
        }
        true
    }
}
