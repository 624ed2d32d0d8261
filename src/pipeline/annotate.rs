//! The annotated video, the one loop for `plumbline annotate` and the window's review mode:
//! a video written again with the skeleton, the CVA and the posture state drawn on every
//! frame, and faces blurred unless asked otherwise.
//!
//! Every frame goes through the real pipeline once (lossless analysis, as `analyze` does), is
//! drawn on by [`crate::render::Annotator`] and encoded (H.264 when libavcodec has an encoder
//! for it, else MPEG-4 Part 2, said in [`Prepared::notices`]) at the source's frame rate with
//! its time stamps, so the output has the source's frame count and rate. Audio is not copied.
//! The output is written to a hidden file beside it (mode 0600) and renamed when complete: a
//! failed, stopped or interrupted run leaves no half-written video and never replaces an
//! existing one unless [`AnnotateJob::overwrite`] says so.
//!
//! The caller's thread consumes the pipeline's updates, draws and encodes (the CLI's main
//! thread, the window's short-lived `review-export` thread), so decoding, the model and
//! encoding overlap.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{AnalysisOptions, Failure, Pipeline, PipelineConfig, SourceStatus, Update};
use crate::capture::writer::{Codec, VideoSettings, VideoWriter};
use crate::capture::{CaptureError, DateBasis, Pacing, SourceSpec};
use crate::render::{Annotator, FaceOutcome};

/// Frame rate assumed when a video declares none.
pub const ASSUMED_FPS: i32 = 30;

/// How often a run waiting for the pipeline looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// What to annotate, where to write it and how.
#[derive(Clone, Debug)]
pub struct AnnotateJob {
    /// The video to annotate.
    pub input: PathBuf,
    /// Where to write the annotated video (the extension picks the container).
    pub out: PathBuf,
    /// Blur faces (the default: the footage can be handed on).
    pub blur: bool,
    /// Draw the skeleton, the CVA and the state; without, the frames are only anonymised.
    pub overlay: bool,
    /// Replace `out` if it exists.
    pub overwrite: bool,
    /// The models' folder (`None`: the installation's).
    pub models_dir: Option<PathBuf>,
    /// How the pipeline analyzes the video (the model; every frame is analyzed whatever
    /// `fps` says, since every frame is written).
    pub options: AnalysisOptions,
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

/// How far a run is, after each written frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnotateProgress {
    /// Frames written so far.
    pub frames_done: u64,
    /// Frames the video announces (or its length times its rate), if known.
    pub frames_total: Option<u64>,
    /// The time of the last written frame on the video's clock, milliseconds.
    pub t_ms: f64,
}

impl AnnotateProgress {
    /// The share done, 0 to 1, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        self.frames_total
            .filter(|total| *total > 0)
            .map(|total| (self.frames_done as f64 / total as f64).clamp(0.0, 1.0) as f32)
    }
}

/// What a completed run wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnotateSummary {
    /// The written video.
    pub out: PathBuf,
    /// Frames written.
    pub frames: u64,
    /// Frames per second written, `(numerator, denominator)`.
    pub rate: (i32, i32),
    /// What happened to the faces (all zero when blurring was off).
    pub faces: FaceCounts,
    /// Whether faces were blurred.
    pub blur: bool,
    /// Frames that could not be analyzed and are missing from the output.
    pub missing: u64,
    /// What the run had to do differently (no declared frame rate, no H.264 encoder).
    pub notices: Vec<String>,
}

impl AnnotateSummary {
    /// The closing line: what was written and what happened to the faces; `kept_by` names
    /// how the user asked to keep faces (`--no-blur`, a checkbox).
    pub fn text(&self, kept_by: &str) -> String {
        let fps = f64::from(self.rate.0) / f64::from(self.rate.1.max(1));
        let mut text = format!(
            "wrote {}: {} frames at {fps:.3} fps",
            self.out.display(),
            self.frames
        );
        if self.blur {
            let faces = &self.faces;
            let _ = write!(
                text,
                "; faces blurred in {} frames ({} of them kept from a moment before, while \
                 the person was not found); {} frames had nobody found and nothing blurred. \
                 Look through the video before handing it on: faces the pose model does not \
                 find (a second person) are not blurred",
                faces.blurred + faces.held,
                faces.held,
                faces.none
            );
        } else {
            let _ = write!(text, "; faces not blurred ({kept_by})");
        }
        text
    }

    /// The line said when frames are missing from the output, if any are.
    pub fn missing_text(&self) -> Option<String> {
        (self.missing > 0).then(|| {
            format!(
                "{} frames could not be analyzed and are missing from {}",
                self.missing,
                self.out.display()
            )
        })
    }
}

/// Why no annotated video was written. Nothing is left behind in any case (the hidden
/// partial file is removed).
#[derive(Debug, thiserror::Error)]
pub enum AnnotateError {
    /// The input is not a video file.
    #[error("{0} is not a video file; only a video can be annotated")]
    NotAVideo(PathBuf),
    /// The output is the input.
    #[error("{0} is the input video; choose another file to write")]
    IsInput(PathBuf),
    /// The output exists and may not be replaced.
    #[error("{0} exists; choose another file or allow replacing it")]
    Exists(PathBuf),
    /// The output is a folder.
    #[error("{0} is a folder; choose a file name")]
    IsFolder(PathBuf),
    /// The output's folder does not exist.
    #[error("the folder of {} does not exist: {}", out.display(), folder.display())]
    NoFolder {
        /// The output asked for.
        out: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// The input cannot be opened or read.
    #[error("cannot open {}: {cause}", path.display())]
    Open {
        /// The input.
        path: PathBuf,
        /// What went wrong.
        cause: CaptureError,
    },
    /// No file can be created in the output's folder (unwritable, full).
    #[error("cannot create a private file in the folder of {}: {cause}", out.display())]
    Create {
        /// The output asked for.
        out: PathBuf,
        /// What went wrong.
        cause: std::io::Error,
    },
    /// Encoding or writing failed.
    #[error("cannot write {}: {cause}", out.display())]
    Write {
        /// The output.
        out: PathBuf,
        /// What went wrong.
        cause: CaptureError,
    },
    /// The finished video could not be moved to its name.
    #[error("cannot move the finished video to {}: {cause}", out.display())]
    Rename {
        /// The output.
        out: PathBuf,
        /// What went wrong.
        cause: std::io::Error,
    },
    /// The pipeline failed (model, runtime, decoding).
    #[error("{failure}; {} was not written", out.display())]
    Pipeline {
        /// The pipeline's failure.
        failure: Failure,
        /// The output.
        out: PathBuf,
    },
    /// The video has no readable frame.
    #[error("{} has no frame that could be read", input.display())]
    NoFrames {
        /// The input.
        input: PathBuf,
    },
    /// The stop flag was set (Ctrl-C, Cancel).
    #[error("interrupted; {} was not written", out.display())]
    Stopped {
        /// The output.
        out: PathBuf,
    },
}

/// Removes the unfinished output unless it was completed.
#[derive(Debug)]
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

/// A checked job with its output file created and the encoder open, ready to [`run`].
///
/// [`run`]: Prepared::run
pub struct Prepared {
    job: AnnotateJob,
    spec: SourceSpec,
    writer: VideoWriter,
    partial: Partial,
    rate: (i32, i32),
    frames_total: Option<u64>,
    duration_s: Option<f64>,
    notices: Vec<String>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("job", &self.job)
            .field("partial", &self.partial)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

/// Annotates `job` from start to end: [`AnnotateJob::prepare`], then [`Prepared::run`].
pub fn annotate(
    job: AnnotateJob,
    progress: &mut dyn FnMut(&AnnotateProgress),
    stop: &AtomicBool,
) -> Result<AnnotateSummary, AnnotateError> {
    job.prepare()?.run(progress, stop)
}

impl AnnotateJob {
    /// Checks the input and the output, reads the video's size and rate, creates the hidden
    /// partial file (mode 0600) and opens the encoder on it.
    pub fn prepare(self) -> Result<Prepared, AnnotateError> {
        let spec = SourceSpec::parse(&self.input.to_string_lossy()).map_err(|cause| {
            AnnotateError::Open {
                path: self.input.clone(),
                cause,
            }
        })?;
        if !matches!(spec, SourceSpec::Video(_)) {
            return Err(AnnotateError::NotAVideo(self.input.clone()));
        }
        check_output(&self.input, &self.out, self.overwrite)?;
        let probe = crate::capture::video::VideoSource::open(&self.input, Pacing::AsFastAsPossible)
            .map_err(|cause| AnnotateError::Open {
                path: self.input.clone(),
                cause,
            })?;
        let (width, height) = probe.size();
        let mut notices = Vec::new();
        let rate = probe.frame_rate().unwrap_or_else(|| {
            notices.push(format!(
                "{} declares no frame rate; writing {ASSUMED_FPS} fps",
                self.input.display()
            ));
            (ASSUMED_FPS, 1)
        });
        let duration_s = probe.announced_duration_s();
        let frames_total = probe.announced_frames().or_else(|| {
            let fps = f64::from(rate.0) / f64::from(rate.1.max(1));
            duration_s.map(|seconds| (seconds * fps).round().max(0.0) as u64)
        });
        drop(probe);

        let partial = Partial {
            path: partial_path(&self.out),
            done: false,
        };
        crate::store::private::create_private(&partial.path).map_err(|cause| {
            AnnotateError::Create {
                out: self.out.clone(),
                cause,
            }
        })?;
        let writer = VideoWriter::create_with(
            &partial.path,
            width,
            height,
            &VideoSettings {
                rate,
                codec: Codec::H264,
                // The annotated copy keeps the recording's own date (not the file time of
                // the copy).
                creation_time: crate::capture::recording_date(&self.input)
                    .filter(|date| date.basis == DateBasis::Container)
                    .map(|date| date.utc),
                b_frames: 0,
            },
        )
        .map_err(|cause| AnnotateError::Write {
            out: self.out.clone(),
            cause,
        })?;
        if !writer.encoder_name().contains("264") {
            notices.push(format!(
                "this FFmpeg has no H.264 encoder; writing MPEG-4 Part 2 ({}) instead",
                writer.encoder_name()
            ));
        }
        Ok(Prepared {
            job: self,
            spec,
            writer,
            partial,
            rate,
            frames_total,
            duration_s,
            notices,
        })
    }
}

impl Prepared {
    /// What the run does differently from what was asked (no declared frame rate, no H.264
    /// encoder), to say before it starts.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The video's announced length, seconds.
    pub fn duration_s(&self) -> Option<f64> {
        self.duration_s
    }

    /// Frames the video announces, if known.
    pub fn frames_total(&self) -> Option<u64> {
        self.frames_total
    }

    /// Runs the pipeline over every frame, draws, encodes, and renames the finished file to
    /// its name. `progress` is called after each written frame; setting `stop` ends the run
    /// ([`AnnotateError::Stopped`]) and removes the partial file.
    pub fn run(
        self,
        progress: &mut dyn FnMut(&AnnotateProgress),
        stop: &AtomicBool,
    ) -> Result<AnnotateSummary, AnnotateError> {
        let Self {
            job,
            spec,
            mut writer,
            mut partial,
            rate,
            frames_total,
            notices,
            ..
        } = self;
        let out = job.out.clone();
        let stopped = || AnnotateError::Stopped { out: out.clone() };
        let options = AnalysisOptions {
            fps: None,
            ..job.options
        };
        let config = PipelineConfig::analysis(spec, job.models_dir.clone(), options);
        let (pipeline, updates) =
            Pipeline::start(config).map_err(|err| AnnotateError::Pipeline {
                failure: err.failure(),
                out: out.clone(),
            })?;
        let mut annotator = Annotator::new(job.blur).with_overlay(job.overlay);
        let mut faces = FaceCounts::default();
        let mut expected_seq = 0_u64;
        let mut missing = 0_u64;
        loop {
            if stop.load(Ordering::SeqCst) {
                return Err(stopped());
            }
            let update = match updates.recv_timeout(STOP_POLL) {
                Ok(update) => update,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            };
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
                        .map_err(|cause| AnnotateError::Write {
                            out: out.clone(),
                            cause,
                        })?;
                    progress(&AnnotateProgress {
                        frames_done: writer.frames(),
                        frames_total,
                        t_ms: analyzed.frame.t_ms,
                    });
                }
                Update::Source(SourceStatus::Failed(failure)) | Update::Failed(failure) => {
                    return Err(AnnotateError::Pipeline {
                        failure,
                        out: out.clone(),
                    });
                }
                Update::Posture(_) | Update::Source(_) => {}
            }
        }
        drop(pipeline);
        let frames = writer.frames();
        if frames == 0 {
            return Err(AnnotateError::NoFrames { input: job.input });
        }
        writer.finish().map_err(|cause| AnnotateError::Write {
            out: out.clone(),
            cause,
        })?;
        if stop.load(Ordering::SeqCst) {
            return Err(stopped());
        }
        // Asked again at the end: a file that appeared meanwhile is not replaced either.
        if !job.overwrite && out.exists() {
            return Err(AnnotateError::Exists(out));
        }
        std::fs::rename(&partial.path, &out).map_err(|cause| AnnotateError::Rename {
            out: out.clone(),
            cause,
        })?;
        partial.done = true;
        Ok(AnnotateSummary {
            out,
            frames,
            rate,
            faces,
            blur: job.blur,
            missing,
            notices,
        })
    }
}

/// Refuses an output that is the input, already exists (unless `overwrite`), is a folder, or
/// whose folder is missing.
pub fn check_output(input: &Path, out: &Path, overwrite: bool) -> Result<(), AnnotateError> {
    if let (Ok(a), Ok(b)) = (input.canonicalize(), out.canonicalize())
        && a == b
    {
        return Err(AnnotateError::IsInput(out.to_path_buf()));
    }
    if out.is_dir() {
        return Err(AnnotateError::IsFolder(out.to_path_buf()));
    }
    if !overwrite && out.exists() {
        return Err(AnnotateError::Exists(out.to_path_buf()));
    }
    let folder = out
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(AnnotateError::NoFolder {
            out: out.to_path_buf(),
            folder: folder.to_path_buf(),
        });
    }
    Ok(())
}

/// The hidden file the video is written to before it is complete: `.NAME.partial.EXT` beside
/// `out` (the extension kept, so FFmpeg picks the same container).
pub fn partial_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(|| "annotated".into(), |stem| stem.to_string_lossy());
    let name = match out.extension() {
        Some(ext) => format!(".{stem}.partial.{}", ext.to_string_lossy()),
        None => format!(".{stem}.partial"),
    };
    out.with_file_name(name)
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
    fn outputs_that_would_lose_something_are_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"video")?;
        let err = check_output(&input, &input, true).expect_err("same file");
        assert!(matches!(err, AnnotateError::IsInput(_)), "{err}");
        assert!(err.to_string().contains("is the input"), "{err}");
        let existing = dir.path().join("old.mp4");
        std::fs::write(&existing, b"old")?;
        let err = check_output(&input, &existing, false).expect_err("exists");
        assert!(matches!(err, AnnotateError::Exists(_)), "{err}");
        check_output(&input, &existing, true)?;
        let err = check_output(&input, &dir.path().join("no/such/out.mp4"), false)
            .expect_err("missing folder");
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = check_output(&input, dir.path(), true).expect_err("a folder");
        assert!(matches!(err, AnnotateError::IsFolder(_)), "{err}");
        check_output(&input, &dir.path().join("new.mp4"), false)?;
        Ok(())
    }

    #[test]
    fn a_stopped_or_failed_preparation_leaves_no_partial_file()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"not a video at all")?;
        let out = dir.path().join("out.mp4");
        let job = AnnotateJob {
            input,
            out: out.clone(),
            blur: true,
            overlay: true,
            overwrite: false,
            models_dir: None,
            options: AnalysisOptions::new(crate::pose::ModelChoice::Lite, None),
        };
        let err = job.prepare().expect_err("an undecodable file");
        assert!(matches!(err, AnnotateError::Open { .. }), "{err}");
        assert!(err.to_string().contains("in.mp4"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path())?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(left.len(), 1, "only the input: {left:?}");
        Ok(())
    }
}
