//! Placeholder: the keymap loader is being written.
