//! The pipeline as kanban columns, one per stage. Each column's figures come from an
//! SQL aggregate; its cards are read a page at a time as the selection moves down, so
//! a pipeline of hundreds of thousands of deals opens as fast as a small one.

use chrono::{Duration, NaiveDate};

use crate::domain::deal::StageTotals;
use crate::domain::{Currency, Deal, Stage};
use crate::store::{DealFilter, Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;

/// Won and lost columns show deals closed within this many days.
pub const CLOSED_DAYS: i64 = 90;
/// Cards read at a time per column.
const PAGE: usize = 100;

#[derive(Debug, Clone)]
pub struct Column {
    pub stage: Stage,
    pub totals: StageTotals,
    /// Deals `window_start..window_start + deals.len()` of the column, in board order.
    pub window_start: usize,
    pub deals: Vec<Deal>,
    pub list: ScrollList,
}

impl Column {
    /// The deal at board position `index`, if it is in the loaded window.
    pub fn deal(&self, index: usize) -> Option<&Deal> {
        index
            .checked_sub(self.window_start)
            .and_then(|i| self.deals.get(i))
    }
}

#[derive(Debug, Default)]
pub struct PipelinePane {
    pub columns: Vec<Column>,
    pub col: usize,
    closed_since: Option<NaiveDate>,
}

impl PipelinePane {
    pub fn reload(
        &mut self,
        store: &Store,
        today: NaiveDate,
        currency: Currency,
        page: usize,
    ) -> Result<()> {
        let keep = self.selected().map(|d| d.id);
        let closed_since = today - Duration::days(CLOSED_DAYS);
        self.closed_since = Some(closed_since);
        let totals = store.stage_totals(closed_since, currency)?;
        let previous = std::mem::take(&mut self.columns);
        for stage in store.stages()? {
            let old = previous.iter().find(|c| c.stage.id == stage.id);
            // Reload the same window, so the selection stays where it was.
            let window_start = old.map_or(0, |c| c.window_start);
            let deals = store.deals(&self.filter(stage.id, window_start, PAGE))?;
            let totals = totals.get(&stage.id).copied().unwrap_or_default();
            let mut list = old.map(|c| c.list).unwrap_or_default();
            list.keep_visible(usize::try_from(totals.count).unwrap_or(0), page);
            self.columns.push(Column {
                totals,
                stage,
                window_start,
                deals,
                list,
            });
        }
        self.col = self.col.min(self.columns.len().saturating_sub(1));
        // A moved deal stays selected in its new column (when it is on a loaded page).
        if let Some(id) = keep {
            for (c, column) in self.columns.iter_mut().enumerate() {
                if let Some(i) = column.deals.iter().position(|d| d.id == id) {
                    self.col = c;
                    let total = usize::try_from(column.totals.count).unwrap_or(0);
                    column.list.select(column.window_start + i, total, page);
                }
            }
        }
        Ok(())
    }

    fn filter(&self, stage_id: i64, offset: usize, limit: usize) -> DealFilter {
        DealFilter {
            stage_id: Some(stage_id),
            closed_since: self.closed_since,
            offset,
            limit: Some(limit),
            ..Default::default()
        }
    }

    pub fn selected(&self) -> Option<&Deal> {
        let column = self.columns.get(self.col)?;
        column.deal(column.list.selected)
    }

    /// Moves between columns and cards, reading the next page of a column when the
    /// selection nears its end; `Ok(false)` when the action is not about moving.
    pub fn navigate(&mut self, action: Action, store: &Store, page: usize) -> Result<bool> {
        let last_col = self.columns.len().saturating_sub(1);
        let col = self.col;
        let Some(column) = self.columns.get_mut(col) else {
            return Ok(false);
        };
        let total = usize::try_from(column.totals.count).unwrap_or(0);
        match action {
            Action::Left => self.col = col.saturating_sub(1),
            Action::Right => self.col = (col + 1).min(last_col),
            a if column.list.navigate(a, total, page) => {}
            _ => return Ok(false),
        }
        self.fill(col, store, page)?;
        Ok(true)
    }

    /// Makes sure the cards on screen in column `col` are loaded: when the view leaves
    /// the loaded window, one query reads the window around it.
    fn fill(&mut self, col: usize, store: &Store, page: usize) -> Result<()> {
        let column = &self.columns[col];
        let total = usize::try_from(column.totals.count).unwrap_or(0);
        let (top, end) = (column.list.top, (column.list.top + page).min(total));
        let loaded = column.window_start..column.window_start + column.deals.len();
        if top >= loaded.start && end <= loaded.end {
            return Ok(());
        }
        let start = top.saturating_sub(PAGE / 4);
        let stage_id = column.stage.id;
        let deals = store.deals(&self.filter(stage_id, start, PAGE.max(page + PAGE / 4)))?;
        let column = &mut self.columns[col];
        column.window_start = start;
        column.deals = deals;
        Ok(())
    }
}
