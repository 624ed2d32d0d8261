//! The standard hold shared by `plumbline baseline` and `plumbline follow-up`: the subject sits
//! still (upright for a baseline, as usual for a follow-up is the therapist's choice; the
//! procedure is the same) while the real pipeline analyzes every frame for a few seconds, or
//! every photo of an image or a folder of images.
//!
//! Nothing is written until the hold has succeeded: the session, its per-second rows, its
//! events and the hold's per-frame statistics are stored in one transaction
//! ([`Store::save_hold`]), so a failed or interrupted run leaves no session behind.

use std::path::PathBuf;

use anyhow::Context as _;

use super::Global;
use super::run::{RunOptions, Span, progress_bar, start_pipeline};
use super::text::{Align, table, wrap};
use crate::bounds::Bounds;
use crate::capture::SourceSpec;
use crate::pipeline::{SourceStatus, Update};
use crate::pose::ModelChoice;
use crate::posture::{Baseline, BaselineBuilder, BaselineRules, PostureEvent, PostureSample};
use crate::report::capitalised;
use crate::store::aggregate::aggregate_all;
use crate::store::visits::STANDARD_HOLD_S;
use crate::store::{Hold, NewSession, SessionId, SessionKind, SourceKind, Store, VisitRole};

/// Range of `--seconds` (a hold is a short standard recording, not a session).
pub const HOLD_SECONDS: Bounds = Bounds::new("seconds", 1.0, 600.0, "s");

/// Range of `--start` (a day of recording).
pub const HOLD_START: Bounds = Bounds::new("start", 0.0, 86_400.0, "s");

/// The options of a hold, the same for a baseline and a follow-up.
#[derive(Debug, clap::Args)]
pub struct HoldArgs {
    /// The subject's code (created when new), e.g. a pseudonymous patient number.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// `camera:N`, a video file, a photo, or a folder of photos.
    #[arg(long, value_name = "SOURCE")]
    pub source: String,

    #[command(flatten)]
    pub options: HoldOptions,
}

/// How a hold is recorded and where it is stored (shared with `baseline --out`).
#[derive(Clone, Debug, clap::Args)]
pub struct HoldOptions {
    #[arg(
        long,
        default_value_t = STANDARD_HOLD_S,
        allow_negative_numbers = true,
        value_parser = hold_seconds,
        help = HOLD_SECONDS.help("Seconds of source time to record (photos: every photo counts)"),
    )]
    pub seconds: f64,

    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        value_parser = hold_start,
        help = HOLD_START.help(
            "Where in a video the hold begins, seconds from its start (default 0); the frames \
             before it are analyzed for tracking but not used",
        ),
    )]
    pub start: Option<f64>,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::default())]
    pub model: ModelChoice,

    /// Notes stored with the session.
    #[arg(long)]
    pub notes: Option<String>,

    #[command(flatten)]
    pub judge: super::JudgeArgs,
}

/// `--seconds`, range-checked by [`HOLD_SECONDS`].
fn hold_seconds(text: &str) -> Result<f64, String> {
    HOLD_SECONDS.parse(text)
}

/// `--start`, range-checked by [`HOLD_START`].
fn hold_start(text: &str) -> Result<f64, String> {
    HOLD_START.parse(text)
}

impl HoldOptions {
    /// The part of a recording the hold takes (`--start`, `--seconds`); `--start` is refused
    /// for a camera and for photos, which have no time to start at.
    pub fn span(&self, spec: &SourceSpec) -> anyhow::Result<Span> {
        HOLD_SECONDS.check(self.seconds)?;
        if let Some(start) = self.start {
            HOLD_START.check(start)?;
            anyhow::ensure!(
                matches!(spec, SourceSpec::Video(_)),
                "--start is for a video file; a camera's hold begins now and every photo counts"
            );
        }
        let start_ms = self.start.unwrap_or(0.0) * 1000.0;
        if let Some(duration_s) = spec.announced_duration_s().filter(|_| start_ms > 0.0) {
            anyhow::ensure!(
                start_ms < duration_s * 1000.0,
                "the recording is {duration_s:.1} s long, so nothing begins at --start {:.1} s",
                start_ms / 1000.0
            );
        }
        let photos = spec.is_stills();
        Ok(Span {
            start_ms,
            length_ms: (!photos).then_some(self.seconds * 1000.0),
        })
    }
}

/// The error when a recording ended before the hold's `span` began.
pub fn nothing_after_start(span: Span) -> anyhow::Error {
    anyhow::anyhow!(
        "the recording ends before --start {:.1} s: nothing was analyzed from there",
        span.start_ms / 1000.0
    )
}

/// A stored hold.
#[derive(Debug)]
pub struct Recorded {
    /// The database it was stored in.
    pub store: Store,
    /// Its session.
    pub session: SessionId,
    /// Its per-frame statistics.
    pub stats: Baseline,
    /// Analyzed frames (photos for stills), including those without a person.
    pub frames: usize,
    /// Whether the source was still photos.
    pub stills: bool,
}

/// Records a hold of `role` and stores it; fails (storing nothing) when the source fails or
/// too few frames had a measurable posture.
pub fn record_hold(args: &HoldArgs, role: VisitRole, global: &Global) -> anyhow::Result<Recorded> {
    anyhow::ensure!(
        !args.subject.trim().is_empty(),
        "--subject must not be empty"
    );
    // A bad configuration stops the hold before anything is opened or written.
    let posture = args.options.judge.posture()?;
    // Open the database first: a bad database should not cost the subject a recording.
    let mut store = Store::open_or_default(args.options.db.as_deref())?;
    let spec = SourceSpec::parse(&args.source)
        .with_context(|| format!("cannot use {} as a source", args.source))?;
    let span = args.options.span(&spec)?;
    let source_kind = match spec {
        SourceSpec::Camera(_) => SourceKind::Camera,
        SourceSpec::Video(_) => SourceKind::Video,
        SourceSpec::Image(_) | SourceSpec::Folder { .. } => SourceKind::Stills,
    };
    let stills = source_kind == SourceKind::Stills;
    let options = RunOptions {
        stills,
        hold: true,
        ..RunOptions::new(args.options.model, None, posture.clone())
    };
    let judged_with = options.judged_with();
    let started = start_pipeline(spec, options, global)?;
    let label = format!("{} {}", role.label(), args.subject);
    let bar = progress_bar(&label, (!stills).then_some(args.options.seconds));
    // Photos are all used; a video or camera is cut after the hold's length.
    let collected = collect(&started.updates, &bar, span);
    bar.finish_and_clear();
    drop(started);
    let (samples, events) = collected?;
    if samples.is_empty() && span.start_ms > 0.0 {
        return Err(nothing_after_start(span));
    }

    // The same builder as the window's calibration; a photo hold needs one photo.
    let rules = BaselineRules::from_config(&posture);
    let rules = if stills { rules.for_photos() } else { rules };
    let rules = match role {
        VisitRole::Baseline => rules,
        VisitRole::FollowUp => rules.for_follow_up(),
    };
    let mut builder = BaselineBuilder::new(rules);
    for sample in &samples {
        builder.push_sample(sample);
    }
    let covered_s = match (samples.first(), samples.last()) {
        (Some(first), Some(last)) => (last.t_ms - first.t_ms) / 1000.0,
        _ => 0.0,
    };
    let stats = builder.finish().map_err(|refused| {
        let what = if stills {
            format!("{} photos", samples.len())
        } else {
            format!("{} frames ({covered_s:.1} s of recording)", samples.len())
        };
        anyhow::anyhow!(
            "no {} from {what}: {refused}; nothing was stored",
            role.label()
        )
    })?;
    let kind = match role {
        VisitRole::Baseline => SessionKind::Baseline,
        VisitRole::FollowUp => SessionKind::FollowUp,
    };
    let mut new = NewSession::new(kind, args.source.clone(), Some(judged_with));
    new.subject = Some(args.subject.trim().to_owned());
    new.model = Some(args.options.model.as_str().to_owned());
    new.notes.clone_from(&args.options.notes);
    new.source_kind = Some(source_kind);
    let hold = Hold {
        session: new,
        role,
        rows: aggregate_all(&samples),
        events,
        stats,
    };
    let session = store.save_hold(&hold)?;
    Ok(Recorded {
        store,
        session,
        stats: hold.stats,
        frames: samples.len(),
        stills,
    })
}

/// Collects the samples and events of the pipeline's `span` until it ends.
fn collect(
    updates: &crossbeam_channel::Receiver<Update>,
    bar: &indicatif::ProgressBar,
    span: Span,
) -> anyhow::Result<(Vec<PostureSample>, Vec<PostureEvent>)> {
    let mut samples: Vec<PostureSample> = Vec::new();
    let mut events = Vec::new();
    for update in updates {
        match update {
            Update::Analyzed(analyzed) => {
                let sample = analyzed.sample;
                if span.before(sample.t_ms) {
                    continue;
                }
                let start = samples.first().map_or(sample.t_ms, |first| first.t_ms);
                if span.after(sample.t_ms, start) {
                    break;
                }
                bar.set_position((sample.t_ms - start).max(0.0) as u64);
                samples.push(sample);
            }
            Update::Posture(event) if span.before(event.t_ms()) => {}
            Update::Posture(event) => events.push(event),
            Update::Source(SourceStatus::Failed(reason)) | Update::Failed(reason) => {
                anyhow::bail!("{reason}; nothing was stored")
            }
            Update::Source(_) => {}
        }
    }
    Ok((samples, events))
}

/// The hold's statistics as text: one line per measure with mean, SD and n, and what n counts.
pub fn summary_text(title: &str, recorded: &Recorded) -> String {
    let unit = if recorded.stills { "photos" } else { "frames" };
    let counted = match (recorded.stills, recorded.frames) {
        (true, 1) => "1 photo".to_owned(),
        (_, count) => format!("{count} {unit}"),
    };
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    out.push_str(&wrap(
        &format!(
            "Session {}, {} view, {counted} analyzed.",
            recorded.session,
            recorded.stats.view.name(),
        ),
        0,
    ));
    out.push('\n');
    let rows: Vec<Vec<String>> = recorded
        .stats
        .metrics
        .iter()
        .map(|(metric, stats)| {
            vec![
                capitalised(metric.short_label()),
                metric.unit().format(stats.mean, 1),
                if stats.n < 2 {
                    "-".to_owned()
                } else {
                    metric.unit().format(stats.sd, 1)
                },
                stats.n.to_string(),
            ]
        })
        .collect();
    let n_head = format!("n ({unit})");
    out.push_str(&table(
        &[
            ("Measure", Align::Left),
            ("Mean", Align::Right),
            ("SD", Align::Right),
            (&n_head, Align::Right),
        ],
        &rows,
    ));
    if recorded.stills {
        out.push('\n');
        out.push_str(&wrap(
            "Photos give no spread of a steady hold: n counts photos, and an SD (from two \
             photos on) is the difference between photos, not the steadiness of one sitting. \
             Comparisons judge the change against the MDC.",
            0,
        ));
    }
    out
}
