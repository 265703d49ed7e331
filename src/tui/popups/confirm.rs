//! "Delete this?": what would go, asked before anything is written. `y`/Enter goes
//! ahead, `n`/Esc keeps it.

use crate::domain::{Deal, Interaction, Reminder};

/// What a confirmed popup does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    DeleteDeal(i64),
    DeleteFollowup(i64),
    DeleteInteraction(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    /// What goes, one line each (stored text; the view makes it harmless).
    pub lines: Vec<String>,
    pub pending: Pending,
}

impl Confirm {
    pub fn delete_deal(d: &Deal) -> Self {
        Self {
            title: format!("Delete deal #{}?", d.id),
            lines: vec![
                d.title.clone(),
                format!("{} · {} · {}", d.customer_name, d.amount, d.stage_key),
                "Its follow-ups and interactions stay, without the link.".into(),
            ],
            pending: Pending::DeleteDeal(d.id),
        }
    }

    /// `due` is the follow-up's due time as the operator reads it.
    pub fn delete_followup(r: &Reminder, due: &str) -> Self {
        Self {
            title: format!("Delete follow-up #{}?", r.id),
            lines: vec![r.note.clone(), format!("{} · due {due}", r.customer_name)],
            pending: Pending::DeleteFollowup(r.id),
        }
    }

    /// `at` is when it happened, as the operator reads it.
    pub fn delete_interaction(i: &Interaction, customer: &str, at: &str) -> Self {
        Self {
            title: format!("Delete {} #{}?", i.kind, i.id),
            lines: vec![i.summary.clone(), format!("{customer} · {at}")],
            pending: Pending::DeleteInteraction(i.id),
        }
    }
}
