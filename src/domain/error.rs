//! Validation errors: every refusal names the field and the reason.

use std::fmt;

/// Input that breaks a domain rule. Displayed as `field: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ValidationError {}

/// Checks a required free-text field: trimmed, non-empty, within `max` characters,
/// never silently truncated.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let mut text = value.trim().to_string();
    trim_required(field, &mut text, max)?;
    Ok(text)
}

/// `required_text` in place: trims `value` (allocating only when there is something
/// to trim) and checks it.
pub fn trim_required(field: &str, value: &mut String, max: usize) -> Result<(), ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(
            field,
            "is required and cannot be empty",
        ));
    }
    check_length(field, trimmed, max)?;
    if trimmed.len() != value.len() {
        *value = trimmed.to_string();
    }
    Ok(())
}

/// `optional_text` in place: blank becomes `None`.
pub fn trim_optional(
    field: &str,
    value: &mut Option<String>,
    max: usize,
) -> Result<(), ValidationError> {
    let Some(v) = value else { return Ok(()) };
    let trimmed = v.trim();
    if trimmed.is_empty() {
        *value = None;
        return Ok(());
    }
    check_length(field, trimmed, max)?;
    if trimmed.len() != v.len() {
        *v = trimmed.to_string();
    }
    Ok(())
}

/// An optional free-text field: blank becomes `None`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    let mut text = value.map(|v| v.trim().to_string());
    trim_optional(field, &mut text, max)?;
    Ok(text)
}

fn check_length(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len > max {
        return Err(ValidationError::new(
            field,
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_refuses_blank() {
        assert_eq!(required_text("name", "  Ada ", 10).unwrap(), "Ada");
        let err = required_text("name", "   ", 10).unwrap_err();
        assert_eq!(err.field, "name");
        assert!(err.to_string().contains("required"));
    }

    #[test]
    fn long_text_is_refused_not_truncated() {
        let err = required_text("name", "abcdef", 5).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name: is 6 characters long; the limit is 5"
        );
        assert_eq!(optional_text("note", Some("  "), 5).unwrap(), None);
    }
}
