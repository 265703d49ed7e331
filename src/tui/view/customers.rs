use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use unicode_width::UnicodeWidthStr;

use super::{beside_or_below, interaction_line, keep_in_view, key_hint, local, local_date, safe};
use crate::domain::{ChurnRisk, CustomerCard, CustomerSummary, StageOutcome};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::customers::{CardItem, sort_label};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match (&app.customers.detail, &app.customers.opening) {
        (Some(card), _) => draw_card(frame, app, card, area),
        (None, Some((_, name))) => {
            let block = Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(format!(" {} ", safe(name)), app.theme.title()));
            frame.render_widget(Paragraph::new("Loading the card…").block(block), area);
        }
        (None, None) => draw_list(frame, app, area),
    }
}

fn draw_list(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let pane = &app.customers;
    let title = format!(
        " Customers · {} · by {} ({} sort) ",
        if pane.ready {
            super::thousands(pane.total)
        } else {
            "loading…".to_string()
        },
        sort_label(pane.sort),
        key_hint(app, KeyContext::Customers, Action::CycleSort)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()));
    if !pane.ready {
        frame.render_widget(Paragraph::new("Loading…").block(block), area);
        return;
    }
    if pane.total == 0 {
        let hint = format!(
            "No customers yet. Press {} to add one.",
            key_hint(app, KeyContext::Customers, Action::AddCustomer)
        );
        frame.render_widget(Paragraph::new(hint).block(block), area);
        return;
    }
    let wide = area.width >= 120;
    let page = usize::from(area.height.saturating_sub(3));
    let rows: Vec<Row> = (pane.list.top..(pane.list.top + page).min(pane.total))
        .map(|i| {
            // Rows of a window still being read.
            let row = match pane.row(i) {
                Some(r) => summary_row(app, r, wide),
                None => Row::new(vec![Cell::from("loading…")]).style(t.dim()),
            };
            if i == pane.list.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let mut header = vec![
        "NAME",
        "COMPANY",
        "PHONE",
        if wide { "LAST CONTACT" } else { "CONTACTED" },
        "OPEN DEALS",
    ];
    // Without colour, the contact cell carries a two-column mark (`!`, `!!`) too.
    let mark = t.contact_mark(None).len() as u16;
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(18),
        Constraint::Length(if wide { 16 } else { 10 } + mark),
        Constraint::Length(14),
    ];
    if wide {
        header.extend(["STATUS", "OWNER"]);
        widths.extend([Constraint::Length(8), Constraint::Length(10)]);
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.header()))
        .block(block);
    frame.render_widget(table, area);
}

fn summary_row<'a>(app: &App, r: &'a CustomerSummary, wide: bool) -> Row<'a> {
    let t = app.theme;
    let standing = r.contact_status(app.now_utc());
    let last = r.last_contact.map(|t| {
        if wide {
            local(t, app.zone)
        } else {
            local_date(t, app.zone)
        }
    });
    let open = r.open_deals.first().map(|m| {
        format!(
            "{} {}",
            compact(m.minor, m.currency.exponent()),
            m.currency.code()
        )
    });
    let mut cells = vec![
        Cell::from(safe(&r.name)),
        Cell::from(safe(r.company_name.as_deref().unwrap_or(""))),
        Cell::from(safe(r.main_phone.as_deref().unwrap_or(""))),
        Cell::from(format!(
            "{}{}",
            t.contact_mark(standing),
            last.unwrap_or_else(|| "-".into())
        ))
        .style(t.contact(standing)),
        Cell::from(open.unwrap_or_default()),
    ];
    if wide {
        cells.push(Cell::from(r.status.as_str()));
        cells.push(Cell::from(safe(r.owner_login.as_deref().unwrap_or(""))));
    }
    Row::new(cells)
}

/// The customer's value under the contact facts: revenue, purchases, lifetime value
/// and segment with its churn risk (red when high).
fn value_lines(app: &App, card: &CustomerCard) -> Vec<Line<'static>> {
    let t = app.theme;
    let label = |l: &str| Span::styled(format!("{l:<9}"), t.dim());
    let Some(v) = &card.value else {
        return vec![Line::from(vec![
            label("Value"),
            Span::styled("nothing bought yet", t.dim()),
        ])];
    };
    let risk = match v.churn_risk {
        ChurnRisk::High => t.error(),
        _ => ratatui::style::Style::new(),
    };
    vec![
        Line::from(vec![label("Revenue"), Span::raw(v.revenue_text())]),
        Line::from(vec![label("Bought"), Span::raw(v.purchases_text())]),
        Line::from(vec![label("Lifetime"), Span::raw(v.lifetime_text())]),
        Line::from(vec![
            label("Segment"),
            Span::styled(v.standing_text(), risk),
        ]),
    ]
}

/// A short amount for narrow columns, in whole units: 950 / 7.7k / 930k / 4.5M.
pub fn compact(minor: impl Into<i128>, exponent: u8) -> String {
    let whole = minor.into() / 10_i128.pow(u32::from(exponent));
    match whole.unsigned_abs() {
        w if w >= 10_000_000 => format!("{}M", whole / 1_000_000),
        w if w >= 1_000_000 => format!("{:.1}M", whole as f64 / 1e6),
        w if w >= 100_000 => format!("{}k", whole / 1_000),
        w if w >= 1_000 => format!("{:.1}k", whole as f64 / 1e3),
        _ => whole.to_string(),
    }
}

fn draw_card(frame: &mut Frame, app: &App, card: &CustomerCard, area: Rect) {
    let t = app.theme;
    let c = &card.customer;
    let title = format!(" #{} {} · {} · {} ", c.id, safe(&c.name), c.kind, c.status);
    let picked = app.customers.picked();
    let key = |action| key_hint(app, KeyContext::Detail, action);
    let hints = match picked {
        Some(_) => format!(
            " {} let go · {} edit · {} delete · {}/{} next/previous · {} undo ",
            key(Action::Back),
            key(Action::Edit),
            key(Action::Delete),
            key(Action::NextItem),
            key(Action::PrevItem),
            key(Action::Undo),
        ),
        None => format!(
            " {} back · {} edit · {} pick · {} log · {} deal · {} follow-up ",
            key(Action::Back),
            key(Action::Edit),
            key(Action::NextItem),
            key(Action::LogInteraction),
            key(Action::AddDeal),
            key(Action::AddReminder),
        ),
    };
    // The picked item stands out; the view scrolls to keep it in sight.
    let mark = |line: Line<'static>, item: CardItem| {
        if picked == Some(item) {
            line.patch_style(t.selected())
        } else {
            line
        }
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(hints, t.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let label = |l: &str| Span::styled(format!("{l:<9}"), t.dim());
    let mut facts: Vec<Line> = Vec::new();
    if let Some(company) = &c.company_name {
        facts.push(Line::from(vec![label("Company"), Span::raw(safe(company))]));
    }
    for p in &c.phones {
        facts.push(Line::from(vec![
            label("Phone"),
            Span::raw(format!("{} ({})", safe(&p.to_string()), p.kind.as_str())),
        ]));
    }
    for e in &c.emails {
        facts.push(Line::from(vec![
            label("Email"),
            Span::raw(safe(e.as_str())),
        ]));
    }
    if !c.tags.is_empty() {
        facts.push(Line::from(vec![
            label("Tags"),
            Span::raw(safe(&c.tags.join(", "))),
        ]));
    }
    for (name, value) in [
        ("Address", &c.address),
        ("Source", &c.source),
        ("Owner", &c.owner_login),
        ("Notes", &c.notes),
    ] {
        if let Some(v) = value {
            facts.push(Line::from(vec![label(name), Span::raw(safe(v))]));
        }
    }
    for (name, value) in c.details.shown() {
        let name = match name {
            "department" => "Dept.",
            "2nd address" => "Addr. 2",
            "title" => "Title",
            "nickname" => "Nickname",
            "birthday" => "Birthday",
            "website" => "Website",
            other => other,
        };
        facts.push(Line::from(vec![label(name), Span::raw(safe(value))]));
    }
    for k in &c.details.kept {
        facts.push(Line::from(vec![
            label("Kept"),
            Span::raw(safe(&k.to_string())),
        ]));
    }
    if let Some(contact) = &card.contact {
        let now = app.now_utc();
        let style = t.contact(Some(contact.status(now)));
        let (cadence, since) = (contact.cadence_text(), contact.since_text(now));
        // On one line when it fits beside the label, else the standing on a second.
        let room = if inner.width >= 120 {
            inner.width * 45 / 100
        } else {
            inner.width
        };
        let one_line = format!("{cadence} · {since}");
        if 9 + one_line.width() <= usize::from(room) {
            facts.push(Line::from(vec![
                label("In touch"),
                Span::styled(one_line, style),
            ]));
        } else {
            facts.push(Line::from(vec![label("In touch"), Span::raw(cadence)]));
            facts.push(Line::from(vec![label(""), Span::styled(since, style)]));
        }
    }
    facts.extend(value_lines(app, card));
    if !card.people.is_empty() {
        let names: Vec<String> = card.people.iter().take(8).map(|p| safe(&p.name)).collect();
        let more = card.people.len().saturating_sub(8);
        let more = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        facts.push(Line::from(vec![
            label("People"),
            Span::raw(format!("{}{more}", names.join(", "))),
        ]));
    }
    let mut work: Vec<Line> = vec![Line::styled("Open deals", t.header())];
    let open: Vec<_> = card
        .deals
        .iter()
        .filter(|d| d.outcome == StageOutcome::Open)
        .collect();
    if open.is_empty() {
        work.push(Line::styled("  none", t.dim()));
    }
    for d in open {
        let close = d
            .expected_close
            .map(|d| format!(" · close {d}"))
            .unwrap_or_default();
        work.push(mark(
            Line::raw(format!(
                "  #{} {} · {} · {} {}%{close}",
                d.id,
                safe(&d.title),
                d.amount,
                d.stage_key,
                d.probability
            )),
            CardItem::Deal(d.id),
        ));
    }
    work.push(Line::styled("Follow-ups", t.header()));
    if card.reminders.is_empty() {
        work.push(Line::styled("  none", t.dim()));
    }
    for r in &card.reminders {
        let overdue = r.effective_due() < app.now_utc();
        let style = if overdue {
            t.error()
        } else {
            ratatui::style::Style::new()
        };
        work.push(mark(
            Line::styled(
                format!(
                    "  #{} {} · {}",
                    r.id,
                    local(r.effective_due(), app.zone),
                    safe(&r.note)
                ),
                style,
            ),
            CardItem::Followup(r.id),
        ));
    }
    let mut timeline: Vec<Line> = vec![Line::styled(
        format!("Timeline ({} latest)", card.interactions.len()),
        t.header(),
    )];
    if card.interactions.is_empty() {
        timeline.push(Line::styled("  no interactions yet", t.dim()));
    }
    timeline.extend(
        card.interactions
            .iter()
            .map(|i| mark(interaction_line(app, i), CardItem::Interaction(i.id))),
    );
    let wide = inner.width >= 120;
    if wide {
        facts.push(Line::raw(""));
    }
    // Where the picked item's line is: in the facts (a deal, a follow-up) or the timeline.
    let open_deals = card
        .deals
        .iter()
        .filter(|d| d.outcome == StageOutcome::Open)
        .map(|d| d.id);
    let at = match picked {
        Some(CardItem::Deal(id)) => open_deals
            .clone()
            .position(|d| d == id)
            .map(|i| (false, 1 + i)),
        Some(CardItem::Followup(id)) => {
            let deal_lines = open_deals.count().max(1);
            card.reminders
                .iter()
                .position(|r| r.id == id)
                .map(|i| (false, 2 + deal_lines + i))
        }
        Some(CardItem::Interaction(id)) => card
            .interactions
            .iter()
            .position(|i| i.id == id)
            .map(|i| (true, 1 + i)),
        None => None,
    };
    let facts_before_work = facts.len();
    facts.extend(work);
    let width = |l: &Line| l.width();
    let scroll = app.customers.detail_scroll as u16;
    let scroll = match (at, wide) {
        (Some((true, i)), true) => keep_in_view(
            timeline.iter().map(width),
            i,
            inner.width * 55 / 100,
            inner.height,
            scroll,
        ),
        (Some((true, i)), false) => {
            let rows = facts
                .iter()
                .map(width)
                .chain([0])
                .chain(timeline.iter().map(width));
            keep_in_view(rows, facts.len() + 1 + i, inner.width, inner.height, scroll)
        }
        (Some((false, i)), false) => keep_in_view(
            facts.iter().map(width),
            facts_before_work + i,
            inner.width,
            inner.height,
            scroll,
        ),
        _ => scroll,
    };
    beside_or_below(frame, inner, facts, timeline, scroll);
}
