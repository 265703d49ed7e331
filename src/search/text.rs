//! Search keys: [`crate::text::fold()`] (case, `ё`/`е`, Arabic/Persian variants, ZWNJ and
//! diacritics, digits), then Latin letters with accents to their base letter (`müller` =
//! `muller`), and words: maximal runs of letters and digits.

use std::sync::OnceLock;

use memchr::memmem;

/// The search key of `s`.
pub(crate) fn fold_search(s: &str) -> String {
    let folded = crate::text::fold(s);
    if folded.is_ascii() {
        return folded;
    }
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        push_base(c, &mut out);
    }
    out
}

/// `orig` folded char by char, with, for every char of the result, the index of the
/// char of `orig` it came from (for highlighting). Its words are the words of
/// `fold_search(orig)`: folding is per char, apart from how whitespace runs collapse.
pub(crate) fn fold_mapped(orig: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(orig.len());
    let mut map = Vec::with_capacity(orig.len());
    let mut buf = [0u8; 4];
    let table = fold_table();
    for (i, c) in orig.chars().enumerate() {
        if c.is_whitespace() {
            out.push(' ');
            map.push(i);
            continue;
        }
        let u = c as u32;
        if u < 0x80 {
            out.push(c.to_ascii_lowercase());
            map.push(i);
            continue;
        }
        if u < TABLE_END {
            let f = &table[u as usize];
            match f.len {
                SEPARATOR => {
                    out.push(' ');
                    map.push(i);
                    continue;
                }
                COMPLEX => {}
                n => {
                    out.extend(&f.chars[..n as usize]);
                    map.extend(std::iter::repeat_n(i, n as usize));
                    continue;
                }
            }
        }
        for f in crate::text::fold(c.encode_utf8(&mut buf)).chars() {
            let before = out.len();
            push_base(f, &mut out);
            let added = out[before..].chars().count();
            map.extend(std::iter::repeat_n(i, added));
        }
    }
    (out, map)
}

fn push_base(c: char, out: &mut String) {
    if ('\u{0300}'..='\u{036F}').contains(&c) {
        return; // combining accents
    }
    match latin_base(c) {
        Some(base) => out.push_str(base),
        None => out.push(c),
    }
}

/// Lowercase Latin letters with diacritics (Latin-1 and Latin Extended-A) → base letters.
fn latin_base(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
}

pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// What one char folds to, for chars below [`TABLE_END`]: precomputed from
/// [`crate::text::fold()`] itself (folding is per char), so the fast path below gives
/// exactly the words of `fold_search`.
#[derive(Clone, Copy)]
struct Folded {
    chars: [char; 3],
    /// Chars used; [`SEPARATOR`] ends a word; [`COMPLEX`] needs the slow path.
    len: u8,
}

const SEPARATOR: u8 = 0xff;
const COMPLEX: u8 = 0xfe;
/// Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic (Persian) are below this.
const TABLE_END: u32 = 0x800;

fn fold_table() -> &'static [Folded] {
    static TABLE: OnceLock<Vec<Folded>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let sep = Folded {
            chars: ['\0'; 3],
            len: SEPARATOR,
        };
        (0..TABLE_END)
            .map(|u| {
                let Some(c) = char::from_u32(u) else {
                    return sep;
                };
                if c.is_whitespace() {
                    return sep;
                }
                let out = fold_search(c.encode_utf8(&mut [0; 4]));
                let words = out.chars().filter(|&c| is_word_char(c)).count();
                let all = out.chars().count();
                let mut chars = ['\0'; 3];
                let len = if all == 0 {
                    0 // ignored (diacritics): does not break a word
                } else if words == 0 {
                    SEPARATOR
                } else if words < all || all > 3 {
                    COMPLEX
                } else {
                    for (slot, c) in chars.iter_mut().zip(out.chars()) {
                        *slot = c;
                    }
                    all as u8
                };
                Folded { chars, len }
            })
            .collect()
    })
}

/// The words of `fold_search(s)`, concatenated into `buf`, with their byte ranges in
/// `spans`. Much faster than folding and splitting: the build runs it on every field.
pub(crate) fn fold_words(s: &str, buf: &mut String, spans: &mut Vec<(u32, u32)>) {
    buf.clear();
    spans.clear();
    let table = fold_table();
    let mut start = 0usize;
    let mut flush = |buf: &mut String, start: &mut usize| {
        if buf.len() > *start {
            spans.push((*start as u32, buf.len() as u32));
            *start = buf.len();
        }
    };
    for c in s.chars() {
        let u = c as u32;
        if u < 0x80 {
            if c.is_ascii_alphanumeric() {
                buf.push(c.to_ascii_lowercase());
            } else {
                flush(buf, &mut start);
            }
            continue;
        }
        if u < TABLE_END {
            let f = &table[u as usize];
            match f.len {
                SEPARATOR => {
                    flush(buf, &mut start);
                    continue;
                }
                COMPLEX => {}
                n => {
                    buf.extend(&f.chars[..n as usize]);
                    continue;
                }
            }
        }
        if c.is_whitespace() {
            flush(buf, &mut start);
            continue;
        }
        for o in fold_search(c.encode_utf8(&mut [0; 4])).chars() {
            if is_word_char(o) {
                buf.push(o);
            } else {
                flush(buf, &mut start);
            }
        }
    }
    flush(buf, &mut start);
}

/// The words of a folded text with their byte offsets.
pub(crate) fn words(folded: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = folded.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = rest.peek() {
            if is_word_char(c) {
                break;
            }
            rest.next();
        }
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = rest.peek() {
            if !is_word_char(c) {
                break;
            }
            end = i + c.len_utf8();
            rest.next();
        }
        Some((start, &folded[start..end]))
    })
}

/// A bit per char (hashed into 64), to rule out words that lack a char of the term.
pub(crate) fn char_mask(s: &str) -> u64 {
    s.chars().fold(0, |m, c| m | 1u64 << (c as u32 & 63))
}

/// How a word matches a term, best first. `Typo(edits)`: the term is within `edits`
/// (at most [`Term::max_edits`]) of the word's beginning, counting a wrong, an extra, a
/// missing letter and two neighbours swapped as one edit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    Exact,
    Prefix,
    Infix,
    Typo(u8),
}

/// The most edits a typo-tolerant match forgives (in a term of [`TWO_TYPOS_CHARS`]).
pub(crate) const MAX_EDITS: usize = 2;
/// Terms shorter than this (in chars) match only at the beginning of a word.
pub(crate) const MIN_INFIX_CHARS: usize = 2;
/// Terms of this many chars forgive one edit (shorter ones none: "ann" is a prefix of
/// too much to guess at).
pub(crate) const ONE_TYPO_CHARS: usize = 4;
/// Terms of this many chars forgive two edits.
pub(crate) const TWO_TYPOS_CHARS: usize = 8;
/// Terms longer than this (in chars: a pasted line, not a name) forgive none.
pub(crate) const MAX_TYPO_CHARS: usize = 32;

/// Edits a term of `chars` chars forgives.
pub(crate) fn edits_for(chars: usize) -> u8 {
    match chars {
        c if c > MAX_TYPO_CHARS => 0,
        c if c >= TWO_TYPOS_CHARS => 2,
        c if c >= ONE_TYPO_CHARS => 1,
        _ => 0,
    }
}

/// A query term: one word of the folded query.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub text: String,
    pub chars: usize,
    /// The term's chars (for edit distances).
    pub letters: Vec<char>,
    pub mask: u64,
    pub finder: memmem::Finder<'static>,
    /// Edits a typo-tolerant match forgives (0: none).
    pub max_edits: u8,
}

impl Term {
    pub fn new(text: &str) -> Self {
        let letters: Vec<char> = text.chars().collect();
        Self {
            text: text.to_string(),
            chars: letters.len(),
            max_edits: edits_for(letters.len()),
            letters,
            mask: char_mask(text),
            finder: memmem::Finder::new(text.as_bytes()).into_owned(),
        }
    }

    pub fn infix_enabled(&self) -> bool {
        self.chars >= MIN_INFIX_CHARS
    }

    pub fn typo_enabled(&self) -> bool {
        self.max_edits > 0
    }

    /// The best way `word` (folded) matches this term, if any. Every tier of the index
    /// (prefix ranges, infix and typo scans) agrees with this function.
    pub fn classify(&self, word: &[u8]) -> Option<Match> {
        let t = self.text.as_bytes();
        if word.starts_with(t) {
            return Some(if word.len() == t.len() {
                Match::Exact
            } else {
                Match::Prefix
            });
        }
        if self.infix_enabled() && word.len() > t.len() && self.finder.find(&word[1..]).is_some() {
            return Some(Match::Infix);
        }
        if self.typo_enabled() {
            return self.edits(word).map(Match::Typo);
        }
        None
    }

    /// Whether a word whose chars hash to `mask` can be within the term's edits: every
    /// char of the term missing from it needs an edit of its own.
    #[inline]
    pub fn mask_allows(&self, mask: u64) -> bool {
        (self.mask & !mask).count_ones() <= self.max_edits as u32
    }

    /// The fewest edits that turn the term into a beginning of `word`, if at most
    /// [`Term::max_edits`].
    fn edits(&self, word: &[u8]) -> Option<u8> {
        // A slice of the dictionary at char bounds, so valid UTF-8.
        let word = std::str::from_utf8(word).ok()?;
        let k = self.max_edits as usize;
        let mut buf = ['\0'; MAX_TYPO_CHARS + MAX_EDITS];
        let mut n = 0;
        // A beginning longer than the term by more than `k` chars costs more than `k`.
        for c in word.chars().take(self.chars + k) {
            buf[n] = c;
            n += 1;
        }
        super::typo::prefix_edits(&self.letters, &buf[..n], k).map(|e| e as u8)
    }
}

/// The folded terms of a query: its words. Whitespace and punctuation separate terms.
pub(crate) fn query_terms(query: &str) -> Vec<String> {
    let mut buf = String::new();
    let mut spans = Vec::new();
    fold_words(query, &mut buf, &mut spans);
    spans
        .iter()
        .map(|&(a, b)| buf[a as usize..b as usize].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_scripts_and_accents() {
        assert_eq!(fold_search("Фёдор Müller"), "федор muller");
        assert_eq!(fold_search("José Lefèvre"), "jose lefevre");
        assert_eq!(fold_search("پانته\u{200C}آ علي"), "پانتهآ علی");
        assert_eq!(fold_search("Jose\u{0301}"), "jose");
        assert_eq!(fold_search("۰۹۱۲ ٣٤"), "0912 34");
    }

    #[test]
    fn mapped_folding_points_back_to_the_original() {
        let (f, map) = fold_mapped("Ёлка O'Brien");
        assert_eq!(f, "елка o'brien");
        assert_eq!(map.len(), f.chars().count());
        assert_eq!(map[0], 0);
        assert_eq!(map[7], 7);
        let (f, map) = fold_mapped("پانته\u{200C}آ");
        assert_eq!(f, "پانتهآ");
        assert_eq!(map, vec![0, 1, 2, 3, 4, 6]);
        let (f, map) = fold_mapped("Straße");
        assert_eq!(f, "strasse");
        assert_eq!(map, vec![0, 1, 2, 3, 4, 4, 5]);
    }

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        let w: Vec<_> = words("ivan.petrov87@acme-labs.com").collect();
        assert_eq!(
            w,
            [
                (0, "ivan"),
                (5, "petrov87"),
                (14, "acme"),
                (19, "labs"),
                (24, "com")
            ]
        );
        assert_eq!(words("  ").count(), 0);
        assert_eq!(
            words("علی اصغر").map(|(_, w)| w).collect::<Vec<_>>(),
            ["علی", "اصغر"]
        );
    }

    #[test]
    fn fast_word_folding_equals_fold_and_split() {
        let check = |s: &str| {
            let slow: Vec<String> = words(&fold_search(s)).map(|(_, w)| w.to_string()).collect();
            let (mut buf, mut spans) = (String::new(), Vec::new());
            fold_words(s, &mut buf, &mut spans);
            let fast: Vec<String> = spans
                .iter()
                .map(|&(a, b)| buf[a as usize..b as usize].to_string())
                .collect();
            assert_eq!(fast, slow, "{s:?}");
            // Highlighting folds char by char: the same words, each char mapped back.
            let (mapped, map) = fold_mapped(s);
            let words_mapped: Vec<String> = words(&mapped).map(|(_, w)| w.to_string()).collect();
            assert_eq!(words_mapped, slow, "{s:?} mapped");
            assert_eq!(map.len(), mapped.chars().count(), "{s:?}");
        };
        // Every char below the table's end and a little past it: alone, inside words,
        // doubled inside a word, between spaces.
        for u in 0..0x900u32 {
            if let Some(c) = char::from_u32(u) {
                check(&c.to_string());
                check(&format!("a{c}b"));
                check(&format!("я{c}{c}ж"));
                check(&format!(" {c} "));
            }
        }
        for s in [
            "Фёдор Соловьёв",
            "پانته\u{200C}آ علي",
            "İstanbul Straße",
            "Jose\u{0301} O'Brien",
            "ivan.petrov87@acme-labs.com",
            "مُحَمَّد ۰۹۱۲",
            "ΣΊΣΥΦΟΣ",
            "北京 市",
            "a\u{200D}b\u{FEFF}c\u{2003}d",
        ] {
            check(s);
        }
    }

    #[test]
    fn classify_tiers() {
        let t = Term::new("ivan");
        assert_eq!(t.classify(b"ivan"), Some(Match::Exact));
        assert_eq!(t.classify(b"ivanov"), Some(Match::Prefix));
        assert_eq!(t.classify(b"aivanov"), Some(Match::Infix));
        assert_eq!(t.classify(b"ivxn"), Some(Match::Typo(1)), "a wrong letter");
        assert_eq!(t.classify(b"iavn"), Some(Match::Typo(1)), "two swapped");
        assert_eq!(t.classify(b"ivxan"), Some(Match::Typo(1)), "one missing");
        assert_eq!(t.classify(b"ivn"), Some(Match::Typo(1)), "one extra");
        assert_eq!(
            t.classify(b"bvan"),
            Some(Match::Typo(1)),
            "the first letter"
        );
        assert_eq!(t.classify(b"ivxaxn"), None, "two edits in a short term");
        assert_eq!(t.classify(b"petrov"), None);
        assert_eq!(Term::new("ivnov").classify(b"ivanov"), Some(Match::Typo(1)));
        assert_eq!(Term::new("vnov").classify(b"ivanov"), None);
        assert_eq!(
            Term::new("a").classify(b"ivan"),
            None,
            "1 char: prefix only"
        );
        assert_eq!(Term::new("ab").classify(b"axb"), None, "2 chars: no typos");
        assert_eq!(
            Term::new("ivn").classify(b"ivan"),
            None,
            "3 chars: no typos"
        );
        let long = Term::new("lindkwist");
        assert_eq!(long.max_edits, 2, "two edits from 8 chars");
        assert_eq!(long.classify(b"lindqvist"), Some(Match::Typo(2)));
        assert_eq!(
            Term::new("lindkwis").classify(b"lindqvist"),
            Some(Match::Typo(2))
        );
        assert_eq!(
            Term::new("lindkwi").classify(b"lindqvist"),
            None,
            "7 chars: one"
        );
        let t = Term::new("петро");
        assert_eq!(t.classify("петрова".as_bytes()), Some(Match::Prefix));
        assert_eq!(
            t.classify("петроов".as_bytes()),
            Some(Match::Prefix),
            "prefix wins"
        );
        assert_eq!(t.classify("пxетро".as_bytes()), Some(Match::Typo(1)));
        assert_eq!(
            Term::new(&fold_search("Иваонв")).classify("иванов".as_bytes()),
            Some(Match::Typo(1))
        );
        assert_eq!(
            Term::new(&fold_search("саловьёва")).classify(fold_search("Соловьёва").as_bytes()),
            Some(Match::Typo(1))
        );
    }
}
