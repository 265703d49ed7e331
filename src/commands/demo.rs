use std::io::Write;
use std::time::Instant;

use super::Context;
use crate::cli::DemoArgs;
use crate::demo::{DemoOptions, generate};
use crate::{Error, Result};

pub fn run(ctx: &mut Context, args: DemoArgs) -> Result<()> {
    let existing = ctx.store.counts()?.customers;
    if existing > 0 {
        return Err(Error::msg(format!(
            "the database already holds {existing} customers; demo data goes into an empty database (pick one with --db PATH)"
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
        "Created {} customers ({} companies), {} interactions, {} deals, {} follow-ups and {} operators in {:.2} s.",
        report.customers,
        report.companies,
        report.interactions,
        report.deals,
        report.reminders,
        report.operators,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
