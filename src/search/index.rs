//! The in-memory representation: compact per-record arrays, a dictionary of distinct
//! folded words, postings grouped by (word, field class) in recency order, and sorted
//! phone keys. See the module documentation of `search` for the design.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

mod column;
mod snapshot;

pub(crate) use column::{Backing, Column, Frozen, SortedKeys};

pub use snapshot::{FORMAT as SNAPSHOT_FORMAT, SnapshotError, Stamp};

use super::phone::pack8;
use super::text::{char_mask, fold_words};
use super::{MatchField, SearchRecord};
use crate::domain::phone::national_form;
use crate::text::fold::ascii_digit;

/// Field kinds, as stored in a record's encoded fields and in word classes.
pub(crate) const KIND_NAME: u8 = 0;
pub(crate) const KIND_COMPANY: u8 = 1;
pub(crate) const KIND_EMAIL: u8 = 2;
pub(crate) const KIND_TAG: u8 = 3;
pub(crate) const KIND_PHONE: u8 = 4;

/// Where a word sits in its field: the only word, the first of several, or a later one.
pub(crate) const POS_SOLE: u32 = 0;
pub(crate) const POS_FIRST: u32 = 1;
pub(crate) const POS_LATER: u32 = 2;

/// A posting is `class << CLASS_SHIFT | slot`; a record's word is `word << 4 | class`,
/// with `class = kind << 2 | pos`.
pub(crate) const CLASS_SHIFT: u32 = 28;
pub(crate) const SLOT_MASK: u32 = (1 << CLASS_SHIFT) - 1;
const NCLASS: usize = 16;

/// Where a record ranks on equal scores (see [`SearchIndex::order_of`]): smaller first.
pub(crate) type Order = (u64, std::cmp::Reverse<i64>, i64);

/// Records written since the last rebuild of the postings are searched by a scan; past
/// this many (or 1/64 of the index) the postings are rebuilt.
const DELTA_MIN: usize = 4096;
/// How far past [`SearchIndex::wants_compaction`] a mapped index goes before it folds
/// its changes in on its own (when no snapshot can be shared).
const MAPPED_DELTA_TIMES: usize = 4;

pub(crate) fn class_of(kind: u8, pos: u32) -> u32 {
    (kind as u32) << 2 | pos
}

pub(crate) fn field_of(kind: u8) -> MatchField {
    match kind {
        KIND_NAME => MatchField::Name,
        KIND_COMPANY => MatchField::Company,
        KIND_EMAIL => MatchField::Email,
        KIND_TAG => MatchField::Tag,
        _ => MatchField::Phone,
    }
}

/// FxHash: the build hashes ~10 words per record; SipHash would cost a third of it.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.write(&[b]);
    }
    fn write_u64(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, w: usize) {
        self.write_u64(w as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Distinct folded words. Ids never change; `sorted` orders them by text, so every
/// word that starts with a prefix is one range of it.
#[derive(Default)]
pub(crate) struct Dict {
    /// Start of word `i` in `text`; `off[n]` = `text.len()`. Each word is followed by a 0.
    off: Vec<u32>,
    text: Vec<u8>,
    pub mask: Vec<u64>,
    pub sorted: Vec<u32>,
}

impl Dict {
    pub fn len(&self) -> usize {
        self.mask.len()
    }

    pub fn word(&self, w: u32) -> &[u8] {
        let w = w as usize;
        &self.text[self.off[w] as usize..self.off[w + 1] as usize - 1]
    }

    /// All words, each followed by a 0 byte, in id order (for substring scans).
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The word whose text contains byte `at` of [`Dict::text`].
    pub fn word_at(&self, at: usize) -> u32 {
        (self.off.partition_point(|&o| o as usize <= at) - 1) as u32
    }

    fn push(&mut self, word: &str) -> u32 {
        let id = self.mask.len() as u32;
        if self.off.is_empty() {
            self.off.push(0);
        }
        self.text.extend_from_slice(word.as_bytes());
        self.text.push(0);
        self.off.push(self.text.len() as u32);
        self.mask.push(char_mask(word));
        id
    }

    /// Positions in `sorted` of the words starting with `prefix`.
    pub fn prefix_range(&self, prefix: &[u8]) -> Range<usize> {
        let lo = self.sorted.partition_point(|&w| self.word(w) < prefix);
        let hi = lo + self.sorted[lo..].partition_point(|&w| self.word(w).starts_with(prefix));
        lo..hi
    }

    /// The id of `word`, adding it (after the build) if new.
    fn find_or_add(&mut self, word: &str) -> u32 {
        let at = self
            .sorted
            .partition_point(|&w| self.word(w) < word.as_bytes());
        if let Some(&w) = self.sorted.get(at)
            && self.word(w) == word.as_bytes()
        {
            return w;
        }
        let id = self.push(word);
        self.sorted.insert(at, id);
        id
    }

    fn sort(&mut self) {
        let mut sorted: Vec<u32> = (0..self.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| self.word(a).cmp(self.word(b)));
        self.sorted = sorted;
    }

    fn shrink(&mut self) {
        self.off.shrink_to_fit();
        self.text.shrink_to_fit();
        self.mask.shrink_to_fit();
        self.sorted.shrink_to_fit();
    }
}

/// Company names and tags: few distinct values shared by many records, stored with their
/// words once per process that wrote them. A build from the store writes every record,
/// so stores each string once. An index mapped from a snapshot never reads the
/// snapshot's strings to find one (that would hash every string at opening, tens of
/// milliseconds at a million customers, for a process catching up with a few changes):
/// a record written since stores its string once more, and records written after it
/// share that copy. Ids only lead to a string and its words, so a second copy costs a
/// few bytes and changes no answer; the next full build stores each once again.
pub(crate) struct Interner {
    /// String `i` is `text[text_off[i]..text_off[i + 1]]`.
    text: Column<u8>,
    text_off: Column<u32>,
    /// Per string: its words as `word << 2 | pos`, `words[words_off[i]..words_off[i + 1]]`.
    words: Column<u32>,
    words_off: Column<u32>,
    /// Text to id of the strings this process stored.
    map: FxMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            text: Column::default(),
            text_off: vec![0].into(),
            words: Column::default(),
            words_off: vec![0].into(),
            map: FxMap::default(),
        }
    }
}

impl Interner {
    pub fn len(&self) -> usize {
        self.text_off.len().saturating_sub(1)
    }

    /// String `i` ("" for an id a damaged snapshot made up).
    pub fn string(&self, i: usize) -> &str {
        match (self.text_off.get(i), self.text_off.get(i + 1)) {
            (Some(a), Some(b)) if a <= b && (b as usize) <= self.text.len() => {
                std::str::from_utf8(self.text.range(a as usize..b as usize)).unwrap_or_default()
            }
            _ => "",
        }
    }

    pub fn words(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.words_off.get(i), self.words_off.get(i + 1)) {
            (Some(a), Some(b)) if a <= b && (b as usize) <= self.words.len() => {
                self.words.range(a as usize..b as usize)
            }
            _ => &[],
        }
    }

    /// The id of `s` if this process stored it (see [`Interner`]).
    fn find(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    fn push(&mut self, s: &str, words: &[u32]) -> u32 {
        let id = self.len() as u32;
        self.text.extend_from_slice(s.as_bytes());
        self.text_off.push(self.text.len() as u32);
        self.words.extend_from_slice(words);
        self.words_off.push(self.words.len() as u32);
        self.map.insert(s.into(), id);
        id
    }
}

/// Buffers reused from record to record while encoding.
#[derive(Default)]
struct Scratch {
    buf: String,
    spans: Vec<(u32, u32)>,
    words: Vec<u32>,
}

/// One field of a stored record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldRef<'a> {
    pub kind: u8,
    pub text: &'a str,
}

static NEXT_UID: AtomicU64 = AtomicU64::new(1);

/// The quick-lookup index; see the `search` module documentation.
pub struct SearchIndex {
    /// Identifies this index (and `generation` its state) for a `Searcher`'s caches.
    pub(crate) uid: u64,
    pub(crate) generation: u64,

    // Per slot. A slot is never reused; replacing a record kills its slot.
    pub(crate) ids: Column<i64>,
    /// `last_contact`, `i64::MIN` when never.
    pub(crate) last: Column<i64>,
    alive: Vec<u64>,
    live: usize,
    text_start: Column<u32>,
    blob: Column<u8>,
    word_start: Column<u32>,
    /// `word << 4 | class` per record, sorted and distinct.
    record_words: Column<u32>,

    // Finding a slot by id: `by_id` (sorted by id) covers the slots in the postings,
    // `delta_ids` those written since.
    by_id: Frozen<u32>,
    delta_ids: FxMap<i64, u32>,
    /// Slots written since the postings were built (some may be dead).
    pub(crate) delta: Vec<u32>,

    interner: Interner,
    pub(crate) dict: Dict,
    /// Only while building: word text → id.
    build_map: Option<FxMap<Box<str>, u32>>,
    scratch: Scratch,

    /// Slots below this are in the postings, ranked: by recency, then id.
    pub(crate) main_len: u32,
    /// Per word (ids past its end have none): start of its postings, which are grouped
    /// by class, each group in rank order.
    post_off: Frozen<u32>,
    /// Per word: which classes it has postings in.
    post_classes: Frozen<u16>,
    pub(crate) posts: Frozen<u32>,

    /// `pack8(key) << 32 | slot`, sorted: phone keys (digits as stored and national
    /// form) for prefix search, and the stored digits reversed for suffix search.
    pub(crate) phone_prefix: SortedKeys,
    pub(crate) phone_suffix: SortedKeys,
}

/// Builds an index record by record, so a large set never has to sit in memory twice
/// (e.g. fed straight from `Store::for_each_search_record`).
pub struct IndexBuilder {
    index: SearchIndex,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl IndexBuilder {
    pub fn new() -> Self {
        Self {
            index: SearchIndex::empty(true),
        }
    }

    /// A builder with room for `records` records.
    pub fn with_capacity(records: usize) -> Self {
        let mut b = Self::new();
        let ix = &mut b.index;
        ix.ids.reserve(records);
        ix.last.reserve(records);
        ix.text_start.reserve(records + 1);
        ix.word_start.reserve(records + 1);
        ix.blob.reserve(records * 80);
        ix.record_words.reserve(records * 10);
        b
    }

    /// Adds a record; a later record with the same id replaces an earlier one.
    pub fn push(&mut self, record: SearchRecord) {
        self.index.encode(&record);
    }

    /// Like [`IndexBuilder::push`], leaving the record to the caller.
    pub fn push_ref(&mut self, record: &SearchRecord) {
        self.index.encode(record);
    }

    pub fn finish(mut self) -> SearchIndex {
        let ix = &mut self.index;
        ix.build_map = None;
        ix.dict.sort();
        // Duplicate ids: the last one wins.
        let mut by_id: Vec<u32> = (0..ix.ids.len() as u32).collect();
        if !ix.ids.is_sorted() {
            by_id.sort_by_key(|&s| ix.ids[s as usize]);
        }
        for (i, &s) in by_id.iter().enumerate() {
            let dup_next = by_id
                .get(i + 1)
                .is_some_and(|&n| ix.ids[n as usize] == ix.ids[s as usize]);
            if dup_next {
                ix.set_alive(s, false);
                ix.live -= 1;
            }
        }
        drop(by_id);
        ix.relayout();
        self.index
    }
}

impl SearchIndex {
    fn empty(building: bool) -> Self {
        Self {
            uid: NEXT_UID.fetch_add(1, Ordering::Relaxed),
            generation: 0,
            ids: Column::default(),
            last: Column::default(),
            alive: Vec::new(),
            live: 0,
            text_start: vec![0].into(),
            blob: Column::default(),
            word_start: vec![0].into(),
            record_words: Column::default(),
            by_id: Frozen::default(),
            delta_ids: FxMap::default(),
            delta: Vec::new(),
            interner: Interner::default(),
            dict: Dict::default(),
            build_map: building.then(FxMap::default),
            scratch: Scratch::default(),
            main_len: 0,
            post_off: vec![0].into(),
            post_classes: Frozen::default(),
            posts: Frozen::default(),
            phone_prefix: SortedKeys::default(),
            phone_suffix: SortedKeys::default(),
        }
    }

    /// An index of `records` (a later duplicate id replaces an earlier one).
    pub fn build(records: Vec<SearchRecord>) -> SearchIndex {
        Self::from_records(records)
    }

    /// Like [`SearchIndex::build`], consuming the records one at a time.
    pub fn from_records(records: impl IntoIterator<Item = SearchRecord>) -> SearchIndex {
        let records = records.into_iter();
        let mut b = IndexBuilder::with_capacity(records.size_hint().0);
        for r in records {
            b.push(r);
        }
        b.finish()
    }

    /// Adds `record`, or replaces the record with its id.
    pub fn upsert(&mut self, record: SearchRecord) {
        if let Some(old) = self.slot_of(record.id) {
            self.kill(old);
        }
        let slot = self.encode(&record);
        self.delta.push(slot);
        self.delta_ids.insert(record.id, slot);
        self.generation += 1;
        self.maybe_compact();
    }

    /// Removes the record with this id, if present.
    pub fn remove(&mut self, id: i64) {
        if let Some(slot) = self.slot_of(id) {
            self.kill(slot);
            self.generation += 1;
            self.maybe_compact();
        }
    }

    /// Live records.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Every live record, as it was given (field order kept per kind: phones, emails
    /// and tags each in their original order).
    pub fn records(&self) -> impl Iterator<Item = SearchRecord> + '_ {
        (0..self.ids.len() as u32)
            .filter(|&s| self.is_alive(s))
            .map(|s| self.record(s))
    }

    pub(crate) fn record(&self, slot: u32) -> SearchRecord {
        let s = slot as usize;
        let mut r = SearchRecord {
            id: self.ids[s],
            name: String::new(),
            company: None,
            phones: Vec::new(),
            emails: Vec::new(),
            tags: Vec::new(),
            last_contact: (self.last[s] != i64::MIN).then_some(self.last[s]),
        };
        for f in self.fields(slot) {
            let text = f.text.to_string();
            match f.kind {
                KIND_NAME => r.name = text,
                KIND_COMPANY => r.company = Some(text),
                KIND_EMAIL => r.emails.push(text),
                KIND_TAG => r.tags.push(text),
                _ => r.phones.push(text),
            }
        }
        r
    }

    pub(crate) fn is_alive(&self, slot: u32) -> bool {
        self.alive[(slot / 64) as usize] >> (slot % 64) & 1 == 1
    }

    fn set_alive(&mut self, slot: u32, on: bool) {
        let (w, b) = ((slot / 64) as usize, slot % 64);
        if w >= self.alive.len() {
            self.alive.resize(w + 1, 0);
        }
        if on {
            self.alive[w] |= 1 << b;
        } else {
            self.alive[w] &= !(1 << b);
        }
    }

    pub(crate) fn slot_of(&self, id: i64) -> Option<u32> {
        if let Some(&s) = self.delta_ids.get(&id) {
            return Some(s);
        }
        let i = self.by_id.partition_point(|&s| self.ids[s as usize] < id);
        let &s = self.by_id.get(i)?;
        (self.ids[s as usize] == id && self.is_alive(s)).then_some(s)
    }

    fn kill(&mut self, slot: u32) {
        if self.is_alive(slot) {
            self.set_alive(slot, false);
            self.live -= 1;
            let id = self.ids[slot as usize];
            if self.delta_ids.get(&id) == Some(&slot) {
                self.delta_ids.remove(&id);
            }
        }
    }

    /// Where `slot` ranks on equal scores (most recent contact first, then smallest id),
    /// as a key that compares without reading the other record: a laid-out slot is
    /// ranked by its position; one written since by the position it would take, then
    /// its contact and id (which only break ties among those).
    pub(crate) fn order_of(&self, slot: u32) -> Order {
        use std::cmp::Reverse;
        if slot < self.main_len {
            return (2 * slot as u64 + 1, Reverse(0), 0);
        }
        let s = slot as usize;
        let key = (Reverse(self.last[s]), self.ids[s]);
        // Laid-out slots are in rank order: how many rank before this record.
        let (mut lo, mut hi) = (0usize, self.main_len as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if (Reverse(self.last[mid]), self.ids[mid]) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (2 * lo as u64, key.0, key.1)
    }

    /// Whether the postings are mapped from a snapshot (rather than on the heap).
    pub(crate) fn postings_mapped(&self) -> bool {
        self.posts.is_mapped()
    }

    /// Asks the kernel to read the postings of `words` ahead, all at once: a snapshot
    /// is mapped for random access (a cold page fault reads one page), so a long run
    /// read without this faults in one page at a time.
    pub(crate) fn prefetch_postings(&self, words: impl Iterator<Item = u32>) {
        let n = self.post_off.len();
        for w in words {
            let w = w as usize;
            if w + 1 < n {
                let (a, b) = (self.post_off[w] as usize, self.post_off[w + 1] as usize);
                if b > a {
                    self.posts.will_need(a..b);
                }
            }
        }
    }

    /// The slot's words: `word << 4 | class`.
    pub(crate) fn words_of(&self, slot: u32) -> &[u32] {
        let s = slot as usize;
        self.record_words
            .range(self.word_start[s] as usize..self.word_start[s + 1] as usize)
    }

    /// The slot's fields in stored order: name, company, phones, emails, tags.
    pub(crate) fn fields(&self, slot: u32) -> impl Iterator<Item = FieldRef<'_>> + '_ {
        let rec = self.record_bytes(slot);
        let mut at = 0;
        std::iter::from_fn(move || {
            let &kind = rec.get(at)?;
            at += 1;
            let n = read_varint(rec, &mut at) as usize;
            let text = match kind {
                KIND_COMPANY | KIND_TAG => self.interner.string(n),
                _ => {
                    let t = rec.get(at..at + n).unwrap_or_default();
                    at += n;
                    // Written from a `&str` by `encode`.
                    std::str::from_utf8(t).unwrap_or_default()
                }
            };
            Some(FieldRef { kind, text })
        })
    }

    /// The slot's phone digits, skipping the other fields without decoding them.
    pub(crate) fn phones_of(&self, slot: u32) -> impl Iterator<Item = &str> + '_ {
        let rec = self.record_bytes(slot);
        let mut at = 0;
        std::iter::from_fn(move || {
            while let Some(&kind) = rec.get(at) {
                at += 1;
                let n = read_varint(rec, &mut at) as usize;
                if kind == KIND_COMPANY || kind == KIND_TAG {
                    continue;
                }
                let t = rec.get(at..at + n).unwrap_or_default();
                at += n;
                if kind == KIND_PHONE {
                    // Phones are stored as ASCII digits.
                    return Some(std::str::from_utf8(t).unwrap_or_default());
                }
            }
            None
        })
    }

    /// The slot's encoded fields.
    fn record_bytes(&self, slot: u32) -> &[u8] {
        let s = slot as usize;
        self.blob
            .range(self.text_start[s] as usize..self.text_start[s + 1] as usize)
    }

    /// Postings of `word` in `class`: a run of `class << CLASS_SHIFT | slot` in slot
    /// (= rank) order.
    pub(crate) fn postings(&self, word: u32, class: u32) -> &[u32] {
        let w = word as usize;
        if w + 1 >= self.post_off.len() || self.post_classes[w] & (1 << class) == 0 {
            return &[];
        }
        let all = &self.posts[self.post_off[w] as usize..self.post_off[w + 1] as usize];
        let lo = all.partition_point(|&e| e >> CLASS_SHIFT < class);
        let hi = lo + all[lo..].partition_point(|&e| e >> CLASS_SHIFT == class);
        &all[lo..hi]
    }

    /// Classes `word` has postings in, as a bit set.
    pub(crate) fn classes_of(&self, word: u32) -> u16 {
        self.post_classes.get(word as usize).copied().unwrap_or(0)
    }

    /// How many postings `word` has in all classes.
    pub(crate) fn posting_count(&self, word: u32) -> usize {
        let w = word as usize;
        if w + 1 >= self.post_off.len() {
            0
        } else {
            (self.post_off[w + 1] - self.post_off[w]) as usize
        }
    }

    /// Appends a record in a new slot and returns it.
    fn encode(&mut self, r: &SearchRecord) -> u32 {
        let slot = self.ids.len() as u32;
        self.ids.push(r.id);
        self.last.push(r.last_contact.unwrap_or(i64::MIN));
        self.set_alive(slot, true);
        self.live += 1;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.words.clear();

        self.put_text(KIND_NAME, &r.name);
        self.add_words(&r.name, KIND_NAME, &mut scratch);
        if let Some(c) = r.company.as_deref().filter(|c| !c.trim().is_empty()) {
            let id = self.intern(c);
            self.blob.push(KIND_COMPANY);
            write_varint(&mut self.blob, id);
            for &wp in self.interner.words(id) {
                scratch
                    .words
                    .push((wp >> 2) << 4 | class_of(KIND_COMPANY, wp & 3));
            }
        }
        for p in &r.phones {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                if !p.is_empty() {
                    self.put_text(KIND_PHONE, p);
                }
            } else {
                let digits: String = p.chars().filter_map(ascii_digit).collect();
                if !digits.is_empty() {
                    self.put_text(KIND_PHONE, &digits);
                }
            }
        }
        for e in &r.emails {
            self.put_text(KIND_EMAIL, e);
            self.add_words(e, KIND_EMAIL, &mut scratch);
        }
        for t in &r.tags {
            if t.trim().is_empty() {
                continue;
            }
            let id = self.intern(t);
            self.blob.push(KIND_TAG);
            write_varint(&mut self.blob, id);
            for &wp in self.interner.words(id) {
                scratch
                    .words
                    .push((wp >> 2) << 4 | class_of(KIND_TAG, wp & 3));
            }
        }
        scratch.words.sort_unstable();
        scratch.words.dedup();
        self.record_words.extend_from_slice(&scratch.words);
        self.word_start.push(self.record_words.len() as u32);
        self.text_start.push(self.blob.len() as u32);
        self.scratch = scratch;
        slot
    }

    fn put_text(&mut self, kind: u8, text: &str) {
        self.blob.push(kind);
        write_varint(&mut self.blob, text.len() as u32);
        self.blob.extend_from_slice(text.as_bytes());
    }

    /// Adds the words of `text` (folded) as `word << 4 | class` to `scratch.words`.
    fn add_words(&mut self, text: &str, kind: u8, scratch: &mut Scratch) {
        fold_words(text, &mut scratch.buf, &mut scratch.spans);
        let n = scratch.spans.len();
        for i in 0..n {
            let (a, b) = scratch.spans[i];
            let id = self.word_id(&scratch.buf[a as usize..b as usize]);
            scratch.words.push(id << 4 | class_of(kind, position(i, n)));
        }
    }

    fn word_id(&mut self, w: &str) -> u32 {
        match &mut self.build_map {
            Some(map) => {
                if let Some(&id) = map.get(w) {
                    return id;
                }
                let id = self.dict.push(w);
                map.insert(w.into(), id);
                id
            }
            None => self.dict.find_or_add(w),
        }
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.interner.find(s) {
            return id;
        }
        let (mut buf, mut spans) = (String::new(), Vec::new());
        fold_words(s, &mut buf, &mut spans);
        let n = spans.len();
        let ws: Vec<u32> = (0..n)
            .map(|i| {
                let (a, b) = spans[i];
                self.word_id(&buf[a as usize..b as usize]) << 2 | position(i, n)
            })
            .collect();
        self.interner.push(s, &ws)
    }

    /// Whether the records written since the postings were built are more than
    /// `times` the share a search scans one by one without slowing down.
    fn delta_over(&self, times: usize) -> bool {
        let share = DELTA_MIN.max(self.live / 64) * times;
        self.delta_ids.len() > share || self.delta.len() > 4 * share
    }

    /// Whether the records written since the postings were built should be folded in
    /// ([`SearchIndex::compact`]). An index mapped from a snapshot leaves that to its
    /// owner (`lookup_index`), which saves the result for every process instead of each
    /// making a private copy of the whole index.
    pub fn wants_compaction(&self) -> bool {
        self.delta_over(1)
    }

    fn maybe_compact(&mut self) {
        // Past this, searches would slow down: fold in even a mapped index.
        let times = if self.postings_mapped() {
            MAPPED_DELTA_TIMES
        } else {
            1
        };
        if self.delta_over(times) {
            self.compact();
        }
    }

    /// Folds the records written since the last build into the postings, and drops
    /// dead records.
    pub fn compact(&mut self) {
        self.relayout();
        self.generation += 1;
    }

    /// Lays the live records out again in rank order (most recent contact first, then
    /// id), so a slot is its rank: a walk down a ranked postings run reads the records'
    /// data front to back. Then rebuilds the postings and phone keys.
    fn relayout(&mut self) {
        let mut ranked: Vec<u32> = (0..self.ids.len() as u32)
            .filter(|&s| self.is_alive(s))
            .collect();
        ranked.sort_unstable_by_key(|&s| {
            (
                std::cmp::Reverse(self.last[s as usize]),
                self.ids[s as usize],
            )
        });
        let n = ranked.len();
        assert!(n <= SLOT_MASK as usize, "too many records");
        let span = |starts: &Column<u32>, s: u32| {
            starts[s as usize] as usize..starts[s as usize + 1] as usize
        };
        let blob_len: usize = ranked
            .iter()
            .map(|&s| span(&self.text_start, s).len())
            .sum();
        let words_len: usize = ranked
            .iter()
            .map(|&s| span(&self.word_start, s).len())
            .sum();
        let mut ids = Vec::with_capacity(n);
        let mut last = Vec::with_capacity(n);
        let mut text_start = Vec::with_capacity(n + 1);
        let mut blob = Vec::with_capacity(blob_len);
        let mut word_start = Vec::with_capacity(n + 1);
        let mut record_words = Vec::with_capacity(words_len);
        text_start.push(0);
        word_start.push(0);
        for &s in &ranked {
            ids.push(self.ids[s as usize]);
            last.push(self.last[s as usize]);
            blob.extend_from_slice(self.blob.range(span(&self.text_start, s)));
            text_start.push(blob.len() as u32);
            record_words.extend_from_slice(self.record_words.range(span(&self.word_start, s)));
            word_start.push(record_words.len() as u32);
        }
        drop(ranked);
        self.ids = ids.into();
        self.last = last.into();
        self.text_start = text_start.into();
        self.blob = blob.into();
        self.word_start = word_start.into();
        self.record_words = record_words.into();
        self.alive = vec![0; n.div_ceil(64)];
        for s in 0..n as u32 {
            self.set_alive(s, true);
        }
        self.live = n;
        self.main_len = n as u32;
        self.delta.clear();
        self.delta_ids.clear();
        let mut by_id: Vec<u32> = (0..n as u32).collect();
        by_id.sort_unstable_by_key(|&s| self.ids[s as usize]);
        self.by_id = by_id.into();
        self.build_postings();
        self.shrink();
    }

    /// Builds postings and phone keys over slots `0..main_len` (all alive, in rank order).
    fn build_postings(&mut self) {
        let n = self.main_len;
        let nwords = self.dict.len();
        // Counting sort by (word, class); filling in slot (= rank) order keeps runs ranked.
        let mut start = vec![0u32; nwords * NCLASS + 1];
        for &e in self.record_words.iter() {
            start[(e >> 4) as usize * NCLASS + (e & 15) as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut posts = vec![0u32; start[nwords * NCLASS] as usize];
        let mut post_classes = vec![0u16; nwords];
        let mut post_off = Vec::with_capacity(nwords + 1);
        for w in 0..nwords {
            post_off.push(start[w * NCLASS]);
            for c in 0..NCLASS {
                if start[w * NCLASS + c + 1] > start[w * NCLASS + c] {
                    post_classes[w] |= 1 << c;
                }
            }
        }
        post_off.push(start[nwords * NCLASS]);
        for slot in 0..n {
            for &e in self.words_of(slot) {
                let key = (e >> 4) as usize * NCLASS + (e & 15) as usize;
                posts[start[key] as usize] = (e & 15) << CLASS_SHIFT | slot;
                start[key] += 1;
            }
        }
        drop(start);
        self.posts = posts.into();
        self.post_off = post_off.into();
        self.post_classes = post_classes.into();

        let mut prefix = Vec::with_capacity(n as usize * 3);
        let mut suffix = Vec::with_capacity(n as usize * 2);
        let mut rev = Vec::with_capacity(24);
        for slot in 0..n {
            for full in self.phones_of(slot) {
                let national = national_form(full, false);
                let s = slot as u64;
                prefix.push((pack8(full.as_bytes()) as u64) << 32 | s);
                if national != full {
                    prefix.push((pack8(national.as_bytes()) as u64) << 32 | s);
                }
                rev.clear();
                rev.extend(full.bytes().rev());
                suffix.push((pack8(&rev) as u64) << 32 | s);
            }
        }
        radix_sort_high(&mut prefix);
        prefix.dedup();
        radix_sort_high(&mut suffix);
        suffix.dedup();
        prefix.shrink_to_fit();
        suffix.shrink_to_fit();
        self.phone_prefix = SortedKeys::new(prefix);
        self.phone_suffix = SortedKeys::new(suffix);
    }

    fn shrink(&mut self) {
        self.ids.shrink_to_fit();
        self.last.shrink_to_fit();
        self.alive.shrink_to_fit();
        self.text_start.shrink_to_fit();
        self.blob.shrink_to_fit();
        self.word_start.shrink_to_fit();
        self.record_words.shrink_to_fit();
        self.dict.shrink();
    }

    /// Approximate heap bytes held by the index (for the benchmark's memory report);
    /// arrays mapped from a snapshot are not counted: they are the page cache's,
    /// shared by every process.
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        let i = &self.interner;
        self.ids.heap_bytes()
            + self.last.heap_bytes()
            + v(&self.alive)
            + self.text_start.heap_bytes()
            + self.blob.heap_bytes()
            + self.word_start.heap_bytes()
            + self.record_words.heap_bytes()
            + self.by_id.heap_bytes()
            + v(&self.delta)
            + v(&self.dict.off)
            + v(&self.dict.text)
            + v(&self.dict.mask)
            + v(&self.dict.sorted)
            + self.post_off.heap_bytes()
            + self.post_classes.heap_bytes()
            + self.posts.heap_bytes()
            + self.phone_prefix.heap_bytes()
            + self.phone_suffix.heap_bytes()
            + i.text.heap_bytes()
            + i.text_off.heap_bytes()
            + i.words.heap_bytes()
            + i.words_off.heap_bytes()
            + i.map.capacity() * 40
    }

    /// Distinct words in the dictionary.
    pub fn word_count(&self) -> usize {
        self.dict.len()
    }
}

/// Sorts by the high 32 bits, stably: entries pushed in slot order end up sorted by
/// (key, slot), i.e. fully sorted. Four byte-wide counting passes.
fn radix_sort_high(v: &mut Vec<u64>) {
    let mut tmp = vec![0u64; v.len()];
    for pass in 0..4 {
        let shift = 32 + 8 * pass;
        let mut count = [0usize; 257];
        for &x in v.iter() {
            count[((x >> shift) & 0xff) as usize + 1] += 1;
        }
        for i in 1..257 {
            count[i] += count[i - 1];
        }
        for &x in v.iter() {
            let b = ((x >> shift) & 0xff) as usize;
            tmp[count[b]] = x;
            count[b] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

/// Where word `i` of `n` sits in its field.
pub(crate) fn position(i: usize, n: usize) -> u32 {
    if n == 1 {
        POS_SOLE
    } else if i == 0 {
        POS_FIRST
    } else {
        POS_LATER
    }
}

fn write_varint(out: &mut Column<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint at `at`; past the end of `buf` (only in a damaged snapshot) it stops,
/// leaving `at` past the end so the caller's walk ends.
fn read_varint(buf: &[u8], at: &mut usize) -> u32 {
    let mut v = 0u32;
    for shift in (0..32).step_by(7) {
        let Some(&b) = buf.get(*at) else {
            *at = usize::MAX / 2;
            return 0;
        };
        *at += 1;
        v |= ((b & 0x7f) as u32) << shift;
        if b < 0x80 {
            return v;
        }
    }
    v
}
