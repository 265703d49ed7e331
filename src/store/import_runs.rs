//! Import runs. A bulk import commits in bounded chunks, so other operators' writes
//! never wait long for the lock; the run records what each chunk created and merged, so
//! a run that fails is undone as a whole, and one that was interrupted (`kill -9`, a
//! full disk) can be undone later with `rapport import --undo RUN`.
//!
//! Undoing never takes anyone else's work with it: a created customer that has been
//! changed since, or has gained deals, follow-ups, interactions or people, stays; a
//! merged customer changed since keeps the change. Both are counted in the report.

use super::db::{OptionalExtension, Row};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::sql_types::from_secs;
use super::{Result, Store, StoreError, SuspendedIndexes, Writer};
use crate::domain::CustomerDraft;
use crate::domain::access::Permission;

/// A run whose importer has not written for this long is no longer running.
const STALE_AFTER_SECS: i64 = 120;
/// Customers deleted or restored per transaction while undoing.
const UNDO_CHUNK: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRun {
    pub id: i64,
    pub source: String,
    pub operator: Option<String>,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `done` or `undone`.
    pub state: String,
    pub created: i64,
    pub merged: i64,
}

impl ImportRun {
    /// Still `running`, but its importer stopped writing: killed, or its machine down.
    pub fn interrupted(&self, now: DateTime<Utc>) -> bool {
        self.state == "running" && (now - self.heartbeat_at).num_seconds() > STALE_AFTER_SECS
    }
}

/// What `undo_import_run` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UndoReport {
    pub run: i64,
    /// Customers the run created, deleted again.
    pub deleted: usize,
    /// Customers it merged into, put back as they were.
    pub restored: usize,
    /// Customers left as they are because someone changed them (or added to them) since.
    pub kept_changed: Vec<i64>,
}

const SELECT: &str = "SELECT r.id, r.source, o.login, r.started_at, r.heartbeat_at, r.finished_at, r.state, r.created, r.merged
    FROM import_runs r LEFT JOIN operators o ON o.id = r.operator_id";

fn row_to_run(r: &Row<'_>) -> rusqlite::Result<ImportRun> {
    Ok(ImportRun {
        id: r.get(0)?,
        source: r.get(1)?,
        operator: r.get(2)?,
        started_at: from_secs(r.get(3)?),
        heartbeat_at: from_secs(r.get(4)?),
        finished_at: r.get::<_, Option<i64>>(5)?.map(from_secs),
        state: r.get(6)?,
        created: r.get(7)?,
        merged: r.get(8)?,
    })
}

impl Store {
    pub fn import_run(&self, id: i64) -> Result<Option<ImportRun>> {
        self.conn
            .prepare_cached(&format!("{SELECT} WHERE r.id = ?1"))?
            .query_row([id], row_to_run)
            .optional()
    }

    /// Runs that never finished and whose importer has stopped.
    pub fn interrupted_import_runs(&self) -> Result<Vec<ImportRun>> {
        let now = self.now();
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE r.state = 'running' ORDER BY r.id"))?;
        let runs = stmt.query_map((), row_to_run)?;
        let runs: Vec<ImportRun> = runs.collect::<rusqlite::Result<_>>()?;
        Ok(runs.into_iter().filter(|r| r.interrupted(now)).collect())
    }

    /// Indexes an interrupted first load dropped are built again (the first write to
    /// the database after the importer died does it, so nothing stays slow).
    pub fn heal_interrupted_imports(&mut self) -> Result<()> {
        let stale: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM import_runs WHERE suspended_indexes IS NOT NULL AND heartbeat_at < ?1)",
            [self.now_secs() - STALE_AFTER_SECS],
            |r| r.get(0),
        )?;
        if !stale {
            return Ok(());
        }
        let cutoff = self.now_secs() - STALE_AFTER_SECS;
        self.write(|w| {
            let rows: Vec<(i64, String)> = w
                .conn
                .prepare("SELECT id, suspended_indexes FROM import_runs WHERE suspended_indexes IS NOT NULL AND heartbeat_at < ?1")?
                .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (run, sql) in rows {
                let creates: Vec<String> = serde_json::from_str(&sql).unwrap_or_default();
                w.rebuild_indexes(SuspendedIndexes::from_sql(creates))?;
                w.conn.execute(
                    "UPDATE import_runs SET suspended_indexes = NULL WHERE id = ?1",
                    [run],
                )?;
            }
            Ok(())
        })
    }

    /// Undoes import run `id`, in chunks of its own transactions (the run is marked
    /// undone in the last). A run still running is refused.
    pub fn undo_import_run(&mut self, id: i64) -> Result<UndoReport> {
        self.require(Permission::BulkImport)?;
        let run = self.import_run(id)?.ok_or(StoreError::NotFound {
            entity: "import run",
            id,
        })?;
        match run.state.as_str() {
            "undone" => {
                return Err(StoreError::invalid(
                    "undo",
                    format!("import run #{id} was undone already"),
                ));
            }
            "running" if !run.interrupted(self.now()) => {
                return Err(StoreError::invalid(
                    "undo",
                    format!(
                        "import run #{id} is still running (it last wrote at {}); wait for it to finish",
                        run.heartbeat_at.format("%H:%M:%S UTC")
                    ),
                ));
            }
            _ => {}
        }
        let mut report = UndoReport {
            run: id,
            ..Default::default()
        };
        let ranges: Vec<(i64, i64)> = self
            .conn
            .prepare("SELECT first_id, last_id FROM import_run_created WHERE run_id = ?1")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let created = |c: i64| ranges.iter().any(|&(a, b)| (a..=b).contains(&c));
        let merges: Vec<(i64, i64, String)> = self
            .conn
            .prepare(
                "SELECT customer_id, version_after, before FROM import_run_merges WHERE run_id = ?1
                      ORDER BY customer_id, version_after DESC",
            )?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Merges into customers that existed before: put back, each customer's newest
        // first (its versions grow with each merge; customers are independent).
        let outside: Vec<&(i64, i64, String)> =
            merges.iter().filter(|(c, _, _)| !created(*c)).collect();
        for chunk in outside.chunks(UNDO_CHUNK) {
            self.write(|w| {
                for (customer, version_after, before) in chunk {
                    let before: CustomerDraft = serde_json::from_str(before).map_err(|e| {
                        StoreError::Message(format!(
                            "import run #{id}: a merge record is unreadable ({e})"
                        ))
                    })?;
                    match w.customer_version(*customer)? {
                        None => {}
                        Some(v) if v == *version_after => {
                            w.update_customer(*customer, v, &before)?;
                            report.restored += 1;
                        }
                        Some(_) => report.kept_changed.push(*customer),
                    }
                }
                Ok(())
            })?;
        }
        // Customers it created: deleted, people before their companies (higher ids
        // first), unless someone changed them or added to them since.
        let mut ids: Vec<i64> = Vec::new();
        for &(a, b) in &ranges {
            ids.extend(a..=b);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let merged_into = |c: i64| merges.iter().filter(|(m, _, _)| *m == c).count() as i64;
        let last = ids.len().div_ceil(UNDO_CHUNK).max(1) - 1;
        let chunks: Vec<&[i64]> = if ids.is_empty() {
            vec![&[]]
        } else {
            ids.chunks(UNDO_CHUNK).collect()
        };
        for (n, chunk) in chunks.into_iter().enumerate() {
            self.write(|w| {
                for &c in chunk {
                    let Some(version) = w.customer_version(c)? else {
                        continue;
                    };
                    if version != 1 + merged_into(c) || w.has_dependents(c)? {
                        report.kept_changed.push(c);
                        continue;
                    }
                    w.delete_customer(c)?;
                    report.deleted += 1;
                }
                if n == last {
                    w.conn.execute(
                        "UPDATE import_runs SET state = 'undone', finished_at = ?2, heartbeat_at = ?2 WHERE id = ?1",
                        params![id, w.now],
                    )?;
                }
                Ok(())
            })?;
        }
        report.kept_changed.sort_unstable();
        Ok(report)
    }
}

impl Writer<'_> {
    /// Starts a run importing `source` (file names), as the acting operator.
    pub fn start_import_run(&mut self, source: &str) -> Result<i64> {
        self.require(Permission::BulkImport)?;
        self.conn.query_row(
            "INSERT INTO import_runs (operator_id, source, started_at, heartbeat_at, state)
             VALUES (?1, ?2, ?3, ?3, 'running') RETURNING id",
            params![self.actor.map(|a| a.id), source, self.now],
            |r| r.get(0),
        )
    }

    /// Customers `first..=last` were created by `run` (in this chunk).
    pub fn record_import_created(&mut self, run: i64, first: i64, last: i64) -> Result<()> {
        if last >= first {
            self.conn
                .prepare_cached(
                    "INSERT INTO import_run_created (run_id, first_id, last_id) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![run, first, last])?;
        }
        Ok(())
    }

    /// `run` merged into `customer`, which was `before` and is now at `version_after`.
    pub fn record_import_merge(
        &mut self,
        run: i64,
        customer: i64,
        before: &CustomerDraft,
        version_after: i64,
    ) -> Result<()> {
        let before = serde_json::to_string(before)
            .map_err(|e| StoreError::Message(format!("cannot record a merge: {e}")))?;
        self.conn
            .prepare_cached(
                "INSERT INTO import_run_merges (run_id, customer_id, version_after, before) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![run, customer, version_after, before])?;
        Ok(())
    }

    /// The importer is alive and has got this far; `last` marks the run done.
    pub fn advance_import_run(
        &mut self,
        run: i64,
        created: usize,
        merged: usize,
        last: bool,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE import_runs SET heartbeat_at = ?2, created = ?3, merged = ?4,
                    state = CASE WHEN ?5 THEN 'done' ELSE state END,
                    finished_at = CASE WHEN ?5 THEN CAST(?2 AS BIGINT) END
                 WHERE id = ?1",
            )?
            .execute(params![run, self.now, created as i64, merged as i64, last])?;
        Ok(())
    }

    /// Drops the bulk indexes for a first load, remembering them in the run so that
    /// an interrupted importer's indexes are built again (`heal_interrupted_imports`).
    pub fn suspend_indexes_for_run(&mut self, run: i64) -> Result<SuspendedIndexes> {
        let suspended = self.suspend_indexes()?;
        let sql = serde_json::to_string(suspended.sql())
            .map_err(|e| StoreError::Message(e.to_string()))?;
        self.conn.execute(
            "UPDATE import_runs SET suspended_indexes = ?2 WHERE id = ?1",
            params![run, sql],
        )?;
        Ok(suspended)
    }

    /// Builds again what `suspend_indexes_for_run` dropped.
    pub fn rebuild_indexes_for_run(&mut self, run: i64, suspended: SuspendedIndexes) -> Result<()> {
        self.rebuild_indexes(suspended)?;
        self.conn.execute(
            "UPDATE import_runs SET suspended_indexes = NULL WHERE id = ?1",
            [run],
        )?;
        Ok(())
    }

    fn customer_version(&self, id: i64) -> Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT version FROM customers WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()
    }

    /// Whether anything hangs off customer `id`: deals, follow-ups, interactions, people.
    fn has_dependents(&self, id: i64) -> Result<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM deals WHERE customer_id = ?1)
                     OR EXISTS (SELECT 1 FROM reminders WHERE customer_id = ?1)
                     OR EXISTS (SELECT 1 FROM interactions WHERE customer_id = ?1)
                     OR EXISTS (SELECT 1 FROM customers WHERE company_id = ?1)",
            )?
            .query_row([id], |r| r.get(0))
    }
}
