//! The team report behind `rapport team` and the app's Team pane: every operator's
//! performance over a window against its quotas, one code path for every front end.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::Result;
use crate::domain::kpi::KpiRange;
use crate::domain::team::OperatorPerformance;
use crate::domain::{Currency, Operator, Role};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamReport {
    /// `week`, `month`, `quarter`, `year`, `all`, or `2026-11-01 to 2026-11-30`.
    pub period: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The window as local days, both inclusive.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub currency: Currency,
    /// Only this operator (an agent sees only itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Every operator shown, by login.
    pub operators: Vec<OperatorPerformance>,
}

/// Whose performance someone sees: an agent only its own, managers and admins
/// everyone's unless they name one operator.
pub fn team_scope<'a>(me: &'a Operator, chosen: Option<&'a Operator>) -> Option<&'a Operator> {
    match me.role {
        Role::Agent => Some(chosen.unwrap_or(me)),
        Role::Manager | Role::Admin => chosen,
    }
}

/// The team's performance over `range` (in `now`'s time zone) as `me` may see it.
pub fn team_report<Tz: TimeZone>(
    store: &Store,
    range: KpiRange,
    now: &DateTime<Tz>,
    me: &Operator,
    chosen: Option<&Operator>,
) -> Result<TeamReport> {
    let window = range.window(now)?;
    let now_utc = now.with_timezone(&Utc);
    let scope = team_scope(me, chosen);
    let id = scope.map(|o| o.id);
    let currency = store.default_currency()?;
    let activity = store.team_activity(&window, now_utc, currency, id)?;
    let quotas = store.quotas(id)?;
    let defs = store.kpi_definitions()?;
    let operators = activity
        .iter()
        .map(|a| {
            let own: Vec<_> = quotas
                .iter()
                .filter(|(op, _)| *op == a.operator_id)
                .map(|(_, q)| q.clone())
                .collect();
            OperatorPerformance::new(a, &own, &defs)
        })
        .collect();
    Ok(TeamReport {
        period: range.label(),
        from: window.from,
        to: window.to,
        first_day: window.first_day,
        last_day: window
            .end_day
            .checked_sub_days(Days::new(1))
            .unwrap_or(window.first_day),
        currency,
        operator: scope.map(|o| o.login.clone()),
        operators,
    })
}
