//! The lookup index every process on a database shares: a snapshot file beside the
//! database (`PATH.lookup`) plus the audit trail as its change feed. Opening loads the
//! snapshot and re-reads only the customers changed since the audit entry it reflects;
//! the whole store is read again only when there is no usable snapshot or the change
//! is large, and whoever does that writes a new snapshot for everyone else. The app's
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
    pub fn open(store: &Store, building: impl FnOnce(&str)) -> Result<Opened> {
        let started = Instant::now();
        let snapshot = store.path().map(snapshot_path);
        let loaded = match &snapshot {
            Some(path) => load(store, path),
            None => Err("the database is in memory".to_string()),
        };
        let (live, origin) = match loaded {
            Ok((index, stamp)) => {
                let mut live = LiveIndex {
                    index,
                    mark: stamp.mark,
                    snapshot: snapshot.clone(),
                    save_error: None,
                };
                match live.follow(store)? {
                    Follow::Applied(changed) => {
                        if changed > 0 && changed >= (live.index.len() / RESAVE_SHARE).max(64) {
                            live.save(store)?;
                        }
                        (live, Origin::Loaded { changed })
                    }
                    Follow::TooMuch(reason) => {
                        building(&reason);
                        (Self::build(store, snapshot)?, Origin::Built { reason })
                    }
                }
            }
            Err(reason) => {
                building(&reason);
                (Self::build(store, snapshot)?, Origin::Built { reason })
            }
        };
        Ok(Opened {
            live,
            origin,
            took: started.elapsed(),
        })
    }

    /// Reads every customer again, and writes the snapshot.
    fn build(store: &Store, snapshot: Option<PathBuf>) -> Result<LiveIndex> {
        // The mark is read first: writes landing during the build are re-read later
        // (re-reading a customer is harmless), never missed.
        let mark = store.audit_high_water()?;
        let mut live = LiveIndex {
            index: store.search_index()?,
            mark,
            snapshot,
            save_error: None,
        };
        live.save(store)?;
        Ok(live)
    }

    /// Applies what changed in the store since the index's mark: `true` when anything
    /// did. A change too large to apply one customer at a time rebuilds.
    pub fn catch_up(&mut self, store: &Store) -> Result<bool> {
        let before = self.mark;
        match self.follow(store)? {
            Follow::Applied(n) => Ok(n > 0 || self.mark != before),
            Follow::TooMuch(_) => {
                *self = Self::build(store, self.snapshot.take())?;
                Ok(true)
            }
        }
    }

    /// Re-reads these customers (after this process wrote them). The mark is not
    /// moved: the feed will name them again, and re-reading is harmless.
    pub fn refresh(&mut self, store: &Store, ids: &[i64]) -> Result<()> {
        apply(store, &mut self.index, ids)
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
                "{} customers changed since the index was saved",
                changes.customers.len()
            )));
        }
        apply(store, &mut self.index, &changes.customers)?;
        self.mark = changes.high_water;
        Ok(Follow::Applied(changes.customers.len()))
    }

    /// Writes the snapshot (0600, through a temporary file renamed into place, so a
    /// reader never sees half a file and two writers cannot mix theirs). A failure is
    /// kept in `save_error`, not returned: the index in memory is still right.
    fn save(&mut self, store: &Store) -> Result<()> {
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
        Ok(())
    }
}

enum Follow {
    Applied(usize),
    TooMuch(String),
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
