//! Reports shared by the command line and the app. The KPI report: every KPI
//! measured over a window plus the weighted-pipeline forecast. [`kpi_report`] is the
//! one code path behind `rapport kpi` and the full-screen app's KPI pane, so both
//! always show the same figures. [`audit_lines`]: the audit trail as text, for
//! `rapport audit` and a customer's history in the app. [`value_report`]: customer
//! value, RFM segments and the customers worth most (`rapport value`). [`team_report`]:
//! every operator's performance against its quotas (`rapport team`, the Team pane).

mod pipeline_health;
mod retention;
mod satisfaction;
mod team;

pub use pipeline_health::{
    ForecastReport, HEALTH_LIST, HealthDealRow, HealthReport, StageHealth, amount_text,
    compact_money, forecast_report, health_report, left_out_text,
};
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
    CurrencyTotal, ForecastMonth, KpiRange, KpiValue, TREND_PERIODS, builtin_measure, compute,
    compute_custom, first_of_month,
};
use crate::domain::kpi_measure::{Source, Tallies};
use crate::domain::money::format_minor;
use crate::domain::pipeline_health::{Breakdown, forecast_table};
use crate::domain::{Currency, KpiStanding, KpiUnit, Operator, Role};
use crate::store::MeasureScope;
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
    /// [`FORECAST_MONTHS`] months of open deals by expected close, in `currency`:
    /// deals in other currencies converted at today's rates (as `rapport forecast`
    /// converts), deals expected earlier (late ones) in the first month.
    pub forecast: Vec<ForecastMonth>,
    /// Deals in the forecast's months whose currency cannot be converted today, per
    /// currency: counted in the months' deals, not in their amounts.
    pub forecast_left_out: Vec<CurrencyTotal>,
    /// The currencies without an exchange rate for today that leave those deals out
    /// (theirs, or the reporting currency's own).
    pub forecast_missing_rates: Vec<Currency>,
    /// Won deals in the window in other currencies without an exchange rate for their
    /// close day: counted in `deals_won`, `win_rate`
    /// and `avg_cycle_days` but not in `revenue_won`.
    pub other_currency_won: i64,
    /// Those deals per currency, with their amounts.
    pub won_in_other_currencies: Vec<CurrencyTotal>,
    /// Open deals without an expected close date: not in the forecast.
    pub open_deals_without_close_date: i64,
    /// Open deals expected after the forecast's last month.
    pub open_deals_after_forecast: i64,
    /// The periods of each KPI's `trend`, oldest first, the current one last; empty
    /// when no trend was asked for (and for all time, which has no periods).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trend_periods: Vec<TrendPeriod>,
}

/// One period of a trend, as local calendar days, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrendPeriod {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
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
    kpi_report_with(store, range, currency, now, operator, false)
}

/// [`kpi_report_for`], with each KPI's value over the last [`TREND_PERIODS`] periods
/// of the range's length when `trend` is set (not for all time).
pub fn kpi_report_with<Tz: TimeZone>(
    store: &Store,
    range: KpiRange,
    currency: Currency,
    now: &DateTime<Tz>,
    operator: Option<&Operator>,
    trend: bool,
) -> Result<KpiReport> {
    let mut report = builtin_report(store, range, currency, now, operator)?;
    let trend_ranges = match trend {
        true => range.trend(now.date_naive(), TREND_PERIODS),
        false => None,
    };
    let windows = match &trend_ranges {
        Some(ranges) => ranges
            .iter()
            .map(|r| r.window(now))
            .collect::<std::result::Result<Vec<_>, _>>()?,
        None => vec![range.window(now)?],
    };
    if let Some(ranges) = &trend_ranges {
        report.trend_periods = windows
            .iter()
            .zip(ranges)
            .map(|(w, _)| TrendPeriod {
                first_day: w.first_day,
                last_day: w
                    .end_day
                    .checked_sub_days(Days::new(1))
                    .unwrap_or(w.first_day),
            })
            .collect();
    }
    let now_utc = now.with_timezone(&Utc);
    let report_operator = operator.map(|o| o.id);
    let mut tallies = TallyCache::default();
    if trend_ranges.is_some() {
        for k in &mut report.kpis {
            let Some(measure) = builtin_measure(&k.key) else {
                continue;
            };
            let scope = MeasureScope::of(None, report_operator);
            let series =
                tallies.get(store, measure.source(), &scope, &windows, now_utc, currency)?;
            k.trend = series
                .iter()
                .map(|t| measure.value(&measure.raw(t), currency))
                .collect();
        }
    }
    for custom in store.custom_kpis()? {
        let scope = MeasureScope::of(Some(&custom), report_operator);
        let series = tallies.get(
            store,
            custom.measure.source(),
            &scope,
            &windows,
            now_utc,
            currency,
        )?;
        let current = series.last().copied().unwrap_or_default();
        let mut value = compute_custom(&custom, &custom.measure.raw(&current), &range, currency);
        if trend_ranges.is_some() {
            value.trend = series
                .iter()
                .map(|t| custom.measure.value(&custom.measure.raw(t), currency))
                .collect();
        }
        report.kpis.push(value);
    }
    Ok(report)
}

/// Each source's figures read once per scope, however many KPIs measure them.
#[derive(Default)]
struct TallyCache(std::collections::HashMap<(Source, MeasureScope), Vec<Tallies>>);

impl TallyCache {
    fn get(
        &mut self,
        store: &Store,
        source: Source,
        scope: &MeasureScope,
        windows: &[crate::domain::kpi::KpiWindow],
        now: DateTime<Utc>,
        currency: Currency,
    ) -> Result<&Vec<Tallies>> {
        let key = (source, scope.clone());
        if !self.0.contains_key(&key) {
            let read = store.tallies(source, scope, windows, now, currency)?;
            self.0.insert(key.clone(), read);
        }
        Ok(&self.0[&key])
    }
}

/// The built-in KPIs and the forecast.
fn builtin_report<Tz: TimeZone>(
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
    let today = now.date_naive();
    let (default, rates) = pipeline_health::rates(store)?;
    let table = forecast_table(
        Breakdown::Stage,
        first_of_month(today),
        FORECAST_MONTHS,
        today,
        &rates,
        currency,
        &[],
        &store.forecast_rows(false, id)?,
    );
    let forecast = table
        .months
        .iter()
        .zip(&table.totals)
        .map(|(month, cell)| ForecastMonth {
            month: *month,
            deals: cell.deals,
            total_minor: cell.total_minor,
            weighted_minor: cell.weighted_minor,
        })
        .collect();
    // Whose rate is missing: a left-out deal's currency, or the reporting currency.
    let mut missing_rates: Vec<Currency> = table
        .left_out
        .iter()
        .map(|t| t.currency)
        .chain(std::iter::once(currency))
        .filter(|c| *c != default && rates.on(*c, today).is_none())
        .collect();
    missing_rates.sort_by_key(|c| c.code());
    missing_rates.dedup();
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
        forecast_missing_rates: if table.left_out.is_empty() {
            Vec::new()
        } else {
            missing_rates
        },
        forecast_left_out: table.left_out,
        other_currency_won: inputs.other_currency_won,
        won_in_other_currencies: won_elsewhere,
        open_deals_without_close_date: table.undated_deals,
        open_deals_after_forecast: table.later_deals,
        trend_periods: Vec::new(),
    })
}

/// The KPIs by group (financial, customer, internal, growth), each group in report
/// order: the built-in ones first, then those the business defined. How the command
/// line and the app list them.
pub fn kpis_by_group(kpis: &[KpiValue]) -> Vec<&KpiValue> {
    let mut sorted: Vec<&KpiValue> = kpis.iter().collect();
    sorted.sort_by_key(|k| {
        crate::domain::KpiGroup::ALL
            .iter()
            .position(|g| *g == k.group)
    });
    sorted
}

/// A group's name as a heading: `Financial`, `Customer`, `Internal`, `Learning & growth`.
pub fn group_heading(group: crate::domain::KpiGroup) -> &'static str {
    use crate::domain::KpiGroup::*;
    match group {
        Financial => "Financial",
        Customer => "Customer",
        Internal => "Internal",
        Growth => "Learning & growth",
    }
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
        KpiUnit::Nps => format!("{value:+.0}"),
        KpiUnit::Rate => format!("{value:.1}"),
    }
}

/// The status words for a standing: `below minimum`, `between`, `at target`, or
/// `no data`.
pub fn status_label(standing: Option<KpiStanding>) -> &'static str {
    standing.map_or("no data", KpiStanding::label)
}

/// Deals per currency with their amounts, for what a sum leaves out: "1 deal in EUR
/// (12,000.00)", "2 deals in EUR (1,200.00) and 1 in JPY (500)". `None` for none.
pub fn deals_by_currency(list: &[CurrencyTotal]) -> Option<String> {
    let parts: Vec<String> = list
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
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// What revenue in the report's currency leaves out, if anything: "excludes 1 deal in
/// EUR (12,000.00); no exchange rate". The same words on the command line and in
/// the app.
pub fn revenue_left_out(report: &KpiReport) -> Option<String> {
    deals_by_currency(&report.won_in_other_currencies)
        .map(|listed| format!("excludes {listed}; no exchange rate"))
}

/// What the forecast's amounts leave out, if anything: "amounts leave out 1 deal in
/// GBP (4,000.00), counted in its month's deals: no exchange rate for GBP today".
/// The same words on the command line and in the app.
pub fn forecast_left_out(report: &KpiReport) -> Option<String> {
    let listed = deals_by_currency(&report.forecast_left_out)?;
    let counted = if report
        .forecast_left_out
        .iter()
        .map(|t| t.deals)
        .sum::<i64>()
        == 1
    {
        "counted in its month's deals"
    } else {
        "counted in their months' deals"
    };
    let codes: Vec<&str> = report
        .forecast_missing_rates
        .iter()
        .map(|c| c.code())
        .collect();
    let rates = match codes.as_slice() {
        [] => "no exchange rate today".to_string(),
        [one] => format!("no exchange rate for {one} today"),
        [rest @ .., last] => format!("no exchange rate for {} or {last} today", rest.join(", ")),
    };
    Some(format!("amounts leave out {listed}, {counted}: {rates}"))
}

/// How the totals' targets were scaled to the report's range, when they were:
/// "targets of totals (revenue won, deals won, new customers) are set per month and
/// scaled to this quarter (×3)". `None` for a month, and for all time (which has no
/// targets for totals). Totals set per different periods are named per period.
pub fn target_scaling(report: &KpiReport) -> Option<String> {
    let mut by_period: Vec<(crate::domain::Period, f64, Vec<String>)> = Vec::new();
    for k in report.kpis.iter().filter(|k| k.total) {
        let Some(scale) = k.target_scale else {
            continue;
        };
        if (scale - 1.0).abs() < 1e-9 {
            continue;
        }
        match by_period.iter_mut().find(|(p, ..)| *p == k.target_period) {
            Some((_, _, names)) => names.push(k.name.to_lowercase()),
            None => by_period.push((k.target_period, scale, vec![k.name.to_lowercase()])),
        }
    }
    let factor = |scale: f64| {
        if scale.fract().abs() < 1e-9 {
            format!("{scale:.0}")
        } else {
            format!("{scale:.2}")
        }
    };
    let this = if report.period.contains(" to ") {
        "range"
    } else {
        report.period.as_str()
    };
    let mut parts = by_period.into_iter().map(|(period, scale, names)| {
        (
            names.join(", "),
            format!("set per {period}"),
            format!("×{}", factor(scale)),
        )
    });
    let (names, per, times) = parts.next()?;
    let mut text =
        format!("targets of totals ({names}) are {per} and scaled to this {this} ({times})");
    for (names, per, times) in parts {
        text.push_str(&format!("; of ({names}) {per} ({times})"));
    }
    Some(text)
}

/// A trend as a line of block characters, one per period (`▁▂▃▄▅▆▇█`, a space where
/// there is no value), from the lowest value shown to the highest: the shape of the
/// change, not its size (a flat trend is a row of `▄`).
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let (Some(low), Some(high)) = (
        known.iter().copied().reduce(f64::min),
        known.iter().copied().reduce(f64::max),
    ) else {
        return " ".repeat(values.len());
    };
    let span = high - low;
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if span <= 0.0 => BLOCKS[3],
            Some(v) => {
                let i = ((v - low) / span * 7.0).round() as usize;
                BLOCKS[i.min(7)]
            }
        })
        .collect()
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
        assert_eq!(format_value(KpiUnit::Nps, 30.0, usd), "+30");
        assert_eq!(format_value(KpiUnit::Nps, -12.4, usd), "-12");
        assert_eq!(format_value(KpiUnit::Rate, 12.25, usd), "12.2");
    }

    #[test]
    fn sparklines_run_from_the_lowest_value_to_the_highest() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(1.0), Some(2.0), None, Some(7.0)]),
            "▁▂▃ █"
        );
        // 96 % to 99 %: the change shows, not the distance from 0.
        assert_eq!(sparkline(&[Some(96.0), Some(97.5), Some(99.0)]), "▁▅█");
        assert_eq!(sparkline(&[Some(5.0), Some(5.0)]), "▄▄");
        assert_eq!(sparkline(&[None, None]), "  ");
        assert_eq!(sparkline(&[]), "");
        // An NPS from -100 to 100.
        assert_eq!(sparkline(&[Some(-100.0), Some(0.0), Some(100.0)]), "▁▅█");
    }
}
