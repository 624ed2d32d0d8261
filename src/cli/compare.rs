//! `plumbline compare`: a subject's latest baseline against their latest later session, per
//! metric, with the change and whether it exceeds the metric's minimal detectable change.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use crate::report::stats::{compare, summarise};
use crate::report::{Block, Document, comparison_table};
use crate::store::{SessionId, SessionKind, Store, StoreError};

/// Arguments of `plumbline compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code, as given to `plumbline baseline`.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// Compare with this session instead of the latest follow-up.
    #[arg(long, value_name = "N")]
    pub session: Option<i64>,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: &Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(args.db.as_deref())?;
    let document = comparison(&store, &args.subject, args.session.map(SessionId))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&document.1)?);
    } else {
        print!("{}", document.0.text());
    }
    Ok(ExitCode::SUCCESS)
}

/// The comparison as a text document and as JSON.
pub fn comparison(
    store: &Store,
    subject: &str,
    session: Option<SessionId>,
) -> anyhow::Result<(Document, serde_json::Value)> {
    let baseline = store
        .latest_baseline(subject)?
        .ok_or_else(|| StoreError::NotFound {
            what: format!(
                "a baseline for subject {subject} (record one with `plumbline baseline`)"
            ),
        })?;
    let follow_up = match session {
        Some(id) => store.session(id)?,
        None => store
            .sessions(Some(subject))?
            .into_iter()
            .rfind(|info| {
                info.kind != SessionKind::Baseline
                    && info.seconds > 0
                    && Some(info.id) != baseline.session
            })
            .ok_or_else(|| StoreError::NotFound {
                what: format!(
                    "a follow-up session of subject {subject} (analyse or monitor with \
                     --subject {subject})"
                ),
            })?,
    };
    let summary = summarise(&store.samples(follow_up.id)?, &store.events(follow_up.id)?);
    let rows = compare(&baseline.baseline, &summary.metrics);
    let mut blocks = vec![Block::Paragraph(format!(
        "Subject {subject}: baseline of {} ({} view) against session {} of {} ({}).",
        baseline.recorded_at,
        baseline.baseline.view.name(),
        follow_up.id,
        follow_up.started_at,
        follow_up.source
    ))];
    if rows.is_empty() {
        blocks.push(Block::Paragraph(
            "No metric was measured in both; a side-view baseline needs a side-view follow-up."
                .into(),
        ));
    } else {
        blocks.push(comparison_table(&rows));
    }
    let json = serde_json::json!({
        "subject": subject,
        "baseline_recorded_at": baseline.recorded_at,
        "session": follow_up.id,
        "metrics": rows.iter().map(|row| serde_json::json!({
            "metric": row.metric,
            "baseline": row.baseline,
            "follow_up": row.follow_up,
            "change": row.change,
            "mdc": row.mdc.value,
            "mdc_basis": row.mdc.basis,
            "exceeds_mdc": row.exceeds_mdc,
        })).collect::<Vec<_>>(),
    });
    Ok((
        Document {
            title: format!("Baseline comparison, subject {subject}"),
            blocks,
        },
        json,
    ))
}
