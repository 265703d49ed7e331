//! Selection and scroll position of a list whose visible height is `page` rows.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrollList {
    pub selected: usize,
    /// First visible row.
    pub top: usize,
}

use crate::tui::action::Action;

impl ScrollList {
    /// Applies a movement action (up, down, page up/down, top, bottom) to a list of
    /// `len` rows; `false` when the action is not a movement.
    pub fn navigate(&mut self, action: Action, len: usize, page: usize) -> bool {
        let step = page.max(1) as isize;
        match action {
            Action::Up => self.move_by(-1, len, page),
            Action::Down => self.move_by(1, len, page),
            Action::PageUp => self.move_by(-step, len, page),
            Action::PageDown => self.move_by(step, len, page),
            Action::Top => self.select(0, len, page),
            Action::Bottom => self.select(len.saturating_sub(1), len, page),
            _ => return false,
        }
        true
    }

    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) {
        let target = (self.selected as isize + delta).max(0) as usize;
        self.select(target, len, page);
    }

    pub fn select(&mut self, index: usize, len: usize, page: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.keep_visible(len, page);
    }

    /// Scrolls just enough that the selection is on screen.
    pub fn keep_visible(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + page {
            self.top = self.selected + 1 - page;
        }
        self.top = self.top.min(len.saturating_sub(page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolls_only_when_the_selection_leaves_the_page() {
        let mut l = ScrollList::default();
        l.move_by(5, 100, 10);
        assert_eq!((l.selected, l.top), (5, 0));
        l.move_by(7, 100, 10);
        assert_eq!((l.selected, l.top), (12, 3));
        l.move_by(-4, 100, 10);
        assert_eq!((l.selected, l.top), (8, 3));
        l.move_by(1000, 100, 10);
        assert_eq!((l.selected, l.top), (99, 90));
        l.move_by(-1000, 100, 10);
        assert_eq!((l.selected, l.top), (0, 0));
        l.select(3, 0, 10);
        assert_eq!((l.selected, l.top), (0, 0));
    }
}
