//! The daily review: one follow-up with its customer and latest interactions, the
//! keys for each decision, and the summary at the end. Also the snooze menu.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::popups::centered;
use super::{beside_or_below, interaction_line, key_hint, safe};
use crate::domain::{ContactStatus, Recurrence, Reminder, StageOutcome};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::popups::snooze::SnoozeMenu;
use crate::tui::review::{Current, Review};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, review: &Review, area: Rect) {
    let t = app.theme;
    let whose = if review.mine { "yours" } else { "everyone's" };
    let (at, total) = review.progress();
    let quiet_step = review
        .current
        .as_ref()
        .is_some_and(|c| c.reminder.is_none());
    let title = if review.finished() {
        format!(" Review ({whose}) · finished ")
    } else if quiet_step {
        format!(" Review ({whose}) · {at} of {total} · going quiet ")
    } else {
        format!(" Review ({whose}) · {at} of {total} ")
    };
    let hints = if review.finished() {
        format!(
            " {} close · {} back to the last one ",
            key_hint(app, KeyContext::Review, Action::Back),
            key_hint(app, KeyContext::Review, Action::Previous),
        )
    } else if quiet_step {
        let k = |a| key_hint(app, KeyContext::Review, a);
        format!(
            " {} log a contact · {} plan a follow-up · {} skip · {} open · {} end ",
            k(Action::LogOutcome),
            k(Action::Reschedule),
            k(Action::Skip),
            k(Action::OpenCustomer),
            k(Action::Back),
        )
    } else {
        let k = |a| key_hint(app, KeyContext::Review, a);
        format!(
            " {} done · {} log outcome · {} snooze · {} reschedule · {} skip · {} open · {} end ",
            k(Action::MarkDone),
            k(Action::LogOutcome),
            k(Action::Snooze),
            k(Action::Reschedule),
            k(Action::Skip),
            k(Action::OpenCustomer),
            k(Action::Back),
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(hints, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(current) = &review.current else {
        frame.render_widget(Paragraph::new(summary_lines(t, review)), inner);
        return;
    };
    let (facts, timeline) = step_lines(app, review, current);
    beside_or_below(frame, inner, facts, timeline, 0);
}

/// "3 days", "5 hours", "20 minutes": how long ago (or ahead) `t` is.
fn span_words(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let d = (to - from).abs();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if d.num_days() >= 1 {
        plural(d.num_days(), "day")
    } else if d.num_hours() >= 1 {
        plural(d.num_hours(), "hour")
    } else {
        plural(d.num_minutes().max(1), "minute")
    }
}

/// The follow-up and its customer, and the customer's latest interactions.
fn step_lines<'a>(
    app: &App,
    review: &Review,
    current: &'a Current,
) -> (Vec<Line<'a>>, Vec<Line<'a>>) {
    let t = app.theme;
    let now = app.now_utc();
    let c = &current.card.customer;
    let label = |l: &str| Span::styled(format!("{l:<10}"), t.dim());
    let mut lines = match &current.reminder {
        Some(r) => followup_lines(app, r),
        None => vec![Line::styled(
            "Going quiet: no follow-up planned, and longer without contact than wanted",
            t.header(),
        )],
    };
    // Stay in touch: shown when the customer is past its ideal interval.
    if let Some(due) = &current.card.contact {
        let status = due.status(now);
        if status != ContactStatus::Fine {
            lines.push(Line::from(vec![
                label("In touch"),
                Span::styled(due.since_text(now), t.contact(Some(status))),
                Span::styled(format!(" · {}", due.cadence_text()), t.dim()),
            ]));
        }
    }
    if let Some(outcome) = review.outcome() {
        lines.push(Line::from(vec![
            label("Decided"),
            Span::styled(outcome.label(), t.ok()),
        ]));
    }
    lines.push(Line::raw(""));
    let mut who = vec![Span::styled(
        format!("#{} {}", c.id, safe(&c.name)),
        t.title(),
    )];
    if let Some(company) = &c.company_name {
        who.push(Span::raw(format!(" · {}", safe(company))));
    }
    who.push(Span::raw(format!(" · {}", c.status)));
    if let Some(owner) = &c.owner_login {
        who.push(Span::styled(format!(" · owner {}", safe(owner)), t.dim()));
    }
    lines.push(Line::from(who));
    let reach: Vec<String> = c
        .phones
        .iter()
        .take(2)
        .map(|p| safe(&p.to_string()))
        .chain(c.emails.iter().take(1).map(|e| safe(e.as_str())))
        .collect();
    if !reach.is_empty() {
        lines.push(Line::from(vec![
            label("Contact"),
            Span::raw(reach.join(" · ")),
        ]));
    }
    if !c.tags.is_empty() {
        lines.push(Line::from(vec![
            label("Tags"),
            Span::raw(safe(&c.tags.join(", "))),
        ]));
    }
    let open: Vec<String> = current
        .card
        .deals
        .iter()
        .filter(|d| d.outcome == StageOutcome::Open)
        .map(|d| format!("{} {} ({})", safe(&d.title), d.amount, d.stage_key))
        .collect();
    if !open.is_empty() {
        let more = open.len().saturating_sub(2);
        let mut text = open.iter().take(2).cloned().collect::<Vec<_>>().join(" · ");
        if more > 0 {
            text.push_str(&format!(" · +{more}"));
        }
        lines.push(Line::from(vec![label("Deals"), Span::raw(text)]));
    }
    let others = current
        .card
        .reminders
        .iter()
        .filter(|o| current.reminder.as_ref().is_none_or(|r| o.id != r.id))
        .count();
    if others > 0 {
        lines.push(Line::from(vec![
            label("Also open"),
            Span::raw(format!(
                "{others} other follow-up{}",
                if others == 1 { "" } else { "s" }
            )),
        ]));
    }
    let mut timeline = vec![Line::styled("Last interactions", t.header())];
    if current.card.interactions.is_empty() {
        timeline.push(Line::styled("  none yet", t.dim()));
    }
    timeline.extend(
        current
            .card
            .interactions
            .iter()
            .map(|i| interaction_line(app, i)),
    );
    (lines, timeline)
}

/// The follow-up: its number, due time (how overdue), recurrence and note.
fn followup_lines(app: &App, r: &Reminder) -> Vec<Line<'static>> {
    let t = app.theme;
    let now = app.now_utc();
    let label = |l: &str| Span::styled(format!("{l:<10}"), t.dim());
    let due = r.effective_due();
    let when = if due < now {
        Span::styled(format!("overdue by {}", span_words(due, now)), t.error())
    } else {
        Span::styled(format!("due in {}", span_words(now, due)), t.warn())
    };
    let mut due_line = vec![
        label("Follow-up"),
        Span::raw(format!(
            "#{} · {} · ",
            r.id,
            due.with_timezone(&app.zone).format("%a %-d %b %Y %H:%M")
        )),
        when,
    ];
    if let Some(rule) = r.recurrence {
        due_line.push(Span::raw(format!(
            " · repeats {}",
            Recurrence::as_text(rule)
        )));
    }
    if r.snoozed_until.is_some() {
        due_line.push(Span::styled(" · snoozed", t.dim()));
    }
    vec![
        Line::from(due_line),
        Line::from(vec![label("Note"), Span::styled(safe(&r.note), t.header())]),
    ]
}

fn summary_lines(t: Theme, review: &Review) -> Vec<Line<'static>> {
    let tally = review.tally();
    if review.steps.is_empty() {
        return vec![
            Line::raw(""),
            Line::styled(
                "  Nothing is due and no customer is going quiet. Well done.",
                t.ok(),
            ),
        ];
    }
    let (followups, quiet) = review.counts();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut what = plural(followups, "follow-up", "follow-ups");
    if quiet > 0 {
        what.push_str(&format!(
            " and {} going quiet",
            plural(quiet, "customer", "customers")
        ));
    }
    let mut lines = vec![
        Line::raw(""),
        Line::styled(format!("  Reviewed {what}"), t.header()),
    ];
    for (n, what) in [
        (tally.done, "done"),
        (tally.logged, "outcome logged (and done)"),
        (tally.snoozed, "snoozed"),
        (tally.rescheduled, "rescheduled"),
        (tally.contacted, "quiet customers contacted"),
        (tally.planned, "quiet customers with a follow-up planned"),
        (tally.skipped, "skipped"),
        (tally.gone, "handled elsewhere meanwhile"),
        (tally.not_reached, "not reached"),
    ] {
        if n > 0 {
            lines.push(Line::raw(format!("  {n:>4}  {what}")));
        }
    }
    let still: Vec<&str> = review.still_due().collect();
    if !still.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("  Still due", t.warn()));
        for label in still.iter().take(8) {
            lines.push(Line::raw(format!("    {}", safe(label))));
        }
        if still.len() > 8 {
            lines.push(Line::styled(
                format!("    … and {} more", still.len() - 8),
                t.dim(),
            ));
        }
    }
    lines
}

/// The snooze menu: each one-key choice with the time it resolves to.
pub fn snooze(frame: &mut Frame, app: &App, menu: &SnoozeMenu) {
    let t = app.theme;
    let k = |a| key_hint(app, KeyContext::Snooze, a);
    let names = [
        (Action::SnoozeHour, "one hour"),
        (Action::SnoozeTomorrow, "tomorrow"),
        (Action::SnoozeNextWeek, "next week"),
    ];
    let mut lines: Vec<Line> = menu
        .choices
        .iter()
        .map(|(action, until)| {
            let name = names
                .iter()
                .find(|(a, _)| a == action)
                .map_or("", |(_, n)| *n);
            Line::from(vec![
                Span::styled(format!("  {:<6}", k(*action)), t.title()),
                Span::raw(format!("{name:<11}")),
                Span::styled(
                    until
                        .with_timezone(&app.zone)
                        .format("%a %-d %b %H:%M")
                        .to_string(),
                    Style::new(),
                ),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<6}", k(Action::SnoozeCustom)), t.title()),
        Span::raw("a time you type…"),
    ]));
    let area = centered(frame.area(), 56, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Snooze · {} ", safe(&menu.customer_name)),
            t.title(),
        ))
        .title_bottom(Span::styled(
            format!(" {} cancel ", k(Action::Back)),
            t.dim(),
        ));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
