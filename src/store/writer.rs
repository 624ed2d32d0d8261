//! The database writer thread: receives per-frame samples and events over a bounded channel,
//! aggregates them per second and commits batches at least every [`COMMIT_INTERVAL`], so a
//! killed process loses at most about that much. The open second is written partially at each
//! commit and completed later.
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

/// How long commits may keep failing (a locked database) before the writer gives up.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(30);

/// A message for the writer.
#[derive(Clone, Debug)]
pub enum WriteMsg {
    /// One analysed frame.
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
    failing_since: Option<Instant>,
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
            failing_since: None,
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

    /// Commits the buffer (and the open second, partially) in one transaction. On failure the
    /// buffer is kept for the next try; after [`GIVE_UP_AFTER`] of failures the error is
    /// returned as [`StoreError::WriterStopped`] naming how many samples were not saved.
    pub fn commit(&mut self, store: &mut Store, now: Instant) -> Result<(), StoreError> {
        let mut rows = self.rows.clone();
        rows.extend(self.aggregator.partial());
        if rows.is_empty() && self.events.is_empty() {
            return Ok(());
        }
        match store.write_batch(self.session, &rows, &self.events) {
            Ok(()) => {
                self.report.seconds += self.rows.len() as u64;
                self.report.events += self.events.len() as u64;
                self.report.commits += 1;
                self.rows.clear();
                self.events.clear();
                self.pending_samples = 0;
                self.failing_since = None;
                Ok(())
            }
            Err(err) => {
                let since = *self.failing_since.get_or_insert(now);
                if now.duration_since(since) >= GIVE_UP_AFTER {
                    Err(StoreError::WriterStopped {
                        unsaved: self.pending_samples,
                        reason: format!("{err:#}"),
                    })
                } else {
                    tracing::warn!("cannot write samples yet, will retry: {err:#}");
                    Ok(())
                }
            }
        }
    }

    /// Closes the open second and commits everything.
    pub fn finish(&mut self, store: &mut Store) -> Result<WriterReport, StoreError> {
        self.rows.extend(self.aggregator.finish());
        let now = Instant::now();
        self.commit(store, now)?;
        if self.rows.is_empty() && self.events.is_empty() {
            Ok(self.report)
        } else {
            Err(StoreError::WriterStopped {
                unsaved: self.pending_samples,
                reason: "the last batch could not be written".into(),
            })
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
            state.commit(&mut store, now)?;
            deadline = now + COMMIT_INTERVAL;
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
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "test"))?;
        let mut state = WriterState::new(id);
        for t in [0.0, 100.0, 200.0] {
            state.push(WriteMsg::Sample(sample(t)));
        }
        state.commit(&mut store, Instant::now())?;
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
    fn thread_writes_everything_sent_and_ends_session() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "test"))?;
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
