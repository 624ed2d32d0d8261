//! Everything the window knows, as a plain struct that the pipeline's [`Update`]s drive.
//!
//! [`UiState::apply`] is the only way pipeline messages change the window, so every panel can
//! be tested by applying a scripted stream and drawing. Nothing here touches egui.

use std::collections::VecDeque;

use crate::pipeline::{Analyzed, Control, Failure, SourceStatus, Update};
use crate::posture::{
    Baseline, BaselineStatus, Call, PostureEvent, PostureSample, PostureState, View,
};

use super::calibration::Calibration;
use super::problem::Problem;

/// How much history the live plot keeps, in seconds of source time.
pub const HISTORY_SECONDS: f64 = 300.0;

/// Upper bound on plot points, so a fast source cannot grow the history without limit.
pub const HISTORY_MAX_POINTS: usize = 6_000;

/// One point of the live plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistoryPoint {
    /// Source time in seconds.
    pub t_s: f64,
    /// The view of that frame.
    pub view: View,
    /// CVA in degrees (side view).
    pub cva_deg: Option<f64>,
    /// Forward-head index (front view).
    pub forward_head_index: Option<f64>,
    /// Shoulder-hip-knee angle in degrees (side view).
    pub hip_angle_deg: Option<f64>,
}

impl HistoryPoint {
    /// The plotted values of one analyzed frame.
    pub fn from_sample(sample: &PostureSample) -> Self {
        Self {
            t_s: sample.t_ms / 1000.0,
            view: sample.view,
            cva_deg: sample.metrics.cva_deg,
            forward_head_index: sample.metrics.forward_head_index,
            hip_angle_deg: sample.metrics.hip_angle_deg,
        }
    }
}

/// The warning shown after a [`PostureEvent::Alert`], until the posture recovers or the user
/// snoozes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActiveAlert {
    /// Source time of the alert in milliseconds.
    pub t_ms: f64,
    /// CVA that triggered it (side view).
    pub cva_deg: Option<f64>,
    /// Forward-head index that triggered it (front view).
    pub forward_head_index: Option<f64>,
}

/// The window's model of the pipeline, fed by [`UiState::apply`].
#[derive(Debug)]
pub struct UiState {
    /// Whether a live source feeds the window; false in a window that only reviews
    /// recordings (`--review` without `--source`, or one photo), whose status line says so
    /// instead of showing a posture.
    pub live: bool,
    /// The newest analyzed frame.
    pub latest: Option<Box<Analyzed>>,
    /// The state of the frame source.
    pub source: SourceStatus,
    /// Set when a worker failed for good (`Update::Failed`).
    pub failure: Option<Failure>,
    /// The warning overlay, while it is up.
    pub alert: Option<ActiveAlert>,
    /// Alerts seen in this session.
    pub alert_count: u32,
    /// End of the current snooze (source time, milliseconds).
    pub snoozed_until_ms: Option<f64>,
    /// The baseline the frames are judged against (calibrated or learned).
    pub baseline: Option<Baseline>,
    /// What the call is measured against (learning, learned, calibrated, setup changed).
    pub baseline_status: BaselineStatus,
    /// How and when the baseline in use was made ("calibrated 2026-12-05 15:40 UTC"), kept
    /// across runs by `pipeline::kept`; `None` when not known.
    pub baseline_since: Option<String>,
    /// What happened to the kept baseline (unusable file, forgotten), until dismissed.
    pub baseline_notice: Option<String>,
    /// Why the setup counted as changed, while the status says so.
    pub setup_note: Option<String>,
    /// Why the forward-head call has been uncertain (from the judge's `Uncertain` event);
    /// cleared by the next forward or upright call.
    pub uncertain_note: Option<String>,
    /// The calibration flow.
    pub calibration: Calibration,
    /// Why the last calibration was refused (shown until the next one starts).
    pub calibration_refused: Option<String>,
    /// Source time (ms) at which the current posture state began.
    pub state_since_ms: Option<f64>,
    /// Plot history, oldest first.
    pub history: VecDeque<HistoryPoint>,
    /// Controls the panels asked for, sent by the app after drawing.
    pub outbox: Vec<Control>,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            live: true,
            latest: None,
            source: SourceStatus::Opening,
            failure: None,
            alert: None,
            alert_count: 0,
            snoozed_until_ms: None,
            baseline: None,
            baseline_status: BaselineStatus::None,
            baseline_since: None,
            baseline_notice: None,
            setup_note: None,
            uncertain_note: None,
            calibration: Calibration::Idle,
            calibration_refused: None,
            state_since_ms: None,
            history: VecDeque::new(),
            outbox: Vec::new(),
        }
    }
}

impl UiState {
    /// Folds one pipeline message into the state.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Analyzed(analyzed) => self.apply_analyzed(analyzed),
            Update::Source(status) => self.source = status,
            Update::Posture(event) => self.apply_event(event),
            Update::Failed(message) => self.failure = Some(message),
        }
    }

    fn apply_analyzed(&mut self, analyzed: Box<Analyzed>) {
        let sample = &analyzed.sample;
        if self.state_since_ms.is_none() {
            self.state_since_ms = Some(sample.t_ms);
        }
        if matches!(sample.call, Some(Call::Forward | Call::Upright)) {
            self.uncertain_note = None;
        }
        let point = HistoryPoint::from_sample(sample);
        // A source that restarts (a replayed folder looping) must not draw a line backwards.
        if self.history.back().is_some_and(|last| last.t_s > point.t_s) {
            self.history.clear();
        }
        self.history.push_back(point);
        while self.history.len() > HISTORY_MAX_POINTS
            || self
                .history
                .front()
                .is_some_and(|first| point.t_s - first.t_s > HISTORY_SECONDS)
        {
            self.history.pop_front();
        }
        self.latest = Some(analyzed);
    }

    fn apply_event(&mut self, event: PostureEvent) {
        match event {
            PostureEvent::State { t_ms, state, .. } => {
                self.state_since_ms = Some(t_ms);
                // A frame without a person keeps the alert on screen: only `away` (nobody
                // for a while) or another judged state ends it.
                if !matches!(state, PostureState::ForwardHead | PostureState::NoPerson) {
                    self.alert = None;
                }
                if state != PostureState::Snoozed {
                    self.snoozed_until_ms = None;
                }
            }
            PostureEvent::Alert {
                t_ms,
                cva_deg,
                forward_head_index,
            } => {
                self.alert_count += 1;
                self.alert = Some(ActiveAlert {
                    t_ms,
                    cva_deg,
                    forward_head_index,
                });
            }
            PostureEvent::Snoozed { until_ms, .. } => {
                self.snoozed_until_ms = Some(until_ms);
                self.alert = None;
            }
            PostureEvent::Calibrated { baseline, .. } => {
                self.calibration.finish();
                self.calibration_refused = None;
                self.baseline = Some(baseline);
            }
            PostureEvent::Learned { baseline, .. } => self.baseline = Some(baseline),
            PostureEvent::BaselineRefused { reason, .. } => {
                self.calibration.refuse();
                self.calibration_refused = Some(reason);
            }
            PostureEvent::Uncertain { reason, .. } => self.uncertain_note = Some(reason),
            PostureEvent::Baseline { status, reason, .. } => {
                self.baseline_status = status;
                if status == BaselineStatus::SetupChanged {
                    // The judge set the stale baseline aside.
                    self.baseline = None;
                }
                self.setup_note = reason;
            }
            // The window itself set it (its settings show the new delay).
            PostureEvent::OnsetDelay { .. } => {}
        }
    }

    /// The user asked to forget the baseline: none is shown from now on, and the pipeline is
    /// asked to forget it (the app removes the kept file when it sends the control).
    pub fn forget_baseline(&mut self) {
        self.baseline = None;
        self.baseline_since = None;
        self.outbox.push(Control::ForgetBaseline);
    }

    /// The user snoozed the warning: hide it now and ask the pipeline to snooze.
    pub fn snooze(&mut self, minutes: f64) {
        self.alert = None;
        self.outbox.push(Control::Snooze { minutes });
    }

    /// The user ended a snooze.
    pub fn resume(&mut self) {
        self.snoozed_until_ms = None;
        self.outbox.push(Control::Resume);
    }

    /// Sequence number of the newest analyzed frame.
    pub fn latest_seq(&self) -> Option<u64> {
        self.latest.as_ref().map(|analyzed| analyzed.frame.seq)
    }

    /// The posture state of the newest frame (`Away` before the first frame).
    pub fn posture_state(&self) -> PostureState {
        self.latest
            .as_ref()
            .map_or(PostureState::Away, |analyzed| analyzed.sample.state)
    }

    /// Seconds the current posture state has lasted, on the source clock.
    pub fn state_elapsed_s(&self) -> Option<f64> {
        let now_ms = self.latest.as_ref()?.sample.t_ms;
        let since_ms = self.state_since_ms?;
        Some(((now_ms - since_ms) / 1000.0).max(0.0))
    }

    /// Whether the warning overlay is up.
    pub fn alert_visible(&self) -> bool {
        self.alert.is_some()
    }

    /// What stops the window from showing a live picture, if anything.
    pub fn problem(&self) -> Option<Problem> {
        if let Some(failure) = &self.failure {
            return Some(Problem::from_failure(failure));
        }
        match &self.source {
            SourceStatus::Failed(failure) => Some(Problem::from_failure(failure)),
            SourceStatus::Reconnecting {
                attempt,
                retry_in_s,
                reason,
            } => Some(Problem::CameraLost {
                attempt: *attempt,
                retry_in_s: *retry_in_s,
                reason: reason.clone(),
            }),
            SourceStatus::Opening
            | SourceStatus::Running(_)
            | SourceStatus::Paused(_)
            | SourceStatus::Ended => None,
        }
    }

    /// Hands the controls the panels asked for to the caller (the app sends them).
    pub fn take_outbox(&mut self) -> Vec<Control> {
        std::mem::take(&mut self.outbox)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::pipeline::analyzed_for_test as analyzed;

    fn alert(t_ms: f64) -> Update {
        Update::Posture(PostureEvent::Alert {
            t_ms,
            cva_deg: Some(41.0),
            forward_head_index: None,
        })
    }

    fn state_change(t_ms: f64, from: PostureState, state: PostureState) -> Update {
        Update::Posture(PostureEvent::State { t_ms, from, state })
    }

    #[test]
    fn keeps_the_newest_frame_and_its_state() {
        let mut state = UiState::default();
        assert_eq!(state.latest_seq(), None);
        assert_eq!(state.posture_state(), PostureState::Away);
        state.apply(analyzed(1, 0.0, PostureState::Upright, 50.0));
        state.apply(analyzed(2, 100.0, PostureState::AtRisk, 44.0));
        assert_eq!(state.latest_seq(), Some(2));
        assert_eq!(state.posture_state(), PostureState::AtRisk);
        assert_eq!(state.history.len(), 2);
    }

    #[test]
    fn alert_shows_until_snoozed_and_snooze_sends_control() {
        let mut state = UiState::default();
        state.apply(analyzed(1, 0.0, PostureState::ForwardHead, 41.0));
        state.apply(alert(0.0));
        assert!(state.alert_visible());
        assert_eq!(state.alert_count, 1);
        state.snooze(15.0);
        assert!(!state.alert_visible());
        assert_eq!(state.take_outbox(), vec![Control::Snooze { minutes: 15.0 }]);
        assert!(state.take_outbox().is_empty());
    }

    #[test]
    fn alert_hides_when_posture_recovers() {
        let mut state = UiState::default();
        state.apply(alert(1_000.0));
        state.apply(state_change(
            5_000.0,
            PostureState::ForwardHead,
            PostureState::Upright,
        ));
        assert!(!state.alert_visible());
        assert_eq!(state.state_since_ms, Some(5_000.0));
    }

    #[test]
    fn state_timer_runs_on_the_source_clock() {
        let mut state = UiState::default();
        state.apply(state_change(
            2_000.0,
            PostureState::Upright,
            PostureState::AtRisk,
        ));
        state.apply(analyzed(9, 9_500.0, PostureState::AtRisk, 44.0));
        let elapsed = state.state_elapsed_s().expect("a frame arrived");
        assert!((elapsed - 7.5).abs() < 1e-9, "{elapsed}");
    }

    #[test]
    fn history_drops_old_points_and_restarts_on_a_loop() {
        let mut state = UiState::default();
        for i in 0..400_u32 {
            let t_ms = f64::from(i) * 1_000.0;
            state.apply(analyzed(u64::from(i), t_ms, PostureState::Upright, 50.0));
        }
        let first = state.history.front().expect("points").t_s;
        let last = state.history.back().expect("points").t_s;
        assert!(last - first <= HISTORY_SECONDS, "{first}..{last}");
        state.apply(analyzed(0, 0.0, PostureState::Upright, 50.0));
        assert_eq!(state.history.len(), 1);
    }

    #[test]
    fn failures_become_problems() {
        let mut state = UiState::default();
        assert_eq!(state.problem(), None);
        state.apply(Update::Source(SourceStatus::Reconnecting {
            attempt: 2,
            retry_in_s: 4.0,
            reason: "device unplugged".into(),
        }));
        assert!(matches!(
            state.problem(),
            Some(Problem::CameraLost { attempt: 2, .. })
        ));
        state.apply(Update::Source(SourceStatus::Running("camera 0".into())));
        assert_eq!(state.problem(), None);
        state.apply(Update::Failed(Failure::new(
            crate::pipeline::FailureKind::Runtime,
            "ONNX Runtime not found: run scripts/fetch-runtime",
        )));
        assert!(matches!(state.problem(), Some(Problem::NoRuntime(_))));
    }

    #[test]
    fn calibrated_event_stores_the_baseline() {
        let mut state = UiState::default();
        let baseline = Baseline {
            view: View::SideLeft,
            ..Baseline::default()
        };
        state.apply(Update::Posture(PostureEvent::Calibrated {
            t_ms: 0.0,
            baseline: baseline.clone(),
        }));
        assert_eq!(state.baseline, Some(baseline));
        assert!(matches!(state.calibration, Calibration::Done));
    }

    #[test]
    fn a_refused_calibration_shows_why_and_an_uncertain_call_invites_one() {
        let mut state = UiState::default();
        state.calibration.start(0.0, 10.0);
        state.apply(Update::Posture(PostureEvent::BaselineRefused {
            t_ms: 10_000.0,
            reason: "you moved during calibration: CVA spread 13.3°".into(),
        }));
        assert_eq!(state.calibration, Calibration::Refused);
        let status = crate::ui::calibration::baseline_status_text(&state);
        assert!(status.starts_with("No baseline"), "{status}");
        assert_eq!(
            state.calibration_refused.as_deref(),
            Some("you moved during calibration: CVA spread 13.3°")
        );
        let mut update = analyzed(1, 11_000.0, PostureState::Upright, 41.0);
        if let Update::Analyzed(a) = &mut update {
            a.sample.call = Some(Call::Uncertain);
        }
        state.apply(Update::Posture(PostureEvent::Uncertain {
            t_ms: 11_000.0,
            reason: "posture uncertain without a personal baseline".into(),
        }));
        state.apply(update);
        let (text, hover) = crate::ui::status::call_text(&state).expect("a call");
        assert!(
            text.starts_with("Uncertain — calibrate (no baseline"),
            "{text}"
        );
        assert_eq!(
            hover.as_deref(),
            Some("posture uncertain without a personal baseline")
        );
        let mut update = analyzed(2, 11_500.0, PostureState::Upright, 56.0);
        if let Update::Analyzed(a) = &mut update {
            a.sample.call = Some(Call::Upright);
        }
        state.apply(update);
        assert_eq!(state.uncertain_note, None);
        assert_eq!(
            crate::ui::status::call_text(&state),
            Some((
                "Head upright now (no baseline — calibrate for a personal reference)".into(),
                None
            ))
        );
    }
}
