//! Rapport's own JSON backup: every table of the database, so that
//! `rapport export --format json` followed by `rapport import FILE` on an empty
//! database gives back exactly what there was (ids, versions and timestamps included).
//!
//! ```json
//! {"format": "rapport-backup", "format_version": 1, "schema_version": 3,
//!  "exported_at": "2026-11-23T09:30:00Z",
//!  "tables": {"operators": [{"id": 1, "login": "sara", …}], "customers": […], …}}
//! ```

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::store::{BackupRow, Store, StoreError};

pub const FORMAT: &str = "rapport-backup";
pub const FORMAT_VERSION: i64 = 1;

/// Whether `bytes` look like a Rapport backup (so `import` can tell it from a CSV).
pub fn looks_like_backup(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(256)];
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{') && text.contains(FORMAT)
}

/// Writes the whole database as a backup to `out`, one row per line.
pub fn export(store: &Store, at: DateTime<Utc>, out: &mut impl Write) -> crate::Result<usize> {
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"format_version\":{FORMAT_VERSION},\"schema_version\":{},\"exported_at\":{},\"tables\":{{",
        crate::store::schema_version(),
        serde_json::to_string(&at).map_err(std::io::Error::from)?
    )?;
    let mut first_table = true;
    let mut first_row = true;
    let mut rows = 0;
    let mut io_error = None;
    store
        .dump_tables(|table, row| {
            let written = match row {
                None => {
                    let sep = if first_table { "" } else { "]," };
                    first_table = false;
                    first_row = true;
                    write!(out, "{sep}\n\"{table}\":[")
                }
                Some(row) => {
                    let sep = if first_row { "\n" } else { ",\n" };
                    first_row = false;
                    rows += 1;
                    out.write_all(sep.as_bytes()).and_then(|()| {
                        serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::from)
                    })
                }
            };
            written.map_err(|e| {
                let message = e.to_string();
                io_error = Some(e);
                StoreError::invalid("export", message)
            })
        })
        .map_err(|e| match io_error.take() {
            Some(io) => crate::Error::Io(io),
            None => e.into(),
        })?;
    writeln!(out, "]}}}}")?;
    Ok(rows)
}

#[derive(Deserialize)]
struct Backup {
    format: String,
    format_version: i64,
    schema_version: i64,
    exported_at: Option<String>,
    tables: serde_json::Map<String, serde_json::Value>,
}

/// What a restore put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub rows: usize,
    pub customers: usize,
    pub exported_at: Option<String>,
}

/// Restores a backup into `store`, which must be empty (no customers, deals,
/// interactions or follow-ups): one transaction, all or nothing. Only an admin may.
pub fn restore(store: &mut Store, bytes: &[u8]) -> crate::Result<Restored> {
    let bad = |why: String| crate::Error::msg(format!("not a usable Rapport backup: {why}"));
    let backup: Backup = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if backup.format != FORMAT {
        return Err(bad(format!("its format is {:?}", backup.format)));
    }
    if backup.format_version != FORMAT_VERSION {
        return Err(bad(format!(
            "format version {} (this Rapport reads {FORMAT_VERSION})",
            backup.format_version
        )));
    }
    let ours = crate::store::schema_version();
    if backup.schema_version != ours {
        return Err(bad(format!(
            "it was written with database schema {} and this Rapport uses {ours}; \
             restore it with the Rapport that wrote it, then upgrade",
            backup.schema_version
        )));
    }
    // A restore replaces operators, roles, stages, targets and the audit trail: it is
    // an admin's, like `rapport restore`. Refused before the file is even parsed.
    store.require(crate::domain::access::Permission::Restore)?;
    let mut tables = Vec::with_capacity(backup.tables.len());
    let mut customers = 0;
    for (name, rows) in backup.tables {
        let serde_json::Value::Array(rows) = rows else {
            return Err(bad(format!("table {name:?} is not a list of rows")));
        };
        let rows: Vec<BackupRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| match r {
                serde_json::Value::Object(row) => Ok(row),
                other => Err(bad(format!("{name} row {}: not an object: {other}", i + 1))),
            })
            .collect::<crate::Result<_>>()?;
        if name == "customers" {
            customers = rows.len();
        }
        tables.push((name, rows));
    }
    let rows = store.write(|w| w.restore_tables(&tables))?;
    Ok(Restored {
        rows,
        customers,
        exported_at: backup.exported_at,
    })
}
