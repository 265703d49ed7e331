//! `rapport import --deals FILE [--accounts FILE] [--products FILE]`.

use std::io::Write;
use std::path::Path;

use super::Context;
use crate::atomic_file::database_files;
use crate::cli::ImportArgs;
use crate::io::deals::{DealImportError, DealImportOptions, DealImportReport, import_deals_then};
use crate::io::import::{commit_rejects, stage_reject_file};
use crate::io::record::Problem;
use crate::io::sheet::{self, SheetOutcome};
use crate::io::{csv::CsvOptions, mapping::FieldMap};
use crate::text::count;
use crate::{Error, Result};

/// Refused rows listed in an error message; the rest are counted.
const LISTED: usize = 20;

/// Reads a spreadsheet with `read`.
fn sheet_of<T>(
    path: &Path,
    options: &CsvOptions,
    read: impl Fn(&[u8], &CsvOptions) -> std::result::Result<SheetOutcome<T>, crate::io::ReadError>,
) -> Result<SheetOutcome<T>> {
    let bytes = std::fs::read(path).map_err(|e| Error::msg(format!("{}: {e}", path.display())))?;
    read(&bytes, options).map_err(|e| Error::msg(format!("{}: {e}", path.display())))
}

pub fn run(ctx: &mut Context, args: &ImportArgs, deals_path: &Path) -> Result<()> {
    let encoding = super::import::encoding_of(args)?;
    let map = args
        .map
        .as_deref()
        .map(FieldMap::parse)
        .transpose()
        .map_err(|e| Error::msg(format!("--map: {e}")))?;
    let with_map = CsvOptions {
        encoding,
        map: map.clone(),
    };
    let plain = CsvOptions {
        encoding,
        map: None,
    };
    let deals = sheet_of(deals_path, &with_map, sheet::read_deals)?;
    let accounts = match &args.accounts {
        Some(p) => sheet_of(p, &plain, sheet::read_accounts)?.records,
        None => Vec::new(),
    };
    let products = match &args.products {
        Some(p) => sheet_of(p, &plain, sheet::read_products)?.records,
        None => Vec::new(),
    };
    let stages = args
        .stages
        .iter()
        .map(|s| {
            s.split_once('=')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| {
                    Error::msg(format!(
                        "--stage {s:?}: write NAME=KEY, e.g. Engaging=qualified"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let me = ctx.me().id;
    let options = DealImportOptions {
        currency: Some(ctx.currency(args.currency.as_deref())?),
        stages,
        skip_invalid: args.skip_invalid,
        dry_run: args.dry_run,
        default_owner: Some(me),
    };
    // The refused rows are saved before the import commits: if they cannot be,
    // nothing is imported.
    let protected = ctx.store.path().map(database_files).unwrap_or_default();
    let mut staged = None;
    let mut stage = |invalid: &[Problem]| -> Result<()> {
        if !options.dry_run && !invalid.is_empty() {
            let refused: Vec<&str> = invalid.iter().map(|p| p.raw.as_str()).collect();
            staged = Some(stage_reject_file(
                deals_path,
                args.rejects.as_deref(),
                Some(&deals.header),
                &refused,
                &protected,
            )?);
        }
        Ok(())
    };
    let imported = import_deals_then(
        &mut ctx.store,
        &deals.records,
        &accounts,
        &products,
        deals.problems.clone(),
        &options,
        &mut stage,
    );
    let report = match imported {
        Ok(r) => r,
        Err(DealImportError::Refused(problems)) => {
            let mut text = DealImportError::Refused(problems.clone()).to_string();
            for p in problems.iter().take(LISTED) {
                let p = crate::text::for_terminal(&p.to_string()).into_owned();
                text.push_str(&format!("\n  {}: {p}", deals_path.display()));
            }
            if problems.len() > LISTED {
                text.push_str(&format!("\n  … and {} more", problems.len() - LISTED));
            }
            return Err(Error::msg(text));
        }
        Err(e @ DealImportError::Rejects(_)) => return Err(Error::msg(e.to_string())),
        Err(DealImportError::Store(e)) => return Err(e.into()),
    };
    let rejects = commit_rejects(staged.into_iter().collect())?.pop();
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "report": report, "rejects": rejects }));
    }
    print(&mut ctx.out, deals_path, &report, rejects.as_deref())?;
    Ok(())
}

fn print(
    out: &mut impl Write,
    file: &Path,
    r: &DealImportReport,
    rejects: Option<&str>,
) -> Result<()> {
    let would = if r.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    writeln!(
        out,
        "{}: imported {}{would}",
        file.display(),
        count(r.deals, "deal", "deals")
    )?;
    let stages: Vec<String> = r.by_stage.iter().map(|(k, n)| format!("{k} {n}")).collect();
    writeln!(out, "  by stage: {}", stages.join(", "))?;
    writeln!(
        out,
        "  companies: {} created, {} already here",
        r.companies_created, r.companies_matched
    )?;
    if !r.operators_created.is_empty() {
        writeln!(
            out,
            "  operators added (sales agents, as owners): {}",
            r.operators_created.join(", ")
        )?;
    }
    if r.without_value > 0 {
        writeln!(
            out,
            "  {} no value yet: imported with amount 0",
            count(r.without_value, "open deal has", "open deals have")
        )?;
    }
    for (written, (product, n)) in &r.products_normalised {
        writeln!(
            out,
            "  product {written:?} ({}) is {product:?} in the products file: used that",
            count(*n, "deal", "deals")
        )?;
    }
    for (product, n) in &r.products_unknown {
        writeln!(
            out,
            "  product {product:?} ({}) is not in the products file: kept as written",
            count(*n, "deal", "deals")
        )?;
    }
    for (account, n) in &r.accounts_missing {
        writeln!(
            out,
            "  account {account:?} ({}) is not in the accounts file: created without details",
            count(*n, "deal", "deals")
        )?;
    }
    if !r.invalid.is_empty() {
        writeln!(out, "  refused {}:", count(r.invalid.len(), "row", "rows"))?;
        for p in r.invalid.iter().take(LISTED) {
            writeln!(out, "    {}", crate::text::for_terminal(&p.to_string()))?;
        }
        if r.invalid.len() > LISTED {
            writeln!(out, "    … and {} more", r.invalid.len() - LISTED)?;
        }
        if let Some(path) = rejects {
            writeln!(out, "    all written to {path}")?;
        }
    }
    Ok(())
}
