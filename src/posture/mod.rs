//! Posture judgement over time: per-frame samples from landmarks, the metric registry,
//! personal baselines, the persistence state machine, exposure accounting and RULA bands.
//!
//! - [`Metric`]: the one list of measures (key, names, unit, view, reference, direction).
//! - [`metrics`]: [`crate::pose::Skeleton`] to [`Metrics`], valid per view.
//! - [`baseline`]: the one baseline builder, its quality rules and mean/SD routine
//!   ([`RunningStats`]).
//! - [`learn`]: the automatic baseline from the person's own steady, upright stretches.
//! - [`state`]: the persistence machine (onset delay, exit hysteresis, away, snooze).
//! - [`exposure`]: forward-head minutes per hour.
//! - [`rula`]: RULA neck and trunk bands.
//! - [`config`]: [`PostureConfig`], every threshold and delay.
//! - [`judge`]: [`PostureJudge`], the per-frame entry point of the pipeline.

pub mod baseline;
pub mod config;
pub mod exposure;
pub mod judge;
pub mod learn;
mod metric;
pub mod metrics;
pub mod rula;
mod sample;
pub mod state;

pub use baseline::{
    Baseline, BaselineBuilder, BaselineFrame, BaselineRefused, BaselineRules, FrontSignal,
    MetricStats, RunningStats, SetupFeatures, SetupSignal,
};
pub use config::PostureConfig;
pub use judge::{JudgeInput, PostureJudge};
pub use metric::{
    CVA_MDC_DEG, Direction, Metric, Missing, PublishedMdc, Reference, Trend, Unit, ValidIn,
};
pub use sample::{BaselineStatus, Call, Metrics, PostureEvent, PostureSample, PostureState, View};
