//! Many processes against one file (issue 7): 8 operators' scripts at once, each
//! running the real `rapport` binary one command at a time, making random creates,
//! edits, deletes, interactions and follow-ups, and incrementing one shared counter
//! with `customer edit --if-version`. Afterwards the file passes `integrity_check`,
//! every acknowledged write is there, no increment was lost, and no command ever
//! surfaced a lock error. The second test kills writers with SIGKILL at random
//! moments (start-up, open, the write itself): still no acknowledged write lost.
//!
//! `RAPPORT_SOAK_SEED` replays a run (the seed is printed); `RAPPORT_SOAK_SECS`
//! soaks longer than the default. Counts show with `--nocapture`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use common::*;

use serde_json::Value;

/// How long the workers make load, per test.
const LOAD: Duration = Duration::from_secs(20);
const WORKERS: usize = 8;
/// In the kill test: the share of commands killed, after a random delay up to the maximum.
const KILL_PERCENT: u64 = 30;
const KILL_MAX_DELAY: Duration = Duration::from_millis(40);

/// One soak at a time, so each has its 8 processes to itself on a small machine.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn eight_processes_at_once_lose_nothing() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    soak(Mode::Clean);
}

#[cfg(unix)]
#[test]
fn writers_killed_at_random_moments_lose_no_acknowledged_write() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    soak(Mode::Kill);
}

#[test]
fn if_version_refuses_a_stale_version_and_takes_the_current_one() {
    let db = TempDb::new();
    let p = &db.path;
    let c = json(p, &["customer", "add", "--name", "Ada", "--notes", "0"]);
    let id = c["id"].as_i64().unwrap().to_string();
    let v1 = c["version"].as_i64().unwrap();
    let edited = json(p, &["customer", "edit", &id, "--notes", "1"]);
    assert_eq!(edited["version"].as_i64(), Some(v1 + 1));

    let before = snapshot_files(p);
    let stale = v1.to_string();
    let o = rapport(
        p,
        &[
            "customer",
            "edit",
            &id,
            "--notes",
            "x",
            "--if-version",
            &stale,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("reload"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(snapshot_files(p), before, "a refused edit wrote");
    let shown = json(p, &["customer", "show", &id]);
    assert_eq!(shown["notes"], "1");
    assert_eq!(shown["version"].as_i64(), Some(v1 + 1));

    let current = (v1 + 1).to_string();
    let done = json(
        p,
        &[
            "customer",
            "edit",
            &id,
            "--notes",
            "2",
            "--if-version",
            &current,
        ],
    );
    assert_eq!(done["notes"], "2");
    assert_eq!(done["version"].as_i64(), Some(v1 + 2));
    // The same version again is stale now: a second script that read it loses.
    let o = rapport(
        p,
        &[
            "customer",
            "edit",
            &id,
            "--notes",
            "3",
            "--if-version",
            &current,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("reload"), "{}", stderr(&o));
    assert_eq!(json(p, &["customer", "show", &id])["notes"], "2");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every command runs to its end.
    Clean,
    /// Some commands are killed with SIGKILL at a random moment.
    Kill,
}

/// xorshift64*: small, seeded, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 once, so nearby seeds give unrelated streams (and never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// What became of one command.
enum Run {
    /// Exit 0: acknowledged. Its JSON output.
    Done(Value),
    /// A non-zero exit, with its stderr.
    Refused(String),
    /// Killed before it finished: whatever it was writing may or may not have landed.
    Killed,
}

/// Whether an acknowledged-or-maybe thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    No,
    Yes,
    Maybe,
}

/// A customer a worker created (acknowledged), and what it did to it since.
struct Own {
    id: i64,
    name: String,
    /// The last acknowledged notes.
    notes: String,
    /// Notes of killed edits after the last acknowledged one: any of them may have landed.
    maybe_notes: Vec<String>,
    gone: Gone,
    /// Acknowledged interactions and follow-ups: (id, summary or note).
    interactions: Vec<(i64, String)>,
    maybe_interactions: usize,
    reminders: Vec<(i64, String)>,
    maybe_reminders: usize,
}

const KINDS: [&str; 6] = ["create", "edit", "delete", "log", "remind", "increment"];

#[derive(Default)]
struct Stats {
    /// Acknowledged operations per kind (`KINDS`).
    acked: [u64; 6],
    /// Processes run, kills sent, and kills that caught the process still running.
    runs: u64,
    kills_sent: u64,
    kills_landed: u64,
    /// Wall time of the processes that ran to their end, in microseconds.
    micros: Vec<u64>,
}

/// One operator's script: `USER=soak{i}`, one `rapport` process at a time.
struct Worker {
    i: usize,
    login: String,
    db: PathBuf,
    mode: Mode,
    counter: i64,
    rng: Rng,
    seq: u64,
    own: Vec<Own>,
    /// Names of creates that were killed: each may exist, under an id never seen.
    maybe_created: Vec<String>,
    increments: u64,
    maybe_increments: u64,
    conflicts: u64,
    /// The highest counter value this worker has seen or written: it never goes back.
    counter_seen: i64,
    stats: Stats,
    failures: Vec<String>,
}

impl Worker {
    fn new(i: usize, db: &Path, mode: Mode, counter: i64, seed: u64) -> Self {
        Self {
            i,
            login: format!("soak{i}"),
            db: db.to_path_buf(),
            mode,
            counter,
            rng: Rng::new(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407)),
            seq: 0,
            own: Vec::new(),
            maybe_created: Vec::new(),
            increments: 0,
            maybe_increments: 0,
            conflicts: 0,
            counter_seen: 0,
            stats: Stats::default(),
            failures: Vec::new(),
        }
    }

    fn fail(&mut self, what: String) {
        self.failures.push(format!("{}: {what}", self.login));
    }

    /// Runs `rapport ARGS --json` as this worker; in the kill test, maybe kills it.
    fn run(&mut self, args: &[&str]) -> Run {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(args)
            .arg("--json")
            .env("RAPPORT_DB", &self.db)
            .env("RAPPORT_AS", &self.login)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rapport");
        self.stats.runs += 1;
        let kill = self.mode == Mode::Kill && self.rng.percent(KILL_PERCENT);
        if kill {
            let max = KILL_MAX_DELAY.as_micros() as u64;
            thread::sleep(Duration::from_micros(self.rng.below(max + 1)));
            // SIGKILL. If it has exited already this is a no-op and its status says so.
            let _ = child.kill();
            self.stats.kills_sent += 1;
        }
        // Reads what it printed and reaps it (killed or not: no zombies).
        let out = child.wait_with_output().expect("wait for rapport");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let lower = err.to_lowercase();
        if lower.contains("locked") || lower.contains("busy") {
            self.fail(format!("lock error surfaced: rapport {args:?}: {err}"));
        }
        if killed(&out.status) {
            self.stats.kills_landed += 1;
            return Run::Killed;
        }
        if !out.status.success() {
            return Run::Refused(err);
        }
        if !kill {
            self.stats.micros.push(started.elapsed().as_micros() as u64);
        }
        match serde_json::from_slice(&out.stdout) {
            Ok(v) => Run::Done(v),
            Err(e) => {
                self.fail(format!(
                    "rapport {args:?} succeeded with output that is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&out.stdout)
                ));
                Run::Refused(err)
            }
        }
    }

    fn refused(&mut self, args: &str, err: &str) {
        self.fail(format!("rapport {args} refused: {}", err.trim()));
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Runs operations until `deadline`.
    fn work(&mut self, deadline: Instant) {
        while Instant::now() < deadline && self.failures.len() < 20 {
            let live: Vec<usize> = (0..self.own.len())
                .filter(|&k| self.own[k].gone == Gone::No)
                .collect();
            let roll = self.rng.below(100);
            if live.is_empty() || roll < 25 {
                self.create();
                continue;
            }
            let k = live[self.rng.below(live.len() as u64) as usize];
            match roll {
                25..45 => self.edit(k),
                45..55 => self.delete(k),
                55..65 => self.log(k),
                65..75 => self.remind(k),
                _ => self.increment(deadline),
            }
        }
    }

    fn create(&mut self) {
        let (i, n) = (self.i, self.next_seq());
        let name = format!("W{i} N{n}");
        let phone = format!("+1 555 {i:03} {n:04}");
        let email = format!("w{i}.n{n}@soak.example");
        let notes = format!("w{i}-{n}");
        let args = [
            "customer", "add", "--name", &name, "--phone", &phone, "--email", &email, "--notes",
            &notes, "--force",
        ];
        match self.run(&args) {
            Run::Done(v) => {
                if v["name"] != name.as_str() || v["notes"] != notes.as_str() {
                    self.fail(format!("customer add {name:?} printed {v}"));
                    return;
                }
                self.stats.acked[0] += 1;
                self.own.push(Own {
                    id: v["id"].as_i64().expect("an id"),
                    name,
                    notes,
                    maybe_notes: Vec::new(),
                    gone: Gone::No,
                    interactions: Vec::new(),
                    maybe_interactions: 0,
                    reminders: Vec::new(),
                    maybe_reminders: 0,
                });
            }
            Run::Killed => self.maybe_created.push(name),
            Run::Refused(e) => self.refused("customer add", &e),
        }
    }

    fn edit(&mut self, k: usize) {
        let n = self.next_seq();
        let value = format!("w{}-{n}", self.i);
        let id = self.own[k].id.to_string();
        match self.run(&["customer", "edit", &id, "--notes", &value]) {
            Run::Done(v) if v["notes"] == value.as_str() => {
                self.stats.acked[1] += 1;
                let own = &mut self.own[k];
                own.notes = value;
                own.maybe_notes.clear();
            }
            Run::Done(v) => self.fail(format!("customer edit {id} --notes {value} printed {v}")),
            Run::Killed => self.own[k].maybe_notes.push(value),
            Run::Refused(e) => self.refused(&format!("customer edit {id}"), &e),
        }
    }

    fn delete(&mut self, k: usize) {
        let id = self.own[k].id;
        match self.run(&["customer", "delete", &id.to_string(), "--yes"]) {
            Run::Done(v) if v["deleted"] == id => {
                self.stats.acked[2] += 1;
                self.own[k].gone = Gone::Yes;
            }
            Run::Done(v) => self.fail(format!("customer delete {id} printed {v}")),
            Run::Killed => self.own[k].gone = Gone::Maybe,
            Run::Refused(e) => self.refused(&format!("customer delete {id}"), &e),
        }
    }

    fn log(&mut self, k: usize) {
        let n = self.next_seq();
        let summary = format!("w{} call {n}", self.i);
        let id = self.own[k].id.to_string();
        match self.run(&["log", &id, "-m", &summary]) {
            Run::Done(v) => {
                self.stats.acked[3] += 1;
                let logged = v["id"].as_i64().expect("an interaction id");
                self.own[k].interactions.push((logged, summary));
            }
            Run::Killed => self.own[k].maybe_interactions += 1,
            Run::Refused(e) => self.refused(&format!("log {id}"), &e),
        }
    }

    fn remind(&mut self, k: usize) {
        let n = self.next_seq();
        let note = format!("w{} follow-up {n}", self.i);
        let id = self.own[k].id.to_string();
        match self.run(&["remind", "add", &id, "--due", "+3d", "--note", &note]) {
            Run::Done(v) if v["note"] == note.as_str() && v["customer_id"] == self.own[k].id => {
                self.stats.acked[4] += 1;
                let added = v["id"].as_i64().expect("a follow-up id");
                self.own[k].reminders.push((added, note));
            }
            Run::Done(v) => self.fail(format!("remind add {id} printed {v}")),
            Run::Killed => self.own[k].maybe_reminders += 1,
            Run::Refused(e) => self.refused(&format!("remind add {id}"), &e),
        }
    }

    /// Read the counter, write it plus one at the version read; on a conflict, again.
    fn increment(&mut self, deadline: Instant) {
        let counter = self.counter.to_string();
        while Instant::now() < deadline {
            let (version, value) = match self.run(&["customer", "show", &counter]) {
                Run::Done(v) => match (v["version"].as_i64(), v["notes"].as_str()) {
                    (Some(version), Some(n)) => (version, n.parse::<i64>().expect("a number")),
                    _ => return self.fail(format!("customer show {counter} printed {v}")),
                },
                Run::Killed => continue,
                Run::Refused(e) => return self.refused("customer show (counter)", &e),
            };
            if value < self.counter_seen {
                return self.fail(format!(
                    "the counter went back: read {value} after {} was seen",
                    self.counter_seen
                ));
            }
            self.counter_seen = value;
            let next = (value + 1).to_string();
            let v = version.to_string();
            match self.run(&[
                "customer",
                "edit",
                &counter,
                "--notes",
                &next,
                "--if-version",
                &v,
            ]) {
                Run::Done(out) => {
                    if out["notes"] != next.as_str() || out["version"] != version + 1 {
                        return self.fail(format!("increment to {next} at {v} printed {out}"));
                    }
                    self.stats.acked[5] += 1;
                    self.increments += 1;
                    self.counter_seen = value + 1;
                    return;
                }
                Run::Refused(e) if e.contains("reload") => self.conflicts += 1,
                Run::Refused(e) => return self.refused("customer edit --if-version", &e),
                Run::Killed => {
                    self.maybe_increments += 1;
                    return;
                }
            }
        }
    }
}

#[cfg(unix)]
fn killed(status: &ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

#[cfg(not(unix))]
fn killed(_status: &ExitStatus) -> bool {
    false
}

/// `rapport ARGS --json` as `login`, expecting success.
fn as_user(db: &Path, login: &str, args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .arg("--json")
        .env("RAPPORT_DB", db)
        .env("RAPPORT_AS", login)
        .env("TZ", "UTC")
        .output()
        .expect("run rapport");
    assert!(o.status.success(), "rapport {args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn seed() -> u64 {
    match std::env::var("RAPPORT_SOAK_SEED") {
        Ok(s) => s.trim().parse().expect("RAPPORT_SOAK_SEED: a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn load() -> Duration {
    std::env::var("RAPPORT_SOAK_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(LOAD)
}

/// `admin` listing customers on `db`, perhaps the first use of a new file: started,
/// not waited for.
fn first_use(db: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["customer", "list", "--json"])
        .env("RAPPORT_DB", db)
        .env("RAPPORT_AS", "admin")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rapport")
}

/// Kills processes while they create and migrate a brand-new database file, some of
/// them at once; the file must still open and work afterwards.
fn kill_while_creating(db: &Path, rng: &mut Rng) -> (u64, u64) {
    let (mut sent, mut landed) = (0, 0);
    for _round in 0..4 {
        let children: Vec<_> = (0..4).map(|_| first_use(db)).collect();
        thread::sleep(Duration::from_micros(rng.below(8_000)));
        for mut child in children {
            if rng.percent(75) {
                let _ = child.kill();
                sent += 1;
            }
            let out = child.wait_with_output().expect("wait");
            if killed(&out.status) {
                landed += 1;
            } else {
                assert!(out.status.success(), "{}", stderr(&out));
            }
        }
    }
    (sent, landed)
}

fn soak(mode: Mode) {
    let seed = seed();
    let load = load();
    eprintln!(
        "soak {mode:?}: seed {seed} (RAPPORT_SOAK_SEED={seed} replays the choices), {WORKERS} workers, {load:?}"
    );
    let db = TempDb::new();
    let p = &db.path;
    let mut rng = Rng::new(seed);
    if mode == Mode::Kill {
        let (sent, landed) = kill_while_creating(p, &mut rng);
        eprintln!("  creating the file: {landed} of {sent} kills caught a process running");
    }

    // The first login is the database's admin; it adds the workers and the counter.
    as_user(p, "admin", &["customer", "list"]);
    for i in 1..=WORKERS {
        as_user(
            p,
            "admin",
            &["operator", "add", &format!("soak{i}"), "--role", "manager"],
        );
    }
    let admins: Vec<Value> = as_user(p, "admin", &["operator", "list"])
        .as_array()
        .expect("operators")
        .iter()
        .filter(|o| o["role"] == "admin")
        .cloned()
        .collect();
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0]["login"], "admin");
    let counter = as_user(
        p,
        "admin",
        &[
            "customer",
            "add",
            "--name",
            "Shared Counter",
            "--notes",
            "0",
        ],
    )["id"]
        .as_i64()
        .expect("an id");

    let started = Instant::now();
    let deadline = started + load;
    let mut workers: Vec<Worker> = (1..=WORKERS)
        .map(|i| Worker::new(i, p, mode, counter, seed))
        .collect();
    thread::scope(|s| {
        for w in &mut workers {
            s.spawn(move || w.work(deadline));
        }
    });
    let elapsed = started.elapsed();

    report(mode, &workers, elapsed);
    let failures: Vec<&String> = workers.iter().flat_map(|w| &w.failures).collect();
    assert!(
        failures.is_empty(),
        "seed {seed}: {} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let problems = verify(p, counter, &workers);
    assert!(
        problems.is_empty(),
        "seed {seed}: {} problems after the soak:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Enough happened that the checks above mean something.
    for w in &workers {
        assert!(
            w.stats.acked[0] >= 5 && w.increments >= 3,
            "{}: too little acknowledged work ({} creates, {} increments)",
            w.login,
            w.stats.acked[0],
            w.increments
        );
    }
    if mode == Mode::Kill {
        let landed: u64 = workers.iter().map(|w| w.stats.kills_landed).sum();
        assert!(landed >= 50, "only {landed} kills caught a process running");
    }
}

fn report(mode: Mode, workers: &[Worker], elapsed: Duration) {
    let sum = |f: &dyn Fn(&Worker) -> u64| workers.iter().map(f).sum::<u64>();
    let runs = sum(&|w| w.stats.runs);
    let per_kind: Vec<String> = KINDS
        .iter()
        .enumerate()
        .map(|(k, name)| format!("{name} {}", sum(&|w| w.stats.acked[k])))
        .collect();
    let mut micros: Vec<u64> = workers
        .iter()
        .flat_map(|w| w.stats.micros.iter().copied())
        .collect();
    micros.sort_unstable();
    let pct = |q: usize| micros.get(micros.len() * q / 100).copied().unwrap_or(0) as f64 / 1000.0;
    eprintln!(
        "soak {mode:?}: {runs} processes in {:.1} s ({:.0}/s); acknowledged: {}",
        elapsed.as_secs_f64(),
        runs as f64 / elapsed.as_secs_f64(),
        per_kind.join(", ")
    );
    eprintln!(
        "  conflicts retried {}; process wall time p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sum(&|w| w.conflicts),
        pct(50),
        pct(99),
        micros.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    if mode == Mode::Kill {
        eprintln!(
            "  kills: {} sent, {} caught a process running; maybe: {} creates, {} increments",
            sum(&|w| w.stats.kills_sent),
            sum(&|w| w.stats.kills_landed),
            sum(&|w| w.maybe_created.len() as u64),
            sum(&|w| w.maybe_increments),
        );
    }
}

/// Everything acknowledged is in the file; nothing is there that was never attempted.
fn verify(db: &Path, counter: i64, workers: &[Worker]) -> Vec<String> {
    let mut problems = Vec::new();
    let store = common::open(db).expect("open the soaked file");
    // SQLite's own check of its file; PostgreSQL keeps its pages itself.
    if !common::on_postgres() {
        let check = store.integrity_check().expect("integrity_check");
        if check != "ok" {
            problems.push(format!("integrity_check: {check}"));
        }
    }
    let stored: BTreeMap<i64, rapport::domain::Customer> = store
        .all_customers()
        .expect("all customers")
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // The command line shows the same customers.
    let listed: BTreeSet<i64> = as_user(db, "admin", &["customer", "list"])
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["id"].as_i64().expect("an id"))
        .collect();
    if listed != stored.keys().copied().collect() {
        problems.push("customer list and the store disagree on which customers exist".into());
    }
    let reminders: BTreeMap<i64, Value> = as_user(db, "admin", &["remind", "list"])
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| (r["id"].as_i64().expect("an id"), r.clone()))
        .collect();

    let mut landed_creates = 0;
    for w in workers {
        let mut problem = |p: String| problems.push(format!("{}: {p}", w.login));
        for own in &w.own {
            let id = own.id;
            match (own.gone, stored.get(&id)) {
                // SQLite may give a deleted customer's number to a new one: it is the
                // same customer only under the same (unique) name.
                (Gone::Yes, Some(c)) if c.name == own.name => {
                    problem(format!("deleted customer #{id} is back"))
                }
                (Gone::Yes | Gone::Maybe, _) => {}
                (Gone::No, None) => problem(format!("acknowledged customer #{id} is lost")),
                (Gone::No, Some(c)) => {
                    if c.name != own.name || c.owner_login.as_deref() != Some(w.login.as_str()) {
                        problem(format!("#{id} is {:?} of {:?}", c.name, c.owner_login));
                    }
                    let notes = c.notes.clone().unwrap_or_default();
                    if notes != own.notes && !own.maybe_notes.contains(&notes) {
                        problem(format!(
                            "#{id} notes {notes:?}: lost update (acknowledged {:?}, maybe {:?})",
                            own.notes, own.maybe_notes
                        ));
                    }
                    let timeline = store.interactions_of(id, 1_000_000).expect("timeline");
                    for (logged, summary) in &own.interactions {
                        if !timeline
                            .iter()
                            .any(|i| i.id == *logged && i.summary == *summary)
                        {
                            problem(format!(
                                "interaction #{logged} {summary:?} on #{id} is lost"
                            ));
                        }
                    }
                    if timeline.len() > own.interactions.len() + own.maybe_interactions {
                        problem(format!(
                            "#{id} has {} interactions, more than were logged",
                            timeline.len()
                        ));
                    }
                    for (added, note) in &own.reminders {
                        match reminders.get(added) {
                            Some(r) if r["note"] == note.as_str() && r["customer_id"] == id => {}
                            _ => problem(format!("follow-up #{added} {note:?} on #{id} is lost")),
                        }
                    }
                    let on_it = reminders
                        .values()
                        .filter(|r| r["customer_id"] == id)
                        .count();
                    if on_it > own.reminders.len() + own.maybe_reminders {
                        problem(format!(
                            "#{id} has {on_it} follow-ups, more than were added"
                        ));
                    }
                }
            }
        }
        // Its customers nobody acknowledged: only killed creates may have left them.
        let known: BTreeSet<(i64, &str)> = w.own.iter().map(|o| (o.id, o.name.as_str())).collect();
        let mut strays = BTreeSet::new();
        let unacknowledged = stored.values().filter(|c| {
            c.owner_login.as_deref() == Some(w.login.as_str())
                && !known.contains(&(c.id, c.name.as_str()))
        });
        for c in unacknowledged {
            // Each killed create may have landed, once.
            if !w.maybe_created.contains(&c.name) || !strays.insert(c.name.as_str()) {
                problem(format!(
                    "customer #{} {:?} was never acknowledged",
                    c.id, c.name
                ));
            }
        }
        landed_creates += strays.len();
    }

    eprintln!("  killed creates that landed anyway: {landed_creates}");
    let mut numbers: BTreeMap<i64, usize> = BTreeMap::new();
    for own in workers.iter().flat_map(|w| &w.own) {
        *numbers.entry(own.id).or_default() += 1;
    }
    let reused = numbers.values().filter(|&&n| n > 1).count();
    eprintln!("  customer numbers given again after a delete: {reused}");

    // No lost increment: every acknowledged one counted, killed ones at most once.
    let acked: u64 = workers.iter().map(|w| w.increments).sum();
    let maybe: u64 = workers.iter().map(|w| w.maybe_increments).sum();
    let shown = as_user(db, "admin", &["customer", "show", &counter.to_string()]);
    let value: u64 = shown["notes"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    if value < acked || value > acked + maybe {
        problems.push(format!(
            "shared counter is {value}: expected {acked} acknowledged increments (+ up to {maybe} killed ones)"
        ));
    }
    eprintln!("  shared counter {value}: {acked} acknowledged + {maybe} maybe increments");
    problems
}

/// Eight processes starting at once on a database that does not exist yet: all of
/// them work (no "database is locked", no login refused because another process
/// made the same login the first operator a moment earlier), and the file is whole.
#[test]
fn eight_processes_creating_one_database_at_once_all_succeed() {
    for round in 0..10 {
        let db = TempDb::new();
        let children: Vec<_> = (0..8).map(|_| first_use(&db.path)).collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let store = common::open(&db.path).expect("open");
        assert_eq!(store.integrity_check().unwrap(), "ok");
        assert_eq!(store.operators().unwrap().len(), 1, "one admin");
    }
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    eight_processes_at_once_lose_nothing,
    writers_killed_at_random_moments_lose_no_acknowledged_write,
    if_version_refuses_a_stale_version_and_takes_the_current_one,
);
