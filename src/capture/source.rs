//! The [`FrameSource`] trait, the parsed [`SourceSpec`] and [`open`], which turns a spec into
//! a running source.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use super::{CaptureError, Frame};

/// Frame rate assumed for a folder of images when none is given.
pub const DEFAULT_FOLDER_FPS: f64 = 30.0;

/// File extensions of the still images a folder source reads (lower case). Only membership
/// goes by the name: each file is decoded by what its bytes are (`images::load_image`).
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// File extensions taken as videos when a folder is searched for recordings or a file
/// dialog offers them (lower case); any file FFmpeg can open is read whatever its name.
pub const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "mov", "m4v", "mkv", "avi", "webm", "mpg"];

/// Something that delivers frames one at a time, synchronously.
///
/// Sources are built and used on one thread (the capture thread), so they need not be `Send`.
pub trait FrameSource {
    /// The next frame; `Ok(None)` once the source has ended. A transient error
    /// ([`CaptureError::is_transient`]) may be followed by more frames; any other error ends
    /// the source and later calls return `Ok(None)`.
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError>;

    /// A one-line description for status lines: device or file, resolution, rate.
    fn describe(&self) -> String;

    /// A hint that frames closer than `interval_ms` (source time) to the last delivered one
    /// are not wanted; a source may skip them cheaply (no pixel conversion). Default: ignored.
    fn set_min_interval_ms(&mut self, _interval_ms: f64) {}
}

/// Whether a recorded source is played at its own speed or as fast as it decodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pacing {
    /// Sleep so that frames come out on the source's clock (a recording behaves like a camera).
    #[default]
    RealTime,
    /// No sleeping: for analyzing files.
    AsFastAsPossible,
}

/// Which camera to open and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraSpec {
    /// Device index (0 is the system default).
    pub index: u32,
    /// Wanted resolution, `None` for the camera's choice.
    pub resolution: Option<(u32, u32)>,
    /// Wanted frame rate, `None` for the camera's choice.
    pub fps: Option<u32>,
}

/// A parsed `--source` argument.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// A camera: `camera`, `camera:N`, `camera:N:WxH`, `camera:N:WxH@FPS`, `camera:N@FPS`.
    Camera(CameraSpec),
    /// A video file (anything FFmpeg can open).
    Video(PathBuf),
    /// One still image (JPEG, PNG or WebP, by its bytes or its name), delivered once at t = 0.
    Image(PathBuf),
    /// A folder of images, sorted by file name, at an assumed frame rate.
    Folder {
        /// The folder.
        path: PathBuf,
        /// Assumed frames per second for the source clock.
        fps: f64,
    },
}

impl SourceSpec {
    /// Classifies `text`: `camera...` is a camera, an existing folder is a folder, a file
    /// whose first bytes are a still image (or a name ending in an image extension) is an
    /// image, anything else is a video file.
    pub fn parse(text: &str) -> Result<Self, CaptureError> {
        let text = text.trim();
        if text == "camera" {
            return Ok(Self::Camera(CameraSpec::default()));
        }
        if let Some(rest) = text.strip_prefix("camera:") {
            return parse_camera(rest)
                .map(Self::Camera)
                .map_err(|reason| CaptureError::BadSpec {
                    spec: text.to_owned(),
                    reason,
                });
        }
        if text.is_empty() {
            return Err(CaptureError::BadSpec {
                spec: String::new(),
                reason: "it is empty".into(),
            });
        }
        let path = PathBuf::from(text);
        if path.is_dir() {
            Ok(Self::Folder {
                path,
                fps: DEFAULT_FOLDER_FPS,
            })
        } else if has_image_extension(&path) || super::images::is_still_image(&path) {
            Ok(Self::Image(path))
        } else {
            Ok(Self::Video(path))
        }
    }

    /// Whether the source is a recording (file, image, folder) rather than a live camera.
    pub fn is_recording(&self) -> bool {
        !matches!(self, Self::Camera(_))
    }

    /// Whether the source is one photo: a still everywhere (`measure`, `analyze`, review mode,
    /// the window), measured on its own. A folder is a frame sequence unless the caller is
    /// told otherwise (`measure --independent`, the holds).
    pub fn is_one_photo(&self) -> bool {
        matches!(self, Self::Image(_))
    }

    /// Whether the source is still images (one photo or a folder of them): pictures without
    /// a time of their own, each one analysed (a stored session's source kind `stills`).
    pub fn is_stills(&self) -> bool {
        matches!(self, Self::Image(_) | Self::Folder { .. })
    }

    /// The length a video file announces, seconds (`None` for other sources, and for a
    /// file that cannot be opened: opening it for real says why).
    pub fn announced_duration_s(&self) -> Option<f64> {
        match self {
            Self::Video(path) => super::video::VideoSource::open(path, Pacing::AsFastAsPossible)
                .ok()
                .and_then(|video| video.announced_duration_s()),
            _ => None,
        }
    }
}

impl FromStr for SourceSpec {
    type Err = CaptureError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Whether `path` ends in one of [`IMAGE_EXTENSIONS`] (any case).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Parses what follows `camera:`: `N`, `N:WxH`, `N@FPS` or `N:WxH@FPS`.
fn parse_camera(rest: &str) -> Result<CameraSpec, String> {
    let (head, fps) = match rest.split_once('@') {
        Some((head, fps)) => {
            let fps: u32 = fps
                .parse()
                .map_err(|_| format!("`{fps}` is not a frame rate"))?;
            if fps == 0 {
                return Err("the frame rate must be above 0".into());
            }
            (head, Some(fps))
        }
        None => (rest, None),
    };
    let (index, resolution) = match head.split_once(':') {
        Some((index, size)) => {
            let (w, h) = size
                .split_once(['x', 'X'])
                .ok_or_else(|| format!("`{size}` is not a resolution like 640x480"))?;
            let w: u32 = w.parse().map_err(|_| format!("`{w}` is not a width"))?;
            let h: u32 = h.parse().map_err(|_| format!("`{h}` is not a height"))?;
            if w == 0 || h == 0 {
                return Err("the resolution must be above 0x0".into());
            }
            (index, Some((w, h)))
        }
        None => (head, None),
    };
    let index = index
        .parse()
        .map_err(|_| format!("`{index}` is not a camera number"))?;
    Ok(CameraSpec {
        index,
        resolution,
        fps,
    })
}

/// Opens the source described by `spec`. Call it on the thread that will read the source
/// (a camera is bound to the thread that built it).
pub fn open(spec: &SourceSpec, pacing: Pacing) -> Result<Box<dyn FrameSource>, CaptureError> {
    match spec {
        SourceSpec::Camera(camera) => Ok(Box::new(super::camera::open_camera(camera)?)),
        SourceSpec::Video(path) => Ok(Box::new(super::video::VideoSource::open(path, pacing)?)),
        SourceSpec::Image(path) => Ok(Box::new(super::images::ImageSource::single(path)?)),
        SourceSpec::Folder { path, fps } => Ok(Box::new(super::images::ImageSource::folder(
            path, *fps, pacing,
        )?)),
    }
}

/// Sleeps so that frames leave at the pace of their source time stamps.
#[derive(Debug)]
pub struct Pacer {
    pacing: Pacing,
    /// Wall time and source time of the first paced frame.
    origin: Option<(Instant, f64)>,
}

impl Pacer {
    /// A pacer that sleeps only for [`Pacing::RealTime`].
    pub fn new(pacing: Pacing) -> Self {
        Self {
            pacing,
            origin: None,
        }
    }

    /// Waits until the wall clock has advanced as far as the source clock since the first
    /// call. A consumer that falls behind is never made to catch up: no sleep then.
    pub fn wait_for(&mut self, t_ms: f64) {
        if self.pacing == Pacing::AsFastAsPossible {
            return;
        }
        let (start, t0_ms) = *self.origin.get_or_insert((Instant::now(), t_ms));
        let due_ms = (t_ms - t0_ms).max(0.0);
        let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
        if due_ms > elapsed_ms {
            std::thread::sleep(Duration::from_secs_f64((due_ms - elapsed_ms) / 1000.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cameras() -> Result<(), CaptureError> {
        assert_eq!(
            SourceSpec::parse("camera")?,
            SourceSpec::Camera(CameraSpec::default())
        );
        assert_eq!(
            SourceSpec::parse("camera:2")?,
            SourceSpec::Camera(CameraSpec {
                index: 2,
                ..CameraSpec::default()
            })
        );
        assert_eq!(
            SourceSpec::parse("camera:1:1280x720@15")?,
            SourceSpec::Camera(CameraSpec {
                index: 1,
                resolution: Some((1280, 720)),
                fps: Some(15),
            })
        );
        assert_eq!(
            SourceSpec::parse("camera:0@30")?,
            SourceSpec::Camera(CameraSpec {
                index: 0,
                resolution: None,
                fps: Some(30),
            })
        );
        Ok(())
    }

    #[test]
    fn rejects_bad_cameras() {
        for bad in [
            "camera:x",
            "camera:0:640",
            "camera:0:0x480",
            "camera:0@0",
            "",
        ] {
            let err = SourceSpec::parse(bad).unwrap_err();
            assert!(matches!(err, CaptureError::BadSpec { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn classifies_files_and_folders() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap();
        assert_eq!(
            SourceSpec::parse(folder)?,
            SourceSpec::Folder {
                path: dir.path().into(),
                fps: DEFAULT_FOLDER_FPS
            }
        );
        assert_eq!(
            SourceSpec::parse("a/b.JPG")?,
            SourceSpec::Image("a/b.JPG".into())
        );
        assert_eq!(
            SourceSpec::parse("clip.mkv")?,
            SourceSpec::Video("clip.mkv".into())
        );
        assert!(SourceSpec::parse("clip.mkv")?.is_recording());
        assert!(!SourceSpec::parse("camera")?.is_recording());
        Ok(())
    }

    #[test]
    fn real_time_pacer_follows_the_source_clock() {
        let mut pacer = Pacer::new(Pacing::RealTime);
        let start = Instant::now();
        for t_ms in [1000.0, 1040.0, 1080.0] {
            pacer.wait_for(t_ms);
        }
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        assert!(
            elapsed >= 79.0,
            "slept {elapsed} ms for 80 ms of source time"
        );
        let mut fast = Pacer::new(Pacing::AsFastAsPossible);
        let start = Instant::now();
        fast.wait_for(0.0);
        fast.wait_for(10_000.0);
        assert!(start.elapsed() < Duration::from_millis(50));
    }
}
