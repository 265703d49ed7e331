//! The PostgreSQL side of [`super::Db`]: a blocking `postgres` client, statements
//! prepared once per connection, and values carried in SQLite's five storage classes
//! (null, integer, real, text, blob), so the domain's conversions
//! (`store::sql_types`) serve both backends.
//!
//! PostgreSQL is typed where SQLite is not. A parameter is encoded as the type the
//! server expects of it (an integer passed where it wants `int4`, `boolean` or
//! `float8` is converted, refused when it does not fit), and a column is read back
//! as the storage class of its type: `int2`/`int4`/`int8`/`boolean` as integers,
//! `numeric` (what `sum(bigint)` returns) as an integer when it is whole.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::placeholders::to_dollar_sent;
use crate::store::{Result, StoreError};

type BoxError = Box<dyn Error + Sync + Send>;

/// One connection to a PostgreSQL server. `RefCell` because the store hands out
/// shared references to its connection, as rusqlite does; a statement's rows are read
/// whole before the next statement runs, so no borrow outlives a call.
pub struct Pg {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, (Statement, Vec<usize>)>>,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg").finish_non_exhaustive()
    }
}

impl Pg {
    /// Connects with a `postgresql://` URL or a libpq-style `host=… dbname=…` string.
    pub fn connect(target: &str) -> Result<Self> {
        let client = libpq_config(target)
            .and_then(|config| config.connect(NoTls))
            .map_err(|source| StoreError::Connect {
                target: redacted(target),
                source,
            })?;
        Ok(Self {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// The statement prepared for `sql` (once per connection), and which arguments
    /// it takes (see [`to_dollar_sent`]).
    fn statement(&self, sql: &str) -> Result<(Statement, Vec<usize>)> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let (numbered, sent) = to_dollar_sent(sql);
        let prepared = self
            .client
            .borrow_mut()
            .prepare(&numbered)
            .inspect_err(|_| debug_refused(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), (prepared.clone(), sent.clone()));
        Ok((prepared, sent))
    }

    pub fn execute(&self, sql: &str, args: &[Arg]) -> Result<u64> {
        let (statement, sent) = self.statement(sql)?;
        let refs = sent_args(args, &sent)?;
        Ok(self.client.borrow_mut().execute(&statement, &refs)?)
    }

    pub fn query(&self, sql: &str, args: &[Arg]) -> Result<Vec<postgres::Row>> {
        let (statement, sent) = self.statement(sql)?;
        let refs = sent_args(args, &sent)?;
        Ok(self.client.borrow_mut().query(&statement, &refs)?)
    }

    /// Like [`Pg::query`] for SQL already in PostgreSQL's `$N` form.
    pub fn query_numbered(&self, sql: &str, args: &[Arg]) -> Result<Vec<postgres::Row>> {
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        Ok(self
            .client
            .borrow_mut()
            .query(sql, &refs)
            .inspect_err(|_| debug_refused(sql))?)
    }

    /// Several statements without parameters, in one round trip.
    pub fn batch(&self, sql: &str) -> Result<()> {
        Ok(self
            .client
            .borrow_mut()
            .batch_execute(sql)
            .inspect_err(|_| debug_refused(sql))?)
    }
}

/// The arguments `sent` names, in its order; a parameter with no argument is an
/// error, as on SQLite.
fn sent_args<'a>(args: &'a [Arg], sent: &[usize]) -> Result<Vec<&'a (dyn ToSql + Sync)>> {
    sent.iter()
        .map(|&i| {
            args.get(i).map(|a| a as _).ok_or_else(|| {
                StoreError::Sqlite(rusqlite::Error::InvalidParameterCount(args.len(), i + 1))
            })
        })
        .collect()
}

/// With `RAPPORT_DEBUG_SQL` set, prints a statement the server refused (for porting).
fn debug_refused(sql: &str) {
    if std::env::var_os("RAPPORT_DEBUG_SQL").is_some() {
        eprintln!("rapport: PostgreSQL refused:\n{sql}");
    }
}

/// Where the local server listens when nothing names a host: Debian's and Ubuntu's
/// socket directory (libpq's default there).
const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// `target` read as libpq reads it: what it leaves out comes from `PGHOST`, `PGPORT`,
/// `PGUSER`, `PGDATABASE` and `PGPASSWORD`, the host defaults to the local server's
/// socket, and the user to the login of this process (the `postgres` crate's default).
fn libpq_config(target: &str) -> std::result::Result<postgres::Config, postgres::Error> {
    let mut config: postgres::Config = target.parse()?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        let hosts = var("PGHOST").unwrap_or_else(|| DEFAULT_SOCKET_DIR.to_owned());
        for host in hosts.split(',') {
            config.host(host);
        }
    }
    if config.get_ports().is_empty()
        && let Some(port) = var("PGPORT").and_then(|p| p.parse().ok())
    {
        config.port(port);
    }
    if config.get_user().is_none()
        && let Some(user) = var("PGUSER")
    {
        config.user(&user);
    }
    if config.get_dbname().is_none()
        && let Some(dbname) = var("PGDATABASE")
    {
        config.dbname(&dbname);
    }
    if config.get_password().is_none()
        && let Some(password) = var("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_application_name().is_none() {
        config.application_name("rapport");
    }
    Ok(config)
}

/// `target` without its password, for messages.
pub fn redacted(target: &str) -> String {
    match target.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((who, host)) => {
                let user = who.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => target.to_owned(),
        },
        None => target
            .split_whitespace()
            .filter(|kv| !kv.starts_with("password="))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A parameter, owned, in SQLite's storage classes.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Arg {
    /// What a rusqlite parameter holds.
    pub fn of(value: &dyn rusqlite::ToSql) -> rusqlite::Result<Self> {
        let out = value.to_sql()?;
        let value = match &out {
            ToSqlOutput::Borrowed(v) => *v,
            ToSqlOutput::Owned(v) => ValueRef::from(v),
            _ => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "this kind of parameter has no PostgreSQL form".into(),
                ));
            }
        };
        Ok(match value {
            ValueRef::Null => Arg::Null,
            ValueRef::Integer(i) => Arg::Int(i),
            ValueRef::Real(f) => Arg::Real(f),
            ValueRef::Text(t) => Arg::Text(
                String::from_utf8(t.to_vec())
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            ),
            ValueRef::Blob(b) => Arg::Blob(b.to_vec()),
        })
    }
}

fn refuse(arg: &Arg, ty: &Type) -> BoxError {
    format!("cannot pass {arg:?} where PostgreSQL expects {ty}").into()
}

impl ToSql for Arg {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Arg::Null, _) => Ok(IsNull::Yes),
            (Arg::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Arg::Int(i), &Type::INT4) => i32::try_from(*i)
                .map_err(|_| refuse(self, ty))?
                .to_sql(ty, out),
            (Arg::Int(i), &Type::INT2) => i16::try_from(*i)
                .map_err(|_| refuse(self, ty))?
                .to_sql(ty, out),
            (Arg::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            // Whole numbers of this size convert exactly.
            #[allow(clippy::cast_precision_loss)]
            (Arg::Int(i), &Type::FLOAT8) if i.unsigned_abs() < 1 << 53 => {
                (*i as f64).to_sql(ty, out)
            }
            (Arg::Int(i), &Type::TEXT | &Type::VARCHAR | &Type::UNKNOWN) => {
                i.to_string().to_sql(&Type::TEXT, out)
            }
            (Arg::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            #[allow(clippy::cast_possible_truncation)]
            (Arg::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Arg::Text(t), &Type::JSONB) => {
                // JSONB's binary form: a version byte, then the text.
                out.extend_from_slice(&[1]);
                out.extend_from_slice(t.as_bytes());
                Ok(IsNull::No)
            }
            (Arg::Text(t), _) if <&str as ToSql>::accepts(ty) => t.as_str().to_sql(ty, out),
            (Arg::Text(t), &Type::UNKNOWN) => t.as_str().to_sql(&Type::TEXT, out),
            (Arg::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            _ => Err(refuse(self, ty)),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column read back in SQLite's storage classes, borrowing the row's bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Cell<'a> {
    pub fn value_ref(self) -> ValueRef<'a> {
        match self {
            Cell::Null => ValueRef::Null,
            Cell::Int(i) => ValueRef::Integer(i),
            Cell::Real(f) => ValueRef::Real(f),
            Cell::Text(t) => ValueRef::Text(t.as_bytes()),
            Cell::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl<'a> FromSql<'a> for Cell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(match *ty {
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::OID => Cell::Int(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Cell::Blob(raw),
            Type::JSONB => Cell::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?),
            _ if <&str as FromSql>::accepts(ty) => Cell::Text(<&str>::from_sql(ty, raw)?),
            _ => return Err(format!("a column of type {ty} has no Rapport form").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// PostgreSQL's binary `numeric`: digit count, weight (of the first digit, in powers
/// of 10,000), sign, display scale, then the base-10,000 digits. A whole number that
/// fits is an integer; anything else a real.
fn numeric(raw: &[u8]) -> Result<Cell<'static>, BoxError> {
    let word = |at: usize| -> Result<i16, BoxError> {
        raw.get(at..at + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a numeric value was cut short".into())
    };
    let digits = usize::try_from(word(0)?).map_err(|_| "a numeric value with no digits")?;
    let weight = i32::from(word(2)?);
    let sign = word(4)? as u16;
    if sign == 0xC000 {
        return Ok(Cell::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut fraction = 0.0f64;
    let mut exact = true;
    for i in 0..digits {
        let digit = i128::from(word(8 + 2 * i)?);
        let power = weight - i32::try_from(i).unwrap_or(i32::MAX);
        if power >= 0 {
            let scale = 10_000i128.checked_pow(power.unsigned_abs());
            match scale
                .and_then(|s| digit.checked_mul(s))
                .and_then(|d| whole.checked_add(d))
            {
                Some(w) => whole = w,
                None => exact = false,
            }
        } else if digit != 0 {
            #[allow(clippy::cast_precision_loss)]
            {
                fraction += digit as f64 * 10_000f64.powi(power);
            }
        }
    }
    let negative = sign == 0x4000;
    if exact && fraction == 0.0 {
        let whole = if negative { -whole } else { whole };
        if let Ok(i) = i64::try_from(whole) {
            return Ok(Cell::Int(i));
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let value = whole as f64 + fraction;
    Ok(Cell::Real(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(digits: &[i16], weight: i16, negative: bool) -> Vec<u8> {
        let mut raw = Vec::new();
        for w in [
            i16::try_from(digits.len()).unwrap(),
            weight,
            if negative { 0x4000 } else { 0 },
            0,
        ] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        for d in digits {
            raw.extend_from_slice(&d.to_be_bytes());
        }
        raw
    }

    #[test]
    fn whole_numerics_are_integers_and_others_reals() {
        // 123_456_789 = 1·10000² + 2345·10000 + 6789
        assert_eq!(
            numeric(&numeric_bytes(&[1, 2345, 6789], 2, false)).unwrap(),
            Cell::Int(123_456_789)
        );
        assert_eq!(
            numeric(&numeric_bytes(&[42], 0, true)).unwrap(),
            Cell::Int(-42)
        );
        assert_eq!(
            numeric(&numeric_bytes(&[], 0, false)).unwrap(),
            Cell::Int(0)
        );
        // 12.5 = 12 + 5000·10000⁻¹
        assert_eq!(
            numeric(&numeric_bytes(&[12, 5000], 0, false)).unwrap(),
            Cell::Real(12.5)
        );
        // 10000⁵ does not fit in an i64.
        assert!(matches!(
            numeric(&numeric_bytes(&[1, 0, 0, 0, 0, 0], 5, false)).unwrap(),
            Cell::Real(_)
        ));
        assert!(numeric(&[0, 1]).is_err(), "cut short");
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redacted("postgresql://ana:s3cret@db.example/crm"),
            "postgresql://ana@db.example/crm"
        );
        assert_eq!(
            redacted("host=/var/run/postgresql password=s3cret dbname=crm"),
            "host=/var/run/postgresql dbname=crm"
        );
        assert_eq!(redacted("postgres:///crm"), "postgres:///crm");
    }
}
