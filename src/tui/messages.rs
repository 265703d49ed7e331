//! The session's messages, newest last: the status bar shows only the latest, and cuts
//! one too long for it, so every message can be read whole here (the `message_log` key).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::text::{display_width, for_terminal, wrap};
use crate::tui::app::Popup;

/// How many messages the log keeps (the oldest go first).
pub const KEPT: usize = 100;

/// Cells inside the report popup (its 78 columns less the borders).
pub const REPORT_TEXT_WIDTH: usize = 76;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub at: DateTime<Utc>,
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Default)]
pub struct MessageLog {
    entries: VecDeque<Logged>,
}

impl MessageLog {
    /// Keeps `text`, said at `at`, as the newest message.
    pub fn push(&mut self, at: DateTime<Utc>, text: &str, error: bool) {
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(Logged {
            at,
            text: text.to_string(),
            error,
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Logged> {
        self.entries.iter()
    }

    /// The rows the log shows: each message after its local time ("error:" before a
    /// refusal or a failure), wrapped at `width` under its text, so no row is cut.
    pub fn rows(&self, zone: Tz, width: usize) -> Vec<String> {
        if self.entries.is_empty() {
            return vec!["No messages yet in this session.".to_string()];
        }
        let mut rows = Vec::new();
        for m in &self.entries {
            let time = m.at.with_timezone(&zone).format("%H:%M:%S").to_string();
            let head = format!("{time}  {}", if m.error { "error: " } else { "" });
            let indent = " ".repeat(display_width(&time) + 2);
            // Placeholders for control codes first, so the widths are what is drawn.
            let text = for_terminal(&m.text).replace('\n', " ");
            rows.extend(wrap(&format!("{head}{text}"), width, &indent));
        }
        rows
    }

    /// The log in the scrollable report popup, scrolled to the newest message on a
    /// terminal `height` rows tall.
    pub fn popup(&self, zone: Tz, height: u16) -> Popup {
        let rows = self.rows(zone, REPORT_TEXT_WIDTH);
        let scroll = scroll_to_end(rows.len(), height);
        Popup::Report {
            title: format!("Messages of this session (last {KEPT}, newest last)"),
            text: rows.join("\n"),
            scroll,
            busy: false,
        }
    }
}

/// The scroll of a report popup of `rows` rows (none wider than the popup) that shows
/// its last row: the popup leaves the tab and status bars and has two border rows.
pub fn scroll_to_end(rows: usize, height: u16) -> u16 {
    let visible = usize::from(height.saturating_sub(4)).max(1);
    u16::try_from(rows.saturating_sub(visible)).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 5).unwrap()
    }

    #[test]
    fn keeps_the_last_hundred_newest_last() {
        let mut log = MessageLog::default();
        for i in 0..KEPT + 20 {
            log.push(at(0), &format!("message {i}"), i % 2 == 1);
        }
        assert_eq!(log.len(), KEPT);
        let texts: Vec<&str> = log.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts.first(), Some(&"message 20"));
        assert_eq!(texts.last(), Some(&"message 119"));
    }

    #[test]
    fn rows_carry_the_time_and_wrap_long_messages_under_their_text() {
        let mut log = MessageLog::default();
        log.push(at(1), "Reloaded", false);
        let long = "not allowed: agents change only their own records, and customer #1 is \
                    tester's (sara is agent); ask a manager to give it to you";
        log.push(at(2), long, true);
        let rows = log.rows(chrono_tz::Europe::Berlin, 40);
        assert_eq!(rows[0], "10:01:05  Reloaded");
        assert!(
            rows[1].starts_with("10:02:05  error: not allowed"),
            "{rows:?}"
        );
        assert!(rows.len() > 3, "{rows:?}");
        for r in &rows[2..] {
            assert!(
                r.starts_with("          ") && !r[10..].starts_with(' '),
                "{r:?}"
            );
        }
        for r in &rows {
            assert!(display_width(r) <= 40, "{r:?}");
        }
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            words(&rows[1..].join(" "))[2..],
            words(long)[..],
            "nothing is left out"
        );
    }

    #[test]
    fn control_codes_are_placeholders_in_the_log() {
        let mut log = MessageLog::default();
        log.push(at(3), "Saved \u{1b}[2J", false);
        let rows = log.rows(chrono_tz::UTC, 76);
        assert!(!rows[0].contains('\u{1b}'), "{rows:?}");
    }

    #[test]
    fn the_popup_opens_at_the_newest_message() {
        assert_eq!(scroll_to_end(10, 24), 0);
        assert_eq!(scroll_to_end(20, 24), 0);
        assert_eq!(scroll_to_end(25, 24), 5);
        let mut log = MessageLog::default();
        for i in 0..30 {
            log.push(at(4), &format!("message {i}"), false);
        }
        let Popup::Report { text, scroll, .. } = log.popup(chrono_tz::UTC, 24) else {
            panic!("not a report");
        };
        assert_eq!(scroll, 10);
        let last_visible: Vec<&str> = text.lines().skip(usize::from(scroll)).collect();
        assert_eq!(last_visible.len(), 20);
        assert!(last_visible[19].ends_with("message 29"));
    }
}
