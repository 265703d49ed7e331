use super::Context;
use crate::Result;
use crate::tui::{self, Options};

/// `rapport` with no command: the full-screen app on the context's store.
pub fn run(ctx: Context, options: &Options) -> Result<()> {
    let login = ctx.me().login.clone();
    tui::run(ctx.store, &login, options)
}
