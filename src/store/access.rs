//! Access levels in the store: every write asks `domain::access` (with the record's
//! owner, read here) before it changes anything, so the app and the command line obey
//! the same rules.

use super::db::{Db, OptionalExtension};

use super::{Result, Store, StoreError, Writer};
use crate::domain::access::{self, Permission, Record};

/// The table and owner column behind an entity name.
pub(super) fn owned_table(entity: &str) -> Result<(&'static str, &'static str)> {
    Ok(match entity {
        "customer" => ("customers", "owner_id"),
        "deal" => ("deals", "owner_id"),
        "follow-up" => ("reminders", "owner_id"),
        "interaction" => ("interactions", "operator_id"),
        _ => {
            return Err(StoreError::Message(format!(
                "no ownership rule for {entity} records"
            )));
        }
    })
}

/// An existing record, with its owner, as access sees it.
fn owned(conn: &Db, entity: &'static str, id: i64) -> Result<Record> {
    let (table, column) = owned_table(entity)?;
    // Table and column names come from `owned_table`, never from input.
    let owner: Option<(Option<i64>, Option<String>)> = conn
        .prepare_cached(&format!(
            "SELECT t.{column}, o.login FROM {table} t LEFT JOIN operators o ON o.id = t.{column} WHERE t.id = ?1"
        ))?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (owner_id, owner_login) = owner.ok_or(StoreError::NotFound { entity, id })?;
    Ok(Record {
        entity,
        id,
        owner_id,
        owner_login,
    })
}

impl Store {
    /// Refuses what the signed-in operator's role does not allow (see `domain::access`).
    pub fn require(&self, permission: Permission<'_>) -> Result<()> {
        match &self.actor {
            Some(actor) => Ok(access::check(actor, permission)?),
            None => Ok(()),
        }
    }

    /// Whether the signed-in operator may change record `id` ("customer", "deal",
    /// "follow-up"): asked before an edit starts, so nobody types in vain. The write
    /// itself checks again.
    pub fn may_change(&self, entity: &'static str, id: i64) -> Result<()> {
        if self.actor.is_none() {
            return Ok(());
        }
        self.require(Permission::Change(&owned(&self.conn, entity, id)?))
    }

    /// Whether the signed-in operator may delete record `id`: asked before the
    /// confirmation, so nobody confirms in vain. The write itself checks again.
    pub fn may_delete(&self, entity: &'static str, id: i64) -> Result<()> {
        if self.actor.is_none() {
            return Ok(());
        }
        self.require(Permission::Delete(&owned(&self.conn, entity, id)?))
    }
}

impl Writer<'_> {
    /// Gives record `id` ("customer", "deal", "follow-up") to operator `owner_id`:
    /// for managers and admins (an agent may change its own records, not give them
    /// away). Recorded in the audit trail as a change of owner.
    pub fn assign(&mut self, entity: &'static str, id: i64, owner_id: i64) -> Result<()> {
        self.require_change(entity, id)?;
        let before = owned(self.conn, entity, id)?;
        if entity == "follow-up" {
            super::reminders::refuse_if_reminder_done(self.conn, id, "assigned")?;
        }
        if before.owner_id == Some(owner_id) {
            return Ok(());
        }
        self.require(Permission::Assign)?;
        let login: String = self
            .conn
            .query_row(
                "SELECT login FROM operators WHERE id = ?1",
                [owner_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::invalid("owner", format!("no operator #{owner_id}")))?;
        let (table, column) = owned_table(entity)?;
        self.keep_before(entity, id)?;
        // Table and column names come from `owned_table`, never from input.
        let customer_id: Option<i64> = self.conn.query_row(
            &format!(
                "UPDATE {table} SET {column} = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1
                 RETURNING {}",
                if table == "customers" { "id" } else { "customer_id" }
            ),
            rusqlite::params![id, owner_id, self.now],
            |r| r.get(0),
        )?;
        self.audit_field(
            entity,
            id,
            customer_id,
            "owner",
            before.owner_login,
            Some(login),
        )
    }

    /// Refuses what the acting operator's role does not allow (see `domain::access`).
    pub fn require(&self, permission: Permission<'_>) -> Result<()> {
        match self.actor {
            Some(actor) => Ok(access::check(actor, permission)?),
            None => Ok(()),
        }
    }

    /// The acting operator's id, if an operator signed in.
    pub fn actor_id(&self) -> Option<i64> {
        self.actor.map(|a| a.id)
    }

    /// An existing record, with its owner, as access sees it.
    fn owned(&self, entity: &'static str, id: i64) -> Result<Record> {
        owned(self.conn, entity, id)
    }

    /// Refuses a change to record `id` the acting operator may not make.
    pub(super) fn require_change(&self, entity: &'static str, id: i64) -> Result<()> {
        if self.actor.is_none() {
            return Ok(());
        }
        self.require(Permission::Change(&self.owned(entity, id)?))
    }

    /// `require_change` for a record this transaction has read already, with its owner.
    pub(super) fn require_change_of(
        &self,
        entity: &'static str,
        id: i64,
        owner_id: Option<i64>,
        owner_login: Option<&str>,
    ) -> Result<()> {
        self.require(Permission::Change(&Record {
            entity,
            id,
            owner_id,
            owner_login: owner_login.map(str::to_string),
        }))
    }

    /// Refuses deleting record `id` if the acting operator may not.
    pub(super) fn require_delete(&self, entity: &'static str, id: i64) -> Result<()> {
        if self.actor.is_none() {
            return Ok(());
        }
        self.require(Permission::Delete(&self.owned(entity, id)?))
    }

    /// A record owned by `owner_id` (new, or given away) needs `Assign` unless the
    /// acting operator owns it.
    pub(super) fn require_owner(&self, owner_id: Option<i64>) -> Result<()> {
        match self.actor {
            Some(actor) if owner_id != Some(actor.id) => self.require(Permission::Assign),
            _ => Ok(()),
        }
    }
}
