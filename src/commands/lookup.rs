//! `rapport lookup QUERY`: the best matches for a phone number, a name, a company, an
//! email or a tag, printed at once — fast enough for a softphone's incoming-call hook.

use super::Context;
use super::output::{Table, opt_local_time};
use crate::cli::LookupArgs;
use crate::domain::duplicates::{LookupHit, MatchField};
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: LookupArgs) -> Result<()> {
    let query = a.query.join(" ");
    let hits = ctx.store.lookup(&query, a.limit as usize)?;
    if hits.is_empty() {
        return Err(Error::msg(format!(
            "lookup: no customer matches {:?}",
            query.trim()
        )));
    }
    if ctx.json {
        return ctx.print_json(&hits);
    }
    table(&hits).print(&mut ctx.out)?;
    Ok(())
}

fn table(hits: &[LookupHit]) -> Table {
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "COMPANY",
        "PHONE",
        "LAST CONTACT",
        "OPEN FOLLOW-UPS",
        "MATCHED",
    ]);
    for h in hits {
        let c = &h.customer;
        // The number that matched, else the main one.
        let phone = match h.matched {
            MatchField::Phone => Some(h.matched_text.clone()),
            _ => c.main_phone.clone(),
        };
        t.row(vec![
            c.id.to_string(),
            c.name.clone(),
            c.company_name.clone().unwrap_or_default(),
            phone.unwrap_or_default(),
            opt_local_time(c.last_contact),
            c.open_reminders.to_string(),
            format!("{} {}", h.matched.as_str(), h.rank.as_str()),
        ]);
    }
    t
}
