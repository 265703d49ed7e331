//! Exchange rates in SQL (schema 15) and the conversion every report's sums use: a
//! deal's amount in another currency times the rate of that currency in force on the
//! deal's day, or NULL (counted apart by each report) when there is none.

use super::db::Db;
use chrono::NaiveDate;
use rusqlite::params;

use super::sql_types::{date_text, parse_date_text};
use super::value::CURRENCY_KEY;
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::exchange::ExchangeRate;
use crate::domain::{Currency, ValidationError};

pub(super) const RATES: &str = r#"
CREATE TABLE exchange_rates (
    currency   TEXT NOT NULL CHECK (length(currency) = 3),
    from_day   TEXT NOT NULL,
    rate       TEXT NOT NULL,
    per_minor  REAL NOT NULL CHECK (per_minor > 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (currency, from_day)
) WITHOUT ROWID;
"#;

/// The stored default currency as SQL (USD when unset).
pub(super) const DEFAULT_SQL: &str =
    "coalesce((SELECT value FROM settings WHERE key = 'default_currency'), 'USD')";

/// Minor units of the default currency one minor unit of `currency` is worth on `day`
/// (1 for the default currency; NULL without a rate).
fn per_minor_sql(currency: &str, day: &str) -> String {
    format!(
        "(CASE WHEN {currency} = {DEFAULT_SQL} THEN 1.0 ELSE
            (SELECT x.per_minor FROM exchange_rates x WHERE x.currency = {currency} AND x.from_day <= {day}
             ORDER BY x.from_day DESC LIMIT 1) END)"
    )
}

/// `amount` (minor units of `currency`, on `day`) in minor units of `target`, rounded
/// to the nearest; NULL when either currency has no rate that day. All four are SQL
/// expressions.
pub(super) fn converted_sql(amount: &str, currency: &str, day: &str, target: &str) -> String {
    format!(
        "(CASE WHEN {currency} = {target} THEN {amount}
               ELSE CAST(round({amount} * {} / {}) AS INTEGER) END)",
        per_minor_sql(currency, day),
        per_minor_sql(target, day)
    )
}

fn rates(c: &Db) -> Result<Vec<ExchangeRate>> {
    let mut stmt = c.prepare_cached(
        "SELECT currency, from_day, rate FROM exchange_rates ORDER BY currency, from_day",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, day, rate) = row?;
        let currency = Currency::from_code(&code)
            .map_err(|e| StoreError::Message(format!("exchange_rates: {e}")))?;
        let from = parse_date_text(Some(day.clone()))
            .ok_or_else(|| StoreError::Message(format!("exchange_rates: {day:?} is not a day")))?;
        out.push(ExchangeRate {
            currency,
            from,
            rate,
        });
    }
    Ok(out)
}

impl Store {
    /// Every rate, by currency and day.
    pub fn exchange_rates(&self) -> Result<Vec<ExchangeRate>> {
        rates(&self.conn)
    }
}

impl Writer<'_> {
    fn default_currency(&self) -> Result<Currency> {
        let code: String = self
            .conn
            .query_row(&format!("SELECT {DEFAULT_SQL}"), (), |r| r.get(0))?;
        Currency::from_code(&code)
            .map_err(|e| StoreError::Message(format!("the stored default currency: {e}")))
    }

    /// Sets (or replaces) the rate of `rate.currency` from `rate.from` on (managers and
    /// admins), and sums every customer's purchases again with it.
    pub fn set_exchange_rate(&mut self, rate: &ExchangeRate) -> Result<()> {
        self.require(Permission::SetExchangeRates)?;
        let default = self.default_currency()?;
        if rate.currency == default {
            return Err(ValidationError::new(
                "currency",
                format!(
                    "{} is the default currency: its rate is always 1",
                    default.code()
                ),
            )
            .into());
        }
        let day = date_text(Some(rate.from));
        let old: Option<String> = self
            .conn
            .query_row(
                "SELECT rate FROM exchange_rates WHERE currency = ?1 AND from_day = ?2",
                params![rate.currency.code(), day],
                |r| r.get(0),
            )
            .ok();
        self.conn.execute(
            "INSERT INTO exchange_rates (currency, from_day, rate, per_minor, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (currency, from_day) DO UPDATE SET rate = excluded.rate,
                 per_minor = excluded.per_minor, updated_at = excluded.updated_at",
            params![
                rate.currency.code(),
                day,
                rate.rate,
                rate.per_minor(default),
                self.now
            ],
        )?;
        self.audit_setting(
            &format!("rate of {} from {}", rate.currency.code(), rate.from),
            old,
            Some(format!("{} {}", rate.rate, default.code())),
        )?;
        super::value::rebuild(self.conn)
    }

    /// Removes the rate of `currency` from `from`; refuses when there is none.
    pub fn remove_exchange_rate(&mut self, currency: Currency, from: NaiveDate) -> Result<()> {
        self.require(Permission::SetExchangeRates)?;
        let day = date_text(Some(from));
        let old: String = self
            .conn
            .query_row(
                "SELECT rate FROM exchange_rates WHERE currency = ?1 AND from_day = ?2",
                params![currency.code(), day],
                |r| r.get(0),
            )
            .map_err(|_| {
                StoreError::invalid(
                    "rate",
                    format!("there is no rate of {} from {from}", currency.code()),
                )
            })?;
        self.conn.execute(
            "DELETE FROM exchange_rates WHERE currency = ?1 AND from_day = ?2",
            params![currency.code(), day],
        )?;
        self.audit_setting(
            &format!("rate of {} from {from}", currency.code()),
            Some(old),
            None,
        )?;
        super::value::rebuild(self.conn)
    }

    /// Makes `currency` the one reports convert to (admins). Refused while rates
    /// exist, since each says what a unit is worth in the old default.
    pub fn set_default_currency(&mut self, currency: Currency) -> Result<()> {
        self.require(Permission::SetExchangeRates)?;
        let old = self.default_currency()?;
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM exchange_rates", (), |r| r.get(0))?;
        if n > 0 && old != currency {
            return Err(StoreError::invalid(
                "currency",
                format!(
                    "the {n} exchange rates are in {}; remove them first (`rapport currency list`, \
                     `rapport currency remove CODE --date DAY`), then set them in {}",
                    old.code(),
                    currency.code()
                ),
            ));
        }
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![CURRENCY_KEY, currency.code()],
        )?;
        self.audit_setting(
            "default currency",
            Some(old.code().to_string()),
            Some(currency.code().to_string()),
        )?;
        super::value::rebuild(self.conn)
    }
}
