use chrono::{DateTime, TimeZone};

use crate::domain::{Currency, Period};
use crate::store::{Result, Store};

#[derive(Debug)]
pub struct KpisPane {
    pub period: Period,
}

impl Default for KpisPane {
    fn default() -> Self {
        Self {
            period: Period::Month,
        }
    }
}

impl KpisPane {
    pub fn reload<Tz: TimeZone>(
        &mut self,
        _store: &Store,
        _currency: Currency,
        _now: &DateTime<Tz>,
    ) -> Result<()> {
        Ok(())
    }

    pub fn cycle_period(&mut self) {}
}
