//! The analysis of a recording for review: the pipeline of `plumbline analyze`
//! ([`PipelineConfig::analysis`], here every frame) on its own threads, and one more thread,
//! `review-analysis`, that starts it and collects what it finds into memory: numbers and
//! landmarks per frame and the judge's events, never pixels. The window takes the new
//! results at each repaint ([`Analysis::poll`]); seeking and stepping only read them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::capture::SourceSpec;
use crate::pipeline::{
    AnalysisOptions, Failure, FailureKind, Pipeline, PipelineConfig, SourceStatus, Update,
};
use crate::posture::PostureEvent;

/// How often the collector wakes the window while results come in.
const WAKE_EVERY: Duration = Duration::from_millis(100);

/// How often the collector looks whether the review was closed.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// What the analysis found in one frame (its pixels are decoded again when it is shown); the
/// annotated-video export draws with it too.
pub use crate::pipeline::annotate::KnownFrame as ReviewFrame;

/// Where the analysis is.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Model loading and source opening.
    Starting,
    /// Frames come in.
    Running,
    /// Every frame is analyzed.
    Done,
    /// The analysis stopped; frames found before stay.
    Failed(Failure),
}

/// What the collector hands over at the next poll.
#[derive(Debug)]
struct Shared {
    frames: Vec<ReviewFrame>,
    events: Vec<PostureEvent>,
    progress: Progress,
    /// Frames the pipeline analyzed, all told.
    analyzed: u64,
}

/// One running or finished analysis; dropping it stops the pipeline.
pub struct Analysis {
    shared: Arc<Mutex<Shared>>,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The recording's announced length, seconds.
    duration_s: Option<f64>,
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("duration_s", &self.duration_s)
            .finish_non_exhaustive()
    }
}

/// New results since the last poll.
#[derive(Debug, Default)]
pub struct News {
    /// Newly analyzed frames, in order.
    pub frames: Vec<ReviewFrame>,
    /// New posture events.
    pub events: Vec<PostureEvent>,
}

impl Analysis {
    /// Starts analyzing `spec` as `options` say (the window: every frame); `wake` is called
    /// when results arrive (the window passes `ctx.request_repaint`).
    pub fn start(
        spec: SourceSpec,
        models_dir: Option<PathBuf>,
        options: AnalysisOptions,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let duration_s = spec.announced_duration_s();
        let shared = Arc::new(Mutex::new(Shared {
            frames: Vec::new(),
            events: Vec::new(),
            progress: Progress::Starting,
            analyzed: 0,
        }));
        let cancel = Arc::new(AtomicBool::new(false));
        let config = PipelineConfig::analysis(spec, models_dir, options);
        let collector = Collector {
            shared: Arc::clone(&shared),
            cancel: Arc::clone(&cancel),
            wake,
        };
        let thread = std::thread::Builder::new()
            .name("review-analysis".into())
            .spawn(move || collector.run(config));
        let thread = match thread {
            Ok(handle) => Some(handle),
            Err(err) => {
                lock(&shared).progress = Progress::Failed(Failure::new(
                    FailureKind::Internal,
                    format!("cannot start the analysis thread: {err}"),
                ));
                None
            }
        };
        Self {
            shared,
            cancel,
            thread,
            duration_s,
        }
    }

    /// Takes the results that came in since the last call.
    pub fn poll(&self) -> News {
        let mut shared = lock(&self.shared);
        News {
            frames: std::mem::take(&mut shared.frames),
            events: std::mem::take(&mut shared.events),
        }
    }

    /// Where the analysis is.
    pub fn progress(&self) -> Progress {
        lock(&self.shared).progress.clone()
    }

    /// Frames the pose engine analyzed for this review, all told (each exactly once).
    pub fn analyzed_frames(&self) -> u64 {
        lock(&self.shared).analyzed
    }

    /// The recording's announced length, seconds (videos that announce one).
    pub fn duration_s(&self) -> Option<f64> {
        self.duration_s
    }
}

impl Drop for Analysis {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the review analysis thread panicked");
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `review-analysis` thread's side.
struct Collector {
    shared: Arc<Mutex<Shared>>,
    cancel: Arc<AtomicBool>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Collector {
    fn run(self, config: PipelineConfig) {
        let outcome = self.collect(config);
        if self.cancel.load(Ordering::SeqCst) {
            // The review was closed: nobody reads the outcome.
            return;
        }
        let mut shared = lock(&self.shared);
        match outcome {
            Ok(()) => {
                tracing::info!("review: every frame analyzed ({} frames)", shared.analyzed);
                shared.progress = Progress::Done;
            }
            Err(failure) => {
                tracing::warn!("review: the analysis stopped: {failure}");
                shared.progress = Progress::Failed(failure);
            }
        }
        drop(shared);
        (self.wake)();
    }

    fn collect(&self, config: PipelineConfig) -> Result<(), Failure> {
        let (pipeline, updates) = Pipeline::start(config).map_err(|err| err.failure())?;
        lock(&self.shared).progress = Progress::Running;
        let mut last_wake = Instant::now();
        loop {
            if self.cancel.load(Ordering::SeqCst) {
                break;
            }
            let update = match updates.recv_timeout(CANCEL_POLL) {
                Ok(update) => update,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            };
            match update {
                Update::Analyzed(analyzed) => {
                    let analyzed = *analyzed;
                    let mut shared = lock(&self.shared);
                    shared.analyzed += 1;
                    shared.frames.push(ReviewFrame {
                        seq: analyzed.frame.seq,
                        t_ms: analyzed.frame.t_ms,
                        estimate: analyzed.estimate,
                        sample: analyzed.sample,
                    });
                }
                Update::Posture(event) => lock(&self.shared).events.push(event),
                Update::Source(SourceStatus::Failed(failure)) | Update::Failed(failure) => {
                    return Err(failure);
                }
                Update::Source(_) => {}
            }
            if last_wake.elapsed() >= WAKE_EVERY {
                last_wake = Instant::now();
                (self.wake)();
            }
        }
        drop(pipeline);
        Ok(())
    }
}
