//! Email addresses: a practical syntax check (RFC 5321 limits, one `@`, a dotted domain).

use serde::{Deserialize, Serialize};

use super::ValidationError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let addr = text.trim();
        let bad = |why: &str| Err(ValidationError::new("email", format!("{addr:?} {why}")));
        if addr.is_empty() {
            return Err(ValidationError::new("email", "is empty"));
        }
        if addr.chars().count() > 254 {
            return bad("is longer than 254 characters");
        }
        if addr.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("contains a space or a control character");
        }
        let Some((local, domain)) = addr.rsplit_once('@') else {
            return bad("has no @");
        };
        if local.is_empty() || local.contains('@') {
            return bad("needs exactly one @ with a name before it");
        }
        if local.len() > 64 {
            return bad("has a part before @ longer than 64 characters");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return bad("has a misplaced dot before the @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return bad("needs a domain with a dot after the @ (like example.com)");
        }
        for label in &labels {
            if label.is_empty() || label.starts_with('-') || label.ends_with('-') {
                return bad("has an invalid domain after the @");
            }
            if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
                return bad("has an invalid character in the domain");
            }
        }
        Ok(Self(addr.to_string()))
    }

    /// An address read back from storage, where it was validated on the way in
    /// (rules that tighten later must not make old records unreadable).
    pub fn from_stored(address: String) -> Self {
        Self(address)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_international_addresses() {
        for ok in [
            "ada@example.com",
            "a.b+tag@mail.co.uk",
            "ivan@пример.рф",
            " x@y.io ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse(" x@y.io ").unwrap().as_str(), "x@y.io");
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "not-an-email",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@-b.com",
            "a@b..com",
            ".a@b.com",
            "a@b_c.com",
            "",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
    }
}
