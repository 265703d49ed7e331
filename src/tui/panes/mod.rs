//! The state of each pane: what it shows and where the selection is. Drawing lives in
//! `view`; changes come from `App::update`.

pub mod customers;
pub mod followups;
pub mod health;
pub mod kpis;
pub mod pipeline;
pub mod team;
