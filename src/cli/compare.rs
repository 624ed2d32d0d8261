//! `plumbline compare`: a subject's follow-up against the latest baseline recorded before it
//! (never a later one), metric by metric: both sides are standard holds, so `n` counts the
//! same thing; the change, the minimal detectable change (MDC), a verdict in words and the
//! reasons the comparison may not be reliable.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use super::text::{Align, WIDTH, short_time, table, wrap};
use crate::report::capitalised;
use crate::report::progress::{Progress, compare_visits, n_unit};
use crate::store::visits::pick_pair;
use crate::store::{SessionId, Store, Visit};

/// Arguments of `plumbline compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code, as given to `plumbline baseline`.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// The baseline to compare with (its session number; default: the latest baseline before
    /// the follow-up).
    #[arg(long, value_name = "N")]
    pub baseline: Option<i64>,

    /// The follow-up to compare (its session number; default: the latest follow-up).
    #[arg(long, value_name = "M", visible_alias = "session")]
    pub follow_up: Option<i64>,

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
    anyhow::ensure!(
        !visits.is_empty(),
        "subject {subject} has no visits in {}; record a baseline with `plumbline baseline \
         --subject {subject} --source ...`",
        store.path().display()
    );
    let (baseline, follow_up) = pick_pair(
        subject,
        &visits,
        args.baseline.map(SessionId),
        args.follow_up.map(SessionId),
    )?;
    let progress = compare_visits(&visits[baseline], &visits[follow_up]);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&progress_json(&progress))?
        );
    } else {
        print!("{}", progress_text(&progress));
    }
    Ok(ExitCode::SUCCESS)
}

/// One side of a comparison in a line: session, date, view, length and source.
fn visit_line(label: &str, visit: &Visit) -> String {
    let session = visit
        .hold
        .session
        .map_or_else(|| "no session".to_owned(), |id| format!("session {id}"));
    let length = match (visit.from_stills(), visit.seconds) {
        (true, _) => "photos".to_owned(),
        (false, Some(seconds)) => format!("{seconds} s"),
        (false, None) => "calibration".to_owned(),
    };
    let source = visit
        .source
        .as_deref()
        .map_or_else(String::new, |source| format!(" of {source}"));
    format!(
        "{label} {session}, {} UTC, {} view, {length}{source}.",
        short_time(&visit.hold.recorded_at),
        visit.hold.baseline.view.name()
    )
}

/// The comparison as text that fits [`WIDTH`] columns.
pub fn progress_text(progress: &Progress) -> String {
    let title = format!(
        "Follow-up compared with its baseline, subject {}",
        progress.follow_up.hold.subject
    );
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    out.push_str(&wrap(&visit_line("Baseline: ", &progress.baseline), 2));
    out.push_str(&wrap(&visit_line("Follow-up:", &progress.follow_up), 2));
    let (base_unit, follow_unit) = (progress.baseline_unit(), progress.follow_up_unit());
    let mut units: Vec<&str> = Vec::new();
    for change in &progress.changes {
        let unit = change.metric.unit().name();
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    out.push_str(&wrap(
        &format!(
            "Each hold as mean ± SD with the number of {base_unit} (baseline) and {follow_unit} \
             (follow-up) that had a value; values in {}. A change counts when it exceeds the \
             minimal detectable change (MDC).",
            if units.len() > 1 {
                "degrees, the forward-head index in percent".to_owned()
            } else {
                units.first().copied().unwrap_or("degrees").to_owned()
            }
        ),
        0,
    ));
    out.push('\n');
    if progress.changes.is_empty() {
        out.push_str(&wrap(
            "No measure was taken in both holds: a side-view baseline needs a side-view \
             follow-up, a front-view baseline a front-view follow-up.",
            0,
        ));
    } else {
        let rows: Vec<Vec<String>> = progress
            .changes
            .iter()
            .map(|change| {
                vec![
                    capitalised(change.metric.short_label()),
                    change.baseline.mean_sd_text(),
                    change.baseline.n.to_string(),
                    change.follow_up.mean_sd_text(),
                    change.follow_up.n.to_string(),
                    format!(
                        "{:+.1}{}",
                        change.change,
                        if change.caution { "*" } else { "" }
                    ),
                    change.verdict.text().to_owned(),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                ("Measure", Align::Left),
                ("Baseline", Align::Right),
                (base_unit, Align::Right),
                ("Follow-up", Align::Right),
                (follow_unit, Align::Right),
                ("Change", Align::Right),
                ("Result", Align::Left),
            ],
            &rows,
        ));
        out.push('\n');
        for change in &progress.changes {
            out.push_str(&wrap(
                &format!(
                    "MDC of {}: {} ({})",
                    change.metric.short_label(),
                    change.metric.unit().format(change.mdc.value, 1),
                    change.mdc.basis
                ),
                2,
            ));
        }
    }
    if !progress.warnings.is_empty() {
        out.push('\n');
        out.push_str(&wrap(
            "* Take care with this comparison (the verdicts above still apply the MDC):",
            0,
        ));
        for warning in &progress.warnings {
            out.push_str(&wrap(&format!("- {warning}"), 2));
        }
    }
    debug_assert!(out.lines().all(|line| line.chars().count() <= WIDTH));
    out
}

fn visit_json(visit: &Visit) -> serde_json::Value {
    serde_json::json!({
        "session": visit.hold.session,
        "recorded_at": visit.hold.recorded_at,
        "view": visit.hold.baseline.view,
        "seconds": visit.seconds,
        "source": visit.source,
        "n_counts": n_unit(visit),
        "notes": visit.notes,
    })
}

/// The comparison as JSON.
pub fn progress_json(progress: &Progress) -> serde_json::Value {
    serde_json::json!({
        "subject": progress.follow_up.hold.subject,
        "baseline": visit_json(&progress.baseline),
        "follow_up": visit_json(&progress.follow_up),
        "metrics": progress.changes.iter().map(|change| serde_json::json!({
            "metric": change.metric,
            "name": change.metric.short_label(),
            "baseline": change.baseline,
            "follow_up": change.follow_up,
            "change": change.change,
            "mdc": change.mdc.value,
            "mdc_basis": change.mdc.basis,
            "exceeds_mdc": change.change.abs() > change.mdc.value,
            "result": change.verdict,
            "result_text": change.verdict.text(),
            "caution": change.caution,
        })).collect::<Vec<_>>(),
        "warnings": progress.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Baseline, Metric, MetricStats, View};
    use crate::report::progress::compare_visits;
    use crate::store::rows::{SessionKind, SourceKind, StoredBaseline, VisitRole};

    fn visit(role: VisitRole, session: i64, wide: bool) -> Visit {
        let (mean, sd, n) = if wide {
            (105.3, 12.4, 1800)
        } else {
            (48.0, 1.0, 280)
        };
        let metrics = Metric::ALL
            .into_iter()
            .map(|metric| (metric, MetricStats { mean, sd, n }))
            .collect();
        Visit {
            role,
            hold: StoredBaseline {
                subject: "P-0042".into(),
                session: Some(SessionId(session)),
                recorded_at: "2026-12-04T23:40:12.345Z".into(),
                baseline: Baseline {
                    view: View::SideLeft,
                    metrics,
                    ..Baseline::default()
                },
            },
            session_kind: Some(SessionKind::Baseline),
            source: Some("/home/therapist/recordings/2026-12-04/p0042-visit-1.mp4".into()),
            source_kind: Some(SourceKind::Video),
            notes: None,
            seconds: Some(if wide { 3 } else { 10 }),
        }
    }

    #[test]
    fn the_widest_comparison_fits_100_columns() {
        let base = visit(VisitRole::Baseline, 3, false);
        let mut follow = visit(VisitRole::FollowUp, 12, true);
        // Worst case: long numbers, large n and a caution mark on every change.
        follow
            .hold
            .baseline
            .metrics
            .values_mut()
            .for_each(|s| s.mean = -105.3);
        let text = progress_text(&compare_visits(&base, &follow));
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{} wide: {line}", line.len());
        }
        assert!(text.contains("Forward-head index"), "{text}");
        assert!(text.contains("within measurement error") || text.contains("worse"));
        assert!(text.contains("covers only 3 s"), "{text}");
        let json = progress_json(&compare_visits(&base, &follow));
        assert_eq!(json["follow_up"]["session"], 12);
        assert_eq!(json["metrics"][0]["metric"], "cva_deg");
        assert_eq!(json["metrics"][0]["result"], "worse");
    }
}
