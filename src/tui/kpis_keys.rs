//! The KPI pane's keys: move the selection, read another period, and (admins) define
//! a KPI in a form. Kept apart from `app.rs` so the pane's behaviour reads in one place.

use crate::domain::access::Permission;
use crate::domain::kpi_measure::CustomKpi;
use crate::store::StoreError;
use crate::tui::action::Action;
use crate::tui::app::{App, Pane, Popup};
use crate::tui::popups::form::Form;

impl App {
    /// One action on the KPI pane.
    pub(crate) fn kpis_action(&mut self, action: Action) {
        if self.kpis.navigate(action) {
            return;
        }
        match action {
            Action::CyclePeriod => {
                self.kpis.cycle_period();
                self.reload_pane(Pane::Kpis);
            }
            Action::DefineKpi => self.open_kpi_form(),
            _ => {}
        }
    }

    /// The form defining a KPI; refused at once for those who may not define one.
    fn open_kpi_form(&mut self) {
        if let Err(e) = self.store.require(Permission::DefineKpis) {
            self.error(e.to_string());
            return;
        }
        self.popup = Some(Popup::Form(Form::define_kpi(self.currency)));
    }

    /// Saves the KPI the form defines, on the store's worker (one transaction with its
    /// audit entry); a refusal shows beside the field it concerns and the form stays
    /// open.
    pub(crate) fn submit_kpi_form(&mut self) {
        let currency = self.currency;
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        let draft = match form.kpi_draft(currency) {
            Ok(draft) => draft,
            Err(e) => {
                form.show_error(&e);
                self.error(refusal(&e));
                return;
            }
        };
        form.saving = true;
        self.on_store(
            move |store| store.write(|w| w.define_kpi(&draft)),
            |app, saved| app.kpi_form_done(saved),
        );
    }

    /// The worker saved (or refused) the KPI the form defines.
    fn kpi_form_done(&mut self, saved: Result<(CustomKpi, bool), StoreError>) {
        match saved {
            Ok((kpi, replaced)) => {
                self.popup = None;
                let verb = if replaced { "Redefined" } else { "Defined" };
                self.info(format!(
                    "{verb} KPI {} ({})",
                    crate::text::for_terminal(&kpi.name),
                    kpi.key
                ));
                self.reload_all();
            }
            Err(e) => {
                if let Some(Popup::Form(form)) = &mut self.popup {
                    form.saving = false;
                    form.show_error(&e);
                }
                self.error(refusal(&e));
            }
        }
    }
}

/// What a refused definition says in the message line.
fn refusal(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(v) => format!("{}: {}", v.field, v.reason),
        other => other.to_string(),
    }
}
