//! Access levels: what each role may do. The store asks these rules before it
//! writes, so the app and the command line obey the same ones.

use std::fmt;

use super::{Operator, Role};

/// Something only some roles may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Add operators and change their roles.
    ManageOperators,
}

impl Permission {
    /// The roles allowed, and how a refusal explains itself.
    fn rule(self) -> (&'static [Role], &'static str) {
        match self {
            Permission::ManageOperators => (
                &[Role::Admin],
                "only an admin can add operators or change roles",
            ),
        }
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

/// Whether `actor` may do what `permission` names.
pub fn check(actor: &Operator, permission: Permission) -> Result<(), Denied> {
    let (roles, why) = permission.rule();
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(Denied(format!("{why} ({} is {})", actor.login, actor.role)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn operator(role: Role) -> Operator {
        Operator {
            id: 1,
            login: "omid".into(),
            display_name: "Omid".into(),
            role,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn only_admins_manage_operators() {
        assert!(check(&operator(Role::Admin), Permission::ManageOperators).is_ok());
        for role in [Role::Manager, Role::Agent] {
            let e = check(&operator(role), Permission::ManageOperators).unwrap_err();
            assert!(
                e.to_string().starts_with("not allowed: only an admin"),
                "{e}"
            );
        }
    }
}
