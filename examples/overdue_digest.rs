//! A morning digest for a cron mail: each operator's overdue follow-ups, using the
//! library directly.
//!
//! ```sh
//! cargo run --example overdue_digest -- ~/.local/share/rapport/rapport.db
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use chrono::Local;
use rapport::domain::agenda::Agenda;
use rapport::store::{ReminderFilter, Store};
use rapport::text::for_terminal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = match std::env::args_os().nth(1) {
        Some(p) => p.into(),
        None => rapport::commands::default_db_path()?,
    };
    let store = Store::open(&path)?;
    let now = store.now().with_timezone(&Local);
    let due_now = ReminderFilter {
        due_before: Some(store.now()),
        ..Default::default()
    };
    let agenda = Agenda::group(store.reminders(&due_now)?, &now);

    let mut by_owner: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &agenda.overdue {
        let owner = r.owner_login.clone().unwrap_or_else(|| "(nobody)".into());
        let days = (now.to_utc() - r.effective_due()).num_days();
        let line = format!(
            "  {:>3}d  {}: {}",
            days,
            for_terminal(&r.customer_name),
            for_terminal(&r.note)
        );
        by_owner.entry(owner).or_default().push(line);
    }
    // A closed pipe (`| head`) ends the digest quietly: writes return errors, no panic.
    let mut out = std::io::stdout().lock();
    if by_owner.is_empty() {
        writeln!(out, "No overdue follow-ups. Well done.")?;
    }
    for (owner, lines) in by_owner {
        writeln!(out, "{owner}: {} overdue", lines.len())?;
        for line in lines.iter().take(10) {
            writeln!(out, "{line}")?;
        }
        if lines.len() > 10 {
            writeln!(out, "  … and {} more", lines.len() - 10)?;
        }
    }
    Ok(())
}
