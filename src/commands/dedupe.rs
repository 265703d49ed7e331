//! Duplicates: `rapport dedupe` lists likely pairs, `rapport customer merge` merges one
//! into the other, and `customer add` refuses (without `--force`) a customer who looks
//! like one already there.

use std::io::Write;

use serde::Serialize;

use super::Context;
use super::output::{Table, opt_local_time};
use crate::cli::DedupeArgs;
use crate::domain::CustomerSummary;
use crate::domain::duplicates::DuplicateReason;
use crate::store::MergePlan;
use crate::text::for_terminal;
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: DedupeArgs) -> Result<()> {
    let pairs = ctx.store.likely_duplicates(a.limit as usize)?;
    if ctx.json {
        return ctx.print_json(&pairs);
    }
    if pairs.is_empty() {
        writeln!(ctx.out, "No likely duplicates.")?;
        return Ok(());
    }
    let mut t = Table::new(&["A", "NAME", "B", "NAME", "WHY"]);
    for p in &pairs {
        t.row(vec![
            p.a.id.to_string(),
            p.a.name.clone(),
            p.b.id.to_string(),
            p.b.name.clone(),
            reasons_text(&p.reasons),
        ]);
    }
    t.print(&mut ctx.out)?;
    writeln!(
        ctx.out,
        "\nTo merge B into A (A stays): rapport customer merge A B --yes"
    )?;
    Ok(())
}

fn reasons_text(reasons: &[DuplicateReason]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `customer merge KEEP DROP [--yes]`.
pub fn merge(ctx: &mut Context, keep: &str, drop: &str, yes: bool) -> Result<()> {
    let keep = ctx.customer_id(keep)?;
    let drop = ctx.customer_id(drop)?;
    let plan = ctx.store.merge_plan(keep, drop)?;
    if !yes {
        return Err(Error::msg(format!(
            "this would merge {}; run again with --yes to merge",
            describe(&plan)
        )));
    }
    let plan = ctx.store.merge_customers(keep, drop)?;
    if ctx.json {
        return ctx.print_json(&plan);
    }
    writeln!(ctx.out, "Merged {}", describe(&plan))?;
    Ok(())
}

fn describe(p: &MergePlan) -> String {
    let n = |count: i64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let mut moved = vec![
        n(p.interactions, "interaction", "interactions"),
        n(p.deals, "deal", "deals"),
        n(p.reminders, "follow-up", "follow-ups"),
    ];
    if p.people > 0 {
        moved.push(n(p.people, "person", "people"));
    }
    let added = [
        n(p.phones as i64, "phone", "phones"),
        n(p.emails as i64, "email", "emails"),
        n(p.tags as i64, "tag", "tags"),
    ];
    format!(
        "customer #{} {} into #{} {} (moving {}; adding {}; then deleting #{})",
        p.drop,
        for_terminal(&p.drop_name),
        p.keep,
        for_terminal(&p.keep_name),
        moved.join(", "),
        added.join(", "),
        p.drop
    )
}

#[derive(Serialize)]
struct Candidate<'a> {
    #[serde(flatten)]
    customer: &'a CustomerSummary,
    reasons: &'a [DuplicateReason],
}

/// Shows the existing customers a new one looks like and refuses to add it: the list
/// on stdout (text or JSON), one line on stderr with the strongest match and the hint.
pub fn refuse_duplicates(
    ctx: &mut Context,
    found: &[(CustomerSummary, Vec<DuplicateReason>)],
) -> Result<()> {
    if ctx.json {
        let list: Vec<Candidate<'_>> = found
            .iter()
            .map(|(customer, reasons)| Candidate { customer, reasons })
            .collect();
        ctx.print_json(&list)?;
    } else {
        let mut t = Table::new(&["ID", "NAME", "COMPANY", "PHONE", "LAST CONTACT", "WHY"]);
        for (c, reasons) in found {
            t.row(vec![
                c.id.to_string(),
                c.name.clone(),
                c.company_name.clone().unwrap_or_default(),
                c.main_phone.clone().unwrap_or_default(),
                opt_local_time(c.last_contact),
                reasons_text(reasons),
            ]);
        }
        t.print(&mut ctx.out)?;
    }
    let (first, reasons) = &found[0];
    let others = match found.len() {
        1 => String::new(),
        2 => " and 1 other".to_string(),
        n => format!(" and {} others", n - 1),
    };
    Err(Error::msg(format!(
        "customer: looks like #{} {} ({}){others}; check the list, or pass --force to add anyway",
        first.id,
        for_terminal(&first.name),
        reasons_text(reasons)
    )))
}
