//! What an import needs from the store: the phones, emails and companies already
//! known (read once, then kept up to date in memory as records are written), and
//! merging an incoming customer into an existing one.

use rustc_hash::FxHashMap as HashMap;

use super::db::OptionalExtension;

use super::{Result, Writer};
use crate::domain::duplicates::{Party, shared_contact_expected};
use crate::domain::phone::{country_code, same_country};
use crate::domain::{CustomerDraft, CustomerKind, PhoneKind};
use crate::text::fold;

/// Existing customers by phone (national digits), email (lower case) and, for
/// companies, folded name.
#[derive(Debug, Default)]
pub struct KnownContacts {
    /// The first customer with a number's national digits, the country it was
    /// written with (see `phone::country_code`), and whether it keeps it as a work
    /// number.
    pub phones: HashMap<String, (i64, Option<u16>, bool)>,
    /// Further customers whose numbers share national digits but not the country
    /// (`+7 912 345 67 89` and `+98 912 345 6789`): rare.
    pub other_countries: HashMap<String, Vec<(i64, Option<u16>, bool)>>,
    pub emails: HashMap<String, i64>,
    /// Further customers on a number or address the first holder shares (colleagues
    /// on a switchboard, a family address): rare, so kept apart from the maps above.
    shared_phones: HashMap<String, Vec<i64>>,
    shared_emails: HashMap<String, Vec<i64>>,
    pub companies: HashMap<String, i64>,
    /// Company names as written, once looked up (saves folding the same name again).
    written: HashMap<String, i64>,
    /// Customers in the database when it was read.
    pub existing: usize,
    /// Customers created by this import: what identifies each (see
    /// `import::identity`), its kind and company.
    created: HashMap<i64, Created>,
}

/// A customer created by the running import, as matching needs it.
#[derive(Debug, Clone, Copy)]
struct Created {
    identity: u64,
    kind: CustomerKind,
    company_id: Option<i64>,
}

impl KnownContacts {
    /// How many customers the database held when it was read.
    pub fn customers(&self) -> usize {
        self.existing
    }

    /// The customer already known by one of `keys`, and which key matched (phones
    /// first, then emails, by position).
    pub fn find_keys(&self, keys: &ContactKeys) -> Option<(i64, usize)> {
        for (i, (national, country)) in keys.phones.iter().enumerate() {
            if national.len() < 6 {
                continue;
            }
            let Some(first) = self.phones.get(national) else {
                continue;
            };
            let others = self.other_countries.get(national).into_iter().flatten();
            if let Some((id, _, _)) = std::iter::once(first)
                .chain(others)
                .find(|(_, known, _)| same_country(*country, *known))
            {
                return Some((*id, i));
            }
        }
        for (i, email) in keys.emails.iter().enumerate() {
            if let Some(id) = self.emails.get(email) {
                return Some((*id, keys.phones.len() + i));
            }
        }
        None
    }

    /// Every customer known by one of `keys`, with the key (as `find_keys` numbers
    /// them), in the order `find_keys` looks: the first holder of each number or
    /// address, then the others who share it.
    pub fn candidates(&self, keys: &ContactKeys) -> Vec<(i64, usize)> {
        let mut out: Vec<(i64, usize)> = Vec::new();
        let mut push = |id: i64, key: usize| {
            if !out.iter().any(|(known, _)| *known == id) {
                out.push((id, key));
            }
        };
        for (i, (national, country)) in keys.phones.iter().enumerate() {
            if national.len() < 6 {
                continue;
            }
            let first = self.phones.get(national);
            let others = self.other_countries.get(national).into_iter().flatten();
            for (id, known, _) in first.into_iter().chain(others) {
                if same_country(*country, *known) {
                    push(*id, i);
                    for sharer in self.shared_phones.get(national).into_iter().flatten() {
                        push(*sharer, i);
                    }
                }
            }
        }
        for (i, email) in keys.emails.iter().enumerate() {
            let key = keys.phones.len() + i;
            if let Some(id) = self.emails.get(email) {
                push(*id, key);
            }
            for sharer in self.shared_emails.get(email).into_iter().flatten() {
                push(*sharer, key);
            }
        }
        out
    }

    /// Remembers `draft`'s phones, emails (and name, for a company) as customer `id`.
    pub fn learn(&mut self, id: i64, draft: &CustomerDraft) {
        self.learn_keys(id, ContactKeys::of(draft), draft);
    }

    /// `learn` for a customer this import created, with what identifies it (two
    /// records of one import are the same contact only when that agrees).
    pub fn learn_new(&mut self, id: i64, keys: ContactKeys, draft: &CustomerDraft, identity: u64) {
        self.created.insert(
            id,
            Created {
                identity,
                kind: draft.kind,
                company_id: draft.company_id,
            },
        );
        self.learn_keys(id, keys, draft);
    }

    /// What identifies customer `id`, if this import created it.
    pub fn identity_of(&self, id: i64) -> Option<u64> {
        self.created.get(&id).map(|c| c.identity)
    }

    /// Whether `draft` sharing key `key` (as `find_keys` numbers them) with customer
    /// `other` is expected rather than a sign of one contact entered twice: a person
    /// and their own company, or two people of one company on a number both keep as a
    /// work number (the switchboard). `rapport dedupe` does not list such pairs.
    pub fn colleagues(
        &self,
        w: &Writer<'_>,
        other: i64,
        draft: &CustomerDraft,
        keys: &ContactKeys,
        key: usize,
    ) -> Result<bool> {
        let them = match self.created.get(&other) {
            Some(c) => Party {
                id: Some(other),
                kind: c.kind,
                company_id: c.company_id,
            },
            None => match w.customer_party(other)? {
                Some(p) => p,
                None => return Ok(false),
            },
        };
        let me = Party {
            id: None,
            kind: draft.kind,
            company_id: draft.company_id,
        };
        let both_work = match (keys.phones.get(key), draft.phones.get(key)) {
            (Some((national, country)), Some(phone)) => {
                phone.kind == PhoneKind::Work && self.work_number(national, *country, other)
            }
            _ => false,
        };
        Ok(shared_contact_expected(&me, &them, both_work))
    }

    /// Whether customer `id` keeps the number with these national digits as a work
    /// number.
    fn work_number(&self, national: &str, country: Option<u16>, id: i64) -> bool {
        let first = self.phones.get(national);
        let others = self.other_countries.get(national).into_iter().flatten();
        first
            .into_iter()
            .chain(others)
            .any(|(who, c, work)| *who == id && same_country(country, *c) && *work)
    }

    /// `learn` with the keys already worked out.
    pub fn learn_keys(&mut self, id: i64, keys: ContactKeys, draft: &CustomerDraft) {
        for ((national, country), phone) in keys.phones.into_iter().zip(&draft.phones) {
            self.learn_phone(national, country, id, phone.kind == PhoneKind::Work);
        }
        for email in keys.emails {
            self.learn_email(email, id);
        }
        if draft.kind == CustomerKind::Company {
            self.companies.entry(fold(&draft.name)).or_insert(id);
        }
    }

    fn learn_email(&mut self, email: String, id: i64) {
        use std::collections::hash_map::Entry;
        match self.emails.entry(email) {
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
            Entry::Occupied(first) if *first.get() == id => {}
            Entry::Occupied(first) => {
                let email = first.key().clone();
                share(&mut self.shared_emails, email, id);
            }
        }
    }

    fn learn_phone(&mut self, national: String, country: Option<u16>, id: i64, work: bool) {
        match self.phones.get(&national) {
            None => {
                self.phones.insert(national, (id, country, work));
            }
            Some((first, known, _)) if *known == country => {
                if *first != id {
                    share(&mut self.shared_phones, national, id);
                }
            }
            Some(_) => {
                let others = self.other_countries.entry(national).or_default();
                if !others.iter().any(|(_, c, _)| *c == country) {
                    others.push((id, country, work));
                }
            }
        }
    }

    pub fn company(&mut self, name: &str) -> Option<i64> {
        if let Some(id) = self.written.get(name) {
            return Some(*id);
        }
        let id = self.companies.get(&fold(name)).copied()?;
        self.written.insert(name.to_string(), id);
        Some(id)
    }
}

/// Most customers remembered as sharing one number or address: beyond them a shared
/// number (a big company's switchboard) says nothing more.
const SHARERS: usize = 50;

fn share(map: &mut HashMap<String, Vec<i64>>, key: String, id: i64) {
    let ids = map.entry(key).or_default();
    if ids.len() < SHARERS && !ids.contains(&id) {
        ids.push(id);
    }
}

/// What a customer is matched by: its phones' national digits (with the country they
/// were written with) and its emails in lower case, worked out once per record.
#[derive(Debug, Clone, Default)]
pub struct ContactKeys {
    pub phones: Vec<(String, Option<u16>)>,
    pub emails: Vec<String>,
}

impl ContactKeys {
    pub fn of(draft: &CustomerDraft) -> Self {
        Self {
            phones: draft
                .phones
                .iter()
                .map(|p| (super::duplicates::phone_national(p), country_code(&p.raw)))
                .collect(),
            emails: draft
                .emails
                .iter()
                .map(|e| e.as_str().to_lowercase())
                .collect(),
        }
    }

    /// Why key `i` (as `find_keys` numbers them) matched.
    pub fn why(draft: &CustomerDraft, i: usize) -> String {
        match draft.phones.get(i) {
            Some(p) => format!("same phone {}", p.raw),
            None => match draft.emails.get(i - draft.phones.len()) {
                Some(e) => format!("same email {}", e.as_str()),
                None => "same phone or email".to_string(),
            },
        }
    }
}

/// Indexes a bulk import does not read while it only adds customers (matching uses
/// `KnownContacts`, company checks read customers by id): dropped for the import and
/// built again, sorted, before it commits, or before the first merge (which reads a
/// customer's phones, emails and people through them).
const BULK_SUSPENDED: &[&str] = &[
    "customers_company",
    "customer_phones_customer",
    "customer_emails_customer",
    "customer_tags_tag",
    "customers_name_key",
    "customers_owner",
    "customers_created",
    "customers_name_word2",
    "customers_name_word3",
    "customer_phones_digits",
    "customer_phones_national",
    "customer_phones_national_rev",
    "customer_emails_key",
    "audit_log_record",
    "audit_log_customer",
    "audit_log_at",
];

/// See `Writer::suspend_trail_indexes`. The trail's index by record stays: new ids
/// are read through it.
const TRAIL_SUSPENDED: &[&str] = &["audit_log_customer", "audit_log_at"];

/// Indexes dropped by `Writer::suspend_indexes`, to build again.
#[derive(Debug)]
#[must_use = "the indexes must be rebuilt with Writer::rebuild_indexes"]
pub struct SuspendedIndexes(Vec<String>);

impl SuspendedIndexes {
    /// The `CREATE INDEX` statements that build them again.
    pub fn sql(&self) -> &[String] {
        &self.0
    }

    pub(super) fn from_sql(sql: Vec<String>) -> Self {
        Self(sql)
    }
}

impl Writer<'_> {
    /// Drops the indexes a bulk import does not need while writing. Inserting
    /// thousands of rows and then building each index in one sorted pass is several
    /// times faster than updating every index row by row. Same transaction: a crash or
    /// an error leaves the indexes as they were.
    pub fn suspend_indexes(&mut self) -> Result<SuspendedIndexes> {
        self.suspend(BULK_SUSPENDED)
    }

    /// Drops the audit trail's indexes by customer and by time (nothing reads them
    /// while records are written, and records dated in the past would insert into
    /// them at random places): for writing many records one by one, as the demo does.
    pub fn suspend_trail_indexes(&mut self) -> Result<SuspendedIndexes> {
        self.suspend(TRAIL_SUSPENDED)
    }

    fn suspend(&mut self, names: &[&str]) -> Result<SuspendedIndexes> {
        let mut sql = Vec::new();
        for name in names {
            if let Some(create) = self.conn.index_definition(name)? {
                self.conn.execute(&format!("DROP INDEX {name}"), ())?;
                sql.push(create);
            }
        }
        Ok(SuspendedIndexes(sql))
    }

    /// Builds again what `suspend_indexes` dropped.
    pub fn rebuild_indexes(&mut self, suspended: SuspendedIndexes) -> Result<()> {
        for create in suspended.0 {
            // Someone may have healed an importer's indexes meanwhile.
            let create = create.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
            self.conn.execute(&create, ())?;
        }
        Ok(())
    }

    /// Every phone, email and company name in the database, for matching imports.
    pub fn known_contacts(&self) -> Result<KnownContacts> {
        let mut known = KnownContacts {
            existing: self
                .conn
                .query_row("SELECT count(*) FROM customers", (), |r| r.get::<_, i64>(0))?
                .try_into()
                .unwrap_or(usize::MAX),
            ..Default::default()
        };
        let mut stmt = self.conn.prepare(
            "SELECT national, raw, customer_id, kind = 'work' FROM customer_phones ORDER BY customer_id",
        )?;
        let rows = stmt.query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        for row in rows {
            let (national, raw, id, work) = row?;
            known.learn_phone(national, country_code(&raw), id, work);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT address_key, customer_id FROM customer_emails ORDER BY customer_id")?;
        for row in stmt.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (email, id) = row?;
            known.learn_email(email, id);
        }
        known.companies =
            self.key_map("SELECT name_key, id FROM customers WHERE kind = 'company' ORDER BY id")?;
        Ok(known)
    }

    /// The name key of customer `id` (folded name), if it exists.
    pub fn customer_name_key(&self, id: i64) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT name_key FROM customers WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()
    }

    /// Customer `id` as the sharing rule sees it (kind and company), if it exists.
    pub fn customer_party(&self, id: i64) -> Result<Option<Party>> {
        self.conn
            .prepare_cached("SELECT kind, company_id FROM customers WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Party {
                    id: Some(id),
                    kind: r.get(0)?,
                    company_id: r.get(1)?,
                })
            })
            .optional()
    }

    /// `(key, customer id)` rows as a map; the first (lowest) id of a key wins.
    fn key_map(&self, sql: &str) -> Result<HashMap<String, i64>> {
        let mut map = HashMap::default();
        let mut stmt = self.conn.prepare(sql)?;
        for row in stmt.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (key, id) = row?;
            map.entry(key).or_insert(id);
        }
        Ok(map)
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
        changed.extend(d.details.absorb(&incoming.details));
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

/// Rows per multi-row INSERT in a bulk import.
const BULK_ROWS: usize = 128;

/// A new customer waiting in a `BulkInsert`, with what its rows need.
#[derive(Debug)]
struct Pending {
    id: i64,
    draft: CustomerDraft,
    name_key: String,
    phones: Vec<(String, String)>,
    /// The `kept` column.
    kept: Option<String>,
}

/// New customers written many rows per statement (customers, then their phones,
/// emails and tags), for imports. Ids are handed out at once (the next free ones: the
/// import holds the write lock), so records can refer to each other before the rows
/// are written; `flush` writes what is pending, and must run before anything reads
/// those customers back and before the transaction ends.
#[derive(Debug, Default)]
pub struct BulkInsert {
    next_id: i64,
    pending: Vec<Pending>,
    /// Companies already checked to exist (each is looked up once).
    companies: rustc_hash::FxHashSet<i64>,
    /// Company names and owner logins for the audit trail.
    names: super::audit::NameCache,
}

impl BulkInsert {
    /// Whether customer `id` is waiting in this batch, and is a company.
    fn pending_kind(&self, id: i64) -> Option<CustomerKind> {
        self.pending
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.draft.kind)
    }
}

impl BulkInsert {
    /// The id the next queued customer gets.
    pub fn next_id(&self) -> i64 {
        self.next_id
    }
}

impl Writer<'_> {
    pub fn bulk_insert(&self) -> Result<BulkInsert> {
        Ok(BulkInsert {
            next_id: self.next_id("customers", "customer")?,
            ..Default::default()
        })
    }

    /// Validates `draft` (in place, as `add_customer` does) and queues it; its id.
    pub fn bulk_add(&mut self, bulk: &mut BulkInsert, draft: &mut CustomerDraft) -> Result<i64> {
        draft.validate()?;
        self.require_owner(draft.owner_id)?;
        match draft.company_id.map(|c| (c, bulk.pending_kind(c))) {
            Some((_, Some(CustomerKind::Company))) | None => {}
            Some((c, Some(CustomerKind::Person))) => {
                return Err(super::StoreError::invalid(
                    "company",
                    format!("customer #{c} is a person, not a company"),
                ));
            }
            Some((c, None)) => {
                if !bulk.companies.contains(&c) {
                    self.check_company(Some(c))?;
                    bulk.companies.insert(c);
                }
            }
        }
        let id = bulk.next_id;
        bulk.next_id += 1;
        bulk.pending.push(Pending {
            id,
            name_key: fold(&draft.name),
            kept: super::customers::kept_column(&draft.details),
            phones: draft
                .phones
                .iter()
                .map(super::duplicates::phone_columns)
                .collect(),
            draft: draft.clone(),
        });
        if bulk.pending.len() >= BULK_ROWS {
            self.bulk_flush(bulk)?;
        }
        Ok(id)
    }

    /// Writes every queued customer with its phones, emails and tags.
    pub fn bulk_flush(&mut self, bulk: &mut BulkInsert) -> Result<()> {
        if bulk.pending.is_empty() {
            return Ok(());
        }
        let now = self.now;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(bulk.pending.len() * 21);
        let ideal: Vec<(Option<u16>, Option<u16>)> = bulk
            .pending
            .iter()
            .map(|p| {
                (
                    p.draft.cadence.map(|c| c.ideal_days),
                    p.draft.cadence.map(|c| c.max_days),
                )
            })
            .collect();
        for (p, (ideal, max)) in bulk.pending.iter().zip(&ideal) {
            let d = &p.draft;
            values.extend([
                &p.id as &dyn rusqlite::ToSql,
                &d.kind,
                &d.name,
                &p.name_key,
                &d.company_id,
                &d.address,
                &d.status,
                &d.source,
                &d.notes,
                &d.owner_id,
                ideal,
                max,
                &now,
                &now,
                &d.details.title,
                &d.details.department,
                &d.details.nickname,
                &d.details.birthday,
                &d.details.website,
                &d.details.second_address,
                &p.kept,
            ]);
        }
        if let Some(last) = bulk.pending.iter().map(|p| p.id).max() {
            self.ids_taken_through("customers", last)?;
        }
        self.insert_rows(
            "customers (id, kind, name, name_key, company_id, address, status, source, notes, owner_id,
                         cadence_ideal_days, cadence_max_days, created_at, updated_at,
                         title, department, nickname, birthday, website, second_address, kept)",
            21,
            &values,
        )?;
        let most = bulk
            .pending
            .iter()
            .map(|p| p.draft.phones.len().max(p.draft.emails.len()))
            .max()
            .unwrap_or(0);
        let positions: Vec<i64> = (0..most as i64).collect();
        let mut phones: Vec<&dyn rusqlite::ToSql> = Vec::new();
        let mut emails: Vec<&dyn rusqlite::ToSql> = Vec::new();
        let mut tags: Vec<&dyn rusqlite::ToSql> = Vec::new();
        let addresses: Vec<Vec<(&str, String)>> = bulk
            .pending
            .iter()
            .map(|p| {
                p.draft
                    .emails
                    .iter()
                    .map(|e| (e.as_str(), e.as_str().to_lowercase()))
                    .collect()
            })
            .collect();
        for (p, addresses) in bulk.pending.iter().zip(&addresses) {
            for (i, (ph, (national, rev))) in p.draft.phones.iter().zip(&p.phones).enumerate() {
                let pos = positions.get(i).unwrap_or(&0);
                phones.extend([
                    &p.id as &dyn rusqlite::ToSql,
                    pos,
                    &ph.kind,
                    &ph.raw,
                    &ph.digits,
                    national,
                    rev,
                    &ph.extension,
                ]);
            }
            for (i, (address, key)) in addresses.iter().enumerate() {
                let pos = positions.get(i).unwrap_or(&0);
                emails.extend([&p.id as &dyn rusqlite::ToSql, pos, address, key]);
            }
            for t in &p.draft.tags {
                tags.extend([&p.id as &dyn rusqlite::ToSql, t]);
            }
        }
        self.insert_rows(
            "customer_phones (customer_id, position, kind, raw, digits, national, national_rev, extension)",
            8,
            &phones,
        )?;
        self.insert_rows(
            "customer_emails (customer_id, position, address, address_key)",
            4,
            &emails,
        )?;
        self.insert_rows("customer_tags (customer_id, tag)", 2, &tags)?;
        let trail = bulk
            .pending
            .iter()
            .map(|p| self.created_customer_changes(&p.draft, &mut bulk.names))
            .collect::<Result<Vec<String>>>()?;
        // One "created" entry per customer; what all share is bound once per statement.
        let actor = self.actor_id();
        let rows: Vec<(&i64, &String)> = bulk.pending.iter().map(|p| &p.id).zip(&trail).collect();
        for chunk in rows.chunks(BULK_ROWS) {
            let values = vec!["(CAST(? AS BIGINT), ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO audit_log (at, operator_id, entity, entity_id, customer_id, action, changes)
                 SELECT ?1, ?2, 'customer', column1, column1, 'create', column2 FROM (VALUES {values}) AS v"
            );
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(2 + chunk.len() * 2);
            params.extend([&now as &dyn rusqlite::ToSql, &actor]);
            for (id, changes) in chunk {
                params.extend([*id as &dyn rusqlite::ToSql, *changes]);
            }
            self.conn.prepare_cached(&sql)?.execute(params)?;
        }
        bulk.pending.clear();
        Ok(())
    }

    /// `INSERT INTO table_and_columns VALUES (…), (…)` for `values`, `width` per row,
    /// `BULK_ROWS` rows per statement.
    fn insert_rows(
        &mut self,
        table_and_columns: &str,
        width: usize,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<()> {
        let row = format!("({})", vec!["?"; width].join(", "));
        for chunk in values.chunks(width * BULK_ROWS) {
            let rows = chunk.len() / width;
            let sql = format!(
                "INSERT INTO {table_and_columns} VALUES {}",
                vec![row.as_str(); rows].join(", ")
            );
            self.conn.prepare_cached(&sql)?.execute(chunk)?;
        }
        Ok(())
    }
}
