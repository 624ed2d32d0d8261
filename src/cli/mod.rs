//! The command-line front end: argument parsing and one module per subcommand.

mod analyze;
mod annotate;
mod baseline;
mod compare;
mod doctor;
mod export;
mod follow_up;
mod history;
mod hold;
mod measure;
mod monitor;
mod pose;
mod run;
mod text;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::bounds::Bounds;
use crate::config::{Config, ConfigError};
use crate::pose::ModelChoice;
use crate::posture::PostureConfig;
use crate::posture::config::Overrides;

/// Options that every subcommand understands.
#[derive(Clone, Debug, clap::Args)]
pub struct Global {
    /// Folder holding the ONNX models (default: the `models/` folder of this installation).
    #[arg(long, global = true, env = "PLUMBLINE_MODELS", value_name = "DIR")]
    pub models_dir: Option<PathBuf>,

    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The judge's configuration for a command: the one configuration file (the window's settings
/// edit it) and the one-run onset delay. Every command that judges posture reads it, so the
/// window, `monitor`, `measure`, `analyze`, `annotate`, `baseline` and `follow-up` decide
/// forward head by the same thresholds. The ranges come from [`PostureConfig`].
#[derive(Clone, Debug, Default, clap::Args)]
pub struct JudgeArgs {
    /// The configuration (TOML: the judge's keys and a `[desktop]` table; default:
    /// config.toml in the platform config folder, which the window's settings edit).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_CONFIG")]
    pub config: Option<PathBuf>,

    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        value_parser = onset_delay,
        help = PostureConfig::ONSET_DELAY_S
            .help("Seconds the forward head must persist before the alert, for this run"),
    )]
    pub onset_delay: Option<f64>,
}

impl JudgeArgs {
    /// The configuration, read strictly: the `--config` file (which must exist) or the
    /// default file (if there is one), then `--onset-delay`. A bad value is an error naming
    /// the file, the field and its range.
    pub fn load_strict(&self) -> Result<Config, ConfigError> {
        self.load_with(self.overrides())
    }

    /// The judge's part of [`Self::load_strict`].
    pub fn posture(&self) -> Result<PostureConfig, ConfigError> {
        Ok(self.load_strict()?.posture)
    }

    fn load_with(&self, overrides: Overrides) -> Result<Config, ConfigError> {
        let config = match (&self.config, crate::config::default_path()) {
            (Some(path), _) => Config::load(path, true)?,
            (None, Some(path)) => Config::load(&path, false)?,
            (None, None) => Config::default(),
        };
        Ok(config.with_overrides(overrides))
    }

    /// The one-run overrides.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            onset_delay_s: self.onset_delay,
            analysis_rate_fps: None,
        }
    }
}

/// The monitor's configuration and its one-run overrides, the same for the window
/// (`plumbline`) and `plumbline monitor`: [`JudgeArgs`] and the live analysis rate.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub judge: JudgeArgs,

    #[arg(
        long,
        value_name = "FPS",
        allow_negative_numbers = true,
        value_parser = analysis_rate,
        help = PostureConfig::ANALYSIS_RATE_FPS
            .help("Frames analyzed per second of source time, for this run"),
    )]
    pub rate: Option<f64>,
}

impl ConfigArgs {
    /// [`JudgeArgs::load_strict`] with `--rate`.
    pub fn load_strict(&self) -> Result<Config, ConfigError> {
        self.judge.load_with(self.overrides())
    }

    /// The one-run overrides.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            analysis_rate_fps: self.rate,
            ..self.judge.overrides()
        }
    }
}

/// `--onset-delay`, within [`PostureConfig::ONSET_DELAY_S`].
pub(crate) fn onset_delay(text: &str) -> Result<f64, String> {
    PostureConfig::ONSET_DELAY_S.parse(text)
}

/// `--rate`, within [`PostureConfig::ANALYSIS_RATE_FPS`].
fn analysis_rate(text: &str) -> Result<f64, String> {
    PostureConfig::ANALYSIS_RATE_FPS.parse(text)
}

/// ONNX Runtime threads per model (`--threads`).
pub(crate) const THREADS: Bounds = Bounds::new("threads", 1.0, 64.0, "");

/// `--threads`, within [`THREADS`].
pub(crate) fn threads(text: &str) -> Result<u32, String> {
    THREADS.parse_count(text)
}

impl clap::ValueEnum for ModelChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            Self::Lite => "fastest, least precise",
            Self::Full => "the default",
            Self::Heavy => "most precise, slowest; needs `scripts/convert-models --heavy`",
        };
        Some(clap::builder::PossibleValue::new(self.as_str()).help(help))
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "plumbline",
    version,
    about = "Posture monitor: forward head (CVA), trunk and pelvis proxies from a webcam or a recording"
)]
struct Cli {
    #[command(flatten)]
    global: Global,

    /// Source for the window when no subcommand is given: `camera:N`, a video file or a folder.
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,

    #[command(flatten)]
    config: ConfigArgs,

    #[command(flatten)]
    window: window::Args,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the runtime, the models, cameras, video decoding and the data folders.
    Doctor(doctor::Args),
    /// Run the pose engine on an image, a video or a folder; one JSON line per frame.
    Pose(pose::Args),
    /// Measure posture on an image, a video or a folder; one JSON line per frame.
    Measure(measure::Args),
    /// Run the monitor (window, or headless with --headless).
    Monitor(monitor::Args),
    /// Record a subject's baseline: a standard hold of a few seconds (or photos).
    Baseline(baseline::Args),
    /// Record a subject's follow-up: the same standard hold, compared with the baseline before it.
    FollowUp(follow_up::Args),
    /// Compare a subject's follow-up with the latest baseline before it.
    Compare(compare::Args),
    /// List a subject's visits (baselines and follow-ups) with their CVA.
    History(history::Args),
    /// Export a stored session as CSV or JSON.
    Export(export::Args),
    /// Analyze recordings into sessions and an HTML report.
    Analyze(analyze::Args),
    /// Write a video with skeleton, CVA and posture state drawn on it, faces blurred.
    Annotate(annotate::Args),
}

/// Parses the process arguments and runs the chosen command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    match cli.command {
        None => window::run(cli.source.as_deref(), &cli.window, &cli.config, &cli.global),
        Some(Command::Doctor(args)) => doctor::run(&args, &cli.global),
        Some(Command::Pose(args)) => pose::run(&args, &cli.global),
        Some(Command::Measure(args)) => measure::run(&args, &cli.global),
        Some(Command::Monitor(args)) => monitor::run(&args, &cli.global),
        Some(Command::Baseline(args)) => baseline::run(&args, &cli.global),
        Some(Command::FollowUp(args)) => follow_up::run(&args, &cli.global),
        Some(Command::Compare(args)) => compare::run(&args, &cli.global),
        Some(Command::History(args)) => history::run(&args, &cli.global),
        Some(Command::Export(args)) => export::run(&args, &cli.global),
        Some(Command::Analyze(args)) => analyze::run(&args, &cli.global),
        Some(Command::Annotate(args)) => annotate::run(&args, &cli.global),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLUMBLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("plumbline={level},warn")));
    // A second init (tests calling run twice) is harmless, so the error is ignored. Colour
    // codes only when stderr is a terminal, never into a log file or a pipe.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_on_the_command_line_get_the_range_message() {
        for (flag, value, range) in [
            ("--onset-delay", "1e12", "0 to 3600 s"),
            ("--onset-delay", "-5", "0 to 3600 s"),
            ("--rate", "1e-9", "0.2 to 30 fps"),
            ("--rate", "1000", "0.2 to 30 fps"),
            ("--rate", "-5", "0.2 to 30 fps"),
        ] {
            for args in [
                vec!["plumbline", flag, value],
                vec!["plumbline", "monitor", "--headless", flag, value],
            ] {
                let err = Cli::try_parse_from(&args).expect_err("refused");
                let message = err.to_string();
                assert!(message.contains(flag), "{args:?}: {message}");
                assert!(message.contains(range), "{args:?}: {message}");
            }
        }
        let cli = Cli::try_parse_from(["plumbline", "--onset-delay", "0", "--rate", "30"])
            .expect("in range");
        assert_eq!(cli.config.judge.onset_delay, Some(0.0));
        assert_eq!(cli.config.rate, Some(30.0));
    }

    /// The pipeline the window builds and the one `monitor --headless` builds, from the same
    /// command-line options and configuration file.
    fn window_and_headless(options: &[&str]) -> anyhow::Result<(String, String)> {
        let dir = tempfile::tempdir()?;
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "")?; // an empty file: every default
        let prefs = dir.path().join("window.toml"); // missing: the default preferences
        let config = config.to_str().expect("UTF-8 temp path");
        let prefs = prefs.to_str().expect("UTF-8 temp path");
        let mut window_args = vec!["plumbline", "--window-settings", prefs, "--config", config];
        window_args.extend(options);
        let window = Cli::try_parse_from(window_args)?;
        let options_w = window::options(&window.window, &window.config, &window.global);
        let setup = crate::ui::WindowSetup::load(&options_w);
        let window_pipeline = crate::ui::pipeline_config("clip.mp4", &setup, &options_w)?;

        let mut headless_args = vec!["plumbline", "monitor", "--headless", "--config", config];
        headless_args.extend(options);
        let Some(Command::Monitor(args)) = Cli::try_parse_from(headless_args)?.command else {
            anyhow::bail!("not the monitor command");
        };
        let spec = crate::capture::SourceSpec::parse("clip.mp4")?;
        let posture = args.config.load_strict()?.posture;
        let headless_pipeline = monitor::pipeline_config(&args, &window.global, spec, posture);
        Ok((
            format!("{window_pipeline:?}"),
            format!("{headless_pipeline:?}"),
        ))
    }

    #[test]
    fn window_and_headless_build_the_same_pipeline() -> anyhow::Result<()> {
        let (window, headless) = window_and_headless(&[])?;
        assert_eq!(window, headless);
        // ... and it is the one set of defaults: 2 analyses a second, 4 while at risk.
        let rate = crate::pipeline::RatePolicy::monitor(&PostureConfig::default());
        assert_eq!(rate.fps, Some(2.0));
        assert_eq!(rate.at_risk_fps, Some(4.0));
        assert!(window.contains(&format!("{rate:?}")), "{window}");
        assert!(
            window.contains(&format!("{:?}", PostureConfig::default())),
            "{window}"
        );
        // The same options change both the same way.
        let (window, headless) = window_and_headless(&["--onset-delay", "5", "--rate", "3"])?;
        assert_eq!(window, headless);
        assert!(window.contains("onset_delay_s: 5.0"), "{window}");
        assert!(window.contains("fps: Some(3.0)"), "{window}");
        Ok(())
    }

    #[test]
    fn one_model_choice_for_every_command() {
        for command in [
            vec!["plumbline", "analyze", "x.mp4", "--model", "heavy"],
            vec![
                "plumbline",
                "baseline",
                "--subject",
                "P",
                "--source",
                "x",
                "--model",
                "lite",
            ],
            vec!["plumbline", "pose", "x.jpg", "--model", "heavy"],
        ] {
            Cli::try_parse_from(&command).unwrap_or_else(|err| panic!("{command:?}: {err}"));
        }
        let err = Cli::try_parse_from(["plumbline", "pose", "x.jpg", "--threads", "0"])
            .expect_err("no threads");
        assert!(err.to_string().contains("1 to 64"), "{err}");
    }

    #[test]
    fn the_autostart_command_line_starts_in_the_background() {
        let args = std::iter::once("plumbline")
            .chain(crate::desktop::autostart::AUTOSTART_ARGS.split_whitespace());
        let cli = Cli::try_parse_from(args).expect("the autostart entry's arguments parse");
        assert!(cli.window.background);
        assert!(cli.command.is_none(), "the window, not a subcommand");
    }
}
