//! Duplicates through the real binary: `customer add` refuses a likely duplicate without
//! `--force`, `dedupe` lists pairs with reasons, and `customer merge` keeps every
//! interaction, deal and follow-up of both customers in one transaction.

mod common;

use std::path::Path;

use common::*;

fn add(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["customer", "add"];
    all.extend_from_slice(args);
    json(db, &all)["id"].as_i64().expect("id").to_string()
}

fn count(db: &Path, sql: &str, id: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [id.parse::<i64>().unwrap()], |r| r.get(0))
        .unwrap()
}

/// (interactions, deals, reminders) of a customer.
fn records(db: &Path, id: &str) -> (i64, i64, i64) {
    (
        count(
            db,
            "SELECT count(*) FROM interactions WHERE customer_id = ?1",
            id,
        ),
        count(db, "SELECT count(*) FROM deals WHERE customer_id = ?1", id),
        count(
            db,
            "SELECT count(*) FROM reminders WHERE customer_id = ?1",
            id,
        ),
    )
}

/// Gives a customer `n` interactions, deals and follow-ups.
fn history(db: &Path, id: &str, n: usize) {
    for i in 0..n {
        ok(db, &["log", id, "-m", &format!("Call {i}")]);
        ok(
            db,
            &[
                "deal",
                "add",
                id,
                "--title",
                &format!("Deal {i}"),
                "--amount",
                "100",
            ],
        );
        ok(
            db,
            &[
                "remind",
                "add",
                id,
                "--due",
                "+2d",
                "--note",
                &format!("Follow {i}"),
            ],
        );
    }
}

#[test]
fn adding_a_likely_duplicate_is_refused_without_force() {
    let db = TempDb::new();
    let p = &db.path;
    let reza = add(
        p,
        &[
            "--name",
            "Reza Karimi",
            "--phone",
            "+98 912 345 6789",
            "--email",
            "reza@example.ir",
        ],
    );
    let before = snapshot_files(p);
    for (args, why) in [
        (
            &["--name", "R. Karimi", "--phone", "0912 345 6789"][..],
            "same phone +98 912 345 6789",
        ),
        (
            &["--name", "Someone", "--email", "REZA@example.ir"][..],
            "same email reza@example.ir",
        ),
        (&["--name", "Karimi Reza"][..], "same name, words reordered"),
        (&["--name", "Reza Karimy"][..], "name one letter apart"),
        (
            &["--name", "رضا کریمی", "--phone", "۰۹۱۲ ۳۴۵ ۶۷۸۹"][..],
            "same phone",
        ),
    ] {
        let mut all = vec!["customer", "add"];
        all.extend_from_slice(args);
        let o = rapport(p, &all);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("looks like #{reza} Reza Karimi")) && err.contains(why),
            "{args:?}: {err}"
        );
        assert!(err.contains("--force"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let out = stdout(&o);
        assert!(
            out.starts_with("ID") && out.contains("Reza Karimi"),
            "{out}"
        );
        assert_eq!(snapshot_files(p), before, "{args:?} wrote to the database");
    }
    // JSON lists the candidates with their reasons.
    let o = rapport(
        p,
        &[
            "customer",
            "add",
            "--name",
            "X",
            "--phone",
            "09123456789",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed[0]["id"].to_string(), reza);
    assert_eq!(listed[0]["reasons"][0]["reason"], "phone");
    assert_eq!(listed[0]["reasons"][0]["number"], "+98 912 345 6789");

    // --force adds anyway; someone unrelated needs no force.
    add(
        p,
        &["--name", "R. Karimi", "--phone", "0912 345 6789", "--force"],
    );
    add(
        p,
        &["--name", "Ada Lovelace", "--phone", "+44 20 7946 0958"],
    );
}

#[test]
fn a_person_may_share_their_company_number() {
    let db = TempDb::new();
    let p = &db.path;
    add(
        p,
        &[
            "--name",
            "Acme GmbH",
            "--kind",
            "company",
            "--phone",
            "work:+49 30 1234567",
        ],
    );
    add(
        p,
        &[
            "--name",
            "Ivan Petrov",
            "--company",
            "Acme GmbH",
            "--phone",
            "work:030 1234567",
        ],
    );
    add(
        p,
        &[
            "--name",
            "Maria Schmidt",
            "--company",
            "Acme GmbH",
            "--phone",
            "work:+49 30 1234567",
        ],
    );
    assert!(json(p, &["dedupe"]).as_array().unwrap().is_empty());
}

#[test]
fn dedupe_lists_pairs_with_reasons() {
    let db = TempDb::new();
    let p = &db.path;
    let a = add(
        p,
        &["--name", "Maria Ivanova", "--phone", "+7 912 345 67 89"],
    );
    let b = add(
        p,
        &[
            "--name",
            "Мария Иванова",
            "--phone",
            "8 912 345-67-89",
            "--force",
        ],
    );
    let c = add(p, &["--name", "Ivanova Maria", "--force"]);
    add(p, &["--name", "Liam Weber"]);
    let pairs = json(p, &["dedupe"]);
    let pairs = pairs.as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!(pairs[0]["a"]["id"].to_string(), a);
    assert_eq!(pairs[0]["b"]["id"].to_string(), b);
    assert_eq!(pairs[0]["reasons"][0]["reason"], "phone");
    assert_eq!(pairs[1]["b"]["id"].to_string(), c);
    assert_eq!(pairs[1]["reasons"][0]["similarity"], "words_reordered");
    let text = ok(p, &["dedupe", "--limit", "1"]);
    assert!(text.contains("same phone +7 912 345 67 89"), "{text}");
    assert!(!text.contains("Ivanova Maria"), "{text}");
    assert!(text.contains("rapport customer merge A B --yes"), "{text}");
}

#[test]
fn merge_keeps_every_interaction_deal_and_reminder_of_both() {
    let db = TempDb::new();
    let p = &db.path;
    let keep = add(
        p,
        &[
            "--name",
            "Maria Ivanova",
            "--phone",
            "+7 912 345 67 89",
            "--tag",
            "vip",
        ],
    );
    let drop = add(
        p,
        &[
            "--name",
            "Maria Ivanovna",
            "--phone",
            "8 912 345-67-89",
            "--phone",
            "work:+7 495 123 45 67",
            "--email",
            "maria@example.ru",
            "--tag",
            "vip",
            "--tag",
            "moscow",
            "--address",
            "Moscow",
            "--force",
        ],
    );
    history(p, &keep, 2);
    history(p, &drop, 3);
    let (ki, kd, kr) = records(p, &keep);
    let (di, dd, dr) = records(p, &drop);
    assert_eq!((ki, di), (2, 3));

    // Without --yes: what would move, exit 1, nothing written.
    let before = snapshot_files(p);
    let o = rapport(p, &["customer", "merge", &keep, &drop]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("moving 3 interactions, 3 deals, 3 follow-ups")
            && err.contains("adding 1 phone, 1 email, 1 tag")
            && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert_eq!(snapshot_files(p), before);

    let out = ok(p, &["customer", "merge", &keep, &drop, "--yes"]);
    assert!(
        out.starts_with(&format!(
            "Merged customer #{drop} Maria Ivanovna into #{keep}"
        )),
        "{out}"
    );
    assert_eq!(records(p, &keep), (ki + di, kd + dd, kr + dr));
    assert_eq!(records(p, &drop), (0, 0, 0));
    let card = json(p, &["customer", "show", &keep]);
    assert_eq!(
        card["phones"].as_array().unwrap().len(),
        2,
        "the same number once"
    );
    assert_eq!(card["phones"][1]["raw"], "+7 495 123 45 67");
    assert_eq!(card["emails"][0], "maria@example.ru");
    assert_eq!(card["tags"], serde_json::json!(["moscow", "vip"]));
    assert_eq!(card["address"], "Moscow");
    assert_eq!(card["version"], 2);
    assert_eq!(
        rapport(p, &["customer", "show", &drop]).status.code(),
        Some(1)
    );
    // The merged customer is found by the dropped one's numbers.
    let hits = json(p, &["lookup", "495 123 45 67"]);
    assert_eq!(hits[0]["id"].to_string(), keep);
}

#[test]
fn merges_that_make_no_sense_are_refused() {
    let db = TempDb::new();
    let p = &db.path;
    let acme = add(p, &["--name", "Acme GmbH", "--kind", "company"]);
    let ivan = add(p, &["--name", "Ivan Petrov", "--company", "Acme GmbH"]);
    let other = add(p, &["--name", "Acme Holding", "--kind", "company"]);
    let before = snapshot_files(p);
    for (args, expected) in [
        (
            vec![ivan.as_str(), ivan.as_str()],
            "merge: cannot merge customer #2 with itself",
        ),
        (
            vec![ivan.as_str(), acme.as_str()],
            "is a company with 1 person",
        ),
        (vec!["99", acme.as_str()], "customer #99 does not exist"),
    ] {
        let mut all = vec!["customer", "merge"];
        all.extend(args.iter().copied());
        all.push("--yes");
        let o = rapport(p, &all);
        assert_eq!(o.status.code(), Some(1), "{all:?}");
        assert!(stderr(&o).contains(expected), "{all:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1);
    }
    assert_eq!(snapshot_files(p), before);
    // A company into a company takes its people along.
    ok(p, &["customer", "merge", &other, &acme, "--yes"]);
    assert_eq!(
        json(p, &["customer", "show", &ivan])["company_name"],
        "Acme Holding"
    );
}

/// The merge is one transaction: when its last step fails, nothing of it remains.
#[test]
fn a_failing_merge_leaves_both_customers_intact() {
    let db = TempDb::new();
    let p = &db.path;
    let keep = add(p, &["--name", "Keep Me", "--phone", "+98 912 000 0001"]);
    let drop = add(
        p,
        &[
            "--name",
            "Drop Me",
            "--phone",
            "+98 912 000 0002",
            "--tag",
            "x",
            "--force",
        ],
    );
    history(p, &keep, 1);
    history(p, &drop, 2);
    let cards = || [&keep, &drop].map(|id| (json(p, &["customer", "show", id]), records(p, id)));
    let before = cards();
    // Fault injection: deleting the dropped customer (the merge's last write) fails.
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER fail_delete BEFORE DELETE ON customers BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let o = rapport(p, &["customer", "merge", &keep, &drop, "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("injected failure"), "{}", stderr(&o));
    assert_eq!(cards(), before, "a failed merge changed a customer");
    conn.execute_batch("DROP TRIGGER fail_delete;").unwrap();
    drop_conn(conn);
    ok(p, &["customer", "merge", &keep, &drop, "--yes"]);
    assert_eq!(records(p, &keep), (3, 3, 3));
}

fn drop_conn(conn: rusqlite::Connection) {
    conn.close().unwrap();
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    adding_a_likely_duplicate_is_refused_without_force,
    a_person_may_share_their_company_number,
    dedupe_lists_pairs_with_reasons,
    merges_that_make_no_sense_are_refused,
);
