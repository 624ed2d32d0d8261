//! Personal baselines: the one place that turns frames into a [`Baseline`] (mean, SD and n per
//! metric), used by the window's calibration (through [`PostureJudge`](super::PostureJudge)),
//! `plumbline baseline` and anything else that records a person's own reference posture.
//!
//! [`BaselineBuilder`] takes frames one at a time and keeps running statistics per view; at the
//! end it keeps the view seen most (side-left, side-right or front: a stray frame from another
//! view never mixes in) and checks the result against [`BaselineRules`], refusing with a
//! [`BaselineRefused`] reason. New quality rules (spread, one person, ...) go into
//! [`BaselineBuilder::finish`] and the two types beside it, nowhere else.
//!
//! A baseline holds the absolute [`Metric`]s only: a measure defined relative to a baseline
//! (the front-view forward-head index) is never part of one. A front-view baseline also keeps
//! the raw forward-head signals ([`FrontSignal`]), against which the index is measured.
//! [`RunningStats`] is the one mean/SD routine of the project.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::geometry::front::FrontFeatures;
use crate::geometry::uncertainty::sd_beyond_clean_deg;

use super::config::PostureConfig;
use super::metric::{Metric, Reference, Unit};
use super::{BaselineStatus, Metrics, PostureSample, View};

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

impl MetricStats {
    /// The mean with its spread, one decimal, no unit: `50.0 ± 1.5`; one value has no
    /// spread, so only its mean, `51.3` (a `± 0.0` would claim a certainty it lacks). The
    /// one format of a mean and SD in tables and the window.
    ///
    /// # Examples
    /// ```
    /// use plumbline::posture::baseline::MetricStats;
    /// let many = MetricStats { mean: 50.0, sd: 1.5, n: 40 };
    /// assert_eq!(many.mean_sd_text(), "50.0 ± 1.5");
    /// let one = MetricStats { mean: 51.3, sd: 0.0, n: 1 };
    /// assert_eq!(one.mean_sd_text(), "51.3");
    /// ```
    pub fn mean_sd_text(&self) -> String {
        if self.n <= 1 {
            format!("{:.1}", self.mean)
        } else {
            format!("{:.1} ± {:.1}", self.mean, self.sd)
        }
    }
}

/// Running mean and spread (Welford's method): the project's one mean/SD routine.
///
/// ```
/// use plumbline::posture::RunningStats;
/// let s = [1.0, 2.0, 3.0, f64::NAN].into_iter().collect::<RunningStats>().stats().unwrap();
/// assert_eq!((s.mean, s.sd, s.n), (2.0, 1.0, 3));
/// assert!(RunningStats::default().stats().is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunningStats {
    n: u32,
    mean: f64,
    m2: f64,
}

impl RunningStats {
    /// Adds a value; non-finite values are ignored.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.n += 1;
        let delta = value - self.mean;
        self.mean += delta / f64::from(self.n);
        self.m2 += delta * (value - self.mean);
    }

    /// Number of values added.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// Adds every value `other` has seen (Chan et al.'s parallel form of Welford's update),
    /// as if they had been added one by one.
    pub fn merge(&mut self, other: &Self) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (f64::from(self.n), f64::from(other.n));
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.n += other.n;
    }

    /// The statistics so far (`None` before the first value); sd is the n-1 form, 0 when n < 2.
    pub fn stats(&self) -> Option<MetricStats> {
        (self.n > 0).then(|| MetricStats {
            mean: self.mean,
            sd: if self.n < 2 {
                0.0
            } else {
                (self.m2 / f64::from(self.n - 1)).sqrt()
            },
            n: self.n,
        })
    }
}

impl FromIterator<f64> for RunningStats {
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Self {
        let mut stats = Self::default();
        for value in values {
            stats.add(value);
        }
        stats
    }
}

/// A raw front-view signal a front baseline keeps for the forward-head index
/// (`geometry::front`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FrontSignal {
    /// Ear width over shoulder width.
    HeadScale,
    /// Ear height above the shoulder line over shoulder width.
    HeadDrop,
    /// Nose above the ear line over ear width.
    HeadPitch,
    /// Sine of the sagittal lean of the neck line (needs world landmarks).
    SagittalSin,
}

impl FrontSignal {
    /// Every signal.
    pub const ALL: [Self; 4] = [
        Self::HeadScale,
        Self::HeadDrop,
        Self::HeadPitch,
        Self::SagittalSin,
    ];

    /// The stored name (a key beside the metric keys in a stored baseline).
    pub const fn key(self) -> &'static str {
        match self {
            Self::HeadScale => "front_head_scale",
            Self::HeadDrop => "front_head_drop",
            Self::HeadPitch => "front_head_pitch",
            Self::SagittalSin => "front_sagittal_sin",
        }
    }

    /// The signal's value in one frame's features.
    pub fn read(self, features: &FrontFeatures) -> Option<f64> {
        match self {
            Self::HeadScale => Some(features.head_scale),
            Self::HeadDrop => Some(features.head_drop),
            Self::HeadPitch => Some(features.head_pitch),
            Self::SagittalSin => features.sagittal_sin,
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::HeadScale => 0,
            Self::HeadDrop => 1,
            Self::HeadPitch => 2,
            Self::SagittalSin => 3,
        }
    }
}

/// Where the person sits in the picture and how large: what a baseline remembers of the
/// camera setup, so that a moved camera or seat is noticed (`PostureJudge`'s stale check).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetupFeatures {
    /// Shoulder midpoint, fraction of the frame width from the left edge.
    pub shoulder_x: f64,
    /// Shoulder midpoint, fraction of the frame height from the top edge.
    pub shoulder_y: f64,
    /// The person's size in the picture, fraction of the frame height: the shoulder width in
    /// a front view, the shoulder-to-hip length in a side view (`None` when not visible).
    pub scale: Option<f64>,
}

/// A setup signal a baseline keeps (see [`SetupFeatures`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetupSignal {
    /// Shoulder midpoint, horizontal.
    ShoulderX,
    /// Shoulder midpoint, vertical.
    ShoulderY,
    /// The person's size in the picture.
    Scale,
}

impl SetupSignal {
    /// Every signal.
    pub const ALL: [Self; 3] = [Self::ShoulderX, Self::ShoulderY, Self::Scale];

    /// The stored name (a key beside the metric keys in a stored baseline).
    pub const fn key(self) -> &'static str {
        match self {
            Self::ShoulderX => "setup_shoulder_x",
            Self::ShoulderY => "setup_shoulder_y",
            Self::Scale => "setup_scale",
        }
    }

    /// The signal's value in one frame's features.
    pub fn read(self, features: &SetupFeatures) -> Option<f64> {
        match self {
            Self::ShoulderX => Some(features.shoulder_x),
            Self::ShoulderY => Some(features.shoulder_y),
            Self::Scale => features.scale,
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::ShoulderX => 0,
            Self::ShoulderY => 1,
            Self::Scale => 2,
        }
    }
}

/// A key of a stored baseline that is neither a metric nor a front or setup signal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown baseline entry {0:?}: not a metric, front-view or setup signal this version knows"
)]
pub struct UnknownBaselineKey(pub String);

/// A personal baseline: statistics per metric and, for a front view, per raw front signal,
/// with the view it was recorded in and where the person sat in the picture (setup signals).
///
/// Stored and serialised as one map from stored names (`cva_deg`, `front_head_scale`, ...) to
/// statistics, so calibration events and the `baselines` table keep their format.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "BaselineRecord", try_from = "BaselineRecord")]
pub struct Baseline {
    /// The view during calibration.
    pub view: View,
    /// Statistics per metric, only for metrics with at least one valid sample.
    pub metrics: BTreeMap<Metric, MetricStats>,
    /// Statistics of the raw front-view signals (front-view baselines only).
    pub front: BTreeMap<FrontSignal, MetricStats>,
    /// Where the person sat in the picture (empty when the frames' size was not known).
    pub setup: BTreeMap<SetupSignal, MetricStats>,
    /// From photos: the largest ± figure (one SD, degrees) of the photos' CVAs
    /// (`geometry::uncertainty`), how sure one photo's CVA is where there is no spread to
    /// show it; `None` for a baseline from video (stored as `photo_cva_sd_deg` only when
    /// present, so older files and events read as before).
    pub photo_cva_sd_deg: Option<f64>,
}

impl Baseline {
    /// The statistics of `metric`, when the baseline has it.
    pub fn get(&self, metric: Metric) -> Option<&MetricStats> {
        self.metrics.get(&metric)
    }

    /// A left-side baseline holding only a CVA of `mean` ± `sd` over `n` frames: what a
    /// baseline file made by hand, an example or a test needs.
    ///
    /// # Examples
    /// ```
    /// use plumbline::posture::Baseline;
    /// let baseline = Baseline::of_side_cva(48.0, 1.5, 40);
    /// assert!(baseline.describe().ends_with("view, CVA 48.0 ± 1.5° (n = 40)"));
    /// ```
    pub fn of_side_cva(mean: f64, sd: f64, n: u32) -> Self {
        Self {
            view: View::SideLeft,
            metrics: [(Metric::Cva, MetricStats { mean, sd, n })].into(),
            ..Self::default()
        }
    }

    /// The CVA's statistics when this is a side-view baseline with a CVA.
    pub fn side_cva(&self) -> Option<&MetricStats> {
        self.get(Metric::Cva).filter(|_| self.view.is_side())
    }

    /// The side-view baseline as the judge compares a CVA with it: its CVA mean and, from
    /// photos, the part of the photos' ± beyond a clean estimate's
    /// ([`sd_beyond_clean_deg`] of the largest, over √n: independent photos average it);
    /// from video 0, since its mean rests on many frames judged like the ones it is
    /// compared with.
    ///
    /// # Examples
    /// ```
    /// use plumbline::posture::Baseline;
    /// let video = Baseline::of_side_cva(48.0, 1.5, 40);
    /// assert_eq!(video.side_reference().unwrap().sd_beyond_clean_deg, 0.0);
    /// let photo = Baseline { photo_cva_sd_deg: Some(4.5 * 2f64.sqrt()), ..Baseline::of_side_cva(48.0, 0.0, 1) };
    /// assert!((photo.side_reference().unwrap().sd_beyond_clean_deg - 4.5).abs() < 1e-9);
    /// ```
    pub fn side_reference(&self) -> Option<SideReference> {
        let cva = self.side_cva()?;
        Some(SideReference {
            cva_deg: cva.mean,
            sd_beyond_clean_deg: self.photo_cva_sd_deg.map_or(0.0, |sd| {
                sd_beyond_clean_deg(sd) / f64::from(cva.n.max(1)).sqrt()
            }),
        })
    }

    /// The baseline in a few words: its view and, in a side view, its CVA with spread and n
    /// (one frame has no spread, so none is shown: "± 0.0°" would claim a certainty it lacks).
    ///
    /// # Examples
    /// ```
    /// use plumbline::posture::Baseline;
    /// let one = Baseline::of_side_cva(51.3, 0.0, 1);
    /// assert!(one.describe().ends_with("view, CVA 51.3° (n = 1: one frame, no spread)"));
    /// ```
    pub fn describe(&self) -> String {
        match self.side_cva() {
            Some(cva) if cva.n <= 1 => format!(
                "{} view, CVA {:.1}° (n = {}: one frame, no spread)",
                self.view, cva.mean, cva.n
            ),
            Some(cva) => format!(
                "{} view, CVA {:.1} ± {:.1}° (n = {})",
                self.view, cva.mean, cva.sd, cva.n
            ),
            None => format!(
                "{} view, {} measures (n = {})",
                self.view,
                self.metrics.len(),
                self.frames()
            ),
        }
    }

    /// Frames (or photos) the baseline rests on: the count of its best-measured metric.
    pub fn frames(&self) -> u32 {
        self.metrics.values().map(|s| s.n).max().unwrap_or(0)
    }

    /// Every entry under its stored name, sorted by name (metrics, front and setup signals).
    pub fn entries(&self) -> Vec<(&'static str, MetricStats)> {
        let mut entries: Vec<(&'static str, MetricStats)> = self
            .metrics
            .iter()
            .map(|(metric, stats)| (metric.key(), *stats))
            .chain(
                self.front
                    .iter()
                    .map(|(signal, stats)| (signal.key(), *stats)),
            )
            .chain(
                self.setup
                    .iter()
                    .map(|(signal, stats)| (signal.key(), *stats)),
            )
            .collect();
        entries.sort_by_key(|(key, _)| *key);
        entries
    }

    /// Adds the entry stored under `key`.
    pub fn insert_key(&mut self, key: &str, stats: MetricStats) -> Result<(), UnknownBaselineKey> {
        if let Some(metric) = Metric::from_key(key) {
            self.metrics.insert(metric, stats);
        } else if let Some(signal) = FrontSignal::ALL.into_iter().find(|s| s.key() == key) {
            self.front.insert(signal, stats);
        } else if let Some(signal) = SetupSignal::ALL.into_iter().find(|s| s.key() == key) {
            self.setup.insert(signal, stats);
        } else {
            return Err(UnknownBaselineKey(key.to_owned()));
        }
        Ok(())
    }

    /// Whether it holds no measure (setup signals alone are not a baseline).
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty() && self.front.is_empty()
    }

    /// The mean setup signals, when the baseline has them.
    pub fn setup_features(&self) -> Option<SetupFeatures> {
        let mean = |signal: SetupSignal| self.setup.get(&signal).map(|s| s.mean);
        Some(SetupFeatures {
            shoulder_x: mean(SetupSignal::ShoulderX)?,
            shoulder_y: mean(SetupSignal::ShoulderY)?,
            scale: mean(SetupSignal::Scale),
        })
    }

    /// The front-view signals the forward-head index is measured against, when it has them.
    pub fn front_features(&self) -> Option<FrontFeatures> {
        let mean = |signal: FrontSignal| self.front.get(&signal).map(|s| s.mean);
        Some(FrontFeatures {
            head_scale: mean(FrontSignal::HeadScale)?,
            head_drop: mean(FrontSignal::HeadDrop)?,
            head_pitch: mean(FrontSignal::HeadPitch)?,
            sagittal_sin: mean(FrontSignal::SagittalSin),
        })
    }
}

/// A side-view baseline as the judge compares a CVA with it ([`Baseline::side_reference`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SideReference {
    /// The baseline's CVA mean, degrees.
    pub cva_deg: f64,
    /// How unsure that mean is beyond a clean estimate's error, which cancels in a change
    /// from it (one SD, degrees; `geometry::uncertainty::sd_beyond_clean_deg`).
    pub sd_beyond_clean_deg: f64,
}

impl SideReference {
    /// A reference of `cva_deg` as sure as a clean estimate (a baseline from video).
    pub fn clean(cva_deg: f64) -> Self {
        Self {
            cva_deg,
            sd_beyond_clean_deg: 0.0,
        }
    }
}

/// The serialised form of a [`Baseline`]: `{"view": ..., "metrics": {name: stats}}`, with
/// `photo_cva_sd_deg` when the baseline has it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct BaselineRecord {
    view: View,
    metrics: BTreeMap<String, MetricStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo_cva_sd_deg: Option<f64>,
}

impl From<Baseline> for BaselineRecord {
    fn from(baseline: Baseline) -> Self {
        Self {
            view: baseline.view,
            metrics: baseline
                .entries()
                .into_iter()
                .map(|(key, stats)| (key.to_owned(), stats))
                .collect(),
            photo_cva_sd_deg: baseline.photo_cva_sd_deg,
        }
    }
}

impl TryFrom<BaselineRecord> for Baseline {
    type Error = UnknownBaselineKey;

    fn try_from(record: BaselineRecord) -> Result<Self, Self::Error> {
        let mut baseline = Baseline {
            view: record.view,
            photo_cva_sd_deg: record.photo_cva_sd_deg,
            ..Baseline::default()
        };
        for (key, stats) in record.metrics {
            baseline.insert_key(&key, stats)?;
        }
        Ok(baseline)
    }
}

/// The version of the baseline file format ([`BaselineFile`]).
pub const BASELINE_FILE_VERSION: u32 = 1;

/// The `format` field of a baseline file.
pub const BASELINE_FILE_FORMAT: &str = "plumbline-baseline";

/// Why one photo's CVA can be less sure than a clean estimate: what raises its ±
/// (`geometry::uncertainty`), in words for `plumbline baseline` and `measure --baseline`.
pub const LESS_SURE_WHY: &str = "a soft person mask behind the neck on a dark or busy \
    background, a C7 from the landmarks, a reclined trunk or low visibility";

/// A baseline as a file (`plumbline baseline --out`, `plumbline measure --baseline`): the
/// [`Baseline`]'s own JSON with a format name, a version and whether it came from independent
/// photos (whose spread is then between photos, not within a steady posture).
///
/// ```
/// use plumbline::posture::{Baseline, Metric, MetricStats, View, baseline::BaselineFile};
/// let mut baseline = Baseline { view: View::SideLeft, ..Baseline::default() };
/// baseline.metrics.insert(Metric::Cva, MetricStats { mean: 48.0, sd: 0.0, n: 1 });
/// let file = BaselineFile::new(baseline, true);
/// let json = file.to_json().unwrap();
/// assert!(json.starts_with("{\n  \"format\": \"plumbline-baseline\",\n  \"version\": 1"));
/// assert_eq!(BaselineFile::from_json(&json).unwrap(), file);
/// // A bare baseline (as a calibration event holds it) reads as well; an empty one does not.
/// let bare = BaselineFile::from_json(
///     r#"{"view":"side-left","metrics":{"cva_deg":{"mean":48.0,"sd":1.0,"n":30}}}"#,
/// )
/// .unwrap();
/// assert!(!bare.photos);
/// assert!(BaselineFile::from_json(r#"{"view":"side-left","metrics":{}}"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineFile {
    /// Always [`BASELINE_FILE_FORMAT`] (absent in a bare baseline).
    #[serde(default = "file_format")]
    pub format: String,
    /// [`BASELINE_FILE_VERSION`] when written (absent in a bare baseline: read as 1).
    #[serde(default = "file_version")]
    pub version: u32,
    /// Whether it was made from independent photos.
    #[serde(default)]
    pub photos: bool,
    /// How the baseline was made, when the monitor kept it (`calibrated` or `learned`;
    /// absent in a file of `plumbline baseline --out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BaselineStatus>,
    /// When it was made (`YYYY-MM-DDTHH:MM:SSZ`), when the monitor kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_at: Option<String>,
    /// The baseline (with, from photos, their largest CVA ±:
    /// [`Baseline::photo_cva_sd_deg`]).
    #[serde(flatten)]
    pub baseline: Baseline,
}

fn file_format() -> String {
    BASELINE_FILE_FORMAT.to_owned()
}

fn file_version() -> u32 {
    BASELINE_FILE_VERSION
}

/// Why a baseline file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineFileError {
    /// Not JSON of a baseline.
    #[error("not a plumbline baseline (JSON with `view` and `metrics`): {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a newer plumbline, or not a baseline file at all.
    #[error(
        "a {format:?} file of version {version}; this plumbline reads {BASELINE_FILE_FORMAT:?} \
         version {BASELINE_FILE_VERSION} (a newer plumbline wrote it?)"
    )]
    Version {
        /// The file's format name.
        format: String,
        /// The file's version.
        version: u32,
    },
    /// It holds no measure.
    #[error("the baseline holds no measure")]
    Empty,
    /// A value no measurement can give (a hand-edited or damaged file).
    #[error("{key}: {what} is out of range: {range}")]
    OutOfRange {
        /// The entry's stored name (`cva_deg`, ...).
        key: String,
        /// The value, e.g. "mean 500".
        what: String,
        /// The allowed range in words.
        range: String,
    },
    /// A status other than `calibrated` or `learned`.
    #[error("status {0:?} is not one a kept baseline can have (calibrated or learned)")]
    Status(BaselineStatus),
    /// It does not meet the quality rules of the current configuration.
    #[error("it does not pass the baseline check of this configuration: {0}")]
    Refused(#[from] BaselineRefused),
}

/// Largest magnitude of an angle (mean or SD) in a baseline, degrees.
const MAX_BASELINE_ANGLE_DEG: f64 = 180.0;

impl BaselineFile {
    /// A file of the current version holding `baseline`.
    pub fn new(baseline: Baseline, photos: bool) -> Self {
        Self {
            format: file_format(),
            version: BASELINE_FILE_VERSION,
            photos,
            status: None,
            made_at: None,
            baseline,
        }
    }

    /// The file in a few words, as `plumbline measure --baseline` and `plumbline baseline
    /// --out` say it: its view, its CVA with spread and n (side view), and where it came from.
    pub fn describe(&self) -> String {
        let what = self.baseline.describe();
        if self.is_less_sure_photo() {
            format!(
                "{what}, from one photo whose CVA is ± {:.1}°: a less sure reference \
                 ({LESS_SURE_WHY}), so {}; a baseline from several photos or seconds of video \
                 is steadier",
                self.baseline.photo_cva_sd_deg.unwrap_or(f64::NAN),
                self.further_drop_text()
            )
        } else if self.photos && self.baseline.frames() <= 1 {
            format!("{what}, from one photo")
        } else if self.photos {
            format!("{what}, from photos: the ± is between photos, not a steady posture's spread")
        } else {
            what
        }
    }

    /// How much further than the margin a clean frame's head must drop below this baseline to
    /// count as forward, in words: the photos' ± beyond a clean estimate's
    /// ([`Baseline::side_reference`]).
    pub fn further_drop_text(&self) -> String {
        let further = self
            .baseline
            .side_reference()
            .map_or(0.0, |r| r.sd_beyond_clean_deg);
        format!("a head must drop {further:.1}° further below it to count as forward")
    }

    /// One photo whose CVA's ± reaches
    /// [`LESS_SURE_SD_DEG`](crate::geometry::uncertainty::LESS_SURE_SD_DEG): a less sure
    /// reference (docs/GEOMETRY.md §6).
    pub fn is_less_sure_photo(&self) -> bool {
        self.photos
            && self.baseline.frames() <= 1
            && self
                .baseline
                .photo_cva_sd_deg
                .is_some_and(|sd| sd >= crate::geometry::uncertainty::LESS_SURE_SD_DEG)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a file (or a bare baseline) and checks its format and version.
    pub fn from_json(text: &str) -> Result<Self, BaselineFileError> {
        let file: Self = serde_json::from_str(text)?;
        if file.format != BASELINE_FILE_FORMAT || file.version != BASELINE_FILE_VERSION {
            return Err(BaselineFileError::Version {
                format: file.format,
                version: file.version,
            });
        }
        if file.baseline.is_empty() {
            return Err(BaselineFileError::Empty);
        }
        if let Some(status) = file
            .status
            .filter(|s| !matches!(s, BaselineStatus::Calibrated | BaselineStatus::Learned))
        {
            return Err(BaselineFileError::Status(status));
        }
        check_values(&file.baseline)?;
        Ok(file)
    }

    /// Whether the baseline passes the quality rules of `config` (one view, enough frames,
    /// the spread bound, not clearly forward, not reclined; one photo is enough for a file of photos), as a
    /// fresh calibration would have to.
    pub fn check(&self, config: &PostureConfig) -> Result<(), BaselineFileError> {
        let rules = BaselineRules::from_config(config);
        let rules = if self.photos {
            rules.for_photos()
        } else {
            rules
        };
        Ok(rules.check(&self.baseline)?)
    }
}

/// Every entry's statistics are ones a measurement can give: finite, SD not negative, at
/// least one value, angles within ±[`MAX_BASELINE_ANGLE_DEG`].
fn check_values(baseline: &Baseline) -> Result<(), BaselineFileError> {
    let out = |key: &str, what: String, range: &str| BaselineFileError::OutOfRange {
        key: key.to_owned(),
        what,
        range: range.to_owned(),
    };
    for (key, stats) in baseline.entries() {
        if stats.n == 0 {
            return Err(out(key, "n = 0".into(), "at least 1 value"));
        }
        if !stats.mean.is_finite() || !stats.sd.is_finite() || stats.sd < 0.0 {
            return Err(out(
                key,
                format!("mean {} ± {}", stats.mean, stats.sd),
                "a finite mean and an SD of 0 or more",
            ));
        }
        let angle = Metric::from_key(key).is_some_and(|m| m.unit() == Unit::Degrees);
        if angle && (stats.mean.abs() > MAX_BASELINE_ANGLE_DEG || stats.sd > MAX_BASELINE_ANGLE_DEG)
        {
            return Err(out(
                key,
                format!("mean {} ± {}", stats.mean, stats.sd),
                "-180 to 180° (SD up to 180°)",
            ));
        }
    }
    if let Some(sd) = baseline
        .photo_cva_sd_deg
        .filter(|sd| !(0.0..=MAX_BASELINE_ANGLE_DEG).contains(sd))
    {
        return Err(out("photo_cva_sd_deg", format!("{sd}"), "0 to 180°"));
    }
    Ok(())
}

/// Fewest frames with a measured value that make a baseline.
pub const MIN_BASELINE_FRAMES: u32 = 5;

/// Smallest share of the frames with a person that must be in the baseline's view: a person
/// who turns during a calibration does not get a baseline mixed from two views.
pub const MIN_VIEW_SHARE: f64 = 0.8;

/// Largest share of frames with more than one person in the picture; such frames never enter
/// a baseline, and beyond this share none is made (issue #10 item 8).
pub const MAX_CROWDED_SHARE: f64 = 0.2;

/// Largest backward lean of the trunk (degrees, the mean over the frames) of any baseline:
/// automatic, calibrated in the window, or recorded by `plumbline baseline`.
///
/// Chosen from the annotated side views and the side clips (docs/GEOMETRY.md §3.9): upright
/// sitters against a backrest lean back 10-15° in stills (measured as well as the others
/// held out) and up to 18° in video mode; the reclined slumps, which read 9-13° high, lean
/// back 18° and more. 17° keeps every reclined slump seen out with about 1° to spare; the
/// upright sitters leaning back further (2 of 6 backrest stills in video mode) are asked to
/// sit up for the calibration: no baseline is better than one that reads high, which would
/// call every upright minute after it forward.
pub const MAX_RECLINE_DEG: f64 = 17.0;

/// What a baseline must meet to be kept. Build it from the configuration
/// ([`BaselineRules::from_config`]) or with `..BaselineRules::default()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaselineRules {
    /// Fewest frames of the baseline's view with a measured value (the best-measured metric
    /// counts).
    pub min_frames: u32,
    /// Largest CVA standard deviation of a side-view baseline, degrees.
    pub max_cva_sd_deg: f64,
    /// Smallest mean CVA of a side-view baseline, degrees: below it the head was clearly
    /// forward, and a slumped reference would hide every slump after it.
    pub min_cva_deg: f64,
    /// Largest spread of the head scale (ear width over shoulder width) of a front-view
    /// baseline, percent of its mean.
    pub max_head_scale_sd_pct: f64,
    /// Largest mean backward lean of the trunk, degrees ([`MAX_RECLINE_DEG`]).
    pub max_recline_deg: f64,
    /// Smallest share of the frames with a person in the baseline's view.
    pub min_view_share: f64,
    /// Largest share of frames with more than one person.
    pub max_crowded_share: f64,
    /// Independent photos ([`Self::for_photos`]): the baseline keeps its photos' largest
    /// CVA ± ([`Baseline::photo_cva_sd_deg`]).
    pub photos: bool,
}

impl Default for BaselineRules {
    fn default() -> Self {
        Self::from_config(&PostureConfig::default())
    }
}

impl BaselineRules {
    /// The rules of `config`: its spread bound and its "clearly forward" band; a front
    /// baseline's head scale may spread as far as the forward-head threshold.
    pub fn from_config(config: &PostureConfig) -> Self {
        Self {
            min_frames: MIN_BASELINE_FRAMES,
            max_cva_sd_deg: config.baseline_max_cva_sd_deg,
            min_cva_deg: config.cva_forward_below_deg,
            max_head_scale_sd_pct: config.front_index_max_pct,
            max_recline_deg: MAX_RECLINE_DEG,
            min_view_share: MIN_VIEW_SHARE,
            max_crowded_share: MAX_CROWDED_SHARE,
            photos: false,
        }
    }

    /// The same rules for a follow-up hold, which records the posture as it is: a forward
    /// head or a reclined trunk is a finding there, not a reason to refuse.
    #[must_use]
    pub fn for_follow_up(self) -> Self {
        Self {
            min_cva_deg: f64::NEG_INFINITY,
            max_recline_deg: f64::INFINITY,
            ..self
        }
    }

    /// Whether a finished `baseline` meets the rules that concern its values: enough measured
    /// frames, the CVA spread bound, not clearly forward, not reclined, the head-scale spread
    /// bound (the rest, one person and one view, concern the frames it was made from).
    pub fn check(&self, baseline: &Baseline) -> Result<(), BaselineRefused> {
        let measured = baseline.frames();
        if measured < self.min_frames {
            return Err(BaselineRefused::TooFewFrames {
                view: baseline.view,
                measured,
                min: self.min_frames,
            });
        }
        if let Some(cva) = baseline.get(Metric::Cva) {
            if cva.sd > self.max_cva_sd_deg {
                return Err(BaselineRefused::Moved {
                    sd_deg: cva.sd,
                    max_deg: self.max_cva_sd_deg,
                });
            }
            if cva.mean < self.min_cva_deg {
                return Err(BaselineRefused::ClearlyForward {
                    cva_deg: cva.mean,
                    limit_deg: self.min_cva_deg,
                });
            }
        }
        if let Some(trunk) = baseline.get(Metric::TrunkInclination)
            && -trunk.mean > self.max_recline_deg
        {
            return Err(BaselineRefused::Reclined {
                back_deg: -trunk.mean,
                limit_deg: self.max_recline_deg,
            });
        }
        if let Some(scale) = baseline.front.get(&FrontSignal::HeadScale)
            && scale.mean > 0.0
        {
            let sd_pct = 100.0 * scale.sd / scale.mean;
            if sd_pct > self.max_head_scale_sd_pct {
                return Err(BaselineRefused::MovedFront {
                    sd_pct,
                    max_pct: self.max_head_scale_sd_pct,
                });
            }
        }
        Ok(())
    }

    /// The same rules for independent photos: one photo is enough, and the baseline keeps
    /// the largest CVA ± of its photos (one photo has no spread to show how sure it is).
    #[must_use]
    pub fn for_photos(self) -> Self {
        Self {
            min_frames: 1,
            photos: true,
            ..self
        }
    }
}

/// Why no baseline was made; the text says what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BaselineRefused {
    /// No frame showed the person from the side or the front.
    // The text goes into stored refusal events as free text; nothing reads it back, and
    // rows stored before keep the old spelling ("analysed").
    #[error(
        "no usable frame in {frames} analyzed: nobody was seen from the side or the front; sit \
         in the picture, side-on for the CVA or facing the camera for the front view"
    )]
    NoUsableView {
        /// Frames given to the builder.
        frames: u32,
    },
    /// Too many frames showed more than one person.
    #[error(
        "{people} people in the picture (in {crowded} of {frames} frames): a baseline needs \
         one person; calibrate alone in the picture"
    )]
    MoreThanOnePerson {
        /// The most people seen in one frame.
        people: usize,
        /// Frames with more than one person.
        crowded: u32,
        /// Frames with a person.
        frames: u32,
    },
    /// The person turned: too few frames were in the baseline's view.
    #[error(
        "you turned during calibration: only {in_view} of {frames} frames were in the {view} \
         view (at least {min_pct:.0} % needed); keep one position, side-on or facing the camera"
    )]
    ViewChanged {
        /// The view seen most.
        view: View,
        /// Frames in it.
        in_view: u32,
        /// Frames with a person in any view.
        frames: u32,
        /// The rule, percent.
        min_pct: f64,
    },
    /// Too few frames of the baseline's view had a measured value.
    #[error(
        "only {measured} frames with a measurable posture in the {view} view (at least {min} \
         needed): check that the person is in the picture, side-on for the CVA"
    )]
    TooFewFrames {
        /// The view seen most.
        view: View,
        /// Frames of it with a measured value.
        measured: u32,
        /// The rule.
        min: u32,
    },
    /// The CVA spread too much (side view).
    #[error(
        "you moved during calibration: CVA spread {sd_deg:.1}° (at most {max_deg:.1}° allowed); \
         sit still and upright and try again"
    )]
    Moved {
        /// The CVA's standard deviation, degrees.
        sd_deg: f64,
        /// The rule, degrees.
        max_deg: f64,
    },
    /// The trunk leaned back too far: a reclined slump reads high (side view).
    #[error(
        "you leaned back {back_deg:.0}° during calibration (at most {limit_deg:.0}° allowed): a \
         reclined posture reads the CVA high and would hide later slumps; sit upright and try \
         again"
    )]
    Reclined {
        /// The mean backward lean of the trunk, degrees.
        back_deg: f64,
        /// The rule, degrees.
        limit_deg: f64,
    },
    /// The head scale spread too much (front view).
    #[error(
        "you moved during calibration: the head's size in the picture spread {sd_pct:.1} % (at \
         most {max_pct:.1} % allowed); sit still and upright and try again"
    )]
    MovedFront {
        /// The head scale's standard deviation, percent of its mean.
        sd_pct: f64,
        /// The rule, percent.
        max_pct: f64,
    },
    /// The mean CVA lies in the "clearly forward" band.
    #[error(
        "the head was clearly forward during calibration: CVA {cva_deg:.1}° (below \
         {limit_deg:.0}°); sit upright, ears over the shoulders, and try again"
    )]
    ClearlyForward {
        /// The mean CVA, degrees.
        cva_deg: f64,
        /// The rule, degrees.
        limit_deg: f64,
    },
}

/// The views a baseline can be recorded in, in tie-break order (a later one wins a tie).
const BASELINE_VIEWS: [View; 3] = [View::SideLeft, View::SideRight, View::Front];

/// One frame as the [`BaselineBuilder`] takes it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BaselineFrame {
    /// The view.
    pub view: View,
    /// The metrics.
    pub metrics: Metrics,
    /// The raw front-view signals (front view only).
    pub front: Option<FrontFeatures>,
    /// Where the person sits in the picture.
    pub setup: Option<SetupFeatures>,
    /// People the detector saw in (or shortly before) this frame; `None` when not known.
    pub people: Option<usize>,
    /// The CVA's ± figure (`geometry::uncertainty`), when the frame has a CVA.
    pub cva_sd_deg: Option<f64>,
}

/// Running statistics of the frames of one view.
#[derive(Clone, Debug, Default)]
struct ViewStats {
    frames: u32,
    metrics: [RunningStats; Metric::COUNT],
    front: [RunningStats; FrontSignal::ALL.len()],
    setup: [RunningStats; SetupSignal::ALL.len()],
    /// The largest CVA ± of the frames.
    largest_cva_sd_deg: Option<f64>,
}

impl ViewStats {
    fn merge(&mut self, other: &Self) {
        self.frames += other.frames;
        self.note_cva_sd(other.largest_cva_sd_deg);
        for (a, b) in self.metrics.iter_mut().zip(&other.metrics) {
            a.merge(b);
        }
        for (a, b) in self.front.iter_mut().zip(&other.front) {
            a.merge(b);
        }
        for (a, b) in self.setup.iter_mut().zip(&other.setup) {
            a.merge(b);
        }
    }

    fn note_cva_sd(&mut self, sd: Option<f64>) {
        if let Some(sd) = sd.filter(|sd| sd.is_finite()) {
            self.largest_cva_sd_deg = Some(self.largest_cva_sd_deg.map_or(sd, |l| l.max(sd)));
        }
    }
}

/// Builds a [`Baseline`] from frames, one at a time, in constant memory.
#[derive(Clone, Debug, Default)]
pub struct BaselineBuilder {
    rules: BaselineRules,
    frames: u32,
    /// Frames with more than one person (left out).
    crowded: u32,
    /// The most people seen in one frame.
    most_people: usize,
    /// Frames with a person in an oblique view.
    oblique: u32,
    views: [ViewStats; BASELINE_VIEWS.len()],
}

impl BaselineBuilder {
    /// An empty builder that will apply `rules`.
    pub fn new(rules: BaselineRules) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    /// The rules it applies.
    pub fn rules(&self) -> &BaselineRules {
        &self.rules
    }

    /// Adds one frame: its view, metrics and (front view) raw front signals. Frames in other
    /// views than side and front only count as seen.
    pub fn push(&mut self, view: View, metrics: &Metrics, front: Option<&FrontFeatures>) {
        self.push_frame(&BaselineFrame {
            view,
            metrics: *metrics,
            front: front.copied(),
            ..BaselineFrame::default()
        });
    }

    /// Adds one frame with everything the builder can check. A frame with more than one
    /// person is counted and left out.
    pub fn push_frame(&mut self, frame: &BaselineFrame) {
        self.frames += 1;
        if let Some(people) = frame.people.filter(|people| *people > 1) {
            self.crowded += 1;
            self.most_people = self.most_people.max(people);
            return;
        }
        if frame.view == View::Oblique {
            self.oblique += 1;
        }
        let Some(slot) = BASELINE_VIEWS.iter().position(|known| *known == frame.view) else {
            return;
        };
        let stats = &mut self.views[slot];
        stats.frames += 1;
        stats.note_cva_sd(frame.cva_sd_deg.filter(|_| frame.metrics.cva_deg.is_some()));
        for (metric, value) in frame.metrics.values() {
            // A measure relative to a baseline is not part of one.
            if metric.reference() == Reference::RelativeToBaseline {
                continue;
            }
            if let Some(value) = value {
                stats.metrics[metric.index()].add(value);
            }
        }
        if let Some(features) = frame.front.filter(|_| frame.view == View::Front) {
            for signal in FrontSignal::ALL {
                if let Some(value) = signal.read(&features) {
                    stats.front[signal.index()].add(value);
                }
            }
        }
        if let Some(setup) = &frame.setup {
            for signal in SetupSignal::ALL {
                if let Some(value) = signal.read(setup) {
                    stats.setup[signal.index()].add(value);
                }
            }
        }
    }

    /// Adds an analyzed sample; samples without a person (`no_person`, `away`) are left
    /// out.
    pub fn push_sample(&mut self, sample: &PostureSample) {
        if sample.state.is_present() {
            self.push_frame(&BaselineFrame {
                view: sample.view,
                metrics: sample.metrics,
                front: sample.front_signals,
                setup: sample.setup,
                people: sample.people,
                cva_sd_deg: sample.cva_sd_deg,
            });
        }
    }

    /// Adds every frame `other` has seen (its rules are not taken).
    pub fn merge(&mut self, other: &Self) {
        self.frames += other.frames;
        self.crowded += other.crowded;
        self.most_people = self.most_people.max(other.most_people);
        self.oblique += other.oblique;
        for (a, b) in self.views.iter_mut().zip(&other.views) {
            a.merge(b);
        }
    }

    /// Frames given so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// The baseline of the view seen most, or why there is none: one person, one view,
    /// enough frames, a spread within the bound, not clearly forward and not reclined.
    pub fn finish(&self) -> Result<Baseline, BaselineRefused> {
        let rules = &self.rules;
        let in_views: u32 = self.views.iter().map(|v| v.frames).sum();
        let with_person = in_views + self.oblique;
        let crowded_share =
            f64::from(self.crowded) / f64::from((with_person + self.crowded).max(1));
        if self.crowded > 0 && (in_views == 0 || crowded_share > rules.max_crowded_share) {
            return Err(BaselineRefused::MoreThanOnePerson {
                people: self.most_people,
                crowded: self.crowded,
                frames: with_person + self.crowded,
            });
        }
        let (slot, stats) = self
            .views
            .iter()
            .enumerate()
            .filter(|(_, stats)| stats.frames > 0)
            .max_by_key(|(_, stats)| stats.frames)
            .ok_or(BaselineRefused::NoUsableView {
                frames: self.frames,
            })?;
        let view = BASELINE_VIEWS[slot];
        if f64::from(stats.frames) < rules.min_view_share * f64::from(with_person) {
            return Err(BaselineRefused::ViewChanged {
                view,
                in_view: stats.frames,
                frames: with_person,
                min_pct: rules.min_view_share * 100.0,
            });
        }
        let metrics = Metric::ALL
            .into_iter()
            .filter_map(|metric| {
                let stats = stats.metrics[metric.index()].stats()?;
                Some((metric, stats))
            })
            .collect();
        let front = FrontSignal::ALL
            .into_iter()
            .filter_map(|signal| Some((signal, stats.front[signal.index()].stats()?)))
            .collect();
        let setup = SetupSignal::ALL
            .into_iter()
            .filter_map(|signal| Some((signal, stats.setup[signal.index()].stats()?)))
            .collect();
        let baseline = Baseline {
            view,
            metrics,
            front,
            setup,
            photo_cva_sd_deg: stats
                .largest_cva_sd_deg
                .filter(|_| rules.photos && view.is_side()),
        };
        rules.check(&baseline)?;
        Ok(baseline)
    }
}

/// A calibration of fixed length: the [`BaselineBuilder`] of the frames from `start_ms` on.
#[derive(Clone, Debug)]
pub struct BaselineRecorder {
    start_ms: f64,
    duration_ms: f64,
    builder: BaselineBuilder,
}

impl BaselineRecorder {
    /// Starts a calibration at `start_ms` lasting `duration_s` that applies `rules`.
    pub fn new(start_ms: f64, duration_s: f64, rules: BaselineRules) -> Self {
        Self {
            start_ms,
            duration_ms: duration_s * 1000.0,
            builder: BaselineBuilder::new(rules),
        }
    }

    /// Whether the calibration time is over at `t_ms`.
    pub fn is_done(&self, t_ms: f64) -> bool {
        t_ms - self.start_ms >= self.duration_ms
    }

    /// The builder that collects the frames.
    pub fn builder(&mut self) -> &mut BaselineBuilder {
        &mut self.builder
    }

    /// The baseline, or why there is none.
    pub fn finish(&self) -> Result<Baseline, BaselineRefused> {
        self.builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::uncertainty::LESS_SURE_SD_DEG;
    use crate::posture::PostureState;

    #[test]
    fn one_photo_keeps_its_cvas_plus_minus_and_says_when_it_is_a_less_sure_reference() {
        let photos = |mean, sd, n, photo_sd| Baseline {
            photo_cva_sd_deg: photo_sd,
            ..Baseline::of_side_cva(mean, sd, n)
        };
        let one = |sd| BaselineFile::new(photos(50.0, 0.0, 1, sd), true);
        let unsure = one(Some(LESS_SURE_SD_DEG + 0.1));
        let read = BaselineFile::from_json(&unsure.to_json().unwrap()).unwrap();
        assert_eq!(read, unsure);
        assert!(read.is_less_sure_photo());
        assert!(
            read.describe().contains("± 6.5°: a less sure reference"),
            "{}",
            read.describe()
        );
        let sure = one(Some(LESS_SURE_SD_DEG - 0.1));
        assert!(!sure.is_less_sure_photo());
        assert!(
            sure.describe()
                .ends_with("(n = 1: one frame, no spread), from one photo")
        );
        // Older files have no figure; several photos have a spread to show instead.
        assert!(!one(None).is_less_sure_photo());
        let two = BaselineFile::new(photos(50.0, 2.0, 2, Some(9.0)), true);
        assert!(!two.is_less_sure_photo());
        // A value no measurement gives is refused with its range.
        let json = one(Some(1.0))
            .to_json()
            .unwrap()
            .replace("\"photo_cva_sd_deg\": 1.0", "\"photo_cva_sd_deg\": -3.0");
        let err = BaselineFile::from_json(&json).unwrap_err().to_string();
        assert!(
            err.contains("photo_cva_sd_deg") && err.contains("0 to 180°"),
            "{err}"
        );
    }

    #[test]
    fn a_baseline_of_photos_keeps_their_largest_cva_plus_minus_one_of_video_none() {
        let frame = |cva, sd| BaselineFrame {
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: Some(cva),
                ..Metrics::default()
            },
            cva_sd_deg: Some(sd),
            ..BaselineFrame::default()
        };
        let frames = [frame(50.0, 4.5), frame(51.0, 6.5), frame(50.5, 4.6)];
        let built = |rules: BaselineRules| {
            let mut builder = BaselineBuilder::new(rules);
            for f in &frames {
                builder.push_frame(f);
            }
            // A frame without a CVA does not count, whatever its figure.
            builder.push_frame(&BaselineFrame {
                view: View::SideLeft,
                cva_sd_deg: Some(30.0),
                ..BaselineFrame::default()
            });
            builder.finish().unwrap()
        };
        let rules = BaselineRules {
            min_frames: 3,
            ..BaselineRules::default()
        };
        assert_eq!(built(rules.for_photos()).photo_cva_sd_deg, Some(6.5));
        assert_eq!(built(rules).photo_cva_sd_deg, None);
    }

    #[test]
    fn the_photos_plus_minus_travels_with_the_baseline_and_widens_the_judges_drop() {
        // The file keeps the figure at its top level, as version 1 files always had it ...
        let photo = Baseline {
            photo_cva_sd_deg: Some(6.5),
            ..Baseline::of_side_cva(50.0, 0.0, 1)
        };
        let photo = BaselineFile::new(photo, true);
        let json = photo.to_json().unwrap();
        assert!(json.contains("\n  \"photo_cva_sd_deg\": 6.5\n"), "{json}");
        let read = BaselineFile::from_json(&json).unwrap();
        assert_eq!(read.baseline.photo_cva_sd_deg, Some(6.5));
        // ... and a baseline from video (a calibration event, the monitor's kept file) has
        // none, so its stored form is what it was.
        let video = Baseline::of_side_cva(50.0, 1.0, 30);
        let bare = serde_json::to_string(&video).unwrap();
        assert!(!bare.contains("photo_cva_sd_deg"), "{bare}");
        // The judge's reference: the photo's ± beyond a clean estimate's, nothing for video,
        // and averaged over independent photos.
        let beyond = crate::geometry::uncertainty::sd_beyond_clean_deg(6.5);
        let reference = read.baseline.side_reference().unwrap();
        assert!((reference.cva_deg - 50.0).abs() < 1e-12);
        assert!((reference.sd_beyond_clean_deg - beyond).abs() < 1e-12);
        assert!((beyond - 4.69).abs() < 0.01, "{beyond}");
        assert_eq!(video.side_reference(), Some(SideReference::clean(50.0)));
        let four = Baseline {
            photo_cva_sd_deg: Some(6.5),
            ..Baseline::of_side_cva(50.0, 2.0, 4)
        };
        let four = four.side_reference().unwrap().sd_beyond_clean_deg;
        assert!((four - beyond / 2.0).abs() < 1e-12, "{four}");
        // A front baseline has no side reference.
        let front = Baseline {
            view: View::Front,
            ..Baseline::of_side_cva(50.0, 1.0, 30)
        };
        assert_eq!(front.side_reference(), None);
        // `measure --baseline` says how much further a head must drop.
        assert!(
            read.describe()
                .contains("a head must drop 4.7° further below it"),
            "{}",
            read.describe()
        );
    }

    #[test]
    fn a_reclined_calibration_is_refused_a_reclined_follow_up_is_kept() {
        // A reclined slump (docs/GEOMETRY.md §3.9) is steady and reads high: no baseline.
        let reclined = BaselineFrame {
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: Some(50.0),
                trunk_inclination_deg: Some(-(MAX_RECLINE_DEG + 2.0)),
                ..Metrics::default()
            },
            ..BaselineFrame::default()
        };
        let mut builder = BaselineBuilder::new(BaselineRules::default());
        let mut follow_up = BaselineBuilder::new(BaselineRules::default().for_follow_up());
        for _ in 0..10 {
            builder.push_frame(&reclined);
            follow_up.push_frame(&reclined);
        }
        let refused = builder.finish().expect_err("reclined");
        assert!(
            matches!(refused, BaselineRefused::Reclined { back_deg, .. } if (back_deg - 19.0).abs() < 1e-9),
            "{refused:?}"
        );
        assert!(
            refused
                .to_string()
                .starts_with("you leaned back 19° during calibration")
        );
        assert!(
            follow_up.finish().is_ok(),
            "a follow-up records the posture as it is"
        );
        // Leaning back against a backrest within the limit is a baseline.
        let backrest = BaselineFrame {
            metrics: Metrics {
                trunk_inclination_deg: Some(-(MAX_RECLINE_DEG - 2.0)),
                ..reclined.metrics
            },
            ..reclined
        };
        let mut builder = BaselineBuilder::new(BaselineRules::default());
        for _ in 0..10 {
            builder.push_frame(&backrest);
        }
        assert!(builder.finish().is_ok());
    }

    fn cva(value: f64) -> Metrics {
        Metrics {
            cva_deg: Some(value),
            ..Metrics::default()
        }
    }

    fn features() -> FrontFeatures {
        FrontFeatures {
            head_scale: 0.4,
            head_drop: 0.6,
            head_pitch: 0.1,
            sagittal_sin: None,
        }
    }

    #[test]
    fn running_stats_match_the_two_pass_formula() {
        let stats: RunningStats = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, f64::NAN]
            .into_iter()
            .collect();
        let stats = stats.stats().expect("values");
        assert_eq!(stats.n, 8);
        assert!((stats.mean - 5.0).abs() < 1e-12);
        assert!((stats.sd - (32.0_f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn baseline_uses_the_dominant_view_only() -> Result<(), BaselineRefused> {
        let mut builder = BaselineBuilder::new(BaselineRules {
            min_frames: 3,
            ..BaselineRules::default()
        });
        for value in [50.0, 52.0, 54.0, 50.0, 52.0, 54.0, 50.0, 52.0, 54.0] {
            builder.push(View::SideLeft, &cva(value), None);
        }
        builder.push(View::SideRight, &cva(10.0), None);
        builder.push(View::Oblique, &cva(0.0), None);
        let baseline = builder.finish()?;
        assert_eq!(builder.frames(), 11);
        assert_eq!(baseline.view, View::SideLeft);
        let stats = baseline.metrics[&Metric::Cva];
        assert_eq!((stats.mean, stats.n), (52.0, 9));
        assert!(
            (stats.sd - 1.732_050_807_568_877_2).abs() < 1e-12,
            "{stats:?}"
        );
        assert!(baseline.front_features().is_none());
        // A person who turns: 9 of 15 frames in the side-left view is below the 80 % rule.
        for _ in 0..4 {
            builder.push(View::SideRight, &cva(48.0), None);
        }
        let refused = builder.finish().expect_err("turned");
        assert!(
            matches!(
                refused,
                BaselineRefused::ViewChanged {
                    view: View::SideLeft,
                    in_view: 9,
                    frames: 15,
                    ..
                }
            ),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("you turned"), "{refused}");
        Ok(())
    }

    #[test]
    fn the_relative_index_is_left_out_and_front_signals_kept() -> Result<(), BaselineRefused> {
        let mut builder = BaselineBuilder::new(BaselineRules {
            min_frames: 1,
            ..BaselineRules::default()
        });
        let metrics = Metrics {
            shoulder_tilt_deg: Some(1.5),
            forward_head_index: Some(12.0),
            ..Metrics::default()
        };
        builder.push(View::Front, &metrics, Some(&features()));
        let baseline = builder.finish()?;
        assert_eq!(baseline.view, View::Front);
        assert!(baseline.get(Metric::ForwardHeadIndex).is_none());
        assert!(baseline.get(Metric::ShoulderTilt).is_some());
        assert_eq!(baseline.front_features(), Some(features()));
        Ok(())
    }

    #[test]
    fn refusals_say_why() {
        let mut builder = BaselineBuilder::new(BaselineRules::default());
        assert_eq!(
            builder.finish(),
            Err(BaselineRefused::NoUsableView { frames: 0 })
        );
        builder.push(View::Oblique, &cva(40.0), None);
        assert!(matches!(
            builder.finish(),
            Err(BaselineRefused::NoUsableView { frames: 1 })
        ));
        for _ in 0..4 {
            builder.push(View::SideRight, &cva(48.0), None);
        }
        let refused = builder.finish().expect_err("4 < 5 frames");
        assert_eq!(
            refused,
            BaselineRefused::TooFewFrames {
                view: View::SideRight,
                measured: 4,
                min: MIN_BASELINE_FRAMES
            }
        );
        assert!(refused.to_string().contains("at least 5"), "{refused}");
        builder.push(View::SideRight, &cva(48.0), None);
        assert!(builder.finish().is_ok());
    }

    /// One photo with two people gives no baseline and the refusal says how many there were;
    /// a long hold keeps a few crowded frames out and still gives one.
    #[test]
    fn frames_with_more_than_one_person_are_refused_with_the_count() {
        let rules = BaselineRules::default().for_photos();
        let crowded = |people| BaselineFrame {
            view: View::SideLeft,
            metrics: cva(50.0),
            people: Some(people),
            ..BaselineFrame::default()
        };
        let mut builder = BaselineBuilder::new(rules);
        builder.push_frame(&crowded(2));
        let refused = builder.finish().expect_err("two people");
        assert!(matches!(
            refused,
            BaselineRefused::MoreThanOnePerson { people: 2, .. }
        ));
        assert!(
            refused.to_string().starts_with(
                "2 people in the picture (in 1 of 1 frames): a baseline needs one person"
            ),
            "{refused}"
        );
        let mut builder = BaselineBuilder::new(BaselineRules::default());
        for _ in 0..20 {
            builder.push_frame(&crowded(1));
        }
        builder.push_frame(&crowded(4));
        assert!(
            builder.finish().is_ok(),
            "1 crowded frame of 21 is left out"
        );
        for _ in 0..5 {
            builder.push_frame(&crowded(3));
        }
        let refused = builder.finish().expect_err("6 of 26 crowded");
        assert!(refused.to_string().starts_with("4 people"), "{refused}");
    }

    #[test]
    fn samples_without_a_person_are_left_out() {
        let mut builder = BaselineBuilder::new(BaselineRules {
            min_frames: 1,
            ..BaselineRules::default()
        });
        let sample = PostureSample {
            view: View::SideLeft,
            metrics: cva(50.0),
            state: PostureState::Away,
            ..PostureSample::default()
        };
        builder.push_sample(&sample);
        builder.push_sample(&PostureSample {
            state: PostureState::NoPerson,
            ..sample
        });
        assert_eq!(builder.frames(), 0);
        assert!(builder.finish().is_err());
        builder.push_sample(&PostureSample {
            state: PostureState::Upright,
            ..sample
        });
        assert!(builder.finish().is_ok());
    }

    #[test]
    fn serialises_as_one_map_of_stored_names() -> Result<(), serde_json::Error> {
        let stats = MetricStats {
            mean: 1.0,
            sd: 0.5,
            n: 9,
        };
        let baseline = Baseline {
            view: View::Front,
            metrics: [(Metric::HeadTilt, stats)].into(),
            front: [(FrontSignal::HeadScale, stats)].into(),
            ..Baseline::default()
        };
        let json = serde_json::to_string(&baseline)?;
        assert_eq!(
            json,
            "{\"view\":\"front\",\"metrics\":{\"front_head_scale\":{\"mean\":1.0,\"sd\":0.5,\
             \"n\":9},\"head_tilt_deg\":{\"mean\":1.0,\"sd\":0.5,\"n\":9}}}"
        );
        assert_eq!(serde_json::from_str::<Baseline>(&json)?, baseline);
        let unknown =
            "{\"view\":\"front\",\"metrics\":{\"nose_deg\":{\"mean\":1,\"sd\":0,\"n\":1}}}";
        let err = serde_json::from_str::<Baseline>(unknown).expect_err("unknown key");
        assert!(err.to_string().contains("nose_deg"), "{err}");
        Ok(())
    }

    #[test]
    fn a_calibration_ends_after_its_duration() {
        let mut recorder = BaselineRecorder::new(1000.0, 2.0, BaselineRules::default());
        assert!(!recorder.is_done(2999.0));
        assert!(recorder.is_done(3000.0));
        for _ in 0..MIN_BASELINE_FRAMES {
            recorder.builder().push(View::SideLeft, &cva(50.0), None);
        }
        assert!(recorder.finish().is_ok());
    }
}
