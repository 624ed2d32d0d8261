//! The session history panel: the stored sessions (date, source, duration, mean CVA,
//! forward-head minutes), one opened with its summary (per-metric mean and SD, alerts, time in
//! each state), and buttons that export it as CSV or JSON or write its HTML report into a
//! folder typed in a text field (default: the database's folder).
//!
//! The database is read with its own short-lived connection on each action, so the panel never
//! holds a lock the recorder needs; its errors (locked, damaged, missing) are shown as the
//! store's messages, which say what to do.

use std::path::{Path, PathBuf};

use crate::posture::{Metric, PostureState};
use crate::store::files::{Output, write_session};
use crate::store::report::duration_text;
use crate::store::stats::{SessionSummary, summarise};
use crate::store::{SessionId, SessionInfo, Store, StoreError};

use super::status::state_text;
use super::theme;

/// Label of the list's refresh button.
pub const REFRESH: &str = "Refresh";

/// Label of the folder field.
pub const FOLDER: &str = "Save to folder";

/// Label of the CSV export button.
pub const EXPORT_CSV: &str = "Export CSV";

/// Label of the JSON export button.
pub const EXPORT_JSON: &str = "Export JSON";

/// Label of the report button.
pub const WRITE_REPORT: &str = "Write report";

/// One line of the session list.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionLine {
    /// The stored session.
    pub info: SessionInfo,
    /// From the first to the last stored second, seconds.
    pub duration_s: f64,
    /// Mean CVA over the seconds with one, degrees.
    pub cva_mean_deg: Option<f64>,
    /// Minutes in the sustained forward-head state.
    pub forward_head_min: f64,
}

/// An opened session.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    /// The stored session.
    pub info: SessionInfo,
    /// What its rows and events say.
    pub summary: SessionSummary,
    /// Seconds per posture state, in state order, only states that occurred.
    pub state_seconds: Vec<(PostureState, u64)>,
}

/// A line under the buttons: what was written, or what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The panel's state.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The database file (`None`: the platform data folder).
    pub db: Option<PathBuf>,
    /// Where exports and reports go, as typed.
    pub out_dir: String,
    /// The list, once loaded (`Err`: what to do).
    pub list: Option<Result<Vec<SessionLine>, String>>,
    /// The opened session.
    pub opened: Option<Opened>,
    /// The result of the last export or report.
    pub message: Option<Message>,
}

const STATES: [PostureState; 6] = [
    PostureState::Upright,
    PostureState::AtRisk,
    PostureState::ForwardHead,
    PostureState::Away,
    PostureState::Calibrating,
    PostureState::Snoozed,
];

impl History {
    /// A panel over the database at `db` (`None`: the platform data folder); exports go to the
    /// database's folder by default.
    pub fn new(db: Option<PathBuf>) -> Self {
        let file = db.clone().or_else(|| crate::store::default_path().ok());
        let out_dir = file
            .as_deref()
            .and_then(Path::parent)
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        Self {
            db,
            out_dir,
            ..Self::default()
        }
    }

    fn store(&self) -> Result<Store, StoreError> {
        Store::open_existing(self.db.as_deref())
    }

    /// Reads the session list again (newest first).
    pub fn refresh(&mut self) {
        let lines = self.store().and_then(|store| {
            let mut lines = store
                .sessions(None)?
                .into_iter()
                .map(|info| {
                    let summary = summarise(&store.samples(info.id)?, &store.events(info.id)?);
                    Ok(SessionLine {
                        duration_s: summary.duration_s,
                        cva_mean_deg: summary.metrics.get(&Metric::Cva).map(|stats| stats.mean),
                        forward_head_min: forward_head_minutes(&summary),
                        info,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            lines.reverse();
            Ok(lines)
        });
        self.list = Some(lines.map_err(|err| err.to_string()));
    }

    /// Opens session `id`: its summary and time in each state.
    pub fn open(&mut self, id: SessionId) {
        let opened = self.store().and_then(|store| {
            let rows = store.samples(id)?;
            let summary = summarise(&rows, &store.events(id)?);
            let state_seconds = STATES
                .iter()
                .map(|state| {
                    let seconds = rows.iter().filter(|row| row.state == *state).count() as u64;
                    (*state, seconds)
                })
                .filter(|(_, seconds)| *seconds > 0)
                .collect();
            Ok(Opened {
                info: store.session(id)?,
                summary,
                state_seconds,
            })
        });
        match opened {
            Ok(opened) => {
                self.opened = Some(opened);
                self.message = None;
            }
            Err(err) => self.message = Some(error(&err)),
        }
    }

    /// Writes `output` of the opened session into the folder field's folder.
    pub fn write(&mut self, output: Output) {
        let Some(opened) = &self.opened else {
            return;
        };
        let dir = PathBuf::from(self.out_dir.trim());
        if dir.as_os_str().is_empty() {
            self.message = Some(Message {
                text: format!("Type a folder into \"{FOLDER}\" first."),
                error: true,
            });
            return;
        }
        let id = opened.info.id;
        let written = self
            .store()
            .and_then(|store| write_session(&store, id, output, &dir));
        self.message = Some(match written {
            Ok(path) => Message {
                text: format!("Wrote {}", path.display()),
                error: false,
            },
            Err(err) => error(&err),
        });
    }
}

fn error(err: &StoreError) -> Message {
    Message {
        text: err.to_string(),
        error: true,
    }
}

/// Minutes spent in the sustained forward-head state.
fn forward_head_minutes(summary: &SessionSummary) -> f64 {
    summary
        .forward_head_state_min_per_h
        .map_or(0.0, |per_hour| per_hour * summary.present_s / 3600.0)
}

/// `2026-12-01T09:00:00.000Z` as `2026-12-01 09:00 UTC`.
pub fn date_text(iso: &str) -> String {
    match iso.get(..16) {
        Some(head) => format!("{} UTC", head.replacen('T', " ", 1)),
        None => iso.to_owned(),
    }
}

/// The label of the button that opens session `id`.
pub fn open_label(id: SessionId) -> String {
    format!("Open session {id}")
}

/// Draws the panel; loads the list the first time it is shown.
pub fn ui(ui: &mut egui::Ui, history: &mut History) {
    if history.list.is_none() {
        history.refresh();
    }
    ui.horizontal(|ui| {
        ui.heading("Sessions");
        if ui.button(REFRESH).clicked() {
            history.refresh();
        }
    });
    ui.label("Stored per second: angles, states and events. No picture is ever saved.");
    let mut open = None;
    match &history.list {
        Some(Ok(lines)) if lines.is_empty() => {
            ui.label("No session stored yet.");
        }
        Some(Ok(lines)) => {
            egui::ScrollArea::vertical()
                .id_salt("session_list")
                .max_height(220.0)
                .show(ui, |ui| list_ui(ui, lines, &mut open));
        }
        Some(Err(message)) => {
            ui.colored_label(theme::ERROR, message);
        }
        None => {}
    }
    if let Some(id) = open {
        history.open(id);
    }
    ui.separator();
    if history.opened.is_some() {
        opened_ui(ui, history);
    }
    if let Some(message) = &history.message {
        let colour = if message.error {
            theme::ERROR
        } else {
            theme::GOOD
        };
        ui.colored_label(colour, &message.text);
    }
}

fn list_ui(ui: &mut egui::Ui, lines: &[SessionLine], open: &mut Option<SessionId>) {
    egui::Grid::new("session_grid")
        .num_columns(6)
        .striped(true)
        .show(ui, |ui| {
            for head in ["Date", "Source", "Duration", "Mean CVA", "Forward head", ""] {
                ui.strong(head);
            }
            ui.end_row();
            for line in lines {
                ui.label(date_text(&line.info.started_at));
                ui.label(&line.info.source);
                ui.label(duration_text(line.duration_s));
                ui.label(
                    line.cva_mean_deg
                        .map_or_else(|| "–".to_owned(), |cva| format!("{cva:.1}°")),
                );
                ui.label(format!("{:.1} min", line.forward_head_min));
                if ui.button(open_label(line.info.id)).clicked() {
                    *open = Some(line.info.id);
                }
                ui.end_row();
            }
        });
}

fn opened_ui(ui: &mut egui::Ui, history: &mut History) {
    let Some(opened) = &history.opened else {
        return;
    };
    let info = &opened.info;
    ui.strong(format!(
        "Session {} ({}), {}",
        info.id,
        info.kind.as_str(),
        date_text(&info.started_at)
    ));
    ui.label(format!(
        "{} · {} stored · {} alerts",
        info.source,
        duration_text(opened.summary.duration_s),
        opened.summary.alerts
    ));
    egui::Grid::new("session_metrics")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            for head in ["Measure", "Export name", "Mean", "SD", "Seconds"] {
                ui.strong(head);
            }
            ui.end_row();
            for (metric, stats) in &opened.summary.metrics {
                ui.label(metric.label());
                ui.label(metric.key());
                ui.label(metric.format(stats.mean));
                ui.label(format!("{:.1}", stats.sd));
                ui.label(stats.n.to_string());
                ui.end_row();
            }
        });
    ui.label("Time in each state:");
    for (state, seconds) in &opened.state_seconds {
        ui.label(format!(
            "{}: {}",
            state_text(*state),
            duration_text(*seconds as f64)
        ));
    }
    ui.separator();
    let label = ui.label(FOLDER);
    ui.text_edit_singleline(&mut history.out_dir)
        .labelled_by(label.id);
    let mut output = None;
    ui.horizontal(|ui| {
        if ui.button(EXPORT_CSV).clicked() {
            output = Some(Output::SamplesCsv);
        }
        if ui.button(EXPORT_JSON).clicked() {
            output = Some(Output::Json);
        }
        if ui.button(WRITE_REPORT).clicked() {
            output = Some(Output::Report);
        }
    });
    if let Some(output) = output {
        history.write(output);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations_read_plainly() {
        assert_eq!(
            date_text("2026-12-01T09:00:00.000Z"),
            "2026-12-01 09:00 UTC"
        );
        assert_eq!(date_text("bad"), "bad");
        assert_eq!(duration_text(42.0), "42 s");
        assert_eq!(duration_text(185.0), "3 min 05 s");
        assert_eq!(duration_text(3720.0), "1 h 02 min");
    }

    #[test]
    fn missing_database_lists_nothing_and_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut history = History::new(Some(dir.path().join("none.sqlite")));
        assert_eq!(history.out_dir, dir.path().display().to_string());
        history.refresh();
        let message = history
            .list
            .clone()
            .and_then(Result::err)
            .unwrap_or_default();
        assert!(message.contains("record a session first"), "{message}");
        assert!(!dir.path().join("none.sqlite").exists(), "not created");
    }
}
