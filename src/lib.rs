//! plumbline: watches a person through a webcam or a recording, estimates their pose with
//! BlazePose on ONNX Runtime, measures forward head posture (craniovertebral angle) with trunk
//! and pelvis proxies, and warns when a posture persists.
//!
//! # Layout
//! - [`bounds`]: the allowed range of every number a user gives, defined once.
//! - [`capture`]: frame sources (camera, video file, images) and the latest-wins hand-over.
//! - [`runtime`] and [`models`]: locating ONNX Runtime and loading the verified model files.
//! - [`pose`]: the BlazePose pipeline (detector, ROI tracking, landmarks, smoothing).
//! - [`geometry`]: pure angle maths on landmarks (no I/O).
//! - [`posture`]: per-frame samples, baselines, the persistence state machine, RULA bands.
//! - [`render`]: drawing on frames (skeleton, CVA, state) and face anonymisation.
//! - [`store`]: SQLite sessions, per-second aggregates, events, baselines and follow-up holds.
//! - [`report`]: summaries, visit comparisons, CSV/JSON export and HTML reports of stored
//!   sessions.
//! - [`pipeline`]: the threads and channels that connect the above, and the recorder that
//!   stores a running pipeline's numbers.
//! - [`desktop`]: the desk companion (tray, notifications, pause on screen lock).
//! - [`config`]: the one configuration file of the window and the monitor (the judge's
//!   [`posture::PostureConfig`] and the companion's [`desktop::CompanionConfig`]).
//! - [`ui`]: the egui overlay.
//! - [`cli`]: the command-line front end that `main.rs` calls.
//!
//! # Failure handling
//! Every module that can fail has one `thiserror` enum; the CLI and pipeline add context with
//! `anyhow` and print the chain with `{:#}`. Bad input (missing runtime, corrupt model, no
//! camera, truncated video, locked database) is a typed error with a message that names the
//! fix, never a panic. Degenerate geometry yields `None` with a reason, never NaN.

pub mod bounds;
pub mod capture;
pub mod cli;
pub mod config;
pub mod desktop;
pub mod geometry;
pub mod models;
pub mod pipeline;
pub mod pose;
pub mod posture;
pub mod render;
pub mod report;
pub mod runtime;
pub mod store;
pub mod ui;
