//! Typo tolerance: the edits between a term and the beginning of a word (a wrong, an
//! extra or a missing char, or two neighbours swapped: the optimal string alignment
//! distance), and the dictionary words within a term's edits, found by walking the
//! sorted dictionary as a trie.

use super::index::Dict;
use super::text::{MAX_EDITS, MAX_TYPO_CHARS, Term};

/// One row of the edit-distance table: the edits between a beginning of the word and
/// each beginning of the term (index = term chars).
pub(crate) type Row = [u8; MAX_TYPO_CHARS + 1];

/// The first row: the empty beginning of the word against each beginning of the term.
pub(crate) fn first_row(m: usize) -> Row {
    let mut row = [u8::MAX; MAX_TYPO_CHARS + 1];
    for (j, cell) in row.iter_mut().enumerate().take(m + 1) {
        *cell = j as u8;
    }
    row
}

/// The row after the word's `i`-th char `c` (1-based), from the two rows before it and
/// the char before `c`.
#[inline]
pub(crate) fn next_row(
    t: &[char],
    prev2: &Row,
    prev: &Row,
    c: char,
    before: Option<char>,
    i: usize,
) -> Row {
    let m = t.len();
    let mut cur = [u8::MAX; MAX_TYPO_CHARS + 1];
    cur[0] = i.min(u8::MAX as usize) as u8;
    for j in 1..=m {
        let mut v = prev[j - 1]
            .saturating_add(u8::from(c != t[j - 1]))
            .min(prev[j].saturating_add(1))
            .min(cur[j - 1].saturating_add(1));
        if j > 1 && c == t[j - 2] && before == Some(t[j - 1]) {
            v = v.min(prev2[j - 2].saturating_add(1));
        }
        cur[j] = v;
    }
    cur
}

fn row_min(row: &Row, m: usize) -> u8 {
    row[..=m].iter().copied().min().unwrap_or(u8::MAX)
}

/// The fewest edits that turn `t` into a beginning of `w`, if at most `k`. `t` has at
/// most [`MAX_TYPO_CHARS`] chars.
pub(crate) fn prefix_edits(t: &[char], w: &[char], k: usize) -> Option<usize> {
    let m = t.len();
    if m > MAX_TYPO_CHARS {
        return None;
    }
    let mut prev2 = first_row(m);
    let mut prev = prev2;
    let mut best = prev[m] as usize;
    for i in 1..=w.len() {
        let before = (i > 1).then(|| w[i - 2]);
        let cur = next_row(t, &prev2, &prev, w[i - 1], before, i);
        best = best.min(cur[m] as usize);
        // Every later row is worse than `k` too (a swap reaches back one row only, and
        // the cell it would come from made this row's neighbour at most `k`).
        if row_min(&cur, m) as usize > k {
            break;
        }
        prev2 = prev;
        prev = cur;
    }
    (best <= k).then_some(best)
}

/// Char positions in `w` that a best alignment of `t` with the longest beginning of
/// `w` within the fewest edits (at most `k`) keeps or replaces (what a typo match highlights); empty when
/// there is none.
pub(crate) fn typo_positions(t: &[char], w: &[char], k: usize) -> Vec<usize> {
    let m = t.len();
    if m == 0 || m > MAX_TYPO_CHARS {
        return Vec::new();
    }
    let n = w.len().min(m + k);
    // The whole table: words are short.
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        d[i][0] = i;
        for j in 1..=m {
            let mut v = (d[i - 1][j - 1] + usize::from(w[i - 1] != t[j - 1]))
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && w[i - 1] == t[j - 2] && w[i - 2] == t[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    let Some(end) = (0..=n).min_by_key(|&i| (d[i][m], std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    if d[end][m] > k {
        return Vec::new();
    }
    let (mut i, mut j) = (end, m);
    let mut out = Vec::new();
    while i > 0 && j > 0 {
        let here = d[i][j];
        if here == d[i - 1][j - 1] + usize::from(w[i - 1] != t[j - 1]) {
            out.push(i - 1);
            i -= 1;
            j -= 1;
        } else if i > 1
            && j > 1
            && w[i - 1] == t[j - 2]
            && w[i - 2] == t[j - 1]
            && here == d[i - 2][j - 2] + 1
        {
            out.extend([i - 1, i - 2]);
            i -= 2;
            j -= 2;
        } else if here == d[i][j - 1] + 1 {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    out.sort_unstable();
    out
}

/// Ranges of the sorted dictionary this short are checked word by word (by their char
/// masks) instead of walked further char by char.
const SMALL_RANGE: usize = 24;

/// Ids of the dictionary words whose beginning is within the term's edits, plus a few
/// that only might be (from short ranges, filtered by char masks): a superset of the
/// words [`Term::classify`] calls a typo match, which the caller checks each one with.
/// Some may match better (a prefix, say); none is listed twice.
pub(crate) fn typo_candidates(dict: &Dict, t: &Term) -> Vec<u32> {
    let mut out = Vec::new();
    let m = t.letters.len();
    if !t.typo_enabled() || m > MAX_TYPO_CHARS {
        return out;
    }
    debug_assert!(t.max_edits as usize <= MAX_EDITS);
    let row = first_row(m);
    let mut walk = Walk {
        dict,
        t,
        k: t.max_edits,
        out: &mut out,
        path: Vec::with_capacity(m + MAX_EDITS),
    };
    walk.node(0, dict.sorted.len(), 0, &row, &row, row[m]);
    out
}

struct Walk<'a> {
    dict: &'a Dict,
    t: &'a Term,
    k: u8,
    out: &'a mut Vec<u32>,
    /// The chars shared by every word of the node.
    path: Vec<char>,
}

impl Walk<'_> {
    fn word(&self, i: usize) -> &[u8] {
        self.dict.word(self.dict.sorted[i])
    }

    /// The words `sorted[lo..hi]`, which all begin with the `depth` bytes of `path`;
    /// `row` is the table's row for `path`, `prev` the one before, `best` the fewest
    /// edits from the term to any beginning of `path`.
    fn node(&mut self, lo: usize, hi: usize, depth: usize, prev: &Row, row: &Row, best: u8) {
        let m = self.t.letters.len();
        if best <= self.k {
            // Every word here begins within the edits.
            self.out.extend(&self.dict.sorted[lo..hi]);
            return;
        }
        let least = row_min(row, m);
        if least > self.k {
            return;
        }
        if hi - lo <= SMALL_RANGE {
            for i in lo..hi {
                let w = self.dict.sorted[i];
                if self.t.mask_allows(self.dict.mask[w as usize]) {
                    self.out.push(w);
                }
            }
            return;
        }
        // Words that end here are `path` itself: not within the edits.
        let mut i = lo;
        while i < hi && self.word(i).len() == depth {
            i += 1;
        }
        if least < self.k {
            // Any next char can be an edit: visit every child.
            while i < hi {
                let Some(c) = next_char(self.word(i), depth) else {
                    i += 1;
                    continue;
                };
                let mut bytes = [0u8; 4];
                let cb = c.encode_utf8(&mut bytes).as_bytes();
                let end = i + gallop(&self.dict.sorted[i..hi], |w| {
                    self.dict.word(w)[depth..].starts_with(cb)
                });
                self.child(i, end, depth, prev, row, best, c);
                i = end;
            }
        } else {
            // One edit left over the whole budget: only chars that continue the term
            // (or complete a swap) keep a cell within it.
            let t = &self.t.letters;
            let mut useful: Vec<char> = Vec::with_capacity(4);
            for j in 0..m {
                if row[j] <= self.k {
                    useful.push(t[j]);
                }
            }
            if let Some(&last) = self.path.last() {
                for j in 2..=m {
                    if prev[j - 2] < self.k && last == t[j - 1] {
                        useful.push(t[j - 2]);
                    }
                }
            }
            useful.sort_unstable();
            useful.dedup();
            for c in useful {
                let mut bytes = [0u8; 4];
                let cb = c.encode_utf8(&mut bytes).as_bytes();
                let sorted = &self.dict.sorted[i..hi];
                let a = sorted.partition_point(|&w| &self.dict.word(w)[depth..] < cb);
                let b = a + sorted[a..]
                    .partition_point(|&w| self.dict.word(w)[depth..].starts_with(cb));
                if b > a {
                    self.child(i + a, i + b, depth, prev, row, best, c);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn child(
        &mut self,
        lo: usize,
        hi: usize,
        depth: usize,
        prev: &Row,
        row: &Row,
        best: u8,
        c: char,
    ) {
        let m = self.t.letters.len();
        let cur = next_row(
            &self.t.letters,
            prev,
            row,
            c,
            self.path.last().copied(),
            self.path.len() + 1,
        );
        let best = best.min(cur[m]);
        self.path.push(c);
        self.node(lo, hi, depth + c.len_utf8(), row, &cur, best);
        self.path.pop();
    }
}

/// The char of `word` starting at byte `at` (a char boundary), if any.
fn next_char(word: &[u8], at: usize) -> Option<char> {
    let rest = word.get(at..)?;
    let n = match *rest.first()? {
        b if b < 0x80 => 1,
        b if b >= 0xf0 => 4,
        b if b >= 0xe0 => 3,
        _ => 2,
    };
    std::str::from_utf8(rest.get(..n)?).ok()?.chars().next()
}

/// How many leading elements of `xs` satisfy `pred` (true for a prefix of `xs`, and
/// for at least the first): an exponential search, as runs are usually short.
fn gallop(xs: &[u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut step = 1;
    let mut lo = 1; // pred(xs[0]) holds
    while lo + step <= xs.len() && pred(xs[lo + step - 1]) {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(xs.len() + 1);
    // The boundary lies in lo..hi: xs[..lo] satisfy, xs[hi - 1] (if any) does not.
    lo + xs[lo..hi - 1].partition_point(|&x| pred(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn edits(t: &str, w: &str, k: usize) -> Option<usize> {
        prefix_edits(&chars(t), &chars(w), k)
    }

    #[test]
    fn one_edit_of_each_kind_anywhere_in_the_word() {
        assert_eq!(edits("aidan", "aiden", 1), Some(1), "a wrong letter");
        assert_eq!(edits("hughse", "hughes", 1), Some(1), "a swapped pair");
        assert_eq!(edits("ivanoov", "ivanov", 1), Some(1), "an extra letter");
        assert_eq!(edits("ivnov", "ivanov", 1), Some(1), "a missing letter");
        assert_eq!(edits("bughes", "hughes", 1), Some(1), "the first letter");
        assert_eq!(
            edits("uhghes", "hughes", 1),
            Some(1),
            "the first two swapped"
        );
        assert_eq!(edits("иваонв", "иванов", 1), Some(1), "Cyrillic");
        assert_eq!(edits("саловьева", "соловьева", 1), Some(1));
        assert_eq!(edits("رصایی", "رضایی", 1), Some(1), "Persian");
        assert_eq!(edits("ivanov", "ivanov", 1), Some(0));
        assert_eq!(
            edits("ivan", "ivanov", 1),
            Some(0),
            "a beginning costs nothing"
        );
        assert_eq!(edits("ivxn", "ivanov", 1), Some(1), "of a beginning");
        assert_eq!(edits("ixxn", "ivanov", 1), None);
        assert_eq!(edits("lindqwist", "lindqvist", 2), Some(1));
        assert_eq!(edits("lindkwist", "lindqvist", 2), Some(2));
        assert_eq!(edits("lindkwixt", "lindqvist", 2), None);
        assert_eq!(edits("abcd", "", 1), None);
    }

    #[test]
    fn highlights_follow_the_alignment() {
        let at = |t: &str, w: &str| typo_positions(&chars(t), &chars(w), 1);
        assert_eq!(at("ivnov", "ivanov"), [0, 1, 3, 4, 5]);
        assert_eq!(at("aidan", "aidenova"), [0, 1, 2, 3, 4]);
        assert_eq!(at("hughse", "hughes"), [0, 1, 2, 3, 4, 5]);
        assert_eq!(at("ivanoov", "ivanov"), [0, 1, 2, 3, 4, 5]);
        assert_eq!(at("xxxx", "ivanov"), Vec::<usize>::new());
    }

    #[test]
    fn galloping_finds_the_end_of_a_run() {
        for n in 1..40u32 {
            let xs: Vec<u32> = (0..40).collect();
            assert_eq!(gallop(&xs, |x| x < n), n as usize);
        }
        assert_eq!(gallop(&[1], |_| true), 1);
    }
}
