//! The PostgreSQL schema, made from SQLite's: the tables and indexes the migrations
//! leave in SQLite, rendered for PostgreSQL by the rules below, so the two cannot
//! drift apart; the triggers, which SQLite and PostgreSQL write too differently to
//! render, written natively in `pg_triggers.sql`, or rendered for both from one
//! description where the store has one (`store::kpi_slots`); a test checks each SQLite
//! trigger has its PostgreSQL one; and the few SQLite functions the store's shared SQL and
//! indexes use (`instr`, `julianday`, `date(x, 'unixepoch')`), in `pg_functions.sql`.
//!
//! Rendering a table: an `id INTEGER PRIMARY KEY` becomes an identity column (ids
//! come from a sequence, never from `max(id)`); `INTEGER` is `BIGINT`, `REAL` is
//! `DOUBLE PRECISION`, `BLOB` is `BYTEA`; every `TEXT` is `COLLATE "C"`, so text
//! compares and sorts by code point as in SQLite (prefix ranges over keys rely on
//! it); `WITHOUT ROWID` goes; `typeof(x) = 'integer'` checks hold by the column's
//! type; the two-argument `min`/`max` of a check are `least`/`greatest`. An index's
//! expressions are put in parentheses, as PostgreSQL wants them.

/// Functions SQLite has built in that the store's SQL (shared by both servers) uses.
pub const FUNCTIONS: &str = include_str!("pg_functions.sql");

/// The triggers, as PostgreSQL functions.
pub const TRIGGERS: &str = include_str!("pg_triggers.sql");

/// One object of SQLite's schema, as `sqlite_master` holds it.
#[derive(Debug, Clone)]
pub struct SqliteObject {
    pub kind: String,
    pub name: String,
    pub sql: String,
}

/// The tables (in an order their foreign keys allow) and indexes of `objects`, for
/// PostgreSQL. Triggers are left out (see [`TRIGGERS`]).
pub fn render(objects: &[SqliteObject]) -> Result<String, String> {
    let mut tables: Vec<&SqliteObject> = objects.iter().filter(|o| o.kind == "table").collect();
    tables = in_reference_order(tables)?;
    let mut out = String::new();
    for table in tables {
        out.push_str(&render_table(&table.sql));
        out.push_str(";\n");
    }
    for index in objects.iter().filter(|o| o.kind == "index") {
        out.push_str(&render_index(&index.sql)?);
        out.push_str(";\n");
    }
    Ok(out)
}

/// A trigger for PostgreSQL from the parts the store describes once for both servers
/// (`store::kpi_slots`, `store::planned_follow_ups`): its `body` (statements ending in
/// `;`) in a function of the trigger's `name`, run after `event` for each row, when
/// `when` holds.
pub fn plpgsql_trigger(name: &str, event: &str, when: Option<&str>, body: &str) -> String {
    let when = when.map(|w| format!(" WHEN ({w})")).unwrap_or_default();
    format!(
        "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{body}    RETURN NULL;
END $$;
CREATE TRIGGER {name} {event}
    FOR EACH ROW{when} EXECUTE FUNCTION {name}();
"
    )
}

/// The name of each table `sql` references, itself aside.
fn references(name: &str, sql: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = sql;
    while let Some(at) = rest.find("REFERENCES ") {
        rest = &rest[at + "REFERENCES ".len()..];
        let table: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if table != name && !found.contains(&table) {
            found.push(table);
        }
    }
    found
}

/// `tables` ordered so each comes after the tables it references.
fn in_reference_order(tables: Vec<&SqliteObject>) -> Result<Vec<&SqliteObject>, String> {
    let mut done: Vec<&SqliteObject> = Vec::with_capacity(tables.len());
    let mut waiting = tables;
    while !waiting.is_empty() {
        let before = waiting.len();
        let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|t| {
            references(&t.name, &t.sql)
                .iter()
                .all(|r| done.iter().any(|d| &d.name == r))
        });
        done.extend(ready);
        waiting = rest;
        if waiting.len() == before {
            let names: Vec<&str> = waiting.iter().map(|t| t.name.as_str()).collect();
            return Err(format!(
                "tables whose references go round in a circle: {}",
                names.join(", ")
            ));
        }
    }
    Ok(done)
}

/// Replaces the whole word `word` (letters, digits and `_` make a word) with `with`.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

/// `sql` without `--` comments (the schema's comments hold no quotes).
fn without_comments(sql: &str) -> String {
    sql.lines()
        .map(|line| line.find("--").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_table(sql: &str) -> String {
    let mut s = without_comments(sql);
    s = s.replace("WITHOUT ROWID", "");
    // `id INTEGER PRIMARY KEY` (the row id) and nothing else takes its value from a sequence.
    let identity = "\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    if let Some(at) = s.find('(') {
        let (head, body) = s.split_at(at + 1);
        let trimmed = body.trim_start();
        if let Some(after) = trimmed.strip_prefix("id") {
            let after = after.trim_start();
            if let Some(after) = after.strip_prefix("INTEGER PRIMARY KEY") {
                s = format!("{head}{identity}{after}");
            }
        }
    }
    s = deferrable_references(&s);
    s = replace_word(&s, "INTEGER", "BIGINT");
    s = replace_word(&s, "REAL", "DOUBLE PRECISION");
    s = replace_word(&s, "BLOB", "BYTEA");
    s = replace_word(&s, "TEXT", "TEXT COLLATE \"C\"");
    s = replace_word(&s, "min", "least");
    s = replace_word(&s, "max", "greatest");
    // The column's type holds what these checks ask of SQLite's dynamic types.
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(at) = rest.find("typeof(") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "typeof(".len()..];
        match after.find(") = 'integer'") {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push_str("true");
                rest = &after[end + ") = 'integer'".len()..];
            }
            _ => {
                out.push_str("typeof(");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Each `REFERENCES t(c) [ON DELETE …] [ON UPDATE …]` made `DEFERRABLE` (initially
/// immediate, as SQLite checks): a restore sets its checks to the end of its
/// transaction, as `PRAGMA defer_foreign_keys` does on SQLite.
fn deferrable_references(sql: &str) -> String {
    const ACTIONS: [&str; 5] = [
        "CASCADE",
        "SET NULL",
        "SET DEFAULT",
        "RESTRICT",
        "NO ACTION",
    ];
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    while let Some(at) = rest.find("REFERENCES ") {
        let (head, tail) = rest.split_at(at + "REFERENCES ".len());
        out.push_str(head);
        // The referenced table and its columns.
        let mut end = tail
            .find('(')
            .and_then(|open| closing(tail, open))
            .map_or(tail.len(), |c| c + 1);
        loop {
            let after = &tail[end..];
            let trimmed = after.trim_start();
            let skipped = after.len() - trimmed.len();
            let Some(action) = ["ON DELETE ", "ON UPDATE "]
                .iter()
                .find_map(|on| trimmed.strip_prefix(on))
                .and_then(|a| ACTIONS.iter().find(|x| a.starts_with(*x)))
            else {
                break;
            };
            end += skipped + "ON DELETE ".len() + action.len();
        }
        out.push_str(&tail[..end]);
        out.push_str(" DEFERRABLE");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The span of the parenthesis opening at `open`, to its matching close.
fn closing(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
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

/// `text` split at the commas outside parentheses.
fn top_level_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

fn render_index(sql: &str) -> Result<String, String> {
    let sql = without_comments(sql);
    let on = sql
        .find(" ON ")
        .ok_or_else(|| format!("an index without ON: {sql}"))?;
    let open = sql[on..]
        .find('(')
        .map(|i| on + i)
        .ok_or_else(|| format!("an index without columns: {sql}"))?;
    let close = closing(&sql, open).ok_or_else(|| format!("unbalanced: {sql}"))?;
    let items: Vec<String> = top_level_items(&sql[open + 1..close])
        .into_iter()
        .map(|item| {
            let item = item.trim();
            let (expr, order) = match item.rsplit_once(' ') {
                Some((e, o)) if o == "DESC" || o == "ASC" => (e.trim(), format!(" {o}")),
                _ => (item, String::new()),
            };
            if expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                format!("{expr}{order}")
            } else {
                format!("({expr}){order}")
            }
        })
        .collect();
    Ok(format!(
        "{}({}){}",
        &sql[..open],
        items.join(", "),
        &sql[close + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_rendered_with_identity_ids_code_point_text_and_checks_by_type() {
        let sql = "CREATE TABLE stages (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE, -- the key, for TEXT's sake
    score        REAL,
    photo        BLOB,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    idle_days INTEGER CHECK (idle_days IS NULL OR (typeof(idle_days) = 'integer' AND idle_days BETWEEN 1 AND 3650)),
    CHECK (min(score, 1) >= 0 AND max(score, 2) <= 9)
) WITHOUT ROWID";
        let out = render_table(sql);
        assert_eq!(
            out,
            "CREATE TABLE stages (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    key          TEXT COLLATE \"C\" NOT NULL UNIQUE, 
    score        DOUBLE PRECISION,
    photo        BYTEA,
    customer_id  BIGINT NOT NULL REFERENCES customers(id) DEFERRABLE,
    idle_days BIGINT CHECK (idle_days IS NULL OR (true AND idle_days BETWEEN 1 AND 3650)),
    CHECK (least(score, 1) >= 0 AND greatest(score, 2) <= 9)
) "
        );
        let keyed = render_table(
            "CREATE TABLE customer_value (\n    customer_id INTEGER PRIMARY KEY,\n    n INTEGER)",
        );
        assert!(keyed.contains("customer_id BIGINT PRIMARY KEY"), "{keyed}");
        assert!(
            !keyed.contains("IDENTITY"),
            "only the row id is an identity"
        );
        let cascading = render_table(
            "CREATE TABLE t (\n    a INTEGER REFERENCES a(id) ON DELETE CASCADE ON UPDATE SET NULL CHECK (a > 0),\n    b INTEGER REFERENCES b(id))",
        );
        assert!(
            cascading.contains(
                "REFERENCES a(id) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE CHECK (a > 0)"
            ),
            "{cascading}"
        );
        assert!(
            cascading.contains("REFERENCES b(id) DEFERRABLE)"),
            "{cascading}"
        );
    }

    #[test]
    fn an_index_puts_its_expressions_in_parentheses() {
        assert_eq!(
            render_index("CREATE INDEX deals_board ON deals(stage_id, closed_on DESC, expected_close IS NULL, expected_close, id)").unwrap(),
            "CREATE INDEX deals_board ON deals(stage_id, closed_on DESC, (expected_close IS NULL), expected_close, id)"
        );
        assert_eq!(
            render_index("CREATE INDEX reminders_open_at ON reminders(coalesce(snoozed_until, due_at), owner_id)\n    WHERE done_at IS NULL").unwrap(),
            "CREATE INDEX reminders_open_at ON reminders((coalesce(snoozed_until, due_at)), owner_id)\n    WHERE done_at IS NULL"
        );
        assert_eq!(
            render_index("CREATE UNIQUE INDEX x ON t(a)").unwrap(),
            "CREATE UNIQUE INDEX x ON t(a)"
        );
    }

    #[test]
    fn tables_come_after_the_tables_they_reference() {
        let object = |name: &str, sql: &str| SqliteObject {
            kind: "table".into(),
            name: name.into(),
            sql: sql.into(),
        };
        let objects = [
            object(
                "b",
                "CREATE TABLE b (a_id INTEGER REFERENCES a(id), c_id INTEGER REFERENCES c(id))",
            ),
            object(
                "c",
                "CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES c(id))",
            ),
            object("a", "CREATE TABLE a (id INTEGER PRIMARY KEY)"),
        ];
        let order: Vec<&str> = in_reference_order(objects.iter().collect())
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(order, vec!["c", "a", "b"]);
        let circle = [
            object("x", "CREATE TABLE x (y INTEGER REFERENCES y(id))"),
            object("y", "CREATE TABLE y (x INTEGER REFERENCES x(id))"),
        ];
        assert!(in_reference_order(circle.iter().collect()).is_err());
    }
}
