//! The per-frame posture sample: the contract between `posture` and its users (`pipeline`,
//! `ui`, `store`, `report`, `cli`). Angles are in degrees here because this is an output edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::geometry::front::FrontFeatures;

use super::Baseline;
use super::baseline::SetupFeatures;

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

/// The states of the persistence machine, ordered as declared (the judge's order:
/// [`PostureState::ALL`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PostureState {
    /// Posture within limits.
    #[default]
    Upright,
    /// The forward-head condition holds, but not yet for the onset delay.
    AtRisk,
    /// The condition has persisted: the user is warned.
    ForwardHead,
    /// Nobody is in front of the camera for `away_after_s`: timers pause.
    Away,
    /// Recording the user's baseline.
    Calibrating,
    /// Warnings are snoozed.
    Snoozed,
    /// Nobody in this frame (the detector found no one, or the landmark model's presence
    /// was below its threshold), not yet for `away_after_s`: never judged, timers paused.
    /// Added after the others, so older databases never hold it.
    NoPerson,
}

impl PostureState {
    /// Every state.
    pub const ALL: [Self; 7] = [
        Self::Upright,
        Self::AtRisk,
        Self::ForwardHead,
        Self::Away,
        Self::Calibrating,
        Self::Snoozed,
        Self::NoPerson,
    ];

    /// The stored name (as serialised): `upright`, `at_risk`, `forward_head`, `away`,
    /// `calibrating`, `snoozed`, `no_person`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Upright => "upright",
            Self::AtRisk => "at_risk",
            Self::ForwardHead => "forward_head",
            Self::Away => "away",
            Self::Calibrating => "calibrating",
            Self::Snoozed => "snoozed",
            Self::NoPerson => "no_person",
        }
    }

    /// Whether a person is being monitored in this state: every state but `no_person` and
    /// `away`. The one rule for "time present" / "monitored time" (session summaries, today's
    /// totals in SQL, baselines, the tray, the movement reminder); paused time has no samples
    /// at all.
    pub const fn is_present(self) -> bool {
        !matches!(self, Self::NoPerson | Self::Away)
    }

    /// Whether this is the judge's verdict on a person present: upright, at risk or forward
    /// head (not calibrating, snoozed, away or nobody found). The one rule for "judged
    /// seconds" (the report's stills).
    pub const fn is_judged(self) -> bool {
        matches!(self, Self::Upright | Self::AtRisk | Self::ForwardHead)
    }

    /// Words for people (the window's status line and history, the report).
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Upright => "Upright",
            Self::AtRisk => "Head forward (not yet persistent)",
            Self::ForwardHead => "Forward head: persistent",
            Self::Away => "Away: nobody in view",
            Self::NoPerson => "No person found in this frame",
            Self::Calibrating => "Calibrating",
            Self::Snoozed => "Snoozed",
        }
    }

    /// The state stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }
}

/// The forward-head call of one frame: the three-way answer every surface shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// Forward head: clearly forward without a baseline, or past the drop from the person's
    /// own baseline.
    Forward,
    /// Not forward head: clearly upright without a baseline, or within the drop allowed from
    /// the baseline.
    Upright,
    /// Cannot be told without a baseline (between the absolute bands), or the measurement is
    /// too unsure (its ± is above the bound): calibrate. Never raises an alert.
    Uncertain,
}

impl Call {
    /// Every call, in declaration order.
    pub const ALL: [Self; 3] = [Self::Forward, Self::Upright, Self::Uncertain];

    /// The call stored as `name` ([`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|call| call.name() == name)
    }

    /// The stored name (as serialised): `forward`, `upright`, `uncertain`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Upright => "upright",
            Self::Uncertain => "uncertain",
        }
    }

    /// Words for people.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Forward => "forward head",
            Self::Upright => "upright",
            Self::Uncertain => "uncertain — calibrate",
        }
    }
}

/// What the forward-head call is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// No baseline and none being learned: the absolute bands only (three-way call).
    #[default]
    None,
    /// Learning the person's baseline from their own steady, upright stretches; meanwhile the
    /// absolute bands judge.
    Learning,
    /// Judged against a baseline learned automatically.
    Learned,
    /// Judged against an explicit baseline (a calibration or a baseline file).
    Calibrated,
    /// The camera or the seat moved: the baseline is set aside (no alert comes from it) and a
    /// new one is being learned.
    SetupChanged,
}

impl BaselineStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::Learning,
        Self::Learned,
        Self::Calibrated,
        Self::SetupChanged,
    ];

    /// The stored name (as serialised): `none`, `learning`, `learned`, `calibrated`,
    /// `setup_changed`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Learning => "learning",
            Self::Learned => "learned",
            Self::Calibrated => "calibrated",
            Self::SetupChanged => "setup_changed",
        }
    }

    /// Words for people (window, tray, headless text).
    pub const fn describe(self) -> &'static str {
        match self {
            Self::None => "no baseline — calibrate for a personal reference",
            Self::Learning => "learning your upright baseline",
            Self::Learned => "baseline learned",
            Self::Calibrated => "calibrated",
            Self::SetupChanged => "setup changed — recalibrating",
        }
    }

    /// Whether a personal baseline judges the frames.
    pub const fn has_baseline(self) -> bool {
        matches!(self, Self::Learned | Self::Calibrated)
    }
}

/// One analyzed frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureSample {
    /// Sequence number of the analyzed frame.
    pub seq: u64,
    /// Source time in milliseconds.
    pub t_ms: f64,
    /// The view of the camera.
    pub view: View,
    /// The metrics, each `None` when not valid in `view`.
    pub metrics: Metrics,
    /// Whether the forward-head condition holds in this frame: `Some` exactly when the
    /// [`call`](Self::call) is forward or upright (`None`: uncertain or not judged).
    pub forward_head: Option<bool>,
    /// The three-way call (`None`: nothing to judge: nobody, an oblique view, low landmark
    /// confidence, or a calibration running).
    pub call: Option<Call>,
    /// What the call is measured against.
    pub baseline: BaselineStatus,
    /// The ± of the CVA (one SD of its error on people the model never saw, degrees);
    /// `None` without a CVA.
    pub cva_sd_deg: Option<f64>,
    /// The CVA's ± is above `PostureConfig::cva_max_sd_deg`: it is shown greyed, the call is
    /// uncertain and no alert comes from it.
    #[serde(default)]
    pub cva_unsure: bool,
    /// The CVA below which this frame is called forward (degrees): against the baseline
    /// (`posture::judge::baseline_forward_below`, with its ± terms) or, without one, the
    /// absolute forward band widened for this CVA's ±; `None` without a CVA or when the CVA is
    /// too unsure to judge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cva_forward_limit_deg: Option<f64>,
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
    /// Where the person sits in the picture (for baselines and the stale check). Not
    /// serialised or stored.
    #[serde(skip)]
    pub setup: Option<SetupFeatures>,
    /// People the detector saw in (or shortly before) this frame; `None` when not known.
    #[serde(skip)]
    pub people: Option<usize>,
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
    /// A baseline was learned automatically from the person's own steady, upright stretch.
    Learned {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The new baseline.
        baseline: Baseline,
    },
    /// A calibration ended without a baseline: `reason` says why and what to do (the previous
    /// baseline, if any, stays).
    BaselineRefused {
        /// Source time in milliseconds.
        t_ms: f64,
        /// Why, in words for the user.
        reason: String,
    },
    /// What the call is measured against changed (learning started, a baseline was learned or
    /// calibrated, the setup changed).
    Baseline {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The status before.
        from: BaselineStatus,
        /// The status after.
        status: BaselineStatus,
        /// Why, when the setup changed (what moved).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The forward-head call has been uncertain for a while (no baseline and a CVA between
    /// the absolute bands, a front view without a front baseline, or a CVA too unsure to
    /// judge): no alert comes from it; `reason` says why and invites a calibration. Sent once
    /// per uncertain stretch.
    Uncertain {
        /// Source time in milliseconds.
        t_ms: f64,
        /// Why, in words for the user, with what to do.
        reason: String,
    },
    /// The onset delay was changed while running (the window's setting): from now on the
    /// forward-head state follows the new delay, so a report states both.
    OnsetDelay {
        /// Source time in milliseconds.
        t_ms: f64,
        /// The delay before, seconds.
        from_s: f64,
        /// The delay from now on, seconds.
        seconds: f64,
    },
}

impl PostureEvent {
    /// Every event kind's stored name, in declaration order.
    pub const KINDS: [&'static str; 9] = [
        "state",
        "alert",
        "snoozed",
        "calibrated",
        "learned",
        "baseline_refused",
        "baseline",
        "uncertain",
        "onset_delay",
    ];

    /// The stored name of the event's kind (its serde tag).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::State { .. } => "state",
            Self::Alert { .. } => "alert",
            Self::Snoozed { .. } => "snoozed",
            Self::Calibrated { .. } => "calibrated",
            Self::Learned { .. } => "learned",
            Self::BaselineRefused { .. } => "baseline_refused",
            Self::Baseline { .. } => "baseline",
            Self::Uncertain { .. } => "uncertain",
            Self::OnsetDelay { .. } => "onset_delay",
        }
    }

    /// The source time of the event, milliseconds.
    pub const fn t_ms(&self) -> f64 {
        match self {
            Self::State { t_ms, .. }
            | Self::Alert { t_ms, .. }
            | Self::Snoozed { t_ms, .. }
            | Self::Calibrated { t_ms, .. }
            | Self::Learned { t_ms, .. }
            | Self::BaselineRefused { t_ms, .. }
            | Self::Baseline { t_ms, .. }
            | Self::Uncertain { t_ms, .. }
            | Self::OnsetDelay { t_ms, .. } => *t_ms,
        }
    }
}
