use std::io::Write;

use serde::Serialize;

use super::Context;
use super::cadence::quiet_table;
use super::remind::reminder_table;
use crate::Result;
use crate::cli::AgendaArgs;
use crate::domain::QuietCustomer;
use crate::domain::agenda::{Agenda, horizon};
use crate::store::{QuietFilter, ReminderFilter};

/// How many going-quiet customers the text agenda lists, and the JSON one.
const QUIET_IN_TEXT: usize = 5;
const QUIET_IN_JSON: usize = 20;

/// The JSON agenda: the follow-up groups as before, plus the customers going quiet.
#[derive(Serialize)]
struct AgendaJson<'a> {
    #[serde(flatten)]
    agenda: &'a Agenda,
    /// The first 20 customers going quiet, overdue first.
    going_quiet: &'a [QuietCustomer],
    /// How many are going quiet in all.
    going_quiet_total: usize,
}

pub fn run(ctx: &mut Context, a: AgendaArgs) -> Result<()> {
    let now = ctx.now();
    let owner_id = a
        .owner
        .as_deref()
        .map(|o| ctx.operator(o))
        .transpose()?
        .map(|o| o.id);
    let filter = ReminderFilter {
        owner_id,
        due_before: Some(horizon(&now, a.days)),
        ..Default::default()
    };
    let agenda = Agenda::group(ctx.store.reminders(&filter)?, &now);
    let quiet_filter = QuietFilter {
        owner_id,
        include_due: true,
        limit: Some(if ctx.json {
            QUIET_IN_JSON
        } else {
            QUIET_IN_TEXT
        }),
    };
    let now_utc = ctx.store.now();
    let quiet = ctx.store.going_quiet(&quiet_filter, now_utc)?;
    let quiet_total = if quiet.len() < quiet_filter.limit.unwrap_or(0) {
        quiet.len()
    } else {
        ctx.store.going_quiet_count(&quiet_filter, now_utc)?
    };
    if ctx.json {
        return ctx.print_json(&AgendaJson {
            agenda: &agenda,
            going_quiet: &quiet,
            going_quiet_total: quiet_total,
        });
    }
    if agenda.is_empty() {
        writeln!(
            ctx.out,
            "Nothing due in the next {}.",
            crate::text::count(a.days, "day", "days")
        )?;
        if quiet_total > 0 {
            writeln!(ctx.out)?;
            print_quiet(ctx, &quiet, quiet_total)?;
        }
        return Ok(());
    }
    let upcoming = format!(
        "Upcoming (next {})",
        crate::text::count(a.days, "day", "days")
    );
    for (title, group) in [
        ("Overdue", &agenda.overdue),
        ("Today", &agenda.today),
        (upcoming.as_str(), &agenda.upcoming),
    ] {
        writeln!(ctx.out, "{title}: {}", group.len())?;
        if !group.is_empty() {
            reminder_table(group).print(&mut ctx.out)?;
        }
        writeln!(ctx.out)?;
    }
    print_quiet(ctx, &quiet, quiet_total)
}

fn print_quiet(ctx: &mut Context, quiet: &[QuietCustomer], total: usize) -> Result<()> {
    writeln!(ctx.out, "Going quiet: {total}")?;
    if !quiet.is_empty() {
        quiet_table(quiet).print(&mut ctx.out)?;
    }
    if total > quiet.len() {
        writeln!(ctx.out, "… {} more: rapport quiet", total - quiet.len())?;
    }
    Ok(())
}
