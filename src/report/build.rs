//! Builds the report [`Document`] from stored sessions: one section per recording, a summary
//! when there are several, and the caveats once at the end.

use std::path::Path;

use crate::capture::RecordingDate;
use crate::posture::{CVA_MDC_DEG, Call, Direction, Metric, PostureEvent, View};
use crate::store::{EventRow, SecondRow, SessionInfo, SourceKind, StoredBaseline};

use super::document::{Block, Document, capitalised};
use super::header::HeaderField;
use super::judged::{self, Judged};
use super::plots::{self, ComparedRecording};
use super::stats::{
    CVA_BANDS, CVA_CUTOFF_DEG, Comparison, MIN_RATE_PERIOD_S, SessionSummary, compare, mdc_for,
    summarise,
};
use super::stills::{Extreme, Still, Stills, head_measure};
use super::suggest::{NOT_A_DIAGNOSIS, suggestions};

/// RULA neck score meanings (McAtamney & Corlett 1993).
const RULA_NECK: [&str; 4] = [
    "1: flexion 0-10°",
    "2: flexion 10-20°",
    "3: flexion over 20°",
    "4: extension",
];

/// RULA trunk score meanings.
const RULA_TRUNK: [&str; 4] = [
    "1: upright / well supported",
    "2: flexion 0-20°",
    "3: flexion 20-60°",
    "4: flexion 60° or more",
];

/// One stored session with what the report needs.
#[derive(Clone, Debug)]
pub struct Recording {
    /// The session.
    pub info: SessionInfo,
    /// Its per-second rows.
    pub rows: Vec<SecondRow>,
    /// Its events.
    pub events: Vec<EventRow>,
    /// The subject's baseline, when the session has a subject with one.
    pub baseline: Option<StoredBaseline>,
    /// When the recording was made (a file's own date), `None` for a live camera.
    pub recorded: Option<RecordingDate>,
    /// Its worst and best moment as pictures, when asked for (`analyze --stills`).
    pub stills: Option<Stills>,
}

/// The title when none is given.
pub const DEFAULT_TITLE: &str = "plumbline posture report";

/// Who a report is for and by whom: printed at its top, each only when given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportHeader {
    /// The report's title ([`DEFAULT_TITLE`] when `None`).
    pub title: Option<String>,
    /// The client (company or person) the assessment is for.
    pub client: Option<String>,
    /// The site or workstation assessed.
    pub site: Option<String>,
    /// Who made the assessment.
    pub assessor: Option<String>,
    /// When the report was written, UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub prepared: Option<String>,
}

impl ReportHeader {
    fn fields(&self, recordings: usize) -> Vec<(String, String)> {
        // The title heads the page; the other typed fields are listed.
        let mut fields: Vec<(String, String)> = HeaderField::ALL
            .into_iter()
            .filter(|field| *field != HeaderField::Title)
            .filter_map(|field| Some((field.label().to_owned(), self.get(field)?.to_owned())))
            .collect();
        if let Some(prepared) = &self.prepared {
            fields.push((
                "Report written".into(),
                format!("{} {} UTC", &prepared[..10], &prepared[11..16]),
            ));
        }
        fields.push(("Recordings".into(), recordings.to_string()));
        fields
    }
}

/// Formats an optional number with `decimals`, or a dash.
fn num(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.decimals$}"))
}

fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// Seconds as `42 s`, `3 min 05 s` or `1 h 02 min` (the report and the window's history).
pub fn duration_text(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    if total >= 3600 {
        format!("{} h {:02} min", total / 3600, total % 3600 / 60)
    } else if total >= 60 {
        format!("{} min {:02} s", total / 60, total % 60)
    } else {
        format!("{total} s")
    }
}

/// A store timestamp as `2026-12-05 03:04 UTC`.
fn short_utc(timestamp: &str) -> String {
    format!("{} UTC", super::history::short_time(timestamp))
}

/// Forward-head `seconds` of a recording in words: minutes per hour present from
/// [`MIN_RATE_PERIOD_S`] of presence on, else the time and its share of the time present.
fn exposure_text(summary: &SessionSummary, seconds: f64) -> String {
    match (
        summary.minutes_per_hour(seconds),
        summary.share_of_present(seconds),
    ) {
        (Some(rate), _) => format!("{rate:.1} min per hour present"),
        (None, Some(share)) => format!(
            "{} ({:.0}% of the time present)",
            duration_text(seconds),
            share * 100.0
        ),
        (None, None) => "nobody was present".to_owned(),
    }
}

/// [`exposure_text`] for a table cell.
fn exposure_cell(summary: &SessionSummary, seconds: f64) -> String {
    match (
        summary.minutes_per_hour(seconds),
        summary.share_of_present(seconds),
    ) {
        (Some(rate), _) => format!("{rate:.1} min/h"),
        (None, Some(share)) => format!("{} ({:.0}%)", duration_text(seconds), share * 100.0),
        (None, None) => "–".to_owned(),
    }
}

fn source_name(info: &SessionInfo) -> String {
    Path::new(&info.source).file_name().map_or_else(
        || info.source.clone(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Builds the whole report.
pub fn build(recordings: &[Recording], header: &ReportHeader) -> Document {
    let mut blocks = vec![Block::Fields(header.fields(recordings.len()))];
    let summaries: Vec<SessionSummary> = recordings
        .iter()
        .map(|recording| summarise(&recording.rows, &recording.events))
        .collect();
    blocks.push(Block::Paragraph(format!(
        "{} recording{} analyzed. Each measure carries its unit, the camera view it is valid in, \
         and whether it is absolute or relative to the person's own baseline.",
        recordings.len(),
        if recordings.len() == 1 { "" } else { "s" }
    )));
    let differences = judged::differences(
        &recordings
            .iter()
            .map(|recording| &recording.info.judged_with)
            .collect::<Vec<_>>(),
    );
    if !differences.is_empty() {
        blocks.push(Block::Note(format!(
            "The recordings were not all judged with the same settings, so their forward-head \
             figures follow different rules (each recording's section states its own): {}.",
            differences.join("; ")
        )));
    }
    if recordings.len() > 1 {
        summary_section(&mut blocks, recordings, &summaries);
    }
    for (index, (recording, summary)) in recordings.iter().zip(&summaries).enumerate() {
        if index > 0 || recordings.len() > 1 {
            blocks.push(Block::PageBreak);
        }
        recording_section(&mut blocks, index + 1, recording, summary);
    }
    blocks.push(Block::Heading {
        level: 2,
        text: "What this report is not".into(),
    });
    blocks.push(Block::Note(NOT_A_DIAGNOSIS.into()));
    Document {
        title: header
            .title
            .clone()
            .unwrap_or_else(|| DEFAULT_TITLE.to_owned()),
        blocks,
    }
}

fn summary_section(
    blocks: &mut Vec<Block>,
    recordings: &[Recording],
    summaries: &[SessionSummary],
) {
    blocks.push(Block::Heading {
        level: 2,
        text: "Summary of all recordings".into(),
    });
    let rows = recordings
        .iter()
        .zip(summaries)
        .enumerate()
        .map(|(index, (recording, summary))| {
            vec![
                format!("{}. {}", index + 1, source_name(&recording.info)),
                duration_text(summary.duration_s),
                recording.info.view.map_or("–", View::name).to_owned(),
                num(summary.metrics.get(&Metric::Cva).map(|s| s.mean), 1),
                if summary.cva_bands.seconds > 0 {
                    percent(summary.cva_bands.fractions[0])
                } else {
                    "–".into()
                },
                exposure_cell(summary, summary.forward_head_state_s),
                summary.alerts.to_string(),
            ]
        })
        .collect();
    blocks.push(Block::Table {
        head: [
            "Recording",
            "Duration",
            "View",
            "CVA mean (°)",
            &format!(
                "CVA < {}° (clinical band, context)",
                judged::value(CVA_CUTOFF_DEG)
            ),
            "Forward head as judged",
            "Alerts",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    blocks.push(Block::Figure {
        caption: "The recordings side by side. Left: share of the time the person was present in \
                  each state, as plumbline judged it (the colours of the window and the annotated \
                  video). Right: the head measure of each recording's view (CVA, or the \
                  forward-head index in a front view) as mean ± SD of its 1-s means; shaded, the \
                  baseline's mean ± the minimal detectable change when the recording is compared \
                  with a baseline."
            .into(),
        svg: plots::recordings_compared(&compared(recordings, summaries)),
    });
}

/// What the comparison chart shows of each recording: the summary's own numbers.
fn compared(recordings: &[Recording], summaries: &[SessionSummary]) -> Vec<ComparedRecording> {
    recordings
        .iter()
        .zip(summaries)
        .enumerate()
        .map(|(index, (recording, summary))| {
            let metric = head_measure(recording.info.view);
            let measure = summary.metrics.get(&metric).map(|stats| (metric, *stats));
            let mdc_band = recording.baseline.as_ref().and_then(|stored| {
                let base = stored.baseline.metrics.get(&metric)?;
                let mdc = mdc_for(metric, base).value;
                Some((base.mean - mdc, base.mean + mdc))
            });
            ComparedRecording {
                label: format!("{}. {}", index + 1, source_name(&recording.info)),
                present_s: summary.present_s,
                states: summary.present_state_shares(),
                measure: measure.filter(|_| summary.present_s > 0.0),
                mdc_band: mdc_band.filter(|_| measure.is_some()),
            }
        })
        .collect()
}

fn recording_section(
    blocks: &mut Vec<Block>,
    number: usize,
    recording: &Recording,
    summary: &SessionSummary,
) {
    let info = &recording.info;
    blocks.push(Block::Heading {
        level: 2,
        text: format!("Recording {number}: {}", source_name(info)),
    });
    blocks.push(Block::Paragraph(match &recording.recorded {
        Some(date) => format!("Recorded {}.", date.describe()),
        None if info.source_kind == Some(SourceKind::Camera)
            || info.source.starts_with("camera") =>
        {
            format!(
                "Recorded live from {}, starting {}.",
                info.source,
                short_utc(&info.started_at)
            )
        }
        None => format!(
            "Recording date unknown: {} is no longer there to read it from.",
            info.source
        ),
    }));
    blocks.push(Block::Paragraph(format!(
        "Session {} ({}), stored {}; {} analyzed, person present {}; dominant view {}; pose model {}{}.",
        info.id,
        info.kind.as_str(),
        short_utc(&info.started_at),
        duration_text(summary.duration_s),
        duration_text(summary.present_s),
        info.view.map_or("unknown", View::name),
        info.model.as_deref().unwrap_or("unknown"),
        info.subject.as_ref().map_or_else(String::new, |subject| format!("; subject {subject}")),
    )));
    if recording.rows.is_empty() {
        blocks.push(Block::Note(
            "No samples were stored for this recording: no person was analyzed.".into(),
        ));
        return;
    }
    measures_table(blocks, summary);
    blocks.push(Block::Figure {
        caption: "CVA (top; red strip: sustained forward head as plumbline judged it, against the \
                  person's baseline when there was one) and the pelvis/trunk proxies (bottom) on one \
                  time axis. Vertical red lines: alerts."
            .into(),
        svg: plots::timeline(&recording.rows, &recording.events),
    });
    cva_section(blocks, recording, summary);
    rula_section(blocks, summary);
    let judged = Judged {
        with: &info.judged_with,
        side: summary.view_seconds.keys().any(|view| view.is_side()),
        front: summary.view_seconds.contains_key(&View::Front),
    };
    exposure_section(blocks, recording, summary, &judged);
    if let Some(stills) = &recording.stills {
        stills_section(blocks, stills);
    }
    let comparisons = recording
        .baseline
        .as_ref()
        .map(|stored| compare(&stored.baseline, &summary.metrics))
        .unwrap_or_default();
    if let Some(baseline) = &recording.baseline {
        baseline_section(blocks, baseline, &comparisons);
    }
    blocks.push(Block::Heading {
        level: 3,
        text: "Suggestions".into(),
    });
    blocks.push(Block::List(suggestions(
        summary,
        &comparisons,
        judged.config(),
    )));
}

fn measures_table(blocks: &mut Vec<Block>, summary: &SessionSummary) {
    let rows = Metric::ALL
        .into_iter()
        .filter_map(|metric| {
            let stats = summary.metrics.get(&metric)?;
            Some(vec![
                metric.description().to_owned(),
                metric.unit().symbol().to_owned(),
                metric.view_text(),
                metric.reference().describe().to_owned(),
                stats.mean_sd_text(),
                stats.n.to_string(),
            ])
        })
        .collect();
    blocks.push(Block::Heading {
        level: 3,
        text: "Measures".into(),
    });
    blocks.push(Block::Table {
        head: [
            "Measure",
            "Unit",
            "Valid in view",
            "Reference",
            "Mean ± SD of 1-s means",
            "Seconds",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
}

fn cva_section(blocks: &mut Vec<Block>, recording: &Recording, summary: &SessionSummary) {
    blocks.push(Block::Heading {
        level: 3,
        text: "CVA against published clinical bands (context, not plumbline's judgement)".into(),
    });
    if summary.cva_bands.seconds == 0 {
        blocks.push(Block::Paragraph(
            "No CVA could be measured (it needs a side view).".into(),
        ));
        return;
    }
    blocks.push(Block::Figure {
        caption: format!(
            "Share of seconds per 1° of CVA. Shaded: group mean ± SD of people with neck pain \
             (red) and without (green), Lau 2009; dashed: {CVA_CUTOFF_DEG}° severity cut-off, \
             Heidary 2024."
        ),
        svg: plots::cva_distribution(&recording.rows),
    });
    let rows = CVA_BANDS
        .iter()
        .zip(&summary.cva_bands.fractions)
        .map(|((label, _, _), fraction)| vec![(*label).to_owned(), percent(*fraction)])
        .collect();
    blocks.push(Block::Table {
        head: vec!["CVA band".into(), "Time".into()],
        rows,
    });
    blocks.push(Block::Note(format!(
        "Bands are context, not diagnosis: sitting CVA is smaller than standing, the often-quoted \
         \"forward head below 48-50°\" rule has no traceable validation, and a change smaller than \
         about {CVA_MDC_DEG}° is within measurement error (Gallego-Izquierdo 2020)."
    )));
}

fn rula_section(blocks: &mut Vec<Block>, summary: &SessionSummary) {
    blocks.push(Block::Heading {
        level: 3,
        text: "RULA neck and trunk bands".into(),
    });
    if summary.rula_neck.seconds == 0 && summary.rula_trunk.seconds == 0 {
        blocks.push(Block::Paragraph(
            "No RULA score could be given (it needs a side view).".into(),
        ));
        return;
    }
    blocks.push(Block::Figure {
        caption: "Share of time per RULA score (McAtamney & Corlett 1993).".into(),
        svg: plots::rula_bars(summary),
    });
    let mut rows = Vec::new();
    for (part, meanings, shares, angles) in [
        (
            "Neck",
            RULA_NECK,
            &summary.rula_neck,
            summary.neck_flexion_by_score,
        ),
        (
            "Trunk",
            RULA_TRUNK,
            &summary.rula_trunk,
            summary.trunk_inclination_by_score,
        ),
    ] {
        for ((meaning, fraction), angle) in meanings.iter().zip(&shares.fractions).zip(angles) {
            rows.push(vec![
                part.to_owned(),
                (*meaning).to_owned(),
                percent(*fraction),
                num(angle, 1),
            ]);
        }
    }
    blocks.push(Block::Table {
        head: ["Part", "Score", "Time", "Mean angle in band (°)"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    blocks.push(Block::Note(
        "Markerless pose agrees least with experts on the neck and trunk scores; judge the band \
         together with the angle."
            .into(),
    ));
}

/// Each second's forward-head call and how sure the CVA was, in words; `None` for sessions
/// stored without calls (before schema version 4).
fn calls_text(summary: &SessionSummary, judged: &Judged<'_>) -> Option<String> {
    if summary.call_seconds.is_empty() {
        return None;
    }
    let calls: Vec<String> = Call::ALL
        .into_iter()
        .map(|call| {
            let seconds = summary.call_seconds.get(&call).copied().unwrap_or(0);
            format!("{} {}", call.describe(), duration_text(seconds as f64))
        })
        .collect();
    let bound = judged.config().map_or_else(
        || "the bound it was judged with (not recorded)".to_owned(),
        |c| format!("± {}°", judged::value(c.cva_max_sd_deg)),
    );
    let sure = summary.cva_sd_deg.map_or_else(String::new, |sd| {
        format!(
            " Each CVA carries a ± (one SD of its error on people the model never saw): \
             {sd:.1}° on average here; a CVA less sure than {bound} is called uncertain and \
             raises no alert."
        )
    });
    Some(format!(
        "Calls per second (each second's most frequent call): {}.{sure}",
        calls.join(", ")
    ))
}

fn exposure_section(
    blocks: &mut Vec<Block>,
    recording: &Recording,
    summary: &SessionSummary,
    judged: &Judged<'_>,
) {
    blocks.push(Block::Heading {
        level: 3,
        text: "Forward-head exposure and alerts".into(),
    });
    let onset = judged.config().map_or_else(
        || "the onset delay".to_owned(),
        |c| format!("the onset delay of {}", duration_text(c.onset_delay_s)),
    );
    blocks.push(Block::Paragraph(format!(
        "Forward head as judged: {}. This is the time in the sustained forward-head state: the \
         posture beyond its threshold for longer than {onset}, what alerts are based on. \
         For context, the per-frame forward-head condition, brief moments included, held {}; \
         the CVA bands above place the angle among clinical groups, they are not this \
         judgement. Alerts: {}.",
        exposure_text(summary, summary.forward_head_state_s),
        exposure_text(summary, summary.forward_head_condition_s),
        summary.alerts
    )));
    blocks.push(Block::Paragraph(judged.rule_text()));
    if let Some(text) = judged.baselines_text(&recording.events, recording.baseline.is_some()) {
        blocks.push(Block::Paragraph(text));
    }
    if let Some(text) = calls_text(summary, judged) {
        blocks.push(Block::Paragraph(text));
    }
    if summary.present_s > 0.0 && summary.present_s < MIN_RATE_PERIOD_S {
        blocks.push(Block::Note(format!(
            "The person was present for {} here, less than {:.0} minutes: times are given in \
             minutes and as shares of the time present. A rate per hour would extrapolate this \
             recording to a working hour it does not show.",
            duration_text(summary.present_s),
            MIN_RATE_PERIOD_S / 60.0
        )));
    }
    let rows: Vec<Vec<String>> = recording
        .events
        .iter()
        .filter_map(|row| match row.event {
            PostureEvent::Alert {
                cva_deg,
                forward_head_index,
                ..
            } => Some(vec![
                duration_text(row.t_ms / 1000.0),
                num(cva_deg, 1),
                num(forward_head_index, 1),
            ]),
            _ => None,
        })
        .collect();
    if !rows.is_empty() {
        blocks.push(Block::Table {
            head: vec![
                "Alert at".to_owned(),
                format!("CVA ({})", Metric::Cva.unit().symbol()),
                format!(
                    "{} ({})",
                    Metric::ForwardHeadIndex.description(),
                    Metric::ForwardHeadIndex.unit().symbol()
                ),
            ],
            rows,
        });
    }
}

/// The worst and best moment as pictures, each with its time, measure and state underneath
/// (or why there is no picture).
fn stills_section(blocks: &mut Vec<Block>, stills: &Stills) {
    blocks.push(Block::Heading {
        level: 3,
        text: "The worst and the best moment".into(),
    });
    let Stills::Taken(stills) = stills else {
        blocks.push(Block::Paragraph(
            "No still: no second was judged with a head measure (CVA or forward-head index)."
                .into(),
        ));
        return;
    };
    for still in stills {
        let caption = still_caption(still);
        match &still.jpeg {
            Ok(jpeg) => blocks.push(Block::Image {
                alt: format!("{} moment, drawn on", capitalised(still.extreme.word())),
                caption,
                jpeg: jpeg.clone(),
            }),
            Err(reason) => blocks.push(Block::Note(format!(
                "{caption} No picture: {reason}. The rest of the report is complete."
            ))),
        }
    }
}

/// A time in the recording to a tenth of a second: `2.8 s`, `3 min 05.2 s`.
fn moment_text(seconds: f64) -> String {
    let tenths = (seconds.max(0.0) * 10.0).round() as u64;
    let (minutes, tenths) = (tenths / 600, tenths % 600);
    if minutes == 0 {
        format!("{}.{} s", tenths / 10, tenths % 10)
    } else {
        format!("{minutes} min {:02}.{} s", tenths / 10, tenths % 10)
    }
}

/// What a still shows, in words: which moment, its time, the second's measure and state.
fn still_caption(still: &Still) -> String {
    let lowest = (still.extreme == Extreme::Worst)
        == (still.metric.direction() == Direction::HigherIsBetter);
    let how = if lowest { "lowest" } else { "highest" };
    let measure = still.metric.short_label();
    format!(
        "{} moment: the judged second with the {how} {measure}, at {} of the recording: {measure} \
         {} (mean of that second), state {}.{}",
        capitalised(still.extreme.word()),
        moment_text(still.t_ms / 1000.0),
        still.metric.format(still.value),
        still.state.describe().to_lowercase(),
        if still.blurred {
            " Face blurred."
        } else {
            " Face not blurred (--no-blur)."
        }
    )
}

/// The baseline comparison table, with the MDC used for each metric.
pub fn comparison_table(comparisons: &[Comparison]) -> Block {
    let rows = comparisons
        .iter()
        .map(|c| {
            vec![
                c.metric.key().to_owned(),
                format!("{} (n {})", c.baseline.mean_sd_text(), c.baseline.n),
                format!("{} (n {})", c.follow_up.mean_sd_text(), c.follow_up.n),
                format!("{:+.1}", c.change),
                format!("{:.1}", c.mdc.value),
                if c.exceeds_mdc { "yes" } else { "no" }.to_owned(),
                c.mdc.basis.clone(),
            ]
        })
        .collect();
    Block::Table {
        head: [
            "Metric",
            "Baseline",
            "This session",
            "Change",
            "MDC",
            "Beyond MDC",
            "MDC basis",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn baseline_section(
    blocks: &mut Vec<Block>,
    baseline: &StoredBaseline,
    comparisons: &[Comparison],
) {
    blocks.push(Block::Heading {
        level: 3,
        text: "Compared with the baseline".into(),
    });
    blocks.push(Block::Paragraph(format!(
        "Baseline of subject {} recorded {} in the {} view.",
        baseline.subject,
        baseline.recorded_at,
        baseline.baseline.view.name()
    )));
    if comparisons.is_empty() {
        blocks.push(Block::Paragraph(
            "No metric was measured in both the baseline and this session.".into(),
        ));
    } else {
        blocks.push(comparison_table(comparisons));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_is_a_rate_per_hour_only_from_ten_minutes_of_presence() {
        let short = SessionSummary {
            present_s: 30.0,
            ..SessionSummary::default()
        };
        assert_eq!(exposure_text(&short, 6.0), "6 s (20% of the time present)");
        assert_eq!(exposure_cell(&short, 6.0), "6 s (20%)");
        let long = SessionSummary {
            present_s: MIN_RATE_PERIOD_S * 2.0,
            ..SessionSummary::default()
        };
        assert_eq!(exposure_text(&long, 300.0), "15.0 min per hour present");
        assert_eq!(exposure_cell(&long, 300.0), "15.0 min/h");
        assert_eq!(moment_text(2.75), "2.8 s");
        assert_eq!(moment_text(61.5), "1 min 01.5 s");
        assert_eq!(
            exposure_text(&SessionSummary::default(), 0.0),
            "nobody was present"
        );
    }

    fn recording(source: &str, cvas: &[f64], stills: Option<Stills>) -> Recording {
        use crate::posture::{Metrics, PostureSample, PostureState};
        let samples: Vec<PostureSample> = cvas
            .iter()
            .enumerate()
            .map(|(t_s, cva)| PostureSample {
                t_ms: t_s as f64 * 1000.0,
                view: View::SideLeft,
                metrics: Metrics {
                    cva_deg: Some(*cva),
                    ..Metrics::default()
                },
                state: if *cva < 40.0 {
                    PostureState::ForwardHead
                } else {
                    PostureState::Upright
                },
                ..PostureSample::default()
            })
            .collect();
        Recording {
            info: SessionInfo {
                id: crate::store::SessionId(1),
                kind: crate::store::SessionKind::Analysis,
                subject: None,
                started_at: "2026-12-05T09:00:00.000Z".into(),
                ended_at: None,
                source: format!("/videos/{source}"),
                source_kind: Some(SourceKind::Video),
                model: Some("lite".into()),
                view: Some(View::SideLeft),
                notes: None,
                seconds: cvas.len() as u64,
                judged_with: crate::store::JudgedWith::Recorded {
                    config: Box::default(),
                },
            },
            rows: crate::store::aggregate::aggregate_all(&samples),
            events: Vec::new(),
            baseline: None,
            recorded: None,
            stills,
        }
    }

    #[test]
    fn several_recordings_are_compared_in_a_chart_and_stills_say_what_they_show() {
        let still = |extreme, value, jpeg| Still {
            extreme,
            metric: Metric::Cva,
            value,
            state: crate::posture::PostureState::ForwardHead,
            t_ms: 61_500.0,
            jpeg,
            blurred: true,
        };
        let stills = Stills::Taken(vec![
            still(Extreme::Worst, 36.04, Ok(b"jpeg".to_vec())),
            still(
                Extreme::Best,
                50.0,
                Err("/videos/b.mp4 is no longer there".into()),
            ),
        ]);
        let both = build(
            &[
                recording("a.mp4", &[50.0, 36.0, 36.0, 50.0], None),
                recording("b.mp4", &[48.0, 49.0], Some(stills)),
            ],
            &ReportHeader::default(),
        );
        let html = both.html();
        assert_eq!(
            html.matches("aria-label=\"The recordings compared").count(),
            1
        );
        let a = html
            .find("1. a.mp4: Upright 50.0% of the time present")
            .expect("a");
        let b = html
            .find("2. b.mp4: Upright 100.0% of the time present")
            .expect("b");
        assert!(a < b, "argument order");
        assert!(html.contains("1. a.mp4: Forward head: persistent 50.0% of the time present"));
        assert_eq!(html.matches("data:image/jpeg;base64,").count(), 1);
        assert!(html.contains(
            "Worst moment: the judged second with the lowest CVA, at 1 min 01.5 s of the \
             recording: CVA 36.0° (mean of that second), state forward head: persistent. Face \
             blurred."
        ));
        assert!(html.contains("No picture: /videos/b.mp4 is no longer there."));
        // One recording: no comparison, and no stills unless asked for.
        let one = build(
            &[recording("a.mp4", &[50.0], None)],
            &ReportHeader::default(),
        )
        .html();
        assert!(!one.contains("The recordings compared"));
        assert!(!one.contains("data:image") && !one.contains("worst and the best moment"));
    }

    #[test]
    fn the_header_lists_only_the_fields_given() {
        let header = ReportHeader {
            client: Some("Acme".into()),
            prepared: Some("2026-12-05T10:30:00Z".into()),
            ..ReportHeader::default()
        };
        assert_eq!(
            header.fields(2),
            [
                ("Client".to_owned(), "Acme".to_owned()),
                (
                    "Report written".to_owned(),
                    "2026-12-05 10:30 UTC".to_owned()
                ),
                ("Recordings".to_owned(), "2".to_owned()),
            ]
        );
        let document = build(&[], &header);
        assert_eq!(document.title, DEFAULT_TITLE);
        assert!(document.html().contains("<dt>Client</dt><dd>Acme</dd>"));
    }
}
