use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::customers::compact;
use super::{key_hint, safe};
use crate::domain::StageOutcome;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::pipeline::{CLOSED_DAYS, Column};

/// Narrowest a kanban column may get.
const MIN_COLUMN: u16 = 19;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let p = &app.pipeline;
    let key = |action| key_hint(app, KeyContext::Pipeline, action);
    // A closed deal is reopened, an open one moved or closed.
    let closing = match p.selected() {
        Some(d) if d.outcome != StageOutcome::Open => format!("{} reopen", key(Action::Reopen)),
        _ => format!(
            "{} forward · {} back · {} won · {} lost",
            key(Action::StageForward),
            key(Action::StageBack),
            key(Action::MarkWon),
            key(Action::MarkLost)
        ),
    };
    let hints = format!(
        " ←/→ stage · {closing} · {} edit · {} customer ",
        key(Action::Edit),
        key(Action::OpenCustomer),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Pipeline · amounts in {} ", app.currency.code()),
            t.title(),
        ))
        .title_bottom(Span::styled(hints, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if p.columns.is_empty() {
        return;
    }
    let fit = usize::from((inner.width / MIN_COLUMN).max(1)).min(p.columns.len());
    // Scroll the columns so the selected one is visible.
    let first = p.col.saturating_sub(fit - 1).min(p.columns.len() - fit);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); fit]).split(inner);
    for (slot, col) in (first..first + fit).enumerate() {
        draw_column(
            frame,
            app,
            &p.columns[col],
            col == p.col,
            areas[slot],
            slot + 1 < fit,
        );
    }
}

fn draw_column(
    frame: &mut Frame,
    app: &App,
    column: &Column,
    selected_col: bool,
    area: Rect,
    divider: bool,
) {
    let t = app.theme;
    let stage = &column.stage;
    let tot = column.totals;
    let exp = app.currency.exponent();
    let title_style = if selected_col {
        t.active_tab()
    } else {
        t.header()
    };
    let recent = if stage.outcome == StageOutcome::Open {
        String::new()
    } else {
        format!(" {CLOSED_DAYS}d")
    };
    let block = Block::default()
        .borders(if divider {
            Borders::RIGHT
        } else {
            Borders::NONE
        })
        .title(Span::styled(
            format!("{} ({}){recent}", stage.name, tot.count),
            title_style,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let others = if tot.other_currency > 0 {
        format!(" +{} other", tot.other_currency)
    } else {
        String::new()
    };
    let mut lines = vec![
        Line::styled(
            format!("Σ {}{others}", compact(tot.sum_minor, exp)),
            t.dim(),
        ),
        Line::styled(format!("⚖ {}", compact(tot.weighted_minor, exp)), t.dim()),
    ];
    let page = usize::from(inner.height.saturating_sub(2)) / 3;
    let list = column.list;
    let visible = (list.top..list.top + page.max(1)).filter_map(|i| column.deal(i).map(|d| (i, d)));
    for (i, d) in visible {
        let style = if selected_col && i == list.selected {
            t.selected()
        } else {
            Style::new()
        };
        let when = d
            .closed_on
            .or(d.expected_close)
            .map(|d| d.format(" · %d %b").to_string())
            .unwrap_or_default();
        lines.push(Line::styled(
            safe(&d.title),
            style.add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::styled(safe(&d.customer_name), style));
        let amount = compact(d.amount.minor, d.amount.currency.exponent());
        lines.push(Line::styled(
            format!("{amount} {}{when}", d.amount.currency.code()),
            style,
        ));
    }
    let count = usize::try_from(tot.count).unwrap_or(0);
    if count == 0 {
        lines.push(Line::styled("—", t.dim()));
    } else if list.top + page < count {
        lines.push(Line::styled(
            format!("↓ {} more", count - list.top - page),
            t.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
