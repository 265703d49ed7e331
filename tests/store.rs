//! The store through the library API: migrations, round trips of every entity,
//! stale edits refused, and crash safety.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::TempDb;
use rapport::domain::*;
use rapport::store::{CustomerFilter, DealFilter, QuietFilter, ReminderFilter, Store, StoreError};

fn fixed_clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn open(db: &TempDb) -> Store {
    common::open(&db.path)
        .unwrap()
        .with_clock(Arc::new(fixed_clock))
}

fn person(name: &str) -> CustomerDraft {
    CustomerDraft::new(CustomerKind::Person, name)
}

#[test]
fn migrates_an_empty_file_and_reopens_it() {
    let db = TempDb::new();
    std::fs::write(&db.path, b"").unwrap(); // an empty file is a new database
    let mut store = open(&db);
    let stages = store.stages().unwrap();
    let keys: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "lead",
            "qualified",
            "proposal",
            "negotiation",
            "won",
            "lost"
        ]
    );
    assert_eq!(
        store.kpi_definitions().unwrap().len(),
        rapport::domain::kpi::DEFAULT_KPIS.len()
    );
    let id = store.add_customer(&person("Ada")).unwrap();
    drop(store);
    let store = open(&db);
    assert_eq!(store.customer(id).unwrap().name, "Ada");
    assert_eq!(
        store.stages().unwrap().len(),
        6,
        "seeds are not applied twice"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn every_entity_round_trips() {
    let db = TempDb::new();
    let mut store = open(&db);
    let me = store.ensure_operator("sara").unwrap();
    assert_eq!(me.role, Role::Admin, "first operator is admin");
    assert_eq!(store.ensure_operator("ivan").unwrap().role, Role::Agent);
    assert_eq!(store.operators().unwrap().len(), 2);

    let company = store
        .add_customer(&CustomerDraft::new(
            CustomerKind::Company,
            "شرکت آریا تجارت",
        ))
        .unwrap();
    let mut d = person("Фёдор Соловьёв");
    d.company_id = Some(company);
    d.phones = vec![
        Phone::parse_labeled("+7 912 345-67-89").unwrap(),
        Phone::parse_labeled("work:۰۲۱ ۸۸۷۷ ۶۶۵۵").unwrap(),
    ];
    d.emails = vec![Email::parse("fedor@example.ru").unwrap()];
    d.tags = vec!["vip".into(), "key-account".into()];
    d.address = Some("Nevsky pr. 28".into());
    d.owner_id = Some(me.id);
    d.status = CustomerStatus::Active;
    d.source = Some("referral".into());
    d.notes = Some("Prefers calls after 14:00".into());
    let id = store.add_customer(&d).unwrap();
    let c = store.customer(id).unwrap();
    let mut expected = d.clone();
    expected.validate().unwrap();
    expected.tags.sort();
    assert_eq!(c.draft(), expected);
    assert_eq!(c.company_name.as_deref(), Some("شرکت آریا تجارت"));
    assert_eq!(c.owner_login.as_deref(), Some("sara"));
    assert_eq!((c.version, c.created_at), (1, fixed_clock()));

    let deal = store
        .add_deal(&DealDraft {
            customer_id: id,
            title: "Renewal".into(),
            amount: Money::parse("12,000.50", Currency::from_code("RUB").unwrap()).unwrap(),
            stage_id: None,
            probability: Some(40),
            expected_close: NaiveDate::from_ymd_opt(2027, 1, 15),
            owner_id: Some(me.id),
        })
        .unwrap();
    let got = store.deal(deal).unwrap();
    assert_eq!(
        (got.amount.minor, got.amount.currency.code()),
        (1_200_050, "RUB")
    );
    assert_eq!(
        (got.stage_key.as_str(), got.probability, got.outcome),
        ("lead", 40, StageOutcome::Open)
    );
    assert_eq!(got.expected_close, NaiveDate::from_ymd_opt(2027, 1, 15));

    let at = fixed_clock() - Duration::days(2);
    let interaction = InteractionDraft {
        customer_id: id,
        deal_id: Some(deal),
        kind: InteractionKind::Meeting,
        direction: Direction::In,
        occurred_at: at,
        operator_id: Some(me.id),
        summary: "Quarterly review".into(),
        outcome: Some("wants a discount".into()),
        satisfaction: Some(4),
        nps: None,
    };
    let iid = store.log_interaction(&interaction).unwrap();
    let timeline = store.interactions_of(id, 10).unwrap();
    assert_eq!(timeline.len(), 1);
    let i = &timeline[0];
    assert_eq!(
        (i.id, i.kind, i.direction, i.occurred_at),
        (iid, InteractionKind::Meeting, Direction::In, at)
    );
    assert_eq!(
        (i.satisfaction, i.outcome.as_deref(), i.deal_id),
        (Some(4), Some("wants a discount"), Some(deal))
    );

    let due = fixed_clock() + Duration::hours(3);
    let rid = store
        .add_reminder(&ReminderDraft {
            customer_id: id,
            deal_id: Some(deal),
            due_at: due,
            note: "Send the contract".into(),
            recurrence: Some(Recurrence::Days(14)),
            owner_id: Some(me.id),
        })
        .unwrap();
    let r = store.reminder(rid).unwrap();
    assert_eq!(
        (r.due_at, r.recurrence, r.deal_id, r.done_at),
        (due, Some(Recurrence::Days(14)), Some(deal), None)
    );

    let summary = &store
        .customers(&CustomerFilter {
            tag: Some("VIP".into()),
            ..Default::default()
        })
        .unwrap()[0];
    assert_eq!(summary.id, id);
    assert_eq!(summary.last_contact, Some(at));
    assert_eq!(summary.open_deals[0].minor, 1_200_050);
    assert_eq!(store.customer_card(company, 5).unwrap().people[0].id, id);
}

#[test]
fn deals_move_win_and_lose() {
    let db = TempDb::new();
    let mut store = open(&db);
    let c = store.add_customer(&person("Ada")).unwrap();
    let draft = DealDraft {
        customer_id: c,
        title: "Pilot".into(),
        amount: Money::parse("500", Currency::USD).unwrap(),
        stage_id: None,
        probability: None,
        expected_close: None,
        owner_id: None,
    };
    let a = store.add_deal(&draft).unwrap();
    let b = store.add_deal(&draft).unwrap();
    assert_eq!(
        store.write(|w| w.step_deal(a, 1)).unwrap().stage_key,
        "qualified"
    );
    assert!(matches!(
        store.write(|w| w.step_deal(b, -1)),
        Err(StoreError::Invalid(_))
    ));
    let today = fixed_clock().date_naive();
    assert_eq!(
        store
            .write(|w| w.mark_deal_won(a, today))
            .unwrap()
            .closed_on,
        Some(today)
    );
    let lost = store
        .write(|w| w.mark_deal_lost(b, "chose a competitor", today))
        .unwrap();
    assert_eq!(
        (lost.outcome, lost.lost_reason.as_deref()),
        (StageOutcome::Lost, Some("chose a competitor"))
    );
    let err = store
        .write(|w| w.mark_deal_lost(a, " ", today))
        .unwrap_err();
    assert!(err.to_string().starts_with("reason:"), "{err}");
    let err = store
        .write(|w| w.mark_deal_won(a, today - Duration::days(1)))
        .unwrap_err();
    assert!(
        err.to_string().contains("before the deal was created"),
        "{err}"
    );
    let open = store
        .deals(&DealFilter {
            outcome: Some(StageOutcome::Open),
            ..Default::default()
        })
        .unwrap();
    assert!(open.is_empty());
}

#[test]
fn a_stale_edit_is_refused() {
    let db = TempDb::new();
    let mut a = open(&db);
    let mut b = open(&db);
    let id = a.add_customer(&person("Ada")).unwrap();
    let seen_by_b = b.customer(id).unwrap();
    let mut first = a.customer(id).unwrap().draft();
    first.name = "Ada Lovelace".into();
    a.update_customer(id, 1, &first).unwrap();
    let mut second = seen_by_b.draft();
    second.name = "Ada King".into();
    let err = b
        .update_customer(id, seen_by_b.version, &second)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { current: 2, .. }),
        "{err}"
    );
    assert_eq!(
        a.customer(id).unwrap().name,
        "Ada Lovelace",
        "the first save survives"
    );
}

#[test]
fn invalid_records_never_reach_the_database() {
    let db = TempDb::new();
    let mut store = open(&db);
    let id = store.add_customer(&person("Ada")).unwrap();
    let err = store.add_customer(&person("  ")).unwrap_err();
    assert!(err.to_string().starts_with("name:"));
    let mut company_in_person = person("Bob");
    company_in_person.company_id = Some(id);
    assert!(
        store
            .add_customer(&company_in_person)
            .unwrap_err()
            .to_string()
            .contains("is a person, not a company")
    );
    let err = store
        .add_reminder(&ReminderDraft {
            customer_id: 999,
            deal_id: None,
            due_at: fixed_clock(),
            note: "x".into(),
            recurrence: None,
            owner_id: None,
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "customer #999 does not exist");
    assert_eq!(store.counts().unwrap().customers, 1);
}

#[test]
fn completing_a_recurring_follow_up_schedules_the_next_in_one_write() {
    let db = TempDb::new();
    let mut store = open(&db);
    let c = store.add_customer(&person("Ada")).unwrap();
    let due = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
        .unwrap()
        .to_utc();
    let rid = store
        .add_reminder(&ReminderDraft {
            customer_id: c,
            deal_id: None,
            due_at: due,
            note: "Invoice".into(),
            recurrence: Some(Recurrence::Monthly),
            owner_id: None,
        })
        .unwrap();
    // Done late (in November): the next occurrence is the first one after that.
    let next = store
        .write(|w| w.complete_reminder(rid, fixed_clock()))
        .unwrap()
        .unwrap();
    let next = store.reminder(next).unwrap();
    assert_eq!(next.due_at.to_rfc3339(), "2026-11-28T10:00:00+00:00");
    assert!(store.reminder(rid).unwrap().is_done());
    assert!(
        store
            .write(|w| w.complete_reminder(rid, fixed_clock()))
            .is_err(),
        "done twice"
    );
    let open = store.reminders(&ReminderFilter::default()).unwrap();
    assert_eq!(open.len(), 1);
}

/// Child side of the crash test: commits one acknowledged write, then starts a large
/// transaction and announces when it is half way, so the parent can kill it there.
#[test]
#[ignore = "run by kill_9_mid_transaction as a child process"]
fn crash_child() {
    let Ok(path) = std::env::var("RAPPORT_CRASH_DB") else {
        return;
    };
    let mut store = common::open(std::path::Path::new(&path)).unwrap();
    store.add_customer(&person("Acknowledged")).unwrap();
    println!("acked");
    store
        .write(|w| {
            for i in 0..40_000 {
                w.add_customer(&person(&format!("Bulk {i}")))?;
                if i == 20_000 {
                    println!("midway");
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(30));
            Ok(())
        })
        .unwrap();
}

#[cfg(unix)]
#[test]
fn kill_9_mid_transaction_leaves_a_consistent_database() {
    let db = TempDb::new();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RAPPORT_CRASH_DB", &db.path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line == "midway" {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.ends_with("acked")) && seen.iter().any(|l| l == "midway"),
        "{seen:?}"
    );
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());

    let store = common::open(&db.path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let all = store.customers(&CustomerFilter::default()).unwrap();
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Acknowledged"],
        "the acknowledged write survives, the killed one is wholly absent"
    );
}

#[cfg(unix)]
#[test]
fn kill_9_of_the_demo_command_is_all_or_nothing() {
    for delay_ms in [50, 250, 700] {
        let db = TempDb::new();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["demo", "--customers", "3000"])
            .env("RAPPORT_DB", &db.path)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        let store = common::open(&db.path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let n = store.counts().unwrap().customers;
        assert!(
            n == 0 || n == 3000,
            "after {delay_ms} ms: {n} customers, a partial write"
        );
    }
}

// ---- contact cadence ------------------------------------------------------------

fn days_ago(days: i64) -> DateTime<Utc> {
    fixed_clock() - Duration::days(days)
}

fn cad(ideal_days: u16, max_days: u16) -> Cadence {
    Cadence {
        ideal_days,
        max_days,
    }
}

/// A customer added `added` days ago with `status`, `tags` and an own cadence.
fn customer_added(
    store: &mut Store,
    name: &str,
    added: i64,
    status: CustomerStatus,
    tags: &[&str],
    own: Option<Cadence>,
) -> i64 {
    let mut d = person(name);
    d.status = status;
    d.tags = tags.iter().map(|t| t.to_string()).collect();
    d.cadence = own;
    store
        .write(|w| {
            w.backdate(days_ago(added));
            w.add_customer(&d)
        })
        .unwrap()
}

fn log_at(store: &mut Store, customer_id: i64, kind: InteractionKind, days: i64) {
    store
        .log_interaction(&InteractionDraft {
            customer_id,
            deal_id: None,
            kind,
            direction: Direction::Out,
            occurred_at: days_ago(days),
            operator_id: None,
            summary: "touch".into(),
            outcome: None,
            satisfaction: None,
            nps: None,
        })
        .unwrap();
}

fn status_of(store: &Store, id: i64) -> Option<ContactStatus> {
    store.customer_summaries(&[id]).unwrap()[0].contact_status(fixed_clock())
}

fn contact_of(store: &Store, id: i64) -> Option<(Cadence, CadenceSource)> {
    store.customer_summaries(&[id]).unwrap()[0]
        .contact
        .clone()
        .map(|c| (c.cadence, c.source))
}

fn quiet_ids(store: &Store, filter: &QuietFilter) -> Vec<i64> {
    store
        .going_quiet(filter, fixed_clock())
        .unwrap()
        .iter()
        .map(|q| q.summary.id)
        .collect()
}

fn everyone() -> QuietFilter {
    QuietFilter {
        include_due: true,
        ..Default::default()
    }
}

#[test]
fn the_cadence_clock_restarts_at_any_kind_of_interaction() {
    let db = TempDb::new();
    let mut store = open(&db);
    let active = CustomerStatus::Active;
    // Default 90d/135d; all added 200 days ago, so never-contacted ones are overdue.
    let never = customer_added(&mut store, "Never", 200, active, &[], None);
    let called = customer_added(&mut store, "Called", 200, active, &[], None);
    let noted = customer_added(&mut store, "Noted", 200, active, &[], None);
    let emailed_long_ago = customer_added(&mut store, "Old Email", 200, active, &[], None);
    let quiet_for_100 = customer_added(&mut store, "Hundred", 200, active, &[], None);
    log_at(&mut store, called, InteractionKind::Call, 150);
    log_at(&mut store, called, InteractionKind::Call, 3);
    log_at(&mut store, noted, InteractionKind::Call, 150);
    log_at(&mut store, noted, InteractionKind::Note, 3);
    log_at(&mut store, emailed_long_ago, InteractionKind::Email, 140);
    log_at(&mut store, quiet_for_100, InteractionKind::Sms, 100);
    assert_eq!(status_of(&store, never), Some(ContactStatus::Overdue));
    assert_eq!(status_of(&store, called), Some(ContactStatus::Fine));
    assert_eq!(
        status_of(&store, noted),
        Some(ContactStatus::Fine),
        "a note restarts the clock just like a call"
    );
    assert_eq!(
        status_of(&store, emailed_long_ago),
        Some(ContactStatus::Overdue)
    );
    assert_eq!(status_of(&store, quiet_for_100), Some(ContactStatus::Due));
    let q = store.going_quiet(&everyone(), fixed_clock()).unwrap();
    let got: Vec<(i64, ContactStatus, i64)> = q
        .iter()
        .map(|q| (q.summary.id, q.status, q.days_since))
        .collect();
    // Overdue first, furthest past the ideal first; then the due one.
    assert_eq!(
        got,
        vec![
            (never, ContactStatus::Overdue, 200),
            (emailed_long_ago, ContactStatus::Overdue, 140),
            (quiet_for_100, ContactStatus::Due, 100),
        ]
    );
    assert!(!q[0].summary.contact.as_ref().unwrap().contacted);
    assert!(q[1].summary.contact.as_ref().unwrap().contacted);
    assert_eq!(
        store.going_quiet_count(&everyone(), fixed_clock()).unwrap(),
        3
    );
    let overdue_only = QuietFilter::default();
    assert_eq!(
        quiet_ids(&store, &overdue_only),
        vec![never, emailed_long_ago]
    );
    // A new interaction of any kind takes a customer off the list at once.
    log_at(&mut store, never, InteractionKind::Meeting, 0);
    assert_eq!(quiet_ids(&store, &overdue_only), vec![emailed_long_ago]);
}

#[test]
fn own_cadence_beats_tags_the_tightest_tag_wins_and_the_default_is_for_active_only() {
    let db = TempDb::new();
    let mut store = open(&db);
    store
        .write(|w| {
            w.set_tag_cadence("Key Account", Some(cad(14, 21)))?;
            w.set_tag_cadence("vip", Some(cad(30, 45)))?;
            w.set_default_cadence(cad(60, 90))
        })
        .unwrap();
    assert_eq!(store.default_cadence().unwrap(), cad(60, 90));
    assert_eq!(
        store.tag_cadences().unwrap(),
        vec![
            ("key-account".to_string(), cad(14, 21)),
            ("vip".to_string(), cad(30, 45))
        ]
    );
    use CustomerStatus::*;
    // Every one was last contacted 25 days ago.
    let own = customer_added(
        &mut store,
        "Own",
        300,
        Active,
        &["key-account"],
        Some(cad(40, 60)),
    );
    let both_tags = customer_added(
        &mut store,
        "Both",
        300,
        Active,
        &["vip", "key-account"],
        None,
    );
    let vip = customer_added(&mut store, "Vip", 300, Active, &["vip"], None);
    let lead_tagged = customer_added(&mut store, "Lead Tagged", 300, Lead, &["key-account"], None);
    let lead_plain = customer_added(&mut store, "Lead Plain", 300, Lead, &[], None);
    let active_plain = customer_added(
        &mut store,
        "Active Plain",
        300,
        Active,
        &["newsletter"],
        None,
    );
    let inactive = customer_added(
        &mut store,
        "Inactive",
        300,
        Inactive,
        &["key-account"],
        Some(cad(1, 1)),
    );
    let lost = customer_added(&mut store, "Lost", 300, Lost, &["key-account"], None);
    for id in [
        own,
        both_tags,
        vip,
        lead_tagged,
        lead_plain,
        active_plain,
        inactive,
        lost,
    ] {
        log_at(&mut store, id, InteractionKind::Call, 25);
    }
    assert_eq!(
        contact_of(&store, own),
        Some((cad(40, 60), CadenceSource::Customer))
    );
    assert_eq!(
        contact_of(&store, both_tags),
        Some((cad(14, 21), CadenceSource::Tag("key-account".into())))
    );
    assert_eq!(
        contact_of(&store, vip),
        Some((cad(30, 45), CadenceSource::Tag("vip".into())))
    );
    assert_eq!(
        contact_of(&store, lead_tagged),
        Some((cad(14, 21), CadenceSource::Tag("key-account".into())))
    );
    assert_eq!(
        contact_of(&store, lead_plain),
        None,
        "the default is for active customers"
    );
    assert_eq!(
        contact_of(&store, active_plain),
        Some((cad(60, 90), CadenceSource::Default))
    );
    assert_eq!(
        contact_of(&store, inactive),
        None,
        "inactive customers are not tracked"
    );
    assert_eq!(
        contact_of(&store, lost),
        None,
        "lost customers are not tracked"
    );
    // 25 days: past 14/21 (overdue), nothing else.
    let q = store.going_quiet(&everyone(), fixed_clock()).unwrap();
    let got: Vec<(i64, ContactStatus)> = q.iter().map(|q| (q.summary.id, q.status)).collect();
    assert_eq!(
        got,
        vec![
            (both_tags, ContactStatus::Overdue),
            (lead_tagged, ContactStatus::Overdue)
        ]
    );
    // The card carries the same.
    let card = store.customer_card(both_tags, 5).unwrap();
    assert_eq!(card.contact.unwrap().cadence, cad(14, 21));
    // Removing the tag's cadence falls back to the next tag, then the default.
    assert!(
        store
            .write(|w| w.set_tag_cadence("key-account", None))
            .unwrap()
    );
    assert!(
        !store
            .write(|w| w.set_tag_cadence("key-account", None))
            .unwrap()
    );
    assert_eq!(
        contact_of(&store, both_tags),
        Some((cad(30, 45), CadenceSource::Tag("vip".into())))
    );
    assert_eq!(contact_of(&store, lead_tagged), None);
    assert!(quiet_ids(&store, &everyone()).is_empty());
    // Clearing the own cadence falls back to the tags.
    store.write(|w| w.set_customer_cadence(own, None)).unwrap();
    assert_eq!(
        contact_of(&store, own),
        Some((cad(60, 90), CadenceSource::Default))
    );
    // Invalid cadences are refused naming the field, nothing written.
    let err = store
        .write(|w| w.set_tag_cadence("vip", Some(cad(20, 10))))
        .unwrap_err();
    assert!(err.to_string().starts_with("cadence:"), "{err}");
    let mut bad = person("Bad");
    bad.cadence = Some(cad(0, 0));
    assert!(
        store
            .add_customer(&bad)
            .unwrap_err()
            .to_string()
            .starts_with("cadence:")
    );
    assert_eq!(
        store.tag_cadences().unwrap(),
        vec![("vip".to_string(), cad(30, 45))]
    );
}

#[test]
fn going_quiet_filters_by_owner_orders_and_limits() {
    let db = TempDb::new();
    let mut store = open(&db);
    let sara = store.ensure_operator("sara").unwrap().id;
    let ivan = store.ensure_operator("ivan").unwrap().id;
    use CustomerStatus::Active;
    let mut add = |name: &str, owner: i64, own: Cadence, last: i64| {
        let id = customer_added(&mut store, name, 400, Active, &[], Some(own));
        let mut d = store.customer(id).unwrap().draft();
        d.owner_id = Some(owner);
        store.update_customer(id, 1, &d).unwrap();
        log_at(&mut store, id, InteractionKind::Call, last);
        id
    };
    // days since / ideal: a 3.0 due-only? no: a is overdue (30 > 20), ratio 3.0
    let a = add("A", sara, cad(10, 20), 30); // overdue, ratio 3.0
    let b = add("B", ivan, cad(10, 40), 35); // due, ratio 3.5
    let c = add("C", sara, cad(100, 150), 160); // overdue, ratio 1.6
    let d = add("D", ivan, cad(10, 40), 15); // due, ratio 1.5
    let e = add("E", sara, cad(10, 40), 35); // due, ratio 3.5 (ties with B: by id)
    let _fine = add("F", sara, cad(10, 40), 10); // exactly the ideal: fine
    assert_eq!(quiet_ids(&store, &everyone()), vec![a, c, b, e, d]);
    let mine = QuietFilter {
        owner_id: Some(sara),
        include_due: true,
        limit: None,
    };
    assert_eq!(quiet_ids(&store, &mine), vec![a, c, e]);
    assert_eq!(store.going_quiet_count(&mine, fixed_clock()).unwrap(), 3);
    let top2 = QuietFilter {
        limit: Some(2),
        ..everyone()
    };
    assert_eq!(quiet_ids(&store, &top2), vec![a, c]);
    assert_eq!(store.going_quiet_count(&top2, fixed_clock()).unwrap(), 5);
    let q = store.going_quiet(&everyone(), fixed_clock()).unwrap();
    assert_eq!(q[0].summary.owner_login.as_deref(), Some("sara"));
    assert_eq!(q[2].days_since, 35);
}

/// The SQL of `going_quiet` and the domain rule that colours the list agree on a whole
/// demo database.
#[test]
fn going_quiet_agrees_with_every_list_row() {
    let mut store = Store::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(fixed_clock));
    rapport::demo::generate(
        &mut store,
        rapport::demo::DemoOptions {
            customers: 400,
            seed: 3,
        },
        "sara",
    )
    .unwrap();
    let now = fixed_clock();
    let all = store.customers(&CustomerFilter::default()).unwrap();
    let mut expected: Vec<i64> = all
        .iter()
        .filter(|c| {
            matches!(
                c.contact_status(now),
                Some(ContactStatus::Due | ContactStatus::Overdue)
            )
        })
        .map(|c| c.id)
        .collect();
    expected.sort();
    let quiet = store.going_quiet(&everyone(), now).unwrap();
    let mut got: Vec<i64> = quiet.iter().map(|q| q.summary.id).collect();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(
        store.going_quiet_count(&everyone(), now).unwrap(),
        got.len()
    );
    assert!(quiet.iter().any(|q| q.status == ContactStatus::Due));
    assert!(quiet.iter().any(|q| q.status == ContactStatus::Overdue));
    let sources: Vec<&CadenceSource> = quiet
        .iter()
        .filter_map(|q| q.summary.contact.as_ref().map(|c| &c.source))
        .collect();
    assert!(sources.iter().any(|s| matches!(s, CadenceSource::Tag(_))));
    assert!(sources.iter().any(|s| matches!(s, CadenceSource::Customer)));
    assert!(sources.iter().any(|s| matches!(s, CadenceSource::Default)));
    // Ordered: overdue first, then by days since / ideal, descending.
    let key = |q: &QuietCustomer| {
        let ideal = q.summary.contact.as_ref().unwrap().cadence.ideal_days;
        (
            q.status == ContactStatus::Overdue,
            q.days_since as f64 / f64::from(ideal),
        )
    };
    for pair in quiet.windows(2) {
        let (a, b) = (key(&pair[0]), key(&pair[1]));
        // (overdue, ratio) never increases down the list.
        assert!(a >= b, "{a:?} before {b:?}");
    }
}

/// A database written before schema V3 (no cadence columns or tables) keeps its data
/// and gains contact cadence on first open.
#[test]
fn a_v2_database_with_data_migrates_to_cadence() {
    let db = TempDb::new();
    let (ada, company) = {
        let mut store = open(&db);
        let company = store
            .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme"))
            .unwrap();
        let mut d = person("Ada");
        d.status = CustomerStatus::Active;
        d.company_id = Some(company);
        d.tags = vec!["key-account".into()];
        let ada = store
            .write(|w| {
                w.backdate(days_ago(120));
                w.add_customer(&d)
            })
            .unwrap();
        log_at(&mut store, ada, InteractionKind::Note, 100);
        (ada, company)
    };
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.execute_batch(common::BACK_TO_SCHEMA_5).unwrap();
    conn.execute_batch(
        "ALTER TABLE customers DROP COLUMN cadence_max_days;
         ALTER TABLE customers DROP COLUMN cadence_ideal_days;
         DROP TABLE tag_cadences; DROP TABLE settings; DROP TABLE audit_log;
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);

    let mut store = open(&db);
    let version: i64 = rusqlite::Connection::open(&db.path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, rapport::store::schema_version());
    // Later migrations ran too: the KPI added in V4 is there.
    assert!(
        store
            .kpi_definitions()
            .unwrap()
            .iter()
            .any(|d| d.key == "avg_won_deal")
    );
    let c = store.customer(ada).unwrap();
    assert_eq!(
        (c.name.as_str(), c.company_id, c.cadence),
        ("Ada", Some(company), None)
    );
    assert_eq!(store.default_cadence().unwrap(), DEFAULT_CADENCE);
    assert_eq!(status_of(&store, ada), Some(ContactStatus::Due));
    assert_eq!(quiet_ids(&store, &everyone()), vec![ada]);
    store
        .write(|w| w.set_tag_cadence("key-account", Some(cad(14, 21))))
        .unwrap();
    assert_eq!(status_of(&store, ada), Some(ContactStatus::Overdue));
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// Issue 12, item 16: a database before schema V8 stored an extension in the number's
/// text, so its national digits held the extension's. Opening it splits the extension
/// off: lookup by the number finds the customer, and the same number without the
/// extension is the same line. New phone kinds and the contact details are there too.
#[test]
fn a_v7_database_gets_phone_extensions_split_off() {
    let db = TempDb::new();
    let ada = {
        let mut store = open(&db);
        store.add_customer(&person("Ada")).unwrap()
    };
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.execute_batch(common::BACK_TO_SCHEMA_7).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE old_phones AS SELECT * FROM customer_phones;
         DROP TABLE customer_phones;
         CREATE TABLE customer_phones (
             id INTEGER PRIMARY KEY,
             customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
             position INTEGER NOT NULL,
             kind TEXT NOT NULL CHECK (kind IN ('mobile', 'work', 'home', 'other')),
             raw TEXT NOT NULL, digits TEXT NOT NULL CHECK (length(digits) >= 4),
             national TEXT NOT NULL DEFAULT '', national_rev TEXT NOT NULL DEFAULT '');
         DROP TABLE old_phones;
         INSERT INTO customer_phones (customer_id, position, kind, raw, digits, national, national_rev)
             VALUES ({ada}, 0, 'work', '+1 212 555 0101 ext 5', '12125550101', '21255501015', '51010555212');"
    ))
    .unwrap();
    drop(conn);

    let mut store = open(&db);
    let c = store.customer(ada).unwrap();
    assert_eq!(c.phones[0].raw, "+1 212 555 0101");
    assert_eq!(c.phones[0].extension.as_deref(), Some("5"));
    assert_eq!(c.phones[0].to_string(), "+1 212 555 0101 ext. 5");
    let hits = store.lookup("5550101", 5).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.customer.id).collect::<Vec<_>>(),
        vec![ada]
    );
    assert_eq!(hits[0].matched_text, "+1 212 555 0101 ext. 5");
    assert_eq!(
        store.customers_by_phone_suffix("2125550101", 5).unwrap(),
        vec![ada]
    );
    // The same number without the extension is reported as a duplicate now.
    let mut again = person("Bob");
    again.phones = vec![Phone::parse(PhoneKind::Work, "+1 212 555 0101").unwrap()];
    let found = store.duplicates_of(&again).unwrap();
    assert_eq!(
        found.iter().map(|(s, _)| s.id).collect::<Vec<_>>(),
        vec![ada]
    );
    // The new kinds and details are stored.
    let mut d = c.draft();
    d.phones
        .push(Phone::parse(PhoneKind::Fax, "+1 212 555 0199").unwrap());
    d.details.website = Some("https://ada.example".into());
    d.details.kept = vec![KeptValue {
        field: "phone".into(),
        value: "1-800-FLOWERS".into(),
    }];
    store.update_customer(ada, c.version, &d).unwrap();
    let c = store.customer(ada).unwrap();
    assert_eq!(c.phones[1].kind, PhoneKind::Fax);
    assert_eq!(c.details.website.as_deref(), Some("https://ada.example"));
    assert_eq!(c.details.kept[0].value, "1-800-FLOWERS");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn merging_keeps_an_own_cadence_or_takes_the_dropped_ones() {
    let db = TempDb::new();
    let mut store = open(&db);
    let mut with = |name: &str, own: Option<Cadence>| {
        let mut d = person(name);
        d.cadence = own;
        store.add_customer(&d).unwrap()
    };
    let keep_none = with("Keep None", None);
    let drop_some = with("Drop Some", Some(cad(20, 30)));
    let keep_some = with("Keep Some", Some(cad(7, 10)));
    let drop_other = with("Drop Other", Some(cad(60, 90)));
    store.merge_customers(keep_none, drop_some).unwrap();
    store.merge_customers(keep_some, drop_other).unwrap();
    assert_eq!(
        store.customer(keep_none).unwrap().cadence,
        Some(cad(20, 30))
    );
    assert_eq!(store.customer(keep_some).unwrap().cadence, Some(cad(7, 10)));
}

/// A deleted customer's number never passes to a new customer (its history and any
/// script holding the number would otherwise meet someone else).
#[test]
fn a_deleted_customers_number_is_not_given_again() {
    let mut store = Store::open_in_memory().unwrap();
    let first = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada"))
        .unwrap();
    let last = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Olga"))
        .unwrap();
    store.delete_customer(last).unwrap();
    let next = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Maryam"))
        .unwrap();
    assert_eq!((first, last, next), (1, 2, 3));
    let history = store
        .audit_entries(&rapport::store::AuditFilter {
            customer_id: Some(next),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(history.len(), 1, "only Maryam's creation: {history:?}");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    every_entity_round_trips,
    deals_move_win_and_lose,
    a_stale_edit_is_refused,
    completing_a_recurring_follow_up_schedules_the_next_in_one_write,
    the_cadence_clock_restarts_at_any_kind_of_interaction,
    own_cadence_beats_tags_the_tightest_tag_wins_and_the_default_is_for_active_only,
    going_quiet_filters_by_owner_orders_and_limits,
    going_quiet_agrees_with_every_list_row,
    merging_keeps_an_own_cadence_or_takes_the_dropped_ones,
    a_deleted_customers_number_is_not_given_again,
);
