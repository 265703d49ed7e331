//! Import throughput into a database file (WAL, as operators use it): CSV contacts
//! (target ≥ 100,000 per second) and vCards (target ≥ 20,000 per second), from reading
//! the bytes to the committed transaction, with duplicate matching on.

use std::hint::black_box;
use std::path::PathBuf;

/// The allocator the `rapport` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rapport::io::ReadOptions;
use rapport::io::import::{ImportOptions, import_paths};
use rapport::store::Store;

const CONTACTS: usize = 20_000;

const FIRST: &[&str] = &[
    "Ada",
    "Иван",
    "مریم",
    "Jonas",
    "Fatemeh",
    "Ольга",
    "Tomás",
    "Sara",
    "Reza",
    "Emma",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Петров",
    "رضایی",
    "Lefèvre",
    "Karimi",
    "Смирнова",
    "Rossi",
    "Walker",
];

fn person(i: usize) -> (String, String, String, String) {
    let name = format!(
        "{} {} {i}",
        FIRST[i % FIRST.len()],
        LAST[i / 7 % LAST.len()]
    );
    let phone = format!("+44 7700 {:06}", i);
    let email = format!("person{i}@example.org");
    let company = format!("Company {}", i % 500);
    (name, phone, email, company)
}

fn csv_file(n: usize) -> Vec<u8> {
    let mut out = String::from("Name,Phone,Email,Company,Notes\r\n");
    for i in 0..n {
        let (name, phone, email, company) = person(i);
        out.push_str(&format!(
            "{name},{phone},{email},{company},Met at the fair\r\n"
        ));
    }
    out.into_bytes()
}

fn vcard_file(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        let (name, phone, email, company) = person(i);
        out.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nORG:{company}\r\nTEL;TYPE=CELL:{phone}\r\n\
             EMAIL;TYPE=INTERNET:{email}\r\nNOTE:Met at the fair\r\nEND:VCARD\r\n"
        ));
    }
    out.into_bytes()
}

/// A fresh database file and the input file beside it.
fn setup(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> (Store, PathBuf) {
    let db = dir.path().join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let input = dir.path().join(name);
    std::fs::write(&input, bytes).unwrap();
    (Store::open(&db).unwrap(), input)
}

fn bench_import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CONTACTS as u64));
    let dir = tempfile::tempdir().unwrap();
    for (label, name, bytes) in [
        (
            "csv_20k_contacts_into_a_file",
            "contacts.csv",
            csv_file(CONTACTS),
        ),
        (
            "vcard_20k_contacts_into_a_file",
            "contacts.vcf",
            vcard_file(CONTACTS),
        ),
    ] {
        group.bench_function(label, |b| {
            b.iter_batched(
                || setup(&dir, name, &bytes),
                |(mut store, input)| {
                    let done = import_paths(
                        &mut store,
                        &[input],
                        &ReadOptions::default(),
                        &ImportOptions::default(),
                        &mut |_, _| {},
                    )
                    .unwrap();
                    assert_eq!(done.report.created, CONTACTS);
                    black_box(done)
                },
                BatchSize::PerIteration,
            )
        });
    }
    // The part before the store: decoding, parsing and validating every record.
    let bytes = csv_file(CONTACTS);
    group.bench_function("csv_20k_contacts_read_and_validated", |b| {
        b.iter(|| {
            let file =
                rapport::io::read_contacts_file("contacts.csv", &bytes, &ReadOptions::default())
                    .unwrap();
            let valid = file
                .outcome
                .records
                .iter()
                .filter(|r| rapport::io::import::draft_of(r, "bench", None, false).is_ok())
                .count();
            assert_eq!(valid, CONTACTS);
            black_box(valid)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
