//! `rapport cadence` (how often customers should hear from us) and `rapport quiet`
//! (who is going quiet).

use std::io::Write;

use serde::Serialize;

use super::Context;
use super::output::{Table, opt_local_time};
use crate::Result;
use crate::cli::{CadenceClearArgs, CadenceCommand, CadenceSetArgs, QuietArgs};
use crate::domain::customer::normalise_tag;
use crate::domain::{Cadence, DEFAULT_CADENCE, QuietCustomer};
use crate::store::QuietFilter;
use crate::text::for_terminal;

pub fn run(ctx: &mut Context, cmd: CadenceCommand) -> Result<()> {
    match cmd {
        CadenceCommand::Set(args) => set(ctx, args),
        CadenceCommand::Clear(args) => clear(ctx, args),
        CadenceCommand::List => list(ctx),
    }
}

/// `--cadence` of `customer add`/`edit`: a cadence, or `none` (or nothing) for none.
pub fn parse_own(text: &str) -> Result<Option<Cadence>> {
    match text.trim() {
        "" => Ok(None),
        t if t.eq_ignore_ascii_case("none") => Ok(None),
        t => Ok(Some(Cadence::parse("cadence", t)?)),
    }
}

fn set(ctx: &mut Context, a: CadenceSetArgs) -> Result<()> {
    let cadence = Cadence::parse("cadence", &a.cadence)?;
    let done = if a.default {
        ctx.store.write(|w| w.set_default_cadence(cadence))?;
        format!("Active customers without their own or a tag's cadence: every {cadence}")
    } else if let Some(tag) = &a.tag {
        let tag = normalise_tag(tag)?;
        ctx.store
            .write(|w| w.set_tag_cadence(&tag, Some(cadence)))?;
        format!("Customers tagged {tag}: every {cadence}")
    } else {
        let reference = a.customer.as_deref().unwrap_or_default();
        let id = ctx.customer_id(reference)?;
        ctx.store
            .write(|w| w.set_customer_cadence(id, Some(cadence)))?;
        let name = ctx.store.customer(id)?.name;
        format!("#{id} {}: every {cadence}", for_terminal(&name))
    };
    if ctx.json {
        return list(ctx);
    }
    writeln!(ctx.out, "{done}")?;
    Ok(())
}

fn clear(ctx: &mut Context, a: CadenceClearArgs) -> Result<()> {
    let done = if a.default {
        ctx.store
            .write(|w| w.set_default_cadence(DEFAULT_CADENCE))?;
        format!("The default is back to every {DEFAULT_CADENCE}")
    } else if let Some(tag) = &a.tag {
        let tag = normalise_tag(tag)?;
        let had = ctx.store.write(|w| w.set_tag_cadence(&tag, None))?;
        if had {
            format!("Tag {tag} no longer sets a cadence")
        } else {
            format!("Tag {tag} had no cadence")
        }
    } else {
        let reference = a.customer.as_deref().unwrap_or_default();
        let id = ctx.customer_id(reference)?;
        ctx.store.write(|w| w.set_customer_cadence(id, None))?;
        let name = ctx.store.customer(id)?.name;
        format!(
            "#{id} {} no longer has its own cadence",
            for_terminal(&name)
        )
    };
    if ctx.json {
        return list(ctx);
    }
    writeln!(ctx.out, "{done}")?;
    Ok(())
}

#[derive(Serialize)]
struct TagCadence {
    tag: String,
    #[serde(flatten)]
    cadence: Cadence,
}

#[derive(Serialize)]
struct OwnCadence {
    id: i64,
    name: String,
    #[serde(flatten)]
    cadence: Cadence,
}

#[derive(Serialize)]
struct CadenceList {
    default: Cadence,
    tags: Vec<TagCadence>,
    customers: Vec<OwnCadence>,
}

fn list(ctx: &mut Context) -> Result<()> {
    let listing = CadenceList {
        default: ctx.store.default_cadence()?,
        tags: ctx
            .store
            .tag_cadences()?
            .into_iter()
            .map(|(tag, cadence)| TagCadence { tag, cadence })
            .collect(),
        customers: ctx
            .store
            .customers_with_own_cadence()?
            .into_iter()
            .map(|(id, name, cadence)| OwnCadence { id, name, cadence })
            .collect(),
    };
    if ctx.json {
        return ctx.print_json(&listing);
    }
    writeln!(
        ctx.out,
        "Default (active customers): every {}d, at most {}d",
        listing.default.ideal_days, listing.default.max_days
    )?;
    writeln!(ctx.out, "\nTags: {}", listing.tags.len())?;
    if !listing.tags.is_empty() {
        let mut t = Table::new(&["TAG", "IDEAL", "MAX"]);
        for c in &listing.tags {
            t.row(vec![
                c.tag.clone(),
                format!("{}d", c.cadence.ideal_days),
                format!("{}d", c.cadence.max_days),
            ]);
        }
        t.print(&mut ctx.out)?;
    }
    writeln!(
        ctx.out,
        "\nCustomers with their own: {}",
        listing.customers.len()
    )?;
    if !listing.customers.is_empty() {
        let mut t = Table::new(&["ID", "NAME", "IDEAL", "MAX"]);
        for c in &listing.customers {
            t.row(vec![
                c.id.to_string(),
                c.name.clone(),
                format!("{}d", c.cadence.ideal_days),
                format!("{}d", c.cadence.max_days),
            ]);
        }
        t.print(&mut ctx.out)?;
    }
    Ok(())
}

pub fn quiet(ctx: &mut Context, a: QuietArgs) -> Result<()> {
    let owner_id = if a.mine {
        Some(ctx.me().id)
    } else {
        a.owner
            .as_deref()
            .map(|o| ctx.operator(o))
            .transpose()?
            .map(|o| o.id)
    };
    let filter = QuietFilter {
        owner_id,
        include_due: true,
        limit: Some(a.limit as usize),
    };
    let now = ctx.store.now();
    let quiet = ctx.store.going_quiet(&filter, now)?;
    if ctx.json {
        return ctx.print_json(&quiet);
    }
    if quiet.is_empty() {
        writeln!(ctx.out, "No customer is going quiet")?;
        return Ok(());
    }
    let total = if quiet.len() < a.limit as usize {
        quiet.len()
    } else {
        ctx.store.going_quiet_count(&filter, now)?
    };
    writeln!(
        ctx.out,
        "Going quiet: {total} (past their ideal interval; overdue = past the maximum)"
    )?;
    quiet_table(&quiet).print(&mut ctx.out)?;
    if total > quiet.len() {
        writeln!(
            ctx.out,
            "… {} more; --limit {total} shows them all",
            total - quiet.len()
        )?;
    }
    Ok(())
}

/// Going-quiet customers as a table: status, days since last contact, cadence and
/// where it comes from.
pub fn quiet_table(quiet: &[QuietCustomer]) -> Table {
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "STANDING",
        "DAYS",
        "LAST CONTACT",
        "CADENCE",
        "FROM",
        "OWNER",
    ]);
    for q in quiet {
        let s = &q.summary;
        let (cadence, from) = s
            .contact
            .as_ref()
            .map(|c| (c.cadence.as_text(), c.source.to_string()))
            .unwrap_or_default();
        t.row(vec![
            s.id.to_string(),
            s.name.clone(),
            q.status.label().to_string(),
            q.days_since.to_string(),
            opt_local_time(s.last_contact),
            cadence,
            from,
            s.owner_login.clone().unwrap_or_default(),
        ]);
    }
    t
}
