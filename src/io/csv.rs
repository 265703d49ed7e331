//! Contacts from CSV files: Google Contacts (old and new headers), Outlook and
//! Thunderbird exports are recognised by their headers; a file with obvious headers
//! (Name, Phone, Email, Company…) is guessed; anything else is mapped with `--map`.
//! Headers in other languages are translated to English ones first (`headers`), so
//! German or Japanese Outlook exports read like English ones.
//! And contacts back out as a Google-compatible CSV (`rapport export --format csv`, in
//! `write`).
//!
//! The file is decoded once up front (see `table`), so a row costs one parse and one
//! allocation per value kept; nothing here panics on any input.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

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

/// A known header: its `header_words` form (in characters), as written, and the
/// `--map` field it feeds.
type KnownHeader = (Vec<char>, &'static str, &'static str);

/// Every header the closest-match suggestion compares with: the English ones and the
/// localised ones that translate to them, worked out once.
fn known_headers() -> &'static [KnownHeader] {
    static KNOWN: std::sync::OnceLock<Vec<KnownHeader>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let english: Vec<(String, &str)> = KNOWN_ENGLISH
            .iter()
            .chain(&[
                ("E-mail 2 Address", "email"),
                ("Business Street", "address"),
                ("Home Street", "address"),
            ])
            .map(|(k, field)| (header_words(k), *field))
            .collect();
        let localised = super::headers::all().filter_map(|(local, en)| {
            let en = header_words(en);
            english
                .iter()
                .find(|(k, _)| *k == en)
                .map(|(_, field)| (local, *field))
        });
        KNOWN_ENGLISH
            .iter()
            .copied()
            .chain(localised)
            .map(|(known, field)| (header_words(known).chars().collect(), known, field))
            .collect()
    })
}

/// The known header closest to `header` (one typo per four letters at most) and the
/// `--map` field it would feed, for a file whose columns were not recognised.
fn closest_known(header: &str) -> Option<(&'static str, &'static str)> {
    let key: Vec<char> = header_words(header).chars().collect();
    if key.len() < 3 || key.len() > 60 {
        return None;
    }
    known_headers()
        .iter()
        .filter_map(|(known, shown, field)| {
            let most = (known.len() / 4).max(1);
            // Lengths further apart than the edits allowed cannot match.
            if key.len().abs_diff(known.len()) > most {
                return None;
            }
            let d = edit_distance(&key, known);
            (d <= most).then_some((d, *shown, *field))
        })
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, shown, field)| (shown, field))
}

/// Levenshtein distance in characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
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

mod write;
pub use write::write_contacts;

#[cfg(test)]
mod tests;
