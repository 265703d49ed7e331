//! Every table, row by row, for Rapport's JSON backup: read in one snapshot, and
//! written back into an empty database in one transaction with every id, version and
//! timestamp as it was. Columns are read from the schema, so nothing is left out.

use rusqlite::types::{Value, ValueRef};
use serde_json::{Map, Number, Value as Json};

use super::db::{Db, Dialect};
use super::{Result, Store, StoreError, Writer};

/// The tables a backup holds, parents before children.
pub const BACKUP_TABLES: &[&str] = &[
    "operators",
    "customers",
    "customer_phones",
    "customer_emails",
    "customer_tags",
    "stages",
    "deals",
    "interactions",
    "reminders",
    "kpi_definitions",
    "custom_kpis",
    "operator_quotas",
    "tag_cadences",
    "settings",
    "exchange_rates",
    "audit_log",
    "import_runs",
    "import_run_created",
    "import_run_merges",
];

/// One row as column → JSON value.
pub type Row = Map<String, Json>;

pub(super) fn to_json(v: ValueRef<'_>) -> Result<Json> {
    Ok(match v {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(i) => Json::from(i),
        ValueRef::Real(f) => Number::from_f64(f).map_or(Json::Null, Json::Number),
        ValueRef::Text(t) => Json::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => {
            return Err(StoreError::invalid(
                "backup",
                "a table holds binary data, which a backup cannot carry",
            ));
        }
    })
}

pub(super) fn to_sql(table: &str, column: &str, v: &Json) -> Result<Value> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Integer(i),
            (None, Some(f)) => Value::Real(f),
            _ => {
                return Err(StoreError::invalid(
                    "backup",
                    format!("{table}.{column}: {n} is out of range"),
                ));
            }
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(_) | Json::Object(_) => {
            return Err(StoreError::invalid(
                "backup",
                format!("{table}.{column}: expected a plain value, found {v}"),
            ));
        }
    })
}

pub(super) fn columns(conn: &Db, table: &str) -> Result<Vec<String>> {
    Ok(table_info(conn, table)?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// Each column's name and its place in the primary key (0: not part of it).
pub(super) fn table_info(conn: &Db, table: &str) -> Result<Vec<(String, i64)>> {
    if conn.dialect() == Dialect::Postgres {
        // Columns in the order they were declared (as SQLite's), with their place in
        // the primary key.
        let mut stmt = conn.prepare_cached(
            "SELECT a.attname::text, coalesce(array_position(i.indkey::int2[], a.attnum), 0)
             FROM pg_attribute a
             LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
             WHERE a.attrelid = to_regclass(?1) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
        )?;
        let cols = stmt.query_map([table], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        return Ok(cols.collect::<rusqlite::Result<_>>()?);
    }
    let mut stmt = conn.prepare_cached(&format!("PRAGMA table_info({table})"))?;
    let cols = stmt.query_map((), |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?;
    Ok(cols.collect::<rusqlite::Result<_>>()?)
}

/// `ORDER BY` the primary key, so a backup lists rows the same way every time (a
/// table without one: SQLite's row order, or every column on PostgreSQL).
pub(super) fn key_order(conn: &Db, info: &[(String, i64)]) -> String {
    let mut key: Vec<&(String, i64)> = info.iter().filter(|(_, pk)| *pk > 0).collect();
    key.sort_by_key(|(_, pk)| *pk);
    let names: Vec<&str> = key.iter().map(|(n, _)| n.as_str()).collect();
    match (names.is_empty(), conn.dialect()) {
        (false, _) => names.join(", "),
        (true, Dialect::Sqlite) => "rowid".into(),
        (true, Dialect::Postgres) => {
            let all: Vec<&str> = info.iter().map(|(n, _)| n.as_str()).collect();
            all.join(", ")
        }
    }
}

impl Store {
    /// Calls `visit` with each table's name and then each of its rows, in one snapshot.
    pub fn dump_tables(
        &self,
        mut visit: impl FnMut(&str, Option<Row>) -> Result<()>,
    ) -> Result<()> {
        self.require(crate::domain::access::Permission::BulkExport)?;
        self.read(|c| {
            for table in BACKUP_TABLES {
                visit(table, None)?;
                let info = table_info(c, table)?;
                let order = key_order(c, &info);
                let cols: Vec<String> = info.into_iter().map(|(n, _)| n).collect();
                let mut stmt = c.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
                let mut rows = stmt.query(())?;
                while let Some(r) = rows.next()? {
                    let mut row = Row::new();
                    for (i, name) in cols.iter().enumerate() {
                        row.insert(name.clone(), to_json(r.get_ref(i)?)?);
                    }
                    visit(table, Some(row))?;
                }
            }
            Ok(())
        })
    }

    /// Whether the database holds no customers, deals, interactions or follow-ups
    /// (operators, stages, KPI definitions and settings may be the defaults).
    pub fn is_empty(&self) -> Result<bool> {
        is_empty(&self.conn)
    }
}

fn is_empty(conn: &Db) -> Result<bool> {
    conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM customers) AND NOT EXISTS (SELECT 1 FROM deals)
            AND NOT EXISTS (SELECT 1 FROM interactions) AND NOT EXISTS (SELECT 1 FROM reminders)",
        (),
        |r| r.get(0),
    )
}

impl Writer<'_> {
    /// Replaces every backup table's rows with `tables` (name → rows), in a database
    /// that holds no customers, deals, interactions or follow-ups: checked here, inside
    /// the write transaction, so a write that lands just before is never wiped. Foreign
    /// keys are checked at the end of the transaction, so rows may come in any order.
    pub fn restore_tables(&mut self, tables: &[(String, Vec<Row>)]) -> Result<usize> {
        self.require(crate::domain::access::Permission::Restore)?;
        if !is_empty(self.conn)? {
            return Err(StoreError::invalid(
                "restore",
                "the database is not empty: restore a backup into a new database \
                 (e.g. `rapport --db new.db import backup.json`)",
            ));
        }
        for (name, _) in tables {
            if !BACKUP_TABLES.contains(&name.as_str()) {
                return Err(StoreError::invalid(
                    "backup",
                    format!(
                        "unknown table {name:?} (this Rapport has {})",
                        BACKUP_TABLES.join(", ")
                    ),
                ));
            }
        }
        // References are checked when the restore commits, not row by row.
        match self.conn.dialect() {
            Dialect::Sqlite => self.conn.pragma_update("defer_foreign_keys", true)?,
            Dialect::Postgres => self.conn.execute_batch("SET CONSTRAINTS ALL DEFERRED")?,
        }
        for table in BACKUP_TABLES.iter().rev() {
            self.conn.execute(&format!("DELETE FROM {table}"), ())?;
        }
        let mut restored = 0;
        for (table, rows) in tables {
            let known = columns(self.conn, table)?;
            for (n, row) in rows.iter().enumerate() {
                let mut names = Vec::with_capacity(row.len());
                let mut values = Vec::with_capacity(row.len());
                for (column, value) in row {
                    if !known.contains(column) {
                        return Err(StoreError::invalid(
                            "backup",
                            format!("{table} row {}: unknown column {column:?}", n + 1),
                        ));
                    }
                    names.push(column.as_str());
                    values.push(to_sql(table, column, value)?);
                }
                let marks = vec!["?"; names.len()].join(", ");
                self.conn
                    .prepare_cached(&format!(
                        "INSERT INTO {table} ({}) VALUES ({marks})",
                        names.join(", ")
                    ))?
                    .execute(values)
                    .map_err(|e| {
                        StoreError::invalid("backup", format!("{table} row {}: {e}", n + 1))
                    })?;
                restored += 1;
            }
            self.conn.sequence_past_rows(table)?;
        }
        // Settings (the reporting currency) come back after the deals.
        super::value::rebuild(self.conn)?;
        Ok(restored)
    }
}
