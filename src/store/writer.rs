//! The database writer thread: receives per-frame samples and events over a bounded channel,
//! aggregates them per second and commits batches at least every [`COMMIT_INTERVAL`], so a
//! killed process loses at most about that much. The open second is written partially at each
//! commit and completed later.
//!
//! When a commit fails (disk full, database locked, file made read-only) nothing is dropped:
//! the per-second rows stay in memory (a few hundred bytes per second) and the commit is tried
//! again every [`RETRY_INTERVAL`] for as long as the session runs. The first failure of a run
//! of failures is logged once, naming the file and the cause, and the recovery once. Only what
//! is still unsaved when the session ends is lost, and [`StoreError::WriterStopped`] says how
//! many samples that is.
//!
//! The logic lives in [`WriterState`] (plain methods, tested without threads); the thread loop
//! around it only moves messages and keeps time.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::posture::{PostureEvent, PostureSample};

use super::aggregate::{Aggregator, SecondRow};
use super::rows::SessionId;
use super::{Store, StoreError};

/// Longest time between two commits while data arrives.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(500);

/// Capacity of the channel into the writer (as the pipeline's topology prescribes).
pub const CHANNEL_CAPACITY: usize = 256;

/// How often a failing commit is tried again.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// How long the last commit at the end of a session keeps trying (beyond the busy timeout of
/// each try) before the unsaved samples are given up.
pub const FINAL_RETRIES: u32 = 3;

/// A message for the writer.
#[derive(Clone, Debug)]
pub enum WriteMsg {
    /// One analyzed frame.
    Sample(Box<PostureSample>),
    /// An event of the posture machine.
    Event(PostureEvent),
}

/// What the writer saved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterReport {
    /// Per-frame samples received.
    pub samples: u64,
    /// Per-second rows written (the open second counts once, when completed).
    pub seconds: u64,
    /// Events written.
    pub events: u64,
    /// Commits done.
    pub commits: u64,
}

/// The writer's buffer: completed rows and events not yet committed.
#[derive(Debug)]
pub struct WriterState {
    session: SessionId,
    aggregator: Aggregator,
    rows: Vec<SecondRow>,
    events: Vec<PostureEvent>,
    pending_samples: u64,
    report: WriterReport,
    /// Whether the last commit failed (so the next failure is not reported again).
    failing: bool,
}

/// What a commit did.
#[derive(Debug)]
pub enum Commit {
    /// Everything buffered is in the database (or there was nothing to write).
    Saved,
    /// The database refused the batch; it is kept for the next try.
    Kept {
        /// Why.
        error: StoreError,
        /// Whether this is the first failure after a success: the one to tell the user about.
        first: bool,
    },
}

impl WriterState {
    /// An empty buffer for `session`.
    pub fn new(session: SessionId) -> Self {
        Self {
            session,
            aggregator: Aggregator::new(),
            rows: Vec::new(),
            events: Vec::new(),
            pending_samples: 0,
            report: WriterReport::default(),
            failing: false,
        }
    }

    /// Buffers one message.
    pub fn push(&mut self, msg: WriteMsg) {
        match msg {
            WriteMsg::Sample(sample) => {
                self.report.samples += 1;
                self.pending_samples += 1;
                self.rows.extend(self.aggregator.push(&sample));
            }
            WriteMsg::Event(event) => self.events.push(event),
        }
    }

    /// Commits the buffer (and the open second, partially) in one transaction. On failure
    /// everything stays buffered for the next try.
    pub fn commit(&mut self, store: &mut Store) -> Commit {
        let mut rows = self.rows.clone();
        rows.extend(self.aggregator.partial());
        if rows.is_empty() && self.events.is_empty() {
            return Commit::Saved;
        }
        match store.write_batch(self.session, &rows, &self.events) {
            Ok(()) => {
                self.report.seconds += self.rows.len() as u64;
                self.report.events += self.events.len() as u64;
                self.report.commits += 1;
                self.rows.clear();
                self.events.clear();
                self.pending_samples = 0;
                self.failing = false;
                Commit::Saved
            }
            Err(error) => Commit::Kept {
                error,
                first: !std::mem::replace(&mut self.failing, true),
            },
        }
    }

    /// Whether the last commit failed.
    pub fn is_failing(&self) -> bool {
        self.failing
    }

    /// Samples received since the last successful commit.
    pub fn unsaved(&self) -> u64 {
        self.pending_samples
    }

    /// Closes the open second and commits everything, trying [`FINAL_RETRIES`] more times
    /// [`RETRY_INTERVAL`] apart; what still cannot be written is
    /// [`StoreError::WriterStopped`] with the number of samples lost.
    pub fn finish(&mut self, store: &mut Store) -> Result<WriterReport, StoreError> {
        self.finish_with_retries(store, FINAL_RETRIES, RETRY_INTERVAL)
    }

    /// [`finish`](Self::finish) with the retries given (tests use none).
    pub fn finish_with_retries(
        &mut self,
        store: &mut Store,
        retries: u32,
        interval: Duration,
    ) -> Result<WriterReport, StoreError> {
        self.rows.extend(self.aggregator.finish());
        let mut attempt = 0;
        loop {
            match self.commit(store) {
                Commit::Saved => return Ok(self.report),
                Commit::Kept { error, .. } if attempt >= retries => {
                    return Err(StoreError::WriterStopped {
                        unsaved: self.pending_samples,
                        reason: error.to_string(),
                    });
                }
                Commit::Kept { .. } => {
                    attempt += 1;
                    std::thread::sleep(interval);
                }
            }
        }
    }
}

/// Handle of the running writer thread.
#[derive(Debug)]
pub struct StoreWriter {
    sender: Option<Sender<WriteMsg>>,
    handle: Option<std::thread::JoinHandle<Result<(Store, WriterReport), StoreError>>>,
    session: SessionId,
}

impl StoreWriter {
    /// Moves `store` into a new thread named `store` that writes `session`.
    pub fn spawn(store: Store, session: SessionId) -> Result<Self, StoreError> {
        let (sender, receiver) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
        let handle = std::thread::Builder::new()
            .name("store".into())
            .spawn(move || run(store, session, &receiver))
            .map_err(|source| StoreError::Io {
                path: "store thread".into(),
                source,
            })?;
        Ok(Self {
            sender: Some(sender),
            handle: Some(handle),
            session,
        })
    }

    /// The session being written.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// A sender for other threads; a send blocks while the channel is full.
    pub fn sender(&self) -> Option<Sender<WriteMsg>> {
        self.sender.clone()
    }

    /// Hands one sample to the writer (blocking while the channel is full).
    pub fn send_sample(&self, sample: &PostureSample) -> Result<(), StoreError> {
        self.send(WriteMsg::Sample(Box::new(sample.clone())))
    }

    /// Hands one event to the writer.
    pub fn send_event(&self, event: &PostureEvent) -> Result<(), StoreError> {
        self.send(WriteMsg::Event(event.clone()))
    }

    /// Hands one message to the writer (blocking while the channel is full).
    pub(super) fn send(&self, msg: WriteMsg) -> Result<(), StoreError> {
        let stopped = || StoreError::WriterStopped {
            unsaved: 1,
            reason: "the writer thread has ended; `finish` returns its error".into(),
        };
        let sender = self.sender.as_ref().ok_or_else(stopped)?;
        if sender.is_full() {
            tracing::warn!("the database writer is behind; waiting for it");
        }
        sender.send(msg).map_err(|_| stopped())
    }

    /// Stops the writer after it saved everything sent, ends the session and hands the store
    /// back with what was written.
    pub fn finish(mut self) -> Result<(Store, WriterReport), StoreError> {
        self.sender = None;
        let handle = self
            .handle
            .take()
            .ok_or_else(|| StoreError::WriterStopped {
                unsaved: 0,
                reason: "finished twice".into(),
            })?;
        handle.join().map_err(|_| StoreError::WriterStopped {
            unsaved: 0,
            reason: "the writer thread panicked".into(),
        })?
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(handle) = self.handle.take() {
            match handle.join() {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::error!("the database writer failed: {err:#}"),
                Err(_) => tracing::error!("the database writer thread panicked"),
            }
        }
    }
}

fn run(
    mut store: Store,
    session: SessionId,
    receiver: &Receiver<WriteMsg>,
) -> Result<(Store, WriterReport), StoreError> {
    let mut state = WriterState::new(session);
    let mut deadline = Instant::now() + COMMIT_INTERVAL;
    loop {
        match receiver.recv_deadline(deadline) {
            Ok(msg) => state.push(msg),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        if now >= deadline {
            let was_failing = state.is_failing();
            let interval = match state.commit(&mut store) {
                Commit::Saved => {
                    if was_failing {
                        tracing::warn!(
                            "the session database takes samples again; nothing was lost: {}",
                            store.path().display()
                        );
                    }
                    COMMIT_INTERVAL
                }
                Commit::Kept { error, first } => {
                    if first {
                        tracing::warn!(
                            "samples cannot be saved for now; they are kept in memory and \
                             saving is retried every {} s: {error}",
                            RETRY_INTERVAL.as_secs()
                        );
                    }
                    RETRY_INTERVAL
                }
            };
            deadline = Instant::now() + interval;
        }
    }
    let report = state.finish(&mut store)?;
    store.end_session(session)?;
    Ok((store, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rows::{NewSession, SessionKind};

    fn sample(t_ms: f64) -> Box<PostureSample> {
        Box::new(PostureSample {
            t_ms,
            ..PostureSample::default()
        })
    }

    #[test]
    fn state_commits_partial_second_then_completes_it() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "test", None))?;
        let mut state = WriterState::new(id);
        for t in [0.0, 100.0, 200.0] {
            state.push(WriteMsg::Sample(sample(t)));
        }
        assert!(matches!(state.commit(&mut store), Commit::Saved));
        assert_eq!(store.samples(id)?[0].frames, 3);
        state.push(WriteMsg::Sample(sample(300.0)));
        state.push(WriteMsg::Sample(sample(1200.0)));
        let report = state.finish(&mut store)?;
        let rows = store.samples(id)?;
        assert_eq!(
            rows.iter().map(|row| row.frames).collect::<Vec<_>>(),
            [4, 1]
        );
        assert_eq!(report.samples, 5);
        assert_eq!(report.seconds, 2);
        Ok(())
    }

    #[test]
    fn a_full_disk_keeps_the_samples_reports_once_and_saves_them_when_there_is_room()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("full.sqlite");
        let mut store = Store::open(&path)?;
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "test", None))?;
        // A disk with no room left: the file may not grow by a single page.
        let pages: u64 = store
            .conn
            .query_row("PRAGMA page_count", [], |row| row.get(0))?;
        store
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        let mut state = WriterState::new(id);
        let mut firsts = Vec::new();
        let mut pushed = 0_u64;
        let mut saved = 0_u64;
        for second in 0..400_u32 {
            for i in 0..10 {
                state.push(WriteMsg::Sample(sample(f64::from(second * 1000 + i * 100))));
            }
            pushed += 10;
            match state.commit(&mut store) {
                // The pages the file already has fill up first.
                Commit::Saved => {
                    assert!(firsts.is_empty(), "saved at {second} s while full");
                    saved = pushed;
                }
                Commit::Kept { error, first } => {
                    assert!(matches!(error, StoreError::DiskFull { .. }), "{error:?}");
                    assert!(error.to_string().contains("full.sqlite"), "{error}");
                    firsts.push(first);
                }
            }
            if firsts.len() == 12 {
                break;
            }
        }
        assert_eq!(firsts.len(), 12, "the disk never filled up");
        assert_eq!(
            firsts.iter().filter(|first| **first).count(),
            1,
            "{firsts:?}"
        );
        assert_eq!(state.unsaved(), pushed - saved);
        // At the end, still full: every unsaved sample is counted.
        let err = state
            .finish_with_retries(&mut store, 0, Duration::ZERO)
            .expect_err("still full");
        let StoreError::WriterStopped { unsaved, reason } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*unsaved, pushed - saved);
        assert!(reason.contains("full"), "{reason}");
        // Room again: the seconds kept in memory are written, none lost.
        store
            .conn
            .query_row("PRAGMA max_page_count = 1000000", [], |_| Ok(()))?;
        let report = state.finish_with_retries(&mut store, 0, Duration::ZERO)?;
        assert_eq!(report.samples, pushed);
        let frames: u64 = store
            .samples(id)?
            .iter()
            .map(|row| u64::from(row.frames))
            .sum();
        assert_eq!(frames, pushed);
        Ok(())
    }

    #[test]
    fn thread_writes_everything_sent_and_ends_session() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "test", None))?;
        let writer = StoreWriter::spawn(store, id)?;
        for i in 0..600 {
            writer.send_sample(&sample(f64::from(i) * 10.0))?;
        }
        writer.send_event(&PostureEvent::Snoozed {
            t_ms: 10.0,
            until_ms: 60_000.0,
        })?;
        let (store, report) = writer.finish()?;
        assert_eq!(report.samples, 600);
        assert_eq!(store.samples(id)?.len(), 6);
        assert_eq!(store.events(id)?.len(), 1);
        assert!(store.session(id)?.ended_at.is_some());
        Ok(())
    }
}
