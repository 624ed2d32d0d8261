//! Posture judgement over time: per-frame samples from landmarks, calibration baselines, the
//! persistence state machine, exposure accounting and RULA bands.
//!
//! - [`metrics`]: [`crate::pose::Skeleton`] to [`Metrics`], valid per view.
//! - [`baseline`]: calibration, mean and SD per metric.
//! - [`state`]: the persistence machine (onset delay, exit hysteresis, away, snooze).
//! - [`exposure`]: forward-head minutes per hour.
//! - [`rula`]: RULA neck and trunk bands.
//! - [`config`]: [`PostureConfig`], every threshold and delay.
//! - [`judge`]: [`PostureJudge`], the per-frame entry point of the pipeline.

pub mod baseline;
pub mod config;
pub mod exposure;
pub mod judge;
pub mod metrics;
pub mod rula;
mod sample;
pub mod state;

pub use config::PostureConfig;
pub use judge::PostureJudge;
pub use sample::{Baseline, MetricStats, Metrics, PostureEvent, PostureSample, PostureState, View};
