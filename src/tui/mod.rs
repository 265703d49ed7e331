//! The full-screen app: one event loop over panes for customers, pipeline,
//! follow-ups and KPIs.
//!
//! Key → (keymap) → `Action` → `App::update` → state (and store) → `view::draw(&app)`.

pub mod action;
pub mod app;
pub mod import_job;
pub mod keymap;
pub mod list;
pub mod lookup;
pub mod panes;
pub mod popups;
pub mod review;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod zone;

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{self, Event};
use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};

use crate::domain::Currency;
use crate::store::Store;
use crate::{Error, Result};
use app::App;
use keymap::{Keymap, user_keymap_path};
use terminal::{TerminalGuard, Tui};

/// How long the loop sleeps waiting for input; when idle it only wakes this often.
const TICK: Duration = Duration::from_secs(1);
/// How often the loop checks for search results it is waiting for.
const BACKGROUND_POLL: Duration = Duration::from_millis(5);

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `default`, `vim`, or a keymap file.
    pub keymap: Option<String>,
    /// Currency KPIs and pipeline totals are reported in.
    pub currency: Option<String>,
    /// Open straight into the daily review: `Some(true)` for the operator's own
    /// follow-ups, `Some(false)` for everyone's.
    pub review: Option<bool>,
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
    if let Some(mine) = options.review {
        app.start_review(mine);
    }
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    app.set_size(size.width, size.height);
    event_loop(&mut guard.terminal, &mut app)
}

fn event_loop(terminal: &mut Tui, app: &mut App) -> Result<()> {
    // For the terminal-restore test: panic once the first frame is on screen.
    let panic_for_test = std::env::var_os("RAPPORT_PANIC_AFTER_FIRST_FRAME").is_some();
    let mut dirty = true;
    let mut shown_minute = 0;
    loop {
        if dirty {
            draw(terminal, app)?;
            // The first frame is on screen before the pane's data is read.
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
        if event::poll(wait)? {
            // Drain everything queued, then draw once.
            loop {
                match event::read()? {
                    Event::Key(key) => app.handle_key(key),
                    Event::Paste(text) => app.handle_paste(&text),
                    Event::Resize(w, h) => app.set_size(w, h),
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            dirty = true;
        } else {
            // Idle: redraw only when another process wrote, or when the minute turns
            // (due times become overdue).
            let minute = app.now_utc().timestamp() / 60;
            dirty = app.follow_other_writers() || minute != shown_minute;
            shown_minute = minute;
        }
        dirty |= app.poll_background();
    }
}

/// One frame, wrapped in synchronized output so a slow link never shows half of it.
fn draw(terminal: &mut Tui, app: &App) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::draw(frame, app))?;
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}
