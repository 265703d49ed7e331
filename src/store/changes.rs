//! The change feed: what other processes changed since an app last looked, read from
//! the audit trail (every write appends to it in its own transaction, and on SQLite its
//! ids grow in commit order because writers take turns).

use rusqlite::params;

use super::{Result, Store};
use crate::domain::audit::AuditAction;

/// One change: a record of `entity` created, updated or deleted (`customer_id`: the
/// customer it belongs to, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub customer_id: Option<i64>,
    pub action: AuditAction,
}

impl Store {
    /// The newest change's id (0: none yet): where a reader starts following.
    pub fn last_change(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM audit_log")?
            .query_row([], |r| r.get(0))?)
    }

    /// At most `limit` changes after change `after`, oldest first.
    pub fn changes_since(&self, after: i64, limit: usize) -> Result<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity, entity_id, customer_id, action FROM audit_log
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(Change {
                    id: r.get(0)?,
                    entity: r.get(1)?,
                    entity_id: r.get(2)?,
                    customer_id: r.get(3)?,
                    action: r.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
