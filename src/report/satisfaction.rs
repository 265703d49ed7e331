//! The satisfaction report behind `rapport satisfaction`: CSAT and NPS month by month
//! (local calendar months), and over the whole span.

use chrono::{DateTime, Days, Months, TimeZone};
use serde::Serialize;

use crate::Result;
use crate::domain::Operator;
use crate::domain::kpi::{KpiRange, first_of_month};
use crate::domain::satisfaction::{CsatCounts, NpsCounts, SatisfactionMonth};
use crate::report::default_kpi_scope;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionReport {
    /// Only the customers this operator owns (an agent's own); absent for everyone's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Oldest first, the current month last.
    pub months: Vec<SatisfactionMonth>,
    /// Over every month shown (NPS: each customer once per month, summed).
    pub csat: CsatCounts,
    pub nps: NpsCounts,
}

/// The last `months` local calendar months up to this one, as `me` may see them.
pub fn satisfaction_report<Tz: TimeZone>(
    store: &Store,
    months: u32,
    now: &DateTime<Tz>,
    me: &Operator,
) -> Result<SatisfactionReport> {
    let scope = default_kpi_scope(me);
    let id = scope.map(|o| o.id);
    let this = first_of_month(now.date_naive());
    let mut report = SatisfactionReport {
        operator: scope.map(|o| o.login.clone()),
        months: Vec::new(),
        csat: CsatCounts::default(),
        nps: NpsCounts::default(),
    };
    for back in (0..months).rev() {
        let Some(first) = this.checked_sub_months(Months::new(back)) else {
            continue;
        };
        let last = first
            .checked_add_months(Months::new(1))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .unwrap_or(first);
        let window = KpiRange::dates(first, last)?.window(now)?;
        let (csat, nps) = store.satisfaction_between(window.from, window.to, id)?;
        report.csat.add(csat);
        report.nps.add(nps);
        report.months.push(SatisfactionMonth {
            month: first,
            csat,
            nps,
        });
    }
    Ok(report)
}
