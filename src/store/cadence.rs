//! Contact cadence in SQL: tag cadences, the default, and the "going quiet" query.
//!
//! The effective-cadence rule (`domain::effective_cadence`) is computed here in SQL for
//! bulk work: own cadence, else the tightest tag's (smallest ideal, then maximum, then
//! tag name), else the default for active customers; inactive and lost have none.

use super::db::OptionalExtension;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::customers::{SUMMARY_COLUMNS, SUMMARY_JOINS, row_to_summary};
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::customer::normalise_tag;
use crate::domain::{Cadence, ContactStatus, DEFAULT_CADENCE, QuietCustomer};

/// Joins `tc`, the tightest cadence among the tags of `c`, for customers that have no
/// own cadence and a status that can have one. One indexed lookup per customer.
pub(super) const TIGHTEST_TAG_JOIN: &str = "
LEFT JOIN tag_cadences tc ON c.cadence_ideal_days IS NULL AND c.status IN ('lead', 'active')
    AND tc.tag = (SELECT x.tag FROM customer_tags t JOIN tag_cadences x ON x.tag = t.tag
                  WHERE t.customer_id = c.id ORDER BY x.ideal_days, x.max_days, x.tag LIMIT 1)";

const DEFAULT_KEY: &str = "default_cadence";

/// Which customers `Store::going_quiet` lists.
#[derive(Debug, Clone, Default)]
pub struct QuietFilter {
    /// Only customers this operator owns.
    pub owner_id: Option<i64>,
    /// True: everyone past their ideal interval; false: only those past their maximum.
    pub include_due: bool,
    pub limit: Option<usize>,
}

/// `eff`: every customer that has a cadence, with it and the start of its clock.
/// Parameters: ?1 now (unix seconds), ?2/?3 the default ideal/max days, ?4 owner,
/// ?5 1 to include due customers (else overdue only).
const QUIET_CTE: &str = "
WITH eff AS (
    SELECT c.id,
           ?1 - coalesce(c.last_contact_at, c.created_at) AS elapsed,
           coalesce(c.cadence_ideal_days, tc.ideal_days, CASE WHEN c.status = 'active' THEN CAST(?2 AS BIGINT) END) AS ideal,
           coalesce(c.cadence_max_days, tc.max_days, CASE WHEN c.status = 'active' THEN CAST(?3 AS BIGINT) END) AS max
    FROM customers c";

const QUIET_WHERE: &str = "
    WHERE c.status IN ('lead', 'active') AND (?4 IS NULL OR c.owner_id = ?4)
),
quiet AS (
    SELECT id, elapsed > max * 86400 AS overdue, (elapsed / 86400) * 1.0 / ideal AS ratio
    FROM eff
    WHERE ideal IS NOT NULL AND elapsed > (CASE WHEN ?5 THEN ideal ELSE max END) * 86400
)";

impl Store {
    /// The cadence active customers get when neither they nor their tags have one.
    pub fn default_cadence(&self) -> Result<Cadence> {
        let stored: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([DEFAULT_KEY], |r| r.get(0))
            .optional()?;
        match stored {
            None => Ok(DEFAULT_CADENCE),
            Some(text) => Ok(Cadence::parse("default cadence", &text)?),
        }
    }

    /// Every tag with a cadence, by tag.
    pub fn tag_cadences(&self) -> Result<Vec<(String, Cadence)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tag, ideal_days, max_days FROM tag_cadences ORDER BY tag")?;
        let rows = stmt.query_map((), |r| {
            Ok((
                r.get(0)?,
                Cadence {
                    ideal_days: r.get(1)?,
                    max_days: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Customers with a cadence of their own (id, name, cadence), by name. Inactive
    /// and lost ones keep theirs but are not tracked while so.
    pub fn customers_with_own_cadence(&self) -> Result<Vec<(i64, String, Cadence)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, cadence_ideal_days, cadence_max_days FROM customers
             WHERE cadence_ideal_days IS NOT NULL ORDER BY name_key, id",
        )?;
        let rows = stmt.query_map((), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Cadence {
                    ideal_days: r.get(2)?,
                    max_days: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Customers past their ideal interval (or, without `include_due`, past their
    /// maximum) at `now`: overdue first, then the furthest past their ideal relative to
    /// it (days since / ideal days), then by id. One query.
    pub fn going_quiet(
        &self,
        filter: &QuietFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<QuietCustomer>> {
        self.read(|c| {
            let default = self.default_cadence()?;
            let limit = filter.limit.map_or(super::db::NO_LIMIT, |n| n as i64);
            let sql = format!(
                "{QUIET_CTE} {TIGHTEST_TAG_JOIN} {QUIET_WHERE},
                 page AS (SELECT id, overdue, ratio FROM quiet ORDER BY overdue DESC, ratio DESC, id LIMIT ?6)
                 SELECT {SUMMARY_COLUMNS}
                 FROM page q CROSS JOIN customers c {SUMMARY_JOINS} {TIGHTEST_TAG_JOIN}
                 WHERE c.id = q.id
                 ORDER BY q.overdue DESC, q.ratio DESC, c.id"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![
                    now.timestamp(),
                    default.ideal_days,
                    default.max_days,
                    filter.owner_id,
                    filter.include_due,
                    limit
                ],
                |r| row_to_summary(r, default),
            )?;
            let mut quiet = Vec::new();
            for summary in rows {
                let summary = summary?;
                let Some(contact) = &summary.contact else {
                    continue;
                };
                let status = contact.status(now);
                let days_since = contact.days_since(now);
                // The SQL and the domain rule agree (tests pin it); never list the fine.
                if status == ContactStatus::Fine {
                    continue;
                }
                quiet.push(QuietCustomer {
                    summary,
                    status,
                    days_since,
                });
            }
            Ok(quiet)
        })
    }

    /// How many customers `going_quiet` would list without a limit.
    pub fn going_quiet_count(&self, filter: &QuietFilter, now: DateTime<Utc>) -> Result<usize> {
        self.read(|c| {
            let default = self.default_cadence()?;
            let sql =
                format!("{QUIET_CTE} {TIGHTEST_TAG_JOIN} {QUIET_WHERE} SELECT count(*) FROM quiet");
            let n: i64 = c.prepare_cached(&sql)?.query_row(
                params![
                    now.timestamp(),
                    default.ideal_days,
                    default.max_days,
                    filter.owner_id,
                    filter.include_due
                ],
                |r| r.get(0),
            )?;
            Ok(n as usize)
        })
    }
}

impl Writer<'_> {
    /// Sets (or with `None` removes) the cadence of every customer tagged `tag`.
    /// Returns whether the tag had one before.
    pub fn set_tag_cadence(&mut self, tag: &str, cadence: Option<Cadence>) -> Result<bool> {
        self.require(Permission::ChangeSettings)?;
        let tag = normalise_tag(tag)?;
        let cadence = cadence.map(|c| c.check("cadence")).transpose()?;
        let before: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT ideal_days || 'd/' || max_days || 'd' FROM tag_cadences WHERE tag = ?1",
            )?
            .query_row([&tag], |r| r.get(0))
            .optional()?;
        let had = self
            .conn
            .prepare_cached("DELETE FROM tag_cadences WHERE tag = ?1")?
            .execute([&tag])?
            > 0;
        self.audit_setting(
            &format!("cadence of tag {tag}"),
            before,
            cadence.map(|c| c.to_string()),
        )?;
        if let Some(cadence) = cadence {
            self.conn
                .prepare_cached(
                    "INSERT INTO tag_cadences (tag, ideal_days, max_days, updated_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![tag, cadence.ideal_days, cadence.max_days, self.now])?;
        }
        Ok(had)
    }

    /// Sets the cadence active customers get when neither they nor their tags have one.
    pub fn set_default_cadence(&mut self, cadence: Cadence) -> Result<()> {
        self.require(Permission::ChangeSettings)?;
        let cadence = cadence.check("cadence")?;
        let before: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([DEFAULT_KEY], |r| r.get(0))
            .optional()?;
        self.conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![DEFAULT_KEY, cadence.as_text()])?;
        self.audit_setting("default cadence", before, Some(cadence.as_text()))
    }

    /// Sets (or with `None` removes) one customer's own cadence, bumping its version.
    pub fn set_customer_cadence(&mut self, id: i64, cadence: Option<Cadence>) -> Result<()> {
        let cadence = cadence.map(|c| c.check("cadence")).transpose()?;
        self.require_change("customer", id)?;
        let before = self.customer_state(id)?;
        let own: Option<(Option<u16>, Option<u16>)> = self
            .conn
            .query_row(
                "SELECT cadence_ideal_days, cadence_max_days FROM customers WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if own == Some((cadence.map(|c| c.ideal_days), cadence.map(|c| c.max_days))) {
            return Ok(());
        }
        self.keep_before("customer", id)?;
        let n = self.conn.execute(
            "UPDATE customers SET cadence_ideal_days = ?2, cadence_max_days = ?3,
                    version = version + 1, updated_at = ?4
             WHERE id = ?1",
            params![
                id,
                cadence.map(|c| c.ideal_days),
                cadence.map(|c| c.max_days),
                self.now
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "customer",
                id,
            });
        }
        let after = self.customer_state(id)?;
        self.audit_diff("customer", id, Some(id), Some(&before), Some(&after))
    }
}
