//! Deals, accounts, products and sales teams from a spreadsheet saved as CSV
//! (`rapport import --deals FILE [--accounts FILE]`). The Maven "CRM + Sales
//! Opportunities" headers and common alternatives (Deal Name, Amount, Stage, Owner,
//! Close Date…) are recognised; anything else is mapped with `--map`, as for contacts.
//!
//! Values are kept as written (`None` when empty): dates, amounts and stages are
//! checked by the importer, which knows the store's rules. What is here: each row's
//! position and text, and `product_match` for product names written differently.

use std::collections::BTreeMap;

use csv::ByteRecord;
use serde::Serialize;

use super::csv::{CsvOptions, skipped_by_name};
use super::mapping::{ACCOUNT_FIELDS, Fields, header_words, list_headers, quote_header};
use super::record::{Problem, ReadError};
use super::table::{RowAt, Table, cell};

/// Everything a spreadsheet reader got from one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetOutcome<T> {
    pub records: Vec<T>,
    /// Rows that could not be read at all.
    pub problems: Vec<Problem>,
    /// Columns left out (mapped to nothing), by header, with how many non-empty values.
    pub skipped: BTreeMap<String, usize>,
    /// The encoding the file was read in.
    pub encoding: String,
    /// The header row as written, the first line of a reject file.
    pub header: String,
}

/// One deal row as written (Maven `sales_pipeline.csv`: opportunity_id, sales_agent,
/// product, account, deal_stage, engage_date, close_date, close_value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DealRecord {
    /// 1-based data row number.
    pub record: usize,
    /// 1-based file line the row starts on.
    pub line: usize,
    /// The deal's id in the source (opportunity_id).
    pub reference: Option<String>,
    /// The deal's name, when the file has one (the Maven data has none).
    pub title: Option<String>,
    /// The customer company (account).
    pub account: Option<String>,
    /// The sales agent who owns the deal.
    pub owner: Option<String>,
    pub product: Option<String>,
    /// The stage as written (Prospecting, Engaging, Won, Lost…).
    pub stage: Option<String>,
    /// When the deal was engaged / created, as written.
    pub engaged_on: Option<String>,
    /// When the deal closed (or is expected to), as written.
    pub closed_on: Option<String>,
    /// The amount as written (close_value).
    pub value: Option<String>,
    pub currency: Option<String>,
    /// The row's original text.
    pub raw: String,
}

/// One account row as written (Maven `accounts.csv`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountRecord {
    pub record: usize,
    pub line: usize,
    /// The company's name (account).
    pub name: Option<String>,
    pub sector: Option<String>,
    pub employees: Option<String>,
    /// Headquarters (office_location).
    pub location: Option<String>,
    /// The parent company's name (subsidiary_of).
    pub parent: Option<String>,
    /// Annual revenue as written (Maven: millions of USD).
    pub revenue: Option<String>,
    /// Year established.
    pub year: Option<String>,
    pub raw: String,
}

/// One product row as written (Maven `products.csv`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductRecord {
    pub record: usize,
    pub line: usize,
    pub name: Option<String>,
    pub series: Option<String>,
    /// Suggested price as written (sales_price).
    pub price: Option<String>,
    pub raw: String,
}

/// One sales agent row as written (Maven `sales_teams.csv`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TeamRecord {
    pub record: usize,
    pub line: usize,
    pub agent: Option<String>,
    pub manager: Option<String>,
    /// Regional office (Central, East, West).
    pub office: Option<String>,
    pub raw: String,
}

/// The headers each field is recognised by (`header_words` form: lower case, `_` as
/// a space), first the Maven name, then common alternatives.
const DEAL_HEADERS: &[(&str, &[&str])] = &[
    (
        "reference",
        &[
            "opportunity id",
            "deal id",
            "opportunity",
            "reference",
            "ref",
            "id",
        ],
    ),
    (
        "title",
        &[
            "deal name",
            "deal",
            "title",
            "deal title",
            "opportunity name",
            "name",
            "subject",
        ],
    ),
    (
        "account",
        &[
            "account",
            "account name",
            "company",
            "company name",
            "organization",
            "organisation",
            "customer",
            "client",
        ],
    ),
    (
        "owner",
        &[
            "sales agent",
            "owner",
            "deal owner",
            "agent",
            "sales rep",
            "salesperson",
            "assigned to",
            "user",
        ],
    ),
    ("product", &["product", "product name", "products"]),
    (
        "stage",
        &[
            "deal stage",
            "stage",
            "pipeline stage",
            "status",
            "deal status",
        ],
    ),
    (
        "engaged_on",
        &[
            "engage date",
            "engaged on",
            "engaged",
            "created",
            "created at",
            "created on",
            "create date",
            "creation date",
            "date created",
            "start date",
            "opened",
        ],
    ),
    (
        "closed_on",
        &[
            "close date",
            "closed on",
            "closed",
            "closing date",
            "expected close date",
            "close",
            "closed at",
            "won date",
        ],
    ),
    (
        "value",
        &[
            "close value",
            "value",
            "amount",
            "deal value",
            "deal amount",
            "price",
            "revenue",
            "expected revenue",
        ],
    ),
    ("currency", &["currency", "currency code"]),
];

const ACCOUNT_HEADERS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "account",
            "account name",
            "name",
            "company",
            "company name",
            "organization",
            "organisation",
        ],
    ),
    ("sector", &["sector", "industry"]),
    (
        "employees",
        &[
            "employees",
            "employee count",
            "number of employees",
            "headcount",
            "staff",
        ],
    ),
    (
        "location",
        &[
            "office location",
            "location",
            "headquarters",
            "hq",
            "country",
            "city",
        ],
    ),
    (
        "parent",
        &[
            "subsidiary of",
            "parent",
            "parent account",
            "parent company",
        ],
    ),
    ("revenue", &["revenue", "annual revenue"]),
    (
        "year",
        &[
            "year established",
            "year founded",
            "founded",
            "established",
            "year",
        ],
    ),
];

const PRODUCT_HEADERS: &[(&str, &[&str])] = &[
    ("name", &["product", "product name", "name"]),
    (
        "series",
        &[
            "series",
            "product series",
            "family",
            "product line",
            "line",
            "category",
        ],
    ),
    (
        "price",
        &["sales price", "price", "list price", "unit price"],
    ),
];

const TEAM_HEADERS: &[(&str, &[&str])] = &[
    (
        "agent",
        &[
            "sales agent",
            "agent",
            "sales rep",
            "rep",
            "salesperson",
            "name",
        ],
    ),
    ("manager", &["manager", "sales manager"]),
    ("office", &["regional office", "office", "region"]),
];

/// Which columns feed which field, for one kind of sheet.
struct SheetPlan {
    /// Per field (in the kind's field order), the columns joined into it.
    cols: Vec<Vec<usize>>,
    /// Columns feeding nothing.
    unused: Vec<usize>,
}

impl SheetPlan {
    fn recognise(headers: &[String], table: &[(&str, &[&str])]) -> SheetPlan {
        let keys: Vec<String> = headers.iter().map(|h| header_words(h)).collect();
        let mut cols = vec![Vec::new(); table.len()];
        let mut used = vec![false; headers.len()];
        // For each field, the first alternative the file has wins (and a column
        // feeds one field only): `account` is the account even if `company` exists.
        for (f, (_, names)) in table.iter().enumerate() {
            let found = names.iter().find_map(|n| {
                keys.iter()
                    .enumerate()
                    .find(|(i, k)| k.as_str() == *n && !used.get(*i).copied().unwrap_or(true))
                    .map(|(i, _)| i)
            });
            if let (Some(i), Some(c)) = (found, cols.get_mut(f)) {
                c.push(i);
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
        }
        let unused = (0..headers.len())
            .filter(|i| !used.get(*i).copied().unwrap_or(true))
            .collect();
        SheetPlan { cols, unused }
    }

    fn from_map(
        opts: &CsvOptions,
        headers: &[String],
        kind: Fields,
        table: &[(&str, &[&str])],
    ) -> Option<Result<SheetPlan, String>> {
        let map = opts.map.as_ref()?;
        Some((|| {
            map.check(kind)?;
            let mut cols = vec![Vec::new(); table.len()];
            let mut used = vec![false; headers.len()];
            for (field, col) in map.resolve(headers)? {
                if let Some(c) = table
                    .iter()
                    .position(|(f, _)| *f == field)
                    .and_then(|f| cols.get_mut(f))
                {
                    c.push(col);
                }
                if let Some(u) = used.get_mut(col) {
                    *u = true;
                }
            }
            let unused = (0..headers.len())
                .filter(|i| !used.get(*i).copied().unwrap_or(true))
                .collect();
            Ok(SheetPlan { cols, unused })
        })())
    }

    fn has(&self, table: &[(&str, &[&str])], field: &str) -> bool {
        table
            .iter()
            .position(|(f, _)| *f == field)
            .and_then(|i| self.cols.get(i))
            .is_some_and(|c| !c.is_empty())
    }

    /// The row's values, one per field (repeated columns joined with a space).
    fn values(&self, rec: &ByteRecord, skipped: &mut [usize]) -> Vec<Option<String>> {
        let get = |i: usize| rec.get(i).map(cell).unwrap_or("");
        for &i in &self.unused {
            if !get(i).is_empty()
                && let Some(n) = skipped.get_mut(i)
            {
                *n += 1;
            }
        }
        self.cols
            .iter()
            .map(|cols| {
                let mut s = String::new();
                for v in cols.iter().map(|&i| get(i)).filter(|v| !v.is_empty()) {
                    if !s.is_empty() {
                        s.push(' ');
                    }
                    s.push_str(v);
                }
                (!s.is_empty()).then_some(s)
            })
            .collect()
    }
}

/// Reads a sheet: decode, plan (map or recognised, `required` fields present), rows.
fn read_sheet<T>(
    bytes: &[u8],
    opts: &CsvOptions,
    kind: Fields,
    table: &[(&str, &[&str])],
    recognised: impl Fn(&SheetPlan) -> bool,
    what: &str,
    build: impl Fn(&RowAt<'_>, Vec<Option<String>>) -> T,
) -> Result<SheetOutcome<T>, ReadError> {
    let t = Table::open(bytes, opts.encoding)?;
    let plan = match SheetPlan::from_map(opts, &t.headers, kind, table) {
        Some(p) => p.map_err(ReadError)?,
        None => {
            let p = SheetPlan::recognise(&t.headers, table);
            if !recognised(&p) {
                return Err(unrecognised(&t.headers, kind, table, what));
            }
            p
        }
    };
    let mut skip_counts = vec![0usize; t.headers.len()];
    let mut extra: BTreeMap<usize, usize> = BTreeMap::new();
    let mut records = Vec::with_capacity(t.row_estimate());
    let problems = t.for_each_row(|at, rec| {
        records.push(build(at, plan.values(rec, &mut skip_counts)));
        for (i, f) in rec.iter().enumerate().skip(t.headers.len()) {
            if !cell(f).is_empty() {
                *extra.entry(i).or_default() += 1;
            }
        }
    });
    Ok(SheetOutcome {
        records,
        problems,
        skipped: skipped_by_name(&t.headers, &skip_counts, &extra),
        encoding: t.encoding.name().to_string(),
        header: t.header_line().to_string(),
    })
}

fn unrecognised(
    headers: &[String],
    kind: Fields,
    table: &[(&str, &[&str])],
    what: &str,
) -> ReadError {
    let example = table
        .iter()
        .zip(headers)
        .take(2)
        .map(|((f, _), h)| format!("{f}={}", quote_header(h)))
        .collect::<Vec<_>>()
        .join(",");
    ReadError(format!(
        "the columns of this file were not recognised as {what}. Say which column holds \
         what with --map field=Column,…, e.g. --map '{example}'. Fields: {}. This file's \
         columns: {}",
        kind.names().join(", "),
        list_headers(headers)
    ))
}

/// Takes the values out in field order.
fn fields<const N: usize>(values: Vec<Option<String>>) -> [Option<String>; N] {
    let mut it = values.into_iter();
    std::array::from_fn(|_| it.next().flatten())
}

/// Reads deals. Recognised without `--map` when the file has a reference or title
/// column and a stage, value, account or owner column.
pub fn read_deals(bytes: &[u8], opts: &CsvOptions) -> Result<SheetOutcome<DealRecord>, ReadError> {
    read_sheet(
        bytes,
        opts,
        Fields::Deals,
        DEAL_HEADERS,
        |p| {
            (p.has(DEAL_HEADERS, "reference") || p.has(DEAL_HEADERS, "title"))
                && ["stage", "value", "account", "owner"]
                    .iter()
                    .any(|f| p.has(DEAL_HEADERS, f))
        },
        "deals (e.g. opportunity_id, sales_agent, account, deal_stage, close_value)",
        |at, v| {
            let [
                reference,
                title,
                account,
                owner,
                product,
                stage,
                engaged_on,
                closed_on,
                value,
                currency,
            ] = fields(v);
            DealRecord {
                record: at.record,
                line: at.line,
                reference,
                title,
                account,
                owner,
                product,
                stage,
                engaged_on,
                closed_on,
                value,
                currency,
                raw: at.raw.to_string(),
            }
        },
    )
}

/// Reads accounts. Recognised without `--map` when the file has a name column and
/// one of sector, employees, location, parent, revenue or year.
pub fn read_accounts(
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<SheetOutcome<AccountRecord>, ReadError> {
    read_sheet(
        bytes,
        opts,
        Fields::Accounts,
        ACCOUNT_HEADERS,
        |p| {
            p.has(ACCOUNT_HEADERS, "name")
                && ACCOUNT_FIELDS
                    .iter()
                    .filter(|f| **f != "name")
                    .any(|f| p.has(ACCOUNT_HEADERS, f))
        },
        "accounts (e.g. account, sector, employees, office_location)",
        |at, v| {
            let [name, sector, employees, location, parent, revenue, year] = fields(v);
            AccountRecord {
                record: at.record,
                line: at.line,
                name,
                sector,
                employees,
                location,
                parent,
                revenue,
                year,
                raw: at.raw.to_string(),
            }
        },
    )
}

/// Reads products. Recognised without `--map` when the file has a product name
/// column and a series or price column.
pub fn read_products(
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<SheetOutcome<ProductRecord>, ReadError> {
    read_sheet(
        bytes,
        opts,
        Fields::Products,
        PRODUCT_HEADERS,
        |p| {
            p.has(PRODUCT_HEADERS, "name")
                && (p.has(PRODUCT_HEADERS, "series") || p.has(PRODUCT_HEADERS, "price"))
        },
        "products (e.g. product, series, sales_price)",
        |at, v| {
            let [name, series, price] = fields(v);
            ProductRecord {
                record: at.record,
                line: at.line,
                name,
                series,
                price,
                raw: at.raw.to_string(),
            }
        },
    )
}

/// Reads sales teams (agent, manager, regional office). Recognised without `--map`
/// when the file has an agent column and a manager or office column.
pub fn read_teams(bytes: &[u8], opts: &CsvOptions) -> Result<SheetOutcome<TeamRecord>, ReadError> {
    read_sheet(
        bytes,
        opts,
        Fields::Teams,
        TEAM_HEADERS,
        |p| {
            p.has(TEAM_HEADERS, "agent")
                && (p.has(TEAM_HEADERS, "manager") || p.has(TEAM_HEADERS, "office"))
        },
        "sales teams (e.g. sales_agent, manager, regional_office)",
        |at, v| {
            let [agent, manager, office] = fields(v);
            TeamRecord {
                record: at.record,
                line: at.line,
                agent,
                manager,
                office,
                raw: at.raw.to_string(),
            }
        },
    )
}

/// How a product name written on a deal matches the product list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductMatch<'a> {
    /// Written exactly as a product's name.
    Exact(&'a str),
    /// Written differently but the same once case, spaces and punctuation are
    /// ignored (`GTXPro` for `GTX Pro`).
    Normalised { written: &'a str, product: &'a str },
    /// No product has this name.
    Unknown,
}

/// Matches `name` against product names: exactly (after trimming), else ignoring
/// case, spaces and punctuation. An empty name, or one that normalises to nothing,
/// is `Unknown`; when several products normalise alike, the first is taken.
pub fn product_match<'a, S: AsRef<str>>(name: &'a str, products: &'a [S]) -> ProductMatch<'a> {
    let written = name.trim();
    if written.is_empty() {
        return ProductMatch::Unknown;
    }
    if let Some(p) = products
        .iter()
        .map(AsRef::as_ref)
        .find(|p| p.trim() == written)
    {
        return ProductMatch::Exact(p);
    }
    let key = product_key(written);
    if key.is_empty() {
        return ProductMatch::Unknown;
    }
    products
        .iter()
        .map(AsRef::as_ref)
        .find(|p| product_key(p) == key)
        .map_or(ProductMatch::Unknown, |product| ProductMatch::Normalised {
            written,
            product,
        })
}

/// A product name folded for matching: letters and digits only, lower case.
fn product_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::mapping::FieldMap;

    fn no_opts() -> CsvOptions {
        CsvOptions::default()
    }

    #[test]
    fn maven_deals_keep_text_as_written() {
        let text = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\r\n\
                    1C1I7A6R,Moses Frase,GTX Plus Basic,Cancity,Won,2016-10-20,2017-03-01,1054\r\n\
                    HAXMC4IX,James Ascencio,MG Advanced,,Engaging,2016-10-21,,\r\n";
        let out = read_deals(text.as_bytes(), &no_opts()).unwrap();
        assert_eq!(out.records.len(), 2);
        let d = &out.records[0];
        assert_eq!(d.reference.as_deref(), Some("1C1I7A6R"));
        assert_eq!(d.owner.as_deref(), Some("Moses Frase"));
        assert_eq!(d.stage.as_deref(), Some("Won"));
        assert_eq!(d.closed_on.as_deref(), Some("2017-03-01"));
        assert_eq!(d.value.as_deref(), Some("1054"));
        assert_eq!((d.record, d.line), (1, 2));
        let open = &out.records[1];
        assert_eq!(
            (
                open.account.as_deref(),
                open.closed_on.as_deref(),
                open.value.as_deref()
            ),
            (None, None, None)
        );
        assert_eq!(
            open.raw,
            "HAXMC4IX,James Ascencio,MG Advanced,,Engaging,2016-10-21,,"
        );
        assert!(out.skipped.is_empty());
        assert!(out.header.starts_with("opportunity_id,") && out.header.ends_with("close_value"));
    }

    #[test]
    fn common_deal_headers_and_maps() {
        let text = "Deal Name;Amount;Stage;Owner;Close Date;Created;Company;Currency;Misc\n\
                    Big one;1.000,50;Won;Ann;2024-01-02;2023-12-01;ACME;EUR;x\n";
        let out = read_deals(text.as_bytes(), &no_opts()).unwrap();
        let d = &out.records[0];
        assert_eq!(d.title.as_deref(), Some("Big one"));
        assert_eq!(d.value.as_deref(), Some("1.000,50"));
        assert_eq!(d.account.as_deref(), Some("ACME"));
        assert_eq!(d.engaged_on.as_deref(), Some("2023-12-01"));
        assert_eq!(d.currency.as_deref(), Some("EUR"));
        assert_eq!(out.skipped.get("Misc"), Some(&1));

        let odd = "Ref,Who,Phase,Sum\n7,Ann,Won,5\n";
        let e = read_deals(odd.as_bytes(), &no_opts()).unwrap_err();
        assert!(
            e.0.contains("not recognised as deals") && e.0.contains("Phase"),
            "{e}"
        );
        let opts = CsvOptions {
            encoding: None,
            map: Some(FieldMap::parse("reference=Ref,owner=Who,stage=Phase,value=Sum").unwrap()),
        };
        let d = &read_deals(odd.as_bytes(), &opts).unwrap().records[0];
        assert_eq!(
            (d.stage.as_deref(), d.value.as_deref()),
            (Some("Won"), Some("5"))
        );
        let bad = CsvOptions {
            encoding: None,
            map: Some(FieldMap::parse("phone=Ref").unwrap()),
        };
        assert!(
            read_deals(odd.as_bytes(), &bad)
                .unwrap_err()
                .0
                .contains("not a deal field")
        );
    }

    #[test]
    fn accounts_products_and_teams() {
        let a = read_accounts(
            b"account,sector,year_established,revenue,employees,office_location,subsidiary_of\n\
              Acme Corporation,technolgy,1996,1100.04,2822,United States,\n",
            &no_opts(),
        )
        .unwrap();
        let r = &a.records[0];
        assert_eq!(
            (r.name.as_deref(), r.sector.as_deref(), r.parent.as_deref()),
            (Some("Acme Corporation"), Some("technolgy"), None)
        );
        assert_eq!(
            (
                r.revenue.as_deref(),
                r.year.as_deref(),
                r.location.as_deref()
            ),
            (Some("1100.04"), Some("1996"), Some("United States"))
        );
        let p = read_products(
            b"product,series,sales_price\nGTX Pro,GTX,4821\n",
            &no_opts(),
        )
        .unwrap();
        assert_eq!(p.records[0].price.as_deref(), Some("4821"));
        let t = read_teams(
            b"sales_agent,manager,regional_office\nAnna,Dustin,Central\n",
            &no_opts(),
        )
        .unwrap();
        assert_eq!(t.records[0].office.as_deref(), Some("Central"));
        // A deals file is not an accounts file.
        assert!(read_accounts(b"opportunity_id,deal_stage\n1,Won\n", &no_opts()).is_err());
    }

    #[test]
    fn product_names_match_ignoring_case_space_and_punctuation() {
        let products = ["GTX Basic", "GTX Pro", "MG Special", "GTX Plus Pro"];
        assert_eq!(
            product_match("GTX Pro", &products),
            ProductMatch::Exact("GTX Pro")
        );
        assert_eq!(
            product_match("GTXPro", &products),
            ProductMatch::Normalised {
                written: "GTXPro",
                product: "GTX Pro"
            }
        );
        assert_eq!(
            product_match(" mg-special ", &products),
            ProductMatch::Normalised {
                written: "mg-special",
                product: "MG Special"
            }
        );
        assert_eq!(product_match("GTX", &products), ProductMatch::Unknown);
        assert_eq!(product_match("", &products), ProductMatch::Unknown);
        assert_eq!(product_match("--", &products), ProductMatch::Unknown);
        let owned: Vec<String> = products.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            product_match("gtx plus pro", &owned),
            ProductMatch::Normalised {
                written: "gtx plus pro",
                product: "GTX Plus Pro"
            }
        );
    }
}
