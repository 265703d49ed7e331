//! `rapport kpi`: the KPI report and forecast; `rapport kpi set`: targets.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::{KpiArgs, KpiCommand, KpiDefineArgs, KpiSetArgs};
use crate::domain::kpi::{KpiRange, KpiValue};
use crate::domain::kpi_measure::{
    KpiFilter, Measure, catalogue_lines, check_name, definition_of, parse_group,
};
use crate::domain::money::format_minor;
use crate::domain::when::parse_date;
use crate::domain::{KpiFigure, Period, ValidationError};
use crate::report::{
    FORECAST_MONTHS, KpiReport, default_kpi_scope, forecast_left_out, format_value,
    kpi_report_with, kpis_by_group, revenue_left_out, sparkline, target_scaling,
};
use crate::store::KpiDraft;
use crate::text::sanitize::for_terminal;

pub fn run(ctx: &mut Context, a: KpiArgs) -> Result<()> {
    match a.command {
        Some(KpiCommand::Set(args)) => set(ctx, args),
        Some(KpiCommand::Define(args)) => define(ctx, args),
        Some(KpiCommand::Undefine { name }) => undefine(ctx, &name),
        Some(KpiCommand::Measures) => measures(ctx),
        None => report(ctx, &a),
    }
}

fn measures(ctx: &mut Context) -> Result<()> {
    if ctx.json {
        let all: Vec<serde_json::Value> = Measure::ALL
            .iter()
            .map(|m| {
                serde_json::json!({
                    "measure": m,
                    "unit": m.unit(),
                    "higher_is_better": m.higher_is_better(),
                    "total": m.is_total(),
                    "about": m.about(),
                    "operator": m.operator_means(),
                    "stage": m.takes_stage(),
                })
            })
            .collect();
        return ctx.print_json(&all);
    }
    for line in catalogue_lines() {
        writeln!(ctx.out, "{line}")?;
    }
    writeln!(
        ctx.out,
        "\nTotals (revenue_won, deals_won, deals_lost, gross_profit, new_customers, churned_customers) \
         scale their target to the period reported; --stage applies to open_pipeline and weighted_pipeline."
    )?;
    Ok(())
}

/// `kpi define`: the figures read in the measure's unit, then one transaction with
/// its audit entry.
fn define(ctx: &mut Context, a: KpiDefineArgs) -> Result<()> {
    let measure = Measure::parse("measure", &a.measure)?;
    let group = parse_group(&a.group)?;
    let period = Period::parse("period", &a.period)?;
    let currency = ctx.currency(a.currency.as_deref())?;
    let (name, key) = check_name(&a.name)?;
    let blank = KpiFigure::whole(0);
    let def = definition_of(&key, &name, measure, group, period, blank, blank);
    let draft = KpiDraft {
        name,
        measure,
        filter: KpiFilter {
            tag: a.tag,
            stage: a.stage,
            operator: a.operator,
            source: a.source,
        },
        group,
        period,
        target: def.parse_figure("target", &a.target, currency)?,
        minimum: def.parse_figure("minimum", &a.minimum, currency)?,
    };
    let (kpi, replaced) = ctx.store.write(|w| w.define_kpi(&draft))?;
    if ctx.json {
        return ctx.print_json(&kpi);
    }
    let better = if measure.higher_is_better() {
        "higher"
    } else {
        "lower"
    };
    writeln!(
        ctx.out,
        "{} KPI {} ({}): {}; {}, target {} · minimum {} per {} ({better} is better)",
        if replaced { "Redefined" } else { "Defined" },
        for_terminal(&kpi.name),
        kpi.key,
        describe_measure(&kpi.measure, &kpi.filter),
        kpi.group,
        kpi.target,
        kpi.minimum,
        kpi.period,
    )?;
    Ok(())
}

fn undefine(ctx: &mut Context, name: &str) -> Result<()> {
    let kpi = ctx.store.write(|w| w.undefine_kpi(name))?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "removed": kpi.key }));
    }
    writeln!(
        ctx.out,
        "Removed KPI {} ({})",
        for_terminal(&kpi.name),
        kpi.key
    )?;
    Ok(())
}

/// `revenue_won · tag vip`.
fn describe_measure(measure: &Measure, filter: &KpiFilter) -> String {
    if filter.is_empty() {
        measure.to_string()
    } else {
        format!("{measure} · {}", for_terminal(&filter.describe()))
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
    let report = kpi_report_with(
        &ctx.store,
        range,
        currency,
        &ctx.now(),
        who.as_ref(),
        a.trend,
    )?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report, a.trend)?;
    Ok(())
}

fn print_report(out: &mut dyn Write, r: &KpiReport, trend: bool) -> Result<()> {
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
    let trended = trend && !r.trend_periods.is_empty();
    let mut headers = vec!["GROUP", "KPI", "VALUE", "TARGET", "MINIMUM", "STATUS"];
    if trended {
        headers.push("TREND");
    }
    let mut table = Table::new(&headers);
    for k in kpis_by_group(&r.kpis) {
        let mut row = vec![
            k.group.to_string(),
            for_terminal(&k.name).into_owned(),
            k.value
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.target
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.minimum
                .map_or_else(|| "-".into(), |v| format_value(k.unit, v, cur)),
            k.status().into(),
        ];
        if trended {
            row.push(sparkline(&k.trend));
        }
        table.row(row);
    }
    table.print(out)?;
    if trended && let (Some(first), Some(last)) = (r.trend_periods.first(), r.trend_periods.last())
    {
        writeln!(
            out,
            "Trend: {} periods, {} to {}, the current one last.",
            r.trend_periods.len(),
            first.first_day,
            last.last_day
        )?;
    }
    let defined: Vec<&KpiValue> = r.kpis.iter().filter(|k| k.measure.is_some()).collect();
    if !defined.is_empty() {
        writeln!(out)?;
        writeln!(out, "Defined by the business:")?;
        for k in defined {
            let Some(measure) = &k.measure else {
                continue;
            };
            writeln!(
                out,
                "  {} ({}): {}; targets per {}",
                for_terminal(&k.name),
                k.key,
                describe_measure(measure, &k.filter),
                k.target_period
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Forecast: open deals by expected close in {} (other currencies at today's rates), next {FORECAST_MONTHS} months (weighted by probability)",
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
    if let Some(left_out) = forecast_left_out(r) {
        notes.push(format!("forecast {left_out}"));
    }
    if let (true, Some(last)) = (r.open_deals_after_forecast > 0, r.forecast.last()) {
        notes.push(format!(
            "{} open {} expected after {} not in the forecast",
            r.open_deals_after_forecast,
            deals(r.open_deals_after_forecast),
            last.month.format("%Y-%m")
        ));
    }
    if r.open_deals_without_close_date > 0 {
        notes.push(format!(
            "{} open {} without an expected close date left out of the forecast",
            r.open_deals_without_close_date,
            deals(r.open_deals_without_close_date)
        ));
    }
    for k in r.kpis.iter().filter(|k| k.note.is_some()) {
        if let Some(note) = &k.note {
            notes.push(format!("{}: {note}", for_terminal(&k.name)));
        }
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
