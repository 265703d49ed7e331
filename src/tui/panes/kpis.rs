//! KPI gauges for the current period with their trends, grouped as the balanced
//! scorecard groups them, and the weighted-pipeline forecast. Read by the loader
//! thread; the selection picks a KPI (a defined one can be redefined from here).

use crate::domain::Period;
use crate::domain::kpi::KpiValue;
use crate::report::{KpiReport, kpis_by_group};
use crate::tui::action::Action;

#[derive(Debug)]
pub struct KpisPane {
    pub period: Period,
    pub report: Option<KpiReport>,
    /// The selected KPI, in the order shown (by group).
    pub selected: usize,
}

impl Default for KpisPane {
    fn default() -> Self {
        Self {
            period: Period::Month,
            report: None,
            selected: 0,
        }
    }
}

impl KpisPane {
    /// Week → month → quarter → year → week.
    pub fn cycle_period(&mut self) {
        self.period = match self.period {
            Period::Week => Period::Month,
            Period::Month => Period::Quarter,
            Period::Quarter => Period::Year,
            Period::Year | Period::All => Period::Week,
        };
    }

    /// The KPIs in the order shown: by group, the built-in ones first in each.
    pub fn shown(&self) -> Vec<&KpiValue> {
        self.report
            .as_ref()
            .map(|r| kpis_by_group(&r.kpis))
            .unwrap_or_default()
    }

    pub fn selected_kpi(&self) -> Option<&KpiValue> {
        self.shown().get(self.selected).copied()
    }

    /// Shows a report read by the loader, keeping the selection on the same KPI.
    pub fn apply(&mut self, mut report: KpiReport) {
        let key = self.selected_kpi().map(|k| k.key.clone());
        // KPIs read again without their trends keep the trends shown until new ones
        // come (they follow in a second read), rather than flicker.
        if let Some(old) = &self.report
            && report.trend_periods.is_empty()
            && old.period == report.period
            && !old.trend_periods.is_empty()
        {
            for k in &mut report.kpis {
                if let Some(was) = old.kpis.iter().find(|o| o.key == k.key) {
                    k.trend = was.trend.clone();
                }
            }
            report.trend_periods = old.trend_periods.clone();
        }
        self.report = Some(report);
        let shown = self.shown();
        let n = shown.len();
        self.selected = key
            .and_then(|key| shown.iter().position(|k| k.key == key))
            .unwrap_or(self.selected)
            .min(n.saturating_sub(1));
    }

    /// Moves the selection; `false` for any other action.
    pub fn navigate(&mut self, action: Action) -> bool {
        let n = self.shown().len();
        let last = n.saturating_sub(1);
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        true
    }
}
