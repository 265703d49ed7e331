//! Realistic demo data: people and companies in Latin, Persian and Cyrillic script,
//! deals across every stage, follow-ups overdue, due today and upcoming, and two years
//! of interactions so KPIs and trends have history. The same seed and clock give the
//! same database.

mod names;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::{
    Cadence, Currency, CustomerDraft, CustomerKind, CustomerStatus, DealDraft, Direction, Email,
    InteractionDraft, InteractionKind, Money, Phone, PhoneKind, Recurrence, ReminderDraft,
    StageOutcome,
};
use crate::store::{Generated, Result, Store, Writer};
use names::*;

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub customers: usize,
    pub seed: u64,
}

/// What `generate` wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DemoReport {
    pub customers: usize,
    pub companies: usize,
    pub interactions: usize,
    pub deals: usize,
    pub reminders: usize,
    pub operators: usize,
}

const HISTORY_DAYS: i64 = 730;

#[derive(Clone, Copy)]
enum Script {
    Latin,
    Persian,
    Cyrillic,
}

struct Company {
    id: i64,
    domain: String,
    script: Script,
}

/// Fills the store with demo data in one transaction. `operator_login` (the person
/// running the command) becomes one of the owners. The audit trail records the
/// operators and one entry for the rest (see `Writer::generate`), not one per record.
pub fn generate(store: &mut Store, opts: DemoOptions, operator_login: &str) -> Result<DemoReport> {
    let now = store.now();
    let stages = store.stages()?;
    store.write_into_empty(|w| {
        let mut g = Generator {
            rng: fastrand::Rng::with_seed(opts.seed),
            now,
            report: DemoReport::default(),
            owners: Vec::new(),
            stages: stages
                .iter()
                .map(|s| (s.id, s.key.clone(), s.outcome))
                .collect(),
            interactions: Vec::with_capacity(INTERACTIONS_PER_WRITE),
        };
        g.owners
            .push(w.ensure_operator(operator_login, operator_login)?.id);
        for (login, display) in OPERATORS {
            g.owners.push(w.ensure_operator(login, display)?.id);
        }
        g.report.operators = g.owners.len();
        let report = w.generate(
            |w| {
                g.fill(w, opts.customers)?;
                Ok(g.report)
            },
            |report| report.summary(opts.seed),
        )?;
        w.set_tag_cadence(KEY_ACCOUNT, Some(KEY_ACCOUNT_CADENCE))?;
        Ok(report)
    })
}

impl DemoReport {
    /// The counts for the trail's one entry about the demo data.
    fn summary(&self, seed: u64) -> Generated {
        let count = |n: usize| n.to_string();
        Generated {
            counts: vec![
                ("customers", count(self.customers)),
                ("companies", count(self.companies)),
                ("interactions", count(self.interactions)),
                ("deals", count(self.deals)),
                ("follow-ups", count(self.reminders)),
                ("operators", count(self.operators)),
                ("seed", seed.to_string()),
            ],
        }
    }
}

struct Generator {
    rng: fastrand::Rng,
    now: DateTime<Utc>,
    report: DemoReport,
    owners: Vec<i64>,
    stages: Vec<(i64, String, StageOutcome)>,
    /// Interactions generated and not yet written, each with when it was entered.
    interactions: Vec<(InteractionDraft, DateTime<Utc>)>,
}

/// Interactions written together: nothing reads them back while demo data is
/// generated, and many rows per statement are several times faster than one.
const INTERACTIONS_PER_WRITE: usize = 4096;

impl Generator {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(..100) < percent
    }

    fn script(&mut self) -> Script {
        match self.rng.u32(..10) {
            0..=3 => Script::Latin,
            4..=6 => Script::Persian,
            _ => Script::Cyrillic,
        }
    }

    fn days_ago(&mut self, max_days: i64) -> DateTime<Utc> {
        self.office_hours(self.now - Duration::days(max_days), self.now)
    }

    /// A moment between `from` and `to` (never after now), during office hours
    /// (08:00-18:00 UTC) on the chosen day when that day allows it.
    fn office_hours(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let to = to.min(self.now);
        let span = (to - from).num_seconds().max(1);
        let day = (from + Duration::seconds(self.rng.i64(0..span))).date_naive();
        let minutes = self.rng.i64(8 * 60..18 * 60);
        let at = day.and_hms_opt(0, 0, 0).map_or(to, |t| t.and_utc()) + Duration::minutes(minutes);
        at.clamp(from, to)
    }

    fn fill(&mut self, w: &mut Writer<'_>, total: usize) -> Result<()> {
        let n_companies = if total == 0 { 0 } else { (total / 8).max(1) };
        let mut companies: Vec<Company> = Vec::with_capacity(n_companies);
        for i in 0..total {
            let created = self.days_ago(HISTORY_DAYS);
            w.backdate(created);
            let id = if i < n_companies {
                let (mut draft, domain, script) = self.company(i);
                draft.cadence = own_cadence(i);
                let id = w.add_customer(&draft)?;
                companies.push(Company { id, domain, script });
                self.report.companies += 1;
                id
            } else {
                let company = (!companies.is_empty() && self.chance(60))
                    .then(|| self.rng.usize(..companies.len()))
                    .map(|k| &companies[k]);
                let mut draft = self.person(company);
                draft.cadence = own_cadence(i);
                w.add_customer(&draft)?
            };
            self.report.customers += 1;
            self.history(w, id, created)?;
            if self.interactions.len() >= INTERACTIONS_PER_WRITE {
                self.write_interactions(w)?;
            }
        }
        self.write_interactions(w)?;
        w.backdate(self.now);
        Ok(())
    }

    fn write_interactions(&mut self, w: &mut Writer<'_>) -> Result<()> {
        w.log_past_interactions(&self.interactions)?;
        self.interactions.clear();
        Ok(())
    }

    fn company(&mut self, i: usize) -> (CustomerDraft, String, Script) {
        let script = self.script();
        // Once the plain names run out, a branch qualifier keeps them distinct, then a number.
        let round = i / 60;
        let branch = (round > 0).then(|| BRANCHES[(round - 1) % BRANCHES.len()]);
        let serial = (round > BRANCHES.len()).then_some(round / BRANCHES.len());
        let (name, slug) = match script {
            Script::Latin => {
                let stem = *self.pick(LATIN_COMPANY_STEMS);
                let suffix = *self.pick(LATIN_COMPANY_SUFFIXES);
                (
                    format!("{stem} {suffix}"),
                    format!("{}{}", stem.to_lowercase(), suffix.to_lowercase()),
                )
            }
            Script::Persian => {
                let (stem, s1) = *self.pick(PERSIAN_COMPANY_STEMS);
                let (suffix, s2) = *self.pick(PERSIAN_COMPANY_SUFFIXES);
                (format!("{stem} {suffix}"), format!("{s1}{s2}"))
            }
            Script::Cyrillic => {
                let form = *self.pick(CYRILLIC_COMPANY_FORMS);
                let (stem, slug) = *self.pick(CYRILLIC_COMPANY_STEMS);
                (format!("{form} «{stem}»"), slug.to_string())
            }
        };
        let (name, slug) = match (branch, serial) {
            (None, _) => (name, slug),
            (Some((b, b_slug)), None) => (format!("{name} {b}"), format!("{slug}-{b_slug}")),
            (Some((b, b_slug)), Some(n)) => {
                (format!("{name} {b} {n}"), format!("{slug}-{b_slug}{n}"))
            }
        };
        let tld = match script {
            Script::Latin => "com",
            Script::Persian => "ir",
            Script::Cyrillic => "ru",
        };
        let domain = format!("{slug}.{tld}");
        let mut d = CustomerDraft::new(CustomerKind::Company, name);
        d.phones = vec![self.phone(script, PhoneKind::Work)];
        d.emails = Email::parse(&format!("info@{domain}"))
            .into_iter()
            .collect();
        d.address = Some(self.pick(CITIES).to_string());
        self.common(&mut d);
        (d, domain, script)
    }

    fn person(&mut self, company: Option<&Company>) -> CustomerDraft {
        let script = company.map_or_else(|| self.script(), |c| c.script);
        let (name, first_latin, last_latin) = match script {
            Script::Latin => {
                let first = *self.pick(LATIN_FIRST);
                let last = *self.pick(LATIN_LAST);
                (
                    format!("{first} {last}"),
                    ascii_slug(first),
                    ascii_slug(last),
                )
            }
            Script::Persian => {
                let (first, f) = *self.pick(PERSIAN_FIRST);
                let (last, l) = *self.pick(PERSIAN_LAST);
                (format!("{first} {last}"), f.to_string(), l.to_string())
            }
            Script::Cyrillic => {
                let (first, male, f) = *self.pick(CYRILLIC_FIRST);
                let (last, l) = *self.pick(CYRILLIC_LAST);
                let last = if male {
                    last.to_string()
                } else {
                    format!("{last}а")
                };
                (format!("{first} {last}"), f.to_string(), l.to_string())
            }
        };
        let mut d = CustomerDraft::new(CustomerKind::Person, name);
        d.company_id = company.map(|c| c.id);
        let domain = company.map_or_else(
            || {
                self.pick(&[
                    "gmail.com",
                    "outlook.com",
                    "yandex.ru",
                    "mail.ru",
                    "yahoo.com",
                    "chmail.ir",
                ])
                .to_string()
            },
            |c| c.domain.clone(),
        );
        let serial = self.rng.u32(1..1000);
        d.emails = Email::parse(&format!("{first_latin}.{last_latin}{serial}@{domain}"))
            .into_iter()
            .collect();
        d.phones = vec![self.phone(script, PhoneKind::Mobile)];
        if self.chance(25) {
            d.phones.push(self.phone(script, PhoneKind::Work));
        }
        if self.chance(30) {
            d.address = Some(self.pick(CITIES).to_string());
        }
        self.common(&mut d);
        d
    }

    fn common(&mut self, d: &mut CustomerDraft) {
        d.status = match self.rng.u32(..20) {
            0..=3 => CustomerStatus::Lead,
            4..=15 => CustomerStatus::Active,
            16..=18 => CustomerStatus::Inactive,
            _ => CustomerStatus::Lost,
        };
        for _ in 0..self.rng.usize(..3) {
            d.tags.push(self.pick(TAGS).to_string());
        }
        d.source = Some(self.pick(SOURCES).to_string());
        d.owner_id = Some(*self.pick(&self.owners.clone()));
        if self.chance(10) {
            d.notes = Some(self.pick(NOTE_SUMMARIES).to_string());
        }
    }

    fn phone(&mut self, script: Script, kind: PhoneKind) -> Phone {
        let r = &mut self.rng;
        let raw = match script {
            Script::Persian => format!(
                "+98 9{:02} {:03} {:04}",
                r.u32(10..40),
                r.u32(..1000),
                r.u32(..10000)
            ),
            Script::Cyrillic => format!(
                "+7 (9{:02}) {:03}-{:02}-{:02}",
                r.u32(..100),
                r.u32(..1000),
                r.u32(..100),
                r.u32(..100)
            ),
            Script::Latin => match r.u32(..3) {
                0 => format!("+44 7{:03} {:06}", r.u32(..1000), r.u32(..1_000_000)),
                1 => format!("+49 15{:01} {:08}", r.u32(..10), r.u32(..100_000_000)),
                _ => format!(
                    "+1 ({:03}) {:03}-{:04}",
                    r.u32(200..1000),
                    r.u32(200..1000),
                    r.u32(..10000)
                ),
            },
        };
        // Generated numbers always have enough digits; fall back to a fixed valid one regardless.
        Phone::parse(kind, &raw).unwrap_or_else(|_| {
            let digits = crate::text::fold_digits(&raw);
            Phone::from_stored(kind, raw, digits, None)
        })
    }

    /// Interactions, deals and follow-ups of one customer, from `since` until now.
    fn history(
        &mut self,
        w: &mut Writer<'_>,
        customer_id: i64,
        since: DateTime<Utc>,
    ) -> Result<()> {
        let span = (self.now - since).num_seconds();
        let operator = *self.pick(&self.owners.clone());
        let count = self.rng.usize(..7) + usize::from(span > 86_400 * 90);
        let mut times: Vec<DateTime<Utc>> = (0..count)
            .map(|_| self.office_hours(since, self.now))
            .collect();
        times.sort();
        for at in times {
            self.interaction(customer_id, operator, at);
        }
        if self.chance(35) {
            for _ in 0..1 + usize::from(self.chance(25)) {
                self.deal(w, customer_id, operator, since)?;
            }
        }
        if self.chance(22) {
            self.reminder(w, customer_id, operator)?;
        }
        if span > 86_400 * 30 && self.chance(30) {
            for _ in 0..self.rng.usize(1..4) {
                self.past_followup(w, customer_id, operator, since)?;
            }
        }
        Ok(())
    }

    /// A follow-up from the customer's history, handled on time or (less often) late.
    fn past_followup(
        &mut self,
        w: &mut Writer<'_>,
        customer_id: i64,
        owner: i64,
        since: DateTime<Utc>,
    ) -> Result<()> {
        let due = self.office_hours(since, self.now - Duration::days(2));
        w.backdate((due - Duration::days(self.rng.i64(1..10))).max(since));
        let id = w.add_reminder(&ReminderDraft {
            customer_id,
            deal_id: None,
            due_at: due,
            note: self.pick(REMINDER_NOTES).to_string(),
            recurrence: None,
            owner_id: Some(owner),
        })?;
        let late = if self.chance(85) {
            self.rng.i64(-180..20 * 60)
        } else {
            self.rng.i64(26 * 60..5 * 24 * 60)
        };
        let done = (due + Duration::minutes(late)).min(self.now);
        w.backdate(done);
        w.complete_reminder(id, done)?;
        self.report.reminders += 1;
        Ok(())
    }

    /// Queues one interaction (see `write_interactions`).
    fn interaction(&mut self, customer_id: i64, operator: i64, at: DateTime<Utc>) {
        let kind = match self.rng.u32(..10) {
            0..=4 => InteractionKind::Call,
            5..=6 => InteractionKind::Email,
            7 => InteractionKind::Meeting,
            8 => InteractionKind::Sms,
            _ => InteractionKind::Note,
        };
        let summary = match kind {
            InteractionKind::Call | InteractionKind::Sms => self.pick(CALL_SUMMARIES),
            InteractionKind::Email => self.pick(EMAIL_SUMMARIES),
            InteractionKind::Meeting => self.pick(MEETING_SUMMARIES),
            InteractionKind::Note => self.pick(NOTE_SUMMARIES),
        };
        let mut draft = InteractionDraft {
            customer_id,
            deal_id: None,
            kind,
            direction: if self.chance(40) {
                Direction::In
            } else {
                Direction::Out
            },
            occurred_at: at,
            operator_id: Some(operator),
            summary: summary.to_string(),
            outcome: self.chance(50).then(|| self.pick(OUTCOMES).to_string()),
            satisfaction: (kind != InteractionKind::Note && self.chance(30))
                .then(|| self.satisfaction()),
            nps: None,
        };
        // After a meeting the customer also says whether they would recommend us, in
        // line with their satisfaction (no extra draw: the same seed gives the same data).
        if kind == InteractionKind::Meeting {
            draft.nps = draft
                .satisfaction
                .map(|s| [2, 5, 7, 9, 10][usize::from(s.clamp(1, 5)) - 1]);
        }
        self.interactions.push((draft, at));
        self.report.interactions += 1;
    }

    fn satisfaction(&mut self) -> u8 {
        match self.rng.u32(..20) {
            0 => 1,
            1..=2 => 2,
            3..=6 => 3,
            7..=13 => 4,
            _ => 5,
        }
    }

    fn deal(
        &mut self,
        w: &mut Writer<'_>,
        customer_id: i64,
        owner: i64,
        since: DateTime<Utc>,
    ) -> Result<()> {
        let opened = self.office_hours(since, self.now);
        let currency = *self.pick(&[Currency::USD, Currency::USD, Currency::USD, Currency::EUR]);
        let amount = Money::new(i64::from(self.rng.u32(5..500)) * 10_000, currency)?;
        let (stage_id, _, outcome) = self.pick(&self.stages.clone()).clone();
        let today = self.now.date_naive();
        let expected_close = match outcome {
            StageOutcome::Open => Some(today + Duration::days(self.rng.i64(-20..180))),
            _ => None,
        };
        // A closed deal is opened in the stage it got to before it closed, so the
        // funnel has a shape.
        let stage_id = match outcome {
            StageOutcome::Open => Some(stage_id),
            closed => reached_before_closing(&self.stages, closed, amount.minor),
        };
        w.backdate(opened);
        let id = w.add_deal(&DealDraft {
            customer_id,
            title: self.pick(DEAL_TITLES).to_string(),
            amount,
            stage_id,
            probability: None,
            expected_close,
            owner_id: Some(owner),
        })?;
        if outcome != StageOutcome::Open {
            let open_days = (today - opened.date_naive()).num_days().max(0);
            let closed_on: NaiveDate =
                opened.date_naive() + Duration::days(self.rng.i64(0..=open_days.min(120)));
            // Noon of the close day, never later than now (the trail has no future).
            w.backdate(
                closed_on
                    .and_hms_opt(12, 0, 0)
                    .map_or(opened, |t| t.and_utc())
                    .min(self.now),
            );
            if outcome == StageOutcome::Won {
                w.mark_deal_won(id, closed_on)?;
            } else {
                let reason = *self.pick(LOST_REASONS);
                w.mark_deal_lost(id, reason, closed_on)?;
            }
        }
        self.report.deals += 1;
        Ok(())
    }

    fn reminder(&mut self, w: &mut Writer<'_>, customer_id: i64, owner: i64) -> Result<()> {
        // Overdue (up to two weeks back), today, or coming up within a month; always
        // during office hours on a quarter hour, as people schedule them.
        let days = match self.rng.u32(..10) {
            0..=1 => -self.rng.i64(1..15),
            3..=5 => 0,
            _ => self.rng.i64(1..31),
        };
        let day = (self.now + Duration::days(days)).date_naive();
        let quarter_hours = self.rng.i64(8 * 4..18 * 4);
        let due = day.and_hms_opt(0, 0, 0).map_or(self.now, |t| t.and_utc())
            + Duration::minutes(quarter_hours * 15);
        let overdue_days = (self.now - due).num_days();
        let recurrence = match self.rng.u32(..10) {
            0 => Some(Recurrence::Weekly),
            1 => Some(Recurrence::Monthly),
            2 => Some(Recurrence::Days(14)),
            _ => None,
        };
        w.backdate((due - Duration::days(self.rng.i64(1..20))).min(self.now));
        let id = w.add_reminder(&ReminderDraft {
            customer_id,
            deal_id: None,
            due_at: due,
            note: self.pick(REMINDER_NOTES).to_string(),
            recurrence,
            owner_id: Some(owner),
        })?;
        self.report.reminders += 1;
        // Some older follow-ups were already handled, on time or late.
        if overdue_days >= 1 && self.chance(40) {
            let done = due + Duration::minutes(self.rng.i64(-120..3 * 24 * 60));
            w.backdate(done.min(self.now));
            if w.complete_reminder(id, done.min(self.now))?.is_some() {
                self.report.reminders += 1;
            }
        }
        Ok(())
    }
}

/// The open stage (of `stages`, in pipeline order) a deal closed as `outcome` reached
/// before it closed, from its amount and not from the random generator, so the rest of
/// the data is the same as when every closed deal started in the first stage. Most won
/// deals got to the last open stage, some were won from the one before; lost deals
/// fell out all along the way, most of them early: 40% from the first stage, 30% the
/// second, 20% the third, 10% the fourth (each capped at the last open stage).
fn reached_before_closing(
    stages: &[(i64, String, StageOutcome)],
    outcome: StageOutcome,
    amount_minor: i64,
) -> Option<i64> {
    let open: Vec<i64> = stages
        .iter()
        .filter(|(_, _, o)| *o == StageOutcome::Open)
        .map(|(id, _, _)| *id)
        .collect();
    let last = open.len().checked_sub(1)?;
    // Amounts are whole hundreds of major units: the count of hundreds varies.
    let hundreds = amount_minor.unsigned_abs() / 10_000;
    let at = match outcome {
        StageOutcome::Won if hundreds % 4 == 0 => last.saturating_sub(1),
        StageOutcome::Won => last,
        _ => [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][(hundreds % 10) as usize].min(last),
    };
    open.get(at).copied()
}

/// The demo's key accounts are to hear from us every two weeks, three at most.
const KEY_ACCOUNT: &str = "key-account";
const KEY_ACCOUNT_CADENCE: Cadence = Cadence {
    ideal_days: 14,
    max_days: 21,
};

/// A few customers have a cadence of their own: chosen by position, not by the random
/// generator, so the rest of the data is the same as without cadences.
fn own_cadence(i: usize) -> Option<Cadence> {
    match i % 25 {
        7 => Some(Cadence {
            ideal_days: 30,
            max_days: 45,
        }),
        19 => Some(Cadence {
            ideal_days: 7,
            max_days: 10,
        }),
        _ => None,
    }
}

/// Lowercase ASCII for an email local part: accents dropped, other letters removed.
fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ü' => Some('u'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn store_at(now: DateTime<Utc>) -> Store {
        Store::open_in_memory()
            .unwrap()
            .with_clock(Arc::new(move || now))
    }

    #[test]
    fn same_seed_same_data_and_every_stage_is_used() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
            .unwrap()
            .to_utc();
        let mut a = store_at(now);
        let mut b = store_at(now);
        let opts = DemoOptions {
            customers: 300,
            seed: 7,
        };
        let ra = generate(&mut a, opts, "tester").unwrap();
        let rb = generate(&mut b, opts, "tester").unwrap();
        assert_eq!(ra, rb);
        assert_eq!(ra.customers, 300);
        let filter = crate::store::CustomerFilter::default();
        assert_eq!(a.customers(&filter).unwrap(), b.customers(&filter).unwrap());
        let deals = a.deals(&Default::default()).unwrap();
        for stage in a.stages().unwrap() {
            assert!(
                deals.iter().any(|d| d.stage_id == stage.id),
                "no deal in {}",
                stage.key
            );
        }
        let names: String = a
            .customers(&filter)
            .unwrap()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert!(
            names
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
            "no Persian names"
        );
        assert!(
            names
                .chars()
                .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
            "no Cyrillic names"
        );
    }

    /// Won deals got to one of the last two open stages, lost ones to every open stage,
    /// so the funnel narrows stage by stage instead of holding every closed deal in the
    /// first.
    #[test]
    fn closed_deals_reached_a_stage_before_they_closed() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
            .unwrap()
            .to_utc();
        let mut s = store_at(now);
        let opts = DemoOptions {
            customers: 300,
            seed: 7,
        };
        generate(&mut s, opts, "tester").unwrap();
        let today = now.date_naive();
        let h = s
            .health_inputs(now.timestamp(), today, today, None, 1)
            .unwrap();
        let open: Vec<i64> = h
            .stages
            .iter()
            .filter(|st| st.outcome == StageOutcome::Open)
            .map(|st| st.id)
            .collect();
        let reached = |outcome: StageOutcome, stage: i64| {
            h.funnel
                .iter()
                .filter(|r| r.outcome == outcome && r.reached_stage_id == stage)
                .map(|r| r.deals)
                .sum::<i64>()
        };
        for (at, stage) in open.iter().enumerate() {
            assert!(
                reached(StageOutcome::Lost, *stage) > 0,
                "no deal lost at {at}"
            );
            let won = reached(StageOutcome::Won, *stage);
            assert_eq!(won > 0, at + 2 >= open.len(), "won at {at}: {won}");
        }
        assert!(
            reached(StageOutcome::Lost, open[0]) > reached(StageOutcome::Lost, open[3]),
            "most are lost early"
        );
    }
}
