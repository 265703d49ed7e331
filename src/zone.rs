//! The operator's time zone, with its daylight-saving rules: times are stored in UTC
//! and shown (and typed) in this zone. `TZ` wins, then the config file's `time_zone`,
//! then the system's zone, then UTC.

use std::sync::OnceLock;

use chrono_tz::Tz;

/// The config file's zone, set once when the command line starts.
static CONFIGURED: OnceLock<Tz> = OnceLock::new();

/// Uses `zone` (the config file's `time_zone`) wherever `TZ` names no zone. Only the
/// first call counts: the zone does not change while Rapport runs.
pub fn configure(zone: Tz) {
    let _ = CONFIGURED.set(zone);
}

/// The zone named by `TZ`, else the configured one, else the system's, else UTC.
pub fn local_zone() -> Tz {
    std::env::var("TZ")
        .ok()
        .map(|v| v.trim_start_matches(':').to_string())
        .filter(|v| !v.is_empty())
        .and_then(|name| name.parse::<Tz>().ok())
        .or_else(|| CONFIGURED.get().copied())
        .or_else(|| {
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|name| name.parse::<Tz>().ok())
        })
        .unwrap_or(Tz::UTC)
}
