use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::{DealAddArgs, DealCommand, DealEditArgs, DealListArgs, StageCommand};
use crate::domain::deal::validate_probability;
use crate::domain::when::parse_date;
use crate::domain::{Currency, Deal, DealDraft, Money, StageOutcome};
use crate::store::DealFilter;
use crate::text::for_terminal;

pub fn run(ctx: &mut Context, cmd: DealCommand) -> Result<()> {
    match cmd {
        DealCommand::Add(args) => add(ctx, args),
        DealCommand::List(args) => list(ctx, args),
        DealCommand::Show { deal } => {
            let deal = ctx.store.deal(deal)?;
            report(ctx, "Deal", &deal)
        }
        DealCommand::Move { deal, stage } => {
            let moved = match stage.trim() {
                "next" => ctx.store.write(|w| w.step_deal(deal, 1))?,
                "prev" => ctx.store.write(|w| w.step_deal(deal, -1))?,
                key => ctx.store.write(|w| w.move_deal(deal, key))?,
            };
            report(ctx, "Moved deal", &moved)
        }
        DealCommand::Won { deal, date } => {
            let day = parse_date("date", &date, &ctx.now())?;
            let won = ctx.store.write(|w| w.mark_deal_won(deal, day))?;
            report(ctx, "Won deal", &won)
        }
        DealCommand::Lost { deal, reason, date } => {
            let day = parse_date("date", &date, &ctx.now())?;
            let lost = ctx.store.write(|w| w.mark_deal_lost(deal, &reason, day))?;
            report(ctx, "Lost deal", &lost)
        }
        DealCommand::Assign { deal, owner } => {
            let owner = ctx.operator(&owner)?;
            let assigned = ctx.store.write(|w| {
                w.assign("deal", deal, owner.id)?;
                w.deal(deal)
            })?;
            report(ctx, &format!("Gave {} deal", owner.login), &assigned)
        }
        DealCommand::Edit(args) => edit(ctx, args),
        DealCommand::Health(args) => super::pipeline_health::health(ctx, args),
        DealCommand::Delete { deal } => {
            let gone = ctx.store.write(|w| w.delete_deal(deal))?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "deleted": deal }));
            }
            report(ctx, "Deleted deal", &gone)?;
            writeln!(ctx.out, "`rapport undo` brings it back.")?;
            Ok(())
        }
        DealCommand::Reopen { deal, stage } => {
            let reopened = ctx.store.write(|w| w.reopen_deal(deal, stage.as_deref()))?;
            report(ctx, "Reopened deal", &reopened)
        }
    }
}

/// `deal edit`: every flag parsed and resolved first, then the deal read, changed and
/// written in one transaction (only `--if-version` asks for a version).
fn edit(ctx: &mut Context, a: DealEditArgs) -> Result<()> {
    let now = ctx.now();
    let stage = a.stage.as_deref().map(|s| ctx.store.stage(s)).transpose()?;
    let currency = a.currency.as_deref().map(Currency::from_code).transpose()?;
    let probability = a.probability.map(validate_probability).transpose()?;
    let close = match a.close.as_deref().map(str::trim) {
        None => None,
        Some("" | "none") => Some(None),
        Some(c) => Some(Some(parse_date("close", c, &now)?)),
    };
    let owner = a.owner.as_deref().map(|o| ctx.operator(o)).transpose()?;
    let nothing = a.cost.is_none()
        && a.title.is_none()
        && a.amount.is_none()
        && currency.is_none()
        && stage.is_none()
        && probability.is_none()
        && close.is_none()
        && owner.is_none()
        && a.reason.is_none();
    if nothing {
        return Err(crate::Error::msg(
            "deal edit: say what to change: --title, --amount, --currency, --stage, --probability, --close, --owner, --reason or --cost",
        ));
    }
    let today = now.date_naive();
    let id = a.deal;
    let (before, saved) = ctx.store.write(|w| {
        let current = w.deal(id)?;
        let mut c = current.change();
        if let Some(title) = &a.title {
            c.title.clone_from(title);
        }
        let in_currency = currency.unwrap_or(current.amount.currency);
        match &a.amount {
            Some(text) => c.amount = Money::parse(text, in_currency)?,
            None if currency.is_some() => c.amount = current.amount.with_currency(in_currency)?,
            None => {}
        }
        if let Some(stage) = &stage {
            c.stage_id = stage.id;
            c.probability = None;
        }
        if probability.is_some() {
            c.probability = probability;
        }
        if let Some(close) = close {
            c.expected_close = close;
        }
        if let Some(owner) = &owner {
            c.owner_id = Some(owner.id);
        }
        if let Some(reason) = &a.reason {
            c.lost_reason = Some(reason.clone());
        }
        w.update_deal(id, a.if_version.unwrap_or(current.version), &c, today)?;
        // The cost is in the deal's currency: typed in it, or carried over to a new one.
        let cost = match a.cost.as_deref().map(str::trim) {
            Some("" | "none") => Some(None),
            Some(text) => {
                Some(Some(Money::parse(text, in_currency).map_err(|e| {
                    crate::domain::ValidationError::new("cost", e.reason)
                })?))
            }
            None if currency.is_some_and(|c| c != current.amount.currency) => current
                .cost
                .map(|cost| cost.with_currency(in_currency))
                .transpose()
                .map_err(|e| crate::domain::ValidationError::new("cost", e.reason))?
                .map(Some),
            None => None,
        };
        if let Some(cost) = cost {
            w.set_deal_cost(id, cost)?;
        }
        Ok((current, w.deal(id)?))
    })?;
    if !ctx.json && saved.version == before.version {
        writeln!(
            ctx.out,
            "Deal #{id} already has these values; nothing changed"
        )?;
        return Ok(());
    }
    report(ctx, "Updated deal", &saved)
}

fn add(ctx: &mut Context, a: DealAddArgs) -> Result<()> {
    let customer_id = ctx.customer_id(&a.customer)?;
    let currency = ctx.currency(a.currency.as_deref())?;
    let stage_id = a
        .stage
        .as_deref()
        .map(|s| ctx.store.stage(s))
        .transpose()?
        .map(|s| s.id);
    let mut draft = DealDraft {
        customer_id,
        title: a.title,
        amount: Money::parse(&a.amount, currency)?,
        stage_id,
        probability: a.probability.map(validate_probability).transpose()?,
        expected_close: a
            .close
            .as_deref()
            .map(|c| parse_date("close", c, &ctx.now()))
            .transpose()?,
        owner_id: None,
    };
    let cost = a
        .cost
        .as_deref()
        .map(|c| Money::parse(c, currency))
        .transpose()
        .map_err(|e| crate::domain::ValidationError::new("cost", e.reason))?;
    draft.clone().validate()?;
    draft.owner_id = Some(ctx.owner_or_me(a.owner.as_deref())?);
    let deal = ctx.store.write(|w| {
        let id = w.add_deal(&draft)?;
        if cost.is_some() {
            w.set_deal_cost(id, cost)?;
        }
        w.deal(id)
    })?;
    report(ctx, "Added deal", &deal)
}

fn list(ctx: &mut Context, a: DealListArgs) -> Result<()> {
    let filter = DealFilter {
        customer_id: a
            .customer
            .as_deref()
            .map(|c| ctx.customer_id(c))
            .transpose()?,
        stage_id: a
            .stage
            .as_deref()
            .map(|s| ctx.store.stage(s))
            .transpose()?
            .map(|s| s.id),
        outcome: a
            .outcome
            .as_deref()
            .map(|o| StageOutcome::parse("outcome", o))
            .transpose()?,
        owner_id: None,
        closed_since: None,
        offset: 0,
        limit: a.limit,
    };
    let deals = ctx.store.deals(&filter)?;
    if ctx.json {
        return ctx.print_json(&deals);
    }
    let mut t = Table::new(&[
        "ID", "STAGE", "TITLE", "CUSTOMER", "AMOUNT", "PROB", "CLOSE", "OWNER",
    ]);
    for d in &deals {
        t.row(vec![
            d.id.to_string(),
            d.stage_key.clone(),
            d.title.clone(),
            d.customer_name.clone(),
            d.amount.to_string(),
            format!("{}%", d.probability),
            d.closed_on
                .or(d.expected_close)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            d.owner_login.clone().unwrap_or_default(),
        ]);
    }
    t.print(&mut ctx.out)?;
    Ok(())
}

fn report(ctx: &mut Context, verb: &str, d: &Deal) -> Result<()> {
    if ctx.json {
        return ctx.print_json(d);
    }
    let mut reason = d
        .lost_reason
        .as_deref()
        .map(|r| format!(" ({})", for_terminal(r)))
        .unwrap_or_default();
    if let Some(cost) = d.cost {
        reason.push_str(&format!(", cost {cost}"));
    }
    writeln!(
        ctx.out,
        "{verb} #{} {} for {}: {} in {} at {}%{reason}",
        d.id,
        for_terminal(&d.title),
        for_terminal(&d.customer_name),
        d.amount,
        d.stage_key,
        d.probability
    )?;
    Ok(())
}

/// `rapport stage list|set`.
pub fn stages(ctx: &mut Context, cmd: StageCommand) -> Result<()> {
    let stages = match cmd {
        StageCommand::List => ctx.store.stages()?,
        StageCommand::Set {
            stage,
            name,
            probability,
        } => {
            if name.is_none() && probability.is_none() {
                return Err(crate::Error::msg(
                    "stage: say what to change: --name and/or --probability",
                ));
            }
            vec![
                ctx.store
                    .write(|w| w.change_stage(&stage, name.as_deref(), probability))?,
            ]
        }
        StageCommand::Limit { stage, days } => {
            let days = crate::domain::pipeline_health::parse_idle_limit(&days)?;
            vec![ctx.store.write(|w| w.set_stage_idle_limit(&stage, days))?]
        }
    };
    if ctx.json {
        return ctx.print_json(&stages);
    }
    let mut t = Table::new(&["KEY", "NAME", "PROBABILITY", "OUTCOME", "IDLE LIMIT"]);
    for s in &stages {
        t.row(vec![
            s.key.clone(),
            for_terminal(&s.name).into_owned(),
            format!("{}%", s.probability),
            s.outcome.to_string(),
            match (s.outcome, s.idle_days) {
                (StageOutcome::Open, Some(d)) => crate::text::count(i64::from(d), "day", "days"),
                (StageOutcome::Open, None) => "none".into(),
                _ => "-".into(),
            },
        ]);
    }
    t.print(&mut ctx.out)?;
    Ok(())
}
