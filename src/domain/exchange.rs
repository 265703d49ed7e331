//! Exchange rates: how much one unit of a currency is worth in the default (reporting)
//! currency, from a day on. A deal converts with the rate of its currency in force on
//! its close day (the latest dated on or before it); before a currency's first rate
//! there is none, and reports count such deals apart and say so, never as zero.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::decimal::parse_decimal;
use super::{Currency, ValidationError};

/// Decimals a rate may have.
pub const RATE_PLACES: usize = 9;

/// The largest rate: a unit worth a billion units of the default currency.
const RATE_MAX: f64 = 1e9;

/// One dated rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRate {
    pub currency: Currency,
    /// In force from this day on, until the next rate of the currency.
    pub from: NaiveDate,
    /// Units of the default currency one unit of `currency` is worth, as written
    /// (`1.08`), normalised to a dot.
    pub rate: String,
}

impl ExchangeRate {
    /// Reads `1.08`, `1,08`, `0.0067` or `150` (the amount rules of `Money::parse`,
    /// at most 9 decimals); refuses 0, negatives and absurd rates, and a rate for the
    /// default currency itself (it is 1).
    pub fn parse(
        currency: Currency,
        default: Currency,
        from: NaiveDate,
        text: &str,
    ) -> Result<Self, ValidationError> {
        let bad = |why: String| ValidationError::new("rate", why);
        if currency == default {
            return Err(bad(format!(
                "{} is the default currency: its rate is always 1",
                currency.code()
            )));
        }
        let t = text.trim();
        let d = parse_decimal(t).map_err(bad)?;
        if d.negative {
            return Err(bad(format!("{t:?} is negative; a rate is above 0")));
        }
        if d.fraction.len() > RATE_PLACES {
            return Err(bad(format!(
                "{t:?} has {} decimals; a rate has at most {RATE_PLACES}",
                d.fraction.len()
            )));
        }
        let rate = if d.fraction.is_empty() {
            d.whole.clone()
        } else {
            format!("{}.{}", d.whole, d.fraction)
        };
        let value: f64 = rate
            .parse()
            .map_err(|_| bad(format!("{t:?} is not a rate")))?;
        if value <= 0.0 {
            return Err(bad(format!("{t:?} is 0; a rate is above 0")));
        }
        if value > RATE_MAX {
            return Err(bad(format!(
                "{t:?} is more than a billion {} for one {}",
                default.code(),
                currency.code()
            )));
        }
        Ok(Self {
            currency,
            from,
            rate,
        })
    }

    pub fn value(&self) -> f64 {
        self.rate.parse().unwrap_or(0.0)
    }

    /// Minor units of `default` that one minor unit of the currency is worth: what
    /// the store multiplies amounts by.
    pub fn per_minor(&self, default: Currency) -> f64 {
        per_minor(self.value(), self.currency, default)
    }
}

/// `rate × 10^(default's decimals − currency's decimals)`.
pub fn per_minor(rate: f64, currency: Currency, default: Currency) -> f64 {
    rate * 10f64.powi(i32::from(default.exponent()) - i32::from(currency.exponent()))
}

/// Every rate there is, for converting amounts in memory as the store does in SQL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateTable {
    pub default: Option<Currency>,
    rates: Vec<ExchangeRate>,
}

impl RateTable {
    pub fn new(default: Currency, mut rates: Vec<ExchangeRate>) -> Self {
        rates.sort_by(|a, b| (a.currency.code(), a.from).cmp(&(b.currency.code(), b.from)));
        Self {
            default: Some(default),
            rates,
        }
    }

    /// The rate of `currency` in force on `day`: the latest from that day or before.
    pub fn on(&self, currency: Currency, day: NaiveDate) -> Option<&ExchangeRate> {
        self.rates
            .iter()
            .filter(|r| r.currency == currency && r.from <= day)
            .max_by_key(|r| r.from)
    }

    /// `minor` units of `from` on `day` in minor units of `to`, through the default
    /// currency and rounded to the nearest once, as the store converts in SQL
    /// (`store::exchange::converted_sql`); `None` when either has no rate that day.
    /// The one conversion of amounts in memory: pipeline health, its forecast and the
    /// KPI forecast all convert with it.
    pub fn convert(
        &self,
        minor: i128,
        from: Currency,
        to: Currency,
        day: NaiveDate,
    ) -> Option<i128> {
        if from == to {
            return Some(minor);
        }
        let default = self.default?;
        let per_minor = |c: Currency| {
            if c == default {
                Some(1.0)
            } else {
                self.on(c, day).map(|r| r.per_minor(default))
            }
        };
        Some((minor as f64 * per_minor(from)? / per_minor(to)?).round() as i128)
    }

    /// [`RateTable::convert`] into the default currency.
    pub fn to_default(&self, minor: i128, currency: Currency, day: NaiveDate) -> Option<i128> {
        self.convert(minor, currency, self.default?, day)
    }

    /// The sum of `amounts` (minor units, currency, day) in the default currency, and
    /// how many could not be converted (left out of the sum, never counted as 0).
    pub fn total(&self, amounts: &[(i64, Currency, NaiveDate)]) -> (i128, usize) {
        amounts
            .iter()
            .fold((0, 0), |(sum, missing), (minor, c, day)| {
                match self.to_default(i128::from(*minor), *c, *day) {
                    Some(v) => (sum + v, missing),
                    None => (sum, missing + 1),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn rates_parse_as_amounts_do_and_refuse_what_is_no_rate() {
        let usd = Currency::USD;
        let eur = cur("EUR");
        let r = |t: &str| ExchangeRate::parse(eur, usd, day(2026, 1, 1), t);
        assert_eq!(r("1.08").unwrap().rate, "1.08");
        assert_eq!(r("1,08").unwrap().rate, "1.08");
        assert_eq!(r("2").unwrap().rate, "2");
        assert_eq!(r("0.000000001").unwrap().rate, "0.000000001");
        for bad in ["0", "-1.2", "0.0000000001", "abc", "", "1e3", "2000000000"] {
            assert!(r(bad).is_err(), "{bad:?}");
        }
        let same = ExchangeRate::parse(usd, usd, day(2026, 1, 1), "1").unwrap_err();
        assert!(same.to_string().contains("default currency"), "{same}");
    }

    #[test]
    fn amounts_convert_with_the_rate_in_force_and_missing_rates_are_counted() {
        let usd = Currency::USD;
        let (eur, jpy, kwd) = (cur("EUR"), cur("JPY"), cur("KWD"));
        let rates = RateTable::new(
            usd,
            vec![
                ExchangeRate::parse(eur, usd, day(2026, 1, 1), "1.10").unwrap(),
                ExchangeRate::parse(eur, usd, day(2026, 6, 1), "1.08").unwrap(),
                ExchangeRate::parse(jpy, usd, day(2026, 1, 1), "0.0067").unwrap(),
                ExchangeRate::parse(kwd, usd, day(2026, 1, 1), "3.25").unwrap(),
            ],
        );
        // 100.00 EUR before June at 1.10, from June at 1.08.
        assert_eq!(
            rates.to_default(10_000, eur, day(2026, 5, 31)),
            Some(11_000)
        );
        assert_eq!(rates.to_default(10_000, eur, day(2026, 6, 1)), Some(10_800));
        assert_eq!(rates.to_default(10_000, eur, day(2027, 3, 1)), Some(10_800));
        // Before the first rate: none.
        assert_eq!(rates.to_default(10_000, eur, day(2025, 12, 31)), None);
        // JPY has no minor unit: 1,000 JPY × 0.0067 = 6.70 USD.
        assert_eq!(rates.to_default(1_000, jpy, day(2026, 2, 1)), Some(670));
        // KWD has three decimals: 1.000 KWD = 3.25 USD.
        assert_eq!(rates.to_default(1_000, kwd, day(2026, 2, 1)), Some(325));
        assert_eq!(rates.to_default(123, usd, day(1990, 1, 1)), Some(123));
        // Between two other currencies through the default, rounded once: 100.00 EUR
        // × 1.08 / 0.67 (USD cents per yen) = 16,119.4 JPY.
        assert_eq!(
            rates.convert(10_000, eur, jpy, day(2026, 7, 1)),
            Some(16_119)
        );
        assert_eq!(rates.convert(1_000, usd, kwd, day(2026, 7, 1)), Some(3_077));
        // A missing rate on either side: none.
        assert_eq!(
            rates.convert(10_000, cur("GBP"), eur, day(2026, 7, 1)),
            None
        );
        assert_eq!(
            rates.convert(10_000, eur, cur("GBP"), day(2026, 7, 1)),
            None
        );
        assert_eq!(rates.convert(10_000, eur, jpy, day(2025, 7, 1)), None);
        assert_eq!(
            rates.convert(7, cur("GBP"), cur("GBP"), day(2026, 7, 1)),
            Some(7)
        );
        // No rate for GBP at all.
        let (sum, missing) = rates.total(&[
            (10_000, usd, day(2026, 7, 1)),
            (10_000, eur, day(2026, 7, 1)),
            (10_000, cur("GBP"), day(2026, 7, 1)),
            (10_000, eur, day(2025, 7, 1)),
        ]);
        assert_eq!((sum, missing), (20_800, 2));
    }
}
