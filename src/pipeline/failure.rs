//! Typed failures at the pipeline boundary: what stopped, sorted into the few situations a
//! user can act on, with the full message.
//!
//! A [`Failure`] is built from the module error types while they are still typed
//! ([`CaptureError`], [`PoseError`], [`ModelError`], [`RuntimeError`], [`ConfigError`]);
//! the kind never comes from the message text, so a path that happens to contain "models" or
//! "camera" cannot change the screen the window shows.

use crate::capture::CaptureError;
use crate::models::ModelError;
use crate::pose::PoseError;
use crate::posture::config::ConfigError;
use crate::runtime::RuntimeError;

/// What kind of trouble stopped the pipeline (or its source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// ONNX Runtime is missing or cannot be loaded.
    Runtime,
    /// A model file is missing, damaged, or does not match the manifest.
    Models,
    /// No camera answers, or it refuses to start.
    NoCamera,
    /// The camera was lost and did not come back.
    CameraLost,
    /// The video file, image or folder does not exist.
    FileNotFound,
    /// The file or folder exists but cannot be read or decoded, or the source text is wrong.
    BadSource,
    /// A setting is out of its range or a configuration file cannot be used.
    Settings,
    /// Frames could not be analyzed (the pose engine failed on many frames in a row).
    Analysis,
    /// Anything else: a thread that could not start or ended without a message.
    Internal,
}

/// A failure the pipeline reports: its kind and the message that says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// What kind of trouble it is (the window picks its screen by this).
    pub kind: FailureKind,
    /// The whole message, causes included.
    pub message: String,
}

impl Failure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Sorts `err` by the first typed error in its chain (contexts included in the message).
    pub fn from_anyhow(err: &anyhow::Error) -> Self {
        Self::new(kind_of_chain(err.chain()), format!("{err:#}"))
    }

    /// Sorts a typed error (and its causes) into a failure.
    pub fn from_error(err: &(dyn std::error::Error + 'static)) -> Self {
        let chain = std::iter::successors(Some(err), |err| err.source());
        let mut message = err.to_string();
        for cause in std::iter::successors(err.source(), |err| err.source()) {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
        }
        Self::new(kind_of_chain(chain), message)
    }

    /// The same failure with `context` in front of the message (`context: message`).
    #[must_use]
    pub fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

/// The kind of the first error in `chain` that has one; [`FailureKind::Internal`] otherwise.
fn kind_of_chain<'a>(
    mut chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> FailureKind {
    chain.find_map(kind_of).unwrap_or(FailureKind::Internal)
}

/// The kind of one error, if it is one of the typed errors the pipeline knows.
fn kind_of(err: &(dyn std::error::Error + 'static)) -> Option<FailureKind> {
    if let Some(err) = err.downcast_ref::<CaptureError>() {
        return Some(capture_kind(err));
    }
    if let Some(err) = err.downcast_ref::<PoseError>() {
        return Some(match err {
            PoseError::Model(err) => model_kind(err),
            PoseError::Inference { .. }
            | PoseError::Output { .. }
            | PoseError::EmptyFrame { .. } => FailureKind::Analysis,
        });
    }
    if let Some(err) = err.downcast_ref::<ModelError>() {
        return Some(model_kind(err));
    }
    if err.downcast_ref::<RuntimeError>().is_some() {
        return Some(FailureKind::Runtime);
    }
    if err.downcast_ref::<ConfigError>().is_some() {
        return Some(FailureKind::Settings);
    }
    None
}

fn capture_kind(err: &CaptureError) -> FailureKind {
    match err {
        CaptureError::NoCamera { .. }
        | CaptureError::CameraOpen { .. }
        | CaptureError::CameraBusy { .. } => FailureKind::NoCamera,
        CaptureError::Reconnecting { .. } | CaptureError::CameraLost { .. } => {
            FailureKind::CameraLost
        }
        CaptureError::FileMissing { .. } => FailureKind::FileNotFound,
        CaptureError::BadSpec { .. }
        | CaptureError::Undecodable { .. }
        | CaptureError::NoVideoStream { .. }
        | CaptureError::NoFrameAt { .. }
        | CaptureError::Truncated { .. }
        | CaptureError::Corrupt { .. }
        | CaptureError::EmptyFolder { .. }
        | CaptureError::NoReadableImage { .. }
        | CaptureError::Image { .. }
        | CaptureError::Io { .. }
        | CaptureError::Ffmpeg { .. } => FailureKind::BadSource,
    }
}

fn model_kind(err: &ModelError) -> FailureKind {
    match err {
        ModelError::Runtime(_) => FailureKind::Runtime,
        ModelError::NoModelsDir
        | ModelError::NotInManifest(_)
        | ModelError::Manifest(_)
        | ModelError::Missing { .. }
        | ModelError::Read { .. }
        | ModelError::Checksum { .. }
        | ModelError::Invalid { .. }
        | ModelError::Interface { .. } => FailureKind::Models,
    }
}

/// Why a [`super::Pipeline`] did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The source cannot be opened (missing file, no camera, undecodable video, ...).
    #[error("cannot open the source: {0}")]
    Source(Failure),
    /// The analyzer (runtime, models, posture settings) cannot be built.
    #[error("cannot start the pose engine: {0}")]
    Engine(Failure),
    /// A worker thread could not be spawned.
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        /// The thread's name.
        name: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl StartError {
    /// The failure to show: its kind, and the message with what was being started.
    pub fn failure(&self) -> Failure {
        let kind = match self {
            Self::Source(failure) | Self::Engine(failure) => failure.kind,
            Self::Thread { .. } => FailureKind::Internal,
        };
        Failure::new(kind, self.to_string())
    }
}

/// Why a [`super::Control`] was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The pipeline has stopped (or never started).
    #[error("the pipeline has stopped")]
    Stopped,
    /// The pipeline did not take the request in time (its queue is full).
    #[error("the pipeline is busy and did not take the request in time")]
    Busy,
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use anyhow::Context as _;

    use super::*;

    #[test]
    fn kinds_come_from_the_error_types_not_the_words() {
        // A missing video in a folder called `models/` is a missing file, not a model problem.
        let missing = CaptureError::FileMissing {
            path: PathBuf::from("/home/me/models/camera-runtime.mp4"),
        };
        let failure = Failure::from_error(&missing);
        assert_eq!(failure.kind, FailureKind::FileNotFound);
        assert!(failure.message.contains("camera-runtime.mp4"));

        let runtime = RuntimeError::NotFound {
            searched: "/opt/video/camera".into(),
        };
        let wrapped: anyhow::Error = Err::<(), _>(ModelError::Runtime(runtime))
            .context("cannot load the models")
            .expect_err("an error");
        let failure = Failure::from_anyhow(&wrapped);
        assert_eq!(failure.kind, FailureKind::Runtime);
        assert!(
            failure.message.starts_with("cannot load the models: "),
            "{}",
            failure.message
        );

        let model = PoseError::Model(ModelError::NoModelsDir);
        assert_eq!(Failure::from_error(&model).kind, FailureKind::Models);
        let camera = CaptureError::NoCamera {
            index: 0,
            found: "none".into(),
        };
        assert_eq!(Failure::from_error(&camera).kind, FailureKind::NoCamera);
        let config = ConfigError::Range(crate::bounds::RangeError {
            name: "onset_delay_s",
            value: -5.0,
            range: "0 to 3600 s".into(),
        });
        assert_eq!(Failure::from_error(&config).kind, FailureKind::Settings);
        let plain = anyhow::anyhow!("a file about models and cameras went wrong");
        assert_eq!(Failure::from_anyhow(&plain).kind, FailureKind::Internal);
    }

    #[test]
    fn start_errors_keep_the_kind_and_say_what_was_starting() {
        let err = StartError::Source(Failure::new(FailureKind::FileNotFound, "no such file"));
        let failure = err.failure();
        assert_eq!(failure.kind, FailureKind::FileNotFound);
        assert_eq!(failure.message, "cannot open the source: no such file");
    }
}
