//! Deals in several currencies through the real binary: dated rates convert them in
//! `value`, `team` and `kpi`, and a deal without a rate is counted and said so, never
//! dropped.

mod common;

use std::path::Path;

use common::*;

fn add_won(db: &Path, customer: &str, amount: &str, currency: &str, day: &str) {
    let deal = json(
        db,
        &[
            "deal",
            "add",
            customer,
            "--title",
            "Order",
            "--amount",
            amount,
            "--currency",
            currency,
        ],
    );
    let id = deal["id"].as_i64().unwrap().to_string();
    ok(db, &["deal", "won", &id, "--date", day]);
}

fn kpi(db: &Path, args: &[&str], key: &str) -> serde_json::Value {
    let mut all = vec!["kpi", "--period", "all"];
    all.extend_from_slice(args);
    let r = json(db, &all);
    r["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .map(|k| k["value"].clone())
        .unwrap()
}

#[test]
fn dated_rates_convert_every_total_and_missing_ones_are_reported() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    add_won(p, "Acme", "1000", "USD", "today");
    add_won(p, "Acme", "500", "EUR", "today");
    add_won(p, "Acme", "20000", "JPY", "today");
    // No rates yet: the EUR and JPY deals are purchases, not revenue; every report says so.
    let v = json(p, &["value"]);
    assert_eq!(v["customers"][0]["revenue_minor"], 100_000);
    assert_eq!(v["unconverted_deals"], 2);
    let t = json(p, &["team", "--period", "all"]);
    let me = &t["operators"][0];
    assert_eq!(
        (me["deals_won"].as_i64(), me["other_currency_won"].as_i64()),
        (Some(3), Some(2))
    );
    let text = ok(p, &["kpi", "--period", "all"]);
    assert!(
        text.contains(
            "revenue won excludes 1 deal in EUR (500.00) and 1 in JPY (20,000); no exchange rate"
        ),
        "{text}"
    );
    // A rate from yesterday for EUR; one for JPY only from tomorrow (not in force today).
    ok(
        p,
        &["currency", "set", "EUR", "1.10", "--date", "yesterday"],
    );
    ok(
        p,
        &["currency", "set", "JPY", "0,0067", "--date", "tomorrow"],
    );
    let v = json(p, &["value"]);
    assert_eq!(v["customers"][0]["revenue_minor"], 100_000 + 55_000);
    assert_eq!(
        v["unconverted_deals"], 1,
        "the JPY deal closed before its rate"
    );
    let text = ok(p, &["value"]);
    assert!(
        text.contains("1 won deal in other currencies than USD has no exchange rate"),
        "{text}"
    );
    // Today's JPY rate: everything converts (20,000 JPY × 0.0067 = 134.00 USD).
    ok(p, &["currency", "set", "JPY", "0.0067", "--date", "today"]);
    let v = json(p, &["value"]);
    assert_eq!(
        v["customers"][0]["revenue_minor"],
        100_000 + 55_000 + 13_400
    );
    assert_eq!(v["unconverted_deals"], 0);
    let t = json(p, &["team", "--period", "all"]);
    assert_eq!(t["operators"][0]["revenue_minor"], 168_400);
    assert_eq!(kpi(p, &[], "revenue_won"), 1_684.0);
    // In EUR: USD has no rate of its own (it is the default, 1), so EUR's converts back.
    let in_eur = kpi(p, &["--currency", "EUR"], "revenue_won")
        .as_f64()
        .unwrap();
    assert!((in_eur - 1_684.0 / 1.10).abs() < 0.02, "{in_eur}");
    // The list, a replaced rate, a removed one.
    let list = json(p, &["currency", "list"]);
    assert_eq!(list["default"], "USD");
    assert_eq!(list["rates"].as_array().unwrap().len(), 3);
    ok(
        p,
        &["currency", "set", "EUR", "1.20", "--date", "yesterday"],
    );
    assert_eq!(
        json(p, &["value"])["customers"][0]["revenue_minor"],
        100_000 + 60_000 + 13_400
    );
    ok(p, &["currency", "remove", "EUR", "--date", "yesterday"]);
    assert_eq!(json(p, &["value"])["unconverted_deals"], 1);
    // Refusals: a bad rate, the default currency's own rate, an agent, a new default
    // while rates exist, removing what is not there.
    for (args, says) in [
        (vec!["currency", "set", "EUR", "0"], "a rate is above 0"),
        (vec!["currency", "set", "EUR", "-2"], "negative"),
        (
            vec!["currency", "set", "USD", "1"],
            "USD is the default currency",
        ),
        (vec!["currency", "set", "XYZ", "1"], "XYZ"),
        (vec!["currency", "default", "EUR"], "remove them first"),
        (
            vec!["currency", "remove", "EUR", "--date", "yesterday"],
            "there is no rate of EUR",
        ),
    ] {
        let o = rapport(p, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    ok(p, &["operator", "add", "omid", "--role", "agent"]);
    let o = as_user(p, "omid", &["currency", "set", "EUR", "1.1"]);
    assert!(
        stderr(&o).contains("only a manager or an admin can change exchange rates"),
        "{}",
        stderr(&o)
    );
    let trail = ok(p, &["audit"]);
    assert!(trail.contains("rate of EUR from"), "{trail}");
}

#[test]
fn the_default_currency_changes_while_no_rate_is_set() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    add_won(p, "Acme", "1000", "USD", "today");
    add_won(p, "Acme", "500", "EUR", "today");
    ok(p, &["currency", "default", "EUR"]);
    let v = json(p, &["value"]);
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["customers"][0]["revenue_minor"], 50_000);
    assert_eq!(v["unconverted_deals"], 1);
    ok(p, &["currency", "set", "USD", "0.92", "--date", "today"]);
    let v = json(p, &["value"]);
    assert_eq!(v["customers"][0]["revenue_minor"], 50_000 + 92_000);
    assert_eq!(json(p, &["currency", "list"])["default"], "EUR");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    dated_rates_convert_every_total_and_missing_ones_are_reported,
    the_default_currency_changes_while_no_rate_is_set,
);
