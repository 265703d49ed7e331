use super::{
    column_widths, fit_text, fitted_row, footer, hint, interaction_line, key_hint, local,
    local_date, pair, safe, wrap_line,
};
use crate::domain::{ChurnRisk, CustomerCard, CustomerSummary, StageOutcome};
use crate::text::display_width;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::KeyContext;
use crate::tui::panes::customers::{CardItem, sort_label};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

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
    let ctx = KeyContext::Customers;
    let hints = footer(
        [
            hint(app, ctx, Action::Open, "open"),
            hint(app, ctx, Action::AddCustomer, "add"),
            hint(app, ctx, Action::EditCustomer, "edit"),
            hint(app, ctx, Action::Search, "find"),
            hint(app, ctx, Action::LogCall, "call"),
            hint(app, ctx, Action::LogInteraction, "log"),
            hint(app, ctx, Action::AddDeal, "deal"),
            hint(app, ctx, Action::AddReminder, "follow-up"),
            hint(app, ctx, Action::Import, "import"),
        ],
        area.width,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title_bottom(Span::styled(hints, t.dim()));
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
    let cells = column_widths(area.width.saturating_sub(2), &widths);
    let page = usize::from(area.height.saturating_sub(3));
    let rows: Vec<Row> = (pane.list.top..(pane.list.top + page).min(pane.total))
        .map(|i| {
            // Rows of a window still being read.
            let row = match pane.row(i) {
                Some(r) => fitted_row(summary_cells(app, r, wide), &cells),
                None => Row::new(vec![Cell::from("loading…")]).style(t.dim()),
            };
            if i == pane.list.selected {
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

fn summary_cells(app: &App, r: &CustomerSummary, wide: bool) -> Vec<Line<'static>> {
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
        Line::raw(safe(&r.name)),
        Line::raw(safe(r.company_name.as_deref().unwrap_or(""))),
        Line::raw(safe(r.main_phone.as_deref().unwrap_or(""))),
        Line::styled(
            format!(
                "{}{}",
                t.contact_mark(standing),
                last.unwrap_or_else(|| "-".into())
            ),
            t.contact(standing),
        ),
        Line::raw(open.unwrap_or_default()),
    ];
    if wide {
        cells.push(Line::raw(r.status.as_str()));
        cells.push(Line::raw(safe(r.owner_login.as_deref().unwrap_or(""))));
    }
    cells
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

/// A line of the card, and the item it shows when it is one `]`/`[` picks.
type Tagged = (Line<'static>, Option<CardItem>);

/// The card laid out in its block: rows no wider than their column (so a scroll
/// position counts rows exactly), and where the picked item is.
struct CardLayout {
    /// Everything below the other on a narrow terminal; the facts on a wide one.
    left: (Vec<Line<'static>>, Rect),
    /// The timeline, beside the facts on a wide terminal.
    right: Option<(Vec<Line<'static>>, Rect)>,
    /// The picked item: in the right column or not, its first row and its rows.
    picked: Option<(bool, usize, usize)>,
    height: usize,
}

impl CardLayout {
    fn max_scroll_of(&self, rows: &[Line]) -> usize {
        rows.len().saturating_sub(self.height)
    }

    /// The furthest the card scrolls: until the last row of its longest column shows.
    fn max_scroll(&self) -> usize {
        let right = self
            .right
            .as_ref()
            .map_or(0, |(r, _)| self.max_scroll_of(r));
        self.max_scroll_of(&self.left.0).max(right)
    }

    /// `wanted` moved just enough to show the picked item, within the content.
    fn scroll(&self, wanted: usize) -> usize {
        let scroll = match self.picked {
            Some((_, top, _)) if top < wanted => top,
            Some((_, top, span)) if top + span > wanted + self.height => {
                (top + span).saturating_sub(self.height)
            }
            _ => wanted,
        };
        scroll.min(self.max_scroll())
    }
}

/// Rows of `lines` wrapped at `width`, and the rows of the line showing `picked`.
fn wrap_tagged(
    lines: Vec<Tagged>,
    width: u16,
    picked: Option<CardItem>,
) -> (Vec<Line<'static>>, Option<(usize, usize)>) {
    let mut rows = Vec::new();
    let mut at = None;
    for (line, item) in lines {
        let wrapped = wrap_line(&line, usize::from(width));
        if item.is_some() && item == picked {
            at = Some((rows.len(), wrapped.len()));
        }
        rows.extend(wrapped);
    }
    (rows, at)
}

/// The block's inside for a card drawn in `area`.
fn card_inner(area: Rect) -> Rect {
    Block::default().borders(Borders::ALL).inner(area)
}

/// The scroll the open card shows at the app's size: the pane's, moved to keep the
/// picked item in view and held within the content (Down at the end stays there).
pub fn card_scroll(app: &App) -> usize {
    let Some(card) = &app.customers.detail else {
        return 0;
    };
    let (w, h) = app.size;
    // The body between the tab bar and the status bar.
    let area = Rect::new(0, 1, w, h.saturating_sub(2));
    card_layout(app, card, card_inner(area)).scroll(app.customers.detail_scroll)
}

fn card_layout(app: &App, card: &CustomerCard, inner: Rect) -> CardLayout {
    let (mut facts, work, timeline) = card_lines(app, card, inner.width);
    let picked = app.customers.picked();
    let height = usize::from(inner.height);
    if inner.width >= 120 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(inner);
        facts.push((Line::raw(""), None));
        facts.extend(work);
        let (left_rows, left_at) = wrap_tagged(facts, left.width, picked);
        let (right_rows, right_at) = wrap_tagged(timeline, right.width, picked);
        let picked = left_at
            .map(|(top, span)| (false, top, span))
            .or(right_at.map(|(top, span)| (true, top, span)));
        CardLayout {
            left: (left_rows, left),
            right: Some((right_rows, right)),
            picked,
            height,
        }
    } else {
        facts.extend(work);
        facts.push((Line::raw(""), None));
        facts.extend(timeline);
        let (rows, at) = wrap_tagged(facts, inner.width, picked);
        CardLayout {
            left: (rows, inner),
            right: None,
            picked: at.map(|(top, span)| (false, top, span)),
            height,
        }
    }
}

fn draw_card(frame: &mut Frame, app: &App, card: &CustomerCard, area: Rect) {
    let t = app.theme;
    let c = &card.customer;
    let picked = app.customers.picked();
    let ctx = KeyContext::Detail;
    let hints = match picked {
        Some(_) => footer(
            [
                hint(app, ctx, Action::Back, "let go"),
                hint(app, ctx, Action::Edit, "edit"),
                hint(app, ctx, Action::Delete, "delete"),
                pair(
                    app,
                    ctx,
                    [Action::NextItem, Action::PrevItem],
                    "next/previous",
                ),
                hint(app, ctx, Action::Undo, "undo"),
            ],
            area.width,
        ),
        None => footer(
            [
                hint(app, ctx, Action::Edit, "edit"),
                hint(app, ctx, Action::NextItem, "pick"),
                hint(app, ctx, Action::LogCall, "call"),
                hint(app, ctx, Action::MergeCustomer, "merge"),
                hint(app, ctx, Action::History, "history"),
                hint(app, ctx, Action::Assign, "owner"),
                hint(app, ctx, Action::LogInteraction, "log"),
                hint(app, ctx, Action::AddDeal, "deal"),
                hint(app, ctx, Action::AddReminder, "follow-up"),
                hint(app, ctx, Action::Back, "back"),
            ],
            area.width,
        ),
    };
    let inner = card_inner(area);
    let layout = card_layout(app, card, inner);
    let scroll = layout.scroll(app.customers.detail_scroll);
    // How much is out of sight, on the top border's right.
    let below = layout.max_scroll() - scroll;
    let more = match (scroll, below) {
        (0, 0) => String::new(),
        (0, b) => format!(" ↓ {b} more "),
        (a, 0) => format!(" ↑ {a} more "),
        (a, b) => format!(" ↑ {a} · ↓ {b} more "),
    };
    let title = format!(" #{} {} · {} · {} ", c.id, safe(&c.name), c.kind, c.status);
    let room = usize::from(area.width.saturating_sub(2)).saturating_sub(display_width(&more));
    let title = fit_text(&title, room);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, t.title()))
        .title(Line::styled(more, t.dim()).right_aligned())
        .title_bottom(Span::styled(hints, t.dim()));
    frame.render_widget(block, area);
    let (left, left_area) = &layout.left;
    let at = |rows: &[Line]| u16::try_from(scroll.min(layout.max_scroll_of(rows))).unwrap_or(0);
    frame.render_widget(
        Paragraph::new(left.clone()).scroll((at(left), 0)),
        *left_area,
    );
    if let Some((right, right_area)) = &layout.right {
        frame.render_widget(
            Paragraph::new(right.clone()).scroll((at(right), 0)),
            *right_area,
        );
    }
}

/// The card's lines: the facts (contact details, standing, value, people), the work
/// (open deals and follow-ups) and the timeline, the picked item highlighted.
fn card_lines(
    app: &App,
    card: &CustomerCard,
    width: u16,
) -> (Vec<Tagged>, Vec<Tagged>, Vec<Tagged>) {
    let t = app.theme;
    let c = &card.customer;
    let picked = app.customers.picked();
    // The picked item stands out; the view scrolls to keep it in sight.
    let mark = |line: Line<'static>, item: CardItem| {
        if picked == Some(item) {
            (line.patch_style(t.selected()), Some(item))
        } else {
            (line, Some(item))
        }
    };
    let label = |l: &str| Span::styled(format!("{l:<9}"), t.dim());
    let mut facts: Vec<Line<'static>> = Vec::new();
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
        let room = if width >= 120 {
            width * 45 / 100
        } else {
            width
        };
        let one_line = format!("{cadence} · {since}");
        if 9 + display_width(&one_line) <= usize::from(room) {
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
    let mut work: Vec<Tagged> = vec![(Line::styled("Open deals", t.header()), None)];
    let open: Vec<_> = card
        .deals
        .iter()
        .filter(|d| d.outcome == StageOutcome::Open)
        .collect();
    if open.is_empty() {
        work.push((Line::styled("  none", t.dim()), None));
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
    work.push((Line::styled("Follow-ups", t.header()), None));
    if card.reminders.is_empty() {
        work.push((Line::styled("  none", t.dim()), None));
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
    let mut timeline: Vec<Tagged> = vec![(
        Line::styled(
            format!("Timeline ({} latest)", card.interactions.len()),
            t.header(),
        ),
        None,
    )];
    if card.interactions.is_empty() {
        timeline.push((Line::styled("  no interactions yet", t.dim()), None));
    }
    timeline.extend(
        card.interactions
            .iter()
            .map(|i| mark(interaction_line(app, i), CardItem::Interaction(i.id))),
    );
    let facts = facts.into_iter().map(|l| (l, None)).collect();
    (facts, work, timeline)
}
