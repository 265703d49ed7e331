//! The lookup index every process on a database shares: a snapshot file beside the
//! database (`PATH.lookup`) plus the audit trail as its change feed. Opening loads the
//! snapshot and re-reads only the customers changed since the audit entry it reflects;
//! the whole store is read again only when there is no usable snapshot or the change
//! is large, and whoever does that writes a new snapshot for everyone else (one at a
//! time: see [`SnapshotLock`]); changes that pile up are folded into a new snapshot
//! by one process, which the others load, so none keeps a private copy. The app's
//! search popup and `rapport lookup` both answer through this, with the same engine.

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::atomic_file::{AtomicFile, Existing, database_files};
use crate::search::{SearchIndex, SnapshotError, Stamp};
use crate::store::{self, Result, Store};

/// Re-read everything rather than apply a change feed longer than this share of the
/// index (and at least `DELTA_FLOOR` customers).
const DELTA_SHARE: usize = 64;
const DELTA_FLOOR: usize = 1024;
/// After opening with at least this share of the index re-read, write a new snapshot so
/// the next process starts closer to now.
const RESAVE_SHARE: usize = 256;

/// Where the snapshot of the database at `db` lives.
pub fn snapshot_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".lookup");
    PathBuf::from(name)
}

/// A full check of the snapshot beside the database at `db` (`rapport doctor`):
/// `None` when there is none, else its stamp or what is wrong with it.
pub fn verify_snapshot(db: &Path) -> Option<std::result::Result<Stamp, String>> {
    let path = snapshot_path(db);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(format!("{}: {e}", path.display()))),
    };
    Some(SearchIndex::verify_snapshot(&file).map_err(|e| e.to_string()))
}

/// How the index came to be, for the caller to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// From the snapshot, with this many changed customers re-read.
    Loaded { changed: usize },
    /// Read from the whole store, because of `reason`.
    Built { reason: String },
}

/// An index and the point of the audit trail it reflects.
pub struct LiveIndex {
    pub index: SearchIndex,
    mark: i64,
    /// The mark of the snapshot the index was loaded from or last saved as: a snapshot
    /// on disk with a later one was saved by another process.
    base: i64,
    /// Where its snapshot is written (`None` for an in-memory store).
    snapshot: Option<PathBuf>,
    /// The last snapshot that could not be written, and why (it is retried on the
    /// next rebuild; lookups go on meanwhile).
    pub save_error: Option<String>,
}

/// What opening did, and how long it took.
pub struct Opened {
    pub live: LiveIndex,
    pub origin: Origin,
    pub took: Duration,
}

impl LiveIndex {
    /// The index of `store`: its snapshot brought up to date, or (missing, stale,
    /// damaged, or too far behind) built from the store and saved. `building` is called
    /// once before a full build, so a front end can say why it takes a while.
    ///
    /// Processes opening one database together build it once between them: the one
    /// holding the snapshot's lock builds and saves, the others wait for the lock and
    /// load what it saved.
    pub fn open(store: &Store, building: impl FnOnce(&str)) -> Result<Opened> {
        let started = Instant::now();
        let snapshot = store.path().map(snapshot_path);
        let (live, origin) = Self::current(store, snapshot, building)?;
        Ok(Opened {
            live,
            origin,
            took: started.elapsed(),
        })
    }

    fn current(
        store: &Store,
        snapshot: Option<PathBuf>,
        building: impl FnOnce(&str),
    ) -> Result<(LiveIndex, Origin)> {
        let Some(path) = snapshot else {
            let reason = "the database is in memory".to_string();
            building(&reason);
            return Ok((Self::build(store, None)?, Origin::Built { reason }));
        };
        let reason = match Self::resume(store, &path)? {
            Ok((mut live, changed)) => {
                if changed > 0 && changed >= (live.index.len() / RESAVE_SHARE).max(64) {
                    live.publish(store)?;
                }
                return Ok((live, Origin::Loaded { changed }));
            }
            Err(reason) => reason,
        };
        // Someone else may be building it right now: wait for them, then look again.
        let lock = SnapshotLock::wait(&path);
        if lock.is_some()
            && let Ok((live, changed)) = Self::resume(store, &path)?
        {
            return Ok((live, Origin::Loaded { changed }));
        }
        building(&reason);
        let live = Self::build(store, Some(path))?;
        drop(lock);
        Ok((live, Origin::Built { reason }))
    }

    /// The snapshot at `path` brought up to date; why not, when it cannot be.
    fn resume(
        store: &Store,
        path: &Path,
    ) -> Result<std::result::Result<(LiveIndex, usize), String>> {
        match load(store, path) {
            Ok((index, stamp)) => Self::follow_from(store, path, index, stamp),
            Err(reason) => Ok(Err(reason)),
        }
    }

    /// A loaded snapshot brought up to date; why not, when it cannot be.
    fn follow_from(
        store: &Store,
        path: &Path,
        index: SearchIndex,
        stamp: Stamp,
    ) -> Result<std::result::Result<(LiveIndex, usize), String>> {
        let mut live = LiveIndex {
            index,
            mark: stamp.mark,
            base: stamp.mark,
            snapshot: Some(path.to_path_buf()),
            save_error: None,
        };
        Ok(match live.follow(store)? {
            Follow::Applied(changed) => Ok((live, changed)),
            Follow::TooMuch(reason) => Err(reason),
        })
    }

    /// Reads every customer again, and writes the snapshot (the caller holds its lock).
    fn build(store: &Store, snapshot: Option<PathBuf>) -> Result<LiveIndex> {
        // The mark is read first: writes landing during the build are re-read later
        // (re-reading a customer is harmless), never missed.
        let mark = store.audit_high_water()?;
        let mut live = LiveIndex {
            index: store.search_index()?,
            mark,
            base: mark,
            snapshot,
            save_error: None,
        };
        live.save_and_map(store)?;
        Ok(live)
    }

    /// Applies what changed in the store since the index's mark: `true` when anything
    /// did (or the index was replaced, so a searcher's caches are stale). A change too
    /// large to apply one customer at a time rebuilds; enough applied changes to want
    /// folding in are shared (see [`LiveIndex::share`]).
    pub fn catch_up(&mut self, store: &Store) -> Result<bool> {
        let before = self.mark;
        match self.follow(store)? {
            Follow::Applied(n) => {
                let shared = self.index.wants_compaction() && self.share(store)?;
                Ok(n > 0 || self.mark != before || shared)
            }
            Follow::TooMuch(_) => {
                *self = Self::current(store, self.snapshot.take(), |_| {})?.0;
                Ok(true)
            }
        }
    }

    /// Re-reads these customers (after this process wrote them). The mark is not
    /// moved: the feed will name them again, and re-reading is harmless.
    pub fn refresh(&mut self, store: &Store, ids: &[i64]) -> Result<()> {
        apply(store, &mut self.index, ids)
    }

    /// Folds the changes applied since the snapshot into the index without every
    /// process making a private copy of it: a snapshot another process saved since is
    /// loaded instead; failing that, this process saves one (when no other is saving
    /// right now) and maps it. `true` when the index was replaced.
    fn share(&mut self, store: &Store) -> Result<bool> {
        if let Some(path) = self.snapshot.clone()
            && let Ok((index, stamp)) = load(store, &path)
            && stamp.mark > self.base
            && let Ok((live, _)) = Self::follow_from(store, &path, index, stamp)?
        {
            *self = live;
            return Ok(true);
        }
        self.publish(store)
    }

    /// Saves the index for every process and maps what was saved, giving back the
    /// memory folding the changes in took. Skipped (`false`) while another process
    /// holds the snapshot's lock: what it saves is loaded at a later catch-up.
    fn publish(&mut self, store: &Store) -> Result<bool> {
        let lock = match &self.snapshot {
            Some(path) => SnapshotLock::try_now(path),
            None => None,
        };
        if lock.is_none() {
            return Ok(false);
        }
        self.save_and_map(store)?;
        Ok(true)
    }

    fn follow(&mut self, store: &Store) -> Result<Follow> {
        let changes = store.changed_customers_since(self.mark)?;
        if changes.everything {
            return Ok(Follow::TooMuch(
                "the audit trail records a bulk change".into(),
            ));
        }
        let limit = (self.index.len() / DELTA_SHARE).max(DELTA_FLOOR);
        if changes.customers.len() > limit {
            return Ok(Follow::TooMuch(format!(
                "{} since the index was saved",
                crate::text::count(
                    changes.customers.len(),
                    "customer changed",
                    "customers changed"
                )
            )));
        }
        apply(store, &mut self.index, &changes.customers)?;
        self.mark = changes.high_water;
        Ok(Follow::Applied(changes.customers.len()))
    }

    /// Writes the snapshot (0600, through a temporary file renamed into place, so a
    /// reader never sees half a file and two writers cannot mix theirs), then reads
    /// the index from it: mapped, its pages are the page cache's, shared by every
    /// process, instead of this one's heap. A failure to write is kept in
    /// `save_error`, not returned: the index in memory is still right.
    fn save_and_map(&mut self, store: &Store) -> Result<()> {
        let Some(path) = self.snapshot.clone() else {
            return Ok(());
        };
        let stamp = Stamp {
            schema: store::schema_version(),
            mark: self.mark,
            fingerprint: store.audit_entry_fingerprint(self.mark)?.unwrap_or(0),
        };
        let protected = store.path().map(database_files).unwrap_or_default();
        let result = AtomicFile::create(&path, Existing::Replace, &protected)
            .map_err(|e| e.to_string())
            .and_then(|mut file| {
                let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut file);
                self.index
                    .write_snapshot(&mut out, &stamp)
                    .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
                drop(out);
                file.commit().map_err(|e| e.to_string())
            });
        self.save_error = result.err();
        if self.save_error.is_none() {
            self.base = self.mark;
            // What was just written, unless someone replaced it meanwhile (then the
            // index in memory stays: it is right too).
            if let Ok((index, saved)) = load(store, &path)
                && saved == stamp
            {
                self.index = index;
                give_back_freed_memory();
            }
        }
        Ok(())
    }
}

enum Follow {
    Applied(usize),
    TooMuch(String),
}

/// Hands the memory this thread freed back to the system now rather than when the
/// allocator next gets round to it: an idle process that swapped an index the size of
/// the store for a mapped one would otherwise keep the old one resident.
fn give_back_freed_memory() {
    // SAFETY: mi_collect only walks mimalloc's own free lists (a no-op when it is not
    // the allocator in use).
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Held while a process builds or saves the snapshot of a database, so its processes
/// do that once between them: a lock (`flock`) on `PATH.lookup.lock`, given back when
/// dropped or when the process dies. `None` when the lock file cannot be opened (a
/// read-only folder): then nobody can save a snapshot there anyway.
struct SnapshotLock {
    _held: nix::fcntl::Flock<File>,
}

impl SnapshotLock {
    /// Waits for the lock.
    fn wait(snapshot: &Path) -> Option<SnapshotLock> {
        Self::take(snapshot, nix::fcntl::FlockArg::LockExclusive)
    }

    /// The lock if nobody holds it now.
    fn try_now(snapshot: &Path) -> Option<SnapshotLock> {
        Self::take(snapshot, nix::fcntl::FlockArg::LockExclusiveNonblock)
    }

    fn take(snapshot: &Path, how: nix::fcntl::FlockArg) -> Option<SnapshotLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut name = snapshot.as_os_str().to_os_string();
        name.push(".lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(PathBuf::from(name))
            .ok()?;
        loop {
            match nix::fcntl::Flock::lock(file, how) {
                Ok(held) => return Some(SnapshotLock { _held: held }),
                Err((again, nix::errno::Errno::EINTR)) => file = again,
                Err(_) => return None,
            }
        }
    }
}

/// The snapshot at `path` if it reflects this database's history; otherwise why not.
fn load(store: &Store, path: &Path) -> std::result::Result<(SearchIndex, Stamp), String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err("no lookup index has been saved for this database yet".into());
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let refused = |e: SnapshotError| format!("the saved lookup index {} is {e}", path.display());
    let (index, stamp) = SearchIndex::map_snapshot(&file).map_err(refused)?;
    if stamp.schema != store::schema_version() {
        return Err(format!(
            "the saved lookup index is of schema {}, the database of {}",
            stamp.schema,
            store::schema_version()
        ));
    }
    // The trail must still hold the entry the snapshot was taken at (a restore replaces
    // the whole history).
    let fingerprint = store
        .audit_entry_fingerprint(stamp.mark)
        .map_err(|e| e.to_string())?
        .unwrap_or(0);
    if fingerprint != stamp.fingerprint {
        return Err("the saved lookup index is of another history of this database".into());
    }
    Ok((index, stamp))
}

/// Re-reads `ids` into the index: changed ones replaced, deleted ones removed.
fn apply(store: &Store, index: &mut SearchIndex, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let records = store.search_records_for(ids)?;
    let found: std::collections::HashSet<i64> = records.iter().map(|r| r.id).collect();
    for id in ids {
        if !found.contains(id) {
            index.remove(*id);
        }
    }
    for record in records {
        index.upsert(record);
    }
    Ok(())
}

/// One match with what a front end shows of the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hit: crate::search::Hit,
    pub customer: crate::domain::CustomerSummary,
}

impl LiveIndex {
    /// The best `limit` matches for `query`, each with the customer's summary
    /// (customers deleted since the index last caught up are left out).
    pub fn lookup(
        &self,
        store: &Store,
        searcher: &mut crate::search::Searcher,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Found>> {
        let hits = searcher.search(&self.index, query, limit);
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        // Summaries come back in the order asked, without customers deleted meanwhile.
        let mut customers = store.customer_summaries(&ids)?.into_iter().peekable();
        Ok(hits
            .into_iter()
            .filter_map(|hit| {
                let customer = customers.next_if(|c| c.id == hit.id)?;
                Some(Found { hit, customer })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, CustomerKind};

    fn database(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("crm.db");
        let mut store = Store::open(&path).expect("store");
        for name in names {
            store
                .add_customer(&CustomerDraft::new(CustomerKind::Person, *name))
                .expect("customer");
        }
        (dir, path)
    }

    fn names(live: &LiveIndex) -> Vec<String> {
        let mut names: Vec<String> = live.index.records().map(|r| r.name).collect();
        names.sort();
        names
    }

    #[test]
    fn a_process_opening_while_another_builds_waits_and_loads_what_it_saved() {
        let (_dir, path) = database(&["Ada Lovelace", "Артём Фёдоров"]);
        let snapshot = snapshot_path(&path);
        let held = SnapshotLock::wait(&snapshot).expect("the lock");
        let opener = {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path).expect("store");
                let mut built = false;
                let opened = LiveIndex::open(&store, |_| built = true).expect("open");
                (opened.origin, built, names(&opened.live))
            })
        };
        // The opener finds no snapshot and waits for the lock meanwhile.
        std::thread::sleep(Duration::from_millis(200));
        assert!(!opener.is_finished(), "it waits for whoever holds the lock");
        let store = Store::open(&path).expect("store");
        let built = LiveIndex::build(&store, Some(snapshot.clone())).expect("build");
        assert!(built.save_error.is_none());
        assert!(
            built.index.postings_mapped(),
            "the builder maps what it saved"
        );
        drop(held);
        let (origin, was_built, found) = opener.join().expect("the opener");
        assert_eq!(origin, Origin::Loaded { changed: 0 });
        assert!(!was_built, "nothing is built twice");
        assert_eq!(found, vec!["Ada Lovelace", "Артём Фёдоров"]);
    }

    #[test]
    fn changes_are_folded_into_one_new_snapshot_that_every_process_loads() {
        let (_dir, path) = database(&["Ada Lovelace", "Grace Hopper"]);
        let mut store = Store::open(&path).expect("store");
        let mut first = LiveIndex::open(&store, |_| {}).expect("open").live;
        let mut second = LiveIndex::open(&store, |_| {}).expect("open").live;
        assert!(first.index.postings_mapped() && second.index.postings_mapped());
        for name in ["Mária Telkes", "Лидия Иванова", "رضا پیروز"] {
            store
                .add_customer(&CustomerDraft::new(CustomerKind::Person, name))
                .expect("customer");
        }
        assert!(first.catch_up(&store).expect("catch up"));
        assert!(second.catch_up(&store).expect("catch up"));
        let saved_before = load(&store, &snapshot_path(&path)).expect("snapshot").1;

        // While another process holds the lock, nothing is saved and the changes stay
        // beside the mapped index.
        let held = SnapshotLock::try_now(&snapshot_path(&path)).expect("the lock");
        assert!(!first.share(&store).expect("share"));
        assert_eq!(
            load(&store, &snapshot_path(&path)).expect("snapshot").1,
            saved_before
        );
        drop(held);

        // One folds them in and saves; the other loads that instead of folding its own.
        assert!(first.share(&store).expect("share"));
        let saved = load(&store, &snapshot_path(&path)).expect("snapshot").1;
        assert!(saved.mark > saved_before.mark);
        assert!(first.index.postings_mapped() && first.index.delta.is_empty());
        assert!(second.share(&store).expect("share"));
        assert_eq!(second.base, saved.mark, "it loaded the other's snapshot");
        assert!(second.index.postings_mapped() && second.index.delta.is_empty());
        assert_eq!(names(&first), names(&second));
        assert_eq!(names(&first).len(), 5);
    }
}
