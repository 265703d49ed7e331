//! Operators through the CLI: the first one is admin; only admins add operators and
//! change roles; the last admin keeps the role.

mod common;

use common::*;

#[test]
fn only_admins_manage_operators_and_the_last_admin_stays() {
    let db = TempDb::new();
    let p = &db.path;
    // tester is the first operator: admin.
    let out = ok(p, &["operator", "add", "omid", "--name", "Omid Karimi"]);
    assert!(out.contains("Added operator omid (agent)"), "{out}");
    ok(p, &["operator", "add", "lena", "--role", "manager"]);
    let list = json(p, &["operator", "list"]);
    let roles: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["login"].as_str().unwrap().to_string(),
                o["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("lena".to_string(), "manager".to_string()),
            ("omid".to_string(), "agent".to_string()),
            ("tester".to_string(), "admin".to_string()),
        ]
    );
    // An agent and a manager are refused, with the reason; nothing changes.
    for login in ["omid", "lena"] {
        let o = as_user(p, login, &["operator", "add", "mallory"]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains("not allowed: only an admin"), "{err}");
        let o = as_user(p, login, &["operator", "role", login, "admin"]);
        assert!(stderr(&o).contains("not allowed"), "{}", stderr(&o));
    }
    assert_eq!(json(p, &["operator", "list"]).as_array().unwrap().len(), 3);
    // The only admin cannot step down; after making another admin it can.
    let o = rapport(p, &["operator", "role", "tester", "agent"]);
    assert!(stderr(&o).contains("the only admin"), "{}", stderr(&o));
    ok(p, &["operator", "role", "lena", "admin"]);
    ok(p, &["operator", "role", "tester", "agent"]);
    let o = rapport(p, &["operator", "add", "x"]);
    assert!(stderr(&o).contains("not allowed"), "{}", stderr(&o));
    // Bad input: an unknown role, an existing login.
    let o = as_user(p, "lena", &["operator", "add", "y", "--role", "boss"]);
    assert!(stderr(&o).contains("role"), "{}", stderr(&o));
    let o = as_user(p, "lena", &["operator", "add", "omid"]);
    assert!(
        stderr(&o).contains("is an operator already"),
        "{}",
        stderr(&o)
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(only_admins_manage_operators_and_the_last_admin_stays,);
