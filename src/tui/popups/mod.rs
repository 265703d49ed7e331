//! Modal state: forms. (Help and the demo offer need no state beyond `app::Popup`.)

pub mod form;
