//! The full-screen app: one event loop over panes for customers, pipeline,
//! follow-ups and KPIs.
//!
//! Key → (keymap) → `Action` → `App::update` → state (and store) → `view::draw(&app)`.

pub mod action;
pub mod app;
mod corrections;
pub mod import_job;
pub mod keymap;
mod kpis_keys;
pub mod list;
pub mod loader;
pub mod lookup;
pub mod messages;
pub mod panes;
pub mod popups;
pub mod review;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod worker;
pub mod zone;

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{self, Event};
use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};

use chrono::NaiveTime;

use crate::domain::{Currency, Period};
use crate::store::Store;
use crate::{Error, Result};
use app::App;
use keymap::{Keymap, user_keymap_path};
use loader::Loader;
use terminal::{TerminalGuard, Tui};
use worker::Worker;

/// How long the loop sleeps waiting for input; when idle it only wakes this often.
const TICK: Duration = Duration::from_secs(1);
/// How often the loop checks for search results it is waiting for.
const BACKGROUND_POLL: Duration = Duration::from_millis(5);

#[derive(Debug, Clone)]
pub struct Options {
    /// `default`, `vim`, or a keymap file.
    pub keymap: Option<String>,
    /// Currency KPIs and pipeline totals are reported in.
    pub currency: Option<String>,
    /// Open straight into the daily review: `Some(true)` for the operator's own
    /// follow-ups, `Some(false)` for everyone's.
    pub review: Option<bool>,
    /// The KPI pane's first period [default: the month].
    pub period: Option<Period>,
    /// The time of day a date typed without one means.
    pub default_time: NaiveTime,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            keymap: None,
            currency: None,
            review: None,
            period: None,
            default_time: crate::domain::when::DEFAULT_TIME,
        }
    }
}

/// Checks what `run` would refuse in `options` (the keymap, the currency) without
/// touching the terminal or a database: a bad setting is reported before anything
/// else happens.
pub fn check_options(options: &Options) -> Result<()> {
    Keymap::load(options.keymap.as_deref(), user_keymap_path().as_deref())
        .map_err(|e| Error::msg(e.to_string()))?;
    Currency::from_code(options.currency.as_deref().unwrap_or("USD"))?;
    Ok(())
}

/// Opens the app on `store` and runs it until the operator quits.
/// `login` is the operator signed in on `store`.
pub fn run(store: Store, login: &str, options: &Options) -> Result<()> {
    // Everything that can fail on bad configuration fails before the screen changes.
    let keymap = Keymap::load(options.keymap.as_deref(), user_keymap_path().as_deref())
        .map_err(|e| Error::msg(e.to_string()))?;
    let currency = Currency::from_code(options.currency.as_deref().unwrap_or("USD"))?;
    let mut app = App::new(
        store,
        keymap,
        zone::local_zone(),
        theme::Theme::from_env(),
        login,
        currency,
    )?;
    app.default_time = options.default_time;
    if let Some(period) = options.period {
        app.kpis.period = period;
    }
    // One channel for everything the loop reacts to: keys (from a reader thread),
    // pane data (from the loader thread), the store worker's answers, and the tick of
    // its timeout.
    let (events, inbox) = mpsc::channel::<AppEvent>();
    if let Some(db) = app.store.location().cloned() {
        let to_app = events.clone();
        app.attach_loader(Loader::start(db.clone(), move |answer| {
            let _ = to_app.send(AppEvent::Loaded(answer));
        }));
        let to_app = events.clone();
        let (me, clock) = (app.me.clone(), app.store.clock());
        app.attach_worker(Worker::start(db, me, clock, move |then| {
            let _ = to_app.send(AppEvent::Done(then));
        }));
    }
    if let Some(mine) = options.review {
        app.start_review(mine);
    }
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    app.set_size(size.width, size.height);
    spawn_input_reader(events);
    let result = event_loop(&mut guard.terminal, &mut app, &inbox);
    drop(guard);
    if app.working() {
        // Saves asked for just before quitting land before the process ends.
        eprintln!("rapport: finishing the changes asked for before quitting…");
    }
    drop(app);
    result
}

/// What the event loop reacts to.
enum AppEvent {
    Input(Event),
    /// The terminal could not be read (it went away).
    InputFailed(io::Error),
    Loaded(loader::Answer),
    /// The store worker finished a job: what the app does with its result.
    Done(worker::Then),
}

/// Reads the terminal on its own thread, so a key is taken the moment it is typed
/// whatever else the app is doing.
fn spawn_input_reader(events: mpsc::Sender<AppEvent>) {
    let _ = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let event = match event::read() {
                    Ok(e) => AppEvent::Input(e),
                    Err(e) => AppEvent::InputFailed(e),
                };
                let failed = matches!(event, AppEvent::InputFailed(_));
                if events.send(event).is_err() || failed {
                    return;
                }
            }
        });
}

fn event_loop(terminal: &mut Tui, app: &mut App, inbox: &mpsc::Receiver<AppEvent>) -> Result<()> {
    // For the terminal-restore test: panic once the first frame is on screen.
    let panic_for_test = std::env::var_os("RAPPORT_PANIC_AFTER_FIRST_FRAME").is_some();
    let mut dirty = true;
    let mut shown_minute = 0;
    loop {
        if dirty {
            // The first frame is on screen before the pane's data is asked for.
            draw(terminal, app)?;
            if app.load_visible() {
                draw(terminal, app)?;
            }
            if panic_for_test {
                panic!("RAPPORT_PANIC_AFTER_FIRST_FRAME is set: panicking on purpose");
            }
        }
        if app.quit {
            return Ok(());
        }
        // While the search worker owes an answer, look for it every few milliseconds.
        let wait = if app.awaiting_background() {
            BACKGROUND_POLL
        } else {
            TICK
        };
        dirty = false;
        match inbox.recv_timeout(wait) {
            Ok(first) => {
                // Take everything queued, then draw once.
                let mut next = Some(first);
                while let Some(event) = next {
                    dirty |= handle(app, event)?;
                    next = if app.quit {
                        None
                    } else {
                        inbox.try_recv().ok()
                    };
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Idle: look again when another process wrote, or when the minute
                // turns (due times become overdue).
                let minute = app.now_utc().timestamp() / 60;
                app.follow_other_writers();
                dirty = minute != shown_minute;
                shown_minute = minute;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
        dirty |= app.poll_background();
    }
}

/// Applies one event; `true` when the screen must change.
fn handle(app: &mut App, event: AppEvent) -> Result<bool> {
    match event {
        AppEvent::Input(Event::Key(key)) => app.handle_key(key),
        AppEvent::Input(Event::Paste(text)) => app.handle_paste(&text),
        AppEvent::Input(Event::Resize(w, h)) => app.set_size(w, h),
        AppEvent::Input(_) => return Ok(false),
        AppEvent::InputFailed(e) => return Err(e.into()),
        AppEvent::Loaded(answer) => return Ok(app.apply_answer(answer)),
        AppEvent::Done(then) => app.job_done(then),
    }
    Ok(true)
}

/// One frame, wrapped in synchronized output so a slow link never shows half of it.
fn draw(terminal: &mut Tui, app: &App) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::draw(frame, app))?;
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}
