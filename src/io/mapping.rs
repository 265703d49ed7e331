//! `--map`: which column of a CSV file holds which field, as the user writes it
//! (`name="Full Name",phone=Mobile,phone=Work Phone,email=E-mail 1 - Value`), and the
//! header normalisation every CSV reader matches column names with.

use std::fmt;

/// The fields a contacts CSV can map (`rapport import --map`).
pub const CONTACT_FIELDS: &[&str] = &[
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "department",
    "title",
    "nickname",
    "phone",
    "email",
    "address",
    "second_address",
    "birthday",
    "website",
    "note",
    "tags",
];

/// The fields a deals spreadsheet can map (`rapport import --deals --map`).
pub const DEAL_FIELDS: &[&str] = &[
    "reference",
    "title",
    "account",
    "owner",
    "product",
    "stage",
    "engaged_on",
    "closed_on",
    "value",
    "currency",
];

/// The fields an accounts spreadsheet can map.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "name",
    "sector",
    "employees",
    "location",
    "parent",
    "revenue",
    "year",
];

/// The fields a products spreadsheet can map.
pub const PRODUCT_FIELDS: &[&str] = &["name", "series", "price"];

/// The fields a sales-teams spreadsheet can map.
pub const TEAM_FIELDS: &[&str] = &["agent", "manager", "office"];

/// What kind of file a map is checked against, for its error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    Contacts,
    Deals,
    Accounts,
    Products,
    Teams,
}

impl Fields {
    /// The field names this kind of file knows.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Fields::Contacts => CONTACT_FIELDS,
            Fields::Deals => DEAL_FIELDS,
            Fields::Accounts => ACCOUNT_FIELDS,
            Fields::Products => PRODUCT_FIELDS,
            Fields::Teams => TEAM_FIELDS,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Fields::Contacts => "contact",
            Fields::Deals => "deal",
            Fields::Accounts => "account",
            Fields::Products => "product",
            Fields::Teams => "sales-team",
        }
    }
}

/// One `field=Header` pair of a `--map`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    /// The Rapport field (`phone`, `close_date`…), lower case.
    pub field: String,
    /// The column header as the user wrote it (unquoted).
    pub header: String,
}

/// A parsed `--map`: field-to-column pairs in the order written. A field may appear
/// several times (`phone=Mobile,phone=Work Phone`); repeated text fields are joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    pub entries: Vec<MapEntry>,
}

impl fmt::Display for FieldMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}={}", e.field, quote_header(&e.header))?;
        }
        Ok(())
    }
}

/// A header as `--map` needs it written: quoted when it holds a comma, `=`, a quote
/// or leading/trailing space.
pub fn quote_header(h: &str) -> String {
    if h.contains([',', '=', '"']) || h.trim() != h || h.is_empty() {
        format!("\"{}\"", h.replace('"', "\"\""))
    } else {
        h.to_string()
    }
}

impl FieldMap {
    /// Parses `field=Header,field="Header, with comma",…`. A header in double quotes
    /// may hold commas and `=`; `""` inside quotes is one quote. Spaces around fields
    /// and unquoted headers are trimmed. A field may be given several times. Field
    /// names are checked against every kind of file (contacts, deals, accounts,
    /// products, teams); each reader checks the ones it knows with `check`.
    pub fn parse(text: &str) -> Result<FieldMap, String> {
        let mut entries = Vec::new();
        let mut rest = text;
        loop {
            let trimmed = rest.trim_start();
            if trimmed.is_empty() {
                break;
            }
            if let Some(after) = trimmed.strip_prefix(',') {
                rest = after;
                continue;
            }
            let Some((field, value)) = trimmed.split_once('=') else {
                let item = trimmed.split(',').next().unwrap_or(trimmed).trim();
                return Err(format!(
                    "--map entry {item:?} has no `=`; write field=Column, e.g. \
                     name=\"Full Name\",phone=Mobile"
                ));
            };
            let field = field.trim();
            if field.contains(',') {
                let item = field.split(',').next().unwrap_or(field).trim();
                return Err(format!(
                    "--map entry {item:?} has no `=`; write field=Column, e.g. \
                     name=\"Full Name\",phone=Mobile"
                ));
            }
            let field = field.trim_matches('"').to_ascii_lowercase();
            if field.is_empty() {
                return Err("--map has an entry with no field name before `=`".into());
            }
            let value = value.trim_start();
            let (header, after) = if let Some(q) = value.strip_prefix('"') {
                let (h, after) = unquote(q).ok_or_else(|| {
                    format!("--map: the quoted column name for {field:?} is never closed")
                })?;
                let after = after.trim_start();
                if !(after.is_empty() || after.starts_with(',')) {
                    return Err(format!(
                        "--map: unexpected text after the quoted column name for {field:?}: {:?}",
                        after.split(',').next().unwrap_or(after)
                    ));
                }
                (h, after)
            } else {
                let (h, after) = value.split_once(',').unwrap_or((value, ""));
                (h.trim().to_string(), after)
            };
            if header.trim().is_empty() {
                return Err(format!("--map: {field}= names no column"));
            }
            if !all_fields().any(|f| f == field) {
                return Err(format!(
                    "--map: {field:?} is not a field Rapport knows; contacts: {}; deals: {}; \
                     accounts: {}; products: {}; teams: {}",
                    CONTACT_FIELDS.join(", "),
                    DEAL_FIELDS.join(", "),
                    ACCOUNT_FIELDS.join(", "),
                    PRODUCT_FIELDS.join(", "),
                    TEAM_FIELDS.join(", ")
                ));
            }
            entries.push(MapEntry { field, header });
            rest = after;
        }
        if entries.is_empty() {
            return Err(
                "--map is empty; write field=Column,…, e.g. name=\"Full Name\",phone=Mobile".into(),
            );
        }
        Ok(FieldMap { entries })
    }

    /// Refuses a field this kind of file does not have, listing the ones it does.
    pub fn check(&self, kind: Fields) -> Result<(), String> {
        for e in &self.entries {
            if !kind.names().contains(&e.field.as_str()) {
                return Err(format!(
                    "--map: {:?} is not a {} field; {} fields are: {}",
                    e.field,
                    kind.noun(),
                    kind.noun(),
                    kind.names().join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The columns each entry names, in the map's order: `(field, column index)` for
    /// every column whose header matches (case-insensitive, trimmed). A header the file
    /// does not have is an error naming it and listing the file's headers.
    pub fn resolve(&self, headers: &[String]) -> Result<Vec<(&str, usize)>, String> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut out = Vec::new();
        for e in &self.entries {
            let want = header_key(&e.header);
            let before = out.len();
            for (i, k) in keys.iter().enumerate() {
                if *k == want {
                    out.push((e.field.as_str(), i));
                }
            }
            if out.len() == before {
                return Err(format!(
                    "--map: this file has no column {:?} (for {}); its columns are: {}",
                    crate::text::for_terminal(&e.header),
                    e.field,
                    list_headers(headers)
                ));
            }
        }
        Ok(out)
    }
}

/// Reads a quoted header after its opening quote: the text and what follows the
/// closing quote, or `None` if it is never closed.
fn unquote(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if matches!(chars.peek(), Some((_, '"'))) {
                out.push('"');
                chars.next();
            } else {
                return Some((out, s.get(i + 1..).unwrap_or("")));
            }
        } else {
            out.push(c);
        }
    }
    None
}

fn all_fields() -> impl Iterator<Item = &'static str> {
    CONTACT_FIELDS
        .iter()
        .chain(DEAL_FIELDS)
        .chain(ACCOUNT_FIELDS)
        .chain(PRODUCT_FIELDS)
        .chain(TEAM_FIELDS)
        .copied()
}

/// A header as `--map` matches it: trimmed, lower case, inner runs of space as one.
pub fn header_key(h: &str) -> String {
    h.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A header as the automatic recognisers match it: `header_key` with `_` as a space
/// (`close_date` = `Close Date`).
pub fn header_words(h: &str) -> String {
    header_key(&h.replace('_', " "))
}

/// The file's headers for a message, quoted the way `--map` needs them.
pub fn list_headers(headers: &[String]) -> String {
    const MAX: usize = 60;
    // Headers come from the file: made harmless before they reach a terminal.
    let mut s = headers
        .iter()
        .take(MAX)
        .map(|h| crate::text::for_terminal(&quote_header(h)).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if headers.len() > MAX {
        s.push_str(&format!(", … ({} more)", headers.len() - MAX));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(m: &FieldMap) -> Vec<(&str, &str)> {
        m.entries
            .iter()
            .map(|e| (e.field.as_str(), e.header.as_str()))
            .collect()
    }

    #[test]
    fn quoted_headers_hold_commas_and_equals() {
        let m = FieldMap::parse(
            r#"name="Full Name, formal",phone=Mobile, phone = Work Phone ,email=E-mail 1 - Value,note="a=b ""c""""#,
        )
        .unwrap();
        assert_eq!(
            pairs(&m),
            vec![
                ("name", "Full Name, formal"),
                ("phone", "Mobile"),
                ("phone", "Work Phone"),
                ("email", "E-mail 1 - Value"),
                ("note", "a=b \"c\""),
            ]
        );
        // Display writes it back in a form parse reads.
        assert_eq!(FieldMap::parse(&m.to_string()).unwrap(), m);
        assert_eq!(
            pairs(&FieldMap::parse("  name=Name,, ").unwrap()),
            vec![("name", "Name")]
        );
    }

    #[test]
    fn bad_maps_are_refused_with_the_reason() {
        let e = FieldMap::parse("nmae=Name").unwrap_err();
        assert!(e.contains("\"nmae\"") && e.contains("first_name") && e.contains("stage"));
        assert!(FieldMap::parse("name").unwrap_err().contains("no `=`"));
        assert!(
            FieldMap::parse("name=Name,phone")
                .unwrap_err()
                .contains("\"phone\"")
        );
        assert!(
            FieldMap::parse("name=\"Full")
                .unwrap_err()
                .contains("never closed")
        );
        assert!(FieldMap::parse("name=").unwrap_err().contains("no column"));
        assert!(FieldMap::parse("").unwrap_err().contains("empty"));
        assert!(
            FieldMap::parse("name=\"A\"x")
                .unwrap_err()
                .contains("unexpected")
        );
        let deal_only = FieldMap::parse("stage=Stage").unwrap();
        let e = deal_only.check(Fields::Contacts).unwrap_err();
        assert!(
            e.contains("not a contact field") && e.contains("first_name"),
            "{e}"
        );
        assert!(deal_only.check(Fields::Deals).is_ok());
    }

    #[test]
    fn headers_resolve_case_insensitively_and_missing_ones_are_named() {
        let headers: Vec<String> = ["Full  Name ", "MOBILE", "Mobile", "Notes, misc"]
            .map(String::from)
            .to_vec();
        let m = FieldMap::parse("name=full name,phone=mobile").unwrap();
        assert_eq!(
            m.resolve(&headers).unwrap(),
            vec![("name", 0), ("phone", 1), ("phone", 2)]
        );
        let e = FieldMap::parse("email=E-mail")
            .unwrap()
            .resolve(&headers)
            .unwrap_err();
        assert!(
            e.contains("no column \"E-mail\"")
                && e.contains("\"Notes, misc\"")
                && e.contains("MOBILE"),
            "{e}"
        );
    }
}
