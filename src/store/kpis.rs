use super::{Result, Store};
use crate::domain::KpiDefinition;

impl Store {
    pub fn kpi_definitions(&self) -> Result<Vec<KpiDefinition>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, name, grp, unit, target, minimum, higher_is_better, period FROM kpi_definitions ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(KpiDefinition {
                key: r.get(0)?,
                name: r.get(1)?,
                group: r.get(2)?,
                unit: r.get(3)?,
                target: r.get(4)?,
                minimum: r.get(5)?,
                higher_is_better: r.get(6)?,
                period: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
