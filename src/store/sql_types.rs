//! Conversions between domain values and SQLite columns.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::audit::AuditAction;
use crate::domain::{
    CustomerKind, CustomerStatus, Direction, InteractionKind, KpiGroup, KpiUnit, Period, PhoneKind,
    Role, StageOutcome,
};

/// Timestamps are stored as UTC seconds since the epoch.
pub fn from_secs(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

pub fn opt_from_secs(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.map(from_secs)
}

/// Calendar dates are stored as `YYYY-MM-DD` text.
pub fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

pub fn parse_date_text(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

macro_rules! text_enum_sql {
    ($($ty:ty),+) => {$(
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                <$ty>::parse(stringify!($ty), text).map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    )+};
}

text_enum_sql!(
    AuditAction,
    CustomerKind,
    CustomerStatus,
    Direction,
    InteractionKind,
    KpiGroup,
    KpiUnit,
    Period,
    Role,
    StageOutcome
);

impl ToSql for PhoneKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for PhoneKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        PhoneKind::parse(value.as_str()?)
            .ok_or_else(|| FromSqlError::Other("unknown phone kind".into()))
    }
}
