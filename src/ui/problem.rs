//! Error screens: what stops the live view, told in words that say what to do next.
//!
//! The pipeline reports failures as text (`SourceStatus::Failed`, `Update::Failed`); this
//! module sorts them into the few situations a user can act on and draws one screen for each.

use super::theme;

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
    /// ONNX Runtime or the models could not be loaded.
    NoRuntime(String),
    /// The video file or folder cannot be read.
    BadSource(String),
    /// Another worker failed.
    PipelineFailed(String),
}

/// Words in a failure message that point at the runtime or the model files.
const RUNTIME_WORDS: [&str; 5] = ["runtime", "onnx", "model", "ort_dylib", "pose engine"];

/// Words in a failure message that point at a camera.
const CAMERA_WORDS: [&str; 4] = ["camera", "webcam", "/dev/video", "device"];

/// Words in a failure message that point at the video file or image folder.
const SOURCE_WORDS: [&str; 4] = ["source", "file", "folder", "video"];

fn mentions(message: &str, words: &[&str]) -> bool {
    let lower = message.to_lowercase();
    words.iter().any(|word| lower.contains(word))
}

impl Problem {
    /// Sorts a fatal pipeline failure (`Update::Failed`).
    pub fn from_pipeline_failure(message: &str) -> Self {
        if mentions(message, &RUNTIME_WORDS) {
            Self::NoRuntime(message.to_owned())
        } else if mentions(message, &CAMERA_WORDS) || mentions(message, &SOURCE_WORDS) {
            // A source that cannot be opened stops `Pipeline::start` before any status.
            Self::from_source_failure(message)
        } else {
            Self::PipelineFailed(message.to_owned())
        }
    }

    /// Sorts a source failure (`SourceStatus::Failed`).
    pub fn from_source_failure(message: &str) -> Self {
        if mentions(message, &CAMERA_WORDS) {
            Self::NoCamera(message.to_owned())
        } else {
            Self::BadSource(message.to_owned())
        }
    }

    /// The headline of the screen.
    pub fn title(&self) -> &'static str {
        match self {
            Self::NoCamera(_) => "No camera",
            Self::CameraLost { .. } => "Camera lost, reconnecting",
            Self::NoRuntime(_) => "Pose engine not available",
            Self::BadSource(_) => "Cannot read the source",
            Self::PipelineFailed(_) => "The analysis stopped",
        }
    }

    /// What the user can do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            Self::NoCamera(_) => {
                "Connect a webcam and check that no other program is using it, then restart \
                 plumbline. To analyse a recording instead, start it with \
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
            | Self::BadSource(message)
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

    #[test]
    fn sorts_failures_by_what_the_user_can_do() {
        assert!(matches!(
            Problem::from_pipeline_failure("cannot load libonnxruntime.so"),
            Problem::NoRuntime(_)
        ));
        assert!(matches!(
            Problem::from_pipeline_failure("no camera found"),
            Problem::NoCamera(_)
        ));
        assert!(matches!(
            Problem::from_source_failure("cannot open clip.mp4: invalid data"),
            Problem::BadSource(_)
        ));
        assert!(matches!(
            Problem::from_pipeline_failure(
                "cannot open the source: no such file or folder; check the path: /tmp/x.mp4"
            ),
            Problem::BadSource(_)
        ));
        assert!(matches!(
            Problem::from_pipeline_failure(
                "cannot open the source: no camera at index 0; plug a webcam in"
            ),
            Problem::NoCamera(_)
        ));
        assert!(matches!(
            Problem::from_pipeline_failure(
                "cannot start the pose engine: ORT_DYLIB_PATH points to a missing file"
            ),
            Problem::NoRuntime(_)
        ));
        assert!(matches!(
            Problem::from_pipeline_failure("store thread panicked"),
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
            Problem::BadSource(String::new()),
            Problem::PipelineFailed(String::new()),
        ];
        for problem in problems {
            assert!(problem.advice().len() > 40, "{problem:?}");
            assert!(!problem.title().is_empty());
        }
    }
}
