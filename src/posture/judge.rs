//! [`PostureJudge`]: the one object the pipeline calls per frame. It classifies the view
//! (with hysteresis), measures the metrics valid in it, scores RULA, makes the three-way
//! forward-head call against the person's baseline (or the absolute bands without one), runs
//! calibrations, learns a baseline when none was given, notices a moved camera or seat, runs
//! the persistence machine and the exposure meter, and returns a [`PostureSample`] with the
//! events of that frame.
//!
//! # The one rule (docs/GEOMETRY.md §6)
//! Side view, CVA `c`, with `F` = `cva_forward_below_deg`, `U` = `cva_upright_above_deg`:
//! - with a baseline (mean `b`): **forward** when
//!   `c < max(b - cva_below_baseline_deg - e, F - x)`, otherwise **upright**, where `e`
//!   combines in quadrature the parts of the frame's ± and of the baseline's (a photo's)
//!   beyond a clean estimate's (`geometry::uncertainty::sd_beyond_clean_deg`): the clean
//!   part is mostly the person's own and cancels in a change from their baseline, these do
//!   not, so a drop must clear them as well as the margin;
//! - without one (none given, still learning, or set aside after the setup changed):
//!   **forward** when `c < F - x`, **upright** when `c > U + x`, **uncertain** between, where
//!   `x` is the CVA's ± beyond the clean-evidence figure (`sd - BASE_SD_DEG`, at least 0): the
//!   bands were drawn from clean estimates, so a less sure one (reclined trunk, landmark C7,
//!   low visibility) must clear them by its extra uncertainty to count as a clear call;
//! - a CVA whose ± is above `cva_max_sd_deg` is **uncertain** whatever its value.
//!
//! [`side_call`] is that rule as a function; the judge and the held-out evaluation
//! (`tests/it/geometry/fit.rs`) both call it.
//!
//! Front view: forward when the forward-head index exceeds `front_index_max_pct`; without a
//! front baseline there is no index and the call is uncertain. Only forward frames feed the
//! persistence machine's onset, so an uncertain call never raises an alert.

use crate::geometry::cva::CvaModel;
use crate::geometry::front::FrontFeatures;
/// The ± of a clean CVA estimate, beyond which the absolute bands widen ([`side_bands`]);
/// re-exported for the report, which states the rule.
pub use crate::geometry::uncertainty::BASE_SD_DEG;
use crate::geometry::uncertainty::sd_beyond_clean_deg;
use crate::geometry::view::ViewTracker;
use crate::pose::Skeleton;
use crate::pose::segmentation::PersonMask;

use super::baseline::{
    BaselineFrame, BaselineRecorder, BaselineRules, SetupFeatures, SideReference,
};
use super::config::PostureConfig;
use super::exposure::ExposureMeter;
use super::learn::Learner;
use super::metrics::{
    FrameMeasures, body_from_skeleton, drop_hidden, front_world_from_skeleton, measure,
    setup_features,
};
use super::rula::{RulaTolerance, neck_score, trunk_score};
use super::state::{Condition, Presence, StateMachine};
use super::{
    Baseline, BaselineStatus, Call, Metrics, PostureEvent, PostureSample, PostureState, View,
};

/// The setup counts as moved when the shoulders sit further than this from where they sat at
/// the baseline (fraction of the frame width or height). Slumping and sitting up move them
/// less than this in the shared clips; a moved camera or chair moves them more.
pub const SETUP_MAX_SHIFT: f64 = 0.25;

/// The setup counts as moved when the person's size in the picture changed by more than this
/// factor (either way) from the baseline's.
pub const SETUP_MAX_SCALE_RATIO: f64 = 1.4;

/// An uncertain call that lasts this long (seconds of frames with a person) is reported once
/// with a [`PostureEvent::Uncertain`] that invites a calibration.
pub const UNCERTAIN_NOTICE_S: f64 = 10.0;

/// The side view's three-way call for a CVA `cva_deg` with its ± `cva_sd_deg`, against the
/// person's baseline (`reference`, [`Baseline::side_reference`]) or, without one, the
/// absolute bands: the one rule of the module documentation.
///
/// # Examples
/// ```
/// use plumbline::posture::{Call, PostureConfig, baseline::SideReference, judge::side_call};
/// let c = PostureConfig::default();
/// assert_eq!(side_call(&c, 15.0, Some(4.5), None), Call::Forward);
/// assert_eq!(side_call(&c, 40.0, Some(4.5), None), Call::Uncertain);
/// assert_eq!(side_call(&c, 55.0, Some(4.5), None), Call::Upright);
/// // A reclined trunk's wider ± must clear the band by its extra uncertainty.
/// assert_eq!(side_call(&c, 55.0, Some(8.0), None), Call::Uncertain);
/// // Against a baseline of 50° from video: forward 10° below it.
/// let video = Some(SideReference::clean(50.0));
/// assert_eq!(side_call(&c, 38.0, Some(4.5), video), Call::Forward);
/// assert_eq!(side_call(&c, 42.0, Some(4.5), video), Call::Upright);
/// // A frame or a baseline photo less sure than a clean estimate must drop further.
/// assert_eq!(side_call(&c, 38.0, Some(6.4), video), Call::Upright);
/// let photo = Some(SideReference { cva_deg: 50.0, sd_beyond_clean_deg: 4.5 });
/// assert_eq!(side_call(&c, 38.0, Some(4.5), photo), Call::Upright);
/// assert_eq!(side_call(&c, 35.0, Some(4.5), photo), Call::Forward);
/// ```
pub fn side_call(
    config: &PostureConfig,
    cva_deg: f64,
    cva_sd_deg: Option<f64>,
    reference: Option<SideReference>,
) -> Call {
    side_judgement(config, cva_deg, cva_sd_deg, reference).call
}

/// The absolute bands for a CVA with this ± and no baseline: clearly forward below the first,
/// clearly upright above the second. They widen by the ± beyond a clean estimate's
/// ([`BASE_SD_DEG`]), because they were drawn from clean estimates (docs/GEOMETRY.md §3.8).
pub fn side_bands(config: &PostureConfig, cva_sd_deg: Option<f64>) -> (f64, f64) {
    let extra = cva_sd_deg.map_or(0.0, |sd| (sd - BASE_SD_DEG).max(0.0));
    (
        config.cva_forward_below_deg - extra,
        config.cva_upright_above_deg + extra,
    )
}

/// Against the baseline `reference`, for a CVA with the ± `cva_sd_deg`: the CVA below which
/// the head is forward. That is `cva_below_baseline_deg` below the baseline, and further by
/// the parts of the frame's ± and the baseline's beyond a clean estimate's, in quadrature
/// (they do not cancel in a change from the same person's baseline: module documentation).
/// It is never below the absolute forward band for that ± ([`side_bands`]), so a CVA the
/// absolute rule calls clearly forward is forward against any baseline.
pub fn baseline_forward_below(
    config: &PostureConfig,
    reference: SideReference,
    cva_sd_deg: Option<f64>,
) -> f64 {
    let frame = cva_sd_deg.map_or(0.0, sd_beyond_clean_deg);
    let unsure = frame.hypot(reference.sd_beyond_clean_deg);
    (reference.cva_deg - config.cva_below_baseline_deg - unsure)
        .max(side_bands(config, cva_sd_deg).0)
}

/// One side-view frame judged ([`side_judgement`]).
struct SideJudgement {
    /// For the persistence machine.
    condition: Condition,
    /// The three-way call.
    call: Call,
    /// The CVA below which the frame is forward; `None` when too unsure to judge.
    forward_below: Option<f64>,
}

/// [`side_call`] with the condition it gives the persistence machine (bad below the forward
/// limit, marginal within the exit margin above it, unknown for a CVA too unsure to judge)
/// and that limit.
fn side_judgement(
    c: &PostureConfig,
    cva: f64,
    cva_sd_deg: Option<f64>,
    reference: Option<SideReference>,
) -> SideJudgement {
    if cva_sd_deg.is_some_and(|sd| sd > c.cva_max_sd_deg) {
        return SideJudgement {
            condition: Condition::Unknown,
            call: Call::Uncertain,
            forward_below: None,
        };
    }
    let (forward_below, upright_above) = side_bands(c, cva_sd_deg);
    let limit = reference.map_or(forward_below, |r| baseline_forward_below(c, r, cva_sd_deg));
    let condition = if cva < limit {
        Condition::Bad
    } else if cva < limit + c.cva_exit_margin_deg {
        Condition::Marginal
    } else {
        Condition::Good
    };
    let call = if cva < limit {
        Call::Forward
    } else if reference.is_some() || cva > upright_above {
        Call::Upright
    } else {
        Call::Uncertain
    };
    SideJudgement {
        condition,
        call,
        forward_below: Some(limit),
    }
}

/// One frame for the judge.
#[derive(Clone, Copy, Debug, Default)]
pub struct JudgeInput<'a> {
    /// Sequence number of the frame.
    pub seq: u64,
    /// Source time in milliseconds.
    pub t_ms: f64,
    /// The tracked person, `None` when nobody was found.
    pub skeleton: Option<&'a Skeleton>,
    /// The engine's person mask (`PoseEngine::mask`): the CVA then uses the silhouette C7
    /// (`docs/GEOMETRY.md` §3.4), with the landmark C7 as fallback.
    pub mask: Option<&'a PersonMask>,
    /// Frame size in pixels, for the setup signals (where the person sits in the picture).
    pub frame_size: Option<(u32, u32)>,
    /// People the detector saw in (or shortly before) this frame (`PoseEstimate`); a
    /// baseline never takes a frame with more than one.
    pub people: Option<usize>,
}

/// How long the call has been uncertain, and whether that was reported.
#[derive(Clone, Copy, Debug, Default)]
struct UncertainStretch {
    ms: f64,
    told: bool,
}

/// Judges posture frame by frame.
#[derive(Clone, Debug)]
pub struct PostureJudge {
    config: PostureConfig,
    model: CvaModel,
    views: ViewTracker,
    machine: StateMachine,
    baseline: Option<Baseline>,
    front: Option<FrontFeatures>,
    recorder: Option<BaselineRecorder>,
    learner: Option<Learner>,
    status: BaselineStatus,
    /// Frames are unrelated photos: no learning, no setup check.
    independent: bool,
    /// Every frame goes into a baseline built outside the judge.
    for_baseline: bool,
    /// Time (decaying) the frames have been outside the baseline's setup.
    setup_out_ms: f64,
    /// The current uncertain stretch.
    uncertain: UncertainStretch,
    /// Events caused between frames (a baseline set from outside), sent with the next frame.
    pending: Vec<PostureEvent>,
    started: bool,
    exposure: ExposureMeter,
    last_ms: Option<f64>,
}

impl PostureJudge {
    /// A judge with `config`, the fitted C7 model (with the config's per-user CVA offset)
    /// and no baseline; it learns one when `config.auto_baseline` is on.
    pub fn new(config: PostureConfig) -> Self {
        let views = ViewTracker::with_switch_frames(config.view_switch_frames);
        let model = CvaModel {
            user_offset_rad: config.cva_user_offset_deg.to_radians(),
            ..CvaModel::default()
        };
        let learner = config.auto_baseline.then(|| Learner::new(&config));
        Self {
            config,
            model,
            views,
            machine: StateMachine::new(),
            baseline: None,
            front: None,
            recorder: None,
            learner,
            status: BaselineStatus::None,
            independent: false,
            for_baseline: false,
            setup_out_ms: 0.0,
            uncertain: UncertainStretch::default(),
            pending: Vec::new(),
            started: false,
            exposure: ExposureMeter::new(),
            last_ms: None,
        }
    }

    /// The same judge for unrelated photos: no view hysteresis, no learning, no setup check
    /// (each frame is judged on its own, against the baseline if one is given).
    #[must_use]
    pub fn for_independent_frames(mut self) -> Self {
        self.config = self.config.for_stills();
        self.views = ViewTracker::with_switch_frames(self.config.view_switch_frames);
        self.learner = None;
        self.independent = true;
        self
    }

    /// The same judge measuring against `baseline`.
    #[must_use]
    pub fn with_baseline(mut self, baseline: Baseline) -> Self {
        self.set_baseline(baseline);
        self
    }

    /// Replaces the baseline with an explicit one (a calibration, a stored baseline or a
    /// baseline file): it overrides a learned one and stops the learning.
    pub fn set_baseline(&mut self, baseline: Baseline) {
        self.set_baseline_as(baseline, BaselineStatus::Calibrated);
    }

    /// [`set_baseline`](Self::set_baseline) with the status it had when it was made: a
    /// baseline kept from an earlier run (`pipeline::kept`) is `Learned` or `Calibrated` as
    /// it was. Any other status is taken as `Calibrated`. The setup check applies to it as to
    /// a fresh one.
    pub fn set_baseline_as(&mut self, baseline: Baseline, status: BaselineStatus) {
        let status = if status == BaselineStatus::Learned {
            status
        } else {
            BaselineStatus::Calibrated
        };
        self.learner = None;
        let t_ms = self.last_ms.unwrap_or(0.0);
        let mut events = std::mem::take(&mut self.pending);
        // The status event says what the baseline is: no `Learned` or `Calibrated` event is
        // raised for one that was made before this run, so the record would not say it.
        let reason = format!("given at start: {}", baseline.describe());
        self.adopt(t_ms, baseline, status, Some(reason), &mut events);
        self.pending = events;
    }

    /// Forgets the baseline at `t_ms` (the user asked): the absolute bands judge again and,
    /// with `auto_baseline`, a new baseline is learned from now on.
    pub fn forget_baseline(&mut self, t_ms: f64) -> Vec<PostureEvent> {
        let mut events = std::mem::take(&mut self.pending);
        self.baseline = None;
        self.front = None;
        self.setup_out_ms = 0.0;
        self.learner = self
            .config
            .auto_baseline
            .then(|| Learner::new(&self.config));
        let status = if self.learner.is_some() {
            BaselineStatus::Learning
        } else {
            BaselineStatus::None
        };
        self.set_status(
            t_ms,
            status,
            Some("baseline forgotten".to_owned()),
            &mut events,
        );
        events
    }

    /// The current baseline (`None` while learning or after the setup changed).
    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// What the call is measured against now.
    pub fn baseline_status(&self) -> BaselineStatus {
        self.status
    }

    /// Whether a baseline is being built (a calibration or the automatic one): the pose
    /// engine should then keep counting the people in the picture.
    pub fn is_building_baseline(&self) -> bool {
        self.recorder.is_some() || self.learner.is_some() || self.for_baseline
    }

    /// Whether the only baseline being built is the automatic one (no calibration, not
    /// `plumbline baseline`): the people may then be counted less often.
    pub fn is_only_learning(&self) -> bool {
        self.learner.is_some() && self.recorder.is_none() && !self.for_baseline
    }

    /// The same judge for frames that all go into a baseline outside it (`plumbline
    /// baseline`): [`is_building_baseline`](Self::is_building_baseline) stays true, so the
    /// people in every frame are counted.
    #[must_use]
    pub fn for_baseline(mut self) -> Self {
        self.for_baseline = true;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &PostureConfig {
        &self.config
    }

    /// The configuration, to change thresholds and delays while running (the pipeline's
    /// onset-delay, snooze-length and calibration-length controls).
    pub fn config_mut(&mut self) -> &mut PostureConfig {
        &mut self.config
    }

    /// The exposure so far.
    pub fn exposure(&self) -> &ExposureMeter {
        &self.exposure
    }

    /// Starts a calibration of `config.calibration_s` at `t_ms`.
    pub fn start_calibration(&mut self, t_ms: f64) -> Vec<PostureEvent> {
        self.recorder = Some(BaselineRecorder::new(
            t_ms,
            self.config.calibration_s,
            BaselineRules::from_config(&self.config),
        ));
        self.machine.calibrating(t_ms, true)
    }

    /// Snoozes warnings for the configured snooze length.
    pub fn snooze(&mut self, t_ms: f64) -> Vec<PostureEvent> {
        self.machine.snooze(t_ms, self.config.snooze_s)
    }

    fn set_status(
        &mut self,
        t_ms: f64,
        status: BaselineStatus,
        reason: Option<String>,
        events: &mut Vec<PostureEvent>,
    ) {
        if status != self.status {
            events.push(PostureEvent::Baseline {
                t_ms,
                from: self.status,
                status,
                reason,
            });
            self.status = status;
        }
    }

    fn adopt(
        &mut self,
        t_ms: f64,
        baseline: Baseline,
        status: BaselineStatus,
        reason: Option<String>,
        events: &mut Vec<PostureEvent>,
    ) {
        self.front = baseline.front_features();
        self.baseline = Some(baseline);
        self.setup_out_ms = 0.0;
        self.set_status(t_ms, status, reason, events);
    }

    /// The condition for the persistence machine, the three-way call and, for a side-view
    /// CVA, the CVA below which it is forward; `personal` is false for a frame outside the
    /// baseline's setup (judged by the absolute bands only).
    fn judgement(
        &self,
        personal: bool,
        view: View,
        metrics: &Metrics,
        cva_sd_deg: Option<f64>,
        confidence: f32,
    ) -> (Condition, Option<Call>, Option<f64>) {
        if confidence < self.config.min_confidence {
            return (Condition::Unknown, None, None);
        }
        let c = &self.config;
        if let Some(cva) = metrics.cva_deg {
            let baseline = self
                .baseline
                .as_ref()
                .filter(|_| personal)
                .and_then(Baseline::side_reference);
            let judged = side_judgement(c, cva, cva_sd_deg, baseline);
            return (judged.condition, Some(judged.call), judged.forward_below);
        }
        if let Some(index) = metrics.forward_head_index {
            return if index > c.front_index_max_pct {
                (Condition::Bad, Some(Call::Forward), None)
            } else if index > c.front_index_max_pct - c.front_index_exit_margin_pct {
                (Condition::Marginal, Some(Call::Upright), None)
            } else {
                (Condition::Good, Some(Call::Upright), None)
            };
        }
        if view == View::Front {
            // A front view without a front baseline has no index: calibrate.
            return (Condition::Unknown, Some(Call::Uncertain), None);
        }
        (Condition::Unknown, None, None)
    }

    /// Why the frame's setup is outside the baseline's, if it is.
    fn setup_moved(&self, frame: &BaselineFrame) -> Option<String> {
        let baseline = self.baseline.as_ref()?;
        if matches!(frame.view, View::SideLeft | View::SideRight | View::Front)
            && frame.view != baseline.view
        {
            return Some(format!(
                "the camera sees you in the {} view, the baseline was {}",
                frame.view, baseline.view
            ));
        }
        let (now, then) = (frame.setup?, baseline.setup_features()?);
        setup_shift(&now, &then)
    }

    /// The stale-baseline check of one frame with a person; true when the frame is outside
    /// the baseline's setup (it is then judged without the baseline: no alert comes from a
    /// reference that may be stale).
    fn check_setup(
        &mut self,
        t_ms: f64,
        dt: f64,
        frame: &BaselineFrame,
        events: &mut Vec<PostureEvent>,
    ) -> bool {
        let Some(reason) = self.setup_moved(frame) else {
            self.setup_out_ms = (self.setup_out_ms - dt).max(0.0);
            return false;
        };
        self.setup_out_ms += dt;
        if self.setup_out_ms < self.config.setup_changed_after_s * 1000.0 {
            return true;
        }
        tracing::info!(%reason, "setup changed: baseline set aside");
        self.baseline = None;
        self.front = None;
        self.setup_out_ms = 0.0;
        if self.config.auto_baseline {
            self.learner = Some(Learner::new(&self.config));
        }
        self.set_status(t_ms, BaselineStatus::SetupChanged, Some(reason), events);
        true
    }

    /// Judges one frame: `skeleton` is `None` when nobody was found.
    pub fn update(
        &mut self,
        seq: u64,
        t_ms: f64,
        skeleton: Option<&Skeleton>,
    ) -> (PostureSample, Vec<PostureEvent>) {
        self.judge(&JudgeInput {
            seq,
            t_ms,
            skeleton,
            ..JudgeInput::default()
        })
    }

    /// [`update`](Self::update) with the engine's person mask (`PoseEngine::mask`, engine
    /// built with `segmentation: true`): the CVA then uses the silhouette C7
    /// (`docs/GEOMETRY.md` §3.4), with the landmark C7 as fallback.
    pub fn update_with_mask(
        &mut self,
        seq: u64,
        t_ms: f64,
        skeleton: Option<&Skeleton>,
        mask: Option<&PersonMask>,
    ) -> (PostureSample, Vec<PostureEvent>) {
        self.judge(&JudgeInput {
            seq,
            t_ms,
            skeleton,
            mask,
            ..JudgeInput::default()
        })
    }

    /// Judges one frame with everything the pipeline knows about it.
    pub fn judge(&mut self, input: &JudgeInput<'_>) -> (PostureSample, Vec<PostureEvent>) {
        let t_ms = input.t_ms;
        let dt = self.last_ms.map_or(0.0, |l| {
            (t_ms - l).clamp(0.0, self.config.max_frame_gap_s * 1000.0)
        });
        self.last_ms = Some(t_ms);
        let mut events = std::mem::take(&mut self.pending);
        if !self.started {
            self.started = true;
            if self.learner.is_some() && self.baseline.is_none() {
                self.set_status(t_ms, BaselineStatus::Learning, None, &mut events);
            }
        }
        let (view, measures, setup) = if let Some(s) = input.skeleton {
            let body = body_from_skeleton(s);
            let world = front_world_from_skeleton(s);
            let class = self.views.update(&body);
            let mut m = measure(
                &body,
                world.as_ref(),
                class,
                &self.model,
                self.front.as_ref(),
                input.mask,
            );
            let view = View::from(class);
            if let Some(mask) = input.mask {
                drop_hidden(&mut m.metrics, s, mask, view);
            }
            if let Some(reason) = m.c7_fallback {
                tracing::debug!(seq = input.seq, %reason, "silhouette C7 refused, landmark C7 used");
            }
            let setup = input
                .frame_size
                .and_then(|(w, h)| setup_features(&body, view, w, h));
            (view, m, setup)
        } else {
            self.views.reset();
            (View::Unknown, FrameMeasures::default(), None)
        };
        let frame = BaselineFrame {
            view,
            metrics: measures.metrics,
            front: measures.front,
            setup,
            people: input.people,
            cva_sd_deg: measures.cva_sd_deg,
        };
        self.calibration_frame(t_ms, &frame, &mut events);
        let calibrating = self.machine.state() == PostureState::Calibrating;
        let mut personal = true;
        if input.skeleton.is_some() && !calibrating && !self.independent {
            personal = !self.check_setup(t_ms, dt, &frame, &mut events);
            if let Some(learner) = &mut self.learner
                && let Some(baseline) = learner.push(t_ms, dt, &frame)
            {
                self.learner = None;
                self.adopt(
                    t_ms,
                    baseline.clone(),
                    BaselineStatus::Learned,
                    None,
                    &mut events,
                );
                events.push(PostureEvent::Learned { t_ms, baseline });
            }
        }
        let metrics = measures.metrics;
        let (condition, call, forward_below) = if calibrating {
            (Condition::Unknown, None, None)
        } else {
            self.judgement(
                personal,
                view,
                &metrics,
                measures.cva_sd_deg,
                measures.confidence,
            )
        };
        let presence = if input.skeleton.is_some() {
            Presence::Present
        } else {
            Presence::Absent
        };
        for event in self.machine.update(t_ms, presence, condition, &self.config) {
            match event {
                PostureEvent::Alert { t_ms, .. } => {
                    self.exposure.alert(t_ms);
                    events.push(PostureEvent::Alert {
                        t_ms,
                        cva_deg: metrics.cva_deg,
                        forward_head_index: metrics.forward_head_index,
                    });
                }
                other => events.push(other),
            }
        }
        self.notice_uncertain(t_ms, dt, call, &measures, view, &mut events);
        let state = self.machine.state();
        let forward_head = match call {
            Some(Call::Forward) => Some(true),
            Some(Call::Upright) => Some(false),
            Some(Call::Uncertain) | None => None,
        };
        if let Some(fh) = forward_head {
            self.exposure.add(t_ms, dt, fh, state);
        }
        let tol = RulaTolerance {
            extension_deg: self.config.rula_extension_tolerance_deg,
            upright_deg: self.config.rula_upright_tolerance_deg,
        };
        let sample = PostureSample {
            seq: input.seq,
            t_ms,
            view,
            metrics,
            forward_head,
            call,
            baseline: self.status,
            cva_sd_deg: measures.cva_sd_deg,
            cva_unsure: metrics.cva_deg.is_some()
                && measures
                    .cva_sd_deg
                    .is_some_and(|sd| sd > self.config.cva_max_sd_deg),
            cva_forward_limit_deg: forward_below,
            rula_neck: metrics.neck_flexion_deg.map(|n| neck_score(n, tol)),
            rula_trunk: metrics
                .trunk_inclination_deg
                .map(|t| trunk_score(t, metrics.hip_angle_deg, tol)),
            state,
            confidence: measures.confidence,
            front_signals: measures.front,
            setup,
            people: input.people,
        };
        (sample, events)
    }

    /// Reports an uncertain stretch once it has lasted [`UNCERTAIN_NOTICE_S`].
    fn notice_uncertain(
        &mut self,
        t_ms: f64,
        dt: f64,
        call: Option<Call>,
        measures: &FrameMeasures,
        view: View,
        events: &mut Vec<PostureEvent>,
    ) {
        match call {
            Some(Call::Forward | Call::Upright) => {
                self.uncertain = UncertainStretch::default();
                return;
            }
            None => return,
            Some(Call::Uncertain) => self.uncertain.ms += dt,
        }
        if self.uncertain.told || self.uncertain.ms < UNCERTAIN_NOTICE_S * 1000.0 {
            return;
        }
        self.uncertain.told = true;
        let c = &self.config;
        let reason = match (measures.metrics.cva_deg, measures.cva_sd_deg) {
            (Some(_), Some(sd)) if sd > c.cva_max_sd_deg => format!(
                "the CVA is too unsure to judge (± {sd:.0}°, more than {:.0}°): sit side-on to \
                 the camera, head and shoulders in view and well lit",
                c.cva_max_sd_deg
            ),
            (Some(cva), sd) => {
                let (forward_below, upright_above) = side_bands(c, sd);
                format!(
                    "posture uncertain without a personal baseline: CVA {cva:.0}° lies between \
                     clearly forward (below {forward_below:.0}°) and clearly upright (above \
                     {upright_above:.0}°); calibrate sitting upright{}",
                    if self.learner.is_some() {
                        ", or stay a few minutes while plumbline learns your baseline"
                    } else {
                        ""
                    }
                )
            }
            (None, _) if view == View::Front => "a front view is judged against your own \
                 baseline: calibrate facing the camera, sitting upright"
                .to_owned(),
            (None, _) => "posture uncertain: calibrate sitting upright".to_owned(),
        };
        events.push(PostureEvent::Uncertain { t_ms, reason });
    }

    /// Feeds a running calibration and ends it when its time is up: a baseline that passes
    /// the rules replaces the current one, a refused one leaves it and says why.
    fn calibration_frame(
        &mut self,
        t_ms: f64,
        frame: &BaselineFrame,
        events: &mut Vec<PostureEvent>,
    ) {
        let Some(recorder) = &mut self.recorder else {
            return;
        };
        recorder.builder().push_frame(frame);
        if !recorder.is_done(t_ms) {
            return;
        }
        let result = recorder.finish();
        self.recorder = None;
        events.extend(self.machine.calibrating(t_ms, false));
        match result {
            Ok(baseline) => {
                self.learner = None;
                self.adopt(
                    t_ms,
                    baseline.clone(),
                    BaselineStatus::Calibrated,
                    None,
                    events,
                );
                events.push(PostureEvent::Calibrated { t_ms, baseline });
            }
            Err(refused) => {
                tracing::warn!(%refused, "calibration kept no baseline");
                events.push(PostureEvent::BaselineRefused {
                    t_ms,
                    reason: refused.to_string(),
                });
            }
        }
    }
}

/// Why `now` is outside the setup of `then`, if it is ([`SETUP_MAX_SHIFT`],
/// [`SETUP_MAX_SCALE_RATIO`]).
fn setup_shift(now: &SetupFeatures, then: &SetupFeatures) -> Option<String> {
    let dx = now.shoulder_x - then.shoulder_x;
    if dx.abs() > SETUP_MAX_SHIFT {
        return Some(format!(
            "your shoulders sit {:.0} % of the picture's width further {} than at the baseline",
            dx.abs() * 100.0,
            if dx > 0.0 { "right" } else { "left" }
        ));
    }
    let dy = now.shoulder_y - then.shoulder_y;
    if dy.abs() > SETUP_MAX_SHIFT {
        return Some(format!(
            "your shoulders sit {:.0} % of the picture's height {} than at the baseline",
            dy.abs() * 100.0,
            if dy > 0.0 { "lower" } else { "higher" }
        ));
    }
    let (Some(a), Some(b)) = (now.scale, then.scale) else {
        return None;
    };
    let ratio = a / b;
    if !(1.0 / SETUP_MAX_SCALE_RATIO..=SETUP_MAX_SCALE_RATIO).contains(&ratio) {
        return Some(format!(
            "you appear {:.0} % {} than at the baseline (the camera or the chair moved)",
            (ratio - 1.0).abs() * 100.0,
            if ratio > 1.0 { "larger" } else { "smaller" }
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::LandmarkIndex as L;
    use crate::posture::Metric;

    /// A side-view skeleton facing the image right with the ear `ear_dx` px ahead of the
    /// shoulder (image pixels, y down).
    fn side(ear_dx: f32) -> Skeleton {
        side_at(0.0, ear_dx)
    }

    /// [`side`] moved `x0` px to the right in the picture.
    fn side_at(x0: f32, ear_dx: f32) -> Skeleton {
        Skeleton::from_points(
            &[
                (L::RightShoulder, x0 + 300.0, 300.0),
                (L::LeftShoulder, x0 + 298.0, 300.0),
                (L::RightHip, x0 + 290.0, 500.0),
                (L::LeftHip, x0 + 288.0, 500.0),
                (L::RightKnee, x0 + 420.0, 505.0),
                (L::RightEar, x0 + 300.0 + ear_dx, 200.0),
                (L::LeftEar, x0 + 302.0 + ear_dx, 200.0),
                (L::Nose, x0 + 340.0 + ear_dx, 205.0),
            ],
            0.95,
        )
    }

    /// Scripted skeletons have no person mask: their CVA uses the landmark C7, whose ± (about
    /// 14.7°) is above the default bound; these tests raise the bound to test the rest.
    fn config() -> PostureConfig {
        PostureConfig {
            onset_delay_s: 5.0,
            calibration_s: 2.0,
            cva_max_sd_deg: 20.0,
            auto_baseline: false,
            ..PostureConfig::default()
        }
    }

    /// The CVA, its ± and the call of one [`side`] frame under `config`.
    fn one_frame(config: &PostureConfig, ear_dx: f32) -> (f64, f64, Option<Call>) {
        let mut judge = PostureJudge::new(PostureConfig {
            view_switch_frames: 1,
            ..config.clone()
        });
        let (s, _) = judge.update(0, 0.0, Some(&side(ear_dx)));
        let cva = s.metrics.cva_deg.expect("a side view has a CVA");
        (cva, s.cva_sd_deg.expect("a CVA has a ±"), s.call)
    }

    /// An ear offset whose scripted CVA lies `margin` degrees beyond the band its ± gives
    /// (without a baseline): forward (`forward` true) or upright.
    fn beyond_the_band(forward: bool, margin: f64) -> f32 {
        (0..600)
            .map(|i| if forward { i as f32 } else { -(i as f32) })
            .find(|&dx| {
                let (cva, sd, _) = one_frame(&config(), dx);
                let (below, above) = side_bands(&config(), Some(sd));
                if forward {
                    cva < below - margin
                } else {
                    cva > above + margin
                }
            })
            .expect("a scripted ear far enough out")
    }

    /// Feeds `frames` frames 100 ms apart from `*t`, returning the samples and the events.
    fn run(
        judge: &mut PostureJudge,
        t: &mut f64,
        frames: usize,
        skeleton: &Skeleton,
        frame_size: Option<(u32, u32)>,
    ) -> (Vec<PostureSample>, Vec<PostureEvent>) {
        let (mut samples, mut events) = (Vec::new(), Vec::new());
        for _ in 0..frames {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "test"
            )]
            let seq = (*t / 100.0) as u64;
            let (s, e) = judge.judge(&JudgeInput {
                seq,
                t_ms: *t,
                skeleton: Some(skeleton),
                frame_size,
                people: Some(1),
                ..JudgeInput::default()
            });
            samples.push(s);
            events.extend(e);
            *t += 100.0;
        }
        (samples, events)
    }

    fn alerts(events: &[PostureEvent]) -> usize {
        events
            .iter()
            .filter(|e| matches!(e, PostureEvent::Alert { .. }))
            .count()
    }

    #[test]
    fn between_the_bands_is_uncertain_and_clearly_forward_alerts_after_the_delay() {
        let mut judge = PostureJudge::new(config());
        let mut t = 0.0;
        let mut all = Vec::new();
        for seq in 0..20 {
            let (s, e) = judge.update(seq, t, Some(&side(0.0)));
            all.extend(e);
            t += 100.0;
            if seq > 5 {
                assert_eq!(s.view, View::SideRight);
                // 52.4° lies between the bands (25°, 53°): no baseline, no verdict.
                assert_eq!(s.call, Some(Call::Uncertain), "{s:?}");
                assert_eq!(s.forward_head, None, "{s:?}");
                assert_eq!(s.baseline, BaselineStatus::None);
                assert!(s.rula_neck.is_some() && s.rula_trunk.is_some());
            }
        }
        // 2 s of uncertain frames are not yet worth a word.
        assert!(
            !all.iter()
                .any(|e| matches!(e, PostureEvent::Uncertain { .. }))
        );
        let (_, e) = run(&mut judge, &mut t, 100, &side(0.0), None);
        let reasons: Vec<_> = e
            .iter()
            .filter_map(|e| match e {
                PostureEvent::Uncertain { t_ms, reason } => Some((*t_ms, reason.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(reasons.len(), 1, "once per stretch: {e:?}");
        // The stretch began after the view hysteresis (0.6 s): reported 10 s later.
        assert!((10_000.0..=10_800.0).contains(&reasons[0].0), "{reasons:?}");
        // The bands widened by the landmark C7's ± beyond a clean estimate's.
        let (_, sd, _) = one_frame(&config(), 0.0);
        let (below, above) = side_bands(&config(), Some(sd));
        assert!(below < 25.0 - 5.0 && above > 53.0 + 5.0, "{below} {above}");
        let said = format!(
            "CVA 52° lies between clearly forward (below {below:.0}°) and clearly upright \
             (above {above:.0}°); calibrate"
        );
        assert!(reasons[0].1.contains(&said), "{reasons:?}");
        assert_eq!(alerts(&e), 0);
        let (s, _) = judge.update(120, t, Some(&side(beyond_the_band(false, 1.0))));
        t += 100.0;
        assert!(s.metrics.cva_deg.is_some_and(|c| c > 53.0), "{s:?}");
        assert_eq!((s.call, s.forward_head), (Some(Call::Upright), Some(false)));
        let mut alert = None;
        let forward = side(beyond_the_band(true, 1.0));
        for seq in 121..200 {
            let (s, e) = judge.update(seq, t, Some(&forward));
            assert_eq!(s.call, Some(Call::Forward), "{s:?}");
            assert_eq!(s.forward_head, Some(true), "{s:?}");
            if e.iter().any(|e| matches!(e, PostureEvent::Alert { .. })) {
                alert = Some(t);
            }
            all.extend(e);
            t += 100.0;
        }
        let alert = alert.expect("an alert after the onset delay");
        assert!((17_000.0..=17_200.0).contains(&alert), "alert at {alert}");
        assert_eq!(judge.exposure().total().alerts, 1);
        // Nobody there: away.
        for seq in 200..230 {
            judge.update(seq, t, None);
            t += 100.0;
        }
        assert!(all.iter().any(|e| matches!(
            e,
            PostureEvent::State {
                state: PostureState::ForwardHead,
                ..
            }
        )));
        let (s, _) = judge.update(230, t, None);
        assert_eq!(s.state, PostureState::Away);
        assert_eq!(s.view, View::Unknown);
        assert_eq!(s.call, None);
    }

    #[test]
    fn an_unsure_cva_is_uncertain_and_never_alerts() {
        // Default bound 10°: the landmark C7's ± 14.7° is too unsure to judge.
        let mut judge = PostureJudge::new(PostureConfig {
            auto_baseline: false,
            ..config()
        });
        judge.config_mut().cva_max_sd_deg = PostureConfig::default().cva_max_sd_deg;
        let mut t = 0.0;
        let (samples, events) = run(&mut judge, &mut t, 200, &side(160.0), None);
        assert!(
            events.iter().any(|e| matches!(
                e,
                PostureEvent::Uncertain { reason, .. } if reason.contains("too unsure")
            )),
            "{events:?}"
        );
        let last = samples.last().expect("samples");
        assert!(last.metrics.cva_deg.is_some_and(|c| c < 25.0), "{last:?}");
        assert!(last.cva_sd_deg.is_some_and(|sd| sd > 10.0), "{last:?}");
        assert!(last.cva_unsure);
        // After the view hysteresis every frame is uncertain.
        assert!(samples[0].call.is_none(), "view not yet settled");
        assert!(
            samples[10..]
                .iter()
                .all(|s| s.call == Some(Call::Uncertain))
        );
        assert!(samples.iter().all(|s| s.forward_head.is_none()));
        assert_eq!(alerts(&events), 0);
        assert_eq!(judge.exposure().total().alerts, 0);
    }

    #[test]
    fn the_per_user_offset_shifts_the_cva_and_the_judgement() {
        let cva_after = |offset: f64, ear_dx: f32| {
            let (cva, _, call) = one_frame(
                &PostureConfig {
                    cva_user_offset_deg: offset,
                    ..config()
                },
                ear_dx,
            );
            (cva, call)
        };
        let (plain, _) = cva_after(0.0, 60.0);
        let (shifted, _) = cva_after(7.5, 60.0);
        assert!((shifted - plain - 7.5).abs() < 1e-9, "{plain} {shifted}");
        // An ear position just under the forward band is clearly forward without the
        // offset and, 5° higher, between the bands with it.
        let dx = beyond_the_band(true, 0.0);
        assert_eq!(cva_after(0.0, dx).1, Some(Call::Forward));
        assert_eq!(cva_after(5.0, dx).1, Some(Call::Uncertain));
    }

    #[test]
    fn calibration_sets_a_relative_threshold() {
        let mut judge = PostureJudge::new(config());
        let mut events = judge.start_calibration(0.0);
        let mut t = 0.0;
        let mut seq = 0;
        while t <= 2500.0 {
            let (s, e) = judge.update(seq, t, Some(&side(0.0)));
            if t < 2000.0 {
                assert_eq!(s.state, PostureState::Calibrating);
            }
            events.extend(e);
            seq += 1;
            t += 100.0;
        }
        let base = judge.baseline().expect("calibrated").metrics[&Metric::Cva];
        assert!(
            events
                .iter()
                .any(|e| matches!(e, PostureEvent::Calibrated { .. }))
        );
        assert_eq!(judge.baseline_status(), BaselineStatus::Calibrated);
        // The same posture, between the absolute bands, is now called upright.
        let (s, _) = judge.update(seq, t, Some(&side(0.0)));
        assert_eq!(s.call, Some(Call::Upright), "{s:?}");
        assert_eq!(s.baseline, BaselineStatus::Calibrated);
        // A small protraction that stays above the absolute forward band but drops more than
        // the baseline rule's margin below the baseline, and further by the frame's ± beyond a
        // clean estimate's (these frames have no person mask: a landmark C7, ± about 15°).
        let drop = config().cva_below_baseline_deg;
        let reference = judge
            .baseline()
            .and_then(Baseline::side_reference)
            .expect("a side baseline");
        assert_eq!(
            reference,
            SideReference::clean(base.mean),
            "from video frames"
        );
        let mut dx = 0.0;
        let (cva, sd) = loop {
            dx += 1.0;
            let (s, _) = judge.update(seq, t, Some(&side(dx)));
            seq += 1;
            t += 100.0;
            let cva = s.metrics.cva_deg.expect("side view");
            let limit = baseline_forward_below(&config(), reference, s.cva_sd_deg);
            if s.call == Some(Call::Forward) {
                // Forward exactly once the CVA passes the limit (1 px steps move it < 1°).
                assert!((limit - 1.0..limit).contains(&cva), "{cva} vs {limit}");
                break (cva, s.cva_sd_deg.expect("a CVA has a ±"));
            }
            assert_eq!(s.call, Some(Call::Upright), "{s:?}");
            assert!(cva >= limit, "{cva} vs {limit}");
        };
        // The drop had to clear the frame's extra uncertainty as well as the margin ...
        let further = sd_beyond_clean_deg(sd);
        assert!(further > 10.0, "a landmark C7's ± {sd}");
        assert!(
            (cva - (base.mean - drop - further)).abs() < 1.0,
            "{cva} vs {base:?}, ± {sd}"
        );
        // ... and the baseline rule fired, not the absolute band.
        assert!(
            cva > side_bands(&config(), Some(sd)).0 + 5.0,
            "the absolute band fired first: {cva}"
        );
    }

    #[test]
    fn a_calibration_with_too_few_frames_keeps_no_baseline() {
        let mut judge = PostureJudge::new(config());
        let mut events = judge.start_calibration(0.0);
        // Four frames over the 2 s calibration: fewer than the builder's minimum.
        for (seq, t) in [0.0, 700.0, 1400.0, 2100.0].into_iter().enumerate() {
            let (_, e) = judge.update(seq as u64, t, Some(&side(0.0)));
            events.extend(e);
        }
        assert!(judge.baseline().is_none());
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, PostureEvent::Calibrated { .. }))
        );
        let (s, _) = judge.update(4, 2200.0, Some(&side(0.0)));
        assert_ne!(s.state, PostureState::Calibrating, "calibration ended");
    }

    #[test]
    fn a_calibration_over_a_slump_is_refused_with_the_reason() {
        let mut judge = PostureJudge::new(config());
        let mut events = judge.start_calibration(0.0);
        let mut t = 0.0;
        // Upright, then slumping during the calibration.
        for (i, dx) in [0.0, 0.0, 0.0, 0.0, 0.0, 40.0, 80.0, 120.0, 160.0, 160.0]
            .into_iter()
            .cycle()
            .take(25)
            .enumerate()
        {
            let (_, e) = judge.update(i as u64, t, Some(&side(dx)));
            events.extend(e);
            t += 100.0;
        }
        assert!(judge.baseline().is_none());
        let reason = events
            .iter()
            .find_map(|e| match e {
                PostureEvent::BaselineRefused { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .expect("a refusal");
        assert!(
            reason.starts_with("you moved during calibration: CVA spread"),
            "{reason}"
        );
        // Steady but slumped: refused as clearly forward.
        let mut events = judge.start_calibration(t);
        let (_, e) = run(&mut judge, &mut t, 25, &side(160.0), None);
        events.extend(e);
        assert!(judge.baseline().is_none());
        assert!(
            events.iter().any(|e| matches!(
                e,
                PostureEvent::BaselineRefused { reason, .. } if reason.contains("clearly forward")
            )),
            "{events:?}"
        );
    }

    /// [`config`] learning a baseline in 10 s and noticing a moved setup after 3 s.
    fn learning_config() -> PostureConfig {
        PostureConfig {
            auto_baseline: true,
            learn_s: 10.0,
            learn_stretch_s: 5.0,
            setup_changed_after_s: 3.0,
            ..config()
        }
    }

    #[test]
    fn learns_a_baseline_then_sets_it_aside_when_the_setup_changes() {
        let mut judge = PostureJudge::new(learning_config());
        let size = Some((640, 480));
        let mut t = 0.0;
        let (samples, events) = run(&mut judge, &mut t, 120, &side(0.0), size);
        assert_eq!(samples[0].baseline, BaselineStatus::Learning);
        assert!(matches!(
            events.first(),
            Some(PostureEvent::Baseline {
                from: BaselineStatus::None,
                status: BaselineStatus::Learning,
                ..
            })
        ));
        // While learning the absolute bands judge: 52.4° is uncertain.
        assert_eq!(samples[10].call, Some(Call::Uncertain));
        let learned = events
            .iter()
            .find_map(|e| match e {
                PostureEvent::Learned { t_ms, baseline } => Some((*t_ms, baseline.clone())),
                _ => None,
            })
            .expect("learned within 12 s");
        assert!((10_000.0..=10_200.0).contains(&learned.0), "{learned:?}");
        assert!(learned.1.setup_features().is_some(), "{learned:?}");
        let last = samples.last().expect("samples");
        assert_eq!(last.baseline, BaselineStatus::Learned);
        assert_eq!(last.call, Some(Call::Upright));
        // The camera moved: the person sits 200 px further right and leans forward.
        let moved = side_at(200.0, beyond_the_band(true, 1.0));
        let (samples, events) = run(&mut judge, &mut t, 100, &moved, size);
        let changed = events
            .iter()
            .find_map(|e| match e {
                PostureEvent::Baseline {
                    t_ms,
                    status: BaselineStatus::SetupChanged,
                    reason,
                    ..
                } => Some((*t_ms, reason.clone())),
                _ => None,
            })
            .expect("setup changed");
        assert!(
            changed
                .1
                .as_deref()
                .is_some_and(|r| r.contains("further right"))
        );
        assert!(judge.baseline().is_none());
        assert_eq!(
            samples.last().map(|s| s.baseline),
            Some(BaselineStatus::SetupChanged)
        );
        // Forward before the setup check fired, clearly forward (absolute band) after.
        assert!(samples.iter().all(|s| s.call == Some(Call::Forward)));
    }

    #[test]
    fn a_kept_baseline_judges_from_the_first_frame_and_is_set_aside_when_the_setup_moves() {
        let config = learning_config();
        let size = Some((640, 480));
        // Yesterday's run learned a baseline on this upright posture.
        let mut first = PostureJudge::new(config.clone());
        let (_, events) = run(&mut first, &mut 0.0, 120, &side(0.0), size);
        let kept = events
            .iter()
            .find_map(|e| match e {
                PostureEvent::Learned { baseline, .. } => Some(baseline.clone()),
                _ => None,
            })
            .expect("learned");
        // Today's run starts with it: no learning, judged against it from the start.
        let mut judge = PostureJudge::new(config);
        judge.set_baseline_as(kept.clone(), BaselineStatus::Learned);
        assert!(
            !judge.is_building_baseline(),
            "no learning, no people recount"
        );
        let mut t = 0.0;
        let (samples, events) = run(&mut judge, &mut t, 20, &side(0.0), size);
        assert!(
            samples
                .iter()
                .all(|s| s.baseline == BaselineStatus::Learned)
        );
        assert!(
            matches!(
                events.first(),
                Some(PostureEvent::Baseline {
                    from: BaselineStatus::None,
                    status: BaselineStatus::Learned,
                    reason: Some(reason),
                    ..
                }) if reason.starts_with("given at start: ") && reason.contains("CVA")
            ),
            "the status event says which baseline: {events:?}"
        );
        assert!(
            !events.iter().any(|e| matches!(
                e,
                PostureEvent::Baseline {
                    status: BaselineStatus::Learning,
                    ..
                }
            )),
            "{events:?}"
        );
        // 52° lies between the absolute bands: upright against the kept baseline.
        assert!(
            samples[5..].iter().all(|s| s.call == Some(Call::Upright)),
            "{samples:?}"
        );
        // The seat moved: the kept baseline is set aside like a fresh one, and a new one is
        // learned there.
        let moved = side_at(200.0, 0.0);
        let (samples, events) = run(&mut judge, &mut t, 200, &moved, size);
        let statuses: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                PostureEvent::Baseline { status, .. } => Some(*status),
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses,
            [BaselineStatus::SetupChanged, BaselineStatus::Learned],
            "{events:?}"
        );
        let relearned = events
            .iter()
            .find_map(|e| match e {
                PostureEvent::Learned { baseline, .. } => Some(baseline),
                _ => None,
            })
            .expect("relearned at the new place");
        assert_ne!(relearned.setup, kept.setup);
        assert_eq!(
            samples.last().map(|s| s.baseline),
            Some(BaselineStatus::Learned)
        );
    }

    #[test]
    fn forgetting_the_baseline_learns_again_or_judges_by_the_bands() {
        let mut judge = PostureJudge::new(config());
        let mut t = 0.0;
        let mut calibration = judge.start_calibration(t);
        let (_, events) = run(&mut judge, &mut t, 30, &side(0.0), None);
        calibration.extend(events);
        assert_eq!(judge.baseline_status(), BaselineStatus::Calibrated);
        let events = judge.forget_baseline(t);
        assert!(judge.baseline().is_none());
        assert!(
            matches!(
                events.as_slice(),
                [PostureEvent::Baseline {
                    from: BaselineStatus::Calibrated,
                    status: BaselineStatus::None,
                    ..
                }]
            ),
            "{events:?}"
        );
        let (samples, _) = run(&mut judge, &mut t, 5, &side(0.0), None);
        assert!(samples.iter().all(|s| s.call == Some(Call::Uncertain)));
        // With the automatic baseline on, forgetting starts learning.
        judge.config_mut().auto_baseline = true;
        judge.set_baseline_as(
            calibration_baseline(&calibration),
            BaselineStatus::Calibrated,
        );
        let events = judge.forget_baseline(t);
        assert!(
            matches!(
                events.last(),
                Some(PostureEvent::Baseline {
                    status: BaselineStatus::Learning,
                    ..
                })
            ),
            "{events:?}"
        );
        assert!(judge.is_only_learning());
    }

    fn calibration_baseline(events: &[PostureEvent]) -> Baseline {
        events
            .iter()
            .find_map(|e| match e {
                PostureEvent::Calibrated { baseline, .. } => Some(baseline.clone()),
                _ => None,
            })
            .expect("calibrated")
    }
}
