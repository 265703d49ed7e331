//! Text output for the command line: aligned tables and local times, with stored text
//! sanitised so nothing in the data can drive the terminal.

use std::io::{self, Write};

use chrono::{DateTime, Local, Utc};
use unicode_width::UnicodeWidthStr;

use crate::text::for_terminal;

/// A plain table: column widths by display width, so Persian, Cyrillic and CJK line up.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| for_terminal(&c).into_owned())
                .collect(),
        );
    }

    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
            let mut text = String::new();
            for (i, (cell, w)) in cells.zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', w.saturating_sub(cell.width())));
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &mut self.headers.iter().copied())?;
        for row in &self.rows {
            line(out, &mut row.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

/// A UTC instant as local wall-clock time.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

pub fn opt_local_time(t: Option<DateTime<Utc>>) -> String {
    t.map(local_time).unwrap_or_else(|| "-".into())
}

/// One `label: value` line with the value sanitised.
pub fn field(out: &mut dyn Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "{label:<13}{}", for_terminal(value))
}
