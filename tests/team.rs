//! Team performance through the real binary: `rapport team` and `team quota`, who
//! sees whom, and the per-agent figures of the public sales pipeline dataset (computed
//! from its CSV: Won and Lost rows counted and Won close values summed per agent).

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/pipeline/maven-crm-sales-opportunities");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} not found; skipping", dir.display());
        None
    }
}

/// (agent login, won, lost, won revenue) from `sales_pipeline.csv`.
const AGENTS: &[(&str, i64, i64, i64)] = &[
    ("anna.snelling", 208, 128, 275_056),
    ("boris.faz", 101, 52, 261_631),
    ("cassey.cress", 163, 98, 450_489),
    ("cecily.lampkin", 107, 53, 229_800),
    ("corliss.cosme", 150, 79, 421_036),
    ("daniell.hammack", 114, 73, 364_229),
    ("darcel.schlecht", 349, 204, 1_153_214),
    ("donn.cantrell", 158, 117, 445_860),
    ("elease.gluck", 80, 46, 289_195),
    ("garret.kinder", 75, 48, 197_773),
    ("gladys.colclough", 135, 97, 345_674),
    ("hayden.neloms", 107, 45, 272_111),
    ("james.ascencio", 135, 71, 413_533),
    ("jonathan.berthelot", 171, 93, 284_886),
    ("kami.bicknell", 174, 98, 316_456),
    ("kary.hendrixson", 209, 126, 454_298),
    ("lajuana.vencill", 127, 104, 194_632),
    ("markita.hansen", 130, 97, 328_792),
    ("marty.freudenburg", 122, 72, 291_195),
    ("maureen.marcano", 149, 64, 350_395),
    ("moses.frase", 129, 66, 207_182),
    ("niesha.huffines", 105, 70, 176_961),
    ("reed.clapper", 155, 82, 438_336),
    ("rosalina.dieter", 72, 38, 235_403),
    ("rosie.papadopoulos", 78, 43, 230_169),
    ("versie.hillebrand", 176, 88, 187_693),
    ("vicki.laflamme", 221, 126, 478_396),
    ("violet.mclelland", 122, 71, 123_431),
    ("wilburn.farren", 55, 24, 157_640),
    ("zane.levy", 161, 100, 430_068),
];

fn operator<'a>(report: &'a serde_json::Value, login: &str) -> &'a serde_json::Value {
    report["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["login"] == login)
        .unwrap_or_else(|| panic!("{login} not in {report}"))
}

#[test]
fn every_agents_won_revenue_win_rate_and_deals_equal_the_csvs() {
    let Some(dir) = shared() else { return };
    let db = TempDb::new();
    let arg = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let rejects = db.dir.path().join("rejects");
    std::fs::create_dir_all(&rejects).unwrap();
    ok(
        &db.path,
        &[
            "import",
            "--deals",
            &arg("sales_pipeline.csv"),
            "--accounts",
            &arg("accounts.csv"),
            "--skip-invalid",
            "--rejects",
            &rejects.to_string_lossy(),
        ],
    );
    let r = json(&db.path, &["team", "--period", "all"]);
    assert_eq!(r["currency"], "USD");
    // The 30 agents and the importing admin.
    assert_eq!(r["operators"].as_array().unwrap().len(), 31);
    for &(login, won, lost, revenue) in AGENTS {
        let o = operator(&r, login);
        assert_eq!(o["deals_won"], won, "{login}");
        assert_eq!(o["deals_lost"], lost, "{login}");
        assert_eq!(o["revenue_minor"], revenue * 100, "{login}");
        let rate = o["win_rate"].as_f64().unwrap();
        assert!(
            (rate - won as f64 * 100.0 / (won + lost) as f64).abs() < 1e-9,
            "{login}: {rate}"
        );
    }
    let total: i64 = AGENTS.iter().map(|a| a.3).sum();
    assert_eq!(total, 10_005_534, "the dataset's won value");
    // An explicit range: 2017 only is all of it; 2016 has no close.
    let y2017 = json(
        &db.path,
        &["team", "--from", "2017-01-01", "--to", "2017-12-31"],
    );
    assert_eq!(operator(&y2017, "zane.levy")["deals_won"], 161);
    let y2016 = json(
        &db.path,
        &["team", "--from", "2016-01-01", "--to", "2016-12-31"],
    );
    assert_eq!(operator(&y2016, "zane.levy")["deals_won"], 0);
    // A quota on an agent, and where the agent stands against it.
    ok(
        &db.path,
        &[
            "team",
            "quota",
            "darcel.schlecht",
            "revenue_won",
            "--target",
            "1,000,000",
            "--minimum",
            "800000",
        ],
    );
    ok(
        &db.path,
        &[
            "team",
            "quota",
            "darcel.schlecht",
            "win_rate",
            "--target",
            "70",
            "--minimum",
            "65",
        ],
    );
    let r = json(
        &db.path,
        &["team", "--period", "all", "--operator", "darcel.schlecht"],
    );
    let quotas = operator(&r, "darcel.schlecht")["quotas"]
        .as_array()
        .unwrap()
        .clone();
    let standing = |kpi: &str| {
        quotas
            .iter()
            .find(|q| q["kpi"] == kpi)
            .map(|q| q["standing"].clone())
            .unwrap()
    };
    assert_eq!(
        standing("revenue_won"),
        "at_target",
        "1,153,214 ≥ 1,000,000"
    );
    assert_eq!(standing("win_rate"), "below_minimum", "63.1 % < 65 %");
    let text = ok(
        &db.path,
        &["team", "--period", "all", "--operator", "darcel.schlecht"],
    );
    assert!(text.contains("Performance of darcel.schlecht"), "{text}");
    assert!(text.contains("1,153,214.00"), "{text}");
    assert!(text.contains("below minimum"), "{text}");
}

/// A database with an admin (tester), a manager, two agents and some of their work.
fn team_db() -> TempDb {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &["customer", "add", "--name", "Acme", "--kind", "company"],
    );
    ok(p, &["operator", "add", "boss", "--role", "manager"]);
    ok(p, &["operator", "add", "omid", "--role", "agent"]);
    ok(p, &["operator", "add", "layla", "--role", "agent"]);
    for (who, kind) in [("omid", "call"), ("omid", "email"), ("layla", "call")] {
        let o = as_user(
            p,
            who,
            &[
                "log",
                "Acme",
                "--kind",
                kind,
                "-m",
                "Talked",
                "--satisfaction",
                "4",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let deal = json_as(
        p,
        "omid",
        &[
            "deal", "add", "Acme", "--title", "Order", "--amount", "1200",
        ],
    );
    let id = deal["id"].as_i64().unwrap().to_string();
    let o = as_user(p, "omid", &["deal", "won", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

#[test]
fn managers_see_every_operator_and_an_agent_only_itself() {
    let db = team_db();
    let p = &db.path;
    let logins = |r: &serde_json::Value| -> Vec<String> {
        r["operators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["login"].as_str().unwrap().to_string())
            .collect()
    };
    let all = json_as(p, "boss", &["team"]);
    assert_eq!(logins(&all), ["boss", "layla", "omid", "tester"]);
    let omid = operator(&all, "omid");
    assert_eq!(omid["interactions_total"], 2);
    assert_eq!(omid["deals_won"], 1);
    assert_eq!(omid["revenue_minor"], 120_000);
    let kinds = omid["interactions"].as_array().unwrap();
    assert_eq!(kinds[0], serde_json::json!(["call", 1]));
    assert_eq!(kinds[1], serde_json::json!(["email", 1]));
    // An agent sees itself, and is refused another's.
    let own = json_as(p, "layla", &["team"]);
    assert_eq!(logins(&own), ["layla"]);
    assert_eq!(own["operator"], "layla");
    let o = as_user(p, "layla", &["team", "--operator", "omid"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("only a manager or an admin can see other operators' KPIs"),
        "{}",
        stderr(&o)
    );
    // Quotas: managers and admins only, figures checked as for KPI targets.
    let o = as_user(
        p,
        "omid",
        &[
            "team",
            "quota",
            "omid",
            "deals_won",
            "--target",
            "9",
            "--minimum",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("only a manager or an admin can set an operator's quota"),
        "{}",
        stderr(&o)
    );
    let o = as_user(
        p,
        "boss",
        &[
            "team",
            "quota",
            "omid",
            "win_rate",
            "--target",
            "101",
            "--minimum",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("target"), "{}", stderr(&o));
    let o = as_user(
        p,
        "boss",
        &[
            "team",
            "quota",
            "omid",
            "deals_won",
            "--target",
            "5",
            "--minimum",
            "9",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("minimum must not exceed the target"),
        "{}",
        stderr(&o)
    );
    let o = as_user(
        p,
        "boss",
        &[
            "team",
            "quota",
            "omid",
            "sales",
            "--target",
            "5",
            "--minimum",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("\"sales\" is not one of: revenue_won"),
        "{}",
        stderr(&o)
    );
    let o = as_user(
        p,
        "boss",
        &[
            "team",
            "quota",
            "omid",
            "deals_won",
            "--target",
            "2",
            "--minimum",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mine = json_as(p, "omid", &["team"]);
    let q = &operator(&mine, "omid")["quotas"][0];
    assert_eq!(
        (q["kpi"].as_str(), q["standing"].as_str()),
        (Some("deals_won"), Some("between_minimum_and_target"))
    );
    // The change is in the trail; clearing it removes it.
    let trail = ok(p, &["audit"]);
    assert!(trail.contains("quota of omid for deals_won"), "{trail}");
    let o = as_user(
        p,
        "boss",
        &["team", "quota", "omid", "deals_won", "--clear"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        operator(&json_as(p, "omid", &["team"]), "omid")["quotas"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let o = as_user(
        p,
        "boss",
        &["team", "quota", "omid", "deals_won", "--clear"],
    );
    assert!(
        stderr(&o).contains("omid has no quota for deals_won"),
        "{}",
        stderr(&o)
    );
    let o = rapport(p, &["team", "--period", "decade"]);
    assert!(
        stderr(&o).contains("\"decade\" is not one of: week, month"),
        "{}",
        stderr(&o)
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    every_agents_won_revenue_win_rate_and_deals_equal_the_csvs,
    managers_see_every_operator_and_an_agent_only_itself,
);
