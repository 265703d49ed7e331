//! Contacts from CSV files: Google Contacts (old and new headers), Outlook and
//! Thunderbird exports are recognised by their headers; a file with obvious headers
//! (Name, Phone, Email, Company…) is guessed; anything else is mapped with `--map`.
//! And contacts back out as a Google-compatible CSV (`rapport export --format csv`).
//!
//! The file is decoded once up front (see `table`), so a row costs one parse and one
//! allocation per value kept; nothing here panics on any input.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use csv::ByteRecord;
use encoding_rs::Encoding;

use super::mapping::{CONTACT_FIELDS, FieldMap, Fields, header_words, list_headers, quote_header};
use super::record::{ContactRecord, Labeled, ReadError, ReadOutcome};
use super::table::{RowAt, Table, cell};

/// How to read a CSV file: a forced encoding (`--encoding`) and a column map (`--map`).
/// Without a map the headers are recognised automatically.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    pub encoding: Option<&'static Encoding>,
    pub map: Option<FieldMap>,
}

/// Reads contacts from CSV bytes. The file is refused (`ReadError`) when it cannot be
/// decoded, has no header row, its columns are not recognised (and no `--map` says
/// what they are) or the map names a column the file lacks. Rows are never refused
/// for their content; a row the parser cannot read is a `Problem`.
pub fn read_contacts(bytes: &[u8], opts: &CsvOptions) -> Result<ReadOutcome, ReadError> {
    let table = Table::open(bytes, opts.encoding)?;
    let mut notes = Vec::new();
    let plan = match &opts.map {
        Some(map) => Plan::from_map(map, &table.headers).map_err(ReadError)?,
        None => {
            let (plan, languages) =
                Plan::recognise(&table.headers).ok_or_else(|| unrecognised(&table.headers))?;
            if !languages.is_empty() {
                notes.push(format!("columns read as {}", languages.join(" and ")));
            }
            plan
        }
    };
    let mut skip_counts = vec![0usize; table.headers.len()];
    let mut extra_counts: BTreeMap<usize, usize> = BTreeMap::new();
    let mut records = Vec::with_capacity(table.row_estimate());
    let problems = table.for_each_row(|at, rec| {
        records.push(plan.contact(at, rec, &mut skip_counts));
        for (i, f) in rec.iter().enumerate().skip(table.headers.len()) {
            if !cell(f).is_empty() {
                *extra_counts.entry(i).or_default() += 1;
            }
        }
    });
    Ok(ReadOutcome {
        records,
        problems,
        not_contacts: 0,
        skipped: skipped_by_name(&table.headers, &skip_counts, &extra_counts),
        encoding: table.encoding.name().to_string(),
        header: Some(table.header_line().to_string()),
        notes,
    })
}

/// Counts of left-out values by column name (a column without a name, or a value
/// past the last header, by its 1-based position).
pub(crate) fn skipped_by_name(
    headers: &[String],
    counts: &[usize],
    extra: &BTreeMap<usize, usize>,
) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let unnamed = |i: usize| format!("(column {} without a header)", i + 1);
    for (i, n) in counts.iter().enumerate() {
        if *n > 0 {
            let name = match headers.get(i) {
                Some(h) if !h.is_empty() => h.clone(),
                _ => unnamed(i),
            };
            *out.entry(name).or_default() += n;
        }
    }
    for (i, n) in extra {
        *out.entry(unnamed(*i)).or_default() += n;
    }
    out
}

fn unrecognised(headers: &[String]) -> ReadError {
    let safe = |h: &str| crate::text::for_terminal(h).into_owned();
    let closest: Vec<(&String, &'static str, &'static str)> = headers
        .iter()
        .filter_map(|h| closest_known(h).map(|(known, field)| (h, known, field)))
        .collect();
    let example = if closest.is_empty() {
        match headers {
            [a, b, ..] => format!("name={},phone={}", quote_header(a), quote_header(b)),
            [a] => format!("name={}", quote_header(a)),
            [] => "name=\"Full Name\",phone=Mobile".to_string(),
        }
    } else {
        closest
            .iter()
            .map(|(h, _, field)| format!("{field}={}", quote_header(h)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let hint = if closest.is_empty() {
        String::new()
    } else {
        let likes: Vec<String> = closest
            .iter()
            .map(|(h, known, field)| format!("{:?} looks like {known:?} ({field})", safe(h)))
            .collect();
        format!(" Closest known columns: {}.", likes.join(", "))
    };
    ReadError(format!(
        "the columns of this file were not recognised as contacts (Google Contacts, \
         Outlook and Thunderbird exports are, in English, German, French, Spanish, Italian, \
         Dutch, Portuguese, Russian, Persian, Japanese and Chinese, and obvious names such \
         as Name, Phone, Email, Company).{hint} Say which column holds what with --map \
         field=Column,…, e.g. --map '{}'. Fields: {}. This file's columns: {}",
        safe(&example),
        CONTACT_FIELDS.join(", "),
        list_headers(headers)
    ))
}

/// Headers the recogniser knows in English, by the `--map` field they feed.
const KNOWN_ENGLISH: &[(&str, &str)] = &[
    ("Name", "name"),
    ("Full Name", "name"),
    ("Display Name", "name"),
    ("First Name", "first_name"),
    ("Middle Name", "middle_name"),
    ("Last Name", "last_name"),
    ("Company", "company"),
    ("Organization", "company"),
    ("Department", "department"),
    ("Job Title", "title"),
    ("Nickname", "nickname"),
    ("Phone", "phone"),
    ("Mobile Phone", "phone"),
    ("Business Phone", "phone"),
    ("Home Phone", "phone"),
    ("Telephone", "phone"),
    ("Email", "email"),
    ("E-mail Address", "email"),
    ("Address", "address"),
    ("Street", "address"),
    ("City", "address"),
    ("Birthday", "birthday"),
    ("Web Page", "website"),
    ("Website", "website"),
    ("Notes", "note"),
    ("Categories", "tags"),
    ("Tags", "tags"),
];

/// The known header closest to `header` (one typo per four letters at most) and the
/// `--map` field it would feed, for a file whose columns were not recognised.
fn closest_known(header: &str) -> Option<(&'static str, &'static str)> {
    let key = header_words(header);
    if key.chars().count() < 3 {
        return None;
    }
    let english = KNOWN_ENGLISH.iter().copied();
    let localised = super::headers::all().filter_map(|(local, en)| {
        KNOWN_ENGLISH
            .iter()
            .chain(&[
                ("E-mail 2 Address", "email"),
                ("Business Street", "address"),
                ("Home Street", "address"),
            ])
            .find(|(k, _)| header_words(k) == header_words(en))
            .map(|(_, field)| (local, *field))
    });
    english
        .chain(localised)
        .map(|(known, field)| (edit_distance(&key, &header_words(known)), known, field))
        .filter(|(d, known, _)| *d <= (known.chars().count() / 4).max(1))
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, known, field)| (known, field))
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Single-valued text fields; repeated columns for one are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Name,
    First,
    Middle,
    Last,
    Prefix,
    Suffix,
    Company,
    Title,
    Birthday,
    Note,
    Department,
}
const TEXTS: usize = 11;

/// A phone or email column: its value, and the label from its column name or from a
/// Type/Label column of the same slot (Google's `Phone 1 - Type`).
#[derive(Debug, Clone)]
struct ValueCol {
    col: usize,
    label: Option<String>,
    label_col: Option<usize>,
}

/// One postal address's columns: a formatted (multi-line) column, else parts joined.
#[derive(Debug, Clone, Default)]
struct AddrGroup {
    key: String,
    formatted: Vec<usize>,
    parts: Vec<usize>,
}

/// Which columns feed which contact field: built once from the header, applied to
/// every row.
#[derive(Debug, Clone, Default)]
struct Plan {
    texts: Vec<(Text, usize)>,
    nickname: Vec<usize>,
    /// Website columns: the first non-empty one is kept.
    websites: Vec<usize>,
    birth_parts: [Option<usize>; 3],
    phones: Vec<ValueCol>,
    emails: Vec<ValueCol>,
    addresses: Vec<AddrGroup>,
    /// Tag columns; `true` for Google's groups (`* myContacts ::: Friends`).
    tags: Vec<(usize, bool)>,
    /// Columns feeding nothing: their non-empty values are counted as skipped.
    unused: Vec<usize>,
}

/// What a header means, as recognised automatically.
enum Auto {
    Skip,
    /// A label column read by a value column.
    Label,
    Text(Text),
    Nickname,
    Website,
    BirthPart(usize),
    Phone(Option<String>),
    Email(Option<String>),
    /// Google's `Phone 1 - Value`: the label comes from the slot's Type/Label column.
    SlotPhone(String),
    SlotEmail(String),
    Address {
        group: String,
        formatted: bool,
    },
    Tags {
        google: bool,
    },
}

impl Plan {
    /// The plan for Google, Outlook, Thunderbird or obvious headers; `None` when
    /// no column names a person, a company, a phone or an email.
    fn recognise(headers: &[String]) -> Option<(Plan, Vec<&'static str>)> {
        let mut languages: Vec<&'static str> = Vec::new();
        let mut keys: Vec<String> = headers
            .iter()
            .map(|h| {
                let key = header_words(h);
                match super::headers::english(&key) {
                    Some((english, language)) => {
                        if !languages.contains(&language) {
                            languages.push(language);
                        }
                        english
                    }
                    None => key,
                }
            })
            .collect();
        // Thunderbird's German "Geburtstag" beside "Geburtsmonat" is the day of the month.
        let has = |keys: &[String], k: &str| keys.iter().any(|x| x == k);
        if has(&keys, "birth month") && !has(&keys, "birth day") {
            for k in keys.iter_mut().filter(|k| *k == "birthday") {
                *k = "birth day".to_string();
            }
        }
        let has_job_title = keys.iter().any(|k| k == "job title");
        let mut first_index: HashMap<&str, usize> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            first_index.entry(k.as_str()).or_insert(i);
        }
        let slot_label = |slot: &str| {
            ["type", "label"]
                .iter()
                .find_map(|s| first_index.get(format!("{slot} - {s}").as_str()).copied())
        };
        let mut plan = Plan::default();
        let mut identifies = false;
        for (col, key) in keys.iter().enumerate() {
            match classify(key, has_job_title) {
                Auto::Skip => plan.unused.push(col),
                Auto::Label => {}
                Auto::Text(t) => {
                    identifies |=
                        matches!(t, Text::Name | Text::First | Text::Last | Text::Company);
                    plan.texts.push((t, col));
                }
                Auto::Nickname => plan.nickname.push(col),
                Auto::Website => plan.websites.push(col),
                Auto::BirthPart(p) => {
                    if let Some(slot) = plan.birth_parts.get_mut(p) {
                        if slot.is_none() {
                            *slot = Some(col);
                        } else {
                            plan.unused.push(col);
                        }
                    }
                }
                Auto::Phone(label) => {
                    identifies = true;
                    plan.phones.push(ValueCol {
                        col,
                        label,
                        label_col: None,
                    });
                }
                Auto::Email(label) => {
                    identifies = true;
                    plan.emails.push(ValueCol {
                        col,
                        label,
                        label_col: None,
                    });
                }
                Auto::SlotPhone(slot) => {
                    identifies = true;
                    let label_col = slot_label(&slot);
                    plan.phones.push(ValueCol {
                        col,
                        label: None,
                        label_col,
                    });
                }
                Auto::SlotEmail(slot) => {
                    identifies = true;
                    let label_col = slot_label(&slot);
                    plan.emails.push(ValueCol {
                        col,
                        label: None,
                        label_col,
                    });
                }
                Auto::Address { group, formatted } => plan.add_address(&group, col, formatted),
                Auto::Tags { google } => plan.tags.push((col, google)),
            }
        }
        identifies.then_some((plan, languages))
    }

    /// The plan a `--map` spells out; columns it does not name feed nothing.
    fn from_map(map: &FieldMap, headers: &[String]) -> Result<Plan, String> {
        map.check(Fields::Contacts)?;
        let mut plan = Plan::default();
        let mut used = vec![false; headers.len()];
        for (field, col) in map.resolve(headers)? {
            if let Some(u) = used.get_mut(col) {
                *u = true;
            }
            let header = headers
                .get(col)
                .map(|h| header_words(h))
                .unwrap_or_default();
            let text = match field {
                "name" => Some(Text::Name),
                "first_name" => Some(Text::First),
                "middle_name" => Some(Text::Middle),
                "last_name" => Some(Text::Last),
                "company" => Some(Text::Company),
                "title" => Some(Text::Title),
                "birthday" => Some(Text::Birthday),
                "note" => Some(Text::Note),
                "department" => Some(Text::Department),
                _ => None,
            };
            if let Some(t) = text {
                plan.texts.push((t, col));
                continue;
            }
            match field {
                "phone" => plan.phones.push(ValueCol {
                    col,
                    label: phone_label(&header),
                    label_col: None,
                }),
                "email" => plan.emails.push(ValueCol {
                    col,
                    label: email_label(&header),
                    label_col: None,
                }),
                "address" => plan.add_address("", col, false),
                "second_address" => plan.add_address("second", col, false),
                "nickname" => plan.nickname.push(col),
                "website" => plan.websites.push(col),
                "tags" => plan.tags.push((col, false)),
                other => return Err(format!("--map: {other:?} is not a contact field")),
            }
        }
        plan.unused = (0..headers.len())
            .filter(|i| !used.get(*i).copied().unwrap_or(true))
            .collect();
        Ok(plan)
    }

    fn add_address(&mut self, key: &str, col: usize, formatted: bool) {
        let idx = match self.addresses.iter().position(|g| g.key == key) {
            Some(i) => i,
            None => {
                self.addresses.push(AddrGroup {
                    key: key.to_string(),
                    ..AddrGroup::default()
                });
                self.addresses.len() - 1
            }
        };
        if let Some(g) = self.addresses.get_mut(idx) {
            if formatted {
                g.formatted.push(col);
            } else {
                g.parts.push(col);
            }
        }
    }

    /// One row as a contact. Values the plan has no place for are counted in
    /// `skipped` (per column).
    fn contact(&self, at: &RowAt<'_>, rec: &ByteRecord, skipped: &mut [usize]) -> ContactRecord {
        let get = |i: usize| rec.get(i).map(cell).unwrap_or("");
        let mut count = |i: usize| {
            if !get(i).is_empty()
                && let Some(n) = skipped.get_mut(i)
            {
                *n += 1;
            }
        };
        for &i in &self.unused {
            count(i);
        }

        // Borrowed from the row until kept: unused parts (Given Name beside Name)
        // cost no allocation.
        let mut texts: [Cow<'_, str>; TEXTS] = Default::default();
        for &(t, i) in &self.texts {
            let v = get(i);
            if v.is_empty() {
                continue;
            }
            if let Some(s) = texts.get_mut(t as usize) {
                if s.is_empty() {
                    *s = Cow::Borrowed(v);
                } else {
                    let s = s.to_mut();
                    s.push_str(if t == Text::Note { "\n" } else { " " });
                    s.push_str(v);
                }
            }
        }
        let take = |texts: &mut [Cow<'_, str>; TEXTS], t: Text| {
            texts
                .get_mut(t as usize)
                .map(std::mem::take)
                .filter(|s| !s.is_empty())
                .map(Cow::into_owned)
        };

        let mut name = take(&mut texts, Text::Name).unwrap_or_default();
        if name.is_empty() {
            // Chinese, Japanese and Korean names are written family name first.
            let family_first = texts
                .get(Text::Last as usize)
                .is_some_and(|last| last.chars().any(is_cjk));
            let parts = if family_first {
                [
                    Text::Prefix,
                    Text::Last,
                    Text::First,
                    Text::Middle,
                    Text::Suffix,
                ]
            } else {
                [
                    Text::Prefix,
                    Text::First,
                    Text::Middle,
                    Text::Last,
                    Text::Suffix,
                ]
            };
            name = parts
                .iter()
                .filter_map(|t| texts.get(*t as usize))
                .filter(|s| !s.is_empty())
                .map(|s| s.as_ref())
                .collect::<Vec<&str>>()
                .join(" ");
        }
        // The nickname is kept, and stands in for a missing name.
        let mut nickname: Option<String> = None;
        for &i in &self.nickname {
            let v = get(i);
            if v.is_empty() {
                continue;
            }
            if nickname.is_none() {
                nickname = Some(v.to_string());
                if name.is_empty() {
                    name = v.to_string();
                }
            } else {
                count(i);
            }
        }
        let mut website: Option<String> = None;
        for &i in &self.websites {
            let v = get(i);
            if v.is_empty() {
                continue;
            }
            if website.is_none() {
                website = Some(v.to_string());
            } else {
                count(i);
            }
        }

        let mut birthday = take(&mut texts, Text::Birthday);
        if let [year, Some(month), Some(day)] = self.birth_parts {
            let (y, m, d) = (year.map(get).unwrap_or(""), get(month), get(day));
            if birthday.is_none() && !m.is_empty() && !d.is_empty() {
                birthday = Some(if y.is_empty() {
                    format!("--{}-{}", pad2(m), pad2(d))
                } else {
                    format!("{y}-{}-{}", pad2(m), pad2(d))
                });
            } else {
                for i in [year, Some(month), Some(day)].into_iter().flatten() {
                    count(i);
                }
            }
        }

        let mut address = None;
        let mut second_address = None;
        for g in &self.addresses {
            let cols = || g.formatted.iter().chain(&g.parts);
            if second_address.is_some() {
                cols().for_each(|&i| count(i));
                continue;
            }
            let formatted = g
                .formatted
                .iter()
                .map(|&i| get(i))
                .find(|v| !v.is_empty())
                .map(one_line);
            let joined = || {
                let mut s = String::new();
                for v in g.parts.iter().map(|&i| get(i)).filter(|v| !v.is_empty()) {
                    if !s.is_empty() {
                        s.push_str(", ");
                    }
                    s.push_str(v);
                }
                (!s.is_empty()).then_some(s)
            };
            // The first address found is the address, the next the second one.
            if let Some(a) = formatted.or_else(joined) {
                if address.is_none() {
                    address = Some(a);
                } else {
                    second_address = Some(a);
                }
            }
        }

        let values = |cols: &[ValueCol]| {
            let mut out =
                Vec::with_capacity(cols.iter().filter(|c| !get(c.col).is_empty()).count());
            for c in cols {
                let v = get(c.col);
                if v.is_empty() {
                    continue;
                }
                let label = c
                    .label_col
                    .map(|i| strip_star(get(i)))
                    .filter(|l| !l.is_empty())
                    .or(c.label.as_deref());
                if !v.contains(':') {
                    out.push(Labeled::new(label, v));
                    continue;
                }
                for part in v.split(":::").map(str::trim).filter(|p| !p.is_empty()) {
                    out.push(Labeled::new(label, part));
                }
            }
            out
        };

        let mut tags: Vec<String> = Vec::new();
        for &(i, google) in &self.tags {
            let v = get(i);
            // Google separates groups with ` ::: ` only; elsewhere `;` and `,` too.
            let seps: &[char] = if google { &[] } else { &[';', ','] };
            for t in v.split(seps).flat_map(|p| p.split(":::")) {
                let t = strip_star(t.trim());
                let system = google && is_my_contacts(t);
                if !t.is_empty() && !system && !tags.iter().any(|x| x == t) {
                    tags.push(t.to_string());
                }
            }
        }

        ContactRecord {
            record: at.record,
            line: at.line,
            kind: None,
            name,
            company: take(&mut texts, Text::Company),
            title: take(&mut texts, Text::Title),
            department: take(&mut texts, Text::Department),
            nickname,
            phones: values(&self.phones),
            emails: values(&self.emails),
            address,
            second_address,
            birthday,
            website,
            note: take(&mut texts, Text::Note),
            tags,
            kept: Vec::new(),
            warnings: Vec::new(),
            raw: at.raw.to_string(),
        }
    }
}

/// A Chinese, Japanese or Korean character (Han, kana, Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// Google marks a preferred value's type (and its system groups) with `* `.
fn strip_star(s: &str) -> &str {
    s.strip_prefix('*').map(str::trim_start).unwrap_or(s)
}

/// Google's system group every contact is in (`myContacts`, older `My Contacts`).
fn is_my_contacts(t: &str) -> bool {
    let mut letters = t.chars().filter(|c| *c != ' ');
    "mycontacts"
        .chars()
        .all(|w| letters.next().is_some_and(|c| c.eq_ignore_ascii_case(&w)))
        && letters.next().is_none()
}

/// A month or day as two digits when it is a number (`7` → `07`), else as written.
fn pad2(s: &str) -> String {
    if s.len() == 1 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{s}")
    } else {
        s.to_string()
    }
}

/// A multi-line formatted address on one line, its lines joined with ", ".
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for l in s.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(l);
    }
    out
}

const ADDRESS_PARTS: &[&str] = &[
    "street",
    "street 2",
    "street 3",
    "address",
    "address 2",
    "address 3",
    "address po box",
    "po box",
    "pobox",
    "city",
    "state",
    "province",
    "county",
    "region",
    "zip",
    "zipcode",
    "zip code",
    "postal code",
    "postcode",
    "country",
    "country/region",
    "extended address",
];

/// What a header (`header_words`) means in Google, Outlook, Thunderbird or an obvious
/// hand-made file.
fn classify(key: &str, has_job_title: bool) -> Auto {
    // Google's numbered slots: `E-mail 1 - Value`, `Phone 2 - Type`, `Address 1 - City`.
    if let Some((left, right)) = key.split_once(" - ") {
        let kind = left.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
        let n = left.get(kind.len()..).unwrap_or_default().trim();
        let is_label = right == "type" || right == "label";
        return match kind {
            "e-mail" | "email" if right == "value" => Auto::SlotEmail(left.to_string()),
            "phone" if right == "value" => Auto::SlotPhone(left.to_string()),
            "e-mail" | "email" | "phone" if is_label => Auto::Label,
            "address" if right == "formatted" => Auto::Address {
                group: left.to_string(),
                formatted: true,
            },
            "address" if ADDRESS_PARTS.contains(&right) => Auto::Address {
                group: left.to_string(),
                formatted: false,
            },
            "organization" if n == "1" && right == "name" => Auto::Text(Text::Company),
            "organization" if n == "1" && right == "title" => Auto::Text(Text::Title),
            "organization" if n == "1" && right == "department" => Auto::Text(Text::Department),
            "website" if right == "value" => Auto::Website,
            _ => Auto::Skip,
        };
    }
    let text = match key {
        "name" | "full name" | "display name" | "contact name" | "contact" | "fn" => {
            Some(Text::Name)
        }
        "first name" | "given name" | "firstname" | "first" | "forename" | "givenname" => {
            Some(Text::First)
        }
        "middle name" | "additional name" | "middlename" | "middle" => Some(Text::Middle),
        "last name" | "family name" | "surname" | "lastname" | "last" | "familyname" => {
            Some(Text::Last)
        }
        "name prefix" | "prefix" | "salutation" | "honorific" => Some(Text::Prefix),
        "title" if has_job_title => Some(Text::Prefix),
        "name suffix" | "suffix" => Some(Text::Suffix),
        "company" | "organization" | "organisation" | "organization name" | "organisation name"
        | "company name" | "employer" => Some(Text::Company),
        "title" | "job title" | "jobtitle" | "position" | "organization title"
        | "organisation title" => Some(Text::Title),
        "birthday" | "birth date" | "birthdate" | "date of birth" | "dob" | "bday" => {
            Some(Text::Birthday)
        }
        "notes" | "note" | "comments" | "comment" | "remarks" => Some(Text::Note),
        "department" | "dept" | "division" | "organization department" => Some(Text::Department),
        _ => None,
    };
    if let Some(t) = text {
        return Auto::Text(t);
    }
    match key {
        "nickname" | "nick name" | "nick" => return Auto::Nickname,
        "webpage" | "homepage" | "home page" | "url" | "web" => return Auto::Website,
        // `Web Page`, `Website 1`, Outlook.com's `Website Home Page`, `Website Work`…
        k if k.starts_with("website") || k.starts_with("web page") || k.starts_with("web site") => {
            return Auto::Website;
        }
        "birth year" => return Auto::BirthPart(0),
        "birth month" => return Auto::BirthPart(1),
        "birth day" => return Auto::BirthPart(2),
        "group membership" | "labels" => return Auto::Tags { google: true },
        "categories" | "category" | "tags" | "tag" | "groups" | "group" => {
            return Auto::Tags { google: false };
        }
        _ => {}
    }
    let compact: String = key.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if compact.contains("email") || key == "mail" {
        if compact.contains("type") || compact.contains("displayname") {
            return Auto::Skip;
        }
        return Auto::Email(email_label(key));
    }
    let phone_word = (key.contains("phone") && !key.contains("phonetic"))
        || ["mobile", "cell", "fax", "pager", "telephone"]
            .iter()
            .any(|w| key.contains(w))
        || key == "tel"
        || key.starts_with("tel ");
    if phone_word {
        return Auto::Phone(phone_label(key));
    }
    let (group, part) = match key.split_once(' ') {
        Some((g @ ("home" | "work" | "other"), rest)) => (g, rest),
        Some(("business", rest)) => ("work", rest),
        _ => ("", key),
    };
    let bare_ok = !matches!(
        part,
        "region" | "county" | "street 2" | "street 3" | "address 2" | "address 3"
    );
    if ADDRESS_PARTS.contains(&part) && (!group.is_empty() || bare_ok || part == "street address") {
        return Auto::Address {
            group: group.to_string(),
            formatted: false,
        };
    }
    if key == "street address" || key == "mailing address" || key == "postal address" {
        return Auto::Address {
            group: String::new(),
            formatted: false,
        };
    }
    Auto::Skip
}

/// A phone label from a column name: `Mobile Phone` → mobile, `Business Phone 2` →
/// work, `Home Fax` → home fax, `Phone` → none.
fn phone_label(key: &str) -> Option<String> {
    let place = if key.starts_with("home") {
        "home "
    } else if key.starts_with("business") || key.starts_with("work") || key.starts_with("office") {
        "work "
    } else {
        ""
    };
    if key.contains("mobile") || key.contains("cell") {
        return Some("mobile".into());
    }
    if key.contains("fax") {
        return Some(format!("{place}fax"));
    }
    if key.contains("pager") {
        return Some("pager".into());
    }
    if key.contains("company") {
        return Some("work".into());
    }
    words_label(
        key,
        &["phone", "number", "telephone", "tel", "no", "no.", "#"],
    )
}

/// An email label from a column name: `Email Work` → work, `E-mail 2 Address` → none.
fn email_label(key: &str) -> Option<String> {
    words_label(key, &["address", "addr", "primary", "secondary", "mail"])
}

/// The words of a column name left after dropping `noise`, numbers and words naming
/// the kind of value (`…mail…`), with business/office as work and primary as main.
fn words_label(key: &str, noise: &[&str]) -> Option<String> {
    let words: Vec<&str> = key
        .split_whitespace()
        .filter(|w| {
            !noise.contains(w) && !w.contains("mail") && !w.bytes().all(|b| b.is_ascii_digit())
        })
        .map(|w| match w.trim_end_matches("'s") {
            "business" | "office" => "work",
            "primary" => "main",
            w => w,
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> ReadOutcome {
        read_contacts(text.as_bytes(), &CsvOptions::default()).unwrap()
    }

    fn mapped(text: &str, map: &str) -> Result<ReadOutcome, ReadError> {
        let opts = CsvOptions {
            encoding: None,
            map: Some(FieldMap::parse(map).unwrap()),
        };
        read_contacts(text.as_bytes(), &opts)
    }

    fn l(label: Option<&str>, value: &str) -> Labeled {
        Labeled::new(label, value)
    }

    #[test]
    fn google_old_headers_slots_labels_and_groups() {
        let out = read(
            "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,\
             Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,Organization 1 - Title,\
             Notes,Birthday,Address 1 - Type,Address 1 - Formatted,Website 1 - Value\n\
             Ada Lovelace,Ada,Lovelace,* myContacts ::: Friends ::: * Starred,* Home,\
             ada@x.org ::: ada@y.org,Mobile,+44 1,Analytical,Countess,\"likes \"\"maths\"\"\",\
             1815-12-10,Home,\"12 St James's Sq\nLondon\",http://ada\n",
        );
        assert!(out.problems.is_empty());
        let r = &out.records[0];
        assert_eq!(r.name, "Ada Lovelace");
        assert_eq!(
            r.emails,
            vec![l(Some("Home"), "ada@x.org"), l(Some("Home"), "ada@y.org")]
        );
        assert_eq!(r.phones, vec![l(Some("Mobile"), "+44 1")]);
        assert_eq!(r.tags, vec!["Friends", "Starred"]);
        assert_eq!(r.company.as_deref(), Some("Analytical"));
        assert_eq!(r.title.as_deref(), Some("Countess"));
        assert_eq!(r.note.as_deref(), Some("likes \"maths\""));
        assert_eq!(r.birthday.as_deref(), Some("1815-12-10"));
        assert_eq!(r.address.as_deref(), Some("12 St James's Sq, London"));
        assert_eq!((r.record, r.line), (1, 2));
        // The website is kept; the address type is left out, by column name.
        assert_eq!(r.website.as_deref(), Some("http://ada"));
        assert_eq!(out.skipped.get("Address 1 - Type"), Some(&1));
        assert_eq!(out.skipped.get("Given Name"), None);
        assert_eq!(out.encoding, "UTF-8");
    }

    #[test]
    fn google_new_headers_build_the_name_from_parts() {
        let out = read(
            "First Name,Middle Name,Last Name,Phonetic First Name,Name Prefix,Nickname,\
             Organization Name,Organization Title,Labels,E-mail 1 - Label,E-mail 1 - Value,\
             Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n\
             Grace,Brewster,Hopper,gureisu,Rear Adm.,Amazing Grace,US Navy,Officer,\
             Navy ::: * myContacts,* Work,grace@navy.mil,Work,555-1,,555-2 ::: 555-3\n",
        );
        let r = &out.records[0];
        assert_eq!(r.name, "Rear Adm. Grace Brewster Hopper");
        assert_eq!(r.company.as_deref(), Some("US Navy"));
        assert_eq!(r.title.as_deref(), Some("Officer"));
        assert_eq!(r.tags, vec!["Navy"]);
        assert_eq!(r.emails, vec![l(Some("Work"), "grace@navy.mil")]);
        assert_eq!(
            r.phones,
            vec![l(Some("Work"), "555-1"), l(None, "555-2"), l(None, "555-3")]
        );
        // The nickname is kept beside the name.
        assert_eq!(r.nickname.as_deref(), Some("Amazing Grace"));
        assert_eq!(out.skipped.get("Nickname"), None);
        assert_eq!(out.skipped.get("Phonetic First Name"), Some(&1));
    }

    #[test]
    fn outlook_headers_and_labels_from_column_names() {
        let out = read(
            "Title,First Name,Middle Name,Last Name,Suffix,Company,Job Title,Business Street,\
             Business City,Business Postal Code,Home Street,E-mail Address,E-mail Type,\
             E-mail Display Name,E-mail 2 Address,Mobile Phone,Business Phone,Home Phone,\
             Business Fax,Assistant's Phone,Primary Phone,Categories,Notes,Birthday\n\
             Mr.,John,Q,Public,Jr.,Acme,Buyer,1 Road,Springfield,12345,9 Lane,j@acme.com,SMTP,\
             John (j@acme.com),jq@home.org,07700,0201,0202,0203,0204,0205,VIP;Customers,\
             met at fair,5/17/1970\n",
        );
        let r = &out.records[0];
        assert_eq!(r.name, "Mr. John Q Public Jr.");
        assert_eq!(r.company.as_deref(), Some("Acme"));
        assert_eq!(r.title.as_deref(), Some("Buyer"));
        assert_eq!(
            r.emails,
            vec![l(None, "j@acme.com"), l(None, "jq@home.org")]
        );
        let labels: Vec<_> = r
            .phones
            .iter()
            .map(|p| p.label.as_deref().unwrap_or("-"))
            .collect();
        assert_eq!(
            labels,
            vec!["mobile", "work", "home", "work fax", "assistant", "main"]
        );
        assert_eq!(r.address.as_deref(), Some("1 Road, Springfield, 12345"));
        assert_eq!(r.tags, vec!["VIP", "Customers"]);
        assert_eq!(r.birthday.as_deref(), Some("5/17/1970"));
        // The home address is the second one; the e-mail type and display name are
        // counted as skipped.
        assert_eq!(r.second_address.as_deref(), Some("9 Lane"));
        assert_eq!(out.skipped.get("E-mail Type"), Some(&1));
        assert_eq!(out.skipped.get("E-mail Display Name"), Some(&1));
    }

    #[test]
    fn thunderbird_headers_and_split_birthday() {
        let out = read(
            "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,\
             Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,\
             Home City,Job Title,Organization,Birth Year,Birth Month,Birth Day,Notes,\n\
             Linus,T,Linus Torvalds,,l@kernel.org,,1,2,3,4,5,Street 1,Portland,Boss,LF,1969,12,\
             28,penguins,\n",
        );
        let r = &out.records[0];
        assert_eq!(r.name, "Linus Torvalds");
        assert_eq!(r.emails, vec![l(None, "l@kernel.org")]);
        let labels: Vec<_> = r
            .phones
            .iter()
            .map(|p| p.label.clone().unwrap_or_default())
            .collect();
        assert_eq!(labels, vec!["work", "home", "fax", "pager", "mobile"]);
        assert_eq!(r.address.as_deref(), Some("Street 1, Portland"));
        assert_eq!(r.company.as_deref(), Some("LF"));
        assert_eq!(r.title.as_deref(), Some("Boss"));
        assert_eq!(r.birthday.as_deref(), Some("1969-12-28"));
        assert_eq!(r.note.as_deref(), Some("penguins"));
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        let out = read("Display Name,Birth Month,Birth Day\nX,7,4\n");
        assert_eq!(out.records[0].birthday.as_deref(), Some("--07-04"));
    }

    #[test]
    fn obvious_headers_are_guessed_and_others_refused_with_the_map_syntax() {
        let out = read("Full Name;Telephone;E-mail;Company;Tags\nAda;123;a@x;ACME;a, b; c\n");
        let r = &out.records[0];
        assert_eq!(
            (r.name.as_str(), r.company.as_deref()),
            ("Ada", Some("ACME"))
        );
        assert_eq!(r.phones, vec![l(None, "123")]);
        assert_eq!(r.emails, vec![l(None, "a@x")]);
        // A row with more fields than the header: the extra is counted, not lost silently.
        assert_eq!(r.tags, vec!["a", "b"]);
        assert_eq!(out.skipped.get("(column 6 without a header)"), Some(&1));

        let e = read_contacts(
            b"opportunity_id,sales_agent,Deal Stage\n1,x,Won\n",
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.0.contains("not recognised")
                && e.0
                    .contains("--map 'name=opportunity_id,phone=sales_agent'")
                && e.0.contains("Deal Stage")
                && e.0.contains("first_name"),
            "{e}"
        );
    }

    #[test]
    fn localised_outlook_headers_are_read_as_english_ones() {
        // German: `E-Mail-Typ` is the type, not an address.
        let out = read(
            "Anrede;Vorname;Nachname;Firma;Abteilung;Position;E-Mail-Adresse;E-Mail-Typ;\
             Telefon geschäftlich;Mobiltelefon;Straße geschäftlich;Ort geschäftlich;Geburtstag\n\
             Herr;Jürgen;Müller;Hafenbau GmbH;Einkauf;Leiter;jm@hafenbau.de;SMTP;\
             +49 40 123450;0171 2345678;Kai 1;Hamburg;1970-05-17\n",
        );
        assert_eq!(out.notes, vec!["columns read as German"]);
        let r = &out.records[0];
        assert_eq!(r.name, "Herr Jürgen Müller");
        assert_eq!(r.company.as_deref(), Some("Hafenbau GmbH"));
        assert_eq!(r.department.as_deref(), Some("Einkauf"));
        assert_eq!(r.title.as_deref(), Some("Leiter"));
        assert_eq!(r.emails, vec![l(None, "jm@hafenbau.de")]);
        assert_eq!(
            r.phones,
            vec![
                l(Some("work"), "+49 40 123450"),
                l(Some("mobile"), "0171 2345678")
            ]
        );
        assert_eq!(r.address.as_deref(), Some("Kai 1, Hamburg"));
        assert_eq!(out.skipped.get("E-Mail-Typ"), Some(&1));
        // Japanese: family name first.
        let out = read(
            "名,姓,会社,部署,役職,電子メール アドレス,電子メールの種類,会社電話,携帯電話,メモ\n\
             太郎,山田,山田商事,営業部,部長,taro@yamada.co.jp,SMTP,03-1234-5678,090-1234-5678,大切\n",
        );
        assert_eq!(out.notes, vec!["columns read as Japanese"]);
        let r = &out.records[0];
        assert_eq!(r.name, "山田 太郎");
        assert_eq!(r.company.as_deref(), Some("山田商事"));
        assert_eq!(r.department.as_deref(), Some("営業部"));
        assert_eq!(r.emails, vec![l(None, "taro@yamada.co.jp")]);
        assert_eq!(
            r.phones,
            vec![
                l(Some("work"), "03-1234-5678"),
                l(Some("mobile"), "090-1234-5678")
            ]
        );
        assert_eq!(r.note.as_deref(), Some("大切"));
        // Russian, Persian, French and Spanish columns too.
        for header in [
            "Имя,Фамилия,Организация,Адрес эл. почты,Мобильный телефон",
            "نام,نام خانوادگی,شرکت,نشانی پست الکترونیکی,تلفن همراه",
            "Prénom,Nom,Société,Adresse de messagerie,Tél. mobile",
            "Nombre,Apellidos,Organización,Dirección de correo electrónico,Teléfono móvil",
            "Nome,Cognome,Società,Indirizzo posta elettronica,Cellulare",
            "Voornaam,Achternaam,Bedrijf,E-mailadres,Mobiele telefoon",
            "Nome,Sobrenome,Empresa,Endereço de Email,Celular",
            "名,姓,公司,电子邮件地址,移动电话",
        ] {
            let out = read(&format!("{header}\nA,B,C,a@b.org,0171 2345678\n"));
            let r = &out.records[0];
            assert_eq!(r.company.as_deref(), Some("C"), "{header}");
            assert_eq!(r.emails, vec![l(None, "a@b.org")], "{header}");
            assert_eq!(
                r.phones,
                vec![l(Some("mobile"), "0171 2345678")],
                "{header}"
            );
            assert!(r.name.contains('A') && r.name.contains('B'), "{header}");
        }
    }

    #[test]
    fn unrecognised_columns_suggest_the_closest_mapping_and_are_made_harmless() {
        let e = read_contacts(
            b"Vornme,Telefon geschaftlich,Kundennummer,Evil\x1b[2J\nA,1,2,3\n",
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.0.contains("\"Vornme\" looks like \"Vorname\" (first_name)")
                && e.0.contains(
                    "\"Telefon geschaftlich\" looks like \"Telefon geschäftlich\" (phone)"
                )
                && e.0
                    .contains("--map 'first_name=Vornme,phone=Telefon geschaftlich'"),
            "{e}"
        );
        assert!(!e.0.contains('\x1b') && e.0.contains("Evil␛[2J"), "{e}");
    }

    #[test]
    fn a_map_names_columns_repeats_fields_and_counts_the_rest() {
        let text = "Who,Cell,Desk,Street,Town,Misc,Mail\nAda,1,2,Main St,Leeds,zzz,a@x\n,,,,,,\nBob,,3,,,,\n";
        let out = mapped(
            text,
            "name=who,phone=Cell,phone=Desk,address=Town,address=Street,email=Mail",
        )
        .unwrap();
        assert_eq!(out.records.len(), 2);
        let r = &out.records[0];
        assert_eq!(r.name, "Ada");
        assert_eq!(r.phones, vec![l(Some("mobile"), "1"), l(Some("desk"), "2")]);
        assert_eq!(r.address.as_deref(), Some("Leeds, Main St"));
        assert_eq!(r.emails, vec![l(None, "a@x")]);
        assert_eq!(out.skipped.get("Misc"), Some(&1));
        // The blank row is not a record; the next one is record 2 on line 4.
        assert_eq!((out.records[1].record, out.records[1].line), (2, 4));

        let e = mapped(text, "name=Who,phone=Fax").unwrap_err();
        assert!(
            e.0.contains("no column \"Fax\"") && e.0.contains("Street"),
            "{e}"
        );
        let e = mapped(text, "stage=Who").unwrap_err();
        assert!(e.0.contains("not a contact field"), "{e}");
    }

    #[test]
    fn quoted_newlines_raw_text_and_encodings() {
        let text = "Name,Note,Phone\r\n\"Ada\",\"one\r\ntwo\r\nthree\",1\r\nBob,x,2\r\n";
        let out = read(text);
        assert_eq!(out.records[0].note.as_deref(), Some("one\r\ntwo\r\nthree"));
        assert_eq!(out.records[0].raw, "\"Ada\",\"one\r\ntwo\r\nthree\",1");
        assert_eq!((out.records[1].record, out.records[1].line), (2, 5));
        assert_eq!(out.records[1].raw, "Bob,x,2");

        let (bytes, _, _) =
            encoding_rs::WINDOWS_1252.encode("Name;Company\nJürgen Müller;Straße GmbH\n");
        let out = read_contacts(&bytes, &CsvOptions::default()).unwrap();
        assert_eq!(out.encoding, "windows-1252");
        assert_eq!(out.records[0].name, "Jürgen Müller");
        assert_eq!(out.records[0].company.as_deref(), Some("Straße GmbH"));

        let utf16: Vec<u8> = "Name\tEmail\r\nАда\tada@x\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let out = read_contacts(&utf16, &CsvOptions::default()).unwrap();
        assert_eq!(
            (out.encoding.as_str(), out.records[0].name.as_str()),
            ("UTF-16LE", "Ада")
        );

        let forced = CsvOptions {
            encoding: Some(encoding_rs::UTF_8),
            map: None,
        };
        let e = read_contacts(b"Name\nM\xfcller\n", &forced).unwrap_err();
        assert!(
            e.0.contains("not valid UTF-8") && e.0.contains("--encoding"),
            "{e}"
        );
    }

    #[test]
    fn written_contacts_read_back_the_same() {
        let records = vec![
            ContactRecord {
                name: "Ada Lovelace".into(),
                company: Some("Analytical, Ltd".into()),
                title: Some("Countess".into()),
                phones: vec![l(Some("mobile"), "+44 20 1"), l(None, "2")],
                emails: vec![l(Some("work"), "ada@x.org")],
                address: Some("12 St James's Sq, London".into()),
                second_address: Some("Ockham Park, Surrey".into()),
                department: Some("Analysis".into()),
                nickname: Some("Enchantress of Numbers".into()),
                website: Some("https://ada.example/?a=1,2".into()),
                birthday: Some("1815-12-10".into()),
                note: Some("said \"hello\"\nand more".into()),
                tags: vec!["VIP".into(), "a, b".into()],
                ..ContactRecord::default()
            },
            ContactRecord {
                name: "Bob".into(),
                emails: vec![l(None, "b@y"), l(Some("home"), "b@z")],
                ..ContactRecord::default()
            },
        ];
        let mut out = Vec::new();
        write_contacts(&records, &mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("Name,Given Name,Family Name,Nickname,Organization 1 - Name"));
        assert!(text.contains("\r\n") && !text.starts_with('\u{feff}'));
        let back = read_contacts(&out, &CsvOptions::default()).unwrap();
        assert!(back.skipped.is_empty(), "{:?}", back.skipped);
        for (a, b) in records.iter().zip(&back.records) {
            let strip = |r: &ContactRecord| ContactRecord {
                record: 0,
                line: 0,
                raw: String::new(),
                ..r.clone()
            };
            assert_eq!(strip(a), strip(b));
        }
    }
}
