//! KPI definitions: what is measured, in which group, with a target and a minimum
//! acceptable value; the calendar windows KPIs are measured over; and the pure
//! computation of every figure from raw counts and sums the store gathers.

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::customer::string_enum;
use super::kpi_measure::{CustomKpi, KpiFilter, Measure, MeasureRaw};
use super::kpi_target::KpiFigure;
use super::when::local_to_utc;
use super::{Currency, ValidationError};

string_enum!(
    /// The four groups of the balanced scorecard.
    KpiGroup { Financial = "financial", Customer = "customer", Internal = "internal", Growth = "growth" }
);

string_enum!(
    /// The window a KPI is measured over.
    Period { Week = "week", Month = "month", Quarter = "quarter", Year = "year", All = "all" }
);

string_enum!(
    /// What a KPI value counts, for display.
    KpiUnit { Money = "money", Count = "count", Percent = "percent", Days = "days", Score = "score", Nps = "nps", Rate = "rate" }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiDefinition {
    pub key: String,
    pub name: String,
    pub group: KpiGroup,
    pub unit: KpiUnit,
    /// The value we aim for.
    pub target: KpiFigure,
    /// The worst value we accept: a floor when higher is better, a ceiling otherwise.
    pub minimum: KpiFigure,
    pub higher_is_better: bool,
    pub period: Period,
}

/// Where a measured value stands against its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStanding {
    BelowMinimum,
    BetweenMinimumAndTarget,
    AtTarget,
}

impl KpiDefinition {
    /// Where `value` stands against this definition's own target and minimum.
    pub fn standing(&self, value: f64) -> KpiStanding {
        standing(
            self.higher_is_better,
            value,
            self.target.as_f64(),
            self.minimum.as_f64(),
        )
    }
}

/// Where `value` stands against `target` and `minimum`.
fn standing(higher_is_better: bool, value: f64, target: f64, minimum: f64) -> KpiStanding {
    let (value, target, minimum) = if higher_is_better {
        (value, target, minimum)
    } else {
        (-value, -target, -minimum)
    };
    if value >= target {
        KpiStanding::AtTarget
    } else if value >= minimum {
        KpiStanding::BetweenMinimumAndTarget
    } else {
        KpiStanding::BelowMinimum
    }
}

/// The KPIs a new database starts with: `(key, name, group, unit, target, minimum, higher_is_better)`.
/// Money targets are in major units of the reporting currency.
pub const DEFAULT_KPIS: &[(&str, &str, KpiGroup, KpiUnit, KpiFigure, KpiFigure, bool)] = &[
    (
        "revenue_won",
        "Revenue won",
        KpiGroup::Financial,
        KpiUnit::Money,
        KpiFigure::whole(50_000),
        KpiFigure::whole(30_000),
        true,
    ),
    (
        "deals_won",
        "Deals won",
        KpiGroup::Financial,
        KpiUnit::Count,
        KpiFigure::whole(10),
        KpiFigure::whole(6),
        true,
    ),
    (
        "win_rate",
        "Win rate",
        KpiGroup::Internal,
        KpiUnit::Percent,
        KpiFigure::whole(35),
        KpiFigure::whole(20),
        true,
    ),
    (
        "avg_cycle_days",
        "Avg sales cycle",
        KpiGroup::Internal,
        KpiUnit::Days,
        KpiFigure::whole(30),
        KpiFigure::whole(60),
        false,
    ),
    (
        "new_customers",
        "New customers",
        KpiGroup::Customer,
        KpiUnit::Count,
        KpiFigure::whole(20),
        KpiFigure::whole(10),
        true,
    ),
    (
        "avg_satisfaction",
        "Avg satisfaction",
        KpiGroup::Customer,
        KpiUnit::Score,
        KpiFigure::from_milli(4_500),
        KpiFigure::from_milli(3_500),
        true,
    ),
    (
        "followups_on_time",
        "Follow-ups on time",
        KpiGroup::Growth,
        KpiUnit::Percent,
        KpiFigure::whole(90),
        KpiFigure::whole(75),
        true,
    ),
    (
        "overdue_followups",
        "Overdue follow-ups",
        KpiGroup::Growth,
        KpiUnit::Count,
        KpiFigure::whole(0),
        KpiFigure::whole(10),
        false,
    ),
    // Added in schema V4: last, so old and new databases list KPIs alike.
    (
        "avg_won_deal",
        "Avg won deal",
        KpiGroup::Financial,
        KpiUnit::Money,
        KpiFigure::whole(5_000),
        KpiFigure::whole(2_000),
        true,
    ),
];

/// Where the built-in KPI `key` comes in [`DEFAULT_KPIS`] (the order they are shown
/// and were seeded in); one that is not there comes after them all.
pub fn builtin_position(key: &str) -> usize {
    DEFAULT_KPIS
        .iter()
        .position(|k| k.0 == key)
        .unwrap_or(usize::MAX)
}

/// The KPIs whose figure is a total over the window: a longer window holds more won
/// revenue, deals and new customers, so their targets are set per the definition's
/// period and scale with the window's length. Rates, averages and counts of now
/// (overdue follow-ups) mean the same over any window and keep their targets.
pub const TOTALS: &[&str] = &["revenue_won", "deals_won", "new_customers"];

/// Days in a year, for explicit ranges that are not whole months.
const DAYS_PER_YEAR: f64 = 365.0;

impl KpiDefinition {
    /// Whether this KPI is a total whose target scales with the window (see [`TOTALS`]).
    pub fn is_total(&self) -> bool {
        TOTALS.contains(&self.key.as_str())
    }

    /// How many of this definition's periods `range` is long: 3 for a quarter of a
    /// monthly target, 12/52 for a week. `None` for all time, which has no length to
    /// scale a total's target to; 1 for every KPI that is not a total.
    pub fn scale_to(&self, range: &KpiRange) -> Option<f64> {
        self.scale_as(self.is_total(), range)
    }

    /// [`Self::scale_to`] for a KPI that is a total or not (a defined KPI is one when
    /// its measure is).
    pub fn scale_as(&self, total: bool, range: &KpiRange) -> Option<f64> {
        if !total {
            return Some(1.0);
        }
        Some(range.months()? / self.period.months()?)
    }

    /// The target and minimum over `range`: a total's scaled by [`Self::scale_to`] and
    /// rounded to what its unit shows (whole counts, whole units of money), anything
    /// else's as set. `None` when the range has no length and this is a total.
    pub fn aims_over(&self, range: &KpiRange) -> Option<(f64, f64)> {
        self.aims_as(self.is_total(), range)
    }

    /// [`Self::aims_over`] for a KPI that is a total or not.
    pub fn aims_as(&self, total: bool, range: &KpiRange) -> Option<(f64, f64)> {
        let scale = self.scale_as(total, range)?;
        let scaled = |f: KpiFigure| {
            let v = f.as_f64() * scale;
            if scale == 1.0 {
                v
            } else {
                match self.unit {
                    KpiUnit::Count | KpiUnit::Money => v.round(),
                    _ => v,
                }
            }
        };
        Some((scaled(self.target), scaled(self.minimum)))
    }
}

impl KpiStanding {
    /// Short words for a status column: `below minimum`, `between`, `at target`.
    pub fn label(self) -> &'static str {
        match self {
            Self::BelowMinimum => "below minimum",
            Self::BetweenMinimumAndTarget => "between",
            Self::AtTarget => "at target",
        }
    }
}

/// The first instant of a local calendar day, in UTC. Where midnight falls in a
/// daylight-saving gap (some zones change clocks at 00:00), the day starts at the
/// first wall-clock minute that exists.
fn start_of_day<Tz: TimeZone>(tz: &Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=24 * 60)
        .find_map(|m| local_to_utc("date", tz, midnight + Duration::minutes(m)).ok())
        .unwrap_or_else(|| midnight.and_utc())
}

/// The first day of the month `day` is in.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn add_months(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

impl Period {
    /// How long the period is, in months (a week is 12/52 of one); all time has no length.
    pub fn months(self) -> Option<f64> {
        match self {
            Self::Week => Some(12.0 / 52.0),
            Self::Month => Some(1.0),
            Self::Quarter => Some(3.0),
            Self::Year => Some(12.0),
            Self::All => None,
        }
    }

    /// The local calendar days of the current period around `today`, as
    /// `(first day, first day after)`. Weeks start on Monday; quarters on 1 January,
    /// April, July and October. `All` runs from 1970-01-01 through today.
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let after =
            |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX);
        match self {
            Self::Week => {
                let monday = today
                    .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
                    .unwrap_or(today);
                (monday, after(monday, 7))
            }
            Self::Month => {
                let first = first_of_month(today);
                (first, add_months(first, 1))
            }
            Self::Quarter => {
                let month = (today.month0() / 3) * 3 + 1;
                let first = NaiveDate::from_ymd_opt(today.year(), month, 1).unwrap_or(today);
                (first, add_months(first, 3))
            }
            Self::Year => {
                let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                (first, add_months(first, 12))
            }
            Self::All => (DateTime::UNIX_EPOCH.date_naive(), after(today, 1)),
        }
    }

    /// The current period in the operator's time zone, as UTC instants
    /// `[from, to)`: week = Monday 00:00 local to the next Monday, month, quarter and
    /// year likewise from local midnight of their first day. `All` runs from the Unix
    /// epoch to one second after `now`.
    pub fn range<Tz: TimeZone>(self, now: &DateTime<Tz>) -> (DateTime<Utc>, DateTime<Utc>) {
        if self == Self::All {
            return (
                DateTime::UNIX_EPOCH,
                now.with_timezone(&Utc) + Duration::seconds(1),
            );
        }
        let (first, end) = self.days(now.date_naive());
        let tz = now.timezone();
        (start_of_day(&tz, first), start_of_day(&tz, end))
    }
}

/// What KPIs are measured over: the current calendar period, or explicit days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiRange {
    Period(Period),
    /// Local calendar days, both inclusive.
    Dates {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl From<Period> for KpiRange {
    fn from(p: Period) -> Self {
        Self::Period(p)
    }
}

/// A resolved measuring window: instants for timestamps, local days for the dates
/// stored as calendar days (a deal's `closed_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiWindow {
    /// The first instant inside.
    pub from: DateTime<Utc>,
    /// The first instant after.
    pub to: DateTime<Utc>,
    /// The first local day inside.
    pub first_day: NaiveDate,
    /// The first local day after.
    pub end_day: NaiveDate,
}

impl KpiRange {
    /// Explicit days, `from` through `to` inclusive. Refuses `from` after `to`.
    pub fn dates(from: NaiveDate, to: NaiveDate) -> Result<Self, ValidationError> {
        if from > to {
            return Err(ValidationError::new(
                "from",
                format!("{from} is after the end date {to}"),
            ));
        }
        Ok(Self::Dates { from, to })
    }

    /// How long the range is, in months: a period's length, whole calendar months as
    /// that many months, other days as days × 12/365; all time has none.
    pub fn months(&self) -> Option<f64> {
        match *self {
            Self::Period(p) => p.months(),
            Self::Dates { from, to } => {
                let end = to.checked_add_days(Days::new(1))?;
                let months =
                    (end.year() - from.year()) * 12 + end.month0() as i32 - from.month0() as i32;
                if from.day() == 1 && end.day() == 1 && months > 0 {
                    Some(f64::from(months))
                } else {
                    Some((end - from).num_days() as f64 * 12.0 / DAYS_PER_YEAR)
                }
            }
        }
    }

    /// `month`, `all`, or `2026-11-01 to 2026-11-30`.
    pub fn label(&self) -> String {
        match self {
            Self::Period(p) => p.as_str().to_string(),
            Self::Dates { from, to } => format!("{from} to {to}"),
        }
    }

    /// The window around `now` in `now`'s time zone. Explicit dates run from local
    /// midnight of `from` to local midnight of the day after `to`.
    pub fn window<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Result<KpiWindow, ValidationError> {
        match *self {
            Self::Period(p) => {
                let (from, to) = p.range(now);
                let (first_day, end_day) = p.days(now.date_naive());
                Ok(KpiWindow {
                    from,
                    to,
                    first_day,
                    end_day,
                })
            }
            Self::Dates { from, to } => {
                Self::dates(from, to)?;
                let end_day = to.checked_add_days(Days::new(1)).ok_or_else(|| {
                    ValidationError::new("to", format!("{to} is too far in the future"))
                })?;
                let tz = now.timezone();
                Ok(KpiWindow {
                    from: start_of_day(&tz, from),
                    to: start_of_day(&tz, end_day),
                    first_day: from,
                    end_day,
                })
            }
        }
    }
}

/// The raw figures behind the KPIs for one window, gathered by the store. Counts and
/// sums only: [`compute`] turns them into values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiInputs {
    /// The reporting currency: revenue counts only deals in it.
    pub currency: Currency,
    /// Sum of amounts (minor units of `currency`) of won deals closed in the window.
    pub revenue_won_minor: i128,
    /// Won deals closed in the window, in any currency.
    pub won: i64,
    /// Lost deals closed in the window, in any currency.
    pub lost: i64,
    /// Won deals closed in the window in another currency: left out of revenue.
    pub other_currency_won: i64,
    /// Sum over won deals closed in the window of `closed_on − created day`, in days
    /// (the created day is the UTC date of `created_at`, as the store's close-date
    /// check uses).
    pub cycle_days_total: i64,
    /// Customers created in the window.
    pub new_customers: i64,
    /// Sum and count of satisfaction scores of interactions that occurred in the window.
    pub satisfaction_total: i64,
    pub satisfaction_count: i64,
    /// Follow-ups originally due in the window and not after now.
    pub followups_due: i64,
    /// Of those, the ones done no later than 24 hours after their original due time.
    pub followups_done_on_time: i64,
    /// Open follow-ups whose effective due time (the snooze time if snoozed, else the
    /// due time) is before now, whatever the window.
    pub overdue_followups: i64,
}

impl KpiInputs {
    /// All zero, in `currency`.
    pub fn empty(currency: Currency) -> Self {
        Self {
            currency,
            revenue_won_minor: 0,
            won: 0,
            lost: 0,
            other_currency_won: 0,
            cycle_days_total: 0,
            new_customers: 0,
            satisfaction_total: 0,
            satisfaction_count: 0,
            followups_due: 0,
            followups_done_on_time: 0,
            overdue_followups: 0,
        }
    }

    /// The value of the KPI `key`, or `None` when there is no data for it (or no
    /// computation for that key):
    ///
    /// - `revenue_won`: sum of amounts of deals won with `closed_on` in the window, in
    ///   the reporting currency, in major units (display only);
    /// - `avg_won_deal`: `revenue_won` divided by the won deals in the reporting currency;
    /// - `deals_won`: won deals closed in the window, all currencies;
    /// - `win_rate`: won / (won + lost) × 100 over deals closed in the window;
    /// - `avg_cycle_days`: mean of (`closed_on` − day of `created_at`) in days over won
    ///   deals closed in the window;
    /// - `new_customers`: customers created in the window;
    /// - `avg_satisfaction`: mean satisfaction score of interactions in the window;
    /// - `followups_on_time`: among follow-ups whose original due time is in the
    ///   window and not after now, the percent done within 24 hours of it (snoozing
    ///   does not move the original due time);
    /// - `overdue_followups`: open follow-ups whose effective due time is before now,
    ///   a current count independent of the window.
    pub fn figure(&self, key: &str) -> Option<f64> {
        let value = match key {
            "revenue_won" => Some(
                self.revenue_won_minor as f64 / 10f64.powi(i32::from(self.currency.exponent())),
            ),
            "avg_won_deal" => {
                let won_here = self.won - self.other_currency_won;
                (won_here > 0).then(|| {
                    self.revenue_won_minor as f64
                        / won_here as f64
                        / 10f64.powi(i32::from(self.currency.exponent()))
                })
            }
            "deals_won" => Some(self.won as f64),
            "win_rate" => percent(self.won, self.won + self.lost),
            "avg_cycle_days" => mean(self.cycle_days_total, self.won),
            "new_customers" => Some(self.new_customers as f64),
            "avg_satisfaction" => mean(self.satisfaction_total, self.satisfaction_count),
            "followups_on_time" => percent(self.followups_done_on_time, self.followups_due),
            "overdue_followups" => Some(self.overdue_followups as f64),
            _ => None,
        };
        value.filter(|v| v.is_finite())
    }
}

fn mean(total: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| total as f64 / count as f64)
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// One KPI measured: its definition and value, and where the value stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiValue {
    pub key: String,
    pub name: String,
    pub group: KpiGroup,
    pub unit: KpiUnit,
    /// `None` when there is no data (a win rate with no closed deal) or the key has
    /// no computation.
    pub value: Option<f64>,
    /// The target and minimum over the measured range (see
    /// [`KpiDefinition::aims_over`]); `None` for a total over all time.
    pub target: Option<f64>,
    pub minimum: Option<f64>,
    /// How many of its definition's periods the target was scaled to (1 for a KPI
    /// that is not a total); `None` with no target.
    pub target_scale: Option<f64>,
    /// The period the definition's target and minimum are set for.
    pub target_period: Period,
    pub higher_is_better: bool,
    /// `None` when `value` is, or there is no target to stand against.
    pub standing: Option<KpiStanding>,
    /// Whether it is a total over the window (its target scales with the window).
    #[serde(default)]
    pub total: bool,
    /// A KPI the business defined: what it measures (absent for the built-in ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// What a defined KPI counts only.
    #[serde(default, skip_serializing_if = "KpiFilter::is_empty")]
    pub filter: KpiFilter,
    /// The value in each of the report's trend periods, oldest first, the current one
    /// last (see `KpiReport::trend_periods`); empty when no trend was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<Option<f64>>,
    /// What the value leaves out, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl KpiValue {
    /// The status words: `below minimum`, `between`, `at target`, `no data`, or
    /// `no target` (a total over all time).
    pub fn status(&self) -> &'static str {
        match (self.value, self.standing) {
            (None, _) => "no data",
            (Some(_), None) => "no target",
            (Some(_), Some(s)) => s.label(),
        }
    }
}

/// Measures every definition against `inputs`, gathered over `range`, in the
/// definitions' order; targets and minimums are those over `range`.
pub fn compute(defs: &[KpiDefinition], inputs: &KpiInputs, range: &KpiRange) -> Vec<KpiValue> {
    defs.iter()
        .map(|d| {
            let value = inputs.figure(&d.key);
            let aims = d.aims_over(range);
            let standing = match (value, aims) {
                (Some(v), Some((target, minimum))) => {
                    Some(standing(d.higher_is_better, v, target, minimum))
                }
                _ => None,
            };
            KpiValue {
                key: d.key.clone(),
                name: d.name.clone(),
                group: d.group,
                unit: d.unit,
                value,
                target: aims.map(|a| a.0),
                minimum: aims.map(|a| a.1),
                target_scale: aims.and(d.scale_to(range)),
                target_period: d.period,
                higher_is_better: d.higher_is_better,
                standing,
                total: d.is_total(),
                measure: None,
                filter: KpiFilter::default(),
                trend: Vec::new(),
                note: None,
            }
        })
        .collect()
}

/// The built-in KPI `key`'s measure: what its trend is computed with. Every built-in
/// KPI is one of the catalogue's measures, unfiltered.
pub fn builtin_measure(key: &str) -> Option<Measure> {
    Some(match key {
        "revenue_won" => Measure::RevenueWon,
        "deals_won" => Measure::DealsWon,
        "win_rate" => Measure::WinRate,
        "avg_cycle_days" => Measure::CycleDays,
        "new_customers" => Measure::NewCustomers,
        "avg_satisfaction" => Measure::AvgSatisfaction,
        "followups_on_time" => Measure::FollowupsOnTime,
        "overdue_followups" => Measure::OverdueFollowups,
        "avg_won_deal" => Measure::AvgDeal,
        _ => return None,
    })
}

/// Measures a defined KPI from `raw`, gathered over `range` in `currency`.
pub fn compute_custom(
    kpi: &CustomKpi,
    raw: &MeasureRaw,
    range: &KpiRange,
    currency: Currency,
) -> KpiValue {
    let d = kpi.definition();
    let total = kpi.measure.is_total();
    let value = kpi.measure.value(raw, currency);
    let aims = d.aims_as(total, range);
    let standing = match (value, aims) {
        (Some(v), Some((target, minimum))) => {
            Some(standing(d.higher_is_better, v, target, minimum))
        }
        _ => None,
    };
    KpiValue {
        key: d.key.clone(),
        name: d.name.clone(),
        group: d.group,
        unit: d.unit,
        value,
        target: aims.map(|a| a.0),
        minimum: aims.map(|a| a.1),
        target_scale: aims.and(d.scale_as(total, range)),
        target_period: d.period,
        higher_is_better: d.higher_is_better,
        standing,
        total,
        measure: Some(kpi.measure),
        filter: kpi.filter.clone(),
        trend: Vec::new(),
        note: kpi.measure.left_out_note(raw),
    }
}

/// How many periods a trend shows.
pub const TREND_PERIODS: usize = 12;

impl KpiRange {
    /// The `n` consecutive ranges of this one's length ending with it, oldest first:
    /// the last 12 months for the month, 12 spans of as many days before explicit
    /// dates. `None` for all time, which has no length to step back by.
    pub fn trend(&self, today: NaiveDate, n: usize) -> Option<Vec<KpiRange>> {
        let back = |k: usize| -> Option<KpiRange> {
            let k32 = u32::try_from(k).ok()?;
            match *self {
                Self::Period(Period::All) => None,
                Self::Period(Period::Week) => {
                    let (first, _) = Period::Week.days(today);
                    let first = first.checked_sub_days(Days::new(7 * k as u64))?;
                    let last = first.checked_add_days(Days::new(6))?;
                    Some(Self::Dates {
                        from: first,
                        to: last,
                    })
                }
                Self::Period(p) => {
                    let months = p.months()? as u32;
                    let (first, _) = p.days(today);
                    let first = first.checked_sub_months(Months::new(months * k32))?;
                    let last = first
                        .checked_add_months(Months::new(months))?
                        .checked_sub_days(Days::new(1))?;
                    Some(Self::Dates {
                        from: first,
                        to: last,
                    })
                }
                Self::Dates { from, to } => {
                    let days = (to - from).num_days().max(0) as u64 + 1;
                    Some(Self::Dates {
                        from: from.checked_sub_days(Days::new(days * k as u64))?,
                        to: to.checked_sub_days(Days::new(days * k as u64))?,
                    })
                }
            }
        };
        (0..n).rev().map(back).collect()
    }
}

/// Deals in one currency that a report in another leaves out of its money figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub currency: Currency,
    pub deals: i64,
    /// Sum of their amounts, minor units of `currency`.
    pub total_minor: i128,
}

/// One month of the weighted-pipeline forecast: open deals expected to close in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastMonth {
    /// The first day of the month.
    pub month: NaiveDate,
    pub deals: i64,
    /// Sum of amounts, minor units of the reporting currency.
    pub total_minor: i128,
    /// Sum over deals of amount × probability / 100, each rounded down to a whole
    /// minor unit.
    pub weighted_minor: i128,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(higher: bool, target: i64, minimum: i64) -> KpiDefinition {
        KpiDefinition {
            key: "k".into(),
            name: "K".into(),
            group: KpiGroup::Financial,
            unit: KpiUnit::Count,
            target: KpiFigure::whole(target),
            minimum: KpiFigure::whole(minimum),
            higher_is_better: higher,
            period: Period::Month,
        }
    }

    #[test]
    fn standing_for_higher_and_lower_is_better() {
        let up = def(true, 10, 5);
        assert_eq!(up.standing(12.0), KpiStanding::AtTarget);
        assert_eq!(up.standing(7.0), KpiStanding::BetweenMinimumAndTarget);
        assert_eq!(up.standing(2.0), KpiStanding::BelowMinimum);
        let down = def(false, 30, 60);
        assert_eq!(down.standing(20.0), KpiStanding::AtTarget);
        assert_eq!(down.standing(45.0), KpiStanding::BetweenMinimumAndTarget);
        assert_eq!(down.standing(90.0), KpiStanding::BelowMinimum);
    }

    use chrono::FixedOffset;

    /// Tehran, UTC+03:30 (no DST since 2022).
    fn tehran(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(3 * 3600 + 1800)
            .unwrap()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn week_starts_on_monday_local_midnight() {
        // Monday 2026-11-23, 23:30 local: the week is that Monday to the next.
        let (from, to) = Period::Week.range(&tehran(2026, 11, 23, 23, 30));
        assert_eq!(from, utc("2026-11-22T20:30:00Z"));
        assert_eq!(to, utc("2026-11-29T20:30:00Z"));
        // Sunday night is still the same week…
        assert_eq!(
            Period::Week.range(&tehran(2026, 11, 29, 23, 59)),
            (from, to)
        );
        // …and Monday 00:00 local starts the next one, though it is Sunday in UTC.
        let next = tehran(2026, 11, 30, 0, 0);
        assert_eq!(next.with_timezone(&Utc).date_naive(), day(2026, 11, 29));
        assert_eq!(Period::Week.range(&next).0, to);
        // A week spanning a month and year boundary.
        assert_eq!(
            Period::Week.days(day(2027, 1, 1)),
            (day(2026, 12, 28), day(2027, 1, 4))
        );
    }

    #[test]
    fn months_quarters_and_years() {
        let n = tehran(2026, 11, 23, 10, 0);
        assert_eq!(
            Period::Month.range(&n),
            (utc("2026-10-31T20:30:00Z"), utc("2026-11-30T20:30:00Z"))
        );
        assert_eq!(
            Period::Quarter.range(&n),
            (utc("2026-09-30T20:30:00Z"), utc("2026-12-31T20:30:00Z"))
        );
        assert_eq!(
            Period::Year.range(&n),
            (utc("2025-12-31T20:30:00Z"), utc("2026-12-31T20:30:00Z"))
        );
        // Quarter boundaries: 1 Jan, 1 Apr, 1 Jul, 1 Oct.
        for (today, first, end) in [
            (day(2026, 1, 1), day(2026, 1, 1), day(2026, 4, 1)),
            (day(2026, 3, 31), day(2026, 1, 1), day(2026, 4, 1)),
            (day(2026, 4, 1), day(2026, 4, 1), day(2026, 7, 1)),
            (day(2026, 6, 30), day(2026, 4, 1), day(2026, 7, 1)),
            (day(2026, 7, 1), day(2026, 7, 1), day(2026, 10, 1)),
            (day(2026, 10, 1), day(2026, 10, 1), day(2027, 1, 1)),
            (day(2026, 12, 31), day(2026, 10, 1), day(2027, 1, 1)),
        ] {
            assert_eq!(Period::Quarter.days(today), (first, end), "{today}");
        }
        // Year end: the last minute of the year is still this year; February in a
        // leap year ends on the 29th.
        let last = tehran(2026, 12, 31, 23, 59);
        assert_eq!(
            Period::Year.days(last.date_naive()),
            (day(2026, 1, 1), day(2027, 1, 1))
        );
        assert_eq!(
            Period::Month.days(last.date_naive()),
            (day(2026, 12, 1), day(2027, 1, 1))
        );
        assert_eq!(
            Period::Month.days(day(2028, 2, 29)),
            (day(2028, 2, 1), day(2028, 3, 1))
        );
        // In UTC the local new year is still 31 December.
        assert_eq!(
            Period::Year.range(&tehran(2027, 1, 1, 0, 0)).0,
            utc("2026-12-31T20:30:00Z")
        );
    }

    #[test]
    fn all_runs_from_the_epoch_to_just_after_now() {
        let n = tehran(2026, 11, 23, 10, 0);
        let (from, to) = Period::All.range(&n);
        assert_eq!(from, DateTime::UNIX_EPOCH);
        assert_eq!(to, utc("2026-11-23T06:30:01Z"));
        assert_eq!(
            Period::All.days(n.date_naive()),
            (day(1970, 1, 1), day(2026, 11, 24))
        );
    }

    #[test]
    fn explicit_dates_are_inclusive_and_ordered() {
        let n = tehran(2026, 11, 23, 10, 0);
        let r = KpiRange::dates(day(2026, 11, 1), day(2026, 11, 15)).unwrap();
        assert_eq!(r.label(), "2026-11-01 to 2026-11-15");
        let w = r.window(&n).unwrap();
        assert_eq!(
            (w.from, w.to),
            (utc("2026-10-31T20:30:00Z"), utc("2026-11-15T20:30:00Z"))
        );
        assert_eq!(
            (w.first_day, w.end_day),
            (day(2026, 11, 1), day(2026, 11, 16))
        );
        // A single day is a valid range.
        let one = KpiRange::dates(day(2026, 11, 1), day(2026, 11, 1)).unwrap();
        assert_eq!(one.window(&n).unwrap().end_day, day(2026, 11, 2));
        let err = KpiRange::dates(day(2026, 11, 2), day(2026, 11, 1)).unwrap_err();
        assert_eq!(err.field, "from");
        assert!(err.reason.contains("after"), "{err}");
        // Built directly, a reversed range is still refused when resolved.
        let reversed = KpiRange::Dates {
            from: day(2026, 11, 2),
            to: day(2026, 11, 1),
        };
        assert_eq!(reversed.window(&n).unwrap_err().field, "from");
        let w = KpiRange::Period(Period::Month).window(&n).unwrap();
        assert_eq!(
            (w.first_day, w.end_day),
            (day(2026, 11, 1), day(2026, 12, 1))
        );
        assert_eq!(KpiRange::from(Period::Quarter).label(), "quarter");
    }

    fn defaults() -> Vec<KpiDefinition> {
        DEFAULT_KPIS
            .iter()
            .map(
                |&(key, name, group, unit, target, minimum, higher)| KpiDefinition {
                    key: key.into(),
                    name: name.into(),
                    group,
                    unit,
                    target,
                    minimum,
                    higher_is_better: higher,
                    period: Period::Month,
                },
            )
            .collect()
    }

    const MONTH: KpiRange = KpiRange::Period(Period::Month);

    #[test]
    fn totals_targets_follow_the_period_and_the_others_keep_theirs() {
        let aims = |range: KpiRange| -> Vec<(String, Option<f64>, Option<f64>)> {
            compute(&defaults(), &KpiInputs::empty(Currency::USD), &range)
                .into_iter()
                .map(|v| (v.key, v.target, v.minimum))
                .collect()
        };
        let of = |all: &[(String, Option<f64>, Option<f64>)], key: &str| {
            all.iter()
                .find(|(k, ..)| k == key)
                .map(|(_, t, m)| (*t, *m))
                .unwrap()
        };
        let month = aims(MONTH);
        assert_eq!(of(&month, "revenue_won"), (Some(50_000.0), Some(30_000.0)));
        let week = aims(Period::Week.into());
        // 12/52 of a month, rounded to what the unit shows.
        assert_eq!(of(&week, "revenue_won"), (Some(11_538.0), Some(6_923.0)));
        assert_eq!(of(&week, "deals_won"), (Some(2.0), Some(1.0)));
        assert_eq!(of(&week, "new_customers"), (Some(5.0), Some(2.0)));
        let quarter = aims(Period::Quarter.into());
        assert_eq!(
            of(&quarter, "revenue_won"),
            (Some(150_000.0), Some(90_000.0))
        );
        let year = aims(Period::Year.into());
        assert_eq!(of(&year, "revenue_won"), (Some(600_000.0), Some(360_000.0)));
        assert_eq!(of(&year, "new_customers"), (Some(240.0), Some(120.0)));
        // Rates, averages and counts of now mean the same over any window.
        for key in [
            "win_rate",
            "avg_cycle_days",
            "avg_satisfaction",
            "followups_on_time",
            "overdue_followups",
            "avg_won_deal",
        ] {
            assert_eq!(of(&week, key), of(&month, key), "{key}");
            assert_eq!(of(&year, key), of(&month, key), "{key}");
        }
        // All time has no length, so no target for totals…
        let all = aims(Period::All.into());
        assert_eq!(of(&all, "revenue_won"), (None, None));
        assert_eq!(of(&all, "win_rate"), of(&month, "win_rate"));
        // …and an explicit range is whole months where it can be, else days.
        let november = KpiRange::dates(day(2026, 11, 1), day(2026, 11, 30)).unwrap();
        assert_eq!(of(&aims(november), "revenue_won").0, Some(50_000.0));
        let two = KpiRange::dates(day(2026, 11, 1), day(2026, 12, 31)).unwrap();
        assert_eq!(of(&aims(two), "deals_won").0, Some(20.0));
        let fortnight = KpiRange::dates(day(2026, 11, 2), day(2026, 11, 15)).unwrap();
        assert_eq!(of(&aims(fortnight), "revenue_won").0, Some(23_014.0));
    }

    #[test]
    fn a_total_stands_against_its_scaled_target_and_all_time_has_none() {
        let mut inputs = KpiInputs::empty(Currency::USD);
        inputs.new_customers = 30;
        let by = |range: KpiRange| {
            compute(&defaults(), &inputs, &range)
                .into_iter()
                .find(|v| v.key == "new_customers")
                .unwrap()
        };
        // 30 new customers: at target for a month (20), far below for a year (240).
        assert_eq!(by(MONTH).standing, Some(KpiStanding::AtTarget));
        assert_eq!(
            by(Period::Year.into()).standing,
            Some(KpiStanding::BelowMinimum)
        );
        assert_eq!(by(Period::Year.into()).target_scale, Some(12.0));
        let all = by(Period::All.into());
        assert_eq!((all.standing, all.status()), (None, "no target"));
        assert_eq!(by(MONTH).status(), "at target");
    }

    fn values(inputs: &KpiInputs) -> Vec<(String, Option<f64>, Option<KpiStanding>)> {
        compute(&defaults(), inputs, &MONTH)
            .into_iter()
            .map(|v| (v.key, v.value, v.standing))
            .collect()
    }

    #[test]
    fn computes_every_figure_from_inputs() {
        use KpiStanding::*;
        let inputs = KpiInputs {
            currency: Currency::USD,
            revenue_won_minor: 2_900_050,
            won: 7,
            lost: 3,
            other_currency_won: 2,
            cycle_days_total: 140,
            new_customers: 12,
            satisfaction_total: 18,
            satisfaction_count: 4,
            followups_due: 8,
            followups_done_on_time: 6,
            overdue_followups: 11,
        };
        let got = values(&inputs);
        let expected = [
            ("revenue_won", 29_000.5, BelowMinimum),
            ("deals_won", 7.0, BetweenMinimumAndTarget),
            ("win_rate", 70.0, AtTarget),
            ("avg_cycle_days", 20.0, AtTarget),
            ("new_customers", 12.0, BetweenMinimumAndTarget),
            ("avg_satisfaction", 4.5, AtTarget),
            ("followups_on_time", 75.0, BetweenMinimumAndTarget),
            ("overdue_followups", 11.0, BelowMinimum),
            // 29,000.50 over the 5 deals won in USD (2 were in another currency).
            ("avg_won_deal", 5_800.1, AtTarget),
        ];
        assert_eq!(got.len(), expected.len());
        for ((key, value, standing), (k, v, s)) in got.iter().zip(expected) {
            assert_eq!(
                (key.as_str(), *value, *standing),
                (k, Some(v), Some(s)),
                "{k}"
            );
        }
        let v = &compute(&defaults(), &inputs, &MONTH)[0];
        assert_eq!(
            (
                v.name.as_str(),
                v.group,
                v.unit,
                v.target,
                v.minimum,
                v.higher_is_better
            ),
            (
                "Revenue won",
                KpiGroup::Financial,
                KpiUnit::Money,
                Some(50_000.0),
                Some(30_000.0),
                true
            )
        );
    }

    #[test]
    fn revenue_uses_the_currency_exponent() {
        let mut inputs = KpiInputs::empty(Currency::from_code("JPY").unwrap());
        inputs.revenue_won_minor = 1_500;
        assert_eq!(inputs.figure("revenue_won"), Some(1_500.0));
        inputs.currency = Currency::from_code("KWD").unwrap();
        assert_eq!(inputs.figure("revenue_won"), Some(1.5));
    }

    #[test]
    fn no_data_gives_no_value_and_no_standing() {
        let got = values(&KpiInputs::empty(Currency::USD));
        let by_key = |k: &str| got.iter().find(|(key, ..)| key == k).unwrap().clone();
        for key in [
            "win_rate",
            "avg_cycle_days",
            "avg_satisfaction",
            "followups_on_time",
        ] {
            assert_eq!(by_key(key), (key.to_string(), None, None), "{key}");
        }
        // Counts of nothing are zero, not "no data".
        assert_eq!(
            by_key("revenue_won"),
            (
                "revenue_won".into(),
                Some(0.0),
                Some(KpiStanding::BelowMinimum)
            )
        );
        assert_eq!(
            by_key("overdue_followups"),
            (
                "overdue_followups".into(),
                Some(0.0),
                Some(KpiStanding::AtTarget)
            )
        );
        // Only lost deals: a win rate of 0, but no cycle (no won deal).
        let mut lost_only = KpiInputs::empty(Currency::USD);
        lost_only.lost = 2;
        assert_eq!(lost_only.figure("win_rate"), Some(0.0));
        assert_eq!(lost_only.figure("avg_cycle_days"), None);
    }

    #[test]
    fn an_unknown_key_has_no_value() {
        let mut defs = defaults();
        defs[0].key = "churn_rate".into();
        let v = &compute(&defs, &KpiInputs::empty(Currency::USD), &MONTH)[0];
        assert_eq!(
            (v.key.as_str(), v.value, v.standing),
            ("churn_rate", None, None)
        );
    }

    #[test]
    fn standings_have_labels() {
        use KpiStanding::*;
        let labels = [BelowMinimum, BetweenMinimumAndTarget, AtTarget].map(KpiStanding::label);
        assert_eq!(labels, ["below minimum", "between", "at target"]);
    }
}
