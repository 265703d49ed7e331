use std::io::IsTerminal;

use super::Context;
use crate::tui::{self, Options};
use crate::{Error, Result};

/// `rapport` with no command: the full-screen app on the context's store.
pub fn run(ctx: Context, options: &Options) -> Result<()> {
    let login = ctx.me().login.clone();
    tui::run(ctx.store, &login, options)
}

/// Refuses to start the app unless standard input and output are both a terminal
/// (`ssh host rapport` without `-t` has neither): it would fail on its first key.
pub fn require_terminal() -> Result<()> {
    let missing = match (
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    ) {
        (true, true) => return Ok(()),
        (false, false) => "neither standard input nor standard output is one",
        (false, true) => "standard input is not one",
        (true, false) => "standard output is not one",
    };
    Err(Error::NoTerminal(missing))
}
