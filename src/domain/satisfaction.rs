//! Satisfaction: CSAT (the 1-5 score on interactions) and NPS (the 0-10 answer to
//! "would you recommend us?"), counted per month.
//!
//! NPS = % promoters (9-10) − % detractors (0-6); passives (7-8) count in the base
//! only. Each customer counts once per month, with its latest answer that month, so a
//! customer asked twice does not weigh double. CSAT counts every score; the CSAT
//! percentage is the share of scores of 4 or 5.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where one NPS answer puts a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NpsClass {
    Detractor,
    Passive,
    Promoter,
}

impl NpsClass {
    /// 0-6 detractor, 7-8 passive, 9-10 promoter.
    pub fn of(score: u8) -> NpsClass {
        match score {
            9.. => NpsClass::Promoter,
            7..=8 => NpsClass::Passive,
            _ => NpsClass::Detractor,
        }
    }
}

/// NPS answers counted by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsCounts {
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
}

impl NpsCounts {
    /// Counts `scores` (each a customer's answer).
    pub fn of(scores: impl IntoIterator<Item = u8>) -> Self {
        let mut c = Self::default();
        for s in scores {
            match NpsClass::of(s) {
                NpsClass::Promoter => c.promoters += 1,
                NpsClass::Passive => c.passives += 1,
                NpsClass::Detractor => c.detractors += 1,
            }
        }
        c
    }

    pub fn responses(&self) -> i64 {
        self.promoters + self.passives + self.detractors
    }

    /// −100 to 100; `None` without an answer.
    pub fn score(&self) -> Option<f64> {
        let n = self.responses();
        (n > 0).then(|| (self.promoters - self.detractors) as f64 * 100.0 / n as f64)
    }

    pub fn add(&mut self, other: NpsCounts) {
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
    }
}

/// CSAT scores counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatCounts {
    pub responses: i64,
    /// Sum of the scores.
    pub total: i64,
    /// Scores of 4 or 5.
    pub satisfied: i64,
}

impl CsatCounts {
    /// Mean score, 1 to 5.
    pub fn average(&self) -> Option<f64> {
        (self.responses > 0).then(|| self.total as f64 / self.responses as f64)
    }

    /// Percent of scores that are 4 or 5.
    pub fn percent(&self) -> Option<f64> {
        (self.responses > 0).then(|| self.satisfied as f64 * 100.0 / self.responses as f64)
    }

    pub fn add(&mut self, other: CsatCounts) {
        self.responses += other.responses;
        self.total += other.total;
        self.satisfied += other.satisfied;
    }
}

/// One month of satisfaction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionMonth {
    /// Its first day.
    pub month: NaiveDate,
    pub csat: CsatCounts,
    pub nps: NpsCounts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_is_promoters_minus_detractors_in_percent() {
        assert_eq!(NpsClass::of(0), NpsClass::Detractor);
        assert_eq!(NpsClass::of(6), NpsClass::Detractor);
        assert_eq!(NpsClass::of(7), NpsClass::Passive);
        assert_eq!(NpsClass::of(8), NpsClass::Passive);
        assert_eq!(NpsClass::of(9), NpsClass::Promoter);
        assert_eq!(NpsClass::of(10), NpsClass::Promoter);
        // 5 promoters, 3 passives, 2 detractors: 50 % − 20 % = 30.
        let c = NpsCounts::of([10, 9, 9, 10, 9, 7, 8, 8, 3, 6]);
        assert_eq!(
            c,
            NpsCounts {
                promoters: 5,
                passives: 3,
                detractors: 2
            }
        );
        assert_eq!(c.score(), Some(30.0));
        assert_eq!(NpsCounts::of([0, 1, 2]).score(), Some(-100.0));
        assert_eq!(NpsCounts::of([9, 10]).score(), Some(100.0));
        assert_eq!(NpsCounts::of([7, 8]).score(), Some(0.0), "passives only: 0");
        assert_eq!(NpsCounts::default().score(), None);
        let mut sum = NpsCounts::of([10]);
        sum.add(NpsCounts::of([0, 0]));
        assert!((sum.score().unwrap() - (-100.0 / 3.0)).abs() < 1e-9);
    }

    #[test]
    fn csat_averages_and_counts_fours_and_fives() {
        let c = CsatCounts {
            responses: 4,
            total: 5 + 4 + 3 + 1,
            satisfied: 2,
        };
        assert_eq!(c.average(), Some(3.25));
        assert_eq!(c.percent(), Some(50.0));
        assert_eq!(CsatCounts::default().average(), None);
        assert_eq!(CsatCounts::default().percent(), None);
    }
}
