//! vCard content lines: physical lines (CRLF, LF or a bare CR), joined into logical
//! ones across folds and quoted-printable soft breaks, and each split into group,
//! name, parameters and value (`group.NAME;PARAM=a,b;PARAM2="x:y";BARE:value`).

use std::borrow::Cow;
use std::ops::Range;

/// Physical lines, split on CRLF, LF or a bare CR. `Copy`, so peeking is a copy.
#[derive(Clone, Copy)]
pub(super) struct Lines<'a> {
    pub(super) data: &'a [u8],
    pub(super) pos: usize,
    pub(super) no: usize,
}

pub(super) struct Physical<'a> {
    /// 1-based line number.
    pub(super) no: usize,
    /// Byte offset of the line's first byte.
    pub(super) start: usize,
    pub(super) text: &'a [u8],
}

impl<'a> Lines<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
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
pub(super) struct Logical<'a> {
    /// Line number of its first physical line.
    pub(super) no: usize,
    /// Byte range in the file, from its first byte to the end of its last line.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Borrowed from the file unless something had to be joined.
    pub(super) text: Cow<'a, [u8]>,
}

pub(super) fn next_logical<'a>(lines: &mut Lines<'a>) -> Option<Logical<'a>> {
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

pub(super) fn is_quoted_printable(line: &[u8]) -> bool {
    Layout::parse(line).is_some_and(|l| l.params(line).any(|p| p.is_quoted_printable()))
}

/// Property names a line after a quoted-printable soft break is taken to start,
/// rather than continue the value (with any upper-case `X-` name).
pub(super) const KNOWN_NAMES: &[&[u8]] = &[
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
pub(super) fn starts_property(line: &[u8]) -> bool {
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
pub(super) struct Layout {
    pub(super) group: Range<usize>,
    pub(super) name: Range<usize>,
    /// Between the `;` after the name and the colon (empty without parameters).
    pub(super) params: Range<usize>,
    /// Start of the value, just after the colon.
    pub(super) value: usize,
}

impl Layout {
    /// `None` for a line without a colon or without a valid name.
    pub(super) fn parse(line: &[u8]) -> Option<Layout> {
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

    pub(super) fn name<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.name.clone()).unwrap_or_default()
    }

    pub(super) fn group<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.group.clone()).unwrap_or_default()
    }

    pub(super) fn value<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        line.get(self.value..).unwrap_or_default()
    }

    pub(super) fn params<'l>(&self, line: &'l [u8]) -> Params<'l> {
        Params {
            rest: line.get(self.params.clone()).unwrap_or_default(),
        }
    }
}

/// The parameters of a content line, split on `;` outside double quotes. Empty ones
/// (`NAME;;X=1`) are left out.
pub(super) struct Params<'l> {
    pub(super) rest: &'l [u8],
}

/// One parameter: `NAME=value` or a vCard 2.1 bare value (`CELL`, `QUOTED-PRINTABLE`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Param<'l> {
    pub(super) name: Option<&'l [u8]>,
    /// As written: quotes and caret escapes still in.
    pub(super) value: &'l [u8],
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
    pub(super) fn is(&self, name: &str) -> bool {
        self.name
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// `ENCODING=QUOTED-PRINTABLE` or a bare `QUOTED-PRINTABLE`.
    pub(super) fn is_quoted_printable(&self) -> bool {
        (self.name.is_none() || self.is("ENCODING"))
            && unquote(self.value).eq_ignore_ascii_case(b"QUOTED-PRINTABLE")
    }

    /// `ENCODING=b`, `ENCODING=BASE64` or a bare `BASE64`.
    pub(super) fn is_base64(&self) -> bool {
        let v = unquote(self.value);
        (self.is("ENCODING") && (v.eq_ignore_ascii_case(b"b") || v.eq_ignore_ascii_case(b"BASE64")))
            || (self.name.is_none() && v.eq_ignore_ascii_case(b"BASE64"))
    }

    /// A bare value or a `TYPE=` list, item by item (`TYPE=work,voice`,
    /// `TYPE="work,voice"` (RFC 6350 quotes the whole list), `MSG,WORK`); encodings are
    /// not types.
    pub(super) fn types(self) -> impl Iterator<Item = Cow<'l, str>> {
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
pub(super) fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        [b'"', inner @ ..] => inner,
        v => v,
    }
}

/// RFC 6868: `^n` is a newline, `^'` a double quote, `^^` a caret; other carets stay.
pub(super) fn caret_decode(value: &[u8]) -> Cow<'_, str> {
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

pub(super) fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}
