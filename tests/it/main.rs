//! One integration-test binary for the whole crate.

mod capture;
mod monitor;
