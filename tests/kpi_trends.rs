//! The KPI figures by quarter hour that the trends read (schema 18) stay equal to the
//! customers, interactions and follow-ups through every kind of write (adds, edits,
//! deletes, merges, undo, imports, a JSON backup restored), come with an older
//! database when it is upgraded, and `rapport doctor` finds them changed around
//! Rapport.

mod common;

use std::path::Path;

use common::*;

/// `doctor`'s verdict on the slots: `None` when they agree with the records.
fn slots_problem(db: &Path) -> Option<String> {
    let out = stdout(&rapport(db, &["doctor"]));
    out.lines()
        .find(|l| l.starts_with("problem (kpi slots)"))
        .map(str::to_string)
}

fn assert_in_step(db: &Path, after: &str) {
    assert_eq!(slots_problem(db), None, "after {after}");
}

/// The value and trend of every KPI over 12 months and 12 years, as `kpi --trend`
/// reads them, by key.
fn trends(db: &Path) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for period in ["month", "year"] {
        let r = json(db, &["kpi", "--trend", "--team", "--period", period]);
        for k in r["kpis"].as_array().expect("KPIs") {
            let key = format!("{period} {}", k["key"]);
            all.push((key, format!("{} {}", k["value"], k["trend"])));
        }
    }
    all.sort();
    all
}

/// Three customers (one sara's), scored calls over the last months, follow-ups done
/// on time, late and not at all.
fn history(db: &Path) {
    ok(db, &["operator", "add", "sara", "--role", "agent"]);
    ok(db, &["customer", "add", "--name", "Ada Lovelace"]);
    ok(
        db,
        &[
            "customer",
            "add",
            "--name",
            "Grace Hopper",
            "--owner",
            "sara",
        ],
    );
    ok(db, &["customer", "add", "--name", "Алексей Смирнов"]);
    for (customer, at, score) in [
        ("1", "-40d", "5"),
        ("1", "-70d", "2"),
        ("2", "-2d", "4"),
        ("3", "-200d", "3"),
        ("3", "now", "1"),
    ] {
        ok(
            db,
            &[
                "log",
                customer,
                "-m",
                "Called",
                "--at",
                at,
                "--satisfaction",
                score,
            ],
        );
    }
    ok(
        db,
        &["log", "2", "-m", "Note without a score", "--at", "-1d"],
    );
    for (customer, due) in [("1", "-45d"), ("2", "-3d"), ("3", "-100d"), ("3", "+2d")] {
        ok(
            db,
            &[
                "remind",
                "add",
                customer,
                "--due",
                due,
                "--note",
                "Call back",
            ],
        );
    }
}

#[test]
fn the_slots_follow_every_kind_of_write() {
    let db = TempDb::new();
    let p = &db.path;
    history(p);
    assert_in_step(p, "adding customers, interactions and follow-ups");

    ok(p, &["customer", "edit", "1", "--owner", "sara"]);
    assert_in_step(p, "a customer given to sara");
    ok(p, &["log", "edit", "1", "--satisfaction", "none"]);
    ok(
        p,
        &["log", "edit", "2", "--satisfaction", "5", "--at", "-10d"],
    );
    ok(p, &["log", "edit", "6", "--satisfaction", "3"]);
    ok(p, &["log", "delete", "3"]);
    assert_in_step(p, "interactions edited and deleted");

    ok(p, &["remind", "done", "1"]);
    ok(p, &["remind", "snooze", "2", "--until", "+2h"]);
    ok(p, &["remind", "reschedule", "3", "--due", "-20d"]);
    ok(p, &["remind", "assign", "4", "sara"]);
    ok(
        p,
        &["remind", "edit", "2", "--due", "-5d", "--owner", "tester"],
    );
    ok(p, &["remind", "delete", "3"]);
    assert_in_step(
        p,
        "follow-ups done, snoozed, rescheduled, given away, edited, deleted",
    );

    for _ in 0..3 {
        ok(p, &["undo"]);
        assert_in_step(p, "an undo");
    }

    let csv = db.dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "Name,Phone,Email\nMarie Curie,+33 1 23 45 67 89,marie@example.org\nAda Lovelace,,ada@example.org\n",
    )
    .unwrap();
    ok(p, &["import", csv.to_str().unwrap()]);
    assert_in_step(p, "an import");

    ok(p, &["customer", "merge", "1", "3", "--yes"]);
    assert_in_step(p, "a merge");
    ok(p, &["customer", "delete", "2", "--yes"]);
    assert_in_step(p, "a customer deleted with what it had");
    ok(p, &["undo"]);
    assert_in_step(p, "the deletion undone");

    // A backup restored into a new database counts every record again, row by row.
    let backup = db.dir.path().join("backup.json");
    ok(
        p,
        &["export", "--format", "json", "-o", backup.to_str().unwrap()],
    );
    let copy = TempDb::new();
    ok(&copy.path, &["import", backup.to_str().unwrap()]);
    assert_in_step(&copy.path, "a backup restored");
    assert_eq!(trends(&copy.path), trends(p));
}

#[test]
fn an_older_database_gets_its_slots_when_it_is_upgraded() {
    let db = TempDb::new();
    let p = &db.path;
    history(p);
    ok(p, &["remind", "done", "2"]);
    let before = trends(p);
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(BACK_TO_SCHEMA_17).unwrap();
    // Written by the older Rapport: in no slot yet.
    conn.execute(
        "INSERT INTO interactions (customer_id, kind, direction, occurred_at, operator_id, summary,
                                   satisfaction, created_at, updated_at)
         VALUES (1, 'call', 'out', strftime('%s', 'now') - 86400, 1, 'Before the upgrade', 4, 0, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let after = trends(p);
    assert_in_step(p, "the upgrade");
    assert_ne!(before, after, "the older Rapport's interaction counts");
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute(
        "DELETE FROM interactions WHERE summary = 'Before the upgrade'",
        [],
    )
    .unwrap();
    drop(conn);
    assert_eq!(trends(p), before);
}

#[test]
fn doctor_finds_slots_changed_around_rapport() {
    let db = TempDb::new();
    let p = &db.path;
    history(p);
    assert_in_step(p, "the history");
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(
        // Done at its due instant: in the slot it falls due in, whatever the clock
        // (a minute later crosses into the next quarter hour when the test runs in
        // the last minute of one, and two slots disagree).
        "DROP TRIGGER kpi_slots_reminder_update;
         UPDATE reminders SET done_at = due_at WHERE id = 1;",
    )
    .unwrap();
    drop(conn);
    let problem = slots_problem(p).expect("doctor reports the difference");
    assert!(
        problem
            .contains("disagree with the customers, interactions and follow-ups in 1 quarter hour"),
        "{problem}"
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(the_slots_follow_every_kind_of_write,);
