//! The per-frame posture sample: the contract between `posture` and its users (`pipeline`,
//! `ui`, `store`, `report`, `cli`). Angles are in degrees here because this is an output edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::geometry::front::FrontFeatures;

use super::Baseline;

/// The camera's view of the person, decided per frame with hysteresis.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
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

impl View {
    /// Every view.
    pub const ALL: [Self; 5] = [
        Self::SideLeft,
        Self::SideRight,
        Self::Front,
        Self::Oblique,
        Self::Unknown,
    ];

    /// The stored name (as serialised): `side-left`, `side-right`, `front`, `oblique`,
    /// `unknown`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SideLeft => "side-left",
            Self::SideRight => "side-right",
            Self::Front => "front",
            Self::Oblique => "oblique",
            Self::Unknown => "unknown",
        }
    }

    /// The view stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|view| view.name() == name)
    }

    /// Whether it is a side view (either side).
    pub fn is_side(self) -> bool {
        matches!(self, Self::SideLeft | Self::SideRight)
    }
}

impl fmt::Display for View {
    /// The stored name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
    /// Front-view forward-head index, percent change from the person's front baseline,
    /// positive = head forward (`geometry::front`); needs a front-view baseline.
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

impl PostureState {
    /// Every state.
    pub const ALL: [Self; 6] = [
        Self::Upright,
        Self::AtRisk,
        Self::ForwardHead,
        Self::Away,
        Self::Calibrating,
        Self::Snoozed,
    ];

    /// The stored name (as serialised): `upright`, `at_risk`, `forward_head`, `away`,
    /// `calibrating`, `snoozed`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Upright => "upright",
            Self::AtRisk => "at_risk",
            Self::ForwardHead => "forward_head",
            Self::Away => "away",
            Self::Calibrating => "calibrating",
            Self::Snoozed => "snoozed",
        }
    }

    /// The state stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }
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
    /// The raw front-view signals of this frame (front view only), which a baseline keeps so
    /// the forward-head index can be measured against it. Not serialised or stored.
    #[serde(skip)]
    pub front_signals: Option<FrontFeatures>,
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
