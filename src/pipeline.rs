//! Spawns, wires and stops the worker threads: the only place that knows the topology.
//!
//! The message types below are the contract between the pipeline and the window
//! (`ui`), the headless monitor and the recorder.

use crate::capture::Frame;
use crate::pose::PoseEstimate;
use crate::posture::{PostureEvent, PostureSample};

/// One analysed frame, as the UI shows it.
#[derive(Clone, Debug)]
pub struct Analysed {
    /// The frame the pose thread analysed (shared pixels).
    pub frame: Frame,
    /// What the pose engine found.
    pub estimate: PoseEstimate,
    /// The posture judgement for this frame.
    pub sample: PostureSample,
}

/// The state of the frame source, for the status line and error screens.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceStatus {
    /// Opening the source.
    Opening,
    /// Delivering frames; the text describes the source (device name, file, resolution).
    Running(String),
    /// The camera was lost; retrying.
    Reconnecting {
        /// Retry number, from 1.
        attempt: u32,
        /// Seconds until the next try.
        retry_in_s: f64,
        /// Why it was lost.
        reason: String,
    },
    /// The source ended (end of file or folder).
    Ended,
    /// The source cannot be used; the text says what to do.
    Failed(String),
}

/// What the pipeline tells its consumers (window, headless printer).
#[derive(Clone, Debug)]
pub enum Update {
    /// A frame was analysed.
    Analysed(Box<Analysed>),
    /// The source's state changed.
    Source(SourceStatus),
    /// The posture machine reported an event.
    Posture(PostureEvent),
    /// A worker failed and the pipeline cannot go on; the text says what to do.
    Failed(String),
}

/// What the consumers can ask of the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// Snooze warnings for this many minutes.
    Snooze {
        /// Minutes.
        minutes: f64,
    },
    /// End a snooze now.
    Resume,
    /// Start a calibration of this many seconds (the user sits upright).
    Calibrate {
        /// Seconds.
        seconds: f64,
    },
    /// Change the onset delay (seconds).
    SetOnsetDelay(f64),
    /// Change the analysis rate (frames per second).
    SetRate(f64),
}
