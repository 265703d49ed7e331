//! `rapport kpi`: the KPI report and forecast; `rapport kpi set`: targets.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::{KpiArgs, KpiCommand, KpiSetArgs};
use crate::domain::ValidationError;
use crate::domain::kpi::KpiRange;
use crate::domain::money::format_minor;
use crate::domain::when::parse_date;
use crate::report::{
    FORECAST_MONTHS, KpiReport, default_kpi_scope, format_value, kpi_report_for, revenue_left_out,
    target_scaling,
};
use crate::text::sanitize::for_terminal;

pub fn run(ctx: &mut Context, a: KpiArgs) -> Result<()> {
    match a.command {
        Some(KpiCommand::Set(args)) => set(ctx, args),
        None => report(ctx, &a),
    }
}

/// The range the flags ask for: `--from`/`--to` together override `--period`.
fn range(ctx: &Context, a: &KpiArgs) -> Result<KpiRange> {
    let now = ctx.now();
    match (a.from.as_deref(), a.to.as_deref()) {
        (Some(from), Some(to)) => Ok(KpiRange::dates(
            parse_date("from", from, &now)?,
            parse_date("to", to, &now)?,
        )?),
        (Some(_), None) => Err(ValidationError::new("to", "--from needs --to as well").into()),
        (None, Some(_)) => Err(ValidationError::new("from", "--to needs --from as well").into()),
        (None, None) => Ok(KpiRange::Period(ctx.period(a.period.as_deref())?)),
    }
}

fn report(ctx: &mut Context, a: &KpiArgs) -> Result<()> {
    let range = range(ctx, a)?;
    let currency = ctx.currency(a.currency.as_deref())?;
    let who = match (&a.operator, a.mine, a.team) {
        (Some(login), _, _) => Some(ctx.operator_as("operator", login)?),
        (None, true, _) => Some(ctx.me().clone()),
        (None, _, true) => None,
        (None, false, false) => default_kpi_scope(ctx.me()).cloned(),
    };
    let report = kpi_report_for(&ctx.store, range, currency, &ctx.now(), who.as_ref())?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report)?;
    Ok(())
}

fn print_report(out: &mut dyn Write, r: &KpiReport) -> Result<()> {
    let cur = r.currency;
    let span = if r.period == "all" {
        format!("all time, through {}", r.last_day)
    } else {
        format!("{} to {}", r.first_day, r.last_day)
    };
    let whose = match &r.operator {
        Some(login) => format!("KPIs of {}", for_terminal(login)),
        None => "KPIs of the team".to_string(),
    };
    writeln!(
        out,
        "{whose} ({}: {span}; money in {})",
        r.period,
        cur.code()
    )?;
    let mut table = Table::new(&["GROUP", "KPI", "VALUE", "TARGET", "MINIMUM", "STATUS"]);
    for k in &r.kpis {
        table.row(vec![
            k.group.to_string(),
            k.name.clone(),
            k.value
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.target
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.minimum
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.status().into(),
        ]);
    }
    table.print(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Forecast: open deals in {} by expected close, next {FORECAST_MONTHS} months (weighted by probability)",
        cur.code()
    )?;
    let mut table = Table::new(&["MONTH", "DEALS", "TOTAL", "WEIGHTED"]);
    for m in &r.forecast {
        table.row(vec![
            m.month.format("%Y-%m").to_string(),
            m.deals.to_string(),
            format_minor(m.total_minor, cur),
            format_minor(m.weighted_minor, cur),
        ]);
    }
    table.print(out)?;
    let mut notes = Vec::new();
    if let Some(left_out) = revenue_left_out(r) {
        notes.push(format!("revenue won {left_out}"));
    }
    if r.other_currency_open > 0 {
        notes.push(format!(
            "{} open {} in other currencies left out of the forecast",
            r.other_currency_open,
            deals(r.other_currency_open)
        ));
    }
    if r.open_deals_without_close_date > 0 {
        notes.push(format!(
            "{} open {} without an expected close date left out of the forecast",
            r.open_deals_without_close_date,
            deals(r.open_deals_without_close_date)
        ));
    }
    if let Some(scaling) = target_scaling(r) {
        notes.push(scaling);
    }
    if r.period == "all" {
        notes.push("totals over all time have no target".into());
    }
    if !notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "Note: {}.", notes.join("; "))?;
    }
    Ok(())
}

fn deals(n: i64) -> &'static str {
    if n == 1 { "deal" } else { "deals" }
}

fn set(ctx: &mut Context, a: KpiSetArgs) -> Result<()> {
    let currency = ctx.currency(a.currency.as_deref())?;
    let def = ctx.store.kpi_definition(&a.key)?;
    let target = def.parse_figure("target", &a.target, currency)?;
    let minimum = def.parse_figure("minimum", &a.minimum, currency)?;
    // The definition as this write left it.
    let def = ctx.store.write(|w| {
        w.set_kpi_target(&def.key, target, minimum)?;
        w.kpi_definition(&def.key)
    })?;
    if ctx.json {
        return ctx.print_json(&def);
    }
    let better = if def.higher_is_better {
        "higher"
    } else {
        "lower"
    };
    writeln!(
        ctx.out,
        "{} ({}): target {}, minimum {} ({better} is better)",
        def.name, def.key, def.target, def.minimum
    )?;
    Ok(())
}
