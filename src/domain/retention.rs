//! Retention and loyalty from what customers bought: the repeat-purchase rate,
//! cohorts by the month of their first purchase with the share still buying after 1,
//! 3, 6 and 12 months, and customers churned per month.
//!
//! "Still buying after N months" means a purchase N months or more after the first
//! one; a cohort younger than N months has no figure for N yet (`None`, not 0). A
//! customer has churned once [`CHURN_MONTHS`] pass without a purchase: it counts in
//! the month that happened (its last purchase month plus 12).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Months after the first purchase the cohort table looks at.
pub const RETENTION_MONTHS: [u32; 4] = [1, 3, 6, 12];

/// Months without a purchase after which a customer counts as churned.
pub const CHURN_MONTHS: u32 = 12;

/// The customers whose first purchase fell in one month, counted by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortCounts {
    /// The month's first day.
    pub month: NaiveDate,
    pub customers: i64,
    /// Of them, those with a purchase at least `RETENTION_MONTHS[i]` months after their first.
    pub still_buying: [i64; 4],
}

/// A cohort with its shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    pub month: NaiveDate,
    pub customers: i64,
    /// Percent still buying after 1, 3, 6 and 12 months; `None` where the cohort is
    /// not that old yet on `today`.
    pub retained: Vec<(u32, Option<f64>)>,
}

impl Cohort {
    pub fn new(c: &CohortCounts, today: NaiveDate) -> Self {
        let retained = RETENTION_MONTHS
            .iter()
            .zip(c.still_buying)
            .map(|(&n, kept)| {
                let old_enough = c
                    .month
                    .checked_add_months(chrono::Months::new(n))
                    .is_some_and(|d| d <= today);
                let share = (old_enough && c.customers > 0)
                    .then(|| kept as f64 * 100.0 / c.customers as f64);
                (n, share)
            })
            .collect();
        Self {
            month: c.month,
            customers: c.customers,
            retained,
        }
    }
}

/// Percent of buyers who bought more than once; `None` without buyers.
pub fn repeat_purchase_rate(buyers: i64, repeat_buyers: i64) -> Option<f64> {
    (buyers > 0).then(|| repeat_buyers as f64 * 100.0 / buyers as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_cohort_shows_shares_only_once_it_is_old_enough() {
        let c = CohortCounts {
            month: day(2026, 5, 1),
            customers: 8,
            still_buying: [6, 4, 2, 0],
        };
        let cohort = Cohort::new(&c, day(2026, 11, 23));
        assert_eq!(
            cohort.retained,
            vec![
                (1, Some(75.0)),
                (3, Some(50.0)),
                (6, Some(25.0)),
                (12, None)
            ]
        );
        // Exactly six months later the 6-month figure counts.
        let six = Cohort::new(&c, day(2026, 11, 1));
        assert_eq!(six.retained[2], (6, Some(25.0)));
        let young = Cohort::new(&c, day(2026, 5, 20));
        assert!(young.retained.iter().all(|(_, s)| s.is_none()));
        assert_eq!(repeat_purchase_rate(4, 1), Some(25.0));
        assert_eq!(repeat_purchase_rate(0, 0), None);
    }
}
