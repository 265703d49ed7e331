//! KPI figures per quarter hour (schema 18), kept by triggers in the transaction of
//! every write: customers created (by owner), satisfaction scores given (by author),
//! follow-ups due and done on time (by owner), and follow-ups that stop being overdue.
//! The trends read a year of these (some hundred thousand rows at a million customers)
//! instead of every customer, interaction and follow-up of the year. A quarter hour,
//! because every time zone's offset is a multiple of one, so a local day starts on a
//! slot and a window of whole local days is a run of whole slots (`store::measures`
//! reads the records instead when a window's boundary is not on one).
//!
//! A follow-up is overdue at an instant `T` when it fell due before `T` and was not
//! done by `T`. Each counts once in `due` at the slot it falls due in, and once in
//! `settled` at the last slot before the first boundary at which it no longer counts
//! (done, and due before): so the follow-ups overdue at a boundary `B` (in slots) are
//! the sum of `due - settled` over the slots before `B`.

use super::Result;
use super::db::Db;

pub(super) const KPI_SLOTS: &str = r#"
CREATE TABLE kpi_slots (
    slot         INTEGER NOT NULL,
    operator_id  INTEGER NOT NULL,
    customers    INTEGER NOT NULL DEFAULT 0,
    scores       INTEGER NOT NULL DEFAULT 0,
    score_total  INTEGER NOT NULL DEFAULT 0,
    satisfied    INTEGER NOT NULL DEFAULT 0,
    due          INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    settled      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (slot, operator_id)
) WITHOUT ROWID;
"#;

/// The triggers that keep `kpi_slots`, by name (demo data suspends them).
pub(super) const KPI_SLOT_TRIGGERS: &[&str] = &[
    "kpi_slots_customer_insert",
    "kpi_slots_customer_delete",
    "kpi_slots_customer_update",
    "kpi_slots_interaction_insert",
    "kpi_slots_interaction_delete",
    "kpi_slots_interaction_update",
    "kpi_slots_reminder_insert",
    "kpi_slots_reminder_delete",
    "kpi_slots_reminder_update",
];

/// One contribution of a record to a slot: the slot and operator it counts at (SQL
/// over the record's columns, `{r}` standing for `NEW.`, `OLD.` or nothing), when it
/// counts, and what it adds to which columns.
struct Part {
    slot: &'static str,
    operator: &'static str,
    when: &'static str,
    adds: &'static [(&'static str, &'static str)],
}

const CUSTOMER: &[Part] = &[Part {
    slot: "{r}created_at / 900",
    operator: "coalesce({r}owner_id, 0)",
    when: "1 = 1",
    adds: &[("customers", "1")],
}];

const INTERACTION: &[Part] = &[Part {
    slot: "{r}occurred_at / 900",
    operator: "coalesce({r}operator_id, 0)",
    when: "{r}satisfaction IS NOT NULL",
    adds: &[
        ("scores", "1"),
        ("score_total", "{r}satisfaction"),
        (
            "satisfied",
            "CASE WHEN {r}satisfaction >= 4 THEN 1 ELSE 0 END",
        ),
    ],
}];

/// The slot a done follow-up stops counting as overdue after: its due slot, or the
/// one before the first boundary on or after it was done (`⌈done / 900⌉ - 1`),
/// whichever is later.
const SETTLED_SLOT: &str = "CASE WHEN ({r}done_at + 899) / 900 - 1 > {r}due_at / 900
    THEN ({r}done_at + 899) / 900 - 1 ELSE {r}due_at / 900 END";

const REMINDER: &[Part] = &[
    Part {
        slot: "{r}due_at / 900",
        operator: "coalesce({r}owner_id, 0)",
        when: "1 = 1",
        adds: &[
            ("due", "1"),
            (
                "on_time",
                "CASE WHEN {r}done_at <= {r}due_at + 86400 THEN 1 ELSE 0 END",
            ),
        ],
    },
    Part {
        slot: SETTLED_SLOT,
        operator: "coalesce({r}owner_id, 0)",
        when: "{r}done_at IS NOT NULL",
        adds: &[("settled", "1")],
    },
];

fn on(sql: &str, record: &str) -> String {
    sql.replace("{r}", record)
}

/// Adds `NEW`'s part to its slot (a trigger's statement).
fn add(p: &Part) -> String {
    let columns: Vec<&str> = p.adds.iter().map(|(c, _)| *c).collect();
    let values: Vec<String> = p.adds.iter().map(|(_, v)| on(v, "NEW.")).collect();
    let set: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = {c} + excluded.{c}"))
        .collect();
    format!(
        "    INSERT INTO kpi_slots (slot, operator_id, {columns})
    SELECT {slot}, {operator}, {values} WHERE {when}
    ON CONFLICT (slot, operator_id) DO UPDATE SET {set};\n",
        columns = columns.join(", "),
        slot = on(p.slot, "NEW."),
        operator = on(p.operator, "NEW."),
        values = values.join(", "),
        when = on(p.when, "NEW."),
        set = set.join(", "),
    )
}

/// Takes `OLD`'s part out of its slot, dropping the slot when nothing is left in it.
fn take(p: &Part) -> String {
    let set: Vec<String> = p
        .adds
        .iter()
        .map(|(c, v)| format!("{c} = {c} - {}", on(v, "OLD.")))
        .collect();
    let slot = on(p.slot, "OLD.");
    let operator = on(p.operator, "OLD.");
    format!(
        "    UPDATE kpi_slots SET {set}
    WHERE slot = {slot} AND operator_id = {operator} AND {when};
    DELETE FROM kpi_slots WHERE slot = {slot} AND operator_id = {operator}
      AND customers = 0 AND scores = 0 AND due = 0 AND settled = 0;\n",
        set = set.join(", "),
        when = on(p.when, "OLD."),
    )
}

/// One trigger: its name, what fires it, when, and its statements.
struct Trigger {
    name: String,
    event: String,
    when: String,
    body: String,
}

/// The insert, delete and update triggers of `table`, the update one firing when
/// `changed` (SQL over `OLD` and `NEW`) holds.
fn triggers(table: &str, name: &str, parts: &[Part], columns: &str, changed: &str) -> Vec<Trigger> {
    let adds: String = parts.iter().map(add).collect();
    let takes: String = parts.iter().map(take).collect();
    // A record none of whose parts count needs no trigger run.
    let counts = |record: &str| {
        let whens: Vec<String> = parts.iter().map(|p| on(p.when, record)).collect();
        whens.join(" OR ")
    };
    vec![
        Trigger {
            name: format!("kpi_slots_{name}_insert"),
            event: format!("AFTER INSERT ON {table}"),
            when: counts("NEW."),
            body: adds.clone(),
        },
        Trigger {
            name: format!("kpi_slots_{name}_delete"),
            event: format!("AFTER DELETE ON {table}"),
            when: counts("OLD."),
            body: takes.clone(),
        },
        Trigger {
            name: format!("kpi_slots_{name}_update"),
            event: format!("AFTER UPDATE OF {columns} ON {table}"),
            when: changed.to_string(),
            body: format!("{takes}{adds}"),
        },
    ]
}

/// Every trigger of [`KPI_SLOT_TRIGGERS`].
fn every_trigger() -> Vec<Trigger> {
    [
        triggers(
            "customers",
            "customer",
            CUSTOMER,
            "created_at, owner_id",
            "OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.owner_id IS DISTINCT FROM NEW.owner_id",
        ),
        triggers(
            "interactions",
            "interaction",
            INTERACTION,
            "occurred_at, operator_id, satisfaction",
            "(OLD.satisfaction IS NOT NULL OR NEW.satisfaction IS NOT NULL)
     AND (OLD.occurred_at IS DISTINCT FROM NEW.occurred_at OR OLD.operator_id IS DISTINCT FROM NEW.operator_id
          OR OLD.satisfaction IS DISTINCT FROM NEW.satisfaction)",
        ),
        triggers(
            "reminders",
            "reminder",
            REMINDER,
            "due_at, done_at, owner_id",
            "OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.done_at IS DISTINCT FROM NEW.done_at
     OR OLD.owner_id IS DISTINCT FROM NEW.owner_id",
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The triggers in SQLite's SQL.
fn all_triggers() -> String {
    every_trigger()
        .iter()
        .map(|t| {
            format!(
                "CREATE TRIGGER {} {}\nWHEN {} BEGIN\n{}END;\n",
                t.name, t.event, t.when, t.body
            )
        })
        .collect()
}

/// The same triggers for PostgreSQL (`db::pg_schema`): each one's statements in a
/// function of its name. An upsert there adds to the existing row by its table's name.
pub(super) fn pg_triggers() -> String {
    every_trigger()
        .iter()
        .map(|t| {
            let mut body = t.body.clone();
            for (c, _) in CUSTOMER
                .iter()
                .chain(INTERACTION)
                .chain(REMINDER)
                .flat_map(|p| p.adds.iter())
            {
                body = body.replace(
                    &format!("{c} = {c} + excluded."),
                    &format!("{c} = kpi_slots.{c} + excluded."),
                );
            }
            super::db::pg_schema::plpgsql_trigger(&t.name, &t.event, Some(&t.when), &body)
        })
        .collect()
}

/// Each table with its parts.
const TABLES: [(&str, &[Part]); 3] = [
    ("customers", CUSTOMER),
    ("interactions", INTERACTION),
    ("reminders", REMINDER),
];

/// `kpi_slots` computed from the records themselves, in key order: what `rapport
/// doctor` compares the table with.
pub(super) fn from_records() -> String {
    let mut selects = Vec::new();
    for (table, parts) in TABLES {
        for p in parts {
            let columns = [
                "customers",
                "scores",
                "score_total",
                "satisfied",
                "due",
                "on_time",
                "settled",
            ]
            .map(|c| match p.adds.iter().find(|(name, _)| *name == c) {
                Some((_, v)) => format!("sum({}) AS {c}", on(v, "")),
                None => format!("0 AS {c}"),
            });
            selects.push(format!(
                "SELECT {slot} AS slot, {operator} AS operator_id, {columns} FROM {table}
                 WHERE {when} GROUP BY 1, 2",
                slot = on(p.slot, ""),
                operator = on(p.operator, ""),
                columns = columns.join(", "),
                when = on(p.when, ""),
            ));
        }
    }
    format!(
        "SELECT slot, operator_id, sum(customers), sum(scores), sum(score_total), sum(satisfied),
                sum(due), sum(on_time), sum(settled)
         FROM ({}) AS parts
         GROUP BY 1, 2 ORDER BY 1, 2",
        selects.join("\n UNION ALL ")
    )
}

/// Fills `kpi_slots` from the records, replacing what it held (the migration's
/// backfill, and what demo data does instead of the triggers, row by row): each part
/// summed per slot and added in, which is faster than summing them all in one
/// statement (1.9 s instead of 2.3 s at a million customers).
pub(super) fn fill(conn: &Db) -> Result<()> {
    let mut sql = String::from("DELETE FROM kpi_slots;\n");
    for (table, parts) in TABLES {
        for p in parts {
            let columns: Vec<&str> = p.adds.iter().map(|(c, _)| *c).collect();
            let sums: Vec<String> = p
                .adds
                .iter()
                .map(|(_, v)| format!("sum({})", on(v, "")))
                .collect();
            // The existing row by its table's name, which PostgreSQL needs too.
            let set: Vec<String> = columns
                .iter()
                .map(|c| format!("{c} = kpi_slots.{c} + excluded.{c}"))
                .collect();
            sql.push_str(&format!(
                "INSERT INTO kpi_slots (slot, operator_id, {columns})
                 SELECT {slot}, {operator}, {sums} FROM {table} WHERE {when} GROUP BY 1, 2
                 ON CONFLICT (slot, operator_id) DO UPDATE SET {set};\n",
                columns = columns.join(", "),
                slot = on(p.slot, ""),
                operator = on(p.operator, ""),
                sums = sums.join(", "),
                when = on(p.when, ""),
                set = set.join(", "),
            ));
        }
    }
    conn.execute_batch(&sql)
}

/// Schema 18, after [`KPI_SLOTS`]: the triggers, and the slots of the records there are.
pub(super) fn install(conn: &Db) -> Result<()> {
    conn.execute_batch(&all_triggers())?;
    fill(conn)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

    use super::*;
    use crate::domain::kpi::{KpiRange, KpiWindow, TREND_PERIODS};
    use crate::domain::kpi_measure::{Source, Tallies};
    use crate::domain::{
        Currency, CustomerDraft, CustomerKind, Direction, InteractionDraft, InteractionKind,
        Period, ReminderDraft,
    };
    use crate::store::Store;
    use crate::store::measures::{MeasureScope, measure, measure_from_records};

    /// [`measure`] or [`measure_from_records`].
    type Measure = fn(
        &Db,
        Source,
        &MeasureScope,
        &[KpiWindow],
        DateTime<Utc>,
        Currency,
    ) -> Result<Vec<Tallies>>;

    /// In the middle of a quarter hour, so the slot of now is only partly past.
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:07:30Z")
            .unwrap()
            .to_utc()
    }

    fn rows(s: &Store, sql: &str) -> Vec<Vec<i64>> {
        s.read(|c| {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map((), |r| (0..9).map(|i| r.get(i)).collect())?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap()
    }

    /// The maintained slots equal the slots of the records, and every measure they
    /// serve reads the same from them as from the records: over the trends of every
    /// period in several time zones, for the team and for operators.
    fn assert_in_step(s: &Store, after: &str) {
        let kept = rows(s, "SELECT * FROM kpi_slots ORDER BY slot, operator_id");
        assert_eq!(kept, rows(s, &from_records()), "after {after}");
        assert!(!kept.is_empty());
        let operators: Vec<i64> = s.operators().unwrap().iter().map(|o| o.id).collect();
        let scopes = [
            MeasureScope::default(),
            MeasureScope {
                report_operator: Some(operators[1]),
                ..MeasureScope::default()
            },
            MeasureScope {
                operator: Some(operators[2]),
                ..MeasureScope::default()
            },
        ];
        for offset in [
            0,
            3 * 3600 + 1800,
            -5 * 3600,
            5 * 3600 + 2700,
            -(9 * 3600 + 1800),
        ] {
            let zone = FixedOffset::east_opt(offset).unwrap();
            let local = now().with_timezone(&zone);
            let today = local.date_naive();
            let mut trends: Vec<Vec<KpiWindow>> = Vec::new();
            let dates = KpiRange::dates(today - Duration::days(9), today - Duration::days(3));
            for range in [Period::Week, Period::Month, Period::Quarter, Period::Year]
                .map(KpiRange::Period)
                .into_iter()
                .chain(dates)
            {
                let ranges = range.trend(today, TREND_PERIODS).unwrap();
                let windows = ranges.iter().map(|r| r.window(&local).unwrap()).collect();
                trends.push(windows);
                trends.push(vec![range.window(&local).unwrap()]);
            }
            for windows in &trends {
                for source in [
                    Source::NewCustomers,
                    Source::Scores,
                    Source::OnTime,
                    Source::Overdue,
                ] {
                    for scope in &scopes {
                        let read = |f: Measure| {
                            s.read(|c| f(c, source, scope, windows, now(), Currency::USD))
                                .unwrap()
                        };
                        assert_eq!(
                            read(measure),
                            read(measure_from_records),
                            "{source:?} of {scope:?} over {} windows from {} (UTC{offset:+}) after {after}",
                            windows.len(),
                            windows[0].first_day
                        );
                    }
                }
            }
        }
    }

    /// Customers, scores and follow-ups over 400 days by three operators and nobody,
    /// some on the boundaries of days and slots, some in the slot of now.
    fn store() -> Store {
        let mut s = Store::open_in_memory().unwrap().with_clock(Arc::new(now));
        s.sign_in("sara").unwrap();
        let mut rng = fastrand::Rng::with_seed(17);
        s.write(|w| {
            let ops: Vec<Option<i64>> = vec![
                None,
                w.ensure_operator("sara", "Sara")?.id.into(),
                w.ensure_operator("ivan", "Ivan")?.id.into(),
                w.ensure_operator("emma", "Emma")?.id.into(),
            ];
            let midnight = now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
            let pick = |rng: &mut fastrand::Rng| ops[rng.usize(..ops.len())];
            let mut customers = Vec::new();
            for i in 0..80 {
                // Every eighth on a day boundary.
                let created = if i % 8 == 0 {
                    midnight - Duration::days(rng.i64(0..400))
                } else {
                    now() - Duration::seconds(rng.i64(0..400 * 86_400))
                };
                w.backdate(created);
                let mut draft = CustomerDraft::new(CustomerKind::Person, format!("C{i}"));
                draft.owner_id = pick(&mut rng);
                customers.push(w.add_customer(&draft)?);
            }
            w.backdate(now());
            for i in 0..300 {
                let at = match i % 10 {
                    0 => midnight - Duration::days(rng.i64(0..400)),
                    1 => now() - Duration::seconds(rng.i64(0..450)),
                    _ => now() - Duration::seconds(rng.i64(0..400 * 86_400)),
                };
                w.log_interaction(&InteractionDraft {
                    customer_id: customers[rng.usize(..customers.len())],
                    deal_id: None,
                    kind: InteractionKind::Call,
                    direction: Direction::Out,
                    occurred_at: at,
                    operator_id: pick(&mut rng),
                    summary: format!("call {i}"),
                    outcome: None,
                    satisfaction: (i % 4 != 3).then(|| rng.u8(1..=5)),
                    nps: None,
                })?;
            }
            for i in 0..240 {
                let due = match i % 8 {
                    0 => midnight - Duration::days(rng.i64(0..400)),
                    // In the slot of now, before it and after it.
                    1 => now() - Duration::seconds(rng.i64(0..450)),
                    2 => now() + Duration::seconds(rng.i64(1..450)),
                    3 => now() + Duration::days(rng.i64(0..30)),
                    _ => now() - Duration::seconds(rng.i64(0..400 * 86_400)),
                };
                let id = w.add_reminder(&ReminderDraft {
                    customer_id: customers[rng.usize(..customers.len())],
                    deal_id: None,
                    due_at: due,
                    note: format!("follow up {i}"),
                    recurrence: None,
                    owner_id: pick(&mut rng),
                })?;
                let done = match i % 5 {
                    // Done on a day's first instant, or just before.
                    0 => Some(midnight - Duration::days(rng.i64(0..400))),
                    1 => Some(midnight - Duration::days(rng.i64(0..400)) - Duration::seconds(1)),
                    2 | 3 => Some(due + Duration::minutes(rng.i64(-3 * 24 * 60..3 * 24 * 60))),
                    _ => None,
                };
                if let Some(done) = done.filter(|d| *d <= now()) {
                    w.complete_reminder(id, done)?;
                }
            }
            Ok(())
        })
        .unwrap();
        s
    }

    #[test]
    fn the_slots_follow_every_write_and_read_as_the_records_do() {
        let mut s = store();
        assert_in_step(&s, "the first writes");
        // The migration's backfill fills what the triggers did.
        s.write(|w| fill(w.conn)).unwrap();
        assert_in_step(&s, "filling again");

        let mut c = s.customer(3).unwrap();
        let mut draft = c.draft();
        draft.owner_id = s.operators().unwrap().last().map(|o| o.id);
        s.update_customer(c.id, c.version, &draft).unwrap();
        assert_in_step(&s, "a customer given to another owner");
        c = s.customer(3).unwrap();
        draft = c.draft();
        draft.owner_id = None;
        s.update_customer(c.id, c.version, &draft).unwrap();
        assert_in_step(&s, "a customer given to nobody");

        for id in [1, 2, 3] {
            let i = s.interaction(id).unwrap();
            let mut draft = i.draft();
            draft.satisfaction = match i.satisfaction {
                Some(5) => None,
                Some(n) => Some(n + 1),
                None => Some(2),
            };
            draft.occurred_at -= Duration::minutes(20);
            draft.operator_id = None;
            s.update_interaction(id, i.version, &draft).unwrap();
        }
        s.delete_interaction(5).unwrap();
        assert_in_step(&s, "interactions edited and deleted");

        let open: Vec<_> = s
            .reminders(&Default::default())
            .unwrap()
            .into_iter()
            .filter(|r| r.done_at.is_none() && r.due_at < now())
            .collect();
        s.write(|w| w.reschedule_reminder(open[1].id, now() - Duration::days(40)))
            .unwrap();
        s.write(|w| w.snooze_reminder(open[0].id, now() + Duration::days(2), None))
            .unwrap();
        s.write(|w| w.complete_reminder(open[0].id, now() - Duration::hours(1)))
            .unwrap();
        let r = s.reminder(open[2].id).unwrap();
        let mut draft = r.draft();
        draft.due_at = now() - Duration::days(100);
        draft.owner_id = None;
        s.update_reminder(r.id, r.version, &draft).unwrap();
        s.delete_reminder(4).unwrap();
        assert_in_step(
            &s,
            "follow-ups rescheduled, snoozed, done, edited and deleted",
        );

        // Undo of a completion reopens it; of a deletion brings it back.
        let me = s.actor().unwrap().id;
        for _ in 0..3 {
            let change = s.last_change_by(me).unwrap().unwrap();
            s.undo_change(change).unwrap();
            assert_in_step(&s, "an undo");
        }
        s.delete_customer(7).unwrap();
        assert_in_step(
            &s,
            "a customer deleted with its interactions and follow-ups",
        );
        let change = s.last_change_by(me).unwrap().unwrap();
        s.undo_change(change).unwrap();
        assert_in_step(&s, "the deletion undone");
    }

    #[test]
    fn windows_off_the_quarter_hours_read_the_records() {
        let s = store();
        // Before standard time, Paris was 9 minutes 21 seconds ahead of UTC.
        let paris = chrono_tz::Europe::Paris;
        let old = paris.with_ymd_and_hms(1890, 6, 1, 12, 0, 0).unwrap();
        let windows = vec![KpiRange::Period(Period::Month).window(&old).unwrap()];
        assert_ne!(windows[0].from.timestamp() % 900, 0);
        let all = vec![KpiRange::Period(Period::All).window(&now()).unwrap()];
        for windows in [windows, all] {
            for source in [Source::NewCustomers, Source::Scores, Source::OnTime] {
                let scope = MeasureScope::default();
                let read = |f: Measure| {
                    s.read(|c| f(c, source, &scope, &windows, now(), Currency::USD))
                        .unwrap()
                };
                assert_eq!(read(measure), read(measure_from_records), "{source:?}");
            }
        }
    }
}
