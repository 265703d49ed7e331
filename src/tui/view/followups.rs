use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

use super::{column_widths, fit_text, fitted_row, footer, hint, local, safe};
use crate::domain::Recurrence;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::followups::{GROUP_SHOWN, Group, UPCOMING_DAYS};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let f = &app.followups;
    let whose = if f.mine { "yours" } else { "everyone's" };
    let cut = if f.is_cut() {
        format!("· first {GROUP_SHOWN} of each ")
    } else {
        String::new()
    };
    let title = format!(
        " Follow-ups ({whose}) · overdue {} · today {} · next {UPCOMING_DAYS} days {} {cut}",
        f.count(Group::Overdue),
        f.count(Group::Today),
        f.count(Group::Upcoming)
    );
    let title = fit_text(&title, usize::from(area.width.saturating_sub(2)));
    let ctx = KeyContext::Followups;
    // What `m` does next: show everyone's, or only yours again.
    let toggle = if f.mine { "everyone's" } else { "only yours" };
    let hints = footer(
        [
            hint(app, ctx, Action::MarkDone, "done"),
            hint(app, ctx, Action::Snooze, "snooze"),
            hint(app, ctx, Action::Review, "review"),
            hint(app, ctx, Action::Reschedule, "reschedule"),
            hint(app, ctx, Action::Edit, "edit"),
            hint(app, ctx, Action::ToggleMine, toggle),
            hint(app, ctx, Action::OpenCustomer, "customer"),
            hint(app, ctx, Action::LogCall, "call"),
            hint(app, ctx, Action::Assign, "owner"),
            hint(app, ctx, Action::Delete, "delete"),
        ],
        area.width,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(hints, t.dim()));
    if f.items.is_empty() {
        frame.render_widget(Paragraph::new("Nothing due. Well done.").block(block), area);
        return;
    }
    let wide = area.width >= 120;
    // Whose each one is matters only when they are not all yours.
    let owner = !f.mine;
    let mut header = vec!["", "DUE", "CUSTOMER", "NOTE"];
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Fill(3),
    ];
    if wide {
        header.push("REPEATS");
        widths.push(Constraint::Length(8));
    }
    if owner {
        header.push("OWNER");
        widths.push(Constraint::Length(10));
    }
    let cells = column_widths(area.width.saturating_sub(2), &widths);
    let page = usize::from(area.height.saturating_sub(3));
    let rows: Vec<Row> = f
        .items
        .iter()
        .enumerate()
        .skip(f.list.top)
        .take(page)
        .map(|(i, (group, r))| {
            let group_style = match group {
                Group::Overdue => t.error(),
                Group::Today => t.warn(),
                Group::Upcoming => t.dim(),
            };
            let mut line = vec![
                Line::styled(group.title(), group_style),
                Line::raw(local(r.effective_due(), app.zone)),
                Line::raw(safe(&r.customer_name)),
                Line::raw(safe(&r.note)),
            ];
            if wide {
                line.push(Line::raw(
                    r.recurrence.map(Recurrence::as_text).unwrap_or_default(),
                ));
            }
            if owner {
                line.push(Line::raw(safe(r.owner_login.as_deref().unwrap_or(""))));
            }
            let row = fitted_row(line, &cells);
            if i == f.list.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.header()))
        .block(block);
    frame.render_widget(table, area);
}
