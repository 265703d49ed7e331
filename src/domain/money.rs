//! Money as integer minor units of an ISO 4217 currency: never a float.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ValidationError;
use crate::text::fold::ascii_digit;

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

/// A non-negative amount in minor units.
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
        Ok(Self { minor, currency })
    }

    /// Parses a decimal amount such as `1200`, `1,200.50` or `۱۲۰۰` in `currency`.
    /// Refuses negatives, more decimals than the currency has, and overflow.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, ValidationError> {
        let t = text.trim();
        let bad = |why: String| Err(ValidationError::new("amount", why));
        if t.is_empty() {
            return bad("is required".into());
        }
        if t.starts_with('-') {
            return bad(format!("{t:?} is negative; deal amounts cannot be"));
        }
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        let mut whole_digits = String::new();
        for c in whole.chars() {
            match (c, ascii_digit(c)) {
                (_, Some(d)) => whole_digits.push(d),
                (',' | '_' | ' ' | '\u{066C}', None) => {}
                _ => return bad(format!("{t:?} is not a number (use digits and one '.')")),
            }
        }
        let frac_digits: Option<String> = frac.chars().map(ascii_digit).collect();
        let Some(frac_digits) = frac_digits else {
            return bad(format!("{t:?} is not a number (use digits and one '.')"));
        };
        if whole_digits.is_empty() && frac_digits.is_empty() {
            return bad(format!("{t:?} is not a number"));
        }
        let exp = usize::from(currency.exponent);
        if frac_digits.len() > exp {
            return bad(format!(
                "{t:?} has {} decimal places; {} allows {exp}",
                frac_digits.len(),
                currency.code
            ));
        }
        let too_big = || ValidationError::new("amount", format!("{t:?} is too large"));
        let whole_value: i64 = if whole_digits.is_empty() {
            0
        } else {
            whole_digits.parse().map_err(|_| too_big())?
        };
        let frac_value: i64 = format!("{frac_digits:0<exp$}").parse().unwrap_or(0);
        let minor = whole_value
            .checked_mul(currency.scale())
            .and_then(|m| m.checked_add(frac_value))
            .ok_or_else(too_big)?;
        Ok(Self { minor, currency })
    }

    /// The amount without the currency code, grouped in thousands: `1,234.50`.
    pub fn amount_text(&self) -> String {
        format_minor(self.minor, self.currency)
    }
}

/// Formats minor units of `currency` as a grouped decimal number.
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let scale = currency.scale();
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = abs / scale as u64;
    let frac = abs % scale as u64;
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

    #[test]
    fn parses_grouped_and_decimal_amounts() {
        assert_eq!(usd("1,200.5").unwrap().minor, 120_050);
        assert_eq!(usd("0.07").unwrap().minor, 7);
        assert_eq!(usd(".5").unwrap().minor, 50);
        assert_eq!(usd("۱۲۰۰").unwrap().minor, 120_000);
        let jpy = Currency::from_code("jpy").unwrap();
        assert_eq!(Money::parse("1500", jpy).unwrap().minor, 1500);
    }

    #[test]
    fn refuses_negative_extra_decimals_garbage_overflow() {
        assert!(usd("-5").unwrap_err().reason.contains("negative"));
        assert!(usd("1.234").unwrap_err().reason.contains("decimal places"));
        assert!(usd("12abc").is_err());
        assert!(usd("").is_err());
        assert!(usd("1.2.3").is_err());
        assert!(
            usd("99999999999999999999")
                .unwrap_err()
                .reason
                .contains("too large")
        );
        let jpy = Currency::from_code("JPY").unwrap();
        assert!(Money::parse("1.5", jpy).is_err());
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
}
