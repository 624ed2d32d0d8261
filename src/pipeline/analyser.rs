//! The per-frame work of the pose thread behind one trait, so the threads can be tested with
//! a scripted analyser and run with the real BlazePose engine and posture judge.

use crate::capture::Frame;
use crate::pose::PoseEstimate;
use crate::posture::{PostureEvent, PostureSample};

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

/// The real analyser: BlazePose on ONNX Runtime, then the posture judge, with models from
/// `models_dir` (default: the installation's `models/`) and the given onset delay.
// TODO(monitor): replace the body once `pose::PoseEngine` and `posture::PostureJudge` land
// on main; until then the headless monitor reports that the engine is missing.
pub fn blazepose_factory(
    models_dir: Option<std::path::PathBuf>,
    onset_delay_s: Option<f64>,
) -> AnalyserFactory {
    Box::new(move || {
        let _ = (models_dir, onset_delay_s);
        anyhow::bail!(
            "the pose engine is not part of this build yet (branch `monitor` awaits `pose`)"
        )
    })
}
