//! A subject's visits for people: one line per baseline or follow-up hold (date, view, CVA
//! mean ± SD with n, the change against the baseline before it in words), shared by
//! `plumbline history`'s text table and its HTML trend ([`history_document`]).

use crate::posture::{CVA_MDC_DEG, Metric};
use crate::store::visits::pick_pair;
use crate::store::{Visit, VisitRole};

use super::document::{Block, Document};
use super::plots;
use super::progress::{compare_visits, n_unit};

/// `2026-12-04T23:40:12.345Z` → `2026-12-04 23:40` (the store's timestamps, UTC); anything
/// else as it is.
pub fn short_time(iso: &str) -> String {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(date), Some(time)) if iso.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time}")
        }
        _ => iso.to_owned(),
    }
}

/// One visit as table cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitLine {
    /// The session id, `-` when unknown.
    pub session: String,
    /// The day the hold was recorded, `YYYY-MM-DD` UTC (the session tells visits of one day
    /// apart; the time is in `--json`).
    pub date: String,
    /// `baseline` or `follow-up`.
    pub role: &'static str,
    /// The hold's view.
    pub view: &'static str,
    /// CVA `mean ± SD (n)`.
    pub cva: String,
    /// For a follow-up: the CVA change against the baseline before it, in words; `*` marks a
    /// comparison that needs care.
    pub change: String,
}

impl VisitLine {
    /// The line's cells in the order of the visit table (session, date, visit, view, CVA,
    /// change).
    pub fn cells(self) -> Vec<String> {
        vec![
            self.session,
            self.date,
            self.role.to_owned(),
            self.view.to_owned(),
            self.cva,
            self.change,
        ]
    }
}

/// The visits' notes, oldest first: the session id (0 when unknown) and the note.
pub fn visit_notes(visits: &[Visit]) -> Vec<(i64, &str)> {
    visits
        .iter()
        .filter_map(|visit| {
            let note = visit.notes.as_deref()?.trim();
            (!note.is_empty()).then(|| (visit.hold.session.map_or(0, |session| session.0), note))
        })
        .collect()
}

/// The CVA of a visit as `mean ± SD (n)`, with `photo(s)` when n counts photos.
pub fn cva_cell(visit: &Visit) -> String {
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

/// The visits of `subject` (oldest first) as lines.
pub fn visit_lines(subject: &str, visits: &[Visit]) -> Vec<VisitLine> {
    visits
        .iter()
        .enumerate()
        .map(|(index, visit)| VisitLine {
            session: visit
                .hold
                .session
                .map_or_else(|| "-".to_owned(), |id| id.to_string()),
            date: visit
                .hold
                .recorded_at
                .get(..10)
                .unwrap_or(&visit.hold.recorded_at)
                .to_owned(),
            role: visit.role.label(),
            view: visit.hold.baseline.view.name(),
            cva: cva_cell(visit),
            change: match visit.role {
                VisitRole::Baseline => String::new(),
                VisitRole::FollowUp => change_text(subject, visits, index),
            },
        })
        .collect()
}

/// The CVA change of follow-up `index` against the baseline before it.
fn change_text(subject: &str, visits: &[Visit], index: usize) -> String {
    match pick_pair(subject, visits, None, visits[index].hold.session) {
        Ok((base, follow)) if follow == index => {
            let progress = compare_visits(&visits[base], &visits[index]);
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

/// What the change column means (text and HTML).
pub fn change_legend() -> String {
    format!(
        "CVA: mean ± SD (n frames) of each hold. Change: against the baseline recorded before \
         the follow-up (its session), judged against the {CVA_MDC_DEG}° minimal detectable \
         change; * the comparison needs care (`plumbline compare --follow-up M` says why)."
    )
}

/// The subject's visits as a report: the CVA trend with its spread and the MDC band, the
/// visit table, and the notes.
pub fn history_document(subject: &str, visits: &[Visit]) -> Document {
    let mut blocks = vec![Block::Fields(vec![
        ("Subject".into(), subject.to_owned()),
        ("Visits".into(), visits.len().to_string()),
    ])];
    if visits.is_empty() {
        blocks.push(Block::Paragraph(
            "No baseline or follow-up yet: `plumbline baseline` records the first.".into(),
        ));
    } else {
        blocks.push(Block::Figure {
            caption: format!(
                "CVA per visit, oldest first: dot = mean of the hold, bar = ± 1 SD (a hold from \
                 one photo has no bar); baselines dark, follow-ups blue. Green band: each \
                 baseline's mean ± {CVA_MDC_DEG}°, the minimal detectable change, until the next \
                 baseline. A follow-up inside the band is within measurement error."
            ),
            svg: plots::visit_trend(visits),
        });
        let rows = visit_lines(subject, visits)
            .into_iter()
            .map(VisitLine::cells)
            .collect();
        blocks.push(Block::Table {
            head: [
                "Session",
                "Date (UTC)",
                "Visit",
                "View",
                "CVA ° (n)",
                "CVA change",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
        blocks.push(Block::Note(change_legend()));
        let notes: Vec<String> = visit_notes(visits)
            .into_iter()
            .map(|(session, note)| format!("Session {session}: {note}"))
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::Heading {
                level: 2,
                text: "Notes".into(),
            });
            blocks.push(Block::List(notes));
        }
    }
    Document {
        title: format!("Visits of subject {subject}"),
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_time_keeps_minutes_and_leaves_other_text() {
        assert_eq!(short_time("2026-12-04T23:40:12.345Z"), "2026-12-04 23:40");
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}
