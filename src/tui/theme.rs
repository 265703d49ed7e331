//! Colours, or none at all when `NO_COLOR` is set (https://no-color.org): then emphasis
//! uses bold, reversed and underlined text only.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::{ContactStatus, KpiStanding};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn active_tab(self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn header(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn standing(self, s: Option<KpiStanding>) -> Style {
        match s {
            Some(KpiStanding::AtTarget) => self.ok(),
            Some(KpiStanding::BetweenMinimumAndTarget) => self.warn(),
            Some(KpiStanding::BelowMinimum) => self.error(),
            None => self.dim(),
        }
    }

    /// A customer's contact standing: yellow when going quiet (past the ideal
    /// interval), bold red when overdue (past the maximum).
    pub fn contact(self, s: Option<ContactStatus>) -> Style {
        match s {
            Some(ContactStatus::Due) => self.warn(),
            Some(ContactStatus::Overdue) => self.error(),
            Some(ContactStatus::Fine) | None => Style::new(),
        }
    }

    /// Without colour, a mark says what the colour would: `! ` going quiet, `!!`
    /// overdue, blank otherwise (all two columns wide). Nothing with colour.
    pub fn contact_mark(self, s: Option<ContactStatus>) -> &'static str {
        match (self.color, s) {
            (true, _) => "",
            (false, Some(ContactStatus::Due)) => "! ",
            (false, Some(ContactStatus::Overdue)) => "!!",
            (false, _) => "  ",
        }
    }

    pub fn status_bar(self) -> Style {
        if self.color {
            Style::new().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}
