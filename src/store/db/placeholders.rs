//! SQLite's numbered parameters (`?1`, and bare `?`) as PostgreSQL's (`$1`). The
//! store's SQL is written once with `?N`; on PostgreSQL it is rewritten before it is
//! prepared. Quoted text, quoted names and comments are copied as they are, so a `?`
//! inside them stays a `?`.

/// `sql` with every parameter outside quotes and comments written as `$N`. A bare `?`
/// takes the number after the largest one seen so far, as SQLite numbers it.
#[cfg(test)]
pub fn to_dollar(sql: &str) -> String {
    rewrite(sql, &[], &|n| n).0
}

/// [`to_dollar`] for a statement about to be sent, and which of its arguments to
/// send (their indexes, in order). SQLite lets a statement leave a parameter unused
/// (`?2` and `?3` without `?1`: an optional filter left out); PostgreSQL could not
/// tell the type of one it never sees, so the numbers are closed up and an argument
/// no parameter names is not sent.
pub fn to_dollar_sent(sql: &str) -> (String, Vec<usize>) {
    let sql = &without_index_hints(sql);
    let (out, _, numbers) = rewrite(sql, &[], &|n| n);
    let sent: Vec<usize> = numbers.iter().map(|&n| n as usize - 1).collect();
    if numbers.iter().copied().eq(1..=numbers.len() as u32) {
        return (out, sent);
    }
    let rank = |n: u32| {
        numbers
            .iter()
            .position(|&u| u == n)
            .map_or(n, |i| i as u32 + 1)
    };
    (rewrite(sql, &[], &rank).0, sent)
}

/// `sql` without SQLite's `INDEXED BY index` hints: PostgreSQL has no such clause and
/// plans alone. (The store's SQL never quotes the words.)
fn without_index_hints(sql: &str) -> String {
    const HINT: &str = " INDEXED BY ";
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(HINT) {
        out.push_str(&rest[..at]);
        let after = &rest[at + HINT.len()..];
        let name = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[name..];
    }
    out.push_str(rest);
    out
}

/// [`to_dollar`], and also each `:name` of `names` as `$N` (SQLite's named
/// parameters; a PostgreSQL cast `::type` is left alone). Names are numbered in the
/// order the SQL first uses them; the list says which of `names` each number is, so
/// a name the SQL does not use is not sent (PostgreSQL could not tell its type).
pub fn to_dollar_named(sql: &str, names: &[&str]) -> (String, Vec<usize>) {
    let (out, used, _) = rewrite(&without_index_hints(sql), names, &|n| n);
    (out, used)
}

/// The rewrite behind the three: `?N` becomes `$number(N)`, and each `:name` of
/// `names` a `$N` in the order first used. Also returns the names used (indexes into
/// `names`) and the numbers `?N` used, ascending.
fn rewrite(
    sql: &str,
    names: &[&str],
    number: &dyn Fn(u32) -> u32,
) -> (String, Vec<usize>, std::collections::BTreeSet<u32>) {
    let mut numbers = std::collections::BTreeSet::new();
    let mut used: Vec<usize> = Vec::new();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    let mut highest = 0u32;
    while let Some((_, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // Up to the closing quote; a doubled quote is one quote inside.
                while let Some((_, q)) = chars.next() {
                    out.push(q);
                    if q == c {
                        match chars.peek() {
                            Some(&(_, n)) if n == c => {
                                out.push(n);
                                chars.next();
                            }
                            _ => break,
                        }
                    }
                }
            }
            '-' if chars.peek().is_some_and(|&(_, n)| n == '-') => {
                out.push(c);
                for (_, q) in chars.by_ref() {
                    out.push(q);
                    if q == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|&(_, n)| n == '*') => {
                out.push(c);
                let mut star = false;
                for (_, q) in chars.by_ref() {
                    out.push(q);
                    if star && q == '/' {
                        break;
                    }
                    star = q == '*';
                }
            }
            ':' if !names.is_empty() && !out.ends_with(':') => {
                let mut name = String::new();
                while let Some(&(_, d)) = chars
                    .peek()
                    .filter(|(_, d)| d.is_ascii_alphanumeric() || *d == '_')
                {
                    name.push(d);
                    chars.next();
                }
                match names.iter().position(|n| *n == name) {
                    Some(i) => {
                        let n = match used.iter().position(|&u| u == i) {
                            Some(n) => n + 1,
                            None => {
                                used.push(i);
                                used.len()
                            }
                        };
                        out.push('$');
                        out.push_str(&n.to_string());
                    }
                    None => {
                        out.push(':');
                        out.push_str(&name);
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                let n = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => highest + 1,
                };
                highest = highest.max(n);
                numbers.insert(n);
                out.push('$');
                out.push_str(&number(n).to_string());
            }
            _ => out.push(c),
        }
    }
    (null_tests_last(&out), used, numbers)
}

/// PostgreSQL gives a parameter its type where the SQL first uses it, and `$N IS
/// NULL` gives none ("could not determine data type of parameter"). So an optional
/// filter written the store's way, `(?N IS NULL OR x = ?N)`, is rewritten as the same
/// test the other way round, `(x = $N OR $N IS NULL)`, where the comparison types it.
fn null_tests_last(sql: &str) -> String {
    const TEST: &str = " IS NULL OR ";
    let mut out = sql.to_string();
    let mut from = 0;
    while let Some(found) = out[from..].find("($") {
        let open = from + found;
        from = open + 1;
        let digits = out[open + 2..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let param_end = open + 2 + digits;
        if digits == 0 || !out[param_end..].starts_with(TEST) {
            continue;
        }
        let Some(close) = closing_paren(&out, open) else {
            break;
        };
        let param = out[open + 1..param_end].to_string();
        let rest = out[param_end + TEST.len()..close].to_string();
        out.replace_range(open..=close, &format!("({rest} OR {param} IS NULL)"));
    }
    out
}

/// Where the parenthesis at `open` closes, passing over quoted text.
fn closing_paren(sql: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in sql[open..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{to_dollar, to_dollar_named, to_dollar_sent};

    #[test]
    fn numbered_and_bare_parameters_become_dollars() {
        assert_eq!(
            to_dollar("SELECT a FROM t WHERE id = ?1 AND b = ?2 OR c = ?1"),
            "SELECT a FROM t WHERE id = $1 AND b = $2 OR c = $1"
        );
        assert_eq!(
            to_dollar("INSERT INTO t VALUES (?, ?, ?)"),
            "INSERT INTO t VALUES ($1, $2, $3)"
        );
        assert_eq!(to_dollar("x = ?3 OR y = ?"), "x = $3 OR y = $4");
        assert_eq!(to_dollar("?12"), "$12");
    }

    #[test]
    fn parameters_a_statement_leaves_unused_are_not_sent() {
        assert_eq!(
            to_dollar_sent("a >= ?2 ORDER BY b LIMIT ?3"),
            ("a >= $1 ORDER BY b LIMIT $2".into(), vec![1, 2])
        );
        assert_eq!(
            to_dollar_sent("a = ?1 AND b = ?2 OR c = ?1"),
            ("a = $1 AND b = $2 OR c = $1".into(), vec![0, 1])
        );
        assert_eq!(
            to_dollar_sent("x = ?3 OR y = ?1 OR z = 'why ?2'"),
            ("x = $2 OR y = $1 OR z = 'why ?2'".into(), vec![0, 2])
        );
        assert_eq!(to_dollar_sent("SELECT 1"), ("SELECT 1".into(), vec![]));
        assert_eq!(
            to_dollar_sent("SELECT d.id FROM deals d INDEXED BY deals_open_idle\n WHERE d.x = ?1")
                .0,
            "SELECT d.id FROM deals d\n WHERE d.x = $1"
        );
    }

    #[test]
    fn quotes_and_comments_keep_their_question_marks() {
        assert_eq!(
            to_dollar("SELECT 'why?', \"odd?name\", 'it''s ?1' FROM t WHERE a = ?1"),
            "SELECT 'why?', \"odd?name\", 'it''s ?1' FROM t WHERE a = $1"
        );
        assert_eq!(
            to_dollar("SELECT 1 -- what ?1\nWHERE a = ?1 /* b = ?2 */ AND c = ?2"),
            "SELECT 1 -- what ?1\nWHERE a = $1 /* b = ?2 */ AND c = $2"
        );
        assert_eq!(
            to_dollar("a = 'Фёдоров?' AND b = ?1"),
            "a = 'Фёдоров?' AND b = $1"
        );
    }

    #[test]
    fn named_parameters_take_their_place_in_the_list() {
        assert_eq!(
            to_dollar_named(
                "SELECT x::bigint FROM t WHERE a >= :from AND b < :to AND c = :from AND d = ':to'",
                &["to", "from"]
            ),
            (
                "SELECT x::bigint FROM t WHERE a >= $1 AND b < $2 AND c = $1 AND d = ':to'".into(),
                vec![1, 0]
            )
        );
        assert_eq!(
            to_dollar_named("a = :other AND b = :x", &["unused", "x"]),
            ("a = :other AND b = $1".into(), vec![1])
        );
    }

    #[test]
    fn an_optional_filter_tests_for_null_after_the_comparison_that_types_it() {
        assert_eq!(
            to_dollar("WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.kind = ?2)"),
            "WHERE (c.status = $1 OR $1 IS NULL) AND (c.kind = $2 OR $2 IS NULL)"
        );
        assert_eq!(
            to_dollar("(?3 IS NULL OR x IN (SELECT id FROM t WHERE o = ?3 AND n <> ')'))"),
            "(x IN (SELECT id FROM t WHERE o = $3 AND n <> ')') OR $3 IS NULL)"
        );
        assert_eq!(
            to_dollar("(?6 IS NULL OR d.closed_on IS NULL OR d.closed_on >= ?6)"),
            "(d.closed_on IS NULL OR d.closed_on >= $6 OR $6 IS NULL)"
        );
        assert_eq!(
            to_dollar("WHERE (?1 OR done IS NULL) AND ?2 IS NULL"),
            "WHERE ($1 OR done IS NULL) AND $2 IS NULL",
            "anything else is left as it is"
        );
    }

    #[test]
    fn an_unclosed_quote_is_copied_to_the_end() {
        assert_eq!(to_dollar("SELECT 'a ?1"), "SELECT 'a ?1");
        assert_eq!(to_dollar("SELECT 1 -- ?1"), "SELECT 1 -- ?1");
    }
}
