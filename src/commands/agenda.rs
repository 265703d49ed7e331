use std::io::Write;

use super::Context;
use super::remind::reminder_table;
use crate::Result;
use crate::cli::AgendaArgs;
use crate::domain::agenda::{Agenda, horizon};
use crate::store::ReminderFilter;

pub fn run(ctx: &mut Context, a: AgendaArgs) -> Result<()> {
    let now = ctx.now();
    let filter = ReminderFilter {
        owner_id: a
            .owner
            .as_deref()
            .map(|o| ctx.operator(o))
            .transpose()?
            .map(|o| o.id),
        due_before: Some(horizon(&now, a.days)),
        ..Default::default()
    };
    let agenda = Agenda::group(ctx.store.reminders(&filter)?, &now);
    if ctx.json {
        return ctx.print_json(&agenda);
    }
    if agenda.is_empty() {
        writeln!(ctx.out, "Nothing due in the next {} days.", a.days)?;
        return Ok(());
    }
    let upcoming = format!("Upcoming (next {} days)", a.days);
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
    Ok(())
}
