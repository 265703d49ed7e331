use proptest::prelude::*;

use super::*;

fn read_ok(bytes: &[u8]) -> ReadOutcome {
    read(bytes, &VcardOptions::default()).expect("readable")
}

/// The only record of a file.
fn one(bytes: &[u8]) -> ContactRecord {
    let out = read_ok(bytes);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.records.len(), 1, "{:?}", out.records);
    out.records.into_iter().next().expect("one record")
}

fn card(body: &str) -> Vec<u8> {
    format!("BEGIN:VCARD\r\nVERSION:3.0\r\n{body}END:VCARD\r\n").into_bytes()
}

fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
    }
    for unit in text.encode_utf16() {
        out.extend(if le {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    out
}

#[test]
fn folds_with_space_tab_and_inside_a_utf8_character() {
    // "Jürgen" folded between the two bytes of "ü", with a TAB continuation after.
    let mut bytes = b"BEGIN:VCARD\r\nFN:J\xC3".to_vec();
    bytes.extend(b"\r\n \xBCrgen M\r\n\tustermann\r\nNOTE:a\r\n b\r\nEND:VCARD\r\n");
    let rec = one(&bytes);
    assert_eq!(rec.name, "Jürgen Mustermann");
    assert_eq!(rec.note.as_deref(), Some("ab"));
}

#[test]
fn a_fold_inside_parameters_and_after_blank_lines() {
    // eds/13: a TAB fold inside a TYPE list; ical-rs: a fold after a blank line;
    // iPhone: CR CR LF puts a blank line after every line, folds included.
    let rec =
        one(b"BEGIN:VCARD\nTEL;TYPE=VOICE,M\n\tSG,WORK:+1 919\nNOTE:one\n\n two\nEND:VCARD\n");
    assert_eq!(rec.phones, vec![Labeled::new(Some("work"), "+1 919")]);
    assert_eq!(rec.note.as_deref(), Some("onetwo"));
    let rec = one(b"BEGIN:VCARD\r\r\nFN:Jo\r\r\n hn\r\r\nEND:VCARD\r\r\n");
    assert_eq!(rec.name, "John");
}

#[test]
fn mixed_line_endings_and_line_numbers() {
    let out = read_ok(b"junk\rBEGIN:VCARD\r\nFN:A\nEND:VCARD\r\rBEGIN:VCARD\nFN:B\rEND:VCARD");
    let names: Vec<_> = out.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(out.records[0].line, 2);
    assert_eq!(out.records[1].line, 6);
    assert_eq!(out.records[1].record, 2);
    assert_eq!(out.skipped.get(OUTSIDE_A_CARD), Some(&1));
    assert_eq!(out.records[0].raw, "BEGIN:VCARD\r\nFN:A\nEND:VCARD");
}

#[test]
fn quoted_printable_soft_break_inside_a_utf8_sequence() {
    // eds/5.vcf: the break falls between =E5 and =BA=A7 of one character.
    let rec = one(
        b"BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=UTF-8;QUOTED-PRINTABLE:=E5=8D=81=E5=\n=BA=A7\n\
          NOTE;ENCODING=QUOTED-PRINTABLE:line=0D=0Anext =3D ok=\n\nTITLE:t\nEND:VCARD\n",
    );
    assert_eq!(rec.name, "十座");
    assert_eq!(rec.note.as_deref(), Some("line\nnext = ok"));
    assert_eq!(rec.title.as_deref(), Some("t"));
}

#[test]
fn a_stray_soft_break_before_the_next_property_does_not_swallow_it() {
    // outlook-2007: a LABEL ends in `=0D=0A=` right before the next property.
    let rec = one(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nLABEL;ENCODING=QUOTED-PRINTABLE:222 Broadway=0D=0A=\r\n\
          New York=0D=0A=\r\nTITLE:Boss\r\nEND:VCARD\r\n",
    );
    assert_eq!(rec.title.as_deref(), Some("Boss"));
    let rec = one(b"BEGIN:VCARD\r\nNOTE;QUOTED-PRINTABLE:x=\r\nEND:VCARD\r\n");
    assert_eq!(rec.note.as_deref(), Some("x"));
    let out = read_ok(
        b"begin:vcard\nnote;quoted-printable:a=\nend:vcard\nbegin:vcard\nfn:B\nend:vcard\n",
    );
    assert_eq!(out.records.len(), 2);
    assert_eq!(out.records[0].note.as_deref(), Some("a"));
}

#[test]
fn vcard21_bare_params_and_base64_ended_by_a_blank_line() {
    // outlook-2003: indented base64 ended by blank lines; BlackBerry-style unindented.
    let rec = one(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL;PREF:123\r\nTEL;WORK;FAX:456\r\n\
          KEY;X509;ENCODING=BASE64:\r\n    MIIDITCCAoqg\r\n    AwIBAgIQT52W\r\n\r\n\r\n\
          PHOTO;BASE64:\r\nAAAA\r\nBBBB==\r\n\r\nEMAIL;PREF;INTERNET:a@b.c\r\nEND:VCARD\r\n",
    );
    assert_eq!(
        rec.phones,
        vec![
            Labeled::new(Some("mobile"), "123"),
            Labeled::new(Some("fax"), "456")
        ]
    );
    assert_eq!(rec.emails, vec![Labeled::new(None, "a@b.c")]);
}

#[test]
fn caret_escapes_and_quoted_params_with_colons() {
    let line =
        b"ADR;TYPE=work;LABEL=\"Main St^n^'Old^' Town: ^^1\";X-A=\"p;q,r\":;;Main St;Town;;;";
    let layout = Layout::parse(line).expect("parses");
    assert_eq!(layout.value(line), b";;Main St;Town;;;");
    let label = layout
        .params(line)
        .find(|p| p.is("LABEL"))
        .map(|p| caret_decode(unquote(p.value)).into_owned());
    assert_eq!(label.as_deref(), Some("Main St\n\"Old\" Town: ^1"));
    let names: Vec<_> = layout
        .params(line)
        .filter_map(|p| p.name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    assert_eq!(names, ["TYPE", "LABEL", "X-A"]);
    let rec = one(&card(
        "TEL;X-COUCHDB-UUID=\"a:b\";TYPE=\"work,voice\":tel:+1-418-656-9254;ext=102\r\n",
    ));
    assert_eq!(
        rec.phones,
        vec![Labeled::new(Some("work"), "+1-418-656-9254 ext. 102")]
    );
    assert_eq!(
        tel_uri_number("+1-555;phone-context=x;EXT=7"),
        "+1-555 ext. 7"
    );
    assert_eq!(tel_uri_number("+1-555;isub=1"), "+1-555");
}

#[test]
fn malformed_and_empty_params_are_tolerated() {
    // eds/6 and eds/11.
    let rec = one(&card(
        "FN:F\r\nADR;TYPE=WORK,:;;Street\r\nTEL;TYPE=VOICE;MSG,WORK:1\r\nTEL;FAX,WORK:2\r\n\
         TITLE;:t\r\nNOTE;PARAM=value;;X=\"unclosed:n\r\nEMAIL;=;TYPE=:e@x\r\n",
    ));
    assert_eq!(rec.address.as_deref(), Some("Street"));
    assert_eq!(
        rec.phones,
        vec![
            Labeled::new(Some("work"), "1"),
            Labeled::new(Some("fax"), "2")
        ]
    );
    assert_eq!(rec.title.as_deref(), Some("t"));
    assert_eq!(rec.note.as_deref(), Some("n"));
    assert_eq!(rec.emails, vec![Labeled::new(None, "e@x")]);
}

#[test]
fn escapes_structured_values_and_lists() {
    let rec = one(&card(
        "FN:Public\\, John\\; Q.\r\nN:Public;John;;;\r\nORG:ABC\\, Inc.;Sales;East\r\n\
         CATEGORIES:VIP,Partner\\, EU,VIP\r\nNOTE:a\\nb\\\\c \\\"q\\\" C:\\Users\r\n\
         ADR;TYPE=home:;;1 Main St\\nFloor 2;Town;;;\r\n",
    ));
    assert_eq!(rec.name, "Public, John; Q.");
    assert_eq!(rec.company.as_deref(), Some("ABC, Inc."));
    // Every comma separates categories, escaped or not (Thunderbird escapes them).
    assert_eq!(rec.tags, ["VIP", "Partner", "EU"]);
    assert_eq!(rec.department.as_deref(), Some("Sales, East"));
    assert_eq!(rec.note.as_deref(), Some("a\nb\\c \"q\" C:\\Users"));
    assert_eq!(rec.address.as_deref(), Some("1 Main St, Floor 2, Town"));
}

#[test]
fn name_from_n_when_there_is_no_fn() {
    let rec = one(&card("N:Stevenson;John;Philip,Paul;Dr.;Jr.,M.D.\r\n"));
    assert_eq!(rec.name, "Dr. John Philip Paul Stevenson Jr., M.D.");
    let rec = one(&card("EMAIL:x@y.z\r\n"));
    assert_eq!(rec.name, "");
}

#[test]
fn kind_labels_and_the_preferred_address() {
    let rec = one(&card(
        "KIND:org\r\nFN:Acme\r\nitem1.TEL:1\r\nitem1.X-ABLabel:_$!<Main>!$_\r\n\
         item2.TEL:2\r\nitem2.X-ABLabel:Assistant\r\nitem3.X-ABLabel:unused\r\n\
         EMAIL;TYPE=INTERNET;TYPE=HOME:h@x\r\nEMAIL:mailto:m@x\r\n\
         ADR;TYPE=home:;;Home St;;;;\r\nADR;TYPE=work:;;Work St;;;;\r\n",
    ));
    assert_eq!(rec.kind, Some(CustomerKind::Company));
    assert_eq!(
        rec.phones,
        vec![
            Labeled::new(Some("main"), "1"),
            Labeled::new(Some("Assistant"), "2")
        ]
    );
    assert_eq!(
        rec.emails,
        vec![Labeled::new(Some("home"), "h@x"), Labeled::new(None, "m@x")]
    );
    assert_eq!(rec.address.as_deref(), Some("Work St"));
    assert_eq!(rec.second_address.as_deref(), Some("Home St"));
    let out = read_ok(&card(
        "X-ABShowAs:COMPANY\r\nitem3.X-ABLabel:unused\r\nADR;PREF=1:;;P;;;;\r\nADR;TYPE=work:;;W;;;;\r\n\
         ADR:;;Third;;;;\r\n",
    ));
    assert_eq!(out.records[0].kind, Some(CustomerKind::Company));
    assert_eq!(out.records[0].address.as_deref(), Some("P"));
    assert_eq!(out.records[0].second_address.as_deref(), Some("W"));
    assert_eq!(out.skipped.get("X-ABLABEL"), Some(&1));
    assert_eq!(out.skipped.get("ADR"), Some(&1));
}

#[test]
fn the_preferred_phone_and_email_come_first() {
    // vCard 3.0 TYPE=pref, 4.0 PREF=n (lowest first), 2.1 a bare PREF.
    let rec = one(&card(
        "FN:A\r\nTEL;TYPE=home:1111\r\nTEL;TYPE=work,pref:2222\r\n\
         EMAIL:a@x.org\r\nEMAIL;PREF=2:b@x.org\r\nEMAIL;PREF=1:c@x.org\r\n",
    ));
    let phones: Vec<&str> = rec.phones.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(phones, ["2222", "1111"]);
    let emails: Vec<&str> = rec.emails.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(emails, ["c@x.org", "b@x.org", "a@x.org"]);
    let rec = one(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:B\r\nTEL;HOME:1111\r\nTEL;CELL;PREF:3333\r\nEND:VCARD\r\n");
    assert_eq!(rec.phones[0].value, "3333");
}

#[test]
fn empty_addresses_categories_escapes_and_outlook_address_spill() {
    // An empty work address does not beat a filled home one.
    let rec = one(&card(
        "FN:A\r\nADR;TYPE=WORK:;;;;;;\r\nADR;TYPE=HOME:;;1 Home St;Town;;;\r\n",
    ));
    assert_eq!(rec.address.as_deref(), Some("1 Home St, Town"));
    assert_eq!(rec.second_address, None);
    // Thunderbird escapes the commas between categories.
    let rec = one(&card("FN:A\r\nCATEGORIES:a\\, b\\, c\r\n"));
    assert_eq!(rec.tags, ["a", "b", "c"]);
    // Outlook's unquoted LABEL spills into the PO box and extended components.
    let rec = one(&card(
        "FN:A\r\nADR;TYPE=work;LABEL=Str 1^nGERMANY^': BHG01:^n61352 Bad Homburg:;BHG01:;Str 1;Bad Homburg;;61352;Germany\r\n",
    ));
    assert_eq!(
        rec.address.as_deref(),
        Some("Str 1, Bad Homburg, 61352, Germany")
    );
}

#[test]
fn nicknames_websites_departments_and_group_cards() {
    let rec = one(&card(
        "FN:Ann\r\nNICKNAME:Annie,A.\r\nURL:https://ann.example\r\nURL:https://two.example\r\n\
         ORG:Acme;Sales;EMEA\r\nTITLE:Buyer\r\n",
    ));
    assert_eq!(rec.nickname.as_deref(), Some("Annie, A."));
    assert_eq!(rec.website.as_deref(), Some("https://ann.example"));
    assert_eq!(rec.company.as_deref(), Some("Acme"));
    assert_eq!(rec.department.as_deref(), Some("Sales, EMEA"));
    // A group card is left out with a note; the cards around it come out.
    let mut bytes = card("FN:Before\r\n");
    bytes.extend(card(
        "KIND:group\r\nFN:The Doe Family\r\nMEMBER:mailto:kid@example.com\r\n",
    ));
    bytes.extend(card("FN:After\r\n"));
    let out = read_ok(&bytes);
    let names: Vec<&str> = out.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Before", "After"]);
    assert!(out.problems.is_empty());
    assert_eq!(out.skipped.get("group cards (KIND:group)"), Some(&1));
    assert!(
        out.notes[0].contains("record 2") && out.notes[0].contains("The Doe Family"),
        "{:?}",
        out.notes
    );
}

#[test]
fn quoted_printable_without_a_charset_is_guessed_from_the_decoded_text() {
    // `Iksi=F1ski` is Iksiński in ISO-8859-2 (and windows-1250), Iksiñski in windows-1252:
    // the Polish domain and text tell them apart, and the report says it was a guess.
    let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\n\
        N;ENCODING=QUOTED-PRINTABLE:Iksi=F1ski;Jan\r\n\
        FN;ENCODING=QUOTED-PRINTABLE:Jan Iksi=F1ski\r\n\
        ORG;ENCODING=QUOTED-PRINTABLE:Przedsi=EAbiorstwo Us=B3ugowe Gda=F1sk\r\n\
        EMAIL:jan@firma.pl\r\nEND:VCARD\r\n";
    let out = read_ok(bytes);
    assert_eq!(out.records[0].name, "Jan Iksiński");
    assert_eq!(
        out.records[0].company.as_deref(),
        Some("Przedsiębiorstwo Usługowe Gdańsk")
    );
    assert!(out.encoding.ends_with("(guessed)"), "{}", out.encoding);
    assert!(out.encoding.starts_with("ISO-8859-2") || out.encoding.starts_with("windows-1250"));
    assert!(
        out.notes[0].contains("without a CHARSET"),
        "{:?}",
        out.notes
    );
}

#[test]
fn skipped_properties_are_counted_by_upper_case_name() {
    let out = read_ok(&card(
        "FN:A\r\nFN:B\r\nphoto;encoding=b;type=png:AAAA\r\n AAAA\r\nitem1.x-foo:1\r\nUID:u\r\n\
         ORG:Org;Dept\r\nNOTE;ENCODING=b:AAAA\r\n",
    ));
    let skipped: Vec<_> = out.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        skipped,
        [
            ("FN", 1),
            ("NOTE", 1),
            ("PHOTO", 1),
            ("UID", 1),
            ("X-FOO", 1)
        ]
    );
    assert_eq!(out.records[0].name, "A");
    assert_eq!(out.records[0].department.as_deref(), Some("Dept"));
    assert_eq!(out.records[0].note, None);
}

#[test]
fn declared_charsets_windows_1252_and_iso_8859_1() {
    let rec = one(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=windows-1252:M\xfcller \x80\r\n\
          ORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:K=F6ln =\r\nGmbH\r\n\
          NOTE;CHARSET=ISO8859-1:Stra\xdfe\r\nTITLE;CHARSET=\"utf-8\":Gesch\xc3\xa4ftsf\xc3\xbchrer\r\n\
          END:VCARD\r\n",
    );
    assert_eq!(rec.name, "Müller €");
    assert_eq!(rec.company.as_deref(), Some("Köln GmbH"));
    assert_eq!(rec.note.as_deref(), Some("Straße"));
    assert_eq!(rec.title.as_deref(), Some("Geschäftsführer"));
}

#[test]
fn unknown_or_wrong_charsets_keep_the_card_with_a_warning() {
    let mut bytes = card("FN;CHARSET=klingon:Worf\r\n");
    bytes.extend(card("FN;CHARSET=UTF-8:good\r\n"));
    bytes.extend(b"BEGIN:VCARD\r\nFN;CHARSET=UTF-8:bad \xff\r\nEND:VCARD\r\n");
    bytes.extend(card("FN:Fine\r\n"));
    let out = read_ok(&bytes);
    assert!(out.problems.is_empty());
    let names: Vec<_> = out.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Worf", "good", "bad ÿ", "Fine"]);
    let first = &out.records[0].warnings;
    assert!(first[0].contains("klingon"), "{first:?}");
    let third = &out.records[2].warnings;
    assert!(
        third[0].contains("FN") && third[0].contains("UTF-8"),
        "{third:?}"
    );
    assert!(out.records[1].warnings.is_empty() && out.records[3].warnings.is_empty());
}

#[test]
fn undeclared_legacy_text_is_guessed_and_forced_encodings_win() {
    let bytes = b"BEGIN:VCARD\r\nFN:J\xfcrgen M\xfcller\r\nNOTE:Stra\xdfe 5, K\xf6ln, \xc4rger\r\nEND:VCARD\r\n";
    let out = read_ok(bytes);
    assert_eq!(out.encoding, "windows-1252 (guessed)");
    assert_eq!(out.records[0].name, "Jürgen Müller");
    assert_eq!(out.records[0].raw.lines().nth(1), Some("FN:Jürgen Müller"));
    let koi8 = decode::encoding_for_label("koi8-r").expect("known");
    let (name, _, _) = koi8.encode("Иван Петров");
    let mut bytes = b"BEGIN:VCARD\r\nFN:".to_vec();
    bytes.extend(name.iter());
    bytes.extend(b"\r\nORG;CHARSET=UTF-8:\xd0\x9e\xd0\x9e\xd0\x9e\r\nEND:VCARD\r\n");
    let out = read(
        &bytes,
        &VcardOptions {
            encoding: Some(koi8),
        },
    )
    .expect("readable");
    assert_eq!(out.encoding, "KOI8-R");
    assert_eq!(out.records[0].name, "Иван Петров");
    assert_eq!(out.records[0].company.as_deref(), Some("ООО"));
}

#[test]
fn utf16_with_and_without_bom_in_both_byte_orders() {
    let text =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ада Лавлейс\r\nTEL;TYPE=cell:+44 20\r\nEND:VCARD\r\n";
    for (le, bom) in [(true, true), (true, false), (false, true), (false, false)] {
        let out = read_ok(&utf16(text, le, bom));
        assert_eq!(out.encoding, if le { "UTF-16LE" } else { "UTF-16BE" });
        assert_eq!(out.records.len(), 1, "le={le} bom={bom}");
        assert_eq!(out.records[0].name, "Ада Лавлейс");
        assert_eq!(out.records[0].phones[0].label.as_deref(), Some("mobile"));
    }
    let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
    utf8_bom.extend(text.as_bytes());
    assert_eq!(read_ok(&utf8_bom).records[0].name, "Ада Лавлейс");
    // A lone surrogate: the file as a whole cannot be read.
    let mut broken = utf16(text, true, true);
    broken.extend([0x00, 0xD8, b'A', 0]);
    let err = read(&broken, &VcardOptions::default()).unwrap_err();
    assert!(err.0.contains("UTF-16LE"), "{err}");
}

#[test]
fn a_truncated_card_is_kept_with_a_warning() {
    let mut bytes = card("FN:Whole\r\n");
    bytes.extend(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\nTEL:1234");
    let out = read_ok(&bytes);
    assert!(out.problems.is_empty());
    let names: Vec<_> = out.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Whole", "Cut"]);
    let cut = &out.records[1];
    assert_eq!((cut.record, cut.line), (2, 5));
    assert_eq!(cut.phones[0].value, "1234");
    assert_eq!(
        cut.warnings,
        ["the card starting on line 5 has no END:VCARD (file truncated?); imported what it holds"]
    );
    assert!(cut.raw.ends_with("TEL:1234"));
    assert!(out.records[0].warnings.is_empty());
    // A new card begins before the open one ended.
    let out = read_ok(b"BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\n");
    let names: Vec<_> = out.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(out.records[0].line, 1);
    assert!(!out.records[0].warnings.is_empty());
}

#[test]
fn a_vcard21_agent_card_is_nested_not_a_new_card() {
    let out = read_ok(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Boss\r\nAGENT:\r\nBEGIN:VCARD\r\nFN:Agent\r\nEND:VCARD\r\n\
          TITLE:CEO\r\nEND:VCARD\r\n",
    );
    assert!(out.problems.is_empty());
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.records[0].name, "Boss");
    assert_eq!(out.records[0].title.as_deref(), Some("CEO"));
    assert_eq!(out.skipped.get("AGENT"), Some(&1));
}

#[test]
fn empty_garbage_and_non_vcard_input_is_a_clear_error() {
    for bytes in [
        &b""[..],
        b"\r\n \n",
        b"\xff\xfe\xfd garbage",
        b"NAME;ARG=\"x\n:No name\n",
    ] {
        let err = read(bytes, &VcardOptions::default()).unwrap_err();
        assert!(!err.0.is_empty());
    }
    let err = read(b"hello", &VcardOptions::default()).unwrap_err();
    assert!(err.0.contains("BEGIN:VCARD"), "{err}");
    let err = read(b"", &VcardOptions::default()).unwrap_err();
    assert!(err.0.contains("empty"), "{err}");
    // Garbage around and inside a card does not derail it.
    let out =
        read_ok(b"\x00\x01junk\nBEGIN:VCARD\n\xff\xfe\nFN:X\n:novalue\nEND:VCARD\nEND:VCARD\n");
    assert_eq!(out.records[0].name, "X");
    assert_eq!(out.skipped.get(MALFORMED), Some(&2));
    assert_eq!(out.skipped.get(OUTSIDE_A_CARD), Some(&2));
}

#[test]
fn qp_decoding_keeps_odd_equals_signs() {
    assert_eq!(qp_decode(b"a=3Db=3d=ZZc=4"), b"a=b==ZZc=4");
    assert_eq!(qp_decode(b"end="), b"end");
}

fn sample() -> ContactRecord {
    ContactRecord {
        record: 1,
        line: 1,
        kind: None,
        name: "Zoë Ångström-Østergård".to_string(),
        company: Some("Smith; Jones, \\ Partners".to_string()),
        title: Some("Head of 研究開発".to_string()),
        department: Some("R&D; Nordics".to_string()),
        nickname: Some("Zo, Z".to_string()),
        phones: vec![
            Labeled::new(Some("mobile"), "+46 70 123 45 67"),
            Labeled::new(Some("fax"), "+46 8 123"),
            Labeled::new(Some("Assistant, 2nd"), "+46 8 999"),
            Labeled::new(None, "0800 123"),
        ],
        emails: vec![
            Labeled::new(Some("work"), "zoe@example.se"),
            Labeled::new(Some("school"), "z@uni.se"),
        ],
        address: Some("Storgatan 1, 111 22 Stockholm, Sverige".to_string()),
        second_address: Some("Box 5, 111 23 Stockholm".to_string()),
        birthday: Some("1985-04-15".to_string()),
        website: Some("https://zoe.example.se/a;b,c".to_string()),
        note: Some(format!("Line one\n\nÜber {}", "长".repeat(60))),
        tags: vec!["VIP".to_string(), "Nordics; EU".to_string()],
        kept: Vec::new(),
        warnings: Vec::new(),
        raw: String::new(),
    }
}

fn same_fields(a: &ContactRecord, b: &ContactRecord) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.kind, b.kind);
    assert_eq!(a.company, b.company);
    assert_eq!(a.department, b.department);
    assert_eq!(a.title, b.title);
    assert_eq!(a.nickname, b.nickname);
    assert_eq!(a.second_address, b.second_address);
    assert_eq!(a.website, b.website);
    assert_eq!(a.phones, b.phones);
    assert_eq!(a.emails, b.emails);
    assert_eq!(a.address, b.address);
    assert_eq!(a.birthday, b.birthday);
    assert_eq!(a.note, b.note);
    assert_eq!(a.tags, b.tags);
}

#[test]
fn write_folds_at_75_octets_without_splitting_characters_and_reads_back() {
    let mut company = sample();
    company.kind = Some(CustomerKind::Company);
    company.name = "Acme AB".to_string();
    company.birthday = Some("spring 1990".to_string());
    let records = vec![sample(), company, ContactRecord::default()];
    let mut out = Vec::new();
    write(&records, &mut out).expect("written");
    let text = String::from_utf8(out.clone()).expect("folds keep UTF-8 whole");
    assert!(text.ends_with("END:VCARD\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    assert!(text.contains("VERSION:4.0\r\n"));
    assert!(text.contains("KIND:org\r\n"));
    assert!(text.contains("TEL;TYPE=cell:+46 70 123 45 67\r\n"));
    assert!(text.contains("N:Ångström-Østergård;Zoë;;;\r\n"));
    assert!(text.contains("BDAY;VALUE=text:spring 1990\r\n"));
    let back = read_ok(&out);
    assert!(back.problems.is_empty());
    assert_eq!(back.records.len(), 3);
    for (a, b) in records.iter().zip(&back.records) {
        same_fields(a, b);
    }
}

#[test]
fn folding_never_splits_a_character() {
    for prefix in 0..8 {
        let line = format!("NOTE:{}{}", "x".repeat(prefix), "€".repeat(100));
        let mut out = Vec::new();
        write_folded(&mut out, &line).expect("written");
        let text = String::from_utf8(out).expect("whole characters");
        assert_eq!(text.replace("\r\n ", "").trim_end(), line);
    }
}

/// A card with most of what the reader handles, for mutation.
const VALID: &str = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91;A=\r\nB;;;\r\n\
    FN:Ann\\, B\r\nTEL;CELL;PREF:123\r\nitem1.EMAIL;TYPE=\"work,pref\":a@b.c\r\nitem1.X-ABLabel:x\r\n\
    ADR;WORK:;;1 St\r\n ;Town;;;\r\nCATEGORIES:a,b\\,c\r\nNOTE:n^n\\n\r\nPHOTO;BASE64:\r\n AAAA\r\n\r\nEND:VCARD\r\n";

fn check(bytes: &[u8]) {
    match read(bytes, &VcardOptions::default()) {
        Ok(out) => {
            for p in &out.problems {
                assert!(!p.reason.is_empty());
            }
            assert!(!out.encoding.is_empty());
        }
        Err(e) => assert!(!e.0.is_empty()),
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
        let mut with_card = b"BEGIN:VCARD\n".to_vec();
        with_card.extend(&bytes);
        check(&with_card);
    }

    #[test]
    fn mutated_cards_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12)
    ) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => bytes.push(byte),
            }
        }
        check(&bytes);
        let forced = VcardOptions { encoding: Some(encoding_rs::SHIFT_JIS) };
        let _ = read(&bytes, &forced);
    }

    #[test]
    fn written_text_reads_back(
        name in "[^\\x00-\\x1f]{0,40}",
        note in "\\PC{0,200}",
        tag in "[a-zA-Z ;\\\\]{1,20}",
    ) {
        let rec = ContactRecord {
            name: name.trim().to_string(),
            note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
            tags: vec![tag.trim().to_string()].into_iter().filter(|t| !t.is_empty()).collect(),
            ..ContactRecord::default()
        };
        let mut out = Vec::new();
        write(std::slice::from_ref(&rec), &mut out).expect("written");
        let back = read(&out, &VcardOptions::default()).expect("readable");
        prop_assert_eq!(back.records.len(), 1);
        prop_assert_eq!(&back.records[0].name, &rec.name);
        prop_assert_eq!(&back.records[0].tags, &rec.tags);
        prop_assert_eq!(&back.records[0].note, &rec.note);
    }
}
