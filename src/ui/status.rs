//! The status line: posture state in its colour, how long it has lasted, alert count, snooze
//! and the source. The mini mode shows the same badge and timer.

use crate::pipeline::SourceStatus;
use crate::posture::{Call, PostureSample, PostureState};

use super::state::UiState;
use super::theme;

/// The status line while an error screen is up.
pub const NOT_ANALYZING: &str = "Not analyzing";

/// Words for a posture state ([`PostureState::describe`]).
pub fn state_text(state: PostureState) -> &'static str {
    state.describe()
}

/// Formats seconds as `m:ss` (or `h:mm:ss` past an hour).
pub fn clock_text(seconds: f64) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The timer label: how long the current state has lasted.
pub fn timer_text(state: &UiState) -> String {
    state.state_elapsed_s().map_or_else(
        || "for --:--".to_owned(),
        |seconds| format!("for {}", clock_text(seconds)),
    )
}

/// Words for the source status.
pub fn source_text(status: &SourceStatus) -> String {
    match status {
        SourceStatus::Opening => "Opening the source…".to_owned(),
        SourceStatus::Running(description) => format!("Source: {description}"),
        SourceStatus::Reconnecting { attempt, .. } => format!("Reconnecting (attempt {attempt})"),
        SourceStatus::Paused(reason) => format!("Monitoring {}.", reason.text()),
        SourceStatus::Ended => "The source ended: the last frame stays on screen.".to_owned(),
        SourceStatus::Failed(message) => format!("Source failed: {message}"),
    }
}

/// The status line of a window that only reviews recordings (no live source).
pub const REVIEW_ONLY: &str = "No live monitoring: this window reviews recordings";

/// The newest frame's forward-head call in words ([`sample_call_text`], with the judge's
/// reason for an uncertain call). `None` before the first judged frame.
pub fn call_text(state: &UiState) -> Option<(String, Option<String>)> {
    sample_call_text(
        &state.latest.as_ref()?.sample,
        state.uncertain_note.as_deref(),
    )
}

/// A frame's forward-head call in words, with what it was measured against; the hover text
/// says why an uncertain call is uncertain (`note`: the judge's reason, when known). `None`
/// for a frame without a call. The live status line and review mode's frame both show it.
pub fn sample_call_text(
    sample: &PostureSample,
    note: Option<&str>,
) -> Option<(String, Option<String>)> {
    let call = sample.call?;
    let text = match call {
        Call::Forward => "Head forward now".to_owned(),
        Call::Upright => "Head upright now".to_owned(),
        Call::Uncertain => "Uncertain — calibrate".to_owned(),
    };
    let text = format!("{text} ({})", sample.baseline.describe());
    let hover = match call {
        Call::Uncertain => Some(note.map_or_else(
            || {
                "Without your own baseline only a clearly forward or clearly upright head is \
                 called; calibrate sitting upright, and no alert comes from an uncertain call."
                    .to_owned()
            },
            str::to_owned,
        )),
        Call::Forward | Call::Upright => None,
    };
    Some((text, hover))
}

/// The posture state as a coloured badge.
pub fn state_badge_ui(ui: &mut egui::Ui, state: PostureState) {
    let text = egui::RichText::new(state_text(state))
        .color(theme::BADGE_TEXT)
        .strong();
    egui::Frame::new()
        .fill(theme::state_colour(state))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(8, 3))
        .show(ui, |ui| ui.label(text));
}

/// Shows `call` (from [`sample_call_text`]) as a label with its hover text.
pub fn call_label(ui: &mut egui::Ui, (text, hover): (String, Option<String>)) {
    let label = ui.label(text);
    if let Some(hover) = hover {
        label.on_hover_text(hover);
    }
}

/// Draws the status line contents (horizontal).
pub fn ui(ui: &mut egui::Ui, state: &mut UiState) {
    if !state.live {
        ui.label(REVIEW_ONLY);
        return;
    }
    ui.horizontal_wrapped(|ui| {
        if state.problem().is_some() {
            // The error screen below says why; a posture badge would be stale.
            ui.colored_label(theme::ERROR, NOT_ANALYZING);
        } else {
            state_badge_ui(ui, state.posture_state());
            ui.label(timer_text(state));
            if let Some(call) = call_text(state) {
                ui.separator();
                call_label(ui, call);
            }
        }
        ui.separator();
        ui.label(format!("Alerts this session: {}", state.alert_count));
        if state.snoozed_until_ms.is_some() {
            ui.separator();
            let left = state
                .snoozed_until_ms
                .zip(state.latest.as_ref())
                .map(|(until_ms, latest)| clock_text((until_ms - latest.sample.t_ms) / 1000.0));
            ui.label(format!("Snoozed, {} left", left.unwrap_or_default()));
            if ui.button("Resume warnings").clicked() {
                state.resume();
            }
        }
        if state.failure.is_none() {
            ui.separator();
            ui.label(source_text(&state.source));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats_minutes_and_hours() {
        assert_eq!(clock_text(0.0), "0:00");
        assert_eq!(clock_text(75.9), "1:15");
        assert_eq!(clock_text(3_725.0), "1:02:05");
        assert_eq!(clock_text(-3.0), "0:00");
    }

    #[test]
    fn timer_waits_for_a_frame() {
        assert_eq!(timer_text(&UiState::default()), "for --:--");
        assert_eq!(call_text(&UiState::default()), None);
    }
}
