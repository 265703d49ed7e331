//! CSAT and NPS through the real binary: `rapport log --nps`, `rapport satisfaction`.

mod common;

use common::*;

#[test]
fn nps_and_csat_by_month_count_each_customer_once_a_month() {
    let db = TempDb::new();
    let p = &db.path;
    for name in ["Ada", "Bob", "Cy", "Di"] {
        ok(p, &["customer", "add", "--name", name]);
    }
    // This month: Ada answers 3 then 9 (her latest, 9, counts), Bob 10, Cy 7, Di 0.
    ok(p, &["log", "Ada", "--nps", "3"]);
    ok(
        p,
        &[
            "log",
            "Ada",
            "--nps",
            "9",
            "-m",
            "Renewal call",
            "--satisfaction",
            "5",
        ],
    );
    ok(p, &["log", "Bob", "--nps", "10", "--satisfaction", "4"]);
    ok(p, &["log", "Cy", "--nps", "7", "--satisfaction", "2"]);
    ok(p, &["log", "Di", "--nps", "0"]);
    // 35 days ago, in one of the two months before this one: Bob 6.
    ok(p, &["log", "Bob", "--nps", "6", "--at", "-35d"]);
    let r = json(p, &["satisfaction", "--months", "3"]);
    let months = r["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    let now = &months[2];
    assert_eq!(now["nps"]["promoters"], 2, "{now}");
    assert_eq!(now["nps"]["passives"], 1);
    assert_eq!(now["nps"]["detractors"], 1);
    assert_eq!(now["csat"]["responses"], 3);
    assert_eq!(now["csat"]["total"], 11);
    assert_eq!(now["csat"]["satisfied"], 2);
    let earlier: i64 = months[..2]
        .iter()
        .map(|m| m["nps"]["detractors"].as_i64().unwrap())
        .sum();
    assert_eq!(earlier, 1, "Bob's 6 two months ago");
    assert_eq!(r["nps"]["promoters"], 2);
    assert_eq!(r["nps"]["detractors"], 2);
    let text = ok(p, &["satisfaction", "--months", "3"]);
    // 2 promoters, 1 detractor of 4 this month: 25.0; over all 2 − 2 of 5: 0.0.
    let lines: Vec<&str> = text.lines().collect();
    let all_at = lines.iter().position(|l| l.starts_with("all")).unwrap();
    let this_month = lines[all_at - 1];
    assert!(this_month.ends_with("25.0"), "{text}");
    assert!(
        this_month.contains("3.67") && this_month.contains("66.7%"),
        "{text}"
    );
    let all = text.lines().find(|l| l.starts_with("all")).unwrap();
    assert!(all.ends_with("0.0"), "{text}");
    // The answer is on the interaction, with a summary that says so (same second:
    // the later one is listed first).
    let ada = json(p, &["customer", "show", "Ada"]);
    let logged = &ada["interactions"][1];
    assert_eq!(logged["nps"], 3);
    assert_eq!(logged["summary"], "Would recommend us: 3/10");
    // Out of range, and no summary without an answer.
    let o = rapport(p, &["log", "Ada", "--nps", "11"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nps: 11 is out of range"),
        "{}",
        stderr(&o)
    );
    let o = rapport(p, &["log", "Ada", "--nps", "-1"]);
    assert!(!o.status.success(), "a negative answer is refused");
    assert_eq!(
        json(p, &["customer", "show", "Ada"])["interactions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let o = rapport(p, &["log", "Ada"]);
    assert_eq!(o.status.code(), Some(2), "clap: --summary is required");
    // An agent sees its own customers' satisfaction only.
    ok(p, &["operator", "add", "omid", "--role", "agent"]);
    let o = as_user(p, "omid", &["customer", "add", "--name", "Omid's client"]);
    assert!(o.status.success());
    let o = as_user(p, "omid", &["log", "Omid's client", "--nps", "8"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mine = json_as(p, "omid", &["satisfaction", "--months", "1"]);
    assert_eq!(mine["operator"], "omid");
    assert_eq!(mine["nps"]["passives"], 1);
    assert_eq!(mine["nps"]["promoters"], 0);
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(nps_and_csat_by_month_count_each_customer_once_a_month,);
