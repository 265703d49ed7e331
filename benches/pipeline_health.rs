//! Pipeline health on a large database: the health report (rotting deals against
//! their stages' limits, deals without a follow-up, lost reasons, the funnel) and the
//! forecast by stage and by operator, each what one view of the app reads.
//!
//! By default a 50,000-customer demo database in memory; set `RAPPORT_BENCH_DB` to a
//! database file (e.g. one made with `rapport demo --customers 1000000`) to measure
//! that instead, read only as the reports read it.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::kpi::KpiRange;
use rapport::domain::pipeline_health::Breakdown;
use rapport::domain::{Period, Role};
use rapport::report::{forecast_report, health_report};
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

fn bench_health(c: &mut Criterion) {
    let store = store();
    let now = store.now();
    // A manager or admin: the whole team's deals.
    let me = store
        .operators()
        .unwrap()
        .into_iter()
        .find(|o| o.role != Role::Agent)
        .unwrap();
    let mut group = c.benchmark_group("pipeline_health");
    group.sample_size(10);
    group.bench_function("health_report_lost_this_year", |b| {
        b.iter(|| {
            black_box(
                health_report(&store, &now, KpiRange::Period(Period::Year), &me, None).unwrap(),
            )
        })
    });
    group.bench_function("health_inputs_one_snapshot", |b| {
        let (from, to) = (
            now.date_naive() - chrono::Duration::days(365),
            now.date_naive(),
        );
        b.iter(|| {
            black_box(
                store
                    .health_inputs(now.timestamp(), from, to, None, 50)
                    .unwrap(),
            )
        })
    });
    for by in [Breakdown::Stage, Breakdown::Operator] {
        group.bench_function(format!("forecast_by_{}_6_months", by.as_str()), |b| {
            b.iter(|| black_box(forecast_report(&store, &now, 6, by, &me, None).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_health);
criterion_main!(benches);
