//! `plumbline baseline`: a person's own upright reference (mean, SD and n per metric).
//!
//! With `--subject` it records the subject's standard hold through the real pipeline
//! (`cli/hold.rs`: sitting upright for a few seconds, or one or more photos) and stores it as
//! a new baseline visit; earlier baselines are kept and `compare` pairs each follow-up with the
//! baseline before it. Either way the frames go through the one [`BaselineBuilder`] and its
//! quality rules (one person, one view, enough frames, a CVA spread within the bound, not
//! clearly forward, not reclined): a refused baseline is an error that says why, and nothing is stored.
//!
//! With `--out FILE` the baseline is (also) written as a versioned JSON file
//! ([`BaselineFile`], mode 0600) that `plumbline measure --baseline FILE` reads; without
//! `--subject` no database is needed, and photos may be given as several `--source`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use super::hold::{HoldArgs, HoldOptions, nothing_after_start, record_hold, summary_text};
use super::run::{Keep, RunOptions, Span, progress_bar, record, start_pipeline};
use crate::capture::{self, Pacing, SourceSpec};
use crate::geometry::uncertainty::BASE_SD_DEG;
use crate::pipeline::{Analyzer as _, BlazePoseAnalyzer};
use crate::pose::{Mode, PoseConfig, PoseEngine};
use crate::posture::baseline::{BaselineFile, LESS_SURE_WHY};
use crate::posture::{Baseline, BaselineBuilder, BaselineRules, PostureJudge};
use crate::report::{Block, Document};
use crate::store::VisitRole;

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

    #[command(flatten)]
    pub options: HoldOptions,
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
            options: args.options.clone(),
        };
        let recorded = record_hold(&hold, VisitRole::Baseline, global)?;
        let file = BaselineFile::new(recorded.stats.clone(), recorded.stills);
        if let Some(path) = &args.out {
            write_baseline_file(path, &file)?;
        }
        print!(
            "{}",
            summary_text(
                &format!("Baseline of subject {}", subject.trim()),
                &recorded
            )
        );
        // One photo: what its CVA rests on, as for a baseline file.
        if let Some(text) = one_photo_cva(&file) {
            print!("\n{}\n", crate::cli::text::wrap(&format!("{text}."), 0));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let specs = args
        .source
        .iter()
        .map(|text| {
            SourceSpec::parse(text).with_context(|| format!("cannot use {text} as a source"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Checks `--seconds` and `--start` against every source before anything runs.
    let spans = specs
        .iter()
        .map(|spec| args.options.span(spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let photos = specs.iter().all(SourceSpec::is_stills);
    anyhow::ensure!(
        photos || specs.len() == 1,
        "one camera or video per baseline; several --source are for photos only"
    );
    let (baseline, frames) = if photos {
        from_photos(&specs, args, global)?
    } else {
        let (spec, span) = specs.into_iter().zip(spans).next().context("no --source")?;
        from_recording(spec, span, args, global)?
    };
    let file = BaselineFile::new(baseline, photos);
    if let Some(path) = &args.out {
        write_baseline_file(path, &file)?;
    }
    print!("{}", summary(&file, frames).text());
    Ok(ExitCode::SUCCESS)
}

/// Each photo measured on its own (no tracking, no view hysteresis), one baseline of all,
/// which keeps the largest ± figure of the photos' CVAs (`BaselineRules::for_photos`).
fn from_photos(
    specs: &[SourceSpec],
    args: &Args,
    global: &Global,
) -> anyhow::Result<(Baseline, u32)> {
    let config = args.options.judge.posture()?;
    let mut builder = BaselineBuilder::new(BaselineRules::from_config(&config).for_photos());
    let dir = crate::models::models_dir(global.models_dir.as_deref())?;
    let pose = PoseConfig {
        mode: Mode::Static,
        model: args.options.model,
        ..PoseConfig::default()
    };
    let engine = PoseEngine::new(&dir, pose).context("cannot start the pose engine")?;
    let judge = PostureJudge::new(config)
        .for_independent_frames()
        .for_baseline();
    let mut analyzer = BlazePoseAnalyzer::from_parts(engine, judge);
    for (spec, text) in specs.iter().zip(&args.source) {
        let mut source = capture::open(spec, Pacing::AsFastAsPossible)
            .with_context(|| format!("cannot open {text}"))?;
        while let Some(frame) = source
            .next_frame()
            .with_context(|| format!("reading {text}"))?
        {
            let analysis = analyzer
                .analyze(&frame)
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
    span: Span,
    args: &Args,
    global: &Global,
) -> anyhow::Result<(Baseline, u32)> {
    let source = args.source.first().cloned().unwrap_or_default();
    let posture = args.options.judge.posture()?;
    let options = RunOptions {
        hold: true,
        ..RunOptions::new(args.options.model, None, posture.clone())
    };
    let started = start_pipeline(spec, options, global)?;
    let bar = progress_bar(&format!("baseline {source}"), Some(args.options.seconds));
    let mut samples = Vec::new();
    let recorded = record(
        &started.updates,
        None,
        &bar,
        span,
        Keep {
            samples: Some(&mut samples),
            ..Keep::default()
        },
    );
    bar.finish_and_clear();
    drop(started);
    if recorded? == 0 && span.start_ms > 0.0 {
        return Err(nothing_after_start(span));
    }
    let mut builder = BaselineBuilder::new(BaselineRules::from_config(&posture));
    for sample in &samples {
        builder.push_sample(sample);
    }
    let baseline = builder.finish().map_err(|refused| {
        anyhow::anyhow!("no baseline from {} s: {refused}", args.options.seconds)
    })?;
    Ok((baseline, builder.frames()))
}

/// Writes `file` as pretty JSON readable by its owner only (a baseline is health data) and
/// says so on stderr.
fn write_baseline_file(path: &Path, file: &BaselineFile) -> anyhow::Result<()> {
    crate::store::private::write_private(path, file.to_json()?.as_bytes())
        .with_context(|| format!("cannot write the baseline file {}", path.display()))?;
    eprintln!("wrote {}: {}", path.display(), file.describe());
    Ok(())
}

/// What one photo's CVA rests on, when the file is one side-view photo: its ± and, when that
/// is a less sure reference, how much further a head must drop below it.
fn one_photo_cva(file: &BaselineFile) -> Option<String> {
    let baseline = &file.baseline;
    if !file.photos || baseline.frames() > 1 || baseline.side_cva().is_none() {
        return None;
    }
    let sd = baseline.photo_cva_sd_deg.unwrap_or(BASE_SD_DEG);
    Some(if file.is_less_sure_photo() {
        format!(
            "Its CVA carries the whole error of one frame: ± {sd:.1}°, well above a clean \
             estimate's {BASE_SD_DEG}° ({LESS_SURE_WHY}: docs/GEOMETRY.md §3.8), so this photo \
             is a less sure reference: {}",
            file.further_drop_text()
        )
    } else {
        format!(
            "Its CVA carries the whole error of one frame: ± {sd:.1}° against a hand annotation \
             (docs/GEOMETRY.md §3.8)"
        )
    })
}

/// The baseline as a small table: mean, SD and n per metric, with what it rests on (for one
/// photo: its CVA's ±, and whether that makes it a less sure reference).
fn summary(file: &BaselineFile, frames: u32) -> Document {
    let (baseline, photos) = (&file.baseline, file.photos);
    let rows = baseline
        .metrics
        .iter()
        .map(|(metric, stats)| {
            vec![
                metric.key().to_owned(),
                format!("{:.2}", stats.mean),
                // One value has no spread: a dash, not a 0.00 that reads as certainty.
                if stats.n <= 1 {
                    "–".to_owned()
                } else {
                    format!("{:.2}", stats.sd)
                },
                stats.n.to_string(),
            ]
        })
        .collect();
    let what = if photos && frames <= 1 {
        let cva = one_photo_cva(file).map_or(String::new(), |text| format!(". {text}"));
        format!(
            "{} view, 1 photo: one frame, so no spread{cva}. A baseline from several photos or \
             seconds of video is steadier",
            baseline.view.name()
        )
    } else if photos {
        format!(
            "{} view, {frames} photos; SD between photos, not a steady posture's spread",
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
