//! Frame sources: camera (nokhwa), video files (FFmpeg), still images and folders, and the
//! latest-wins hand-over to the pose thread.

mod frame;

pub use frame::Frame;
