//! The per-frame posture sample: the contract between `posture` and its users (`pipeline`,
//! `ui`, `store`, `cli`). Angles are in degrees here because this is an output edge.

use serde::{Deserialize, Serialize};

/// The camera's view of the person, decided per frame with hysteresis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum View {
    /// Side view, the person's left side faces the camera.
    SideLeft,
    /// Side view, the person's right side faces the camera.
    SideRight,
    /// Front view (laptop webcam).
    Front,
    /// Neither side nor front: no angle is valid.
    Oblique,
    /// Not enough landmarks to tell.
    #[default]
    Unknown,
}

/// Every metric of one frame. `None` means "not valid in this view or not measurable".
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Craniovertebral angle (side view), degrees; smaller is further forward.
    pub cva_deg: Option<f64>,
    /// Head flexion relative to the trunk (side view), degrees; negative is extension.
    pub neck_flexion_deg: Option<f64>,
    /// Trunk line against the vertical (side view), degrees; positive is forward lean.
    pub trunk_inclination_deg: Option<f64>,
    /// Shoulder-hip-knee angle (side view), degrees.
    pub hip_angle_deg: Option<f64>,
    /// Shoulder line against the horizontal (front view), degrees.
    pub shoulder_tilt_deg: Option<f64>,
    /// Hip line against the horizontal (front view, hips visible), degrees.
    pub pelvic_obliquity_deg: Option<f64>,
    /// Head lateral tilt, eye or ear line against the horizontal (front view), degrees.
    pub head_tilt_deg: Option<f64>,
    /// Front-view forward-head index relative to the baseline; unit documented in
    /// `posture::front_index`.
    pub forward_head_index: Option<f64>,
}

/// The states of the persistence machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostureState {
    /// Posture within limits.
    #[default]
    Upright,
    /// The forward-head condition holds, but not yet for the onset delay.
    AtRisk,
    /// The condition has persisted: the user is warned.
    ForwardHead,
    /// Nobody is in front of the camera: timers pause.
    Away,
    /// Recording the user's baseline.
    Calibrating,
    /// Warnings are snoozed.
    Snoozed,
}

/// One analysed frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureSample {
    /// Sequence number of the analysed frame.
    pub seq: u64,
    /// Source time in milliseconds.
    pub t_ms: f64,
    /// The view of the camera.
    pub view: View,
    /// The metrics, each `None` when not valid in `view`.
    pub metrics: Metrics,
    /// Whether the forward-head condition holds in this frame (`None`: cannot be judged).
    pub forward_head: Option<bool>,
    /// RULA neck score 1-4 (side view only).
    pub rula_neck: Option<u8>,
    /// RULA trunk score 1-4 (side view only).
    pub rula_trunk: Option<u8>,
    /// State of the persistence machine after this frame.
    pub state: PostureState,
    /// Confidence of the landmarks used, 0-1 (mean visibility of the key landmarks).
    pub confidence: f32,
}

/// Something that happened in the persistence machine, for the UI, the store and JSON output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PostureEvent {
    /// The state changed.
    State {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The state before.
        from: PostureState,
        /// The state after.
        state: PostureState,
    },
    /// Forward head persisted past the onset delay: warn the user (once per episode).
    Alert {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The CVA that triggered it, when the view was a side view.
        cva_deg: Option<f64>,
        /// The forward-head index that triggered it, when the view was a front view.
        forward_head_index: Option<f64>,
    },
    /// Warnings were snoozed until `until_ms`.
    Snoozed {
        /// Source time in milliseconds.
        t_ms: f64,
        /// End of the snooze, source time in milliseconds.
        until_ms: f64,
    },
    /// A calibration finished and produced a baseline.
    Calibrated {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The new baseline.
        baseline: Baseline,
    },
}

/// Mean, spread and count of one metric over a calibration or a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// Mean value in the metric's unit.
    pub mean: f64,
    /// Sample standard deviation (n-1) in the metric's unit; 0 when n < 2.
    pub sd: f64,
    /// Number of valid samples.
    pub n: u32,
}

/// A personal baseline: per-metric statistics keyed by the metric's JSON name
/// (`cva_deg`, `forward_head_index`, ...), with the view it was recorded in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The view during calibration.
    pub view: View,
    /// Statistics per metric name, only for metrics with at least one valid sample.
    pub metrics: std::collections::BTreeMap<String, MetricStats>,
}
