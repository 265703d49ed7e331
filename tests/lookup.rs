//! `rapport lookup`: the real binary finds a customer by any form of a phone number, by
//! names in any script, by company, email and tag; exit 1 when nothing matches.

mod common;

use common::*;
use serde_json::Value;

fn add(db: &std::path::Path, args: &[&str]) -> i64 {
    let mut all = vec!["customer", "add", "--force"];
    all.extend_from_slice(args);
    json(db, &all)["id"].as_i64().expect("id")
}

fn lookup(db: &std::path::Path, query: &str) -> Vec<Value> {
    json(db, &["lookup", query])
        .as_array()
        .expect("an array")
        .clone()
}

fn ids(hits: &[Value]) -> Vec<i64> {
    hits.iter().map(|h| h["id"].as_i64().unwrap()).collect()
}

#[test]
fn every_form_of_a_phone_number_finds_the_customer() {
    let db = TempDb::new();
    let p = &db.path;
    let reza = add(p, &["--name", "Reza Karimi", "--phone", "+98 912 345 6789"]);
    let pyotr = add(
        p,
        &["--name", "Пётр Волков", "--phone", "+7 (916) 555-12-34"],
    );
    let liam = add(
        p,
        &["--name", "Liam Weber", "--phone", "work:+44 20 7946 0958"],
    );
    add(
        p,
        &["--name", "Someone Else", "--phone", "+98 935 111 2222"],
    );

    for query in [
        "0912 345",
        "+98 912 345",
        "912345",
        "6789",
        "345 6789",
        "3456789",
        "+989123456789",
        "989123456789",
        "0098 912 345 6789",
        "09123456789",
        "۰۹۱۲ ۳۴۵",
        "٦٧٨٩",
        "(0912) 345-67.89",
    ] {
        let hits = lookup(p, query);
        assert_eq!(ids(&hits), vec![reza], "{query}: {hits:?}");
        assert_eq!(hits[0]["matched"], "phone", "{query}");
        assert_eq!(hits[0]["matched_text"], "+98 912 345 6789", "{query}");
    }
    assert_eq!(lookup(p, "09123456789")[0]["rank"], "exact");
    assert_eq!(lookup(p, "6789")[0]["rank"], "suffix");
    assert_eq!(lookup(p, "0912 345")[0]["rank"], "prefix");

    // Russian forms: international, the domestic trunk 8, caller-ID without +.
    for query in [
        "8 916 555 12 34",
        "+7 916 555-12-34",
        "79165551234",
        "1234",
        "555-12-34",
    ] {
        assert_eq!(ids(&lookup(p, query)), vec![pyotr], "{query}");
    }
    // UK: the (0) after the country code and the domestic trunk 0 are ignored.
    for query in ["020 7946 0958", "+44 (0)20 7946 0958", "0958", "7946 0958"] {
        assert_eq!(ids(&lookup(p, query)), vec![liam], "{query}");
    }
}

#[test]
fn numbers_ending_alike_are_all_listed_most_recent_first() {
    let db = TempDb::new();
    let p = &db.path;
    let a = add(p, &["--name", "Old Contact", "--phone", "+98 912 000 4321"]);
    let b = add(p, &["--name", "New Contact", "--phone", "+7 916 000 4321"]);
    add(p, &["--name", "Other", "--phone", "+7 916 000 1234"]);
    ok(
        p,
        &[
            "log",
            &a.to_string(),
            "-m",
            "Call",
            "--at",
            "2026-01-10 10:00",
        ],
    );
    ok(
        p,
        &[
            "log",
            &b.to_string(),
            "-m",
            "Call",
            "--at",
            "2026-02-10 10:00",
        ],
    );
    assert_eq!(ids(&lookup(p, "4321")), vec![b, a]);
    let one = json(p, &["lookup", "4321", "--limit", "1"]);
    assert_eq!(ids(one.as_array().unwrap()), vec![b]);
}

#[test]
fn names_in_persian_and_cyrillic_match_their_variants() {
    let db = TempDb::new();
    let p = &db.path;
    // Stored with Persian ی and ک, looked up with Arabic ي and ك (and the reverse).
    let ali = add(p, &["--name", "علی رضایی"]);
    let kamran = add(p, &["--name", "كامران اكبري"]);
    let fyodor = add(p, &["--name", "Фёдор Соловьёв"]);
    add(p, &["--name", "Ada Lovelace"]);
    for (query, id) in [
        ("علي", ali),
        ("علی رضا", ali),
        ("رضايي", ali),
        ("کامران", kamran),
        ("اکبری", kamran),
        ("федор", fyodor),
        ("ФЁДОР СОЛОВЬЁВ", fyodor),
        ("соловьев", fyodor),
        ("Солов", fyodor),
    ] {
        assert_eq!(ids(&lookup(p, query)), vec![id], "{query}");
    }
    assert_eq!(lookup(p, "федор соловьев")[0]["rank"], "exact");
    assert_eq!(lookup(p, "соловьев")[0]["rank"], "word_prefix");
}

/// The search popup's ranking: a whole word beats the beginning of one, wherever it
/// sits; a word inside one and a typo come last.
#[test]
fn exact_beats_word_beats_prefix_beats_inside_beats_typo() {
    let db = TempDb::new();
    let p = &db.path;
    let word = add(p, &["--name", "Maria Anna Petrova"]);
    let prefix = add(p, &["--name", "Annabel Lee"]);
    let exact = add(p, &["--name", "Anna"]);
    let inside = add(p, &["--name", "Joanna Smith"]);
    let hits = lookup(p, "anna");
    assert_eq!(ids(&hits), vec![exact, word, prefix, inside]);
    let ranks: Vec<&str> = hits.iter().map(|h| h["rank"].as_str().unwrap()).collect();
    assert_eq!(ranks, ["exact", "word_prefix", "prefix", "inside"]);
    let typo = add(p, &["--name", "Ivanov"]);
    let hits = lookup(p, "ivnov");
    assert_eq!(ids(&hits), vec![typo]);
    assert_eq!(hits[0]["rank"], "typo");
}

#[test]
fn companies_emails_and_tags_are_searched() {
    let db = TempDb::new();
    let p = &db.path;
    let company = add(p, &["--name", "Greenfield Industries", "--kind", "company"]);
    let ivan = add(
        p,
        &[
            "--name",
            "Иван Петров",
            "--company",
            &company.to_string(),
            "--email",
            "Ivan.Petrov@Example.ru",
            "--tag",
            "Key Account",
        ],
    );
    let volga = add(p, &["--name", "ООО «Волга»", "--kind", "company"]);
    let quoted = add(p, &["--name", "\"Redwood\" Labs", "--kind", "company"]);
    assert_eq!(ids(&lookup(p, "волга")), vec![volga], "a word in quotes");
    assert_eq!(ids(&lookup(p, "redwood")), vec![quoted], "a name in quotes");
    // The company by a word of its name, then its people by their company's name.
    let hits = lookup(p, "industries");
    assert_eq!(ids(&hits), vec![company, ivan]);
    assert_eq!(hits[1]["matched"], "company");
    assert_eq!(hits[1]["matched_text"], "Greenfield Industries");
    let hits = lookup(p, "IVAN.PETROV@");
    assert_eq!(ids(&hits), vec![ivan]);
    assert_eq!(
        (hits[0]["matched"].as_str(), hits[0]["rank"].as_str()),
        (Some("email"), Some("prefix"))
    );
    let hits = lookup(p, "key-acc");
    assert_eq!(ids(&hits), vec![ivan]);
    assert_eq!(hits[0]["matched"], "tag");
    assert_eq!(lookup(p, "key account")[0]["rank"], "exact");
}

#[test]
fn no_match_exits_1_with_one_line() {
    let db = TempDb::new();
    add(
        &db.path,
        &["--name", "Ada Lovelace", "--phone", "+44 20 7946 0958"],
    );
    // The first lookup builds the shared index, and says so in one line of its own.
    let o = rapport(&db.path, &["lookup", "ada"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("building the lookup index once"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for args in [
        &["lookup", "zzz"][..],
        &["lookup", "5555"][..],
        &["lookup", "nobody", "--json"][..],
    ] {
        let o = rapport(&db.path, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("no customer matches"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        // A script reading JSON gets an empty list; text output prints nothing.
        let empty = if args.contains(&"--json") { "[]" } else { "" };
        assert_eq!(stdout(&o).trim(), empty, "{args:?}");
    }
    assert_eq!(rapport(&db.path, &["lookup"]).status.code(), Some(2));
    assert_eq!(
        rapport(&db.path, &["lookup", "ada", "--limit", "0"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_and_text_output() {
    let db = TempDb::new();
    let p = &db.path;
    let acme = add(p, &["--name", "Acme GmbH", "--kind", "company"]);
    let id = add(
        p,
        &[
            "--name",
            "Ada Lovelace",
            "--company",
            "Acme GmbH",
            "--phone",
            "+44 20 7946 0958",
            "--phone",
            "home:+44 161 496 0000",
        ],
    );
    ok(
        p,
        &[
            "remind",
            "add",
            &id.to_string(),
            "--due",
            "+1d",
            "--note",
            "Call back",
        ],
    );
    ok(p, &["log", &id.to_string(), "-m", "Talked"]);
    let hits = lookup(p, "161 496");
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h["id"], id);
    assert_eq!(h["name"], "Ada Lovelace");
    assert_eq!(h["company_name"], "Acme GmbH");
    assert_eq!(h["main_phone"], "+44 20 7946 0958");
    assert!(h["last_contact"].is_string());
    assert_eq!(h["matched"], "phone");
    assert_eq!(h["rank"], "prefix");
    assert_eq!(h["matched_text"], "+44 161 496 0000");
    assert_eq!(h["open_reminders"], 1);
    let _ = acme;

    let text = ok(p, &["lookup", "+44", "161", "496"]);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    for column in [
        "ID",
        "NAME",
        "COMPANY",
        "PHONE",
        "LAST CONTACT",
        "OPEN FOLLOW-UPS",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = lines.next().unwrap();
    assert!(
        row.contains("Ada Lovelace") && row.contains("+44 161 496 0000"),
        "{row}"
    );
    assert_eq!(lines.next(), None);
}

/// A database from before schema V2 gets its phone columns filled on first open (and
/// then the V3 cadence columns).
#[test]
fn an_older_database_is_backfilled() {
    let db = TempDb::new();
    let p = &db.path;
    let reza = add(p, &["--name", "Reza Karimi", "--phone", "+98 912 345 6789"]);
    let conn = rusqlite::Connection::open(p).unwrap();
    conn.execute_batch(BACK_TO_SCHEMA_5).unwrap();
    conn.execute_batch(
        "ALTER TABLE customers DROP COLUMN cadence_max_days;
         ALTER TABLE customers DROP COLUMN cadence_ideal_days;
         DROP TABLE tag_cadences; DROP TABLE settings; DROP TABLE audit_log;
         DROP INDEX customer_phones_national; DROP INDEX customer_phones_national_rev;
         DROP INDEX customers_name_word2; DROP INDEX customers_name_word3;
         ALTER TABLE customer_phones DROP COLUMN national;
         ALTER TABLE customer_phones DROP COLUMN national_rev;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(ids(&lookup(p, "0912 345 67")), vec![reza]);
    assert_eq!(ids(&lookup(p, "karimi")), vec![reza]);
    let conn = rusqlite::Connection::open(p).unwrap();
    let (version, national): (i64, String) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), national FROM customer_phones",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (version, national.as_str()),
        (rapport::store::schema_version(), "9123456789")
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    every_form_of_a_phone_number_finds_the_customer,
    numbers_ending_alike_are_all_listed_most_recent_first,
    names_in_persian_and_cyrillic_match_their_variants,
    exact_beats_word_beats_prefix_beats_inside_beats_typo,
    companies_emails_and_tags_are_searched,
    json_and_text_output,
);
