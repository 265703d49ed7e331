//! Screens at 80x24 (and a large size where it is about layout), with ratatui's
//! TestBackend over fixed data and a fixed clock: the pipeline says what is off screen
//! and above or below, cut text ends with "…", follow-ups show their owner when they
//! are everyone's, footers list the keys that matter (from the keymap), a card scrolls
//! within its content, messages are never lost (the message log), and the help lists
//! the typing keys.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::*;
use rapport::store::Store;
use rapport::tui::app::{App, Pane, Popup};
use rapport::tui::keymap::Keymap;
use rapport::tui::theme::Theme;
use rapport::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn demo_store() -> Store {
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
    store
}

fn app_with(store: Store, keymap: Keymap, width: u16, height: u16, theme: Theme) -> App {
    let mut app = App::new(store, keymap, chrono_tz::UTC, theme, "sara", Currency::USD).unwrap();
    app.set_size(width, height);
    app.load_visible();
    app
}

fn app_on(store: Store, width: u16, height: u16) -> App {
    let keymap = Keymap::builtin("default").unwrap();
    app_with(store, keymap, width, height, Theme { color: true })
}

fn demo_app(width: u16, height: u16) -> App {
    app_on(demo_store(), width, height)
}

fn buffer(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

/// Row `y` of the screen as text.
fn row(app: &App, y: u16) -> String {
    let b = buffer(app);
    (0..b.area.width).map(|x| b[(x, y)].symbol()).collect()
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn press_n(app: &mut App, code: KeyCode, n: usize) {
    for _ in 0..n {
        press(app, code);
    }
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Every row of the screen is exactly as wide as the terminal (nothing spills over).
fn assert_rows_fit(app: &App) {
    let b = buffer(app);
    let text = screen(app);
    for y in 0..b.area.height {
        let cells: usize = (0..b.area.width)
            .map(|x| b[(x, y)].symbol())
            .filter(|s| !s.is_empty())
            .map(rapport::text::display_width)
            .sum();
        assert!(
            cells <= usize::from(b.area.width),
            "row {y} is {cells} cells:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// The pipeline at 80 columns

#[test]
fn the_pipeline_names_the_stages_off_screen_and_what_is_above_and_below() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.pane, Pane::Pipeline);
    let top = row(&app, 1);
    assert!(top.contains("Won, Lost →"), "{top}");
    assert!(
        top.contains("+N other: in other currencies"),
        "the Σ's '+N other' is explained: {top}"
    );
    // → reaches them; then the stages on the left are named.
    press_n(&mut app, KeyCode::Right, 5);
    let top = row(&app, 1);
    assert!(top.contains("← Lead, Qualified"), "{top}");
    assert!(!top.contains("→ ┐"), "nothing more on the right: {top}");
    // Down past the page: "↑ N more" above the cards, "↓ N more" below.
    press(&mut app, KeyCode::Left);
    press_n(&mut app, KeyCode::Down, 6);
    let s = screen(&app);
    assert!(s.contains("↑ 2 more"), "{s}");
    assert!(s.contains("↓ "), "{s}");
    assert_rows_fit(&app);
    insta::assert_snapshot!("pipeline_scrolled_80x24", s);
}

#[test]
fn the_pipeline_at_a_large_size_shows_every_stage_and_the_rows_above() {
    let mut app = demo_app(160, 48);
    press(&mut app, KeyCode::Char('2'));
    let top = row(&app, 1);
    assert!(!top.contains('→') && !top.contains('←'), "{top}");
    press_n(&mut app, KeyCode::Down, 20);
    let s = screen(&app);
    assert!(s.contains("↑ 8 more"), "{s}");
    insta::assert_snapshot!("pipeline_scrolled_160x48", s);
}

/// A deal expected to close before today is marked "!" (and red); a date in another
/// year shows it.
#[test]
fn past_expected_closes_are_marked_and_other_years_shown() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let sara = store.sign_in("sara").unwrap();
    let acme = store
        .add_customer(&CustomerDraft::new(CustomerKind::Company, "Acme Trading"))
        .unwrap();
    let lead = store.stage("lead").unwrap().id;
    for (title, close) in [
        (
            "Late renewal",
            Some(clock().date_naive() - Duration::days(3)),
        ),
        (
            "Next year",
            Some(chrono::NaiveDate::from_ymd_opt(2027, 2, 14).unwrap()),
        ),
        (
            "Last year",
            Some(chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()),
        ),
        ("Soon", Some(clock().date_naive() + Duration::days(3))),
    ] {
        store
            .add_deal(&DealDraft {
                customer_id: acme,
                title: title.into(),
                amount: Money::parse("1200", Currency::USD).unwrap(),
                stage_id: Some(lead),
                probability: None,
                expected_close: close,
                owner_id: Some(sara.id),
            })
            .unwrap();
    }
    let mut app = app_on(store, 80, 24);
    press(&mut app, KeyCode::Char('2'));
    let s = screen(&app);
    // The narrow column keeps the month and year; the late ones have "!" for "·".
    assert!(s.contains("1.2k USD ! 20 Nov"), "{s}");
    assert!(s.contains("1.2k USD · Feb 2027"), "{s}");
    assert!(s.contains("1.2k USD ! Dec 2025"), "{s}");
    assert!(s.contains("1.2k USD · 26 Nov"), "{s}");
    insta::assert_snapshot!("pipeline_dates_80x24", s);
    // Red as well, except on the selected card (the first).
    let b = buffer(&app);
    let (x, y) = find(&b, "! 20 Nov").unwrap();
    assert_eq!(b[(x + 2, y)].fg, Color::Red);
    let (x, y) = find(&b, "· 26 Nov").unwrap();
    assert_ne!(b[(x + 2, y)].fg, Color::Red);
    let (x, y) = find(&b, "! Dec 2025").unwrap();
    assert_eq!(b[(x, y)].fg, Color::White, "the selection's colours");
    press(&mut app, KeyCode::Down);
    let b = buffer(&app);
    assert_eq!(b[(x, y)].fg, Color::Red);
    // At a large size the day shows with its year.
    let mut app = app_on(app.store, 160, 48);
    press(&mut app, KeyCode::Char('2'));
    let s = screen(&app);
    assert!(s.contains("1.2k USD · 14 Feb 2027"), "{s}");
    assert!(s.contains("1.2k USD ! 01 Dec 2025"), "{s}");
}

/// Where `text` starts on screen (column, row), by cells.
fn find(b: &Buffer, text: &str) -> Option<(u16, u16)> {
    for y in 0..b.area.height {
        let cells: Vec<&str> = (0..b.area.width).map(|x| b[(x, y)].symbol()).collect();
        for x in 0..cells.len() {
            let rest: String = cells[x..].concat();
            if rest.starts_with(text) {
                return Some((x as u16, y));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Cut text

/// A person working at `company` (added too).
fn person_at(store: &mut Store, name: &str, company: &str) -> i64 {
    let company_id = store
        .add_customer(&CustomerDraft::new(CustomerKind::Company, company))
        .unwrap();
    let mut draft = CustomerDraft::new(CustomerKind::Person, name);
    draft.company_id = Some(company_id);
    store.add_customer(&draft).unwrap()
}

/// Names, companies and notes longer than their column end with "…", measured by the
/// cells they take, in Latin, Cyrillic and Persian script.
#[test]
fn cut_text_ends_with_an_ellipsis_in_every_script() {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let sara = store.sign_in("sara").unwrap();
    let mut ids = Vec::new();
    for (name, company) in [
        (
            "Константин Константинопольский-Щербацкой",
            "Общество с ограниченной ответственностью «Волга»",
        ),
        (
            "عبدالرحمان‌ نظام‌الملک طباطبایی اصفهانی",
            "شرکت بازرگانی و صنایع غذایی البرز",
        ),
        (
            "Maximilian Alexander von Hohenzollern-Sigmaringen",
            "Brightwave International Logistics",
        ),
    ] {
        ids.push(person_at(&mut store, name, company));
    }
    store
        .add_reminder(&ReminderDraft {
            customer_id: ids[1],
            deal_id: None,
            due_at: clock() + Duration::hours(1),
            note: "Confirm the delivery address and the invoice details before Friday".into(),
            recurrence: None,
            owner_id: Some(sara.id),
        })
        .unwrap();
    let mut app = app_on(store, 80, 24);
    let s = screen(&app);
    assert!(s.contains("Константин Констан… Общество с о…"), "{s}");
    assert!(s.contains("Maximilian Alexand… Brightwave I…"), "{s}");
    assert!(s.contains("عبدالرحمان\u{200c} نظام\u{200c}الم…"), "{s}");
    assert_rows_fit(&app);
    insta::assert_snapshot!("long_names_80x24", s);
    press(&mut app, KeyCode::Char('3'));
    let s = screen(&app);
    assert!(s.contains("Confirm the delivery address a…"), "{s}");
    assert!(s.contains("عبدالرحمان\u{200c} نظام\u{200c}المل…"), "{s}");
    assert!(s.contains("…"), "{s}");
    assert_rows_fit(&app);
    insta::assert_snapshot!("long_names_followups_80x24", s);
}

// ---------------------------------------------------------------------------
// Follow-ups: whose

#[test]
fn the_owner_column_shows_only_with_everyones_follow_ups() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = demo_app(w, h);
        press(&mut app, KeyCode::Char('3'));
        assert!(app.followups.mine);
        let header = row(&app, 2);
        assert!(!header.contains("OWNER"), "{header}");
        press(&mut app, KeyCode::Char('m'));
        let header = row(&app, 2);
        assert!(header.contains("OWNER"), "{w}x{h}: {header}");
        let first = row(&app, 3);
        assert!(
            ["sara", "emma", "reza"].iter().any(|o| first.contains(o)),
            "{first}"
        );
    }
}

// ---------------------------------------------------------------------------
// Footers

/// The keys that matter on each screen, in its bottom border, within 80 columns.
#[test]
fn footers_list_the_keys_that_matter_within_80_columns() {
    let mut app = demo_app(80, 24);
    let list = row(&app, 22);
    for hint in ["enter open", "a add", "e edit", "/ find", "c call"] {
        assert!(list.contains(hint), "{hint:?} missing: {list}");
    }
    press(&mut app, KeyCode::Enter);
    let card = row(&app, 22);
    for hint in [
        "c call",
        "M merge",
        "H history",
        "O owner",
        "e edit",
        "] pick",
    ] {
        assert!(card.contains(hint), "{hint:?} missing: {card}");
    }
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('3'));
    let followups = row(&app, 22);
    for hint in [
        "d done",
        "s snooze",
        "r review",
        "R reschedule",
        "e edit",
        "m everyone's",
    ] {
        assert!(followups.contains(hint), "{hint:?} missing: {followups}");
    }
    press(&mut app, KeyCode::Char('m'));
    assert!(row(&app, 22).contains("m only yours"), "{}", row(&app, 22));
    for (pane, y) in [('1', 22), ('2', 22), ('3', 22)] {
        press(&mut app, KeyCode::Char(pane));
        let r = row(&app, y);
        assert!(r.starts_with('└') && r.ends_with('┘'), "{r}");
    }
}

/// A remapped key shows in the footer as it is bound.
#[test]
fn footers_follow_the_keymap() {
    let user = Keymap::parse(
        r#"
[followups]
keymap = [
  { on = "z", run = "snooze", desc = "Snooze it" },
]
[detail]
keymap = [
  { on = "ctrl-h", run = "history", desc = "History" },
]
"#,
        "keymap.toml",
    )
    .unwrap();
    let keymap = Keymap::builtin("default").unwrap().with_overrides(user);
    let mut app = app_with(demo_store(), keymap, 80, 24, Theme { color: true });
    press(&mut app, KeyCode::Char('3'));
    let f = row(&app, 22);
    assert!(f.contains("z snooze") && !f.contains("s snooze"), "{f}");
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Enter);
    let card = row(&app, 22);
    assert!(card.contains("ctrl-h history"), "{card}");
}

// ---------------------------------------------------------------------------
// A card scrolls within its content

/// A customer with a long timeline: sixty calls, of which the card shows the 50 latest.
fn long_card_store() -> (Store, i64) {
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    let sara = store.sign_in("sara").unwrap();
    let id = person_at(&mut store, "Ada Lovelace", "Analytical Engines");
    for i in 0..60 {
        store
            .log_interaction(&InteractionDraft {
                customer_id: id,
                deal_id: None,
                kind: InteractionKind::Call,
                direction: Direction::Out,
                occurred_at: clock() - Duration::days(60 - i),
                operator_id: Some(sara.id),
                summary: format!("Call number {}", i + 1),
                outcome: None,
                satisfaction: None,
                nps: None,
            })
            .unwrap();
    }
    (store, id)
}

#[test]
fn a_card_scrolls_within_its_content_with_home_end_and_pages() {
    let (store, id) = long_card_store();
    let mut app = app_on(store, 80, 24);
    app.open_customer(id, "");
    assert!(
        screen(&app).contains("↓ "),
        "the top border says there is more"
    );
    press(&mut app, KeyCode::End);
    let end = app.customers.detail_scroll;
    let s = screen(&app);
    // The oldest call shown is the last row, just above the bottom border.
    assert!(row(&app, 21).contains("Call number 11 "), "{s}");
    assert!(s.contains("↑ "), "{s}");
    insta::assert_snapshot!("card_end_80x24", s);
    // Down at the end stays at the end: Up moves at once.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.customers.detail_scroll, end);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.customers.detail_scroll, end - 1);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.customers.detail_scroll, end - 1 - app.page());
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.customers.detail_scroll, end);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.customers.detail_scroll, 0);
    assert!(screen(&app).contains("Company  Analytical Engines"));
    // A short card does not scroll at all.
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.customers.detail_scroll, 0);
}

#[test]
fn a_wide_card_scrolls_its_timeline_to_the_end() {
    let (store, id) = long_card_store();
    let mut app = app_on(store, 160, 48);
    app.open_customer(id, "");
    press(&mut app, KeyCode::End);
    let s = screen(&app);
    assert!(row(&app, 45).contains("Call number 11 "), "{s}");
    // The facts, shorter than the screen, stay put.
    assert!(s.contains("Company  Analytical Engines"), "{s}");
    insta::assert_snapshot!("card_end_160x48", s);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.customers.detail_scroll, 0);
}

// ---------------------------------------------------------------------------
// Messages

#[test]
fn the_message_log_lists_the_sessions_messages_newest_last() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('m'));
    ctrl(&mut app, 'r');
    press(&mut app, KeyCode::Char('L'));
    assert!(matches!(app.popup, Some(Popup::Report { .. })));
    let s = screen(&app);
    assert!(s.contains("09:30:00  Showing everyone's follow-ups"), "{s}");
    let at = |text: &str| s.find(text).unwrap_or_else(|| panic!("{text:?}:\n{s}"));
    assert!(at("Showing everyone's") < at("Showing your") && at("Showing your") < at("Reloaded"));
    insta::assert_snapshot!("message_log_80x24", s);
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
}

#[test]
fn the_message_log_opens_at_the_newest_of_many() {
    let mut app = demo_app(80, 24);
    for _ in 0..60 {
        ctrl(&mut app, 'r');
    }
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('L'));
    let s = screen(&app);
    assert!(
        row(&app, 21).contains("Showing everyone's follow-ups"),
        "the newest is the last row in sight:\n{s}"
    );
    press(&mut app, KeyCode::Down);
    assert!(
        row(&app, 21).contains("Showing everyone's follow-ups"),
        "not past the end"
    );
}

/// A refusal too long for the status bar: with a popup over the row above it keeps to
/// the status row (the popup's border stays whole), ends with "…" and names the log
/// key; without one it takes two rows; the log has it whole.
#[test]
fn a_long_message_never_hides_behind_a_popup_and_the_log_has_it_whole() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "Мария Петровна");
    press_n(&mut app, KeyCode::Tab, 4);
    type_text(&mut app, "maria.petrovna.ivanova@mailserver");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.popup, Some(Popup::Form(_))), "refused");
    let whole = app.message.clone().unwrap().text;
    assert!(whole.len() > 80, "{whole}");
    let s = screen(&app);
    let status = row(&app, 23);
    assert!(status.contains("Emails: \"maria.petrovna"), "{s}");
    assert!(status.contains('…'), "{status}");
    assert!(status.trim_end().ends_with("(L: message log)"), "{status}");
    assert!(row(&app, 22).contains("tab next · enter save"), "{s}");
    insta::assert_snapshot!("long_message_over_form_80x24", s);
    // With nothing over it, the message takes the row above as well, whole.
    app.popup = None;
    let s = screen(&app);
    assert!(s.contains("(like example.com)"), "the whole message:\n{s}");
    assert!(!s.contains("message log)"), "{s}");
    // The log has it whole, as an error.
    press(&mut app, KeyCode::Char('L'));
    let s = screen(&app);
    assert!(
        s.contains("09:30:00  error: Emails: \"maria.petrovna"),
        "{s}"
    );
    assert!(s.contains("(like example.com)"), "{s}");
}

// ---------------------------------------------------------------------------
// Help

#[test]
fn the_help_lists_the_typing_keys() {
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('?'));
    press_n(&mut app, KeyCode::PageDown, 10);
    let s = screen(&app);
    for key in ["ctrl-u", "ctrl-w", "ctrl-a / home", "ctrl-e / end"] {
        assert!(s.contains(key), "{key} missing:\n{s}");
    }
    assert!(s.contains("typing keys"), "{s}");
    insta::assert_snapshot!("help_typing_80x24", s);
    // The message log is among the global keys.
    let mut app = demo_app(80, 24);
    press(&mut app, KeyCode::Char('?'));
    press_n(&mut app, KeyCode::Down, 18);
    let s = screen(&app);
    assert!(s.contains("Messages: the session's last 100"), "{s}");
}
