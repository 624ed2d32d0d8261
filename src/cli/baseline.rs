//! `plumbline baseline`: records a subject sitting upright for a few seconds through the real
//! pipeline, stores the session and the baseline (mean, SD and N per metric).

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use super::analyze::{ModelChoice, RunOptions, progress_bar, record, start_pipeline};
use crate::capture::SourceSpec;
use crate::posture::{BaselineBuilder, BaselineRules};
use crate::report::{Block, Document};
use crate::store::{NewSession, SessionKind, Store, StoreWriter};

/// Arguments of `plumbline baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code (created when new), e.g. a pseudonymous patient number.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// `camera:N`, a video file or a folder of images.
    #[arg(long, value_name = "SOURCE")]
    pub source: String,

    /// Seconds of source time to record.
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
        "--seconds must be a positive number"
    );
    let mut store = Store::open_or_default(args.db.as_deref())?;
    let mut new = NewSession::new(SessionKind::Baseline, args.source.clone());
    new.subject = Some(args.subject.clone());
    new.model = Some(args.model.as_str().to_owned());
    new.notes.clone_from(&args.notes);
    let spec = SourceSpec::parse(&args.source)?;
    let options = RunOptions {
        model: args.model,
        fps: None,
    };
    let started = start_pipeline(spec, options, global)?;
    let session = store.start_session(&new)?;
    let bar = progress_bar(&format!("baseline {}", args.subject), Some(args.seconds));
    let writer = StoreWriter::spawn(Store::open(store.path())?, session)?;
    let mut samples = Vec::new();
    let recorded = record(
        &started.updates,
        &writer,
        &bar,
        Some(args.seconds * 1000.0),
        &mut samples,
    );
    bar.finish_and_clear();
    drop(started);
    writer.finish()?;
    recorded?;
    let mut builder = BaselineBuilder::new(BaselineRules::default());
    for sample in &samples {
        builder.push_sample(sample);
    }
    let baseline = builder
        .finish()
        .map_err(|refused| anyhow::anyhow!("no baseline from {} s: {refused}", args.seconds))?;
    store.save_baseline(&args.subject, Some(session), &baseline)?;
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
    let document = Document {
        title: format!("Baseline of subject {}", args.subject),
        blocks: vec![
            Block::Paragraph(format!(
                "Session {session}, {} view, {} frames.",
                baseline.view.name(),
                builder.frames()
            )),
            Block::Table {
                head: ["Metric", "Mean", "SD", "N"].map(String::from).to_vec(),
                rows,
            },
        ],
    };
    print!("{}", document.text());
    Ok(ExitCode::SUCCESS)
}
