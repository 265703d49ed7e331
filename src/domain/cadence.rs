//! Contact cadence ("stay in touch"): how often a customer should hear from us, and
//! whether they are going quiet. The clock restarts at every logged interaction of any
//! kind; a customer never contacted counts from when it was added.
//!
//! Which cadence applies is decided by [`effective_cadence`]: the customer's own, else
//! the tightest of its tags', else the default (for active customers only). The store
//! computes the same rule in SQL for bulk queries; the tests here pin it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{CustomerStatus, CustomerSummary, ValidationError};

/// The longest interval a cadence may name: ten years.
pub const CADENCE_LIMIT_DAYS: u16 = 3650;

/// What active customers without a cadence of their own or of a tag get.
pub const DEFAULT_CADENCE: Cadence = Cadence {
    ideal_days: 90,
    max_days: 135,
};

const FORMS: &str =
    "use days or weeks: 14, 14d or 2w, optionally with a maximum: 14d/21d or 2w/30d";

/// An ideal and a maximum interval between two contacts, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cadence {
    pub ideal_days: u16,
    pub max_days: u16,
}

impl Cadence {
    /// Parses `14`, `14d`, `2w`, `14d/21d` or `2w/30d`. Without a maximum it is half
    /// again the ideal, rounded up (at most ten years).
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let t = text.trim().to_lowercase();
        let bad = || ValidationError::new(field, format!("{t:?} is not a cadence; {FORMS}"));
        let (ideal, max) = match t.split_once('/') {
            Some((ideal, max)) => (ideal, Some(max)),
            None => (t.as_str(), None),
        };
        let ideal = days(ideal).ok_or_else(bad)?;
        let max = match max {
            Some(m) => days(m).ok_or_else(bad)?,
            None => (ideal * 3).div_ceil(2).min(u32::from(CADENCE_LIMIT_DAYS)),
        };
        Self::checked(field, ideal, max)
    }

    /// A cadence from day counts, refused (naming `field`) unless
    /// 1 ≤ ideal ≤ max ≤ 3650.
    pub fn new(field: &str, ideal_days: u16, max_days: u16) -> Result<Self, ValidationError> {
        Self::checked(field, u32::from(ideal_days), u32::from(max_days))
    }

    fn checked(field: &str, ideal: u32, max: u32) -> Result<Self, ValidationError> {
        let limit = u32::from(CADENCE_LIMIT_DAYS);
        if ideal == 0 || max == 0 {
            return Err(ValidationError::new(
                field,
                format!("an interval of 0 days is not a cadence; {FORMS}"),
            ));
        }
        if ideal > limit || max > limit {
            return Err(ValidationError::new(
                field,
                format!(
                    "{}d is longer than the limit of {limit}d (ten years)",
                    ideal.max(max)
                ),
            ));
        }
        if max < ideal {
            return Err(ValidationError::new(
                field,
                format!(
                    "the maximum ({max}d) is shorter than the ideal ({ideal}d); write it as ideal/maximum, e.g. 14d/21d"
                ),
            ));
        }
        Ok(Self {
            ideal_days: ideal as u16,
            max_days: max as u16,
        })
    }

    /// Checks a cadence built from its public fields (as `new` would).
    pub fn check(self, field: &str) -> Result<Self, ValidationError> {
        Self::new(field, self.ideal_days, self.max_days)
    }

    /// `14d/21d`, which `parse` reads back.
    pub fn as_text(self) -> String {
        format!("{}d/{}d", self.ideal_days, self.max_days)
    }

    /// Where a customer whose clock started at `clock_from` stands at `now`. Exactly
    /// `ideal_days` later is still fine; any moment after is due; likewise for the maximum.
    pub fn status(self, clock_from: DateTime<Utc>, now: DateTime<Utc>) -> ContactStatus {
        let elapsed = now - clock_from;
        if elapsed > Duration::days(i64::from(self.max_days)) {
            ContactStatus::Overdue
        } else if elapsed > Duration::days(i64::from(self.ideal_days)) {
            ContactStatus::Due
        } else {
            ContactStatus::Fine
        }
    }
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_text())
    }
}

/// `14`, `14d` or `2w` in days; `None` for anything else (or absurdly large numbers).
fn days(text: &str) -> Option<u32> {
    let t = text.trim();
    let (number, unit) = match t.strip_suffix('w') {
        Some(n) => (n, 7),
        None => (t.strip_suffix('d').unwrap_or(t), 1),
    };
    let number = number.trim_end();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    number.parse::<u32>().ok()?.checked_mul(unit)
}

/// How a customer stands against its cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactStatus {
    /// Contacted within the ideal interval.
    Fine,
    /// Past the ideal interval: going quiet (yellow).
    Due,
    /// Past the maximum interval (red).
    Overdue,
}

impl ContactStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fine => "fine",
            Self::Due => "due",
            Self::Overdue => "overdue",
        }
    }

    /// For people: `in touch`, `going quiet`, `overdue`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Fine => "in touch",
            Self::Due => "going quiet",
            Self::Overdue => "overdue",
        }
    }
}

/// Where a customer's cadence comes from. JSON: `"customer"`, `{"tag":"key-account"}`
/// or `"default"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CadenceSource {
    /// Set on the customer itself.
    Customer,
    /// The tightest cadence among the customer's tags.
    Tag(String),
    /// The default for active customers.
    Default,
}

impl std::fmt::Display for CadenceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Customer => f.write_str("own"),
            Self::Tag(tag) => write!(f, "tag {tag}"),
            Self::Default => f.write_str("default"),
        }
    }
}

/// The rule, in one place: the customer's own cadence wins; else the tightest (smallest
/// ideal, then smallest maximum, then first tag by name) among its tags; else `default`,
/// for active customers only. Inactive and lost customers have none.
pub fn effective_cadence<'a>(
    status: CustomerStatus,
    own: Option<Cadence>,
    tags: impl IntoIterator<Item = (&'a str, Cadence)>,
    default: Cadence,
) -> Option<(Cadence, CadenceSource)> {
    if matches!(status, CustomerStatus::Inactive | CustomerStatus::Lost) {
        return None;
    }
    if let Some(own) = own {
        return Some((own, CadenceSource::Customer));
    }
    let tightest = tags.into_iter().min_by(|(ta, a), (tb, b)| {
        (a.ideal_days, a.max_days, ta).cmp(&(b.ideal_days, b.max_days, tb))
    });
    if let Some((tag, cadence)) = tightest {
        return Some((cadence, CadenceSource::Tag(tag.to_string())));
    }
    (status == CustomerStatus::Active).then_some((default, CadenceSource::Default))
}

/// The cadence a customer is held to, where it comes from, and when its clock started
/// (the latest interaction, or when the customer was added if never contacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDue {
    pub cadence: Cadence,
    pub source: CadenceSource,
    pub clock_from: DateTime<Utc>,
    /// False when `clock_from` is the day the customer was added.
    pub contacted: bool,
}

impl ContactDue {
    pub fn status(&self, now: DateTime<Utc>) -> ContactStatus {
        self.cadence.status(self.clock_from, now)
    }

    /// Whole days since the clock started (negative if it starts in the future).
    pub fn days_since(&self, now: DateTime<Utc>) -> i64 {
        (now - self.clock_from).num_days()
    }

    /// `every 14d, at most 21d (tag key-account) — last contact 20 days ago: overdue`.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        format!("{} — {}", self.cadence_text(), self.since_text(now))
    }

    /// `every 14d, at most 21d (tag key-account)`.
    pub fn cadence_text(&self) -> String {
        format!(
            "every {}d, at most {}d ({})",
            self.cadence.ideal_days, self.cadence.max_days, self.source
        )
    }

    /// `last contact 20 days ago: overdue`, or `never contacted, added 3 days ago: in touch`.
    pub fn since_text(&self, now: DateTime<Utc>) -> String {
        let ago = match self.days_since(now) {
            0 => "today".to_string(),
            1 => "1 day ago".to_string(),
            d if d < 0 => "in the future".to_string(),
            d => format!("{d} days ago"),
        };
        let since = if self.contacted {
            format!("last contact {ago}")
        } else {
            format!("never contacted, added {ago}")
        };
        format!("{since}: {}", self.status(now).label())
    }
}

impl CustomerSummary {
    /// Where this customer stands against its cadence; `None` when it has none.
    pub fn contact_status(&self, now: DateTime<Utc>) -> Option<ContactStatus> {
        self.contact.as_ref().map(|c| c.status(now))
    }
}

/// A customer past its ideal interval, as `Store::going_quiet` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuietCustomer {
    #[serde(flatten)]
    pub summary: CustomerSummary,
    /// Due or Overdue (`contact_status` in JSON; `status` is the customer's).
    #[serde(rename = "contact_status")]
    pub status: ContactStatus,
    /// Whole days since the last contact (or since added, if never contacted).
    pub days_since: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn c(ideal_days: u16, max_days: u16) -> Cadence {
        Cadence {
            ideal_days,
            max_days,
        }
    }

    #[test]
    fn parses_every_accepted_form() {
        let cases: &[(&str, Cadence)] = &[
            ("14", c(14, 21)),
            ("14d", c(14, 21)),
            ("2w", c(14, 21)),
            ("14d/21d", c(14, 21)),
            ("2w/30d", c(14, 30)),
            (" 14D / 3W ", c(14, 21)),
            ("1", c(1, 2)),
            ("3d", c(3, 5)), // 4.5 rounds up
            ("7/7", c(7, 7)),
            ("90d/135d", c(90, 135)),
            ("3650d", c(3650, 3650)), // the maximum is capped at the limit
            ("2000", c(2000, 3000)),
            ("14 d", c(14, 21)),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Cadence::parse("cadence", text).unwrap(),
                *expected,
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_nonsense_naming_the_field_and_the_forms() {
        let cases: &[(&str, &str)] = &[
            ("", "is not a cadence"),
            ("0", "0 days"),
            ("0d/5d", "0 days"),
            ("5d/0", "0 days"),
            ("3651d", "limit of 3650d"),
            ("600w", "limit of 3650d"),
            ("10d/3000w", "limit of 3650d"),
            ("14d/7d", "shorter than the ideal"),
            ("fortnightly", "is not a cadence"),
            ("-14d", "is not a cadence"),
            ("14m", "is not a cadence"),
            ("1.5w", "is not a cadence"),
            ("14d/", "is not a cadence"),
            ("/21d", "is not a cadence"),
            ("14d/21d/30d", "is not a cadence"),
            ("99999999999999d", "is not a cadence"),
            ("d", "is not a cadence"),
        ];
        for (text, expected) in cases {
            let err = Cadence::parse("cadence", text).unwrap_err();
            assert_eq!(err.field, "cadence", "{text}");
            assert!(
                err.reason.contains(expected),
                "{text}: {expected:?} not in {:?}",
                err.reason
            );
        }
        let garbage = Cadence::parse("cadence", "often").unwrap_err().to_string();
        assert!(
            garbage.contains("14, 14d or 2w") && garbage.contains("14d/21d"),
            "{garbage}"
        );
    }

    #[test]
    fn text_round_trips() {
        for cadence in [c(1, 1), c(14, 21), c(90, 135), c(3650, 3650)] {
            assert_eq!(Cadence::parse("x", &cadence.as_text()).unwrap(), cadence);
        }
        assert_eq!(c(14, 21).to_string(), "14d/21d");
        assert_eq!(c(0, 3).check("cadence").unwrap_err().field, "cadence");
        assert_eq!(DEFAULT_CADENCE.check("cadence").unwrap(), DEFAULT_CADENCE);
    }

    #[test]
    fn status_boundaries_are_inclusive_of_the_interval() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let cadence = c(14, 21);
        let at = |days: i64, secs: i64| from + Duration::days(days) + Duration::seconds(secs);
        assert_eq!(cadence.status(from, from), ContactStatus::Fine);
        assert_eq!(cadence.status(from, at(-3, 0)), ContactStatus::Fine);
        assert_eq!(cadence.status(from, at(14, 0)), ContactStatus::Fine);
        assert_eq!(cadence.status(from, at(14, 1)), ContactStatus::Due);
        assert_eq!(cadence.status(from, at(21, 0)), ContactStatus::Due);
        assert_eq!(cadence.status(from, at(21, 1)), ContactStatus::Overdue);
        assert_eq!(cadence.status(from, at(400, 0)), ContactStatus::Overdue);
        // Ideal equal to maximum: straight from fine to overdue.
        assert_eq!(c(7, 7).status(from, at(7, 1)), ContactStatus::Overdue);
    }

    #[test]
    fn effective_rule_precedence() {
        use CustomerStatus::*;
        let key = ("key-account", c(14, 21));
        let vip = ("vip", c(30, 45));
        let tight_max = ("a-tag", c(14, 20));
        let own = Some(c(60, 90));
        let d = DEFAULT_CADENCE;
        // Own beats tags, for leads too.
        assert_eq!(
            effective_cadence(Lead, own, [key], d),
            Some((c(60, 90), CadenceSource::Customer))
        );
        // The tightest tag wins (ideal, then maximum, then name).
        assert_eq!(
            effective_cadence(Active, None, [vip, key], d),
            Some((c(14, 21), CadenceSource::Tag("key-account".into())))
        );
        assert_eq!(
            effective_cadence(Active, None, [key, tight_max], d),
            Some((c(14, 20), CadenceSource::Tag("a-tag".into())))
        );
        let twin = ("b-twin", c(14, 21));
        assert_eq!(
            effective_cadence(Active, None, [twin, key], d),
            Some((c(14, 21), CadenceSource::Tag("b-twin".into())))
        );
        // A tag cadence applies to leads; the default only to active customers.
        assert_eq!(
            effective_cadence(Lead, None, [vip], d),
            Some((c(30, 45), CadenceSource::Tag("vip".into())))
        );
        assert_eq!(effective_cadence(Lead, None, [], d), None);
        assert_eq!(
            effective_cadence(Active, None, [], d),
            Some((d, CadenceSource::Default))
        );
        // Inactive and lost customers have no cadence at all.
        for status in [Inactive, Lost] {
            assert_eq!(effective_cadence(status, own, [key], d), None);
            assert_eq!(effective_cadence(status, None, [], d), None);
        }
    }

    #[test]
    fn sources_serialize_cleanly_and_describe_reads_well() {
        assert_eq!(
            serde_json::to_string(&CadenceSource::Tag("key-account".into())).unwrap(),
            r#"{"tag":"key-account"}"#
        );
        assert_eq!(
            serde_json::to_string(&CadenceSource::Default).unwrap(),
            r#""default""#
        );
        assert_eq!(
            serde_json::to_string(&ContactStatus::Overdue).unwrap(),
            r#""overdue""#
        );
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let due = ContactDue {
            cadence: c(14, 21),
            source: CadenceSource::Tag("key-account".into()),
            clock_from: from,
            contacted: true,
        };
        let now = from + Duration::days(22);
        assert_eq!(
            due.describe(now),
            "every 14d, at most 21d (tag key-account) — last contact 22 days ago: overdue"
        );
        assert_eq!(due.days_since(now), 22);
    }
}
