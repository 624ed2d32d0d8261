//! The annotated video of the recording under review, written from the window as
//! `plumbline annotate VIDEO --out OUT.mp4` writes it (the same loop,
//! [`crate::pipeline::annotate`]): skeleton, CVA and state drawn (unless "draw nothing", as
//! `--no-overlay`), faces blurred unless "keep faces" is ticked (`--no-blur`), H.264 at the source's rate, mode 0600, a hidden partial file renamed at
//! the end, never replacing a file unless the user says so.
//!
//! The export runs on a short-lived `review-export` thread (the pipeline's own threads
//! beneath it) that wakes the window as frames are written; Cancel sets its stop flag and the
//! partial file is removed. The destination is typed (a path beside the recording is
//! suggested) or chosen in the desktop's save dialog on a `file-dialog` thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::capture::SourceSpec;
use crate::pipeline::annotate::{
    AnnotateError, AnnotateJob, AnnotateProgress, AnnotateSummary, annotate,
};

use super::{ReviewFrame, Setup};

/// Label of the destination field.
pub const EXPORT_PATH_FIELD: &str = "Annotated video: the file to write";
/// Label of the button that exports to the typed path.
pub const EXPORT: &str = "Export to this file";
/// Label of the button that asks the desktop's save dialog where to export.
pub const EXPORT_CHOOSE: &str = "Export annotated video…";
/// Label of the checkbox that keeps faces as they are.
pub const KEEP_FACES: &str = "Keep faces (no blur)";
/// Label of the checkbox that draws nothing (`--no-overlay`).
pub const NO_OVERLAY: &str = "Draw nothing (only the anonymised footage)";
/// Label of the button that stops a running export.
pub const CANCEL_EXPORT: &str = "Cancel export";
/// Label of the button that replaces an existing file after it was refused.
pub const REPLACE: &str = "Replace the existing file";

/// How often the export thread wakes the window while frames are written.
const WAKE_EVERY: Duration = Duration::from_millis(100);

/// How an export ended, as the window says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportOutcome {
    /// Written; the text names the path, the frames and the faces blurred.
    Written(String),
    /// Cancelled; nothing was written.
    Cancelled(String),
    /// Refused or failed; nothing was written.
    Failed(String),
    /// The file exists: the user is asked whether to replace it.
    Exists(PathBuf),
}

impl ExportOutcome {
    /// What the window shows.
    pub fn text(&self) -> String {
        match self {
            Self::Written(text) | Self::Cancelled(text) | Self::Failed(text) => text.clone(),
            Self::Exists(path) => format!(
                "{} exists. Choose another file, or replace it.",
                path.display()
            ),
        }
    }
}

/// What the export thread hands over.
#[derive(Debug, Default)]
struct Shared {
    progress: Option<AnnotateProgress>,
    result: Option<Result<AnnotateSummary, AnnotateError>>,
}

/// One running export; dropping it stops it (the partial file is removed).
pub struct Export {
    out: PathBuf,
    blur: bool,
    /// The review's analysis is drawn with (the model does not run again).
    reuses_analysis: bool,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("out", &self.out)
            .field("blur", &self.blur)
            .finish_non_exhaustive()
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Export {
    /// Starts writing `job` on the `review-export` thread; `wake` is called as frames are
    /// written and at the end.
    fn start(job: AnnotateJob, wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let out = job.out.clone();
        let blur = job.blur;
        let reuses_analysis = job.known.is_some();
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("review-export".into())
                .spawn(move || {
                    let mut last_wake = Instant::now();
                    let result = annotate(
                        job,
                        &mut |progress| {
                            lock(&shared).progress = Some(*progress);
                            if last_wake.elapsed() >= WAKE_EVERY {
                                last_wake = Instant::now();
                                wake();
                            }
                        },
                        &stop,
                    );
                    match &result {
                        Ok(summary) => tracing::info!(
                            "review export: wrote {} frames to {}",
                            summary.frames,
                            summary.out.display()
                        ),
                        Err(err) => tracing::warn!("review export: {err}"),
                    }
                    lock(&shared).result = Some(result);
                    wake();
                })?
        };
        Ok(Self {
            out,
            blur,
            reuses_analysis,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// Whether it draws with the review's analysis instead of running the model again.
    pub fn reuses_analysis(&self) -> bool {
        self.reuses_analysis
    }

    /// Where it writes.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// How far it is.
    pub fn progress(&self) -> Option<AnnotateProgress> {
        lock(&self.shared).progress
    }

    /// Asks it to stop; it ends at the next frame (or while the model loads) and removes its
    /// partial file.
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether Cancel was pressed.
    pub fn cancelling(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The outcome once it ended.
    fn take_result(&self) -> Option<Result<AnnotateSummary, AnnotateError>> {
        lock(&self.shared).result.take()
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the review export thread panicked");
        }
    }
}

/// The export form of review mode: destination, "keep faces", the running export and how
/// the last one ended.
#[derive(Debug, Default)]
pub struct ExportForm {
    /// The destination field.
    pub path_text: String,
    /// Keep faces as they are (off: faces are blurred).
    pub keep_faces: bool,
    /// Draw nothing, only anonymise (off: skeleton, CVA and state are drawn).
    pub no_overlay: bool,
    /// The recording the destination was suggested for.
    suggested_for: Option<PathBuf>,
    /// The export running now.
    running: Option<Export>,
    /// The save dialog's answer, while it is open.
    dialog: Option<Receiver<Option<PathBuf>>>,
    /// How the last export ended, until the next one starts.
    pub outcome: Option<ExportOutcome>,
    /// Exports started in this window.
    started: u64,
}

/// A destination beside `recording`: `NAME.annotated.mp4`.
pub fn suggested_path(recording: &Path) -> PathBuf {
    let stem = recording
        .file_stem()
        .map_or_else(|| "recording".into(), |stem| stem.to_string_lossy());
    recording.with_file_name(format!("{stem}.annotated.mp4"))
}

impl ExportForm {
    /// The export running now.
    pub fn running(&self) -> Option<&Export> {
        self.running.as_ref()
    }

    /// Exports started in this window.
    pub fn started(&self) -> u64 {
        self.started
    }

    /// Per repaint: a new recording gets a suggested destination, the dialog's answer
    /// starts an export, and a finished export becomes a message.
    pub(super) fn logic(&mut self, recording: Option<&Path>, start: &StartWith<'_>) {
        if let Some(recording) = recording
            && self.suggested_for.as_deref() != Some(recording)
        {
            self.suggested_for = Some(recording.to_path_buf());
            self.path_text = suggested_path(recording).display().to_string();
        }
        if let Some(dialog) = &self.dialog {
            match dialog.try_recv() {
                Ok(answer) => {
                    self.dialog = None;
                    // `None`: cancelled, or no dialog could be shown.
                    if let Some(path) = answer {
                        self.path_text = path.display().to_string();
                        if let Some(recording) = recording {
                            self.start(recording, path, false, start);
                        }
                    }
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.dialog = None;
                    self.outcome = Some(ExportOutcome::Failed(
                        "the file dialog failed; type or paste the path instead".to_owned(),
                    ));
                }
            }
        }
        let result = self.running.as_ref().and_then(Export::take_result);
        if let Some(result) = result {
            let Some(export) = self.running.take() else {
                return;
            };
            let cancelled = export.cancelling();
            drop(export);
            self.outcome = Some(outcome_of(result, cancelled));
        }
    }

    /// Starts exporting `recording` to `out` (none while one runs).
    pub(super) fn start(
        &mut self,
        recording: &Path,
        out: PathBuf,
        overwrite: bool,
        with: &StartWith<'_>,
    ) {
        if self.running.is_some() {
            return;
        }
        let job = self.job(recording, out, overwrite, with);
        self.outcome = None;
        match Export::start(job, Arc::clone(with.wake)) {
            Ok(export) => {
                self.started += 1;
                self.running = Some(export);
            }
            Err(err) => {
                self.outcome = Some(ExportOutcome::Failed(format!(
                    "cannot start the export thread: {err}"
                )));
            }
        }
    }

    /// The export of `recording` to `out` as the form and `with` say.
    fn job(
        &self,
        recording: &Path,
        out: PathBuf,
        overwrite: bool,
        with: &StartWith<'_>,
    ) -> AnnotateJob {
        AnnotateJob {
            input: recording.to_path_buf(),
            out,
            blur: !self.keep_faces,
            overlay: !self.no_overlay,
            overwrite,
            models_dir: with.setup.models_dir.clone(),
            // Only videos are exported (`export_ui`).
            options: with
                .setup
                .options(&SourceSpec::Video(recording.to_path_buf())),
            // The review's analysis is the same pipeline with the same settings
            // (`with.setup`): the model need not run again once it has seen every frame.
            known: with.known.map(Arc::from),
        }
    }

    /// Opens the desktop's save dialog on its own thread (it blocks until answered).
    fn choose(&mut self, wake: &Arc<dyn Fn() + Send + Sync>) {
        let suggested = PathBuf::from(self.path_text.trim());
        let asked = super::ask_on_dialog_thread(
            move || {
                let mut dialog = rfd::FileDialog::new()
                    .set_title("Export the annotated video")
                    .add_filter("MP4 video", &["mp4"]);
                if let Some(folder) = suggested.parent().filter(|f| f.is_dir()) {
                    dialog = dialog.set_directory(folder);
                }
                if let Some(name) = suggested.file_name() {
                    dialog = dialog.set_file_name(name.to_string_lossy());
                }
                dialog.save_file()
            },
            Some(Arc::clone(wake)),
        );
        match asked {
            Ok(answer) => self.dialog = Some(answer),
            Err(err) => {
                self.outcome = Some(ExportOutcome::Failed(format!(
                    "cannot open the file dialog: {err}"
                )));
            }
        }
    }
}

/// What an export needs from the window: the review's own setup (model and judge's
/// configuration, so its results may be reused), the review's results when it has analyzed
/// every frame, and the wake-up. Built by `export_with` (review/mod.rs).
pub(super) struct StartWith<'a> {
    pub setup: &'a Setup,
    pub known: Option<&'a [ReviewFrame]>,
    pub wake: &'a Arc<dyn Fn() + Send + Sync>,
}

/// The message for an ended export.
fn outcome_of(result: Result<AnnotateSummary, AnnotateError>, cancelled: bool) -> ExportOutcome {
    match result {
        Ok(summary) => {
            let mut text = summary.text("keep faces was ticked");
            for line in summary.notices.iter().chain(&summary.missing_text()) {
                text.push_str(". ");
                text.push_str(line);
            }
            ExportOutcome::Written(upper_first(&text))
        }
        Err(AnnotateError::Stopped { out }) if cancelled => ExportOutcome::Cancelled(format!(
            "Export cancelled; {} was not written",
            out.display()
        )),
        Err(AnnotateError::Exists(path)) => ExportOutcome::Exists(path),
        Err(err) => ExportOutcome::Failed(format!("The export failed: {err}")),
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The export section of the side panel, for the recording at `recording`.
pub(super) fn export_ui(
    ui: &mut egui::Ui,
    form: &mut ExportForm,
    recording: &Path,
    with: &StartWith<'_>,
) {
    ui.heading("Export an annotated video");
    if !matches!(
        SourceSpec::parse(&recording.to_string_lossy()),
        Ok(SourceSpec::Video(_))
    ) {
        ui.label(
            egui::RichText::new("An annotated video is made from a video file, not pictures.")
                .weak(),
        );
        return;
    }
    ui.label(
        egui::RichText::new(
            "Every frame with its skeleton, CVA and state, at the recording's own frame rate \
             (H.264, no sound), as `plumbline annotate` writes it. Faces are blurred so the \
             footage can be handed on.",
        )
        .weak(),
    );
    let running = form.running.is_some();
    let label = ui.label(EXPORT_PATH_FIELD);
    ui.add_enabled(
        !running,
        egui::TextEdit::singleline(&mut form.path_text)
            .hint_text("/path/to/annotated.mp4")
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    ui.add_enabled(
        !running,
        egui::Checkbox::new(&mut form.keep_faces, KEEP_FACES),
    );
    ui.add_enabled(
        !running,
        egui::Checkbox::new(&mut form.no_overlay, NO_OVERLAY),
    );
    ui.horizontal(|ui| {
        let typed = !form.path_text.trim().is_empty();
        if ui
            .add_enabled(!running && typed, egui::Button::new(EXPORT))
            .clicked()
        {
            let out = PathBuf::from(form.path_text.trim());
            form.start(recording, out, false, with);
        }
        if ui
            .add_enabled(
                !running && form.dialog.is_none(),
                egui::Button::new(EXPORT_CHOOSE),
            )
            .clicked()
        {
            form.choose(with.wake);
        }
    });
    if form.dialog.is_some() {
        ui.label(
            egui::RichText::new(
                "Waiting for the file dialog. If none appears (no desktop portal), type the \
                 path above and press \u{201c}Export to this file\u{201d}.",
            )
            .weak(),
        );
    }
    if let Some(export) = &form.running {
        let progress = export.progress();
        let text = match (export.cancelling(), progress) {
            (true, _) => "Cancelling…".to_owned(),
            (false, None) => "Loading the model and opening the recording…".to_owned(),
            (false, Some(p)) => match p.frames_total {
                Some(total) => format!("Exporting: {} of {total} frames", p.frames_done),
                None => format!("Exporting: {} frames", p.frames_done),
            },
        };
        let fraction = progress.and_then(|p| p.fraction()).unwrap_or(0.0);
        ui.add(egui::ProgressBar::new(fraction).text(text));
        ui.label(format!("Writing {}", export.out().display()));
        ui.label(
            egui::RichText::new(if export.reuses_analysis() {
                "Drawn with the review's analysis: the model does not run again."
            } else {
                "Every frame goes through the model (the review's analysis is not complete)."
            })
            .weak(),
        );
        if ui
            .add_enabled(!export.cancelling(), egui::Button::new(CANCEL_EXPORT))
            .clicked()
        {
            export.cancel();
        }
    }
    let mut replace = None;
    if let Some(outcome) = &form.outcome {
        let text = outcome.text();
        match outcome {
            ExportOutcome::Written(_) => {
                ui.colored_label(super::theme::GOOD, text);
            }
            ExportOutcome::Cancelled(_) => {
                ui.label(text);
            }
            ExportOutcome::Failed(_) => {
                ui.colored_label(super::theme::CAUTION, text);
            }
            ExportOutcome::Exists(path) => {
                ui.colored_label(super::theme::CAUTION, text);
                if ui.button(REPLACE).clicked() {
                    replace = Some(path.clone());
                }
            }
        }
    }
    if let Some(path) = replace {
        form.start(recording, path, true, with);
        // The progress and Cancel show from the next frame.
        ui.ctx().request_repaint();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::ModelChoice;
    use crate::posture::PostureConfig;

    #[test]
    fn the_suggested_destination_sits_beside_the_recording() {
        assert_eq!(
            suggested_path(Path::new("/clips/visit 2.mov")),
            Path::new("/clips/visit 2.annotated.mp4")
        );
    }

    /// The export runs the pipeline the review ran (models, model, judge's configuration,
    /// every frame): only then may it draw with the review's results.
    #[test]
    fn the_export_runs_with_the_reviews_own_setup() {
        let setup = Setup {
            models_dir: Some(PathBuf::from("/opt/models")),
            model: ModelChoice::Lite,
            posture: PostureConfig {
                max_frame_gap_s: 3.5,
                ..PostureConfig::default()
            },
        };
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(|| {});
        let with = StartWith {
            setup: &setup,
            known: None,
            wake: &wake,
        };
        let job = ExportForm::default().job(
            Path::new("/clips/visit.mkv"),
            PathBuf::from("/clips/visit.annotated.mp4"),
            false,
            &with,
        );
        assert_eq!(job.models_dir, setup.models_dir);
        assert_eq!(
            job.options,
            setup.options(&SourceSpec::Video("/clips/visit.mkv".into()))
        );
        assert_eq!(
            (job.options.model, job.options.fps, &job.options.posture),
            (ModelChoice::Lite, None, &setup.posture)
        );
        assert!(job.blur && job.overlay && !job.overwrite && job.known.is_none());
    }

    #[test]
    fn outcomes_say_what_happened() {
        let summary = AnnotateSummary {
            out: PathBuf::from("/tmp/a.mp4"),
            frames: 12,
            rate: (4, 1),
            faces: crate::pipeline::annotate::FaceCounts {
                blurred: 10,
                held: 1,
                none: 1,
            },
            blur: true,
            missing: 0,
            notices: Vec::new(),
        };
        let ExportOutcome::Written(text) = outcome_of(Ok(summary), false) else {
            panic!("written");
        };
        assert!(
            text.starts_with("Wrote /tmp/a.mp4: 12 frames at 4.000 fps; faces blurred in 11"),
            "{text}"
        );
        let stopped = AnnotateError::Stopped {
            out: PathBuf::from("/tmp/a.mp4"),
        };
        assert!(matches!(
            outcome_of(Err(stopped), true),
            ExportOutcome::Cancelled(_)
        ));
        let exists = AnnotateError::Exists(PathBuf::from("/tmp/a.mp4"));
        assert_eq!(
            outcome_of(Err(exists), false),
            ExportOutcome::Exists(PathBuf::from("/tmp/a.mp4"))
        );
    }
}
