//! The files Rapport writes besides its database (exports, backups, reject files):
//! never over the database, never through a link, never half-written, never readable
//! by others; and a damaged backup is refused before it replaces anything.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

fn refused(db: &Path, args: &[&str], says: &str) {
    let o = rapport(db, args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stdout(&o));
    assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
}

#[test]
fn an_export_never_writes_over_the_database() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "30", "--seed", "4"]);
    let before = snapshot_files(&db.path);
    let names = customer_names(&db.path);
    let wal = arg(&sidecar(&db.path, "-wal"));
    let shm = arg(&sidecar(&db.path, "-shm"));
    let link = db.dir.path().join("everyone.csv");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&db.path, &link).unwrap();
    let spelled_otherwise = db.dir.path().join("sub/../rapport.db");
    std::fs::create_dir(db.dir.path().join("sub")).unwrap();
    for target in [arg(&db.path), wal, shm, arg(&link), arg(&spelled_otherwise)] {
        for force in [false, true] {
            if !cfg!(unix) && target == arg(&link) {
                continue;
            }
            let mut args = vec!["export", "--format", "csv", "-o", &target];
            if force {
                args.push("--force");
            }
            refused(&db.path, &args, "Rapport never writes over it");
        }
    }
    assert!(
        snapshot_files(&db.path) == before,
        "the database is byte for byte as it was"
    );
    assert_eq!(customer_names(&db.path), names);
    // Nothing left behind: no temporary file, no -wal made by the export.
    let mut expected = vec!["everyone.csv", "rapport.db", "sub"];
    if !cfg!(unix) {
        expected.remove(0);
    }
    assert_eq!(entries(db.dir.path()), expected);
}

#[test]
fn an_export_replaces_a_file_only_with_force_and_never_through_a_link() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "20", "--seed", "2"]);
    let out = db.dir.path().join("everyone.csv");
    std::fs::write(&out, "an older file\n").unwrap();
    #[cfg(unix)]
    set_mode(&out, 0o644);
    let out_arg = arg(&out);
    refused(
        &db.path,
        &["export", "--format", "csv", "-o", &out_arg],
        "exists already; choose a new name or pass --force",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "an older file\n");

    let o = rapport(
        &db.path,
        &["export", "--format", "csv", "-o", &out_arg, "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("Name,"), "{written}");
    assert_eq!(written.lines().count(), 1 + 20);
    #[cfg(unix)]
    assert_eq!(
        mode(&out),
        0o600,
        "a new private file, not the old one's mode"
    );

    // A link at the destination is not followed, --force or not.
    #[cfg(unix)]
    {
        let other = db.dir.path().join("notes.txt");
        std::fs::write(&other, "keep me").unwrap();
        let link = db.dir.path().join("link.vcf");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        for force in [false, true] {
            let link_arg = arg(&link);
            let mut args = vec!["export", "--format", "vcard", "-o", &link_arg];
            if force {
                args.push("--force");
            }
            refused(&db.path, &args, "is a symbolic link");
        }
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    // A new file is private; nothing but the chosen names is left in the directory.
    let json_out = db.dir.path().join("backup.json");
    ok(
        &db.path,
        &["export", "--format", "json", "-o", &arg(&json_out)],
    );
    #[cfg(unix)]
    assert_eq!(mode(&json_out), 0o600);
    assert!(
        entries(db.dir.path()).iter().all(|n| !n.ends_with(".tmp")),
        "{:?}",
        entries(db.dir.path())
    );
}

/// ~4,000 random bytes written into the middle of a backup: `restore` refuses it and the
/// live database is unchanged; `doctor` says what is wrong and what to do.
#[test]
fn a_damaged_backup_is_refused_and_doctor_reports_it() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "500", "--seed", "8"]);
    let copy = db.dir.path().join("copy.db");
    let copy_arg = arg(&copy);
    ok(&db.path, &["backup", &copy_arg]);
    let doctor = ok(&db.path, &["doctor", &copy_arg]);
    assert!(doctor.ends_with("ok\n"), "{doctor}");
    assert!(doctor.contains("journal mode     delete"), "{doctor}");

    let mut bytes = std::fs::read(&copy).unwrap();
    let middle = bytes.len() / 2;
    let mut rng = fastrand::Rng::with_seed(12);
    for b in &mut bytes[middle..middle + 4000] {
        *b = rng.u8(..);
    }
    std::fs::write(&copy, &bytes).unwrap();

    ok(
        &db.path,
        &["customer", "add", "--name", "Added after the backup"],
    );
    let names = customer_names(&db.path);
    let before = snapshot_files(&db.path);
    let o = rapport(&db.path, &["restore", &copy_arg, "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("this copy does not check out") && err.contains("nothing changed"),
        "{err}"
    );
    assert!(
        snapshot_files(&db.path) == before,
        "the database is untouched"
    );
    assert_eq!(customer_names(&db.path), names);

    let o = rapport(&db.path, &["doctor", &copy_arg]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("problem (quick_check)"), "{out}");
    assert!(
        out.contains("what to do: do not restore from this file"),
        "{out}"
    );
    assert!(stderr(&o).contains("1 problem in"), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&rapport(&db.path, &["doctor", &copy_arg, "--json"]).stdout)
            .unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["check"], "quick_check");

    // The live database itself is sound, in WAL mode.
    let live = json(&db.path, &["doctor"]);
    assert_eq!(live["ok"], true, "{live}");
    assert_eq!(live["journal_mode"], "wal");
    assert_eq!(live["quick_check"][0], "ok");
    // Restoring the database onto itself is refused too.
    refused(
        &db.path,
        &["restore", &arg(&db.path), "--yes"],
        "is this database",
    );
}

/// A backup is a rollback-journal file: restoring it writes nothing beside it, so it
/// restores from a read-only directory (for a user who may not write there; root may,
/// so the test also checks that nothing was created).
#[cfg(unix)]
#[test]
fn a_backup_restores_from_a_read_only_directory() {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "60", "--seed", "6"]);
    let shelf = db.dir.path().join("shelf");
    std::fs::create_dir(&shelf).unwrap();
    let copy = shelf.join("copy.db");
    ok(&db.path, &["backup", &arg(&copy)]);
    assert_eq!(mode(&copy), 0o600);
    let header = std::fs::read(&copy).unwrap();
    assert_eq!(
        (header[18], header[19]),
        (1, 1),
        "rollback journal, not WAL"
    );
    let names = customer_names(&db.path);
    ok(
        &db.path,
        &["customer", "add", "--name", "Not in the backup"],
    );

    set_mode(&copy, 0o400);
    set_mode(&shelf, 0o500);
    let o = rapport(&db.path, &["restore", &arg(&copy), "--yes"]);
    let listing = entries(&shelf);
    let unchanged = std::fs::read(&copy).unwrap() == header;
    set_mode(&shelf, 0o700);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Restored"), "{}", stdout(&o));
    assert_eq!(
        listing,
        ["copy.db"],
        "no -wal, -shm or -journal made beside it"
    );
    assert!(unchanged, "the backup is only read");
    assert_eq!(customer_names(&db.path), names);
    assert_eq!(json(&db.path, &["doctor"])["journal_mode"], "wal");
}

/// The second record names nobody and holds only a placeholder phone: refused.
const CONTACTS: &str = "Name,Phone\r\nGood Person,+44 20 7946 0018\r\n,n/a\r\n";

/// `--skip-invalid` saves the refused records before anything is imported: when they
/// cannot be saved, nothing is imported. `--rejects DIR` puts them in DIR, 0600.
#[test]
fn refused_records_are_saved_first_or_nothing_is_imported() {
    let db = TempDb::new();
    ok(&db.path, &["customer", "add", "--name", "Already Here"]);
    let inputs = db.dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let csv = inputs.join("contacts.csv");
    std::fs::write(&csv, CONTACTS).unwrap();
    let csv_arg = arg(&csv);
    let before = snapshot_files(&db.path);

    // A directory where the reject file would go.
    let blocked = inputs.join("contacts.rejected.csv");
    std::fs::create_dir(&blocked).unwrap();
    refused(
        &db.path,
        &["import", &csv_arg, "--skip-invalid"],
        "nothing was imported",
    );
    std::fs::remove_dir(&blocked).unwrap();
    // A directory no file can be created in, even by root.
    #[cfg(target_os = "linux")]
    refused(
        &db.path,
        &["import", &csv_arg, "--skip-invalid", "--rejects", "/proc"],
        "nothing was imported",
    );
    // A directory this user may not write to.
    #[cfg(unix)]
    {
        let locked = db.dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        set_mode(&locked, 0o500);
        // Root may write there anyway: then only the other cases apply.
        if std::fs::write(locked.join("probe"), "").is_err() {
            refused(
                &db.path,
                &[
                    "import",
                    &csv_arg,
                    "--skip-invalid",
                    "--rejects",
                    &arg(&locked),
                ],
                "nothing was imported",
            );
        }
        set_mode(&locked, 0o700);
        std::fs::remove_dir_all(&locked).unwrap();
    }
    refused(
        &db.path,
        &[
            "import",
            &csv_arg,
            "--skip-invalid",
            "--rejects",
            "no-such-dir",
        ],
        "no such directory; create it first",
    );
    assert!(snapshot_files(&db.path) == before, "nothing was committed");
    assert_eq!(customer_names(&db.path), ["Already Here"]);
    assert_eq!(entries(&inputs), ["contacts.csv"]);

    let rejects = db.dir.path().join("rejects");
    std::fs::create_dir(&rejects).unwrap();
    let r = json(
        &db.path,
        &[
            "import",
            &csv_arg,
            "--skip-invalid",
            "--rejects",
            &arg(&rejects),
        ],
    );
    let written = rejects.join("contacts.rejected.csv");
    assert_eq!(r["rejects"][0], arg(&written).as_str());
    assert_eq!(
        std::fs::read_to_string(&written).unwrap(),
        "Name,Phone\r\n,n/a\r\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&written), 0o600);
    assert_eq!(
        entries(&inputs),
        ["contacts.csv"],
        "nothing beside the input"
    );
    assert_eq!(entries(&rejects), ["contacts.rejected.csv"]);
    assert_eq!(customer_names(&db.path).len(), 2);

    // Beside the input by default, private too; a rerun replaces it.
    ok(&db.path, &["import", &csv_arg, "--skip-invalid"]);
    let beside = inputs.join("contacts.rejected.csv");
    #[cfg(unix)]
    assert_eq!(mode(&beside), 0o600);
    assert_eq!(
        std::fs::read_to_string(&beside).unwrap(),
        "Name,Phone\r\n,n/a\r\n"
    );
    // --rejects without --skip-invalid is a usage error.
    let o = rapport(&db.path, &["import", &csv_arg, "--rejects", &arg(&rejects)]);
    assert_eq!(o.status.code(), Some(2));
}

/// Two inputs of one name would write one reject file in --rejects DIR: refused.
#[test]
fn two_inputs_cannot_share_a_reject_file() {
    let db = TempDb::new();
    for dir in ["a", "b"] {
        std::fs::create_dir(db.dir.path().join(dir)).unwrap();
        std::fs::write(db.dir.path().join(dir).join("list.csv"), CONTACTS).unwrap();
    }
    let rejects = db.dir.path().join("rejects");
    std::fs::create_dir(&rejects).unwrap();
    let a = arg(&db.dir.path().join("a/list.csv"));
    let b = arg(&db.dir.path().join("b/list.csv"));
    refused(
        &db.path,
        &[
            "import",
            &a,
            &b,
            "--skip-invalid",
            "--rejects",
            &arg(&rejects),
        ],
        "import them separately",
    );
    assert!(customer_names(&db.path).is_empty());
    assert!(entries(&rejects).is_empty());
}

#[test]
fn doctor_reports_a_file_others_can_read_and_one_that_is_not_rapports() {
    let db = TempDb::new();
    ok(&db.path, &["customer", "add", "--name", "Someone"]);
    let out = ok(&db.path, &["doctor"]);
    assert!(
        out.contains("quick_check      ok") && out.ends_with("ok\n"),
        "{out}"
    );
    #[cfg(unix)]
    {
        set_mode(&db.path, 0o644);
        let o = rapport(&db.path, &["doctor"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("open to every user"), "{}", stdout(&o));
        assert!(stdout(&o).contains("chmod o-rwx"), "{}", stdout(&o));
        // A group may share it.
        set_mode(&db.path, 0o660);
        ok(&db.path, &["doctor"]);
    }
    let text = db.dir.path().join("notes.db");
    std::fs::write(
        &text,
        "plain text, not a database, long enough for a header",
    )
    .unwrap();
    let o = rapport(&db.path, &["doctor", &arg(&text)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("not an SQLite file"), "{}", stdout(&o));
    // Doctor only reads: a missing file is reported, not created.
    let missing = db.dir.path().join("missing.db");
    let o = rapport(&missing, &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!missing.exists());
}
