//! The SQLite store: the only code in Rapport that speaks SQL.
//!
//! Every write goes through [`Store::write`], one IMMEDIATE transaction, so a crash or
//! `kill -9` leaves either the whole write or none of it. WAL lets readers continue
//! while another process writes; a busy timeout waits out short locks.

mod access;
mod audit;
mod backup;
mod cadence;
mod changes;
mod copy;
mod custom_kpis;
mod customers;
pub(crate) mod db;
mod deals;
mod demo;
mod duplicates;
mod error;
mod exchange;
pub mod health;
mod import;
mod import_runs;
mod interactions;
mod kpi_slots;
mod kpis;
mod measures;
#[cfg(test)]
mod on_postgres;
mod operators;
mod pipeline_health;
mod planned_follow_ups;
mod reminders;
mod retention;
mod satisfaction;
mod schema;
mod search;
mod sql_types;
mod sums;
mod team;
mod undo;
mod value;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

pub use db::Location;
use db::{Begin, Db};

use crate::domain::Operator;

pub use audit::{AuditFilter, LastChange};
pub use backup::{BACKUP_TABLES, Row as BackupRow};
pub use cadence::QuietFilter;
pub use changes::Change;
pub use custom_kpis::KpiDraft;
pub use customers::{CustomerFilter, CustomerSort, CustomerWindow, ListAt};
pub use deals::DealFilter;
pub use demo::Generated;
pub use duplicates::MergePlan;
pub use error::StoreError;
pub use import::{BulkInsert, ContactKeys, KnownContacts, SuspendedIndexes};
pub use import_runs::{ImportRun, UndoReport};
pub use measures::MeasureScope;
pub use pipeline_health::{HealthDeal, HealthInputs};
pub use reminders::ReminderFilter;
pub use undo::{UndoCandidate, Undone};
pub use value::SegmentTotal;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database schema version this build writes (`PRAGMA user_version`).
pub fn schema_version() -> i64 {
    schema::latest_version()
}

/// Where time comes from: the wall clock, or a fixed instant in tests and snapshots.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits for another connection's lock, trying again every millisecond for up to
/// [`BUSY_TIMEOUT`]. SQLite's own busy timeout sleeps up to 100 ms between tries, so a
/// writer that commits and begins again at once (an import's next chunk) could keep
/// the lock from everyone waiting until they gave up with "database is locked".
fn wait_for_lock(attempt: i32) -> bool {
    if u128::try_from(attempt).unwrap_or(0) >= BUSY_TIMEOUT.as_millis() {
        return false;
    }
    std::thread::sleep(Duration::from_millis(1));
    true
}

pub struct Store {
    conn: Db,
    /// Where the database is; `None` for a private in-memory one.
    location: Option<Location>,
    clock: Clock,
    /// Who is writing: their role limits what they may do, and the audit trail names
    /// them. `None` is Rapport itself (library use, tests): no limits, no name.
    actor: Option<Operator>,
    /// The changes (audit batches) written through this connection, oldest first: what
    /// the app's undo takes back, newest first.
    session: Vec<i64>,
}

/// The write half of the store, alive for one transaction. Every mutation lives here,
/// so single writes and bulk writes (import, demo) share one code path.
pub struct Writer<'a> {
    conn: &'a Db,
    now: i64,
    actor: Option<&'a Operator>,
    /// Whether each write records its own audit entry; off only while generated demo
    /// data is written, which the trail records as one entry (see `Writer::generate`).
    trail: bool,
    /// What this transaction's audit entries need for an undo (see `store::undo`).
    undo: std::cell::RefCell<undo::UndoLog>,
}

impl Store {
    /// Opens (or creates) the database at `path`, checks it is Rapport's, and migrates
    /// it to the current schema. A file that is not a Rapport database is refused
    /// untouched.
    pub fn open(path: &Path) -> Result<Self> {
        // Processes starting at once on a new file race to create it, switch it to WAL
        // and migrate it; the loser of a step that takes no busy timeout (the journal
        // mode switch) starts over rather than tell the operator "database is locked".
        let start = std::time::Instant::now();
        loop {
            match Self::open_once(path) {
                Err(e) if e.is_busy() && start.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                result => return result.map_err(|e| e.explained(Some(path))),
            }
        }
    }

    fn open_once(path: &Path) -> Result<Self> {
        let existed = path.exists();
        if !existed {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir).map_err(|e| StoreError::io(dir, e))?;
            }
            // Created 0600 before SQLite opens it, so no moment (or kill) leaves it
            // readable by others; an empty file is a new database to SQLite.
            create_private_file(path).map_err(|e| StoreError::io(path, e))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::open(path, e))?;
        conn.busy_handler(Some(wait_for_lock))
            .map_err(|e| StoreError::open(path, e))?;
        schema::check_is_rapport(&conn, path)?;
        if !existed {
            restrict_file_mode(path).map_err(|e| StoreError::io(path, e))?;
        }
        Self::finish_open(conn, Some(path.to_path_buf()))
    }

    /// Opens the database wherever `location` says: [`Store::open`] for a file,
    /// [`Store::open_postgres`] for a server.
    pub fn open_at(location: &Location) -> Result<Self> {
        match location {
            Location::File(path) => Self::open(path),
            Location::Postgres(server) => Self::open_postgres(server),
        }
    }

    /// The database on a PostgreSQL server (`postgresql://…` or `host=… dbname=…`),
    /// its schema created or migrated under the server's advisory lock.
    pub fn open_postgres(server: &str) -> Result<Self> {
        Self::open_postgres_with(server, true)
    }

    /// [`Store::open_postgres`]; unless `may_create`, a database without Rapport's
    /// schema is refused untouched (a mistyped database name creates nothing), as a
    /// missing file is.
    pub fn open_postgres_with(server: &str, may_create: bool) -> Result<Self> {
        let pg = db::postgres::Pg::connect(server)?;
        let conn = Db::Postgres(Box::new(pg));
        let location = Location::Postgres(server.to_owned());
        schema::check_is_rapport_on_postgres(&conn, &location, may_create)?;
        Self::finish_open_db(conn, Some(location))
    }

    /// Whether a Rapport database is at `location` already: its file exists, or the
    /// server's schema holds Rapport's tables.
    pub fn exists_at(location: &Location) -> Result<bool> {
        match location {
            Location::File(path) => Ok(path.exists()),
            Location::Postgres(server) => {
                let pg = db::postgres::Pg::connect(server)?;
                Db::Postgres(Box::new(pg)).query_row(
                    "SELECT to_regclass('rapport_schema') IS NOT NULL",
                    (),
                    |r| r.get(0),
                )
            }
        }
    }

    /// Who the PostgreSQL server signed this connection in as, and whether that role
    /// could change the whole database anyway (a superuser, or the owner of its
    /// tables): the server's counterpart of root and the file's owner. `None` on SQLite.
    pub fn server_login(&self) -> Result<Option<(String, bool)>> {
        if !self.on_postgres() {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT session_user::text,
                        coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
                                 OR pg_has_role(session_user,
                                        (SELECT tableowner FROM pg_tables
                                         WHERE schemaname = current_schema()
                                           AND tablename = 'rapport_schema'), 'MEMBER'),
                                 false)",
                (),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map(Some)
    }

    /// A private in-memory database, for tests and examples.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        Self::finish_open(conn, None)
    }

    fn finish_open(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        let db = path.clone();
        Self::finish_open_unexplained(conn, path).map_err(|e| e.explained(db.as_deref()))
    }

    fn finish_open_unexplained(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", true)?;
        if path.is_some() {
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Message(format!(
                    "could not switch the database to WAL mode (got {mode})"
                )));
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // 64 MiB of page cache: big writes (imports, demo data) stay in memory
            // instead of spilling half-built index pages to the WAL.
            conn.pragma_update(None, "cache_size", -65_536)?;
        }
        conn.set_prepared_statement_cache_capacity(64);
        Self::finish_open_db(Db::Sqlite(conn), path.map(Location::File))
    }

    fn finish_open_db(conn: Db, location: Option<Location>) -> Result<Self> {
        let mut store = Self {
            conn,
            location,
            clock: Arc::new(Utc::now),
            actor: None,
            session: Vec::new(),
        };
        let now = store.now_secs();
        schema::migrate(&mut store.conn, now)?;
        store.heal_interrupted_imports()?;
        Ok(store)
    }

    /// Makes `operator` the one who writes from now on: their role decides what is
    /// allowed, and the audit trail records them.
    pub fn act_as(&mut self, operator: Operator) {
        // Another operator's session starts: what was written before is not theirs to undo.
        if self.actor.as_ref().is_some_and(|a| a.id != operator.id) {
            self.session.clear();
        }
        self.actor = Some(operator);
    }

    /// The operator this store writes as, if one signed in.
    pub fn actor(&self) -> Option<&Operator> {
        self.actor.as_ref()
    }

    /// Replaces the clock (tests, snapshots, demo data relative to a fixed day).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The clock this store tells time by (for a second connection that must agree).
    pub fn clock(&self) -> Clock {
        Arc::clone(&self.clock)
    }

    fn now_secs(&self) -> i64 {
        self.now().timestamp()
    }

    /// The SQLite connection, for `what` that copies the database file as it is; a
    /// PostgreSQL database is copied with its own tools.
    fn sqlite_file(&self, what: &str) -> Result<&Connection> {
        self.conn
            .sqlite()
            .ok_or_else(|| Self::not_on_postgres(what))
    }

    fn sqlite_file_mut(&mut self, what: &str) -> Result<&mut Connection> {
        self.conn
            .sqlite_mut()
            .ok_or_else(|| Self::not_on_postgres(what))
    }

    fn not_on_postgres(what: &str) -> StoreError {
        StoreError::Message(format!(
            "`rapport {what}` copies an SQLite database file; on PostgreSQL use pg_dump and pg_restore, or `rapport export --format json` and `rapport import` for a copy either backend reads"
        ))
    }

    /// The database file, or `None` in memory or on a server.
    pub fn path(&self) -> Option<&Path> {
        self.location.as_ref().and_then(Location::file)
    }

    /// Where the database is, for a second connection to it (the app's loader and
    /// worker); `None` for a private in-memory database, which has no second.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// Whether the database is on a PostgreSQL server.
    pub fn on_postgres(&self) -> bool {
        self.conn.dialect() == db::Dialect::Postgres
    }

    /// Runs `f` in one IMMEDIATE transaction: all of its writes land, or none do.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        self.write_or_rehearse(false, f)
    }

    /// Runs `f` like [`Store::write`], for a write that fills an empty database (demo
    /// data). When no other connection has the file open, the transaction runs with a
    /// rollback journal instead of the WAL: pages added past the end of an empty file
    /// need no journal, so the data is written once instead of twice (to the WAL, then
    /// copied into the file by the checkpoint), and a `kill -9` still leaves the file
    /// as it was. Someone opening the database meanwhile waits for the write, as on any
    /// write lock. Afterwards it is back in WAL mode (or the next open puts it back).
    pub fn write_into_empty<T>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let switched = self.path().is_some() && self.try_journal_mode("delete")?;
        let written = self.write(f);
        if switched {
            // A connection that arrived meanwhile keeps the file in this mode until
            // the next open switches it back; nothing is lost either way.
            let _ = self.try_journal_mode("wal");
        }
        written
    }

    /// Switches the journal mode without waiting for other connections (switching
    /// out of WAL needs the file to itself); whether it switched.
    fn try_journal_mode(&mut self, mode: &str) -> Result<bool> {
        let Some(conn) = self.conn.sqlite() else {
            return Ok(false);
        };
        conn.busy_handler(None)?;
        let got =
            conn.pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0));
        conn.busy_handler(Some(wait_for_lock))?;
        match got.map_err(StoreError::from) {
            Ok(got) => Ok(got.eq_ignore_ascii_case(mode)),
            Err(e) if e.is_busy() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs `f` exactly like `write`; with `rehearse` everything is then rolled back:
    /// what a write would do, without doing it (an import's `--dry-run`).
    pub fn write_or_rehearse<T>(
        &mut self,
        rehearse: bool,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path().map(Path::to_path_buf);
        self.write_unexplained(rehearse, f)
            .map_err(|e| e.explained(path.as_deref()))
    }

    fn write_unexplained<T>(
        &mut self,
        rehearse: bool,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let now = self.now_secs();
        let tx = self.conn.begin(Begin::Write)?;
        let mut writer = Writer {
            conn: &tx,
            now,
            actor: self.actor.as_ref(),
            trail: true,
            undo: Default::default(),
        };
        let value = f(&mut writer)?;
        let change = writer.undo.into_inner().change();
        if rehearse {
            tx.rollback()?;
        } else {
            tx.commit()?;
            self.session.extend(change);
        }
        Ok(value)
    }

    /// Runs `f` in one read transaction, so everything it reads is one consistent snapshot.
    fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let tx = self.conn.begin(Begin::Read)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Counts of the main records: (customers, open deals, open follow-ups), from the
    /// maintained tallies and deal totals (schema 9): a few rows, whatever the size.
    pub fn counts(&self) -> Result<Counts> {
        self.read(|c| {
            let tally = |name: &str| -> Result<i64> {
                c.query_row("SELECT n FROM tallies WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
            };
            Ok(Counts {
                customers: tally("customers")?,
                open_deals: c.query_row(
                    "SELECT coalesce(sum(t.deals), 0) FROM deal_totals t
                     JOIN stages s ON s.id = t.stage_id WHERE s.outcome = 'open'",
                    (),
                    |r| r.get(0),
                )?,
                open_reminders: tally("open_reminders")?,
            })
        })
    }

    /// Caps this connection's page cache (KiB). The default is large for bulk writes; a
    /// long-lived reader such as the search worker needs little.
    pub fn limit_cache(&self, kib: i64) -> Result<()> {
        // PostgreSQL's cache is the server's.
        if let Some(c) = self.conn.sqlite() {
            c.pragma_update(None, "cache_size", -kib)?;
        }
        Ok(())
    }

    /// A number that changes whenever another connection commits to the database.
    /// On PostgreSQL, which has no such counter, it is the newest audit entry's id:
    /// every write appends to the trail, and writers commit one at a time.
    pub fn data_version(&self) -> Result<i64> {
        match self.conn.dialect() {
            db::Dialect::Sqlite => self.conn.query_row("PRAGMA data_version", (), |r| r.get(0)),
            db::Dialect::Postgres => self.audit_high_water(),
        }
    }

    /// `PRAGMA integrity_check`: `ok`, or SQLite's first complaint.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", (), |r| r.get(0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub customers: i64,
    pub open_deals: i64,
    pub open_reminders: i64,
}

impl Writer<'_> {
    /// The instant this transaction stamps on what it writes.
    pub fn now(&self) -> DateTime<Utc> {
        sql_types::from_secs(self.now)
    }

    /// Stamps what is written next as created and updated at `at`: history that
    /// happened before it was entered (demo data, restored backups, imported deals).
    pub fn backdate(&mut self, at: DateTime<Utc>) {
        self.now = at.timestamp();
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates `path` empty and 0600; one that appeared meanwhile (another process
/// creating the same database) is left to SQLite.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict_file_mode(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_file_mode(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
