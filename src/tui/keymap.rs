//! Keymaps as data: which keys run which [`Action`] in which context, with the
//! description the help overlay shows.
//!
//! The format follows yazi: one table per [`KeyContext`], each binding a line
//! with the keys, the action name and a description.
//!
//! ```toml
//! [global]
//! keymap = [
//!   { on = "q",        run = "quit", desc = "Quit" },
//!   { on = ["g", "g"], run = "top",  desc = "Go to the top" },
//! ]
//! ```
//!
//! Two keymaps ship with the binary (`keymaps/default.toml`, `keymaps/vim.toml`).
//! A user file (see [`user_keymap_path`]) is layered on top: its bindings come
//! first and replace the shipped bindings that use the same keys, so users
//! override a few keys without copying the whole file.
//!
//! Every problem in a file is reported with the file, the line and the
//! offending text; conflicts (the same keys twice in a context, or one key
//! sequence a prefix of another) name both lines.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use super::action::Action;

const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
const VIM_KEYMAP: &str = include_str!("../../keymaps/vim.toml");

/// Names accepted by [`Keymap::builtin`].
pub const BUILTIN_NAMES: &[&str] = &["default", "vim"];

// ---------------------------------------------------------------------------
// Contexts

/// Where a key was pressed: one table of the keymap file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyContext {
    /// Asked after the focused pane's own context.
    Global,
    /// The customer list.
    Customers,
    /// One customer's card.
    Detail,
    /// The pipeline board.
    Pipeline,
    /// The follow-up list.
    Followups,
    /// The KPI pane.
    Kpis,
    /// The team pane: each operator's performance.
    Team,
    /// The pipeline's health view (rotting deals, follow-ups, lost reasons, funnel,
    /// forecast), toggled from the board.
    Health,
    /// A form with text inputs (binds no plain printable character).
    Form,
    /// A confirmation, a prompt or the help overlay.
    Popup,
    /// The quick-lookup popup: typed text is the query (binds no plain printable character).
    Search,
    /// The daily review of due follow-ups.
    Review,
    /// The snooze menu: how long to put a follow-up off.
    Snooze,
}

impl KeyContext {
    pub const ALL: [KeyContext; 13] = [
        KeyContext::Global,
        KeyContext::Customers,
        KeyContext::Detail,
        KeyContext::Pipeline,
        KeyContext::Followups,
        KeyContext::Kpis,
        KeyContext::Team,
        KeyContext::Health,
        KeyContext::Form,
        KeyContext::Popup,
        KeyContext::Search,
        KeyContext::Review,
        KeyContext::Snooze,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Customers => "customers",
            KeyContext::Detail => "detail",
            KeyContext::Pipeline => "pipeline",
            KeyContext::Followups => "followups",
            KeyContext::Kpis => "kpis",
            KeyContext::Team => "team",
            KeyContext::Health => "health",
            KeyContext::Form => "form",
            KeyContext::Popup => "popup",
            KeyContext::Search => "search",
            KeyContext::Review => "review",
            KeyContext::Snooze => "snooze",
        }
    }

    /// Contexts where typed characters are text, so keys must be named keys or chords.
    pub fn takes_text(self) -> bool {
        matches!(self, KeyContext::Form | KeyContext::Search)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for KeyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyContext {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyContext::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown context {s:?}"))
    }
}

fn context_names() -> String {
    join_names(KeyContext::ALL.iter().map(|c| c.name()))
}

fn action_names() -> String {
    join_names(Action::ALL.iter().map(|a| a.name()))
}

fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------
// Key chords

/// One key press with its modifiers, normalised so that what a terminal sends
/// ([`KeyChord::from_event`]) compares equal to what a file says
/// ([`KeyChord::parse`]):
///
/// - for characters the case carries shift: `shift-a` is `A`, and SHIFT is
///   never stored with a [`KeyCode::Char`];
/// - ctrl + character is stored lowercase (`ctrl-K` is `ctrl-k`);
/// - shift + tab is [`KeyCode::BackTab`] without SHIFT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Modifier prefixes, in the order [`KeyChord`]'s `Display` writes them.
const MODIFIERS: [(KeyModifiers, &str); 6] = [
    (KeyModifiers::CONTROL, "ctrl"),
    (KeyModifiers::ALT, "alt"),
    (KeyModifiers::SUPER, "super"),
    (KeyModifiers::HYPER, "hyper"),
    (KeyModifiers::META, "meta"),
    (KeyModifiers::SHIFT, "shift"),
];

/// Named keys; the first name of a code is the one `Display` writes.
const NAMED_KEYS: [(&str, KeyCode); 22] = [
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
];

/// Modifiers that turn a character into a chord rather than typed text.
const CHORD_MODIFIERS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SUPER)
    .union(KeyModifiers::HYPER)
    .union(KeyModifiers::META);

impl KeyChord {
    /// A chord from a code and modifiers, normalised like [`KeyChord::from_event`].
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        let mut mods = mods;
        let shift = mods.contains(KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Tab if shift => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(single_char(c.to_lowercase()).unwrap_or(c))
                } else if shift {
                    KeyCode::Char(single_char(c.to_uppercase()).unwrap_or(c))
                } else {
                    KeyCode::Char(c)
                }
            }
            other => other,
        };
        KeyChord { code, mods }
    }

    /// The chord a terminal key event stands for. Ignores the event's kind
    /// (press, repeat, release): filter those before asking the keymap.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Parses one key: a character (`"a"`, `"A"`, `"?"`), or a name (`enter`,
    /// `esc`, `tab`, `backtab`, `space`, `backspace`, `delete`, `insert`,
    /// `up`, `down`, `left`, `right`, `home`, `end`, `pageup`, `pagedown`,
    /// `f1`…`f24`), after any modifier prefixes (`ctrl-`, `alt-`, `shift-`,
    /// also `super-`, `hyper-`, `meta-`). Names and modifiers ignore case,
    /// characters do not. `shift-` combines with letters (`shift-a` = `A`) and
    /// named keys (`shift-tab` = `backtab`), not with other characters (write
    /// `?`, not `shift-/`).
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let unknown = || format!("unknown key {text:?}");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break; // "ctrl-" has no key; "-" is the minus key.
            }
            let Some((flag, _)) = MODIFIERS
                .iter()
                .find(|(_, name)| head.eq_ignore_ascii_case(name))
            else {
                break;
            };
            mods |= *flag;
            rest = tail;
        }

        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            (Some(_), Some(_)) => named_key(rest).ok_or_else(unknown)?,
            _ => return Err(unknown()),
        };

        if let KeyCode::Char(c) = code
            && mods.contains(KeyModifiers::SHIFT)
            && !mods.contains(KeyModifiers::CONTROL)
            && !(c.is_alphabetic() && single_char(c.to_uppercase()).is_some())
        {
            return Err(format!(
                "unknown key {text:?}: shift- only goes with letters and named keys; \
                 write the shifted character itself (e.g. \"?\" or \"A\")"
            ));
        }
        Ok(KeyChord::new(code, mods))
    }

    /// A plain printable character: what a text input would take as typing.
    pub fn is_printable_char(&self) -> bool {
        matches!(self.code, KeyCode::Char(c) if !c.is_control())
            && !self.mods.intersects(CHORD_MODIFIERS)
    }
}

fn single_char(mut chars: impl Iterator<Item = char>) -> Option<char> {
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
        return Some(*code);
    }
    let digits = lower.strip_prefix('f')?;
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = digits.parse().ok()?;
    (1..=24).contains(&n).then_some(KeyCode::F(n))
}

impl FromStr for KeyChord {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyChord::parse(s)
    }
}

/// Canonical text: lowercase modifiers in the order ctrl, alt, (super, hyper,
/// meta,) shift, then the key. Parses back to the same chord.
impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, name) in MODIFIERS {
            let implied = flag == KeyModifiers::SHIFT && self.code == KeyCode::BackTab;
            if self.mods.contains(flag) && !implied {
                write!(f, "{name}-")?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) if c.is_control() => write!(f, "{}", c.escape_default()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMED_KEYS.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => f.write_str(&format!("{code:?}").to_lowercase()),
            },
        }
    }
}

/// Keys of a sequence as text, separated by spaces: `g g`, `ctrl-k`.
pub fn keys_text(keys: &[KeyChord]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// Keymaps

/// One line of a keymap: keys, the action they run, the help text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyChord>,
    pub action: Action,
    pub desc: String,
}

/// What a key means given the keys already pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The keys complete a binding.
    Action(Action),
    /// The keys are the start of a longer binding: keep them pending.
    Pending,
    /// Nothing in this context starts with these keys.
    Unbound,
}

/// All bindings, per context, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    contexts: [Vec<Binding>; KeyContext::ALL.len()],
}

/// A keymap file that can't be used. The message names the file, the line
/// and the offending text.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("unknown keymap {name:?} (use one of: {}, or the path of a .toml file)", BUILTIN_NAMES.join(", "))]
    UnknownBuiltin { name: String },
    #[error("keymap {file}:{line}: {message} in `{text}`")]
    Toml {
        file: String,
        line: usize,
        message: String,
        text: String,
    },
    #[error(
        "keymap {file}:{line}: unknown context {name:?} (use one of: {})",
        context_names()
    )]
    UnknownContext {
        file: String,
        line: usize,
        name: String,
    },
    #[error("keymap {file}:{line}: {message}")]
    BadKey {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "keymap {file}:{line}: unknown action {name:?} (use one of: {})",
        action_names()
    )]
    UnknownAction {
        file: String,
        line: usize,
        name: String,
    },
    #[error(
        "keymap {file}:{line}: [{context}] cannot bind the plain character {key:?}: \
         it takes typed text, so use a named key or a ctrl-/alt- chord"
    )]
    PrintableInForm {
        file: String,
        line: usize,
        context: KeyContext,
        key: String,
    },
    #[error(
        "keymap {file}:{line}: {keys:?} is bound twice in [{context}] (lines {first_line} and {line})"
    )]
    Duplicate {
        file: String,
        line: usize,
        context: &'static str,
        keys: String,
        first_line: usize,
    },
    #[error(
        "keymap {file}:{line}: in [{context}] {short:?} (line {short_line}) is a prefix of \
         {long:?} (line {long_line}), so {short:?} could never run on its own"
    )]
    Prefix {
        file: String,
        line: usize,
        context: &'static str,
        short: String,
        short_line: usize,
        long: String,
        long_line: usize,
    },
}

impl Keymap {
    /// A keymap that binds nothing.
    pub fn empty() -> Keymap {
        Keymap {
            contexts: Default::default(),
        }
    }

    /// One of the keymaps shipped with the binary: `"default"` or `"vim"`.
    pub fn builtin(name: &str) -> Result<Keymap, KeymapError> {
        match name {
            "default" => Keymap::parse(DEFAULT_KEYMAP, "keymaps/default.toml"),
            "vim" => Keymap::parse(VIM_KEYMAP, "keymaps/vim.toml"),
            _ => Err(KeymapError::UnknownBuiltin {
                name: name.to_string(),
            }),
        }
    }

    /// Parses keymap text. `source` names the file in error messages.
    pub fn parse(text: &str, source: &str) -> Result<Keymap, KeymapError> {
        let raw: BTreeMap<Spanned<String>, RawEntry> =
            toml::from_str(text).map_err(|e| toml_error(text, source, &e))?;
        let mut keymap = Keymap::empty();
        for (name, entry) in raw {
            let line = line_of(text, name.span().start);
            let ctx =
                name.get_ref()
                    .parse::<KeyContext>()
                    .map_err(|_| KeymapError::UnknownContext {
                        file: source.to_string(),
                        line,
                        name: name.get_ref().clone(),
                    })?;
            let raw_ctx = match entry {
                RawEntry::Context(raw_ctx) => raw_ctx,
                RawEntry::Other(kind) => {
                    return Err(KeymapError::Toml {
                        file: source.to_string(),
                        line,
                        message: format!(
                            "{ctx} is {kind}; write a table: [{ctx}] then keymap = [ ... ]"
                        ),
                        text: line_text(text, line),
                    });
                }
            };
            keymap.contexts[ctx.index()] = parse_context(text, source, ctx, raw_ctx)?;
        }
        Ok(keymap)
    }

    /// The keymap to use. `choice` is `None` or `"default"`, `"vim"`, or the
    /// path of a complete keymap file. Then `user_file`, if it exists, is
    /// layered on top (see [`Keymap::with_overrides`]).
    pub fn load(choice: Option<&str>, user_file: Option<&Path>) -> Result<Keymap, KeymapError> {
        let base = match choice.map(str::trim) {
            None | Some("") => Keymap::builtin("default")?,
            Some(name) if BUILTIN_NAMES.contains(&name) => Keymap::builtin(name)?,
            Some(path) => {
                let path = expand_home(path);
                match read_if_exists(&path)? {
                    Some(text) => Keymap::parse(&text, &display_path(&path))?,
                    None if !path.to_string_lossy().contains(['/', '\\', '.']) => {
                        return Err(KeymapError::UnknownBuiltin {
                            name: path.to_string_lossy().into_owned(),
                        });
                    }
                    None => {
                        return Err(KeymapError::Read {
                            file: display_path(&path),
                            source: std::io::Error::new(
                                std::io::ErrorKind::NotFound,
                                "no such file",
                            ),
                        });
                    }
                }
            }
        };
        let Some(user_file) = user_file else {
            return Ok(base);
        };
        match read_if_exists(user_file)? {
            Some(text) => Ok(base.with_overrides(Keymap::parse(&text, &display_path(user_file))?)),
            None => Ok(base),
        }
    }

    /// `user` layered on top of `self`: in each context the user's bindings
    /// come first, and every base binding whose keys equal a user binding's
    /// keys, or start one, or start with one, is dropped (otherwise the user's
    /// key could never run).
    pub fn with_overrides(mut self, user: Keymap) -> Keymap {
        for (base, mut over) in self.contexts.iter_mut().zip(user.contexts) {
            let kept: Vec<Binding> = std::mem::take(base)
                .into_iter()
                .filter(|b| {
                    !over
                        .iter()
                        .any(|u| u.keys.starts_with(&b.keys) || b.keys.starts_with(&u.keys))
                })
                .collect();
            over.extend(kept);
            *base = over;
        }
        self
    }

    /// What `key`, typed after `pending`, means in `ctx`. Only `ctx` is
    /// asked; fall back to [`KeyContext::Global`] yourself on `Unbound`.
    pub fn lookup(&self, ctx: KeyContext, pending: &[KeyChord], key: KeyChord) -> Lookup {
        let n = pending.len();
        let mut extends = false;
        for b in self.bindings(ctx) {
            if b.keys.len() <= n || b.keys[..n] != *pending || b.keys[n] != key {
                continue;
            }
            if b.keys.len() == n + 1 {
                return Lookup::Action(b.action);
            }
            extends = true;
        }
        if extends {
            Lookup::Pending
        } else {
            Lookup::Unbound
        }
    }

    /// The bindings that can follow `pending` in `ctx` (what to show while a
    /// sequence is pending).
    pub fn continuations<'a>(
        &'a self,
        ctx: KeyContext,
        pending: &'a [KeyChord],
    ) -> impl Iterator<Item = &'a Binding> + 'a {
        self.bindings(ctx)
            .iter()
            .filter(move |b| b.keys.len() > pending.len() && b.keys.starts_with(pending))
    }

    /// The bindings of `ctx` in file order (user overrides first).
    pub fn bindings(&self, ctx: KeyContext) -> &[Binding] {
        &self.contexts[ctx.index()]
    }

    /// The keys of the first binding of `action` in `ctx`, as text (`"?"`,
    /// `"g g"`, `"ctrl-k"`), for hints such as "? help".
    pub fn keys_for(&self, ctx: KeyContext, action: Action) -> Option<String> {
        self.bindings(ctx)
            .iter()
            .find(|b| b.action == action)
            .map(|b| keys_text(&b.keys))
    }
}

/// Where the user's keymap overrides live: `keymap.toml` in Rapport's config
/// directory (`~/.config/rapport/keymap.toml` on Linux).
pub fn user_keymap_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "rapport").map(|d| d.config_dir().join("keymap.toml"))
}

// ---------------------------------------------------------------------------
// Reading files

/// A top-level entry: a context table, or something else (reported once
/// the name is known to be a context, so that a stray `keymap = [...]`
/// outside any table is reported as an unknown context).
enum RawEntry {
    Context(RawContext),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawEntryVisitor;

        impl<'de> Visitor<'de> for RawEntryVisitor {
            type Value = RawEntry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table such as [global]")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawEntry, A::Error> {
                RawContext::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawEntry::Context)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<RawEntry, A::Error> {
                Ok(RawEntry::Other("an array"))
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawEntry, E> {
                Ok(RawEntry::Other("a string"))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawEntry, E> {
                Ok(RawEntry::Other("a boolean"))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawEntry, E> {
                Ok(RawEntry::Other("a number"))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawEntry, E> {
                Ok(RawEntry::Other("a number"))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawEntry, E> {
                Ok(RawEntry::Other("a number"))
            }
        }

        deserializer.deserialize_any(RawEntryVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    keymap: Vec<Spanned<RawBinding>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: Spanned<RawKeys>,
    run: Spanned<String>,
    desc: String,
}

/// `on = "x"` or `on = ["g", "g"]`.
enum RawKeys {
    One(String),
    Seq(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawKeysVisitor;

        impl<'de> Visitor<'de> for RawKeysVisitor {
            type Value = RawKeys;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key such as \"q\" or a list of keys such as [\"g\", \"g\"]")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawKeys, E> {
                Ok(RawKeys::One(v.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = seq.next_element::<Spanned<String>>()? {
                    keys.push(key);
                }
                Ok(RawKeys::Seq(keys))
            }
        }

        deserializer.deserialize_any(RawKeysVisitor)
    }
}

fn parse_context(
    text: &str,
    source: &str,
    ctx: KeyContext,
    raw: RawContext,
) -> Result<Vec<Binding>, KeymapError> {
    let file = || source.to_string();
    // Key sequence -> line, and strict prefix -> (line, full sequence).
    let mut seen: HashMap<Vec<KeyChord>, usize> = HashMap::new();
    let mut prefixes: HashMap<Vec<KeyChord>, (usize, Vec<KeyChord>)> = HashMap::new();
    let mut bindings = Vec::with_capacity(raw.keymap.len());

    for raw_binding in raw.keymap {
        let line = line_of(text, raw_binding.span().start);
        let raw_binding = raw_binding.into_inner();
        let on_line = line_of(text, raw_binding.on.span().start);
        let key_texts: Vec<(String, usize)> = match raw_binding.on.into_inner() {
            RawKeys::One(k) => vec![(k, on_line)],
            RawKeys::Seq(ks) => ks
                .into_iter()
                .map(|k| (line_of(text, k.span().start), k.into_inner()))
                .map(|(l, k)| (k, l))
                .collect(),
        };
        if key_texts.is_empty() {
            return Err(KeymapError::BadKey {
                file: file(),
                line: on_line,
                message: "empty key list `on = []`".to_string(),
            });
        }

        let mut keys = Vec::with_capacity(key_texts.len());
        for (key_text, key_line) in key_texts {
            let chord = KeyChord::parse(&key_text).map_err(|message| KeymapError::BadKey {
                file: file(),
                line: key_line,
                message,
            })?;
            if ctx.takes_text() && chord.is_printable_char() {
                return Err(KeymapError::PrintableInForm {
                    file: file(),
                    line: key_line,
                    context: ctx,
                    key: key_text,
                });
            }
            keys.push(chord);
        }

        let action = raw_binding.run.get_ref().parse::<Action>().map_err(|_| {
            KeymapError::UnknownAction {
                file: file(),
                line: line_of(text, raw_binding.run.span().start),
                name: raw_binding.run.get_ref().clone(),
            }
        })?;

        if let Some(&first_line) = seen.get(&keys) {
            return Err(KeymapError::Duplicate {
                file: file(),
                line,
                context: ctx.name(),
                keys: keys_text(&keys),
                first_line,
            });
        }
        for n in 1..keys.len() {
            if let Some(&short_line) = seen.get(&keys[..n]) {
                return Err(KeymapError::Prefix {
                    file: file(),
                    line,
                    context: ctx.name(),
                    short: keys_text(&keys[..n]),
                    short_line,
                    long: keys_text(&keys),
                    long_line: line,
                });
            }
        }
        if let Some((long_line, long)) = prefixes.get(&keys) {
            return Err(KeymapError::Prefix {
                file: file(),
                line,
                context: ctx.name(),
                short: keys_text(&keys),
                short_line: line,
                long: keys_text(long),
                long_line: *long_line,
            });
        }
        seen.insert(keys.clone(), line);
        for n in 1..keys.len() {
            prefixes
                .entry(keys[..n].to_vec())
                .or_insert_with(|| (line, keys.clone()));
        }

        bindings.push(Binding {
            keys,
            action,
            desc: raw_binding.desc,
        });
    }
    Ok(bindings)
}

fn toml_error(text: &str, source: &str, err: &toml::de::Error) -> KeymapError {
    let offset = err.span().map_or(0, |s| s.start);
    let line = line_of(text, offset);
    let message = err
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    KeymapError::Toml {
        file: source.to_string(),
        line,
        message,
        text: line_text(text, line),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The trimmed text of a 1-based line, shortened for an error message.
fn line_text(text: &str, line: usize) -> String {
    const MAX: usize = 60;
    let l = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim();
    if l.chars().count() > MAX {
        let cut: String = l.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        l.to_string()
    }
}

fn read_if_exists(path: &Path) -> Result<Option<String>, KeymapError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeymapError::Read {
            file: display_path(path),
            source,
        }),
    }
}

fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// A path for messages, with the home directory written as `~`.
fn display_path(path: &Path) -> String {
    if let Some(home) = home_dir()
        && let Ok(rest) = path.strip_prefix(&home)
        && !rest.as_os_str().is_empty()
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;
    use std::collections::HashSet;

    fn chord(s: &str) -> KeyChord {
        KeyChord::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn builtins() -> Vec<(&'static str, Keymap)> {
        BUILTIN_NAMES
            .iter()
            .map(|n| (*n, Keymap::builtin(n).unwrap_or_else(|e| panic!("{e}"))))
            .collect()
    }

    fn err(text: &str) -> String {
        match Keymap::parse(text, "~/.config/rapport/keymap.toml") {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    fn assert_mentions(msg: &str, parts: &[&str]) {
        assert!(
            msg.contains("~/.config/rapport/keymap.toml:"),
            "no file in {msg}"
        );
        for p in parts {
            assert!(msg.contains(p), "{p:?} missing from: {msg}");
        }
    }

    #[test]
    fn keymap_shipped_files_parse() {
        for (name, km) in builtins() {
            for ctx in KeyContext::ALL {
                assert!(!km.bindings(ctx).is_empty(), "{name}: [{ctx}] is empty");
                for b in km.bindings(ctx) {
                    let d = b.desc.trim();
                    assert!(!d.is_empty() && d.len() <= 40, "{name} [{ctx}]: desc {d:?}");
                    assert!(d.starts_with(char::is_uppercase), "{name}: {d:?}");
                }
            }
        }
        assert!(matches!(
            Keymap::builtin("emacs"),
            Err(KeymapError::UnknownBuiltin { .. })
        ));
    }

    #[test]
    fn keymap_shipped_files_have_no_conflicts() {
        for (name, km) in builtins() {
            for ctx in KeyContext::ALL {
                let bs = km.bindings(ctx);
                for (i, a) in bs.iter().enumerate() {
                    for b in &bs[i + 1..] {
                        assert!(
                            !a.keys.starts_with(&b.keys) && !b.keys.starts_with(&a.keys),
                            "{name} [{ctx}]: {} vs {}",
                            keys_text(&a.keys),
                            keys_text(&b.keys)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keymap_default_binds_every_action_except_form_and_popup_ones() {
        let km = Keymap::builtin("default").unwrap();
        let outside: HashSet<Action> = KeyContext::ALL
            .iter()
            .filter(|c| !matches!(c, KeyContext::Form | KeyContext::Popup | KeyContext::Search))
            .flat_map(|c| km.bindings(*c).iter().map(|b| b.action))
            .collect();
        let missing: HashSet<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| !outside.contains(a))
            // The search's own: a new caller is added from what was typed in it.
            .filter(|a| *a != Action::NewCaller)
            .collect();
        assert!(km.keys_for(KeyContext::Search, Action::NewCaller).is_some());
        let expected: HashSet<Action> = [
            Action::NextField,
            Action::PrevField,
            Action::Submit,
            Action::Cancel,
        ]
        .into();
        assert_eq!(missing, expected);
        for a in expected {
            assert!(
                km.keys_for(KeyContext::Form, a).is_some(),
                "{a} not in [form]"
            );
        }
        assert!(km.keys_for(KeyContext::Popup, Action::Submit).is_some());
        assert!(km.keys_for(KeyContext::Popup, Action::Cancel).is_some());
    }

    #[test]
    fn keymap_vim_binds_the_same_actions_per_context() {
        let default = Keymap::builtin("default").unwrap();
        let vim = Keymap::builtin("vim").unwrap();
        for ctx in KeyContext::ALL {
            let set = |km: &Keymap| -> HashSet<Action> {
                km.bindings(ctx).iter().map(|b| b.action).collect()
            };
            assert_eq!(set(&default), set(&vim), "[{ctx}]");
        }
        // The keys everyone relies on stay put.
        for (ctx, key, action) in [
            (KeyContext::Global, "?", Action::Help),
            (KeyContext::Global, "q", Action::Quit),
            (KeyContext::Global, "1", Action::PaneCustomers),
            (KeyContext::Global, "4", Action::PaneKpis),
            (KeyContext::Global, "5", Action::PaneTeam),
            (KeyContext::Global, "tab", Action::NextPane),
            (KeyContext::Detail, "esc", Action::Back),
            (KeyContext::Customers, "enter", Action::Open),
            (KeyContext::Customers, "down", Action::Down),
            (KeyContext::Pipeline, "l", Action::Right),
            (KeyContext::Customers, "G", Action::Bottom),
            (KeyContext::Followups, "ctrl-d", Action::PageDown),
        ] {
            assert_eq!(vim.lookup(ctx, &[], chord(key)), Lookup::Action(action));
        }
    }

    #[test]
    fn keymap_keys_for_gives_hint_text() {
        let default = Keymap::builtin("default").unwrap();
        let vim = Keymap::builtin("vim").unwrap();
        assert_eq!(
            default
                .keys_for(KeyContext::Global, Action::Help)
                .as_deref(),
            Some("?")
        );
        assert_eq!(
            default
                .keys_for(KeyContext::Global, Action::Refresh)
                .as_deref(),
            Some("ctrl-r")
        );
        assert_eq!(
            default
                .keys_for(KeyContext::Global, Action::PrevPane)
                .as_deref(),
            Some("shift-tab")
        );
        assert_eq!(
            vim.keys_for(KeyContext::Customers, Action::Top).as_deref(),
            Some("g g")
        );
        assert_eq!(default.keys_for(KeyContext::Kpis, Action::Quit), None);
    }

    #[test]
    fn keymap_chord_round_trips() {
        let keys = "a A z Z ? / > < 1 0 - = + ñ Ñ é enter esc tab backtab space backspace \
                    delete insert up down left right home end pageup pagedown f1 f5 f12 \
                    ctrl-k ctrl-r ctrl-s ctrl-- ctrl-space ctrl-enter ctrl-? alt-enter alt-a \
                    alt-A alt-1 ctrl-alt-x shift-up shift-f5 ctrl-shift-up ctrl-shift-tab \
                    alt-shift-tab super-q meta-x";
        assert_eq!(keys.split_whitespace().count(), 54);
        for k in keys.split_whitespace() {
            let c = chord(k);
            let shown = c.to_string();
            assert_eq!(chord(&shown), c, "{k:?} shown as {shown:?}");
            assert_eq!(shown.parse::<KeyChord>(), Ok(c));
        }
        // Canonical spelling.
        for (given, shown) in [
            ("Ctrl-K", "ctrl-k"),
            ("CTRL-k", "ctrl-k"),
            ("ctrl-shift-k", "ctrl-k"),
            ("shift-tab", "shift-tab"),
            ("BackTab", "shift-tab"),
            ("SPACE", "space"),
            (" ", "space"),
            ("shift-a", "A"),
            ("Shift-A", "A"),
            ("ALT-Enter", "alt-enter"),
            ("shift-alt-ctrl-up", "ctrl-alt-shift-up"),
            ("F12", "f12"),
            ("PageUp", "pageup"),
            ("pgdn", "pagedown"),
            ("escape", "esc"),
            ("return", "enter"),
            ("del", "delete"),
            ("-", "-"),
            ("ctrl--", "ctrl--"),
        ] {
            assert_eq!(chord(given).to_string(), shown, "{given:?}");
        }
        assert_ne!(chord("a"), chord("A"));
        assert_ne!(chord("alt-a"), chord("alt-A"));
        assert_eq!(chord("backtab"), chord("shift-tab"));
        assert_eq!(chord("space"), chord(" "));
    }

    #[test]
    fn keymap_chord_rejects_bad_keys() {
        for k in [
            "",
            "ctrl-",
            "ctrl",
            "alt-",
            "shift-",
            "enterr",
            "f0",
            "f25",
            "f+1",
            "f012",
            "ab",
            "a-b",
            "ctrl-ab",
            "shift-1",
            "shift-?",
            "shift-space",
            "\t",
            "\n",
            "ctrl-\u{7f}",
            "hyper",
            "--",
            "ctrl-ctrl-",
        ] {
            match KeyChord::parse(k) {
                Err(e) => assert!(e.contains(&format!("{k:?}")), "{k:?}: {e}"),
                Ok(c) => panic!("{k:?} parsed as {c}"),
            }
        }
        assert_eq!(
            KeyChord::parse("ctrl-").unwrap_err(),
            "unknown key \"ctrl-\""
        );
    }

    #[test]
    fn keymap_from_event_normalises() {
        let ev = |code, mods| KeyChord::from_event(&KeyEvent::new(code, mods));
        assert_eq!(ev(KeyCode::Char('A'), KeyModifiers::SHIFT), chord("A"));
        assert_eq!(ev(KeyCode::Char('A'), KeyModifiers::NONE), chord("A"));
        assert_eq!(ev(KeyCode::Char('a'), KeyModifiers::SHIFT), chord("A"));
        assert_eq!(ev(KeyCode::Char('?'), KeyModifiers::SHIFT), chord("?"));
        assert_eq!(
            ev(KeyCode::BackTab, KeyModifiers::SHIFT),
            chord("shift-tab")
        );
        assert_eq!(ev(KeyCode::BackTab, KeyModifiers::NONE), chord("backtab"));
        assert_eq!(ev(KeyCode::Tab, KeyModifiers::SHIFT), chord("backtab"));
        assert_eq!(
            ev(KeyCode::Char('K'), KeyModifiers::CONTROL),
            chord("ctrl-k")
        );
        assert_eq!(
            ev(
                KeyCode::Char('K'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            chord("ctrl-k")
        );
        assert_eq!(ev(KeyCode::Char('A'), KeyModifiers::ALT), chord("alt-A"));
        assert_eq!(ev(KeyCode::Up, KeyModifiers::SHIFT), chord("shift-up"));
        assert_eq!(ev(KeyCode::Enter, KeyModifiers::NONE), chord("enter"));
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(KeyChord::from_event(&release), chord("q"));
    }

    #[test]
    fn keymap_lookup_two_key_sequence() {
        let km = Keymap::builtin("vim").unwrap();
        let ctx = KeyContext::Customers;
        let g = chord("g");
        assert_eq!(km.lookup(ctx, &[], g), Lookup::Pending);
        assert_eq!(km.lookup(ctx, &[g], g), Lookup::Action(Action::Top));
        assert_eq!(km.lookup(ctx, &[g], chord("x")), Lookup::Unbound);
        assert_eq!(
            km.lookup(ctx, &[], chord("G")),
            Lookup::Action(Action::Bottom)
        );
        assert_eq!(km.lookup(ctx, &[], chord("z")), Lookup::Unbound);
        assert_eq!(km.lookup(ctx, &[], chord("q")), Lookup::Unbound); // global's job
        let next: Vec<Action> = km.continuations(ctx, &[g]).map(|b| b.action).collect();
        assert_eq!(next, [Action::Top]);
    }

    #[test]
    fn keymap_user_override_replaces_same_keys_and_keeps_the_rest() {
        let base = Keymap::builtin("default").unwrap();
        let user = Keymap::parse(
            "[pipeline]\nkeymap = [\n  { on = \"x\", run = \"open_customer\", desc = \"Open\" },\n]\n",
            "user.toml",
        )
        .unwrap();
        let merged = base.clone().with_overrides(user);
        let ctx = KeyContext::Pipeline;
        let x = chord("x");
        assert_eq!(
            merged.lookup(ctx, &[], x),
            Lookup::Action(Action::OpenCustomer)
        );
        assert_eq!(merged.bindings(ctx)[0].keys, [x]);
        assert_eq!(
            merged
                .bindings(ctx)
                .iter()
                .filter(|b| b.keys == [x])
                .count(),
            1
        );
        assert!(
            !merged
                .bindings(ctx)
                .iter()
                .any(|b| b.action == Action::MarkLost)
        );
        assert_eq!(merged.bindings(ctx).len(), base.bindings(ctx).len());
        assert_eq!(
            merged.lookup(ctx, &[], chord("w")),
            Lookup::Action(Action::MarkWon)
        );
        for other in KeyContext::ALL.into_iter().filter(|c| *c != ctx) {
            assert_eq!(merged.bindings(other), base.bindings(other));
        }

        // A user key that starts (or completes) a base sequence replaces it.
        let vim = Keymap::builtin("vim").unwrap();
        let user = Keymap::parse(
            "[customers]\nkeymap = [{ on = \"g\", run = \"top\", desc = \"Top\" }]",
            "user.toml",
        )
        .unwrap();
        let merged = vim.with_overrides(user);
        let ctx = KeyContext::Customers;
        assert_eq!(
            merged.lookup(ctx, &[], chord("g")),
            Lookup::Action(Action::Top)
        );
        assert_eq!(merged.keys_for(ctx, Action::Top).as_deref(), Some("g"));
    }

    #[test]
    fn keymap_load_layers_the_user_file() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("keymap.toml");
        // No user file: just the base.
        let km = Keymap::load(Some("vim"), Some(&user)).unwrap();
        assert_eq!(km, Keymap::builtin("vim").unwrap());
        assert_eq!(
            Keymap::load(None, None).unwrap(),
            Keymap::builtin("default").unwrap()
        );

        std::fs::write(
            &user,
            "[global]\nkeymap = [{ on = \"ctrl-q\", run = \"quit\", desc = \"Quit\" }]\n",
        )
        .unwrap();
        let km = Keymap::load(Some("default"), Some(&user)).unwrap();
        let g = KeyContext::Global;
        assert_eq!(km.keys_for(g, Action::Quit).as_deref(), Some("ctrl-q"));
        assert_eq!(km.lookup(g, &[], chord("q")), Lookup::Action(Action::Quit));

        // A path is a complete keymap.
        let full = dir.path().join("mine.toml");
        std::fs::write(
            &full,
            "[kpis]\nkeymap = [{ on = \"p\", run = \"cycle_period\", desc = \"P\" }]\n",
        )
        .unwrap();
        let km = Keymap::load(full.to_str(), None).unwrap();
        assert!(km.bindings(g).is_empty());
        assert_eq!(km.bindings(KeyContext::Kpis).len(), 1);

        // Errors in the user file name it.
        std::fs::write(
            &user,
            "[global]\nkeymap = [{ on = \"q\", run = \"fly\", desc = \"x\" }]\n",
        )
        .unwrap();
        let e = Keymap::load(None, Some(&user)).unwrap_err().to_string();
        assert!(e.contains("keymap.toml:2"), "{e}");
        assert!(e.contains("\"fly\""), "{e}");

        let e = Keymap::load(Some("vmi"), None).unwrap_err().to_string();
        assert!(e.contains("unknown keymap \"vmi\""), "{e}");
        let missing = dir.path().join("nope.toml");
        let e = Keymap::load(missing.to_str(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope.toml"), "{e}");
    }

    #[test]
    fn keymap_user_keymap_path_is_in_the_config_dir() {
        if let Some(p) = user_keymap_path() {
            assert!(p.ends_with("keymap.toml"), "{}", p.display());
            assert!(p.to_string_lossy().contains("rapport"), "{}", p.display());
        }
    }

    #[test]
    fn keymap_error_unknown_key() {
        let msg = err(
            "[global]\nkeymap = [\n  { on = \"ctrl-\", run = \"quit\", desc = \"Quit\" },\n]\n",
        );
        assert_mentions(&msg, &["keymap.toml:3:", "unknown key \"ctrl-\""]);
        assert!(msg.starts_with("keymap ~/.config/rapport/keymap.toml:3: unknown key \"ctrl-\""));

        // In a multi-line sequence, the line of the bad element.
        let msg = err(
            "[customers]\nkeymap = [\n  { on = [\"g\",\n     \"gg\"], run = \"top\", desc = \"Top\" },\n]\n",
        );
        assert_mentions(&msg, &["keymap.toml:4:", "\"gg\""]);

        let msg = err("[global]\nkeymap = [{ on = [], run = \"quit\", desc = \"Quit\" }]\n");
        assert_mentions(&msg, &["keymap.toml:2:", "on = []"]);
    }

    #[test]
    fn keymap_error_unknown_action() {
        let msg = err(
            "# mine\n[global]\nkeymap = [\n  { on = \"q\", run = \"quit\", desc = \"Quit\" },\n\n\n  { on = \"f\", run = \"fly\", desc = \"Fly\" },\n]\n",
        );
        assert_mentions(
            &msg,
            &["keymap.toml:7:", "unknown action \"fly\"", "quit, help"],
        );
    }

    #[test]
    fn keymap_error_unknown_context() {
        let msg = err(
            "[global]\nkeymap = []\n[pipelines]\nkeymap = [{ on = \"w\", run = \"mark_won\", desc = \"Won\" }]\n",
        );
        assert_mentions(
            &msg,
            &[
                "keymap.toml:3:",
                "unknown context \"pipelines\"",
                "(use one of: global, customers, detail, pipeline, followups, kpis, team, health, form, popup, search, review, snooze)",
            ],
        );
    }

    #[test]
    fn keymap_error_toml_syntax_and_shape() {
        let msg =
            err("[global]\nkeymap = [\n  { on = \"q\" run = \"quit\", desc = \"Quit\" },\n]\n");
        assert_mentions(&msg, &["keymap.toml:3:", "{ on = \"q\" run = \"quit\""]);

        let msg = err("[global]\n\nkeymap = [\n  { on = \"q\", run = \"quit\" },\n]\n");
        assert_mentions(
            &msg,
            &["keymap.toml:4:", "desc", "{ on = \"q\", run = \"quit\" }"],
        );

        let msg = err(
            "[global]\nkeymap = [\n  { on = \"q\", run = \"quit\", desc = \"Quit\", mode = 1 },\n]\n",
        );
        assert_mentions(&msg, &["keymap.toml:3:", "mode"]);

        let msg = err("[global]\nkeymap = [{ on = 5, run = \"quit\", desc = \"Quit\" }]\n");
        assert_mentions(&msg, &["keymap.toml:2:", "on = 5"]);

        let msg = err("[global]\nkeymap = []\n[global]\nkeymap = []\n");
        assert_mentions(&msg, &["keymap.toml:3:", "[global]"]);

        let msg = err("# mine\n[[global]]\nkeymap = []\n");
        assert_mentions(
            &msg,
            &["keymap.toml:2:", "global is an array", "[[global]]"],
        );

        // Bindings outside any table.
        let msg = err("\nkeymap = [{ on = \"q\", run = \"quit\", desc = \"Quit\" }]\n");
        assert_mentions(&msg, &["keymap.toml:2:", "unknown context \"keymap\""]);
    }

    #[test]
    fn keymap_error_printable_key_in_form() {
        let msg = err(
            "[form]\nkeymap = [\n  { on = \"esc\", run = \"cancel\", desc = \"Cancel\" },\n  { on = \"j\", run = \"next_field\", desc = \"Next\" },\n]\n",
        );
        assert_mentions(&msg, &["keymap.toml:4:", "[form]", "\"j\""]);
        let msg = err("[form]\nkeymap = [{ on = \"space\", run = \"submit\", desc = \"Save\" }]\n");
        assert_mentions(&msg, &["keymap.toml:2:", "\"space\""]);
        let msg =
            err("[form]\nkeymap = [{ on = \"shift-a\", run = \"submit\", desc = \"Save\" }]\n");
        assert_mentions(&msg, &["keymap.toml:2:", "\"shift-a\""]);
        // Named keys and ctrl/alt chords are fine; other contexts may bind letters.
        Keymap::parse(
            "[form]\nkeymap = [\n { on = \"ctrl-j\", run = \"next_field\", desc = \"Next\" },\n { on = \"alt-k\", run = \"prev_field\", desc = \"Prev\" },\n { on = \"f2\", run = \"submit\", desc = \"Save\" },\n]\n[popup]\nkeymap = [{ on = \"j\", run = \"submit\", desc = \"Yes\" }]\n",
            "ok.toml",
        )
        .unwrap();
    }

    #[test]
    fn keymap_error_duplicate_names_both_lines() {
        let msg = err(
            "[pipeline]\nkeymap = [\n  { on = \"x\", run = \"mark_lost\", desc = \"Lost\" },\n  { on = \"w\", run = \"mark_won\", desc = \"Won\" },\n  { on = \"x\", run = \"mark_won\", desc = \"Won\" },\n]\n",
        );
        assert_mentions(
            &msg,
            &["keymap.toml:5:", "\"x\"", "[pipeline]", "lines 3 and 5"],
        );
        // "X" and "shift-x" are the same key.
        let msg = err(
            "[kpis]\nkeymap = [\n { on = \"X\", run = \"cycle_period\", desc = \"P\" },\n { on = \"shift-x\", run = \"cycle_period\", desc = \"P\" },\n]\n",
        );
        assert_mentions(&msg, &["keymap.toml:4:", "lines 3 and 4", "\"X\""]);
        // The same key in two contexts is not a conflict.
        Keymap::parse(
            "[global]\nkeymap = [{ on = \"q\", run = \"quit\", desc = \"Quit\" }]\n[popup]\nkeymap = [{ on = \"q\", run = \"cancel\", desc = \"Cancel\" }]\n",
            "ok.toml",
        )
        .unwrap();
    }

    #[test]
    fn keymap_error_prefix_names_both_lines() {
        // Shorter first.
        let msg = err(
            "[customers]\nkeymap = [\n  { on = \"g\", run = \"top\", desc = \"Top\" },\n  { on = [\"g\", \"g\"], run = \"bottom\", desc = \"Bottom\" },\n]\n",
        );
        assert_mentions(
            &msg,
            &[
                "keymap.toml:4:",
                "[customers]",
                "\"g\" (line 3)",
                "\"g g\" (line 4)",
            ],
        );
        // Longer first.
        let msg = err(
            "[customers]\nkeymap = [\n  { on = [\"g\", \"g\", \"x\"], run = \"top\", desc = \"Top\" },\n  { on = \"up\", run = \"up\", desc = \"Up\" },\n  { on = [\"g\", \"g\"], run = \"bottom\", desc = \"Bottom\" },\n]\n",
        );
        assert_mentions(
            &msg,
            &["keymap.toml:5:", "\"g g\" (line 5)", "\"g g x\" (line 3)"],
        );
    }

    #[test]
    fn keymap_garbage_input_is_an_error_not_a_panic() {
        for text in [
            "[",
            "]]]",
            "keymap",
            "= =",
            "[global]\nkeymap = 5",
            "[global]\nkeymap = [1, 2]",
            "[global]\nkeymap = [[\"q\"]]",
            "[global]\nkeymap = [{}]",
            "[global]\nkeymap = [{ on = \"q\" }]",
            "[global]\nkeymap = [{ on = [\"q\", 3], run = \"quit\", desc = \"Q\" }]",
            "[global]\nkeymap = [{ on = \"q\", run = 3, desc = \"Q\" }]",
            "[global]\nkeymap = [{ on = {}, run = \"quit\", desc = \"Q\" }]",
            "global = 1",
            "global = \"q\"",
            "[global.keymap]\non = \"q\"",
            "[[global]]\nkeymap = []",
            "[global]\nkeymap = [{ on = \"\u{0}\", run = \"quit\", desc = \"Q\" }]",
            "[global]\nkeymap = [{ on = \"q\", run = \"quit\", desc = \"Q\" }\n",
            "\u{feff}\u{feff}[global]",
            "[global]\nkeymap = [{ on = \"q\", run = \"quit\", desc = \"\"\"\n",
            "\"\"\"",
            "[é]\nkeymap=[]",
        ] {
            let result = Keymap::parse(text, "g.toml");
            let e = result.expect_err(text).to_string();
            assert!(e.contains("g.toml"), "{text:?}: {e}");
        }

        let fragments = [
            "[",
            "]",
            "{",
            "}",
            "=",
            ",",
            "\"",
            "'",
            "\n",
            " ",
            "#",
            "on",
            "run",
            "desc",
            "keymap",
            "global",
            "form",
            "popup",
            "\"q\"",
            "\"quit\"",
            "\"ctrl-\"",
            "\"g\"",
            "[\"g\",\"g\"]",
            "1",
            "1e9",
            "true",
            "\\u",
            "\\",
            "é",
            "\u{0}",
            "\r",
            "\t",
            ".",
            "[[",
            "]]",
            "\"\"\"",
            "'''",
            "-",
            "+",
            "2024-01-01",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..3000 {
            let n = rng.usize(0..40);
            let text: String = (0..n)
                .map(|_| fragments[rng.usize(..fragments.len())])
                .collect();
            let _ = Keymap::parse(&text, "fuzz.toml");
            let key: String = (0..rng.usize(0..4))
                .map(|_| fragments[rng.usize(..fragments.len())])
                .collect();
            if let Ok(c) = KeyChord::parse(&key) {
                assert_eq!(KeyChord::parse(&c.to_string()), Ok(c), "{key:?}");
            }
        }
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..rng.usize(0..80)).map(|_| rng.u8(..)).collect();
            let text = String::from_utf8_lossy(&bytes);
            let _ = Keymap::parse(&text, "bytes.toml");
            let _ = KeyChord::parse(&text);
        }
    }
}
