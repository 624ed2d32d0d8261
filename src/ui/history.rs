//! The session history panel: the stored sessions (date, source, duration, mean CVA,
//! forward-head minutes), one opened with its summary (per-metric mean and SD, alerts, time in
//! each state), and buttons that export it as CSV or JSON or write its HTML report into a
//! folder typed in a text field (default: the database's folder).
//!
//! Every database read and file write runs on a short-lived thread with its own connection, so
//! a long session, a slow disk or a database locked by the recorder never stalls the window:
//! the panel says it is reading, and the thread asks for a repaint when it is done. The list
//! is one SQL query ([`Store::session_overviews`]) rather than every session's rows; so is the
//! 7-day chart above it (forward-head and monitored minutes per local day, empty days as zero,
//! [`Store::daily_totals`]). Errors (locked, damaged, missing) are shown as the store's
//! messages, which say what to do.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::posture::PostureState;
use crate::report::duration_text;
use crate::report::files::{Output, ReportError, write_session};
use crate::report::stats::{SessionSummary, summarise};
use crate::report::today::CHART_DAYS;
use crate::store::{DayTotals, SessionId, SessionInfo, SessionOverview, Store, StoreError};

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

/// Name of the chart's forward-head series (its legend entry).
pub const CHART_FORWARD: &str = "Forward head (min)";

/// Name of the chart's monitored-time series.
pub const CHART_MONITORED: &str = "Monitored (min)";

/// Shown while a read or write is running.
pub const WORKING: &str = "Reading the database…";

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

/// What a background job hands back.
#[derive(Debug)]
enum Reply {
    List(Result<Vec<SessionOverview>, String>),
    Days(Result<Vec<DayTotals>, String>),
    Opened(Result<Box<Opened>, StoreError>),
    Written(Result<PathBuf, ReportError>),
}

/// The panel's state.
#[derive(Debug, Default)]
pub struct History {
    /// The database file (`None`: the platform data folder).
    pub db: Option<PathBuf>,
    /// Where exports and reports go, as typed.
    pub out_dir: String,
    /// The list, once loaded, newest first (`Err`: what to do).
    pub list: Option<Result<Vec<SessionOverview>, String>>,
    /// The chart's days, oldest first, the last one today (`Err`: what to do).
    pub days: Option<Result<Vec<DayTotals>, String>>,
    /// The opened session.
    pub opened: Option<Opened>,
    /// The result of the last export or report.
    pub message: Option<Message>,
    /// Reads and writes still running.
    jobs: Vec<Receiver<Reply>>,
    /// Woken when a job is done (the window's context, once drawn).
    repaint: Option<egui::Context>,
}

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

    /// Runs `work` on a database connection of its own on another thread.
    fn spawn(&mut self, work: impl FnOnce(Result<Store, StoreError>) -> Reply + Send + 'static) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let db = self.db.clone();
        let repaint = self.repaint.clone();
        let started = std::thread::Builder::new()
            .name("history".into())
            .spawn(move || {
                let reply = work(Store::open_existing(db.as_deref()));
                // The panel may be gone; then nobody needs the answer.
                let _ = tx.send(reply);
                if let Some(ctx) = repaint {
                    ctx.request_repaint();
                }
            });
        match started {
            Ok(_) => self.jobs.push(rx),
            Err(err) => {
                self.message = Some(Message {
                    text: format!("cannot start reading the database: {err}"),
                    error: true,
                });
            }
        }
    }

    /// Reads the session list again (newest first) and the chart's days, in the background.
    pub fn refresh(&mut self) {
        self.spawn(|store| {
            Reply::Days(
                store
                    .and_then(|store| store.daily_totals(None, CHART_DAYS))
                    .map_err(|err| err.to_string()),
            )
        });
        self.spawn(|store| {
            Reply::List(
                store
                    .and_then(|store| store.session_overviews(None))
                    .map(|mut lines| {
                        lines.reverse();
                        lines
                    })
                    .map_err(|err| err.to_string()),
            )
        });
    }

    /// Opens session `id` (its summary and time in each state), in the background.
    pub fn open(&mut self, id: SessionId) {
        self.spawn(move |store| {
            Reply::Opened(store.and_then(|store| opened(&store, id).map(Box::new)))
        });
    }

    /// Writes `output` of the opened session into the folder field's folder, in the background.
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
        self.spawn(move |store| {
            Reply::Written(
                store
                    .map_err(ReportError::from)
                    .and_then(|store| write_session(&store, id, output, &dir)),
            )
        });
    }

    /// Whether a read or write is still running.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Takes the answers of finished jobs into the panel's state; returns whether any arrived.
    pub fn poll(&mut self) -> bool {
        let mut replies = Vec::new();
        self.jobs.retain(|job| match job.try_recv() {
            Ok(reply) => {
                replies.push(reply);
                false
            }
            Err(TryRecvError::Empty) => true,
            Err(TryRecvError::Disconnected) => false,
        });
        let arrived = !replies.is_empty();
        for reply in replies {
            self.apply(reply);
        }
        arrived
    }

    /// Waits up to `timeout` for the running jobs and takes their answers (tests and callers
    /// without a window); returns whether all finished.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.poll();
            if !self.is_busy() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn apply(&mut self, reply: Reply) {
        match reply {
            Reply::List(list) => self.list = Some(list),
            Reply::Days(days) => self.days = Some(days),
            Reply::Opened(Ok(opened)) => {
                self.opened = Some(*opened);
                self.message = None;
            }
            Reply::Opened(Err(err)) => self.message = Some(error(&err)),
            Reply::Written(written) => {
                self.message = Some(match written {
                    Ok(path) => Message {
                        text: format!("Wrote {}", path.display()),
                        error: false,
                    },
                    Err(err) => error(&err),
                });
            }
        }
    }
}

/// Reads session `id` with its summary and time in each state.
fn opened(store: &Store, id: SessionId) -> Result<Opened, StoreError> {
    let rows = store.samples(id)?;
    let summary = summarise(&rows, &store.events(id)?);
    let state_seconds = PostureState::ALL
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
}

fn error(err: &dyn std::fmt::Display) -> Message {
    Message {
        text: err.to_string(),
        error: true,
    }
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
    history.repaint = Some(ui.ctx().clone());
    history.poll();
    if history.list.is_none() && !history.is_busy() {
        history.refresh();
    }
    ui.horizontal(|ui| {
        ui.heading("Sessions");
        if ui.button(REFRESH).clicked() {
            history.refresh();
        }
    });
    ui.label("Stored per second: angles, states and events. No picture is ever saved.");
    if history.is_busy() {
        ui.label(WORKING);
        // The job wakes the window when it is done; this is only a safety net.
        ui.ctx().request_repaint_after(Duration::from_millis(250));
    }
    if let Some(Ok(days)) = &history.days {
        chart_ui(ui, days);
    }
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

/// The last days as bars: monitored and forward-head minutes side by side per day.
fn chart_ui(ui: &mut egui::Ui, days: &[DayTotals]) {
    use egui_plot::{Bar, BarChart, Legend, Plot};
    let bars = |offset: f64, value: fn(&DayTotals) -> u64| -> Vec<Bar> {
        days.iter()
            .enumerate()
            .map(|(i, day)| {
                Bar::new(i as f64 + offset, value(day) as f64 / 60.0)
                    .width(0.4)
                    .name(&day.day)
            })
            .collect()
    };
    let monitored =
        BarChart::new(CHART_MONITORED, bars(-0.2, |day| day.monitored_s)).color(theme::GOOD);
    let forward =
        BarChart::new(CHART_FORWARD, bars(0.2, |day| day.forward_head_s)).color(theme::ALERT);
    let labels: Vec<String> = days
        .iter()
        .map(|day| day.day.get(5..).unwrap_or(&day.day).to_owned())
        .collect();
    ui.label(format!("Last {} days (local time)", days.len()));
    Plot::new("days_chart")
        .height(140.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .include_y(0.0)
        .y_axis_label("min")
        .x_axis_formatter(move |mark, _| {
            let index = mark.value.round();
            if (mark.value - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            labels.get(index as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(monitored);
            plot_ui.bar_chart(forward);
        });
}

fn list_ui(ui: &mut egui::Ui, lines: &[SessionOverview], open: &mut Option<SessionId>) {
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
                ui.label(format!("{:.1} min", line.forward_head_s as f64 / 60.0));
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
        assert!(history.wait(Duration::from_secs(10)), "the read ended");
        let message = history
            .list
            .clone()
            .and_then(Result::err)
            .unwrap_or_default();
        assert!(message.contains("record a session first"), "{message}");
        assert!(!dir.path().join("none.sqlite").exists(), "not created");
    }

    #[test]
    fn a_locked_database_does_not_hold_up_the_panel() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("s.sqlite");
        drop(Store::open(&path)?);
        let holder = rusqlite::Connection::open(&path)?;
        holder.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; \
             INSERT INTO subjects (code, created_at) VALUES ('x', 'now');",
        )?;
        let mut history = History::new(Some(path));
        let asked = Instant::now();
        history.refresh();
        // The store waits for a lock for seconds; the panel's call returns at once.
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "{:?}",
            asked.elapsed()
        );
        // The read really waits for the lock (otherwise this test proves nothing).
        std::thread::sleep(Duration::from_millis(300));
        history.poll();
        assert!(history.is_busy());
        assert!(history.list.is_none());
        holder.execute_batch("ROLLBACK; PRAGMA locking_mode = NORMAL;")?;
        drop(holder);
        assert!(history.wait(Duration::from_secs(20)), "the read ended");
        assert!(!history.is_busy());
        assert!(history.list.is_some());
        Ok(())
    }
}
