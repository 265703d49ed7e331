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
fn contacts_csv_create_then_merge_by_phone_or_email() {
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
        "Name,Phone,Email\r\nAda L.,+44 7700 900123,ADA@example.org\r\nIvan,+7 (916) 111-22-33,\r\n"
            .as_bytes(),
    );
    let report = json(&db.path, &["import", &again]);
    let merged = report["report"]["merged"].as_array().unwrap();
    assert_eq!(merged.len(), 2, "{report}");
    assert_eq!(report["report"]["created"], 0);
    let ada = json(&db.path, &["customer", "show", "Ada Lovelace"]);
    assert_eq!(ada["phones"].as_array().unwrap().len(), 2);
    assert_eq!(ada["company_name"], "Analytical Engines");
    // --on-duplicate create makes new ones; skip leaves them.
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
fn one_bad_record_refuses_the_whole_file_and_changes_nothing() {
    let db = TempDb::new();
    let dir = db.dir.path();
    ok(&db.path, &["customer", "add", "--name", "Already Here"]);
    let before = file_bytes(&db.path);
    let bad = format!("{GOOD_CSV}Broken Record,call me maybe,broken@,\r\n");
    let csv = write(dir, "bad.csv", bad.as_bytes());
    let o = rapport(&db.path, &["import", &csv]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("nothing was"), "{err}");
    assert!(err.contains("record 4 (line 5)"), "{err}");
    assert!(err.contains("call me maybe"), "{err}");
    assert_eq!(file_bytes(&db.path), before, "the database is unchanged");
    assert!(!dir.join("bad.rejected.csv").exists());

    // --skip-invalid imports the rest; the reject file holds exactly the bad record.
    let out = ok(&db.path, &["import", &csv, "--skip-invalid"]);
    assert!(out.contains("Refused 1"), "{out}");
    let rejected = std::fs::read_to_string(dir.join("bad.rejected.csv")).unwrap();
    assert_eq!(
        rejected,
        "Name,Phone,Email,Company\r\nBroken Record,call me maybe,broken@,\r\n"
    );
    assert_eq!(customer_names(&db.path).len(), 5);
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
/// imports with `--skip-invalid` into a fresh database without a panic: the counts of
/// records read, customers made and records refused are written down per file (the
/// refused ones hold placeholder values such as a phone "BusinessPhone"), and a file
/// that is not a vCard at all is refused with a clear message.
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
            Ok((records, made, refused)) => {
                assert!(o.status.success(), "{file}: {}", stderr(&o));
                let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                let rep = &r["report"];
                let read = rep["files"][0]["records"].as_u64().unwrap() as usize;
                let created = rep["created"].as_u64().unwrap() as usize
                    + rep["merged"].as_array().unwrap().len();
                let bad = rep["invalid"].as_array().unwrap().len();
                assert_eq!(
                    (read, created, bad),
                    (*records, *made, *refused),
                    "{file}: {rep}"
                );
                for p in rep["invalid"].as_array().unwrap() {
                    assert!(!p["reason"].as_str().unwrap().is_empty(), "{file}: {p}");
                }
            }
            Err(message) => {
                assert_eq!(o.status.code(), Some(1), "{file}");
                assert!(stderr(&o).contains(message), "{file}: {}", stderr(&o));
            }
        }
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

/// (file, Ok((records read, customers created or merged, records refused)) or
/// Err(part of the message)).
type Expected = Result<(usize, usize, usize), &'static str>;

#[rustfmt::skip]
const EXPECTED_CONTACT_FILES: &[(&str, Expected)] = &[
    ("csv/roundcube/all.csv", Ok((1, 0, 1))),
    ("csv/roundcube/all.expected.vcf", Ok((1, 0, 1))),
    ("csv/roundcube/gmail.csv", Ok((1, 0, 1))),
    ("csv/roundcube/gmail.expected.vcf", Ok((1, 0, 1))),
    ("csv/roundcube/outlook.csv", Ok((1, 1, 0))),
    ("csv/roundcube/outlook.expected.vcf", Ok((1, 1, 0))),
    ("csv/roundcube/tb_plain.csv", Ok((1, 0, 1))),
    ("csv/roundcube/tb_plain.expected.vcf", Ok((1, 0, 1))),
    ("vcard/eds/10.vcf", Ok((1, 1, 0))),
    ("vcard/eds/11.vcf", Ok((1, 1, 0))),
    ("vcard/eds/12.vcf", Ok((1, 1, 0))),
    ("vcard/eds/13.vcf", Ok((1, 1, 0))),
    ("vcard/eds/4.vcf", Ok((1, 1, 0))),
    ("vcard/eds/5.vcf", Ok((1, 0, 1))),
    ("vcard/eds/6.vcf", Ok((1, 1, 0))),
    ("vcard/eds/9.vcf", Ok((1, 0, 1))),
    ("vcard/eds/sorted-3.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_ANDROID.vcf", Ok((6, 5, 1))),
    ("vcard/ez-vcard/John_Doe_BLACK_BERRY.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_EVOLUTION.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_GMAIL.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_IPHONE.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_LOTUS_NOTES.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/John_Doe_MS_OUTLOOK.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/fullcontact.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/gmail-list.vcf", Ok((3, 3, 0))),
    ("vcard/ez-vcard/gmail-single.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/gmail-single2.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/issue114.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/outlook-2003.vcf", Ok((1, 0, 1))),
    ("vcard/ez-vcard/outlook-2007.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/rfc2426-example.vcf", Ok((2, 2, 0))),
    ("vcard/ez-vcard/rfc6350-example.vcf", Ok((1, 1, 0))),
    ("vcard/ez-vcard/thunderbird-MoreFunctionsForAddressBook-extension.vcf", Ok((1, 1, 0))),
    ("vcard/ical-rs/property_error.vcf", Err(" line anywhere: this is not a vCard file")),
    ("vcard/ical-rs/vcard_input.vcf", Ok((1, 1, 0))),
    ("vcard/ical-rs/vcard_lowercase.vcf", Ok((1, 1, 0))),
    ("vcard/khard/altid.vcf", Ok((1, 1, 0))),
    ("vcard/khard/korean-c.vcf", Ok((1, 1, 0))),
    ("vcard/khard/labels.vcf", Ok((1, 1, 0))),
    ("vcard/khard/photov3.vcf", Ok((1, 1, 0))),
    ("vcard/khard/tel-value-uri.vcf", Ok((1, 1, 0))),
    ("vcard/khard/unparsable.vcf", Ok((1, 0, 1))),
    ("vcard/radicale/broken-vcards2.vcf", Ok((2, 2, 0))),
    ("vcard/radicale/contact4-with-bday-no-year.vcf", Ok((1, 1, 0))),
    ("vcard/radicale/contact_photo_with_data_uri_v4.vcf", Ok((1, 1, 0))),
    ("vcard/radicale/vcard-quoted-printable1.vcf", Ok((1, 1, 0))),
    ("vcard/vobject/radicale-1587.vcf", Ok((1, 1, 0))),
    ("vcard/vobject/vcard40_full.vcf", Ok((1, 1, 0))),
    ("vcard/vobject/vcard40_group.vcf", Ok((1, 1, 0))),
    ("vcard/vobject/vcard40_multilang.vcf", Ok((1, 1, 0))),
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
    let out = ok(p, &["import", csv.to_str().unwrap()]);
    assert!(out.contains("Created 1 customer"), "{out}");
    assert!(
        out.contains("(Ali R.) → #1: same phone 0912 345 6789"),
        "{out}"
    );
    assert_eq!(customer_names(p), ["Ali Rahimi", "Олег Петров"]);
}
