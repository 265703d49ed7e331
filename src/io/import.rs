//! Contacts from files into the store: each record turned into a customer draft by the
//! import policy (`draft`: keep the contact, flag the field), matched against the
//! customers already known (by phone or email), then created, merged or skipped. The
//! writing is an import run of short transactions (so other operators never wait long
//! for the lock) that is undone as a whole if any of them fails. A record is refused
//! only when nothing identifies a person or company in it (or, with `strict`, for any
//! field that cannot be used); any refused record refuses the whole import and nothing
//! is written, unless `skip_invalid` imports the rest.
//!
//! Different people are never merged silently: by default (`OnDuplicate::MergeSame`) a
//! record is merged only into the same contact, and one sharing a phone or email with
//! someone else is created beside them and reported (see `write_one`).

use std::collections::BTreeMap;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ReadOptions;
pub use super::draft::{Drafted, Flag, FlagAction, draft_of};
use super::record::{Problem, ReadOutcome};
use crate::atomic_file::{AtomicFile, Existing, database_files};
use crate::domain::access::Permission;
use crate::domain::duplicates::{NameKeys, NameSimilarity, name_similarity};
use crate::domain::{CustomerDraft, CustomerKind};
use crate::store::{
    BulkInsert, ContactKeys, KnownContacts, Store, StoreError, SuspendedIndexes, Writer,
};
use crate::text::fold;

/// What to do with a record that shares a phone or an email with a customer already
/// known (from the database, or from an earlier record of the same import).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OnDuplicate {
    /// Merge it only into the same contact (the same name; within one import, the same
    /// name, company, phones and emails); create it beside anyone else and report the
    /// pair as a possible duplicate (`rapport dedupe` lists them).
    #[default]
    MergeSame,
    /// Merge it into whoever shares a phone or email, whatever the names (the old
    /// default: it can merge different people).
    Merge,
    /// Leave the existing customer as it is.
    Skip,
    /// Create another customer anyway.
    Create,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub on_duplicate: OnDuplicate,
    /// Import the valid records even when some are invalid.
    pub skip_invalid: bool,
    /// Refuse a record for any field that cannot be used (instead of keeping the value
    /// as written and flagging it).
    pub strict: bool,
    /// Do everything in a transaction that is rolled back: report what would happen.
    pub dry_run: bool,
    /// Owner of the customers created.
    pub owner_id: Option<i64>,
    /// Where reject files go (`--rejects DIR`); `None`: beside each input.
    pub rejects_dir: Option<PathBuf>,
}

/// One input file, read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file as the operator named it.
    pub label: String,
    /// `vcard` or `csv`.
    pub format: &'static str,
    pub outcome: ReadOutcome,
}

/// A record that matched an existing customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    pub file: String,
    pub record: usize,
    pub line: usize,
    pub name: String,
    /// The existing customer.
    pub customer_id: i64,
    /// Why it matched (`same email ada@x.org`).
    pub why: String,
    /// What a merge added (empty: nothing new, or skipped).
    pub added: Vec<&'static str>,
}

/// A record created beside a customer it shares a phone or email with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptApart {
    pub file: String,
    pub record: usize,
    pub line: usize,
    pub name: String,
    /// The customer created for the record (in a dry run, the id it would get).
    pub customer_id: i64,
    /// The customer it shares the phone or email with.
    pub shares_with: i64,
    /// `same phone +49 40 123450`.
    pub why: String,
    /// Whether `rapport dedupe` lists the pair: not for colleagues of one company on a
    /// work number they share (a switchboard).
    pub possible_duplicate: bool,
}

/// A field of a record kept as written, dropped or split, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flagged {
    pub file: String,
    pub record: usize,
    pub line: usize,
    pub name: String,
    #[serde(flatten)]
    pub flag: Flag,
}

/// A record refused, with its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub file: String,
    #[serde(flatten)]
    pub problem: Problem,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: &'static str,
    pub encoding: String,
    pub records: usize,
    /// What the reader noticed about the file (the language of its columns, a guessed
    /// charset, an unbalanced quote).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub files: Vec<FileSummary>,
    pub created: usize,
    /// Companies created for the organisations people work for.
    pub companies_created: usize,
    pub merged: Vec<Matched>,
    /// Duplicates left alone (`--on-duplicate skip`).
    pub skipped: Vec<Matched>,
    /// Records created beside a customer they share a phone or email with.
    pub kept_apart: Vec<KeptApart>,
    /// Fields kept as written, dropped or split.
    pub flagged: Vec<Flagged>,
    /// Records refused (only with `skip_invalid`; otherwise the import fails).
    pub invalid: Vec<Refused>,
    /// Properties or columns not imported, by name, with how often.
    pub not_imported: BTreeMap<String, usize>,
    /// The import run that wrote it (`rapport import --undo RUN` takes it out again).
    pub run: Option<i64>,
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// Some records are invalid and `skip_invalid` is off.
    Refused(Vec<Refused>),
    /// The refused records could not be saved, so nothing was imported.
    Rejects(crate::Error),
    Store(StoreError),
    /// Writing failed part way; what the run had committed was taken out again
    /// (`undone`), or is left for `rapport import --undo RUN`.
    Failed {
        run: i64,
        undone: bool,
        source: StoreError,
    },
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Refused(problems) => write!(
                f,
                "{} record{} cannot be imported, so nothing was (fix them, or import the rest: \
                 --skip-invalid, or \"Invalid rows: skip them\" in the app)",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            ImportError::Rejects(e) => write!(
                f,
                "{e}; nothing was imported (on the command line, --rejects DIR saves the refused records elsewhere)"
            ),
            ImportError::Store(e) => write!(f, "{e}"),
            ImportError::Failed {
                undone: true,
                source,
                ..
            } => write!(
                f,
                "the import failed part way ({source}); what it had saved was taken out again, so nothing was imported"
            ),
            ImportError::Failed { run, source, .. } => write!(
                f,
                "the import failed part way ({source}) and could not take back what it had saved; \
                 `rapport import --undo {run}` does once the cause is fixed"
            ),
        }
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// Records from which an import into a database no larger than it drops and rebuilds
/// the indexes it does not read (see `Writer::suspend_indexes`).
const BULK_FROM: usize = 2_000;

/// A record ready to write.
struct Prepared {
    file: usize,
    record: usize,
    line: usize,
    draft: CustomerDraft,
    /// The organisation a person works for, linked (or created) at write time.
    company: Option<String>,
    /// The record names someone itself (not an email standing in for a name).
    named: bool,
}

/// Validates every record, then writes them in one transaction (rolled back for a dry
/// run). `progress` is called with the number of records handled so far.
pub fn import_contacts(
    store: &mut Store,
    files: &[SourceFile],
    options: &ImportOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportReport, ImportError> {
    import_contacts_then(store, files, options, progress, &mut |_| Ok(()))
}

/// `import_contacts`, calling `before_write` with the refused records once they are
/// all known and before anything is written: an error from it refuses the import.
pub fn import_contacts_then(
    store: &mut Store,
    files: &[SourceFile],
    options: &ImportOptions,
    progress: &mut dyn FnMut(usize),
    before_write: &mut dyn FnMut(&[Refused]) -> crate::Result<()>,
) -> Result<ImportReport, ImportError> {
    store
        .require(Permission::BulkImport)
        .map_err(ImportError::Store)?;
    let mut report = ImportReport {
        dry_run: options.dry_run,
        ..Default::default()
    };
    let mut prepared = Vec::new();
    for (i, f) in files.iter().enumerate() {
        report.files.push(FileSummary {
            file: f.label.clone(),
            format: f.format,
            encoding: f.outcome.encoding.clone(),
            records: f.outcome.records.len() + f.outcome.problems.len() + f.outcome.not_contacts,
            notes: f.outcome.notes.clone(),
        });
        for (name, n) in &f.outcome.skipped {
            *report.not_imported.entry(name.clone()).or_default() += n;
        }
        for p in &f.outcome.problems {
            report.invalid.push(Refused {
                file: f.label.clone(),
                problem: p.clone(),
            });
        }
        let source = format!("import: {}", file_name(&f.label));
        for rec in &f.outcome.records {
            match draft_of(rec, &source, options.owner_id, options.strict) {
                Ok(drafted) => {
                    for flag in drafted.flags {
                        report.flagged.push(Flagged {
                            file: f.label.clone(),
                            record: rec.record,
                            line: rec.line,
                            name: drafted.draft.name.clone(),
                            flag,
                        });
                    }
                    prepared.push(Prepared {
                        file: i,
                        record: rec.record,
                        line: rec.line,
                        draft: drafted.draft,
                        company: drafted.company,
                        named: drafted.named,
                    });
                }
                Err(reason) => report.invalid.push(Refused {
                    file: f.label.clone(),
                    problem: Problem {
                        record: rec.record,
                        line: rec.line,
                        reason,
                        raw: rec.raw.clone(),
                    },
                }),
            }
        }
    }
    if !report.invalid.is_empty() && !options.skip_invalid {
        return Err(ImportError::Refused(report.invalid));
    }
    before_write(&report.invalid).map_err(ImportError::Rejects)?;
    if options.dry_run {
        return rehearse(store, prepared, files, options, report, progress);
    }
    let labels: Vec<&str> = files.iter().map(|f| file_name(&f.label)).collect();
    let run = store.write(|w| w.start_import_run(&labels.join(", ")))?;
    report.run = Some(run);
    match write_in_chunks(store, run, prepared, files, options, &mut report, progress) {
        Ok(()) => Ok(report),
        Err(e) => {
            // All or nothing: what the committed chunks wrote is taken out again. If
            // that fails too (a full disk), the run stays for `import --undo`.
            let undone = store.undo_import_run(run);
            Err(ImportError::Failed {
                run,
                undone: undone.is_ok(),
                source: e,
            })
        }
    }
}

/// Records written per transaction at most, and how long one may hold the write lock:
/// other operators' writes wait at most about this long behind an import.
const CHUNK_RECORDS: usize = 5_000;
const CHUNK_TIME: std::time::Duration = std::time::Duration::from_millis(250);
/// The pause after each chunk, long enough for writers waiting on the lock (they try
/// every millisecond) to take their turn.
const CHUNK_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Writes `prepared` in chunks of bounded size and time, each its own transaction,
/// recording in run `run` what each one created and merged.
fn write_in_chunks(
    store: &mut Store,
    run: i64,
    prepared: Vec<Prepared>,
    files: &[SourceFile],
    options: &ImportOptions,
    report: &mut ImportReport,
    progress: &mut dyn FnMut(usize),
) -> crate::store::Result<()> {
    let total = prepared.len();
    let mut records = prepared.into_iter().enumerate().peekable();
    let mut known: Option<KnownContacts> = None;
    let mut suspended: Option<SuspendedIndexes> = None;
    loop {
        let finished = store.write(|w| {
            let known = match &mut known {
                Some(k) => k,
                None => {
                    let k = known.insert(w.known_contacts()?);
                    // A first load builds its indexes once, at the end: nobody else
                    // reads an empty database's indexes meanwhile.
                    if total >= BULK_FROM && k.customers() == 0 {
                        suspended = Some(w.suspend_indexes_for_run(run)?);
                    }
                    k
                }
            };
            let mut batch = w.bulk_insert()?;
            let first_id = batch.next_id();
            let started = std::time::Instant::now();
            let mut written = 0;
            for (n, p) in records.by_ref() {
                let mut state = WriteState {
                    batch: &mut batch,
                    suspended: &mut suspended,
                    known,
                    run: Some(run),
                };
                write_one(w, &mut state, p, files, options, report)?;
                written += 1;
                if n % 1024 == 1023 {
                    progress(n + 1);
                }
                if written >= CHUNK_RECORDS || started.elapsed() >= CHUNK_TIME {
                    break;
                }
            }
            w.bulk_flush(&mut batch)?;
            w.record_import_created(run, first_id, batch.next_id() - 1)?;
            let last = records.peek().is_none();
            if last && let Some(s) = suspended.take() {
                w.rebuild_indexes_for_run(run, s)?;
            }
            let created = report.created + report.companies_created;
            w.advance_import_run(run, created, report.merged.len(), last)?;
            Ok(last)
        })?;
        if finished {
            progress(total);
            return Ok(());
        }
        std::thread::sleep(CHUNK_PAUSE);
    }
}

/// A dry run: everything `import_contacts` would write, in one transaction rolled back.
fn rehearse(
    store: &mut Store,
    prepared: Vec<Prepared>,
    files: &[SourceFile],
    options: &ImportOptions,
    mut report: ImportReport,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportReport, ImportError> {
    let write = |w: &mut Writer<'_>| -> crate::store::Result<ImportReport> {
        let mut known = w.known_contacts()?;
        let bulk = prepared.len() >= BULK_FROM && prepared.len() >= known.customers();
        let mut batch = w.bulk_insert()?;
        let mut suspended = if bulk {
            Some(w.suspend_indexes()?)
        } else {
            None
        };
        let total = prepared.len();
        for (n, p) in prepared.into_iter().enumerate() {
            let mut state = WriteState {
                batch: &mut batch,
                suspended: &mut suspended,
                known: &mut known,
                run: None,
            };
            write_one(w, &mut state, p, files, options, &mut report)?;
            if n % 1024 == 1023 {
                progress(n + 1);
            }
        }
        w.bulk_flush(&mut batch)?;
        if let Some(s) = suspended {
            w.rebuild_indexes(s)?;
        }
        progress(total);
        Ok(report.clone())
    };
    Ok(store.write_or_rehearse(true, write)?)
}

/// What the writing loop carries from one record to the next.
struct WriteState<'a> {
    batch: &'a mut BulkInsert,
    /// Indexes dropped for a bulk import, until they are needed again.
    suspended: &'a mut Option<SuspendedIndexes>,
    known: &'a mut KnownContacts,
    /// The import run recording what is written (`None`: a dry run).
    run: Option<i64>,
}

impl WriteState<'_> {
    /// Writes what is queued and rebuilds any dropped indexes: a merge reads the
    /// database.
    fn settle(&mut self, w: &mut Writer<'_>) -> crate::store::Result<()> {
        w.bulk_flush(self.batch)?;
        if let Some(s) = self.suspended.take() {
            w.rebuild_indexes(s)?;
        }
        Ok(())
    }
}

/// Whether a record is the customer it shares a phone or email with, by the policy of
/// `OnDuplicate::MergeSame`: a customer of this import only when every identifying
/// field agrees; one already in the database when the names agree (folded, spacing or
/// word order aside), or when the record names nobody itself.
fn same_contact(
    w: &Writer<'_>,
    known: &KnownContacts,
    id: i64,
    p: &Prepared,
    identity: u64,
) -> crate::store::Result<bool> {
    if let Some(theirs) = known.identity_of(id) {
        return Ok(theirs == identity);
    }
    if !p.named {
        return Ok(true);
    }
    let Some(their_key) = w.customer_name_key(id)? else {
        return Ok(false);
    };
    let similarity = name_similarity(
        &NameKeys::new(&fold(&p.draft.name)),
        &NameKeys::new(&their_key),
    );
    Ok(matches!(
        similarity,
        Some(
            NameSimilarity::Same
                | NameSimilarity::SameWithoutSpaces
                | NameSimilarity::WordsReordered
        )
    ))
}

/// Everything that identifies a record's contact (name and company as the file wrote
/// them, kind, phones with their extensions, emails), hashed: two records of one
/// import are merged only when these agree. Phones and emails count in any order.
fn identity(draft: &CustomerDraft, company: Option<&str>, keys: &ContactKeys) -> u64 {
    use rustc_hash::FxHasher;
    use std::hash::{Hash, Hasher};
    // A fixed, fast hash: every record of the import is hashed alike, and only records
    // already sharing a phone or email are ever compared.
    let one = |item: &dyn Fn(&mut FxHasher)| {
        let mut h = FxHasher::default();
        item(&mut h);
        h.finish()
    };
    // A sum of the items' hashes does not depend on their order and needs no sorting.
    let mut phones = 0u64;
    for ((national, _), p) in keys.phones.iter().zip(&draft.phones) {
        phones = phones.wrapping_add(one(&|h| (national, &p.extension).hash(h)));
    }
    let mut emails = 0u64;
    for e in &keys.emails {
        emails = emails.wrapping_add(one(&|h| e.hash(h)));
    }
    let mut h = FxHasher::default();
    (
        draft.name.trim(),
        draft.kind.as_str(),
        company,
        phones,
        emails,
    )
        .hash(&mut h);
    h.finish()
}

/// Merges `draft` into customer `id`, recording in `run` what it was before.
fn absorb(
    w: &mut Writer<'_>,
    run: Option<i64>,
    id: i64,
    draft: &CustomerDraft,
) -> crate::store::Result<Vec<&'static str>> {
    let Some(run) = run else {
        return w.absorb(id, draft);
    };
    let before = w.customer(id)?;
    let added = w.absorb(id, draft)?;
    if !added.is_empty() {
        let after = w.customer(id)?.version;
        w.record_import_merge(run, id, &before.draft(), after)?;
    }
    Ok(added)
}

fn write_one(
    w: &mut Writer<'_>,
    state: &mut WriteState<'_>,
    p: Prepared,
    files: &[SourceFile],
    options: &ImportOptions,
    report: &mut ImportReport,
) -> crate::store::Result<()> {
    let keys = ContactKeys::of(&p.draft);
    let identity = identity(&p.draft, p.company.as_deref(), &keys);
    let found = match options.on_duplicate {
        OnDuplicate::Create => None,
        _ => state.known.find_keys(&keys),
    };
    // Under the default policy the record merges into the same contact among those
    // sharing a phone or email with it; with none it is created apart from the first.
    let (found, apart) = match (found, options.on_duplicate) {
        (Some(first), OnDuplicate::MergeSame) => {
            let mut same = None;
            for (id, key) in state.known.candidates(&keys) {
                if same_contact(w, state.known, id, &p, identity)? {
                    same = Some((id, key));
                    break;
                }
            }
            match same {
                Some(found) => (Some(found), None),
                None => (None, Some(first)),
            }
        }
        (found, _) => (found, None),
    };
    let found = found.map(|(id, key)| (id, ContactKeys::why(&p.draft, key)));
    let mut draft = p.draft;
    if let Some(company) = &p.company {
        draft.company_id = Some(match state.known.company(company) {
            Some(id) => id,
            None => {
                let mut c = CustomerDraft::new(CustomerKind::Company, company.as_str());
                c.owner_id = options.owner_id;
                c.source.clone_from(&draft.source);
                let id = w.bulk_add(state.batch, &mut c)?;
                state.known.learn(id, &c);
                report.companies_created += 1;
                id
            }
        });
    }
    let matched = |customer_id, why, added| Matched {
        file: files[p.file].label.clone(),
        record: p.record,
        line: p.line,
        name: draft.name.clone(),
        customer_id,
        why,
        added,
    };
    match (found, options.on_duplicate) {
        (Some((id, why)), OnDuplicate::Skip) => report.skipped.push(matched(id, why, Vec::new())),
        (Some((id, why)), _) => {
            state.settle(w)?;
            let added = absorb(w, state.run, id, &draft)?;
            state.known.learn_keys(id, keys, &draft);
            report.merged.push(matched(id, why, added));
        }
        (None, _) => {
            // A company already known by name is the same company.
            if draft.kind == CustomerKind::Company
                && let Some(id) = state.known.company(&draft.name)
            {
                state.settle(w)?;
                let added = absorb(w, state.run, id, &draft)?;
                state.known.learn(id, &draft);
                let why = "same company name".to_string();
                report.merged.push(matched(id, why, added));
                return Ok(());
            }
            let id = w.bulk_add(state.batch, &mut draft)?;
            if let Some((other, key)) = apart {
                let colleagues = state.known.colleagues(w, other, &draft, &keys, key)?;
                report.kept_apart.push(KeptApart {
                    file: files[p.file].label.clone(),
                    record: p.record,
                    line: p.line,
                    name: draft.name.clone(),
                    customer_id: id,
                    shares_with: other,
                    why: ContactKeys::why(&draft, key),
                    possible_duplicate: !colleagues,
                });
            }
            state.known.learn_new(id, keys, &draft, identity);
            report.created += 1;
        }
    }
    Ok(())
}

fn file_name(label: &str) -> &str {
    std::path::Path::new(label)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(label)
}

/// A finished import: its report and the reject files written.
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: ImportReport,
    pub rejects: Vec<String>,
}

/// Imports contact files (vCard or CSV) by path: reads and decodes each, imports them
/// together in one transaction, and writes the refused records (`skip_invalid`) beside
/// their files or into `options.rejects_dir`. The reject files are written before the
/// import commits, so an import whose refused records cannot be saved writes nothing.
/// Shared by `rapport import` and the app.
pub fn import_paths(
    store: &mut Store,
    paths: &[PathBuf],
    read: &ReadOptions,
    options: &ImportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> crate::Result<Imported> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| crate::Error::msg(format!("{label}: {e}")))?;
        if super::backup::looks_like_backup(&bytes) {
            return Err(crate::Error::msg(format!(
                "{label}: a Rapport backup restores on its own, into an empty database"
            )));
        }
        let file = super::read_contacts_file(&label, &bytes, read)
            .map_err(|e| crate::Error::msg(format!("{label}: {e}")))?;
        files.push(file);
    }
    let total: usize = files.iter().map(|f| f.outcome.records.len()).sum();
    let protected = store.path().map(database_files).unwrap_or_default();
    let mut staged = Vec::new();
    let mut stage = |invalid: &[Refused]| -> crate::Result<()> {
        if !options.dry_run {
            staged = stage_rejects(&files, invalid, options.rejects_dir.as_deref(), &protected)?;
        }
        Ok(())
    };
    let imported = import_contacts_then(
        store,
        &files,
        options,
        &mut |n| progress(n, total),
        &mut stage,
    );
    let report = match imported {
        Ok(report) => report,
        Err(ImportError::Refused(problems)) => {
            let mut text = ImportError::Refused(problems.clone()).to_string();
            for p in problems.iter().take(LISTED) {
                let p = crate::text::for_terminal(&p.to_string()).into_owned();
                text.push_str(&format!("\n  {p}"));
            }
            if problems.len() > LISTED {
                text.push_str(&format!("\n  … and {} more", problems.len() - LISTED));
            }
            return Err(crate::Error::msg(text));
        }
        Err(e @ ImportError::Rejects(_)) => return Err(crate::Error::msg(e.to_string())),
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(failed @ ImportError::Failed { .. }) => {
            return Err(crate::Error::msg(failed.to_string()));
        }
    };
    let rejects = commit_rejects(staged)?;
    Ok(Imported { report, rejects })
}

/// Refused records listed in an error message; the rest are counted.
const LISTED: usize = 20;

/// `contacts.csv` → `contacts.rejected.csv`, in `dir` or beside the input.
pub fn reject_path(input: &Path, dir: Option<&Path>) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    let name = match input.extension() {
        Some(ext) => format!("{stem}.rejected.{}", ext.to_string_lossy()),
        None => format!("{stem}.rejected"),
    };
    match dir {
        Some(dir) => dir.join(name),
        None => input.with_file_name(name),
    }
}

/// A reject file written under a temporary name, renamed into place once the import
/// it goes with has committed.
#[derive(Debug)]
pub struct StagedReject {
    file: AtomicFile,
}

/// Writes each file's refused records, exactly as they stood (a CSV keeps its header
/// line so the file can be fixed and imported again), to temporary reject files.
fn stage_rejects(
    files: &[SourceFile],
    invalid: &[Refused],
    dir: Option<&Path>,
    protected: &[PathBuf],
) -> crate::Result<Vec<StagedReject>> {
    let mut staged: Vec<StagedReject> = Vec::new();
    for f in files {
        let refused: Vec<&str> = invalid
            .iter()
            .filter(|r| r.file == f.label)
            .map(|r| r.problem.raw.as_str())
            .collect();
        if refused.is_empty() {
            continue;
        }
        let input = Path::new(&f.label);
        // Two inputs of one name would share a reject file in DIR.
        let dest = reject_path(input, dir);
        if let Some(other) = staged.iter().find(|s| s.file.dest() == dest) {
            return Err(crate::Error::msg(format!(
                "{} and another input both write their refused records to {}; import them separately",
                f.label,
                other.file.dest().display()
            )));
        }
        let header = f.outcome.header.as_deref();
        staged.push(stage_reject_file(input, dir, header, &refused, protected)?);
    }
    Ok(staged)
}

/// Writes `refused` records, exactly as they stood (after `header`, for a CSV), to a
/// temporary file for the reject file of `input` (in `dir`, or beside it), 0600 and
/// synced to the disk: nothing under the reject file's name yet.
pub fn stage_reject_file(
    input: &Path,
    dir: Option<&Path>,
    header: Option<&str>,
    refused: &[&str],
    protected: &[PathBuf],
) -> crate::Result<StagedReject> {
    let path = reject_path(input, dir);
    let mut text = String::new();
    for line in header.into_iter().chain(refused.iter().copied()) {
        text.push_str(line.trim_end_matches(['\r', '\n']));
        text.push_str("\r\n");
    }
    // A reject file from an earlier run of the same import is replaced.
    let mut file = AtomicFile::create(&path, Existing::Replace, protected)?;
    file.write_all(text.as_bytes())
        .map_err(|e| crate::Error::msg(format!("{}: {e}", file.temp_path().display())))?;
    file.sync()?;
    Ok(StagedReject { file })
}

/// Puts staged reject files in place (the import committed); their paths.
pub fn commit_rejects(staged: Vec<StagedReject>) -> crate::Result<Vec<String>> {
    let mut written = Vec::with_capacity(staged.len());
    for s in staged {
        let path = s.file.dest().display().to_string();
        s.file.commit_or_keep().map_err(|e| {
            crate::Error::msg(format!(
                "the import was saved, but its refused records were not: {e}"
            ))
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The report as text, for the terminal and the app.
pub fn report_text(r: &ImportReport, rejects: &[String]) -> String {
    let mut out = String::new();
    let _ = write_report(&mut out, r, rejects);
    out
}

fn write_report(out: &mut String, r: &ImportReport, rejects: &[String]) -> std::fmt::Result {
    use std::fmt::Write as _;
    // Everything from a file (names, values, column names) is made harmless first.
    let safe = |s: &str| crate::text::for_terminal(s).into_owned();
    for f in &r.files {
        let notes = if f.notes.is_empty() {
            String::new()
        } else {
            format!("; {}", f.notes.join("; "))
        };
        writeln!(
            out,
            "{}: {} record{} ({}, {}{})",
            safe(&f.file),
            f.records,
            if f.records == 1 { "" } else { "s" },
            f.format,
            f.encoding,
            safe(&notes)
        )?;
    }
    let (created, merged) = if r.dry_run {
        ("Would create", "Would merge")
    } else {
        ("Created", "Merged")
    };
    let companies = match r.companies_created {
        0 => String::new(),
        1 => " (and 1 company they work for)".to_string(),
        n => format!(" (and {n} companies they work for)"),
    };
    writeln!(
        out,
        "{created} {}{companies}",
        crate::text::count(r.created, "customer", "customers")
    )?;
    // Long lists show their first lines; `--json` has them all.
    let more = |out: &mut String, n: usize| {
        if n > LISTED {
            writeln!(
                out,
                "  … and {} more (`rapport import --json` lists them all)",
                n - LISTED
            )
        } else {
            Ok(())
        }
    };
    // A merge says what it added; a skip only where it matched.
    let matches = |out: &mut String, title: String, list: &[Matched], merged: bool| {
        if list.is_empty() {
            return Ok(());
        }
        writeln!(out, "{title}")?;
        for m in list.iter().take(LISTED) {
            let added = match (merged, m.added.is_empty()) {
                (false, _) => String::new(),
                (true, true) => "; nothing new".to_string(),
                (true, false) => format!("; added {}", m.added.join(", ")),
            };
            writeln!(
                out,
                "  {} record {} ({}) → #{}: {}{added}",
                safe(&m.file),
                m.record,
                safe(&m.name),
                m.customer_id,
                safe(&m.why)
            )?;
        }
        more(out, list.len())
    };
    let title = format!("{merged} {} into customers already here:", r.merged.len());
    matches(out, title, &r.merged, true)?;
    let title = format!("Skipped {} already here:", r.skipped.len());
    matches(out, title, &r.skipped, false)?;
    if !r.kept_apart.is_empty() {
        let n = r.kept_apart.len();
        let (them, were) = match (n, r.dry_run) {
            (1, false) => ("it was", "not merged"),
            (1, true) => ("it would", "not be merged"),
            (_, false) => ("they were", "not merged"),
            (_, true) => ("they would", "not be merged"),
        };
        writeln!(
            out,
            "{n} of these share a phone or email with another customer but are not the same \
             contact, so {them} {were}:"
        )?;
        for k in r.kept_apart.iter().take(LISTED) {
            let verdict = if k.possible_duplicate {
                "a possible duplicate: `rapport dedupe` lists it"
            } else {
                "colleagues on a shared work number"
            };
            writeln!(
                out,
                "  {} record {} ({}) #{} beside #{}: {}; {verdict}",
                safe(&k.file),
                k.record,
                safe(&k.name),
                k.customer_id,
                k.shares_with,
                safe(&k.why)
            )?;
        }
        more(out, r.kept_apart.len())?;
    }
    write_flagged(out, &r.flagged, &safe)?;
    if !r.invalid.is_empty() {
        writeln!(out, "Refused {}:", r.invalid.len())?;
        for p in r.invalid.iter().take(LISTED) {
            writeln!(out, "  {}", crate::text::for_terminal(&p.to_string()))?;
        }
        more(out, r.invalid.len())?;
        for path in rejects {
            writeln!(out, "  all written to {path}")?;
        }
    }
    if !r.not_imported.is_empty() {
        let parts: Vec<String> = r
            .not_imported
            .iter()
            .map(|(name, n)| format!("{} ×{n}", safe(name)))
            .collect();
        writeln!(out, "Not imported: {}", parts.join(", "))?;
    }
    if r.dry_run {
        writeln!(out, "Dry run: nothing was written.")?;
    }
    if let Some(run) = r.run {
        writeln!(
            out,
            "Import run #{run}: `rapport import --undo {run}` takes it out again."
        )?;
    }
    Ok(())
}

/// The flagged fields, grouped by what happened and which field: "Kept 12 phones as
/// text:", then the first of them with record, line and value.
fn write_flagged(
    out: &mut String,
    flagged: &[Flagged],
    safe: &dyn Fn(&str) -> String,
) -> std::fmt::Result {
    use std::fmt::Write as _;
    let mut groups: BTreeMap<(FlagAction, &str), Vec<&Flagged>> = BTreeMap::new();
    for f in flagged {
        groups
            .entry((f.flag.action, f.flag.field.as_str()))
            .or_default()
            .push(f);
    }
    for ((action, field), list) in groups {
        let n = list.len();
        let plural = if n == 1 { "" } else { "s" };
        match action {
            FlagAction::KeptAsText => {
                let article = if field.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                writeln!(
                    out,
                    "Kept {n} {field}{plural} as text (not usable as {article} {field}; on the \
                     customer, \"kept\"):"
                )?
            }
            FlagAction::Dropped => writeln!(out, "Dropped {n} placeholder {field}{plural}:")?,
            FlagAction::Split => writeln!(
                out,
                "Split {n} {field} field{plural} holding several values:"
            )?,
            FlagAction::Noted => writeln!(out, "Noted on {n} record{plural}:")?,
        }
        for f in list.iter().take(LISTED) {
            let value = if f.flag.value.is_empty() {
                String::new()
            } else {
                format!("{:?} ", safe(&f.flag.value))
            };
            writeln!(
                out,
                "  {} record {} (line {}, {}): {value}{}",
                safe(&f.file),
                f.record,
                f.line,
                safe(&f.name),
                safe(&f.flag.why)
            )?;
        }
        if n > LISTED {
            writeln!(
                out,
                "  … and {} more (`rapport import --json` lists them all)",
                n - LISTED
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::record::{ContactRecord, Labeled};

    fn record(name: &str) -> ContactRecord {
        ContactRecord {
            record: 1,
            line: 1,
            name: name.into(),
            ..Default::default()
        }
    }

    fn file(records: Vec<ContactRecord>) -> SourceFile {
        SourceFile {
            label: "contacts.vcf".into(),
            format: "vcard",
            outcome: ReadOutcome {
                records,
                encoding: "UTF-8".into(),
                ..Default::default()
            },
        }
    }

    fn opts(on_duplicate: OnDuplicate) -> ImportOptions {
        ImportOptions {
            on_duplicate,
            ..Default::default()
        }
    }

    #[test]
    fn the_same_contact_merges_and_different_people_sharing_an_email_stay_apart() {
        let mut store = Store::open_in_memory().unwrap();
        let mut ada = record("Ada Lovelace");
        ada.emails = vec![Labeled::new(None, "ada@example.org")];
        ada.company = Some("Acme".into());
        // Another person on the same address, in the same file: created beside her.
        let mut other = record("Byron Lovelace");
        other.record = 2;
        other.emails = vec![Labeled::new(None, "ADA@example.org")];
        other.phones = vec![Labeled::new(None, "+44 7700 900123")];
        // The first record again, word for word: the same contact, merged.
        let mut twin = ada.clone();
        twin.record = 3;
        twin.tags = vec!["vip".into()];
        let files = [file(vec![ada.clone(), other.clone(), twin])];
        let report =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((report.created, report.companies_created), (2, 1));
        assert_eq!(report.kept_apart.len(), 1);
        let apart = &report.kept_apart[0];
        assert_eq!((apart.record, apart.shares_with), (2, 2));
        assert!(apart.why.contains("same email") && apart.possible_duplicate);
        assert_eq!(report.merged.len(), 1);
        assert_eq!(report.merged[0].added, vec!["tags"]);
        assert_eq!(store.counts().unwrap().customers, 3);
        assert!(report_text(&report, &[]).contains("a possible duplicate"));

        // Imported again: each is the customer of the same name already here.
        let mut again = ada.clone();
        again.phones = vec![Labeled::new(Some("work"), "+44 20 7946 0018")];
        let files = [file(vec![again, other.clone()])];
        let r =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((r.created, r.merged.len(), r.kept_apart.len()), (0, 2, 0));
        assert_eq!(r.merged[0].added, vec!["phones"]);

        // Someone else on Ada's address: apart by default, merged on request.
        let mut stranger = record("Charles Babbage");
        stranger.emails = vec![Labeled::new(None, "ada@example.org")];
        let files = [file(vec![stranger])];
        let r =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((r.created, r.kept_apart.len()), (1, 1));
        let r =
            import_contacts(&mut store, &files, &opts(OnDuplicate::Merge), &mut |_| {}).unwrap();
        assert_eq!((r.created, r.merged.len()), (0, 1));
        let r = import_contacts(&mut store, &files, &opts(OnDuplicate::Skip), &mut |_| {}).unwrap();
        assert_eq!((r.created, r.skipped.len()), (0, 1));
        let dry = ImportOptions {
            on_duplicate: OnDuplicate::Create,
            dry_run: true,
            ..Default::default()
        };
        let before = store.counts().unwrap().customers;
        let r = import_contacts(&mut store, &files, &dry, &mut |_| {}).unwrap();
        assert_eq!(r.created, 1);
        assert_eq!(
            store.counts().unwrap().customers,
            before,
            "a dry run writes nothing"
        );
    }

    #[test]
    fn bad_fields_are_kept_and_only_records_nothing_identifies_refuse_everything() {
        let mut store = Store::open_in_memory().unwrap();
        let mut odd = record("Flower Shop");
        odd.phones = vec![
            Labeled::new(None, "1-800-FLOWERS"),
            Labeled::new(None, "call me"),
        ];
        let files = [file(vec![record("New Person"), odd.clone()])];
        let r =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((r.created, r.flagged.len()), (2, 2));
        let text = report_text(&r, &[]);
        assert!(text.contains("Kept 2 phones as text"), "{text}");
        assert!(text.contains("\"1-800-FLOWERS\""), "{text}");
        let strict = ImportOptions {
            strict: true,
            ..Default::default()
        };
        match import_contacts(&mut store, &files, &strict, &mut |_| {}) {
            Err(ImportError::Refused(p)) => {
                assert_eq!(p.len(), 1);
                assert!(p[0].to_string().contains("1-800-FLOWERS"), "{}", p[0]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }

        let mut nothing = record("");
        nothing.record = 3;
        nothing.phones = vec![Labeled::new(None, "n/a")];
        let files = [file(vec![record("Another Person"), nothing])];
        let before = store.counts().unwrap().customers;
        match import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}) {
            Err(ImportError::Refused(p)) => {
                assert_eq!(p.len(), 1);
                assert_eq!(p[0].problem.record, 3);
                assert!(p[0].problem.reason.contains("no name"), "{}", p[0]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(store.counts().unwrap().customers, before, "all or nothing");
        let lenient = ImportOptions {
            skip_invalid: true,
            ..Default::default()
        };
        let r = import_contacts(&mut store, &files, &lenient, &mut |_| {}).unwrap();
        assert_eq!((r.created, r.invalid.len()), (1, 1));
    }

    #[test]
    fn a_bulk_import_rebuilds_its_indexes_before_merging_and_at_the_end() {
        let mut store = Store::open_in_memory().unwrap();
        let mut records: Vec<ContactRecord> = (0..BULK_FROM + 10)
            .map(|i| {
                let mut r = record(&format!("Person {i}"));
                r.record = i + 1;
                r.company = Some(format!("Company {}", i % 7));
                r.phones = vec![Labeled::new(None, format!("+44 7700 {i:06}"))];
                r.emails = vec![Labeled::new(None, format!("p{i}@example.org"))];
                r.tags = vec!["imported".into()];
                r
            })
            .collect();
        // The last record is the first one again, with a new email: a merge mid-import
        // (asked for: by default a record differing in an email is kept apart).
        let mut again = records[0].clone();
        again.record = records.len() + 1;
        again.emails = vec![Labeled::new(None, "first@example.org")];
        records.push(again);
        let files = [file(records)];
        let r =
            import_contacts(&mut store, &files, &opts(OnDuplicate::Merge), &mut |_| {}).unwrap();
        assert_eq!(
            (r.created, r.companies_created, r.merged.len()),
            (BULK_FROM + 10, 7, 1)
        );
        assert_eq!(r.merged[0].added, vec!["emails"]);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        // Every index is back, and the data is reachable through them.
        assert_eq!(store.lookup("7700 000005", 5).unwrap().len(), 1);
        let first = store.customer(r.merged[0].customer_id).unwrap();
        assert_eq!(first.emails.len(), 2);
        let company = store.resolve_customer("Company 3").unwrap();
        let people = store
            .customer_ids(&crate::store::CustomerFilter {
                company_id: Some(company),
                ..Default::default()
            })
            .unwrap();
        let expected = (0..BULK_FROM + 10).filter(|i| i % 7 == 3).count();
        assert_eq!(people.len(), expected);
    }
}
