//! `plumbline analyze`: runs the real pipeline in analysis mode (every frame, as fast as the
//! machine decodes) over recordings, stores one session per recording, and writes one
//! self-contained HTML report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use crossbeam_channel::Receiver;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Global;
use crate::capture::{Pacing, SourceSpec};
use crate::pipeline::{Delivery, Pipeline, PipelineConfig, RatePolicy, SourceStatus, Update};
use crate::pose::PoseConfig;
use crate::posture::PostureConfig;
use crate::posture::PostureSample;
use crate::report::files::load_recording;
use crate::report::{Recording, build};
use crate::store::{NewSession, SessionId, SessionKind, Store, StoreWriter};

/// File extensions taken as videos when a folder is given.
const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "mov", "m4v", "mkv", "avi", "webm", "mpg"];

/// Which BlazePose landmark model to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelChoice {
    /// The small, fast model.
    Lite,
    /// The larger, more accurate model (the pose engine's default).
    #[default]
    Full,
}

impl ModelChoice {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelChoice::Lite => "lite",
            ModelChoice::Full => "full",
        }
    }

    pub(super) fn pose_model(self) -> crate::pose::ModelChoice {
        match self {
            ModelChoice::Lite => crate::pose::ModelChoice::Lite,
            ModelChoice::Full => crate::pose::ModelChoice::Full,
        }
    }
}

/// How the pipeline runs over a source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct RunOptions {
    /// The landmark model.
    pub model: ModelChoice,
    /// Frames analysed per second of source time; `None` for every frame.
    pub fps: Option<f64>,
}

/// Arguments of `plumbline analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Videos, folders (each video in it is a recording; a folder of images is one recording)
    /// or image files.
    #[arg(required = true, value_name = "VIDEO|FOLDER|FILE")]
    pub inputs: Vec<PathBuf>,

    /// Where to write the HTML report.
    #[arg(long, value_name = "FILE", default_value = "plumbline-report.html")]
    pub report: PathBuf,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::Full)]
    pub model: ModelChoice,

    /// Frames analysed per second of video (default: every frame).
    #[arg(long, value_name = "FPS")]
    pub fps: Option<f64>,

    /// Subject code to file the sessions under (for a baseline comparison in the report).
    #[arg(long, value_name = "ID")]
    pub subject: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    if let Some(fps) = args.fps {
        anyhow::ensure!(
            fps.is_finite() && fps > 0.0,
            "--fps must be above 0, got {fps}"
        );
    }
    let options = RunOptions {
        model: args.model,
        fps: args.fps,
    };
    let recordings = expand_inputs(&args.inputs)?;
    let mut store = Store::open_or_default(args.db.as_deref())?;
    let mut ids = Vec::new();
    let mut failures = Vec::new();
    for (index, input) in recordings.iter().enumerate() {
        let label = format!("[{}/{}] {}", index + 1, recordings.len(), input.display());
        let mut new = NewSession::new(SessionKind::Analysis, input.display().to_string());
        new.model = Some(args.model.as_str().to_owned());
        new.subject.clone_from(&args.subject);
        match analyse_one(&mut store, &new, input, options, global, &label) {
            Ok((session, analysed)) => {
                eprintln!("{label}: {analysed} frames analysed, session {session}");
                ids.push(session);
            }
            // One bad recording does not cost the others their report.
            Err(err) => {
                eprintln!("{label}: cannot analyse it: {err:#}");
                failures.push(input.display().to_string());
            }
        }
    }
    anyhow::ensure!(!ids.is_empty(), "no recording could be analysed");
    let document = build(&load_recordings(&store, &ids)?);
    std::fs::write(&args.report, document.html())
        .with_context(|| format!("cannot write the report {}", args.report.display()))?;
    eprintln!(
        "report with {} plots: {}; database: {}",
        document.figure_count(),
        args.report.display(),
        store.path().display()
    );
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("not analysed: {}", failures.join(", "));
        Ok(ExitCode::FAILURE)
    }
}

/// Reads the stored sessions back (with the subject's baseline) for the report.
pub(super) fn load_recordings(store: &Store, ids: &[SessionId]) -> anyhow::Result<Vec<Recording>> {
    Ok(ids
        .iter()
        .map(|id| load_recording(store, *id))
        .collect::<Result<_, _>>()?)
}

/// The recordings named by the inputs: files as given, videos inside folders sorted by name,
/// and folders without videos as one image-sequence recording.
pub fn expand_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut videos: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read the folder {}", input.display()))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.is_file() && is_video(path))
                .collect();
            videos.sort();
            if videos.is_empty() {
                out.push(input.clone());
            } else {
                out.extend(videos);
            }
        } else if input.is_file() {
            out.push(input.clone());
        } else {
            anyhow::bail!("{} does not exist", input.display());
        }
    }
    Ok(out)
}

fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| VIDEO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// A progress bar on stderr over the source time, hidden when stderr is not a terminal.
pub(super) fn progress_bar(label: &str, duration_s: Option<f64>) -> ProgressBar {
    let bar = match duration_s {
        Some(seconds) => ProgressBar::new((seconds * 1000.0).max(1.0) as u64),
        None => ProgressBar::no_length(),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    let template = if duration_s.is_some() {
        "{msg} [{bar:30}] {percent}% ({elapsed} elapsed, {eta} left)"
    } else {
        "{msg} {spinner} {elapsed}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_owned());
    bar
}

/// Runs the pipeline over one recording into a new session (created only once the pipeline
/// has started, so a file that cannot be opened leaves no empty session); returns the
/// session and the number of analysed frames.
fn analyse_one(
    store: &mut Store,
    new: &NewSession,
    input: &Path,
    options: RunOptions,
    global: &Global,
    label: &str,
) -> anyhow::Result<(SessionId, u64)> {
    let spec = SourceSpec::parse(&input.to_string_lossy())?;
    let started = start_pipeline(spec, options, global)?;
    let session = store.start_session(new)?;
    let bar = progress_bar(label, started.duration_s);
    // The writer thread gets its own connection; WAL lets both work on the file.
    let writer = StoreWriter::spawn(Store::open(store.path())?, session)?;
    let analysed = record(&started.updates, Some(&writer), &bar, None, &mut Vec::new());
    bar.finish_and_clear();
    drop(started);
    let (_, report) = writer.finish()?;
    tracing::info!(?report, "stored session {session}");
    // Frames stored before a failure stay in the session; the error still reaches the user.
    Ok((session, analysed?))
}

/// Moves every update into the writer (when there is one) until the pipeline ends (or
/// `limit_ms` of source time has passed since the first analysed frame); keeps the samples in
/// `kept`.
pub(super) fn record(
    updates: &Receiver<Update>,
    writer: Option<&StoreWriter>,
    bar: &ProgressBar,
    limit_ms: Option<f64>,
    kept: &mut Vec<PostureSample>,
) -> anyhow::Result<u64> {
    let mut analysed = 0_u64;
    let mut first_ms: Option<f64> = None;
    for update in updates {
        if let Update::Analysed(analysed_frame) = &update {
            let t_ms = analysed_frame.sample.t_ms;
            let start = *first_ms.get_or_insert(t_ms);
            if limit_ms.is_some_and(|limit| t_ms - start >= limit) {
                break;
            }
        }
        if let Some(writer) = writer {
            crate::pipeline::recorder::send_update(writer, &update)?;
        }
        match update {
            Update::Analysed(analysed_frame) => {
                let sample = &analysed_frame.sample;
                bar.set_position(sample.t_ms.max(0.0) as u64);
                kept.push(sample.clone());
                analysed += 1;
            }
            Update::Source(SourceStatus::Failed(reason)) | Update::Failed(reason) => {
                anyhow::bail!("{reason}")
            }
            // The pose thread may still deliver queued frames after the source ended: read
            // until the channel disconnects.
            Update::Posture(_) | Update::Source(_) => {}
        }
    }
    Ok(analysed)
}

/// A running pipeline and what is known about its source.
pub(super) struct Started {
    /// The pipeline's updates; they end when the source ends.
    pub updates: Receiver<Update>,
    /// The announced length of the recording, seconds.
    pub duration_s: Option<f64>,
    /// The running threads; dropping this stops them.
    _pipeline: Pipeline,
}

/// Starts the real pipeline (BlazePose and the posture judge) over `spec`: recordings in
/// analysis mode (as fast as they decode, no frame dropped), cameras live.
pub(super) fn start_pipeline(
    spec: SourceSpec,
    options: RunOptions,
    global: &Global,
) -> anyhow::Result<Started> {
    let recording = spec.is_recording();
    let duration_s = match &spec {
        SourceSpec::Video(path) => {
            crate::capture::video::VideoSource::open(path, Pacing::AsFastAsPossible)
                .ok()
                .and_then(|video| video.announced_duration_s())
        }
        _ => None,
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let pose = PoseConfig {
        model: options.model.pose_model(),
        intra_threads: threads.min(4),
        ..PoseConfig::default()
    };
    let (pacing, delivery) = if recording {
        (Pacing::AsFastAsPossible, Delivery::Lossless)
    } else {
        (Pacing::RealTime, Delivery::LatestWins)
    };
    let config = PipelineConfig {
        source: spec,
        pacing,
        delivery,
        rate: RatePolicy {
            fps: options.fps,
            at_risk_fps: None,
        },
        analyser: crate::pipeline::blazepose_factory(
            global.models_dir.clone(),
            pose,
            PostureConfig::default(),
        ),
        on_update: None,
    };
    let (pipeline, updates) = Pipeline::start(config)?;
    Ok(Started {
        updates,
        duration_s,
        _pipeline: pipeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_expand_to_sorted_videos_or_stay_one_recording() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("b.mp4"), b"")?;
        std::fs::write(dir.path().join("a.MOV"), b"")?;
        std::fs::write(dir.path().join("notes.txt"), b"")?;
        let stills = dir.path().join("stills");
        std::fs::create_dir(&stills)?;
        std::fs::write(stills.join("1.jpg"), b"")?;
        let out = expand_inputs(&[dir.path().to_path_buf(), stills.clone()])?;
        assert_eq!(
            out,
            [dir.path().join("a.MOV"), dir.path().join("b.mp4"), stills]
        );
        assert!(expand_inputs(&[dir.path().join("missing.mp4")]).is_err());
        Ok(())
    }
}
