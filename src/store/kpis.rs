//! KPI definitions and the raw figures KPIs are computed from (the forecast reads
//! `Store::forecast_rows`, as the forecast by stage does).

use super::db::Db;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::measures::{MeasureScope, measure};
use super::sql_types::date_text;
use super::sums::read_sum;
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::kpi::{CurrencyTotal, KpiInputs, KpiWindow};
use crate::domain::kpi_measure::{Source, Tallies};
use crate::domain::{Currency, KpiDefinition, KpiFigure};

/// A row of deal totals' won amount (one currency, one close day) in the reporting
/// currency `?3`, converted with the rate of that day (NULL without one: its deals
/// are counted in `other_currency_won`).
fn won_in_currency() -> String {
    super::exchange::converted_sql(
        "(t.amount_hi * 1000000000 + t.amount_lo)",
        "t.currency",
        "t.closed_on",
        "?3",
    )
}

fn load_definitions(conn: &Db) -> Result<Vec<KpiDefinition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, name, grp, unit, target_milli, minimum_milli, higher_is_better, period
         FROM kpi_definitions",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(KpiDefinition {
            key: r.get(0)?,
            name: r.get(1)?,
            group: r.get(2)?,
            unit: r.get(3)?,
            target: KpiFigure::from_milli(r.get(4)?),
            minimum: KpiFigure::from_milli(r.get(5)?),
            higher_is_better: r.get(6)?,
            period: r.get(7)?,
        })
    })?;
    let mut defs: Vec<KpiDefinition> = rows.collect::<rusqlite::Result<_>>()?;
    defs.sort_by(|a, b| {
        let place =
            |d: &KpiDefinition| (crate::domain::kpi::builtin_position(&d.key), d.key.clone());
        place(a).cmp(&place(b))
    });
    Ok(defs)
}

/// The definition of `key` (any case), or a refusal listing the keys there are.
fn find_definition(defs: Vec<KpiDefinition>, key: &str) -> Result<KpiDefinition> {
    let wanted = key.trim();
    let keys: Vec<String> = defs.iter().map(|d| d.key.clone()).collect();
    defs.into_iter()
        .find(|d| d.key.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            StoreError::invalid(
                "kpi",
                format!("{wanted:?} is not one of: {}", keys.join(", ")),
            )
        })
}

impl Store {
    pub fn kpi_definitions(&self) -> Result<Vec<KpiDefinition>> {
        load_definitions(&self.conn)
    }

    /// One KPI's definition by key (any case); an unknown key is refused with the
    /// keys there are.
    pub fn kpi_definition(&self, key: &str) -> Result<KpiDefinition> {
        find_definition(load_definitions(&self.conn)?, key)
    }

    /// Refuses KPIs of anyone but the signed-in operator (`operator` `None`: the whole
    /// team) unless their role sees the team's.
    pub(super) fn require_kpis_of(&self, operator: Option<i64>) -> Result<()> {
        match &self.actor {
            Some(me) if operator == Some(me.id) => Ok(()),
            _ => self.require(Permission::SeeTeamKpis),
        }
    }

    /// The raw figures behind every KPI for `window`, read in one snapshot; see
    /// [`KpiInputs`] for what each counts. `now` bounds the follow-up figures.
    /// `operator`: only what that operator owns (deals, customers, follow-ups) or did
    /// (interactions); `None`: the whole team.
    pub fn kpi_inputs(
        &self,
        window: &KpiWindow,
        now: DateTime<Utc>,
        currency: Currency,
        operator: Option<i64>,
    ) -> Result<KpiInputs> {
        self.require_kpis_of(operator)?;
        let first_day = date_text(Some(window.first_day));
        let end_day = date_text(Some(window.end_day));
        let at = now;
        let now = now.timestamp();
        self.read(|c| {
            let mut inputs = KpiInputs::empty(currency);
            (
                inputs.won,
                inputs.lost,
                inputs.revenue_won_minor,
                inputs.other_currency_won,
                inputs.cycle_days_total,
            ) = c
                // From the maintained totals (schema 9): one row per close day, not per deal.
                .prepare_cached(&format!(
                    "SELECT
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won'), 0),
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'lost'), 0),
                        coalesce(sum(t.amount_hi) FILTER (WHERE s.outcome = 'won' AND t.currency = ?3), 0)
                          + coalesce(sum({conv} / 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3), 0),
                        coalesce(sum(t.amount_lo) FILTER (WHERE s.outcome = 'won' AND t.currency = ?3), 0)
                          + coalesce(sum({conv} % 1000000000) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3), 0),
                        coalesce(sum(t.deals) FILTER (WHERE s.outcome = 'won' AND t.currency <> ?3 AND {conv} IS NULL), 0),
                        coalesce(sum(t.cycle_days) FILTER (WHERE s.outcome = 'won'), 0)
                     FROM deal_totals t JOIN stages s ON s.id = t.stage_id
                     WHERE s.outcome IN ('won', 'lost') AND t.closed_on >= ?1 AND t.closed_on < ?2
                       AND (?4 IS NULL OR t.owner_id = ?4)",
                    conv = won_in_currency()
                ))?
                .query_row(params![first_day, end_day, currency.code(), operator], |r| {
                    Ok((r.get(0)?, r.get(1)?, read_sum(r, 2)?, r.get(4)?, r.get(5)?))
                })?;
            // From the KPI figures by quarter hour (schema 18), as the trends are.
            let one = std::slice::from_ref(window);
            let scope = MeasureScope {
                report_operator: operator,
                ..MeasureScope::default()
            };
            let of = |source| -> Result<Tallies> {
                let t = measure(c, source, &scope, one, at, currency)?;
                Ok(t.first().copied().unwrap_or_default())
            };
            inputs.new_customers = of(Source::NewCustomers)?.new_customers;
            let scores = of(Source::Scores)?;
            (inputs.satisfaction_total, inputs.satisfaction_count) =
                (scores.score_total, scores.scores);
            let due = of(Source::OnTime)?;
            (inputs.followups_due, inputs.followups_done_on_time) = (due.due, due.done_on_time);
            inputs.overdue_followups = c
                .prepare_cached(
                    "SELECT count(*) FROM reminders
                     WHERE done_at IS NULL AND coalesce(snoozed_until, due_at) < ?1
                       AND (?2 IS NULL OR owner_id = ?2)",
                )?
                .query_row(params![now, operator], |r| r.get(0))?;
            Ok(inputs)
        })
    }

    /// Won deals closed in `window` in currencies other than `currency` with no exchange
    /// rate for their close day, per currency (most deals first): what revenue in
    /// `currency` leaves out.
    pub fn won_in_other_currencies(
        &self,
        window: &KpiWindow,
        currency: Currency,
        operator: Option<i64>,
    ) -> Result<Vec<CurrencyTotal>> {
        self.require_kpis_of(operator)?;
        // From the maintained totals (schema 9).
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT t.currency, sum(t.deals), sum(t.amount_hi), sum(t.amount_lo)
             FROM deal_totals t JOIN stages s ON s.id = t.stage_id
             WHERE s.outcome = 'won' AND t.closed_on >= ?1 AND t.closed_on < ?2
               AND t.currency <> ?3 AND (?4 IS NULL OR t.owner_id = ?4) AND {} IS NULL
             GROUP BY t.currency ORDER BY sum(t.deals) DESC, t.currency",
            won_in_currency()
        ))?;
        let rows = stmt.query_map(
            params![
                date_text(Some(window.first_day)),
                date_text(Some(window.end_day)),
                currency.code(),
                operator
            ],
            |r| {
                let code: String = r.get(0)?;
                let currency = Currency::from_code(&code).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?;
                Ok(CurrencyTotal {
                    currency,
                    deals: r.get(1)?,
                    total_minor: read_sum(r, 2)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Writer<'_> {
    /// One KPI's definition as this transaction sees it.
    pub fn kpi_definition(&self, key: &str) -> Result<KpiDefinition> {
        find_definition(load_definitions(self.conn)?, key)
    }

    /// Changes a KPI's target and minimum. Refuses an unknown key, figures its unit
    /// does not allow (see `KpiDefinition::check_target`), and a minimum on the better
    /// side of the target.
    pub fn set_kpi_target(
        &mut self,
        key: &str,
        target: KpiFigure,
        minimum: KpiFigure,
    ) -> Result<()> {
        self.require(Permission::SetTargets)?;
        let def = find_definition(load_definitions(self.conn)?, key)?;
        def.check_target(target, minimum)?;
        let n = self.conn.execute(
            "UPDATE kpi_definitions SET target_milli = ?2, minimum_milli = ?3, version = version + 1,
                    updated_at = ?4
             WHERE key = ?1",
            params![def.key, target.milli(), minimum.milli(), self.now],
        )?;
        if n == 0 {
            return Err(StoreError::Message(format!(
                "KPI {:?} disappeared while it was being changed",
                def.key
            )));
        }
        self.audit_setting(
            &format!("KPI {} target/minimum", def.key),
            Some(format!("{}/{}", def.target, def.minimum)),
            Some(format!("{target}/{minimum}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, NaiveDate, Utc};

    use super::*;
    use crate::domain::exchange::{ExchangeRate, RateTable};
    use crate::domain::kpi::KpiRange;
    use crate::domain::pipeline_health::{Breakdown, ForecastTable, forecast_table};
    use crate::domain::{CustomerDraft, CustomerKind, DealDraft, Money, Period};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn store() -> (Store, i64) {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        let c = s
            .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
            .unwrap();
        (s, c)
    }

    fn deal(
        s: &mut Store,
        customer: i64,
        amount: &str,
        currency: &str,
        probability: u8,
        close: Option<NaiveDate>,
    ) -> i64 {
        let currency = Currency::from_code(currency).unwrap();
        s.add_deal(&DealDraft {
            customer_id: customer,
            title: "Deal".into(),
            amount: Money::parse(amount, currency).unwrap(),
            stage_id: None,
            probability: Some(probability),
            expected_close: close,
            owner_id: None,
        })
        .unwrap()
    }

    /// The KPI forecast as the report computes it: `months` months from `first`'s,
    /// in `currency`, at `first`'s rates.
    fn forecast(s: &Store, first: NaiveDate, months: u32, currency: Currency) -> ForecastTable {
        let rates = RateTable::new(Currency::USD, s.exchange_rates().unwrap());
        let rows = s.forecast_rows(false, None).unwrap();
        forecast_table(
            Breakdown::Stage,
            first,
            months,
            first,
            &rates,
            currency,
            &[],
            &rows,
        )
    }

    fn months(t: &ForecastTable) -> Vec<(NaiveDate, i64, i128, i128)> {
        t.months
            .iter()
            .zip(&t.totals)
            .map(|(m, c)| (*m, c.deals, c.total_minor, c.weighted_minor))
            .collect()
    }

    #[test]
    fn forecast_buckets_open_deals_by_month_with_weighted_minor_units() {
        let (mut s, c) = store();
        let late = deal(&mut s, c, "1000", "USD", 50, Some(day(2026, 10, 15)));
        deal(&mut s, c, "2000", "USD", 25, Some(day(2026, 11, 30)));
        deal(&mut s, c, "333.33", "USD", 10, Some(day(2027, 1, 10)));
        deal(&mut s, c, "5000", "USD", 75, Some(day(2027, 2, 1))); // after 3 months
        deal(&mut s, c, "800", "USD", 50, None);
        deal(&mut s, c, "4000", "EUR", 50, Some(day(2026, 12, 1)));
        let won = deal(&mut s, c, "9000", "USD", 90, Some(day(2026, 12, 5)));
        s.write(|w| w.mark_deal_won(won, day(2026, 11, 23)))
            .unwrap();

        let f = forecast(&s, day(2026, 11, 17), 3, Currency::USD);
        assert_eq!(
            months(&f),
            [
                // The late deal counts in the first month.
                (day(2026, 11, 1), 2, 300_000, 100_000),
                // The EUR deal without a rate: counted, without its amount.
                (day(2026, 12, 1), 1, 0, 0),
                // 33,333 × 10 / 100 = 3,333.3, rounded down.
                (day(2027, 1, 1), 1, 33_333, 3_333),
            ]
        );
        assert_eq!((f.undated_deals, f.later_deals), (1, 1));
        assert_eq!(
            f.left_out,
            [CurrencyTotal {
                currency: Currency::EUR,
                deals: 1,
                total_minor: 400_000
            }]
        );
        // With a rate of the day, the EUR deal converts: 4,000 EUR × 1.10.
        s.write(|w| {
            w.set_exchange_rate(
                &ExchangeRate::parse(Currency::EUR, Currency::USD, day(2026, 11, 1), "1.10")
                    .unwrap(),
            )
        })
        .unwrap();
        let f = forecast(&s, day(2026, 11, 17), 3, Currency::USD);
        assert_eq!(months(&f)[1], (day(2026, 12, 1), 1, 440_000, 220_000));
        assert!(f.left_out.is_empty());
        // In EUR from December: the EUR deal, and the late USD ones (October's and
        // November's, each 500.00 weighted) at 1 / 1.10, rounded per month.
        let eur = forecast(&s, day(2026, 12, 1), 1, Currency::EUR);
        assert_eq!(
            (eur.totals[0].deals, eur.totals[0].weighted_minor),
            (3, 200_000 + 2 * 45_455)
        );
        // Closing the late deal removes it from the forecast.
        s.write(|w| w.mark_deal_lost(late, "budget", day(2026, 11, 23)))
            .unwrap();
        let f = forecast(&s, day(2026, 11, 1), 3, Currency::USD);
        assert_eq!((f.totals[0].deals, f.totals[0].total_minor), (1, 200_000));
        assert!(
            forecast(&s, day(2026, 11, 1), 0, Currency::USD)
                .totals
                .is_empty()
        );
    }

    /// Rows written before amounts were capped (schema 7) may hold up to `i64::MAX`.
    #[test]
    fn forecast_and_revenue_sums_do_not_overflow() {
        let (mut s, c) = store();
        let big = i64::MAX / 2 + 17;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(deal(&mut s, c, "1", "USD", 75, Some(day(2026, 11, 30))));
        }
        s.conn
            .execute_batch(
                "DROP TRIGGER deals_amount_cap_insert; DROP TRIGGER deals_amount_cap_update",
            )
            .unwrap();
        for id in &ids {
            s.conn
                .execute(
                    "UPDATE deals SET amount_minor = ?2 WHERE id = ?1",
                    params![id, big],
                )
                .unwrap();
        }
        let f = forecast(&s, day(2026, 11, 1), 1, Currency::USD);
        let exact = i128::from(big) * 3;
        assert_eq!(
            (f.totals[0].total_minor, f.totals[0].weighted_minor),
            (exact, (i128::from(big) * 75 / 100) * 3)
        );
        for id in &ids {
            s.write(|w| w.mark_deal_won(*id, day(2026, 11, 23)))
                .unwrap();
        }
        let window = KpiRange::Period(Period::Month).window(&now()).unwrap();
        let i = s.kpi_inputs(&window, now(), Currency::USD, None).unwrap();
        assert_eq!((i.won, i.revenue_won_minor), (3, exact));
    }

    #[test]
    fn inputs_count_closed_days_inside_the_window_and_split_currencies() {
        let (mut s, c) = store();
        // Deals are created 2026-10-01 (UTC), however late they were entered.
        let add_old = |s: &mut Store, amount: &str, cur: &str| {
            let currency = Currency::from_code(cur).unwrap();
            s.write(|w| {
                w.backdate(
                    DateTime::parse_from_rfc3339("2026-10-01T23:30:00Z")
                        .unwrap()
                        .to_utc(),
                );
                w.add_deal(&DealDraft {
                    customer_id: c,
                    title: "Old".into(),
                    amount: Money::parse(amount, currency).unwrap(),
                    stage_id: None,
                    probability: None,
                    expected_close: None,
                    owner_id: None,
                })
            })
            .unwrap()
        };
        let a = add_old(&mut s, "100", "USD");
        let b = add_old(&mut s, "200", "USD");
        let e = add_old(&mut s, "300", "EUR");
        let before = add_old(&mut s, "400", "USD");
        let reopened = add_old(&mut s, "500", "USD");
        s.write(|w| w.mark_deal_won(a, day(2026, 11, 1))).unwrap(); // first day: in
        s.write(|w| w.mark_deal_won(b, day(2026, 11, 30))).unwrap(); // last day: in
        s.write(|w| w.mark_deal_won(e, day(2026, 11, 11))).unwrap();
        s.write(|w| w.mark_deal_won(before, day(2026, 10, 31)))
            .unwrap(); // out
        s.write(|w| w.mark_deal_won(reopened, day(2026, 11, 5)))
            .unwrap();
        s.write(|w| w.move_deal(reopened, "proposal")).unwrap(); // no longer closed

        let window = KpiRange::Period(Period::Month).window(&now()).unwrap();
        let i = s.kpi_inputs(&window, now(), Currency::USD, None).unwrap();
        assert_eq!(
            (i.won, i.lost, i.revenue_won_minor, i.other_currency_won),
            (3, 0, 30_000, 1)
        );
        // Created on 2026-10-01 (UTC): 31 + 60 + 41 days.
        assert_eq!(i.cycle_days_total, 31 + 60 + 41);
        let eur = s.kpi_inputs(&window, now(), Currency::EUR, None).unwrap();
        assert_eq!((eur.revenue_won_minor, eur.other_currency_won), (30_000, 2));
        let one_day = KpiRange::dates(day(2026, 11, 30), day(2026, 11, 30))
            .unwrap()
            .window(&now())
            .unwrap();
        let i = s.kpi_inputs(&one_day, now(), Currency::USD, None).unwrap();
        assert_eq!((i.won, i.revenue_won_minor), (1, 20_000));
    }

    fn fig(n: i64) -> KpiFigure {
        KpiFigure::whole(n)
    }

    #[test]
    fn kpi_targets_change_and_bad_ones_are_refused() {
        let (mut s, _) = store();
        s.write(|w| w.set_kpi_target("Win_Rate", fig(40), fig(25)))
            .unwrap();
        let win = s
            .kpi_definitions()
            .unwrap()
            .into_iter()
            .find(|d| d.key == "win_rate")
            .unwrap();
        assert_eq!((win.target, win.minimum), (fig(40), fig(25)));
        let err = s
            .write(|w| w.set_kpi_target("churn", fig(1), fig(1)))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("kpi: \"churn\" is not one of: revenue_won"),
            "{err}"
        );
        let err = s
            .write(|w| w.set_kpi_target("win_rate", fig(101), fig(1)))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("target: 101% is over 100%; a percentage runs from 0 to 100"),
            "{err}"
        );
        let err = s
            .write(|w| w.set_kpi_target("avg_cycle_days", fig(30), fig(10)))
            .unwrap_err();
        assert!(err.to_string().starts_with("minimum:"), "{err}");
        let after: Vec<(KpiFigure, KpiFigure)> = s
            .kpi_definitions()
            .unwrap()
            .iter()
            .map(|d| (d.target, d.minimum))
            .collect();
        assert_eq!(after[2], (fig(40), fig(25)));
        assert_eq!(
            after[3],
            (fig(30), fig(60)),
            "refused changes write nothing"
        );
    }
}
