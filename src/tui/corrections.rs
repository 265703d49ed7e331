//! Correcting records in the app: `e` edits and `D` deletes the focused deal,
//! follow-up or card item (a delete asks first), `o` reopens a won or lost deal, and
//! `u` takes back the session's last change. Access is asked before a form or a
//! question opens, so nobody types in vain; the write asks again. Each write is one
//! store call (one transaction) run off the UI thread ([`App::on_store`]).

use chrono::NaiveDate;

use crate::domain::{Deal, StageOutcome};
use crate::store::{Store, StoreError};
use crate::tui::action::Action;
use crate::tui::app::{App, Popup};
use crate::tui::keymap::KeyContext;
use crate::tui::panes::customers::CardItem;
use crate::tui::popups::confirm::{Confirm, Pending};
use crate::tui::popups::form::Form;
use crate::tui::popups::record_forms::RecordEdit;

/// How times read in a question.
const SHOWN_TIME: &str = "%a %-d %b %Y %H:%M";

impl App {
    /// " (undo with u)": said after a change made with one key.
    pub fn undo_hint(&self) -> String {
        self.keymap
            .keys_for(KeyContext::Global, Action::Undo)
            .map(|k| format!(" (undo with {k})"))
            .unwrap_or_default()
    }

    /// `e` on a deal: its correction form.
    pub(crate) fn edit_deal_form(&mut self, id: i64) {
        self.open_popup(move |store| {
            store.may_change("deal", id)?;
            Form::edit_deal(store, id).map(Popup::Form)
        });
    }

    /// `e` on a follow-up: its correction form.
    pub(crate) fn edit_followup_form(&mut self, id: i64) {
        let zone = self.zone;
        self.open_popup(move |store| {
            store.may_change("follow-up", id)?;
            Form::edit_followup(store, id, zone).map(Popup::Form)
        });
    }

    /// `e` on an interaction of the timeline: its correction form.
    pub(crate) fn edit_interaction_form(&mut self, id: i64) {
        let zone = self.zone;
        self.open_popup(move |store| {
            store.may_change("interaction", id)?;
            Form::edit_interaction(store, id, zone).map(Popup::Form)
        });
    }

    /// `D` on a deal: asks first.
    pub(crate) fn confirm_delete_deal(&mut self, id: i64) {
        self.open_popup(move |store| {
            store.may_delete("deal", id)?;
            let deal = store.deal(id)?;
            Ok(Popup::Confirm(Confirm::delete_deal(&deal)))
        });
    }

    /// `D` on a follow-up: asks first.
    pub(crate) fn confirm_delete_followup(&mut self, id: i64) {
        let zone = self.zone;
        self.open_popup(move |store| {
            store.may_delete("follow-up", id)?;
            let r = store.reminder(id)?;
            let due = r.effective_due().with_timezone(&zone).format(SHOWN_TIME);
            Ok(Popup::Confirm(Confirm::delete_followup(
                &r,
                &due.to_string(),
            )))
        });
    }

    /// `D` on an interaction of the timeline: asks first.
    pub(crate) fn confirm_delete_interaction(&mut self, id: i64) {
        let zone = self.zone;
        self.open_popup(move |store| {
            store.may_delete("interaction", id)?;
            let i = store.interaction(id)?;
            let customer = store.customer(i.customer_id)?.name;
            let at = i.occurred_at.with_timezone(&zone).format(SHOWN_TIME);
            let confirm = Confirm::delete_interaction(&i, &customer, &at.to_string());
            Ok(Popup::Confirm(confirm))
        });
    }

    /// `e` or `D` on the item picked on a customer's card.
    pub(crate) fn card_item_action(&mut self, action: Action, item: CardItem) {
        match (action, item) {
            (Action::Edit, CardItem::Deal(id)) => self.edit_deal_form(id),
            (Action::Edit, CardItem::Followup(id)) => self.edit_followup_form(id),
            (Action::Edit, CardItem::Interaction(id)) => self.edit_interaction_form(id),
            (Action::Delete, CardItem::Deal(id)) => self.confirm_delete_deal(id),
            (Action::Delete, CardItem::Followup(id)) => self.confirm_delete_followup(id),
            (Action::Delete, CardItem::Interaction(id)) => self.confirm_delete_interaction(id),
            _ => {}
        }
    }

    /// `o` on a won or lost deal: open again, in the stage it left.
    pub(crate) fn reopen(&mut self, deal: &Deal) {
        if deal.outcome == StageOutcome::Open {
            let key = self
                .keymap
                .keys_for(KeyContext::Pipeline, Action::Reopen)
                .unwrap_or_else(|| Action::Reopen.name().to_string());
            self.error(format!(
                "Deal #{} is open (in {}); {key} reopens a won or lost deal",
                deal.id, deal.stage_key
            ));
            return;
        }
        let id = deal.id;
        self.change(move |store| {
            store.may_change("deal", id)?;
            let reopened = store.reopen_deal(id, None)?;
            Ok(format!(
                "Deal #{} is open again, in {}",
                reopened.id, reopened.stage_key
            ))
        });
    }

    /// The confirmation popup: `y`/Enter does what it asked, `n`/Esc keeps everything.
    pub(crate) fn update_confirm(&mut self, action: Action) {
        let Some(Popup::Confirm(confirm)) = &self.popup else {
            return;
        };
        let pending = confirm.pending;
        match action {
            Action::Submit | Action::Open => {
                self.popup = None;
                self.on_store(
                    move |store| delete(store, pending),
                    |app, done| match done {
                        Ok((text, customer)) => {
                            let hint = app.undo_hint();
                            app.info(format!("{}{hint}", crate::text::for_terminal(&text)));
                            app.refresh_search(vec![customer]);
                            app.reload_all();
                        }
                        Err(e) => app.error(e.to_string()),
                    },
                );
            }
            Action::Cancel | Action::Back => {
                self.popup = None;
                self.info("Kept; nothing was deleted");
            }
            _ => {}
        }
    }

    /// Enter in a correction form: the record's new values, saved in one transaction;
    /// a refusal shows beside its field, a stale save offers to reload.
    pub(crate) fn submit_record_edit(&mut self) {
        let now = self.now();
        let (zone, default_time) = (self.zone, self.default_time);
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        let mut copy = form.clone();
        form.saving = true;
        self.on_store(
            move |store| {
                if copy.stale {
                    copy.reload_record(store, zone);
                    return (copy, None);
                }
                let saved = copy
                    .record_edit(store, &now, default_time)
                    .and_then(|edit| save(store, edit, now.date_naive()));
                (copy, Some(saved))
            },
            |app, (form, saved)| app.record_edit_done(form, saved),
        );
    }

    /// A correction form's save came back: closed when saved, else shown with what
    /// is wrong (or, reloaded, with the record as it is now).
    fn record_edit_done(
        &mut self,
        mut form: Form,
        saved: Option<Result<(String, i64), StoreError>>,
    ) {
        let e = match saved {
            None => {
                self.message = None;
                self.popup = Some(Popup::Form(form));
                return;
            }
            Some(Ok((text, customer))) => {
                self.popup = None;
                let hint = self.undo_hint();
                self.info(format!("{text}{hint}"));
                self.refresh_search(vec![customer]);
                self.reload_all();
                return;
            }
            Some(Err(e)) => e,
        };
        form.refused(&e);
        // A field's note has one line; the status bar says it whole. A stale save
        // explains itself in the banner.
        let field = form
            .fields
            .get(form.focus)
            .and_then(|f| f.error.as_ref().map(|e| format!("{}: {e}", f.label)));
        match (field, form.stale) {
            (Some(text), _) => self.error(text),
            (None, false) => self.error(e.to_string()),
            (None, true) => self.message = None,
        }
        self.popup = Some(Popup::Form(form));
    }

    /// `u`: takes back the newest change of this session not undone yet.
    pub(crate) fn undo_last(&mut self) {
        self.on_store(
            |store| store.undo_session_change(),
            |app, result| match result {
                Ok(Some(undone)) => {
                    app.info(undone.summary());
                    app.refresh_search(undone.customers.clone());
                    app.reload_all();
                    if app.reviewing() {
                        app.review_job(|review, store, now| review.load(store, now), |_, ()| {});
                    }
                }
                Ok(None) => app.info("Nothing to undo: no change of this session is left"),
                Err(e) => app.error(e.to_string()),
            },
        );
    }
}

/// Deletes what the question asked about: what to say, and whose record it was.
fn delete(store: &mut Store, pending: Pending) -> Result<(String, i64), StoreError> {
    match pending {
        Pending::DeleteDeal(id) => {
            let d = store.delete_deal(id)?;
            Ok((format!("Deleted deal #{id} {}", d.title), d.customer_id))
        }
        Pending::DeleteFollowup(id) => {
            let customer = store.reminder(id)?.customer_id;
            store.delete_reminder(id)?;
            Ok((format!("Deleted follow-up #{id}"), customer))
        }
        Pending::DeleteInteraction(id) => {
            let i = store.interaction(id)?;
            store.delete_interaction(id)?;
            Ok((format!("Deleted {} #{id}", i.kind), i.customer_id))
        }
    }
}

/// Saves a correction (one store call, one transaction): what to say, and whose
/// record it is.
fn save(
    store: &mut Store,
    edit: RecordEdit,
    today: NaiveDate,
) -> Result<(String, i64), StoreError> {
    match edit {
        RecordEdit::Deal {
            id,
            version,
            change,
        } => {
            store.update_deal(id, version, &change, today)?;
            Ok((format!("Saved deal #{id}"), store.deal(id)?.customer_id))
        }
        RecordEdit::Interaction { id, version, draft } => {
            store.update_interaction(id, version, &draft)?;
            Ok((format!("Saved {} #{id}", draft.kind), draft.customer_id))
        }
        RecordEdit::Followup { id, version, draft } => {
            store.update_reminder(id, version, &draft)?;
            Ok((format!("Saved follow-up #{id}"), draft.customer_id))
        }
    }
}
