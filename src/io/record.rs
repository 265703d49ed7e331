//! What the readers produce: contacts as a file states them, before any validation,
//! each with its position in the file and its original text (for a reject file).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::domain::{Customer, CustomerKind, KeptValue};

/// A value with the label or type the file gave it (`work`, `cell`, `Home Phone`…).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Labeled {
    pub label: Option<String>,
    pub value: String,
}

impl Labeled {
    pub fn new(label: Option<&str>, value: impl Into<String>) -> Self {
        Self {
            label: label.map(str::to_string).filter(|l| !l.trim().is_empty()),
            value: value.into(),
        }
    }
}

/// One contact read from a vCard or CSV file. Empty text is `None` / empty vectors;
/// nothing here is validated yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContactRecord {
    /// 1-based number of the record in its file (vCard: the card; CSV: the data row).
    pub record: usize,
    /// 1-based line of the file the record starts on.
    pub line: usize,
    /// `Some(Company)` when the file says it is an organisation (vCard `KIND:org`).
    pub kind: Option<CustomerKind>,
    /// The display name (vCard FN, or built from N; CSV name columns). May be empty.
    pub name: String,
    /// The organisation the contact works for (vCard ORG, CSV Company).
    pub company: Option<String>,
    /// Job title (vCard TITLE).
    pub title: Option<String>,
    /// Department (vCard ORG units after the name, Outlook "Department").
    pub department: Option<String>,
    pub nickname: Option<String>,
    /// The main phone (vCard PREF, Outlook "Primary Phone") first.
    pub phones: Vec<Labeled>,
    /// The main email first.
    pub emails: Vec<Labeled>,
    /// A postal address on one line (vCard ADR components joined with ", ").
    pub address: Option<String>,
    /// A second postal address, the same way.
    pub second_address: Option<String>,
    /// Birthday as written (vCard BDAY).
    pub birthday: Option<String>,
    /// A website (vCard URL, "Web Page").
    pub website: Option<String>,
    pub note: Option<String>,
    /// vCard CATEGORIES, CSV group/category columns.
    pub tags: Vec<String>,
    /// Values the reader could not use as what they claim to be, as written (a value
    /// in an unknown charset), to keep with the customer.
    pub kept: Vec<KeptValue>,
    /// What the reader noticed about this record, for the import report ("the card
    /// has no END:VCARD").
    pub warnings: Vec<String>,
    /// The record exactly as it stood in the file (decoded text), for `--skip-invalid`'s
    /// reject file.
    pub raw: String,
}

impl ContactRecord {
    /// A stored customer as a record, for export: phones with their extension
    /// (`… ext. 5`), the contact details, and values kept as written in the note.
    pub fn from_customer(c: &Customer) -> Self {
        let d = &c.details;
        let mut note = c.notes.clone();
        if !d.kept.is_empty() {
            let kept: Vec<String> = d
                .kept
                .iter()
                .map(|k| format!("Kept as written: {k}"))
                .collect();
            note = Some(match note {
                Some(n) => format!("{n}\n{}", kept.join("\n")),
                None => kept.join("\n"),
            });
        }
        Self {
            record: 0,
            line: 0,
            kind: Some(c.kind),
            name: c.name.clone(),
            company: c.company_name.clone(),
            title: d.title.clone(),
            department: d.department.clone(),
            nickname: d.nickname.clone(),
            phones: c
                .phones
                .iter()
                .map(|p| Labeled::new(Some(p.kind.as_str()), p.to_string()))
                .collect(),
            emails: c
                .emails
                .iter()
                .map(|e| Labeled::new(None, e.as_str()))
                .collect(),
            address: c.address.clone(),
            second_address: d.second_address.clone(),
            birthday: d.birthday.clone(),
            website: d.website.clone(),
            note,
            tags: c.tags.clone(),
            kept: Vec::new(),
            warnings: Vec::new(),
            raw: String::new(),
        }
    }
}

/// A record that could not be read or used: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub record: usize,
    pub line: usize,
    pub reason: String,
    /// The record's original text, written to the reject file.
    pub raw: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (line {}): {}",
            self.record, self.line, self.reason
        )
    }
}

/// Everything a reader got from one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReadOutcome {
    pub records: Vec<ContactRecord>,
    /// Records that could not be read at all (a malformed row).
    pub problems: Vec<Problem>,
    /// Records that are not contacts and were left out, with a note (`KIND:group`
    /// cards).
    pub not_contacts: usize,
    /// Properties or columns left out, by name, with how often (PHOTO: 3, X-ABLABEL: 9…).
    pub skipped: BTreeMap<String, usize>,
    /// The encoding the file was read in (`UTF-8`, `windows-1252`…).
    pub encoding: String,
    /// A CSV file's header line, written first in a reject file so it can be fixed
    /// and imported again.
    pub header: Option<String>,
    /// What the reader noticed about the whole file, for the report ("columns read as
    /// German", "quoted-printable values without a CHARSET read as ISO-8859-2").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A file that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}
