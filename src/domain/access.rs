//! Access levels: what each role may do. The store asks these rules before it
//! writes, so the app and the command line obey the same ones.
//!
//! - admin: everything, including operators, stages, KPI targets and definitions, and
//!   restoring backups;
//! - manager: every customer, deal and follow-up, gives records to other operators,
//!   imports, exports and backs up, sees every operator's KPIs and performance, sets
//!   operators' quotas, cadence defaults and stages' idle limits;
//! - agent: creates records, changes and deletes its own; reads everyone's customers.

use std::fmt;

use super::{Operator, Role};

/// An existing record, as far as access is concerned: what it is and whose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// "customer", "deal", "follow-up", "interaction".
    pub entity: &'static str,
    pub id: i64,
    pub owner_id: Option<i64>,
    /// The owner's login, for the refusal's wording.
    pub owner_login: Option<String>,
}

impl Record {
    fn describe(&self) -> String {
        match &self.owner_login {
            Some(login) => format!("{} #{} is {login}'s", self.entity, self.id),
            None => format!("{} #{} has no owner", self.entity, self.id),
        }
    }
}

/// Something only some roles may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission<'a> {
    /// Add operators and change their roles.
    ManageOperators,
    /// Change KPI targets and minimums.
    SetTargets,
    /// Define KPIs of the business's own, or remove them.
    DefineKpis,
    /// Rename pipeline stages and change their default probabilities.
    ManageStages,
    /// Set how many idle days make a deal rot in a stage.
    SetStageLimits,
    /// Restore a backup over the database.
    Restore,
    /// Change the default contact cadence and the tags' cadences.
    ChangeSettings,
    /// Export or back up the whole database.
    BulkExport,
    /// Import contacts, deals or a backup.
    BulkImport,
    /// See another operator's KPIs, or the whole team's.
    SeeTeamKpis,
    /// Make another operator the owner of a record.
    Assign,
    /// Set or clear an operator's quotas (per-operator KPI targets).
    SetQuotas,
    /// Set exchange rates and the default currency reports convert to.
    SetExchangeRates,
    /// Change an existing record.
    Change(&'a Record),
    /// Delete (or merge away) an existing record.
    Delete(&'a Record),
}

const ADMIN: &[Role] = &[Role::Admin];
const MANAGER: &[Role] = &[Role::Admin, Role::Manager];

/// Whether `actor` may do what `permission` names.
pub fn check(actor: &Operator, permission: Permission<'_>) -> Result<(), Denied> {
    let (roles, why): (&[Role], String) = match permission {
        Permission::ManageOperators => (
            ADMIN,
            "only an admin can add operators or change roles".into(),
        ),
        Permission::SetTargets => (ADMIN, "only an admin can change KPI targets".into()),
        Permission::DefineKpis => (ADMIN, "only an admin can define or remove KPIs".into()),
        Permission::ManageStages => (ADMIN, "only an admin can change pipeline stages".into()),
        Permission::SetStageLimits => (
            MANAGER,
            "only a manager or an admin can set a stage's idle limit".into(),
        ),
        Permission::Restore => (ADMIN, "only an admin can restore a backup".into()),
        Permission::ChangeSettings => (
            MANAGER,
            "only a manager or an admin can change the default or a tag's cadence".into(),
        ),
        Permission::BulkExport => (
            MANAGER,
            "only a manager or an admin can export or back up the whole database".into(),
        ),
        Permission::BulkImport => (MANAGER, "only a manager or an admin can import".into()),
        Permission::SeeTeamKpis => (
            MANAGER,
            "only a manager or an admin can see other operators' KPIs".into(),
        ),
        Permission::SetExchangeRates => (
            MANAGER,
            "only a manager or an admin can change exchange rates or the default currency".into(),
        ),
        Permission::SetQuotas => (
            MANAGER,
            "only a manager or an admin can set an operator's quota".into(),
        ),
        Permission::Assign => (
            MANAGER,
            "only a manager or an admin can give a record to another operator".into(),
        ),
        Permission::Change(record) | Permission::Delete(record)
            if record.owner_id == Some(actor.id) =>
        {
            return Ok(());
        }
        Permission::Change(record) => (
            MANAGER,
            format!(
                "agents change only their own records, and {}",
                record.describe()
            ),
        ),
        Permission::Delete(record) => (
            MANAGER,
            format!(
                "agents delete only their own records, and {}",
                record.describe()
            ),
        ),
    };
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(Denied(format!("{why} ({} is {})", actor.login, actor.role)))
    }
}

/// A refusal: `not allowed: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not allowed: {}", self.0)
    }
}

impl std::error::Error for Denied {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn operator(id: i64, role: Role) -> Operator {
        Operator {
            id,
            login: format!("op{id}"),
            display_name: format!("Operator {id}"),
            role,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn record(owner_id: Option<i64>) -> Record {
        Record {
            entity: "customer",
            id: 12,
            owner_id,
            owner_login: owner_id.map(|id| format!("op{id}")),
        }
    }

    /// Every permission, and the roles that hold it, for an actor with id 1.
    #[test]
    fn each_role_is_refused_exactly_what_it_should_be() {
        let own = record(Some(1));
        let others = record(Some(2));
        let nobodys = record(None);
        let cases: Vec<(Permission<'_>, [bool; 3])> = vec![
            // [admin, manager, agent]
            (Permission::ManageOperators, [true, false, false]),
            (Permission::SetTargets, [true, false, false]),
            (Permission::DefineKpis, [true, false, false]),
            (Permission::ManageStages, [true, false, false]),
            (Permission::Restore, [true, false, false]),
            (Permission::ChangeSettings, [true, true, false]),
            (Permission::BulkExport, [true, true, false]),
            (Permission::BulkImport, [true, true, false]),
            (Permission::SeeTeamKpis, [true, true, false]),
            (Permission::Assign, [true, true, false]),
            (Permission::SetQuotas, [true, true, false]),
            (Permission::SetExchangeRates, [true, true, false]),
            (Permission::SetStageLimits, [true, true, false]),
            (Permission::Change(&own), [true, true, true]),
            (Permission::Delete(&own), [true, true, true]),
            (Permission::Change(&others), [true, true, false]),
            (Permission::Delete(&others), [true, true, false]),
            (Permission::Change(&nobodys), [true, true, false]),
            (Permission::Delete(&nobodys), [true, true, false]),
        ];
        for (permission, allowed) in cases {
            for (role, allowed) in [Role::Admin, Role::Manager, Role::Agent]
                .into_iter()
                .zip(allowed)
            {
                let result = check(&operator(1, role), permission);
                assert_eq!(result.is_ok(), allowed, "{role} {permission:?}: {result:?}");
            }
        }
    }

    #[test]
    fn a_refusal_says_what_and_why() {
        let e = check(&operator(1, Role::Manager), Permission::ManageOperators).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not allowed: only an admin can add operators or change roles (op1 is manager)"
        );
        let e = check(
            &operator(1, Role::Agent),
            Permission::Delete(&record(Some(2))),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "not allowed: agents delete only their own records, and customer #12 is op2's (op1 is agent)"
        );
    }
}
