//! Customers: people and companies, with their phones, emails and tags.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{required_text, trim_optional, trim_required};
use super::{Cadence, ContactDue, Email, Phone, ValidationError};

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const NOTES_MAX: usize = 20_000;
pub const TAG_MAX: usize = 64;
/// Longest website address kept.
pub const WEBSITE_MAX: usize = 2_000;
/// Longest birthday text kept (as written: `1815-12-10`, `--07-04`, `20/01/1991`).
pub const BIRTHDAY_MAX: usize = 64;
/// Most values one customer keeps as written.
pub const KEPT_MAX: usize = 200;
/// Longest value kept as written.
pub const KEPT_VALUE_MAX: usize = 2_000;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the lowercase name, case-insensitively; the error lists what is allowed.
            pub fn parse(field: &str, text: &str) -> Result<Self, $crate::domain::ValidationError> {
                let t = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(t))
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        $crate::domain::ValidationError::new(
                            field,
                            format!("{t:?} is not one of: {}", allowed.join(", ")),
                        )
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// A customer is a person or a company; a person may belong to a company.
    CustomerKind { Person = "person", Company = "company" }
);

string_enum!(
    /// Where a customer stands with us.
    CustomerStatus { Lead = "lead", Active = "active", Inactive = "inactive", Lost = "lost" }
);

/// A stored customer with everything attached to the record itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: i64,
    pub kind: CustomerKind,
    pub name: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub address: Option<String>,
    pub tags: Vec<String>,
    pub owner_id: Option<i64>,
    pub owner_login: Option<String>,
    pub status: CustomerStatus,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// Its own contact cadence; `None`: its tags' or the default applies.
    pub cadence: Option<Cadence>,
    #[serde(default)]
    pub details: ContactDetails,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// The editable part, to change and save back.
    pub fn draft(&self) -> CustomerDraft {
        CustomerDraft {
            kind: self.kind,
            name: self.name.clone(),
            company_id: self.company_id,
            phones: self.phones.clone(),
            emails: self.emails.clone(),
            address: self.address.clone(),
            tags: self.tags.clone(),
            owner_id: self.owner_id,
            status: self.status,
            source: self.source.clone(),
            notes: self.notes.clone(),
            cadence: self.cadence,
            details: self.details.clone(),
        }
    }
}

/// A customer as entered, before it has an id. `validate` normalises it in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDraft {
    pub kind: CustomerKind,
    pub name: String,
    pub company_id: Option<i64>,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub address: Option<String>,
    pub tags: Vec<String>,
    pub owner_id: Option<i64>,
    pub status: CustomerStatus,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// Its own contact cadence; `None`: its tags' or the default applies.
    #[serde(default)]
    pub cadence: Option<Cadence>,
    #[serde(default)]
    pub details: ContactDetails,
}

/// What address books hold about a contact beyond names, phones and emails, as they
/// write it: imports fill it, `customer show` and the customer card show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactDetails {
    /// Job title (vCard TITLE, Outlook "Job Title").
    pub title: Option<String>,
    /// Department (vCard ORG units, Outlook "Department").
    pub department: Option<String>,
    pub nickname: Option<String>,
    /// As written (`1815-12-10`, `--07-04` without a year, `20/01/1991`).
    pub birthday: Option<String>,
    pub website: Option<String>,
    /// A second postal address on one line (the first is `address`).
    pub second_address: Option<String>,
    /// Values an import could not use as what they claim to be, kept as the file wrote
    /// them (a phone `1-800-FLOWERS`, an email `user@localhost`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<KeptValue>,
}

/// A value kept as written, with what the file said it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptValue {
    /// What the file called it: `phone`, `phone (work)`, `email`…
    pub field: String,
    pub value: String,
}

impl std::fmt::Display for KeptValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.value)
    }
}

impl ContactDetails {
    /// Nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Trims every field (blank becomes `None`) and checks lengths.
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        trim_optional("title", &mut self.title, NAME_MAX)?;
        trim_optional("department", &mut self.department, NAME_MAX)?;
        trim_optional("nickname", &mut self.nickname, NAME_MAX)?;
        trim_optional("birthday", &mut self.birthday, BIRTHDAY_MAX)?;
        trim_optional("website", &mut self.website, WEBSITE_MAX)?;
        trim_optional("second address", &mut self.second_address, ADDRESS_MAX)?;
        if self.kept.len() > KEPT_MAX {
            return Err(ValidationError::new(
                "kept",
                format!(
                    "{} values kept as written; at most {KEPT_MAX} are",
                    self.kept.len()
                ),
            ));
        }
        for k in &mut self.kept {
            trim_required("kept", &mut k.field, NAME_MAX)?;
            trim_required("kept", &mut k.value, KEPT_VALUE_MAX)?;
        }
        let mut seen = std::collections::HashSet::new();
        self.kept
            .retain(|k| seen.insert((k.field.clone(), k.value.clone())));
        Ok(())
    }

    /// Fills the fields not set here from `other`, and keeps the values it kept that
    /// are not kept here yet (a merge). Returns what changed.
    pub fn absorb(&mut self, other: &ContactDetails) -> Vec<&'static str> {
        let mut changed = Vec::new();
        for (name, mine, theirs) in [
            ("title", &mut self.title, &other.title),
            ("department", &mut self.department, &other.department),
            ("nickname", &mut self.nickname, &other.nickname),
            ("birthday", &mut self.birthday, &other.birthday),
            ("website", &mut self.website, &other.website),
            (
                "second address",
                &mut self.second_address,
                &other.second_address,
            ),
        ] {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                changed.push(name);
            }
        }
        let before = self.kept.len();
        for k in &other.kept {
            if !self.kept.contains(k) {
                self.kept.push(k.clone());
            }
        }
        if self.kept.len() > before {
            changed.push("kept");
        }
        changed
    }

    /// The fields that are set, as (label, text), in the order a card shows them.
    pub fn shown(&self) -> Vec<(&'static str, &str)> {
        [
            ("title", &self.title),
            ("department", &self.department),
            ("nickname", &self.nickname),
            ("birthday", &self.birthday),
            ("website", &self.website),
            ("2nd address", &self.second_address),
        ]
        .into_iter()
        .filter_map(|(label, v)| v.as_deref().map(|v| (label, v)))
        .collect()
    }
}

impl CustomerDraft {
    pub fn new(kind: CustomerKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            company_id: None,
            phones: Vec::new(),
            emails: Vec::new(),
            address: None,
            tags: Vec::new(),
            owner_id: None,
            status: CustomerStatus::Lead,
            source: None,
            notes: None,
            cadence: None,
            details: ContactDetails::default(),
        }
    }

    /// Checks every field, trims text, folds tags and drops exact duplicates
    /// (the same phone digits, email or tag twice).
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        trim_required("name", &mut self.name, NAME_MAX)?;
        trim_optional("address", &mut self.address, ADDRESS_MAX)?;
        trim_optional("source", &mut self.source, NAME_MAX)?;
        trim_optional("notes", &mut self.notes, NOTES_MAX)?;
        if let Some(cadence) = self.cadence {
            cadence.check("cadence")?;
        }
        self.details.validate()?;
        if self.kind == CustomerKind::Company && self.company_id.is_some() {
            return Err(ValidationError::new(
                "company",
                "a company cannot belong to another company",
            ));
        }
        if !self.tags.is_empty() {
            let mut tags: Vec<String> = Vec::with_capacity(self.tags.len());
            for tag in &self.tags {
                let tag = normalise_tag(tag)?;
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            self.tags = tags;
        }
        // Nothing to compare with one phone or one email.
        if self.phones.len() > 1 {
            let mut seen = std::collections::HashSet::new();
            // Two extensions of one switchboard are two numbers.
            self.phones
                .retain(|p| seen.insert((p.digits.clone(), p.extension.clone())));
        }
        if self.emails.len() > 1 {
            let mut seen = std::collections::HashSet::new();
            self.emails
                .retain(|e| seen.insert(e.as_str().to_lowercase()));
        }
        Ok(())
    }
}

/// Tags are trimmed, lowercased and free of spaces inside (`key account` → `key-account`).
pub fn normalise_tag(tag: &str) -> Result<String, ValidationError> {
    let t = required_text("tag", tag, TAG_MAX)?;
    if t.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "tag",
            format!("{t:?} contains a control character"),
        ));
    }
    Ok(t.split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase())
}

/// Everything known about one customer, as a detail view or `customer show` presents it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerCard {
    #[serde(flatten)]
    pub customer: Customer,
    /// For a company: the people who belong to it.
    pub people: Vec<CustomerSummary>,
    /// The latest interactions, newest first.
    pub interactions: Vec<crate::domain::Interaction>,
    pub deals: Vec<crate::domain::Deal>,
    /// Open follow-ups, soonest first.
    pub reminders: Vec<crate::domain::Reminder>,
    /// The cadence it is held to (own, a tag's or the default); `None`: not tracked.
    pub contact: Option<ContactDue>,
    /// What it has bought and is worth (see `domain::value`); `None`: nothing bought yet.
    pub value: Option<crate::domain::CustomerValue>,
}

/// One row of a customer list: enough to show and sort, cheap to load in bulk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub kind: CustomerKind,
    pub name: String,
    pub company_name: Option<String>,
    pub main_phone: Option<String>,
    pub main_email: Option<String>,
    pub status: CustomerStatus,
    pub owner_login: Option<String>,
    pub last_contact: Option<DateTime<Utc>>,
    /// Open deal value per currency, largest first.
    pub open_deals: Vec<crate::domain::MoneyTotal>,
    /// Follow-ups not yet done.
    pub open_reminders: i64,
    /// The cadence it is held to (own, a tag's or the default); `None`: not tracked.
    pub contact: Option<ContactDue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_trims_and_dedupes() {
        let mut d = CustomerDraft::new(CustomerKind::Person, "  Ada Lovelace ");
        d.tags = vec!["Key Account".into(), "key-account".into(), "VIP".into()];
        d.phones = vec![
            Phone::parse_labeled("+44 20 1234 5678").unwrap(),
            Phone::parse_labeled("work:+44 (20) 1234-5678").unwrap(),
        ];
        d.emails = vec![
            Email::parse("ada@x.org").unwrap(),
            Email::parse("ADA@x.org").unwrap(),
        ];
        d.validate().unwrap();
        assert_eq!(d.name, "Ada Lovelace");
        assert_eq!(d.tags, vec!["key-account", "vip"]);
        assert_eq!(d.phones.len(), 1);
        assert_eq!(d.emails.len(), 1);
    }

    #[test]
    fn refuses_empty_name_and_company_in_company() {
        assert_eq!(
            CustomerDraft::new(CustomerKind::Person, " ")
                .validate()
                .unwrap_err()
                .field,
            "name"
        );
        let mut c = CustomerDraft::new(CustomerKind::Company, "Acme");
        c.company_id = Some(3);
        assert_eq!(c.validate().unwrap_err().field, "company");
    }

    #[test]
    fn enum_parse_lists_allowed_values() {
        assert_eq!(
            CustomerStatus::parse("status", "Active").unwrap(),
            CustomerStatus::Active
        );
        let err = CustomerStatus::parse("status", "gone").unwrap_err();
        assert_eq!(
            err.to_string(),
            "status: \"gone\" is not one of: lead, active, inactive, lost"
        );
    }
}
