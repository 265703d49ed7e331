//! Store throughput: bulk writes (demo data, imports), the customer list query, the
//! going-quiet query, and what each pane of the app reads (the pipeline board from the
//! maintained deal totals, the follow-ups groups, the KPI report).

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rapport::demo::{DemoOptions, generate};
use rapport::domain::kpi::KpiRange;
use rapport::domain::{Currency, Period};
use rapport::report::kpi_report_for;
use rapport::store::{CustomerFilter, QuietFilter, Store};
use rapport::tui::panes::{followups, pipeline};

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

/// What the pipeline, follow-ups and KPI panes read, on the 20k demo store: these read
/// maintained totals and indexed windows, so they should not grow with the store.
fn bench_panes(c: &mut Criterion) {
    let mut group = c.benchmark_group("panes");
    group.sample_size(10);
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
    let today = clock().date_naive();
    let currency = Currency::from_code("USD").unwrap();
    group.bench_function("pipeline_board_of_20k_customers", |b| {
        b.iter(|| black_box(pipeline::fetch(&store, today, currency, &[]).unwrap()))
    });
    group.bench_function("followups_of_20k_customers", |b| {
        b.iter(|| black_box(followups::fetch(&store, false, 0, &clock()).unwrap()))
    });
    group.bench_function("kpi_month_of_20k_customers", |b| {
        b.iter(|| {
            black_box(
                kpi_report_for(
                    &store,
                    KpiRange::Period(Period::Month),
                    currency,
                    &clock(),
                    None,
                )
                .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_store, bench_panes);
criterion_main!(benches);
