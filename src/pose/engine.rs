//! The pose engine: MediaPipe's pose graph (`models/README.md` §1-6) as one synchronous call per
//! frame.
//!
//! - **Static mode** runs the detector on every frame and does not smooth
//!   (`static_image_mode=True`).
//! - **Video mode** runs the detector only when no person is tracked. While tracking, the ROI
//!   of the next frame comes from this frame's smoothed auxiliary landmarks, so the engine
//!   stays on the tracked person even when others enter the frame; `people_detected` reports
//!   what the detector saw the last time it ran. A frame whose pose-presence flag fails yields
//!   no skeleton and the next frame runs the detector again.

use std::path::Path;

use super::PoseEstimate;
use super::detector::{self, DEFAULT_MIN_DETECTION_SCORE, PEOPLE_MIN_SCORE};
use super::error::PoseError;
use super::landmarks::DEFAULT_MIN_PRESENCE;
use super::nets::{DetectorNet, LandmarkNet};
use super::rect::{ImageSize, NormRect};
use super::segmentation::PersonMask;
use super::threads;
use super::tracking::{self, PoseSmoother};
use crate::capture::Frame;
use crate::models::ModelKind;

/// Which landmark model to run: the one list for every command, the window's preferences
/// and the stored sessions (`as_str` is the stored and the command-line name).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelChoice {
    /// Fastest, least accurate (complexity 0).
    Lite,
    /// The default (complexity 1).
    #[default]
    Full,
    /// Slowest, most accurate (complexity 2); made with `scripts/convert-models --heavy`.
    Heavy,
}

impl ModelChoice {
    /// Every choice, fastest first.
    pub const ALL: [Self; 3] = [Self::Lite, Self::Full, Self::Heavy];

    /// The name on the command line, in settings files and in stored sessions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lite => "lite",
            Self::Full => "full",
            Self::Heavy => "heavy",
        }
    }

    /// The model file of this choice (segmentation output pruned).
    pub fn kind(self) -> ModelKind {
        match self {
            Self::Lite => ModelKind::LandmarkLite,
            Self::Full => ModelKind::LandmarkFull,
            Self::Heavy => ModelKind::LandmarkHeavy,
        }
    }

    /// The model file of this choice with the segmentation output kept (`_seg`); heavy has
    /// no `_seg` file and stays without a mask.
    pub fn kind_with_segmentation(self) -> ModelKind {
        match self {
            Self::Lite => ModelKind::LandmarkLiteSeg,
            Self::Full => ModelKind::LandmarkFullSeg,
            Self::Heavy => ModelKind::LandmarkHeavy,
        }
    }
}

/// Whether frames are independent or a sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Independent images: detector on every frame, no smoothing.
    Static,
    /// A video or camera: track between frames, smooth landmarks.
    #[default]
    Video,
}

/// Settings of a [`PoseEngine`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoseConfig {
    /// Landmark model.
    pub model: ModelChoice,
    /// Static or video mode.
    pub mode: Mode,
    /// ONNX Runtime intra-op threads per model.
    pub intra_threads: usize,
    /// With `intra_threads` > 1: choose between that many threads (with and without a
    /// spinning pool) and one thread while running, by measured speed ([`super::threads`]);
    /// the results are the same. For whole files (`plumbline pose`, `analyze`); off means
    /// exactly `intra_threads` with ONNX Runtime's spinning pool.
    pub adaptive_threads: bool,
    /// ONNX Runtime's CPU memory arena ([`crate::models::SessionOptions::arena`]): a little
    /// faster, a little more memory; off for the monitor.
    pub memory_arena: bool,
    /// Minimum detector score (inclusive).
    pub min_detection_confidence: f32,
    /// Minimum pose-presence probability (strictly greater) for a frame to have landmarks.
    pub min_tracking_confidence: f32,
    /// Run the `_seg` landmark model and keep the person mask ([`PoseEngine::mask`]); on by
    /// default because the CVA's silhouette C7 needs it (docs/GEOMETRY.md §3.4). The
    /// landmarks are the same as without it.
    pub segmentation: bool,
}

impl PoseConfig {
    /// The session options asked for: `intra_threads` with the spinning pool and the arena
    /// setting ([`threads::layouts`] derives the layouts to choose from).
    pub fn session_options(&self) -> crate::models::SessionOptions {
        crate::models::SessionOptions {
            arena: self.memory_arena,
            ..crate::models::SessionOptions::threads(self.intra_threads)
        }
    }
}

impl Default for PoseConfig {
    fn default() -> Self {
        Self {
            model: ModelChoice::default(),
            mode: Mode::default(),
            intra_threads: 1,
            adaptive_threads: false,
            memory_arena: false,
            min_detection_confidence: DEFAULT_MIN_DETECTION_SCORE,
            min_tracking_confidence: DEFAULT_MIN_PRESENCE,
            segmentation: true,
        }
    }
}

/// Detector, landmark model and tracking state for one stream of frames.
pub struct PoseEngine {
    config: PoseConfig,
    detector: DetectorNet,
    landmarks: LandmarkNet,
    /// The ROI for the next frame while a person is tracked (video mode).
    next_roi: Option<NormRect>,
    /// Score of the detection that started the current track.
    track_score: Option<f32>,
    /// People seen by the last detector run.
    people_detected: usize,
    smoother: PoseSmoother,
    /// The person mask of the last frame with a pose (segmentation on).
    mask: Option<PersonMask>,
}

impl PoseEngine {
    /// Loads and verifies the detector and the chosen landmark model from `models_dir`.
    pub fn new(models_dir: &Path, config: PoseConfig) -> Result<Self, PoseError> {
        let layouts = threads::layouts(config.session_options(), config.adaptive_threads);
        // In video mode the detector runs only when nobody is tracked: one layout.
        let detector = match config.mode {
            Mode::Static => DetectorNet::open_with(models_dir, &layouts)?,
            Mode::Video => DetectorNet::open_with(models_dir, &[threads::occasional(&layouts)])?,
        };
        let kind = if config.segmentation {
            config.model.kind_with_segmentation()
        } else {
            config.model.kind()
        };
        let landmarks = LandmarkNet::open_with(models_dir, kind, &layouts)?;
        Ok(Self {
            config,
            detector,
            landmarks,
            next_roi: None,
            track_score: None,
            people_detected: 0,
            smoother: PoseSmoother::default(),
            mask: None,
        })
    }

    /// The engine's settings.
    pub fn config(&self) -> &PoseConfig {
        &self.config
    }

    /// The thread layout the landmark model runs with now: (intra-op threads, spinning pool).
    pub fn thread_layout(&self) -> (usize, bool) {
        let layouts = threads::layouts(self.config.session_options(), self.config.adaptive_threads);
        let layout = layouts[self.landmarks.layout().min(layouts.len() - 1)];
        (layout.intra_threads, layout.spinning)
    }

    /// Forgets the tracked person and all filter state (a new stream starts).
    pub fn reset(&mut self) {
        self.landmarks.pause();
        self.next_roi = None;
        self.track_score = None;
        self.people_detected = 0;
        self.smoother = PoseSmoother::default();
        self.mask = None;
    }

    /// The person mask of the last [`estimate`](Self::estimate) call, `None` without
    /// segmentation or when that frame had no pose.
    pub fn mask(&self) -> Option<&PersonMask> {
        self.mask.as_ref()
    }

    /// Estimates the pose in `frame`. `Ok` with `skeleton: None` when nobody is found.
    pub fn estimate(&mut self, frame: &Frame) -> Result<PoseEstimate, PoseError> {
        self.mask = None;
        let (width, height) = (frame.width(), frame.height());
        if width == 0 || height == 0 {
            return Err(PoseError::EmptyFrame {
                seq: frame.seq,
                width,
                height,
            });
        }
        let size = ImageSize::new(width, height);
        let tracked = match self.config.mode {
            Mode::Video => self.next_roi.take(),
            Mode::Static => None,
        };
        let detector_ran = tracked.is_none();
        let roi = match tracked {
            Some(roi) => Some(roi),
            None => self.detect(frame, size)?,
        };
        let mut estimate = PoseEstimate {
            seq: frame.seq,
            t_ms: frame.t_ms,
            width,
            height,
            score: self.track_score,
            people_detected: self.people_detected,
            detector_ran,
            roi: roi.map(|r| r.to_pixels(size)),
            skeleton: None,
        };
        let Some(roi) = roi else {
            self.lose_track();
            return Ok(estimate);
        };
        let mut out = self.landmarks.run(&frame.image, &roi)?;
        if out.presence <= self.config.min_tracking_confidence {
            self.lose_track();
            return Ok(estimate);
        }
        if self.config.mode == Mode::Video {
            let t_ns = tracking::time_ns(frame.t_ms);
            self.smoother
                .apply(t_ns, size, &mut out.landmarks, &mut out.world);
            self.next_roi = tracking::roi_from_aux(&out.landmarks, size);
        }
        self.mask = out.mask.take();
        estimate.skeleton = Some(tracking::skeleton(
            &out.landmarks,
            &out.world,
            out.presence,
            size,
        ));
        Ok(estimate)
    }

    /// Runs the detector on `frame` only to count the people in it (the tracked person stays
    /// tracked) and returns the count, which later estimates report as `people_detected`:
    /// detections that do not overlap (after the detector's own suppression) and score at
    /// least [`PEOPLE_MIN_SCORE`]. The judge asks for this while it builds a baseline, which
    /// must be one person's.
    pub fn count_people(&mut self, frame: &Frame) -> Result<usize, PoseError> {
        let min_score = PEOPLE_MIN_SCORE.min(self.config.min_detection_confidence);
        let detections = self.detector.detect(&frame.image, min_score)?;
        self.people_detected = detections.len();
        Ok(self.people_detected)
    }

    /// Runs the detector; returns the best detection's ROI and records score and count.
    fn detect(&mut self, frame: &Frame, size: ImageSize) -> Result<Option<NormRect>, PoseError> {
        let detections = self
            .detector
            .detect(&frame.image, self.config.min_detection_confidence)?;
        self.people_detected = detections.len();
        let best = detections.first();
        self.track_score = best.map(|d| d.score);
        Ok(best.and_then(|d| detector::roi_from_detection(d, size)))
    }

    fn lose_track(&mut self) {
        self.next_roi = None;
        self.smoother.on_lost();
    }
}
