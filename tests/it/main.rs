//! One integration-test binary (as ripgrep does): real models, real runtime, real files.

mod doctor;
mod ui;
