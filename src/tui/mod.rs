//! The full-screen app: one event loop over panes for customers, pipeline,
//! follow-ups and KPIs.

pub mod action;
pub mod keymap;
