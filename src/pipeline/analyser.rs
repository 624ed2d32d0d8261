//! The per-frame work of the pose thread behind one trait, so the threads can be tested with
//! a scripted analyser and run with the real BlazePose engine and posture judge.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::capture::Frame;
use crate::pose::{PoseConfig, PoseEngine, PoseEstimate};
use crate::posture::{PostureConfig, PostureEvent, PostureJudge, PostureSample};

use super::Control;

/// The result of analysing one frame.
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
pub trait Analyser {
    /// Analyses one frame. An error concerns this frame only; the pipeline logs it and
    /// gives up after many in a row.
    fn analyse(&mut self, frame: &Frame) -> anyhow::Result<Analysis>;

    /// Applies a control message at source time `t_ms` (snooze, calibrate, onset delay);
    /// returns the events it causes. `Control::SetRate` is handled by the pipeline.
    fn control(&mut self, control: &Control, t_ms: f64) -> Vec<PostureEvent>;
}

/// Builds the analyser on the pose thread (ONNX sessions are created where they are used).
pub type AnalyserFactory = Box<dyn FnOnce() -> anyhow::Result<Box<dyn Analyser>> + Send>;

/// The real analyser: the BlazePose engine followed by the posture judge.
pub struct BlazePoseAnalyser {
    engine: PoseEngine,
    judge: PostureJudge,
}

impl std::fmt::Debug for BlazePoseAnalyser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlazePoseAnalyser")
            .field("posture", self.judge.config())
            .finish_non_exhaustive()
    }
}

impl BlazePoseAnalyser {
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
        })
    }

    /// The judge (baseline, exposure, configuration).
    pub fn judge(&self) -> &PostureJudge {
        &self.judge
    }
}

impl Analyser for BlazePoseAnalyser {
    fn analyse(&mut self, frame: &Frame) -> anyhow::Result<Analysis> {
        let estimate = self.engine.estimate(frame)?;
        let (sample, events) = self.judge.update_with_mask(
            frame.seq,
            frame.t_ms,
            estimate.skeleton.as_ref(),
            self.engine.mask(),
        );
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
            Control::SetOnsetDelay(seconds) if seconds.is_finite() && *seconds >= 0.0 => {
                self.judge.config_mut().onset_delay_s = *seconds;
                Vec::new()
            }
            other => {
                tracing::warn!("ignoring control {other:?}: value out of range");
                Vec::new()
            }
        }
    }
}

/// A factory for [`BlazePoseAnalyser`]; the models load on the pose thread.
pub fn blazepose_factory(
    models_dir: Option<PathBuf>,
    pose: PoseConfig,
    posture: PostureConfig,
) -> AnalyserFactory {
    Box::new(move || {
        let analyser = BlazePoseAnalyser::new(models_dir.as_deref(), pose, posture)?;
        Ok(Box::new(analyser) as Box<dyn Analyser>)
    })
}
