//! The timeline: every call, email, meeting, note and SMS with a customer.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::customer::string_enum;
use super::error::{optional_text, required_text};

pub const SUMMARY_MAX: usize = 20_000;

/// How far past "now" an interaction may be dated: two machines' clocks disagree a
/// little, and a call logged the moment it ends should never be refused.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

string_enum!(
    InteractionKind { Call = "call", Email = "email", Meeting = "meeting", Note = "note", Sms = "sms" }
);

string_enum!(
    /// Who reached out: the customer (`in`) or us (`out`).
    Direction { In = "in", Out = "out" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: i64,
    pub customer_id: i64,
    pub deal_id: Option<i64>,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub operator_id: Option<i64>,
    pub operator_login: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
    pub satisfaction: Option<u8>,
    /// "Would you recommend us?", 0 to 10, when the customer answered it here.
    pub nps: Option<u8>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Interaction {
    /// Its fields as a draft: what an edit changes and saves back.
    pub fn draft(&self) -> InteractionDraft {
        InteractionDraft {
            customer_id: self.customer_id,
            deal_id: self.deal_id,
            kind: self.kind,
            direction: self.direction,
            occurred_at: self.occurred_at,
            operator_id: self.operator_id,
            summary: self.summary.clone(),
            outcome: self.outcome.clone(),
            satisfaction: self.satisfaction,
            nps: self.nps,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionDraft {
    pub customer_id: i64,
    pub deal_id: Option<i64>,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub operator_id: Option<i64>,
    pub summary: String,
    pub outcome: Option<String>,
    pub satisfaction: Option<u8>,
    /// The customer's answer to "would you recommend us?", 0 to 10.
    pub nps: Option<u8>,
}

impl InteractionDraft {
    /// An NPS answer logged without a summary gets one that says what it was.
    pub fn fill_nps_summary(&mut self) {
        if let Some(n) = self.nps
            && self.summary.trim().is_empty()
        {
            self.summary = format!("Would recommend us: {n}/10");
        }
    }

    pub fn validate(&mut self) -> Result<(), ValidationError> {
        self.summary = required_text("summary", &self.summary, SUMMARY_MAX)?;
        self.outcome = optional_text("outcome", self.outcome.as_deref(), SUMMARY_MAX)?;
        if let Some(s) = self.satisfaction
            && !(1..=5).contains(&s)
        {
            return Err(ValidationError::new(
                "satisfaction",
                format!("{s} is out of range; use a score from 1 to 5"),
            ));
        }
        if let Some(n) = self.nps
            && n > 10
        {
            return Err(ValidationError::new(
                "nps",
                format!(
                    "{n} is out of range; the answer to \"would you recommend us?\" is 0 to 10"
                ),
            ));
        }
        Ok(())
    }

    /// Refuses an interaction dated after `now` (beyond [`CLOCK_SKEW`]): the timeline
    /// is what happened, and what will happen is a follow-up.
    pub fn check_happened_by(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if self.occurred_at <= now + CLOCK_SKEW {
            return Ok(());
        }
        Err(ValidationError::new(
            "at",
            format!(
                "{} is in the future; plan it as a follow-up with `rapport remind add`",
                self.occurred_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> InteractionDraft {
        InteractionDraft {
            customer_id: 1,
            deal_id: None,
            kind: InteractionKind::Call,
            direction: Direction::Out,
            occurred_at: Utc::now(),
            operator_id: None,
            summary: "Discussed renewal".into(),
            outcome: None,
            satisfaction: Some(4),
            nps: None,
        }
    }

    #[test]
    fn satisfaction_must_be_one_to_five() {
        assert!(draft().validate().is_ok());
        let mut d = draft();
        d.satisfaction = Some(6);
        assert_eq!(d.validate().unwrap_err().field, "satisfaction");
        let mut d = draft();
        d.nps = Some(11);
        assert_eq!(d.validate().unwrap_err().field, "nps");
        let mut d = draft();
        d.nps = Some(0);
        assert!(d.validate().is_ok(), "0 is an answer");
        let mut d = draft();
        d.summary = "".into();
        assert_eq!(d.validate().unwrap_err().field, "summary");
    }

    #[test]
    fn the_future_is_a_follow_up_not_an_interaction() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc();
        let at = |minutes: i64| InteractionDraft {
            occurred_at: now + Duration::minutes(minutes),
            ..draft()
        };
        assert!(at(-600).check_happened_by(now).is_ok());
        assert!(at(5).check_happened_by(now).is_ok(), "clock skew");
        let err = at(6).check_happened_by(now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at: 2026-11-23 09:36 UTC is in the future; plan it as a follow-up with `rapport remind add`"
        );
    }
}
