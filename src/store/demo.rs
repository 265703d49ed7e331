//! Writing generated demo data fast: every record goes through the ordinary writes
//! (same checks, same rows), but without an audit entry per record and with the
//! secondary indexes of the tables it fills built once at the end. The trail gets one
//! entry instead: demo data was generated, by whom, when, and how much.

use rusqlite::OptionalExtension;

use super::import::SuspendedIndexes;
use super::{Result, StoreError, Writer};
use crate::domain::audit::{
    AuditAction, DEMO_CUSTOMERS_FIELD, DEMO_ENTITY, FieldChange, demo_customer_ids,
};

/// The tables demo data fills. Their secondary indexes are not read while it is
/// written (records are read back by id only), so each is built in one sorted pass
/// at the end instead of row by row.
const FILLED: &[&str] = &[
    "customers",
    "customer_phones",
    "customer_emails",
    "customer_tags",
    "deals",
    "interactions",
    "reminders",
];

/// Bytes of page cache (KiB) while demo data is written: its tables stay in memory
/// instead of spilling half-written pages to the WAL. Given back afterwards.
const GENERATE_CACHE_KIB: i64 = 256 * 1024;

/// What `Writer::generate` was told about the data it wrote, for its audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// Field and value, in order (`customers`, `interactions`, `seed`…).
    pub counts: Vec<(&'static str, String)>,
}

impl Writer<'_> {
    /// Runs `write` (which fills an empty database with generated records through the
    /// ordinary writes) without an audit entry per record, then records one entry
    /// (entity [`DEMO_ENTITY`]) by the acting operator, at this transaction's time,
    /// naming the customers it created and `summary`'s counts. Same transaction: a
    /// failure leaves nothing behind, indexes included.
    pub fn generate<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T>,
        summary: impl FnOnce(&T) -> Generated,
    ) -> Result<T> {
        let customers: i64 = self
            .conn
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
        if customers > 0 {
            return Err(StoreError::Message(format!(
                "demo data goes into an empty database; this one holds {customers} customers"
            )));
        }
        let now = self.now;
        let first = self.next_id("customers", "customer")?;
        let suspended = self.suspend_filled_indexes()?;
        let cache: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn
            .pragma_update(None, "cache_size", -GENERATE_CACHE_KIB)?;
        self.trail = false;
        let written = write(self);
        self.trail = true;
        self.now = now;
        self.conn.pragma_update(None, "cache_size", cache)?;
        let value = written?;
        self.rebuild_indexes(suspended)?;
        let last: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM customers", [], |r| r.get(0))
            .optional()?
            .flatten();
        let mut changes = vec![FieldChange {
            field: DEMO_CUSTOMERS_FIELD.into(),
            old: None,
            new: last.map(|last| demo_customer_ids(first, last)),
        }];
        changes.extend(
            summary(&value)
                .counts
                .into_iter()
                .map(|(field, value)| FieldChange {
                    field: field.into(),
                    old: None,
                    new: Some(value),
                }),
        );
        // The entry's record id is the last customer generated, so a customer's history
        // finds it through the trail's index by record (see `Store::audit_entries`).
        self.audit(
            DEMO_ENTITY,
            last.unwrap_or(0),
            None,
            AuditAction::Create,
            changes,
        )?;
        Ok(value)
    }

    /// Drops every secondary index of the tables demo data fills (the definitions are
    /// read from the schema, so one added later is suspended too); unique ones stay,
    /// so what they forbid is still refused.
    fn suspend_filled_indexes(&mut self) -> Result<SuspendedIndexes> {
        let mut stmt = self.conn.prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
               AND tbl_name = ?1 ORDER BY name",
        )?;
        let mut found = Vec::new();
        for table in FILLED {
            let rows = stmt.query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                found.push(row?);
            }
        }
        drop(stmt);
        let mut sql = Vec::with_capacity(found.len());
        for (name, create) in found {
            // Names come from the schema itself, quoted all the same.
            self.conn
                .execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), [])?;
            sql.push(create);
        }
        Ok(SuspendedIndexes::from_sql(sql))
    }
}
