//! Review mode: a recording (video file, image or folder of pictures) opened in the window,
//! analyzed once and then played, paused, stepped frame by frame and seeked, with the
//! skeleton and CVA on the shown frame, the time plot of the whole recording under it (a
//! cursor on the shown frame; a click seeks) and the shown frame's values beside it.
//!
//! - The analysis runs once per opened recording ([`Analysis`]: `plumbline analyze`'s
//!   pipeline, every frame) and is kept while the window runs (the last
//!   [`KEEP_RECORDINGS`] recordings; opening an unchanged file again reuses it). Seeking
//!   and stepping only read its results.
//! - Pixels are decoded again on demand ([`FrameServer`]: a seek in the decoder), kept in a
//!   small cache in memory, and never written anywhere.
//! - A recording is opened from its path (the text field, `plumbline --review PATH`) or with
//!   the desktop's file dialog (`rfd` over the XDG desktop portal, docs/RECORDS.md).
//! - A video under review can be exported annotated and anonymised ([`ExportForm`], as
//!   `plumbline annotate` writes it) on a background thread.

mod analysis;
mod export;
mod frames;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crossbeam_channel::Receiver;
use egui_plot::{PlotPoint, PlotTransform, VLine};

pub use analysis::{Analysis, Progress, ReviewFrame};
pub use export::{
    CANCEL_EXPORT, EXPORT, EXPORT_CHOOSE, EXPORT_PATH_FIELD, Export, ExportForm, ExportOutcome,
    KEEP_FACES, NO_OVERLAY, REPLACE, suggested_path,
};
pub use frames::{CACHE_FRAMES, FrameServer};

use crate::capture::{IMAGE_EXTENSIONS, SourceSpec, VIDEO_EXTENSIONS};
use crate::pipeline::{AnalysisOptions, Analyzed};
use crate::pose::ModelChoice;
use crate::posture::{Baseline, PostureConfig, PostureEvent};

use super::state::HistoryPoint;
use super::video::{self, Overlay};
use super::{metrics, plot, status, theme};

/// Playback speeds offered, times the recording's own speed.
pub const SPEEDS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// Label of the play button (also its accessible name).
pub const PLAY: &str = "Play";
/// Label of the pause button.
pub const PAUSE: &str = "Pause";
/// Label of the step-back button.
pub const PREVIOUS_FRAME: &str = "Previous frame";
/// Label of the step-forward button.
pub const NEXT_FRAME: &str = "Next frame";
/// Label of the seek bar.
pub const SEEK: &str = "Position";
/// Label of the button that opens the path typed in the field.
pub const OPEN: &str = "Open";
/// Label of the button that opens the desktop's file dialog for a file.
pub const CHOOSE_FILE: &str = "Choose a file…";
/// Label of the button that opens the desktop's file dialog for a folder.
pub const CHOOSE_FOLDER: &str = "Choose a folder…";
/// Label of the path field.
pub const PATH_FIELD: &str = "Recording: a video file, a picture or a folder of pictures";
/// Label of the button that closes the shown recording.
pub const CLOSE: &str = "Close this recording";

/// Recordings the window keeps analyzed (opening one more forgets the oldest).
pub const KEEP_RECORDINGS: usize = 4;

/// A file as it was when it was analyzed: a changed file is analyzed again.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileIdentity {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileIdentity {
    fn of(path: &Path) -> std::io::Result<Self> {
        let metadata = std::fs::metadata(path)?;
        Ok(Self {
            path: std::fs::canonicalize(path)?,
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// Playing since `wall` from the recording's time `from_ms`.
#[derive(Clone, Copy, Debug)]
struct Playback {
    wall: Instant,
    from_ms: f64,
}

/// One opened recording: its analysis, the cursor and what is shown.
pub struct Review {
    identity: FileIdentity,
    analysis: Analysis,
    frames: Vec<ReviewFrame>,
    events: Vec<PostureEvent>,
    history: Vec<HistoryPoint>,
    /// Index into `frames` of the frame the controls act on.
    cursor: usize,
    playing: Option<Playback>,
    speed: f64,
    server: Option<FrameServer>,
    /// Why frames cannot be shown, if they cannot.
    frame_error: Option<String>,
    /// The frame on screen with its analysis.
    shown: Option<Analyzed>,
    texture: Option<egui::TextureHandle>,
    /// The frame in `texture`.
    texture_seq: Option<u64>,
    /// Where the plot drew its cursor (seconds), as last drawn.
    plot_cursor_s: Option<f64>,
    plot_transform: Option<PlotTransform>,
}

impl std::fmt::Debug for Review {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review")
            .field("path", &self.identity.path)
            .field("frames", &self.frames.len())
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

impl Review {
    fn start(
        identity: FileIdentity,
        spec: &SourceSpec,
        setup: &Setup,
        wake: &Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let analysis = Analysis::start(
            spec.clone(),
            setup.models_dir.clone(),
            setup.options(spec),
            Arc::clone(wake),
        );
        let (server, frame_error) = match FrameServer::start(spec.clone(), Arc::clone(wake)) {
            Ok(server) => (Some(server), None),
            Err(err) => (None, Some(err)),
        };
        Self {
            identity,
            analysis,
            frames: Vec::new(),
            events: Vec::new(),
            history: Vec::new(),
            cursor: 0,
            playing: None,
            speed: 1.0,
            server,
            frame_error,
            shown: None,
            texture: None,
            texture_seq: None,
            plot_cursor_s: None,
            plot_transform: None,
        }
    }

    /// The recording's path.
    pub fn path(&self) -> &Path {
        &self.identity.path
    }

    /// Analyzed frames so far.
    pub fn frames(&self) -> &[ReviewFrame] {
        &self.frames
    }

    /// Where the analysis is.
    pub fn progress(&self) -> Progress {
        self.analysis.progress()
    }

    /// Every frame's results once the analysis has seen the whole recording and all of them
    /// were taken in (`None` while it runs, or when it stopped early).
    pub fn complete_frames(&self) -> Option<&[ReviewFrame]> {
        // Done is set after the last frame is handed over: with it, the count is final.
        let complete = self.progress() == Progress::Done
            && !self.frames.is_empty()
            && self.frames.len() as u64 == self.analyzed_frames();
        complete.then_some(self.frames.as_slice())
    }

    /// Frames the pose engine analyzed for this recording, all told: each frame once,
    /// however often it is shown.
    pub fn analyzed_frames(&self) -> u64 {
        self.analysis.analyzed_frames()
    }

    /// Frames decoded for display so far.
    pub fn decoded_frames(&self) -> u64 {
        self.server.as_ref().map_or(0, FrameServer::decoded)
    }

    /// The frame the controls act on.
    pub fn cursor_frame(&self) -> Option<&ReviewFrame> {
        self.frames.get(self.cursor)
    }

    /// The frame on screen, with its analysis.
    pub fn shown(&self) -> Option<&Analyzed> {
        self.shown.as_ref()
    }

    /// Where the plot's cursor was drawn, seconds of the recording.
    pub fn plot_cursor_s(&self) -> Option<f64> {
        self.plot_cursor_s
    }

    /// The screen position of time `t_s` on the plot's time axis (at the middle of its
    /// value range), as last drawn.
    pub fn plot_position(&self, t_s: f64) -> Option<egui::Pos2> {
        let transform = self.plot_transform.as_ref()?;
        let bounds = transform.bounds();
        let y = f64::midpoint(bounds.min()[1], bounds.max()[1]);
        Some(transform.position_from_point(&PlotPoint::new(t_s, y)))
    }

    /// Whether it is playing.
    pub fn is_playing(&self) -> bool {
        self.playing.is_some()
    }

    /// The playback speed, times the recording's own.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Sets the playback speed to one of [`SPEEDS`]; another value is refused with the
    /// range in the message.
    pub fn set_speed(&mut self, speed: f64) -> Result<(), String> {
        if !SPEEDS.iter().any(|s| (s - speed).abs() < 1e-9) {
            return Err(format!(
                "the playback speed must be one of 0.25, 0.5, 1, 2 or 4 times, got {speed}"
            ));
        }
        self.restart_clock();
        self.speed = speed;
        Ok(())
    }

    /// Plays from the cursor (from the start when at the end).
    pub fn play(&mut self) {
        if self.frames.is_empty() {
            return;
        }
        if self.cursor + 1 >= self.frames.len() && self.progress() == Progress::Done {
            self.cursor = 0;
        }
        self.playing = Some(Playback {
            wall: Instant::now(),
            from_ms: self.frames[self.cursor].t_ms,
        });
    }

    /// Pauses on the frame the cursor is on.
    pub fn pause(&mut self) {
        self.playing = None;
    }

    /// Moves the cursor `delta` frames (pauses first).
    pub fn step(&mut self, delta: isize) {
        self.pause();
        let last = self.frames.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    /// Moves the cursor to frame index `index` (clamped).
    pub fn seek_index(&mut self, index: usize) {
        self.cursor = index.min(self.frames.len().saturating_sub(1));
        self.restart_clock();
    }

    /// Moves the cursor to the analyzed frame nearest to `t_s` seconds.
    pub fn seek_time(&mut self, t_s: f64) {
        let t_ms = t_s * 1000.0;
        let after = self.frames.partition_point(|frame| frame.t_ms < t_ms);
        let index = match (after.checked_sub(1), self.frames.get(after)) {
            (Some(before), Some(next)) if next.t_ms - t_ms < t_ms - self.frames[before].t_ms => {
                after
            }
            (Some(before), _) => before,
            (None, _) => 0,
        };
        self.seek_index(index);
    }

    /// A playing review goes on from the cursor (after a seek or a speed change).
    fn restart_clock(&mut self) {
        if let (Some(playback), Some(frame)) = (&mut self.playing, self.frames.get(self.cursor)) {
            *playback = Playback {
                wall: Instant::now(),
                from_ms: frame.t_ms,
            };
        }
    }

    /// The baseline the judge measured the frame at `t_ms` against (learned or calibrated
    /// before it), if any.
    pub fn baseline_at(&self, t_ms: f64) -> Option<&Baseline> {
        self.events
            .iter()
            .take_while(|event| event.t_ms() <= t_ms)
            .filter_map(|event| match event {
                PostureEvent::Calibrated { baseline, .. }
                | PostureEvent::Learned { baseline, .. } => Some(baseline),
                _ => None,
            })
            .last()
    }

    /// Per repaint: new results, playback, the shown frame and its texture.
    fn logic(&mut self, ctx: &egui::Context) {
        let news = self.analysis.poll();
        self.history.extend(
            news.frames
                .iter()
                .map(|frame| HistoryPoint::from_sample(&frame.sample)),
        );
        self.frames.extend(news.frames);
        self.events.extend(news.events);
        if let Some(playback) = self.playing {
            let due_ms =
                playback.from_ms + playback.wall.elapsed().as_secs_f64() * 1000.0 * self.speed;
            let due = self.frames.partition_point(|frame| frame.t_ms <= due_ms);
            self.cursor = due.saturating_sub(1).max(self.cursor);
            if due >= self.frames.len() && self.progress() != Progress::Running {
                self.cursor = self.frames.len().saturating_sub(1);
                self.pause();
            }
            ctx.request_repaint();
        }
        self.fetch_shown();
        self.upload_texture(ctx);
    }

    /// Shows the cursor's frame once decoded; while playing, a decoded frame just before it
    /// stands in (so a slow decoder shows fewer frames, never none).
    fn fetch_shown(&mut self) {
        let Some(server) = &mut self.server else {
            return;
        };
        for err in server.poll() {
            self.frame_error = Some(err.to_string());
        }
        let Some(target) = self.frames.get(self.cursor) else {
            return;
        };
        if self
            .shown
            .as_ref()
            .is_some_and(|shown| shown.frame.seq == target.seq)
        {
            return;
        }
        let frame = match server.get(target.seq, target.t_ms) {
            Some(frame) => Some(frame),
            None if self.playing.is_some() => server.newest_up_to(target.seq).filter(|frame| {
                self.shown
                    .as_ref()
                    .is_none_or(|shown| frame.seq > shown.frame.seq)
            }),
            None => None,
        };
        let Some(frame) = frame else {
            return;
        };
        let Ok(index) = self.frames.binary_search_by_key(&frame.seq, |f| f.seq) else {
            return;
        };
        let found = &self.frames[index];
        self.frame_error = None;
        self.shown = Some(Analyzed {
            frame,
            estimate: found.estimate.clone(),
            sample: found.sample.clone(),
        });
    }

    fn upload_texture(&mut self, ctx: &egui::Context) {
        let Some(shown) = &self.shown else {
            return;
        };
        if self.texture_seq == Some(shown.frame.seq) {
            return;
        }
        video::upload(ctx, &mut self.texture, "review", &shown.frame.image);
        self.texture_seq = Some(shown.frame.seq);
    }
}

/// Every recording opened in this window, the open form and the file dialog.
pub struct Reviews {
    /// What the reviews and their exports run with.
    setup: Setup,
    /// Opened recordings, most recently shown last.
    opened: Vec<Review>,
    /// The path field.
    pub path_text: String,
    /// A path to open at the next repaint (`--review`, tests).
    requested: Option<PathBuf>,
    /// The file dialog's answer, while it is open.
    dialog: Option<Receiver<Option<PathBuf>>>,
    /// What went wrong when opening, until the next open.
    pub message: Option<String>,
    /// The annotated-video export of the recording on screen.
    pub export: ExportForm,
    analyses_started: u64,
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for Reviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviews")
            .field("opened", &self.opened)
            .field("analyses_started", &self.analyses_started)
            .finish_non_exhaustive()
    }
}

impl Default for Reviews {
    fn default() -> Self {
        Self::new(None, ModelChoice::default(), PostureConfig::default())
    }
}

impl Reviews {
    /// Reviews analyzed with the landmark `model` from `models_dir` (`None`: the
    /// installation's models) and judged by `posture`.
    pub fn new(models_dir: Option<PathBuf>, model: ModelChoice, posture: PostureConfig) -> Self {
        Self {
            setup: Setup {
                models_dir,
                model,
                posture,
            },
            opened: Vec::new(),
            path_text: String::new(),
            requested: None,
            dialog: None,
            message: None,
            export: ExportForm::default(),
            analyses_started: 0,
            wake: None,
        }
    }

    /// Wakes through `wake` when results, frames or the file dialog's answer arrive (the
    /// window's [`crate::ui::Wake`]; without one the first repaint's context is used).
    pub fn set_wake(&mut self, wake: Arc<dyn Fn() + Send + Sync>) {
        self.wake = Some(wake);
    }

    /// The window closed: its textures went with its GL context; the next window uploads
    /// the shown frames again.
    pub fn window_closed(&mut self) {
        for review in &mut self.opened {
            review.texture = None;
            review.texture_seq = None;
        }
    }

    /// Opens `path` at the next repaint.
    pub fn request_open(&mut self, path: PathBuf) {
        self.path_text = path.display().to_string();
        self.requested = Some(path);
    }

    /// The recording on screen.
    pub fn current(&self) -> Option<&Review> {
        self.opened.last()
    }

    /// The recording on screen, to drive it.
    pub fn current_mut(&mut self) -> Option<&mut Review> {
        self.opened.last_mut()
    }

    /// Analyzes started in this window (an unchanged file opened again starts none).
    pub fn analyses_started(&self) -> u64 {
        self.analyses_started
    }

    /// Per repaint: the requested or chosen path is opened, the shown recording advances.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.wake.is_none() {
            let ctx = ctx.clone();
            self.wake = Some(Arc::new(move || ctx.request_repaint()));
        }
        if let Some(dialog) = &self.dialog {
            match dialog.try_recv() {
                Ok(answer) => {
                    self.dialog = None;
                    // `None`: cancelled, or no dialog could be shown.
                    if let Some(path) = answer {
                        self.requested = Some(path);
                    }
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.dialog = None;
                    self.message =
                        Some("the file dialog failed; type or paste the path instead".to_owned());
                }
            }
        }
        if let Some(path) = self.requested.take() {
            self.path_text = path.display().to_string();
            self.open(&path);
        }
        if let Some(review) = self.opened.last_mut() {
            review.logic(ctx);
        }
        if let Some(wake) = &self.wake {
            let current = self.opened.last();
            self.export.logic(
                current.map(|review| review.identity.path.as_path()),
                &export_with(&self.setup, current, wake),
            );
        }
    }

    /// Opens `path`: the analysis kept from before when the file is unchanged, a new one
    /// otherwise.
    fn open(&mut self, path: &Path) {
        self.message = None;
        let identity = match FileIdentity::of(path) {
            Ok(identity) => identity,
            Err(err) => {
                self.message = Some(format!("cannot open {}: {err}", path.display()));
                return;
            }
        };
        if let Some(at) = self.opened.iter().position(|r| r.identity == identity) {
            let review = self.opened.remove(at);
            self.opened.push(review);
            return;
        }
        let spec = match SourceSpec::parse(&identity.path.to_string_lossy()) {
            Ok(spec) if spec.is_recording() => spec,
            Ok(_) => {
                self.message = Some("review needs a recording, not a camera".into());
                return;
            }
            Err(err) => {
                self.message = Some(err.to_string());
                return;
            }
        };
        let Some(wake) = self.wake.clone() else {
            return;
        };
        // An older analysis of the same path (the file changed) is dropped, and beyond
        // KEEP_RECORDINGS the oldest.
        self.opened
            .retain(|review| review.identity.path != identity.path);
        if self.opened.len() >= KEEP_RECORDINGS {
            self.opened.remove(0);
        }
        self.analyses_started += 1;
        self.opened
            .push(Review::start(identity, &spec, &self.setup, &wake));
    }

    /// Opens the desktop's file dialog on its own thread (it blocks until answered).
    fn choose(&mut self, folder: bool) {
        let asked = ask_on_dialog_thread(
            move || {
                let mut extensions: Vec<&str> = VIDEO_EXTENSIONS.to_vec();
                extensions.extend(IMAGE_EXTENSIONS);
                let dialog = rfd::FileDialog::new().set_title("Open a recording to review");
                if folder {
                    dialog.pick_folder()
                } else {
                    dialog
                        .add_filter("Videos and pictures", &extensions)
                        .pick_file()
                }
            },
            self.wake.clone(),
        );
        match asked {
            Ok(answer) => self.dialog = Some(answer),
            Err(err) => self.message = Some(format!("cannot open the file dialog: {err}")),
        }
    }

    fn close_current(&mut self) {
        self.opened.pop();
    }
}

/// What a review's analysis and the export of its annotated video run with: the landmark
/// model from the models' folder and the judge's configuration (the window's one
/// configuration file). One value for both, so the export may draw with the review's
/// results instead of running the model again.
#[derive(Clone, Debug)]
pub(super) struct Setup {
    /// The models' folder (`None`: the installation's).
    pub models_dir: Option<PathBuf>,
    pub model: ModelChoice,
    /// The judge's configuration.
    pub posture: PostureConfig,
}

impl Setup {
    /// How `spec` is analyzed: every frame (a step moves one frame of the recording, and
    /// each has its values; the export writes every frame). One photo is a still, as in
    /// `measure`: detected on its own, its view from itself alone. A folder is a frame
    /// sequence, as in `analyze`.
    pub fn options(&self, spec: &SourceSpec) -> AnalysisOptions {
        AnalysisOptions::new(self.model, None, self.posture.clone()).for_source(spec)
    }
}

/// What an export of `review` (the one on screen) starts with: `setup`, and the review's
/// results once it has analyzed every frame.
fn export_with<'a>(
    setup: &'a Setup,
    review: Option<&'a Review>,
    wake: &'a Arc<dyn Fn() + Send + Sync>,
) -> export::StartWith<'a> {
    export::StartWith {
        setup,
        known: review.and_then(Review::complete_frames),
        wake,
    }
}

/// Draws review mode: the open form and the shown frame's values on the right, the controls
/// and the plot at the bottom, the frame in the middle.
pub fn window_ui(ui: &mut egui::Ui, reviews: &mut Reviews) {
    egui::Panel::right("review_side")
        .default_size(440.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                open_ui(ui, reviews);
                if let (Some(review), Some(wake)) = (reviews.opened.last(), &reviews.wake) {
                    ui.separator();
                    export::export_ui(
                        ui,
                        &mut reviews.export,
                        &review.identity.path,
                        &export_with(&reviews.setup, Some(review), wake),
                    );
                    ui.separator();
                    values_ui(ui, review);
                }
            });
        });
    let Some(review) = reviews.current_mut() else {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.centered_and_justified(|ui| {
                ui.label("Open a recording on the right to review it frame by frame.");
            });
        });
        return;
    };
    egui::Panel::bottom("review_plot")
        .default_size(240.0)
        .resizable(true)
        .show(ui, |ui| {
            controls_ui(ui, review);
            plot_ui(ui, review);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        if let Some(err) = &review.frame_error {
            ui.colored_label(theme::CAUTION, err);
        }
        video::ui(
            ui,
            review.shown.as_ref(),
            review.texture.as_ref(),
            Overlay::Skeleton,
        );
    });
}

/// The path field, the dialog buttons and the recordings opened so far.
/// Shows a desktop file dialog (`ask`) on a short-lived `file-dialog` thread, as it blocks
/// until answered; the answer (`None`: cancelled, or no dialog could be shown) comes over
/// the returned channel, and then `wake` is called so the window takes it.
fn ask_on_dialog_thread(
    ask: impl FnOnce() -> Option<PathBuf> + Send + 'static,
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
) -> std::io::Result<Receiver<Option<PathBuf>>> {
    let (answer_tx, answer_rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("file-dialog".into())
        .spawn(move || {
            // The window may be gone.
            let _ = answer_tx.send(ask());
            if let Some(wake) = wake {
                wake();
            }
        })?;
    Ok(answer_rx)
}

fn open_ui(ui: &mut egui::Ui, reviews: &mut Reviews) {
    ui.heading("Review a recording");
    let label = ui.label(PATH_FIELD);
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut reviews.path_text)
                .hint_text("/path/to/recording.mp4")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    let entered = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
    ui.horizontal(|ui| {
        let typed = !reviews.path_text.trim().is_empty();
        if ui.add_enabled(typed, egui::Button::new(OPEN)).clicked() || (entered && typed) {
            reviews.requested = Some(PathBuf::from(reviews.path_text.trim()));
        }
        let idle = reviews.dialog.is_none();
        if ui
            .add_enabled(idle, egui::Button::new(CHOOSE_FILE))
            .clicked()
        {
            reviews.choose(false);
        }
        if ui
            .add_enabled(idle, egui::Button::new(CHOOSE_FOLDER))
            .clicked()
        {
            reviews.choose(true);
        }
    });
    if reviews.dialog.is_some() {
        ui.label(
            egui::RichText::new(
                "Waiting for the file dialog. If none appears (no desktop portal), type or \
                 paste the path above.",
            )
            .weak(),
        );
    }
    if let Some(message) = &reviews.message {
        ui.colored_label(theme::CAUTION, message);
    }
    if reviews.opened.len() > 1 {
        ui.label("Opened in this window (analyzed once, kept until the window closes):");
        let mut switch = None;
        for (index, review) in reviews.opened.iter().enumerate().rev().skip(1) {
            let name = review.path().display().to_string();
            if ui.link(name).clicked() {
                switch = Some(index);
            }
        }
        if let Some(index) = switch {
            let review = reviews.opened.remove(index);
            reviews.opened.push(review);
        }
    }
    if reviews.current().is_some() && ui.button(CLOSE).clicked() {
        reviews.close_current();
    }
}

/// The analysis' progress, then the shown frame's state and measures.
fn values_ui(ui: &mut egui::Ui, review: &Review) {
    match review.progress() {
        Progress::Starting => {
            ui.label("Loading the model and opening the recording…");
        }
        Progress::Running => {
            let analyzed_s = review.frames.last().map_or(0.0, |f| f.t_ms / 1000.0);
            let text = format!(
                "Analyzing every frame: {} frames, {analyzed_s:.1} s so far",
                review.frames.len()
            );
            match review.analysis.duration_s().filter(|d| *d > 0.0) {
                Some(duration) => {
                    ui.add(
                        egui::ProgressBar::new((analyzed_s / duration).clamp(0.0, 1.0) as f32)
                            .text(text),
                    );
                }
                None => {
                    ui.label(text);
                }
            }
        }
        Progress::Done => {
            let frames = match review.frames.len() {
                1 => "1 frame".to_owned(),
                n => format!("{n} frames"),
            };
            ui.label(format!(
                "Analyzed once: {frames} (the model does not run again while you review)"
            ));
        }
        Progress::Failed(failure) => {
            ui.colored_label(
                theme::CAUTION,
                format!(
                    "The analysis stopped after {} frames: {}",
                    review.frames.len(),
                    failure.message
                ),
            );
        }
    }
    ui.heading("This frame");
    let Some(shown) = &review.shown else {
        ui.label("No frame shown yet.");
        return;
    };
    let sample = &shown.sample;
    ui.horizontal(|ui| {
        ui.label(frame_text(shown));
        status::state_badge_ui(ui, sample.state);
    });
    // The three-way forward-head call of this frame, as the live status line shows it.
    if let Some(call) = status::sample_call_text(sample, None) {
        status::call_label(ui, call);
    }
    metrics::frame_ui(
        ui,
        sample,
        shown.estimate.skeleton.is_some(),
        review.baseline_at(sample.t_ms),
    );
}

/// "Frame 12 at 0.400 s" (also the accessible name of the line).
pub fn frame_text(shown: &Analyzed) -> String {
    format!(
        "Frame {} at {:.3} s",
        shown.frame.seq,
        shown.frame.t_ms / 1000.0
    )
}

/// Play/pause, frame steps, speed and the seek bar; Space and the arrow keys too.
fn controls_ui(ui: &mut egui::Ui, review: &mut Review) {
    // Space plays and pauses unless a widget has the keyboard focus (a focused button takes
    // Space itself); the arrows step unless a text field is being typed in.
    let (focused, typing) = (
        ui.ctx().memory(|memory| memory.focused().is_some()),
        ui.ctx().egui_wants_keyboard_input(),
    );
    let (space, left, right) = ui.input(|input| {
        (
            input.key_pressed(egui::Key::Space),
            input.key_pressed(egui::Key::ArrowLeft),
            input.key_pressed(egui::Key::ArrowRight),
        )
    });
    if space && !focused {
        toggle(review);
    }
    if !typing {
        if left {
            review.step(-1);
        }
        if right {
            review.step(1);
        }
    }
    let empty = review.frames.is_empty();
    ui.horizontal(|ui| {
        let label = if review.is_playing() { PAUSE } else { PLAY };
        if ui.add_enabled(!empty, egui::Button::new(label)).clicked() {
            toggle(review);
        }
        if ui
            .add_enabled(review.cursor > 0, egui::Button::new(PREVIOUS_FRAME))
            .clicked()
        {
            review.step(-1);
        }
        if ui
            .add_enabled(
                review.cursor + 1 < review.frames.len(),
                egui::Button::new(NEXT_FRAME),
            )
            .clicked()
        {
            review.step(1);
        }
        ui.separator();
        ui.label("Speed");
        for speed in SPEEDS {
            let selected = (review.speed - speed).abs() < 1e-9;
            if ui.selectable_label(selected, speed_text(speed)).clicked() && !selected {
                // One of SPEEDS: always accepted.
                let _ = review.set_speed(speed);
            }
        }
        ui.separator();
        if let Some(frame) = review.cursor_frame() {
            let total_s = review
                .analysis
                .duration_s()
                .or_else(|| review.frames.last().map(|f| f.t_ms / 1000.0))
                .unwrap_or(0.0);
            ui.label(format!(
                "Frame {} · {} of {}",
                frame.seq,
                status::clock_text(frame.t_ms / 1000.0),
                status::clock_text(total_s)
            ));
        }
    });
    if !empty {
        let mut index = review.cursor;
        let last = review.frames.len() - 1;
        let slider = ui.add(
            egui::Slider::new(&mut index, 0..=last)
                .show_value(false)
                .text(SEEK),
        );
        if slider.changed() {
            review.seek_index(index);
        }
    }
}

fn toggle(review: &mut Review) {
    if review.is_playing() {
        review.pause();
    } else {
        review.play();
    }
}

/// "0.25×", "1×", "4×".
pub fn speed_text(speed: f64) -> String {
    format!("{speed}×")
}

/// The whole recording's plot with a cursor on the shown frame; a click seeks.
fn plot_ui(ui: &mut egui::Ui, review: &mut Review) {
    ui.label(plot::caption(&review.history));
    let cursor_s = review.shown.as_ref().map(|shown| shown.frame.t_ms / 1000.0);
    let end_s = review
        .analysis
        .duration_s()
        .or_else(|| review.history.last().map(|p| p.t_s))
        .unwrap_or(1.0)
        .max(0.1);
    let history = &review.history;
    let response = plot::posture_plot("review_plot")
        .height(ui.available_height().max(120.0))
        .default_x_bounds(0.0, end_s)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show(ui, |plot_ui| {
            plot::draw_series(plot_ui, history);
            if let Some(t_s) = cursor_s {
                plot_ui.vline(VLine::new("Shown frame", t_s).color(theme::CVA).width(2.0));
            }
        });
    review.plot_cursor_s = cursor_s;
    if response.response.clicked()
        && let Some(pos) = response.response.interact_pointer_pos()
    {
        let t_s = response.transform.value_from_position(pos).x;
        review.seek_time(t_s);
    }
    review.plot_transform = Some(response.transform);
}
