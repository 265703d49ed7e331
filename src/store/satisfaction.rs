//! CSAT and NPS per window in SQL, each over a partial index of the interactions that
//! carry a score (schema 13).

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store};
use crate::domain::satisfaction::{CsatCounts, NpsCounts};

impl Store {
    /// CSAT scores and NPS answers of interactions in `[from, to)`; for NPS each
    /// customer's latest answer in the window only. `operator`: only the customers it
    /// owns.
    pub fn satisfaction_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        operator: Option<i64>,
    ) -> Result<(CsatCounts, NpsCounts)> {
        self.require_kpis_of(operator)?;
        let (from, to) = (from.timestamp(), to.timestamp());
        self.read(|c| {
            let csat = c
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(i.satisfaction), 0),
                            count(*) FILTER (WHERE i.satisfaction >= 4)
                     FROM interactions i
                     WHERE i.satisfaction IS NOT NULL AND i.occurred_at >= ?1 AND i.occurred_at < ?2
                       AND (?3 IS NULL OR i.customer_id IN (SELECT id FROM customers WHERE owner_id = ?3))",
                )?
                .query_row(params![from, to, operator], |r| {
                    Ok(CsatCounts {
                        responses: r.get(0)?,
                        total: r.get(1)?,
                        satisfied: r.get(2)?,
                    })
                })?;
            let nps = c
                .prepare_cached(
                    "SELECT count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps BETWEEN 7 AND 8),
                            count(*) FILTER (WHERE nps <= 6)
                     FROM (SELECT i.nps, row_number() OVER (PARTITION BY i.customer_id
                                                           ORDER BY i.occurred_at DESC, i.id DESC) AS latest
                           FROM interactions i
                           WHERE i.nps IS NOT NULL AND i.occurred_at >= ?1 AND i.occurred_at < ?2
                             AND (?3 IS NULL OR i.customer_id IN (SELECT id FROM customers WHERE owner_id = ?3))) AS n
                     WHERE latest = 1",
                )?
                .query_row(params![from, to, operator], |r| {
                    Ok(NpsCounts {
                        promoters: r.get(0)?,
                        passives: r.get(1)?,
                        detractors: r.get(2)?,
                    })
                })?;
            Ok((csat, nps))
        })
    }
}
