//! The session history panel: the stored sessions (date, kind, subject, source, duration,
//! mean CVA, forward-head minutes, notes), one opened with its summary (per-metric mean and SD,
//! alerts, time in each state), and buttons that export it as CSV or JSON or write its HTML
//! report into a folder typed in a text field (default: the database's folder), under a
//! header typed beside them (title, client, site, assessor: [`HeaderField`], kept while the
//! window runs, never saved).
//!
//! A subject chosen in the list (or the subject of the opened session) shows that subject's
//! visits: the CVA trend of `plumbline history --subject ID --html` ([`VisitTrend`]: mean ± SD
//! per baseline and follow-up hold with each baseline's MDC band) drawn with `egui_plot`, the
//! same visit table and the notes.
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
use crate::report::files::{Output, ReportError, write_session};
use crate::report::header::HeaderField;
use crate::report::history::{
    NO_VISITS, SD_BAR, VISIT_COLUMNS, VisitLine, VisitTrend, change_legend, mdc_band_name,
    trend_caption, visit_lines, visit_notes, visits_title,
};
use crate::report::stats::{SessionSummary, summarise};
use crate::report::today::CHART_DAYS;
use crate::report::{DEFAULT_TITLE, ReportHeader, duration_text};
use crate::store::{
    DayTotals, SessionId, SessionInfo, SessionOverview, Store, StoreError, Visit, VisitRole,
};

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

/// Heading of the report's header fields.
pub const REPORT_HEADER: &str = "Report header (optional, kept until the window closes)";

/// Label of the button that hides a subject's visits.
pub const HIDE_VISITS: &str = "Hide visits";

/// Longest notes shown in the list (the whole text on hover), characters.
pub const NOTE_PREVIEW_CHARS: usize = 60;

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

/// A subject's visits, as shown under the list.
#[derive(Clone, Debug, PartialEq)]
pub struct SubjectVisits {
    /// The subject's code.
    pub code: String,
    /// Its visits oldest first, once read (`Err`: what to do).
    pub visits: Option<Result<Vec<Visit>, String>>,
}

/// What a background job hands back.
#[derive(Debug)]
enum Reply {
    List(Result<Vec<SessionOverview>, String>),
    Days(Result<Vec<DayTotals>, String>),
    Opened(Result<Box<Opened>, StoreError>),
    Visits(String, Result<Vec<Visit>, String>),
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
    /// The subject whose visits are shown.
    pub subject: Option<SubjectVisits>,
    /// The report's header as typed, in [`HeaderField::ALL`] order (kept while the window
    /// runs; blank: not given).
    pub header: [String; 4],
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

    /// Reads the session list again (newest first), the chart's days and the shown subject's
    /// visits, in the background.
    pub fn refresh(&mut self) {
        if let Some(code) = self.subject.as_ref().map(|shown| shown.code.clone()) {
            self.show_subject(&code);
        }
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

    /// Shows the visits of subject `code` (read in the background).
    pub fn show_subject(&mut self, code: &str) {
        let code = code.to_owned();
        self.subject = Some(SubjectVisits {
            code: code.clone(),
            visits: None,
        });
        self.spawn(move |store| {
            let visits = store
                .and_then(|store| store.visits(&code))
                .map_err(|err| err.to_string());
            Reply::Visits(code, visits)
        });
    }

    /// Writes `output` of the opened session into the folder field's folder, in the background;
    /// a report under the typed header.
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
        let header = match ReportHeader::from_typed(&self.header) {
            Ok(header) => ReportHeader {
                prepared: crate::capture::date::utc_now(),
                ..header
            },
            Err(why) => {
                self.message = Some(Message {
                    text: format!("Report header: {why}"),
                    error: true,
                });
                return;
            }
        };
        let id = opened.info.id;
        self.spawn(move |store| {
            Reply::Written(
                store
                    .map_err(ReportError::from)
                    .and_then(|store| write_session(&store, id, output, &dir, &header)),
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
                // A session of a subject shows the subject's visits.
                let subject = opened.info.subject.clone();
                self.opened = Some(*opened);
                self.message = None;
                if let Some(code) = subject
                    && self.subject.as_ref().is_none_or(|shown| shown.code != code)
                {
                    self.show_subject(&code);
                }
            }
            Reply::Visits(code, visits) => {
                if let Some(shown) = &mut self.subject
                    && shown.code == code
                {
                    shown.visits = Some(visits);
                }
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

/// The label of the link that shows the visits of subject `code`.
pub fn subject_label(code: &str) -> String {
    format!("Subject {code}")
}

/// The first line of `notes`, cut to [`NOTE_PREVIEW_CHARS`] (with `…` when cut).
pub fn note_preview(notes: &str) -> String {
    let line = notes.trim().lines().next().unwrap_or("").trim_end();
    let cut = line.chars().count() > NOTE_PREVIEW_CHARS || notes.trim().lines().nth(1).is_some();
    let mut preview: String = line.chars().take(NOTE_PREVIEW_CHARS).collect();
    if cut {
        preview.push('…');
    }
    preview
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
    let mut chosen = Chosen::default();
    match &history.list {
        Some(Ok(lines)) if lines.is_empty() => {
            ui.label("No session stored yet.");
        }
        Some(Ok(lines)) => {
            egui::ScrollArea::vertical()
                .id_salt("session_list")
                .max_height(220.0)
                .show(ui, |ui| list_ui(ui, lines, &mut chosen));
        }
        Some(Err(message)) => {
            ui.colored_label(theme::ERROR, message);
        }
        None => {}
    }
    if let Some(id) = chosen.session {
        history.open(id);
    }
    if let Some(code) = chosen.subject {
        history.show_subject(&code);
    }
    ui.separator();
    // Below the list: the subject's visits and the opened session, scrolled together.
    egui::ScrollArea::vertical()
        .id_salt("session_details")
        .show(ui, |ui| {
            if history.subject.is_some() {
                visits_ui(ui, history);
                ui.separator();
            }
            if history.opened.is_some() {
                opened_ui(ui, history);
            }
            message_ui(ui, history);
        });
}

fn message_ui(ui: &mut egui::Ui, history: &History) {
    if let Some(message) = &history.message {
        let colour = if message.error {
            theme::ERROR
        } else {
            theme::GOOD
        };
        ui.colored_label(colour, &message.text);
    }
}

/// A plot with a legend that does not zoom or pan, whose whole x values are categories named
/// by `labels` (the 7-day chart's days, the trend's visits).
fn category_plot(
    id: &'static str,
    height: f32,
    y_label: &'static str,
    labels: Vec<String>,
    legend: egui_plot::Legend,
) -> egui_plot::Plot<'static> {
    egui_plot::Plot::new(id)
        .height(height)
        .legend(legend)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .y_axis_label(y_label)
        .x_axis_formatter(move |mark, _| {
            let index = mark.value.round();
            if (mark.value - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            labels.get(index as usize).cloned().unwrap_or_default()
        })
}

/// The last days as bars: monitored and forward-head minutes side by side per day.
fn chart_ui(ui: &mut egui::Ui, days: &[DayTotals]) {
    use egui_plot::{Bar, BarChart};
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
    category_plot(
        "days_chart",
        140.0,
        "min",
        labels,
        egui_plot::Legend::default(),
    )
    .include_y(0.0)
    .show(ui, |plot_ui| {
        plot_ui.bar_chart(monitored);
        plot_ui.bar_chart(forward);
    });
}

/// What was clicked in the list.
#[derive(Default)]
struct Chosen {
    session: Option<SessionId>,
    subject: Option<String>,
}

/// One entry per session (the side panel is narrow): date, kind and subject; source,
/// duration, mean CVA and forward-head time; the notes' first line.
fn list_ui(ui: &mut egui::Ui, lines: &[SessionOverview], chosen: &mut Chosen) {
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            ui.separator();
        }
        let info = &line.info;
        ui.horizontal_wrapped(|ui| {
            ui.strong(date_text(&info.started_at));
            ui.label(info.kind.label());
            if let Some(code) = &info.subject
                && ui
                    .link(subject_label(code))
                    .on_hover_text("Show this subject's visits and CVA trend")
                    .clicked()
            {
                chosen.subject = Some(code.clone());
            }
            if ui.button(open_label(info.id)).clicked() {
                chosen.session = Some(info.id);
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(&info.source);
            ui.label(duration_text(line.duration_s));
            ui.weak("CVA");
            ui.label(
                line.cva_mean_deg
                    .map_or_else(|| "–".to_owned(), |cva| format!("{cva:.1}°")),
            );
            ui.weak("forward head");
            ui.label(format!("{:.1} min", line.forward_head_s as f64 / 60.0));
        });
        if let Some(notes) = info
            .notes
            .as_deref()
            .filter(|notes| !notes.trim().is_empty())
        {
            ui.label(egui::RichText::new(note_preview(notes)).italics())
                .on_hover_text(notes);
        }
    }
}

/// The shown subject's visits: the CVA trend, the visit table and the notes.
fn visits_ui(ui: &mut egui::Ui, history: &mut History) {
    let Some(shown) = &history.subject else {
        return;
    };
    let mut hide = false;
    ui.horizontal(|ui| {
        ui.strong(visits_title(&shown.code));
        hide = ui.button(HIDE_VISITS).clicked();
    });
    match &shown.visits {
        None => {
            ui.label(WORKING);
        }
        Some(Err(message)) => {
            ui.colored_label(theme::ERROR, message);
        }
        Some(Ok(visits)) if visits.is_empty() => {
            ui.label(NO_VISITS);
        }
        Some(Ok(visits)) => {
            trend_ui(ui, &VisitTrend::of(visits));
            ui.small(trend_caption());
            egui::ScrollArea::horizontal()
                .id_salt("visit_table")
                .show(ui, |ui| {
                    egui::Grid::new("visit_grid")
                        .num_columns(VISIT_COLUMNS.len())
                        .striped(true)
                        .show(ui, |ui| {
                            for head in VISIT_COLUMNS {
                                ui.strong(head);
                            }
                            ui.end_row();
                            for line in visit_lines(&shown.code, visits) {
                                for cell in VisitLine::cells(line) {
                                    ui.label(cell);
                                }
                                ui.end_row();
                            }
                        });
                });
            ui.small(change_legend());
            for (session, note) in visit_notes(visits) {
                ui.label(format!("Session {session}: {note}"));
            }
        }
    }
    if hide {
        history.subject = None;
    }
}

/// The trend of [`VisitTrend`] with `egui_plot`: each baseline's MDC band, the ± 1 SD bars,
/// the means joined by a line, baselines and follow-ups as their own series.
fn trend_ui(ui: &mut egui::Ui, trend: &VisitTrend) {
    use egui_plot::{Line, MarkerShape, Points, Polygon};
    let labels: Vec<String> = trend
        .labels
        .iter()
        .map(|(day, role)| format!("{}\n{}", day.get(5..).unwrap_or(day), role.label()))
        .collect();
    let last = trend.labels.len().max(1) as f64 - 0.5;
    let baseline_colour = ui.visuals().strong_text_color();
    // Small and see-through, at the bottom right: where a trend that improves leaves room.
    let legend = egui_plot::Legend::default()
        .text_style(egui::TextStyle::Small)
        .background_alpha(0.6)
        .follow_insertion_order(true)
        .position(egui_plot::Corner::RightBottom);
    category_plot("visit_trend", 200.0, "CVA (°)", labels, legend)
        .include_x(-0.5)
        .include_x(last)
        .show(ui, |plot_ui| {
            for (i, band) in trend.bands.iter().enumerate() {
                let (left, right) = (band.from as f64 - 0.5, band.to as f64 - 0.5);
                let corners = vec![
                    [left, band.low()],
                    [right, band.low()],
                    [right, band.high()],
                    [left, band.high()],
                ];
                plot_ui.polygon(
                    Polygon::new(mdc_band_name(), corners)
                        .fill_color(theme::GOOD.gamma_multiply(0.25))
                        .stroke(egui::Stroke::NONE)
                        .id(("mdc_band", i)),
                );
            }
            for point in trend.points.iter().filter(|point| point.sd > 0.0) {
                let x = point.index as f64;
                plot_ui.line(
                    Line::new(
                        SD_BAR,
                        vec![[x, point.mean - point.sd], [x, point.mean + point.sd]],
                    )
                    .color(theme::MUTED)
                    .id(("sd_bar", point.index)),
                );
            }
            let means: Vec<[f64; 2]> = trend
                .points
                .iter()
                .map(|point| [point.index as f64, point.mean])
                .collect();
            // Unnamed: the line only joins the visits' dots (no legend entry of its own).
            plot_ui.line(Line::new("", means).color(theme::PLOT_HIP).id("trend_mean"));
            for (role, shape, colour) in [
                (VisitRole::Baseline, MarkerShape::Square, baseline_colour),
                (VisitRole::FollowUp, MarkerShape::Circle, theme::PLOT_HIP),
            ] {
                let points: Vec<[f64; 2]> = trend
                    .points
                    .iter()
                    .filter(|point| point.role == role)
                    .map(|point| [point.index as f64, point.mean])
                    .collect();
                if !points.is_empty() {
                    plot_ui.points(
                        Points::new(role.label(), points)
                            .shape(shape)
                            .filled(true)
                            .radius(5.0)
                            .color(colour),
                    );
                }
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
        info.kind.label(),
        date_text(&info.started_at)
    ));
    if let Some(code) = &info.subject {
        ui.label(subject_label(code));
    }
    if let Some(notes) = info
        .notes
        .as_deref()
        .filter(|notes| !notes.trim().is_empty())
    {
        ui.label(format!("Notes: {}", notes.trim()));
    }
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
    ui.label(REPORT_HEADER);
    egui::Grid::new("report_header")
        .num_columns(2)
        .show(ui, |ui| {
            for (field, text) in HeaderField::ALL.into_iter().zip(&mut history.header) {
                let label = ui.label(field.label());
                let hint = if field == HeaderField::Title {
                    DEFAULT_TITLE
                } else {
                    ""
                };
                ui.add(egui::TextEdit::singleline(text).hint_text(hint))
                    .labelled_by(label.id);
                ui.end_row();
            }
        });
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
    use crate::store::{Hold, NewSession, SessionKind};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    /// A standard hold of subject P1 (10 s, CVA `cva` ± 1.0 over 100 frames) with `notes`.
    fn hold(role: VisitRole, cva: f64, notes: &str) -> Hold {
        let mut hold = crate::store::visits::test_hold(role, cva, 10);
        hold.session.notes = Some(notes.into());
        hold
    }

    /// A database with P1's baseline (session 1), P1's follow-up (session 2) and a monitor
    /// session without a subject (session 3).
    fn visits_database(dir: &Path) -> PathBuf {
        let path = dir.join("s.sqlite");
        let mut store = Store::open(&path).expect("a new database");
        store
            .save_hold(&hold(
                VisitRole::Baseline,
                50.0,
                "first visit, neck pain 6/10",
            ))
            .expect("baseline");
        // Holds are ordered by their millisecond stamp.
        std::thread::sleep(Duration::from_millis(5));
        store
            .save_hold(&hold(VisitRole::FollowUp, 46.0, "after four weeks"))
            .expect("follow-up");
        store
            .start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))
            .expect("monitor");
        path
    }

    fn harness(history: History) -> Harness<'static, History> {
        Harness::builder()
            .with_size([900.0, 1400.0])
            .with_max_steps(16)
            .build_ui_state(ui, history)
    }

    /// Draws the panel and takes the answers of its background jobs, three rounds (a click,
    /// its read, a read that one starts).
    fn settle(harness: &mut Harness<'static, History>) {
        for _ in 0..3 {
            harness.run();
            let done = harness.state_mut().wait(Duration::from_secs(20));
            assert!(done, "the history panel stayed busy");
        }
        harness.run();
    }

    #[test]
    fn the_list_shows_kind_subject_and_notes_and_a_subject_shows_its_trend() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut harness = harness(History::new(Some(visits_database(dir.path()))));
        settle(&mut harness);
        for kind in ["baseline", "follow-up", "monitor"] {
            assert_eq!(harness.query_all_by_label(kind).count(), 1, "{kind}");
        }
        assert_eq!(
            harness.query_all_by_label(&subject_label("P1")).count(),
            2,
            "both visits name their subject; the monitor session has none"
        );
        harness.get_by_label("first visit, neck pain 6/10");
        harness.get_by_label("after four weeks");
        assert!(harness.state().subject.is_none(), "no subject chosen yet");

        harness
            .query_all_by_label(&subject_label("P1"))
            .next()
            .expect("a subject link")
            .click();
        settle(&mut harness);
        harness.get_by_label(&visits_title("P1"));
        // The trend's series (the legend) and the visit table, both visits in it.
        harness.get_by_label(&mdc_band_name());
        for role in [VisitRole::Baseline, VisitRole::FollowUp] {
            // In the list, in the visit table, and the trend's series of its dots.
            assert_eq!(
                harness.query_all_by_label(role.label()).count(),
                3,
                "{role:?}"
            );
        }
        harness.get_by_label(SD_BAR);
        harness.get_by_label("50.0 ± 1.0 (100)");
        harness.get_by_label("46.0 ± 1.0 (100)");
        harness.get_by_label("-4.0 vs 1: within measurement error");
        harness.get_by_label("Session 1: first visit, neck pain 6/10");
        let shown = harness.state().subject.clone().expect("shown");
        let visits = shown.visits.expect("read").expect("no error");
        let trend = VisitTrend::of(&visits);
        let points: Vec<(VisitRole, f64)> = trend.points.iter().map(|p| (p.role, p.mean)).collect();
        assert_eq!(
            points,
            [(VisitRole::Baseline, 50.0), (VisitRole::FollowUp, 46.0)]
        );

        // A visit stored meanwhile shows after a refresh.
        std::thread::sleep(Duration::from_millis(5));
        let db = harness.state().db.clone().expect("a database");
        Store::open(&db)
            .and_then(|mut store| store.save_hold(&hold(VisitRole::FollowUp, 52.0, "later")))
            .expect("a second follow-up");
        harness.get_by_label(REFRESH).click();
        settle(&mut harness);
        harness.get_by_label("52.0 ± 1.0 (100)");
        harness.get_by_label("Session 4: later");

        // Hidden, then shown again by opening one of the subject's sessions.
        harness.get_by_label(HIDE_VISITS).click();
        harness.run();
        assert!(harness.query_by_label(&visits_title("P1")).is_none());
        harness.get_by_label(&open_label(SessionId(2))).click();
        settle(&mut harness);
        harness.get_by_label_contains("Session 2 (follow-up), ");
        harness.get_by_label("Notes: after four weeks");
        harness.get_by_label(&visits_title("P1"));
    }

    #[test]
    fn report_fields_typed_in_the_window_reach_the_written_report() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut history = History::new(Some(visits_database(dir.path())));
        history.out_dir = dir.path().join("reports").display().to_string();
        let mut harness = harness(history);
        settle(&mut harness);
        harness.get_by_label(&open_label(SessionId(1))).click();
        settle(&mut harness);
        for (field, text) in [
            (HeaderField::Title, "Workstation review"),
            (HeaderField::Client, "Acme Ltd"),
            (HeaderField::Assessor, "J. Doe"),
        ] {
            harness.get_by_label(field.label()).focus();
            harness.run();
            harness.get_by_label(field.label()).type_text(text);
            harness.run();
        }
        harness.get_by_label(WRITE_REPORT).click();
        settle(&mut harness);
        let path = dir.path().join("reports/plumbline-session-1-report.html");
        harness.get_by_label(&format!("Wrote {}", path.display()));
        let html = std::fs::read_to_string(&path).expect("written");
        assert!(html.contains("<title>Workstation review</title>"), "title");
        assert!(html.contains("<dt>Client</dt><dd>Acme Ltd</dd>"), "client");
        assert!(
            html.contains("<dt>Assessor</dt><dd>J. Doe</dd>"),
            "assessor"
        );
        assert!(
            !html.contains("<dt>Site</dt>"),
            "a field left blank is not printed"
        );
        let mode = std::fs::metadata(&path)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable only by the user");

        // Kept for the next report while the window runs; checked before anything is written.
        harness.get_by_label(&open_label(SessionId(3))).click();
        settle(&mut harness);
        assert_eq!(harness.state().header[1], "Acme Ltd");
        harness.state_mut().header[2] = "x".repeat(201);
        harness.get_by_label(WRITE_REPORT).click();
        settle(&mut harness);
        harness.get_by_label("Report header: Site: must be 1 to 200 characters, got 201");
        assert!(
            !dir.path()
                .join("reports/plumbline-session-3-report.html")
                .exists()
        );
    }

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
    fn notes_show_their_first_line_cut_to_the_preview_length() {
        assert_eq!(note_preview("  pain 2/10 "), "pain 2/10");
        assert_eq!(note_preview("pain 2/10\nsecond line"), "pain 2/10…");
        let long = "x".repeat(NOTE_PREVIEW_CHARS + 5);
        let preview = note_preview(&long);
        assert_eq!(preview.chars().count(), NOTE_PREVIEW_CHARS + 1);
        assert!(preview.ends_with('…'));
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
