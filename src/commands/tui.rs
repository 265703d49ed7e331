use super::Context;
use crate::{Error, Result};

pub fn run(ctx: &mut Context) -> Result<()> {
    let _ = ctx;
    Err(Error::msg(
        "the full-screen app is not built yet; use the subcommands (see `rapport --help`)",
    ))
}
