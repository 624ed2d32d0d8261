//! The window's state and its two ways of running. [`App::step`] is the window-independent
//! work (drain the pipeline's updates into the state, the recorder and the desk companion,
//! today's totals, timed pauses, `--exit-after`); it runs either in the window's frame loop
//! ([`App::logic_step`], then the egui part: re-upload the video texture only when a new
//! frame arrived, draw, send the controls the panels asked for) or, while plumbline lives
//! only in the tray, in [`App::run_in_tray`] without any window, GL context or event loop.
//! Either repaints/steps only when woken ([`Wake`]): by the pipeline after each update (its
//! `on_update` callback), by a desktop command, by a finished database read, by input, or at
//! a time something is due (a timed pause's end, the calibration countdown, `--exit-after`);
//! never on a fixed idle timer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::pipeline::{Control, ControlError, Failure, FailureKind, SourceStatus, Update};

use super::history::{self, History};
use super::mini::{self, Layout};
use super::review::{self, Reviews};
use super::settings::{self, Settings};
use super::state::UiState;
use super::video::{self, Overlay};
use super::wake::Wake;
use super::{calibration, help, metrics, model_view, plot, problem, status, theme, warning};
use crate::config::Config;
use crate::desktop::{CompanionConfig, DesktopLink, Reaction};
use crate::pipeline::Recorder;
use crate::pipeline::kept::{Keeper, KeptBaseline};
use crate::posture::PostureConfig;
use crate::posture::config::Overrides;
use crate::report::today::Today;

/// Label of the button that hides the recorder's message.
pub const DISMISS: &str = "Dismiss";

/// Shown while recording was asked for but samples are not being saved.
pub const NOT_SAVING: &str = "Samples are not being saved";

/// Where the window's requests go: a channel in tests, the running pipeline in the app.
pub trait ControlSink: Send {
    /// Hands `control` over without blocking the UI for long; the error says why it was not
    /// taken.
    fn send_control(&self, control: Control) -> Result<(), ControlError>;
}

impl ControlSink for Sender<Control> {
    fn send_control(&self, control: Control) -> Result<(), ControlError> {
        self.try_send(control).map_err(|err| match err {
            crossbeam_channel::TrySendError::Full(_) => ControlError::Busy,
            crossbeam_channel::TrySendError::Disconnected(_) => ControlError::Stopped,
        })
    }
}

/// The side panel's tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The metrics panel.
    #[default]
    Measures,
    /// The calibration flow.
    Calibration,
    /// The settings.
    Settings,
    /// What the model sees.
    ModelView,
    /// Stored sessions.
    History,
    /// Review mode: a recording opened frame by frame (`super::review`).
    Review,
    /// Help.
    Help,
}

impl Tab {
    /// All tabs in bar order.
    pub const ALL: [Self; 7] = [
        Self::Measures,
        Self::Calibration,
        Self::Settings,
        Self::ModelView,
        Self::History,
        Self::Review,
        Self::Help,
    ];

    /// The tab's button text (also its accessible name).
    pub fn label(self) -> &'static str {
        match self {
            Self::Measures => "Measures",
            Self::Calibration => "Calibration",
            Self::Settings => "Settings",
            Self::ModelView => "What the model sees",
            Self::History => "Sessions",
            Self::Review => "Review a recording",
            Self::Help => "Help",
        }
    }
}

/// The plumbline window.
pub struct App {
    /// Everything the pipeline told the window.
    pub state: UiState,
    /// The window's preferences.
    pub settings: Settings,
    /// Where the preferences are saved (`None`: not saved).
    settings_path: Option<PathBuf>,
    /// The monitor's configuration as saved (the settings panel edits it).
    pub posture: PostureConfig,
    /// The desk companion's settings as saved, the `[desktop]` table of the same file (the
    /// settings panel edits them).
    pub desktop_config: CompanionConfig,
    /// Where the configuration is saved (`None`: not saved).
    config_path: Option<PathBuf>,
    /// Values the command line set for this run only (shown, never saved).
    overrides: Overrides,
    /// What could not be taken from the settings files, until dismissed.
    pub config_notice: Option<String>,
    updates: Receiver<Update>,
    controls: Box<dyn ControlSink>,
    texture: Option<egui::TextureHandle>,
    texture_seq: Option<u64>,
    texture_uploads: u64,
    /// The selected side-panel tab.
    pub tab: Tab,
    /// Full window or mini mode.
    pub layout: Layout,
    exit_at: Option<Instant>,
    /// Records the session into the database (`None`: not recording).
    recorder: Option<Recorder>,
    /// Keeps the baseline for the next start (`pipeline::kept`).
    keeper: Keeper,
    /// A message from the recorder (database problem, stored baseline) until dismissed.
    pub store_message: Option<String>,
    /// The session history panel.
    pub history: History,
    /// Today's forward-head time, alerts and monitored time (header and tray tooltip).
    today: Today,
    /// How many times `logic_step` ran (one per repaint; tests check the window idles).
    steps: u64,
    /// When `logic_step` last ran, and the longest time between two runs (the idle test).
    rest: (Option<Instant>, Duration),
    /// Recordings opened for review.
    pub reviews: Reviews,
    /// Tray, desktop notifications and screen lock (`None`: not connected).
    desktop: Option<DesktopLink>,
    /// The last autostart error, shown in Settings.
    desktop_message: Option<String>,
    /// Only in the tray: no window (closed with a tray up, or `--background`).
    hidden: bool,
    /// Start in the tray (`--background`).
    start_hidden: bool,
    /// Wakes the window or the tray loop (`None`: tests that drive the app by hand).
    wake: Option<Wake>,
    /// A close that really quits (tray Quit, `--exit-after-seconds`).
    quitting: bool,
    /// What the desktop asked for, carried out in the next `logic_step` (it needs the context).
    pending: Reaction,
    /// Kept alive for as long as the window: dropping them stops the pipeline's threads.
    keep_alive: Vec<Box<dyn Send>>,
}

impl App {
    /// A window fed by `updates` that sends its requests to `controls`.
    pub fn new(
        updates: Receiver<Update>,
        controls: impl ControlSink + 'static,
        settings: Settings,
    ) -> Self {
        Self {
            state: UiState::default(),
            settings,
            settings_path: None,
            posture: PostureConfig::default(),
            desktop_config: CompanionConfig::default(),
            config_path: None,
            overrides: Overrides::default(),
            config_notice: None,
            updates,
            controls: Box::new(controls),
            texture: None,
            texture_seq: None,
            texture_uploads: 0,
            tab: Tab::default(),
            layout: Layout::default(),
            exit_at: None,
            recorder: None,
            keeper: Keeper::disabled(),
            store_message: None,
            history: History::new(None),
            today: Today::new(None, PostureConfig::default().max_frame_gap_s),
            steps: 0,
            rest: (None, Duration::ZERO),
            reviews: Reviews::default(),
            desktop: None,
            desktop_message: None,
            hidden: false,
            start_hidden: false,
            wake: None,
            quitting: false,
            pending: Reaction::default(),
            keep_alive: Vec::new(),
        }
    }

    /// Uses the desktop through `link`: tray, notifications, pause on screen lock, with the
    /// window's configuration.
    #[must_use]
    pub fn with_desktop(mut self, link: DesktopLink) -> Self {
        self.desktop = Some(link);
        self.configure_desktop();
        self
    }

    /// Hands the configuration to the desk companion (its reaction is carried out at the next
    /// logic step).
    fn configure_desktop(&mut self) {
        if let Some(link) = &mut self.desktop {
            let reaction =
                link.companion
                    .configure(self.desktop_config, &self.posture, Instant::now());
            self.pending.merge(reaction);
        }
    }

    /// The desktop link, if connected.
    pub fn desktop(&self) -> Option<&DesktopLink> {
        self.desktop.as_ref()
    }

    /// Records every update through `recorder`; the history panel reads its database.
    #[must_use]
    pub fn with_recorder(mut self, mut recorder: Recorder) -> Self {
        recorder.set_subject(self.settings.subject().map(str::to_owned));
        self.history = History::new(recorder.path().map(Path::to_path_buf));
        self.today = self.new_today();
        self.store_message = recorder.take_message();
        self.recorder = Some(recorder);
        self
    }

    /// Keeps the baseline through `keeper` (loaded before the pipeline started, which
    /// [`Keeper::start`] told): shows which baseline is in use and since when, and what went
    /// wrong with the kept file.
    #[must_use]
    pub fn with_keeper(mut self, keeper: Keeper) -> Self {
        self.keeper = keeper;
        if let Some(kept) = self.keeper.current() {
            self.state.baseline = Some(kept.baseline.clone());
        }
        self.sync_keeper();
        self
    }

    /// The state's "since when" and notice from the keeper.
    fn sync_keeper(&mut self) {
        self.state.baseline_since = self.keeper.current().map(KeptBaseline::since);
        if let Some(message) = self.keeper.take_message() {
            self.state.baseline_notice = Some(message);
        }
    }

    /// Shows the sessions of the database at `db` (`None`: the platform data folder) without
    /// recording.
    #[must_use]
    pub fn with_database(mut self, db: Option<PathBuf>) -> Self {
        self.history = History::new(db);
        self.today = self.new_today();
        self
    }

    /// Today's totals over the history's database with the judge's frame-gap limit.
    fn new_today(&self) -> Today {
        let mut today = Today::new(self.history.db.clone(), self.posture.max_frame_gap_s);
        if let Some(wake) = &self.wake {
            today.set_wake(wake.callback());
        }
        today
    }

    /// Wakes through `wake` when a background read is done (today's totals, a review), so
    /// the window or, without one, the tray loop takes the result.
    #[must_use]
    pub fn with_wake(mut self, wake: Wake) -> Self {
        self.today.set_wake(wake.callback());
        self.reviews.set_wake(wake.callback());
        self.wake = Some(wake);
        self
    }

    /// The header's "today" line: today's forward-head minutes, alerts and monitored time
    /// (stored sessions plus this one), as the tray tooltip shows it.
    pub fn today_text(&self) -> String {
        self.today.line(self.is_recording())
    }

    /// How many times the per-frame work ran (once per repaint).
    pub fn logic_steps(&self) -> u64 {
        self.steps
    }

    /// Whether samples are being saved.
    pub fn is_recording(&self) -> bool {
        self.recorder.as_ref().is_some_and(Recorder::is_saving)
    }

    /// Saves settings changes to `path`.
    #[must_use]
    pub fn with_settings_path(mut self, path: Option<PathBuf>) -> Self {
        self.settings_path = path;
        self
    }

    /// Saves settings changes to `path` from now on.
    pub fn set_settings_path(&mut self, path: Option<PathBuf>) {
        self.settings_path = path;
    }

    /// The monitor's configuration the panel edits, saved to `path`, and the command line's
    /// values for this run.
    #[must_use]
    pub fn with_config(
        mut self,
        config: Config,
        path: Option<PathBuf>,
        overrides: Overrides,
    ) -> Self {
        self.posture = config.posture;
        self.desktop_config = config.desktop;
        self.config_path = path;
        self.overrides = overrides;
        self.today = self.new_today();
        self.configure_desktop();
        self
    }

    /// Saves configuration changes to `path` from now on.
    pub fn set_config_path(&mut self, path: Option<PathBuf>) {
        self.config_path = path;
    }

    /// Reviews recordings with the landmark model of the preferences from `models_dir`;
    /// opens `path` in review mode first, when given (`plumbline --review PATH`).
    #[must_use]
    pub fn with_reviews(mut self, models_dir: Option<PathBuf>, path: Option<PathBuf>) -> Self {
        self.reviews = Reviews::new(models_dir, self.settings.model, self.posture.clone());
        if let Some(wake) = &self.wake {
            self.reviews.set_wake(wake.callback());
        }
        if let Some(path) = path {
            self.reviews.request_open(path);
            self.tab = Tab::Review;
        }
        self
    }

    /// Closes the window after `after` (smoke tests, demos).
    #[must_use]
    pub fn with_exit_after(mut self, after: Option<Duration>) -> Self {
        self.exit_at = after.map(|after| Instant::now() + after);
        self
    }

    /// Keeps `handle` (a pipeline, a sender) alive as long as the window.
    #[must_use]
    pub fn with_pipeline(mut self, handle: Box<dyn Send>) -> Self {
        self.keep_alive.push(handle);
        self
    }

    /// Sequence number of the frame in the video texture.
    pub fn texture_seq(&self) -> Option<u64> {
        self.texture_seq
    }

    /// How many times the video texture was uploaded (once per new frame).
    pub fn texture_uploads(&self) -> u64 {
        self.texture_uploads
    }

    /// Drains every pending update into the state.
    pub fn drain(&mut self) {
        loop {
            match self.updates.try_recv() {
                Ok(update) => {
                    if let Some(recorder) = &mut self.recorder {
                        recorder.record(&update);
                        if let Some(message) = recorder.take_message() {
                            self.store_message = Some(message);
                        }
                    }
                    if matches!(update, Update::Posture(_)) {
                        self.keeper.observe(&update);
                        self.sync_keeper();
                    }
                    if let Some(desktop) = &mut self.desktop {
                        let reaction = desktop.companion.observe(&update, Instant::now());
                        self.pending.merge(reaction);
                    }
                    self.today.tally.observe(&update);
                    self.state.apply(update);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    let expected_end = matches!(
                        self.state.source,
                        SourceStatus::Ended | SourceStatus::Failed(_)
                    );
                    if !expected_end && self.state.failure.is_none() {
                        self.state.failure = Some(Failure::new(
                            FailureKind::Internal,
                            "The analysis threads stopped without a message; the log has the \
                             reason.",
                        ));
                    }
                    break;
                }
            }
        }
    }

    /// The work that needs no window: drains the pipeline's updates (recorder, desk companion,
    /// today's tally, state), takes today's finished read, hands the desktop's commands to the
    /// companion and the resulting controls to the pipeline, and checks `--exit-after`. What
    /// only a window can do (show, calibrate, ask for attention) stays pending for
    /// [`Self::logic_step`]. Returns how long until something is due (a timed pause's end,
    /// the exit time), `None` when only news can change anything.
    pub fn step(&mut self, now: Instant) -> Option<Duration> {
        self.drain();
        self.today.poll(now);
        let mut wait: Option<Duration> = None;
        let mut due = |after: Duration| wait = Some(wait.map_or(after, |w| w.min(after)));
        let today_line = self.today_text();
        if let Some(desktop) = &mut self.desktop {
            desktop.companion.set_today(&today_line, now);
            let reaction = desktop.poll(now);
            self.pending.merge(reaction);
            if let Some(after) = desktop.companion.next_tick(now) {
                due(after);
            }
        }
        self.state
            .outbox
            .extend(std::mem::take(&mut self.pending.controls));
        self.flush();
        if let Some(exit_at) = self.exit_at {
            if now >= exit_at {
                self.quitting = true;
            } else {
                due(exit_at - now);
            }
        }
        self.quitting |= self.pending.quit;
        wait
    }

    /// The per-frame work before drawing: [`Self::step`], then what needs the window: show,
    /// calibrate, attention, close to the tray, the review, the texture, the countdown.
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        self.steps += 1;
        let now = Instant::now();
        if let Some(last) = self.rest.0 {
            self.rest.1 = self.rest.1.max(now - last);
        } else {
            tracing::info!("the window is open");
        }
        self.rest.0 = Some(now);
        tracing::trace!("repaint: {:?}", ctx.repaint_causes());
        if !self.today.has_wake() {
            let ctx = ctx.clone();
            self.today
                .set_wake(std::sync::Arc::new(move || ctx.request_repaint()));
        }
        if let Some(wait) = self.step(now) {
            ctx.request_repaint_after(wait);
        }
        self.react(ctx);
        self.background_step(ctx);
        self.reviews.logic(ctx);
        // Minimised: nothing is drawn, so nothing is uploaded either.
        if self.is_shown(ctx) {
            self.upload_texture(ctx);
        }
        calibration::advance(ctx, &mut self.state);
        if self.quitting {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// What the tray loop does next after one [`Self::step`].
    pub fn tray_step(&mut self, now: Instant) -> InTray {
        let wait = self.step(now);
        if self.quitting {
            InTray::Quit
        } else if self.pending.open_window || self.pending.calibrate || self.pending.attention {
            // Carried out by the window's first logic step (`react`).
            InTray::OpenWindow
        } else {
            InTray::Stay(wait)
        }
    }

    /// Monitors with no window at all (only the tray): steps whenever `woken` says there is
    /// news (an update, a desktop command, a finished read) or something is due, and blocks
    /// in between. Returns true when the window is asked for (the tray's "Open", a
    /// notification's "Open", "Calibrate", an alert without a notification server), false
    /// to quit.
    pub fn run_in_tray(&mut self, woken: &Receiver<()>) -> bool {
        self.hidden = true;
        tracing::info!("monitoring in the tray, no window");
        loop {
            match self.tray_step(Instant::now()) {
                InTray::Quit => return false,
                InTray::OpenWindow => {
                    self.hidden = false;
                    return true;
                }
                InTray::Stay(Some(wait)) => {
                    let _ = woken.recv_timeout(wait);
                }
                InTray::Stay(None) => {
                    if woken.recv().is_err() {
                        // Nobody can wake the loop any more: only a due time could.
                        return false;
                    }
                }
            }
        }
    }

    /// Whether `--background` starts in the tray: asked for, and a tray is up (without one
    /// the window is shown, and the log says why).
    pub fn starts_in_tray(&self) -> bool {
        if !self.start_hidden {
            return false;
        }
        let has_tray = self.has_tray();
        if !has_tray {
            tracing::warn!("--background needs a tray; showing the window instead");
        }
        has_tray
    }

    /// Whether a tray is up.
    fn has_tray(&self) -> bool {
        self.desktop
            .as_ref()
            .is_some_and(|d| d.companion.has_tray())
    }

    /// Whether the window that just closed leaves plumbline in the tray (closed with a tray
    /// up) rather than quitting.
    pub fn goes_to_tray(&self) -> bool {
        self.hidden && !self.quitting
    }

    /// The window is gone (its GL context and textures with it): forgets what lived there,
    /// so the next window starts clean.
    pub fn window_closed(&mut self) {
        tracing::info!(
            "window closed after {} repaints and {} texture uploads; longest rest {:.1} s",
            self.steps,
            self.texture_uploads,
            self.rest.1.as_secs_f64(),
        );
        self.texture = None;
        self.texture_seq = None;
        self.layout = Layout::Full;
        self.rest.0 = None;
        self.reviews.window_closed();
    }

    /// Draws the window, but only while it is on screen: hidden in the tray or minimised there
    /// is nothing to lay out, tessellate or paint (with a software GL that painting cost more
    /// CPU than the whole analysis, docs/MONITOR.md "Figures").
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        if self.is_shown(ui.ctx()) {
            self.show(ui);
        }
    }

    /// Whether the window is on screen (not closing to the tray, not minimised or occluded).
    pub fn is_shown(&self, ctx: &egui::Context) -> bool {
        !self.hidden && ctx.input(|input| input.viewport().visible()) != Some(false)
    }

    /// Whether plumbline is only in the tray (no window, or the window is closing to it).
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Background mode: closing the window with a tray up lets it close (its GL context is
    /// dropped) and plumbline goes on monitoring in the tray ([`Self::goes_to_tray`]);
    /// without a tray closing quits.
    fn background_step(&mut self, ctx: &egui::Context) {
        if !ctx.input(|input| input.viewport().close_requested()) || self.quitting {
            return;
        }
        if self.has_tray() {
            self.hidden = true;
            tracing::info!(
                "the window is closed; plumbline keeps monitoring in the tray (Quit there)"
            );
        } else {
            tracing::warn!("no tray on this desktop: closing the window quits plumbline");
        }
    }

    /// Starts in the tray without a window (`--background`) when a tray is up
    /// ([`Self::starts_in_tray`]).
    #[must_use]
    pub fn with_background(mut self, background: bool) -> Self {
        self.start_hidden = background;
        self
    }

    /// Carries out what the desktop asked for: pipeline controls, show, calibrate, quit, and
    /// without a notification server the urgency hint and the mini window.
    fn react(&mut self, ctx: &egui::Context) {
        let reaction = std::mem::take(&mut self.pending);
        self.state.outbox.extend(reaction.controls);
        // A window opened for this request is on screen already; one that is up may be
        // minimised or behind others.
        if (reaction.open_window || reaction.calibrate) && ctx.cumulative_pass_nr() > 0 {
            self.hidden = false;
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
            ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        if reaction.calibrate {
            self.tab = Tab::Calibration;
            self.set_layout(ctx, Layout::Full);
            let now_s = ctx.input(|input| input.time);
            self.state
                .calibration
                .start(now_s, self.posture.calibration_s);
        }
        if reaction.attention {
            ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                egui::UserAttentionType::Critical,
            ));
            self.set_layout(ctx, Layout::Mini);
        }
        self.flush();
    }

    fn upload_texture(&mut self, ctx: &egui::Context) {
        let Some(analyzed) = &self.state.latest else {
            return;
        };
        if self.texture_seq == Some(analyzed.frame.seq) {
            return;
        }
        video::upload(ctx, &mut self.texture, "video", &analyzed.frame.image);
        self.texture_seq = Some(analyzed.frame.seq);
        self.texture_uploads += 1;
    }

    /// Draws the whole window, then sends the controls the panels queued.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        match self.layout {
            Layout::Full => self.full_ui(ui),
            Layout::Mini => {
                let snooze_minutes = self.snooze_minutes();
                let next = egui::CentralPanel::default()
                    .show(ui, |ui| mini::ui(ui, &mut self.state, snooze_minutes))
                    .inner;
                self.set_layout(ui.ctx(), next);
            }
        }
        if help::notice_ui(ui.ctx(), &mut self.settings.red_flags_acknowledged) {
            self.save_settings();
        }
        self.flush();
    }

    fn set_layout(&mut self, ctx: &egui::Context, layout: Layout) {
        if layout != self.layout {
            self.layout = layout;
            mini::switch(ctx, layout);
        }
    }

    fn full_ui(&mut self, ui: &mut egui::Ui) {
        let mut next_layout = Layout::Full;
        egui::Panel::top("status_bar").show(ui, |ui| {
            status::ui(ui, &mut self.state);
            ui.label(self.today_text());
            self.config_notice_ui(ui);
            self.store_message_ui(ui);
            ui.horizontal(|ui| {
                for tab in Tab::ALL {
                    ui.selectable_value(&mut self.tab, tab, tab.label());
                }
                ui.separator();
                if ui.button(mini::ENTER).clicked() {
                    next_layout = Layout::Mini;
                }
            });
        });
        self.set_layout(ui.ctx(), next_layout);
        if self.tab == Tab::Review {
            // Review mode does not need the live source: shown even when it failed.
            review::window_ui(ui, &mut self.reviews);
            return;
        }
        if let Some(problem) = self.state.problem() {
            egui::CentralPanel::default().show(ui, |ui| problem::ui(ui, &problem));
            return;
        }
        egui::Panel::right("side_panel")
            .default_size(440.0)
            .show(ui, |ui| self.side_ui(ui));
        egui::Panel::bottom("plot_panel")
            .default_size(200.0)
            .resizable(true)
            .show(ui, |ui| plot::ui(ui, &self.state));
        let overlay = if self.tab == Tab::ModelView {
            Overlay::ModelView
        } else {
            Overlay::Skeleton
        };
        egui::CentralPanel::default().show(ui, |ui| {
            video::ui(
                ui,
                self.state.latest.as_deref(),
                self.texture.as_ref(),
                overlay,
            );
        });
        let snooze_minutes = self.snooze_minutes();
        warning::ui(ui, &mut self.state, snooze_minutes);
    }

    fn side_ui(&mut self, ui: &mut egui::Ui) {
        match self.tab {
            Tab::Measures => metrics::ui(ui, &self.state),
            Tab::Calibration => calibration::ui(ui, &mut self.state, self.posture.calibration_s),
            Tab::Settings => {
                let change = settings::ui(
                    ui,
                    &mut self.settings,
                    &mut self.posture,
                    &mut self.desktop_config,
                    &mut self.state.outbox,
                );
                if change.preferences {
                    if let Some(recorder) = &mut self.recorder {
                        recorder.set_subject(self.settings.subject().map(str::to_owned));
                    }
                    self.save_settings();
                }
                if change.config {
                    // A value changed here replaces the command line's for this run.
                    for control in &self.state.outbox {
                        match control {
                            Control::SetOnsetDelay(_) => self.overrides.onset_delay_s = None,
                            Control::SetRate(_) => self.overrides.analysis_rate_fps = None,
                            _ => {}
                        }
                    }
                    self.save_config();
                    self.configure_desktop();
                    self.today.tally.set_max_gap_s(self.posture.max_frame_gap_s);
                }
                self.overrides_ui(ui);
                if let Some(link) = &mut self.desktop {
                    super::desktop::ui(ui, &mut link.companion, &mut self.desktop_message);
                }
            }
            Tab::History => history::ui(ui, &mut self.history),
            // Drawn by `review::window_ui` instead of the live panels.
            Tab::Review => {}
            Tab::ModelView => {
                let estimate = self
                    .state
                    .latest
                    .as_ref()
                    .map(|analyzed| &analyzed.estimate);
                model_view::ui(ui, estimate);
            }
            Tab::Help => help::ui(ui),
        }
    }

    /// Length of a snooze from the configuration, minutes.
    fn snooze_minutes(&self) -> f64 {
        self.posture.snooze_s / 60.0
    }

    /// Says which values the command line set for this run only.
    fn overrides_ui(&self, ui: &mut egui::Ui) {
        let mut parts = Vec::new();
        if let Some(delay) = self.overrides.onset_delay_s {
            parts.push(format!("onset delay {delay} s (--onset-delay)"));
        }
        if let Some(rate) = self.overrides.analysis_rate_fps {
            parts.push(format!("analysis rate {rate} fps (--rate)"));
        }
        if !parts.is_empty() {
            ui.label(
                egui::RichText::new(format!(
                    "This run uses {} from the command line until you change it here.",
                    parts.join(" and ")
                ))
                .weak(),
            );
        }
    }

    /// The settings files' notice (shown until dismissed).
    fn config_notice_ui(&mut self, ui: &mut egui::Ui) {
        let Some(notice) = &self.config_notice else {
            return;
        };
        let mut dismissed = false;
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(theme::CAUTION, notice);
            dismissed = ui.button(DISMISS).clicked();
        });
        if dismissed {
            self.config_notice = None;
        }
    }

    /// The recorder's message (shown until dismissed) and whether samples are saved.
    fn store_message_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(message) = &self.store_message {
            let mut dismissed = false;
            ui.horizontal_wrapped(|ui| {
                let colour = if self.is_recording() {
                    theme::GOOD
                } else {
                    theme::CAUTION
                };
                ui.colored_label(colour, message);
                dismissed = ui.button(DISMISS).clicked();
            });
            if dismissed {
                self.store_message = None;
            }
        } else if self.recorder.is_some() && !self.is_recording() {
            ui.colored_label(theme::CAUTION, NOT_SAVING);
        }
    }

    fn save_settings(&self) {
        if let Some(path) = &self.settings_path
            && let Err(err) = self.settings.save(path)
        {
            tracing::warn!("{err:#}");
        }
    }

    /// Saves the configuration file: the judge's keys and the `[desktop]` table.
    fn save_config(&mut self) {
        let config = Config {
            posture: self.posture.clone(),
            desktop: self.desktop_config,
        };
        if let Some(path) = &self.config_path
            && let Err(err) = config.save(path)
        {
            tracing::warn!("{err:#}");
            self.config_notice = Some(err.to_string());
        }
    }

    /// Sends the queued controls to the pipeline.
    pub fn flush(&mut self) {
        for control in self.state.take_outbox() {
            if control == Control::ForgetBaseline {
                self.state.baseline_notice = Some(self.keeper.forget());
                self.sync_keeper();
            }
            if let Err(err) = self.controls.send_control(control.clone()) {
                tracing::warn!("{control:?} not sent: {err}");
            }
        }
    }
}

/// What the tray loop does after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InTray {
    /// Wait for news, at most this long (`None`: only news).
    Stay(Option<Duration>),
    /// Open the window.
    OpenWindow,
    /// Quit plumbline.
    Quit,
}

/// The app on screen: what `eframe::run_native` runs while the window exists; the app itself
/// outlives the window (the tray loop runs it in between).
pub(super) struct OnScreen<'a>(pub(super) &'a mut App);

impl eframe::App for OnScreen<'_> {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.0.logic_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.draw(ui);
    }
}
