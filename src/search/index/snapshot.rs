//! The index as a file: every array of a laid-out [`SearchIndex`] written as it sits in
//! memory, so loading is one sequential read straight into the final arrays (no
//! parsing, no rebuilding) followed by a checksum and a few bounds checks.
//!
//! Layout (native little-endian): a 64-byte header (magic, format version, the schema
//! version and audit mark it reflects, payload length, checksum), then the sections in
//! a fixed order, each an element count (`u64`) and its bytes padded to 8.

use std::io::{self, Read, Write};

use bytemuck::Pod;

use super::{Dict, FxMap, Interner, SearchIndex};

const MAGIC: &[u8; 8] = b"RAPLOOK\0";
/// Bump whenever the layout or the meaning of any array changes.
pub const FORMAT: u32 = 1;
const ENDIAN: u32 = 0x0102_0304;
const HEADER: usize = 64;

/// What a snapshot reflects: written with it, checked before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The database's schema version.
    pub schema: i64,
    /// The id of the newest audit entry the index includes.
    pub mark: i64,
    /// That entry's fingerprint (`Store::audit_entry_fingerprint`), 0 when none.
    pub fingerprint: u64,
}

/// Why a snapshot file cannot be used (it is then rebuilt; nothing is lost).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
    #[error("not a lookup index file")]
    NotASnapshot,
    #[error("written by another version of Rapport (format {found}, this one reads {FORMAT})")]
    Format { found: u32 },
    #[error("written on a machine of another byte order")]
    ByteOrder,
    #[error("truncated: {found} bytes where the header says {expected}")]
    Truncated { found: u64, expected: u64 },
    #[error("damaged (its checksum does not match)")]
    Checksum,
    #[error("damaged ({0})")]
    Damaged(&'static str),
}

impl SearchIndex {
    /// Writes the index as a snapshot stamped with `stamp`. Records written since the
    /// last layout are folded in first, so the file holds one ranked layout.
    pub fn write_snapshot(&mut self, out: &mut impl Write, stamp: &Stamp) -> io::Result<()> {
        if !self.delta.is_empty() || self.live != self.ids.len() {
            self.compact();
        }
        let meta = [self.main_len as u64, self.live as u64];
        let interned = self.interner.flatten();
        let mut payload = Sections::default();
        payload.add(&meta);
        payload.add(&self.ids);
        payload.add(&self.last);
        payload.add(&self.text_start);
        payload.add(&self.blob);
        payload.add(&self.word_start);
        payload.add(&self.record_words);
        payload.add(&self.by_id);
        payload.add(&self.dict.off);
        payload.add(&self.dict.text);
        payload.add(&self.dict.mask);
        payload.add(&self.dict.sorted);
        payload.add(&self.post_off);
        payload.add(&self.post_classes);
        payload.add(&self.posts);
        payload.add(&self.phone_prefix);
        payload.add(&self.phone_suffix);
        payload.add(&interned.0);
        payload.add(&interned.1);
        payload.add(&interned.2);
        payload.add(&interned.3);

        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT.to_le_bytes());
        header.extend_from_slice(&ENDIAN.to_ne_bytes());
        header.extend_from_slice(&stamp.schema.to_le_bytes());
        header.extend_from_slice(&stamp.mark.to_le_bytes());
        header.extend_from_slice(&stamp.fingerprint.to_le_bytes());
        header.extend_from_slice(&payload.len.to_le_bytes());
        header.extend_from_slice(&payload.hash.finish().to_le_bytes());
        header.resize(HEADER, 0);
        out.write_all(&header)?;
        for part in payload.parts {
            out.write_all(part.bytes())?;
        }
        out.flush()
    }

    /// Reads a snapshot written by [`SearchIndex::write_snapshot`], `file_len` bytes
    /// long. Refuses (never panics on) a file that is truncated, damaged, or from
    /// another format.
    pub fn read_snapshot(
        input: &mut impl Read,
        file_len: u64,
    ) -> Result<(SearchIndex, Stamp), SnapshotError> {
        let mut header = [0u8; HEADER];
        if file_len < HEADER as u64 {
            return Err(SnapshotError::NotASnapshot);
        }
        input.read_exact(&mut header)?;
        if &header[..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().unwrap_or([0; 8]));
        let found = u32_at(8);
        if found != FORMAT {
            return Err(SnapshotError::Format { found });
        }
        if u32::from_ne_bytes(header[12..16].try_into().unwrap_or([0; 4])) != ENDIAN {
            return Err(SnapshotError::ByteOrder);
        }
        let stamp = Stamp {
            schema: u64_at(16) as i64,
            mark: u64_at(24) as i64,
            fingerprint: u64_at(32),
        };
        let payload_len = u64_at(40);
        let expected = HEADER as u64 + payload_len;
        if file_len != expected {
            return Err(SnapshotError::Truncated {
                found: file_len,
                expected,
            });
        }
        let mut r = Reader {
            input,
            left: payload_len,
            hash: Hash64::default(),
        };
        let meta: Vec<u64> = r.take()?;
        let ids: Vec<i64> = r.take()?;
        let last: Vec<i64> = r.take()?;
        let text_start: Vec<u32> = r.take()?;
        let blob: Vec<u8> = r.take()?;
        let word_start: Vec<u32> = r.take()?;
        let record_words: Vec<u32> = r.take()?;
        let by_id: Vec<u32> = r.take()?;
        let off: Vec<u32> = r.take()?;
        let text: Vec<u8> = r.take()?;
        let mask: Vec<u64> = r.take()?;
        let sorted: Vec<u32> = r.take()?;
        let post_off: Vec<u32> = r.take()?;
        let post_classes: Vec<u16> = r.take()?;
        let posts: Vec<u32> = r.take()?;
        let phone_prefix: Vec<u64> = r.take()?;
        let phone_suffix: Vec<u64> = r.take()?;
        let i_text: Vec<u8> = r.take()?;
        let i_text_off: Vec<u32> = r.take()?;
        let i_words: Vec<u32> = r.take()?;
        let i_words_off: Vec<u32> = r.take()?;
        if r.left != 0 {
            return Err(SnapshotError::Damaged("bytes after the last section"));
        }
        if r.hash.finish() != u64_at(48) {
            return Err(SnapshotError::Checksum);
        }
        let &[main_len, live] = meta.as_slice() else {
            return Err(SnapshotError::Damaged("header section"));
        };
        let n = ids.len();
        let nwords = mask.len();
        let check = |ok: bool, what: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(SnapshotError::Damaged(what))
            }
        };
        check(main_len == n as u64 && live == n as u64, "record count")?;
        check(n <= super::SLOT_MASK as usize, "record count")?;
        check(last.len() == n && by_id.len() == n, "per-record arrays")?;
        check(offsets(&text_start, n, blob.len()), "record text offsets")?;
        check(
            offsets(&word_start, n, record_words.len()),
            "record word offsets",
        )?;
        check(offsets(&off, nwords, text.len()), "dictionary offsets")?;
        check(sorted.len() == nwords, "dictionary order")?;
        check(
            sorted.iter().all(|&w| (w as usize) < nwords),
            "dictionary order",
        )?;
        check(by_id.iter().all(|&s| (s as usize) < n), "id order")?;
        check(
            record_words.iter().all(|&e| ((e >> 4) as usize) < nwords),
            "record words",
        )?;
        check(post_classes.len() == nwords, "posting classes")?;
        check(offsets(&post_off, nwords, posts.len()), "posting offsets")?;
        check(
            posts.iter().all(|&p| ((p & super::SLOT_MASK) as usize) < n),
            "postings",
        )?;
        check(
            phone_prefix
                .iter()
                .chain(&phone_suffix)
                .all(|&k| ((k & 0xffff_ffff) as usize) < n),
            "phone keys",
        )?;
        let interner = Interner::unflatten(&i_text, &i_text_off, &i_words, &i_words_off, nwords)
            .ok_or(SnapshotError::Damaged("companies and tags"))?;
        check(
            blob_is_sound(&blob, &text_start, interner.strings.len()),
            "record text",
        )?;

        let mut ix = SearchIndex::empty(false);
        ix.alive = vec![u64::MAX; n.div_ceil(64)];
        if n % 64 != 0
            && let Some(w) = ix.alive.last_mut()
        {
            *w = (1u64 << (n % 64)) - 1;
        }
        ix.live = n;
        ix.main_len = n as u32;
        ix.ids = ids;
        ix.last = last;
        ix.text_start = text_start;
        ix.blob = blob;
        ix.word_start = word_start;
        ix.record_words = record_words;
        ix.by_id = by_id;
        ix.dict = Dict {
            off,
            text,
            mask,
            sorted,
        };
        ix.interner = interner;
        ix.post_off = post_off;
        ix.post_classes = post_classes;
        ix.posts = posts;
        ix.phone_prefix = phone_prefix;
        ix.phone_suffix = phone_suffix;
        Ok((ix, stamp))
    }
}

/// `starts` holds `n + 1` ascending offsets from 0 to `len`.
fn offsets(starts: &[u32], n: usize, len: usize) -> bool {
    starts.len() == n + 1
        && starts.first() == Some(&0)
        && starts.last().is_some_and(|&l| l as usize == len)
        && starts.is_sorted()
}

/// Every record's encoded fields stay inside its span, name interned strings that
/// exist, and hold UTF-8 text (what `SearchIndex::fields` relies on).
fn blob_is_sound(blob: &[u8], starts: &[u32], strings: usize) -> bool {
    use super::{KIND_COMPANY, KIND_PHONE, KIND_TAG};
    starts.windows(2).all(|w| {
        let (mut at, end) = (w[0] as usize, w[1] as usize);
        while at < end {
            let kind = blob[at];
            at += 1;
            let Some(n) = varint(blob, &mut at, end) else {
                return false;
            };
            match kind {
                KIND_COMPANY | KIND_TAG => {
                    if n as usize >= strings {
                        return false;
                    }
                }
                k if k <= KIND_PHONE => {
                    let Some(t) = blob
                        .get(at..at + n as usize)
                        .filter(|_| at + n as usize <= end)
                    else {
                        return false;
                    };
                    if std::str::from_utf8(t).is_err() {
                        return false;
                    }
                    at += n as usize;
                }
                _ => return false,
            }
        }
        at == end
    })
}

fn varint(buf: &[u8], at: &mut usize, end: usize) -> Option<u32> {
    let mut v = 0u32;
    for shift in (0..35).step_by(7) {
        if *at >= end {
            return None;
        }
        let b = buf[*at];
        *at += 1;
        v |= ((b & 0x7f) as u32).checked_shl(shift)?;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

impl Interner {
    /// The strings and their words as four flat arrays.
    fn flatten(&self) -> (Vec<u8>, Vec<u32>, Vec<u32>, Vec<u32>) {
        let (mut text, mut text_off) = (Vec::new(), vec![0u32]);
        let (mut words, mut words_off) = (Vec::new(), vec![0u32]);
        for (s, ws) in self.strings.iter().zip(&self.words) {
            text.extend_from_slice(s.as_bytes());
            text_off.push(text.len() as u32);
            words.extend_from_slice(ws);
            words_off.push(words.len() as u32);
        }
        (text, text_off, words, words_off)
    }

    fn unflatten(
        text: &[u8],
        text_off: &[u32],
        words: &[u32],
        words_off: &[u32],
        nwords: usize,
    ) -> Option<Interner> {
        let n = text_off.len().checked_sub(1)?;
        if !offsets(text_off, n, text.len()) || !offsets(words_off, n, words.len()) {
            return None;
        }
        if !words.iter().all(|&wp| ((wp >> 2) as usize) < nwords) {
            return None;
        }
        let mut ix = Interner {
            strings: Vec::with_capacity(n),
            words: Vec::with_capacity(n),
            map: FxMap::default(),
        };
        ix.map.reserve(n);
        for i in 0..n {
            let s =
                std::str::from_utf8(&text[text_off[i] as usize..text_off[i + 1] as usize]).ok()?;
            let s: Box<str> = s.into();
            ix.map.insert(s.clone(), i as u32);
            ix.strings.push(s);
            ix.words
                .push(words[words_off[i] as usize..words_off[i + 1] as usize].into());
        }
        Some(ix)
    }
}

/// One section to write: its element count, then its bytes and padding.
enum Part<'a> {
    Owned(Vec<u8>),
    Borrowed(&'a [u8]),
}

impl Part<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Part::Owned(b) => b,
            Part::Borrowed(b) => b,
        }
    }
}

#[derive(Default)]
struct Sections<'a> {
    parts: Vec<Part<'a>>,
    len: u64,
    hash: Hash64,
}

impl<'a> Sections<'a> {
    fn add<T: Pod>(&mut self, items: &'a [T]) {
        let bytes: &[u8] = bytemuck::cast_slice(items);
        let count = (items.len() as u64).to_le_bytes().to_vec();
        let pad = vec![0u8; padding(bytes.len())];
        for part in [Part::Owned(count), Part::Borrowed(bytes), Part::Owned(pad)] {
            self.hash.update(part.bytes());
            self.len += part.bytes().len() as u64;
            self.parts.push(part);
        }
    }
}

fn padding(len: usize) -> usize {
    (8 - len % 8) % 8
}

/// Reads sections in order, hashing what it reads, never past the payload.
struct Reader<'r, R: Read> {
    input: &'r mut R,
    left: u64,
    hash: Hash64,
}

impl<R: Read> Reader<'_, R> {
    fn take<T: Pod>(&mut self) -> Result<Vec<T>, SnapshotError> {
        let mut count = [0u8; 8];
        self.read(&mut count)?;
        let count = u64::from_le_bytes(count);
        let size = std::mem::size_of::<T>() as u64;
        let bytes = count
            .checked_mul(size)
            .filter(|&b| b <= self.left)
            .ok_or(SnapshotError::Damaged("a section runs past the end"))?;
        let mut v = vec![T::zeroed(); count as usize];
        self.read(bytemuck::cast_slice_mut(&mut v))?;
        let mut pad = [0u8; 8];
        self.read(&mut pad[..padding(bytes as usize)])?;
        Ok(v)
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), SnapshotError> {
        if buf.len() as u64 > self.left {
            return Err(SnapshotError::Damaged("a section runs past the end"));
        }
        self.input.read_exact(buf)?;
        self.left -= buf.len() as u64;
        self.hash.update(buf);
        Ok(())
    }
}

/// A fast 64-bit checksum (four multiply-rotate lanes over 8-byte words), to catch a
/// damaged file; not cryptographic. Bytes are fed in multiples of 8 except the last.
#[derive(Default)]
struct Hash64 {
    lanes: [u64; 4],
    words: u64,
    tail: u64,
}

impl Hash64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    fn update(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            let lane = &mut self.lanes[(self.words % 4) as usize];
            *lane = (*lane ^ w).wrapping_mul(Self::K).rotate_left(29);
            self.words += 1;
        }
        for &b in chunks.remainder() {
            self.tail = (self.tail ^ b as u64).wrapping_mul(Self::K).rotate_left(7);
        }
    }

    fn finish(&self) -> u64 {
        self.lanes.iter().fold(self.words ^ self.tail, |h, &l| {
            (h.rotate_left(17) ^ l).wrapping_mul(Self::K)
        })
    }
}
