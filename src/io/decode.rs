//! Bytes to text, as real files come: UTF-8 with or without a BOM, UTF-16 with or
//! without a BOM, a declared charset, or undeclared legacy 8-bit text (guessed with
//! `chardetng`). Only bytes that cannot be decoded in the chosen encoding are refused.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// An encoding by its WHATWG label (`utf-8`, `windows-1252`, `iso-8859-5`, `koi8-r`,
/// `shift_jis`, `utf-16le`…), as `--encoding` or a vCard `CHARSET=` names it.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    let label = label.trim().trim_matches('"');
    Encoding::for_label(label.as_bytes())
        // Old vCards write CHARSET=UTF8 or ISO8859-1.
        .or_else(|| match label.to_ascii_lowercase().as_str() {
            "utf8" => Some(UTF_8),
            l if l.starts_with("iso8859-") => {
                Encoding::for_label(format!("iso-8859-{}", &l[8..]).as_bytes())
            }
            _ => None,
        })
        .ok_or_else(|| {
            format!(
                "{label:?} is not an encoding Rapport knows; use a name such as utf-8, \
                 utf-16le, windows-1252, iso-8859-1, koi8-r or shift_jis"
            )
        })
}

/// What a file's first bytes say about its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The encoding the BOM or the byte pattern shows, if any.
    pub encoding: Option<&'static Encoding>,
    /// Bytes of BOM to skip.
    pub bom_len: usize,
}

/// Looks for a byte-order mark, or the zero bytes of UTF-16 text without one.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        return Sniffed {
            encoding: Some(enc),
            bom_len: len,
        };
    }
    // UTF-16 without a BOM: mostly-ASCII text has a zero in every other byte.
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() >= 4 {
        let pairs = sample.len() / 2;
        let zero_odd = sample
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|b| **b == 0)
            .count();
        let zero_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let guess = if zero_odd * 10 >= pairs * 3 && zero_even * 10 < pairs {
            Some(UTF_16LE)
        } else if zero_even * 10 >= pairs * 3 && zero_odd * 10 < pairs {
            Some(UTF_16BE)
        } else {
            None
        };
        if guess.is_some() {
            return Sniffed {
                encoding: guess,
                bom_len: 0,
            };
        }
    }
    Sniffed {
        encoding: None,
        bom_len: 0,
    }
}

/// The encoding of text without a BOM that is not valid UTF-8: `chardetng`'s guess
/// (windows-1252, windows-1251, koi8-r, iso-8859-x, shift_jis, gbk…).
pub fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    guess_legacy_hinted(bytes, None)
}

/// `guess_legacy`, told the country domain the text comes from (`pl`, `ru`), which
/// `chardetng` weighs when the bytes alone are ambiguous (a Polish `ń` is `0xF1` in
/// ISO-8859-2 and windows-1250, an `ñ` in windows-1252).
pub fn guess_legacy_hinted(bytes: &[u8], tld: Option<&[u8]>) -> &'static Encoding {
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(tld, Utf8Detection::Deny)
}

/// The encoding a whole file is read in: forced, shown by a BOM or a UTF-16 pattern,
/// UTF-8 when the bytes are valid UTF-8, else the legacy guess.
pub fn file_encoding(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> (&'static Encoding, usize) {
    let sniffed = sniff(bytes);
    if let Some(enc) = forced {
        // A BOM of the forced encoding is still skipped.
        let bom = if sniffed.encoding == Some(enc) {
            sniffed.bom_len
        } else {
            0
        };
        return (enc, bom);
    }
    if let Some(enc) = sniffed.encoding {
        return (enc, sniffed.bom_len);
    }
    if std::str::from_utf8(bytes).is_ok() {
        (UTF_8, 0)
    } else {
        (guess_legacy(bytes), 0)
    }
}

/// Decodes `bytes` in `encoding`, refusing (with the position of the first bad byte)
/// what cannot be decoded rather than replacing it.
pub fn decode_strict(bytes: &[u8], encoding: &'static Encoding) -> Result<String, String> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(text.into_owned()),
        None => {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            let at = text.find('\u{FFFD}').unwrap_or(0);
            let at_char = text[..at].chars().count();
            Err(format!(
                "is not valid {} text (the first undecodable bytes come after {at_char} characters); \
                 name the right encoding with --encoding",
                encoding.name()
            ))
        }
    }
}

/// Decodes a whole file (see `file_encoding`); the encoding used is returned too.
pub fn decode_file(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<(String, &'static Encoding), String> {
    let (enc, bom) = file_encoding(bytes, forced);
    decode_strict(&bytes[bom..], enc).map(|t| (t, enc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf16_without_one() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("Ада".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_file(&le, None).unwrap().0, "Ада");
        let no_bom: Vec<u8> = "Name,Phone\r\nAda,123\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode_file(&no_bom, None).unwrap().1, UTF_16LE);
        let be: Vec<u8> = "Name,Phone"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode_file(&be, None).unwrap().0, "Name,Phone");
        let utf8_bom = b"\xEF\xBB\xBFName";
        assert_eq!(decode_file(utf8_bom, None).unwrap().0, "Name");
    }

    #[test]
    fn legacy_text_is_guessed_and_forced_encodings_win() {
        // "Müller, Jürgen" in windows-1252.
        let latin = b"M\xfcller, J\xfcrgen; Stra\xdfe 5, K\xf6ln";
        let (text, enc) = decode_file(latin, None).unwrap();
        assert_eq!(text, "Müller, Jürgen; Straße 5, Köln");
        assert_eq!(enc.name(), "windows-1252");
        // "Привет, мир" in windows-1251, long enough to tell.
        let (cyr, _, _) =
            encoding_rs::WINDOWS_1251.encode("Привет, мир! Иван Петрович Сидоров, Москва");
        assert_eq!(
            decode_file(&cyr, None).unwrap().0,
            "Привет, мир! Иван Петрович Сидоров, Москва"
        );
        let koi8 = encoding_for_label("koi8-r").unwrap();
        let (k, _, _) = koi8.encode("Иван");
        assert_eq!(decode_file(&k, Some(koi8)).unwrap().0, "Иван");
    }

    #[test]
    fn undecodable_bytes_are_refused_and_labels_checked() {
        let e = decode_file(b"ok \xff\xfe bad", Some(UTF_8)).unwrap_err();
        assert!(
            e.contains("not valid UTF-8") && e.contains("after 3 characters"),
            "{e}"
        );
        assert_eq!(encoding_for_label("UTF8").unwrap(), UTF_8);
        assert_eq!(
            encoding_for_label("ISO8859-1").unwrap().name(),
            "windows-1252"
        );
        assert!(
            encoding_for_label("klingon")
                .unwrap_err()
                .contains("klingon")
        );
    }
}
