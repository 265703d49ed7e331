//! `rapport init`: makes a new database (its folder too), with the operator running it
//! as its admin. On a database that exists it changes nothing and says so.

use std::io::Write;

use super::Context;
use crate::Result;
use crate::text::for_terminal;

/// Reports on the database `ctx` opened; `existed` says whether it was there before.
pub fn run(ctx: &mut Context, existed: bool) -> Result<()> {
    let path = ctx
        .store
        .location()
        .map(ToString::to_string)
        .unwrap_or_default();
    let me = ctx.me().clone();
    let customers = ctx.store.customer_count()?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "database": path,
            "created": !existed,
            "schema": crate::store::schema_version(),
            "operator": me.login,
            "role": me.role,
            "customers": customers,
        }));
    }
    let (path, login) = (for_terminal(&path), for_terminal(&me.login));
    if existed {
        writeln!(
            ctx.out,
            "{path} is already a Rapport database ({}); nothing changed. You are {login} ({}).",
            crate::text::count(customers, "customer", "customers"),
            me.role
        )?;
    } else {
        writeln!(
            ctx.out,
            "Created {path}; you ({login}) are its admin. `rapport` opens it (and offers demo data); \
             `rapport operator add LOGIN` lets others in."
        )?;
    }
    Ok(())
}
