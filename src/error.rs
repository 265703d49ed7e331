//! The error every command returns: one readable line at the binary's edge.

use crate::domain::ValidationError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    File(#[from] crate::atomic_file::FileError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Message(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The full-screen app was started without a terminal to draw on.
    #[error(
        "the app needs a terminal, but {0} (ssh without -t, a pipe, cron?); \
         log in with `ssh -t HOST rapport`, or use a command instead: `rapport agenda` for \
         what is due, `rapport lookup NAME|NUMBER` to find a customer, `rapport --help` for the rest"
    )]
    NoTerminal(&'static str),
}

impl Error {
    pub fn msg(text: impl Into<String>) -> Self {
        Self::Message(text.into())
    }

    /// The process's exit status for this error: 2 when the command cannot run here
    /// at all (as for a usage error), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NoTerminal(_) => 2,
            _ => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
