//! The vCard reader against real files from other projects (`../shared/data/vcard`,
//! described in `SOURCES.md`): every file reads without a panic, with the exact number
//! of records and problems, the hard values decode right, and every file survives a
//! round trip read → write → read.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rapport::io::vcard::{VcardOptions, read, write};
use rapport::io::{ContactRecord, Labeled, ReadOutcome};

/// Every `.vcf` file and what reading it gives: `Some((records, problems))`, or `None`
/// when the file as a whole is refused.
const EXPECTED: &[(&str, Option<(usize, usize)>)] = &[
    ("eds/10.vcf", Some((1, 0))),
    ("eds/11.vcf", Some((1, 0))),
    ("eds/12.vcf", Some((1, 0))),
    ("eds/13.vcf", Some((1, 0))),
    ("eds/4.vcf", Some((1, 0))),
    ("eds/5.vcf", Some((1, 0))),
    ("eds/6.vcf", Some((1, 0))),
    // Truncated: ends mid-property without END:VCARD (kept, with a warning).
    ("eds/9.vcf", Some((1, 0))),
    ("eds/sorted-3.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_ANDROID.vcf", Some((6, 0))),
    ("ez-vcard/John_Doe_BLACK_BERRY.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_EVOLUTION.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_GMAIL.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_IPHONE.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_LOTUS_NOTES.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf", Some((1, 0))),
    ("ez-vcard/John_Doe_MS_OUTLOOK.vcf", Some((1, 0))),
    ("ez-vcard/fullcontact.vcf", Some((1, 0))),
    ("ez-vcard/gmail-list.vcf", Some((3, 0))),
    ("ez-vcard/gmail-single.vcf", Some((1, 0))),
    ("ez-vcard/gmail-single2.vcf", Some((1, 0))),
    ("ez-vcard/issue114.vcf", Some((1, 0))),
    ("ez-vcard/outlook-2003.vcf", Some((1, 0))),
    ("ez-vcard/outlook-2007.vcf", Some((1, 0))),
    ("ez-vcard/rfc2426-example.vcf", Some((2, 0))),
    ("ez-vcard/rfc6350-example.vcf", Some((1, 0))),
    (
        "ez-vcard/thunderbird-MoreFunctionsForAddressBook-extension.vcf",
        Some((1, 0)),
    ),
    // Not a vCard: malformed content lines and no BEGIN:VCARD.
    ("ical-rs/property_error.vcf", None),
    ("ical-rs/vcard_input.vcf", Some((1, 0))),
    ("ical-rs/vcard_lowercase.vcf", Some((1, 0))),
    ("khard/altid.vcf", Some((1, 0))),
    ("khard/korean-c.vcf", Some((1, 0))),
    ("khard/labels.vcf", Some((1, 0))),
    ("khard/photov3.vcf", Some((1, 0))),
    ("khard/tel-value-uri.vcf", Some((1, 0))),
    // Truncated: no END:VCARD (kept, with a warning).
    ("khard/unparsable.vcf", Some((1, 0))),
    ("radicale/broken-vcards2.vcf", Some((2, 0))),
    ("radicale/contact4-with-bday-no-year.vcf", Some((1, 0))),
    ("radicale/contact_photo_with_data_uri_v4.vcf", Some((1, 0))),
    ("radicale/vcard-quoted-printable1.vcf", Some((1, 0))),
    ("vobject/radicale-1587.vcf", Some((1, 0))),
    ("vobject/vcard40_full.vcf", Some((1, 0))),
    // A group card: not a contact, left out with a note.
    ("vobject/vcard40_group.vcf", Some((0, 0))),
    ("vobject/vcard40_multilang.vcf", Some((1, 0))),
];

/// `../shared/data/vcard`, or `None` (with a notice) in a clone without it.
fn data_dir() -> Option<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if data.is_dir() {
        Some(data.join("vcard"))
    } else {
        eprintln!("{} not found; skipping", data.display());
        None
    }
}

fn vcf_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "vcf") {
                let rel = path.strip_prefix(dir).expect("inside").to_string_lossy();
                found.push(rel.replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

fn read_file(dir: &Path, name: &str) -> ReadOutcome {
    let bytes = std::fs::read(dir.join(name)).expect("readable file");
    read(&bytes, &VcardOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn phones(rec: &ContactRecord) -> Vec<(Option<&str>, &str)> {
    labeled(&rec.phones)
}

fn labeled(items: &[Labeled]) -> Vec<(Option<&str>, &str)> {
    items
        .iter()
        .map(|l| (l.label.as_deref(), l.value.as_str()))
        .collect()
}

#[test]
fn every_file_gives_the_expected_records_and_problems() {
    let Some(dir) = data_dir() else { return };
    let files = vcf_files(&dir);
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
    assert_eq!(files, listed, "the table must name every .vcf file");
    for (name, expected) in EXPECTED {
        let bytes = std::fs::read(dir.join(name)).expect("readable file");
        let got = read(&bytes, &VcardOptions::default());
        match (expected, got) {
            (Some((records, problems)), Ok(out)) => {
                assert_eq!(
                    (out.records.len(), out.problems.len()),
                    (*records, *problems),
                    "{name}: {:?}",
                    out.problems
                );
                assert_eq!(out.encoding, "UTF-8", "{name}");
                for (i, rec) in out.records.iter().enumerate() {
                    assert!(rec.raw.to_ascii_uppercase().starts_with("BEGIN:VCARD"));
                    assert!(rec.record > i && rec.line >= 1, "{name}");
                }
                for p in &out.problems {
                    assert!(p.reason.contains("END:VCARD"), "{name}: {p}");
                }
            }
            (None, Err(e)) => assert!(e.0.contains("BEGIN:VCARD"), "{name}: {e}"),
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn android_quoted_printable_names_notes_and_organisations() {
    let Some(dir) = data_dir() else { return };
    let out = read_file(&dir, "ez-vcard/John_Doe_ANDROID.vcf");
    let r = &out.records;
    assert_eq!(r[0].name, "");
    assert_eq!(labeled(&r[0].emails), [(None, "john.doe@company.com")]);
    assert_eq!(r[0].tags, ["My Contacts"]);
    assert_eq!(r[2].name, "Ñ Ñ Ñ Ñ Ñ");
    // A soft break splits the name after "Ñ=" and goes on with "=20Ñ".
    assert_eq!(r[3].name, ["Ñ"; 11].join(" "));
    let note = r[3].note.as_deref().expect("two notes");
    assert_eq!(note.split("\n\n").count(), 2);
    assert_eq!(r[4].name, "Ñ Ñ Ñ Ñ");
    assert_eq!(r[4].company.as_deref(), Some("Ñ".repeat(12).as_str()));
    assert_eq!(r[4].emails[1].value, "Ñ".repeat(14));
    // The first ORG ends in a soft break followed by a blank line; the third has a
    // stray =80 but is not used.
    assert_eq!(r[5].company.as_deref(), Some("Ñ".repeat(44).as_str()));
    assert_eq!(out.skipped.get("ORG"), Some(&3));
    assert_eq!(out.skipped.get("PHOTO"), Some(&1));
}

#[test]
fn chinese_and_german_quoted_printable() {
    let Some(dir) = data_dir() else { return };
    let rec = &read_file(&dir, "eds/5.vcf").records[0];
    let text = "十城目管理大型知座";
    assert_eq!(rec.name, text);
    assert_eq!(rec.title.as_deref(), Some(text));
    assert_eq!(rec.company.as_deref(), Some(text));
    assert_eq!(
        rec.address.as_deref(),
        Some([text; 4].join(", ").as_str()),
        "QP breaks inside characters, =0A newlines inside a component"
    );
    assert_eq!(phones(rec)[3], (Some("mobile"), text));

    let rec = &read_file(&dir, "eds/12.vcf").records[0];
    assert_eq!(rec.name, "Max Müller");
    assert_eq!(
        rec.address.as_deref(),
        Some("Musterstraße 1, Musterstadt, Baden-Württemberg, 12345")
    );
    assert_eq!(rec.birthday.as_deref(), Some("19781229"));
    assert_eq!(
        phones(rec),
        [
            (Some("mobile"), "+491555000001"),
            (Some("mobile"), "015550000002"),
            (Some("work"), "+4915550000003")
        ]
    );

    let rec = &read_file(&dir, "radicale/vcard-quoted-printable1.vcf").records[0];
    assert_eq!(rec.name, "黄世勇");
    assert_eq!(rec.address.as_deref(), Some("北京 丰台区"));
}

#[test]
fn caret_escapes_tel_uris_and_hangul() {
    let Some(dir) = data_dir() else { return };
    let rec = &read_file(&dir, "ez-vcard/issue114.vcf").records[0];
    assert_eq!(rec.name, "Dummy, Dummy");
    assert_eq!(
        phones(rec),
        [
            (Some("mobile"), "+49 1234 56789"),
            (Some("work"), "+49 9876 54321")
        ]
    );
    assert_eq!(
        labeled(&rec.emails),
        [(Some("home"), "dummy.dummy@dummy.com")]
    );
    // The LABEL parameter's unquoted colon ends the parameters (RFC 6350), so the
    // PO box and extended components hold the label's tail: left out, the real
    // components follow intact.
    assert_eq!(
        rec.address.as_deref(),
        Some("Dummy-Dummy-Strasse 1, Bad Homburg, 61352, Germany")
    );

    let rec = &read_file(&dir, "ez-vcard/rfc6350-example.vcf").records[0];
    assert_eq!(
        phones(rec),
        [
            (Some("work"), "+1-418-656-9254 ext. 102"),
            (Some("mobile"), "+1-418-262-6501")
        ]
    );
    assert_eq!(rec.birthday.as_deref(), Some("--0203"));
    assert_eq!(rec.company.as_deref(), Some("Viagenie"));
    assert_eq!(
        rec.address.as_deref(),
        Some("Suite D2-630, 2875 Laurier, Quebec, QC, G1V 2M2, Canada")
    );

    let rec = &read_file(&dir, "khard/tel-value-uri.vcf").records[0];
    assert_eq!(phones(rec), [(Some("mobile"), "67545678")]);
    assert_eq!(
        read_file(&dir, "khard/korean-c.vcf").records[0].name,
        "최유림"
    );
    let rec = &read_file(&dir, "vobject/vcard40_full.vcf").records[0];
    assert_eq!(rec.name, "Dr. John Q. Public, III");
    assert_eq!(rec.tags, ["BUSINESS", "NETWORKING"]);
    assert_eq!(rec.company.as_deref(), Some("Example Corp."));
    assert_eq!(
        rec.address.as_deref(),
        Some("456 Oak Lane, Somewhere, NY, 10001, U.S.A."),
        "the PREF=1 address"
    );
}

#[test]
fn apple_labels_and_mixed_line_endings() {
    let Some(dir) = data_dir() else { return };
    // iPhone: CR CR LF line ends, 586 folded PHOTO lines, X-ABLabel `_$!<…>!$_`.
    let out = read_file(&dir, "ez-vcard/John_Doe_IPHONE.vcf");
    let rec = &out.records[0];
    assert_eq!(rec.name, "Mr. John Richter James Doe Sr.");
    assert_eq!(
        phones(rec),
        [
            (Some("mobile"), "905-555-1234"),
            (Some("home"), "905-666-1234"),
            (Some("work"), "905-777-1234"),
            (Some("fax"), "905-888-1234"),
            (Some("fax"), "905-999-1234"),
            (Some("pager"), "905-111-1234"),
            (Some("AssistantPhone"), "905-222-1234"),
        ]
    );
    assert_eq!(rec.birthday.as_deref(), Some("2012-06-06"));
    assert_eq!(
        rec.address.as_deref(),
        Some("Silicon Alley 5,, New York, New York, 12345, United States of America")
    );
    assert_eq!(out.skipped.get("PHOTO"), Some(&1));
    assert_eq!(out.skipped.get("X-ABLABEL"), Some(&1), "the URL's label");

    // Mac: CRLF for properties, bare LF inside the folded PHOTO.
    let out = read_file(&dir, "ez-vcard/John_Doe_MAC_ADDRESS_BOOK.vcf");
    let rec = &out.records[0];
    assert_eq!(rec.name, "Mr. John Richter,James Doe Sr.");
    assert_eq!(phones(rec).len(), 7);
    assert_eq!(phones(rec)[6], (Some("AssistantPhone"), "905-222-1234"));
    assert_eq!(labeled(&rec.emails), [(Some("work"), "john.doe@ibm.com")]);
    assert_eq!(rec.birthday.as_deref(), Some("2012-06-06"));
    let note = rec.note.as_deref().expect("note");
    assert!(note.starts_with(
        "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\""
    ));
    assert!(
        note.ends_with("SUCH DAMAGE.\nFavotire Color: Blue"),
        "{note}"
    );
    assert_eq!(out.skipped.get("PHOTO"), Some(&1));
    assert_eq!(
        out.skipped.get("X-ABUID"),
        Some(&1),
        "parsing goes on after the PHOTO"
    );

    let rec = &read_file(&dir, "ez-vcard/gmail-single2.vcf").records[0];
    assert_eq!(rec.phones.len(), 11);
    assert_eq!(rec.phones[8].label.as_deref(), Some("GRAND_CENTRAL"));
    assert_eq!(
        rec.phones[10].label.as_deref(),
        Some("CustomePhoneCategory")
    );
    assert_eq!(
        labeled(&rec.emails)[4],
        (Some("CustomEmailCategory"), "customcategory@example.com")
    );
    assert_eq!(
        rec.address.as_deref(),
        Some("113 Main St, NY, New York, 10011")
    );
}

#[test]
fn outlook_quoted_printable_and_base64_blocks() {
    let Some(dir) = data_dir() else { return };
    let out = read_file(&dir, "ez-vcard/outlook-2003.vcf");
    let rec = &out.records[0];
    assert_eq!(rec.name, "John Doe III");
    assert_eq!(rec.company.as_deref(), Some("Company, The"));
    assert_eq!(
        rec.note.as_deref(),
        Some("This is the note field!!\nSecond line\n\nThird line is empty")
    );
    // After the indented base64 KEY and its blank lines.
    assert_eq!(labeled(&rec.emails), [(None, "jdoe@hotmail.com")]);
    assert_eq!(out.skipped.get("KEY"), Some(&1));
    assert_eq!(out.skipped.get("REV"), Some(&1));

    // A LABEL ending in a stray soft break does not swallow the next property.
    let out = read_file(&dir, "ez-vcard/outlook-2007.vcf");
    assert_eq!(out.skipped.get("X-MS-OL-DEFAULT-POSTAL-ADDRESS"), Some(&1));
    let rec = &out.records[0];
    assert_eq!(labeled(&rec.emails), [(None, "mike.angstadt@gmail.com")]);
    assert_eq!(rec.phones.len(), 4);

    // Outlook's placeholder phones are read; the importer drops them.
    let out = read_file(&dir, "ez-vcard/outlook-2003.vcf");
    let phones: Vec<&str> = out.records[0]
        .phones
        .iter()
        .map(|p| p.value.as_str())
        .collect();
    assert_eq!(
        phones,
        [
            "BusinessPhone",
            "HomePhone",
            "MobilePhone",
            "BusinessFaxPhone"
        ]
    );
    let out = read_file(&dir, "eds/9.vcf");
    let rec = &out.records[0];
    assert_eq!((rec.name.as_str(), rec.line), ("Frank Dawson", 1));
    assert_eq!(
        rec.warnings,
        ["the card starting on line 1 has no END:VCARD (file truncated?); imported what it holds"]
    );
    assert_eq!(rec.phones.len(), 2);
    let rec = &read_file(&dir, "ical-rs/vcard_input.vcf").records[0];
    assert_eq!(rec.line, 3, "blank lines before BEGIN");
    assert_eq!(rec.company.as_deref(), Some("ABC, Inc."));
    let out = read_file(&dir, "radicale/broken-vcards2.vcf");
    assert_eq!(out.records[1].name, "");
    assert_eq!(out.records[1].record, 2);
    assert_eq!(out.records[1].line, 10);
}

#[test]
fn every_file_survives_a_round_trip() {
    let Some(dir) = data_dir() else { return };
    for (name, expected) in EXPECTED {
        if expected.is_none() {
            continue;
        }
        let first = read_file(&dir, name);
        if first.records.is_empty() {
            continue;
        }
        let mut written = Vec::new();
        write(&first.records, &mut written).expect("written");
        let again = read(&written, &VcardOptions::default())
            .unwrap_or_else(|e| panic!("{name} written back: {e}"));
        assert!(again.problems.is_empty(), "{name}: {:?}", again.problems);
        assert_eq!(again.records.len(), first.records.len(), "{name}");
        for (a, b) in first.records.iter().zip(&again.records) {
            let fields = |r: &ContactRecord| {
                (
                    r.name.clone(),
                    r.kind,
                    r.company.clone(),
                    r.title.clone(),
                    r.phones.clone(),
                    r.emails.clone(),
                    r.address.clone(),
                    r.birthday.clone(),
                    r.note.clone(),
                    r.tags.clone(),
                )
            };
            assert_eq!(fields(a), fields(b), "{name} card {}", a.record);
        }
    }
}

/// Simple cards per second in one thread. Run it with
/// `cargo test --release --test vcard_files -- --ignored --nocapture`.
#[test]
#[ignore = "a timing, for release builds"]
fn read_speed() {
    let cards = 200_000;
    let mut simple = Vec::new();
    let mut full = Vec::new();
    for i in 0..cards {
        simple.extend(
            format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL;TYPE=CELL:+1 555 {i:07}\r\n\
                 EMAIL;TYPE=INTERNET:p{i}@example.com\r\nEND:VCARD\r\n"
            )
            .as_bytes(),
        );
        full.extend(
            format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iOS 5.0.1//EN\r\n\
                 N:Müller{i};Jürgen;;Dr.;\r\nFN:Dr. Jürgen Müller{i}\r\nORG:Acme GmbH;Sales\r\n\
                 TITLE:Head of Sales\r\nTEL;type=CELL;type=VOICE;type=pref:+49 170 {i:07}\r\n\
                 item1.TEL:+49 30 {i:07}\r\nitem1.X-ABLabel:_$!<Main>!$_\r\n\
                 EMAIL;type=INTERNET;type=WORK;type=pref:j{i}@acme.example\r\n\
                 ADR;TYPE=WORK:;;Hauptstraße {i};Berlin;;10115;Germany\r\n\
                 NOTE:Met at the fair\\, wants a quote.\\nCall back in May\r\n\
                 CATEGORIES:VIP,Trade fair\r\nBDAY:1980-03-22\r\nUID:{i}\r\n\
                 REV:2012-03-05T13:32:54Z\r\nEND:VCARD\r\n"
            )
            .as_bytes(),
        );
    }
    for (what, bytes) in [("simple", &simple), ("full", &full)] {
        let start = Instant::now();
        let out = read(bytes, &VcardOptions::default()).expect("readable");
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(out.records.len(), cards);
        let rate = cards as f64 / secs;
        println!(
            "{what}: {cards} cards ({:.1} MB) in {:.3} s = {:.0} cards/s",
            bytes.len() as f64 / 1e6,
            secs,
            rate
        );
        if !cfg!(debug_assertions) {
            assert!(rate > 20_000.0, "{what}: {rate:.0} cards/s");
        }
    }
}
