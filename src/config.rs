//! The config file: `config.toml` in the config directory (`$XDG_CONFIG_HOME/rapport`,
//! else `~/.config/rapport` on Linux), or the file `RAPPORT_CONFIG` names. It sets
//! what an operator would otherwise type every time: the database, the currency, the
//! time zone, the KPI period, the hour a date without a time means, and the keymap.
//! Flags win over the environment, the environment over this file, and this file over
//! the built-in defaults.
//!
//! ```toml
//! database = "~/crm/team.db"
//! currency = "EUR"
//! time_zone = "Europe/Berlin"
//! default_period = "quarter"
//! default_hour = "08:30"
//! keymap = "vim"
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::{Currency, Period};

/// The environment variable that names another config file (empty: none at all).
pub const CONFIG_ENV: &str = "RAPPORT_CONFIG";

/// A config file that cannot be used: it names the file and, where there is one, the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {}: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {}{}: {reason}", file.display(), line.map(|n| format!(", line {n}")).unwrap_or_default())]
    Syntax {
        file: PathBuf,
        line: Option<usize>,
        reason: String,
    },
    #[error("config file {}: {key}: {reason}", file.display())]
    Value {
        file: PathBuf,
        key: &'static str,
        reason: String,
    },
}

/// What the config file sets; `None` where it says nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file these settings came from (`None`: no file, every setting is a default).
    pub file: Option<PathBuf>,
    pub database: Option<crate::store::Location>,
    pub currency: Option<Currency>,
    pub time_zone: Option<Tz>,
    pub default_period: Option<Period>,
    pub default_hour: Option<NaiveTime>,
    /// `default`, `vim`, or a keymap file (made absolute against the config's folder).
    pub keymap: Option<String>,
}

/// The file as written: every value a string, or an hour as a number.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database: Option<String>,
    currency: Option<String>,
    time_zone: Option<String>,
    default_period: Option<String>,
    default_hour: Option<HourText>,
    keymap: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HourText {
    Number(i64),
    Text(String),
}

/// The config file to read: `RAPPORT_CONFIG` if set (empty for none), else
/// `config.toml` in the platform's config directory. The flag says whether the file was
/// named explicitly (then it must exist).
pub fn config_file() -> Option<(PathBuf, bool)> {
    match std::env::var_os(CONFIG_ENV) {
        Some(v) if v.is_empty() => None,
        Some(v) => Some((PathBuf::from(v), true)),
        None => directories::ProjectDirs::from("", "", "rapport")
            .map(|d| (d.config_dir().join("config.toml"), false)),
    }
}

impl Config {
    /// Reads the config file (see [`config_file`]). No file at the default place is no
    /// settings; a file `RAPPORT_CONFIG` names must exist.
    pub fn load() -> Result<Self, ConfigError> {
        let Some((file, named)) = config_file() else {
            return Ok(Self::default());
        };
        match std::fs::read_to_string(&file) {
            Ok(text) => Self::parse(&text, &file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read { file, source }),
        }
    }

    /// Reads `text`, the contents of `file` (relative paths in it are relative to the
    /// file's folder).
    pub fn parse(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            file: file.to_path_buf(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            reason: e.message().trim().replace('\n', " "),
        })?;
        let bad = |key: &'static str, reason: String| ConfigError::Value {
            file: file.to_path_buf(),
            key,
            reason,
        };
        let folder = file.parent().unwrap_or(Path::new(""));
        let database = match raw.database.as_deref().map(str::trim) {
            Some("") => {
                return Err(bad(
                    "database",
                    "is empty; name a file, e.g. \"~/crm/rapport.db\"".into(),
                ));
            }
            Some(p) => Some(match crate::store::Location::parse(p) {
                crate::store::Location::File(_) => {
                    crate::store::Location::File(resolve_path(p, folder))
                }
                server => server,
            }),
            None => None,
        };
        let currency = raw
            .currency
            .as_deref()
            .map(Currency::from_code)
            .transpose()
            .map_err(|e| bad("currency", e.reason))?;
        let time_zone = raw
            .time_zone
            .as_deref()
            .map(|z| {
                z.trim().parse::<Tz>().map_err(|_| {
                    bad(
                        "time_zone",
                        format!("{:?} is not a time zone name; use one such as \"Europe/Berlin\", \"Asia/Tehran\" or \"UTC\"", z.trim()),
                    )
                })
            })
            .transpose()?;
        let default_period = raw
            .default_period
            .as_deref()
            .map(|p| Period::parse("default_period", p))
            .transpose()
            .map_err(|e| bad("default_period", e.reason))?;
        let default_hour = raw
            .default_hour
            .map(|h| match h {
                HourText::Number(n) => u32::try_from(n)
                    .ok()
                    .and_then(|n| NaiveTime::from_hms_opt(n, 0, 0))
                    .ok_or_else(|| format!("{n} is not an hour from 0 to 23")),
                HourText::Text(t) => parse_hour(&t),
            })
            .transpose()
            .map_err(|why| bad("default_hour", why))?;
        let keymap = match raw.keymap.as_deref().map(str::trim) {
            Some("") => {
                return Err(bad(
                    "keymap",
                    "is empty; use \"default\", \"vim\" or a keymap file".into(),
                ));
            }
            // A file, not a built-in name: relative to the config's folder.
            Some(k) if k.contains(['/', '\\', '.']) => {
                Some(resolve_path(k, folder).to_string_lossy().into_owned())
            }
            Some(k) => Some(k.to_string()),
            None => None,
        };
        Ok(Self {
            file: Some(file.to_path_buf()),
            database,
            currency,
            time_zone,
            default_period,
            default_hour,
            keymap,
        })
    }
}

/// `09:00`, `9:30`, `9`: the time of day a date without one means.
pub fn parse_hour(text: &str) -> Result<NaiveTime, String> {
    let t = text.trim();
    let (h, m) = match t.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => ("", ""),
        None => (t, "00"),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(h) && digits(m) {
        let (h, m) = (
            h.parse::<u32>().unwrap_or(99),
            m.parse::<u32>().unwrap_or(99),
        );
        if let Some(time) = NaiveTime::from_hms_opt(h, m, 0) {
            return Ok(time);
        }
    }
    Err(format!(
        "{t:?} is not a time of day; write it as HH:MM (24-hour), e.g. \"09:00\""
    ))
}

/// `~/x` in the home directory, an absolute path as it is, anything else in `folder`.
fn resolve_path(text: &str, folder: &Path) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
    {
        return home.join(rest);
    }
    let path = PathBuf::from(text);
    if path.is_absolute() {
        path
    } else {
        folder.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/etc/rapport/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_every_setting() {
        let c = parse(
            "database = \"team.db\"\ncurrency = \"eur\"\ntime_zone = \"Asia/Tehran\"\n\
             default_period = \"Quarter\"\ndefault_hour = \"08:30\"\nkeymap = \"vim\"\n",
        )
        .unwrap();
        assert_eq!(
            c.database,
            Some(crate::store::Location::File("/etc/rapport/team.db".into()))
        );
        assert_eq!(c.currency, Some(Currency::from_code("EUR").unwrap()));
        assert_eq!(c.time_zone, Some(chrono_tz::Asia::Tehran));
        assert_eq!(c.default_period, Some(Period::Quarter));
        assert_eq!(c.default_hour, NaiveTime::from_hms_opt(8, 30, 0));
        assert_eq!(c.keymap.as_deref(), Some("vim"));
        let c = parse("default_hour = 7\nkeymap = \"keys/mine.toml\"\ndatabase = \"/srv/crm.db\"")
            .unwrap();
        assert_eq!(c.default_hour, NaiveTime::from_hms_opt(7, 0, 0));
        assert_eq!(c.keymap.as_deref(), Some("/etc/rapport/keys/mine.toml"));
        assert_eq!(
            c.database,
            Some(crate::store::Location::File("/srv/crm.db".into()))
        );
        assert_eq!(parse("").unwrap().currency, None);
    }

    #[test]
    fn a_bad_file_names_the_file_and_the_key() {
        for (text, wanted) in [
            (
                "currency = \"EURO\"",
                "config file /etc/rapport/config.toml: currency: \"EURO\" is not a known ISO 4217",
            ),
            (
                "time_zone = \"Mars/Olympus\"",
                "time_zone: \"Mars/Olympus\" is not a time zone name",
            ),
            (
                "default_period = \"fortnight\"",
                "default_period: \"fortnight\" is not one of: week, month",
            ),
            (
                "default_hour = \"25:00\"",
                "default_hour: \"25:00\" is not a time of day",
            ),
            (
                "default_hour = 24",
                "default_hour: 24 is not an hour from 0 to 23",
            ),
            (
                "default_hour = \"9:5\"",
                "default_hour: \"9:5\" is not a time of day",
            ),
            ("keymap = \"\"", "keymap: is empty"),
            ("database = \" \"", "database: is empty"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(wanted), "{text}: {e}");
        }
        let e = parse("currency = \"EUR\"\ncurency = \"USD\"").unwrap_err();
        assert!(
            e.starts_with("config file /etc/rapport/config.toml, line 2: unknown field `curency`"),
            "{e}"
        );
        let e = parse("currency = 5").unwrap_err();
        assert!(e.contains("line 1") && e.contains("invalid type"), "{e}");
        let e = parse("currency = \"EUR").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn hours() {
        assert_eq!(
            parse_hour("9"),
            Ok(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        );
        assert_eq!(
            parse_hour(" 17:45 "),
            Ok(NaiveTime::from_hms_opt(17, 45, 0).unwrap())
        );
        for bad in ["", "noon", "9am", "-1", "12:60", "24:00"] {
            assert!(parse_hour(bad).is_err(), "{bad}");
        }
    }
}
