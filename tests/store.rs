//! The store through the library API: migrations, round trips of every entity,
//! stale edits refused, and crash safety.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::TempDb;
use rapport::domain::*;
use rapport::store::{CustomerFilter, DealFilter, ReminderFilter, Store, StoreError};

fn fixed_clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn open(db: &TempDb) -> Store {
    Store::open(&db.path)
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
    assert_eq!(store.kpi_definitions().unwrap().len(), 8);
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
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
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

    let store = Store::open(&db.path).unwrap();
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
        let store = Store::open(&db.path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let n = store.counts().unwrap().customers;
        assert!(
            n == 0 || n == 3000,
            "after {delay_ms} ms: {n} customers, a partial write"
        );
    }
}
