//! vCard 2.1, 3.0 and 4.0 files, as address books really write them.
//!
//! Reading works on bytes, in this order, so that a line fold or a quoted-printable
//! break in the middle of a UTF-8 character does no harm:
//!
//! 1. A BOM or a UTF-16 byte pattern → the whole file is transcoded to UTF-8 first.
//! 2. Lines are split on CRLF, LF or a bare CR (mixed endings exist). A line starting
//!    with a space or a TAB continues the previous one, also across blank lines
//!    (iPhone's `CR CR LF` endings put a blank line between every two lines).
//! 3. A vCard 2.1 quoted-printable value ending in `=` continues on the next line
//!    (not space-prefixed) — unless that line plainly starts a new property, as when
//!    Outlook ends a value with a stray `=0D=0A=`.
//! 4. Each value is quoted-printable-decoded to bytes, then decoded as text: its
//!    `CHARSET=`, else `--encoding`, else UTF-8 when valid, else the whole file's legacy
//!    guess (`decode::guess_legacy`). Base64 values (photos, keys) are never decoded.
//!    Only the values a record uses are decoded, so a broken second `ORG` does not
//!    cost the card.
//!
//! Decisions a reader of the output should know:
//! - `company` is the organisation name only (the first `ORG` component): departments
//!   would split one organisation into several companies. Left-out departments are
//!   counted in `skipped` as `ORG unit`.
//! - Phone and email labels come from a grouped `X-ABLabel` when there is one, else the
//!   most telling `TYPE` (`mobile` > `fax` > `pager` > `work` > `home` > `main` >
//!   `other` > anything else); `pref`, `voice`, `internet` and the like are not labels.
//! - `tel:` URIs lose their prefix and URI parameters, except an extension:
//!   `tel:+1-418-656-9254;ext=102` is `+1-418-656-9254 ext. 102`, as phones are typed.
//! - The first unquoted `:` ends the parameters (RFC 6350), even when a writer forgot to
//!   quote a parameter value containing one (`ez-vcard` issue 114).
//! - A `BEGIN:VCARD` inside a card starts a new card and reports the open one as
//!   truncated, except right after a vCard 2.1 `AGENT:` line, where it is the agent's
//!   nested card (skipped, counted as `AGENT`).
//!
//! Writing produces vCard 4.0 that reads back to the same record (see [`write`]).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::decode;
use super::record::{ContactRecord, Labeled, Problem, ReadError, ReadOutcome};
use crate::domain::CustomerKind;

/// How to read a vCard file.
#[derive(Debug, Clone, Copy, Default)]
pub struct VcardOptions {
    /// `--encoding`: the charset of values that declare none (instead of UTF-8 or the
    /// guess). A UTF-16 encoding here transcodes the whole file instead.
    pub encoding: Option<&'static Encoding>,
}

/// `skipped` key for lines between cards.
const OUTSIDE_A_CARD: &str = "lines outside a card";
/// `skipped` key for lines in a card that are not `NAME:value`.
const MALFORMED: &str = "malformed lines";
/// `skipped` key for organisation units (departments) after the organisation name.
const ORG_UNIT: &str = "ORG unit";

/// Reads every card of a vCard file. A card that cannot be used (truncated, a value
/// that cannot be decoded, an unknown `CHARSET`) is a [`Problem`] with its card number
/// and line; the cards around it still come out. `Err` only when the file as a whole is
/// unusable: empty, not a vCard at all, or UTF-16 that does not decode.
pub fn read(bytes: &[u8], opts: &VcardOptions) -> Result<ReadOutcome, ReadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError(
            "the file is empty; a vCard file holds cards from BEGIN:VCARD to END:VCARD".to_string(),
        ));
    }
    let (data, transcoded) = whole_file_text(bytes, opts.encoding)?;
    let mut reader = Reader {
        data: &data,
        forced: opts.encoding,
        transcoded: transcoded.is_some(),
        legacy: OnceCell::new(),
        skipped: BTreeMap::new(),
        upper: String::new(),
    };
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut lines = Lines::new(&data);
    let mut props: Vec<Prop> = Vec::new();
    let mut card: Option<OpenCard> = None;
    let mut cards = 0usize;
    // Depth of a vCard 2.1 AGENT card nested in the open card.
    let mut nested = 0usize;
    // After a base64 value, lines without a colon are more of it (vCard 2.1).
    let mut in_base64 = false;
    let mut last_end = 0usize;

    while let Some(line) = next_logical(&mut lines) {
        last_end = line.end;
        if line.text.is_empty() {
            in_base64 = false;
            continue;
        }
        let Some(layout) = Layout::parse(&line.text) else {
            if card.is_none() {
                reader.skip(OUTSIDE_A_CARD);
            } else if !in_base64 {
                reader.skip(MALFORMED);
            }
            continue;
        };
        in_base64 = false;
        let name = layout.name(&line.text);
        let value = trim_ascii(layout.value(&line.text));
        if name.eq_ignore_ascii_case(b"BEGIN") && value.eq_ignore_ascii_case(b"VCARD") {
            if let Some(open) = &card {
                let after_agent = props.last().is_some_and(|p| {
                    p.layout.name(&p.text).eq_ignore_ascii_case(b"AGENT")
                        && trim_ascii(p.layout.value(&p.text)).is_empty()
                });
                if nested > 0 || after_agent {
                    nested += 1;
                    continue;
                }
                problems.push(truncated(open, line.start, &reader));
            }
            cards += 1;
            card = Some(OpenCard {
                record: cards,
                line: line.no,
                start: line.start,
            });
            props.clear();
            continue;
        }
        if name.eq_ignore_ascii_case(b"END") && value.eq_ignore_ascii_case(b"VCARD") {
            if nested > 0 {
                nested -= 1;
                continue;
            }
            match card.take() {
                Some(open) => {
                    let raw = reader.lossy(data.get(open.start..line.end).unwrap_or_default());
                    match reader.record(&props, &open) {
                        Ok(mut record) => {
                            record.raw = raw;
                            records.push(record);
                        }
                        Err(reason) => problems.push(Problem {
                            record: open.record,
                            line: open.line,
                            reason,
                            raw,
                        }),
                    }
                }
                None => reader.skip(OUTSIDE_A_CARD),
            }
            continue;
        }
        if card.is_none() {
            reader.skip(OUTSIDE_A_CARD);
            continue;
        }
        if nested > 0 {
            continue;
        }
        in_base64 = layout.params(&line.text).any(|p| p.is_base64());
        props.push(Prop {
            text: line.text,
            layout,
        });
    }
    if let Some(open) = &card {
        problems.push(truncated(open, last_end, &reader));
    }
    if cards == 0 {
        return Err(ReadError(
            "no BEGIN:VCARD line anywhere: this is not a vCard file".to_string(),
        ));
    }
    let encoding = match transcoded {
        Some(enc) => enc.name().to_string(),
        None => match opts.encoding {
            Some(enc) => enc.name().to_string(),
            None if std::str::from_utf8(&data).is_ok() => UTF_8.name().to_string(),
            None => reader.legacy().name().to_string(),
        },
    };
    Ok(ReadOutcome {
        records,
        problems,
        skipped: reader.skipped,
        encoding,
        header: None,
    })
}

/// The file's bytes to parse: transcoded to UTF-8 when a BOM, the UTF-16 byte pattern
/// or a forced UTF-16 encoding says so (that encoding is returned too), else the raw
/// bytes without a UTF-8 BOM.
fn whole_file_text<'b>(
    bytes: &'b [u8],
    forced: Option<&'static Encoding>,
) -> Result<(Cow<'b, [u8]>, Option<&'static Encoding>), ReadError> {
    let sniffed = decode::sniff(bytes);
    let utf16 = |e: &'static Encoding| e == UTF_16LE || e == UTF_16BE;
    let whole = match (forced, sniffed.encoding) {
        (_, Some(enc)) if utf16(enc) => Some((enc, sniffed.bom_len)),
        (Some(enc), sniffed_enc) if utf16(enc) => {
            let bom = if sniffed_enc == Some(enc) {
                sniffed.bom_len
            } else {
                0
            };
            Some((enc, bom))
        }
        _ => None,
    };
    if let Some((enc, bom)) = whole {
        let text = decode::decode_strict(bytes.get(bom..).unwrap_or_default(), enc)
            .map_err(|e| ReadError(format!("the file looks like {} but {e}", enc.name())))?;
        return Ok((Cow::Owned(text.into_bytes()), Some(enc)));
    }
    let bom = if sniffed.encoding == Some(UTF_8) {
        sniffed.bom_len
    } else {
        0
    };
    Ok((Cow::Borrowed(bytes.get(bom..).unwrap_or_default()), None))
}

/// A card whose `BEGIN:VCARD` has been read.
struct OpenCard {
    record: usize,
    line: usize,
    /// Byte offset of the `BEGIN:VCARD` line.
    start: usize,
}

fn truncated(open: &OpenCard, end: usize, reader: &Reader) -> Problem {
    Problem {
        record: open.record,
        line: open.line,
        reason: format!(
            "the card starting on line {} has no END:VCARD (file truncated?)",
            open.line
        ),
        raw: reader.lossy(reader.data.get(open.start..end).unwrap_or_default()),
    }
}

// ---------------------------------------------------------------------------------
// Lines

/// Physical lines, split on CRLF, LF or a bare CR. `Copy`, so peeking is a copy.
#[derive(Clone, Copy)]
struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
    no: usize,
}

struct Physical<'a> {
    /// 1-based line number.
    no: usize,
    /// Byte offset of the line's first byte.
    start: usize,
    text: &'a [u8],
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            no: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Physical<'a>;

    fn next(&mut self) -> Option<Physical<'a>> {
        let rest = self.data.get(self.pos..).filter(|r| !r.is_empty())?;
        let (len, advance) = match memchr::memchr2(b'\r', b'\n', rest) {
            Some(i) => {
                let crlf = rest.get(i) == Some(&b'\r') && rest.get(i + 1) == Some(&b'\n');
                (i, if crlf { i + 2 } else { i + 1 })
            }
            None => (rest.len(), rest.len()),
        };
        let start = self.pos;
        self.pos += advance;
        self.no += 1;
        Some(Physical {
            no: self.no,
            start,
            text: rest.get(..len).unwrap_or_default(),
        })
    }
}

/// One content line with its folds and quoted-printable soft breaks joined.
struct Logical<'a> {
    /// Line number of its first physical line.
    no: usize,
    /// Byte range in the file, from its first byte to the end of its last line.
    start: usize,
    end: usize,
    /// Borrowed from the file unless something had to be joined.
    text: Cow<'a, [u8]>,
}

fn next_logical<'a>(lines: &mut Lines<'a>) -> Option<Logical<'a>> {
    let first = lines.next()?;
    let mut logical = Logical {
        no: first.no,
        start: first.start,
        end: first.start + first.text.len(),
        text: Cow::Borrowed(first.text),
    };
    if first.text.is_empty() {
        return Some(logical);
    }
    // Whether the line is quoted-printable, decided once its parameters are complete
    // (a colon has been seen), so that long runs of joins stay linear.
    let mut colon_seen = memchr::memchr(b':', first.text).is_some();
    let mut qp: Option<bool> = None;
    'grow: loop {
        // A fold: the next non-blank line starts with a space or a TAB.
        let mut peek = *lines;
        while let Some(next) = peek.next() {
            match next.text.first() {
                None => continue,
                Some(b' ' | b'\t') => {
                    let more = next.text.get(1..).unwrap_or_default();
                    colon_seen = colon_seen || memchr::memchr(b':', more).is_some();
                    logical.text.to_mut().extend_from_slice(more);
                    logical.end = next.start + next.text.len();
                    *lines = peek;
                    continue 'grow;
                }
                Some(_) => break,
            }
        }
        // A quoted-printable soft break: `=` at the end, the value goes on below.
        if logical.text.last() == Some(&b'=')
            && colon_seen
            && *qp.get_or_insert_with(|| is_quoted_printable(&logical.text))
        {
            let mut peek = *lines;
            if let Some(next) = peek.next()
                && !starts_property(next.text)
            {
                let text = logical.text.to_mut();
                text.pop();
                text.extend_from_slice(next.text);
                logical.end = next.start + next.text.len();
                *lines = peek;
                continue 'grow;
            }
        }
        return Some(logical);
    }
}

fn is_quoted_printable(line: &[u8]) -> bool {
    Layout::parse(line).is_some_and(|l| l.params(line).any(|p| p.is_quoted_printable()))
}

/// Property names a line after a quoted-printable soft break is taken to start,
/// rather than continue the value (with any upper-case `X-` name).
const KNOWN_NAMES: &[&[u8]] = &[
    b"ADR",
    b"AGENT",
    b"ANNIVERSARY",
    b"BDAY",
    b"BEGIN",
    b"CALADRURI",
    b"CALURI",
    b"CATEGORIES",
    b"CLASS",
    b"EMAIL",
    b"END",
    b"FBURL",
    b"FN",
    b"GENDER",
    b"GEO",
    b"IMPP",
    b"KEY",
    b"KIND",
    b"LABEL",
    b"LANG",
    b"LOGO",
    b"MAILER",
    b"MEMBER",
    b"NICKNAME",
    b"NOTE",
    b"ORG",
    b"PHOTO",
    b"PRODID",
    b"RELATED",
    b"REV",
    b"ROLE",
    b"SORT-STRING",
    b"SOUND",
    b"SOURCE",
    b"TEL",
    b"TITLE",
    b"TZ",
    b"UID",
    b"URL",
    b"VERSION",
];

/// Whether a line plainly starts a property: `BEGIN:VCARD` or `END:VCARD` in any case,
/// or an upper-case known or `X-` name (with an optional group) followed by `;` or `:`.
fn starts_property(line: &[u8]) -> bool {
    let trimmed = trim_ascii(line);
    if trimmed.eq_ignore_ascii_case(b"END:VCARD") || trimmed.eq_ignore_ascii_case(b"BEGIN:VCARD") {
        return true;
    }
    let Some(end) = line.iter().position(|&b| b == b';' || b == b':') else {
        return false;
    };
    let head = line.get(..end).unwrap_or_default();
    let name = head.rsplit(|&b| b == b'.').next().unwrap_or_default();
    !name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && (name.starts_with(b"X-") || KNOWN_NAMES.contains(&name))
}

// ---------------------------------------------------------------------------------
// Content lines: `group.NAME;PARAM=a,b;PARAM2="x:y";BARE:value`

/// Where the parts of a content line are.
#[derive(Debug, Clone)]
struct Layout {
    group: Range<usize>,
    name: Range<usize>,
    /// Between the `;` after the name and the colon (empty without parameters).
    params: Range<usize>,
    /// Start of the value, just after the colon.
    value: usize,
}

impl Layout {
    /// `None` for a line without a colon or without a valid name.
    fn parse(line: &[u8]) -> Option<Layout> {
        let head_end = line.iter().position(|&b| b == b';' || b == b':')?;
        let head = line.get(..head_end)?;
        let (group, name) = match head.iter().rposition(|&b| b == b'.') {
            Some(dot) => (0..dot, dot + 1..head_end),
            None => (0..0, 0..head_end),
        };
        let is_token = |r: &Range<usize>| {
            line.get(r.clone()).is_some_and(|t| {
                !t.is_empty()
                    && t.iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
        };
        if !is_token(&name) || (!group.is_empty() && !is_token(&group)) {
            return None;
        }
        if line.get(head_end) == Some(&b':') {
            return Some(Layout {
                group,
                name,
                params: head_end..head_end,
                value: head_end + 1,
            });
        }
        // Parameters: the first colon outside double quotes ends them. An unclosed
        // quote falls back to the first colon.
        let rest = line.get(head_end + 1..)?;
        let mut quoted = false;
        let mut colon = None;
        for (i, &b) in rest.iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b':' if !quoted => {
                    colon = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let colon = match colon {
            Some(c) => c,
            None => memchr::memchr(b':', rest)?,
        };
        let params_start = head_end + 1;
        Some(Layout {
            group,
            name,
            params: params_start..params_start + colon,
            value: params_start + colon + 1,
        })
    }

    fn name<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.name.clone()).unwrap_or_default()
    }

    fn group<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.group.clone()).unwrap_or_default()
    }

    fn value<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.value..).unwrap_or_default()
    }

    fn params<'l>(&self, line: &'l [u8]) -> Params<'l> {
        Params {
            rest: line.get(self.params.clone()).unwrap_or_default(),
        }
    }
}

/// The parameters of a content line, split on `;` outside double quotes. Empty ones
/// (`NAME;;X=1`) are left out.
struct Params<'l> {
    rest: &'l [u8],
}

/// One parameter: `NAME=value` or a vCard 2.1 bare value (`CELL`, `QUOTED-PRINTABLE`).
#[derive(Debug, Clone, Copy)]
struct Param<'l> {
    name: Option<&'l [u8]>,
    /// As written: quotes and caret escapes still in.
    value: &'l [u8],
}

impl<'l> Iterator for Params<'l> {
    type Item = Param<'l>;

    fn next(&mut self) -> Option<Param<'l>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let mut quoted = false;
            let end = self
                .rest
                .iter()
                .position(|&b| {
                    if b == b'"' {
                        quoted = !quoted;
                    }
                    b == b';' && !quoted
                })
                .unwrap_or(self.rest.len());
            let piece = trim_ascii(self.rest.get(..end).unwrap_or_default());
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            if piece.is_empty() {
                continue;
            }
            return Some(match memchr::memchr(b'=', piece) {
                Some(eq) => Param {
                    name: Some(trim_ascii(piece.get(..eq).unwrap_or_default())),
                    value: trim_ascii(piece.get(eq + 1..).unwrap_or_default()),
                },
                None => Param {
                    name: None,
                    value: piece,
                },
            });
        }
    }
}

impl<'l> Param<'l> {
    fn is(&self, name: &str) -> bool {
        self.name
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// `ENCODING=QUOTED-PRINTABLE` or a bare `QUOTED-PRINTABLE`.
    fn is_quoted_printable(&self) -> bool {
        (self.name.is_none() || self.is("ENCODING"))
            && unquote(self.value).eq_ignore_ascii_case(b"QUOTED-PRINTABLE")
    }

    /// `ENCODING=b`, `ENCODING=BASE64` or a bare `BASE64`.
    fn is_base64(&self) -> bool {
        let v = unquote(self.value);
        (self.is("ENCODING") && (v.eq_ignore_ascii_case(b"b") || v.eq_ignore_ascii_case(b"BASE64")))
            || (self.name.is_none() && v.eq_ignore_ascii_case(b"BASE64"))
    }

    /// A bare value or a `TYPE=` list, item by item (`TYPE=work,voice`,
    /// `TYPE="work,voice"` (RFC 6350 quotes the whole list), `MSG,WORK`); encodings are
    /// not types.
    fn types(self) -> impl Iterator<Item = Cow<'l, str>> {
        let wanted = self.is("TYPE")
            || (self.name.is_none() && !self.is_quoted_printable() && !self.is_base64());
        let value = if wanted { self.value } else { b"" };
        value
            .split(|&b| b == b',')
            .map(|item| {
                let item = trim_ascii(item);
                let item = item.strip_prefix(b"\"").unwrap_or(item);
                caret_decode(trim_ascii(item.strip_suffix(b"\"").unwrap_or(item)))
            })
            .filter(|t| !t.is_empty())
    }
}

/// A parameter value without its double quotes.
fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        [b'"', inner @ ..] => inner,
        v => v,
    }
}

/// RFC 6868: `^n` is a newline, `^'` a double quote, `^^` a caret; other carets stay.
fn caret_decode(value: &[u8]) -> Cow<'_, str> {
    if !value.contains(&b'^') {
        return String::from_utf8_lossy(value);
    }
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        match (b, value.get(i + 1)) {
            (b'^', Some(b'n' | b'N')) => out.push(b'\n'),
            (b'^', Some(b'\'')) => out.push(b'"'),
            (b'^', Some(b'^')) => out.push(b'^'),
            _ => {
                out.push(b);
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

// ---------------------------------------------------------------------------------
// Values

/// Decodes quoted-printable: `=XX` is a byte; a lone `=` at the end (a soft break
/// nothing followed) is dropped; any other `=` stays as it is.
fn qp_decode(value: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        if b == b'=' {
            if let (Some(h), Some(l)) = (
                value.get(i + 1).copied().and_then(hex),
                value.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if i + 1 == value.len() {
                break;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Text escapes: `\n` `\N` newline, `\,` `\;` `\\` the character. Writers also
/// escape other punctuation (Gmail `\"`, Apple `http\://`): that gives the character
/// too. A backslash before anything else (`C:\Users`) stays as written.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c) if c.is_ascii_punctuation() => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Splits on `sep` where it is not escaped by a backslash (the pieces stay escaped).
fn split_escaped(text: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut escaped = false;
    text.split(move |c: char| {
        let split = c == sep && !escaped;
        escaped = c == '\\' && !escaped;
        split
    })
}

/// Unescaped, line endings made `\n`, trimmed.
fn clean_text(text: &str) -> String {
    let text = unescape(text);
    let text = text.trim();
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

// ---------------------------------------------------------------------------------
// Cards to records

/// One property of the open card.
struct Prop<'a> {
    text: Cow<'a, [u8]>,
    layout: Layout,
}

impl Prop<'_> {
    fn name(&self) -> &[u8] {
        self.layout.name(&self.text)
    }

    fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }

    fn params(&self) -> Params<'_> {
        self.layout.params(&self.text)
    }

    fn is_base64(&self) -> bool {
        self.params().any(|p| p.is_base64())
    }

    fn is_pref(&self) -> bool {
        self.params().any(|p| p.is("PREF"))
            || self
                .params()
                .flat_map(Param::types)
                .any(|t| t.eq_ignore_ascii_case("pref"))
    }

    fn has_type(&self, wanted: &str) -> bool {
        self.params()
            .flat_map(Param::types)
            .any(|t| t.eq_ignore_ascii_case(wanted))
    }

    fn param(&self, name: &str) -> Option<&[u8]> {
        self.params().find(|p| p.is(name)).map(|p| unquote(p.value))
    }
}

/// What the whole file shares while its cards are read.
struct Reader<'d> {
    data: &'d [u8],
    forced: Option<&'static Encoding>,
    /// The file was UTF-16 and is now UTF-8: a `CHARSET` on a plain value is stale.
    transcoded: bool,
    /// `decode::guess_legacy` on the whole file, made when first needed.
    legacy: OnceCell<&'static Encoding>,
    skipped: BTreeMap<String, usize>,
    /// Reused for upper-casing names.
    upper: String,
}

impl Reader<'_> {
    fn legacy(&self) -> &'static Encoding {
        self.legacy.get_or_init(|| decode::guess_legacy(self.data))
    }

    fn skip(&mut self, what: &str) {
        match self.skipped.get_mut(what) {
            Some(n) => *n += 1,
            None => {
                self.skipped.insert(what.to_string(), 1);
            }
        }
    }

    fn skip_prop(&mut self, name: &[u8]) {
        let mut upper = std::mem::take(&mut self.upper);
        upper.clear();
        upper.push_str(&String::from_utf8_lossy(name));
        upper.make_ascii_uppercase();
        self.skip(&upper);
        self.upper = upper;
    }

    /// Card text for `raw`: UTF-8, else the forced or guessed encoding, lossily.
    fn lossy(&self, bytes: &[u8]) -> String {
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => {
                let enc = self.forced.unwrap_or_else(|| self.legacy());
                enc.decode_without_bom_handling(bytes).0.into_owned()
            }
        }
    }

    /// A property's value as text, still escaped: quoted-printable decoded, then
    /// decoded in its charset (see the module comment).
    fn text(&self, prop: &Prop) -> Result<String, String> {
        let raw = prop.layout.value(&prop.text);
        let qp = prop.params().any(|p| p.is_quoted_printable());
        let bytes: Cow<[u8]> = if qp {
            Cow::Owned(qp_decode(raw))
        } else {
            Cow::Borrowed(raw)
        };
        // For messages only.
        let name = || String::from_utf8_lossy(prop.name()).to_ascii_uppercase();
        let charset = prop.param("CHARSET").filter(|_| qp || !self.transcoded);
        if let Some(label) = charset {
            let label = String::from_utf8_lossy(label);
            let enc = decode::encoding_for_label(&label)
                .map_err(|e| format!("{} declares CHARSET={label}, but {e}", name()))?;
            return decode_value(&bytes, enc).ok_or_else(|| {
                format!(
                    "{} declares CHARSET={label} but is not valid {} text",
                    name(),
                    enc.name()
                )
            });
        }
        if let Some(enc) = self.forced {
            return decode::decode_strict(&bytes, enc).map_err(|e| format!("{} {e}", name()));
        }
        match String::from_utf8(bytes.into_owned()) {
            Ok(text) => Ok(text),
            Err(e) => {
                let enc = self.legacy();
                decode::decode_strict(e.as_bytes(), enc).map_err(|e| format!("{} {e}", name()))
            }
        }
    }

    /// The record of a complete card, or why it cannot be read.
    fn record(&mut self, props: &[Prop], open: &OpenCard) -> Result<ContactRecord, String> {
        let mut rec = ContactRecord {
            record: open.record,
            line: open.line,
            ..ContactRecord::default()
        };
        let mut fn_seen = false;
        let mut n_prop: Option<&Prop> = None;
        let mut adr: Option<(u8, &Prop)> = None;
        let mut notes: Vec<String> = Vec::new();
        // Apple/Google `itemN.X-ABLabel` by group, and the groups of TEL and EMAIL that
        // use them; sorted, so a card with thousands of them stays fast.
        let mut labels: Vec<(&[u8], &Prop)> = props
            .iter()
            .filter(|p| p.is("X-ABLABEL"))
            .map(|p| (p.layout.group(&p.text), p))
            .filter(|(g, _)| !g.is_empty())
            .collect();
        labels.sort_by_key(|(g, _)| *g);
        let mut labelled_groups: Vec<&[u8]> = Vec::new();

        for prop in props {
            let name = prop.name();
            // The name upper-cased on the stack; longer names are never mapped.
            let mut buf = [0u8; 12];
            let key: &[u8] = match buf.get_mut(..name.len()) {
                Some(slot) => {
                    slot.copy_from_slice(name);
                    slot.make_ascii_uppercase();
                    slot
                }
                None => b"",
            };
            let mapped = match key {
                _ if prop.is_base64() => false,
                b"VERSION" => true,
                // Counted below unless a TEL or EMAIL used it.
                b"X-ABLABEL" => true,
                b"N" if n_prop.is_none() => {
                    n_prop = Some(prop);
                    true
                }
                b"FN" if !fn_seen => {
                    fn_seen = true;
                    rec.name = clean_text(&self.text(prop)?);
                    true
                }
                b"TEL" => {
                    if let Some(phone) = self.phone(prop, &labels)? {
                        rec.phones.push(phone);
                    }
                    labelled_groups.push(prop.layout.group(&prop.text));
                    true
                }
                b"EMAIL" => {
                    if let Some(email) = self.email(prop, &labels)? {
                        rec.emails.push(email);
                    }
                    labelled_groups.push(prop.layout.group(&prop.text));
                    true
                }
                b"ORG" if rec.company.is_none() => {
                    let text = self.text(prop)?;
                    let mut parts = split_escaped(&text, ';')
                        .map(clean_text)
                        .filter(|p| !p.is_empty());
                    rec.company = parts.next();
                    for _ in parts {
                        self.skip(ORG_UNIT);
                    }
                    true
                }
                b"ADR" => {
                    let rank = if prop.is_pref() {
                        2
                    } else {
                        u8::from(prop.has_type("work"))
                    };
                    match adr {
                        Some((best, _)) if best >= rank => false,
                        Some((_, old)) => {
                            self.skip_prop(old.name());
                            adr = Some((rank, prop));
                            true
                        }
                        None => {
                            adr = Some((rank, prop));
                            true
                        }
                    }
                }
                b"NOTE" => {
                    let note = clean_text(&self.text(prop)?);
                    if !note.is_empty() {
                        notes.push(note);
                    }
                    true
                }
                b"BDAY" if rec.birthday.is_none() => {
                    rec.birthday = non_empty(clean_text(&self.text(prop)?));
                    true
                }
                b"TITLE" if rec.title.is_none() => {
                    rec.title = non_empty(clean_text(&self.text(prop)?));
                    true
                }
                b"KIND" => {
                    let kind = self.text(prop)?;
                    let kind = kind.trim();
                    if kind.eq_ignore_ascii_case("org") || kind.eq_ignore_ascii_case("organization")
                    {
                        rec.kind = Some(CustomerKind::Company);
                    }
                    true
                }
                b"X-ABSHOWAS" => {
                    if self.text(prop)?.trim().eq_ignore_ascii_case("COMPANY") {
                        rec.kind = Some(CustomerKind::Company);
                    }
                    true
                }
                b"CATEGORIES" => {
                    let text = self.text(prop)?;
                    rec.tags.extend(
                        split_escaped(&text, ',')
                            .map(clean_text)
                            .filter(|t| !t.is_empty()),
                    );
                    true
                }
                _ => false,
            };
            if !mapped {
                self.skip_prop(name);
            }
        }
        // An X-ABLabel of a TEL or EMAIL group was its label; others are skipped.
        labelled_groups.sort_unstable();
        for prop in props {
            if prop.is("X-ABLABEL") {
                let group = prop.layout.group(&prop.text);
                if group.is_empty() || labelled_groups.binary_search(&group).is_err() {
                    self.skip_prop(prop.name());
                }
            }
        }
        if rec.tags.len() > 1 {
            let mut seen = std::collections::HashSet::new();
            rec.tags.retain(|t| seen.insert(t.clone()));
        }
        if rec.name.is_empty()
            && let Some(n) = n_prop
        {
            rec.name = name_from_n(&self.text(n)?);
        }
        if let Some((_, prop)) = adr {
            let text = self.text(prop)?;
            let parts: Vec<String> = split_escaped(&text, ';')
                .flat_map(|part| {
                    unescape(part)
                        .lines()
                        .map(|l| l.trim().to_string())
                        .collect::<Vec<_>>()
                })
                .filter(|p| !p.is_empty())
                .collect();
            rec.address = non_empty(parts.join(", "));
        }
        if !notes.is_empty() {
            rec.note = Some(notes.join("\n\n"));
        }
        Ok(rec)
    }

    fn phone(&self, prop: &Prop, labels: &[(&[u8], &Prop)]) -> Result<Option<Labeled>, String> {
        let text = self.text(prop)?;
        let text = text.trim();
        let number = match strip_prefix_ignore_case(text, "tel:") {
            Some(uri) => tel_uri_number(uri),
            None => clean_text(text),
        };
        if number.is_empty() {
            return Ok(None);
        }
        let label = group_label(prop, labels).or_else(|| type_label(prop));
        Ok(Some(Labeled::new(label.as_deref(), number)))
    }

    fn email(&self, prop: &Prop, labels: &[(&[u8], &Prop)]) -> Result<Option<Labeled>, String> {
        let text = self.text(prop)?;
        let text = text.trim();
        let address = clean_text(strip_prefix_ignore_case(text, "mailto:").unwrap_or(text));
        if address.is_empty() {
            return Ok(None);
        }
        let label = group_label(prop, labels).or_else(|| type_label(prop));
        Ok(Some(Labeled::new(label.as_deref(), address)))
    }
}

/// The number of a `tel:` URI (without `tel:`): its parameters dropped, except an
/// extension, kept as `ext. 102`.
fn tel_uri_number(uri: &str) -> String {
    let mut parts = uri.split(';');
    let mut number = parts.next().unwrap_or_default().trim().to_string();
    let ext = parts.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("ext")
            .then(|| value.trim())
    });
    if let Some(ext) = ext.filter(|e| !e.is_empty()) {
        number.push_str(" ext. ");
        number.push_str(ext);
    }
    number
}

fn decode_value(bytes: &[u8], enc: &'static Encoding) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(Cow::into_owned)
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// "Prefix Given Additional Family Suffix" from `N:Family;Given;Additional;Prefix;Suffix`
/// (list items joined by spaces; several suffixes by ", ").
fn name_from_n(text: &str) -> String {
    let parts: Vec<&str> = split_escaped(text, ';').collect();
    let component = |i: usize, join: &str| {
        parts
            .get(i)
            .map(|p| {
                split_escaped(p, ',')
                    .map(clean_text)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(join)
            })
            .unwrap_or_default()
    };
    [
        component(3, " "),
        component(1, " "),
        component(2, " "),
        component(0, " "),
        component(4, ", "),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// The `X-ABLabel` of the property's group (Apple, Google), if any; `labels` is sorted
/// by group.
fn group_label(prop: &Prop, labels: &[(&[u8], &Prop)]) -> Option<String> {
    let group = prop.layout.group(&prop.text);
    if group.is_empty() {
        return None;
    }
    let first = labels.partition_point(|(g, _)| *g < group);
    labels
        .get(first)
        .filter(|(g, _)| *g == group)
        .map(|(_, p)| {
            let text = String::from_utf8_lossy(p.layout.value(&p.text));
            normalise_label(&clean_text(&text))
        })
        .filter(|l| !l.is_empty())
}

/// Apple's `_$!<Mobile>!$_` is `Mobile`; well-known labels are lower-cased to the
/// words `type_label` gives.
fn normalise_label(label: &str) -> String {
    let inner = label
        .strip_prefix("_$!<")
        .and_then(|l| l.strip_suffix(">!$_"))
        .unwrap_or(label)
        .trim();
    match known_type(inner) {
        Some(Known::Mobile) => "mobile".to_string(),
        Some(known) => known.label().to_string(),
        None if inner.to_ascii_lowercase().ends_with("fax") => "fax".to_string(),
        None => inner.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Known {
    Mobile,
    Fax,
    Pager,
    Work,
    Home,
    Main,
    Other,
}

impl Known {
    fn label(self) -> &'static str {
        match self {
            Known::Mobile => "mobile",
            Known::Fax => "fax",
            Known::Pager => "pager",
            Known::Work => "work",
            Known::Home => "home",
            Known::Main => "main",
            Known::Other => "other",
        }
    }
}

fn known_type(t: &str) -> Option<Known> {
    let t = t.trim();
    let is = |w: &str| t.eq_ignore_ascii_case(w);
    Some(if is("cell") || is("mobile") || is("iphone") {
        Known::Mobile
    } else if is("fax") {
        Known::Fax
    } else if is("pager") {
        Known::Pager
    } else if is("work") {
        Known::Work
    } else if is("home") {
        Known::Home
    } else if is("main") {
        Known::Main
    } else if is("other") {
        Known::Other
    } else {
        return None;
    })
}

/// Types that say nothing a person would call a label.
fn is_generic_type(t: &str) -> bool {
    [
        "pref",
        "voice",
        "internet",
        "x400",
        "msg",
        "text",
        "video",
        "textphone",
        "postal",
        "parcel",
        "dom",
        "intl",
    ]
    .iter()
    .any(|g| t.eq_ignore_ascii_case(g))
}

/// The most telling single label among the property's types (see the module comment).
fn type_label(prop: &Prop) -> Option<String> {
    let mut best: Option<Known> = None;
    let mut custom: Option<String> = None;
    for param in prop.params() {
        for t in param.types() {
            match known_type(&t) {
                Some(k) => best = Some(best.map_or(k, |b| b.min(k))),
                None if custom.is_none() && !is_generic_type(t.trim()) => {
                    custom = Some(t.trim().to_lowercase());
                }
                None => {}
            }
        }
    }
    best.map(|k| k.label().to_string()).or(custom)
}

// ---------------------------------------------------------------------------------
// Writing

/// Writes the records as vCard 4.0: CRLF line ends, lines folded at 75 octets without
/// splitting a UTF-8 character, text escaped. A phone or email label that is a vCard
/// type (`mobile`→`cell`, `work`, `home`, `fax`…) becomes `TYPE=`; any other label an
/// Apple-style `itemN.X-ABLabel`, so that [`read`] gives back the same record (name,
/// kind, company, title, phones, emails, address, birthday, note, tags). The address
/// is written as one street component.
pub fn write(records: &[ContactRecord], out: &mut impl Write) -> io::Result<()> {
    let mut line = String::new();
    for rec in records {
        write_card(rec, out, &mut line)?;
    }
    Ok(())
}

fn write_card(rec: &ContactRecord, out: &mut impl Write, line: &mut String) -> io::Result<()> {
    let mut put = |out: &mut dyn Write, build: &dyn Fn(&mut String)| {
        line.clear();
        build(line);
        write_folded(out, line)
    };
    put(out, &|l| l.push_str("BEGIN:VCARD"))?;
    put(out, &|l| l.push_str("VERSION:4.0"))?;
    let company = rec.kind == Some(CustomerKind::Company);
    if company {
        put(out, &|l| l.push_str("KIND:org"))?;
    }
    put(out, &|l| {
        l.push_str("FN:");
        escape_into(l, &rec.name);
    })?;
    if !company && !rec.name.trim().is_empty() {
        let words: Vec<&str> = rec.name.split_whitespace().collect();
        let (given, family) = match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => (rest.join(" "), *last),
            _ => (rec.name.trim().to_string(), ""),
        };
        put(out, &|l| {
            l.push_str("N:");
            escape_into(l, family);
            l.push(';');
            escape_into(l, &given);
            l.push_str(";;;");
        })?;
    }
    if let Some(org) = &rec.company {
        put(out, &|l| {
            l.push_str("ORG:");
            escape_into(l, org);
        })?;
    }
    if let Some(title) = &rec.title {
        put(out, &|l| {
            l.push_str("TITLE:");
            escape_into(l, title);
        })?;
    }
    let mut group = 0usize;
    for (name, items) in [("TEL", &rec.phones), ("EMAIL", &rec.emails)] {
        for item in items {
            let ty = item.label.as_deref().and_then(|l| vcard_type(name, l));
            match (&item.label, ty) {
                (Some(label), None) => {
                    group += 1;
                    put(out, &|l| {
                        l.push_str(&format!("item{group}.{name}:"));
                        escape_into(l, &item.value);
                    })?;
                    put(out, &|l| {
                        l.push_str(&format!("item{group}.X-ABLabel:"));
                        escape_into(l, label);
                    })?;
                }
                (_, ty) => put(out, &|l| {
                    l.push_str(name);
                    if let Some(ty) = ty {
                        l.push_str(";TYPE=");
                        l.push_str(ty);
                    }
                    l.push(':');
                    escape_into(l, &item.value);
                })?,
            }
        }
    }
    if let Some(address) = &rec.address {
        put(out, &|l| {
            l.push_str("ADR:;;");
            escape_into(l, address);
            l.push_str(";;;;");
        })?;
    }
    if let Some(bday) = &rec.birthday {
        let date_like = bday
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | 'T' | ':' | 'Z' | '+'));
        put(out, &|l| {
            l.push_str(if date_like {
                "BDAY:"
            } else {
                "BDAY;VALUE=text:"
            });
            escape_into(l, bday);
        })?;
    }
    if let Some(note) = &rec.note {
        put(out, &|l| {
            l.push_str("NOTE:");
            escape_into(l, note);
        })?;
    }
    if !rec.tags.is_empty() {
        put(out, &|l| {
            l.push_str("CATEGORIES:");
            for (i, tag) in rec.tags.iter().enumerate() {
                if i > 0 {
                    l.push(',');
                }
                escape_into(l, tag);
            }
        })?;
    }
    put(out, &|l| l.push_str("END:VCARD"))
}

/// The vCard `TYPE` for a label `read` would give back unchanged, if there is one.
fn vcard_type(property: &str, label: &str) -> Option<&'static str> {
    let known = known_type(label)?;
    // Only labels `read` produces in this spelling round-trip through TYPE.
    if !label.eq_ignore_ascii_case(known.label()) {
        return None;
    }
    match (property, known) {
        ("TEL", Known::Mobile) => Some("cell"),
        ("EMAIL", Known::Mobile | Known::Fax | Known::Pager) => None,
        (_, k) => Some(k.label()),
    }
}

/// Escapes a text value: backslash, newline, comma and semicolon.
fn escape_into(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            c => out.push(c),
        }
    }
}

/// Writes one content line folded at 75 octets (continuations start with a space),
/// never inside a UTF-8 character, ending in CRLF.
fn write_folded(out: &mut dyn Write, line: &str) -> io::Result<()> {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.write_all(head.as_bytes())?;
        out.write_all(b"\r\n ")?;
        rest = tail;
        limit = 74;
    }
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests;
