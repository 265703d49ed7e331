//! Text output for the command line: aligned tables and local times, with stored text
//! sanitised so nothing in the data can drive the terminal.

use std::io::{self, Write};

use crate::text::{display_width, for_terminal};
use chrono::{DateTime, Utc};

/// A plain table: column widths by the cells a terminal draws (`display_width`), so
/// Persian (ligatures included), Cyrillic and CJK line up.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Self::with_headers(headers.iter().map(|h| h.to_string()).collect())
    }

    /// A table whose headers are made at run time (months, names).
    pub fn with_headers(headers: Vec<String>) -> Self {
        Self {
            headers: headers
                .into_iter()
                .map(|h| for_terminal(&h).into_owned())
                .collect(),
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
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(display_width(cell));
            }
        }
        let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
            let mut text = String::new();
            for (i, (cell, w)) in cells.zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.extend(std::iter::repeat_n(
                    ' ',
                    w.saturating_sub(display_width(cell)),
                ));
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &mut self.headers.iter().map(String::as_str))?;
        for row in &self.rows {
            line(out, &mut row.iter().map(String::as_str))?;
        }
        Ok(())
    }
}

/// A writer that passes text on to a terminal harmless (see `for_terminal_lines`):
/// what an export writes to standard output when that is a terminal. UTF-8 split
/// between two writes is held until it is whole.
pub struct TerminalText<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> TerminalText<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes out what is pending up to the last whole character (all of it at the end).
    fn pass_on(&mut self, all: bool) -> io::Result<()> {
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if !all && e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..whole]).into_owned();
        self.inner
            .write_all(crate::text::for_terminal_lines(&text).as_bytes())?;
        self.pending.drain(..whole);
        Ok(())
    }
}

impl<W: Write> Write for TerminalText<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 64 * 1024 {
            self.pass_on(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on(false)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for TerminalText<W> {
    fn drop(&mut self) {
        // Nothing to report an error to here; `flush` has written all but a cut tail.
        let _ = self.pass_on(true);
    }
}

/// A UTC instant as local wall-clock time.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::zone::local_zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn opt_local_time(t: Option<DateTime<Utc>>) -> String {
    t.map(local_time).unwrap_or_else(|| "-".into())
}

/// One `label: value` line with the value sanitised.
pub fn field(out: &mut dyn Write, label: &str, value: &str) -> io::Result<()> {
    writeln!(out, "{label:<13}{}", for_terminal(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cell each line's second column starts at.
    fn second_column_starts(text: &str) -> Vec<usize> {
        text.lines()
            .map(|l| {
                let first = l.split("  ").next().unwrap_or("");
                display_width(first) + l[first.len()..].chars().take_while(|c| *c == ' ').count()
            })
            .collect()
    }

    #[test]
    fn columns_line_up_by_the_cells_a_terminal_draws() {
        let mut t = Table::new(&["NAME", "PHONE"]);
        for name in [
            "لیلا رضایی",
            "Ada Lovelace",
            "王小明",
            "عزت\u{200c}الله",
            "Ёжик",
        ] {
            t.row(vec![name.into(), "+44 20 7946 0018".into()]);
        }
        let mut out = Vec::new();
        t.print(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let starts = second_column_starts(&text);
        assert_eq!(starts.len(), 6, "{text}");
        assert!(starts.iter().all(|&s| s == 14), "{starts:?}\n{text}");
    }
}
