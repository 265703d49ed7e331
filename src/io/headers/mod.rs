//! Column headers of contact CSV files in the languages Outlook, Thunderbird and Google
//! ship them in, as data: one table per language, each header mapped to the English
//! header it translates (Outlook's or Thunderbird's English name). The CSV reader
//! translates a file's headers with [`english`] and then reads them as English ones,
//! so a language is added by adding a table here, with no change to the reader.
//!
//! Google's numbered columns (`E-Mail 1 - Wert`) are translated word by word around
//! the ` - ` with each language's `slots`.

mod de;
mod es;
mod fa;
mod fr;
mod it;
mod ja;
mod nl;
mod pt;
mod ru;
mod zh;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::mapping::header_words;

/// The headers one language's clients write, and the English header each one means.
pub struct Language {
    pub name: &'static str,
    /// (header as the client writes it, the English header it translates).
    pub headers: &'static [(&'static str, &'static str)],
    /// Words of Google's numbered columns: (`wert`, `value`), (`telefon`, `phone`).
    pub slots: &'static [(&'static str, &'static str)],
}

/// Every language with a table, English aside (the reader's own vocabulary).
pub const LANGUAGES: &[&Language] = &[
    &de::GERMAN,
    &fr::FRENCH,
    &es::SPANISH,
    &it::ITALIAN,
    &nl::DUTCH,
    &pt::PORTUGUESE,
    &ru::RUSSIAN,
    &fa::PERSIAN,
    &ja::JAPANESE,
    &zh::CHINESE,
];

struct Index {
    headers: HashMap<String, (&'static str, &'static str)>,
    slots: HashMap<String, (&'static str, &'static str)>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut headers = HashMap::new();
        let mut slots = HashMap::new();
        for lang in LANGUAGES {
            for (local, english) in lang.headers {
                headers
                    .entry(header_words(local))
                    .or_insert((*english, lang.name));
            }
            for (local, english) in lang.slots {
                slots
                    .entry(header_words(local))
                    .or_insert((*english, lang.name));
            }
        }
        Index { headers, slots }
    })
}

/// The English header a localised one translates (`header_words` form), and the
/// language it is from; `None` for a header no table holds (English ones included).
pub fn english(key: &str) -> Option<(String, &'static str)> {
    let idx = index();
    // A header that is English already ("Notes", "Pager") is not another language's.
    if let Some((english, lang)) = idx.headers.get(key) {
        let english = header_words(english);
        return (english != key).then_some((english, *lang));
    }
    // `E-Mail 1 - Wert`: translate the words on both sides of the ` - `.
    let (left, right) = key.split_once(" - ")?;
    let kind = left.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let number = left.get(kind.len()..).unwrap_or_default();
    let kind_en = idx.slots.get(kind).copied();
    let right_en = idx.slots.get(right).copied();
    let lang = kind_en.or(right_en)?.1;
    let out = format!(
        "{}{number} - {}",
        kind_en.map_or(kind, |k| k.0),
        right_en.map_or(right, |r| r.0)
    );
    (out != key).then_some((out, lang))
}

/// Every localised header with its English meaning, for suggesting the closest one
/// when a file's columns are not recognised.
pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    LANGUAGES
        .iter()
        .flat_map(|l| l.headers.iter().map(|(local, en)| (*local, *en)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_means_two_things() {
        let mut seen: HashMap<String, (&str, &str)> = HashMap::new();
        for lang in LANGUAGES {
            for (local, english) in lang.headers {
                let key = header_words(local);
                if let Some((other, other_lang)) = seen.get(&key) {
                    assert_eq!(
                        header_words(other),
                        header_words(english),
                        "{local:?} means {english:?} in {} but {other:?} in {other_lang}",
                        lang.name
                    );
                }
                seen.insert(key, (english, lang.name));
            }
        }
    }

    #[test]
    fn headers_translate_to_english_and_slots_word_by_word() {
        assert_eq!(
            english("telefon geschäftlich"),
            Some(("business phone".into(), "German"))
        );
        assert_eq!(
            english("電子メール アドレス"),
            Some(("e-mail address".into(), "Japanese"))
        );
        assert_eq!(
            english("e-mail 2 - wert").map(|e| e.0).as_deref(),
            Some("e-mail 2 - value")
        );
        assert_eq!(english("first name"), None);
        // English headers some tables hold too are not read as that language.
        assert_eq!(english("notes"), None);
        assert_eq!(english("phone 1 - type"), None);
    }
}
