//! Pipeline health and the forecast by stage and operator, driven through the real
//! binary: rotting deals against stage limits (set by managers, audited, refused to
//! agents), follow-ups that plan a deal, lost reasons with and without exchange rates,
//! the funnel, and the forecast's table, chart and refusals.

mod common;

use common::{BACK_TO_SCHEMA_18, TempDb, as_user, json, json_as, ok, rapport, stderr};
use serde_json::Value;

fn id_of(v: &Value) -> String {
    v["id"].as_i64().expect("an id").to_string()
}

fn sql(db: &TempDb, text: &str) {
    rusqlite::Connection::open(&db.path)
        .unwrap()
        .execute_batch(text)
        .unwrap();
}

fn stage<'a>(h: &'a Value, key: &str) -> &'a Value {
    h["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == key)
        .unwrap_or_else(|| panic!("no stage {key}: {h}"))
}

#[test]
fn health_and_forecast_from_the_command_line() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["operator", "list"]); // tester signs in first: the admin
    ok(p, &["operator", "add", "mia", "--role", "manager"]);
    ok(p, &["operator", "add", "ali", "--role", "agent"]);
    let acme = id_of(&json(
        p,
        &["customer", "add", "--name", "Acme Ltd", "--kind", "company"],
    ));
    let bolt = id_of(&json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Bolt GmbH",
            "--kind",
            "company",
        ],
    ));
    let deal = |customer: &str, title: &str, amount: &str, extra: &[&str]| {
        let mut args = vec![
            "deal", "add", customer, "--title", title, "--amount", amount,
        ];
        args.extend_from_slice(extra);
        id_of(&json(p, &args))
    };
    let old = deal(&acme, "Old lead", "1000", &["--stage", "lead"]);
    let talked = deal(&acme, "Talked about", "2000", &["--stage", "proposal"]);
    let new = deal(
        &bolt,
        "New one",
        "4000",
        &["--stage", "lead", "--owner", "ali"],
    );
    let euro = deal(
        &bolt,
        "Euro deal",
        "500",
        &["--currency", "EUR", "--close", "today"],
    );
    // Forty days without a change for the first two; an interaction three days ago
    // against the second keeps it fresh.
    sql(
        &db,
        &format!(
            "UPDATE deals SET updated_at = updated_at - 40 * 86400, created_at = created_at - 40 * 86400
             WHERE id IN ({old}, {talked})"
        ),
    );
    ok(
        p,
        &[
            "log",
            &acme,
            "-m",
            "Went through the proposal",
            "--deal",
            &talked,
        ],
    );
    sql(
        &db,
        "UPDATE interactions SET occurred_at = occurred_at - 3 * 86400",
    );

    let h = json(p, &["deal", "health"]);
    assert_eq!(h["rotting"]["deals"], 1, "{h}");
    assert_eq!(h["rotting_deals"][0]["id"].to_string(), old);
    assert_eq!(h["rotting_deals"][0]["idle_days"], 40);
    assert_eq!(h["rotting_deals"][0]["idle_limit_days"], 14);
    assert_eq!(stage(&h, "lead")["rotting"]["value_minor"], 100_000);
    // No follow-up anywhere: all four open deals; the euro deal has no rate.
    assert_eq!(h["no_follow_up"]["deals"], 4);
    assert_eq!(h["open"]["left_out"][0]["currency"], "EUR");

    // A follow-up on Bolt (no deal) plans both its deals.
    ok(
        p,
        &[
            "remind",
            "add",
            &bolt,
            "--due",
            "tomorrow",
            "--note",
            "Call back",
        ],
    );
    let h = json(p, &["deal", "health"]);
    assert_eq!(h["no_follow_up"]["deals"], 2);
    let unplanned: Vec<String> = h["no_follow_up_deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].to_string())
        .collect();
    assert!(
        !unplanned.contains(&new) && !unplanned.contains(&euro),
        "{unplanned:?}"
    );

    // Limits: managers set them (audited), agents are refused, bad days explained.
    let o = as_user(p, "ali", &["stage", "limit", "proposal", "5"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("only a manager or an admin can set a stage's idle limit"),
        "{}",
        stderr(&o)
    );
    let o = rapport(p, &["stage", "limit", "proposal", "0"]);
    assert!(
        stderr(&o).contains("days: \"0\" is not a number of days"),
        "{}",
        stderr(&o)
    );
    let o = rapport(p, &["stage", "limit", "won", "3"]);
    assert!(
        stderr(&o).contains("only open stages have an idle limit"),
        "{}",
        stderr(&o)
    );
    let listed = json_as(p, "mia", &["stage", "limit", "lead", "none"]);
    assert_eq!(listed[0]["idle_days"], Value::Null);
    assert!(ok(p, &["stage", "list"]).contains("none"));
    let audit = ok(p, &["audit"]);
    assert!(audit.contains("idle limit"), "{audit}");
    let h = json(p, &["deal", "health"]);
    assert_eq!(h["rotting"]["deals"], 0, "lead no longer rots");
    ok(p, &["stage", "limit", "proposal", "2"]);
    let h = json(p, &["deal", "health"]);
    assert_eq!(h["rotting_deals"][0]["id"].to_string(), talked);
    assert_eq!(h["rotting_deals"][0]["idle_days"], 3);

    // An agent sees only its own deals.
    let mine = json_as(p, "ali", &["deal", "health"]);
    assert_eq!(mine["operator"], "ali");
    assert_eq!(mine["open"]["deals"], 1);

    // Lost reasons: by count, then value; a euro deal without a rate is named.
    ok(p, &["deal", "lost", &old, "--reason", "Price"]);
    ok(p, &["deal", "lost", &euro, "--reason", "price"]);
    let h = json(p, &["deal", "health"]);
    assert_eq!(h["lost_reasons"][0]["reason"], "Price");
    assert_eq!(h["lost_reasons"][0]["deals"], 2);
    assert_eq!(h["lost_reasons"][0]["value_minor"], 100_000);
    assert_eq!(h["lost"]["left_out"][0]["currency"], "EUR");
    let text = ok(p, &["deal", "health"]);
    assert!(
        text.contains("1 deal in EUR (500.00): no exchange rate, not in the sums"),
        "{text}"
    );
    ok(
        p,
        &["currency", "set", "EUR", "1.10", "--date", "2000-01-01"],
    );
    let h = json(p, &["deal", "health"]);
    assert_eq!(h["lost_reasons"][0]["value_minor"], 100_000 + 55_000);
    assert!(h["lost"].get("left_out").is_none(), "{h}");

    // The funnel: every deal reached lead; the proposal reached proposal.
    let lead = &h["funnel"][0];
    assert_eq!(
        (lead["stage"].as_str(), lead["reached"].as_i64()),
        (Some("lead"), Some(4))
    );
    assert_eq!(h["funnel"][2]["reached"], 1);

    // The forecast by operator, with its table and chart, and its refusals.
    ok(p, &["deal", "edit", &new, "--close", "today"]);
    let f = json(p, &["forecast", "--by", "operator", "--months", "3"]);
    assert_eq!(f["by"], "operator");
    assert_eq!(f["months"].as_array().unwrap().len(), 3);
    let ali = f["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "ali")
        .expect("ali's row");
    // 4,000.00 at the lead's 10 %.
    assert_eq!(ali["months"][0]["weighted_minor"], 40_000);
    let text = ok(p, &["forecast"]);
    assert!(
        text.contains("Forecast by stage") && text.contains("█ Lead"),
        "{text}"
    );
    let o = rapport(p, &["forecast", "--months", "0"]);
    assert!(stderr(&o).contains("months: 0 is not a number of months from 1 to 36"));
    let o = rapport(p, &["forecast", "--by", "tag"]);
    assert!(stderr(&o).contains("by: \"tag\" is not stage or operator"));
    let o = as_user(p, "ali", &["forecast", "--operator", "mia"]);
    assert!(!o.status.success(), "an agent sees only its own");
}

/// The deals without a follow-up, as `deal health` lists them.
fn unplanned(h: &Value) -> Vec<String> {
    h["no_follow_up_deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

/// A database an older Rapport wrote (schema 18, without the count of follow-ups
/// planned on a deal) gets the counts when it is upgraded, so the same deals are
/// without a follow-up before and after; the count then follows every follow-up
/// write, and `rapport doctor` finds one changed around Rapport.
#[test]
fn an_older_database_counts_its_follow_ups_when_upgraded() {
    let db = TempDb::new();
    let p = &db.path;
    let acme = id_of(&json(p, &["customer", "add", "--name", "Acme Ltd"]));
    let bolt = id_of(&json(p, &["customer", "add", "--name", "Bolt GmbH"]));
    let deal = |customer: &str, title: &str, close: &str| {
        id_of(&json(
            p,
            &[
                "deal", "add", customer, "--title", title, "--amount", "100", "--close", close,
            ],
        ))
    };
    let a1 = deal(&acme, "First", "2027-03-01");
    let a2 = deal(&acme, "Second", "2027-01-01");
    let b1 = deal(&bolt, "Third", "2027-02-01");
    let remind = |customer: &str, extra: &[&str]| {
        let mut args = vec![
            "remind", "add", customer, "--due", "tomorrow", "--note", "Call",
        ];
        args.extend_from_slice(extra);
        id_of(&json(p, &args))
    };
    let on_a1 = remind(&acme, &["--deal", &a1]);
    let before = unplanned(&json(p, &["deal", "health"]));
    assert_eq!(before, [a2.clone(), b1.clone()], "soonest close first");

    sql(&db, BACK_TO_SCHEMA_18);
    let h = json(p, &["deal", "health"]);
    assert_eq!(unplanned(&h), before, "the same after the upgrade");
    assert_eq!(h["no_follow_up"]["deals"], 2);
    let doctor = json(p, &["doctor"]);
    assert_eq!(doctor["ok"], true, "{doctor}");

    // A general follow-up plans every deal of its customer; done, it plans none.
    let general = remind(&bolt, &[]);
    assert_eq!(
        unplanned(&json(p, &["deal", "health"])),
        std::slice::from_ref(&a2)
    );
    ok(p, &["remind", "done", &general]);
    ok(p, &["remind", "done", &on_a1]);
    assert_eq!(
        unplanned(&json(p, &["deal", "health"])),
        [a2.clone(), b1.clone(), a1.clone()]
    );
    ok(p, &["undo"]);
    assert_eq!(unplanned(&json(p, &["deal", "health"])), [a2, b1]);

    sql(&db, "UPDATE deals SET planned_follow_ups = 0");
    let doctor = rapport(p, &["doctor"]);
    let said = format!("{}{}", common::stdout(&doctor), stderr(&doctor));
    assert!(
        said.contains("the count of follow-ups planned disagrees with the follow-ups on 1 deal"),
        "{said}"
    );
}
