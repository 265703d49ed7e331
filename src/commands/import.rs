//! `rapport import`: contacts from vCard and CSV files, deals from a spreadsheet, or a
//! Rapport JSON backup; `rapport export`: vCard, CSV or the JSON backup.

use std::io::Write;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;
use crate::atomic_file::{AtomicFile, Existing, database_files};
use crate::cli::{ExportArgs, ExportFormat, ImportArgs};
use crate::domain::access::Permission;
use crate::io::import::{ImportOptions, import_paths, report_text};
use crate::io::{ContactRecord, ReadOptions, backup, decode};
use crate::{Error, Result};

/// Imports over this many records show a progress bar (on a terminal).
const PROGRESS_FROM: usize = 5_000;

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::msg(format!("{}: {e}", path.display())))
}

pub fn run(ctx: &mut Context, args: ImportArgs) -> Result<()> {
    if let Some(run) = args.undo {
        return undo(ctx, run);
    }
    for run in ctx.store.interrupted_import_runs()? {
        eprintln!(
            "Note: import run #{} ({}, started {}) did not finish: {} created, {} merged. \
             `rapport import --undo {}` takes it out; importing the file again adds the rest.",
            run.id,
            crate::text::for_terminal(&run.source),
            super::output::local_time(run.started_at),
            crate::text::count(run.created, "customer", "customers"),
            run.merged,
            run.id
        );
    }
    if let Some(dir) = &args.rejects
        && !dir.is_dir()
    {
        return Err(Error::msg(format!(
            "--rejects {}: no such directory; create it first (mkdir -p {})",
            dir.display(),
            dir.display()
        )));
    }
    if let Some(deals) = &args.deals {
        return super::import_deals::run(ctx, &args, deals);
    }
    // A backup restores alone.
    if let [only] = args.files.as_slice() {
        let bytes = read(only)?;
        if backup::looks_like_backup(&bytes) {
            return restore(ctx, only, &bytes, args.dry_run);
        }
    }
    let encoding = encoding_of(&args)?;
    let read = ReadOptions {
        encoding,
        map: args.map.clone(),
    };
    let options = ImportOptions {
        on_duplicate: args.on_duplicate,
        skip_invalid: args.skip_invalid,
        strict: args.strict,
        dry_run: args.dry_run,
        owner_id: Some(ctx.me().id),
        rejects_dir: args.rejects.clone(),
    };
    let mut bar: Option<ProgressBar> = None;
    let imported = import_paths(
        &mut ctx.store,
        &args.files,
        &read,
        &options,
        &mut |n, total| {
            bar.get_or_insert_with(|| progress_bar(total))
                .set_position(n as u64);
        },
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let imported = imported?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "report": imported.report,
            "rejects": imported.rejects,
        }));
    }
    write!(
        ctx.out,
        "{}",
        report_text(&imported.report, &imported.rejects)
    )?;
    if args.dry_run && ctx.store.path().is_none() {
        writeln!(
            ctx.out,
            "There is no database yet: this is what an import into a new one would do, and \
             none was created."
        )?;
    }
    Ok(())
}

/// `rapport import --undo RUN`.
fn undo(ctx: &mut Context, run: i64) -> Result<()> {
    let report = ctx.store.undo_import_run(run)?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    writeln!(
        ctx.out,
        "Undid import run #{run}: deleted {} it created, put back {} it had merged into",
        crate::text::count(report.deleted, "customer", "customers"),
        crate::text::count(report.restored, "customer", "customers")
    )?;
    if !report.kept_changed.is_empty() {
        let ids: Vec<String> = report
            .kept_changed
            .iter()
            .map(|id| format!("#{id}"))
            .collect();
        writeln!(
            ctx.out,
            "Kept {} changed (or added to) since the import: {}",
            ids.len(),
            ids.join(", ")
        )?;
    }
    Ok(())
}

/// The encoding `--encoding` names, if any.
pub fn encoding_of(args: &ImportArgs) -> Result<Option<&'static encoding_rs::Encoding>> {
    args.encoding
        .as_deref()
        .map(decode::encoding_for_label)
        .transpose()
        .map_err(|e| Error::msg(format!("--encoding: {e}")))
}

fn progress_bar(total: usize) -> ProgressBar {
    if total < PROGRESS_FROM {
        return ProgressBar::hidden();
    }
    // Drawn only when stderr is a terminal.
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar.set_message("Importing");
    bar
}

fn restore(ctx: &mut Context, path: &Path, bytes: &[u8], dry_run: bool) -> Result<()> {
    if dry_run {
        return Err(Error::msg(
            "--dry-run does not apply to a backup: restore it into a new database instead",
        ));
    }
    let restored = backup::restore(&mut ctx.store, bytes)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({
            "restored_rows": restored.rows,
            "customers": restored.customers,
            "exported_at": restored.exported_at,
        }));
    }
    writeln!(
        ctx.out,
        "Restored {} ({}, {} in all{})",
        path.display(),
        crate::text::count(restored.customers, "customer", "customers"),
        crate::text::count(restored.rows, "row", "rows"),
        restored
            .exported_at
            .map(|t| format!(", exported {t}"))
            .unwrap_or_default()
    )?;
    // The backup's operators replaced this database's: say so if that leaves out
    // whoever restored it, with how to be added back.
    let me = ctx.me().login.clone();
    if ctx.store.operator_by_login(&me)?.is_none() {
        let admins: Vec<String> = ctx
            .store
            .operators()?
            .into_iter()
            .filter(|o| o.role == crate::domain::Role::Admin)
            .map(|o| o.login)
            .collect();
        eprintln!(
            "Note: the backup's operators do not include you ({me}); an admin ({}) adds you with: rapport operator add {me}",
            admins.join(", ")
        );
    }
    Ok(())
}

pub fn export(ctx: &mut Context, args: ExportArgs) -> Result<()> {
    // Refused before any file is created.
    ctx.store.require(Permission::BulkExport)?;
    // Written under a temporary name and renamed when complete: a failed export
    // leaves nothing half-written, and never touches the database.
    let mut file = match &args.output {
        Some(path) => {
            let existing = if args.force {
                Existing::Replace
            } else {
                Existing::KeepUnlessForced
            };
            let protected = ctx.store.path().map(database_files).unwrap_or_default();
            Some(AtomicFile::create(path, existing, &protected)?)
        }
        None => None,
    };
    let mut sink: Box<dyn Write> = match &mut file {
        Some(f) => Box::new(std::io::BufWriter::new(f)),
        // Stored text is exact in a file or a pipe, harmless on a terminal.
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            Box::new(super::output::TerminalText::new(&mut ctx.out))
        }
        None => Box::new(&mut ctx.out),
    };
    let count = match args.format {
        ExportFormat::Json => backup::export(&ctx.store, ctx.store.now(), &mut sink)?,
        ExportFormat::Vcard | ExportFormat::Csv => {
            let records: Vec<ContactRecord> = ctx
                .store
                .all_customers()?
                .iter()
                .map(ContactRecord::from_customer)
                .collect();
            match args.format {
                ExportFormat::Vcard => crate::io::vcard::write(&records, &mut sink)?,
                _ => crate::io::csv::write_contacts(&records, &mut sink)?,
            }
            records.len()
        }
    };
    sink.flush()?;
    drop(sink);
    if let (Some(file), Some(path)) = (file, &args.output) {
        file.commit()?;
        let what = match args.format {
            ExportFormat::Json => "rows",
            _ => "customers",
        };
        eprintln!("Wrote {} ({count} {what})", path.display());
    }
    Ok(())
}
