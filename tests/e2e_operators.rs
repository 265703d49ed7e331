//! Two operators in two terminals on one database, driven through tmux: what one
//! saves shows in the other within 2 s, and a save over a change the other made
//! meanwhile is refused with who changed it, then reloaded keeping the edits.

mod common;

use std::time::{Duration, Instant};

use common::tmux::{Session, skip_unless_tmux};
use common::*;

const WAIT: Duration = Duration::from_secs(10);
/// The bound for another operator's change to show.
const FOLLOW: Duration = Duration::from_secs(2);

#[test]
fn two_apps_on_one_database_follow_each_other_and_refuse_a_stale_edit() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["customer", "add", "--name", "Ada Lovelace"]);
    ok(
        p,
        &[
            "operator",
            "add",
            "sara",
            "--name",
            "Sara Ahmadi",
            "--role",
            "manager",
        ],
    );
    let sara = Session::start_rapport(80, 24, p, &[], &[("RAPPORT_AS", "sara")]);
    let tester = Session::start_rapport(80, 24, p, &[], &[]);
    let viewer = Session::start_rapport(80, 24, p, &[], &[]);
    sara.wait_for_all(&["Ada Lovelace", "sara · rapport.db"], WAIT);
    tester.wait_for_all(&["Ada Lovelace", "tester · rapport.db"], WAIT);
    viewer.wait_for("Ada Lovelace", WAIT);

    // tester opens the edit form first; it holds version 1.
    tester.send(&["e"]);
    tester.wait_for("Edit #1", WAIT);

    // sara renames the customer and saves; the idle third app shows it within 2 s.
    sara.send(&["e"]);
    sara.wait_for("Edit #1", WAIT);
    sara.send(&["C-e", "C-u"]);
    sara.type_text("Ada King");
    sara.send(&["Enter"]);
    sara.wait_for("Saved customer #1", WAIT);
    let saved = Instant::now();
    viewer.wait_for("Ada King", FOLLOW);
    eprintln!("another app showed the change after {:?}", saved.elapsed());

    // tester, still on version 1, adds a note and saves: refused, naming sara.
    tester.send(&["Up"]);
    tester.type_text("Prefers email");
    tester.send(&["Enter"]);
    let screen = tester.wait_for("reload?", WAIT);
    assert!(
        screen.contains("changed by Sara Ahmadi at"),
        "the refusal names who changed it:\n{screen}"
    );
    assert_eq!(
        json(p, &["customer", "show", "1"])["name"],
        "Ada King",
        "sara's save is intact"
    );

    // Enter reloads: sara's name, tester's note; Enter again saves both.
    tester.send(&["Enter"]);
    let screen = tester.wait_for("keeping your edits to Notes", WAIT);
    assert!(
        screen.contains("Notes           Prefers email"),
        "the focused field scrolls into view at 80x24:\n{screen}"
    );
    tester.send(&["Enter"]);
    tester.wait_for("Saved customer #1", WAIT);
    let c = json(p, &["customer", "show", "1"]);
    assert_eq!(c["name"], "Ada King");
    assert_eq!(c["notes"], "Prefers email");

    // The other app shows tester's note on the card within 2 s, and the history.
    sara.send(&["Enter"]);
    sara.wait_for("Prefers email", FOLLOW);
    sara.send(&["H"]);
    let history = sara.wait_for("History of Ada King", WAIT);
    assert!(
        history.contains("tester  changed customer #1")
            && history.contains("notes: — → \"Prefers email\"")
            && history.contains("Sara Ahmadi  changed customer #1"),
        "{history}"
    );
    for s in [&sara, &tester, &viewer] {
        s.send(&["Escape", "Escape", "q"]);
        assert_eq!(s.wait_exit(WAIT), 0);
    }
}
