//! `plumbline` without a subcommand: the monitor window.

use std::process::ExitCode;
use std::time::Duration;

use super::{ConfigArgs, Global};
use crate::bounds::Bounds;

/// `--exit-after-seconds`: up to a day.
const EXIT_AFTER_S: Bounds = Bounds::new("exit-after-seconds", 0.0, 86_400.0, "s");

fn exit_after(text: &str) -> Result<f64, String> {
    EXIT_AFTER_S.parse(text)
}

/// Window options of the bare `plumbline` command.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Close the window after this many seconds (smoke tests and demos).
    #[arg(long, value_name = "N", hide = true, allow_negative_numbers = true, value_parser = exit_after)]
    pub exit_after_seconds: Option<f64>,

    /// Window preferences file: source, model, subject (default: window.toml in the platform
    /// config directory). The thresholds and rates are in the `--config` file.
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

    /// Open this recording (a video, a picture or a folder of pictures) in review mode:
    /// analyzed once, then paused, stepped frame by frame and seeked in the window. The
    /// window's "Review a recording" tab opens others.
    #[arg(long, value_name = "VIDEO|FOLDER|FILE")]
    pub review: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub record: RecordArgs,
}

/// Where the live monitor (window or headless) records its session.
#[derive(Clone, Debug, clap::Args)]
pub struct RecordArgs {
    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<std::path::PathBuf>,

    /// Do not record the session in the database (also `PLUMBLINE_NO_RECORD=1`); no
    /// baseline is kept from or for other runs either.
    #[arg(long, env = "PLUMBLINE_NO_RECORD", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_record: bool,

    /// Forget the kept baseline (your last calibration or learned baseline, kept beside the
    /// database for the next start) before starting, so a new one is learned or calibrated.
    #[arg(long)]
    pub forget_baseline: bool,
}

/// Opens the window on `source` (default camera when `None`).
pub fn run(
    source: Option<&str>,
    args: &Args,
    config: &ConfigArgs,
    global: &Global,
) -> anyhow::Result<ExitCode> {
    crate::ui::run_window(source, &options(args, config, global))
}

/// The window's options from the command line (the same `ConfigArgs` as `monitor`).
pub fn options(args: &Args, config: &ConfigArgs, global: &Global) -> crate::ui::WindowOptions {
    crate::ui::WindowOptions {
        models_dir: global.models_dir.clone(),
        settings_path: args.window_settings.clone(),
        config_path: config.judge.config.clone(),
        overrides: config.overrides(),
        exit_after: args.exit_after_seconds.map(Duration::from_secs_f64),
        db: args.record.db.clone(),
        record: !args.record.no_record,
        background: args.background,
        review: args.review.clone(),
        forget_baseline: args.record.forget_baseline,
    }
}
