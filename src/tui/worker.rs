//! Store work off the UI thread. Everything the app does with the store besides
//! reading pane data (that is the [`loader`](super::loader)'s) goes here: saving a
//! form, `w`/`x`/`d`/Space, snoozing, undo, opening a record's form or history. A job
//! is two halves: the work, which runs on the worker thread with its own connection
//! (signed in as the same operator, on the same clock), and what the app does with
//! its result, which comes back through the app's one event channel and runs on the
//! UI thread. A write that waits for another process's lock therefore waits there,
//! and keys go on being answered meanwhile.
//!
//! Jobs run one at a time in the order they were asked for, so two keys pressed in a
//! row write in that order. An app on an in-memory store (tests, snapshots) has no
//! second connection: its jobs run at once, on its own store.

use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;

use crate::domain::Operator;
use crate::store::{Clock, Location, Store};
use crate::tui::app::App;

/// What the app does with a job's result, on the UI thread.
pub type Then = Box<dyn FnOnce(&mut App) + Send>;

/// A job for the worker's connection; it returns what the app is to do next.
pub type Job = Box<dyn FnOnce(&mut Store) -> Then + Send>;

/// The worker thread. Dropping it lets the jobs already asked for finish (a save the
/// operator pressed Enter on is never lost to a quick `q`) and waits for them.
pub struct Worker {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread on the database at `path`, writing as `me` with `clock`; each
    /// result is passed to `done` (which sends it on to the app's event channel).
    pub fn start(
        db: Location,
        me: Operator,
        clock: Clock,
        done: impl Fn(Then) + Send + 'static,
    ) -> Self {
        let (jobs, rx) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("store-worker".into())
            .spawn(move || {
                let mut store = match Store::open_at(&db) {
                    Ok(store) => store.with_clock(clock),
                    Err(e) => {
                        // Every job is answered with the reason instead of its work.
                        let reason = e.to_string();
                        while rx.recv().is_ok() {
                            let reason = reason.clone();
                            done(Box::new(move |app: &mut App| {
                                app.store_unavailable(&reason);
                            }));
                        }
                        return;
                    }
                };
                store.act_as(me);
                // Its work is a few rows at a time: a small page cache keeps the app small.
                let _ = store.limit_cache(16 * 1024);
                while let Ok(job) = rx.recv() {
                    done(job(&mut store));
                }
            })
            .ok();
        Self {
            jobs: Some(jobs),
            thread,
        }
    }

    /// Queues `job`; `false` when the thread is gone.
    pub fn send(&self, job: Job) -> bool {
        self.jobs.as_ref().is_some_and(|j| j.send(job).is_ok())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread once the jobs in it are done.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
