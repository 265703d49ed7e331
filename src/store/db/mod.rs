//! The store's one connection type, over SQLite or PostgreSQL: [`Db`].
//!
//! The store's SQL is written once, in the subset both servers speak, with SQLite's
//! numbered parameters (`?1`); where the dialects differ a query asks
//! [`Db::dialect`]. Parameters and columns use rusqlite's value model (five storage
//! classes) on both backends, so every conversion between a domain value and a column
//! (`store::sql_types`) is written once. The API follows rusqlite's (`query_row`,
//! `prepare_cached`, `query_map`, `execute`) so code reads the same whichever server
//! answers.

pub mod pg_schema;
mod placeholders;
pub mod postgres;

use rusqlite::ToSql;
use rusqlite::types::FromSql;

use self::postgres::{Arg, Cell, Pg};
use super::{Result, StoreError};

/// `LIMIT` for "no limit": the largest there is (PostgreSQL refuses SQLite's -1).
pub const NO_LIMIT: i64 = i64::MAX;

/// Which SQL a query must be written in, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection to the database, whichever server holds it.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// Where a database is: a file (SQLite) or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(std::path::PathBuf),
    /// A `postgresql://` / `postgres://` URL or a libpq-style `host=… dbname=…` string.
    Postgres(String),
}

impl Location {
    /// Reads `--db` / `RAPPORT_DB`: a URL with a PostgreSQL scheme, or a string of
    /// libpq `key=value` settings naming a host or a database, is a server; anything
    /// else is a file path.
    pub fn parse(text: &str) -> Self {
        let lower = text.trim_start().to_ascii_lowercase();
        let libpq = text.split_whitespace().all(|kv| kv.contains('='))
            && text
                .split_whitespace()
                .any(|kv| kv.starts_with("host=") || kv.starts_with("dbname="));
        if lower.starts_with("postgresql://") || lower.starts_with("postgres://") || libpq {
            Location::Postgres(text.trim().to_owned())
        } else {
            Location::File(text.into())
        }
    }

    /// The database file, when it is one.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

/// The file's path, or the server without its password: for messages.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(server) => f.write_str(&postgres::redacted(server)),
        }
    }
}

/// Parameters of a statement: `params![…]`, an array of one type, or `()`.
pub trait Args {
    fn values(&self) -> Vec<&dyn ToSql>;
}

impl Args for () {
    fn values(&self) -> Vec<&dyn ToSql> {
        Vec::new()
    }
}

impl<T: ToSql, const N: usize> Args for [T; N] {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql, const N: usize> Args for &[T; N] {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql> Args for &[T] {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql> Args for Vec<T> {
    fn values(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

fn pg_args(args: &impl Args) -> Result<Vec<Arg>> {
    Ok(args
        .values()
        .into_iter()
        .map(Arg::of)
        .collect::<rusqlite::Result<_>>()?)
}

/// One row of a result, from either server.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a ::postgres::Row),
}

/// A column by position (from 0) or by name.
pub trait ColumnIndex: rusqlite::RowIndex + Copy {
    fn position(self, row: &::postgres::Row) -> Option<usize>;
}

impl ColumnIndex for usize {
    fn position(self, _: &::postgres::Row) -> Option<usize> {
        Some(self)
    }
}

impl ColumnIndex for &str {
    fn position(self, row: &::postgres::Row) -> Option<usize> {
        row.columns().iter().position(|c| c.name() == self)
    }
}

/// Column `idx` of a PostgreSQL row, with its position, in SQLite's storage classes.
fn pg_cell<I: ColumnIndex>(r: &::postgres::Row, idx: I) -> rusqlite::Result<(usize, Cell<'_>)> {
    let idx = idx
        .position(r)
        .ok_or(rusqlite::Error::InvalidColumnIndex(0))?;
    let cell = r.try_get(idx).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Null, Box::new(e))
    })?;
    Ok((idx, cell))
}

impl Row<'_> {
    /// Column `idx` as it is stored.
    pub fn get_ref<I: ColumnIndex>(
        &self,
        idx: I,
    ) -> rusqlite::Result<rusqlite::types::ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => r.get_ref(idx),
            Row::Postgres(r) => Ok(pg_cell(r, idx)?.1.value_ref()),
        }
    }

    /// Column `idx` as `T`, by the same conversion on both servers.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> rusqlite::Result<T> {
        match self {
            Row::Sqlite(r) => r.get(idx),
            Row::Postgres(r) => {
                let (idx, cell) = pg_cell(r, idx)?;
                let value = cell.value_ref();
                T::column_result(value).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => {
                        rusqlite::Error::InvalidColumnType(
                            idx,
                            r.columns()
                                .get(idx)
                                .map(|c| c.name().to_owned())
                                .unwrap_or_default(),
                            value.data_type(),
                        )
                    }
                    rusqlite::types::FromSqlError::Other(e) => {
                        rusqlite::Error::FromSqlConversionFailure(idx, value.data_type(), e)
                    }
                    other => rusqlite::Error::FromSqlConversionFailure(
                        idx,
                        value.data_type(),
                        Box::new(other),
                    ),
                })
            }
        }
    }
}

/// A prepared statement. On PostgreSQL the connection keeps each statement it
/// prepared, so `prepare` and `prepare_cached` are the same there.
pub enum Stmt<'a> {
    Cached(rusqlite::CachedStatement<'a>),
    Plain(rusqlite::Statement<'a>),
    Postgres { pg: &'a Pg, sql: String },
}

type Mapped<'s, T> = Box<dyn Iterator<Item = rusqlite::Result<T>> + 's>;

impl<'a> Stmt<'a> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'a>> {
        match self {
            Stmt::Cached(s) => Some(s),
            Stmt::Plain(s) => Some(s),
            Stmt::Postgres { .. } => None,
        }
    }

    pub fn execute(&mut self, args: impl Args) -> Result<usize> {
        if let Some(s) = self.sqlite() {
            return Ok(s.execute(&*args.values())?);
        }
        let Stmt::Postgres { pg, sql } = self else {
            unreachable!("not SQLite, so PostgreSQL")
        };
        let n = pg.execute(sql, &pg_args(&args)?)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn query_row<T>(
        &mut self,
        args: impl Args,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        if let Some(s) = self.sqlite() {
            return Ok(s.query_row(&*args.values(), |r| f(&Row::Sqlite(r)))?);
        }
        let Stmt::Postgres { pg, sql } = self else {
            unreachable!("not SQLite, so PostgreSQL")
        };
        let rows = pg.query(sql, &pg_args(&args)?)?;
        match rows.first() {
            Some(row) => Ok(f(&Row::Postgres(row))?),
            None => Err(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows)),
        }
    }

    /// Each row through `f`. SQLite streams them; PostgreSQL's are read whole first.
    pub fn query_map<'s, T: 's>(
        &'s mut self,
        args: impl Args,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T> + 's,
    ) -> Result<Mapped<'s, T>> {
        match self {
            Stmt::Cached(s) => Ok(Box::new(
                s.query_map(&*args.values(), move |r| f(&Row::Sqlite(r)))?,
            )),
            Stmt::Plain(s) => Ok(Box::new(
                s.query_map(&*args.values(), move |r| f(&Row::Sqlite(r)))?,
            )),
            Stmt::Postgres { pg, sql } => {
                let rows = pg.query(sql, &pg_args(&args)?)?;
                let mapped: Vec<_> = rows.iter().map(|r| f(&Row::Postgres(r))).collect();
                Ok(Box::new(mapped.into_iter()))
            }
        }
    }

    /// The rows, for a loop that reads them one at a time (`while let Some(row) =
    /// rows.next()?`). SQLite streams them; PostgreSQL's are read whole first.
    pub fn query(&mut self, args: impl Args) -> Result<Rows<'_>> {
        match self {
            Stmt::Cached(s) => Ok(Rows::Sqlite(s.query(&*args.values())?)),
            Stmt::Plain(s) => Ok(Rows::Sqlite(s.query(&*args.values())?)),
            Stmt::Postgres { pg, sql } => Ok(Rows::Postgres(
                pg.query(sql, &pg_args(&args)?)?.into_iter(),
                None,
            )),
        }
    }

    /// Each row through `f`, with named parameters (`:name` in the SQL, and in
    /// `binds` with its colon); a name the SQL does not use is skipped.
    pub fn for_each_named(
        &mut self,
        binds: &[(&str, rusqlite::types::Value)],
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        if let Some(s) = self.sqlite() {
            for (name, value) in binds {
                if let Some(i) = s.parameter_index(name)? {
                    s.raw_bind_parameter(i, value)?;
                }
            }
            let mut rows = s.raw_query();
            while let Some(r) = rows.next()? {
                f(&Row::Sqlite(r))?;
            }
            return Ok(());
        }
        let Stmt::Postgres { pg, sql } = self else {
            unreachable!("not SQLite, so PostgreSQL")
        };
        let names: Vec<&str> = binds
            .iter()
            .map(|(n, _)| n.trim_start_matches(':'))
            .collect();
        let (sql, used) = placeholders::to_dollar_named(sql, &names);
        let values: Vec<&dyn ToSql> = used.iter().map(|&i| &binds[i].1 as &dyn ToSql).collect();
        // Numbered now: every name is a parameter PostgreSQL is told the value of.
        for row in pg.query_numbered(&sql, &pg_args(&values)?)? {
            f(&Row::Postgres(&row))?;
        }
        Ok(())
    }
}

/// The rows of a query, read one at a time (see [`Stmt::query`]).
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(std::vec::IntoIter<::postgres::Row>, Option<::postgres::Row>),
}

impl Rows<'_> {
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Postgres(rows, current) => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Postgres))
            }
        }
    }
}

/// `.optional()` for the store's results: no row is `None`, as rusqlite's
/// `OptionalExtension` does for its own.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// The writers' advisory lock (`Db::begin`) is keyed by Rapport's application id.
const _: () = assert!(super::schema::APPLICATION_ID == 1_380_012_112);

/// How a transaction begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// A write: on SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers queue instead of one failing when it first writes.
    Write,
    /// A read that sees one consistent snapshot.
    Read,
}

/// An open transaction; dropped without [`Tx::commit`], it is rolled back.
pub struct Tx<'a> {
    db: &'a Db,
    open: bool,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Tx<'_> {
    /// Commits; when that fails (another connection holds a lock too long), the
    /// transaction is rolled back as this is dropped, so the connection is usable.
    pub fn commit(mut self) -> Result<()> {
        self.db.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }

    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.db.execute_batch("ROLLBACK")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing more to do about a failure here: the connection's next BEGIN
            // reports it, and a dead connection rolled back with the session.
            let _ = self.db.execute_batch("ROLLBACK");
        }
    }
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (its file, backups, pragmas).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Db::Sqlite(c) => Some(c),
            Db::Postgres(_) => None,
        }
    }

    pub fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match self {
            Db::Sqlite(c) => Some(c),
            Db::Postgres(_) => None,
        }
    }

    pub fn begin(&self, kind: Begin) -> Result<Tx<'_>> {
        let sql = match (self.dialect(), kind) {
            (Dialect::Sqlite, Begin::Write) => "BEGIN IMMEDIATE",
            (Dialect::Sqlite, Begin::Read) => "BEGIN",
            // PostgreSQL has no database-wide write lock; this advisory lock is one,
            // held to the end of the transaction, for this database (its schema). It
            // gives writers on both servers the same rules: one at a time, so a
            // check and the write it guards (a stale version, the last admin, a
            // merge) see no other writer in between, and audit ids grow in commit
            // order, which the change feed relies on ("what changed since id N").
            // Its first key is `APPLICATION_ID` (checked below).
            (Dialect::Postgres, Begin::Write) => {
                "BEGIN; SELECT pg_advisory_xact_lock(1380012112, hashtext(current_schema()))"
            }
            (Dialect::Postgres, Begin::Read) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        self.execute_batch(sql)?;
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(match self {
            Db::Sqlite(c) => Stmt::Cached(c.prepare_cached(sql)?),
            Db::Postgres(pg) => Stmt::Postgres {
                pg,
                sql: sql.to_owned(),
            },
        })
    }

    /// A statement run once or rarely: SQLite does not keep it in its cache.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(match self {
            Db::Sqlite(c) => Stmt::Plain(c.prepare(sql)?),
            Db::Postgres(pg) => Stmt::Postgres {
                pg,
                sql: sql.to_owned(),
            },
        })
    }

    pub fn execute(&self, sql: &str, args: impl Args) -> Result<usize> {
        self.prepare_cached(sql)?.execute(args)
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        args: impl Args,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(args, f)
    }

    /// SQLite's `PRAGMA name = value`; PostgreSQL has none, and is not asked.
    pub fn pragma_update(&self, name: &str, value: impl ToSql) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.pragma_update(None, name, value)?),
            Db::Postgres(_) => Err(StoreError::Message(format!(
                "PRAGMA {name} is SQLite's; PostgreSQL has no such setting"
            ))),
        }
    }

    /// Several statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(pg) => pg.batch(sql),
        }
    }

    // The schema's own catalogue, for what bulk writes suspend and rebuild: SQLite's
    // `sqlite_master`, PostgreSQL's `pg_index` and `pg_trigger`. On PostgreSQL the
    // rows of this schema are picked first (a materialised CTE) and only then given
    // to `pg_get_indexdef`/`pg_get_triggerdef`, which read the live catalogue and fail
    // on another schema's object dropped meanwhile.

    /// Whether the table `name` exists.
    pub fn has_table(&self, name: &str) -> Result<bool> {
        let sql = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)"
            }
            Dialect::Postgres => "SELECT to_regclass(?1) IS NOT NULL",
        };
        self.query_row(sql, [name], |r| r.get(0))
    }

    /// The `CREATE INDEX` statement of the index `name`, if there is one.
    pub fn index_definition(&self, name: &str) -> Result<Option<String>> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
            Dialect::Postgres => {
                "WITH mine AS MATERIALIZED (
                     SELECT oid FROM pg_class
                     WHERE relkind = 'i' AND relname = ?1
                       AND relnamespace = current_schema()::regnamespace)
                 SELECT pg_get_indexdef(oid) FROM mine"
            }
        };
        Ok(self
            .query_row(sql, [name], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
    }

    /// The indexes of `table` that forbid nothing (not unique, not the key), by name,
    /// with their `CREATE INDEX` statements.
    pub fn secondary_indexes(&self, table: &str) -> Result<Vec<(String, String)>> {
        let sql = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
                   AND tbl_name = ?1 ORDER BY name"
            }
            Dialect::Postgres => {
                "WITH mine AS MATERIALIZED (
                     SELECT i.oid, i.relname FROM pg_index x
                     JOIN pg_class i ON i.oid = x.indexrelid
                     JOIN pg_class t ON t.oid = x.indrelid
                     WHERE t.relname = ?1 AND t.relnamespace = current_schema()::regnamespace
                       AND NOT x.indisunique)
                 SELECT relname::text, pg_get_indexdef(oid) FROM mine ORDER BY relname"
            }
        };
        let mut stmt = self.prepare(sql)?;
        let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Drops the trigger `name` (this transaction) and returns the SQL that makes it
    /// again; `None` if there is no such trigger.
    pub fn drop_trigger(&self, name: &str) -> Result<Option<String>> {
        let sql = match self.dialect() {
            Dialect::Sqlite => {
                "SELECT sql, 'DROP TRIGGER ' || name FROM sqlite_master
                 WHERE type = 'trigger' AND name = ?1"
            }
            Dialect::Postgres => {
                "WITH mine AS MATERIALIZED (
                     SELECT t.oid, t.tgname, t.tgrelid FROM pg_trigger t
                     JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE t.tgname = ?1 AND NOT t.tgisinternal
                       AND c.relnamespace = current_schema()::regnamespace)
                 SELECT pg_get_triggerdef(oid),
                        'DROP TRIGGER ' || quote_ident(tgname) || ' ON ' || tgrelid::regclass::text
                 FROM mine"
            }
        };
        let found: Option<(String, String)> = self
            .query_row(sql, [name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match found {
            Some((create, drop)) => {
                self.execute_batch(&drop)?;
                Ok(Some(create))
            }
            None => Ok(None),
        }
    }

    /// After rows were written with their own ids (a restore, seeded rows): on
    /// PostgreSQL, `table`'s identity sequence moves past the largest, so the next
    /// row it numbers is new; SQLite numbers from the rows themselves. `table` is one
    /// of the store's own names, never input.
    pub fn sequence_past_rows(&self, table: &str) -> Result<()> {
        if self.dialect() == Dialect::Sqlite {
            return Ok(());
        }
        let quoted = format!("\"{table}\"");
        let numbered: bool = self.query_row(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute
                            WHERE attrelid = to_regclass(?1) AND attname = 'id' AND attidentity <> '')",
            [&quoted],
            |r| r.get(0),
        )?;
        if numbered {
            self.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence(?1, 'id'),
                                   coalesce((SELECT max(id) FROM {quoted}), 0) + 1, false)"
                ),
                [&quoted],
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    /// The SQLite page cache of this connection, in KiB; `None` on PostgreSQL, whose
    /// cache is the server's.
    pub fn cache_kib(&self) -> Result<Option<i64>> {
        match self {
            Db::Sqlite(c) => {
                Ok(Some(-c.query_row("PRAGMA cache_size", (), |r| {
                    r.get::<_, i64>(0)
                })?))
            }
            Db::Postgres(_) => Ok(None),
        }
    }

    /// Sets the SQLite page cache (KiB); nothing on PostgreSQL.
    pub fn set_cache_kib(&self, kib: i64) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.pragma_update(None, "cache_size", -kib)?),
            Db::Postgres(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_a_server_only_when_it_says_so() {
        for server in [
            "postgresql://ana@db.example/crm",
            "postgres:///crm",
            "POSTGRESQL://db/crm",
            "host=/var/run/postgresql dbname=crm",
            "dbname=crm",
        ] {
            assert_eq!(
                Location::parse(server),
                Location::Postgres(server.into()),
                "{server}"
            );
        }
        for file in [
            "crm.db",
            "/srv/rapport/crm.db",
            "./host=odd.db",
            "my crm.db",
            "postgres.db",
        ] {
            assert_eq!(Location::parse(file), Location::File(file.into()), "{file}");
        }
    }
}

/// A PostgreSQL server for tests, where the environment names one.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The server to test against: `RAPPORT_TEST_POSTGRES` (a URL or libpq string),
    /// or the `PGHOST`… variables `pg_virtualenv` sets. Without one, `None` and a
    /// notice (the PostgreSQL half of a test is skipped); under `CI=true` that is a
    /// failure.
    pub fn postgres() -> Option<String> {
        if let Ok(target) = std::env::var("RAPPORT_TEST_POSTGRES") {
            return Some(target);
        }
        let Ok(host) = std::env::var("PGHOST") else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but no PostgreSQL: set RAPPORT_TEST_POSTGRES or run under pg_virtualenv"
                );
            }
            eprintln!(
                "notice: no PostgreSQL (RAPPORT_TEST_POSTGRES or PGHOST unset): testing SQLite only"
            );
            return None;
        };
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        Some(format!(
            "host={host} port={} user={} password={} dbname={}",
            var("PGPORT", "5432"),
            var("PGUSER", "postgres"),
            var("PGPASSWORD", ""),
            var("PGDATABASE", "postgres"),
        ))
    }

    /// A schema of its own on the test server (dropped when this is), so tests run
    /// side by side without seeing each other's tables.
    pub struct Scratch {
        target: String,
        pub schema: String,
    }

    impl Scratch {
        pub fn new() -> Option<Scratch> {
            let target = postgres()?;
            let schema = format!("rapport_test_{:016x}", fastrand::u64(..));
            let db = Pg::connect(&target).unwrap_or_else(|e| panic!("PostgreSQL at {target}: {e}"));
            Db::Postgres(Box::new(db))
                .execute_batch(&format!("CREATE SCHEMA {schema}"))
                .expect("a scratch schema");
            Some(Scratch { target, schema })
        }

        /// A connection string whose connections use the scratch schema.
        pub fn target(&self) -> String {
            let search_path = format!("-c search_path={}", self.schema);
            if self.target.contains("://") {
                let sep = if self.target.contains('?') { '&' } else { '?' };
                format!(
                    "{}{sep}options={}",
                    self.target,
                    search_path.replace(' ', "%20").replace('=', "%3D")
                )
            } else {
                format!("{} options='{search_path}'", self.target)
            }
        }

        /// A connection whose tables are the scratch schema's.
        pub fn connect(&self) -> Db {
            let db = Db::Postgres(Box::new(Pg::connect(&self.target).expect("connect")));
            db.execute_batch(&format!("SET search_path = {}", self.schema))
                .expect("search path");
            db
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(pg) = Pg::connect(&self.target) {
                let _ = Db::Postgres(Box::new(pg))
                    .execute_batch(&format!("DROP SCHEMA {} CASCADE", self.schema));
            }
        }
    }
}

/// The same stories against SQLite and, where a server is at hand, PostgreSQL.
#[cfg(test)]
mod both_backends {
    use super::*;
    use crate::store::error::Refusal;

    fn backends() -> Vec<Db> {
        let mut all = vec![Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap())];
        if let Some(target) = super::testing::postgres() {
            all.push(Db::Postgres(Box::new(
                Pg::connect(&target).unwrap_or_else(|e| panic!("PostgreSQL at {target}: {e}")),
            )));
        }
        all
    }

    fn id_column(db: &Db) -> &'static str {
        match db.dialect() {
            Dialect::Sqlite => "id INTEGER PRIMARY KEY",
            Dialect::Postgres => "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        }
    }

    fn people(db: &Db) {
        db.execute_batch(&format!(
            "CREATE TEMP TABLE people ({}, name TEXT NOT NULL UNIQUE, amount BIGINT, score DOUBLE PRECISION, photo {}, active BOOLEAN NOT NULL DEFAULT TRUE)",
            id_column(db),
            match db.dialect() {
                Dialect::Sqlite => "BLOB",
                Dialect::Postgres => "BYTEA",
            },
        ))
        .unwrap();
    }

    #[test]
    fn values_go_in_and_come_back_the_same_on_both() {
        for db in backends() {
            people(&db);
            let names = ["Ana Lindqvist", "Артём Фёдоров", "سارا محمدی", "it's ?1"];
            for (i, name) in names.iter().enumerate() {
                let id: i64 = db
                    .query_row(
                        "INSERT INTO people (name, amount, score, photo) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                        rusqlite::params![name, 5_000_000_000_000i64 * (i as i64 + 1), 0.25, vec![0u8, 255, i as u8]],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(id, i as i64 + 1, "{:?}", db.dialect());
            }
            db.execute("INSERT INTO people (name) VALUES (?1)", ["Nobody"])
                .unwrap();
            type Person = (String, Option<i64>, Option<f64>, Option<Vec<u8>>, bool);
            let rows: Vec<Person> = db
                .prepare_cached("SELECT name, amount, score, photo, active FROM people ORDER BY id")
                .unwrap()
                .query_map((), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(rows.len(), 5);
            assert_eq!(rows[1].0, "Артём Фёдоров");
            assert_eq!(rows[2].0, "سارا محمدی");
            assert_eq!(
                rows[3].0, "it's ?1",
                "a question mark in a value is a value"
            );
            assert_eq!(rows[0].1, Some(5_000_000_000_000));
            assert_eq!(rows[0].2, Some(0.25));
            assert_eq!(rows[2].3.as_deref(), Some(&[0u8, 255, 2][..]));
            assert_eq!(rows[4], ("Nobody".into(), None, None, None, true));
            // sum(bigint) is numeric on PostgreSQL, and still an integer here.
            let total: i64 = db
                .query_row("SELECT sum(amount) FROM people", (), |r| r.get(0))
                .unwrap();
            assert_eq!(total, 50_000_000_000_000);
            let none = db
                .query_row("SELECT name FROM people WHERE id = ?1", [99], |r| {
                    r.get::<_, String>(0)
                })
                .optional()
                .unwrap();
            assert_eq!(none, None);
        }
    }

    #[test]
    fn rows_read_one_at_a_time_and_named_parameters() {
        for db in backends() {
            people(&db);
            for name in ["a", "b", "c"] {
                db.execute("INSERT INTO people (name, amount) VALUES (?1, 1)", [name])
                    .unwrap();
            }
            let mut stmt = db
                .prepare("SELECT name FROM people WHERE id >= ?1 ORDER BY id")
                .unwrap();
            let mut rows = stmt.query([2]).unwrap();
            let mut seen = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                seen.push(row.get::<_, String>(0).unwrap());
            }
            assert_eq!(seen, ["b", "c"]);
            let mut named = Vec::new();
            db.prepare_cached(
                "SELECT name FROM people WHERE id > :lo AND name <> :skip ORDER BY id",
            )
            .unwrap()
            .for_each_named(
                &[
                    (":skip", rusqlite::types::Value::Text("c".into())),
                    (":unused", rusqlite::types::Value::Null),
                    (":lo", rusqlite::types::Value::Integer(0)),
                ],
                |r| {
                    named.push(r.get::<_, String>("name")?);
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("{:?}: {e}", db.dialect()));
            assert_eq!(named, ["a", "b"]);
        }
    }

    #[test]
    fn a_dropped_transaction_leaves_nothing_and_a_committed_one_everything() {
        for db in backends() {
            people(&db);
            {
                let tx = db.begin(Begin::Write).unwrap();
                tx.execute("INSERT INTO people (name) VALUES ('gone')", ())
                    .unwrap();
            }
            let tx = db.begin(Begin::Write).unwrap();
            tx.execute("INSERT INTO people (name) VALUES ('kept')", ())
                .unwrap();
            tx.commit().unwrap();
            let names: Vec<String> = db
                .prepare("SELECT name FROM people")
                .unwrap()
                .query_map((), |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(names, ["kept"]);
        }
    }

    #[test]
    fn schema_refusals_read_the_same_on_both() {
        for db in backends() {
            people(&db);
            db.execute_batch(&format!(
                "CREATE TEMP TABLE notes ({}, person_id BIGINT NOT NULL REFERENCES people(id))",
                id_column(&db)
            ))
            .unwrap();
            if db.dialect() == Dialect::Sqlite {
                db.pragma_update("foreign_keys", true).unwrap();
            }
            db.execute("INSERT INTO people (name) VALUES ('Ana')", ())
                .unwrap();
            let twice = db
                .execute("INSERT INTO people (name) VALUES ('Ana')", ())
                .unwrap_err();
            assert_eq!(twice.refusal(), Some(Refusal::Unique), "{twice}");
            let orphan = db
                .execute("INSERT INTO notes (person_id) VALUES (42)", ())
                .unwrap_err();
            assert_eq!(orphan.refusal(), Some(Refusal::ForeignKey), "{orphan}");
            let missing = db
                .execute("INSERT INTO notes (person_id) VALUES (NULL)", ())
                .unwrap_err();
            assert!(
                matches!(missing.refusal(), Some(Refusal::Other(_))),
                "{missing}"
            );
        }
    }
}
