//! Who runs this process. On SQLite the operator is the login of the process's real
//! user id, read from the password database; `$USER` and `$LOGNAME` are whatever the
//! caller set and are never trusted.
//!
//! `--as LOGIN` (or `RAPPORT_AS`) lets someone who could rewrite the database file
//! anyway act as another operator: root, and the file's owner (who can `chmod` it and
//! change it with `sqlite3`). Admin scripts and the test suite use it; everyone else is
//! refused.

use std::path::Path;

use crate::domain::operator::check_login;
use crate::{Error, Result};

/// The login the operator of this process signs in with.
pub fn operator_login(acting_as: Option<&str>, db: &Path) -> Result<String> {
    let real = RealUser::current();
    match acting_as {
        None => real.login(),
        Some(other) => {
            check_login(other).map_err(|e| Error::msg(format!("--as: {}", e.reason)))?;
            if real.may_act_as_anyone(db) {
                Ok(other.to_string())
            } else {
                Err(Error::msg(format!(
                    "--as {}: only root or the owner of {} may act as another operator; you are {} (unset RAPPORT_AS to work as yourself)",
                    crate::text::for_terminal(other),
                    db.display(),
                    real.describe()
                )))
            }
        }
    }
}

/// The login the operator signs in with on a PostgreSQL server: the role the server
/// authenticated (`session_user`, by peer, SCRAM or certificate), never a variable
/// of the caller's. `--as` is for a role that could change the whole database anyway
/// (`privileged`: a superuser, or the owner of Rapport's tables), as root and the
/// file's owner on SQLite.
pub fn server_operator_login(
    acting_as: Option<&str>,
    role: &str,
    privileged: bool,
) -> Result<String> {
    let own = || {
        check_login(role).map(|()| role.to_string()).map_err(|e| {
            Error::msg(format!(
                "the server signed you in as role {}, which cannot name an operator: {}",
                crate::text::for_terminal(role),
                e.reason
            ))
        })
    };
    match acting_as {
        None => own(),
        Some(other) => {
            check_login(other).map_err(|e| Error::msg(format!("--as: {}", e.reason)))?;
            if privileged {
                Ok(other.to_string())
            } else {
                Err(Error::msg(format!(
                    "--as {}: on PostgreSQL you are the role the server signed you in as ({}); only a superuser or the owner of Rapport's tables may act as another operator (unset RAPPORT_AS to work as yourself)",
                    crate::text::for_terminal(other),
                    crate::text::for_terminal(role),
                )))
            }
        }
    }
}

/// The real user id of this process, and its entry in the password database.
struct RealUser {
    uid: u32,
    name: Option<String>,
}

impl RealUser {
    #[cfg(unix)]
    fn current() -> Self {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name);
        Self {
            uid: uid.as_raw(),
            name,
        }
    }

    #[cfg(not(unix))]
    fn current() -> Self {
        Self {
            uid: 0,
            name: std::env::var("USERNAME").ok(),
        }
    }

    fn login(&self) -> Result<String> {
        let Some(name) = &self.name else {
            return Err(Error::msg(format!(
                "your user id {} has no entry in the password database, so Rapport cannot tell who you are; \
                 ask the system's administrator to add one (getent passwd {} shows it)",
                self.uid, self.uid
            )));
        };
        check_login(name)
            .map_err(|e| Error::msg(format!("your login cannot name an operator: {}", e.reason)))?;
        Ok(name.clone())
    }

    fn describe(&self) -> String {
        match &self.name {
            Some(n) => crate::text::for_terminal(n).into_owned(),
            None => format!("user id {}", self.uid),
        }
    }

    /// Root of this machine (not of a user namespace someone made for themselves), or
    /// the owner of the database file, or whoever is about to create it.
    fn may_act_as_anyone(&self, db: &Path) -> bool {
        if self.uid == 0 && initial_user_namespace() {
            return true;
        }
        owner_of(db).is_none_or(|owner| owner == self.uid)
    }
}

/// The owner of `db`, or of the directory it will be created in; `None` when neither
/// exists yet (the database will be the caller's own).
#[cfg(unix)]
fn owner_of(db: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(db).ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn owner_of(_db: &Path) -> Option<u32> {
    None
}

/// Whether this process sees every user id as it is (`0 0 4294967295`): `unshare -r`
/// makes anyone "root" of a namespace of their own.
fn initial_user_namespace() -> bool {
    match std::fs::read_to_string("/proc/self/uid_map") {
        Ok(map) => {
            let fields: Vec<&str> = map.split_whitespace().collect();
            fields == ["0", "0", "4294967295"]
        }
        // No /proc (or not Linux): uid 0 is root.
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uid_without_a_password_entry_is_refused() {
        let nobody = RealUser {
            uid: 4_000_123,
            name: None,
        };
        let e = nobody.login().unwrap_err().to_string();
        assert!(e.contains("user id 4000123 has no entry"), "{e}");
    }

    #[test]
    fn a_login_with_spaces_or_control_characters_is_refused() {
        for bad in [" boss ", "bo\u{7}ss"] {
            let user = RealUser {
                uid: 1000,
                name: Some(bad.into()),
            };
            let e = user.login().unwrap_err().to_string();
            assert!(e.contains("cannot name an operator"), "{e}");
            assert!(!e.contains('\u{7}'), "{e}");
        }
    }

    #[test]
    fn only_root_or_the_files_owner_acts_as_someone_else() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(&db, b"").unwrap();
        let mine = RealUser::current();
        // The file's owner may; a stranger to it may not.
        assert!(mine.may_act_as_anyone(&db));
        let stranger = RealUser {
            uid: mine.uid + 4_000_000,
            name: Some("mallory".into()),
        };
        assert!(!stranger.may_act_as_anyone(&db));
        // A database not created yet will be the caller's own.
        assert!(stranger.may_act_as_anyone(&dir.path().join("new.db")));
    }
}
