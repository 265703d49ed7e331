//! Real name lists (../shared/data/names, read only): every Persian and Russian name is
//! found by its own text and by the spellings the other keyboard layout or habit gives
//! (`ё`/`е`; Arabic `ي`/`ك` for Persian `ی`/`ک`; ZWNJ typed or not). Skipped, with a
//! notice, where ../shared is absent.

use std::path::PathBuf;

use rapport::search::{SearchIndex, SearchRecord, Searcher};

fn names_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/names");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the real-name search test",
            dir.display()
        );
        None
    }
}

fn lines(path: PathBuf) -> Vec<String> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// First CSV column (no field in these files needs quoting), header skipped.
fn csv_column(path: PathBuf, column: usize) -> Vec<String> {
    lines(path)
        .into_iter()
        .skip(1)
        .filter_map(|l| l.split(',').nth(column).map(str::to_string))
        .collect()
}

#[test]
fn every_persian_and_russian_name_is_found_by_its_spellings() {
    let Some(dir) = names_dir() else { return };
    let mut persian = lines(dir.join("persian/armanyazdi_female_fa.txt"));
    persian.extend(lines(dir.join("persian/armanyazdi_male_fa.txt")));
    let mut russian = csv_column(dir.join("russian/ulzr_male_first_names.csv"), 0);
    russian.extend(csv_column(
        dir.join("russian/ulzr_female_first_names.csv"),
        0,
    ));
    russian.extend(csv_column(dir.join("russian/ulzr_patronymics.csv"), 1));
    russian.extend(csv_column(dir.join("russian/ulzr_patronymics.csv"), 2));
    russian.extend(csv_column(dir.join("russian/ulzr_male_last_names.csv"), 0));
    assert!(persian.len() > 600 && russian.len() > 50_000);
    assert!(persian.iter().any(|n| n.contains('\u{200C}')));
    assert!(russian.iter().any(|n| n.contains('ё')));

    let names: Vec<&String> = persian.iter().chain(&russian).collect();
    let records: Vec<SearchRecord> = names
        .iter()
        .enumerate()
        .map(|(i, n)| SearchRecord {
            id: i as i64 + 1,
            name: n.to_string(),
            ..Default::default()
        })
        .collect();
    let index = SearchIndex::build(records);
    let mut searcher = Searcher::new();
    let mut checked = 0;
    let mut found = |query: &str, id: i64| {
        checked += 1;
        let hits = searcher.search(&index, query, 50);
        assert!(
            hits.iter().any(|h| h.id == id),
            "{query:?} does not find #{id} {:?}",
            names[id as usize - 1]
        );
    };
    for (i, name) in names.iter().enumerate() {
        let id = i as i64 + 1;
        found(name, id);
        found(&name.to_uppercase(), id);
        if name.contains(['ё', 'Ё']) {
            found(&name.replace('ё', "е").replace('Ё', "Е"), id);
        }
        if name.contains(['е', 'Е']) {
            found(&name.replace('е', "ё"), id);
        }
        if name.contains(['ی', 'ک']) {
            found(&name.replace('ی', "ي").replace('ک', "ك"), id);
        }
        if name.contains('\u{200C}') {
            found(&name.replace('\u{200C}', ""), id);
        }
    }
    assert!(checked > 120_000, "{checked} queries");
}
