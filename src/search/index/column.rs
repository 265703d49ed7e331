//! The arrays an index is made of. A loaded index maps its snapshot file read-only and
//! reads its arrays in place: every process on a database shares one copy in the page
//! cache, and opening reads only what a lookup touches. Records written after the
//! snapshot go to an owned tail, so the mapped part is never copied.

use std::ops::{Index, Range};
use std::sync::Arc;

use bytemuck::Pod;

/// Bytes an index can be mapped from: a snapshot file, or (tests, benchmarks) a buffer.
pub(crate) enum Backing {
    Map(memmap2::Mmap),
    /// `len` bytes held in `u64` words, so every section keeps the 8-byte alignment it
    /// has in a file.
    Words {
        words: Vec<u64>,
        len: usize,
    },
}

impl Backing {
    pub fn copy_of(bytes: &[u8]) -> Backing {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Backing::Words {
            words,
            len: bytes.len(),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Words { words, len } => &bytemuck::cast_slice(words)[..*len],
        }
    }
}

/// An immutable array: owned, or a section of a mapped snapshot.
pub(crate) enum Frozen<T> {
    Owned(Vec<T>),
    Mapped {
        backing: Arc<Backing>,
        bytes: Range<usize>,
    },
}

impl<T: Pod> Frozen<T> {
    /// The section `bytes` of `backing`, or `None` when it is not a whole number of
    /// aligned `T`s (only a damaged file can do that).
    pub fn mapped(backing: &Arc<Backing>, bytes: Range<usize>) -> Option<Self> {
        let section = backing.bytes().get(bytes.clone())?;
        bytemuck::try_cast_slice::<u8, T>(section).ok()?;
        Some(Frozen::Mapped {
            backing: Arc::clone(backing),
            bytes,
        })
    }

    /// Bytes held on the heap (mapped sections are the page cache's).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Frozen::Owned(v) => v.capacity() * std::mem::size_of::<T>(),
            Frozen::Mapped { .. } => 0,
        }
    }

    pub fn is_mapped(&self) -> bool {
        matches!(self, Frozen::Mapped { backing, .. } if matches!(**backing, Backing::Map(_)))
    }

    /// Asks the kernel to read elements `elems` of a section mapped from a file ahead
    /// (a no-op for anything else).
    pub fn will_need(&self, elems: Range<usize>) {
        if let Frozen::Mapped { backing, bytes } = self
            && let Backing::Map(map) = &**backing
        {
            let size = std::mem::size_of::<T>();
            let start = bytes.start + elems.start * size;
            let end = (bytes.start + elems.end * size).min(bytes.end);
            if end > start {
                // Only advice: a failure leaves the page faults to read it.
                let _ = map.advise_range(memmap2::Advice::WillNeed, start, end - start);
            }
        }
    }

    /// An owned copy (for the small arrays an index changes in place).
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Frozen::Owned(v) => v,
            mapped => mapped.to_vec(),
        }
    }
}

impl<T> Default for Frozen<T> {
    fn default() -> Self {
        Frozen::Owned(Vec::new())
    }
}

impl<T: Pod> std::ops::Deref for Frozen<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Frozen::Owned(v) => v,
            // Checked to cast when the section was made; a failure cannot happen, and
            // would show as an empty array rather than a crash.
            Frozen::Mapped { backing, bytes } => {
                bytemuck::try_cast_slice(&backing.bytes()[bytes.clone()]).unwrap_or(&[])
            }
        }
    }
}

impl<T> From<Vec<T>> for Frozen<T> {
    fn from(v: Vec<T>) -> Self {
        Frozen::Owned(v)
    }
}

/// An array records are appended to: a frozen part and an owned tail. A record's span
/// (`a..b` of [`Column::range`]) lies wholly in one of them, because records are
/// appended whole.
pub(crate) struct Column<T> {
    frozen: Frozen<T>,
    tail: Vec<T>,
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column {
            frozen: Frozen::default(),
            tail: Vec::new(),
        }
    }
}

impl<T: Pod> Column<T> {
    pub fn len(&self) -> usize {
        self.frozen.len() + self.tail.len()
    }

    pub fn push(&mut self, x: T) {
        self.tail.push(x);
    }

    pub fn extend_from_slice(&mut self, xs: &[T]) {
        self.tail.extend_from_slice(xs);
    }

    pub fn reserve(&mut self, n: usize) {
        self.tail.reserve(n);
    }

    pub fn shrink_to_fit(&mut self) {
        self.tail.shrink_to_fit();
        if let Frozen::Owned(v) = &mut self.frozen {
            v.shrink_to_fit();
        }
    }

    pub fn get(&self, i: usize) -> Option<T> {
        let f = self.frozen.len();
        if i < f {
            Some(self.frozen[i])
        } else {
            self.tail.get(i - f).copied()
        }
    }

    /// The elements in `r`, a record's span. A span that cannot be one (past the end,
    /// backwards, or across the end of the frozen part: only a damaged snapshot makes
    /// those) is empty rather than a crash.
    pub fn range(&self, r: Range<usize>) -> &[T] {
        let f = self.frozen.len();
        let part = if r.end <= f {
            self.frozen.get(r)
        } else if r.start >= f {
            self.tail.get(r.start - f..r.end - f)
        } else {
            None
        };
        part.unwrap_or_default()
    }

    /// The whole array as one slice: `None` while records appended since it was laid
    /// out sit in the tail (a snapshot is written after a compaction, so never then).
    pub fn as_slice(&self) -> Option<&[T]> {
        if self.tail.is_empty() {
            Some(&self.frozen)
        } else if self.frozen.is_empty() {
            Some(&self.tail)
        } else {
            None
        }
    }

    /// Makes [`Column::as_slice`] succeed, copying the frozen part and the tail into
    /// one owned array if it has both.
    pub fn make_contiguous(&mut self) {
        if !self.tail.is_empty() && !self.frozen.is_empty() {
            let mut all = std::mem::take(&mut self.frozen).into_vec();
            all.append(&mut self.tail);
            self.frozen = Frozen::Owned(all);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.frozen.iter().chain(&self.tail)
    }

    pub fn is_sorted(&self) -> bool
    where
        T: PartialOrd,
    {
        self.frozen.is_sorted()
            && self.tail.is_sorted()
            && match (self.frozen.last(), self.tail.first()) {
                (Some(a), Some(b)) => a <= b,
                _ => true,
            }
    }

    pub fn heap_bytes(&self) -> usize {
        self.frozen.heap_bytes() + self.tail.capacity() * std::mem::size_of::<T>()
    }
}

impl<T> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column {
            frozen: Frozen::Owned(v),
            tail: Vec::new(),
        }
    }
}

impl<T> From<Frozen<T>> for Column<T> {
    fn from(frozen: Frozen<T>) -> Self {
        Column {
            frozen,
            tail: Vec::new(),
        }
    }
}

impl<T: Pod> Index<usize> for Column<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        let f = self.frozen.len();
        if i < f {
            &self.frozen[i]
        } else {
            &self.tail[i - f]
        }
    }
}

impl<T: Pod> Index<Range<usize>> for Column<T> {
    type Output = [T];

    fn index(&self, r: Range<usize>) -> &[T] {
        self.range(r)
    }
}

/// Keys per fence entry: 512 `u64`s, one 4 KiB page.
pub(crate) const FENCE: usize = 512;

/// A sorted array of keys with every [`FENCE`]th key copied into a small fence, so a
/// search reads the fence (kept with the small sections at the front of a snapshot)
/// and one page of the keys: cold, one disk read instead of twenty.
#[derive(Default)]
pub(crate) struct SortedKeys {
    keys: Frozen<u64>,
    fence: Frozen<u64>,
}

impl SortedKeys {
    pub fn new(keys: Vec<u64>) -> Self {
        let fence = keys.iter().step_by(FENCE).copied().collect::<Vec<_>>();
        SortedKeys {
            keys: keys.into(),
            fence: fence.into(),
        }
    }

    /// Keys and the fence written with them; `None` when the two cannot belong together.
    pub fn from_parts(keys: Frozen<u64>, fence: Frozen<u64>) -> Option<Self> {
        (fence.len() == keys.len().div_ceil(FENCE)).then_some(SortedKeys { keys, fence })
    }

    pub fn fence(&self) -> &[u64] {
        &self.fence
    }

    /// Whether the fence holds every [`FENCE`]th key (a full check reads every key).
    pub fn fence_is_sound(&self) -> bool {
        self.keys.iter().step_by(FENCE).eq(self.fence.iter())
    }

    /// Like `slice::partition_point`, for a `pred` true for a prefix of the keys.
    pub fn partition_point(&self, pred: impl Fn(u64) -> bool) -> usize {
        let j = self.fence.partition_point(|&k| pred(k));
        if j == 0 {
            return 0;
        }
        let lo = (j - 1) * FENCE;
        let hi = (j * FENCE).min(self.keys.len());
        lo + self
            .keys
            .get(lo..hi)
            .map_or(0, |ks| ks.partition_point(|&k| pred(k)))
    }

    pub fn heap_bytes(&self) -> usize {
        self.keys.heap_bytes() + self.fence.heap_bytes()
    }
}

impl std::ops::Deref for SortedKeys {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        &self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_column_reads_its_section_and_appends_to_its_tail() {
        let words: Vec<u64> = vec![1, 2, 3, 4];
        let backing = Arc::new(Backing::copy_of(bytemuck::cast_slice(&words)));
        let frozen: Frozen<u64> = Frozen::mapped(&backing, 8..24).unwrap();
        assert_eq!(&*frozen, &[2, 3]);
        let mut col = Column::from(frozen);
        col.push(9);
        assert_eq!(col.len(), 3);
        assert_eq!((col[0], col[1], col[2]), (2, 3, 9));
        assert_eq!(col.range(0..2), &[2, 3]);
        assert_eq!(col.range(2..3), &[9]);
        assert_eq!(col.range(2..2), &[] as &[u64]);
        assert_eq!(col.as_slice(), None);
        assert_eq!(col.iter().copied().collect::<Vec<_>>(), vec![2, 3, 9]);
        assert!(col.is_sorted());
        assert_eq!(
            col.range(1..3),
            &[] as &[u64],
            "across the end of the snapshot"
        );
        let (hi, lo) = (2, 1);
        assert_eq!(col.range(hi..lo), &[] as &[u64], "backwards");
        assert_eq!(col.range(2..9), &[] as &[u64]);
        assert_eq!(col.heap_bytes(), col.tail.capacity() * 8);
    }

    #[test]
    fn a_fenced_search_finds_what_a_plain_one_does() {
        for n in [0, 1, 511, 512, 513, 5000] {
            let keys: Vec<u64> = (0..n as u64).map(|i| i * 3 / 2).collect();
            let fenced = SortedKeys::new(keys.clone());
            assert!(fenced.fence_is_sound());
            for probe in 0..(n as u64 * 3 / 2 + 3) {
                assert_eq!(
                    fenced.partition_point(|k| k < probe),
                    keys.partition_point(|&k| k < probe),
                    "n {n}, probe {probe}"
                );
            }
        }
        let keys: Frozen<u64> = vec![1; 600].into();
        assert!(SortedKeys::from_parts(keys, vec![1].into()).is_none());
    }

    #[test]
    fn a_section_that_is_not_whole_aligned_elements_is_refused() {
        let backing = Arc::new(Backing::copy_of(&[0; 32]));
        assert!(Frozen::<u64>::mapped(&backing, 4..12).is_none());
        assert!(Frozen::<u64>::mapped(&backing, 8..12).is_none());
        assert!(Frozen::<u64>::mapped(&backing, 8..40).is_none());
        assert!(Frozen::<u32>::mapped(&backing, 4..12).is_some());
    }
}
