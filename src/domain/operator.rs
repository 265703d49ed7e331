//! Operators: the people who use Rapport, and the role that limits what each may do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// The login of whoever runs this process: `$USER`, else `$LOGNAME`, else `operator`.
pub fn os_login() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "operator".to_string())
}
