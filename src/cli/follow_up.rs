//! `plumbline follow-up`: records the same standard hold as `plumbline baseline` and stores
//! it as a follow-up visit, then prints its comparison with the latest baseline before it.

use std::process::ExitCode;

use super::Global;
use super::compare::progress_text;
use super::hold::{HoldArgs, record_hold, summary_text};
use crate::report::progress::compare_visits;
use crate::store::VisitRole;
use crate::store::visits::pick_pair;

/// Arguments of `plumbline follow-up`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub hold: HoldArgs,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let recorded = record_hold(&args.hold, VisitRole::FollowUp, global)?;
    let subject = args.hold.subject.trim();
    print!(
        "{}",
        summary_text(&format!("Follow-up of subject {subject}"), &recorded)
    );
    let visits = recorded.store.visits(subject)?;
    match pick_pair(subject, &visits, None, Some(recorded.session)) {
        Ok((baseline, follow_up)) => {
            println!();
            print!(
                "{}",
                progress_text(&compare_visits(&visits[baseline], &visits[follow_up]))
            );
        }
        // The follow-up is stored; without an earlier baseline there is nothing to compare.
        Err(err) => println!("\n{err}"),
    }
    Ok(ExitCode::SUCCESS)
}
