use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::{key_hint, local, safe};
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
    let hints = format!(
        " {} done · {} reschedule · {} edit · {} customer · {} yours/everyone's ",
        key_hint(app, KeyContext::Followups, Action::MarkDone),
        key_hint(app, KeyContext::Followups, Action::Reschedule),
        key_hint(app, KeyContext::Followups, Action::Edit),
        key_hint(app, KeyContext::Followups, Action::OpenCustomer),
        key_hint(app, KeyContext::Followups, Action::ToggleMine),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(hints, t.dim()));
    if f.items.is_empty() {
        frame.render_widget(Paragraph::new("Nothing due. Well done.").block(block), area);
        return;
    }
    let page = usize::from(area.height.saturating_sub(3));
    let wide = area.width >= 120;
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
            let mut cells = vec![
                Cell::from(Span::styled(group.title(), group_style)),
                Cell::from(local(r.effective_due(), app.zone)),
                Cell::from(safe(&r.customer_name)),
                Cell::from(safe(&r.note)),
            ];
            if wide {
                cells.push(Cell::from(
                    r.recurrence.map(Recurrence::as_text).unwrap_or_default(),
                ));
                cells.push(Cell::from(safe(r.owner_login.as_deref().unwrap_or(""))));
            }
            let row = Row::new(cells);
            if i == f.list.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let mut header = vec!["", "DUE", "CUSTOMER", "NOTE"];
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Fill(3),
    ];
    if wide {
        header.extend(["REPEATS", "OWNER"]);
        widths.extend([Constraint::Length(8), Constraint::Length(10)]);
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.header()))
        .block(block);
    frame.render_widget(table, area);
}
