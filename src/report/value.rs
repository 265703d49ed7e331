//! The customer-value report behind `rapport value`: the base's segments and the
//! customers worth the most, one code path for every front end.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::Result;
use crate::domain::value::RfmCuts;
use crate::domain::{Currency, CustomerValue, Segment};
use crate::store::Store;

/// Which customers the report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueQuery {
    /// Only this segment's customers.
    pub segment: Option<Segment>,
    /// At most this many, most revenue first.
    pub limit: usize,
}

/// One segment of the base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    pub segment: Segment,
    pub label: &'static str,
    pub meaning: &'static str,
    pub customers: i64,
    /// Percent of the customers who bought.
    pub share: f64,
    pub revenue_minor: i128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueReport {
    /// The local day the scores are measured on.
    pub as_of: chrono::NaiveDate,
    /// Every amount's currency.
    pub currency: Currency,
    /// Customers with at least one won deal: the base of the quintiles.
    pub customers_with_purchases: i64,
    /// Of the customers whose first purchase is over a year old, the percent who bought
    /// in the last 12 months (the lifetime value's retention); `None` when none is.
    pub retention_12m: Option<f64>,
    /// The quintile cuts every score is measured against.
    pub cuts: Option<RfmCuts>,
    pub segments: Vec<SegmentRow>,
    /// The segment `customers` is limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    /// The customers with the most revenue (in `segment`, if given).
    pub customers: Vec<CustomerValue>,
    /// Won deals in other currencies without an exchange rate: counted as purchases,
    /// not in revenue.
    pub unconverted_deals: i64,
}

/// The value report on the local day of `now`.
pub fn value_report<Tz: TimeZone>(
    store: &Store,
    query: ValueQuery,
    now: &DateTime<Tz>,
) -> Result<ValueReport> {
    let today = now.date_naive();
    let now_utc = now.with_timezone(&Utc);
    let base = store.value_base(today)?;
    let totals = store.segment_totals(&base)?;
    let top = store.top_purchasers(&base, query.segment, query.limit)?;
    let customers = store.customer_values(&base, &top, now_utc)?;
    let share = |n: i64| {
        if base.customers == 0 {
            0.0
        } else {
            n as f64 * 100.0 / base.customers as f64
        }
    };
    Ok(ValueReport {
        as_of: today,
        currency: base.currency,
        customers_with_purchases: base.customers,
        retention_12m: base.retention().map(|r| r * 100.0),
        cuts: base.cuts,
        segments: totals
            .iter()
            .map(|t| SegmentRow {
                segment: t.segment,
                label: t.segment.label(),
                meaning: t.segment.meaning(),
                customers: t.customers,
                share: share(t.customers),
                revenue_minor: t.revenue_minor,
            })
            .collect(),
        segment: query.segment,
        customers,
        unconverted_deals: base.unconverted_deals,
    })
}
