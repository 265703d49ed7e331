//! Setting Rapport up: which commands make a database (and which refuse a missing
//! one), the config file and what overrides it, the app without a terminal, shell
//! completions and the man page.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::tmux::{Session, rapport_bin, shell_quote, skip_unless_tmux};
use common::*;

/// In `run`'s `envs`: take the variable away.
const UNSET: &str = "\0unset";

/// Runs the binary with `envs` on top of a clean environment: no database named, no
/// config file, operator `tester`, UTC. `envs` come last, so they win; [`UNSET`]
/// removes the variable.
fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("home");
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
    c.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env("RAPPORT_AS", "tester")
        .env("TZ", "UTC")
        .env("RAPPORT_CONFIG", "");
    for (k, v) in envs {
        if *v == UNSET {
            c.env_remove(k);
        } else {
            c.env(k, v);
        }
    }
    c.output().expect("run rapport")
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn a_missing_database_is_an_error_that_names_it_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let in_dir = dir.path().join("mistyped.db");
    let no_dir = dir.path().join("nonexistent/dir/x.db");
    for path in [
        &in_dir,
        &no_dir,
        &Path::new("/nonexistent/dir/x.db").to_path_buf(),
    ] {
        for args in [vec!["customer", "list"], vec!["kpi"], vec!["lookup", "Ada"]] {
            let mut all = vec!["--db", path.to_str().unwrap()];
            all.extend(&args);
            let o = run(&all, &[]);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            assert!(
                err.contains(&format!("there is no database at {}", path.display()))
                    && err.contains("init"),
                "{args:?}: {err}"
            );
            assert!(o.stdout.is_empty(), "{args:?}: printed {}", stdout(&o));
            assert!(!path.exists(), "{args:?} created {}", path.display());
        }
    }
    assert!(!dir.path().join("nonexistent").exists(), "no folder made");
    // RAPPORT_DB is checked the same way.
    let o = run(&["customer", "list"], &[("RAPPORT_DB", &text(&in_dir))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&text(&in_dir)), "{}", stderr(&o));
}

#[test]
fn init_creates_the_database_and_its_folder_with_you_as_admin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm/team/rapport.db");
    let db = text(&path);
    let o = run(&["--db", &db, "init"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("Created {db}; you (tester) are its admin.")),
        "{}",
        stdout(&o)
    );
    assert!(path.exists());
    let ops = run(&["--db", &db, "operator", "list", "--json"], &[]);
    let ops: serde_json::Value = serde_json::from_slice(&ops.stdout).unwrap();
    assert_eq!(ops[0]["login"], "tester");
    assert_eq!(ops[0]["role"], "admin");
    // Again: nothing changes, and it says so.
    let before = snapshot_files(&path);
    let o = run(&["--db", &db, "init"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("is already a Rapport database (0 customers); nothing changed"),
        "{}",
        stdout(&o)
    );
    assert_eq!(snapshot_files(&path), before);
    let o = run(&["--db", &db, "init", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["created"].as_bool(), v["role"].as_str()),
        (Some(false), Some("admin"))
    );
    // Someone else is not let in by init.
    let o = run(&["--db", &db, "init"], &[("RAPPORT_AS", "omid")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("omid is not an operator"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn create_demo_and_import_make_a_new_file_but_never_a_mistyped_folder() {
    let dir = tempfile::tempdir().unwrap();
    // --create lets any command make the database, folder and all.
    let made = dir.path().join("made/by/create.db");
    let o = run(&["--db", &text(&made), "--create", "customer", "list"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(made.exists());
    // demo and import fill a new file in a folder that exists…
    let demo = dir.path().join("demo.db");
    let o = run(&["--db", &text(&demo), "demo", "--customers", "20"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let card = dir.path().join("ada.vcf");
    std::fs::write(
        &card,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nTEL:+44 20 7946 0018\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let imported = dir.path().join("imported.db");
    let o = run(&["--db", &text(&imported), "import", &text(&card)], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = run(
        &["--db", &text(&imported), "customer", "list", "--json"],
        &[],
    );
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["name"], "Ada Lovelace");
    // …but a folder that is not there is a mistake, not a request.
    for args in [
        vec!["demo", "--customers", "20"],
        vec!["import", card.to_str().unwrap()],
    ] {
        let path = dir.path().join("typo/x.db");
        let mut all = vec!["--db", path.to_str().unwrap()];
        all.extend(&args);
        let o = run(&all, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "there is no folder {}",
                dir.path().join("typo").display()
            )),
            "{args:?}: {err}"
        );
        assert!(!dir.path().join("typo").exists());
    }
}

#[test]
fn the_app_without_a_terminal_says_so_exits_2_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rapport.db");
    for args in [vec![], vec!["review"]] {
        let mut all = vec!["--db", path.to_str().unwrap()];
        all.extend(&args);
        let o = run(&all, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("rapport: the app needs a terminal"),
            "{err}"
        );
        for hint in ["ssh -t", "rapport agenda", "rapport lookup"] {
            assert!(err.contains(hint), "{hint}: {err}");
        }
        assert!(!err.contains("os error"), "{err}");
        assert!(!path.exists(), "{args:?} created the database");
    }
    // On the default path too: no data directory appears.
    let home = tempfile::tempdir().unwrap();
    let o = run(
        &[],
        &[("HOME", &text(home.path())), ("XDG_DATA_HOME", UNSET)],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!home.path().join(".local/share/rapport").exists());
}

#[test]
fn the_app_piped_into_another_program_says_standard_output_is_no_terminal() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let s = Session::start_shell(80, 24, &[]);
    s.run_line(&format!(
        "{{ {} --db {}; echo \"exit=$?\" >&2; }} | cat",
        rapport_bin(),
        shell_quote(&text(&db.path))
    ));
    let screen = s.wait_for("exit=2", Duration::from_secs(20));
    assert!(
        screen.contains("the app needs a terminal, but standard output is not one"),
        "{screen}"
    );
}

#[test]
fn completions_for_every_shell_and_a_man_page_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let db = [("RAPPORT_DB", missing.to_str().unwrap())];
    for (shell, marker) in [
        ("bash", "complete -F _rapport"),
        ("zsh", "#compdef rapport"),
        ("fish", "complete -c rapport"),
        ("elvish", "edit:completion:arg-completer[rapport]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = run(&["completions", shell], &db);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in ["lookup", "agenda", "completions", "--create"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
        if matches!(shell, "bash" | "zsh") {
            assert!(script.contains("revenue_won"), "{shell}: the KPI keys");
        }
    }
    let o = run(&["completions", "tcsh"], &db);
    assert_eq!(o.status.code(), Some(2));
    let page = stdout(&run(&["man"], &db));
    assert!(page.contains(".TH rapport 1"), "{page}");
    for word in ["completions", "lookup", "RAPPORT_DB", "\\-\\-create"] {
        assert!(page.contains(word), "the man page lacks {word}");
    }
    let page = stdout(&run(&["man", "kpi", "set"], &db));
    assert!(page.contains(".TH rapport-kpi-set 1"), "{page}");
    assert!(page.contains("avg_won_deal"), "{page}");
    let o = run(&["man", "kpi", "nope"], &db);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("rapport-kpi has no subcommand \"nope\"; it has: set"));
    assert!(!missing.exists(), "neither opens a database");
}

#[test]
fn the_config_file_sets_the_defaults_and_the_environment_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "database = \"team.db\"\ncurrency = \"EUR\"\ntime_zone = \"Asia/Tehran\"\n\
         default_period = \"week\"\ndefault_hour = \"08:30\"\n",
    )
    .unwrap();
    let cfg = text(&config);
    // The database beside the config file, made by init.
    let with = |envs: &[(&str, &str)], args: &[&str]| {
        let mut all = vec![("RAPPORT_CONFIG", cfg.as_str()), ("TZ", UNSET)];
        all.extend_from_slice(envs);
        let o = run(args, &all);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    with(&[], &["init"]);
    assert!(dir.path().join("team.db").exists());
    with(&[], &["customer", "add", "--name", "Ada"]);
    let kpi = |envs: &[(&str, &str)], args: &[&str]| {
        let mut all = vec!["kpi", "--json"];
        all.extend_from_slice(args);
        let v: serde_json::Value = serde_json::from_slice(&with(envs, &all).stdout).unwrap();
        (
            v["currency"].as_str().unwrap().to_string(),
            v["period"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(kpi(&[], &[]), ("EUR".into(), "week".into()));
    assert_eq!(
        kpi(
            &[("RAPPORT_CURRENCY", "JPY"), ("RAPPORT_PERIOD", "year")],
            &[]
        ),
        ("JPY".into(), "year".into()),
        "the environment beats the file"
    );
    assert_eq!(
        kpi(
            &[("RAPPORT_CURRENCY", "JPY"), ("RAPPORT_PERIOD", "year")],
            &["--currency", "USD", "--period", "quarter"]
        ),
        ("USD".into(), "quarter".into()),
        "flags beat the environment"
    );
    let deal = with(
        &[],
        &[
            "deal", "add", "Ada", "--title", "T", "--amount", "10", "--json",
        ],
    );
    let deal: serde_json::Value = serde_json::from_slice(&deal.stdout).unwrap();
    assert_eq!(deal["amount"]["currency"], "EUR");
    // A day without a time: 08:30 in Tehran (UTC+03:30) is 05:00 UTC…
    let due = |envs: &[(&str, &str)]| {
        let o = with(
            envs,
            &[
                "remind",
                "add",
                "Ada",
                "--due",
                "2027-03-01",
                "--note",
                "n",
                "--json",
            ],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["due_at"].as_str().unwrap().to_string()
    };
    assert_eq!(due(&[]), "2027-03-01T05:00:00Z");
    // …TZ beats the file's zone, RAPPORT_DEFAULT_HOUR its hour.
    assert_eq!(due(&[("TZ", "UTC")]), "2027-03-01T08:30:00Z");
    assert_eq!(
        due(&[("TZ", "UTC"), ("RAPPORT_DEFAULT_HOUR", "7")]),
        "2027-03-01T07:00:00Z"
    );
    // --db beats the file's database.
    let other = dir.path().join("other.db");
    let o = run(
        &["--db", &text(&other), "customer", "list"],
        &[("RAPPORT_CONFIG", &cfg)],
    );
    assert!(stderr(&o).contains(&format!("no database at {}", other.display())));
    // The keymap: the file's is used by the app, and --keymap beats it.
    std::fs::write(&config, "keymap = \"emacs\"\n").unwrap();
    let db = TempDb::new();
    let o = run(&["--db", &text(&db.path)], &[("RAPPORT_CONFIG", &cfg)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("emacs"), "{}", stderr(&o));
    let o = run(
        &["--db", &text(&db.path), "--keymap", "vim"],
        &[("RAPPORT_CONFIG", &cfg)],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "on to the terminal check: {}",
        stderr(&o)
    );
}

#[test]
fn a_bad_config_file_is_an_error_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = TempDb::new();
    let config = dir.path().join("config.toml");
    let cfg = text(&config);
    for (contents, wanted) in [
        (
            "currency = \"EURO\"\n",
            format!("rapport: config file {cfg}: currency: \"EURO\""),
        ),
        (
            "default_hour = \"9am\"\n",
            format!("config file {cfg}: default_hour: \"9am\""),
        ),
        (
            "time_zone = \"Berlin\"\n",
            format!("config file {cfg}: time_zone: \"Berlin\""),
        ),
        (
            "currency = \"EUR\"\nperiod = \"week\"\n",
            format!("config file {cfg}, line 2: unknown field `period`"),
        ),
    ] {
        std::fs::write(&config, contents).unwrap();
        let before = snapshot_files(&db.path);
        let o = run(
            &["--db", &text(&db.path), "customer", "list"],
            &[("RAPPORT_CONFIG", &cfg)],
        );
        assert_eq!(o.status.code(), Some(1), "{contents}");
        let err = stderr(&o);
        assert!(
            err.starts_with("rapport: ") && err.contains(&wanted),
            "{contents}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(snapshot_files(&db.path), before);
    }
    // A file RAPPORT_CONFIG names must be there.
    let gone = dir.path().join("gone.toml");
    let o = run(&["customer", "list"], &[("RAPPORT_CONFIG", &text(&gone))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("config file {}", gone.display())));
    // Without RAPPORT_CONFIG, the file is read from $XDG_CONFIG_HOME/rapport.
    let xdg = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(xdg.path().join("rapport")).unwrap();
    let found = xdg.path().join("rapport/config.toml");
    std::fs::write(&found, "currency = \"XXXX\"\n").unwrap();
    let o = run(
        &["--db", &text(&db.path), "customer", "list"],
        &[
            ("XDG_CONFIG_HOME", &text(xdg.path())),
            ("RAPPORT_CONFIG", UNSET),
        ],
    );
    let err = stderr(&o);
    assert!(
        err.contains(&format!("config file {}: currency", found.display())),
        "{err}"
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    a_missing_database_is_an_error_that_names_it_and_nothing_is_created,
    create_demo_and_import_make_a_new_file_but_never_a_mistyped_folder,
    the_app_without_a_terminal_says_so_exits_2_and_creates_nothing,
    the_app_piped_into_another_program_says_standard_output_is_no_terminal,
    completions_for_every_shell_and_a_man_page_for_every_command,
    the_config_file_sets_the_defaults_and_the_environment_and_flags_win,
    a_bad_config_file_is_an_error_naming_the_file_and_the_key,
);
