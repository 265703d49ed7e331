//! Sums of amounts that never overflow. SQLite's `sum()` of integers fails with
//! "integer overflow" past 64 bits, which two deals of 5·10^18 minor units reach (and
//! rows written before amounts were capped may hold that much). So every amount sum
//! is kept or taken in two parts, the billions (`amount / 10^9`) and the rest
//! (`amount % 10^9`), each far from overflowing, and joined in Rust as an `i128`. The
//! maintained deal totals (schema 9) hold their sums that way; so do the per-customer
//! open-deal sums.

use super::db::Row;

/// Where an amount is split: `a = (a / SPLIT) · SPLIT + a % SPLIT`.
const SPLIT: i64 = 1_000_000_000;

/// Joins the two parts of a split sum into the exact total.
pub(super) fn join_sum(high: i64, low: i64) -> i128 {
    i128::from(high) * i128::from(SPLIT) + i128::from(low)
}

/// Reads the two parts of a split sum, starting at column `at`.
pub(super) fn read_sum(row: &Row<'_>, at: usize) -> rusqlite::Result<i128> {
    Ok(join_sum(row.get(at)?, row.get(at + 1)?))
}

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
        conn.execute("INSERT INTO t VALUES (NULL)", ()).unwrap();
        let sql =
            format!("SELECT coalesce(sum(a / {SPLIT}), 0), coalesce(sum(a % {SPLIT}), 0) FROM t");
        let total = conn
            .query_row(&sql, (), |r| read_sum(&Row::Sqlite(r), 0))
            .unwrap();
        assert_eq!(total, i128::from(i64::MAX) * 3);
        assert!(
            conn.query_row("SELECT sum(a) FROM t", (), |r| r.get::<_, i64>(0))
                .is_err(),
            "SQLite's own sum overflows"
        );
    }
}
