use std::io::Write;

use super::Context;
use super::output::{Table, local_time};
use crate::Result;
use crate::cli::{RemindAddArgs, RemindCommand, RemindEditArgs, RemindListArgs};
use crate::domain::reminder::series_end_note;
use crate::domain::when::parse_datetime;
use crate::domain::{Recurrence, Reminder, ReminderDraft};
use crate::store::{ReminderFilter, Writer};
use crate::text::for_terminal;

pub fn run(ctx: &mut Context, cmd: RemindCommand) -> Result<()> {
    match cmd {
        RemindCommand::Add(args) => add(ctx, args),
        RemindCommand::List(args) => list(ctx, args),
        RemindCommand::Done { id } => {
            let now = ctx.store.now();
            // The next occurrence as this write made it, not as a later one left it.
            let (done, next) = ctx.store.write(|w| {
                let next = w
                    .complete_reminder(id, now)?
                    .map(|next| w.reminder(next))
                    .transpose()?;
                Ok((w.reminder(id)?, next))
            })?;
            let ended = done.recurrence.filter(|_| next.is_none());
            if ctx.json {
                let next = next.as_ref().map(|r| r.id);
                return ctx.print_json(&serde_json::json!({
                    "done": id, "next": next, "series_ended": ended.is_some()
                }));
            }
            write!(ctx.out, "Done: follow-up #{id}")?;
            if let Some(r) = next {
                let next = r.id;
                write!(ctx.out, "; next one #{next} due {}", local_time(r.due_at))?;
            }
            if let Some(rule) = ended {
                write!(ctx.out, "; {}", series_end_note(rule))?;
            }
            writeln!(ctx.out)?;
            Ok(())
        }
        RemindCommand::Snooze { id, until } => {
            let until = parse_datetime("until", &until, &ctx.now(), ctx.default_time()?)?;
            let said = format!("Snoozed follow-up #{id} until {}", local_time(until));
            change(ctx, id, said, |w| w.snooze_reminder(id, until, None))
        }
        RemindCommand::Reschedule { id, due } => {
            let due = parse_datetime("due", &due, &ctx.now(), ctx.default_time()?)?;
            let said = format!("Follow-up #{id} is now due {}", local_time(due));
            change(ctx, id, said, |w| w.reschedule_reminder(id, due))
        }
        RemindCommand::Assign { id, owner } => {
            let owner = ctx.operator(&owner)?;
            let said = format!("Follow-up #{id} is now {}'s", for_terminal(&owner.login));
            change(ctx, id, said, |w| w.assign("follow-up", id, owner.id))
        }
        RemindCommand::Edit(args) => edit(ctx, args),
        RemindCommand::Delete { id } => {
            let gone = ctx.store.reminder(id)?;
            ctx.store.write(|w| w.delete_reminder(id))?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "deleted": id }));
            }
            writeln!(
                ctx.out,
                "Deleted follow-up #{id} with #{} {} ({}); `rapport undo` brings it back",
                gone.customer_id,
                for_terminal(&gone.customer_name),
                for_terminal(&gone.note)
            )?;
            Ok(())
        }
    }
}

/// `remind edit`: every flag parsed first, then the follow-up read, changed and
/// written in one transaction (only `--if-version` asks for a version).
fn edit(ctx: &mut Context, a: RemindEditArgs) -> Result<()> {
    let default_time = ctx.default_time()?;
    let due = a
        .due
        .as_deref()
        .map(|d| parse_datetime("due", d, &ctx.now(), default_time))
        .transpose()?;
    let every = match a.every.as_deref().map(str::trim) {
        None => None,
        Some("" | "none") => Some(None),
        Some(rule) => Some(Some(Recurrence::parse(rule)?)),
    };
    let owner = a.owner.as_deref().map(|o| ctx.operator(o)).transpose()?;
    if due.is_none() && a.note.is_none() && every.is_none() && owner.is_none() {
        return Err(crate::Error::msg(
            "remind edit: say what to change: --due, --note, --every or --owner",
        ));
    }
    let id = a.id;
    let (before, saved) = ctx.store.write(|w| {
        let current = w.reminder(id)?;
        let mut d = current.draft();
        if let Some(due) = due {
            d.due_at = due;
        }
        if let Some(note) = &a.note {
            d.note.clone_from(note);
        }
        if let Some(every) = every {
            d.recurrence = every;
        }
        if let Some(owner) = &owner {
            d.owner_id = Some(owner.id);
        }
        w.update_reminder(id, a.if_version.unwrap_or(current.version), &d)?;
        Ok((current, w.reminder(id)?))
    })?;
    if ctx.json {
        return ctx.print_json(&saved);
    }
    if saved.version == before.version {
        writeln!(ctx.out, "Follow-up #{id} already reads so; nothing changed")?;
        return Ok(());
    }
    let repeats = saved
        .recurrence
        .map(|r| format!(", repeats {}", r.describe()))
        .unwrap_or_default();
    writeln!(
        ctx.out,
        "Updated follow-up #{id}: due {}{repeats}, {} ({})",
        local_time(saved.effective_due()),
        for_terminal(&saved.note),
        saved.owner_login.as_deref().unwrap_or("no owner")
    )?;
    Ok(())
}

/// Changes follow-up `id` with `f`, then prints it as that write left it (`--json`)
/// or `said`.
fn change(
    ctx: &mut Context,
    id: i64,
    said: String,
    f: impl FnOnce(&mut Writer<'_>) -> crate::store::Result<()>,
) -> Result<()> {
    let r = ctx.store.write(|w| {
        f(w)?;
        w.reminder(id)
    })?;
    if ctx.json {
        return ctx.print_json(&r);
    }
    writeln!(ctx.out, "{said}")?;
    Ok(())
}

fn add(ctx: &mut Context, a: RemindAddArgs) -> Result<()> {
    let customer_id = ctx.customer_id(&a.customer)?;
    let mut draft = ReminderDraft {
        customer_id,
        deal_id: a.deal,
        due_at: parse_datetime("due", &a.due, &ctx.now(), ctx.default_time()?)?,
        note: a.note,
        recurrence: a.every.as_deref().map(Recurrence::parse).transpose()?,
        owner_id: None,
    };
    draft.clone().validate()?;
    draft.owner_id = Some(ctx.owner_or_me(a.owner.as_deref())?);
    let added = ctx.store.write(|w| {
        let id = w.add_reminder(&draft)?;
        w.reminder(id)
    })?;
    let id = added.id;
    if ctx.json {
        return ctx.print_json(&added);
    }
    writeln!(
        ctx.out,
        "Added follow-up #{id} due {}",
        local_time(draft.due_at)
    )?;
    Ok(())
}

fn list(ctx: &mut Context, a: RemindListArgs) -> Result<()> {
    let filter = ReminderFilter {
        customer_id: a
            .customer
            .as_deref()
            .map(|c| ctx.customer_id(c))
            .transpose()?,
        owner_id: a
            .owner
            .as_deref()
            .map(|o| ctx.operator(o))
            .transpose()?
            .map(|o| o.id),
        due_before: None,
        include_done: a.done,
        limit: a.limit,
    };
    let reminders = ctx.store.reminders(&filter)?;
    if ctx.json {
        return ctx.print_json(&reminders);
    }
    reminder_table(&reminders).print(&mut ctx.out)?;
    Ok(())
}

pub fn reminder_table(reminders: &[Reminder]) -> Table {
    let mut t = Table::new(&["ID", "DUE", "CUSTOMER", "NOTE", "REPEATS", "OWNER", "DONE"]);
    for r in reminders {
        t.row(vec![
            r.id.to_string(),
            local_time(r.effective_due()),
            format!("#{} {}", r.customer_id, for_terminal(&r.customer_name)),
            r.note.clone(),
            r.recurrence.map(Recurrence::as_text).unwrap_or_default(),
            r.owner_login.clone().unwrap_or_default(),
            r.done_at.map(local_time).unwrap_or_default(),
        ]);
    }
    t
}
