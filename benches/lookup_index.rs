//! The shared lookup index: loading its snapshot against building it from records, and
//! the first answer after a load. Prints (stderr) build, write and load times and the
//! snapshot's size at 100k and 1M records; `RAPPORT_BENCH_QUICK=1` skips 1M.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, SamplingMode};
use rapport::search::{SearchIndex, SearchRecord, Stamp};

const FIRST: &[&str] = &[
    "Olivia",
    "James",
    "Müller",
    "Ivan",
    "Анна",
    "Пётр",
    "Артём",
    "Фёдор",
    "علی",
    "زهرا",
    "محمد",
    "Mahsa",
    "Léa",
    "Reza",
    "Ольга",
    "مهدی",
];
const LAST: &[&str] = &[
    "Smith",
    "García",
    "Петров",
    "Соловьёв",
    "Ёлкина",
    "رضایی",
    "کریمی",
    "حسینی",
    "Novak",
    "Karimi",
    "Jansen",
    "Волкова",
    "Dubois",
    "Rossi",
    "محمدی",
    "Nowak",
];
const COMPANY: &[&str] = &["Acme GmbH", "ООО «Волга»", "شرکت پارس", "Redwood Labs", ""];

fn records(n: usize) -> Vec<SearchRecord> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n as i64)
        .map(|id| {
            let (a, b, c) = (next(), next(), next());
            let first = FIRST[(a % FIRST.len() as u64) as usize];
            let last = LAST[(b % LAST.len() as u64) as usize];
            let company = COMPANY[(c % COMPANY.len() as u64) as usize];
            SearchRecord {
                id: id + 1,
                name: format!("{first} {last}"),
                company: (!company.is_empty()).then(|| company.to_string()),
                phones: vec![format!("98912{:07}", a % 10_000_000)],
                emails: vec![format!("{}.{}{}@example.com", id % 977, b % 89, c % 7)],
                tags: if c % 5 == 0 {
                    vec!["vip".into()]
                } else {
                    vec![]
                },
                last_contact: (a % 3 != 0).then_some(1_700_000_000 + (b % 50_000_000) as i64),
            }
        })
        .collect()
}

fn report(c: &mut Criterion, n: usize) {
    let t = Instant::now();
    let mut index = SearchIndex::build(records(n));
    let build = t.elapsed();
    let dir = std::env::temp_dir().join(format!("rapport-bench-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db.lookup");
    let stamp = Stamp {
        schema: 1,
        mark: 0,
        fingerprint: 0,
    };
    let t = Instant::now();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    index.write_snapshot(&mut out, &stamp).unwrap();
    drop(out);
    let write = t.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();
    let load = || {
        let f = std::fs::File::open(&path).unwrap();
        SearchIndex::map_snapshot(&f).unwrap()
    };
    let t = Instant::now();
    let (loaded, _) = load();
    let first = loaded.search("Артём Фёд", 50);
    let load_and_answer = t.elapsed();
    assert_eq!(first, index.search("Артём Фёд", 50));
    eprintln!(
        "lookup index at {n}: build {:.0} ms, write {:.0} ms, snapshot {:.1} MB, load + first answer {:.0} ms (warm cache)",
        build.as_secs_f64() * 1e3,
        write.as_secs_f64() * 1e3,
        size as f64 / 1e6,
        load_and_answer.as_secs_f64() * 1e3
    );
    let mut g = c.benchmark_group(format!("lookup_index_{n}"));
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.bench_function("load_snapshot", |b| b.iter(|| black_box(load())));
    if n <= 100_000 {
        g.bench_function("build_from_records", |b| {
            b.iter_with_setup(|| records(n), |r| black_box(SearchIndex::build(r)))
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    report(&mut c, 100_000);
    if std::env::var_os("RAPPORT_BENCH_QUICK").is_none() {
        report(&mut c, 1_000_000);
    }
    c.final_summary();
}
