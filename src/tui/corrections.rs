//! Correcting records in the app: `e` edits and `D` deletes the focused deal,
//! follow-up or card item (a delete asks first), `o` reopens a won or lost deal, and
//! `u` takes back the session's last change. Access is asked before a form or a
//! question opens, so nobody types in vain; the write asks again. Each write is one
//! small `App` method calling one `Store` method (one transaction).

use crate::domain::{Deal, DealChange, InteractionDraft, ReminderDraft, StageOutcome};
use crate::store::{StoreError, Undone};
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
    pub(crate) fn edit_deal_form(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_change("deal", id)?;
        self.popup = Some(Popup::Form(Form::edit_deal(&self.store, id)?));
        Ok(())
    }

    /// `e` on a follow-up: its correction form.
    pub(crate) fn edit_followup_form(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_change("follow-up", id)?;
        let form = Form::edit_followup(&self.store, id, self.zone)?;
        self.popup = Some(Popup::Form(form));
        Ok(())
    }

    /// `e` on an interaction of the timeline: its correction form.
    pub(crate) fn edit_interaction_form(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_change("interaction", id)?;
        let form = Form::edit_interaction(&self.store, id, self.zone)?;
        self.popup = Some(Popup::Form(form));
        Ok(())
    }

    /// `D` on a deal: asks first.
    pub(crate) fn confirm_delete_deal(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_delete("deal", id)?;
        let deal = self.store.deal(id)?;
        self.popup = Some(Popup::Confirm(Confirm::delete_deal(&deal)));
        Ok(())
    }

    /// `D` on a follow-up: asks first.
    pub(crate) fn confirm_delete_followup(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_delete("follow-up", id)?;
        let r = self.store.reminder(id)?;
        let due = r
            .effective_due()
            .with_timezone(&self.zone)
            .format(SHOWN_TIME);
        let confirm = Confirm::delete_followup(&r, &due.to_string());
        self.popup = Some(Popup::Confirm(confirm));
        Ok(())
    }

    /// `D` on an interaction of the timeline: asks first.
    pub(crate) fn confirm_delete_interaction(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.may_delete("interaction", id)?;
        let i = self.store.interaction(id)?;
        let customer = self.store.customer(i.customer_id)?.name;
        let at = i.occurred_at.with_timezone(&self.zone).format(SHOWN_TIME);
        let confirm = Confirm::delete_interaction(&i, &customer, &at.to_string());
        self.popup = Some(Popup::Confirm(confirm));
        Ok(())
    }

    /// `e` or `D` on the item picked on a customer's card.
    pub(crate) fn card_item_action(
        &mut self,
        action: Action,
        item: CardItem,
    ) -> Result<(), StoreError> {
        match (action, item) {
            (Action::Edit, CardItem::Deal(id)) => self.edit_deal_form(id),
            (Action::Edit, CardItem::Followup(id)) => self.edit_followup_form(id),
            (Action::Edit, CardItem::Interaction(id)) => self.edit_interaction_form(id),
            (Action::Delete, CardItem::Deal(id)) => self.confirm_delete_deal(id),
            (Action::Delete, CardItem::Followup(id)) => self.confirm_delete_followup(id),
            (Action::Delete, CardItem::Interaction(id)) => self.confirm_delete_interaction(id),
            _ => Ok(()),
        }
    }

    /// `o` on a won or lost deal: open again, in the stage it left.
    pub(crate) fn reopen(&mut self, deal: &Deal) -> Result<(), StoreError> {
        if deal.outcome == StageOutcome::Open {
            let key = self
                .keymap
                .keys_for(KeyContext::Pipeline, Action::Reopen)
                .unwrap_or_else(|| Action::Reopen.name().to_string());
            self.error(format!(
                "Deal #{} is open (in {}); {key} reopens a won or lost deal",
                deal.id, deal.stage_key
            ));
            return Ok(());
        }
        self.store.may_change("deal", deal.id)?;
        let reopened = self.reopen_deal(deal.id)?;
        let hint = self.undo_hint();
        self.info(format!(
            "Deal #{} is open again, in {}{hint}",
            reopened.id, reopened.stage_key
        ));
        self.reload_all();
        Ok(())
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
                let done = match pending {
                    Pending::DeleteDeal(id) => self
                        .delete_deal(id)
                        .map(|d| (format!("Deleted deal #{id} {}", d.title), d.customer_id)),
                    Pending::DeleteFollowup(id) => self
                        .store
                        .reminder(id)
                        .and_then(|r| {
                            self.delete_followup(id)?;
                            Ok(r.customer_id)
                        })
                        .map(|c| (format!("Deleted follow-up #{id}"), c)),
                    Pending::DeleteInteraction(id) => self.store.interaction(id).and_then(|i| {
                        self.delete_interaction(id)?;
                        Ok((format!("Deleted {} #{id}", i.kind), i.customer_id))
                    }),
                };
                match done {
                    Ok((text, customer)) => {
                        let hint = self.undo_hint();
                        self.info(format!("{}{hint}", crate::text::for_terminal(&text)));
                        self.refresh_search(vec![customer]);
                        self.reload_all();
                    }
                    Err(e) => self.error(e.to_string()),
                }
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
        let zone = self.zone;
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        if form.stale {
            form.reload_record(&self.store, zone);
            self.message = None;
            return;
        }
        let edit = form.record_edit(&self.store, &now, self.default_time);
        let saved = edit.and_then(|edit| match edit {
            RecordEdit::Deal {
                id,
                version,
                change,
            } => {
                self.save_deal(id, version, &change)?;
                Ok((
                    format!("Saved deal #{id}"),
                    self.store.deal(id)?.customer_id,
                ))
            }
            RecordEdit::Interaction { id, version, draft } => {
                self.save_interaction(id, version, &draft)?;
                Ok((format!("Saved {} #{id}", draft.kind), draft.customer_id))
            }
            RecordEdit::Followup { id, version, draft } => {
                self.save_followup(id, version, &draft)?;
                Ok((format!("Saved follow-up #{id}"), draft.customer_id))
            }
        });
        match saved {
            Ok((text, customer)) => {
                self.popup = None;
                let hint = self.undo_hint();
                self.info(format!("{text}{hint}"));
                self.refresh_search(vec![customer]);
                self.reload_all();
            }
            Err(e) => {
                let Some(Popup::Form(form)) = &mut self.popup else {
                    return;
                };
                form.refused(&e);
                // A field's note has one line; the status bar says it whole. A stale
                // save explains itself in the banner.
                let field = form
                    .fields
                    .get(form.focus)
                    .and_then(|f| f.error.as_ref().map(|e| format!("{}: {e}", f.label)));
                match (field, form.stale) {
                    (Some(text), _) => self.error(text),
                    (None, false) => self.error(e.to_string()),
                    (None, true) => self.message = None,
                }
            }
        }
    }

    /// `u`: takes back the newest change of this session not undone yet.
    pub(crate) fn undo_last(&mut self) {
        match self.undo_change() {
            Ok(Some(undone)) => {
                self.info(undone.summary());
                self.refresh_search(undone.customers.clone());
                self.reload_all();
                let now = self.now();
                if let Some(review) = self.review.as_mut().filter(|r| !r.paused)
                    && let Err(e) = review.load(&self.store, &now)
                {
                    self.error(e.to_string());
                }
            }
            Ok(None) => self.info("Nothing to undo: no change of this session is left"),
            Err(e) => self.error(e.to_string()),
        }
    }

    // The writes, one store call each.

    fn save_deal(&mut self, id: i64, version: i64, change: &DealChange) -> Result<(), StoreError> {
        let today = self.now().date_naive();
        self.store.update_deal(id, version, change, today)
    }

    fn save_interaction(
        &mut self,
        id: i64,
        version: i64,
        draft: &InteractionDraft,
    ) -> Result<(), StoreError> {
        self.store.update_interaction(id, version, draft)
    }

    fn save_followup(
        &mut self,
        id: i64,
        version: i64,
        draft: &ReminderDraft,
    ) -> Result<(), StoreError> {
        self.store.update_reminder(id, version, draft)
    }

    fn delete_deal(&mut self, id: i64) -> Result<Deal, StoreError> {
        self.store.delete_deal(id)
    }

    fn delete_followup(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.delete_reminder(id)
    }

    fn delete_interaction(&mut self, id: i64) -> Result<(), StoreError> {
        self.store.delete_interaction(id)
    }

    fn reopen_deal(&mut self, id: i64) -> Result<Deal, StoreError> {
        self.store.reopen_deal(id, None)
    }

    fn undo_change(&mut self) -> Result<Option<Undone>, StoreError> {
        self.store.undo_session_change()
    }
}
