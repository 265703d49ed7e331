//! `rapport team`: every operator's performance against its quotas; `team quota`.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::{QuotaArgs, TeamArgs, TeamCommand};
use crate::domain::kpi::KpiRange;
use crate::domain::money::format_minor;
use crate::domain::when::parse_date;
use crate::domain::{Currency, Period, ValidationError};
use crate::report::{TeamReport, format_value, status_label, team_report};
use crate::text::sanitize::for_terminal;

pub fn run(ctx: &mut Context, a: TeamArgs) -> Result<()> {
    match a.command {
        Some(TeamCommand::Quota(args)) => quota(ctx, args),
        None => report(ctx, &a),
    }
}

/// `--from`/`--to` together override `--period`, as for `rapport kpi`.
fn range(ctx: &Context, a: &TeamArgs) -> Result<KpiRange> {
    let now = ctx.now();
    match (a.from.as_deref(), a.to.as_deref()) {
        (Some(from), Some(to)) => Ok(KpiRange::dates(
            parse_date("from", from, &now)?,
            parse_date("to", to, &now)?,
        )?),
        (Some(_), None) => Err(ValidationError::new("to", "--from needs --to as well").into()),
        (None, Some(_)) => Err(ValidationError::new("from", "--to needs --from as well").into()),
        (None, None) => Ok(KpiRange::Period(Period::parse("period", &a.period)?)),
    }
}

fn report(ctx: &mut Context, a: &TeamArgs) -> Result<()> {
    let range = range(ctx, a)?;
    let chosen = a
        .operator
        .as_deref()
        .map(|l| ctx.operator_as("operator", l))
        .transpose()?;
    let report = team_report(&ctx.store, range, &ctx.now(), ctx.me(), chosen.as_ref())?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report)?;
    Ok(())
}

fn one(value: Option<f64>, unit: &str) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.1}{unit}"))
}

fn print_report(out: &mut dyn Write, r: &TeamReport) -> Result<()> {
    let cur = r.currency;
    let span = if r.period == "all" {
        format!("all time, through {}", r.last_day)
    } else {
        format!("{} to {}", r.first_day, r.last_day)
    };
    let whose = match &r.operator {
        Some(login) => format!("Performance of {}", for_terminal(login)),
        None => "Team performance".to_string(),
    };
    writeln!(
        out,
        "{whose} ({}: {span}; money in {})",
        r.period,
        cur.code()
    )?;
    let mut table = Table::new(&[
        "OPERATOR",
        "ROLE",
        "CALLS",
        "EMAILS",
        "MEETINGS",
        "NOTES",
        "SMS",
        "FOLLOW-UPS DUE",
        "DONE",
        "ON TIME",
        "OVERDUE",
        "WON",
        "LOST",
        "REVENUE",
        "WIN RATE",
        "CYCLE",
        "CSAT",
    ]);
    let mut other_currency = 0;
    for p in &r.operators {
        let mut row = vec![p.login.clone(), p.role.to_string()];
        row.extend(p.interactions.iter().map(|(_, n)| n.to_string()));
        row.extend([
            p.followups_due.to_string(),
            p.followups_done.to_string(),
            one(p.followups_on_time_percent, "%"),
            p.followups_overdue.to_string(),
            p.deals_won.to_string(),
            p.deals_lost.to_string(),
            format_minor(p.revenue_minor, cur),
            one(p.win_rate, "%"),
            one(p.avg_cycle_days, " d"),
            p.avg_satisfaction
                .map_or_else(|| "-".into(), |v| format!("{v:.2}")),
        ]);
        table.row(row);
        other_currency += p.other_currency_won;
    }
    table.print(out)?;
    let quotas: Vec<_> = r
        .operators
        .iter()
        .flat_map(|p| p.quotas.iter().map(move |q| (p, q)))
        .collect();
    writeln!(out)?;
    if quotas.is_empty() {
        writeln!(
            out,
            "No quotas set (a manager sets one with `rapport team quota LOGIN KPI --target N --minimum N`)."
        )?;
    } else {
        writeln!(out, "Quotas")?;
        let mut table = Table::new(&["OPERATOR", "KPI", "VALUE", "TARGET", "MINIMUM", "STATUS"]);
        for (p, q) in quotas {
            table.row(vec![
                p.login.clone(),
                q.name.clone(),
                q.value
                    .map_or_else(|| "-".into(), |v| format_value(q.unit, v, cur)),
                format_value(q.unit, q.target, cur),
                format_value(q.unit, q.minimum, cur),
                status_label(q.standing).into(),
            ]);
        }
        table.print(out)?;
    }
    if other_currency > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "Note: {other_currency} won {} in other currencies than {} without an exchange rate: in WON, not in REVENUE.",
            if other_currency == 1 { "deal" } else { "deals" },
            cur.code()
        )?;
    }
    Ok(())
}

fn quota(ctx: &mut Context, a: QuotaArgs) -> Result<()> {
    let operator = ctx.operator_as("login", &a.login)?;
    let def = ctx.store.kpi_definition(&a.kpi)?;
    if a.clear {
        ctx.store.write(|w| w.clear_quota(&operator, &def.key))?;
        if ctx.json {
            return ctx.print_json(&serde_json::json!({
                "operator": operator.login, "kpi": def.key, "cleared": true
            }));
        }
        writeln!(
            ctx.out,
            "{}: no quota for {} any more",
            for_terminal(&operator.login),
            def.key
        )?;
        return Ok(());
    }
    let currency = Currency::from_code(&a.currency)?;
    let target = def.parse_figure("target", a.target.as_deref().unwrap_or_default(), currency)?;
    let minimum = def.parse_figure(
        "minimum",
        a.minimum.as_deref().unwrap_or_default(),
        currency,
    )?;
    let q = ctx
        .store
        .write(|w| w.set_quota(&operator, &def.key, target, minimum))?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "operator": operator.login, "kpi": q.kpi, "target": q.target, "minimum": q.minimum
        }));
    }
    writeln!(
        ctx.out,
        "{}: {} ({}) target {}, minimum {}",
        for_terminal(&operator.login),
        def.name,
        def.key,
        q.target,
        q.minimum
    )?;
    Ok(())
}
