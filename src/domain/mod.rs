//! The domain: types and rules of a CRM. No SQL and no terminal code lives here.

pub mod access;
pub mod agenda;
pub mod audit;
pub mod cadence;
pub mod customer;
pub mod deal;
pub mod decimal;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod exchange;
pub mod interaction;
pub mod kpi;
pub mod kpi_measure;
pub mod kpi_target;
pub mod money;
pub mod operator;
pub mod phone;
pub mod pipeline_health;
pub mod reminder;
pub mod retention;
pub mod satisfaction;
pub mod team;
pub mod undo;
pub mod value;
pub mod when;

pub use cadence::{
    CADENCE_LIMIT_DAYS, Cadence, CadenceSource, ContactDue, ContactStatus, DEFAULT_CADENCE,
    QuietCustomer, effective_cadence,
};
pub use customer::{
    ContactDetails, Customer, CustomerCard, CustomerDraft, CustomerKind, CustomerStatus,
    CustomerSummary, KeptValue,
};
pub use deal::{Deal, DealChange, DealDraft, Stage, StageOutcome};
pub use email::Email;
pub use error::ValidationError;
pub use interaction::{Direction, Interaction, InteractionDraft, InteractionKind};
pub use kpi::{KpiDefinition, KpiGroup, KpiStanding, KpiUnit, Period};
pub use kpi_target::KpiFigure;
pub use money::{Currency, MAX_AMOUNT_MINOR, Money, MoneyTotal};
pub use operator::{Operator, Role};
pub use phone::{Phone, PhoneKind};
pub use reminder::{Recurrence, Reminder, ReminderDraft};
pub use value::{ChurnRisk, CustomerValue, Rfm, Segment};
