//! Customer value: what a customer has bought (revenue won, won deals, first and last
//! purchase), an estimated lifetime value, RFM scores against the whole customer base,
//! the segment those scores name, and the risk of losing the customer.
//!
//! A purchase is a won deal; its day is the deal's close day. The store keeps each
//! customer's purchases summed (`customer_value`, by triggers on deals); everything
//! here is pure arithmetic on those sums.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Cadence, ContactDue, Currency, ValidationError};

/// What a customer has bought, summed by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchases {
    /// Won deals, in any currency.
    pub won_deals: i64,
    /// Of those, the ones whose amount is in `revenue_minor` (in the reporting currency,
    /// or converted into it). The others are counted, never silently added as zero.
    pub counted_deals: i64,
    /// Revenue won to date, in minor units of the reporting currency.
    pub revenue_minor: i128,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
}

impl Purchases {
    /// Revenue divided by the deals it counts; `None` without any.
    pub fn average_deal_minor(&self) -> Option<i128> {
        (self.counted_deals > 0).then(|| self.revenue_minor / i128::from(self.counted_deals))
    }

    /// Whole days from the last purchase to `today` (0 when it is today or later).
    pub fn days_since_last(&self, today: NaiveDate) -> i64 {
        (today - self.last_purchase).num_days().max(0)
    }
}

/// Where a column's values fall in fifths. `cuts` are the values at the top of the
/// first four fifths of the column sorted ascending; a value between cuts scores 1 plus
/// the number of cuts below it. A value equal to a cut belongs to a group of equal
/// values that may straddle fifths, and the whole group scores by its middle rank
/// (`tie_scores`): equal values always score alike, and neither the first nor the last
/// of them decides for all (a column where most customers bought once gives them the
/// score of the middle one-time buyer, a last purchase day shared by the top quarter
/// scores 5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quintiles<T> {
    pub cuts: [T; 4],
    pub tie_scores: [u8; 4],
}

/// The 0-based positions, in a column of `n` values sorted ascending, of the largest
/// value of each of the first four fifths: `ceil(k·n/5) − 1` for k = 1..4. `None` for
/// an empty column.
pub fn cut_ranks(n: usize) -> Option<[usize; 4]> {
    (n > 0).then(|| [1, 2, 3, 4].map(|k| (k * n).div_ceil(5) - 1))
}

/// The score (1-5) of a group of equal values holding the 0-based ranks `below..upto`
/// of `n`: the fifth the middle of its span, `(below + upto) / 2n`, falls in. A value
/// alone at rank `r` is at `(r + ½) / n`, in its own fifth.
pub fn tie_score(below: usize, upto: usize, n: usize) -> u8 {
    if n == 0 || upto <= below {
        return 1;
    }
    (1 + ((below + upto) * 5) / (2 * n)).min(5) as u8
}

impl<T: PartialOrd + Copy> Quintiles<T> {
    /// The cuts of a column sorted ascending; `None` when it is empty.
    pub fn from_sorted(sorted: &[T]) -> Option<Self> {
        let n = sorted.len();
        let ranks = cut_ranks(n)?;
        let cuts = ranks.map(|r| sorted[r]);
        let spans = cuts.map(|c| {
            (
                sorted.iter().filter(|v| **v < c).count(),
                sorted.iter().filter(|v| **v <= c).count(),
            )
        });
        Some(Self::new(cuts, spans, n))
    }

    /// Cuts with, for each, how many of the `n` values are below it and how many are
    /// at most it (what the store counts).
    pub fn new(cuts: [T; 4], spans: [(usize, usize); 4], n: usize) -> Self {
        Self {
            cuts,
            tie_scores: spans.map(|(below, upto)| tie_score(below, upto, n)),
        }
    }

    /// 1 to 5 (see the type).
    pub fn score(&self, value: T) -> u8 {
        if let Some(i) = self.cuts.iter().position(|c| value == *c) {
            return self.tie_scores[i];
        }
        1 + self.cuts.iter().filter(|c| value > **c).count() as u8
    }
}

/// Recency, frequency and monetary scores, 1 (lowest fifth) to 5 (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rfm {
    /// 5: bought most recently.
    pub r: u8,
    /// 5: the most won deals.
    pub f: u8,
    /// 5: the most revenue.
    pub m: u8,
}

impl Rfm {
    /// Frequency and monetary together: their mean, rounded half up (1 to 5).
    pub fn fm(self) -> u8 {
        (self.f + self.m).div_ceil(2)
    }

    /// `R4 F2 M3` as `423`, the code the store filters segments by.
    pub fn code(self) -> u16 {
        u16::from(self.r) * 100 + u16::from(self.f) * 10 + u16::from(self.m)
    }

    /// Every combination of scores, for filtering by segment.
    pub fn all() -> impl Iterator<Item = Rfm> {
        (1..=5).flat_map(|r| (1..=5).flat_map(move |f| (1..=5).map(move |m| Rfm { r, f, m })))
    }
}

impl std::fmt::Display for Rfm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.r, self.f, self.m)
    }
}

/// The cuts of the customer base the scores are measured against: last purchase day,
/// won deals, and revenue (as a float: it only orders).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RfmCuts {
    pub recency: Quintiles<NaiveDate>,
    pub frequency: Quintiles<i64>,
    pub monetary: Quintiles<f64>,
}

impl RfmCuts {
    pub fn score(&self, p: &Purchases) -> Rfm {
        Rfm {
            r: self.recency.score(p.last_purchase),
            f: self.frequency.score(p.won_deals),
            m: self.monetary.score(p.revenue_minor as f64),
        }
    }
}

/// A named group of customers by their RFM scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Segment {
    #[serde(rename = "champions")]
    Champions,
    #[serde(rename = "loyal")]
    Loyal,
    #[serde(rename = "potential")]
    Potential,
    #[serde(rename = "new")]
    New,
    #[serde(rename = "at-risk")]
    AtRisk,
    #[serde(rename = "cant-lose")]
    CantLose,
    #[serde(rename = "hibernating")]
    Hibernating,
    #[serde(rename = "lost")]
    Lost,
}

/// One row of [`SEGMENT_TABLE`]: the segment of customers whose recency score and
/// frequency-monetary score fall in the two inclusive ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentRule {
    pub segment: Segment,
    pub recency: (u8, u8),
    pub fm: (u8, u8),
    pub meaning: &'static str,
}

impl SegmentRule {
    fn holds(&self, rfm: Rfm) -> bool {
        let fm = rfm.fm();
        (self.recency.0..=self.recency.1).contains(&rfm.r) && (self.fm.0..=self.fm.1).contains(&fm)
    }
}

/// The segment table: the first row whose recency score and frequency-monetary score
/// ([`Rfm::fm`]) ranges hold a customer names its segment. Every one of the 25
/// combinations is covered (a test checks it):
///
/// ```text
///          FM 1         FM 2         FM 3        FM 4         FM 5
/// R 4-5    New          Potential    Potential   Champions    Champions
/// R 3      Hibernating  Potential    Potential   Loyal        Loyal
/// R 2      Hibernating  Hibernating  At risk     At risk      Can't lose
/// R 1      Lost         Lost         At risk     Can't lose   Can't lose
/// ```
pub const SEGMENT_TABLE: &[SegmentRule] = &[
    SegmentRule {
        segment: Segment::Champions,
        recency: (4, 5),
        fm: (4, 5),
        meaning: "bought recently, often and for much",
    },
    SegmentRule {
        segment: Segment::Loyal,
        recency: (3, 3),
        fm: (4, 5),
        meaning: "buy often and for much, a while since the last time",
    },
    SegmentRule {
        segment: Segment::New,
        recency: (4, 5),
        fm: (1, 1),
        meaning: "a recent first, small purchase",
    },
    SegmentRule {
        segment: Segment::Potential,
        recency: (3, 5),
        fm: (2, 3),
        meaning: "recent, middling frequency and value: could become loyal",
    },
    SegmentRule {
        segment: Segment::CantLose,
        recency: (1, 2),
        fm: (5, 5),
        meaning: "among the best customers, but not for a long time",
    },
    SegmentRule {
        segment: Segment::CantLose,
        recency: (1, 1),
        fm: (4, 4),
        meaning: "among the best customers, but not for a long time",
    },
    SegmentRule {
        segment: Segment::AtRisk,
        recency: (1, 2),
        fm: (3, 4),
        meaning: "used to buy well, going away",
    },
    SegmentRule {
        segment: Segment::Hibernating,
        recency: (2, 3),
        fm: (1, 2),
        meaning: "little and long ago",
    },
    SegmentRule {
        segment: Segment::Lost,
        recency: (1, 1),
        fm: (1, 2),
        meaning: "the least recent, least valuable",
    },
];

impl Segment {
    pub const ALL: &'static [Segment] = &[
        Segment::Champions,
        Segment::Loyal,
        Segment::Potential,
        Segment::New,
        Segment::AtRisk,
        Segment::CantLose,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The segment the table gives `rfm`.
    pub fn of(rfm: Rfm) -> Segment {
        SEGMENT_TABLE
            .iter()
            .find(|rule| rule.holds(rfm))
            .map_or(Segment::Lost, |rule| rule.segment)
    }

    /// The name people read: `Champions`, `At risk`, `Can't lose`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Champions => "Champions",
            Self::Loyal => "Loyal",
            Self::Potential => "Potential",
            Self::New => "New",
            Self::AtRisk => "At risk",
            Self::CantLose => "Can't lose",
            Self::Hibernating => "Hibernating",
            Self::Lost => "Lost",
        }
    }

    /// The name in JSON and on the command line: `champions`, `at-risk`, `cant-lose`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Champions => "champions",
            Self::Loyal => "loyal",
            Self::Potential => "potential",
            Self::New => "new",
            Self::AtRisk => "at-risk",
            Self::CantLose => "cant-lose",
            Self::Hibernating => "hibernating",
            Self::Lost => "lost",
        }
    }

    /// What the segment means, from the table.
    pub fn meaning(self) -> &'static str {
        SEGMENT_TABLE
            .iter()
            .find(|rule| rule.segment == self)
            .map_or("", |rule| rule.meaning)
    }

    /// Parses `champions`, `At risk`, `at-risk`, `can't lose`, `cant-lose` (case,
    /// spaces, hyphens and apostrophes aside); the error lists the segments.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let squash = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        };
        let wanted = squash(text);
        Self::ALL
            .iter()
            .copied()
            .find(|s| squash(s.key()) == wanted)
            .ok_or_else(|| {
                let keys: Vec<&str> = Self::ALL.iter().map(|s| s.key()).collect();
                ValidationError::new(
                    field,
                    format!("{:?} is not one of: {}", text.trim(), keys.join(", ")),
                )
            })
    }

    /// Every score combination in this segment: what the store filters by.
    pub fn codes(self) -> Vec<u16> {
        Rfm::all()
            .filter(|rfm| Segment::of(*rfm) == self)
            .map(Rfm::code)
            .collect()
    }
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How likely a customer is to stop buying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChurnRisk {
    Low,
    Medium,
    High,
}

impl ChurnRisk {
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Points for how far past its cadence a customer is, at `elapsed_days` since the
    /// last contact: 0 within the ideal interval, 1 past it, 2 past the maximum, 3 past
    /// twice the maximum. No cadence tracked (inactive and lost customers): 0.
    pub fn cadence_points(cadence: Option<Cadence>, elapsed_days: i64) -> u8 {
        match cadence {
            None => 0,
            Some(c) if elapsed_days > 2 * i64::from(c.max_days) => 3,
            Some(c) if elapsed_days > i64::from(c.max_days) => 2,
            Some(c) if elapsed_days > i64::from(c.ideal_days) => 1,
            Some(_) => 0,
        }
    }

    /// Points for the segment: 0 for customers buying now (Champions, Loyal,
    /// Potential, New), 1 for Hibernating, 2 for the good customers slipping away (At
    /// risk, Can't lose), 3 for Lost.
    pub fn segment_points(segment: Segment) -> u8 {
        match segment {
            Segment::Champions | Segment::Loyal | Segment::Potential | Segment::New => 0,
            Segment::Hibernating => 1,
            Segment::AtRisk | Segment::CantLose => 2,
            Segment::Lost => 3,
        }
    }

    /// The risk from both: cadence points plus segment points, 0-1 low, 2-3 medium,
    /// 4 and more high. A Champion twice past its maximum is medium; a Can't-lose
    /// customer past its maximum is high.
    pub fn of(segment: Segment, cadence: Option<Cadence>, elapsed_days: i64) -> ChurnRisk {
        match Self::cadence_points(cadence, elapsed_days) + Self::segment_points(segment) {
            0..=1 => ChurnRisk::Low,
            2..=3 => ChurnRisk::Medium,
            _ => ChurnRisk::High,
        }
    }

    /// The risk for a customer whose contact clock is `contact` at `now`.
    pub fn for_contact(
        segment: Segment,
        contact: Option<&ContactDue>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ChurnRisk {
        let elapsed = contact.map_or(0, |c| (now - c.clock_from).num_days());
        Self::of(segment, contact.map(|c| c.cadence), elapsed)
    }
}

impl std::fmt::Display for ChurnRisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How many years ahead the lifetime value projects.
pub const LTV_HORIZON_YEARS: u32 = 3;

/// The estimated lifetime value in minor units: what the customer has bought plus a
/// projection of the next [`LTV_HORIZON_YEARS`] years,
///
/// `LTV = revenue + average deal × purchases per year × (r + r² + r³)`
///
/// where purchases per year are the won deals over the years since the first purchase
/// (at least one year, so a first purchase last week does not count as 52 a year), and
/// `r` is the base's 12-month retention: of the customers whose first purchase was
/// more than a year ago, the share who bought again in the last 12 months
/// ([`retention_rate`]). Without a retention figure the projection is 0.
pub fn lifetime_value(p: &Purchases, today: NaiveDate, retention: Option<f64>) -> i128 {
    let Some(average) = p.average_deal_minor() else {
        return p.revenue_minor;
    };
    let r = retention.unwrap_or(0.0).clamp(0.0, 1.0);
    let years = ((today - p.first_purchase).num_days() as f64 / 365.25).max(1.0);
    let per_year = p.won_deals as f64 / years;
    let survival: f64 = (1..=LTV_HORIZON_YEARS).map(|t| r.powi(t as i32)).sum();
    p.revenue_minor + (average as f64 * per_year * survival).round() as i128
}

/// `kept / base`, or `None` when no customer is old enough to tell.
pub fn retention_rate(kept: i64, base: i64) -> Option<f64> {
    (base > 0).then(|| kept as f64 / base as f64)
}

/// Everything about one customer's value, for the card, the list and `rapport value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerValue {
    pub customer_id: i64,
    pub name: String,
    /// The currency every amount here is in.
    pub currency: Currency,
    pub revenue_minor: i128,
    pub won_deals: i64,
    /// Won deals in other currencies with no exchange rate: counted in `won_deals`,
    /// not in the revenue.
    pub unconverted_deals: i64,
    pub average_deal_minor: Option<i128>,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    pub days_since_last_purchase: i64,
    pub lifetime_value_minor: i128,
    pub rfm: Rfm,
    pub segment: Segment,
    pub churn_risk: ChurnRisk,
}

impl CustomerValue {
    /// Puts together a customer's value from its purchases and the base's cuts.
    pub fn new(
        customer_id: i64,
        name: String,
        p: &Purchases,
        base: &ValueBase,
        contact: Option<&ContactDue>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let today = base.today;
        let rfm = base.cuts.map_or(Rfm { r: 1, f: 1, m: 1 }, |c| c.score(p));
        let segment = Segment::of(rfm);
        Self {
            customer_id,
            name,
            currency: base.currency,
            revenue_minor: p.revenue_minor,
            won_deals: p.won_deals,
            unconverted_deals: p.won_deals - p.counted_deals,
            average_deal_minor: p.average_deal_minor(),
            first_purchase: p.first_purchase,
            last_purchase: p.last_purchase,
            days_since_last_purchase: p.days_since_last(today),
            lifetime_value_minor: lifetime_value(p, today, base.retention()),
            rfm,
            segment,
            churn_risk: ChurnRisk::for_contact(segment, contact, now),
        }
    }
}

impl CustomerValue {
    /// `12,345.00 USD from 3 won deals (avg 4,115.00)`, plus the deals left out.
    pub fn revenue_text(&self) -> String {
        let money = |m: i128| super::money::format_minor(m, self.currency);
        let deals = if self.won_deals == 1 { "deal" } else { "deals" };
        let avg = self
            .average_deal_minor
            .map(|a| format!(" (avg {})", money(a)))
            .unwrap_or_default();
        let left_out = if self.unconverted_deals > 0 {
            format!(
                "; {} in other currencies without a rate",
                self.unconverted_deals
            )
        } else {
            String::new()
        };
        format!(
            "{} {} from {} won {deals}{avg}{left_out}",
            money(self.revenue_minor),
            self.currency.code(),
            self.won_deals
        )
    }

    /// `2025-01-02 to 2026-10-01 (53 days ago)`.
    pub fn purchases_text(&self) -> String {
        let ago = match self.days_since_last_purchase {
            0 => "today".to_string(),
            1 => "yesterday".to_string(),
            n => format!("{n} days ago"),
        };
        if self.first_purchase == self.last_purchase {
            format!("{} ({ago})", self.last_purchase)
        } else {
            format!("{} to {} ({ago})", self.first_purchase, self.last_purchase)
        }
    }

    /// `Champions (RFM 555) · churn risk low`.
    pub fn standing_text(&self) -> String {
        format!(
            "{} (RFM {}) · churn risk {}",
            self.segment, self.rfm, self.churn_risk
        )
    }

    /// `20,000.00 USD`.
    pub fn lifetime_text(&self) -> String {
        format!(
            "{} {}",
            super::money::format_minor(self.lifetime_value_minor, self.currency),
            self.currency.code()
        )
    }
}

/// What every customer's scores are measured against: the base of customers who
/// bought at least once, on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueBase {
    pub today: NaiveDate,
    pub currency: Currency,
    /// Customers with at least one won deal.
    pub customers: i64,
    /// `None` when nobody has bought yet.
    pub cuts: Option<RfmCuts>,
    /// Customers whose first purchase is more than a year before `today`…
    pub retention_base: i64,
    /// …and of those, the ones who bought in the last 12 months.
    pub retention_kept: i64,
    /// Won deals in other currencies with no exchange rate: counted as purchases, not
    /// in any revenue.
    pub unconverted_deals: i64,
}

impl ValueBase {
    pub fn retention(&self) -> Option<f64> {
        retention_rate(self.retention_kept, self.retention_base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn quintile_cuts_split_a_column_in_fifths() {
        assert_eq!(cut_ranks(0), None);
        assert_eq!(cut_ranks(1), Some([0, 0, 0, 0]));
        assert_eq!(cut_ranks(5), Some([0, 1, 2, 3]));
        assert_eq!(cut_ranks(10), Some([1, 3, 5, 7]));
        assert_eq!(cut_ranks(7), Some([1, 2, 4, 5]));
        let values: Vec<i64> = (1..=10).collect();
        let q = Quintiles::from_sorted(&values).unwrap();
        assert_eq!(q.cuts, [2, 4, 6, 8]);
        assert_eq!(
            q.tie_scores,
            [1, 2, 3, 4],
            "distinct values: their own fifth"
        );
        let scores: Vec<u8> = values.iter().map(|v| q.score(*v)).collect();
        assert_eq!(scores, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Five values: one per score.
        let q = Quintiles::from_sorted(&[10, 20, 30, 40, 50]).unwrap();
        let scores: Vec<u8> = [10, 20, 30, 40, 50].map(|v| q.score(v)).to_vec();
        assert_eq!(scores, [1, 2, 3, 4, 5]);
        // Outside the column: below the lowest scores 1, above the highest 5.
        assert_eq!(q.score(0), 1);
        assert_eq!(q.score(99), 5);
        assert_eq!(Quintiles::<i64>::from_sorted(&[]), None);
    }

    #[test]
    fn equal_values_score_alike_by_their_middle_rank() {
        // 7 of 10 customers bought once (ranks 0-6, middle 3: the second fifth).
        let deals = [1, 1, 1, 1, 1, 1, 1, 2, 3, 9];
        let q = Quintiles::from_sorted(&deals).unwrap();
        assert_eq!(q.cuts, [1, 1, 1, 2]);
        let scores: Vec<u8> = deals.iter().map(|d| q.score(*d)).collect();
        assert_eq!(scores, [2, 2, 2, 2, 2, 2, 2, 4, 5, 5]);
        // The top quarter shares the last day: it scores 5, the rest by fifth.
        let days: Vec<i64> = [1, 2, 3, 4, 5, 6, 9, 9, 9, 9].to_vec();
        let q = Quintiles::from_sorted(&days).unwrap();
        let scores: Vec<u8> = days.iter().map(|d| q.score(*d)).collect();
        assert_eq!(scores, [1, 1, 2, 2, 3, 3, 5, 5, 5, 5]);
        // Everyone alike: everyone in the middle.
        let q = Quintiles::from_sorted(&[4, 4, 4]).unwrap();
        assert_eq!(q.score(4), 3);
        assert_eq!(q.score(5), 5);
        assert_eq!(tie_score(0, 1, 1), 3, "one customer alone is the middle");
        // Dates order as days.
        let q = Quintiles::from_sorted(&[day(2026, 1, 1), day(2026, 6, 1)]).unwrap();
        assert_eq!(q.score(day(2026, 1, 1)), 2);
        assert_eq!(q.score(day(2026, 6, 1)), 4);
    }

    #[test]
    fn the_segment_table_covers_every_combination_and_reads_as_documented() {
        for rfm in Rfm::all() {
            assert!(
                SEGMENT_TABLE.iter().any(|rule| rule.holds(rfm)),
                "{rfm} has no row"
            );
        }
        let seg = |r, f, m| Segment::of(Rfm { r, f, m });
        assert_eq!(seg(5, 5, 5), Segment::Champions);
        assert_eq!(
            seg(4, 4, 3),
            Segment::Champions,
            "FM (4+3)/2 rounds up to 4"
        );
        assert_eq!(seg(3, 5, 4), Segment::Loyal);
        assert_eq!(seg(5, 1, 1), Segment::New);
        assert_eq!(seg(4, 1, 2), Segment::Potential, "FM 2");
        assert_eq!(seg(3, 3, 2), Segment::Potential);
        assert_eq!(seg(3, 1, 1), Segment::Hibernating);
        assert_eq!(seg(2, 1, 2), Segment::Hibernating);
        assert_eq!(seg(2, 3, 3), Segment::AtRisk);
        assert_eq!(seg(2, 4, 4), Segment::AtRisk);
        assert_eq!(seg(1, 3, 2), Segment::AtRisk, "FM 3");
        assert_eq!(seg(2, 5, 5), Segment::CantLose);
        assert_eq!(seg(1, 4, 4), Segment::CantLose);
        assert_eq!(seg(1, 5, 5), Segment::CantLose);
        assert_eq!(seg(1, 1, 1), Segment::Lost);
        assert_eq!(seg(1, 2, 1), Segment::Lost);
        // Each segment names at least one combination, and the codes cover all 125.
        let total: usize = Segment::ALL.iter().map(|s| s.codes().len()).sum();
        assert_eq!(total, 125);
        assert!(Segment::ALL.iter().all(|s| !s.codes().is_empty()));
    }

    #[test]
    fn segments_parse_as_people_write_them() {
        for (text, want) in [
            ("champions", Segment::Champions),
            ("At risk", Segment::AtRisk),
            ("at-risk", Segment::AtRisk),
            ("Can't lose", Segment::CantLose),
            ("CANT-LOSE", Segment::CantLose),
            (" new ", Segment::New),
        ] {
            assert_eq!(Segment::parse("segment", text).unwrap(), want, "{text}");
        }
        let e = Segment::parse("segment", "vip").unwrap_err().to_string();
        assert!(e.contains("\"vip\" is not one of: champions, loyal"), "{e}");
        assert_eq!(
            serde_json::to_string(&Segment::CantLose).unwrap(),
            "\"cant-lose\""
        );
    }

    #[test]
    fn churn_risk_adds_cadence_and_segment_points() {
        let c = Some(Cadence {
            ideal_days: 30,
            max_days: 45,
        });
        assert_eq!(ChurnRisk::cadence_points(c, 30), 0);
        assert_eq!(ChurnRisk::cadence_points(c, 31), 1);
        assert_eq!(ChurnRisk::cadence_points(c, 46), 2);
        assert_eq!(ChurnRisk::cadence_points(c, 91), 3);
        assert_eq!(ChurnRisk::cadence_points(None, 900), 0);
        assert_eq!(ChurnRisk::of(Segment::Champions, c, 10), ChurnRisk::Low);
        assert_eq!(ChurnRisk::of(Segment::Champions, c, 40), ChurnRisk::Low);
        assert_eq!(ChurnRisk::of(Segment::Champions, c, 91), ChurnRisk::Medium);
        assert_eq!(
            ChurnRisk::of(Segment::Hibernating, c, 31),
            ChurnRisk::Medium
        );
        assert_eq!(ChurnRisk::of(Segment::CantLose, c, 10), ChurnRisk::Medium);
        assert_eq!(ChurnRisk::of(Segment::CantLose, c, 46), ChurnRisk::High);
        assert_eq!(ChurnRisk::of(Segment::Lost, None, 0), ChurnRisk::Medium);
        assert_eq!(ChurnRisk::of(Segment::Lost, c, 31), ChurnRisk::High);
    }

    #[test]
    fn lifetime_value_projects_frequency_average_and_retention() {
        let p = Purchases {
            won_deals: 4,
            counted_deals: 4,
            revenue_minor: 400_000,
            first_purchase: day(2024, 11, 23),
            last_purchase: day(2026, 10, 1),
        };
        let today = day(2026, 11, 23);
        // Two years (730 days of 365.25): 4 / 1.9986 deals a year × 1,000.00 × (0.5 + 0.25 + 0.125).
        let years = 730.0 / 365.25;
        let want = 400_000 + (100_000.0 * (4.0 / years) * 0.875_f64).round() as i128;
        assert_eq!(lifetime_value(&p, today, Some(0.5)), want);
        assert_eq!(
            lifetime_value(&p, today, None),
            400_000,
            "no retention known"
        );
        assert_eq!(lifetime_value(&p, today, Some(0.0)), 400_000);
        // A first purchase last week counts as one year, not 52 purchases a year.
        let fresh = Purchases {
            won_deals: 1,
            counted_deals: 1,
            revenue_minor: 10_000,
            first_purchase: day(2026, 11, 16),
            last_purchase: day(2026, 11, 16),
        };
        assert_eq!(lifetime_value(&fresh, today, Some(1.0)), 10_000 + 30_000);
        // Only unconverted deals: no average, the revenue alone.
        let foreign = Purchases {
            counted_deals: 0,
            revenue_minor: 0,
            ..fresh
        };
        assert_eq!(foreign.average_deal_minor(), None);
        assert_eq!(lifetime_value(&foreign, today, Some(1.0)), 0);
        assert_eq!(retention_rate(3, 4), Some(0.75));
        assert_eq!(retention_rate(0, 0), None);
    }
}
