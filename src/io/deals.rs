//! Deals and accounts from a spreadsheet into the store, in one transaction: accounts
//! become company customers, sales agents operators (and the deals' owners), stages
//! map onto the pipeline's, engage and close dates and values carry over. What cannot
//! be imported is reported with its row; what is imported with a gap (an open deal
//! with no value yet) is counted in the report, never silently dropped.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::record::Problem;
use super::sheet::{AccountRecord, DealRecord, ProductMatch, ProductRecord, product_match};
use crate::domain::{
    Currency, CustomerDraft, CustomerKind, CustomerStatus, DealDraft, Money, Stage, StageOutcome,
};
use crate::store::{KnownContacts, Store, StoreError, Writer};

/// Open stages of other tools, as Rapport's (`--stage NAME=KEY` adds to these).
const STAGE_ALIASES: &[(&str, &str)] = &[
    ("prospecting", "lead"),
    ("prospect", "lead"),
    ("new", "lead"),
    ("engaging", "qualified"),
    ("engaged", "qualified"),
    ("closed won", "won"),
    ("closed lost", "lost"),
];

/// The reason recorded for a lost deal whose file gives none.
const LOST_UNRECORDED: &str = "not recorded in the imported file";

#[derive(Debug, Clone, Default)]
pub struct DealImportOptions {
    pub currency: Option<Currency>,
    /// Extra stage names: file stage (any case) → Rapport stage key.
    pub stages: Vec<(String, String)>,
    pub skip_invalid: bool,
    pub dry_run: bool,
    /// Owner of deals whose row names no sales agent.
    pub default_owner: Option<i64>,
}

/// What the deal import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DealImportReport {
    pub dry_run: bool,
    pub deals: usize,
    /// Per Rapport stage key.
    pub by_stage: BTreeMap<String, usize>,
    pub companies_created: usize,
    pub companies_matched: usize,
    pub operators_created: Vec<String>,
    /// Open deals imported with amount 0 because the file gives no value yet.
    pub without_value: usize,
    /// Product names matched to products.csv only after normalising: written → product, count.
    pub products_normalised: BTreeMap<String, (String, usize)>,
    /// Product names not in products.csv (imported as written), with counts.
    pub products_unknown: BTreeMap<String, usize>,
    /// Accounts named in deals but missing from the accounts file (created bare).
    pub accounts_missing: BTreeMap<String, usize>,
    pub invalid: Vec<Problem>,
}

/// Why a deal import wrote nothing.
#[derive(Debug)]
pub enum DealImportError {
    Refused(Vec<Problem>),
    /// The refused rows could not be saved, so nothing was imported.
    Rejects(crate::Error),
    Store(StoreError),
}

impl From<StoreError> for DealImportError {
    fn from(e: StoreError) -> Self {
        DealImportError::Store(e)
    }
}

impl std::fmt::Display for DealImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DealImportError::Refused(p) => write!(
                f,
                "{} deal row{} cannot be imported, so nothing was (fix them, or pass \
                 --skip-invalid to import the rest)",
                p.len(),
                if p.len() == 1 { "" } else { "s" }
            ),
            DealImportError::Rejects(e) => write!(
                f,
                "{e}; nothing was imported (--rejects DIR saves the refused rows elsewhere)"
            ),
            DealImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// A deal row checked and ready to write.
struct ReadyDeal {
    title: String,
    account: String,
    owner: Option<String>,
    stage: Stage,
    engaged_on: Option<NaiveDate>,
    closed_on: Option<NaiveDate>,
    amount: Money,
}

/// `Moses Frase` → `moses.frase`.
pub fn login_for(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

fn date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{field} {t:?} is not a date (YYYY-MM-DD)")),
    }
}

fn stage_for(
    stages: &[Stage],
    aliases: &HashMap<String, String>,
    text: &str,
) -> Result<Stage, String> {
    let wanted = text.trim().to_lowercase();
    let key = aliases.get(&wanted).cloned().unwrap_or(wanted.clone());
    stages
        .iter()
        .find(|s| s.key.eq_ignore_ascii_case(&key) || s.name.eq_ignore_ascii_case(&key))
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
            format!(
                "stage {text:?} is not one of Rapport's ({}); map it with --stage \"{}=KEY\"",
                known.join(", "),
                text.trim()
            )
        })
}

/// Checks one row; `Err` says why it cannot be imported.
fn ready(
    d: &DealRecord,
    stages: &[Stage],
    aliases: &HashMap<String, String>,
    products: &[&str],
    currency: Currency,
    report: &mut DealImportReport,
) -> Result<ReadyDeal, String> {
    let account = d
        .account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or("it names no account, and a deal needs a customer")?
        .to_string();
    let stage_text = d.stage.as_deref().unwrap_or("").trim();
    if stage_text.is_empty() {
        return Err("it has no stage".into());
    }
    let stage = stage_for(stages, aliases, stage_text)?;
    let engaged_on = date("engage date", d.engaged_on.as_deref())?;
    let closed_on = date("close date", d.closed_on.as_deref())?;
    let closed = stage.outcome != StageOutcome::Open;
    if closed && closed_on.is_none() {
        return Err(format!("it is {} but has no close date", stage.key));
    }
    if let (Some(e), Some(c)) = (engaged_on, closed_on)
        && c < e
    {
        return Err(format!("it closes on {c}, before it was engaged on {e}"));
    }
    let amount = match d.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            let currency = match d
                .currency
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                Some(code) => Currency::from_code(code).map_err(|e| e.to_string())?,
                None => currency,
            };
            Money::parse(v, currency).map_err(|e| e.to_string())?
        }
        None if closed => return Err(format!("it is {} but has no value", stage.key)),
        None => {
            report.without_value += 1;
            Money::parse("0", currency).map_err(|e| e.to_string())?
        }
    };
    let product = d
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let product = match product {
        None => None,
        Some(p) if products.is_empty() => Some(p.to_string()),
        Some(p) => Some(match product_match(p, products) {
            ProductMatch::Exact(name) => name.to_string(),
            ProductMatch::Normalised { written, product } => {
                let entry = report
                    .products_normalised
                    .entry(written.to_string())
                    .or_insert_with(|| (product.to_string(), 0));
                entry.1 += 1;
                product.to_string()
            }
            ProductMatch::Unknown => {
                *report.products_unknown.entry(p.to_string()).or_default() += 1;
                p.to_string()
            }
        }),
    };
    let title = match (
        d.title.as_deref().filter(|t| !t.trim().is_empty()),
        product,
        &d.reference,
    ) {
        (Some(t), _, _) => t.trim().to_string(),
        (None, Some(p), Some(r)) => format!("{p} · {r}"),
        (None, Some(p), None) => p,
        (None, None, Some(r)) => r.clone(),
        (None, None, None) => format!("Deal from row {}", d.record),
    };
    Ok(ReadyDeal {
        title,
        account,
        owner: d.owner.clone().filter(|o| !o.trim().is_empty()),
        stage,
        engaged_on,
        closed_on,
        amount,
    })
}

/// Notes for a company from its accounts row.
fn account_notes(a: &AccountRecord) -> Option<String> {
    let mut parts = Vec::new();
    for (label, value) in [
        ("Sector", &a.sector),
        ("Employees", &a.employees),
        ("Office", &a.location),
        ("Revenue (M)", &a.revenue),
        ("Established", &a.year),
        ("Subsidiary of", &a.parent),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            parts.push(format!("{label}: {v}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// Imports `deals` (with their `accounts` and `products`, either may be empty) in one
/// transaction (rolled back for a dry run).
pub fn import_deals(
    store: &mut Store,
    deals: &[DealRecord],
    accounts: &[AccountRecord],
    products: &[ProductRecord],
    read_problems: Vec<Problem>,
    options: &DealImportOptions,
) -> Result<DealImportReport, DealImportError> {
    import_deals_then(
        store,
        deals,
        accounts,
        products,
        read_problems,
        options,
        &mut |_| Ok(()),
    )
}

/// `import_deals`, calling `before_write` with the refused rows once they are all
/// known and before anything is written: an error from it refuses the import.
pub fn import_deals_then(
    store: &mut Store,
    deals: &[DealRecord],
    accounts: &[AccountRecord],
    products: &[ProductRecord],
    read_problems: Vec<Problem>,
    options: &DealImportOptions,
    before_write: &mut dyn FnMut(&[Problem]) -> crate::Result<()>,
) -> Result<DealImportReport, DealImportError> {
    store.require(crate::domain::access::Permission::BulkImport)?;
    let mut report = DealImportReport {
        dry_run: options.dry_run,
        invalid: read_problems,
        ..Default::default()
    };
    let stages = store.stages()?;
    let aliases: HashMap<String, String> = STAGE_ALIASES
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .chain(
            options
                .stages
                .iter()
                .map(|(a, b)| (a.trim().to_lowercase(), b.trim().to_lowercase())),
        )
        .collect();
    let currency = options.currency.unwrap_or(Currency::USD);
    let product_names: Vec<&str> = products.iter().filter_map(|p| p.name.as_deref()).collect();
    let mut ready_deals = Vec::with_capacity(deals.len());
    for d in deals {
        match ready(d, &stages, &aliases, &product_names, currency, &mut report) {
            Ok(r) => ready_deals.push(r),
            Err(reason) => report.invalid.push(Problem {
                record: d.record,
                line: d.line,
                reason,
                raw: d.raw.clone(),
            }),
        }
    }
    if !report.invalid.is_empty() && !options.skip_invalid {
        return Err(DealImportError::Refused(report.invalid));
    }
    refuse_unknown_agents_unless_admin(store, &ready_deals)?;
    before_write(&report.invalid).map_err(DealImportError::Rejects)?;
    let write = |w: &mut Writer<'_>| -> crate::store::Result<DealImportReport> {
        let mut report = report.clone();
        let mut known: KnownContacts = w.known_contacts()?;
        let listed: HashMap<String, &AccountRecord> = accounts
            .iter()
            .filter_map(|a| a.name.as_deref().map(|n| (crate::text::fold(n.trim()), a)))
            .collect();
        // Accounts first: every row of the accounts file is a company.
        for a in accounts {
            let Some(name) = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            company(w, &mut known, name, account_notes(a), &mut report)?;
        }
        let mut operators: HashMap<String, i64> = HashMap::new();
        let started = w.now();
        for d in &ready_deals {
            let customer_id = match known.company(&d.account) {
                Some(id) => id,
                None => {
                    if !listed.is_empty() {
                        *report
                            .accounts_missing
                            .entry(d.account.clone())
                            .or_default() += 1;
                    }
                    company(w, &mut known, &d.account, None, &mut report)?
                }
            };
            let owner = match &d.owner {
                None => options.default_owner,
                Some(name) => Some(match operators.get(name) {
                    Some(id) => *id,
                    None => {
                        let login = login_for(name);
                        let existed = w.operator_id(&login)?.is_some();
                        if !existed {
                            w.require(crate::domain::access::Permission::ManageOperators)?;
                        }
                        let op = w.ensure_operator(&login, name)?;
                        if !existed {
                            report.operators_created.push(login);
                        }
                        operators.insert(name.clone(), op.id);
                        op.id
                    }
                }),
            };
            // The deal is created on its engage date, so cycle times come out right.
            if let Some(on) = d.engaged_on {
                w.backdate(on.and_time(NaiveTime::MIN).and_utc());
            }
            let open_stage = (d.stage.outcome == StageOutcome::Open).then_some(d.stage.id);
            let id = w.add_deal(&DealDraft {
                customer_id,
                title: d.title.clone(),
                amount: d.amount,
                stage_id: open_stage,
                probability: None,
                expected_close: if open_stage.is_some() {
                    d.closed_on
                } else {
                    None
                },
                owner_id: owner,
            })?;
            match (d.stage.outcome, d.closed_on) {
                (StageOutcome::Won, Some(on)) => {
                    w.mark_deal_won(id, on)?;
                }
                (StageOutcome::Lost, Some(on)) => {
                    w.mark_deal_lost(id, LOST_UNRECORDED, on)?;
                }
                _ => {}
            }
            w.backdate(started);
            *report.by_stage.entry(d.stage.key.clone()).or_default() += 1;
            report.deals += 1;
        }
        report.operators_created.sort();
        Ok(report)
    };
    let report = store.write_or_rehearse(options.dry_run, write)?;
    Ok(report)
}

/// Sales agents who are not operators yet become operators (agents) only in an admin's
/// import: anyone else is told who they are and how to go on, before anything is written.
fn refuse_unknown_agents_unless_admin(
    store: &Store,
    deals: &[ReadyDeal],
) -> Result<(), DealImportError> {
    if store
        .require(crate::domain::access::Permission::ManageOperators)
        .is_ok()
    {
        return Ok(());
    }
    let mut unknown: Vec<(String, String)> = Vec::new();
    for name in deals.iter().filter_map(|d| d.owner.as_deref()) {
        let login = login_for(name);
        if unknown.iter().all(|(_, l)| *l != login) && store.operator_by_login(&login)?.is_none() {
            unknown.push((name.to_string(), login));
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = unknown
        .iter()
        .take(10)
        .map(|(name, login)| format!("{} ({login})", crate::text::for_terminal(name)))
        .collect();
    let more = if unknown.len() > 10 {
        format!(" and {} more", unknown.len() - 10)
    } else {
        String::new()
    };
    Err(DealImportError::Store(StoreError::invalid(
        "sales agent",
        format!(
            "the file names {} sales agent{} who {} not operators here: {}{more}; only an admin adds operators, \
             so an admin imports this file (adding them as agents), or adds them first with `rapport operator add LOGIN`; nothing was imported",
            unknown.len(),
            if unknown.len() == 1 { "" } else { "s" },
            if unknown.len() == 1 { "is" } else { "are" },
            listed.join(", ")
        ),
    )))
}

/// The company named `name`: found (and counted as matched) or created.
fn company(
    w: &mut Writer<'_>,
    known: &mut KnownContacts,
    name: &str,
    notes: Option<String>,
    report: &mut DealImportReport,
) -> crate::store::Result<i64> {
    if let Some(id) = known.company(name) {
        report.companies_matched += 1;
        return Ok(id);
    }
    let mut c = CustomerDraft::new(CustomerKind::Company, name);
    c.status = CustomerStatus::Active;
    c.notes = notes;
    c.source = Some("import: deals".into());
    let id = w.add_customer(&c)?;
    known.learn(id, &c);
    report.companies_created += 1;
    Ok(id)
}
