//! The app's state and the one place it changes: keys become actions (through the
//! keymap), actions change state and call the store, and drawing reads the result.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use crate::demo::{DemoOptions, generate};
use crate::domain::Deal;
use crate::domain::reminder::done_text;
use crate::domain::{Currency, Operator};
use crate::store::{AuditFilter, Change, Counts, Store, StoreError};
use crate::tui::action::Action;
use crate::tui::import_job::{ImportJob, expand_home, outcome_text};
use crate::tui::keymap::{KeyChord, KeyContext, Keymap, Lookup};
use crate::tui::loader::{Answer, Load, Loaded, Loader, MANY_CHANGES, Slot, fetch};
use crate::tui::lookup::{Event, IndexState, LookupPopup, LookupService};
use crate::tui::messages::MessageLog;
use crate::tui::panes::customers::CustomersPane;
use crate::tui::panes::followups::FollowupsPane;
use crate::tui::panes::health::HealthPane;
use crate::tui::panes::kpis::KpisPane;
use crate::tui::panes::pipeline::PipelinePane;
use crate::tui::panes::team::TeamPane;
use crate::tui::popups::confirm::Confirm;
use crate::tui::popups::form::{Form, FormKind, Saved};
use crate::tui::popups::snooze::SnoozeMenu;
use crate::tui::review::{Outcome, Review};
use crate::tui::theme::Theme;
use crate::tui::worker::{Job, Then, Worker};

/// Customers offered by the demo prompt on an empty database.
pub const DEMO_CUSTOMERS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Customers,
    Pipeline,
    Followups,
    Kpis,
    Team,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Customers,
        Pane::Pipeline,
        Pane::Followups,
        Pane::Kpis,
        Pane::Team,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Customers => "Customers",
            Pane::Pipeline => "Pipeline",
            Pane::Followups => "Follow-ups",
            Pane::Kpis => "KPIs",
            Pane::Team => "Team",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    fn slot(self) -> Slot {
        match self {
            Pane::Customers => Slot::Customers,
            Pane::Pipeline => Slot::Pipeline,
            Pane::Followups => Slot::Followups,
            Pane::Kpis => Slot::Kpis,
            Pane::Team => Slot::Team,
        }
    }
}

pub enum Popup {
    Help {
        scroll: usize,
    },
    Form(Form),
    Search(LookupPopup),
    /// The database is empty: offer demo data.
    OfferDemo,
    Snooze(SnoozeMenu),
    /// "Delete this?" before a deletion.
    Confirm(Confirm),
    /// A finished job's report (or, while `busy`, what is under way).
    Report {
        title: String,
        text: String,
        scroll: u16,
        busy: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub store: Store,
    pub keymap: Keymap,
    pub zone: Tz,
    pub theme: Theme,
    pub me: Operator,
    pub currency: Currency,
    /// The time of day a date typed without one means (the config's `default_hour`).
    pub default_time: NaiveTime,
    pub db_label: String,
    pub pane: Pane,
    pub customers: CustomersPane,
    pub pipeline: PipelinePane,
    pub followups: FollowupsPane,
    pub kpis: KpisPane,
    pub team: TeamPane,
    /// The pipeline's health view (shown instead of the board when toggled).
    pub health: HealthPane,
    /// The daily review, while one is under way (drawn over the panes unless paused).
    pub review: Option<Review>,
    /// What the review records when the form it opened is saved.
    review_pending: Option<Outcome>,
    /// An import running in the background.
    import_job: Option<ImportJob>,
    pub popup: Option<Popup>,
    pub counts: Counts,
    /// Which panes have their data, by `Pane::index`.
    loaded: [bool; Pane::ALL.len()],
    /// Which panes have asked the loader for it since they were last marked stale.
    requested: [bool; Pane::ALL.len()],
    /// The newest request per loader slot: older answers are dropped.
    generations: [u64; Slot::COUNT],
    /// The loader thread (absent for an in-memory store, which is read at once).
    loader: Option<Loader>,
    pub message: Option<Message>,
    /// Every message of the session (the latest hundred), for the message log.
    pub messages: MessageLog,
    /// Keys typed so far of a multi-key binding (`g g`).
    pub pending: Vec<KeyChord>,
    /// Terminal size, for page lengths.
    pub size: (u16, u16),
    pub quit: bool,
    /// The background search worker (absent for an in-memory store).
    pub lookup: Option<LookupService>,
    pub index: IndexState,
    /// `PRAGMA data_version` when the panes were last loaded: it changes when another
    /// process writes.
    seen_version: i64,
    /// The last change of the feed (the audit trail) this app has taken into account.
    seen_change: i64,
    /// Customer list rows read from the store so far (a refresh reads only what changed).
    pub customer_rows_read: usize,
    /// The store worker: writes and one-off reads off the UI thread (absent for an
    /// in-memory store, whose jobs run at once).
    worker: Option<Worker>,
    /// Jobs asked of the worker and not answered yet.
    jobs_running: usize,
    /// A job is working on the review's step: review keys wait for it.
    review_busy: bool,
    /// The pane the open card was opened from (Pipeline, Follow-ups): Esc goes back.
    card_origin: Option<Pane>,
}

/// Entries a customer's history popup shows.
const HISTORY_ENTRIES: usize = 500;

/// Rows of chrome around a pane's list: tab bar, status bar, borders and a header.
const CHROME_ROWS: u16 = 5;

impl App {
    pub fn new(
        mut store: Store,
        keymap: Keymap,
        zone: Tz,
        theme: Theme,
        login: &str,
        currency: Currency,
    ) -> Result<Self, StoreError> {
        let me = store.sign_in(login)?;
        let db_label = match (store.path().and_then(|p| p.file_name()), store.location()) {
            (Some(file), _) => file.to_string_lossy().into_owned(),
            (None, Some(server)) => server.to_string(),
            (None, None) => "(memory)".to_string(),
        };
        let empty = store
            .customer_ids(&crate::store::CustomerFilter {
                limit: Some(1),
                ..Default::default()
            })?
            .is_empty();
        let mut app = Self {
            store,
            keymap,
            zone,
            theme,
            me,
            currency,
            default_time: crate::domain::when::DEFAULT_TIME,
            db_label,
            pane: Pane::Customers,
            customers: CustomersPane::default(),
            pipeline: PipelinePane::default(),
            followups: FollowupsPane::default(),
            kpis: KpisPane::default(),
            team: TeamPane::default(),
            health: HealthPane::default(),
            review: None,
            review_pending: None,
            import_job: None,
            popup: None,
            counts: Counts {
                customers: 0,
                open_deals: 0,
                open_reminders: 0,
            },
            loaded: [false; Pane::ALL.len()],
            requested: [false; Pane::ALL.len()],
            generations: [0; Slot::COUNT],
            loader: None,
            message: None,
            messages: MessageLog::default(),
            pending: Vec::new(),
            size: (80, 24),
            quit: false,
            lookup: None,
            index: IndexState::Unavailable,
            seen_version: 0,
            seen_change: 0,
            customer_rows_read: 0,
            worker: None,
            jobs_running: 0,
            review_busy: false,
            card_origin: None,
        };
        app.seen_change = app.store.audit_high_water()?;
        if let Some(db) = app.store.location() {
            app.lookup = Some(LookupService::start(db.clone()));
            app.index = IndexState::Indexing;
        }
        if empty {
            app.popup = Some(Popup::OfferDemo);
        }
        Ok(app)
    }

    /// Whether `pane` has its data (panes load when first shown, so the first frame
    /// never waits for the store).
    pub fn is_loaded(&self, pane: Pane) -> bool {
        self.loaded[pane.index()]
    }

    /// Reads pane data through `loader` (its own thread and connection) from now on.
    pub fn attach_loader(&mut self, loader: Loader) {
        self.loader = Some(loader);
    }

    /// Does store work through `worker` (its own thread and connection) from now on.
    pub fn attach_worker(&mut self, worker: Worker) {
        self.worker = Some(worker);
    }

    /// Does `work` with the store off the UI thread (at once without a worker), then
    /// `then` with its result back on the UI thread, through the event channel.
    pub(crate) fn on_store<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Store) -> T + Send + 'static,
        then: impl FnOnce(&mut App, T) + Send + 'static,
    ) {
        match &self.worker {
            Some(worker) => {
                let job: Job = Box::new(move |store: &mut Store| -> Then {
                    let out = work(store);
                    Box::new(move |app: &mut App| then(app, out))
                });
                if worker.send(job) {
                    self.jobs_running += 1;
                } else {
                    self.error("The store's worker has stopped: nothing more can be saved; restart Rapport");
                }
            }
            None => {
                let out = work(&mut self.store);
                then(self, out);
            }
        }
    }

    /// The worker's answer to a job: what the app does with its result.
    pub fn job_done(&mut self, then: Then) {
        self.jobs_running = self.jobs_running.saturating_sub(1);
        then(self);
        // A form it opened shows what its dates mean at once, as after a key.
        self.resolve_form_dates();
    }

    /// Whether store work the operator asked for is still under way.
    pub fn working(&self) -> bool {
        self.jobs_running > 0
    }

    /// The worker could not open the database: a job answered with the reason.
    pub(crate) fn store_unavailable(&mut self, reason: &str) {
        self.review_busy = false;
        if let Some(Popup::Form(form)) = &mut self.popup {
            form.saving = false;
        }
        self.error(format!("Not done: {reason}"));
    }

    /// Reads what `work` returns off the UI thread and opens it as a popup, unless
    /// another popup was opened meanwhile; a refusal is said in the status bar.
    pub(crate) fn open_popup(
        &mut self,
        work: impl FnOnce(&Store) -> Result<Popup, StoreError> + Send + 'static,
    ) {
        self.on_store(
            move |store| work(store),
            |app, result| match result {
                Ok(popup) if app.popup.is_none() => app.popup = Some(popup),
                Ok(_) => {}
                Err(e) => app.error(e.to_string()),
            },
        );
    }

    /// A change made with one key: `work` writes and says what it did; the message
    /// (with how to undo it) shows once it landed, and the screen is read again.
    pub(crate) fn change(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<String, StoreError> + Send + 'static,
    ) {
        self.on_store(work, |app, result| match result {
            Ok(text) => {
                let hint = app.undo_hint();
                app.info(format!("{}{hint}", crate::text::for_terminal(&text)));
                app.reload_all();
            }
            Err(e) => app.error(e.to_string()),
        });
    }

    /// Runs `step` on a copy of the review off the UI thread; the copy takes the
    /// review's place when it is done, and `then` has the step's result. Review keys
    /// wait meanwhile, so no step is decided twice.
    pub(crate) fn review_job<T: Send + 'static>(
        &mut self,
        step: impl FnOnce(&mut Review, &mut Store, &DateTime<Tz>) -> Result<T, StoreError>
        + Send
        + 'static,
        then: impl FnOnce(&mut App, T) + Send + 'static,
    ) {
        let Some(review) = &self.review else {
            return;
        };
        let mut copy = review.clone();
        let now = self.now();
        self.review_busy = true;
        self.on_store(
            move |store| {
                let result = step(&mut copy, store, &now);
                (copy, result)
            },
            move |app, (copy, result)| {
                app.review_busy = false;
                if let Some(review) = &mut app.review {
                    // Left for another pane meanwhile: it stays paused.
                    let paused = review.paused;
                    *review = copy;
                    review.paused = paused;
                }
                match result {
                    Ok(value) => then(app, value),
                    Err(e) => app.error(e.to_string()),
                }
            },
        );
    }

    /// Asks for the counts and the pane on screen if they are not loaded or asked for
    /// yet; `true` when it asked (read at once without a loader thread).
    pub fn load_visible(&mut self) -> bool {
        let i = self.pane.index();
        if self.loaded[i] || self.requested[i] {
            return false;
        }
        self.requested[i] = true;
        self.request(Load::Counts);
        let load = self.pane_request(self.pane);
        self.request(load);
        if self.pane == Pane::Pipeline && self.health.shown {
            self.request_health();
        }
        true
    }

    /// Asks for the health view's reports: the health and the forecast.
    fn request_health(&mut self) {
        let now = self.now();
        self.request(Load::Health {
            period: self.health.period,
            now,
            me: Box::new(self.me.clone()),
        });
        self.request(Load::Forecast {
            by: self.health.by,
            now,
            me: Box::new(self.me.clone()),
        });
    }

    /// What `pane` needs read to show it now.
    fn pane_request(&self, pane: Pane) -> Load {
        let now = self.now();
        match pane {
            Pane::Customers => self.customers.reload_request(),
            Pane::Pipeline => Load::Pipeline {
                today: now.date_naive(),
                currency: self.currency,
                windows: self.pipeline.windows(),
            },
            Pane::Followups => Load::Followups {
                mine: self.followups.mine,
                me: self.me.id,
                now,
            },
            Pane::Kpis => Load::Kpis {
                period: self.kpis.period,
                currency: self.currency,
                now,
                me: Box::new(self.me.clone()),
                trend: false,
            },
            Pane::Team => Load::Team {
                period: self.team.period,
                now,
                me: Box::new(self.me.clone()),
            },
        }
    }

    /// Sends `load` to the loader as the newest request of its slot (or reads it now).
    fn request(&mut self, load: Load) {
        let slot = load.slot();
        self.generations[slot.index()] += 1;
        if slot == Slot::Kpis {
            // Trends asked for with older KPIs would show beside these.
            self.generations[Slot::KpiTrends.index()] += 1;
        }
        let generation = self.generations[slot.index()];
        match &self.loader {
            Some(loader) => loader.send(generation, load),
            None => {
                let result = fetch(&self.store, &load);
                self.apply_answer(Answer {
                    slot,
                    generation,
                    result,
                });
            }
        }
    }

    /// Shows what the loader read; an answer to an older request than the newest of its
    /// slot is dropped (it would put back what a newer read replaced). `true` when the
    /// screen changes.
    pub fn apply_answer(&mut self, answer: Answer) -> bool {
        if answer.generation != self.generations[answer.slot.index()] {
            return false;
        }
        let pane = Pane::ALL.into_iter().find(|p| p.slot() == answer.slot);
        if let Some(p) = pane {
            self.loaded[p.index()] = true;
        }
        let loaded = match answer.result {
            Ok(loaded) => loaded,
            Err(e) => {
                if answer.slot == Slot::Card {
                    self.customers.card_failed();
                }
                self.error(e);
                return true;
            }
        };
        let page = self.page();
        match loaded {
            Loaded::Counts(c, seen) => {
                self.counts = c;
                // What is read from now on includes every change up to `seen`.
                self.seen_change = self.seen_change.max(seen);
            }
            Loaded::Card(card) => {
                self.customers.apply_card(*card);
                self.customers.list.keep_visible(self.customers.total, page);
            }
            Loaded::Changes { version, changes } => return self.follow_changes(version, changes),
            Loaded::Customers {
                total,
                start,
                window,
            } => {
                self.customer_rows_read += window.rows.len();
                self.customers.apply(total, start, window, page);
                // A window read for an old position may not cover the view any more.
                if let Some(load) = self.customers.wanted(page) {
                    self.request(load);
                }
            }
            Loaded::CustomerRows(rows) => {
                self.customer_rows_read += rows.len();
                if !self.customers.patch(rows) {
                    let load = self.customers.reload_request();
                    self.request(load);
                }
            }
            Loaded::Pipeline(columns) => {
                let today = self.now().date_naive();
                let page = self.pipeline_page();
                self.pipeline.apply(columns, today, page);
            }
            Loaded::PipelineCards {
                stage_id,
                start,
                deals,
            } => self.pipeline.apply_cards(stage_id, start, deals),
            Loaded::Followups(items) => self.followups.apply(items, page),
            Loaded::Kpis(report) => {
                // The KPIs show at once; their trends follow (all time has none).
                let trends =
                    answer.slot == Slot::Kpis && self.kpis.period != crate::domain::Period::All;
                let (period, now) = (self.kpis.period, self.now());
                self.kpis.apply(*report);
                if trends {
                    self.request(Load::Kpis {
                        period,
                        currency: self.currency,
                        now,
                        me: Box::new(self.me.clone()),
                        trend: true,
                    });
                }
            }
            Loaded::Team(report) => self.team.apply(*report),
            Loaded::Health(report) => self.health.apply(*report),
            Loaded::Forecast(report) => self.health.apply_forecast(*report),
        }
        true
    }

    /// Reads `pane` again (after its period changed).
    pub(crate) fn reload_pane(&mut self, pane: Pane) {
        let load = self.pane_request(pane);
        self.request(load);
    }

    /// The newest request made of `slot`: its answer is the only one shown.
    pub fn generation(&self, slot: Slot) -> u64 {
        self.generations[slot.index()]
    }

    /// Asks for the customer rows on screen if the list moved past what is loaded.
    fn fill_customers(&mut self) {
        if let Some(load) = self.customers.wanted(self.page()) {
            self.request(load);
        }
    }

    /// Shows `pane`, loading it if needed.
    fn show(&mut self, pane: Pane) {
        self.pane = pane;
        self.load_visible();
    }

    pub fn now(&self) -> DateTime<Tz> {
        self.store.now().with_timezone(&self.zone)
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.store.now()
    }

    /// Visible rows of a pane's list at the current terminal size.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(CHROME_ROWS)).max(1)
    }

    /// Rows a kanban column shows: each card takes three lines, between a two-line
    /// header with an "↑ N more" line and a "↓ N more" line.
    pub fn pipeline_page(&self) -> usize {
        (usize::from(self.size.1.saturating_sub(CHROME_ROWS + 4)) / 3).max(1)
    }

    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        let page = self.page();
        self.customers.list.keep_visible(self.customers.total, page);
        self.followups
            .list
            .keep_visible(self.followups.items.len(), page);
        self.fill_customers();
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(self.now_utc(), &text, false);
        self.message = Some(Message { text, error: false });
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(self.now_utc(), &text, true);
        self.message = Some(Message { text, error: true });
    }

    /// Asks what other processes (other operators) wrote since the app last looked;
    /// the loader answers off the UI thread and [`App::follow_changes`] follows it.
    pub fn follow_other_writers(&mut self) {
        self.request(Load::Changes {
            since: self.seen_change,
            version: self.seen_version,
        });
    }

    /// Follows other writers' changes in proportion to the change: rows of the
    /// customer list on screen that were changed are read again, and only them; a
    /// customer added or deleted reads the window again; other records mark the panes
    /// they show in stale. `true` when anything changed.
    fn follow_changes(&mut self, version: i64, changes: Vec<Change>) -> bool {
        self.seen_version = version;
        // What a reload since asking has read already is not news.
        let seen = self.seen_change;
        let changes: Vec<Change> = changes.into_iter().filter(|c| c.id > seen).collect();
        let Some(last) = changes.last().map(|c| c.id) else {
            return false;
        };
        self.seen_change = last;
        let structural = changes.len() >= MANY_CHANGES
            || changes.iter().any(|c| {
                c.entity != "customer" || c.action != crate::domain::audit::AuditAction::Update
            });
        let touched: std::collections::HashSet<i64> = changes
            .iter()
            .filter_map(|c| {
                c.customer_id
                    .or((c.entity == "customer").then_some(c.entity_id))
            })
            .collect();
        if let Some(card) = &self.customers.detail
            && touched.contains(&card.customer.id)
        {
            self.request_card();
        }
        // The review's step too: it may have been handled meanwhile.
        if self.review.is_some() && !self.review_busy {
            self.review_job(|review, store, now| review.load(store, now), |_, ()| {});
        }
        let customers_loaded = self.loaded[Pane::Customers.index()];
        if structural {
            // Counts and every pane may have changed: each is read again when shown.
            let customers_only_rows = changes.iter().all(|c| {
                c.action == crate::domain::audit::AuditAction::Update || c.entity != "customer"
            });
            self.loaded = [false; Pane::ALL.len()];
            self.requested = [false; Pane::ALL.len()];
            if customers_only_rows && customers_loaded && changes.len() < MANY_CHANGES {
                // No customer came or went: the list keeps its window.
                self.loaded[Pane::Customers.index()] = true;
                self.patch_customers(&touched);
            }
            self.request(Load::Counts);
            self.load_visible();
            return true;
        }
        if customers_loaded {
            self.patch_customers(&touched);
        }
        true
    }

    /// Reads again the customer rows on screen among `touched`.
    fn patch_customers(&mut self, touched: &std::collections::HashSet<i64>) {
        let ids: Vec<i64> = self
            .customers
            .loaded_ids()
            .filter(|id| touched.contains(id))
            .collect();
        if !ids.is_empty() {
            self.request(Load::CustomerRows { ids });
        }
    }

    /// Reloads from the store after a write (or on request): the pane on screen now,
    /// the others when next shown.
    pub fn reload_all(&mut self) {
        // Everything is read again (the counts say up to which change of the feed).
        self.loaded = [false; Pane::ALL.len()];
        self.requested = [false; Pane::ALL.len()];
        self.request_card();
        self.load_visible();
    }

    /// Reads the customer card on screen (or being opened) again.
    fn request_card(&mut self) {
        if let Some(load) = self.customers.card_request() {
            self.request(load);
        }
    }

    /// The keymap context that sees a key first.
    pub fn context(&self) -> KeyContext {
        match &self.popup {
            Some(Popup::Form(_)) => KeyContext::Form,
            Some(Popup::Search(_)) => KeyContext::Search,
            Some(Popup::Snooze(_)) => KeyContext::Snooze,
            Some(_) => KeyContext::Popup,
            None => self.pane_context(),
        }
    }

    /// The context of the pane on screen, popups aside.
    pub fn pane_context(&self) -> KeyContext {
        if self.reviewing() {
            return KeyContext::Review;
        }
        match self.pane {
            Pane::Customers if self.customers.detail.is_some() => KeyContext::Detail,
            Pane::Customers => KeyContext::Customers,
            Pane::Pipeline if self.health.shown => KeyContext::Health,
            Pane::Pipeline => KeyContext::Pipeline,
            Pane::Followups => KeyContext::Followups,
            Pane::Kpis => KeyContext::Kpis,
            Pane::Team => KeyContext::Team,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if key.kind != KeyEventKind::Press {
            return;
        }
        let chord = KeyChord::from_event(&key);
        let ctx = self.context();
        let mut lookup = self.keymap.lookup(ctx, &self.pending, chord);
        // Text contexts keep typed keys for their input; elsewhere global bindings apply too.
        if lookup == Lookup::Unbound && !ctx.takes_text() {
            lookup = self.keymap.lookup(KeyContext::Global, &self.pending, chord);
        }
        match lookup {
            Lookup::Action(action) => {
                self.pending.clear();
                self.update(action);
            }
            Lookup::Pending => self.pending.push(chord),
            Lookup::Unbound => {
                let had_pending = !self.pending.is_empty();
                self.pending.clear();
                if ctx == KeyContext::Form {
                    self.edit_form(&key);
                } else if ctx == KeyContext::Search {
                    self.edit_query(&key);
                } else if had_pending {
                    self.handle_key(key);
                }
            }
        }
        self.resolve_form_dates();
    }

    /// Date fields show what their text means; "now" moves, so this runs after every key.
    fn resolve_form_dates(&mut self) {
        let now = self.now();
        if let Some(Popup::Form(form)) = &mut self.popup {
            form.resolve_dates(&now, self.default_time);
        }
    }

    /// Text pasted into the terminal goes into the focused form field or the query.
    pub fn handle_paste(&mut self, text: &str) {
        match &mut self.popup {
            Some(Popup::Form(form)) if !form.saving => {
                form.focused().input.insert_str(text);
                self.resolve_form_dates();
            }
            Some(Popup::Search(search)) => {
                search.input.insert_str(text);
                self.send_query();
            }
            _ => {}
        }
    }

    fn edit_query(&mut self, key: &KeyEvent) {
        let Some(Popup::Search(search)) = &mut self.popup else {
            return;
        };
        let before = search.input.text().to_string();
        search.input.handle(key);
        if search.input.text() != before {
            self.send_query();
        }
    }

    /// Sends the popup's current query to the search worker.
    fn send_query(&mut self) {
        let Some(Popup::Search(search)) = &mut self.popup else {
            return;
        };
        let text = search.input.text().trim().to_string();
        search.seq += 1;
        if text.is_empty() {
            search.rows.clear();
            search.answered = search.seq;
            search.list = Default::default();
            return;
        }
        if let Some(service) = &self.lookup {
            service.query(search.seq, &text);
        }
    }

    /// Takes what the search worker reported; `true` when the screen must change.
    pub fn poll_background(&mut self) -> bool {
        let mut changed = self.poll_import();
        while let Some(event) = self.lookup.as_ref().and_then(LookupService::try_event) {
            changed = true;
            match event {
                Event::Ready { customers, took } => {
                    self.index = IndexState::Ready { customers, took };
                    // A query typed while indexing is answered now.
                    if matches!(&self.popup, Some(Popup::Search(s)) if !s.input.text().trim().is_empty())
                    {
                        self.send_query();
                    }
                }
                Event::Failed(e) => self.index = IndexState::Failed(e),
                Event::Results { seq, rows, took } => {
                    if let Some(Popup::Search(search)) = &mut self.popup
                        && seq >= search.answered
                        && seq <= search.seq
                    {
                        search.answered = seq;
                        search.rows = rows;
                        search.took = Some(took);
                        search.list = Default::default();
                    }
                }
            }
        }
        changed
    }

    /// Shows the report of a finished import; `true` when one finished.
    fn poll_import(&mut self) -> bool {
        let Some(result) = self.import_job.as_ref().and_then(ImportJob::finished) else {
            return false;
        };
        let file = self.import_job.take().map(|j| j.file).unwrap_or_default();
        let (title, text) = outcome_text(&file, &result);
        match &result {
            Ok(done) if !done.report.dry_run => {
                self.info(format!(
                    "Imported {file}: {} created, {} merged",
                    done.report.created,
                    done.report.merged.len()
                ));
                self.reload_all();
            }
            Ok(_) => self.info(format!("Dry run of {file}: nothing was written")),
            Err(_) => self.error(format!("Not imported: {file}")),
        }
        self.popup = Some(Popup::Report {
            title,
            text,
            scroll: 0,
            busy: false,
        });
        true
    }

    /// Starts importing what the import form names (in the background when the store
    /// is a file); a missing file is an error beside its field.
    fn start_import(&mut self) {
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        let file = expand_home(form.get("file"));
        if form.get("file").is_empty() || !file.is_file() {
            form.fields[0].error = Some(if form.get("file").is_empty() {
                "name the file to import".to_string()
            } else {
                format!("{} is not a file here", file.display())
            });
            form.focus = 0;
            return;
        }
        let options = crate::io::import::ImportOptions {
            on_duplicate: match form.get("on_duplicate") {
                "skip" => crate::io::import::OnDuplicate::Skip,
                "create" => crate::io::import::OnDuplicate::Create,
                "merge any" => crate::io::import::OnDuplicate::Merge,
                _ => crate::io::import::OnDuplicate::MergeSame,
            },
            skip_invalid: form.get("skip_invalid") == "skip them",
            strict: false,
            dry_run: form.get("dry_run") == "yes",
            owner_id: Some(self.me.id),
            rejects_dir: None,
        };
        let label = file.display().to_string();
        match self.store.location().cloned() {
            Some(db) => {
                self.import_job = Some(ImportJob::start(db, file, options, self.me.clone()));
                self.popup = Some(Popup::Report {
                    title: "Importing…".into(),
                    text: format!(
                        "Importing {label}.\n\nThe report shows here when it is done; \
                         Esc hides this meanwhile."
                    ),
                    scroll: 0,
                    busy: true,
                });
            }
            None => {
                // An in-memory store (tests) has no second connection: run it here.
                let result = crate::tui::import_job::run(&mut self.store, file, &options);
                let (title, text) = outcome_text(&label, &result);
                self.reload_all();
                self.popup = Some(Popup::Report {
                    title,
                    text,
                    scroll: 0,
                    busy: false,
                });
            }
        }
    }

    /// Whether an answer from the background is awaited (then the loop polls often).
    /// A running import is not: its report may wait for the next idle tick.
    pub fn awaiting_background(&self) -> bool {
        self.index == IndexState::Indexing
            || matches!(&self.popup, Some(Popup::Search(s)) if s.waiting())
    }

    /// The search index follows the app's own writes at once.
    pub(crate) fn refresh_search(&self, ids: Vec<i64>) {
        if let Some(service) = &self.lookup
            && !ids.is_empty()
        {
            service.refresh(ids);
        }
    }

    fn edit_form(&mut self, key: &KeyEvent) {
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        if form.saving {
            // What it saves is what was typed before Enter.
            return;
        }
        let field = form.focused();
        let before = field.input.text().to_string();
        match key.code {
            KeyCode::Left if !field.choices.is_empty() => field.cycle(-1),
            KeyCode::Right if !field.choices.is_empty() => field.cycle(1),
            _ => {
                field.input.handle(key);
            }
        }
        if field.input.text() != before {
            // The refusal was of the old text: what the new one means shows instead.
            field.error = None;
            // A warning confirmed for other values does not confirm these.
            if form.confirmed {
                form.confirmed = false;
                form.error = None;
            }
        }
    }

    /// Carries out one action.
    pub fn update(&mut self, action: Action) {
        match &mut self.popup {
            Some(Popup::Form(_)) => return self.update_form(action),
            Some(Popup::Search(_)) => return self.update_search(action),
            Some(Popup::Help { scroll }) => {
                match action {
                    Action::Up => *scroll = scroll.saturating_sub(1),
                    Action::Down => *scroll += 1,
                    Action::PageUp => *scroll = scroll.saturating_sub(10),
                    Action::PageDown => *scroll += 10,
                    Action::Quit => self.quit = true,
                    _ => self.popup = None,
                }
                return;
            }
            Some(Popup::OfferDemo) => {
                match action {
                    Action::Submit | Action::Open => self.load_demo(),
                    Action::Quit => self.quit = true,
                    _ => self.popup = None,
                }
                return;
            }
            Some(Popup::Snooze(_)) => return self.update_snooze(action),
            Some(Popup::Confirm(_)) => return self.update_confirm(action),
            Some(Popup::Report { scroll, .. }) => {
                match action {
                    Action::Up => *scroll = scroll.saturating_sub(1),
                    Action::Down => *scroll = scroll.saturating_add(1),
                    Action::PageUp => *scroll = scroll.saturating_sub(10),
                    Action::PageDown => *scroll = scroll.saturating_add(10),
                    Action::Quit => self.quit = true,
                    // An import under way keeps going; its report shows when it ends.
                    _ => self.popup = None,
                }
                return;
            }
            None => {}
        }
        let switching = matches!(
            action,
            Action::PaneCustomers
                | Action::PanePipeline
                | Action::PaneFollowups
                | Action::PaneKpis
                | Action::PaneTeam
                | Action::NextPane
                | Action::PrevPane
        );
        if switching && self.reviewing() {
            self.pause_review();
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Search => self.popup = Some(Popup::Search(LookupPopup::default())),
            Action::PaneCustomers => self.show(Pane::Customers),
            Action::PanePipeline => self.show(Pane::Pipeline),
            Action::PaneFollowups => self.show(Pane::Followups),
            Action::PaneKpis => self.show(Pane::Kpis),
            Action::PaneTeam => self.show(Pane::Team),
            Action::NextPane => {
                self.show(Pane::ALL[(self.pane.index() + 1) % Pane::ALL.len()]);
            }
            Action::PrevPane => {
                let n = Pane::ALL.len();
                self.show(Pane::ALL[(self.pane.index() + n - 1) % n]);
            }
            Action::Refresh => {
                self.reload_all();
                self.info("Reloaded");
            }
            Action::Undo => self.undo_last(),
            Action::MessageLog => self.popup = Some(self.messages.popup(self.zone, self.size.1)),
            _ => {
                let result = if self.reviewing() {
                    self.update_review(action)
                } else {
                    self.update_pane(action)
                };
                if let Err(e) = result {
                    self.error(e.to_string());
                }
            }
        }
    }

    /// Whether the review is on screen (under way and not paused).
    pub fn reviewing(&self) -> bool {
        self.review.as_ref().is_some_and(|r| !r.paused)
    }

    /// Starts the daily review of what is due (the operator's own, or everyone's).
    pub fn start_review(&mut self, mine: bool) {
        let now = self.now();
        let me = self.me.id;
        self.review_busy = true;
        self.on_store(
            move |store| Review::start(store, me, mine, &now),
            |app, result| {
                app.review_busy = false;
                match result {
                    Ok(review) => {
                        app.pane = Pane::Followups;
                        app.review = Some(review);
                    }
                    Err(e) => app.error(format!("Cannot start the review: {e}")),
                }
            },
        );
    }

    fn pause_review(&mut self) {
        if let Some(review) = &mut self.review {
            review.paused = true;
            self.info("Review paused: r in Follow-ups (or Esc on the card) goes back to it");
        }
    }

    /// Back to a paused review, re-reading its step (the card may have changed it).
    fn resume_review(&mut self) {
        if let Some(review) = &mut self.review {
            review.paused = false;
        }
        self.message = None;
        self.review_job(|review, store, now| review.load(store, now), |_, ()| {});
    }

    /// Records the decision on the review's step and shows the next.
    fn review_record(&mut self, outcome: Outcome) {
        self.review_job(
            move |review, store, now| review.record(outcome, store, now),
            |_, ()| {},
        );
    }

    fn update_review(&mut self, action: Action) -> Result<(), StoreError> {
        if self.review_busy {
            // The last step's answer is on its way; it decides what this key means.
            return Ok(());
        }
        let now = self.now();
        let Some(review) = &mut self.review else {
            return Ok(());
        };
        if review.finished() {
            match action {
                Action::Previous => {
                    self.review_job(|review, store, now| review.back(store, now), |_, ()| {});
                }
                Action::Back | Action::Open | Action::OpenCustomer | Action::Submit => {
                    self.review = None;
                    self.show(Pane::Followups);
                }
                _ => {}
            }
            return Ok(());
        }
        let Some(current) = review.current.clone() else {
            return Ok(());
        };
        let (customer_id, name) = (current.card.customer.id, current.card.customer.name);
        // Steps common to follow-ups and customers going quiet.
        match action {
            Action::Skip => {
                self.review_record(Outcome::Skipped);
                return Ok(());
            }
            Action::Previous => {
                self.review_job(|review, store, now| review.back(store, now), |_, ()| {});
                return Ok(());
            }
            Action::Back => {
                review.finish();
                return Ok(());
            }
            Action::OpenCustomer | Action::Open => {
                self.pause_review();
                self.open_customer(customer_id, &name);
                return Ok(());
            }
            Action::LogOutcome => {
                let reminder = current.reminder.as_ref().map(|r| r.id);
                let form = Form::log_outcome(customer_id, &name, reminder);
                self.popup = Some(Popup::Form(form));
                self.review_pending = Some(Outcome::Logged);
                return Ok(());
            }
            _ => {}
        }
        let Some(r) = current.reminder else {
            // A customer going quiet: plan a follow-up, or say what the keys do.
            match action {
                Action::Reschedule => {
                    self.popup = Some(Popup::Form(Form::plan_contact(customer_id, &name)));
                    self.review_pending = Some(Outcome::Planned);
                }
                Action::MarkDone | Action::Snooze => self.error(format!(
                    "{name} has no follow-up: {} logs a contact, {} plans a follow-up, {} skips",
                    self.review_key(Action::LogOutcome),
                    self.review_key(Action::Reschedule),
                    self.review_key(Action::Skip)
                )),
                _ => {}
            }
            return Ok(());
        };
        match action {
            Action::MarkDone => {
                let id = r.id;
                self.review_job(
                    move |review, store, now| {
                        let next = store.write(|w| w.complete_reminder(id, now.to_utc()))?;
                        review.record(Outcome::Done, store, now)?;
                        Ok(next)
                    },
                    move |app, next| {
                        let hint = app.undo_hint();
                        app.info(format!("{}{hint}", done_text(&r, next)));
                        app.reload_all();
                    },
                );
            }
            Action::Snooze => {
                self.popup = Some(Popup::Snooze(SnoozeMenu::new(&r, &now, self.default_time)));
            }
            Action::Reschedule => {
                let due = r
                    .due_at
                    .with_timezone(&self.zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string();
                self.popup = Some(Popup::Form(Form::reschedule(r.id, &name, &due)));
                self.review_pending = Some(Outcome::Rescheduled);
            }
            _ => {}
        }
        Ok(())
    }

    /// The key bound to `action` in the review, for messages.
    fn review_key(&self, action: Action) -> String {
        self.keymap
            .keys_for(KeyContext::Review, action)
            .unwrap_or_else(|| action.name().to_string())
    }

    /// The snooze menu: a one-key choice, a typed time, or nothing.
    fn update_snooze(&mut self, action: Action) {
        let Some(Popup::Snooze(menu)) = &self.popup else {
            return;
        };
        let id = menu.reminder_id;
        // The review records the snooze only for the follow-up it shows.
        let in_review = self.reviewing()
            && self
                .review
                .as_ref()
                .and_then(Review::reminder)
                .is_some_and(|r| r.id == id);
        if action == Action::SnoozeCustom {
            let form = Form::snooze_until(id, &menu.customer_name);
            self.popup = Some(Popup::Form(form));
            self.review_pending = in_review.then_some(Outcome::Snoozed);
            return;
        }
        let Some(until) = menu.until(action) else {
            if matches!(action, Action::Back | Action::Cancel) {
                self.popup = None;
            }
            return;
        };
        self.popup = None;
        let shown = until.with_timezone(&self.zone).format("%a %-d %b %H:%M");
        let text = format!("Snoozed follow-up #{id} until {shown}");
        let snooze = move |store: &mut Store| store.write(|w| w.snooze_reminder(id, until, None));
        if in_review {
            self.review_job(
                move |review, store, now| {
                    snooze(store)?;
                    review.record(Outcome::Snoozed, store, now)
                },
                move |app, ()| {
                    let hint = app.undo_hint();
                    app.info(format!("{text}{hint}"));
                    app.reload_all();
                },
            );
        } else {
            self.change(move |store| snooze(store).map(|_| text));
        }
    }

    fn update_pane(&mut self, action: Action) -> Result<(), StoreError> {
        let page = self.page();
        match self.pane {
            Pane::Customers => {
                let paused = self.review.as_ref().is_some_and(|r| r.paused);
                let picked = self.customers.picked().is_some();
                if action == Action::Back && self.customers.detail.is_some() && paused && !picked {
                    self.customers.detail = None;
                    self.resume_review();
                    return Ok(());
                }
                let closing = action == Action::Back
                    && !picked
                    && (self.customers.detail.is_some() || self.customers.opening.is_some());
                if self.customers.update(action, page) {
                    self.customers.detail_scroll = crate::tui::view::card_scroll(self);
                    self.fill_customers();
                    if action == Action::Open {
                        self.card_origin = None;
                        self.request_card();
                    }
                    if closing && let Some(origin) = self.card_origin.take() {
                        self.show(origin);
                    }
                    return Ok(());
                }
                self.customer_action(action, self.customers.current())
            }
            Pane::Pipeline if self.health.shown => {
                self.health_action(action);
                Ok(())
            }
            Pane::Pipeline if action == Action::PipelineHealth => {
                self.health.shown = true;
                self.request_health();
                Ok(())
            }
            Pane::Pipeline => {
                let page = self.pipeline_page();
                if self.pipeline.navigate(action, page) {
                    if let Some(load) = self.pipeline.wanted(page) {
                        self.request(load);
                    }
                    return Ok(());
                }
                self.pipeline_action(action)
            }
            Pane::Followups => {
                if self.followups.navigate(action, page) {
                    return Ok(());
                }
                self.followup_action(action)
            }
            Pane::Kpis => {
                self.kpis_action(action);
                Ok(())
            }
            Pane::Team => {
                self.team_action(action);
                Ok(())
            }
        }
    }

    /// The health view's keys: sections, the selected row, the period of lost
    /// reasons, the forecast's breakdown, a deal's customer, back to the board.
    fn health_action(&mut self, action: Action) {
        if self.health.navigate(action, self.page()) {
            return;
        }
        match action {
            Action::PipelineHealth | Action::Back => self.health.shown = false,
            Action::CyclePeriod => {
                self.health.cycle_period();
                self.request_health();
            }
            Action::CycleBreakdown => {
                self.health.by = self.health.by.other();
                let now = self.now();
                self.request(Load::Forecast {
                    by: self.health.by,
                    now,
                    me: Box::new(self.me.clone()),
                });
            }
            Action::OpenCustomer | Action::Open => {
                if let Some(d) = self.health.selected_deal() {
                    let (id, name) = (d.deal.customer_id, d.deal.customer.clone());
                    self.open_customer(id, &name);
                }
            }
            _ => {}
        }
    }

    /// The Team pane's keys: move the selection, or read another period.
    fn team_action(&mut self, action: Action) {
        if self.team.navigate(action) {
            return;
        }
        if action == Action::CyclePeriod {
            self.team.cycle_period();
            let load = self.pane_request(Pane::Team);
            self.request(load);
        }
    }

    /// Actions on one customer (the selected row, the open card, or a deal's customer).
    fn customer_action(
        &mut self,
        action: Action,
        customer: Option<(i64, String)>,
    ) -> Result<(), StoreError> {
        let form = match (action, customer) {
            (Action::History, Some((id, name))) => {
                self.show_history(id, name);
                return Ok(());
            }
            (Action::Assign, Some((id, _))) => {
                self.open_popup(move |store| {
                    let owner = store.customer(id)?.owner_login;
                    assign_form(store, "customer", id, owner.as_deref()).map(Popup::Form)
                });
                return Ok(());
            }
            (Action::AddCustomer, _) => Form::add_customer(),
            (Action::Import, _) => Form::import(),
            (Action::Edit | Action::Delete, Some(_)) if self.customers.picked().is_some() => {
                let item = self.customers.picked();
                if let Some(item) = item {
                    self.card_item_action(action, item);
                }
                return Ok(());
            }
            (Action::EditCustomer | Action::Edit, Some((id, _))) => {
                self.open_popup(move |store| {
                    store.may_change("customer", id)?;
                    Form::edit_customer(store, id).map(Popup::Form)
                });
                return Ok(());
            }
            (Action::Delete, _) => {
                let next = crate::tui::view::key_hint(self, KeyContext::Detail, Action::NextItem);
                self.error(format!(
                    "Pick a deal, follow-up or interaction with {next} first; a customer is deleted with `rapport customer delete`"
                ));
                return Ok(());
            }
            (Action::LogInteraction, Some((id, name))) => Form::log_interaction(id, &name),
            (Action::LogCall, Some((id, name))) => Form::log_call(id, &name),
            (Action::MergeCustomer, Some((id, name))) => Form::merge_into(id, &name),
            (Action::AddDeal, Some((id, name))) => Form::add_deal(id, &name, self.currency),
            (Action::AddReminder, Some((id, name))) => Form::add_reminder(id, &name),
            (
                Action::EditCustomer
                | Action::LogCall
                | Action::LogInteraction
                | Action::AddDeal
                | Action::AddReminder,
                None,
            ) => {
                self.error("Select a customer first");
                return Ok(());
            }
            _ => return Ok(()),
        };
        self.popup = Some(Popup::Form(form));
        Ok(())
    }

    /// A customer's audit trail (it and its deals, follow-ups and interactions),
    /// newest first, in a scrollable popup.
    fn show_history(&mut self, id: i64, name: String) {
        let zone = self.zone;
        self.open_popup(move |store| {
            let entries = store.audit_entries(&AuditFilter {
                customer_id: Some(id),
                since: None,
                limit: Some(HISTORY_ENTRIES),
            })?;
            let mut lines = crate::report::audit_lines(&entries, &zone);
            if lines.is_empty() {
                lines.push("No changes recorded.".into());
            } else if entries.len() == HISTORY_ENTRIES {
                lines.push(format!(
                    "(the latest {HISTORY_ENTRIES}; `rapport audit --customer {id}` shows all)"
                ));
            }
            Ok(Popup::Report {
                title: format!("History of {name}"),
                text: lines.join("\n"),
                scroll: 0,
                busy: false,
            })
        });
    }

    fn pipeline_action(&mut self, action: Action) -> Result<(), StoreError> {
        let Some(deal) = self.pipeline.selected().cloned() else {
            return Ok(());
        };
        let today = self.now().date_naive();
        let id = deal.id;
        let moved = |d: Deal| format!("Deal #{} is now in {}", d.id, d.stage_key);
        match action {
            Action::StageForward => {
                self.change(move |s| s.write(|w| w.step_deal(id, 1)).map(moved))
            }
            Action::StageBack => self.change(move |s| s.write(|w| w.step_deal(id, -1)).map(moved)),
            Action::MarkWon => {
                self.change(move |s| s.write(|w| w.mark_deal_won(id, today)).map(moved));
            }
            Action::MarkLost => {
                self.popup = Some(Popup::Form(Form::lost_reason(deal.id, &deal.title)));
                return Ok(());
            }
            Action::Edit => self.edit_deal_form(deal.id),
            Action::Delete => self.confirm_delete_deal(deal.id),
            Action::Reopen => self.reopen(&deal),
            Action::OpenCustomer | Action::Open => {
                self.open_customer(deal.customer_id, &deal.customer_name);
            }
            Action::Assign => {
                let owner = deal.owner_login.clone();
                self.open_popup(move |store| {
                    assign_form(store, "deal", id, owner.as_deref()).map(Popup::Form)
                });
            }
            Action::LogInteraction
            | Action::LogCall
            | Action::AddReminder
            | Action::AddDeal
            | Action::EditCustomer => {
                return self
                    .customer_action(action, Some((deal.customer_id, deal.customer_name.clone())));
            }
            _ => {}
        }
        Ok(())
    }

    fn followup_action(&mut self, action: Action) -> Result<(), StoreError> {
        if action == Action::Review {
            match &self.review {
                Some(_) => self.resume_review(),
                None => self.start_review(self.followups.mine),
            }
            return Ok(());
        }
        if action == Action::ToggleMine {
            self.followups.mine = !self.followups.mine;
            self.followups.list = Default::default();
            let load = self.pane_request(Pane::Followups);
            self.request(load);
            self.info(if self.followups.mine {
                "Showing your follow-ups"
            } else {
                "Showing everyone's follow-ups"
            });
            return Ok(());
        }
        let Some(r) = self.followups.selected().cloned() else {
            return Ok(());
        };
        match action {
            Action::MarkDone => {
                let now = self.now_utc();
                let id = r.id;
                self.change(move |store| {
                    let next = store.write(|w| w.complete_reminder(id, now))?;
                    Ok(done_text(&r, next))
                });
                Ok(())
            }
            Action::Edit => {
                self.edit_followup_form(r.id);
                Ok(())
            }
            Action::Delete => {
                self.confirm_delete_followup(r.id);
                Ok(())
            }
            Action::Reschedule => {
                let due = r
                    .effective_due()
                    .with_timezone(&self.zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string();
                let form = Form::reschedule(r.id, &r.customer_name, &due);
                self.popup = Some(Popup::Form(form));
                Ok(())
            }
            Action::OpenCustomer | Action::Open => {
                self.open_customer(r.customer_id, &r.customer_name);
                Ok(())
            }
            Action::Assign => {
                let (id, owner) = (r.id, r.owner_login.clone());
                self.open_popup(move |store| {
                    assign_form(store, "follow-up", id, owner.as_deref()).map(Popup::Form)
                });
                Ok(())
            }
            Action::Snooze => {
                self.popup = Some(Popup::Snooze(SnoozeMenu::new(
                    &r,
                    &self.now(),
                    self.default_time,
                )));
                Ok(())
            }
            Action::LogInteraction
            | Action::LogCall
            | Action::AddReminder
            | Action::AddDeal
            | Action::EditCustomer => {
                self.customer_action(action, Some((r.customer_id, r.customer_name.clone())))
            }
            _ => Ok(()),
        }
    }

    /// Shows `id`'s card (it says "loading" until it is read).
    pub fn open_customer(&mut self, id: i64, name: &str) {
        // Esc on the card goes back to where it was opened from.
        self.card_origin = (self.pane != Pane::Customers).then_some(self.pane);
        self.show(Pane::Customers);
        self.customers.start_open(id, name);
        self.request_card();
    }

    fn update_form(&mut self, action: Action) {
        let Some(Popup::Form(form)) = &mut self.popup else {
            return;
        };
        if form.saving {
            // Its answer decides what comes next (the form closes, or says what is wrong).
            return;
        }
        match action {
            Action::NextField => form.next_field(1),
            Action::PrevField => form.next_field(-1),
            Action::Cancel => {
                let note = form.on_cancel;
                self.popup = None;
                self.review_pending = None;
                self.info(note);
            }
            Action::Submit if form.kind == FormKind::Import => self.start_import(),
            Action::Submit if form.kind == FormKind::DefineKpi => self.submit_kpi_form(),
            Action::Submit if form.is_record_edit() => self.submit_record_edit(),
            Action::Submit => {
                let now = self.store.now().with_timezone(&self.zone);
                let (me, default_time) = (self.me.id, self.default_time);
                let mut copy = form.clone();
                form.saving = true;
                self.on_store(
                    move |store| {
                        let saved = copy.submit(store, me, &now, default_time);
                        (copy, saved)
                    },
                    |app, (form, saved)| match saved {
                        Some(saved) => app.form_saved(&form, saved),
                        None => app.form_refused(form),
                    },
                );
            }
            _ => {}
        }
    }

    /// A form's save landed: the next form it offers, the message, the views read
    /// again, and the customer's card when it is a new one.
    fn form_saved(&mut self, form: &Form, saved: Saved) {
        self.popup = saved.next.map(|next| Popup::Form(*next));
        // Marking a deal lost is one key and a reason: undo is its safety net.
        let hint = if matches!(form.kind, FormKind::LostReason { .. }) {
            self.undo_hint()
        } else {
            String::new()
        };
        self.info(format!("{}{hint}", saved.message));
        if let Some(outcome) = self.review_pending.take() {
            self.review_record(outcome);
        }
        self.refresh_search(saved.customer_id.into_iter().chain(saved.removed).collect());
        self.reload_all();
        // The reload refreshes an open card; open one only when it is another
        // customer's (a new customer, a merge from the list).
        let open = self.customers.detail.as_ref().map(|c| c.customer.id);
        if let (Some(id), Pane::Customers) = (saved.customer_id, self.pane)
            && open != Some(id)
        {
            self.customers.start_open(id, "");
            self.request_card();
        }
    }

    /// A form's save was refused (or it showed a warning first): the form as the
    /// save left it, every refused field marked.
    fn form_refused(&mut self, form: Form) {
        // A field's note has one line; the status bar shows the whole message.
        let field = form
            .fields
            .get(form.focus)
            .and_then(|f| f.error.as_ref().map(|e| (f.label, e)));
        let text = match (field, &form.error) {
            (Some((label, e)), _) => Some(format!("{label}: {e}")),
            (None, Some(e)) if !form.confirmed => Some(e.clone()),
            _ => None,
        };
        match text {
            Some(text) => self.error(text),
            // The banner says it all (a warning, a reload); no stale refusal below.
            None => self.message = None,
        }
        self.popup = Some(Popup::Form(form));
    }

    fn update_search(&mut self, action: Action) {
        let page = self.page().saturating_sub(4).max(1);
        let Some(Popup::Search(search)) = &mut self.popup else {
            return;
        };
        let len = search.rows.len();
        let chosen = search
            .selected()
            .map(|r| (r.customer.id, r.customer.name.clone()));
        match action {
            a if search.list.navigate(a, len, page) => {}
            Action::Cancel => self.popup = None,
            Action::Open => {
                if let Some((id, name)) = chosen {
                    self.popup = None;
                    self.open_customer(id, &name);
                }
            }
            Action::LogCall => {
                if let Some((id, name)) = chosen {
                    self.popup = Some(Popup::Form(Form::log_call(id, &name)));
                }
            }
            Action::NewCaller => {
                let query = search.input.text().to_string();
                self.popup = Some(Popup::Form(Form::new_caller(&query)));
            }
            _ => {}
        }
    }

    fn load_demo(&mut self) {
        self.popup = None;
        self.info("Loading demo data…");
        let login = self.me.login.clone();
        self.on_store(
            move |store| {
                generate(
                    store,
                    DemoOptions {
                        customers: DEMO_CUSTOMERS,
                        seed: 42,
                    },
                    &login,
                )
            },
            |app, result| match result {
                Ok(report) => {
                    app.info(format!(
                        "Loaded demo data: {}, {}",
                        crate::text::count(report.customers, "customer", "customers"),
                        crate::text::count(report.deals, "deal", "deals")
                    ));
                    app.reload_all();
                }
                Err(e) => app.error(format!("Demo data not loaded: {e}")),
            },
        );
    }
}

/// The form giving a record to another operator, refused at once for those who may
/// not.
fn assign_form(
    store: &Store,
    entity: &'static str,
    id: i64,
    owner: Option<&str>,
) -> Result<Form, StoreError> {
    store.require(crate::domain::access::Permission::Assign)?;
    store.may_change(entity, id)?;
    let logins: Vec<String> = store.operators()?.into_iter().map(|o| o.login).collect();
    Ok(Form::assign(entity, id, owner, &logins))
}
