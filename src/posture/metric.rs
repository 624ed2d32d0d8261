//! The one registry of the posture measures: [`Metric`] owns each measure's stored key, its
//! names for people, unit, valid view, reference (absolute or relative to the person's own
//! baseline), the direction in which it gets worse, its published minimal detectable change
//! and how it is read from a frame's [`Metrics`].
//!
//! Baselines, per-second aggregates, the database columns, the export, the report, the
//! window's panels and the history all go through this type. Adding a measure means adding a
//! variant, a field of [`Metrics`] and one arm in each `match` below (the compiler finds them,
//! and everything else reads from here); [`Metric::ALL`] gives the column order, which may only
//! grow at its end because the database and the CSV export follow it. What each measure means
//! is written up in `docs/MEASUREMENT.md`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Metrics, View};
use crate::pose::LandmarkIndex;

/// One posture measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Craniovertebral angle, side view (`cva_deg`).
    Cva,
    /// Head flexion relative to the trunk, side view (`neck_flexion_deg`).
    NeckFlexion,
    /// Trunk line against the vertical, side view (`trunk_inclination_deg`).
    TrunkInclination,
    /// Shoulder-hip-knee angle, side view (`hip_angle_deg`).
    HipAngle,
    /// Shoulder line against the horizontal, front view (`shoulder_tilt_deg`).
    ShoulderTilt,
    /// Hip line against the horizontal, front view with the hips visible
    /// (`pelvic_obliquity_deg`).
    PelvicObliquity,
    /// Ear line against the horizontal, front view (`head_tilt_deg`).
    HeadTilt,
    /// Front-view forward-head index against the person's baseline (`forward_head_index`).
    ForwardHeadIndex,
}

/// The unit of a metric's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Degrees of angle.
    Degrees,
    /// Percent change from the person's baseline.
    Percent,
}

impl Unit {
    /// The symbol after a number in tables: `°` or `%`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Degrees => "°",
            Self::Percent => "%",
        }
    }

    /// The unit in words, for documentation and column descriptions.
    pub fn name(self) -> &'static str {
        match self {
            Self::Degrees => "degrees",
            Self::Percent => "percent",
        }
    }

    /// The unit as written right after a number in running text: `°` or ` %`.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Degrees => "°",
            Self::Percent => " %",
        }
    }

    /// `value` with `decimals` and the unit's [`suffix`](Self::suffix) (`47.3°`, `12.0 %`).
    pub fn format(self, value: f64, decimals: usize) -> String {
        format!("{value:.decimals$}{}", self.suffix())
    }
}

/// The camera views in which a metric is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValidIn {
    /// A side (sagittal) view, either side.
    Side,
    /// The front view.
    Front,
}

impl ValidIn {
    /// Whether a metric valid in `self` can be measured in `view`.
    pub fn covers(self, view: View) -> bool {
        match self {
            Self::Side => matches!(view, View::SideLeft | View::SideRight),
            Self::Front => view == View::Front,
        }
    }

    /// `side view` or `front view`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Side => "side view",
            Self::Front => "front view",
        }
    }

    /// `side` or `front`, for table cells.
    pub fn short(self) -> &'static str {
        match self {
            Self::Side => "side",
            Self::Front => "front",
        }
    }
}

/// What a metric's value is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// An absolute angle.
    Absolute,
    /// An absolute angle that stands in for a clinical measure (the CVA from the ear and an
    /// estimated C7 instead of the tragus and the palpated C7).
    CameraProxy,
    /// An absolute angle that depends on the seat and the person, so only a change from their
    /// own baseline means something.
    CompareWithBaseline,
    /// Defined against the person's baseline: measured only once there is one, and never
    /// part of a baseline itself.
    RelativeToBaseline,
}

impl Reference {
    /// Words for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Absolute => "absolute",
            Self::CameraProxy => "absolute (camera proxy)",
            Self::CompareWithBaseline => "relative: compare with own baseline",
            Self::RelativeToBaseline => "relative to own baseline",
        }
    }
}

/// Which way a metric gets worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smaller values are worse (the CVA: a smaller angle is a head further forward).
    HigherIsBetter,
    /// Larger values are worse (flexion, forward lean, the forward-head index).
    HigherIsWorse,
    /// Zero is level; larger magnitudes either way are worse (tilts).
    TowardZeroIsBetter,
    /// No direction is better by itself (the hip angle depends on the seat).
    Neither,
}

/// What a change of a metric means, given its [`Direction`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trend {
    /// The posture measure improved.
    Better,
    /// The posture measure got worse.
    Worse,
    /// It changed, but neither way is better for this metric.
    Changed,
    /// No change.
    Same,
}

impl Trend {
    /// One word for tables: `better`, `worse`, `changed`, `same`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Better => "better",
            Self::Worse => "worse",
            Self::Changed => "changed",
            Self::Same => "same",
        }
    }
}

impl Direction {
    /// What going from `before` to `after` means.
    ///
    /// ```
    /// use plumbline::posture::{Direction, Trend};
    /// assert_eq!(Direction::HigherIsBetter.trend(50.0, 44.0), Trend::Worse);
    /// assert_eq!(Direction::TowardZeroIsBetter.trend(-4.0, 2.0), Trend::Better);
    /// assert_eq!(Direction::Neither.trend(95.0, 100.0), Trend::Changed);
    /// ```
    pub fn trend(self, before: f64, after: f64) -> Trend {
        let (before, after) = match self {
            Self::HigherIsBetter => (-before, -after),
            Self::HigherIsWorse | Self::Neither => (before, after),
            Self::TowardZeroIsBetter => (before.abs(), after.abs()),
        };
        match after.partial_cmp(&before) {
            Some(std::cmp::Ordering::Equal) | None => Trend::Same,
            Some(_) if self == Self::Neither => Trend::Changed,
            Some(std::cmp::Ordering::Greater) => Trend::Worse,
            Some(std::cmp::Ordering::Less) => Trend::Better,
        }
    }
}

/// A minimal detectable change found in the literature, with its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PublishedMdc {
    /// The change, in the metric's unit, beyond measurement error.
    pub value: f64,
    /// Where it comes from, in words.
    pub source: &'static str,
}

/// Why a metric has no value in a frame: the `missing` map of `plumbline measure --json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Nobody was found in the frame.
    NoPerson,
    /// The metric is not valid in the frame's view (a side measure in a front view, or any
    /// measure in an oblique or unknown view).
    WrongView,
    /// A landmark it needs is outside the picture or at its edge
    /// (`geometry::FRAME_MARGIN`), or the model says it is not in the picture.
    NotInFrame,
    /// A landmark it needs is in the picture but occluded (visibility below
    /// `geometry::MIN_VISIBILITY`).
    LowVisibility,
    /// It is measured against the person's baseline and there is none for this view.
    NoBaseline,
    /// Its landmarks were seen but the geometry could not be used (coincident points).
    NotMeasurable,
    /// A joint it measures lies in the picture, but outside the person mask: hidden behind
    /// something (hips behind a desk or table), its place only guessed by the model
    /// (`posture::metrics::seen`).
    Hidden,
}

impl Missing {
    /// The name in JSON: `no_person`, `wrong_view`, `not_in_frame`, `low_visibility`,
    /// `no_baseline`, `not_measurable`, `hidden`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NoPerson => "no_person",
            Self::WrongView => "wrong_view",
            Self::NotInFrame => "not_in_frame",
            Self::LowVisibility => "low_visibility",
            Self::NoBaseline => "no_baseline",
            Self::NotMeasurable => "not_measurable",
            Self::Hidden => "hidden",
        }
    }
}

/// Minimal detectable change of photogrammetric CVA, degrees (Gallego-Izquierdo 2020:
/// intra-rater 4.96°, inter-rater 5.52°).
pub const CVA_MDC_DEG: f64 = 5.0;

impl Metric {
    /// Every metric, in the stored column order (the database and the CSV export follow it;
    /// new metrics are only ever appended).
    pub const ALL: [Self; 8] = [
        Self::Cva,
        Self::NeckFlexion,
        Self::TrunkInclination,
        Self::HipAngle,
        Self::ShoulderTilt,
        Self::PelvicObliquity,
        Self::HeadTilt,
        Self::ForwardHeadIndex,
    ];

    /// Number of metrics.
    pub const COUNT: usize = Self::ALL.len();

    /// The position in [`Self::ALL`] (the index of per-metric arrays).
    pub const fn index(self) -> usize {
        match self {
            Self::Cva => 0,
            Self::NeckFlexion => 1,
            Self::TrunkInclination => 2,
            Self::HipAngle => 3,
            Self::ShoulderTilt => 4,
            Self::PelvicObliquity => 5,
            Self::HeadTilt => 6,
            Self::ForwardHeadIndex => 7,
        }
    }

    /// The stored name: the JSON field of [`Metrics`], the prefix of the database and CSV
    /// columns and the key of stored baselines. Never changes once released.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Cva => "cva_deg",
            Self::NeckFlexion => "neck_flexion_deg",
            Self::TrunkInclination => "trunk_inclination_deg",
            Self::HipAngle => "hip_angle_deg",
            Self::ShoulderTilt => "shoulder_tilt_deg",
            Self::PelvicObliquity => "pelvic_obliquity_deg",
            Self::HeadTilt => "head_tilt_deg",
            Self::ForwardHeadIndex => "forward_head_index",
        }
    }

    /// The metric stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|metric| metric.key() == key)
    }

    /// The short name people see in the window.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cva => "Craniovertebral angle (CVA)",
            Self::NeckFlexion => "Neck flexion",
            Self::TrunkInclination => "Trunk inclination",
            Self::HipAngle => "Hip angle (shoulder-hip-knee)",
            Self::ShoulderTilt => "Shoulder tilt",
            Self::PelvicObliquity => "Pelvic obliquity",
            Self::HeadTilt => "Head tilt",
            Self::ForwardHeadIndex => "Forward-head index (vs baseline)",
        }
    }

    /// The shortest name, lower case, for running text and terse lines (`CVA`, `neck
    /// flexion`).
    pub fn short_label(self) -> &'static str {
        match self {
            Self::Cva => "CVA",
            Self::NeckFlexion => "neck flexion",
            Self::TrunkInclination => "trunk inclination",
            Self::HipAngle => "hip angle",
            Self::ShoulderTilt => "shoulder tilt",
            Self::PelvicObliquity => "pelvic obliquity",
            Self::HeadTilt => "head tilt",
            Self::ForwardHeadIndex => "forward-head index",
        }
    }

    /// The longer name of reports, saying what is measured.
    pub fn description(self) -> &'static str {
        match self {
            Self::Cva => "Craniovertebral angle (CVA; ear to estimated C7)",
            Self::NeckFlexion => "Neck flexion relative to the trunk",
            Self::TrunkInclination => "Trunk inclination from vertical (+ forward)",
            Self::HipAngle => "Hip angle, shoulder-hip-knee (pelvis proxy)",
            Self::ShoulderTilt => "Shoulder line tilt",
            Self::PelvicObliquity => "Pelvic obliquity (hip line tilt)",
            Self::HeadTilt => "Head lateral tilt",
            Self::ForwardHeadIndex => "Forward-head index",
        }
    }

    /// The unit of its values.
    pub fn unit(self) -> Unit {
        match self {
            Self::Cva
            | Self::NeckFlexion
            | Self::TrunkInclination
            | Self::HipAngle
            | Self::ShoulderTilt
            | Self::PelvicObliquity
            | Self::HeadTilt => Unit::Degrees,
            Self::ForwardHeadIndex => Unit::Percent,
        }
    }

    /// The views in which it is valid.
    pub fn valid_in(self) -> ValidIn {
        match self {
            Self::Cva | Self::NeckFlexion | Self::TrunkInclination | Self::HipAngle => {
                ValidIn::Side
            }
            Self::ShoulderTilt
            | Self::PelvicObliquity
            | Self::HeadTilt
            | Self::ForwardHeadIndex => ValidIn::Front,
        }
    }

    /// What else the view must show besides its usual landmarks, if anything.
    pub fn requires(self) -> Option<&'static str> {
        match self {
            Self::PelvicObliquity => Some("hips visible"),
            Self::Cva
            | Self::NeckFlexion
            | Self::TrunkInclination
            | Self::HipAngle
            | Self::ShoulderTilt
            | Self::HeadTilt
            | Self::ForwardHeadIndex => None,
        }
    }

    /// The landmarks it is measured from in `view` (a side view uses the side facing the
    /// camera); none in a view where it is not valid.
    pub fn landmarks(self, view: View) -> &'static [LandmarkIndex] {
        use LandmarkIndex as L;
        let side: &'static [LandmarkIndex] = match (self, view) {
            (Self::HipAngle, View::SideLeft) => {
                &[L::LeftEar, L::LeftShoulder, L::LeftHip, L::LeftKnee]
            }
            (Self::HipAngle, View::SideRight) => {
                &[L::RightEar, L::RightShoulder, L::RightHip, L::RightKnee]
            }
            (_, View::SideLeft) => &[L::LeftEar, L::LeftShoulder, L::LeftHip],
            (_, View::SideRight) => &[L::RightEar, L::RightShoulder, L::RightHip],
            _ => &[],
        };
        if !self.valid_in().covers(view) {
            return &[];
        }
        match self {
            Self::Cva | Self::NeckFlexion | Self::TrunkInclination | Self::HipAngle => side,
            Self::ShoulderTilt => &[L::LeftShoulder, L::RightShoulder],
            Self::PelvicObliquity => &[L::LeftHip, L::RightHip],
            Self::HeadTilt => &[L::LeftEar, L::RightEar],
            Self::ForwardHeadIndex => &[
                L::Nose,
                L::LeftEar,
                L::RightEar,
                L::LeftShoulder,
                L::RightShoulder,
            ],
        }
    }

    /// The landmarks whose place the value describes, among [`landmarks`](Self::landmarks):
    /// a hidden one removes the metric (`posture::metrics::seen`). The CVA and the neck
    /// flexion use the hip only to orient the trunk, so a hip hidden behind a desk leaves
    /// them (with the model's guess of the hip) and removes the trunk and hip measures.
    pub fn measured_at(self, view: View) -> impl Iterator<Item = LandmarkIndex> {
        use LandmarkIndex as L;
        let orients_only = matches!(self, Self::Cva | Self::NeckFlexion);
        self.landmarks(view)
            .iter()
            .copied()
            .filter(move |l| !(orients_only && matches!(l, L::LeftHip | L::RightHip)))
    }

    /// The view as a table cell: `side`, `front`, `front, hips visible`.
    pub fn view_text(self) -> String {
        match self.requires() {
            Some(also) => format!("{}, {also}", self.valid_in().short()),
            None => self.valid_in().short().to_owned(),
        }
    }

    /// What its value is measured against.
    pub fn reference(self) -> Reference {
        match self {
            Self::Cva => Reference::CameraProxy,
            Self::NeckFlexion
            | Self::TrunkInclination
            | Self::ShoulderTilt
            | Self::PelvicObliquity
            | Self::HeadTilt => Reference::Absolute,
            Self::HipAngle => Reference::CompareWithBaseline,
            Self::ForwardHeadIndex => Reference::RelativeToBaseline,
        }
    }

    /// Which way it gets worse.
    pub fn direction(self) -> Direction {
        match self {
            Self::Cva => Direction::HigherIsBetter,
            Self::NeckFlexion | Self::TrunkInclination | Self::ForwardHeadIndex => {
                Direction::HigherIsWorse
            }
            Self::ShoulderTilt | Self::PelvicObliquity | Self::HeadTilt => {
                Direction::TowardZeroIsBetter
            }
            Self::HipAngle => Direction::Neither,
        }
    }

    /// The minimal detectable change published for the clinical measure it estimates.
    pub fn published_mdc(self) -> Option<PublishedMdc> {
        match self {
            Self::Cva => Some(PublishedMdc {
                value: CVA_MDC_DEG,
                source: "published MDC of photogrammetric CVA (Gallego-Izquierdo 2020: 4.96° \
                         intra-rater, 5.52° inter-rater)",
            }),
            Self::NeckFlexion
            | Self::TrunkInclination
            | Self::HipAngle
            | Self::ShoulderTilt
            | Self::PelvicObliquity
            | Self::HeadTilt
            | Self::ForwardHeadIndex => None,
        }
    }

    /// Its value in one frame's metrics.
    pub fn read(self, metrics: &Metrics) -> Option<f64> {
        match self {
            Self::Cva => metrics.cva_deg,
            Self::NeckFlexion => metrics.neck_flexion_deg,
            Self::TrunkInclination => metrics.trunk_inclination_deg,
            Self::HipAngle => metrics.hip_angle_deg,
            Self::ShoulderTilt => metrics.shoulder_tilt_deg,
            Self::PelvicObliquity => metrics.pelvic_obliquity_deg,
            Self::HeadTilt => metrics.head_tilt_deg,
            Self::ForwardHeadIndex => metrics.forward_head_index,
        }
    }

    /// The field of `metrics` that holds it.
    pub fn slot(self, metrics: &mut Metrics) -> &mut Option<f64> {
        match self {
            Self::Cva => &mut metrics.cva_deg,
            Self::NeckFlexion => &mut metrics.neck_flexion_deg,
            Self::TrunkInclination => &mut metrics.trunk_inclination_deg,
            Self::HipAngle => &mut metrics.hip_angle_deg,
            Self::ShoulderTilt => &mut metrics.shoulder_tilt_deg,
            Self::PelvicObliquity => &mut metrics.pelvic_obliquity_deg,
            Self::HeadTilt => &mut metrics.head_tilt_deg,
            Self::ForwardHeadIndex => &mut metrics.forward_head_index,
        }
    }

    /// `value` with one decimal and the unit, as the window shows it (`47.3°`, `12.0 %`).
    pub fn format(self, value: f64) -> String {
        self.unit().format(value, 1)
    }

    /// `value` as a change: signed, one decimal, the unit (`+6.6°`, `-2.0 %`). A relative
    /// metric's value is itself a change from the baseline.
    pub fn format_change(self, value: f64) -> String {
        format!("{value:+.1}{}", self.unit().suffix())
    }
}

impl Metrics {
    /// The value of `metric`.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        metric.read(self)
    }

    /// Every metric with its value, in [`Metric::ALL`] order.
    pub fn values(&self) -> [(Metric, Option<f64>); Metric::COUNT] {
        Metric::ALL.map(|metric| (metric, metric.read(self)))
    }
}

impl fmt::Display for Metric {
    /// The stored key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for Metric {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        Self::from_key(&key).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown metric {key:?} (known: {})",
                Metric::ALL.map(Metric::key).join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_index_order_and_keys_round_trip() {
        for (index, metric) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(metric.index(), index, "{metric:?}");
            assert_eq!(Metric::from_key(metric.key()), Some(metric));
            let json = serde_json::to_value(metric).expect("serialises");
            assert_eq!(json, metric.key());
            assert_eq!(serde_json::from_value::<Metric>(json).ok(), Some(metric));
        }
        assert_eq!(Metric::from_key("nope"), None);
        assert!(serde_json::from_str::<Metric>("\"nope\"").is_err());
    }

    #[test]
    fn keys_are_the_json_fields_of_metrics() {
        let mut metrics = Metrics::default();
        for metric in Metric::ALL {
            *metric.slot(&mut metrics) = Some(metric.index() as f64 + 0.5);
        }
        let json = serde_json::to_value(metrics).expect("serialises");
        let fields = json.as_object().expect("an object");
        assert_eq!(fields.len(), Metric::COUNT, "every field is a metric");
        for metric in Metric::ALL {
            assert_eq!(fields[metric.key()], metric.index() as f64 + 0.5);
            assert_eq!(metrics.get(metric), Some(metric.index() as f64 + 0.5));
        }
    }

    #[test]
    fn units_views_and_references_are_consistent() {
        for metric in Metric::ALL {
            // Only relative measures are in percent; a relative measure is never absolute.
            assert_eq!(
                metric.unit() == Unit::Percent,
                metric.reference() == Reference::RelativeToBaseline,
                "{metric:?}"
            );
            assert!(metric.view_text().starts_with(metric.valid_in().short()));
            assert!(metric.short_label().chars().count() <= 18, "{metric:?}");
        }
        assert_eq!(Metric::ForwardHeadIndex.format(12.0), "12.0 %");
        assert_eq!(Metric::Cva.format(47.26), "47.3°");
        assert_eq!(Metric::PelvicObliquity.view_text(), "front, hips visible");
        assert!(ValidIn::Side.covers(View::SideRight) && !ValidIn::Side.covers(View::Front));
        assert!(ValidIn::Front.covers(View::Front) && !ValidIn::Front.covers(View::Oblique));
    }

    #[test]
    fn trends_follow_the_direction() {
        assert_eq!(Metric::Cva.direction().trend(44.0, 50.0), Trend::Better);
        assert_eq!(
            Metric::ForwardHeadIndex.direction().trend(2.0, 9.0),
            Trend::Worse
        );
        assert_eq!(Metric::HeadTilt.direction().trend(3.0, -5.0), Trend::Worse);
        assert_eq!(Metric::HipAngle.direction().trend(1.0, 1.0), Trend::Same);
        assert_eq!(Trend::Changed.word(), "changed");
    }
}
