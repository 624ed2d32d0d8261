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
use super::detector::{self, DEFAULT_MIN_DETECTION_SCORE, Detection};
use super::error::PoseError;
use super::landmarks::DEFAULT_MIN_PRESENCE;
use super::landmarks::NormLandmark;
use super::nets::{DetectorNet, LandmarkNet};
use super::rect::{ImageSize, NormPoint, NormRect};
use super::segmentation::PersonMask;
use super::skeleton::{LandmarkIndex, Skeleton};
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

    /// The segmentation head of this choice's model (it makes the person mask from the
    /// model's features); heavy has none and stays without a mask.
    pub fn segmentation_head(self) -> Option<ModelKind> {
        match self {
            Self::Lite => Some(ModelKind::LandmarkLiteSegHead),
            Self::Full => Some(ModelKind::LandmarkFullSegHead),
            Self::Heavy => None,
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
    /// ONNX Runtime's CPU memory arena ([`crate::models::SessionOptions::arena`]): on by
    /// default; without it every run maps and faults in its buffers again (the monitor
    /// measured 4 % more CPU and a higher peak memory without it, docs/MONITOR.md).
    pub memory_arena: bool,
    /// Minimum detector score (inclusive).
    pub min_detection_confidence: f32,
    /// Minimum pose-presence probability (strictly greater) for a frame to have landmarks.
    pub min_tracking_confidence: f32,
    /// Run the landmark model's segmentation head and keep the person mask
    /// ([`PoseEngine::mask`]); on by default because the CVA's silhouette C7 needs it
    /// (docs/GEOMETRY.md §3.4). The landmarks are the same as without it.
    pub segmentation: bool,
    /// A fresh person mask at most this often (source time, ms); on the frames between,
    /// the last fresh mask moved with the person's neck landmarks. The head costs about
    /// as much as the rest of the landmark model, and a desk worker's silhouette changes
    /// slowly. 0: a fresh mask on every frame (the default; recordings and photos);
    /// the live monitor uses [`LIVE_MASK_EVERY_MS`].
    pub mask_every_ms: f64,
}

/// The live monitor's [`PoseConfig::mask_every_ms`]: a fresh mask every 2 s of source time
/// (every 4th frame at the default 2 analyses/s). Measured against fresh masks on every
/// frame in docs/MONITOR.md ("Figures").
pub const LIVE_MASK_EVERY_MS: f64 = 2000.0;

/// A carried mask is made fresh as soon as the head moved against the shoulders by more
/// than this fraction of the ear-to-shoulder distance since the mask was made: the carried
/// mask only follows a movement of the whole upper body, not a change of posture. Chosen among
/// 0.03, 0.05 and 0.10 on the two side clips the carried-mask test also reads (in-sample;
/// no other clip was checked), docs/MONITOR.md "Figures".
pub const MASK_REFRESH_SHAPE_CHANGE: f32 = 0.05;

/// A fresh person mask kept to be carried to the next frames.
#[derive(Clone, Debug)]
struct CarriedMask {
    mask: PersonMask,
    /// The neck of the frame the mask was made on.
    neck: Neck,
    t_ms: f64,
}

/// Where the neck is and how the head sits on the shoulders, in pixels. The carried mask
/// follows it, and the monitor's calm rate ends when the head moves on the shoulders by more
/// than its own bound (`pipeline::calm::CALM_MAX_SHAPE_CHANGE`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neck {
    /// The mean of both ears and both shoulders: the region the silhouette C7 is sought in,
    /// which a carried mask follows.
    centre: (f32, f32),
    /// Mean ear minus mean shoulder.
    head: (f32, f32),
}

impl Neck {
    fn of(landmarks: &[NormLandmark], size: ImageSize) -> Self {
        let at = |i: LandmarkIndex| {
            let l = landmarks[i as usize];
            (l.x * size.width, l.y * size.height)
        };
        Self::from_points(at)
    }

    /// The neck of a tracked person.
    pub fn of_skeleton(skeleton: &Skeleton) -> Self {
        Self::from_points(|i| {
            let l = skeleton.at(i);
            (l.x_px, l.y_px)
        })
    }

    fn from_points(at: impl Fn(LandmarkIndex) -> (f32, f32)) -> Self {
        let mean = |a: LandmarkIndex, b: LandmarkIndex| {
            let (a, b) = (at(a), at(b));
            (f32::midpoint(a.0, b.0), f32::midpoint(a.1, b.1))
        };
        let ears = mean(LandmarkIndex::LeftEar, LandmarkIndex::RightEar);
        let shoulders = mean(LandmarkIndex::LeftShoulder, LandmarkIndex::RightShoulder);
        Self {
            centre: (
                f32::midpoint(ears.0, shoulders.0),
                f32::midpoint(ears.1, shoulders.1),
            ),
            head: (ears.0 - shoulders.0, ears.1 - shoulders.1),
        }
    }

    /// How far the head moved against the shoulders since `then`, as a fraction of the
    /// ear-to-shoulder distance then.
    pub fn shape_change(&self, then: &Self) -> f32 {
        let length = then.head.0.hypot(then.head.1).max(1.0);
        (self.head.0 - then.head.0).hypot(self.head.1 - then.head.1) / length
    }
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
            memory_arena: true,
            min_detection_confidence: DEFAULT_MIN_DETECTION_SCORE,
            min_tracking_confidence: DEFAULT_MIN_PRESENCE,
            segmentation: true,
            mask_every_ms: 0.0,
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
    /// The last fresh mask, while `mask_every_ms` > 0 and the person stays tracked.
    carried: Option<CarriedMask>,
    /// Frames whose mask the segmentation head made (not carried).
    fresh_masks: u64,
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
        let head = config
            .segmentation
            .then(|| config.model.segmentation_head())
            .flatten();
        let landmarks = LandmarkNet::open_with(models_dir, config.model.kind(), head, &layouts)?;
        // What parsing and optimising the models freed would otherwise stay resident.
        crate::runtime::release_freed_memory();
        Ok(Self {
            config,
            detector,
            landmarks,
            next_roi: None,
            track_score: None,
            people_detected: 0,
            smoother: PoseSmoother::default(),
            mask: None,
            carried: None,
            fresh_masks: 0,
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
        self.carried = None;
    }

    /// How many frames so far had a mask made by the segmentation head (the others had none
    /// or a carried one).
    pub fn fresh_masks(&self) -> u64 {
        self.fresh_masks
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
        let carried = match &self.carried {
            Some(c) if !detector_ran && frame.t_ms >= c.t_ms => Some((c.neck, frame.t_ms - c.t_ms)),
            _ => None,
        };
        let every = self.config.mask_every_ms;
        let mut out = self.landmarks.run_with(&frame.image, &roi, |landmarks| {
            // A fresh mask unless a recent one can follow this frame: same track, younger than
            // `mask_every_ms`, and the head still sits on the shoulders as it did then.
            carried.is_none_or(|(then, age_ms)| {
                every <= 0.0
                    || age_ms >= every
                    || Neck::of(landmarks, size).shape_change(&then) > MASK_REFRESH_SHAPE_CHANGE
            })
        })?;
        if out.mask.is_some() {
            self.fresh_masks += 1;
        }
        // The carried mask follows the landmarks of the model's crop, as the mask does.
        let neck = Neck::of(&out.landmarks, size);
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
        self.mask = self.mask_for(out.mask.take(), neck, frame.t_ms);
        estimate.skeleton = Some(tracking::skeleton(
            &out.landmarks,
            &out.world,
            out.presence,
            size,
        ));
        Ok(estimate)
    }

    /// Counts the people in `frame` (the tracked person stays tracked) and returns the count,
    /// which later estimates report as `people_detected`. The judge asks for this while it
    /// builds a baseline, which must be one person's.
    ///
    /// The detector alone misses people whose face is only a few pixels wide at its 224²
    /// input (the men beside the first one in `neg_multi_people_01`, at any score), so it
    /// also runs on a grid of `COUNT_TILES`² overlapping tiles, each `COUNT_TILE_FRACTION`
    /// of the frame's sides, where they are larger. Every detection scoring at least the
    /// detection threshold is then checked by the landmark model on its own ROI, as a track
    /// is: it counts only when the pose presence passes the tracking threshold and the person
    /// it finds is not one already counted: its face must lie outside their person mask
    /// (segmentation head; without one, the box of their visible landmarks), and most of its own
    /// mask (without one, its nose) must too. A body part taken for a face in a tile thus
    /// finds the person it belongs to, not a second one.
    pub fn count_people(&mut self, frame: &Frame) -> Result<usize, PoseError> {
        let image = frame.image.as_ref();
        let (width, height) = (image.width(), image.height());
        let size = ImageSize::new(width, height);
        let min_score = self.config.min_detection_confidence;
        let mut candidates = self.detector.detect(image, min_score)?;
        if width >= COUNT_TILES && height >= COUNT_TILES {
            for tile in count_tiles(width, height) {
                let pixels =
                    image::imageops::crop_imm(image, tile.x, tile.y, tile.width, tile.height)
                        .to_image();
                let found = self.detector.detect(&pixels, min_score)?;
                candidates.extend(found.iter().map(|d| tile.to_frame(d, width, height)));
            }
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut people: Vec<PersonRegion> = Vec::new();
        for candidate in &candidates {
            let face = candidate.face;
            let centre = (
                (face.xmin + face.width / 2.0) * size.width,
                (face.ymin + face.height / 2.0) * size.height,
            );
            if people.iter().any(|p| p.contains(centre)) {
                continue;
            }
            let Some(roi) = detector::roi_from_detection(candidate, size) else {
                continue;
            };
            let out = self.landmarks.run(image, &roi, true)?;
            if out.presence <= self.config.min_tracking_confidence {
                continue;
            }
            let found = PersonRegion::of(out.mask, &out.landmarks, size);
            if people.iter().any(|p| found.is_within(p, &roi, size)) {
                continue;
            }
            people.push(found);
        }
        self.people_detected = people.len();
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
        self.carried = None;
    }

    /// The mask of this frame: `fresh` when the head ran (kept to be carried while
    /// `mask_every_ms` > 0), else the carried mask moved with the neck point.
    fn mask_for(&mut self, fresh: Option<PersonMask>, neck: Neck, t_ms: f64) -> Option<PersonMask> {
        match fresh {
            Some(mask) if self.config.mask_every_ms > 0.0 => {
                self.carried = Some(CarriedMask {
                    mask: mask.clone(),
                    neck,
                    t_ms,
                });
                Some(mask)
            }
            Some(mask) => Some(mask),
            None => self.carried.as_ref().map(|c| {
                c.mask.shifted(
                    neck.centre.0 - c.neck.centre.0,
                    neck.centre.1 - c.neck.centre.1,
                )
            }),
        }
    }
}

/// Tiles per side of the grid that [`PoseEngine::count_people`] also searches.
pub const COUNT_TILES: u32 = 3;

/// Side of each counting tile as a fraction of the frame's side (3 tiles of 0.45 overlap by
/// about a fifth, so a face cut by one tile's edge is whole in the next).
pub const COUNT_TILE_FRACTION: f32 = 0.45;

/// One counting tile, in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tile {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

impl Tile {
    /// `detection` (normalised to the tile) in the frame's normalised coordinates.
    fn to_frame(self, detection: &Detection, width: u32, height: u32) -> Detection {
        let (w, h) = (width as f32, height as f32);
        let (tw, th) = (self.width as f32, self.height as f32);
        let (x0, y0) = (self.x as f32, self.y as f32);
        let point = |p: NormPoint| NormPoint {
            x: (x0 + p.x * tw) / w,
            y: (y0 + p.y * th) / h,
        };
        let mut out = *detection;
        out.face.xmin = (x0 + detection.face.xmin * tw) / w;
        out.face.ymin = (y0 + detection.face.ymin * th) / h;
        out.face.width = detection.face.width * tw / w;
        out.face.height = detection.face.height * th / h;
        out.keypoints = detection.keypoints.map(point);
        out
    }
}

/// The [`COUNT_TILES`]² overlapping tiles of a `width × height` frame, row by row.
fn count_tiles(width: u32, height: u32) -> Vec<Tile> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a fraction of a pixel size"
    )]
    let side = |n: u32| ((n as f32 * COUNT_TILE_FRACTION) as u32).max(1);
    let (tw, th) = (side(width), side(height));
    let step = COUNT_TILES - 1;
    (0..COUNT_TILES)
        .flat_map(|row| {
            (0..COUNT_TILES).map(move |col| Tile {
                x: (width - tw) * col / step,
                y: (height - th) * row / step,
                width: tw,
                height: th,
            })
        })
        .collect()
}

/// Where a counted person is in the frame: their person mask, or without one the box of
/// their visible landmarks.
enum PersonRegion {
    Mask(PersonMask),
    Box {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        nose: (f32, f32),
    },
}

impl PersonRegion {
    fn of(mask: Option<PersonMask>, landmarks: &[NormLandmark], size: ImageSize) -> Self {
        if let Some(mask) = mask {
            return Self::Mask(mask);
        }
        let seen = landmarks
            .iter()
            .take(crate::pose::NUM_LANDMARKS)
            .filter(|l| l.visibility > 0.5);
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for l in seen {
            let (x, y) = (l.x * size.width, l.y * size.height);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let nose = landmarks.first().map_or((f32::NAN, f32::NAN), |n| {
            (n.x * size.width, n.y * size.height)
        });
        Self::Box {
            x0,
            y0,
            x1,
            y1,
            nose,
        }
    }

    /// Whether this newly found person is `other` again: with both masks, when more than
    /// half of this one's person pixels in its ROI (`roi`, sampled on a 24 × 24 grid of its
    /// bounding box) are `other`'s too; otherwise when this one's nose is inside `other`.
    fn is_within(&self, other: &Self, roi: &NormRect, size: ImageSize) -> bool {
        const GRID: usize = 24;
        match self {
            Self::Mask(mine) => {
                let half_w = 0.5
                    * (roi.width * size.width * roi.rotation.cos().abs()
                        + roi.height * size.height * roi.rotation.sin().abs());
                let half_h = 0.5
                    * (roi.width * size.width * roi.rotation.sin().abs()
                        + roi.height * size.height * roi.rotation.cos().abs());
                let (cx, cy) = (roi.x_center * size.width, roi.y_center * size.height);
                let (mut person, mut shared) = (0_u32, 0_u32);
                for row in 0..GRID {
                    for col in 0..GRID {
                        let x = cx - half_w + (col as f32 + 0.5) * 2.0 * half_w / GRID as f32;
                        let y = cy - half_h + (row as f32 + 0.5) * 2.0 * half_h / GRID as f32;
                        if mine.probability(x, y) > 0.5 {
                            person += 1;
                            shared += u32::from(other.contains((x, y)));
                        }
                    }
                }
                person > 0 && 2 * shared > person
            }
            Self::Box { nose, .. } => other.contains(*nose),
        }
    }

    /// Whether the frame pixel `(x, y)` belongs to this person.
    fn contains(&self, (x, y): (f32, f32)) -> bool {
        match self {
            Self::Mask(mask) => mask.probability(x, y) > 0.5,
            Self::Box { x0, y0, x1, y1, .. } => {
                (*x0..=*x1).contains(&x) && (*y0..=*y1).contains(&y)
            }
        }
    }
}
