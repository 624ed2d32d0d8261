//! The compact mini mode: a small always-on-top window with only the posture state and its
//! timer, for a corner of the screen while working.

use egui::{ViewportCommand, WindowLevel};

use super::state::UiState;
use super::status::{state_badge_ui, timer_text};
use super::warning::snooze_label;

/// Inner size of the mini window, points.
pub const MINI_SIZE: egui::Vec2 = egui::Vec2::new(300.0, 90.0);

/// Inner size the full window returns to, points.
pub const FULL_SIZE: egui::Vec2 = egui::Vec2::new(1280.0, 800.0);

/// Label of the button that leaves mini mode.
pub const LEAVE: &str = "Full window";

/// Label of the button that enters mini mode.
pub const ENTER: &str = "Mini mode";

/// The window layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// All panels.
    #[default]
    Full,
    /// State and timer only, always on top.
    Mini,
}

/// The viewport commands that switch the native window to `layout`.
pub fn commands(layout: Layout) -> [ViewportCommand; 3] {
    match layout {
        Layout::Mini => [
            ViewportCommand::WindowLevel(WindowLevel::AlwaysOnTop),
            ViewportCommand::MinInnerSize(MINI_SIZE),
            ViewportCommand::InnerSize(MINI_SIZE),
        ],
        Layout::Full => [
            ViewportCommand::WindowLevel(WindowLevel::Normal),
            ViewportCommand::MinInnerSize(egui::Vec2::new(640.0, 400.0)),
            ViewportCommand::InnerSize(FULL_SIZE),
        ],
    }
}

/// Switches the native window to `layout`.
pub fn switch(ctx: &egui::Context, layout: Layout) {
    for command in commands(layout) {
        ctx.send_viewport_cmd(command);
    }
}

/// Draws the mini window; returns the layout to use next.
pub fn ui(ui: &mut egui::Ui, state: &mut UiState, snooze_minutes: f64) -> Layout {
    let mut next = Layout::Mini;
    ui.horizontal(|ui| {
        state_badge_ui(ui, state.posture_state());
        ui.label(timer_text(state));
    });
    if let Some(problem) = state.problem() {
        ui.label(problem.title());
    }
    ui.horizontal(|ui| {
        if state.alert_visible() && ui.button(snooze_label(snooze_minutes)).clicked() {
            state.snooze(snooze_minutes);
        }
        if ui.button(LEAVE).clicked() {
            next = Layout::Full;
        }
    });
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mini_is_on_top_and_full_is_not() {
        assert!(matches!(
            commands(Layout::Mini)[0],
            ViewportCommand::WindowLevel(WindowLevel::AlwaysOnTop)
        ));
        assert!(matches!(
            commands(Layout::Full)[0],
            ViewportCommand::WindowLevel(WindowLevel::Normal)
        ));
        assert!(
            matches!(commands(Layout::Mini)[2], ViewportCommand::InnerSize(size) if size == MINI_SIZE)
        );
    }
}
