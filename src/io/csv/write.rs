//! Contacts out as a Google-Contacts-compatible CSV, which `read_contacts` reads back.

use std::io::Write;

use crate::io::record::ContactRecord;

/// Writes contacts as a Google-Contacts-compatible CSV (UTF-8 without BOM, CRLF):
/// Name, Given Name, Family Name, Nickname, Organization 1 - Name/Title/Department, as
/// many `E-mail N - Type/Value` and `Phone N - Type/Value` pairs as the records need
/// (at least one), Address 1 and 2 - Formatted, Birthday, Website 1 - Value, Notes,
/// Group Membership (`* myContacts ::: tag`).
/// Given and Family Name are left empty: a record holds one display name, and
/// guessing where a name splits is wrong too often. `read_contacts` reads the file
/// back to the same name, nickname, company, title, department, phones, emails,
/// addresses, birthday, website, note and tags.
pub fn write_contacts(records: &[ContactRecord], out: &mut impl Write) -> std::io::Result<()> {
    let emails = records
        .iter()
        .map(|r| r.emails.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let phones = records
        .iter()
        .map(|r| r.phones.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header: Vec<String> = [
        "Name",
        "Given Name",
        "Family Name",
        "Nickname",
        "Organization 1 - Name",
        "Organization 1 - Title",
        "Organization 1 - Department",
    ]
    .map(String::from)
    .to_vec();
    for n in 1..=emails {
        header.push(format!("E-mail {n} - Type"));
        header.push(format!("E-mail {n} - Value"));
    }
    for n in 1..=phones {
        header.push(format!("Phone {n} - Type"));
        header.push(format!("Phone {n} - Value"));
    }
    header.extend(
        [
            "Address 1 - Formatted",
            "Address 2 - Formatted",
            "Birthday",
            "Website 1 - Value",
            "Notes",
            "Group Membership",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    let mut groups = String::new();
    for r in records {
        fn opt(o: &Option<String>) -> &str {
            o.as_deref().unwrap_or("")
        }
        for f in [
            r.name.as_str(),
            "",
            "",
            opt(&r.nickname),
            opt(&r.company),
            opt(&r.title),
            opt(&r.department),
        ] {
            w.write_field(f)?;
        }
        for (list, n) in [(&r.emails, emails), (&r.phones, phones)] {
            for i in 0..n {
                let (label, value) = list.get(i).map_or(("", ""), |l| {
                    (l.label.as_deref().unwrap_or(""), l.value.as_str())
                });
                w.write_field(label)?;
                w.write_field(value)?;
            }
        }
        groups.clear();
        groups.push_str("* myContacts");
        for t in &r.tags {
            groups.push_str(" ::: ");
            groups.push_str(t);
        }
        for f in [
            &r.address,
            &r.second_address,
            &r.birthday,
            &r.website,
            &r.note,
        ] {
            w.write_field(f.as_deref().unwrap_or(""))?;
        }
        w.write_field(&groups)?;
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}
