//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod tmux;

/// A temporary database: a file in a temporary directory, or, with
/// `RAPPORT_TEST_BACKEND=postgres`, a schema of its own on the PostgreSQL server the
/// `PG*` variables name (`path` then holds its connection string, which `--db` and
/// `RAPPORT_DB` take as they take a path). Files written beside it go in `dir`.
pub struct TempDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    scratch: Option<postgres_scratch::Scratch>,
}

impl TempDb {
    /// A new, empty database with no operator yet (the first to sign in is its admin),
    /// as `rapport init` makes one but without signing anybody in.
    pub fn new() -> Self {
        let db = Self::missing();
        create_db(&db.path);
        db
    }

    /// Only the place of a database in a new temporary folder: no file yet (on
    /// PostgreSQL an empty schema, which Rapport treats as no database yet).
    pub fn missing() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match postgres_scratch::Scratch::new() {
            Some(scratch) => Self {
                dir,
                path: PathBuf::from(scratch.target()),
                scratch: Some(scratch),
            },
            None => {
                let path = dir.path().join("rapport.db");
                Self {
                    dir,
                    path,
                    scratch: None,
                }
            }
        }
    }

    /// Whether this database is on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.scratch.is_some()
    }
}

thread_local! {
    /// Set while a test runs again on PostgreSQL (see [`also_on_postgres!`]).
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this test's databases are on PostgreSQL: it is running again there (see
/// [`also_on_postgres!`]), or `RAPPORT_TEST_BACKEND=postgres` puts every test there.
pub fn on_postgres() -> bool {
    ON_POSTGRES.with(std::cell::Cell::get) || postgres_scratch::wanted()
}

/// Runs `test` with its databases on the PostgreSQL server the `PG*` variables name
/// (as `pg_virtualenv` sets them). Without one it prints a notice and passes; under
/// `CI=true` that is a failure.
pub fn run_on_postgres(name: &str, test: fn()) {
    if std::env::var_os("PGHOST").is_none() && !postgres_scratch::wanted() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no PostgreSQL for {name}: run the tests under pg_virtualenv"
        );
        eprintln!("notice: no PostgreSQL (PGHOST unset): {name} ran on SQLite only");
        return;
    }
    ON_POSTGRES.with(|on| on.set(true));
    test();
    ON_POSTGRES.with(|on| on.set(false));
}

/// The same tests again with their databases on PostgreSQL, in a module
/// `on_postgres`: `also_on_postgres!(a_test, another_test);` after the tests.
#[macro_export]
macro_rules! also_on_postgres {
    ($($test:ident),* $(,)?) => {
        mod on_postgres {
            $(
                #[test]
                fn $test() {
                    super::common::run_on_postgres(stringify!($test), super::$test);
                }
            )*
        }
    };
}

/// For a test of what only an SQLite file has (its bytes, its mode, its WAL): `true`
/// on SQLite; on PostgreSQL a notice, and `false` so the test returns.
pub fn sqlite_only(what: &str) -> bool {
    if on_postgres() {
        eprintln!("notice: skipped on PostgreSQL: {what} is about SQLite's file");
        return false;
    }
    true
}

/// Creates an empty database at `path`: commands refuse to open one that is not there.
pub fn create_db(path: &Path) {
    open(path).expect("create the database");
}

/// Opens the store at `path` as `--db` does: a file, or (a [`TempDb`] on PostgreSQL)
/// the server its connection string names.
pub fn open(path: &Path) -> rapport::store::Result<rapport::store::Store> {
    rapport::store::Store::open_at(&rapport::store::Location::parse(&path.to_string_lossy()))
}

mod postgres_scratch {
    /// A schema of its own on the test server, dropped with this.
    pub struct Scratch {
        server: String,
        schema: String,
    }

    /// Whether `RAPPORT_TEST_BACKEND` asks for PostgreSQL for every test.
    pub fn wanted() -> bool {
        match std::env::var("RAPPORT_TEST_BACKEND").as_deref() {
            Ok("postgres") | Ok("postgresql") => true,
            Ok("") | Ok("sqlite") | Err(_) => false,
            Ok(other) => panic!("RAPPORT_TEST_BACKEND={other}: expected sqlite or postgres"),
        }
    }

    /// The server the `PG*` variables name (as `pg_virtualenv` sets them).
    fn server() -> String {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.into())
        };
        format!(
            "host={} port={} user={} dbname={}",
            var("PGHOST", "/var/run/postgresql"),
            var("PGPORT", "5432"),
            var("PGUSER", "postgres"),
            var("PGDATABASE", "postgres"),
        )
    }

    impl Scratch {
        pub fn new() -> Option<Scratch> {
            if !super::on_postgres() {
                return None;
            }
            let server = server();
            let schema = format!("rapport_it_{:016x}", fastrand::u64(..));
            let mut client = postgres::Client::connect(&server, postgres::NoTls)
                .unwrap_or_else(|e| panic!("RAPPORT_TEST_BACKEND=postgres, but {server}: {e}"));
            client
                .batch_execute(&format!("CREATE SCHEMA {schema}"))
                .expect("a scratch schema");
            Some(Scratch { server, schema })
        }

        /// The connection string whose connections work in this schema.
        pub fn target(&self) -> String {
            format!("{} options='-csearch_path={}'", self.server, self.schema)
        }
    }

    /// Every row of every table in the schema `target` works in, as text, in order.
    pub fn contents(target: &str) -> Vec<u8> {
        let mut client =
            postgres::Client::connect(target, postgres::NoTls).expect("connect to the scratch");
        let tables: Vec<String> = client
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
                &[],
            )
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::new();
        for table in tables {
            let row = client
                .query_one(
                    &format!(
                        "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM \"{table}\" t"
                    ),
                    &[],
                )
                .expect("rows");
            out.extend(table.as_bytes());
            out.extend(row.get::<_, String>(0).as_bytes());
        }
        out
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema));
            }
        }
    }
}

/// The environment every run of the binary gets: the operator `login`, UTC, and no
/// config file of the developer's.
fn command(db: &Path, login: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
    c.env("RAPPORT_DB", db)
        .env("RAPPORT_AS", login)
        .env("TZ", "UTC")
        .env("RAPPORT_CONFIG", "")
        .env_remove("RAPPORT_DEFAULT_HOUR")
        .env_remove("RAPPORT_PERIOD")
        .env_remove("RAPPORT_CURRENCY")
        .env_remove("RAPPORT_KEYMAP");
    c
}

/// Runs the real `rapport` binary on `db` with `args`, as an operator named `tester`.
pub fn rapport(db: &Path, args: &[&str]) -> Output {
    command(db, "tester")
        .args(args)
        .output()
        .expect("run rapport")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and expects success, returning stdout.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let o = rapport(db, args);
    assert!(
        o.status.success(),
        "rapport {args:?} failed: {}",
        stderr(&o)
    );
    stdout(&o)
}

/// Runs with `--json` and parses the output.
pub fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(db, &all)).expect("valid JSON")
}

/// The database file and its WAL, byte for byte: to prove a refused command wrote
/// nothing. On PostgreSQL, every row of every table of its schema.
pub fn snapshot_files(db: &Path) -> Vec<Option<Vec<u8>>> {
    if on_postgres() {
        return vec![Some(postgres_scratch::contents(&db.to_string_lossy()))];
    }
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    vec![std::fs::read(db).ok(), std::fs::read(wal).ok()]
}

/// The names of every customer, as `customer list` orders them.
pub fn customer_names(db: &Path) -> Vec<String> {
    json(db, &["customer", "list"])
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Runs the real `rapport` binary on `db` with `args`, as the operator `login`.
pub fn as_user(db: &Path, login: &str, args: &[&str]) -> Output {
    command(db, login).args(args).output().expect("run rapport")
}

/// Runs as `login` with `--json`, expects success and parses the output.
pub fn json_as(db: &Path, login: &str, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let o = as_user(db, login, &all);
    assert!(
        o.status.success(),
        "{login}: rapport {args:?} failed: {}",
        stderr(&o)
    );
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

/// Undoes schema 19: the count of follow-ups planned on each deal, its triggers and
/// indexes.
macro_rules! undo_schema_19 {
    () => {
        "
DROP TRIGGER deals_planned_reminder_insert; DROP TRIGGER deals_planned_reminder_delete;
DROP TRIGGER deals_planned_reminder_update; DROP TRIGGER deals_planned_deal_insert;
DROP TRIGGER deals_planned_deal_customer;
DROP INDEX reminders_open_on_deal; DROP INDEX deals_unplanned;
ALTER TABLE deals DROP COLUMN planned_follow_ups;"
    };
}

/// SQL that takes a current database back to the shape of schema 18 (no count of the
/// follow-ups planned on a deal), to fake a file an older Rapport wrote.
pub const BACK_TO_SCHEMA_18: &str = concat!(undo_schema_19!(), "\nPRAGMA user_version = 18;");

/// Undoes schema 18: the KPI figures by quarter hour and the triggers that keep them.
macro_rules! undo_schema_18 {
    () => {
        "
DROP TRIGGER kpi_slots_customer_insert; DROP TRIGGER kpi_slots_customer_delete;
DROP TRIGGER kpi_slots_customer_update; DROP TRIGGER kpi_slots_interaction_insert;
DROP TRIGGER kpi_slots_interaction_delete; DROP TRIGGER kpi_slots_interaction_update;
DROP TRIGGER kpi_slots_reminder_insert; DROP TRIGGER kpi_slots_reminder_delete;
DROP TRIGGER kpi_slots_reminder_update; DROP TABLE kpi_slots;"
    };
}

/// SQL that takes a current database back to the shape of schema 17 (no KPI figures
/// by quarter hour), to fake a file an older Rapport wrote.
pub const BACK_TO_SCHEMA_17: &str = concat!(
    undo_schema_19!(),
    undo_schema_18!(),
    "\nPRAGMA user_version = 17;"
);

/// Undoes schema 17: pipeline health (stages' idle limits, deals' last activity, their
/// triggers and indexes). Before schema 16's undo: `deals_funnel` holds a column it drops.
macro_rules! undo_schema_17 {
    () => {
        "
DROP TRIGGER deals_activity_insert; DROP TRIGGER deals_activity_update; DROP TRIGGER deals_activity_delete;
DROP INDEX interactions_deal; DROP INDEX deals_open_idle; DROP INDEX reminders_open_deal; DROP INDEX deals_funnel; DROP INDEX deals_closed_reasons;
ALTER TABLE deals DROP COLUMN last_activity_at; ALTER TABLE stages DROP COLUMN idle_days;"
    };
}

/// Undoes schemas 16 to 12: KPIs the business defines and deal costs, exchange rates,
/// operators' activity by quarter hour, NPS on interactions, operators' quotas.
macro_rules! undo_schema_16_12 {
    () => {
        "
DROP TABLE custom_kpis;
DROP TRIGGER deals_reached_stage; DROP INDEX deals_purchases;
ALTER TABLE deals DROP COLUMN reached_stage_id; ALTER TABLE deals DROP COLUMN cost_minor;
DROP TABLE exchange_rates;
DROP TRIGGER interactions_activity_insert; DROP TRIGGER interactions_activity_delete;
DROP TRIGGER interactions_activity_update; DROP TABLE operator_activity;
DROP INDEX customers_created_owner;
DROP INDEX interactions_nps;
ALTER TABLE interactions DROP COLUMN nps;
DROP TABLE operator_quotas;"
    };
}

/// Undoes schema 11: the customer value table and the triggers that keep it.
macro_rules! undo_schema_11 {
    () => {
        "
DROP TRIGGER deals_value_insert; DROP TRIGGER deals_value_won; DROP TRIGGER deals_value_changed;
DROP TRIGGER deals_value_delete; DROP TRIGGER customers_value_delete;
DROP TABLE customer_value;"
    };
}
/// Undoes schema 10: the undo columns of the trail.
macro_rules! undo_schema_10 {
    () => {
        "
DROP INDEX audit_log_batch; DROP INDEX audit_log_undoes;
ALTER TABLE audit_log DROP COLUMN batch; ALTER TABLE audit_log DROP COLUMN undoes;
ALTER TABLE audit_log DROP COLUMN version_after; ALTER TABLE audit_log DROP COLUMN before;"
    };
}

/// Undoes schema 9: the maintained deal totals and tallies, and the indexes for the
/// board, the KPIs and open follow-ups.
macro_rules! undo_schema_9 {
    () => {
        "
DROP TRIGGER deal_totals_insert; DROP TRIGGER deal_totals_delete; DROP TRIGGER deal_totals_update;
DROP TABLE deal_totals;
DROP TRIGGER tallies_customer_insert; DROP TRIGGER tallies_customer_delete;
DROP TRIGGER tallies_reminder_insert; DROP TRIGGER tallies_reminder_delete;
DROP TRIGGER tallies_reminder_done;
DROP TABLE tallies;
DROP INDEX deals_board; DROP INDEX interactions_satisfaction;
DROP INDEX reminders_due; DROP INDEX reminders_open_at;
CREATE INDEX reminders_open_due ON reminders(done_at, due_at);"
    };
}

/// SQL that takes a current database back to the shape of schema 8 (no maintained deal
/// totals), to fake a file an older Rapport wrote.
pub const BACK_TO_SCHEMA_8: &str = concat!(
    undo_schema_19!(),
    undo_schema_11!(),
    undo_schema_18!(),
    undo_schema_17!(),
    undo_schema_16_12!(),
    undo_schema_10!(),
    undo_schema_9!(),
    "\nPRAGMA user_version = 8;"
);

/// Undoes schema 8: the contact details of customers, a phone's extension.
macro_rules! undo_schema_8 {
    () => {
        "
ALTER TABLE customers DROP COLUMN title; ALTER TABLE customers DROP COLUMN department;
ALTER TABLE customers DROP COLUMN nickname; ALTER TABLE customers DROP COLUMN birthday;
ALTER TABLE customers DROP COLUMN website; ALTER TABLE customers DROP COLUMN second_address;
ALTER TABLE customers DROP COLUMN kept;
ALTER TABLE customer_phones DROP COLUMN extension;"
    };
}

/// SQL that takes a current database back to the shape of schema 7 (no contact details,
/// extensions in a phone's text), to fake a file an older Rapport wrote.
pub const BACK_TO_SCHEMA_7: &str = concat!(
    undo_schema_19!(),
    undo_schema_11!(),
    undo_schema_18!(),
    undo_schema_17!(),
    undo_schema_16_12!(),
    undo_schema_10!(),
    undo_schema_9!(),
    undo_schema_8!(),
    "\nPRAGMA user_version = 7;"
);

/// SQL that takes a current database back to the shape of schema 5 (KPI targets as
/// floats, no cap on deal amounts), to fake a file an older Rapport wrote. Run it
/// before SQL that undoes older versions.
pub const BACK_TO_SCHEMA_5: &str = concat!(
    undo_schema_19!(),
    undo_schema_11!(),
    undo_schema_18!(),
    undo_schema_17!(),
    undo_schema_16_12!(),
    undo_schema_10!(),
    undo_schema_9!(),
    undo_schema_8!(),
    "
DROP TABLE import_run_merges;
DROP TABLE import_run_created;
DROP TABLE import_runs;
DROP TRIGGER deals_amount_cap_insert;
DROP TRIGGER deals_amount_cap_update;
CREATE TABLE kpi_definitions_v5 (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, grp TEXT NOT NULL, unit TEXT NOT NULL,
    target REAL NOT NULL, minimum REAL NOT NULL, higher_is_better INTEGER NOT NULL,
    period TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
INSERT INTO kpi_definitions_v5 (rowid, key, name, grp, unit, target, minimum, higher_is_better,
                                period, version, created_at, updated_at)
    SELECT rowid, key, name, grp, unit, target_milli / 1000.0, minimum_milli / 1000.0,
           higher_is_better, period, version, created_at, updated_at
    FROM kpi_definitions;
DROP TABLE kpi_definitions;
ALTER TABLE kpi_definitions_v5 RENAME TO kpi_definitions;
PRAGMA user_version = 5;"
);
