use std::io::Write;
use std::time::Instant;

use super::Context;
use crate::cli::DemoArgs;
use crate::demo::{DemoOptions, generate};
use crate::text::count;
use crate::{Error, Result};

pub fn run(ctx: &mut Context, args: DemoArgs) -> Result<()> {
    let existing = ctx.store.counts()?.customers;
    if existing > 0 {
        return Err(Error::msg(format!(
            "the database already holds {}; demo data goes into an empty database (pick one with --db PATH)",
            count(existing, "customer", "customers")
        )));
    }
    let login = ctx.me().login.clone();
    let started = Instant::now();
    let report = generate(
        &mut ctx.store,
        DemoOptions {
            customers: args.customers,
            seed: args.seed,
        },
        &login,
    )?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    writeln!(
        ctx.out,
        "Created {} ({}), {}, {}, {} and {} in {:.2} s.",
        count(report.customers, "customer", "customers"),
        count(report.companies, "company", "companies"),
        count(report.interactions, "interaction", "interactions"),
        count(report.deals, "deal", "deals"),
        count(report.reminders, "follow-up", "follow-ups"),
        count(report.operators, "operator", "operators"),
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
