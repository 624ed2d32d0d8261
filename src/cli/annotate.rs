//! `plumbline annotate VIDEO --out OUT.mp4`: writes the video again with the skeleton, the CVA
//! and the posture state drawn on every frame, and faces blurred unless `--no-blur` is given.
//!
//! Every frame goes through the real pipeline once (lossless analysis, as `analyze` does), is
//! drawn on by [`crate::render::Annotator`] and encoded (H.264 when libavcodec has an encoder
//! for it, else MPEG-4 Part 2, said on stderr) at the source's frame rate with its time stamps,
//! so the output has the source's frame count and rate. Audio is not copied. The output is
//! written to a hidden file beside it (mode 0600) and renamed when complete: a failed or
//! interrupted run leaves no half-written video and never replaces an existing one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use super::Global;
use super::run::{RunOptions, progress_bar, start_pipeline};
use crate::capture::writer::{Codec, VideoSettings, VideoWriter};
use crate::capture::{Pacing, SourceSpec};
use crate::pipeline::{SourceStatus, Update};
use crate::pose::ModelChoice;
use crate::render::{Annotator, FaceOutcome};

/// Frame rate assumed when a video declares none.
const ASSUMED_FPS: i32 = 30;

/// Arguments of `plumbline annotate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The video to annotate.
    #[arg(value_name = "VIDEO")]
    pub input: PathBuf,

    /// Where to write the annotated video (`.mp4`; the extension picks the container).
    #[arg(long, value_name = "OUT.mp4")]
    pub out: PathBuf,

    /// Keep faces as they are (by default they are blurred so the footage can be handed on).
    #[arg(long)]
    pub no_blur: bool,

    /// Draw nothing (no skeleton, CVA or state): only the anonymised footage.
    #[arg(long)]
    pub no_overlay: bool,

    /// Replace OUT if it exists.
    #[arg(long)]
    pub overwrite: bool,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::Full)]
    pub model: ModelChoice,

    #[command(flatten)]
    pub judge: super::JudgeArgs,
}

/// Frames by what happened to their face.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaceCounts {
    /// The face found in the frame was blurred.
    pub blurred: u64,
    /// Nobody was found; the last face region was blurred again.
    pub held: u64,
    /// Nobody was found and nothing was blurred.
    pub none: u64,
}

/// Removes the unfinished output unless it was completed.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            // It may not exist yet; nothing else to do about a file we could not remove.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    // First: a bad configuration costs nothing, not even a partial file.
    let posture = args.judge.posture()?;
    let spec = SourceSpec::parse(&args.input.to_string_lossy())?;
    anyhow::ensure!(
        matches!(spec, SourceSpec::Video(_)),
        "`plumbline annotate` reads a video file; {} is not one",
        args.input.display()
    );
    check_output(&args.input, &args.out, args.overwrite)?;
    let probe = crate::capture::video::VideoSource::open(&args.input, Pacing::AsFastAsPossible)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let (width, height) = probe.size();
    let rate = probe.frame_rate().unwrap_or_else(|| {
        eprintln!(
            "{} declares no frame rate; writing {ASSUMED_FPS} fps",
            args.input.display()
        );
        (ASSUMED_FPS, 1)
    });
    drop(probe);

    let partial = Partial {
        path: partial_path(&args.out),
        done: false,
    };
    create_private(&partial.path)?;
    let mut writer = VideoWriter::create_with(
        &partial.path,
        width,
        height,
        &VideoSettings {
            rate,
            codec: Codec::H264,
            // The annotated copy keeps the recording's own date (not the file time of the copy).
            creation_time: crate::capture::recording_date(&args.input)
                .filter(|date| date.basis == crate::capture::DateBasis::Container)
                .map(|date| date.utc),
            b_frames: 0,
        },
    )
    .with_context(|| format!("cannot write {}", args.out.display()))?;
    if !writer.encoder_name().contains("264") {
        eprintln!(
            "this FFmpeg has no H.264 encoder; writing MPEG-4 Part 2 ({}) instead",
            writer.encoder_name()
        );
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // A handler may already be set (tests running commands in one process): Ctrl-C then
    // simply ends the process, and the hidden partial file stays.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let options = RunOptions::new(args.model, None, posture);
    let started = start_pipeline(spec, options, global)?;
    let bar = progress_bar(
        &format!("annotate {}", args.input.display()),
        started.duration_s,
    );
    let mut annotator = Annotator::new(!args.no_blur).with_overlay(!args.no_overlay);
    let mut faces = FaceCounts::default();
    let mut expected_seq = 0_u64;
    let mut missing = 0_u64;
    for update in &started.updates {
        if interrupted.load(Ordering::SeqCst) {
            anyhow::bail!("interrupted; {} was not written", args.out.display());
        }
        match update {
            Update::Analyzed(analyzed) => {
                let seq = analyzed.frame.seq;
                missing += seq.saturating_sub(expected_seq);
                expected_seq = seq + 1;
                let mut image = (*analyzed.frame.image).clone();
                match annotator.annotate(&mut image, &analyzed.estimate, &analyzed.sample) {
                    FaceOutcome::Blurred => faces.blurred += 1,
                    FaceOutcome::Held => faces.held += 1,
                    FaceOutcome::NoneFound => faces.none += 1,
                    FaceOutcome::Off => {}
                }
                writer
                    .push_at(&image, analyzed.frame.t_ms)
                    .with_context(|| format!("cannot write {}", args.out.display()))?;
                bar.set_position(analyzed.frame.t_ms.max(0.0) as u64);
            }
            Update::Source(SourceStatus::Failed(reason)) | Update::Failed(reason) => {
                anyhow::bail!("{reason}; {} was not written", args.out.display())
            }
            Update::Posture(_) | Update::Source(_) => {}
        }
    }
    bar.finish_and_clear();
    drop(started);
    let frames = writer.frames();
    anyhow::ensure!(
        frames > 0,
        "{} has no frame that could be read",
        args.input.display()
    );
    writer
        .finish()
        .with_context(|| format!("cannot finish {}", args.out.display()))?;
    std::fs::rename(&partial.path, &args.out)
        .with_context(|| format!("cannot move the finished video to {}", args.out.display()))?;
    let mut partial = partial;
    partial.done = true;
    eprintln!("{}", summary(&args.out, frames, rate, &faces, args.no_blur));
    if missing > 0 {
        eprintln!(
            "{missing} frames could not be analyzed and are missing from {}",
            args.out.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The closing line: what was written and what happened to the faces.
fn summary(out: &Path, frames: u64, rate: (i32, i32), faces: &FaceCounts, no_blur: bool) -> String {
    let fps = f64::from(rate.0) / f64::from(rate.1.max(1));
    let mut text = format!("wrote {}: {frames} frames at {fps:.3} fps", out.display());
    if no_blur {
        text.push_str("; faces not blurred (--no-blur)");
    } else {
        let _ = write!(
            text,
            "; faces blurred in {} frames ({} of them kept from a moment before, while the \
             person was not found); {} frames had nobody found and nothing blurred. Look \
             through the video before handing it on: faces the pose model does not find (a \
             second person) are not blurred",
            faces.blurred + faces.held,
            faces.held,
            faces.none
        );
    }
    text
}

/// Refuses an output that is the input, already exists (without `--overwrite`), or whose
/// folder is missing.
fn check_output(input: &Path, out: &Path, overwrite: bool) -> anyhow::Result<()> {
    if let (Ok(a), Ok(b)) = (input.canonicalize(), out.canonicalize()) {
        anyhow::ensure!(
            a != b,
            "--out {} is the input video; choose another file",
            out.display()
        );
    }
    anyhow::ensure!(
        overwrite || !out.exists(),
        "{} exists; choose another --out or pass --overwrite",
        out.display()
    );
    anyhow::ensure!(!out.is_dir(), "--out {} is a folder", out.display());
    let folder = out
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    anyhow::ensure!(
        folder.is_dir(),
        "the folder of --out does not exist: {}",
        folder.display()
    );
    Ok(())
}

/// The hidden file the video is written to before it is complete: `.NAME.partial.EXT` beside
/// `out` (the extension kept, so FFmpeg picks the same container).
fn partial_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(|| "annotated".into(), |stem| stem.to_string_lossy());
    let name = match out.extension() {
        Some(ext) => format!(".{stem}.partial.{}", ext.to_string_lossy()),
        None => format!(".{stem}.partial"),
    };
    out.with_file_name(name)
}

/// Creates (or empties) `path` readable and writable by its owner only, so the video FFmpeg
/// writes into it is private from the first byte.
fn create_private(path: &Path) -> anyhow::Result<()> {
    crate::store::private::create_private(path)
        .with_context(|| format!("cannot create {} as a private file", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_are_hidden_beside_the_output_with_its_extension() {
        assert_eq!(
            partial_path(Path::new("/tmp/out/visit.mp4")),
            Path::new("/tmp/out/.visit.partial.mp4")
        );
        assert_eq!(partial_path(Path::new("clip")), Path::new(".clip.partial"));
    }

    #[test]
    fn outputs_that_would_lose_something_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"video")?;
        let err = check_output(&input, &input, true).expect_err("same file");
        assert!(err.to_string().contains("is the input"), "{err}");
        let existing = dir.path().join("old.mp4");
        std::fs::write(&existing, b"old")?;
        let err = check_output(&input, &existing, false).expect_err("exists");
        assert!(err.to_string().contains("--overwrite"), "{err}");
        check_output(&input, &existing, true)?;
        let err = check_output(&input, &dir.path().join("no/such/out.mp4"), false)
            .expect_err("missing folder");
        assert!(err.to_string().contains("does not exist"), "{err}");
        check_output(&input, &dir.path().join("new.mp4"), false)?;
        Ok(())
    }
}
