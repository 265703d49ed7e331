//! The pipeline's health view in a real terminal (tmux), driven as an operator does:
//! the board (its footer names `H` at 80 columns), `H`, the sections with `←`/`→`,
//! `Enter` on a rotting deal opens its customer, `Esc` back to the health view, `H`
//! back to the board, and `q` quits with the terminal restored.

mod common;

use std::time::Duration;

use common::tmux::{Session, rapport_bin, shell_quote, skip_unless_tmux};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

/// Runs `stty -a` in the pane's shell and checks the terminal is in cooked mode again.
fn assert_cooked_mode(s: &Session) {
    s.run_line("clear; stty -a; echo \"stty-\"done");
    let screen = s.wait_for("stty-done", WAIT);
    let words: Vec<&str> = screen
        .split_whitespace()
        .map(|w| w.trim_end_matches(';'))
        .collect();
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            words.contains(&mode) && !words.contains(&format!("-{mode}").as_str()),
            "{mode} should be set after Rapport exits; stty -a said:\n{screen}"
        );
    }
}

#[test]
fn the_health_view_from_the_board_and_back() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    ok(&db.path, &["demo", "--customers", "200", "--seed", "42"]);
    // The rotting deals as the command line lists them: the view shows the same, in
    // the same order. Pick the first whose customer's name is in Latin script, so the
    // card is found by its name on any terminal.
    let health = json(&db.path, &["deal", "health"]);
    let rotting = health["rotting_deals"].as_array().expect("a list");
    let (row, deal) = rotting
        .iter()
        .take(12)
        .enumerate()
        .find(|(_, d)| {
            d["customer"].as_str().is_some_and(|n| {
                n.chars()
                    .all(|c| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c))
            })
        })
        .expect("a Latin name among the first rotting deals");
    let id = format!("#{}", deal["id"]);
    let customer = deal["customer"].as_str().unwrap_or_default().to_string();

    let s = Session::start_shell(80, 24, &[]);
    s.run_line(&format!(
        "RAPPORT_DB={} {}; echo \"exit=$?\"",
        shell_quote(&db.path.to_string_lossy()),
        shell_quote(rapport_bin())
    ));
    s.wait_for("Customers · 200", WAIT);
    assert_eq!(s.display("#{alternate_on}"), "1");

    s.send(&["2"]);
    s.wait_for_all(&["Lead (", "H health"], WAIT);
    s.send(&["H"]);
    let screen = s.wait_for_all(&["Pipeline health", "ROTTING", &id], WAIT);
    assert!(
        screen.contains("Rotting │ No follow-up │ Lost reasons │ Funnel │ Forecast"),
        "{screen}"
    );

    // Through the sections and back again.
    s.send(&["Right"]);
    s.wait_for("NO FOLLOW-UP", WAIT);
    s.send(&["Right"]);
    s.wait_for("REASON", WAIT);
    s.send(&["Right"]);
    s.wait_for_all(&["REACHED", "MOVED ON"], WAIT);
    s.send(&["Left", "Left", "Left"]);
    s.wait_for_all(&["ROTTING", &id], WAIT);

    // Enter on the chosen rotting deal opens its customer's card; Esc comes back.
    for _ in 0..row {
        s.send(&["Down"]);
    }
    s.send(&["Enter"]);
    s.wait_until("the deal's customer's card", WAIT, |screen| {
        screen.contains(&customer) && !screen.contains("ROTTING")
    });
    s.send(&["Escape"]);
    s.wait_for_all(&["Pipeline health", "ROTTING"], WAIT);

    // H goes back to the board; q quits and gives the terminal back.
    s.send(&["H"]);
    s.wait_until("the board", WAIT, |screen| {
        screen.contains("H health") && !screen.contains("ROTTING")
    });
    s.send(&["q"]);
    s.wait_for("exit=0", WAIT);
    assert_eq!(
        s.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(s.display("#{cursor_flag}"), "1", "the cursor is visible");
    assert_cooked_mode(&s);
}
