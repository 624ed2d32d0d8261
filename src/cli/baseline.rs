//! `plumbline baseline`: records a subject's standard hold (sitting upright for a few seconds,
//! or one or more photos) through the real pipeline and stores it as a new baseline visit.
//! Earlier baselines are kept; `compare` pairs each follow-up with the baseline before it.

use std::process::ExitCode;

use super::Global;
use super::hold::{HoldArgs, record_hold, summary_text};
use crate::store::VisitRole;

/// Arguments of `plumbline baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub hold: HoldArgs,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let recorded = record_hold(&args.hold, VisitRole::Baseline, global)?;
    print!(
        "{}",
        summary_text(
            &format!("Baseline of subject {}", args.hold.subject.trim()),
            &recorded
        )
    );
    Ok(ExitCode::SUCCESS)
}
