//! Importing through the real binary: contacts (vCard, CSV) with duplicates, invalid
//! records all-or-nothing or skipped into a reject file, encodings, the public sales
//! pipeline dataset and its KPIs, and a vCard round trip.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} not found; skipping", dir.display());
        None
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap_or_default();
    all.extend(std::fs::read(db.with_extension("db-wal")).unwrap_or_default());
    all
}

const GOOD_CSV: &str = "Name,Phone,Email,Company\r\n\
Ada Lovelace,+44 20 7946 0018,ada@example.org,Analytical Engines\r\n\
Иван Петров,+7 916 111-22-33,ivan@example.ru,\r\n\
مریم رضایی,+98 912 345 6789,maryam@example.ir,\r\n";

#[test]
fn contacts_csv_create_then_merge_the_same_people() {
    let db = TempDb::new();
    let dir = db.dir.path();
    let csv = write(dir, "contacts.csv", GOOD_CSV.as_bytes());
    let report = json(&db.path, &["import", &csv]);
    assert_eq!(report["report"]["created"], 3, "{report}");
    assert_eq!(report["report"]["companies_created"], 1);
    // The same people again, one with a new phone: merged, not duplicated.
    let again = write(
        dir,
        "again.csv",
        "Name,Phone,Email\r\nAda Lovelace,+44 7700 900123,ADA@example.org\r\n\
         Петров Иван,+7 (916) 111-22-33,\r\n"
            .as_bytes(),
    );
    let report = json(&db.path, &["import", &again]);
    let merged = report["report"]["merged"].as_array().unwrap();
    assert_eq!(merged.len(), 2, "{report}");
    assert_eq!(report["report"]["created"], 0);
    let ada = json(&db.path, &["customer", "show", "Ada Lovelace"]);
    assert_eq!(ada["phones"].as_array().unwrap().len(), 2);
    assert_eq!(ada["company_name"], "Analytical Engines");
    // Someone else on Ada's address: created beside her and reported, not merged.
    let other = write(
        dir,
        "other.csv",
        "Name,Email\r\nAugusta King,ada@example.org\r\n".as_bytes(),
    );
    let report = json(&db.path, &["import", &other, "--dry-run"]);
    let apart = &report["report"]["kept_apart"][0];
    assert_eq!(apart["why"], "same email ada@example.org", "{report}");
    assert_eq!(apart["possible_duplicate"], true);
    // --on-duplicate merge merges whoever shares it; skip leaves them; create adds.
    let r = json(
        &db.path,
        &["import", &other, "--on-duplicate", "merge", "--dry-run"],
    );
    assert_eq!(r["report"]["merged"].as_array().unwrap().len(), 1);
    let r = json(&db.path, &["import", &again, "--on-duplicate", "skip"]);
    assert_eq!(r["report"]["skipped"].as_array().unwrap().len(), 2);
    let dry = ok(
        &db.path,
        &["import", &again, "--on-duplicate", "create", "--dry-run"],
    );
    assert!(dry.contains("Dry run: nothing was written"), "{dry}");
    assert_eq!(customer_names(&db.path).len(), 4);
}

#[test]
fn a_record_nothing_identifies_refuses_the_whole_file_and_changes_nothing() {
    let db = TempDb::new();
    let dir = db.dir.path();
    ok(&db.path, &["customer", "add", "--name", "Already Here"]);
    let before = file_bytes(&db.path);
    let bad = format!("{GOOD_CSV},n/a,-,\r\n");
    let csv = write(dir, "bad.csv", bad.as_bytes());
    let o = rapport(&db.path, &["import", &csv]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("nothing was"), "{err}");
    assert!(err.contains("record 4 (line 5)"), "{err}");
    assert!(
        err.contains("no name, organisation, email or phone"),
        "{err}"
    );
    assert_eq!(file_bytes(&db.path), before, "the database is unchanged");
    assert!(!dir.join("bad.rejected.csv").exists());

    // --skip-invalid imports the rest; the reject file holds exactly the bad record.
    let out = ok(&db.path, &["import", &csv, "--skip-invalid"]);
    assert!(out.contains("Refused 1"), "{out}");
    let rejected = std::fs::read_to_string(dir.join("bad.rejected.csv")).unwrap();
    assert_eq!(rejected, "Name,Phone,Email,Company\r\n,n/a,-,\r\n");
    assert_eq!(customer_names(&db.path).len(), 5);
}

/// A bad field is not a lost customer: the record is imported with the value kept as
/// written; `--strict` refuses it as imports used to, all or nothing.
#[test]
fn bad_fields_are_kept_on_the_customer_unless_strict() {
    let db = TempDb::new();
    let dir = db.dir.path();
    let csv = write(
        dir,
        "odd.csv",
        "Name,Phone,Email\r\nFlower Shop,1-800-FLOWERS,shop@localhost\r\nAda,+44 20 7946 0018,\r\n"
            .as_bytes(),
    );
    ok(&db.path, &["customer", "list"]);
    let before = file_bytes(&db.path);
    let o = rapport(&db.path, &["import", &csv, "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("1-800-FLOWERS"), "{}", stderr(&o));
    assert_eq!(file_bytes(&db.path), before);

    let out = ok(&db.path, &["import", &csv]);
    assert!(out.contains("Created 2 customers"), "{out}");
    assert!(out.contains("Kept 1 phone as text"), "{out}");
    assert!(
        out.contains("odd.csv record 1 (line 2, Flower Shop): \"1-800-FLOWERS\""),
        "{out}"
    );
    assert!(out.contains("Kept 1 email as text"), "{out}");
    let shop = json(&db.path, &["customer", "show", "Flower Shop"]);
    let kept: Vec<&str> = shop["details"]["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["value"].as_str().unwrap())
        .collect();
    assert_eq!(kept, ["1-800-FLOWERS", "shop@localhost"]);
    let shown = ok(&db.path, &["customer", "show", "Flower Shop"]);
    assert!(
        shown.contains("kept:        phone: 1-800-FLOWERS"),
        "{shown}"
    );
}

#[test]
fn legacy_and_utf16_encodings_and_a_forced_one() {
    let db = TempDb::new();
    let dir = db.dir.path();
    // windows-1252, no BOM, semicolons (as Excel writes in much of Europe).
    let (latin, _, _) = encoding_rs::WINDOWS_1252
        .encode("Name;Email\r\nJürgen Müller;jm@example.de\r\nFrançois Lefèvre;fl@example.fr\r\n");
    let f = write(dir, "latin.csv", &latin);
    json(&db.path, &["import", &f]);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "Name,Phone\r\nПётр Сидоров,+7 903 555 44 33\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let f = write(dir, "utf16.csv", &utf16);
    json(&db.path, &["import", &f]);
    let (koi8, _, _) =
        encoding_rs::KOI8_R.encode("Name,Email\r\nАнна Каренина,anna@example.ru\r\n");
    let f = write(dir, "koi8.csv", &koi8);
    json(&db.path, &["import", &f, "--encoding", "koi8-r"]);
    let names = customer_names(&db.path);
    for want in [
        "Jürgen Müller",
        "François Lefèvre",
        "Пётр Сидоров",
        "Анна Каренина",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    let o = rapport(&db.path, &["import", &f, "--encoding", "klingon"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("klingon"));
}

/// Every real-world contact file (every `.vcf` and `.csv` under `vcard/` and `csv/`)
/// imports, read in place, into a fresh database: per file the records read, the
/// customers created and merged, the records kept apart from one they share a phone
/// with, the records refused (none: every real contact is kept) and what was flagged,
/// by action and field. A file that is not a vCard at all is refused with a clear
/// message, and nothing is ever written beside the shared files.
#[test]
fn every_shared_contact_file_imports() {
    let Some(data) = shared() else { return };
    let mut found = Vec::new();
    for dir in ["vcard", "csv"] {
        for entry in walk(&data.join(dir)) {
            let rel = entry
                .strip_prefix(&data)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel.ends_with(".vcf") || rel.ends_with(".csv") {
                found.push(rel);
            }
        }
    }
    found.sort();
    let listed: Vec<&str> = EXPECTED_CONTACT_FILES.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        found, listed,
        "a file was added or removed: update the table"
    );
    let mut wrong = Vec::new();
    for (file, expected) in EXPECTED_CONTACT_FILES {
        let db = TempDb::new();
        // Read in place; a reject file goes to the temporary directory.
        let input = data.join(file).to_string_lossy().into_owned();
        let rejects = db.dir.path().to_string_lossy().into_owned();
        let o = rapport(
            &db.path,
            &[
                "import",
                &input,
                "--skip-invalid",
                "--rejects",
                &rejects,
                "--json",
            ],
        );
        match expected {
            Ok(want) => {
                assert!(o.status.success(), "{file}: {}", stderr(&o));
                let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                let rep = &r["report"];
                let count = |key: &str| rep[key].as_array().unwrap().len();
                let got = Imported {
                    records: rep["files"][0]["records"].as_u64().unwrap() as usize,
                    created: rep["created"].as_u64().unwrap() as usize
                        + rep["companies_created"].as_u64().unwrap() as usize,
                    merged: count("merged"),
                    apart: count("kept_apart"),
                    refused: count("invalid"),
                    flagged: count("flagged"),
                };
                if &got != want {
                    wrong.push(format!("{file}: got {got:?}, expected {want:?}\n  {rep}"));
                }
                assert_eq!(
                    json(&db.path, &["customer", "list"])
                        .as_array()
                        .unwrap()
                        .len(),
                    got.created,
                    "{file}: every customer reported is stored"
                );
            }
            Err(message) => {
                assert_eq!(o.status.code(), Some(1), "{file}");
                assert!(stderr(&o).contains(message), "{file}: {}", stderr(&o));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let rejects: Vec<PathBuf> = walk(&data)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".rejected"))
        .collect();
    assert!(
        rejects.is_empty(),
        "written beside the shared files: {rejects:?}"
    );
}

/// What importing one file did (see `EXPECTED_CONTACT_FILES`).
#[derive(Debug, PartialEq, Eq)]
struct Imported {
    records: usize,
    created: usize,
    merged: usize,
    apart: usize,
    refused: usize,
    flagged: usize,
}

const fn made(records: usize, created: usize, flagged: usize) -> Imported {
    Imported {
        records,
        created,
        merged: 0,
        apart: 0,
        refused: 0,
        flagged,
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// (file, Ok(what importing it does) or Err(part of the message)). `created` counts
/// companies created for the organisations people work for too.
type Expected = Result<Imported, &'static str>;

#[rustfmt::skip]
const EXPECTED_CONTACT_FILES: &[(&str, Expected)] = &[
    // 13 three-digit phones ("100", "200"…) kept as text.
    ("csv/roundcube/all.csv", Ok(made(1, 2, 13))),
    ("csv/roundcube/all.expected.vcf", Ok(made(1, 2, 13))),
    // Google's placeholder phones ("pager", "mainphone"…) dropped.
    ("csv/roundcube/gmail.csv", Ok(made(1, 2, 7))),
    ("csv/roundcube/gmail.expected.vcf", Ok(made(1, 2, 7))),
    ("csv/roundcube/outlook.csv", Ok(made(1, 1, 0))),
    ("csv/roundcube/outlook.expected.vcf", Ok(made(1, 1, 0))),
    ("csv/roundcube/tb_plain.csv", Ok(made(1, 2, 5))),
    ("csv/roundcube/tb_plain.expected.vcf", Ok(made(1, 2, 5))),
    ("vcard/eds/10.vcf", Ok(made(1, 2, 0))),
    ("vcard/eds/11.vcf", Ok(made(1, 1, 0))),
    ("vcard/eds/12.vcf", Ok(made(1, 1, 0))),
    ("vcard/eds/13.vcf", Ok(made(1, 2, 0))),
    ("vcard/eds/4.vcf", Ok(made(1, 1, 0))),
    // Chinese text in four TEL properties, kept as text.
    ("vcard/eds/5.vcf", Ok(made(1, 2, 4))),
    ("vcard/eds/6.vcf", Ok(made(1, 2, 0))),
    // Cut short: imported with what it holds, and a note.
    ("vcard/eds/9.vcf", Ok(made(1, 2, 1))),
    ("vcard/eds/sorted-3.vcf", Ok(made(1, 1, 0))),
    // Record 5 shares a number with record 4 (another name): kept apart; its
    // undecodable-looking email "ÑÑÑ…" is kept as text.
    ("vcard/ez-vcard/John_Doe_ANDROID.vcf", Ok(Imported { records: 6, created: 8, merged: 0, apart: 1, refused: 0, flagged: 1 })),
    ("vcard/ez-vcard/John_Doe_BLACK_BERRY.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_EVOLUTION.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_GMAIL.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_IPHONE.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_LOTUS_NOTES.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/John_Doe_MS_OUTLOOK.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/fullcontact.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/gmail-list.vcf", Ok(made(3, 3, 0))),
    ("vcard/ez-vcard/gmail-single.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/gmail-single2.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/issue114.vcf", Ok(made(1, 2, 0))),
    // Outlook's placeholder phones ("BusinessPhone"…) dropped.
    ("vcard/ez-vcard/outlook-2003.vcf", Ok(made(1, 2, 4))),
    ("vcard/ez-vcard/outlook-2007.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/rfc2426-example.vcf", Ok(made(2, 4, 0))),
    ("vcard/ez-vcard/rfc6350-example.vcf", Ok(made(1, 2, 0))),
    ("vcard/ez-vcard/thunderbird-MoreFunctionsForAddressBook-extension.vcf", Ok(made(1, 2, 0))),
    ("vcard/ical-rs/property_error.vcf", Err(" line anywhere: this is not a vCard file")),
    ("vcard/ical-rs/vcard_input.vcf", Ok(made(1, 2, 0))),
    ("vcard/ical-rs/vcard_lowercase.vcf", Ok(made(1, 1, 0))),
    ("vcard/khard/altid.vcf", Ok(made(1, 1, 0))),
    ("vcard/khard/korean-c.vcf", Ok(made(1, 1, 0))),
    ("vcard/khard/labels.vcf", Ok(made(1, 2, 0))),
    ("vcard/khard/photov3.vcf", Ok(made(1, 1, 0))),
    ("vcard/khard/tel-value-uri.vcf", Ok(made(1, 1, 0))),
    ("vcard/khard/unparsable.vcf", Ok(made(1, 1, 1))),
    ("vcard/radicale/broken-vcards2.vcf", Ok(made(2, 2, 0))),
    ("vcard/radicale/contact4-with-bday-no-year.vcf", Ok(made(1, 1, 0))),
    ("vcard/radicale/contact_photo_with_data_uri_v4.vcf", Ok(made(1, 1, 0))),
    ("vcard/radicale/vcard-quoted-printable1.vcf", Ok(made(1, 1, 0))),
    ("vcard/vobject/radicale-1587.vcf", Ok(made(1, 1, 0))),
    ("vcard/vobject/vcard40_full.vcf", Ok(made(1, 2, 0))),
    // A group card lists members: left out, with a note.
    ("vcard/vobject/vcard40_group.vcf", Ok(made(1, 0, 0))),
    ("vcard/vobject/vcard40_multilang.vcf", Ok(made(1, 1, 0))),
];

/// vCard → store → vCard keeps names, phones, emails, organisations and notes.
#[test]
fn vcard_round_trip_through_the_store() {
    let db = TempDb::new();
    let dir = db.dir.path();
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\nORG:Analytical Engines\r\n\
TEL;TYPE=work:+44 20 7946 0018\r\nTEL;TYPE=cell:+44 7700 900123\r\nEMAIL:ada@example.org\r\n\
NOTE:Met at the Royal Society\\, 1833\r\nCATEGORIES:vip,math\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:3.0\r\nN:Сидоров;Пётр;;;\r\nFN:Пётр Сидоров\r\nTEL;TYPE=HOME:+7 903 555 44 33\r\n\
EMAIL;TYPE=INTERNET:petr@example.ru\r\nEND:VCARD\r\n";
    let f = write(dir, "in.vcf", card.as_bytes());
    ok(&db.path, &["import", &f]);
    let out = dir.join("out.vcf");
    ok(
        &db.path,
        &[
            "export",
            "--format",
            "vcard",
            "--output",
            &out.to_string_lossy(),
        ],
    );
    let bytes = std::fs::read(&out).unwrap();
    let back = rapport::io::vcard::read(&bytes, &Default::default()).unwrap();
    let ada = back
        .records
        .iter()
        .find(|r| r.name == "Ada Lovelace")
        .expect("Ada exported");
    let phones: Vec<&str> = ada.phones.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(phones, ["+44 20 7946 0018", "+44 7700 900123"]);
    assert_eq!(ada.emails[0].value, "ada@example.org");
    assert_eq!(ada.company.as_deref(), Some("Analytical Engines"));
    assert_eq!(ada.note.as_deref(), Some("Met at the Royal Society, 1833"));
    assert_eq!(ada.tags, ["math", "vip"]);
    let petr = back
        .records
        .iter()
        .find(|r| r.name == "Пётр Сидоров")
        .expect("Пётр exported");
    assert_eq!(petr.emails[0].value, "petr@example.ru");
    // The company is a customer too, exported as an organisation.
    assert!(back.records.iter().any(|r| r.name == "Analytical Engines"));
}

/// The public "CRM + Sales Opportunities" dataset: 8,800 deals, its dirty rows reported,
/// and the KPIs equal to what a spreadsheet computes from the CSV.
#[test]
fn the_sales_pipeline_dataset_imports_and_its_kpis_match_the_spreadsheet() {
    let Some(data) = shared() else { return };
    let dir = data.join("pipeline/maven-crm-sales-opportunities");
    let db = TempDb::new();
    let arg = |name: &str| dir.join(name).to_string_lossy().into_owned();
    // By default the 1,425 open deals without an account refuse the import…
    let o = rapport(
        &db.path,
        &[
            "import",
            "--deals",
            &arg("sales_pipeline.csv"),
            "--accounts",
            &arg("accounts.csv"),
            "--products",
            &arg("products.csv"),
            "--dry-run",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("1425 deal rows cannot be imported"),
        "{}",
        stderr(&o)
    );
    // …and so do they when the refused rows cannot be saved (here a directory stands
    // where the reject file would go): nothing is imported.
    let rejects = db.dir.path().join("rejects");
    let blocked = rejects.join("sales_pipeline.rejected.csv");
    std::fs::create_dir_all(&blocked).unwrap();
    let rejects_arg = rejects.to_string_lossy().into_owned();
    let import = [
        "import",
        "--deals",
        &arg("sales_pipeline.csv"),
        "--accounts",
        &arg("accounts.csv"),
        "--products",
        &arg("products.csv"),
        "--skip-invalid",
        "--rejects",
        &rejects_arg,
    ];
    let o = rapport(&db.path, &import);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not a regular file") && stderr(&o).contains("nothing was imported"),
        "{}",
        stderr(&o)
    );
    assert!(customer_names(&db.path).is_empty(), "no company, no deal");
    // …and with --skip-invalid the rest go in, the refused rows into --rejects DIR.
    std::fs::remove_dir(&blocked).unwrap();
    let r = json(&db.path, &import);
    let rep = &r["report"];
    assert_eq!(rep["deals"], 8800 - 1425, "{rep}");
    assert_eq!(rep["by_stage"]["won"], 4238);
    assert_eq!(rep["by_stage"]["lost"], 2473);
    assert_eq!(rep["by_stage"]["qualified"], 1589 - 1088);
    assert_eq!(rep["by_stage"]["lead"], 500 - 337);
    assert_eq!(rep["companies_created"], 85);
    assert_eq!(rep["invalid"].as_array().unwrap().len(), 1425);
    assert_eq!(rep["products_normalised"]["GTXPro"][0], "GTX Pro");
    // 1,480 rows write GTXPro; 222 of them are among the refused rows with no account.
    assert_eq!(rep["products_normalised"]["GTXPro"][1], 1480 - 222);
    assert_eq!(rep["operators_created"].as_array().unwrap().len(), 30);
    assert_eq!(r["rejects"], blocked.to_string_lossy().as_ref());
    let rejected = std::fs::read_to_string(&blocked).unwrap();
    assert_eq!(rejected.lines().count(), 1 + 1425);

    let kpi = json(&db.path, &["kpi", "--period", "all"]);
    let figure = |key: &str| -> f64 {
        kpi["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == key)
            .and_then(|k| k["value"].as_f64())
            .unwrap_or_else(|| panic!("{key} missing: {kpi}"))
    };
    // From the CSV: won 4238, lost 2473; won value 10,005,534; cycle = close − engage.
    assert!((figure("win_rate") - 4238.0 * 100.0 / 6711.0).abs() < 1e-9);
    assert_eq!(figure("revenue_won"), 10_005_534.0);
    assert!((figure("avg_won_deal") - 10_005_534.0 / 4238.0).abs() < 1e-6);
    assert!((figure("avg_cycle_days") - 51.781_972_628_598_396).abs() < 1e-9);
}

/// Every file under ../shared/data, whatever it holds (name lists, a data dictionary,
/// golden outputs), given to `rapport import` as contacts: an import or a clear
/// refusal, never a crash.
#[test]
fn no_shared_file_crashes_the_importer() {
    let Some(data) = shared() else { return };
    let files = walk(&data);
    assert!(files.len() > 50, "{} files", files.len());
    for path in files {
        let db = TempDb::new();
        // Read in place: a dry run writes no reject file (and --rejects would catch one).
        let o = rapport(
            &db.path,
            &[
                "import",
                &path.to_string_lossy(),
                "--skip-invalid",
                "--rejects",
                &db.dir.path().to_string_lossy(),
                "--dry-run",
            ],
        );
        match o.status.code() {
            Some(0) => {}
            Some(1) => assert!(
                stderr(&o).starts_with("rapport: ") && stderr(&o).len() > 20,
                "{}: {}",
                path.display(),
                stderr(&o)
            ),
            other => panic!("{}: exit {other:?}: {}", path.display(), stderr(&o)),
        }
    }
}

/// Numbers with the same national digits in different countries are different
/// people: `+7 912 345 67 89` (Russia) is not merged into `+98 912 345 6789` (Iran),
/// while a national form without a country (`0912 345 6789`) still matches.
#[test]
fn same_digits_in_another_country_are_another_customer() {
    let db = TempDb::new();
    let p = &db.path;
    ok(
        p,
        &[
            "customer",
            "add",
            "--name",
            "Ali Rahimi",
            "--phone",
            "+98 912 345 6789",
        ],
    );
    let csv = db.dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "Name,Phone\n\
         Олег Петров,+7 912 345 67 89\n\
         Ali R.,0912 345 6789\n",
    )
    .unwrap();
    // By default "Ali R." is not "Ali Rahimi": created beside him, reported.
    let out = ok(p, &["import", csv.to_str().unwrap(), "--dry-run"]);
    assert!(out.contains("Would create 2 customers"), "{out}");
    assert!(
        out.contains("(Ali R.) #3 beside #1: same phone 0912 345 6789; a possible duplicate"),
        "{out}"
    );
    // Merged on request; the Russian number with the same digits is someone else.
    let out = ok(
        p,
        &["import", csv.to_str().unwrap(), "--on-duplicate", "merge"],
    );
    assert!(out.contains("Created 1 customer"), "{out}");
    assert!(
        out.contains("(Ali R.) → #1: same phone 0912 345 6789"),
        "{out}"
    );
    assert_eq!(customer_names(p), ["Ali Rahimi", "Олег Петров"]);
}

/// What the shared files hold arrives where it belongs: the contact details, the main
/// phone and email, addresses, tags, and the values kept as written.
#[test]
fn shared_files_keep_their_fields() {
    let Some(data) = shared() else { return };
    let import = |file: &str| {
        let db = TempDb::new();
        ok(&db.path, &["import", &data.join(file).to_string_lossy()]);
        db
    };
    let details = |c: &serde_json::Value, key: &str| c["details"][key].as_str().map(str::to_string);

    let db = import("vcard/ez-vcard/outlook-2003.vcf");
    let c = json(&db.path, &["customer", "show", "John Doe III"]);
    assert_eq!(c["company_name"], "Company, The");
    assert_eq!(details(&c, "department").as_deref(), Some("TheDepartment"));
    assert_eq!(details(&c, "title").as_deref(), Some("The Job Title"));
    assert_eq!(details(&c, "nickname").as_deref(), Some("Joey"));
    assert_eq!(details(&c, "birthday").as_deref(), Some("19800321"));
    assert_eq!(
        details(&c, "website").as_deref(),
        Some("http://web-page-address.com")
    );
    assert_eq!(c["emails"][0], "jdoe@hotmail.com");
    // Its placeholder phones ("BusinessPhone"…) are dropped, not kept.
    assert!(c["phones"].as_array().unwrap().is_empty());

    let db = import("vcard/ez-vcard/thunderbird-MoreFunctionsForAddressBook-extension.vcf");
    let c = json(&db.path, &["customer", "show", "John Doe"]);
    let tags: Vec<&str> = c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["category1", "category2", "category3"]);
    assert_eq!(
        c["emails"][0], "doe.john@hotmail.com",
        "the TYPE=pref email first"
    );
    let kinds: Vec<&str> = c["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["work", "home", "mobile", "fax", "pager"]);
    assert_eq!(details(&c, "department").as_deref(), Some("TheDepartment"));
    assert!(c["address"].as_str().unwrap().contains("222 Broadway"));
    assert!(
        details(&c, "second_address")
            .unwrap()
            .contains("123 Main St")
    );

    let db = import("vcard/ez-vcard/issue114.vcf");
    let c = json(&db.path, &["customer", "show", "Dummy, Dummy"]);
    assert_eq!(
        c["address"],
        "Dummy-Dummy-Strasse 1, Bad Homburg, 61352, Germany"
    );
    assert_eq!(
        c["phones"][0]["raw"], "+49 1234 56789",
        "the PREF=1 number first"
    );

    let db = import("vcard/eds/5.vcf");
    let list = json(&db.path, &["customer", "list", "--kind", "person"]);
    let c = json(&db.path, &["customer", "show", &list[0]["id"].to_string()]);
    let kept: Vec<&str> = c["details"]["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        [
            "phone (work)",
            "phone (fax)",
            "phone (home)",
            "phone (mobile)"
        ]
    );

    let db = import("vcard/eds/9.vcf");
    let c = json(&db.path, &["customer", "show", "Frank Dawson"]);
    assert_eq!(
        c["phones"].as_array().unwrap().len(),
        2,
        "a card cut short keeps what it holds"
    );

    let db = import("csv/roundcube/gmail.csv");
    let c = json(
        &db.path,
        &[
            "customer",
            "show",
            "Prefix Firstname Middle Lastname Suffix",
        ],
    );
    assert_eq!(details(&c, "nickname").as_deref(), Some("nick"));
    assert_eq!(details(&c, "website").as_deref(), Some("test.com"));
    assert_eq!(
        details(&c, "second_address").as_deref(),
        Some("work_street, work_city work_zip, work_country")
    );

    // All six cards are people, record 5 too (its email "ÑÑÑ…" kept as written).
    let db = import("vcard/ez-vcard/John_Doe_ANDROID.vcf");
    let people = json(&db.path, &["customer", "list", "--kind", "person"]);
    assert_eq!(people.as_array().unwrap().len(), 6);

    let db = import("vcard/vobject/vcard40_group.vcf");
    assert!(
        customer_names(&db.path).is_empty(),
        "a group card is no customer"
    );
}

// The same stories with the database on PostgreSQL (skipped with a notice without
// a server). Tests of what only an SQLite file has are left out.
also_on_postgres!(
    contacts_csv_create_then_merge_the_same_people,
    a_record_nothing_identifies_refuses_the_whole_file_and_changes_nothing,
    bad_fields_are_kept_on_the_customer_unless_strict,
    legacy_and_utf16_encodings_and_a_forced_one,
    every_shared_contact_file_imports,
    vcard_round_trip_through_the_store,
    the_sales_pipeline_dataset_imports_and_its_kpis_match_the_spreadsheet,
    no_shared_file_crashes_the_importer,
    same_digits_in_another_country_are_another_customer,
    shared_files_keep_their_fields,
);
