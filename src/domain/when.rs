//! Dates and times as operators type them, resolved against a given "now" in the
//! operator's time zone and stored in UTC.

use chrono::{
    DateTime, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};

use super::ValidationError;

const HINT: &str = "use YYYY-MM-DD, YYYY-MM-DD HH:MM, today, tomorrow, now, or +N (minutes m, hours h, days d, weeks w)";

/// Parses a calendar date: `YYYY-MM-DD`, `today`, `tomorrow`, `yesterday`, `+Nd`, `+Nw`.
pub fn parse_date<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
) -> Result<NaiveDate, ValidationError> {
    let t = text.trim().to_lowercase();
    let today = now.date_naive();
    let bad = || {
        ValidationError::new(
            field,
            format!(
                "{:?} is not a date; use YYYY-MM-DD, today, tomorrow or +N days (+3d, +2w)",
                text.trim()
            ),
        )
    };
    match t.as_str() {
        "today" => return Ok(today),
        "tomorrow" => return today.checked_add_days(Days::new(1)).ok_or_else(bad),
        "yesterday" => return today.checked_sub_days(Days::new(1)).ok_or_else(bad),
        _ => {}
    }
    if let Some(offset) = relative_offset(&t) {
        let offset = offset.ok_or_else(bad)?;
        if offset.num_seconds() % 86_400 != 0 {
            return Err(bad());
        }
        return today.checked_add_signed(offset).ok_or_else(bad);
    }
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| bad())
}

/// Parses a point in time: anything `parse_date` takes (at the start of the day, or at
/// the current time for relative day offsets), `now`, `YYYY-MM-DD HH:MM`, `tomorrow 10:00`,
/// `+2h`, `+30m`. The result is in UTC.
pub fn parse_datetime<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
) -> Result<DateTime<Utc>, ValidationError> {
    let t = text.trim().to_lowercase();
    let bad = |why: &str| ValidationError::new(field, format!("{:?} {why}", text.trim()));
    if t == "now" {
        return Ok(now.with_timezone(&Utc));
    }
    if let Some(offset) = relative_offset(&t) {
        let offset = offset.ok_or_else(|| bad(&format!("is not a time; {HINT}")))?;
        return Ok(now.with_timezone(&Utc) + offset);
    }
    let (day_part, time_part) = match t.rsplit_once(' ') {
        Some((d, tm)) if tm.contains(':') => (d.trim(), Some(tm)),
        _ => (t.as_str(), None),
    };
    if let Ok(naive) = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S") {
        return local_to_utc(field, &now.timezone(), naive);
    }
    let date =
        parse_date(field, day_part, now).map_err(|_| bad(&format!("is not a time; {HINT}")))?;
    let time = match time_part {
        Some(tm) => NaiveTime::parse_from_str(tm, "%H:%M")
            .map_err(|_| bad("has a time that is not HH:MM (24-hour)"))?,
        None => NaiveTime::MIN,
    };
    local_to_utc(field, &now.timezone(), date.and_time(time))
}

/// A wall-clock time in `tz` as UTC. In a DST gap the time does not exist and is
/// refused; in an overlap the earlier instant is used.
pub fn local_to_utc<Tz: TimeZone>(
    field: &str,
    tz: &Tz,
    naive: NaiveDateTime,
) -> Result<DateTime<Utc>, ValidationError> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(early, _) => Ok(early.with_timezone(&Utc)),
        LocalResult::None => Err(ValidationError::new(
            field,
            format!(
                "{naive} does not exist in the local time zone (a daylight-saving change skips it)"
            ),
        )),
    }
}

/// `+3d`, `+2w`, `+4h`, `+30m`: `None` when the text is not relative at all,
/// `Some(None)` when it is but the number is bad.
fn relative_offset(t: &str) -> Option<Option<Duration>> {
    let rest = t.strip_prefix('+')?;
    let unit = rest.chars().last()?;
    let n: i64 = match rest[..rest.len() - unit.len_utf8()].trim().parse() {
        Ok(n) if (0..=36_500).contains(&n) => n,
        _ => return Some(None),
    };
    Some(match unit {
        'm' => Some(Duration::minutes(n)),
        'h' => Some(Duration::hours(n)),
        'd' => Some(Duration::days(n)),
        'w' => Some(Duration::weeks(n)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn now() -> DateTime<FixedOffset> {
        // 2026-11-23 23:30 at UTC+03:30 (Tehran)
        FixedOffset::east_opt(3 * 3600 + 1800)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 23, 23, 30, 0)
            .unwrap()
    }

    #[test]
    fn dates() {
        let n = now();
        assert_eq!(
            parse_date("d", "today", &n).unwrap().to_string(),
            "2026-11-23"
        );
        assert_eq!(
            parse_date("d", "Tomorrow", &n).unwrap().to_string(),
            "2026-11-24"
        );
        assert_eq!(
            parse_date("d", "+2w", &n).unwrap().to_string(),
            "2026-12-07"
        );
        assert_eq!(
            parse_date("d", "2027-02-28", &n).unwrap().to_string(),
            "2027-02-28"
        );
        for bad in ["2027-02-30", "1/12", "soon", "+3h", "+xd"] {
            assert_eq!(
                parse_date("close", bad, &n).unwrap_err().field,
                "close",
                "{bad}"
            );
        }
    }

    #[test]
    fn times_resolve_in_local_zone_and_store_utc() {
        let n = now();
        // "tomorrow 10:00" typed at 23:30 local is the next local day.
        let t = parse_datetime("due", "tomorrow 10:00", &n).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T06:30:00+00:00");
        assert_eq!(
            parse_datetime("due", "2026-12-01 14:30", &n)
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T11:00:00+00:00"
        );
        assert_eq!(
            parse_datetime("due", "+2h", &n).unwrap(),
            n.with_timezone(&Utc) + Duration::hours(2)
        );
        assert!(
            parse_datetime("due", "tomorrow 25:00", &n)
                .unwrap_err()
                .reason
                .contains("HH:MM")
        );
        assert!(parse_datetime("due", "whenever", &n).is_err());
    }
}
