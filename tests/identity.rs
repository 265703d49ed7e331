//! Who you are is the login of your user id, never `$USER`: spoofed variables, a uid
//! with no password entry, `--as` by someone who does not own the database, and logins
//! with spaces or control characters are all refused.
//!
//! Running the binary as other Unix users needs root; elsewhere these tests print a
//! notice and skip (CI runs them).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use common::*;

/// `nobody`, present on every Debian-like system.
const NOBODY_UID: u32 = 65534;
/// A user id with no password entry.
const NO_ENTRY_UID: u32 = 4_000_123;

fn is_root() -> bool {
    nix::unistd::getuid().is_root()
}

fn skip_unless_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("{test}: CI must run as root to test identities of other users");
    }
    eprintln!("notice: {test} skipped: running the binary as other users needs root");
    true
}

/// Runs rapport as the Unix user `uid` with exactly `env` (nothing inherited).
fn as_uid(db: &Path, uid: u32, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .env_clear()
        .env("RAPPORT_DB", db)
        .env("TZ", "UTC")
        .envs(env.iter().copied())
        .uid(uid)
        .gid(NOBODY_UID)
        .output()
        .expect("run rapport")
}

/// A database every user may open, with root as admin and `nobody` as an agent.
fn shared_db() -> TempDb {
    let db = TempDb::new();
    std::fs::set_permissions(db.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    ok(&db.path, &["operator", "add", "nobody", "--role", "agent"]);
    ok(&db.path, &["operator", "add", "boss", "--role", "admin"]);
    for f in ["", "-wal", "-shm"] {
        let p = format!("{}{f}", db.path.display());
        if Path::new(&p).exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
    }
    db
}

fn logins(db: &Path) -> Vec<String> {
    json(db, &["operator", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["login"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn spoofed_user_variables_change_nothing_about_who_you_are() {
    if skip_unless_root("spoofed_user_variables_change_nothing_about_who_you_are") {
        return;
    }
    let db = shared_db();
    let p = &db.path;
    let before = logins(p);
    let spoofs: [&[(&str, &str)]; 4] = [
        &[("USER", "boss")],
        &[("LOGNAME", "boss")],
        &[("USER", " boss ")],
        &[("USER", "boss"), ("LOGNAME", "boss"), ("USERNAME", "boss")],
    ];
    for env in spoofs {
        let o = as_uid(
            p,
            NOBODY_UID,
            env,
            &["operator", "add", "x", "--role", "admin"],
        );
        assert_eq!(o.status.code(), Some(1), "{env:?}");
        let err = stderr(&o);
        assert!(
            err.contains("not allowed") && err.contains("nobody"),
            "{env:?}: {err}"
        );
    }
    // With no variables at all (cron) it is still nobody.
    let o = as_uid(
        p,
        NOBODY_UID,
        &[],
        &["operator", "add", "x", "--role", "admin"],
    );
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
    // --as is for root and the file's owner only.
    let o = as_uid(
        p,
        NOBODY_UID,
        &[],
        &["--as", "boss", "operator", "add", "x", "--role", "admin"],
    );
    let err = stderr(&o);
    assert!(
        err.contains("only root or the owner") && err.contains("you are nobody"),
        "{err}"
    );
    let o = as_uid(
        p,
        NOBODY_UID,
        &[("RAPPORT_AS", "boss")],
        &["operator", "add", "x", "--role", "admin"],
    );
    assert!(stderr(&o).contains("unset RAPPORT_AS"), "{}", stderr(&o));
    assert_eq!(logins(p), before);
}

#[test]
fn a_user_id_with_no_password_entry_is_refused() {
    if skip_unless_root("a_user_id_with_no_password_entry_is_refused") {
        return;
    }
    let db = shared_db();
    let o = as_uid(
        &db.path,
        NO_ENTRY_UID,
        &[("USER", "boss")],
        &["operator", "add", "x", "--role", "admin"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("user id 4000123 has no entry in the password database"),
        "{err}"
    );
    assert!(!logins(&db.path).contains(&"x".to_string()));
}

#[test]
fn a_database_first_opened_from_cron_belongs_to_the_real_user() {
    if skip_unless_root("a_database_first_opened_from_cron_belongs_to_the_real_user") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dir.path().join("cron.db");
    let o = as_uid(&db, NOBODY_UID, &[], &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = as_uid(&db, NOBODY_UID, &[], &["operator", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["login"], "nobody");
    assert_eq!(list[0]["role"], "admin");
}

#[test]
fn logins_with_spaces_or_control_characters_are_refused_and_never_printed_raw() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["operator", "list"]);
    for bad in [" omid", "om id", "omid\u{1b}[2J", "om\u{7}id"] {
        let o = rapport(p, &["operator", "add", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}");
        let err = stderr(&o);
        assert!(err.contains("login"), "{bad:?}: {err}");
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
        let o = rapport(p, &["--as", bad, "customer", "list"]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}");
        let err = stderr(&o);
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    }
    assert_eq!(logins(p), ["tester"]);
}

/// A database in a folder you may not write says that, not "attempt to write a
/// readonly database".
#[test]
fn a_read_only_folder_is_explained() {
    if skip_unless_root("a_read_only_folder_is_explained") {
        return;
    }
    let db = shared_db();
    for f in ["", "-wal", "-shm"] {
        let p = format!("{}{f}", db.path.display());
        if Path::new(&p).exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    std::fs::set_permissions(db.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = as_uid(
        &db.path,
        NOBODY_UID,
        &[],
        &["customer", "add", "--name", "Ada"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("Rapport cannot write here") && err.contains("must be writable for you"),
        "{err}"
    );
    assert!(
        !err.contains("attempt to write a readonly database"),
        "{err}"
    );
}
