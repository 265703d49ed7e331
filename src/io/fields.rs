//! Phone and email fields as people and address books fill them in: two numbers in
//! one field, a label in brackets, an extension in any language, vanity letters,
//! placeholders (`n/a`, `-`, `BusinessPhone`, `zentrale`), `Name <a@x.com>`, several
//! addresses in one field. What reads as a phone or an email becomes one; what does
//! not is kept as written (with why) or, for a placeholder, dropped with a note. The
//! importer decides what to do with each (see `import::draft_of`).

use crate::domain::{Email, Phone, PhoneKind};

/// What happened to a value that is not simply a phone or an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Kept with the customer as written, since it is not a usable phone or email.
    KeptAsText,
    /// A placeholder that holds nothing (`n/a`, `-`, `BusinessPhone`): left out.
    Dropped,
    /// Several phones or emails in one field, each imported.
    Split,
}

/// One value that was kept, dropped or split, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub action: Action,
    /// The value as written.
    pub value: String,
    pub why: String,
}

/// A phone field read: the numbers in it and what else it held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneField {
    pub phones: Vec<Phone>,
    pub readings: Vec<Reading>,
}

/// An email field read: the addresses in it and what else it held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailField {
    pub emails: Vec<Email>,
    pub readings: Vec<Reading>,
    /// The display name of `Name <a@x.com>`, which may stand in for a missing name.
    pub display_name: Option<String>,
}

/// The kind of phone a label names, in the languages address books label numbers
/// in: fax and pager first (`Business Fax` is a fax), then mobile, main, work, home.
/// An unlabelled or `voice` number is `other`: nothing says which line it is.
pub fn phone_kind(label: Option<&str>) -> PhoneKind {
    // The labels readers give most often, without lower-casing or searching.
    match label {
        None | Some("" | "voice" | "other") => return PhoneKind::Other,
        Some("mobile" | "cell") => return PhoneKind::Mobile,
        Some("work") => return PhoneKind::Work,
        Some("home") => return PhoneKind::Home,
        Some("fax") => return PhoneKind::Fax,
        Some("pager") => return PhoneKind::Pager,
        Some("main") => return PhoneKind::Main,
        Some(_) => {}
    }
    let l = label.unwrap_or("").to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&[
        "fax",
        "télécopie",
        "telefax",
        "факс",
        "نمابر",
        "传真",
        "傳真",
    ]) {
        PhoneKind::Fax
    } else if has(&[
        "pager",
        "beeper",
        "pieper",
        "radiomessagerie",
        "buscapersonas",
        "cercapersone",
        "пейджер",
        "ポケットベル",
        "寻呼",
    ]) {
        PhoneKind::Pager
    } else if has(&[
        "cell",
        "mobil",
        "handy",
        "iphone",
        "portable",
        "móvil",
        "celular",
        "cellulare",
        "telemóvel",
        "мобил",
        "сотов",
        "همراه",
        "موبایل",
        "携帯",
        "移动",
        "手机",
        "行動",
    ]) {
        PhoneKind::Mobile
    } else if has(&[
        "main",
        "primary",
        "zentrale",
        "haupt",
        "principal",
        "основн",
        "代表",
    ]) {
        PhoneKind::Main
    } else if has(&[
        "work",
        "business",
        "office",
        "büro",
        "buero",
        "dienst",
        "geschäft",
        "company",
        "bureau",
        "trabajo",
        "lavoro",
        "ufficio",
        "werk",
        "comercial",
        "рабоч",
        "کار",
        "会社",
        "勤務",
        "商务",
        "商務",
        "工作",
    ]) {
        PhoneKind::Work
    } else if has(&[
        "home",
        "privat",
        "domicile",
        "casa",
        "particular",
        "thuis",
        "residencial",
        "домаш",
        "منزل",
        "自宅",
        "住宅",
        "住家",
        "家庭",
    ]) {
        PhoneKind::Home
    } else {
        PhoneKind::Other
    }
}

/// Words that alone (or run together: `BusinessFaxPhone`) make a placeholder, in lower
/// case: clients export their field names or "none" where a number was never entered.
const PLACEHOLDER_WORDS: &[&str] = &[
    "phone",
    "telephone",
    "telefon",
    "tel",
    "number",
    "nummer",
    "no",
    "fax",
    "pager",
    "mobile",
    "mobil",
    "cell",
    "cellular",
    "handy",
    "work",
    "business",
    "office",
    "buero",
    "büro",
    "home",
    "privat",
    "private",
    "main",
    "primary",
    "zentrale",
    "central",
    "switchboard",
    "other",
    "car",
    "voice",
    "na",
    "none",
    "null",
    "nil",
    "unknown",
    "tbd",
    "tba",
    "keine",
    "kein",
    "nicht",
    "vorhanden",
    "нет",
    "ندارد",
    "无",
    "なし",
    "email",
    "mail",
    "smtp",
    "address",
    "adresse",
];

/// Whether `text` holds nothing: punctuation only, or placeholder words run together,
/// after an optional country code (`+49 MOBIL`, `+49 BUSINESS`).
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let t = match t.strip_prefix('+') {
        Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => t,
    };
    let letters: String = t
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if letters.is_empty() {
        return true;
    }
    if letters.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    segments_into_words(&letters)
}

/// Whether `s` is placeholder words one after another (`businessfaxphone`).
fn segments_into_words(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    // reach[i]: the first i characters are whole words.
    let mut reach = vec![false; chars.len() + 1];
    reach[0] = true;
    for i in 0..chars.len() {
        if !reach[i] {
            continue;
        }
        for w in PLACEHOLDER_WORDS {
            let n = w.chars().count();
            if i + n <= chars.len() && chars[i..i + n].iter().copied().eq(w.chars()) {
                reach[i + n] = true;
            }
        }
    }
    reach[chars.len()]
}

/// Words that join two numbers in one field.
const NUMBER_JOINERS: &[&str] = &[" or ", " oder ", " ou ", " o ", " или ", " یا ", " / "];

/// A phone field: `label` is what the column or the vCard type said. `strict` refuses
/// (with the reason) whatever is not a valid number, as imports did before values
/// could be kept as written.
pub fn read_phone(label: Option<&str>, value: &str, strict: bool) -> Result<PhoneField, String> {
    let mut out = PhoneField::default();
    let value = value.trim();
    if value.is_empty() {
        return Ok(out);
    }
    // The common case first: one plain number.
    if let Ok(p) = Phone::parse(phone_kind(label), value) {
        out.phones.push(p);
        return Ok(out);
    }
    if is_placeholder(value) {
        if strict {
            return Err(format!("phone: {value:?} is not a number"));
        }
        out.readings.push(Reading {
            action: Action::Dropped,
            value: value.to_string(),
            why: "a placeholder, not a number".into(),
        });
        return Ok(out);
    }
    let parts = split_numbers(value);
    if parts.len() > 1 {
        if strict {
            return Err(format!(
                "phone: {value:?} holds {} numbers; give one per field",
                parts.len()
            ));
        }
        out.readings.push(Reading {
            action: Action::Split,
            value: value.to_string(),
            why: format!("{} numbers in one field", parts.len()),
        });
    }
    for part in parts {
        let (number, bracket) = bracket_label(part);
        let kind = phone_kind(label.or(bracket));
        match Phone::parse(kind, number) {
            Ok(p) => out.phones.push(p),
            Err(e) if strict => return Err(e.to_string()),
            Err(_) => out.readings.push(Reading {
                action: Action::KeptAsText,
                value: part.to_string(),
                why: not_a_number(number).into(),
            }),
        }
    }
    Ok(out)
}

/// Why `text` is not a phone number, in words for the report.
fn not_a_number(text: &str) -> &'static str {
    let digits = text
        .chars()
        .filter(|c| crate::domain::phone::phone_digit(*c).is_some())
        .count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    match (digits, letters) {
        (0, _) => "no digits",
        (d, l) if l >= 2 && d >= 4 => "letters in the number (a vanity number?)",
        (1..=3, 0) => "too short for a number (an internal extension?)",
        (_, l) if l > 0 => "letters in the number",
        _ => "not a phone number",
    }
}

/// `value` split where it holds several numbers (`030 1234; 0171 5678`, `… oder …`, a
/// line break); an extension written after a separator (`…, ext 5`) stays with its
/// number. A slash splits only between two whole numbers: `12212/1212` is one.
fn split_numbers(value: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::new();
    for piece in value.split(['\n', '\r', ';', ',', '|']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        // "ext 5" after a comma belongs to the number before it.
        if let Some(last) = parts.last_mut()
            && starts_with_extension(piece)
        {
            let start = last.as_ptr() as usize - value.as_ptr() as usize;
            let end = piece.as_ptr() as usize - value.as_ptr() as usize + piece.len();
            *last = value.get(start..end).unwrap_or(last);
            continue;
        }
        parts.extend(split_on_joiners(piece));
    }
    parts
}

fn split_on_joiners(piece: &str) -> Vec<&str> {
    let lower = piece.to_lowercase();
    // Byte offsets are only safe to reuse when lower-casing kept them.
    if lower.len() != piece.len() {
        return vec![piece];
    }
    for joiner in NUMBER_JOINERS {
        if let Some(at) = lower.find(joiner) {
            let (left, right) = (&piece[..at], &piece[at + joiner.len()..]);
            let whole = |s: &str| {
                let s = s.trim();
                s.starts_with(['+', '0', '(']) && digit_count(s) >= 6
            };
            if whole(left) && whole(right) {
                let mut out = vec![left.trim()];
                out.extend(split_on_joiners(right.trim()));
                return out;
            }
        }
    }
    vec![piece]
}

fn digit_count(s: &str) -> usize {
    s.chars()
        .filter(|c| crate::domain::phone::phone_digit(*c).is_some())
        .count()
}

fn starts_with_extension(piece: &str) -> bool {
    let lower = piece.to_lowercase();
    [
        "ext",
        "x",
        "#",
        "durchwahl",
        "dw",
        "доб",
        "вн",
        "داخلی",
        "转",
        "poste",
    ]
    .iter()
    .any(|m| lower.starts_with(m))
        && digit_count(piece) <= 8
        && digit_count(piece) > 0
}

/// A label written in brackets around the number (`+49 30 1234 (Büro)`,
/// `[work] 030 1234`): the number without it, and the label.
fn bracket_label(part: &str) -> (&str, Option<&str>) {
    for (open, close) in [('(', ')'), ('[', ']'), ('（', '）')] {
        let Some(start) = part.find(open) else {
            continue;
        };
        let Some(len) = part[start..].find(close) else {
            continue;
        };
        let inner = &part[start + open.len_utf8()..start + len];
        let is_label =
            inner.chars().any(char::is_alphabetic) && digit_count(inner) == 0 && !inner.is_empty();
        if !is_label {
            continue;
        }
        let after = &part[start + len + close.len_utf8()..];
        let before = &part[..start];
        // Only at the start or the end: a bracket inside is part of the number.
        if after.trim().is_empty() {
            return (before.trim(), Some(inner.trim()));
        }
        if before.trim().is_empty() {
            return (after.trim(), Some(inner.trim()));
        }
    }
    (part, None)
}

/// An email field: `mailto:`, `Name <a@x.com>`, `a@x.com (Name)`, several addresses
/// separated by `;`, `,` or spaces. `strict` refuses what is not a valid address.
pub fn read_email(value: &str, strict: bool) -> Result<EmailField, String> {
    let mut out = EmailField::default();
    let value = value.trim();
    if value.is_empty() {
        return Ok(out);
    }
    let plain = strip_mailto(value);
    if let Ok(e) = Email::parse(plain) {
        out.emails.push(e);
        return Ok(out);
    }
    if !value.contains('@') && is_placeholder(value) {
        if strict {
            return Err(format!("email: {value:?} has no @"));
        }
        out.readings.push(Reading {
            action: Action::Dropped,
            value: value.to_string(),
            why: "a placeholder, not an address".into(),
        });
        return Ok(out);
    }
    let parts = split_addresses(value);
    if parts.len() > 1 {
        if strict {
            return Err(format!(
                "email: {value:?} holds {} addresses; give one per field",
                parts.len()
            ));
        }
        out.readings.push(Reading {
            action: Action::Split,
            value: value.to_string(),
            why: format!("{} addresses in one field", parts.len()),
        });
    }
    for part in parts {
        let (address, display) = display_name(part);
        if out.display_name.is_none() {
            out.display_name = display.map(str::to_string);
        }
        match Email::parse(strip_mailto(address)) {
            Ok(e) => out.emails.push(e),
            Err(e) if strict => return Err(e.to_string()),
            Err(_) => out.readings.push(Reading {
                action: Action::KeptAsText,
                value: part.to_string(),
                why: not_an_address(address).into(),
            }),
        }
    }
    Ok(out)
}

fn strip_mailto(s: &str) -> &str {
    let s = s.trim();
    match s.get(..7) {
        Some(head) if head.eq_ignore_ascii_case("mailto:") => s[7..].trim(),
        _ => s,
    }
}

fn not_an_address(text: &str) -> &'static str {
    match text.rsplit_once('@') {
        None => "no @",
        Some((_, domain)) if !domain.contains('.') => "no dot in the domain (a local address?)",
        Some(_) => "not a valid address",
    }
}

/// The addresses of a field holding several: split on `;`, `,` and spaces, except
/// inside `<…>` and `(…)`, so `Ada <ada@x.org>, Bob <bob@y.org>` gives two.
fn split_addresses(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ';' | ',' if depth <= 0 => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    let parts: Vec<&str> = parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // `a@x.org b@y.org`: spaces separate only when every word is an address.
    if parts.len() == 1 {
        let words: Vec<&str> = value.split_whitespace().collect();
        if words.len() > 1 && words.iter().all(|w| w.contains('@')) {
            return words;
        }
    }
    parts
}

/// `Name <a@x.org>` → (`a@x.org`, `Name`); `a@x.org (Name)` likewise; else as is.
fn display_name(part: &str) -> (&str, Option<&str>) {
    let part = part.trim();
    if let Some(open) = part.rfind('<')
        && let Some(close) = part[open..].find('>')
    {
        let address = part[open + 1..open + close].trim();
        let name = part[..open].trim().trim_matches('"').trim();
        return (address, (!name.is_empty()).then_some(name));
    }
    if let Some(open) = part.find('(')
        && part.ends_with(')')
    {
        let address = part[..open].trim();
        let name = part[open + 1..part.len() - 1].trim();
        if address.contains('@') {
            return (address, (!name.is_empty()).then_some(name));
        }
    }
    (part, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(label: Option<&str>, value: &str) -> (Vec<String>, Vec<(Action, String)>) {
        let f = read_phone(label, value, false).unwrap();
        (
            f.phones.iter().map(|p| p.to_string()).collect(),
            f.readings
                .iter()
                .map(|r| (r.action, r.value.clone()))
                .collect(),
        )
    }

    #[test]
    fn every_phone_form_is_a_number_or_kept_never_refused() {
        // Stored as numbers.
        for (value, shown) in [
            ("12212/1212", "12212/1212"),
            ("+49\u{a0}40\u{a0}123450", "+49\u{a0}40\u{a0}123450"),
            ("+49 40 123450\u{2009}0", "+49 40 123450\u{2009}0"),
            ("030 \u{2013} 1234567", "030 \u{2013} 1234567"),
            ("０３０ １２３４５６７", "０３０ １２３４５６７"),
            ("+49 30 1234567 Durchwahl 12", "+49 30 1234567 ext. 12"),
            ("+7 495 123-45-67 доб. 123", "+7 495 123-45-67 ext. 123"),
            ("+98 21 8877 6655 داخلی ۱۲۳", "+98 21 8877 6655 ext. 123"),
            ("+86 10 1234 5678 转 123", "+86 10 1234 5678 ext. 123"),
            ("+1 212 555 0101 x5", "+1 212 555 0101 ext. 5"),
            ("+1 212 555 0101 #5", "+1 212 555 0101 ext. 5"),
            ("+1 212 555 0101, ext 5", "+1 212 555 0101 ext. 5"),
        ] {
            assert_eq!(
                phones(None, value),
                (vec![shown.to_string()], vec![]),
                "{value}"
            );
        }
        // A label in brackets names the kind.
        let f = read_phone(None, "+49 30 1234567 (Büro)", false).unwrap();
        assert_eq!(f.phones[0].raw, "+49 30 1234567");
        assert_eq!(f.phones[0].kind, PhoneKind::Work);
        let f = read_phone(None, "[Mobil] 0171 2345678", false).unwrap();
        assert_eq!(f.phones[0].kind, PhoneKind::Mobile);
        // Two numbers in one field are split.
        let (numbers, readings) = phones(Some("work"), "030 1234567 / 0171 2345678");
        assert_eq!(numbers, vec!["030 1234567", "0171 2345678"]);
        assert_eq!(readings[0].0, Action::Split);
        let (numbers, _) = phones(None, "030 1234567; +49 171 2345678");
        assert_eq!(numbers.len(), 2);
        let (numbers, _) = phones(None, "030 1234567 oder 0171 2345678");
        assert_eq!(numbers.len(), 2);
        // Kept as text: vanity letters, a short internal extension, another script.
        for (value, why) in [
            ("1-800-FLOWERS", "vanity"),
            ("100", "internal extension"),
            ("十城目管理大型知", "no digits"),
        ] {
            let f = read_phone(None, value, false).unwrap();
            assert!(f.phones.is_empty(), "{value}");
            assert_eq!(f.readings[0].action, Action::KeptAsText, "{value}");
            assert!(
                f.readings[0].why.contains(why),
                "{value}: {}",
                f.readings[0].why
            );
        }
        // Placeholders are dropped.
        for value in [
            "n/a",
            "-",
            "pager",
            "phone work",
            "BusinessPhone",
            "BusinessFaxPhone",
            "+49 MOBIL",
            "+49 BUSINESS",
            "zentrale",
            "N/A",
            "—",
            "homephone",
        ] {
            let f = read_phone(None, value, false).unwrap();
            assert!(f.phones.is_empty(), "{value}");
            assert_eq!(f.readings[0].action, Action::Dropped, "{value}");
        }
        // Strict mode refuses every one of them.
        for value in ["1-800-FLOWERS", "n/a", "030 1234567 / 0171 2345678", "100"] {
            assert!(read_phone(None, value, true).is_err(), "{value}");
        }
    }

    #[test]
    fn labels_name_phone_kinds_in_many_languages() {
        for (label, kind) in [
            (None, PhoneKind::Other),
            (Some("voice"), PhoneKind::Other),
            (Some("cell"), PhoneKind::Mobile),
            (Some("Mobiltelefon"), PhoneKind::Mobile),
            (Some("work fax"), PhoneKind::Fax),
            (Some("pager"), PhoneKind::Pager),
            (Some("main"), PhoneKind::Main),
            (Some("Telefon geschäftlich"), PhoneKind::Work),
            (Some("home"), PhoneKind::Home),
            (Some("携帯電話"), PhoneKind::Mobile),
            (Some("تلفن منزل"), PhoneKind::Home),
            (Some("car"), PhoneKind::Other),
        ] {
            assert_eq!(phone_kind(label), kind, "{label:?}");
        }
    }

    #[test]
    fn emails_as_people_write_them() {
        let f = read_email("Ada Lovelace <ada@example.org>", false).unwrap();
        assert_eq!(f.emails[0].as_str(), "ada@example.org");
        assert_eq!(f.display_name.as_deref(), Some("Ada Lovelace"));
        let f = read_email("ada@example.org; bob@example.org", false).unwrap();
        assert_eq!(f.emails.len(), 2);
        assert_eq!(f.readings[0].action, Action::Split);
        let f = read_email("Ada <ada@x.org>, \"Bob, B.\" <bob@y.org>", false).unwrap();
        assert_eq!(f.emails.len(), 2);
        let f = read_email("a@x.org b@y.org", false).unwrap();
        assert_eq!(f.emails.len(), 2);
        let f = read_email("j@acme.com (John)", false).unwrap();
        assert_eq!(f.emails[0].as_str(), "j@acme.com");
        let f = read_email("MAILTO:x@y.org", false).unwrap();
        assert_eq!(f.emails[0].as_str(), "x@y.org");
        let f = read_email("user@localhost", false).unwrap();
        assert!(f.emails.is_empty());
        assert_eq!(f.readings[0].action, Action::KeptAsText);
        assert!(f.readings[0].why.contains("local"));
        for placeholder in ["n/a", "-", "SMTP", "none"] {
            let f = read_email(placeholder, false).unwrap();
            assert_eq!(f.readings[0].action, Action::Dropped, "{placeholder}");
        }
        assert!(read_email("user@localhost", true).is_err());
        assert!(read_email("n/a", true).is_err());
    }
}
