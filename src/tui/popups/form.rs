//! Forms inside the app: add/edit customer, log interaction, add deal, add follow-up,
//! and the reason a deal was lost. A form turns its fields into a domain draft;
//! validation errors show beside the field they name; a save is one transaction;
//! Esc closes the form and writes nothing.

use chrono::{DateTime, NaiveTime, TimeZone};

use crate::domain::deal::validate_probability;
use crate::domain::reminder::series_end_note;
use crate::domain::when::{parse_date, parse_datetime};
use crate::domain::{
    Cadence, Currency, CustomerDraft, CustomerKind, CustomerStatus, DealDraft, Direction, Email,
    InteractionDraft, InteractionKind, Money, Phone, Recurrence, ReminderDraft, ValidationError,
};
use crate::store::{Store, StoreError};
use crate::text::count;
use crate::tui::widgets::input::TextInput;

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    AddCustomer,
    /// A caller not on file: a new customer and the call, in one transaction.
    NewCaller,
    EditCustomer {
        id: i64,
        version: i64,
    },
    LogInteraction {
        customer_id: i64,
    },
    AddDeal {
        customer_id: i64,
    },
    AddReminder {
        customer_id: i64,
    },
    LostReason {
        deal_id: i64,
    },
    Merge {
        keep: i64,
    },
    /// The review's "log outcome": an interaction, and the follow-up (if any) done, in
    /// one transaction.
    LogOutcome {
        customer_id: i64,
        reminder_id: Option<i64>,
    },
    SnoozeUntil {
        reminder_id: i64,
    },
    Reschedule {
        reminder_id: i64,
    },
    /// Contacts from a file: run by the app in the background, not saved by the form.
    Import,
    /// Giving a record ("customer", "deal", "follow-up") to another operator.
    Assign {
        entity: &'static str,
        id: i64,
    },
    /// Correcting a record (see `record_forms`): saved by the app, not by the form.
    EditDeal {
        id: i64,
        version: i64,
    },
    EditInteraction {
        id: i64,
        version: i64,
    },
    EditFollowup {
        id: i64,
        version: i64,
    },
    /// A KPI of the business's own (see `kpi_form`): saved by the app, not by the form.
    DefineKpi,
}

/// A field that holds a date or a point in time, typed naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    Date,
    DateTime,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// Matches the `field` of the validation errors it should show.
    pub key: &'static str,
    pub label: &'static str,
    pub input: TextInput,
    /// Allowed values, cycled with left/right; empty for free text.
    pub choices: &'static [&'static str],
    pub hint: &'static str,
    pub error: Option<String>,
    /// Set for date fields: they show what the typed text resolves to.
    pub date: Option<DateKind>,
    /// The resolved date of a date field ("Tue 24 Nov 2026 10:00"), when the text
    /// parses; refreshed by `Form::resolve_dates` as the operator types.
    pub resolved: Option<String>,
    /// What the field holds is a proposal (a due date, a call's summary): its text is
    /// selected whenever it gets the focus, so typing replaces it.
    pub proposal: bool,
}

impl Field {
    pub(crate) fn text(
        key: &'static str,
        label: &'static str,
        value: impl Into<String>,
        hint: &'static str,
    ) -> Self {
        Self {
            key,
            label,
            input: TextInput::new(value),
            choices: &[],
            hint,
            error: None,
            date: None,
            resolved: None,
            proposal: false,
        }
    }

    pub(crate) fn date(
        key: &'static str,
        label: &'static str,
        value: impl Into<String>,
        hint: &'static str,
        kind: DateKind,
    ) -> Self {
        Self {
            date: Some(kind),
            proposal: true,
            ..Self::text(key, label, value, hint)
        }
    }

    pub(crate) fn choice(
        key: &'static str,
        label: &'static str,
        value: &str,
        choices: &'static [&'static str],
    ) -> Self {
        Self {
            key,
            label,
            input: TextInput::new(value),
            choices,
            hint: "←/→ to choose",
            error: None,
            date: None,
            resolved: None,
            proposal: false,
        }
    }

    pub fn value(&self) -> &str {
        self.input.text().trim()
    }

    /// Steps a choice field to the next (+1) or previous (-1) allowed value.
    pub fn cycle(&mut self, step: isize) {
        if self.choices.is_empty() {
            return;
        }
        let n = self.choices.len() as isize;
        let at = self
            .choices
            .iter()
            .position(|c| c.eq_ignore_ascii_case(self.value()))
            .map_or(-1, |i| i as isize);
        let next = (at + step).rem_euclid(n) as usize;
        self.input.set(self.choices[next]);
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// An error that belongs to no single field (e.g. a stale edit), or a warning
    /// (likely duplicates, what a merge moves) that a second save confirms.
    pub error: Option<String>,
    /// The warning was shown: the next save goes ahead.
    pub confirmed: bool,
    /// What the status bar says when the form is closed without saving.
    pub on_cancel: &'static str,
    /// Each field's text as the form opened: what the operator has edited since.
    baseline: Vec<String>,
    /// Someone else saved the record meanwhile: the next Enter reloads it.
    pub stale: bool,
    /// Enter was pressed and the save is under way: keys wait for its answer.
    pub saving: bool,
}

const KINDS: &[&str] = &["person", "company"];
const STATUSES: &[&str] = &["lead", "active", "inactive", "lost"];
const INTERACTION_KINDS: &[&str] = &["call", "email", "meeting", "note", "sms"];
const DIRECTIONS: &[&str] = &["out", "in"];
/// "merge same" merges only the same contact (`OnDuplicate::MergeSame`); "merge any"
/// whoever shares a phone or email.
const ON_DUPLICATE: &[&str] = &["merge same", "merge any", "skip", "create"];
const SKIP_INVALID: &[&str] = &["refuse all", "skip them"];
const YES_NO: &[&str] = &["no", "yes"];
/// When the review proposes the next follow-up after an outcome.
const NEXT_FOLLOWUP: &str = "+1w 10:00";

/// What a saved form did, for the status line and for reloading views.
#[derive(Debug, Clone)]
pub struct Saved {
    pub message: String,
    pub customer_id: Option<i64>,
    /// A form to offer next (a follow-up after a logged interaction).
    pub next: Option<Box<Form>>,
    /// A customer that no longer exists (merged into `customer_id`).
    pub removed: Option<i64>,
}

impl Form {
    pub(crate) fn new(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Self {
        let baseline = fields.iter().map(|f| f.input.text().to_string()).collect();
        let mut form = Self {
            kind,
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            confirmed: false,
            on_cancel: "Cancelled; nothing was saved",
            baseline,
            stale: false,
            saving: false,
        };
        form.select_proposal();
        form
    }

    /// After a refused stale save: the record as it is now, with the fields this
    /// operator edited keeping their edits, ready to check and save again.
    fn reload(&mut self, store: &Store) {
        let FormKind::EditCustomer { id, .. } = self.kind else {
            return;
        };
        match Form::edit_customer(store, id) {
            Ok(fresh) => self.keep_edits_in(fresh),
            Err(e) => {
                self.stale = false;
                self.show_error(&e);
            }
        }
    }

    /// Becomes `fresh` (the record as it is now), keeping the fields this operator
    /// edited, ready to check and save again.
    pub(crate) fn keep_edits_in(&mut self, mut fresh: Form) {
        let mut kept = Vec::new();
        for ((mine, was), now) in self
            .fields
            .iter()
            .zip(&self.baseline)
            .zip(&mut fresh.fields)
        {
            if mine.input.text() != was {
                now.input.set(mine.input.text());
                kept.push(mine.label);
            }
        }
        fresh.focus = self.focus;
        fresh.error = Some(if kept.is_empty() {
            "Reloaded with the latest changes; nothing of yours to keep. Enter saves.".into()
        } else {
            format!(
                "Reloaded with the latest changes, keeping your edits to {}. Check, then Enter saves.",
                kept.join(", ")
            )
        });
        // The notice is not an error: the status bar leaves it to the banner.
        fresh.confirmed = true;
        *self = fresh;
    }

    /// Merging another customer into `keep` (shown as `keep_name`).
    pub fn merge_into(keep: i64, keep_name: &str) -> Self {
        Self::new(
            FormKind::Merge { keep },
            format!("Merge a duplicate into {keep_name}"),
            vec![Field::text(
                "other",
                "Duplicate",
                "",
                "its number or name; it is merged in and deleted",
            )],
        )
    }

    pub fn add_customer() -> Self {
        Self::new(
            FormKind::AddCustomer,
            "New customer",
            customer_fields(&CustomerDraft::new(CustomerKind::Person, ""), None),
        )
    }

    /// A caller nobody has on file yet, from what was typed in the search: a number
    /// goes to the phones, an address to the emails, anything else to the name. Saving
    /// adds the customer and logs the call (incoming, now) in one transaction.
    pub fn new_caller(query: &str) -> Self {
        let mut fields = customer_fields(&CustomerDraft::new(CustomerKind::Person, ""), None);
        fields.insert(
            1,
            Field {
                proposal: true,
                ..Field::text("summary", "Call", "New caller", "what the call is about")
            },
        );
        let query = query.trim();
        let key = if looks_like_phone(query) {
            "phones"
        } else if query.contains('@') {
            "emails"
        } else {
            "name"
        };
        let mut form = Self::new(FormKind::NewCaller, "New caller", fields);
        for f in &mut form.fields {
            if f.key == key {
                f.input.set(query);
            }
        }
        // The operator types what the search did not give: the name, or a number.
        let next = if key == "name" { "phones" } else { "name" };
        form.focus = form.fields.iter().position(|f| f.key == next).unwrap_or(0);
        form.select_proposal();
        form
    }

    pub fn edit_customer(store: &Store, id: i64) -> Result<Self, StoreError> {
        let c = store.customer(id)?;
        let title = format!("Edit #{id}");
        Ok(Self::new(
            FormKind::EditCustomer {
                id,
                version: c.version,
            },
            title,
            customer_fields(&c.draft(), c.company_name.as_deref()),
        ))
    }

    pub fn log_interaction(customer_id: i64, customer_name: &str) -> Self {
        Self::new(
            FormKind::LogInteraction { customer_id },
            format!("Log for {customer_name}"),
            vec![
                Field::choice("kind", "Kind", "call", INTERACTION_KINDS),
                Field::choice("direction", "Direction", "out", DIRECTIONS),
                Field::text("summary", "Summary", "", "what was said or done"),
                Field::text("outcome", "Outcome", "", "optional"),
                Field::text("satisfaction", "Satisfaction", "", "1-5, optional"),
                Field::text("nps", "Recommend", "", "NPS 0-10, optional"),
                Field::date(
                    "at",
                    "When",
                    "now",
                    "now, -2h, yesterday 15:00, YYYY-MM-DD HH:MM",
                    DateKind::DateTime,
                ),
            ],
        )
    }

    /// An incoming call, ready for its summary: what the quick lookup opens.
    pub fn log_call(customer_id: i64, customer_name: &str) -> Self {
        let mut form = Self::log_interaction(customer_id, customer_name);
        form.title = format!("Call with {customer_name}");
        form.fields[1].input.set("in");
        form.focus = 2;
        form
    }

    pub fn add_deal(customer_id: i64, customer_name: &str, currency: Currency) -> Self {
        Self::new(
            FormKind::AddDeal { customer_id },
            format!("New deal for {customer_name}"),
            vec![
                Field::text("title", "Title", "", "e.g. Annual licence"),
                Field::text("amount", "Amount", "", "e.g. 12,000.50 or 12.000,50"),
                Field::text(
                    "currency",
                    "Currency",
                    currency.code(),
                    "ISO code: USD, EUR, IRR, RUB…",
                ),
                Field::text(
                    "stage",
                    "Stage",
                    "lead",
                    "lead, qualified, proposal, negotiation",
                ),
                Field::text(
                    "probability",
                    "Probability %",
                    "",
                    "optional: the stage's default",
                ),
                Field::date(
                    "close",
                    "Expected close",
                    "",
                    "YYYY-MM-DD, +30d, optional",
                    DateKind::Date,
                ),
            ],
        )
    }

    /// Offered right after an interaction is logged: a follow-up due tomorrow whose
    /// note recalls what was said. Enter accepts it, Esc skips it.
    /// After the review's outcome: the next follow-up, a week out by default.
    pub fn propose_next(customer_id: i64, customer_name: &str, summary: &str) -> Self {
        let mut form = Self::propose_followup(customer_id, customer_name, summary);
        form.title = format!("Next follow-up with {customer_name}? (Esc: none)");
        form.fields[0].input.set(NEXT_FOLLOWUP);
        form
    }

    pub fn propose_followup(customer_id: i64, customer_name: &str, summary: &str) -> Self {
        let mut form = Self::add_reminder(customer_id, customer_name);
        form.title = format!("Follow up with {customer_name}? (Esc skips)");
        form.on_cancel = "No follow-up added; what you logged is saved";
        // A suggestion to edit, kept short enough to be a valid note.
        let gist: String = summary.chars().take(200).collect();
        form.fields[1].input.set(format!("Follow up: {gist}"));
        form
    }

    pub fn add_reminder(customer_id: i64, customer_name: &str) -> Self {
        Self::new(
            FormKind::AddReminder { customer_id },
            format!("Follow-up for {customer_name}"),
            vec![
                Field::date(
                    "due",
                    "Due",
                    "tomorrow 10:00",
                    "tomorrow 10:00, +3d, fri 3pm, YYYY-MM-DD HH:MM",
                    DateKind::DateTime,
                ),
                Field::text("note", "Note", "", "what to do"),
                Field::text(
                    "recurrence",
                    "Repeat",
                    "",
                    "daily, weekly, monthly, 14d; optional",
                ),
            ],
        )
    }

    /// The review's "log outcome": what happened (kind and note); saving also marks
    /// the follow-up done, then proposes the next one.
    pub fn log_outcome(customer_id: i64, customer_name: &str, reminder_id: Option<i64>) -> Self {
        let mut form = Self::new(
            FormKind::LogOutcome {
                customer_id,
                reminder_id,
            },
            format!("Outcome with {customer_name}"),
            vec![
                Field::choice("kind", "Kind", "call", INTERACTION_KINDS),
                Field::text("summary", "Note", "", "what was said or done"),
            ],
        );
        // Most outcomes are calls: the note comes first (shift-tab reaches the kind).
        form.focus = 1;
        form.select_proposal();
        form
    }

    /// A follow-up for a customer going quiet (from the review), its note ready to edit.
    pub fn plan_contact(customer_id: i64, customer_name: &str) -> Self {
        let mut form = Self::add_reminder(customer_id, customer_name);
        form.title = format!("Plan a follow-up with {customer_name}");
        form.fields[1].input.set("Get back in touch");
        form
    }

    /// Importing contacts from a vCard or CSV file.
    pub fn import() -> Self {
        Self::new(
            FormKind::Import,
            "Import contacts (vCard or CSV)",
            vec![
                Field::text(
                    "file",
                    "File",
                    "",
                    "path of a .vcf or .csv file; ~ is your home",
                ),
                Field::choice("on_duplicate", "Already here", "merge same", ON_DUPLICATE),
                Field::choice("skip_invalid", "Invalid rows", "refuse all", SKIP_INVALID),
                Field::choice("dry_run", "Dry run", "no", YES_NO),
            ],
        )
    }

    /// Snoozing until a time the operator types.
    pub fn snooze_until(reminder_id: i64, customer_name: &str) -> Self {
        Self::new(
            FormKind::SnoozeUntil { reminder_id },
            format!("Snooze the follow-up with {customer_name} until"),
            vec![Field::date(
                "until",
                "Until",
                "",
                "+2h, tomorrow 14:00, fri 3pm, YYYY-MM-DD HH:MM",
                DateKind::DateTime,
            )],
        )
    }

    /// Moving a follow-up to a new due date (`due` is its current one, as typed text).
    pub fn reschedule(reminder_id: i64, customer_name: &str, due: &str) -> Self {
        Self::new(
            FormKind::Reschedule { reminder_id },
            format!("Reschedule the follow-up with {customer_name}"),
            vec![Field::date(
                "due",
                "New due date",
                due,
                "next mon 10:00, +1w, YYYY-MM-DD HH:MM",
                DateKind::DateTime,
            )],
        )
    }

    /// Giving record `id` to another operator: its owner's login, with the operators
    /// to choose from in the title.
    pub fn assign(entity: &'static str, id: i64, owner: Option<&str>, logins: &[String]) -> Self {
        Self::new(
            FormKind::Assign { entity, id },
            format!("Give {entity} #{id} to: {}", logins.join(", ")),
            vec![Field::text(
                "owner",
                "Owner",
                owner.unwrap_or_default(),
                "an operator's login",
            )],
        )
    }

    pub fn lost_reason(deal_id: i64, title: &str) -> Self {
        Self::new(
            FormKind::LostReason { deal_id },
            format!("Why was \"{title}\" lost?"),
            vec![Field::text(
                "reason",
                "Reason",
                "",
                "e.g. chose a competitor",
            )],
        )
    }

    pub fn focused(&mut self) -> &mut Field {
        let i = self.focus.min(self.fields.len().saturating_sub(1));
        &mut self.fields[i]
    }

    pub fn next_field(&mut self, step: isize) {
        let n = self.fields.len() as isize;
        self.focus = (self.focus as isize + step).rem_euclid(n.max(1)) as usize;
        self.select_proposal();
    }

    /// Selects the focused field's text when it is a proposal: typing replaces it.
    pub fn select_proposal(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus)
            && f.proposal
        {
            f.input.select_all();
        }
    }

    /// Shows beside each date field what its text resolves to, relative to `now`.
    pub fn resolve_dates<Tz: TimeZone>(&mut self, now: &DateTime<Tz>, default_time: NaiveTime)
    where
        Tz::Offset: std::fmt::Display,
    {
        for f in &mut self.fields {
            f.resolved = match f.date {
                None => None,
                Some(_) if f.value().is_empty() => None,
                Some(DateKind::Date) => parse_date(f.key, f.value(), now)
                    .ok()
                    .map(|d| d.format("%a %-d %b %Y").to_string()),
                Some(DateKind::DateTime) => parse_datetime(f.key, f.value(), now, default_time)
                    .ok()
                    .map(|t| {
                        t.with_timezone(&now.timezone())
                            .format("%a %-d %b %Y %H:%M")
                            .to_string()
                    }),
            };
        }
    }

    /// The trimmed text of the field `key` ("" if there is none).
    pub fn get(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", Field::value)
    }

    /// Whether the operator changed field `key` since the form opened.
    pub fn edited(&self, key: &str) -> bool {
        self.fields
            .iter()
            .zip(&self.baseline)
            .any(|(f, was)| f.key == key && f.input.text() != was)
    }

    pub(crate) fn optional(&self, key: &str) -> Option<String> {
        Some(self.get(key).to_string()).filter(|v| !v.is_empty())
    }

    /// Shows `err` beside the field it names (or above the fields), focusing it.
    pub(crate) fn show_error(&mut self, err: &StoreError) {
        for f in &mut self.fields {
            f.error = None;
        }
        self.error = None;
        let (field, reason) = match err {
            StoreError::Invalid(ValidationError { field, reason }) => {
                (field.as_str(), reason.clone())
            }
            other => ("", other.to_string()),
        };
        let aliases: &[(&str, &str)] = &[
            ("tag", "tags"),
            ("phone", "phones"),
            ("email", "emails"),
            ("date", "close"),
        ];
        let target = aliases
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field, |(_, to)| *to);
        match self.fields.iter().position(|f| f.key == target) {
            Some(i) => {
                self.fields[i].error = Some(reason);
                self.focus = i;
            }
            None => self.error = Some(err.to_string()),
        }
        // Every other field that would be refused too is marked now, not one per save.
        if matches!(err, StoreError::Invalid(_)) {
            for (i, problem) in self.problems() {
                let f = &mut self.fields[i];
                if f.error.is_none() {
                    f.error = Some(problem);
                }
            }
        }
    }

    /// What is wrong with each field on its own, as far as its text alone tells
    /// (required, dates, phones, emails, numbers, codes): the same parsers as a save.
    fn problems(&self) -> Vec<(usize, String)> {
        let currency = Currency::from_code(self.get("currency")).unwrap_or(Currency::USD);
        let score = |text: &str, low: u8, high: u8, what: &str| -> Result<(), String> {
            match text.parse::<u8>() {
                Ok(n) if (low..=high).contains(&n) => Ok(()),
                _ => Err(format!("{text:?} is not {what} from {low} to {high}")),
            }
        };
        let reason = |e: ValidationError| e.reason;
        let mut out = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let v = f.value();
            let problem = if v.is_empty() {
                (f.hint == "required").then(|| "required".to_string())
            } else if f.date.is_some() {
                // `resolve_dates` has read the text after every key: no date, no meaning.
                f.resolved
                    .is_none()
                    .then(|| format!("{v:?} is not a date this reads; {}", f.hint))
            } else {
                let checked = match f.key {
                    "phones" => split_list(v)
                        .try_for_each(|p| Phone::parse_labeled(p).map(drop))
                        .map_err(reason),
                    "emails" => split_list(v)
                        .try_for_each(|e| Email::parse(e).map(drop))
                        .map_err(reason),
                    "cadence" => Cadence::parse("cadence", v).map(drop).map_err(reason),
                    "recurrence" => Recurrence::parse(v).map(drop).map_err(reason),
                    "currency" => Currency::from_code(v).map(drop).map_err(reason),
                    "amount" => Money::parse(v, currency).map(drop).map_err(reason),
                    "probability" => v
                        .parse::<i64>()
                        .map_err(|_| format!("{v:?} is not a whole number"))
                        .and_then(|p| validate_probability(p).map(drop).map_err(reason)),
                    "satisfaction" => score(v, 1, 5, "a score"),
                    "nps" => score(v, 0, 10, "an answer"),
                    _ => Ok(()),
                };
                checked.err()
            };
            if let Some(problem) = problem {
                out.push((i, problem));
            }
        }
        out
    }

    /// Validates and saves in one transaction. On an error the form stays open with
    /// the message beside its field, and nothing is written.
    pub fn submit<Tz: TimeZone>(
        &mut self,
        store: &mut Store,
        me: i64,
        now: &DateTime<Tz>,
        default_time: NaiveTime,
    ) -> Option<Saved>
    where
        Tz::Offset: std::fmt::Display,
    {
        // What each date field means now: a refusal marks the ones that mean nothing.
        self.resolve_dates(now, default_time);
        if self.stale {
            self.reload(store);
            return None;
        }
        match self.warning(store) {
            Ok(Some(warning)) => {
                for f in &mut self.fields {
                    f.error = None;
                }
                self.error = Some(warning);
                self.confirmed = true;
                return None;
            }
            Ok(None) => {}
            Err(e) => {
                self.show_error(&e);
                return None;
            }
        }
        match self.save(store, me, now, default_time) {
            Ok(saved) => Some(saved),
            Err(e @ StoreError::Conflict { .. }) => {
                self.show_error(&e);
                self.stale = true;
                self.error = Some(format!(
                    "{e} Enter reloads it, keeping your edits; Esc cancels."
                ));
                None
            }
            Err(e) => {
                self.show_error(&e);
                None
            }
        }
    }

    /// What the operator should see before this save goes ahead: likely duplicates of
    /// a new customer, or what a merge will move. `None` once confirmed.
    fn warning(&self, store: &Store) -> Result<Option<String>, StoreError> {
        if self.confirmed {
            return Ok(None);
        }
        match &self.kind {
            FormKind::AddCustomer | FormKind::NewCaller => {
                let draft = self.customer_draft(store)?;
                let found = store.duplicates_of(&draft)?;
                if found.is_empty() {
                    return Ok(None);
                }
                let listed: Vec<String> = found
                    .iter()
                    .take(3)
                    .map(|(c, why)| {
                        let why: Vec<String> = why.iter().map(ToString::to_string).collect();
                        format!("#{} {} ({})", c.id, c.name, why.join(", "))
                    })
                    .collect();
                let more = if found.len() > 3 {
                    format!(" and {} more", found.len() - 3)
                } else {
                    String::new()
                };
                Ok(Some(format!(
                    "Already here? {}{more}. Enter adds anyway; Esc cancels.",
                    listed.join("; ")
                )))
            }
            FormKind::Merge { keep } => {
                let drop = self.merge_source(store)?;
                let plan = store.merge_plan(*keep, drop)?;
                Ok(Some(format!(
                    "This moves {}, {}, {} and {} of #{} {} here, \
                     adds {}, {} and {}, and deletes #{}. Enter merges; Esc cancels.",
                    count(plan.interactions, "interaction", "interactions"),
                    count(plan.deals, "deal", "deals"),
                    count(plan.reminders, "follow-up", "follow-ups"),
                    count(plan.people, "person", "people"),
                    plan.drop,
                    plan.drop_name,
                    count(plan.phones, "phone", "phones"),
                    count(plan.emails, "email", "emails"),
                    count(plan.tags, "tag", "tags"),
                    plan.drop
                )))
            }
            _ => Ok(None),
        }
    }

    /// The customer a merge form names, as an error on its field when unknown.
    fn merge_source(&self, store: &Store) -> Result<i64, StoreError> {
        store
            .resolve_customer(self.get("other"))
            .map_err(|e| match e {
                StoreError::Invalid(v) => StoreError::invalid("other", v.reason),
                StoreError::NotFound { id, .. } => {
                    StoreError::invalid("other", format!("customer #{id} does not exist"))
                }
                other => other,
            })
    }

    fn save<Tz: TimeZone>(
        &self,
        store: &mut Store,
        me: i64,
        now: &DateTime<Tz>,
        default_time: NaiveTime,
    ) -> Result<Saved, StoreError> {
        match &self.kind {
            FormKind::AddCustomer => {
                let mut d = self.customer_draft(store)?;
                d.owner_id = Some(me);
                let id = store.add_customer(&d)?;
                Ok(Saved {
                    message: format!("Added customer #{id}"),
                    customer_id: Some(id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::NewCaller => {
                let mut d = self.customer_draft(store)?;
                d.owner_id = Some(me);
                let call = InteractionDraft {
                    customer_id: 0,
                    deal_id: None,
                    kind: InteractionKind::Call,
                    direction: Direction::In,
                    occurred_at: now.with_timezone(&chrono::Utc),
                    operator_id: Some(me),
                    summary: self.get("summary").to_string(),
                    outcome: None,
                    satisfaction: None,
                    nps: None,
                };
                let (id, call_id) = store.write(|w| {
                    let id = w.add_customer(&d)?;
                    let call_id = w.log_interaction(&InteractionDraft {
                        customer_id: id,
                        ..call.clone()
                    })?;
                    Ok((id, call_id))
                })?;
                Ok(Saved {
                    message: format!("Added customer #{id} and logged call #{call_id}"),
                    customer_id: Some(id),
                    removed: None,
                    next: Some(Box::new(Form::propose_followup(id, &d.name, &call.summary))),
                })
            }
            FormKind::EditCustomer { id, version } => {
                let current = store.customer(*id)?;
                let mut d = self.customer_draft(store)?;
                // What the form does not show is kept as it is.
                d.owner_id = current.owner_id;
                d.source = current.source;
                d.details = current.details;
                store.update_customer(*id, *version, &d)?;
                Ok(Saved {
                    message: format!("Saved customer #{id}"),
                    customer_id: Some(*id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::LogInteraction { customer_id } => {
                let satisfaction = match self.optional("satisfaction") {
                    None => None,
                    Some(s) => Some(s.parse::<u8>().map_err(|_| {
                        ValidationError::new(
                            "satisfaction",
                            format!("{s:?} is not a score from 1 to 5"),
                        )
                    })?),
                };
                let nps = match self.optional("nps") {
                    None => None,
                    Some(s) => Some(s.parse::<u8>().map_err(|_| {
                        ValidationError::new("nps", format!("{s:?} is not an answer from 0 to 10"))
                    })?),
                };
                let mut draft = InteractionDraft {
                    customer_id: *customer_id,
                    deal_id: None,
                    kind: InteractionKind::parse("kind", self.get("kind"))?,
                    direction: Direction::parse("direction", self.get("direction"))?,
                    occurred_at: parse_datetime("at", self.get("at"), now, default_time)?,
                    operator_id: Some(me),
                    summary: self.get("summary").to_string(),
                    outcome: self.optional("outcome"),
                    satisfaction,
                    nps,
                };
                draft.fill_nps_summary();
                let id = store.log_interaction(&draft)?;
                let name = store.customer(*customer_id)?.name;
                Ok(Saved {
                    message: format!("Logged {} #{id}", draft.kind),
                    customer_id: Some(*customer_id),
                    removed: None,
                    next: Some(Box::new(Form::propose_followup(
                        *customer_id,
                        &name,
                        &draft.summary,
                    ))),
                })
            }
            FormKind::AddDeal { customer_id } => {
                let currency = Currency::from_code(self.get("currency"))?;
                let stage = store.stage(self.get("stage"))?;
                let probability = match self.optional("probability") {
                    None => None,
                    Some(p) => Some(validate_probability(p.parse::<i64>().map_err(|_| {
                        ValidationError::new("probability", format!("{p:?} is not a whole number"))
                    })?)?),
                };
                let draft = DealDraft {
                    customer_id: *customer_id,
                    title: self.get("title").to_string(),
                    amount: Money::parse(self.get("amount"), currency)?,
                    stage_id: Some(stage.id),
                    probability,
                    expected_close: self
                        .optional("close")
                        .map(|c| parse_date("close", &c, now))
                        .transpose()?,
                    owner_id: Some(me),
                };
                let id = store.add_deal(&draft)?;
                Ok(Saved {
                    message: format!("Added deal #{id}"),
                    customer_id: Some(*customer_id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::AddReminder { customer_id } => {
                let draft = ReminderDraft {
                    customer_id: *customer_id,
                    deal_id: None,
                    due_at: parse_datetime("due", self.get("due"), now, default_time)?,
                    note: self.get("note").to_string(),
                    recurrence: self
                        .optional("recurrence")
                        .map(|r| Recurrence::parse(&r))
                        .transpose()?,
                    owner_id: Some(me),
                };
                let id = store.add_reminder(&draft)?;
                Ok(Saved {
                    message: format!("Added follow-up #{id}"),
                    customer_id: Some(*customer_id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::LogOutcome {
                customer_id,
                reminder_id,
            } => {
                let draft = InteractionDraft {
                    customer_id: *customer_id,
                    deal_id: None,
                    kind: InteractionKind::parse("kind", self.get("kind"))?,
                    direction: Direction::Out,
                    occurred_at: now.with_timezone(&chrono::Utc),
                    operator_id: Some(me),
                    summary: self.get("summary").to_string(),
                    outcome: None,
                    satisfaction: None,
                    nps: None,
                };
                let done_at = draft.occurred_at;
                let (id, next, ended) = store.write(|w| {
                    let id = w.log_interaction(&draft)?;
                    let (next, ended) = match reminder_id {
                        Some(r) => {
                            let next = w.complete_reminder(*r, done_at)?;
                            let rule = w.reminder(*r)?.recurrence;
                            (next, rule.filter(|_| next.is_none()))
                        }
                        None => (None, None),
                    };
                    Ok((id, next, ended))
                })?;
                let name = store.customer(*customer_id)?.name;
                // A recurring follow-up has scheduled its next occurrence already.
                let (message, proposal) = match next {
                    Some(n) => {
                        let due = store.reminder(n)?.due_at.with_timezone(&now.timezone());
                        (
                            format!(
                                "Logged {} #{id}; the next follow-up #{n} is due {}",
                                draft.kind,
                                due.naive_local().format("%a %-d %b %H:%M")
                            ),
                            None,
                        )
                    }
                    None => (
                        match ended {
                            Some(rule) => format!(
                                "Logged {} #{id}; the follow-up is done, and {}",
                                draft.kind,
                                series_end_note(rule)
                            ),
                            None => format!("Logged {} #{id}", draft.kind),
                        },
                        Some(Box::new(Form::propose_next(
                            *customer_id,
                            &name,
                            &draft.summary,
                        ))),
                    ),
                };
                Ok(Saved {
                    message,
                    customer_id: Some(*customer_id),
                    next: proposal,
                    removed: None,
                })
            }
            FormKind::SnoozeUntil { reminder_id } => {
                let until = parse_datetime("until", self.get("until"), now, default_time)?;
                let r = store.write(|w| {
                    w.snooze_reminder(*reminder_id, until, None)?;
                    w.reminder(*reminder_id)
                })?;
                let shown = until.with_timezone(&now.timezone()).naive_local();
                Ok(Saved {
                    message: format!(
                        "Snoozed follow-up #{reminder_id} until {}",
                        shown.format("%a %-d %b %H:%M")
                    ),
                    customer_id: Some(r.customer_id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::Reschedule { reminder_id } => {
                let due = parse_datetime("due", self.get("due"), now, default_time)?;
                let r = store.write(|w| {
                    w.reschedule_reminder(*reminder_id, due)?;
                    w.reminder(*reminder_id)
                })?;
                let shown = due.with_timezone(&now.timezone()).naive_local();
                Ok(Saved {
                    message: format!(
                        "Follow-up #{reminder_id} is now due {}",
                        shown.format("%a %-d %b %H:%M")
                    ),
                    customer_id: Some(r.customer_id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::LostReason { deal_id } => {
                let today = now.date_naive();
                let reason = self.get("reason").to_string();
                let deal = store.write(|w| w.mark_deal_lost(*deal_id, &reason, today))?;
                Ok(Saved {
                    message: format!("Deal #{deal_id} marked lost"),
                    customer_id: Some(deal.customer_id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::Import => Err(StoreError::invalid(
                "file",
                "an import runs in the background, not as a form save",
            )),
            FormKind::EditDeal { .. }
            | FormKind::EditInteraction { .. }
            | FormKind::EditFollowup { .. }
            | FormKind::DefineKpi => Err(StoreError::Message(
                "a correction is saved by the app (see `record_forms`), not by the form".into(),
            )),
            FormKind::Assign { entity, id } => {
                let login = self.get("owner");
                let owner = store.operator_by_login(login)?.ok_or_else(|| {
                    StoreError::invalid("owner", format!("no operator with login {login:?}"))
                })?;
                store.write(|w| w.assign(entity, *id, owner.id))?;
                Ok(Saved {
                    message: format!("Gave {entity} #{id} to {}", owner.login),
                    customer_id: (*entity == "customer").then_some(*id),
                    next: None,
                    removed: None,
                })
            }
            FormKind::Merge { keep } => {
                let drop = self.merge_source(store)?;
                let plan = store.merge_customers(*keep, drop)?;
                Ok(Saved {
                    message: format!(
                        "Merged #{} into #{}: {}, {}, {} moved",
                        plan.drop,
                        plan.keep,
                        count(plan.interactions, "interaction", "interactions"),
                        count(plan.deals, "deal", "deals"),
                        count(plan.reminders, "follow-up", "follow-ups")
                    ),
                    customer_id: Some(*keep),
                    next: None,
                    removed: Some(drop),
                })
            }
        }
    }

    fn customer_draft(&self, store: &Store) -> Result<CustomerDraft, StoreError> {
        let mut d = CustomerDraft::new(
            CustomerKind::parse("kind", self.get("kind"))?,
            self.get("name"),
        );
        d.status = CustomerStatus::parse("status", self.get("status"))?;
        d.company_id = self
            .optional("company")
            .map(|c| store.resolve_customer(&c))
            .transpose()
            .map_err(|e| match e {
                StoreError::Invalid(v) => {
                    StoreError::Invalid(ValidationError::new("company", v.reason))
                }
                StoreError::NotFound { id, .. } => {
                    StoreError::invalid("company", format!("customer #{id} does not exist"))
                }
                other => other,
            })?;
        d.phones = split_list(self.get("phones"))
            .map(Phone::parse_labeled)
            .collect::<Result<_, _>>()?;
        d.emails = split_list(self.get("emails"))
            .map(Email::parse)
            .collect::<Result<_, _>>()?;
        d.tags = split_list(self.get("tags")).map(str::to_string).collect();
        d.address = self.optional("address");
        d.notes = self.optional("notes");
        d.cadence = self
            .optional("cadence")
            .map(|c| Cadence::parse("cadence", &c))
            .transpose()?;
        d.validate()?;
        Ok(d)
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', ';']).map(str::trim).filter(|p| !p.is_empty())
}

/// Whether a query is a phone number: digits (any script's), with at most the
/// punctuation numbers are written with, and enough digits to be one.
fn looks_like_phone(query: &str) -> bool {
    let digits = query.chars().filter(|c| c.is_numeric()).count();
    digits >= 4
        && query
            .chars()
            .all(|c| c.is_numeric() || matches!(c, '+' | '-' | '(' | ')' | '.' | ' ' | '/'))
}

fn customer_fields(d: &CustomerDraft, company: Option<&str>) -> Vec<Field> {
    let phones: Vec<String> = d
        .phones
        .iter()
        .map(|p| {
            if p.kind == crate::domain::PhoneKind::Mobile {
                p.to_string()
            } else {
                format!("{}:{p}", p.kind.as_str())
            }
        })
        .collect();
    let emails: Vec<&str> = d.emails.iter().map(Email::as_str).collect();
    vec![
        Field::text("name", "Name", d.name.clone(), "required"),
        Field::choice("kind", "Kind", d.kind.as_str(), KINDS),
        Field::text(
            "company",
            "Company",
            company.unwrap_or_default(),
            "number or name; people only",
        ),
        Field::text(
            "phones",
            "Phones",
            phones.join(", "),
            "comma-separated; work:+44 20 …",
        ),
        Field::text("emails", "Emails", emails.join(", "), "comma-separated"),
        Field::text("tags", "Tags", d.tags.join(", "), "comma-separated"),
        Field::choice("status", "Status", d.status.as_str(), STATUSES),
        Field::text(
            "cadence",
            "Stay in touch",
            d.cadence.map(Cadence::as_text).unwrap_or_default(),
            "e.g. 14d or 14d/21d; empty: tag or default",
        ),
        Field::text(
            "address",
            "Address",
            d.address.clone().unwrap_or_default(),
            "",
        ),
        Field::text("notes", "Notes", d.notes.clone().unwrap_or_default(), ""),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_invalid_field_is_marked_at_once() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.sign_in("sara").unwrap().id;
        let mut form = Form::add_customer();
        let set = |form: &mut Form, key: &str, text: &str| {
            for f in &mut form.fields {
                if f.key == key {
                    f.input.set(text);
                }
            }
        };
        set(&mut form, "phones", "12");
        set(&mut form, "emails", "not an address");
        set(&mut form, "cadence", "sometimes");
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        let marked: Vec<&str> = form
            .fields
            .iter()
            .filter(|f| f.error.is_some())
            .map(|f| f.key)
            .collect();
        assert_eq!(marked, ["name", "phones", "emails", "cadence"]);
        assert_eq!(store.counts().unwrap().customers, 0);
        // A deal: the amount, the probability and the date, each on its own.
        let mut deal = Form::add_deal(1, "Acme", Currency::USD);
        set(&mut deal, "title", "Renewal");
        set(&mut deal, "amount", "lots");
        set(&mut deal, "probability", "140");
        set(&mut deal, "close", "whenever");
        assert!(
            deal.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        let marked: Vec<&str> = deal
            .fields
            .iter()
            .filter(|f| f.error.is_some())
            .map(|f| f.key)
            .collect();
        assert_eq!(
            marked,
            ["amount", "probability", "close"],
            "{:?}",
            deal.fields
        );
    }

    #[test]
    fn a_new_caller_takes_what_was_typed_into_the_field_it_belongs_to() {
        let phone = Form::new_caller(" +98 (912) 345-6789 ");
        assert_eq!(phone.get("phones"), "+98 (912) 345-6789");
        assert_eq!(phone.get("name"), "");
        assert_eq!(
            phone.fields[phone.focus].key, "name",
            "the name is typed next"
        );
        let persian = Form::new_caller("۰۹۱۲ ۳۴۵ ۶۷۸۹");
        assert_eq!(persian.get("phones"), "۰۹۱۲ ۳۴۵ ۶۷۸۹");
        let name = Form::new_caller("Артём Фёдоров");
        assert_eq!(name.get("name"), "Артём Фёдоров");
        assert_eq!(name.fields[name.focus].key, "phones");
        let email = Form::new_caller("ivan@example.org");
        assert_eq!(email.get("emails"), "ivan@example.org");
        // Three digits are no phone number; a street address is no phone either.
        assert_eq!(Form::new_caller("123").get("name"), "123");
        assert_eq!(Form::new_caller("12 Baker St").get("name"), "12 Baker St");
    }

    #[test]
    fn saving_a_new_caller_adds_the_customer_and_the_call_together() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.sign_in("sara").unwrap().id;
        let mut form = Form::new_caller("+44 7700 900123");
        // No name: refused, and nothing at all is written.
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        assert_eq!(store.counts().unwrap().customers, 0);
        form.fields[0].input.set("Nadia Karimi");
        let saved = form
            .submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
            .expect("saved");
        let id = saved.customer_id.unwrap();
        let card = store.customer_card(id, 10).unwrap();
        assert_eq!(card.customer.phones[0].digits, "447700900123");
        assert_eq!(card.interactions.len(), 1);
        assert_eq!(card.interactions[0].summary, "New caller");
        assert_eq!(card.interactions[0].direction, Direction::In);
        assert!(
            saved.next.is_some(),
            "a follow-up is proposed, as after any call"
        );
    }

    use super::*;
    use crate::domain::when::DEFAULT_TIME;
    use chrono::Utc;

    fn type_into(form: &mut Form, key: &str, text: &str) {
        let f = form.fields.iter_mut().find(|f| f.key == key).unwrap();
        f.input.set(text);
    }

    #[test]
    fn invalid_email_shows_beside_the_field_and_writes_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.ensure_operator("sara").unwrap().id;
        let mut form = Form::add_customer();
        type_into(&mut form, "name", "Ada");
        type_into(&mut form, "emails", "ada@example.com, not-an-email");
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        let emails = form.fields.iter().find(|f| f.key == "emails").unwrap();
        assert!(emails.error.as_deref().unwrap().contains("not-an-email"));
        assert_eq!(form.fields[form.focus].key, "emails");
        assert_eq!(store.counts().unwrap().customers, 0);
        type_into(&mut form, "emails", "ada@example.com");
        let saved = form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME);
        assert!(saved.is_some());
        assert_eq!(store.counts().unwrap().customers, 1);
    }

    #[test]
    fn cadence_field_saves_and_refuses_beside_itself() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.ensure_operator("sara").unwrap().id;
        let mut form = Form::add_customer();
        type_into(&mut form, "name", "Ada");
        type_into(&mut form, "cadence", "fortnightly");
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        assert_eq!(form.fields[form.focus].key, "cadence");
        let error = form.fields[form.focus].error.as_deref().unwrap();
        assert!(error.contains("14d/21d"), "{error}");
        assert_eq!(store.counts().unwrap().customers, 0);
        type_into(&mut form, "cadence", "2w");
        let id = form
            .submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
            .unwrap()
            .customer_id
            .unwrap();
        let cadence = Cadence::parse("cadence", "14d/21d").unwrap();
        assert_eq!(store.customer(id).unwrap().cadence, Some(cadence));
        let mut edit = Form::edit_customer(&store, id).unwrap();
        assert_eq!(edit.get("cadence"), "14d/21d");
        type_into(&mut edit, "cadence", "");
        assert!(
            edit.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_some()
        );
        assert_eq!(store.customer(id).unwrap().cadence, None);
    }

    #[test]
    fn a_stale_save_is_refused_naming_who_then_reloads_keeping_the_edits() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.sign_in("sara").unwrap().id;
        let id = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        let mut form = Form::edit_customer(&store, id).unwrap();
        // Someone else saves first.
        let omid = store
            .write(|w| {
                let omid = w.ensure_operator("omid", "Omid Karimi")?;
                w.set_operator_role(omid.id, crate::domain::Role::Manager)?;
                Ok(omid)
            })
            .unwrap();
        store.sign_in(&omid.login).unwrap();
        let mut theirs = store.customer(id).unwrap().draft();
        theirs.name = "Ada Lovelace".into();
        store.update_customer(id, 1, &theirs).unwrap();
        store.sign_in("sara").unwrap();
        // This operator's save is refused, and nothing of theirs is lost.
        type_into(&mut form, "notes", "Prefers email");
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        let banner = form.error.clone().unwrap();
        assert!(
            banner.contains("customer #1 was changed by Omid Karimi at ")
                && banner.contains("— reload? Enter reloads it"),
            "{banner}"
        );
        assert!(form.stale);
        assert_eq!(store.customer(id).unwrap().name, "Ada Lovelace");
        // Enter reloads: their name, this operator's notes.
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_none()
        );
        assert!(!form.stale);
        assert_eq!(form.get("name"), "Ada Lovelace");
        assert_eq!(form.get("notes"), "Prefers email");
        assert!(
            form.error
                .as_deref()
                .unwrap()
                .contains("keeping your edits to Notes")
        );
        // Enter again saves both.
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_some()
        );
        let saved = store.customer(id).unwrap();
        assert_eq!(
            (saved.name.as_str(), saved.notes.as_deref()),
            ("Ada Lovelace", Some("Prefers email"))
        );
    }

    #[test]
    fn editing_keeps_what_the_form_does_not_show() {
        let mut store = Store::open_in_memory().unwrap();
        let me = store.ensure_operator("sara").unwrap().id;
        let mut d = CustomerDraft::new(CustomerKind::Person, "Ada");
        d.source = Some("vcard import".into());
        d.owner_id = Some(me);
        d.details.website = Some("https://ada.example".into());
        d.phones = vec![Phone::parse_labeled("work:+44 20 7946 0018 ext 12").unwrap()];
        let id = store.add_customer(&d).unwrap();
        let mut form = Form::edit_customer(&store, id).unwrap();
        assert_eq!(form.get("phones"), "work:+44 20 7946 0018 ext. 12");
        type_into(&mut form, "name", "Ada Lovelace");
        assert!(
            form.submit(&mut store, me, &Utc::now(), DEFAULT_TIME)
                .is_some()
        );
        let c = store.customer(id).unwrap();
        assert_eq!(c.name, "Ada Lovelace");
        assert_eq!(c.source.as_deref(), Some("vcard import"));
        assert_eq!(c.owner_id, Some(me));
        assert_eq!(c.details.website.as_deref(), Some("https://ada.example"));
        assert_eq!(c.phones[0].extension.as_deref(), Some("12"));
    }

    #[test]
    fn choice_fields_cycle() {
        let mut f = Field::choice("status", "Status", "lead", STATUSES);
        f.cycle(1);
        assert_eq!(f.value(), "active");
        f.cycle(-2);
        assert_eq!(f.value(), "lost");
    }
}
