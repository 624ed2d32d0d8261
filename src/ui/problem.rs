//! Error screens: what stops the live view, told in words that say what to do next.
//!
//! The pipeline reports typed failures ([`Failure`] in `SourceStatus::Failed` and
//! `Update::Failed`); this module maps each [`FailureKind`] to one screen.

use super::theme;
use crate::pipeline::{Failure, FailureKind};

/// A situation that replaces the live view with an error screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// No camera could be opened.
    NoCamera(String),
    /// The camera was lost and the pipeline is retrying.
    CameraLost {
        /// Retry number, from 1.
        attempt: u32,
        /// Seconds until the next try.
        retry_in_s: f64,
        /// Why it was lost.
        reason: String,
    },
    /// ONNX Runtime could not be loaded.
    NoRuntime(String),
    /// The model files are missing or damaged.
    BadModels(String),
    /// The video file, image or folder does not exist.
    FileNotFound(String),
    /// The video file or folder cannot be read.
    BadSource(String),
    /// A setting is out of range or the configuration file cannot be used.
    BadSettings(String),
    /// Another worker failed.
    PipelineFailed(String),
}

impl Problem {
    /// The screen for a failure of the pipeline or its source.
    pub fn from_failure(failure: &Failure) -> Self {
        let message = failure.message.clone();
        match failure.kind {
            FailureKind::Runtime => Self::NoRuntime(message),
            FailureKind::Models => Self::BadModels(message),
            FailureKind::NoCamera | FailureKind::CameraLost => Self::NoCamera(message),
            FailureKind::FileNotFound => Self::FileNotFound(message),
            FailureKind::BadSource => Self::BadSource(message),
            FailureKind::Settings => Self::BadSettings(message),
            FailureKind::Analysis | FailureKind::Internal => Self::PipelineFailed(message),
        }
    }

    /// The headline of the screen.
    pub fn title(&self) -> &'static str {
        match self {
            Self::NoCamera(_) => "No camera",
            Self::CameraLost { .. } => "Camera lost, reconnecting",
            Self::NoRuntime(_) => "Pose engine not available",
            Self::BadModels(_) => "Model files missing or damaged",
            Self::FileNotFound(_) => "File not found",
            Self::BadSource(_) => "Cannot read the source",
            Self::BadSettings(_) => "Settings not valid",
            Self::PipelineFailed(_) => "The analysis stopped",
        }
    }

    /// What the user can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            Self::NoCamera(_) => {
                "Connect a webcam and check that no other program is using it, then restart \
                 plumbline. To analyze a recording instead, start it with \
                 `plumbline --source <video file or image folder>`."
            }
            Self::CameraLost { .. } => {
                "Check the cable or the camera's privacy switch. plumbline retries by itself; \
                 your session continues when the camera is back."
            }
            Self::NoRuntime(_) => {
                "Install ONNX Runtime with `scripts/fetch-runtime` (or set ORT_DYLIB_PATH to \
                 libonnxruntime), check the models folder, and run `plumbline doctor` to see \
                 what is missing."
            }
            Self::BadModels(_) => {
                "Restore the models folder of the installation (in a source checkout: \
                 `git checkout models`), or point `--models-dir` (or PLUMBLINE_MODELS) at a \
                 folder with the verified models; `plumbline doctor` says which file is wrong."
            }
            Self::FileNotFound(_) => {
                "Check the path and the spelling: the file or folder does not exist (or was \
                 moved). Start plumbline with `--source <video file or image folder>`, or \
                 `--source camera:0` for the webcam."
            }
            Self::BadSettings(_) => {
                "Fix the value named above in the configuration file (docs/MONITOR.md lists \
                 every field and its range), or delete the file to start from the defaults."
            }
            Self::BadSource(_) => {
                "Check the path. plumbline reads video files FFmpeg can decode and folders of \
                 JPEG or PNG images; a damaged file stops at the first bad frame."
            }
            Self::PipelineFailed(_) => {
                "Restart plumbline. If it happens again, run `plumbline doctor` and `plumbline -vv` \
                 and keep the log."
            }
        }
    }

    /// The detail from the pipeline.
    pub fn detail(&self) -> String {
        match self {
            Self::NoCamera(message)
            | Self::NoRuntime(message)
            | Self::BadModels(message)
            | Self::FileNotFound(message)
            | Self::BadSource(message)
            | Self::BadSettings(message)
            | Self::PipelineFailed(message) => message.clone(),
            Self::CameraLost {
                attempt,
                retry_in_s,
                reason,
            } => format!("{reason} (attempt {attempt}, next try in {retry_in_s:.0} s)"),
        }
    }
}

/// Draws the error screen for `problem`.
pub fn ui(ui: &mut egui::Ui, problem: &Problem) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.15);
        ui.heading(egui::RichText::new(problem.title()).color(theme::ERROR));
        ui.add_space(12.0);
        ui.label(problem.advice());
        ui.add_space(8.0);
        ui.label(egui::RichText::new(format!("Details: {}", problem.detail())).weak());
        if matches!(problem, Problem::CameraLost { .. }) {
            ui.add_space(8.0);
            ui.spinner();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(kind: FailureKind, message: &str) -> Problem {
        Problem::from_failure(&Failure::new(kind, message))
    }

    #[test]
    fn sorts_failures_by_kind_not_by_words() {
        assert!(matches!(
            screen(FailureKind::Runtime, "cannot load libonnxruntime.so"),
            Problem::NoRuntime(_)
        ));
        assert!(matches!(
            screen(FailureKind::NoCamera, "no camera found"),
            Problem::NoCamera(_)
        ));
        assert!(matches!(
            screen(FailureKind::BadSource, "cannot open clip.mp4: invalid data"),
            Problem::BadSource(_)
        ));
        // The words that used to decide the screen no longer matter.
        assert!(matches!(
            screen(
                FailureKind::FileNotFound,
                "cannot open the source: no such file or folder; check the path: \
                 /home/me/models/onnx-runtime-camera.mp4"
            ),
            Problem::FileNotFound(_)
        ));
        assert!(matches!(
            screen(
                FailureKind::Settings,
                "cannot start the pose engine: onset_delay_s = -5 is out of range"
            ),
            Problem::BadSettings(_)
        ));
        assert!(matches!(
            screen(FailureKind::Models, "model file missing"),
            Problem::BadModels(_)
        ));
        assert!(matches!(
            screen(FailureKind::Internal, "store thread panicked"),
            Problem::PipelineFailed(_)
        ));
    }

    #[test]
    fn every_screen_says_what_to_do() {
        let problems = [
            Problem::NoCamera(String::new()),
            Problem::CameraLost {
                attempt: 1,
                retry_in_s: 2.0,
                reason: "gone".into(),
            },
            Problem::NoRuntime(String::new()),
            Problem::BadModels(String::new()),
            Problem::FileNotFound(String::new()),
            Problem::BadSource(String::new()),
            Problem::BadSettings(String::new()),
            Problem::PipelineFailed(String::new()),
        ];
        for problem in problems {
            assert!(problem.advice().len() > 40, "{problem:?}");
            assert!(!problem.title().is_empty());
        }
    }
}
