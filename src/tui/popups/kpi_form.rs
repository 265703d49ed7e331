//! The form that defines a KPI of the business's own (admins): a name, a measure from
//! the catalogue, its group, target, minimum and period, and an optional filter. A
//! name already defined is redefined. The app saves it (one store call, one
//! transaction with its audit entry) and hands a refusal back to show beside its field.

use super::form::{Field, Form, FormKind};
use crate::domain::kpi_measure::{KpiFilter, Measure, check_name, definition_of, parse_group};
use crate::domain::{Currency, KpiFigure, Period};
use crate::store::{KpiDraft, StoreError};

/// The catalogue's keys, in its order (a test checks they match `Measure::ALL`).
pub const MEASURES: &[&str] = &[
    "revenue_won",
    "deals_won",
    "deals_lost",
    "win_rate",
    "avg_deal",
    "cycle_days",
    "gross_profit",
    "new_customers",
    "repeat_purchase_rate",
    "retention",
    "churned_customers",
    "csat",
    "avg_satisfaction",
    "nps",
    "interactions_per_operator_day",
    "followups_on_time",
    "overdue_followups",
    "open_pipeline",
    "weighted_pipeline",
];

const GROUPS: &[&str] = &["financial", "customer", "internal", "growth"];
const PERIODS: &[&str] = &["month", "week", "quarter", "year", "all"];

impl Form {
    /// An empty KPI definition; `currency` is what money targets are read in.
    pub fn define_kpi(currency: Currency) -> Self {
        let mut form = Self::new(
            FormKind::DefineKpi,
            format!("Define a KPI (money in {})", currency.code()),
            vec![
                Field::text(
                    "name",
                    "Name",
                    "",
                    "e.g. VIP revenue; an existing name is redefined",
                ),
                Field::choice("measure", "Measure", MEASURES[0], MEASURES),
                Field::choice("group", "Group", GROUPS[0], GROUPS),
                Field::text(
                    "target",
                    "Target",
                    "",
                    "the value aimed for, in the measure's unit",
                ),
                Field::text("minimum", "Minimum", "", "the worst value accepted"),
                Field::choice("period", "Per", PERIODS[0], PERIODS),
                Field::text("tag", "Only tag", "", "optional: customers with this tag"),
                Field::text(
                    "stage",
                    "Only stage",
                    "",
                    "optional: open_pipeline/weighted only",
                ),
                Field::text("operator", "Only operator", "", "optional: a login"),
                Field::text("source", "Only source", "", "optional: e.g. website"),
            ],
        );
        form.on_cancel = "No KPI defined";
        form
    }

    /// The definition the fields hold, or the first field in error.
    pub fn kpi_draft(&self, currency: Currency) -> Result<KpiDraft, StoreError> {
        let (name, key) = check_name(self.get("name"))?;
        let measure = Measure::parse("measure", self.get("measure"))?;
        let group = parse_group(self.get("group"))?;
        let period = Period::parse("period", self.get("period"))?;
        let blank = KpiFigure::whole(0);
        let def = definition_of(&key, &name, measure, group, period, blank, blank);
        let figure = |field: &str| -> Result<KpiFigure, StoreError> {
            if self.get(field).is_empty() {
                return Err(StoreError::invalid(
                    field,
                    format!("a KPI needs a {field} ({} is {})", measure, measure.unit()),
                ));
            }
            Ok(def.parse_figure(field, self.get(field), currency)?)
        };
        Ok(KpiDraft {
            name,
            measure,
            filter: KpiFilter {
                tag: self.optional("tag"),
                stage: self.optional("stage"),
                operator: self.optional("operator"),
                source: self.optional("source"),
            },
            group,
            period,
            target: figure("target")?,
            minimum: figure("minimum")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KpiGroup;

    fn filled(values: &[(&str, &str)]) -> Form {
        let mut form = Form::define_kpi(Currency::USD);
        for (key, value) in values {
            let field = form.fields.iter_mut().find(|f| f.key == *key).unwrap();
            field.input.set(*value);
        }
        form
    }

    #[test]
    fn the_choices_are_the_catalogue() {
        let keys: Vec<&str> = Measure::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(keys, MEASURES);
    }

    #[test]
    fn reads_a_definition_and_names_the_field_in_error() {
        let form = filled(&[
            ("name", " VIP revenue "),
            ("measure", "revenue_won"),
            ("group", "financial"),
            ("target", "20,000"),
            ("minimum", "10000"),
            ("tag", "VIP"),
        ]);
        let d = form.kpi_draft(Currency::USD).unwrap();
        assert_eq!(d.name, "VIP revenue");
        assert_eq!(
            (d.measure, d.group, d.period),
            (Measure::RevenueWon, KpiGroup::Financial, Period::Month)
        );
        assert_eq!(
            (d.target, d.minimum),
            (KpiFigure::whole(20_000), KpiFigure::whole(10_000))
        );
        assert_eq!(d.filter.tag.as_deref(), Some("VIP"));
        assert_eq!(d.filter.stage, None);
        let field = |values: &[(&str, &str)]| match filled(values).kpi_draft(Currency::USD) {
            Err(StoreError::Invalid(e)) => e.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(&[("target", "1"), ("minimum", "1")]), "name");
        assert_eq!(field(&[("name", "X"), ("minimum", "1")]), "target");
        assert_eq!(
            field(&[
                ("name", "X"),
                ("measure", "win_rate"),
                ("target", "140"),
                ("minimum", "1")
            ]),
            "target"
        );
        assert_eq!(field(&[("name", "X"), ("measure", "profit")]), "measure");
    }
}
