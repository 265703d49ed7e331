//! Schema migrations, kept by hand on `PRAGMA user_version`; `application_id` marks a
//! file as Rapport's so nothing else is ever migrated by mistake.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, params};

use super::{Result, StoreError};
use crate::domain::Period;
use crate::domain::deal::DEFAULT_STAGES;
use crate::domain::kpi::DEFAULT_KPIS;

/// "RAPP" in ASCII.
pub const APPLICATION_ID: i64 = 0x5241_5050;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// Work a migration needs done in Rust after its SQL (same transaction), by index.
fn after_sql(index: usize, tx: &Connection, now: i64) -> Result<()> {
    match index {
        0 => {
            seed_defaults(tx, now)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        1 => {
            super::duplicates::backfill_phone_columns(tx)?;
            tx.execute_batch(V2_INDEXES)?;
        }
        3 => insert_kpis(tx, now)?,
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
    let probe = snapshot.query_row("PRAGMA application_id", [], |r| r.get::<_, i64>(0));
    let app_id = match probe {
        Ok(id) => id,
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(not_rapport("not an SQLite file"));
        }
        Err(e) => return Err(StoreError::open(path, e)),
    };
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| StoreError::open(path, e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
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

/// Applies every pending migration, each in its own transaction with its version bump.
pub fn migrate(conn: &mut Connection, now: i64) -> Result<()> {
    migrate_to(conn, now, latest_version())
}

/// The tables and columns a Rapport database of schema `version` has: what a copy is
/// checked against before it is trusted.
pub fn tables_at(version: i64) -> Result<Tables> {
    let mut reference = Connection::open_in_memory()?;
    migrate_to(&mut reference, 0, version)?;
    tables_of(&reference)
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
        .query_map([], |r| r.get(0))?
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
fn migrate_to(conn: &mut Connection, now: i64, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let pending = (target - current).max(0) as usize;
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
        .take(pending)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let seen: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if seen > index as i64 {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        after_sql(index, &tx, now)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

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

/// KPIs added after V1: an existing database gets them with their default targets.
const V4: &str = "";

/// Adds the default KPIs a database does not define yet (their keys are unique).
fn insert_kpis(conn: &Connection, now: i64) -> Result<()> {
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
            target,
            minimum,
            higher,
            Period::Month.as_str(),
            now
        ])?;
    }
    Ok(())
}

fn seed_defaults(conn: &Connection, now: i64) -> Result<()> {
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
