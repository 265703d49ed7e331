//! The pipeline's health view, toggled from the board: rotting deals, deals with no
//! follow-up planned, lost reasons, the funnel, and the forecast by stage or by
//! operator (a table and a chart). Its reports are read by the loader thread.

use crate::domain::Period;
use crate::domain::pipeline_health::Breakdown;
use crate::report::{ForecastReport, HealthReport};
use crate::tui::action::Action;

/// The months the app's forecast covers.
pub const FORECAST_MONTHS: u32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Rotting,
    NoFollowUp,
    Lost,
    Funnel,
    Forecast,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Rotting,
        Section::NoFollowUp,
        Section::Lost,
        Section::Funnel,
        Section::Forecast,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Rotting => "Rotting",
            Section::NoFollowUp => "No follow-up",
            Section::Lost => "Lost reasons",
            Section::Funnel => "Funnel",
            Section::Forecast => "Forecast",
        }
    }

    fn index(self) -> usize {
        Section::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[derive(Debug)]
pub struct HealthPane {
    /// The board shows the health view instead of its columns.
    pub shown: bool,
    pub section: Section,
    /// Lost reasons cover this period.
    pub period: Period,
    pub by: Breakdown,
    pub report: Option<HealthReport>,
    pub forecast: Option<ForecastReport>,
    /// The selected row of the section's list.
    pub scroll: usize,
}

impl Default for HealthPane {
    fn default() -> Self {
        Self {
            shown: false,
            section: Section::Rotting,
            period: Period::Year,
            by: Breakdown::Stage,
            report: None,
            forecast: None,
            scroll: 0,
        }
    }
}

impl HealthPane {
    /// Rows the section's list has (for scrolling).
    fn rows(&self) -> usize {
        let Some(r) = &self.report else {
            return 0;
        };
        match self.section {
            Section::Rotting => r.rotting_deals.len(),
            Section::NoFollowUp => r.no_follow_up_deals.len(),
            Section::Lost => r.lost_reasons.len(),
            Section::Funnel => r.funnel.len(),
            Section::Forecast => self.forecast.as_ref().map_or(0, |f| f.table.series.len()),
        }
    }

    /// Moves between sections and scrolls a section's list (`page` rows at a time);
    /// `false` for any other action.
    pub fn navigate(&mut self, action: Action, page: usize) -> bool {
        let n = Section::ALL.len();
        let last = self.rows().saturating_sub(1);
        let i = self.section.index();
        match action {
            Action::Left => {
                self.section = Section::ALL[(i + n - 1) % n];
                self.scroll = 0;
            }
            Action::Right => {
                self.section = Section::ALL[(i + 1) % n];
                self.scroll = 0;
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = (self.scroll + 1).min(last),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page.max(1)),
            Action::PageDown => self.scroll = (self.scroll + page.max(1)).min(last),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = last,
            _ => return false,
        }
        true
    }

    /// Week → month → quarter → year → all → week (lost reasons).
    pub fn cycle_period(&mut self) {
        self.period = match self.period {
            Period::Week => Period::Month,
            Period::Month => Period::Quarter,
            Period::Quarter => Period::Year,
            Period::Year => Period::All,
            Period::All => Period::Week,
        };
    }

    /// The deal of the selected row, in the two sections that list deals.
    pub fn selected_deal(&self) -> Option<&crate::report::HealthDealRow> {
        let r = self.report.as_ref()?;
        match self.section {
            Section::Rotting => r.rotting_deals.get(self.scroll),
            Section::NoFollowUp => r.no_follow_up_deals.get(self.scroll),
            _ => None,
        }
    }

    pub fn apply(&mut self, report: HealthReport) {
        self.report = Some(report);
        self.scroll = self.scroll.min(self.rows().saturating_sub(1));
    }

    pub fn apply_forecast(&mut self, report: ForecastReport) {
        self.forecast = Some(report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_wrap_around_and_scrolling_resets() {
        let mut h = HealthPane::default();
        assert!(h.navigate(Action::Left, 10));
        assert_eq!(h.section, Section::Forecast);
        assert!(h.navigate(Action::Right, 10));
        assert_eq!(h.section, Section::Rotting);
        // Nothing read yet: nothing to scroll.
        assert!(h.navigate(Action::Down, 10));
        assert_eq!(h.scroll, 0);
        assert!(!h.navigate(Action::MarkWon, 10));
        h.cycle_period();
        assert_eq!(h.period, Period::All);
    }
}
