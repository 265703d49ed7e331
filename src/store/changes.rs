//! What changed since a point in the audit trail: the change feed the lookup index
//! follows. Every write appends to `audit_log` in its own transaction, and writers are
//! serialised, so its ids grow in commit order: "since N" is "id > N".

use std::collections::BTreeSet;

use super::db::OptionalExtension;
use rusqlite::params;

use super::{Result, Store};

/// Entities whose entries name the customer they touch in `customer_id`, or touch no
/// customer's searchable fields at all. An entry of any other entity without a
/// customer (a bulk marker such as generated demo data) means "anything may have
/// changed".
const KNOWN: &[&str] = &[
    "customer",
    "deal",
    "follow-up",
    "reminder",
    "interaction",
    "operator",
    "stage",
    "setting",
    "kpi",
    "import run",
];

/// The customers to re-read after `since`, up to `high_water`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Changed customers (created, edited, deleted, contacted), and the people of a
    /// changed company (their company's name is part of their record), ascending.
    pub customers: Vec<i64>,
    /// An entry that cannot be tied to customers was seen: re-read everything.
    pub everything: bool,
    /// The id of the newest entry read: pass it as `since` next time.
    pub high_water: i64,
}

impl Store {
    /// The id of the newest audit entry (0 when none).
    pub fn audit_high_water(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM audit_log", (), |r| {
                r.get(0)
            })
    }

    /// A fingerprint of audit entry `id` (when, what, which), or `None` if there is no
    /// such entry: tells whether a mark taken earlier still means the same history (a
    /// restore replaces the trail, and ids may then be reused).
    pub fn audit_entry_fingerprint(&self, id: i64) -> Result<Option<u64>> {
        let row: Option<(i64, String, i64, String)> = self
            .conn
            .query_row(
                "SELECT at, entity, entity_id, action FROM audit_log WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(at, entity, entity_id, action)| {
            fnv(format!("{at}\u{1f}{entity}\u{1f}{entity_id}\u{1f}{action}").as_bytes())
        }))
    }

    /// The customers whose searchable fields may have changed after audit entry
    /// `since`, read in one consistent snapshot.
    pub fn changed_customers_since(&self, since: i64) -> Result<Changes> {
        self.read(|c| {
            let high_water: i64 =
                c.query_row("SELECT coalesce(max(id), 0) FROM audit_log", (), |r| {
                    r.get(0)
                })?;
            let mut customers = BTreeSet::new();
            let mut everything = false;
            let mut stmt = c.prepare_cached(
                "SELECT DISTINCT entity, CASE WHEN entity = 'customer' THEN entity_id END, customer_id
                 FROM audit_log WHERE id > ?1 AND id <= ?2",
            )?;
            let mut rows = stmt.query(params![since, high_water])?;
            while let Some(r) = rows.next()? {
                let entity: String = r.get(0)?;
                let own: Option<i64> = r.get(1)?;
                let customer: Option<i64> = r.get(2)?;
                customers.extend(own);
                customers.extend(customer);
                if own.is_none() && customer.is_none() && !KNOWN.contains(&entity.as_str()) {
                    everything = true;
                }
            }
            drop(rows);
            if !everything && !customers.is_empty() {
                // A company's new name is part of each of its people's records.
                let list = serde_json::to_string(&customers.iter().collect::<Vec<_>>())
                    .map_err(|e| super::StoreError::Message(e.to_string()))?;
                let mut people = c.prepare_cached(
                    "SELECT id FROM customers WHERE company_id IN (SELECT value FROM json_each(?1))",
                )?;
                let ids = people.query_map([list], |r| r.get::<_, i64>(0))?;
                for id in ids {
                    customers.insert(id?);
                }
            }
            Ok(Changes {
                customers: customers.into_iter().collect(),
                everything,
                high_water,
            })
        })
    }
}

/// FNV-1a: a stable hash (the std hasher may change between releases).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// One change as the app's panes follow it: a record of `entity` created, updated or
/// deleted (`customer_id`: the customer it belongs to, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub customer_id: Option<i64>,
    pub action: crate::domain::audit::AuditAction,
}

impl Store {
    /// At most `limit` changes after audit entry `after`, oldest first.
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
