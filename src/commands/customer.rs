use std::io::Write;

use super::Context;
use super::output::{Table, field, local_time, opt_local_time};
use crate::cli::{CustomerAddArgs, CustomerCommand, CustomerEditArgs, CustomerListArgs};
use crate::domain::customer::normalise_tag;
use crate::domain::{CustomerDraft, CustomerKind, CustomerStatus, CustomerSummary, Email, Phone};
use crate::store::{CustomerFilter, CustomerSort};
use crate::text::{count, fold_digits, for_terminal};
use crate::{Error, Result};

pub fn run(ctx: &mut Context, cmd: CustomerCommand) -> Result<()> {
    match cmd {
        CustomerCommand::Add(args) => add(ctx, args),
        CustomerCommand::List(args) => list(ctx, args),
        CustomerCommand::Show { customer } => show(ctx, &customer),
        CustomerCommand::Edit(args) => edit(ctx, args),
        CustomerCommand::Delete { customer, yes } => delete(ctx, &customer, yes),
        CustomerCommand::Merge { keep, drop, yes } => super::dedupe::merge(ctx, &keep, &drop, yes),
    }
}

fn add(ctx: &mut Context, a: CustomerAddArgs) -> Result<()> {
    let mut d = CustomerDraft::new(CustomerKind::parse("kind", &a.kind)?, a.name);
    d.status = CustomerStatus::parse("status", &a.status)?;
    d.company_id = a
        .company
        .as_deref()
        .map(|c| ctx.customer_id(c))
        .transpose()?;
    d.phones = a
        .phones
        .iter()
        .map(|p| Phone::parse_labeled(p))
        .collect::<Result<_, _>>()?;
    d.emails = a
        .emails
        .iter()
        .map(|e| Email::parse(e))
        .collect::<Result<_, _>>()?;
    d.tags = a.tags;
    d.address = a.address;
    d.source = a.source;
    d.notes = a.notes;
    d.cadence = a
        .cadence
        .as_deref()
        .map(super::cadence::parse_own)
        .transpose()?
        .flatten();
    // Validate before anything is written (even the operator row).
    d.clone().validate()?;
    if !a.force {
        let found = ctx.store.duplicates_of(&d)?;
        if !found.is_empty() {
            return super::dedupe::refuse_duplicates(ctx, &found);
        }
    }
    d.owner_id = Some(ctx.owner_or_me(a.owner.as_deref())?);
    // Read back in the same transaction: the customer as added, even if another
    // process changes or deletes it right after.
    let added = ctx.store.write(|w| {
        let id = w.add_customer(&d)?;
        w.customer(id)
    })?;
    let id = added.id;
    if ctx.json {
        return ctx.print_json(&added);
    }
    writeln!(
        ctx.out,
        "Added customer #{id} {}",
        for_terminal(d.name.trim())
    )?;
    Ok(())
}

fn list(ctx: &mut Context, a: CustomerListArgs) -> Result<()> {
    let sort = match a.sort.as_str() {
        "name" => CustomerSort::Name,
        "last-contact" => CustomerSort::LastContact,
        "open-value" => CustomerSort::OpenValue,
        other => {
            return Err(Error::msg(format!(
                "sort: {other:?} is not one of: name, last-contact, open-value"
            )));
        }
    };
    let filter = CustomerFilter {
        status: a
            .status
            .as_deref()
            .map(|s| CustomerStatus::parse("status", s))
            .transpose()?,
        kind: a
            .kind
            .as_deref()
            .map(|k| CustomerKind::parse("kind", k))
            .transpose()?,
        tag: a.tag,
        owner_id: a
            .owner
            .as_deref()
            .map(|o| ctx.operator(o))
            .transpose()?
            .map(|o| o.id),
        company_id: None,
        segment: a
            .segment
            .as_deref()
            .map(|s| crate::domain::Segment::parse("segment", s))
            .transpose()?,
        sort,
        offset: 0,
        limit: a.limit,
    };
    let rows = ctx.store.customers(&filter)?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    summary_table(&rows).print(&mut ctx.out)?;
    Ok(())
}

fn summary_table(rows: &[CustomerSummary]) -> Table {
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "COMPANY",
        "PHONE",
        "STATUS",
        "LAST CONTACT",
        "OPEN DEALS",
    ]);
    for c in rows {
        t.row(vec![
            c.id.to_string(),
            c.name.clone(),
            c.company_name.clone().unwrap_or_default(),
            c.main_phone.clone().unwrap_or_default(),
            c.status.to_string(),
            opt_local_time(c.last_contact),
            c.open_deals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    t
}

const TIMELINE_LIMIT: usize = 20;

fn show(ctx: &mut Context, reference: &str) -> Result<()> {
    let id = ctx.customer_id(reference)?;
    let card = ctx.store.customer_card(id, TIMELINE_LIMIT)?;
    let now = ctx.store.now();
    if ctx.json {
        return ctx.print_json(&card);
    }
    let c = &card.customer;
    let out = &mut ctx.out;
    writeln!(
        out,
        "#{} {} ({}, {})",
        c.id,
        for_terminal(&c.name),
        c.kind,
        c.status
    )?;
    if let Some(company) = &c.company_name {
        field(out, "company:", company)?;
    }
    for p in &c.phones {
        field(out, "phone:", &format!("{p} ({})", p.kind.as_str()))?;
    }
    for e in &c.emails {
        field(out, "email:", e.as_str())?;
    }
    if !c.tags.is_empty() {
        field(out, "tags:", &c.tags.join(", "))?;
    }
    for (label, value) in [
        ("address:", &c.address),
        ("source:", &c.source),
        ("owner:", &c.owner_login),
        ("notes:", &c.notes),
    ] {
        if let Some(v) = value {
            field(out, label, v)?;
        }
    }
    for (label, value) in c.details.shown() {
        field(out, &format!("{label}:"), value)?;
    }
    for k in &c.details.kept {
        field(out, "kept:", &k.to_string())?;
    }
    field(out, "created:", &local_time(c.created_at))?;
    match &card.contact {
        Some(contact) => writeln!(out, "Stay in touch: {}", contact.describe(now))?,
        None => writeln!(
            out,
            "Stay in touch: not tracked ({})",
            match c.status {
                CustomerStatus::Inactive | CustomerStatus::Lost =>
                    "inactive and lost customers have no cadence",
                _ => "no cadence of its own or of a tag; the default is for active customers",
            }
        )?,
    }
    match &card.value {
        Some(v) => {
            field(out, "revenue:", &v.revenue_text())?;
            field(out, "bought:", &v.purchases_text())?;
            field(out, "lifetime:", &v.lifetime_text())?;
            field(out, "segment:", &v.standing_text())?;
        }
        None => writeln!(out, "Value: nothing bought yet (no won deal)")?,
    }
    if !card.people.is_empty() {
        writeln!(out, "\nPeople")?;
        summary_table(&card.people).print(out)?;
    }
    if !card.deals.is_empty() {
        writeln!(out, "\nDeals")?;
        let mut t = Table::new(&["ID", "TITLE", "AMOUNT", "STAGE", "PROB", "CLOSE"]);
        for d in &card.deals {
            t.row(vec![
                d.id.to_string(),
                d.title.clone(),
                d.amount.to_string(),
                d.stage_key.clone(),
                format!("{}%", d.probability),
                d.closed_on
                    .or(d.expected_close)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ]);
        }
        t.print(out)?;
    }
    if !card.reminders.is_empty() {
        writeln!(out, "\nFollow-ups")?;
        let mut t = Table::new(&["ID", "DUE", "NOTE"]);
        for r in &card.reminders {
            t.row(vec![
                r.id.to_string(),
                local_time(r.effective_due()),
                r.note.clone(),
            ]);
        }
        t.print(out)?;
    }
    if !card.interactions.is_empty() {
        writeln!(out, "\nTimeline (latest {TIMELINE_LIMIT})")?;
        let mut t = Table::new(&["ID", "WHEN", "KIND", "DIR", "BY", "SUMMARY"]);
        for i in &card.interactions {
            t.row(vec![
                i.id.to_string(),
                local_time(i.occurred_at),
                i.kind.to_string(),
                i.direction.to_string(),
                i.operator_login.clone().unwrap_or_default(),
                match &i.outcome {
                    Some(o) => format!("{} → {o}", i.summary),
                    None => i.summary.clone(),
                },
            ]);
        }
        t.print(out)?;
    }
    Ok(())
}

/// `customer edit`: every flag parsed and every reference resolved first, then the
/// customer read, changed and written in ONE transaction, so a plain edit never meets
/// a stale version (only `--if-version` asks for one).
/// Whether the flags ask for any change at all (`--if-version` alone asks none).
fn asks_a_change(a: &CustomerEditArgs) -> bool {
    let fields = [
        &a.name, &a.kind, &a.company, &a.address, &a.status, &a.source, &a.notes, &a.owner,
        &a.cadence,
    ];
    let lists = [
        &a.add_phones,
        &a.remove_phones,
        &a.add_emails,
        &a.remove_emails,
        &a.add_tags,
        &a.remove_tags,
    ];
    fields.iter().any(|f| f.is_some()) || lists.iter().any(|l| !l.is_empty())
}

fn edit(ctx: &mut Context, a: CustomerEditArgs) -> Result<()> {
    let id = ctx.customer_id(&a.customer)?;
    if !asks_a_change(&a) {
        return Err(Error::msg(format!(
            "customer edit: nothing to change for customer #{id}; say what, e.g. --name, --add-phone, --status or --add-tag (`rapport customer edit --help` lists them all)"
        )));
    }
    let kind = a
        .kind
        .as_deref()
        .map(|k| CustomerKind::parse("kind", k))
        .transpose()?;
    let company = match a.company.as_deref().map(str::trim) {
        None => None,
        Some("" | "none") => Some(None),
        Some(c) => Some(Some(ctx.customer_id(c)?)),
    };
    let remove_phones: Vec<String> = a.remove_phones.iter().map(|d| fold_digits(d)).collect();
    let add_phones = a
        .add_phones
        .iter()
        .map(|p| Phone::parse_labeled(p))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let add_emails = a
        .add_emails
        .iter()
        .map(|e| Email::parse(e))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let remove_tags = a
        .remove_tags
        .iter()
        .map(|t| normalise_tag(t))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let status = a
        .status
        .as_deref()
        .map(|s| CustomerStatus::parse("status", s))
        .transpose()?;
    let owner = a.owner.as_deref().map(|o| ctx.operator(o)).transpose()?;
    let cadence = a
        .cadence
        .as_deref()
        .map(super::cadence::parse_own)
        .transpose()?;
    let apply = |d: &mut CustomerDraft| -> crate::store::Result<()> {
        let refuse = |field: &str, why: String| {
            crate::store::StoreError::Invalid(crate::domain::ValidationError::new(field, why))
        };
        if let Some(name) = &a.name {
            d.name.clone_from(name);
        }
        if let Some(kind) = kind {
            d.kind = kind;
        }
        if let Some(company) = company {
            d.company_id = company;
        }
        for digits in &remove_phones {
            let before = d.phones.len();
            d.phones.retain(|p| p.digits != *digits);
            if d.phones.len() == before {
                return Err(refuse(
                    "phone",
                    format!("customer #{id} has no phone with digits {digits}"),
                ));
            }
        }
        d.phones.extend(add_phones.iter().cloned());
        for e in &a.remove_emails {
            let before = d.emails.len();
            d.emails
                .retain(|x| !x.as_str().eq_ignore_ascii_case(e.trim()));
            if d.emails.len() == before {
                return Err(refuse(
                    "email",
                    format!("customer #{id} has no email {:?}", for_terminal(e.trim())),
                ));
            }
        }
        d.emails.extend(add_emails.iter().cloned());
        d.tags.retain(|x| !remove_tags.contains(x));
        d.tags.extend(a.add_tags.iter().cloned());
        if let Some(address) = &a.address {
            d.address = Some(address.clone());
        }
        if let Some(status) = status {
            d.status = status;
        }
        if let Some(source) = &a.source {
            d.source = Some(source.clone());
        }
        if let Some(notes) = &a.notes {
            d.notes = Some(notes.clone());
        }
        if let Some(owner) = &owner {
            d.owner_id = Some(owner.id);
        }
        if let Some(cadence) = cadence {
            d.cadence = cadence;
        }
        Ok(())
    };
    // With --if-version the store refuses (a conflict, nothing written) unless the
    // customer is still at the version the script read. The output is the customer as
    // this edit left it (read in its transaction), so a script can chain on its version.
    // Values equal to the stored ones change nothing: no new version, no audit entry.
    let (saved, changed) = ctx.store.write(|w| {
        let current = w.customer(id)?;
        let mut d = current.draft();
        apply(&mut d)?;
        let mut normalised = d.clone();
        if normalised.validate().is_ok() && normalised == current.draft() {
            if let Some(v) = a.if_version.filter(|v| *v != current.version) {
                // A stale version is a conflict even when nothing would change.
                w.update_customer(id, v, &d)?;
            }
            return Ok((current, false));
        }
        w.update_customer(id, a.if_version.unwrap_or(current.version), &d)?;
        Ok((w.customer(id)?, true))
    })?;
    if ctx.json {
        return ctx.print_json(&saved);
    }
    let name = for_terminal(saved.name.trim());
    if changed {
        writeln!(ctx.out, "Updated customer #{id} {name}")?;
    } else {
        writeln!(
            ctx.out,
            "Customer #{id} {name} already has those values; nothing changed"
        )?;
    }
    Ok(())
}

fn delete(ctx: &mut Context, reference: &str, yes: bool) -> Result<()> {
    let id = ctx.customer_id(reference)?;
    let c = ctx.store.customer(id)?;
    let (interactions, deals, reminders, people) = ctx.store.customer_dependents(id)?;
    let what = format!(
        "customer #{id} {} with {}, {} and {}{}",
        for_terminal(&c.name),
        count(interactions, "interaction", "interactions"),
        count(deals, "deal", "deals"),
        count(reminders, "follow-up", "follow-ups"),
        if people > 0 {
            format!(
                " ({} without a company)",
                count(people, "person stays", "people stay")
            )
        } else {
            String::new()
        }
    );
    if !yes {
        return Err(Error::msg(format!(
            "this would delete {what}; run again with --yes to delete"
        )));
    }
    ctx.store.delete_customer(id)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "deleted": id }));
    }
    writeln!(ctx.out, "Deleted {what}")?;
    Ok(())
}
