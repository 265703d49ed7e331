use super::*;

fn read(text: &str) -> ReadOutcome {
    read_contacts(text.as_bytes(), &CsvOptions::default()).unwrap()
}

fn mapped(text: &str, map: &str) -> Result<ReadOutcome, ReadError> {
    let opts = CsvOptions {
        encoding: None,
        map: Some(FieldMap::parse(map).unwrap()),
    };
    read_contacts(text.as_bytes(), &opts)
}

fn l(label: Option<&str>, value: &str) -> Labeled {
    Labeled::new(label, value)
}

#[test]
fn google_old_headers_slots_labels_and_groups() {
    let out = read(
        "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,\
         Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,Organization 1 - Title,\
         Notes,Birthday,Address 1 - Type,Address 1 - Formatted,Website 1 - Value\n\
         Ada Lovelace,Ada,Lovelace,* myContacts ::: Friends ::: * Starred,* Home,\
         ada@x.org ::: ada@y.org,Mobile,+44 1,Analytical,Countess,\"likes \"\"maths\"\"\",\
         1815-12-10,Home,\"12 St James's Sq\nLondon\",http://ada\n",
    );
    assert!(out.problems.is_empty());
    let r = &out.records[0];
    assert_eq!(r.name, "Ada Lovelace");
    assert_eq!(
        r.emails,
        vec![l(Some("Home"), "ada@x.org"), l(Some("Home"), "ada@y.org")]
    );
    assert_eq!(r.phones, vec![l(Some("Mobile"), "+44 1")]);
    assert_eq!(r.tags, vec!["Friends", "Starred"]);
    assert_eq!(r.company.as_deref(), Some("Analytical"));
    assert_eq!(r.title.as_deref(), Some("Countess"));
    assert_eq!(r.note.as_deref(), Some("likes \"maths\""));
    assert_eq!(r.birthday.as_deref(), Some("1815-12-10"));
    assert_eq!(r.address.as_deref(), Some("12 St James's Sq, London"));
    assert_eq!((r.record, r.line), (1, 2));
    // The website is kept; the address type is left out, by column name.
    assert_eq!(r.website.as_deref(), Some("http://ada"));
    assert_eq!(out.skipped.get("Address 1 - Type"), Some(&1));
    assert_eq!(out.skipped.get("Given Name"), None);
    assert_eq!(out.encoding, "UTF-8");
}

#[test]
fn google_new_headers_build_the_name_from_parts() {
    let out = read(
        "First Name,Middle Name,Last Name,Phonetic First Name,Name Prefix,Nickname,\
         Organization Name,Organization Title,Labels,E-mail 1 - Label,E-mail 1 - Value,\
         Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n\
         Grace,Brewster,Hopper,gureisu,Rear Adm.,Amazing Grace,US Navy,Officer,\
         Navy ::: * myContacts,* Work,grace@navy.mil,Work,555-1,,555-2 ::: 555-3\n",
    );
    let r = &out.records[0];
    assert_eq!(r.name, "Rear Adm. Grace Brewster Hopper");
    assert_eq!(r.company.as_deref(), Some("US Navy"));
    assert_eq!(r.title.as_deref(), Some("Officer"));
    assert_eq!(r.tags, vec!["Navy"]);
    assert_eq!(r.emails, vec![l(Some("Work"), "grace@navy.mil")]);
    assert_eq!(
        r.phones,
        vec![l(Some("Work"), "555-1"), l(None, "555-2"), l(None, "555-3")]
    );
    // The nickname is kept beside the name.
    assert_eq!(r.nickname.as_deref(), Some("Amazing Grace"));
    assert_eq!(out.skipped.get("Nickname"), None);
    assert_eq!(out.skipped.get("Phonetic First Name"), Some(&1));
}

#[test]
fn outlook_headers_and_labels_from_column_names() {
    let out = read(
        "Title,First Name,Middle Name,Last Name,Suffix,Company,Job Title,Business Street,\
         Business City,Business Postal Code,Home Street,E-mail Address,E-mail Type,\
         E-mail Display Name,E-mail 2 Address,Mobile Phone,Business Phone,Home Phone,\
         Business Fax,Assistant's Phone,Primary Phone,Categories,Notes,Birthday\n\
         Mr.,John,Q,Public,Jr.,Acme,Buyer,1 Road,Springfield,12345,9 Lane,j@acme.com,SMTP,\
         John (j@acme.com),jq@home.org,07700,0201,0202,0203,0204,0205,VIP;Customers,\
         met at fair,5/17/1970\n",
    );
    let r = &out.records[0];
    assert_eq!(r.name, "Mr. John Q Public Jr.");
    assert_eq!(r.company.as_deref(), Some("Acme"));
    assert_eq!(r.title.as_deref(), Some("Buyer"));
    assert_eq!(
        r.emails,
        vec![l(None, "j@acme.com"), l(None, "jq@home.org")]
    );
    let labels: Vec<_> = r
        .phones
        .iter()
        .map(|p| p.label.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(
        labels,
        vec!["mobile", "work", "home", "work fax", "assistant", "main"]
    );
    assert_eq!(r.address.as_deref(), Some("1 Road, Springfield, 12345"));
    assert_eq!(r.tags, vec!["VIP", "Customers"]);
    assert_eq!(r.birthday.as_deref(), Some("5/17/1970"));
    // The home address is the second one; the e-mail type and display name are
    // counted as skipped.
    assert_eq!(r.second_address.as_deref(), Some("9 Lane"));
    assert_eq!(out.skipped.get("E-mail Type"), Some(&1));
    assert_eq!(out.skipped.get("E-mail Display Name"), Some(&1));
}

#[test]
fn thunderbird_headers_and_split_birthday() {
    let out = read(
        "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,\
         Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,\
         Home City,Job Title,Organization,Birth Year,Birth Month,Birth Day,Notes,\n\
         Linus,T,Linus Torvalds,,l@kernel.org,,1,2,3,4,5,Street 1,Portland,Boss,LF,1969,12,\
         28,penguins,\n",
    );
    let r = &out.records[0];
    assert_eq!(r.name, "Linus Torvalds");
    assert_eq!(r.emails, vec![l(None, "l@kernel.org")]);
    let labels: Vec<_> = r
        .phones
        .iter()
        .map(|p| p.label.clone().unwrap_or_default())
        .collect();
    assert_eq!(labels, vec!["work", "home", "fax", "pager", "mobile"]);
    assert_eq!(r.address.as_deref(), Some("Street 1, Portland"));
    assert_eq!(r.company.as_deref(), Some("LF"));
    assert_eq!(r.title.as_deref(), Some("Boss"));
    assert_eq!(r.birthday.as_deref(), Some("1969-12-28"));
    assert_eq!(r.note.as_deref(), Some("penguins"));
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    let out = read("Display Name,Birth Month,Birth Day\nX,7,4\n");
    assert_eq!(out.records[0].birthday.as_deref(), Some("--07-04"));
}

#[test]
fn obvious_headers_are_guessed_and_others_refused_with_the_map_syntax() {
    let out = read("Full Name;Telephone;E-mail;Company;Tags\nAda;123;a@x;ACME;a, b; c\n");
    let r = &out.records[0];
    assert_eq!(
        (r.name.as_str(), r.company.as_deref()),
        ("Ada", Some("ACME"))
    );
    assert_eq!(r.phones, vec![l(None, "123")]);
    assert_eq!(r.emails, vec![l(None, "a@x")]);
    // A row with more fields than the header: the extra is counted, not lost silently.
    assert_eq!(r.tags, vec!["a", "b"]);
    assert_eq!(out.skipped.get("(column 6 without a header)"), Some(&1));

    let e = read_contacts(
        b"opportunity_id,sales_agent,Deal Stage\n1,x,Won\n",
        &CsvOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.0.contains("not recognised")
            && e.0
                .contains("--map 'name=opportunity_id,phone=sales_agent'")
            && e.0.contains("Deal Stage")
            && e.0.contains("first_name"),
        "{e}"
    );
}

#[test]
fn localised_outlook_headers_are_read_as_english_ones() {
    // German: `E-Mail-Typ` is the type, not an address.
    let out = read(
        "Anrede;Vorname;Nachname;Firma;Abteilung;Position;E-Mail-Adresse;E-Mail-Typ;\
         Telefon geschäftlich;Mobiltelefon;Straße geschäftlich;Ort geschäftlich;Geburtstag\n\
         Herr;Jürgen;Müller;Hafenbau GmbH;Einkauf;Leiter;jm@hafenbau.de;SMTP;\
         +49 40 123450;0171 2345678;Kai 1;Hamburg;1970-05-17\n",
    );
    assert_eq!(out.notes, vec!["columns read as German"]);
    let r = &out.records[0];
    assert_eq!(r.name, "Herr Jürgen Müller");
    assert_eq!(r.company.as_deref(), Some("Hafenbau GmbH"));
    assert_eq!(r.department.as_deref(), Some("Einkauf"));
    assert_eq!(r.title.as_deref(), Some("Leiter"));
    assert_eq!(r.emails, vec![l(None, "jm@hafenbau.de")]);
    assert_eq!(
        r.phones,
        vec![
            l(Some("work"), "+49 40 123450"),
            l(Some("mobile"), "0171 2345678")
        ]
    );
    assert_eq!(r.address.as_deref(), Some("Kai 1, Hamburg"));
    assert_eq!(out.skipped.get("E-Mail-Typ"), Some(&1));
    // Japanese: family name first.
    let out = read(
        "名,姓,会社,部署,役職,電子メール アドレス,電子メールの種類,会社電話,携帯電話,メモ\n\
         太郎,山田,山田商事,営業部,部長,taro@yamada.co.jp,SMTP,03-1234-5678,090-1234-5678,大切\n",
    );
    assert_eq!(out.notes, vec!["columns read as Japanese"]);
    let r = &out.records[0];
    assert_eq!(r.name, "山田 太郎");
    assert_eq!(r.company.as_deref(), Some("山田商事"));
    assert_eq!(r.department.as_deref(), Some("営業部"));
    assert_eq!(r.emails, vec![l(None, "taro@yamada.co.jp")]);
    assert_eq!(
        r.phones,
        vec![
            l(Some("work"), "03-1234-5678"),
            l(Some("mobile"), "090-1234-5678")
        ]
    );
    assert_eq!(r.note.as_deref(), Some("大切"));
    // Russian, Persian, French and Spanish columns too.
    for header in [
        "Имя,Фамилия,Организация,Адрес эл. почты,Мобильный телефон",
        "نام,نام خانوادگی,شرکت,نشانی پست الکترونیکی,تلفن همراه",
        "Prénom,Nom,Société,Adresse de messagerie,Tél. mobile",
        "Nombre,Apellidos,Organización,Dirección de correo electrónico,Teléfono móvil",
        "Nome,Cognome,Società,Indirizzo posta elettronica,Cellulare",
        "Voornaam,Achternaam,Bedrijf,E-mailadres,Mobiele telefoon",
        "Nome,Sobrenome,Empresa,Endereço de Email,Celular",
        "名,姓,公司,电子邮件地址,移动电话",
    ] {
        let out = read(&format!("{header}\nA,B,C,a@b.org,0171 2345678\n"));
        let r = &out.records[0];
        assert_eq!(r.company.as_deref(), Some("C"), "{header}");
        assert_eq!(r.emails, vec![l(None, "a@b.org")], "{header}");
        assert_eq!(
            r.phones,
            vec![l(Some("mobile"), "0171 2345678")],
            "{header}"
        );
        assert!(r.name.contains('A') && r.name.contains('B'), "{header}");
    }
}

#[test]
fn unrecognised_columns_suggest_the_closest_mapping_and_are_made_harmless() {
    let e = read_contacts(
        b"Vornme,Telefon geschaftlich,Kundennummer,Evil\x1b[2J\nA,1,2,3\n",
        &CsvOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.0.contains("\"Vornme\" looks like \"Vorname\" (first_name)")
            && e.0
                .contains("\"Telefon geschaftlich\" looks like \"Telefon geschäftlich\" (phone)")
            && e.0
                .contains("--map 'first_name=Vornme,phone=Telefon geschaftlich'"),
        "{e}"
    );
    assert!(!e.0.contains('\x1b') && e.0.contains("Evil␛[2J"), "{e}");
}

#[test]
fn a_map_names_columns_repeats_fields_and_counts_the_rest() {
    let text =
        "Who,Cell,Desk,Street,Town,Misc,Mail\nAda,1,2,Main St,Leeds,zzz,a@x\n,,,,,,\nBob,,3,,,,\n";
    let out = mapped(
        text,
        "name=who,phone=Cell,phone=Desk,address=Town,address=Street,email=Mail",
    )
    .unwrap();
    assert_eq!(out.records.len(), 2);
    let r = &out.records[0];
    assert_eq!(r.name, "Ada");
    assert_eq!(r.phones, vec![l(Some("mobile"), "1"), l(Some("desk"), "2")]);
    assert_eq!(r.address.as_deref(), Some("Leeds, Main St"));
    assert_eq!(r.emails, vec![l(None, "a@x")]);
    assert_eq!(out.skipped.get("Misc"), Some(&1));
    // The blank row is not a record; the next one is record 2 on line 4.
    assert_eq!((out.records[1].record, out.records[1].line), (2, 4));

    let e = mapped(text, "name=Who,phone=Fax").unwrap_err();
    assert!(
        e.0.contains("no column \"Fax\"") && e.0.contains("Street"),
        "{e}"
    );
    let e = mapped(text, "stage=Who").unwrap_err();
    assert!(e.0.contains("not a contact field"), "{e}");
}

#[test]
fn quoted_newlines_raw_text_and_encodings() {
    let text = "Name,Note,Phone\r\n\"Ada\",\"one\r\ntwo\r\nthree\",1\r\nBob,x,2\r\n";
    let out = read(text);
    assert_eq!(out.records[0].note.as_deref(), Some("one\r\ntwo\r\nthree"));
    assert_eq!(out.records[0].raw, "\"Ada\",\"one\r\ntwo\r\nthree\",1");
    assert_eq!((out.records[1].record, out.records[1].line), (2, 5));
    assert_eq!(out.records[1].raw, "Bob,x,2");

    let (bytes, _, _) =
        encoding_rs::WINDOWS_1252.encode("Name;Company\nJürgen Müller;Straße GmbH\n");
    let out = read_contacts(&bytes, &CsvOptions::default()).unwrap();
    assert_eq!(out.encoding, "windows-1252");
    assert_eq!(out.records[0].name, "Jürgen Müller");
    assert_eq!(out.records[0].company.as_deref(), Some("Straße GmbH"));

    let utf16: Vec<u8> = "Name\tEmail\r\nАда\tada@x\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let out = read_contacts(&utf16, &CsvOptions::default()).unwrap();
    assert_eq!(
        (out.encoding.as_str(), out.records[0].name.as_str()),
        ("UTF-16LE", "Ада")
    );

    let forced = CsvOptions {
        encoding: Some(encoding_rs::UTF_8),
        map: None,
    };
    let e = read_contacts(b"Name\nM\xfcller\n", &forced).unwrap_err();
    assert!(
        e.0.contains("not valid UTF-8") && e.0.contains("--encoding"),
        "{e}"
    );
}

#[test]
fn written_contacts_read_back_the_same() {
    let records = vec![
        ContactRecord {
            name: "Ada Lovelace".into(),
            company: Some("Analytical, Ltd".into()),
            title: Some("Countess".into()),
            phones: vec![l(Some("mobile"), "+44 20 1"), l(None, "2")],
            emails: vec![l(Some("work"), "ada@x.org")],
            address: Some("12 St James's Sq, London".into()),
            second_address: Some("Ockham Park, Surrey".into()),
            department: Some("Analysis".into()),
            nickname: Some("Enchantress of Numbers".into()),
            website: Some("https://ada.example/?a=1,2".into()),
            birthday: Some("1815-12-10".into()),
            note: Some("said \"hello\"\nand more".into()),
            tags: vec!["VIP".into(), "a, b".into()],
            ..ContactRecord::default()
        },
        ContactRecord {
            name: "Bob".into(),
            emails: vec![l(None, "b@y"), l(Some("home"), "b@z")],
            ..ContactRecord::default()
        },
    ];
    let mut out = Vec::new();
    write_contacts(&records, &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.starts_with("Name,Given Name,Family Name,Nickname,Organization 1 - Name"));
    assert!(text.contains("\r\n") && !text.starts_with('\u{feff}'));
    let back = read_contacts(&out, &CsvOptions::default()).unwrap();
    assert!(back.skipped.is_empty(), "{:?}", back.skipped);
    for (a, b) in records.iter().zip(&back.records) {
        let strip = |r: &ContactRecord| ContactRecord {
            record: 0,
            line: 0,
            raw: String::new(),
            ..r.clone()
        };
        assert_eq!(strip(a), strip(b));
    }
}
