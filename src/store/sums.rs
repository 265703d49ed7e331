//! Sums of amounts that never overflow. SQLite's `sum()` of integers fails with
//! "integer overflow" past 64 bits, which two deals of 5·10^18 minor units reach (and
//! rows written before amounts were capped may hold that much). So every amount sum
//! is taken in two parts, the billions and the rest, each far from overflowing, and
//! joined in Rust as an `i128`.

/// Where an amount is split: `a = (a / SPLIT) · SPLIT + a % SPLIT`.
const SPLIT: i64 = 1_000_000_000;

/// Two result columns: the sum of `expr / 10^9` and the sum of `expr % 10^9` (0 when
/// no row counts). Each part of one row is under 10^10, so a billion rows fit. `expr`
/// must be a non-negative integer expression (amounts are, by the schema's check).
pub(super) fn split_sum(expr: &str) -> String {
    format!("coalesce(sum(({expr}) / {SPLIT}), 0), coalesce(sum(({expr}) % {SPLIT}), 0)")
}

/// Joins the two columns of [`split_sum`] into the exact total.
pub(super) fn join_sum(high: i64, low: i64) -> i128 {
    i128::from(high) * i128::from(SPLIT) + i128::from(low)
}

/// Reads the two columns of [`split_sum`] starting at column `at`.
pub(super) fn read_sum(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<i128> {
    Ok(join_sum(row.get(at)?, row.get(at + 1)?))
}

/// `amount × probability / 100` rounded down, without overflowing for any amount:
/// with `a = 100q + r`, `a·p/100 = q·p + r·p/100`. Needs `d` to be the deals table.
pub(super) const WEIGHTED: &str =
    "(d.amount_minor / 100) * d.probability + (d.amount_minor % 100) * d.probability / 100";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_past_64_bits_exactly() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        for _ in 0..3 {
            conn.execute("INSERT INTO t VALUES (?1)", [i64::MAX])
                .unwrap();
        }
        conn.execute("INSERT INTO t VALUES (NULL)", []).unwrap();
        let sql = format!("SELECT {} FROM t", split_sum("a"));
        let total = conn.query_row(&sql, [], |r| read_sum(r, 0)).unwrap();
        assert_eq!(total, i128::from(i64::MAX) * 3);
        assert!(
            conn.query_row("SELECT sum(a) FROM t", [], |r| r.get::<_, i64>(0))
                .is_err(),
            "SQLite's own sum overflows"
        );
        let none = format!("SELECT {} FROM t WHERE a IS NULL", split_sum("a"));
        assert_eq!(conn.query_row(&none, [], |r| read_sum(r, 0)).unwrap(), 0);
    }
}
