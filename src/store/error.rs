use std::path::{Path, PathBuf};

use crate::domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Denied(#[from] crate::domain::access::Denied),
    #[error("{entity} #{id} does not exist")]
    NotFound { entity: &'static str, id: i64 },
    #[error(
        "{entity} #{id} was changed by someone else since it was read (now version {current}); reload and try again"
    )]
    Conflict {
        entity: &'static str,
        id: i64,
        current: i64,
    },
    #[error("{}: not a Rapport database ({why}); the file was not modified", path.display())]
    NotRapport { path: PathBuf, why: String },
    #[error("{}: written by a newer Rapport (schema {found}; this build knows up to {known}); upgrade Rapport to open it", path.display())]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
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
    #[error("{0}")]
    Message(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
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

    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid(ValidationError::new(field, reason))
    }
}
