//! `rapport retention`: repeat purchases, cohorts and churn.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::RetentionArgs;
use crate::report::{RetentionReport, retention_report};

pub fn run(ctx: &mut Context, a: RetentionArgs) -> Result<()> {
    let report = retention_report(&ctx.store, a.months, &ctx.now())?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report)?;
    Ok(())
}

fn print_report(out: &mut dyn Write, r: &RetentionReport) -> Result<()> {
    let rate = r
        .repeat_purchase_rate
        .map_or_else(|| "-".to_string(), |p| format!("{p:.1}%"));
    writeln!(
        out,
        "Retention on {}: {} customers have bought, {} more than once (repeat-purchase rate {rate})",
        r.as_of, r.buyers, r.repeat_buyers
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Cohorts by month of first purchase: share still buying after N months (- not that old yet)"
    )?;
    let mut t = Table::new(&[
        "COHORT",
        "CUSTOMERS",
        "1 MONTH",
        "3 MONTHS",
        "6 MONTHS",
        "12 MONTHS",
    ]);
    for c in &r.cohorts {
        let mut row = vec![c.month.format("%Y-%m").to_string(), c.customers.to_string()];
        row.extend(
            c.retained
                .iter()
                .map(|(_, s)| s.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))),
        );
        t.row(row);
    }
    t.print(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Churned per month: customers {} months past their last purchase",
        r.churn_months
    )?;
    let mut t = Table::new(&["MONTH", "CHURNED"]);
    for (m, n) in &r.churned {
        t.row(vec![m.format("%Y-%m").to_string(), n.to_string()]);
    }
    t.print(out)?;
    Ok(())
}
