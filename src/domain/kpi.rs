//! KPI definitions: what is measured, in which group, with a target and a minimum acceptable value.

use serde::{Deserialize, Serialize};

use super::customer::string_enum;

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
    KpiUnit { Money = "money", Count = "count", Percent = "percent", Days = "days", Score = "score" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDefinition {
    pub key: String,
    pub name: String,
    pub group: KpiGroup,
    pub unit: KpiUnit,
    /// The value we aim for.
    pub target: f64,
    /// The worst value we accept: a floor when higher is better, a ceiling otherwise.
    pub minimum: f64,
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
    pub fn standing(&self, value: f64) -> KpiStanding {
        let (value, target, minimum) = if self.higher_is_better {
            (value, self.target, self.minimum)
        } else {
            (-value, -self.target, -self.minimum)
        };
        if value >= target {
            KpiStanding::AtTarget
        } else if value >= minimum {
            KpiStanding::BetweenMinimumAndTarget
        } else {
            KpiStanding::BelowMinimum
        }
    }
}

/// The KPIs a new database starts with: `(key, name, group, unit, target, minimum, higher_is_better)`.
/// Money targets are in major units of the default currency.
pub const DEFAULT_KPIS: &[(&str, &str, KpiGroup, KpiUnit, f64, f64, bool)] = &[
    (
        "revenue_won",
        "Revenue won",
        KpiGroup::Financial,
        KpiUnit::Money,
        50_000.0,
        30_000.0,
        true,
    ),
    (
        "deals_won",
        "Deals won",
        KpiGroup::Financial,
        KpiUnit::Count,
        10.0,
        6.0,
        true,
    ),
    (
        "win_rate",
        "Win rate",
        KpiGroup::Internal,
        KpiUnit::Percent,
        35.0,
        20.0,
        true,
    ),
    (
        "avg_cycle_days",
        "Avg sales cycle",
        KpiGroup::Internal,
        KpiUnit::Days,
        30.0,
        60.0,
        false,
    ),
    (
        "new_customers",
        "New customers",
        KpiGroup::Customer,
        KpiUnit::Count,
        20.0,
        10.0,
        true,
    ),
    (
        "avg_satisfaction",
        "Avg satisfaction",
        KpiGroup::Customer,
        KpiUnit::Score,
        4.5,
        3.5,
        true,
    ),
    (
        "followups_on_time",
        "Follow-ups on time",
        KpiGroup::Growth,
        KpiUnit::Percent,
        90.0,
        75.0,
        true,
    ),
    (
        "overdue_followups",
        "Overdue follow-ups",
        KpiGroup::Growth,
        KpiUnit::Count,
        0.0,
        10.0,
        false,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn def(higher: bool, target: f64, minimum: f64) -> KpiDefinition {
        KpiDefinition {
            key: "k".into(),
            name: "K".into(),
            group: KpiGroup::Financial,
            unit: KpiUnit::Count,
            target,
            minimum,
            higher_is_better: higher,
            period: Period::Month,
        }
    }

    #[test]
    fn standing_for_higher_and_lower_is_better() {
        let up = def(true, 10.0, 5.0);
        assert_eq!(up.standing(12.0), KpiStanding::AtTarget);
        assert_eq!(up.standing(7.0), KpiStanding::BetweenMinimumAndTarget);
        assert_eq!(up.standing(2.0), KpiStanding::BelowMinimum);
        let down = def(false, 30.0, 60.0);
        assert_eq!(down.standing(20.0), KpiStanding::AtTarget);
        assert_eq!(down.standing(45.0), KpiStanding::BetweenMinimumAndTarget);
        assert_eq!(down.standing(90.0), KpiStanding::BelowMinimum);
    }
}
