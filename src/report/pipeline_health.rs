//! Pipeline health and the forecast by stage or operator: one code path for
//! `rapport deal health`, `rapport forecast` and the app's health view. Money is in
//! the default currency (the one exchange rates convert to): open deals at today's
//! rate, lost deals at their close day's; deals without a rate are counted and named.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::team_scope;
use crate::Result;
use crate::domain::exchange::RateTable;
use crate::domain::kpi::{KpiRange, first_of_month};
use crate::domain::pipeline_health::{
    Breakdown, ForecastTable, FunnelStep, LostReason, Value, forecast_table, funnel, idle_days,
    lost_reasons, values_by_group,
};
use crate::domain::{Currency, Money, Operator, StageOutcome};
use crate::store::{HealthDeal, Store};

/// Deals listed per list (the most idle rotting ones, the unplanned ones).
pub const HEALTH_LIST: usize = 50;

/// One open stage's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageHealth {
    pub stage: String,
    pub name: String,
    /// Days idle before a deal rots here; `None`: never.
    pub idle_limit_days: Option<u32>,
    pub open: Value,
    pub rotting: Value,
    /// Open deals without a follow-up planned.
    pub no_follow_up: Value,
}

/// A deal in a health list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthDealRow {
    #[serde(flatten)]
    pub deal: HealthDeal,
    pub idle_days: i64,
    /// The stage's limit, when it has one.
    pub idle_limit_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// Whose deals: an operator's login; absent for the whole team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub today: NaiveDate,
    pub currency: Currency,
    /// Every open stage, in pipeline order.
    pub stages: Vec<StageHealth>,
    pub open: Value,
    pub rotting: Value,
    pub no_follow_up: Value,
    /// The most idle rotting deals (at most [`HEALTH_LIST`]).
    pub rotting_deals: Vec<HealthDealRow>,
    /// Deals without a follow-up planned, soonest expected close first.
    pub no_follow_up_deals: Vec<HealthDealRow>,
    /// The days lost reasons cover, both inclusive, and their label (`year`, …).
    pub lost_period: String,
    pub lost_first_day: NaiveDate,
    pub lost_last_day: NaiveDate,
    pub lost_reasons: Vec<LostReason>,
    pub lost: Value,
    /// Every deal in the database by the furthest open stage it reached.
    pub funnel: Vec<FunnelStep>,
}

/// The default currency and every exchange rate into it.
pub(super) fn rates(store: &Store) -> Result<(Currency, RateTable)> {
    let currency = store.default_currency()?;
    Ok((currency, RateTable::new(currency, store.exchange_rates()?)))
}

/// The pipeline's health at `now` for `me` (an agent: its own deals; a manager or
/// admin: the team's, or `chosen`'s); lost reasons over `lost_range`.
pub fn health_report<Tz: TimeZone>(
    store: &Store,
    now: &DateTime<Tz>,
    lost_range: KpiRange,
    me: &Operator,
    chosen: Option<&Operator>,
) -> Result<HealthReport> {
    let scope = team_scope(me, chosen);
    let window = lost_range.window(now)?;
    let today = now.date_naive();
    let t = now.with_timezone(&Utc).timestamp();
    let (currency, rates) = rates(store)?;
    let inputs = store.health_inputs(
        t,
        window.first_day,
        window.end_day,
        scope.map(|o| o.id),
        HEALTH_LIST,
    )?;
    let open = values_by_group(&rates, &inputs.open, today);
    let rotting = values_by_group(&rates, &inputs.rotting, today);
    let unplanned = values_by_group(&rates, &inputs.unplanned, today);
    let stages: Vec<StageHealth> = inputs
        .stages
        .iter()
        .filter(|s| s.outcome == StageOutcome::Open)
        .map(|s| StageHealth {
            stage: s.key.clone(),
            name: s.name.clone(),
            idle_limit_days: s.idle_days,
            open: open.get(&s.id).cloned().unwrap_or_default(),
            rotting: rotting.get(&s.id).cloned().unwrap_or_default(),
            no_follow_up: unplanned.get(&s.id).cloned().unwrap_or_default(),
        })
        .collect();
    let sum = |pick: &dyn Fn(&StageHealth) -> &Value| {
        let mut total = Value::default();
        for s in &stages {
            total.merge(pick(s));
        }
        total
    };
    let limit_of = |key: &str| {
        inputs
            .stages
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| s.idle_days)
    };
    let row = |d: &HealthDeal| HealthDealRow {
        idle_days: idle_days(t, d.updated_at, d.last_activity_at),
        idle_limit_days: limit_of(&d.stage),
        deal: d.clone(),
    };
    let lost_reasons = lost_reasons(&rates, &inputs.lost);
    let mut lost = Value::default();
    for r in &lost_reasons {
        lost.merge(&r.value);
    }
    Ok(HealthReport {
        operator: scope.map(|o| o.login.clone()),
        today,
        currency,
        open: sum(&|s| &s.open),
        rotting: sum(&|s| &s.rotting),
        no_follow_up: sum(&|s| &s.no_follow_up),
        rotting_deals: inputs.rotting_deals.iter().map(row).collect(),
        no_follow_up_deals: inputs.unplanned_deals.iter().map(row).collect(),
        lost_period: lost_range.label(),
        lost_first_day: window.first_day,
        lost_last_day: window
            .end_day
            .checked_sub_days(Days::new(1))
            .unwrap_or(window.first_day),
        lost_reasons,
        lost,
        funnel: funnel(&inputs.stages, &inputs.funnel),
        stages,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub currency: Currency,
    #[serde(flatten)]
    pub table: ForecastTable,
}

/// The weighted-pipeline forecast for `months` months from the current one, by stage
/// or by operator, for `me` (an agent: its own deals) or `chosen`.
pub fn forecast_report<Tz: TimeZone>(
    store: &Store,
    now: &DateTime<Tz>,
    months: u32,
    by: Breakdown,
    me: &Operator,
    chosen: Option<&Operator>,
) -> Result<ForecastReport> {
    if !(1..=36).contains(&months) {
        return Err(crate::domain::ValidationError::new(
            "months",
            format!("{months} is not a number of months from 1 to 36"),
        )
        .into());
    }
    let scope = team_scope(me, chosen);
    let today = now.date_naive();
    let (currency, rates) = rates(store)?;
    let rows = store.forecast_rows(by == Breakdown::Operator, scope.map(|o| o.id))?;
    let series: Vec<(i64, String, String)> = match by {
        Breakdown::Stage => store
            .stages()?
            .into_iter()
            .filter(|s| s.outcome == StageOutcome::Open)
            .map(|s| (s.id, s.key, s.name))
            .collect(),
        Breakdown::Operator => {
            let mut ops: Vec<(i64, String, String)> = store
                .operators()?
                .into_iter()
                .map(|o| (o.id, o.login.clone(), o.display_name.clone()))
                .collect();
            ops.push((0, "(none)".into(), "No owner".into()));
            ops
        }
    };
    let mut table = forecast_table(
        by,
        first_of_month(today),
        months,
        today,
        &rates,
        currency,
        &series,
        &rows,
    );
    if by == Breakdown::Operator {
        // Biggest first: the chart's first glyphs go to who matters most.
        table
            .series
            .sort_by_key(|s| std::cmp::Reverse(s.total.weighted_minor));
    }
    Ok(ForecastReport {
        operator: scope.map(|o| o.login.clone()),
        currency,
        table,
    })
}

/// What a value leaves out, in words: "2 deals in EUR (1,200.00) and 1 in JPY (500)
/// have no exchange rate". `None` when nothing is left out.
pub fn left_out_text(left_out: &[crate::domain::kpi::CurrencyTotal]) -> Option<String> {
    super::deals_by_currency(left_out)
        .map(|listed| format!("{listed}: no exchange rate, not in the sums"))
}

/// Money short enough for a narrow column: `950`, `12.3k`, `4.56M`, `1.2B` (major
/// units, no currency).
pub fn compact_money(minor: i128, currency: Currency) -> String {
    let major = minor as f64 / 10f64.powi(i32::from(currency.exponent()));
    let (v, unit) = match major.abs() {
        a if a >= 1e9 => (major / 1e9, "B"),
        a if a >= 1e6 => (major / 1e6, "M"),
        a if a >= 1e3 => (major / 1e3, "k"),
        _ => (major, ""),
    };
    if unit.is_empty() {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}{unit}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.2}{unit}")
    }
}

/// A deal's amount for a list.
pub fn amount_text(m: &Money) -> String {
    crate::domain::money::format_minor(i128::from(m.minor), m.currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_money_fits_a_narrow_column() {
        let usd = Currency::USD;
        assert_eq!(compact_money(95_000, usd), "950");
        assert_eq!(compact_money(1_234_500, usd), "12.3k");
        assert_eq!(compact_money(456_000_000, usd), "4.56M");
        assert_eq!(compact_money(123_400_000_000, usd), "1.23B");
        assert_eq!(compact_money(0, usd), "0");
    }

    #[test]
    fn left_out_names_each_currency() {
        use crate::domain::kpi::CurrencyTotal;
        let eur = Currency::from_code("EUR").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(left_out_text(&[]), None);
        assert_eq!(
            left_out_text(&[
                CurrencyTotal {
                    currency: eur,
                    deals: 2,
                    total_minor: 120_000
                },
                CurrencyTotal {
                    currency: jpy,
                    deals: 1,
                    total_minor: 500
                },
            ])
            .unwrap(),
            "2 deals in EUR (1,200.00) and 1 in JPY (500): no exchange rate, not in the sums"
        );
    }
}
