//! Whole-database copies with SQLite's online backup API: `rapport backup` while
//! others keep working, and `rapport restore` from such a copy. Both check the copy
//! (see `health`) before trusting it.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

use crate::atomic_file::{AtomicFile, Existing, database_files};
use crate::domain::access::Permission;

use super::health::{self, Health};
use super::{Result, Store, StoreError, schema};

/// Pages copied per step; between steps other connections may write (the backup then
/// picks up their changes).
const PAGES_PER_STEP: std::ffi::c_int = 1024;

impl Store {
    /// Copies the whole database to `dest`, a new file, while other operators keep
    /// reading and writing. The copy is written under a temporary name (0600 from the
    /// start), switched to rollback-journal mode so it can be restored from read-only
    /// media, checked, and only then given its name; a copy that fails is removed.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        self.backup_checked(dest, health::examine_open)
    }

    /// `backup_to` with the check of the copy given (the tests make one fail).
    fn backup_checked(
        &self,
        dest: &Path,
        check: impl FnOnce(&Connection, &mut Health),
    ) -> Result<()> {
        self.require(Permission::BulkExport)?;
        let protected = self.path().map(database_files).unwrap_or_default();
        let file = AtomicFile::create(dest, Existing::Keep, &protected)?;
        // Declared after `file`, so closed before a failed copy's file is removed.
        let mut copy = Connection::open(file.temp_path()).map_err(|e| StoreError::open(dest, e))?;
        Backup::new(self.sqlite_file("backup")?, &mut copy)?.run_to_completion(
            PAGES_PER_STEP,
            Duration::ZERO,
            None,
        )?;
        // The copy has the database's WAL flag; a WAL file needs to write beside it
        // even to be read.
        let mode: String =
            copy.pragma_update_and_check(None, "journal_mode", "delete", |r| r.get(0))?;
        let mut health = Health {
            path: dest.to_path_buf(),
            ..Default::default()
        };
        if !mode.eq_ignore_ascii_case("delete") {
            health.found(
                "journal mode",
                format!("the copy stayed in {mode} mode"),
                "try again",
            );
        }
        check(&copy, &mut health);
        if !health.is_ok() {
            return Err(StoreError::BackupFailedCheck {
                path: dest.to_path_buf(),
                problems: health.problems.into_iter().map(|f| f.problem).collect(),
            });
        }
        copy.close().map_err(|(_, e)| StoreError::open(dest, e))?;
        file.commit()?;
        Ok(())
    }

    /// Replaces everything in this database with the Rapport database at `source`
    /// (a `backup_to` copy, or any Rapport database file). A file that is not a
    /// Rapport database, was written by a newer Rapport, or does not pass
    /// `quick_check` and the schema check is refused and nothing changes; an older one
    /// is brought up to date after the copy. The source is only read, so it may sit on
    /// read-only media.
    pub fn restore_from(&mut self, source: &Path) -> Result<()> {
        self.require(Permission::Restore)?;
        if let Some(db) = self.path()
            && same_file(db, source)
        {
            return Err(StoreError::invalid(
                "restore",
                format!(
                    "{} is this database; name a copy made by `rapport backup`",
                    source.display()
                ),
            ));
        }
        let from = health::open_read_only(source)?;
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
        let mut health = Health {
            path: source.to_path_buf(),
            ..Default::default()
        };
        health::examine_open(&from, &mut health);
        if !health.is_ok() {
            return Err(StoreError::DamagedCopy {
                path: source.to_path_buf(),
                problems: health.problems.into_iter().map(|f| f.problem).collect(),
            });
        }
        Backup::new(&from, self.sqlite_file_mut("restore")?)?.run_to_completion(
            PAGES_PER_STEP,
            Duration::ZERO,
            None,
        )?;
        let now = self.now_secs();
        schema::migrate(&mut self.conn, now)?;
        Ok(())
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_backup_is_a_checked_rollback_mode_file_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rapport.db");
        let store = Store::open(&db).unwrap();
        let before = entries(dir.path());

        let failed = dir.path().join("failed.db");
        let e = store
            .backup_checked(&failed, |_, h| {
                h.found("quick_check", "page 7 is damaged", "use another copy");
            })
            .unwrap_err();
        assert!(matches!(e, StoreError::BackupFailedCheck { .. }), "{e}");
        assert!(e.to_string().contains("page 7 is damaged"), "{e}");
        assert_eq!(entries(dir.path()), before, "no copy, no temporary file");

        let copy = dir.path().join("copy.db");
        store.backup_to(&copy).unwrap();
        let header = std::fs::read(&copy).unwrap();
        // Bytes 18 and 19: 1 for a rollback journal, 2 for WAL.
        assert_eq!((header[18], header[19]), (1, 1));
        let mut expected = before.clone();
        expected.push("copy.db".into());
        expected.sort();
        assert_eq!(entries(dir.path()), expected);
        assert!(health::examine(&copy).is_ok());
        let e = store.backup_to(&copy).unwrap_err();
        assert!(e.to_string().contains("exists already"), "{e}");
        let e = store.backup_to(&db).unwrap_err();
        assert!(e.to_string().contains("is the database"), "{e}");
    }
}
