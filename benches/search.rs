//! Quick-lookup search: per-keystroke latency through a `Searcher`, index build, memory,
//! and the naive baselines (SkimMatcherV2 and nucleo-matcher over every record, and a
//! `str::contains` scan) on the same deterministic mixed-script data.
//!
//! Besides criterion's figures it prints (stderr) the numbers issue 4 asks for: median
//! and worst per-keystroke latency at 100k and 1M, the build time at 1M, and the
//! process RSS after building the 1M index. `RAPPORT_BENCH_QUICK=1` skips the 1M part.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};
use rapport::domain::{CustomerDraft, CustomerKind, Email, Phone, PhoneKind};
use rapport::search::{SearchIndex, SearchRecord, Searcher};
use rapport::store::Store;
use rapport::text::fold;

// ------------------------------------------------------------------ data

const LATIN_FIRST: &[&str] = &[
    "Olivia", "James", "Emma", "Liam", "Sophia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloé",
    "Mateo", "Hannah", "Jonas", "Léa", "Henrik", "Isabel", "Tomás", "Grace", "Oscar", "Zoë",
    "Felix", "Nora", "Aiden", "Marta", "Pieter", "Julia", "Samuel", "Clara", "Victor", "Amélie",
    "Daniel", "Ingrid", "Marco", "Elena", "John", "Mary", "Robert", "Linda", "Michael", "Sarah",
    "David", "Laura", "Peter", "Anna", "Ivan", "Olga", "Maria", "Paul", "Sofia",
];
const LATIN_LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Müller",
    "García",
    "Rossi",
    "Dubois",
    "Jansen",
    "Novak",
    "Andersson",
    "O'Brien",
    "Fischer",
    "Martínez",
    "Bianchi",
    "Lefèvre",
    "Kowalski",
    "Nielsen",
    "Brown",
    "Taylor",
    "Wilson",
    "Moreau",
    "Schmidt",
    "Costa",
    "Lindqvist",
    "Horváth",
    "Walker",
    "Clarke",
    "Weber",
    "Romano",
    "Petit",
    "Hughes",
    "Ivanov",
    "Petrov",
    "Smirnov",
    "Williams",
    "Jones",
];
const LATIN_ONSET: &[&str] = &[
    "Al", "Ber", "Car", "Dan", "El", "Fer", "Gar", "Har", "Jon", "Kel", "Lam", "Mor", "Nor", "Pet",
    "Ros", "Sal", "Tor", "Val", "Wil", "Bran", "Cal", "Dor", "Ev", "Gil", "Hol", "Mar", "Stan",
];
const LATIN_MID: &[&str] = &["", "", "", "a", "e", "i", "o", "an", "er", "el", "in"];
const LATIN_CODA: &[&str] = &[
    "ton", "son", "ley", "man", "berg", "ford", "well", "wood", "by", "er", "ini", "ez", "ard",
    "ing", "ski", "sen", "strom", "mann", "ier", "ova", "ovic", "escu", "elli", "ard", "ham",
];
const RU_FIRST_M: &[&str] = &[
    "Иван",
    "Пётр",
    "Дмитрий",
    "Фёдор",
    "Сергей",
    "Алексей",
    "Андрей",
    "Михаил",
    "Николай",
    "Артём",
    "Семён",
    "Владимир",
    "Юрий",
    "Олег",
    "Максим",
    "Егор",
    "Никита",
    "Павел",
    "Роман",
];
const RU_FIRST_F: &[&str] = &[
    "Анна",
    "Мария",
    "Алёна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Юлия",
    "Светлана",
    "Ирина",
    "Ксения",
    "Дарья",
    "Полина",
    "Матрёна",
    "Екатерина",
    "Иванна",
    "Софья",
];
const RU_ROOTS: &[&str] = &[
    "Иван",
    "Петр",
    "Сидор",
    "Смирн",
    "Кузнец",
    "Попов",
    "Волк",
    "Соколов",
    "Лебед",
    "Козл",
    "Новик",
    "Морозов",
    "Соловь",
    "Киселёв",
    "Горбач",
    "Захар",
    "Фёдор",
    "Орл",
    "Медвед",
    "Зайц",
];
const RU_SYL: &[&str] = &[
    "Ба", "Ва", "Го", "Да", "Же", "За", "Ки", "Ло", "Ма", "Ни", "По", "Ра", "Се", "Ту", "Фё", "Ха",
    "Це", "Чу", "Ша", "Щё", "Бе", "Ве", "Ги", "Ду", "Ко", "Ле", "Мо", "Но", "Пе", "Ро",
];
const RU_SYL2: &[&str] = &[
    "ран", "лов", "бед", "лин", "мир", "тов", "рож", "дыш", "кар", "сел", "вин", "гуш", "пан",
];
const RU_SUFFIX: &[&str] = &["ов", "ев", "ин", "ский", "енко", "ёв"];
const FA_FIRST: &[&str] = &[
    "علی",
    "زهرا",
    "محمد",
    "فاطمه",
    "رضا",
    "مریم",
    "حسین",
    "سارا",
    "امیر",
    "نرگس",
    "مهدی",
    "لیلا",
    "کامران",
    "گلاره",
    "پانته\u{200C}آ",
    "عزت\u{200C}الله",
    "علی اصغر",
    "نیلوفر",
    "کیوان",
    "شیرین",
    "یاسمن",
    "بهرام",
    "سیاوش",
    "پریسا",
    "آرش",
    "مهسا",
    "کاوه",
    "ژیلا",
];
const FA_ROOTS: &[&str] = &[
    "رضا",
    "احمد",
    "کیان",
    "موسو",
    "طاهر",
    "جعفر",
    "حسین",
    "کریم",
    "محمد",
    "صادق",
    "نور",
    "فرهاد",
    "شریف",
    "قاسم",
    "یزد",
    "تهران",
    "شیراز",
    "کرمان",
];
const FA_SYL: &[&str] = &[
    "پر", "مه", "سا", "نی", "کا", "را", "دا", "زه", "شی", "فا", "لا", "مو", "نو", "ری", "سی", "تا",
    "بی", "گل", "آر", "بر",
];
const FA_SUFFIX: &[&str] = &["ی", "یی", "زاده", "پور", "نیا", "فر", "\u{200C}زاده"];
const COMPANY_A: &[&[&str]] = &[
    &[
        "Acme",
        "Northwind",
        "Redwood",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark",
        "Wayne",
        "Cyber",
        "Blue",
        "Green",
        "Silver",
        "Atlas",
        "Nova",
        "Apex",
        "Delta",
        "Omega",
        "Vertex",
        "Pioneer",
        "Summit",
        "Harbor",
        "Orion",
        "Falcon",
        "Cedar",
        "Maple",
        "Quantum",
        "Vector",
        "Nimbus",
    ],
    &[
        "Ромашка",
        "Северсталь",
        "Техно",
        "Альфа",
        "Вектор",
        "Гранит",
        "Заря",
        "Восток",
        "Импульс",
        "Спектр",
        "Меридиан",
        "Прогресс",
        "Сфера",
        "Орбита",
        "Стройка",
        "Фрегат",
    ],
    &[
        "پارس",
        "آریا",
        "ایران",
        "البرز",
        "سپهر",
        "کیمیا",
        "نوین",
        "آفتاب",
        "پیشگام",
        "دماوند",
        "مهر",
        "سپید",
        "آسمان",
        "پویا",
        "رایان",
        "تدبیر",
    ],
];
const COMPANY_B: &[&[&str]] = &[
    &[
        "Labs",
        "Trading",
        "Systems",
        "Group",
        "Holdings",
        "Logistics",
        "Media",
        "Foods",
        "Energy",
        "Partners",
        "Consulting",
        "Software",
        "Motors",
        "Bank",
        "Retail",
        "Health",
    ],
    &[
        "Групп",
        "Холдинг",
        "Трейд",
        "Системс",
        "Логистик",
        "Сервис",
        "Строй",
        "Инвест",
        "Маркет",
    ],
    &[
        "داده",
        "صنعت",
        "تجارت",
        "گستر",
        "پردازش",
        "سازه",
        "ارتباط",
        "الکترونیک",
        "پخش",
    ],
];
const COMPANY_PREFIX: &[&str] = &["", "ООО ", "شرکت "];
const TAGS: &[&str] = &[
    "vip",
    "lead",
    "key-account",
    "partner",
    "reseller",
    "churn-risk",
    "newsletter",
    "b2b",
    "b2c",
    "trial",
    "enterprise",
    "smb",
    "government",
    "education",
    "healthcare",
    "retail",
    "expo-2025",
    "webinar",
    "referral",
    "cold",
    "warm",
    "hot",
    "support",
    "billing",
    "tehran",
    "moscow",
    "london",
    "new-york",
    "berlin",
    "постоянный",
    "опт",
    "ویژه",
    "عمده",
];
const MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "mail.ru",
    "yandex.ru",
    "icloud.com",
    "proton.me",
];
const TRANSLIT: &[&str] = &[
    "ivan", "petr", "dmitry", "fedor", "sergey", "anna", "maria", "olga", "ali", "zahra",
    "mohammad", "fatemeh", "reza", "maryam", "hossein", "sara", "amir", "john", "emma", "liam",
];

/// A deterministic customer generator: a third each Latin, Cyrillic and Persian.
struct Gen {
    rng: fastrand::Rng,
    next_id: i64,
    left: usize,
}

impl Gen {
    fn new(n: usize, seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            next_id: 1,
            left: n,
        }
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.usize(0..list.len())]
    }

    fn name(&mut self, script: usize) -> String {
        match script {
            0 => {
                let first = self.pick(LATIN_FIRST);
                let last = if self.rng.u8(..) < 90 {
                    self.pick(LATIN_LAST).to_string()
                } else {
                    format!(
                        "{}{}{}",
                        self.pick(LATIN_ONSET),
                        self.pick(LATIN_MID),
                        self.pick(LATIN_CODA)
                    )
                };
                format!("{first} {last}")
            }
            1 => {
                let female = self.rng.bool();
                let first = if female {
                    self.pick(RU_FIRST_F)
                } else {
                    self.pick(RU_FIRST_M)
                };
                let root = if self.rng.u8(..) < 100 {
                    self.pick(RU_ROOTS).to_string()
                } else {
                    format!("{}{}", self.pick(RU_SYL), self.pick(RU_SYL2))
                };
                let suffix = self.pick(RU_SUFFIX);
                let mut last = format!("{root}{suffix}");
                if female {
                    if last.ends_with("ский") {
                        last = last.trim_end_matches("ий").to_string() + "ая";
                    } else if !last.ends_with("енко") {
                        last.push('а');
                    }
                }
                format!("{first} {last}")
            }
            _ => {
                let first = self.pick(FA_FIRST);
                let root = if self.rng.u8(..) < 120 {
                    self.pick(FA_ROOTS).to_string()
                } else {
                    format!("{}{}", self.pick(FA_SYL), self.pick(FA_SYL))
                };
                format!("{first} {root}{}", self.pick(FA_SUFFIX))
            }
        }
    }

    fn phone(&mut self) -> String {
        let r = &mut self.rng;
        match r.usize(0..8) {
            0 => format!("0912{:07}", r.u32(0..10_000_000)),
            1 => format!("98912{:07}", r.u32(0..10_000_000)),
            2 => format!("021{:08}", r.u32(0..100_000_000)),
            3 => format!("79{:09}", r.u32(0..1_000_000_000)),
            4 => format!("89{:09}", r.u32(0..1_000_000_000)),
            5 => format!("4420{:08}", r.u32(0..100_000_000)),
            6 => format!("447{:09}", r.u32(0..1_000_000_000)),
            _ => format!("1{:03}{:07}", r.u32(200..999), r.u32(0..10_000_000)),
        }
    }
}

impl Iterator for Gen {
    type Item = SearchRecord;

    fn next(&mut self) -> Option<SearchRecord> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let id = self.next_id;
        self.next_id += 1 + (self.rng.u8(..) < 10) as i64; // a few gaps (deleted customers)
        let script = self.rng.usize(0..3);
        let is_company = self.rng.u8(..) < 25;
        let company = |g: &mut Gen| {
            let s = g.rng.usize(0..3);
            format!(
                "{}{} {}",
                COMPANY_PREFIX[s],
                g.pick(COMPANY_A[s]),
                g.pick(COMPANY_B[s])
            )
        };
        let (name, company) = if is_company {
            (company(self), None)
        } else {
            let name = self.name(script);
            let c = (self.rng.u8(..) < 130).then(|| company(self));
            (name, c)
        };
        let phones = (0..1 + (self.rng.u8(..) < 80) as usize)
            .map(|_| self.phone())
            .collect();
        let emails = (0..(self.rng.u8(..) < 220) as usize + (self.rng.u8(..) < 40) as usize)
            .map(|_| {
                let a = self.pick(TRANSLIT);
                let b = self.pick(TRANSLIT);
                let n = self.rng.u32(0..1000);
                let domain = self.pick(MAIL_DOMAINS);
                format!("{a}.{b}{n}@{domain}")
            })
            .collect();
        let tags = (0..self.rng.usize(0..4))
            .map(|_| self.pick(TAGS).to_string())
            .collect();
        let last_contact =
            (self.rng.u8(..) < 210).then(|| 1_700_000_000 + self.rng.i64(0..63_072_000));
        Some(SearchRecord {
            id,
            name,
            company,
            phones,
            emails,
            tags,
            last_contact,
        })
    }
}

/// What an operator types, one char at a time (at most 9 chars each).
const QUERIES: &[&str] = &[
    // Latin names, companies, emails, tags; typos.
    "ivanov",
    "smith",
    "olivia w",
    "acme lab",
    "gmail",
    "northwin",
    "ivnov",
    "smiht",
    "jonh smi",
    "muller",
    "vip",
    "b2b lead",
    "petrva",
    "marto",
    // Typos of every kind (issue 14): a wrong letter, two in a long word, a swapped
    // pair, an extra letter, the first letter.
    "lindqwist",
    "lindkwist",
    "aidan",
    "hughse",
    "hugghes",
    "bughes",
    "olivai smi",
    // Cyrillic, incl. ё typed as е, and a typo.
    "иван пе",
    "петро",
    "соловьев",
    "ромашка",
    "ивнов",
    "иваонв",
    "саловьев",
    "алена",
    "ооо техн",
    // Persian, incl. Arabic yeh/kaf typed, ZWNJ compounds and two words.
    "علی",
    "رضایی",
    "محمد ر",
    "پانتهآ",
    "رضايي",
    "رضاپی",
    "كامران",
    "شرکت پا",
    // Phone digits: domestic, international, last digits, UK, Russian trunk.
    "0912345",
    "+98 912",
    "4567",
    "020 7946",
    "8 916 1",
    "+7 916 2",
];

struct Latency {
    median: Duration,
    p99: Duration,
    worst: Duration,
    worst_query: String,
    keystrokes: usize,
    max_single: Duration,
}

/// Types every query char by char through a fresh `Searcher`, `runs` times; a
/// keystroke's latency is its median over the runs.
fn keystroke_latency(index: &SearchIndex, runs: usize) -> Latency {
    let mut per_key: Vec<(Duration, String)> = Vec::new();
    let mut max_single = Duration::ZERO;
    for q in QUERIES {
        let chars: Vec<char> = q.chars().collect();
        let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); chars.len()];
        for _ in 0..runs {
            let mut s = Searcher::new();
            for n in 1..=chars.len() {
                let typed: String = chars[..n].iter().collect();
                let t = Instant::now();
                black_box(s.search(index, &typed, 50));
                let d = t.elapsed();
                max_single = max_single.max(d);
                samples[n - 1].push(d);
            }
        }
        for (n, mut s) in samples.into_iter().enumerate() {
            s.sort();
            per_key.push((s[s.len() / 2], chars[..=n].iter().collect()));
        }
    }
    per_key.sort_by_key(|(d, _)| *d);
    let n = per_key.len();
    Latency {
        median: per_key[n / 2].0,
        p99: per_key[(n * 99 / 100).min(n - 1)].0,
        worst: per_key[n - 1].0,
        worst_query: per_key[n - 1].1.clone(),
        keystrokes: n,
        max_single,
    }
}

fn print_latency(label: &str, l: &Latency) {
    eprintln!(
        "[search] {label}: {} keystrokes, median {:.3} ms, p99 {:.3} ms, worst {:.3} ms ({:?}); single worst sample {:.3} ms",
        l.keystrokes,
        ms(l.median),
        ms(l.p99),
        ms(l.worst),
        l.worst_query,
        ms(l.max_single)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One lowercased, folded line per record, as the naive baselines search it.
fn haystacks(records: &[SearchRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let mut h = r.name.clone();
            for part in r
                .company
                .iter()
                .chain(&r.phones)
                .chain(&r.emails)
                .chain(&r.tags)
            {
                h.push_str(" | ");
                h.push_str(part);
            }
            fold(&h)
        })
        .collect()
}

const BASELINE_QUERIES: &[&str] = &["ivanov", "иван", "0912345"];

fn naive_baselines(c: &mut Criterion, label: &str, records: &[SearchRecord], big: bool) {
    let hay = haystacks(records);
    let hay32: Vec<Utf32String> = hay.iter().map(|h| Utf32String::from(h.as_str())).collect();
    let mut g = c.benchmark_group(format!("naive_{label}"));
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(if big { 300 } else { 500 }));
    g.measurement_time(Duration::from_secs(if big { 4 } else { 2 }));
    let skim = SkimMatcherV2::default();
    for q in BASELINE_QUERIES {
        g.bench_function(format!("skim_fuzzy_match/{q}"), |b| {
            b.iter(|| {
                hay.iter()
                    .filter(|h| skim.fuzzy_match(h, q).is_some())
                    .count()
            })
        });
        let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        g.bench_function(format!("nucleo_pattern_score/{q}"), |b| {
            b.iter(|| {
                hay32
                    .iter()
                    .filter(|h| pattern.score(h.slice(..), &mut matcher).is_some())
                    .count()
            })
        });
        g.bench_function(format!("str_contains/{q}"), |b| {
            b.iter(|| hay.iter().filter(|h| h.contains(q)).count())
        });
    }
    g.finish();
}

fn keystrokes_bench(c: &mut Criterion, label: &str, index: &SearchIndex) {
    let mut g = c.benchmark_group(format!("search_{label}"));
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    let keys: usize = QUERIES.iter().map(|q| q.chars().count()).sum();
    g.bench_function(format!("all_{keys}_keystrokes_typed"), |b| {
        b.iter(|| {
            for q in QUERIES {
                let mut s = Searcher::new();
                let chars: Vec<char> = q.chars().collect();
                for n in 1..=chars.len() {
                    let typed: String = chars[..n].iter().collect();
                    black_box(s.search(index, &typed, 50));
                }
            }
        })
    });
    for q in [
        "ivanov",
        "иван пе",
        "رضایی",
        "0912345",
        "ivnov",
        "артём фёд",
        "lindqwist",
        "иваонв",
    ] {
        g.bench_function(format!("fresh/{q}"), |b| b.iter(|| index.search(q, 50)));
    }
    g.finish();
}

/// The two fuzzy scorers on what the engine gives them: folded words and terms (the
/// capped candidate set: 200 typo matches).
fn scorer_comparison(c: &mut Criterion, records: &[SearchRecord]) {
    let mut words: Vec<String> = Vec::new();
    for r in records.iter().take(5000) {
        for w in fold(&r.name).split(' ') {
            if w.chars().count() >= 4 && words.len() < 200 {
                words.push(w.to_string());
            }
        }
    }
    // A typo per word: drop its third char (an anchored subsequence with one gap).
    let terms: Vec<String> = words
        .iter()
        .map(|w| {
            let mut cs: Vec<char> = w.chars().collect();
            cs.remove(2);
            cs.into_iter().collect()
        })
        .collect();
    let skim = SkimMatcherV2::default().respect_case();
    let mut nucleo = Matcher::new(Config::DEFAULT);
    let mut g = c.benchmark_group("scorer_200_typo_candidates");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(1));
    g.bench_function("skim_fuzzy_indices", |b| {
        b.iter(|| {
            words
                .iter()
                .zip(&terms)
                .filter_map(|(w, t)| skim.fuzzy_indices(w, t))
                .count()
        })
    });
    let w32: Vec<Utf32String> = words
        .iter()
        .map(|w| Utf32String::from(w.as_str()))
        .collect();
    let t32: Vec<Utf32String> = terms
        .iter()
        .map(|t| Utf32String::from(t.as_str()))
        .collect();
    g.bench_function("nucleo_fuzzy_indices", |b| {
        let mut idx = Vec::new();
        b.iter(|| {
            w32.iter()
                .zip(&t32)
                .filter_map(|(w, t)| {
                    idx.clear();
                    nucleo.fuzzy_indices(w.slice(..), t.slice(..), &mut idx)
                })
                .count()
        })
    });
    g.bench_function("nucleo_fuzzy_indices_with_conversion", |b| {
        let mut idx = Vec::new();
        let (mut wb, mut tb) = (Vec::new(), Vec::new());
        b.iter(|| {
            words
                .iter()
                .zip(&terms)
                .filter_map(|(w, t)| {
                    idx.clear();
                    let w = Utf32Str::new(w, &mut wb);
                    let t = Utf32Str::new(t, &mut tb);
                    nucleo.fuzzy_indices(w, t, &mut idx)
                })
                .count()
        })
    });
    g.finish();
    let agree = words
        .iter()
        .zip(&terms)
        .filter(|(w, t)| skim.fuzzy_match(w, t).is_some())
        .count();
    eprintln!(
        "[search] scorer check: skim matched {agree}/{} typo pairs",
        words.len()
    );
}

/// Loading the index from a real SQLite file: `Store::for_each_search_record` (one
/// query per table, merged by id) streamed into an `IndexBuilder`.
fn store_load(n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("search.db")).expect("open store");
    let t = Instant::now();
    store
        .write(|w| {
            for r in Gen::new(n, 11) {
                let mut d = CustomerDraft::new(CustomerKind::Person, r.name);
                d.phones = r
                    .phones
                    .iter()
                    .filter_map(|p| Phone::parse(PhoneKind::Mobile, p).ok())
                    .collect();
                d.emails = r
                    .emails
                    .iter()
                    .filter_map(|e| Email::parse(e).ok())
                    .collect();
                d.tags = r.tags;
                w.add_customer(&d)?;
            }
            Ok(())
        })
        .expect("insert customers");
    let insert = t.elapsed();
    let t = Instant::now();
    let mut count = 0;
    store
        .for_each_search_record(|r| count += r.phones.len() + 1)
        .expect("read");
    let read = t.elapsed();
    let t = Instant::now();
    let index = store.search_index().expect("search index");
    let load = t.elapsed();
    let x = (1_000_000 / n) as f64;
    eprintln!(
        "[search] store {n}: inserted in {:.1} s; Store::for_each_search_record alone {:.3} s; Store::search_index (read + build, one thread) {:.3} s ({} records); projected x{x} for 1M: read {:.2} s, store -> index {:.2} s",
        insert.as_secs_f64(),
        read.as_secs_f64(),
        load.as_secs_f64(),
        index.len(),
        read.as_secs_f64() * x,
        load.as_secs_f64() * x,
    );
    black_box(count);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let quick = std::env::var_os("RAPPORT_BENCH_QUICK").is_some();
    eprintln!(
        "[search] cores: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    if !quick {
        // 1M first, so the RSS figure is the index and nothing the other parts allocate.
        let rss0 = rss_mb().unwrap_or(0.0);
        let t = Instant::now();
        let index = SearchIndex::from_records(Gen::new(1_000_000, 42));
        let build = t.elapsed();
        let rss = rss_mb().unwrap_or(0.0);
        eprintln!(
            "[search] 1M: generated+built streaming in {:.2} s; process RSS {:.0} MB (before: {:.0} MB); index heap {:.0} MB; {} distinct words",
            build.as_secs_f64(),
            rss,
            rss0,
            index.heap_bytes() as f64 / 1e6,
            index.word_count()
        );
        let lat = keystroke_latency(&index, 5);
        print_latency("1M per keystroke", &lat);
        keystrokes_bench(&mut c, "1m", &index);
        drop(index);

        let records: Vec<SearchRecord> = Gen::new(1_000_000, 42).collect();
        let mut builds = Vec::new();
        for _ in 0..3 {
            let copy = records.clone();
            let t = Instant::now();
            let ix = SearchIndex::build(copy);
            builds.push(t.elapsed());
            drop(ix);
        }
        builds.sort();
        eprintln!(
            "[search] 1M: SearchIndex::build from a Vec: median {:.2} s of 3 (min {:.2} s)",
            builds[1].as_secs_f64(),
            builds[0].as_secs_f64()
        );
        let mut g = c.benchmark_group("build_1m");
        g.sample_size(10).sampling_mode(SamplingMode::Flat);
        g.warm_up_time(Duration::from_millis(100));
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("SearchIndex::build", |b| {
            b.iter_batched(
                || records.clone(),
                SearchIndex::build,
                BatchSize::PerIteration,
            )
        });
        g.finish();
        naive_baselines(&mut c, "1m", &records, true);
    }

    let records: Vec<SearchRecord> = Gen::new(100_000, 7).collect();
    let t = Instant::now();
    let index = SearchIndex::build(records.clone());
    eprintln!(
        "[search] 100k: built in {:.3} s, index heap {:.1} MB",
        t.elapsed().as_secs_f64(),
        index.heap_bytes() as f64 / 1e6
    );
    let lat = keystroke_latency(&index, 5);
    print_latency("100k per keystroke", &lat);
    keystrokes_bench(&mut c, "100k", &index);
    let mut g = c.benchmark_group("build_100k");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("SearchIndex::build", |b| {
        b.iter_batched(
            || records.clone(),
            SearchIndex::build,
            BatchSize::LargeInput,
        )
    });
    g.finish();
    naive_baselines(&mut c, "100k", &records, false);
    scorer_comparison(&mut c, &records);
    drop(index);
    drop(records);
    store_load(200_000);
    c.final_summary();
}
