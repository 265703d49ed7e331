//! End to end: the real `rapport` binary in a real terminal (tmux), driven with keys
//! like an operator, with every write checked afterwards through the CLI's `--json`.

mod common;

use std::path::Path;

use chrono::Datelike;
use std::time::Duration;

use common::tmux::{Session, rapport_bin, shell_quote, skip_unless_tmux};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn harness_runs_a_command_and_keeps_its_last_screen() {
    if !skip_unless_tmux() {
        return;
    }
    let s = Session::start(
        50,
        10,
        "echo \"hello $RAPPORT_AS in $TZ with $EXTRA\"; printf 'Иван Петров مریم\\n'; read line; exit 3",
        &[("EXTRA", "extra")],
    );
    s.wait_for("hello tester in UTC with extra", WAIT);
    s.wait_for("Иван Петров مریم", WAIT);
    assert_eq!(s.display("#{pane_width}x#{pane_height}"), "50x10");
    assert_eq!(s.display("#{pane_dead}"), "0");
    s.send(&["Enter"]);
    assert_eq!(s.wait_exit(WAIT), 3);
    let all = s.capture_history();
    assert!(all.contains("hello tester in UTC"), "{all}");
    assert!(all.contains("Pane is dead"), "{all}");
    assert_eq!(s.display("#{alternate_on}"), "0");
}

#[test]
fn harness_types_keys_into_a_shell() {
    if !skip_unless_tmux() {
        return;
    }
    let s = Session::start_shell(80, 24, &[]);
    s.run_line("read a; echo \"got:$a\"");
    s.type_text("Привет سلام");
    s.send(&["Enter"]);
    s.wait_for("got:Привет سلام", WAIT);
    s.run_line("echo \"$TERM $LANG\"");
    s.wait_for("xterm-256color C.UTF-8", WAIT);
}

/// The bottom row: the status bar.
fn status_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// Exact words of `stty -a`, so `echo` does not match `echoe` or `-echo`.
fn stty_words(screen: &str) -> Vec<&str> {
    screen
        .split_whitespace()
        .map(|w| w.trim_end_matches(';'))
        .collect()
}

/// Runs `stty -a` in the pane's shell and checks the terminal is in cooked mode.
fn assert_cooked_mode(s: &Session) {
    s.run_line("clear; stty -a; echo \"stty-\"done");
    let screen = s.wait_for("stty-done", WAIT);
    let words = stty_words(&screen);
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            words.contains(&mode),
            "{mode} should be set after Rapport exits; stty -a said:\n{screen}"
        );
        assert!(
            !words.contains(&format!("-{mode}").as_str()),
            "-{mode}: the terminal was left in raw mode; stty -a said:\n{screen}"
        );
    }
}

/// The command line that runs Rapport on `db` from the pane's shell, then reports its
/// exit status as `exit=N` (the typed line itself shows `exit=$?`, never a number).
fn rapport_line(db: &Path, env: &str) -> String {
    format!(
        "{env} RAPPORT_DB={} {}; echo \"exit=$?\"",
        shell_quote(&db.to_string_lossy()),
        shell_quote(rapport_bin())
    )
}

/// Runs the CLI as another operator (the tests' operator is `tester`).
fn ok_as(db: &Path, login: &str, args: &[&str]) -> String {
    let o = std::process::Command::new(rapport_bin())
        .args(args)
        .env("RAPPORT_DB", db)
        .env("RAPPORT_AS", login)
        .env("TZ", "UTC")
        .output()
        .expect("run rapport");
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn demo_db() -> TempDb {
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "50", "--seed", "1"]);
    db
}

#[test]
fn panic_in_the_app_restores_the_terminal() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let s = Session::start_shell(80, 24, &[]);
    s.run_line(&rapport_line(&db.path, "RAPPORT_PANIC_AFTER_FIRST_FRAME=1"));
    s.wait_for("exit=101", WAIT);
    // The panic message went to the normal screen (the alternate screen keeps no history).
    let all = s.capture_history();
    assert!(
        all.contains("panicking on purpose"),
        "the panic message is shown on the normal screen:\n{all}"
    );
    assert_eq!(
        s.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(
        s.display("#{cursor_flag}"),
        "1",
        "the cursor is visible again"
    );
    assert_cooked_mode(&s);
}

/// SIGTERM (a shutdown), SIGHUP (an SSH link dropped) and SIGINT sent with `kill`:
/// the terminal comes back as it was, and the exit status names the signal.
#[test]
fn signals_from_outside_restore_the_terminal() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    for (signal, status) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let s = Session::start_shell(80, 24, &[]);
        let pid_file = db.dir.path().join(format!("pid-{signal}"));
        s.run_line(&format!(
            "RAPPORT_DB={} sh -c 'echo $$ > {}; exec {}'; echo \"exit=$?\"",
            shell_quote(&db.path.to_string_lossy()),
            shell_quote(&pid_file.to_string_lossy()),
            shell_quote(rapport_bin())
        ));
        s.wait_for("Customers · 50", WAIT);
        assert_eq!(s.display("#{alternate_on}"), "1");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .unwrap();
        assert!(killed.success());
        s.wait_for(&format!("exit={status}"), WAIT);
        assert_eq!(
            s.display("#{alternate_on}"),
            "0",
            "SIG{signal}: alternate screen left"
        );
        assert_eq!(
            s.display("#{cursor_flag}"),
            "1",
            "SIG{signal}: cursor shown"
        );
        assert_cooked_mode(&s);
    }
}

#[test]
fn quit_from_a_fresh_start_restores_the_terminal() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let s = Session::start_shell(80, 24, &[]);
    s.run_line(&rapport_line(&db.path, ""));
    s.wait_for("Customers · 50", WAIT);
    assert_eq!(
        s.display("#{alternate_on}"),
        "1",
        "the app uses the alternate screen"
    );
    s.send(&["q"]);
    s.wait_for("exit=0", WAIT);
    assert_eq!(s.display("#{alternate_on}"), "0");
    assert_eq!(
        s.display("#{cursor_flag}"),
        "1",
        "the cursor is visible again"
    );
    assert_cooked_mode(&s);
}

#[test]
fn control_characters_in_names_render_harmlessly() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    ok(
        &db.path,
        &["customer", "add", "--name", "Evil\u{1b}[2J\u{7}Name"],
    );
    ok(&db.path, &["customer", "add", "--name", "Zoe Normal"]);
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    // The name shows with visible placeholders, and the frame around it is intact:
    // nothing in the name cleared the screen or moved the cursor.
    let screen = s.wait_for_all(
        &[
            "Evil␛[2J",
            "1 Customers",
            "2 Pipeline",
            "Customers · 2",
            "Zoe Normal",
            "tester · rapport.db · 2 customers",
        ],
        WAIT,
    );
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[0].contains("Customers"),
        "tab bar on the first row:\n{screen}"
    );
    assert!(
        lines[23].contains("2 customers"),
        "status bar on the last row:\n{screen}"
    );
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

#[test]
fn a_large_terminal_shows_more_columns() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let s = Session::start_rapport(160, 48, &db.path, &[], &[]);
    s.wait_for_all(
        &[
            "Customers · 50",
            "NAME",
            "COMPANY",
            "PHONE",
            "STATUS",
            "OWNER",
        ],
        WAIT,
    );
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

#[test]
fn a_standard_terminal_keeps_the_essential_columns() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    let screen = s.wait_for_all(&["Customers · 50", "NAME", "PHONE"], WAIT);
    assert!(
        !screen.contains("OWNER"),
        "no room for OWNER at 80 columns:\n{screen}"
    );
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

#[test]
fn too_small_terminal_says_so() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let s = Session::start_rapport(60, 20, &db.path, &[], &[]);
    s.wait_for("Terminal too small", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

#[test]
fn empty_database_offers_demo_data() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    s.wait_for("Welcome to Rapport", WAIT);
    // "Load realistic demo data (500 customers in …": how many it offers.
    let offered_in = |screen: &str| -> Option<usize> {
        let rest = screen.split("demo data (").nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    };
    let screen = s.wait_until("the offer of demo data", WAIT, |screen| {
        screen.contains("load demo data") && offered_in(screen).is_some()
    });
    let offered = offered_in(&screen).unwrap();
    assert_eq!(
        json(&db.path, &["customer", "list"])
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing is loaded before the operator says yes"
    );
    s.send(&["y"]);
    s.wait_gone("Welcome to Rapport", WAIT);
    s.wait_for(&format!("Customers · {offered}"), WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
    let customers = json(&db.path, &["customer", "list"]);
    assert_eq!(customers.as_array().unwrap().len(), offered);
    assert!(
        !json(&db.path, &["deal", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn declining_demo_data_starts_empty() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    s.wait_for("Welcome to Rapport", WAIT);
    s.send(&["Escape"]);
    s.wait_gone("Welcome to Rapport", WAIT);
    s.wait_for("No customers yet", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
    assert!(
        json(&db.path, &["customer", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_operators_day_at_80x24() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    // One customer with one open deal in `lead` and one follow-up of mine due soon; a
    // colleague's follow-up that only shows among everyone's.
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Acme Trading",
            "--kind",
            "company",
        ],
    );
    let deal = json(
        p,
        &[
            "deal", "add", "1", "--title", "Renewal", "--amount", "12,000",
        ],
    );
    assert_eq!(deal["stage_key"], "lead");
    let deal_id = deal["id"].as_i64().unwrap().to_string();
    let mine = json(
        p,
        &[
            "remind",
            "add",
            "1",
            "--due",
            "+1h",
            "--note",
            "Call back about the renewal",
        ],
    );
    let mine_id = mine["id"].as_i64().unwrap();
    ok(p, &["operator", "add", "sara", "--role", "agent"]);
    ok_as(p, "sara", &["customer", "add", "--name", "Bahar Rahimi"]);
    ok(
        p,
        &[
            "remind",
            "add",
            "Bahar",
            "--due",
            "+2d",
            "--note",
            "Sara asks for a quote",
            "--owner",
            "sara",
        ],
    );

    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 2", WAIT);
    s.wait_for("Acme Trading", WAIT);

    // Panes by number and by Tab.
    s.send(&["2"]);
    s.wait_for("Pipeline · amounts in", WAIT);
    s.wait_for("Renewal", WAIT);
    s.send(&["3"]);
    s.wait_for("Follow-ups (yours)", WAIT);
    s.wait_for("Call back about the renewal", WAIT);
    s.send(&["4"]);
    s.wait_for("KPIs · ", WAIT);
    s.wait_gone("Follow-ups (yours)", WAIT);
    s.send(&["Tab"]);
    s.wait_for("Team · ", WAIT);
    s.send(&["5"]);
    s.wait_for("2 operators", WAIT);
    s.send(&["Tab"]);
    s.wait_for("Customers · 2", WAIT);
    s.send(&["Tab"]);
    s.wait_for("Pipeline · amounts in", WAIT);
    s.send(&["BTab"]);
    s.wait_for("Customers · 2", WAIT);
    s.send(&["1"]);
    s.wait_for("Customers · 2", WAIT);

    // A new customer through the form; a bad email is refused beside its field first.
    s.send(&["a"]);
    s.wait_for("New customer", WAIT);
    s.type_text("Иван Тестов");
    s.wait_for("Иван Тестов", WAIT);
    s.send(&["Tab", "Tab", "Tab", "Tab"]); // Kind, Company, Phones, Emails
    s.type_text("ivan-at-example.ru");
    s.send(&["Enter"]);
    // The form stays open, the error points at its field.
    s.wait_for_all(&["New customer", "↑ \"ivan-at-example.ru\" has no @"], WAIT);
    assert_eq!(
        json(p, &["customer", "list"]).as_array().unwrap().len(),
        2,
        "nothing saved while the email is invalid"
    );
    s.send(&["C-e", "C-u"]);
    s.type_text("ivan@example.ru");
    s.wait_for("ivan@example.ru", WAIT);
    s.send(&["Enter"]);
    // The new customer's card is open.
    s.wait_until("the new customer's card", WAIT, |screen| {
        screen.contains("#3 Иван Тестов · person · lead")
            && screen.contains("Email    ivan@example.ru")
            && status_line(screen).contains("Added customer")
    });

    // Log a call on the card.
    s.send(&["l"]);
    s.wait_for("Log for Иван Тестов", WAIT);
    s.send(&["Tab", "Tab"]); // Direction, Summary
    s.type_text("Asked about the annual plan");
    s.wait_for("Asked about the annual plan", WAIT);
    s.send(&["Enter"]);
    s.wait_for("Logged call", WAIT);
    s.wait_gone("Log for Иван Тестов", WAIT);
    // Saving proposes a follow-up; this time the operator skips it.
    s.wait_for("Follow up with Иван Тестов? (Esc skips)", WAIT);
    s.send(&["Escape"]);
    s.wait_gone("Follow up with", WAIT);
    s.wait_for("Asked about the annual plan", WAIT);

    // Move the deal on.
    s.send(&["2"]);
    s.wait_for("Pipeline · amounts in", WAIT);
    s.wait_for("Lead (1)", WAIT);
    s.send(&[">"]);
    let moved = format!("Deal #{deal_id} is now");
    s.wait_until("the deal in the next stage", WAIT, |screen| {
        screen.contains("Lead (0)")
            && screen.contains("Qualified (1)")
            && status_line(screen).contains(&moved)
    });

    // Mark my follow-up done.
    s.send(&["3"]);
    s.wait_for("Follow-ups (yours)", WAIT);
    let screen = s.wait_for("Call back about the renewal", WAIT);
    assert!(
        !screen.contains("Sara asks for a quote"),
        "only mine:\n{screen}"
    );
    s.send(&["m"]);
    s.wait_for("Follow-ups (everyone's)", WAIT);
    s.wait_for("Sara asks for a quote", WAIT);
    s.send(&["m"]);
    s.wait_for("Follow-ups (yours)", WAIT);
    s.wait_gone("Sara asks for a quote", WAIT);
    s.send(&["d"]);
    s.wait_until("the follow-up done", WAIT, |screen| {
        // The message (with its undo hint) wins the room: the counts shorten.
        let status = status_line(screen);
        !screen.contains("Call back about the renewal")
            && (status.contains("· 1 follow-up") || status.contains("· 1 f-up"))
            && status.contains("Done:")
            && status.contains("(undo with u)")
    });

    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);

    // Every write landed.
    let customers = json(p, &["customer", "list"]);
    let ivan = customers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Иван Тестов")
        .unwrap_or_else(|| panic!("the new customer is listed: {customers}"));
    let ivan_id = ivan["id"].as_i64().unwrap().to_string();
    let card = json(p, &["customer", "show", &ivan_id]);
    assert_eq!(card["emails"][0], "ivan@example.ru", "{card}");
    assert_eq!(card["owner_login"], "tester");
    let interactions = card["interactions"].as_array().unwrap();
    assert_eq!(interactions.len(), 1, "{card}");
    assert_eq!(interactions[0]["summary"], "Asked about the annual plan");
    assert_eq!(interactions[0]["kind"], "call");
    assert_eq!(
        json(p, &["deal", "show", &deal_id])["stage_key"],
        "qualified"
    );
    let reminders = json(p, &["remind", "list", "--done"]);
    let done = reminders
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == mine_id)
        .unwrap_or_else(|| panic!("follow-up #{mine_id} listed: {reminders}"));
    assert!(done["done_at"].is_string(), "marked done: {done}");
    let open = json(p, &["remind", "list"]);
    assert!(
        open.as_array().unwrap().iter().all(|r| r["id"] != mine_id),
        "no longer open: {open}"
    );
}

#[test]
fn status_messages_are_readable_at_80x24() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Acme Trading"]);
    ok(p, &["customer", "add", "--name", "Bahar Rahimi"]);
    ok(p, &["customer", "add", "--name", "Иван Петров"]);
    ok(
        p,
        &["deal", "add", "1", "--title", "Renewal", "--amount", "100"],
    );
    ok(
        p,
        &["remind", "add", "1", "--due", "+1h", "--note", "Call back"],
    );
    ok(
        p,
        &["remind", "add", "2", "--due", "+1h", "--note", "Call back"],
    );
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 3", WAIT);
    s.send(&["2"]);
    s.wait_for("Lead (1)", WAIT);
    s.send(&[">"]);
    s.wait_for("Qualified (1)", WAIT);
    s.wait_for("Deal #1 is now in qualified", WAIT);
    s.send(&["3"]);
    s.wait_for("Follow-ups (yours)", WAIT);
    s.send(&["d"]);
    s.wait_for("Done: follow-up #1", WAIT);
}

#[test]
fn the_demo_offer_is_readable_at_80x24() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    s.wait_for("Welcome to Rapport", WAIT);
    s.wait_for("two years of history", WAIT);
}

#[test]
fn a_call_comes_in_find_by_phone_digits_log_it_and_set_a_follow_up() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Acme Trading",
            "--kind",
            "company",
        ],
    );
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Zahra Ahmadi",
            "--phone",
            "+98 912 345 6789",
            "--company",
            "acme trading",
        ],
    );
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Иван Петров",
            "--phone",
            "+7 (916) 111-22-33",
        ],
    );
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 3", WAIT);
    s.send(&["/"]);
    s.wait_for("Find a customer", WAIT);
    // The caller ID shows the number; the operator types four of its digits.
    s.type_text("6789");
    s.wait_for_all(&["Zahra Ahmadi", "1 match ("], WAIT);
    s.send(&["Enter"]);
    s.wait_for("#2 Zahra Ahmadi", WAIT);
    s.send(&["c"]);
    s.wait_for("Call with Zahra Ahmadi", WAIT);
    s.type_text("Asked for a quote on 40 seats");
    s.send(&["Enter"]);
    // Saving the call proposes a follow-up; the operator makes it "tomorrow".
    s.wait_for("Follow up with Zahra Ahmadi?", WAIT);
    s.send(&["C-u"]);
    s.type_text("tomorrow");
    s.send(&["Enter"]);
    s.wait_for("Added follow-up", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);

    let card = json(p, &["customer", "show", "2"]);
    let call = &card["interactions"][0];
    assert_eq!(call["kind"], "call");
    assert_eq!(call["direction"], "in");
    assert_eq!(call["summary"], "Asked for a quote on 40 seats");
    let reminders = card["reminders"].as_array().unwrap();
    assert_eq!(reminders.len(), 1, "{card}");
    assert_eq!(
        reminders[0]["note"],
        "Follow up: Asked for a quote on 40 seats"
    );
    let due = reminders[0]["due_at"].as_str().unwrap();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert!(due.starts_with(&tomorrow), "due {due}, expected {tomorrow}");
}

#[test]
fn search_sees_a_customer_another_process_added_after_start() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada Lovelace"]);
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 1", WAIT);
    // Another operator, another process: a new customer with a Persian name.
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "علی کریمی",
            "--phone",
            "0912 765 4321",
        ],
    );
    // The app notices the other process's write on its own.
    s.wait_for("2 customers", WAIT);
    s.send(&["/"]);
    s.wait_for("Find a customer", WAIT);
    // Typed on an Arabic keyboard layout: ي and ك instead of Persian ی and ک.
    s.type_text("علي كريمي");
    s.wait_for("1 match (", WAIT);
    s.wait_for("765 4321", WAIT);
    s.send(&["Escape"]);
    s.wait_gone("Find a customer", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

/// The morning review as an operator does it: five follow-ups due, one key each
/// (done, snooze until tomorrow, log the outcome and accept the proposed next one,
/// skip, reschedule), then every result checked in the store through the CLI.
#[test]
fn the_daily_review_at_80x24() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    let seeds = [
        ("Ada Lovelace", "-3d", "Send the signed contract"),
        ("Фёдор Смирнов", "-2d", "Ask about the renewal"),
        ("مریم رضایی", "-1d", "Call about the quote"),
        ("Bob Stone", "-2h", "Weekly check-in"),
        ("Cleo Park", "-1h", "Demo the new module"),
    ];
    for (name, due, note) in seeds {
        ok(p, &["customer", "add", "--name", name]);
        ok(p, &["remind", "add", name, "--due", due, "--note", note]);
    }
    let s = Session::start_rapport(80, 24, p, &["review"], &[]);
    s.wait_for_all(
        &["Review (yours) · 1 of 5", "Send the signed contract"],
        WAIT,
    );
    s.send(&["d"]);
    s.wait_for_all(&["2 of 5", "Ask about the renewal"], WAIT);
    s.send(&["s"]);
    s.wait_for("Snooze · Фёдор Смирнов", WAIT);
    s.send(&["t"]);
    s.wait_for_all(&["3 of 5", "Call about the quote"], WAIT);
    s.send(&["l"]);
    s.wait_for("Outcome with مریم رضایی", WAIT);
    s.type_text("Agreed on the price");
    s.send(&["Enter"]);
    // The next follow-up is proposed, its date shown resolved; Enter accepts it.
    s.wait_for_all(&["Next follow-up with", "= "], WAIT);
    s.send(&["Enter"]);
    s.wait_for_all(&["4 of 5", "Weekly check-in", "Added follow-up"], WAIT);
    s.send(&["n"]);
    s.wait_for_all(&["5 of 5", "Demo the new module"], WAIT);
    s.send(&["r"]);
    s.wait_for("Reschedule the follow-up with Cleo Park", WAIT);
    s.send(&["C-u"]);
    s.type_text("next mon 10:00");
    s.wait_for("= Mon ", WAIT);
    s.send(&["Enter"]);
    let summary = s.wait_for("Reviewed 5 follow-ups", WAIT);
    for line in [
        "1  done",
        "1  outcome logged",
        "1  snoozed",
        "1  rescheduled",
        "1  skipped",
        "Bob Stone — Weekly check-in",
    ] {
        assert!(summary.contains(line), "{line:?} missing from:\n{summary}");
    }
    s.send(&["Escape"]);
    s.wait_for("Follow-ups (yours)", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);

    // Every decision is in the store.
    let all = json(p, &["remind", "list", "--done"]);
    let by_note = |note: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|r| r["note"] == note)
            .unwrap_or_else(|| panic!("{note} not in {all}"))
            .clone()
    };
    let today = chrono::Utc::now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    assert!(by_note("Send the signed contract")["done_at"].is_string());
    let snoozed = by_note("Ask about the renewal");
    assert!(snoozed["done_at"].is_null());
    let until = snoozed["snoozed_until"].as_str().unwrap();
    assert_eq!(
        until,
        format!("{}T09:00:00Z", day(today.succ_opt().unwrap()))
    );
    let logged = by_note("Call about the quote");
    assert!(logged["done_at"].is_string());
    let card = json(p, &["customer", "show", "مریم رضایی"]);
    assert_eq!(card["interactions"][0]["summary"], "Agreed on the price");
    assert_eq!(card["interactions"][0]["kind"], "call");
    let next = &card["reminders"][0];
    assert_eq!(
        next["due_at"].as_str().unwrap(),
        format!("{}T10:00:00Z", day(today + chrono::Duration::days(7)))
    );
    let skipped = by_note("Weekly check-in");
    assert!(skipped["done_at"].is_null() && skipped["snoozed_until"].is_null());
    assert_eq!(skipped["version"], 1, "skipping writes nothing");
    let moved = by_note("Demo the new module");
    let monday =
        today + chrono::Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    assert_eq!(
        moved["due_at"].as_str().unwrap(),
        format!("{}T10:00:00Z", day(monday))
    );
}

/// An operator imports a vCard from the app: `I`, the path, Enter; the report shows
/// while the list behind it already holds the new customers.
#[test]
fn importing_a_vcard_from_the_app_at_80x24() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let vcf = db.dir.path().join("phone.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zahra Ahmadi\r\nTEL;TYPE=CELL:+98 912 345 6789\r\n\
         END:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:\
         =D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD\r\nTEL;WORK:+7 916 111 22 33\r\n\
         PHOTO;ENCODING=BASE64;JPEG:AAAA\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    s.wait_for("Welcome to Rapport", WAIT);
    s.send(&["Escape"]);
    s.wait_for("No customers yet", WAIT);
    s.send(&["I"]);
    s.wait_for("Import contacts", WAIT);
    s.type_text(&vcf.to_string_lossy());
    s.send(&["Enter"]);
    let report = s.wait_for_all(&["Created 2 customers", "Not imported: PHOTO ×1"], WAIT);
    assert!(
        report.contains("phone.vcf: 2 records (vcard, UTF-8)"),
        "{report}"
    );
    s.send(&["Escape"]);
    s.wait_for_all(&["Zahra Ahmadi", "Иван Петров"], WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
    let names = customer_names(&db.path);
    assert_eq!(names, ["Zahra Ahmadi", "Иван Петров"]);
}

/// While a 60,000-row import writes in another process (every chunk it commits makes
/// the app look again), the app answers pane switches, the search popup and quit at
/// once, and shows the right figures when the import is done.
#[test]
fn keys_are_answered_while_a_large_import_writes() {
    if !skip_unless_tmux() {
        return;
    }
    let db = demo_db();
    let csv = db.dir.path().join("big.csv");
    let mut text = String::from("Name,Phone,Email\r\n");
    for i in 0..60_000 {
        text.push_str(&format!(
            "Imported {i},+44 7700 {i:06},imported{i}@example.org\r\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let s = Session::start_rapport(80, 24, &db.path, &[], &[]);
    s.wait_for("Customers · 50", WAIT);
    let mut import = std::process::Command::new(rapport_bin())
        .args(["import", &csv.to_string_lossy()])
        .env("RAPPORT_DB", &db.path)
        .env("RAPPORT_AS", "tester")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import is writing.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let started = std::time::Instant::now();
    while conn
        .query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0))
        .unwrap_or(0)
        <= 50
    {
        assert!(started.elapsed() < WAIT, "the import never wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut slowest = Duration::ZERO;
    for (key, title) in [
        ("2", "┌ Pipeline"),
        ("3", "┌ Follow-ups"),
        ("4", "┌ KPIs"),
        ("1", "┌ Customers"),
        ("/", "Find a customer"),
        ("Escape", "┌ Customers"),
    ] {
        let sent = std::time::Instant::now();
        s.send(&[key]);
        s.wait_for(title, WAIT);
        slowest = slowest.max(sent.elapsed());
    }
    assert!(
        import.try_wait().unwrap().is_none(),
        "the import was still running"
    );
    // tmux's own round trips take part of this; the app answers within a frame.
    assert!(slowest < Duration::from_secs(1), "a key took {slowest:?}");
    assert!(import.wait().unwrap().success());
    s.wait_for("Customers · 60,050", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

#[test]
fn a_deal_marked_won_by_mistake_goes_back_to_its_stage_with_u() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Acme Trading",
            "--kind",
            "company",
        ],
    );
    ok(
        p,
        &[
            "deal", "add", "1", "--title", "Renewal", "--amount", "12,000", "--stage", "proposal",
        ],
    );
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 1", WAIT);
    s.send(&["2"]);
    s.wait_for_all(&["Pipeline · amounts in", "Proposal (1)"], WAIT);
    s.send(&["Right", "Right"]); // Lead → Qualified → Proposal
    s.send(&["w"]);
    s.wait_until("the deal won", WAIT, |screen| {
        status_line(screen).contains("Deal #1 is now in won (undo with u)")
    });
    assert_eq!(json(p, &["deal", "show", "1"])["stage_key"], "won");
    s.send(&["u"]);
    s.wait_until("the deal back in its stage", WAIT, |screen| {
        status_line(screen).contains("Undone: deal #1 is as it was")
            && screen.contains("Proposal (1)")
    });
    let deal = json(p, &["deal", "show", "1"]);
    assert_eq!(deal["stage_key"], "proposal");
    assert_eq!(deal["probability"], 50);
    assert!(deal["closed_on"].is_null(), "{deal}");
    // Both changes are in the trail: the mistake and its undo.
    let audit = ok(p, &["audit", "--limit", "2"]);
    let lines: Vec<&str> = audit.lines().collect();
    assert!(
        lines[0].ends_with("tester  changed deal #1 back (undo)"),
        "{audit}"
    );
    assert!(audit.contains("tester  changed deal #1\n"), "{audit}");
    assert!(audit.contains("stage: \"proposal\" → \"won\""), "{audit}");
    assert!(audit.contains("stage: \"won\" → \"proposal\""), "{audit}");
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

/// While another process holds the database's write lock (a long transaction), a
/// deal marked won waits for it off the UI thread: the app says it is working and
/// answers pane switches, the search popup and Esc at once; when the lock goes the
/// write lands and the pipeline shows it.
#[test]
fn a_write_waiting_for_another_process_lock_leaves_the_app_answering() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Acme Trading"]);
    ok(
        p,
        &[
            "deal", "add", "1", "--title", "Renewal", "--amount", "900", "--stage", "lead",
        ],
    );
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 1", WAIT);
    s.send(&["2"]);
    s.wait_for("Lead (1)", WAIT);
    // Another process takes the write lock and keeps it.
    let lock = rusqlite::Connection::open(p).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    s.send(&["w"]);
    s.wait_until("the app saying it works on it", WAIT, |screen| {
        status_line(screen).contains("working…")
    });
    let mut slowest = Duration::ZERO;
    for (key, title) in [
        ("3", "┌ Follow-ups"),
        ("1", "┌ Customers"),
        ("/", "Find a customer"),
        ("Escape", "┌ Customers"),
        ("2", "┌ Pipeline"),
    ] {
        let sent = std::time::Instant::now();
        s.send(&[key]);
        s.wait_for(title, WAIT);
        slowest = slowest.max(sent.elapsed());
    }
    // tmux's own round trips take part of this; the app answers within a frame.
    assert!(slowest < Duration::from_secs(1), "a key took {slowest:?}");
    assert_eq!(
        json(p, &["deal", "show", "1"])["stage_key"],
        "lead",
        "nothing is written while the lock is held"
    );
    lock.execute_batch("COMMIT").unwrap();
    s.wait_until("the deal won", WAIT, |screen| {
        status_line(screen).contains("Deal #1 is now in won") && !screen.contains("Lead (1)")
    });
    assert_eq!(json(p, &["deal", "show", "1"])["stage_key"], "won");
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);
}

/// A new caller, the commonest call: the number finds nobody, one key adds the caller
/// with that number, the operator types the name, and one Enter saves the customer
/// and the call together.
#[test]
fn a_new_callers_number_finds_nobody_and_one_key_adds_them_with_the_call() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Acme Trading"]);
    let s = Session::start_rapport(80, 24, p, &[], &[]);
    s.wait_for("Customers · 1", WAIT);
    s.send(&["/"]);
    s.wait_for("Find a customer", WAIT);
    s.type_text("+44 7700 900123");
    s.wait_for("no match", WAIT);
    s.wait_for("ctrl-n adds a new caller", WAIT);
    s.send(&["C-n"]);
    s.wait_for("New caller", WAIT);
    s.type_text("Nadia Karimi");
    s.send(&["Enter"]);
    s.wait_for("Added customer #2 and logged call", WAIT);
    // The call proposes a follow-up, as any logged call does; none is wanted now.
    s.send(&["Escape"]);
    s.wait_for("#2 Nadia Karimi", WAIT);
    s.send(&["q"]);
    assert_eq!(s.wait_exit(WAIT), 0);

    let card = json(p, &["customer", "show", "2"]);
    assert_eq!(card["name"], "Nadia Karimi");
    assert_eq!(card["phones"][0]["digits"], "447700900123", "{card}");
    let calls = card["interactions"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{card}");
    assert_eq!(calls[0]["kind"], "call");
    assert_eq!(calls[0]["direction"], "in");
    assert_eq!(calls[0]["summary"], "New caller");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    harness_runs_a_command_and_keeps_its_last_screen,
    harness_types_keys_into_a_shell,
    panic_in_the_app_restores_the_terminal,
    signals_from_outside_restore_the_terminal,
    quit_from_a_fresh_start_restores_the_terminal,
    a_large_terminal_shows_more_columns,
    a_standard_terminal_keeps_the_essential_columns,
    too_small_terminal_says_so,
    empty_database_offers_demo_data,
    declining_demo_data_starts_empty,
    an_operators_day_at_80x24,
    status_messages_are_readable_at_80x24,
    the_demo_offer_is_readable_at_80x24,
    a_call_comes_in_find_by_phone_digits_log_it_and_set_a_follow_up,
    search_sees_a_customer_another_process_added_after_start,
    the_daily_review_at_80x24,
    importing_a_vcard_from_the_app_at_80x24,
    a_deal_marked_won_by_mistake_goes_back_to_its_stage_with_u,
    a_new_callers_number_finds_nobody_and_one_key_adds_them_with_the_call,
);
