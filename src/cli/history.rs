//! `plumbline history`: a subject's visits, oldest first: every baseline and follow-up with
//! its date, session, view and CVA (mean ± SD, n), each follow-up's change against the
//! baseline before it in words, the notes, and the subject's other sessions.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use super::text::{Align, short_time, table, wrap};
use crate::posture::{CVA_MDC_DEG, Metric};
use crate::report::progress::{compare_visits, n_unit};
use crate::store::visits::pick_pair;
use crate::store::{SessionKind, Store, Visit, VisitRole};

/// Arguments of `plumbline history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code, as given to `plumbline baseline`.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: &Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(args.db.as_deref())?;
    let subject = args.subject.trim();
    let visits = store.visits(subject)?;
    let others: Vec<(i64, SessionKind)> = store
        .sessions(Some(subject))?
        .into_iter()
        .filter(|info| {
            !visits
                .iter()
                .any(|visit| visit.hold.session == Some(info.id))
        })
        .map(|info| (info.id.0, info.kind))
        .collect();
    anyhow::ensure!(
        !visits.is_empty() || !others.is_empty(),
        "subject {subject} has no sessions in {}; record a baseline with `plumbline baseline \
         --subject {subject} --source ...`",
        store.path().display()
    );
    if args.json {
        let json = serde_json::json!({
            "subject": subject,
            "visits": visits,
            "other_sessions": others
                .iter()
                .map(|(id, kind)| serde_json::json!({"session": id, "kind": kind}))
                .collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!("{}", history_text(subject, &visits, &others));
    }
    Ok(ExitCode::SUCCESS)
}

/// The CVA of a visit as `mean ± SD (n)`, with `photo(s)` when n counts photos.
fn cva_cell(visit: &Visit) -> String {
    let Some(stats) = visit.hold.baseline.metrics.get(&Metric::Cva) else {
        return "-".to_owned();
    };
    let n = if n_unit(visit) == "photos" {
        format!("{} photo{}", stats.n, if stats.n == 1 { "" } else { "s" })
    } else {
        stats.n.to_string()
    };
    if stats.n < 2 {
        format!("{:.1} ({n})", stats.mean)
    } else {
        format!("{:.1} ± {:.1} ({n})", stats.mean, stats.sd)
    }
}

/// The history as text that fits 100 columns.
pub fn history_text(subject: &str, visits: &[Visit], others: &[(i64, SessionKind)]) -> String {
    let title = format!("Visits of subject {subject}");
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    if visits.is_empty() {
        out.push_str(&wrap(
            "No baseline or follow-up yet: `plumbline baseline` records the first.",
            0,
        ));
    } else {
        let rows: Vec<Vec<String>> = visits
            .iter()
            .enumerate()
            .map(|(index, visit)| {
                let against = match visit.role {
                    VisitRole::Baseline => String::new(),
                    VisitRole::FollowUp => {
                        match pick_pair(subject, visits, None, visit.hold.session) {
                            Ok((base, follow)) if follow == index => {
                                let progress = compare_visits(&visits[base], visit);
                                progress
                                    .changes
                                    .iter()
                                    .find(|change| change.metric == Metric::Cva)
                                    .map_or_else(
                                        || "no CVA in both".to_owned(),
                                        |cva| {
                                            format!(
                                                "{:+.1}{} vs {}: {}",
                                                cva.change,
                                                if cva.caution { "*" } else { "" },
                                                visits[base].hold.session.map_or(0, |s| s.0),
                                                cva.verdict.text()
                                            )
                                        },
                                    )
                            }
                            _ => "no baseline before".to_owned(),
                        }
                    }
                };
                vec![
                    visit
                        .hold
                        .session
                        .map_or_else(|| "-".to_owned(), |id| id.to_string()),
                    short_time(&visit.hold.recorded_at),
                    visit.role.label().to_owned(),
                    visit.hold.baseline.view.name().to_owned(),
                    cva_cell(visit),
                    against,
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                ("Session", Align::Right),
                ("Date (UTC)", Align::Left),
                ("Visit", Align::Left),
                ("View", Align::Left),
                ("CVA ° (n)", Align::Right),
                ("CVA change", Align::Left),
            ],
            &rows,
        ));
        out.push_str(&wrap(
            &format!(
                "CVA: mean ± SD (n frames) of each hold. Change: against the baseline recorded \
                 before the follow-up (its session), judged against the {CVA_MDC_DEG}° minimal \
                 detectable change; * the comparison needs care (`plumbline compare \
                 --follow-up M` says why)."
            ),
            0,
        ));
        let notes: Vec<String> = visits
            .iter()
            .filter_map(|visit| {
                let note = visit.notes.as_deref()?.trim();
                (!note.is_empty()).then(|| {
                    format!(
                        "{}: {note}",
                        visit.hold.session.map_or(0, |session| session.0)
                    )
                })
            })
            .collect();
        if !notes.is_empty() {
            out.push('\n');
            out.push_str("Notes\n");
            for note in notes {
                out.push_str(&wrap(&format!("- session {note}"), 2));
            }
        }
    }
    if !others.is_empty() {
        let list: Vec<String> = others
            .iter()
            .map(|(id, kind)| format!("{id} ({})", kind.as_str()))
            .collect();
        out.push('\n');
        out.push_str(&wrap(
            &format!(
                "Other sessions of {subject} (not holds, not compared here): {}.",
                list.join(", ")
            ),
            0,
        ));
    }
    out
}
