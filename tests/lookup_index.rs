//! The shared lookup index: the app's search popup and `rapport lookup` rank alike, a
//! snapshot older than the last writes still answers with them, and a damaged snapshot
//! is refused and rebuilt.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use rapport::lookup_index::snapshot_path;
use rapport::tui::lookup::{Event, LookupService};
use serde_json::Value;

fn add(db: &Path, args: &[&str]) -> i64 {
    let mut all = vec!["customer", "add", "--force"];
    all.extend_from_slice(args);
    json(db, &all)["id"].as_i64().expect("id")
}

/// The ids `rapport lookup --json` prints (none when it finds nothing).
fn cli_ids(db: &Path, query: &str, limit: usize) -> Vec<i64> {
    let o = rapport(
        db,
        &["lookup", "--json", "--limit", &limit.to_string(), query],
    );
    if o.status.code() == Some(1) {
        return Vec::new();
    }
    assert!(o.status.success(), "{query}: {}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|h| h["id"].as_i64().expect("id"))
        .collect()
}

/// The app's lookup worker, asked one query at a time.
struct App {
    service: LookupService,
    seq: u64,
}

impl App {
    fn open(db: &Path) -> App {
        let service = LookupService::start(rapport::store::Location::File(db.to_path_buf()));
        loop {
            match next(&service) {
                Event::Ready { .. } => break,
                Event::Failed(e) => panic!("the lookup worker failed: {e}"),
                Event::Results { .. } => {}
            }
        }
        App { service, seq: 0 }
    }

    fn ids(&mut self, query: &str) -> Vec<i64> {
        self.seq += 1;
        self.service.query(self.seq, query);
        loop {
            match next(&self.service) {
                Event::Results { seq, rows, .. } if seq == self.seq => {
                    return rows.iter().map(|r| r.hit.id).collect();
                }
                Event::Failed(e) => panic!("the lookup worker failed: {e}"),
                _ => {}
            }
        }
    }
}

fn next(service: &LookupService) -> Event {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(e) = service.try_event() {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "no answer from the lookup worker"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// 200 queries of every kind, taken from the customers themselves.
fn queries(db: &Path) -> Vec<String> {
    let store = common::open(db).unwrap();
    let records = store.search_records().unwrap();
    let mut out: Vec<String> = [
        "Артём Фёд",
        "артем",
        "ёлкин",
        "محمد",
        "می‌خواهم",
        "علی رضایی",
        "زهرا",
        "0912",
        "+98 912",
        "۰۹۱۲ ۳",
        "+7 916",
        "8 916",
        "ivnov",
        "petrv",
        "smth",
        "acme ivan",
        "a",
        "zzzzqqq",
        "@gmail",
        "vip",
    ]
    .map(String::from)
    .to_vec();
    let mut i = 0;
    while out.len() < 200 {
        let r = &records[(i * 7919) % records.len()];
        let words: Vec<&str> = r.name.split_whitespace().collect();
        let q = match i % 10 {
            0 => r.name.clone(),
            1 => words[0].chars().take(3).collect(),
            // A typo: one letter left out of a long word.
            2 => {
                let w: Vec<char> = words.last().unwrap_or(&"").chars().collect();
                if w.len() >= 5 {
                    w.iter()
                        .enumerate()
                        .filter(|(k, _)| *k != 2)
                        .map(|(_, c)| c)
                        .collect()
                } else {
                    w.iter().collect()
                }
            }
            // Words in the other order, the second one cut short.
            3 if words.len() >= 2 => format!(
                "{} {}",
                words[1],
                words[0].chars().take(2).collect::<String>()
            ),
            // A Persian name with a ZWNJ between its words, ё written е.
            4 => r.name.replace(' ', "\u{200c}").replace('ё', "е"),
            5..=7 if !r.phones.is_empty() => {
                let d = &r.phones[0];
                match i % 3 {
                    0 => d[d.len().saturating_sub(4)..].to_string(),
                    1 => format!("+{d}"),
                    _ => {
                        let tail = &d[d.len().saturating_sub(7)..];
                        format!("{}-{}", &tail[..3], &tail[3..])
                    }
                }
            }
            8 if r.company.is_some() => {
                format!("{} {}", words[0], r.company.as_deref().unwrap_or_default())
            }
            9 if !r.emails.is_empty() => r.emails[0].clone(),
            _ => words[0].to_lowercase(),
        };
        if !q.trim().is_empty() {
            out.push(q);
        }
        i += 1;
    }
    out
}

#[test]
fn the_app_and_rapport_lookup_rank_200_queries_identically() {
    let db = TempDb::new();
    let p = &db.path;
    ok(p, &["demo", "--customers", "1500", "--seed", "13"]);
    add(
        p,
        &["--name", "Артём Фёдоров", "--phone", "+7 916 555 12 34"],
    );
    add(p, &["--name", "Ivanov Smith", "--email", "ivan@gmail.com"]);
    let qs = queries(p);
    assert_eq!(qs.len(), 200);
    let mut app = App::open(p);
    let mut found = 0;
    for q in &qs {
        let popup = app.ids(q);
        let cli = cli_ids(p, q, 50);
        assert_eq!(cli, popup, "{q:?}");
        found += usize::from(!popup.is_empty());
    }
    assert!(found >= 160, "only {found} of 200 queries found anything");
}

#[test]
fn a_snapshot_older_than_the_last_writes_answers_with_them() {
    let db = TempDb::new();
    let p = &db.path;
    let acme = add(p, &["--name", "Acme GmbH", "--kind", "company"]);
    let ada = add(
        p,
        &[
            "--name",
            "Ada Lovelace",
            "--company",
            "Acme GmbH",
            "--phone",
            "+44 20 7946 0958",
        ],
    );
    let bob = add(p, &["--name", "Bob Marley"]);
    assert_eq!(cli_ids(p, "ada", 10), vec![ada]);
    let snapshot = std::fs::read(snapshot_path(p)).expect("the first lookup saved the index");

    // Written after the snapshot: a new customer, an edit, a deletion, a company
    // renamed (its people's records change with it).
    let zoe = add(p, &["--name", "Зоя Ёлкина", "--phone", "+98 912 111 2233"]);
    ok(
        p,
        &[
            "customer",
            "edit",
            &bob.to_string(),
            "--name",
            "Robert Nesta",
        ],
    );
    ok(p, &["customer", "delete", &ada.to_string(), "--yes"]);
    let cyd = add(p, &["--name", "Cyd Charisse", "--company", "Acme GmbH"]);
    ok(
        p,
        &[
            "customer",
            "edit",
            &acme.to_string(),
            "--name",
            "Zenith Ltd",
        ],
    );

    for _ in 0..2 {
        let o = rapport(p, &["lookup", "--json", "елкина"]);
        assert!(o.status.success());
        assert_eq!(stderr(&o), "", "the snapshot was used, not rebuilt");
        assert_eq!(cli_ids(p, "елкина", 10), vec![zoe]);
        assert_eq!(cli_ids(p, "1112233", 10), vec![zoe]);
        assert_eq!(cli_ids(p, "robert", 10), vec![bob]);
        assert_eq!(cli_ids(p, "marley", 10), Vec::<i64>::new());
        assert_eq!(cli_ids(p, "lovelace", 10), Vec::<i64>::new());
        assert_eq!(cli_ids(p, "zenith", 10), vec![acme, cyd]);
        assert_eq!(cli_ids(p, "acme", 10), Vec::<i64>::new());
        let mut app = App::open(p);
        assert_eq!(app.ids("robert"), vec![bob]);
        assert_eq!(app.ids("zenith"), vec![acme, cyd]);
        // Once more from the old snapshot itself.
        std::fs::write(snapshot_path(p), &snapshot).unwrap();
    }
}

#[test]
fn the_app_follows_another_process_writes() {
    let db = TempDb::new();
    let p = &db.path;
    add(p, &["--name", "Ada Lovelace"]);
    let mut app = App::open(p);
    assert_eq!(app.ids("grace"), Vec::<i64>::new());
    let grace = add(p, &["--name", "Grace Hopper"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.ids("grace") != vec![grace] {
        assert!(
            Instant::now() < deadline,
            "the app never saw the new customer"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_damaged_or_truncated_snapshot_is_refused_and_rebuilt() {
    let db = TempDb::new();
    let p = &db.path;
    let ada = add(
        p,
        &["--name", "Ada Lovelace", "--phone", "+44 20 7946 0958"],
    );
    assert_eq!(cli_ids(p, "ada", 10), vec![ada]);
    let path = snapshot_path(p);
    let good = std::fs::read(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner may read it");
    }
    // A byte of the last section (the records' text): opening does not read it.
    let mut flipped = good.clone();
    let near_end = flipped.len() - 3;
    flipped[near_end] ^= 0xff;
    // Opening reads only the pages a lookup needs, so damage deep inside the file is
    // found by `doctor`, which reads it whole.
    assert!(ok(p, &["doctor"]).contains("lookup index     ok"));
    std::fs::write(&path, &flipped).unwrap();
    let o = rapport(p, &["doctor"]);
    assert!(!o.status.success());
    let report = stdout(&o);
    assert!(
        report.contains("problem (lookup index)") && report.contains("checksum"),
        "{report}"
    );
    assert!(
        report.contains(&format!("rm {}", path.display())),
        "{report}"
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(cli_ids(p, "ada", 10), vec![ada]);
    assert!(ok(p, &["doctor"]).contains("lookup index     ok"));
    for (bad, why) in [
        (good[..good.len() - 9].to_vec(), "truncated"),
        (b"not an index at all".to_vec(), "not a lookup index"),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let o = rapport(p, &["lookup", "--json", "lovelace"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("building the lookup index once") && err.contains(why),
            "{err}"
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v[0]["id"], ada);
        // Rebuilt and saved: the next lookup reads it quietly.
        let o = rapport(p, &["lookup", "0958"]);
        assert!(o.status.success());
        assert_eq!(stderr(&o), "");
        assert_eq!(std::fs::read(&path).unwrap().len(), good.len());
    }
}
