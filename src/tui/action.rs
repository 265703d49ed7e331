//! Everything a user can ask the app for. Keymaps map key chords to these by name.

use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// One thing the user asked for. `run = "name"` in a keymap file names one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),+ }
            }
        }
    };
}

actions! {
    // global
    Quit = "quit",
    Help = "help",
    Search = "search",
    PaneCustomers = "pane_customers",
    PanePipeline = "pane_pipeline",
    PaneFollowups = "pane_followups",
    PaneKpis = "pane_kpis",
    PaneTeam = "pane_team",
    NextPane = "next_pane",
    PrevPane = "prev_pane",
    Refresh = "refresh",
    Undo = "undo",
    MessageLog = "message_log",
    // moving in lists and columns
    Up = "up",
    Down = "down",
    Left = "left",
    Right = "right",
    PageUp = "page_up",
    PageDown = "page_down",
    Top = "top",
    Bottom = "bottom",
    Open = "open",
    Back = "back",
    // the focused record: a deal, a follow-up, or an item of a customer's card
    Edit = "edit",
    Delete = "delete",
    NextItem = "next_item",
    PrevItem = "prev_item",
    // customers
    AddCustomer = "add_customer",
    EditCustomer = "edit_customer",
    CycleSort = "cycle_sort",
    LogInteraction = "log_interaction",
    AddDeal = "add_deal",
    AddReminder = "add_reminder",
    MergeCustomer = "merge_customer",
    History = "history",
    Assign = "assign",
    Import = "import",
    // pipeline
    StageForward = "stage_forward",
    StageBack = "stage_back",
    MarkWon = "mark_won",
    MarkLost = "mark_lost",
    OpenCustomer = "open_customer",
    Reopen = "reopen",
    PipelineHealth = "pipeline_health",
    CycleBreakdown = "cycle_breakdown",
    // the quick-lookup popup
    LogCall = "log_call",
    NewCaller = "new_caller",
    // follow-ups
    MarkDone = "mark_done",
    ToggleMine = "toggle_mine",
    Snooze = "snooze",
    Review = "review",
    // the daily review
    LogOutcome = "log_outcome",
    Reschedule = "reschedule",
    Skip = "skip",
    Previous = "previous",
    // the snooze menu
    SnoozeHour = "snooze_hour",
    SnoozeTomorrow = "snooze_tomorrow",
    SnoozeNextWeek = "snooze_next_week",
    SnoozeCustom = "snooze_custom",
    // KPIs
    CyclePeriod = "cycle_period",
    DefineKpi = "define_kpi",
    // forms and popups
    NextField = "next_field",
    PrevField = "prev_field",
    Submit = "submit",
    Cancel = "cancel",
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s.trim())
            .ok_or_else(|| format!("unknown action {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert_eq!(a.name().parse::<Action>().unwrap(), *a);
        }
        assert!("fly".parse::<Action>().is_err());
    }
}
