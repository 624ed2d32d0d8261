//! The warning overlay: shown once forward head has persisted past the onset delay (after a
//! [`crate::posture::PostureEvent::Alert`]), with a Snooze button that sends
//! [`crate::pipeline::Control::Snooze`]. It hides when the posture recovers or on snooze.

use super::state::{ActiveAlert, UiState};
use super::theme;
use crate::desktop::notifier;
/// The label of the snooze button: the same words as the notification's button.
pub use crate::desktop::notifier::snooze_label;

/// The overlay's window title, also its accessible name.
pub const TITLE: &str = "Forward head posture";

/// The main sentence of the warning.
pub fn message(alert: &ActiveAlert) -> String {
    let measured = notifier::measured_text(alert.cva_deg, alert.forward_head_index);
    format!("Your head has been forward for a while{measured}.")
}

/// Draws the overlay if an alert is up; a click on Snooze snoozes for `snooze_minutes`.
pub fn ui(ui: &mut egui::Ui, state: &mut UiState, snooze_minutes: f64) {
    let Some(alert) = state.alert else {
        return;
    };
    let screen = ui.ctx().content_rect();
    ui.ctx()
        .layer_painter(egui::LayerId::new(
            egui::Order::Middle,
            egui::Id::unique("warning_scrim"),
        ))
        .rect_filled(screen, 0.0, theme::OVERLAY_SCRIM);
    let frame = egui::Frame::window(ui.style())
        .stroke(egui::Stroke::new(3.0, theme::ALERT))
        .inner_margin(16.0);
    let mut snoozed = false;
    egui::Window::new(TITLE)
        .title_bar(false)
        .collapsible(false)
        .resizable(false)
        .frame(frame)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            ui.heading(egui::RichText::new(TITLE).color(theme::ALERT));
            ui.label(message(&alert));
            ui.label(notifier::SUGGESTION);
            ui.add_space(8.0);
            if ui.button(snooze_label(snooze_minutes)).clicked() {
                snoozed = true;
            }
        });
    if snoozed {
        state.snooze(snooze_minutes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_the_measure_that_triggered() {
        let side = ActiveAlert {
            t_ms: 0.0,
            cva_deg: Some(42.4),
            forward_head_index: None,
        };
        assert!(message(&side).contains("CVA 42°"));
        let front = ActiveAlert {
            cva_deg: None,
            forward_head_index: Some(12.4),
            ..side
        };
        assert!(message(&front).contains("index +12 %"));
        assert_eq!(snooze_label(15.0), "Snooze 15 min");
    }
}
