//! Everything that can go wrong while opening or reading a frame source.

use std::path::PathBuf;

/// Why a frame source cannot be opened or cannot deliver its next frame.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The source string could not be understood.
    #[error(
        "cannot understand the source `{spec}`: {reason}; use `camera`, `camera:N[:WxH][@FPS]`, a video file, an image or a folder of images"
    )]
    BadSpec {
        /// The string as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// No camera answers at the requested index.
    #[error(
        "no camera at index {index} ({found}); plug a webcam in, check permissions on /dev/video*, pick another with --source camera:N, or open a recording with --source VIDEO"
    )]
    NoCamera {
        /// The requested device index.
        index: u32,
        /// What the system reported (the cameras found, or the query error).
        found: String,
    },

    /// The camera exists but refused to stream in any usable format.
    #[error(
        "camera {index} could not be started: {reason}; close other programs using it or ask for another resolution"
    )]
    CameraOpen {
        /// The device index.
        index: u32,
        /// The driver's message.
        reason: String,
    },

    /// The camera stopped delivering frames; the source is retrying (not fatal).
    #[error("camera lost ({reason}); retry {attempt} in {retry_in_ms:.0} ms")]
    Reconnecting {
        /// Retry number, from 1.
        attempt: u32,
        /// Milliseconds until the next try.
        retry_in_ms: f64,
        /// Why it was lost.
        reason: String,
    },

    /// The camera exists but another program is using it (a video call): `EBUSY`. Not an
    /// error screen: the monitor pauses and retries quietly.
    #[error(
        "camera {index} is in use by another program ({reason}); plumbline pauses and tries again every 30 s"
    )]
    CameraBusy {
        /// The device index.
        index: u32,
        /// The driver's message.
        reason: String,
    },

    /// The camera was lost and every retry failed.
    #[error(
        "camera lost and not back after {attempts} retries ({reason}); reconnect it and restart"
    )]
    CameraLost {
        /// How many retries were made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },

    /// The file or folder does not exist.
    #[error("no such file or folder; check the path: {}", path.display())]
    FileMissing {
        /// The path as given.
        path: PathBuf,
    },

    /// The file exists but is not a video or image that can be decoded.
    #[error("not a video or image plumbline can decode ({reason}): {}", path.display())]
    Undecodable {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },

    /// Review mode asked for a frame the recording does not have (it changed or was cut
    /// since it was analyzed).
    #[error(
        "no frame at {at_s:.3} s in {} (was the file changed since it was analyzed? open it again)",
        path.display()
    )]
    NoFrameAt {
        /// The recording.
        path: PathBuf,
        /// Where the frame was expected, seconds of the recording's clock.
        at_s: f64,
    },

    /// The file is a container without a video stream.
    #[error("the file has no video stream: {}", path.display())]
    NoVideoStream {
        /// The file.
        path: PathBuf,
    },

    /// The video ended before the duration its header announces: the file is cut short.
    #[error(
        "the video stops at {at_s:.2} s but its header says {expected_s:.2} s: the file is truncated (frames up to {at_s:.2} s were delivered): {}",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Source time of the last good frame, seconds.
        at_s: f64,
        /// Duration announced by the container, seconds.
        expected_s: f64,
    },

    /// The video is damaged in the middle: too many packets in a row could not be decoded.
    #[error("the video is corrupt near {at_s:.2} s ({reason}); re-encode or re-record it: {}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Source time of the last good frame, seconds.
        at_s: f64,
        /// The decoder's message.
        reason: String,
    },

    /// A folder holds no image files.
    #[error("the folder holds no .jpg/.jpeg/.png/.webp images: {}", path.display())]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },

    /// None of the images of a folder could be read (each was named in a warning).
    #[error("none of the {count} images of the folder could be read: {}", path.display())]
    NoReadableImage {
        /// The folder.
        path: PathBuf,
        /// How many images were tried.
        count: usize,
    },

    /// An image in a folder (or a single image) could not be read.
    #[error("cannot read the image ({}): {}", source.to_string().trim_end(), path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// The image decoder's error.
        #[source]
        source: image::ImageError,
    },

    /// Reading a file or folder failed.
    #[error("cannot read ({source}): {}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// FFmpeg failed outside decoding (initialising, converting pixels, encoding).
    #[error("FFmpeg failed while {doing}: {source}")]
    Ffmpeg {
        /// What was being done.
        doing: &'static str,
        /// FFmpeg's error.
        #[source]
        source: ffmpeg_next::Error,
    },
}

impl CaptureError {
    /// Whether the source may deliver frames again after this error (a camera reconnecting).
    /// Every other error ends the source.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Reconnecting { .. })
    }

    /// Whether the camera is busy in another program (retry later, quietly).
    pub fn is_camera_busy(&self) -> bool {
        matches!(self, Self::CameraBusy { .. })
    }

    /// Wraps an FFmpeg error with what was being done.
    pub(crate) fn ffmpeg(doing: &'static str) -> impl FnOnce(ffmpeg_next::Error) -> Self {
        move |source| Self::Ffmpeg { doing, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reconnecting_is_transient() {
        let lost = CaptureError::Reconnecting {
            attempt: 1,
            retry_in_ms: 500.0,
            reason: "unplugged".into(),
        };
        assert!(lost.is_transient());
        let gone = CaptureError::FileMissing {
            path: "x.mp4".into(),
        };
        assert!(!gone.is_transient());
    }

    #[test]
    fn messages_name_the_fix_and_end_with_the_path() {
        let err = CaptureError::Truncated {
            path: "/tmp/cut.mkv".into(),
            at_s: 1.5,
            expected_s: 3.0,
        };
        let msg = err.to_string();
        assert!(msg.contains("truncated"), "{msg}");
        assert!(msg.ends_with("/tmp/cut.mkv"), "{msg}");
    }
}
