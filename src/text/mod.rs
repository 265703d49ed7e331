//! Text helpers shared by every front end: script-aware folding for matching, and
//! sanitising stored text before it reaches a terminal.

pub mod count;
pub mod fold;
pub mod sanitize;
pub mod width;

pub use count::{count, plural};
pub use fold::{fold, fold_digits};
pub use sanitize::{for_terminal, for_terminal_lines, message_for_terminal};
pub use width::{display_width, fit, wrap};
