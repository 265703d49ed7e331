//! Dates and times as operators type them, resolved against a given "now" in the
//! operator's time zone and stored in UTC.
//!
//! Days: `today`, `tomorrow`, `yesterday`, a weekday (`fri`, `friday`: the next one after
//! today), `next friday` (the Friday of next week, weeks starting on Monday), `+3d`, `+2w`,
//! `in 3 days`, `in 2 weeks`, `YYYY-MM-DD`. Times: `now`, `+30m`, `+2h`, `in 2 hours`,
//! `in 45 minutes`, back in time `-2h`, `-3d`, `2 hours ago`, or a day followed by `HH:MM`, `H:MMam`, `10am`, `3pm` (a time alone
//! means today). `1/12` and other slash or dot dates are refused as ambiguous: is it the
//! first of December or the twelfth of January?

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc, Weekday,
};

use super::ValidationError;

/// The last day Rapport keeps: dates are written and read with four-digit years, so
/// one after 9999 could not be read back.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => panic!("9999-12-31 is a date"),
};

/// The last instant Rapport keeps: the end of [`LAST_DAY`], UTC.
pub const LAST_INSTANT: DateTime<Utc> = match LAST_DAY.and_hms_opt(23, 59, 59) {
    Some(t) => t.and_utc(),
    None => panic!("23:59:59 is a time"),
};

const HINT: &str = "use a day (today, tomorrow, fri, next fri, +3d, in 2 weeks, YYYY-MM-DD), \
                    optionally with a time (10:00, 3pm), or now, +2h, in 30 minutes";

/// Parses a calendar date (see the module documentation for the forms).
pub fn parse_date<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
) -> Result<NaiveDate, ValidationError> {
    let t = normalise(text);
    let bad = |why: String| ValidationError::new(field, format!("{:?} {why}", text.trim()));
    refuse_ambiguous(&t).map_err(&bad)?;
    match day(&t, now.date_naive()) {
        Some(Some(date)) => Ok(date),
        Some(None) => Err(bad(format!("is not a usable date; {HINT}"))),
        None => Err(bad(format!("is not a date; {HINT}"))),
    }
}

/// Parses a point in time (see the module documentation for the forms). A day without
/// a time means the start of that day. The result is in UTC.
pub fn parse_datetime<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
) -> Result<DateTime<Utc>, ValidationError> {
    let t = normalise(text);
    let bad = |why: String| ValidationError::new(field, format!("{:?} {why}", text.trim()));
    if t == "now" {
        return Ok(now.with_timezone(&Utc));
    }
    refuse_ambiguous(&t).map_err(&bad)?;
    if let Ok(naive) = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dt%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dt%H:%M:%S"))
    {
        return local_to_utc(field, &now.timezone(), naive);
    }
    let today = now.date_naive();
    // A trailing time of day, if any: "tomorrow 10:00", "fri 3pm", "+1w 10:00", "14:30".
    let (day_text, time) = match t.rsplit_once(' ') {
        Some((d, tm)) if looks_like_time(tm) => (d, Some(tm)),
        _ if looks_like_time(&t) => ("today", Some(t.as_str())),
        _ => (t.as_str(), None),
    };
    // Without a time of day, an offset counts from now: "+2h", "in 3 days".
    if time.is_none()
        && let Some(offset) = offset(&t)
    {
        let offset = offset.ok_or_else(|| bad(format!("is not a time; {HINT}")))?;
        return Ok(now.with_timezone(&Utc) + offset);
    }
    let date = match day(day_text, today) {
        Some(Some(date)) => date,
        Some(None) => return Err(bad(format!("is not a usable date; {HINT}"))),
        None => return Err(bad(format!("is not a time; {HINT}"))),
    };
    let time = match time {
        Some(tm) => clock_time(tm).ok_or_else(|| {
            bad(format!(
                "has a time {tm:?} that does not exist; use HH:MM (24-hour) or 3pm"
            ))
        })?,
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

/// Lowercase, trimmed, single spaces.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `1/12`, `12/01/2026`, `1.12.`: numbers separated by `/` or `.` could be read day
/// first or month first, so they are refused with the unambiguous form to use.
fn refuse_ambiguous(t: &str) -> Result<(), String> {
    let first = t.split(' ').next().unwrap_or("");
    let numeric = first
        .chars()
        .all(|c| c.is_ascii_digit() || c == '/' || c == '.');
    if numeric && first.chars().any(|c| c.is_ascii_digit()) && first.contains(['/', '.']) {
        return Err(
            "is ambiguous (day/month or month/day?); write the date as YYYY-MM-DD, e.g. 2026-12-01"
                .into(),
        );
    }
    Ok(())
}

/// A day: `None` when the text is not a day at all, `Some(None)` when it is but falls
/// outside the calendar.
fn day(t: &str, today: NaiveDate) -> Option<Option<NaiveDate>> {
    match t {
        "today" => return Some(Some(today)),
        "tomorrow" => return Some(today.checked_add_days(Days::new(1))),
        "yesterday" => return Some(today.checked_sub_days(Days::new(1))),
        _ => {}
    }
    if let Some(name) = t.strip_prefix("next ")
        && let Some(wd) = weekday(name)
    {
        // The given weekday of next week (weeks start on Monday).
        let monday_next =
            today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
        return Some(Some(
            monday_next + Duration::days(i64::from(wd.num_days_from_monday())),
        ));
    }
    if let Some(wd) = weekday(t) {
        let ahead = (7 + i64::from(wd.num_days_from_monday())
            - i64::from(today.weekday().num_days_from_monday()))
            % 7;
        return Some(Some(
            today + Duration::days(if ahead == 0 { 7 } else { ahead }),
        ));
    }
    if let Some(offset) = offset(t) {
        return match offset {
            Some(o) if o.num_seconds() % 86_400 == 0 => Some(today.checked_add_signed(o)),
            // Minutes and hours are not a day.
            Some(_) => None,
            None => Some(None),
        };
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(Some)
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// `+3d`, `+2w`, `+4h`, `+30m`, `in 3 days`, `in 2 hours`, `in 45 minutes`, `in a week`,
/// and back in time `-2h`, `-3d`, `2 hours ago`, `a week ago`: `None` when the text is
/// not an offset at all, `Some(None)` when it is but the number is unusable.
fn offset(t: &str) -> Option<Option<Duration>> {
    let signed = t.starts_with(['+', '-']);
    let (back, n, unit) = if let Some(rest) = t.strip_prefix(['+', '-']) {
        let unit_at = rest.find(|c: char| !c.is_ascii_digit() && c != ' ')?;
        (
            t.starts_with('-'),
            rest[..unit_at].trim(),
            rest[unit_at..].trim(),
        )
    } else {
        let (back, rest) = match (t.strip_prefix("in "), t.strip_suffix(" ago")) {
            (Some(rest), _) => (false, rest),
            (None, Some(rest)) => (true, rest),
            (None, None) => return None,
        };
        let (n, unit) = rest.split_once(' ')?;
        (back, if n == "a" || n == "an" { "1" } else { n }, unit)
    };
    let unit_len: fn(i64) -> Duration = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes,
        "h" | "hour" | "hours" => Duration::hours,
        "d" | "day" | "days" => Duration::days,
        "w" | "week" | "weeks" => Duration::weeks,
        _ => return if signed { Some(None) } else { None },
    };
    match n.parse::<i64>() {
        Ok(n) if (0..=36_500).contains(&n) => Some(Some(unit_len(if back { -n } else { n }))),
        _ => Some(None),
    }
}

fn looks_like_time(t: &str) -> bool {
    let t = t.trim_end_matches("am").trim_end_matches("pm");
    !t.is_empty()
        && t.chars().all(|c| c.is_ascii_digit() || c == ':')
        && (t.contains(':') || t.len() <= 2)
}

/// `14:30`, `9:05`, `10am`, `3pm`, `12:30pm`.
fn clock_time(t: &str) -> Option<NaiveTime> {
    let (digits, pm) = match (t.strip_suffix("am"), t.strip_suffix("pm")) {
        (Some(d), _) => (d, Some(false)),
        (_, Some(d)) => (d, Some(true)),
        _ => (t, None),
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        Some(_) => return None,
        None if pm.is_some() => (digits.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match pm {
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(true) => h % 12 + 12,
        Some(false) => h % 12,
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// Monday 2026-11-23, 23:30 at UTC+03:30 (Tehran).
    fn now() -> DateTime<FixedOffset> {
        FixedOffset::east_opt(3 * 3600 + 1800)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 23, 23, 30, 0)
            .unwrap()
    }

    fn date(text: &str) -> String {
        parse_date("d", text, &now()).map_or_else(|e| format!("error: {e}"), |d| d.to_string())
    }

    /// The local wall-clock time a text resolves to.
    fn local(text: &str) -> String {
        parse_datetime("due", text, &now()).map_or_else(
            |e| format!("error: {e}"),
            |t| {
                t.with_timezone(&now().timezone())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
    }

    #[test]
    fn days() {
        let cases = [
            ("today", "2026-11-23"),
            ("Tomorrow", "2026-11-24"),
            ("yesterday", "2026-11-22"),
            ("+2w", "2026-12-07"),
            ("+3d", "2026-11-26"),
            ("+ 3 d", "2026-11-26"),
            ("in 3 days", "2026-11-26"),
            ("in a week", "2026-11-30"),
            ("2027-02-28", "2027-02-28"),
            ("2028-02-29", "2028-02-29"),
            ("fri", "2026-11-27"),
            ("Friday", "2026-11-27"),
            ("mon", "2026-11-30"),
            ("sun", "2026-11-29"),
            ("next fri", "2026-12-04"),
            ("next monday", "2026-11-30"),
            ("next sunday", "2026-12-06"),
            ("-3d", "2026-11-20"),
            ("3 days ago", "2026-11-20"),
            ("a week ago", "2026-11-16"),
        ];
        for (text, want) in cases {
            assert_eq!(date(text), want, "{text}");
        }
    }

    #[test]
    fn times_resolve_in_the_local_zone() {
        let cases = [
            ("tomorrow 10:00", "2026-11-24 10:00"),
            ("2026-12-01 14:30", "2026-12-01 14:30"),
            ("2026-12-01T14:30", "2026-12-01 14:30"),
            ("fri 3pm", "2026-11-27 15:00"),
            ("next fri 9:15am", "2026-12-04 09:15"),
            ("tomorrow 12am", "2026-11-24 00:00"),
            ("tomorrow 12pm", "2026-11-24 12:00"),
            ("tomorrow", "2026-11-24 00:00"),
            ("14:30", "2026-11-23 14:30"),
            ("now", "2026-11-23 23:30"),
            ("+2h", "2026-11-24 01:30"),
            ("in 2 hours", "2026-11-24 01:30"),
            ("in 45 minutes", "2026-11-24 00:15"),
            ("+30m", "2026-11-24 00:00"),
            ("in 3 days", "2026-11-26 23:30"),
            ("-2h", "2026-11-23 21:30"),
            ("2 hours ago", "2026-11-23 21:30"),
            ("-1d", "2026-11-22 23:30"),
            ("+1w 10:00", "2026-11-30 10:00"),
        ];
        for (text, want) in cases {
            assert_eq!(local(text), want, "{text}");
        }
        // Stored in UTC: 10:00 at +03:30 is 06:30Z.
        let t = parse_datetime("due", "tomorrow 10:00", &now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T06:30:00+00:00");
    }

    #[test]
    fn ambiguous_and_invalid_input_is_refused_with_a_reason() {
        for text in ["1/12", "12/01/2026", "1.12.", "01.12.2026"] {
            let e = parse_datetime("due", text, &now()).unwrap_err();
            assert!(
                e.reason.contains("ambiguous") && e.reason.contains("YYYY-MM-DD"),
                "{text}: {e}"
            );
            assert_eq!(e.field, "due");
        }
        assert!(date("1/12").contains("ambiguous"));
        for text in [
            "soon",
            "next",
            "next month",
            "2027-02-30",
            "in three days",
            "+xd",
            "+3y",
            "-3y",
            "-",
            "ages ago",
            "someday 10:00",
        ] {
            let e = parse_datetime("due", text, &now()).unwrap_err();
            assert!(e.to_string().starts_with("due: "), "{text}: {e}");
        }
        for text in [
            "tomorrow 25:00",
            "tomorrow 10:61",
            "fri 13pm",
            "tomorrow 0am",
        ] {
            let e = parse_datetime("due", text, &now()).unwrap_err();
            assert!(e.reason.contains("does not exist"), "{text}: {e}");
        }
        assert!(date("+3h").starts_with("error"), "hours are not a day");
        assert!(date("").starts_with("error"));
    }

    #[test]
    fn a_daylight_saving_gap_is_refused_and_an_overlap_takes_the_earlier() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let before_spring = berlin.with_ymd_and_hms(2027, 3, 27, 20, 0, 0).unwrap();
        let e = parse_datetime("due", "tomorrow 02:30", &before_spring).unwrap_err();
        assert!(e.reason.contains("daylight-saving"), "{e}");
        assert_eq!(
            parse_datetime("due", "tomorrow 10:00", &before_spring)
                .unwrap()
                .to_rfc3339(),
            "2027-03-28T08:00:00+00:00",
            "after the change, 10:00 is UTC+2"
        );
        let before_autumn = berlin.with_ymd_and_hms(2027, 10, 30, 20, 0, 0).unwrap();
        assert_eq!(
            parse_datetime("due", "tomorrow 02:30", &before_autumn)
                .unwrap()
                .to_rfc3339(),
            "2027-10-31T00:30:00+00:00"
        );
    }
}
