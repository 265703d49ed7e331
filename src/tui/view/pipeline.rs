use chrono::{Datelike, NaiveDate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::customers::compact;
use super::{fit_line, fit_text, footer, hint, pair, safe};
use crate::domain::{Deal, StageOutcome};
use crate::text::display_width;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::pipeline::{CLOSED_DAYS, Column};

/// Narrowest a kanban column may get.
const MIN_COLUMN: u16 = 19;

/// Stands for "·" before an expected close that has passed (the date is red too).
pub const LATE_MARK: &str = "!";

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let p = &app.pipeline;
    let ctx = KeyContext::Pipeline;
    // A closed deal is reopened, an open one moved or closed. Moving back and forth
    // is one hint, so the health view's key fits beside the rest at 80 columns.
    let mut hints = vec![pair(app, ctx, [Action::Left, Action::Right], "stage")];
    match p.selected() {
        Some(d) if d.outcome != StageOutcome::Open => {
            hints.push(hint(app, ctx, Action::Reopen, "reopen"));
        }
        _ => hints.extend([
            pair(app, ctx, [Action::StageBack, Action::StageForward], "move"),
            hint(app, ctx, Action::MarkWon, "won"),
            hint(app, ctx, Action::MarkLost, "lost"),
        ]),
    }
    hints.extend([
        hint(app, ctx, Action::Edit, "edit"),
        hint(app, ctx, Action::OpenCustomer, "customer"),
        hint(app, ctx, Action::PipelineHealth, "health"),
        hint(app, ctx, Action::Delete, "delete"),
        hint(app, ctx, Action::Assign, "owner"),
    ]);
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let fit = usize::from((inner.width / MIN_COLUMN).max(1)).min(p.columns.len().max(1));
    // Scroll the columns so the selected one is visible.
    let first = p
        .col
        .saturating_sub(fit - 1)
        .min(p.columns.len().saturating_sub(fit));
    let names =
        |cols: &[Column]| -> Vec<String> { cols.iter().map(|c| safe(&c.stage.name)).collect() };
    let before = names(&p.columns[..first.min(p.columns.len())]);
    let after = names(&p.columns[(first + fit).min(p.columns.len())..]);
    let others = p.columns.iter().any(|c| c.totals.other_currency > 0);
    let (title, off) = titles(app.currency.code(), others, &before, &after, area.width);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title(Line::styled(off, t.header()).right_aligned())
        .title_bottom(Span::styled(footer(hints, area.width), t.dim()));
    frame.render_widget(block, area);
    if p.columns.is_empty() {
        return;
    }
    let areas = Layout::horizontal(vec![Constraint::Fill(1); fit]).split(inner);
    let today = app.now().date_naive();
    for (slot, col) in (first..first + fit).enumerate() {
        draw_column(
            frame,
            app,
            &p.columns[col],
            col == p.col,
            areas[slot],
            slot + 1 < fit,
            today,
        );
    }
}

/// The board's title, and which stages are off screen on either side ("← Lead ·
/// Won, Lost →", else counted: "← 1 · 2 more stages →"), both fitting the top border.
/// When some deals are in other currencies the title says what "+N other" counts.
fn titles(
    currency: &str,
    others: bool,
    before: &[String],
    after: &[String],
    width: u16,
) -> (String, String) {
    let room = usize::from(width.saturating_sub(2));
    let side = |named: bool| {
        let left = match (before.len(), named) {
            (0, _) => String::new(),
            (_, true) => format!("← {}", before.join(", ")),
            (n, false) => format!("← {n}"),
        };
        let right = match (after.len(), named) {
            (0, _) => String::new(),
            (_, true) => format!("{} →", after.join(", ")),
            (1, false) => "1 more stage →".to_string(),
            (n, false) => format!("{n} more stages →"),
        };
        match (left.is_empty(), right.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!(" {left} "),
            (true, false) => format!(" {right} "),
            (false, false) => format!(" {left} · {right} "),
        }
    };
    let long = format!(" Pipeline · amounts in {currency} · +N other: in other currencies ");
    let short = format!(" Pipeline · amounts in {currency} ");
    let mut titles = vec![];
    if others {
        titles.push(long);
    }
    titles.push(short);
    for title in &titles {
        for named in [true, false] {
            let off = side(named);
            if display_width(title) + display_width(&off) <= room {
                return (title.clone(), off);
            }
        }
    }
    let off = side(false);
    let title = fit_text(" Pipeline ", room.saturating_sub(display_width(&off)));
    (title, off)
}

/// A card's money line: the amount and, when there is one, the day it closed or is
/// expected to close — after "!" instead of "·" when that day has passed and the deal
/// is still open. A day in another year shows its year (in a narrow column only the
/// month's). Returns the amount, the day part and whether it is late.
pub fn deal_when(d: &Deal, today: NaiveDate, width: usize) -> (String, String, bool) {
    let amount = format!(
        "{} {}",
        compact(d.amount.minor, d.amount.currency.exponent()),
        d.amount.currency.code()
    );
    let day = d.closed_on.or(d.expected_close);
    let late = d.outcome == StageOutcome::Open && d.expected_close.is_some_and(|c| c < today);
    let Some(day) = day else {
        return (amount, String::new(), false);
    };
    let seps = if late {
        [format!(" {LATE_MARK} "), format!(" {LATE_MARK}")]
    } else {
        [" · ".to_string(), " ".to_string()]
    };
    let forms: Vec<String> = if day.year() == today.year() {
        vec![day.format("%d %b").to_string()]
    } else {
        vec![
            day.format("%d %b %Y").to_string(),
            day.format("%b %Y").to_string(),
        ]
    };
    let mut candidates = Vec::new();
    for form in &forms {
        for sep in &seps {
            candidates.push(format!("{sep}{form}"));
        }
    }
    let when = candidates
        .iter()
        .find(|w| display_width(&amount) + display_width(w) <= width)
        .or(candidates.last())
        .cloned()
        .unwrap_or_default();
    (amount, when, late)
}

fn draw_column(
    frame: &mut Frame,
    app: &App,
    column: &Column,
    selected_col: bool,
    area: Rect,
    divider: bool,
    today: NaiveDate,
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
    let borders = if divider {
        Borders::RIGHT
    } else {
        Borders::NONE
    };
    let width = usize::from(Block::default().borders(borders).inner(area).width);
    let block = Block::default().borders(borders).title(Span::styled(
        fit_text(
            &format!("{} ({}){recent}", safe(&stage.name), tot.count),
            width,
        ),
        title_style,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let others = if tot.other_currency > 0 {
        format!(" +{} other", tot.other_currency)
    } else {
        String::new()
    };
    let page = usize::from(inner.height.saturating_sub(4)) / 3;
    let list = column.list;
    let count = usize::try_from(tot.count).unwrap_or(0);
    let above = if list.top > 0 {
        Line::styled(format!("↑ {} more", list.top), t.dim())
    } else {
        Line::raw("")
    };
    let mut lines = vec![
        Line::styled(
            format!("Σ {}{others}", compact(tot.sum_minor, exp)),
            t.dim(),
        ),
        Line::styled(format!("⚖ {}", compact(tot.weighted_minor, exp)), t.dim()),
        above,
    ];
    let visible = (list.top..list.top + page.max(1)).filter_map(|i| column.deal(i).map(|d| (i, d)));
    for (i, d) in visible {
        let selected = selected_col && i == list.selected;
        let style = if selected { t.selected() } else { Style::new() };
        lines.push(Line::styled(
            safe(&d.title),
            style.add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::styled(safe(&d.customer_name), style));
        let (amount, when, late) = deal_when(d, today, width);
        // Red says it too, except on the selected card (its colours are the selection's).
        let when_style = if late && !selected { t.error() } else { style };
        lines.push(Line::from(vec![
            Span::styled(amount, style),
            Span::styled(when, when_style),
        ]));
    }
    if count == 0 {
        lines.push(Line::styled("—", t.dim()));
    } else if list.top + page < count {
        lines.push(Line::styled(
            format!("↓ {} more", count - list.top - page),
            t.dim(),
        ));
    }
    let lines: Vec<Line> = lines.into_iter().map(|l| fit_line(l, width)).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_title_names_the_stages_off_screen_or_counts_them() {
        let (title, off) = titles("USD", true, &[], &names(&["Won", "Lost"]), 80);
        assert_eq!(
            title,
            " Pipeline · amounts in USD · +N other: in other currencies "
        );
        assert_eq!(off, " Won, Lost → ");
        let (_, off) = titles("USD", false, &names(&["Lead"]), &names(&["Lost"]), 80);
        assert_eq!(off, " ← Lead · Lost → ");
        // Long stage names: counted instead, and the explanation goes before the stages do.
        let long = names(&["Waiting for the signed purchase order", "Contract review"]);
        let (title, off) = titles("USD", true, &names(&["Lead"]), &long, 80);
        assert_eq!(off, " ← 1 · 2 more stages → ");
        assert!(
            display_width(&title) + display_width(&off) <= 78,
            "{title}{off}"
        );
        let (_, off) = titles("USD", false, &[], &[], 80);
        assert_eq!(off, "");
    }
}
