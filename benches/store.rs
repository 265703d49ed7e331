//! Store throughput: bulk writes (demo data, imports), the customer list query and the
//! going-quiet query.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rapport::demo::{DemoOptions, generate};
use rapport::store::{CustomerFilter, QuietFilter, Store};

fn clock() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .to_utc()
}

fn bench_store(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function("demo_2000_customers_in_memory", |b| {
        b.iter(|| {
            let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
            black_box(
                generate(
                    &mut store,
                    DemoOptions {
                        customers: 2_000,
                        seed: 1,
                    },
                    "bench",
                )
                .unwrap(),
            )
        })
    });
    let mut store = Store::open_in_memory().unwrap().with_clock(Arc::new(clock));
    generate(
        &mut store,
        DemoOptions {
            customers: 20_000,
            seed: 1,
        },
        "bench",
    )
    .unwrap();
    group.bench_function("first_50_of_20k_customers_by_name", |b| {
        let filter = CustomerFilter {
            limit: Some(50),
            ..Default::default()
        };
        b.iter(|| black_box(store.customers(&filter).unwrap()))
    });
    // The demo's cadences: key-account every 14d/21d, 8% with their own, the default.
    group.bench_function("going_quiet_top_20_of_20k_customers", |b| {
        let filter = QuietFilter {
            include_due: true,
            limit: Some(20),
            ..Default::default()
        };
        b.iter(|| black_box(store.going_quiet(&filter, clock()).unwrap()))
    });
    group.bench_function("going_quiet_count_of_20k_customers", |b| {
        let filter = QuietFilter {
            include_due: true,
            ..Default::default()
        };
        b.iter(|| black_box(store.going_quiet_count(&filter, clock()).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_store);
criterion_main!(benches);
