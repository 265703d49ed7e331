//! Name material for demo data, in three scripts, each with a Latin transliteration
//! for email addresses. Written for Rapport (not taken from any dataset).

/// `(native, latin)` pairs.
pub type Pair = (&'static str, &'static str);

pub const LATIN_FIRST: &[&str] = &[
    "Olivia", "James", "Emma", "Liam", "Sophia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloé",
    "Mateo", "Hannah", "Jonas", "Léa", "Henrik", "Isabel", "Tomás", "Grace", "Oscar", "Zoë",
    "Felix", "Nora", "Aiden", "Marta", "Pieter", "Julia", "Samuel", "Clara", "Victor", "Amélie",
    "Daniel", "Ingrid", "Marco", "Elena",
];

pub const LATIN_LAST: &[&str] = &[
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
];

pub const PERSIAN_FIRST: &[Pair] = &[
    ("علی", "ali"),
    ("زهرا", "zahra"),
    ("محمد", "mohammad"),
    ("فاطمه", "fatemeh"),
    ("رضا", "reza"),
    ("مریم", "maryam"),
    ("حسین", "hossein"),
    ("سارا", "sara"),
    ("امیر", "amir"),
    ("نرگس", "narges"),
    ("مهدی", "mahdi"),
    ("لیلا", "leila"),
    ("کامران", "kamran"),
    ("شیرین", "shirin"),
    ("بهرام", "bahram"),
    ("پانته‌آ", "pantea"),
    ("آرش", "arash"),
    ("نیلوفر", "niloufar"),
    ("کیوان", "keyvan"),
    ("یاسمن", "yasaman"),
    ("عزت‌الله", "ezzatollah"),
    ("ترانه", "taraneh"),
    ("سیاوش", "siavash"),
    ("گلاره", "gelareh"),
];

pub const PERSIAN_LAST: &[Pair] = &[
    ("احمدی", "ahmadi"),
    ("محمدی", "mohammadi"),
    ("حسینی", "hosseini"),
    ("رضایی", "rezaei"),
    ("کریمی", "karimi"),
    ("موسوی", "mousavi"),
    ("جعفری", "jafari"),
    ("صادقی", "sadeghi"),
    ("قاسمی", "ghasemi"),
    ("کاظمی", "kazemi"),
    ("یزدانی", "yazdani"),
    ("تهرانی", "tehrani"),
    ("شریفی", "sharifi"),
    ("نوری", "nouri"),
    ("فرهادی", "farhadi"),
    ("اکبری", "akbari"),
    ("بهرامی", "bahrami"),
    ("کیانی", "kiani"),
    ("طاهری", "taheri"),
    ("پاکزاد", "pakzad"),
];

/// `(male, female, latin)`: Russian first names with a transliteration.
pub const CYRILLIC_FIRST: &[(&str, bool, &str)] = &[
    ("Дмитрий", true, "dmitry"),
    ("Анна", false, "anna"),
    ("Сергей", true, "sergey"),
    ("Елена", false, "elena"),
    ("Алексей", true, "alexey"),
    ("Ольга", false, "olga"),
    ("Артём", true, "artyom"),
    ("Татьяна", false, "tatiana"),
    ("Фёдор", true, "fyodor"),
    ("Алёна", false, "alyona"),
    ("Иван", true, "ivan"),
    ("Мария", false, "maria"),
    ("Пётр", true, "pyotr"),
    ("Наталья", false, "natalia"),
    ("Семён", true, "semyon"),
    ("Ирина", false, "irina"),
    ("Михаил", true, "mikhail"),
    ("Светлана", false, "svetlana"),
    ("Николай", true, "nikolay"),
    ("Юлия", false, "yulia"),
];

/// Male surname forms; the female form adds `а` (Иванов → Иванова).
pub const CYRILLIC_LAST: &[Pair] = &[
    ("Иванов", "ivanov"),
    ("Смирнов", "smirnov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Соловьёв", "solovyov"),
    ("Волков", "volkov"),
    ("Фёдоров", "fyodorov"),
    ("Морозов", "morozov"),
    ("Киселёв", "kiselyov"),
    ("Лебедев", "lebedev"),
    ("Новиков", "novikov"),
    ("Козлов", "kozlov"),
    ("Соколов", "sokolov"),
    ("Орлов", "orlov"),
    ("Горбачёв", "gorbachyov"),
    ("Захаров", "zakharov"),
];

/// Company names per script: `(name, email domain)`.
pub const LATIN_COMPANY_STEMS: &[&str] = &[
    "Northwind",
    "Bluebay",
    "Ironbridge",
    "Silverline",
    "Greenfield",
    "Redwood",
    "Harbor",
    "Summit",
    "Brightwave",
    "Oakridge",
    "Stonegate",
    "Clearwater",
    "Pinecrest",
    "Goldleaf",
    "Westbrook",
    "Skyline",
    "Maple",
    "Falcon",
];
pub const LATIN_COMPANY_SUFFIXES: &[&str] = &[
    "Trading",
    "Logistics",
    "Systems",
    "Foods",
    "Partners",
    "Labs",
    "Industries",
    "Consulting",
    "Retail",
    "Media",
];
pub const PERSIAN_COMPANY_STEMS: &[Pair] = &[
    ("آریا", "arya"),
    ("پارس", "pars"),
    ("البرز", "alborz"),
    ("کاوه", "kaveh"),
    ("سپهر", "sepehr"),
    ("نوین", "novin"),
    ("مهرگان", "mehregan"),
    ("دماوند", "damavand"),
    ("زاگرس", "zagros"),
    ("کوروش", "kourosh"),
];
pub const PERSIAN_COMPANY_SUFFIXES: &[Pair] = &[
    ("تجارت", "tejarat"),
    ("صنعت", "sanat"),
    ("سیستم", "system"),
    ("پخش", "pakhsh"),
    ("فناوری", "fanavari"),
];
pub const CYRILLIC_COMPANY_STEMS: &[Pair] = &[
    ("Северный Ветер", "severveter"),
    ("Восток", "vostok"),
    ("Прогресс", "progress"),
    ("Сибирь", "sibir"),
    ("Волга", "volga"),
    ("Альфа", "alfa"),
    ("Гранит", "granit"),
    ("Меридиан", "meridian"),
    ("Ладога", "ladoga"),
];
/// Qualifiers that keep company names distinct in large demo sets.
pub const BRANCHES: &[Pair] = &[
    ("North", "north"),
    ("South", "south"),
    ("East", "east"),
    ("West", "west"),
    ("International", "intl"),
    ("Holding", "holding"),
    ("Group", "group"),
    ("Services", "services"),
    ("Trade", "trade"),
    ("Digital", "digital"),
];
pub const CYRILLIC_COMPANY_FORMS: &[&str] = &["ООО", "АО", "ПАО"];

pub const CITIES: &[&str] = &[
    "12 High Street, Leeds LS1 4AP, UK",
    "Hauptstraße 5, 10115 Berlin, Germany",
    "ul. Tverskaya 7, Moscow, Russia",
    "Valiasr St. 1450, Tehran, Iran",
    "Nevsky pr. 28, Saint Petersburg, Russia",
    "Chahar Bagh St. 22, Isfahan, Iran",
    "350 Fifth Avenue, New York, NY 10118, USA",
    "Rue de Rivoli 99, 75001 Paris, France",
    "Via Roma 12, Milano, Italy",
];

pub const TAGS: &[&str] = &[
    "vip",
    "key-account",
    "newsletter",
    "partner",
    "reseller",
    "trial",
    "enterprise",
    "smb",
    "referral",
    "event-2025",
];

pub const SOURCES: &[&str] = &[
    "website",
    "referral",
    "trade fair",
    "cold call",
    "partner",
    "newsletter",
    "import",
];

pub const DEAL_TITLES: &[&str] = &[
    "Annual licence",
    "Support renewal",
    "Pilot project",
    "Hardware upgrade",
    "Consulting package",
    "Training day",
    "Enterprise rollout",
    "Add-on seats",
    "Maintenance contract",
    "Cloud migration",
    "Integration work",
    "Starter plan",
];

pub const CALL_SUMMARIES: &[&str] = &[
    "Discussed pricing for next quarter",
    "Asked about delivery times",
    "Follow-up on the proposal",
    "Complaint about a late invoice, resolved",
    "Introduced the new product line",
    "Checked in after onboarding",
    "Negotiated volume discount",
    "Scheduled a demo",
    "Confirmed the order",
    "Left a voicemail",
];

pub const EMAIL_SUMMARIES: &[&str] = &[
    "Sent the quotation",
    "Shared the case study",
    "Replied to support question",
    "Sent contract draft",
    "Newsletter follow-up",
    "Invoice reminder",
];

pub const MEETING_SUMMARIES: &[&str] = &[
    "On-site visit with the purchasing team",
    "Quarterly business review",
    "Product demo",
    "Kick-off meeting",
    "Lunch with the decision maker",
];

pub const NOTE_SUMMARIES: &[&str] = &[
    "Prefers calls after 14:00",
    "Budget approved for next year",
    "New purchasing manager from next month",
    "Competitor offered a lower price",
    "Interested in the premium tier",
];

pub const OUTCOMES: &[&str] = &[
    "interested",
    "needs time",
    "wants a call back",
    "ordered",
    "not now",
    "no answer",
];

pub const LOST_REASONS: &[&str] = &[
    "price too high",
    "chose a competitor",
    "no budget",
    "project cancelled",
    "no response",
];

pub const REMINDER_NOTES: &[&str] = &[
    "Call back about the proposal",
    "Send updated quotation",
    "Check satisfaction after delivery",
    "Ask for a referral",
    "Renewal is coming up",
    "Confirm meeting time",
    "Follow up on unpaid invoice",
];

/// Demo operators: `(login, display name)`.
pub const OPERATORS: &[(&str, &str)] = &[
    ("sara", "Sara Karimi"),
    ("ivan", "Ivan Sokolov"),
    ("emma", "Emma Walker"),
    ("reza", "Reza Tehrani"),
];
