//! Frame sources end to end through `capture::open`: real encoded files in a temporary
//! folder (written with the crate's own encoder, no `ffmpeg` CLI), damaged and missing files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use plumbline::capture::writer::write_video;
use plumbline::capture::{CaptureError, Frame, FrameSource, Pacing, SourceSpec, open};

/// `frames` solid frames at `fps`, 96x64, written to `dir/name`.
fn clip(dir: &Path, name: &str, frames: u32, fps: u32) -> PathBuf {
    let images: Vec<image::RgbImage> = (0..frames)
        .map(|i| image::RgbImage::from_pixel(96, 64, image::Rgb([(i * 5) as u8, 90, 200])))
        .collect();
    write_video(&dir.join(name), &images, fps).expect("encoding a test clip")
}

fn drain(source: &mut dyn FrameSource) -> (Vec<Frame>, Option<CaptureError>) {
    let mut frames = Vec::new();
    loop {
        match source.next_frame() {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => return (frames, None),
            Err(err) => return (frames, Some(err)),
        }
    }
}

fn open_path(path: &Path, pacing: Pacing) -> Result<Box<dyn FrameSource>, CaptureError> {
    open(
        &SourceSpec::parse(path.to_str().expect("temp paths are UTF-8"))?,
        pacing,
    )
}

#[test]
fn mp4_and_mkv_end_cleanly_with_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["clip.mp4", "clip.mkv", "clip.avi"] {
        let path = clip(dir.path(), name, 15, 15);
        let mut source = open_path(&path, Pacing::AsFastAsPossible).unwrap();
        let (frames, err) = drain(source.as_mut());
        assert!(err.is_none(), "{name}: {err:?}");
        assert_eq!(frames.len(), 15, "{name}");
        let last = frames.last().unwrap().t_ms;
        assert!(
            (last - 14.0 * 1000.0 / 15.0).abs() < 1.0,
            "{name}: last at {last}"
        );
        assert!(source.next_frame().unwrap().is_none(), "{name} stays ended");
    }
}

#[test]
fn real_time_pacing_follows_video_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = clip(dir.path(), "second.mkv", 10, 10);
    let start = Instant::now();
    let mut source = open_path(&path, Pacing::RealTime).unwrap();
    let (frames, err) = drain(source.as_mut());
    let paced = start.elapsed().as_secs_f64();
    assert!(err.is_none() && frames.len() == 10);
    // 10 frames at 10 fps: the last leaves 0.9 s after the first.
    assert!(paced >= 0.88, "real-time playback took only {paced} s");

    let start = Instant::now();
    let mut source = open_path(&path, Pacing::AsFastAsPossible).unwrap();
    drain(source.as_mut());
    assert!(
        start.elapsed().as_secs_f64() < paced / 2.0,
        "fast mode does not sleep"
    );
}

#[test]
fn truncated_mp4_cannot_be_opened_and_says_why() {
    // Our writer puts the MP4 index (moov) at the front (faststart): a file cut short inside
    // it has no usable index.
    let dir = tempfile::tempdir().unwrap();
    let path = clip(dir.path(), "clip.mp4", 30, 10);
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..200]).unwrap();
    let err = open_path(&cut, Pacing::AsFastAsPossible)
        .err()
        .expect("must fail");
    assert!(
        matches!(
            err,
            CaptureError::Undecodable { .. } | CaptureError::NoVideoStream { .. }
        ),
        "{err}"
    );
    assert!(err.to_string().ends_with("cut.mp4"), "{err}");
}

#[test]
fn truncated_matroska_delivers_the_good_part_then_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = clip(dir.path(), "clip.mkv", 40, 10);
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.mkv");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 5]).unwrap();
    let mut source = open_path(&cut, Pacing::AsFastAsPossible).unwrap();
    let (frames, err) = drain(source.as_mut());
    assert!(
        frames.len() > 5 && frames.len() < 40,
        "{} frames",
        frames.len()
    );
    let err = err.expect("a cut file must not end silently");
    assert!(matches!(err, CaptureError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn missing_and_non_video_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = open_path(&dir.path().join("nope.mp4"), Pacing::RealTime).err();
    assert!(
        matches!(missing, Some(CaptureError::FileMissing { .. })),
        "{missing:?}"
    );

    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is not a video, just some words\n".repeat(50)).unwrap();
    let err = open_path(&text, Pacing::RealTime).err().expect("must fail");
    assert!(matches!(err, CaptureError::Undecodable { .. }), "{err}");

    let empty = dir.path().join("empty.mkv");
    std::fs::write(&empty, b"").unwrap();
    let err = open_path(&empty, Pacing::RealTime)
        .err()
        .expect("must fail");
    assert!(matches!(err, CaptureError::Undecodable { .. }), "{err}");
}

#[test]
fn folder_and_image_sources_through_open() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4u8 {
        image::RgbImage::from_pixel(10, 10, image::Rgb([i * 60, 0, 0]))
            .save(dir.path().join(format!("f{i}.png")))
            .unwrap();
    }
    let mut folder = open_path(dir.path(), Pacing::AsFastAsPossible).unwrap();
    assert!(
        folder.describe().contains("4 images"),
        "{}",
        folder.describe()
    );
    let (frames, err) = drain(folder.as_mut());
    assert!(err.is_none());
    let reds: Vec<u8> = frames
        .iter()
        .map(|f| f.image.get_pixel(0, 0).0[0])
        .collect();
    assert_eq!(reds, vec![0, 60, 120, 180]);
    assert!((frames[3].t_ms - 100.0).abs() < 1e-9, "3 frames at 30 fps");

    let mut single = open_path(&dir.path().join("f2.png"), Pacing::RealTime).unwrap();
    let (frames, _) = drain(single.as_mut());
    assert_eq!(frames.len(), 1);
}

#[test]
fn missing_camera_is_a_clear_error() {
    let err = open(&SourceSpec::parse("camera:42").unwrap(), Pacing::RealTime)
        .err()
        .expect("no camera 42 here");
    assert!(
        matches!(
            err,
            CaptureError::NoCamera { index: 42, .. } | CaptureError::CameraOpen { index: 42, .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--source camera:N") || err.to_string().contains("camera 42"));
}
