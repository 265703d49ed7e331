//! The JSON backup: everything out, and back into an empty database exactly.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::*;
use rapport::demo::{DemoOptions, generate};
use rapport::io::backup;
use rapport::store::Store;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn exported(store: &Store) -> String {
    let mut out = Vec::new();
    backup::export(store, clock(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_backup_restores_losslessly_into_an_empty_database() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    generate(
        &mut store,
        DemoOptions {
            customers: 300,
            seed: 7,
        },
        "sara",
    )
    .unwrap();
    // Settings and per-tag cadences too.
    store
        .write(|w| {
            w.set_default_cadence(rapport::domain::Cadence::parse("c", "60d/90d")?)?;
            w.set_kpi_target(
                "win_rate",
                rapport::domain::KpiFigure::whole(40),
                rapport::domain::KpiFigure::whole(25),
            )
        })
        .unwrap();
    let first = exported(&store);
    let value: serde_json::Value = serde_json::from_str(&first).unwrap();
    for table in rapport::store::BACKUP_TABLES {
        assert!(value["tables"][table].is_array(), "{table} missing");
    }
    assert_eq!(value["tables"]["customers"].as_array().unwrap().len(), 300);

    let mut fresh = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    // A new database has default stages, KPI definitions and maybe an operator.
    fresh.ensure_operator("tester").unwrap();
    let restored = backup::restore(&mut fresh, first.as_bytes()).unwrap();
    assert_eq!(restored.customers, 300);
    assert_eq!(exported(&fresh), first, "byte-identical after a round trip");
    assert_eq!(fresh.integrity_check().unwrap(), "ok");
    assert_eq!(
        fresh.counts().unwrap().customers,
        store.counts().unwrap().customers
    );

    // Not into a database that has data; not a damaged file; nothing written either way.
    let e = backup::restore(&mut store, first.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("not empty"), "{e}");
    let mut empty = Store::open_in_memory().unwrap();
    let broken = first.replace("\"customers\":[", "\"customers\":[{\"nope\":1},");
    let e = backup::restore(&mut empty, broken.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("unknown column \"nope\""), "{e}");
    assert!(empty.is_empty().unwrap());
    let e = backup::restore(&mut empty, b"{\"format\":\"other\"}").unwrap_err();
    assert!(e.to_string().contains("not a usable Rapport backup"), "{e}");
}

#[test]
fn export_and_import_through_the_cli() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "40", "--seed", "3"]);
    let file = db.dir.path().join("backup.json");
    let file_arg = file.to_string_lossy().into_owned();
    ok(
        &db.path,
        &["export", "--format", "json", "--output", &file_arg],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup is private like the database");
    }
    let copy = db.dir.path().join("copy.db");
    let out = ok(&copy, &["import", &file_arg]);
    assert!(out.contains("Restored"), "{out}");
    let a = json(&db.path, &["customer", "list"]);
    let b = json(&copy, &["customer", "list"]);
    assert_eq!(a, b);
    // A second restore is refused: the database is no longer empty.
    let o = rapport(&copy, &["import", &file_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    // Restored by someone the backup does not know: told how to be added back.
    let elsewhere = db.dir.path().join("elsewhere.db");
    let o = as_user(&elsewhere, "bob", &["import", &file_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "Note: the backup's operators do not include you (bob); an admin (tester) adds you with: rapport operator add bob"
    );
}

/// `rapport backup` copies the database with SQLite's online backup while another
/// process keeps writing; `rapport restore` brings a copy back and refuses what is not
/// a Rapport database.
#[test]
fn online_backup_while_writing_and_restore() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "200", "--seed", "5"]);
    // Another operator adds customers the whole time.
    let writer_db = db.path.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_writer = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut store = common::open(&writer_db).unwrap();
        let mut n = 0;
        while !stop_writer.load(std::sync::atomic::Ordering::Relaxed) {
            let draft = rapport::domain::CustomerDraft::new(
                rapport::domain::CustomerKind::Person,
                format!("Walk-in {n}"),
            );
            store.add_customer(&draft).unwrap();
            n += 1;
        }
        n
    });
    let copy = db.dir.path().join("copy.db");
    let copy_arg = copy.to_string_lossy().into_owned();
    let out = ok(&db.path, &["backup", &copy_arg]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let added = writer.join().unwrap();
    assert!(out.contains("Copied the database"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let copied = common::open(&copy).unwrap();
    assert_eq!(copied.integrity_check().unwrap(), "ok");
    let n = copied.counts().unwrap().customers;
    assert!(n >= 200, "the copy has the demo customers ({n})");
    drop(copied);
    // Not over an existing file.
    let o = rapport(&db.path, &["backup", &copy_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exists already"), "{}", stderr(&o));

    // Restore needs --yes, then replaces everything with the copy.
    let o = rapport(&db.path, &["restore", &copy_arg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--yes"));
    let before = customer_names(&db.path).len() as i64;
    assert!(before >= n && before >= 200 + added, "{before} {n} {added}");
    ok(&db.path, &["restore", &copy_arg, "--yes"]);
    assert_eq!(customer_names(&db.path).len() as i64, n);

    // Not a Rapport database: refused, nothing changed.
    let text = db.dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all").unwrap();
    let o = rapport(&db.path, &["restore", &text.to_string_lossy(), "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a Rapport database"),
        "{}",
        stderr(&o)
    );
    let other = db.dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let o = rapport(&db.path, &["restore", &other.to_string_lossy(), "--yes"]);
    assert!(stderr(&o).contains("another application"), "{}", stderr(&o));
    // Written by a newer Rapport: refused.
    let newer = db.dir.path().join("newer.db");
    std::fs::copy(&copy, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let o = rapport(&db.path, &["restore", &newer.to_string_lossy(), "--yes"]);
    assert!(stderr(&o).contains("newer Rapport"), "{}", stderr(&o));
    assert_eq!(customer_names(&db.path).len() as i64, n);
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_backup_restores_losslessly_into_an_empty_database,
    export_and_import_through_the_cli,
);
