//! `rapport undo`: take back your last change (from the audit trail) by a new one.

use std::io::Write;

use chrono::Local;

use super::Context;
use crate::cli::UndoArgs;
use crate::report::audit_lines;
use crate::text::for_terminal;
use crate::{Error, Result};

pub fn run(ctx: &mut Context, a: UndoArgs) -> Result<()> {
    let me = ctx.me().id;
    if a.list {
        return list(ctx, me, a.limit);
    }
    let Some(change) = ctx.store.last_change_by(me)? else {
        return Err(Error::msg(
            "nothing to undo: every change of yours is undone already, or you have made none (`rapport audit` shows the trail)",
        ));
    };
    let undone = ctx.store.undo_change(change)?;
    if ctx.json {
        return ctx.print_json(&undone);
    }
    writeln!(ctx.out, "{}", for_terminal(&undone.summary()))?;
    writeln!(ctx.out, "It took back:")?;
    for line in audit_lines(&undone.undone, &Local) {
        writeln!(ctx.out, "  {}", for_terminal(&line))?;
    }
    Ok(())
}

/// Your latest changes not undone yet, newest first, and whether each can be undone.
fn list(ctx: &mut Context, me: i64, limit: usize) -> Result<()> {
    let changes = ctx.store.changes_by(me, limit)?;
    if ctx.json {
        return ctx.print_json(&changes);
    }
    if changes.is_empty() {
        writeln!(ctx.out, "No change of yours is left to undo.")?;
    }
    for (i, c) in changes.iter().enumerate() {
        let status = match (&c.blocked, i) {
            (Some(why), _) => format!("cannot be undone: {why}"),
            (None, 0) => "`rapport undo` takes this back".to_string(),
            (None, _) => "can be undone after the ones above".to_string(),
        };
        writeln!(ctx.out, "Change #{} · {}", c.change, for_terminal(&status))?;
        for line in audit_lines(&c.entries, &Local) {
            writeln!(ctx.out, "  {}", for_terminal(&line))?;
        }
    }
    Ok(())
}
