//! The command-line front end: argument parsing and one module per subcommand.

mod analyze;
mod baseline;
mod compare;
mod doctor;
mod export;
mod measure;
mod monitor;
mod pose;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Record a baseline for a subject.
    Baseline(baseline::Args),
    /// Compare a subject's baseline with the latest follow-up.
    Compare(compare::Args),
    /// Export a stored session as CSV or JSON.
    Export(export::Args),
    /// Analyse recordings into sessions and an HTML report.
    Analyze(analyze::Args),
}

/// Parses the process arguments and runs the chosen command.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    match cli.command {
        None => window::run(cli.source.as_deref(), &cli.window, &cli.global),
        Some(Command::Doctor(args)) => doctor::run(&args, &cli.global),
        Some(Command::Pose(args)) => pose::run(&args, &cli.global),
        Some(Command::Measure(args)) => measure::run(&args, &cli.global),
        Some(Command::Monitor(args)) => monitor::run(&args, &cli.global),
        Some(Command::Baseline(args)) => baseline::run(&args, &cli.global),
        Some(Command::Compare(args)) => compare::run(&args, &cli.global),
        Some(Command::Export(args)) => export::run(&args, &cli.global),
        Some(Command::Analyze(args)) => analyze::run(&args, &cli.global),
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
    // A second init (tests calling run twice) is harmless, so the error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_autostart_command_line_starts_in_the_background() {
        let args = std::iter::once("plumbline")
            .chain(crate::desktop::autostart::AUTOSTART_ARGS.split_whitespace());
        let cli = Cli::try_parse_from(args).expect("the autostart entry's arguments parse");
        assert!(cli.window.background);
        assert!(cli.command.is_none(), "the window, not a subcommand");
    }
}
