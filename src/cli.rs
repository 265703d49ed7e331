//! The command line: every subcommand and flag (clap derive), and dispatch.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::Result;
use crate::commands::{self, Create};
use crate::config::Config;
use crate::store::{Location, Store};

/// The settings besides flags, for `--help` and the man page.
const ENVIRONMENT: &str = "\
Settings: a flag wins over the environment, the environment over the config file, the
config file over the defaults.

Config file: $XDG_CONFIG_HOME/rapport/config.toml (~/.config/rapport/config.toml), or the
file RAPPORT_CONFIG names (empty: none). Keys: database, currency, time_zone,
default_period (week, month, quarter, year, all), default_hour (\"09:00\") and keymap.

Environment: RAPPORT_DB (--db), RAPPORT_AS (--as), RAPPORT_CURRENCY (--currency),
RAPPORT_KEYMAP (--keymap), RAPPORT_PERIOD (kpi --period), RAPPORT_DEFAULT_HOUR (the time
of day a date without one means), TZ (the time zone), RAPPORT_CONFIG (the config file).";

/// Rapport: a terminal CRM. With no command, opens the full-screen app.
#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about,
    propagate_version = true,
    after_long_help = ENVIRONMENT
)]
pub struct Cli {
    /// Database file, or a PostgreSQL server (`postgresql://…`, `host=… dbname=…`)
    /// [default: the config file's `database`, else rapport.db in your data
    /// directory]. It must exist: `rapport init`, the app's first run, `demo`,
    /// `import` or --create make a new one
    #[arg(long, global = true, env = "RAPPORT_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    /// Create the database (and its folder) if it does not exist yet
    #[arg(long, global = true)]
    pub create: bool,

    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// Act as this operator (root and the database file's owner only, who can change
    /// the file anyway) [default: the login of your user id]
    #[arg(long = "as", global = true, env = "RAPPORT_AS", value_name = "LOGIN")]
    pub acting_as: Option<String>,

    /// Key bindings for the app: default, vim, or a keymap file [default: the config
    /// file's `keymap`, else default]
    #[arg(long, env = "RAPPORT_KEYMAP", value_name = "NAME|PATH")]
    pub keymap: Option<String>,

    /// Currency the app reports pipeline totals and KPIs in [default: the config file's
    /// `currency`, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new database (and its folder), with you as its admin
    Init,
    /// Add, list, show, edit and delete customers
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Log an interaction (call, email, meeting, note, sms) with a customer; `log edit`
    /// and `log delete` correct one
    #[command(visible_alias = "interaction")]
    Log(LogArgs),
    /// Work with the sales pipeline
    #[command(subcommand)]
    Deal(DealCommand),
    /// Follow-up reminders
    #[command(subcommand)]
    Remind(RemindCommand),
    /// Follow-ups overdue, due today and coming up, and customers going quiet
    Agenda(AgendaArgs),
    /// Open the app on the daily review: what is due, one follow-up at a time
    Review(ReviewArgs),
    /// How often customers should hear from us: per customer, per tag, or the default
    #[command(subcommand)]
    Cadence(CadenceCommand),
    /// Customers going quiet: longer without contact than their cadence allows
    Quiet(QuietArgs),
    /// KPIs against their targets, and the weighted pipeline forecast
    Kpi(KpiArgs),
    /// The weighted pipeline by expected-close month, by stage or by operator: a table
    /// and a chart
    Forecast(ForecastArgs),
    /// Customer value: revenue, lifetime value, RFM scores and segments, churn risk
    Value(ValueArgs),
    /// Each operator's performance over a period against its quotas; `team quota` sets them
    Team(TeamArgs),
    /// Customer satisfaction by month: CSAT (1-5) and NPS (promoters, passives, detractors)
    Satisfaction(SatisfactionArgs),
    /// Repeat-purchase rate, monthly cohorts still buying after 1/3/6/12 months, churn
    Retention(RetentionArgs),
    /// Exchange rates (dated) and the default currency reports convert to
    #[command(subcommand)]
    Currency(CurrencyCommand),
    /// Fill an empty database with realistic demo data
    Demo(DemoArgs),
    /// Import contacts (vCard, CSV), deals from a spreadsheet, or a Rapport JSON backup
    Import(ImportArgs),
    /// Export every customer as vCard or CSV, or everything as a JSON backup
    Export(ExportArgs),
    /// The people who use this database and their roles (admin, manager, agent)
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// The pipeline's stages; admins rename them and set their default probability
    #[command(subcommand)]
    Stage(StageCommand),
    /// The audit trail: who created, changed or deleted what, and when
    Audit(AuditArgs),
    /// Take back your last change (of a customer, deal, follow-up or interaction) by a
    /// new one; refused if someone changed the record since
    Undo(UndoArgs),
    /// Copy the whole database to a new file, while others keep working
    Backup {
        /// The copy to create (it must not exist yet)
        path: PathBuf,
    },
    /// Replace everything in the database with a copy made by `rapport backup`
    Restore {
        /// The Rapport database file to restore
        path: PathBuf,
        /// Yes, replace every record in the database
        #[arg(long)]
        yes: bool,
    },
    /// Check the database (or a backup): quick_check, schema, file modes, and what to do
    Doctor {
        /// The file to check [default: the database]
        path: Option<PathBuf>,
    },
    /// Find a customer fast by phone digits, name, company, email or tag (caller-ID hooks)
    Lookup(LookupArgs),
    /// List pairs of customers that look like duplicates, with why
    Dedupe(DedupeArgs),
    /// Print a shell completion script: `rapport completions bash > ~/.local/share/bash-completion/completions/rapport`
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `rapport man | man -l -`; `rapport man kpi set` for
    /// a subcommand's own page
    Man {
        /// The subcommand whose page to print
        #[arg(value_name = "SUBCOMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files to import: vCards (.vcf), CSV contacts (Google, Outlook, Thunderbird or
    /// --map), or one Rapport backup (.json) into an empty database
    #[arg(required_unless_present_any = ["deals", "undo"], value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Take an import run out again: the customers it created and what it merged
    /// (anything changed since by someone is kept, and listed)
    #[arg(long, value_name = "RUN", conflicts_with_all = ["files", "deals", "dry_run"])]
    pub undo: Option<i64>,
    /// Show what would be created, merged and skipped, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// A record sharing a phone or email with a customer: merge it only into the same
    /// contact and create it beside anyone else (merge-same), merge it whatever the names
    /// (merge), skip it, or create another
    #[arg(long, value_enum, default_value_t = crate::io::import::OnDuplicate::MergeSame)]
    pub on_duplicate: crate::io::import::OnDuplicate,
    /// Import the valid records, and write the invalid ones to NAME.rejected.EXT beside each
    /// file (or in --rejects DIR), before anything is imported
    #[arg(long)]
    pub skip_invalid: bool,
    /// Refuse a record for any field that cannot be used, instead of keeping the value as
    /// written on the customer and listing it in the report
    #[arg(long)]
    pub strict: bool,
    /// With --skip-invalid: write the reject files into DIR instead of beside each input
    #[arg(long, value_name = "DIR", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Read the files in this encoding (utf-8, utf-16le, windows-1252, iso-8859-5, koi8-r, shift_jis…)
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Which CSV columns hold what: name="Full Name",phone=Mobile,email=E-mail (fields:
    /// name first_name middle_name last_name company department title nickname phone email
    /// address second_address birthday website note tags; deals: reference title account
    /// owner product stage engaged_on closed_on value currency)
    #[arg(long, value_name = "FIELD=COLUMN,…")]
    pub map: Option<String>,
    /// A spreadsheet (CSV) of deals to import into the pipeline
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub deals: Option<PathBuf>,
    /// The accounts the deals name (CSV): each becomes a company customer
    #[arg(long, value_name = "FILE", requires = "deals")]
    pub accounts: Option<PathBuf>,
    /// The products the deals name (CSV), to check and normalise their names
    #[arg(long, value_name = "FILE", requires = "deals")]
    pub products: Option<PathBuf>,
    /// A deal stage of the file as one of Rapport's: --stage "Engaging=qualified" (repeatable)
    #[arg(long = "stage", value_name = "NAME=KEY", requires = "deals")]
    pub stages: Vec<String>,
    /// Currency of deal values that name none [default: the config file's, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// List the operators and their roles
    List,
    /// Add an operator (admins only): the login they SSH in with
    Add {
        login: String,
        /// How they are shown [default: the login]
        #[arg(long)]
        name: Option<String>,
        /// admin, manager or agent
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// Change an operator's role (admins only)
    Role {
        login: String,
        /// admin, manager or agent
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StageCommand {
    /// List the stages in pipeline order
    List,
    /// Rename a stage or change the probability deals get on entering it (admins only)
    Set {
        /// The stage's key (`lead`, `proposal`, …)
        stage: String,
        /// Its new name
        #[arg(long)]
        name: Option<String>,
        /// Its new default probability, in percent (open stages only)
        #[arg(long)]
        probability: Option<u8>,
    },
    /// Set how many idle days make a deal rot in an open stage (managers and admins)
    Limit {
        /// The stage's key (`lead`, `proposal`, …)
        stage: String,
        /// Days from 1 to 3650, or `none` (deals in the stage never rot)
        days: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// vCard 4.0, one card per customer
    Vcard,
    /// CSV with Google Contacts columns
    Csv,
    /// Everything (customers, interactions, deals, stages, follow-ups, KPIs, settings):
    /// `rapport import` restores it into an empty database
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to FILE instead of standard output (a new file, created 0600)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists (never the database itself)
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// A customer: its number (`12` or `#12`) or its name (exact, or a unique beginning).
pub type CustomerRef = String;

/// `rapport audit`: newest first.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this customer and its deals, follow-ups and interactions (also a deleted
    /// customer, by #ID)
    #[arg(long)]
    pub customer: Option<CustomerRef>,
    /// Only changes since this time: a date, "yesterday", "3 days ago", "-2h"…
    #[arg(long, allow_hyphen_values = true)]
    pub since: Option<String>,
    /// At most this many entries
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

/// `rapport undo`: your last change, from the audit trail.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Show your latest changes not undone yet (newest first: the one `rapport undo`
    /// takes back), and whether each can be; undo nothing
    #[arg(long)]
    pub list: bool,
    /// With --list: at most this many changes
    #[arg(long, default_value_t = 10, requires = "list")]
    pub limit: usize,
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Add a person or a company
    Add(CustomerAddArgs),
    /// List customers
    List(CustomerListArgs),
    /// Show one customer with phones, emails, timeline, deals and follow-ups
    Show { customer: CustomerRef },
    /// Change a customer's fields
    Edit(CustomerEditArgs),
    /// Delete a customer with its interactions, deals and follow-ups
    Delete {
        customer: CustomerRef,
        /// Really delete (without it, shows what would be deleted)
        #[arg(long)]
        yes: bool,
    },
    /// Merge a duplicate into the customer to keep: its timeline, deals, follow-ups,
    /// people, phones, emails and tags move over, then it is deleted
    Merge {
        /// The customer that stays
        keep: CustomerRef,
        /// The duplicate that goes
        drop: CustomerRef,
        /// Really merge (without it, shows what would move)
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct CustomerAddArgs {
    /// Display name
    #[arg(long)]
    pub name: String,
    /// person or company
    #[arg(long, default_value = "person")]
    pub kind: String,
    /// The company this person belongs to (number or name)
    #[arg(long)]
    pub company: Option<CustomerRef>,
    /// Phone, optionally typed: `+98 912 345 6789` or `work:+44 20 7946 0958` (repeatable)
    #[arg(long = "phone", value_name = "[KIND:]NUMBER")]
    pub phones: Vec<String>,
    /// Email address (repeatable)
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Tag (repeatable)
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long)]
    pub address: Option<String>,
    /// lead, active, inactive or lost
    #[arg(long, default_value = "lead")]
    pub status: String,
    /// Where the customer came from (website, referral, …)
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Owning operator's login [default: you]
    #[arg(long)]
    pub owner: Option<String>,
    /// Its own contact cadence, e.g. 14d or 14d/21d (ideal/maximum) [default: its tags' or the default]
    #[arg(long, value_name = "CADENCE")]
    pub cadence: Option<String>,
    /// Add even if customers with the same phone, email or a nearly equal name exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CustomerListArgs {
    /// Only this status
    #[arg(long)]
    pub status: Option<String>,
    /// Only people or only companies
    #[arg(long)]
    pub kind: Option<String>,
    /// Only customers with this tag
    #[arg(long)]
    pub tag: Option<String>,
    /// Only customers owned by this login
    #[arg(long)]
    pub owner: Option<String>,
    /// Only customers in this value segment (see `rapport value`): champions, loyal,
    /// potential, new, at-risk, cant-lose, hibernating or lost
    #[arg(long)]
    pub segment: Option<String>,
    /// name, last-contact or open-value
    #[arg(long, default_value = "name")]
    pub sort: String,
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CustomerEditArgs {
    pub customer: CustomerRef,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    /// Company this person belongs to; `none` to detach
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long = "add-phone", value_name = "[KIND:]NUMBER")]
    pub add_phones: Vec<String>,
    /// Remove the phone with these digits
    #[arg(long = "remove-phone")]
    pub remove_phones: Vec<String>,
    #[arg(long = "add-email")]
    pub add_emails: Vec<String>,
    #[arg(long = "remove-email")]
    pub remove_emails: Vec<String>,
    #[arg(long = "add-tag")]
    pub add_tags: Vec<String>,
    #[arg(long = "remove-tag")]
    pub remove_tags: Vec<String>,
    /// New address; empty text clears it
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    /// Its own contact cadence, e.g. 14d or 14d/21d; `none` to use its tags' or the default
    #[arg(long, value_name = "CADENCE|none")]
    pub cadence: Option<String>,
    /// Refuse unless the customer is still at this version (from `customer show --json`):
    /// a safe read-modify-write for scripts
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

/// `rapport log CUSTOMER -m …` logs; `rapport log edit|delete ID` corrects.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LogArgs {
    #[command(subcommand)]
    pub command: Option<LogCommand>,
    /// The customer (a customer named like a subcommand, `edit`, is named by number)
    #[arg(required = true)]
    pub customer: Option<CustomerRef>,
    /// call, email, meeting, note or sms
    #[arg(long, default_value = "call")]
    pub kind: String,
    /// What happened [default with --nps: "Would recommend us: N/10"]
    #[arg(long, short = 'm', required_unless_present = "nps")]
    pub summary: Option<String>,
    /// in (the customer reached us) or out (we reached them)
    #[arg(long, default_value = "out")]
    pub direction: String,
    /// When it happened (a day alone means your default hour, 09:00 unless configured)
    #[arg(long, allow_hyphen_values = true, default_value = "now")]
    pub at: String,
    #[arg(long)]
    pub outcome: Option<String>,
    /// Customer satisfaction, 1 to 5
    #[arg(long)]
    pub satisfaction: Option<i64>,
    /// The customer's answer to "would you recommend us?", 0 to 10 (NPS)
    #[arg(long, value_name = "0-10")]
    pub nps: Option<i64>,
    /// The deal this was about
    #[arg(long)]
    pub deal: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Correct a logged interaction (its number is in `customer show` and `log`'s output)
    Edit(LogEditArgs),
    /// Delete a logged interaction (`rapport undo` brings it back)
    Delete { id: i64 },
}

#[derive(Debug, Args)]
pub struct LogEditArgs {
    pub id: i64,
    /// call, email, meeting, note or sms
    #[arg(long)]
    pub kind: Option<String>,
    /// in or out
    #[arg(long)]
    pub direction: Option<String>,
    /// When it happened
    #[arg(long, allow_hyphen_values = true)]
    pub at: Option<String>,
    #[arg(long, short = 'm')]
    pub summary: Option<String>,
    /// The outcome; empty text clears it
    #[arg(long)]
    pub outcome: Option<String>,
    /// Customer satisfaction, 1 to 5; `none` clears it
    #[arg(long, value_name = "1-5|none")]
    pub satisfaction: Option<String>,
    /// Refuse unless it is still at this version (from `--json` output)
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum DealCommand {
    /// Open a deal for a customer
    Add(DealAddArgs),
    /// List deals in pipeline order
    List(DealListArgs),
    /// Show one deal
    Show { deal: i64 },
    /// Move a deal to another open stage (`next` and `prev` step along the pipeline)
    Move { deal: i64, stage: String },
    /// Mark a deal won
    Won {
        deal: i64,
        /// Close date
        #[arg(long, default_value = "today")]
        date: String,
    },
    /// Mark a deal lost, with the reason
    Lost {
        deal: i64,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "today")]
        date: String,
    },
    /// Give a deal to another operator (managers and admins)
    Assign {
        deal: i64,
        /// The new owner's login
        owner: String,
    },
    /// Correct a deal: title, amount, currency, stage, probability, expected close, owner
    Edit(DealEditArgs),
    /// Delete a deal (its follow-ups and interactions stay; `rapport undo` brings it back)
    Delete { deal: i64 },
    /// Pipeline health: rotting deals, deals with no follow-up planned, lost reasons
    /// and the stage-to-stage funnel
    Health(DealHealthArgs),
    /// Reopen a won or lost deal
    Reopen {
        deal: i64,
        /// The open stage to reopen it in [default: the one it left when it closed]
        #[arg(long)]
        stage: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DealHealthArgs {
    /// Lost reasons over the current week, month, quarter or year, or all time
    #[arg(long, default_value = "year")]
    pub period: String,
    /// First day of an explicit range for lost reasons (with --to; overrides --period)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of that range, inclusive (with --from)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only this operator's deals (managers and admins; an agent sees only its own)
    #[arg(long, value_name = "LOGIN")]
    pub operator: Option<String>,
    /// Deals listed per list (rotting, no follow-up), at most 50
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Break the forecast down by stage or by operator
    #[arg(long, default_value = "stage", value_name = "stage|operator")]
    pub by: String,
    /// Months from the current one, 1 to 36
    #[arg(long, default_value_t = 6)]
    pub months: u32,
    /// Only this operator's deals (managers and admins; an agent sees only its own)
    #[arg(long, value_name = "LOGIN")]
    pub operator: Option<String>,
}

#[derive(Debug, Args)]
pub struct DealEditArgs {
    pub deal: i64,
    #[arg(long)]
    pub title: Option<String>,
    /// The amount, written as for `deal add`, in --currency or else the deal's
    #[arg(long, allow_hyphen_values = true)]
    pub amount: Option<String>,
    /// ISO 4217 code; without --amount the figure stays and only the currency changes
    #[arg(long)]
    pub currency: Option<String>,
    /// A stage key: an open one reopens a won or lost deal, won or lost closes it today
    #[arg(long)]
    pub stage: Option<String>,
    /// Win probability in percent [default with --stage: the stage's]
    #[arg(long)]
    pub probability: Option<i64>,
    /// Expected close date; `none` clears it
    #[arg(long, allow_hyphen_values = true)]
    pub close: Option<String>,
    /// The owner's login (managers and admins give deals to others)
    #[arg(long)]
    pub owner: Option<String>,
    /// Why it was lost (with --stage lost)
    #[arg(long)]
    pub reason: Option<String>,
    /// What winning it costs, in the deal's currency (for the gross_profit KPI
    /// measure); `none` clears it. A cost follows a --currency change
    #[arg(long, allow_hyphen_values = true)]
    pub cost: Option<String>,
    /// Refuse unless the deal is still at this version (from `deal show --json`)
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

#[derive(Debug, Args)]
pub struct DealAddArgs {
    pub customer: CustomerRef,
    #[arg(long)]
    pub title: String,
    /// Amount in the currency's units: 1200, 1,200.50, 1.200,50 or 12,50 (a comma
    /// before exactly three digits groups them: 1,250 is 1250); at most 10^15 minor
    /// units (10,000,000,000,000.00 for a currency with cents)
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// ISO 4217 code [default: the config file's `currency`, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,
    /// Stage key [default: the first stage]
    #[arg(long)]
    pub stage: Option<String>,
    /// Win probability in percent [default: the stage's]
    #[arg(long)]
    pub probability: Option<i64>,
    /// Expected close date
    #[arg(long, allow_hyphen_values = true)]
    pub close: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    /// What winning it costs, in its currency, written as the amount is (for the
    /// gross_profit KPI measure)
    #[arg(long, allow_hyphen_values = true)]
    pub cost: Option<String>,
}

#[derive(Debug, Args)]
pub struct DealListArgs {
    /// Only deals in this stage
    #[arg(long)]
    pub stage: Option<String>,
    /// Only open, won or lost deals
    #[arg(long)]
    pub outcome: Option<String>,
    #[arg(long)]
    pub customer: Option<CustomerRef>,
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum RemindCommand {
    /// Add a follow-up
    Add(RemindAddArgs),
    /// List open follow-ups
    List(RemindListArgs),
    /// Mark a follow-up done (a recurring one schedules its next occurrence)
    Done { id: i64 },
    /// Put a follow-up off (it keeps its due date, so on-time figures stay honest)
    Snooze {
        id: i64,
        /// Until when (e.g. `+2h`, `tomorrow 09:00`)
        #[arg(long, allow_hyphen_values = true)]
        until: String,
    },
    /// Move a follow-up to a new due date (clears any snooze)
    Reschedule {
        id: i64,
        /// The new due date (e.g. `next mon 10:00`, `+1w`, `2026-12-01 14:30`)
        #[arg(long, allow_hyphen_values = true)]
        due: String,
    },
    /// Give a follow-up to another operator (managers and admins)
    Assign {
        id: i64,
        /// The new owner's login
        owner: String,
    },
    /// Correct a follow-up: due date, note, repeat, owner
    Edit(RemindEditArgs),
    /// Delete a follow-up (`rapport undo` brings it back)
    Delete { id: i64 },
}

#[derive(Debug, Args)]
pub struct RemindEditArgs {
    pub id: i64,
    /// The new due date (clears any snooze)
    #[arg(long, allow_hyphen_values = true)]
    pub due: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// Repeat: daily, weekly, monthly or Nd; `none` for a one-off
    #[arg(long, value_name = "RULE|none")]
    pub every: Option<String>,
    /// The owner's login (managers and admins give follow-ups to others)
    #[arg(long)]
    pub owner: Option<String>,
    /// Refuse unless it is still at this version (from `--json` output)
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
}

#[derive(Debug, Args)]
pub struct RemindAddArgs {
    pub customer: CustomerRef,
    /// When: `tomorrow 10:00`, `+3d`, `Dec 5`, `2026-12-01 14:30` (a day alone means
    /// your default hour, 09:00 unless configured)
    #[arg(long, allow_hyphen_values = true)]
    pub due: String,
    #[arg(long)]
    pub note: String,
    /// Repeat: daily, weekly, monthly or Nd
    #[arg(long)]
    pub every: Option<String>,
    #[arg(long)]
    pub deal: Option<i64>,
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct RemindListArgs {
    #[arg(long)]
    pub customer: Option<CustomerRef>,
    /// Only this operator's
    #[arg(long)]
    pub owner: Option<String>,
    /// Include done follow-ups
    #[arg(long)]
    pub done: bool,
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Review everyone's follow-ups, not only yours
    #[arg(long)]
    pub everyone: bool,
}

#[derive(Debug, Args)]
pub struct AgendaArgs {
    /// How many days ahead "upcoming" reaches
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Only this operator's follow-ups
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CadenceCommand {
    /// Set the cadence of a customer, of every customer with a tag (--tag), or the
    /// default for active customers (--default): `14d`, `2w`, `14d/21d` (ideal/maximum)
    Set(CadenceSetArgs),
    /// Remove a customer's own cadence or a tag's, or reset the default to 90d/135d
    Clear(CadenceClearArgs),
    /// The default, the tag cadences and the customers with their own
    List,
}

#[derive(Debug, Args)]
#[command(allow_missing_positional = true)]
pub struct CadenceSetArgs {
    /// The customer (number or name); leave out with --tag or --default
    #[arg(conflicts_with_all = ["tag", "default"], required_unless_present_any = ["tag", "default"])]
    pub customer: Option<CustomerRef>,
    /// Ideal interval, optionally with a maximum: 14, 14d, 2w, 14d/21d, 2w/30d
    /// [maximum default: half again the ideal]
    pub cadence: String,
    /// Set it for every customer with this tag (the tightest of a customer's tags applies)
    #[arg(long)]
    pub tag: Option<String>,
    /// Set the default for active customers with no cadence of their own or of a tag
    #[arg(long, conflicts_with = "tag")]
    pub default: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["customer", "tag", "default"])))]
pub struct CadenceClearArgs {
    /// The customer (number or name) whose own cadence to remove
    pub customer: Option<CustomerRef>,
    /// Remove this tag's cadence
    #[arg(long)]
    pub tag: Option<String>,
    /// Reset the default to 90d/135d
    #[arg(long)]
    pub default: bool,
}

#[derive(Debug, Args)]
pub struct QuietArgs {
    /// Only customers this operator owns
    #[arg(long, conflicts_with = "mine")]
    pub owner: Option<String>,
    /// Only customers you own
    #[arg(long)]
    pub mine: bool,
    /// How many to list at most (overdue first, then the longest past their ideal)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
}

/// `rapport kpi` prints the report; `rapport kpi set` changes a KPI's target.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct KpiArgs {
    #[command(subcommand)]
    pub command: Option<KpiCommand>,
    /// The current week, month, quarter or year, or all time [default: the config file's
    /// `default_period`, else month]
    #[arg(long, env = "RAPPORT_PERIOD")]
    pub period: Option<String>,
    /// First day of an explicit range (with --to; overrides --period)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of an explicit range, inclusive (with --from)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Reporting currency: revenue and forecast count deals in it only (the others are
    /// listed) [default: the config file's `currency`, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,
    /// Only this operator's records (managers and admins) [default: the team's; an
    /// agent's own]
    #[arg(long, value_name = "LOGIN", conflicts_with_all = ["mine", "team"])]
    pub operator: Option<String>,
    /// Only your own records
    #[arg(long, conflicts_with = "team")]
    pub mine: bool,
    /// The whole team's (managers and admins)
    #[arg(long)]
    pub team: bool,
    /// Each KPI's value over the last 12 periods of the range's length too (a
    /// sparkline, and `trend` in the JSON)
    #[arg(long)]
    pub trend: bool,
}

#[derive(Debug, Subcommand)]
pub enum KpiCommand {
    /// Change a KPI's target and minimum acceptable value
    ///
    /// Numbers are written as amounts are (50000, 50,000, 12,5, 1.250,50). Money is in
    /// major units of --currency, with its decimals, up to the largest amount
    /// (10,000,000,000,000.00 for a currency with cents); percentages (win_rate,
    /// followups_on_time) run from 0 to 100; counts are whole and not negative; days
    /// run from 0 to 36,500; the satisfaction score from 1 to 5.
    Set(KpiSetArgs),
    /// Define a KPI of the business's own (admins): a measure from the catalogue,
    /// optionally only for a tag, stage, operator or source, with its group, target
    /// and minimum; an existing name is redefined
    ///
    /// Targets are written as for `kpi set`, in the measure's unit. The measures:
    /// revenue_won, deals_won, deals_lost, win_rate, avg_deal, cycle_days,
    /// gross_profit, new_customers, repeat_purchase_rate, retention,
    /// churned_customers, csat, avg_satisfaction, nps, interactions_per_operator_day,
    /// followups_on_time, overdue_followups, open_pipeline, weighted_pipeline
    /// (`rapport kpi measures` describes each).
    Define(KpiDefineArgs),
    /// Remove a KPI an admin defined (admins; the built-in ones stay)
    #[command(visible_alias = "remove")]
    Undefine {
        /// Its name (or key)
        name: String,
    },
    /// The catalogue of measures a KPI can be defined with, and their units
    Measures,
}

#[derive(Debug, Args)]
pub struct KpiDefineArgs {
    /// Its name, as the report shows it (e.g. "VIP revenue"); at most 40 characters
    pub name: String,
    /// What it measures: a key of the catalogue
    #[arg(long)]
    pub measure: String,
    /// Only customers with this tag (their deals, interactions, follow-ups)
    #[arg(long)]
    pub tag: Option<String>,
    /// Only open deals in this stage (open_pipeline, weighted_pipeline)
    #[arg(long)]
    pub stage: Option<String>,
    /// Only what this operator owns (deals, customers, follow-ups) or logged
    /// (interactions)
    #[arg(long, value_name = "LOGIN")]
    pub operator: Option<String>,
    /// Only customers from this source (as on the customer: website, referral…)
    #[arg(long, value_name = "SRC")]
    pub source: Option<String>,
    /// financial, customer, internal or growth (learning & growth)
    #[arg(long)]
    pub group: String,
    /// The value aimed for
    #[arg(long, allow_hyphen_values = true)]
    pub target: String,
    /// The worst value accepted: a floor when higher is better, a ceiling otherwise
    #[arg(long, allow_hyphen_values = true)]
    pub minimum: String,
    /// The period the target and minimum are set for: week, month, quarter, year or
    /// all (totals scale to the period reported)
    #[arg(long, default_value = "month")]
    pub period: String,
    /// The currency a money target is written in [default: the config file's
    /// `currency`, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,
}

#[derive(Debug, Args)]
pub struct KpiSetArgs {
    /// The KPI's key
    #[arg(value_parser = kpi_keys(), ignore_case = true)]
    pub key: String,
    /// The value aimed for (money in major units: 50000 or 50,000)
    #[arg(long, allow_hyphen_values = true)]
    pub target: String,
    /// The worst value accepted: a floor when higher is better, a ceiling otherwise
    #[arg(long, allow_hyphen_values = true)]
    pub minimum: String,
    /// The currency a money target is written in: its decimals and largest amount
    /// apply (the target counts in whichever currency `rapport kpi` reports) [default:
    /// the config file's `currency`, else USD]
    #[arg(long, env = "RAPPORT_CURRENCY", value_name = "CODE")]
    pub currency: Option<String>,
}

/// Every KPI there is, with what it measures, for `kpi set --help` and completions.
fn kpi_keys() -> clap::builder::PossibleValuesParser {
    use crate::domain::kpi::DEFAULT_KPIS;
    clap::builder::PossibleValuesParser::new(DEFAULT_KPIS.iter().map(
        |&(key, name, _, unit, target, minimum, higher)| {
            let better = if higher { "higher" } else { "lower" };
            clap::builder::PossibleValue::new(key).help(format!(
                "{name} ({unit}, {better} is better; default target {target}, minimum {minimum})"
            ))
        },
    ))
}

/// `rapport team` prints every operator's performance; `rapport team quota` sets one's.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TeamArgs {
    #[command(subcommand)]
    pub command: Option<TeamCommand>,
    /// The current week, month, quarter or year, or all time
    #[arg(long, default_value = "month")]
    pub period: String,
    /// First day of an explicit range (with --to; overrides --period)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of an explicit range, inclusive (with --from)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only this operator (managers and admins; an agent always sees only itself)
    #[arg(long, value_name = "LOGIN")]
    pub operator: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Set an operator's quota for a KPI: a target and a minimum (managers and admins)
    ///
    /// Figures are written as for `rapport kpi set` (money in major units of
    /// --currency, percentages 0-100, counts whole, days, scores 1-5).
    Quota(QuotaArgs),
}

#[derive(Debug, Args)]
pub struct QuotaArgs {
    /// The operator's login
    pub login: String,
    /// The KPI: revenue_won, deals_won, win_rate, avg_cycle_days, new_customers,
    /// avg_satisfaction, followups_on_time, overdue_followups, avg_won_deal
    pub kpi: String,
    /// The value aimed for
    #[arg(long, allow_hyphen_values = true, required_unless_present = "clear")]
    pub target: Option<String>,
    /// The worst value accepted: a floor when higher is better, a ceiling otherwise
    #[arg(long, allow_hyphen_values = true, required_unless_present = "clear")]
    pub minimum: Option<String>,
    /// Remove the quota instead
    #[arg(long, conflicts_with_all = ["target", "minimum"])]
    pub clear: bool,
    /// The currency a money figure is written in
    #[arg(long, env = "RAPPORT_CURRENCY", default_value = "USD")]
    pub currency: String,
}

#[derive(Debug, Subcommand)]
pub enum CurrencyCommand {
    /// Set what one unit of CODE is worth in the default currency, from a day on
    /// (managers and admins): `rapport currency set EUR 1.08 --date 2026-01-01`
    Set {
        /// The currency (ISO 4217 code)
        code: String,
        /// Units of the default currency one unit of CODE is worth (1.08, 1,08, 0.0067)
        #[arg(allow_hyphen_values = true)]
        rate: String,
        /// In force from this day on, until the next rate [default: today]
        #[arg(long, allow_hyphen_values = true, default_value = "today")]
        date: String,
    },
    /// Remove the rate of CODE set for a day (managers and admins)
    Remove {
        code: String,
        #[arg(long, allow_hyphen_values = true)]
        date: String,
    },
    /// The default currency and every rate
    List,
    /// Make CODE the currency reports convert to (only while no rate is set)
    Default { code: String },
}

/// `rapport retention`: cohorts and churn month by month.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// How many months of cohorts and churn, up to and including this one
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub months: u32,
}

/// `rapport satisfaction`: CSAT and NPS month by month.
#[derive(Debug, Args)]
pub struct SatisfactionArgs {
    /// How many months, up to and including this one
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: u32,
}

/// `rapport value`: the segments of the customers who bought, and the most valuable.
#[derive(Debug, Args)]
pub struct ValueArgs {
    /// Only this segment's customers: champions, loyal, potential, new, at-risk,
    /// cant-lose, hibernating or lost
    #[arg(long)]
    pub segment: Option<String>,
    /// How many customers to list at most (most revenue first)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many customers (people and companies) to create
    #[arg(long, default_value_t = 500)]
    pub customers: usize,
    /// Seed: the same seed gives the same data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Phone digits (4 or more: the beginning, the end or the whole number, any form),
    /// or the beginning of a name, a word of a name, a company, an email or a tag
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    pub query: Vec<String>,
    /// How many matches to print at most
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// How many pairs to list at most (most likely first)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
}

/// Runs a parsed command line with the settings of the config file.
pub fn run(cli: Cli, config: Config) -> Result<()> {
    // Neither needs a database: they describe the command line itself.
    match &cli.command {
        Some(Command::Completions { shell }) => return commands::shell::completions(*shell),
        Some(Command::Man { command }) => return commands::shell::man_page(command),
        _ => {}
    }
    let location = commands::db_location(cli.db.as_deref(), &config)?;
    // Only reads the file: no database created, migrated or signed in to.
    if let Some(Command::Doctor { path: checked }) = &cli.command {
        let path = match (checked, &location) {
            (Some(path), _) => path,
            (None, Location::File(path)) => path,
            (None, Location::Postgres(_)) => {
                return Err(crate::Error::msg(
                    "`rapport doctor` checks an SQLite database file; on PostgreSQL the server keeps its own integrity (amcheck, pg_dump), and `rapport doctor FILE` checks a copy",
                ));
            }
        };
        return commands::doctor::run(path, cli.json);
    }
    let acting_as = cli.acting_as.as_deref();
    let app = matches!(cli.command, None | Some(Command::Review(_)));
    if app {
        let options = crate::tui::Options {
            keymap: cli.keymap.clone().or_else(|| config.keymap.clone()),
            currency: Some(
                commands::currency(cli.currency.as_deref(), &config)?
                    .code()
                    .to_string(),
            ),
            review: match &cli.command {
                Some(Command::Review(args)) => Some(!args.everyone),
                _ => None,
            },
            period: config.default_period,
            default_time: commands::default_time(&config)?,
        };
        // A bad keymap is reported, then a missing terminal, before any file is made.
        crate::tui::check_options(&options)?;
        commands::tui::require_terminal()?;
        let create = match (&cli.command, cli.db.is_some() || config.database.is_some()) {
            // The app's first run makes the database it is pointed at…
            (None, _) if cli.create => Create::WithFolder,
            (None, true) => Create::File,
            // …and, on the default path, the data directory too.
            (None, false) => Create::WithFolder,
            _ if cli.create => Create::WithFolder,
            _ => Create::No,
        };
        let ctx = commands::Context::open(&location, create, cli.json, acting_as, config)?;
        return commands::tui::run(ctx, &options);
    }
    let create = match &cli.command {
        _ if cli.create => Create::WithFolder,
        Some(Command::Init) => Create::WithFolder,
        // Filling a new database makes its file (never a mistyped folder).
        Some(Command::Demo(_)) => Create::File,
        Some(Command::Import(args)) if !args.dry_run => Create::File,
        _ => Create::No,
    };
    let existed = match &cli.command {
        Some(Command::Init) => Store::exists_at(&location)?,
        _ => true,
    };
    let mut ctx = match &cli.command {
        // A dry run of an import creates no database file.
        Some(Command::Import(args)) if args.dry_run => {
            commands::Context::open_for_dry_run(&location, cli.json, acting_as, config)?
        }
        _ => commands::Context::open(&location, create, cli.json, acting_as, config)?,
    };
    let result = match cli.command {
        Some(Command::Init) => commands::init::run(&mut ctx, existed),
        Some(Command::Customer(cmd)) => commands::customer::run(&mut ctx, cmd),
        Some(Command::Log(args)) => commands::log::run(&mut ctx, args),
        Some(Command::Deal(cmd)) => commands::deal::run(&mut ctx, cmd),
        Some(Command::Remind(cmd)) => commands::remind::run(&mut ctx, cmd),
        Some(Command::Agenda(args)) => commands::agenda::run(&mut ctx, args),
        Some(Command::Cadence(cmd)) => commands::cadence::run(&mut ctx, cmd),
        Some(Command::Quiet(args)) => commands::cadence::quiet(&mut ctx, args),
        Some(Command::Kpi(args)) => commands::kpi::run(&mut ctx, args),
        Some(Command::Forecast(args)) => commands::pipeline_health::forecast(&mut ctx, args),
        Some(Command::Value(args)) => commands::value::run(&mut ctx, args),
        Some(Command::Team(args)) => commands::team::run(&mut ctx, args),
        Some(Command::Satisfaction(args)) => commands::satisfaction::run(&mut ctx, args),
        Some(Command::Currency(cmd)) => commands::currency::run(&mut ctx, cmd),
        Some(Command::Retention(args)) => commands::retention::run(&mut ctx, args),
        Some(Command::Demo(args)) => commands::demo::run(&mut ctx, args),
        Some(Command::Import(args)) => commands::import::run(&mut ctx, args),
        Some(Command::Export(args)) => commands::import::export(&mut ctx, args),
        Some(Command::Operator(cmd)) => commands::operator::run(&mut ctx, cmd),
        Some(Command::Audit(args)) => commands::audit::run(&mut ctx, args),
        Some(Command::Undo(args)) => commands::undo::run(&mut ctx, args),
        Some(Command::Stage(cmd)) => commands::deal::stages(&mut ctx, cmd),
        Some(Command::Backup { path }) => commands::copy::backup(&mut ctx, &path),
        Some(Command::Restore { path, yes }) => commands::copy::restore(&mut ctx, &path, yes),
        Some(Command::Lookup(args)) => commands::lookup::run(&mut ctx, args),
        Some(Command::Dedupe(args)) => commands::dedupe::run(&mut ctx, args),
        None
        | Some(Command::Review(_))
        | Some(Command::Doctor { .. })
        | Some(Command::Completions { .. })
        | Some(Command::Man { .. }) => unreachable!("handled before the database opens"),
    };
    std::io::Write::flush(&mut ctx.out)?;
    result
}
