//! The Team pane: every operator's performance for the current period against its
//! quotas (an agent sees only its own), read by the loader thread.

use crate::domain::Period;
use crate::report::TeamReport;
use crate::tui::action::Action;

#[derive(Debug)]
pub struct TeamPane {
    pub period: Period,
    pub report: Option<TeamReport>,
    /// The selected operator's row; its quotas are listed under the table.
    pub selected: usize,
}

impl Default for TeamPane {
    fn default() -> Self {
        Self {
            period: Period::Month,
            report: None,
            selected: 0,
        }
    }
}

impl TeamPane {
    /// Week → month → quarter → year → all → week.
    pub fn cycle_period(&mut self) {
        self.period = match self.period {
            Period::Week => Period::Month,
            Period::Month => Period::Quarter,
            Period::Quarter => Period::Year,
            Period::Year => Period::All,
            Period::All => Period::Week,
        };
    }

    /// Shows a report read by the loader, keeping the selection on the same operator.
    pub fn apply(&mut self, report: TeamReport) {
        let login = self.selected_login().map(str::to_string);
        let rows = report.operators.len();
        self.selected = login
            .and_then(|l| report.operators.iter().position(|o| o.login == l))
            .unwrap_or(self.selected)
            .min(rows.saturating_sub(1));
        self.report = Some(report);
    }

    pub fn selected_login(&self) -> Option<&str> {
        self.report
            .as_ref()?
            .operators
            .get(self.selected)
            .map(|o| o.login.as_str())
    }

    /// Moves the selection; `false` for any other action.
    pub fn navigate(&mut self, action: Action) -> bool {
        let rows = self.report.as_ref().map_or(0, |r| r.operators.len());
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(rows.saturating_sub(1)),
            _ => return false,
        }
        true
    }
}
