//! `rapport audit`: who created, changed or deleted what, and when.

use std::io::Write;

use chrono::NaiveTime;

use super::Context;
use crate::cli::AuditArgs;
use crate::domain::when::parse_datetime;
use crate::report::audit_lines;
use crate::store::AuditFilter;
use crate::text::sanitize::for_terminal;
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: AuditArgs) -> Result<()> {
    let customer_id = match a.customer.as_deref() {
        None => None,
        // A number names the customer directly, so a deleted customer's history shows too.
        Some(r) => match r.trim().trim_start_matches('#').parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => Some(ctx.customer_id(r)?),
        },
    };
    let since = a
        .since
        .as_deref()
        // "Since yesterday" means from the start of that day.
        .map(|s| parse_datetime("since", s, &ctx.now(), NaiveTime::MIN))
        .transpose()?;
    let entries = ctx.store.audit_entries(&AuditFilter {
        customer_id,
        since,
        limit: Some(a.limit),
    })?;
    if let Some(id) = customer_id
        && entries.is_empty()
        && !customer_known(ctx, id)?
    {
        return Err(Error::msg(format!(
            "audit: there is no customer #{id}, and the trail names none by that number (`rapport customer list` shows the numbers)"
        )));
    }
    if ctx.json {
        return ctx.print_json(&entries);
    }
    if entries.is_empty() {
        writeln!(ctx.out, "No changes recorded.")?;
    }
    for line in audit_lines(&entries, &crate::zone::local_zone()) {
        writeln!(ctx.out, "{}", for_terminal(&line))?;
    }
    Ok(())
}

/// Whether customer `id` exists, or did: the trail has an entry for it at any time.
fn customer_known(ctx: &Context, id: i64) -> Result<bool> {
    if ctx.store.customer(id).is_ok() {
        return Ok(true);
    }
    let any = ctx.store.audit_entries(&AuditFilter {
        customer_id: Some(id),
        since: None,
        limit: Some(1),
    })?;
    Ok(!any.is_empty())
}
