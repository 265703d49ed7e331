//! Writing generated demo data fast: every record goes through the ordinary writes
//! (same checks, same rows), but without an audit entry per record and with the
//! secondary indexes of the tables it fills built once at the end. The trail gets one
//! entry instead: demo data was generated, by whom, when, and how much.

use super::db::OptionalExtension;

use super::import::SuspendedIndexes;
use super::{Result, StoreError, Writer};
use crate::domain::audit::{
    AuditAction, DEMO_CUSTOMERS_FIELD, DEMO_ENTITY, FieldChange, demo_customer_ids,
};

/// The tables demo data fills. Their secondary indexes are not read while it is
/// written (records are read back by id only), so each is built in one sorted pass
/// at the end instead of row by row.
const FILLED: &[&str] = &[
    "customers",
    "customer_phones",
    "customer_emails",
    "customer_tags",
    "deals",
    "interactions",
    "reminders",
];

/// Page cache (KiB) while demo data is written and indexed: its tables stay in memory
/// instead of spilling half-written pages to the WAL, and each index is sorted in
/// fewer, larger runs. Given back afterwards.
const GENERATE_CACHE_KIB: i64 = 256 * 1024;

/// The triggers that keep a customer's last contact and a deal's last activity as
/// each interaction is written: an update of the customer (and the deal) per
/// interaction, millions of them for demo data. It only adds interactions, so each is
/// set once at the end instead ([`LAST_SEEN_FROM_INTERACTIONS`]), the same values.
const LAST_SEEN_TRIGGERS: &[&str] = &["interactions_contact_insert", "deals_activity_insert"];

/// What the triggers of [`LAST_SEEN_TRIGGERS`] would have left, in one pass each along
/// the rebuilt indexes.
const LAST_SEEN_FROM_INTERACTIONS: &str = "
UPDATE customers SET last_contact_at =
    (SELECT max(i.occurred_at) FROM interactions i WHERE i.customer_id = customers.id);
UPDATE deals SET last_activity_at =
    (SELECT max(i.occurred_at) FROM interactions i WHERE i.deal_id = deals.id)
WHERE id IN (SELECT deal_id FROM interactions WHERE deal_id IS NOT NULL);
";

/// What `Writer::generate` was told about the data it wrote, for its audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    /// Field and value, in order (`customers`, `interactions`, `seed`…).
    pub counts: Vec<(&'static str, String)>,
}

impl Writer<'_> {
    /// Runs `write` (which fills an empty database with generated records through the
    /// ordinary writes) without an audit entry per record, then records one entry
    /// (entity [`DEMO_ENTITY`]) by the acting operator, at this transaction's time,
    /// naming the customers it created and `summary`'s counts. Same transaction: a
    /// failure leaves nothing behind, indexes included.
    pub fn generate<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T>,
        summary: impl FnOnce(&T) -> Generated,
    ) -> Result<T> {
        let customers: i64 = self
            .conn
            .query_row("SELECT count(*) FROM customers", (), |r| r.get(0))?;
        if customers > 0 {
            return Err(StoreError::Message(format!(
                "demo data goes into an empty database; this one holds {}",
                crate::text::count(customers, "customer", "customers")
            )));
        }
        let now = self.now;
        let first = self.next_id("customers", "customer")?;
        let suspended = self.suspend_filled_indexes()?;
        let activity = self.suspend_triggers(super::team::ACTIVITY_TRIGGERS)?;
        let last_seen = self.suspend_triggers(LAST_SEEN_TRIGGERS)?;
        let slots = self.suspend_triggers(super::kpi_slots::KPI_SLOT_TRIGGERS)?;
        // A recount per deal and an update of the customer's deals per follow-up,
        // with their indexes suspended: filled once at the end instead.
        let planned = self.suspend_triggers(super::planned_follow_ups::PLANNED_TRIGGERS)?;
        let cache = self.conn.cache_kib()?;
        self.conn.set_cache_kib(GENERATE_CACHE_KIB)?;
        self.trail = false;
        let written = write(self);
        self.trail = true;
        self.now = now;
        let indexed = written.and_then(|value| {
            self.rebuild_indexes(suspended)?;
            // One pass instead of an upsert per generated interaction.
            self.conn
                .execute_batch(super::team::ACTIVITY_FROM_INTERACTIONS)?;
            self.conn.execute_batch(LAST_SEEN_FROM_INTERACTIONS)?;
            super::kpi_slots::fill(self.conn)?;
            super::planned_follow_ups::fill(self.conn)?;
            for sql in activity
                .iter()
                .chain(&last_seen)
                .chain(&slots)
                .chain(&planned)
            {
                self.conn.execute_batch(sql)?;
            }
            Ok(value)
        });
        if let Some(kib) = cache {
            self.conn.set_cache_kib(kib)?;
        }
        let value = indexed?;
        let last: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM customers", (), |r| r.get(0))
            .optional()?
            .flatten();
        let mut changes = vec![FieldChange {
            field: DEMO_CUSTOMERS_FIELD.into(),
            old: None,
            new: last.map(|last| demo_customer_ids(first, last)),
        }];
        changes.extend(
            summary(&value)
                .counts
                .into_iter()
                .map(|(field, value)| FieldChange {
                    field: field.into(),
                    old: None,
                    new: Some(value),
                }),
        );
        // The entry's record id is the last customer generated, so a customer's history
        // finds it through the trail's index by record (see `Store::audit_entries`).
        self.audit(
            DEMO_ENTITY,
            last.unwrap_or(0),
            None,
            AuditAction::Create,
            changes,
        )?;
        Ok(value)
    }

    /// Drops every secondary index of the tables demo data fills (the definitions are
    /// read from the schema, so one added later is suspended too); unique ones stay,
    /// so what they forbid is still refused.
    /// Drops the triggers `names` (same transaction) and returns the SQL that makes
    /// them again.
    fn suspend_triggers(&mut self, names: &[&str]) -> Result<Vec<String>> {
        let mut sql = Vec::with_capacity(names.len());
        for name in names {
            sql.extend(self.conn.drop_trigger(name)?);
        }
        Ok(sql)
    }

    fn suspend_filled_indexes(&mut self) -> Result<SuspendedIndexes> {
        let mut found = Vec::new();
        for table in FILLED {
            found.extend(self.conn.secondary_indexes(table)?);
        }
        let mut sql = Vec::with_capacity(found.len());
        for (name, create) in found {
            // Names come from the schema itself, quoted all the same.
            self.conn
                .execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), ())?;
            sql.push(create);
        }
        Ok(SuspendedIndexes::from_sql(sql))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::demo::{DemoOptions, generate};
    use crate::domain::{
        CustomerDraft, CustomerKind, Direction, InteractionDraft, InteractionKind,
    };
    use crate::store::Store;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn store() -> Store {
        Store::open_in_memory().unwrap().with_clock(Arc::new(now))
    }

    fn rows(store: &Store, sql: &str) -> Vec<Vec<String>> {
        let mut stmt = store.conn.sqlite().unwrap().prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map((), |r| {
            (0..n)
                .map(|i| Ok(format!("{:?}", rusqlite::types::Value::from(r.get_ref(i)?))))
                .collect()
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    const SCHEMA: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name";

    #[test]
    fn the_trail_gets_one_entry_and_the_indexes_come_back() {
        let mut s = store();
        let schema = rows(&s, SCHEMA);
        let report = generate(
            &mut s,
            DemoOptions {
                customers: 150,
                seed: 3,
            },
            "tester",
        )
        .unwrap();
        assert_eq!(rows(&s, SCHEMA), schema, "every index is back, as it was");
        assert_eq!(s.integrity_check().unwrap(), "ok");
        let off = rows(
            &s,
            "SELECT count(*) FROM customers c WHERE c.last_contact_at IS NOT
                 (SELECT max(i.occurred_at) FROM interactions i WHERE i.customer_id = c.id)",
        );
        let contacted = rows(&s, "SELECT count(last_contact_at) FROM customers");
        assert_eq!(
            off,
            vec![vec!["Integer(0)".to_string()]],
            "last contacts set"
        );
        assert_ne!(contacted, off, "and there are some");
        let planned = format!(
            "SELECT d.id, d.planned_follow_ups FROM deals d
             LEFT JOIN ({}) p ON p.id = d.id WHERE d.planned_follow_ups IS NOT coalesce(p.n, 0)",
            super::super::planned_follow_ups::FROM_RECORDS
        );
        assert_eq!(
            rows(&s, &planned),
            Vec::<Vec<String>>::new(),
            "planned follow-ups filled"
        );
        let some = rows(
            &s,
            "SELECT count(*) FROM deals WHERE planned_follow_ups > 0",
        );
        assert_ne!(
            some,
            vec![vec!["Integer(0)".to_string()]],
            "and some are planned"
        );
        let trail = rows(
            &s,
            "SELECT entity, count(*) FROM audit_log GROUP BY entity ORDER BY entity",
        );
        let count = |n: usize| format!("Integer({n})");
        assert_eq!(
            trail,
            vec![
                vec!["Text(\"demo\")".to_string(), count(1)],
                vec!["Text(\"operator\")".to_string(), count(report.operators)],
                vec!["Text(\"setting\")".to_string(), count(1)],
            ]
        );
        let entry = &s.audit_entries(&Default::default()).unwrap();
        let demo = entry.iter().find(|e| e.entity == DEMO_ENTITY).unwrap();
        assert_eq!(demo.at, now(), "stamped when generated, not backdated");
        assert_eq!(demo.generated_customers(), Some(1..=150));
        assert_eq!(demo.entity_id, 150);
        assert_eq!(demo.headline(), "generated demo data");
        // The trail's index by record still finds it, and ids continue past it.
        let next = s.write(|w| w.next_id("customers", "customer")).unwrap();
        assert_eq!(next, 151);
    }

    #[test]
    fn demo_data_goes_into_an_empty_database_only() {
        let mut s = store();
        s.add_customer(&CustomerDraft::new(CustomerKind::Person, "Ali"))
            .unwrap();
        let e = s
            .write(|w| w.generate(|_| Ok(()), |_| Generated::default()))
            .unwrap_err();
        assert!(e.to_string().contains("holds 1 customer"), "{e}");
    }

    fn interaction(customer_id: i64, minutes_ago: i64, n: usize) -> InteractionDraft {
        InteractionDraft {
            customer_id,
            deal_id: None,
            kind: [InteractionKind::Call, InteractionKind::Note][n % 2],
            direction: Direction::Out,
            occurred_at: now() - Duration::minutes(minutes_ago),
            operator_id: None,
            summary: format!("  call {n}  "),
            outcome: (n % 3 == 0).then(|| "ok".to_string()),
            satisfaction: (n % 2 == 0).then_some(4),
            nps: None,
        }
    }

    /// Many rows per statement write exactly what `backdate` + `log_interaction` write.
    #[test]
    fn past_interactions_in_bulk_are_what_one_by_one_writes() {
        let entered: Vec<(InteractionDraft, DateTime<Utc>)> = (0..300)
            .map(|n| {
                let d = interaction(1 + (n % 2) as i64, 10_000 - n as i64, n);
                let at = d.occurred_at + Duration::minutes(5);
                (d, at)
            })
            .collect();
        let person = CustomerDraft::new(CustomerKind::Person, "Ali");
        let mut bulk = store();
        bulk.write(|w| {
            w.generate(
                |w| {
                    w.add_customer(&person)?;
                    w.add_customer(&person)?;
                    w.log_past_interactions(&entered)
                },
                |_| Generated::default(),
            )
        })
        .unwrap();
        let mut single = store();
        single
            .write(|w| {
                w.add_customer(&person)?;
                w.add_customer(&person)?;
                for (d, at) in &entered {
                    w.backdate(*at);
                    w.log_interaction(d)?;
                }
                Ok(())
            })
            .unwrap();
        let all = "SELECT * FROM interactions ORDER BY id";
        assert_eq!(rows(&bulk, all).len(), 300);
        assert_eq!(rows(&bulk, all), rows(&single, all));
        let contact = "SELECT id, last_contact_at FROM customers ORDER BY id";
        assert_eq!(rows(&bulk, contact), rows(&single, contact));
    }

    #[test]
    fn a_bulk_interaction_of_a_missing_customer_is_refused_by_name() {
        let mut s = store();
        let entered = vec![(interaction(1, 5, 0), now()), (interaction(9, 5, 1), now())];
        let e = s
            .write(|w| {
                w.generate(
                    |w| {
                        w.add_customer(&CustomerDraft::new(CustomerKind::Person, "Ali"))?;
                        w.log_past_interactions(&entered)
                    },
                    |_| Generated::default(),
                )
            })
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::NotFound {
                    entity: "customer",
                    id: 9
                }
            ),
            "{e}"
        );
        assert_eq!(s.counts().unwrap().customers, 0, "nothing was kept");
        let schema = rows(&store(), SCHEMA);
        assert_eq!(rows(&s, SCHEMA), schema, "the indexes are as they were");
    }

    #[test]
    fn a_future_interaction_is_refused_in_bulk_too() {
        let mut s = store();
        let d = interaction(1, -60, 0);
        let e = s
            .write(|w| {
                w.generate(
                    |w| {
                        w.add_customer(&CustomerDraft::new(CustomerKind::Person, "Ali"))?;
                        w.log_past_interactions(&[(d, now())])
                    },
                    |_| Generated::default(),
                )
            })
            .unwrap_err();
        assert!(e.to_string().contains("in the future"), "{e}");
    }
}
