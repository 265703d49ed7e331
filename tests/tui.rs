//! Screens of the app, rendered with ratatui's TestBackend over a fixed demo database
//! and a fixed clock, at 80x24 and 160x48. A change to a screen shows as a snapshot diff.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::{Currency, CustomerDraft, CustomerKind};
use rapport::store::Store;
use rapport::tui::app::{App, Pane};
use rapport::tui::keymap::Keymap;
use rapport::tui::theme::Theme;
use rapport::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn demo_app(width: u16, height: u16) -> App {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    generate(
        &mut store,
        DemoOptions {
            customers: 300,
            seed: 42,
        },
        "sara",
    )
    .unwrap();
    app_on(store, width, height)
}

fn app_on(store: Store, width: u16, height: u16) -> App {
    app_themed(store, width, height, Theme { color: true })
}

fn app_themed(store: Store, width: u16, height: u16, theme: Theme) -> App {
    let keymap = Keymap::builtin("default").unwrap();
    let mut app = App::new(store, keymap, chrono_tz::UTC, theme, "sara", Currency::USD).unwrap();
    app.set_size(width, height);
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

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

#[test]
fn customers_list() {
    for (w, h) in SIZES {
        let app = demo_app(w, h);
        insta::assert_snapshot!(format!("customers_{w}x{h}"), screen(&app));
    }
}

#[test]
fn customer_card() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        assert!(app.customers.detail.is_some());
        insta::assert_snapshot!(format!("customer_card_{w}x{h}"), screen(&app));
    }
}

/// A customer who has bought: revenue, purchases, lifetime value and segment on the card.
#[test]
fn customer_card_value() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        let query = rapport::report::ValueQuery {
            segment: None,
            limit: 1,
        };
        let report = rapport::report::value_report(&app.store, query, &clock()).unwrap();
        let id = report.customers[0].customer_id;
        app.open_customer(id, "");
        insta::assert_snapshot!(format!("customer_card_value_{w}x{h}"), screen(&app));
    }
}

#[test]
fn pipeline() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        press(&mut app, KeyCode::Char('2'));
        assert_eq!(app.pane, Pane::Pipeline);
        insta::assert_snapshot!(format!("pipeline_{w}x{h}"), screen(&app));
    }
}

#[test]
fn followups() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        press(&mut app, KeyCode::Char('3'));
        press(&mut app, KeyCode::Char('m')); // everyone's
        insta::assert_snapshot!(format!("followups_{w}x{h}"), screen(&app));
    }
}

#[test]
fn kpis() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        press(&mut app, KeyCode::Char('4'));
        insta::assert_snapshot!(format!("kpis_{w}x{h}"), screen(&app));
    }
}

/// Every operator's month, with one operator's quotas coloured and listed below.
#[test]
fn team() {
    for (w, h) in SIZES {
        let mut app = demo_app(w, h);
        let ops = app.store.operators().unwrap();
        let agent = ops.iter().find(|o| o.login != "sara").unwrap().clone();
        for (kpi, target, minimum) in [
            ("revenue_won", 40_000, 20_000),
            ("win_rate", 60, 40),
            ("followups_on_time", 95, 90),
        ] {
            app.store
                .write(|w| {
                    w.set_quota(
                        &agent,
                        kpi,
                        rapport::domain::KpiFigure::whole(target),
                        rapport::domain::KpiFigure::whole(minimum),
                    )
                })
                .unwrap();
        }
        press(&mut app, KeyCode::Char('5'));
        let row = app
            .team
            .report
            .as_ref()
            .unwrap()
            .operators
            .iter()
            .position(|o| o.login == agent.login)
            .unwrap();
        for _ in 0..row {
            press(&mut app, KeyCode::Down);
        }
        insta::assert_snapshot!(format!("team_{w}x{h}"), screen(&app));
    }
}

#[test]
fn help_overlay_lists_the_active_bindings() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&app);
    assert!(s.contains("cycle") || s.contains("sort"), "{s}");
    insta::assert_snapshot!("help_80x24", s);
}

#[test]
fn add_customer_form_shows_errors_inline_and_saves_once_fixed() {
    let mut app = demo_app(80, 24);
    let before = app.store.counts().unwrap().customers;
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "Эльвира Тестовая");
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "maria@");
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    insta::assert_snapshot!("form_error_80x24", s);
    assert_eq!(
        app.store.counts().unwrap().customers,
        before,
        "nothing written"
    );
    type_text(&mut app, "example.ru");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    assert_eq!(app.store.counts().unwrap().customers, before + 1);
    let card = app.customers.detail.as_ref().unwrap();
    assert_eq!(card.customer.name, "Эльвира Тестовая");
}

#[test]
fn escape_cancels_a_form_and_writes_nothing() {
    let mut app = demo_app(80, 24);
    let before = app.store.counts().unwrap();
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "Nobody");
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
    assert_eq!(app.store.counts().unwrap(), before);
}

#[test]
fn marking_a_deal_lost_asks_for_the_reason() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('2'));
    let deal = app.pipeline.selected().unwrap().clone();
    press(&mut app, KeyCode::Char('x'));
    assert!(app.popup.is_some());
    press(&mut app, KeyCode::Enter); // empty reason is refused
    assert!(app.popup.is_some());
    type_text(&mut app, "chose a competitor");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    let lost = app.store.deal(deal.id).unwrap();
    assert_eq!(lost.lost_reason.as_deref(), Some("chose a competitor"));
}

#[test]
fn names_with_control_characters_render_as_placeholders() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    store
        .add_customer(&CustomerDraft::new(
            CustomerKind::Person,
            "Evil\u{1b}[2J\u{7}Name",
        ))
        .unwrap();
    store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "زهرا احمدی"))
        .unwrap();
    store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "山田太郎"))
        .unwrap();
    let app = app_on(store, 80, 24);
    let s = screen(&app);
    assert!(s.contains("Evil␛[2J␇Name"), "{s}");
    assert!(
        !s.chars().any(|c| c.is_control() && c != '\n'),
        "no control characters reach the terminal"
    );
    insta::assert_snapshot!("control_characters_80x24", s);
}

#[test]
fn too_small_terminal_says_so() {
    let app = demo_app(60, 20);
    assert!(screen(&app).contains("Terminal too small: 60x20"));
}

#[test]
fn adding_a_likely_duplicate_warns_first_and_adds_on_confirmation() {
    let mut app = demo_app(80, 24);
    let existing = app
        .store
        .customer(app.customers.selected_id().unwrap())
        .unwrap();
    let phone = existing.phones[0].raw.clone();
    let before = app.store.counts().unwrap().customers;
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "Someone Else");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, &phone);
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("Already here?"), "{s}");
    assert_eq!(
        app.store.counts().unwrap().customers,
        before,
        "nothing written yet"
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    assert_eq!(app.store.counts().unwrap().customers, before + 1);
}

#[test]
fn merging_a_duplicate_from_the_card_moves_its_history() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let keep = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada Lovelace"))
        .unwrap();
    let drop = store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada King"))
        .unwrap();
    let mut log = |id: i64, text: &str| {
        store
            .log_interaction(&rapport::domain::InteractionDraft {
                customer_id: id,
                deal_id: None,
                kind: rapport::domain::InteractionKind::Call,
                direction: rapport::domain::Direction::In,
                occurred_at: clock(),
                operator_id: None,
                summary: text.into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
    };
    log(keep, "first call");
    log(drop, "second call");
    let mut app = app_on(store, 80, 24);
    app.open_customer(keep, "");
    press(&mut app, KeyCode::Char('M'));
    type_text(&mut app, &drop.to_string());
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("This moves 1 interaction, 0 deals"), "{s}");
    assert!(
        app.store.customer(drop).is_ok(),
        "nothing merged before confirmation"
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    assert!(app.store.customer(drop).is_err());
    assert_eq!(app.store.interactions_of(keep, 10).unwrap().len(), 2);
}

#[test]
fn long_pipeline_columns_load_page_by_page() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let customer = store
        .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme"))
        .unwrap();
    store
        .write(|w| {
            for i in 0..250 {
                w.add_deal(&rapport::domain::DealDraft {
                    customer_id: customer,
                    title: format!("Deal {i:03}"),
                    amount: rapport::domain::Money::parse("100", Currency::USD)?,
                    stage_id: None,
                    probability: None,
                    expected_close: chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
                        .map(|d| d + chrono::Duration::days(i)),
                    owner_id: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
    let mut app = app_on(store, 80, 24);
    press(&mut app, KeyCode::Char('2'));
    let lead = &app.pipeline.columns[0];
    assert_eq!(lead.totals.count, 250);
    assert_eq!(lead.totals.sum_minor, 250 * 10_000);
    assert_eq!(lead.totals.weighted_minor, 250 * 1_000, "10% of each");
    assert!(lead.deals.len() < 250, "only a page is read at first");
    assert_eq!(app.pipeline.selected().unwrap().title, "Deal 000");
    press(&mut app, KeyCode::End);
    // Jumping to the end reads the window there, not every page before it.
    let lead = &app.pipeline.columns[0];
    assert_eq!(lead.window_start + lead.deals.len(), 250);
    assert!(lead.deals.len() < 250);
    assert_eq!(app.pipeline.selected().unwrap().title, "Deal 249");
    assert!(screen(&app).contains("Deal 249"));
    press(&mut app, KeyCode::Home);
    assert_eq!(app.pipeline.selected().unwrap().title, "Deal 000");
    press(&mut app, KeyCode::PageDown);
    let selected = app.pipeline.selected().unwrap().title.clone();
    assert!(
        screen(&app).contains(&selected),
        "the selected card is on screen"
    );
}

/// Three active customers on the default cadence (90d/135d): contacted 10, 100 and
/// 200 days ago.
fn cadence_store() -> Store {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    for (name, days) in [("Fine Fox", 10), ("Quiet Quail", 100), ("Gone Goose", 200)] {
        let mut d = CustomerDraft::new(CustomerKind::Person, name);
        d.status = rapport::domain::CustomerStatus::Active;
        let id = store
            .write(|w| {
                w.backdate(clock() - chrono::Duration::days(300));
                w.add_customer(&d)
            })
            .unwrap();
        store
            .log_interaction(&rapport::domain::InteractionDraft {
                customer_id: id,
                deal_id: None,
                kind: rapport::domain::InteractionKind::Note,
                direction: rapport::domain::Direction::Out,
                occurred_at: clock() - chrono::Duration::days(days),
                operator_id: None,
                summary: "touch".into(),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
    }
    store
}

/// The style of the last-contact cell in the row naming `name`.
fn contact_cell(app: &App, name: &str) -> (String, ratatui::style::Style) {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    for y in 0..h {
        let line: String = (0..w).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(at) = line.find(name) {
            assert!(at < 40);
            let date = line.find("2026-").expect("a date in the row");
            let mark_start = date.saturating_sub(2);
            let text = line[mark_start..date + 10].to_string();
            return (text, buffer[(date as u16, y)].style());
        }
    }
    panic!("{name} is not on screen");
}

#[test]
fn customers_going_quiet_are_yellow_and_overdue_ones_red() {
    use ratatui::style::Color;
    let app = app_on(cadence_store(), 80, 24);
    let (_, fine) = contact_cell(&app, "Fine Fox");
    let (_, due) = contact_cell(&app, "Quiet Quail");
    let (_, overdue) = contact_cell(&app, "Gone Goose");
    // The first row is selected (white on blue); in touch, the cell keeps that.
    assert_eq!(fine.fg, Some(Color::White));
    assert_eq!(due.fg, Some(Color::Yellow));
    assert_eq!(overdue.fg, Some(Color::Red));
}

#[test]
fn without_colour_a_mark_says_going_quiet_or_overdue() {
    let app = app_themed(cadence_store(), 80, 24, Theme { color: false });
    assert_eq!(contact_cell(&app, "Fine Fox").0, "  2026-11-13");
    assert_eq!(contact_cell(&app, "Quiet Quail").0, "! 2026-08-15");
    assert_eq!(contact_cell(&app, "Gone Goose").0, "!!2026-05-07");
    let s = screen(&app);
    insta::assert_snapshot!("customers_no_color_cadence_80x24", s);
}

#[test]
fn importing_a_file_from_the_customer_list_shows_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("friends.vcf");
    std::fs::write(
        &file,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Import\r\nTEL:+44 7700 900999\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let mut app = demo_app(80, 24);
    let before = app.counts.customers;
    press(&mut app, KeyCode::Char('I'));
    // A path that is not there is refused beside the field.
    type_text(&mut app, "/nowhere/at/all.vcf");
    press(&mut app, KeyCode::Enter);
    let Some(rapport::tui::app::Popup::Form(form)) = &app.popup else {
        panic!("the form stays open");
    };
    assert!(
        form.fields[0]
            .error
            .as_deref()
            .unwrap()
            .contains("is not a file")
    );
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, &file.to_string_lossy());
    press(&mut app, KeyCode::Enter);
    let Some(rapport::tui::app::Popup::Report { text, .. }) = &app.popup else {
        panic!("the report shows");
    };
    assert!(text.contains("Created 1 customer\n"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
    assert_eq!(app.counts.customers, before + 1);
}

/// An agent's `e` on someone else's customer says why at once, instead of opening a
/// form whose save would be refused.
#[test]
fn an_agent_is_told_at_once_it_may_not_edit_anothers_customer() {
    let mut store = Store::open_in_memory().unwrap();
    let tester = store.sign_in("tester").unwrap();
    let mut d = CustomerDraft::new(CustomerKind::Person, "Ada Lovelace");
    d.owner_id = Some(tester.id);
    store.add_customer(&d).unwrap();
    store
        .write(|w| w.add_operator("sara", "Sara Ahmadi", rapport::domain::Role::Agent))
        .unwrap();
    let mut app = app_on(store, 80, 24);
    press(&mut app, KeyCode::Char('e'));
    assert!(app.popup.is_none(), "no form opens");
    let message = app.message.clone().unwrap();
    assert!(message.error);
    assert_eq!(
        message.text,
        "not allowed: agents change only their own records, and customer #1 is tester's (sara is agent)"
    );
    let shown = screen(&app);
    assert!(shown.contains("not allowed: agents change only"));
    assert!(
        shown.contains("(sara is agent)"),
        "the whole refusal shows at 80 columns:\n{shown}"
    );
}

/// `O` on a card gives the customer to another operator (managers and admins).
#[test]
fn a_manager_gives_a_customer_to_another_operator_from_its_card() {
    let mut store = Store::open_in_memory().unwrap();
    store.sign_in("tester").unwrap();
    store
        .add_customer(&CustomerDraft::new(CustomerKind::Person, "Ada Lovelace"))
        .unwrap();
    store
        .write(|w| {
            w.add_operator("sara", "Sara Ahmadi", rapport::domain::Role::Manager)?;
            w.add_operator("omid", "Omid Karimi", rapport::domain::Role::Agent)
        })
        .unwrap();
    let mut app = app_on(store, 80, 24);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('O'));
    assert!(screen(&app).contains("Give customer #1 to: omid, sara, tester"));
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "omid");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none(), "{}", screen(&app));
    assert_eq!(
        app.store.customer(1).unwrap().owner_login.as_deref(),
        Some("omid")
    );
    assert!(screen(&app).contains("Gave customer #1 to omid"));
}

/// The card shows what an import brings beyond names, phones and emails: title,
/// department, website, birthday, a second address, an extension, values kept as
/// written.
#[test]
fn customer_card_with_contact_details() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let mut d = CustomerDraft::new(CustomerKind::Person, "Jürgen Müller");
    d.phones =
        vec![rapport::domain::Phone::parse_labeled("work:+49 40 123450 Durchwahl 12").unwrap()];
    d.details.title = Some("Leiter Einkauf".into());
    d.details.department = Some("Einkauf".into());
    d.details.website = Some("www.hafenbau.de".into());
    d.details.birthday = Some("17.05.1970".into());
    d.details.second_address = Some("Lindenallee 5, 22301 Hamburg".into());
    d.details.kept = vec![rapport::domain::KeptValue {
        field: "phone (work)".into(),
        value: "1-800-HAFENBAU".into(),
    }];
    store.add_customer(&d).unwrap();
    let mut app = app_on(store, 80, 24);
    press(&mut app, KeyCode::Enter);
    assert!(app.customers.detail.is_some());
    insta::assert_snapshot!("customer_card_details_80x24", screen(&app));
}

#[test]
fn the_deal_form_refuses_an_amount_it_could_misread_and_saves_a_decimal_comma() {
    let mut app = demo_app(80, 24);
    let deals = |app: &App| {
        app.store
            .deals(&rapport::store::DealFilter::default())
            .unwrap()
    };
    let before = deals(&app).len();
    press(&mut app, KeyCode::Char('d'));
    type_text(&mut app, "Support plan");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "1,,000");
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    insta::assert_snapshot!("deal_form_amount_error_80x24", s);
    assert!(s.contains("two marks in a row"), "{s}");
    assert_eq!(deals(&app).len(), before, "nothing written");
    for _ in 0.."1,,000".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "1.250,50");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none(), "{}", screen(&app));
    let added = deals(&app)
        .into_iter()
        .find(|d| d.title == "Support plan")
        .expect("the deal was added");
    assert_eq!(added.amount.minor, 125_050);
}

#[test]
fn the_interaction_form_refuses_a_time_in_the_future() {
    let mut app = demo_app(80, 24);
    let id = app.customers.selected_id().unwrap();
    let before = app.store.interactions_of(id, 1000).unwrap().len();
    press(&mut app, KeyCode::Char('l'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Agreed the renewal");
    // Outcome, satisfaction, NPS, then the time.
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    for _ in 0.."now".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "+2h");
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(app.popup.is_some(), "the form stays open");
    assert!(s.contains("is in the future"), "{s}");
    assert_eq!(app.store.interactions_of(id, 1000).unwrap().len(), before);
}

/// The log form records the customer's answer to "would you recommend us?" (and
/// refuses one outside 0-10), with a summary of its own when none is typed.
#[test]
fn the_interaction_form_records_an_nps_answer() {
    let mut app = demo_app(80, 24);
    let id = app.customers.selected_id().unwrap();
    press(&mut app, KeyCode::Char('l'));
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "11");
    press(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(app.popup.is_some(), "the form stays open");
    assert!(s.contains("11 is out of range"), "{s}");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "9");
    press(&mut app, KeyCode::Enter);
    let latest = app.store.interactions_of(id, 1).unwrap().remove(0);
    assert_eq!(latest.nps, Some(9));
    assert_eq!(latest.summary, "Would recommend us: 9/10");
}

/// An answer the loader read for an older request never replaces what a newer one
/// showed: the list of 300 stays, a stale "empty list" is dropped.
#[test]
fn a_stale_load_result_never_overwrites_newer_data() {
    use rapport::store::CustomerWindow;
    use rapport::tui::loader::{Answer, Loaded, Slot};
    let mut app = demo_app(80, 24);
    let newest = app.generation(Slot::Customers);
    assert!(newest > 0);
    let before = screen(&app);
    assert!(before.contains("Customers · 300"), "{before}");
    let stale = Answer {
        slot: Slot::Customers,
        generation: newest - 1,
        result: Ok(Loaded::Customers {
            total: 0,
            start: 0,
            window: CustomerWindow::default(),
        }),
    };
    assert!(!app.apply_answer(stale), "a stale answer is dropped");
    assert_eq!(screen(&app), before);
    assert_eq!(app.customers.total, 300);
    // The newest one is shown.
    let fresh = Answer {
        slot: Slot::Customers,
        generation: newest,
        result: Ok(Loaded::Customers {
            total: 0,
            start: 0,
            window: CustomerWindow::default(),
        }),
    };
    assert!(app.apply_answer(fresh));
    assert!(
        screen(&app).contains("No customers yet"),
        "{}",
        screen(&app)
    );
}

/// The list reads a window at a time: End shows the last customers and Home the
/// first, without ever holding every row.
#[test]
fn the_customer_list_reads_a_window_around_the_view() {
    use rapport::tui::panes::customers::WINDOW;
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    store.ensure_operator("sara").unwrap();
    store
        .write(|w| {
            for i in 0..1_000 {
                let name = format!("Customer {i:04}");
                w.add_customer(&rapport::domain::CustomerDraft::new(
                    rapport::domain::CustomerKind::Person,
                    name,
                ))?;
            }
            Ok(())
        })
        .unwrap();
    let mut app = app_on(store, 80, 24);
    assert_eq!(app.customers.total, 1_000);
    assert!(app.customers.rows.len() <= WINDOW);
    press(&mut app, KeyCode::End);
    let end = screen(&app);
    assert!(end.contains("Customer 0999"), "{end}");
    assert!(app.customers.rows.len() <= WINDOW);
    // Page up from the end, row by row past the window's start: read by key.
    for _ in 0..30 {
        press(&mut app, KeyCode::PageUp);
    }
    let middle = screen(&app);
    assert!(!middle.contains("loading…"), "{middle}");
    let selected = app.customers.selected_id().unwrap();
    let name = app.store.customer(selected).unwrap().name;
    assert_eq!(
        name,
        format!("Customer {:04}", app.customers.list.selected),
        "row {} shows the customer at that position",
        app.customers.list.selected
    );
    press(&mut app, KeyCode::Home);
    assert!(screen(&app).contains("Customer 0000"));
}

/// Another process's edit of a customer on screen shows after one look at the change
/// feed, by reading that one row again, not the list.
#[test]
fn another_processs_edit_of_a_visible_customer_reads_only_that_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut other = Store::open(&path).unwrap();
    other.ensure_operator("sara").unwrap();
    let ids: Vec<i64> = (0..300)
        .map(|i| {
            other
                .add_customer(&rapport::domain::CustomerDraft::new(
                    rapport::domain::CustomerKind::Person,
                    format!("Customer {i:03}"),
                ))
                .unwrap()
        })
        .collect();
    let mut app = app_on(Store::open(&path).unwrap(), 80, 24);
    assert!(screen(&app).contains("Customer 002"));
    let read_before = app.customer_rows_read;
    assert!(read_before >= 300.min(rapport::tui::panes::customers::WINDOW));
    // Nothing changed: nothing is read.
    app.follow_other_writers();
    assert_eq!(app.customer_rows_read, read_before);
    let id = ids[2];
    let mut d = other.customer(id).unwrap().draft();
    d.notes = Some("Called back".into());
    d.status = rapport::domain::CustomerStatus::Active;
    let version = other.customer(id).unwrap().version;
    other.update_customer(id, version, &d).unwrap();
    app.follow_other_writers();
    assert_eq!(
        app.customer_rows_read,
        read_before + 1,
        "only the changed row"
    );
    let row = app.customers.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, rapport::domain::CustomerStatus::Active);
    // A new customer changes the count: the window is read again.
    other
        .add_customer(&rapport::domain::CustomerDraft::new(
            rapport::domain::CustomerKind::Person,
            "Customer 999",
        ))
        .unwrap();
    app.follow_other_writers();
    assert!(screen(&app).contains("Customers · 301"));
}

/// With a store worker, a form's save runs off the UI thread: while it waits for
/// another process's lock the form says so and keeps what was typed, keys meanwhile
/// change nothing, and a save pressed just before quitting is not lost (the worker
/// finishes its queue when the app goes).
#[test]
fn a_save_waiting_for_a_lock_says_so_and_is_not_lost_on_quit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    Store::open(&path).unwrap().ensure_operator("sara").unwrap();
    let mut app = app_on(Store::open(&path).unwrap(), 80, 24);
    let (done, answers) = std::sync::mpsc::channel();
    let worker = rapport::tui::worker::Worker::start(
        rapport::store::Location::File(path.clone()),
        app.me.clone(),
        app.store.clock(),
        move |then| {
            let _ = done.send(then);
        },
    );
    app.attach_worker(worker);
    let lock = rusqlite::Connection::open(&path).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    // The empty database's offer of demo data is declined first.
    press(&mut app, KeyCode::Esc);
    app.update(rapport::tui::action::Action::AddCustomer);
    type_text(&mut app, "Nadia Karimi");
    press(&mut app, KeyCode::Enter);
    assert!(app.working());
    let s = screen(&app);
    assert!(s.contains("saving…"), "{s}");
    assert!(s.contains("working…"), "{s}");
    // Keys while it saves change nothing, and a second Enter saves nothing twice.
    type_text(&mut app, "xyz");
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("Nadia Karimi "), "{}", screen(&app));
    assert!(!screen(&app).contains("Nadia Karimixyz"));
    assert!(
        answers.try_recv().is_err(),
        "nothing is answered while the lock is held"
    );
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        lock.execute_batch("COMMIT").unwrap();
    });
    // The operator quits at once: the app goes, its worker finishes the save first.
    drop(app);
    release.join().unwrap();
    let names: Vec<String> = Store::open(&path)
        .unwrap()
        .search_records()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Nadia Karimi"]);
}

/// A worker's answer comes back as an event and the app applies it: the form closes
/// and the new customer's card opens, read by the loader's path.
#[test]
fn a_workers_answer_closes_the_form_and_opens_the_new_card() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    Store::open(&path).unwrap().ensure_operator("sara").unwrap();
    let mut app = app_on(Store::open(&path).unwrap(), 80, 24);
    let (done, answers) = std::sync::mpsc::channel();
    let worker = rapport::tui::worker::Worker::start(
        rapport::store::Location::File(path.clone()),
        app.me.clone(),
        app.store.clock(),
        move |then| {
            let _ = done.send(then);
        },
    );
    app.attach_worker(worker);
    // The empty database's offer of demo data is declined first.
    press(&mut app, KeyCode::Esc);
    app.update(rapport::tui::action::Action::AddCustomer);
    type_text(&mut app, "Nadia Karimi");
    press(&mut app, KeyCode::Enter);
    let then = answers
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    app.job_done(then);
    assert!(!app.working());
    assert!(app.popup.is_none());
    let s = screen(&app);
    assert!(s.contains("Added customer"), "{s}");
    assert_eq!(
        app.customers
            .detail
            .as_ref()
            .map(|c| c.customer.name.as_str()),
        Some("Nadia Karimi")
    );
}

/// A card opened from the pipeline (or the follow-ups) goes back there on Esc; one
/// opened from the list goes back to the list.
#[test]
fn esc_on_a_card_returns_to_the_pane_it_was_opened_from() {
    use rapport::tui::action::Action;
    let mut app = demo_app(80, 24);
    app.update(Action::PanePipeline);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Customers);
    assert!(app.customers.detail.is_some(), "{}", screen(&app));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Pipeline, "{}", screen(&app));
    app.update(Action::PaneFollowups);
    press(&mut app, KeyCode::Enter);
    assert!(app.customers.detail.is_some(), "{}", screen(&app));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Followups, "{}", screen(&app));
    app.update(Action::PaneCustomers);
    press(&mut app, KeyCode::Enter);
    assert!(app.customers.detail.is_some());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Customers);
    assert!(app.customers.detail.is_none());
}

/// A proposed due date is selected, so typing replaces it; after a refused save the
/// refusal goes as soon as the text changes, and the field says what the new text
/// means.
#[test]
fn a_proposed_date_is_replaced_by_typing_and_a_stale_refusal_goes_once_edited() {
    use rapport::tui::action::Action;
    use rapport::tui::app::Popup;
    let mut app = demo_app(80, 24);
    app.update(Action::AddReminder);
    let s = screen(&app);
    assert!(s.contains("tomorrow 10:00"), "{s}");
    assert!(s.contains("typing replaces this"), "{s}");
    type_text(&mut app, "someday");
    press(&mut app, KeyCode::Enter);
    let due = |app: &App| match &app.popup {
        Some(Popup::Form(f)) => (
            f.fields[0].input.text().to_string(),
            f.fields[0].error.clone(),
            f.fields[0].resolved.clone(),
        ),
        _ => panic!("the form closed"),
    };
    let (text, error, _) = due(&app);
    assert_eq!(text, "someday", "typing replaced the proposal");
    assert!(error.is_some(), "someday is refused");
    app.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_text(&mut app, "fri 3pm");
    let (text, error, resolved) = due(&app);
    assert_eq!(text, "fri 3pm");
    assert_eq!(error, None, "the old refusal is gone");
    assert!(resolved.is_some_and(|r| r.contains("Fri")));
}

/// The KPI pane shows the KPIs first and their trends in a second read: trends read
/// for KPIs since replaced (another period) are dropped, and KPIs read again keep the
/// sparklines on screen until their new trends come.
#[test]
fn kpi_trends_follow_the_kpis_and_never_come_from_an_older_read() {
    use rapport::tui::loader::{Answer, Loaded, Slot};
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('4'));
    let report = app.kpis.report.clone().expect("the KPIs are read");
    assert_eq!(report.trend_periods.len(), 12, "and then their trends");
    let trends = app.generation(Slot::KpiTrends);
    // Someone changes the period: the trends asked for before are stale.
    press(&mut app, KeyCode::Char('p'));
    let week = app.kpis.report.clone().expect("the week's KPIs");
    assert_ne!(week.period, report.period);
    let stale = Answer {
        slot: Slot::KpiTrends,
        generation: trends,
        result: Ok(Loaded::Kpis(Box::new(report.clone()))),
    };
    assert!(
        !app.apply_answer(stale),
        "an older read's trends are dropped"
    );
    assert_eq!(
        app.kpis.report.as_ref().map(|r| &r.period),
        Some(&week.period)
    );
    // KPIs read again without trends keep those on screen.
    let mut plain = week.clone();
    plain.trend_periods.clear();
    plain.kpis.iter_mut().for_each(|k| k.trend.clear());
    let again = Answer {
        slot: Slot::Kpis,
        generation: app.generation(Slot::Kpis),
        result: Ok(Loaded::Kpis(Box::new(plain))),
    };
    assert!(app.apply_answer(again));
    let shown = app.kpis.report.as_ref().expect("KPIs");
    assert_eq!(shown.trend_periods, week.trend_periods);
    assert!(
        shown
            .kpis
            .iter()
            .zip(&week.kpis)
            .all(|(a, b)| a.trend == b.trend)
    );
}
