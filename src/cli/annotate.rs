//! `plumbline annotate VIDEO --out OUT.mp4`: writes the video again with the skeleton, the CVA
//! and the posture state drawn on every frame, and faces blurred unless `--no-blur` is given.
//!
//! A thin caller of [`crate::pipeline::annotate`] (the one loop that analyzes, draws and
//! encodes, shared with the window's review mode): it says the run's notices on stderr, shows
//! a progress bar over the video's time, stops on Ctrl-C and prints the closing line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Global;
use super::run::{RunOptions, progress_bar};
use crate::pipeline::annotate::{AnnotateError, AnnotateJob};
use crate::pose::ModelChoice;

/// Arguments of `plumbline annotate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The video to annotate.
    #[arg(value_name = "VIDEO")]
    pub input: PathBuf,

    /// Where to write the annotated video (`.mp4`; the extension picks the container).
    #[arg(long, value_name = "OUT.mp4")]
    pub out: PathBuf,

    /// Keep faces as they are (by default they are blurred so the footage can be handed on).
    #[arg(long)]
    pub no_blur: bool,

    /// Draw nothing (no skeleton, CVA or state): only the anonymised footage.
    #[arg(long)]
    pub no_overlay: bool,

    /// Replace OUT if it exists.
    #[arg(long)]
    pub overwrite: bool,

    /// The pose model.
    #[arg(long, value_enum, default_value_t = ModelChoice::Full)]
    pub model: ModelChoice,

    #[command(flatten)]
    pub judge: super::JudgeArgs,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    // First: a bad configuration costs nothing, not even a partial file.
    let posture = args.judge.posture()?;
    let job = AnnotateJob {
        input: args.input.clone(),
        out: args.out.clone(),
        blur: !args.no_blur,
        overlay: !args.no_overlay,
        overwrite: args.overwrite,
        models_dir: global.models_dir.clone(),
        options: RunOptions::new(args.model, None, posture),
        known: None,
    };
    let prepared = job.prepare().map_err(|err| in_cli_terms(err, &args.out))?;
    for notice in prepared.notices() {
        eprintln!("{notice}");
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // A handler may already be set (tests running commands in one process): Ctrl-C then
    // simply ends the process, and the hidden partial file stays.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let bar = progress_bar(
        &format!("annotate {}", args.input.display()),
        prepared.duration_s(),
    );
    let summary = prepared
        .run(
            &mut |progress| bar.set_position(progress.t_ms.max(0.0) as u64),
            &interrupted,
        )
        .map_err(|err| in_cli_terms(err, &args.out));
    bar.finish_and_clear();
    let summary = summary?;
    eprintln!("{}", summary.text("--no-blur"));
    if let Some(missing) = summary.missing_text() {
        eprintln!("{missing}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The refusals about the output in the command's own words (its flags).
fn in_cli_terms(err: AnnotateError, out: &Path) -> anyhow::Error {
    match err {
        AnnotateError::Exists(_) => anyhow::anyhow!(
            "{} exists; choose another --out or pass --overwrite",
            out.display()
        ),
        AnnotateError::IsInput(_) => anyhow::anyhow!(
            "--out {} is the input video; choose another file",
            out.display()
        ),
        AnnotateError::IsFolder(_) => anyhow::anyhow!("--out {} is a folder", out.display()),
        AnnotateError::NoFolder { folder, .. } => {
            anyhow::anyhow!("the folder of --out does not exist: {}", folder.display())
        }
        AnnotateError::NotAVideo(input) => anyhow::anyhow!(
            "`plumbline annotate` reads a video file; {} is not one",
            input.display()
        ),
        other => other.into(),
    }
}
