use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::Parser;
use rapport::Error;
use rapport::cli::{Cli, run};

/// mimalloc: imports and demo data allocate many small strings; it makes a bulk
/// import about a tenth faster than the system allocator (see benches/import.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    let result = rapport::config::Config::load()
        .map_err(Error::from)
        .and_then(|config| {
            if let Some(zone) = config.time_zone {
                rapport::zone::configure(zone);
            }
            run(cli, config)
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`rapport customer list | head`) is not an error.
        Err(Error::Io(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote what was typed or read: never raw control codes, never a
            // pasted megabyte in full.
            let text = rapport::text::message_for_terminal(&e.to_string());
            let _ = writeln!(std::io::stderr(), "rapport: {text}");
            ExitCode::from(e.exit_code())
        }
    }
}
