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
//!    `CHARSET=`, else `--encoding`, else UTF-8 when valid, else a legacy guess made
//!    from the file's text with its quoted-printable escapes decoded (so `Iksi=F1ski`
//!    in a Polish file is `Iksiński`); the file's encoding then reads "ISO-8859-2
//!    (guessed)" and a note says how many values were guessed. A value that is not
//!    valid in the charset it declares is read the same way, with a warning on the
//!    record: the card is kept. Base64 values (photos, keys) are never decoded. Only
//!    the values a record uses are decoded.
//!
//! Decisions a reader of the output should know:
//! - `company` is the organisation name (the first `ORG` component); the units after
//!   it are the `department`.
//! - The preferred phone and email (3.0 `TYPE=pref`, 4.0 `PREF=1`, the lowest `PREF`
//!   first) come first: the first is the customer's main one.
//! - The best address (preferred, then work, then the first) is `address`, the next
//!   `second_address`; an empty `ADR:;;;;;;` is ignored.
//! - `CATEGORIES` are split at every comma, escaped or not (Thunderbird writes
//!   `a\, b\, c`).
//! - A `KIND:group` card is a list of members, not a contact: it is left out, with a
//!   note in the report. A card cut short (no `END:VCARD`) is imported with what it
//!   holds, with a warning.
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
        guessed: std::cell::Cell::new(0),
        notes: Vec::new(),
        not_contacts: 0,
    };
    // Sized once for the cards the file seems to hold: records are big to move.
    let mut records = Vec::with_capacity(memchr::memmem::find_iter(&data, b"BEGIN:VCARD").count());
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
                reader.finish(&props, open, line.start, true, &mut records, &mut problems);
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
                    reader.finish(&props, &open, line.end, false, &mut records, &mut problems);
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
        reader.finish(&props, open, last_end, true, &mut records, &mut problems);
    }
    if cards == 0 {
        return Err(ReadError(
            "no BEGIN:VCARD line anywhere: this is not a vCard file".to_string(),
        ));
    }
    let guessed = reader.guessed.get();
    let encoding = match transcoded {
        Some(enc) => enc.name().to_string(),
        None => match opts.encoding {
            Some(enc) => enc.name().to_string(),
            // Values without a CHARSET in 8-bit text: the guess is what they were read in.
            None if guessed > 0 => format!("{} (guessed)", reader.legacy().name()),
            None if std::str::from_utf8(&data).is_ok() => UTF_8.name().to_string(),
            None => reader.legacy().name().to_string(),
        },
    };
    let mut notes = std::mem::take(&mut reader.notes);
    if guessed > 0 {
        notes.push(format!(
            "{guessed} value{} without a CHARSET read as {}, a guess from the file's text \
             (name the right one with --encoding)",
            if guessed == 1 { "" } else { "s" },
            reader.legacy().name()
        ));
    }
    Ok(ReadOutcome {
        records,
        problems,
        not_contacts: reader.not_contacts,
        skipped: reader.skipped,
        encoding,
        header: None,
        notes,
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

fn truncated_note(open: &OpenCard) -> String {
    format!(
        "the card starting on line {} has no END:VCARD (file truncated?); imported what it holds",
        open.line
    )
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
    /// Values without a CHARSET that were not UTF-8 and were read in the guess.
    guessed: std::cell::Cell<usize>,
    /// Notes on the file for the report (group cards left out).
    notes: Vec<String>,
    /// Cards left out as not contacts.
    not_contacts: usize,
}

impl Reader<'_> {
    /// The encoding of undeclared 8-bit values: `chardetng`'s guess from the file's
    /// text with its quoted-printable escapes decoded (an ASCII file of `=F1` holds
    /// no clue otherwise), told the country domain of its email addresses (`.pl`
    /// makes ISO-8859-2 likelier than windows-1252). Made when first needed.
    fn legacy(&self) -> &'static Encoding {
        self.legacy.get_or_init(|| {
            let text = qp_decode(self.data);
            decode::guess_legacy_hinted(&text, country_domain(self.data).as_deref())
        })
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
    /// decoded in its charset (see the module comment). A value that is not valid in
    /// the charset it declares, or declares one Rapport does not know, is read the way
    /// an undeclared one is (UTF-8, else the guess) and `warnings` says so: the card is
    /// kept.
    fn text(&self, prop: &Prop, warnings: &mut Vec<String>) -> String {
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
            match decode::encoding_for_label(&label) {
                Ok(enc) => match decode_value(&bytes, enc) {
                    Some(text) => return text,
                    None => warnings.push(format!(
                        "{} declares CHARSET={label} but is not valid {} text",
                        name(),
                        enc.name()
                    )),
                },
                Err(e) => warnings.push(format!("{} declares CHARSET={label}, but {e}", name())),
            }
        } else if let Some(enc) = self.forced {
            match decode::decode_strict(&bytes, enc) {
                Ok(text) => return text,
                Err(e) => warnings.push(format!("{} {e}", name())),
            }
        }
        match String::from_utf8(bytes.into_owned()) {
            Ok(text) => text,
            Err(e) => {
                let enc = self.legacy();
                self.guessed.set(self.guessed.get() + 1);
                let (text, _, bad) = enc.decode(e.as_bytes());
                if bad {
                    warnings.push(format!(
                        "{} is neither UTF-8 nor {} text: read with replacement characters",
                        name(),
                        enc.name()
                    ));
                }
                text.into_owned()
            }
        }
    }

    /// A complete card (or one cut short, `truncated`) into `records`, or, when it is
    /// not a contact at all, left out with a note. `end` is where its text ends.
    fn finish(
        &mut self,
        props: &[Prop],
        open: &OpenCard,
        end: usize,
        truncated: bool,
        records: &mut Vec<ContactRecord>,
        problems: &mut Vec<Problem>,
    ) {
        let raw = self.lossy(self.data.get(open.start..end).unwrap_or_default());
        match self.record(props, open) {
            Ok(mut record) => {
                if truncated {
                    record.warnings.push(truncated_note(open));
                }
                record.raw = raw;
                records.push(record);
            }
            Err(why) => {
                self.notes.push(format!(
                    "record {} (line {}): {why}",
                    open.record, open.line
                ));
                self.skip("group cards (KIND:group)");
                self.not_contacts += 1;
                // Nothing of it is imported: refused with its text when it is cut short.
                if truncated {
                    problems.push(Problem {
                        record: open.record,
                        line: open.line,
                        reason: why,
                        raw,
                    });
                }
            }
        }
    }

    /// The record of a complete card, or why it is not a contact (a `KIND:group` list,
    /// left out).
    fn record(&mut self, props: &[Prop], open: &OpenCard) -> Result<ContactRecord, String> {
        let mut rec = ContactRecord {
            record: open.record,
            line: open.line,
            ..ContactRecord::default()
        };
        let mut warnings: Vec<String> = Vec::new();
        let mut fn_seen = false;
        let mut n_prop: Option<&Prop> = None;
        // Addresses with their rank (see `address_rank`), in the card's order.
        let mut addresses: Vec<(u8, String)> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut group = false;
        // The preference (lower is preferred) of each phone and email, once one has any.
        let mut phone_prefs: Vec<u32> = Vec::new();
        let mut email_prefs: Vec<u32> = Vec::new();
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
                    rec.name = clean_text(&self.text(prop, &mut warnings));
                    true
                }
                b"TEL" => {
                    let text = self.text(prop, &mut warnings);
                    if let Some(phone) = phone_of(&text, prop, &labels) {
                        note_preference(&mut phone_prefs, rec.phones.len(), prop);
                        rec.phones.push(phone);
                    }
                    labelled_groups.push(prop.layout.group(&prop.text));
                    true
                }
                b"EMAIL" => {
                    let text = self.text(prop, &mut warnings);
                    if let Some(email) = email_of(&text, prop, &labels) {
                        note_preference(&mut email_prefs, rec.emails.len(), prop);
                        rec.emails.push(email);
                    }
                    labelled_groups.push(prop.layout.group(&prop.text));
                    true
                }
                b"ORG" if rec.company.is_none() => {
                    let text = self.text(prop, &mut warnings);
                    let mut parts = split_escaped(&text, ';').map(clean_text);
                    rec.company = parts.next().filter(|p| !p.is_empty());
                    // Units after the name: the department.
                    let units: Vec<String> = parts.filter(|p| !p.is_empty()).collect();
                    if !units.is_empty() {
                        rec.department = Some(units.join(", "));
                    }
                    true
                }
                b"ADR" => {
                    let text = self.text(prop, &mut warnings);
                    // An empty `ADR;TYPE=WORK:;;;;;` holds nothing: ignored.
                    if let Some(address) = address_text(&text) {
                        addresses.push((address_rank(prop), address));
                    }
                    true
                }
                b"NOTE" => {
                    let note = clean_text(&self.text(prop, &mut warnings));
                    if !note.is_empty() {
                        notes.push(note);
                    }
                    true
                }
                b"BDAY" if rec.birthday.is_none() => {
                    rec.birthday = non_empty(clean_text(&self.text(prop, &mut warnings)));
                    true
                }
                b"TITLE" if rec.title.is_none() => {
                    rec.title = non_empty(clean_text(&self.text(prop, &mut warnings)));
                    true
                }
                b"NICKNAME" if rec.nickname.is_none() => {
                    let text = self.text(prop, &mut warnings);
                    let names: Vec<String> = split_escaped(&text, ',')
                        .map(clean_text)
                        .filter(|n| !n.is_empty())
                        .collect();
                    rec.nickname = non_empty(names.join(", "));
                    true
                }
                b"URL" if rec.website.is_none() => {
                    rec.website = non_empty(clean_text(&self.text(prop, &mut warnings)));
                    true
                }
                b"KIND" => {
                    let kind = self.text(prop, &mut warnings);
                    let kind = kind.trim();
                    if kind.eq_ignore_ascii_case("org") || kind.eq_ignore_ascii_case("organization")
                    {
                        rec.kind = Some(CustomerKind::Company);
                    }
                    group |= kind.eq_ignore_ascii_case("group");
                    true
                }
                b"X-ABSHOWAS" => {
                    if self
                        .text(prop, &mut warnings)
                        .trim()
                        .eq_ignore_ascii_case("COMPANY")
                    {
                        rec.kind = Some(CustomerKind::Company);
                    }
                    true
                }
                b"CATEGORIES" => {
                    // Thunderbird escapes the commas between categories (`a\, b\, c`):
                    // every comma separates.
                    let text = clean_text(&self.text(prop, &mut warnings));
                    rec.tags.extend(
                        text.split(',')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string),
                    );
                    true
                }
                _ => false,
            };
            if !mapped {
                self.skip_prop(name);
            }
        }
        if group {
            let name = if rec.name.is_empty() {
                String::new()
            } else {
                format!(" {:?}", crate::text::for_terminal(&rec.name))
            };
            return Err(format!(
                "the group card{name} (KIND:group) lists members, it is not a person or a \
                 company: not imported"
            ));
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
        // The preferred phone and email come first: the first is the main one.
        preferred_first(&mut rec.phones, &phone_prefs);
        preferred_first(&mut rec.emails, &email_prefs);
        if rec.tags.len() > 1 {
            let mut seen = std::collections::HashSet::new();
            rec.tags.retain(|t| seen.insert(t.clone()));
        }
        if rec.name.is_empty()
            && let Some(n) = n_prop
        {
            rec.name = name_from_n(&self.text(n, &mut warnings));
        }
        // The best-ranked address first (the card's first among equals), then the next.
        addresses.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
        let mut addresses = addresses.into_iter().map(|(_, a)| a);
        rec.address = addresses.next();
        rec.second_address = addresses.next();
        for _ in addresses {
            self.skip("ADR");
        }
        if !notes.is_empty() {
            rec.note = Some(notes.join("\n\n"));
        }
        rec.warnings = warnings;
        Ok(rec)
    }
}

/// How an address ranks for being the main one: preferred, then work, then any.
fn address_rank(prop: &Prop) -> u8 {
    if prop.is_pref() {
        2
    } else {
        u8::from(prop.has_type("work"))
    }
}

/// Notes the preference of the value about to be pushed at `index` into `prefs`,
/// which stays empty (no allocation) while no value has one.
fn note_preference(prefs: &mut Vec<u32>, index: usize, prop: &Prop) {
    let pref = preference(prop);
    if pref == NO_PREFERENCE && prefs.is_empty() {
        return;
    }
    prefs.resize(index, NO_PREFERENCE);
    prefs.push(pref);
}

/// Orders `values` by their preferences (stable: the card's order among equals).
fn preferred_first(values: &mut Vec<Labeled>, prefs: &[u32]) {
    if prefs.is_empty() {
        return;
    }
    let mut ranked: Vec<(u32, Labeled)> = std::mem::take(values)
        .into_iter()
        .enumerate()
        .map(|(i, v)| (prefs.get(i).copied().unwrap_or(NO_PREFERENCE), v))
        .collect();
    ranked.sort_by_key(|(pref, _)| *pref);
    *values = ranked.into_iter().map(|(_, v)| v).collect();
}

/// The preference of a value without one.
const NO_PREFERENCE: u32 = 101;

/// How preferred a phone or email is, lower first: vCard 4.0 `PREF=1`…`100`, 3.0
/// `TYPE=pref` and 2.1's bare `PREF` as 1, none as 101.
fn preference(prop: &Prop) -> u32 {
    if let Some(v) = prop.param("PREF") {
        return std::str::from_utf8(v)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(1)
            .clamp(1, 100);
    }
    if prop.is_pref() { 1 } else { NO_PREFERENCE }
}

/// An ADR value on one line: its components joined with ", ", or `None` when all are
/// empty. Outlook can spill a parameter it forgot to quote into the PO box and
/// extended components (`…GERMANY:;BHG01:;Street 1;…`, ez-vcard issue 114): their text
/// up to the last colon is that spill, not address.
fn address_text(text: &str) -> Option<String> {
    let parts: Vec<String> = split_escaped(text, ';')
        .enumerate()
        .flat_map(|(i, part)| {
            let part = unescape(part);
            let part = if i < 2 {
                match part.rfind(':') {
                    Some(at) => part[at + 1..].to_string(),
                    None => part.into_owned(),
                }
            } else {
                part.into_owned()
            };
            part.lines()
                .map(|l| l.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect();
    non_empty(parts.join(", "))
}

/// A TEL value as a labelled phone (`tel:` URIs as numbers), if it holds anything.
fn phone_of(text: &str, prop: &Prop, labels: &[(&[u8], &Prop)]) -> Option<Labeled> {
    let text = text.trim();
    let number = match strip_prefix_ignore_case(text, "tel:") {
        Some(uri) => tel_uri_number(uri),
        None => clean_text(text),
    };
    if number.is_empty() {
        return None;
    }
    let label = group_label(prop, labels).or_else(|| type_label(prop));
    Some(Labeled::new(label.as_deref(), number))
}

/// An EMAIL value as a labelled address (without `mailto:`), if it holds anything.
fn email_of(text: &str, prop: &Prop, labels: &[(&[u8], &Prop)]) -> Option<Labeled> {
    let text = text.trim();
    let address = clean_text(strip_prefix_ignore_case(text, "mailto:").unwrap_or(text));
    if address.is_empty() {
        return None;
    }
    let label = group_label(prop, labels).or_else(|| type_label(prop));
    Some(Labeled::new(label.as_deref(), address))
}

/// The country domain the file's email addresses mostly use (`pl`, `de`), as a hint
/// for guessing the charset of 8-bit text; generic domains (`com`, `org`) say nothing.
fn country_domain(data: &[u8]) -> Option<Vec<u8>> {
    let mut counts: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    for at in memchr::memchr_iter(b'@', data).take(1000) {
        let rest = data.get(at + 1..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-'))
            .unwrap_or(rest.len());
        let domain = rest.get(..end).unwrap_or_default();
        let Some(dot) = domain.iter().rposition(|b| *b == b'.') else {
            continue;
        };
        let tld = domain
            .get(dot + 1..)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if tld.len() == 2 {
            *counts.entry(tld).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(tld, _)| tld)
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

mod labels;
mod lines;
mod write;

use labels::{Known, group_label, known_type, type_label};
use lines::*;
pub use write::write;
#[cfg(test)]
use write::write_folded;

#[cfg(test)]
mod tests;
