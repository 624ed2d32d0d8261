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
//!
//! It reads the same monitor configuration as `plumbline monitor --headless` (`config.toml`,
//! [`Config`]: the judge's [`PostureConfig`] and the desk companion's [`CompanionConfig`])
//! and builds its pipeline with the same [`PipelineConfig::live`]; its
//! own preferences file (`window.toml`, [`Settings`]) holds only what the analysis never
//! reads. Both files are read field by field: a bad value keeps its default and the window
//! says which file and field.

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
pub mod review;
pub mod settings;
mod state;
pub mod status;
pub mod theme;
pub mod video;
pub mod wake;
pub mod warning;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

pub use app::{App, ControlSink, DISMISS, InTray, NOT_SAVING, Tab};
pub use problem::Problem;
pub use settings::Settings;
pub use state::{ActiveAlert, HistoryPoint, UiState};
pub use wake::Wake;

use crate::bounds::FieldProblem;
use crate::capture::SourceSpec;
use crate::config::Config;
use crate::desktop::{CompanionConfig, DesktopLink};
use crate::pipeline::Recorder;
use crate::pipeline::kept::Keeper;
use crate::pipeline::recorder::monitor_session;
use crate::pipeline::{
    CONTROL_CAPACITY, Control, ControlError, Failure, Pipeline, PipelineConfig, Update,
};
use crate::pose::PoseConfig;
use crate::posture::PostureConfig;
use crate::posture::config::Overrides;

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
    /// Preferences file (default: `window.toml` in the platform config directory).
    pub settings_path: Option<PathBuf>,
    /// The monitor's configuration (default: `config.toml` in the platform config directory,
    /// the file `monitor --headless` reads too).
    pub config_path: Option<PathBuf>,
    /// One-run values from the command line (`--onset-delay`, `--rate`), already checked.
    pub overrides: Overrides,
    /// Close the window after this long (smoke tests, demos).
    pub exit_after: Option<Duration>,
    /// The session database (`None`: the platform data folder).
    pub db: Option<PathBuf>,
    /// Whether the session is recorded into the database.
    pub record: bool,
    /// Start hidden in the tray (`--background`, the autostart entry).
    pub background: bool,
    /// A recording to open in review mode at start (`--review`).
    pub review: Option<PathBuf>,
    /// Forget the kept baseline before starting (`monitor --forget-baseline`).
    pub forget_baseline: bool,
}

impl WindowOptions {
    /// Whether the window only reviews: `--review` without a `--source` opens no camera.
    fn review_only(&self, source: Option<&str>) -> bool {
        self.review.is_some() && source.is_none()
    }

    /// The options with a photo as the source moved to review mode. One photo has no time:
    /// the live monitor would analyze it once, with the view hysteresis of a video, and show
    /// "view unknown". In review mode it is analyzed as a still (its view, CVA and ± shown),
    /// as `measure` does. A folder stays a frame sequence, as everywhere but the holds.
    /// `Ok(None)`: the source is not one photo (or cannot be read, which the live start
    /// reports).
    fn with_photo_reviewed(&self, source: &str) -> anyhow::Result<Option<Self>> {
        if !SourceSpec::parse(source).is_ok_and(|spec| spec.is_one_photo()) {
            return Ok(None);
        }
        let photo = PathBuf::from(source.trim());
        if let Some(review) = &self.review {
            anyhow::bail!(
                "{} is a photo, which the window opens in review mode, and --review {} is \
                 asked too: give one of them (the window's \"Review a recording\" tab opens \
                 the other)",
                photo.display(),
                review.display()
            );
        }
        Ok(Some(Self {
            review: Some(photo),
            ..self.clone()
        }))
    }
}

impl ControlSink for Pipeline {
    fn send_control(&self, control: Control) -> Result<(), ControlError> {
        self.control(control)
    }
}

/// What the window starts from: its preferences, the monitor's configuration, where each is
/// saved, and what could not be taken from the files (shown once in the window).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WindowSetup {
    /// The window's preferences.
    pub settings: Settings,
    /// The monitor's configuration as saved (without the one-run overrides).
    pub posture: PostureConfig,
    /// The desk companion's settings (the configuration file's `[desktop]` table).
    pub desktop: CompanionConfig,
    /// Where the preferences are saved (`None`: not saved).
    pub settings_path: Option<PathBuf>,
    /// Where the configuration is saved (`None`: not saved).
    pub config_path: Option<PathBuf>,
    /// What the user should know about the files (bad fields, moved values), if anything.
    pub notice: Option<String>,
}

impl WindowSetup {
    /// Reads both files field by field. An old `window.toml` that still holds posture values
    /// hands them to the configuration (only when there is no configuration file yet, and only
    /// values that differ from the old window defaults, which old versions wrote whether chosen
    /// or not); the old keys are then removed from it, so the notice appears once.
    pub fn load(options: &WindowOptions) -> Self {
        let settings_path = options
            .settings_path
            .clone()
            .or_else(Settings::default_path);
        let config_path = options
            .config_path
            .clone()
            .or_else(crate::config::default_path);
        let mut notes = Vec::new();
        let mut loaded = settings::Loaded::default();
        if let Some(path) = &settings_path {
            match Settings::load(path) {
                Ok(found) => loaded = found,
                Err(err) => notes.push(format!("{err}; using the default preferences")),
            }
            note_problems(&mut notes, path, &loaded.problems);
        }
        let mut config = Config::default();
        let config_existed = config_path.as_deref().is_some_and(std::path::Path::exists);
        if let Some(path) = &config_path {
            match Config::load_fieldwise(path) {
                Ok((found, problems)) => {
                    config = found;
                    note_problems(&mut notes, path, &problems);
                }
                Err(err) => notes.push(format!("{err}; using the default configuration")),
            }
        }
        if let (false, Some(settings_file)) = (loaded.moved.is_empty(), &settings_path) {
            notes.push(move_old_values(
                &loaded.moved,
                &mut config,
                settings_file,
                config_path.as_deref().filter(|_| !config_existed),
            ));
        }
        for note in &notes {
            tracing::warn!("{note}");
        }
        Self {
            settings: loaded.settings,
            posture: config.posture,
            desktop: config.desktop,
            settings_path,
            config_path,
            notice: (!notes.is_empty()).then(|| notes.join("\n")),
        }
    }
}

/// Adds one note naming `path` and every field of it that was not taken.
fn note_problems(notes: &mut Vec<String>, path: &std::path::Path, problems: &[FieldProblem]) {
    if problems.is_empty() {
        return;
    }
    let fields: Vec<String> = problems.iter().map(ToString::to_string).collect();
    notes.push(format!(
        "{} has values plumbline cannot use; these keep their defaults: {}",
        path.display(),
        fields.join("; ")
    ));
}

/// Moves the posture values of an old `window.toml` into `config` and saves it at
/// `new_config` (`None`: a configuration file exists already, so nothing is moved); removes
/// the old keys from the preferences file. Returns what the user should know.
fn move_old_values(
    moved: &[settings::Moved],
    config: &mut Config,
    settings_file: &std::path::Path,
    new_config: Option<&std::path::Path>,
) -> String {
    let list = |items: Vec<String>| items.join(", ");
    let mut taken = Vec::new();
    let mut left = Vec::new();
    for item in moved {
        let described = format!("{} = {}", item.old, item.value);
        if new_config.is_none() || item.was_old_default {
            left.push(described);
            continue;
        }
        match set_field(&mut config.posture, item.field, item.value) {
            Ok(()) => taken.push(format!("{} = {}", item.field, item.value)),
            Err(reason) => left.push(format!("{described} ({reason})")),
        }
    }
    let mut note = vec![format!(
        "The thresholds and rates moved from {} to the monitor's configuration, which \
         `plumbline monitor --headless` reads too.",
        settings_file.display()
    )];
    if let Some(path) = new_config {
        if !taken.is_empty() {
            note.push(format!("Moved to {}: {}.", path.display(), list(taken)));
            if let Err(err) = config.save(path) {
                note.push(format!("They could not be saved there: {err}."));
            }
        }
        if !left.is_empty() {
            note.push(format!(
                "Not moved (old window defaults or not usable; the shared defaults apply): {}.",
                list(left)
            ));
        }
    } else {
        note.push(format!(
            "The configuration file exists already, so these old values are ignored: {}.",
            list(left)
        ));
    }
    if let Err(err) = settings::drop_old_keys(settings_file) {
        note.push(format!("{err}."));
    }
    note.join(" ")
}

/// Sets the field `name` of `posture` to `value` if it is a number field and in range.
fn set_field(posture: &mut PostureConfig, name: &str, value: f64) -> Result<(), String> {
    let mut table = toml::Table::try_from(&*posture).map_err(|err| err.to_string())?;
    table.insert(name.to_owned(), toml::Value::Float(value));
    let candidate: PostureConfig = table.try_into().map_err(|err| err.to_string())?;
    if let Some(err) = candidate
        .out_of_range()
        .into_iter()
        .find(|err| err.name == name)
    {
        return Err(format!("out of range: {}", err.range));
    }
    *posture = candidate;
    Ok(())
}

/// Opens the window on `source` (`camera:N`, a video file or a folder of frames; `None`: the
/// source from the preferences, by default the first camera). One photo opens in review mode
/// instead (`WindowOptions::with_photo_reviewed`). When the pipeline cannot start,
/// the window still opens and shows what to do.
///
/// With `--background` and a tray up, no window exists at first: the main thread runs the
/// tray loop ([`App::run_in_tray`]) until the window is asked for. Closing the window with
/// a tray up ends its event loop run (the GL context is dropped) and returns to the tray
/// loop; the same [`App`] goes on throughout. Quit from the tray exits from either.
pub fn run_window(source: Option<&str>, options: &WindowOptions) -> anyhow::Result<ExitCode> {
    let setup = WindowSetup::load(options);
    let reviewing = options.review_only(source);
    let source = source.map_or_else(|| setup.settings.source.clone(), str::to_owned);
    let photo = if reviewing {
        None
    } else {
        options.with_photo_reviewed(&source)?
    };
    if photo.is_some() {
        tracing::info!("{source} is a photo: opened in review mode, analyzed as a still");
    }
    let review_only = reviewing || photo.is_some();
    let options = photo.as_ref().unwrap_or(options);
    let (wake, woken) = Wake::new();
    let mut build = Some(|| {
        let (desktop_config, posture) = (setup.desktop, setup.posture.clone());
        let app = if review_only {
            review_app(setup, options)
        } else {
            let on_update = wake.callback();
            start_app(&source, setup, options, Box::new(move || on_update()))
        };
        let on_command = wake.callback();
        let desktop =
            DesktopLink::connect(desktop_config, &posture, Box::new(move || on_command()));
        app.with_wake(wake.clone())
            .with_exit_after(options.exit_after)
            .with_desktop(desktop)
            .with_background(options.background)
    });
    let mut slot: Option<App> = None;
    if options.background {
        // The tray must be known before any window: built now.
        let make = build.take().expect("built once");
        let app = slot.insert(make());
        if app.starts_in_tray() && !app.run_in_tray(&woken) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    loop {
        let shown = show_window(&mut slot, &mut build, &wake);
        wake.detach();
        let Some(app) = slot.as_mut() else {
            shown?;
            break;
        };
        app.window_closed();
        shown?;
        if !app.goes_to_tray() || !app.run_in_tray(&woken) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the window until it closes, on the app in `slot` (built by `build` at the first
/// window, so a window that cannot open starts no pipeline and records no session).
fn show_window(
    slot: &mut Option<App>,
    build: &mut Option<impl FnOnce() -> App>,
    wake: &Wake,
) -> anyhow::Result<()> {
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_inner_size(mini::FULL_SIZE)
            .with_min_inner_size([mini::MINI_SIZE.x, mini::MINI_SIZE.y]),
        renderer: eframe::Renderer::Glow,
        persist_window: false,
        // The event loop is kept for the next window after this one closes.
        run_and_return: true,
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        WINDOW_TITLE,
        native_options,
        Box::new(move |cc| {
            wake.attach(&cc.egui_ctx);
            let app = slot.get_or_insert_with(|| build.take().expect("built once")());
            Ok(Box::new(app::OnScreen(app)))
        }),
    )
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context(
        "cannot open the window (is a display available?). Without a window, monitor with \
         `plumbline monitor --headless --source camera:0|VIDEO`, or analyze a recording with \
         `plumbline analyze VIDEO --report report.html`",
    )
}

/// The window's app on `source`: starts the pipeline and, when asked, the recorder. When the
/// pipeline cannot start, the app shows why (its screen is chosen by the failure's kind).
/// `on_update` is called after each update (the window passes `ctx.request_repaint`).
pub fn start_app(
    source: &str,
    setup: WindowSetup,
    options: &WindowOptions,
    on_update: Box<dyn Fn() + Send>,
) -> App {
    // Read before the pipeline starts, so the judge starts with the kept baseline.
    let (keeper, forgotten) = Keeper::open(options.db.as_deref(), options.record, &setup.posture)
        .forgetting_if(options.forget_baseline);
    if let Some(forgotten) = forgotten {
        tracing::info!("{forgotten}");
    }
    let started = pipeline_config(source, &setup, options)
        .map(|config| keeper.start(config).with_on_update(on_update))
        .and_then(|config| Pipeline::start(config).map_err(|err| err.failure()));
    let WindowSetup {
        settings,
        posture,
        desktop,
        settings_path,
        config_path,
        notice,
    } = setup;
    let app = match started {
        Ok((pipeline, updates)) => {
            let judged_with = pipeline.judged_with().cloned();
            let app = App::new(updates, pipeline, settings);
            if options.record {
                // Started after the pipeline: a source that fails leaves no empty session.
                let new = monitor_session(
                    source,
                    app.settings.model,
                    app.settings.subject(),
                    judged_with.as_ref(),
                );
                app.with_recorder(Recorder::start(options.db.as_deref(), &new))
            } else {
                app.with_database(options.db.clone())
            }
        }
        Err(failure) => failed_app(failure, settings).with_database(options.db.clone()),
    };
    let config = Config { posture, desktop };
    let mut app = app
        .with_keeper(keeper)
        .with_settings_path(settings_path)
        .with_config(config, config_path, options.overrides)
        .with_reviews(options.models_dir.clone(), options.review.clone());
    app.config_notice = notice;
    app
}

/// The window's pipeline: [`PipelineConfig::live`] with the saved configuration and this
/// run's overrides, and the landmark model of the preferences.
pub fn pipeline_config(
    source: &str,
    setup: &WindowSetup,
    options: &WindowOptions,
) -> Result<PipelineConfig, Failure> {
    let spec = SourceSpec::parse(source).map_err(|err| {
        Failure::from_error(&err).context(&format!("cannot use the source {source}"))
    })?;
    let pose = PoseConfig {
        model: setup.settings.model,
        ..PoseConfig::default()
    };
    let posture = setup.posture.clone().with_overrides(options.overrides);
    Ok(PipelineConfig::live(
        spec,
        options.models_dir.clone(),
        pose,
        posture,
    ))
}

/// A window for review mode only: no live source (no camera light, nothing recorded).
pub fn review_app(setup: WindowSetup, options: &WindowOptions) -> App {
    let (update_tx, update_rx) = crossbeam_channel::bounded(1);
    let (control_tx, _control_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
    let mut app = App::new(update_rx, control_tx, setup.settings)
        // Kept so the window does not report a vanished pipeline.
        .with_pipeline(Box::new(update_tx))
        .with_database(options.db.clone())
        .with_settings_path(setup.settings_path)
        .with_config(
            Config {
                posture: setup.posture,
                desktop: setup.desktop,
            },
            setup.config_path,
            options.overrides,
        )
        .with_reviews(options.models_dir.clone(), options.review.clone());
    app.config_notice = setup.notice;
    app.state.live = false;
    app
}

/// A window without a pipeline that shows why it could not start.
fn failed_app(failure: Failure, settings: Settings) -> App {
    let (update_tx, update_rx) = crossbeam_channel::bounded(1);
    let (control_tx, _control_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
    let mut app = App::new(update_rx, control_tx, settings);
    app.state.apply(Update::Failed(failure));
    // Kept so the window does not also report a vanished pipeline.
    app.with_pipeline(Box::new(update_tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_photo_opens_in_review_mode_and_a_folder_or_camera_stays_live() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let photo = data.join("side_sit_upright_01.jpg");
        let options = WindowOptions::default();
        let reviewed = options
            .with_photo_reviewed(&photo.to_string_lossy())
            .expect("no conflict")
            .expect("a photo is reviewed");
        assert_eq!(reviewed.review.as_deref(), Some(photo.as_path()));
        assert!(reviewed.review_only(None));
        for live in [data.to_string_lossy().into_owned(), "camera:0".to_owned()] {
            assert!(
                options.with_photo_reviewed(&live).expect("fine").is_none(),
                "{live}"
            );
        }
        // Two recordings to open at start: refused, naming both.
        let both = WindowOptions {
            review: Some(PathBuf::from("visit.mkv")),
            ..WindowOptions::default()
        };
        let err = both
            .with_photo_reviewed(&photo.to_string_lossy())
            .expect_err("two at once")
            .to_string();
        assert!(
            err.contains("visit.mkv") && err.contains("side_sit_upright_01.jpg"),
            "{err}"
        );
    }

    fn options_in(dir: &std::path::Path) -> WindowOptions {
        WindowOptions {
            settings_path: Some(dir.join(settings::SETTINGS_FILE)),
            config_path: Some(dir.join(crate::config::CONFIG_FILE)),
            ..WindowOptions::default()
        }
    }

    /// What an old version wrote: every field, most of them its defaults, one out of range.
    const OLD_WINDOW_TOML: &str = "source = \"clip.mp4\"\nmodel = \"full\"\n\
        cva_threshold_deg = 45.0\nbaseline_drop_deg = 5.0\nonset_delay_s = 90.0\n\
        analysis_rate_fps = -5.0\nsnooze_minutes = 15.0\nred_flags_acknowledged = true\n\
        subject = \"\"\n";

    #[test]
    fn an_old_window_toml_hands_its_chosen_values_over_once() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let options = options_in(dir.path());
        let prefs = options.settings_path.clone().expect("set");
        let config = options.config_path.clone().expect("set");
        std::fs::write(&prefs, OLD_WINDOW_TOML)?;
        let setup = WindowSetup::load(&options);
        let notice = setup.notice.clone().expect("the user is told");
        assert!(notice.contains("Moved to"), "{notice}");
        assert!(notice.contains("onset_delay_s = 90"), "{notice}");
        assert!(notice.contains("cva_threshold_deg = 45"), "{notice}");
        assert!(notice.contains("analysis_rate_fps = -5"), "{notice}");
        assert!(notice.contains("0.2 to 30 fps"), "{notice}");
        assert_eq!(setup.settings.source, "clip.mp4");
        assert!(setup.settings.red_flags_acknowledged);
        // The chosen value moved; the old defaults did not (the shared defaults apply).
        let defaults = PostureConfig::default();
        assert!((setup.posture.onset_delay_s - 90.0).abs() < 1e-9);
        assert!(
            (setup.posture.cva_forward_below_deg - defaults.cva_forward_below_deg).abs() < 1e-9
        );
        assert!((setup.posture.analysis_rate_fps - defaults.analysis_rate_fps).abs() < 1e-9);
        assert_eq!(Config::load(&config, true)?.posture, setup.posture);
        // Said once: the old keys are gone, the preferences stay.
        let again = WindowSetup::load(&options);
        assert_eq!(again.notice, None);
        assert_eq!(again.settings, setup.settings);
        assert_eq!(again.posture, setup.posture);
        Ok(())
    }

    #[test]
    fn old_values_are_ignored_when_the_configuration_exists() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let options = options_in(dir.path());
        let config = options.config_path.clone().expect("set");
        let saved = PostureConfig {
            onset_delay_s: 12.0,
            ..PostureConfig::default()
        };
        Config {
            posture: saved.clone(),
            ..Config::default()
        }
        .save(&config)?;
        std::fs::write(
            options.settings_path.as_ref().expect("set"),
            OLD_WINDOW_TOML,
        )?;
        let setup = WindowSetup::load(&options);
        let notice = setup.notice.expect("the user is told");
        assert!(notice.contains("ignored"), "{notice}");
        assert_eq!(setup.posture, saved);
        assert_eq!(Config::load(&config, true)?.posture, saved);
        Ok(())
    }
}
