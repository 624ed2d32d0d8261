//! The two networks on ONNX Runtime: each owns its session, its reused input tensor and the
//! decoding of its outputs into this crate's types.

use std::path::Path;
use std::time::Instant;

use image::RgbImage;
use ort::session::{Session, SessionInputs, SessionOutputs};
use ort::value::Tensor;

use super::anchors::{self, Anchor, NUM_ANCHORS};
use super::detector::{self, BOX_VALUES, Detection};
use super::error::PoseError;
use super::landmarks::{
    self, HEATMAP_KERNEL_SIZE, HEATMAP_SIZE, KEPT_LANDMARKS, LANDMARK_VALUES, MODEL_LANDMARKS,
    NormLandmark, WORLD_VALUES,
};
use super::preprocess::{Cropper, DETECTOR_CROP, LANDMARK_CROP};
use super::rect::{ImageSize, NormRect, Padding, pad_to_square, whole_image_roi};
use super::segmentation::{MASK_SIDE, PersonMask};
use super::threads::{self, Chooser};
use super::{NUM_LANDMARKS, WorldLandmark};
use crate::models::{self, ModelKind, SessionOptions};

/// The name of both models' input tensor.
const INPUT: &str = "input_1";

/// A tensor of shape [1, side, side, 3] filled with zeros, created once per network.
fn input_tensor(cropper: &Cropper) -> Result<Tensor<f32>, ort::Error> {
    let side = cropper.spec().side;
    Tensor::from_array((
        [1_usize, side, side, 3],
        vec![0.0_f32; cropper.tensor_len()],
    ))
}

/// How a run of a network is timed for the choice of its thread layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timing {
    /// From its start to the start of the next run: the whole per-frame loop (the landmark
    /// model runs once per frame).
    UntilNextRun,
    /// The run alone (the detector runs only now and then in video mode).
    RunOnly,
}

/// A network's sessions, one per thread layout, and the choice between them
/// ([`super::threads`]); all give the same outputs.
struct Runner {
    sessions: Vec<Session>,
    chooser: Chooser,
    timing: Timing,
    /// Layout and start of the last run, while its time is still open.
    last: Option<(usize, Instant)>,
}

impl Runner {
    fn open(
        dir: &Path,
        kind: ModelKind,
        layouts: &[SessionOptions],
        timing: Timing,
    ) -> Result<Self, PoseError> {
        let sessions = models::open_sessions(dir, kind, layouts)?;
        Ok(Self {
            chooser: Chooser::new(sessions.len()),
            sessions,
            timing,
            last: None,
        })
    }

    /// Runs the network on `input` (its one input, [`INPUT`]) with the layout the chooser picks.
    fn run(&mut self, input: &Tensor<f32>) -> Result<SessionOutputs<'_>, ort::Error> {
        self.run_inputs(ort::inputs![INPUT => input])
    }

    /// Runs the network on named `inputs` with the layout the chooser picks.
    fn run_inputs<'s, 'i, 'v: 'i, const N: usize>(
        &'s mut self,
        inputs: impl Into<SessionInputs<'i, 'v, N>>,
    ) -> Result<SessionOutputs<'s>, ort::Error> {
        let now = Instant::now();
        if let (Some((layout, started)), Timing::UntilNextRun) = (self.last.take(), self.timing) {
            self.chooser
                .record(layout, now.duration_since(started).as_secs_f64() * 1000.0);
        }
        let layout = self.chooser.next_layout();
        if self.timing == Timing::UntilNextRun {
            self.last = Some((layout, now));
        }
        let outputs = self.sessions[layout].run(inputs);
        if self.timing == Timing::RunOnly {
            self.chooser
                .record(layout, now.elapsed().as_secs_f64() * 1000.0);
        }
        outputs
    }

    /// Forgets the open timing (a pause between streams is no run's time).
    fn pause(&mut self) {
        self.last = None;
    }

    /// The layout in use outside trials.
    fn layout(&self) -> usize {
        self.chooser.current()
    }
}

/// Extracts output `name` as an `f32` slice of exactly `len` values.
fn output<'a>(
    outputs: &'a ort::session::SessionOutputs<'_>,
    model: &'static str,
    name: &'static str,
    len: usize,
) -> Result<&'a [f32], PoseError> {
    let value = outputs.get(name).ok_or_else(|| PoseError::Output {
        model,
        output: name,
        detail: "missing".to_owned(),
    })?;
    let (_, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|source| PoseError::Inference { model, source })?;
    if data.len() != len {
        return Err(PoseError::Output {
            model,
            output: name,
            detail: format!("{} values, expected {len}", data.len()),
        });
    }
    Ok(data)
}

/// The person detector: whole frame letterboxed to 224×224 → detections in frame coordinates.
pub struct DetectorNet {
    runner: Runner,
    cropper: Cropper,
    input: Tensor<f32>,
    anchors: Vec<Anchor>,
    decoded: Vec<Detection>,
}

impl DetectorNet {
    const NAME: &'static str = "detector";

    /// Loads and verifies the detector from `dir`.
    pub fn open(dir: &Path, intra_threads: usize) -> Result<Self, PoseError> {
        Self::open_with(dir, &[SessionOptions::threads(intra_threads)])
    }

    /// Loads and verifies the detector from `dir` with one session per thread layout.
    pub fn open_with(dir: &Path, layouts: &[SessionOptions]) -> Result<Self, PoseError> {
        let runner = Runner::open(dir, ModelKind::Detector, layouts, Timing::RunOnly)?;
        let cropper = Cropper::new(DETECTOR_CROP);
        let input = input_tensor(&cropper).map_err(|source| PoseError::Inference {
            model: Self::NAME,
            source,
        })?;
        Ok(Self {
            runner,
            cropper,
            input,
            anchors: anchors::generate(),
            decoded: Vec::with_capacity(NUM_ANCHORS),
        })
    }

    /// Only the preprocessing step (for benchmarks).
    pub fn preprocess(&mut self, image: &RgbImage) -> Padding {
        let (roi, padding) = whole_image_roi(ImageSize::new(image.width(), image.height()));
        let (_, buffer) = self.input.extract_tensor_mut();
        self.cropper.crop_into(image, &roi, buffer);
        padding
    }

    /// Runs the detector on `image`: detections with score ≥ `min_score` after weighted NMS,
    /// in frame-normalised coordinates, best first.
    pub fn detect(
        &mut self,
        image: &RgbImage,
        min_score: f32,
    ) -> Result<Vec<Detection>, PoseError> {
        let padding = self.preprocess(image);
        let model = Self::NAME;
        let outputs = self
            .runner
            .run(&self.input)
            .map_err(|source| PoseError::Inference { model, source })?;
        let boxes = output(&outputs, model, "Identity", NUM_ANCHORS * BOX_VALUES)?;
        let scores = output(&outputs, model, "Identity_1", NUM_ANCHORS)?;
        detector::decode(boxes, scores, &self.anchors, min_score, &mut self.decoded);
        let mut detections = detector::weighted_nms(&self.decoded);
        for d in &mut detections {
            detector::remove_letterbox(d, padding);
        }
        Ok(detections)
    }
}

/// What the landmark model saw in one ROI, already projected to the frame.
#[derive(Clone, Debug)]
pub struct LandmarkOutput {
    /// Pose presence probability.
    pub presence: f32,
    /// Landmarks 0..35 in frame-normalised coordinates (z on x's scale).
    pub landmarks: [NormLandmark; KEPT_LANDMARKS],
    /// World landmarks 0..33 in metres, rotated into the frame's orientation.
    pub world: [WorldLandmark; NUM_LANDMARKS],
    /// The person mask, when it was asked for and the model has a segmentation head.
    pub mask: Option<PersonMask>,
}

/// The two tensors the segmentation head reads from the landmark model (the models'
/// `seg_features_128` and `seg_features_64` outputs, models/README.md).
const SEG_FEATURES: [&str; 2] = ["seg_features_128", "seg_features_64"];

/// The landmark model: rotated ROI cropped to 256×256 → landmarks in the frame, and with
/// its segmentation head (run only when asked) the person mask.
pub struct LandmarkNet {
    runner: Runner,
    /// The segmentation head: the body's two feature outputs → the mask logits `Identity_2`.
    head: Option<Runner>,
    cropper: Cropper,
    input: Tensor<f32>,
    name: &'static str,
}

impl LandmarkNet {
    /// Loads and verifies landmark model `kind` from `dir`, and its segmentation head
    /// `head` when given.
    pub fn open(
        dir: &Path,
        kind: ModelKind,
        head: Option<ModelKind>,
        intra_threads: usize,
    ) -> Result<Self, PoseError> {
        Self::open_with(dir, kind, head, &[SessionOptions::threads(intra_threads)])
    }

    /// Loads and verifies landmark model `kind` from `dir` with one session per thread
    /// layout, and its segmentation head `head` (one session, [`threads::occasional`]: it
    /// runs only when a mask is asked for).
    pub fn open_with(
        dir: &Path,
        kind: ModelKind,
        head: Option<ModelKind>,
        layouts: &[SessionOptions],
    ) -> Result<Self, PoseError> {
        let runner = Runner::open(dir, kind, layouts, Timing::UntilNextRun)?;
        let head = head
            .map(|head| Runner::open(dir, head, &[threads::occasional(layouts)], Timing::RunOnly))
            .transpose()?;
        let cropper = Cropper::new(LANDMARK_CROP);
        let name = kind.name();
        let input = input_tensor(&cropper).map_err(|source| PoseError::Inference {
            model: name,
            source,
        })?;
        Ok(Self {
            runner,
            head,
            cropper,
            input,
            name,
        })
    }

    /// Forgets the open timing of the thread-layout choice (a new stream starts).
    pub fn pause(&mut self) {
        self.runner.pause();
    }

    /// Index of the thread layout in use (into the layouts it was opened with).
    pub fn layout(&self) -> usize {
        self.runner.layout()
    }

    /// Only the preprocessing step (for benchmarks); returns the letterbox padding.
    pub fn preprocess(&mut self, image: &RgbImage, roi: &NormRect) -> Padding {
        let mut roi_px = roi.to_pixels(ImageSize::new(image.width(), image.height()));
        let padding = pad_to_square(&mut roi_px);
        let (_, buffer) = self.input.extract_tensor_mut();
        self.cropper.crop_into(image, &roi_px, buffer);
        padding
    }

    /// Whether the model has a segmentation head (a mask can be asked for).
    pub fn has_segmentation(&self) -> bool {
        self.head.is_some()
    }

    /// Runs the landmark model on `roi` of `image`, and with `mask` (and a head) the
    /// segmentation head on its features.
    pub fn run(
        &mut self,
        image: &RgbImage,
        roi: &NormRect,
        mask: bool,
    ) -> Result<LandmarkOutput, PoseError> {
        self.run_with(image, roi, |_| mask)
    }

    /// [`run`](Self::run), asking `mask` with this frame's landmarks (in the frame,
    /// unsmoothed) whether the segmentation head should run too.
    pub fn run_with(
        &mut self,
        image: &RgbImage,
        roi: &NormRect,
        mask: impl FnOnce(&[NormLandmark]) -> bool,
    ) -> Result<LandmarkOutput, PoseError> {
        let padding = self.preprocess(image, roi);
        let model = self.name;
        let outputs = self
            .runner
            .run(&self.input)
            .map_err(|source| PoseError::Inference { model, source })?;
        let raw = output(
            &outputs,
            model,
            "Identity",
            MODEL_LANDMARKS * LANDMARK_VALUES,
        )?;
        let flag = output(&outputs, model, "Identity_1", 1)?;
        let heatmap = output(
            &outputs,
            model,
            "Identity_3",
            HEATMAP_SIZE * HEATMAP_SIZE * MODEL_LANDMARKS,
        )?;
        let world_raw = output(
            &outputs,
            model,
            "Identity_4",
            MODEL_LANDMARKS * WORLD_VALUES,
        )?;
        let mut lms = [NormLandmark::default(); KEPT_LANDMARKS];
        landmarks::decode(raw, &mut lms);
        landmarks::refine_from_heatmap(&mut lms, heatmap, HEATMAP_KERNEL_SIZE);
        landmarks::project_to_image(&mut lms, roi, padding);
        let mask = match &mut self.head {
            Some(head) if mask(&lms) => {
                let feature = |name: &'static str| {
                    outputs.get(name).ok_or_else(|| PoseError::Output {
                        model,
                        output: name,
                        detail: "missing".to_owned(),
                    })
                };
                let inputs = ort::inputs![
                    SEG_FEATURES[0] => feature(SEG_FEATURES[0])?,
                    SEG_FEATURES[1] => feature(SEG_FEATURES[1])?,
                ];
                let head_outputs = head
                    .run_inputs(inputs)
                    .map_err(|source| PoseError::Inference { model, source })?;
                let logits = output(&head_outputs, model, "Identity_2", MASK_SIDE * MASK_SIDE)?;
                let size = ImageSize::new(image.width(), image.height());
                PersonMask::from_logits(logits, *roi, padding, size)
            }
            _ => None,
        };
        let mut world = [WorldLandmark::default(); NUM_LANDMARKS];
        landmarks::decode_world(world_raw, roi.rotation, &mut world);
        Ok(LandmarkOutput {
            presence: flag[0],
            landmarks: lms,
            world,
            mask,
        })
    }
}
