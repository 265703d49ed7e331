//! Drawing: a pure function of the app state. Nothing here writes, queries or changes
//! state. Every piece of stored text passes through `safe` before it is drawn.

mod customers;
mod followups;
mod kpis;
mod pipeline;
mod popups;
mod review;
mod search;
mod team;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use crate::domain::Interaction;
use crate::text::{count, for_terminal};
use crate::tui::action::Action;
use crate::tui::app::{App, Pane, Popup};
use crate::tui::keymap::KeyContext;

/// The smallest terminal everything fits in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Stored text made harmless for the terminal.
pub fn safe(s: &str) -> String {
    for_terminal(s).into_owned()
}

pub fn local(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

pub fn local_date(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d").to_string()
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Terminal too small: {}x{}. Rapport needs at least {MIN_WIDTH}x{MIN_HEIGHT}; enlarge the window (q quits).",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, app, tabs);
    if !app.reviewing() && !app.is_loaded(app.pane) {
        let loading = Paragraph::new("Loading…")
            .block(ratatui::widgets::Block::bordered().title(app.pane.title()));
        frame.render_widget(loading, body);
        draw_status(frame, app, status);
        return;
    }
    match (&app.review, app.pane) {
        (Some(r), _) if !r.paused => review::draw(frame, app, r, body),
        (_, Pane::Customers) => customers::draw(frame, app, body),
        (_, Pane::Pipeline) => pipeline::draw(frame, app, body),
        (_, Pane::Followups) => followups::draw(frame, app, body),
        (_, Pane::Kpis) => kpis::draw(frame, app, body),
        (_, Pane::Team) => team::draw(frame, app, body),
    }
    draw_status(frame, app, status);
    match &app.popup {
        Some(Popup::Help { scroll }) => popups::help(frame, app, *scroll),
        Some(Popup::Form(form)) => popups::form(frame, app, form),
        Some(Popup::Search(search)) => search::draw(frame, app, search),
        Some(Popup::OfferDemo) => popups::offer_demo(frame, app),
        Some(Popup::Snooze(menu)) => review::snooze(frame, app, menu),
        Some(Popup::Confirm(confirm)) => popups::confirm(frame, app, confirm),
        Some(Popup::Report {
            title,
            text,
            scroll,
            ..
        }) => popups::report(frame, app, title, text, *scroll),
        None => {}
    }
}

/// One line of a timeline: when, kind, direction, summary, outcome and satisfaction.
pub fn interaction_line(app: &App, i: &Interaction) -> Line<'static> {
    let outcome = i
        .outcome
        .as_deref()
        .map(|o| format!(" → {}", safe(o)))
        .unwrap_or_default();
    let mut score = i.satisfaction.map(|s| format!(" ★{s}")).unwrap_or_default();
    if let Some(n) = i.nps {
        score.push_str(&format!(" NPS {n}"));
    }
    Line::from(vec![
        Span::styled(
            format!("  {} ", local(i.occurred_at, app.zone)),
            app.theme.dim(),
        ),
        Span::raw(format!(
            "{:<7} {:<3} ",
            i.kind.as_str(),
            i.direction.as_str()
        )),
        Span::raw(format!("{}{outcome}{score}", safe(&i.summary))),
    ])
}

/// A customer's facts and its timeline: side by side on a wide terminal (the timeline
/// scrolled by `scroll`), else one below the other (scrolled together).
pub fn beside_or_below<'a>(
    frame: &mut Frame,
    area: Rect,
    mut facts: Vec<Line<'a>>,
    timeline: Vec<Line<'a>>,
    scroll: u16,
) {
    let wrap = Wrap { trim: false };
    if area.width >= 120 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(area);
        frame.render_widget(Paragraph::new(facts).wrap(wrap), left);
        frame.render_widget(
            Paragraph::new(timeline).wrap(wrap).scroll((scroll, 0)),
            right,
        );
    } else {
        facts.push(Line::raw(""));
        facts.extend(timeline);
        frame.render_widget(Paragraph::new(facts).wrap(wrap).scroll((scroll, 0)), area);
    }
}

/// The scroll (in rows) that shows line `target` of lines `widths` wide, wrapped at
/// `width` in `height` rows: `scroll` itself when it shows it already.
pub fn keep_in_view(
    widths: impl Iterator<Item = usize>,
    target: usize,
    width: u16,
    height: u16,
    scroll: u16,
) -> u16 {
    let width = usize::from(width.max(1));
    let rows = |w: usize| w.max(1).div_ceil(width);
    let (mut top, mut span) = (0, 1);
    for (i, w) in widths.enumerate() {
        if i == target {
            span = rows(w);
            break;
        }
        top += rows(w);
    }
    let (height, scroll) = (usize::from(height.max(1)), usize::from(scroll));
    let scroll = if top < scroll {
        top
    } else if top + span > scroll + height {
        (top + span).saturating_sub(height)
    } else {
        scroll
    };
    u16::try_from(scroll).unwrap_or(u16::MAX)
}

/// The keys bound to `action` in `ctx` (falling back to global), for hints.
pub fn key_hint(app: &App, ctx: KeyContext, action: Action) -> String {
    app.keymap
        .keys_for(ctx, action)
        .or_else(|| app.keymap.keys_for(KeyContext::Global, action))
        .unwrap_or_else(|| "?".to_string())
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let mut spans = Vec::new();
    let goto = [
        Action::PaneCustomers,
        Action::PanePipeline,
        Action::PaneFollowups,
        Action::PaneKpis,
        Action::PaneTeam,
    ];
    for (pane, action) in Pane::ALL.iter().zip(goto) {
        let key = key_hint(app, KeyContext::Global, action);
        let style = if *pane == app.pane {
            t.active_tab()
        } else {
            t.dim()
        };
        spans.push(Span::styled(format!(" {key} {} ", pane.title()), style));
    }
    let help = format!(
        "{} help  {} quit ",
        key_hint(app, KeyContext::Global, Action::Help),
        key_hint(app, KeyContext::Global, Action::Quit)
    );
    let used: usize = spans.iter().map(Span::width).sum();
    let pad = usize::from(area.width).saturating_sub(used + help.len());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(help, t.dim()));
    frame.render_widget(Line::from(spans), area);
}

/// The status bar: who and where, the counts, the last message and any pending keys.
/// The message wins the space; the counts shorten (and then go) to make room for it.
fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let c = app.counts;
    let mut note = String::new();
    if !app.pending.is_empty() {
        let keys: Vec<String> = app.pending.iter().map(ToString::to_string).collect();
        note.push_str(&format!(" {} …", keys.join(" ")));
    }
    if app.working() {
        note.push_str(" working…");
    }
    if let Some(m) = &app.message {
        note.push_str(&format!(" {}", safe(&m.text)));
    }
    let who = safe(&app.me.login);
    let candidates = [
        format!(
            " {who} · {} · {} · {} · {} ",
            safe(&app.db_label),
            count(c.customers, "customer", "customers"),
            count(c.open_deals, "open deal", "open deals"),
            count(c.open_reminders, "follow-up", "follow-ups")
        ),
        format!(
            " {who} · {} · {} · {} ",
            count(c.customers, "customer", "customers"),
            count(c.open_deals, "open deal", "open deals"),
            count(c.open_reminders, "follow-up", "follow-ups")
        ),
        format!(
            " {who} · {} cust · {} deals · {} f-ups ",
            c.customers, c.open_deals, c.open_reminders
        ),
        format!(" {who} "),
    ];
    let room = usize::from(area.width).saturating_sub(note.width());
    let left = candidates
        .iter()
        .find(|l| l.width() <= room)
        .unwrap_or(&candidates[3]);
    let style = match &app.message {
        Some(m) if m.error => t.error(),
        Some(_) => t.ok(),
        None => t.warn(),
    };
    let line = Line::from(vec![
        Span::styled(left.clone(), t.status_bar()),
        Span::styled(note, style),
    ]);
    // A message too long for one row (a refusal at 80 columns) also takes the row
    // above, over the pane's bottom border, rather than losing its end.
    if line.width() > usize::from(area.width) && area.y > 0 {
        let two = Rect::new(area.x, area.y - 1, area.width, 2);
        frame.render_widget(Clear, two);
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), two);
        return;
    }
    frame.render_widget(line, area);
}

/// `1234567` → `1,234,567`: counts in titles.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod thousands_tests {
    #[test]
    fn groups_by_three() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }
}
