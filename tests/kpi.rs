//! KPIs end to end: a small database with known deals, scores and follow-ups on a
//! fixed clock, every figure asserted through `kpi_report` (the one code path the CLI
//! and the full-screen app share), and the real binary's `rapport kpi`.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use common::*;
use rapport::domain::kpi::{CurrencyTotal, ForecastMonth, KpiRange};
use rapport::domain::*;
use rapport::report::{KpiReport, kpi_report};
use rapport::store::{Store, Writer};

/// Monday 2026-11-23, 09:30 UTC.
fn fixed_clock() -> DateTime<Utc> {
    at("2026-11-23T09:30:00Z")
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn usd(amount: &str) -> Money {
    Money::parse(amount, Currency::USD).unwrap()
}

fn customer(w: &mut Writer<'_>, name: &str, created: &str) -> i64 {
    w.backdate(at(created));
    w.add_customer(&CustomerDraft::new(CustomerKind::Person, name))
        .unwrap()
}

fn deal(
    w: &mut Writer<'_>,
    customer_id: i64,
    amount: Money,
    probability: Option<u8>,
    expected_close: Option<NaiveDate>,
    created: &str,
) -> i64 {
    w.backdate(at(created));
    w.add_deal(&DealDraft {
        customer_id,
        title: "Deal".into(),
        amount,
        stage_id: None,
        probability,
        expected_close,
        owner_id: None,
    })
    .unwrap()
}

fn interaction(w: &mut Writer<'_>, customer_id: i64, when: &str, satisfaction: Option<u8>) {
    w.log_interaction(&InteractionDraft {
        customer_id,
        deal_id: None,
        kind: InteractionKind::Call,
        direction: Direction::Out,
        occurred_at: at(when),
        operator_id: None,
        summary: "Call".into(),
        outcome: None,
        satisfaction,
        nps: None,
    })
    .unwrap();
}

/// A follow-up due at `due`, optionally snoozed, optionally done at `done`.
fn reminder(
    w: &mut Writer<'_>,
    customer_id: i64,
    due: &str,
    snoozed: Option<&str>,
    done: Option<&str>,
) {
    let id = w
        .add_reminder(&ReminderDraft {
            customer_id,
            deal_id: None,
            due_at: at(due),
            note: "Follow up".into(),
            recurrence: None,
            owner_id: None,
        })
        .unwrap();
    if let Some(until) = snoozed {
        w.snooze_reminder(id, at(until), None).unwrap();
    }
    if let Some(done) = done {
        w.complete_reminder(id, at(done)).unwrap();
    }
}

/// November 2026, seen on 2026-11-23 09:30 UTC:
///
/// - customers: one from October, three from November (UTC), and one created
///   2026-10-31 21:00 UTC, which is already 1 November in Tehran;
/// - USD deals won in November: 1,000.00 (10 days), 2,500.50 (20 days), 500.00
///   (30 days); one EUR deal won (4 days); one USD deal lost; one USD deal won in
///   October (30 days);
/// - open deals: USD 1,000 at 50 % expected in October (late), USD 2,000 at 25 % in
///   November, USD 333.33 at 10 % in January, USD 5,000 at 75 % in June (past the
///   forecast), USD 800 without a date, EUR 4,000 at 50 % in December;
/// - satisfaction 5, 3 and 4 in November, one call without a score, 1 in October;
/// - follow-ups due in November up to now: four done on time (one exactly 24 h
///   late, one early), one done two days late, one snoozed and done late against
///   its original due time, one open and overdue, one open but snoozed into the
///   future; one due later this month; one from October still open.
fn november_store(db: &TempDb) -> Store {
    let mut store = common::open(&db.path)
        .unwrap()
        .with_clock(Arc::new(fixed_clock));
    store
        .write(|w| {
            let a = customer(w, "Old Customer", "2026-10-15T10:00:00Z");
            let b = customer(w, "Новый Клиент", "2026-11-02T10:00:00Z");
            customer(w, "مشتری تازه", "2026-11-10T10:00:00Z");
            customer(w, "Ada", "2026-11-20T10:00:00Z");
            customer(w, "Tehran Midnight", "2026-10-31T21:00:00Z");

            let d1 = deal(w, a, usd("1,000"), None, None, "2026-10-22T12:00:00Z");
            let d2 = deal(w, a, usd("2,500.50"), None, None, "2026-10-13T12:00:00Z");
            let d3 = deal(w, b, usd("500"), None, None, "2026-10-21T12:00:00Z");
            let d4 = deal(w, a, usd("700"), None, None, "2026-11-01T12:00:00Z");
            let eur = Money::parse("9,000", Currency::EUR).unwrap();
            let d5 = deal(w, b, eur, None, None, "2026-11-01T12:00:00Z");
            let d6 = deal(w, a, usd("10,000"), None, None, "2026-09-30T12:00:00Z");
            w.mark_deal_won(d1, day(2026, 11, 1))?;
            w.mark_deal_won(d2, day(2026, 11, 2))?;
            w.mark_deal_won(d3, day(2026, 11, 20))?;
            w.mark_deal_lost(d4, "chose a competitor", day(2026, 11, 15))?;
            w.mark_deal_won(d5, day(2026, 11, 5))?;
            w.mark_deal_won(d6, day(2026, 10, 30))?;

            let now = "2026-11-23T09:30:00Z";
            deal(w, a, usd("1,000"), Some(50), Some(day(2026, 10, 15)), now);
            deal(w, a, usd("2,000"), Some(25), Some(day(2026, 11, 30)), now);
            deal(w, b, usd("333.33"), Some(10), Some(day(2027, 1, 10)), now);
            deal(w, b, usd("5,000"), Some(75), Some(day(2027, 6, 1)), now);
            deal(w, b, usd("800"), Some(50), None, now);
            let eur = Money::parse("4,000", Currency::EUR).unwrap();
            deal(w, a, eur, Some(50), Some(day(2026, 12, 1)), now);

            interaction(w, a, "2026-11-03T10:00:00Z", Some(5));
            interaction(w, a, "2026-11-10T10:00:00Z", Some(3));
            interaction(w, b, "2026-11-22T10:00:00Z", Some(4));
            interaction(w, b, "2026-11-12T10:00:00Z", None);
            interaction(w, a, "2026-10-30T10:00:00Z", Some(1));

            // On time.
            reminder(
                w,
                a,
                "2026-11-05T10:00:00Z",
                None,
                Some("2026-11-05T15:00:00Z"),
            );
            reminder(
                w,
                a,
                "2026-11-01T08:00:00Z",
                None,
                Some("2026-11-02T08:00:00Z"),
            );
            reminder(
                w,
                a,
                "2026-11-21T09:00:00Z",
                None,
                Some("2026-11-21T08:00:00Z"),
            );
            reminder(
                w,
                b,
                "2026-11-23T09:00:00Z",
                None,
                Some("2026-11-23T09:10:00Z"),
            );
            // Late: two days after; and done within a day of the snooze but five
            // days after the original due time.
            reminder(
                w,
                a,
                "2026-11-10T10:00:00Z",
                None,
                Some("2026-11-12T10:00:00Z"),
            );
            reminder(
                w,
                a,
                "2026-11-15T09:00:00Z",
                Some("2026-11-20T09:00:00Z"),
                Some("2026-11-20T10:00:00Z"),
            );
            // Open: overdue; snoozed past now; due later this month; from October.
            reminder(w, b, "2026-11-20T10:00:00Z", None, None);
            reminder(
                w,
                b,
                "2026-11-22T10:00:00Z",
                Some("2026-11-25T10:00:00Z"),
                None,
            );
            reminder(w, b, "2026-11-28T10:00:00Z", None, None);
            reminder(w, a, "2026-10-28T10:00:00Z", None, None);
            Ok(())
        })
        .unwrap();
    store
}

/// `(key, value, standing)` for every KPI, in definition order.
fn figures(r: &KpiReport) -> Vec<(&str, Option<f64>, Option<KpiStanding>)> {
    r.kpis
        .iter()
        .map(|k| (k.key.as_str(), k.value, k.standing))
        .collect()
}

fn month(y: i32, m: u32, deals: i64, total_minor: i128, weighted_minor: i128) -> ForecastMonth {
    ForecastMonth {
        month: day(y, m, 1),
        deals,
        total_minor,
        weighted_minor,
    }
}

#[test]
fn every_figure_of_the_month_is_exact() {
    use KpiStanding::*;
    let db = TempDb::new();
    let store = november_store(&db);
    let r = kpi_report(
        &store,
        KpiRange::Period(Period::Month),
        Currency::USD,
        &fixed_clock(),
    )
    .unwrap();
    assert_eq!(r.period, "month");
    assert_eq!(
        (r.from, r.to),
        (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"))
    );
    assert_eq!(
        (r.first_day, r.last_day),
        (day(2026, 11, 1), day(2026, 11, 30))
    );
    assert_eq!(r.currency, Currency::USD);
    assert_eq!(
        figures(&r),
        [
            // 1,000.00 + 2,500.50 + 500.00; the EUR deal and October's are not in it.
            ("revenue_won", Some(4_000.5), Some(BelowMinimum)),
            // Three USD and one EUR.
            ("deals_won", Some(4.0), Some(BelowMinimum)),
            // 4 won of 5 closed.
            ("win_rate", Some(80.0), Some(AtTarget)),
            // (10 + 20 + 30 + 4) / 4.
            ("avg_cycle_days", Some(16.0), Some(AtTarget)),
            // Created 2 Nov, 10 Nov, 20 Nov (UTC).
            ("new_customers", Some(3.0), Some(BelowMinimum)),
            // (5 + 3 + 4) / 3.
            ("avg_satisfaction", Some(4.0), Some(BetweenMinimumAndTarget)),
            // 4 of the 8 due in November up to now.
            ("followups_on_time", Some(50.0), Some(BelowMinimum)),
            // Due 20 Nov (open) and 28 Oct (open); the snoozed one is not yet due.
            (
                "overdue_followups",
                Some(2.0),
                Some(BetweenMinimumAndTarget)
            ),
            // 4,000.50 over the three won in USD.
            ("avg_won_deal", Some(1_333.5), Some(BelowMinimum)),
        ]
    );
    assert_eq!(r.other_currency_won, 1);
    assert_eq!(r.open_deals_without_close_date, 1);
    assert_eq!(r.open_deals_after_forecast, 1, "June's");
    // No EUR rate: December's EUR deal is counted, its amount left out and said so.
    assert_eq!(
        r.forecast_left_out,
        [CurrencyTotal {
            currency: Currency::EUR,
            deals: 1,
            total_minor: 400_000
        }]
    );
    assert_eq!(r.forecast_missing_rates, [Currency::EUR]);
    assert_eq!(
        r.forecast,
        [
            // The late October deal counts now: 1,000 × 50 % + 2,000 × 25 %.
            month(2026, 11, 2, 300_000, 100_000),
            month(2026, 12, 1, 0, 0),
            // 333.33 × 10 % = 33.333, rounded down to whole cents.
            month(2027, 1, 1, 33_333, 3_333),
            month(2027, 2, 0, 0, 0),
            month(2027, 3, 0, 0, 0),
            month(2027, 4, 0, 0, 0),
        ]
    );
    let win = &r.kpis[2];
    assert_eq!(
        (
            win.name.as_str(),
            win.group,
            win.unit,
            win.target,
            win.minimum
        ),
        (
            "Win rate",
            KpiGroup::Internal,
            KpiUnit::Percent,
            Some(35.0),
            Some(20.0)
        )
    );
}

#[test]
fn all_time_week_and_explicit_days() {
    use KpiStanding::*;
    let db = TempDb::new();
    let store = november_store(&db);
    let now = fixed_clock();

    let all = kpi_report(&store, Period::All.into(), Currency::USD, &now).unwrap();
    assert_eq!(all.period, "all");
    assert_eq!(
        (all.from, all.to),
        (DateTime::UNIX_EPOCH, at("2026-11-23T09:30:01Z"))
    );
    assert_eq!(
        figures(&all),
        [
            // Totals over all time have no target to stand against.
            ("revenue_won", Some(14_000.5), None),
            ("deals_won", Some(5.0), None),
            ("win_rate", Some(500.0 / 6.0), Some(AtTarget)),
            ("avg_cycle_days", Some(94.0 / 5.0), Some(AtTarget)),
            ("new_customers", Some(5.0), None),
            ("avg_satisfaction", Some(13.0 / 4.0), Some(BelowMinimum)),
            // October's open follow-up is now among those due.
            ("followups_on_time", Some(400.0 / 9.0), Some(BelowMinimum)),
            (
                "overdue_followups",
                Some(2.0),
                Some(BetweenMinimumAndTarget)
            ),
            // 14,000.50 over the four won in USD.
            (
                "avg_won_deal",
                Some(3_500.125),
                Some(BetweenMinimumAndTarget)
            ),
        ]
    );

    // Monday 23 to Sunday 29 November: nothing closed, no scores.
    let week = kpi_report(&store, Period::Week.into(), Currency::USD, &now).unwrap();
    assert_eq!(
        (week.first_day, week.last_day),
        (day(2026, 11, 23), day(2026, 11, 29))
    );
    assert_eq!(
        figures(&week),
        [
            ("revenue_won", Some(0.0), Some(BelowMinimum)),
            ("deals_won", Some(0.0), Some(BelowMinimum)),
            ("win_rate", None, None),
            ("avg_cycle_days", None, None),
            ("new_customers", Some(0.0), Some(BelowMinimum)),
            ("avg_satisfaction", None, None),
            ("followups_on_time", Some(100.0), Some(AtTarget)),
            (
                "overdue_followups",
                Some(2.0),
                Some(BetweenMinimumAndTarget)
            ),
            ("avg_won_deal", None, None),
        ]
    );
    assert_eq!(week.other_currency_won, 0);
    assert_eq!(
        week.forecast.len(),
        6,
        "the forecast does not depend on the window"
    );

    // 1 and 2 November, both inclusive.
    let range = KpiRange::dates(day(2026, 11, 1), day(2026, 11, 2)).unwrap();
    let two = kpi_report(&store, range, Currency::USD, &now).unwrap();
    assert_eq!(two.period, "2026-11-01 to 2026-11-02");
    assert_eq!(
        (two.from, two.to),
        (at("2026-11-01T00:00:00Z"), at("2026-11-03T00:00:00Z"))
    );
    assert_eq!(
        figures(&two),
        [
            // Two days' targets: 2 × 12/365 of a month's (3,288 revenue, 1 deal won,
            // 1 new customer), so the first two days of November are on target.
            ("revenue_won", Some(3_500.5), Some(AtTarget)),
            ("deals_won", Some(2.0), Some(AtTarget)),
            ("win_rate", Some(100.0), Some(AtTarget)),
            ("avg_cycle_days", Some(15.0), Some(AtTarget)),
            ("new_customers", Some(1.0), Some(AtTarget)),
            ("avg_satisfaction", None, None),
            ("followups_on_time", Some(100.0), Some(AtTarget)),
            (
                "overdue_followups",
                Some(2.0),
                Some(BetweenMinimumAndTarget)
            ),
            // 3,500.50 over the two won.
            ("avg_won_deal", Some(1_750.25), Some(BelowMinimum)),
        ]
    );
    let reversed = KpiRange::Dates {
        from: day(2026, 11, 2),
        to: day(2026, 11, 1),
    };
    let err = kpi_report(&store, reversed, Currency::USD, &now).unwrap_err();
    assert!(err.to_string().starts_with("from:"), "{err}");
}

#[test]
fn the_window_follows_the_operators_time_zone_and_currency() {
    let db = TempDb::new();
    let store = november_store(&db);
    // The same instant in Tehran (UTC+03:30): November starts at 31 Oct 20:30 UTC,
    // so the customer created at 21:00 UTC that evening is November's.
    let tehran = fixed_clock().with_timezone(&FixedOffset::east_opt(3 * 3600 + 1800).unwrap());
    let r = kpi_report(&store, Period::Month.into(), Currency::USD, &tehran).unwrap();
    assert_eq!(r.from, at("2026-10-31T20:30:00Z"));
    assert_eq!(r.kpis[4].key, "new_customers");
    assert_eq!(r.kpis[4].value, Some(4.0));

    let eur = kpi_report(&store, Period::Month.into(), Currency::EUR, &fixed_clock()).unwrap();
    assert_eq!(eur.kpis[0].value, Some(9_000.0));
    assert_eq!(
        eur.kpis[1].value,
        Some(4.0),
        "deals won counts every currency"
    );
    assert_eq!(eur.other_currency_won, 3);
    assert_eq!(eur.forecast[1], month(2026, 12, 1, 400_000, 200_000));
    // EUR has no rate: the USD deals of November and January are counted without
    // their amounts; undated and later ones are counted apart in any currency.
    assert_eq!(
        eur.forecast_left_out,
        [CurrencyTotal {
            currency: Currency::USD,
            deals: 3,
            total_minor: 333_333
        }]
    );
    assert_eq!(eur.forecast_missing_rates, [Currency::EUR]);
    assert_eq!((eur.forecast[0].deals, eur.forecast[0].total_minor), (2, 0));
    assert_eq!(eur.open_deals_without_close_date, 1);
    assert_eq!(eur.open_deals_after_forecast, 1);
}

#[test]
fn changed_targets_change_the_standing() {
    let db = TempDb::new();
    let mut store = november_store(&db);
    store
        .write(|w| w.set_kpi_target("deals_won", KpiFigure::whole(4), KpiFigure::whole(2)))
        .unwrap();
    let r = kpi_report(&store, Period::Month.into(), Currency::USD, &fixed_clock()).unwrap();
    let k = &r.kpis[1];
    assert_eq!(
        (k.key.as_str(), k.target, k.minimum, k.standing),
        (
            "deals_won",
            Some(4.0),
            Some(2.0),
            Some(KpiStanding::AtTarget)
        )
    );
}

/// Builds, with the library and the real clock, a database with one deal won in
/// 2020 and one open deal expected to close today.
fn real_clock_db() -> TempDb {
    let db = TempDb::new();
    let mut store = common::open(&db.path).unwrap();
    // The tests' operator, so running the CLI later writes nothing by itself.
    store.ensure_operator("tester").unwrap();
    let today = Utc::now().date_naive();
    store
        .write(|w| {
            let c = customer(w, "Ada", "2020-01-01T10:00:00Z");
            let won = deal(w, c, usd("1,234.56"), None, None, "2020-01-10T10:00:00Z");
            w.mark_deal_won(won, day(2020, 2, 9))?;
            deal(
                w,
                c,
                usd("1,000"),
                Some(50),
                Some(today),
                "2020-03-01T10:00:00Z",
            );
            Ok(())
        })
        .unwrap();
    db
}

/// The forecast converts open deals in other currencies at today's rates, through the
/// default currency as `rapport forecast` does; a currency without a rate today is
/// named, with the deals it leaves out of the amounts.
#[test]
fn the_forecast_converts_other_currencies_and_names_missing_rates() {
    let db = real_clock_db();
    let p = &db.path;
    ok(
        p,
        &[
            "deal",
            "add",
            "1",
            "--title",
            "Looms",
            "--amount",
            "2000",
            "--currency",
            "EUR",
            "--probability",
            "25",
            "--close",
            "today",
        ],
    );
    ok(
        p,
        &[
            "deal",
            "add",
            "1",
            "--title",
            "Silk",
            "--amount",
            "3000",
            "--currency",
            "GBP",
            "--probability",
            "10",
            "--close",
            "today",
        ],
    );
    ok(
        p,
        &["currency", "set", "EUR", "1.10", "--date", "2020-01-01"],
    );
    let v = json(p, &["kpi", "--currency", "USD"]);
    // 1,000 USD at 50 %; 2,000 EUR × 1.10 = 2,200 USD at 25 %; the GBP deal counted.
    assert_eq!(v["forecast"][0]["deals"], 3);
    assert_eq!(v["forecast"][0]["total_minor"], 320_000);
    assert_eq!(v["forecast"][0]["weighted_minor"], 50_000 + 55_000);
    assert_eq!(
        v["forecast_left_out"],
        serde_json::json!([{"currency": "GBP", "deals": 1, "total_minor": 300_000}])
    );
    assert_eq!(v["forecast_missing_rates"], serde_json::json!(["GBP"]));
    let text = ok(p, &["kpi", "--currency", "USD"]);
    assert!(
        text.contains(
            "forecast amounts leave out 1 deal in GBP (3,000.00), counted in its month's deals: \
             no exchange rate for GBP today"
        ),
        "{text}"
    );
    // In EUR, through USD: 1,000 / 1.10 = 909.09 EUR, the EUR deal as it is.
    let eur = json(p, &["kpi", "--currency", "EUR"]);
    assert_eq!(eur["forecast"][0]["total_minor"], 90_909 + 200_000);
    assert_eq!(eur["forecast_missing_rates"], serde_json::json!(["GBP"]));
    // A report in GBP has no rate of its own: every other deal is left out, by currency.
    let gbp = json(p, &["kpi", "--currency", "GBP"]);
    assert_eq!(gbp["forecast"][0]["total_minor"], 300_000);
    let left: Vec<(&str, i64)> = gbp["forecast_left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["currency"].as_str().unwrap(),
                t["deals"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(left, [("EUR", 1), ("USD", 1)]);
    assert_eq!(gbp["forecast_missing_rates"], serde_json::json!(["GBP"]));
    // With a GBP rate nothing is left out.
    ok(
        p,
        &["currency", "set", "GBP", "1.25", "--date", "2020-01-01"],
    );
    let v = json(p, &["kpi", "--currency", "USD"]);
    assert_eq!(v["forecast"][0]["total_minor"], 320_000 + 375_000);
    assert_eq!(v["forecast_left_out"], serde_json::json!([]));
    assert!(!ok(p, &["kpi"]).contains("leave out"));
}

#[test]
fn the_binary_reports_all_time_as_json() {
    let db = real_clock_db();
    let v = json(&db.path, &["kpi", "--period", "all", "--currency", "USD"]);
    assert_eq!(v["period"], "all");
    assert_eq!(v["currency"], "USD");
    let kpi = |key: &str| {
        v["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(kpi("revenue_won")["value"], 1234.56);
    // All time has no length to scale a total's target to.
    assert!(kpi("revenue_won")["target"].is_null());
    assert!(kpi("revenue_won")["standing"].is_null());
    assert_eq!(kpi("win_rate")["target"], 35.0);
    assert_eq!(kpi("win_rate")["standing"], "at_target");
    assert_eq!(kpi("deals_won")["value"], 1.0);
    assert_eq!(kpi("avg_cycle_days")["value"], 30.0);
    assert_eq!(kpi("win_rate")["value"], 100.0);
    assert!(kpi("avg_satisfaction")["value"].is_null());
    assert!(kpi("avg_satisfaction")["standing"].is_null());
    let forecast = v["forecast"].as_array().unwrap();
    assert_eq!(forecast.len(), 6);
    let today = Utc::now().date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    assert_eq!(forecast[0]["month"], first.to_string());
    assert_eq!(forecast[0]["deals"], 1);
    assert_eq!(forecast[0]["total_minor"], 100_000);
    assert_eq!(forecast[0]["weighted_minor"], 50_000);
    assert_eq!(v["other_currency_won"], 0);
}

#[test]
fn the_binary_prints_tables_and_sets_targets() {
    let db = real_clock_db();
    let text = ok(&db.path, &["kpi", "--period", "all", "--currency", "USD"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("KPIs of the team (all: all time"),
        "{text}"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["GROUP", "KPI", "VALUE", "TARGET", "MINIMUM", "STATUS"]
    );
    let revenue = lines.iter().find(|l| l.contains("Revenue won")).unwrap();
    assert_eq!(
        revenue.split_whitespace().collect::<Vec<_>>(),
        [
            "financial",
            "Revenue",
            "won",
            "1,234.56",
            "-",
            "-",
            "no",
            "target"
        ]
    );
    assert!(
        text.contains("Note: totals over all time have no target."),
        "{text}"
    );
    let satisfaction = lines
        .iter()
        .find(|l| l.contains("Avg satisfaction"))
        .unwrap();
    assert!(satisfaction.ends_with("no data"), "{satisfaction}");
    assert!(
        text.contains("MONTH    DEALS  TOTAL     WEIGHTED"),
        "{text}"
    );
    let header = lines.iter().position(|l| l.starts_with("MONTH")).unwrap();
    let this_month = Utc::now().date_naive().format("%Y-%m").to_string();
    assert_eq!(
        lines[header + 1].split_whitespace().collect::<Vec<_>>(),
        [this_month.as_str(), "1", "1,000.00", "500.00"]
    );
    assert_eq!(
        lines.len(),
        header + 9,
        "six months, a blank line and the note: {text}"
    );

    // With a EUR report, the USD deals are left out and said so.
    let eur = ok(&db.path, &["kpi", "--period", "all", "--currency", "eur"]);
    assert!(
        eur.contains(
            "Note: revenue won excludes 1 deal in USD (1,234.56); no exchange rate; \
             forecast amounts leave out 1 deal in USD (1,000.00), counted in its month's \
             deals: no exchange rate for EUR today; \
             totals over all time have no target."
        ),
        "{eur}"
    );

    let set = ok(
        &db.path,
        &[
            "kpi",
            "set",
            "revenue_won",
            "--target",
            "1,000",
            "--minimum",
            "500",
        ],
    );
    assert_eq!(
        set.trim(),
        "Revenue won (revenue_won): target 1000, minimum 500 (higher is better)"
    );
    // February 2020, when the deal was won: a whole month, so the target as set.
    let v = json(
        &db.path,
        &[
            "kpi",
            "--from",
            "2020-02-01",
            "--to",
            "2020-02-29",
            "--currency",
            "USD",
        ],
    );
    assert_eq!(v["kpis"][0]["target"], 1000.0);
    assert_eq!(v["kpis"][0]["standing"], "at_target");
    // A week and a year do not show the month's target: it follows the period.
    let target = |period: &str| {
        let v = json(&db.path, &["kpi", "--period", period, "--currency", "USD"]);
        (
            v["kpis"][0]["target"].as_f64(),
            v["kpis"][0]["minimum"].as_f64(),
        )
    };
    assert_eq!(target("week"), (Some(231.0), Some(115.0)));
    assert_eq!(target("quarter"), (Some(3_000.0), Some(1_500.0)));
    assert_eq!(target("year"), (Some(12_000.0), Some(6_000.0)));
    let year = ok(&db.path, &["kpi", "--period", "year", "--currency", "USD"]);
    assert!(
        year.contains(
            "targets of totals (revenue won, deals won, new customers) are set per month and \
             scaled to this year (×12)"
        ),
        "{year}"
    );
    let revenue = year.lines().find(|l| l.contains("Revenue won")).unwrap();
    assert!(revenue.contains("12,000.00  6,000.00"), "{revenue}");
}

#[test]
fn bad_kpi_input_exits_1_with_one_line_and_writes_nothing() {
    let db = real_clock_db();
    let before = snapshot_files(&db.path);
    let cases: &[(&[&str], &str)] = &[
        (
            &["kpi", "--from", "2026-11-02", "--to", "2026-11-01"],
            "rapport: from: 2026-11-02 is after the end date 2026-11-01",
        ),
        (
            &["kpi", "--from", "2026-11-01"],
            "rapport: to: --from needs --to",
        ),
        (
            &["kpi", "--to", "2026-11-01"],
            "rapport: from: --to needs --from",
        ),
        (
            &["kpi", "--from", "1/11", "--to", "today"],
            "rapport: from:",
        ),
        (
            &["kpi", "--period", "decade"],
            "rapport: period: \"decade\" is not one of",
        ),
        (&["kpi", "--currency", "XYZ"], "rapport: currency: \"XYZ\""),
        (
            &[
                "kpi",
                "set",
                "win_rate",
                "--target",
                "inf",
                "--minimum",
                "1",
            ],
            "rapport: target: \"inf\" has 'i', which is not a digit or a mark",
        ),
        (
            &[
                "kpi",
                "set",
                "win_rate",
                "--target",
                "40",
                "--minimum",
                "50",
            ],
            "rapport: minimum: 50 is above the target 40",
        ),
        (
            &[
                "kpi",
                "set",
                "avg_cycle_days",
                "--target",
                "30",
                "--minimum",
                "-5",
            ],
            "rapport: minimum: -5 is negative; targets and minimums start at 0",
        ),
    ];
    for (args, expected) in cases {
        let o = rapport(&db.path, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with(expected), "{args:?}: {err}");
    }
    // An unknown KPI is a usage error that lists every KPI there is.
    let o = rapport(
        &db.path,
        &["kpi", "set", "churn", "--target", "1", "--minimum", "1"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid value 'churn'"), "{err}");
    for key in [
        "revenue_won",
        "win_rate",
        "overdue_followups",
        "avg_won_deal",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }
    assert_eq!(snapshot_files(&db.path), before, "nothing was written");
    // A subcommand with report flags is a usage error.
    let o = rapport(&db.path, &["kpi", "--period", "week", "set", "win_rate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Agents see their own KPIs; managers and admins the team's or anyone's.
#[test]
fn agents_see_their_own_kpis_and_managers_anyones() {
    let db = real_clock_db();
    let p = &db.path;
    ok(p, &["operator", "add", "omid", "--role", "agent"]);
    ok(p, &["operator", "add", "lena", "--role", "manager"]);
    let as_user = |login: &str, args: &[&str]| as_user(p, login, args);
    // Omid owns nothing: his own figures are empty, the team's are not.
    let o = as_user("omid", &["kpi", "--period", "all", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mine: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(mine["operator"], "omid");
    let won = |v: &serde_json::Value| {
        v["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == "deals_won")
            .map(|k| k["value"].clone())
    };
    assert_eq!(won(&mine), Some(serde_json::json!(0.0)));
    for args in [&["kpi", "--team"][..], &["kpi", "--operator", "tester"][..]] {
        let o = as_user("omid", args);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o)
                .contains("not allowed: only a manager or an admin can see other operators' KPIs"),
            "{}",
            stderr(&o)
        );
    }
    let o = as_user("lena", &["kpi", "--period", "all", "--json"]);
    let team: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(team.get("operator").is_none(), "the team's: {team}");
    assert_eq!(won(&team), Some(serde_json::json!(1.0)));
    let o = as_user("lena", &["kpi", "--operator", "omid"]);
    assert!(stdout(&o).starts_with("KPIs of omid ("), "{}", stdout(&o));
}

/// Targets are exact thousandths, read like amounts, and only values the KPI can
/// take: no win rate of 101 %, no negative count, no money target of 1e308.
#[test]
fn kpi_targets_are_exact_and_within_what_each_kpi_measures() {
    let db = real_clock_db();
    let p = &db.path;
    let set = |key: &str, target: &str, minimum: &str| {
        rapport(
            p,
            &["kpi", "set", key, "--target", target, "--minimum", minimum],
        )
    };
    let o = set("revenue_won", "1.250,50", "1,000");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "Revenue won (revenue_won): target 1250.5, minimum 1000 (higher is better)"
    );
    let o = set("win_rate", "33,3", "0");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = set("followups_on_time", "100", "99,5");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(p, &["kpi", "--period", "month"]);
    let target = |key: &str| {
        v["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == key)
            .map(|k| (k["target"].clone(), k["minimum"].clone()))
            .unwrap()
    };
    assert_eq!(target("revenue_won"), (1250.5.into(), 1000.0.into()));
    assert_eq!(target("win_rate"), (33.3.into(), 0.0.into()));
    assert_eq!(target("followups_on_time"), (100.0.into(), 99.5.into()));

    let before = snapshot_files(p);
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "win_rate",
            "101",
            "20",
            "target: 101% is over 100%; a percentage runs from 0 to 100 (win_rate is a percentage)",
        ),
        (
            "win_rate",
            "40",
            "-1",
            "minimum: -1% is negative; a percentage runs from 0 to 100 (win_rate is a percentage)",
        ),
        ("win_rate", "140%", "20", "target: 140% is over 100%"),
        (
            "followups_on_time",
            "100.5",
            "75",
            "target: 100.5% is over 100%",
        ),
        ("revenue_won", "1e308", "1", "target: \"1e308\" has 'e'"),
        ("revenue_won", "NaN", "1", "target: \"NaN\" has 'N'"),
        ("revenue_won", "inf", "1", "target: \"inf\" has 'i'"),
        (
            "revenue_won",
            "10,000,000,000,000.01",
            "1",
            "target: \"10,000,000,000,000.01\" is more than the largest amount Rapport \
             accepts, 10,000,000,000,000.00 USD",
        ),
        (
            "revenue_won",
            "-50000",
            "1",
            "target: -50000 is negative; targets and minimums start at 0",
        ),
        (
            "revenue_won",
            "1,,000",
            "1",
            "target: \"1,,000\" has two marks in a row",
        ),
        (
            "deals_won",
            "-3",
            "0",
            "target: -3 is negative; targets and minimums start at 0 (deals_won is a count)",
        ),
        (
            "deals_won",
            "2,5",
            "1",
            "target: \"2,5\" is not a whole number",
        ),
        (
            "avg_satisfaction",
            "6",
            "3",
            "target: 6 is not a score from 1 to 5",
        ),
        (
            "avg_cycle_days",
            "30",
            "40000",
            "minimum: 40000 is more than 36500 days (a century)",
        ),
    ];
    for (key, target, minimum, expected) in cases {
        let o = set(key, target, minimum);
        assert_eq!(o.status.code(), Some(1), "{key} {target} {minimum}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("rapport: {expected}")),
            "{key} {target} {minimum}: {err}"
        );
    }
    // A money target follows the decimals of the currency it is written in.
    let o = rapport(
        p,
        &[
            "kpi",
            "set",
            "revenue_won",
            "--target",
            "1,5",
            "--minimum",
            "1",
            "--currency",
            "JPY",
        ],
    );
    assert!(
        stderr(&o).contains("\"1,5\" has decimals, and JPY has no minor unit"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot_files(p), before, "nothing was written");
}

#[test]
fn kpi_set_help_lists_every_kpi_key() {
    let db = TempDb::new();
    let help = ok(&db.path, &["kpi", "set", "--help"]);
    for (key, ..) in rapport::domain::kpi::DEFAULT_KPIS {
        assert!(help.contains(key), "{key} missing from: {help}");
    }
    assert!(help.contains("percentages (win_rate, followups_on_time) run from 0 to 100"));
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    every_figure_of_the_month_is_exact,
    all_time_week_and_explicit_days,
    the_window_follows_the_operators_time_zone_and_currency,
    changed_targets_change_the_standing,
    the_forecast_converts_other_currencies_and_names_missing_rates,
    the_binary_reports_all_time_as_json,
    the_binary_prints_tables_and_sets_targets,
    bad_kpi_input_exits_1_with_one_line_and_writes_nothing,
    agents_see_their_own_kpis_and_managers_anyones,
    kpi_targets_are_exact_and_within_what_each_kpi_measures,
    kpi_set_help_lists_every_kpi_key,
);
