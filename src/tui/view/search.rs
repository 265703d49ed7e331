use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table};

use super::{column_widths, fitted_row, key_hint, local_date, safe};
use crate::search::MatchField;
use crate::text::fold_digits;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::lookup::{IndexState, LookupPopup, LookupRow};
use crate::tui::theme::Theme;

/// The quick-lookup popup: the query, where the index stands, and the ranked matches
/// with the matched characters highlighted.
pub fn draw(frame: &mut Frame, app: &App, search: &LookupPopup) {
    let t = app.theme;
    // Over the pane: the tab bar and the status bar stay visible.
    let full = frame.area();
    let area = Rect::new(
        full.x,
        full.y + 1,
        full.width,
        full.height.saturating_sub(2),
    );
    let hints = format!(
        " {} open · {} log a call · {} close ",
        key_hint(app, KeyContext::Search, Action::Open),
        key_hint(app, KeyContext::Search, Action::LogCall),
        key_hint(app, KeyContext::Search, Action::Cancel),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            " Find a customer: name, company, phone, email or tag ",
            t.title(),
        ))
        .title_bottom(Span::styled(hints, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [query_row, status_row, list_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);

    let text = safe(search.input.text());
    let prompt = "› ";
    frame.render_widget(
        Line::from(vec![
            Span::styled(prompt, t.header()),
            Span::raw(text.clone()),
        ]),
        query_row,
    );
    let before: String = text.chars().take(search.input.cursor()).collect();
    let col = unicode_width::UnicodeWidthStr::width(before.as_str()) as u16
        + prompt.chars().count() as u16;
    frame.set_cursor_position(Position::new(
        query_row.x + col.min(query_row.width.saturating_sub(1)),
        query_row.y,
    ));

    let status = match (&app.index, search.took) {
        (IndexState::Indexing, _) => Span::styled(
            "indexing… (you can type; results come when it is ready)",
            t.warn(),
        ),
        (IndexState::Failed(e), _) => {
            Span::styled(format!("search unavailable: {}", safe(e)), t.error())
        }
        (IndexState::Unavailable, _) => Span::styled("search needs a database file", t.error()),
        (IndexState::Ready { customers, .. }, _) if search.input.text().trim().is_empty() => {
            Span::styled(
                format!(
                    "{} · type a few letters or digits",
                    crate::text::count(*customers, "customer", "customers")
                ),
                t.dim(),
            )
        }
        (IndexState::Ready { .. }, _) if search.waiting() => Span::styled("searching…", t.dim()),
        (IndexState::Ready { .. }, Some(took)) if search.rows.is_empty() => Span::styled(
            format!(
                "no match ({:.1} ms) · {} adds a new caller",
                took.as_secs_f64() * 1e3,
                key_hint(app, KeyContext::Search, Action::NewCaller)
            ),
            t.warn(),
        ),
        (IndexState::Ready { .. }, Some(took)) => {
            let n = search.rows.len();
            let plural = if n == 1 { "" } else { "es" };
            Span::styled(
                format!("{n} match{plural} ({:.1} ms)", took.as_secs_f64() * 1e3),
                t.dim(),
            )
        }
        (IndexState::Ready { .. }, None) => Span::raw(""),
    };
    frame.render_widget(Line::from(status), status_row);

    let wide = list_area.width >= 110;
    let mut header = vec!["NAME", "COMPANY / MATCH", "PHONE", "CONTACTED", "DUE"];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(18),
        Constraint::Length(10),
        Constraint::Length(3),
    ];
    if wide {
        header.push("EMAIL");
        widths.push(Constraint::Fill(2));
    }
    let cells = column_widths(list_area.width, &widths);
    let page = usize::from(list_area.height.saturating_sub(1));
    let rows: Vec<Row> = search
        .rows
        .iter()
        .enumerate()
        .skip(search.list.top)
        .take(page)
        .map(|(i, row)| {
            let r = fitted_row(result_cells(app, row, wide, t), &cells);
            if i == search.list.selected {
                r.style(t.selected())
            } else {
                r
            }
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(t.header())),
        list_area,
    );
    if search.rows.is_empty() && list_area.height > 2 {
        let tip =
            "Tip: digits find phones (the last 4 are enough); ё = е, ی = ي; typos are forgiven.";
        let r = Rect::new(list_area.x, list_area.y + 2, list_area.width, 1);
        frame.render_widget(Paragraph::new(Span::styled(tip, t.dim())), r);
    }
}

fn result_cells(app: &App, row: &LookupRow, wide: bool, t: Theme) -> Vec<Line<'static>> {
    let c = &row.customer;
    let hit = &row.hit;
    let name = if hit.field == MatchField::Name {
        highlight(&hit.text, &hit.positions, t)
    } else {
        Line::raw(safe(&c.name))
    };
    let middle = match hit.field {
        MatchField::Company => highlight(&hit.text, &hit.positions, t),
        MatchField::Email => prefixed("✉ ", highlight(&hit.text, &hit.positions, t)),
        MatchField::Tag => prefixed("# ", highlight(&hit.text, &hit.positions, t)),
        _ => Line::raw(safe(c.company_name.as_deref().unwrap_or(""))),
    };
    let phone = match (hit.field, c.main_phone.as_deref()) {
        // The number as it was typed, with the matched digits marked.
        (MatchField::Phone, Some(raw)) if fold_digits(raw) == hit.text => {
            highlight_digits(raw, &hit.positions, t)
        }
        (MatchField::Phone, _) => highlight(&hit.text, &hit.positions, t),
        (_, raw) => Line::raw(safe(raw.unwrap_or(""))),
    };
    let due = if c.open_reminders > 0 {
        Line::styled(c.open_reminders.to_string(), t.warn())
    } else {
        Line::raw("")
    };
    let mut cells = vec![
        name,
        middle,
        phone,
        Line::raw(
            c.last_contact
                .map(|l| local_date(l, app.zone))
                .unwrap_or_else(|| "-".into()),
        ),
        due,
    ];
    if wide {
        cells.push(Line::raw(safe(c.main_email.as_deref().unwrap_or(""))));
    }
    cells
}

fn prefixed(prefix: &'static str, mut line: Line<'static>) -> Line<'static> {
    line.spans.insert(0, Span::raw(prefix));
    line
}

/// A phone number as typed, with the digits whose ordinals are in `positions` marked.
fn highlight_digits(raw: &str, positions: &[usize], t: Theme) -> Line<'static> {
    let mut ordinal = 0;
    let spans: Vec<Span> = safe(raw)
        .chars()
        .map(|c| {
            let marked = crate::text::fold::ascii_digit(c).is_some() && {
                ordinal += 1;
                positions.contains(&(ordinal - 1))
            };
            Span::styled(
                c.to_string(),
                if marked { mark_style(t) } else { Style::new() },
            )
        })
        .collect();
    Line::from(spans)
}

fn mark_style(t: Theme) -> Style {
    if t.color {
        Style::new()
            .fg(ratatui::style::Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    } else {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
}

/// `text` with the characters at `positions` emphasised.
fn highlight(text: &str, positions: &[usize], t: Theme) -> Line<'static> {
    let mark = mark_style(t);
    let spans: Vec<Span> = safe(text)
        .chars()
        .enumerate()
        .map(|(i, c)| {
            Span::styled(
                c.to_string(),
                if positions.contains(&i) {
                    mark
                } else {
                    Style::new()
                },
            )
        })
        .collect();
    Line::from(spans)
}
