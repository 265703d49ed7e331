//! Handlers behind each subcommand. They parse and validate arguments into domain
//! values, call the store, and print text or JSON.

pub mod agenda;
pub mod audit;
pub mod cadence;
pub mod copy;
pub mod customer;
pub mod deal;
pub mod dedupe;
pub mod demo;
pub mod doctor;
pub mod import;
pub mod import_deals;
pub mod kpi;
pub mod log;
pub mod lookup;
pub mod operator;
pub mod output;
pub mod remind;
pub mod tui;
pub mod undo;

use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};
use serde::Serialize;

use crate::domain::Operator;
use crate::store::Store;
use crate::{Error, Result};

/// What every command works with: the open store (signed in as the operator running
/// the command), the output and its format.
pub struct Context {
    pub store: Store,
    pub json: bool,
    pub out: BufWriter<Stdout>,
    me: Operator,
}

impl Context {
    /// Opens the database and signs in as the operator running this process (or, for
    /// root and the file's owner, `acting_as`): see [`crate::identity`].
    pub fn open(db: Option<&Path>, json: bool, acting_as: Option<&str>) -> Result<Self> {
        let path = db_path(db)?;
        let login = crate::identity::operator_login(acting_as, &path)?;
        let store = Store::open(&path)?;
        Self::signed_in(store, &login, json)
    }

    /// `open` for a dry run (`import --dry-run`), which creates nothing: a database
    /// that does not exist yet is not created, an empty one in memory stands in for it.
    pub fn open_for_dry_run(
        db: Option<&Path>,
        json: bool,
        acting_as: Option<&str>,
    ) -> Result<Self> {
        let path = db_path(db)?;
        if path.exists() {
            return Self::open(Some(&path), json, acting_as);
        }
        let login = crate::identity::operator_login(acting_as, &path)?;
        Self::signed_in(Store::open_in_memory()?, &login, json)
    }

    fn signed_in(mut store: Store, login: &str, json: bool) -> Result<Self> {
        let me = store.sign_in(login)?;
        Ok(Self {
            store,
            json,
            out: BufWriter::new(io::stdout()),
            me,
        })
    }

    /// The operator running this command, signed in when the store opened.
    pub fn me(&self) -> &Operator {
        &self.me
    }

    /// The operator with `login`, which must exist.
    pub fn operator(&self, login: &str) -> Result<Operator> {
        self.operator_as("owner", login)
    }

    /// `operator`, with a refusal that names `field` (the flag that gave the login).
    pub fn operator_as(&self, field: &str, login: &str) -> Result<Operator> {
        self.store.operator_by_login(login.trim())?.ok_or_else(|| {
            Error::msg(format!(
                "{field}: no operator with login {:?}",
                login.trim()
            ))
        })
    }

    /// The owner for a new record: `login` if given, else the current operator.
    pub fn owner_or_me(&self, login: Option<&str>) -> Result<i64> {
        match login {
            Some(l) => Ok(self.operator(l)?.id),
            None => Ok(self.me.id),
        }
    }

    /// "Now" in the operator's time zone, from the store's clock.
    pub fn now(&self) -> DateTime<Local> {
        self.store.now().with_timezone(&Local)
    }

    pub fn print_json(&mut self, value: &impl Serialize) -> Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value).map_err(io::Error::from)?;
        writeln!(self.out)?;
        Ok(())
    }

    /// Resolves a customer reference: see `Store::resolve_customer`.
    pub fn customer_id(&self, reference: &str) -> Result<i64> {
        Ok(self.store.resolve_customer(reference)?)
    }
}

/// `rapport.db` in the platform's data directory (`~/.local/share/rapport` on Linux).
/// The database `--db` names, else the default one.
fn db_path(db: Option<&Path>) -> Result<PathBuf> {
    match db {
        Some(p) => Ok(p.to_path_buf()),
        None => default_db_path(),
    }
}

pub fn default_db_path() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "rapport")
        .map(|dirs| dirs.data_dir().join("rapport.db"))
        .ok_or_else(|| {
            Error::msg(
                "cannot find your data directory (is HOME set?); pass --db PATH or set RAPPORT_DB",
            )
        })
}
