//! The daily review in the app, driven key by key over an in-memory store with a fixed
//! clock (Monday 2026-11-23 09:30 UTC, shown in UTC): what each key writes, the screens
//! it shows (insta snapshots at 80x24), and the summary at the end.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::domain::{
    Cadence, Currency, CustomerDraft, CustomerKind, CustomerStatus, DealDraft, Direction, Email,
    InteractionDraft, InteractionKind, Money, Phone, Recurrence, Reminder, ReminderDraft,
};
use rapport::store::{ReminderFilter, Store};
use rapport::tui::app::{App, Popup};
use rapport::tui::keymap::Keymap;
use rapport::tui::review::{Outcome, Step};
use rapport::tui::theme::Theme;
use rapport::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn clock() -> DateTime<Utc> {
    at("2026-11-23T09:30:00Z")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

/// Five follow-ups of sara's due before the end of today, one due tomorrow and one of
/// another operator's; returns the store and the ids in due order.
fn seeded() -> (Store, Vec<i64>) {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let sara = store.ensure_operator("sara").unwrap().id;
    let omid = store.ensure_operator("omid").unwrap().id;
    let mut ids = Vec::new();
    let due = [
        (
            "Ada Lovelace",
            "2026-11-21T11:00:00Z",
            "Send the signed contract",
            None,
        ),
        (
            "Фёдор Смирнов",
            "2026-11-22T10:00:00Z",
            "Ask about the renewal",
            None,
        ),
        (
            "مریم رضایی",
            "2026-11-23T08:00:00Z",
            "Call about the quote",
            None,
        ),
        (
            "Bob Stone",
            "2026-11-23T09:00:00Z",
            "Weekly check-in",
            Some(Recurrence::Weekly),
        ),
        (
            "Cleo Park",
            "2026-11-23T15:00:00Z",
            "Demo the new module",
            None,
        ),
        ("Dan Tomorrow", "2026-11-24T10:00:00Z", "Not today", None),
    ];
    for (name, when, note, recurrence) in due {
        let c = store
            .add_customer(&CustomerDraft::new(CustomerKind::Person, name))
            .unwrap();
        ids.push(
            store
                .add_reminder(&ReminderDraft {
                    customer_id: c,
                    deal_id: None,
                    due_at: at(when),
                    note: note.into(),
                    recurrence,
                    owner_id: Some(sara),
                })
                .unwrap(),
        );
    }
    // The first customer has a full card: phone, email, tags, a deal and history.
    let ada = store.reminder(ids[0]).unwrap().customer_id;
    let mut draft = store.customer(ada).unwrap().draft();
    draft.phones = vec![Phone::parse_labeled("+44 20 7946 0018").unwrap()];
    draft.emails = vec![Email::parse("ada@example.org").unwrap()];
    draft.tags = vec!["key-account".into()];
    store.update_customer(ada, 1, &draft).unwrap();
    store
        .add_deal(&DealDraft {
            customer_id: ada,
            title: "Analytical engine".into(),
            amount: Money::parse("12,000", Currency::USD).unwrap(),
            stage_id: None,
            probability: None,
            expected_close: None,
            owner_id: Some(sara),
        })
        .unwrap();
    for (when, kind, summary) in [
        (
            "2026-11-02T14:00:00Z",
            InteractionKind::Meeting,
            "Walked through the proposal",
        ),
        (
            "2026-11-16T10:15:00Z",
            InteractionKind::Call,
            "Legal is reviewing the contract",
        ),
    ] {
        store
            .log_interaction(&InteractionDraft {
                customer_id: ada,
                deal_id: None,
                kind,
                direction: Direction::Out,
                occurred_at: at(when),
                operator_id: Some(sara),
                summary: summary.into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
    }
    let c = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Omid's customer"))
        .unwrap();
    store
        .add_reminder(&ReminderDraft {
            customer_id: c,
            deal_id: None,
            due_at: at("2026-11-20T10:00:00Z"),
            note: "Someone else's".into(),
            recurrence: None,
            owner_id: Some(omid),
        })
        .unwrap();
    ids.truncate(5);
    (store, ids)
}

fn app_on(store: Store) -> App {
    let mut app = App::new(
        store,
        Keymap::builtin("default").unwrap(),
        chrono_tz::UTC,
        Theme { color: true },
        "sara",
        Currency::USD,
    )
    .unwrap();
    app.set_size(80, 24);
    app.load_visible();
    app
}

fn followups(ids: &[i64]) -> Vec<Step> {
    ids.iter().copied().map(Step::Followup).collect()
}

fn reminder(app: &App, id: i64) -> Reminder {
    app.store.reminder(id).unwrap()
}

#[test]
fn review_done_snooze_log_outcome_skip_and_reschedule() {
    let (store, ids) = seeded();
    let mut app = app_on(store);
    // From the follow-ups pane, one key.
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('r'));
    let review = app.review.as_ref().expect("review started");
    assert_eq!(
        review.steps,
        followups(&ids),
        "oldest first, sara's only, today's and overdue"
    );
    insta::assert_snapshot!("review_step_80x24", screen(&app));

    // d: done.
    press(&mut app, KeyCode::Char('d'));
    assert!(reminder(&app, ids[0]).done_at.is_some());

    // s t: snoozed until tomorrow 09:00; the due date stays.
    press(&mut app, KeyCode::Char('s'));
    assert!(matches!(app.popup, Some(Popup::Snooze(_))));
    insta::assert_snapshot!("review_snooze_menu_80x24", screen(&app));
    press(&mut app, KeyCode::Char('t'));
    let snoozed = reminder(&app, ids[1]);
    assert_eq!(snoozed.snoozed_until, Some(at("2026-11-24T09:00:00Z")));
    assert_eq!(snoozed.due_at, at("2026-11-22T10:00:00Z"));
    assert!(snoozed.done_at.is_none());

    // l: log the outcome (the note is focused), then Enter accepts the proposed next one.
    press(&mut app, KeyCode::Char('l'));
    type_text(&mut app, "She accepts the quote");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Form(proposal)) = &app.popup else {
        panic!("the next follow-up is proposed");
    };
    assert_eq!(
        proposal.fields[0].resolved.as_deref(),
        Some("Mon 30 Nov 2026 10:00")
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    let logged = reminder(&app, ids[2]);
    assert_eq!(logged.done_at, Some(clock()));
    let card = app.store.customer_card(logged.customer_id, 5).unwrap();
    assert_eq!(card.interactions[0].summary, "She accepts the quote");
    assert_eq!(card.reminders.len(), 1, "the proposed follow-up");
    assert_eq!(card.reminders[0].due_at, at("2026-11-30T10:00:00Z"));

    // n: skipped, nothing written.
    let before = reminder(&app, ids[3]);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(reminder(&app, ids[3]), before);

    // r: reschedule to a typed date, echoed before saving.
    press(&mut app, KeyCode::Char('r'));
    ctrl(&mut app, 'u');
    type_text(&mut app, "+3d 10:00");
    let Some(Popup::Form(form)) = &app.popup else {
        panic!("the reschedule form");
    };
    assert_eq!(
        form.fields[0].resolved.as_deref(),
        Some("Thu 26 Nov 2026 10:00")
    );
    insta::assert_snapshot!("review_reschedule_80x24", screen(&app));
    press(&mut app, KeyCode::Enter);
    assert_eq!(reminder(&app, ids[4]).due_at, at("2026-11-26T10:00:00Z"));

    // The summary.
    let review = app.review.as_ref().unwrap();
    assert!(review.finished());
    assert_eq!(
        review.outcomes,
        vec![
            Some(Outcome::Done),
            Some(Outcome::Snoozed),
            Some(Outcome::Logged),
            Some(Outcome::Skipped),
            Some(Outcome::Rescheduled),
        ]
    );
    insta::assert_snapshot!("review_summary_80x24", screen(&app));
    // Esc closes it onto the follow-ups pane, where the skipped one is still due.
    press(&mut app, KeyCode::Esc);
    assert!(app.review.is_none());
    let open: Vec<i64> = app.followups.items.iter().map(|(_, r)| r.id).collect();
    assert!(open.contains(&ids[3]) && !open.contains(&ids[0]));
}

#[test]
fn a_recurring_follow_up_logged_schedules_its_next_occurrence_instead_of_a_proposal() {
    let (mut store, ids) = seeded();
    let now = clock();
    for id in &ids[..3] {
        store.write(|w| w.complete_reminder(*id, now)).unwrap();
    }
    let mut app = app_on(store);
    app.start_review(true);
    assert_eq!(app.review.as_ref().unwrap().steps, followups(&ids[3..]));
    press(&mut app, KeyCode::Char('l'));
    type_text(&mut app, "All fine");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.popup.is_none(),
        "no proposal: the rule schedules the next one"
    );
    let next = app
        .store
        .reminders(&ReminderFilter {
            customer_id: Some(reminder(&app, ids[3]).customer_id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].due_at, at("2026-11-30T09:00:00Z"));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("next follow-up")
    );
}

#[test]
fn back_revisits_open_pauses_and_escape_on_the_card_resumes() {
    let (store, ids) = seeded();
    let mut app = app_on(store);
    app.start_review(true);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Left);
    let review = app.review.as_ref().unwrap();
    assert_eq!((review.at, review.outcome()), (0, Some(Outcome::Skipped)));
    // o opens the customer's card; the review waits.
    press(&mut app, KeyCode::Char('o'));
    assert!(!app.reviewing() && app.customers.detail.is_some());
    press(&mut app, KeyCode::Esc);
    assert!(app.reviewing());
    // Another pane pauses it too; r in the follow-ups pane resumes at the same step.
    press(&mut app, KeyCode::Char('2'));
    assert!(!app.reviewing());
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('r'));
    assert!(app.reviewing());
    assert_eq!(app.review.as_ref().unwrap().reminder().unwrap().id, ids[0]);
    // Esc ends early: the summary counts what was not reached.
    press(&mut app, KeyCode::Esc);
    let tally = app.review.as_ref().unwrap().tally();
    assert_eq!((tally.skipped, tally.not_reached), (1, 4));
}

#[test]
fn a_follow_up_finished_elsewhere_meanwhile_is_passed_over() {
    let (store, ids) = seeded();
    let mut app = app_on(store);
    app.start_review(true);
    // Another operator (another connection in real life) finishes the second one.
    let now = clock() + Duration::minutes(1);
    app.store
        .write(|w| w.complete_reminder(ids[1], now))
        .unwrap();
    press(&mut app, KeyCode::Char('d'));
    let review = app.review.as_ref().unwrap();
    assert_eq!(review.reminder().unwrap().id, ids[2]);
    assert_eq!(review.outcomes[1], Some(Outcome::Gone));
    assert_eq!(review.progress(), (3, 5));
}

#[test]
fn everyone_and_an_empty_review() {
    let (store, ids) = seeded();
    let mut app = app_on(store);
    app.start_review(false);
    assert_eq!(app.review.as_ref().unwrap().steps.len(), ids.len() + 1);
    let mut empty = app_on(Store::open_in_memory().unwrap().with_clock(Arc::new(clock)));
    empty.popup = None; // the demo offer
    empty.start_review(true);
    assert!(empty.review.as_ref().unwrap().finished());
    assert!(screen(&empty).contains("Nothing is due and no customer is going quiet."));
}

#[test]
fn a_wide_terminal_shows_the_history_beside_the_follow_up() {
    let (store, _) = seeded();
    let mut app = app_on(store);
    app.set_size(160, 48);
    app.start_review(true);
    insta::assert_snapshot!("review_step_160x48", screen(&app));
}

/// Three customers going quiet (no follow-up planned) come after the follow-ups, the
/// most overdue first; one that has a follow-up already is not suggested.
#[test]
fn customers_going_quiet_are_suggested_after_the_follow_ups() {
    let (mut store, ids) = seeded();
    let sara = store.ensure_operator("sara").unwrap().id;
    let mut quiet = Vec::new();
    for (name, last_contact) in [
        ("Quinn Overdue", "2026-10-01T10:00:00Z"), // 53 days: past the 21-day maximum
        ("Rhea Due", "2026-11-05T10:00:00Z"),      // 18 days: past the 14-day ideal
        ("Sam Planned", "2026-10-20T10:00:00Z"),   // 34 days
        ("Tess Fine", "2026-11-20T10:00:00Z"),     // 3 days: in touch
    ] {
        let mut d = CustomerDraft::new(CustomerKind::Person, name);
        d.status = CustomerStatus::Active;
        d.cadence = Some(Cadence::parse("cadence", "14d/21d").unwrap());
        d.owner_id = Some(sara);
        let id = store.add_customer(&d).unwrap();
        store
            .log_interaction(&InteractionDraft {
                customer_id: id,
                deal_id: None,
                kind: InteractionKind::Email,
                direction: Direction::Out,
                occurred_at: at(last_contact),
                operator_id: Some(sara),
                summary: "Newsletter".into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
        quiet.push(id);
    }
    // Sam has a follow-up coming: not a suggestion.
    store
        .add_reminder(&ReminderDraft {
            customer_id: quiet[2],
            deal_id: None,
            due_at: at("2026-11-27T10:00:00Z"),
            note: "Check in".into(),
            recurrence: None,
            owner_id: Some(sara),
        })
        .unwrap();
    let mut app = app_on(store);
    app.start_review(true);
    let mut expected = followups(&ids);
    expected.extend([Step::Quiet(quiet[0]), Step::Quiet(quiet[1])]);
    assert_eq!(app.review.as_ref().unwrap().steps, expected);
    for _ in &ids {
        press(&mut app, KeyCode::Char('n'));
    }
    insta::assert_snapshot!("review_going_quiet_80x24", screen(&app));
    // d has nothing to mark done: the status bar says which keys do something.
    press(&mut app, KeyCode::Char('d'));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("has no follow-up")
    );
    // l logs a contact (the clock restarts) and proposes a follow-up; Esc declines it.
    press(&mut app, KeyCode::Char('l'));
    type_text(&mut app, "Caught up on their plans");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.message.as_ref().unwrap().text,
        "No follow-up added; what you logged is saved"
    );
    let card = app.store.customer_card(quiet[0], 1).unwrap();
    assert_eq!(card.interactions[0].summary, "Caught up on their plans");
    assert_eq!(
        card.contact.unwrap().status(clock()),
        rapport::domain::ContactStatus::Fine
    );
    // r plans a follow-up for the next one.
    press(&mut app, KeyCode::Char('r'));
    ctrl(&mut app, 'u');
    type_text(&mut app, "fri 11:00");
    press(&mut app, KeyCode::Enter);
    let planned = app.store.customer_card(quiet[1], 1).unwrap().reminders;
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].due_at, at("2026-11-27T11:00:00Z"));
    let review = app.review.as_ref().unwrap();
    assert!(review.finished());
    let tally = review.tally();
    assert_eq!((tally.contacted, tally.planned, tally.skipped), (1, 1, 5));
    let summary = screen(&app);
    assert!(summary.contains("Reviewed 5 follow-ups and 2 customers going quiet"));
    assert!(summary.contains("1  quiet customers contacted"));
}

#[test]
fn a_refused_date_shows_its_whole_reason_at_80x24() {
    let (store, ids) = seeded();
    let mut app = app_on(store);
    app.start_review(true);
    press(&mut app, KeyCode::Char('r'));
    ctrl(&mut app, 'u');
    type_text(&mut app, "1/12");
    press(&mut app, KeyCode::Enter);
    let text = screen(&app);
    // The field's note line is too short for it; the form shows it whole above.
    assert!(
        text.contains("ambiguous") && text.contains("YYYY-MM-DD"),
        "{text}"
    );
    assert_eq!(
        app.store.reminder(ids[0]).unwrap().version,
        1,
        "nothing was written"
    );
}
