//! Modal state: forms, confirmations and the snooze menu. (Help and the demo offer need no state
//! beyond `app::Popup`.)

pub mod confirm;
pub mod form;
pub mod kpi_form;
pub mod record_forms;
pub mod snooze;
