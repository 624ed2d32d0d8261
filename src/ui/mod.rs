//! The egui/eframe window: live video with the skeleton and CVA, metrics with their validity,
//! the persistent-posture warning with snooze, a live plot, calibration, settings, a mini mode,
//! a "what the model sees" view, help, and error screens that say what to do.
//!
//! Logic lives in [`UiState`] (plain data, driven by [`crate::pipeline::Update`]s through
//! [`UiState::apply`]); every panel is a `fn ui(&mut egui::Ui, ..)` over it, so each is tested
//! with `egui_kittest` without a GPU. [`App`] wires the channels and [`run_window`] starts it.
//!
//! The window records its session through [`Recorder`] (numbers per second and events, never
//! frames) and lists stored sessions in the [`history`] panel.

mod app;
pub mod calibration;
pub mod desktop;
pub mod help;
pub mod history;
pub mod metrics;
pub mod mini;
pub mod model_view;
pub mod plot;
pub mod problem;
pub mod settings;
mod state;
pub mod status;
pub mod theme;
pub mod video;
pub mod warning;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

pub use app::{App, ControlSink, DISMISS, NOT_SAVING, Tab};
pub use problem::Problem;
pub use settings::Settings;
pub use state::{ActiveAlert, HistoryPoint, UiState};

use crate::capture::{Pacing, SourceSpec};
use crate::desktop::{CompanionConfig, DesktopLink};
use crate::pipeline::Recorder;
use crate::pipeline::recorder::monitor_session;
use crate::pipeline::{
    Control, DEFAULT_AT_RISK_FPS, Delivery, Pipeline, PipelineConfig, RatePolicy, Update,
    blazepose_factory,
};
use crate::pose::PoseConfig;
use crate::posture::PostureConfig;

/// Capacity of the control channel of a window whose pipeline did not start.
const CONTROL_CAPACITY: usize = 16;

/// Title of the native window.
pub const WINDOW_TITLE: &str = "plumbline";

/// Errors of the window's own work (its settings file).
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The settings file exists but cannot be read.
    #[error("cannot read the window settings (check the file's permissions): {path}")]
    ReadSettings {
        /// The I/O error.
        source: std::io::Error,
        /// The settings file.
        path: PathBuf,
    },
    /// The settings file is not valid TOML for these settings.
    #[error(
        "the window settings are not valid (fix or delete the file to start from defaults): {path}"
    )]
    ParseSettings {
        /// The TOML error.
        source: toml::de::Error,
        /// The settings file.
        path: PathBuf,
    },
    /// The settings cannot be turned into TOML (a bug).
    #[error("cannot write the settings as TOML")]
    SerializeSettings(#[source] toml::ser::Error),
    /// The settings file cannot be written.
    #[error("cannot save the window settings (check that the folder is writable): {path}")]
    WriteSettings {
        /// The I/O error.
        source: std::io::Error,
        /// The settings file.
        path: PathBuf,
    },
}

/// How the window is started.
#[derive(Clone, Debug, Default)]
pub struct WindowOptions {
    /// Folder with the ONNX models (default: the installation's `models/`).
    pub models_dir: Option<PathBuf>,
    /// Settings file (default: `window.toml` in the platform config directory).
    pub settings_path: Option<PathBuf>,
    /// Close the window after this long (smoke tests, demos).
    pub exit_after: Option<Duration>,
    /// Onset delay for this run, seconds, instead of the saved one.
    pub onset_delay_s: Option<f64>,
    /// Analysis rate for this run, frames per second, instead of the saved one.
    pub rate_fps: Option<f64>,
    /// The session database (`None`: the platform data folder).
    pub db: Option<PathBuf>,
    /// Whether the session is recorded into the database.
    pub record: bool,
    /// Start hidden in the tray (`--background`, the autostart entry).
    pub background: bool,
}

impl ControlSink for Pipeline {
    fn send_control(&self, control: Control) -> Result<(), String> {
        self.control(control).map_err(|err| format!("{err:#}"))
    }
}

/// Opens the window on `source` (`camera:N`, a video file or an image folder; `None`: the
/// source from the settings, by default the first camera). When the pipeline cannot start,
/// the window still opens and shows what to do.
pub fn run_window(source: Option<&str>, options: &WindowOptions) -> anyhow::Result<ExitCode> {
    let settings_path = options
        .settings_path
        .clone()
        .or_else(Settings::default_path);
    let mut settings = match &settings_path {
        Some(path) => Settings::load(path).unwrap_or_else(|err| {
            tracing::warn!("{err:#}; using the default settings");
            Settings::default()
        }),
        None => Settings::default(),
    };
    if let Some(delay) = options.onset_delay_s {
        settings.onset_delay_s = delay;
    }
    if let Some(rate) = options.rate_fps {
        settings.analysis_rate_fps = rate;
    }
    let source = source.map_or_else(|| settings.source.clone(), str::to_owned);
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_inner_size(mini::FULL_SIZE)
            .with_min_inner_size([mini::MINI_SIZE.x, mini::MINI_SIZE.y]),
        renderer: eframe::Renderer::Glow,
        persist_window: false,
        ..eframe::NativeOptions::default()
    };
    let exit_after = options.exit_after;
    let models_dir = options.models_dir.clone();
    let (db, record) = (options.db.clone(), options.record);
    let background = options.background;
    eframe::run_native(
        WINDOW_TITLE,
        native_options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            let repaint = Box::new(move || ctx.request_repaint());
            let config = pipeline_config(&source, models_dir, &settings, repaint);
            let app = match config.and_then(Pipeline::start) {
                Ok((pipeline, updates)) => {
                    let app = App::new(updates, pipeline, settings);
                    if record {
                        // Started after the pipeline: a source that fails leaves no empty
                        // session.
                        let new = monitor_session(
                            &source,
                            app.settings.model.choice(),
                            app.settings.subject(),
                        );
                        app.with_recorder(Recorder::start(db.as_deref(), &new))
                    } else {
                        app.with_database(db.clone())
                    }
                }
                Err(err) => failed_app(&format!("{err:#}"), settings).with_database(db),
            };
            let ctx = cc.egui_ctx.clone();
            let wake = Box::new(move || ctx.request_repaint());
            let desktop = DesktopLink::connect(CompanionConfig::default(), wake);
            Ok(Box::new(
                app.with_settings_path(settings_path)
                    .with_exit_after(exit_after)
                    .with_desktop(desktop)
                    .with_background(background),
            ))
        }),
    )
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context(
        "cannot open the window (is a display available?). Without a window, monitor with \
         `plumbline monitor --headless --source camera:0|VIDEO`, or analyse a recording with \
         `plumbline analyze VIDEO --report report.html`",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The pipeline settings for the window: live delivery, the saved model and thresholds.
pub fn pipeline_config(
    source: &str,
    models_dir: Option<PathBuf>,
    settings: &Settings,
    on_update: Box<dyn Fn() + Send>,
) -> anyhow::Result<PipelineConfig> {
    let spec =
        SourceSpec::parse(source).with_context(|| format!("cannot use the source {source}"))?;
    let pose = PoseConfig {
        model: settings.model.choice(),
        ..PoseConfig::default()
    };
    let posture = PostureConfig {
        cva_forward_below_deg: settings.cva_threshold_deg,
        cva_below_baseline_deg: settings.baseline_drop_deg,
        onset_delay_s: settings.onset_delay_s,
        snooze_s: settings.snooze_minutes * 60.0,
        calibration_s: calibration::RECORD_SECONDS,
        ..PostureConfig::default()
    };
    let fps = settings.analysis_rate_fps;
    Ok(PipelineConfig {
        source: spec,
        pacing: Pacing::RealTime,
        delivery: Delivery::LatestWins,
        rate: RatePolicy {
            fps: Some(fps),
            at_risk_fps: Some(DEFAULT_AT_RISK_FPS.max(fps)),
        },
        analyser: blazepose_factory(models_dir, pose, posture),
        on_update: Some(on_update),
    })
}

/// A window without a pipeline that shows why it could not start.
fn failed_app(message: &str, settings: Settings) -> App {
    let (update_tx, update_rx) = crossbeam_channel::bounded(1);
    let (control_tx, _control_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
    let mut app = App::new(update_rx, control_tx, settings);
    app.state.apply(Update::Failed(message.to_owned()));
    // Kept so the window does not also report a vanished pipeline.
    app.with_pipeline(Box::new(update_tx))
}
