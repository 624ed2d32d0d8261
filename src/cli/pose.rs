//! `plumbline pose <image|video|folder>`: runs the pose engine and prints one line per frame.
//!
//! A single image runs in static mode; a folder (images in name order) or a video runs in
//! video mode with tracking and smoothing. With `--json` each line is
//! `{"frame":i,"t_ms":t,"width":W,"height":H,"score":s,"landmarks":[[x_px,y_px,z,visibility,presence]×33]|null,"world":[[x_m,y_m,z_m]×33]|null}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use super::Global;
use crate::capture::Frame;
use crate::models;
use crate::pose::{Mode, ModelChoice, PoseConfig, PoseEngine, PoseEstimate};

/// Image file extensions read from folders and recognised as single images.
const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// Frame spacing assumed for folders of images (30 fps).
const FOLDER_FRAME_MS: f64 = 1000.0 / 30.0;

/// Landmark model on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// Fastest.
    Lite,
    /// Default.
    Full,
    /// Most accurate; needs `scripts/convert-models --heavy`.
    Heavy,
}

impl From<ModelArg> for ModelChoice {
    fn from(arg: ModelArg) -> Self {
        match arg {
            ModelArg::Lite => Self::Lite,
            ModelArg::Full => Self::Full,
            ModelArg::Heavy => Self::Heavy,
        }
    }
}

/// Arguments of `plumbline pose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An image (jpg/png), a video file, or a folder of images.
    pub input: PathBuf,

    /// Landmark model.
    #[arg(long, value_enum, default_value_t = ModelArg::Full)]
    pub model: ModelArg,

    /// Print one JSON object per frame instead of a readable summary.
    #[arg(long)]
    pub json: bool,

    /// Treat every frame of a folder or video as an independent image (detector on every
    /// frame, no smoothing), as a single image is treated.
    #[arg(long = "static")]
    pub static_mode: bool,

    /// Print the pose engine's time per frame (median, mean, frames/s; decoding excluded) to
    /// stderr at the end.
    #[arg(long)]
    pub timing: bool,

    /// ONNX Runtime intra-op threads per model.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub threads: usize,
}

/// One output line.
#[derive(Serialize)]
struct Line {
    frame: u64,
    t_ms: f64,
    width: u32,
    height: u32,
    score: Option<f32>,
    landmarks: Option<Vec<[f32; 5]>>,
    world: Option<Vec<[f32; 3]>>,
}

impl Line {
    fn new(frame: u64, estimate: &PoseEstimate) -> Self {
        let skeleton = estimate.skeleton.as_ref();
        Self {
            frame,
            t_ms: estimate.t_ms,
            width: estimate.width,
            height: estimate.height,
            score: estimate.score,
            landmarks: skeleton.map(|s| {
                s.landmarks
                    .iter()
                    .map(|l| [l.x_px, l.y_px, l.z_px, l.visibility, l.presence])
                    .collect()
            }),
            world: skeleton.map(|s| s.world.iter().map(|w| [w.x_m, w.y_m, w.z_m]).collect()),
        }
    }
}

/// What the input path is.
enum Input {
    Image(PathBuf),
    Folder(Vec<PathBuf>),
    Video(PathBuf),
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn classify(path: &Path) -> anyhow::Result<Input> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list folder {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_image(p))
            .collect();
        files.sort();
        anyhow::ensure!(
            !files.is_empty(),
            "no jpg or png images in folder {}",
            path.display()
        );
        Ok(Input::Folder(files))
    } else if path.is_file() {
        Ok(if is_image(path) {
            Input::Image(path.to_path_buf())
        } else {
            Input::Video(path.to_path_buf())
        })
    } else {
        anyhow::bail!("input not found: {}", path.display())
    }
}

fn load(path: &Path, seq: u64, t_ms: f64) -> anyhow::Result<Frame> {
    let image = image::open(path)
        .with_context(|| format!("cannot decode image {}", path.display()))?
        .to_rgb8();
    Ok(Frame::new(seq, t_ms, image))
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let input = classify(&args.input)?;
    let mode = match input {
        Input::Image(_) => Mode::Static,
        Input::Folder(_) | Input::Video(_) if args.static_mode => Mode::Static,
        Input::Folder(_) | Input::Video(_) => Mode::Video,
    };
    let dir = models::models_dir(global.models_dir.as_deref())?;
    let config = PoseConfig {
        model: args.model.into(),
        mode,
        intra_threads: args.threads,
        ..PoseConfig::default()
    };
    let mut engine = PoseEngine::new(&dir, config).context("cannot start the pose engine")?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut times_ms = Vec::new();
    let mut emit = |index: u64, frame: &Frame| -> anyhow::Result<()> {
        let start = Instant::now();
        let estimate = engine
            .estimate(frame)
            .with_context(|| format!("pose estimation failed on frame {index}"))?;
        times_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        print_line(&mut out, index, &estimate, args.json)
    };
    match input {
        Input::Image(path) => emit(0, &load(&path, 0, 0.0)?)?,
        Input::Folder(files) => {
            for (i, path) in (0_u64..).zip(&files) {
                emit(i, &load(path, i, i as f64 * FOLDER_FRAME_MS)?)?;
            }
        }
        Input::Video(path) => anyhow::bail!(
            "video input is not supported by this build yet (needs the capture module): {}",
            path.display()
        ),
    }
    if args.timing {
        print_timing(&mut times_ms);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_timing(times_ms: &mut [f64]) {
    if times_ms.is_empty() {
        return;
    }
    times_ms.sort_by(f64::total_cmp);
    let median = times_ms[times_ms.len() / 2];
    let mean = times_ms.iter().sum::<f64>() / times_ms.len() as f64;
    eprintln!(
        "pose timing: {} frames, median {median:.2} ms, mean {mean:.2} ms, {:.1} frames/s (engine only)",
        times_ms.len(),
        1000.0 / mean
    );
}

fn print_line(
    out: &mut impl std::io::Write,
    index: u64,
    estimate: &PoseEstimate,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &Line::new(index, estimate))?;
        writeln!(out)?;
        return Ok(());
    }
    let head = format!(
        "frame {index} t={:.1} ms {}x{}",
        estimate.t_ms, estimate.width, estimate.height
    );
    match &estimate.skeleton {
        None => writeln!(out, "{head}: no person")?,
        Some(s) => {
            let nose = &s.landmarks[0];
            writeln!(
                out,
                "{head}: person (score {:.2}, presence {:.2}, {} detected{}) nose at ({:.1}, {:.1}) px",
                estimate.score.unwrap_or(0.0),
                s.presence,
                estimate.people_detected,
                if estimate.detector_ran {
                    ""
                } else {
                    ", tracked"
                },
                nose.x_px,
                nose.y_px
            )?;
        }
    }
    Ok(())
}
