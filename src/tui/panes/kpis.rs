//! KPI gauges for the current period, and the weighted-pipeline forecast.

use chrono::{DateTime, TimeZone};

use crate::Result;
use crate::domain::Operator;
use crate::domain::kpi::KpiRange;
use crate::domain::{Currency, Period};
use crate::report::{KpiReport, default_kpi_scope, kpi_report_for};
use crate::store::Store;

#[derive(Debug)]
pub struct KpisPane {
    pub period: Period,
    pub report: Option<KpiReport>,
}

impl Default for KpisPane {
    fn default() -> Self {
        Self {
            period: Period::Month,
            report: None,
        }
    }
}

impl KpisPane {
    /// Measures the KPIs `me` sees by default: an agent's own, else the team's.
    pub fn reload<Tz: TimeZone>(
        &mut self,
        store: &Store,
        currency: Currency,
        now: &DateTime<Tz>,
        me: &Operator,
    ) -> Result<()> {
        self.report = Some(kpi_report_for(
            store,
            KpiRange::Period(self.period),
            currency,
            now,
            default_kpi_scope(me),
        )?);
        Ok(())
    }

    /// Week → month → quarter → year → week.
    pub fn cycle_period(&mut self) {
        self.period = match self.period {
            Period::Week => Period::Month,
            Period::Month => Period::Quarter,
            Period::Quarter => Period::Year,
            Period::Year | Period::All => Period::Week,
        };
    }
}
