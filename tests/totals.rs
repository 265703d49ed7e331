//! The maintained deal totals (what the pipeline board, the forecast and the won/lost
//! KPIs read instead of every deal) stay equal to the deals through every kind of
//! write, come with an older database when it is upgraded, and `rapport doctor` finds
//! them changed around Rapport.

mod common;

use std::path::Path;

use common::*;

/// `doctor`'s verdict on the totals: `None` when they agree with the deals.
fn totals_problem(db: &Path) -> Option<String> {
    let o = rapport(db, &["doctor"]);
    let out = stdout(&o);
    out.lines()
        .find(|l| l.starts_with("problem (deal totals)"))
        .map(str::to_string)
}

fn assert_in_step(db: &Path, after: &str) {
    assert_eq!(totals_problem(db), None, "after {after}");
}

fn add_deal(db: &Path, customer: &str, args: &[&str]) {
    let mut all = vec!["deal", "add", customer];
    all.extend_from_slice(args);
    ok(db, &all);
}

/// Customers and deals in two currencies, two owners, dated and undated closes.
fn pipeline(db: &Path) {
    ok(db, &["operator", "add", "sara", "--role", "agent"]);
    for name in ["Ada Lovelace", "Grace Hopper", "Алексей Смирнов"] {
        ok(db, &["customer", "add", "--name", name]);
    }
    add_deal(
        db,
        "1",
        &[
            "--title",
            "Engines",
            "--amount",
            "12,000.50",
            "--close",
            "2030-03-15",
        ],
    );
    add_deal(
        db,
        "1",
        &["--title", "Looms", "--amount", "900", "--currency", "EUR"],
    );
    add_deal(
        db,
        "2",
        &[
            "--title",
            "Compilers",
            "--amount",
            "1.250,75",
            "--probability",
            "35",
            "--owner",
            "sara",
        ],
    );
    add_deal(
        db,
        "3",
        &[
            "--title",
            "Сервис",
            "--amount",
            "77",
            "--close",
            "2030-04-01",
        ],
    );
}

#[test]
fn the_totals_follow_every_kind_of_deal_write() {
    let db = TempDb::new();
    let p = &db.path;
    pipeline(p);
    assert_in_step(p, "adding deals");
    let steps: &[(&str, &[&str])] = &[
        ("a move", &["deal", "move", "1", "next"]),
        ("a win", &["deal", "won", "1"]),
        ("a loss", &["deal", "lost", "3", "--reason", "price"]),
        ("an assignment", &["deal", "assign", "2", "sara"]),
        ("another move", &["deal", "move", "4", "next"]),
        (
            "a customer's deletion",
            &["customer", "delete", "3", "--yes"],
        ),
    ];
    for (what, args) in steps {
        ok(p, args);
        assert_in_step(p, what);
    }
    // What the KPIs read from them is what the deals say: one USD deal won, one lost
    // (the EUR deal is open; the deleted customer's deal is gone).
    let kpi = json(p, &["kpi", "--period", "all"]);
    let value = |key: &str| {
        kpi["kpis"]
            .as_array()
            .and_then(|ks| ks.iter().find(|k| k["key"] == key))
            .map(|k| k["value"].clone())
    };
    assert_eq!(value("revenue_won"), Some(12000.5.into()));
    assert_eq!(value("deals_won"), Some(1.0.into()));
    assert_eq!(value("win_rate"), Some(50.0.into()));
    // Follow-ups are counted as they open and close.
    ok(
        p,
        &[
            "remind",
            "add",
            "1",
            "--due",
            "tomorrow",
            "--note",
            "call back",
        ],
    );
    ok(
        p,
        &[
            "remind",
            "add",
            "2",
            "--due",
            "tomorrow",
            "--note",
            "send the offer",
        ],
    );
    ok(p, &["remind", "done", "1"]);
    ok(p, &["customer", "delete", "2", "--yes"]);
    let report = stdout(&rapport(p, &["doctor"]));
    assert!(report.ends_with("ok\n"), "{report}");
}

#[test]
fn an_older_database_gets_its_totals_when_it_is_upgraded() {
    let db = TempDb::new();
    let p = &db.path;
    pipeline(p);
    ok(p, &["deal", "won", "1"]);
    let before = json(p, &["kpi", "--period", "all"]);
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(BACK_TO_SCHEMA_8).unwrap();
    // Written by the older Rapport: not in any total yet.
    conn.execute(
        "INSERT INTO deals (customer_id, title, amount_minor, currency, stage_id, probability,
                            created_at, updated_at)
         VALUES (2, 'Written before the upgrade', 5000, 'USD', 1, 10, 0, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let after = json(p, &["kpi", "--period", "all"]);
    assert_in_step(p, "the upgrade");
    assert_eq!(
        before["kpis"], after["kpis"],
        "won and lost figures unchanged"
    );
    let deals = json(p, &["deal", "list"]);
    assert_eq!(deals.as_array().map(Vec::len), Some(5));
}

#[test]
fn doctor_finds_totals_changed_around_rapport() {
    let db = TempDb::new();
    let p = &db.path;
    pipeline(p);
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(
        "DROP TRIGGER deal_totals_update;
         UPDATE deals SET amount_minor = amount_minor + 1 WHERE id = 1;",
    )
    .unwrap();
    drop(conn);
    let problem = totals_problem(p).expect("doctor reports the difference");
    assert!(
        problem.contains("disagree with the deals in 1 group"),
        "{problem}"
    );
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(
        "DROP TRIGGER tallies_customer_delete;
         DELETE FROM customers WHERE id = 3;",
    )
    .unwrap();
    drop(conn);
    let report = stdout(&rapport(p, &["doctor"]));
    assert!(
        report.contains("problem (tallies): the count of customers says 3, the database holds 2"),
        "{report}"
    );
    let o = rapport(p, &["doctor"]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("rapport --db new.db import backup.json"));
}
