//! `rapport completions SHELL` and `rapport man`: generated from the command line's
//! own definition, so they list every subcommand and flag there is.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::{Error, Result};

/// Prints the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    // Made in memory first: the generator panics on a write error, such as a closed
    // pipe (`rapport completions bash | head`), which is no error here.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rapport", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}

/// Prints a manual page, in roff, to standard output: rapport(1), or with `path`
/// (`["kpi", "set"]`) that subcommand's own page, rapport-kpi-set(1).
pub fn man_page(path: &[String]) -> Result<()> {
    let mut command = Cli::command();
    command.build();
    let mut name = "rapport".to_string();
    for word in path {
        let Some(sub) = command.find_subcommand(word).cloned() else {
            let known: Vec<&str> = command
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|n| *n != "help")
                .collect();
            return Err(Error::msg(format!(
                "man: {name} has no subcommand {word:?}; it has: {}",
                known.join(", ")
            )));
        };
        name = format!("{name}-{}", sub.get_name());
        command = sub.name(name.clone());
    }
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(command).render(&mut out)?;
    out.flush()?;
    Ok(())
}
