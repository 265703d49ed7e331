//! `rapport value`: customer value, RFM segments and the customers worth most.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::ValueArgs;
use crate::domain::money::format_minor;
use crate::domain::{Currency, Segment};
use crate::report::{ValueQuery, ValueReport, value_report};

pub fn run(ctx: &mut Context, a: ValueArgs) -> Result<()> {
    let segment = a
        .segment
        .as_deref()
        .map(|s| Segment::parse("segment", s))
        .transpose()?;
    let report = value_report(
        &ctx.store,
        ValueQuery {
            segment,
            limit: a.limit as usize,
        },
        &ctx.now(),
    )?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    print_report(&mut ctx.out, &report)?;
    Ok(())
}

fn money(minor: i128, currency: Currency) -> String {
    format_minor(minor, currency)
}

fn print_report(out: &mut dyn Write, r: &ValueReport) -> Result<()> {
    let cur = r.currency;
    let retention = r
        .retention_12m
        .map_or_else(|| "not known yet".to_string(), |p| format!("{p:.1}%"));
    writeln!(
        out,
        "Customer value on {} (money in {}): {} customers have bought; 12-month retention {retention}",
        r.as_of,
        cur.code(),
        r.customers_with_purchases
    )?;
    let mut table = Table::new(&["SEGMENT", "CUSTOMERS", "SHARE", "REVENUE", "WHO"]);
    for s in &r.segments {
        table.row(vec![
            s.label.into(),
            s.customers.to_string(),
            format!("{:.1}%", s.share),
            money(s.revenue_minor, cur),
            s.meaning.into(),
        ]);
    }
    table.print(out)?;
    writeln!(out)?;
    match r.segment {
        Some(s) => writeln!(out, "{} customers, most revenue first:", s.label())?,
        None => writeln!(out, "Customers with the most revenue:")?,
    }
    if r.customers.is_empty() {
        writeln!(out, "  none")?;
    } else {
        let mut table = Table::new(&[
            "ID",
            "NAME",
            "REVENUE",
            "DEALS",
            "AVG DEAL",
            "FIRST",
            "LAST",
            "LTV",
            "RFM",
            "SEGMENT",
            "CHURN RISK",
        ]);
        for c in &r.customers {
            table.row(vec![
                c.customer_id.to_string(),
                c.name.clone(),
                money(c.revenue_minor, cur),
                c.won_deals.to_string(),
                c.average_deal_minor
                    .map_or_else(|| "-".into(), |m| money(m, cur)),
                c.first_purchase.to_string(),
                c.last_purchase.to_string(),
                money(c.lifetime_value_minor, cur),
                c.rfm.to_string(),
                c.segment.label().into(),
                c.churn_risk.label().into(),
            ]);
        }
        table.print(out)?;
    }
    if r.unconverted_deals > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "Note: {} won {} in other currencies than {} {} no exchange rate: counted as purchases, not in revenue.",
            r.unconverted_deals,
            if r.unconverted_deals == 1 {
                "deal"
            } else {
                "deals"
            },
            cur.code(),
            if r.unconverted_deals == 1 {
                "has"
            } else {
                "have"
            },
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "RFM: recency, frequency, monetary, 1-5 each by quintile of the customers who bought. \
         LTV: revenue + average deal × deals a year × (r + r² + r³), r the 12-month retention."
    )?;
    Ok(())
}
