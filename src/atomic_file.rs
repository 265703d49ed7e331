//! Every file Rapport writes besides its database (exports, backups, reject files)
//! goes through [`AtomicFile`]: a temporary file beside the destination, created `0600`
//! with `O_EXCL`, written, synced, checked by the caller, then renamed into place. A
//! failed or interrupted write leaves nothing under the chosen name, and nobody else
//! can read the file at any moment.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

/// What to do when the destination exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Never replace it (a backup).
    Keep,
    /// Refuse, saying that `--force` replaces it (an export without `--force`).
    KeepUnlessForced,
    /// Replace it with the new file (an export with `--force`, a reject file).
    Replace,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} exists already; choose a new name{}", path.display(), if *force { " or pass --force to replace it" } else { " (Rapport never replaces one)" })]
    Exists { path: PathBuf, force: bool },
    #[error("{} is the database {} or one of its files; Rapport never writes over it: choose another name", path.display(), database.display())]
    Database { path: PathBuf, database: PathBuf },
    #[error("{} is a symbolic link (to {}); Rapport does not write through links: name the file itself or a new one", path.display(), target.display())]
    Symlink { path: PathBuf, target: PathBuf },
    #[error("{} is not a regular file; Rapport writes only new or regular files: choose another name", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: cannot {action}: {source}{hint}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
        hint: &'static str,
    },
    /// The rename failed after the caller could no longer undo what the file goes with
    /// (an import committed): the complete file is kept under its temporary name.
    #[error("{}: cannot rename the finished file into place: {source}; it is kept as {}", dest.display(), temp.display())]
    Kept {
        dest: PathBuf,
        temp: PathBuf,
        source: io::Error,
    },
}

/// How to fix the usual causes, in a few words.
fn advice(path: &Path, e: &io::Error) -> &'static str {
    match e.kind() {
        // A directory that exists but refuses files (/proc) says "not found" too.
        ErrorKind::NotFound if path.is_dir() => " (choose a directory you may write to)",
        ErrorKind::NotFound => " (no such directory: create it first)",
        ErrorKind::PermissionDenied => " (choose a directory you may write to)",
        ErrorKind::StorageFull => " (the disk is full: free some space)",
        ErrorKind::ReadOnlyFilesystem => " (a read-only file system: choose another place)",
        _ => "",
    }
}

fn io_error<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> FileError + 'a {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        action,
        hint: advice(path, &source),
        source,
    }
}

/// A file being written: its temporary file is removed on drop unless committed.
#[derive(Debug)]
pub struct AtomicFile {
    dest: PathBuf,
    temp: PathBuf,
    file: File,
    existing: Existing,
    done: bool,
}

/// Attempts at a free temporary name before giving up (names are random).
const TEMP_ATTEMPTS: u32 = 16;

/// Characters of the destination's name kept in the temporary file's name.
const TEMP_NAME_CHARS: usize = 48;

impl AtomicFile {
    /// Starts writing `dest`: refuses a destination that is one of `protected` (the
    /// database and its `-wal`/`-shm`/`-journal`, through links too), a symbolic link,
    /// or anything but a regular file, and an existing file unless `existing` is
    /// `Replace`; then creates the temporary file.
    pub fn create(
        dest: &Path,
        existing: Existing,
        protected: &[PathBuf],
    ) -> Result<Self, FileError> {
        refuse_protected(dest, protected)?;
        match std::fs::symlink_metadata(dest) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(dest).unwrap_or_default();
                return Err(FileError::Symlink {
                    path: dest.to_path_buf(),
                    target,
                });
            }
            Ok(meta) if !meta.is_file() => {
                return Err(FileError::NotAFile {
                    path: dest.to_path_buf(),
                });
            }
            Ok(_) => refuse_existing(dest, existing)?,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(dest, "inspect it")(e)),
        }
        let (temp, file) = create_temp(dest)?;
        Ok(Self {
            dest: dest.to_path_buf(),
            temp,
            file,
            existing,
            done: false,
        })
    }

    /// The temporary file, for writers that open it themselves (SQLite).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Writes everything to the disk, so a later rename cannot expose a file that is
    /// not all there.
    pub fn sync(&mut self) -> Result<(), FileError> {
        self.file.flush().map_err(io_error(&self.temp, "write"))?;
        self.file.sync_all().map_err(io_error(&self.temp, "write"))
    }

    /// Syncs the file and puts it in place under its name; on failure the temporary
    /// file is removed and nothing is under the name.
    pub fn commit(mut self) -> Result<(), FileError> {
        self.sync()?;
        self.put_in_place()
    }

    /// Like `commit`, but a failed rename keeps the finished file under its temporary
    /// name (and says where): for a file that goes with a change already committed.
    pub fn commit_or_keep(mut self) -> Result<(), FileError> {
        self.sync()?;
        match self.put_in_place() {
            Err(FileError::Io { source, .. }) => {
                self.done = true;
                Err(FileError::Kept {
                    dest: self.dest.clone(),
                    temp: self.temp.clone(),
                    source,
                })
            }
            other => other,
        }
    }

    fn put_in_place(&mut self) -> Result<(), FileError> {
        match self.existing {
            Existing::Replace => std::fs::rename(&self.temp, &self.dest)
                .map_err(io_error(&self.dest, "rename the finished file into place"))?,
            Existing::Keep | Existing::KeepUnlessForced => self.link_new()?,
        }
        self.done = true;
        sync_dir(&self.dest);
        Ok(())
    }

    /// Gives the temporary file its name only if that name is still free: a file that
    /// appeared meanwhile is not replaced.
    fn link_new(&mut self) -> Result<(), FileError> {
        match std::fs::hard_link(&self.temp, &self.dest) {
            Ok(()) => {
                let _ = std::fs::remove_file(&self.temp);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                refuse_existing(&self.dest, self.existing)
            }
            // File systems without hard links: checked, then renamed.
            Err(_) => {
                if std::fs::symlink_metadata(&self.dest).is_ok() {
                    return refuse_existing(&self.dest, self.existing);
                }
                std::fs::rename(&self.temp, &self.dest)
                    .map_err(io_error(&self.dest, "rename the finished file into place"))
            }
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn refuse_existing(dest: &Path, existing: Existing) -> Result<(), FileError> {
    match existing {
        Existing::Replace => Ok(()),
        Existing::Keep | Existing::KeepUnlessForced => Err(FileError::Exists {
            path: dest.to_path_buf(),
            force: existing == Existing::KeepUnlessForced,
        }),
    }
}

/// The database file and the files SQLite keeps beside it (beside the file a link
/// names, as SQLite resolves links).
pub fn database_files(db: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let real = std::fs::canonicalize(db).ok();
    for db in std::iter::once(db).chain(real.as_deref()) {
        files.push(db.to_path_buf());
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
    }
    files
}

/// Refuses `dest` if it names one of `protected`: the same path once the directories
/// (and a link at the end) are resolved, or the same file (device and inode).
fn refuse_protected(dest: &Path, protected: &[PathBuf]) -> Result<(), FileError> {
    let dest_names = resolved_names(dest);
    let dest_id = file_id(dest);
    for p in protected {
        let same_name = resolved_names(p).iter().any(|n| dest_names.contains(n));
        let same_file = dest_id.is_some() && file_id(p) == dest_id;
        if same_name || same_file {
            return Err(FileError::Database {
                path: dest.to_path_buf(),
                database: protected.first().cloned().unwrap_or_default(),
            });
        }
    }
    Ok(())
}

/// `path` with its directory resolved, and also with a link at its end resolved.
fn resolved_names(path: &Path) -> Vec<PathBuf> {
    let mut names = Vec::new();
    if let Ok(full) = std::fs::canonicalize(path) {
        names.push(full);
    }
    if let (Some(name), Some(dir)) = (path.file_name(), parent_of(path)) {
        if let Ok(dir) = std::fs::canonicalize(dir) {
            names.push(dir.join(name));
        }
    }
    names
}

fn parent_of(path: &Path) -> Option<&Path> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(Path::new(".")),
        other => other,
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// A new file beside `dest`, `.NAME.PID-RANDOM.tmp`, only its owner may read.
fn create_temp(dest: &Path) -> Result<(PathBuf, File), FileError> {
    let name = dest
        .file_name()
        .ok_or_else(|| FileError::NotAFile {
            path: dest.to_path_buf(),
        })?
        .to_string_lossy()
        .chars()
        // Room for the suffix within the usual 255-byte limit on a name.
        .take(TEMP_NAME_CHARS)
        .collect::<String>();
    let dir = parent_of(dest).unwrap_or(Path::new("."));
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let temp = dir.join(format!(
            ".{name}.{}-{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        match private_new_file(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_error(dir, "create a file in it")(e)),
        }
    }
    let e = last.unwrap_or_else(|| io::Error::from(ErrorKind::AlreadyExists));
    Err(io_error(dir, "create a file in it")(e))
}

/// `O_CREAT | O_EXCL`, mode 0600 whatever the umask.
#[cfg(unix)]
fn private_new_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // The umask can only have taken bits away; this puts back exactly 0600.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(not(unix))]
fn private_new_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Makes a rename durable; a failure only risks the name, never the data.
#[cfg(unix)]
fn sync_dir(dest: &Path) {
    if let Some(dir) = parent_of(dest)
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dest: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_committed_file_appears_whole_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&dest, Existing::Keep, &[]).unwrap();
        f.write_all(b"a,b\r\n").unwrap();
        // Nothing under the name yet; the temporary file is private from the start.
        assert!(!dest.exists());
        #[cfg(unix)]
        assert_eq!(mode(f.temp_path()), 0o600);
        let temp = f.temp_path().to_path_buf();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"a,b\r\n");
        assert!(!temp.exists());
        assert_eq!(entries(dir.path()), vec!["out.csv"]);
        #[cfg(unix)]
        assert_eq!(mode(&dest), 0o600);
    }

    #[test]
    fn a_file_dropped_before_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&dest, Existing::Replace, &[]).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        std::fs::write(&dest, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let e = AtomicFile::create(&dest, Existing::KeepUnlessForced, &[]).unwrap_err();
        assert!(
            e.to_string()
                .contains("exists already; choose a new name or pass --force"),
            "{e}"
        );
        let e = AtomicFile::create(&dest, Existing::Keep, &[]).unwrap_err();
        assert!(e.to_string().contains("never replaces"), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        let mut f = AtomicFile::create(&dest, Existing::Replace, &[]).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        #[cfg(unix)]
        assert_eq!(mode(&dest), 0o600, "a new file, not the old one's mode");
        assert_eq!(entries(dir.path()), vec!["out.csv"]);
    }

    #[test]
    fn a_file_that_appears_while_writing_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("copy.db");
        let mut f = AtomicFile::create(&dest, Existing::Keep, &[]).unwrap();
        f.write_all(b"mine").unwrap();
        std::fs::write(&dest, "theirs").unwrap();
        let e = f.commit().unwrap_err();
        assert!(matches!(e, FileError::Exists { .. }), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"theirs");
        assert_eq!(entries(dir.path()), vec!["copy.db"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_and_the_database_are_refused_even_when_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rapport.db");
        std::fs::write(&db, "database").unwrap();
        let protected = database_files(&db);
        let refused =
            |dest: &Path| AtomicFile::create(dest, Existing::Replace, &protected).unwrap_err();
        assert!(matches!(refused(&db), FileError::Database { .. }));
        // Its WAL, whether or not it exists yet, and the same path spelled otherwise.
        assert!(matches!(
            refused(&dir.path().join("rapport.db-wal")),
            FileError::Database { .. }
        ));
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(matches!(
            refused(&sub.join("../rapport.db")),
            FileError::Database { .. }
        ));
        // Through a symbolic link, and a hard link.
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        assert!(matches!(refused(&link), FileError::Database { .. }));
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&db, &hard).unwrap();
        assert!(matches!(refused(&hard), FileError::Database { .. }));
        // A link to anything else is not followed either.
        let other = dir.path().join("other.txt");
        std::fs::write(&other, "other").unwrap();
        let to_other = dir.path().join("to-other.csv");
        std::os::unix::fs::symlink(&other, &to_other).unwrap();
        let e = refused(&to_other);
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        assert!(matches!(refused(&sub), FileError::NotAFile { .. }));
        assert_eq!(std::fs::read(&db).unwrap(), b"database");
        assert_eq!(std::fs::read(&other).unwrap(), b"other");
    }

    #[test]
    fn a_missing_directory_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("nowhere/out.csv");
        let e = AtomicFile::create(&dest, Existing::Keep, &[]).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("nowhere") && text.contains("create it first"),
            "{text}"
        );
    }
}
