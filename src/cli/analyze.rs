//! `plumbline analyze`: runs the real pipeline in analysis mode (every selected frame, as fast
//! as the machine decodes) over recordings, several at once (`--jobs`), stores one session per
//! recording, and writes one self-contained HTML report.

mod batch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use super::run::{RunOptions, default_jobs, intra_threads_per_job};
use crate::capture::VIDEO_EXTENSIONS;
use crate::pipeline::{DEFAULT_ANALYSIS_FPS, MAX_ANALYSIS_FPS};
use crate::pose::ModelChoice;
use crate::report::export::{FrameRecording, write_frames_csv};
use crate::report::files::load_recording;
use crate::report::header::header_text;
use crate::report::stills::take_all;
use crate::report::{Recording, ReportHeader, build};
use crate::store::{NewSession, SessionId, SessionKind, Store};

/// The analysis rate on the command line: frames per second of source time, or every frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    /// Every decoded frame.
    Every,
    /// At most this many frames per second of source time.
    Fps(f64),
}

impl Rate {
    /// Frames per second, `None` for every frame.
    pub fn fps(self) -> Option<f64> {
        match self {
            Rate::Every => None,
            Rate::Fps(fps) => Some(fps),
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Every => f.write_str("all"),
            Rate::Fps(fps) => write!(f, "{fps}"),
        }
    }
}

/// Parses `--rate`: a number of frames per second in (0, MAX_ANALYSIS_FPS], or `all`.
fn parse_rate(text: &str) -> Result<Rate, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(Rate::Every);
    }
    let range = format!("above 0 and at most {MAX_ANALYSIS_FPS} frames per second, or `all`");
    let fps: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number: the rate must be {range}"))?;
    if fps.is_finite() && fps > 0.0 && fps <= MAX_ANALYSIS_FPS {
        Ok(Rate::Fps(fps))
    } else {
        Err(format!("the rate must be {range}, got {text}"))
    }
}

/// `--jobs` with the range in the message.
fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text.trim().parse().map_err(|_| {
        format!(
            "`{text}` is not a whole number: --jobs must be between 1 and {}",
            batch::MAX_JOBS
        )
    })?;
    batch::check_jobs(jobs).map_err(|err| err.to_string())
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
    #[arg(long, value_enum, default_value_t = ModelChoice::default())]
    pub model: ModelChoice,

    /// Frames analyzed per second of video, or `all` for every frame. Posture changes
    /// slowly; frames between are skipped before colour conversion (docs/RECORDS.md).
    #[arg(
        long,
        visible_alias = "fps",
        value_name = "FPS|all",
        default_value_t = DEFAULT_RATE,
        value_parser = parse_rate,
    )]
    pub rate: Rate,

    /// Recordings analyzed at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,

    /// Subject code to file the sessions under (for a baseline comparison in the report).
    #[arg(long, value_name = "ID")]
    pub subject: Option<String>,

    /// The report's title (default: "plumbline posture report").
    #[arg(long, value_name = "TEXT", value_parser = header_text)]
    pub title: Option<String>,

    /// The client the assessment is for, printed at the top of the report.
    #[arg(long, value_name = "TEXT", value_parser = header_text)]
    pub client: Option<String>,

    /// The site or workstation assessed.
    #[arg(long, value_name = "TEXT", value_parser = header_text)]
    pub site: Option<String>,

    /// Who made the assessment.
    #[arg(long, value_name = "TEXT", value_parser = header_text)]
    pub assessor: Option<String>,

    /// Also write every analyzed frame as CSV into FILE (one file for all recordings, with a
    /// `recording` column; readable only by you): time, state, view and the measures valid
    /// in the recordings' views (docs/RECORDS.md).
    #[arg(long, value_name = "FILE")]
    pub frames_csv: Option<PathBuf>,

    /// Put a picture of each recording's worst and best moment into the report (the
    /// judged second with the lowest and the highest CVA, or forward-head index in a front
    /// view), drawn on like `annotate` and with the face blurred. Off by default: the report
    /// then holds no image.
    #[arg(long)]
    pub stills: bool,

    /// With --stills: keep the faces in the pictures as they are (blurred by default).
    #[arg(long, requires = "stills")]
    pub no_blur: bool,

    #[command(flatten)]
    pub judge: super::JudgeArgs,
}

/// The default of `--rate` (the value is justified in docs/RECORDS.md).
const DEFAULT_RATE: Rate = Rate::Fps(DEFAULT_ANALYSIS_FPS);

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let recordings = expand_inputs(&args.inputs)?;
    let jobs = args
        .jobs
        .unwrap_or_else(default_jobs)
        .min(recordings.len())
        .max(1);
    let options = RunOptions {
        intra_threads: intra_threads_per_job(jobs),
        ..RunOptions::new(args.model, args.rate.fps(), args.judge.posture()?)
    };
    let mut store = Store::open_or_default(args.db.as_deref())?;
    let new_session = |input: &Path, options: &RunOptions| {
        let mut new = NewSession::new(
            SessionKind::Analysis,
            input.display().to_string(),
            Some(options.judged_with()),
        );
        new.model = Some(args.model.as_str().to_owned());
        new.subject.clone_from(&args.subject);
        new
    };
    let outcomes = batch::analyze_all(
        &mut store,
        &recordings,
        jobs,
        &new_session,
        &options,
        batch::Kept {
            samples: args.frames_csv.is_some(),
            stills: args.stills,
        },
        global,
    );
    let mut finished = Vec::new();
    let mut failures = Vec::new();
    // One bad recording does not cost the others their report.
    for (input, outcome) in recordings.iter().zip(outcomes) {
        match outcome {
            Ok(done) => finished.push((input, done)),
            Err(_) => failures.push(input.display().to_string()),
        }
    }
    anyhow::ensure!(!finished.is_empty(), "no recording could be analyzed");
    let ids: Vec<SessionId> = finished.iter().map(|(_, done)| done.session).collect();
    let header = ReportHeader {
        title: args.title.clone(),
        client: args.client.clone(),
        site: args.site.clone(),
        assessor: args.assessor.clone(),
        prepared: crate::capture::date::utc_now(),
    };
    let mut recordings_read = load_recordings(&store, &ids)?;
    if args.stills {
        // Read from the recordings again now: one that is gone or unreadable gets a note in
        // place of its pictures, the report is still written.
        for (recording, (_, done)) in recordings_read.iter_mut().zip(&finished) {
            let moments = done.moments.clone().unwrap_or_default();
            recording.stills = Some(take_all(
                &recording.info.source,
                &moments,
                recording.info.view,
                !args.no_blur,
            ));
        }
    }
    let document = build(&recordings_read, &header);
    crate::store::private::write_private(&args.report, document.html().as_bytes())
        .with_context(|| format!("cannot write the report {}", args.report.display()))?;
    eprintln!(
        "report with {} plots: {}; database: {}",
        document.figure_count(),
        args.report.display(),
        store.path().display()
    );
    // After the report: a frames file that cannot be written costs nothing else.
    if let Some(path) = &args.frames_csv {
        write_frames(path, &finished)?;
        eprintln!("every analyzed frame: {}", path.display());
    }
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("not analyzed: {}", failures.join(", "));
        Ok(ExitCode::FAILURE)
    }
}

/// Writes the frames of the analyzed recordings into one CSV file, readable only by the user
/// (`store::private`); each recording is named by its file name.
fn write_frames(path: &Path, finished: &[(&PathBuf, batch::Finished)]) -> anyhow::Result<()> {
    let names: Vec<String> = finished
        .iter()
        .map(|(input, _)| {
            input.file_name().map_or_else(
                || input.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let recordings: Vec<FrameRecording<'_>> = finished
        .iter()
        .zip(&names)
        .map(|((_, done), name)| FrameRecording {
            session: done.session,
            recording: name,
            samples: &done.samples,
        })
        .collect();
    let mut csv = Vec::new();
    write_frames_csv(&mut csv, &recordings)?;
    crate::store::private::write_private(path, &csv)
        .with_context(|| format!("cannot write the frames CSV {}", path.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_numbers_in_range_or_all() {
        assert_eq!(parse_rate("all"), Ok(Rate::Every));
        assert_eq!(parse_rate("ALL"), Ok(Rate::Every));
        assert_eq!(parse_rate("2.5"), Ok(Rate::Fps(2.5)));
        assert_eq!(parse_rate("1000"), Ok(Rate::Fps(MAX_ANALYSIS_FPS)));
        for bad in ["0", "-1", "1001", "nan", "inf", "fast", ""] {
            let message = parse_rate(bad).expect_err(bad);
            assert!(
                message.contains("above 0 and at most 1000 frames per second, or `all`"),
                "{bad}: {message}"
            );
        }
        assert_eq!(DEFAULT_RATE.fps(), Some(DEFAULT_ANALYSIS_FPS));
        assert!(parse_jobs("0").is_err_and(|m| m.contains("between 1 and 64")));
        assert!(parse_jobs("two").is_err_and(|m| m.contains("between 1 and 64")));
        assert_eq!(parse_jobs("3"), Ok(3));
    }

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
