//! Test clips encoded at test time from committed MIT stills, so no test needs the ffmpeg
//! command-line tool or a video of unknown licence.

use std::path::{Path, PathBuf};

use plumbline::capture::writer::VideoWriter;

/// Frame rate of the encoded clips (the monitor analyzes 2-4 of them a second).
pub(crate) const CLIP_FPS: u32 = 4;

/// The same man, side view facing left, in the same room: slumped with the head forward,
/// then sitting upright (MIT, see tests/data/NOTICE).
pub(crate) const SLUMP_STILL: &str = "tests/data/side_sit_forward_01.jpg";
pub(crate) const UPRIGHT_STILL: &str = "tests/data/side_sit_upright_02.jpg";

/// Encodes `segments` of (still, seconds) into `path` at [`CLIP_FPS`], scaled to 360x640.
pub(crate) fn recording(path: &Path, segments: &[(&str, u32)]) -> PathBuf {
    recording_from(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        path,
        (360, 640),
        segments,
    )
}

/// Encodes `segments` of (picture under `root`, seconds) into `path` at [`CLIP_FPS`], each
/// picture scaled to `size` (width, height).
pub(crate) fn recording_from(
    root: &Path,
    path: &Path,
    (width, height): (u32, u32),
    segments: &[(&str, u32)],
) -> PathBuf {
    let mut writer = VideoWriter::create(path, width, height, CLIP_FPS).expect("creating the clip");
    for (still, seconds) in segments {
        let image = image::open(root.join(still))
            .expect("test still")
            .into_rgb8();
        let image =
            image::imageops::resize(&image, width, height, image::imageops::FilterType::Triangle);
        for _ in 0..seconds * CLIP_FPS {
            writer.push(&image).expect("encoding a frame");
        }
    }
    writer.finish().expect("closing the clip")
}
