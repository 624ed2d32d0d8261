//! The BlazePose pipeline on ONNX Runtime: detector, ROI tracking, landmark model, heatmap
//! refinement, world landmarks and One Euro smoothing, following MediaPipe's pose graph.

mod skeleton;

pub use skeleton::{
    Landmark, LandmarkIndex, NUM_LANDMARKS, PoseEstimate, Roi, Skeleton, WorldLandmark,
};
