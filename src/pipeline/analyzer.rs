//! The per-frame work of the pose thread behind one trait, so the threads can be tested with
//! a scripted analyzer and run with the real BlazePose engine and posture judge.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::capture::Frame;
use crate::pose::{PoseConfig, PoseEngine, PoseEstimate};
use crate::posture::{
    Baseline, BaselineStatus, JudgeInput, PostureConfig, PostureEvent, PostureJudge, PostureSample,
};

use super::Control;

/// The result of analyzing one frame.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// What the pose engine found.
    pub estimate: PoseEstimate,
    /// The posture judgement.
    pub sample: PostureSample,
    /// Events of the persistence machine caused by this frame.
    pub events: Vec<PostureEvent>,
}

/// Pose estimation plus posture judgement, one frame at a time. Lives on the pose thread.
pub trait Analyzer {
    /// Analyzes one frame. An error concerns this frame only; the pipeline logs it and
    /// gives up after many in a row.
    fn analyze(&mut self, frame: &Frame) -> anyhow::Result<Analysis>;

    /// Applies a control message at source time `t_ms` (snooze, calibrate, onset delay);
    /// returns the events it causes. `Control::SetRate` is handled by the pipeline.
    fn control(&mut self, control: &Control, t_ms: f64) -> Vec<PostureEvent>;
}

/// Builds the analyzer on the pose thread (ONNX sessions are created where they are used).
pub type AnalyzerFactory = Box<dyn FnOnce() -> anyhow::Result<Box<dyn Analyzer>> + Send>;

/// While the judge builds a baseline, the people are recounted at most this often (source
/// time, milliseconds): a tracked video runs the detector only when the track is lost, so
/// without a recount a second person who walks in would go unnoticed. A count runs the
/// detector on the frame and 9 tiles and the landmark model on each new candidate
/// ([`PoseEngine::count_people`]): about 0.5 s of CPU (median 0.49 s, dev build, two shared
/// cores under load; docs/POSE.md "Counting people"), spent only while a baseline is built.
pub const PEOPLE_RECOUNT_MS: f64 = 1000.0;

/// The recount interval while only the automatic baseline is learned (the first
/// `learn_s` of every monitor start): a steady stretch lasts `learn_stretch_s` (20 s by
/// default), so a second person who stays in the picture is still counted several times per
/// stretch, at a fifth of the cost of [`PEOPLE_RECOUNT_MS`] for a desk worker's companion.
pub const PEOPLE_RECOUNT_LEARNING_MS: f64 = 5000.0;

/// The real analyzer: the BlazePose engine followed by the posture judge.
pub struct BlazePoseAnalyzer {
    engine: PoseEngine,
    judge: PostureJudge,
    last_count_ms: Option<f64>,
}

impl std::fmt::Debug for BlazePoseAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlazePoseAnalyzer")
            .field("posture", self.judge.config())
            .finish_non_exhaustive()
    }
}

impl BlazePoseAnalyzer {
    /// Loads the models from `models_dir` (default: the installation's `models/`) and sets up
    /// the judge; fails with the runtime's or the models' own message.
    pub fn new(
        models_dir: Option<&Path>,
        pose: PoseConfig,
        posture: PostureConfig,
    ) -> anyhow::Result<Self> {
        posture.validate().context("invalid posture settings")?;
        let dir = crate::models::models_dir(models_dir)?;
        let engine = PoseEngine::new(&dir, pose)?;
        Ok(Self {
            engine,
            judge: PostureJudge::new(posture),
            last_count_ms: None,
        })
    }

    /// An analyzer of an engine and a judge set up by the caller (a baseline, independent
    /// photos): `plumbline measure` and `plumbline baseline` run frames through it directly.
    pub fn from_parts(engine: PoseEngine, judge: PostureJudge) -> Self {
        Self {
            engine,
            judge,
            last_count_ms: None,
        }
    }

    /// The judge (baseline, exposure, configuration).
    pub fn judge(&self) -> &PostureJudge {
        &self.judge
    }

    /// The person mask of the last analyzed frame (`PoseEngine::mask`).
    pub fn mask(&self) -> Option<&crate::pose::segmentation::PersonMask> {
        self.engine.mask()
    }
}

impl Analyzer for BlazePoseAnalyzer {
    fn analyze(&mut self, frame: &Frame) -> anyhow::Result<Analysis> {
        let mut estimate = self.engine.estimate(frame)?;
        estimate.people_detected = recount_people(
            &mut self.engine,
            &self.judge,
            frame,
            &estimate,
            &mut self.last_count_ms,
        )?;
        let (sample, events) = self.judge.judge(&JudgeInput {
            seq: frame.seq,
            t_ms: frame.t_ms,
            skeleton: estimate.skeleton.as_ref(),
            mask: self.engine.mask(),
            frame_size: Some((estimate.width, estimate.height)),
            people: Some(estimate.people_detected),
        });
        Ok(Analysis {
            estimate,
            sample,
            events,
        })
    }

    fn control(&mut self, control: &Control, t_ms: f64) -> Vec<PostureEvent> {
        match control {
            Control::Snooze { minutes } if minutes.is_finite() && *minutes > 0.0 => {
                self.judge.config_mut().snooze_s = minutes * 60.0;
                self.judge.snooze(t_ms)
            }
            // Snoozing until now: the next frame returns to judging.
            Control::Resume => {
                self.judge.config_mut().snooze_s = 0.0;
                self.judge.snooze(t_ms)
            }
            Control::Calibrate { seconds } if seconds.is_finite() && *seconds > 0.0 => {
                self.judge.config_mut().calibration_s = *seconds;
                self.judge.start_calibration(t_ms)
            }
            Control::ForgetBaseline => self.judge.forget_baseline(t_ms),
            Control::SetOnsetDelay(seconds) if seconds.is_finite() && *seconds >= 0.0 => {
                let from_s =
                    std::mem::replace(&mut self.judge.config_mut().onset_delay_s, *seconds);
                if (from_s - *seconds).abs() < 1e-9 {
                    return Vec::new();
                }
                // Stored with the session: its report states both delays.
                vec![PostureEvent::OnsetDelay {
                    t_ms,
                    from_s,
                    seconds: *seconds,
                }]
            }
            other => {
                tracing::warn!("ignoring control {other:?}: value out of range");
                Vec::new()
            }
        }
    }
}

/// The people in `frame`: while the judge builds a baseline, a detector count
/// ([`PoseEngine::count_people`], which also sees people scoring below the tracking threshold)
/// at most every [`PEOPLE_RECOUNT_MS`] of source time ([`PEOPLE_RECOUNT_LEARNING_MS`] while
/// only the automatic baseline is learned), and for every still photo (all at t = 0);
/// otherwise the estimate's own count.
pub fn recount_people(
    engine: &mut PoseEngine,
    judge: &PostureJudge,
    frame: &Frame,
    estimate: &PoseEstimate,
    last_count_ms: &mut Option<f64>,
) -> anyhow::Result<usize> {
    let every = if judge.is_only_learning() {
        PEOPLE_RECOUNT_LEARNING_MS
    } else {
        PEOPLE_RECOUNT_MS
    };
    let due = last_count_ms.is_none_or(|last| frame.t_ms - last >= every || frame.t_ms <= last);
    if judge.is_building_baseline() && estimate.skeleton.is_some() && due {
        *last_count_ms = Some(frame.t_ms);
        return Ok(engine.count_people(frame)?);
    }
    Ok(estimate.people_detected)
}

/// A factory for [`BlazePoseAnalyzer`]; the models load on the pose thread. With `hold`
/// every frame goes into a baseline built outside the judge ([`PostureJudge::for_baseline`]);
/// otherwise still photos (`pose.mode` static) are judged each on its own, as `measure` does
/// ([`PostureJudge::for_independent_frames`]: no baseline learned from them); with `baseline`
/// the judge starts with it ([`PostureJudge::set_baseline_as`]).
pub fn blazepose_factory(
    models_dir: Option<PathBuf>,
    pose: PoseConfig,
    posture: PostureConfig,
    hold: bool,
    baseline: Option<(Baseline, BaselineStatus)>,
) -> AnalyzerFactory {
    Box::new(move || {
        let stills = pose.mode == crate::pose::Mode::Static;
        let mut analyzer = BlazePoseAnalyzer::new(models_dir.as_deref(), pose, posture)?;
        if hold {
            analyzer.judge = analyzer.judge.for_baseline();
        } else if stills {
            analyzer.judge = analyzer.judge.for_independent_frames();
        }
        if let Some((baseline, status)) = baseline {
            analyzer.judge.set_baseline_as(baseline, status);
        }
        Ok(Box::new(analyzer) as Box<dyn Analyzer>)
    })
}
