use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};

use super::customers::compact;
use super::{key_hint, safe};
use crate::domain::kpi::KpiValue;
use crate::domain::{KpiGroup, KpiStanding, KpiUnit};
use crate::report::{group_heading, sparkline};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::theme::Theme;

/// Width of a trend: one cell per period.
const TREND_WIDTH: usize = crate::domain::kpi::TREND_PERIODS;
/// The narrowest gauge worth drawing beside a KPI on its one line.
const MIN_GAUGE: usize = 12;

/// A row of the KPI list: a group's heading or a KPI (its index in the order shown).
enum Row {
    Heading(KpiGroup),
    Kpi(usize),
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let Some(report) = &app.kpis.report else {
        frame.render_widget(
            Paragraph::new("KPIs are not available.").block(Block::bordered()),
            area,
        );
        return;
    };
    // Narrow screens give the gauges more of the width than the forecast.
    let split = if area.width >= 120 {
        [Constraint::Fill(3), Constraint::Fill(2)]
    } else {
        [Constraint::Fill(2), Constraint::Fill(1)]
    };
    let [left, right] = Layout::horizontal(split).areas(area);
    let title = format!(
        " KPIs · {} {}–{} · {} period ",
        app.kpis.period.as_str(),
        report.first_day.format("%d %b"),
        report.last_day.format("%d %b %Y"),
        key_hint(app, KeyContext::Kpis, Action::CyclePeriod),
    );
    let shown = app.kpis.shown();
    let selected = shown.get(app.kpis.selected).copied();
    let whose = match &report.operator {
        Some(login) => format!("· {}'s ", safe(login)),
        None => "· the team's ".to_string(),
    };
    let inner = Block::bordered().inner(left);
    let note = left_out_note(report);
    let mut rows = Vec::new();
    for (i, k) in shown.iter().enumerate() {
        if i == 0 || shown[i - 1].group != k.group {
            rows.push(Row::Heading(k.group));
        }
        rows.push(Row::Kpi(i));
    }
    let headings = rows.len() - shown.len();
    // Two lines a KPI (its gauge below) when they fit, else one; the note about what
    // revenue leaves out takes the bottom rows when there are spare ones.
    let note_rows = note
        .as_ref()
        .map_or(0, |n| wrapped_rows(n, usize::from(inner.width)));
    let height = usize::from(inner.height);
    let two_lines = height >= shown.len() * 2 + headings;
    // Gauges mark the target and minimum; one-line rows write them `target·minimum`.
    let mut legend = if two_lines {
        vec![
            Span::styled(" ┃ target", t.ok()),
            Span::styled("  ┃ minimum ", t.error()),
        ]
    } else {
        vec![
            Span::styled(" target", t.ok()),
            Span::raw("·"),
            Span::styled("minimum ", t.error()),
        ]
    };
    legend.push(Span::styled(whose, t.dim()));
    // What the selected KPI measures, when the business defined it.
    if let Some(k) = selected
        && let Some(m) = k.measure
    {
        let filter = if k.filter.is_empty() {
            String::new()
        } else {
            format!(" · {}", safe(&k.filter.describe()))
        };
        legend.push(Span::styled(format!("· {m}{filter} "), t.dim()));
    }
    legend.push(Span::styled(
        format!(
            "· {} define ",
            key_hint(app, KeyContext::Kpis, Action::DefineKpi)
        ),
        t.dim(),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Line::from(legend));
    frame.render_widget(block, left);
    let needed = shown.len() * if two_lines { 2 } else { 1 } + headings;
    let inner = match &note {
        Some(n) if note_rows > 0 && height >= needed + note_rows => {
            below(frame, inner, n, note_rows, t.warn())
        }
        _ => inner,
    };
    // On one line a KPI shows its target and minimum as `target·minimum`; spare rows
    // under the list spell out the selected one's.
    let detail = selected.map(detail_line).filter(|_| !two_lines);
    let detail_rows = detail.as_ref().map_or(0, |d| {
        d.chars().count().div_ceil(usize::from(inner.width.max(1)))
    });
    let inner = match &detail {
        Some(text) if usize::from(inner.height) > needed + detail_rows => {
            below(frame, inner, text, detail_rows, t.dim())
        }
        _ => inner,
    };
    let width = usize::from(inner.width);
    let trends = !report.trend_periods.is_empty();
    let mut lines = Vec::new();
    let mut selected_line = 0;
    for row in &rows {
        let k = match row {
            Row::Heading(group) => {
                lines.push(Line::styled(group_heading(*group), t.header()));
                continue;
            }
            Row::Kpi(i) => {
                if *i == app.kpis.selected {
                    selected_line = lines.len();
                }
                shown[*i]
            }
        };
        let is_selected = selected.is_some_and(|s| std::ptr::eq(s, k));
        let name_style = if is_selected {
            t.selected()
        } else {
            Style::new()
        };
        let value = k
            .value
            .map_or_else(|| "no data".to_string(), |v| compact_value(v, k.unit));
        let style = t.standing(k.standing);
        let spark = if trends {
            format!("{} ", sparkline(&k.trend))
        } else {
            String::new()
        };
        if two_lines {
            let label = fit(&k.name, 20);
            let room = width.saturating_sub(20 + value.chars().count() + 1 + spark.chars().count());
            let aim = aim_text(k, room);
            let pad = width.saturating_sub(
                20 + value.chars().count() + 1 + spark.chars().count() + aim.chars().count(),
            );
            lines.push(Line::from(vec![
                Span::styled(label, name_style),
                Span::styled(value, style),
                Span::raw(" "),
                Span::styled(spark, t.dim()),
                Span::raw(" ".repeat(pad)),
                Span::styled(aim, t.dim()),
            ]));
            lines.push(gauge(k, width.saturating_sub(2), t));
        } else {
            // The target and minimum as figures first; a gauge where there is room
            // for one that can be read.
            let spark_width = if trends { TREND_WIDTH + 1 } else { 0 };
            let room = width.saturating_sub(26 + spark_width);
            let aim = short_aim(k, room);
            let bar = room.saturating_sub(aim.chars().count() + 1);
            let mut spans = vec![
                Span::styled(fit(&k.name, 18), name_style),
                Span::styled(format!("{value:>7} "), style),
                Span::styled(spark, t.dim()),
            ];
            if bar >= MIN_GAUGE {
                spans.extend(gauge(k, bar, t).spans);
                spans.push(Span::raw(" "));
            } else {
                let pad = room.saturating_sub(aim.chars().count());
                spans.push(Span::raw(" ".repeat(pad)));
            }
            spans.push(Span::styled(aim, t.dim()));
            lines.push(Line::from(spans));
        }
    }
    // Scrolled so the selected KPI (both its lines) stays in view.
    let height = usize::from(inner.height);
    let last_needed = selected_line + usize::from(two_lines);
    let offset = (last_needed + 1)
        .saturating_sub(height)
        .min(lines.len().saturating_sub(height));
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);

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
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" Forecast, weighted ({}) ", app.currency.code()),
        t.title(),
    ));
    let mut chart_area = block.inner(right);
    frame.render_widget(block, right);
    // What the forecast's amounts leave out, under the chart when there is room.
    if let Some(note) = crate::report::forecast_left_out(report) {
        let note = format!("Forecast {note}.");
        let rows = wrapped_rows(&note, usize::from(chart_area.width));
        if usize::from(chart_area.height) >= rows + 6 {
            chart_area = below(frame, chart_area, &note, rows, t.warn());
        }
    }
    let bar_width = (chart_area.width / 6).saturating_sub(1).clamp(3, 12);
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&months))
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(if t.color {
            Style::new().fg(ratatui::style::Color::Cyan)
        } else {
            Style::new()
        })
        .value_style(t.selected());
    frame.render_widget(chart, chart_area);
}

/// The rows `text` takes wrapped at word boundaries in `width` columns (as
/// `Paragraph` wraps it; a word longer than a row is cut).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut rows, mut used) = (0, 0);
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len <= width {
            used += 1 + len;
        } else {
            rows += 1;
            used = len;
            while used > width {
                rows += 1;
                used -= width;
            }
        }
    }
    rows
}

/// Draws `text` wrapped in the bottom `rows` of `area`; the rest of `area`.
fn below(frame: &mut Frame, area: Rect, text: &str, rows: usize, style: Style) -> Rect {
    let [rest, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(rows as u16)]).areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        bottom,
    );
    rest
}

/// `name` in exactly `width` columns: cut with `…`, or padded.
fn fit(name: &str, width: usize) -> String {
    let name = safe(name);
    if name.chars().count() <= width {
        return format!("{name:<width$}");
    }
    let cut: String = name.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// The selected KPI in words: its value, target, minimum and standing.
fn detail_line(k: &KpiValue) -> String {
    let value = k
        .value
        .map_or_else(|| "no data".to_string(), |v| compact_value(v, k.unit));
    let aim = match (k.target, k.minimum) {
        (Some(t), Some(m)) => format!(
            " · target {} · minimum {}",
            compact_value(t, k.unit),
            compact_value(m, k.unit)
        ),
        _ => " · no target".to_string(),
    };
    format!(
        "{}: {value}{aim} · {}",
        safe(&k.name),
        crate::report::status_label(k.standing)
    )
}

/// The target and minimum as `target·minimum` in at most `room` columns (without the
/// spaces in units when that is what fits), every KPI alike.
fn short_aim(k: &KpiValue, room: usize) -> String {
    match (k.target, k.minimum) {
        (Some(target), Some(minimum)) => {
            let aim = format!(
                "{}·{}",
                compact_value(target, k.unit),
                compact_value(minimum, k.unit)
            );
            if aim.chars().count() <= room {
                aim
            } else {
                aim.replace(' ', "")
            }
        }
        _ if room >= 9 => "no target".to_string(),
        _ => String::new(),
    }
}

/// The target and minimum in at most `room` columns, the longest form that fits.
fn aim_text(k: &KpiValue, room: usize) -> String {
    match (k.target, k.minimum) {
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
        _ if room >= 9 => "no target".to_string(),
        _ => String::new(),
    }
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
        KpiUnit::Nps => format!("{v:+.0}"),
        KpiUnit::Rate => format!("{v:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::wrapped_rows;

    #[test]
    fn notes_take_the_rows_their_words_wrap_to() {
        // "Revenue" / "excludes 2" / "deals": 16 characters would fit in two rows.
        assert_eq!(wrapped_rows("Revenue excludes 2 deals", 10), 3);
        assert_eq!(wrapped_rows("Revenue excludes 2 deals", 24), 1);
        // A word longer than a row is cut over as many as it needs.
        assert_eq!(wrapped_rows("abcdefghijklmnopqrstuvwxy", 10), 3);
        assert_eq!(wrapped_rows("", 10), 0);
    }
}
