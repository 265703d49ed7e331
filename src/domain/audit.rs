//! The audit trail: who created, changed or deleted what, when, and which fields
//! went from what to what.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::customer::string_enum;

string_enum!(
    /// What happened to a record.
    AuditAction { Create = "create", Update = "update", Delete = "delete" }
);

/// The entity of the one entry that records a whole batch of generated demo data
/// (`rapport demo`): who generated it, when, which customer ids and how many records.
/// No entry per generated record exists, so to a reader of the trail as a feed of
/// changes it means "everything may have changed".
pub const DEMO_ENTITY: &str = "demo";

/// The field of a demo entry naming the customers it generated, as
/// [`demo_customer_ids`] writes them.
pub const DEMO_CUSTOMERS_FIELD: &str = "customer ids";

/// `#1 to #500`: the customers a batch of demo data created.
pub fn demo_customer_ids(first: i64, last: i64) -> String {
    format!("#{first} to #{last}")
}

/// A record's fields as text, in a fixed order: what the trail compares.
/// `None` is an empty field.
pub type Fields = Vec<(&'static str, Option<String>)>;

/// One field that changed. Created records have no `old`, deleted ones no `new`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// The fields that differ between `old` and `new`. A creation (`old` is `None`) lists
/// every field the new record has; a deletion every field the old one had.
pub fn changes(old: Option<&Fields>, new: Option<&Fields>) -> Vec<FieldChange> {
    let value = |fields: Option<&Fields>, name: &str| -> Option<String> {
        fields?
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    };
    let mut names: Vec<&'static str> = Vec::new();
    for (name, _) in old.into_iter().chain(new).flatten() {
        if !names.contains(name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let (old, new) = (value(old, name), value(new, name));
            (old != new).then(|| FieldChange {
                field: name.to_string(),
                old,
                new,
            })
        })
        .collect()
}

/// One entry of the trail, as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The operator who did it; `None` for Rapport itself (migrations) or a removed operator.
    pub operator_login: Option<String>,
    pub operator_name: Option<String>,
    /// "customer", "deal", "follow-up", "interaction", "operator", "kpi", "setting",
    /// or [`DEMO_ENTITY`].
    pub entity: String,
    pub entity_id: i64,
    /// The customer the record belongs to, kept after the customer is deleted.
    pub customer_id: Option<i64>,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
    /// For an undo, the entry it takes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<i64>,
}

impl AuditEntry {
    /// For a demo entry, the ids of the customers it generated (their history starts
    /// with it).
    pub fn generated_customers(&self) -> Option<std::ops::RangeInclusive<i64>> {
        if self.entity != DEMO_ENTITY {
            return None;
        }
        let ids = self
            .changes
            .iter()
            .find(|c| c.field == DEMO_CUSTOMERS_FIELD)?
            .new
            .as_deref()?;
        let (first, last) = ids.split_once(" to ")?;
        let id = |s: &str| s.trim().trim_start_matches('#').parse::<i64>().ok();
        Some(id(first)?..=id(last)?)
    }

    /// Who did it, for people: the display name, else the login, else "Rapport".
    pub fn who(&self) -> &str {
        self.operator_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.operator_login.as_deref())
            .unwrap_or("Rapport")
    }

    /// "created customer #12", "changed deal #4", "deleted follow-up #9"; "generated
    /// demo data" for the entry of a whole batch of it. An undo says so: "restored
    /// deal #4 (undo)", "changed deal #4 back (undo)", "deleted deal #4 (undo)".
    pub fn headline(&self) -> String {
        if self.entity == DEMO_ENTITY {
            return "generated demo data".to_string();
        }
        let (entity, id) = (&self.entity, self.entity_id);
        match (self.action, self.undoes.is_some()) {
            (AuditAction::Create, false) => format!("created {entity} #{id}"),
            (AuditAction::Update, false) => format!("changed {entity} #{id}"),
            (AuditAction::Delete, false) => format!("deleted {entity} #{id}"),
            (AuditAction::Create, true) => format!("restored {entity} #{id} (undo)"),
            (AuditAction::Update, true) => format!("changed {entity} #{id} back (undo)"),
            (AuditAction::Delete, true) => format!("deleted {entity} #{id} (undo)"),
        }
    }
}

impl FieldChange {
    /// For a change, `name: "Ali" → "Ali Rezaei"` (an empty value shows as `—`); for a
    /// creation or deletion just the value the record had: `name: "Ali"`.
    pub fn describe(&self, action: AuditAction) -> String {
        // Quoted as typed: `{:?}` would escape the zero-width non-joiner of Persian
        // names. Whoever prints this makes control characters visible.
        let show = |v: &Option<String>| match v {
            Some(v) => format!("\"{v}\""),
            None => "—".to_string(),
        };
        match action {
            AuditAction::Create => format!("{}: {}", self.field, show(&self.new)),
            AuditAction::Delete => format!("{}: {}", self.field, show(&self.old)),
            AuditAction::Update => {
                format!("{}: {} → {}", self.field, show(&self.old), show(&self.new))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, Option<&str>)]) -> Fields {
        pairs
            .iter()
            .map(|(n, v)| (*n, v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn an_update_lists_only_what_changed_with_old_and_new() {
        let old = fields(&[
            ("name", Some("Ali")),
            ("notes", None),
            ("status", Some("lead")),
        ]);
        let new = fields(&[
            ("name", Some("Ali Rezaei")),
            ("notes", Some("VIP")),
            ("status", Some("lead")),
        ]);
        let c = changes(Some(&old), Some(&new));
        let described: Vec<String> = c.iter().map(|c| c.describe(AuditAction::Update)).collect();
        assert_eq!(
            described,
            ["name: \"Ali\" → \"Ali Rezaei\"", "notes: — → \"VIP\""]
        );
    }

    #[test]
    fn a_creation_lists_every_field_it_has_and_a_deletion_every_field_it_had() {
        let record = fields(&[
            ("name", Some("Олег")),
            ("notes", None),
            ("tags", Some("vip")),
        ]);
        let created = changes(None, Some(&record));
        assert_eq!(created.len(), 2);
        assert_eq!(created[0].describe(AuditAction::Create), "name: \"Олег\"");
        assert!(created.iter().all(|c| c.old.is_none() && c.new.is_some()));
        let deleted = changes(Some(&record), None);
        assert_eq!(deleted.len(), 2);
        assert!(deleted.iter().all(|c| c.new.is_none() && c.old.is_some()));
    }

    #[test]
    fn persian_names_read_as_written() {
        let change = FieldChange {
            field: "name".into(),
            old: None,
            new: Some("می\u{200c}خواهم".into()),
        };
        assert_eq!(
            change.describe(AuditAction::Create),
            "name: \"می\u{200c}خواهم\""
        );
    }

    #[test]
    fn nothing_changed_is_no_change() {
        let record = fields(&[("name", Some("مریم"))]);
        assert!(changes(Some(&record), Some(&record)).is_empty());
    }
}
