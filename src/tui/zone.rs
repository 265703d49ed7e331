//! The operator's time zone: see [`crate::zone`].

pub use crate::zone::local_zone;
