//! Dates and times as operators type them, resolved against a given "now" in the
//! operator's time zone and stored in UTC.
//!
//! Days: `today`, `tomorrow`, `yesterday`, a weekday (`fri`, `friday`: the next one after
//! today), `next friday` (the Friday of next week, weeks starting on Monday), `+3d`, `+2w`,
//! `in 3 days`, `in 2 weeks`, `YYYY-MM-DD`, a month name with a day (`Dec 5`, `5 Dec`,
//! `December 5 2026`; without a year the nearest such day, so `Jan 10` typed in December
//! is next January's), and `31/12/2026` or `12/31/2026` when the order cannot be mistaken
//! (one number is over 12). Times: `now`, `+30m`, `+2h`, `in 2 hours`, `in 45 minutes`,
//! back in time `-2h`, `-3d`, `2 hours ago`, or a day followed by `HH:MM`, `H:MMam`,
//! `10am`, `3pm` or an hour (`tomorrow 10`); a time alone (`14:30`) means today, and a day
//! alone means the operator's default time of day (09:00 unless configured). `1/12` and
//! other slash or dot dates whose numbers are both 12 or less are refused as ambiguous: is
//! it the first of December or the twelfth of January?

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

/// What a day typed without a time of day means: the start of a working day. The
/// config file's `default_hour` changes it.
pub const DEFAULT_TIME: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => panic!("09:00 is a time"),
};

const DAY_FORMS: &str = "today, tomorrow, fri, next fri, +3d, in 2 weeks, 2026-12-05, \
                         Dec 5, 5 Dec 2026, 31/12/2026";

/// The forms a day is accepted in, for refusals.
fn day_hint() -> String {
    format!("use a day ({DAY_FORMS})")
}

/// The forms a point in time is accepted in, for refusals.
fn time_hint() -> String {
    format!(
        "use a day ({DAY_FORMS}), optionally with a time (10:00, 3pm, 10), or now, +2h, in 30 minutes"
    )
}

/// Parses a calendar date (see the module documentation for the forms).
pub fn parse_date<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
) -> Result<NaiveDate, ValidationError> {
    let t = normalise(text);
    let bad = |why: String| ValidationError::new(field, format!("{:?} {why}", text.trim()));
    match day(&t, now.date_naive()) {
        Some(Ok(date)) => Ok(date),
        Some(Err(why)) => Err(bad(why)),
        None => Err(bad(format!("is not a date; {}", day_hint()))),
    }
}

/// Parses a point in time (see the module documentation for the forms). A day without
/// a time means `default_time` on that day (an offset such as `+3d` counts from now).
/// The result is in UTC.
pub fn parse_datetime<Tz: TimeZone>(
    field: &str,
    text: &str,
    now: &DateTime<Tz>,
    default_time: NaiveTime,
) -> Result<DateTime<Utc>, ValidationError> {
    let t = normalise(text);
    let bad = |why: String| ValidationError::new(field, format!("{:?} {why}", text.trim()));
    if t == "now" {
        return Ok(now.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dt%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dt%H:%M:%S"))
    {
        return local_to_utc(field, &now.timezone(), naive);
    }
    let today = now.date_naive();
    let tz = now.timezone();
    // A day and a trailing time of day: "tomorrow 10:00", "fri 3pm", "5 dec 10", "+1w 10:00".
    if let Some((day_text, tm)) = t.rsplit_once(' ').filter(|(_, tm)| looks_like_time(tm))
        && let Some(date) = day(day_text, today)
    {
        let date = date.map_err(&bad)?;
        let time = clock_time(tm, true).ok_or_else(|| bad(no_such_time(tm)))?;
        return local_to_utc(field, &tz, date.and_time(time));
    }
    // Without a time of day, an offset counts from now: "+2h", "in 3 days".
    if let Some(offset) = offset(&t) {
        let offset = offset.ok_or_else(|| bad(format!("is not a time; {}", time_hint())))?;
        return Ok(now.with_timezone(&Utc) + offset);
    }
    match day(&t, today) {
        Some(Ok(date)) => return local_to_utc(field, &tz, date.and_time(default_time)),
        Some(Err(why)) => return Err(bad(why)),
        None => {}
    }
    // A time alone is today's: "14:30", "3pm" (a bare number is not: 10 what?).
    if looks_like_time(&t) && !t.chars().all(|c| c.is_ascii_digit()) {
        let time = clock_time(&t, false).ok_or_else(|| bad(no_such_time(&t)))?;
        return local_to_utc(field, &tz, today.and_time(time));
    }
    Err(bad(format!("is not a time; {}", time_hint())))
}

fn no_such_time(tm: &str) -> String {
    format!("has a time {tm:?} that does not exist; use HH:MM (24-hour), 3pm, or an hour (10)")
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

/// Lowercase, trimmed, single spaces; a comma is a space ("Dec 5, 2026").
fn normalise(text: &str) -> String {
    text.replace(',', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A day: `None` when the text is not a day at all, `Some(Err(why))` when it is written
/// as one but names no usable day (outside the calendar, or ambiguous).
fn day(t: &str, today: NaiveDate) -> Option<Result<NaiveDate, String>> {
    let outside = || format!("is not a usable date; {}", day_hint());
    let within = |d: Option<NaiveDate>| Some(d.ok_or_else(outside));
    match t {
        "today" => return Some(Ok(today)),
        "tomorrow" => return within(today.checked_add_days(Days::new(1))),
        "yesterday" => return within(today.checked_sub_days(Days::new(1))),
        _ => {}
    }
    if let Some(name) = t.strip_prefix("next ")
        && let Some(wd) = weekday(name)
    {
        // The given weekday of next week (weeks start on Monday).
        let monday_next =
            today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
        return Some(Ok(
            monday_next + Duration::days(i64::from(wd.num_days_from_monday()))
        ));
    }
    if let Some(wd) = weekday(t) {
        let ahead = (7 + i64::from(wd.num_days_from_monday())
            - i64::from(today.weekday().num_days_from_monday()))
            % 7;
        return Some(Ok(
            today + Duration::days(if ahead == 0 { 7 } else { ahead })
        ));
    }
    if let Some(offset) = offset(t) {
        return match offset {
            Some(o) if o.num_seconds() % 86_400 == 0 => within(today.checked_add_signed(o)),
            // Minutes and hours are not a day.
            Some(_) => None,
            None => Some(Err(outside())),
        };
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(Ok(date));
    }
    if let Some(read) = numeric_day(t, today) {
        return Some(read);
    }
    month_day(t, today)
}

/// `31/12/2026`, `12/31/2026`, `31.12.`, `2026/12/31`: numbers separated by `/` or `.`.
/// Day and month are told apart only when one of them is over 12; `1/12` could be read
/// either way and is refused with the unambiguous forms to use.
fn numeric_day(t: &str, today: NaiveDate) -> Option<Result<NaiveDate, String>> {
    if !t.contains(['/', '.'])
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '/' || c == '.')
    {
        return None;
    }
    let parts: Vec<&str> = t.split(['/', '.']).collect();
    // A German date may end with a dot: "31.12." or "31.12.2026".
    let parts = match parts.split_last() {
        Some((last, rest)) if last.is_empty() && t.contains('.') => rest.to_vec(),
        _ => parts,
    };
    let bad = || {
        Err(format!(
            "is not a date; write it as YYYY-MM-DD, 31/12/2026 or Dec 31; {}",
            day_hint()
        ))
    };
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse::<u32>().ok()).collect();
    let Some(numbers) = numbers.filter(|n| (2..=3).contains(&n.len())) else {
        return Some(bad());
    };
    if parts[0].len() == 4 {
        // Year first is never written year/day/month.
        return Some(match numbers[..] {
            [y, m, d] => calendar(y, m, d),
            _ => bad(),
        });
    }
    let year = match (numbers.get(2), parts.get(2)) {
        (Some(&y), Some(p)) if p.len() == 4 => Some(y),
        (None, _) => None,
        _ => {
            return Some(Err(format!(
                "has a year that is not four digits; write it as 31/12/2026 or {}",
                "YYYY-MM-DD"
            )));
        }
    };
    let (a, b) = (numbers[0], numbers[1]);
    let (d, m) = match (a > 12, b > 12) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ if a == b => (a, b),
        (false, false) => {
            return Some(Err(
                "is ambiguous (day/month or month/day?); write the date as YYYY-MM-DD \
                 (2026-12-01), with the month's name (1 Dec), or day/month with a day over 12"
                    .into(),
            ));
        }
        (true, true) => return Some(bad()),
    };
    Some(match year {
        Some(y) => calendar(y, m, d),
        None => nearest(m, d, today),
    })
}

/// `dec 5`, `5 dec`, `december 5 2026`, `5 december 2026`: a month's name and a day,
/// optionally with a four-digit year.
fn month_day(t: &str, today: NaiveDate) -> Option<Result<NaiveDate, String>> {
    let words: Vec<&str> = t.split(' ').collect();
    let (month, day, year) = match words[..] {
        [a, b] | [a, b, _] if month(a).is_some() => (month(a)?, b, words.get(2)),
        [a, b] | [a, b, _] if month(b).is_some() => (month(b)?, a, words.get(2)),
        _ => return None,
    };
    let day_number = day.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
    let Ok(d) = day_number.parse::<u32>() else {
        return None;
    };
    Some(match year {
        None => nearest(month, d, today),
        Some(y) if y.len() == 4 => match y.parse::<u32>() {
            Ok(y) => calendar(y, month, d),
            Err(_) => return None,
        },
        Some(_) => return None,
    })
}

/// The calendar day `y-m-d`, or why there is none.
fn calendar(y: u32, m: u32, d: u32) -> Result<NaiveDate, String> {
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| format!("is not a day of the calendar; {}", day_hint()))
}

/// The day of month `m` and day `d` nearest `today` (last year's, this year's or next
/// year's): `Jan 10` typed in December is next January's, `Nov 20` typed on 23 November
/// is three days ago.
fn nearest(m: u32, d: u32, today: NaiveDate) -> Result<NaiveDate, String> {
    (today.year() - 1..=today.year() + 1)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
        .min_by_key(|date| (*date - today).num_days().abs())
        .ok_or_else(|| format!("is not a day of the calendar; {}", day_hint()))
}

fn month(name: &str) -> Option<u32> {
    Some(match name.trim_end_matches('.') {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
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

/// `14:30`, `9:05`, `10am`, `3pm`, `12:30pm`, and with `bare_hour` an hour alone: `10`.
fn clock_time(t: &str, bare_hour: bool) -> Option<NaiveTime> {
    let (digits, pm) = match (t.strip_suffix("am"), t.strip_suffix("pm")) {
        (Some(d), _) => (d, Some(false)),
        (_, Some(d)) => (d, Some(true)),
        _ => (t, None),
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        Some(_) => return None,
        None if pm.is_some() || bare_hour => (digits.parse::<u32>().ok()?, 0),
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
        parse_datetime("due", text, &now(), DEFAULT_TIME).map_or_else(
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
            ("tomorrow", "2026-11-24 09:00"),
            ("tomorrow 10", "2026-11-24 10:00"),
            ("fri 15", "2026-11-27 15:00"),
            ("2026-12-01", "2026-12-01 09:00"),
            ("Dec 5", "2026-12-05 09:00"),
            ("5 Dec 10:00", "2026-12-05 10:00"),
            ("dec 5 10", "2026-12-05 10:00"),
            ("December 5, 2027 3pm", "2027-12-05 15:00"),
            ("31/12/2026", "2026-12-31 09:00"),
            ("31/12/2026 17:30", "2026-12-31 17:30"),
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
        let t = parse_datetime("due", "tomorrow 10:00", &now(), DEFAULT_TIME).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T06:30:00+00:00");
    }

    #[test]
    fn month_names_and_unambiguous_numeric_dates() {
        let cases = [
            ("Dec 5", "2026-12-05"),
            ("5 Dec", "2026-12-05"),
            ("december 5", "2026-12-05"),
            ("5th December", "2026-12-05"),
            ("Dec 5 2027", "2027-12-05"),
            ("5 Dec 2027", "2027-12-05"),
            ("Dec 5, 2027", "2027-12-05"),
            ("sept 1", "2026-09-01"),
            // Without a year, the nearest such day: January is next year's…
            ("Jan 10", "2027-01-10"),
            // …and a few days ago is this year's.
            ("Nov 20", "2026-11-20"),
            ("May 1", "2027-05-01"),
            ("31/12/2026", "2026-12-31"),
            ("12/31/2026", "2026-12-31"),
            ("31.12.2026", "2026-12-31"),
            ("31.12.", "2026-12-31"),
            ("25/11", "2026-11-25"),
            ("5/5/2027", "2027-05-05"),
            ("2026/12/31", "2026-12-31"),
            ("29 feb 2028", "2028-02-29"),
        ];
        for (text, want) in cases {
            assert_eq!(date(text), want, "{text}");
        }
        for (text, why) in [
            ("feb 30", "not a day of the calendar"),
            ("29 feb 2027", "not a day of the calendar"),
            ("31/13/2026", "not a date"),
            ("31/12/26", "four digits"),
            ("32/12/2026", "not a day of the calendar"),
        ] {
            let got = date(text);
            assert!(got.contains(why), "{text}: {got}");
        }
    }

    #[test]
    fn a_day_without_a_time_takes_the_default_time() {
        let at = |text: &str, default: NaiveTime| {
            parse_datetime("due", text, &now(), default)
                .unwrap()
                .with_timezone(&now().timezone())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let eight = NaiveTime::from_hms_opt(8, 30, 0).unwrap();
        assert_eq!(at("tomorrow", DEFAULT_TIME), "2026-11-24 09:00");
        assert_eq!(at("tomorrow", eight), "2026-11-24 08:30");
        assert_eq!(at("Dec 5", eight), "2026-12-05 08:30");
        assert_eq!(at("next mon", eight), "2026-11-30 08:30");
        // A time given wins; an offset counts from now.
        assert_eq!(at("tomorrow 10", eight), "2026-11-24 10:00");
        assert_eq!(at("in 3 days", eight), "2026-11-26 23:30");
        assert_eq!(at("+3d", eight), "2026-11-26 23:30");
        // The start of a day, for a lower bound such as `audit --since`.
        assert_eq!(at("yesterday", NaiveTime::MIN), "2026-11-22 00:00");
    }

    #[test]
    fn refusals_list_the_accepted_forms() {
        for text in ["soon", "someday 10:00", "1/12"] {
            let e = parse_datetime("due", text, &now(), DEFAULT_TIME).unwrap_err();
            assert!(
                e.reason.contains("Dec 5") || e.reason.contains("1 Dec"),
                "{text}: {e}"
            );
        }
        let e = parse_datetime("due", "soon", &now(), DEFAULT_TIME).unwrap_err();
        for form in [
            "tomorrow",
            "2026-12-05",
            "Dec 5",
            "31/12/2026",
            "10:00",
            "+2h",
        ] {
            assert!(e.reason.contains(form), "{form}: {e}");
        }
        let e = parse_date("from", "soon", &now()).unwrap_err();
        assert!(
            e.reason.contains("Dec 5") && !e.reason.contains("10:00"),
            "{e}"
        );
        // A bare number alone is no time: ten what?
        assert!(local("10").starts_with("error"), "{}", local("10"));
    }

    #[test]
    fn ambiguous_and_invalid_input_is_refused_with_a_reason() {
        for text in ["1/12", "12/01/2026", "1.12.", "01.12.2026"] {
            let e = parse_datetime("due", text, &now(), DEFAULT_TIME).unwrap_err();
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
            let e = parse_datetime("due", text, &now(), DEFAULT_TIME).unwrap_err();
            assert!(e.to_string().starts_with("due: "), "{text}: {e}");
        }
        for text in [
            "tomorrow 25:00",
            "tomorrow 10:61",
            "fri 13pm",
            "tomorrow 0am",
        ] {
            let e = parse_datetime("due", text, &now(), DEFAULT_TIME).unwrap_err();
            assert!(e.reason.contains("does not exist"), "{text}: {e}");
        }
        assert!(date("+3h").starts_with("error"), "hours are not a day");
        assert!(date("").starts_with("error"));
    }

    #[test]
    fn a_daylight_saving_gap_is_refused_and_an_overlap_takes_the_earlier() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let before_spring = berlin.with_ymd_and_hms(2027, 3, 27, 20, 0, 0).unwrap();
        let e = parse_datetime("due", "tomorrow 02:30", &before_spring, DEFAULT_TIME).unwrap_err();
        assert!(e.reason.contains("daylight-saving"), "{e}");
        assert_eq!(
            parse_datetime("due", "tomorrow 10:00", &before_spring, DEFAULT_TIME)
                .unwrap()
                .to_rfc3339(),
            "2027-03-28T08:00:00+00:00",
            "after the change, 10:00 is UTC+2"
        );
        let before_autumn = berlin.with_ymd_and_hms(2027, 10, 30, 20, 0, 0).unwrap();
        assert_eq!(
            parse_datetime("due", "tomorrow 02:30", &before_autumn, DEFAULT_TIME)
                .unwrap()
                .to_rfc3339(),
            "2027-10-31T00:30:00+00:00"
        );
    }
}
