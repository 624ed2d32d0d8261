//! `plumbline baseline`: a person's own upright reference (mean, SD and n per metric).
//!
//! From a camera or a video it records `--seconds` of source time through the real pipeline;
//! from photos (`--source` images or folders of images, each photo on its own) it measures
//! each one. Either way the frames go through the one [`BaselineBuilder`] and its quality
//! rules (one person, one view, enough frames, a CVA spread within the bound, not clearly
//! forward): a refused baseline is an error that says why, and nothing is stored.
//!
//! With `--subject` the session and the baseline go into the database; with `--out FILE` the
//! baseline is written as a versioned JSON file ([`BaselineFile`], mode 0600) that
//! `plumbline measure --baseline FILE` reads — no database needed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use super::analyze::{ModelChoice, RunOptions, progress_bar, record, start_pipeline};
use crate::capture::{self, Pacing, SourceSpec};
use crate::pipeline::{Analyser as _, BlazePoseAnalyser};
use crate::pose::{Mode, PoseConfig, PoseEngine};
use crate::posture::baseline::BaselineFile;
use crate::posture::{Baseline, BaselineBuilder, BaselineRules, PostureConfig, PostureJudge};
use crate::report::{Block, Document};
use crate::store::{NewSession, SessionKind, Store, StoreWriter};

/// Arguments of `plumbline baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code (created when new), e.g. a pseudonymous patient number: the
    /// session and the baseline are stored in the database.
    #[arg(long, value_name = "ID", required_unless_present = "out")]
    pub subject: Option<String>,

    /// `camera:N` or a video file; or one or more photos (images, or folders of images),
    /// each measured on its own (repeat `--source` for several).
    #[arg(long, value_name = "SOURCE", required = true)]
    pub source: Vec<String>,

    /// Write the baseline to this JSON file (mode 0600) for `plumbline measure --baseline`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Seconds of source time to record (camera or video).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::Full)]
    pub model: ModelChoice,

    /// Notes stored with the session.
    #[arg(long)]
    pub notes: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.seconds.is_finite() && args.seconds > 0.0,
        "--seconds must be a positive number of seconds, got {}",
        args.seconds
    );
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
        anyhow::ensure!(
            args.subject.is_none(),
            "a baseline from photos is written with --out, not stored under a subject (the \
             database keeps recorded sessions)"
        );
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
        model: args.model.pose_model(),
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

/// `--seconds` of a camera or a video through the real pipeline; the session is stored when
/// a subject is given.
fn from_recording(
    spec: SourceSpec,
    args: &Args,
    global: &Global,
) -> anyhow::Result<(Baseline, u32)> {
    let source = args.source.first().cloned().unwrap_or_default();
    let mut stored = match &args.subject {
        Some(subject) => {
            let store = Store::open_or_default(args.db.as_deref())?;
            let mut new = NewSession::new(SessionKind::Baseline, source.clone());
            new.subject = Some(subject.clone());
            new.model = Some(args.model.as_str().to_owned());
            new.notes.clone_from(&args.notes);
            Some((store, new))
        }
        None => None,
    };
    let options = RunOptions {
        model: args.model,
        fps: None,
    };
    let started = start_pipeline(spec, options, global)?;
    let mut session = None;
    let writer = match &mut stored {
        Some((store, new)) => {
            let id = store.start_session(new)?;
            session = Some(id);
            Some(StoreWriter::spawn(Store::open(store.path())?, id)?)
        }
        None => None,
    };
    let label = args.subject.as_deref().unwrap_or(&source);
    let bar = progress_bar(&format!("baseline {label}"), Some(args.seconds));
    let mut samples = Vec::new();
    let recorded = record(
        &started.updates,
        writer.as_ref(),
        &bar,
        Some(args.seconds * 1000.0),
        &mut samples,
    );
    bar.finish_and_clear();
    drop(started);
    if let Some(writer) = writer {
        writer.finish()?;
    }
    recorded?;
    let mut builder = BaselineBuilder::new(BaselineRules::default());
    for sample in &samples {
        builder.push_sample(sample);
    }
    let baseline = builder
        .finish()
        .map_err(|refused| anyhow::anyhow!("no baseline from {} s: {refused}", args.seconds))?;
    if let (Some((store, _)), Some(subject)) = (&mut stored, &args.subject) {
        store.save_baseline(subject, session, &baseline)?;
    }
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
