//! KPI targets and minimums: exact figures, read the way amounts are, and only the
//! values that mean something for the KPI's unit (a win rate from 0 to 100 %, never a
//! negative count, no money target above the largest amount).

use std::fmt;

use serde::{Serialize, Serializer};

use super::decimal::parse_decimal;
use super::kpi::{KpiDefinition, KpiUnit};
use super::money::MAX_AMOUNT_MINOR;
use super::{Currency, Money, ValidationError};

/// A target or minimum in whole thousandths of its KPI's unit: exact, with no floating
/// point in the database. Three decimals hold the minor unit of every currency (KWD
/// and BHD have three), a percent such as 33.3 and a score such as 4.25. Money
/// figures are in major units of whichever currency the report is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KpiFigure(i64);

/// Decimal places a figure keeps.
const PLACES: usize = 3;
const SCALE: i64 = 1_000;

impl KpiFigure {
    pub const fn whole(n: i64) -> Self {
        Self(n * SCALE)
    }

    pub const fn from_milli(milli: i64) -> Self {
        Self(milli)
    }

    /// Thousandths: what the database stores.
    pub fn milli(self) -> i64 {
        self.0
    }

    /// For measuring against: exact to far below display precision.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// The nearest figure `unit` allows to `value`: how a figure stored as a float
    /// before schema 7 is kept (out-of-range ones, such as a win rate of 101 %, move
    /// to the nearest end of the range).
    pub fn nearest(unit: KpiUnit, value: f64) -> Self {
        let (low, high) = unit.figure_range();
        let milli = (value * SCALE as f64).round();
        // `as` saturates, and NaN (which SQLite cannot store) becomes 0.
        Self(milli as i64).clamp(low, high)
    }
}

/// `1000`, `4.5`, `0.001`: the shortest exact decimal.
impl fmt::Display for KpiFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / SCALE as u64, abs % SCALE as u64);
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let frac = format!("{frac:03}");
        write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// As a JSON number in the KPI's unit (`50000.0`, `4.5`), as reports show it.
impl Serialize for KpiFigure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

/// The largest count target: far beyond any team, far below overflow.
const MAX_COUNT: i64 = 1_000_000_000;
/// The longest sales cycle a target may name: a century.
const MAX_DAYS: i64 = 36_500;

impl KpiUnit {
    /// The smallest and largest target or minimum of this unit. Money's largest is
    /// the largest amount of a currency without decimals (10^15); `kpi set` applies
    /// the largest amount of the currency the target is written in.
    pub fn figure_range(self) -> (KpiFigure, KpiFigure) {
        match self {
            Self::Money => (KpiFigure(0), KpiFigure::whole(MAX_AMOUNT_MINOR)),
            Self::Count => (KpiFigure(0), KpiFigure::whole(MAX_COUNT)),
            Self::Percent => (KpiFigure(0), KpiFigure::whole(100)),
            Self::Days => (KpiFigure(0), KpiFigure::whole(MAX_DAYS)),
            Self::Score => (KpiFigure::whole(1), KpiFigure::whole(5)),
            Self::Nps => (KpiFigure::whole(-100), KpiFigure::whole(100)),
            Self::Rate => (KpiFigure(0), KpiFigure::whole(MAX_COUNT)),
        }
    }

    /// Why `figure` is refused for this unit, if it is.
    fn refuse(self, figure: KpiFigure) -> Option<String> {
        let (low, high) = self.figure_range();
        if (low..=high).contains(&figure) {
            return None;
        }
        let negative = figure < KpiFigure(0);
        Some(match self {
            Self::Percent if negative => {
                format!("{figure}% is negative; a percentage runs from 0 to 100")
            }
            Self::Percent => format!("{figure}% is over 100%; a percentage runs from 0 to 100"),
            Self::Score if negative => format!("{figure} is negative; a score runs from 1 to 5"),
            Self::Score => format!("{figure} is not a score from 1 to 5"),
            Self::Nps => format!("{figure} is not a net promoter score from -100 to 100"),
            Self::Money | Self::Count | Self::Days | Self::Rate if negative => {
                format!("{figure} is negative; targets and minimums start at 0")
            }
            Self::Money => format!("{figure} is more than the largest amount Rapport accepts"),
            Self::Count | Self::Rate => {
                format!("{figure} is more than {MAX_COUNT}, the largest count target")
            }
            Self::Days => format!("{figure} is more than {MAX_DAYS} days (a century)"),
        })
    }
}

impl KpiDefinition {
    /// Reads a target or minimum for this KPI as typed, with the amount rules of
    /// `Money::parse` (`50,000`, `12,5`, `1.250,50`): money in `currency`'s major
    /// units (its decimals and largest amount apply), counts whole, percents from 0
    /// to 100, days from 0 to 36,500, scores from 1 to 5, at most 3 decimals.
    pub fn parse_figure(
        &self,
        field: &str,
        text: &str,
        currency: Currency,
    ) -> Result<KpiFigure, ValidationError> {
        let t = text.trim();
        // A percentage may be written with its sign: "35%".
        let t = match t.strip_suffix('%') {
            Some(number) if self.unit == KpiUnit::Percent => number.trim_end(),
            _ => t,
        };
        let bad = |why: String| ValidationError::new(field, why);
        let d = parse_decimal(t).map_err(bad)?;
        let figure = if self.unit == KpiUnit::Money && !d.negative {
            let amount = Money::parse(t, currency).map_err(|e| bad(e.reason))?;
            let places = PLACES - usize::from(currency.exponent());
            KpiFigure(amount.minor * 10_i64.pow(places as u32))
        } else {
            if self.unit == KpiUnit::Count && d.fraction.chars().any(|c| c != '0') {
                return Err(bad(format!(
                    "{t:?} is not a whole number; {} is a count",
                    self.key
                )));
            }
            if d.fraction.len() > PLACES {
                return Err(bad(format!(
                    "{t:?} has {} decimal places; a target has at most {PLACES}",
                    d.fraction.len()
                )));
            }
            let (_, high) = self.unit.figure_range();
            let milli = d
                .scaled(PLACES)
                .and_then(|m| i64::try_from(m).ok())
                .unwrap_or(high.0.saturating_add(1));
            KpiFigure(if d.negative { -milli } else { milli })
        };
        self.check_figure(field, figure)?;
        Ok(figure)
    }

    fn check_figure(&self, field: &str, figure: KpiFigure) -> Result<(), ValidationError> {
        match self.unit.refuse(figure) {
            Some(why) => Err(ValidationError::new(
                field,
                format!("{why} ({} is {})", self.key, self.unit.described()),
            )),
            None => Ok(()),
        }
    }

    /// Checks a new target and minimum for this KPI: each within what its unit allows,
    /// and the minimum on the worse side of the target (at most the target when higher
    /// is better, at least the target otherwise).
    pub fn check_target(
        &self,
        target: KpiFigure,
        minimum: KpiFigure,
    ) -> Result<(), ValidationError> {
        self.check_figure("target", target)?;
        self.check_figure("minimum", minimum)?;
        if self.higher_is_better && minimum > target {
            return Err(ValidationError::new(
                "minimum",
                format!(
                    "{minimum} is above the target {target}; for {} higher is better, so the minimum must not exceed the target",
                    self.key
                ),
            ));
        }
        if !self.higher_is_better && minimum < target {
            return Err(ValidationError::new(
                "minimum",
                format!(
                    "{minimum} is below the target {target}; for {} lower is better, so the minimum (the worst accepted value) must not be under the target",
                    self.key
                ),
            ));
        }
        Ok(())
    }
}

impl KpiUnit {
    /// What a KPI of this unit measures, for refusals: `win_rate is a percentage`.
    fn described(self) -> &'static str {
        match self {
            Self::Money => "an amount of money",
            Self::Count => "a count",
            Self::Percent => "a percentage",
            Self::Days => "a number of days",
            Self::Score => "a satisfaction score",
            Self::Nps => "a net promoter score",
            Self::Rate => "a number per operator and day",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{KpiGroup, Period};

    fn def(key: &str, unit: KpiUnit, higher: bool) -> KpiDefinition {
        KpiDefinition {
            key: key.into(),
            name: key.into(),
            group: KpiGroup::Financial,
            unit,
            target: KpiFigure::whole(10),
            minimum: KpiFigure::whole(5),
            higher_is_better: higher,
            period: Period::Month,
        }
    }

    fn read(d: &KpiDefinition, text: &str) -> Result<i64, String> {
        d.parse_figure("target", text, Currency::USD)
            .map(KpiFigure::milli)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_money_with_the_amount_rules_and_stores_thousandths() {
        let revenue = def("revenue_won", KpiUnit::Money, true);
        assert_eq!(read(&revenue, "50,000"), Ok(50_000_000));
        assert_eq!(read(&revenue, "12,50"), Ok(12_500));
        assert_eq!(read(&revenue, "1.250,5"), Ok(1_250_500));
        assert_eq!(
            read(&revenue, "10,000,000,000,000"),
            Ok(10_000_000_000_000_000)
        );
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            revenue
                .parse_figure("target", "1,5", jpy)
                .unwrap_err()
                .to_string(),
            "target: \"1,5\" has decimals, and JPY has no minor unit: write a whole number"
        );
        for (bad, why) in [
            ("1e308", "'e', which is not a digit"),
            ("inf", "'i', which is not a digit"),
            ("NaN", "'N', which is not a digit"),
            ("1,,000", "two marks in a row"),
            (
                "-1",
                "target: -1 is negative; targets and minimums start at 0 (revenue_won is an amount of money)",
            ),
            (
                "10,000,000,000,000.01",
                "is more than the largest amount Rapport accepts, 10,000,000,000,000.00 USD",
            ),
        ] {
            let err = read(&revenue, bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn percentages_run_from_0_to_100() {
        let win = def("win_rate", KpiUnit::Percent, true);
        assert_eq!(read(&win, "100"), Ok(100_000));
        assert_eq!(read(&win, "0"), Ok(0));
        assert_eq!(read(&win, "33,3"), Ok(33_300));
        assert_eq!(read(&win, "35%"), Ok(35_000));
        assert_eq!(read(&win, "33,3 %"), Ok(33_300));
        assert_eq!(
            read(&win, "101"),
            Err("target: 101% is over 100%; a percentage runs from 0 to 100 (win_rate is a percentage)".into())
        );
        assert_eq!(
            read(&win, "140%"),
            Err("target: 140% is over 100%; a percentage runs from 0 to 100 (win_rate is a percentage)".into())
        );
        assert_eq!(
            read(&win, "-1"),
            Err("target: -1% is negative; a percentage runs from 0 to 100 (win_rate is a percentage)".into())
        );
        let deals = def("deals_won", KpiUnit::Count, true);
        assert!(
            read(&deals, "5%").unwrap_err().contains("'%'"),
            "only percentages take %"
        );
        assert!(
            read(&win, "100.0001")
                .unwrap_err()
                .contains("4 decimal places")
        );
        assert!(
            read(&win, &"9".repeat(50))
                .unwrap_err()
                .contains("is over 100%")
        );
    }

    #[test]
    fn counts_are_whole_and_days_and_scores_bounded() {
        let deals = def("deals_won", KpiUnit::Count, true);
        assert_eq!(read(&deals, "1,000"), Ok(1_000_000));
        assert_eq!(read(&deals, "10.0"), Ok(10_000));
        assert_eq!(
            read(&deals, "-3"),
            Err(
                "target: -3 is negative; targets and minimums start at 0 (deals_won is a count)"
                    .into()
            )
        );
        assert!(
            read(&deals, "2,5")
                .unwrap_err()
                .contains("is not a whole number")
        );
        assert!(
            read(&deals, "1000000001")
                .unwrap_err()
                .contains("largest count target")
        );
        let days = def("avg_cycle_days", KpiUnit::Days, false);
        assert_eq!(read(&days, "30,5"), Ok(30_500));
        assert!(read(&days, "-5").unwrap_err().contains(
            "-5 is negative; targets and minimums start at 0 (avg_cycle_days is a number of days)"
        ));
        assert!(read(&days, "36501").unwrap_err().contains("a century"));
        let score = def("avg_satisfaction", KpiUnit::Score, true);
        assert_eq!(read(&score, "4,25"), Ok(4_250));
        assert!(
            read(&score, "0")
                .unwrap_err()
                .contains("not a score from 1 to 5")
        );
        assert!(
            read(&score, "5.5")
                .unwrap_err()
                .contains("not a score from 1 to 5")
        );
    }

    #[test]
    fn targets_must_be_in_range_and_ordered() {
        let up = def("deals_won", KpiUnit::Count, true);
        let w = KpiFigure::whole;
        assert!(up.check_target(w(20), w(10)).is_ok());
        assert!(up.check_target(w(10), w(10)).is_ok());
        assert_eq!(up.check_target(w(10), w(20)).unwrap_err().field, "minimum");
        assert_eq!(up.check_target(w(-1), w(0)).unwrap_err().field, "target");
        let down = def("avg_cycle_days", KpiUnit::Days, false);
        assert!(down.check_target(w(20), w(45)).is_ok());
        assert!(
            down.check_target(w(45), w(20))
                .unwrap_err()
                .reason
                .contains("lower is better")
        );
        let win = def("win_rate", KpiUnit::Percent, true);
        assert_eq!(win.check_target(w(101), w(20)).unwrap_err().field, "target");
    }

    #[test]
    fn floats_from_before_schema_7_keep_their_nearest_allowed_figure() {
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Money, 50_000.0),
            KpiFigure::whole(50_000)
        );
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Score, 4.5),
            KpiFigure::from_milli(4_500)
        );
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Percent, 101.0),
            KpiFigure::whole(100)
        );
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Percent, -1.0),
            KpiFigure::whole(0)
        );
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Money, 1e308),
            KpiFigure::whole(MAX_AMOUNT_MINOR)
        );
        assert_eq!(
            KpiFigure::nearest(KpiUnit::Count, f64::NAN),
            KpiFigure::whole(0)
        );
    }

    #[test]
    fn displays_the_shortest_exact_decimal() {
        assert_eq!(KpiFigure::whole(1000).to_string(), "1000");
        assert_eq!(KpiFigure::from_milli(4_500).to_string(), "4.5");
        assert_eq!(KpiFigure::from_milli(1).to_string(), "0.001");
        assert_eq!(KpiFigure::from_milli(-30_250).to_string(), "-30.25");
        assert_eq!(
            serde_json::to_string(&KpiFigure::from_milli(4_500)).unwrap(),
            "4.5"
        );
    }
}
