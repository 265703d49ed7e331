//! `rapport doctor [FILE]`: is the database (or a backup) sound, and if not, what to
//! do. It only reads: it neither creates, migrates nor signs in.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::store::health::{self, Finding, Health};
use crate::text::for_terminal;
use crate::{Error, Result};

/// A file and its permission bits (Unix).
#[derive(Debug, Clone, Serialize)]
struct FileMode {
    file: String,
    mode: String,
}

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    #[serde(flatten)]
    health: Health,
    file_modes: Vec<FileMode>,
    /// The shared lookup index beside the database: `None` when there is none yet.
    lookup_index: Option<String>,
}

pub fn run(path: &Path, json: bool) -> Result<()> {
    let mut health = health::examine(path);
    let file_modes = check_modes(path, &mut health);
    let lookup_index = check_lookup_index(path, &mut health);
    let problems = health.problems.len();
    let report = Report {
        ok: problems == 0,
        health,
        file_modes,
        lookup_index,
    };
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        print(&mut out, &report)?;
    }
    out.flush()?;
    if problems > 0 {
        return Err(Error::msg(format!(
            "{problems} problem{} in {}",
            if problems == 1 { "" } else { "s" },
            for_terminal(&path.display().to_string())
        )));
    }
    Ok(())
}

/// The database and SQLite's files beside it: none should be readable by every user
/// (a group, for a shared database, is fine).
fn check_modes(path: &Path, health: &mut Health) -> Vec<FileMode> {
    let mut modes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let file = Path::new(&name);
        let Some(mode) = mode_of(file) else { continue };
        let shown = format!("{mode:04o}");
        if mode & 0o007 != 0 {
            health.problems.push(Finding {
                check: "file mode",
                problem: format!(
                    "{} is open to every user on this machine (mode {shown})",
                    file.display()
                ),
                fix: format!(
                    "chmod o-rwx {} (Rapport creates its files 0600; a database shared by a group is 0660)",
                    file.display()
                ),
            });
        }
        modes.push(FileMode {
            file: file.display().to_string(),
            mode: shown,
        });
    }
    modes
}

/// The lookup snapshot, read whole: checksum and every element (opening it reads only
/// what a lookup needs, so damage deep inside shows only here).
fn check_lookup_index(path: &Path, health: &mut Health) -> Option<String> {
    let snapshot = crate::lookup_index::snapshot_path(path);
    match crate::lookup_index::verify_snapshot(path)? {
        Ok(stamp) => Some(format!("ok (up to audit entry {})", stamp.mark)),
        Err(why) => {
            health.problems.push(Finding {
                check: "lookup index",
                problem: format!("{} is unusable: {why}", snapshot.display()),
                fix: format!(
                    "rm {} (the next lookup rebuilds it from the database; nothing is lost)",
                    snapshot.display()
                ),
            });
            Some(format!("damaged: {why}"))
        }
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

fn print(out: &mut impl Write, r: &Report) -> Result<()> {
    let h = &r.health;
    let t = |s: &str| for_terminal(s).into_owned();
    writeln!(out, "{}", t(&h.path.display().to_string()))?;
    let latest = crate::store::schema_version();
    if let Some(v) = h.schema_version {
        let note = match v.cmp(&latest) {
            std::cmp::Ordering::Equal => " (current)".to_string(),
            std::cmp::Ordering::Less => {
                format!(" (older: brought up to {latest} when Rapport next opens it)")
            }
            std::cmp::Ordering::Greater => format!(" (this build knows up to {latest})"),
        };
        writeln!(out, "  schema version   {v}{note}")?;
    }
    if let Some(id) = h.application_id {
        let whose = if id == crate::store::health::APPLICATION_ID {
            "Rapport".to_string()
        } else {
            format!("{id:#x}, not Rapport's")
        };
        writeln!(out, "  application id   {whose}")?;
    }
    if let Some(mode) = &h.journal_mode {
        let note = match mode.as_str() {
            "wal" => " (a live database; copies made by `rapport backup` use a rollback journal)",
            "delete" => " (rollback journal: restorable from read-only media)",
            _ => "",
        };
        writeln!(out, "  journal mode     {}{note}", t(mode))?;
    }
    if !h.quick_check.is_empty() {
        let first = h
            .quick_check
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        let more = match h.quick_check.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        writeln!(out, "  quick_check      {}{more}", t(first))?;
    }
    if h.tables > 0 {
        writeln!(out, "  tables           {}", h.tables)?;
    }
    for m in &r.file_modes {
        writeln!(out, "  file mode        {} {}", m.mode, t(&m.file))?;
    }
    if let Some(state) = &r.lookup_index {
        writeln!(out, "  lookup index     {}", t(state))?;
    }
    if r.ok {
        writeln!(out, "ok")?;
    }
    for f in &h.problems {
        writeln!(out, "problem ({}): {}", f.check, t(&f.problem))?;
        writeln!(out, "  what to do: {}", t(&f.fix))?;
    }
    Ok(())
}
