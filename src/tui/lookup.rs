//! Quick lookup during a call: a search service on its own thread (with its own
//! database connection) and the state of the search popup.
//!
//! The index is opened in the background (the shared snapshot plus the customers
//! changed since, see [`crate::lookup_index`]; built from the store only when there is
//! no usable snapshot), so the first frame never waits for it; the popup says
//! "indexing…" until it is ready. Queries are answered off the UI thread and
//! a newer keystroke supersedes an older one: the worker only ever answers the latest
//! query waiting in its queue. The index follows writes: the app asks for a refresh of
//! the customers it changed, and the worker notices other processes' writes through
//! `PRAGMA data_version` and re-reads the customers the audit trail names since.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::domain::CustomerSummary;
use crate::lookup_index::LiveIndex;
use crate::search::{Hit, Searcher};
use crate::store::{Location, Result, Store};
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
    pub fn start(db: Location) -> Self {
        let (requests, inbox) = mpsc::channel();
        let (outbox, events) = mpsc::channel();
        thread::Builder::new()
            .name("rapport-lookup".into())
            .spawn(move || {
                if let Err(e) = worker(&db, &inbox, &outbox) {
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

fn worker(db: &Location, inbox: &Receiver<Request>, outbox: &Sender<Event>) -> Result<()> {
    let store = Store::open_at(db)?;
    store.limit_cache(4 * 1024)?;
    // Read before the index is opened, so writes made meanwhile are caught up on.
    let mut version = store.data_version()?;
    let opened = LiveIndex::open(&store, |_| {})?;
    let mut live = opened.live;
    let _ = outbox.send(Event::Ready {
        customers: live.index.len(),
        took: opened.took,
    });
    let mut searcher = Searcher::new();
    // The query on screen, answered again when other processes change the data.
    let mut shown: Option<(u64, String)> = None;
    loop {
        let first = match inbox.recv_timeout(WATCH) {
            Ok(request) => request,
            Err(RecvTimeoutError::Timeout) => {
                if catch_up(&store, &mut live, &mut version)? {
                    searcher = Searcher::new();
                    if let Some((seq, text)) = &shown {
                        answer(&store, &live, &mut searcher, *seq, text, outbox)?;
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
        if catch_up(&store, &mut live, &mut version)? {
            searcher = Searcher::new();
        }
        if !refresh.is_empty() {
            live.refresh(&store, &refresh)?;
            searcher = Searcher::new();
        }
        if let Some((seq, text)) = latest {
            answer(&store, &live, &mut searcher, seq, &text, outbox)?;
            shown = Some((seq, text));
        }
    }
}

/// Follows the audit trail when someone else committed since the last look
/// (`PRAGMA data_version` is a cheap "anything at all?"); `true` when the index changed.
fn catch_up(store: &Store, live: &mut LiveIndex, version: &mut i64) -> Result<bool> {
    let now = store.data_version()?;
    if now == *version {
        return Ok(false);
    }
    *version = now;
    live.catch_up(store)
}

/// Searches and sends the matches with what the popup shows of each customer.
fn answer(
    store: &Store,
    live: &LiveIndex,
    searcher: &mut Searcher,
    seq: u64,
    text: &str,
    outbox: &Sender<Event>,
) -> Result<()> {
    let t = Instant::now();
    let rows = live
        .lookup(store, searcher, text, LIMIT)?
        .into_iter()
        .map(|f| LookupRow {
            hit: f.hit,
            customer: f.customer,
        })
        .collect();
    let _ = outbox.send(Event::Results {
        seq,
        rows,
        took: t.elapsed(),
    });
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
