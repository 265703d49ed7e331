//! Modal state: forms and the snooze menu. (Help and the demo offer need no state
//! beyond `app::Popup`.)

pub mod form;
pub mod snooze;
