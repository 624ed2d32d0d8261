//! The egui/eframe window: live video with the skeleton and CVA, metrics with their validity,
//! the persistent-posture warning with snooze, a live plot, calibration, settings, a mini mode,
//! a "what the model sees" view, help, and error screens that say what to do.
//!
//! Logic lives in [`UiState`] (plain data, driven by [`crate::pipeline::Update`]s through
//! [`UiState::apply`]); every panel is a `fn ui(&mut egui::Ui, ..)` over it, so each is tested
//! with `egui_kittest` without a GPU. [`App`] wires the channels and [`run_window`] starts it.

mod app;
pub mod calibration;
pub mod feed;
pub mod help;
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

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

pub use app::{App, ControlSink, Tab};
pub use problem::Problem;
pub use settings::Settings;
pub use state::{ActiveAlert, HistoryPoint, UiState};

use crate::pipeline::{Control, SourceStatus, Update};

/// Capacity of the pipeline-to-window channel (dropping frames is fine; the newest wins).
pub const UPDATE_CAPACITY: usize = 4;

/// Capacity of the window-to-pipeline channel.
pub const CONTROL_CAPACITY: usize = 16;

/// Title of the native window.
pub const WINDOW_TITLE: &str = "plumbline";

/// Errors of the window's own work (settings file, replayed folder).
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
    /// The source folder cannot be listed.
    #[error("cannot read the folder (check the path): {path}")]
    ReadFolder {
        /// The I/O error.
        source: std::io::Error,
        /// The folder.
        path: PathBuf,
    },
    /// The source folder holds no JPEG or PNG images.
    #[error("the folder holds no .jpg or .png images: {0}")]
    NoImages(PathBuf),
    /// An image in the source folder cannot be decoded.
    #[error("cannot decode the image (replace or remove it): {path}")]
    DecodeImage {
        /// The decoder error.
        source: image::ImageError,
        /// The image.
        path: PathBuf,
    },
    /// The operating system refused a thread.
    #[error("cannot start a worker thread")]
    SpawnThread(#[source] std::io::Error),
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
}

/// Opens the window on `source` (`camera:N`, a video file or an image folder; `None`: the
/// source from the settings, by default the first camera). When the pipeline cannot start,
/// the window still opens and shows what to do.
pub fn run_window(source: Option<&str>, options: &WindowOptions) -> anyhow::Result<ExitCode> {
    let settings_path = options
        .settings_path
        .clone()
        .or_else(Settings::default_path);
    let settings = match &settings_path {
        Some(path) => Settings::load(path).unwrap_or_else(|err| {
            tracing::warn!("{err:#}; using the default settings");
            Settings::default()
        }),
        None => Settings::default(),
    };
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
    eframe::run_native(
        WINDOW_TITLE,
        native_options,
        Box::new(move |cc| {
            let (update_tx, update_rx) = crossbeam_channel::bounded(UPDATE_CAPACITY);
            let (control_tx, control_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
            for control in [
                Control::SetOnsetDelay(settings.onset_delay_s),
                Control::SetRate(settings.analysis_rate_fps),
            ] {
                // Fresh channel with room: this cannot fail.
                let _ = control_tx.try_send(control);
            }
            let ctx = cc.egui_ctx.clone();
            let started = start_source(&source, update_tx.clone(), control_rx, move || {
                ctx.request_repaint();
            });
            let mut app = App::new(update_rx, control_tx, settings)
                .with_settings_path(settings_path)
                .with_exit_after(exit_after);
            match started {
                Ok(pipeline) => app = app.with_pipeline(pipeline),
                Err(err) => app.state.apply(Update::Failed(format!("{err:#}"))),
            }
            // Keep one sender so a failed start is not also reported as a vanished pipeline.
            app = app.with_pipeline(Box::new(update_tx));
            Ok(Box::new(app))
        }),
    )
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context(
        "cannot open the window (is a display available? try `plumbline monitor --headless`)",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Starts the analysis of `source`, returning the handle that keeps it running.
fn start_source(
    source: &str,
    updates: crossbeam_channel::Sender<Update>,
    controls: crossbeam_channel::Receiver<Control>,
    repaint: impl Fn() + Send + 'static,
) -> anyhow::Result<Box<dyn Send>> {
    let path = Path::new(source);
    if path.is_dir() {
        let feed = feed::start_folder(path, updates, controls, repaint)
            .with_context(|| format!("cannot replay {source}"))?;
        return Ok(Box::new(feed));
    }
    let message = if source.starts_with("camera") {
        format!(
            "no camera capture in this build yet (asked for {source}); pass an image folder with --source"
        )
    } else {
        format!("cannot open {source}: only image folders play in this build")
    };
    // Capacity 4, nothing sent yet: the status always fits.
    let _ = updates.try_send(Update::Source(SourceStatus::Failed(message)));
    Ok(Box::new(updates))
}
