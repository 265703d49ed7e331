//! The audit trail through the real command line: every create, update and delete
//! records operator, time, entity and the changed fields (old → new); `rapport audit`
//! filters by customer (a deleted one too) and time. And a stale save, through the
//! library, names who changed the record and when.

mod common;

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use common::*;
use rapport::domain::{CustomerDraft, CustomerKind};
use rapport::store::StoreError;
use serde_json::{Value, json};

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn entries(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

/// (entity, entity_id, action) of each entry, in the order given.
fn headlines(v: &Value) -> Vec<(String, i64, String)> {
    entries(v)
        .iter()
        .map(|e| {
            (
                e["entity"].as_str().unwrap().to_string(),
                e["entity_id"].as_i64().unwrap(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn h(entity: &str, id: i64, action: &str) -> (String, i64, String) {
    (entity.to_string(), id, action.to_string())
}

/// `{field, old, new}` as the trail stores it: an empty side is left out.
fn change(field: &str, old: Option<&str>, new: Option<&str>) -> Value {
    let mut c = json!({ "field": field });
    if let Some(old) = old {
        c["old"] = json!(old);
    }
    if let Some(new) = new {
        c["new"] = json!(new);
    }
    c
}

/// The changes of the only entry about `entity` #`id` with `action`.
fn changes_of<'a>(trail: &'a Value, entity: &str, id: i64, action: &str) -> &'a Vec<Value> {
    let found: Vec<&Value> = entries(trail)
        .iter()
        .filter(|e| e["entity"] == entity && e["entity_id"] == id && e["action"] == action)
        .collect();
    assert_eq!(found.len(), 1, "{entity} #{id} {action}: {found:?}");
    found[0]["changes"].as_array().unwrap()
}

/// The value a change entry of `changes` gives `field`, on the `side` "old" or "new".
fn value<'a>(changes: &'a [Value], field: &str, side: &str) -> Option<&'a str> {
    changes
        .iter()
        .find(|c| c["field"] == field)
        .and_then(|c| c[side].as_str())
}

struct Story {
    ali: i64,
    fyodor: i64,
    deal: i64,
    follow_up: i64,
    interaction: i64,
    deal_before: Value,
    deal_after: Value,
    started: DateTime<Utc>,
}

/// The CLI work the trail should record, by `tester` (the first login: admin).
fn story(p: &Path) -> Story {
    // Whole seconds: the trail stores seconds.
    let started = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let ali = id_of(&json(
        p,
        &["customer", "add", "--name", "Ali", "--tag", "vip"],
    ));
    let fyodor = id_of(&json(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Фёдор Соловьёв",
            "--phone",
            "+7 912 345-67-89",
        ],
    ));
    let a = ali.to_string();
    ok(
        p,
        &[
            "customer",
            "edit",
            &a,
            "--name",
            "علی رضایی",
            "--notes",
            "Prefers mornings",
        ],
    );
    let deal_before = json(
        p,
        &[
            "deal",
            "add",
            &a,
            "--title",
            "Website redesign",
            "--amount",
            "1200",
        ],
    );
    let deal = id_of(&deal_before);
    let deal_after = json(p, &["deal", "move", &deal.to_string(), "next"]);
    let follow_up = id_of(&json(
        p,
        &[
            "remind",
            "add",
            &a,
            "--due",
            "tomorrow 10:00",
            "--note",
            "Send the quote",
        ],
    ));
    ok(p, &["remind", "done", &follow_up.to_string()]);
    let interaction = id_of(&json(p, &["log", &a, "-m", "Called about the quote"]));
    ok(p, &["customer", "delete", &fyodor.to_string(), "--yes"]);
    Story {
        ali,
        fyodor,
        deal,
        follow_up,
        interaction,
        deal_before,
        deal_after,
        started,
    }
}

#[test]
fn every_write_is_recorded_newest_first_with_who_when_and_what_changed() {
    let db = TempDb::new();
    let p = &db.path;
    let s = story(p);
    let trail = json(p, &["audit"]);
    let tester_joined = headlines(&trail).last().cloned().unwrap();
    assert_eq!(tester_joined.0, "operator", "{trail:#}");
    assert_eq!(
        headlines(&trail),
        [
            h("customer", s.fyodor, "delete"),
            h("interaction", s.interaction, "create"),
            h("follow-up", s.follow_up, "update"),
            h("follow-up", s.follow_up, "create"),
            h("deal", s.deal, "update"),
            h("deal", s.deal, "create"),
            h("customer", s.ali, "update"),
            h("customer", s.fyodor, "create"),
            h("customer", s.ali, "create"),
            tester_joined,
        ],
        "{trail:#}"
    );
    // Newest first, each with who and when.
    let now = Utc::now() + Duration::seconds(1);
    let mut previous: Option<(i64, DateTime<Utc>)> = None;
    for e in entries(&trail) {
        let id = e["id"].as_i64().unwrap();
        let at: DateTime<Utc> = e["at"].as_str().unwrap().parse().expect("an RFC 3339 time");
        assert!(
            at >= s.started && at <= now,
            "{at} is not during the test: {e}"
        );
        if let Some((newer_id, newer_at)) = previous {
            assert!(id < newer_id && at <= newer_at, "not newest first: {e}");
        }
        previous = Some((id, at));
        if e["entity"] != "operator" {
            assert_eq!(e["operator_login"], "tester", "{e}");
            assert_eq!(e["operator_name"], "tester", "{e}");
        }
    }
    // An edit lists exactly the fields it changed, old → new.
    assert_eq!(
        changes_of(&trail, "customer", s.ali, "update"),
        &vec![
            change("name", Some("Ali"), Some("علی رضایی")),
            change("notes", None, Some("Prefers mornings")),
        ]
    );
    // Creating lists what the record has; deleting what it had (names in any script).
    let created = changes_of(&trail, "customer", s.ali, "create");
    assert_eq!(value(created, "name", "new"), Some("Ali"));
    assert_eq!(value(created, "tags", "new"), Some("vip"));
    assert_eq!(value(created, "owner", "new"), Some("tester"));
    assert!(
        created.iter().all(|c| c.get("old").is_none()),
        "{created:?}"
    );
    assert!(
        value(created, "notes", "new").is_none(),
        "an empty field is left out"
    );
    let deleted = changes_of(&trail, "customer", s.fyodor, "delete");
    assert_eq!(value(deleted, "name", "old"), Some("Фёдор Соловьёв"));
    assert_eq!(
        value(deleted, "phones", "old"),
        Some("mobile +7 912 345-67-89")
    );
    assert!(
        deleted.iter().all(|c| c.get("new").is_none()),
        "{deleted:?}"
    );
    // Moving a deal changed its stage and probability, nothing else.
    let (before, after) = (&s.deal_before, &s.deal_after);
    assert_ne!(before["stage_key"], after["stage_key"]);
    let percent = |d: &Value| format!("{}%", d["probability"]);
    let mut expected = vec![change(
        "stage",
        before["stage_key"].as_str(),
        after["stage_key"].as_str(),
    )];
    if before["probability"] != after["probability"] {
        expected.push(change(
            "probability",
            Some(&percent(before)),
            Some(&percent(after)),
        ));
    }
    assert_eq!(changes_of(&trail, "deal", s.deal, "update"), &expected);
    // Marking a follow-up done sets exactly "done".
    let done = changes_of(&trail, "follow-up", s.follow_up, "update");
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0]["field"], "done");
    assert!(done[0].get("old").is_none());
    assert!(
        done[0]["new"].as_str().unwrap().ends_with(" UTC"),
        "{done:?}"
    );
    // The interaction names its summary and who logged it.
    let logged = changes_of(&trail, "interaction", s.interaction, "create");
    assert_eq!(
        value(logged, "summary", "new"),
        Some("Called about the quote")
    );
    assert_eq!(value(logged, "operator", "new"), Some("tester"));
    // Everything about a customer carries its id, even after the customer is gone.
    for e in entries(&trail).iter().filter(|e| e["entity"] != "operator") {
        let expected = if e["entity_id"] == s.fyodor && e["entity"] == "customer" {
            s.fyodor
        } else {
            s.ali
        };
        assert_eq!(e["customer_id"], expected, "{e}");
    }
    // --limit keeps the newest.
    let two = json(p, &["audit", "--limit", "2"]);
    assert_eq!(headlines(&two), headlines(&trail)[..2]);
}

#[test]
fn audit_filters_by_customer_even_a_deleted_one_and_by_time() {
    let db = TempDb::new();
    let p = &db.path;
    let s = story(p);
    let (a, f) = (s.ali.to_string(), format!("#{}", s.fyodor));
    let ali = [
        h("interaction", s.interaction, "create"),
        h("follow-up", s.follow_up, "update"),
        h("follow-up", s.follow_up, "create"),
        h("deal", s.deal, "update"),
        h("deal", s.deal, "create"),
        h("customer", s.ali, "update"),
        h("customer", s.ali, "create"),
    ];
    assert_eq!(headlines(&json(p, &["audit", "--customer", &a])), ali);
    // By name too, for a customer that exists.
    assert_eq!(
        headlines(&json(p, &["audit", "--customer", "علی رضایی"])),
        ali
    );
    // A deleted customer, by #ID: its whole history, the delete included.
    let gone = json(p, &["audit", "--customer", &f]);
    assert_eq!(
        headlines(&gone),
        [
            h("customer", s.fyodor, "delete"),
            h("customer", s.fyodor, "create"),
        ]
    );
    assert_eq!(
        headlines(&json(p, &["audit", "--customer", &s.fyodor.to_string()])),
        headlines(&gone)
    );
    // --since: an hour ago includes everything, a date in the past too, the future nothing.
    let all = headlines(&json(p, &["audit"]));
    assert_eq!(headlines(&json(p, &["audit", "--since", "-1h"])), all);
    assert_eq!(
        headlines(&json(p, &["audit", "--since", "2000-01-01"])),
        all
    );
    assert_eq!(
        headlines(&json(
            p,
            &["audit", "--since", "1 hour ago", "--customer", &f]
        )),
        headlines(&gone)
    );
    assert_eq!(json(p, &["audit", "--since", "tomorrow"]), json!([]));
    assert_eq!(json(p, &["audit", "--since", "+1h"]), json!([]));
    assert_eq!(
        ok(p, &["audit", "--since", "tomorrow"]),
        "No changes recorded.\n"
    );
    // A time it cannot read is refused, naming the option.
    let o = rapport(p, &["audit", "--since", "1/12"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("rapport: since: "), "{}", stderr(&o));
}

#[test]
fn the_text_trail_shows_who_what_and_old_to_new() {
    let db = TempDb::new();
    let p = &db.path;
    let s = story(p);
    let text = ok(p, &["audit", "--customer", &s.ali.to_string()]);
    let lines: Vec<&str> = text.lines().collect();
    // The newest first: the interaction, then the follow-up done.
    assert!(
        lines[0].ends_with(&format!("  tester  created interaction #{}", s.interaction)),
        "{text}"
    );
    let edit = lines
        .iter()
        .position(|l| l.ends_with(&format!("  tester  changed customer #{}", s.ali)))
        .unwrap_or_else(|| panic!("no edit in {text}"));
    assert_eq!(
        &lines[edit + 1..edit + 3],
        [
            "    name: \"Ali\" → \"علی رضایی\"",
            "    notes: — → \"Prefers mornings\""
        ],
        "{text}"
    );
    let deleted = ok(p, &["audit", "--customer", &format!("#{}", s.fyodor)]);
    assert!(
        deleted.contains(&format!("tester  deleted customer #{}", s.fyodor))
            && deleted.contains("    name: \"Фёдор Соловьёв\"\n"),
        "{deleted}"
    );
}

#[test]
fn a_refused_write_leaves_no_trace_in_the_trail() {
    let db = TempDb::new();
    let p = &db.path;
    let s = story(p);
    ok(p, &["operator", "add", "omid"]);
    let before = json(p, &["audit"]);
    let a = s.ali.to_string();
    for args in [
        &["customer", "edit", &a, "--notes", "Mine now"][..],
        &["customer", "delete", &a, "--yes"],
        &["deal", "won", &s.deal.to_string()],
        &["cadence", "set", "--default", "30d"],
        &[
            "kpi",
            "set",
            "deals_won",
            "--target",
            "10",
            "--minimum",
            "5",
        ],
    ] {
        let o = as_user(p, "omid", args);
        assert!(
            stderr(&o).starts_with("rapport: not allowed: "),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(json(p, &["audit"]), before, "{args:?} left a trace");
    }
    // What omid may do is recorded under omid's name.
    json_as(p, "omid", &["log", &a, "-m", "Introduced myself"]);
    let newest = &json(p, &["audit", "--limit", "1"])[0];
    assert_eq!(newest["operator_login"], "omid");
    assert_eq!(newest["entity"], "interaction");
}

#[test]
fn settings_and_operators_are_recorded_too() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["operator", "add", "lena", "--name", "Лена Орлова"]);
    ok(p, &["operator", "role", "lena", "manager"]);
    ok(
        p,
        &[
            "kpi",
            "set",
            "deals_won",
            "--target",
            "12",
            "--minimum",
            "6",
        ],
    );
    json_as(p, "lena", &["cadence", "set", "--tag", "vip", "14d"]);
    let trail = json(p, &["audit", "--limit", "4"]);
    let summary: Vec<(String, String, Value)> = entries(&trail)
        .iter()
        .map(|e| {
            (
                e["entity"].as_str().unwrap().to_string(),
                e["operator_login"].as_str().unwrap().to_string(),
                e["changes"].clone(),
            )
        })
        .collect();
    assert_eq!(summary[0].0, "setting");
    assert_eq!(summary[0].1, "lena");
    assert_eq!(summary[0].2[0]["field"], "cadence of tag vip");
    assert_eq!(summary[0].2[0]["new"], "14d/21d");
    assert_eq!(summary[1].0, "setting");
    assert_eq!(summary[1].1, "tester");
    assert_eq!(summary[1].2[0]["field"], "KPI deals_won target/minimum");
    assert_eq!(summary[1].2[0]["new"], "12/6");
    assert_eq!(summary[2].0, "operator");
    assert_eq!(
        summary[2].2,
        json!([{ "field": "role", "old": "agent", "new": "manager" }])
    );
    assert_eq!(summary[3].0, "operator");
    assert_eq!(summary[3].1, "tester");
    let added = summary[3].2.as_array().unwrap();
    assert_eq!(value(added, "name", "new"), Some("Лена Орлова"));
    assert_eq!(value(added, "role", "new"), Some("agent"));
    // The text names lena by her display name.
    let text = ok(p, &["audit", "--limit", "1"]);
    assert!(text.contains("  Лена Орлова  changed setting #0"), "{text}");
}

#[test]
fn a_stale_save_names_who_changed_the_record_and_when() {
    let db = TempDb::new();
    let mut first = common::open(&db.path).unwrap();
    let sara = first
        .write(|w| w.ensure_operator("sara", "Sara Ahmadi"))
        .unwrap();
    let id = first
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ali"))
        .unwrap();
    let mut second = common::open(&db.path).unwrap();
    // Both read version 1.
    let mine = first.customer(id).unwrap();
    let stale = second.customer(id).unwrap();
    assert_eq!((mine.version, stale.version), (1, 1));
    // Sara saves first.
    first.act_as(sara);
    let mut d = mine.draft();
    d.name = "Ali Rezaei".into();
    first.update_customer(id, mine.version, &d).unwrap();
    // The other save, from version 1, is refused, naming Sara.
    let mut d = stale.draft();
    d.notes = Some("Written over?".into());
    let err = second.update_customer(id, stale.version, &d).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            &err,
            StoreError::Conflict { entity: "customer", id: i, current: 2, by: Some(by), .. }
                if *i == id && by == "Sara Ahmadi"
        ),
        "{err:?}"
    );
    assert!(
        text.starts_with(&format!("customer #{id} was changed by Sara Ahmadi at ")),
        "{text}"
    );
    assert!(text.ends_with("— reload?"), "{text}");
    // Sara's save is intact; the stale one wrote nothing.
    let now = second.customer(id).unwrap();
    assert_eq!(now.name, "Ali Rezaei");
    assert_eq!(now.notes, None);
    assert_eq!(now.version, 2);
}

/// An import records every customer it creates, with its fields, and every merge as a
/// change, old → new.
#[test]
fn an_import_records_each_customer_it_creates_and_merges() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Ali Rahimi",
            "--phone",
            "+98 912 345 6789",
        ],
    );
    let csv = db.dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "Name,Phone,Email\n\
         Олег Петров,+7 912 345 67 89,oleg@example.ru\n\
         Ali Rahimi,+98 912 345 6789,ali@example.com\n",
    )
    .unwrap();
    ok(p, &["import", csv.to_str().unwrap()]);
    let trail = json(p, &["audit"]);
    let created = changes_of(&trail, "customer", 2, "create");
    assert_eq!(value(created, "name", "new"), Some("Олег Петров"));
    assert_eq!(value(created, "emails", "new"), Some("oleg@example.ru"));
    assert_eq!(value(created, "owner", "new"), Some("tester"));
    let merged = changes_of(&trail, "customer", 1, "update");
    assert_eq!(value(merged, "emails", "old"), None);
    assert_eq!(value(merged, "emails", "new"), Some("ali@example.com"));
}

/// Demo data is recorded as one entry (entity "demo": who, when, which customers, how
/// many), not one per generated record; a generated customer's history starts with it,
/// a customer added afterwards has only its own; a JSON backup carries it over.
#[test]
fn demo_data_is_one_entry_in_the_trail() {
    let db = TempDb::new();
    let report = json(&db.path, &["demo", "--customers", "60", "--seed", "4"]);
    let all = json(&db.path, &["audit", "--limit", "1000"]);
    let demo: Vec<&Value> = entries(&all)
        .iter()
        .filter(|e| e["entity"] == "demo")
        .collect();
    assert_eq!(demo.len(), 1, "{all}");
    let demo = demo[0];
    assert_eq!(demo["operator_login"], "tester");
    assert_eq!(demo["action"], "create");
    let field = |name: &str| {
        demo["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == name)
            .unwrap_or_else(|| panic!("no {name} in {demo}"))["new"]
            .clone()
    };
    assert_eq!(field("customer ids"), "#1 to #60");
    assert_eq!(field("customers"), "60");
    assert_eq!(field("interactions"), report["interactions"].to_string());
    assert_eq!(field("follow-ups"), report["reminders"].to_string());
    assert_eq!(field("seed"), "4");
    // Nothing per generated record: only the operators, the tag cadence and this one.
    let kinds: Vec<&str> = entries(&all)
        .iter()
        .map(|e| e["entity"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["demo", "operator", "setting"].contains(k)),
        "{kinds:?}"
    );

    let text = ok(&db.path, &["audit", "--customer", "17"]);
    assert!(text.contains("tester  generated demo data"), "{text}");
    assert!(text.contains("customer ids: \"#1 to #60\""), "{text}");
    let added = json(&db.path, &["customer", "add", "--name", "Walk-in Customer"]);
    let id = id_of(&added);
    assert_eq!(
        headlines(&json(&db.path, &["audit", "--customer", &id.to_string()])),
        vec![h("customer", id, "create")]
    );
    // A generated customer changed later: the change, then the demo entry.
    ok(&db.path, &["customer", "edit", "17", "--status", "lost"]);
    assert_eq!(
        headlines(&json(&db.path, &["audit", "--customer", "17"])),
        vec![h("customer", 17, "update"), h("demo", 60, "create")]
    );
    assert_eq!(
        headlines(&json(
            &db.path,
            &["audit", "--customer", "17", "--limit", "1"]
        )),
        vec![h("customer", 17, "update")]
    );

    let file = db.dir.path().join("backup.json");
    let file_arg = file.to_string_lossy().into_owned();
    ok(
        &db.path,
        &["export", "--format", "json", "--output", &file_arg],
    );
    let copy = db.dir.path().join("copy.db");
    ok(&copy, &["import", &file_arg]);
    assert_eq!(
        json(&copy, &["audit", "--customer", "17"]),
        json(&db.path, &["audit", "--customer", "17"])
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    every_write_is_recorded_newest_first_with_who_when_and_what_changed,
    audit_filters_by_customer_even_a_deleted_one_and_by_time,
    the_text_trail_shows_who_what_and_old_to_new,
    a_refused_write_leaves_no_trace_in_the_trail,
    settings_and_operators_are_recorded_too,
    a_stale_save_names_who_changed_the_record_and_when,
    an_import_records_each_customer_it_creates_and_merges,
);
