//! Correcting records in the app, with ratatui's TestBackend at 80x24 over a small
//! fixed database and a fixed clock: `e` edits and `D` deletes the focused deal,
//! follow-up or card item (a delete asks first), `o` reopens, `R` reschedules, and
//! `u` takes back the session's last change. Forms and questions are snapshots.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::domain::*;
use rapport::store::Store;
use rapport::tui::app::{App, Pane, Popup};
use rapport::tui::keymap::Keymap;
use rapport::tui::panes::customers::CardItem;
use rapport::tui::theme::Theme;
use rapport::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

/// sara (admin), ali (agent) and omid (manager); Acme with sara's deal #1 "Renewal" (12,000.00 USD in
/// negotiation), her follow-up #1 due in an hour and her call #1 an hour ago.
fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let sara = store.sign_in("sara").unwrap();
    store
        .write(|w| {
            w.ensure_operator("ali", "Ali Ahmadi")?;
            let omid = w.ensure_operator("omid", "Omid Karimi")?;
            w.set_operator_role(omid.id, Role::Manager)
        })
        .unwrap();
    let acme = store
        .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme Trading"))
        .unwrap();
    let deal = store
        .add_deal(&DealDraft {
            customer_id: acme,
            title: "Renewal".into(),
            amount: Money::parse("12,000", Currency::USD).unwrap(),
            stage_id: Some(store.stage("negotiation").unwrap().id),
            probability: None,
            expected_close: None,
            owner_id: Some(sara.id),
        })
        .unwrap();
    store
        .add_reminder(&ReminderDraft {
            customer_id: acme,
            deal_id: Some(deal),
            due_at: clock() + Duration::hours(1),
            note: "Send the signed contract".into(),
            recurrence: None,
            owner_id: Some(sara.id),
        })
        .unwrap();
    store
        .log_interaction(&InteractionDraft {
            customer_id: acme,
            deal_id: None,
            kind: InteractionKind::Call,
            direction: Direction::In,
            occurred_at: clock() - Duration::hours(1),
            operator_id: Some(sara.id),
            summary: "Asked for the contract".into(),
            outcome: None,
            satisfaction: Some(4),
            nps: None,
        })
        .unwrap();
    store
}

fn app_as(store: Store, login: &str) -> App {
    let keymap = Keymap::builtin("default").unwrap();
    let theme = Theme { color: true };
    let mut app = App::new(store, keymap, chrono_tz::UTC, theme, login, Currency::USD).unwrap();
    app.set_size(80, 24);
    app.load_visible();
    app
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Clears the focused field of a form.
fn clear_field(app: &mut App) {
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn headlines(app: &App) -> Vec<String> {
    app.store
        .audit_entries(&Default::default())
        .unwrap()
        .iter()
        .map(|e| e.headline())
        .collect()
}

#[test]
fn a_deal_is_edited_from_the_pipeline() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('2'));
    // Lead, Qualified, Proposal, Negotiation.
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(app.pipeline.selected().map(|d| d.id), Some(1));
    press(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!("deal_edit_form_80x24", screen(&app));
    clear_field(&mut app);
    keys(&mut app, "Renewal 2027");
    press(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    keys(&mut app, "15.000,50");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none(), "{}", screen(&app));
    assert_eq!(message(&app), "Saved deal #1 (undo with u)");
    let d = app.store.deal(1).unwrap();
    assert_eq!(
        (d.title.as_str(), d.amount.minor),
        ("Renewal 2027", 1_500_050)
    );
    assert_eq!(d.stage_key, "negotiation", "what was not touched stays");
}

#[test]
fn a_refused_deal_edit_says_why_beside_the_field_and_writes_nothing() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Char('e'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    clear_field(&mut app);
    keys(&mut app, "lost");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.popup, Some(Popup::Form(_))));
    let s = screen(&app);
    assert!(s.contains("a lost deal needs the reason"), "{s}");
    insta::assert_snapshot!("deal_edit_refused_80x24", s);
    assert_eq!(app.store.deal(1).unwrap().stage_key, "negotiation");
}

#[test]
fn marking_won_then_u_puts_the_deal_back_in_its_stage_and_the_trail_keeps_both() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(message(&app), "Deal #1 is now in won (undo with u)");
    assert_eq!(app.store.deal(1).unwrap().stage_key, "won");
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(
        message(&app),
        "Undone: deal #1 is as it was (stage \"negotiation\", probability \"75%\")"
    );
    let d = app.store.deal(1).unwrap();
    assert_eq!(
        (d.stage_key.as_str(), d.probability, d.closed_on),
        ("negotiation", 75, None)
    );
    assert_eq!(
        headlines(&app)[..2],
        ["changed deal #1 back (undo)", "changed deal #1"]
    );
}

#[test]
fn a_won_deal_reopens_with_o() {
    let mut app = app_as(store(), "sara");
    app.store
        .write(|w| w.mark_deal_won(1, clock().date_naive()).map(|_| ()))
        .unwrap();
    app.update(rapport::tui::action::Action::Refresh);
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..4 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(
        app.pipeline.selected().map(|d| d.outcome),
        Some(StageOutcome::Won)
    );
    let s = screen(&app);
    assert!(s.contains("o reopen · e edit"), "the footer offers it: {s}");
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(
        message(&app),
        "Deal #1 is open again, in negotiation (undo with u)"
    );
    assert_eq!(app.store.deal(1).unwrap().stage_key, "negotiation");
    press(&mut app, KeyCode::Char('o'));
    assert!(
        message(&app).contains("o reopens a won or lost deal"),
        "{}",
        message(&app)
    );
}

#[test]
fn deleting_a_deal_asks_first_and_u_brings_it_back() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Char('D'));
    insta::assert_snapshot!("deal_delete_confirm_80x24", screen(&app));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(message(&app), "Kept; nothing was deleted");
    assert!(app.store.deal(1).is_ok());
    press(&mut app, KeyCode::Char('D'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "Deleted deal #1 Renewal (undo with u)");
    assert!(app.store.deal(1).is_err());
    assert_eq!(
        app.store.reminder(1).unwrap().deal_id,
        None,
        "its follow-up stays"
    );
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(app.store.deal(1).unwrap().title, "Renewal");
    assert_eq!(app.store.reminder(1).unwrap().deal_id, Some(1));
}

#[test]
fn a_follow_up_is_edited_rescheduled_and_deleted_from_the_follow_ups() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.pane, Pane::Followups);
    let s = screen(&app);
    assert!(s.contains("R reschedule · e edit"), "{s}");
    press(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!("followup_edit_form_80x24", screen(&app));
    press(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    keys(&mut app, "Send the countersigned contract");
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "weekly");
    press(&mut app, KeyCode::Enter);
    assert_eq!(message(&app), "Saved follow-up #1 (undo with u)");
    let r = app.store.reminder(1).unwrap();
    assert_eq!(r.note, "Send the countersigned contract");
    assert_eq!(r.recurrence, Some(Recurrence::Weekly));
    assert_eq!(
        r.due_at,
        clock() + Duration::hours(1),
        "the due time, to the second"
    );

    press(&mut app, KeyCode::Char('R'));
    let s = screen(&app);
    assert!(
        s.contains("Reschedule the follow-up with Acme Trading"),
        "{s}"
    );
    clear_field(&mut app);
    keys(&mut app, "2026-11-30 10:00");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none(), "{}", screen(&app));
    assert_eq!(
        app.store.reminder(1).unwrap().due_at.to_rfc3339(),
        "2026-11-30T10:00:00+00:00"
    );

    press(&mut app, KeyCode::Char('D'));
    let s = screen(&app);
    assert!(s.contains("Delete follow-up #1?"), "{s}");
    press(&mut app, KeyCode::Enter);
    assert!(app.store.reminder(1).is_err());
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(
        app.store.reminder(1).unwrap().note,
        "Send the countersigned contract"
    );
}

#[test]
fn an_interaction_is_picked_on_the_card_edited_and_deleted() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Enter);
    assert!(app.customers.detail.is_some());
    // The open deal, the follow-up, then the timeline.
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(app.customers.picked(), Some(CardItem::Deal(1)));
    press(&mut app, KeyCode::Char('['));
    assert_eq!(app.customers.picked(), Some(CardItem::Interaction(1)));
    insta::assert_snapshot!("card_item_picked_80x24", screen(&app));
    press(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!("interaction_edit_form_80x24", screen(&app));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    keys(&mut app, "will sign on Friday");
    press(&mut app, KeyCode::Enter);
    assert_eq!(message(&app), "Saved call #1 (undo with u)");
    let i = app.store.interaction(1).unwrap();
    assert_eq!(i.outcome.as_deref(), Some("will sign on Friday"));
    assert_eq!(i.occurred_at, clock() - Duration::hours(1));
    press(&mut app, KeyCode::Char('D'));
    let s = screen(&app);
    assert!(
        s.contains("Delete call #1?") && s.contains("Asked for the contract"),
        "{s}"
    );
    press(&mut app, KeyCode::Char('y'));
    assert!(app.store.interaction(1).is_err());
    // Esc lets the item go first, then leaves the card.
    press(&mut app, KeyCode::Char(']'));
    press(&mut app, KeyCode::Esc);
    assert!(app.customers.detail.is_some() && app.customers.picked().is_none());
    press(&mut app, KeyCode::Char('e'));
    assert!(
        matches!(&app.popup, Some(Popup::Form(f)) if f.title == "Edit #1"),
        "with nothing picked, e edits the customer"
    );
}

#[test]
fn an_agent_is_told_before_typing_that_the_deal_or_follow_up_is_not_theirs() {
    let mut app = app_as(store(), "ali");
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
    }
    for key in ['e', 'D'] {
        press(&mut app, KeyCode::Char(key));
        assert!(app.popup.is_none(), "no form to type in vain");
        assert!(
            message(&app).contains("deal #1 is sara's (ali is agent)"),
            "{}",
            message(&app)
        );
    }
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m')); // everyone's
    press(&mut app, KeyCode::Char('e'));
    assert!(app.popup.is_none());
    assert!(
        message(&app).contains("follow-up #1 is sara's"),
        "{}",
        message(&app)
    );
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(
        message(&app),
        "Nothing to undo: no change of this session is left"
    );
}

#[test]
fn a_stale_edit_is_refused_naming_who_and_enter_reloads_keeping_the_edits() {
    let mut app = app_as(store(), "sara");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    keys(&mut app, "Mine");
    // Meanwhile a manager moves it.
    app.store.sign_in("omid").unwrap();
    app.store
        .write(|w| w.reschedule_reminder(1, clock() + Duration::days(2)))
        .unwrap();
    app.store.sign_in("sara").unwrap();
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("follow-up #1 was changed by Omid Karimi"), "{s}");
    assert_eq!(
        app.store.reminder(1).unwrap().note,
        "Send the signed contract"
    );
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Form(form)) = &app.popup else {
        panic!("the form stays open: {s}");
    };
    assert_eq!(form.get("note"), "Mine");
    assert_eq!(form.get("due"), "2026-11-25 09:30", "their new due date");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.store.reminder(1).unwrap().note, "Mine");
}
