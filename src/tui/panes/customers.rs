//! The customer list (sortable, read a window at a time) and one customer's card.
//!
//! The list never holds every customer: it knows how many there are and holds the
//! rows of a window around the view, read by key through the sort index (by name; by
//! position for the orders that have no index). When the view leaves the window the
//! pane asks for the next one ([`CustomersPane::wanted`]) and shows "loading…" rows
//! until it arrives.

use crate::domain::{CustomerCard, CustomerSummary, StageOutcome};
use crate::store::{CustomerSort, CustomerWindow, ListAt, Result, Store};
use crate::tui::action::Action;
use crate::tui::list::ScrollList;
use crate::tui::loader::{Load, Place};

/// One record on a customer's card that `e` edits and `D` deletes once picked
/// (`]`/`[`): an open deal, a follow-up or an interaction of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardItem {
    Deal(i64),
    Followup(i64),
    Interaction(i64),
}

impl CardItem {
    /// The items of `card` in the order it shows them.
    pub fn all(card: &CustomerCard) -> Vec<CardItem> {
        let deals = card
            .deals
            .iter()
            .filter(|d| d.outcome == StageOutcome::Open)
            .map(|d| CardItem::Deal(d.id));
        let followups = card.reminders.iter().map(|r| CardItem::Followup(r.id));
        let timeline = card
            .interactions
            .iter()
            .map(|i| CardItem::Interaction(i.id));
        deals.chain(followups).chain(timeline).collect()
    }
}

/// Reads `id`'s card as the pane shows it.
pub fn fetch_card(store: &Store, id: i64) -> Result<CustomerCard> {
    store.customer_card(id, TIMELINE)
}

/// Rows read at a time around the view.
pub const WINDOW: usize = 400;
pub const TIMELINE: usize = 50;

#[derive(Debug, Default)]
pub struct CustomersPane {
    pub sort: CustomerSort,
    /// How many customers the list has.
    pub total: usize,
    /// `rows[i]` is list row `window_start + i`; `keys[i]` its sort key.
    pub window_start: usize,
    pub rows: Vec<CustomerSummary>,
    keys: Vec<(String, i64)>,
    pub list: ScrollList,
    pub detail: Option<CustomerCard>,
    /// A card asked for and not read yet (its customer's id and name): the pane says
    /// it is loading, and actions already apply to that customer.
    pub opening: Option<(i64, String)>,
    /// The card's first row on screen. Keys move it freely (`End` to the very end); the
    /// app then holds it within the card's content (`view::card_scroll`), which only
    /// drawing can measure.
    pub detail_scroll: usize,
    /// The card's picked item, by identity (it stays picked when the card is read again).
    pub item: Option<CardItem>,
    /// Whether the list has been read at least once.
    pub ready: bool,
}

pub fn sort_label(sort: CustomerSort) -> &'static str {
    match sort {
        CustomerSort::Name => "name",
        CustomerSort::LastContact => "last contact",
        CustomerSort::OpenValue => "open deal value",
    }
}

impl CustomersPane {
    /// What to read to show the list again where it is (after a write, or another
    /// operator's): the same window, from its first row.
    pub fn reload_request(&self) -> Load {
        let at = match self.keys.first() {
            Some((key, id)) if self.sort == CustomerSort::Name => ListAt::From(key.clone(), *id),
            Some(_) => ListAt::Offset(self.window_start),
            None if self.list.top == 0 => ListAt::First,
            None => ListAt::Offset(self.list.top.saturating_sub(WINDOW / 4)),
        };
        let place = match at {
            ListAt::First => Place::StartsAt(0),
            ListAt::Offset(n) => Place::StartsAt(n),
            _ => Place::StartsAt(self.window_start),
        };
        self.load(at, place)
    }

    fn load(&self, at: ListAt, place: Place) -> Load {
        Load::Customers {
            sort: self.sort,
            at,
            place,
            limit: WINDOW,
        }
    }

    /// The window to read for the rows on screen, if they are not all loaded: the next
    /// or previous window by key when the view moved past an end of this one, the first
    /// or last rows for Home and End, else by position.
    pub fn wanted(&self, page: usize) -> Option<Load> {
        let end = self.window_start + self.rows.len();
        let view = self.list.top..(self.list.top + page).min(self.total);
        if !self.ready || (view.start >= self.window_start && view.end <= end) || view.is_empty() {
            return None;
        }
        let by_key = self.sort == CustomerSort::Name;
        Some(if view.start == 0 {
            self.load(ListAt::First, Place::StartsAt(0))
        } else if view.end >= self.total {
            self.load(ListAt::Last, Place::AtEnd)
        } else if by_key && view.start >= end && view.start < end + WINDOW / 2 {
            let (key, id) = self.keys.last().cloned().unwrap_or_default();
            self.load(ListAt::After(key, id), Place::StartsAt(end))
        } else if by_key
            && view.end <= self.window_start
            && view.end + WINDOW / 2 > self.window_start
        {
            let (key, id) = self.keys.first().cloned().unwrap_or_default();
            self.load(ListAt::Before(key, id), Place::EndsAt(self.window_start))
        } else {
            let start = view.start.saturating_sub(WINDOW / 4);
            self.load(ListAt::Offset(start), Place::StartsAt(start))
        })
    }

    /// Shows a window read from the store, keeping the selected customer selected
    /// when it is in it.
    pub fn apply(&mut self, total: usize, start: usize, window: CustomerWindow, page: usize) {
        let keep = self.selected_id();
        self.total = total;
        self.window_start = start;
        self.rows = window.rows;
        self.keys = window.keys;
        self.ready = true;
        if let Some(i) = keep.and_then(|id| self.rows.iter().position(|r| r.id == id)) {
            self.list.selected = start + i;
        }
        self.list.keep_visible(self.total, page);
    }

    /// Ids of the rows loaded now, in list order.
    pub fn loaded_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.rows.iter().map(|r| r.id)
    }

    /// Puts rows read again in place of the loaded ones with their ids; `false` when
    /// what the list is sorted by changed for one of them (the window must be read
    /// again, in order).
    pub fn patch(&mut self, fresh: Vec<CustomerSummary>) -> bool {
        let sort = self.sort;
        let mut in_order = true;
        for row in fresh {
            if let Some(old) = self.rows.iter_mut().find(|r| r.id == row.id) {
                in_order &= match sort {
                    CustomerSort::Name => old.name == row.name,
                    CustomerSort::LastContact => old.last_contact == row.last_contact,
                    CustomerSort::OpenValue => old.open_deals == row.open_deals,
                };
                *old = row;
            }
        }
        in_order
    }

    /// What to read for the card on screen (or being opened), if any.
    pub fn card_request(&self) -> Option<Load> {
        let id = self
            .opening
            .as_ref()
            .map(|(id, _)| *id)
            .or(self.detail.as_ref().map(|c| c.customer.id))?;
        Some(Load::Card { id })
    }

    /// Asks for `id`'s card: it shows when read ([`CustomersPane::apply_card`]).
    pub fn start_open(&mut self, id: i64, name: &str) {
        self.opening = Some((id, name.to_string()));
        if self.detail.as_ref().is_some_and(|c| c.customer.id != id) {
            self.detail = None;
        }
    }

    /// Shows a card that was read: the one being opened (at its top), or the open one
    /// again (where it was scrolled). A card nobody is waiting for any more is dropped.
    pub fn apply_card(&mut self, card: CustomerCard) {
        let id = card.customer.id;
        if self.opening.as_ref().is_some_and(|(o, _)| *o == id) {
            self.opening = None;
            self.detail = Some(card);
            self.detail_scroll = 0;
            self.item = None;
            if let Some(i) = self.rows.iter().position(|r| r.id == id) {
                self.list.selected = self.window_start + i;
            }
        } else if self.detail.as_ref().is_some_and(|c| c.customer.id == id) {
            self.detail = Some(card);
        }
    }

    /// The card could not be read (the customer was deleted meanwhile, say).
    pub fn card_failed(&mut self) {
        self.opening = None;
    }

    pub fn row(&self, index: usize) -> Option<&CustomerSummary> {
        index
            .checked_sub(self.window_start)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_id(&self) -> Option<i64> {
        self.row(self.list.selected).map(|r| r.id)
    }

    /// The customer actions apply to: the open (or opening) card's, else the selected
    /// row's.
    pub fn current(&self) -> Option<(i64, String)> {
        if let Some(opening) = &self.opening {
            return Some(opening.clone());
        }
        if let Some(card) = &self.detail {
            return Some((card.customer.id, card.customer.name.clone()));
        }
        self.row(self.list.selected).map(|r| (r.id, r.name.clone()))
    }

    /// The picked item of the open card, while it is on the card.
    pub fn picked(&self) -> Option<CardItem> {
        let card = self.detail.as_ref()?;
        self.item.filter(|item| CardItem::all(card).contains(item))
    }

    /// Picks the next (`1`) or previous (`-1`) item of the card, going round.
    fn step_item(&mut self, step: isize) {
        let Some(card) = &self.detail else { return };
        let items = CardItem::all(card);
        if items.is_empty() {
            self.item = None;
            return;
        }
        let n = items.len() as isize;
        let at = self
            .picked()
            .and_then(|p| items.iter().position(|i| *i == p))
            .map_or(if step > 0 { -1 } else { 0 }, |i| i as isize);
        self.item = Some(items[(at + step).rem_euclid(n) as usize]);
    }

    /// A key on the open card: scrolling (which lets the picked item go), picking, or
    /// back; `false` when the key is not the card's.
    fn card_key(&mut self, action: Action, page: usize) -> bool {
        let scroll = self.detail_scroll;
        match action {
            Action::Back if self.picked().is_some() => self.item = None,
            Action::Back => self.detail = None,
            Action::NextItem => self.step_item(1),
            Action::PrevItem => self.step_item(-1),
            Action::Up => self.detail_scroll = scroll.saturating_sub(1),
            Action::Down => self.detail_scroll = scroll.saturating_add(1),
            Action::PageUp => self.detail_scroll = scroll.saturating_sub(page.max(1)),
            Action::PageDown => self.detail_scroll = scroll.saturating_add(page.max(1)),
            Action::Top => self.detail_scroll = 0,
            Action::Bottom => self.detail_scroll = usize::MAX,
            _ => return false,
        }
        if matches!(
            action,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
        ) {
            self.item = None;
        }
        true
    }

    /// Moves, sorts or opens; `Ok(false)` when the action is not the list's. A sort
    /// empties the window (`wanted` asks for the new order's first rows).
    pub fn update(&mut self, action: Action, page: usize) -> bool {
        if self.opening.is_some() && action == Action::Back {
            self.opening = None;
            return true;
        }
        if self.detail.is_some() {
            return self.card_key(action, page);
        }
        match action {
            a if self.list.navigate(a, self.total, page) => {}
            Action::Open => {
                if let Some(row) = self.row(self.list.selected) {
                    let (id, name) = (row.id, row.name.clone());
                    self.start_open(id, &name);
                }
            }
            Action::CycleSort => {
                self.sort = match self.sort {
                    CustomerSort::Name => CustomerSort::LastContact,
                    CustomerSort::LastContact => CustomerSort::OpenValue,
                    CustomerSort::OpenValue => CustomerSort::Name,
                };
                self.list = ScrollList::default();
                self.rows.clear();
                self.keys.clear();
                self.window_start = 0;
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind};

    fn pane_with_card() -> CustomersPane {
        let mut store = Store::open_in_memory().unwrap();
        store.sign_in("sara").unwrap();
        let id = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada Lovelace"))
            .unwrap();
        let mut pane = CustomersPane::default();
        pane.start_open(id, "Ada Lovelace");
        pane.apply_card(fetch_card(&store, id).unwrap());
        pane
    }

    #[test]
    fn card_keys_scroll_and_go_to_either_end() {
        let mut pane = pane_with_card();
        assert_eq!(pane.detail_scroll, 0);
        assert!(pane.card_key(Action::Up, 10));
        assert_eq!(pane.detail_scroll, 0, "never above the top");
        pane.card_key(Action::PageDown, 10);
        pane.card_key(Action::Down, 10);
        assert_eq!(pane.detail_scroll, 11);
        pane.card_key(Action::PageUp, 10);
        assert_eq!(pane.detail_scroll, 1);
        pane.card_key(Action::PageUp, 10);
        assert_eq!(pane.detail_scroll, 0);
        // End asks for the very end; the app holds it to the content.
        pane.card_key(Action::Bottom, 10);
        assert_eq!(pane.detail_scroll, usize::MAX);
        pane.card_key(Action::Down, 10);
        pane.card_key(Action::PageDown, 10);
        assert_eq!(pane.detail_scroll, usize::MAX, "no overflow past the end");
        pane.card_key(Action::Top, 10);
        assert_eq!(pane.detail_scroll, 0);
        assert!(!pane.card_key(Action::CycleSort, 10), "not a card key");
        assert!(pane.card_key(Action::Back, 10));
        assert!(pane.detail.is_none());
    }
}
