//! The customer list (sortable, paged from the store) and one customer's card.

use crate::domain::{CustomerCard, CustomerSummary};
use crate::store::{CustomerFilter, CustomerSort, Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;

/// Rows kept in memory around the selection; the rest are only ids.
const WINDOW: usize = 400;
pub const TIMELINE: usize = 50;

#[derive(Debug, Default)]
pub struct CustomersPane {
    pub sort: CustomerSort,
    /// Every customer id in list order.
    pub ids: Vec<i64>,
    /// `rows[i]` is the summary of `ids[window_start + i]`.
    pub window_start: usize,
    pub rows: Vec<CustomerSummary>,
    pub list: ScrollList,
    pub detail: Option<CustomerCard>,
    pub detail_scroll: usize,
}

pub fn sort_label(sort: CustomerSort) -> &'static str {
    match sort {
        CustomerSort::Name => "name",
        CustomerSort::LastContact => "last contact",
        CustomerSort::OpenValue => "open deal value",
    }
}

impl CustomersPane {
    /// Reloads the list (keeping the selected customer selected) and the open card.
    pub fn reload(&mut self, store: &Store, page: usize) -> Result<()> {
        let keep = self.selected_id();
        self.ids = store.customer_ids(&CustomerFilter {
            sort: self.sort,
            ..Default::default()
        })?;
        if let Some(i) = keep.and_then(|id| self.ids.iter().position(|x| *x == id)) {
            self.list.selected = i;
        }
        self.list.keep_visible(self.ids.len(), page);
        self.rows.clear();
        self.load_window(store)?;
        if let Some(card) = &self.detail {
            let id = card.customer.id;
            self.detail = store.customer_card(id, TIMELINE).ok();
        }
        Ok(())
    }

    /// Makes sure the rows on screen (and a margin) are loaded.
    fn load_window(&mut self, store: &Store) -> Result<()> {
        let end = self.window_start + self.rows.len();
        let wanted = self.list.top..(self.list.top + WINDOW / 2).min(self.ids.len());
        if !self.rows.is_empty() && wanted.start >= self.window_start && wanted.end <= end {
            return Ok(());
        }
        self.window_start = self.list.top.saturating_sub(WINDOW / 4);
        let stop = (self.window_start + WINDOW).min(self.ids.len());
        self.rows = store.customer_summaries(&self.ids[self.window_start..stop])?;
        Ok(())
    }

    pub fn row(&self, index: usize) -> Option<&CustomerSummary> {
        index
            .checked_sub(self.window_start)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_id(&self) -> Option<i64> {
        self.ids.get(self.list.selected).copied()
    }

    /// The customer actions apply to: the open card's, else the selected row's.
    pub fn current(&self) -> Option<(i64, String)> {
        if let Some(card) = &self.detail {
            return Some((card.customer.id, card.customer.name.clone()));
        }
        self.row(self.list.selected).map(|r| (r.id, r.name.clone()))
    }

    pub fn open(&mut self, store: &Store, id: i64) -> Result<()> {
        self.detail = Some(store.customer_card(id, TIMELINE)?);
        self.detail_scroll = 0;
        if let Some(i) = self.ids.iter().position(|x| *x == id) {
            self.list.selected = i;
        }
        Ok(())
    }

    /// Moves, sorts or opens; `Ok(false)` when the action is not the list's.
    pub fn update(&mut self, action: Action, store: &Store, page: usize) -> Result<bool> {
        if self.detail.is_some() {
            match action {
                Action::Back => self.detail = None,
                Action::Up => self.detail_scroll = self.detail_scroll.saturating_sub(1),
                Action::Down => self.detail_scroll += 1,
                Action::PageUp => self.detail_scroll = self.detail_scroll.saturating_sub(page),
                Action::PageDown => self.detail_scroll += page,
                Action::Top => self.detail_scroll = 0,
                _ => return Ok(false),
            }
            return Ok(true);
        }
        let len = self.ids.len();
        match action {
            a if self.list.navigate(a, len, page) => {}
            Action::Open => match self.selected_id() {
                Some(id) => self.open(store, id)?,
                None => return Ok(true),
            },
            Action::CycleSort => {
                self.sort = match self.sort {
                    CustomerSort::Name => CustomerSort::LastContact,
                    CustomerSort::LastContact => CustomerSort::OpenValue,
                    CustomerSort::OpenValue => CustomerSort::Name,
                };
                self.list = ScrollList::default();
                self.reload(store, page)?;
            }
            _ => return Ok(false),
        }
        self.load_window(store)?;
        Ok(true)
    }
}
