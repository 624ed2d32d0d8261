//! The BlazePose pipeline on ONNX Runtime: detector, ROI tracking, landmark model, heatmap
//! refinement, world landmarks and One Euro smoothing, following MediaPipe's pose graph
//! (`models/README.md` §1-6; `docs/POSE.md` describes the behaviour).
//!
//! [`PoseEngine`] is the entry point. The stage modules are public so that benchmarks and
//! parity tools can drive each stage on its own.

pub mod anchors;
pub mod detector;
mod engine;
mod error;
pub mod landmarks;
pub mod nets;
pub mod preprocess;
pub mod rect;
pub mod segmentation;
mod skeleton;
pub mod smoothing;
pub mod threads;
pub mod tracking;

pub use engine::{
    LIVE_MASK_EVERY_MS, MASK_REFRESH_SHAPE_CHANGE, Mode, ModelChoice, Neck, PoseConfig, PoseEngine,
};
pub use error::PoseError;
pub use skeleton::{
    Landmark, LandmarkIndex, NUM_LANDMARKS, PoseEstimate, Roi, Skeleton, WorldLandmark,
};
