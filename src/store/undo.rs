//! Undo. A change (the audit entries one write recorded) is taken back by a NEW change
//! that restores what it touched, so nothing in the trail is ever rewritten.
//!
//! Each entry about a customer, deal, follow-up or interaction keeps what that needs:
//! the record's rows as they were before an update or a deletion (`before`, an
//! [`Image`]), the version the change left (`version_after`), the first entry of its
//! write (`batch`) and, for an undo, the entry it takes back (`undoes`). Before anything
//! is written, every record the change touched must still be as the change left it: no
//! later change of it stands (a change undone since cancels out), and its version is
//! the one the trail last recorded. Otherwise the undo is refused, saying who changed
//! what and when.

use super::db::{Db, OptionalExtension};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::backup::{Row, columns, key_order, table_info, to_json, to_sql};
use super::error::Refusal;
use super::sql_types::from_secs;
use super::{Result, Store, StoreError, Writer};
use crate::domain::audit::{AuditAction, AuditEntry, Fields};
use crate::domain::undo::{Blocked, Later, first_standing};

/// The records undo brings back, and their tables.
fn record(entity: &str) -> Option<(&'static str, &'static str)> {
    Some(match entity {
        "customer" => ("customer", "customers"),
        "deal" => ("deal", "deals"),
        "follow-up" => ("follow-up", "reminders"),
        "interaction" => ("interaction", "interactions"),
        _ => return None,
    })
}

/// The rows that belong to a customer row, kept and restored with it.
const CUSTOMER_PARTS: [&str; 3] = ["customer_phones", "customer_emails", "customer_tags"];
/// What a customer's deletion takes along (and its undo brings back), parents first.
const CUSTOMER_DEPENDENTS: [&str; 3] = ["deals", "interactions", "reminders"];
/// Columns a restore leaves as they are: identity, history, and what triggers keep.
const KEPT_COLUMNS: [&str; 7] = [
    "id",
    "version",
    "created_at",
    "updated_at",
    "last_contact_at",
    "last_activity_at",
    "planned_follow_ups",
];

/// What one transaction's audit entries need for an undo.
#[derive(Debug, Default)]
pub(super) struct UndoLog {
    /// The first entry this transaction wrote.
    batch: Option<i64>,
    /// Records as they were before this transaction changed them: (entity, id, image).
    kept: Vec<(&'static str, i64, String)>,
    /// The entry the undo under way takes back: set on every entry it writes.
    undoes: Option<i64>,
    /// This transaction is an undo: no change for the session to undo in its turn.
    undid: bool,
    /// It touched a record undo can bring back (not only operators or settings).
    undoable: bool,
    /// The trail has no undo columns yet (a migration writing before they exist).
    off: bool,
}

impl UndoLog {
    /// For writes made while migrating from a schema without the undo columns.
    pub(super) fn off() -> Self {
        Self {
            off: true,
            ..Self::default()
        }
    }

    /// Whether entries are written without undo columns.
    pub(super) fn is_off(&self) -> bool {
        self.off
    }

    /// The change this transaction wrote (its first entry), if the session's undo may
    /// take it back: one that touched a customer, deal, follow-up or interaction and is
    /// no undo itself.
    pub(super) fn change(self) -> Option<i64> {
        self.batch.filter(|_| self.undoable && !self.undid)
    }
}

/// What `Writer::audit` writes in an entry's undo columns.
pub(super) struct UndoColumns {
    pub batch: Option<i64>,
    pub undoes: Option<i64>,
    pub version_after: Option<i64>,
    pub before: Option<String>,
}

/// A record's rows as stored: its own row first, then those that belong to it. Stored
/// as JSON: `[["deals", [{"id": 5, "title": "Renewal", …}]], …]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Image(Vec<(String, Vec<Row>)>);

/// What `Store::undo_change` took back.
#[derive(Debug, Clone, Serialize)]
pub struct Undone {
    /// The change taken back: its audit entries, in the order they were written.
    pub undone: Vec<AuditEntry>,
    /// The customers whose records changed.
    pub customers: Vec<i64>,
}

impl Undone {
    /// "Undone: deal #5 is as it was (stage "negotiation")", "Undone: deal #5 is back",
    /// "Undone: follow-up #9 is deleted again".
    pub fn summary(&self) -> String {
        let main = self
            .undone
            .iter()
            .find(|e| e.action == AuditAction::Delete)
            .or(self.undone.first());
        let Some(e) = main else {
            return "Nothing was undone".into();
        };
        let what = format!("{} #{}", e.entity, e.entity_id);
        let mut text = match e.action {
            AuditAction::Create => format!("Undone: {what} is deleted again"),
            AuditAction::Delete => format!("Undone: {what} is back"),
            AuditAction::Update => {
                let was: Vec<String> = e
                    .changes
                    .iter()
                    .take(2)
                    .map(|c| match &c.old {
                        Some(v) => format!("{} \"{v}\"", c.field),
                        None => format!("no {}", c.field),
                    })
                    .collect();
                format!("Undone: {what} is as it was ({})", was.join(", "))
            }
        };
        let others = self
            .undone
            .iter()
            .filter(|o| (o.entity.as_str(), o.entity_id) != (e.entity.as_str(), e.entity_id))
            .map(|o| (o.entity.as_str(), o.entity_id))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if others > 0 {
            let s = if others == 1 { "" } else { "s" };
            text.push_str(&format!(", with {others} other record{s}"));
        }
        text
    }
}

/// One of an operator's changes, as `rapport undo --list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UndoCandidate {
    /// The change's number: its first audit entry.
    pub change: i64,
    pub at: DateTime<Utc>,
    pub entries: Vec<AuditEntry>,
    /// Why it cannot be undone, if it cannot (a change held up only by newer ones
    /// of the list can, once they are undone).
    pub blocked: Option<String>,
}

/// An entry of the change to undo, with its undo columns.
#[derive(Debug, Clone)]
struct Recorded {
    entry: AuditEntry,
    version_after: Option<i64>,
    before: Option<String>,
}

/// Rows of `table` whose `column` is `id`, in key order.
fn rows_of(conn: &Db, table: &str, column: &str, id: i64) -> Result<Vec<Row>> {
    let info = table_info(conn, table)?;
    let order = key_order(conn, &info);
    let names: Vec<String> = info.into_iter().map(|(n, _)| n).collect();
    // Table and column names come from this module's lists, never from input.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT * FROM {table} WHERE {column} = ?1 ORDER BY {order}"
    ))?;
    let mut rows = stmt.query([id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Row::new();
        for (i, name) in names.iter().enumerate() {
            row.insert(name.clone(), to_json(r.get_ref(i)?)?);
        }
        out.push(row);
    }
    Ok(out)
}

fn version_of(conn: &Db, table: &str, id: i64) -> Result<Option<i64>> {
    conn.prepare_cached(&format!("SELECT version FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()
}

fn entry(conn: &Db, id: i64) -> Result<Option<AuditEntry>> {
    conn.prepare_cached(&format!("{} WHERE a.id = ?1", super::audit::SELECT_ENTRY))?
        .query_row([id], super::audit::row_to_entry)
        .optional()
}

/// The entries of change `batch`, in the order they were written.
fn batch_entries(conn: &Db, batch: i64) -> Result<Vec<Recorded>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE a.id = ?1 OR a.batch = ?1 ORDER BY a.id",
        super::audit::SELECT_ENTRY
    ))?;
    let entries: Vec<AuditEntry> = stmt
        .query_map([batch], super::audit::row_to_entry)?
        .collect::<rusqlite::Result<_>>()?;
    let mut undo =
        conn.prepare_cached("SELECT version_after, before FROM audit_log WHERE id = ?1")?;
    entries
        .into_iter()
        .map(|entry| {
            let (version_after, before) =
                undo.query_row([entry.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(Recorded {
                entry,
                version_after,
                before,
            })
        })
        .collect()
}

/// "changed deal #5 at 2026-11-23 09:30 (and 1 more)": a change, for refusals.
fn describe(entries: &[Recorded]) -> String {
    let Some(first) = entries.first() else {
        return "the change".into();
    };
    let more = match entries.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    format!(
        "{} at {}{more}",
        first.entry.headline(),
        first
            .entry
            .at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
    )
}

/// Why change `entries` cannot be undone now, if it cannot.
fn blocked(conn: &Db, entries: &[Recorded]) -> Result<Option<Blocked>> {
    let mut undone =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM audit_log WHERE undoes = ?1)")?;
    for e in entries {
        if e.entry.undoes.is_some() || undone.query_row([e.entry.id], |r| r.get::<_, bool>(0))? {
            return Ok(Some(Blocked::AlreadyUndone));
        }
        if record(&e.entry.entity).is_none() {
            return Ok(Some(Blocked::NotUndoable {
                entity: e.entry.entity.clone(),
            }));
        }
        let needs_copy = e.entry.action != AuditAction::Create;
        let needs_version = e.entry.action != AuditAction::Delete;
        if (needs_copy && e.before.is_none()) || (needs_version && e.version_after.is_none()) {
            return Ok(Some(Blocked::NoCopy));
        }
    }
    let mut later = conn.prepare_cached(
        "SELECT id, undoes, version_after, action FROM audit_log
         WHERE entity = ?1 AND entity_id = ?2 AND id > ?3 ORDER BY id",
    )?;
    for (i, e) in entries.iter().enumerate() {
        let (entity, id) = (&e.entry.entity, e.entry.entity_id);
        // Each record once, at the last entry of the change about it.
        if entries[i + 1..]
            .iter()
            .any(|x| (&x.entry.entity, x.entry.entity_id) == (entity, id))
        {
            continue;
        }
        let since: Vec<(Later, Option<i64>, AuditAction)> = later
            .query_map(params![entity, id, e.entry.id], |r| {
                Ok((
                    Later {
                        id: r.get(0)?,
                        undoes: r.get(1)?,
                    },
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let marks: Vec<Later> = since.iter().map(|(l, _, _)| l.clone()).collect();
        if let Some(standing) = first_standing(&marks) {
            let by = entry(conn, standing.id)?;
            return Ok(Some(Blocked::ChangedSince {
                entity: entity.clone(),
                id,
                by: by.as_ref().map(|b| b.who().to_string()),
                at: by.map_or_else(Utc::now, |b| b.at),
                entry: Some(standing.id),
            }));
        }
        let (expected, action) = since
            .last()
            .map_or((e.version_after, e.entry.action), |(_, v, a)| (*v, *a));
        let Some((_, table)) = record(entity) else {
            continue;
        };
        let current = version_of(conn, table, id)?;
        let changed = |at: Option<i64>| Blocked::ChangedSince {
            entity: entity.clone(),
            id,
            by: None,
            at: at.map_or_else(Utc::now, from_secs),
            entry: None,
        };
        match (action, expected, current) {
            (AuditAction::Delete, _, None) => {}
            (AuditAction::Delete, _, Some(_)) => {
                return Ok(Some(changed(updated_at(conn, table, id)?)));
            }
            (_, None, _) => return Ok(Some(Blocked::NoCopy)),
            (_, Some(_), None) => {
                return Ok(Some(Blocked::Gone {
                    entity: entity.clone(),
                    id,
                }));
            }
            (_, Some(v), Some(c)) if v != c => {
                return Ok(Some(changed(updated_at(conn, table, id)?)));
            }
            _ => {}
        }
    }
    Ok(None)
}

fn updated_at(conn: &Db, table: &str, id: i64) -> Result<Option<i64>> {
    conn.prepare_cached(&format!("SELECT updated_at FROM {table} WHERE id = ?1"))?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The newest entry of `operator_id` before entry `before` that is no undo and not
/// undone: its change's number.
fn previous_change(conn: &Db, operator_id: i64, before: i64) -> Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT coalesce(a.batch, a.id) FROM audit_log a
             WHERE a.operator_id = ?1 AND a.id < ?2 AND a.undoes IS NULL
               AND NOT EXISTS (SELECT 1 FROM audit_log u WHERE u.undoes = a.id)
             ORDER BY a.id DESC LIMIT 1",
    )?
    .query_row(params![operator_id, before], |r| r.get(0))
    .optional()
}

impl Store {
    /// Takes back change `change` (the number of its first audit entry) by writing a
    /// new one that restores what it touched; refused, with nothing written, when
    /// someone changed one of those records since.
    pub fn undo_change(&mut self, change: i64) -> Result<Undone> {
        self.write(|w| w.undo_change(change))
    }

    /// The newest change `operator_id` made that is not undone yet (and is no undo):
    /// what `rapport undo` takes back.
    pub fn last_change_by(&self, operator_id: i64) -> Result<Option<i64>> {
        previous_change(&self.conn, operator_id, i64::MAX)
    }

    /// At most `limit` of `operator_id`'s changes not undone yet, newest first, each
    /// with why it cannot be undone now (if it cannot).
    pub fn changes_by(&self, operator_id: i64, limit: usize) -> Result<Vec<UndoCandidate>> {
        self.read(|c| {
            let mut out = Vec::new();
            let mut before = i64::MAX;
            while out.len() < limit {
                let Some(change) = previous_change(c, operator_id, before)? else {
                    break;
                };
                let entries = batch_entries(c, change)?;
                // Held up only by a newer change of this list: it comes once those are undone.
                let blocked = match blocked(c, &entries)? {
                    Some(Blocked::ChangedSince {
                        entry: Some(entry), ..
                    }) if out
                        .iter()
                        .any(|o: &UndoCandidate| o.entries.iter().any(|e| e.id == entry)) =>
                    {
                        None
                    }
                    other => other.map(|b| b.to_string()),
                };
                out.push(UndoCandidate {
                    change,
                    at: entries.first().map_or_else(Utc::now, |e| e.entry.at),
                    blocked,
                    entries: entries.into_iter().map(|e| e.entry).collect(),
                });
                before = change;
            }
            Ok(out)
        })
    }

    /// Takes back the newest change written through this connection that is not
    /// undone yet (the app's `u`); `None` when there is none left.
    pub fn undo_session_change(&mut self) -> Result<Option<Undone>> {
        while let Some(change) = self.session.pop() {
            let entries = batch_entries(&self.conn, change)?;
            if matches!(blocked(&self.conn, &entries)?, Some(Blocked::AlreadyUndone)) {
                continue;
            }
            return self.undo_change(change).map(Some);
        }
        Ok(None)
    }
}

impl Writer<'_> {
    /// Keeps record `id` of `entity` as it is now, for the audit entry of the change
    /// about to be made to it: undo restores it from there. Call it before the write.
    pub(super) fn keep_before(&self, entity: &'static str, id: i64) -> Result<()> {
        self.keep(entity, id, false)
    }

    /// `keep_before` for a customer about to be deleted: with the deals, interactions
    /// and follow-ups that go with it.
    pub(super) fn keep_before_deleting(&self, entity: &'static str, id: i64) -> Result<()> {
        self.keep(entity, id, true)
    }

    fn keep(&self, entity: &'static str, id: i64, dependents: bool) -> Result<()> {
        let Some((_, table)) = record(entity).filter(|_| self.trail) else {
            return Ok(());
        };
        let mut image = vec![(table.to_string(), rows_of(self.conn, table, "id", id)?)];
        if entity == "customer" {
            let extra: &[&str] = if dependents {
                &CUSTOMER_DEPENDENTS
            } else {
                &[]
            };
            for part in CUSTOMER_PARTS.iter().chain(extra) {
                image.push((
                    part.to_string(),
                    rows_of(self.conn, part, "customer_id", id)?,
                ));
            }
        }
        let json = serde_json::to_string(&Image(image))
            .map_err(|e| StoreError::Message(format!("audit: {e}")))?;
        self.undo.borrow_mut().kept.push((entity, id, json));
        Ok(())
    }

    /// The undo columns of the entry about to be written for `entity` #`id`.
    pub(super) fn undo_columns(
        &self,
        entity: &str,
        id: i64,
        action: AuditAction,
    ) -> Result<UndoColumns> {
        let version_after = match record(entity) {
            Some((_, table)) if action != AuditAction::Delete => version_of(self.conn, table, id)?,
            _ => None,
        };
        let mut log = self.undo.borrow_mut();
        log.undoable |= record(entity).is_some();
        let before = if action == AuditAction::Create {
            None
        } else {
            let at = log
                .kept
                .iter()
                .position(|(e, i, _)| *e == entity && *i == id);
            let image = at.map(|at| log.kept.remove(at).2);
            log.kept.retain(|(e, i, _)| !(*e == entity && *i == id));
            image
        };
        Ok(UndoColumns {
            batch: log.batch,
            undoes: log.undoes,
            version_after,
            before,
        })
    }

    /// Entry `id` was written: the first one names this transaction's change.
    pub(super) fn entry_written(&self, id: i64) {
        self.undo.borrow_mut().batch.get_or_insert(id);
    }

    /// See `Store::undo_change`.
    pub fn undo_change(&mut self, change: i64) -> Result<Undone> {
        let entries = batch_entries(self.conn, change)?;
        if entries.is_empty() {
            return Err(StoreError::NotFound {
                entity: "change",
                id: change,
            });
        }
        if let Some(why) = blocked(self.conn, &entries)? {
            return Err(StoreError::NotUndone {
                what: describe(&entries),
                why,
            });
        }
        self.undo.borrow_mut().undid = true;
        let mut customers = std::collections::BTreeSet::new();
        for e in entries.iter().rev() {
            customers.extend(e.entry.customer_id);
            self.undo.borrow_mut().undoes = Some(e.entry.id);
            let taken = self.take_back(e);
            self.undo.borrow_mut().undoes = None;
            taken?;
        }
        Ok(Undone {
            undone: entries.into_iter().map(|e| e.entry).collect(),
            customers: customers.into_iter().collect(),
        })
    }

    fn take_back(&mut self, e: &Recorded) -> Result<()> {
        let id = e.entry.entity_id;
        let Some((entity, table)) = record(&e.entry.entity) else {
            return Ok(());
        };
        let image = || -> Result<Image> {
            let text = e.before.as_deref().unwrap_or("[]");
            serde_json::from_str(text).map_err(|err| {
                StoreError::invalid("undo", format!("the trail's copy of {entity} #{id}: {err}"))
            })
        };
        match e.entry.action {
            AuditAction::Create => self.remove_created(e, entity, id),
            AuditAction::Update => self.restore_update(entity, table, id, &image()?),
            AuditAction::Delete => self.restore_deleted(entity, table, id, &image()?),
        }
    }

    /// Undoes a creation: the record is deleted as the operator would delete it. A
    /// customer is only if nothing was added to it since.
    fn remove_created(&mut self, e: &Recorded, entity: &'static str, id: i64) -> Result<()> {
        match entity {
            "deal" => self.delete_deal(id).map(|_| ()),
            "follow-up" => self.delete_reminder(id),
            "interaction" => self.delete_interaction(id),
            _ => {
                let (interactions, deals, reminders, people) = self.dependents_of(id)?;
                let mut parts = Vec::new();
                for (n, what) in [
                    (deals, "deal"),
                    (reminders, "follow-up"),
                    (interactions, "interaction"),
                    (people, "person"),
                ] {
                    if n > 0 {
                        let s = if n == 1 { "" } else { "s" };
                        parts.push(format!("{n} {what}{s}"));
                    }
                }
                if !parts.is_empty() {
                    return Err(StoreError::NotUndone {
                        what: e.entry.headline(),
                        why: Blocked::HasDependents {
                            what: format!("customer #{id} has {}", parts.join(", ")),
                        },
                    });
                }
                self.delete_customer(id)
            }
        }
    }

    /// Puts the fields of `image` back on record `id` (a customer's phones, emails and
    /// tags too), as a new version.
    fn restore_update(
        &mut self,
        entity: &'static str,
        table: &str,
        id: i64,
        image: &Image,
    ) -> Result<()> {
        self.require_change(entity, id)?;
        let old = self.state_of(entity, id)?;
        self.keep_before(entity, id)?;
        let Some(row) = image.0.first().and_then(|(_, rows)| rows.first()) else {
            return Err(StoreError::invalid(
                "undo",
                format!("the trail's copy of {entity} #{id} is empty"),
            ));
        };
        let known = columns(self.conn, table)?;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (column, value) in row {
            if known.contains(column) && !KEPT_COLUMNS.contains(&column.as_str()) {
                names.push(format!("{column} = ?"));
                values.push(to_sql(table, column, value)?);
            }
        }
        values.push(rusqlite::types::Value::Integer(self.now));
        values.push(rusqlite::types::Value::Integer(id));
        // Column names come from the table itself, never from input.
        self.conn
            .prepare_cached(&format!(
                "UPDATE {table} SET {}, version = version + 1, updated_at = ? WHERE id = ?",
                names.join(", ")
            ))?
            .execute(values)
            .map_err(|e| refused_row(entity, id, e))?;
        for (part, rows) in image.0.iter().skip(1) {
            if let Some(part) = CUSTOMER_PARTS.iter().find(|p| **p == part.as_str()) {
                self.conn
                    .execute(&format!("DELETE FROM {part} WHERE customer_id = ?1"), [id])?;
                for row in rows {
                    self.insert_row(entity, id, part, row, true)?;
                }
            }
        }
        let new = self.state_of(entity, id)?;
        let customer = self.customer_of(entity, id)?;
        self.audit_diff(entity, id, customer, Some(&old), Some(&new))
    }

    /// Creates record `id` again from `image`, with its number and everything that went
    /// with it, as a new version.
    fn restore_deleted(
        &mut self,
        entity: &'static str,
        table: &str,
        id: i64,
        image: &Image,
    ) -> Result<()> {
        let owner = super::access::owned_table(entity)?.1;
        for (n, (name, rows)) in image.0.iter().enumerate() {
            let mut tables = vec![table];
            tables.extend(CUSTOMER_PARTS);
            tables.extend(CUSTOMER_DEPENDENTS);
            let Some(known) = tables.into_iter().find(|t| *t == name.as_str()) else {
                continue;
            };
            for row in rows {
                let mut row = row.clone();
                if n == 0 {
                    self.require_owner(row.get(owner).and_then(serde_json::Value::as_i64))?;
                    let version = row.get("version").and_then(serde_json::Value::as_i64);
                    row.insert("version".into(), (version.unwrap_or(0) + 1).into());
                    row.insert("updated_at".into(), self.now.into());
                }
                self.insert_row(entity, id, known, &row, CUSTOMER_PARTS.contains(&known))?;
            }
        }
        let state = self.state_of(entity, id)?;
        let customer = self.customer_of(entity, id)?;
        self.audit_diff(entity, id, customer, None, Some(&state))
    }

    /// Inserts `row` into `table` (without its `id` when `new_id`: a phone's or an
    /// email's own number may be another's by now).
    fn insert_row(
        &self,
        entity: &str,
        id: i64,
        table: &str,
        row: &Row,
        new_id: bool,
    ) -> Result<()> {
        let known = columns(self.conn, table)?;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (column, value) in row {
            if known.contains(column) && !(new_id && column == "id") {
                names.push(column.as_str());
                values.push(to_sql(table, column, value)?);
            }
        }
        let marks = vec!["?"; names.len()].join(", ");
        // Table and column names come from the schema, never from input.
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO {table} ({}) VALUES ({marks})",
                names.join(", ")
            ))?
            .execute(values)
            .map_err(|e| refused_row(entity, id, e))?;
        Ok(())
    }

    /// A record's fields as the trail shows them.
    fn state_of(&self, entity: &str, id: i64) -> Result<Fields> {
        match entity {
            "customer" => self.customer_state(id),
            "deal" => Ok(self.deal_state(&super::deals::load_deal(self.conn, id)?)),
            "follow-up" => {
                Ok(self.reminder_state(&super::reminders::load_reminder(self.conn, id)?))
            }
            _ => self
                .interaction_state(&super::interactions::load_interaction(self.conn, id)?.draft()),
        }
    }

    /// The customer record `id` of `entity` belongs to.
    fn customer_of(&self, entity: &str, id: i64) -> Result<Option<i64>> {
        let Some((_, table)) = record(entity).filter(|(e, _)| *e != "customer") else {
            return Ok(Some(id));
        };
        self.conn
            .prepare_cached(&format!("SELECT customer_id FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()
    }

    /// (interactions, deals, follow-ups, people) of customer `id`.
    fn dependents_of(&self, id: i64) -> Result<(i64, i64, i64, i64)> {
        let count = |sql: &str| -> Result<i64> { self.conn.query_row(sql, [id], |r| r.get(0)) };
        Ok((
            count("SELECT count(*) FROM interactions WHERE customer_id = ?1")?,
            count("SELECT count(*) FROM deals WHERE customer_id = ?1")?,
            count("SELECT count(*) FROM reminders WHERE customer_id = ?1")?,
            count("SELECT count(*) FROM customers WHERE company_id = ?1")?,
        ))
    }
}

/// A row the database refused while restoring record `id`, said so that the operator
/// knows why.
fn refused_row(entity: &str, id: i64, e: StoreError) -> StoreError {
    let why = match e.refusal() {
        Some(Refusal::ForeignKey) => format!(
            "{entity} #{id} belonged to a record that no longer exists (its customer, deal or stage); bring that back first"
        ),
        Some(Refusal::Unique) => {
            format!("a newer record has taken a number {entity} #{id} needs back")
        }
        Some(Refusal::Other(detail)) => format!("{entity} #{id} cannot be restored: {detail}"),
        None => return e,
    };
    StoreError::invalid("undo", why)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, NaiveDate};

    use super::*;
    use crate::domain::{
        Currency, CustomerDraft, CustomerKind, DealDraft, Direction, InteractionDraft,
        InteractionKind, Money, Phone, Recurrence, ReminderDraft, Role,
    };

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn today() -> NaiveDate {
        clock().date_naive()
    }

    /// A store signed in as `sara` (the admin), with `omid` (a manager) and `ali` (an
    /// agent), and customer #1 "Acme" with deal "Renewal" in `lead`.
    fn store() -> (Store, i64, i64) {
        let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
        store.sign_in("sara").unwrap();
        store
            .write(|w| {
                let omid = w.ensure_operator("omid", "Omid Karimi")?;
                w.set_operator_role(omid.id, Role::Manager)?;
                w.ensure_operator("ali", "Ali")?;
                Ok(())
            })
            .unwrap();
        let customer = store
            .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme"))
            .unwrap();
        let deal = store
            .add_deal(&DealDraft {
                customer_id: customer,
                title: "Renewal".into(),
                amount: Money::parse("12,000", Currency::EUR).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: store.actor().map(|a| a.id),
            })
            .unwrap();
        (store, customer, deal)
    }

    fn last_change(store: &Store) -> i64 {
        let me = store.actor().unwrap().id;
        store.last_change_by(me).unwrap().unwrap()
    }

    fn undo_last(store: &mut Store) -> Result<Undone> {
        let change = last_change(store);
        store.undo_change(change)
    }

    fn as_user(store: &mut Store, login: &str) {
        store.sign_in(login).unwrap();
    }

    #[test]
    fn an_edit_is_undone_by_a_new_change_and_both_stay_in_the_trail() {
        let (mut store, _, deal) = store();
        let before = store.deal(deal).unwrap();
        let mut change = before.change();
        change.title = "Renewal 2027".into();
        change.amount = Money::parse("15.000,50", Currency::EUR).unwrap();
        store
            .write(|w| w.update_deal(deal, before.version, &change, today()))
            .unwrap();
        let undone = undo_last(&mut store).unwrap();
        assert_eq!(
            undone.summary(),
            "Undone: deal #1 is as it was (title \"Renewal\", amount \"12,000.00 EUR\")"
        );
        let after = store.deal(deal).unwrap();
        assert_eq!(after.title, "Renewal");
        assert_eq!(after.amount, before.amount);
        assert_eq!(
            after.version,
            before.version + 2,
            "a new version, not the old one"
        );
        let trail = store.audit_entries(&Default::default()).unwrap();
        assert_eq!(trail[0].headline(), "changed deal #1 back (undo)");
        assert_eq!(trail[0].undoes, Some(trail[1].id));
        assert_eq!(trail[1].headline(), "changed deal #1");
        // Nothing of the edit is left to undo; the creation before it is next.
        let next = last_change(&store);
        assert_eq!(
            batch_entries(&store.conn, next).unwrap()[0]
                .entry
                .headline(),
            "created deal #1"
        );
    }

    #[test]
    fn marking_won_is_undone_back_to_the_stage_it_was_in() {
        let (mut store, _, deal) = store();
        store
            .write(|w| w.move_deal(deal, "negotiation").map(|_| ()))
            .unwrap();
        store
            .write(|w| w.mark_deal_won(deal, today()).map(|_| ()))
            .unwrap();
        undo_last(&mut store).unwrap();
        let d = store.deal(deal).unwrap();
        assert_eq!(
            (d.stage_key.as_str(), d.probability, d.closed_on),
            ("negotiation", 75, None)
        );
    }

    #[test]
    fn a_deleted_deal_comes_back_with_its_number_and_its_follow_up_linked_again() {
        let (mut store, customer, deal) = store();
        let followup = store
            .add_reminder(&ReminderDraft {
                customer_id: customer,
                deal_id: Some(deal),
                due_at: clock() + Duration::days(1),
                note: "Send the offer".into(),
                recurrence: None,
                owner_id: store.actor().map(|a| a.id),
            })
            .unwrap();
        let gone = store.write(|w| w.delete_deal(deal)).unwrap();
        assert_eq!(gone.title, "Renewal");
        assert!(store.deal(deal).is_err());
        assert_eq!(store.reminder(followup).unwrap().deal_id, None);
        let undone = undo_last(&mut store).unwrap();
        assert_eq!(
            undone.summary(),
            "Undone: deal #1 is back, with 1 other record"
        );
        let back = store.deal(deal).unwrap();
        assert_eq!((back.id, back.title.as_str()), (deal, "Renewal"));
        assert_eq!(back.created_at, gone.created_at);
        assert_eq!(store.reminder(followup).unwrap().deal_id, Some(deal));
    }

    #[test]
    fn undoing_a_creation_deletes_it_and_the_trail_keeps_it() {
        let (mut store, customer, _) = store();
        let id = store
            .log_interaction(&InteractionDraft {
                customer_id: customer,
                deal_id: None,
                kind: InteractionKind::Call,
                direction: Direction::In,
                occurred_at: clock(),
                operator_id: store.actor().map(|a| a.id),
                summary: "Asked for a discount".into(),
                outcome: None,
                satisfaction: Some(4),
                nps: None,
            })
            .unwrap();
        assert_eq!(
            undo_last(&mut store).unwrap().summary(),
            "Undone: interaction #1 is deleted again"
        );
        assert!(store.interaction(id).is_err());
        let trail = store.audit_entries(&Default::default()).unwrap();
        assert_eq!(trail[0].headline(), "deleted interaction #1 (undo)");
    }

    #[test]
    fn a_change_someone_made_since_stops_the_undo_until_they_undo_theirs() {
        let (mut store, _, deal) = store();
        store
            .write(|w| w.mark_deal_won(deal, today()).map(|_| ()))
            .unwrap();
        let mine = last_change(&store);
        as_user(&mut store, "omid");
        let d = store.deal(deal).unwrap();
        let mut change = d.change();
        change.title = "Renewal (signed)".into();
        store
            .write(|w| w.update_deal(deal, d.version, &change, today()))
            .unwrap();
        as_user(&mut store, "sara");
        let before = store.deal(deal).unwrap();
        let err = store.undo_change(mine).unwrap_err().to_string();
        assert!(
            err.starts_with("not undone: changed deal #1 at ")
                && err.contains("deal #1 was changed since, by Omid Karimi at 2026-11-2"),
            "{err}"
        );
        assert!(err.ends_with("nothing was changed"), "{err}");
        assert_eq!(store.deal(deal).unwrap(), before, "nothing written");
        // Once Omid takes his back, the record is as the change left it again.
        as_user(&mut store, "omid");
        undo_last(&mut store).unwrap();
        as_user(&mut store, "sara");
        store.undo_change(mine).unwrap();
        assert_eq!(store.deal(deal).unwrap().stage_key, "lead");
        // And it is done once.
        let err = store.undo_change(mine).unwrap_err().to_string();
        assert!(err.contains("it was undone already"), "{err}");
    }

    #[test]
    fn a_recurring_follow_up_done_is_undone_with_its_next_occurrence() {
        let (mut store, customer, _) = store();
        let id = store
            .add_reminder(&ReminderDraft {
                customer_id: customer,
                deal_id: None,
                due_at: clock() - Duration::hours(2),
                note: "Weekly check-in".into(),
                recurrence: Some(Recurrence::Weekly),
                owner_id: store.actor().map(|a| a.id),
            })
            .unwrap();
        let next = store
            .write(|w| w.complete_reminder(id, clock()))
            .unwrap()
            .unwrap();
        undo_last(&mut store).unwrap();
        assert!(!store.reminder(id).unwrap().is_done());
        assert!(store.reminder(next).is_err(), "the next one goes too");
    }

    #[test]
    fn a_customer_comes_back_whole_and_a_new_one_with_records_is_not_removed() {
        let (mut store, customer, deal) = store();
        let mut d = store.customer(customer).unwrap().draft();
        d.phones = vec![Phone::parse_labeled("work:+44 20 7946 0018").unwrap()];
        d.tags = vec!["key-account".into()];
        store.update_customer(customer, 1, &d).unwrap();
        let kept = store.customer(customer).unwrap();
        d.phones.clear();
        d.name = "Acme Ltd".into();
        store.update_customer(customer, kept.version, &d).unwrap();
        undo_last(&mut store).unwrap();
        let back = store.customer(customer).unwrap();
        assert_eq!(back.name, "Acme");
        assert_eq!(back.phones, kept.phones);
        assert_eq!(back.tags, ["key-account"]);
        // Deleted with its deal, and back with it.
        store.delete_customer(customer).unwrap();
        undo_last(&mut store).unwrap();
        assert_eq!(store.customer(customer).unwrap().phones, kept.phones);
        assert_eq!(store.deal(deal).unwrap().title, "Renewal");
        // A new customer's creation is not undone once it has a deal.
        let other = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Bahar"))
            .unwrap();
        let created = last_change(&store);
        store
            .add_deal(&DealDraft {
                customer_id: other,
                title: "Pilot".into(),
                amount: Money::parse("900", Currency::USD).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: store.actor().map(|a| a.id),
            })
            .unwrap();
        let err = store.undo_change(created).unwrap_err().to_string();
        assert!(err.contains("customer #2 has 1 deal since"), "{err}");
        assert!(store.customer(other).is_ok());
    }

    #[test]
    fn the_session_undoes_its_own_changes_newest_first() {
        let (mut store, _, deal) = store();
        store
            .write(|w| w.move_deal(deal, "proposal").map(|_| ()))
            .unwrap();
        store
            .write(|w| w.mark_deal_won(deal, today()).map(|_| ()))
            .unwrap();
        store.undo_session_change().unwrap().unwrap();
        assert_eq!(store.deal(deal).unwrap().stage_key, "proposal");
        store.undo_session_change().unwrap().unwrap();
        assert_eq!(store.deal(deal).unwrap().stage_key, "lead");
        store.undo_session_change().unwrap().unwrap();
        assert!(store.deal(deal).is_err(), "the deal's creation too");
        store.undo_session_change().unwrap().unwrap();
        assert!(store.customer(1).is_err());
        // Signing in others was no change of a record: nothing is left.
        assert!(store.undo_session_change().unwrap().is_none());
    }

    #[test]
    fn changes_are_listed_with_why_one_cannot_be_undone() {
        let (mut store, _, deal) = store();
        store
            .write(|w| {
                w.change_stage("proposal", Some("Offer sent"), None)
                    .map(|_| ())
            })
            .unwrap();
        let me = store.actor().unwrap().id;
        let listed = store.changes_by(me, 3).unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0].entries[0].headline(), "changed stage #3");
        assert!(
            listed[0].blocked.as_deref().unwrap().contains("not undone"),
            "{:?}",
            listed[0].blocked
        );
        assert_eq!(listed[1].entries[0].entity_id, deal);
        assert_eq!(listed[1].blocked, None);
    }
}
