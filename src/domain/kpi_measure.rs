//! KPIs the business defines: a measure from a fixed catalogue, optionally narrowed
//! by a filter (tag, stage, operator, source), with a group, a period, a target and a
//! minimum. The store counts and sums what a measure needs for a window
//! ([`MeasureRaw`]); this module turns those figures into the value, so the arithmetic
//! is the same for the command line and the app and testable without a database.

use serde::{Deserialize, Serialize};

use super::kpi::{KpiDefinition, KpiGroup, KpiUnit, Period};
use super::kpi_target::KpiFigure;
use super::{Currency, ValidationError};

/// What a defined KPI measures. The keys are what `kpi define --measure` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    RevenueWon,
    DealsWon,
    DealsLost,
    WinRate,
    AvgDeal,
    CycleDays,
    GrossProfit,
    NewCustomers,
    RepeatPurchaseRate,
    Retention,
    ChurnedCustomers,
    Csat,
    AvgSatisfaction,
    Nps,
    InteractionsPerOperatorDay,
    FollowupsOnTime,
    OverdueFollowups,
    OpenPipeline,
    WeightedPipeline,
}

/// Where a measure's figures come from: one query of the store each, shared by the
/// measures it serves; the filters that apply follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Deals won or lost with a close day in the window.
    ClosedDeals,
    /// Won deals with a close day in the window, and their costs.
    Profit,
    /// Deals open at the window's end (now, for the current one).
    OpenDeals,
    /// Customers' purchases (won deals) and the gaps between them.
    Purchases,
    /// Customers created in the window.
    NewCustomers,
    /// Satisfaction scores of interactions in the window.
    Scores,
    /// NPS answers in the window, each customer's latest.
    Nps,
    /// Interactions in the window, and the operators who logged any.
    Activity,
    /// Follow-ups due in the window.
    OnTime,
    /// Follow-ups overdue at the window's end.
    Overdue,
}

impl Source {
    /// Whom an operator filter narrows it to: the owner of deals, customers and
    /// follow-ups, the author of interactions.
    pub fn by_author(self) -> bool {
        matches!(self, Source::Scores | Source::Nps | Source::Activity)
    }
}

/// One line of the catalogue: `(measure, key, unit, higher is better, total, what it is)`.
/// A total's target scales with the window's length (see [`KpiDefinition::scale_to`]).
type Entry = (Measure, &'static str, KpiUnit, bool, bool, &'static str);

const CATALOGUE: &[Entry] = &[
    (
        Measure::RevenueWon,
        "revenue_won",
        KpiUnit::Money,
        true,
        true,
        "sum of won deals closed in the period, converted at the close day's rate",
    ),
    (
        Measure::DealsWon,
        "deals_won",
        KpiUnit::Count,
        true,
        true,
        "won deals closed in the period",
    ),
    (
        Measure::DealsLost,
        "deals_lost",
        KpiUnit::Count,
        false,
        true,
        "lost deals closed in the period",
    ),
    (
        Measure::WinRate,
        "win_rate",
        KpiUnit::Percent,
        true,
        false,
        "won / (won + lost) of deals closed in the period",
    ),
    (
        Measure::AvgDeal,
        "avg_deal",
        KpiUnit::Money,
        true,
        false,
        "revenue won / won deals counted in it",
    ),
    (
        Measure::CycleDays,
        "cycle_days",
        KpiUnit::Days,
        false,
        false,
        "mean days from creation to close of won deals",
    ),
    (
        Measure::GrossProfit,
        "gross_profit",
        KpiUnit::Money,
        true,
        true,
        "amount - cost of won deals that carry a cost (deal add/edit --cost)",
    ),
    (
        Measure::NewCustomers,
        "new_customers",
        KpiUnit::Count,
        true,
        true,
        "customers created in the period",
    ),
    (
        Measure::RepeatPurchaseRate,
        "repeat_purchase_rate",
        KpiUnit::Percent,
        true,
        false,
        "of the period's buyers, the share who have bought more than once",
    ),
    (
        Measure::Retention,
        "retention",
        KpiUnit::Percent,
        true,
        false,
        "of customers active at the start (a purchase in the 12 months before), the share not churned by the end",
    ),
    (
        Measure::ChurnedCustomers,
        "churned_customers",
        KpiUnit::Count,
        false,
        true,
        "customers whose 12 months without a purchase ran out in the period",
    ),
    (
        Measure::Csat,
        "csat",
        KpiUnit::Percent,
        true,
        false,
        "share of satisfaction scores that are 4 or 5",
    ),
    (
        Measure::AvgSatisfaction,
        "avg_satisfaction",
        KpiUnit::Score,
        true,
        false,
        "mean satisfaction score (1-5)",
    ),
    (
        Measure::Nps,
        "nps",
        KpiUnit::Nps,
        true,
        false,
        "% promoters - % detractors, each customer's latest answer in the period",
    ),
    (
        Measure::InteractionsPerOperatorDay,
        "interactions_per_operator_day",
        KpiUnit::Rate,
        true,
        false,
        "interactions / (operators who logged any × days of the period so far)",
    ),
    (
        Measure::FollowupsOnTime,
        "followups_on_time",
        KpiUnit::Percent,
        true,
        false,
        "follow-ups due in the period done within 24 hours of their due time",
    ),
    (
        Measure::OverdueFollowups,
        "overdue_followups",
        KpiUnit::Count,
        false,
        false,
        "open follow-ups past due at the period's end (now, for the current one)",
    ),
    (
        Measure::OpenPipeline,
        "open_pipeline",
        KpiUnit::Money,
        true,
        false,
        "sum of open deals in the reporting currency at the period's end",
    ),
    (
        Measure::WeightedPipeline,
        "weighted_pipeline",
        KpiUnit::Money,
        true,
        false,
        "open deals × their probability, in the reporting currency",
    ),
];

impl Measure {
    pub const ALL: &'static [Measure] = &[
        Measure::RevenueWon,
        Measure::DealsWon,
        Measure::DealsLost,
        Measure::WinRate,
        Measure::AvgDeal,
        Measure::CycleDays,
        Measure::GrossProfit,
        Measure::NewCustomers,
        Measure::RepeatPurchaseRate,
        Measure::Retention,
        Measure::ChurnedCustomers,
        Measure::Csat,
        Measure::AvgSatisfaction,
        Measure::Nps,
        Measure::InteractionsPerOperatorDay,
        Measure::FollowupsOnTime,
        Measure::OverdueFollowups,
        Measure::OpenPipeline,
        Measure::WeightedPipeline,
    ];

    fn entry(self) -> &'static Entry {
        // Every measure has its line (a test checks it).
        CATALOGUE
            .iter()
            .find(|e| e.0 == self)
            .unwrap_or(&CATALOGUE[0])
    }

    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    pub fn unit(self) -> KpiUnit {
        self.entry().2
    }

    pub fn higher_is_better(self) -> bool {
        self.entry().3
    }

    /// Whether it is a total over the window, so its target scales with the window.
    pub fn is_total(self) -> bool {
        self.entry().4
    }

    /// What it measures, in a line.
    pub fn about(self) -> &'static str {
        self.entry().5
    }

    pub fn source(self) -> Source {
        use Measure::*;
        match self {
            RevenueWon | DealsWon | DealsLost | WinRate | AvgDeal | CycleDays => {
                Source::ClosedDeals
            }
            GrossProfit => Source::Profit,
            OpenPipeline | WeightedPipeline => Source::OpenDeals,
            RepeatPurchaseRate | Retention | ChurnedCustomers => Source::Purchases,
            NewCustomers => Source::NewCustomers,
            Csat | AvgSatisfaction => Source::Scores,
            Nps => Source::Nps,
            InteractionsPerOperatorDay => Source::Activity,
            FollowupsOnTime => Source::OnTime,
            OverdueFollowups => Source::Overdue,
        }
    }

    /// Reads a measure key (any case); an unknown one is refused with the catalogue.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let t = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                let keys: Vec<&str> = Self::ALL.iter().map(|m| m.as_str()).collect();
                ValidationError::new(
                    field,
                    format!("{t:?} is not a measure; the catalogue: {}", keys.join(", ")),
                )
            })
    }

    /// Whom `--operator` narrows it to, for help and refusals.
    pub fn operator_means(self) -> &'static str {
        match self.source() {
            Source::ClosedDeals | Source::Profit | Source::OpenDeals => "the deals it owns",
            Source::Purchases | Source::NewCustomers => "the customers it owns",
            Source::Scores | Source::Nps | Source::Activity => "the interactions it logged",
            Source::OnTime | Source::Overdue => "the follow-ups it owns",
        }
    }

    /// Whether a stage filter means something for it: only the open pipeline is in a
    /// stage (won and lost deals are in the won and lost stages).
    pub fn takes_stage(self) -> bool {
        self.source() == Source::OpenDeals
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a defined KPI counts only, as the admin wrote it (the store resolves the
/// stage and operator). Each applies to the customer of the record measured (tag,
/// source), the record's owner or author (operator), or an open deal's stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A stage key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// An operator's login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl KpiFilter {
    pub fn is_empty(&self) -> bool {
        self.tag.is_none()
            && self.stage.is_none()
            && self.operator.is_none()
            && self.source.is_none()
    }

    /// `tag vip · stage proposal · operator sara · source website`, or "".
    pub fn describe(&self) -> String {
        [
            ("tag", &self.tag),
            ("stage", &self.stage),
            ("operator", &self.operator),
            ("source", &self.source),
        ]
        .iter()
        .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} {v}")))
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// The longest name of a defined KPI.
pub const MAX_NAME: usize = 40;

/// A KPI an admin defined (stored in schema 16's `custom_kpis`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomKpi {
    /// The name's key: lowercase, words joined by `_` (`VIP revenue` → `vip_revenue`).
    pub key: String,
    pub name: String,
    pub measure: Measure,
    pub filter: KpiFilter,
    pub group: KpiGroup,
    pub period: Period,
    pub target: KpiFigure,
    pub minimum: KpiFigure,
    /// The filter's stage and operator, as the store resolved them.
    #[serde(skip)]
    pub stage_id: Option<i64>,
    #[serde(skip)]
    pub operator_id: Option<i64>,
}

/// The key a name is known by: letters and digits lowercased, every other run of
/// characters one `_`, none at either end.
pub fn kpi_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            key.extend(c.to_lowercase());
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
}

/// Checks a KPI's name: 1 to [`MAX_NAME`] characters, no control characters, at
/// least one letter or digit. Returns it trimmed, with its key.
pub fn check_name(name: &str) -> Result<(String, String), ValidationError> {
    let name = name.trim();
    let bad = |why: String| Err(ValidationError::new("name", why));
    if name.is_empty() {
        return bad("a KPI needs a name".into());
    }
    if name.chars().any(char::is_control) {
        return bad("a KPI's name cannot hold control characters".into());
    }
    if name.chars().count() > MAX_NAME {
        return bad(format!(
            "{} characters is too long; at most {MAX_NAME}",
            name.chars().count()
        ));
    }
    let key = kpi_key(name);
    if key.is_empty() {
        return bad(format!("{name:?} has no letter or digit to know it by"));
    }
    Ok((name.to_string(), key))
}

/// Reads a group; `learning`, `learning-and-growth` and `learning & growth` name
/// the growth group.
pub fn parse_group(text: &str) -> Result<KpiGroup, ValidationError> {
    let t = text.trim().to_lowercase();
    let folded: String = t.chars().filter(|c| c.is_alphanumeric()).collect();
    if matches!(
        folded.as_str(),
        "learning" | "learninggrowth" | "learningandgrowth"
    ) {
        return Ok(KpiGroup::Growth);
    }
    KpiGroup::parse("group", &t)
}

impl CustomKpi {
    /// As a definition like the built-in ones: what targets are read and checked with.
    pub fn definition(&self) -> KpiDefinition {
        definition_of(
            &self.key,
            &self.name,
            self.measure,
            self.group,
            self.period,
            self.target,
            self.minimum,
        )
    }
}

/// A definition for `measure` with these aims, to read and check figures with.
pub fn definition_of(
    key: &str,
    name: &str,
    measure: Measure,
    group: KpiGroup,
    period: Period,
    target: KpiFigure,
    minimum: KpiFigure,
) -> KpiDefinition {
    KpiDefinition {
        key: key.to_string(),
        name: name.to_string(),
        group,
        unit: measure.unit(),
        target,
        minimum,
        higher_is_better: measure.higher_is_better(),
        period,
    }
}

/// Checks a filter against what `measure` can be narrowed by, and returns it with
/// its tag folded as customers' tags are and every value trimmed.
pub fn check_filter(measure: Measure, filter: &KpiFilter) -> Result<KpiFilter, ValidationError> {
    if filter.stage.is_some() && !measure.takes_stage() {
        return Err(ValidationError::new(
            "stage",
            format!(
                "{measure} counts closed deals, customers, interactions or follow-ups, not deals in a stage; --stage narrows open_pipeline and weighted_pipeline only"
            ),
        ));
    }
    for (field, value) in [("tag", &filter.tag), ("source", &filter.source)] {
        if let Some(v) = value
            && (v.trim().is_empty() || v.chars().any(char::is_control))
        {
            return Err(ValidationError::new(
                field,
                format!("{v:?} is not a {field} (empty, or holds control characters)"),
            ));
        }
    }
    let trim = |v: &Option<String>| v.as_ref().map(|v| v.trim().to_string());
    Ok(KpiFilter {
        tag: filter
            .tag
            .as_deref()
            .map(super::customer::normalise_tag)
            .transpose()?,
        stage: trim(&filter.stage),
        operator: trim(&filter.operator),
        source: trim(&filter.source),
    })
}

/// The figures of one measure over one window, as the store counts them: the value
/// is `part` alone (totals) or `part / whole` (rates and means); money in minor units
/// of the reporting currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureRaw {
    pub part: i128,
    pub whole: i128,
    /// Records the value could not count: deals in another currency without an
    /// exchange rate, won deals without a cost (gross profit).
    pub left_out: i64,
}

impl MeasureRaw {
    pub fn total(part: i128) -> Self {
        Self {
            part,
            ..Self::default()
        }
    }

    pub fn ratio(part: i128, whole: i128) -> Self {
        Self {
            part,
            whole,
            left_out: 0,
        }
    }
}

impl Measure {
    /// The value of `raw` in this measure's unit (money in major units of
    /// `currency`); `None` when there is nothing to measure (a rate with no base).
    pub fn value(self, raw: &MeasureRaw, currency: Currency) -> Option<f64> {
        use Measure::*;
        let major = 10f64.powi(i32::from(currency.exponent()));
        let ratio =
            |scale: f64| (raw.whole != 0).then(|| raw.part as f64 * scale / raw.whole as f64);
        let v = match self {
            RevenueWon | GrossProfit | OpenPipeline | WeightedPipeline => {
                Some(raw.part as f64 / major)
            }
            DealsWon | DealsLost | NewCustomers | ChurnedCustomers | OverdueFollowups => {
                Some(raw.part as f64)
            }
            WinRate | RepeatPurchaseRate | Retention | Csat | Nps | FollowupsOnTime => ratio(100.0),
            AvgDeal => (raw.whole != 0).then(|| raw.part as f64 / raw.whole as f64 / major),
            CycleDays | AvgSatisfaction | InteractionsPerOperatorDay => ratio(1.0),
        };
        v.filter(|v| v.is_finite())
    }

    /// What the value leaves out, in words, when it does: "2 deals in other
    /// currencies without an exchange rate left out".
    pub fn left_out_note(self, raw: &MeasureRaw) -> Option<String> {
        if raw.left_out == 0 {
            return None;
        }
        let n = raw.left_out;
        let deals = if n == 1 { "deal" } else { "deals" };
        Some(match self {
            Measure::GrossProfit => {
                format!("{n} won {deals} without a cost or an exchange rate left out")
            }
            Measure::OpenPipeline | Measure::WeightedPipeline => {
                format!("{n} open {deals} in other currencies left out")
            }
            _ => format!("{n} {deals} in other currencies without an exchange rate left out"),
        })
    }
}

/// What the store counts and sums for one source over one window: each source's
/// query fills its own fields (the rest stay 0). Money in minor units of the
/// reporting currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tallies {
    // Closed deals.
    pub won: i64,
    pub lost: i64,
    pub revenue: i128,
    /// Won deals in other currencies without an exchange rate: counted in `won`,
    /// not in `revenue`.
    pub revenue_left_out: i64,
    /// Days from creation to close, summed over won deals.
    pub cycle_days: i64,
    /// Amount − cost of won deals that carry a cost.
    pub profit: i128,
    /// Won deals without a cost, or in another currency without a rate.
    pub profit_left_out: i64,
    // Open deals.
    pub open_amount: i128,
    pub open_weighted: i128,
    /// Open deals in other currencies.
    pub open_left_out: i64,
    // Customers.
    pub new_customers: i64,
    /// Customers who bought in the window, and of them those who have bought more
    /// than once.
    pub buyers: i64,
    pub repeat_buyers: i64,
    /// Customers with a purchase in the 12 months before the window.
    pub active_at_start: i64,
    /// Customers whose 12 months without a purchase ran out in the window, and of
    /// them those active at its start.
    pub churned: i64,
    pub churned_of_active: i64,
    // Interactions.
    pub scores: i64,
    pub score_total: i64,
    /// Scores of 4 or 5.
    pub satisfied: i64,
    pub promoters: i64,
    pub detractors: i64,
    pub nps_answers: i64,
    pub interactions: i64,
    /// Operators who logged an interaction × days of the window so far.
    pub operator_days: i64,
    // Follow-ups.
    pub due: i64,
    pub done_on_time: i64,
    pub overdue: i64,
}

impl Measure {
    /// This measure's figures among its source's tallies.
    pub fn raw(self, t: &Tallies) -> MeasureRaw {
        use Measure::*;
        let with_left_out = |raw: MeasureRaw, left_out: i64| MeasureRaw { left_out, ..raw };
        match self {
            RevenueWon => with_left_out(MeasureRaw::total(t.revenue), t.revenue_left_out),
            DealsWon => MeasureRaw::total(t.won.into()),
            DealsLost => MeasureRaw::total(t.lost.into()),
            WinRate => MeasureRaw::ratio(t.won.into(), (t.won + t.lost).into()),
            AvgDeal => with_left_out(
                MeasureRaw::ratio(t.revenue, (t.won - t.revenue_left_out).into()),
                t.revenue_left_out,
            ),
            CycleDays => MeasureRaw::ratio(t.cycle_days.into(), t.won.into()),
            GrossProfit => with_left_out(MeasureRaw::total(t.profit), t.profit_left_out),
            NewCustomers => MeasureRaw::total(t.new_customers.into()),
            RepeatPurchaseRate => MeasureRaw::ratio(t.repeat_buyers.into(), t.buyers.into()),
            Retention => MeasureRaw::ratio(
                (t.active_at_start - t.churned_of_active).into(),
                t.active_at_start.into(),
            ),
            ChurnedCustomers => MeasureRaw::total(t.churned.into()),
            Csat => MeasureRaw::ratio(t.satisfied.into(), t.scores.into()),
            AvgSatisfaction => MeasureRaw::ratio(t.score_total.into(), t.scores.into()),
            Nps => MeasureRaw::ratio((t.promoters - t.detractors).into(), t.nps_answers.into()),
            InteractionsPerOperatorDay => {
                MeasureRaw::ratio(t.interactions.into(), t.operator_days.into())
            }
            FollowupsOnTime => MeasureRaw::ratio(t.done_on_time.into(), t.due.into()),
            OverdueFollowups => MeasureRaw::total(t.overdue.into()),
            OpenPipeline => with_left_out(MeasureRaw::total(t.open_amount), t.open_left_out),
            WeightedPipeline => with_left_out(MeasureRaw::total(t.open_weighted), t.open_left_out),
        }
    }
}

/// The catalogue as text, one measure a line: for `kpi define --help` and refusals.
pub fn catalogue_lines() -> Vec<String> {
    Measure::ALL
        .iter()
        .map(|m| {
            let better = if m.higher_is_better() {
                "higher"
            } else {
                "lower"
            };
            format!("{m} ({}, {better} is better): {}", m.unit(), m.about())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const USD: Currency = Currency::USD;

    #[test]
    fn every_measure_has_its_catalogue_line_and_round_trips() {
        assert_eq!(CATALOGUE.len(), Measure::ALL.len());
        for m in Measure::ALL {
            assert_eq!(m.entry().0, *m);
            assert_eq!(Measure::parse("measure", m.as_str()).unwrap(), *m);
            // The serde name is the key.
            assert_eq!(
                serde_json::to_string(m).unwrap(),
                format!("\"{}\"", m.as_str())
            );
        }
        assert_eq!(
            Measure::parse("measure", " Win_Rate ").unwrap(),
            Measure::WinRate
        );
        let err = Measure::parse("measure", "profit").unwrap_err();
        assert_eq!(err.field, "measure");
        assert!(
            err.reason
                .starts_with("\"profit\" is not a measure; the catalogue: revenue_won, deals_won")
        );
        assert!(err.reason.ends_with("weighted_pipeline"), "{err}");
        assert_eq!(catalogue_lines().len(), Measure::ALL.len());
        assert!(catalogue_lines()[0].starts_with("revenue_won (money, higher is better): "));
    }

    #[test]
    fn totals_rates_and_means() {
        use Measure::*;
        let raw = MeasureRaw::ratio(3, 4);
        assert_eq!(WinRate.value(&raw, USD), Some(75.0));
        assert_eq!(Csat.value(&raw, USD), Some(75.0));
        assert_eq!(CycleDays.value(&MeasureRaw::ratio(45, 3), USD), Some(15.0));
        // Money in major units of the currency's exponent.
        assert_eq!(
            RevenueWon.value(&MeasureRaw::total(123_456), USD),
            Some(1_234.56)
        );
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            RevenueWon.value(&MeasureRaw::total(1_500), jpy),
            Some(1_500.0)
        );
        // 10,000.00 over 4 deals.
        assert_eq!(
            AvgDeal.value(&MeasureRaw::ratio(1_000_000, 4), USD),
            Some(2_500.0)
        );
        // A gross profit may be negative.
        assert_eq!(
            GrossProfit.value(&MeasureRaw::total(-5_000), USD),
            Some(-50.0)
        );
        // Counts of nothing are 0; rates of nothing have no value.
        assert_eq!(DealsLost.value(&MeasureRaw::default(), USD), Some(0.0));
        assert_eq!(WinRate.value(&MeasureRaw::default(), USD), None);
        assert_eq!(Retention.value(&MeasureRaw::ratio(0, 0), USD), None);
        // NPS: (promoters - detractors) / answers × 100, from -100 to 100.
        assert_eq!(Nps.value(&MeasureRaw::ratio(5 - 2, 10), USD), Some(30.0));
        assert_eq!(Nps.value(&MeasureRaw::ratio(-3, 3), USD), Some(-100.0));
        // 36 interactions by 3 operators over 4 days.
        assert_eq!(
            InteractionsPerOperatorDay.value(&MeasureRaw::ratio(36, 3 * 4), USD),
            Some(3.0)
        );
    }

    #[test]
    fn each_measure_reads_its_tallies() {
        use Measure::*;
        let t = Tallies {
            won: 6,
            lost: 2,
            revenue: 500_000,
            revenue_left_out: 1,
            cycle_days: 60,
            profit: 120_000,
            profit_left_out: 2,
            open_amount: 900_000,
            open_weighted: 300_000,
            open_left_out: 4,
            new_customers: 7,
            buyers: 10,
            repeat_buyers: 4,
            active_at_start: 50,
            churned: 6,
            churned_of_active: 5,
            scores: 8,
            score_total: 30,
            satisfied: 6,
            promoters: 5,
            detractors: 3,
            nps_answers: 10,
            interactions: 90,
            operator_days: 30,
            due: 20,
            done_on_time: 15,
            overdue: 3,
        };
        let v = |m: Measure| m.value(&m.raw(&t), USD);
        assert_eq!(v(RevenueWon), Some(5_000.0));
        assert_eq!(RevenueWon.raw(&t).left_out, 1);
        assert_eq!(v(DealsWon), Some(6.0));
        assert_eq!(v(DealsLost), Some(2.0));
        assert_eq!(v(WinRate), Some(75.0));
        // 5,000.00 over the 5 won deals counted in it (1 had no exchange rate).
        assert_eq!(v(AvgDeal), Some(1_000.0));
        assert_eq!(v(CycleDays), Some(10.0));
        assert_eq!(v(GrossProfit), Some(1_200.0));
        assert_eq!(GrossProfit.raw(&t).left_out, 2);
        assert_eq!(v(NewCustomers), Some(7.0));
        assert_eq!(v(RepeatPurchaseRate), Some(40.0));
        // 45 of the 50 active at the start still are.
        assert_eq!(v(Retention), Some(90.0));
        assert_eq!(v(ChurnedCustomers), Some(6.0));
        assert_eq!(v(Csat), Some(75.0));
        assert_eq!(v(AvgSatisfaction), Some(3.75));
        assert_eq!(v(Nps), Some(20.0));
        assert_eq!(v(InteractionsPerOperatorDay), Some(3.0));
        assert_eq!(v(FollowupsOnTime), Some(75.0));
        assert_eq!(v(OverdueFollowups), Some(3.0));
        assert_eq!(v(OpenPipeline), Some(9_000.0));
        assert_eq!(v(WeightedPipeline), Some(3_000.0));
        assert_eq!(WeightedPipeline.raw(&t).left_out, 4);
        // Nothing counted: totals are 0, rates have no value.
        let none = Tallies::default();
        for m in Measure::ALL {
            let got = m.value(&m.raw(&none), USD);
            match m.unit() {
                KpiUnit::Money | KpiUnit::Count if m.is_total() || *m != AvgDeal => {
                    assert_eq!(got, Some(0.0), "{m}")
                }
                _ => assert_eq!(got, None, "{m}"),
            }
        }
    }

    #[test]
    fn left_out_notes_name_what_was_not_counted() {
        let mut raw = MeasureRaw::total(0);
        assert_eq!(Measure::RevenueWon.left_out_note(&raw), None);
        raw.left_out = 1;
        assert_eq!(
            Measure::RevenueWon.left_out_note(&raw).unwrap(),
            "1 deal in other currencies without an exchange rate left out"
        );
        raw.left_out = 3;
        assert_eq!(
            Measure::GrossProfit.left_out_note(&raw).unwrap(),
            "3 won deals without a cost or an exchange rate left out"
        );
        assert_eq!(
            Measure::OpenPipeline.left_out_note(&raw).unwrap(),
            "3 open deals in other currencies left out"
        );
    }

    #[test]
    fn names_and_keys() {
        assert_eq!(kpi_key("VIP revenue"), "vip_revenue");
        assert_eq!(kpi_key("  Win-rate (website) "), "win_rate_website");
        assert_eq!(kpi_key("Выручка VIP"), "выручка_vip");
        assert_eq!(check_name(" NPS ").unwrap(), ("NPS".into(), "nps".into()));
        assert_eq!(check_name("").unwrap_err().field, "name");
        assert!(
            check_name("a\u{1b}[2J")
                .unwrap_err()
                .reason
                .contains("control")
        );
        assert!(
            check_name(&"x".repeat(41))
                .unwrap_err()
                .reason
                .contains("at most 40")
        );
        assert!(
            check_name("%%%")
                .unwrap_err()
                .reason
                .contains("no letter or digit")
        );
    }

    #[test]
    fn groups_and_filters() {
        assert_eq!(parse_group("Financial").unwrap(), KpiGroup::Financial);
        assert_eq!(parse_group("learning & growth").unwrap(), KpiGroup::Growth);
        assert_eq!(
            parse_group("learning-and-growth").unwrap(),
            KpiGroup::Growth
        );
        assert_eq!(parse_group("growth").unwrap(), KpiGroup::Growth);
        assert!(
            parse_group("sales")
                .unwrap_err()
                .reason
                .contains("is not one of")
        );
        let staged = KpiFilter {
            stage: Some("proposal".into()),
            ..KpiFilter::default()
        };
        assert!(check_filter(Measure::OpenPipeline, &staged).is_ok());
        assert!(check_filter(Measure::WeightedPipeline, &staged).is_ok());
        let err = check_filter(Measure::WinRate, &staged).unwrap_err();
        assert_eq!(err.field, "stage");
        assert!(
            err.reason
                .contains("open_pipeline and weighted_pipeline only")
        );
        let folded = KpiFilter {
            tag: Some(" VIP ".into()),
            source: Some(" website ".into()),
            ..KpiFilter::default()
        };
        let checked = check_filter(Measure::Csat, &folded).unwrap();
        assert_eq!(
            (checked.tag.as_deref(), checked.source.as_deref()),
            (Some("vip"), Some("website"))
        );
        let blank = KpiFilter {
            tag: Some(" ".into()),
            ..KpiFilter::default()
        };
        assert_eq!(
            check_filter(Measure::Csat, &blank).unwrap_err().field,
            "tag"
        );
        let full = KpiFilter {
            tag: Some("vip".into()),
            stage: Some("lead".into()),
            operator: Some("sara".into()),
            source: Some("website".into()),
        };
        assert_eq!(
            full.describe(),
            "tag vip · stage lead · operator sara · source website"
        );
        assert!(KpiFilter::default().is_empty() && KpiFilter::default().describe().is_empty());
    }

    #[test]
    fn a_defined_kpi_reads_targets_in_its_measures_unit() {
        let k = CustomKpi {
            key: "nps".into(),
            name: "NPS".into(),
            measure: Measure::Nps,
            filter: KpiFilter::default(),
            group: KpiGroup::Customer,
            period: Period::Quarter,
            target: KpiFigure::whole(40),
            minimum: KpiFigure::whole(10),
            stage_id: None,
            operator_id: None,
        };
        let d = k.definition();
        assert_eq!((d.unit, d.higher_is_better), (KpiUnit::Nps, true));
        assert_eq!(
            d.parse_figure("minimum", "-20", USD).unwrap(),
            KpiFigure::whole(-20)
        );
        assert!(d.parse_figure("target", "101", USD).is_err());
        assert!(
            d.check_target(KpiFigure::whole(10), KpiFigure::whole(40))
                .is_err()
        );
        let lost = definition_of(
            "lost",
            "Lost",
            Measure::DealsLost,
            KpiGroup::Internal,
            Period::Month,
            KpiFigure::whole(5),
            KpiFigure::whole(10),
        );
        assert!(!lost.higher_is_better);
        assert!(lost.check_target(lost.target, lost.minimum).is_ok());
        let rate = definition_of(
            "r",
            "R",
            Measure::InteractionsPerOperatorDay,
            KpiGroup::Growth,
            Period::Week,
            KpiFigure::whole(0),
            KpiFigure::whole(0),
        );
        assert_eq!(
            rate.parse_figure("target", "12,5", USD).unwrap(),
            KpiFigure::from_milli(12_500)
        );
    }
}
