//! The command line as a user meets it: exit codes, one-line errors, nothing written
//! on bad input, JSON for scripts.

mod common;

use common::*;

#[test]
fn bad_input_is_refused_with_exit_1_and_nothing_written() {
    let db = TempDb::new();
    ok(
        &db.path,
        &[
            "customer",
            "add",
            "--name",
            "Ada Lovelace",
            "--email",
            "ada@example.com",
        ],
    );
    let before = snapshot_files(&db.path);
    let cases: &[(&[&str], &str)] = &[
        (&["customer", "add", "--name", ""], "name: is required"),
        (
            &["customer", "add", "--name", "X", "--email", "not-an-email"],
            "email: \"not-an-email\" has no @",
        ),
        (
            &["customer", "add", "--name", "X", "--phone", "12ab"],
            "phone:",
        ),
        (
            &["customer", "add", "--name", "X", "--phone", "123"],
            "at least 4 are needed",
        ),
        (
            &["customer", "add", "--name", "X", "--status", "gone"],
            "status: \"gone\" is not one of",
        ),
        (
            &["customer", "add", "--name", &"x".repeat(201)],
            "name: is 201 characters long; the limit is 200",
        ),
        (
            &["deal", "add", "1", "--title", "T", "--amount", "-5"],
            "amount:",
        ),
        (
            &["deal", "add", "1", "--title", "T", "--amount", "12.345"],
            "decimal places",
        ),
        (
            &[
                "deal",
                "add",
                "1",
                "--title",
                "T",
                "--amount",
                "10",
                "--currency",
                "XYZ",
            ],
            "currency: \"XYZ\"",
        ),
        (
            &[
                "deal", "add", "1", "--title", "T", "--amount", "10", "--close", "1/12",
            ],
            "close:",
        ),
        (
            &[
                "deal",
                "add",
                "1",
                "--title",
                "T",
                "--amount",
                "10",
                "--probability",
                "120",
            ],
            "probability:",
        ),
        (
            &["log", "1", "-m", "hi", "--satisfaction", "9"],
            "satisfaction:",
        ),
        (
            &["log", "1", "-m", "hi", "--at", "yesterday 25:00"],
            "HH:MM",
        ),
        (&["log", "1", "-m", "  "], "summary:"),
        (
            &["remind", "add", "1", "--due", "someday", "--note", "x"],
            "due:",
        ),
        (
            &[
                "remind",
                "add",
                "1",
                "--due",
                "+1d",
                "--note",
                "x",
                "--every",
                "fortnightly",
            ],
            "recurrence:",
        ),
        (&["log", "99", "-m", "hi"], "customer #99 does not exist"),
        (&["log", "Nobody", "-m", "hi"], "no customer is named"),
        (&["customer", "delete", "1"], "--yes"),
        (
            &["customer", "add", "--name", "X", "--cadence", "0"],
            "cadence: an interval of 0 days is not a cadence",
        ),
        (
            &["customer", "edit", "1", "--cadence", "2x"],
            "cadence: \"2x\" is not a cadence; use days or weeks: 14, 14d or 2w",
        ),
        (
            &["cadence", "set", "1", "14d/7d"],
            "cadence: the maximum (7d) is shorter than the ideal (14d)",
        ),
        (
            &["cadence", "set", "--tag", "vip", "soon"],
            "cadence: \"soon\" is not a cadence",
        ),
        (
            &["cadence", "set", "--default", "4000d"],
            "cadence: 4000d is longer than the limit of 3650d",
        ),
        (
            &["cadence", "set", "99", "14d"],
            "customer #99 does not exist",
        ),
        (&["quiet", "--owner", "nobody"], "owner: no operator"),
    ];
    for (args, expected) in cases {
        let o = rapport(&db.path, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in {err:?}"
        );
        assert_eq!(err.lines().count(), 1, "one line: {err:?}");
        assert!(o.stdout.is_empty());
        assert_eq!(
            snapshot_files(&db.path),
            before,
            "{args:?} changed the database"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let db = TempDb::new();
    assert_eq!(
        rapport(&db.path, &["customer", "add"]).status.code(),
        Some(2)
    );
    assert_eq!(
        rapport(&db.path, &["no-such-command"]).status.code(),
        Some(2)
    );
    assert_eq!(rapport(&db.path, &["--help"]).status.code(), Some(0));
}

#[test]
fn a_day_of_work_through_the_cli() {
    let db = TempDb::new();
    let p = &db.path;
    let acme = json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Acme GmbH",
            "--kind",
            "company",
            "--phone",
            "work:+49 30 1234567",
        ],
    );
    assert_eq!(acme["kind"], "company");
    let ivan = json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Иван Петров",
            "--company",
            "acme gmbh",
            "--phone",
            "+7 (912) 345-67-89",
            "--email",
            "ivan@example.ru",
            "--tag",
            "Key Account",
            "--status",
            "active",
        ],
    );
    let ivan_id = ivan["id"].as_i64().unwrap().to_string();
    assert_eq!(ivan["company_name"], "Acme GmbH");
    assert_eq!(ivan["tags"][0], "key-account");
    assert_eq!(ivan["phones"][0]["digits"], "79123456789");
    assert_eq!(ivan["owner_login"], "tester");

    // Names resolve case-insensitively and with ё folded to е.
    ok(
        p,
        &[
            "log",
            "ИВАН ПЕТРОВ",
            "-m",
            "Discussed the renewal",
            "--kind",
            "meeting",
            "--satisfaction",
            "5",
        ],
    );
    let deal = json(
        p,
        &[
            "deal",
            "add",
            &ivan_id,
            "--title",
            "Renewal",
            "--amount",
            "12,000",
            "--currency",
            "eur",
            "--close",
            "+30d",
        ],
    );
    assert_eq!(deal["amount"]["minor"], 1_200_000);
    assert_eq!(deal["stage_key"], "lead");
    let deal_id = deal["id"].as_i64().unwrap().to_string();
    assert_eq!(
        json(p, &["deal", "move", &deal_id, "next"])["stage_key"],
        "qualified"
    );
    assert_eq!(
        json(p, &["deal", "move", &deal_id, "negotiation"])["probability"],
        75
    );
    let o = rapport(p, &["deal", "move", &deal_id, "won"]);
    assert!(stderr(&o).contains("deal won"), "{}", stderr(&o));
    let won = json(p, &["deal", "won", &deal_id]);
    assert_eq!(won["outcome"], "won");
    assert_eq!(won["probability"], 100);

    let r = json(
        p,
        &[
            "remind",
            "add",
            &ivan_id,
            "--due",
            "+1d",
            "--note",
            "Send the contract",
            "--every",
            "monthly",
        ],
    );
    let rid = r["id"].as_i64().unwrap().to_string();
    let done = json(p, &["remind", "done", &rid]);
    assert!(
        done["next"].is_i64(),
        "a monthly follow-up schedules the next one"
    );
    let agenda = json(p, &["agenda", "--days", "40"]);
    assert_eq!(agenda["upcoming"].as_array().unwrap().len(), 1);

    let card = json(p, &["customer", "show", &ivan_id]);
    assert_eq!(card["interactions"][0]["summary"], "Discussed the renewal");
    assert_eq!(card["deals"][0]["outcome"], "won");
    let company = json(p, &["customer", "show", "acme gmbh"]);
    assert_eq!(company["people"][0]["name"], "Иван Петров");

    let edited = json(
        p,
        &[
            "customer",
            "edit",
            &ivan_id,
            "--add-phone",
            "home:۰۲۱ ۸۸۷۷ ۶۶۵۵",
            "--remove-tag",
            "key account",
            "--status",
            "inactive",
        ],
    );
    assert_eq!(edited["phones"][1]["digits"], "02188776655");
    assert_eq!(edited["tags"].as_array().unwrap().len(), 0);
    assert_eq!(edited["version"], 2);

    let listed = json(p, &["customer", "list", "--status", "inactive"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    ok(p, &["customer", "delete", &ivan_id, "--yes"]);
    assert_eq!(json(p, &["customer", "list"]).as_array().unwrap().len(), 1);
    assert!(
        json(p, &["deal", "list"]).as_array().unwrap().is_empty(),
        "deals go with their customer"
    );
}

#[test]
fn ambiguous_names_list_the_candidates() {
    let db = TempDb::new();
    ok(&db.path, &["customer", "add", "--name", "Maria Ivanova"]);
    // A second customer of the same name is refused as a likely duplicate unless forced.
    ok(
        &db.path,
        &["customer", "add", "--name", "Maria Ivanova", "--force"],
    );
    let o = rapport(&db.path, &["customer", "show", "maria"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("#1 Maria Ivanova, #2 Maria Ivanova"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn text_output_never_carries_control_codes() {
    let db = TempDb::new();
    ok(
        &db.path,
        &[
            "customer",
            "add",
            "--name",
            "Evil\u{1b}[2J\u{7}Name",
            "--notes",
            "line1\nline2\u{1b}]0;title\u{7}",
        ],
    );
    for args in [&["customer", "list"][..], &["customer", "show", "1"][..]] {
        let out = ok(&db.path, args);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{args:?}: {out:?}"
        );
        assert!(out.contains("Evil␛[2J␇Name"));
    }
    // JSON keeps the stored text exactly, escaped.
    let card = json(&db.path, &["customer", "show", "1"]);
    assert_eq!(card["name"], "Evil\u{1b}[2J\u{7}Name");
}

#[test]
fn a_file_that_is_not_rapport_is_refused_untouched() {
    let db = TempDb::new();
    std::fs::write(&db.path, b"just some text, not a database at all........").unwrap();
    let before = std::fs::read(&db.path).unwrap();
    let o = rapport(&db.path, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a Rapport database (not an SQLite file)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), before);

    let other = db.dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&other).unwrap();
    let o = rapport(&other, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("another application"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn a_newer_schema_is_refused() {
    let db = TempDb::new();
    ok(&db.path, &["customer", "list"]);
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let o = rapport(&db.path, &["customer", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("newer Rapport (schema 999"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn demo_fills_an_empty_database_only() {
    let db = TempDb::new();
    let report = json(&db.path, &["demo", "--customers", "200", "--seed", "3"]);
    assert_eq!(report["customers"], 200);
    assert!(report["deals"].as_i64().unwrap() > 20);
    let agenda = json(&db.path, &["agenda"]);
    assert!(
        !agenda["overdue"].as_array().unwrap().is_empty(),
        "demo has overdue follow-ups"
    );
    let o = rapport(&db.path, &["demo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already holds 200 customers"));
}

#[cfg(unix)]
#[test]
fn database_file_and_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new-dir/sub/rapport.db");
    ok(&path, &["init"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}

#[test]
fn an_invalid_keymap_is_refused_with_file_line_and_key() {
    let db = TempDb::new();
    ok(&db.path, &["customer", "add", "--name", "Ada"]);
    let keymap = db.dir.path().join("keys.toml");
    std::fs::write(&keymap, "[global]\nkeymap = [\n  { on = \"q\", run = \"quit\", desc = \"Quit\" },\n  { on = \"ctrl-\", run = \"help\", desc = \"Help\" },\n]\n").unwrap();
    let o = rapport(&db.path, &["--keymap", keymap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("keys.toml:4") && err.contains("\"ctrl-\""),
        "{err}"
    );
    let o = rapport(&db.path, &["--keymap", "emacs"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// `days` days ago, as `--at` takes it (the tests run with TZ=UTC).
fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn quiet_list(p: &std::path::Path, args: &[&str]) -> Vec<(i64, String, i64)> {
    let mut all = vec!["quiet"];
    all.extend_from_slice(args);
    json(p, &all)
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["id"].as_i64().unwrap(),
                q["contact_status"].as_str().unwrap().to_string(),
                q["days_since"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn contact_cadence_through_the_cli() {
    let db = TempDb::new();
    let p = &db.path;
    let add = |args: &[&str]| {
        let mut all = vec!["customer", "add"];
        all.extend_from_slice(args);
        json(p, &all)["id"].as_i64().unwrap()
    };
    let ada = add(&[
        "--name",
        "Ada Lovelace",
        "--status",
        "active",
        "--tag",
        "key-account",
    ]);
    let bob = add(&["--name", "Bob Stone", "--status", "active"]);
    let cy = add(&["--name", "Cy Young"]);
    let dee = add(&["--name", "Dee Dee", "--cadence", "2w/30d"]);
    let ids = [ada, bob, cy, dee].map(|id| id.to_string());
    for (id, kind, days) in [
        (&ids[0], "call", 20),
        (&ids[1], "note", 100),
        (&ids[2], "email", 200),
        (&ids[3], "sms", 40),
    ] {
        ok(
            p,
            &[
                "log",
                id,
                "--kind",
                kind,
                "-m",
                "touch",
                "--at",
                &days_ago(days),
            ],
        );
    }
    // The default (90d/135d) is for active customers; Cy is a lead, Dee has her own.
    assert_eq!(
        quiet_list(p, &[]),
        vec![(dee, "overdue".into(), 40), (bob, "due".into(), 100)]
    );
    let set = ok(p, &["cadence", "set", "--tag", "Key Account", "14d/21d"]);
    assert_eq!(set.trim(), "Customers tagged key-account: every 14d/21d");
    // Overdue first, then by days since / ideal: Ada 20/14 before Bob 100/90.
    assert_eq!(
        quiet_list(p, &[]),
        vec![
            (dee, "overdue".into(), 40),
            (ada, "due".into(), 20),
            (bob, "due".into(), 100)
        ]
    );
    let q = json(p, &["quiet"]);
    assert_eq!(q[1]["contact"]["source"]["tag"], "key-account");
    assert_eq!(q[0]["contact"]["source"], "customer");
    assert_eq!(q[2]["contact"]["source"], "default");
    assert_eq!(
        q[1]["status"], "active",
        "the customer's own status is kept"
    );
    let text = ok(p, &["quiet"]);
    assert!(text.starts_with("Going quiet: 3"), "{text}");
    let ada_line = text.lines().find(|l| l.contains("Ada Lovelace")).unwrap();
    for part in ["going quiet", "20", "14d/21d", "tag key-account", "tester"] {
        assert!(ada_line.contains(part), "{part:?} in {ada_line:?}");
    }
    assert_eq!(quiet_list(p, &["--limit", "1"]).len(), 1);
    assert!(ok(p, &["quiet", "--limit", "1"]).contains("2 more"));
    assert_eq!(quiet_list(p, &["--mine"]).len(), 3);
    assert_eq!(quiet_list(p, &["--owner", "tester"]).len(), 3);
    let show = ok(p, &["customer", "show", "ada lovelace"]);
    assert!(
        show.contains(
            "Stay in touch: every 14d, at most 21d (tag key-account) — last contact 20 days ago: going quiet"
        ),
        "{show}"
    );
    assert!(ok(p, &["customer", "show", "cy young"]).contains("Stay in touch: not tracked"));
    assert_eq!(
        json(p, &["customer", "show", &ids[0]])["contact"]["cadence"]["ideal_days"],
        14
    );

    // The agenda keeps its keys and adds the customers going quiet.
    let agenda = json(p, &["agenda"]);
    for key in ["overdue", "today", "upcoming"] {
        assert!(agenda[key].is_array(), "{key}");
    }
    assert_eq!(agenda["going_quiet_total"], 3);
    assert_eq!(agenda["going_quiet"][0]["id"], dee);
    let text = ok(p, &["agenda"]);
    assert!(text.contains("Nothing due in the next 7 days."), "{text}");
    assert!(text.contains("Going quiet: 3"), "{text}");

    // A looser default lets Bob off; his own tighter cadence brings him back as overdue.
    ok(p, &["cadence", "set", "--default", "120d"]);
    assert_eq!(quiet_list(p, &[]).len(), 2);
    ok(p, &["cadence", "set", &ids[1], "30d"]);
    // 100/30 days past the ideal is further than Dee's 40/14.
    assert_eq!(quiet_list(p, &[])[0], (bob, "overdue".into(), 100));
    ok(p, &["cadence", "clear", &ids[1]]);
    ok(p, &["customer", "edit", &ids[3], "--cadence", "none"]);
    assert_eq!(
        json(p, &["customer", "show", &ids[3]])["cadence"],
        serde_json::Value::Null
    );
    let listed = json(p, &["cadence", "list"]);
    assert_eq!(listed["default"]["ideal_days"], 120);
    assert_eq!(listed["default"]["max_days"], 180);
    assert_eq!(listed["tags"][0]["tag"], "key-account");
    assert_eq!(listed["customers"].as_array().unwrap().len(), 0);
    ok(p, &["customer", "edit", &ids[2], "--cadence", "1w"]);
    let listed = ok(p, &["cadence", "list"]);
    assert!(
        listed.contains("Default (active customers): every 120d, at most 180d"),
        "{listed}"
    );
    assert!(listed.contains("Cy Young"), "{listed}");
    ok(p, &["cadence", "clear", &ids[2]]);

    // Everyone in touch: a message, exit 0.
    ok(p, &["log", &ids[0], "--kind", "note", "-m", "caught up"]);
    assert_eq!(quiet_list(p, &[]), vec![]);
    assert_eq!(ok(p, &["quiet"]).trim(), "No customer is going quiet");
    assert_eq!(
        ok(p, &["cadence", "clear", "--tag", "key-account"]).trim(),
        "Tag key-account no longer sets a cadence"
    );
    assert_eq!(
        ok(p, &["cadence", "clear", "--default"]).trim(),
        "The default is back to every 90d/135d"
    );
}

/// A weekly follow-up at the end of 9999 has no next week Rapport can keep: marking it
/// done ends the series, saying so, instead of storing a date nothing can read back.
#[test]
fn a_repeating_follow_up_ends_at_the_last_day_rapport_keeps() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada"]);
    let add = |due: &str| {
        let r = json(
            p,
            &[
                "remind", "add", "1", "--due", due, "--note", "Renewal", "--every", "weekly",
            ],
        );
        r["id"].as_i64().unwrap().to_string()
    };
    let first = add("9999-12-20 10:00");
    let done = ok(p, &["remind", "done", &first]);
    assert!(
        done.contains("; next one #2 due 9999-12-27 10:00"),
        "{done}"
    );
    let done = ok(p, &["remind", "done", "2"]);
    assert_eq!(
        done.trim(),
        "Done: follow-up #2; it repeats weekly, but the next one would fall after 9999-12-31, \
         the last day Rapport keeps, so the series ends here"
    );
    assert_eq!(json(p, &["remind", "list"]), serde_json::json!([]));
    let last = add("9999-12-28 09:00");
    let done = json(p, &["remind", "done", &last]);
    assert_eq!(
        done,
        serde_json::json!({"done": 3, "next": null, "series_ended": true})
    );
    // Every follow-up the series left reads back.
    let all = json(p, &["remind", "list", "--done"]);
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");
}

/// What has not happened yet is a follow-up, not an interaction; a restore brings
/// back history as it was.
#[test]
fn an_interaction_in_the_future_is_refused_but_a_restore_keeps_one() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada"]);
    let before = snapshot_files(p);
    for at in ["+1h", "tomorrow 10:00", "+6m"] {
        let o = rapport(p, &["log", "1", "-m", "Call", "--at", at]);
        assert_eq!(o.status.code(), Some(1), "{at}");
        let err = stderr(&o);
        assert!(err.starts_with("rapport: at: "), "{at}: {err}");
        assert!(
            err.trim_end()
                .ends_with("is in the future; plan it as a follow-up with `rapport remind add`"),
            "{at}: {err}"
        );
    }
    assert_eq!(snapshot_files(p), before, "nothing was written");
    // A clock a little behind the operator's is no reason to refuse.
    for at in ["+4m", "now", "-2h", "yesterday 15:00"] {
        ok(p, &["log", "1", "-m", "Call", "--at", at]);
    }
    // A backup holding an interaction dated later than now restores as it was.
    let backup = db.dir.path().join("backup.json");
    ok(
        p,
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
    let later = chrono::Utc::now().timestamp() + 86_400;
    doc["tables"]["interactions"][0]["occurred_at"] = serde_json::json!(later);
    std::fs::write(&backup, serde_json::to_vec(&doc).unwrap()).unwrap();
    let fresh = db.dir.path().join("fresh.db");
    ok(&fresh, &["import", &backup.to_string_lossy()]);
    let card = json(&fresh, &["customer", "show", "1"]);
    let times: Vec<i64> = card["interactions"]
        .as_array()
        .unwrap_or_else(|| panic!("{card}"))
        .iter()
        .filter_map(|i| {
            chrono::DateTime::parse_from_rfc3339(i["occurred_at"].as_str()?)
                .ok()
                .map(|t| t.timestamp())
        })
        .collect();
    assert!(times.contains(&later), "{card}");
}

#[test]
fn a_done_follow_up_is_not_snoozed_rescheduled_or_assigned() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada Lovelace"]);
    ok(p, &["operator", "add", "omid"]);
    ok(
        p,
        &[
            "remind",
            "add",
            "Ada",
            "--due",
            "+1d",
            "--note",
            "Send the contract",
        ],
    );
    ok(p, &["remind", "done", "1"]);
    let before = snapshot_files(p);
    for (args, verb) in [
        (vec!["remind", "snooze", "1", "--until", "+2h"], "snoozed"),
        (
            vec!["remind", "reschedule", "1", "--due", "next mon 10:00"],
            "rescheduled",
        ),
        (vec!["remind", "assign", "1", "omid"], "assigned"),
        (vec!["remind", "done", "1"], "marked done again"),
    ] {
        let o = rapport(p, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.starts_with("rapport: follow-up #1 (Send the contract) is done since ")
                && err.contains(&format!(
                    "so it cannot be {verb}; add a new follow-up instead"
                )),
            "{args:?}: {err}"
        );
        assert!(!err.contains("changed by"), "no false edit conflict: {err}");
    }
    assert_eq!(snapshot_files(p), before, "nothing was written");
}

#[test]
fn dates_take_month_names_an_hour_alone_and_unambiguous_day_month_order() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada"]);
    let due = |text: &str| {
        let v = json(p, &["remind", "add", "Ada", "--due", text, "--note", "n"]);
        v["due_at"].as_str().unwrap().to_string()
    };
    assert_eq!(due("5 Dec 2030 10:00"), "2030-12-05T10:00:00Z");
    assert_eq!(
        due("Dec 5 2030"),
        "2030-12-05T09:00:00Z",
        "a day alone is 09:00"
    );
    assert_eq!(due("31/12/2030"), "2030-12-31T09:00:00Z");
    assert_eq!(due("12/31/2030 17:30"), "2030-12-31T17:30:00Z");
    assert_eq!(due("2030-12-05"), "2030-12-05T09:00:00Z");
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    assert_eq!(due("tomorrow 10"), format!("{tomorrow}T10:00:00Z"));
    let o = rapport(
        p,
        &["remind", "add", "Ada", "--due", "1/12/2030", "--note", "n"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("is ambiguous") && err.contains("1 Dec"),
        "{err}"
    );
    let o = rapport(
        p,
        &["remind", "add", "Ada", "--due", "someday", "--note", "n"],
    );
    let err = stderr(&o);
    for form in ["tomorrow", "Dec 5", "31/12/2026", "10:00"] {
        assert!(err.contains(form), "the refusal lists {form}: {err}");
    }
}

#[test]
fn tables_line_up_persian_ligatures_and_wide_names_by_display_width() {
    let db = TempDb::new();
    let p = &db.path;
    for name in ["لیلا رضایی", "Ada Lovelace", "王小明", "عزت‌الله"] {
        ok(
            p,
            &[
                "customer",
                "add",
                "--name",
                name,
                "--phone",
                "+44 20 7946 0018",
                "--force",
            ],
        );
    }
    let text = ok(p, &["customer", "list"]);
    // The PHONE column starts on the same cell in every row.
    let starts: Vec<usize> = text
        .lines()
        .map(|l| {
            let at = l.find("+44").or_else(|| l.find("PHONE")).unwrap();
            rapport::text::display_width(&l[..at])
        })
        .collect();
    assert_eq!(starts.len(), 5, "{text}");
    assert!(starts.iter().all(|s| *s == starts[0]), "{starts:?}\n{text}");
}

#[test]
fn empty_answers_and_no_op_edits_say_so() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Ada Lovelace",
            "--status",
            "active",
        ],
    );
    // lookup --json prints an empty list, and still exits 1.
    let o = rapport(p, &["lookup", "Nobody-Here", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).trim(), "[]");
    assert!(stderr(&o).contains("no customer matches"), "{}", stderr(&o));
    // audit of a customer that never was.
    let o = rapport(p, &["audit", "--customer", "99999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("there is no customer #99999"),
        "{}",
        stderr(&o)
    );
    // customer edit with nothing to change writes nothing.
    let before = snapshot_files(p);
    let o = rapport(p, &["customer", "edit", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nothing to change for customer #1"),
        "{}",
        stderr(&o)
    );
    let same = ok(p, &["customer", "edit", "1", "--status", "active"]);
    assert!(
        same.contains("already has those values; nothing changed"),
        "{same}"
    );
    assert_eq!(snapshot_files(p), before, "nothing was written");
    assert_eq!(json(p, &["customer", "show", "1"])["version"], 1);
    // One is singular.
    let o = rapport(p, &["demo"]);
    assert!(
        stderr(&o).contains("already holds 1 customer;"),
        "{}",
        stderr(&o)
    );
    let deleting = rapport(p, &["customer", "delete", "1"]);
    assert!(
        stderr(&deleting).contains("with 0 interactions, 0 deals and 0 follow-ups"),
        "{}",
        stderr(&deleting)
    );
    let agenda = ok(p, &["agenda", "--days", "1"]);
    assert!(agenda.contains("next 1 day."), "{agenda}");
}

#[test]
fn help_says_each_default_once() {
    for args in [
        vec!["log", "-h"],
        vec!["deal", "won", "-h"],
        vec!["kpi", "-h"],
        vec!["remind", "add", "-h"],
    ] {
        let o = rapport(std::path::Path::new("/nonexistent/x.db"), &args);
        let help = stdout(&o);
        for line in help.lines() {
            assert!(line.matches("[default:").count() <= 1, "{args:?}: {line}");
        }
    }
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    bad_input_is_refused_with_exit_1_and_nothing_written,
    usage_errors_exit_2,
    a_day_of_work_through_the_cli,
    ambiguous_names_list_the_candidates,
    text_output_never_carries_control_codes,
    demo_fills_an_empty_database_only,
    database_file_and_directory_are_private,
    an_invalid_keymap_is_refused_with_file_line_and_key,
    contact_cadence_through_the_cli,
    a_repeating_follow_up_ends_at_the_last_day_rapport_keeps,
    an_interaction_in_the_future_is_refused_but_a_restore_keeps_one,
    a_done_follow_up_is_not_snoozed_rescheduled_or_assigned,
    dates_take_month_names_an_hour_alone_and_unambiguous_day_month_order,
    tables_line_up_persian_ligatures_and_wide_names_by_display_width,
    empty_answers_and_no_op_edits_say_so,
    help_says_each_default_once,
);
