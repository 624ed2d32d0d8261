//! Thin binary: switch the runtime's telemetry off, parse the command line and hand over to
//! the library.

use std::process::ExitCode;

use plumbline::runtime::{TELEMETRY_OFF, TELEMETRY_VAR};

fn main() -> ExitCode {
    // First, while this is the only thread of the process.
    switch_runtime_telemetry_off();
    match plumbline::cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Puts `ORT_DISABLE_TELEMETRY=1` into the process environment, whatever the caller set, so
/// ONNX Runtime finds it when it loads (the loader refuses to load without it; see
/// `plumbline::runtime`).
#[allow(unsafe_code)] // the binary's only unsafe block; see SAFETY below
fn switch_runtime_telemetry_off() {
    if std::env::var_os(TELEMETRY_VAR).is_none_or(|value| value != TELEMETRY_OFF) {
        // SAFETY: `set_var` is unsound only while another thread may read or write the
        // environment. This runs as the first statement of `main`: the Rust runtime starts no
        // thread before `main`, and nothing linked into plumbline starts one from a static
        // constructor, so the process has exactly one thread here.
        unsafe { std::env::set_var(TELEMETRY_VAR, TELEMETRY_OFF) };
    }
}
