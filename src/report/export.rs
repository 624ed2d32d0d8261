//! CSV and JSON export of a stored session. The column names are a stable interface
//! (documented in `docs/RECORDS.md`): they are the database column names, and new columns are
//! only ever appended.

use std::io::Write;

use serde_json::{Map, Value, json};

use crate::posture::{Metric, PostureEvent, PostureSample, View};

use crate::store::access::sample_columns;
use crate::store::{EventRow, SecondRow, SessionId, SessionInfo};

/// The events CSV's columns ahead of the baseline's statistics: one column per field an
/// event carries (the alert's values are named after their metrics), never JSON in a cell.
pub const EVENT_FIELDS: [&str; 10] = [
    "t_ms",
    "kind",
    "from",
    "state",
    Metric::Cva.key(),
    Metric::ForwardHeadIndex.key(),
    "until_ms",
    "reason",
    "baseline_view",
    "baseline_frames",
];

/// The events CSV's last columns, appended after the baseline's statistics (new columns are
/// only ever appended): the onset delay before and after an `onset_delay` event, seconds.
pub const EVENT_TAIL: [&str; 2] = ["onset_delay_from_s", "onset_delay_s"];

/// Header of the events CSV: [`EVENT_FIELDS`], then `baseline_<metric>_mean` and
/// `baseline_<metric>_sd` for every metric in registry order (filled for `calibrated` and
/// `learned`, whose event carries the baseline), then [`EVENT_TAIL`].
pub fn event_columns() -> Vec<String> {
    let mut columns: Vec<String> = EVENT_FIELDS.iter().map(|c| (*c).to_owned()).collect();
    for metric in Metric::ALL {
        columns.push(format!("baseline_{}_mean", metric.key()));
        columns.push(format!("baseline_{}_sd", metric.key()));
    }
    columns.extend(EVENT_TAIL.map(String::from));
    columns
}

/// Decimals written for real numbers in CSV (angles to a thousandth of a degree).
const CSV_DECIMALS: usize = 3;

/// One cell of a sample row.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Int(i64),
    Real(Option<f64>),
    Text(&'static str),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Int(value) => value.to_string(),
            Cell::Real(Some(value)) => format!("{value:.CSV_DECIMALS$}"),
            Cell::Real(None) => String::new(),
            Cell::Text(text) => (*text).to_owned(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Int(value) => json!(value),
            Cell::Real(value) => json!(value),
            Cell::Text(text) => json!(text),
        }
    }
}

/// A RULA score: an integer cell, empty when unknown.
fn score(value: Option<u8>) -> Cell {
    value.map_or(Cell::Real(None), |score| Cell::Int(i64::from(score)))
}

/// The cells of a row in [`sample_columns`] order.
fn cells(row: &SecondRow) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Int(row.t_s),
        Cell::Int(i64::from(row.frames)),
        Cell::Text(row.view.name()),
        Cell::Text(row.state.name()),
        Cell::Real(row.forward_head_fraction),
        score(row.rula_neck),
        score(row.rula_trunk),
        Cell::Real(Some(row.confidence_mean)),
    ];
    for metric in &row.metrics {
        cells.extend([
            Cell::Real(metric.mean),
            Cell::Real(metric.min),
            Cell::Real(metric.max),
            Cell::Real(Some(metric.valid)),
        ]);
    }
    cells.extend([
        Cell::Real(row.cva_sd_deg),
        row.call
            .map_or(Cell::Real(None), |call| Cell::Text(call.name())),
    ]);
    cells
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Writes the per-second rows as CSV with a header line.
pub fn write_samples_csv(out: &mut dyn Write, rows: &[SecondRow]) -> std::io::Result<()> {
    writeln!(out, "{}", sample_columns().join(","))?;
    for row in rows {
        let line: Vec<String> = cells(row).iter().map(Cell::csv).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// The cells of one event in [`event_columns`] order, empty where the event has no such
/// field.
fn event_cells(t_ms: f64, event: &PostureEvent) -> Vec<String> {
    let real = |value: Option<f64>| Cell::Real(value).csv();
    let (mut from, mut state, mut cva, mut index, mut until) = ("", "", None, None, None);
    let (mut reason, mut baseline, mut delays) = (None, None, (None, None));
    match event {
        PostureEvent::State {
            from: before,
            state: after,
            ..
        } => (from, state) = (before.name(), after.name()),
        PostureEvent::Baseline {
            from: before,
            status,
            reason: why,
            ..
        } => {
            (from, state) = (before.name(), status.name());
            reason = why.as_deref();
        }
        PostureEvent::Alert {
            cva_deg,
            forward_head_index,
            ..
        } => (cva, index) = (*cva_deg, *forward_head_index),
        PostureEvent::Snoozed { until_ms, .. } => until = Some(*until_ms),
        PostureEvent::Calibrated { baseline: b, .. }
        | PostureEvent::Learned { baseline: b, .. } => {
            baseline = Some(b);
        }
        PostureEvent::BaselineRefused { reason: why, .. }
        | PostureEvent::Uncertain { reason: why, .. } => reason = Some(why.as_str()),
        PostureEvent::OnsetDelay {
            from_s, seconds, ..
        } => delays = (Some(*from_s), Some(*seconds)),
    }
    let mut cells = vec![
        real(Some(t_ms)),
        event.kind().to_owned(),
        from.to_owned(),
        state.to_owned(),
        real(cva),
        real(index),
        real(until),
        reason.map_or_else(String::new, csv_field),
        baseline.map_or_else(String::new, |b| b.view.name().to_owned()),
        baseline
            .and_then(|b| b.metrics.values().map(|stats| stats.n).max())
            .map_or_else(String::new, |n| n.to_string()),
    ];
    for metric in Metric::ALL {
        let stats = baseline.and_then(|b| b.get(metric));
        cells.push(real(stats.map(|s| s.mean)));
        cells.push(real(stats.map(|s| s.sd)));
    }
    cells.extend([real(delays.0), real(delays.1)]);
    cells
}

/// Writes the events as CSV with a header line ([`event_columns`]): flat columns, no JSON.
pub fn write_events_csv(out: &mut dyn Write, events: &[EventRow]) -> std::io::Result<()> {
    writeln!(out, "{}", event_columns().join(","))?;
    for row in events {
        writeln!(out, "{}", event_cells(row.t_ms, &row.event).join(","))?;
    }
    Ok(())
}

/// Columns of the per-frame CSV ahead of the measures; `forward_head` is 1 or 0 when the frame
/// could be judged, `rula_*` only in side views.
pub const FRAME_COLUMNS: [&str; 10] = [
    "session",
    "recording",
    "t_ms",
    "frame",
    "view",
    "state",
    "forward_head",
    "rula_neck",
    "rula_trunk",
    "confidence",
];

/// The frames of one analyzed recording, for the per-frame CSV.
#[derive(Clone, Copy, Debug)]
pub struct FrameRecording<'a> {
    /// Its stored session.
    pub session: SessionId,
    /// Its name (the file name).
    pub recording: &'a str,
    /// Every analyzed frame, in order.
    pub samples: &'a [PostureSample],
}

/// The measures valid in a view that frames were seen in, in registry order: a side-view
/// recording gets no empty front-view columns and the other way round. With no side or front
/// frame at all, every measure (all empty) so the header stays recognisable.
pub fn measures_for_views(views: impl IntoIterator<Item = View>) -> Vec<Metric> {
    let views: Vec<View> = views.into_iter().collect();
    let valid: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|metric| views.iter().any(|view| metric.valid_in().covers(*view)))
        .collect();
    if valid.is_empty() {
        Metric::ALL.to_vec()
    } else {
        valid
    }
}

/// Writes every analyzed frame of `recordings` as CSV with a header line: [`FRAME_COLUMNS`],
/// then one column per measure valid in the views seen (named by the metric key, e.g.
/// `cva_deg`). Empty cells mean "not measured in this frame".
pub fn write_frames_csv(
    out: &mut dyn Write,
    recordings: &[FrameRecording<'_>],
) -> std::io::Result<()> {
    let measures = measures_for_views(
        recordings
            .iter()
            .flat_map(|recording| recording.samples.iter().map(|sample| sample.view)),
    );
    let mut head: Vec<&str> = FRAME_COLUMNS.to_vec();
    head.extend(measures.iter().map(|metric| metric.key()));
    writeln!(out, "{}", head.join(","))?;
    let real = |value: Option<f64>| Cell::Real(value).csv();
    for recording in recordings {
        let name = csv_field(recording.recording);
        for sample in recording.samples {
            let mut line = vec![
                recording.session.to_string(),
                name.clone(),
                real(Some(sample.t_ms)),
                sample.seq.to_string(),
                sample.view.name().to_owned(),
                sample.state.name().to_owned(),
                sample
                    .forward_head
                    .map_or_else(String::new, |held| u8::from(held).to_string()),
                score(sample.rula_neck).csv(),
                score(sample.rula_trunk).csv(),
                real(Some(f64::from(sample.confidence))),
            ];
            line.extend(
                measures
                    .iter()
                    .map(|metric| real(metric.read(&sample.metrics))),
            );
            writeln!(out, "{}", line.join(","))?;
        }
    }
    Ok(())
}

/// One row as a JSON object keyed by the CSV column names.
pub fn sample_json(row: &SecondRow) -> Value {
    let map: Map<String, Value> = sample_columns()
        .into_iter()
        .zip(cells(row).iter().map(Cell::json))
        .collect();
    Value::Object(map)
}

/// The whole session as one JSON document: `session`, `samples` and `events`.
pub fn session_json(
    info: &SessionInfo,
    rows: &[SecondRow],
    events: &[EventRow],
) -> serde_json::Result<Value> {
    Ok(json!({
        "session": serde_json::to_value(info)?,
        "samples": rows.iter().map(sample_json).collect::<Vec<_>>(),
        "events": events.iter().map(|row| serde_json::to_value(&row.event)).collect::<serde_json::Result<Vec<_>>>()?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn the_frames_csv_has_one_row_per_frame_and_only_the_views_measures()
    -> Result<(), Box<dyn std::error::Error>> {
        let side = |seq: u64, cva: Option<f64>| {
            let mut sample = PostureSample {
                seq,
                t_ms: seq as f64 * 33.367,
                view: View::SideLeft,
                forward_head: cva.map(|cva| cva < 45.0),
                rula_neck: Some(2),
                confidence: 0.5,
                ..PostureSample::default()
            };
            *Metric::Cva.slot(&mut sample.metrics) = cva;
            sample
        };
        let samples = [side(0, Some(50.25)), side(1, None), side(2, Some(41.0))];
        let mut csv = Vec::new();
        write_frames_csv(
            &mut csv,
            &[FrameRecording {
                session: SessionId(7),
                recording: "desk, left.mp4",
                samples: &samples,
            }],
        )?;
        let text = String::from_utf8(csv)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "session,recording,t_ms,frame,view,state,forward_head,rula_neck,rula_trunk,\
             confidence,cva_deg,neck_flexion_deg,trunk_inclination_deg,hip_angle_deg"
        );
        assert_eq!(lines.len(), 4, "one row per frame");
        assert_eq!(
            lines[1],
            "7,\"desk, left.mp4\",0.000,0,side-left,upright,0,2,,0.500,50.250,,,"
        );
        assert_eq!(
            lines[2],
            "7,\"desk, left.mp4\",33.367,1,side-left,upright,,2,,0.500,,,,"
        );
        assert!(lines[3].starts_with("7,\"desk, left.mp4\",66.734,2,side-left,upright,1,"));
        // Front frames bring the front measures; unknown views alone keep every column.
        assert_eq!(
            measures_for_views([View::Front]).first(),
            Some(&Metric::ShoulderTilt)
        );
        assert_eq!(measures_for_views([View::Unknown]).len(), Metric::COUNT);
        Ok(())
    }

    /// Splits one CSV line into its fields (RFC 4180 quoting).
    fn split_csv(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let (mut quoted, mut chars) = (false, line.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().expect("one field").push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                (c, _) => fields.last_mut().expect("one field").push(c),
            }
        }
        fields
    }

    #[test]
    fn events_csv_has_one_flat_column_per_field_and_no_json()
    -> Result<(), Box<dyn std::error::Error>> {
        use crate::posture::{Baseline, BaselineStatus, PostureState};
        let baseline = Baseline::of_side_cva(48.5, 1.25, 120);
        let events = [
            PostureEvent::State {
                t_ms: 1000.0,
                from: PostureState::Upright,
                state: PostureState::AtRisk,
            },
            PostureEvent::Alert {
                t_ms: 2000.0,
                cva_deg: Some(21.5),
                forward_head_index: None,
            },
            PostureEvent::Snoozed {
                t_ms: 3000.0,
                until_ms: 903_000.0,
            },
            PostureEvent::Learned {
                t_ms: 4000.0,
                baseline,
            },
            PostureEvent::BaselineRefused {
                t_ms: 5000.0,
                reason: "you moved, \"a lot\"".into(),
            },
            PostureEvent::Baseline {
                t_ms: 6000.0,
                from: BaselineStatus::Learned,
                status: BaselineStatus::SetupChanged,
                reason: Some("the camera moved".into()),
            },
            PostureEvent::Uncertain {
                t_ms: 7000.0,
                reason: "no baseline".into(),
            },
            PostureEvent::OnsetDelay {
                t_ms: 8000.0,
                from_s: 30.0,
                seconds: 60.0,
            },
        ];
        let rows: Vec<EventRow> = events
            .iter()
            .map(|event| EventRow {
                t_ms: event.t_ms(),
                event: event.clone(),
            })
            .collect();
        let mut csv = Vec::new();
        write_events_csv(&mut csv, &rows)?;
        let text = String::from_utf8(csv)?;
        let lines: Vec<&str> = text.lines().collect();
        let header = event_columns();
        assert_eq!(lines[0], header.join(","));
        assert_eq!(
            header.len(),
            EVENT_FIELDS.len() + 2 * Metric::COUNT + EVENT_TAIL.len()
        );
        assert_eq!(lines.len(), 1 + events.len());
        let column = |name: &str| header.iter().position(|c| c == name).expect(name);
        let table: Vec<Vec<String>> = lines[1..].iter().map(|l| split_csv(l)).collect();
        for (row, event) in table.iter().zip(&events) {
            assert_eq!(row.len(), header.len(), "{row:?}");
            assert_eq!(row[column("kind")], event.kind());
            assert!(
                row.iter().all(|cell| !cell.contains('{')),
                "no JSON: {row:?}"
            );
        }
        assert_eq!(table[0][column("from")], "upright");
        assert_eq!(table[0][column("state")], "at_risk");
        assert_eq!(table[1][column("cva_deg")], "21.500");
        assert_eq!(table[2][column("until_ms")], "903000.000");
        assert_eq!(table[3][column("baseline_view")], "side-left");
        assert_eq!(table[3][column("baseline_frames")], "120");
        assert_eq!(table[3][column("baseline_cva_deg_mean")], "48.500");
        assert_eq!(table[3][column("baseline_cva_deg_sd")], "1.250");
        assert_eq!(table[3][column("baseline_hip_angle_deg_mean")], "");
        assert_eq!(table[4][column("reason")], "you moved, \"a lot\"");
        assert_eq!(table[5][column("state")], "setup_changed");
        assert_eq!(table[5][column("reason")], "the camera moved");
        assert_eq!(table[6][column("reason")], "no baseline");
        assert_eq!(table[7][column("onset_delay_from_s")], "30.000");
        assert_eq!(table[7][column("onset_delay_s")], "60.000");
        assert_eq!(table[6][column("onset_delay_s")], "");
        Ok(())
    }

    #[test]
    fn header_and_cells_have_the_same_length() {
        let row =
            crate::store::aggregate::aggregate_all(&[crate::posture::PostureSample::default()])
                .remove(0);
        assert_eq!(cells(&row).len(), sample_columns().len());
        assert_eq!(sample_columns().len(), 8 + 8 * 4 + 2);
    }
}
