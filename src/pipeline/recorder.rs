//! The one path from the pipeline's [`Update`]s into the database, shared by `analyze`,
//! `baseline`, the headless monitor and the window.
//!
//! [`send_update`] hands the numbers of an update to the store's writer thread: the
//! [`PostureSample`](crate::posture::PostureSample) of an analyzed frame and posture events.
//! Frames (pixels) are never passed on, so nothing of the picture reaches the disk.
//!
//! [`Recorder`] wraps it for the live monitor, where saving is secondary to monitoring: it never
//! blocks the caller, and a database that cannot be opened or written (locked, damaged) turns
//! into one message ([`Recorder::take_message`]) while monitoring goes on.

use std::path::{Path, PathBuf};

use crossbeam_channel::TrySendError;

use crate::pose::ModelChoice;
use crate::posture::{PostureConfig, PostureEvent};
use crate::store::writer::{WriteMsg, WriterReport};
use crate::store::{NewSession, SessionId, SessionKind, Store, StoreError, StoreWriter};

use super::Update;

/// Hands the stored part of `update` to `writer` (blocking while its channel is full): the
/// posture sample of an analyzed frame, never the frame, and posture events. Source status and
/// failures are not stored; returns whether something was sent.
pub fn send_update(writer: &StoreWriter, update: &Update) -> Result<bool, StoreError> {
    match update {
        Update::Analyzed(analyzed) => writer.send_sample(&analyzed.sample).map(|()| true),
        Update::Posture(event) => writer.send_event(event).map(|()| true),
        Update::Source(_) | Update::Failed(_) => Ok(false),
    }
}

/// The writer message for `update`, if it carries something to store.
fn message(update: &Update) -> Option<WriteMsg> {
    match update {
        Update::Analyzed(analyzed) => Some(WriteMsg::Sample(Box::new(analyzed.sample.clone()))),
        Update::Posture(event) => Some(WriteMsg::Event(event.clone())),
        Update::Source(_) | Update::Failed(_) => None,
    }
}

/// The live monitor's recording of one session of kind
/// [`Monitor`](SessionKind::Monitor): never blocks, never stops the monitor.
#[derive(Debug)]
pub struct Recorder {
    /// The main connection (baselines); `None` when the database could not be opened.
    store: Option<Store>,
    writer: Option<StoreWriter>,
    path: Option<PathBuf>,
    subject: Option<String>,
    /// A message not yet shown to the user.
    pending: Option<String>,
    /// Whether samples are being saved.
    saving: bool,
    /// Samples that could not be handed to the writer.
    dropped: u64,
    /// Whether saving was asked for (not `--no-record`).
    requested: bool,
    /// Analyzed samples not saved because the database could not be used.
    lost: u64,
}

impl Recorder {
    /// Opens the database at `path` (the platform data folder when `None`), starts the session
    /// and its writer thread. Any failure gives a recorder that saves nothing and whose
    /// [`take_message`](Self::take_message) says why and what to do.
    pub fn start(path: Option<&Path>, new: &NewSession) -> Self {
        let resolved = path
            .map(Path::to_path_buf)
            .or_else(|| crate::store::default_path().ok());
        match Self::try_start(path, new) {
            Ok((store, writer)) => Self {
                path: Some(store.path().to_path_buf()),
                store: Some(store),
                writer: Some(writer),
                subject: new.subject.clone(),
                pending: None,
                saving: true,
                dropped: 0,
                requested: true,
                lost: 0,
            },
            Err(err) => {
                let mut recorder = Self::disabled(resolved);
                recorder.pending = Some(not_saving(&err));
                recorder.requested = true;
                recorder
            }
        }
    }

    fn try_start(
        path: Option<&Path>,
        new: &NewSession,
    ) -> Result<(Store, StoreWriter), StoreError> {
        let mut store = Store::open_or_default(path)?;
        let session = store.start_session(new)?;
        // The writer thread gets its own connection; WAL lets both work on the file.
        let writer = StoreWriter::spawn(Store::open(store.path())?, session)?;
        Ok((store, writer))
    }

    /// A recorder that saves nothing (`--no-record`), for the database at `path`.
    pub fn disabled(path: Option<PathBuf>) -> Self {
        Self {
            store: None,
            writer: None,
            path,
            subject: None,
            pending: None,
            saving: false,
            dropped: 0,
            requested: false,
            lost: 0,
        }
    }

    /// Analyzed samples that were to be saved but never reached the database writer (the
    /// database could not be opened, the writer stopped, or it was behind).
    pub fn lost(&self) -> u64 {
        self.lost + self.dropped
    }

    /// The database file, when known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The session being recorded.
    pub fn session(&self) -> Option<SessionId> {
        self.writer.as_ref().map(StoreWriter::session)
    }

    /// Whether samples are being saved.
    pub fn is_saving(&self) -> bool {
        self.saving
    }

    /// Files calibration baselines under `subject` from now on (`None`: not stored).
    pub fn set_subject(&mut self, subject: Option<String>) {
        self.subject = subject.filter(|code| !code.trim().is_empty());
    }

    /// A message for the user (shown once): why samples are not saved, or a baseline that was
    /// or could not be stored.
    pub fn take_message(&mut self) -> Option<String> {
        self.pending.take()
    }

    /// Records one update without blocking; a calibration's baseline is stored for the
    /// subject, if one is set.
    pub fn record(&mut self, update: &Update) {
        if let Update::Posture(PostureEvent::Calibrated { baseline, .. }) = update {
            self.save_baseline(baseline);
        }
        let Some(msg) = message(update) else {
            return;
        };
        let Some(sender) = self.writer.as_ref().and_then(StoreWriter::sender) else {
            if self.requested && matches!(msg, WriteMsg::Sample(_)) {
                self.lost += 1;
            }
            return;
        };
        match sender.try_send(msg) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped += 1;
                if self.dropped == 1 {
                    tracing::warn!("the database writer is behind; samples are being skipped");
                }
            }
            Err(TrySendError::Disconnected(_)) => self.writer_stopped(),
        }
    }

    /// The writer thread ended early: collect its error and stop saving.
    fn writer_stopped(&mut self) {
        self.saving = false;
        let err = match self.writer.take().map(StoreWriter::finish) {
            Some(Err(err)) => {
                if let StoreError::WriterStopped { unsaved, .. } = &err {
                    self.lost += unsaved;
                }
                err
            }
            _ => StoreError::WriterStopped {
                unsaved: 0,
                reason: "the writer thread ended".into(),
            },
        };
        self.pending = Some(not_saving(&err));
    }

    fn save_baseline(&mut self, baseline: &crate::posture::Baseline) {
        let Some(subject) = self.subject.clone() else {
            return;
        };
        if baseline.is_empty() {
            self.pending = Some(
                "The calibration measured nothing (nobody in view?), so no baseline was stored; \
                 calibrate again sitting in view."
                    .into(),
            );
            return;
        }
        let session = self.session();
        let result = match self.store.as_mut() {
            Some(store) => store.save_baseline(&subject, session, baseline),
            None => return,
        };
        self.pending = Some(match result {
            Ok(()) => format!(
                "Baseline stored for subject {subject}; `plumbline compare --subject {subject}` \
                 compares later sessions with it."
            ),
            Err(err) => format!("The baseline could not be stored: {err}"),
        });
    }

    /// Ends the session after the writer saved everything it was given.
    pub fn finish(mut self) -> Result<Option<WriterReport>, StoreError> {
        let Some(writer) = self.writer.take() else {
            return Ok(None);
        };
        let (_, report) = writer.finish()?;
        if self.dropped > 0 {
            tracing::warn!(
                "{} samples were skipped while the database writer was behind",
                self.dropped
            );
        }
        Ok(Some(report))
    }
}

/// A new live-monitoring session from `source` with the landmark `model`, judged with
/// `judged_with` (the running pipeline's [`Pipeline::judged_with`](super::Pipeline::judged_with)),
/// filed under `subject` when one is given (blank: none).
pub fn monitor_session(
    source: &str,
    model: ModelChoice,
    subject: Option<&str>,
    judged_with: Option<&PostureConfig>,
) -> NewSession {
    let mut new = NewSession::new(SessionKind::Monitor, source, judged_with.cloned());
    new.model = Some(model.as_str().to_owned());
    new.subject = subject
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_owned);
    new
}

/// The message for a database that cannot take samples.
fn not_saving(err: &StoreError) -> String {
    format!("Samples are not being saved (monitoring goes on): {err}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Baseline, PostureState};

    #[test]
    fn records_events_and_stores_a_calibration_baseline() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|source| StoreError::Io {
            path: "tempdir".into(),
            source,
        })?;
        let path = dir.path().join("s.sqlite");
        let mut recorder = Recorder::start(
            Some(&path),
            &NewSession::new(SessionKind::Monitor, "cam", None),
        );
        assert!(recorder.is_saving());
        recorder.set_subject(Some("P1".into()));
        recorder.record(&Update::Posture(PostureEvent::State {
            t_ms: 10.0,
            from: PostureState::Away,
            state: PostureState::Upright,
        }));
        recorder.record(&Update::Posture(PostureEvent::Calibrated {
            t_ms: 15.0,
            baseline: Baseline::default(),
        }));
        let message = recorder.take_message().unwrap_or_default();
        assert!(message.contains("no baseline was stored"), "{message}");
        recorder.record(&Update::Posture(PostureEvent::Calibrated {
            t_ms: 20.0,
            baseline: Baseline::of_side_cva(50.0, 1.0, 20),
        }));
        let message = recorder.take_message().unwrap_or_default();
        assert!(message.contains("compare --subject P1"), "{message}");
        let session = recorder.session().expect("saving");
        let report = recorder.finish()?.expect("a writer ran");
        assert_eq!(report.events, 3);
        let store = Store::open(&path)?;
        assert_eq!(store.session(session)?.kind, SessionKind::Monitor);
        let stored = store.latest_baseline("P1")?.expect("stored");
        assert_eq!(stored.baseline, Baseline::of_side_cva(50.0, 1.0, 20));
        assert_eq!(stored.session, Some(session));
        Ok(())
    }

    #[test]
    fn damaged_database_gives_one_message_and_records_nothing() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|source| StoreError::Io {
            path: "tempdir".into(),
            source,
        })?;
        let path = dir.path().join("bad.sqlite");
        std::fs::write(&path, b"not a database at all").map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let mut recorder = Recorder::start(
            Some(&path),
            &NewSession::new(SessionKind::Monitor, "cam", None),
        );
        assert!(!recorder.is_saving());
        let message = recorder.take_message().unwrap_or_default();
        assert!(message.contains("not being saved"), "{message}");
        assert!(message.contains("bad.sqlite"), "{message}");
        assert_eq!(recorder.take_message(), None, "shown once");
        recorder.record(&Update::Failed(crate::pipeline::Failure::new(
            crate::pipeline::FailureKind::Internal,
            "x",
        )));
        assert_eq!(recorder.finish()?, None);
        Ok(())
    }
}
