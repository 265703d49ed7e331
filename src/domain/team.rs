//! Team performance: what each operator did over a window, measured with the same
//! formulas as the KPIs (`KpiInputs::figure`), and held to per-operator quotas: a
//! target and a minimum for any KPI, set per operator.

use serde::{Deserialize, Serialize};

use super::kpi::KpiInputs;
use super::kpi_target::KpiFigure;
use super::{InteractionKind, KpiDefinition, KpiStanding, KpiUnit, Role};

/// One operator's target and minimum for one KPI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quota {
    /// The KPI's key (`revenue_won`, `win_rate`…).
    pub kpi: String,
    pub target: KpiFigure,
    pub minimum: KpiFigure,
}

/// What one operator did over a window, as the store counts it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorActivity {
    pub operator_id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Interactions logged by the operator in the window, per kind in
    /// `InteractionKind::ALL` order.
    pub interactions: Vec<(InteractionKind, i64)>,
    /// Follow-ups originally due in the window (and not after now) that are done.
    pub followups_done: i64,
    /// The KPI figures of the operator: deals it owns closed in the window, follow-ups
    /// it owns, customers it owns created in the window, and the satisfaction scores
    /// customers gave in its interactions in the window.
    pub inputs: KpiInputs,
}

/// One quota measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaStanding {
    pub kpi: String,
    pub name: String,
    pub unit: KpiUnit,
    pub value: Option<f64>,
    pub target: f64,
    pub minimum: f64,
    pub higher_is_better: bool,
    /// `None` when there is no value.
    pub standing: Option<KpiStanding>,
}

/// One row of the team table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorPerformance {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Per kind, every kind listed.
    pub interactions: Vec<(InteractionKind, i64)>,
    pub interactions_total: i64,
    pub followups_due: i64,
    pub followups_done: i64,
    pub followups_on_time: i64,
    /// Open follow-ups past their (snoozed) due time now.
    pub followups_overdue: i64,
    pub deals_won: i64,
    pub deals_lost: i64,
    /// Won revenue in `currency` (the report's), minor units.
    pub revenue_minor: i128,
    /// Won deals in other currencies without a rate: counted in `deals_won`, not revenue.
    pub other_currency_won: i64,
    pub win_rate: Option<f64>,
    pub avg_cycle_days: Option<f64>,
    pub avg_satisfaction: Option<f64>,
    pub followups_on_time_percent: Option<f64>,
    /// The operator's quotas, in KPI definition order.
    pub quotas: Vec<QuotaStanding>,
}

impl OperatorPerformance {
    /// Measures `activity` against the operator's `quotas` (KPIs without a definition
    /// in `defs` are left out: a quota outlives no KPI, the schema cascades).
    pub fn new(activity: &OperatorActivity, quotas: &[Quota], defs: &[KpiDefinition]) -> Self {
        let i = &activity.inputs;
        let quotas = defs
            .iter()
            .filter_map(|d| {
                let q = quotas.iter().find(|q| q.kpi == d.key)?;
                let held = KpiDefinition {
                    target: q.target,
                    minimum: q.minimum,
                    ..d.clone()
                };
                let value = i.figure(&d.key);
                Some(QuotaStanding {
                    kpi: d.key.clone(),
                    name: d.name.clone(),
                    unit: d.unit,
                    value,
                    target: q.target.as_f64(),
                    minimum: q.minimum.as_f64(),
                    higher_is_better: d.higher_is_better,
                    standing: value.map(|v| held.standing(v)),
                })
            })
            .collect();
        Self {
            login: activity.login.clone(),
            display_name: activity.display_name.clone(),
            role: activity.role,
            interactions: activity.interactions.clone(),
            interactions_total: activity.interactions.iter().map(|(_, n)| n).sum(),
            followups_due: i.followups_due,
            followups_done: activity.followups_done,
            followups_on_time: i.followups_done_on_time,
            followups_overdue: i.overdue_followups,
            deals_won: i.won,
            deals_lost: i.lost,
            revenue_minor: i.revenue_won_minor,
            other_currency_won: i.other_currency_won,
            win_rate: i.figure("win_rate"),
            avg_cycle_days: i.figure("avg_cycle_days"),
            avg_satisfaction: i.figure("avg_satisfaction"),
            followups_on_time_percent: i.figure("followups_on_time"),
            quotas,
        }
    }

    /// The worst standing among the quotas with a value (`None` without any).
    pub fn worst_standing(&self) -> Option<KpiStanding> {
        self.quotas
            .iter()
            .filter_map(|q| q.standing)
            .min_by_key(|s| match s {
                KpiStanding::BelowMinimum => 0,
                KpiStanding::BetweenMinimumAndTarget => 1,
                KpiStanding::AtTarget => 2,
            })
    }

    /// The quota for `kpi`, if the operator has one.
    pub fn quota(&self, kpi: &str) -> Option<&QuotaStanding> {
        self.quotas.iter().find(|q| q.kpi == kpi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kpi::DEFAULT_KPIS;
    use crate::domain::{Currency, Period};

    fn defs() -> Vec<KpiDefinition> {
        DEFAULT_KPIS
            .iter()
            .map(
                |(key, name, group, unit, target, minimum, higher)| KpiDefinition {
                    key: key.to_string(),
                    name: name.to_string(),
                    group: *group,
                    unit: *unit,
                    target: *target,
                    minimum: *minimum,
                    higher_is_better: *higher,
                    period: Period::Month,
                },
            )
            .collect()
    }

    fn activity() -> OperatorActivity {
        let mut inputs = KpiInputs::empty(Currency::USD);
        inputs.won = 3;
        inputs.lost = 1;
        inputs.revenue_won_minor = 4_500_000;
        inputs.cycle_days_total = 60;
        inputs.satisfaction_total = 9;
        inputs.satisfaction_count = 2;
        inputs.followups_due = 4;
        inputs.followups_done_on_time = 3;
        inputs.overdue_followups = 2;
        OperatorActivity {
            operator_id: 7,
            login: "sara".into(),
            display_name: "Sara".into(),
            role: Role::Agent,
            interactions: vec![(InteractionKind::Call, 5), (InteractionKind::Email, 2)],
            followups_done: 4,
            inputs,
        }
    }

    #[test]
    fn an_operators_figures_use_the_kpi_formulas_and_quotas_stand_like_kpis() {
        let quotas = vec![
            Quota {
                kpi: "revenue_won".into(),
                target: KpiFigure::whole(50_000),
                minimum: KpiFigure::whole(30_000),
            },
            Quota {
                kpi: "win_rate".into(),
                target: KpiFigure::whole(70),
                minimum: KpiFigure::whole(50),
            },
            Quota {
                kpi: "avg_cycle_days".into(),
                target: KpiFigure::whole(30),
                minimum: KpiFigure::whole(45),
            },
            Quota {
                kpi: "no_such_kpi".into(),
                target: KpiFigure::whole(1),
                minimum: KpiFigure::whole(0),
            },
        ];
        let p = OperatorPerformance::new(&activity(), &quotas, &defs());
        assert_eq!(p.interactions_total, 7);
        assert_eq!(p.win_rate, Some(75.0));
        assert_eq!(p.avg_cycle_days, Some(20.0));
        assert_eq!(p.avg_satisfaction, Some(4.5));
        assert_eq!(p.followups_on_time_percent, Some(75.0));
        let standing = |k: &str| p.quota(k).and_then(|q| q.standing);
        // 45,000.00 revenue: between 30,000 and 50,000.
        assert_eq!(
            standing("revenue_won"),
            Some(KpiStanding::BetweenMinimumAndTarget)
        );
        assert_eq!(standing("win_rate"), Some(KpiStanding::AtTarget));
        assert_eq!(
            standing("avg_cycle_days"),
            Some(KpiStanding::AtTarget),
            "lower is better"
        );
        assert!(p.quota("no_such_kpi").is_none());
        assert_eq!(p.quotas.len(), 3);
        assert_eq!(
            p.worst_standing(),
            Some(KpiStanding::BetweenMinimumAndTarget)
        );
        let none = OperatorPerformance::new(&activity(), &[], &defs());
        assert_eq!(none.worst_standing(), None);
    }
}
