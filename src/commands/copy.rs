//! `rapport backup PATH` and `rapport restore PATH --yes`.

use std::io::Write;
use std::path::Path;

use super::Context;
use crate::{Error, Result};

pub fn backup(ctx: &mut Context, path: &Path) -> Result<()> {
    ctx.store.backup_to(path)?;
    let customers = ctx.store.counts()?.customers;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "backup": path.display().to_string(),
            "customers": customers,
        }));
    }
    writeln!(
        ctx.out,
        "Copied the database to {} ({}); `rapport restore {}` brings it back",
        path.display(),
        crate::text::count(customers, "customer", "customers"),
        path.display()
    )?;
    Ok(())
}

pub fn restore(ctx: &mut Context, path: &Path, yes: bool) -> Result<()> {
    if !yes {
        return Err(Error::msg(format!(
            "this replaces every record in the database with those in {}; \
             run it again with --yes to go ahead (`rapport backup NEW_FILE` first keeps a copy)",
            path.display()
        )));
    }
    ctx.store.restore_from(path)?;
    let customers = ctx.store.counts()?.customers;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "restored": path.display().to_string(),
            "customers": customers,
        }));
    }
    writeln!(
        ctx.out,
        "Restored {} ({})",
        path.display(),
        crate::text::count(customers, "customer", "customers")
    )?;
    Ok(())
}
