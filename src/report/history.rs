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
    format!("{} ({n})", stats.mean_sd_text())
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

/// The heading of a subject's visits (the HTML page's title, the text table's, the window's).
pub fn visits_title(subject: &str) -> String {
    format!("Visits of subject {subject}")
}

/// Said when a subject has no visit yet.
pub const NO_VISITS: &str = "No baseline or follow-up yet: `plumbline baseline` records the first.";

/// The heads of the visit table, in [`VisitLine::cells`] order.
pub const VISIT_COLUMNS: [&str; 6] = [
    "Session",
    "Date (UTC)",
    "Visit",
    "View",
    "CVA ° (n)",
    "CVA change",
];

/// The name of the trend's spread bars (the window's legend).
pub const SD_BAR: &str = "± 1 SD";

/// The name of the trend's band (the window's legend).
pub fn mdc_band_name() -> String {
    format!("baseline ± {CVA_MDC_DEG}° (MDC)")
}

/// What the trend shows, whatever draws it (the HTML figure, the window's Sessions tab).
pub fn trend_caption() -> String {
    format!(
        "CVA per visit, oldest first: dot = mean of the hold, bar = ± 1 SD (a hold from one \
         photo has no bar). Band: each baseline's mean ± {CVA_MDC_DEG}°, the minimal detectable \
         change, until the next baseline. A follow-up inside the band is within measurement \
         error."
    )
}

/// One visit's CVA on the trend.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendPoint {
    /// Its place on the trend: the visit's index, oldest first.
    pub index: usize,
    /// Baseline or follow-up.
    pub role: VisitRole,
    /// Mean CVA of the hold, degrees.
    pub mean: f64,
    /// Its SD, degrees; 0 when fewer than two values (a single photo has no spread).
    pub sd: f64,
}

/// A baseline's band of mean ± [`CVA_MDC_DEG`], from the baseline to the next one.
#[derive(Clone, Debug, PartialEq)]
pub struct MdcBand {
    /// The baseline's index.
    pub from: usize,
    /// The next baseline's index, or the number of visits.
    pub to: usize,
    /// The baseline's mean CVA, degrees.
    pub mean: f64,
}

impl MdcBand {
    /// Lower edge, degrees.
    pub fn low(&self) -> f64 {
        self.mean - CVA_MDC_DEG
    }

    /// Upper edge, degrees.
    pub fn high(&self) -> f64 {
        self.mean + CVA_MDC_DEG
    }
}

/// The CVA trend of a subject's visits: what `history --html` and the window draw.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitTrend {
    /// Each visit's day (`YYYY-MM-DD` UTC) and role, oldest first: the axis labels.
    pub labels: Vec<(String, VisitRole)>,
    /// The visits with a CVA.
    pub points: Vec<TrendPoint>,
    /// Each baseline's MDC band.
    pub bands: Vec<MdcBand>,
}

impl VisitTrend {
    /// The trend of `visits` (oldest first).
    pub fn of(visits: &[Visit]) -> Self {
        let points: Vec<TrendPoint> = visits
            .iter()
            .enumerate()
            .filter_map(|(index, visit)| {
                let stats = visit.hold.baseline.metrics.get(&Metric::Cva)?;
                Some(TrendPoint {
                    index,
                    role: visit.role,
                    mean: stats.mean,
                    sd: if stats.n >= 2 { stats.sd } else { 0.0 },
                })
            })
            .collect();
        let bands = points
            .iter()
            .filter(|point| point.role == VisitRole::Baseline)
            .map(|point| MdcBand {
                from: point.index,
                to: visits[point.index + 1..]
                    .iter()
                    .position(|later| later.role == VisitRole::Baseline)
                    .map_or(visits.len(), |offset| point.index + 1 + offset),
                mean: point.mean,
            })
            .collect();
        Self {
            labels: visits
                .iter()
                .map(|visit| {
                    let day = visit.hold.recorded_at.get(..10).unwrap_or("");
                    (day.to_owned(), visit.role)
                })
                .collect(),
            points,
            bands,
        }
    }

    /// The lowest and highest CVA drawn (the means ± SD and the bands), when any.
    pub fn range(&self) -> Option<(f64, f64)> {
        let lows = self.points.iter().map(|point| point.mean - point.sd);
        let highs = self.points.iter().map(|point| point.mean + point.sd);
        let lows = lows.chain(self.bands.iter().map(MdcBand::low));
        let highs = highs.chain(self.bands.iter().map(MdcBand::high));
        let lo = lows.fold(f64::INFINITY, f64::min);
        let hi = highs.fold(f64::NEG_INFINITY, f64::max);
        lo.is_finite().then_some((lo, hi))
    }
}

/// The subject's visits as a report: the CVA trend with its spread and the MDC band, the
/// visit table, and the notes.
pub fn history_document(subject: &str, visits: &[Visit]) -> Document {
    let mut blocks = vec![Block::Fields(vec![
        ("Subject".into(), subject.to_owned()),
        ("Visits".into(), visits.len().to_string()),
    ])];
    if visits.is_empty() {
        blocks.push(Block::Paragraph(NO_VISITS.into()));
    } else {
        blocks.push(Block::Figure {
            caption: format!(
                "{} Baselines dark, follow-ups blue, the band green.",
                trend_caption()
            ),
            svg: plots::visit_trend(&VisitTrend::of(visits)),
        });
        let rows = visit_lines(subject, visits)
            .into_iter()
            .map(VisitLine::cells)
            .collect();
        blocks.push(Block::Table {
            head: VISIT_COLUMNS.map(String::from).to_vec(),
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
        title: visits_title(subject),
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
