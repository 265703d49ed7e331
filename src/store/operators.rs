use super::db::{OptionalExtension, Row};
use rusqlite::params;

use super::sql_types::from_secs;
use super::{Result, Store, StoreError, Writer};
use crate::domain::access::Permission;
use crate::domain::{Operator, Role};

const SELECT: &str =
    "SELECT id, login, display_name, role, version, created_at, updated_at FROM operators";

fn row_to_operator(r: &Row<'_>) -> rusqlite::Result<Operator> {
    Ok(Operator {
        id: r.get(0)?,
        login: r.get(1)?,
        display_name: r.get(2)?,
        role: r.get(3)?,
        version: r.get(4)?,
        created_at: from_secs(r.get(5)?),
        updated_at: from_secs(r.get(6)?),
    })
}

impl Store {
    pub fn operators(&self) -> Result<Vec<Operator>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} ORDER BY login"))?;
        let rows = stmt.query_map((), row_to_operator)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn operator_by_login(&self, login: &str) -> Result<Option<Operator>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE login = ?1"))?;
        stmt.query_row([login], row_to_operator).optional()
    }

    /// Signs `login` in: from now on this store writes as that operator, within its
    /// role. The first login on a database with no operators becomes its admin; any
    /// other unknown login is refused, saying how an admin adds it.
    pub fn sign_in(&mut self, login: &str) -> Result<Operator> {
        crate::domain::operator::check_login(login)?;
        let operator = match self.operator_by_login(login)? {
            Some(op) => op,
            None => self.write(|w| {
                let admins: Vec<String> = w
                    .conn
                    .prepare("SELECT login FROM operators WHERE role = 'admin' ORDER BY login")?
                    .query_map((), |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let any: bool =
                    w.conn
                        .query_row("SELECT EXISTS (SELECT 1 FROM operators)", (), |r| r.get(0))?;
                // Another process may have added this login (as the first) meanwhile.
                if any && w.operator_id(login)?.is_none() {
                    return Err(StoreError::NotAnOperator {
                        login: login.to_string(),
                        admins,
                    });
                }
                w.ensure_operator(login, login)
            })?,
        };
        self.act_as(operator.clone());
        Ok(operator)
    }

    /// The operator for `login`, created on first use: the first operator of a database
    /// is its admin, later ones are agents. For tests and library use; people sign in.
    pub fn ensure_operator(&mut self, login: &str) -> Result<Operator> {
        if let Some(op) = self.operator_by_login(login)? {
            return Ok(op);
        }
        self.write(|w| w.ensure_operator(login, login))
    }
}

impl Writer<'_> {
    /// The id of the operator with `login`, if there is one.
    pub fn operator_id(&self, login: &str) -> Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM operators WHERE login = ?1")?
            .query_row([login.trim()], |r| r.get(0))
            .optional()
    }

    pub fn ensure_operator(&mut self, login: &str, display_name: &str) -> Result<Operator> {
        crate::domain::operator::check_login(login)?;
        let existing = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE login = ?1"))?
            .query_row([login], row_to_operator)
            .optional()?;
        if let Some(op) = existing {
            return Ok(op);
        }
        let any: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM operators)", (), |r| r.get(0))?;
        let role = if any { Role::Agent } else { Role::Admin };
        let id: i64 = self.conn.query_row(
            "INSERT INTO operators (login, display_name, role, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
            params![login, display_name.trim(), role, self.now],
            |r| r.get(0),
        )?;
        let operator = Operator {
            id,
            login: login.to_string(),
            display_name: display_name.trim().to_string(),
            role,
            version: 1,
            created_at: self.now(),
            updated_at: self.now(),
        };
        self.audit_diff(
            "operator",
            id,
            None,
            None,
            Some(&self.operator_state(&operator)),
        )?;
        Ok(operator)
    }

    /// Adds an operator (the acting operator must be an admin).
    pub fn add_operator(
        &mut self,
        login: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Operator> {
        self.require(Permission::ManageOperators)?;
        if self.operator_id(login)?.is_some() {
            return Err(StoreError::invalid(
                "login",
                format!("{:?} is an operator already", login.trim()),
            ));
        }
        let op = self.ensure_operator(login, display_name)?;
        if op.role != role {
            self.set_operator_role(op.id, role)?;
        }
        Ok(Operator { role, ..op })
    }

    /// Changes the role of the operator `login` (the acting operator must be an admin).
    /// The last admin keeps the role, so someone can always manage operators.
    pub fn change_role(&mut self, login: &str, role: Role) -> Result<()> {
        self.require(Permission::ManageOperators)?;
        let id = self.operator_id(login)?.ok_or_else(|| {
            StoreError::invalid(
                "login",
                format!("no operator with login {:?}", login.trim()),
            )
        })?;
        let current: Role =
            self.conn
                .query_row("SELECT role FROM operators WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        let admins: i64 = self.conn.query_row(
            "SELECT count(*) FROM operators WHERE role = 'admin'",
            (),
            |r| r.get(0),
        )?;
        if current == Role::Admin && role != Role::Admin && admins <= 1 {
            return Err(StoreError::invalid(
                "role",
                format!(
                    "{} is the only admin; make another operator admin first",
                    login.trim()
                ),
            ));
        }
        self.set_operator_role(id, role)
    }

    pub fn set_operator_role(&mut self, id: i64, role: Role) -> Result<()> {
        let before: Option<Role> = self
            .conn
            .query_row("SELECT role FROM operators WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let n = self.conn.execute(
            "UPDATE operators SET role = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, role, self.now],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "operator",
                id,
            });
        }
        self.audit_field(
            "operator",
            id,
            None,
            "role",
            before.map(|r| r.to_string()),
            Some(role.to_string()),
        )
    }
}
