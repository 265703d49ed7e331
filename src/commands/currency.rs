//! `rapport currency`: dated exchange rates and the default currency.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::CurrencyCommand;
use crate::domain::Currency;
use crate::domain::exchange::ExchangeRate;
use crate::domain::when::parse_date;

pub fn run(ctx: &mut Context, cmd: CurrencyCommand) -> Result<()> {
    match cmd {
        CurrencyCommand::Set { code, rate, date } => {
            let currency = Currency::from_code(&code)?;
            let from = parse_date("date", &date, &ctx.now())?;
            let default = ctx.store.default_currency()?;
            let rate = ExchangeRate::parse(currency, default, from, &rate)?;
            ctx.store.write(|w| w.set_exchange_rate(&rate))?;
            if ctx.json {
                return ctx.print_json(&rate);
            }
            writeln!(
                ctx.out,
                "1 {} = {} {} from {} on",
                currency.code(),
                rate.rate,
                default.code(),
                rate.from
            )?;
            Ok(())
        }
        CurrencyCommand::Remove { code, date } => {
            let currency = Currency::from_code(&code)?;
            let from = parse_date("date", &date, &ctx.now())?;
            ctx.store
                .write(|w| w.remove_exchange_rate(currency, from))?;
            writeln!(
                ctx.out,
                "Removed the rate of {} from {from}",
                currency.code()
            )?;
            Ok(())
        }
        CurrencyCommand::Default { code } => {
            let currency = Currency::from_code(&code)?;
            ctx.store.write(|w| w.set_default_currency(currency))?;
            writeln!(ctx.out, "Reports convert to {}", currency.code())?;
            Ok(())
        }
        CurrencyCommand::List => list(ctx),
    }
}

fn list(ctx: &mut Context) -> Result<()> {
    let default = ctx.store.default_currency()?;
    let rates = ctx.store.exchange_rates()?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "default": default.code(),
            "rates": rates,
        }));
    }
    writeln!(ctx.out, "Default currency: {}", default.code())?;
    if rates.is_empty() {
        writeln!(
            ctx.out,
            "No exchange rates: deals in other currencies are counted, not added to money totals \
             (set one with `rapport currency set EUR 1.08 --date 2026-01-01`)."
        )?;
        return Ok(());
    }
    let mut t = Table::new(&["CURRENCY", "FROM", "RATE", "IN"]);
    for r in &rates {
        t.row(vec![
            r.currency.code().into(),
            r.from.to_string(),
            r.rate.clone(),
            default.code().into(),
        ]);
    }
    t.print(&mut ctx.out)?;
    Ok(())
}
