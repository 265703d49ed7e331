//! Nothing acknowledged is lost (issue 12): restores racing imports, imports in
//! chunks beside other writers, undoing an import run (also after `kill -9`), plain
//! edits under contention, company deletes and merges, who may restore or add
//! operators through an import, and files that are not ours.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

fn contacts_csv(dir: &Path, name: &str, from: usize, n: usize) -> PathBuf {
    let mut out = String::from("Name,Phone,Email\r\n");
    for i in from..from + n {
        out.push_str(&format!(
            "Person {i},+44 7700 {i:06},person{i}@example.org\r\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn count(db: &Path) -> usize {
    json(db, &["customer", "list"]).as_array().unwrap().len()
}

/// Customers committed so far, read straight from the file (cheap enough to poll).
fn committed(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("SELECT count(*) FROM customers", [], |r| r.get(0)))
        .unwrap_or(0)
}

fn spawn(db: &Path, login: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .env("RAPPORT_DB", db)
        .env("RAPPORT_AS", login)
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rapport")
}

/// A JSON backup of a database with a few customers.
fn backup_json(dir: &Path) -> PathBuf {
    let src = dir.join("source.db");
    common::create_db(&src);
    for i in 0..5 {
        let name = format!("Backed Up {i}");
        ok(&src, &["customer", "add", "--name", &name, "--force"]);
    }
    let out = dir.join("backup.json");
    ok(
        &src,
        &["export", "--format", "json", "-o", &out.to_string_lossy()],
    );
    out
}

#[test]
fn a_restore_started_while_an_import_runs_is_refused_and_nothing_is_lost() {
    let db = TempDb::new();
    let dir = db.dir.path();
    let backup = backup_json(dir);
    let csv = contacts_csv(dir, "big.csv", 0, 40_000);
    ok(&db.path, &["operator", "list"]);
    let import = spawn(
        &db.path,
        "tester",
        &["import", &csv.to_string_lossy(), "--json"],
    );
    // Once the import's first chunk is committed, a restore finds the database in use.
    let start = Instant::now();
    while count(&db.path) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "import never wrote"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let restore = rapport(&db.path, &["import", &backup.to_string_lossy()]);
    let imported = import.wait_with_output().unwrap();
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert_eq!(restore.status.code(), Some(1));
    assert!(
        stderr(&restore).contains("not empty"),
        "{}",
        stderr(&restore)
    );
    let report: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(report["report"]["created"], 40_000);
    assert_eq!(count(&db.path), 40_000);
}

#[test]
fn a_restore_and_an_import_at_once_never_both_lose_what_they_acknowledged() {
    for round in 0..3 {
        let db = TempDb::new();
        let dir = db.dir.path();
        let backup = backup_json(dir);
        let csv = contacts_csv(dir, "some.csv", 0, 3_000);
        ok(&db.path, &["operator", "list"]);
        let import = spawn(
            &db.path,
            "tester",
            &["import", &csv.to_string_lossy(), "--json"],
        );
        let restore = spawn(&db.path, "tester", &["import", &backup.to_string_lossy()]);
        let imported = import.wait_with_output().unwrap();
        let restored = restore.wait_with_output().unwrap();
        let names = customer_names(&db.path);
        let imported_all = (0..3_000).all(|i| names.contains(&format!("Person {i}")));
        let backed_up = (0..5).all(|i| names.contains(&format!("Backed Up {i}")));
        match (imported.status.success(), restored.status.success()) {
            // The restore went first, into the empty database; the import added to it.
            (true, true) => assert!(imported_all && backed_up && names.len() == 3_005),
            (true, false) => {
                assert!(
                    stderr(&restored).contains("not empty"),
                    "{}",
                    stderr(&restored)
                );
                assert!(imported_all && names.len() == 3_000, "round {round}");
            }
            (false, true) => assert!(backed_up, "round {round}"),
            (false, false) => panic!("round {round}: both refused"),
        }
    }
}

#[test]
fn only_an_admin_restores_a_json_backup() {
    let db = TempDb::new();
    let backup = backup_json(db.dir.path());
    ok(&db.path, &["operator", "add", "lena", "--role", "manager"]);
    let before = snapshot_files(&db.path);
    let o = as_user(&db.path, "lena", &["import", &backup.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("only an admin can restore a backup"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot_files(&db.path), before);
    ok(&db.path, &["import", &backup.to_string_lossy()]);
    assert_eq!(count(&db.path), 5);
}

#[test]
fn a_deals_import_adds_operators_only_for_an_admin() {
    let db = TempDb::new();
    let deals = db.dir.path().join("deals.csv");
    std::fs::write(
        &deals,
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\r\n\
         A1,Moses Frase,GTXPro,Cancity,Won,2016-10-20,2017-03-01,1054\r\n",
    )
    .unwrap();
    ok(&db.path, &["operator", "add", "lena", "--role", "manager"]);
    let before = snapshot_files(&db.path);
    let o = as_user(
        &db.path,
        "lena",
        &["import", "--deals", &deals.to_string_lossy()],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("Moses Frase (moses.frase)") && err.contains("only an admin adds operators"),
        "{err}"
    );
    assert_eq!(snapshot_files(&db.path), before);
    let out = ok(&db.path, &["import", "--deals", &deals.to_string_lossy()]);
    assert!(out.contains("moses.frase"), "{out}");
}

#[test]
fn deleting_or_merging_a_company_records_each_person_it_moves() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["operator", "add", "omid"]);
    ok(p, &["operator", "add", "sara"]);
    let acme = json_as(
        p,
        "omid",
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    let acme = acme["id"].as_i64().unwrap().to_string();
    let ada = json_as(
        p,
        "sara",
        &["customer", "add", "--name", "Ada", "--company", &acme],
    );
    let ada = ada["id"].as_i64().unwrap().to_string();
    // omid may not take sara's person out of her company.
    let before = snapshot_files(p);
    let o = as_user(p, "omid", &["customer", "delete", &acme, "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("customer #{ada} is sara's")),
        "{}",
        stderr(&o)
    );
    let other = json_as(
        p,
        "omid",
        &["customer", "add", "--name", "Acme Ltd", "--kind", "company"],
    );
    let other = other["id"].as_i64().unwrap().to_string();
    let o = as_user(p, "omid", &["customer", "merge", &other, &acme, "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(snapshot_files(p)[0].is_some(), before[0].is_some());
    // An admin merges: Ada moves, and her trail says so.
    ok(p, &["customer", "merge", &other, &acme, "--yes"]);
    let trail = json(p, &["audit", "--customer", &ada]);
    let moved =
        trail.as_array().unwrap().iter().any(|e| {
            e["action"] == "update"
                && e["changes"].as_array().unwrap().iter().any(|c| {
                    c["field"] == "company" && c["old"] == "Acme" && c["new"] == "Acme Ltd"
                })
        });
    assert!(moved, "{trail:#}");
    // Deleting the company leaves Ada without one, recorded too.
    ok(p, &["customer", "delete", &other, "--yes"]);
    let ada_now = json(p, &["customer", "show", &ada]);
    assert!(ada_now["company_id"].is_null(), "{ada_now:#}");
    let trail = json(p, &["audit", "--customer", &ada]);
    let cleared = trail.as_array().unwrap().iter().any(|e| {
        e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "company" && c["old"] == "Acme Ltd" && c["new"].is_null())
    });
    assert!(cleared, "{trail:#}");
}

#[test]
fn an_import_run_is_undone_except_what_someone_changed_since() {
    let db = TempDb::new();
    let p = &db.path;
    let dir = db.dir.path();
    let existing = json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Person 0",
            "--phone",
            "+44 7700 000000",
        ],
    );
    let existing = existing["id"].as_i64().unwrap();
    let csv = contacts_csv(dir, "c.csv", 0, 50);
    let report = json(
        p,
        &["import", &csv.to_string_lossy(), "--on-duplicate", "merge"],
    );
    let run = report["report"]["run"].as_i64().unwrap();
    assert_eq!(report["report"]["created"], 49);
    assert_eq!(count(p), 50);
    // Someone edits one created customer after the import: it stays.
    let kept = customer_id(p, "Person 7");
    ok(
        p,
        &[
            "customer",
            "edit",
            &kept.to_string(),
            "--notes",
            "Called back",
        ],
    );
    let undone = json(p, &["import", "--undo", &run.to_string()]);
    assert_eq!(undone["deleted"], 48);
    assert_eq!(undone["restored"], 1);
    assert_eq!(undone["kept_changed"], serde_json::json!([kept]));
    assert_eq!(customer_names(p), ["Person 0", "Person 7"]);
    // The merged customer is as it was: the imported email is gone again.
    let shown = json(p, &["customer", "show", &existing.to_string()]);
    assert_eq!(shown["emails"], serde_json::json!([]), "{shown:#}");
    let again = rapport(p, &["import", "--undo", &run.to_string()]);
    assert!(
        stderr(&again).contains("undone already"),
        "{}",
        stderr(&again)
    );
}

fn customer_id(db: &Path, name: &str) -> i64 {
    json(db, &["customer", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_i64())
        .unwrap()
}

#[test]
fn an_import_killed_part_way_is_undone_and_its_indexes_come_back() {
    let db = TempDb::new();
    let dir = db.dir.path();
    ok(&db.path, &["operator", "list"]);
    let csv = contacts_csv(dir, "big.csv", 0, 60_000);
    let mut import = spawn(&db.path, "tester", &["import", &csv.to_string_lossy()]);
    let start = Instant::now();
    while committed(&db.path) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "import never wrote"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    import.kill().unwrap();
    import.wait().unwrap();
    let saved = count(&db.path);
    assert!(saved > 0 && saved < 60_000, "{saved}");
    // Ten minutes later the run is known to be interrupted, and whoever opens the
    // database first builds the indexes the first load had dropped.
    let later = chrono::Utc::now() + chrono::Duration::minutes(10);
    let mut store = common::open(&db.path)
        .unwrap()
        .with_clock(Arc::new(move || later));
    store.heal_interrupted_imports().unwrap();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('customers_name_key', 'customer_phones_digits')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 2);
    let runs = store.interrupted_import_runs().unwrap();
    assert_eq!(runs.len(), 1);
    let undone = store.undo_import_run(runs[0].id).unwrap();
    assert_eq!(undone.deleted, saved);
    assert_eq!(count(&db.path), 0);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// A long import (longer than SQLite's busy timeout, were it one transaction) beside 8
/// processes writing all the while: nobody sees a lock error, and every acknowledged
/// write is there.
#[test]
fn a_long_import_beside_eight_writers_shows_no_lock_error_and_loses_nothing() {
    const ROWS: usize = 200_000;
    let db = TempDb::new();
    let dir = db.dir.path();
    ok(&db.path, &["customer", "add", "--name", "Seed"]);
    let csv = contacts_csv(dir, "long.csv", 0, ROWS);
    let started = Instant::now();
    let import = spawn(
        &db.path,
        "tester",
        &["import", &csv.to_string_lossy(), "--json"],
    );
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let db = db.path.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                let mut errors = Vec::new();
                let mut i = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let name = format!("Writer {w} #{i}");
                    i += 1;
                    let o = rapport(&db, &["customer", "add", "--name", &name, "--force"]);
                    if o.status.success() {
                        acknowledged.push(name);
                    } else {
                        errors.push(stderr(&o));
                    }
                }
                (acknowledged, errors)
            })
        })
        .collect();
    let imported = import.wait_with_output().unwrap();
    let took = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let mut acknowledged = Vec::new();
    for w in writers {
        let (names, errors) = w.join().unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        acknowledged.extend(names);
    }
    eprintln!(
        "import of {ROWS} took {took:?} beside {} acknowledged writes",
        acknowledged.len()
    );
    assert!(acknowledged.len() >= 8);
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    for n in &acknowledged {
        let found: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM customers WHERE name = ?1)",
                [n],
                |r| r.get(0),
            )
            .unwrap();
        assert!(found, "{n} was acknowledged and is missing");
    }
    assert_eq!(committed(&db.path) as usize, 1 + acknowledged.len() + ROWS);
}

#[test]
fn plain_edits_under_contention_are_never_refused_as_stale_and_none_is_lost() {
    let db = TempDb::new();
    let id = json(&db.path, &["customer", "add", "--name", "Shared"])["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let db = db.path.clone();
            let id = id.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        rapport(
                            &db,
                            &["customer", "edit", &id, "--add-tag", &format!("w{w}-{i}")],
                        )
                    })
                    .filter(|o| !o.status.success())
                    .map(|o| stderr(&o))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for w in writers {
        let refused = w.join().unwrap();
        assert!(refused.is_empty(), "{refused:?}");
    }
    let shown = json(&db.path, &["customer", "show", &id]);
    assert_eq!(shown["tags"].as_array().unwrap().len(), 80, "{shown:#}");
}

#[test]
fn another_applications_empty_sqlite_file_is_left_alone() {
    let db = TempDb::missing();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.execute_batch("PRAGMA user_version = 3;").unwrap();
    drop(conn);
    let before = std::fs::read(&db.path).unwrap();
    let o = rapport(&db.path, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("another application"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    assert!(!Path::new(&format!("{}-wal", db.path.display())).exists());
}

#[test]
fn an_error_never_repeats_a_huge_value_in_full() {
    let db = TempDb::new();
    let big = "x".repeat(120_000);
    for args in [
        vec!["customer", "add", "--name", "Bo", "--email", big.as_str()],
        vec!["customer", "list", "--status", big.as_str()],
        vec!["customer", "show", big.as_str()],
        vec!["kpi", "--period", big.as_str()],
    ] {
        let o = rapport(&db.path, &args);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            err.len() < 1_000,
            "{} bytes for {:?}",
            err.len(),
            &args[..2]
        );
        assert!(err.contains("characters left out"), "{err}");
    }
}

/// A full disk says so (not "disk I/O error"), and what was acknowledged before is there.
/// Needs a small tmpfs, so root; elsewhere a notice and a skip.
#[test]
fn a_full_disk_is_reported_as_a_full_disk_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("notice: a_full_disk… skipped: mounting a small tmpfs needs root");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(dir.path());
    let db = dir.path().join("full.db");
    common::create_db(&db);
    let notes = "x".repeat(4_000);
    let mut acknowledged = 0;
    let mut refusal = None;
    for i in 0..2_000 {
        let name = format!("Customer {i}");
        let o = rapport(
            &db,
            &[
                "customer", "add", "--name", &name, "--notes", &notes, "--force",
            ],
        );
        if o.status.success() {
            acknowledged += 1;
        } else {
            refusal = Some(stderr(&o));
            break;
        }
    }
    let refusal = refusal.expect("the disk filled up");
    assert!(refusal.contains("is full"), "{refusal}");
    assert!(!refusal.contains("disk I/O error"), "{refusal}");
    assert!(acknowledged > 0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (check, n): (String, i64) = (
        conn.query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap(),
        conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!(check, "ok");
    assert_eq!(n, acknowledged);
}

/// An extension is kept apart from the number, not part of the line: the number is
/// found by its last digits, and the same line without the extension is a duplicate.
#[test]
fn a_phone_extension_is_not_part_of_the_number() {
    let db = TempDb::new();
    let p = &db.path;
    let ada = json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Ada Byron",
            "--phone",
            "+1 212 555 0101 ext 5",
        ],
    );
    let ada = ada["id"].as_i64().unwrap();
    // Kept apart from the number, and shown after it.
    let shown = json(p, &["customer", "show", &ada.to_string()]);
    assert_eq!(shown["phones"][0]["raw"], "+1 212 555 0101", "{shown}");
    assert_eq!(shown["phones"][0]["extension"], "5", "{shown}");
    let card = ok(p, &["customer", "show", &ada.to_string()]);
    assert!(card.contains("+1 212 555 0101 ext. 5"), "{card}");
    let found = json(p, &["lookup", "5550101"]);
    assert_eq!(found[0]["id"], ada, "{found:#}");
    let o = rapport(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Bob Other",
            "--phone",
            "+1 212 555 0101",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("#{ada}")), "{}", stderr(&o));
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_restore_started_while_an_import_runs_is_refused_and_nothing_is_lost,
    a_restore_and_an_import_at_once_never_both_lose_what_they_acknowledged,
    a_deals_import_adds_operators_only_for_an_admin,
    deleting_or_merging_a_company_records_each_person_it_moves,
    an_import_run_is_undone_except_what_someone_changed_since,
    plain_edits_under_contention_are_never_refused_as_stale_and_none_is_lost,
    an_error_never_repeats_a_huge_value_in_full,
    a_full_disk_is_reported_as_a_full_disk_and_loses_nothing,
    a_phone_extension_is_not_part_of_the_number,
);
