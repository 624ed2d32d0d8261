//! `plumbline` without a subcommand: the monitor window.

use std::process::ExitCode;
use std::time::Duration;

use super::Global;

/// Window options of the bare `plumbline` command.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Close the window after this many seconds (smoke tests and demos).
    #[arg(long, value_name = "N", hide = true)]
    pub exit_after_seconds: Option<f64>,

    /// Window settings file (default: window.toml in the platform config directory).
    #[arg(
        long,
        env = "PLUMBLINE_WINDOW_SETTINGS",
        value_name = "FILE",
        hide = true
    )]
    pub window_settings: Option<std::path::PathBuf>,

    /// Start in the tray without showing the window (the autostart entry uses this); the
    /// window opens from the tray. Without a tray the window is shown.
    #[arg(long)]
    pub background: bool,

    #[command(flatten)]
    pub record: RecordArgs,
}

/// Where the live monitor (window or headless) records its session.
#[derive(Clone, Debug, clap::Args)]
pub struct RecordArgs {
    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<std::path::PathBuf>,

    /// Do not record the session in the database (also `PLUMBLINE_NO_RECORD=1`).
    #[arg(long, env = "PLUMBLINE_NO_RECORD", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_record: bool,
}

/// Opens the window on `source` (default camera when `None`).
pub fn run(source: Option<&str>, args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let exit_after = match args.exit_after_seconds {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Some(Duration::from_secs_f64(seconds))
        }
        Some(seconds) => anyhow::bail!("--exit-after-seconds must be 0 or more, not {seconds}"),
        None => None,
    };
    let options = crate::ui::WindowOptions {
        models_dir: global.models_dir.clone(),
        settings_path: args.window_settings.clone(),
        exit_after,
        onset_delay_s: None,
        rate_fps: None,
        db: args.record.db.clone(),
        record: !args.record.no_record,
        background: args.background,
    };
    crate::ui::run_window(source, &options)
}
