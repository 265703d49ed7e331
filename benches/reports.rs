//! The reports of issue 17 on a large database: customer value (segments, the top
//! customers, one card's value), team performance (this month, all time), and the KPI
//! report with every KPI's trend over 12 months and over 12 years (`rapport kpi
//! --trend`, the app's KPI pane once its trends come).
//!
//! By default a 50,000-customer demo database in memory; set `RAPPORT_BENCH_DB` to a
//! database file (e.g. one made with `rapport demo --customers 1000000`) to measure
//! that instead, read only as the reports read it.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::Period;
use rapport::domain::kpi::KpiRange;
use rapport::report::{ValueQuery, kpi_report_with, team_report, value_report};
use rapport::store::Store;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .to_utc()
}

fn store() -> Store {
    match std::env::var_os("RAPPORT_BENCH_DB") {
        Some(path) => Store::open(std::path::Path::new(&path)).unwrap(),
        None => {
            let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
            generate(
                &mut store,
                DemoOptions {
                    customers: 50_000,
                    seed: 1,
                },
                "bench",
            )
            .unwrap();
            store
        }
    }
}

fn bench_reports(c: &mut Criterion) {
    let store = store();
    let now = store.now();
    // A manager or admin: the whole team.
    let me = store
        .operators()
        .unwrap()
        .into_iter()
        .find(|o| o.role != rapport::domain::Role::Agent)
        .unwrap();
    let mut group = c.benchmark_group("reports");
    group.sample_size(10);
    group.bench_function("value_segments_and_top_20", |b| {
        let query = ValueQuery {
            segment: None,
            limit: 20,
        };
        b.iter(|| black_box(value_report(&store, query, &now).unwrap()))
    });
    group.bench_function("value_one_segment_top_20", |b| {
        let query = ValueQuery {
            segment: Some(rapport::domain::Segment::AtRisk),
            limit: 20,
        };
        b.iter(|| black_box(value_report(&store, query, &now).unwrap()))
    });
    let buyer = value_report(
        &store,
        ValueQuery {
            segment: None,
            limit: 1,
        },
        &now,
    )
    .unwrap()
    .customers
    .first()
    .map(|c| c.customer_id);
    if let Some(id) = buyer {
        group.bench_function("value_of_one_customer", |b| {
            b.iter(|| black_box(store.customer_value(id, now, now.date_naive()).unwrap()))
        });
    }
    for period in [Period::Month, Period::All] {
        group.bench_function(format!("team_{}", period.as_str()), |b| {
            b.iter(|| {
                black_box(team_report(&store, KpiRange::Period(period), &now, &me, None).unwrap())
            })
        });
    }
    let currency = store.default_currency().unwrap();
    for period in [Period::Month, Period::Year] {
        group.bench_function(format!("kpi_trend_{}", period.as_str()), |b| {
            b.iter(|| {
                let range = KpiRange::Period(period);
                black_box(kpi_report_with(&store, range, currency, &now, None, true).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_reports);
criterion_main!(benches);
