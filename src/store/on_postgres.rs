//! The store's operations on PostgreSQL (skipped with a notice without a server):
//! what already runs there, as the port of every store file (issue 16) goes on.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::db::testing::Scratch;
use super::{CustomerFilter, CustomerSort, Store};
use crate::domain::*;

fn fixed_clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .expect("a time")
        .to_utc()
}

fn open(scratch: &Scratch) -> Store {
    Store::open_postgres(&scratch.target())
        .expect("the store on PostgreSQL")
        .with_clock(Arc::new(fixed_clock))
}

/// The store on a scratch schema, written to as its first operator (an admin).
fn signed_in(scratch: &Scratch) -> (Store, Operator) {
    let mut store = open(scratch);
    let me = store.ensure_operator("sara").expect("operator");
    store.act_as(me.clone());
    (store, me)
}

#[test]
fn customers_deals_interactions_and_follow_ups_round_trip() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let (mut store, me) = signed_in(&scratch);
    assert_eq!(me.role, Role::Admin, "the first operator is an admin");
    assert_eq!(
        store.ensure_operator("ivan").expect("operator").role,
        Role::Agent
    );

    let company = store
        .add_customer(&CustomerDraft::new(
            CustomerKind::Company,
            "شرکت آریا تجارت",
        ))
        .expect("company");
    let mut d = CustomerDraft::new(CustomerKind::Person, "Фёдор Соловьёв");
    d.company_id = Some(company);
    d.phones = vec![Phone::parse_labeled("+7 912 345-67-89").expect("phone")];
    d.emails = vec![Email::parse("fedor@example.ru").expect("email")];
    d.tags = vec!["vip".into(), "key-account".into()];
    d.owner_id = Some(me.id);
    d.status = CustomerStatus::Active;
    let id = store.add_customer(&d).expect("customer");
    let c = store.customer(id).expect("read back");
    assert_eq!(c.name, "Фёдор Соловьёв");
    assert_eq!(c.company_name.as_deref(), Some("شرکت آریا تجارت"));
    assert_eq!(c.tags, vec!["key-account", "vip"]);

    let deal = store
        .add_deal(&DealDraft {
            customer_id: id,
            title: "Renewal".into(),
            amount: Money::parse("12,000.50", Currency::from_code("RUB").expect("RUB"))
                .expect("money"),
            stage_id: None,
            probability: Some(40),
            expected_close: NaiveDate::from_ymd_opt(2027, 1, 15),
            owner_id: Some(me.id),
        })
        .expect("deal");
    assert_eq!(store.deal(deal).expect("deal").amount.minor, 1_200_050);
    store
        .write(|w| w.move_deal(deal, "proposal"))
        .expect("moved");

    let at = fixed_clock() - Duration::days(2);
    store
        .log_interaction(&InteractionDraft {
            customer_id: id,
            deal_id: Some(deal),
            kind: InteractionKind::Meeting,
            direction: Direction::In,
            occurred_at: at,
            operator_id: Some(me.id),
            summary: "Quarterly review".into(),
            outcome: None,
            satisfaction: Some(4),
            nps: None,
        })
        .expect("interaction");
    assert_eq!(store.interactions_of(id, 10).expect("timeline").len(), 1);

    let rid = store
        .add_reminder(&ReminderDraft {
            customer_id: id,
            deal_id: Some(deal),
            due_at: fixed_clock() + Duration::hours(3),
            note: "Send the contract".into(),
            recurrence: None,
            owner_id: Some(me.id),
        })
        .expect("follow-up");
    store
        .write(|w| w.complete_reminder(rid, fixed_clock()))
        .expect("done");
    assert!(store.reminder(rid).expect("follow-up").done_at.is_some());

    let listed = store
        .customers(&CustomerFilter::default())
        .expect("the list");
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Фёдор Соловьёв", "شرکت آریا تجارت"],
        "by name, code point order"
    );
    let vip = store
        .customers(&CustomerFilter {
            tag: Some("vip".into()),
            sort: CustomerSort::OpenValue,
            ..CustomerFilter::default()
        })
        .expect("the list by tag");
    assert_eq!(vip.len(), 1);
    assert_eq!(vip[0].id, id);
    store
        .write(|w| w.mark_deal_won(deal, fixed_clock().date_naive()))
        .expect("won");
    store.delete_customer(company).expect("deleted");
    assert_eq!(store.customer_count().expect("count"), 1);
}

#[test]
fn the_card_the_trail_undo_the_kpis_and_the_lookup_index() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let (mut store, me) = signed_in(&scratch);
    let mut d = CustomerDraft::new(CustomerKind::Person, "Лидия Иванова");
    d.phones = vec![Phone::parse_labeled("+7 912 345-67-89").expect("phone")];
    d.owner_id = Some(me.id);
    let id = store.add_customer(&d).expect("customer");
    let deal = store
        .add_deal(&DealDraft {
            customer_id: id,
            title: "Licence".into(),
            amount: Money::parse("500.00", Currency::from_code("USD").expect("USD"))
                .expect("money"),
            stage_id: None,
            probability: Some(50),
            expected_close: NaiveDate::from_ymd_opt(2026, 12, 20),
            owner_id: Some(me.id),
        })
        .expect("deal");
    store
        .write(|w| w.mark_deal_won(deal, fixed_clock().date_naive()))
        .expect("won");

    let card = store.customer_card(id, 10).expect("the card");
    assert_eq!(card.customer.name, "Лидия Иванова");
    let trail = store
        .audit_entries(&super::AuditFilter {
            customer_id: Some(id),
            ..Default::default()
        })
        .expect("the trail");
    assert!(trail.len() >= 3, "customer, deal and its win: {trail:?}");

    let mut renamed = store.customer(id).expect("customer").draft();
    renamed.name = "Лидия Петрова".into();
    let version = store.customer(id).expect("customer").version;
    store.update_customer(id, version, &renamed).expect("edit");
    store
        .undo_session_change()
        .expect("undo")
        .expect("something undone");
    assert_eq!(store.customer(id).expect("customer").name, "Лидия Иванова");

    let report = crate::report::kpi_report(
        &store,
        crate::domain::kpi::KpiRange::Period(Period::Month),
        Currency::from_code("USD").expect("USD"),
        &fixed_clock(),
    )
    .expect("the KPIs");
    assert!(!report.kpis.is_empty());

    let index = store.search_index().expect("the lookup index");
    assert_eq!(index.len(), 1);
}
