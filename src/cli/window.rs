//! `plumbline` without a subcommand: the monitor window (being built).

use std::process::ExitCode;

use super::Global;

/// Opens the window on `source` (default camera when `None`).
pub fn run(_source: Option<&str>, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the window is not built yet")
}
