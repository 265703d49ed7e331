//! Rapport: a terminal CRM over SQLite.
//!
//! `domain` holds the types and rules (no SQL, no terminal), `store` is the only
//! code that speaks SQL, `text` folds and sanitises text for every front end,
//! `report` builds the KPI report every front end shows, `atomic_file` writes every
//! file besides the database (exports, backups, reject files), and `cli` is the
//! command-line front end.

pub mod atomic_file;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod identity;
pub mod io;
pub mod lookup_index;
pub mod report;
pub mod search;
pub mod store;
pub mod text;
pub mod tui;
pub mod zone;

pub use error::{Error, Result};
