//! `rapport operator list|add|role`.

use std::io::Write;

use super::Context;
use super::output::Table;
use crate::Result;
use crate::cli::OperatorCommand;
use crate::domain::Role;
use crate::text::for_terminal;

pub fn run(ctx: &mut Context, cmd: OperatorCommand) -> Result<()> {
    match cmd {
        OperatorCommand::List => {
            let all = ctx.store.operators()?;
            if ctx.json {
                return ctx.print_json(&all);
            }
            let mut t = Table::new(&["LOGIN", "NAME", "ROLE"]);
            for o in &all {
                t.row(vec![
                    for_terminal(&o.login).into_owned(),
                    for_terminal(&o.display_name).into_owned(),
                    o.role.to_string(),
                ]);
            }
            t.print(&mut ctx.out)?;
            Ok(())
        }
        OperatorCommand::Add { login, name, role } => {
            let role = Role::parse("role", &role)?;
            let name = name.unwrap_or_else(|| login.clone());
            let op = ctx.store.write(|w| w.add_operator(&login, &name, role))?;
            if ctx.json {
                return ctx.print_json(&op);
            }
            writeln!(
                ctx.out,
                "Added operator {} ({})",
                for_terminal(&op.login),
                op.role
            )?;
            Ok(())
        }
        OperatorCommand::Role { login, role } => {
            let role = Role::parse("role", &role)?;
            ctx.store.write(|w| w.change_role(&login, role))?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "login": login, "role": role }));
            }
            writeln!(ctx.out, "{} is now {role}", for_terminal(&login))?;
            Ok(())
        }
    }
}
