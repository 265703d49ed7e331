//! Pipeline health, the arithmetic: how long a deal has been idle and whether it is
//! rotting in its stage, sums of open deals in several currencies, lost reasons by
//! count and value, the stage-to-stage funnel, and the forecast by month broken down
//! by stage or by operator. The store reads grouped rows; everything here is plain
//! Rust so it is tested without a database.
//!
//! Definitions (the README repeats them):
//! - **Idle days**: whole days (of 24 hours) from the later of the deal's last change
//!   (`updated_at`: created, edited, moved, given to someone, …) and the latest
//!   interaction logged against the deal (an interaction with its `deal_id`), to now.
//! - **Rotting**: an open deal idle for more days than its stage's limit
//!   (`stages.idle_days`; a stage without a limit never rots).
//! - **No follow-up planned**: an open deal with no open (not done) follow-up on it,
//!   nor a general one on its customer (a follow-up without a deal). A follow-up on
//!   another deal of the same customer does not count.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::exchange::RateTable;
use super::kpi::CurrencyTotal;
use super::{Currency, Stage, StageOutcome};

pub const DAY_SECS: i64 = 86_400;

/// Whole days between the later of `updated_at` and `last_activity_at` (Unix seconds)
/// and `now`; 0 for a time in the future.
pub fn idle_days(now: i64, updated_at: i64, last_activity_at: Option<i64>) -> i64 {
    let last = last_activity_at.map_or(updated_at, |a| a.max(updated_at));
    (now - last).max(0) / DAY_SECS
}

/// Whether a deal idle for `idle` days rots under a stage limit of `limit` days.
pub fn is_rotting(idle: i64, limit: Option<u32>) -> bool {
    limit.is_some_and(|l| idle > i64::from(l))
}

/// The latest last-activity time (Unix seconds) at which a deal is rotting at `now`
/// under `limit`: idle days > limit ⇔ `now − last ≥ (limit + 1) days`.
pub fn rot_cutoff(now: i64, limit: u32) -> i64 {
    now - (i64::from(limit) + 1) * DAY_SECS
}

/// The idle limit each default stage starts with (schema 17); other open stages get
/// [`DEFAULT_IDLE_DAYS`], won and lost none.
pub const DEFAULT_IDLE_LIMITS: &[(&str, u32)] = &[
    ("lead", 14),
    ("qualified", 21),
    ("proposal", 14),
    ("negotiation", 10),
];
pub const DEFAULT_IDLE_DAYS: u32 = 30;
/// The longest limit: ten years.
pub const MAX_IDLE_DAYS: u32 = 3650;

/// Reads `14` or `none` (no limit) for a stage's idle limit.
pub fn parse_idle_limit(text: &str) -> Result<Option<u32>, super::ValidationError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(n) if (1..=MAX_IDLE_DAYS).contains(&n) => Ok(Some(n)),
        _ => Err(super::ValidationError::new(
            "days",
            format!("{t:?} is not a number of days from 1 to {MAX_IDLE_DAYS}, or none"),
        )),
    }
}

/// Open deals of one group (a stage, a month, an operator…) in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSum {
    pub group: i64,
    pub currency: Currency,
    pub deals: i64,
    pub minor: i128,
}

/// Deals and their value in the report's currency; those that could not be converted
/// (no rate) are counted in `deals` and listed per currency in `left_out`, never as 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Value {
    pub deals: i64,
    pub value_minor: i128,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<CurrencyTotal>,
}

impl Value {
    /// Adds `deals` deals worth `minor` units of `currency` on `day`.
    pub fn add(
        &mut self,
        rates: &RateTable,
        deals: i64,
        minor: i128,
        currency: Currency,
        day: NaiveDate,
    ) {
        self.deals += deals;
        match rates.to_default(minor, currency, day) {
            Some(v) => self.value_minor += v,
            None => leave_out(&mut self.left_out, deals, minor, currency),
        }
    }

    /// Adds another value's deals, sum and left-out deals.
    pub fn merge(&mut self, other: &Value) {
        self.deals += other.deals;
        self.value_minor += other.value_minor;
        for l in &other.left_out {
            leave_out(&mut self.left_out, l.deals, l.total_minor, l.currency);
        }
    }

    /// Deals that are in `deals` but not in `value_minor`.
    pub fn left_out_deals(&self) -> i64 {
        self.left_out.iter().map(|t| t.deals).sum()
    }
}

/// Counts `deals` worth `minor` units of `currency` among those `left_out` (one entry
/// per currency, by code).
pub fn leave_out(left_out: &mut Vec<CurrencyTotal>, deals: i64, minor: i128, currency: Currency) {
    match left_out.iter_mut().find(|t| t.currency == currency) {
        Some(t) => {
            t.deals += deals;
            t.total_minor += minor;
        }
        None => {
            left_out.push(CurrencyTotal {
                currency,
                deals,
                total_minor: minor,
            });
            left_out.sort_by_key(|t| t.currency.code());
        }
    }
}

/// Sums per group, converted at `day`'s rates.
pub fn values_by_group(
    rates: &RateTable,
    sums: &[GroupSum],
    day: NaiveDate,
) -> BTreeMap<i64, Value> {
    let mut out: BTreeMap<i64, Value> = BTreeMap::new();
    for s in sums {
        out.entry(s.group)
            .or_default()
            .add(rates, s.deals, s.minor, s.currency, day);
    }
    out
}

/// Lost deals of one reason, one currency and one close day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostRow {
    pub reason: String,
    pub currency: Currency,
    pub closed_on: NaiveDate,
    pub deals: i64,
    pub minor: i128,
}

/// One reason deals were lost for, with how many and what they were worth (each at
/// its close day's rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostReason {
    pub reason: String,
    #[serde(flatten)]
    pub value: Value,
}

/// Lost reasons, most deals first (then most value, then by name). Reasons differing
/// only in case or surrounding spaces are one.
pub fn lost_reasons(rates: &RateTable, rows: &[LostRow]) -> Vec<LostReason> {
    let mut by: BTreeMap<String, LostReason> = BTreeMap::new();
    for r in rows {
        let shown = r.reason.trim();
        let shown = if shown.is_empty() {
            "(no reason)"
        } else {
            shown
        };
        by.entry(shown.to_lowercase())
            .or_insert_with(|| LostReason {
                reason: shown.to_string(),
                value: Value::default(),
            })
            .value
            .add(rates, r.deals, r.minor, r.currency, r.closed_on);
    }
    let mut out: Vec<LostReason> = by.into_values().collect();
    out.sort_by(|a, b| {
        (b.value.deals, b.value.value_minor, &a.reason).cmp(&(
            a.value.deals,
            a.value.value_minor,
            &b.reason,
        ))
    });
    out
}

/// Deals by the furthest open stage they reached and the outcome of the stage they
/// are in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunnelRow {
    pub reached_stage_id: i64,
    pub outcome: StageOutcome,
    pub deals: i64,
}

/// One open stage of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    pub stage: String,
    pub name: String,
    /// Deals that reached this stage or a later one (open, won or lost).
    pub reached: i64,
    /// Of those, deals that went on: reached a later open stage, or were won.
    pub moved_on: i64,
    /// Of those, deals won.
    pub won: i64,
    /// Of those, deals lost with this as their furthest stage.
    pub lost_here: i64,
    /// Open deals with this as their furthest stage.
    pub open_here: i64,
    /// `moved_on / reached`, in percent; `None` when none reached it.
    pub to_next_percent: Option<f64>,
    /// `won / reached`, in percent.
    pub to_won_percent: Option<f64>,
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The funnel over the open stages of `stages` (in position order). Rows whose
/// reached stage is not an open stage are left out.
pub fn funnel(stages: &[Stage], rows: &[FunnelRow]) -> Vec<FunnelStep> {
    let open: Vec<&Stage> = stages
        .iter()
        .filter(|s| s.outcome == StageOutcome::Open)
        .collect();
    let at = |id: i64| open.iter().position(|s| s.id == id);
    let n = open.len();
    // Per open stage index: deals whose furthest stage it is, by outcome now.
    let mut here = vec![(0i64, 0i64, 0i64); n]; // (open, won, lost)
    for r in rows {
        let Some(k) = at(r.reached_stage_id) else {
            continue;
        };
        match r.outcome {
            StageOutcome::Open => here[k].0 += r.deals,
            StageOutcome::Won => here[k].1 += r.deals,
            StageOutcome::Lost => here[k].2 += r.deals,
        }
    }
    let total = |k: usize| here[k].0 + here[k].1 + here[k].2;
    let from = |k: usize, f: &dyn Fn(usize) -> i64| (k..n).map(f).sum::<i64>();
    (0..n)
        .map(|k| {
            let reached = from(k, &total);
            let won = from(k, &|j| here[j].1);
            let moved_on = from(k + 1, &total) + here[k].1;
            FunnelStep {
                stage: open[k].key.clone(),
                name: open[k].name.clone(),
                reached,
                moved_on,
                won,
                lost_here: here[k].2,
                open_here: here[k].0,
                to_next_percent: percent(moved_on, reached),
                to_won_percent: percent(won, reached),
            }
        })
        .collect()
}

/// Open deals by expected-close month (`None`: no expected close), series (a stage
/// or an operator id) and currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastRow {
    pub month: Option<NaiveDate>,
    pub series: i64,
    pub currency: Currency,
    pub deals: i64,
    pub total_minor: i128,
    pub weighted_minor: i128,
}

/// What the forecast is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Breakdown {
    Stage,
    Operator,
}

impl Breakdown {
    pub fn parse(text: &str) -> Result<Self, super::ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "stage" | "stages" => Ok(Self::Stage),
            "operator" | "operators" | "owner" => Ok(Self::Operator),
            other => Err(super::ValidationError::new(
                "by",
                format!("{other:?} is not stage or operator"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stage => "stage",
            Self::Operator => "operator",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Stage => Self::Operator,
            Self::Operator => Self::Stage,
        }
    }
}

/// One month's figures of a series (or of all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ForecastCell {
    pub deals: i64,
    pub total_minor: i128,
    pub weighted_minor: i128,
}

impl ForecastCell {
    fn add(&mut self, other: &ForecastCell) {
        self.deals += other.deals;
        self.total_minor += other.total_minor;
        self.weighted_minor += other.weighted_minor;
    }
}

/// One stage's or operator's row of the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastSeries {
    /// The stage key or the operator's login (`(none)` for deals without an owner).
    pub key: String,
    pub name: String,
    /// One per month of the forecast.
    pub months: Vec<ForecastCell>,
    pub total: ForecastCell,
}

/// The forecast table: months across, series down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastTable {
    pub by: Breakdown,
    /// First day of each month.
    pub months: Vec<NaiveDate>,
    /// In the order of `series` given to [`forecast_table`]; series without deals in
    /// the months are left out.
    pub series: Vec<ForecastSeries>,
    /// All series, per month.
    pub totals: Vec<ForecastCell>,
    pub total: ForecastCell,
    /// Open deals expected after the last month.
    pub later_deals: i64,
    /// Open deals without an expected close.
    pub undated_deals: i64,
    /// Open deals in the months in currencies without a rate today: counted in the
    /// deals, not in the amounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<CurrencyTotal>,
}

/// The forecast for `months` months from the month of `first` (deals expected
/// earlier, late ones, count in the first month), in minor units of `currency`,
/// converted at `today`'s rates. `series` names every series key in order:
/// `(id, key, name)`.
#[allow(clippy::too_many_arguments)]
pub fn forecast_table(
    by: Breakdown,
    first: NaiveDate,
    months: u32,
    today: NaiveDate,
    rates: &RateTable,
    currency: Currency,
    series: &[(i64, String, String)],
    rows: &[ForecastRow],
) -> ForecastTable {
    let first = super::kpi::first_of_month(first);
    let month_days: Vec<NaiveDate> = (0..months)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .collect();
    let n = month_days.len();
    let mut cells: BTreeMap<i64, Vec<ForecastCell>> = BTreeMap::new();
    let mut left_out = Vec::new();
    let (mut later, mut undated) = (0, 0);
    for r in rows {
        let Some(month) = r.month else {
            undated += r.deals;
            continue;
        };
        let k = month_days.iter().rposition(|m| *m <= month).unwrap_or(0);
        if month_days.last().is_none_or(|last| {
            month
                >= last
                    .checked_add_months(Months::new(1))
                    .unwrap_or(NaiveDate::MAX)
        }) {
            later += r.deals;
            continue;
        }
        let row = cells
            .entry(r.series)
            .or_insert_with(|| vec![ForecastCell::default(); n]);
        row[k].deals += r.deals;
        match (
            rates.convert(r.total_minor, r.currency, currency, today),
            rates.convert(r.weighted_minor, r.currency, currency, today),
        ) {
            (Some(t), Some(w)) => {
                row[k].total_minor += t;
                row[k].weighted_minor += w;
            }
            _ => leave_out(&mut left_out, r.deals, r.total_minor, r.currency),
        }
    }
    let mut totals = vec![ForecastCell::default(); n];
    let mut out = Vec::new();
    for (id, key, name) in series {
        let Some(months) = cells.remove(id) else {
            continue;
        };
        let mut total = ForecastCell::default();
        for (i, c) in months.iter().enumerate() {
            total.add(c);
            totals[i].add(c);
        }
        out.push(ForecastSeries {
            key: key.clone(),
            name: name.clone(),
            months,
            total,
        });
    }
    // Series the caller did not name (an operator removed meanwhile) still count.
    for (id, months) in cells {
        let mut total = ForecastCell::default();
        for (i, c) in months.iter().enumerate() {
            total.add(c);
            totals[i].add(c);
        }
        out.push(ForecastSeries {
            key: format!("#{id}"),
            name: format!("#{id}"),
            months,
            total,
        });
    }
    let mut total = ForecastCell::default();
    for c in &totals {
        total.add(c);
    }
    ForecastTable {
        by,
        months: month_days,
        series: out,
        totals,
        total,
        later_deals: later,
        undated_deals: undated,
        left_out,
    }
}

/// Glyphs that tell a chart's series apart without colour, in series order; series
/// past the last share it.
pub const CHART_GLYPHS: [char; 8] = ['█', '▓', '▒', '░', '#', '=', '+', ':'];

/// A month's stacked bar: `(glyph index, cells)` per series, scaled so `max` fills
/// `width` cells. Every series with a value gets at least one cell; cells are taken
/// from the largest when rounding overflows.
pub fn stacked_bar(values: &[i128], max: i128, width: usize) -> Vec<(usize, usize)> {
    if max <= 0 || width == 0 {
        return Vec::new();
    }
    let total: i128 = values.iter().filter(|v| **v > 0).sum();
    let bar = ((total as f64 / max as f64) * width as f64).round() as usize;
    let bar = bar.min(width).max(usize::from(total > 0));
    let mut parts: Vec<(usize, usize)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .map(|(i, v)| {
            let cells = (*v as f64 / total as f64 * bar as f64).round() as usize;
            (i.min(CHART_GLYPHS.len() - 1), cells.max(1))
        })
        .collect();
    while parts.iter().map(|p| p.1).sum::<usize>() > bar.max(parts.len()) {
        if let Some(big) = parts.iter_mut().max_by_key(|p| p.1) {
            big.1 -= 1;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::exchange::ExchangeRate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn rates() -> RateTable {
        RateTable::new(
            Currency::USD,
            vec![ExchangeRate::parse(eur(), Currency::USD, day(2026, 6, 1), "1.10").unwrap()],
        )
    }

    #[test]
    fn idle_days_count_from_the_later_of_change_and_interaction() {
        let now = 1_800_000_000;
        assert_eq!(idle_days(now, now - 3 * DAY_SECS, None), 3);
        // An interaction a day ago makes it a day idle.
        assert_eq!(idle_days(now, now - 30 * DAY_SECS, Some(now - DAY_SECS)), 1);
        // An older interaction does not make it idler than its last change.
        assert_eq!(
            idle_days(now, now - 2 * DAY_SECS, Some(now - 9 * DAY_SECS)),
            2
        );
        // 23 hours is no whole day; the future is 0.
        assert_eq!(idle_days(now, now - 23 * 3600, None), 0);
        assert_eq!(idle_days(now, now + 500, None), 0);
    }

    #[test]
    fn rotting_is_more_idle_days_than_the_limit() {
        assert!(!is_rotting(14, Some(14)));
        assert!(is_rotting(15, Some(14)));
        assert!(!is_rotting(10_000, None), "no limit, no rot");
        let now = 1_800_000_000;
        let cut = rot_cutoff(now, 14);
        // The cutoff agrees with idle_days: at it, 15 days; a second later, 14.
        assert!(is_rotting(idle_days(now, cut, None), Some(14)));
        assert!(!is_rotting(idle_days(now, cut + 1, None), Some(14)));
    }

    #[test]
    fn idle_limits_parse_days_or_none() {
        assert_eq!(parse_idle_limit(" 14 ").unwrap(), Some(14));
        assert_eq!(parse_idle_limit("None").unwrap(), None);
        for bad in ["0", "-3", "3651", "two", ""] {
            let e = parse_idle_limit(bad).unwrap_err().to_string();
            assert!(e.starts_with("days:"), "{bad}: {e}");
        }
    }

    #[test]
    fn values_convert_and_name_what_has_no_rate() {
        let r = rates();
        let mut v = Value::default();
        v.add(&r, 2, 10_000, Currency::USD, day(2026, 7, 1));
        v.add(&r, 1, 10_000, eur(), day(2026, 7, 1)); // 100 EUR at 1.10
        v.add(&r, 1, 5_000, eur(), day(2026, 5, 1)); // before the first rate
        v.add(
            &r,
            3,
            700,
            Currency::from_code("JPY").unwrap(),
            day(2026, 7, 1),
        );
        assert_eq!(v.deals, 7);
        assert_eq!(v.value_minor, 10_000 + 11_000);
        assert_eq!(v.left_out_deals(), 4);
        let codes: Vec<(&str, i64, i128)> = v
            .left_out
            .iter()
            .map(|t| (t.currency.code(), t.deals, t.total_minor))
            .collect();
        assert_eq!(codes, [("EUR", 1, 5_000), ("JPY", 3, 700)]);
    }

    #[test]
    fn lost_reasons_by_count_then_value_with_missing_rates_counted() {
        let r = rates();
        let row = |reason: &str, cur: Currency, d: NaiveDate, deals, minor| LostRow {
            reason: reason.into(),
            currency: cur,
            closed_on: d,
            deals,
            minor,
        };
        let reasons = lost_reasons(
            &r,
            &[
                row("Price", Currency::USD, day(2026, 7, 1), 2, 50_000),
                row("price ", eur(), day(2026, 7, 2), 1, 10_000),
                row("Price", eur(), day(2026, 1, 2), 1, 20_000), // no rate yet
                row("Timing", Currency::USD, day(2026, 7, 1), 4, 1_000),
                row("Budget", Currency::USD, day(2026, 7, 1), 4, 9_000),
                row("", Currency::USD, day(2026, 7, 1), 1, 1),
            ],
        );
        let seen: Vec<(&str, i64, i128, i64)> = reasons
            .iter()
            .map(|l| {
                (
                    l.reason.as_str(),
                    l.value.deals,
                    l.value.value_minor,
                    l.value.left_out_deals(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Price", 4, 61_000, 1),
                ("Budget", 4, 9_000, 0),
                ("Timing", 4, 1_000, 0),
                ("(no reason)", 1, 1, 0),
            ]
        );
        assert_eq!(reasons[0].value.left_out[0].total_minor, 20_000);
    }

    fn stage(id: i64, key: &str, position: i64, outcome: StageOutcome) -> Stage {
        Stage {
            id,
            key: key.into(),
            name: key.to_uppercase(),
            position,
            probability: 10,
            outcome,
            idle_days: None,
        }
    }

    #[test]
    fn the_funnel_counts_deals_that_reached_each_stage_and_went_on() {
        use StageOutcome::*;
        let stages = [
            stage(1, "lead", 1, Open),
            stage(2, "qualified", 2, Open),
            stage(3, "proposal", 3, Open),
            stage(4, "won", 4, Won),
            stage(5, "lost", 5, Lost),
        ];
        let row = |reached, outcome, deals| FunnelRow {
            reached_stage_id: reached,
            outcome,
            deals,
        };
        let f = funnel(
            &stages,
            &[
                row(1, Open, 50),
                row(1, Lost, 20),
                row(1, Won, 2), // won straight from lead
                row(2, Open, 10),
                row(2, Lost, 8),
                row(3, Open, 5),
                row(3, Won, 4),
                row(3, Lost, 1),
                row(4, Won, 7), // not an open stage: left out
            ],
        );
        let seen: Vec<(&str, i64, i64, i64, i64, i64)> = f
            .iter()
            .map(|s| {
                (
                    s.stage.as_str(),
                    s.reached,
                    s.moved_on,
                    s.won,
                    s.lost_here,
                    s.open_here,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("lead", 100, 30, 6, 20, 50),
                ("qualified", 28, 10, 4, 8, 10),
                ("proposal", 10, 4, 4, 1, 5),
            ]
        );
        assert_eq!(f[0].to_next_percent, Some(30.0));
        assert_eq!(f[1].to_won_percent, Some(4.0 * 100.0 / 28.0));
        let empty = funnel(&stages, &[]);
        assert_eq!(empty[0].to_next_percent, None);
    }

    #[test]
    fn the_forecast_splits_months_by_series_and_counts_what_it_cannot_place() {
        let r = rates();
        let row =
            |month: Option<NaiveDate>, series, currency, deals, total, weighted| ForecastRow {
                month,
                series,
                currency,
                deals,
                total_minor: total,
                weighted_minor: weighted,
            };
        let series = vec![
            (1, "lead".to_string(), "Lead".to_string()),
            (2, "proposal".to_string(), "Proposal".to_string()),
            (3, "empty".to_string(), "Empty".to_string()),
        ];
        let t = forecast_table(
            Breakdown::Stage,
            day(2026, 11, 17),
            3,
            day(2026, 11, 17),
            &r,
            Currency::USD,
            &series,
            &[
                // Late: in the first month.
                row(Some(day(2026, 9, 1)), 1, Currency::USD, 1, 1_000, 100),
                row(Some(day(2026, 11, 1)), 1, Currency::USD, 2, 2_000, 200),
                row(Some(day(2026, 12, 1)), 2, eur(), 1, 10_000, 5_000),
                row(Some(day(2027, 1, 1)), 2, Currency::USD, 1, 4_000, 2_000),
                row(Some(day(2027, 2, 1)), 1, Currency::USD, 5, 9_000, 900), // later
                row(None, 2, Currency::USD, 3, 1, 1),                        // undated
                row(
                    Some(day(2026, 12, 1)),
                    1,
                    Currency::from_code("JPY").unwrap(),
                    1,
                    500,
                    50,
                ),
            ],
        );
        assert_eq!(
            t.months,
            [day(2026, 11, 1), day(2026, 12, 1), day(2027, 1, 1)]
        );
        let keys: Vec<&str> = t.series.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["lead", "proposal"], "empty series left out");
        let lead = &t.series[0];
        assert_eq!(
            (lead.months[0].deals, lead.months[0].weighted_minor),
            (3, 300)
        );
        // The yen deal is counted but has no value.
        assert_eq!((lead.months[1].deals, lead.months[1].total_minor), (1, 0));
        let proposal = &t.series[1];
        assert_eq!(proposal.months[1].weighted_minor, 5_500, "EUR at 1.10");
        assert_eq!(t.totals[2].total_minor, 4_000);
        assert_eq!(t.total.deals, 6);
        assert_eq!((t.later_deals, t.undated_deals), (5, 3));
        assert_eq!(t.left_out.len(), 1);
        assert_eq!(t.left_out[0].currency.code(), "JPY");
    }

    #[test]
    fn stacked_bars_scale_to_the_largest_month_and_show_every_series() {
        assert_eq!(stacked_bar(&[50, 50], 100, 10), [(0, 5), (1, 5)]);
        // Half the largest month: 5 cells, rounding taken from the larger part.
        assert_eq!(stacked_bar(&[25, 0, 25], 100, 10), [(0, 3), (2, 2)]);
        // A tiny series still shows.
        assert_eq!(stacked_bar(&[99, 1], 100, 10), [(0, 9), (1, 1)]);
        assert_eq!(stacked_bar(&[0, 0], 100, 10), []);
        assert_eq!(stacked_bar(&[5], 0, 10), []);
        let many = stacked_bar(&[1; 10], 10, 20);
        assert_eq!(many.last().unwrap().0, CHART_GLYPHS.len() - 1);
    }
}
