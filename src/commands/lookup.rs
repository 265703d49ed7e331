//! `rapport lookup QUERY`: the best matches for a phone number, a name, a company, an
//! email or a tag, printed at once — fast enough for a softphone's incoming-call hook.
//! It answers from the shared lookup index (the same engine and ranking as the app's
//! search popup): the saved snapshot plus the customers changed since.

use super::Context;
use super::output::{Table, opt_local_time};
use crate::cli::LookupArgs;
use crate::domain::duplicates::{LookupHit, MatchField, MatchRank};
use crate::lookup_index::{Found, LiveIndex};
use crate::search::{self, Searcher};
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: LookupArgs) -> Result<()> {
    let query = a.query.join(" ");
    let opened = LiveIndex::open(&ctx.store, |why| {
        eprintln!("lookup: building the lookup index once ({why}); later lookups read it");
    })?;
    if let Some(e) = &opened.live.save_error {
        eprintln!(
            "lookup: warning: the lookup index could not be saved, so the next lookup builds it again: {e}"
        );
    }
    let found = opened
        .live
        .lookup(&ctx.store, &mut Searcher::new(), &query, a.limit as usize)?;
    if found.is_empty() {
        // A script reading the JSON gets an empty list; the exit status still says "none".
        if ctx.json {
            ctx.print_json(&Vec::<LookupHit>::new())?;
        }
        return Err(Error::msg(format!(
            "lookup: no customer matches {:?}",
            query.trim()
        )));
    }
    let mut hits = Vec::with_capacity(found.len());
    for f in found {
        let mut hit = lookup_hit(f);
        // The index holds a number's digits; print it as it was typed.
        if hit.matched == MatchField::Phone
            && let Some(raw) = ctx
                .store
                .phone_as_stored(hit.customer.id, &hit.matched_text)?
        {
            hit.matched_text = raw;
        }
        hits.push(hit);
    }
    if ctx.json {
        return ctx.print_json(&hits);
    }
    table(&hits).print(&mut ctx.out)?;
    Ok(())
}

fn lookup_hit(f: Found) -> LookupHit {
    LookupHit {
        customer: f.customer,
        matched: match f.hit.field {
            search::MatchField::Name => MatchField::Name,
            search::MatchField::Company => MatchField::Company,
            search::MatchField::Phone => MatchField::Phone,
            search::MatchField::Email => MatchField::Email,
            search::MatchField::Tag => MatchField::Tag,
        },
        rank: match f.hit.rank {
            search::Rank::Exact => MatchRank::Exact,
            search::Rank::Prefix => MatchRank::Prefix,
            search::Rank::Suffix => MatchRank::Suffix,
            search::Rank::WordPrefix => MatchRank::WordPrefix,
            search::Rank::Inside => MatchRank::Inside,
            search::Rank::Typo => MatchRank::Typo,
        },
        matched_text: f.hit.text,
    }
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
