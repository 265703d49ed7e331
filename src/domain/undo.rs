//! Undo: a change is taken back by a NEW change that restores what it touched, so the
//! trail is never rewritten. These are the rules that decide whether it still can be.

use std::fmt;

use chrono::{DateTime, Local, Utc};

/// A change recorded after the one to undo, on one of the records it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Later {
    /// Its audit entry.
    pub id: i64,
    /// The entry it takes back, if it is an undo itself.
    pub undoes: Option<i64>,
}

/// The first of `later` (in trail order) that still stands: neither an undo of another
/// of them nor undone by one of them. A change and its undo cancel out, so a record
/// changed and changed back since is as the change to undo left it.
pub fn first_standing(later: &[Later]) -> Option<&Later> {
    let ids: Vec<i64> = later.iter().map(|l| l.id).collect();
    later.iter().find(|l| match l.undoes {
        Some(target) => !ids.contains(&target),
        None => !later.iter().any(|u| u.undoes == Some(l.id)),
    })
}

/// Why a change cannot be undone (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// Someone changed a record of it since.
    ChangedSince {
        entity: String,
        id: i64,
        by: Option<String>,
        at: DateTime<Utc>,
        /// The audit entry of that change, when the trail has one.
        entry: Option<i64>,
    },
    /// A record of it no longer exists (deleted with its customer, or merged away).
    Gone { entity: String, id: i64 },
    /// Its undo is in the trail already.
    AlreadyUndone,
    /// Only customers, deals, follow-ups and interactions are undone this way.
    NotUndoable { entity: String },
    /// The trail holds no copy of the record as it was (written by an older Rapport,
    /// a merge or an import).
    NoCopy,
    /// Taking it back would delete what others added to it since.
    HasDependents { what: String },
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::ChangedSince {
                entity, id, by, at, ..
            } => write!(
                f,
                "{entity} #{id} was changed since, by {} at {}; undo that change first, or correct the record by hand",
                by.as_deref().unwrap_or("someone else"),
                at.with_timezone(&Local).format("%Y-%m-%d %H:%M")
            ),
            Blocked::Gone { entity, id } => write!(
                f,
                "{entity} #{id} no longer exists (deleted with its customer, or merged into another)"
            ),
            Blocked::AlreadyUndone => f.write_str("it was undone already"),
            Blocked::NotUndoable { entity } => write!(
                f,
                "changes of {entity} records are not undone; only customers, deals, follow-ups \
                 and interactions are (change it back by hand)"
            ),
            Blocked::NoCopy => f.write_str(
                "the trail keeps no copy of the record as it was (merges, imports and changes \
                 made by an older Rapport); imports are undone with `rapport import --undo RUN`",
            ),
            Blocked::HasDependents { what } => write!(
                f,
                "{what} since; delete those first if the customer should go"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn later(pairs: &[(i64, Option<i64>)]) -> Vec<Later> {
        pairs
            .iter()
            .map(|&(id, undoes)| Later { id, undoes })
            .collect()
    }

    #[test]
    fn nothing_since_or_only_changes_taken_back_leaves_the_record_as_it_was() {
        assert_eq!(first_standing(&[]), None);
        // Omid changed it (11) and undid that (12): as it was.
        assert_eq!(first_standing(&later(&[(11, None), (12, Some(11))])), None);
        // Two changes, both undone, newest first.
        let both = later(&[(11, None), (13, None), (14, Some(13)), (15, Some(11))]);
        assert_eq!(first_standing(&both), None);
    }

    #[test]
    fn a_change_that_stands_is_named_first() {
        let l = later(&[(11, None), (12, None), (13, Some(12))]);
        assert_eq!(first_standing(&l).map(|l| l.id), Some(11));
        // An undo of something before the change to undo changed the record too.
        let l = later(&[(11, Some(3))]);
        assert_eq!(first_standing(&l).map(|l| l.id), Some(11));
    }

    #[test]
    fn refusals_say_who_and_when_with_the_year() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T09:30:00Z")
            .unwrap()
            .to_utc();
        let text = Blocked::ChangedSince {
            entity: "deal".into(),
            id: 5,
            by: Some("Omid Karimi".into()),
            at,
            entry: Some(12),
        }
        .to_string();
        let local = at
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(
            text,
            format!(
                "deal #5 was changed since, by Omid Karimi at {local}; undo that change first, or correct the record by hand"
            )
        );
        assert!(local.starts_with("2026-11-2"), "{local}");
    }
}
