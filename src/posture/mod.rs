//! Posture judgement over time: per-frame samples from landmarks, calibration baselines, the
//! persistence state machine, exposure accounting and RULA bands.

mod sample;

pub use sample::{Baseline, MetricStats, Metrics, PostureEvent, PostureSample, PostureState, View};
