//! Contacts from files into the store: each record validated into a customer draft,
//! matched against the customers already known (by phone or email), then created,
//! merged or skipped. The writing is an import run of short transactions (so other
//! operators never wait long for the lock) that is undone as a whole if any of them
//! fails. By default any invalid record refuses the whole import and nothing is
//! written; `skip_invalid` imports the rest.

use std::collections::BTreeMap;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ReadOptions;
use super::record::{ContactRecord, Problem, ReadOutcome};
use crate::atomic_file::{AtomicFile, Existing, database_files};
use crate::domain::access::Permission;
use crate::domain::customer::normalise_tag;
use crate::domain::{CustomerDraft, CustomerKind, Email, Phone, PhoneKind, ValidationError};
use crate::store::{
    BulkInsert, ContactKeys, KnownContacts, Store, StoreError, SuspendedIndexes, Writer,
};

/// What to do with a record that matches an existing customer by phone or email.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// Leave the existing customer as it is.
    Skip,
    /// Add what is new (phones, emails, tags, empty fields, notes) to the existing one.
    #[default]
    Merge,
    /// Create another customer anyway.
    Create,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub on_duplicate: OnDuplicate,
    /// Import the valid records even when some are invalid.
    pub skip_invalid: bool,
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
            records: f.outcome.records.len() + f.outcome.problems.len(),
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
            match draft_of(rec, &source, options.owner_id) {
                Ok((draft, company)) => prepared.push(Prepared {
                    file: i,
                    record: rec.record,
                    line: rec.line,
                    draft,
                    company,
                }),
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
    let keys = ContactKeys::of(&draft);
    let found = match options.on_duplicate {
        OnDuplicate::Create => None,
        _ => state
            .known
            .find_keys(&keys)
            .map(|(id, i)| (id, ContactKeys::why(&draft, i))),
    };
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
            state.known.learn_keys(id, keys, &draft);
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

/// The kind of phone a file's label names.
fn phone_kind(label: Option<&str>) -> PhoneKind {
    let l = label.unwrap_or("").to_lowercase();
    if l.contains("cell") || l.contains("mobile") || l.contains("iphone") {
        PhoneKind::Mobile
    } else if l.contains("work") || l.contains("business") || l.contains("office") {
        PhoneKind::Work
    } else if l.contains("home") {
        PhoneKind::Home
    } else if l.is_empty() || l.contains("voice") || l.contains("pref") || l.contains("main") {
        PhoneKind::Mobile
    } else {
        PhoneKind::Other
    }
}

/// A phone value as files write it: `tel:` URIs and their parameters, `;ext=`.
fn phone_text(value: &str) -> String {
    let v = value.trim();
    let v = v
        .strip_prefix("tel:")
        .or_else(|| v.strip_prefix("TEL:"))
        .unwrap_or(v);
    match v.split_once(';') {
        Some((number, params)) => {
            let ext = params
                .split(';')
                .find_map(|p| p.strip_prefix("ext=").or_else(|| p.strip_prefix("EXT=")));
            match ext {
                Some(e) => format!("{number} ext. {e}"),
                None => number.to_string(),
            }
        }
        None => v.to_string(),
    }
}

/// Turns a record into a validated draft (and the organisation to link), or says why not.
pub fn draft_of(
    rec: &ContactRecord,
    source: &str,
    owner_id: Option<i64>,
) -> Result<(CustomerDraft, Option<String>), String> {
    let why = |e: ValidationError| e.to_string();
    let name = rec.name.trim();
    let company = rec
        .company
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let phones: Vec<Phone> = rec
        .phones
        .iter()
        .filter(|p| !p.value.trim().is_empty())
        .map(|p| Phone::parse(phone_kind(p.label.as_deref()), &phone_text(&p.value)).map_err(why))
        .collect::<Result<_, _>>()?;
    let emails: Vec<Email> = rec
        .emails
        .iter()
        .map(|e| e.value.trim())
        .filter(|e| !e.is_empty())
        .map(|e| Email::parse(e.strip_prefix("mailto:").unwrap_or(e)).map_err(why))
        .collect::<Result<_, _>>()?;
    let (kind, name, works_for) = match (rec.kind, name, company) {
        (Some(CustomerKind::Company), "", Some(c)) => (CustomerKind::Company, c.to_string(), None),
        (Some(CustomerKind::Company), n, _) => (CustomerKind::Company, n.to_string(), None),
        (None, "", Some(c)) => (CustomerKind::Company, c.to_string(), None),
        (_, "", None) => {
            // No name at all: the first email or phone stands in for one.
            let stand_in = emails
                .first()
                .map(|e| e.as_str().to_string())
                .or_else(|| phones.first().map(|p| p.raw.clone()))
                .ok_or("it has no name, organisation, email or phone")?;
            (CustomerKind::Person, stand_in, None)
        }
        (_, n, c) => (CustomerKind::Person, n.to_string(), c.map(str::to_string)),
    };
    let mut d = CustomerDraft::new(kind, name);
    d.phones = phones;
    d.emails = emails;
    d.tags = rec
        .tags
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| normalise_tag(t).map_err(why))
        .collect::<Result<_, _>>()?;
    d.address = rec.address.clone().filter(|a| !a.trim().is_empty());
    let mut notes: Vec<String> = Vec::new();
    if let Some(t) = rec.title.as_deref().filter(|t| !t.trim().is_empty()) {
        notes.push(format!("Title: {}", t.trim()));
    }
    if let Some(b) = rec.birthday.as_deref().filter(|b| !b.trim().is_empty()) {
        notes.push(format!("Birthday: {}", b.trim()));
    }
    if let Some(n) = rec.note.as_deref().filter(|n| !n.trim().is_empty()) {
        notes.push(n.trim().to_string());
    }
    d.notes = (!notes.is_empty()).then(|| notes.join("\n"));
    d.source = Some(source.to_string());
    d.owner_id = owner_id;
    d.validate().map_err(why)?;
    Ok((d, works_for))
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
    for f in &r.files {
        writeln!(
            out,
            "{}: {} records ({}, {})",
            f.file, f.records, f.format, f.encoding
        )?;
    }
    let (created, merged) = if r.dry_run {
        ("Would create", "Would merge")
    } else {
        ("Created", "Merged")
    };
    let companies = if r.companies_created > 0 {
        format!(" (and {} companies they work for)", r.companies_created)
    } else {
        String::new()
    };
    writeln!(out, "{created} {} customers{companies}", r.created)?;
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
                m.file,
                m.record,
                crate::text::for_terminal(&m.name),
                m.customer_id,
                m.why
            )?;
        }
        more(out, list.len())
    };
    let title = format!("{merged} {} into customers already here:", r.merged.len());
    matches(out, title, &r.merged, true)?;
    let title = format!("Skipped {} already here:", r.skipped.len());
    matches(out, title, &r.skipped, false)?;
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
            .map(|(name, n)| format!("{name} ×{n}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::record::Labeled;

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

    #[test]
    fn drafts_from_records() {
        let mut r = record("Ada Lovelace");
        r.company = Some("Analytical Engines Ltd".into());
        r.title = Some("Countess".into());
        r.note = Some("Met at the Royal Society".into());
        r.phones = vec![
            Labeled::new(Some("work"), "tel:+44-20-7946-0018;ext=12"),
            Labeled::new(Some("cell"), "+44 7700 900123"),
        ];
        r.emails = vec![Labeled::new(None, "mailto:ada@example.org")];
        r.tags = vec!["Key Account".into()];
        let (d, company) = draft_of(&r, "import: x.vcf", None).unwrap();
        assert_eq!(company.as_deref(), Some("Analytical Engines Ltd"));
        assert_eq!(d.phones[0].raw, "+44-20-7946-0018 ext. 12");
        assert_eq!(d.phones[0].kind, PhoneKind::Work);
        assert_eq!(d.phones[1].kind, PhoneKind::Mobile);
        assert_eq!(d.emails[0].as_str(), "ada@example.org");
        assert_eq!(d.tags, vec!["key-account"]);
        assert_eq!(
            d.notes.as_deref(),
            Some("Title: Countess\nMet at the Royal Society")
        );
        // An organisation card; a card with only an email.
        let mut org = record("");
        org.company = Some("Acme".into());
        assert_eq!(
            draft_of(&org, "s", None).unwrap().0.kind,
            CustomerKind::Company
        );
        let mut only_email = record("");
        only_email.emails = vec![Labeled::new(None, "x@y.org")];
        assert_eq!(draft_of(&only_email, "s", None).unwrap().0.name, "x@y.org");
        assert!(
            draft_of(&record(" "), "s", None)
                .unwrap_err()
                .contains("no name")
        );
        let mut bad = record("Bad");
        bad.emails = vec![Labeled::new(None, "not-an-email")];
        assert!(
            draft_of(&bad, "s", None)
                .unwrap_err()
                .contains("not-an-email")
        );
    }

    #[test]
    fn duplicates_merge_skip_or_create_and_invalid_records_refuse_everything() {
        let mut store = Store::open_in_memory().unwrap();
        let mut ada = record("Ada Lovelace");
        ada.emails = vec![Labeled::new(None, "ada@example.org")];
        ada.company = Some("Acme".into());
        let mut again = record("A. Lovelace");
        again.record = 2;
        again.emails = vec![Labeled::new(None, "ADA@example.org")];
        again.phones = vec![Labeled::new(None, "+44 7700 900123")];
        let files = [file(vec![ada.clone(), again.clone()])];
        let report =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
        assert_eq!((report.created, report.companies_created), (1, 1));
        assert_eq!(report.merged.len(), 1);
        assert_eq!(report.merged[0].added, vec!["phones"]);
        assert!(report.merged[0].why.contains("same email"));
        assert_eq!(store.counts().unwrap().customers, 2);

        let skip = ImportOptions {
            on_duplicate: OnDuplicate::Skip,
            ..Default::default()
        };
        let r = import_contacts(&mut store, &files, &skip, &mut |_| {}).unwrap();
        assert_eq!((r.created, r.skipped.len()), (0, 2));
        let dry = ImportOptions {
            on_duplicate: OnDuplicate::Create,
            dry_run: true,
            ..Default::default()
        };
        let r = import_contacts(&mut store, &files, &dry, &mut |_| {}).unwrap();
        assert_eq!(r.created, 2);
        assert_eq!(
            store.counts().unwrap().customers,
            2,
            "a dry run writes nothing"
        );

        let mut bad = record("Broken");
        bad.record = 3;
        bad.phones = vec![Labeled::new(None, "call me")];
        let files = [file(vec![record("New Person"), bad])];
        match import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}) {
            Err(ImportError::Refused(p)) => {
                assert_eq!(p.len(), 1);
                assert_eq!(p[0].problem.record, 3);
                assert!(p[0].to_string().contains("call me"), "{}", p[0]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(store.counts().unwrap().customers, 2, "all or nothing");
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
        // The last record is the first one again, with a new email: a merge mid-import.
        let mut again = records[0].clone();
        again.record = records.len() + 1;
        again.emails = vec![Labeled::new(None, "first@example.org")];
        records.push(again);
        let files = [file(records)];
        let r =
            import_contacts(&mut store, &files, &ImportOptions::default(), &mut |_| {}).unwrap();
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
