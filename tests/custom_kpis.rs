//! KPIs the business defines, end to end through the real binary: each measure counts
//! only what its filter names, a trend has twelve periods ending with today's value,
//! only an admin defines or removes one, every change is in the trail, and bad
//! definitions are refused with the rule they break.

mod common;

use common::*;
use serde_json::Value;

/// The KPI `key` of `rapport kpi --trend --json`.
fn kpi<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["kpis"]
        .as_array()
        .and_then(|all| all.iter().find(|k| k["key"] == key))
        .unwrap_or_else(|| panic!("no KPI {key} in {report}"))
}

fn has_kpi(report: &Value, key: &str) -> bool {
    report["kpis"]
        .as_array()
        .is_some_and(|all| all.iter().any(|k| k["key"] == key))
}

fn refused(db: &TempDb, login: &str, args: &[&str]) -> String {
    let o = as_user(&db.path, login, args);
    assert!(!o.status.success(), "{args:?} was accepted");
    stderr(&o)
}

/// Ada (tag vip, from a referral) won a 1,000 deal that cost 400; Bob won 300 and has
/// 700 open; all this month.
fn shop() -> TempDb {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Ada Lovelace",
            "--tag",
            "vip",
            "--source",
            "referral",
        ],
    );
    ok(p, &["customer", "add", "--name", "Bob Builder"]);
    ok(
        p,
        &[
            "deal", "add", "1", "--title", "Big", "--amount", "1000", "--cost", "400",
        ],
    );
    ok(
        p,
        &["deal", "add", "2", "--title", "Small", "--amount", "300"],
    );
    ok(
        p,
        &["deal", "add", "2", "--title", "Open", "--amount", "700"],
    );
    ok(p, &["deal", "won", "1"]);
    ok(p, &["deal", "won", "2"]);
    db
}

fn define(db: &TempDb, name: &str, measure: &str, more: &[&str]) {
    let mut args = vec!["kpi", "define", name, "--measure", measure];
    args.extend_from_slice(more);
    ok(&db.path, &args);
}

#[test]
fn a_defined_kpi_counts_only_what_its_filter_names_with_a_trend_of_twelve_periods() {
    let db = shop();
    let money = [
        "--group",
        "financial",
        "--target",
        "2000",
        "--minimum",
        "500",
    ];
    define(
        &db,
        "VIP revenue",
        "revenue_won",
        &[&["--tag", "vip"][..], &money].concat(),
    );
    define(&db, "Profit", "gross_profit", &money);
    define(&db, "Open pipe", "open_pipeline", &money);
    define(
        &db,
        "Referral new",
        "new_customers",
        &[
            "--source",
            "referral",
            "--group",
            "customer",
            "--target",
            "3",
            "--minimum",
            "1",
        ],
    );
    let report = json(&db.path, &["kpi", "--trend"]);
    for (key, value) in [
        ("revenue_won", 1300.0),
        ("vip_revenue", 1000.0),
        ("profit", 600.0),
        ("open_pipe", 700.0),
        ("referral_new", 1.0),
    ] {
        let k = kpi(&report, key);
        assert_eq!(k["value"].as_f64(), Some(value), "{key}: {k}");
        let trend = k["trend"].as_array().expect("a trend");
        assert_eq!(trend.len(), 12, "{key}: {k}");
        assert_eq!(
            trend[11].as_f64(),
            Some(value),
            "{key}: today's value comes last"
        );
        assert!(
            trend[..11].iter().all(|v| v.as_f64() == Some(0.0)),
            "{key}: nothing happened before this month: {k}"
        );
    }
    let vip = kpi(&report, "vip_revenue");
    assert_eq!(vip["target"].as_f64(), Some(2000.0));
    assert_eq!(vip["minimum"].as_f64(), Some(500.0));
    assert_eq!(vip["standing"], "between_minimum_and_target", "{vip}");
    // The text report lists them with the built-in ones, and says what each measures.
    let text = ok(&db.path, &["kpi", "--trend"]);
    assert!(
        text.contains("VIP revenue (vip_revenue): revenue_won · tag vip"),
        "{text}"
    );
    assert!(text.contains("Trend: 12 periods"), "{text}");
    // Redefining a name changes it in place; removing it leaves the built-in ones.
    define(
        &db,
        "VIP revenue",
        "deals_won",
        &[&["--tag", "vip"][..], &money].concat(),
    );
    let report = json(&db.path, &["kpi"]);
    assert_eq!(kpi(&report, "vip_revenue")["value"].as_f64(), Some(1.0));
    ok(&db.path, &["kpi", "undefine", "VIP revenue"]);
    let report = json(&db.path, &["kpi"]);
    assert!(!has_kpi(&report, "vip_revenue"));
    assert!(
        refused(&db, "tester", &["kpi", "undefine", "revenue_won"]).contains("revenue_won"),
        "a built-in KPI cannot be removed"
    );
}

#[test]
fn only_an_admin_defines_or_removes_a_kpi_and_each_change_is_in_the_trail() {
    let db = shop();
    ok(&db.path, &["operator", "add", "sara", "--role", "agent"]);
    ok(&db.path, &["operator", "add", "mona", "--role", "manager"]);
    let args = [
        "kpi",
        "define",
        "Calls",
        "--measure",
        "interactions_per_operator_day",
        "--group",
        "growth",
        "--target",
        "20",
        "--minimum",
        "10",
    ];
    for login in ["sara", "mona"] {
        let e = refused(&db, login, &args);
        assert!(
            e.contains("only an admin can define or remove KPIs"),
            "{login}: {e}"
        );
    }
    ok(&db.path, &args);
    let e = refused(&db, "sara", &["kpi", "undefine", "calls"]);
    assert!(e.contains("only an admin"), "{e}");
    ok(&db.path, &["kpi", "undefine", "calls"]);
    let trail = ok(&db.path, &["audit"]);
    assert_eq!(
        trail.matches("KPI calls").count(),
        2,
        "defined and removed: {trail}"
    );
}

#[test]
fn a_bad_definition_is_refused_with_the_rule_it_breaks_and_changes_nothing() {
    let db = shop();
    // Each case: the measure, group, target and period, then the flag it adds.
    for (measure, group, target, period, extra, says) in [
        (
            "happiness",
            "internal",
            "40",
            "month",
            &[][..],
            "revenue_won",
        ),
        (
            "win_rate",
            "internal",
            "140",
            "month",
            &[],
            "140% is over 100%",
        ),
        ("deals_won", "internal", "-3", "month", &[], "negative"),
        (
            "deals_won",
            "internal",
            "4",
            "month",
            &["--stage", "lead"],
            "--stage narrows open_pipeline",
        ),
        ("win_rate", "fun", "40", "month", &[], "financial"),
        ("win_rate", "internal", "40", "decade", &[], "week"),
    ] {
        let mut args = vec![
            "kpi",
            "define",
            "Bad",
            "--measure",
            measure,
            "--group",
            group,
            "--target",
            target,
            "--minimum",
            "0",
            "--period",
            period,
        ];
        args.extend_from_slice(extra);
        let e = refused(&db, "tester", &args);
        assert!(e.contains(says), "{measure} {target} {extra:?}: {e}");
    }
    let report = json(&db.path, &["kpi"]);
    assert!(!has_kpi(&report, "bad"));
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_defined_kpi_counts_only_what_its_filter_names_with_a_trend_of_twelve_periods,
    only_an_admin_defines_or_removes_a_kpi_and_each_change_is_in_the_trail,
    a_bad_definition_is_refused_with_the_rule_it_breaks_and_changes_nothing,
);
