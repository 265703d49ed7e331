//! Access levels, through the real command line and through the library: each role is
//! refused exactly what it should be, a refusal says "not allowed" and why, and a
//! refused command writes nothing.
//!
//! The team: `tester` (the first login, so admin) adds `lena` (manager), `omid` and
//! `sara` (agents). Each owns a customer with a deal and a follow-up. The actors tried
//! are tester, lena and omid; "theirs" is always sara's.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use rapport::domain::{
    CustomerDraft, CustomerKind, DealDraft, Direction, InteractionDraft, InteractionKind,
    KpiFigure, Money, Operator, ReminderDraft, Role,
};
use rapport::store::{AuditFilter, CustomerFilter, DealFilter, ReminderFilter, Store, StoreError};
use serde_json::Value;

/// The actors tried, with their roles: the columns of every table below.
const ACTORS: [(&str, &str); 3] = [("tester", "admin"), ("lena", "manager"), ("omid", "agent")];

/// What one operator owns.
#[derive(Debug, Clone, Copy)]
struct Owned {
    customer: i64,
    deal: i64,
    follow_up: i64,
}

// ---------------------------------------------------------------------------------
// Through the command line
// ---------------------------------------------------------------------------------

/// The team database, set up once; every case runs on its own copy.
struct Team {
    dir: tempfile::TempDir,
    owned: HashMap<&'static str, Owned>,
}

/// A customer added after the team's backup was taken: restoring the backup removes it.
const AFTER_BACKUP: &str = "Zora After-Backup";

impl Team {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = &dir.path().join("rapport.db");
        common::create_db(p);
        ok(p, &["operator", "add", "lena", "--role", "manager"]);
        ok(p, &["operator", "add", "omid"]);
        ok(p, &["operator", "add", "sara"]);
        let mut owned = HashMap::new();
        for (login, name) in [
            ("tester", "Talia Brooks"),
            ("lena", "Leonid Markov"),
            ("omid", "Omar Haddad"),
            ("sara", "Sahar Najafi"),
        ] {
            let customer = id_of(&json_as(p, login, &["customer", "add", "--name", name]));
            let c = customer.to_string();
            let deal = id_of(&json_as(
                p,
                login,
                &[
                    "deal",
                    "add",
                    &c,
                    "--title",
                    "Annual plan",
                    "--amount",
                    "1200",
                ],
            ));
            let follow_up = id_of(&json_as(
                p,
                login,
                &[
                    "remind",
                    "add",
                    &c,
                    "--due",
                    "tomorrow 10:00",
                    "--note",
                    "Call back",
                ],
            ));
            owned.insert(
                login,
                Owned {
                    customer,
                    deal,
                    follow_up,
                },
            );
        }
        std::fs::write(
            dir.path().join("contacts.csv"),
            "Name,Phone\r\nNadia Import,+44 20 7946 0999\r\n",
        )
        .unwrap();
        ok(
            p,
            &["backup", &dir.path().join("backup.db").to_string_lossy()],
        );
        ok(p, &["customer", "add", "--name", AFTER_BACKUP]);
        Self { dir, owned }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("rapport.db")
    }

    /// A copy of the team database in a directory of its own.
    fn copy(&self) -> TempDb {
        let db = TempDb::new();
        std::fs::copy(self.db(), &db.path).expect("copy the database");
        let wal = PathBuf::from(format!("{}-wal", self.db().display()));
        if wal.exists() {
            std::fs::copy(&wal, format!("{}-wal", db.path.display())).unwrap();
        }
        db
    }

    /// `arg` with its placeholders filled in for `login` working in `dir`.
    fn fill(&self, arg: &str, login: &str, dir: &Path) -> String {
        let mine = self.owned[login];
        let theirs = self.owned["sara"];
        [
            ("{mine}", mine.customer.to_string()),
            ("{my_deal}", mine.deal.to_string()),
            ("{my_follow_up}", mine.follow_up.to_string()),
            ("{theirs}", theirs.customer.to_string()),
            ("{their_deal}", theirs.deal.to_string()),
            ("{their_follow_up}", theirs.follow_up.to_string()),
            ("{me}", login.to_string()),
            ("{dir}", dir.display().to_string()),
            ("{team}", self.dir.path().display().to_string()),
        ]
        .iter()
        .fold(arg.to_string(), |a, (k, v)| a.replace(k, v))
    }
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The newest entry of the audit trail.
fn newest_audit(db: &Path) -> Value {
    json(db, &["audit", "--limit", "1"])[0].clone()
}

/// What an allowed command visibly did.
#[derive(Debug, Clone, Copy)]
enum Effect {
    /// Wrote something: the audit trail's newest entry is new and names the actor.
    Audited,
    /// Wrote this file (in the case's directory) and nothing to the database.
    Creates(&'static str),
    /// Brought the team's backup back: the customer added after it is gone.
    Restores,
}

struct Case {
    what: &'static str,
    args: &'static [&'static str],
    /// Allowed for [admin, manager, agent].
    allowed: [bool; 3],
    /// Part of the refusal's reason (placeholders filled), for the roles refused.
    why: &'static str,
    effect: Effect,
}

const Y: bool = true;
const N: bool = false;

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Effect::*;
    let case = |what, args, allowed, why, effect| Case {
        what,
        args,
        allowed,
        why,
        effect,
    };
    vec![
        // Records of one's own: everyone.
        case("edit own customer", &["customer", "edit", "{mine}", "--notes", "Prefers mornings"], [Y, Y, Y], "", Audited),
        case("delete own customer", &["customer", "delete", "{mine}", "--yes"], [Y, Y, Y], "", Audited),
        case("set own customer's cadence", &["cadence", "set", "{mine}", "14d"], [Y, Y, Y], "", Audited),
        case("move own deal", &["deal", "move", "{my_deal}", "next"], [Y, Y, Y], "", Audited),
        case("complete own follow-up", &["remind", "done", "{my_follow_up}"], [Y, Y, Y], "", Audited),
        case("add a customer", &["customer", "add", "--name", "Nika Novak"], [Y, Y, Y], "", Audited),
        case("add a customer owned by oneself", &["customer", "add", "--name", "Nika Novak", "--owner", "{me}"], [Y, Y, Y], "", Audited),
        // Creating on someone else's customer, for oneself: everyone.
        case("add a deal to someone else's customer", &["deal", "add", "{theirs}", "--title", "Upsell", "--amount", "500"], [Y, Y, Y], "", Audited),
        case("add a follow-up to someone else's customer", &["remind", "add", "{theirs}", "--due", "tomorrow 11:00", "--note", "Check in"], [Y, Y, Y], "", Audited),
        case("log a call with someone else's customer", &["log", "{theirs}", "-m", "Called about the renewal"], [Y, Y, Y], "", Audited),
        // Someone else's records: managers and admins.
        case("edit someone else's customer", &["customer", "edit", "{theirs}", "--notes", "Changed"], [Y, Y, N], "agents change only their own records, and customer #{theirs} is sara's", Audited),
        case("delete someone else's customer", &["customer", "delete", "{theirs}", "--yes"], [Y, Y, N], "agents delete only their own records, and customer #{theirs} is sara's", Audited),
        case("merge someone else's customer away", &["customer", "merge", "{mine}", "{theirs}", "--yes"], [Y, Y, N], "agents delete only their own records, and customer #{theirs} is sara's", Audited),
        case("set someone else's customer's cadence", &["cadence", "set", "{theirs}", "14d"], [Y, Y, N], "agents change only their own records, and customer #{theirs} is sara's", Audited),
        case("move someone else's deal", &["deal", "move", "{their_deal}", "next"], [Y, Y, N], "agents change only their own records, and deal #{their_deal} is sara's", Audited),
        case("win someone else's deal", &["deal", "won", "{their_deal}"], [Y, Y, N], "agents change only their own records, and deal #{their_deal} is sara's", Audited),
        case("lose someone else's deal", &["deal", "lost", "{their_deal}", "--reason", "Budget cut"], [Y, Y, N], "agents change only their own records, and deal #{their_deal} is sara's", Audited),
        case("complete someone else's follow-up", &["remind", "done", "{their_follow_up}"], [Y, Y, N], "agents change only their own records, and follow-up #{their_follow_up} is sara's", Audited),
        case("snooze someone else's follow-up", &["remind", "snooze", "{their_follow_up}", "--until", "+2h"], [Y, Y, N], "agents change only their own records, and follow-up #{their_follow_up} is sara's", Audited),
        case("reschedule someone else's follow-up", &["remind", "reschedule", "{their_follow_up}", "--due", "+3d"], [Y, Y, N], "agents change only their own records, and follow-up #{their_follow_up} is sara's", Audited),
        // Giving records to someone else: managers and admins.
        case("add a customer owned by someone else", &["customer", "add", "--name", "Nika Novak", "--owner", "sara"], [Y, Y, N], "only a manager or an admin can give a record to another operator", Audited),
        case("give own customer to someone else", &["customer", "edit", "{mine}", "--owner", "sara"], [Y, Y, N], "only a manager or an admin can give a record to another operator", Audited),
        case("add a deal owned by someone else", &["deal", "add", "{mine}", "--title", "Handover", "--amount", "100", "--owner", "sara"], [Y, Y, N], "only a manager or an admin can give a record to another operator", Audited),
        case("add a follow-up owned by someone else", &["remind", "add", "{mine}", "--due", "+1d", "--note", "For Sara", "--owner", "sara"], [Y, Y, N], "only a manager or an admin can give a record to another operator", Audited),
        // Bulk and settings: managers and admins.
        case("import contacts", &["import", "{team}/contacts.csv"], [Y, Y, N], "only a manager or an admin can import", Audited),
        case("export as CSV", &["export", "--format", "csv", "--output", "{dir}/customers.csv"], [Y, Y, N], "only a manager or an admin can export or back up the whole database", Creates("customers.csv")),
        case("export as a JSON backup", &["export", "--format", "json", "--output", "{dir}/all.json"], [Y, Y, N], "only a manager or an admin can export or back up the whole database", Creates("all.json")),
        case("back up", &["backup", "{dir}/copy.db"], [Y, Y, N], "only a manager or an admin can export or back up the whole database", Creates("copy.db")),
        case("set the default cadence", &["cadence", "set", "--default", "30d"], [Y, Y, N], "only a manager or an admin can change the default or a tag's cadence", Audited),
        case("set a tag's cadence", &["cadence", "set", "--tag", "vip", "14d"], [Y, Y, N], "only a manager or an admin can change the default or a tag's cadence", Audited),
        case("clear the default cadence", &["cadence", "clear", "--default"], [Y, Y, N], "only a manager or an admin can change the default or a tag's cadence", Audited),
        // Admins only.
        case("set a KPI target", &["kpi", "set", "revenue_won", "--target", "60000", "--minimum", "40000"], [Y, N, N], "only an admin can change KPI targets", Audited),
        case("rename a stage", &["stage", "set", "proposal", "--name", "Offer sent"], [Y, N, N], "only an admin can change pipeline stages", Audited),
        case("change a stage's probability", &["stage", "set", "lead", "--probability", "15"], [Y, N, N], "only an admin can change pipeline stages", Audited),
        case("add an operator", &["operator", "add", "newbie"], [Y, N, N], "only an admin can add operators or change roles", Audited),
        case("change a role", &["operator", "role", "sara", "manager"], [Y, N, N], "only an admin can add operators or change roles", Audited),
        case("restore a backup", &["restore", "{team}/backup.db", "--yes"], [Y, N, N], "only an admin can restore a backup", Restores),
    ]
}

#[test]
fn each_role_is_refused_exactly_what_it_should_be_through_the_cli() {
    let team = Team::new();
    let before_any = newest_audit(&team.db())["id"].as_i64().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        for ((login, role), allowed) in ACTORS.into_iter().zip(case.allowed) {
            let db = team.copy();
            let dir = db.dir.path();
            let args: Vec<String> = case.args.iter().map(|a| team.fill(a, login, dir)).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let before = snapshot_files(&db.path);
            let o = as_user(&db.path, login, &args);
            let err = stderr(&o);
            let label = format!("{login} ({role}): {} — rapport {args:?}", case.what);
            if allowed {
                if !o.status.success() {
                    failures.push(format!("{label}: refused: {err}"));
                    continue;
                }
                match case.effect {
                    Effect::Audited => {
                        assert_ne!(snapshot_files(&db.path), before, "{label} wrote nothing");
                        let newest = newest_audit(&db.path);
                        if newest["id"].as_i64().unwrap() <= before_any
                            || newest["operator_login"] != login
                        {
                            failures.push(format!("{label}: not in the audit trail: {newest}"));
                        }
                    }
                    Effect::Creates(file) => {
                        assert!(dir.join(file).exists(), "{label}: no {file}");
                        assert_eq!(snapshot_files(&db.path), before, "{label} wrote");
                    }
                    Effect::Restores => {
                        assert!(
                            !customer_names(&db.path).contains(&AFTER_BACKUP.to_string()),
                            "{label}: not restored"
                        );
                    }
                }
                continue;
            }
            // Refused: exit 1, one line naming the rule and who, nothing written.
            let why = team.fill(case.why, login, dir);
            let refused_right = o.status.code() == Some(1)
                && err.starts_with("rapport: not allowed: ")
                && err.contains(&why)
                && err.ends_with(&format!("({login} is {role})\n"))
                && err.lines().count() == 1
                && o.stdout.is_empty();
            if !refused_right {
                failures.push(format!(
                    "{label}: expected a refusal with {why:?}, got exit {:?}: {err}{}",
                    o.status.code(),
                    stdout(&o)
                ));
                continue;
            }
            assert_eq!(
                snapshot_files(&db.path),
                before,
                "{label}: refused but wrote"
            );
            if let Effect::Creates(file) = case.effect {
                assert!(
                    !dir.join(file).exists(),
                    "{label}: refused but wrote {file}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_first_login_is_admin_and_an_unknown_login_is_refused_with_how_to_be_added() {
    let db = TempDb::new();
    let p = &db.path;
    // The first login on a new database becomes its admin.
    assert_eq!(
        json_as(p, "nasrin", &["customer", "list"]),
        serde_json::json!([])
    );
    let operators = json_as(p, "nasrin", &["operator", "list"]);
    assert_eq!(operators.as_array().unwrap().len(), 1, "{operators}");
    assert_eq!(operators[0]["login"], "nasrin");
    assert_eq!(operators[0]["role"], "admin");
    // Any other unknown login is refused, reading or writing, and nothing is written.
    let before = snapshot_files(p);
    for args in [
        &["customer", "list"][..],
        &["customer", "add", "--name", "Mallory's friend"],
        &["operator", "add", "mallory", "--role", "admin"],
    ] {
        let o = as_user(p, "mallory", args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&o),
            "rapport: mallory is not an operator of this database; an admin (nasrin) adds you \
             with: rapport operator add mallory --role agent\n",
            "{args:?}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(snapshot_files(p), before, "{args:?} wrote to the database");
    }
    // Every admin is named; once added, the login works (as an agent).
    json_as(
        p,
        "nasrin",
        &["operator", "add", "bahram", "--role", "admin"],
    );
    let o = as_user(p, "mallory", &["customer", "list"]);
    assert!(
        stderr(&o).contains("an admin (bahram, nasrin) adds you"),
        "{}",
        stderr(&o)
    );
    json_as(p, "bahram", &["operator", "add", "mallory"]);
    let added = json_as(p, "mallory", &["customer", "add", "--name", "Mina Sadeghi"]);
    assert_eq!(added["owner_login"], "mallory");
    let o = as_user(p, "mallory", &["operator", "add", "eve"]);
    assert!(stderr(&o).contains("(mallory is agent)"), "{}", stderr(&o));
}

/// Deleting a customer deletes its deals, follow-ups and interactions with it: an agent
/// may delete its own customer only when those are all its own too.
#[test]
fn an_agent_cannot_delete_others_records_by_deleting_its_own_customer() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["operator", "add", "lena", "--role", "manager"]);
    ok(p, &["operator", "add", "omid"]);
    ok(p, &["operator", "add", "sara"]);
    let customer = |name: &str| id_of(&json_as(p, "omid", &["customer", "add", "--name", name]));
    let with_deal = customer("Omar Haddad");
    let with_follow_up = customer("Parisa Moradi");
    let with_call = customer("Yusuf Demir");
    let (d, f, c) = (
        with_deal.to_string(),
        with_follow_up.to_string(),
        with_call.to_string(),
    );
    let sara_adds: [(&str, &[&str]); 3] = [
        (
            "deal",
            &[
                "deal",
                "add",
                &d,
                "--title",
                "Sara's deal",
                "--amount",
                "5000",
            ],
        ),
        (
            "follow-up",
            &["remind", "add", &f, "--due", "+1d", "--note", "Sara's"],
        ),
        ("interaction", &["log", &c, "-m", "Sara called"]),
    ];
    for ((entity, args), customer) in sara_adds.into_iter().zip([&d, &f, &c]) {
        let theirs = id_of(&json_as(p, "sara", args));
        let before = snapshot_files(p);
        let o = as_user(p, "omid", &["customer", "delete", customer, "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{entity}: {}", stdout(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "rapport: not allowed: agents delete only their own records, and {entity} \
                 #{theirs} is sara's (omid is agent)\n"
            )
        );
        assert_eq!(snapshot_files(p), before, "{entity}: refused but wrote");
    }
    // A manager may; and an agent may when everything on the customer is its own.
    assert!(
        as_user(p, "lena", &["customer", "delete", &d, "--yes"])
            .status
            .success()
    );
    let own = customer("Zeynep Kaya");
    let o = own.to_string();
    json_as(
        p,
        "omid",
        &["deal", "add", &o, "--title", "Own deal", "--amount", "10"],
    );
    json_as(p, "omid", &["log", &o, "-m", "Own call"]);
    json_as(
        p,
        "omid",
        &["remind", "add", &o, "--due", "+1d", "--note", "Own"],
    );
    let o = as_user(p, "omid", &["customer", "delete", &o, "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------
// Through the library
// ---------------------------------------------------------------------------------

fn fixed_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
        .unwrap()
        .to_utc()
}

/// The team in memory, as `Team` is on disk; written without an actor (library use:
/// nothing is checked).
struct LibTeam {
    operators: HashMap<&'static str, Operator>,
    owned: HashMap<&'static str, Owned>,
    /// A directory to write backups into and restore from.
    dir: PathBuf,
}

impl LibTeam {
    fn new(dir: &Path) -> (Store, Self) {
        let mut store = Store::open_in_memory()
            .unwrap()
            .with_clock(Arc::new(fixed_now));
        for login in ["tester", "lena", "omid", "sara"] {
            store.ensure_operator(login).unwrap();
        }
        let lena = store.operator_by_login("lena").unwrap().unwrap().id;
        store
            .write(|w| w.set_operator_role(lena, Role::Manager))
            .unwrap();
        let mut operators = HashMap::new();
        let mut owned = HashMap::new();
        for (login, name) in [
            ("tester", "Talia Brooks"),
            ("lena", "Leonid Markov"),
            ("omid", "Omar Haddad"),
            ("sara", "Sahar Najafi"),
        ] {
            let op = store.operator_by_login(login).unwrap().unwrap();
            let mut d = CustomerDraft::new(CustomerKind::Person, name);
            d.owner_id = Some(op.id);
            let customer = store.add_customer(&d).unwrap();
            let deal = store.add_deal(&deal_draft(customer, op.id)).unwrap();
            let follow_up = store
                .add_reminder(&reminder_draft(customer, op.id))
                .unwrap();
            owned.insert(
                login,
                Owned {
                    customer,
                    deal,
                    follow_up,
                },
            );
            operators.insert(login, op);
        }
        assert_eq!(operators["tester"].role, Role::Admin);
        assert_eq!(operators["lena"].role, Role::Manager);
        assert_eq!(operators["omid"].role, Role::Agent);
        let team = Self {
            operators,
            owned,
            dir: dir.to_path_buf(),
        };
        (store, team)
    }

    fn mine(&self, me: &Operator) -> Owned {
        self.owned[me.login.as_str()]
    }

    fn sara(&self) -> Owned {
        self.owned["sara"]
    }

    fn sara_id(&self) -> i64 {
        self.operators["sara"].id
    }
}

/// Everything a refused write could have changed, as text.
fn state(s: &Store) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        s.customers(&CustomerFilter::default()).unwrap(),
        s.deals(&DealFilter::default()).unwrap(),
        s.reminders(&ReminderFilter::default()).unwrap(),
        s.operators().unwrap(),
        s.kpi_definitions().unwrap(),
        s.tag_cadences().unwrap(),
        s.default_cadence().unwrap(),
        s.audit_entries(&AuditFilter::default()).unwrap(),
    )
}

fn deal_draft(customer_id: i64, owner: i64) -> DealDraft {
    DealDraft {
        customer_id,
        title: "Annual plan".into(),
        amount: Money::parse("1200", rapport::domain::Currency::from_code("USD").unwrap()).unwrap(),
        stage_id: None,
        probability: None,
        expected_close: None,
        owner_id: Some(owner),
    }
}

fn reminder_draft(customer_id: i64, owner: i64) -> ReminderDraft {
    ReminderDraft {
        customer_id,
        deal_id: None,
        due_at: fixed_now() + Duration::days(1),
        note: "Call back".into(),
        recurrence: None,
        owner_id: Some(owner),
    }
}

fn interaction(customer_id: i64, operator: i64) -> InteractionDraft {
    InteractionDraft {
        customer_id,
        deal_id: None,
        kind: InteractionKind::Call,
        direction: Direction::Out,
        occurred_at: fixed_now(),
        operator_id: Some(operator),
        summary: "Called about the renewal".into(),
        outcome: None,
        satisfaction: None,
        nps: None,
    }
}

/// What an operation gets: the store (acting as `me`), `me`, and the team.
type Op = fn(&mut Store, &Operator, &LibTeam) -> Result<(), StoreError>;

/// Saves customer `id` with `change` applied.
fn edit_customer(
    store: &mut Store,
    id: i64,
    change: impl FnOnce(&mut CustomerDraft),
) -> Result<(), StoreError> {
    let c = store.customer(id)?;
    let mut d = c.draft();
    change(&mut d);
    store.update_customer(id, c.version, &d)
}

fn cadence(text: &str) -> rapport::domain::Cadence {
    rapport::domain::Cadence::parse("cadence", text).unwrap()
}

fn day() -> NaiveDate {
    fixed_now().date_naive()
}

#[test]
fn each_role_is_refused_exactly_what_it_should_be_through_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    // A backup of a team database, to restore.
    let backup = tmp.path().join("team-backup.db");
    LibTeam::new(tmp.path()).0.backup_to(&backup).unwrap();
    let cases: Vec<(&str, [bool; 3], Op)> = vec![
        // [admin, manager, agent]
        ("update own customer", [Y, Y, Y], |s, me, l| {
            edit_customer(s, l.mine(me).customer, |d| d.notes = Some("VIP".into()))
        }),
        ("delete own customer", [Y, Y, Y], |s, me, l| {
            s.delete_customer(l.mine(me).customer)
        }),
        ("add a customer owned by oneself", [Y, Y, Y], |s, me, _| {
            let mut d = CustomerDraft::new(CustomerKind::Person, "Nika Novak");
            d.owner_id = Some(me.id);
            s.add_customer(&d).map(drop)
        }),
        (
            "add a deal for oneself to someone else's customer",
            [Y, Y, Y],
            |s, me, l| s.add_deal(&deal_draft(l.sara().customer, me.id)).map(drop),
        ),
        (
            "add a follow-up for oneself to someone else's customer",
            [Y, Y, Y],
            |s, me, l| {
                s.add_reminder(&reminder_draft(l.sara().customer, me.id))
                    .map(drop)
            },
        ),
        (
            "log one's own call with someone else's customer",
            [Y, Y, Y],
            |s, me, l| {
                s.log_interaction(&interaction(l.sara().customer, me.id))
                    .map(drop)
            },
        ),
        ("move own deal", [Y, Y, Y], |s, me, l| {
            s.write(|w| w.step_deal(l.mine(me).deal, 1)).map(drop)
        }),
        ("complete own follow-up", [Y, Y, Y], |s, me, l| {
            s.write(|w| w.complete_reminder(l.mine(me).follow_up, fixed_now()))
                .map(drop)
        }),
        ("set own customer's cadence", [Y, Y, Y], |s, me, l| {
            s.write(|w| w.set_customer_cadence(l.mine(me).customer, Some(cadence("14d"))))
        }),
        ("update someone else's customer", [Y, Y, N], |s, _, l| {
            edit_customer(s, l.sara().customer, |d| d.notes = Some("VIP".into()))
        }),
        ("delete someone else's customer", [Y, Y, N], |s, _, l| {
            s.delete_customer(l.sara().customer)
        }),
        (
            "merge someone else's customer into own",
            [Y, Y, N],
            |s, me, l| {
                s.merge_customers(l.mine(me).customer, l.sara().customer)
                    .map(drop)
            },
        ),
        (
            "merge own customer into someone else's",
            [Y, Y, N],
            |s, me, l| {
                s.merge_customers(l.sara().customer, l.mine(me).customer)
                    .map(drop)
            },
        ),
        (
            "set someone else's customer's cadence",
            [Y, Y, N],
            |s, _, l| s.write(|w| w.set_customer_cadence(l.sara().customer, Some(cadence("14d")))),
        ),
        ("move someone else's deal", [Y, Y, N], |s, _, l| {
            s.write(|w| w.step_deal(l.sara().deal, 1)).map(drop)
        }),
        ("win someone else's deal", [Y, Y, N], |s, _, l| {
            s.write(|w| w.mark_deal_won(l.sara().deal, day())).map(drop)
        }),
        ("lose someone else's deal", [Y, Y, N], |s, _, l| {
            s.write(|w| w.mark_deal_lost(l.sara().deal, "Budget cut", day()))
                .map(drop)
        }),
        ("complete someone else's follow-up", [Y, Y, N], |s, _, l| {
            s.write(|w| w.complete_reminder(l.sara().follow_up, fixed_now()))
                .map(drop)
        }),
        ("snooze someone else's follow-up", [Y, Y, N], |s, _, l| {
            let until = fixed_now() + Duration::hours(2);
            s.write(|w| w.snooze_reminder(l.sara().follow_up, until, None))
        }),
        (
            "reschedule someone else's follow-up",
            [Y, Y, N],
            |s, _, l| {
                let due = fixed_now() + Duration::days(3);
                s.write(|w| w.reschedule_reminder(l.sara().follow_up, due))
            },
        ),
        (
            "add a customer owned by someone else",
            [Y, Y, N],
            |s, _, l| {
                let mut d = CustomerDraft::new(CustomerKind::Person, "Nika Novak");
                d.owner_id = Some(l.sara_id());
                s.add_customer(&d).map(drop)
            },
        ),
        ("add a customer owned by nobody", [Y, Y, N], |s, _, _| {
            s.add_customer(&CustomerDraft::new(CustomerKind::Person, "Nika Novak"))
                .map(drop)
        }),
        (
            "give own customer to someone else",
            [Y, Y, N],
            |s, me, l| {
                let sara = l.sara_id();
                edit_customer(s, l.mine(me).customer, |d| d.owner_id = Some(sara))
            },
        ),
        ("add a deal owned by someone else", [Y, Y, N], |s, me, l| {
            s.add_deal(&deal_draft(l.mine(me).customer, l.sara_id()))
                .map(drop)
        }),
        (
            "add a follow-up owned by someone else",
            [Y, Y, N],
            |s, me, l| {
                s.add_reminder(&reminder_draft(l.mine(me).customer, l.sara_id()))
                    .map(drop)
            },
        ),
        (
            "log a call in someone else's name",
            [Y, Y, N],
            |s, me, l| {
                s.log_interaction(&interaction(l.mine(me).customer, l.sara_id()))
                    .map(drop)
            },
        ),
        ("set a tag's cadence", [Y, Y, N], |s, _, _| {
            s.write(|w| w.set_tag_cadence("vip", Some(cadence("14d"))))
                .map(drop)
        }),
        ("set the default cadence", [Y, Y, N], |s, _, _| {
            s.write(|w| w.set_default_cadence(cadence("30d")))
        }),
        (
            "read every customer in full (export)",
            [Y, Y, N],
            |s, _, _| s.all_customers().map(drop),
        ),
        ("dump every table (JSON backup)", [Y, Y, N], |s, _, _| {
            s.dump_tables(|_, _| Ok(()))
        }),
        ("back up", [Y, Y, N], |s, me, l| {
            s.backup_to(&l.dir.join(format!("copy-{}.db", me.login)))
        }),
        (
            "restore backup tables (import a JSON backup)",
            [Y, N, N],
            // Past the permission check, a database with customers is refused.
            |s, _, _| match s.write(|w| w.restore_tables(&[])) {
                Err(StoreError::Invalid(e)) if e.reason.contains("not empty") => Ok(()),
                other => other.map(drop),
            },
        ),
        ("set a KPI target", [Y, N, N], |s, _, _| {
            s.write(|w| {
                w.set_kpi_target(
                    "revenue_won",
                    KpiFigure::whole(60_000),
                    KpiFigure::whole(40_000),
                )
            })
        }),
        ("add an operator", [Y, N, N], |s, _, _| {
            s.write(|w| w.add_operator("newbie", "New Bie", Role::Agent))
                .map(drop)
        }),
        ("change a role", [Y, N, N], |s, _, _| {
            s.write(|w| w.change_role("sara", Role::Manager))
        }),
        ("restore a database file", [Y, N, N], |s, _, l| {
            s.restore_from(&l.dir.join("team-backup.db"))
        }),
    ];
    let mut failures = Vec::new();
    for (what, allowed, op) in cases {
        for ((login, role), allowed) in ACTORS.into_iter().zip(allowed) {
            let (mut store, team) = LibTeam::new(tmp.path());
            let me = team.operators[login].clone();
            let before = state(&store);
            store.act_as(me.clone());
            let result = op(&mut store, &me, &team);
            match (allowed, result) {
                (true, Ok(())) => {}
                (false, Err(StoreError::Denied(denied))) => {
                    let text = denied.to_string();
                    if !text.starts_with("not allowed: ")
                        || !text.ends_with(&format!("({login} is {role})"))
                    {
                        failures.push(format!("{login} ({role}) {what}: {text}"));
                    }
                    if state(&store) != before {
                        failures.push(format!("{login} ({role}) {what}: refused but wrote"));
                    }
                }
                (allowed, result) => failures.push(format!(
                    "{login} ({role}) {what}: expected {}, got {result:?}",
                    if allowed { "success" } else { "Denied" }
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With nobody signed in (library use, tests), nothing is checked.
#[test]
fn without_an_actor_nothing_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut store, team) = LibTeam::new(tmp.path());
    let s = &mut store;
    s.write(|w| {
        w.set_kpi_target(
            "revenue_won",
            KpiFigure::whole(60_000),
            KpiFigure::whole(40_000),
        )
    })
    .unwrap();
    s.write(|w| w.add_operator("newbie", "New Bie", Role::Admin))
        .unwrap();
    s.delete_customer(team.sara().customer).unwrap();
    // And the trail records Rapport itself, with no operator.
    let newest = &s.audit_entries(&AuditFilter::default()).unwrap()[0];
    assert_eq!(newest.operator_login, None);
    assert_eq!(newest.who(), "Rapport");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    the_first_login_is_admin_and_an_unknown_login_is_refused_with_how_to_be_added,
    an_agent_cannot_delete_others_records_by_deleting_its_own_customer,
    each_role_is_refused_exactly_what_it_should_be_through_the_library,
    without_an_actor_nothing_is_checked,
);
