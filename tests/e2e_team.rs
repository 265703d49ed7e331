//! The app's Team pane in a real terminal (tmux): a manager sees every operator, an
//! agent only itself.

mod common;

use std::time::Duration;

use common::tmux::{Session, skip_unless_tmux};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_manager_sees_every_operator_and_an_agent_only_itself() {
    if !skip_unless_tmux() {
        return;
    }
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    ok(p, &["operator", "add", "boss", "--role", "manager"]);
    ok(p, &["operator", "add", "omid", "--role", "agent"]);
    ok(p, &["operator", "add", "layla", "--role", "agent"]);
    let o = as_user(p, "layla", &["log", "Acme", "-m", "Called about the order"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let boss = Session::start_rapport(80, 24, p, &[], &[("RAPPORT_AS", "boss")]);
    boss.wait_for("Acme", WAIT);
    boss.send(&["5"]);
    let screen = boss.wait_for("4 operators", WAIT);
    for login in ["boss", "layla", "omid", "tester"] {
        assert!(screen.contains(login), "{login} missing:\n{screen}");
    }

    let omid = Session::start_rapport(80, 24, p, &[], &[("RAPPORT_AS", "omid")]);
    omid.wait_for("Acme", WAIT);
    omid.send(&["5"]);
    let screen = omid.wait_for("only omid", WAIT);
    let rows: Vec<&str> = screen.lines().filter(|l| l.starts_with("│")).collect();
    for login in ["boss", "layla", "tester"] {
        assert!(
            !rows.iter().any(|r| r.contains(login)),
            "an agent sees {login}:\n{screen}"
        );
    }
    assert!(screen.contains("Quotas of omid"), "{screen}");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(a_manager_sees_every_operator_and_an_agent_only_itself,);
