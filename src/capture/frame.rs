//! The unit of work that flows from a source to the pose engine.

use std::sync::Arc;

/// One decoded RGB frame with its position on the source's own clock.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Running number from the source, starting at 0.
    pub seq: u64,
    /// Time on the source's own clock in milliseconds (video time for files, monotonic time
    /// since start for cameras).
    pub t_ms: f64,
    /// The pixels, shared so the UI can show the frame the pose thread analyzed.
    pub image: Arc<image::RgbImage>,
}

impl Frame {
    /// Wraps an image as frame `seq` at `t_ms`.
    pub fn new(seq: u64, t_ms: f64, image: image::RgbImage) -> Self {
        Self {
            seq,
            t_ms,
            image: Arc::new(image),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.image.height()
    }
}
