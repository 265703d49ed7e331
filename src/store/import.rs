//! What an import needs from the store: the phones, emails and companies already
//! known (read once, then kept up to date in memory as records are written), and
//! merging an incoming customer into an existing one.

use std::collections::HashMap;

use super::{Result, Writer};
use crate::domain::{CustomerDraft, CustomerKind};
use crate::text::fold;

/// Existing customers by phone (national digits), email (lower case) and, for
/// companies, folded name.
#[derive(Debug, Default)]
pub struct KnownContacts {
    pub phones: HashMap<String, i64>,
    pub emails: HashMap<String, i64>,
    pub companies: HashMap<String, i64>,
}

impl KnownContacts {
    /// The customer `draft` duplicates, by phone or email, and why.
    pub fn find(&self, draft: &CustomerDraft) -> Option<(i64, String)> {
        for p in &draft.phones {
            let (national, _) = super::duplicates::phone_columns(p);
            if let Some(id) = self.phones.get(&national).filter(|_| national.len() >= 6) {
                return Some((*id, format!("same phone {}", p.raw)));
            }
        }
        for e in &draft.emails {
            if let Some(id) = self.emails.get(&e.as_str().to_lowercase()) {
                return Some((*id, format!("same email {}", e.as_str())));
            }
        }
        None
    }

    /// Remembers `draft`'s phones, emails (and name, for a company) as customer `id`.
    pub fn learn(&mut self, id: i64, draft: &CustomerDraft) {
        for p in &draft.phones {
            let (national, _) = super::duplicates::phone_columns(p);
            self.phones.entry(national).or_insert(id);
        }
        for e in &draft.emails {
            self.emails.entry(e.as_str().to_lowercase()).or_insert(id);
        }
        if draft.kind == CustomerKind::Company {
            self.companies.entry(fold(&draft.name)).or_insert(id);
        }
    }

    pub fn company(&self, name: &str) -> Option<i64> {
        self.companies.get(&fold(name)).copied()
    }
}

impl Writer<'_> {
    /// Every phone, email and company name in the database, for matching imports.
    pub fn known_contacts(&self) -> Result<KnownContacts> {
        let mut known = KnownContacts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT national, customer_id FROM customer_phones ORDER BY customer_id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (national, id) = row?;
            known.phones.entry(national).or_insert(id);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT address_key, customer_id FROM customer_emails ORDER BY customer_id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (key, id) = row?;
            known.emails.entry(key).or_insert(id);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT name_key, id FROM customers WHERE kind = 'company' ORDER BY id")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (key, id) = row?;
            known.companies.entry(key).or_insert(id);
        }
        Ok(known)
    }

    /// Merges `incoming` into customer `id`: phones, emails and tags it lacks are added;
    /// an empty company, address, source or cadence is filled; a note it does not hold
    /// yet is appended. Returns what changed (empty: nothing new).
    pub fn absorb(&mut self, id: i64, incoming: &CustomerDraft) -> Result<Vec<&'static str>> {
        let current = super::customers::load_customer(self.conn, id)?;
        let mut d = current.draft();
        let mut changed = Vec::new();
        let before = d.phones.len();
        for p in &incoming.phones {
            if !d.phones.iter().any(|q| q.digits == p.digits) {
                d.phones.push(p.clone());
            }
        }
        if d.phones.len() > before {
            changed.push("phones");
        }
        let before = d.emails.len();
        for e in &incoming.emails {
            if !d
                .emails
                .iter()
                .any(|q| q.as_str().eq_ignore_ascii_case(e.as_str()))
            {
                d.emails.push(e.clone());
            }
        }
        if d.emails.len() > before {
            changed.push("emails");
        }
        let before = d.tags.len();
        for t in &incoming.tags {
            if !d.tags.contains(t) {
                d.tags.push(t.clone());
            }
        }
        if d.tags.len() > before {
            changed.push("tags");
        }
        let fill = |slot: &mut Option<String>, value: &Option<String>| {
            if slot.is_none() && value.is_some() {
                slot.clone_from(value);
                true
            } else {
                false
            }
        };
        if fill(&mut d.address, &incoming.address) {
            changed.push("address");
        }
        if fill(&mut d.source, &incoming.source) {
            changed.push("source");
        }
        if d.company_id.is_none() && incoming.company_id.is_some() && d.kind == CustomerKind::Person
        {
            d.company_id = incoming.company_id;
            changed.push("company");
        }
        if d.cadence.is_none() && incoming.cadence.is_some() {
            d.cadence = incoming.cadence;
            changed.push("cadence");
        }
        if let Some(note) = &incoming.notes
            && !d.notes.as_deref().unwrap_or("").contains(note.as_str())
        {
            d.notes = Some(match d.notes.take() {
                Some(old) if !old.is_empty() => format!("{old}\n\n{note}"),
                _ => note.clone(),
            });
            changed.push("notes");
        }
        if !changed.is_empty() {
            self.update_customer(id, current.version, &d)?;
        }
        Ok(changed)
    }
}
