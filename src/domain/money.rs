//! Money as integer minor units of an ISO 4217 currency: never a float.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ValidationError;
use super::decimal::parse_decimal;

/// An ISO 4217 currency and how many decimal places its minor unit has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

/// The currencies Rapport knows (active ISO 4217 codes in common business use).
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("AMD", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AZN", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("BYN", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KZT", 2),
    ("LBP", 2),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("UZS", 2),
    ("VND", 0),
    ("ZAR", 2),
];

impl Currency {
    pub const USD: Currency = Currency {
        code: "USD",
        exponent: 2,
    };
    pub const EUR: Currency = Currency {
        code: "EUR",
        exponent: 2,
    };

    /// Looks a code up, case-insensitively.
    pub fn from_code(code: &str) -> Result<Self, ValidationError> {
        let wanted = code.trim();
        CURRENCIES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(wanted))
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| {
                ValidationError::new(
                    "currency",
                    format!(
                        "{wanted:?} is not a known ISO 4217 currency code (e.g. USD, EUR, IRR, RUB)"
                    ),
                )
            })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    /// Decimal places of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(self) -> u8 {
        self.exponent
    }

    fn scale(self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// The largest amount Rapport stores, in minor units of its currency: 10^15, that is
/// 10 trillion for a currency with cents (10,000,000,000,000.00 USD), a quadrillion
/// for one without (JPY) and a trillion for one with three decimals (KWD). A business
/// maximum far above any real deal, and low enough that thousands of deals at it
/// still add up inside 64 bits.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// A non-negative amount in minor units, at most [`MAX_AMOUNT_MINOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Result<Self, ValidationError> {
        if minor < 0 {
            return Err(ValidationError::new("amount", "cannot be negative"));
        }
        if minor > MAX_AMOUNT_MINOR {
            return Err(ValidationError::new(
                "amount",
                format!(
                    "{} is more than the largest amount Rapport accepts, {}",
                    format_minor(minor, currency),
                    Money::max(currency)
                ),
            ));
        }
        Ok(Self { minor, currency })
    }

    /// The largest amount of `currency` Rapport accepts.
    pub fn max(currency: Currency) -> Self {
        Self {
            minor: MAX_AMOUNT_MINOR,
            currency,
        }
    }

    /// Parses an amount as people write it in `currency`: `1200`, `1,200.50`,
    /// `1.200,50`, `12,50`, `1 200,50`, `۱۲۰۰` (see [`super::decimal`] for how each mark
    /// is read). Refuses negatives, more decimals than the currency has, anything
    /// that could be read two ways, and more than [`MAX_AMOUNT_MINOR`].
    pub fn parse(text: &str, currency: Currency) -> Result<Self, ValidationError> {
        let t = text.trim();
        let bad = |why: String| ValidationError::new("amount", why);
        let d = parse_decimal(t).map_err(bad)?;
        if d.negative {
            return Err(bad(format!(
                "{t:?} is negative; an amount is 0 or more (write it without the minus sign)"
            )));
        }
        let exp = usize::from(currency.exponent);
        if d.fraction.len() > exp {
            let meant = d.all_digits();
            let hint = if d.fraction.len() == 3 {
                format!(" (if you meant {meant}, write {meant})")
            } else {
                String::new()
            };
            return Err(bad(if exp == 0 {
                format!(
                    "{t:?} has decimals, and {} has no minor unit: write a whole number{hint}",
                    currency.code
                )
            } else {
                format!(
                    "{t:?} has {} decimal places; {} allows {exp}{hint}",
                    d.fraction.len(),
                    currency.code
                )
            }));
        }
        let too_big = || {
            bad(format!(
                "{t:?} is more than the largest amount Rapport accepts, {}",
                Money::max(currency)
            ))
        };
        let minor = d.scaled(exp).ok_or_else(too_big)?;
        let minor = i64::try_from(minor)
            .ok()
            .filter(|&m| m <= MAX_AMOUNT_MINOR)
            .ok_or_else(too_big)?;
        Ok(Self { minor, currency })
    }

    /// The same figure in `currency` (not a conversion: Rapport keeps no exchange
    /// rates), read again through [`Money::parse`]: refused when `currency` cannot
    /// write it, e.g. 12.50 in a currency without decimals.
    pub fn with_currency(&self, currency: Currency) -> Result<Self, ValidationError> {
        let text = self.amount_text();
        let text = match text.split_once('.') {
            Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole.to_string(),
            _ => text,
        };
        Self::parse(&text, currency)
    }

    /// The amount without the currency code, grouped in thousands: `1,234.50`.
    pub fn amount_text(&self) -> String {
        format_minor(self.minor, self.currency)
    }
}

/// A sum of amounts in one currency. Wide enough that no number of deals overflows
/// it, including rows written before amounts were capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MoneyTotal {
    pub minor: i128,
    pub currency: Currency,
}

impl fmt::Display for MoneyTotal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            format_minor(self.minor, self.currency),
            self.currency.code
        )
    }
}

/// Formats minor units of `currency` (an amount or a sum of them) as a grouped
/// decimal number.
pub fn format_minor(minor: impl Into<i128>, currency: Currency) -> String {
    let minor: i128 = minor.into();
    let scale = currency.scale() as u128;
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = abs / scale;
    let frac = abs % scale;
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let exp = usize::from(currency.exponent);
    if exp == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac:0exp$}")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Result<Money, ValidationError> {
        Money::parse(s, Currency::USD)
    }

    fn minor(s: &str) -> i64 {
        usd(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).minor
    }

    fn reason(s: &str, currency: &str) -> String {
        Money::parse(s, Currency::from_code(currency).unwrap())
            .unwrap_err()
            .reason
    }

    #[test]
    fn parses_grouped_and_decimal_amounts() {
        assert_eq!(minor("1,200.5"), 120_050);
        assert_eq!(minor("0.07"), 7);
        assert_eq!(minor("۱۲۰۰"), 120_000);
        let jpy = Currency::from_code("jpy").unwrap();
        assert_eq!(Money::parse("1500", jpy).unwrap().minor, 1500);
    }

    /// The forms of issue 12: a decimal comma was read as a group mark and amounts
    /// came out 10 to 100 times too large.
    #[test]
    fn a_decimal_comma_is_a_decimal_mark() {
        assert_eq!(minor("1,50"), 150);
        assert_eq!(minor("12,5"), 1_250);
        assert_eq!(minor("12,50"), 1_250);
        assert_eq!(minor("0,5"), 50);
        assert_eq!(minor("1,25"), 125);
        assert_eq!(minor("1.250,50"), 125_050);
        assert_eq!(minor("1.250.000"), 125_000_000);
        assert_eq!(minor("1.250.000,05"), 125_000_005);
        assert_eq!(minor("1 250,50"), 125_050);
        assert_eq!(minor("1\u{00A0}250,50"), 125_050);
        assert_eq!(minor("1\u{202F}250,50"), 125_050);
        assert_eq!(minor("1\u{2009}250,50"), 125_050);
        assert_eq!(minor("1'250.50"), 125_050);
        assert_eq!(minor("۱٬۲۵۰٫۵۰"), 125_050);
        assert_eq!(minor("۱۲,۵۰"), 1_250);
    }

    #[test]
    fn a_comma_before_three_digits_groups_them() {
        assert_eq!(minor("1,250"), 125_000);
        assert_eq!(minor("1,250.50"), 125_050);
        assert_eq!(minor("12,345,678"), 1_234_567_800);
        assert_eq!(minor("0,25"), 25);
        // Not a group: nothing groups a leading zero or four digits.
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::parse("0,250", kwd).unwrap().minor, 250);
        assert_eq!(Money::parse("1234,567", kwd).unwrap().minor, 1_234_567);
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::parse("1,500", jpy).unwrap().minor, 1_500);
    }

    #[test]
    fn refuses_what_could_be_read_two_ways() {
        for bad in [
            "1,,000",
            ",5",
            ".5",
            "12,",
            "1.2.3",
            "1,2,3",
            "1,250 000",
            "12,50,00",
        ] {
            let err = usd(bad).unwrap_err();
            assert_eq!(err.field, "amount");
            assert!(err.reason.contains("1,250.50, 1.250,50"), "{bad}: {err}");
        }
        assert!(reason(",5", "USD").contains("write a 0 before it: 0,5"));
        assert!(reason("1,,000", "USD").contains("two marks in a row"));
    }

    #[test]
    fn respects_the_currency_minor_unit() {
        assert_eq!(
            reason("1,5", "JPY"),
            "\"1,5\" has decimals, and JPY has no minor unit: write a whole number"
        );
        assert_eq!(
            reason("1.500", "JPY"),
            "\"1.500\" has decimals, and JPY has no minor unit: write a whole number \
             (if you meant 1500, write 1500)"
        );
        assert_eq!(minor("12,505"), 1_250_500, "a group of three");
        assert_eq!(
            reason("1,2345", "USD"),
            "\"1,2345\" has 4 decimal places; USD allows 2"
        );
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(
            Money::parse("1,005", kwd).unwrap().minor,
            1_005_000,
            "a group"
        );
        assert_eq!(Money::parse("1.005", kwd).unwrap().minor, 1_005);
        assert_eq!(Money::parse("0,005", kwd).unwrap().minor, 5);
    }

    #[test]
    fn refuses_negative_garbage_and_more_than_the_maximum() {
        assert!(usd("-5").unwrap_err().reason.contains("negative"));
        assert!(usd("−5").unwrap_err().reason.contains("negative"));
        assert!(usd("1.234").unwrap_err().reason.contains("decimal places"));
        assert!(usd("12abc").is_err());
        assert!(usd("1e308").is_err());
        assert!(usd("NaN").is_err());
        assert_eq!(usd("").unwrap_err().reason, "is required");
        assert_eq!(minor("10,000,000,000,000.00"), MAX_AMOUNT_MINOR);
        for big in [
            "10,000,000,000,000.01",
            "50,000,000,000,000,000",
            "99999999999999999999",
            &"9".repeat(60),
        ] {
            assert_eq!(
                usd(big).unwrap_err().reason,
                format!(
                    "{big:?} is more than the largest amount Rapport accepts, 10,000,000,000,000.00 USD"
                )
            );
        }
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            Money::parse("1,000,000,000,000,000", jpy).unwrap().minor,
            MAX_AMOUNT_MINOR
        );
        assert!(Money::parse("1,000,000,000,000,001", jpy).is_err());
        assert!(Money::new(MAX_AMOUNT_MINOR, Currency::USD).is_ok());
        assert_eq!(
            Money::new(MAX_AMOUNT_MINOR + 1, Currency::USD)
                .unwrap_err()
                .reason,
            "10,000,000,000,000.01 is more than the largest amount Rapport accepts, \
             10,000,000,000,000.00 USD"
        );
    }

    #[test]
    fn totals_print_beyond_64_bits() {
        let total = MoneyTotal {
            minor: i128::from(i64::MAX) * 3,
            currency: Currency::USD,
        };
        assert_eq!(total.to_string(), "276,701,161,105,643,274.21 USD");
    }

    #[test]
    fn unknown_currency_is_named() {
        let err = Currency::from_code("XYZ").unwrap_err();
        assert_eq!(err.field, "currency");
        assert!(err.reason.contains("XYZ"));
    }

    #[test]
    fn displays_grouped() {
        assert_eq!(usd("1234567.8").unwrap().to_string(), "1,234,567.80 USD");
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::new(1005, kwd).unwrap().to_string(), "1.005 KWD");
    }

    #[test]
    fn the_same_figure_in_another_currency() {
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        let eur = Currency::EUR;
        assert_eq!(
            usd("12,000").unwrap().with_currency(jpy).unwrap().minor,
            12_000
        );
        assert_eq!(
            usd("1,250.50")
                .unwrap()
                .with_currency(kwd)
                .unwrap()
                .to_string(),
            "1,250.500 KWD"
        );
        assert_eq!(
            usd("999").unwrap().with_currency(eur).unwrap().minor,
            99_900
        );
        let err = usd("12.50").unwrap().with_currency(jpy).unwrap_err();
        assert!(
            err.reason.contains("JPY has no minor unit"),
            "{}",
            err.reason
        );
    }
}
