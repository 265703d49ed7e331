//! Retention in SQL: cohorts and churn from `customer_value` (first and last purchase,
//! won deals per customer), one pass each.

use chrono::NaiveDate;
use rusqlite::params;

use super::sql_types::{date_text, parse_date_text};
use super::{Result, Store, StoreError};
use crate::domain::retention::{CHURN_MONTHS, CohortCounts};

fn month(text: String) -> rusqlite::Result<NaiveDate> {
    parse_date_text(Some(format!("{text}-01"))).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            "a purchase month that is not a date".into(),
        )
    })
}

impl Store {
    /// Buyers and repeat buyers (more than one won deal).
    pub fn repeat_buyers(&self) -> Result<(i64, i64)> {
        self.conn.query_row(
            "SELECT count(*), count(*) FILTER (WHERE won_deals > 1) FROM customer_value",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Cohorts by month of first purchase, from `since` (a first day) on, oldest first.
    pub fn cohorts(&self, since: NaiveDate) -> Result<Vec<CohortCounts>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT substr(first_won_on, 1, 7) AS m, count(*),
                    count(*) FILTER (WHERE last_won_on >= date(first_won_on, '+1 months')),
                    count(*) FILTER (WHERE last_won_on >= date(first_won_on, '+3 months')),
                    count(*) FILTER (WHERE last_won_on >= date(first_won_on, '+6 months')),
                    count(*) FILTER (WHERE last_won_on >= date(first_won_on, '+12 months'))
             FROM customer_value WHERE first_won_on >= ?1 GROUP BY m ORDER BY m",
        )?;
        let rows = stmt.query_map([date_text(Some(since))], |r| {
            Ok(CohortCounts {
                month: month(r.get(0)?)?,
                customers: r.get(1)?,
                still_buying: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Customers churned per month from `since` to `until` (first days, both
    /// included): those whose last purchase was [`CHURN_MONTHS`] months before.
    pub fn churned_by_month(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<(NaiveDate, i64)>> {
        let back = |d: NaiveDate| {
            d.checked_sub_months(chrono::Months::new(CHURN_MONTHS))
                .ok_or_else(|| StoreError::invalid("months", "too far back"))
        };
        let (from, to) = (back(since)?, back(until)?);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT strftime('%Y-%m', date(last_won_on, 'start of month', '+{CHURN_MONTHS} months')) AS m,
                    count(*)
             FROM customer_value
             WHERE last_won_on >= ?1 AND last_won_on < date(?2, '+1 months')
             GROUP BY m ORDER BY m"
        ))?;
        let rows = stmt.query_map(params![date_text(Some(from)), date_text(Some(to))], |r| {
            Ok((month(r.get(0)?)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
