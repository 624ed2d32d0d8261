//! `plumbline annotate` through the real binary, models and FFmpeg: the annotated MP4 reads
//! back with the source's frame count and rate in H.264, the face region loses its detail
//! while the rest of the picture keeps it, and `--no-blur` keeps the face.

use std::path::Path;
use std::process::Command;

use plumbline::capture::video::VideoSource;
use plumbline::capture::{FrameSource as _, Pacing};
use plumbline::models;
use plumbline::pose::{Mode, ModelChoice, PoseConfig, PoseEngine};
use plumbline::render::face::{detail, face_box};

use crate::clips::{CLIP_FPS, UPRIGHT_STILL, recording as clip};

fn utf8(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Runs `plumbline annotate INPUT --out OUT --model lite EXTRA...`; returns its stderr.
pub(crate) fn annotate(input: &Path, out: &Path, extra: &[&str]) -> String {
    annotate_with_env(input, out, extra, &[])
}

/// As [`annotate`], with the extra environment variables `env`.
fn annotate_with_env(input: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "annotate",
            utf8(input),
            "--out",
            utf8(out),
            "--model",
            "lite",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .expect("the plumbline binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "annotate failed: {stderr}");
    stderr
}

/// Every frame of `path`, with the source's declared rate and codec.
pub(crate) fn read_back(path: &Path) -> (Vec<image::RgbImage>, Option<(i32, i32)>, String) {
    let mut source = VideoSource::open(path, Pacing::AsFastAsPossible).expect("opens");
    let rate = source.frame_rate();
    let codec = source.codec_name();
    let mut frames = Vec::new();
    while let Some(frame) = source.next_frame().expect("decodes") {
        frames.push((*frame.image).clone());
    }
    (frames, rate, codec)
}

#[test]
fn annotated_video_keeps_count_and_rate_and_blurs_the_face()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let input = clip(&dir.path().join("visit.mp4"), &[(UPRIGHT_STILL, 3)]);
    let (source_frames, source_rate, _) = read_back(&input);
    assert_eq!(source_frames.len() as u32, 3 * CLIP_FPS);

    let blurred = dir.path().join("blurred.mp4");
    let stderr = annotate(&input, &blurred, &[]);
    assert!(stderr.contains("faces blurred in"), "{stderr}");
    // For the detail measure, the same without the drawing (lines and text are detail too).
    let plain = dir.path().join("plain.mp4");
    annotate(&input, &plain, &["--no-overlay"]);
    let sharp = dir.path().join("sharp.mp4");
    annotate(&input, &sharp, &["--no-blur", "--no-overlay"]);

    let (frames, rate, codec) = read_back(&blurred);
    assert_eq!(frames.len(), source_frames.len(), "same frame count");
    assert_eq!(rate, source_rate, "same frame rate");
    assert_eq!(codec, "h264");
    let (sharp_frames, _, _) = read_back(&sharp);
    assert_eq!(sharp_frames.len(), source_frames.len());
    let (plain_frames, _, _) = read_back(&plain);
    assert_eq!(plain_frames.len(), source_frames.len());
    assert_ne!(frames[0], plain_frames[0], "the default output is drawn on");

    assert_face_blurred(&plain_frames, &sharp_frames, face_rect(&source_frames[0])?);

    // The output is private, nothing half-written is left, and an existing file is kept.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&blurred)?.permissions().mode() & 0o777,
            0o600
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let again = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(["annotate", utf8(&input), "--out", utf8(&blurred)])
        .output()?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--overwrite"));
    Ok(())
}

/// The annotated video is a function of the recording alone, not of what the process's memory
/// held before: a long-running window exports the same file as a fresh `plumbline annotate`.
/// glibc's `MALLOC_PERTURB_` fills every new allocation with the complement of its byte, here
/// 0xFE (bright pixels, as a window that has decoded and drawn frames has freed): libx264's
/// macroblock-tree rate control read such bytes it never wrote and encoded some macroblocks of
/// this clip differently (capture::writer).
#[test]
fn the_annotated_video_does_not_depend_on_the_memory_it_was_made_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = clip(&dir.path().join("visit.mkv"), &[(UPRIGHT_STILL, 2)]);
    let fresh = dir.path().join("fresh.mp4");
    annotate(&input, &fresh, &[]);
    let used = dir.path().join("used.mp4");
    annotate_with_env(&input, &used, &[], &[("MALLOC_PERTURB_", "1")]);
    let (fresh_frames, _, _) = read_back(&fresh);
    let (used_frames, _, _) = read_back(&used);
    assert_eq!(fresh_frames.len() as u32, 2 * CLIP_FPS);
    assert_eq!(
        differing_frames(&fresh_frames, &used_frames),
        [],
        "frames that differ: (index, pixels, largest difference)"
    );
}

/// The frames of `a` and `b` that differ: (index, pixels that differ, the largest difference
/// of a channel); a frame only one of them has counts as wholly different.
pub(crate) fn differing_frames(
    a: &[image::RgbImage],
    b: &[image::RgbImage],
) -> Vec<(usize, u64, u8)> {
    (0..a.len().max(b.len()))
        .filter_map(|index| match (a.get(index), b.get(index)) {
            (Some(x), Some(y)) if x.dimensions() == y.dimensions() => {
                let (mut pixels, mut largest) = (0, 0);
                for (p, q) in x.pixels().zip(y.pixels()) {
                    let most = p.0.iter().zip(q.0).map(|(u, v)| u.abs_diff(v)).max();
                    if let Some(most @ 1..) = most {
                        pixels += 1;
                        largest = largest.max(most);
                    }
                }
                (pixels > 0).then_some((index, pixels, largest))
            }
            (x, y) => {
                let size = x.or(y).map_or(0, |f| u64::from(f.width() * f.height()));
                Some((index, size, u8::MAX))
            }
        })
        .collect()
}

/// Each of `blurred` (drawn on nothing) has lost more than nine tenths of the fine detail of
/// the same frame of `sharp` inside `face_rect`, while the bottom third of the picture (chair,
/// legs: far from the face) keeps its detail.
pub(crate) fn assert_face_blurred(
    blurred: &[image::RgbImage],
    sharp: &[image::RgbImage],
    face_rect: (u32, u32, u32, u32),
) {
    assert_eq!(blurred.len(), sharp.len());
    let (w, h) = sharp[0].dimensions();
    let away = (0, h * 2 / 3, w, h);
    for (index, (blurred, sharp)) in blurred.iter().zip(sharp).enumerate() {
        let (face_sharp, face_blurred) = (detail(sharp, face_rect), detail(blurred, face_rect));
        assert!(
            face_blurred * 10.0 < face_sharp,
            "frame {index}: face detail {face_sharp:.1} → {face_blurred:.1}"
        );
        let (away_sharp, away_blurred) = (detail(sharp, away), detail(blurred, away));
        assert!(
            away_sharp > 5.0,
            "frame {index}: the away region has detail"
        );
        assert!(
            (away_blurred / away_sharp - 1.0).abs() < 0.2,
            "frame {index}: detail away from the face {away_sharp:.1} vs {away_blurred:.1}"
        );
    }
}

/// The region to measure the blur in: the inner part of the face box the pose engine finds
/// on `source` (a sharp frame of the clip), below the state banner.
pub(crate) fn face_rect(
    source: &image::RgbImage,
) -> Result<(u32, u32, u32, u32), Box<dyn std::error::Error>> {
    // Where the face is, from the pose engine on the source's first frame.
    let engine_dir = models::models_dir(None)?;
    let mut engine = PoseEngine::new(
        &engine_dir,
        PoseConfig {
            model: ModelChoice::Lite,
            mode: Mode::Static,
            ..PoseConfig::default()
        },
    )?;
    let first = plumbline::capture::Frame::new(0, 0.0, source.clone());
    let skeleton = engine.estimate(&first)?.skeleton.ok_or("a person")?;
    let face = face_box(&skeleton).ok_or("a face region")?;
    let (w, h) = source.dimensions();
    let (x0, y0, x1, y1) = face.pixels(w, h).ok_or("face inside the frame")?;
    // Measure the inner 70% of the face box: the blurred box follows the tracked landmarks,
    // which sit a few pixels from this single-photo estimate, and the edge between pixelated
    // blocks and the sharp surroundings is detail too. The state banner and time label (top
    // left, drawn over everything: they are the annotation) reach about h/7 down; measure the
    // face below them.
    let (inset_x, inset_y) = ((x1 - x0) * 15 / 100, (y1 - y0) * 15 / 100);
    let face_rect = (
        x0 + inset_x,
        (y0 + inset_y).max(h * 3 / 20),
        x1 - inset_x,
        y1 - inset_y,
    );
    assert!(
        face_rect.3 > face_rect.1 + 20,
        "face below the banner: {face_rect:?}"
    );
    Ok(face_rect)
}
