//! `rapport satisfaction`: CSAT and NPS by month.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::SatisfactionArgs;
use crate::report::{SatisfactionReport, satisfaction_report};
use crate::text::sanitize::for_terminal;

pub fn run(ctx: &mut Context, a: SatisfactionArgs) -> Result<()> {
    let report = satisfaction_report(&ctx.store, a.months, &ctx.now(), ctx.me())?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report)?;
    Ok(())
}

fn figure(v: Option<f64>, decimals: usize, unit: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}{unit}"))
}

fn print_report(out: &mut dyn Write, r: &SatisfactionReport) -> Result<()> {
    let whose = match &r.operator {
        Some(login) => format!("customers of {}", for_terminal(login)),
        None => "all customers".into(),
    };
    writeln!(out, "Satisfaction by month ({whose})")?;
    let mut t = Table::new(&[
        "MONTH",
        "CSAT N",
        "AVG",
        "4-5",
        "NPS N",
        "PROMOTERS",
        "PASSIVES",
        "DETRACTORS",
        "NPS",
    ]);
    let mut row = |label: String,
                   c: &crate::domain::satisfaction::CsatCounts,
                   n: &crate::domain::satisfaction::NpsCounts| {
        t.row(vec![
            label,
            c.responses.to_string(),
            figure(c.average(), 2, ""),
            figure(c.percent(), 1, "%"),
            n.responses().to_string(),
            n.promoters.to_string(),
            n.passives.to_string(),
            n.detractors.to_string(),
            figure(n.score(), 1, ""),
        ]);
    };
    for m in &r.months {
        row(m.month.format("%Y-%m").to_string(), &m.csat, &m.nps);
    }
    row("all".into(), &r.csat, &r.nps);
    t.print(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "CSAT: the 1-5 score on interactions (4-5: satisfied). NPS: % promoters (9-10) − % detractors (0-6), \
         each customer's latest answer per month; record one with `rapport log CUSTOMER --nps 9`."
    )?;
    Ok(())
}
