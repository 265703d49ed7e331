//! The index as a file: every array of a laid-out [`SearchIndex`] written as it sits in
//! memory, so a process maps the file read-only and uses the arrays in place (no
//! parsing, no rebuilding, one copy in the page cache for every process).
//!
//! Layout (native little-endian): a header (magic, format version, the schema version
//! and audit mark it reflects, file length, checksum) and a table of contents (each
//! section's offset and element count), then the sections, each 8-byte aligned. The
//! small ones come first, so opening (the header, the dictionary) reads one short
//! stretch at the start of the file; the big per-record arrays are read only where a
//! lookup touches them.
//!
//! Opening checks the header and that every section lies inside the file, aligned.
//! The checksum and the element-wise checks read the whole file, so they are
//! [`SearchIndex::verify_snapshot`]'s job (`rapport doctor` runs it). A file is only
//! ever replaced by renaming a new one over it, never written in place, so a mapping
//! stays valid while another process saves.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;

use bytemuck::Pod;

use super::{Backing, Dict, Frozen, FxMap, Interner, SearchIndex, SortedKeys};

const MAGIC: &[u8; 8] = b"RAPLOOK\0";
/// Bump whenever the layout or the meaning of any array changes.
pub const FORMAT: u32 = 2;
const ENDIAN: u32 = 0x0102_0304;
/// The fixed fields of the header; the table of contents follows them.
const FIXED: usize = 64;

/// The sections, in the order they are written (small ones first).
#[derive(Clone, Copy)]
#[repr(usize)]
enum Sec {
    Meta,
    DictOff,
    DictText,
    DictMask,
    DictSorted,
    PostClasses,
    PostOff,
    StrTextOff,
    StrWordsOff,
    StrWords,
    StrText,
    PhonePrefixFence,
    PhoneSuffixFence,
    Ids,
    Last,
    ById,
    TextStart,
    WordStart,
    PhonePrefix,
    PhoneSuffix,
    Posts,
    RecordWords,
    Blob,
}

const SECTIONS: usize = Sec::Blob as usize + 1;
/// The element size of each section, by [`Sec`].
const SIZES: [usize; SECTIONS] = [
    8, 4, 1, 8, 4, 2, 4, 4, 4, 4, 1, 8, 8, 8, 8, 4, 4, 4, 8, 8, 4, 4, 1,
];
/// Header and table of contents (offset and count per section), padded to 8.
const HEADER: usize = FIXED + SECTIONS * 16;

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
        let i = &mut self.interner;
        for c in [&mut i.text_off, &mut i.words, &mut i.words_off] {
            c.make_contiguous();
        }
        i.text.make_contiguous();
        let meta = [self.main_len as u64, self.live as u64];
        let whole = |what: &'static str| io::Error::other(format!("{what} is not laid out"));
        let i = &self.interner;
        let sections: [(Sec, &[u8]); SECTIONS] = [
            (Sec::Meta, bytemuck::cast_slice(&meta)),
            (Sec::DictOff, bytemuck::cast_slice(&self.dict.off)),
            (Sec::DictText, &self.dict.text),
            (Sec::DictMask, bytemuck::cast_slice(&self.dict.mask)),
            (Sec::DictSorted, bytemuck::cast_slice(&self.dict.sorted)),
            (Sec::PostClasses, bytemuck::cast_slice(&self.post_classes)),
            (Sec::PostOff, bytemuck::cast_slice(&self.post_off)),
            (
                Sec::StrTextOff,
                bytemuck::cast_slice(i.text_off.as_slice().ok_or_else(|| whole("strings"))?),
            ),
            (
                Sec::StrWordsOff,
                bytemuck::cast_slice(i.words_off.as_slice().ok_or_else(|| whole("strings"))?),
            ),
            (
                Sec::StrWords,
                bytemuck::cast_slice(i.words.as_slice().ok_or_else(|| whole("strings"))?),
            ),
            (
                Sec::StrText,
                i.text.as_slice().ok_or_else(|| whole("strings"))?,
            ),
            (
                Sec::PhonePrefixFence,
                bytemuck::cast_slice(self.phone_prefix.fence()),
            ),
            (
                Sec::PhoneSuffixFence,
                bytemuck::cast_slice(self.phone_suffix.fence()),
            ),
            (
                Sec::Ids,
                bytemuck::cast_slice(self.ids.as_slice().ok_or_else(|| whole("ids"))?),
            ),
            (
                Sec::Last,
                bytemuck::cast_slice(self.last.as_slice().ok_or_else(|| whole("ids"))?),
            ),
            (Sec::ById, bytemuck::cast_slice(&self.by_id)),
            (
                Sec::TextStart,
                bytemuck::cast_slice(self.text_start.as_slice().ok_or_else(|| whole("text"))?),
            ),
            (
                Sec::WordStart,
                bytemuck::cast_slice(self.word_start.as_slice().ok_or_else(|| whole("words"))?),
            ),
            (
                Sec::PhonePrefix,
                bytemuck::cast_slice(&self.phone_prefix[..]),
            ),
            (
                Sec::PhoneSuffix,
                bytemuck::cast_slice(&self.phone_suffix[..]),
            ),
            (Sec::Posts, bytemuck::cast_slice(&self.posts)),
            (
                Sec::RecordWords,
                bytemuck::cast_slice(self.record_words.as_slice().ok_or_else(|| whole("words"))?),
            ),
            (
                Sec::Blob,
                self.blob.as_slice().ok_or_else(|| whole("text"))?,
            ),
        ];
        let mut toc = Vec::with_capacity(SECTIONS * 16);
        let mut hash = Hash64::default();
        let mut at = HEADER as u64;
        for (n, (sec, bytes)) in sections.iter().enumerate() {
            debug_assert_eq!(*sec as usize, n);
            toc.extend_from_slice(&at.to_le_bytes());
            toc.extend_from_slice(&((bytes.len() / SIZES[n]) as u64).to_le_bytes());
            hash.update(bytes);
            hash.update(&PAD[..padding(bytes.len())]);
            at += (bytes.len() + padding(bytes.len())) as u64;
        }
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT.to_le_bytes());
        header.extend_from_slice(&ENDIAN.to_ne_bytes());
        header.extend_from_slice(&stamp.schema.to_le_bytes());
        header.extend_from_slice(&stamp.mark.to_le_bytes());
        header.extend_from_slice(&stamp.fingerprint.to_le_bytes());
        header.extend_from_slice(&at.to_le_bytes());
        hash.update(&toc);
        header.extend_from_slice(&hash.finish().to_le_bytes());
        header.resize(FIXED, 0);
        header.extend_from_slice(&toc);
        out.write_all(&header)?;
        for (_, bytes) in &sections {
            out.write_all(bytes)?;
            out.write_all(&PAD[..padding(bytes.len())])?;
        }
        out.flush()
    }

    /// Maps the snapshot in `file` read-only. Refuses (never panics on) a file that is
    /// truncated, from another format, or whose sections do not fit in it.
    pub fn map_snapshot(file: &File) -> Result<(SearchIndex, Stamp), SnapshotError> {
        // SAFETY: snapshot files are written to a temporary file and renamed into
        // place, never changed in place, so the mapped bytes do not change under us.
        let map = unsafe { memmap2::Mmap::map(file) }?;
        // A lookup touches a page here and there of the big sections (a run of
        // postings, a binary search's probes, the few records it shows): read just
        // those (the kernel otherwise reads its whole read-ahead window, up to
        // megabytes, around each). What opening or every search reads whole (the
        // dictionary, the posting offsets, the fences of the phone keys) is read in
        // one go, and a search asks for the postings it is about to read (see
        // `SearchIndex::prefetch_postings`).
        let bytes: &[u8] = &map;
        let _ = map.advise(memmap2::Advice::Random);
        let start = |sec: Sec| section_span(bytes, sec).map(|(at, _)| at);
        if let Some(end) = start(Sec::StrTextOff) {
            let _ = map.advise_range(memmap2::Advice::WillNeed, 0, end);
        }
        if let (Some(a), Some(b)) = (start(Sec::PhonePrefixFence), start(Sec::Ids)) {
            let _ = map.advise_range(memmap2::Advice::WillNeed, a, b.saturating_sub(a));
        }
        Self::from_backing(Arc::new(Backing::Map(map)))
    }

    /// Like [`SearchIndex::map_snapshot`], from bytes in memory (copied once).
    pub fn snapshot_from_bytes(bytes: &[u8]) -> Result<(SearchIndex, Stamp), SnapshotError> {
        Self::from_backing(Arc::new(Backing::copy_of(bytes)))
    }

    fn from_backing(backing: Arc<Backing>) -> Result<(SearchIndex, Stamp), SnapshotError> {
        let layout = Layout::open(&backing)?;
        let meta: Frozen<u64> = layout.take(Sec::Meta)?;
        let ids: Frozen<i64> = layout.take(Sec::Ids)?;
        let &[main_len, live] = &meta[..] else {
            return Err(SnapshotError::Damaged("header section"));
        };
        let n = ids.len();
        let dict = Dict {
            off: layout.take(Sec::DictOff)?.into_vec(),
            text: layout.take(Sec::DictText)?.into_vec(),
            mask: layout.take(Sec::DictMask)?.into_vec(),
            sorted: layout.take(Sec::DictSorted)?.into_vec(),
        };
        let nwords = dict.len();
        let count = |sec: Sec| layout.count(sec);
        check(main_len == n as u64 && live == n as u64, "record count")?;
        check(n <= super::SLOT_MASK as usize, "record count")?;
        check(
            count(Sec::Last) == n && count(Sec::ById) == n,
            "per-record arrays",
        )?;
        check(
            count(Sec::TextStart) == n + 1 && count(Sec::WordStart) == n + 1,
            "record offsets",
        )?;
        // The dictionary is small and changes in place, so it is copied and checked whole.
        check(
            offsets(&dict.off, nwords, dict.text.len()),
            "dictionary offsets",
        )?;
        check(dict.sorted.len() == nwords, "dictionary order")?;
        check(
            dict.sorted.iter().all(|&w| (w as usize) < nwords),
            "dictionary order",
        )?;
        check(
            count(Sec::PostClasses) == nwords && count(Sec::PostOff) == nwords + 1,
            "posting offsets",
        )?;
        check(
            count(Sec::StrTextOff) >= 1 && count(Sec::StrWordsOff) == count(Sec::StrTextOff),
            "companies and tags",
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
        ix.ids = ids.into();
        ix.last = layout.take(Sec::Last)?.into();
        ix.text_start = layout.take(Sec::TextStart)?.into();
        ix.blob = layout.take(Sec::Blob)?.into();
        ix.word_start = layout.take(Sec::WordStart)?.into();
        ix.record_words = layout.take(Sec::RecordWords)?.into();
        ix.by_id = layout.take(Sec::ById)?;
        ix.dict = dict;
        ix.interner = Interner {
            text: layout.take(Sec::StrText)?.into(),
            text_off: layout.take(Sec::StrTextOff)?.into(),
            words: layout.take(Sec::StrWords)?.into(),
            words_off: layout.take(Sec::StrWordsOff)?.into(),
            map: FxMap::default(),
        };
        ix.post_off = layout.take(Sec::PostOff)?;
        ix.post_classes = layout.take(Sec::PostClasses)?;
        ix.posts = layout.take(Sec::Posts)?;
        let fenced = |keys: Sec, fence: Sec| {
            SortedKeys::from_parts(layout.take(keys)?, layout.take(fence)?)
                .ok_or(SnapshotError::Damaged("phone keys"))
        };
        ix.phone_prefix = fenced(Sec::PhonePrefix, Sec::PhonePrefixFence)?;
        ix.phone_suffix = fenced(Sec::PhoneSuffix, Sec::PhoneSuffixFence)?;
        Ok((ix, layout.stamp))
    }

    /// Checks all of a snapshot: its checksum and every element the index relies on
    /// (what opening leaves out, because it reads the whole file).
    pub fn verify_snapshot(file: &File) -> Result<Stamp, SnapshotError> {
        // SAFETY: as in `map_snapshot`.
        let map = unsafe { memmap2::Mmap::map(file) }?;
        // Read front to back, whole.
        let _ = map.advise(memmap2::Advice::Sequential);
        Self::verify(Arc::new(Backing::Map(map)))
    }

    /// Like [`SearchIndex::verify_snapshot`], of bytes in memory.
    pub fn verify_snapshot_bytes(bytes: &[u8]) -> Result<Stamp, SnapshotError> {
        Self::verify(Arc::new(Backing::copy_of(bytes)))
    }

    fn verify(backing: Arc<Backing>) -> Result<Stamp, SnapshotError> {
        let layout = Layout::open(&backing)?;
        let bytes = backing.bytes();
        let mut hash = Hash64::default();
        let mut at = HEADER;
        for &(offset, len) in &layout.toc {
            check(offset == at, "sections out of place")?;
            let padded = len + padding(len);
            let section = bytes
                .get(offset..offset + padded)
                .ok_or(SnapshotError::Damaged("a section runs past the end"))?;
            hash.update(&section[..len]);
            hash.update(&section[len..]);
            at += padded;
        }
        check(at == bytes.len(), "bytes after the last section")?;
        hash.update(&bytes[FIXED..HEADER]);
        if hash.finish() != layout.checksum {
            return Err(SnapshotError::Checksum);
        }
        let (ix, _) = Self::from_backing(Arc::clone(&backing))?;
        ix.verify_elements()?;
        Ok(layout.stamp)
    }

    fn verify_elements(&self) -> Result<(), SnapshotError> {
        let n = self.ids.len();
        let nwords = self.dict.len();
        let (Some(text_start), Some(word_start), Some(blob)) = (
            self.text_start.as_slice(),
            self.word_start.as_slice(),
            self.blob.as_slice(),
        ) else {
            return Ok(());
        };
        check(offsets(text_start, n, blob.len()), "record text offsets")?;
        check(
            offsets(word_start, n, self.record_words.len()),
            "record word offsets",
        )?;
        check(
            offsets(&self.post_off, nwords, self.posts.len()),
            "posting offsets",
        )?;
        check(self.by_id.iter().all(|&s| (s as usize) < n), "id order")?;
        check(
            self.record_words
                .iter()
                .all(|&e| ((e >> 4) as usize) < nwords),
            "record words",
        )?;
        check(
            self.posts
                .iter()
                .all(|&p| ((p & super::SLOT_MASK) as usize) < n),
            "postings",
        )?;
        check(
            self.phone_prefix
                .iter()
                .chain(self.phone_suffix.iter())
                .all(|&k| ((k & 0xffff_ffff) as usize) < n)
                && self.phone_prefix.is_sorted()
                && self.phone_suffix.is_sorted()
                && self.phone_prefix.fence_is_sound()
                && self.phone_suffix.fence_is_sound(),
            "phone keys",
        )?;
        let i = &self.interner;
        let (Some(text_off), Some(words_off)) = (i.text_off.as_slice(), i.words_off.as_slice())
        else {
            return Ok(());
        };
        check(
            offsets(text_off, i.len(), i.text.len()) && offsets(words_off, i.len(), i.words.len()),
            "companies and tags",
        )?;
        check(
            i.words.iter().all(|&wp| ((wp >> 2) as usize) < nwords),
            "companies and tags",
        )?;
        check(
            (0..i.len()).all(|s| {
                let (a, b) = (i.text_off[s] as usize, i.text_off[s + 1] as usize);
                std::str::from_utf8(i.text.range(a..b)).is_ok()
            }),
            "companies and tags",
        )?;
        check(blob_is_sound(blob, text_start, i.len()), "record text")
    }
}

fn check(ok: bool, what: &'static str) -> Result<(), SnapshotError> {
    if ok {
        Ok(())
    } else {
        Err(SnapshotError::Damaged(what))
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

const PAD: [u8; 8] = [0; 8];

/// Where section `sec` lies, from the table of contents alone (for advice to the
/// kernel before the snapshot is checked): `None` when it cannot say.
fn section_span(bytes: &[u8], sec: Sec) -> Option<(usize, usize)> {
    let at = FIXED + sec as usize * 16;
    let word = |i: usize| {
        let b = bytes.get(i..i + 8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    };
    let (offset, count) = (word(at)?, word(at + 8)?);
    let len = count.checked_mul(SIZES[sec as usize])?;
    (offset.checked_add(len)? <= bytes.len()).then_some((offset, len))
}

fn padding(len: usize) -> usize {
    (8 - len % 8) % 8
}

/// Where each section of a mapped snapshot lies.
struct Layout<'b> {
    backing: &'b Arc<Backing>,
    stamp: Stamp,
    checksum: u64,
    /// Per section: byte offset and byte length (without padding).
    toc: [(usize, usize); SECTIONS],
}

impl<'b> Layout<'b> {
    /// Reads the header and the table of contents, refusing a section that does not
    /// lie inside the file.
    fn open(backing: &'b Arc<Backing>) -> Result<Layout<'b>, SnapshotError> {
        let bytes = backing.bytes();
        let fixed = bytes.get(..FIXED).ok_or(SnapshotError::NotASnapshot)?;
        if &fixed[..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let u64_at = |b: &[u8], i: usize| {
            u64::from_le_bytes(
                b.get(i..i + 8)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or([0xff; 8]),
            )
        };
        let found = u32::from_le_bytes(fixed[8..12].try_into().unwrap_or([0; 4]));
        if found != FORMAT {
            return Err(SnapshotError::Format { found });
        }
        if u32::from_ne_bytes(fixed[12..16].try_into().unwrap_or([0; 4])) != ENDIAN {
            return Err(SnapshotError::ByteOrder);
        }
        let stamp = Stamp {
            schema: u64_at(fixed, 16) as i64,
            mark: u64_at(fixed, 24) as i64,
            fingerprint: u64_at(fixed, 32),
        };
        let expected = u64_at(fixed, 40);
        if bytes.len() as u64 != expected {
            return Err(SnapshotError::Truncated {
                found: bytes.len() as u64,
                expected,
            });
        }
        let toc_bytes = bytes
            .get(FIXED..HEADER)
            .ok_or(SnapshotError::Damaged("table of contents"))?;
        let mut toc = [(0, 0); SECTIONS];
        for (n, entry) in toc.iter_mut().enumerate() {
            let offset = u64_at(toc_bytes, n * 16);
            let count = u64_at(toc_bytes, n * 16 + 8);
            let len = count
                .checked_mul(SIZES[n] as u64)
                .filter(|_| offset >= HEADER as u64 && offset % 8 == 0)
                .filter(|&l| offset.checked_add(l).is_some_and(|end| end <= expected))
                .ok_or(SnapshotError::Damaged("a section runs past the end"))?;
            *entry = (offset as usize, len as usize);
        }
        Ok(Layout {
            backing,
            stamp,
            checksum: u64_at(fixed, 48),
            toc,
        })
    }

    /// Elements in section `sec`.
    fn count(&self, sec: Sec) -> usize {
        self.toc[sec as usize].1 / SIZES[sec as usize]
    }

    fn take<T: Pod>(&self, sec: Sec) -> Result<Frozen<T>, SnapshotError> {
        debug_assert_eq!(std::mem::size_of::<T>(), SIZES[sec as usize]);
        let (offset, len) = self.toc[sec as usize];
        Frozen::mapped(self.backing, offset..offset + len)
            .ok_or(SnapshotError::Damaged("a misaligned section"))
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
