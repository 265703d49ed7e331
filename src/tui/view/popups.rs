use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{fit_line, fit_text, key_hint, safe, wrap_line};
use crate::tui::action::Action;
use crate::tui::app::{App, DEMO_CUSTOMERS};
use crate::tui::keymap::KeyContext;
use crate::tui::popups::confirm::Confirm;
use crate::tui::popups::form::Form;
use crate::tui::widgets::input::EDITING_KEYS;

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// The help overlay, generated from the active keymap: the current context's
/// bindings, then the global ones and the forms', then the editing keys of every text
/// field (fixed, not in the keymap).
pub fn help(frame: &mut Frame, app: &App, scroll: usize) {
    let t = app.theme;
    let area = centered(frame.area(), 72, frame.area().height.saturating_sub(2));
    let mut lines = Vec::new();
    for ctx in [app.pane_context(), KeyContext::Global, KeyContext::Form] {
        lines.push(Line::styled(format!("{} keys", ctx.name()), t.header()));
        for b in app.keymap.bindings(ctx) {
            let keys: Vec<String> = b.keys.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", keys.join(" ")), t.title()),
                Span::raw(b.desc.clone()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "typing keys (in forms and the search)",
        t.header(),
    ));
    for (keys, desc) in EDITING_KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<14}", keys.join(" / ")), t.title()),
            Span::raw(*desc),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Keys ", t.title()))
        .title_bottom(Span::styled(" ↑/↓ scroll · any other key closes ", t.dim()));
    frame.render_widget(Clear, area);
    let max_scroll = lines
        .len()
        .saturating_sub(usize::from(area.height.saturating_sub(2)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll) as u16, 0)),
        area,
    );
}

pub fn form(frame: &mut Frame, app: &App, form: &Form) {
    let t = app.theme;
    let label_width = 15u16;
    // Inner width 74 (76 less the borders); a field's note line has the rest after its label.
    let note_width = usize::from(74 - label_width - 1);
    // A message for the whole form, or a field's that its note line would cut short,
    // shows in full above the fields (the latter when the form has the rows to spare).
    let room = (form.fields.len() * 2 + 6) as u16 <= frame.area().height.saturating_sub(2);
    let banner = form.error.clone().or_else(|| {
        let f = form.fields.get(form.focus).filter(|_| room)?;
        f.error
            .as_ref()
            .filter(|e| safe(e).width() + 2 > note_width)
            .map(|e| format!("{}: {e}", f.label))
    });
    let height = (form.fields.len() * 2 + 4) as u16 + u16::from(banner.is_some()) * 2;
    // Leave the tab bar and the status bar (where a refused save explains itself) visible.
    let height = height.min(frame.area().height.saturating_sub(2));
    let area = centered(frame.area(), 76, height);
    let hints = format!(
        " {} next · {} save · {} cancel ",
        key_hint(app, KeyContext::Form, Action::NextField),
        key_hint(app, KeyContext::Form, Action::Submit),
        key_hint(app, KeyContext::Form, Action::Cancel)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(
                " {}{} ",
                safe(&form.title),
                if form.saving { " · saving…" } else { "" }
            ),
            t.title(),
        ))
        .title_bottom(Span::styled(hints, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let mut y = inner.y;
    if let Some(err) = &banner {
        let r = Rect::new(inner.x, y, inner.width, 2);
        frame.render_widget(
            Paragraph::new(Span::styled(safe(err), t.error())).wrap(Wrap { trim: true }),
            r,
        );
        y += 2;
    }
    let value_width = inner.width.saturating_sub(label_width + 1);
    // A form taller than the terminal scrolls so the focused field stays in view.
    let fit = usize::from((inner.y + inner.height).saturating_sub(y) / 2).max(1);
    let first = (form.focus + 1).saturating_sub(fit);
    for (i, f) in form.fields.iter().enumerate().skip(first) {
        if y + 1 >= inner.y + inner.height {
            break;
        }
        let focused = i == form.focus;
        let label_style = if focused {
            t.active_tab()
        } else {
            Style::new()
        };
        frame.render_widget(
            Span::styled(format!("{:<15}", f.label), label_style),
            Rect::new(inner.x, y, label_width, 1),
        );
        // Scroll long values so the cursor stays visible.
        let text = safe(f.input.text());
        let before: String = text.chars().take(f.input.cursor()).collect();
        let cursor_col = before.width() as u16;
        let shift = cursor_col.saturating_sub(value_width.saturating_sub(1));
        // A value cut at the field's end says so; the focused one scrolls instead.
        let shown: String = if focused {
            skip_width(&text, shift)
        } else {
            fit_text(&text, usize::from(value_width))
        };
        let value_style = if focused && f.input.selected() {
            // Selected whole: typing replaces it.
            t.selected().add_modifier(
                ratatui::style::Modifier::UNDERLINED | ratatui::style::Modifier::ITALIC,
            )
        } else if focused {
            t.selected()
        } else {
            t.dim().patch(Style::new())
        };
        let field_area = Rect::new(inner.x + label_width + 1, y, value_width, 1);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{shown:<w$}", w = usize::from(value_width)),
                value_style,
            )),
            field_area,
        );
        if focused {
            frame.set_cursor_position(Position::new(field_area.x + cursor_col - shift, y));
        }
        let note = match (&f.error, focused, &f.resolved) {
            (Some(e), _, _) => Span::styled(format!("↑ {}", safe(e)), t.error()),
            (None, _, Some(date)) => Span::styled(format!("= {date}"), t.ok()),
            (None, true, None) if f.input.selected() => {
                Span::styled("typing replaces this; ← or → edits it", t.dim())
            }
            (None, true, None) if !f.hint.is_empty() => Span::styled(f.hint, t.dim()),
            _ => Span::raw(""),
        };
        frame.render_widget(
            fit_line(Line::from(note), usize::from(value_width)),
            Rect::new(inner.x + label_width + 1, y + 1, value_width, 1),
        );
        y += 2;
    }
}

/// `text` without its first `cols` display columns.
fn skip_width(text: &str, cols: u16) -> String {
    let mut skipped = 0u16;
    text.chars()
        .skip_while(|c| {
            if skipped >= cols {
                return false;
            }
            skipped += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0) as u16;
            true
        })
        .collect()
}

/// Every key bound to `action` in popups, e.g. `enter/y`.
fn all_keys(app: &App, action: Action) -> String {
    let keys: Vec<String> = app
        .keymap
        .bindings(KeyContext::Popup)
        .iter()
        .filter(|b| b.action == action)
        .map(|b| crate::tui::keymap::keys_text(&b.keys))
        .collect();
    keys.join("/")
}

/// "Delete this?": what would go, and the keys that decide.
pub fn confirm(frame: &mut Frame, app: &App, confirm: &Confirm) {
    let t = app.theme;
    let mut text: Vec<Line> = confirm.lines.iter().map(|l| Line::raw(safe(l))).collect();
    text.push(Line::raw(""));
    text.push(Line::styled(
        format!(
            "{} delete · {} keep · {} afterwards brings it back",
            all_keys(app, Action::Submit),
            all_keys(app, Action::Cancel),
            key_hint(app, KeyContext::Global, Action::Undo)
        ),
        t.header(),
    ));
    // Long titles and notes wrap inside the 70 columns of the box.
    let rows: usize = text.iter().map(|l| l.width().max(1).div_ceil(70)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(
        frame.area(),
        72,
        height.min(frame.area().height.saturating_sub(2)),
    );
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", safe(&confirm.title)),
        t.title(),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}

pub fn offer_demo(frame: &mut Frame, app: &App) {
    let t = app.theme;
    let area = centered(frame.area(), 72, 9);
    let text = vec![
        Line::raw("This database is empty."),
        Line::raw(""),
        Line::raw(format!(
            "Load realistic demo data ({DEMO_CUSTOMERS} customers in Latin, Persian"
        )),
        Line::raw("and Cyrillic script, deals, follow-ups, two years of history)?"),
        Line::raw(""),
        Line::styled(
            format!(
                "{} load demo data · {} start empty",
                all_keys(app, Action::Submit),
                all_keys(app, Action::Cancel)
            ),
            t.header(),
        ),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Welcome to Rapport ", t.title()));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(text).block(block), area);
}

/// A job's report (an import): scrollable text.
pub fn report(frame: &mut Frame, app: &App, title: &str, text: &str, scroll: u16) {
    let t = app.theme;
    // Rows wrapped here, so the scroll counts them exactly and stops at the last.
    let width = usize::from(frame.area().width.min(78).saturating_sub(2));
    let lines: Vec<Line> = text
        .lines()
        .flat_map(|l| wrap_line(&Line::raw(safe(l)), width))
        .collect();
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .clamp(5, frame.area().height.saturating_sub(2));
    let area = centered(frame.area(), 78, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {} ", safe(title)), t.title()))
        .title_bottom(Span::styled(
            format!(" ↑/↓ scroll · {} close ", all_keys(app, Action::Submit)),
            t.dim(),
        ));
    // Not past the end: the last rows stay in sight.
    let max = lines
        .len()
        .saturating_sub(usize::from(area.height.saturating_sub(2)));
    let scroll = scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}
