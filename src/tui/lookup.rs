//! Quick lookup during a call: a search service on its own thread (with its own
//! database connection) and the state of the search popup.
//!
//! The index is built in the background, so the first frame never waits for it; the
//! popup says "indexing…" until it is ready. Queries are answered off the UI thread and
//! a newer keystroke supersedes an older one: the worker only ever answers the latest
//! query waiting in its queue. The index follows writes: the app asks for a refresh of
//! the customers it changed, and the worker notices other processes' writes through
//! `PRAGMA data_version`.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::domain::CustomerSummary;
use crate::search::{Hit, SearchIndex, Searcher};
use crate::store::{Result, Store};
use crate::tui::list::ScrollList;
use crate::tui::widgets::input::TextInput;

/// Matches shown for a query.
pub const LIMIT: usize = 50;
/// How often the worker checks for other processes' writes.
const WATCH: Duration = Duration::from_secs(1);

enum Request {
    Query { seq: u64, text: String },
    Refresh(Vec<i64>),
}

/// What the worker reports back.
#[derive(Debug)]
pub enum Event {
    Ready {
        customers: usize,
        took: Duration,
    },
    Results {
        seq: u64,
        rows: Vec<LookupRow>,
        took: Duration,
    },
    Failed(String),
}

/// One match with what the popup shows of the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupRow {
    pub hit: Hit,
    pub customer: CustomerSummary,
}

pub struct LookupService {
    requests: Sender<Request>,
    events: Receiver<Event>,
}

impl LookupService {
    /// Starts the worker on the database at `path`.
    pub fn start(path: PathBuf) -> Self {
        let (requests, inbox) = mpsc::channel();
        let (outbox, events) = mpsc::channel();
        thread::Builder::new()
            .name("rapport-lookup".into())
            .spawn(move || {
                if let Err(e) = worker(&path, &inbox, &outbox) {
                    let _ = outbox.send(Event::Failed(e.to_string()));
                }
            })
            .map_or_else(
                |e| {
                    let (tx, rx) = mpsc::channel();
                    let _ = tx.send(Event::Failed(format!("cannot start the search: {e}")));
                    Self {
                        requests: mpsc::channel().0,
                        events: rx,
                    }
                },
                |_| Self { requests, events },
            )
    }

    pub fn query(&self, seq: u64, text: &str) {
        let _ = self.requests.send(Request::Query {
            seq,
            text: text.to_string(),
        });
    }

    /// Re-reads these customers into the index (after the app wrote them).
    pub fn refresh(&self, ids: Vec<i64>) {
        let _ = self.requests.send(Request::Refresh(ids));
    }

    pub fn try_event(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }
}

fn worker(path: &std::path::Path, inbox: &Receiver<Request>, outbox: &Sender<Event>) -> Result<()> {
    let store = Store::open(path)?;
    store.limit_cache(4 * 1024)?;
    let started = Instant::now();
    // Read before the index is built, so writes made meanwhile are caught up on.
    let mut watch = Watch {
        version: store.data_version()?,
        synced: store.now().timestamp(),
    };
    let mut index = store.search_index()?;
    let _ = outbox.send(Event::Ready {
        customers: index.len(),
        took: started.elapsed(),
    });
    let mut searcher = Searcher::new();
    // The query on screen, answered again when other processes change the data.
    let mut shown: Option<(u64, String)> = None;
    loop {
        let first = match inbox.recv_timeout(WATCH) {
            Ok(request) => request,
            Err(RecvTimeoutError::Timeout) => {
                if watch.catch_up(&store, &mut index)? {
                    searcher = Searcher::new();
                    if let Some((seq, text)) = &shown {
                        answer(&store, &index, &mut searcher, *seq, text, outbox)?;
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Take everything queued: apply every refresh, answer only the newest query.
        let mut latest = None;
        let mut refresh = Vec::new();
        for request in std::iter::once(first).chain(inbox.try_iter()) {
            match request {
                Request::Query { seq, text } => latest = Some((seq, text)),
                Request::Refresh(ids) => refresh.extend(ids),
            }
        }
        // Another process may have written since the last look: never answer from a
        // stale index.
        if watch.catch_up(&store, &mut index)? {
            searcher = Searcher::new();
        }
        if !refresh.is_empty() {
            apply(&store, &mut index, &refresh)?;
            searcher = Searcher::new();
        }
        if let Some((seq, text)) = latest {
            answer(&store, &index, &mut searcher, seq, &text, outbox)?;
            shown = Some((seq, text));
        }
    }
}

/// Searches and sends the matches with what the popup shows of each customer.
fn answer(
    store: &Store,
    index: &SearchIndex,
    searcher: &mut Searcher,
    seq: u64,
    text: &str,
    outbox: &Sender<Event>,
) -> Result<()> {
    let t = Instant::now();
    let hits = searcher.search(index, text, LIMIT);
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let mut customers = store.customer_summaries(&ids)?.into_iter().peekable();
    // Summaries come back in the order asked, without customers deleted meanwhile.
    let rows = hits
        .into_iter()
        .filter_map(|hit| {
            let customer = customers.next_if(|c| c.id == hit.id)?;
            Some(LookupRow { hit, customer })
        })
        .collect();
    let _ = outbox.send(Event::Results {
        seq,
        rows,
        took: t.elapsed(),
    });
    Ok(())
}

/// What the worker last saw of the database, to notice other connections' writes.
struct Watch {
    version: i64,
    synced: i64,
}

impl Watch {
    /// Brings the index up to date when someone else wrote since the last look;
    /// `true` when it did.
    fn catch_up(&mut self, store: &Store, index: &mut SearchIndex) -> Result<bool> {
        let version = store.data_version()?;
        if version == self.version {
            return Ok(false);
        }
        self.version = version;
        self.synced = resync(store, index, self.synced)?;
        Ok(true)
    }
}

/// Brings the index up to date after writes elsewhere; returns the new sync time.
fn resync(store: &Store, index: &mut SearchIndex, since: i64) -> Result<i64> {
    let now = store.now().timestamp();
    // Timestamps have one-second resolution: look back a second to miss nothing.
    let changed = store.customers_changed_since(since - 1)?;
    apply(store, index, &changed)?;
    if store.counts()?.customers != index.len() as i64 {
        // Something was deleted: rebuild rather than guess what.
        *index = store.search_index()?;
    }
    Ok(now)
}

fn apply(store: &Store, index: &mut SearchIndex, ids: &[i64]) -> Result<()> {
    let records = store.search_records_for(ids)?;
    for id in ids {
        if !records.iter().any(|r| r.id == *id) {
            index.remove(*id);
        }
    }
    for record in records {
        index.upsert(record);
    }
    Ok(())
}

/// Where the index stands, for the popup's status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexState {
    Indexing,
    Ready {
        customers: usize,
        took: Duration,
    },
    Failed(String),
    /// No database file to index (an in-memory store).
    Unavailable,
}

/// The search popup: the query, the latest answer and the selection.
#[derive(Debug, Default)]
pub struct LookupPopup {
    pub input: TextInput,
    /// Sequence number of the latest query sent.
    pub seq: u64,
    /// Sequence number of the query `rows` answer.
    pub answered: u64,
    pub rows: Vec<LookupRow>,
    pub list: ScrollList,
    pub took: Option<Duration>,
}

impl LookupPopup {
    pub fn selected(&self) -> Option<&LookupRow> {
        self.rows.get(self.list.selected)
    }

    pub fn waiting(&self) -> bool {
        self.answered < self.seq
    }
}
