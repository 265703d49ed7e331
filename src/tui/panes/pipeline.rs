//! The pipeline as kanban columns, one per stage. Each column's figures come from an
//! SQL aggregate; its cards are read a page at a time as the selection moves down, so
//! a pipeline of hundreds of thousands of deals opens as fast as a small one.

use chrono::{Duration, NaiveDate};

use crate::domain::deal::StageTotals;
use crate::domain::{Currency, Deal, Stage};
use crate::store::{Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;
use crate::tui::loader::Load;

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
    /// Reads the board again now (on the app's own store), keeping its windows.
    pub fn reload(
        &mut self,
        store: &Store,
        today: NaiveDate,
        currency: Currency,
        page: usize,
    ) -> Result<()> {
        let columns = fetch(store, today, currency, &self.windows())?;
        self.apply(columns, today, page);
        Ok(())
    }

    /// Each stage's first loaded card: what a reload reads again.
    pub fn windows(&self) -> Vec<(i64, usize)> {
        self.columns
            .iter()
            .map(|c| (c.stage.id, c.window_start))
            .collect()
    }

    /// Shows freshly read columns, keeping each column's selection and the selected
    /// deal selected (in its new column, if it moved and is on a loaded page).
    pub fn apply(&mut self, columns: Vec<Column>, today: NaiveDate, page: usize) {
        let keep = self.selected().map(|d| d.id);
        self.closed_since = Some(today - Duration::days(CLOSED_DAYS));
        let previous = std::mem::replace(&mut self.columns, columns);
        for column in &mut self.columns {
            if let Some(old) = previous.iter().find(|c| c.stage.id == column.stage.id) {
                column.list = old.list;
            }
            let total = usize::try_from(column.totals.count).unwrap_or(0);
            column.list.keep_visible(total, page);
        }
        self.col = self.col.min(self.columns.len().saturating_sub(1));
        if let Some(id) = keep {
            for (c, column) in self.columns.iter_mut().enumerate() {
                if let Some(i) = column.deals.iter().position(|d| d.id == id) {
                    self.col = c;
                    let total = usize::try_from(column.totals.count).unwrap_or(0);
                    column.list.select(column.window_start + i, total, page);
                }
            }
        }
    }

    pub fn selected(&self) -> Option<&Deal> {
        let column = self.columns.get(self.col)?;
        column.deal(column.list.selected)
    }

    /// Moves between columns and cards; `false` when the action is not about moving.
    /// [`PipelinePane::wanted`] then says which cards to read.
    pub fn navigate(&mut self, action: Action, page: usize) -> bool {
        let last_col = self.columns.len().saturating_sub(1);
        let col = self.col;
        let Some(column) = self.columns.get_mut(col) else {
            return false;
        };
        let total = usize::try_from(column.totals.count).unwrap_or(0);
        match action {
            Action::Left => self.col = col.saturating_sub(1),
            Action::Right => self.col = (col + 1).min(last_col),
            a if column.list.navigate(a, total, page) => {}
            _ => return false,
        }
        true
    }

    /// The cards to read when the view of the selected column has left its loaded
    /// window: the window around it.
    pub fn wanted(&self, page: usize) -> Option<Load> {
        let column = self.columns.get(self.col)?;
        let total = usize::try_from(column.totals.count).unwrap_or(0);
        let (top, end) = (column.list.top, (column.list.top + page).min(total));
        let loaded = column.window_start..column.window_start + column.deals.len();
        if top >= loaded.start && end <= loaded.end {
            return None;
        }
        let start = top.saturating_sub(PAGE / 4);
        Some(Load::PipelineCards {
            stage_id: column.stage.id,
            closed_since: self.closed_since,
            start,
            limit: PAGE.max(page + PAGE / 4),
        })
    }

    /// Shows the cards read for a column's window.
    pub fn apply_cards(&mut self, stage_id: i64, start: usize, deals: Vec<Deal>) {
        if let Some(column) = self.columns.iter_mut().find(|c| c.stage.id == stage_id) {
            column.window_start = start;
            column.deals = deals;
        }
    }
}

/// Reads the board: each stage's totals and a page of its cards from `windows`'s
/// position for that stage (else its top).
pub fn fetch(
    store: &Store,
    today: NaiveDate,
    currency: Currency,
    windows: &[(i64, usize)],
) -> Result<Vec<Column>> {
    let closed_since = Some(today - Duration::days(CLOSED_DAYS));
    let totals = store.stage_totals(today - Duration::days(CLOSED_DAYS), currency)?;
    let mut columns = Vec::new();
    for stage in store.stages()? {
        let window_start = windows
            .iter()
            .find(|(id, _)| *id == stage.id)
            .map_or(0, |(_, start)| *start);
        let deals = store.stage_deals(stage.id, closed_since, window_start, PAGE)?;
        columns.push(Column {
            totals: totals.get(&stage.id).copied().unwrap_or_default(),
            stage,
            window_start,
            deals,
            list: ScrollList::default(),
        });
    }
    Ok(columns)
}

/// Cards `start..start + limit` of a stage's column.
pub fn fetch_cards(
    store: &Store,
    stage_id: i64,
    closed_since: Option<NaiveDate>,
    start: usize,
    limit: usize,
) -> Result<Vec<Deal>> {
    store.stage_deals(stage_id, closed_since, start, limit)
}
