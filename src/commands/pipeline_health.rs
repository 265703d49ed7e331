//! `rapport deal health` (rotting deals, deals without a follow-up planned, lost
//! reasons, the funnel) and `rapport forecast` (by stage or operator, a table and a
//! chart). Both print what `report::health_report` / `forecast_report` compute, the
//! same figures the app's health view shows.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::{DealHealthArgs, ForecastArgs};
use crate::domain::kpi::KpiRange;
use crate::domain::money::format_minor;
use crate::domain::pipeline_health::{Breakdown, CHART_GLYPHS, Value, stacked_bar};
use crate::domain::when::parse_date;
use crate::domain::{Currency, Period, ValidationError};
use crate::report::{
    ForecastReport, HEALTH_LIST, HealthDealRow, HealthReport, amount_text, compact_money,
    forecast_report, health_report, left_out_text,
};
use crate::text::for_terminal;

fn range(ctx: &Context, a: &DealHealthArgs) -> Result<KpiRange> {
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

pub fn health(ctx: &mut Context, a: DealHealthArgs) -> Result<()> {
    if !(1..=HEALTH_LIST).contains(&a.limit) {
        return Err(ValidationError::new(
            "limit",
            format!("{} is not a number from 1 to {HEALTH_LIST}", a.limit),
        )
        .into());
    }
    let range = range(ctx, &a)?;
    let chosen = a
        .operator
        .as_deref()
        .map(|l| ctx.operator_as("operator", l))
        .transpose()?;
    let report = health_report(&ctx.store, &ctx.now(), range, ctx.me(), chosen.as_ref())?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_health(&mut ctx.out, &report, a.limit)?;
    Ok(())
}

fn money(v: &Value, c: Currency) -> String {
    let text = format_minor(v.value_minor, c);
    if v.left_out.is_empty() {
        text
    } else {
        format!("{text} +{}", v.left_out_deals())
    }
}

fn days(d: Option<u32>) -> String {
    d.map_or_else(|| "none".into(), |d| format!("{d} d"))
}

fn deal_rows(
    out: &mut dyn Write,
    rows: &[HealthDealRow],
    limit: usize,
    first: &'static str,
    first_cell: &dyn Fn(&HealthDealRow) -> String,
) -> Result<()> {
    let mut t = Table::new(&[
        first, "DEAL", "TITLE", "CUSTOMER", "STAGE", "OWNER", "AMOUNT", "IDLE",
    ]);
    for r in rows.iter().take(limit) {
        t.row(vec![
            first_cell(r),
            format!("#{}", r.deal.id),
            crate::text::fit(&r.deal.title, 30).into_owned(),
            crate::text::fit(&r.deal.customer, 30).into_owned(),
            r.deal.stage.clone(),
            r.deal.owner.clone().unwrap_or_else(|| "-".into()),
            amount_text(&r.deal.amount),
            format!("{} d", r.idle_days),
        ]);
    }
    t.print(out)?;
    Ok(())
}

fn print_health(out: &mut dyn Write, r: &HealthReport, limit: usize) -> Result<()> {
    let cur = r.currency;
    let whose = match &r.operator {
        Some(login) => format!("Pipeline health of {}'s deals", for_terminal(login)),
        None => "Pipeline health of the team's deals".to_string(),
    };
    writeln!(out, "{whose} ({}; money in {})", r.today, cur.code())?;
    let mut t = Table::new(&[
        "STAGE",
        "IDLE LIMIT",
        "OPEN",
        "VALUE",
        "ROTTING",
        "VALUE",
        "NO FOLLOW-UP",
        "VALUE",
    ]);
    for s in &r.stages {
        t.row(vec![
            s.name.clone(),
            days(s.idle_limit_days),
            s.open.deals.to_string(),
            money(&s.open, cur),
            s.rotting.deals.to_string(),
            money(&s.rotting, cur),
            s.no_follow_up.deals.to_string(),
            money(&s.no_follow_up, cur),
        ]);
    }
    t.row(vec![
        "Total".into(),
        String::new(),
        r.open.deals.to_string(),
        money(&r.open, cur),
        r.rotting.deals.to_string(),
        money(&r.rotting, cur),
        r.no_follow_up.deals.to_string(),
        money(&r.no_follow_up, cur),
    ]);
    t.print(out)?;
    if let Some(text) = left_out_text(&r.open.left_out) {
        writeln!(out, "+N: deals counted but not in the value. {text}.")?;
    }
    writeln!(
        out,
        "Rotting: idle (no change to the deal, no interaction logged against it) for more days than \
         its stage's limit (`rapport stage limit`). No follow-up: no open follow-up on the deal or \
         on its customer."
    )?;
    writeln!(out)?;
    let shown = |n: usize, of: i64| {
        if (n as i64) < of {
            format!("{n} of {of}")
        } else {
            of.to_string()
        }
    };
    if r.rotting_deals.is_empty() {
        writeln!(out, "No deal is rotting.")?;
    } else {
        writeln!(
            out,
            "Rotting deals, most idle first ({}):",
            shown(r.rotting_deals.len().min(limit), r.rotting.deals)
        )?;
        deal_rows(out, &r.rotting_deals, limit, "LIMIT", &|d| {
            days(d.idle_limit_days)
        })?;
    }
    writeln!(out)?;
    if r.no_follow_up_deals.is_empty() {
        writeln!(out, "Every open deal has a follow-up planned.")?;
    } else {
        writeln!(
            out,
            "No follow-up planned, soonest expected close first ({}):",
            shown(r.no_follow_up_deals.len().min(limit), r.no_follow_up.deals)
        )?;
        deal_rows(out, &r.no_follow_up_deals, limit, "CLOSE", &|d| {
            d.deal
                .expected_close
                .map_or_else(|| "-".into(), |c| c.to_string())
        })?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Lost reasons ({}: {} to {}):",
        r.lost_period, r.lost_first_day, r.lost_last_day
    )?;
    if r.lost_reasons.is_empty() {
        writeln!(out, "No deal was lost.")?;
    } else {
        let mut t = Table::new(&["REASON", "DEALS", "SHARE", "VALUE"]);
        for l in &r.lost_reasons {
            t.row(vec![
                crate::text::fit(&l.reason, 40).into_owned(),
                l.value.deals.to_string(),
                format!(
                    "{:.1}%",
                    l.value.deals as f64 * 100.0 / r.lost.deals.max(1) as f64
                ),
                money(&l.value, cur),
            ]);
        }
        t.row(vec![
            "Total".into(),
            r.lost.deals.to_string(),
            String::new(),
            money(&r.lost, cur),
        ]);
        t.print(out)?;
        if let Some(text) = left_out_text(&r.lost.left_out) {
            writeln!(out, "{text} (at the close day's rate).")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Funnel: every deal by the furthest open stage it reached (moved on: to a later stage, or won):"
    )?;
    let pct = |p: Option<f64>| p.map_or_else(|| "-".into(), |p| format!("{p:.1}%"));
    let mut t = Table::new(&[
        "STAGE",
        "REACHED",
        "MOVED ON",
        "TO NEXT",
        "WON",
        "TO WON",
        "LOST HERE",
        "OPEN HERE",
    ]);
    for f in &r.funnel {
        t.row(vec![
            f.name.clone(),
            f.reached.to_string(),
            f.moved_on.to_string(),
            pct(f.to_next_percent),
            f.won.to_string(),
            pct(f.to_won_percent),
            f.lost_here.to_string(),
            f.open_here.to_string(),
        ]);
    }
    t.print(out)?;
    Ok(())
}

pub fn forecast(ctx: &mut Context, a: ForecastArgs) -> Result<()> {
    let by = Breakdown::parse(&a.by)?;
    let chosen = a
        .operator
        .as_deref()
        .map(|l| ctx.operator_as("operator", l))
        .transpose()?;
    let report = forecast_report(
        &ctx.store,
        &ctx.now(),
        a.months,
        by,
        ctx.me(),
        chosen.as_ref(),
    )?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_forecast(&mut ctx.out, &report)?;
    Ok(())
}

/// The chart's bars are this many cells at most.
const CHART_WIDTH: usize = 40;

fn print_forecast(out: &mut dyn Write, r: &ForecastReport) -> Result<()> {
    let cur = r.currency;
    let t = &r.table;
    let whose = match &r.operator {
        Some(login) => format!(" of {}'s deals", for_terminal(login)),
        None => String::new(),
    };
    writeln!(
        out,
        "Forecast by {}{whose}: open deals by expected close, weighted by probability, {} months \
         (money in {})",
        t.by.as_str(),
        t.months.len(),
        cur.code()
    )?;
    let month = |m: &chrono::NaiveDate| m.format("%b %Y").to_string();
    let mut headers = vec![t.by.as_str().to_uppercase()];
    headers.extend(t.months.iter().map(month));
    headers.push("TOTAL".into());
    headers.push("DEALS".into());
    let mut table = Table::with_headers(headers);
    for s in &t.series {
        let mut row = vec![s.name.clone()];
        row.extend(s.months.iter().map(|c| format_minor(c.weighted_minor, cur)));
        row.push(format_minor(s.total.weighted_minor, cur));
        row.push(s.total.deals.to_string());
        table.row(row);
    }
    let mut row = vec!["Total".to_string()];
    row.extend(t.totals.iter().map(|c| format_minor(c.weighted_minor, cur)));
    row.push(format_minor(t.total.weighted_minor, cur));
    row.push(t.total.deals.to_string());
    table.row(row);
    let mut unweighted = vec!["Unweighted".to_string()];
    unweighted.extend(t.totals.iter().map(|c| format_minor(c.total_minor, cur)));
    unweighted.push(format_minor(t.total.total_minor, cur));
    unweighted.push(String::new());
    table.row(unweighted);
    table.print(out)?;
    writeln!(out)?;
    let max = t.totals.iter().map(|c| c.weighted_minor).max().unwrap_or(0);
    for (i, m) in t.months.iter().enumerate() {
        let values: Vec<i128> = t
            .series
            .iter()
            .map(|s| s.months[i].weighted_minor)
            .collect();
        let bar: String = stacked_bar(&values, max, CHART_WIDTH)
            .into_iter()
            .map(|(g, n)| CHART_GLYPHS[g].to_string().repeat(n))
            .collect();
        let width = crate::text::display_width(&bar);
        writeln!(
            out,
            "{}  {bar}{}  {}",
            month(m),
            " ".repeat(CHART_WIDTH.saturating_sub(width)),
            compact_money(t.totals[i].weighted_minor, cur)
        )?;
    }
    let legend: Vec<String> = t
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let g = CHART_GLYPHS[i.min(CHART_GLYPHS.len() - 1)];
            format!("{g} {}", for_terminal(&s.name))
        })
        .collect();
    if !legend.is_empty() {
        writeln!(out, "{}", legend.join("  "))?;
    }
    if let Some(first) = t.months.first() {
        writeln!(
            out,
            "Late deals (expected before {}) count in its month; {} expected later and {} \
             without an expected close are not in the forecast.",
            month(first),
            t.later_deals,
            t.undated_deals
        )?;
    }
    if let Some(text) = left_out_text(&t.left_out) {
        writeln!(out, "{text} (at today's rate).")?;
    }
    Ok(())
}
