//! Demo data generation (`rapport demo`): 10k customers with their two years of
//! history into a new database file, from opening it to the committed transaction.
//! The figure to watch for `rapport demo --customers 100000` (target ≤ 10 s).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rapport::demo::{DemoOptions, generate};
use rapport::store::Store;

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .to_utc()
}

fn bench_demo(c: &mut Criterion) {
    let mut group = c.benchmark_group("demo");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("10k_customers_into_a_new_file", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let mut store = Store::open(&dir.path().join("demo.db"))
                    .unwrap()
                    .with_clock(Arc::new(clock));
                let report = generate(
                    &mut store,
                    DemoOptions {
                        customers: 10_000,
                        seed: 1,
                    },
                    "bench",
                )
                .unwrap();
                drop(store);
                black_box(report)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_demo);
criterion_main!(benches);
