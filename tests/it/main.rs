//! One integration-test binary (as ripgrep does): real models, real runtime, real files.

mod capture;
mod clips;
#[cfg(target_os = "linux")]
mod desktop;
mod doctor;
mod geometry;
mod hostile;
mod monitor;
mod pose;
mod posture;
mod privacy;
mod records;
mod repo;
mod store;
mod ui;
