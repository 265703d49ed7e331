//! Writing vCard 4.0 that `read` gives back as the same record.

use std::io::{self, Write};

use super::{Known, known_type};
use crate::domain::CustomerKind;
use crate::io::record::ContactRecord;

/// Writes the records as vCard 4.0: CRLF line ends, lines folded at 75 octets without
/// splitting a UTF-8 character, text escaped. A phone or email label that is a vCard
/// type (`mobile`→`cell`, `work`, `home`, `fax`…) becomes `TYPE=`; any other label an
/// Apple-style `itemN.X-ABLabel`, so that `read` gives back the same record (name,
/// kind, company, department, title, nickname, phones, emails, addresses, birthday,
/// website, note, tags). An address is written as one street component; a tag holding
/// a comma comes back as two (`read` splits categories at every comma).
pub fn write(records: &[ContactRecord], out: &mut impl Write) -> io::Result<()> {
    let mut line = String::new();
    for rec in records {
        write_card(rec, out, &mut line)?;
    }
    Ok(())
}

fn write_card(rec: &ContactRecord, out: &mut impl Write, line: &mut String) -> io::Result<()> {
    let mut put = |out: &mut dyn Write, build: &dyn Fn(&mut String)| {
        line.clear();
        build(line);
        write_folded(out, line)
    };
    put(out, &|l| l.push_str("BEGIN:VCARD"))?;
    put(out, &|l| l.push_str("VERSION:4.0"))?;
    let company = rec.kind == Some(CustomerKind::Company);
    if company {
        put(out, &|l| l.push_str("KIND:org"))?;
    }
    put(out, &|l| {
        l.push_str("FN:");
        escape_into(l, &rec.name);
    })?;
    if !company && !rec.name.trim().is_empty() {
        let words: Vec<&str> = rec.name.split_whitespace().collect();
        let (given, family) = match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => (rest.join(" "), *last),
            _ => (rec.name.trim().to_string(), ""),
        };
        put(out, &|l| {
            l.push_str("N:");
            escape_into(l, family);
            l.push(';');
            escape_into(l, &given);
            l.push_str(";;;");
        })?;
    }
    if rec.company.is_some() || rec.department.is_some() {
        put(out, &|l| {
            l.push_str("ORG:");
            escape_into(l, rec.company.as_deref().unwrap_or(""));
            if let Some(dept) = &rec.department {
                l.push(';');
                escape_into(l, dept);
            }
        })?;
    }
    if let Some(title) = &rec.title {
        put(out, &|l| {
            l.push_str("TITLE:");
            escape_into(l, title);
        })?;
    }
    if let Some(nick) = &rec.nickname {
        put(out, &|l| {
            l.push_str("NICKNAME:");
            escape_into(l, nick);
        })?;
    }
    let mut group = 0usize;
    for (name, items) in [("TEL", &rec.phones), ("EMAIL", &rec.emails)] {
        for item in items {
            let ty = item.label.as_deref().and_then(|l| vcard_type(name, l));
            match (&item.label, ty) {
                (Some(label), None) => {
                    group += 1;
                    put(out, &|l| {
                        l.push_str(&format!("item{group}.{name}:"));
                        escape_into(l, &item.value);
                    })?;
                    put(out, &|l| {
                        l.push_str(&format!("item{group}.X-ABLabel:"));
                        escape_into(l, label);
                    })?;
                }
                (_, ty) => put(out, &|l| {
                    l.push_str(name);
                    if let Some(ty) = ty {
                        l.push_str(";TYPE=");
                        l.push_str(ty);
                    }
                    l.push(':');
                    escape_into(l, &item.value);
                })?,
            }
        }
    }
    for address in [&rec.address, &rec.second_address].into_iter().flatten() {
        put(out, &|l| {
            l.push_str("ADR:;;");
            escape_into(l, address);
            l.push_str(";;;;");
        })?;
    }
    if let Some(url) = &rec.website {
        put(out, &|l| {
            l.push_str("URL:");
            escape_into(l, url);
        })?;
    }
    if let Some(bday) = &rec.birthday {
        let date_like = bday
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | 'T' | ':' | 'Z' | '+'));
        put(out, &|l| {
            l.push_str(if date_like {
                "BDAY:"
            } else {
                "BDAY;VALUE=text:"
            });
            escape_into(l, bday);
        })?;
    }
    if let Some(note) = &rec.note {
        put(out, &|l| {
            l.push_str("NOTE:");
            escape_into(l, note);
        })?;
    }
    if !rec.tags.is_empty() {
        put(out, &|l| {
            l.push_str("CATEGORIES:");
            for (i, tag) in rec.tags.iter().enumerate() {
                if i > 0 {
                    l.push(',');
                }
                escape_into(l, tag);
            }
        })?;
    }
    put(out, &|l| l.push_str("END:VCARD"))
}

/// The vCard `TYPE` for a label `read` would give back unchanged, if there is one.
fn vcard_type(property: &str, label: &str) -> Option<&'static str> {
    let known = known_type(label)?;
    // Only labels `read` produces in this spelling round-trip through TYPE.
    if !label.eq_ignore_ascii_case(known.label()) {
        return None;
    }
    match (property, known) {
        ("TEL", Known::Mobile) => Some("cell"),
        ("EMAIL", Known::Mobile | Known::Fax | Known::Pager) => None,
        (_, k) => Some(k.label()),
    }
}

/// Escapes a text value: backslash, newline, comma and semicolon.
fn escape_into(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            c => out.push(c),
        }
    }
}

/// Writes one content line folded at 75 octets (continuations start with a space),
/// never inside a UTF-8 character, ending in CRLF.
pub(super) fn write_folded(out: &mut dyn Write, line: &str) -> io::Result<()> {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.write_all(head.as_bytes())?;
        out.write_all(b"\r\n ")?;
        rest = tail;
        limit = 74;
    }
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\r\n")
}
