use super::db::{Db, OptionalExtension, Row};
use rusqlite::params;

use super::cadence::TIGHTEST_TAG_JOIN;
use super::sql_types::{from_secs, opt_from_secs};
use super::sums::join_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::{
    Cadence, ContactDetails, ContactDue, Currency, Customer, CustomerDraft, CustomerKind,
    CustomerStatus, CustomerSummary, Email, KeptValue, MoneyTotal, Phone, effective_cadence,
};
use crate::text::fold;

/// Where a window of the customer list starts (see `Store::customer_window`). Keys
/// are a row's `(name_key, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAt {
    First,
    Last,
    /// The rows after this one.
    After(String, i64),
    /// This row and the rows after it.
    From(String, i64),
    /// The rows before this one (the window ends just before it).
    Before(String, i64),
    /// From this position (orders read by position).
    Offset(usize),
}

/// Rows of the customer list, with each row's sort key (`(name_key, id)`; the key is
/// empty for orders read by position).
#[derive(Debug, Clone, Default)]
pub struct CustomerWindow {
    pub rows: Vec<CustomerSummary>,
    pub keys: Vec<(String, i64)>,
}

/// Which customers a list shows.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub status: Option<CustomerStatus>,
    pub kind: Option<CustomerKind>,
    pub tag: Option<String>,
    pub owner_id: Option<i64>,
    pub company_id: Option<i64>,
    /// Only customers in this value segment today (see `domain::value`).
    pub segment: Option<crate::domain::Segment>,
    pub sort: CustomerSort,
    /// Rows skipped before the first one shown.
    pub offset: usize,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    #[default]
    Name,
    /// Most recently contacted first; never-contacted last.
    LastContact,
    /// Largest open deal value first.
    OpenValue,
}

const SELECT_CUSTOMER: &str = "
SELECT c.id, c.kind, c.name, c.company_id, co.name, c.address, c.status, c.source, c.notes,
       c.owner_id, o.login, c.version, c.created_at, c.updated_at,
       c.cadence_ideal_days, c.cadence_max_days,
       c.title, c.department, c.nickname, c.birthday, c.website, c.second_address, c.kept
FROM customers c
LEFT JOIN customers co ON co.id = c.company_id
LEFT JOIN operators o ON o.id = c.owner_id";

/// The columns of a list row; `row_to_summary` reads them by position. Needs the joins
/// of `SUMMARY_JOINS` on `customers c`. Open deal totals are summed in two parts, as
/// `sums` describes, so no amount overflows them.
pub(super) const SUMMARY_COLUMNS: &str = "
       c.id, c.kind, c.name, co.name,
       (SELECT p.raw || coalesce(' ext. ' || p.extension, '') FROM customer_phones p
        WHERE p.customer_id = c.id ORDER BY p.position LIMIT 1),
       (SELECT e.address FROM customer_emails e WHERE e.customer_id = c.id ORDER BY e.position LIMIT 1),
       c.status, o.login,
       c.last_contact_at,
       (SELECT string_agg(t.currency || ' ' || t.high || ' ' || t.low, ',' ORDER BY t.approx DESC) FROM (
            SELECT d.currency, sum(d.amount_minor / 1000000000) AS high, sum(d.amount_minor % 1000000000) AS low,
                   total(d.amount_minor) AS approx
            FROM deals d JOIN stages s ON s.id = d.stage_id
            WHERE d.customer_id = c.id AND s.outcome = 'open' GROUP BY d.currency) t),
       (SELECT count(*) FROM reminders r WHERE r.customer_id = c.id AND r.done_at IS NULL),
       c.created_at, c.cadence_ideal_days, c.cadence_max_days, tc.tag, tc.ideal_days, tc.max_days";

pub(super) const SUMMARY_JOINS: &str = "
LEFT JOIN customers co ON co.id = c.company_id
LEFT JOIN operators o ON o.id = c.owner_id";

fn select_summary() -> String {
    format!("SELECT {SUMMARY_COLUMNS} FROM customers c {SUMMARY_JOINS} {TIGHTEST_TAG_JOIN}")
}

fn row_to_customer(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        company_id: r.get(3)?,
        company_name: r.get(4)?,
        address: r.get(5)?,
        status: r.get(6)?,
        source: r.get(7)?,
        notes: r.get(8)?,
        owner_id: r.get(9)?,
        owner_login: r.get(10)?,
        version: r.get(11)?,
        created_at: from_secs(r.get(12)?),
        updated_at: from_secs(r.get(13)?),
        cadence: own_cadence(r.get(14)?, r.get(15)?),
        details: ContactDetails {
            title: r.get(16)?,
            department: r.get(17)?,
            nickname: r.get(18)?,
            birthday: r.get(19)?,
            website: r.get(20)?,
            second_address: r.get(21)?,
            kept: kept_from_column(r.get(22)?),
        },
        phones: Vec::new(),
        emails: Vec::new(),
        tags: Vec::new(),
    })
}

/// The `kept` column: a JSON array of `{field, value}`. Text that is not such an array
/// (written by hand with `sqlite3`) is shown as one kept value rather than lost.
fn kept_from_column(text: Option<String>) -> Vec<KeptValue> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Vec::new();
    };
    serde_json::from_str(&text).unwrap_or_else(|_| {
        vec![KeptValue {
            field: "kept".into(),
            value: text,
        }]
    })
}

/// The `kept` column for `details` (`None` when nothing is kept).
pub(super) fn kept_column(details: &ContactDetails) -> Option<String> {
    (!details.kept.is_empty())
        .then(|| serde_json::to_string(&details.kept).unwrap_or_default())
        .filter(|t| !t.is_empty())
}

/// Writes the columns of `details` onto customer `id`.
pub(super) fn write_contact_details(conn: &Db, id: i64, details: &ContactDetails) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET title = ?2, department = ?3, nickname = ?4, birthday = ?5,
                website = ?6, second_address = ?7, kept = ?8 WHERE id = ?1",
    )?
    .execute(params![
        id,
        details.title,
        details.department,
        details.nickname,
        details.birthday,
        details.website,
        details.second_address,
        kept_column(details)
    ])?;
    Ok(())
}

/// A list row, its contact cadence worked out with `default` for active customers.
pub(super) fn row_to_summary(r: &Row<'_>, default: Cadence) -> rusqlite::Result<CustomerSummary> {
    let open: Option<String> = r.get(9)?;
    let status: CustomerStatus = r.get(6)?;
    let last_contact = opt_from_secs(r.get(8)?);
    let own = own_cadence(r.get(12)?, r.get(13)?);
    let tag: Option<String> = r.get(14)?;
    let tag = match (
        tag,
        r.get::<_, Option<u16>>(15)?,
        r.get::<_, Option<u16>>(16)?,
    ) {
        (Some(tag), Some(ideal_days), Some(max_days)) => Some((
            tag,
            Cadence {
                ideal_days,
                max_days,
            },
        )),
        _ => None,
    };
    let created_at = from_secs(r.get(11)?);
    let contact = effective_cadence(
        status,
        own,
        tag.as_ref().map(|(t, c)| (t.as_str(), *c)),
        default,
    )
    .map(|(cadence, source)| ContactDue {
        cadence,
        source,
        clock_from: last_contact.unwrap_or(created_at),
        contacted: last_contact.is_some(),
    });
    Ok(CustomerSummary {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        company_name: r.get(3)?,
        main_phone: r.get(4)?,
        main_email: r.get(5)?,
        status,
        owner_login: r.get(7)?,
        last_contact,
        open_deals: open.as_deref().map(parse_totals).unwrap_or_default(),
        open_reminders: r.get(10)?,
        contact,
    })
}

/// A customer's own cadence from its two columns (the schema keeps them set together).
fn own_cadence(ideal_days: Option<u16>, max_days: Option<u16>) -> Option<Cadence> {
    Some(Cadence {
        ideal_days: ideal_days?,
        max_days: max_days?,
    })
}

/// Reads `USD 0 1200,EUR 0 300` (currency, then the billions and the rest of the
/// total in minor units: see `sums`) back into totals.
fn parse_totals(text: &str) -> Vec<MoneyTotal> {
    text.split(',')
        .filter_map(|part| {
            let mut words = part.split(' ');
            let currency = Currency::from_code(words.next()?).ok()?;
            let high = words.next()?.parse().ok()?;
            let low = words.next()?.parse().ok()?;
            Some(MoneyTotal {
                minor: join_sum(high, low),
                currency,
            })
        })
        .collect()
}

fn load_details(conn: &Db, customer: &mut Customer) -> Result<()> {
    let id = customer.id;
    let mut phones = conn.prepare_cached(
        "SELECT kind, raw, digits, extension FROM customer_phones WHERE customer_id = ?1 ORDER BY position",
    )?;
    customer.phones = phones
        .query_map([id], |r| {
            Ok(Phone::from_stored(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut emails = conn.prepare_cached(
        "SELECT address FROM customer_emails WHERE customer_id = ?1 ORDER BY position",
    )?;
    customer.emails = emails
        .query_map([id], |r| Ok(Email::from_stored(r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tags =
        conn.prepare_cached("SELECT tag FROM customer_tags WHERE customer_id = ?1 ORDER BY tag")?;
    customer.tags = tags
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}

pub(super) fn load_customer(conn: &Db, id: i64) -> Result<Customer> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT_CUSTOMER} WHERE c.id = ?1"))?;
    let mut customer =
        stmt.query_row([id], row_to_customer)
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "customer",
                id,
            })?;
    load_details(conn, &mut customer)?;
    Ok(customer)
}

impl Store {
    /// One customer with phones, emails and tags.
    pub fn customer(&self, id: i64) -> Result<Customer> {
        self.read(|c| load_customer(c, id))
    }

    /// Every customer with phones, emails and tags, by id, in one snapshot: a bulk
    /// export, for managers and admins.
    pub fn all_customers(&self) -> Result<Vec<Customer>> {
        self.require(crate::domain::access::Permission::BulkExport)?;
        self.read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT_CUSTOMER} ORDER BY c.id"))?;
            let mut all = stmt
                .query_map((), row_to_customer)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for customer in &mut all {
                load_details(c, customer)?;
            }
            Ok(all)
        })
    }

    /// Ids of the customers `filter` selects, in its order. Cheap enough to hold for a
    /// whole database, so a list can page through it with `customer_summaries`.
    pub fn customer_ids(&self, filter: &CustomerFilter) -> Result<Vec<i64>> {
        // The three orders are fixed texts; nothing from input is spliced in.
        let order = match filter.sort {
            CustomerSort::Name => "c.name_key, c.id",
            CustomerSort::LastContact => "c.last_contact_at IS NULL, c.last_contact_at DESC, c.id",
            // `total()` is a float: it orders without ever overflowing.
            CustomerSort::OpenValue => {
                "(SELECT max(t.total) FROM (SELECT total(d.amount_minor) AS total FROM deals d
                   JOIN stages s ON s.id = d.stage_id WHERE d.customer_id = c.id AND s.outcome = 'open'
                   GROUP BY d.currency) t) IS NULL,
                 (SELECT max(t.total) FROM (SELECT total(d.amount_minor) AS total FROM deals d
                   JOIN stages s ON s.id = d.stage_id WHERE d.customer_id = c.id AND s.outcome = 'open'
                   GROUP BY d.currency) t) DESC, c.id"
            }
        };
        let sql = format!(
            "SELECT c.id FROM customers c
             WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.kind = ?2)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?3))
               AND (?4 IS NULL OR c.owner_id = ?4) AND (?5 IS NULL OR c.company_id = ?5)
               AND (?8 IS NULL OR c.id IN (SELECT v.customer_id FROM customer_value v
                                           WHERE {} IN (SELECT value FROM json_each(?8))))
             ORDER BY {order}
             LIMIT ?6 OFFSET ?7",
            super::value::code_sql(9)
        );
        // A segment is a set of score codes against today's cuts (none: nobody bought).
        let (codes, cuts) = match filter.segment {
            None => (None, super::value::no_cut_params()),
            Some(segment) => {
                let base = self.value_base_unlocked(self.now().date_naive())?;
                match base.cuts {
                    Some(cuts) => (
                        Some(super::value::segment_codes(segment)),
                        super::value::cut_params(&cuts),
                    ),
                    None => (Some("[]".to_string()), super::value::no_cut_params()),
                }
            }
        };
        let tag = filter
            .tag
            .as_deref()
            .map(crate::domain::customer::normalise_tag)
            .transpose()?;
        let limit = filter.limit.map_or(super::db::NO_LIMIT, |n| n as i64);
        let mut p: Vec<rusqlite::types::Value> = vec![
            filter.status.map(|s| s.as_str().to_string()).into(),
            filter.kind.map(|k| k.as_str().to_string()).into(),
            tag.into(),
            filter.owner_id.into(),
            filter.company_id.into(),
            limit.into(),
            i64::try_from(filter.offset).unwrap_or(i64::MAX).into(),
            codes.into(),
        ];
        p.extend(cuts);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let ids = stmt.query_map(p, |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// How many customers the list shows (all of them: the app's list has no filter).
    pub fn customer_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT n FROM tallies WHERE name = 'customers'")?
            .query_row((), |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// At most `limit` rows of the customer list in `sort` order, from `at`: read by
    /// key through the index on the sort key (by name), never the whole list. Orders
    /// with no index of their own (last contact, open value) are read by position.
    pub fn customer_window(
        &self,
        sort: CustomerSort,
        at: &ListAt,
        limit: usize,
    ) -> Result<CustomerWindow> {
        self.read(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let by_name = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<(i64, String)>> {
                let mut stmt = c.prepare_cached(sql)?;
                let rows = stmt.query_map(p, |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            };
            let (mut keyed, reversed) = match (sort, at) {
                (CustomerSort::Name, ListAt::First) => (
                    by_name("SELECT id, name_key FROM customers ORDER BY name_key, id LIMIT ?1", &[&limit])?,
                    false,
                ),
                (CustomerSort::Name, ListAt::Last) => (
                    by_name("SELECT id, name_key FROM customers ORDER BY name_key DESC, id DESC LIMIT ?1", &[&limit])?,
                    true,
                ),
                (CustomerSort::Name, ListAt::After(key, id)) => (
                    by_name(
                        "SELECT id, name_key FROM customers WHERE (name_key, id) > (?1, ?2) ORDER BY name_key, id LIMIT ?3",
                        &[key, id, &limit],
                    )?,
                    false,
                ),
                (CustomerSort::Name, ListAt::From(key, id)) => (
                    by_name(
                        "SELECT id, name_key FROM customers WHERE (name_key, id) >= (?1, ?2) ORDER BY name_key, id LIMIT ?3",
                        &[key, id, &limit],
                    )?,
                    false,
                ),
                (CustomerSort::Name, ListAt::Before(key, id)) => (
                    by_name(
                        "SELECT id, name_key FROM customers WHERE (name_key, id) < (?1, ?2) ORDER BY name_key DESC, id DESC LIMIT ?3",
                        &[key, id, &limit],
                    )?,
                    true,
                ),
                (_, at) => {
                    let offset = match at {
                        ListAt::Offset(n) => *n,
                        _ => 0,
                    };
                    let ids = self.customer_ids(&CustomerFilter {
                        sort,
                        offset,
                        limit: Some(usize::try_from(limit).unwrap_or(usize::MAX)),
                        ..Default::default()
                    })?;
                    (ids.into_iter().map(|id| (id, String::new())).collect(), false)
                }
            };
            if reversed {
                keyed.reverse();
            }
            let ids: Vec<i64> = keyed.iter().map(|(id, _)| *id).collect();
            let rows = self.customer_summaries(&ids)?;
            Ok(CustomerWindow {
                keys: keyed.into_iter().map(|(id, key)| (key, id)).collect(),
                rows,
            })
        })
    }

    /// List rows for `ids`, in the order given (missing ids are skipped).
    pub fn customer_summaries(&self, ids: &[i64]) -> Result<Vec<CustomerSummary>> {
        let list = serde_json::to_string(ids).map_err(|e| StoreError::Message(e.to_string()))?;
        let default = self.default_cadence()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "{} JOIN json_each(?1) j ON j.value = c.id ORDER BY j.key",
            select_summary()
        ))?;
        let rows = stmt.query_map([list], |r| row_to_summary(r, default))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn customers(&self, filter: &CustomerFilter) -> Result<Vec<CustomerSummary>> {
        self.read(|_| {
            let ids = self.customer_ids(filter)?;
            self.customer_summaries(&ids)
        })
    }

    /// Customers created or changed at or after `since` (unix seconds): what a
    /// search index must re-read after another process wrote.
    pub fn customers_changed_since(&self, since: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM customers WHERE updated_at >= ?1")?;
        let ids = stmt.query_map([since], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Resolves what an operator typed to name a customer: `12`, `#12`, or a name that
    /// matches exactly one customer (exactly, or failing that by its beginning; case and
    /// script variants folded). Anything else is refused, listing the candidates.
    pub fn resolve_customer(&self, reference: &str) -> Result<i64> {
        let r = reference.trim();
        if let Ok(id) = r.trim_start_matches('#').parse::<i64>() {
            self.customer(id)?;
            return Ok(id);
        }
        let found = self.customers_named(r, 6)?;
        match found.as_slice() {
            [] => Err(StoreError::invalid(
                "customer",
                format!("no customer is named {r:?}"),
            )),
            [(id, _)] => Ok(*id),
            many => {
                let listed: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|(id, name)| format!("#{id} {}", crate::text::for_terminal(name)))
                    .collect();
                let more = if many.len() > 5 { ", …" } else { "" };
                Err(StoreError::invalid(
                    "customer",
                    format!(
                        "{r:?} matches several customers ({}{more}); use the number",
                        listed.join(", ")
                    ),
                ))
            }
        }
    }

    /// Customers whose folded name equals `name`, or failing that starts with it
    /// (at most `limit`). Used to resolve a name typed on the command line.
    pub fn customers_named(&self, name: &str, limit: usize) -> Result<Vec<(i64, String)>> {
        let key = fold(name);
        self.read(|c| {
            let mut exact = c.prepare_cached(
                "SELECT id, name FROM customers WHERE name_key = ?1 ORDER BY id LIMIT ?2",
            )?;
            let found: Vec<(i64, String)> = exact
                .query_map(params![key, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            if !found.is_empty() || key.is_empty() {
                return Ok(found);
            }
            let mut prefix = c.prepare_cached(&format!(
                "SELECT id, name FROM customers WHERE name_key >= ?1 AND name_key < ?1 || {}
                 ORDER BY name_key, id LIMIT ?2",
                super::duplicates::TEXT_END
            ))?;
            Ok(prefix
                .query_map(params![key, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// A customer with people, latest interactions (at most `timeline`), deals and open
    /// follow-ups: one consistent snapshot.
    pub fn customer_card(&self, id: i64, timeline: usize) -> Result<crate::domain::CustomerCard> {
        self.read(|_| {
            let customer = self.customer_unlocked(id)?;
            let people = if customer.kind == CustomerKind::Company {
                let filter = CustomerFilter {
                    company_id: Some(id),
                    ..Default::default()
                };
                self.customer_summaries(&self.customer_ids(&filter)?)?
            } else {
                Vec::new()
            };
            let contact = self
                .customer_summaries(&[id])?
                .pop()
                .and_then(|s| s.contact);
            let now = self.now();
            let value = self.customer_value_unlocked(id, now, now.date_naive())?;
            Ok(crate::domain::CustomerCard {
                customer,
                contact,
                value,
                people,
                interactions: self.interactions_of(id, timeline)?,
                deals: self.deals(&super::DealFilter {
                    customer_id: Some(id),
                    ..Default::default()
                })?,
                reminders: self.reminders(&super::ReminderFilter {
                    customer_id: Some(id),
                    ..Default::default()
                })?,
            })
        })
    }

    fn customer_unlocked(&self, id: i64) -> Result<Customer> {
        load_customer(&self.conn, id)
    }

    pub fn add_customer(&mut self, draft: &CustomerDraft) -> Result<i64> {
        self.write(|w| w.add_customer(draft))
    }

    pub fn update_customer(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &CustomerDraft,
    ) -> Result<()> {
        self.write(|w| w.update_customer(id, expected_version, draft))
    }

    pub fn delete_customer(&mut self, id: i64) -> Result<()> {
        self.write(|w| w.delete_customer(id))
    }

    /// How much deleting a customer would take with it: (interactions, deals, reminders, people).
    pub fn customer_dependents(&self, id: i64) -> Result<(i64, i64, i64, i64)> {
        self.read(|c| {
            let count = |sql: &str| -> Result<i64> { c.query_row(sql, [id], |r| r.get(0)) };
            Ok((
                count("SELECT count(*) FROM interactions WHERE customer_id = ?1")?,
                count("SELECT count(*) FROM deals WHERE customer_id = ?1")?,
                count("SELECT count(*) FROM reminders WHERE customer_id = ?1")?,
                count("SELECT count(*) FROM customers WHERE company_id = ?1")?,
            ))
        })
    }
}

/// What belongs to a customer and goes (or moves) with it.
const DEPENDENTS: [&str; 3] = ["deal", "follow-up", "interaction"];

impl Writer<'_> {
    /// A customer as this transaction sees it: what it just wrote, not a later change
    /// another process made after the commit.
    pub fn customer(&self, id: i64) -> Result<Customer> {
        load_customer(self.conn, id)
    }

    pub fn add_customer(&mut self, draft: &CustomerDraft) -> Result<i64> {
        self.insert_customer(&mut draft.clone())
    }

    /// `add_customer` without the copy: `draft` is validated (normalised) in place, so
    /// the caller holds what was stored. For bulk writes.
    pub fn insert_customer(&mut self, draft: &mut CustomerDraft) -> Result<i64> {
        draft.validate()?;
        self.require_owner(draft.owner_id)?;
        self.check_company(draft.company_id)?;
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO customers (kind, name, name_key, company_id, address, status, source, notes, owner_id,
                                        cadence_ideal_days, cadence_max_days, created_at, updated_at, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11, ?12, ?10, ?10, ?13) RETURNING id",
            )?
            .query_row(params![
                draft.kind,
                draft.name,
                fold(&draft.name),
                draft.company_id,
                draft.address,
                draft.status,
                draft.source,
                draft.notes,
                draft.owner_id,
                self.now,
                draft.cadence.map(|c| c.ideal_days),
                draft.cadence.map(|c| c.max_days),
                self.next_id("customers", "customer")?
            ], |r| r.get(0))?;
        self.write_details(id, draft)?;
        if !draft.details.is_empty() {
            write_contact_details(self.conn, id, &draft.details)?;
        }
        if self.trail {
            let state = self.draft_state(draft)?;
            self.audit_diff("customer", id, Some(id), None, Some(&state))?;
        }
        Ok(id)
    }

    /// Saves `draft` over customer `id` if nobody changed it since `expected_version`.
    pub fn update_customer(
        &mut self,
        id: i64,
        expected_version: i64,
        draft: &CustomerDraft,
    ) -> Result<()> {
        let mut draft = draft.clone();
        draft.validate()?;
        let before = load_customer(self.conn, id)?;
        self.require_change_of(
            "customer",
            id,
            before.owner_id,
            before.owner_login.as_deref(),
        )?;
        if draft.owner_id != before.owner_id {
            self.require_owner(draft.owner_id)?;
        }
        self.check_company(draft.company_id)?;
        if draft.company_id == Some(id) {
            return Err(StoreError::invalid(
                "company",
                "a customer cannot belong to itself",
            ));
        }
        if draft.kind == CustomerKind::Person {
            let members: i64 = self.conn.query_row(
                "SELECT count(*) FROM customers WHERE company_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if members > 0 {
                return Err(StoreError::invalid(
                    "kind",
                    format!(
                        "{} to this company; move them before making it a person",
                        crate::text::count(members, "person belongs", "people belong")
                    ),
                ));
            }
        }
        // Nothing changed: no new version (it would stand in the way of an undo
        // with no entry of its own to say why).
        if draft == before.draft() {
            // Still refused when stale: a script's `--if-version` read may be outdated.
            return match before.version == expected_version {
                true => Ok(()),
                false => Err(self.missing_or_stale("customers", "customer", id)),
            };
        }
        self.keep_before("customer", id)?;
        let n = self.conn.execute(
            "UPDATE customers SET kind = ?3, name = ?4, name_key = ?5, company_id = ?6, address = ?7, status = ?8,
                    source = ?9, notes = ?10, owner_id = ?11, cadence_ideal_days = ?13, cadence_max_days = ?14,
                    version = version + 1, updated_at = ?12
             WHERE id = ?1 AND version = ?2",
            params![
                id,
                expected_version,
                draft.kind,
                draft.name,
                fold(&draft.name),
                draft.company_id,
                draft.address,
                draft.status,
                draft.source,
                draft.notes,
                draft.owner_id,
                self.now,
                draft.cadence.map(|c| c.ideal_days),
                draft.cadence.map(|c| c.max_days)
            ],
        )?;
        if n == 0 {
            return Err(self.missing_or_stale("customers", "customer", id));
        }
        for table in ["customer_phones", "customer_emails", "customer_tags"] {
            // Table names come from the fixed list above, never from input.
            self.conn
                .execute(&format!("DELETE FROM {table} WHERE customer_id = ?1"), [id])?;
        }
        self.write_details(id, &draft)?;
        write_contact_details(self.conn, id, &draft.details)?;
        let old = super::audit::stored_customer_fields(&before);
        let new = self.customer_state(id)?;
        self.audit_diff("customer", id, Some(id), Some(&old), Some(&new))
    }

    pub fn delete_customer(&mut self, id: i64) -> Result<()> {
        self.require_delete("customer", id)?;
        self.require_on_dependents(id, true)?;
        let mut old = self.customer_state(id)?;
        old.push(("deleted with it", self.dependents_text(id)?));
        self.keep_before_deleting("customer", id)?;
        // Its people stay, without a company: each one's change is recorded (and
        // versioned) like any other edit, not left to the foreign key.
        self.move_people(id, None)?;
        let n = self
            .conn
            .execute("DELETE FROM customers WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "customer",
                id,
            });
        }
        self.audit_diff("customer", id, Some(id), Some(&old), None)
    }

    /// Deleting a customer deletes its deals, follow-ups and interactions with it, and
    /// merging it moves them: the acting operator must be allowed to delete (`delete`)
    /// or change those that are not its own too.
    pub(super) fn require_on_dependents(&self, id: i64, delete: bool) -> Result<()> {
        let Some(actor) = self.actor else {
            return Ok(());
        };
        for entity in DEPENDENTS {
            let (table, owner) = super::access::owned_table(entity)?;
            // Table and column names come from `owned_table`, never from input.
            let others: Option<i64> = self
                .conn
                .prepare_cached(&format!(
                    "SELECT id FROM {table} WHERE customer_id = ?1 AND {owner} IS DISTINCT FROM ?2 ORDER BY id LIMIT 1"
                ))?
                .query_row(params![id, actor.id], |r| r.get(0))
                .optional()?;
            match others {
                Some(other) if delete => self.require_delete(entity, other)?,
                Some(other) => self.require_change(entity, other)?,
                None => {}
            }
        }
        // A company's people lose it (or move with it): a change to each of them.
        let other_person: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM customers WHERE company_id = ?1 AND owner_id IS DISTINCT FROM ?2 ORDER BY id LIMIT 1",
            )?
            .query_row(params![id, actor.id], |r| r.get(0))
            .optional()?;
        if let Some(person) = other_person {
            self.require_change("customer", person)?;
        }
        Ok(())
    }

    /// Moves every person of company `from` to company `to` (`None`: no company), each
    /// as a recorded change with its version bumped.
    pub(super) fn move_people(&mut self, from: i64, to: Option<i64>) -> Result<()> {
        let people: Vec<i64> = self
            .conn
            .prepare_cached("SELECT id FROM customers WHERE company_id = ?1 ORDER BY id")?
            .query_map([from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if people.is_empty() {
            return Ok(());
        }
        let name_of = |id: i64| -> Result<String> {
            self.conn
                .query_row("SELECT name FROM customers WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
        };
        let old = name_of(from)?;
        let new = to.map(name_of).transpose()?;
        for person in people {
            self.keep_before("customer", person)?;
            self.conn
                .prepare_cached(
                    "UPDATE customers SET company_id = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![person, to, self.now])?;
            self.audit_field(
                "customer",
                person,
                Some(person),
                "company",
                Some(old.clone()),
                new.clone(),
            )?;
        }
        Ok(())
    }

    /// "2 deals, 1 follow-up, 5 interactions": what a customer's deletion takes along
    /// (`None`: nothing), for the audit trail.
    fn dependents_text(&self, id: i64) -> Result<Option<String>> {
        let mut parts = Vec::new();
        for entity in DEPENDENTS {
            let (table, _) = super::access::owned_table(entity)?;
            let n: i64 = self.conn.query_row(
                &format!("SELECT count(*) FROM {table} WHERE customer_id = ?1"),
                [id],
                |r| r.get(0),
            )?;
            if n > 0 {
                parts.push(format!("{n} {entity}{}", if n == 1 { "" } else { "s" }));
            }
        }
        Ok((!parts.is_empty()).then(|| parts.join(", ")))
    }

    fn write_details(&mut self, id: i64, draft: &CustomerDraft) -> Result<()> {
        let mut phone = self.conn.prepare_cached(
            "INSERT INTO customer_phones (customer_id, position, kind, raw, digits, national, national_rev, extension)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (i, p) in draft.phones.iter().enumerate() {
            let (national, national_rev) = super::duplicates::phone_columns(p);
            phone.execute(params![
                id,
                i as i64,
                p.kind,
                p.raw,
                p.digits,
                national,
                national_rev,
                p.extension
            ])?;
        }
        let mut email = self.conn.prepare_cached(
            "INSERT INTO customer_emails (customer_id, position, address, address_key) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (i, e) in draft.emails.iter().enumerate() {
            email.execute(params![id, i as i64, e.as_str(), e.as_str().to_lowercase()])?;
        }
        let mut tag = self
            .conn
            .prepare_cached("INSERT INTO customer_tags (customer_id, tag) VALUES (?1, ?2)")?;
        for t in &draft.tags {
            tag.execute(params![id, t])?;
        }
        Ok(())
    }

    pub(super) fn check_company(&self, company_id: Option<i64>) -> Result<()> {
        let Some(cid) = company_id else { return Ok(()) };
        let kind: Option<CustomerKind> = self
            .conn
            .prepare_cached("SELECT kind FROM customers WHERE id = ?1")?
            .query_row([cid], |r| r.get(0))
            .optional()?;
        match kind {
            None => Err(StoreError::invalid(
                "company",
                format!("customer #{cid} does not exist"),
            )),
            Some(CustomerKind::Person) => Err(StoreError::invalid(
                "company",
                format!("customer #{cid} is a person, not a company"),
            )),
            Some(CustomerKind::Company) => Ok(()),
        }
    }

    /// After an UPDATE that matched no row: was the record deleted, or changed by someone?
    pub(super) fn missing_or_stale(
        &self,
        table: &str,
        entity: &'static str,
        id: i64,
    ) -> StoreError {
        let current: Result<Option<i64>> = self
            .conn
            .query_row(
                &format!("SELECT version FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .optional();
        match current {
            Ok(Some(current)) => {
                let last = self.last_change(entity, id, table);
                StoreError::Conflict {
                    entity,
                    id,
                    current,
                    by: last.as_ref().and_then(|l| l.by.clone()),
                    at: last.map_or_else(|| self.now(), |l| l.at),
                }
            }
            Ok(None) => StoreError::NotFound { entity, id },
            Err(e) => e,
        }
    }
}
