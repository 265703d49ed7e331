use std::io::Write;

use super::Context;
use super::output::local_time;
use crate::cli::{LogArgs, LogCommand, LogEditArgs};
use crate::domain::when::parse_datetime;
use crate::domain::{Direction, Interaction, InteractionDraft, InteractionKind, ValidationError};
use crate::text::for_terminal;
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: LogArgs) -> Result<()> {
    match a.command {
        Some(LogCommand::Edit(edit)) => return self::edit(ctx, edit),
        Some(LogCommand::Delete { id }) => return delete(ctx, id),
        None => {}
    }
    // clap requires both without a subcommand; this says so should that change.
    let Some(customer) = a.customer else {
        return Err(Error::msg(
            "log: name the customer and what happened: rapport log CUSTOMER -m \"…\"",
        ));
    };
    let customer_id = ctx.customer_id(&customer)?;
    let satisfaction = a
        .satisfaction
        .map(|s| {
            u8::try_from(s).map_err(|_| {
                ValidationError::new(
                    "satisfaction",
                    format!("{s} is out of range; use a score from 1 to 5"),
                )
            })
        })
        .transpose()?;
    let nps = a
        .nps
        .map(|n| {
            u8::try_from(n).map_err(|_| {
                ValidationError::new(
                    "nps",
                    format!(
                        "{n} is out of range; the answer to \"would you recommend us?\" is 0 to 10"
                    ),
                )
            })
        })
        .transpose()?;
    let mut draft = InteractionDraft {
        customer_id,
        deal_id: a.deal,
        kind: InteractionKind::parse("kind", &a.kind)?,
        direction: Direction::parse("direction", &a.direction)?,
        occurred_at: parse_datetime("at", &a.at, &ctx.now(), ctx.default_time()?)?,
        operator_id: None,
        summary: a.summary.unwrap_or_default(),
        outcome: a.outcome,
        satisfaction,
        nps,
    };
    draft.fill_nps_summary();
    draft.clone().validate()?;
    draft.operator_id = Some(ctx.me().id);
    let id = ctx.store.log_interaction(&draft)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "id": id }));
    }
    writeln!(
        ctx.out,
        "Logged {} #{id} for customer #{customer_id}",
        draft.kind
    )?;
    Ok(())
}

/// `1`-`5`, or `none`/empty for no score.
fn score(text: &str) -> Result<Option<u8>> {
    match text.trim() {
        "" | "none" => Ok(None),
        t => t.parse::<u8>().map(Some).map_err(|_| {
            ValidationError::new("satisfaction", format!("{t:?} is not a score from 1 to 5")).into()
        }),
    }
}

/// `log edit`: every flag parsed first, then the interaction read, changed and written
/// in one transaction (only `--if-version` asks for a version).
fn edit(ctx: &mut Context, e: LogEditArgs) -> Result<()> {
    let kind = e
        .kind
        .as_deref()
        .map(|k| InteractionKind::parse("kind", k))
        .transpose()?;
    let direction = e
        .direction
        .as_deref()
        .map(|d| Direction::parse("direction", d))
        .transpose()?;
    let default_time = ctx.default_time()?;
    let at =
        e.at.as_deref()
            .map(|t| parse_datetime("at", t, &ctx.now(), default_time))
            .transpose()?;
    let satisfaction = e.satisfaction.as_deref().map(score).transpose()?;
    if kind.is_none()
        && direction.is_none()
        && at.is_none()
        && e.summary.is_none()
        && e.outcome.is_none()
        && satisfaction.is_none()
    {
        return Err(Error::msg(
            "log edit: say what to change: --kind, --direction, --at, --summary (-m), --outcome or --satisfaction",
        ));
    }
    let id = e.id;
    let (before, saved) = ctx.store.write(|w| {
        let current = w.interaction(id)?;
        let mut d = current.draft();
        if let Some(kind) = kind {
            d.kind = kind;
        }
        if let Some(direction) = direction {
            d.direction = direction;
        }
        if let Some(at) = at {
            d.occurred_at = at;
        }
        if let Some(summary) = &e.summary {
            d.summary.clone_from(summary);
        }
        if let Some(outcome) = &e.outcome {
            d.outcome = Some(outcome.clone()).filter(|o| !o.trim().is_empty());
        }
        if let Some(score) = satisfaction {
            d.satisfaction = score;
        }
        w.update_interaction(id, e.if_version.unwrap_or(current.version), &d)?;
        Ok((current, w.interaction(id)?))
    })?;
    if ctx.json {
        return ctx.print_json(&saved);
    }
    if saved.version == before.version {
        writeln!(
            ctx.out,
            "Interaction #{id} already reads so; nothing changed"
        )?;
    } else {
        writeln!(ctx.out, "Updated {}", describe(&saved))?;
    }
    Ok(())
}

fn delete(ctx: &mut Context, id: i64) -> Result<()> {
    let gone = ctx.store.interaction(id)?;
    ctx.store.write(|w| w.delete_interaction(id))?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "deleted": id }));
    }
    writeln!(
        ctx.out,
        "Deleted {}; `rapport undo` brings it back",
        describe(&gone)
    )?;
    Ok(())
}

/// "call #12 with customer #3 at 2026-11-23 09:30: Discussed the renewal"
fn describe(i: &Interaction) -> String {
    let summary: String = i.summary.chars().take(60).collect();
    let cut = if summary.len() < i.summary.len() {
        "…"
    } else {
        ""
    };
    format!(
        "{} #{} with customer #{} at {}: {}{cut}",
        i.kind,
        i.id,
        i.customer_id,
        local_time(i.occurred_at),
        for_terminal(&summary)
    )
}
