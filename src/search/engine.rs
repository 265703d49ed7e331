//! Answering a query: candidates from the index, best first, scored per term and field.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::index::{Order, POS_FIRST, POS_SOLE, SLOT_MASK, SearchIndex, SortedKeys};
use super::phone::{DigitQuery, PhoneTier, pack8_range};
use super::text::{MAX_EDITS, Match, Term, edits_for, query_terms};
use super::typo::typo_candidates;
use super::{Hit, hits};

/// Candidates ranked exactly before the fuzzy scorer orders ties among them.
pub(crate) const RERANK_CAP: usize = 200;
/// A complete match set up to this size is kept for narrowing the next keystroke.
const NARROW_CAP: usize = 50_000;
/// Safety valve for pathological multi-word queries (every word very common): stop
/// after examining this many candidates of the driving word.
const MAX_EXAMINED: usize = 400_000;

/// Score of a phone found by a phone-digit query: above any text match.
pub(crate) const PHONE_QUERY_BASE: i64 = 10_000;
/// Score of a digit term (in a query with words too) found in a phone.
const PHONE_TERM_BASE: i64 = 600;

/// The score of one term matched by one word of a field: tier (exact word, prefix,
/// infix, with typos: fewer edits first), then field (name, company, email or tag), then where the word
/// sits (the whole field, its first word, a later word).
pub(crate) fn term_score(m: Match, class: u32) -> i64 {
    let kind = (class >> 2) as u8;
    let field = match kind {
        0 => 90, // name
        1 => 60, // company
        _ => 30, // email, tag
    };
    let pos = match class & 3 {
        POS_SOLE => 20,
        POS_FIRST => 10,
        _ => 0,
    };
    match m {
        Match::Exact => 500 + field + pos,
        Match::Prefix => 300 + field + pos,
        Match::Infix => 200 + field,
        Match::Typo(e) => 100 + field + 3 * (MAX_EDITS as i64 - e as i64),
    }
}

pub(crate) fn phone_query_score(t: PhoneTier) -> i64 {
    PHONE_QUERY_BASE + 100 * t as i64
}

pub(crate) fn phone_term_score(t: PhoneTier) -> i64 {
    PHONE_TERM_BASE + 10 * t as i64
}

const MAX_PREFIX_LEVEL: i64 = 620;
const MAX_INFIX_LEVEL: i64 = 290;
/// The best a typo match scores: fewer edits than this is no typo.
pub(crate) const MAX_TYPO_LEVEL: i64 = 196;
const MAX_PHONE_TERM_LEVEL: i64 = PHONE_TERM_BASE + 40;

/// A scored record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub score: i64,
    pub slot: u32,
    /// Where the record ranks on ties (most recent contact, then smallest id), as
    /// [`SearchIndex::order_of`] gives it.
    pub order: Order,
    /// Some term matched it with typos only (the fuzzy scorer orders those ties).
    pub typo: bool,
}

impl Cand {
    /// Smaller is better: score, then most recent contact, then smallest id.
    fn key(&self) -> (Reverse<i64>, Order) {
        (Reverse(self.score), self.order)
    }
}

impl PartialEq for Cand {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    fn cmp(&self, o: &Self) -> Ordering {
        self.key().cmp(&o.key())
    }
}

/// The best `cap` candidates; the heap's top is the worst kept.
struct TopK {
    cap: usize,
    heap: BinaryHeap<Cand>,
}

impl TopK {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            heap: BinaryHeap::with_capacity(cap + 1),
        }
    }

    /// Keeps `c` if it is among the best; false when it could not get in.
    fn offer(&mut self, c: Cand) -> bool {
        if self.heap.len() < self.cap {
            self.heap.push(c);
            return true;
        }
        if c < *self.heap.peek().expect("cap > 0") {
            self.heap.pop();
            self.heap.push(c);
            return true;
        }
        false
    }

    fn worst_if_full(&self) -> Option<&Cand> {
        (self.heap.len() >= self.cap)
            .then(|| self.heap.peek())
            .flatten()
    }

    fn into_sorted(self) -> Vec<Cand> {
        self.heap.into_sorted_vec()
    }
}

/// One term of the query as the engine uses it.
pub(crate) struct QTerm {
    pub term: Term,
    /// For an all-digit term in a query that also has words: it may match a phone.
    pub phone: Option<DigitQuery>,
}

/// Per-term memo of how each dictionary word matches: `epoch << 8 | code`.
#[derive(Default)]
struct Memo {
    cells: Vec<u32>,
}

const CODE_NONE: u32 = 1;

fn encode_match(m: Option<Match>) -> u32 {
    match m {
        None => CODE_NONE,
        Some(Match::Exact) => 2,
        Some(Match::Prefix) => 3,
        Some(Match::Infix) => 4,
        Some(Match::Typo(e)) => 5 + e as u32,
    }
}

fn decode_match(code: u32) -> Option<Match> {
    match code {
        2 => Some(Match::Exact),
        3 => Some(Match::Prefix),
        4 => Some(Match::Infix),
        c if c >= 5 => Some(Match::Typo((c - 5) as u8)),
        _ => None,
    }
}

/// What a `Searcher` keeps from the previous keystroke.
struct Previous {
    uid: u64,
    generation: u64,
    terms: Vec<String>,
    /// Which terms could match a phone.
    phone: Vec<bool>,
    /// Every record matching the previous query, when it was enumerated completely.
    matches: Option<Vec<u32>>,
    /// Words matching each previous term in the middle (when computed).
    infix: Vec<Option<Vec<u32>>>,
}

/// Stateful per-popup searcher: narrows over the previous keystroke's matches when the
/// new query extends the old one (same terms, the last one longer, or terms added).
/// Narrowed results are always the same as a fresh [`SearchIndex::search`].
pub struct Searcher {
    memos: Vec<Memo>,
    epoch: u32,
    seen: Vec<u64>,
    seen_touched: Vec<u32>,
    marks: Vec<u64>,
    previous: Option<Previous>,
    /// Per term of the current query, its levels from its postings (when `mapped`).
    levels: Vec<Levels>,
    mapped: Vec<bool>,
    /// Words whose postings were already asked of the kernel (see
    /// [`SearchIndex::prefetch_postings`]), for this index.
    prefetched: Vec<u64>,
    prefetched_uid: u64,
    /// How the last search was answered (for tests and the benchmark).
    pub(crate) last_plan: Plan,
}

/// One term's best level in each laid-out record, read from its postings (0: it does
/// not match): checking a candidate against the term is then one array read instead of
/// a walk over the record's words (which, cold, is a page of the snapshot per record).
#[derive(Default)]
struct Levels {
    by_slot: Vec<u16>,
    touched: Vec<u32>,
}

impl Levels {
    fn clear(&mut self, slots: usize) {
        if self.by_slot.len() < slots {
            self.by_slot.resize(slots, 0);
        }
        if self.touched.len() > slots / 8 {
            self.by_slot.iter_mut().for_each(|l| *l = 0);
        } else {
            for &s in &self.touched {
                self.by_slot[s as usize] = 0;
            }
        }
        self.touched.clear();
    }

    #[inline]
    fn raise(&mut self, slot: u32, level: u16) {
        let cell = &mut self.by_slot[slot as usize];
        if *cell < level {
            if *cell == 0 {
                self.touched.push(slot);
            }
            *cell = level;
        }
    }
}

/// A term other than the driving one has its levels read from its postings when they
/// number at most this many times the driving term's (plus `MAP_FLOOR`); beyond, its
/// records are checked one by one.
const MAP_RATIO: usize = 8;
const MAP_FLOOR: usize = 65_536;

/// How a search was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Plan {
    #[default]
    None,
    Digits,
    Index,
    Narrowed,
}

impl Default for Searcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Searcher {
    pub fn new() -> Self {
        Self {
            memos: Vec::new(),
            epoch: 0,
            seen: Vec::new(),
            seen_touched: Vec::new(),
            marks: Vec::new(),
            previous: None,
            levels: Vec::new(),
            mapped: Vec::new(),
            prefetched: Vec::new(),
            prefetched_uid: 0,
            last_plan: Plan::None,
        }
    }

    /// The best `limit` hits for `query`; see the `search` module documentation.
    pub fn search(&mut self, index: &SearchIndex, query: &str, limit: usize) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        let cap = limit.max(RERANK_CAP);
        let words = query_terms(query);
        if let Some(dq) = DigitQuery::parse(query) {
            self.last_plan = Plan::Digits;
            self.previous = None;
            let mut cands = phone_candidates(index, &dq, cap);
            if cands.len() < limit && !words.is_empty() {
                let terms: Vec<QTerm> = words
                    .iter()
                    .map(|w| QTerm {
                        term: Term::new(w),
                        phone: None,
                    })
                    .collect();
                let (text, _) = self.text_candidates(index, &terms, cap);
                let have: std::collections::HashSet<u32> = cands.iter().map(|c| c.slot).collect();
                cands.extend(text.into_iter().filter(|c| !have.contains(&c.slot)));
                cands.sort();
                cands.truncate(cap);
                return hits::materialize(index, &cands, &terms, Some(&dq), limit);
            }
            cands.truncate(limit);
            return hits::materialize(index, &cands, &[], Some(&dq), limit);
        }
        if words.is_empty() {
            self.last_plan = Plan::None;
            self.previous = None;
            return Vec::new();
        }
        let any_word = words.iter().any(|w| !w.bytes().all(|b| b.is_ascii_digit()));
        let terms: Vec<QTerm> = words
            .iter()
            .map(|w| {
                let digits = w.bytes().all(|b| b.is_ascii_digit());
                QTerm {
                    term: Term::new(w),
                    phone: (any_word && digits && w.len() >= 3)
                        .then(|| DigitQuery::from_digits(w.clone(), false)),
                }
            })
            .collect();
        let (cands, matches) = match self.narrowable(index, &terms) {
            Some(prev) => {
                self.last_plan = Plan::Narrowed;
                self.narrow(index, &terms, &prev, cap)
            }
            None => {
                self.last_plan = Plan::Index;
                self.text_candidates(index, &terms, cap)
            }
        };
        let infix = match self.previous.take() {
            Some(p) if p.uid == index.uid && p.generation == index.generation => {
                // Keep infix word lists of unchanged terms for the next keystroke.
                terms
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        p.terms
                            .get(i)
                            .filter(|old| **old == t.term.text)
                            .and_then(|_| p.infix.get(i).cloned().flatten())
                    })
                    .collect()
            }
            _ => vec![None; terms.len()],
        };
        self.previous = Some(Previous {
            uid: index.uid,
            generation: index.generation,
            terms: words,
            phone: terms.iter().map(|t| t.phone.is_some()).collect(),
            matches,
            infix,
        });
        let cands = self.rerank(index, &terms, cands);
        hits::materialize(index, &cands, &terms, None, limit)
    }

    /// The previous complete match set, if the new terms only narrow the old ones: each
    /// old term is kept, or extended when it was long enough to match in every way (so
    /// a word matching the longer term also matched the shorter); new terms may follow.
    fn narrowable(&mut self, index: &SearchIndex, terms: &[QTerm]) -> Option<Vec<u32>> {
        let prev = self.previous.as_mut()?;
        if prev.uid != index.uid || prev.generation != index.generation {
            return None;
        }
        if terms.len() < prev.terms.len() {
            return None;
        }
        for (i, old) in prev.terms.iter().enumerate() {
            let new = &terms[i];
            if new.phone.is_some() != prev.phone[i] {
                return None;
            }
            let same = new.term.text == *old;
            // A longer term forgiving more edits may match words the old one did not.
            let old_chars = old.chars().count();
            let extends = new.term.text.starts_with(old.as_str())
                && old_chars >= super::text::ONE_TYPO_CHARS
                && edits_for(old_chars) == new.term.max_edits
                && !prev.phone[i];
            if !same && !extends {
                return None;
            }
        }
        prev.matches.clone()
    }

    fn next_epoch(&mut self, nterms: usize, nwords: usize) -> u32 {
        self.epoch += 1;
        if self.epoch >= 1 << 24 {
            self.epoch = 1;
            for m in &mut self.memos {
                m.cells.iter_mut().for_each(|c| *c = 0);
            }
        }
        while self.memos.len() < nterms {
            self.memos.push(Memo::default());
        }
        for m in &mut self.memos[..nterms] {
            if m.cells.len() < nwords {
                m.cells.resize(nwords, 0);
            }
        }
        self.epoch
    }

    /// How term `j` matches word `w` (memoised per query).
    #[inline]
    fn word_match(
        &mut self,
        index: &SearchIndex,
        terms: &[QTerm],
        j: usize,
        w: u32,
    ) -> Option<Match> {
        let cell = &mut self.memos[j].cells[w as usize];
        if *cell >> 8 == self.epoch {
            return decode_match(*cell & 0xff);
        }
        let m = terms[j].term.classify(index.dict.word(w));
        *cell = self.epoch << 8 | encode_match(m);
        m
    }

    /// The best score of term `j` in record `slot`, 0 when it does not match.
    fn term_level(&mut self, index: &SearchIndex, terms: &[QTerm], j: usize, slot: u32) -> i64 {
        let mut best = 0;
        for &e in index.words_of(slot) {
            if let Some(m) = self.word_match(index, terms, j, e >> 4) {
                best = best.max(term_score(m, e & 15));
            }
        }
        if let Some(dq) = &terms[j].phone {
            for digits in index.phones_of(slot) {
                if let Some(t) = dq.match_number(digits) {
                    best = best.max(phone_term_score(t));
                }
            }
        }
        best
    }

    /// Total score of `slot` over all terms but `skip`, `None` when one does not match;
    /// and whether one of them matched with typos only.
    fn others_level(
        &mut self,
        index: &SearchIndex,
        terms: &[QTerm],
        skip: Option<usize>,
        slot: u32,
    ) -> Option<(i64, bool)> {
        let mut total = 0;
        let mut typo = false;
        let laid_out = slot < index.main_len;
        for j in 0..terms.len() {
            if Some(j) == skip {
                continue;
            }
            let l = if laid_out && self.mapped.get(j) == Some(&true) {
                i64::from(self.levels[j].by_slot[slot as usize])
            } else {
                self.term_level(index, terms, j, slot)
            };
            if l == 0 {
                return None;
            }
            typo |= l <= MAX_TYPO_LEVEL;
            total += l;
        }
        Some((total, typo))
    }

    fn cand(index: &SearchIndex, slot: u32, score: i64, typo: bool) -> Cand {
        Cand {
            score,
            slot,
            order: index.order_of(slot),
            typo,
        }
    }

    /// Evaluates every record of `prev` (the complete match set of a query this one narrows).
    fn narrow(
        &mut self,
        index: &SearchIndex,
        terms: &[QTerm],
        prev: &[u32],
        cap: usize,
    ) -> (Vec<Cand>, Option<Vec<u32>>) {
        self.next_epoch(terms.len(), index.dict.len());
        self.mapped.clear();
        let mut top = TopK::new(cap);
        let mut matches = Vec::new();
        for &slot in prev {
            if !index.is_alive(slot) {
                continue;
            }
            if let Some((score, typo)) = self.others_level(index, terms, None, slot) {
                matches.push(slot);
                top.offer(Self::cand(index, slot, score, typo));
            }
        }
        (top.into_sorted(), Some(matches))
    }

    /// Asks the kernel for the postings of `words` not asked for yet by this searcher.
    fn prefetch(&mut self, index: &SearchIndex, words: impl IntoIterator<Item = u32>) {
        if !index.postings_mapped() {
            return;
        }
        if self.prefetched_uid != index.uid {
            self.prefetched_uid = index.uid;
            self.prefetched.clear();
        }
        let n = index.dict.len().div_ceil(64);
        if self.prefetched.len() < n {
            self.prefetched.resize(n, 0);
        }
        let fresh = words.into_iter().filter(|&w| {
            let (i, b) = ((w / 64) as usize, w % 64);
            let was = self.prefetched[i] >> b & 1 == 1;
            self.prefetched[i] |= 1 << b;
            !was
        });
        index.prefetch_postings(fresh);
    }

    /// Every dictionary word term `j` matches, with how, in tier order (prefix words,
    /// then infix, then typo words); `None` once their postings pass `budget`.
    fn term_words(
        &mut self,
        index: &SearchIndex,
        j: usize,
        term: &Term,
        budget: usize,
    ) -> Option<Vec<(u32, Match)>> {
        let dict = &index.dict;
        let mut out = Vec::new();
        let mut count = 0usize;
        for &w in &dict.sorted[dict.prefix_range(term.text.as_bytes())] {
            count += index.posting_count(w);
            if count > budget {
                return None;
            }
            let m = if dict.word(w).len() == term.text.len() {
                Match::Exact
            } else {
                Match::Prefix
            };
            out.push((w, m));
        }
        if term.infix_enabled() {
            for w in self.infix_words(index, j, term) {
                count += index.posting_count(w);
                if count > budget {
                    return None;
                }
                out.push((w, Match::Infix));
            }
        }
        for w in typo_candidates(&index.dict, term) {
            if let Some(m @ Match::Typo(_)) = term.classify(index.dict.word(w)) {
                count += index.posting_count(w);
                if count > budget {
                    return None;
                }
                out.push((w, m));
            }
        }
        Some(out)
    }

    /// Reads term `j`'s levels from its postings if they are at most `budget`; whether
    /// it did.
    fn map_levels(
        &mut self,
        index: &SearchIndex,
        terms: &[QTerm],
        j: usize,
        budget: usize,
    ) -> bool {
        if terms[j].phone.is_some() {
            return false; // phone keys are not postings
        }
        let Some(words) = self.term_words(index, j, &terms[j].term, budget) else {
            return false;
        };
        self.prefetch(index, words.iter().map(|&(w, _)| w));
        while self.levels.len() <= j {
            self.levels.push(Levels::default());
        }
        let levels = &mut self.levels[j];
        levels.clear(index.main_len as usize);
        for (w, m) in words {
            let mut classes = index.classes_of(w);
            while classes != 0 {
                let c = classes.trailing_zeros();
                classes &= classes - 1;
                // Levels are below 1,000 (phone terms are never mapped).
                let level = term_score(m, c) as u16;
                for &e in index.postings(w, c) {
                    levels.raise(e & SLOT_MASK, level);
                }
            }
        }
        true
    }

    /// Candidates from the index: the driving term's postings best level first, each
    /// record checked against the other terms (by their levels read from their
    /// postings, or else through the record's words); the records written since the
    /// postings were built are scanned. Returns the best `cap` and, when every matching
    /// record was seen and there are few, all of them.
    pub(crate) fn text_candidates(
        &mut self,
        index: &SearchIndex,
        terms: &[QTerm],
        cap: usize,
    ) -> (Vec<Cand>, Option<Vec<u32>>) {
        self.next_epoch(terms.len(), index.dict.len());
        self.clear_seen(index.ids.len());
        self.mapped.clear();
        let mut top = TopK::new(cap);
        let mut matches: Option<Vec<u32>> = Some(Vec::new());
        let track = |matches: &mut Option<Vec<u32>>, slot: u32| {
            if let Some(m) = matches {
                if m.len() >= NARROW_CAP {
                    *matches = None;
                } else {
                    m.push(slot);
                }
            }
        };

        // Records written since the postings were built.
        for i in 0..index.delta.len() {
            let slot = index.delta[i];
            if index.is_alive(slot)
                && let Some((score, typo)) = self.others_level(index, terms, None, slot)
            {
                track(&mut matches, slot);
                top.offer(Self::cand(index, slot, score, typo));
            }
        }

        let Some((d, driver_postings)) = choose_driver(index, terms) else {
            // Only phone-capable digit terms cannot drive; without a word there is
            // nothing to enumerate (the digit path answers pure digit queries).
            return (top.into_sorted(), None);
        };
        let budget = MAP_RATIO * driver_postings + MAP_FLOOR;
        self.mapped = (0..terms.len())
            .map(|j| j != d && self.map_levels(index, terms, j, budget))
            .collect();
        let bound_others: i64 = (0..terms.len())
            .filter(|&j| j != d)
            .map(|j| max_level(index, &terms[j]))
            .sum();
        let single = terms.len() == 1;
        let driver = &terms[d].term;
        let mut examined = 0usize;
        let mut complete = true;

        'tiers: for tier in 0..3 {
            let tier_max = [MAX_PREFIX_LEVEL, MAX_INFIX_LEVEL, MAX_TYPO_LEVEL][tier];
            if let Some(w) = top.worst_if_full()
                && tier_max + bound_others < w.score
            {
                complete = false;
                break;
            }
            let mut runs: Vec<(i64, u32, u32)> = Vec::new(); // (level, word, class)
            match tier {
                0 => {
                    for &w in &index.dict.sorted[index.dict.prefix_range(driver.text.as_bytes())] {
                        let m = if index.dict.word(w).len() == driver.text.len() {
                            Match::Exact
                        } else {
                            Match::Prefix
                        };
                        push_runs(index, w, m, &mut runs);
                    }
                }
                1 => {
                    if !driver.infix_enabled() {
                        continue;
                    }
                    for w in self.infix_words(index, d, driver) {
                        push_runs(index, w, Match::Infix, &mut runs);
                    }
                }
                _ => {
                    if !driver.typo_enabled() {
                        continue;
                    }
                    for w in typo_candidates(&index.dict, driver) {
                        if let Some(m @ Match::Typo(_)) = driver.classify(index.dict.word(w)) {
                            push_runs(index, w, m, &mut runs);
                        }
                    }
                }
            }
            runs.sort_unstable_by_key(|&(level, w, c)| (Reverse(level), w, c));
            let mut g = 0;
            while g < runs.len() {
                let level = runs[g].0;
                let end = g + runs[g..].partition_point(|r| r.0 == level);
                if let Some(w) = top.worst_if_full()
                    && (level + bound_others < w.score || (single && level < w.score))
                {
                    complete = false;
                    break 'tiers;
                }
                self.prefetch(index, runs[g..end].iter().map(|r| r.1));
                let lists: Vec<&[u32]> = runs[g..end]
                    .iter()
                    .map(|&(_, w, c)| index.postings(w, c))
                    .collect();
                let mut stop = false;
                let mut marks = std::mem::take(&mut self.marks);
                if marks.len() < (index.main_len as usize).div_ceil(64) {
                    marks.resize((index.main_len as usize).div_ceil(64), 0);
                }
                merge_ranked(&lists, &mut marks, |rank| {
                    examined += 1;
                    if examined > MAX_EXAMINED {
                        stop = true;
                        return false;
                    }
                    let slot = rank;
                    if !index.is_alive(slot) || self.test_and_set_seen(slot) {
                        return true;
                    }
                    let Some((others, typo)) = self.others_level(index, terms, Some(d), slot)
                    else {
                        return true;
                    };
                    track(&mut matches, slot);
                    let typo = typo || level <= MAX_TYPO_LEVEL;
                    let accepted = top.offer(Self::cand(index, slot, level + others, typo));
                    if let Some(w) = top.worst_if_full() {
                        // Single term: what follows at this level ranks lower, so once
                        // one is turned away, all are.
                        if (single && !accepted) || level + bound_others < w.score {
                            stop = true;
                            return false;
                        }
                    }
                    true
                });
                self.marks = marks;
                if stop {
                    complete = false;
                    break 'tiers;
                }
                g = end;
            }
        }
        let matches = if complete { matches } else { None };
        (top.into_sorted(), matches)
    }

    fn clear_seen(&mut self, slots: usize) {
        let words = slots.div_ceil(64);
        if self.seen.len() < words {
            self.seen.resize(words, 0);
        }
        if self.seen_touched.len() > words / 8 {
            self.seen.iter_mut().for_each(|w| *w = 0);
        } else {
            for &w in &self.seen_touched {
                self.seen[w as usize] = 0;
            }
        }
        self.seen_touched.clear();
    }

    #[inline]
    fn test_and_set_seen(&mut self, slot: u32) -> bool {
        let (w, b) = ((slot / 64) as usize, slot % 64);
        let was = self.seen[w] >> b & 1 == 1;
        if !was {
            if self.seen[w] == 0 {
                self.seen_touched.push(w as u32);
            }
            self.seen[w] |= 1 << b;
        }
        was
    }

    /// Words that contain the driving term `t` (term `j`) past their first char, from
    /// the previous keystroke's list when `t` extends that term, else by scanning.
    fn infix_words(&mut self, index: &SearchIndex, j: usize, t: &Term) -> Vec<u32> {
        let dict = &index.dict;
        let from_previous = self.previous.as_ref().and_then(|p| {
            if p.uid != index.uid || p.generation != index.generation {
                return None;
            }
            let old = p.terms.get(j)?;
            let list = p.infix.get(j)?.as_ref()?;
            t.text
                .starts_with(old.as_str())
                .then_some((old.clone(), list))
        });
        let words: Vec<u32> = match from_previous {
            // A word with `t` inside has the old term inside too, or starts with it.
            Some((old, list)) => list
                .iter()
                .copied()
                .chain(
                    dict.sorted[dict.prefix_range(old.as_bytes())]
                        .iter()
                        .copied(),
                )
                .filter(|&w| t.classify(dict.word(w)) == Some(Match::Infix))
                .collect(),
            None => {
                let text = dict.text();
                let mut out = Vec::new();
                let mut cursor = 0u32;
                for at in t.finder.find_iter(text) {
                    let w = dict.word_at(at);
                    if w < cursor && !out.is_empty() {
                        continue;
                    }
                    if out.last() == Some(&w) {
                        continue;
                    }
                    cursor = w;
                    if t.classify(dict.word(w)) == Some(Match::Infix) {
                        out.push(w);
                    }
                }
                out
            }
        };
        let mut words = words;
        words.sort_unstable();
        words.dedup();
        if let Some(p) = self.previous.as_mut()
            && p.uid == index.uid
            && p.generation == index.generation
        {
            // Stored under this term's position for the next keystroke; `search`
            // moves it over when the term is unchanged or extended.
            if p.infix.len() <= j {
                p.infix.resize(j + 1, None);
            }
            p.infix[j] = Some(words.clone());
            if p.terms.len() <= j {
                p.terms.resize(j + 1, String::new());
                p.phone.resize(j + 1, false);
            }
            p.terms[j] = t.text.clone();
        }
        words
    }

    /// Orders candidates of equal score by the fuzzy scorer's verdict on their
    /// typo-tolerant matches, then recency and id. Only records with a typo match that
    /// tie with another are read again.
    fn rerank(&mut self, index: &SearchIndex, terms: &[QTerm], cands: Vec<Cand>) -> Vec<Cand> {
        if !terms.iter().any(|t| t.term.typo_enabled()) {
            return cands;
        }
        self.next_epoch(terms.len(), index.dict.len());
        let mut fuzzy = vec![0i64; cands.len()];
        let mut g = 0;
        while g < cands.len() {
            let end = g + cands[g..].partition_point(|c| c.score == cands[g].score);
            if end - g >= 2 {
                for i in g..end {
                    if cands[i].typo {
                        fuzzy[i] = self.fuzzy_of(index, terms, cands[i].slot);
                    }
                }
            }
            g = end;
        }
        let mut keyed: Vec<(Cand, i64)> = cands.into_iter().zip(fuzzy).collect();
        keyed.sort_by(|(a, fa), (b, fb)| {
            b.score
                .cmp(&a.score)
                .then(fb.cmp(fa))
                .then(a.order.cmp(&b.order))
        });
        keyed.into_iter().map(|(c, _)| c).collect()
    }

    /// The fuzzy scorer's total over the terms `slot` matches with typos only.
    fn fuzzy_of(&mut self, index: &SearchIndex, terms: &[QTerm], slot: u32) -> i64 {
        let mut total = 0;
        for j in 0..terms.len() {
            let mut best: Option<(i64, u32)> = None;
            for &e in index.words_of(slot) {
                if let Some(m) = self.word_match(index, terms, j, e >> 4) {
                    let s = term_score(m, e & 15);
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, e >> 4));
                    }
                }
            }
            let phone_better = terms[j]
                .phone
                .as_ref()
                .is_some_and(|dq| index.phones_of(slot).any(|d| dq.match_number(d).is_some()));
            if let Some((s, w)) = best
                && s <= MAX_TYPO_LEVEL
                && !phone_better
            {
                let word = std::str::from_utf8(index.dict.word(w)).unwrap_or_default();
                total += hits::fuzzy(word, &terms[j].term.text).map_or(0, |(f, _)| f);
            }
        }
        total
    }
}

/// Pushes one run per class `w` has postings in.
fn push_runs(index: &SearchIndex, w: u32, m: Match, runs: &mut Vec<(i64, u32, u32)>) {
    let mut classes = index.classes_of(w);
    while classes != 0 {
        let c = classes.trailing_zeros();
        classes &= classes - 1;
        runs.push((term_score(m, c), w, c));
    }
}

/// Runs merged with a heap up to this many; past it, by marking a bitset.
const HEAP_MERGE_MAX: usize = 16;

/// Calls `f` with the slots of all `lists` (each ascending) in ascending order, each
/// once, until `f` returns false. `marks` is an all-zero bitset over the main slots and
/// is left all zero.
fn merge_ranked(lists: &[&[u32]], marks: &mut [u64], mut f: impl FnMut(u32) -> bool) {
    let lists: Vec<&[u32]> = lists.iter().copied().filter(|l| !l.is_empty()).collect();
    if lists.len() == 1 {
        for &e in lists[0] {
            if !f(e & SLOT_MASK) {
                return;
            }
        }
        return;
    }
    if lists.len() <= HEAP_MERGE_MAX {
        let mut heap: BinaryHeap<Reverse<(u32, u32, u32)>> = lists
            .iter()
            .enumerate()
            .map(|(i, l)| Reverse((l[0] & SLOT_MASK, i as u32, 0)))
            .collect();
        let mut prev = u32::MAX;
        while let Some(Reverse((slot, i, at))) = heap.pop() {
            if slot != prev {
                prev = slot;
                if !f(slot) {
                    return;
                }
            }
            let l = lists[i as usize];
            let next = at as usize + 1;
            if next < l.len() {
                heap.push(Reverse((l[next] & SLOT_MASK, i, next as u32)));
            }
        }
        return;
    }
    let (mut lo, mut hi) = (usize::MAX, 0);
    for l in &lists {
        lo = lo.min((l[0] & SLOT_MASK) as usize / 64);
        hi = hi.max((l[l.len() - 1] & SLOT_MASK) as usize / 64);
        for &e in *l {
            let s = (e & SLOT_MASK) as usize;
            marks[s / 64] |= 1 << (s % 64);
        }
    }
    let mut stopped = false;
    for (w, word) in marks.iter_mut().enumerate().take(hi + 1).skip(lo) {
        let mut bits = std::mem::take(word);
        while bits != 0 && !stopped {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            stopped = !f((w * 64) as u32 + b);
        }
    }
}

/// The term with the fewest postings among its prefix matches drives (returned with
/// that count); digit terms that may match a phone do not (the phone keys are not in
/// the word postings).
fn choose_driver(index: &SearchIndex, terms: &[QTerm]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (j, t) in terms.iter().enumerate() {
        if t.phone.is_some() {
            continue;
        }
        let range = index.dict.prefix_range(t.term.text.as_bytes());
        let mut count = 0usize;
        for &w in &index.dict.sorted[range] {
            count += index.posting_count(w);
            if best.is_some_and(|(_, b)| count > b) {
                break;
            }
        }
        let better = match best {
            None => true,
            Some((bj, b)) => count < b || (count == b && t.term.chars > terms[bj].term.chars),
        };
        if better {
            best = Some((j, count));
        }
    }
    best
}

/// An upper bound of what term `t` can add to an indexed record's score.
fn max_level(index: &SearchIndex, t: &QTerm) -> i64 {
    let mut best = 0;
    let range = index.dict.prefix_range(t.term.text.as_bytes());
    let (mut exact, mut prefix) = (0u16, 0u16);
    for &w in &index.dict.sorted[range] {
        if index.dict.word(w).len() == t.term.text.len() {
            exact |= index.classes_of(w);
        } else {
            prefix |= index.classes_of(w);
            if prefix == u16::MAX {
                break;
            }
        }
    }
    for (m, mut cs) in [(Match::Exact, exact), (Match::Prefix, prefix)] {
        while cs != 0 {
            let c = cs.trailing_zeros();
            cs &= cs - 1;
            best = best.max(term_score(m, c));
        }
    }
    if t.term.infix_enabled() {
        best = best.max(MAX_INFIX_LEVEL);
    }
    if t.term.typo_enabled() {
        best = best.max(MAX_TYPO_LEVEL);
    }
    if t.phone.is_some() {
        best = best.max(MAX_PHONE_TERM_LEVEL);
    }
    best
}

/// Records whose phone matches a phone-digit query, best `cap` (tier, then recency).
fn phone_candidates(index: &SearchIndex, dq: &DigitQuery, cap: usize) -> Vec<Cand> {
    // (tier as sort key: lower is better, rank)
    let mut found: Vec<u64> = Vec::new();
    let key = |tier: PhoneTier, rank: u64| ((5 - tier as u64) << 32) | rank;
    let mut scan = |keys: &SortedKeys, form: &str, tier: PhoneTier, suffix: bool| {
        let bytes: Vec<u8> = if suffix {
            form.bytes().rev().collect()
        } else {
            form.bytes().collect()
        };
        let (lo, hi) = pack8_range(&bytes);
        let start = keys.partition_point(|k| (k >> 32) < lo as u64);
        let end = keys.partition_point(|k| (k >> 32) <= hi as u64).max(start);
        let verify = bytes.len() >= 8;
        for &k in &keys[start..end] {
            let slot = (k & 0xffff_ffff) as u32;
            if !index.is_alive(slot) {
                continue;
            }
            if verify || (!suffix && (k >> 32) as u32 == lo) {
                // Long forms need checking past 8 digits; an equal short key may be exact.
                let best = index
                    .phones_of(slot)
                    .filter_map(|d| dq.match_number(d))
                    .max();
                match best {
                    Some(t) => found.push(key(t, slot as u64)),
                    None => continue,
                }
            } else {
                found.push(key(tier, slot as u64));
            }
        }
    };
    for (form, tier) in &dq.prefixes {
        scan(&index.phone_prefix, form, *tier, false);
    }
    if let Some(s) = &dq.suffix {
        scan(&index.phone_suffix, s, PhoneTier::Suffix, true);
    }
    // A record can appear once per key; 4 keys per record at most match one form, so
    // the best 8 × cap entries hold the best cap records.
    let want = 8 * cap;
    if found.len() > want {
        found.select_nth_unstable(want);
        found.truncate(want);
    }
    found.sort_unstable();
    let mut out: Vec<Cand> = Vec::with_capacity(cap);
    let mut taken = std::collections::HashSet::new();
    for k in found {
        let rank = (k & 0xffff_ffff) as u32;
        if !taken.insert(rank) {
            continue;
        }
        let tier = 5 - (k >> 32) as i64;
        let slot = rank;
        out.push(Cand {
            score: PHONE_QUERY_BASE + 100 * tier,
            order: index.order_of(slot),
            slot,
            typo: false,
        });
    }
    for &slot in &index.delta {
        if !index.is_alive(slot) {
            continue;
        }
        let best = index
            .phones_of(slot)
            .filter_map(|d| dq.match_number(d))
            .max();
        if let Some(t) = best {
            out.push(Cand {
                score: phone_query_score(t),
                order: index.order_of(slot),
                slot,
                typo: false,
            });
        }
    }
    out.sort();
    // Entries of one record under different tiers: keep its best.
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.slot));
    out.truncate(cap);
    out
}
