//! `plumbline measure` (being built).

use std::process::ExitCode;

use super::Global;

/// Arguments of `plumbline measure`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: &Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`plumbline measure` is not built yet")
}
