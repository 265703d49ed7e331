//! A record read from a file as a customer draft, by the import policy: keep the
//! contact, flag the field. A value that cannot be used as what the file says it is
//! (a phone `1-800-FLOWERS`, an email `user@localhost`, a tag too long) is kept with
//! the customer as written and listed in the report; a placeholder (`n/a`, `pager`)
//! is dropped with a note. A record is refused only when nothing in it identifies a
//! person or a company. `strict` refuses a record for any field that cannot be used,
//! as imports did before.

use serde::Serialize;

use super::fields::{self, Action, Reading};
use super::record::ContactRecord;
use crate::domain::customer::{KEPT_VALUE_MAX, normalise_tag};
use crate::domain::{ContactDetails, CustomerDraft, CustomerKind, KeptValue, ValidationError};

/// What happened to a field (or to the record as a whole, for a reader's note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagAction {
    /// Kept with the customer as written ("Kept as written" on its card).
    KeptAsText,
    /// A placeholder holding nothing, left out.
    Dropped,
    /// Several values in one field, each imported.
    Split,
    /// Something the reader noticed about the record, imported all the same.
    Noted,
}

impl From<Action> for FlagAction {
    fn from(a: Action) -> Self {
        match a {
            Action::KeptAsText => FlagAction::KeptAsText,
            Action::Dropped => FlagAction::Dropped,
            Action::Split => FlagAction::Split,
        }
    }
}

/// One field of a record that was not imported as it stood, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// `phone`, `email`, `tag`, `title`… or `record` for a reader's note.
    pub field: String,
    pub action: FlagAction,
    /// The value as written (empty for a note).
    pub value: String,
    pub why: String,
}

/// A record as a draft, with what was flagged on the way.
#[derive(Debug, Clone)]
pub struct Drafted {
    pub draft: CustomerDraft,
    /// The organisation a person works for, to link (or create) at write time.
    pub company: Option<String>,
    pub flags: Vec<Flag>,
    /// Whether the record names someone itself (rather than an email or a phone
    /// standing in for a missing name).
    pub named: bool,
}

/// Turns a record into a validated draft, or says why it cannot be imported at all.
pub fn draft_of(
    rec: &ContactRecord,
    source: &str,
    owner_id: Option<i64>,
    strict: bool,
) -> Result<Drafted, String> {
    let why = |e: ValidationError| e.to_string();
    // What the reader noticed (a value in a charset it does not declare, a card cut
    // short) refuses the record when every field must be usable.
    if strict && let Some(w) = rec.warnings.first() {
        return Err(w.clone());
    }
    let mut flags: Vec<Flag> = rec
        .warnings
        .iter()
        .map(|w| Flag {
            field: "record".into(),
            action: FlagAction::Noted,
            value: String::new(),
            why: w.clone(),
        })
        .collect();
    let mut details = ContactDetails {
        kept: rec.kept.clone(),
        ..ContactDetails::default()
    };
    let mut flag = |field: &str, r: Reading, details: &mut ContactDetails| {
        if r.action == Action::KeptAsText {
            details.kept.push(KeptValue {
                field: field.to_string(),
                value: r.value.clone(),
            });
        }
        flags.push(Flag {
            field: field.split(' ').next().unwrap_or(field).to_string(),
            action: r.action.into(),
            value: r.value,
            why: r.why,
        });
    };

    let mut phones = Vec::with_capacity(rec.phones.len());
    for p in &rec.phones {
        let field = fields::read_phone(p.label.as_deref(), &p.value, strict)?;
        phones.extend(field.phones);
        let name = match p.label.as_deref() {
            Some(l) => format!("phone ({l})"),
            None => "phone".to_string(),
        };
        for r in field.readings {
            flag(&name, r, &mut details);
        }
    }
    let mut emails = Vec::with_capacity(rec.emails.len());
    let mut display_name = None;
    for e in &rec.emails {
        let field = fields::read_email(&e.value, strict)?;
        emails.extend(field.emails);
        display_name = display_name.or(field.display_name);
        for r in field.readings {
            flag("email", r, &mut details);
        }
    }

    let name = rec.name.trim();
    let company = rec
        .company
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let nickname = rec
        .nickname
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let mut named = true;
    let (kind, name, works_for) = match (rec.kind, name, company) {
        (Some(CustomerKind::Company), "", Some(c)) => (CustomerKind::Company, c.to_string(), None),
        (Some(CustomerKind::Company), n, _) => (CustomerKind::Company, n.to_string(), None),
        (None, "", Some(c)) => (CustomerKind::Company, c.to_string(), None),
        (_, "", None) => {
            // No name: a nickname, the name an address was written with, the first
            // email or phone stands in; with none of those nothing identifies anyone.
            named = false;
            let stand_in = nickname
                .map(str::to_string)
                .or(display_name)
                .or_else(|| emails.first().map(|e| e.as_str().to_string()))
                .or_else(|| phones.first().map(|p| p.to_string()))
                .ok_or_else(|| nothing_identifies(rec))?;
            (CustomerKind::Person, stand_in, None)
        }
        (_, n, c) => (CustomerKind::Person, n.to_string(), c.map(str::to_string)),
    };
    let mut d = CustomerDraft::new(kind, name);
    d.phones = phones;
    d.emails = emails;
    for t in rec.tags.iter().filter(|t| !t.trim().is_empty()) {
        match normalise_tag(t) {
            Ok(tag) => d.tags.push(tag),
            Err(e) if strict => return Err(why(e)),
            Err(e) => flag(
                "tag",
                Reading {
                    action: Action::KeptAsText,
                    value: t.clone(),
                    why: e.reason,
                },
                &mut details,
            ),
        }
    }
    d.address = rec.address.clone().filter(|a| !a.trim().is_empty());
    details.title.clone_from(&rec.title);
    details.department.clone_from(&rec.department);
    details.nickname = nickname.map(str::to_string);
    details.birthday.clone_from(&rec.birthday);
    details.website.clone_from(&rec.website);
    details.second_address.clone_from(&rec.second_address);
    d.notes = rec.note.clone().filter(|n| !n.trim().is_empty());
    d.details = details;
    d.source = Some(source.to_string());
    d.owner_id = owner_id;
    match d.validate() {
        Ok(()) => {}
        Err(e) if strict => return Err(why(e)),
        // A value too long for its field goes to the notes whole, never cut.
        Err(e) => {
            move_to_notes(&mut d, &e.field, &mut flags);
            d.validate().map_err(why)?;
        }
    }
    Ok(Drafted {
        draft: d,
        company: works_for,
        flags,
        named,
    })
}

/// Why a record without a name, an organisation, an email or a phone is refused, with
/// what it does hold.
fn nothing_identifies(rec: &ContactRecord) -> String {
    let mut held: Vec<&str> = Vec::new();
    if !rec.phones.is_empty() || !rec.emails.is_empty() {
        held.push("phones or emails that are not usable ones");
    }
    if rec.address.is_some() {
        held.push("an address");
    }
    if rec.note.is_some() {
        held.push("a note");
    }
    let mut why = if held.is_empty() {
        "it has no name, organisation, email or phone".to_string()
    } else {
        format!(
            "it has no name, organisation, email or phone, only {}",
            held.join(", ")
        )
    };
    for w in &rec.warnings {
        why.push_str("; ");
        why.push_str(w);
    }
    why
}

/// Moves the field `field` names out of the way into the notes (a value longer than
/// its field allows), so the customer is still imported and nothing is cut.
fn move_to_notes(d: &mut CustomerDraft, field: &str, flags: &mut Vec<Flag>) {
    let taken = match field {
        "address" => d.address.take().map(|v| ("Address", v)),
        "title" => d.details.title.take().map(|v| ("Title", v)),
        "department" => d.details.department.take().map(|v| ("Department", v)),
        "nickname" => d.details.nickname.take().map(|v| ("Nickname", v)),
        "birthday" => d.details.birthday.take().map(|v| ("Birthday", v)),
        "website" => d.details.website.take().map(|v| ("Website", v)),
        "second address" => d
            .details
            .second_address
            .take()
            .map(|v| ("Second address", v)),
        "kept" => {
            // Values too long or too many to keep one by one go to the notes together.
            let text: Vec<String> = d.details.kept.drain(..).map(|k| k.to_string()).collect();
            Some(("Kept as written", text.join("\n")))
        }
        _ => None,
    };
    let Some((label, value)) = taken else {
        return;
    };
    let line = format!("{label}: {}", value.trim());
    let notes = match d.notes.take() {
        Some(n) if !n.trim().is_empty() => format!("{n}\n{line}"),
        _ => line,
    };
    flags.push(Flag {
        field: label.to_lowercase(),
        action: FlagAction::KeptAsText,
        value: value.chars().take(KEPT_VALUE_MAX.min(80)).collect(),
        why: "too long for its field: kept in the notes".into(),
    });
    // Notes longer than they may be refuse the record when validated again: never cut.
    d.notes = Some(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PhoneKind;
    use crate::io::record::Labeled;

    fn record(name: &str) -> ContactRecord {
        ContactRecord {
            record: 1,
            line: 1,
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn drafts_keep_the_contact_and_flag_the_field() {
        let mut r = record("Ada Lovelace");
        r.company = Some("Analytical Engines Ltd".into());
        r.title = Some("Countess".into());
        r.department = Some("Research".into());
        r.website = Some("https://ada.example".into());
        r.note = Some("Met at the Royal Society".into());
        r.phones = vec![
            Labeled::new(Some("work"), "+44-20-7946-0018 ext. 12"),
            Labeled::new(Some("cell"), "+44 7700 900123"),
            Labeled::new(Some("work"), "1-800-FLOWERS"),
            Labeled::new(None, "n/a"),
        ];
        r.emails = vec![
            Labeled::new(None, "mailto:ada@example.org"),
            Labeled::new(None, "ada@localhost"),
        ];
        r.tags = vec!["Key Account".into()];
        let got = draft_of(&r, "import: x.vcf", None, false).unwrap();
        let d = &got.draft;
        assert_eq!(got.company.as_deref(), Some("Analytical Engines Ltd"));
        assert_eq!(d.phones[0].raw, "+44-20-7946-0018");
        assert_eq!(d.phones[0].extension.as_deref(), Some("12"));
        assert_eq!(d.phones[0].kind, PhoneKind::Work);
        assert_eq!(d.phones[1].kind, PhoneKind::Mobile);
        assert_eq!(d.phones.len(), 2);
        assert_eq!(d.emails[0].as_str(), "ada@example.org");
        assert_eq!(d.tags, vec!["key-account"]);
        assert_eq!(d.details.title.as_deref(), Some("Countess"));
        assert_eq!(d.details.department.as_deref(), Some("Research"));
        assert_eq!(d.details.website.as_deref(), Some("https://ada.example"));
        assert_eq!(d.notes.as_deref(), Some("Met at the Royal Society"));
        let kept: Vec<String> = d.details.kept.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            kept,
            vec!["phone (work): 1-800-FLOWERS", "email: ada@localhost"]
        );
        let actions: Vec<(&str, FlagAction)> = got
            .flags
            .iter()
            .map(|f| (f.field.as_str(), f.action))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("phone", FlagAction::KeptAsText),
                ("phone", FlagAction::Dropped),
                ("email", FlagAction::KeptAsText),
            ]
        );
        // Strict refuses the record for the same fields.
        let e = draft_of(&r, "s", None, true).unwrap_err();
        assert!(e.contains("1-800-FLOWERS"), "{e}");
    }

    #[test]
    fn stand_ins_for_a_missing_name_and_records_nothing_identifies() {
        let mut org = record("");
        org.company = Some("Acme".into());
        assert_eq!(
            draft_of(&org, "s", None, false).unwrap().draft.kind,
            CustomerKind::Company
        );
        let mut only_email = record("");
        only_email.emails = vec![Labeled::new(None, "x@y.org")];
        let got = draft_of(&only_email, "s", None, false).unwrap();
        assert_eq!((got.draft.name.as_str(), got.named), ("x@y.org", false));
        let mut display = record("");
        display.emails = vec![Labeled::new(None, "Bob Smith <bob@y.org>")];
        assert_eq!(
            draft_of(&display, "s", None, false).unwrap().draft.name,
            "Bob Smith"
        );
        let mut nick = record("");
        nick.nickname = Some("Johnny".into());
        assert_eq!(
            draft_of(&nick, "s", None, false).unwrap().draft.name,
            "Johnny"
        );
        assert!(
            draft_of(&record(" "), "s", None, false)
                .unwrap_err()
                .contains("no name")
        );
        // Only a placeholder phone: nothing identifies anyone.
        let mut placeholder = record("");
        placeholder.phones = vec![Labeled::new(None, "BusinessPhone")];
        let e = draft_of(&placeholder, "s", None, false).unwrap_err();
        assert!(e.contains("not usable"), "{e}");
    }

    #[test]
    fn a_value_too_long_for_its_field_goes_to_the_notes_whole() {
        let mut r = record("Ada");
        r.title = Some("T".repeat(300));
        let got = draft_of(&r, "s", None, false).unwrap();
        assert_eq!(got.draft.details.title, None);
        assert!(got.draft.notes.unwrap().contains(&"T".repeat(300)));
        assert_eq!(got.flags[0].action, FlagAction::KeptAsText);
        assert!(draft_of(&r, "s", None, true).is_err());
    }
}
