//! Counts in words: "1 customer", "2 customers", "0 people".

use std::fmt::Display;

/// `n` with the word for one or for many: `count(1, "deal", "deals")` is "1 deal".
pub fn count<N: Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let word = if n == N::from(1) { one } else { many };
    format!("{n} {word}")
}

/// The word alone, for when the number is written elsewhere.
pub fn plural<N: PartialEq + From<u8>>(
    n: N,
    one: &'static str,
    many: &'static str,
) -> &'static str {
    if n == N::from(1) { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_many() {
        assert_eq!(count(1_usize, "record", "records"), "1 record");
        assert_eq!(count(0_i64, "record", "records"), "0 records");
        assert_eq!(count(2_u32, "person", "people"), "2 people");
        assert_eq!(plural(1_i64, "deal", "deals"), "deal");
        assert_eq!(plural(-1_i64, "deal", "deals"), "deals");
    }
}
