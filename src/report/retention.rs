//! The retention report behind `rapport retention`: repeat-purchase rate, monthly
//! cohorts and churn, from what customers bought.

use chrono::{DateTime, Months, NaiveDate, TimeZone};
use serde::Serialize;

use crate::Result;
use crate::domain::kpi::first_of_month;
use crate::domain::retention::{CHURN_MONTHS, Cohort, RETENTION_MONTHS, repeat_purchase_rate};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionReport {
    pub as_of: NaiveDate,
    /// Customers with at least one won deal.
    pub buyers: i64,
    /// Of them, with more than one.
    pub repeat_buyers: i64,
    pub repeat_purchase_rate: Option<f64>,
    /// The months after a first purchase the cohorts are measured at.
    pub retention_months: Vec<u32>,
    /// Cohorts by month of first purchase, oldest first (the last `months`).
    pub cohorts: Vec<Cohort>,
    /// Months without a purchase after which a customer counts as churned.
    pub churn_months: u32,
    /// Customers churned per month, every month listed, oldest first.
    pub churned: Vec<(NaiveDate, i64)>,
}

/// The last `months` local calendar months up to this one.
pub fn retention_report<Tz: TimeZone>(
    store: &Store,
    months: u32,
    now: &DateTime<Tz>,
) -> Result<RetentionReport> {
    let today = now.date_naive();
    let this = first_of_month(today);
    let since = this
        .checked_sub_months(Months::new(months.saturating_sub(1)))
        .unwrap_or(this);
    let (buyers, repeat_buyers) = store.repeat_buyers()?;
    let cohorts = store
        .cohorts(since)?
        .iter()
        .map(|c| Cohort::new(c, today))
        .collect();
    let found = store.churned_by_month(since, this)?;
    let churned = (0..months)
        .filter_map(|i| since.checked_add_months(Months::new(i)))
        .filter(|m| *m <= this)
        .map(|m| {
            let n = found.iter().find(|(d, _)| *d == m).map_or(0, |(_, n)| *n);
            (m, n)
        })
        .collect();
    Ok(RetentionReport {
        as_of: today,
        buyers,
        repeat_buyers,
        repeat_purchase_rate: repeat_purchase_rate(buyers, repeat_buyers),
        retention_months: RETENTION_MONTHS.to_vec(),
        cohorts,
        churn_months: CHURN_MONTHS,
        churned,
    })
}
