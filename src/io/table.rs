//! A CSV file as rows: decoded once up front (`decode::decode_file`: BOM, UTF-16,
//! legacy 8-bit, `--encoding`), its delimiter detected, RFC 4180 quoting and CRLF/LF
//! handled by the `csv` crate, blank rows skipped, and every row given its data-row
//! number, the file line it starts on and its original text.

use std::borrow::Cow;

use csv::ByteRecord;
use encoding_rs::{Encoding, UTF_8};

use super::decode;
use super::record::{Problem, ReadError};

/// The delimiters tried, in order of preference when they tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records the delimiter detection looks at.
const SNIFF_RECORDS: usize = 20;
/// How much text the delimiter detection looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// A decoded CSV file with its header row read. UTF-8 input is borrowed, not copied.
pub struct Table<'a> {
    text: Cow<'a, str>,
    pub encoding: &'static Encoding,
    pub delimiter: u8,
    /// The header row's cells, trimmed.
    pub headers: Vec<String>,
    /// Byte range of the header row's text (for a reject file's first line).
    header_span: (usize, usize),
    /// Byte offset of the first data row.
    body_start: usize,
}

/// Where a data row is and how it stood in the file.
pub struct RowAt<'a> {
    /// 1-based data row number (blank rows not counted).
    pub record: usize,
    /// 1-based file line the row starts on.
    pub line: usize,
    /// The row's original text, without its line ending.
    pub raw: &'a str,
}

impl<'a> Table<'a> {
    /// Decodes `bytes` (see `decode::decode_file`), detects the delimiter and reads
    /// the header row. A file that cannot be decoded, or has no header row, is a
    /// `ReadError`.
    pub fn open(
        bytes: &'a [u8],
        forced: Option<&'static Encoding>,
    ) -> Result<Table<'a>, ReadError> {
        let (text, encoding) =
            decode(bytes, forced).map_err(|e| ReadError(format!("the file {e}")))?;
        let delimiter = detect_delimiter(text.as_bytes());
        let mut rdr = reader(delimiter, text.as_bytes());
        let mut rec = ByteRecord::new();
        let header_start = loop {
            let start = rdr.position().byte() as usize;
            match rdr.read_byte_record(&mut rec) {
                Ok(true) if is_blank(&rec) => continue,
                Ok(true) => break start,
                Ok(false) => {
                    return Err(ReadError(
                        "the file has no header row (it is empty or blank)".into(),
                    ));
                }
                Err(e) => return Err(ReadError(format!("the header row cannot be read: {e}"))),
            }
        };
        let headers = rec.iter().map(|f| cell(f).to_string()).collect();
        let body_start = rdr.position().byte() as usize;
        Ok(Table {
            encoding,
            delimiter,
            headers,
            header_span: (header_start, body_start),
            body_start,
            text,
        })
    }

    /// Calls `f` with every non-blank data row. Rows the csv parser refuses, and a
    /// last row whose quoted field is never closed (it would swallow the rest of the
    /// file), are returned as problems instead.
    pub fn for_each_row(&self, mut f: impl FnMut(&RowAt<'_>, &ByteRecord)) -> Vec<Problem> {
        let body = self.text.get(self.body_start..).unwrap_or("");
        let mut rdr = reader(self.delimiter, body.as_bytes());
        let mut rec = ByteRecord::new();
        let mut problems = Vec::new();
        let mut record = 0usize;
        let mut lines = LineCounter::default();
        loop {
            let start = rdr.position().clone();
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    if is_blank(&rec) {
                        continue;
                    }
                    record += 1;
                    let end = rdr.position().byte() as usize;
                    let (raw, line) = self.located(&start, end, &mut lines);
                    let at = RowAt { record, line, raw };
                    if end >= body.len() && unclosed_quote(raw) {
                        problems.push(Problem {
                            record,
                            line,
                            reason: format!(
                                "a quoted field is opened but never closed; the rest of the \
                                 file ({} lines) would be one field",
                                raw.lines().count()
                            ),
                            raw: raw.to_string(),
                        });
                        break;
                    }
                    f(&at, &rec);
                }
                Err(e) => {
                    record += 1;
                    let end = rdr.position().byte() as usize;
                    let (raw, line) = self.located(&start, end, &mut lines);
                    problems.push(Problem {
                        record,
                        line,
                        reason: format!("the row cannot be read as CSV: {e}"),
                        raw: raw.to_string(),
                    });
                    if end <= start.byte() as usize {
                        break;
                    }
                }
            }
        }
        problems
    }
}

impl Table<'_> {
    /// The header row as it stood in the file, without line endings.
    pub fn header_line(&self) -> &str {
        self.text
            .get(self.header_span.0..self.header_span.1)
            .unwrap_or("")
            .trim_matches(['\r', '\n'])
    }

    /// A guess at the number of data rows, to size the output once: the number of
    /// `\n` after the header (more than the rows when cells hold line breaks).
    pub fn row_estimate(&self) -> usize {
        let body = self
            .text
            .as_bytes()
            .get(self.body_start..)
            .unwrap_or_default();
        memchr::memchr_iter(b'\n', body).count() + 1
    }

    /// A row's text and first line from the parser's positions before and after it
    /// (relative to the body). The parser's start position can lie before the blank
    /// lines (and the `\n` of a CRLF) it skipped to reach the row, so those are
    /// stepped over here.
    fn located(&self, start: &csv::Position, end: usize, lines: &mut LineCounter) -> (&str, usize) {
        let from = self.body_start + start.byte() as usize;
        let to = (self.body_start + end).min(self.text.len());
        let full = self.text.get(from..to).unwrap_or("");
        let text = full.trim_start_matches(['\r', '\n']);
        let line = lines.line_at(&self.text, from + (full.len() - text.len()));
        (text.trim_end_matches(['\r', '\n']), line)
    }
}

/// Counts line breaks (`\r\n`, `\n` or a lone `\r`, as old Mac exports end lines)
/// up to a byte offset, moving forward only. The csv parser counts `\n` alone.
#[derive(Default)]
struct LineCounter {
    upto: usize,
    breaks: usize,
}

impl LineCounter {
    /// The 1-based line of the byte at `offset` (not before the last one asked).
    fn line_at(&mut self, text: &str, offset: usize) -> usize {
        let bytes = text.as_bytes();
        if let Some(slice) = bytes.get(self.upto..offset) {
            for i in memchr::memchr2_iter(b'\r', b'\n', slice) {
                let at = self.upto + i;
                let after_cr = at > 0 && bytes.get(at - 1) == Some(&b'\r');
                if bytes.get(at) == Some(&b'\r') || !after_cr {
                    self.breaks += 1;
                }
            }
            self.upto = offset;
        }
        self.breaks + 1
    }
}

/// `decode::decode_file`, without copying text that is UTF-8 already.
fn decode<'a>(
    bytes: &'a [u8],
    forced: Option<&'static Encoding>,
) -> Result<(Cow<'a, str>, &'static Encoding), String> {
    let (enc, bom) = decode::file_encoding(bytes, forced);
    if enc == UTF_8
        && let Some(Ok(text)) = bytes.get(bom..).map(std::str::from_utf8)
    {
        return Ok((Cow::Borrowed(text), enc));
    }
    decode::decode_file(bytes, forced).map(|(t, e)| (Cow::Owned(t), e))
}

fn reader(delimiter: u8, bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}

/// A cell as text, trimmed. The file was decoded to UTF-8 up front and the csv
/// parser splits at ASCII bytes only, so a cell is always valid UTF-8.
pub fn cell(f: &[u8]) -> &str {
    std::str::from_utf8(f).unwrap_or_default().trim()
}

/// A row with no text in any cell (an empty line, or only delimiters).
fn is_blank(rec: &ByteRecord) -> bool {
    rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Whether a row's quotes leave a field open: a quote that starts a field and is
/// never closed, found by walking the row the way RFC 4180 does.
fn unclosed_quote(raw: &str) -> bool {
    if !raw.contains(['\n', '\r']) {
        return false;
    }
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if c == '"' && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else {
            at_field_start = matches!(c, ',' | ';' | '\t' | '|' | '\n' | '\r');
        }
    }
    in_quotes
}

/// The delimiter that splits the first records into the most fields consistently:
/// for each candidate, the first records are parsed (quotes respected) and scored by
/// how many have as many fields as the header, then by the header's field count.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let mut sample = text.get(..SNIFF_BYTES).unwrap_or(text);
    // Cut the sample at a line end so the last record is whole (unless it is long).
    if sample.len() < text.len()
        && let Some(nl) = sample.iter().rposition(|b| *b == b'\n')
    {
        sample = sample.get(..=nl).unwrap_or(sample);
    }
    let mut best = (b',', 0usize, 0usize);
    for d in DELIMITERS {
        let mut rdr = reader(d, sample);
        let mut rec = ByteRecord::new();
        let mut header = 0usize;
        let mut consistent = 0usize;
        let mut seen = 0usize;
        while seen < SNIFF_RECORDS {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    if is_blank(&rec) {
                        continue;
                    }
                    seen += 1;
                    if header == 0 {
                        header = rec.len();
                    }
                    if rec.len() == header {
                        consistent += 1;
                    }
                }
                _ => break,
            }
        }
        if header <= 1 {
            continue;
        }
        if (consistent, header) > (best.1, best.2) {
            best = (d, consistent, header);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Record number, line, raw text, cells.
    type Row = (usize, usize, String, Vec<String>);

    fn read_rows(text: &str) -> (Table<'_>, Vec<Row>, Vec<Problem>) {
        let t = Table::open(text.as_bytes(), None).unwrap();
        let mut out = Vec::new();
        let problems = t.for_each_row(|at, rec| {
            out.push((
                at.record,
                at.line,
                at.raw.to_string(),
                rec.iter().map(|f| cell(f).to_string()).collect(),
            ))
        });
        (t, out, problems)
    }

    #[test]
    fn delimiters_are_detected_respecting_quotes() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(
            detect_delimiter(b"Vorname;Nachname;Firma\nJ\xc3\xbcrgen;M;\"A, B, C\"\n"),
            b';'
        );
        assert_eq!(detect_delimiter(b"a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b\n1|2\n"), b'|');
        // Commas inside quotes do not count.
        assert_eq!(
            detect_delimiter(b"name;note\n\"Smith, J\";\"a, b, c, d\"\n\"x,y\";z\n"),
            b';'
        );
        // One column: comma.
        assert_eq!(detect_delimiter(b"name\nAda\n"), b',');
        // Consistency beats a header that happens to hold more of another character.
        assert_eq!(detect_delimiter(b"a,b;c;d\n1,2\n3,4\n5,6\n"), b',');
    }

    #[test]
    fn quoted_newlines_give_record_and_line_numbers_apart() {
        let text = "Name,Address,Phone\r\n\r\nAda,\"1 Main St\r\nLondon\",123\r\n,,\r\nBob,x,\"4\"\"5\"\r\n\"Cy\",\"a\nb\nc\",9";
        let (t, rows, problems) = read_rows(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t.headers, vec!["Name", "Address", "Phone"]);
        assert_eq!(t.header_line(), "Name,Address,Phone");
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].0, rows[0].1), (1, 3));
        assert_eq!(rows[0].2, "Ada,\"1 Main St\r\nLondon\",123");
        assert_eq!(rows[0].3[1], "1 Main St\r\nLondon");
        assert_eq!((rows[1].0, rows[1].1), (2, 6));
        assert_eq!(rows[1].3[2], "4\"5");
        assert_eq!((rows[2].0, rows[2].1), (3, 7));
        assert_eq!(rows[2].2, "\"Cy\",\"a\nb\nc\",9");
    }

    #[test]
    fn old_mac_line_endings_count_as_lines() {
        let (_, rows, _) = read_rows("Name,Note\rAda,\"a\rb\"\r\rBob,x\r\nCy,y\n\nDi,z");
        let at: Vec<_> = rows.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(at, vec![(1, 2), (2, 5), (3, 6), (4, 8)]);
        assert_eq!(rows[0].2, "Ada,\"a\rb\"");
    }

    #[test]
    fn an_unclosed_quote_at_the_end_is_a_problem_not_a_record() {
        let (_, rows, problems) =
            read_rows("Name,Note\nAda,\"fine\"\nBob,\"never closed\nCy,x\nDi,y\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].record, problems[0].line), (2, 3));
        assert!(problems[0].reason.contains("never closed"));
        // A stray quote inside an unquoted field is text, not an opening quote.
        let (_, rows, problems) = read_rows("Name,Note\nAda,5\" screen\nBob,x\n");
        assert_eq!((rows.len(), problems.len()), (2, 0));
    }

    #[test]
    fn bom_utf16_and_legacy_encodings_decode_before_parsing() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(
            "Name;Phone\r\nJürgen;1\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let t = Table::open(&le, None).unwrap();
        assert_eq!((t.delimiter, t.encoding.name()), (b';', "UTF-16LE"));
        assert_eq!(t.headers, vec!["Name", "Phone"]);
        let t = Table::open(b"\xEF\xBB\xBFName,Phone\n", None).unwrap();
        assert_eq!(t.headers[0], "Name");
        let t = Table::open(b"Name,City\nM\xfcller,K\xf6ln Stra\xdfe\n", None).unwrap();
        assert_eq!(t.encoding.name(), "windows-1252");
        let e = Table::open(b"Name\n\xff\xfe\xfd", Some(encoding_rs::UTF_8))
            .err()
            .unwrap();
        assert!(e.0.contains("not valid UTF-8"), "{e}");
        assert!(
            Table::open(b"", None)
                .err()
                .unwrap()
                .0
                .contains("no header")
        );
        assert!(
            Table::open(b"\n ,, \n", None)
                .err()
                .unwrap()
                .0
                .contains("no header")
        );
    }
}
