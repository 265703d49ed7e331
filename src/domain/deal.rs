//! The pipeline: deals moving through ordered, configurable stages to won or lost.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::customer::string_enum;
use super::error::{optional_text, required_text};
use super::{Money, ValidationError};

string_enum!(
    /// Whether a stage is still in play or closes the deal.
    StageOutcome { Open = "open", Won = "won", Lost = "lost" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: i64,
    /// Short stable name used on the command line (`proposal`).
    pub key: String,
    pub name: String,
    pub position: i64,
    /// Default probability (percent) a deal gets on entering the stage.
    pub probability: u8,
    pub outcome: StageOutcome,
    /// An open deal idle for more days than this is rotting (schema 17; `None`: never,
    /// and for won and lost). See `domain::pipeline_health`.
    #[serde(default)]
    pub idle_days: Option<u32>,
}

/// The stages a new database starts with: `(key, name, probability, outcome)`.
pub const DEFAULT_STAGES: &[(&str, &str, u8, StageOutcome)] = &[
    ("lead", "Lead", 10, StageOutcome::Open),
    ("qualified", "Qualified", 25, StageOutcome::Open),
    ("proposal", "Proposal", 50, StageOutcome::Open),
    ("negotiation", "Negotiation", 75, StageOutcome::Open),
    ("won", "Won", 100, StageOutcome::Won),
    ("lost", "Lost", 0, StageOutcome::Lost),
];

/// One pipeline column's figures: deals in the stage, and their total and weighted total
/// in the reporting currency (deals in other currencies are counted apart: Rapport keeps
/// no exchange rates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StageTotals {
    pub count: i64,
    pub sum_minor: i128,
    pub weighted_minor: i128,
    pub other_currency: i64,
}

pub fn validate_probability(p: i64) -> Result<u8, ValidationError> {
    u8::try_from(p).ok().filter(|p| *p <= 100).ok_or_else(|| {
        ValidationError::new(
            "probability",
            format!("{p} is not a percentage from 0 to 100"),
        )
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub title: String,
    pub amount: Money,
    pub stage_id: i64,
    pub stage_key: String,
    pub outcome: StageOutcome,
    pub probability: u8,
    pub expected_close: Option<NaiveDate>,
    pub owner_id: Option<i64>,
    pub owner_login: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub lost_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What winning it costs, in its currency (for gross profit); `None` when not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
}

impl Deal {
    /// Amount × probability, in minor units: what the deal is worth to a forecast.
    pub fn weighted_minor(&self) -> i64 {
        let weighted = i128::from(self.amount.minor) * i128::from(self.probability) / 100;
        // At most the amount itself, so it fits.
        i64::try_from(weighted).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealDraft {
    pub customer_id: i64,
    pub title: String,
    pub amount: Money,
    /// `None`: the first open stage.
    pub stage_id: Option<i64>,
    /// `None`: the stage's default probability.
    pub probability: Option<u8>,
    pub expected_close: Option<NaiveDate>,
    pub owner_id: Option<i64>,
}

impl DealDraft {
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        self.title = required_text("title", &self.title, 200)?;
        Money::new(self.amount.minor, self.amount.currency)?;
        if let Some(p) = self.probability {
            validate_probability(i64::from(p))?;
        }
        Ok(())
    }
}

/// A deal's fields as an edit leaves them. Made from the deal (`Deal::change`) and
/// changed field by field, so what an edit does not touch stays as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealChange {
    pub title: String,
    pub amount: Money,
    pub stage_id: i64,
    /// `None`: the new stage's default when the stage changes, else the deal's own.
    pub probability: Option<u8>,
    pub expected_close: Option<NaiveDate>,
    pub owner_id: Option<i64>,
    /// Why it was lost: needed when the edit moves it to the lost stage.
    pub lost_reason: Option<String>,
}

impl Deal {
    /// The deal's editable fields as they are.
    pub fn change(&self) -> DealChange {
        DealChange {
            title: self.title.clone(),
            amount: self.amount,
            stage_id: self.stage_id,
            probability: Some(self.probability),
            expected_close: self.expected_close,
            owner_id: self.owner_id,
            lost_reason: self.lost_reason.clone(),
        }
    }
}

impl DealChange {
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        self.title = required_text("title", &self.title, 200)?;
        Money::new(self.amount.minor, self.amount.currency)?;
        if let Some(p) = self.probability {
            validate_probability(i64::from(p))?;
        }
        self.lost_reason = validate_optional_reason(self.lost_reason.as_deref())?;
        Ok(())
    }
}

/// Reason a deal was lost: required, so the team learns from it.
pub fn validate_lost_reason(reason: &str) -> Result<String, ValidationError> {
    required_text("reason", reason, 2_000)
}

pub fn validate_optional_reason(reason: Option<&str>) -> Result<Option<String>, ValidationError> {
    optional_text("reason", reason, 2_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn probability_range() {
        assert_eq!(validate_probability(40).unwrap(), 40);
        assert!(validate_probability(101).is_err());
        assert!(validate_probability(-1).is_err());
    }

    #[test]
    fn lost_needs_a_reason() {
        assert_eq!(validate_lost_reason("  ").unwrap_err().field, "reason");
    }

    #[test]
    fn negative_amount_refused_in_draft() {
        let mut d = DealDraft {
            customer_id: 1,
            title: "Renewal".into(),
            amount: Money {
                minor: -1,
                currency: Currency::USD,
            },
            stage_id: None,
            probability: None,
            expected_close: None,
            owner_id: None,
        };
        assert_eq!(d.validate().unwrap_err().field, "amount");
    }
}
