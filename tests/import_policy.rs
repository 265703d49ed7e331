//! The import policy through the real binary, with files written for it
//! (`tests/fixtures/import`): a bad field is not a lost customer, different people are
//! never merged, localised Outlook exports, every phone and email form people write,
//! extensions apart from the number, dry runs that create nothing, and text from files
//! made harmless before it is printed.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn show(db: &Path, who: &str) -> Value {
    json(db, &["customer", "show", who])
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_string())
        .collect()
}

fn phones(v: &Value) -> Vec<(String, String)> {
    v["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut shown = p["raw"].as_str().unwrap().to_string();
            if let Some(ext) = p["extension"].as_str() {
                shown.push_str(&format!(" ext. {ext}"));
            }
            (p["kind"].as_str().unwrap().to_string(), shown)
        })
        .collect()
}

fn kept(v: &Value) -> Vec<String> {
    v["details"]["kept"]
        .as_array()
        .map(|k| {
            k.iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        x["field"].as_str().unwrap(),
                        x["value"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Issue 15: three colleagues sharing their company's switchboard stay three customers,
/// each with their own email; they are colleagues, not duplicates.
#[test]
fn the_switchboard_colleagues_stay_three_customers() {
    let db = TempDb::new();
    let p = &db.path;
    let r = json(p, &["import", &fixture("switchboard.csv")]);
    let rep = &r["report"];
    assert_eq!(
        (rep["created"].as_u64(), rep["companies_created"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(rep["merged"].as_array().unwrap().is_empty(), "{rep}");
    let apart = rep["kept_apart"].as_array().unwrap();
    assert_eq!(apart.len(), 2, "{rep}");
    for a in apart {
        assert_eq!(a["why"], "same phone +49 40 123450");
        assert_eq!(
            a["possible_duplicate"], false,
            "colleagues on a work number"
        );
    }
    for (name, email) in [
        ("Anna Schmidt", "anna.schmidt@hafenbau.de"),
        ("Bernd Meyer", "bernd.meyer@hafenbau.de"),
        ("Carla Weber", "carla.weber@hafenbau.de"),
    ] {
        let c = show(p, name);
        assert_eq!(strings(&c, "emails"), [email], "{name}");
        assert_eq!(
            phones(&c),
            [("work".to_string(), "+49 40 123450".to_string())]
        );
        assert_eq!(c["company_name"], "Hafenbau GmbH");
    }
    // Importing the file again changes nobody: each is the same contact as before.
    let r = json(p, &["import", &fixture("switchboard.csv")]);
    assert_eq!(r["report"]["created"], 0);
    assert_eq!(r["report"]["merged"].as_array().unwrap().len(), 3);
    assert_eq!(customer_names(p).len(), 4);
    // `--on-duplicate merge` is the old behaviour, on request: one customer.
    let other = TempDb::new();
    let r = json(
        &other.path,
        &[
            "import",
            &fixture("switchboard.csv"),
            "--on-duplicate",
            "merge",
        ],
    );
    assert_eq!(r["report"]["created"], 1);
    assert_eq!(r["report"]["merged"].as_array().unwrap().len(), 2);
}

/// Different people sharing an email (a family address) are created apart, and
/// `rapport dedupe` lists them for a person to decide.
#[test]
fn a_shared_email_with_another_name_is_a_possible_duplicate_for_dedupe() {
    let db = TempDb::new();
    let p = &db.path;
    let csv = write(
        db.dir.path(),
        "family.csv",
        b"Name,Email,Phone\nMaria Rossi,famiglia@example.it,+39 06 1234567\n\
          Luca Rossi,famiglia@example.it,+39 333 1234567\n",
    );
    let out = ok(p, &["import", &csv]);
    assert!(out.contains("Created 2 customers"), "{out}");
    assert!(
        out.contains("(Luca Rossi) #2 beside #1: same email famiglia@example.it; a possible duplicate: `rapport dedupe` lists it"),
        "{out}"
    );
    let pairs = json(p, &["dedupe"]);
    let pair = &pairs[0];
    assert_eq!(
        (pair["a"]["name"].as_str(), pair["b"]["name"].as_str()),
        (Some("Maria Rossi"), Some("Luca Rossi"))
    );
    assert_eq!(pair["reasons"][0]["reason"], "email");
}

/// A German Outlook export (windows-1252, every field quoted) imports with names,
/// companies, phones, emails and the details; `E-Mail-Typ` is not an address.
#[test]
fn a_german_outlook_export_imports_whole() {
    let db = TempDb::new();
    let p = &db.path;
    let out = ok(p, &["import", &fixture("outlook_de.csv")]);
    assert!(
        out.contains("3 records (csv, windows-1252; columns read as German)"),
        "{out}"
    );
    assert!(
        out.contains("Created 3 customers (and 2 companies they work for)"),
        "{out}"
    );
    assert!(out.contains("Dropped 2 placeholder phones"), "{out}");
    let j = show(p, "Herr Jürgen Müller");
    assert_eq!(j["company_name"], "Hafenbau GmbH");
    assert_eq!(
        phones(&j),
        [
            ("fax".into(), "+49 40 1234599".into()),
            ("work".into(), "+49 40 123450 ext. 12".into()),
            ("home".into(), "040/7654321".into()),
            ("mobile".into(), "0171 2345678".into()),
        ]
    );
    assert_eq!(
        strings(&j, "emails"),
        ["juergen.mueller@hafenbau.de", "jm@privat-mueller.de"]
    );
    let d = &j["details"];
    assert_eq!(d["department"], "Einkauf");
    assert_eq!(d["title"], "Leiter Einkauf");
    assert_eq!(d["birthday"], "17.05.1970");
    assert_eq!(d["website"], "www.hafenbau.de");
    assert_eq!(
        d["second_address"],
        "Lindenallee 5, Hamburg, 22301, Deutschland"
    );
    assert_eq!(j["address"], "Am Kai 1, Hamburg, 20457, Deutschland");
    assert_eq!(strings(&j, "tags"), ["hamburg", "kunden"]);
    assert_eq!(j["notes"], "Trifft man auf der Messe.");
    let g = show(p, "Frau Grete Große-Bäumer");
    assert_eq!(
        phones(&g),
        [("work".to_string(), "0 30 / 12 34 56".to_string())]
    );
    assert_eq!(g["company_name"], "Bäckerei Große");
    // A row with only a company is the company itself.
    let s = show(p, "Schlüter & Söhne KG");
    assert_eq!(s["kind"], "company");
    assert_eq!(strings(&s, "emails"), ["info@schlueter-soehne.de"]);
    assert_eq!(
        phones(&s),
        [("work".to_string(), "+49 89 98765-0".to_string())]
    );
    // The card shows the details too.
    let card = ok(p, &["customer", "show", "Herr Jürgen Müller"]);
    for line in [
        "phone:       +49 40 123450 ext. 12 (work)",
        "department:  Einkauf",
        "title:       Leiter Einkauf",
        "website:     www.hafenbau.de",
    ] {
        assert!(card.contains(line), "{line:?} in {card}");
    }
}

/// A Japanese Outlook export (Shift_JIS) imports with names (family name first),
/// companies, phones (full-width digits, an extension after 内線) and emails.
#[test]
fn a_japanese_outlook_export_imports_whole() {
    let db = TempDb::new();
    let p = &db.path;
    let out = ok(p, &["import", &fixture("outlook_ja.csv")]);
    assert!(
        out.contains("2 records (csv, Shift_JIS; columns read as Japanese)"),
        "{out}"
    );
    assert!(
        out.contains("Created 2 customers (and 2 companies they work for)"),
        "{out}"
    );
    let t = show(p, "山田 太郎");
    assert_eq!(t["company_name"], "山田商事株式会社");
    assert_eq!(strings(&t, "emails"), ["taro.yamada@yamada-shoji.co.jp"]);
    assert_eq!(
        phones(&t),
        [
            ("work".into(), "03-1234-5678".into()),
            ("mobile".into(), "090-1234-5678".into())
        ]
    );
    assert_eq!(t["details"]["department"], "営業部");
    assert_eq!(t["details"]["title"], "部長");
    assert_eq!(t["notes"], "展示会で名刺交換");
    let h = show(p, "鈴木 花子");
    assert_eq!(h["company_name"], "鈴木電機");
    let (kind, number) = &phones(&h)[0];
    assert_eq!(kind, "work");
    assert!(number.ends_with(" ext. 123"), "{number}");
    // Found by its digits, typed in ASCII.
    let hits = json(p, &["lookup", "03 5555 6666"]);
    assert_eq!(hits[0]["name"], "鈴木 花子");
}

/// Every phone form the issue lists is stored or kept as text: no contact is refused.
#[test]
fn every_phone_form_is_stored_or_kept_never_the_contact_refused() {
    let db = TempDb::new();
    let p = &db.path;
    let r = json(
        p,
        &[
            "import",
            &fixture("phone_forms.csv"),
            "--on-duplicate",
            "create",
        ],
    );
    let rep = &r["report"];
    assert_eq!(rep["created"], 27, "{rep}");
    assert!(rep["invalid"].as_array().unwrap().is_empty());
    let stored = |name: &str| {
        phones(&show(p, name))
            .into_iter()
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
    };
    for (name, numbers) in [
        ("Slash", vec!["12212/1212"]),
        ("No-break space", vec!["+49\u{a0}30\u{a0}1234567"]),
        ("Thin space", vec!["+49\u{2009}30\u{2009}123\u{2009}4567"]),
        ("En dash", vec!["030 \u{2013} 1234567"]),
        ("Em dash", vec!["030\u{2014}1234567"]),
        (
            "Full-width digits",
            vec![
                "\u{ff10}\u{ff13}\u{ff10} \u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}\u{ff17}",
            ],
        ),
        ("Label in brackets", vec!["+49 30 1234567"]),
        ("Durchwahl", vec!["+49 30 1234567 ext. 12"]),
        ("Russian extension", vec!["+7 495 123-45-67 ext. 123"]),
        ("Persian extension", vec!["+98 21 8877 6655 ext. 12"]),
        ("Chinese extension", vec!["+86 10 1234 5678 ext. 123"]),
        ("ext", vec!["+1 212 555 0101 ext. 5"]),
        ("x", vec!["+1 212 555 0102 ext. 5"]),
        ("hash", vec!["+1 212 555 0103 ext. 5"]),
        ("Two numbers", vec!["030 1234567", "0171 2345678"]),
        ("Two numbers semicolon", vec!["030 7654321", "0171 7654321"]),
    ] {
        assert_eq!(stored(name), numbers, "{name}");
    }
    assert_eq!(
        phones(&show(p, "Label in brackets"))[0].0,
        "work",
        "(Büro) is work"
    );
    for (name, text) in [
        ("Vanity", "phone: 1-800-FLOWERS"),
        ("Short extension", "phone: 100"),
        ("Another script", "phone: 十城目管理"),
    ] {
        let c = show(p, name);
        assert!(c["phones"].as_array().unwrap().is_empty(), "{name}");
        assert_eq!(kept(&c), [text], "{name}");
    }
    for name in [
        "Placeholder na",
        "Placeholder dash",
        "Placeholder pager",
        "Placeholder phone work",
        "Placeholder BusinessPhone",
        "Placeholder mobil",
        "Placeholder business",
        "Placeholder zentrale",
    ] {
        let c = show(p, name);
        assert!(
            c["phones"].as_array().unwrap().is_empty() && kept(&c).is_empty(),
            "{name}"
        );
    }
    let flagged = rep["flagged"].as_array().unwrap();
    let count = |action: &str| flagged.iter().filter(|f| f["action"] == action).count();
    assert_eq!(
        (count("kept_as_text"), count("dropped"), count("split")),
        (3, 8, 2)
    );
    // --strict refuses them, all or nothing.
    let strict = TempDb::new();
    ok(&strict.path, &["customer", "list"]);
    let o = rapport(
        &strict.path,
        &["import", &fixture("phone_forms.csv"), "--strict"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("13 records cannot be imported"),
        "{}",
        stderr(&o)
    );
    assert!(customer_names(&strict.path).is_empty());
}

#[test]
fn every_email_form_is_stored_or_kept() {
    let db = TempDb::new();
    let p = &db.path;
    let r = json(p, &["import", &fixture("email_forms.csv")]);
    assert_eq!(r["report"]["created"], 4);
    assert_eq!(
        strings(&show(p, "Display name"), "emails"),
        ["ada@example.org"]
    );
    assert_eq!(
        strings(&show(p, "Two addresses"), "emails"),
        ["bob@example.org", "robert@example.org"]
    );
    let local = show(p, "Local address");
    assert!(local["emails"].as_array().unwrap().is_empty());
    assert_eq!(kept(&local), ["email: user@localhost"]);
    let none = show(p, "Placeholder");
    assert!(none["emails"].as_array().unwrap().is_empty() && kept(&none).is_empty());
}

/// Issue 12, item 16: an extension is stored apart from the number, so lookup by the
/// number finds it and the same number without the extension is a duplicate.
#[test]
fn an_extension_is_not_part_of_the_number() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Acme Desk",
            "--phone",
            "work:+1 212 555 0101 ext 5",
        ],
    );
    let shown = ok(p, &["customer", "show", "Acme Desk"]);
    assert!(shown.contains("+1 212 555 0101 ext. 5 (work)"), "{shown}");
    let hits = json(p, &["lookup", "5550101"]);
    assert_eq!(hits[0]["name"], "Acme Desk");
    assert_eq!(hits[0]["matched_text"], "+1 212 555 0101 ext. 5");
    let o = rapport(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Someone Else",
            "--phone",
            "+1 212 555 0101",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "a possible duplicate is refused without --force"
    );
    assert!(stderr(&o).contains("Acme Desk"), "{}", stderr(&o));
    // From a file: reported beside the customer with the number.
    let csv = write(
        db.dir.path(),
        "desk.csv",
        b"Name,Phone\nFront Desk,+1 (212) 555-0101\n",
    );
    let out = ok(p, &["import", &csv]);
    assert!(
        out.contains("#2 beside #1: same phone +1 (212) 555-0101; a possible duplicate"),
        "{out}"
    );
}

/// A dry run creates no database file (and no directory for one).
#[test]
fn a_dry_run_creates_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("new/rapport.db");
    let out = ok(&db, &["import", &fixture("switchboard.csv"), "--dry-run"]);
    assert!(out.contains("Would create 3 customers"), "{out}");
    assert!(out.contains("There is no database yet"), "{out}");
    assert!(!db.exists() && !dir.path().join("new").exists());
    let r = json(&db, &["import", &fixture("switchboard.csv"), "--dry-run"]);
    assert_eq!(r["report"]["dry_run"], true);
    assert!(!db.exists());
}

/// vCards: the preferred phone is the main one, a group card is left out with a note,
/// a quoted-printable name without a CHARSET is read in the charset its text shows
/// and the report says it was a guess.
#[test]
fn vcard_pref_groups_and_a_guessed_charset_in_the_report() {
    let db = TempDb::new();
    let p = &db.path;
    let f = write(
        db.dir.path(),
        "cards.vcf",
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:Iksi=F1ski;Jan\r\n\
          FN;ENCODING=QUOTED-PRINTABLE:Jan Iksi=F1ski\r\n\
          ORG;ENCODING=QUOTED-PRINTABLE:Przedsi=EAbiorstwo Gda=F1sk\r\n\
          TEL;HOME:+48 58 123 45 67\r\nTEL;CELL;PREF:+48 601 234 567\r\nEMAIL:jan@firma.pl\r\nEND:VCARD\r\n\
          BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Team\r\nMEMBER:mailto:jan@firma.pl\r\nEND:VCARD\r\n",
    );
    let out = ok(p, &["import", &f]);
    assert!(out.contains("cards.vcf: 2 records (vcard, "), "{out}");
    assert!(out.contains("(guessed)"), "{out}");
    assert!(out.contains("without a CHARSET read as"), "{out}");
    assert!(
        out.contains("the group card \"Team\" (KIND:group)"),
        "{out}"
    );
    let jan = show(p, "Jan Iksiński");
    assert_eq!(jan["company_name"], "Przedsiębiorstwo Gdańsk");
    assert_eq!(
        phones(&jan)[0],
        ("mobile".to_string(), "+48 601 234 567".to_string())
    );
    let list = json(p, &["customer", "list"]);
    assert!(list.as_array().unwrap().iter().all(|c| c["name"] != "Team"));
    let jan_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Jan Iksiński")
        .unwrap()
        .clone();
    assert_eq!(jan_row["main_phone"], "+48 601 234 567");
}

/// Text from a file never reaches the terminal raw: names and values in the report,
/// column names in the "not recognised" error.
#[test]
fn text_from_files_is_made_harmless_before_it_is_printed() {
    let db = TempDb::new();
    let p = &db.path;
    let f = write(
        db.dir.path(),
        "evil.csv",
        b"Name,Phone\nEvil\x1b[2J Name,1-800-\x1b]0;pwned\x07CALL\n",
    );
    let out = ok(p, &["import", &f]);
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
    assert!(out.contains("Evil␛[2J Name"), "{out}");
    let f = write(db.dir.path(), "cols.csv", b"Foo\x1b[31m,Bar\nx,y\n");
    let o = rapport(p, &["import", &f]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!err.contains('\x1b') && err.contains("Foo␛[31m"), "{err:?}");
}

/// One unbalanced quote is one refused line with where it opened, not a file misread
/// from there on.
#[test]
fn an_unbalanced_quote_is_one_refused_line_with_a_hint() {
    let db = TempDb::new();
    let p = &db.path;
    let mut text = String::from("Name,Phone,Email,Note\n");
    text.push_str("Ada,+44 20 7946 0001,ada@x.org,\"fine\"\n");
    text.push_str("Bob,+44 20 7946 0002,bob@x.org,\"never closed\n");
    for i in 3..=500 {
        text.push_str(&format!("P{i},+44 20 7946 {i:04},p{i}@x.org,plain\n"));
    }
    text.push_str("Zed,+44 20 7946 9999,z@x.org,\"closing quote\"\n");
    let f = write(db.dir.path(), "quotes.csv", text.as_bytes());
    let o = rapport(p, &["import", &f]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("1 record cannot be imported"), "{err}");
    assert!(
        err.contains(
            "record 2 (line 3): the quote that opens field 4 (\"Note\") on line 3 is never closed"
        ),
        "{err}"
    );
    let out = ok(p, &["import", &f, "--skip-invalid"]);
    assert!(out.contains("Created 500 customers"), "{out}");
    assert_eq!(show(p, "Zed")["notes"], "closing quote");
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    the_switchboard_colleagues_stay_three_customers,
    a_shared_email_with_another_name_is_a_possible_duplicate_for_dedupe,
    a_german_outlook_export_imports_whole,
    a_japanese_outlook_export_imports_whole,
    every_phone_form_is_stored_or_kept_never_the_contact_refused,
    every_email_form_is_stored_or_kept,
    an_extension_is_not_part_of_the_number,
    a_dry_run_creates_no_database,
    vcard_pref_groups_and_a_guessed_charset_in_the_report,
    text_from_files_is_made_harmless_before_it_is_printed,
    an_unbalanced_quote_is_one_refused_line_with_a_hint,
);
