//! Whole-database copies with SQLite's online backup API: `rapport backup` while
//! others keep working, and `rapport restore` from such a copy.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use crate::domain::access::Permission;

use super::{Result, Store, StoreError, restrict_file_mode, schema};

/// Pages copied per step; between steps other connections may write (the backup then
/// picks up their changes).
const PAGES_PER_STEP: std::ffi::c_int = 1024;

impl Store {
    /// Copies the whole database to `dest`, a new file created 0600, while other
    /// operators keep reading and writing.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        self.require(Permission::BulkExport)?;
        if dest.exists() {
            return Err(StoreError::invalid(
                "backup",
                format!("{} exists already; name a new file", dest.display()),
            ));
        }
        let mut copy = Connection::open(dest).map_err(|e| StoreError::open(dest, e))?;
        restrict_file_mode(dest).map_err(|e| StoreError::io(dest, e))?;
        Backup::new(&self.conn, &mut copy)?.run_to_completion(
            PAGES_PER_STEP,
            Duration::ZERO,
            None,
        )?;
        let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Message(format!(
                "the copy at {} does not check out: {check}",
                dest.display()
            )));
        }
        Ok(())
    }

    /// Replaces everything in this database with the Rapport database at `source`
    /// (a `backup_to` copy, or any Rapport database file). A file that is not a
    /// Rapport database, or was written by a newer Rapport, is refused and nothing
    /// changes; an older one is brought up to date after the copy.
    pub fn restore_from(&mut self, source: &Path) -> Result<()> {
        self.require(Permission::Restore)?;
        let from = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::open(source, e))?;
        schema::check_is_rapport(&from, source)?;
        let app_id: i64 = from
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| StoreError::open(source, e))?;
        if app_id != schema::APPLICATION_ID {
            return Err(StoreError::NotRapport {
                path: source.to_path_buf(),
                why: "an empty SQLite file, not a Rapport database".into(),
            });
        }
        Backup::new(&from, &mut self.conn)?.run_to_completion(
            PAGES_PER_STEP,
            Duration::ZERO,
            None,
        )?;
        let now = self.now_secs();
        schema::migrate(&mut self.conn, now)?;
        Ok(())
    }
}
