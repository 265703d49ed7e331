//! Drawing: a pure function of the app state. Nothing here writes, queries or changes
//! state. Every piece of stored text passes through `safe` before it is drawn.

mod customers;
mod followups;
mod health;
mod kpis;
mod pipeline;
mod popups;
mod review;
mod search;
mod team;

pub use customers::card_scroll;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Wrap};

use crate::domain::Interaction;
use crate::text::{count, display_width, fit, for_terminal};
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
        draw_status(frame, app, status, true);
        return;
    }
    match (&app.review, app.pane) {
        (Some(r), _) if !r.paused => review::draw(frame, app, r, body),
        (_, Pane::Customers) => customers::draw(frame, app, body),
        (_, Pane::Pipeline) if app.health.shown => health::draw(frame, app, body),
        (_, Pane::Pipeline) => pipeline::draw(frame, app, body),
        (_, Pane::Followups) => followups::draw(frame, app, body),
        (_, Pane::Kpis) => kpis::draw(frame, app, body),
        (_, Pane::Team) => team::draw(frame, app, body),
    }
    // The row above the status bar as the pane drew it: a popup over it leaves a long
    // message only the status row.
    let above = status.y.checked_sub(1).map(|y| row_cells(frame, y));
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
    let free_above = above.is_some_and(|cells| cells == row_cells(frame, status.y - 1));
    // Last, so nothing drawn over the screen covers a message.
    draw_status(frame, app, status, free_above);
}

/// The cells of row `y` of the frame drawn so far.
fn row_cells(frame: &mut Frame, y: u16) -> Vec<ratatui::buffer::Cell> {
    let area = frame.area();
    let buf = frame.buffer_mut();
    (area.x..area.x + area.width)
        .map(|x| buf[(x, y)].clone())
        .collect()
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

/// The keys bound to `action` in `ctx` (falling back to global), for hints.
pub fn key_hint(app: &App, ctx: KeyContext, action: Action) -> String {
    app.keymap
        .keys_for(ctx, action)
        .or_else(|| app.keymap.keys_for(KeyContext::Global, action))
        .unwrap_or_else(|| "?".to_string())
}

/// The keys bound to `action` in `ctx` (else in global), or `None` when no key is.
pub fn keys(app: &App, ctx: KeyContext, action: Action) -> Option<String> {
    app.keymap
        .keys_for(ctx, action)
        .or_else(|| app.keymap.keys_for(KeyContext::Global, action))
}

/// A hint for a footer: the keys of `action` and what they do, unless nothing is bound.
pub fn hint(app: &App, ctx: KeyContext, action: Action, what: &str) -> Option<(String, String)> {
    keys(app, ctx, action).map(|k| (k, what.to_string()))
}

/// One hint for two actions that go together ("←/→ stage", "]/[ next/previous"),
/// when both are bound; arrow keys show as arrows.
pub fn pair(
    app: &App,
    ctx: KeyContext,
    actions: [Action; 2],
    what: &str,
) -> Option<(String, String)> {
    let arrow = |k: String| match k.as_str() {
        "left" => "←".to_string(),
        "right" => "→".to_string(),
        "up" => "↑".to_string(),
        "down" => "↓".to_string(),
        _ => k,
    };
    let a = keys(app, ctx, actions[0])?;
    let b = keys(app, ctx, actions[1])?;
    Some((format!("{}/{}", arrow(a), arrow(b)), what.to_string()))
}

/// A footer for a block's bottom border `width` cells wide (corners included): the
/// hints in order of importance, as many as fit whole (one that does not fit is left
/// out, and a shorter one after it may still come). The help (`?`) lists them all.
pub fn footer(hints: impl IntoIterator<Item = Option<(String, String)>>, width: u16) -> String {
    let room = usize::from(width.saturating_sub(2));
    let mut text = String::new();
    for (keys, what) in hints.into_iter().flatten() {
        let item = format!("{keys} {what}");
        let sep = if text.is_empty() { " " } else { " · " };
        // The trailing space counts too.
        if display_width(&text) + display_width(sep) + display_width(&item) < room {
            text.push_str(sep);
            text.push_str(&item);
        }
    }
    if !text.is_empty() {
        text.push(' ');
    }
    text
}

/// The widths a `Table` gives columns of `constraints` in `width` cells (laid out from
/// the left, one cell between columns).
pub fn column_widths(width: u16, constraints: &[Constraint]) -> Vec<u16> {
    Layout::horizontal(constraints.to_vec())
        .flex(Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, width, 1))
        .iter()
        .map(|r| r.width)
        .collect()
}

/// The cells `line` takes on a terminal (see `display_width`).
pub fn line_width(line: &Line) -> usize {
    line.spans.iter().map(|s| display_width(&s.content)).sum()
}

/// `line` in at most `width` cells: whole when it fits, else cut and ending with "…"
/// in the style of the text it cuts.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line_width(&line) <= width {
        return line;
    }
    let Line {
        spans,
        style,
        alignment,
    } = line;
    let mut out = Vec::new();
    let mut room = width;
    for span in spans {
        let w = display_width(&span.content);
        if w < room {
            room -= w;
            out.push(span);
            continue;
        }
        // This span holds the cut (more follows it even when it fits exactly): its
        // "…" takes the last cell left.
        let cut = fit(&format!("{}…", span.content), room).into_owned();
        out.push(Span::styled(cut, span.style));
        break;
    }
    let mut fitted = Line::from(out).style(style);
    fitted.alignment = alignment;
    fitted
}

/// `text` cut to `width` cells with "…", as an owned string for a cell or a title.
pub fn fit_text(text: &str, width: usize) -> String {
    fit(text, width).into_owned()
}

/// A table row whose cells end with "…" where their column (`widths`, from
/// [`column_widths`]) cuts them.
pub fn fitted_row(cells: Vec<Line<'static>>, widths: &[u16]) -> Row<'static> {
    let widths = widths.iter().copied().chain(std::iter::repeat(u16::MAX));
    Row::new(
        cells
            .into_iter()
            .zip(widths)
            .map(|(line, w)| Cell::from(fit_line(line, usize::from(w)))),
    )
}

/// `line` broken into rows of at most `width` cells, at spaces where it can (inside a
/// word longer than a row); every row keeps the line's style. Drawn without wrapping,
/// the rows are exactly what a scroll position counts.
pub fn wrap_line(line: &Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line_width(line) <= width {
        return vec![line.clone()];
    }
    let width = width.max(1);
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let cell_width = |c: char| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut row: Vec<(char, Style)> = Vec::new();
    let mut used = 0;
    let flush = |row: &mut Vec<(char, Style)>, rows: &mut Vec<Vec<(char, Style)>>| {
        while row.last().is_some_and(|(c, _)| *c == ' ') {
            row.pop();
        }
        rows.push(std::mem::take(row));
    };
    let mut i = 0;
    while i < cells.len() {
        let end = (i..cells.len())
            .find(|&k| cells[k].0 == ' ')
            .unwrap_or(cells.len());
        let word = &cells[i..end];
        let w: usize = word.iter().map(|(c, _)| cell_width(*c)).sum();
        if used > 0 && used + w > width {
            flush(&mut row, &mut rows);
            used = 0;
        }
        for &(c, st) in word {
            if used > 0 && used + cell_width(c) > width {
                flush(&mut row, &mut rows);
                used = 0;
            }
            row.push((c, st));
            used += cell_width(c);
        }
        if end < cells.len() {
            if used < width {
                row.push(cells[end]);
                used += 1;
            } else {
                flush(&mut row, &mut rows);
                used = 0;
            }
        }
        i = end + 1;
    }
    if !row.is_empty() {
        flush(&mut row, &mut rows);
    }
    rows.into_iter()
        .map(|cells| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            for (c, st) in cells {
                match spans.last_mut() {
                    Some(s) if s.style == st => s.content.to_mut().push(c),
                    _ => spans.push(Span::styled(c.to_string(), st)),
                }
            }
            let mut l = Line::from(spans).style(line.style);
            l.alignment = line.alignment;
            l
        })
        .collect()
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
/// A message too long for the row also takes the row above (over the pane's bottom
/// border) when no popup covers that row (`free_above`), so it never hides behind a
/// popup nor hides one; what still does not fit ends with "…" and the key of the
/// message log, where it reads whole.
fn draw_status(frame: &mut Frame, app: &App, area: Rect, free_above: bool) {
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
    let width = usize::from(area.width);
    let room = width.saturating_sub(display_width(&note));
    let left = candidates
        .iter()
        .find(|l| display_width(l) <= room)
        .unwrap_or(&candidates[3]);
    let style = match &app.message {
        Some(m) if m.error => t.error(),
        Some(_) => t.ok(),
        None => t.warn(),
    };
    if display_width(left) + display_width(&note) <= width {
        let line = Line::from(vec![
            Span::styled(left.clone(), t.status_bar()),
            Span::styled(note, style),
        ]);
        frame.render_widget(line, area);
        return;
    }
    let log = keys(app, KeyContext::Global, Action::MessageLog)
        .map(|k| format!(" ({k}: message log)"))
        .unwrap_or_default();
    let two_rows = free_above && area.y > 0;
    let mut rows = crate::text::wrap(&format!("{left}{note}"), width, "");
    let allowed = if two_rows { 2 } else { 1 };
    if rows.len() > allowed {
        let rest = rows[allowed - 1..].join(" ");
        rows.truncate(allowed - 1);
        let mut cut = fit_text(&rest, width.saturating_sub(display_width(&log)));
        if !cut.ends_with('…') {
            cut.push('…');
        }
        rows.push(format!("{cut}{log}"));
    }
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|r| Line::from(Span::styled(r, style)))
        .collect();
    // The counts keep their own look at the start of the first row.
    if let Some(first) = lines.first_mut() {
        let text = first.spans[0].content.to_string();
        if let Some(rest) = text.strip_prefix(left.as_str()) {
            *first = Line::from(vec![
                Span::styled(left.clone(), t.status_bar()),
                Span::styled(rest.to_string(), style),
            ]);
        }
    }
    let rows = u16::try_from(lines.len()).unwrap_or(1);
    let at = Rect::new(area.x, area.y + 1 - rows, area.width, rows);
    frame.render_widget(Clear, at);
    frame.render_widget(Paragraph::new(lines), at);
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

#[cfg(test)]
mod fitting_tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn hints(items: &[(&str, &str)]) -> Vec<Option<(String, String)>> {
        items
            .iter()
            .map(|(k, w)| Some((k.to_string(), w.to_string())))
            .collect()
    }

    #[test]
    fn a_footer_keeps_whole_hints_that_fit_in_order() {
        let items = hints(&[
            ("d", "done"),
            ("s", "snooze"),
            ("enter", "customer"),
            ("c", "call"),
        ]);
        assert_eq!(
            footer(items.clone(), 80),
            " d done · s snooze · enter customer · c call "
        );
        // 30 cells less the corners: "enter customer" does not fit, "c call" still does.
        let f = footer(items, 30);
        assert_eq!(f, " d done · s snooze · c call ");
        assert!(display_width(&f) <= 28);
        assert_eq!(footer(vec![None, None], 80), "");
    }

    #[test]
    fn fit_line_cuts_the_span_that_overflows_in_its_style() {
        let red = Style::new().fg(Color::Red);
        let line = Line::from(vec![
            Span::raw("28.1k USD"),
            Span::styled(" ! 09 Nov 2026", red),
        ]);
        let cut = fit_line(line.clone(), 15);
        assert_eq!(line_width(&cut), 15);
        assert_eq!(cut.spans[1].content, " ! 09…");
        assert_eq!(cut.spans[1].style, red);
        assert_eq!(fit_line(line.clone(), 40), line);
        let cut = fit_line(Line::raw("Светлана Соловьёва"), 9);
        assert_eq!(cut.spans[0].content, "Светлана…");
        // Cut right at a span's end: the mark takes the last cell of that span.
        let two = Line::from(vec![Span::raw("abc"), Span::raw("def")]);
        assert_eq!(fit_line(two, 3).to_string(), "ab…");
    }

    #[test]
    fn wrap_line_makes_rows_within_the_width_keeping_styles() {
        let sel = Style::new().bg(Color::Blue);
        let line = Line::from(vec![
            Span::raw("  2026-11-22 10:26 call    in  "),
            Span::raw("Negotiated a volume discount with the head of purchasing"),
        ])
        .style(sel);
        let rows = wrap_line(&line, 40);
        assert!(rows.len() >= 2);
        for r in &rows {
            assert!(line_width(r) <= 40, "{r}");
            assert_eq!(r.style, sel, "the selection covers every row");
        }
        let words = |s: String| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let joined: String = rows.iter().map(|r| format!("{r} ")).collect();
        assert_eq!(words(joined), words(line.to_string()));
        assert_eq!(wrap_line(&Line::raw("short"), 40).len(), 1);
        // A word longer than a row is broken inside it.
        let rows = wrap_line(&Line::raw("abcdefghij"), 4);
        assert_eq!(
            rows.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["abcd", "efgh", "ij"]
        );
    }

    #[test]
    fn column_widths_are_the_tables() {
        let w = column_widths(
            78,
            &[
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Fill(2),
                Constraint::Fill(3),
            ],
        );
        assert_eq!(w.len(), 4);
        assert_eq!(w[0], 8);
        assert_eq!(w[1], 16);
        assert_eq!(w.iter().sum::<u16>() + 3, 78);
    }
}
