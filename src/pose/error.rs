//! The pose engine's error type.

use crate::models::ModelError;

/// Why the pose engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    /// A model file is missing, damaged or does not load (the message names the file and
    /// the fix, e.g. `scripts/convert-models --heavy` for the heavy model).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// ONNX Runtime failed while running a model.
    #[error("{model} inference failed: {source}")]
    Inference {
        /// Which model.
        model: &'static str,
        /// The runtime's error.
        source: ort::Error,
    },
    /// A model output is missing or has the wrong size (the file does not match the
    /// manifest; regenerate it with `scripts/convert-models`).
    #[error(
        "{model} output {output} is unusable ({detail}); regenerate the models with `scripts/convert-models`"
    )]
    Output {
        /// Which model.
        model: &'static str,
        /// Output tensor name.
        output: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The frame has no pixels.
    #[error("frame {seq} is empty ({width}x{height}); the source delivered no image")]
    EmptyFrame {
        /// Frame sequence number.
        seq: u64,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}
