//! Amounts through the command line, the deal import, a JSON restore and the app:
//! decimal commas read as decimals, ambiguous forms refused, the largest amount
//! enforced, and sums that never overflow, even over rows written before the cap.

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, Utc};
use common::*;
use rapport::domain::{Currency, MAX_AMOUNT_MINOR};

use rapport::tui::app::App;
use rapport::tui::keymap::Keymap;
use rapport::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn with_customer() -> TempDb {
    let db = TempDb::new();
    ok(
        &db.path,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    db
}

fn add_deal(p: &Path, amount: &str, currency: &str) -> serde_json::Value {
    json(
        p,
        &[
            "deal",
            "add",
            "1",
            "--title",
            "Deal",
            "--amount",
            amount,
            "--currency",
            currency,
        ],
    )
}

#[test]
fn a_decimal_comma_is_stored_as_the_amount_written() {
    let db = with_customer();
    for (typed, minor) in [
        ("12,50", 1_250),
        ("1,50", 150),
        ("12,5", 1_250),
        ("0,5", 50),
        ("1.250,50", 125_050),
        ("1,250.50", 125_050),
        ("1.250.000", 125_000_000),
        ("1 250,50", 125_050),
        ("1\u{00A0}250,50", 125_050),
        ("1,250", 125_000),
        ("1,25", 125),
        ("۱۲٬۵۰۰٫۵۰", 1_250_050),
        ("10,000,000,000,000", MAX_AMOUNT_MINOR),
    ] {
        let deal = add_deal(&db.path, typed, "USD");
        assert_eq!(deal["amount"]["minor"], minor, "{typed:?}");
    }
    assert_eq!(add_deal(&db.path, "1,500", "JPY")["amount"]["minor"], 1_500);
    let text = ok(
        &db.path,
        &["deal", "add", "1", "--title", "T", "--amount", "12,50"],
    );
    assert!(text.contains(": 12.50 USD in lead"), "{text}");
}

#[test]
fn amounts_that_could_be_misread_are_refused_with_the_accepted_forms() {
    let db = with_customer();
    let before = snapshot_files(&db.path);
    let forms = "write it like 1250.50, 12,50, 1,250.50, 1.250,50 or 1 250,50";
    let cases: &[(&str, &str, &str)] = &[
        ("1,,000", "USD", "two marks in a row"),
        (
            ",5",
            "USD",
            "starts with a decimal mark (write a 0 before it: 0,5)",
        ),
        (".5", "USD", "starts with a decimal mark"),
        ("1.2.3", "USD", "between groups of three digits"),
        ("1,250 000", "USD", "mixes the group marks"),
        ("1e308", "USD", "'e', which is not a digit"),
        (
            "1,5",
            "JPY",
            "\"1,5\" has decimals, and JPY has no minor unit",
        ),
        (
            "12.345",
            "USD",
            "has 3 decimal places; USD allows 2 (if you meant 12345",
        ),
        ("-5", "USD", "is negative"),
        (
            "10,000,000,000,000.01",
            "USD",
            "is more than the largest amount Rapport accepts, 10,000,000,000,000.00 USD",
        ),
        (
            "50,000,000,000,000,000",
            "USD",
            "is more than the largest amount Rapport accepts",
        ),
    ];
    for (amount, currency, why) in cases {
        let o = rapport(
            &db.path,
            &[
                "deal",
                "add",
                "1",
                "--title",
                "T",
                "--amount",
                amount,
                "--currency",
                currency,
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{amount}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{amount}: {err}");
        assert!(err.starts_with("rapport: amount: "), "{amount}: {err}");
        assert!(err.contains(why), "{amount}: {err}");
        if why.contains("mark") || why.contains("groups") {
            assert!(err.contains(forms), "{amount}: {err}");
        }
    }
    assert_eq!(snapshot_files(&db.path), before, "nothing was written");
}

#[test]
fn the_deal_import_reads_amounts_with_the_same_rules() {
    let db = TempDb::new();
    let csv = db.dir.path().join("deals.csv");
    std::fs::write(
        &csv,
        "opportunity_id,account,deal_stage,engage_date,close_date,close_value\n\
         A1,Acme,Won,2026-10-01,2026-10-20,\"12,50\"\n\
         A2,Acme,Won,2026-10-01,2026-10-20,\"1.250,50\"\n\
         A3,Acme,Won,2026-10-01,2026-10-20,\"10000000000000.01\"\n\
         A4,Acme,Won,2026-10-01,2026-10-20,\"1,,000\"\n",
    )
    .unwrap();
    let file = csv.to_string_lossy().into_owned();
    let o = rapport(&db.path, &["import", "--deals", &file]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "record 3 (line 4): amount: \"10000000000000.01\" is more than the largest amount"
        ),
        "{err}"
    );
    assert!(
        err.contains("record 4 (line 5): amount: \"1,,000\" has two marks in a row"),
        "{err}"
    );
    ok(&db.path, &["import", "--deals", &file, "--skip-invalid"]);
    let deals = json(&db.path, &["deal", "list"]);
    let mut minors: Vec<i64> = deals
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["amount"]["minor"].as_i64().unwrap())
        .collect();
    minors.sort_unstable();
    assert_eq!(minors, [1_250, 125_050]);
}

/// Rows as an older Rapport could write them: amounts up to `i64::MAX`.
const HUGE: i64 = 5_000_000_000_000_000_000;

/// Two deals at the largest amount through the CLI (one won, one open), then, in a
/// file taken back to schema 5, two open and one won deal of 5·10^18 minor units each,
/// which the next command migrates without touching them.
fn big_deals() -> TempDb {
    let db = with_customer();
    let p = &db.path;
    let next_month = {
        let today = Utc::now().date_naive();
        let first = today.with_day(1).unwrap();
        first
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .to_string()
    };
    let max = "10,000,000,000,000";
    for title in ["At the cap", "Won at the cap"] {
        ok(
            p,
            &[
                "deal",
                "add",
                "1",
                "--title",
                title,
                "--amount",
                max,
                "--close",
                &next_month,
            ],
        );
    }
    ok(p, &["deal", "won", "2"]);
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(BACK_TO_SCHEMA_5).unwrap();
    let won_stage: i64 = conn
        .query_row("SELECT id FROM stages WHERE key = 'won'", [], |r| r.get(0))
        .unwrap();
    let today = Utc::now().date_naive().to_string();
    for (title, stage, closed) in [
        ("Old huge 1", 1, None),
        ("Old huge 2", 1, None),
        ("Old huge won", won_stage, Some(today.as_str())),
    ] {
        conn.execute(
            "INSERT INTO deals (customer_id, title, amount_minor, currency, stage_id, probability,
                                expected_close, closed_on, created_at, updated_at)
             VALUES (1, ?1, ?2, 'USD', ?3, 75, ?4, ?5, 0, 0)",
            rusqlite::params![title, HUGE, stage, next_month, closed],
        )
        .unwrap();
    }
    db
}

#[test]
fn big_deals_break_no_list_report_or_search() {
    let db = big_deals();
    let p = &db.path;
    for args in [
        &["customer", "list"][..],
        &["customer", "list", "--sort", "open-value"],
        &["customer", "show", "1"],
        &["kpi"],
        &["kpi", "--period", "all"],
        &["deal", "list"],
        &["lookup", "Acme"],
        &["agenda"],
        &["quiet"],
        &["stage", "list"],
    ] {
        let o = rapport(p, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!stdout(&o).contains("overflow"), "{args:?}: {}", stdout(&o));
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let o = rapport(p, &with_json);
        assert!(o.status.success(), "{args:?} --json: {}", stderr(&o));
    }
    // The open value is exact: the cap plus two rows of 5·10^18.
    let open = i128::from(MAX_AMOUNT_MINOR) + 2 * i128::from(HUGE);
    let list = json(p, &["customer", "list"]);
    assert_eq!(
        list[0]["open_deals"][0]["minor"].as_u64().map(i128::from),
        Some(open)
    );
    let text = ok(p, &["customer", "list"]);
    assert!(text.contains("100,010,000,000,000,000.00 USD"), "{text}");
    let kpi = json(p, &["kpi", "--period", "all"]);
    let revenue = i128::from(MAX_AMOUNT_MINOR) + i128::from(HUGE);
    assert_eq!(kpi["kpis"][0]["key"], "revenue_won");
    assert_eq!(kpi["kpis"][0]["value"], revenue as f64 / 100.0);
    let month = kpi["forecast"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["deals"] == 3)
        .unwrap_or_else(|| panic!("a month with the 3 open deals: {kpi}"));
    assert_eq!(month["total_minor"].as_u64().map(i128::from), Some(open));
    // 10% of the capped one (the lead stage's), 75% of each old one.
    let weighted = i128::from(MAX_AMOUNT_MINOR) / 10 + 2 * (i128::from(HUGE) * 75 / 100);
    assert_eq!(
        month["weighted_minor"].as_u64().map(i128::from),
        Some(weighted)
    );
    // The old rows are kept as they were, and no new one may be that large.
    let deals = json(p, &["deal", "list"]);
    assert_eq!(
        deals
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["amount"]["minor"] == HUGE)
            .count(),
        3
    );
    let o = rapport(
        p,
        &[
            "deal",
            "add",
            "1",
            "--title",
            "T",
            "--amount",
            "50000000000000000",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn big_deals_break_no_pane_of_the_app() {
    let db = big_deals();
    // A first command migrates the file to the current schema.
    ok(&db.path, &["deal", "list"]);
    let store = common::open(&db.path)
        .unwrap()
        .with_clock(Arc::new(Utc::now));
    let keymap = Keymap::builtin("default").unwrap();
    let mut app = App::new(
        store,
        keymap,
        chrono_tz::UTC,
        Theme { color: false },
        "tester",
        Currency::USD,
    )
    .unwrap();
    app.set_size(160, 48);
    app.load_visible();
    for pane in ['1', '2', '3', '4'] {
        app.handle_key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(pane),
            crossterm::event::KeyModifiers::NONE,
        ));
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        terminal
            .draw(|f| rapport::tui::view::draw(f, &app))
            .unwrap();
        let screen = terminal.backend().to_string();
        assert!(!screen.contains("overflow"), "pane {pane}: {screen}");
        assert!(!screen.contains("database error"), "pane {pane}: {screen}");
        if pane == '2' {
            assert!(screen.contains("Old huge 1"), "pipeline: {screen}");
        }
    }
}

#[test]
fn a_json_restore_refuses_a_deal_above_the_maximum() {
    let db = with_customer();
    add_deal(&db.path, "100", "USD");
    let backup = db.dir.path().join("backup.json");
    ok(
        &db.path,
        &[
            "export",
            "--format",
            "json",
            "-o",
            &backup.to_string_lossy(),
        ],
    );
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&backup).unwrap()).unwrap();
    doc["tables"]["deals"][0]["amount_minor"] = serde_json::json!(HUGE);
    let edited = db.dir.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_vec(&doc).unwrap()).unwrap();
    let fresh = db.dir.path().join("fresh.db");
    let o = rapport(&fresh, &["import", &edited.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("deals row 1"), "{err}");
    assert!(
        err.contains("a deal amount is a whole number of minor units up to 10^15"),
        "{err}"
    );
    assert_eq!(json(&fresh, &["deal", "list"]), serde_json::json!([]));
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_decimal_comma_is_stored_as_the_amount_written,
    amounts_that_could_be_misread_are_refused_with_the_accepted_forms,
    the_deal_import_reads_amounts_with_the_same_rules,
    a_json_restore_refuses_a_deal_above_the_maximum,
);
