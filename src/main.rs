//! Thin binary: parse the command line and hand over to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    match plumbline::cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
