//! The pipeline's health view: a line of sections (rotting, no follow-up, lost
//! reasons, funnel, forecast) and the selected one, drawn from the reports the loader
//! read (`report::health_report`, `report::forecast_report`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

use super::{column_widths, fit_text, fitted_row, footer, hint, pair, safe};
use crate::domain::Currency;
use crate::domain::pipeline_health::{CHART_GLYPHS, Value, stacked_bar};
use crate::report::{HealthDealRow, HealthReport, compact_money, left_out_text};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::health::Section;

/// Series colours of the forecast chart, beside its glyphs.
const SERIES_COLOURS: [Color; 8] = [
    Color::Cyan,
    Color::Yellow,
    Color::Green,
    Color::Magenta,
    Color::Blue,
    Color::Red,
    Color::LightCyan,
    Color::Gray,
];

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let h = &app.health;
    let ctx = KeyContext::Health;
    let mut hints = vec![pair(app, ctx, [Action::Left, Action::Right], "section")];
    match h.section {
        Section::Rotting | Section::NoFollowUp => {
            hints.push(hint(app, ctx, Action::OpenCustomer, "customer"));
        }
        Section::Lost => hints.push(hint(app, ctx, Action::CyclePeriod, "period")),
        Section::Forecast => hints.push(hint(app, ctx, Action::CycleBreakdown, "stage/operator")),
        Section::Funnel => {}
    }
    hints.push(hint(app, ctx, Action::PipelineHealth, "board"));
    let whose = h
        .report
        .as_ref()
        .map_or_else(String::new, |r| match &r.operator {
            Some(login) => format!(" {}'s deals ", safe(login)),
            None => " the team's deals ".to_string(),
        });
    let currency = h.report.as_ref().map(|r| r.currency);
    let title = match currency {
        Some(c) => format!(" Pipeline health · money in {} ", c.code()),
        None => " Pipeline health ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title(Line::styled(whose, t.dim()).right_aligned())
        .title_bottom(Span::styled(footer(hints, area.width), t.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let mut spans = Vec::new();
    for (i, s) in Section::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", t.dim()));
        }
        let style = if *s == h.section {
            t.active_tab()
        } else {
            Style::new()
        };
        spans.push(Span::styled(s.title(), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    let Some(report) = &h.report else {
        frame.render_widget(Paragraph::new("Reading the pipeline's health…"), body);
        return;
    };
    match h.section {
        Section::Rotting => rotting(frame, app, report, body),
        Section::NoFollowUp => unplanned(frame, app, report, body),
        Section::Lost => lost(frame, app, report, body),
        Section::Funnel => funnel(frame, app, report, body),
        Section::Forecast => forecast(frame, app, body),
    }
}

fn money(v: &Value, c: Currency) -> String {
    let text = compact_money(v.value_minor, c);
    if v.left_out.is_empty() {
        text
    } else {
        format!("{text}+{}", v.left_out_deals())
    }
}

fn limit(d: Option<u32>) -> String {
    d.map_or_else(|| "none".into(), |d| format!("{d} d"))
}

/// The per-stage summary above a deal list: `(header, cells per stage)`.
fn summary(
    frame: &mut Frame,
    app: &App,
    headers: &[&'static str],
    rows: Vec<Vec<String>>,
    widths: &[Constraint],
    area: Rect,
) {
    let t = app.theme;
    let header = Row::new(headers.to_vec()).style(t.header());
    let rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
    frame.render_widget(
        Table::new(rows, widths.to_vec())
            .header(header)
            .column_spacing(1),
        area,
    );
}

/// A deal list with the selected row highlighted; `first` is the first column.
fn deal_list(
    frame: &mut Frame,
    app: &App,
    deals: &[HealthDealRow],
    first: (&'static str, &dyn Fn(&HealthDealRow) -> String),
    area: Rect,
) {
    let t = app.theme;
    let wide = area.width >= 120;
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(if wide { 12 } else { 6 }),
        Constraint::Length(if wide { 14 } else { 8 }),
    ];
    if first.0 == "CLOSE" {
        widths[0] = Constraint::Length(10);
    }
    let cut = column_widths(area.width, &widths);
    let header = Row::new(vec![
        first.0, "IDLE", "DEAL", "CUSTOMER", "STAGE", "OWNER", "AMOUNT",
    ])
    .style(t.header());
    let page = usize::from(area.height.saturating_sub(1)).max(1);
    let selected = app.health.scroll;
    let top = selected.saturating_sub(page - 1);
    let rows: Vec<Row> = deals
        .iter()
        .enumerate()
        .skip(top)
        .take(page)
        .map(|(i, d)| {
            let amount = if wide {
                crate::report::amount_text(&d.deal.amount)
            } else {
                compact_money(i128::from(d.deal.amount.minor), d.deal.amount.currency)
            };
            let row = fitted_row(
                vec![
                    Line::from(first.1(d)),
                    Line::from(format!("{} d", d.idle_days)),
                    Line::from(format!("#{} {}", d.deal.id, safe(&d.deal.title))),
                    Line::from(safe(&d.deal.customer)),
                    Line::from(d.deal.stage.clone()),
                    Line::from(safe(d.deal.owner.as_deref().unwrap_or("-"))),
                    Line::from(amount),
                ],
                &cut,
            );
            if i == selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn note(frame: &mut Frame, app: &App, text: String, area: Rect) {
    frame.render_widget(
        Paragraph::new(fit_text(&text, usize::from(area.width))).style(app.theme.dim()),
        area,
    );
}

fn rotting(frame: &mut Frame, app: &App, r: &HealthReport, area: Rect) {
    let c = r.currency;
    let stages = r.stages.len() as u16;
    let [top, line, list] = Layout::vertical([
        Constraint::Length(stages + 2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let mut rows: Vec<Vec<String>> = r
        .stages
        .iter()
        .map(|s| {
            vec![
                safe(&s.name),
                limit(s.idle_limit_days),
                s.open.deals.to_string(),
                s.rotting.deals.to_string(),
                money(&s.rotting, c),
                match s.open.deals {
                    0 => "-".into(),
                    n => format!("{:.0}%", s.rotting.deals as f64 * 100.0 / n as f64),
                },
            ]
        })
        .collect();
    rows.push(vec![
        "Total".into(),
        String::new(),
        r.open.deals.to_string(),
        r.rotting.deals.to_string(),
        money(&r.rotting, c),
        String::new(),
    ]);
    summary(
        frame,
        app,
        &["STAGE", "LIMIT", "OPEN", "ROTTING", "VALUE", "SHARE"],
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(6),
        ],
        top,
    );
    let text = match left_out_text(&r.rotting.left_out) {
        Some(l) => format!("Most idle first (no change, no interaction logged). +N: {l}"),
        None => "Most idle first: no change to the deal, no interaction logged against it".into(),
    };
    note(frame, app, text, line);
    if r.rotting_deals.is_empty() {
        frame.render_widget(Paragraph::new("No deal is rotting."), list);
        return;
    }
    deal_list(
        frame,
        app,
        &r.rotting_deals,
        ("LIMIT", &|d| limit(d.idle_limit_days)),
        list,
    );
}

fn unplanned(frame: &mut Frame, app: &App, r: &HealthReport, area: Rect) {
    let c = r.currency;
    let stages = r.stages.len() as u16;
    let [top, line, list] = Layout::vertical([
        Constraint::Length(stages + 2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let mut rows: Vec<Vec<String>> = r
        .stages
        .iter()
        .map(|s| {
            vec![
                safe(&s.name),
                s.open.deals.to_string(),
                s.no_follow_up.deals.to_string(),
                money(&s.no_follow_up, c),
            ]
        })
        .collect();
    rows.push(vec![
        "Total".into(),
        r.open.deals.to_string(),
        r.no_follow_up.deals.to_string(),
        money(&r.no_follow_up, c),
    ]);
    summary(
        frame,
        app,
        &["STAGE", "OPEN", "NO FOLLOW-UP", "VALUE"],
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(7),
            Constraint::Length(12),
            Constraint::Length(10),
        ],
        top,
    );
    note(
        frame,
        app,
        "Soonest expected close first; a follow-up on the deal or its customer counts".into(),
        line,
    );
    if r.no_follow_up_deals.is_empty() {
        frame.render_widget(
            Paragraph::new("Every open deal has a follow-up planned."),
            list,
        );
        return;
    }
    deal_list(
        frame,
        app,
        &r.no_follow_up_deals,
        ("CLOSE", &|d| {
            d.deal
                .expected_close
                .map_or_else(|| "-".into(), |c| c.to_string())
        }),
        list,
    );
}

/// A bar of `part / whole` of `width` cells.
fn bar(part: i64, whole: i64, width: usize) -> String {
    if whole <= 0 {
        return String::new();
    }
    let n = ((part as f64 / whole as f64) * width as f64).round() as usize;
    "█".repeat(n.min(width))
}

fn lost(frame: &mut Frame, app: &App, r: &HealthReport, area: Rect) {
    let t = app.theme;
    let c = r.currency;
    let [head, table, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(format!(
            "Lost this {} ({} to {}): {} deals, {}",
            app.health.period.as_str(),
            r.lost_first_day,
            r.lost_last_day,
            r.lost.deals,
            money(&r.lost, c)
        )),
        head,
    );
    if r.lost_reasons.is_empty() {
        frame.render_widget(Paragraph::new("No deal was lost."), table);
        return;
    }
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(20),
    ];
    let cut = column_widths(table.width, &widths);
    let most = r
        .lost_reasons
        .iter()
        .map(|l| l.value.deals)
        .max()
        .unwrap_or(0);
    let page = usize::from(table.height.saturating_sub(1)).max(1);
    let selected = app.health.scroll;
    let top = selected.saturating_sub(page - 1);
    let rows: Vec<Row> = r
        .lost_reasons
        .iter()
        .enumerate()
        .skip(top)
        .take(page)
        .map(|(i, l)| {
            let row = fitted_row(
                vec![
                    Line::from(safe(&l.reason)),
                    Line::from(l.value.deals.to_string()),
                    Line::from(format!(
                        "{:.0}%",
                        l.value.deals as f64 * 100.0 / r.lost.deals.max(1) as f64
                    )),
                    Line::from(money(&l.value, c)),
                    Line::from(bar(l.value.deals, most, 20)),
                ],
                &cut,
            );
            if i == selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(vec!["REASON", "DEALS", "SHARE", "VALUE", ""]).style(t.header()))
            .column_spacing(1),
        table,
    );
    if let Some(text) = left_out_text(&r.lost.left_out) {
        note(frame, app, format!("+N: {text}"), foot);
    }
}

fn funnel(frame: &mut Frame, app: &App, r: &HealthReport, area: Rect) {
    let t = app.theme;
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    note(
        frame,
        app,
        "Every deal by the furthest open stage it reached; moved on: a later stage, or won".into(),
        head,
    );
    let first = r.funnel.first().map_or(0, |f| f.reached);
    let pct = |p: Option<f64>| p.map_or_else(|| "-".into(), |p| format!("{p:.0}%"));
    let wide = area.width >= 120;
    let bar_width = if wide { 40 } else { 16 };
    let rows: Vec<Row> = r
        .funnel
        .iter()
        .map(|f| {
            Row::new(vec![
                safe(&f.name),
                f.reached.to_string(),
                f.moved_on.to_string(),
                pct(f.to_next_percent),
                f.won.to_string(),
                pct(f.to_won_percent),
                bar(f.reached, first, bar_width),
            ])
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(13),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new(vec![
                "STAGE", "REACHED", "MOVED ON", "→ NEXT", "WON", "→ WON", "",
            ])
            .style(t.header()),
        )
        .column_spacing(1),
        table,
    );
}

fn forecast(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let Some(f) = &app.health.forecast else {
        frame.render_widget(Paragraph::new("Reading the forecast…"), area);
        return;
    };
    let c = f.currency;
    let table = &f.table;
    let months = table.months.len();
    // Rows for series in the table: what is left after the chart and its notes.
    let chart_rows = months as u16 + 2;
    let room = area.height.saturating_sub(chart_rows + 1);
    let shown = usize::from(room.saturating_sub(2)).min(table.series.len());
    let [head, grid, chart] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(shown as u16 + 2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let hidden = table.series.len() - shown;
    let mut text = format!(
        "Weighted by probability, by {}; {} later, {} undated not shown",
        table.by.as_str(),
        table.later_deals,
        table.undated_deals
    );
    if hidden > 0 {
        text = format!("{text}; {hidden} more rows (rapport forecast)");
    }
    if !table.left_out.is_empty() {
        let n: i64 = table.left_out.iter().map(|l| l.deals).sum();
        text = format!("{text}; {n} deals without a rate");
    }
    note(frame, app, text, head);
    let name_width = 12u16;
    let mut widths = vec![Constraint::Length(name_width)];
    widths.extend(std::iter::repeat_n(Constraint::Length(7), months));
    widths.push(Constraint::Length(7));
    let mut header = vec![table.by.as_str().to_uppercase()];
    header.extend(table.months.iter().map(|m| m.format("%b").to_string()));
    header.push("TOTAL".into());
    let colour = |i: usize| {
        if t.color {
            Style::new().fg(SERIES_COLOURS[i.min(SERIES_COLOURS.len() - 1)])
        } else {
            Style::new()
        }
    };
    let glyph = |i: usize| CHART_GLYPHS[i.min(CHART_GLYPHS.len() - 1)];
    let mut rows: Vec<Row> = table
        .series
        .iter()
        .take(shown)
        .enumerate()
        .map(|(i, s)| {
            let mut cells = vec![Line::from(vec![
                Span::styled(format!("{} ", glyph(i)), colour(i)),
                Span::raw(fit_text(&safe(&s.name), usize::from(name_width) - 2)),
            ])];
            cells.extend(
                s.months
                    .iter()
                    .map(|m| Line::from(compact_money(m.weighted_minor, c))),
            );
            cells.push(Line::from(compact_money(s.total.weighted_minor, c)));
            Row::new(cells)
        })
        .collect();
    let mut total = vec![Line::from("Total")];
    total.extend(
        table
            .totals
            .iter()
            .map(|m| Line::from(compact_money(m.weighted_minor, c))),
    );
    total.push(Line::from(compact_money(table.total.weighted_minor, c)));
    rows.push(Row::new(total).style(t.header()));
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.header()))
            .column_spacing(1),
        grid,
    );
    // The chart: a stacked bar per month, as wide as the area allows.
    let width = usize::from(chart.width.saturating_sub(9 + 8)).max(1);
    let max = table
        .totals
        .iter()
        .map(|m| m.weighted_minor)
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for (k, m) in table.months.iter().enumerate() {
        let values: Vec<i128> = table
            .series
            .iter()
            .map(|s| s.months[k].weighted_minor)
            .collect();
        let mut spans = vec![Span::raw(format!("{} ", m.format("%b %y")))];
        let mut used = 0;
        for (g, n) in stacked_bar(&values, max, width) {
            spans.push(Span::styled(
                CHART_GLYPHS[g].to_string().repeat(n),
                colour(g),
            ));
            used += n;
        }
        spans.push(Span::raw(" ".repeat(width.saturating_sub(used) + 1)));
        spans.push(Span::raw(compact_money(table.totals[k].weighted_minor, c)));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), chart);
}
