//! The Team pane: a row per operator (interactions, follow-ups, deals, revenue, win
//! rate, cycle, satisfaction), each figure with a quota coloured by where it stands,
//! and the selected operator's quotas underneath.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::customers::compact;
use super::kpis::compact_value;
use super::{column_widths, fit_text, key_hint, safe};
use crate::domain::team::OperatorPerformance;
use crate::report::status_label;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let Some(report) = &app.team.report else {
        frame.render_widget(
            Paragraph::new("Team performance is not available.").block(Block::bordered()),
            area,
        );
        return;
    };
    let title = format!(
        " Team · {} {}–{} · {} period · money in {} ",
        app.team.period.as_str(),
        report.first_day.format("%d %b"),
        report.last_day.format("%d %b %Y"),
        key_hint(app, KeyContext::Team, Action::CyclePeriod),
        report.currency.code(),
    );
    let mut whose = match &report.operator {
        Some(login) => format!(" only {} (agents see their own) ", safe(login)),
        None => format!(" {} operators ", report.operators.len()),
    };
    let other: i64 = report.operators.iter().map(|o| o.other_currency_won).sum();
    if other > 0 {
        whose.push_str(&format!(
            "· {other} won in other currencies: in WON, not REVENUE "
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(whose, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let selected = report.operators.get(app.team.selected);
    let quota_rows = selected.map_or(1, |p| p.quotas.len().max(1)) as u16 + 1;
    let [table_area, quota_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(quota_rows.min(8))]).areas(inner);
    draw_table(frame, app, &report.operators, table_area);
    draw_quotas(frame, app, selected, quota_area);
}

/// The style of a figure held to `kpi`'s quota: coloured by its standing, plain without one.
fn held(app: &App, p: &OperatorPerformance, kpi: &str) -> Style {
    p.quota(kpi)
        .map_or_else(Style::new, |q| app.theme.standing(q.standing))
}

fn draw_table(frame: &mut Frame, app: &App, operators: &[OperatorPerformance], area: Rect) {
    let t = app.theme;
    let wide = area.width >= 120;
    let cur = app.team.report.as_ref().map(|r| r.currency);
    let exponent = cur.map_or(2, |c| c.exponent());
    let pct = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.0}%"));
    let page = usize::from(area.height.saturating_sub(1)).max(1);
    let top = app.team.selected.saturating_sub(page - 1);
    // The operator column is what is left beside the figures (the first of the widths).
    let login_width = usize::from(
        column_widths(area.width, &table_widths(wide))
            .first()
            .copied()
            .unwrap_or(0),
    );
    let rows: Vec<Row> = operators
        .iter()
        .enumerate()
        .skip(top)
        .take(page)
        .map(|(i, p)| {
            let mut cells = vec![Cell::from(fit_text(&safe(&p.login), login_width))];
            if wide {
                cells.push(Cell::from(p.role.as_str()));
                cells.extend(
                    p.interactions
                        .iter()
                        .map(|(_, n)| Cell::from(n.to_string())),
                );
                cells.push(Cell::from(p.followups_due.to_string()));
                cells.push(Cell::from(p.followups_done.to_string()));
            } else {
                cells.push(Cell::from(p.interactions_total.to_string()));
            }
            cells.extend([
                Cell::from(pct(p.followups_on_time_percent)).style(held(
                    app,
                    p,
                    "followups_on_time",
                )),
                Cell::from(p.followups_overdue.to_string()).style(held(
                    app,
                    p,
                    "overdue_followups",
                )),
                Cell::from(p.deals_won.to_string()).style(held(app, p, "deals_won")),
                Cell::from(p.deals_lost.to_string()),
                Cell::from(compact(p.revenue_minor, exponent)).style(held(app, p, "revenue_won")),
                Cell::from(pct(p.win_rate)).style(held(app, p, "win_rate")),
                Cell::from(
                    p.avg_cycle_days
                        .map_or_else(|| "-".into(), |d| format!("{d:.0} d")),
                )
                .style(held(app, p, "avg_cycle_days")),
                Cell::from(
                    p.avg_satisfaction
                        .map_or_else(|| "-".into(), |s| format!("{s:.1}")),
                )
                .style(held(app, p, "avg_satisfaction")),
            ]);
            if wide {
                let worst = p.worst_standing();
                let label = if p.quotas.is_empty() {
                    "-"
                } else {
                    status_label(worst)
                };
                cells.push(Cell::from(label).style(t.standing(worst)));
            }
            let row = Row::new(cells);
            if i == app.team.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let mut header = vec!["OPERATOR"];
    if wide {
        header.extend([
            "ROLE", "CALLS", "EMAILS", "MEET", "NOTES", "SMS", "DUE", "DONE",
        ]);
    } else {
        header.push("ACTS");
    }
    header.extend([
        "ON TIME", "OVERDUE", "WON", "LOST", "REVENUE", "WIN", "CYCLE", "CSAT",
    ]);
    if wide {
        header.push("QUOTAS");
    }
    if operators.is_empty() {
        frame.render_widget(Paragraph::new("No operators yet."), area);
        return;
    }
    let table = Table::new(rows, table_widths(wide)).header(Row::new(header).style(t.header()));
    frame.render_widget(table, area);
}

/// The team table's columns: the operator, then the figures.
fn table_widths(wide: bool) -> Vec<Constraint> {
    let mut widths = vec![Constraint::Fill(1)];
    if wide {
        widths.extend([Constraint::Length(7)]);
        widths.extend([Constraint::Length(6); 7]);
    } else {
        widths.push(Constraint::Length(5));
    }
    widths.extend([
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(4),
    ]);
    if wide {
        widths.push(Constraint::Length(13));
    }
    widths
}

fn draw_quotas(frame: &mut Frame, app: &App, selected: Option<&OperatorPerformance>, area: Rect) {
    let t = app.theme;
    let Some(p) = selected else { return };
    let mut lines = vec![Line::styled(
        format!("Quotas of {}", safe(&p.login)),
        t.header(),
    )];
    if p.quotas.is_empty() {
        lines.push(Line::styled(
            "  none (rapport team quota LOGIN KPI --target N --minimum N)",
            t.dim(),
        ));
    }
    for q in &p.quotas {
        let value = q
            .value
            .map_or_else(|| "no data".to_string(), |v| compact_value(v, q.unit));
        lines.push(Line::from(vec![
            Span::raw(format!("  {:<20}", q.name)),
            Span::styled(format!("{value:>8}"), t.standing(q.standing)),
            Span::styled(
                format!(
                    "  target {} · min {} · {}",
                    compact_value(q.target, q.unit),
                    compact_value(q.minimum, q.unit),
                    status_label(q.standing)
                ),
                t.dim(),
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
