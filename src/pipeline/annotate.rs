//! The annotated video, the one loop for `plumbline annotate` and the window's review mode:
//! a video written again with the skeleton, the CVA and the posture state drawn on every
//! frame, and faces blurred unless asked otherwise.
//!
//! Every frame goes through the real pipeline once (lossless analysis, as `analyze` does; or,
//! when the window's review already analyzed every frame with the same settings, its results
//! are taken and the video only decoded again: [`AnnotateJob::known`]), is
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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{AnalysisOptions, Failure, Pipeline, PipelineConfig, SourceStatus, Update};
use crate::capture::writer::{Codec, VideoSettings, VideoWriter};
use crate::capture::{CaptureError, DateBasis, Frame, Pacing, SourceSpec};
use crate::pose::PoseEstimate;
use crate::posture::PostureSample;
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
    /// How the pipeline analyzes the video (the model, the judge's configuration; every frame
    /// is analyzed whatever `fps` says, since every frame is written).
    pub options: AnalysisOptions,
    /// What the same pipeline (`models_dir`, `options`, every frame) already found in each
    /// frame of `input`, in frame order (review mode keeps this): the video is then only
    /// decoded and drawn on, and the model does not run again. `None`: the pipeline runs.
    pub known: Option<Arc<[KnownFrame]>>,
}

/// What the analysis found in one frame, without its pixels (review mode keeps one per
/// frame; [`AnnotateJob::known`]).
#[derive(Clone, Debug)]
pub struct KnownFrame {
    /// The frame's number in the recording.
    pub seq: u64,
    /// Its time on the recording's clock, milliseconds.
    pub t_ms: f64,
    /// What the pose engine found.
    pub estimate: PoseEstimate,
    /// The posture judgement.
    pub sample: PostureSample,
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

    /// Runs the pipeline over every frame (or decodes the video and takes the results of
    /// [`AnnotateJob::known`]), draws, encodes, and renames the finished file to its name.
    /// `progress` is called after each written frame; setting `stop` ends the run
    /// ([`AnnotateError::Stopped`]) and removes the partial file.
    pub fn run(
        self,
        progress: &mut dyn FnMut(&AnnotateProgress),
        stop: &AtomicBool,
    ) -> Result<AnnotateSummary, AnnotateError> {
        let Self {
            job,
            spec,
            writer,
            mut partial,
            rate,
            frames_total,
            notices,
            ..
        } = self;
        let out = job.out.clone();
        let mut sink = Sink {
            writer,
            annotator: Annotator::new(job.blur).with_overlay(job.overlay),
            faces: FaceCounts::default(),
            expected_seq: 0,
            missing: 0,
            frames_total,
            out: &out,
            progress,
        };
        if let Some(known) = &job.known {
            feed_known(&job.input, &spec, known, &mut sink, stop)?;
        } else {
            let options = AnalysisOptions {
                fps: None,
                ..job.options.clone()
            };
            let config = PipelineConfig::analysis(spec, job.models_dir.clone(), options);
            feed_pipeline(config, &mut sink, stop)?;
        }
        let Sink {
            writer,
            faces,
            missing,
            ..
        } = sink;
        let frames = writer.frames();
        if frames == 0 {
            return Err(AnnotateError::NoFrames { input: job.input });
        }
        writer.finish().map_err(|cause| AnnotateError::Write {
            out: out.clone(),
            cause,
        })?;
        if stop.load(Ordering::SeqCst) {
            return Err(AnnotateError::Stopped { out });
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

/// The one place frames are drawn on and encoded, whichever feed they come from.
struct Sink<'a> {
    writer: VideoWriter,
    annotator: Annotator,
    faces: FaceCounts,
    /// The frame number expected next; a later one means frames are missing.
    expected_seq: u64,
    missing: u64,
    frames_total: Option<u64>,
    out: &'a Path,
    progress: &'a mut dyn FnMut(&AnnotateProgress),
}

impl Sink<'_> {
    /// Draws on `frame` what `estimate` and `sample` say of it and encodes it.
    fn put(
        &mut self,
        frame: &Frame,
        estimate: &PoseEstimate,
        sample: &PostureSample,
    ) -> Result<(), AnnotateError> {
        self.missing += frame.seq.saturating_sub(self.expected_seq);
        self.expected_seq = frame.seq + 1;
        let mut image = (*frame.image).clone();
        match self.annotator.annotate(&mut image, estimate, sample) {
            FaceOutcome::Blurred => self.faces.blurred += 1,
            FaceOutcome::Held => self.faces.held += 1,
            FaceOutcome::NoneFound => self.faces.none += 1,
            FaceOutcome::Off => {}
        }
        self.writer
            .push_at(&image, frame.t_ms)
            .map_err(|cause| AnnotateError::Write {
                out: self.out.to_path_buf(),
                cause,
            })?;
        (self.progress)(&AnnotateProgress {
            frames_done: self.writer.frames(),
            frames_total: self.frames_total,
            t_ms: frame.t_ms,
        });
        Ok(())
    }
}

/// Every frame through the real pipeline (lossless analysis) into `sink`.
fn feed_pipeline(
    config: PipelineConfig,
    sink: &mut Sink<'_>,
    stop: &AtomicBool,
) -> Result<(), AnnotateError> {
    let out = sink.out.to_path_buf();
    let (pipeline, updates) = Pipeline::start(config).map_err(|err| AnnotateError::Pipeline {
        failure: err.failure(),
        out: out.clone(),
    })?;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(AnnotateError::Stopped { out });
        }
        let update = match updates.recv_timeout(STOP_POLL) {
            Ok(update) => update,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        match update {
            Update::Analyzed(analyzed) => {
                sink.put(&analyzed.frame, &analyzed.estimate, &analyzed.sample)?;
            }
            Update::Source(SourceStatus::Failed(failure)) | Update::Failed(failure) => {
                return Err(AnnotateError::Pipeline { failure, out });
            }
            Update::Posture(_) | Update::Source(_) => {}
        }
    }
    drop(pipeline);
    Ok(())
}

/// Every frame decoded again (as the pipeline's capture thread decodes it) into `sink` with
/// the results `known` holds for it; a frame `known` lacks is missing from the output.
fn feed_known(
    input: &Path,
    spec: &SourceSpec,
    known: &[KnownFrame],
    sink: &mut Sink<'_>,
    stop: &AtomicBool,
) -> Result<(), AnnotateError> {
    let open_failed = |cause| AnnotateError::Open {
        path: input.to_path_buf(),
        cause,
    };
    let mut source = crate::capture::open(spec, Pacing::AsFastAsPossible).map_err(open_failed)?;
    let mut next = 0;
    while let Some(frame) = source.next_frame().map_err(open_failed)? {
        if stop.load(Ordering::SeqCst) {
            return Err(AnnotateError::Stopped {
                out: sink.out.to_path_buf(),
            });
        }
        next += known[next..].partition_point(|k| k.seq < frame.seq);
        if let Some(found) = known.get(next).filter(|k| k.seq == frame.seq) {
            sink.put(&frame, &found.estimate, &found.sample)?;
        } else {
            sink.missing += 1;
            sink.expected_seq = frame.seq + 1;
        }
    }
    Ok(())
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

    /// A `frames`-frame 64x48 video at 4 fps in `dir`.
    fn small_video(dir: &Path, frames: u32) -> PathBuf {
        let path = dir.join("in.mp4");
        let mut writer = VideoWriter::create(&path, 64, 48, 4).expect("an encoder");
        for i in 0..frames {
            let image = image::RgbImage::from_fn(64, 48, |x, y| {
                image::Rgb([(x * 4) as u8, (y * 5) as u8, (i * 40) as u8])
            });
            writer.push(&image).expect("a frame");
        }
        writer.finish().expect("a video")
    }

    /// The job of annotating `input` into `out`: faces blurred and drawn on, not replacing,
    /// the lite model with the default judge, drawn with `known` when given.
    fn job(input: PathBuf, out: PathBuf, known: Option<Vec<KnownFrame>>) -> AnnotateJob {
        AnnotateJob {
            input,
            out,
            blur: true,
            overlay: true,
            overwrite: false,
            models_dir: None,
            options: AnalysisOptions::new(
                crate::pose::ModelChoice::Lite,
                None,
                crate::posture::PostureConfig::default(),
            ),
            known: known.map(Arc::from),
        }
    }

    /// The names of the files left in `dir`.
    fn left_in(dir: &Path) -> std::io::Result<Vec<std::ffi::OsString>> {
        Ok(std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect())
    }

    fn nobody(seq: u64, t_ms: f64) -> KnownFrame {
        KnownFrame {
            seq,
            t_ms,
            estimate: PoseEstimate {
                seq,
                t_ms,
                width: 64,
                height: 48,
                score: None,
                people_detected: 0,
                detector_ran: true,
                roi: None,
                skeleton: None,
            },
            sample: PostureSample {
                seq,
                t_ms,
                ..PostureSample::default()
            },
        }
    }

    #[test]
    fn known_results_are_drawn_on_the_decoded_frames_and_a_frame_without_one_is_missing()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = small_video(dir.path(), 6);
        // Frame 2 has no result (the analysis never delivered it).
        let known: Vec<KnownFrame> = [0_u64, 1, 3, 4, 5]
            .iter()
            .map(|&seq| nobody(seq, seq as f64 * 250.0))
            .collect();
        let out = dir.path().join("out.mp4");
        let mut seen = Vec::new();
        let summary = annotate(
            AnnotateJob {
                // Never loaded: the model does not run.
                models_dir: Some(dir.path().join("no-models-here")),
                ..job(input, out.clone(), Some(known))
            },
            &mut |progress| seen.push(progress.frames_done),
            &AtomicBool::new(false),
        )?;
        assert_eq!(summary.frames, 5);
        assert_eq!(summary.missing, 1);
        assert_eq!(seen, [1, 2, 3, 4, 5]);
        assert_eq!(
            summary.faces,
            FaceCounts {
                blurred: 0,
                held: 0,
                none: 5
            }
        );
        assert!(
            summary
                .missing_text()
                .is_some_and(|t| t.starts_with("1 frames"))
        );
        assert!(out.is_file());
        Ok(())
    }

    #[test]
    fn a_stop_leaves_neither_the_output_nor_the_partial_file()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = small_video(dir.path(), 3);
        let out = dir.path().join("out.mp4");
        let stop = AtomicBool::new(false);
        let err = annotate(
            job(
                input,
                out.clone(),
                Some(vec![nobody(0, 0.0), nobody(1, 250.0), nobody(2, 500.0)]),
            ),
            &mut |_| stop.store(true, Ordering::SeqCst),
            &stop,
        )
        .expect_err("stopped");
        assert!(matches!(err, AnnotateError::Stopped { .. }), "{err}");
        assert_eq!(left_in(dir.path())?, ["in.mp4"], "only the input");
        Ok(())
    }

    #[test]
    fn a_stopped_or_failed_preparation_leaves_no_partial_file()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, b"not a video at all")?;
        let out = dir.path().join("out.mp4");
        let err = job(input, out, None)
            .prepare()
            .expect_err("an undecodable file");
        assert!(matches!(err, AnnotateError::Open { .. }), "{err}");
        assert!(err.to_string().contains("in.mp4"), "{err}");
        let left = left_in(dir.path())?;
        assert_eq!(left.len(), 1, "only the input: {left:?}");
        Ok(())
    }
}
