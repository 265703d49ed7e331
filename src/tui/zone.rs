//! The operator's time zone, with its daylight-saving rules: times are stored in UTC
//! and shown (and typed) in this zone.

use chrono_tz::Tz;

/// The zone named by `TZ`, else the system's, else UTC.
pub fn local_zone() -> Tz {
    std::env::var("TZ")
        .ok()
        .map(|v| v.trim_start_matches(':').to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| iana_time_zone::get_timezone().ok())
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}
