//! Small reusable pieces of state used by panes and popups.

pub mod input;
