use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};

use crate::domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Denied(#[from] crate::domain::access::Denied),
    #[error(
        "{login} is not an operator of this database; an admin ({}) adds you with: rapport operator add {login} --role agent",
        admins.join(", ")
    )]
    NotAnOperator { login: String, admins: Vec<String> },
    #[error("{entity} #{id} does not exist")]
    NotFound { entity: &'static str, id: i64 },
    /// A change to a follow-up that was marked done: only open ones move.
    #[error("follow-up #{id} ({}) is done since {}, so it cannot be {verb}; add a new follow-up instead", shorten(note), local_time(*done_at))]
    FollowUpDone {
        id: i64,
        note: String,
        done_at: DateTime<Utc>,
        /// What was refused: `snoozed`, `rescheduled`, `assigned`, `marked done again`.
        verb: &'static str,
    },
    /// A save against a version someone else has replaced since it was read.
    #[error("{entity} #{id} was changed by {} at {} — reload?", by.as_deref().unwrap_or("someone else"), local_time(*at))]
    Conflict {
        entity: &'static str,
        id: i64,
        /// The version stored now.
        current: i64,
        /// Who saved it, from the audit trail.
        by: Option<String>,
        at: DateTime<Utc>,
    },
    /// An undo refused: `what` is the change, `why` what stands in its way.
    #[error("not undone: {what}: {why}; nothing was changed")]
    NotUndone {
        what: String,
        why: crate::domain::undo::Blocked,
    },
    #[error("{}: not a Rapport database ({why}); the file was not modified", path.display())]
    NotRapport { path: PathBuf, why: String },
    #[error("{}: written by a newer Rapport (schema {found}; this build knows up to {known}); upgrade Rapport to open it", path.display())]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{}: not restored, this copy does not check out: {}; nothing changed. Restore another backup (`rapport doctor FILE` checks one)", path.display(), problems.join("; "))]
    DamagedCopy {
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("the backup did not check out ({}), so no file was left at {}; run `rapport doctor` on the database, then try again", problems.join("; "), path.display())]
    BackupFailedCheck {
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("{}: cannot open the database: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] crate::atomic_file::FileError),
    #[error("{0}")]
    Message(String),
    #[error("the disk holding {} is full, so nothing of this change was saved; free some space there and try again", .0.display())]
    DiskFull(PathBuf),
    #[error(
        "{}: Rapport cannot write here: the database file and its folder {} must be writable for you, even to read it (SQLite keeps its -wal and -shm files beside it); ask for write access, or work on a copy",
        path.display(),
        dir.display()
    )]
    ReadOnly { path: PathBuf, dir: PathBuf },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot connect to PostgreSQL at {target}: {}", postgres_message(.source))]
    Connect {
        target: String,
        source: postgres::Error,
    },
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
}

/// PostgreSQL's own message (with its detail), not only "db error".
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// Less than a megabyte left for this user: a write failing with an I/O error there
/// ran out of space.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // the field types differ between platforms
fn disk_is_full(dir: &Path) -> bool {
    nix::sys::statvfs::statvfs(dir).is_ok_and(|s| {
        (s.blocks_available() as u64).saturating_mul(s.fragment_size() as u64) < 1 << 20
    })
}

#[cfg(not(unix))]
fn disk_is_full(_dir: &Path) -> bool {
    false
}

/// Which rule of the schema refused a write, on either server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A reference to a row that does not exist (or a delete of one still referred to).
    ForeignKey,
    /// A value another row already has.
    Unique,
    /// A `CHECK` or `NOT NULL`, with the server's words.
    Other(String),
}

impl StoreError {
    /// The schema rule this error is, if it is one.
    pub(crate) fn refusal(&self) -> Option<Refusal> {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, detail))
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let detail = detail.as_deref().unwrap_or("");
                Some(if detail.contains("FOREIGN KEY") {
                    Refusal::ForeignKey
                } else if detail.contains("UNIQUE") {
                    Refusal::Unique
                } else {
                    Refusal::Other(detail.to_owned())
                })
            }
            StoreError::Postgres(e) => {
                use postgres::error::SqlState;
                let db = e.as_db_error()?;
                match db.code() {
                    c if *c == SqlState::FOREIGN_KEY_VIOLATION => Some(Refusal::ForeignKey),
                    c if *c == SqlState::UNIQUE_VIOLATION => Some(Refusal::Unique),
                    c if *c == SqlState::CHECK_VIOLATION || *c == SqlState::NOT_NULL_VIOLATION => {
                        Some(Refusal::Other(db.message().to_owned()))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub(crate) fn open(path: &Path, source: rusqlite::Error) -> Self {
        Self::Open {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// SQLite's "database is locked": another connection held a lock too long.
    pub fn is_busy(&self) -> bool {
        let source = match self {
            StoreError::Sqlite(e) | StoreError::Open { source: e, .. } => e,
            _ => return false,
        };
        matches!(source, rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }

    /// SQLite's "database or disk is full", "disk I/O error" on a full disk and
    /// "attempt to write a readonly database" said so that an operator knows what to do.
    pub(crate) fn explained(self, db: Option<&Path>) -> Self {
        let code = match &self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            | StoreError::Open {
                source: rusqlite::Error::SqliteFailure(f, _),
                ..
            } => f.code,
            _ => return self,
        };
        let Some(db) = db else { return self };
        let dir = match db.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => d.to_path_buf(),
            None => PathBuf::from("."),
        };
        match code {
            rusqlite::ErrorCode::DiskFull => StoreError::DiskFull(dir),
            rusqlite::ErrorCode::SystemIoFailure if disk_is_full(&dir) => StoreError::DiskFull(dir),
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen => {
                StoreError::ReadOnly {
                    path: db.to_path_buf(),
                    dir,
                }
            }
            _ => self,
        }
    }

    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid(ValidationError::new(field, reason))
    }
}

/// At most 40 characters of `text`, ending with "…" when cut.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_string(),
    }
}

/// "14:02" today, "Mon 23 Nov 14:02" another day this year, "Tue 2 Jun 2026 02:47"
/// in another year, in the operator's time zone.
fn local_time(at: DateTime<Utc>) -> String {
    local_time_from(at, Utc::now(), crate::zone::local_zone())
}

fn local_time_from(at: DateTime<Utc>, now: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    let (at, now) = (at.with_timezone(&zone), now.with_timezone(&zone));
    if at.date_naive() == now.date_naive() {
        at.format("%H:%M").to_string()
    } else if at.year() == now.year() {
        at.format("%a %-d %b %H:%M").to_string()
    } else {
        at.format("%a %-d %b %Y %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_conflict_time_shows_the_year_when_it_is_not_this_year() {
        let now = utc("2026-11-23T10:00:00Z");
        let zone = chrono_tz::UTC;
        assert_eq!(
            local_time_from(utc("2026-11-23T08:15:00Z"), now, zone),
            "08:15"
        );
        assert_eq!(
            local_time_from(utc("2026-06-02T02:47:00Z"), now, zone),
            "Tue 2 Jun 02:47"
        );
        assert_eq!(
            local_time_from(utc("2025-06-02T02:47:00Z"), now, zone),
            "Mon 2 Jun 2025 02:47"
        );
        assert_eq!(
            local_time_from(utc("2027-01-04T09:00:00Z"), now, zone),
            "Mon 4 Jan 2027 09:00"
        );
    }
}
