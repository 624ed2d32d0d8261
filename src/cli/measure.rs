//! `plumbline measure <image|video|folder>`: pose, then posture, one line per frame.
//!
//! With `--json` each line is one object with the keys `frame, t_ms, view, cva_deg,
//! neck_flexion_deg, trunk_inclination_deg, hip_angle_deg, shoulder_tilt_deg,
//! pelvic_obliquity_deg, head_tilt_deg, forward_head_index, cva_sd_deg,
//! cva_forward_limit_deg, call, baseline,
//! forward_head, rula_neck, rula_trunk, state, missing`; a metric not valid in the frame's
//! view is `null` (angles in degrees, the forward-head index in percent change from the
//! baseline, see `docs/MEASUREMENT.md` §2), and `missing` maps each `null` metric's key to why
//! it is missing: `no_person`, `wrong_view`, `not_in_frame`, `low_visibility`, `no_baseline`,
//! `not_measurable` or `hidden` ([`Missing`]). `cva_sd_deg` is the CVA's ± (one SD, degrees) and
//! `cva_forward_limit_deg` the CVA below which the frame is called forward (against the
//! baseline, or the absolute band without one; `null` when the CVA is too unsure); `call` is
//! the three-way forward-head call (`forward`, `upright`, `uncertain`, `null` when nothing
//! could be judged) and `baseline` what it was measured against (`none`, `learning`,
//! `learned`, `calibrated`, `setup_changed`); `forward_head` is `true`/`false` exactly when the
//! call is forward/upright. With `--baseline FILE` (as `plumbline baseline --out` writes it)
//! the person's own baseline judges; the baseline's view, CVA and n go to stderr.
//! A single image, or a folder with `--independent`, is measured frame by frame without
//! tracking or view hysteresis; a video or a folder is a sequence (tracking, smoothing, the
//! persistence machine).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Serialize;

use super::Global;
use crate::capture::{self, Pacing, SourceSpec};
use crate::models;
use crate::pipeline::{Analyzer as _, BlazePoseAnalyzer};
use crate::pose::segmentation::PersonMask;
use crate::pose::{Mode, PoseConfig, PoseEngine, Skeleton};
use crate::posture::baseline::BaselineFile;
use crate::posture::metrics::missing_reasons;
use crate::posture::{
    BaselineStatus, Call, Metric, Metrics, Missing, PostureJudge, PostureSample, PostureState,
    Reference, View,
};

/// Arguments of `plumbline measure`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An image (jpg/png), a video file, or a folder of images.
    pub input: String,

    /// One JSON object per frame instead of a readable line.
    #[arg(long)]
    pub json: bool,

    /// A baseline (JSON, as `plumbline baseline` or a calibration writes it): enables the
    /// relative CVA rule and the front-view forward-head index.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    #[command(flatten)]
    pub judge: super::JudgeArgs,

    /// Treat the images of a folder as unrelated photos (no tracking, no view hysteresis).
    #[arg(long)]
    pub independent: bool,

    /// ONNX Runtime intra-op threads per model.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = super::threads)]
    pub threads: u32,
}

/// One output line: the metrics under their stored keys, in `Metric::ALL` order.
#[derive(Serialize)]
struct Line {
    frame: u64,
    t_ms: f64,
    view: View,
    #[serde(flatten)]
    metrics: Metrics,
    cva_sd_deg: Option<f64>,
    cva_forward_limit_deg: Option<f64>,
    call: Option<Call>,
    baseline: BaselineStatus,
    forward_head: Option<bool>,
    rula_neck: Option<u8>,
    rula_trunk: Option<u8>,
    state: PostureState,
    missing: BTreeMap<Metric, Missing>,
}

/// Rounds for output: 0.01 degree is far below the measurement error.
fn round2(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 100.0).round() / 100.0)
}

impl Line {
    fn new(
        frame: u64,
        s: &PostureSample,
        skeleton: Option<&Skeleton>,
        mask: Option<&PersonMask>,
    ) -> Self {
        let mut metrics = s.metrics;
        for metric in Metric::ALL {
            let value = metric.slot(&mut metrics);
            *value = round2(*value);
        }
        Self {
            frame,
            t_ms: s.t_ms,
            view: s.view,
            metrics,
            cva_sd_deg: round2(s.cva_sd_deg),
            cva_forward_limit_deg: round2(s.cva_forward_limit_deg),
            call: s.call,
            baseline: s.baseline,
            forward_head: s.forward_head,
            rula_neck: s.rula_neck,
            rula_trunk: s.rula_trunk,
            state: s.state,
            missing: missing_reasons(skeleton, mask, s.view, &s.metrics),
        }
    }
}

/// Reads a baseline file (`plumbline baseline --out`) or a bare baseline (a calibration
/// event's), checking its format and version.
pub fn load_baseline(path: &Path) -> anyhow::Result<BaselineFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    BaselineFile::from_json(&text).with_context(|| format!("baseline {}", path.display()))
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let spec = SourceSpec::parse(&args.input)
        .with_context(|| format!("cannot use {} as input", args.input))?;
    anyhow::ensure!(
        !matches!(spec, SourceSpec::Camera(_)),
        "`plumbline measure` reads recordings; use `plumbline monitor` for a camera"
    );
    let independent = args.independent || spec.is_one_photo();
    let mut judge = PostureJudge::new(args.judge.posture()?);
    if independent {
        judge = judge.for_independent_frames();
    }
    if let Some(path) = &args.baseline {
        let file = load_baseline(path)?;
        eprintln!("baseline {}: {}", path.display(), file.describe());
        judge.set_baseline(file.baseline);
    }
    let dir = models::models_dir(global.models_dir.as_deref())?;
    let pose_config = PoseConfig {
        mode: if independent {
            Mode::Static
        } else {
            Mode::Video
        },
        intra_threads: args.threads as usize,
        ..PoseConfig::default()
    };
    let engine = PoseEngine::new(&dir, pose_config).context("cannot start the pose engine")?;
    let mut analyzer = BlazePoseAnalyzer::from_parts(engine, judge);
    let mut source = capture::open(&spec, Pacing::AsFastAsPossible)
        .with_context(|| format!("cannot open {}", args.input))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut index = 0_u64;
    loop {
        let frame = match source.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(err) if err.is_transient() => {
                tracing::warn!("skipping a frame of {}: {err:#}", args.input);
                continue;
            }
            Err(err) => return Err(err).with_context(|| format!("reading {}", args.input)),
        };
        let analysis = analyzer
            .analyze(&frame)
            .with_context(|| format!("pose estimation failed on frame {index}"))?;
        print_line(
            &mut out,
            index,
            &analysis.sample,
            (analysis.estimate.skeleton.as_ref(), analyzer.mask()),
            args.json,
        )?;
        index += 1;
    }
    anyhow::ensure!(index > 0, "{} gave no frames", args.input);
    Ok(ExitCode::SUCCESS)
}

fn print_line(
    out: &mut impl std::io::Write,
    index: u64,
    sample: &PostureSample,
    (skeleton, mask): (Option<&Skeleton>, Option<&PersonMask>),
    json: bool,
) -> anyhow::Result<()> {
    let line = Line::new(index, sample, skeleton, mask);
    if json {
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
        return Ok(());
    }
    let value = |metric: Metric, v: f64| match metric.reference() {
        Reference::RelativeToBaseline => metric.format_change(v),
        Reference::Absolute | Reference::CameraProxy | Reference::CompareWithBaseline => {
            metric.format(v)
        }
    };
    let parts: String = line
        .metrics
        .values()
        .into_iter()
        .filter_map(|(metric, v)| Some(format!(" {} {}", metric.short_label(), value(metric, v?))))
        .chain(line.rula_neck.map(|v| format!(" RULA neck {v}")))
        .chain(line.rula_trunk.map(|v| format!(" RULA trunk {v}")))
        .collect();
    let sd = line
        .cva_sd_deg
        .map(|sd| format!(" (CVA ± {sd:.1}°)"))
        .unwrap_or_default();
    let verdict = line.call.map_or("not judged", Call::describe);
    writeln!(
        out,
        "frame {index} t={:.0} ms {:?}:{parts}{sd} [{verdict}, baseline {}, {:?}]",
        line.t_ms,
        line.view,
        line.baseline.name(),
        line.state
    )?;
    Ok(())
}
