//! Spawns, wires and stops the worker threads: the only place that knows the topology.
//!
//! ```text
//!  capture thread ──frames──▶ pose thread ──Update (bounded 64)──▶ consumer (window, headless)
//!   FrameSource     latest-wins   Analyzer      ▲
//!   (opened here)   slot (live)   (built here)  └─ Control (bounded 16) from the consumer
//!                   or bounded 4, blocking (analysis: no frame dropped)
//! ```
//!
//! The capture thread opens the source itself (a camera stays on the thread that built it)
//! and skips frames closer than the analysis interval on the source clock, so a 30 fps camera
//! analyzed at 2 fps converts only 2 frames a second. The pose thread builds the
//! [`Analyzer`] itself (the ONNX sessions stay on it), applies [`Control`] messages, and
//! speeds the rate up while the posture is at risk.
//!
//! The message types below are the contract between the pipeline and the window
//! (`ui`), the headless monitor and the [`recorder`], which stores their numbers. The
//! [`annotate`] consumer draws on every frame (`render`) and encodes the annotated video
//! (`plumbline annotate` and the window's review mode).

mod analyzer;
pub mod annotate;
pub mod calm;
mod failure;
pub mod kept;
pub mod recorder;
mod workers;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

pub use analyzer::{Analysis, Analyzer, AnalyzerFactory, BlazePoseAnalyzer, blazepose_factory};
pub use failure::{ControlError, Failure, FailureKind, StartError};
pub use recorder::Recorder;

use crate::capture::{Frame, Pacing, SourceSpec};
use crate::pose::{ModelChoice, PoseConfig, PoseEstimate};
use crate::posture::{
    Baseline, BaselineStatus, PostureConfig, PostureEvent, PostureSample, PostureState,
};

/// Capacity of the update channel to the consumer.
pub const UPDATE_CAPACITY: usize = 64;

/// Capacity of the frame queue in [`Delivery::Lossless`] mode.
pub const LOSSLESS_CAPACITY: usize = 4;

/// Capacity of the control channel.
pub const CONTROL_CAPACITY: usize = 16;

/// How often a camera that another program uses is tried again (quietly).
pub const CAMERA_BUSY_RETRY: Duration = Duration::from_secs(30);

/// Default analysis rate of recordings (`plumbline analyze --rate`), frames per second of
/// source time; docs/RECORDS.md gives the reasons for the value.
pub const DEFAULT_ANALYSIS_FPS: f64 = 10.0;

/// Highest analysis rate a user can ask for, frames per second (above any camera's rate).
pub const MAX_ANALYSIS_FPS: f64 = 1000.0;

/// How often blocked threads look at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// One analyzed frame, as the UI shows it.
#[derive(Clone, Debug)]
pub struct Analyzed {
    /// The frame the pose thread analyzed (shared pixels).
    pub frame: Frame,
    /// What the pose engine found.
    pub estimate: PoseEstimate,
    /// The posture judgement for this frame.
    pub sample: PostureSample,
}

/// The state of the frame source, for the status line and error screens.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceStatus {
    /// Opening the source.
    Opening,
    /// Delivering frames; the text describes the source (device name, file, resolution).
    Running(String),
    /// The camera was lost; retrying.
    Reconnecting {
        /// Retry number, from 1.
        attempt: u32,
        /// Seconds until the next try.
        retry_in_s: f64,
        /// Why it was lost.
        reason: String,
    },
    /// The source is closed on purpose (the camera light is off) until it is resumed or,
    /// for a busy camera, until it can be opened again.
    Paused(PauseReason),
    /// The source ended (end of file or folder).
    Ended,
    /// The source cannot be used; the message says what to do.
    Failed(Failure),
}

/// Why the source is closed while the pipeline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PauseReason {
    /// The user paused monitoring (tray menu, window).
    User,
    /// The screen is locked.
    ScreenLocked,
    /// Another program uses the camera (`EBUSY`, a video call); retried every
    /// [`CAMERA_BUSY_RETRY`].
    CameraInUse,
}

impl PauseReason {
    /// A short text for status lines and the tray ("paused: camera in use").
    pub fn text(self) -> &'static str {
        match self {
            Self::User => "paused",
            Self::ScreenLocked => "paused: screen locked",
            Self::CameraInUse => "paused: camera in use",
        }
    }
}

/// What the pipeline tells its consumers (window, headless printer).
#[derive(Clone, Debug)]
pub enum Update {
    /// A frame was analyzed.
    Analyzed(Box<Analyzed>),
    /// The source's state changed.
    Source(SourceStatus),
    /// The posture machine reported an event.
    Posture(PostureEvent),
    /// A worker failed and the pipeline cannot go on; the message says what to do.
    Failed(Failure),
}

/// What the consumers can ask of the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// Snooze warnings for this many minutes.
    Snooze {
        /// Minutes.
        minutes: f64,
    },
    /// End a snooze now.
    Resume,
    /// Start a calibration of this many seconds (the user sits upright).
    Calibrate {
        /// Seconds.
        seconds: f64,
    },
    /// Change the onset delay (seconds).
    SetOnsetDelay(f64),
    /// Change the analysis rate (frames per second).
    SetRate(f64),
    /// Stop analyzing and close the source (a camera is released: its light goes off).
    PauseSource(PauseReason),
    /// Reopen the source after [`Control::PauseSource`].
    ResumeSource,
    /// Forget the baseline (the user asked): judge by the absolute bands and, with the
    /// automatic baseline on, learn a new one.
    ForgetBaseline,
}

/// How frames travel from the capture thread to the pose thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// One slot, newest frame wins: a slow model drops stale frames (live monitoring).
    #[default]
    LatestWins,
    /// A small blocking queue: every selected frame is analyzed (analysis of recordings).
    Lossless,
}

/// How many frames per second of source time are analyzed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatePolicy {
    /// Normal rate; `None` analyzes every frame the source delivers.
    pub fps: Option<f64>,
    /// Rate while the posture is at risk; `None` keeps `fps`.
    pub at_risk_fps: Option<f64>,
    /// The calm rate, once an upright posture has held still for `calm_after_s`
    /// ([`calm::CalmWatch`]); `None` keeps `fps`. Never faster than `fps`.
    pub calm_fps: Option<f64>,
    /// Seconds of continuous upright, still frames before the calm rate applies.
    pub calm_after_s: f64,
}

impl Default for RatePolicy {
    /// The rates of the default [`PostureConfig`].
    fn default() -> Self {
        Self::monitor(&PostureConfig::default())
    }
}

impl RatePolicy {
    /// The monitor's rates from its configuration: `analysis_rate_fps`, while at risk
    /// `at_risk_rate_fps` (never slower than the normal rate), and once calm
    /// `calm_rate_fps` (never faster than the normal rate).
    pub fn monitor(config: &PostureConfig) -> Self {
        Self {
            fps: Some(config.analysis_rate_fps),
            at_risk_fps: Some(config.at_risk_rate_fps.max(config.analysis_rate_fps)),
            calm_fps: Some(config.calm_rate_fps),
            calm_after_s: config.calm_after_s,
        }
    }

    /// Every frame, no speed-up, no calm rate (analysis of files as fast as possible).
    pub const EVERY_FRAME: Self = Self::fixed(None);

    /// One rate whatever the posture (`None`: every frame): recordings analyzed for a report
    /// (`analyze --rate`), whose samples must be evenly spaced.
    pub const fn fixed(fps: Option<f64>) -> Self {
        Self {
            fps,
            at_risk_fps: None,
            calm_fps: None,
            calm_after_s: 0.0,
        }
    }

    /// Minimum source-time spacing of analyzed frames in `state`, milliseconds; `calm` when
    /// the calm rate applies ([`calm::CalmWatch::is_calm`]).
    pub fn interval_ms(&self, state: PostureState, calm: bool) -> f64 {
        let fps = match (state, self.at_risk_fps, self.calm_fps) {
            (PostureState::AtRisk, Some(fast), _) => Some(self.fps.map_or(fast, |f| f.max(fast))),
            (PostureState::Upright, _, Some(slow)) if calm => {
                Some(self.fps.map_or(slow, |f| f.min(slow)))
            }
            _ => self.fps,
        };
        fps.filter(|f| f.is_finite() && *f > 0.0)
            .map_or(0.0, |f| 1000.0 / f)
    }
}

/// What analyzes the frames on the pose thread.
pub enum AnalyzerSpec {
    /// The BlazePose engine and the posture judge, built on the pose thread.
    BlazePose {
        /// Folder with the ONNX models (`None`: the installation's `models/`).
        models_dir: Option<PathBuf>,
        /// Landmark model, mode and threads.
        pose: PoseConfig,
        /// Thresholds and delays of the judge (boxed: the configuration is large next to a
        /// factory).
        posture: Box<PostureConfig>,
        /// Every frame goes into a baseline or follow-up hold built outside the judge
        /// (`PostureJudge::for_baseline`): the people are counted as for a calibration.
        hold: bool,
        /// The baseline the judge starts with and its status (a baseline kept from an
        /// earlier run, [`kept`]); `None`: none (learned when the configuration says so).
        baseline: Option<Box<(Baseline, BaselineStatus)>>,
    },
    /// Any other analyzer (tests script one).
    Custom(AnalyzerFactory),
}

impl AnalyzerSpec {
    /// The factory that builds this analyzer on the pose thread.
    fn into_factory(self) -> AnalyzerFactory {
        match self {
            Self::BlazePose {
                models_dir,
                pose,
                posture,
                hold,
                baseline,
            } => blazepose_factory(models_dir, pose, *posture, hold, baseline.map(|b| *b)),
            Self::Custom(factory) => factory,
        }
    }
}

impl std::fmt::Debug for AnalyzerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BlazePose {
                models_dir,
                pose,
                posture,
                hold,
                baseline,
            } => f
                .debug_struct("BlazePose")
                .field("models_dir", models_dir)
                .field("pose", pose)
                .field("posture", posture)
                .field("hold", hold)
                .field("baseline", baseline)
                .finish(),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// Everything [`Pipeline::start`] needs. [`PipelineConfig::live`] and
/// [`PipelineConfig::recording`] are the one place that turns a [`PostureConfig`], a source
/// and a mode into one.
pub struct PipelineConfig {
    /// Where frames come from.
    pub source: SourceSpec,
    /// Real-time or as-fast-as-possible playback of recordings (cameras are always live).
    pub pacing: Pacing,
    /// Latest-wins (live) or lossless (analysis).
    pub delivery: Delivery,
    /// Analysis rate.
    pub rate: RatePolicy,
    /// What analyzes the frames.
    pub analyzer: AnalyzerSpec,
    /// Called after each update is sent (the window passes `ctx.request_repaint`).
    pub on_update: Option<Box<dyn Fn() + Send>>,
}

impl std::fmt::Debug for PipelineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineConfig")
            .field("source", &self.source)
            .field("pacing", &self.pacing)
            .field("delivery", &self.delivery)
            .field("rate", &self.rate)
            .field("analyzer", &self.analyzer)
            .finish_non_exhaustive()
    }
}

impl PipelineConfig {
    /// Live monitoring (the window and `plumbline monitor`): sources play on their own clock,
    /// the newest frame wins, and the configuration's analysis rates apply.
    pub fn live(
        source: SourceSpec,
        models_dir: Option<PathBuf>,
        pose: PoseConfig,
        posture: PostureConfig,
    ) -> Self {
        // Watched for hours a few times a second: a fresh person mask every 2 s is enough.
        let pose = PoseConfig {
            mask_every_ms: crate::pose::LIVE_MASK_EVERY_MS,
            ..pose
        };
        Self {
            source,
            pacing: Pacing::RealTime,
            delivery: Delivery::LatestWins,
            rate: RatePolicy::monitor(&posture),
            analyzer: AnalyzerSpec::BlazePose {
                models_dir,
                pose,
                posture: Box::new(posture),
                hold: false,
                baseline: None,
            },
            on_update: None,
        }
    }

    /// Analysis of a recording (`monitor --fast`, `analyze`, `baseline`): as fast as it
    /// decodes and no frame dropped, at the configuration's rates (change them with
    /// [`Self::with_rate`]). A camera has no recording to hurry through: it stays live.
    pub fn recording(
        source: SourceSpec,
        models_dir: Option<PathBuf>,
        pose: PoseConfig,
        posture: PostureConfig,
    ) -> Self {
        let recorded = source.is_recording();
        let mut config = Self::live(source, models_dir, pose, posture);
        if recorded {
            config.pacing = Pacing::AsFastAsPossible;
            config.delivery = Delivery::Lossless;
            // A recording is analyzed once for a report: a fresh mask on every frame.
            if let AnalyzerSpec::BlazePose { pose, .. } = &mut config.analyzer {
                pose.mask_every_ms = 0.0;
            }
        }
        config
    }

    /// The analysis of a recording as `analyze`, `baseline` and the window's review mode run
    /// it: the one place their choices become a pipeline, so the same recording gives the same
    /// numbers in each. Recordings are analyzed as fast as they decode (the faster thread
    /// layout chosen while running, ONNX Runtime's arena kept) with the default
    /// [`PostureConfig`]; a camera stays live.
    pub fn analysis(
        source: SourceSpec,
        models_dir: Option<PathBuf>,
        options: AnalysisOptions,
    ) -> Self {
        let recording = source.is_recording();
        let pose = PoseConfig {
            model: options.model,
            intra_threads: options.intra_threads,
            adaptive_threads: recording,
            mode: if options.stills {
                crate::pose::Mode::Static
            } else {
                crate::pose::Mode::Video
            },
            ..PoseConfig::default()
        };
        let posture = judged_with(options.posture, options.stills);
        let mut config = Self::recording(source, models_dir, pose, posture)
            .with_rate(RatePolicy::fixed(options.fps));
        if let AnalyzerSpec::BlazePose { hold, .. } = &mut config.analyzer {
            *hold = options.hold;
        }
        config
    }

    /// The configuration the judge runs with (`None` for a scripted analyzer): what the
    /// session recording this pipeline stores as its settings.
    pub fn judged_with(&self) -> Option<&PostureConfig> {
        match &self.analyzer {
            AnalyzerSpec::BlazePose { posture, .. } => Some(posture),
            AnalyzerSpec::Custom(_) => None,
        }
    }

    /// The same pipeline at another analysis rate.
    #[must_use]
    pub fn with_rate(mut self, rate: RatePolicy) -> Self {
        self.rate = rate;
        self
    }

    /// The same pipeline with a judge that starts with `baseline` as `status` (a baseline
    /// kept from an earlier run): no learning phase, judged against it from the first frame.
    /// A custom analyzer is left as it is.
    #[must_use]
    pub fn with_baseline(mut self, baseline: Baseline, status: BaselineStatus) -> Self {
        if let AnalyzerSpec::BlazePose { baseline: slot, .. } = &mut self.analyzer {
            *slot = Some(Box::new((baseline, status)));
        }
        self
    }

    /// The same pipeline calling `on_update` after each update it sends.
    #[must_use]
    pub fn with_on_update(mut self, on_update: Box<dyn Fn() + Send>) -> Self {
        self.on_update = Some(on_update);
        self
    }
}

/// How a recording is analyzed ([`PipelineConfig::analysis`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisOptions {
    /// The landmark model.
    pub model: ModelChoice,
    /// Frames analyzed per second of source time; `None` for every frame.
    pub fps: Option<f64>,
    /// ONNX Runtime intra-op threads of the pose engine.
    pub intra_threads: usize,
    /// The frames are independent still photos: the pose engine detects on each (no tracking
    /// or smoothing across photos), the view is taken from each photo alone, and outside a
    /// hold no baseline is learned from them (each judged on its own, as `measure` does).
    pub stills: bool,
    /// The frames go into a baseline or follow-up hold (`plumbline baseline`, `follow-up`):
    /// the people are counted as often as during a calibration.
    pub hold: bool,
    /// The judge's configuration: the user's one configuration file (the CLI's `--config`,
    /// the window's settings), so recordings are judged by the same thresholds as the
    /// monitor.
    pub posture: PostureConfig,
}

impl AnalysisOptions {
    /// `model` at `fps` (`None`: every frame) with the machine's cores for one pipeline,
    /// judged by `posture`.
    pub fn new(model: ModelChoice, fps: Option<f64>, posture: PostureConfig) -> Self {
        Self {
            model,
            fps,
            posture,
            intra_threads: crate::pose::threads::machine_threads(),
            stills: false,
            hold: false,
        }
    }

    /// The same options for `spec`: one photo is a still ([`SourceSpec::is_one_photo`]).
    #[must_use]
    pub fn for_source(self, spec: &SourceSpec) -> Self {
        Self {
            stills: self.stills || spec.is_one_photo(),
            ..self
        }
    }

    /// The configuration the judge of [`PipelineConfig::analysis`] runs with: `posture`, with
    /// no view hysteresis for still photos. The session of the run stores this.
    pub fn judged_with(&self) -> PostureConfig {
        judged_with(self.posture.clone(), self.stills)
    }
}

/// `posture` as the judge of an analysis runs it: no view hysteresis for still photos.
fn judged_with(posture: PostureConfig, stills: bool) -> PostureConfig {
    if stills {
        posture.for_stills()
    } else {
        posture
    }
}

/// The analysis interval shared by the pose thread (writer) and the capture thread (reader).
#[derive(Clone, Debug, Default)]
struct SharedInterval(Arc<AtomicU64>);

impl SharedInterval {
    fn ms(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    fn set_ms(&self, interval_ms: f64) {
        self.0.store(interval_ms.to_bits(), Ordering::Relaxed);
    }
}

/// The pause asked of the capture thread (`None`: run), set by the pose thread's controls.
#[derive(Clone, Debug, Default)]
struct SharedPause(Arc<std::sync::Mutex<Option<PauseReason>>>);

impl SharedPause {
    fn get(&self) -> Option<PauseReason> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set(&self, reason: Option<PauseReason>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = reason;
    }
}

/// A flag that asks every worker to stop; cheap to clone into a Ctrl-C handler.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Asks the workers to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

struct Worker {
    name: &'static str,
    handle: JoinHandle<()>,
}

/// The running threads. Dropping it (or [`Pipeline::stop`]) stops and joins them.
pub struct Pipeline {
    workers: Vec<Worker>,
    stop: StopFlag,
    controls: Sender<Control>,
    /// The configuration the judge was built with ([`PipelineConfig::judged_with`]).
    judged_with: Option<PostureConfig>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.workers.iter().map(|w| w.name).collect();
        f.debug_struct("Pipeline")
            .field("workers", &names)
            .field("stopped", &self.stop.is_stopped())
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Builds the analyzer and opens the source on their own threads, waits until both are
    /// ready (so a missing runtime, camera or file is an error here), and starts the flow.
    /// The receiver yields [`Update`]s until the source ends or the pipeline stops; then it
    /// disconnects.
    pub fn start(config: PipelineConfig) -> Result<(Self, Receiver<Update>), StartError> {
        let stop = StopFlag::default();
        let interval = SharedInterval::default();
        let pause = SharedPause::default();
        interval.set_ms(config.rate.interval_ms(PostureState::Upright, false));
        let (updates_tx, updates_rx) = crossbeam_channel::bounded(UPDATE_CAPACITY);
        let (controls_tx, controls_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
        let (frames_tx, frames_rx) = workers::frame_link(config.delivery);
        let mut pipeline = Self {
            workers: Vec::new(),
            stop: stop.clone(),
            controls: controls_tx,
            judged_with: config.judged_with().cloned(),
        };

        let (pose_ready_tx, pose_ready_rx) = crossbeam_channel::bounded(1);
        let pose = workers::PoseWorker {
            frames: frames_rx,
            controls: controls_rx,
            updates: updates_tx.clone(),
            rate: config.rate,
            interval: interval.clone(),
            pause: pause.clone(),
            stop: stop.clone(),
            on_update: config.on_update,
        };
        let factory = config.analyzer.into_factory();
        pipeline.spawn("pose", move || pose.run(factory, &pose_ready_tx))?;

        let (source_ready_tx, source_ready_rx) = crossbeam_channel::bounded(1);
        let capture = workers::CaptureWorker {
            frames: frames_tx,
            updates: updates_tx,
            interval,
            pause,
            busy_retry: CAMERA_BUSY_RETRY,
            stop,
        };
        let (spec, pacing) = (config.source, config.pacing);
        pipeline.spawn("capture", move || {
            capture.run(
                &mut || crate::capture::open(&spec, pacing),
                &source_ready_tx,
            );
        })?;

        // Both threads report once; a closed channel means the thread died before reporting.
        let vanished =
            |name: &str| Failure::new(FailureKind::Internal, format!("the {name} thread ended"));
        let pose_ready = pose_ready_rx
            .recv()
            .unwrap_or_else(|_| Err(vanished("pose")));
        let source_ready = source_ready_rx
            .recv()
            .unwrap_or_else(|_| Err(vanished("capture")));
        // The source's error first: a wrong path is the likelier mistake and quick to fix.
        source_ready.map_err(StartError::Source)?;
        pose_ready.map_err(StartError::Engine)?;
        Ok((pipeline, updates_rx))
    }

    fn spawn(
        &mut self,
        name: &'static str,
        body: impl FnOnce() + Send + 'static,
    ) -> Result<(), StartError> {
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(body)
            .map_err(|source| StartError::Thread { name, source })?;
        self.workers.push(Worker { name, handle });
        Ok(())
    }

    /// Sends a control message to the pose thread, waiting at most a second for room.
    pub fn control(&self, control: Control) -> Result<(), ControlError> {
        self.controls
            .send_timeout(control, Duration::from_secs(1))
            .map_err(|err| match err {
                crossbeam_channel::SendTimeoutError::Timeout(_) => ControlError::Busy,
                crossbeam_channel::SendTimeoutError::Disconnected(_) => ControlError::Stopped,
            })
    }

    /// The configuration the judge started with (`None` for a scripted analyzer): the
    /// settings the session recording this pipeline stores. The window's onset-delay control
    /// changes the running judge's delay later (`Control::SetOnsetDelay`).
    pub fn judged_with(&self) -> Option<&PostureConfig> {
        self.judged_with.as_ref()
    }

    /// A handle that stops the pipeline from elsewhere (a Ctrl-C handler).
    pub fn stop_flag(&self) -> StopFlag {
        self.stop.clone()
    }

    /// Stops and joins the workers.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop.stop();
        for worker in self.workers.drain(..) {
            if worker.handle.join().is_err() {
                tracing::error!("the {} thread panicked", worker.name);
            }
        }
    }
}

/// An analyzed blank 4×3 frame at `t_ms` in `state` with a side-view CVA of `cva` degrees:
/// the update the consumers' tests (window state, today's tally) feed themselves.
#[cfg(test)]
pub(crate) fn analyzed_for_test(seq: u64, t_ms: f64, state: PostureState, cva: f64) -> Update {
    use crate::posture::{Metrics, View};
    let frame = Frame::new(seq, t_ms, image::RgbImage::new(4, 3));
    let estimate = PoseEstimate {
        seq,
        t_ms,
        width: 4,
        height: 3,
        score: None,
        people_detected: 0,
        detector_ran: true,
        roi: None,
        skeleton: None,
    };
    let sample = PostureSample {
        seq,
        t_ms,
        view: View::SideLeft,
        metrics: Metrics {
            cva_deg: Some(cva),
            hip_angle_deg: Some(100.0),
            ..Metrics::default()
        },
        state,
        ..PostureSample::default()
    };
    Update::Analyzed(Box::new(Analyzed {
        frame,
        estimate,
        sample,
    }))
}

#[cfg(test)]
#[path = "pipeline/tests.rs"]
mod tests;
