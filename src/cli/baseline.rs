//! `plumbline baseline`: a person's own upright reference (mean, SD and n per metric).
//!
//! With `--subject` it records the subject's standard hold through the real pipeline
//! (`cli/hold.rs`: sitting upright for a few seconds, or one or more photos) and stores it as
//! a new baseline visit; earlier baselines are kept and `compare` pairs each follow-up with the
//! baseline before it. Either way the frames go through the one [`BaselineBuilder`] and its
//! quality rules (one person, one view, enough frames, a CVA spread within the bound, not
//! clearly forward): a refused baseline is an error that says why, and nothing is stored.
//!
//! With `--out FILE` the baseline is (also) written as a versioned JSON file
//! ([`BaselineFile`], mode 0600) that `plumbline measure --baseline FILE` reads; without
//! `--subject` no database is needed, and photos may be given as several `--source`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use super::analyze::{RunOptions, progress_bar, record, start_pipeline};
use super::hold::{HOLD_SECONDS, HoldArgs, record_hold, summary_text};
use crate::capture::{self, Pacing, SourceSpec};
use crate::pipeline::{Analyser as _, BlazePoseAnalyser};
use crate::pose::{Mode, ModelChoice, PoseConfig, PoseEngine};
use crate::posture::baseline::BaselineFile;
use crate::posture::{Baseline, BaselineBuilder, BaselineRules, PostureConfig, PostureJudge};
use crate::report::{Block, Document};
use crate::store::VisitRole;
use crate::store::visits::STANDARD_HOLD_S;

/// Arguments of `plumbline baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code (created when new), e.g. a pseudonymous patient number: the
    /// hold is stored in the database as a baseline visit.
    #[arg(long, value_name = "ID", required_unless_present = "out")]
    pub subject: Option<String>,

    /// `camera:N`, a video file, a photo or a folder of photos; without `--subject`, several
    /// photos (repeat `--source`), each measured on its own.
    #[arg(long, value_name = "SOURCE", required = true)]
    pub source: Vec<String>,

    /// Write the baseline to this JSON file (mode 0600) for `plumbline measure --baseline`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[arg(
        long,
        default_value_t = STANDARD_HOLD_S,
        allow_negative_numbers = true,
        value_parser = hold_seconds,
        help = HOLD_SECONDS.help("Seconds of source time to record (photos: every photo counts)"),
    )]
    pub seconds: f64,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::default())]
    pub model: ModelChoice,

    /// Notes stored with the session.
    #[arg(long)]
    pub notes: Option<String>,
}

/// `--seconds`, range-checked by [`HOLD_SECONDS`].
fn hold_seconds(text: &str) -> Result<f64, String> {
    HOLD_SECONDS.parse(text)
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    if let Some(subject) = &args.subject {
        let [source] = args.source.as_slice() else {
            anyhow::bail!("a stored baseline has one --source (a folder holds several photos)");
        };
        let hold = HoldArgs {
            subject: subject.clone(),
            source: source.clone(),
            seconds: args.seconds,
            db: args.db.clone(),
            model: args.model,
            notes: args.notes.clone(),
        };
        let recorded = record_hold(&hold, VisitRole::Baseline, global)?;
        if let Some(path) = &args.out {
            let file = BaselineFile::new(recorded.stats.clone(), recorded.stills);
            write_baseline_file(path, &file)?;
            eprintln!(
                "wrote {}: {}",
                path.display(),
                super::measure::describe_baseline(&file)
            );
        }
        print!(
            "{}",
            summary_text(
                &format!("Baseline of subject {}", subject.trim()),
                &recorded
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    let specs = args
        .source
        .iter()
        .map(|text| {
            SourceSpec::parse(text).with_context(|| format!("cannot use {text} as a source"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let photos = specs
        .iter()
        .all(|spec| matches!(spec, SourceSpec::Image(_) | SourceSpec::Folder { .. }));
    anyhow::ensure!(
        photos || specs.len() == 1,
        "one camera or video per baseline; several --source are for photos only"
    );
    let (baseline, frames) = if photos {
        from_photos(&specs, args, global)?
    } else {
        let spec = specs.into_iter().next().context("no --source")?;
        from_recording(spec, args, global)?
    };
    if let Some(path) = &args.out {
        let file = BaselineFile::new(baseline.clone(), photos);
        write_baseline_file(path, &file)?;
        eprintln!(
            "wrote {}: {}",
            path.display(),
            super::measure::describe_baseline(&file)
        );
    }
    print!("{}", summary(&baseline, frames, photos).text());
    Ok(ExitCode::SUCCESS)
}

/// Each photo measured on its own (no tracking, no view hysteresis), one baseline of all.
fn from_photos(
    specs: &[SourceSpec],
    args: &Args,
    global: &Global,
) -> anyhow::Result<(Baseline, u32)> {
    let config = PostureConfig::default();
    let mut builder = BaselineBuilder::new(BaselineRules::from_config(&config).for_photos());
    let dir = crate::models::models_dir(global.models_dir.as_deref())?;
    let pose = PoseConfig {
        mode: Mode::Static,
        model: args.model,
        ..PoseConfig::default()
    };
    let engine = PoseEngine::new(&dir, pose).context("cannot start the pose engine")?;
    let judge = PostureJudge::new(config)
        .for_independent_frames()
        .for_baseline();
    let mut analyser = BlazePoseAnalyser::from_parts(engine, judge);
    for (spec, text) in specs.iter().zip(&args.source) {
        let mut source = capture::open(spec, Pacing::AsFastAsPossible)
            .with_context(|| format!("cannot open {text}"))?;
        while let Some(frame) = source
            .next_frame()
            .with_context(|| format!("reading {text}"))?
        {
            let analysis = analyser
                .analyse(&frame)
                .with_context(|| format!("pose estimation failed on {text}"))?;
            builder.push_sample(&analysis.sample);
        }
    }
    let baseline = builder.finish().map_err(|refused| {
        anyhow::anyhow!("no baseline from {} photo(s): {refused}", builder.frames())
    })?;
    Ok((baseline, builder.frames()))
}

/// `--seconds` of a camera or a video through the real pipeline, for a baseline file (nothing
/// is stored in a database).
fn from_recording(
    spec: SourceSpec,
    args: &Args,
    global: &Global,
) -> anyhow::Result<(Baseline, u32)> {
    let source = args.source.first().cloned().unwrap_or_default();
    let started = start_pipeline(spec, RunOptions::new(args.model, None), global)?;
    let bar = progress_bar(&format!("baseline {source}"), Some(args.seconds));
    let mut samples = Vec::new();
    let recorded = record(
        &started.updates,
        None,
        &bar,
        Some(args.seconds * 1000.0),
        Some(&mut samples),
    );
    bar.finish_and_clear();
    drop(started);
    recorded?;
    let mut builder = BaselineBuilder::new(BaselineRules::from_config(&PostureConfig::default()));
    for sample in &samples {
        builder.push_sample(sample);
    }
    let baseline = builder
        .finish()
        .map_err(|refused| anyhow::anyhow!("no baseline from {} s: {refused}", args.seconds))?;
    Ok((baseline, builder.frames()))
}

/// Writes `file` as pretty JSON readable by its owner only (a baseline is health data).
fn write_baseline_file(path: &Path, file: &BaselineFile) -> anyhow::Result<()> {
    use std::io::Write as _;
    let text = file.to_json()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        let mut out = options.open(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            // An existing file keeps its mode on open: narrow it.
            out.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        out.write_all(text.as_bytes())?;
        out.flush()
    };
    write().with_context(|| format!("cannot write the baseline file {}", path.display()))
}

/// The baseline as a small table: mean, SD and n per metric.
fn summary(baseline: &Baseline, frames: u32, photos: bool) -> Document {
    let rows = baseline
        .metrics
        .iter()
        .map(|(metric, stats)| {
            vec![
                metric.key().to_owned(),
                format!("{:.2}", stats.mean),
                format!("{:.2}", stats.sd),
                stats.n.to_string(),
            ]
        })
        .collect();
    let what = if photos {
        format!(
            "{} view, {frames} photo(s); SD between photos, not a steady posture's spread",
            baseline.view.name()
        )
    } else {
        format!("{} view, {frames} frames", baseline.view.name())
    };
    Document {
        title: "Baseline".to_owned(),
        blocks: vec![
            Block::Paragraph(format!("{what}.")),
            Block::Table {
                head: ["Metric", "Mean", "SD", "N"].map(String::from).to_vec(),
                rows,
            },
        ],
    }
}
