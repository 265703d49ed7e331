//! Operators: the people who use Rapport, and the role that limits what each may do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::customer::string_enum;

string_enum!(
    /// Access level: admin (everything), manager (all customers and deals), agent (own records).
    Role { Admin = "admin", Manager = "manager", Agent = "agent" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The longest login accepted (Linux allows 32; PostgreSQL role names 63 bytes).
pub const LOGIN_MAX: usize = 63;

/// Checks a login as it is written: no spaces, no control or direction-changing
/// characters (a login is shown in refusals and the audit trail, and `boss` and
/// ` boss ` must never be two people), at most [`LOGIN_MAX`] bytes.
pub fn check_login(login: &str) -> Result<(), ValidationError> {
    let refuse = |why: String| Err(ValidationError::new("login", why));
    if login.is_empty() {
        return refuse("a login cannot be empty".into());
    }
    if login.len() > LOGIN_MAX {
        return refuse(format!(
            "a login has at most {LOGIN_MAX} bytes; this one has {}",
            login.len()
        ));
    }
    if let Some(c) = login.chars().find(|&c| !login_char(c)) {
        let what = if c.is_whitespace() {
            "a space"
        } else {
            "a control character"
        };
        return refuse(format!(
            "{:?} holds {what} (U+{:04X}); logins are one word of letters, digits, '.', '-' or '_'",
            crate::text::for_terminal(login),
            u32::from(c)
        ));
    }
    Ok(())
}

fn login_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_one_word_without_control_characters() {
        for ok in ["sara", "omid.karimi", "o_k-2", "سارا", "пётр"] {
            assert!(check_login(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " boss ",
            "bo ss",
            "boss\n",
            "bo\u{1b}[31mss",
            "boss\u{202E}",
            "a\u{a0}b",
        ] {
            let e = check_login(bad).unwrap_err();
            assert_eq!(e.field, "login", "{bad:?}");
            assert!(!e.reason.contains('\u{1b}'), "{}", e.reason);
        }
        assert!(check_login(&"a".repeat(64)).is_err());
    }
}
