//! Forms that correct a deal, a follow-up or an interaction. Each opens with the
//! record as stored and turns its fields into the record's new values
//! ([`Form::record_edit`]): a field left as it was keeps the stored value exactly. The
//! app saves them (one store call, one transaction) and hands a refusal back
//! ([`Form::refused`]) to show beside its field; a stale save reloads the record and
//! keeps the operator's edits ([`Form::reload_record`]).

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

use super::form::{DateKind, Field, Form, FormKind};
use crate::domain::deal::validate_probability;
use crate::domain::when::{parse_date, parse_datetime};
use crate::domain::{
    Currency, DealChange, Direction, InteractionDraft, InteractionKind, Money, Recurrence,
    ReminderDraft, ValidationError,
};
use crate::store::{Store, StoreError};

const INTERACTION_KINDS: &[&str] = &["call", "email", "meeting", "note", "sms"];
const DIRECTIONS: &[&str] = &["out", "in"];
/// How a time is shown in a field, to be read back by `parse_datetime`.
const FIELD_TIME: &str = "%Y-%m-%d %H:%M";

/// A record's new values, read from a correction form.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordEdit {
    Deal {
        id: i64,
        version: i64,
        change: DealChange,
    },
    Interaction {
        id: i64,
        version: i64,
        draft: InteractionDraft,
    },
    Followup {
        id: i64,
        version: i64,
        draft: ReminderDraft,
    },
}

impl Form {
    pub fn edit_deal(store: &Store, id: i64) -> Result<Self, StoreError> {
        let d = store.deal(id)?;
        Ok(Self::new(
            FormKind::EditDeal {
                id,
                version: d.version,
            },
            format!("Edit deal #{id} · {}", d.customer_name),
            vec![
                Field::text("title", "Title", d.title.clone(), "required"),
                Field::text(
                    "amount",
                    "Amount",
                    d.amount.amount_text(),
                    "e.g. 12,000.50 or 12.000,50",
                ),
                Field::text(
                    "currency",
                    "Currency",
                    d.amount.currency.code(),
                    "ISO code; the amount is read in it",
                ),
                Field::text(
                    "stage",
                    "Stage",
                    d.stage_key.clone(),
                    "lead qualified proposal negotiation won lost",
                ),
                Field::text(
                    "probability",
                    "Probability %",
                    d.probability.to_string(),
                    "0-100; a new stage brings its own",
                ),
                Field::date(
                    "close",
                    "Expected close",
                    d.expected_close.map(|c| c.to_string()).unwrap_or_default(),
                    "YYYY-MM-DD, +30d; empty: none",
                    DateKind::Date,
                ),
                Field::text(
                    "owner",
                    "Owner",
                    d.owner_login.clone().unwrap_or_default(),
                    "an operator's login",
                ),
                Field::text(
                    "reason",
                    "Lost because",
                    d.lost_reason.clone().unwrap_or_default(),
                    "needed when the stage is lost",
                ),
            ],
        ))
    }

    pub fn edit_interaction(store: &Store, id: i64, zone: Tz) -> Result<Self, StoreError> {
        let i = store.interaction(id)?;
        let customer = store.customer(i.customer_id)?.name;
        Ok(Self::new(
            FormKind::EditInteraction {
                id,
                version: i.version,
            },
            format!("Edit {} #{id} · {customer}", i.kind),
            vec![
                Field::choice("kind", "Kind", i.kind.as_str(), INTERACTION_KINDS),
                Field::choice("direction", "Direction", i.direction.as_str(), DIRECTIONS),
                Field::text(
                    "summary",
                    "Summary",
                    i.summary.clone(),
                    "what was said or done",
                ),
                Field::text(
                    "outcome",
                    "Outcome",
                    i.outcome.clone().unwrap_or_default(),
                    "optional",
                ),
                Field::text(
                    "satisfaction",
                    "Satisfaction",
                    i.satisfaction.map(|s| s.to_string()).unwrap_or_default(),
                    "1-5, optional",
                ),
                Field::date(
                    "at",
                    "When",
                    i.occurred_at
                        .with_timezone(&zone)
                        .format(FIELD_TIME)
                        .to_string(),
                    "-2h, yesterday 15:00, YYYY-MM-DD HH:MM",
                    DateKind::DateTime,
                ),
            ],
        ))
    }

    pub fn edit_followup(store: &Store, id: i64, zone: Tz) -> Result<Self, StoreError> {
        let r = store.reminder(id)?;
        Ok(Self::new(
            FormKind::EditFollowup {
                id,
                version: r.version,
            },
            format!("Edit follow-up #{id} · {}", r.customer_name),
            vec![
                Field::date(
                    "due",
                    "Due",
                    r.due_at.with_timezone(&zone).format(FIELD_TIME).to_string(),
                    "tomorrow 10:00, +3d, YYYY-MM-DD HH:MM",
                    DateKind::DateTime,
                ),
                Field::text("note", "Note", r.note.clone(), "what to do"),
                Field::text(
                    "recurrence",
                    "Repeat",
                    r.recurrence.map(Recurrence::as_text).unwrap_or_default(),
                    "daily, weekly, monthly, 14d; empty: once",
                ),
                Field::text(
                    "owner",
                    "Owner",
                    r.owner_login.clone().unwrap_or_default(),
                    "an operator's login",
                ),
            ],
        ))
    }

    /// Whether this form corrects a deal, a follow-up or an interaction.
    pub fn is_record_edit(&self) -> bool {
        matches!(
            self.kind,
            FormKind::EditDeal { .. }
                | FormKind::EditInteraction { .. }
                | FormKind::EditFollowup { .. }
        )
    }

    /// The record's new values from the fields; an error names the field it is about.
    pub fn record_edit<Z: TimeZone>(
        &self,
        store: &Store,
        now: &DateTime<Z>,
        default_time: chrono::NaiveTime,
    ) -> Result<RecordEdit, StoreError> {
        match self.kind {
            FormKind::EditDeal { id, version } => {
                let deal = store.deal(id)?;
                let mut change = deal.change();
                change.title = self.get("title").to_string();
                let currency = Currency::from_code(self.get("currency"))?;
                change.amount = if self.edited("amount") {
                    Money::parse(self.get("amount"), currency)?
                } else if currency != deal.amount.currency {
                    deal.amount.with_currency(currency)?
                } else {
                    deal.amount
                };
                if self.edited("stage") {
                    change.stage_id = store.stage(self.get("stage"))?.id;
                    change.probability = None;
                }
                if self.edited("probability") {
                    change.probability = match self.optional("probability") {
                        None => None,
                        Some(p) => Some(validate_probability(p.parse::<i64>().map_err(|_| {
                            ValidationError::new(
                                "probability",
                                format!("{p:?} is not a whole number from 0 to 100"),
                            )
                        })?)?),
                    };
                }
                if self.edited("close") {
                    change.expected_close = self
                        .optional("close")
                        .map(|c| parse_date("close", &c, now))
                        .transpose()?;
                }
                if self.edited("owner") {
                    change.owner_id = self.owner(store)?;
                }
                change.lost_reason = self.optional("reason");
                Ok(RecordEdit::Deal {
                    id,
                    version,
                    change,
                })
            }
            FormKind::EditInteraction { id, version } => {
                let mut draft = store.interaction(id)?.draft();
                draft.kind = InteractionKind::parse("kind", self.get("kind"))?;
                draft.direction = Direction::parse("direction", self.get("direction"))?;
                draft.summary = self.get("summary").to_string();
                draft.outcome = self.optional("outcome");
                draft.satisfaction = match self.optional("satisfaction") {
                    None => None,
                    Some(s) => Some(s.parse::<u8>().map_err(|_| {
                        ValidationError::new(
                            "satisfaction",
                            format!("{s:?} is not a score from 1 to 5"),
                        )
                    })?),
                };
                if self.edited("at") {
                    draft.occurred_at = parse_datetime("at", self.get("at"), now, default_time)?;
                }
                Ok(RecordEdit::Interaction { id, version, draft })
            }
            FormKind::EditFollowup { id, version } => {
                let mut draft = store.reminder(id)?.draft();
                if self.edited("due") {
                    draft.due_at = parse_datetime("due", self.get("due"), now, default_time)?;
                }
                draft.note = self.get("note").to_string();
                draft.recurrence = self
                    .optional("recurrence")
                    .map(|r| Recurrence::parse(&r))
                    .transpose()?;
                if self.edited("owner") {
                    draft.owner_id = self.owner(store)?;
                }
                Ok(RecordEdit::Followup { id, version, draft })
            }
            _ => Err(StoreError::Message(
                "this form corrects no deal, follow-up or interaction".into(),
            )),
        }
    }

    /// The operator the owner field names (empty: none).
    fn owner(&self, store: &Store) -> Result<Option<i64>, StoreError> {
        let Some(login) = self.optional("owner") else {
            return Ok(None);
        };
        match store.operator_by_login(&login)? {
            Some(op) => Ok(Some(op.id)),
            None => Err(StoreError::invalid(
                "owner",
                format!("no operator with login {login:?}"),
            )),
        }
    }

    /// Shows a refused save beside the field it is about; a stale save above the
    /// fields, the next Enter reloading the record (keeping the edits).
    pub fn refused(&mut self, e: &StoreError) {
        self.show_error(e);
        if matches!(e, StoreError::Conflict { .. }) {
            self.stale = true;
            self.error = Some(format!(
                "{e} Enter reloads it, keeping your edits; Esc cancels."
            ));
        }
    }

    /// After a stale save: the record as it is now, with this operator's edits kept.
    pub fn reload_record(&mut self, store: &Store, zone: Tz) {
        let fresh = match self.kind {
            FormKind::EditDeal { id, .. } => Form::edit_deal(store, id),
            FormKind::EditInteraction { id, .. } => Form::edit_interaction(store, id, zone),
            FormKind::EditFollowup { id, .. } => Form::edit_followup(store, id, zone),
            _ => return,
        };
        match fresh {
            Ok(fresh) => self.keep_edits_in(fresh),
            Err(e) => {
                self.stale = false;
                self.show_error(&e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind, DealDraft, ReminderDraft, Role};

    /// The operators' default hour for a date without a time.
    fn nine() -> chrono::NaiveTime {
        chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    }

    fn clock() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:45Z")
            .unwrap()
            .to_utc()
    }

    fn set(form: &mut Form, key: &str, text: &str) {
        let f = form.fields.iter_mut().find(|f| f.key == key).unwrap();
        f.input.set(text);
    }

    fn store() -> Store {
        let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
        let me = store.sign_in("sara").unwrap();
        store
            .write(|w| {
                let omid = w.ensure_operator("omid", "Omid Karimi")?;
                w.set_operator_role(omid.id, Role::Manager)
            })
            .unwrap();
        store
            .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme"))
            .unwrap();
        store
            .add_deal(&DealDraft {
                customer_id: 1,
                title: "Renewal".into(),
                amount: Money::parse("12,000", Currency::USD).unwrap(),
                stage_id: None,
                probability: None,
                expected_close: None,
                owner_id: Some(me.id),
            })
            .unwrap();
        store
            .add_reminder(&ReminderDraft {
                customer_id: 1,
                deal_id: None,
                due_at: clock(),
                note: "Call back".into(),
                recurrence: None,
                owner_id: Some(me.id),
            })
            .unwrap();
        store
    }

    #[test]
    fn an_untouched_form_gives_back_the_record_exactly() {
        let store = store();
        let form = Form::edit_followup(&store, 1, Tz::UTC).unwrap();
        let RecordEdit::Followup { draft, .. } =
            form.record_edit(&store, &clock(), nine()).unwrap()
        else {
            panic!("a follow-up");
        };
        assert_eq!(draft, store.reminder(1).unwrap().draft(), "seconds and all");
        let form = Form::edit_deal(&store, 1).unwrap();
        let RecordEdit::Deal { change, .. } = form.record_edit(&store, &clock(), nine()).unwrap()
        else {
            panic!("a deal");
        };
        assert_eq!(change, store.deal(1).unwrap().change());
    }

    #[test]
    fn a_new_stage_brings_its_probability_and_a_new_currency_keeps_the_figure() {
        let store = store();
        let mut form = Form::edit_deal(&store, 1).unwrap();
        set(&mut form, "stage", "proposal");
        set(&mut form, "currency", "EUR");
        let RecordEdit::Deal { change, .. } = form.record_edit(&store, &clock(), nine()).unwrap()
        else {
            panic!("a deal");
        };
        assert_eq!(change.probability, None);
        assert_eq!(change.amount.to_string(), "12,000.00 EUR");
        set(&mut form, "currency", "JPY");
        set(&mut form, "amount", "12,000.50");
        let err = form.record_edit(&store, &clock(), nine()).unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(v) if v.field == "amount"),
            "{err}"
        );
    }

    #[test]
    fn a_stale_save_is_refused_naming_who_and_reloads_keeping_the_edits() {
        let mut store = store();
        let mut form = Form::edit_followup(&store, 1, Tz::UTC).unwrap();
        set(&mut form, "note", "Call back about the discount");
        store.sign_in("omid").unwrap();
        store
            .write(|w| w.reschedule_reminder(1, clock() + chrono::Duration::days(1)))
            .unwrap();
        store.sign_in("sara").unwrap();
        let RecordEdit::Followup { id, version, draft } =
            form.record_edit(&store, &clock(), nine()).unwrap()
        else {
            panic!("a follow-up");
        };
        let err = store.update_reminder(id, version, &draft).unwrap_err();
        form.refused(&err);
        let banner = form.error.clone().unwrap();
        assert!(
            banner.contains("follow-up #1 was changed by Omid Karimi"),
            "{banner}"
        );
        assert!(form.stale);
        form.reload_record(&store, Tz::UTC);
        assert!(!form.stale);
        assert_eq!(form.get("due"), "2026-11-24 09:30", "their new date");
        assert_eq!(form.get("note"), "Call back about the discount", "my note");
    }
}
