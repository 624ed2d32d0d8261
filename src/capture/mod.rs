//! Frame sources: camera (nokhwa), video files (FFmpeg), still images and folders, and the
//! latest-wins hand-over to the pose thread.
//!
//! Every source implements [`FrameSource`], a plain synchronous `next_frame`; the threads
//! around it live in [`crate::pipeline`]. [`open`] turns a parsed [`SourceSpec`] into a source.

pub mod camera;
pub mod date;
mod error;
mod frame;
pub mod images;
pub mod latest;
pub mod reconnect;
pub mod seek;
mod source;
pub mod video;
pub mod writer;

pub use date::{DateBasis, RecordingDate, recording_date};
pub use error::CaptureError;
pub use frame::Frame;
pub use source::{
    CameraSpec, DEFAULT_FOLDER_FPS, FrameSource, IMAGE_EXTENSIONS, Pacer, Pacing, SourceSpec,
    VIDEO_EXTENSIONS, has_image_extension, open,
};
