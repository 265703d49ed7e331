//! Customer value through the real binary: `rapport value`, `customer list --segment`
//! and the value on `customer show`, on hand-made deals and on the public sales
//! pipeline dataset (figures computed from its CSV, written here).

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/pipeline/maven-crm-sales-opportunities");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} not found; skipping", dir.display());
        None
    }
}

/// The dataset imported as the test operator (an admin: the first one).
fn pipeline(dir: &Path) -> TempDb {
    let db = TempDb::new();
    let arg = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let rejects = db.dir.path().join("rejects");
    std::fs::create_dir_all(&rejects).unwrap();
    ok(
        &db.path,
        &[
            "import",
            "--deals",
            &arg("sales_pipeline.csv"),
            "--accounts",
            &arg("accounts.csv"),
            "--products",
            &arg("products.csv"),
            "--skip-invalid",
            "--rejects",
            &rejects.to_string_lossy(),
        ],
    );
    db
}

fn find<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {list}"))
}

/// Accounts' won revenue, deals, first and last close day from `sales_pipeline.csv`
/// (Won rows summed by account), and their RFM scores: each score is the fifth that
/// the middle of the account's rank span falls in among the 85 accounts.
#[test]
fn the_pipeline_datasets_accounts_have_the_value_and_segment_computed_from_the_csv() {
    let Some(dir) = shared() else { return };
    let db = pipeline(&dir);
    let r = json(&db.path, &["value", "--limit", "100"]);
    assert_eq!(r["customers_with_purchases"], 85);
    assert_eq!(r["currency"], "USD");
    let segments: Vec<(String, i64)> = r["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap().to_string(),
                s["customers"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("champions", 22),
        ("loyal", 7),
        ("potential", 16),
        ("new", 4),
        ("at-risk", 8),
        ("cant-lose", 7),
        ("hibernating", 11),
        ("lost", 10),
    ];
    let want: Vec<(String, i64)> = want.iter().map(|(s, n)| (s.to_string(), *n)).collect();
    assert_eq!(segments, want);
    let revenue: i64 = r["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["revenue_minor"].as_i64().unwrap())
        .sum();
    assert_eq!(revenue, 10_005_534 * 100, "every won deal, once");
    // (account, revenue, won deals, first, last, R F M, segment)
    let accounts = [
        (
            "Kan-code",
            341_455,
            115,
            "2017-03-04",
            "2017-12-31",
            "555",
            "champions",
        ),
        (
            "Condax",
            206_410,
            105,
            "2017-03-03",
            "2017-12-28",
            "355",
            "loyal",
        ),
        (
            "Cheers",
            198_020,
            57,
            "2017-03-05",
            "2017-12-31",
            "545",
            "champions",
        ),
        (
            "Acme Corporation",
            101_744,
            34,
            "2017-03-01",
            "2017-12-27",
            "213",
            "hibernating",
        ),
        (
            "Bluth Company",
            56_903,
            28,
            "2017-05-06",
            "2017-12-30",
            "411",
            "new",
        ),
        (
            "Donware",
            56_637,
            30,
            "2017-03-08",
            "2017-12-23",
            "111",
            "lost",
        ),
    ];
    let listed = &r["customers"];
    assert_eq!(listed.as_array().unwrap().len(), 85);
    assert_eq!(listed[0]["name"], "Kan-code", "most revenue first");
    for (name, revenue, deals, first, last, rfm, segment) in accounts {
        let c = find(listed, name);
        assert_eq!(c["revenue_minor"], revenue * 100, "{name}");
        assert_eq!(c["won_deals"], deals, "{name}");
        assert_eq!(c["first_purchase"], first, "{name}");
        assert_eq!(c["last_purchase"], last, "{name}");
        let scores = format!("{}{}{}", c["rfm"]["r"], c["rfm"]["f"], c["rfm"]["m"]);
        assert_eq!(scores, rfm, "{name}");
        assert_eq!(c["segment"], segment, "{name}");
        let avg = c["average_deal_minor"].as_i64().unwrap();
        assert_eq!(avg, revenue * 100 / deals, "{name}");
        // No customer bought in the last year, so nothing is projected.
        assert_eq!(c["lifetime_value_minor"], revenue * 100, "{name}");
    }
    // The same segments filter the customer list and `value --segment`.
    let new = json(&db.path, &["customer", "list", "--segment", "new"]);
    let mut names: Vec<&str> = new
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort();
    let only = json(&db.path, &["value", "--segment", "New"]);
    let mut listed: Vec<&str> = only["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    listed.sort();
    assert_eq!(names.len(), 4);
    assert_eq!(names, listed);
    assert!(names.contains(&"Bluth Company"));
    // The card carries the value too.
    let card = json(&db.path, &["customer", "show", "Condax"]);
    assert_eq!(card["value"]["segment"], "loyal");
    let text = ok(&db.path, &["customer", "show", "Condax"]);
    assert!(
        text.contains("206,410.00 USD from 105 won deals (avg 1,965.80)"),
        "{text}"
    );
    assert!(text.contains("Loyal (RFM 355)"), "{text}");
}

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

#[test]
fn value_counts_deals_in_other_currencies_and_says_so() {
    let db = TempDb::new();
    ok(
        &db.path,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    ok(&db.path, &["customer", "add", "--name", "Lead Only"]);
    add_won(&db.path, "Acme", "1200", "USD", "today");
    add_won(&db.path, "Acme", "300", "EUR", "today");
    let r = json(&db.path, &["value"]);
    assert_eq!(r["customers_with_purchases"], 1);
    assert_eq!(r["unconverted_deals"], 1);
    let acme = &r["customers"][0];
    assert_eq!(
        (
            acme["won_deals"].as_i64(),
            acme["unconverted_deals"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(acme["revenue_minor"], 120_000);
    let text = ok(&db.path, &["value"]);
    assert!(
        text.contains("1 won deal in other currencies than USD has no exchange rate"),
        "{text}"
    );
    let lead = ok(&db.path, &["customer", "show", "Lead Only"]);
    assert!(lead.contains("Value: nothing bought yet"), "{lead}");
    let o = rapport(&db.path, &["value", "--segment", "vip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("segment: \"vip\" is not one of: champions, loyal, potential, new, at-risk, cant-lose, hibernating, lost"), "{}", stderr(&o));
    let o = rapport(&db.path, &["customer", "list", "--segment", "gold"]);
    assert_eq!(o.status.code(), Some(1));
}

/// Cohorts, repeat purchases and churn of the dataset's accounts, from the CSV: every
/// account bought more than once; 84 first bought in March 2017 and one (Bluth
/// Company) in May; all of them bought again 1, 3 and 6 months after their first
/// purchase and none 12 months after; the last purchases (December 2017, one in
/// November) make them churned 12 months later.
#[test]
fn the_pipeline_datasets_cohorts_and_churn_match_the_csv() {
    let Some(dir) = shared() else { return };
    let db = pipeline(&dir);
    let r = json(&db.path, &["retention", "--months", "240"]);
    assert_eq!(r["buyers"], 85);
    assert_eq!(r["repeat_buyers"], 85);
    assert_eq!(r["repeat_purchase_rate"], 100.0);
    let cohorts = r["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 2);
    assert_eq!(cohorts[0]["month"], "2017-03-01");
    assert_eq!(cohorts[0]["customers"], 84);
    assert_eq!(
        cohorts[0]["retained"],
        serde_json::json!([[1, 100.0], [3, 100.0], [6, 100.0], [12, 0.0]])
    );
    assert_eq!(cohorts[1]["month"], "2017-05-01");
    assert_eq!(cohorts[1]["customers"], 1);
    let churned: Vec<(String, i64)> = r["churned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m[1].as_i64() != Some(0))
        .map(|m| (m[0].as_str().unwrap().to_string(), m[1].as_i64().unwrap()))
        .collect();
    assert_eq!(
        churned,
        [
            ("2018-11-01".to_string(), 1),
            ("2018-12-01".to_string(), 84)
        ]
    );
    let text = ok(&db.path, &["retention", "--months", "240"]);
    assert!(
        text.contains("85 customers have bought, 85 more than once (repeat-purchase rate 100.0%)"),
        "{text}"
    );
    assert!(
        text.contains("2017-03  84         100.0%   100.0%    100.0%    0.0%"),
        "{text}"
    );
    let o = rapport(&db.path, &["retention", "--months", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    the_pipeline_datasets_accounts_have_the_value_and_segment_computed_from_the_csv,
    value_counts_deals_in_other_currencies_and_says_so,
    the_pipeline_datasets_cohorts_and_churn_match_the_csv,
);
