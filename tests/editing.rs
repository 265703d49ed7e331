//! Correcting records from the command line: `deal edit|delete|reopen`, `log
//! edit|delete`, `remind edit|delete`, and `rapport undo`, through the version check,
//! the access rules and the audit trail.

mod common;

use common::{TempDb, as_user, json, json_as, ok, rapport, snapshot_files, stderr, stdout};

/// A database with operators tester (admin), omid (manager) and ali (agent), customer
/// #1 Acme and tester's deal #1 "Renewal" (12,000.00 USD in lead).
fn db() -> TempDb {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    ok(
        p,
        &[
            "operator",
            "add",
            "omid",
            "--name",
            "Omid Karimi",
            "--role",
            "manager",
        ],
    );
    ok(p, &["operator", "add", "ali", "--role", "agent"]);
    ok(
        p,
        &[
            "deal", "add", "1", "--title", "Renewal", "--amount", "12,000",
        ],
    );
    db
}

fn fails(o: &std::process::Output) -> String {
    assert!(!o.status.success(), "expected a refusal: {}", stdout(o));
    stderr(o)
}

#[test]
fn a_deal_is_edited_field_by_field_and_the_trail_says_what_changed() {
    let db = db();
    let p = &db.path;
    let d = json(
        p,
        &[
            "deal",
            "edit",
            "1",
            "--title",
            "Renewal 2027",
            "--amount",
            "15.000,50",
            "--currency",
            "EUR",
            "--stage",
            "proposal",
            "--close",
            "2026-12-31",
            "--owner",
            "omid",
        ],
    );
    assert_eq!(d["title"], "Renewal 2027");
    assert_eq!(d["amount"]["minor"], 1_500_050);
    assert_eq!(d["amount"]["currency"], "EUR");
    assert_eq!(d["stage_key"], "proposal");
    assert_eq!(d["probability"], 50, "the stage's probability");
    assert_eq!(d["expected_close"], "2026-12-31");
    assert_eq!(d["owner_login"], "omid");
    let d = json(
        p,
        &[
            "deal",
            "edit",
            "1",
            "--probability",
            "60",
            "--close",
            "none",
        ],
    );
    assert_eq!(
        (d["probability"].as_i64(), d["expected_close"].is_null()),
        (Some(60), true)
    );
    let audit = ok(p, &["audit", "--limit", "2"]);
    assert!(audit.contains("changed deal #1"), "{audit}");
    assert!(audit.contains("probability: \"50%\" → \"60%\""), "{audit}");
    assert!(
        audit.contains("title: \"Renewal\" → \"Renewal 2027\""),
        "{audit}"
    );
    // Bad input names the field, and nothing is written.
    let before = snapshot_files(p);
    let e = fails(&rapport(p, &["deal", "edit", "1", "--amount", "12.5.0"]));
    assert!(e.contains("amount:"), "{e}");
    let e = fails(&rapport(p, &["deal", "edit", "1"]));
    assert!(e.contains("say what to change"), "{e}");
    let e = fails(&rapport(p, &["deal", "edit", "1", "--stage", "lost"]));
    assert!(e.contains("a lost deal needs the reason"), "{e}");
    assert_eq!(snapshot_files(p), before);
    let d = json(
        p,
        &[
            "deal",
            "edit",
            "1",
            "--stage",
            "lost",
            "--reason",
            "budget cut",
        ],
    );
    assert_eq!(
        (d["stage_key"].as_str(), d["lost_reason"].as_str()),
        (Some("lost"), Some("budget cut"))
    );
}

#[test]
fn a_won_deal_reopens_in_the_stage_it_left() {
    let db = db();
    let p = &db.path;
    ok(p, &["deal", "move", "1", "negotiation"]);
    ok(p, &["deal", "won", "1"]);
    let out = ok(p, &["deal", "reopen", "1"]);
    assert_eq!(
        out.trim(),
        "Reopened deal #1 Renewal for Acme: 12,000.00 USD in negotiation at 75%"
    );
    let e = fails(&rapport(p, &["deal", "reopen", "1"]));
    assert!(e.contains("deal #1 is open already"), "{e}");
    ok(p, &["deal", "lost", "1", "--reason", "no budget"]);
    let d = json(p, &["deal", "edit", "1", "--stage", "qualified"]);
    assert_eq!(
        (
            d["stage_key"].as_str(),
            d["lost_reason"].is_null(),
            d["closed_on"].is_null()
        ),
        (Some("qualified"), true, true)
    );
}

#[test]
fn a_stale_edit_is_refused_naming_who_changed_it_and_when() {
    let db = db();
    let p = &db.path;
    let version = json(p, &["deal", "show", "1"])["version"].as_i64().unwrap();
    json_as(
        p,
        "omid",
        &["deal", "edit", "1", "--title", "Renewal (Omid)"],
    );
    let before = snapshot_files(p);
    let e = fails(&rapport(
        p,
        &[
            "deal",
            "edit",
            "1",
            "--title",
            "Mine",
            "--if-version",
            &version.to_string(),
        ],
    ));
    assert!(e.contains("deal #1 was changed by Omid Karimi at "), "{e}");
    assert_eq!(snapshot_files(p), before, "nothing written");
    for (args, entity) in [
        (
            vec!["log", "edit", "1", "-m", "x", "--if-version", "0"],
            "interaction #1",
        ),
        (
            vec!["remind", "edit", "1", "--note", "x", "--if-version", "0"],
            "follow-up #1",
        ),
    ] {
        ok(p, &["log", "1", "-m", "Called about the renewal"]);
        ok(
            p,
            &["remind", "add", "1", "--due", "+1d", "--note", "Call back"],
        );
        let e = fails(&rapport(p, &args));
        assert!(e.contains(&format!("{entity} was changed by")), "{e}");
    }
}

#[test]
fn an_agent_is_refused_another_operators_deal_follow_up_and_interaction() {
    let db = db();
    let p = &db.path;
    ok(p, &["log", "1", "-m", "Called about the renewal"]);
    ok(
        p,
        &["remind", "add", "1", "--due", "+1d", "--note", "Call back"],
    );
    let before = snapshot_files(p);
    for args in [
        vec!["deal", "edit", "1", "--title", "Mine"],
        vec!["deal", "delete", "1"],
        vec!["deal", "reopen", "1"],
        vec!["log", "edit", "1", "-m", "Mine"],
        vec!["log", "delete", "1"],
        vec!["remind", "edit", "1", "--note", "Mine"],
        vec!["remind", "delete", "1"],
    ] {
        let o = as_user(p, "ali", &args);
        let e = fails(&o);
        assert!(
            e.contains("not allowed: agents") && e.contains("is tester's (ali is agent)")
                || e.contains("is open already"),
            "{args:?}: {e}"
        );
    }
    assert_eq!(snapshot_files(p), before, "nothing written");
    // Their own they correct.
    let mine = json_as(
        p,
        "ali",
        &["deal", "add", "1", "--title", "Pilot", "--amount", "900"],
    );
    let id = mine["id"].to_string();
    let d = json_as(p, "ali", &["deal", "edit", &id, "--title", "Pilot project"]);
    assert_eq!(d["title"], "Pilot project");
    let e = fails(&as_user(
        p,
        "ali",
        &["deal", "edit", &id, "--owner", "omid"],
    ));
    assert!(
        e.contains("only a manager or an admin can give a record"),
        "{e}"
    );
}

#[test]
fn interactions_and_follow_ups_are_corrected_deleted_and_brought_back() {
    let db = db();
    let p = &db.path;
    let logged = json(
        p,
        &["log", "1", "-m", "Called about the renwal", "--at", "-1h"],
    );
    let id = logged["id"].to_string();
    let i = json(
        p,
        &[
            "log",
            "edit",
            &id,
            "-m",
            "Called about the renewal",
            "--kind",
            "meeting",
            "--outcome",
            "wants a discount",
            "--satisfaction",
            "4",
        ],
    );
    assert_eq!(
        (i["summary"].as_str(), i["kind"].as_str()),
        (Some("Called about the renewal"), Some("meeting"))
    );
    assert_eq!(
        (i["outcome"].as_str(), i["satisfaction"].as_i64()),
        (Some("wants a discount"), Some(4))
    );
    let i = json(
        p,
        &[
            "interaction",
            "edit",
            &id,
            "--satisfaction",
            "none",
            "--outcome",
            "",
        ],
    );
    assert!(i["satisfaction"].is_null() && i["outcome"].is_null(), "{i}");
    let shown = ok(p, &["customer", "show", "1"]);
    assert!(
        shown.contains(&format!("{id}   ")) || shown.contains(&format!("\n{id} ")),
        "the timeline shows its number: {shown}"
    );
    let out = ok(p, &["log", "delete", &id]);
    assert!(out.contains("`rapport undo` brings it back"), "{out}");
    assert!(!ok(p, &["customer", "show", "1"]).contains("Called about the renewal"));
    let out = ok(p, &["undo"]);
    assert!(
        out.starts_with(&format!("Undone: interaction #{id} is back")),
        "{out}"
    );
    assert!(ok(p, &["customer", "show", "1"]).contains("Called about the renewal"));

    let r = json(
        p,
        &[
            "remind",
            "add",
            "1",
            "--due",
            "+1d",
            "--note",
            "Send the offer",
        ],
    );
    let rid = r["id"].to_string();
    let r = json(
        p,
        &[
            "remind",
            "edit",
            &rid,
            "--due",
            "2026-12-01 10:00",
            "--every",
            "weekly",
            "--note",
            "Send the offer again",
            "--owner",
            "omid",
        ],
    );
    assert_eq!(
        (
            r["note"].as_str(),
            r["recurrence"]["every"].as_str(),
            r["owner_login"].as_str()
        ),
        (Some("Send the offer again"), Some("weekly"), Some("omid"))
    );
    assert_eq!(r["due_at"], "2026-12-01T10:00:00Z");
    let r = json(p, &["remind", "edit", &rid, "--every", "none"]);
    assert!(r["recurrence"].is_null());
    ok(p, &["remind", "delete", &rid]);
    assert!(!ok(p, &["remind", "list"]).contains("Send the offer again"));
    ok(p, &["undo"]);
    assert!(ok(p, &["remind", "list"]).contains("Send the offer again"));
}

#[test]
fn undo_takes_back_an_edit_a_deletion_and_a_creation_and_the_trail_keeps_all() {
    let db = db();
    let p = &db.path;
    ok(
        p,
        &[
            "deal",
            "edit",
            "1",
            "--title",
            "Renewal 2027",
            "--amount",
            "20,000",
        ],
    );
    let out = ok(p, &["undo"]);
    assert!(
        out.starts_with(
            "Undone: deal #1 is as it was (title \"Renewal\", amount \"12,000.00 USD\")"
        ),
        "{out}"
    );
    let d = json(p, &["deal", "show", "1"]);
    assert_eq!(
        (d["title"].as_str(), d["amount"]["minor"].as_i64()),
        (Some("Renewal"), Some(1_200_000))
    );
    let audit = ok(p, &["audit", "--limit", "2"]);
    let first = audit.lines().next().unwrap_or_default();
    assert!(first.ends_with("changed deal #1 back (undo)"), "{audit}");
    assert!(
        audit.contains("tester  changed deal #1\n"),
        "both changes are in the trail: {audit}"
    );

    ok(p, &["deal", "delete", "1"]);
    assert!(!rapport(p, &["deal", "show", "1"]).status.success());
    ok(p, &["undo"]);
    let back = json(p, &["deal", "show", "1"]);
    assert_eq!(
        (back["id"].as_i64(), back["title"].as_str()),
        (Some(1), Some("Renewal"))
    );

    let added = json(p, &["deal", "add", "1", "--title", "Typo", "--amount", "1"]);
    let out = ok(p, &["undo"]);
    assert!(
        out.starts_with(&format!("Undone: deal #{} is deleted again", added["id"])),
        "{out}"
    );
    assert!(
        !rapport(p, &["deal", "show", &added["id"].to_string()])
            .status
            .success()
    );
    let audit = ok(p, &["audit", "--limit", "1"]);
    assert!(
        audit.contains(&format!("deleted deal #{} (undo)", added["id"])),
        "{audit}"
    );
}

#[test]
fn undo_is_refused_after_someone_elses_change_naming_them() {
    let db = db();
    let p = &db.path;
    ok(p, &["deal", "won", "1"]);
    json_as(
        p,
        "omid",
        &["deal", "edit", "1", "--title", "Renewal (signed)"],
    );
    let before = snapshot_files(p);
    let e = fails(&rapport(p, &["undo"]));
    assert!(e.contains("not undone: changed deal #1 at "), "{e}");
    assert!(
        e.contains("deal #1 was changed since, by Omid Karimi at "),
        "{e}"
    );
    assert!(e.contains("nothing was changed"), "{e}");
    assert_eq!(snapshot_files(p), before, "nothing written");
    let list = ok(p, &["undo", "--list"]);
    assert!(
        list.contains("cannot be undone: deal #1 was changed since, by Omid Karimi"),
        "{list}"
    );
    // Omid takes his back; then mine goes.
    let o = as_user(p, "omid", &["undo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = ok(p, &["undo"]);
    assert!(
        out.contains("deal #1 is as it was (stage \"lead\""),
        "{out}"
    );
    assert_eq!(json(p, &["deal", "show", "1"])["stage_key"], "lead");
    let e = fails(&as_user(p, "ali", &["undo"]));
    assert!(e.contains("nothing to undo"), "{e}");
}

#[test]
fn undo_list_shows_what_undo_would_take_back_and_writes_nothing() {
    let db = db();
    let p = &db.path;
    ok(p, &["deal", "move", "1", "proposal"]);
    let before = snapshot_files(p);
    let list = ok(p, &["undo", "--list", "--limit", "2"]);
    let mut lines = list.lines();
    let head = lines.next().unwrap_or_default();
    assert!(
        head.starts_with("Change #") && head.ends_with("`rapport undo` takes this back"),
        "{list}"
    );
    assert!(list.contains("stage: \"lead\" → \"proposal\""), "{list}");
    assert!(
        list.contains("can be undone after the ones above"),
        "{list}"
    );
    assert_eq!(snapshot_files(p), before);
    let listed = json(p, &["undo", "--list"]);
    // The move, the deal, ali, omid (added and made manager: one change), Acme.
    assert_eq!(listed.as_array().map(Vec::len), Some(5), "{listed}");
    assert_eq!(
        listed[3]["entries"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
    let blocked = listed[3]["blocked"].as_str().unwrap_or_default();
    assert!(
        blocked.contains("changes of operator records are not undone"),
        "{listed}"
    );
    assert!(listed[4]["blocked"].is_null(), "{listed}");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_deal_is_edited_field_by_field_and_the_trail_says_what_changed,
    a_won_deal_reopens_in_the_stage_it_left,
    a_stale_edit_is_refused_naming_who_changed_it_and_when,
    an_agent_is_refused_another_operators_deal_follow_up_and_interaction,
    interactions_and_follow_ups_are_corrected_deleted_and_brought_back,
    undo_takes_back_an_edit_a_deletion_and_a_creation_and_the_trail_keeps_all,
    undo_is_refused_after_someone_elses_change_naming_them,
    undo_list_shows_what_undo_would_take_back_and_writes_nothing,
);
