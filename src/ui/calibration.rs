//! The calibration flow: ask the user to sit upright, count down, ask the pipeline to record a
//! baseline ([`Control::Calibrate`]) for the configuration's `calibration_s` (the same length
//! as `monitor --headless`), and show the baseline that comes back.
//!
//! The flow is a small state machine on the window's clock (`egui` input time, seconds), so it
//! is tested with scripted times and never sleeps.

use crate::pipeline::Control;
use crate::posture::{Baseline, BaselineStatus};

use super::state::UiState;

/// Seconds the user gets to sit upright before recording starts.
pub const COUNTDOWN_SECONDS: f64 = 5.0;

/// Extra seconds to wait for the pipeline's baseline before giving up.
pub const REPLY_GRACE_SECONDS: f64 = 10.0;

/// Where the calibration flow is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Calibration {
    /// Not calibrating.
    #[default]
    Idle,
    /// Counting down; recording starts at `starts_at_s` (window clock).
    Countdown {
        /// Window time at which recording starts, seconds.
        starts_at_s: f64,
        /// Seconds the baseline will be recorded over.
        seconds: f64,
    },
    /// The pipeline is recording.
    Recording {
        /// Window time at which recording started, seconds.
        since_s: f64,
        /// Seconds the baseline is recorded over.
        seconds: f64,
    },
    /// A baseline arrived.
    Done,
    /// No baseline arrived in time.
    TimedOut,
    /// The pipeline refused the baseline (the reason is in `UiState::calibration_refused`).
    Refused,
}

impl Calibration {
    /// Starts the countdown at window time `now_s` for a baseline of `seconds` (the
    /// configuration's `calibration_s`).
    pub fn start(&mut self, now_s: f64, seconds: f64) {
        *self = Self::Countdown {
            starts_at_s: now_s + COUNTDOWN_SECONDS,
            seconds,
        };
    }

    /// Advances the flow to `now_s`; returns the control to send when recording starts.
    pub fn tick(&mut self, now_s: f64) -> Option<Control> {
        match *self {
            Self::Countdown {
                starts_at_s,
                seconds,
            } if now_s >= starts_at_s => {
                *self = Self::Recording {
                    since_s: now_s,
                    seconds,
                };
                Some(Control::Calibrate { seconds })
            }
            Self::Recording { since_s, seconds }
                if now_s - since_s > seconds + REPLY_GRACE_SECONDS =>
            {
                *self = Self::TimedOut;
                None
            }
            _ => None,
        }
    }

    /// A baseline arrived.
    pub fn finish(&mut self) {
        *self = Self::Done;
    }

    /// The pipeline refused the baseline.
    pub fn refuse(&mut self) {
        *self = Self::Refused;
    }

    /// Whether the flow is counting down or recording (the window keeps repainting then).
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Countdown { .. } | Self::Recording { .. })
    }
}

/// Advances the flow to window time `now_s` and queues the control it asks for. Runs every
/// frame, whichever panel is shown.
pub fn advance(ctx: &egui::Context, state: &mut UiState) {
    let now_s = ctx.input(|input| input.time);
    if let Some(control) = state.calibration.tick(now_s) {
        state.outbox.push(control);
    }
    if state.calibration.is_running() {
        ctx.request_repaint_after(std::time::Duration::from_millis(200));
    }
}

/// Draws the calibration panel; a calibration records `seconds` (the configuration's
/// `calibration_s`).
pub fn ui(ui: &mut egui::Ui, state: &mut UiState, seconds: f64) {
    let now_s = ui.input(|input| input.time);
    ui.heading("Calibration");
    match state.calibration {
        Calibration::Idle | Calibration::Done | Calibration::TimedOut | Calibration::Refused => {
            ui.label(
                "Sit upright the way you want to sit, facing the camera as you usually do, \
                 then start. plumbline records your own baseline and compares against it.",
            );
            if state.calibration == Calibration::TimedOut {
                ui.label("No baseline came back. Make sure you are in view and try again.");
            }
            if let Some(reason) = &state.calibration_refused {
                ui.colored_label(
                    super::theme::ERROR,
                    format!("Calibration refused, nothing was kept: {reason}"),
                );
            }
            if ui.button("Start calibration").clicked() {
                state.calibration_refused = None;
                state.calibration.start(now_s, seconds);
            }
        }
        Calibration::Countdown { starts_at_s, .. } => {
            ui.label("Sit upright now and keep still.");
            let left_s = (starts_at_s - now_s).max(0.0).ceil();
            ui.label(format!("Recording starts in {left_s:.0} s"));
            if ui.button("Cancel calibration").clicked() {
                state.calibration = Calibration::Idle;
            }
        }
        Calibration::Recording { since_s, seconds } => {
            ui.label("Recording your baseline: keep sitting upright.");
            let done = ((now_s - since_s) / seconds).clamp(0.0, 1.0) as f32;
            ui.add(egui::ProgressBar::new(done).text("Recording baseline"));
        }
    }
    ui.separator();
    ui.label(baseline_status_text(state));
    if let Some(notice) = state.baseline_notice.clone() {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(super::theme::CAUTION, notice);
            if ui.button(super::DISMISS).clicked() {
                state.baseline_notice = None;
            }
        });
    }
    if let Some(baseline) = &state.baseline {
        baseline_ui(ui, baseline);
    }
    if (state.baseline.is_some() || state.baseline_since.is_some())
        && ui
            .button(FORGET)
            .on_hover_text(
                "Your baseline is kept for the next start until you recalibrate or forget it. \
                 Forgetting it removes the kept file; plumbline then learns a new one (or \
                 calibrate).",
            )
            .clicked()
    {
        state.forget_baseline();
    }
}

/// The calibration panel's button that forgets the baseline.
pub const FORGET: &str = "Forget my baseline";

/// What the posture is judged against, in words (also the status line's tooltip).
pub fn baseline_status_text(state: &UiState) -> String {
    let status = state.baseline_status;
    let base = match status {
        BaselineStatus::None => {
            "No baseline: only clearly forward or clearly upright heads are called; calibrate \
             for your own reference."
                .to_owned()
        }
        BaselineStatus::Learning => {
            "Learning your upright baseline from your steadiest upright minutes; meanwhile only \
             a clearly forward head is flagged. Calibrate to set it now."
                .to_owned()
        }
        BaselineStatus::Learned | BaselineStatus::Calibrated => match &state.baseline_since {
            Some(since) => format!("Judged against your baseline, {since}."),
            None if status == BaselineStatus::Learned => {
                "Judged against your learned baseline.".to_owned()
            }
            None => "Judged against your calibrated baseline.".to_owned(),
        },
        BaselineStatus::SetupChanged => {
            "Setup changed — recalibrating: the camera or your seat moved, so the old baseline \
             is set aside and a new one is being learned."
                .to_owned()
        }
    };
    match &state.setup_note {
        Some(note) if status == BaselineStatus::SetupChanged => format!("{base} ({note})"),
        _ => base,
    }
}

/// Shows a baseline: mean, spread and count per metric.
pub fn baseline_ui(ui: &mut egui::Ui, baseline: &Baseline) {
    ui.label(format!("Baseline (recorded in {:?} view)", baseline.view));
    egui::Grid::new("baseline_grid")
        .striped(true)
        .show(ui, |ui| {
            for (metric, stats) in &baseline.metrics {
                ui.label(metric.label());
                ui.label(format!("{} (n = {})", stats.mean_sd_text(), stats.n));
                ui.end_row();
            }
        });
    if baseline.front_features().is_some() {
        ui.label(
            "Front-view head position recorded: the forward-head index is measured against it.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_then_one_calibrate_control() {
        let mut flow = Calibration::default();
        flow.start(100.0, 12.0);
        assert_eq!(flow.tick(101.0), None);
        assert_eq!(
            flow.tick(100.0 + COUNTDOWN_SECONDS),
            Some(Control::Calibrate { seconds: 12.0 })
        );
        assert!(matches!(flow, Calibration::Recording { .. }));
        assert_eq!(flow.tick(106.0), None, "the control is sent once");
        flow.finish();
        assert_eq!(flow, Calibration::Done);
        assert!(!flow.is_running());
    }

    #[test]
    fn gives_up_when_no_baseline_returns() {
        let mut flow = Calibration::Recording {
            since_s: 0.0,
            seconds: 10.0,
        };
        assert_eq!(flow.tick(10.0), None);
        assert!(flow.is_running());
        flow.tick(10.0 + REPLY_GRACE_SECONDS + 0.1);
        assert_eq!(flow, Calibration::TimedOut);
    }
}
