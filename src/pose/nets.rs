//! The two networks on ONNX Runtime: each owns its session, its reused input tensor and the
//! decoding of its outputs into this crate's types.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
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
use super::{NUM_LANDMARKS, WorldLandmark};
use crate::models::{self, ModelKind};

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
    session: Session,
    cropper: Cropper,
    input: Tensor<f32>,
    anchors: Vec<Anchor>,
    decoded: Vec<Detection>,
}

impl DetectorNet {
    const NAME: &'static str = "detector";

    /// Loads and verifies the detector from `dir`.
    pub fn open(dir: &Path, intra_threads: usize) -> Result<Self, PoseError> {
        let session = models::open_session(dir, ModelKind::Detector, intra_threads)?;
        let cropper = Cropper::new(DETECTOR_CROP);
        let input = input_tensor(&cropper).map_err(|source| PoseError::Inference {
            model: Self::NAME,
            source,
        })?;
        Ok(Self {
            session,
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
            .session
            .run(ort::inputs![INPUT => &self.input])
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
    /// The person mask, only from a `_seg` model.
    pub mask: Option<PersonMask>,
}

/// The landmark model: rotated ROI cropped to 256×256 → landmarks in the frame.
pub struct LandmarkNet {
    session: Session,
    cropper: Cropper,
    input: Tensor<f32>,
    name: &'static str,
    /// Whether the model has the segmentation output `Identity_2`.
    segmentation: bool,
}

impl LandmarkNet {
    /// Loads and verifies landmark model `kind` from `dir`.
    pub fn open(dir: &Path, kind: ModelKind, intra_threads: usize) -> Result<Self, PoseError> {
        let session = models::open_session(dir, kind, intra_threads)?;
        let cropper = Cropper::new(LANDMARK_CROP);
        let name = kind.name();
        let input = input_tensor(&cropper).map_err(|source| PoseError::Inference {
            model: name,
            source,
        })?;
        Ok(Self {
            session,
            cropper,
            input,
            name,
            segmentation: matches!(
                kind,
                ModelKind::LandmarkLiteSeg | ModelKind::LandmarkFullSeg
            ),
        })
    }

    /// Only the preprocessing step (for benchmarks); returns the letterbox padding.
    pub fn preprocess(&mut self, image: &RgbImage, roi: &NormRect) -> Padding {
        let mut roi_px = roi.to_pixels(ImageSize::new(image.width(), image.height()));
        let padding = pad_to_square(&mut roi_px);
        let (_, buffer) = self.input.extract_tensor_mut();
        self.cropper.crop_into(image, &roi_px, buffer);
        padding
    }

    /// Runs the landmark model on `roi` of `image`.
    pub fn run(&mut self, image: &RgbImage, roi: &NormRect) -> Result<LandmarkOutput, PoseError> {
        let padding = self.preprocess(image, roi);
        let model = self.name;
        let outputs = self
            .session
            .run(ort::inputs![INPUT => &self.input])
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
        let mask = if self.segmentation {
            let logits = output(&outputs, model, "Identity_2", MASK_SIDE * MASK_SIDE)?;
            let size = ImageSize::new(image.width(), image.height());
            PersonMask::from_logits(logits, *roi, padding, size)
        } else {
            None
        };
        let mut lms = [NormLandmark::default(); KEPT_LANDMARKS];
        landmarks::decode(raw, &mut lms);
        landmarks::refine_from_heatmap(&mut lms, heatmap, HEATMAP_KERNEL_SIZE);
        landmarks::project_to_image(&mut lms, roi, padding);
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
