use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;

pub fn draw(_frame: &mut Frame, _app: &App, _area: Rect) {}
