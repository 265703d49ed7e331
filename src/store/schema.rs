//! Schema migrations, kept by hand on `PRAGMA user_version`; `application_id` marks a
//! file as Rapport's so nothing else is ever migrated by mistake.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, params};

use super::db::{self, Begin, Db, Dialect, OptionalExtension};

use super::{Result, StoreError};
use crate::domain::deal::DEFAULT_STAGES;
use crate::domain::kpi::DEFAULT_KPIS;
use crate::domain::{KpiFigure, KpiUnit, Period};

/// "RAPP" in ASCII.
pub const APPLICATION_ID: i64 = 0x5241_5050;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    UNDO,
    VALUE,
    super::team::QUOTAS,
    NPS,
    super::team::ACTIVITY,
    super::exchange::RATES,
    super::custom_kpis::KPIS,
    super::pipeline_health::HEALTH,
    super::kpi_slots::KPI_SLOTS,
    super::planned_follow_ups::PLANNED,
];

/// Schema 13: the answer to "would you recommend us?" (0-10) on the interaction it was given in,
/// and a partial index for NPS by month (`store::satisfaction`; CSAT by month reads
/// schema 9's `interactions_satisfaction`).
const NPS: &str = r#"
ALTER TABLE interactions ADD COLUMN nps INTEGER CHECK (nps IS NULL OR nps BETWEEN 0 AND 10);
CREATE INDEX interactions_nps ON interactions(occurred_at, customer_id, nps) WHERE nps IS NOT NULL;
"#;

/// Schema 11, customer value: each customer's won deals summed, kept by triggers on deals
/// (`store::value`), so RFM quintiles and segments are indexed reads at any size.
/// No foreign key: the triggers remove a customer's row with the customer (SQLite
/// runs cascades and triggers in an order that a key would trip over).
const VALUE: &str = r#"
CREATE TABLE customer_value (
    customer_id    INTEGER PRIMARY KEY,
    won_deals      INTEGER NOT NULL,
    counted_deals  INTEGER NOT NULL,
    revenue_high   INTEGER NOT NULL,
    revenue_low    INTEGER NOT NULL,
    revenue        REAL NOT NULL,
    first_won_on   TEXT NOT NULL,
    last_won_on    TEXT NOT NULL
);
CREATE INDEX customer_value_last ON customer_value(last_won_on);
CREATE INDEX customer_value_deals ON customer_value(won_deals);
CREATE INDEX customer_value_revenue ON customer_value(revenue);
"#;

/// Work a migration needs done in Rust after its SQL (same transaction), by index.
fn after_sql(index: usize, tx: &Db, now: i64) -> Result<()> {
    match index {
        0 => {
            seed_defaults(tx, now)?;
            tx.pragma_update("application_id", APPLICATION_ID)?;
        }
        1 => {
            super::duplicates::backfill_phone_columns(tx)?;
            tx.execute_batch(V2_INDEXES)?;
        }
        3 => insert_kpis(tx, now)?,
        6 => convert_kpi_figures(tx, now)?,
        7 => {
            super::duplicates::split_phone_extensions(tx)?;
            tx.execute_batch(V8_INDEXES)?;
        }
        10 => super::value::install(tx)?,
        14 => super::value::install_with_rates(tx)?,
        16 => super::pipeline_health::install(tx)?,
        17 => super::kpi_slots::install(tx)?,
        18 => super::planned_follow_ups::install(tx)?,
        _ => {}
    }
    Ok(())
}

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Refuses, without writing anything, a file that is not SQLite, is another
/// application's database, or was written by a newer Rapport.
pub fn check_is_rapport(conn: &Connection, path: &Path) -> Result<()> {
    let not_rapport = |why: &str| StoreError::NotRapport {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    // One snapshot: another process may be creating this database right now, and its
    // tables without its application id (or the reverse) would look like a stranger's.
    let snapshot = conn
        .unchecked_transaction()
        .map_err(|e| StoreError::open(path, e))?;
    let probe = snapshot.query_row("PRAGMA application_id", (), |r| r.get::<_, i64>(0));
    let app_id = match probe {
        Ok(id) => id,
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(not_rapport("not an SQLite file"));
        }
        Err(e) => return Err(StoreError::open(path, e)),
    };
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", (), |r| r.get(0))
        .map_err(|e| StoreError::open(path, e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", (), |r| r.get(0))
        .map_err(|e| StoreError::open(path, e))?;
    // An empty file with a user version set is another application's, not a new one.
    let blank = app_id == 0 && objects == 0 && version == 0;
    if app_id != APPLICATION_ID && !blank {
        return Err(not_rapport("an SQLite database of another application"));
    }
    if version > latest_version() {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            known: latest_version(),
        });
    }
    Ok(())
}

/// On PostgreSQL, the counterpart of [`check_is_rapport`]: the schema the connection
/// works in holds Rapport's tables, or (when `may_create`) no tables at all; a schema
/// of another application's tables is refused untouched.
pub fn check_is_rapport_on_postgres(
    conn: &Db,
    location: &db::Location,
    may_create: bool,
) -> Result<()> {
    let (ours, tables): (bool, i64) = conn.query_row(
        "SELECT to_regclass('rapport_schema') IS NOT NULL,
                (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())",
        (),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match (ours, tables, may_create) {
        (true, _, _) | (false, 0, true) => Ok(()),
        (false, 0, false) => Err(StoreError::Message(format!(
            "there is no Rapport database at {location} yet; create it with `rapport --db '{location}' init`"
        ))),
        (false, n, _) => Err(StoreError::Message(format!(
            "{location} holds {n} tables of another application in its schema; point --db at an empty database (or add options=-csearch_path=SCHEMA for a schema of its own)"
        ))),
    }
}

/// Applies every pending migration, each in its own transaction with its version bump.
pub fn migrate(conn: &mut Db, now: i64) -> Result<()> {
    match conn.dialect() {
        Dialect::Sqlite => migrate_to(conn, now, latest_version()),
        Dialect::Postgres => migrate_postgres(conn, now),
    }
}

/// The key of the advisory lock PostgreSQL migrations hold: two operators upgrading
/// at once take turns, and the second finds the work done.
const MIGRATION_LOCK: i64 = APPLICATION_ID;

/// Brings a PostgreSQL database to the current schema, in one transaction under an
/// advisory lock. Its version is kept in `rapport_schema` (PostgreSQL has no
/// `user_version`). A new database gets the whole schema at once: SQLite's at the
/// latest version, rendered for PostgreSQL (`db::pg_schema`), with the rows the
/// migrations seed (stages, built-in KPIs, tallies) copied from it.
///
/// Until PostgreSQL is offered to users (issue 16) no PostgreSQL database exists at
/// an older version, so there are no PostgreSQL steps yet; from then on each
/// migration gets its PostgreSQL step, under the same version number.
fn migrate_postgres(conn: &mut Db, now: i64) -> Result<()> {
    let tx = conn.begin(Begin::Write)?;
    tx.query_row("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK], |_| {
        Ok(())
    })?;
    // Only a new database is created here: an operator's role may read and write
    // the tables but not create any (migrations run as the owner's).
    let exists: bool = tx.query_row(
        "SELECT to_regclass('rapport_schema') IS NOT NULL",
        (),
        |r| r.get(0),
    )?;
    if !exists {
        tx.execute_batch("CREATE TABLE rapport_schema (version BIGINT NOT NULL)")?;
    }
    let version: Option<i64> = tx
        .query_row("SELECT version FROM rapport_schema", (), |r| r.get(0))
        .optional()?;
    match version {
        None => {
            let reference = reference_at_latest(now)?;
            tx.execute_batch(db::pg_schema::FUNCTIONS)?;
            tx.execute_batch(
                &db::pg_schema::render(&reference.objects).map_err(StoreError::Message)?,
            )?;
            tx.execute_batch(db::pg_schema::TRIGGERS)?;
            tx.execute_batch(&super::kpi_slots::pg_triggers())?;
            tx.execute_batch(&super::planned_follow_ups::pg_triggers())?;
            copy_seeded_rows(&reference.db, &tx)?;
            tx.execute(
                "INSERT INTO rapport_schema (version) VALUES (?1)",
                [latest_version()],
            )?;
        }
        Some(found) if found > latest_version() => {
            return Err(StoreError::Message(format!(
                "this PostgreSQL database is of schema {found}, written by a newer Rapport (this one knows up to {}); upgrade Rapport",
                latest_version()
            )));
        }
        Some(found) if found < latest_version() => {
            return Err(StoreError::Message(format!(
                "this PostgreSQL database is of schema {found}; this Rapport has no PostgreSQL migration to {} (PostgreSQL databases start at the latest schema)",
                latest_version()
            )));
        }
        Some(_) => {}
    }
    tx.commit()
}

/// An in-memory SQLite database migrated to the latest schema, and its objects.
struct Reference {
    db: Db,
    objects: Vec<db::pg_schema::SqliteObject>,
}

fn reference_at_latest(now: i64) -> Result<Reference> {
    let mut db = Db::Sqlite(Connection::open_in_memory()?);
    migrate_to(&mut db, now, latest_version())?;
    let objects = {
        let mut stmt = db.prepare(
            "SELECT type, name, sql FROM sqlite_master
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite%' ORDER BY rowid",
        )?;
        stmt.query_map((), |r| {
            Ok(db::pg_schema::SqliteObject {
                kind: r.get(0)?,
                name: r.get(1)?,
                sql: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    };
    Ok(Reference { db, objects })
}

/// Copies the rows the migrations seed from `reference` into the new PostgreSQL
/// schema, and moves each identity sequence past the ids copied.
fn copy_seeded_rows(reference: &Db, tx: &Db) -> Result<()> {
    let tables: Vec<String> = {
        let mut stmt = reference.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY rowid",
        )?;
        stmt.query_map((), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for table in tables {
        let mut stmt = reference.prepare(&format!("SELECT * FROM \"{table}\""))?;
        let columns: Vec<String> = match reference.sqlite() {
            Some(c) => c
                .prepare(&format!("SELECT * FROM \"{table}\""))?
                .column_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            None => unreachable!("the reference is SQLite"),
        };
        let rows: Vec<Vec<rusqlite::types::Value>> = stmt
            .query_map((), |r| {
                (0..columns.len())
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect()
            })?
            .collect::<rusqlite::Result<_>>()?;
        if rows.is_empty() {
            continue;
        }
        let list = columns.join(", ");
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO \"{table}\" ({list}) VALUES ({})",
            marks.join(", ")
        );
        for row in rows {
            tx.execute(&insert, row)?;
        }
        if columns.iter().any(|c| c == "id") {
            tx.sequence_past_rows(&table)?;
        }
    }
    Ok(())
}

/// The tables and columns a Rapport database of schema `version` has: what a copy is
/// checked against before it is trusted.
pub fn tables_at(version: i64) -> Result<Tables> {
    let mut reference = Db::Sqlite(Connection::open_in_memory()?);
    migrate_to(&mut reference, 0, version)?;
    match &reference {
        Db::Sqlite(c) => tables_of(c),
        Db::Postgres(_) => unreachable!("an in-memory SQLite database"),
    }
}

/// Table name → its column names.
pub type Tables = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;

/// The tables and columns `conn` has (SQLite's own tables aside).
pub fn tables_of(conn: &Connection) -> Result<Tables> {
    let mut tables = Tables::new();
    let mut names = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )?;
    let names: Vec<String> = names
        .query_map((), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in names {
        let mut columns = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
        let columns = columns
            .query_map([&name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tables.insert(name, columns);
    }
    Ok(tables)
}

/// Applies the migrations up to schema `target`.
fn migrate_to(conn: &mut Db, now: i64, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", (), |r| r.get(0))?;
    let pending = (target - current).max(0) as usize;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
        .take(pending)
    {
        let tx = conn.begin(Begin::Write)?;
        // Another process may have migrated while we waited for the lock.
        let seen: i64 = tx.query_row("PRAGMA user_version", (), |r| r.get(0))?;
        if seen > index as i64 {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        after_sql(index, &tx, now)?;
        tx.pragma_update("user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// What the pipeline board, the forecast and the won/lost KPIs read instead of every
/// deal: deal totals per stage, close day ('' while open), expected-close month
/// ('YYYY-MM', '' when none or closed), currency and owner (0 when none). Hundreds
/// of rows where there are millions of deals, kept by triggers in the transaction of
/// every deal write, so they are never out of step. Amounts are summed in two parts
/// (billions and the rest, as `store::sums` describes) so no total overflows.
/// `tallies` holds counts the app shows in titles (customers, open follow-ups), kept
/// the same way, so no screen counts a million rows. Also: the index the board pages
/// a stage by, indexes for the KPIs that count interactions and follow-ups in a
/// period, and open follow-ups by the time they come up (replacing `reminders_open_due`).
/// The deal totals computed from the deals themselves: what the table is filled
/// with, and what `rapport doctor` compares it with.
macro_rules! deal_totals_from_deals {
    () => {
        "SELECT stage_id, coalesce(closed_on, ''),
       CASE WHEN closed_on IS NULL THEN coalesce(substr(expected_close, 1, 7), '') ELSE '' END,
       currency, coalesce(owner_id, 0), count(*),
       sum(amount_minor / 1000000000), sum(amount_minor % 1000000000),
       sum(((amount_minor / 100) * probability + (amount_minor % 100) * probability / 100) / 1000000000),
       sum(((amount_minor / 100) * probability + (amount_minor % 100) * probability / 100) % 1000000000),
       coalesce(sum(CAST(julianday(closed_on) - julianday(date(created_at, 'unixepoch')) AS INTEGER)), 0)
FROM deals
GROUP BY 1, 2, 3, 4, 5"
    };
}

/// Adds deal `NEW` to its row of `deal_totals` (a trigger's body).
macro_rules! deal_totals_add_new {
    () => {
        "    INSERT INTO deal_totals VALUES (
        NEW.stage_id, coalesce(NEW.closed_on, ''),
        CASE WHEN NEW.closed_on IS NULL THEN coalesce(substr(NEW.expected_close, 1, 7), '') ELSE '' END,
        NEW.currency, coalesce(NEW.owner_id, 0), 1,
        NEW.amount_minor / 1000000000, NEW.amount_minor % 1000000000,
        ((NEW.amount_minor / 100) * NEW.probability + (NEW.amount_minor % 100) * NEW.probability / 100) / 1000000000,
        ((NEW.amount_minor / 100) * NEW.probability + (NEW.amount_minor % 100) * NEW.probability / 100) % 1000000000,
        coalesce(CAST(julianday(NEW.closed_on) - julianday(date(NEW.created_at, 'unixepoch')) AS INTEGER), 0))
    ON CONFLICT (stage_id, closed_on, expected_month, currency, owner_id) DO UPDATE SET
        deals = deals + 1,
        amount_hi = amount_hi + excluded.amount_hi, amount_lo = amount_lo + excluded.amount_lo,
        weighted_hi = weighted_hi + excluded.weighted_hi, weighted_lo = weighted_lo + excluded.weighted_lo,
        cycle_days = cycle_days + excluded.cycle_days;
"
    };
}

/// Takes deal `OLD` out of its row of `deal_totals`, dropping the row when it empties.
macro_rules! deal_totals_take_old {
    () => {
        "    UPDATE deal_totals SET
        deals = deals - 1,
        amount_hi = amount_hi - OLD.amount_minor / 1000000000,
        amount_lo = amount_lo - OLD.amount_minor % 1000000000,
        weighted_hi = weighted_hi - ((OLD.amount_minor / 100) * OLD.probability + (OLD.amount_minor % 100) * OLD.probability / 100) / 1000000000,
        weighted_lo = weighted_lo - ((OLD.amount_minor / 100) * OLD.probability + (OLD.amount_minor % 100) * OLD.probability / 100) % 1000000000,
        cycle_days = cycle_days - coalesce(CAST(julianday(OLD.closed_on) - julianday(date(OLD.created_at, 'unixepoch')) AS INTEGER), 0)
    WHERE stage_id = OLD.stage_id AND closed_on = coalesce(OLD.closed_on, '')
      AND expected_month = CASE WHEN OLD.closed_on IS NULL THEN coalesce(substr(OLD.expected_close, 1, 7), '') ELSE '' END
      AND currency = OLD.currency AND owner_id = coalesce(OLD.owner_id, 0);
    DELETE FROM deal_totals
    WHERE deals = 0 AND stage_id = OLD.stage_id AND closed_on = coalesce(OLD.closed_on, '')
      AND expected_month = CASE WHEN OLD.closed_on IS NULL THEN coalesce(substr(OLD.expected_close, 1, 7), '') ELSE '' END
      AND currency = OLD.currency AND owner_id = coalesce(OLD.owner_id, 0);
"
    };
}

pub(super) const DEAL_TOTALS_FROM_DEALS: &str = deal_totals_from_deals!();

const V9: &str = concat!(
    r#"
CREATE TABLE deal_totals (
    stage_id       INTEGER NOT NULL,
    closed_on      TEXT NOT NULL,
    expected_month TEXT NOT NULL,
    currency       TEXT NOT NULL,
    owner_id       INTEGER NOT NULL,
    deals          INTEGER NOT NULL,
    amount_hi      INTEGER NOT NULL,
    amount_lo      INTEGER NOT NULL,
    weighted_hi    INTEGER NOT NULL,
    weighted_lo    INTEGER NOT NULL,
    cycle_days     INTEGER NOT NULL,
    PRIMARY KEY (stage_id, closed_on, expected_month, currency, owner_id)
) WITHOUT ROWID;

INSERT INTO deal_totals
"#,
    deal_totals_from_deals!(),
    r#";

CREATE TRIGGER deal_totals_insert AFTER INSERT ON deals BEGIN
"#,
    deal_totals_add_new!(),
    r#"
END;

CREATE TRIGGER deal_totals_delete AFTER DELETE ON deals BEGIN
"#,
    deal_totals_take_old!(),
    r#"
END;

CREATE TRIGGER deal_totals_update
AFTER UPDATE OF stage_id, closed_on, expected_close, currency, owner_id, amount_minor, probability, created_at ON deals
BEGIN
"#,
    deal_totals_take_old!(),
    deal_totals_add_new!(),
    r#"
END;

CREATE TABLE tallies (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tallies VALUES
    ('customers', (SELECT count(*) FROM customers)),
    ('open_reminders', (SELECT count(*) FROM reminders WHERE done_at IS NULL));
CREATE TRIGGER tallies_customer_insert AFTER INSERT ON customers BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'customers';
END;
CREATE TRIGGER tallies_customer_delete AFTER DELETE ON customers BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'customers';
END;
CREATE TRIGGER tallies_reminder_insert AFTER INSERT ON reminders WHEN NEW.done_at IS NULL BEGIN
    UPDATE tallies SET n = n + 1 WHERE name = 'open_reminders';
END;
CREATE TRIGGER tallies_reminder_delete AFTER DELETE ON reminders WHEN OLD.done_at IS NULL BEGIN
    UPDATE tallies SET n = n - 1 WHERE name = 'open_reminders';
END;
CREATE TRIGGER tallies_reminder_done AFTER UPDATE OF done_at ON reminders
WHEN (OLD.done_at IS NULL) <> (NEW.done_at IS NULL) BEGIN
    UPDATE tallies SET n = n + CASE WHEN NEW.done_at IS NULL THEN 1 ELSE -1 END
    WHERE name = 'open_reminders';
END;

CREATE INDEX deals_board ON deals(stage_id, closed_on DESC, expected_close IS NULL, expected_close, id);
CREATE INDEX interactions_satisfaction ON interactions(occurred_at, operator_id, satisfaction)
    WHERE satisfaction IS NOT NULL;
CREATE INDEX reminders_due ON reminders(due_at, owner_id, done_at);
DROP INDEX reminders_open_due;
CREATE INDEX reminders_open_at ON reminders(coalesce(snoozed_until, due_at), owner_id)
    WHERE done_at IS NULL;
"#
);

/// What address books hold beyond names, phones and emails, and phones as they label
/// and write them: more kinds (fax, pager, main) and an extension apart from the number
/// (so matching and lookup see the line itself). SQLite cannot change a CHECK, so the
/// phones table is rebuilt; its indexes come back after the extensions are split off
/// (`duplicates::split_phone_extensions`). `kept` holds a JSON array of the values an
/// import could not use, as the file wrote them.
const V8: &str = r#"
CREATE TABLE customer_phones_v8 (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('mobile', 'work', 'home', 'fax', 'pager', 'main', 'other')),
    raw          TEXT NOT NULL,
    digits       TEXT NOT NULL CHECK (length(digits) >= 4),
    national     TEXT NOT NULL DEFAULT '',
    national_rev TEXT NOT NULL DEFAULT '',
    extension    TEXT CHECK (extension IS NULL OR length(extension) > 0)
);
INSERT INTO customer_phones_v8 (id, customer_id, position, kind, raw, digits, national, national_rev)
    SELECT id, customer_id, position, kind, raw, digits, national, national_rev FROM customer_phones;
DROP TABLE customer_phones;
ALTER TABLE customer_phones_v8 RENAME TO customer_phones;

ALTER TABLE customers ADD COLUMN title TEXT;
ALTER TABLE customers ADD COLUMN department TEXT;
ALTER TABLE customers ADD COLUMN nickname TEXT;
ALTER TABLE customers ADD COLUMN birthday TEXT;
ALTER TABLE customers ADD COLUMN website TEXT;
ALTER TABLE customers ADD COLUMN second_address TEXT;
ALTER TABLE customers ADD COLUMN kept TEXT;
"#;

const V8_INDEXES: &str = r#"
CREATE INDEX customer_phones_customer ON customer_phones(customer_id, position);
CREATE INDEX customer_phones_digits ON customer_phones(digits);
CREATE INDEX customer_phones_national ON customer_phones(national);
CREATE INDEX customer_phones_national_rev ON customer_phones(national_rev);
"#;

/// Undo (schema 11 in the plan; the lead renumbers it when 9 and 10 land first): what
/// each audit entry needs for its change to be taken back by a NEW change. `batch` is
/// the first entry written by the same transaction (NULL: the entry itself), `undoes`
/// the entry an undo takes back, `version_after` the record's version the change left,
/// and `before` the record's rows as they were (JSON, `store::undo::Image`) for an
/// update or a deletion. Entries written before this version have none of them, and
/// are not undone.
const UNDO: &str = r#"
ALTER TABLE audit_log ADD COLUMN batch INTEGER;
ALTER TABLE audit_log ADD COLUMN undoes INTEGER;
ALTER TABLE audit_log ADD COLUMN version_after INTEGER;
ALTER TABLE audit_log ADD COLUMN before TEXT;
CREATE INDEX audit_log_batch ON audit_log(batch) WHERE batch IS NOT NULL;
CREATE INDEX audit_log_undoes ON audit_log(undoes) WHERE undoes IS NOT NULL;
"#;

/// The audit trail. `customer_id` has no foreign key on purpose: a customer's history
/// outlives the customer. `changes` is a JSON array of `{field, old, new}`.
const V5: &str = r#"
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    operator_id  INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    entity       TEXT NOT NULL,
    entity_id    INTEGER NOT NULL,
    customer_id  INTEGER,
    action       TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    changes      TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log(entity, entity_id);
CREATE INDEX audit_log_customer ON audit_log(customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log(at);
"#;

/// Import runs: what each chunk of a bulk import created and merged, so a failed or
/// interrupted run can be undone as a whole (`store/import_runs.rs`).
const V6: &str = r#"
CREATE TABLE import_runs (
    id                 INTEGER PRIMARY KEY,
    operator_id        INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    source             TEXT NOT NULL,
    started_at         INTEGER NOT NULL,
    heartbeat_at       INTEGER NOT NULL,
    finished_at        INTEGER,
    state              TEXT NOT NULL CHECK (state IN ('running', 'done', 'undone')),
    created            INTEGER NOT NULL DEFAULT 0,
    merged             INTEGER NOT NULL DEFAULT 0,
    suspended_indexes  TEXT
);
CREATE TABLE import_run_created (
    run_id    INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    first_id  INTEGER NOT NULL,
    last_id   INTEGER NOT NULL
);
CREATE INDEX import_run_created_run ON import_run_created(run_id);
CREATE TABLE import_run_merges (
    run_id         INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    customer_id    INTEGER NOT NULL,
    version_after  INTEGER NOT NULL,
    before         TEXT NOT NULL
);
CREATE INDEX import_run_merges_run ON import_run_merges(run_id);
"#;

/// Exact numbers. KPI targets and minimums become whole thousandths of their unit
/// (`domain::kpi_target::KpiFigure`) with the range each unit allows checked here too,
/// so a JSON restore cannot bring back a win rate of 101 % or a target of 1e308. The
/// table is rebuilt (SQLite cannot add a check to a column) by `convert_kpi_figures`.
///
/// Deal amounts written from now on are at most `domain::money::MAX_AMOUNT_MINOR`
/// (10^15 minor units), whatever writes them: the app, the command line, an import or
/// a restore. Rows written before stay as they are; sums of amounts never overflow
/// (`store::sums`).
const V7: &str = r#"
CREATE TABLE kpi_definitions_v6 (
    key               TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    grp               TEXT NOT NULL CHECK (grp IN ('financial', 'customer', 'internal', 'growth')),
    unit              TEXT NOT NULL CHECK (unit IN ('money', 'count', 'percent', 'days', 'score')),
    target_milli      INTEGER NOT NULL CHECK (typeof(target_milli) = 'integer'),
    minimum_milli     INTEGER NOT NULL CHECK (typeof(minimum_milli) = 'integer'),
    higher_is_better  INTEGER NOT NULL CHECK (higher_is_better IN (0, 1)),
    period            TEXT NOT NULL CHECK (period IN ('week', 'month', 'quarter', 'year', 'all')),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- KpiUnit::figure_range, in thousandths.
    CHECK (min(target_milli, minimum_milli) >= CASE unit WHEN 'score' THEN 1000 ELSE 0 END),
    CHECK (max(target_milli, minimum_milli) <= CASE unit
        WHEN 'money' THEN 1000000000000000000
        WHEN 'count' THEN 1000000000000
        WHEN 'percent' THEN 100000
        WHEN 'days' THEN 36500000
        WHEN 'score' THEN 5000 END)
);

CREATE TRIGGER deals_amount_cap_insert BEFORE INSERT ON deals
WHEN typeof(NEW.amount_minor) <> 'integer' OR NEW.amount_minor > 1000000000000000
BEGIN
    SELECT RAISE(ABORT, 'a deal amount is a whole number of minor units up to 10^15 (10,000,000,000,000.00 for a currency with cents)');
END;
CREATE TRIGGER deals_amount_cap_update BEFORE UPDATE OF amount_minor ON deals
WHEN NEW.amount_minor IS NOT OLD.amount_minor
     AND (typeof(NEW.amount_minor) <> 'integer' OR NEW.amount_minor > 1000000000000000)
BEGIN
    SELECT RAISE(ABORT, 'a deal amount is a whole number of minor units up to 10^15 (10,000,000,000,000.00 for a currency with cents)');
END;
"#;

/// Copies every KPI definition into the V7 table, its float target and minimum as the
/// nearest figures its unit allows, in the same order. A figure that had to move (a
/// win rate of 101 % becomes 100 %) is recorded in the audit trail, so nothing changes
/// unseen.
fn convert_kpi_figures(tx: &Db, now: i64) -> Result<()> {
    let old: Vec<(i64, String, KpiUnit, f64, f64)> = tx
        .prepare("SELECT rowid, key, unit, target, minimum FROM kpi_definitions ORDER BY rowid")?
        .query_map((), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut copy = tx.prepare(
        "INSERT INTO kpi_definitions_v6 (rowid, key, name, grp, unit, target_milli, minimum_milli,
                                         higher_is_better, period, version, created_at, updated_at)
         SELECT rowid, key, name, grp, unit, ?2, ?3, higher_is_better, period, version, created_at, updated_at
         FROM kpi_definitions WHERE rowid = ?1",
    )?;
    let audit = super::Writer {
        conn: tx,
        now,
        actor: None,
        trail: true,
        // The trail gets its undo columns only in a later migration.
        undo: std::cell::RefCell::new(super::undo::UndoLog::off()),
    };
    for (rowid, key, unit, target, minimum) in old {
        let (t, m) = (
            KpiFigure::nearest(unit, target),
            KpiFigure::nearest(unit, minimum),
        );
        copy.execute(params![rowid, t.milli(), m.milli()])?;
        if t.as_f64() != target || m.as_f64() != minimum {
            audit.audit_setting(
                &format!("KPI {key} target/minimum"),
                Some(format!("{}/{}", float_text(target), float_text(minimum))),
                Some(format!("{t}/{m}")),
            )?;
        }
    }
    tx.execute_batch(
        "DROP TABLE kpi_definitions;
         ALTER TABLE kpi_definitions_v6 RENAME TO kpi_definitions;",
    )?;
    Ok(())
}

/// A float as the audit trail shows it: `101`, `4.5`, and `1e308` rather than 309 digits.
fn float_text(v: f64) -> String {
    if v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// KPIs added after V1: an existing database gets them with their default targets.
const V4: &str = "";

/// Adds the default KPIs a database does not define yet (their keys are unique).
fn insert_kpis(conn: &Db, now: i64) -> Result<()> {
    let mut kpi = conn.prepare(
        "INSERT OR IGNORE INTO kpi_definitions
             (key, name, grp, unit, target, minimum, higher_is_better, period, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?;
    for (key, name, group, unit, target, minimum, higher) in DEFAULT_KPIS {
        kpi.execute(params![
            key,
            name,
            group.as_str(),
            unit.as_str(),
            target.as_f64(),
            minimum.as_f64(),
            higher,
            Period::Month.as_str(),
            now
        ])?;
    }
    Ok(())
}

fn seed_defaults(conn: &Db, now: i64) -> Result<()> {
    let mut stage = conn.prepare(
        "INSERT INTO stages (key, name, position, probability, outcome, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?;
    for (position, (key, name, probability, outcome)) in DEFAULT_STAGES.iter().enumerate() {
        stage.execute(params![
            key,
            name,
            position as i64 + 1,
            probability,
            outcome.as_str(),
            now
        ])?;
    }
    insert_kpis(conn, now)
}

const V1: &str = r#"
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE CHECK (length(login) > 0),
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('person', 'company')),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    name_key    TEXT NOT NULL,
    company_id  INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    address     TEXT,
    status      TEXT NOT NULL CHECK (status IN ('lead', 'active', 'inactive', 'lost')),
    source      TEXT,
    notes       TEXT,
    owner_id    INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    -- Latest interaction time, kept by the triggers below (for sorting and cadence).
    last_contact_at INTEGER,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX customers_name_key ON customers(name_key);
CREATE INDEX customers_company ON customers(company_id);
CREATE INDEX customers_owner ON customers(owner_id);
CREATE INDEX customers_created ON customers(created_at);

CREATE TABLE customer_phones (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('mobile', 'work', 'home', 'other')),
    raw          TEXT NOT NULL,
    digits       TEXT NOT NULL CHECK (length(digits) >= 4)
);
CREATE INDEX customer_phones_customer ON customer_phones(customer_id, position);
CREATE INDEX customer_phones_digits ON customer_phones(digits);

CREATE TABLE customer_emails (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    address      TEXT NOT NULL,
    address_key  TEXT NOT NULL
);
CREATE INDEX customer_emails_customer ON customer_emails(customer_id, position);
CREATE INDEX customer_emails_key ON customer_emails(address_key);

CREATE TABLE customer_tags (
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags(tag);

CREATE TABLE stages (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL UNIQUE,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    outcome      TEXT NOT NULL CHECK (outcome IN ('open', 'won', 'lost')),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE deals (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    title           TEXT NOT NULL CHECK (length(trim(title)) > 0),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    stage_id        INTEGER NOT NULL REFERENCES stages(id),
    probability     INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    expected_close  TEXT,
    owner_id        INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    closed_on       TEXT,
    lost_reason     TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX deals_customer ON deals(customer_id);
CREATE INDEX deals_stage ON deals(stage_id);
CREATE INDEX deals_closed ON deals(closed_on);

CREATE TABLE interactions (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    deal_id       INTEGER REFERENCES deals(id) ON DELETE SET NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note', 'sms')),
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    occurred_at   INTEGER NOT NULL,
    operator_id   INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    summary       TEXT NOT NULL,
    outcome       TEXT,
    satisfaction  INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX interactions_customer_time ON interactions(customer_id, occurred_at);
CREATE INDEX interactions_time ON interactions(occurred_at);

CREATE TRIGGER interactions_contact_insert AFTER INSERT ON interactions BEGIN
    UPDATE customers SET last_contact_at = max(coalesce(last_contact_at, NEW.occurred_at), NEW.occurred_at)
    WHERE id = NEW.customer_id;
END;
CREATE TRIGGER interactions_contact_update AFTER UPDATE OF occurred_at, customer_id ON interactions BEGIN
    UPDATE customers SET last_contact_at = (SELECT max(occurred_at) FROM interactions WHERE customer_id = customers.id)
    WHERE id IN (OLD.customer_id, NEW.customer_id);
END;
CREATE TRIGGER interactions_contact_delete AFTER DELETE ON interactions BEGIN
    UPDATE customers SET last_contact_at = (SELECT max(occurred_at) FROM interactions WHERE customer_id = OLD.customer_id)
    WHERE id = OLD.customer_id;
END;

CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    deal_id        INTEGER REFERENCES deals(id) ON DELETE SET NULL,
    due_at         INTEGER NOT NULL,
    note           TEXT NOT NULL,
    recurrence     TEXT,
    done_at        INTEGER,
    snoozed_until  INTEGER,
    owner_id       INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX reminders_open_due ON reminders(done_at, due_at);
CREATE INDEX reminders_customer ON reminders(customer_id);

CREATE TABLE kpi_definitions (
    key               TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    grp               TEXT NOT NULL CHECK (grp IN ('financial', 'customer', 'internal', 'growth')),
    unit              TEXT NOT NULL CHECK (unit IN ('money', 'count', 'percent', 'days', 'score')),
    target            REAL NOT NULL,
    minimum           REAL NOT NULL,
    higher_is_better  INTEGER NOT NULL CHECK (higher_is_better IN (0, 1)),
    period            TEXT NOT NULL CHECK (period IN ('week', 'month', 'quarter', 'year', 'all')),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
"#;

/// Phone lookup by digits and word-prefix name lookup, served by indexes.
///
/// `national` holds a phone's national digits (country code and trunk prefix stripped,
/// see `domain::phone::national_digits`) and `national_rev` the same reversed, so a
/// beginning is a range on one and an ending ("the last 4 digits") a range on the other.
/// Rust computes both: the backfill below for existing rows, `write_details` for new ones.
const V2: &str = r#"
ALTER TABLE customer_phones ADD COLUMN national TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_phones ADD COLUMN national_rev TEXT NOT NULL DEFAULT '';
"#;

/// Created after the backfill, so it does not update the indexes row by row. The two
/// expression indexes hold a name key from its second and from its third word on; the
/// lookup queries repeat the expressions exactly (`duplicates::NAME_FROM_WORD2/3`) so
/// SQLite uses them for word-prefix ranges.
const V2_INDEXES: &str = r#"
CREATE INDEX customer_phones_national ON customer_phones(national);
CREATE INDEX customer_phones_national_rev ON customer_phones(national_rev);
CREATE INDEX customers_name_word2 ON customers(substr(name_key, instr(name_key, ' ') + 1));
CREATE INDEX customers_name_word3 ON customers(substr(substr(name_key, instr(name_key, ' ') + 1), instr(substr(name_key, instr(name_key, ' ') + 1), ' ') + 1));
"#;

/// Contact cadence: a customer's own (both columns set, or neither), per tag, and the
/// default for active customers in `settings` (absent: `DEFAULT_CADENCE`). Existing
/// customers start with no cadence of their own.
const V3: &str = r#"
ALTER TABLE customers ADD COLUMN cadence_ideal_days INTEGER
    CHECK (cadence_ideal_days IS NULL OR cadence_ideal_days BETWEEN 1 AND 3650);
ALTER TABLE customers ADD COLUMN cadence_max_days INTEGER
    CHECK ((cadence_max_days IS NULL) = (cadence_ideal_days IS NULL)
           AND (cadence_max_days IS NULL OR cadence_max_days BETWEEN cadence_ideal_days AND 3650));

CREATE TABLE tag_cadences (
    tag         TEXT PRIMARY KEY,
    ideal_days  INTEGER NOT NULL CHECK (ideal_days BETWEEN 1 AND 3650),
    max_days    INTEGER NOT NULL CHECK (max_days BETWEEN ideal_days AND 3650),
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KpiUnit;

    const NOW: i64 = 1_795_000_000;

    fn at_version(version: i64) -> Connection {
        migrated_to(Connection::open_in_memory().unwrap(), version)
    }

    fn migrated_to(conn: Connection, version: i64) -> Connection {
        let mut db = Db::Sqlite(conn);
        migrate_to(&mut db, NOW, version).unwrap();
        match db {
            Db::Sqlite(conn) => conn,
            Db::Postgres(_) => unreachable!("opened as SQLite"),
        }
    }

    #[test]
    fn v7_keeps_float_kpi_figures_exactly_and_moves_absurd_ones_into_range_with_an_audit_entry() {
        let conn = at_version(6);
        conn.execute_batch(
            "UPDATE kpi_definitions SET target = 101, minimum = -1 WHERE key = 'win_rate';
             UPDATE kpi_definitions SET target = 1e308 WHERE key = 'revenue_won';
             UPDATE kpi_definitions SET target = 4.25 WHERE key = 'avg_satisfaction';",
        )
        .unwrap();
        let keys_before: Vec<String> = conn
            .prepare("SELECT key FROM kpi_definitions ORDER BY rowid")
            .unwrap()
            .query_map((), |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let conn = migrated_to(conn, latest_version());
        let rows: Vec<(String, i64, i64)> = conn
            .prepare("SELECT key, target_milli, minimum_milli FROM kpi_definitions ORDER BY rowid")
            .unwrap()
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let keys: Vec<&str> = rows.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(keys, keys_before, "same KPIs, same order");
        let get = |key: &str| {
            rows.iter()
                .find(|r| r.0 == key)
                .map(|r| (r.1, r.2))
                .unwrap()
        };
        assert_eq!(get("win_rate"), (100_000, 0));
        assert_eq!(get("revenue_won"), (1_000_000_000_000_000_000, 30_000_000));
        assert_eq!(get("avg_satisfaction"), (4_250, 3_500));
        assert_eq!(get("avg_cycle_days"), (30_000, 60_000));
        let audit: Vec<String> = conn
            .prepare("SELECT changes FROM audit_log WHERE entity = 'setting' ORDER BY id")
            .unwrap()
            .query_map((), |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(audit.len(), 2, "{audit:?}");
        assert!(
            audit[0].contains("KPI revenue_won target/minimum"),
            "{audit:?}"
        );
        assert!(audit[0].contains("1e308/30000"), "{audit:?}");
        assert!(
            audit[1].contains("101/-1") && audit[1].contains("100/0"),
            "{audit:?}"
        );
    }

    #[test]
    fn the_schema_allows_exactly_the_figures_each_unit_allows() {
        let conn = at_version(latest_version());
        for (key, unit) in [
            ("revenue_won", KpiUnit::Money),
            ("deals_won", KpiUnit::Count),
            ("win_rate", KpiUnit::Percent),
            ("avg_cycle_days", KpiUnit::Days),
            ("avg_satisfaction", KpiUnit::Score),
        ] {
            let (low, high) = unit.figure_range();
            let set = |t: i64, m: i64| {
                conn.execute(
                    "UPDATE kpi_definitions SET target_milli = ?2, minimum_milli = ?3 WHERE key = ?1",
                    params![key, t, m],
                )
            };
            set(high.milli(), low.milli()).unwrap();
            assert!(set(high.milli() + 1, low.milli()).is_err(), "{key} above");
            assert!(set(high.milli(), low.milli() - 1).is_err(), "{key} below");
        }
        let real = conn.execute(
            "UPDATE kpi_definitions SET target_milli = 1.5 WHERE key = 'win_rate'",
            (),
        );
        assert!(real.is_err(), "only whole thousandths");
    }

    #[test]
    fn no_deal_amount_above_the_maximum_is_written() {
        let conn = at_version(latest_version());
        conn.execute_batch(
            "INSERT INTO customers (id, kind, name, name_key, status, created_at, updated_at)
             VALUES (1, 'company', 'Acme', 'acme', 'lead', 0, 0);",
        )
        .unwrap();
        let insert = |minor: &dyn rusqlite::ToSql| {
            conn.execute(
                "INSERT INTO deals (customer_id, title, amount_minor, currency, stage_id, probability,
                                    created_at, updated_at)
                 VALUES (1, 'Big', ?1, 'USD', 1, 10, 0, 0)",
                [minor],
            )
        };
        let max = crate::domain::MAX_AMOUNT_MINOR;
        insert(&max).unwrap();
        for bad in [
            &(max + 1) as &dyn rusqlite::ToSql,
            &i64::MAX,
            &1e300,
            &"lots",
        ] {
            let err = insert(bad).unwrap_err().to_string();
            assert!(err.contains("up to 10^15"), "{err}");
        }
        let raise = conn.execute("UPDATE deals SET amount_minor = amount_minor + 1", ());
        assert!(raise.is_err());
        conn.execute("UPDATE deals SET title = 'Still big'", ())
            .unwrap();
    }
}

/// The PostgreSQL schema against SQLite's (skipped with a notice without a server).
#[cfg(test)]
mod on_postgres {
    use super::*;
    use crate::store::db::testing::Scratch;

    const NOW: i64 = 1_795_000_000;

    fn strings(db: &Db, sql: &str) -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map((), |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn migrated(scratch: &Scratch) -> Db {
        let mut db = scratch.connect();
        migrate(&mut db, NOW).unwrap();
        db
    }

    #[test]
    fn the_postgresql_schema_has_the_tables_columns_and_triggers_of_sqlite() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let pg = migrated(&scratch);
        let mut tables = Tables::new();
        for table in strings(
            &pg,
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name <> 'rapport_schema'",
        ) {
            let columns = strings(
                &pg,
                &format!(
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = '{table}'"
                ),
            );
            tables.insert(table, columns.into_iter().collect());
        }
        assert_eq!(tables, tables_at(latest_version()).unwrap());

        let sqlite = Db::Sqlite(at_latest());
        let mut want = strings(
            &sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
        );
        want.sort();
        let mut got = strings(
            &pg,
            "SELECT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
        );
        got.sort();
        assert_eq!(got, want, "each SQLite trigger has its PostgreSQL one");

        let mut want = strings(
            &sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        );
        want.sort();
        let mut got = strings(
            &pg,
            // Not the indexes behind primary keys and UNIQUE columns (SQLite's own).
            "SELECT i.indexname::text FROM pg_indexes i
             WHERE i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        );
        got.sort();
        assert_eq!(got, want, "each SQLite index has its PostgreSQL one");

        for table in ["stages", "kpi_definitions", "tallies"] {
            let sql = format!("SELECT count(*) FROM {table}");
            let count = |db: &Db| db.query_row(&sql, (), |r| r.get::<_, i64>(0)).unwrap();
            assert_eq!(count(&pg), count(&sqlite), "{table} is seeded alike");
        }
        let next: i64 = pg
            .query_row(
                "INSERT INTO stages (key, name, position, probability, outcome, created_at, updated_at)
                 VALUES ('extra', 'Extra', 99, 50, 'open', 0, 0) RETURNING id",
                (),
                |r| r.get(0),
            )
            .unwrap();
        let last: i64 = sqlite
            .query_row("SELECT max(id) FROM stages", (), |r| r.get(0))
            .unwrap();
        assert_eq!(next, last + 1, "ids go on from the seeded ones");
    }

    fn at_latest() -> Connection {
        let mut db = Db::Sqlite(Connection::open_in_memory().unwrap());
        migrate(&mut db, NOW).unwrap();
        match db {
            Db::Sqlite(c) => c,
            Db::Postgres(_) => unreachable!("opened as SQLite"),
        }
    }

    #[test]
    fn two_upgrades_at_once_take_turns_and_a_second_finds_nothing_to_do() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let upgrades: Vec<_> = (0..2)
            .map(|_| {
                let mut db = scratch.connect();
                std::thread::spawn(move || migrate(&mut db, NOW).map(|_| db))
            })
            .collect();
        for upgrade in upgrades {
            upgrade.join().unwrap().expect("each upgrade succeeds");
        }
        let mut db = scratch.connect();
        migrate(&mut db, NOW).unwrap();
        let versions = strings(&db, "SELECT version::text FROM rapport_schema");
        assert_eq!(versions, vec![latest_version().to_string()]);
        db.execute("UPDATE rapport_schema SET version = version + 1", ())
            .unwrap();
        let newer = migrate(&mut db, NOW).unwrap_err().to_string();
        assert!(newer.contains("newer Rapport"), "{newer}");
    }

    /// The same writes on both servers leave the same kept figures: what every
    /// trigger maintains, read back row by row.
    #[test]
    fn the_same_writes_keep_the_same_figures_on_both_servers() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let pg = migrated(&scratch);
        let sqlite = Db::Sqlite(at_latest());
        let writes = [
            "INSERT INTO operators (id, login, display_name, role, created_at, updated_at)
             VALUES (1, 'ada', 'Ada', 'admin', 0, 0), (2, 'bob', 'Bob', 'agent', 0, 0)",
            "INSERT INTO settings (key, value) VALUES ('default_currency', 'EUR')",
            "INSERT INTO exchange_rates (currency, from_day, rate, per_minor, updated_at)
             VALUES ('USD', '2026-01-01', '0.9', 0.9, 0)",
            "INSERT INTO customers (id, kind, name, name_key, status, owner_id, created_at, updated_at)
             VALUES (1, 'company', 'Acme', 'acme', 'active', 1, 1767225600, 1767225600),
                    (2, 'person', 'Артём Фёдоров', 'артём фёдоров', 'lead', 2, 1767312000, 1767312000),
                    (3, 'person', 'رضا پیروز', 'رضا پیروز', 'active', NULL, 1767398400, 1767398400)",
            "INSERT INTO deals (id, customer_id, title, amount_minor, currency, stage_id, probability,
                                expected_close, owner_id, closed_on, created_at, updated_at)
             VALUES (1, 1, 'Big', 123456789012, 'EUR', 1, 10, '2026-03-15', 1, NULL, 1767225600, 1767225600),
                    (2, 1, 'Other money', 10001, 'USD', 1, 20, NULL, 2, NULL, 1767225600, 1767225600),
                    (3, 2, 'Small', 999, 'EUR', 2, 50, '2026-02-01', NULL, NULL, 1767312000, 1767312000),
                    (4, 3, 'Lost one', 5000, 'EUR', 1, 10, NULL, 2, NULL, 1767398400, 1767398400)",
            "INSERT INTO interactions (id, customer_id, deal_id, kind, direction, occurred_at, operator_id,
                                       summary, satisfaction, created_at, updated_at)
             VALUES (1, 1, 1, 'call', 'in', 1767300000, 1, 'Asked', 4, 1767300000, 1767300000),
                    (2, 1, 2, 'email', 'out', 1767400000, 2, 'Sent', NULL, 1767400000, 1767400000),
                    (3, 2, NULL, 'meeting', 'in', 1767500000, 2, 'Met', 5, 1767500000, 1767500000),
                    (4, 3, 4, 'sms', 'out', 1767600000, NULL, 'Texted', NULL, 1767600000, 1767600000)",
            "INSERT INTO reminders (id, customer_id, deal_id, due_at, note, owner_id, created_at, updated_at)
             VALUES (1, 1, 1, 1767700000, 'Call back', 1, 0, 0), (2, 2, NULL, 1767800000, 'Write', 2, 0, 0),
                    (3, 1, NULL, 1767900000, 'Visit', 1, 0, 0), (4, 3, 4, 1767900000, 'Offer', 2, 0, 0)",
            // Moves along the pipeline, wins (in another currency too), a loss.
            "UPDATE deals SET stage_id = 3, updated_at = 1767500000 WHERE id = 1",
            "UPDATE deals SET stage_id = (SELECT id FROM stages WHERE outcome = 'won'), closed_on = '2026-02-10',
                              probability = 100, updated_at = 1770681600 WHERE id IN (1, 2)",
            "UPDATE deals SET stage_id = (SELECT id FROM stages WHERE outcome = 'lost'), closed_on = '2026-02-11',
                              lost_reason = 'price', probability = 0, updated_at = 1770768000 WHERE id = 4",
            "UPDATE deals SET amount_minor = 20002 WHERE id = 2",
            "UPDATE interactions SET occurred_at = 1767350000, kind = 'note', satisfaction = 2 WHERE id = 2",
            "UPDATE interactions SET deal_id = 3, customer_id = 2 WHERE id = 1",
            "UPDATE reminders SET done_at = 1767710000 WHERE id = 1",
            // Follow-ups moved to a deal, to another customer, reopened, deleted; a
            // deal given to another customer.
            "UPDATE reminders SET deal_id = 2 WHERE id = 3",
            "UPDATE reminders SET customer_id = 2, deal_id = NULL WHERE id = 4",
            "UPDATE reminders SET done_at = 1767720000 WHERE id = 2",
            "UPDATE reminders SET done_at = NULL WHERE id = 2",
            "UPDATE deals SET customer_id = 2 WHERE id = 2",
            "DELETE FROM reminders WHERE id = 3",
            "DELETE FROM interactions WHERE id = 3",
            "DELETE FROM customers WHERE id = 3",
        ];
        for sql in writes {
            for db in [&sqlite, &pg] {
                db.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("{:?}: {e}\n{sql}", db.dialect()));
            }
        }
        let kept = [
            "SELECT stage_id, closed_on, expected_month, currency, owner_id, deals, amount_hi, amount_lo,
                    weighted_hi, weighted_lo, cycle_days FROM deal_totals
             ORDER BY stage_id, closed_on, expected_month, currency, owner_id",
            "SELECT name, n FROM tallies ORDER BY name",
            "SELECT operator_id, slot, calls, emails, meetings, notes, sms, satisfaction_total, satisfaction_count
             FROM operator_activity ORDER BY operator_id, slot",
            "SELECT customer_id, won_deals, counted_deals, revenue_high, revenue_low, revenue,
                    first_won_on, last_won_on FROM customer_value ORDER BY customer_id",
            "SELECT id, last_contact_at FROM customers ORDER BY id",
            "SELECT id, reached_stage_id, last_activity_at, planned_follow_ups FROM deals ORDER BY id",
            "SELECT slot, operator_id, customers, scores, score_total, satisfied, due, on_time, settled
             FROM kpi_slots ORDER BY slot, operator_id",
        ];
        for sql in kept {
            let rows = |db: &Db| -> Vec<Vec<String>> {
                let mut stmt = db.prepare(sql).unwrap();
                let mut rows = stmt.query(()).unwrap();
                let mut out = Vec::new();
                while let Some(row) = rows.next().unwrap() {
                    let mut cells = Vec::new();
                    let mut i = 0;
                    while let Ok(cell) = row.get_ref(i) {
                        cells.push(format!("{cell:?}"));
                        i += 1;
                    }
                    out.push(cells);
                }
                out
            };
            let want = rows(&sqlite);
            assert!(!want.is_empty(), "{sql} keeps something");
            assert_eq!(rows(&pg), want, "{sql}");
        }
        for db in [&sqlite, &pg] {
            let too_big = db
                .execute(
                    "UPDATE deals SET amount_minor = 1000000000000001 WHERE id = 3",
                    (),
                )
                .unwrap_err()
                .to_string();
            assert!(
                too_big.contains("up to 10^15"),
                "{:?}: {too_big}",
                db.dialect()
            );
        }
    }
}
