//! Pane data, read off the UI thread. The app asks for what a pane needs (a
//! [`Load`]); a loader thread with its own read connection answers, and the answer
//! comes back through the app's one event channel tagged with the generation it was
//! asked for, so an answer that a newer request has overtaken is dropped. An app on an
//! in-memory store (tests, snapshots) reads the same way, at once, on its own thread.

use std::sync::mpsc::{Receiver, Sender, channel};

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use crate::domain::kpi::KpiRange;
use crate::domain::pipeline_health::Breakdown;
use crate::domain::{Currency, CustomerCard, CustomerSummary, Deal, Operator, Period};
use crate::report::{
    ForecastReport, HealthReport, KpiReport, TeamReport, default_kpi_scope, forecast_report,
    health_report, kpi_report_with, team_report,
};
use crate::store::{Change, Counts, CustomerSort, CustomerWindow, ListAt, Location, Store};
use crate::tui::panes::pipeline::{self, Column};
use crate::tui::panes::{followups, health};

/// More changes than this at once: the app reads everything on screen again.
pub const MANY_CHANGES: usize = 1_000;

/// What a request is for: answers to one slot replace each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Counts,
    Customers,
    /// Rows of the customer list changed by someone else, read again.
    CustomerRows,
    Pipeline,
    /// A window of one pipeline column's cards.
    PipelineCards,
    Followups,
    Kpis,
    /// The KPIs again with each one's trend over the last 12 periods, asked for once
    /// the KPIs are on screen (the trends read a year of records; the KPIs alone, the
    /// maintained totals).
    KpiTrends,
    Team,
    /// The pipeline's health view.
    Health,
    /// The forecast by stage or operator in the health view.
    Forecast,
    /// The customer card on screen.
    Card,
    /// What other processes changed since the app last looked.
    Changes,
}

impl Slot {
    pub const COUNT: usize = 13;

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a window of the customer list goes in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Its first row is row `n`.
    StartsAt(usize),
    /// Its last row is just before row `n`.
    EndsAt(usize),
    /// It is the end of the list.
    AtEnd,
}

#[derive(Debug, Clone)]
pub enum Load {
    Counts,
    Customers {
        sort: CustomerSort,
        at: ListAt,
        place: Place,
        limit: usize,
    },
    CustomerRows {
        ids: Vec<i64>,
    },
    Pipeline {
        today: NaiveDate,
        currency: Currency,
        /// Each stage's first loaded card, to read the same windows again.
        windows: Vec<(i64, usize)>,
    },
    PipelineCards {
        stage_id: i64,
        closed_since: Option<NaiveDate>,
        start: usize,
        limit: usize,
    },
    Followups {
        mine: bool,
        me: i64,
        now: DateTime<Tz>,
    },
    Kpis {
        period: Period,
        currency: Currency,
        now: DateTime<Tz>,
        me: Box<Operator>,
        /// With each KPI's trend (slot [`Slot::KpiTrends`]).
        trend: bool,
    },
    /// Every operator's performance `me` may see.
    Team {
        period: Period,
        now: DateTime<Tz>,
        me: Box<Operator>,
    },
    /// The pipeline's health for `me`; lost reasons over `period`.
    Health {
        period: Period,
        now: DateTime<Tz>,
        me: Box<Operator>,
    },
    /// The forecast by stage or operator for `me`.
    Forecast {
        by: Breakdown,
        now: DateTime<Tz>,
        me: Box<Operator>,
    },
    /// A customer's card.
    Card {
        id: i64,
    },
    /// The change feed after `since`, when the database changed since `version` (its
    /// `PRAGMA data_version` as last seen).
    Changes {
        since: i64,
        version: i64,
    },
}

impl Load {
    pub fn slot(&self) -> Slot {
        match self {
            Load::Counts => Slot::Counts,
            Load::Customers { .. } => Slot::Customers,
            Load::CustomerRows { .. } => Slot::CustomerRows,
            Load::Pipeline { .. } => Slot::Pipeline,
            Load::PipelineCards { .. } => Slot::PipelineCards,
            Load::Followups { .. } => Slot::Followups,
            Load::Kpis { trend: false, .. } => Slot::Kpis,
            Load::Kpis { trend: true, .. } => Slot::KpiTrends,
            Load::Team { .. } => Slot::Team,
            Load::Health { .. } => Slot::Health,
            Load::Forecast { .. } => Slot::Forecast,
            Load::Card { .. } => Slot::Card,
            Load::Changes { .. } => Slot::Changes,
        }
    }
}

#[derive(Debug)]
pub enum Loaded {
    /// The counts, and the newest change of the feed they include.
    Counts(Counts, i64),
    Customers {
        total: usize,
        start: usize,
        window: CustomerWindow,
    },
    CustomerRows(Vec<CustomerSummary>),
    Pipeline(Vec<Column>),
    PipelineCards {
        stage_id: i64,
        start: usize,
        deals: Vec<Deal>,
    },
    Followups(followups::Followups),
    Kpis(Box<KpiReport>),
    Team(Box<TeamReport>),
    Health(Box<HealthReport>),
    Forecast(Box<ForecastReport>),
    Card(Box<CustomerCard>),
    /// `changes` is empty when nothing changed.
    Changes {
        version: i64,
        changes: Vec<Change>,
    },
}

/// A loader's answer to request `generation` of `slot`.
#[derive(Debug)]
pub struct Answer {
    pub slot: Slot,
    pub generation: u64,
    pub result: Result<Loaded, String>,
}

/// Reads what `load` asks for.
pub fn fetch(store: &Store, load: &Load) -> Result<Loaded, String> {
    let text = |e: crate::store::StoreError| e.to_string();
    Ok(match load {
        Load::Counts => {
            // The high water first: every change up to it is in the counts read after.
            let seen = store.audit_high_water().map_err(text)?;
            Loaded::Counts(store.counts().map_err(text)?, seen)
        }
        Load::Card { id } => Loaded::Card(Box::new(
            crate::tui::panes::customers::fetch_card(store, *id).map_err(text)?,
        )),
        Load::Changes { since, version } => {
            let now = store.data_version().map_err(text)?;
            let changes = if now == *version {
                Vec::new()
            } else {
                store.changes_since(*since, MANY_CHANGES).map_err(text)?
            };
            Loaded::Changes {
                version: now,
                changes,
            }
        }
        Load::Customers {
            sort,
            at,
            place,
            limit,
        } => {
            let total = store.customer_count().map_err(text)?;
            let window = store.customer_window(*sort, at, *limit).map_err(text)?;
            let n = window.rows.len();
            let start = match place {
                Place::StartsAt(s) => *s,
                Place::EndsAt(e) => e.saturating_sub(n),
                Place::AtEnd => total.saturating_sub(n),
            };
            Loaded::Customers {
                total,
                start: start.min(total.saturating_sub(n)),
                window,
            }
        }
        Load::CustomerRows { ids } => {
            Loaded::CustomerRows(store.customer_summaries(ids).map_err(text)?)
        }
        Load::Pipeline {
            today,
            currency,
            windows,
        } => Loaded::Pipeline(pipeline::fetch(store, *today, *currency, windows).map_err(text)?),
        Load::PipelineCards {
            stage_id,
            closed_since,
            start,
            limit,
        } => Loaded::PipelineCards {
            stage_id: *stage_id,
            start: *start,
            deals: pipeline::fetch_cards(store, *stage_id, *closed_since, *start, *limit)
                .map_err(text)?,
        },
        Load::Followups { mine, me, now } => {
            Loaded::Followups(followups::fetch(store, *mine, *me, now).map_err(text)?)
        }
        Load::Kpis {
            period,
            currency,
            now,
            me,
            trend,
        } => Loaded::Kpis(Box::new(
            kpi_report_with(
                store,
                KpiRange::Period(*period),
                *currency,
                now,
                default_kpi_scope(me),
                *trend,
            )
            .map_err(|e| e.to_string())?,
        )),
        Load::Team { period, now, me } => Loaded::Team(Box::new(
            team_report(store, KpiRange::Period(*period), now, me, None)
                .map_err(|e| e.to_string())?,
        )),
        Load::Health { period, now, me } => Loaded::Health(Box::new(
            health_report(store, now, KpiRange::Period(*period), me, None)
                .map_err(|e| e.to_string())?,
        )),
        Load::Forecast { by, now, me } => Loaded::Forecast(Box::new(
            forecast_report(store, now, health::FORECAST_MONTHS, *by, me, None)
                .map_err(|e| e.to_string())?,
        )),
    })
}

/// The loader thread: its own connection to the database at `path`.
pub struct Loader {
    requests: Sender<(u64, Load)>,
}

impl Loader {
    /// Starts the thread; each answer is passed to `answer` (which sends it on to the
    /// app's event channel). The thread ends when the loader is dropped.
    pub fn start(db: Location, answer: impl Fn(Answer) + Send + 'static) -> Self {
        let (requests, rx) = channel::<(u64, Load)>();
        std::thread::Builder::new()
            .name("loader".into())
            .spawn(move || serve(&db, &rx, &answer))
            .ok();
        Self { requests }
    }

    pub fn send(&self, generation: u64, load: Load) {
        let _ = self.requests.send((generation, load));
    }
}

fn serve(db: &Location, rx: &Receiver<(u64, Load)>, answer: &dyn Fn(Answer)) {
    let store = match Store::open_at(db) {
        Ok(s) => s,
        Err(e) => {
            // Every request is answered with the reason, so each part of the screen says it.
            while let Ok((generation, load)) = rx.recv() {
                answer(Answer {
                    slot: load.slot(),
                    generation,
                    result: Err(e.to_string()),
                });
            }
            return;
        }
    };
    let _ = store.limit_cache(16 * 1024);
    while let Ok(first) = rx.recv() {
        // Take everything queued; of several requests for one slot only the newest is read.
        let mut queued = vec![first];
        queued.extend(rx.try_iter());
        let mut latest: Vec<(u64, Load)> = Vec::new();
        for (generation, load) in queued {
            latest.retain(|(_, l)| l.slot() != load.slot());
            latest.push((generation, load));
        }
        for (generation, load) in latest {
            answer(Answer {
                slot: load.slot(),
                generation,
                result: fetch(&store, &load),
            });
        }
    }
}
