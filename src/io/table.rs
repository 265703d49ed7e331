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

    /// Calls `f` with every non-blank data row. Rows the csv parser refuses are
    /// returned as problems instead. So is a row where a quote opens a field that runs
    /// on over lines that look like rows of their own (a closing quote is missing: the
    /// rest of the file would be misread, field after field): the problem says where
    /// the quote opened, only that line is refused, and reading goes on with the next
    /// line.
    pub fn for_each_row(&self, mut f: impl FnMut(&RowAt<'_>, &ByteRecord)) -> Vec<Problem> {
        let body = self.text.get(self.body_start..).unwrap_or("");
        let columns = self.headers.len();
        let mut rec = ByteRecord::new();
        let mut problems = Vec::new();
        let mut record = 0usize;
        let mut lines = LineCounter::default();
        // Where in the body the parser (re)started: after a runaway quote it starts
        // again on the line after the one the quote opened on.
        let mut base = 0usize;
        'restart: loop {
            let rest = body.get(base..).unwrap_or("");
            let mut rdr = reader(self.delimiter, rest.as_bytes());
            loop {
                let start = base + rdr.position().byte() as usize;
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => break 'restart,
                    Ok(true) => {
                        if is_blank(&rec) {
                            continue;
                        }
                        record += 1;
                        let end = base + rdr.position().byte() as usize;
                        let (raw, line, raw_start) = self.located(start, end, &mut lines);
                        let at_end = end >= body.len();
                        if let Some(open) = runaway_quote(raw, self.delimiter, columns, at_end) {
                            let first_line = raw.find(['\r', '\n']).unwrap_or(raw.len());
                            let field =
                                raw[..open].bytes().filter(|b| *b == self.delimiter).count();
                            problems.push(Problem {
                                record,
                                line,
                                reason: format!(
                                    "the quote that opens field {} ({}) on line {line} is never \
                                     closed before the next rows: a closing quote is missing. \
                                     This line is refused; the lines after it are read on their \
                                     own",
                                    field + 1,
                                    self.headers
                                        .get(field)
                                        .map(|h| format!("{:?}", crate::text::for_terminal(h)))
                                        .unwrap_or_else(|| "past the last column".into())
                                ),
                                raw: raw[..first_line].to_string(),
                            });
                            base = raw_start - self.body_start + first_line;
                            continue 'restart;
                        }
                        let at = RowAt { record, line, raw };
                        f(&at, &rec);
                    }
                    Err(e) => {
                        record += 1;
                        let end = base + rdr.position().byte() as usize;
                        let (raw, line, _) = self.located(start, end, &mut lines);
                        problems.push(Problem {
                            record,
                            line,
                            reason: format!("the row cannot be read as CSV: {e}"),
                            raw: raw.to_string(),
                        });
                        if end <= start {
                            break 'restart;
                        }
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

    /// A row's text, first line and offset in the file from the parser's positions
    /// before and after it (offsets in the body). The parser's start position can lie
    /// before the blank lines (and the `\n` of a CRLF) it skipped to reach the row, so
    /// those are stepped over here.
    fn located(&self, start: usize, end: usize, lines: &mut LineCounter) -> (&str, usize, usize) {
        let from = self.body_start + start;
        let to = (self.body_start + end).min(self.text.len());
        let full = self.text.get(from..to).unwrap_or("");
        let text = full.trim_start_matches(['\r', '\n']);
        let at = from + (full.len() - text.len());
        let line = lines.line_at(&self.text, at);
        (text.trim_end_matches(['\r', '\n']), line, at)
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

/// Where a quote opens a field that runs away (byte offset in `raw`), walking the row
/// the way RFC 4180 does: one never closed at the end of the file (`at_end`), or one
/// whose text spans lines that each hold a whole row's delimiters, as the rows a
/// missing closing quote swallows do. A quoted address or note over a few lines does
/// not: in a file of three or four columns two such lines are needed, in wider files
/// one, and files of one or two columns are not judged.
fn runaway_quote(raw: &str, delimiter: u8, columns: usize, at_end: bool) -> Option<usize> {
    if !raw.contains(['\n', '\r']) {
        return None;
    }
    let delimiter = char::from(delimiter);
    let needed = match columns {
        0..=2 => usize::MAX,
        3 | 4 => 2,
        _ => 1,
    };
    let row_like = |text: &str| {
        text.lines()
            .skip(1)
            .filter(|l| l.chars().filter(|c| *c == delimiter).count() + 1 >= columns)
            .count()
    };
    let mut open: Option<usize> = None;
    let mut at_field_start = true;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(start) = open {
            if c == '"' {
                if chars.peek().map(|(_, n)| *n) == Some('"') {
                    chars.next();
                } else {
                    if row_like(&raw[start..i]) >= needed {
                        return Some(start);
                    }
                    open = None;
                }
            }
        } else if c == '"' && at_field_start {
            open = Some(i);
            at_field_start = false;
        } else {
            at_field_start = c == delimiter || matches!(c, '\n' | '\r');
        }
    }
    match open {
        Some(start) if at_end || row_like(&raw[start..]) >= needed => Some(start),
        _ => None,
    }
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
    fn an_unclosed_quote_refuses_its_line_and_the_rows_after_it_are_read() {
        let (_, rows, problems) =
            read_rows("Name,Note\nAda,\"fine\"\nBob,\"never closed\nCy,x\nDi,y\n");
        let names: Vec<&str> = rows.iter().map(|r| r.3[0].as_str()).collect();
        assert_eq!(names, ["Ada", "Cy", "Di"]);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].record, problems[0].line), (2, 3));
        assert!(problems[0].reason.contains("never closed"));
        assert!(problems[0].reason.contains("field 2 (\"Note\") on line 3"));
        assert_eq!(problems[0].raw, "Bob,\"never closed");
        // Lines after the refused one keep their numbers.
        assert_eq!((rows[1].0, rows[1].1), (3, 4));
        // A stray quote inside an unquoted field is text, not an opening quote.
        let (_, rows, problems) = read_rows("Name,Note\nAda,5\" screen\nBob,x\n");
        assert_eq!((rows.len(), problems.len()), (2, 0));
    }

    #[test]
    fn a_missing_closing_quote_mid_file_does_not_cascade() {
        // Row 2's quote is closed only by the quote that opens row 5's note: without
        // the check, everything after row 2 would be read out of step.
        let mut text = String::from("Name,Phone,Email,Note\n");
        text.push_str("Ada,1111,a@x.org,\"fine\"\n");
        text.push_str("Bob,2222,b@x.org,\"forgot to close\n");
        for i in 3..=200 {
            text.push_str(&format!("P{i},{i}000,p{i}@x.org,plain\n"));
        }
        text.push_str("Zed,9999,z@x.org,\"quoted, fine\"\n");
        let (_, rows, problems) = read_rows(&text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].reason.contains("line 3"),
            "{}",
            problems[0].reason
        );
        assert_eq!(rows.len(), 200, "every other row is read");
        assert_eq!(rows.last().unwrap().3[3], "quoted, fine");
        assert!(rows.iter().all(|r| r.3.len() == 4));
        // A quoted note over a few lines is not a runaway quote.
        let (_, rows, problems) = read_rows(
            "Name,Phone,Email,Note\nAda,1,a@x,\"line one\nline two, with a comma\nthree\"\nBob,2,b@x,x\n",
        );
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
