use std::io::Write;

use super::Context;
use crate::Result;
use crate::cli::LogArgs;
use crate::domain::when::parse_datetime;
use crate::domain::{Direction, InteractionDraft, InteractionKind, ValidationError};

pub fn run(ctx: &mut Context, a: LogArgs) -> Result<()> {
    let customer_id = ctx.customer_id(&a.customer)?;
    let satisfaction = a
        .satisfaction
        .map(|s| {
            u8::try_from(s).map_err(|_| {
                ValidationError::new(
                    "satisfaction",
                    format!("{s} is out of range; use a score from 1 to 5"),
                )
            })
        })
        .transpose()?;
    let nps = a
        .nps
        .map(|n| {
            u8::try_from(n).map_err(|_| {
                ValidationError::new(
                    "nps",
                    format!(
                        "{n} is out of range; the answer to \"would you recommend us?\" is 0 to 10"
                    ),
                )
            })
        })
        .transpose()?;
    let mut draft = InteractionDraft {
        customer_id,
        deal_id: a.deal,
        kind: InteractionKind::parse("kind", &a.kind)?,
        direction: Direction::parse("direction", &a.direction)?,
        occurred_at: parse_datetime("at", &a.at, &ctx.now(), ctx.default_time()?)?,
        operator_id: None,
        summary: a.summary.unwrap_or_default(),
        outcome: a.outcome,
        satisfaction,
        nps,
    };
    draft.fill_nps_summary();
    draft.clone().validate()?;
    draft.operator_id = Some(ctx.me().id);
    let id = ctx.store.log_interaction(&draft)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "id": id }));
    }
    writeln!(
        ctx.out,
        "Logged {} #{id} for customer #{customer_id}",
        draft.kind
    )?;
    Ok(())
}
