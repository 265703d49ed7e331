//! The pipeline's health view (H on the board) at 80x24 and 160x48, with ratatui's
//! TestBackend over fixed demo data and a fixed clock: each section, the forecast by
//! stage and by operator, and the keys that move between them, open a deal's customer
//! and go back to the board.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::Currency;
use rapport::store::Store;
use rapport::tui::app::{App, Pane};
use rapport::tui::keymap::{KeyContext, Keymap};
use rapport::tui::panes::health::Section;
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
    let keymap = Keymap::builtin("default").unwrap();
    let mut app = App::new(
        store,
        keymap,
        chrono_tz::UTC,
        Theme { color: true },
        "sara",
        Currency::USD,
    )
    .unwrap();
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

fn key(app: &mut App, c: char) {
    press(app, KeyCode::Char(c));
}

/// The board, then its health view.
fn health_app(width: u16, height: u16) -> App {
    let mut app = demo_app(width, height);
    key(&mut app, '2');
    key(&mut app, 'H');
    assert!(app.health.shown);
    assert_eq!(app.context(), KeyContext::Health);
    app
}

/// Every row of the screen fits the terminal's width.
fn assert_rows_fit(app: &App, s: &str) {
    for line in s.lines() {
        let inner = line.trim_start_matches('"').trim_end_matches('"');
        assert!(
            rapport::text::display_width(inner) <= usize::from(app.size.0),
            "a row is wider than the screen:\n{s}"
        );
    }
}

#[test]
fn rotting_deals_at_80x24_and_160x48() {
    let app = health_app(80, 24);
    let s = screen(&app);
    assert!(
        s.contains("Rotting │ No follow-up │ Lost reasons │ Funnel │ Forecast"),
        "{s}"
    );
    assert!(s.contains("ROTTING") && s.contains("Negotiation"), "{s}");
    let report = app.health.report.as_ref().unwrap();
    assert!(report.rotting.deals > 0, "the demo has rotting deals");
    assert!(
        s.contains(&format!("#{}", report.rotting_deals[0].deal.id)),
        "the most idle deal is listed first: {s}"
    );
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_rotting_80x24", s);
    let app = health_app(160, 48);
    let s = screen(&app);
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_rotting_160x48", s);
}

#[test]
fn each_section_at_80x24() {
    let mut app = health_app(80, 24);
    key(&mut app, 'l'); // not bound in the default keymap: nothing happens
    assert_eq!(app.health.section, Section::Rotting);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.health.section, Section::NoFollowUp);
    let s = screen(&app);
    assert!(s.contains("NO FOLLOW-UP"), "{s}");
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_no_follow_up_80x24", s);
    press(&mut app, KeyCode::Right);
    let s = screen(&app);
    assert!(s.contains("REASON") && s.contains("Lost this year"), "{s}");
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_lost_reasons_80x24", s);
    // Another period for lost reasons is read again.
    key(&mut app, 'p');
    assert!(screen(&app).contains("Lost this all"));
    press(&mut app, KeyCode::Right);
    let s = screen(&app);
    assert!(s.contains("REACHED") && s.contains("MOVED ON"), "{s}");
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_funnel_80x24", s);
    press(&mut app, KeyCode::Right);
    let s = screen(&app);
    assert!(s.contains("by stage") && s.contains("Total"), "{s}");
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_forecast_stage_80x24", s);
    // Wraps around to the first section.
    press(&mut app, KeyCode::Right);
    assert_eq!(app.health.section, Section::Rotting);
}

#[test]
fn the_forecast_by_operator_at_160x48() {
    let mut app = health_app(160, 48);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.health.section, Section::Forecast);
    key(&mut app, 'b');
    let s = screen(&app);
    assert!(s.contains("by operator") && s.contains("OPERATOR"), "{s}");
    assert_rows_fit(&app, &s);
    insta::assert_snapshot!("health_forecast_operator_160x48", s);
    key(&mut app, 'b');
    assert!(screen(&app).contains("by stage"));
}

#[test]
fn enter_opens_the_deals_customer_and_h_goes_back_to_the_board() {
    let mut app = health_app(80, 24);
    press(&mut app, KeyCode::Down);
    let want = app.health.report.as_ref().unwrap().rotting_deals[1]
        .deal
        .customer_id;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Customers);
    assert_eq!(
        app.customers.detail.as_ref().map(|c| c.customer.id),
        Some(want)
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Pipeline);
    assert!(app.health.shown, "back where it was opened from");
    key(&mut app, 'H');
    assert!(!app.health.shown);
    assert_eq!(app.context(), KeyContext::Pipeline);
    assert_eq!(
        app.keymap
            .keys_for(
                KeyContext::Pipeline,
                rapport::tui::action::Action::PipelineHealth
            )
            .as_deref(),
        Some("H"),
        "the board's help lists it (and its footer, where there is room)"
    );
    key(&mut app, 'H');
    press(&mut app, KeyCode::Esc);
    assert!(!app.health.shown, "Esc goes back to the board too");
}

/// The board's bottom border (the row above the status bar).
fn board_footer(s: &str) -> &str {
    let rows: Vec<&str> = s.lines().collect();
    rows[rows.len() - 2]
}

#[test]
fn the_boards_footer_names_h_health_at_80x24() {
    let mut app = demo_app(80, 24);
    key(&mut app, '2');
    let s = screen(&app);
    let footer = board_footer(&s);
    for hint in ["←/→ stage", "</> move", "enter customer", "H health"] {
        assert!(footer.contains(hint), "{hint:?} missing: {footer}");
    }
    insta::assert_snapshot!("pipeline_board_80x24", s);
    // A closed deal picked in the won column: reopen instead of moving, H all the same.
    for _ in 0..4 {
        press(&mut app, KeyCode::Right);
    }
    assert!(
        app.pipeline
            .selected()
            .is_some_and(|d| d.outcome != rapport::domain::StageOutcome::Open)
    );
    let s = screen(&app);
    let footer = board_footer(&s);
    assert!(
        footer.contains("reopen") && footer.contains("H health"),
        "{footer}"
    );
}
