//! Handlers behind each subcommand. They parse and validate arguments into domain
//! values, call the store, and print text or JSON.

pub mod agenda;
pub mod audit;
pub mod cadence;
pub mod copy;
pub mod currency;
pub mod customer;
pub mod deal;
pub mod dedupe;
pub mod demo;
pub mod doctor;
pub mod import;
pub mod import_deals;
pub mod init;
pub mod kpi;
pub mod log;
pub mod lookup;
pub mod operator;
pub mod output;
pub mod pipeline_health;
pub mod remind;
pub mod retention;
pub mod satisfaction;
pub mod shell;
pub mod team;
pub mod tui;
pub mod undo;
pub mod value;

use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveTime};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Config;
use crate::domain::when::DEFAULT_TIME;
use crate::domain::{Currency, Operator, Period};
use crate::store::{Location, Store};
use crate::{Error, Result};

/// What every command works with: the open store (signed in as the operator running
/// the command), the output and its format, and the config file's settings.
pub struct Context {
    pub store: Store,
    pub json: bool,
    pub out: BufWriter<Stdout>,
    me: Operator,
    config: Config,
}

/// Whether opening a database may make a new one where none exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// A missing file is an error naming it: a mistyped `--db` creates nothing.
    No,
    /// A new file, in a folder that exists (the app's first run, `demo`, `import`).
    File,
    /// A new file, and its folder if need be (`init`, `--create`, the default path).
    WithFolder,
}

impl Context {
    /// Opens the database at `path` and signs in as the operator running this process
    /// (or, for root and the file's owner, `acting_as`): see [`crate::identity`].
    /// `create` says whether a missing database may be made.
    ///
    /// On a PostgreSQL server the operator is the role the server signed in, and a
    /// database without Rapport's schema gets it only when `create` allows.
    pub fn open(
        location: &Location,
        create: Create,
        json: bool,
        acting_as: Option<&str>,
        config: Config,
    ) -> Result<Self> {
        let (store, login) = match location {
            Location::File(path) => {
                may_open(path, create)?;
                let login = crate::identity::operator_login(acting_as, path)?;
                (Store::open(path)?, login)
            }
            Location::Postgres(server) => {
                let store = Store::open_postgres_with(server, create != Create::No)?;
                let login = server_login(&store, acting_as)?;
                (store, login)
            }
        };
        Self::signed_in(store, &login, json, config)
    }

    /// `open` for a dry run (`import --dry-run`), which creates nothing: a database
    /// that does not exist yet is not created, an empty one in memory stands in for it.
    pub fn open_for_dry_run(
        location: &Location,
        json: bool,
        acting_as: Option<&str>,
        config: Config,
    ) -> Result<Self> {
        let path = match location {
            Location::File(path) if !path.exists() => path,
            _ => return Self::open(location, Create::No, json, acting_as, config),
        };
        let login = crate::identity::operator_login(acting_as, path)?;
        Self::signed_in(Store::open_in_memory()?, &login, json, config)
    }

    fn signed_in(mut store: Store, login: &str, json: bool, config: Config) -> Result<Self> {
        let me = store.sign_in(login)?;
        Ok(Self {
            store,
            json,
            out: BufWriter::new(io::stdout()),
            me,
            config,
        })
    }

    /// The currency `flag` names (a flag or `RAPPORT_CURRENCY`), else the config
    /// file's, else USD.
    pub fn currency(&self, flag: Option<&str>) -> Result<Currency> {
        currency(flag, &self.config)
    }

    /// The time of day a date typed without one means: `RAPPORT_DEFAULT_HOUR`, else
    /// the config file's `default_hour`, else 09:00.
    pub fn default_time(&self) -> Result<NaiveTime> {
        default_time(&self.config)
    }

    /// The KPI period `flag` names (`--period` or `RAPPORT_PERIOD`), else the config
    /// file's `default_period`, else the month.
    pub fn period(&self, flag: Option<&str>) -> Result<Period> {
        match flag {
            Some(p) => Ok(Period::parse("period", p)?),
            None => Ok(self.config.default_period.unwrap_or(Period::Month)),
        }
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
    pub fn now(&self) -> DateTime<Tz> {
        self.store.now().with_timezone(&crate::zone::local_zone())
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

/// The database `--db` (or `RAPPORT_DB`) names, else the config file's, else the
/// default file: a path, or a PostgreSQL server (`postgresql://…`, `host=… dbname=…`).
pub fn db_location(db: Option<&str>, config: &Config) -> Result<Location> {
    match db {
        Some(text) => Ok(Location::parse(text)),
        None => match &config.database {
            Some(location) => Ok(location.clone()),
            None => Ok(Location::File(default_db_path()?)),
        },
    }
}

/// The operator a PostgreSQL connection signs in as: see
/// [`crate::identity::server_operator_login`].
fn server_login(store: &Store, acting_as: Option<&str>) -> Result<String> {
    let (role, privileged) = store
        .server_login()?
        .ok_or_else(|| Error::msg("not a PostgreSQL connection"))?;
    crate::identity::server_operator_login(acting_as, &role, privileged)
}

/// `rapport.db` in the platform's data directory (`~/.local/share/rapport` on Linux).
pub fn default_db_path() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "rapport")
        .map(|dirs| dirs.data_dir().join("rapport.db"))
        .ok_or_else(|| {
            Error::msg(
                "cannot find your data directory (is HOME set?); pass --db PATH or set RAPPORT_DB",
            )
        })
}

/// Refuses to open a database that does not exist unless `create` allows making it.
/// Anything but "not there" (a folder that cannot be read, say) is left for the store
/// to report.
fn may_open(path: &Path, create: Create) -> Result<()> {
    if !matches!(path.try_exists(), Ok(false)) {
        return Ok(());
    }
    let shown = path.display();
    let folder = path.parent().filter(|d| !d.as_os_str().is_empty());
    match create {
        Create::WithFolder => Ok(()),
        Create::File if folder.is_none_or(Path::exists) => Ok(()),
        Create::File => Err(Error::msg(format!(
            "there is no folder {} for the database {shown}; check the path, or create both with `rapport --db {shown} init`",
            folder
                .map(Path::display)
                .map(|d| d.to_string())
                .unwrap_or_default()
        ))),
        Create::No if default_db_path().is_ok_and(|d| d == path) => Err(Error::msg(format!(
            "there is no database at {shown} yet; `rapport` makes it on its first run (and offers demo data), or `rapport init` makes an empty one"
        ))),
        Create::No => Err(Error::msg(format!(
            "there is no database at {shown}; check the path (--db, RAPPORT_DB or the config file's `database`), or create one with `rapport --db {shown} init`"
        ))),
    }
}

/// The currency `flag` names, else the config file's, else USD.
pub fn currency(flag: Option<&str>, config: &Config) -> Result<Currency> {
    match flag {
        Some(code) => Ok(Currency::from_code(code)?),
        None => Ok(config.currency.unwrap_or(Currency::USD)),
    }
}

/// The environment variable that overrides the config file's `default_hour`.
pub const DEFAULT_HOUR_ENV: &str = "RAPPORT_DEFAULT_HOUR";

/// `RAPPORT_DEFAULT_HOUR`, else the config file's `default_hour`, else 09:00.
pub fn default_time(config: &Config) -> Result<NaiveTime> {
    match std::env::var(DEFAULT_HOUR_ENV) {
        Ok(text) if !text.trim().is_empty() => crate::config::parse_hour(&text)
            .map_err(|why| Error::msg(format!("{DEFAULT_HOUR_ENV}: {why}"))),
        _ => Ok(config.default_hour.unwrap_or(DEFAULT_TIME)),
    }
}
