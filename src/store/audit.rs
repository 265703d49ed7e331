//! The audit trail: every write records who changed what (field by field, old → new)
//! in `audit_log`, in the same transaction as the change itself.

use super::db::{OptionalExtension, Row};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;

use super::sql_types::from_secs;
use super::{Result, Store, StoreError, Writer};
use crate::domain::audit::{self, AuditAction, AuditEntry, DEMO_ENTITY, FieldChange, Fields};
use crate::domain::{Customer, CustomerDraft, Deal, InteractionDraft, Operator, Reminder};

/// Company names and operator logins already looked up, so a bulk import asks once
/// per company and owner rather than once per customer.
#[derive(Debug, Default)]
pub struct NameCache {
    companies: rustc_hash::FxHashMap<i64, Option<String>>,
    logins: rustc_hash::FxHashMap<i64, Option<String>>,
}

/// `audit_log.changes` as stored, compactly (an import writes one per customer): a JSON
/// array with one array per field, `[field, new]` for a creation, `[field, old]` for a
/// deletion and `[field, old, new]` for a change; `null` is empty.
fn encode(action: AuditAction, changes: &[FieldChange]) -> serde_json::Result<String> {
    match action {
        AuditAction::Create => serde_json::to_string(
            &changes
                .iter()
                .map(|c| (&c.field, &c.new))
                .collect::<Vec<_>>(),
        ),
        AuditAction::Delete => serde_json::to_string(
            &changes
                .iter()
                .map(|c| (&c.field, &c.old))
                .collect::<Vec<_>>(),
        ),
        AuditAction::Update => serde_json::to_string(
            &changes
                .iter()
                .map(|c| (&c.field, &c.old, &c.new))
                .collect::<Vec<_>>(),
        ),
    }
}

/// Reads back what `encode` stored, or the `{field, old, new}` objects `rapport audit
/// --json` prints (as a JSON backup edited by hand may hold).
pub(super) fn decode(action: AuditAction, text: &str) -> serde_json::Result<Vec<FieldChange>> {
    compact(action, text).or_else(|e| serde_json::from_str(text).map_err(|_| e))
}

fn compact(action: AuditAction, text: &str) -> serde_json::Result<Vec<FieldChange>> {
    type Pair = (String, Option<String>);
    Ok(match action {
        AuditAction::Create => serde_json::from_str::<Vec<Pair>>(text)?
            .into_iter()
            .map(|(field, new)| FieldChange {
                field,
                old: None,
                new,
            })
            .collect(),
        AuditAction::Delete => serde_json::from_str::<Vec<Pair>>(text)?
            .into_iter()
            .map(|(field, old)| FieldChange {
                field,
                old,
                new: None,
            })
            .collect(),
        AuditAction::Update => {
            serde_json::from_str::<Vec<(String, Option<String>, Option<String>)>>(text)?
                .into_iter()
                .map(|(field, old, new)| FieldChange { field, old, new })
                .collect()
        }
    })
}

/// What `encode` stores for a record created with `fields`, written directly (bulk
/// imports write one per customer).
fn created_json(fields: &Fields) -> String {
    let mut out = Vec::with_capacity(192);
    out.push(b'[');
    for (name, value) in fields {
        let Some(value) = value else { continue };
        if out.len() > 1 {
            out.push(b',');
        }
        out.push(b'[');
        // Writing JSON strings into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b',');
        let _ = serde_json::to_writer(&mut out, value);
        out.push(b']');
    }
    out.push(b']');
    String::from_utf8(out).unwrap_or_default()
}

/// What `rapport audit` asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries about this customer and everything of theirs (deals, follow-ups, interactions).
    pub customer_id: Option<i64>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<usize>,
}

/// Who last changed a record and when: for "changed by NAME at TIME".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastChange {
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

fn text(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

fn join<T>(items: &[T], show: impl Fn(&T) -> String) -> Option<String> {
    (!items.is_empty()).then(|| items.iter().map(show).collect::<Vec<_>>().join(", "))
}

/// To the minute, or to the second when it has seconds: the trail never hides a change.
fn instant(at: DateTime<Utc>) -> String {
    if chrono::Timelike::second(&at) == 0 {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A customer's fields, with its company and owner by name.
pub(super) fn customer_fields(
    d: &CustomerDraft,
    company: Option<String>,
    owner: Option<String>,
) -> Fields {
    vec![
        ("kind", text(d.kind)),
        ("name", text(&d.name)),
        ("company", company),
        (
            "phones",
            join(&d.phones, |p| format!("{} {p}", p.kind.as_str())),
        ),
        ("emails", join(&d.emails, |e| e.as_str().to_string())),
        ("address", d.address.clone()),
        ("tags", join(&d.tags, String::clone)),
        ("status", text(d.status)),
        ("source", d.source.clone()),
        ("notes", d.notes.clone()),
        ("owner", owner),
        ("cadence", d.cadence.map(|c| c.to_string())),
        ("title", d.details.title.clone()),
        ("department", d.details.department.clone()),
        ("nickname", d.details.nickname.clone()),
        ("birthday", d.details.birthday.clone()),
        ("website", d.details.website.clone()),
        ("second address", d.details.second_address.clone()),
        ("kept as written", join(&d.details.kept, |k| k.to_string())),
    ]
}

pub(super) fn stored_customer_fields(c: &Customer) -> Fields {
    customer_fields(&c.draft(), c.company_name.clone(), c.owner_login.clone())
}

fn deal_fields(d: &Deal) -> Fields {
    vec![
        ("title", text(&d.title)),
        ("customer", text(&d.customer_name)),
        ("amount", text(d.amount)),
        ("stage", text(&d.stage_key)),
        ("probability", text(format!("{}%", d.probability))),
        ("expected close", day(d.expected_close)),
        ("owner", d.owner_login.clone()),
        ("closed on", day(d.closed_on)),
        ("lost reason", d.lost_reason.clone()),
    ]
}

fn reminder_fields(r: &Reminder) -> Fields {
    vec![
        ("customer", text(&r.customer_name)),
        ("deal", r.deal_id.map(|id| format!("#{id}"))),
        ("due", text(instant(r.due_at))),
        ("note", text(&r.note)),
        ("repeats", r.recurrence.map(|x| x.as_text())),
        ("done", r.done_at.map(instant)),
        ("snoozed until", r.snoozed_until.map(instant)),
        ("owner", r.owner_login.clone()),
    ]
}

fn operator_fields(o: &Operator) -> Fields {
    vec![
        ("login", text(&o.login)),
        ("name", text(&o.display_name)),
        ("role", text(o.role)),
    ]
}

pub(super) fn row_to_entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let action: AuditAction = r.get(7)?;
    let changes: String = r.get(8)?;
    let changes = decode(action, &changes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(AuditEntry {
        id: r.get(0)?,
        at: from_secs(r.get(1)?),
        operator_login: r.get(2)?,
        operator_name: r.get(3)?,
        entity: r.get(4)?,
        entity_id: r.get(5)?,
        customer_id: r.get(6)?,
        action,
        changes,
        undoes: r.get(9)?,
    })
}

pub(super) const SELECT_ENTRY: &str = "
SELECT a.id, a.at, o.login, o.display_name, a.entity, a.entity_id, a.customer_id, a.action, a.changes,
       a.undoes
FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id";

impl Store {
    /// The audit trail, newest first (by when it happened: demo data and imported
    /// deals are dated in the past).
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = format!("{SELECT_ENTRY} WHERE a.at >= ?2");
        if filter.customer_id.is_some() {
            sql.push_str(" AND a.customer_id = ?1");
        }
        sql.push_str(" ORDER BY a.at DESC, a.id DESC LIMIT ?3");
        let limit = filter.limit.map_or(super::db::NO_LIMIT, |l| l as i64);
        let since = filter.since.map_or(i64::MIN, |t| t.timestamp());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![filter.customer_id, since, limit], row_to_entry)?;
        let mut entries: Vec<AuditEntry> = rows.collect::<rusqlite::Result<_>>()?;
        if let Some(id) = filter.customer_id {
            // Demo data has one entry for all the customers it generated, not one each.
            let mut stmt = self.conn.prepare_cached(&format!(
                "{SELECT_ENTRY} WHERE a.entity = ?1 AND a.entity_id >= ?2 AND a.at >= ?3"
            ))?;
            let demo = stmt.query_map(params![DEMO_ENTITY, id, since], row_to_entry)?;
            for entry in demo {
                let entry = entry?;
                if entry
                    .generated_customers()
                    .is_some_and(|ids| ids.contains(&id))
                {
                    entries.push(entry);
                }
            }
            entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
            if let Some(limit) = filter.limit {
                entries.truncate(limit);
            }
        }
        Ok(entries)
    }
}

impl Writer<'_> {
    /// Appends to the audit trail. An update that changed nothing is not recorded.
    pub(super) fn audit(
        &self,
        entity: &'static str,
        entity_id: i64,
        customer_id: Option<i64>,
        action: AuditAction,
        changes: Vec<FieldChange>,
    ) -> Result<()> {
        if !self.trail || (changes.is_empty() && action == AuditAction::Update) {
            return Ok(());
        }
        let json =
            encode(action, &changes).map_err(|e| StoreError::Message(format!("audit: {e}")))?;
        if self.undo.borrow().is_off() {
            self.conn
                .prepare_cached(
                    "INSERT INTO audit_log (at, operator_id, entity, entity_id, customer_id, action, changes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    self.now,
                    self.actor_id(),
                    entity,
                    entity_id,
                    customer_id,
                    action,
                    json
                ])?;
            return Ok(());
        }
        let undo = self.undo_columns(entity, entity_id, action)?;
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO audit_log (at, operator_id, entity, entity_id, customer_id, action, changes,
                                        batch, undoes, version_after, before)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            )?
            .query_row(params![
                self.now,
                self.actor_id(),
                entity,
                entity_id,
                customer_id,
                action,
                json,
                undo.batch,
                undo.undoes,
                undo.version_after,
                undo.before
            ], |r| r.get(0))?;
        self.entry_written(id);
        Ok(())
    }

    /// Records the difference between two states of one record.
    pub(super) fn audit_diff(
        &self,
        entity: &'static str,
        entity_id: i64,
        customer_id: Option<i64>,
        old: Option<&Fields>,
        new: Option<&Fields>,
    ) -> Result<()> {
        let action = match (old, new) {
            (None, _) => AuditAction::Create,
            (Some(_), None) => AuditAction::Delete,
            (Some(_), Some(_)) => AuditAction::Update,
        };
        self.audit(
            entity,
            entity_id,
            customer_id,
            action,
            audit::changes(old, new),
        )
    }

    /// Records a change to a setting (KPI targets, cadences): entity "setting".
    pub(super) fn audit_setting(
        &self,
        field: &str,
        old: Option<String>,
        new: Option<String>,
    ) -> Result<()> {
        self.audit_field("setting", 0, None, field, old, new)
    }

    /// Records that one field of a record changed (when it did).
    pub(super) fn audit_field(
        &self,
        entity: &'static str,
        entity_id: i64,
        customer_id: Option<i64>,
        field: &str,
        old: Option<String>,
        new: Option<String>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let change = FieldChange {
            field: field.to_string(),
            old,
            new,
        };
        self.audit(
            entity,
            entity_id,
            customer_id,
            AuditAction::Update,
            vec![change],
        )
    }

    /// The trail's JSON for a customer created from `d` (bulk imports write it themselves).
    pub(super) fn created_customer_changes(
        &self,
        d: &CustomerDraft,
        names: &mut NameCache,
    ) -> Result<String> {
        Ok(created_json(&self.draft_state_with(d, names)?))
    }

    pub(super) fn customer_state(&self, id: i64) -> Result<Fields> {
        Ok(stored_customer_fields(&super::customers::load_customer(
            self.conn, id,
        )?))
    }

    /// A new customer's fields from its (validated) draft, naming company and owner.
    pub(super) fn draft_state(&self, d: &CustomerDraft) -> Result<Fields> {
        self.draft_state_with(d, &mut NameCache::default())
    }

    fn draft_state_with(&self, d: &CustomerDraft, names: &mut NameCache) -> Result<Fields> {
        let company = match d.company_id {
            Some(id) => match names.companies.get(&id) {
                Some(name) => name.clone(),
                None => {
                    let name: Option<String> = self
                        .conn
                        .prepare_cached("SELECT name FROM customers WHERE id = ?1")?
                        .query_row([id], |r| r.get(0))
                        .optional()?;
                    names.companies.insert(id, name.clone());
                    name
                }
            },
            None => None,
        };
        let owner = match d.owner_id {
            Some(id) => match names.logins.get(&id) {
                Some(login) => login.clone(),
                None => {
                    let login = self.login_of(id)?;
                    names.logins.insert(id, login.clone());
                    login
                }
            },
            None => None,
        };
        Ok(customer_fields(d, company, owner))
    }

    fn login_of(&self, operator_id: i64) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT login FROM operators WHERE id = ?1")?
            .query_row([operator_id], |r| r.get(0))
            .optional()
    }

    pub(super) fn deal_state(&self, deal: &Deal) -> Fields {
        deal_fields(deal)
    }

    pub(super) fn reminder_state(&self, r: &Reminder) -> Fields {
        reminder_fields(r)
    }

    pub(super) fn operator_state(&self, o: &Operator) -> Fields {
        operator_fields(o)
    }

    pub(super) fn interaction_state(&self, d: &InteractionDraft) -> Result<Fields> {
        let operator = match d.operator_id {
            Some(id) => self.login_of(id)?,
            None => None,
        };
        Ok(vec![
            ("deal", d.deal_id.map(|id| format!("#{id}"))),
            ("kind", text(d.kind)),
            ("direction", text(d.direction)),
            ("when", text(instant(d.occurred_at))),
            ("operator", operator),
            ("summary", text(&d.summary)),
            ("outcome", d.outcome.clone()),
            ("satisfaction", d.satisfaction.map(|s| format!("{s}/5"))),
            ("nps", d.nps.map(|n| format!("{n}/10"))),
        ])
    }

    /// The id for a new record of `table`: past the highest one stored and the highest
    /// the trail has ever seen, so a deleted record's number (and its history) never
    /// passes to a new one, as SQLite's own choice (highest stored + 1) would.
    pub(super) fn next_id(&self, table: &str, entity: &str) -> Result<i64> {
        if self.conn.dialect() == super::db::Dialect::Postgres {
            // The table's identity sequence: never the same id twice, whoever asks
            // at the same time.
            return self.conn.query_row(
                "SELECT nextval(pg_get_serial_sequence(?1, 'id'))",
                [table],
                |r| r.get(0),
            );
        }
        // Table names come from the store's own calls, never from input.
        self.conn
            .prepare_cached(&format!(
                "SELECT max(coalesce((SELECT max(id) FROM {table}), 0),
                        coalesce((SELECT max(entity_id) FROM audit_log WHERE entity = ?1), 0)) + 1"
            ))?
            .query_row([entity], |r| r.get(0))
    }

    /// Records that the ids of `table` up to `last` are taken: a bulk write numbers
    /// its rows itself from [`Writer::next_id`] on. On PostgreSQL the identity
    /// sequence moves past them (writers take turns, so nobody drew from it
    /// meanwhile); SQLite reads the next id from the rows themselves.
    pub(super) fn ids_taken_through(&self, table: &str, last: i64) -> Result<()> {
        if self.conn.dialect() == super::db::Dialect::Postgres {
            self.conn.query_row(
                "SELECT setval(pg_get_serial_sequence(?1, 'id'), ?2)",
                params![table, last],
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    /// Who made the latest change to a record, from the trail; else its `updated_at`.
    pub(super) fn last_change(&self, entity: &str, id: i64, table: &str) -> Option<LastChange> {
        let from_trail = self
            .conn
            .prepare_cached(
                "SELECT coalesce(nullif(o.display_name, ''), o.login), a.at
                 FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id
                 WHERE a.entity = ?1 AND a.entity_id = ?2 ORDER BY a.id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![entity, id], |r| {
                    Ok(LastChange {
                        by: r.get(0)?,
                        at: from_secs(r.get(1)?),
                    })
                })
                .optional()
            })
            .ok()
            .flatten();
        from_trail.or_else(|| {
            self.conn
                .query_row(
                    &format!("SELECT updated_at FROM {table} WHERE id = ?1"),
                    [id],
                    |r| r.get(0),
                )
                .ok()
                .map(|at| LastChange {
                    by: None,
                    at: from_secs(at),
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_json_of_a_creation_is_what_the_trail_writes_for_one() {
        let fields: Fields = vec![
            ("name", Some("Олег \"Oleg\" می\u{200c}خواهم".into())),
            ("company", None),
            ("notes", Some("line\nbreak".into())),
        ];
        let changes = audit::changes(None, Some(&fields));
        let one = encode(AuditAction::Create, &changes).unwrap();
        assert_eq!(created_json(&fields), one);
        assert_eq!(created_json(&vec![("name", None)]), "[]");
        assert_eq!(decode(AuditAction::Create, &one).unwrap(), changes);
    }

    #[test]
    fn every_kind_of_entry_reads_back_as_written() {
        let old: Fields = vec![("name", Some("Ali".into())), ("notes", None)];
        let new: Fields = vec![("name", Some("علی".into())), ("notes", Some("VIP".into()))];
        for (action, changes) in [
            (AuditAction::Create, audit::changes(None, Some(&new))),
            (AuditAction::Update, audit::changes(Some(&old), Some(&new))),
            (AuditAction::Delete, audit::changes(Some(&old), None)),
        ] {
            let stored = encode(action, &changes).unwrap();
            assert_eq!(decode(action, &stored).unwrap(), changes, "{stored}");
            let objects = serde_json::to_string(&changes).unwrap();
            assert_eq!(decode(action, &objects).unwrap(), changes, "{objects}");
        }
    }
}
