//! `plumbline pose <image|video|folder>`: runs the pose engine and prints one line per frame.
//!
//! A single image runs in static mode; a folder (images in name order, 30 fps) or a video runs
//! in video mode with tracking and smoothing. Frames are decoded by `capture` on a separate
//! thread, up to two frames ahead of the engine. With `--json` each line is
//! `{"frame":i,"t_ms":t,"width":W,"height":H,"score":s,"landmarks":[[x_px,y_px,z,visibility,presence]×33]|null,"world":[[x_m,y_m,z_m]×33]|null}`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use super::Global;
use crate::capture::{self, CaptureError, Frame, Pacing, SourceSpec};
use crate::models;
use crate::pose::{Mode, ModelChoice, PoseConfig, PoseEngine, PoseEstimate};

/// Arguments of `plumbline pose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An image (jpg/png), a video file, or a folder of images.
    pub input: PathBuf,

    /// Landmark model.
    #[arg(long, value_enum, default_value_t = ModelChoice::default())]
    pub model: ModelChoice,

    /// Print one JSON object per frame instead of a readable summary.
    #[arg(long)]
    pub json: bool,

    /// Treat every frame of a folder or video as an independent image (detector on every
    /// frame, no smoothing), as a single image is treated.
    #[arg(long = "static")]
    pub static_mode: bool,

    /// Print the pose engine's time per frame (median, mean, frames/s; decoding excluded) and
    /// the steady throughput of the whole command (frames after the first, decoding and
    /// output included, with frames per CPU-second) to stderr at the end.
    #[arg(long)]
    pub timing: bool,

    /// ONNX Runtime intra-op threads per model, fixed. By default a video or folder runs with
    /// the machine's cores and switches while running between that many threads (with and
    /// without a spinning pool) and one thread, whichever is faster with the load of the
    /// moment; the output is the same either way.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
}

/// Parses `--threads` within [`super::THREADS`] (the range in the message).
fn parse_threads(text: &str) -> Result<usize, String> {
    super::threads(text).map(|n| n as usize)
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
    fn new(estimate: &PoseEstimate) -> Self {
        let skeleton = estimate.skeleton.as_ref();
        Self {
            frame: estimate.seq,
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

/// Frames decoded ahead of the pose engine (the decode thread runs while a frame is analyzed).
const DECODE_AHEAD: usize = 2;

/// Starts a named thread that opens `spec` and sends its frames (or the error that ended it)
/// through a bounded channel, so decoding overlaps inference.
fn decode_ahead(
    spec: SourceSpec,
) -> anyhow::Result<crossbeam_channel::Receiver<Result<Frame, CaptureError>>> {
    let (tx, rx) = crossbeam_channel::bounded(DECODE_AHEAD);
    std::thread::Builder::new()
        .name("decode".to_owned())
        .spawn(move || {
            let mut source = match capture::open(&spec, Pacing::AsFastAsPossible) {
                Ok(source) => source,
                Err(err) => {
                    let _ = tx.send(Err(err));
                    return;
                }
            };
            loop {
                let item = match source.next_frame() {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => return,
                    Err(err) if err.is_transient() => {
                        tracing::warn!("{err:#}");
                        continue;
                    }
                    Err(err) => Err(err),
                };
                let failed = item.is_err();
                // A closed receiver means the command stopped early: nothing left to do.
                if tx.send(item).is_err() || failed {
                    return;
                }
            }
        })
        .context("cannot start the decode thread")?;
    Ok(rx)
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let text = args.input.to_string_lossy();
    let spec = SourceSpec::parse(&text).with_context(|| format!("bad input {text}"))?;
    if let SourceSpec::Image(path) | SourceSpec::Video(path) = &spec {
        anyhow::ensure!(path.is_file(), "input not found: {}", path.display());
    }
    let mode = match spec {
        SourceSpec::Image(_) => Mode::Static,
        _ if args.static_mode => Mode::Static,
        _ => Mode::Video,
    };
    let dir = models::models_dir(global.models_dir.as_deref())?;
    let stream = !matches!(spec, SourceSpec::Image(_));
    let config = PoseConfig {
        model: args.model,
        mode,
        intra_threads: args
            .threads
            .unwrap_or_else(crate::pose::threads::machine_threads),
        // A single image gains nothing from a choice made over many frames.
        adaptive_threads: args.threads.is_none() && stream,
        memory_arena: true,
        // Landmarks only: the person mask serves the CVA (posture), not this command, and the
        // segmentation-pruned network is about twice as fast.
        segmentation: false,
        ..PoseConfig::default()
    };
    let mut engine = PoseEngine::new(&dir, config).context("cannot start the pose engine")?;
    let frames = decode_ahead(spec)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut times_ms = Vec::new();
    let mut first_done: Option<(Instant, Option<f64>)> = None;
    for item in frames {
        let frame = item.with_context(|| format!("cannot read {text}"))?;
        let start = Instant::now();
        let estimate = engine
            .estimate(&frame)
            .with_context(|| format!("pose estimation failed on frame {}", frame.seq))?;
        times_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        print_line(&mut out, &estimate, args.json)?;
        if first_done.is_none() && args.timing {
            first_done = Some((Instant::now(), process_cpu_s()));
        }
    }
    if args.timing {
        print_timing(&mut times_ms, first_done);
        let (threads, spinning) = engine.thread_layout();
        eprintln!(
            "pose timing: landmark model on {threads} intra-op thread{}{}",
            if threads == 1 { "" } else { "s" },
            if threads > 1 && !spinning {
                " without spinning"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const PROC_TICKS_PER_S: f64 = 100.0;

/// CPU seconds (user + system, all threads) used by this process so far; `None` without
/// `/proc`.
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces; the fields after it start with the state (field 3),
    // so utime (14) and stime (15) are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(11)? + ticks(12)?) / PROC_TICKS_PER_S)
}

/// Prints the engine's time per frame and, from the end of the first frame to now, the
/// command's steady throughput in frames per second and per CPU-second.
fn print_timing(times_ms: &mut [f64], first_done: Option<(Instant, Option<f64>)>) {
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
    let after_first = times_ms.len() - 1;
    let Some((at, cpu_at)) = first_done.filter(|_| after_first > 0) else {
        return;
    };
    let fps = after_first as f64 / at.elapsed().as_secs_f64();
    let cpu = match (cpu_at, process_cpu_s()) {
        (Some(start), Some(end)) if end > start => {
            format!("{:.1}", after_first as f64 / (end - start))
        }
        _ => "-".to_owned(),
    };
    eprintln!(
        "pose timing: steady {fps:.1} frames/s, {cpu} frames per CPU-second (frames 2..{}, \
         decoding and output included)",
        times_ms.len()
    );
}

fn print_line(
    out: &mut impl std::io::Write,
    estimate: &PoseEstimate,
    json: bool,
) -> anyhow::Result<()> {
    let index = estimate.seq;
    if json {
        serde_json::to_writer(&mut *out, &Line::new(estimate))?;
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
