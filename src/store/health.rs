//! Is a database file sound? SQLite's `quick_check`, the application id, the schema
//! version and the tables that version has. `rapport doctor` shows it; `restore` and
//! `backup` refuse a copy that does not pass.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;

use super::{Result, StoreError, schema};

/// The application id that marks a Rapport database.
pub use super::schema::APPLICATION_ID;

/// `quick_check` complaints kept; a badly damaged file has thousands.
const COMPLAINTS_KEPT: usize = 10;

/// What a look at a database file found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Health {
    pub path: PathBuf,
    pub application_id: Option<i64>,
    pub schema_version: Option<i64>,
    /// `wal` for a live database, `delete` for a copy made by `rapport backup`.
    pub journal_mode: Option<String>,
    /// `["ok"]`, or SQLite's first complaints.
    pub quick_check: Vec<String>,
    pub tables: usize,
    pub problems: Vec<Finding>,
}

/// One problem, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub problem: String,
    pub fix: String,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub(crate) fn found(&mut self, check: &'static str, problem: impl Into<String>, fix: &str) {
        self.problems.push(Finding {
            check,
            problem: problem.into(),
            fix: fix.to_string(),
        });
    }
}

const DAMAGED_FIX: &str = "do not restore from this file. If it is your database, stop \
    using it: check a backup with `rapport doctor BACKUP` and bring it back with \
    `rapport restore BACKUP --yes` (`sqlite3 FILE .recover` salvages what is still readable)";
const NOT_RAPPORT_FIX: &str = "this is not a Rapport database: check the path (--db or RAPPORT_DB)";

/// Looks at the database at `path` without changing it.
pub fn examine(path: &Path) -> Health {
    let mut health = Health {
        path: path.to_path_buf(),
        ..Default::default()
    };
    match open_read_only(path) {
        Ok(conn) => examine_open(&conn, &mut health),
        Err(e) => health.found(
            "open",
            e.to_string(),
            "check the path, and that you may read the file",
        ),
    }
    health
}

/// Opens `path` read-only. A WAL-mode file in a place this process may not write to
/// (an older backup on read-only media) is read as immutable when no `-wal` file holds
/// part of it.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::open(path, e))?;
    let probe = conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0));
    let unreachable_wal = matches!(&probe, Err(rusqlite::Error::SqliteFailure(f, _))
        if matches!(f.code, ErrorCode::ReadOnly | ErrorCode::CannotOpen));
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    if !unreachable_wal || Path::new(&wal).exists() {
        return Ok(conn);
    }
    drop(conn);
    let uri = format!("file:{}?immutable=1", uri_path(path));
    Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
        .map_err(|e| StoreError::open(path, e))
}

/// `path` for a `file:` URI: the characters a URI gives a meaning to, escaped.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The checks, on an open connection (a source about to be restored, a fresh copy).
pub(crate) fn examine_open(conn: &Connection, health: &mut Health) {
    let app_id = match conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i64>(0)) {
        Ok(id) => id,
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return health.found("file", "not an SQLite file", NOT_RAPPORT_FIX);
        }
        Err(e) => return health.found("file", format!("cannot be read: {e}"), DAMAGED_FIX),
    };
    health.application_id = Some(app_id);
    let objects = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    let objects = match objects {
        Ok(n) => n,
        Err(e) => return health.found("schema", format!("cannot be read: {e}"), DAMAGED_FIX),
    };
    if app_id != schema::APPLICATION_ID {
        let problem = if app_id == 0 && objects == 0 {
            "an empty SQLite file, not a Rapport database yet"
        } else {
            "an SQLite database of another application"
        };
        return health.found("application id", problem, NOT_RAPPORT_FIX);
    }
    health.journal_mode = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
        .ok();
    // Read as immutable, a WAL file reports a rollback journal: its header says.
    if wal_in_header(&health.path) {
        health.journal_mode = Some("wal".into());
    }
    health.quick_check = match quick_check(conn) {
        Ok(lines) => lines,
        Err(e) => vec![e.to_string()],
    };
    if health.quick_check != ["ok"] {
        let said = health.quick_check.join("; ");
        health.found(
            "quick_check",
            format!("the file is damaged: {said}"),
            DAMAGED_FIX,
        );
    }
    let version = match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(v) => v,
        Err(e) => return health.found("schema", format!("cannot be read: {e}"), DAMAGED_FIX),
    };
    health.schema_version = Some(version);
    if version > schema::latest_version() {
        return health.found(
            "schema version",
            format!(
                "written by a newer Rapport (schema {version}; this build knows up to {})",
                schema::latest_version()
            ),
            "upgrade Rapport to use it",
        );
    }
    check_tables(conn, version, health);
    if version >= 9 {
        check_deal_totals(conn, health);
        check_tallies(conn, health);
    }
    if version >= 18 {
        check_kpi_slots(conn, health);
    }
    if version >= 19 {
        check_planned_follow_ups(conn, health);
    }
}

/// The maintained counts (schema 9) must equal what they count.
fn check_tallies(conn: &Connection, health: &mut Health) {
    let sql = "SELECT name, n, CASE name
                   WHEN 'customers' THEN (SELECT count(*) FROM customers)
                   WHEN 'open_reminders' THEN (SELECT count(*) FROM reminders WHERE done_at IS NULL)
               END FROM tallies";
    let rows = conn.prepare(sql).and_then(|mut stmt| {
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    });
    match rows {
        Ok(rows) => {
            for (name, kept, actual) in rows {
                if Some(kept) != actual {
                    health.found(
                        "tallies",
                        format!(
                            "the count of {} says {kept}, the database holds {}",
                            name.replace('_', " "),
                            actual.map_or("none".to_string(), |n| n.to_string())
                        ),
                        RECOUNT_FIX,
                    );
                }
            }
        }
        Err(e) => health.found("tallies", format!("cannot be read: {e}"), DAMAGED_FIX),
    }
}

/// What to do when a kept figure disagrees with the records it is kept from.
const RECOUNT_FIX: &str = "the records themselves are intact; a JSON backup restored into a new \
     database counts them again (`rapport export --format json -o backup.json`, then \
     `rapport --db new.db import backup.json`)";

/// `kept` (rows of a figure triggers keep in every write) must equal `records` (the
/// same rows computed from the records): a difference means the file was changed
/// around Rapport (e.g. with triggers dropped). `problem` says it for that many rows.
fn compare_kept(
    conn: &Connection,
    health: &mut Health,
    check: &'static str,
    (kept, records): (&str, &str),
    problem: impl Fn(i64) -> String,
    fix: &str,
) {
    let sql = format!(
        "SELECT max(
             (SELECT count(*) FROM (SELECT * FROM ({records}) EXCEPT SELECT * FROM ({kept}))),
             (SELECT count(*) FROM (SELECT * FROM ({kept}) EXCEPT SELECT * FROM ({records}))))"
    );
    match conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
        Ok(0) => {}
        Ok(n) => health.found(check, problem(n), fix),
        Err(e) => health.found(check, format!("cannot be read: {e}"), DAMAGED_FIX),
    }
}

/// "s" after a count other than one.
fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The maintained deal totals (schema 9) must equal the totals of the deals.
fn check_deal_totals(conn: &Connection, health: &mut Health) {
    compare_kept(
        conn,
        health,
        "deal totals",
        ("SELECT * FROM deal_totals", schema::DEAL_TOTALS_FROM_DEALS),
        |n| {
            format!(
                "the pipeline and KPI totals disagree with the deals in {n} group{}",
                plural(n)
            )
        },
        "the deals themselves are intact; a JSON backup restored into a new database \
         rebuilds the totals (`rapport export --format json -o backup.json`, then \
         `rapport --db new.db import backup.json`)",
    );
}

/// The KPI figures per quarter hour (schema 18) must equal those of the records, as
/// the deal totals must.
fn check_kpi_slots(conn: &Connection, health: &mut Health) {
    compare_kept(
        conn,
        health,
        "kpi slots",
        ("SELECT * FROM kpi_slots", &super::kpi_slots::from_records()),
        |n| {
            format!(
                "the KPI trends' figures disagree with the customers, interactions and \
                 follow-ups in {n} quarter hour{}",
                plural(n)
            )
        },
        RECOUNT_FIX,
    );
}

/// Each deal's count of the open follow-ups that plan it (schema 19) must equal what
/// the follow-ups say, as the deal totals must.
fn check_planned_follow_ups(conn: &Connection, health: &mut Health) {
    compare_kept(
        conn,
        health,
        "planned follow-ups",
        (
            "SELECT id, planned_follow_ups FROM deals WHERE planned_follow_ups <> 0",
            &format!(
                "SELECT id, n FROM ({})",
                super::planned_follow_ups::FROM_RECORDS
            ),
        ),
        |n| {
            format!(
                "the count of follow-ups planned disagrees with the follow-ups on {n} deal{}",
                plural(n)
            )
        },
        RECOUNT_FIX,
    );
}

/// Bytes 18 and 19 of an SQLite header are 2 for a WAL-mode file.
fn wal_in_header(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| header[18] == 2 && header[19] == 2)
}

fn quick_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.take(COMPLAINTS_KEPT).collect()
}

/// Every table and column schema `version` has must be there.
fn check_tables(conn: &Connection, version: i64, health: &mut Health) {
    let (expected, found) = match (schema::tables_at(version), schema::tables_of(conn)) {
        (Ok(e), Ok(f)) => (e, f),
        (Err(e), _) | (_, Err(e)) => {
            return health.found("tables", format!("cannot be read: {e}"), DAMAGED_FIX);
        }
    };
    health.tables = found.len();
    let mut missing = Vec::new();
    for (table, columns) in &expected {
        match found.get(table) {
            None => missing.push(format!("table {table}")),
            Some(have) => missing.extend(
                columns
                    .difference(have)
                    .map(|c| format!("column {table}.{c}")),
            ),
        }
    }
    if !missing.is_empty() {
        health.found(
            "tables",
            format!("schema {version} lacks {}", missing.join(", ")),
            "this file was changed outside Rapport: restore a backup made by `rapport backup`",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_sound_database_passes_and_a_stranger_or_a_damaged_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rapport.db");
        drop(Store::open(&db).unwrap());
        let health = examine(&db);
        assert!(health.is_ok(), "{:?}", health.problems);
        assert_eq!(health.schema_version, Some(schema::latest_version()));
        assert_eq!(health.quick_check, ["ok"]);
        assert_eq!(health.journal_mode.as_deref(), Some("wal"));

        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "not a database at all, but long enough to have a header",
        )
        .unwrap();
        assert_eq!(examine(&text).problems[0].problem, "not an SQLite file");
        let missing = examine(&dir.path().join("missing.db"));
        assert_eq!(missing.problems[0].check, "open");

        // A table dropped behind Rapport's back.
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF; DROP TABLE tag_cadences;")
            .unwrap();
        drop(conn);
        let health = examine(&db);
        assert_eq!(health.problems.len(), 1, "{:?}", health.problems);
        assert!(
            health.problems[0]
                .problem
                .contains("lacks table tag_cadences")
        );
    }

    #[test]
    fn a_planned_follow_up_count_changed_behind_rapports_back_is_found() {
        use crate::domain::{Currency, CustomerDraft, CustomerKind, DealDraft, Money};
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rapport.db");
        let mut store = Store::open(&db).unwrap();
        store.sign_in("sara").unwrap();
        let ada = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        store
            .add_deal(&DealDraft {
                customer_id: ada,
                title: "Licence".into(),
                amount: Money::new(10_000, Currency::USD).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: None,
            })
            .unwrap();
        drop(store);
        assert!(examine(&db).is_ok());
        let conn = Connection::open(&db).unwrap();
        conn.execute("UPDATE deals SET planned_follow_ups = 2", [])
            .unwrap();
        drop(conn);
        let health = examine(&db);
        assert_eq!(health.problems.len(), 1, "{:?}", health.problems);
        assert_eq!(health.problems[0].check, "planned follow-ups");
        assert!(
            health.problems[0].problem.contains("on 1 deal"),
            "{:?}",
            health.problems
        );
    }

    #[test]
    fn uri_paths_escape_what_a_uri_reads_as_syntax() {
        assert_eq!(
            uri_path(Path::new("/a b/c?d#e%f.db")),
            "/a b/c%3Fd%23e%25f.db"
        );
    }
}
