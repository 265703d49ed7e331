//! An import started from the app runs on its own thread with its own connection, so
//! the screen stays live; the app polls for the finished report.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::domain::Operator;
use crate::io::ReadOptions;
use crate::io::import::{ImportOptions, Imported, import_paths, report_text};
use crate::store::{Location, Store};

/// The import in progress.
pub struct ImportJob {
    pub file: String,
    done: Receiver<Result<Imported, String>>,
}

impl ImportJob {
    /// Imports `file` into the database at `db` in the background, as `me`.
    pub fn start(db: Location, file: PathBuf, options: ImportOptions, me: Operator) -> Self {
        let (tx, done) = channel();
        let label = file.display().to_string();
        std::thread::spawn(move || {
            let result = Store::open_at(&db)
                .map_err(|e| e.to_string())
                .and_then(|mut store| {
                    store.act_as(me);
                    run(&mut store, file, &options)
                });
            // The app may have quit meanwhile; nobody is left to tell.
            let _ = tx.send(result);
        });
        Self { file: label, done }
    }

    /// The result, once the import has finished.
    pub fn finished(&self) -> Option<Result<Imported, String>> {
        match self.done.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err("the import stopped unexpectedly".to_string()))
            }
        }
    }
}

/// Runs an import of one file to the end (on whatever thread calls it).
pub fn run(store: &mut Store, file: PathBuf, options: &ImportOptions) -> Result<Imported, String> {
    import_paths(
        store,
        &[file],
        &ReadOptions::default(),
        options,
        &mut |_, _| {},
    )
    .map_err(|e| e.to_string())
}

/// What the report popup shows for a finished import.
pub fn outcome_text(file: &str, result: &Result<Imported, String>) -> (String, String) {
    match result {
        Ok(done) => (
            format!("Imported {file}"),
            report_text(&done.report, &done.rejects),
        ),
        Err(e) => (format!("Not imported: {file}"), e.clone()),
    }
}

/// `~/contacts.vcf` → the home directory's `contacts.vcf`.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
