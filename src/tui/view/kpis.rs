use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};

use super::customers::compact;
use super::{key_hint, safe};
use crate::domain::kpi::KpiValue;
use crate::domain::{KpiStanding, KpiUnit};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let Some(report) = &app.kpis.report else {
        frame.render_widget(
            Paragraph::new("KPIs are not available.").block(Block::bordered()),
            area,
        );
        return;
    };
    let [left, right] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(area);
    let title = format!(
        " KPIs · {} {}–{} · {} period ",
        app.kpis.period.as_str(),
        report.first_day.format("%d %b"),
        report.last_day.format("%d %b %Y"),
        key_hint(app, KeyContext::Kpis, Action::CyclePeriod),
    );
    let whose = match &report.operator {
        Some(login) => format!("· {}'s ", safe(login)),
        None => "· the team's ".to_string(),
    };
    let legend = Line::from(vec![
        Span::styled(" ┃ target", t.ok()),
        Span::styled("  ┃ minimum ", t.error()),
        Span::styled(whose, t.dim()),
    ]);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(legend);
    let inner = block.inner(left);
    frame.render_widget(block, left);
    let note = left_out_note(report);
    // The note about what revenue leaves out takes the bottom rows, when there are spare ones.
    let note_rows = note.as_ref().map_or(0, |n| {
        let width = usize::from(inner.width.max(1));
        n.chars().count().div_ceil(width) as u16
    });
    let inner = if note_rows > 0
        && usize::from(inner.height) >= report.kpis.len() + usize::from(note_rows)
    {
        let [kpis, bottom] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(note_rows)]).areas(inner);
        if let Some(n) = &note {
            frame.render_widget(
                Paragraph::new(n.as_str())
                    .style(t.warn())
                    .wrap(ratatui::widgets::Wrap { trim: true }),
                bottom,
            );
        }
        kpis
    } else {
        inner
    };
    let mut lines = Vec::new();
    let two_lines = usize::from(inner.height) >= report.kpis.len() * 2;
    for k in &report.kpis {
        let value = k
            .value
            .map_or_else(|| "no data".to_string(), |v| compact_value(v, k.unit));
        let room = usize::from(inner.width).saturating_sub(20 + value.chars().count() + 2);
        let aim = match (k.target, k.minimum) {
            (Some(target), Some(minimum)) => {
                let (target, minimum) = (
                    compact_value(target, k.unit),
                    compact_value(minimum, k.unit),
                );
                [
                    format!("target {target} · min {minimum}"),
                    format!("{target} · min {minimum}"),
                    format!("{target}·{minimum}"),
                ]
                .into_iter()
                .find(|a| a.chars().count() <= room)
                .unwrap_or_default()
            }
            _ => "no target".to_string(),
        };
        let style = t.standing(k.standing);
        let bar_width = usize::from(inner.width).saturating_sub(if two_lines { 2 } else { 30 });
        if two_lines {
            let label = format!("{:<20}", k.name);
            let pad = usize::from(inner.width).saturating_sub(
                label.chars().count() + value.chars().count() + aim.chars().count(),
            );
            lines.push(Line::from(vec![
                Span::raw(label),
                Span::styled(value, style),
                Span::raw(" ".repeat(pad)),
                Span::styled(aim, t.dim()),
            ]));
            lines.push(gauge(k, bar_width, t));
        } else {
            let mut spans = vec![
                Span::raw(format!("{:<18}", k.name)),
                Span::styled(format!("{value:>10} "), style),
            ];
            spans.extend(gauge(k, bar_width, t).spans);
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let months: Vec<Bar> = report
        .forecast
        .iter()
        .map(|m| {
            let whole = m.weighted_minor / 10_i128.pow(u32::from(app.currency.exponent()));
            Bar::default()
                .value(u64::try_from(whole.max(0)).unwrap_or(u64::MAX))
                .label(Line::from(m.month.format("%b").to_string()))
                .text_value(match whole {
                    w if w >= 1_000_000 => format!("{}M", w / 1_000_000),
                    w if w >= 1_000 => format!("{}k", w / 1_000),
                    w => w.to_string(),
                })
        })
        .collect();
    let bar_width = (right.width.saturating_sub(2) / 6)
        .saturating_sub(1)
        .clamp(3, 12);
    let chart = BarChart::default()
        .block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" Forecast, weighted ({}) ", app.currency.code()),
            t.title(),
        )))
        .data(BarGroup::default().bars(&months))
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(if t.color {
            Style::new().fg(ratatui::style::Color::Cyan)
        } else {
            Style::new()
        })
        .value_style(t.selected());
    frame.render_widget(chart, right);
}

/// A bar `width` cells wide: filled up to the value, with the target and minimum marked.
fn gauge(k: &KpiValue, width: usize, t: Theme) -> Line<'static> {
    let width = width.max(10);
    let top = [k.target, k.minimum, k.value]
        .into_iter()
        .flatten()
        .fold(0.0_f64, f64::max)
        * 1.15;
    let pos = |v: f64| {
        if top > 0.0 {
            ((v / top) * width as f64).round() as usize
        } else {
            0
        }
        .min(width - 1)
    };
    let filled = k.value.map_or(0, |v| {
        if top > 0.0 {
            ((v / top) * width as f64).round() as usize
        } else {
            0
        }
    });
    // A total over all time has no target: no marks.
    let (target, minimum) = (
        k.target.map_or(usize::MAX, pos),
        k.minimum.map_or(usize::MAX, pos),
    );
    let fill_style = t.standing(k.standing);
    let spans = (0..width)
        .map(|i| {
            if i == target {
                Span::styled("┃", t.ok())
            } else if i == minimum {
                Span::styled("┃", t.error())
            } else if i < filled {
                Span::styled(if t.color { "█" } else { "#" }, fill_style)
            } else {
                Span::styled("·", t.dim())
            }
        })
        .collect::<Vec<_>>();
    let mut line = Line::from(spans);
    if k.standing == Some(KpiStanding::BelowMinimum) && !t.color {
        line.spans.push(Span::raw(" !"));
    }
    line
}

/// What the money figures leave out, for the pane: "Revenue excludes 1 deal in EUR
/// (12,000.00); no exchange rate".
fn left_out_note(report: &crate::report::KpiReport) -> Option<String> {
    crate::report::revenue_left_out(report).map(|n| format!("Revenue {n}"))
}

/// A KPI value short enough for a gauge label (money in whole units: 12.3k).
pub fn compact_value(v: f64, unit: KpiUnit) -> String {
    match unit {
        KpiUnit::Money => compact(v.trunc() as i128, 0),
        KpiUnit::Count => format!("{v:.0}"),
        KpiUnit::Percent => format!("{v:.0}%"),
        KpiUnit::Days => format!("{v:.1} d"),
        KpiUnit::Score => format!("{v:.1}"),
    }
}
