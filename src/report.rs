//! Reports shared by the command line and the app. The KPI report: every KPI
//! measured over a window plus the weighted-pipeline forecast. [`kpi_report`] is the
//! one code path behind `rapport kpi` and the full-screen app's KPI pane, so both
//! always show the same figures. [`audit_lines`]: the audit trail as text, for
//! `rapport audit` and a customer's history in the app. [`value_report`]: customer
//! value, RFM segments and the customers worth most (`rapport value`). [`team_report`]:
//! every operator's performance against its quotas (`rapport team`, the Team pane).

mod retention;
mod satisfaction;
mod team;

pub use retention::{RetentionReport, retention_report};
mod value;

pub use satisfaction::{SatisfactionReport, satisfaction_report};
pub use team::{TeamReport, team_report, team_scope};
pub use value::{SegmentRow, ValueQuery, ValueReport, value_report};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::Result;
use crate::domain::audit::AuditEntry;
use crate::domain::kpi::{
    CurrencyTotal, ForecastMonth, KpiRange, KpiValue, compute, first_of_month,
};
use crate::domain::money::format_minor;
use crate::domain::{Currency, KpiStanding, KpiUnit, Operator, Role};
use crate::store::Store;

/// The audit trail as text: per entry a line with time (in `zone`), who and what,
/// then one indented line per changed field (`name: "Ali" → "Ali Rezaei"`).
pub fn audit_lines<Tz: TimeZone>(entries: &[AuditEntry], zone: &Tz) -> Vec<String>
where
    Tz::Offset: std::fmt::Display,
{
    let mut lines = Vec::new();
    for e in entries {
        lines.push(format!(
            "{}  {}  {}",
            e.at.with_timezone(zone).format("%Y-%m-%d %H:%M"),
            e.who(),
            e.headline()
        ));
        lines.extend(
            e.changes
                .iter()
                .map(|c| format!("    {}", c.describe(e.action))),
        );
    }
    lines
}

/// Whose KPIs someone sees when they do not say: agents their own, managers and
/// admins the team's.
pub fn default_kpi_scope(me: &Operator) -> Option<&Operator> {
    (me.role == Role::Agent).then_some(me)
}

/// How many months the forecast covers, starting with the current local month.
pub const FORECAST_MONTHS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    /// Whose records: an operator's login; absent for the whole team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `week`, `month`, `quarter`, `year`, `all`, or `2026-11-01 to 2026-11-30`.
    pub period: String,
    /// The window as UTC instants, `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The window as local calendar days, both inclusive.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The reporting currency (serialised as its code).
    pub currency: Currency,
    /// Every defined KPI, in definition order.
    pub kpis: Vec<KpiValue>,
    /// [`FORECAST_MONTHS`] months of open deals in `currency`, by expected close.
    pub forecast: Vec<ForecastMonth>,
    /// Won deals in the window in other currencies without an exchange rate for their
    /// close day: counted in `deals_won`, `win_rate`
    /// and `avg_cycle_days` but not in `revenue_won`.
    pub other_currency_won: i64,
    /// Those deals per currency, with their amounts.
    pub won_in_other_currencies: Vec<CurrencyTotal>,
    /// Open deals in `currency` without an expected close date: not in the forecast.
    pub open_deals_without_close_date: i64,
    /// Open deals in other currencies: not in the forecast.
    pub other_currency_open: i64,
}

/// Measures every KPI of the whole team over `range` (resolved in `now`'s time zone)
/// and forecasts the pipeline for [`FORECAST_MONTHS`] months from the current local month.
pub fn kpi_report<Tz: TimeZone>(
    store: &Store,
    range: KpiRange,
    currency: Currency,
    now: &DateTime<Tz>,
) -> Result<KpiReport> {
    kpi_report_for(store, range, currency, now, None)
}

/// `kpi_report` for one operator's records (`None`: the team's). Only managers and
/// admins see another operator's or the team's (see `domain::access`).
pub fn kpi_report_for<Tz: TimeZone>(
    store: &Store,
    range: KpiRange,
    currency: Currency,
    now: &DateTime<Tz>,
    operator: Option<&Operator>,
) -> Result<KpiReport> {
    let window = range.window(now)?;
    let now_utc = now.with_timezone(&Utc);
    let defs = store.kpi_definitions()?;
    let id = operator.map(|o| o.id);
    let inputs = store.kpi_inputs(&window, now_utc, currency, id)?;
    let won_elsewhere = store.won_in_other_currencies(&window, currency, id)?;
    let first_month = first_of_month(now.date_naive());
    let forecast = store.forecast(first_month, FORECAST_MONTHS, currency, id)?;
    let left_out = store.forecast_left_out(currency, id)?;
    Ok(KpiReport {
        operator: operator.map(|o| o.login.clone()),
        period: range.label(),
        from: window.from,
        to: window.to,
        first_day: window.first_day,
        last_day: window
            .end_day
            .checked_sub_days(Days::new(1))
            .unwrap_or(window.first_day),
        currency,
        kpis: compute(&defs, &inputs, &range),
        forecast,
        other_currency_won: inputs.other_currency_won,
        won_in_other_currencies: won_elsewhere,
        open_deals_without_close_date: left_out.without_close_date,
        other_currency_open: left_out.other_currency,
    })
}

/// A KPI value (or target, or minimum) for display: money grouped with the
/// currency's decimals, counts whole, percents and days with one decimal, scores
/// with two.
pub fn format_value(unit: KpiUnit, value: f64, currency: Currency) -> String {
    match unit {
        KpiUnit::Money => {
            // A total of many deals may pass 64 bits; `as` saturates only far beyond.
            let minor = (value * 10f64.powi(i32::from(currency.exponent()))).round();
            format_minor(minor as i128, currency)
        }
        KpiUnit::Count => format!("{value:.0}"),
        KpiUnit::Percent => format!("{value:.1}%"),
        KpiUnit::Days => format!("{value:.1} d"),
        KpiUnit::Score => format!("{value:.2}"),
    }
}

/// The status words for a standing: `below minimum`, `between`, `at target`, or
/// `no data`.
pub fn status_label(standing: Option<KpiStanding>) -> &'static str {
    standing.map_or("no data", KpiStanding::label)
}

/// What revenue in the report's currency leaves out, if anything: "excludes 1 deal in
/// EUR (12,000.00); no exchange rate". The same words on the command line and in
/// the app.
pub fn revenue_left_out(report: &KpiReport) -> Option<String> {
    let parts: Vec<String> = report
        .won_in_other_currencies
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let deals = if i == 0 {
                crate::text::count(t.deals, "deal", "deals")
            } else {
                t.deals.to_string()
            };
            format!(
                "{deals} in {} ({})",
                t.currency.code(),
                format_minor(t.total_minor, t.currency)
            )
        })
        .collect();
    let listed = match parts.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Some(format!("excludes {listed}; no exchange rate"))
}

/// How the totals' targets were scaled to the report's range, when they were:
/// "targets of totals are per month, ×3 for this quarter". `None` for a month, and
/// for all time (which has no targets for totals).
pub fn target_scaling(report: &KpiReport) -> Option<String> {
    let total = report
        .kpis
        .iter()
        .find(|k| crate::domain::kpi::TOTALS.contains(&k.key.as_str()))?;
    let scale = total.target_scale?;
    if (scale - 1.0).abs() < 1e-9 {
        return None;
    }
    let names: Vec<&str> = report
        .kpis
        .iter()
        .filter(|k| crate::domain::kpi::TOTALS.contains(&k.key.as_str()))
        .map(|k| k.name.as_str())
        .collect();
    let factor = if scale.fract().abs() < 1e-9 {
        format!("{scale:.0}")
    } else {
        format!("{scale:.2}")
    };
    Some(format!(
        "targets of totals ({}) are set per {} and scaled to this {} (×{factor})",
        names.join(", ").to_lowercase(),
        total.target_period,
        if report.period.contains(" to ") {
            "range"
        } else {
            report.period.as_str()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_unit() {
        let usd = Currency::USD;
        assert_eq!(format_value(KpiUnit::Money, 4000.5, usd), "4,000.50");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(format_value(KpiUnit::Money, 1234.0, jpy), "1,234");
        assert_eq!(
            format_value(KpiUnit::Money, 3e17, usd),
            "300,000,000,000,000,000.00",
            "past 64 bits of minor units"
        );
        assert_eq!(format_value(KpiUnit::Count, 3.0, usd), "3");
        assert_eq!(format_value(KpiUnit::Percent, 100.0 / 3.0, usd), "33.3%");
        assert_eq!(format_value(KpiUnit::Days, 16.0, usd), "16.0 d");
        assert_eq!(format_value(KpiUnit::Score, 4.0, usd), "4.00");
        assert_eq!(status_label(None), "no data");
        assert_eq!(status_label(Some(KpiStanding::AtTarget)), "at target");
    }
}
