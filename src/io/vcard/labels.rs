//! Phone and email labels of vCard properties: a grouped `X-ABLabel` (Apple, Google)
//! or the most telling `TYPE`.

use super::Prop;
use super::clean_text;

/// The `X-ABLabel` of the property's group (Apple, Google), if any; `labels` is sorted
/// by group.
pub(super) fn group_label(prop: &Prop, labels: &[(&[u8], &Prop)]) -> Option<String> {
    let group = prop.layout.group(&prop.text);
    if group.is_empty() {
        return None;
    }
    let first = labels.partition_point(|(g, _)| *g < group);
    labels
        .get(first)
        .filter(|(g, _)| *g == group)
        .map(|(_, p)| {
            let text = String::from_utf8_lossy(p.layout.value(&p.text));
            normalise_label(&clean_text(&text))
        })
        .filter(|l| !l.is_empty())
}

/// Apple's `_$!<Mobile>!$_` is `Mobile`; well-known labels are lower-cased to the
/// words `type_label` gives.
pub(super) fn normalise_label(label: &str) -> String {
    let inner = label
        .strip_prefix("_$!<")
        .and_then(|l| l.strip_suffix(">!$_"))
        .unwrap_or(label)
        .trim();
    match known_type(inner) {
        Some(Known::Mobile) => "mobile".to_string(),
        Some(known) => known.label().to_string(),
        None if inner.to_ascii_lowercase().ends_with("fax") => "fax".to_string(),
        None => inner.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Known {
    Mobile,
    Fax,
    Pager,
    Work,
    Home,
    Main,
    Other,
}

impl Known {
    pub(super) fn label(self) -> &'static str {
        match self {
            Known::Mobile => "mobile",
            Known::Fax => "fax",
            Known::Pager => "pager",
            Known::Work => "work",
            Known::Home => "home",
            Known::Main => "main",
            Known::Other => "other",
        }
    }
}

pub(super) fn known_type(t: &str) -> Option<Known> {
    let t = t.trim();
    let is = |w: &str| t.eq_ignore_ascii_case(w);
    Some(if is("cell") || is("mobile") || is("iphone") {
        Known::Mobile
    } else if is("fax") {
        Known::Fax
    } else if is("pager") {
        Known::Pager
    } else if is("work") {
        Known::Work
    } else if is("home") {
        Known::Home
    } else if is("main") {
        Known::Main
    } else if is("other") {
        Known::Other
    } else {
        return None;
    })
}

/// Types that say nothing a person would call a label.
pub(super) fn is_generic_type(t: &str) -> bool {
    [
        "pref",
        "voice",
        "internet",
        "x400",
        "msg",
        "text",
        "video",
        "textphone",
        "postal",
        "parcel",
        "dom",
        "intl",
    ]
    .iter()
    .any(|g| t.eq_ignore_ascii_case(g))
}

/// The most telling single label among the property's types (see the module comment).
pub(super) fn type_label(prop: &Prop) -> Option<String> {
    let mut best: Option<Known> = None;
    let mut custom: Option<String> = None;
    for param in prop.params() {
        for t in param.types() {
            match known_type(&t) {
                Some(k) => best = Some(best.map_or(k, |b| b.min(k))),
                None if custom.is_none() && !is_generic_type(t.trim()) => {
                    custom = Some(t.trim().to_lowercase());
                }
                None => {}
            }
        }
    }
    best.map(|k| k.label().to_string()).or(custom)
}
