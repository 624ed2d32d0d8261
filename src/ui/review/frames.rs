//! Frames for display, decoded on demand on the `review-frames` thread: the window asks for
//! a frame by number and time (the newest request wins, so dragging the seek bar never
//! queues decodes), the thread seeks in the recording ([`SeekableSource`]) and sends the
//! pixels back. The window keeps the last [`CACHE_FRAMES`] in memory; nothing is written.

use std::collections::VecDeque;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::Receiver;

use crate::capture::latest::{self, LatestSender};
use crate::capture::seek::SeekableSource;
use crate::capture::{CaptureError, Frame, SourceSpec};

/// Decoded frames the window keeps, so stepping back and forth does not seek each time
/// (about 2.8 MB each at 1280x720).
pub const CACHE_FRAMES: usize = 16;

/// Replies in flight from the decoder thread.
const REPLY_CAPACITY: usize = 4;

/// A frame number and its time, milliseconds.
type Request = (u64, f64);

/// The decoder thread and the window's cache.
pub struct FrameServer {
    requests: Option<LatestSender<Request>>,
    replies: Option<Receiver<(u64, Result<Frame, CaptureError>)>>,
    thread: Option<JoinHandle<()>>,
    cache: VecDeque<Frame>,
    /// The frame asked for and not yet answered.
    pending: Option<u64>,
    /// The last frame that could not be decoded (not asked for again and again).
    failed: Option<u64>,
    /// Frames decoded for display, all told.
    decoded: u64,
}

impl std::fmt::Debug for FrameServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameServer")
            .field("pending", &self.pending)
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl FrameServer {
    /// Starts the decoder thread for `spec`; it opens the recording itself. `wake` is
    /// called after each reply.
    pub fn start(spec: SourceSpec, wake: Arc<dyn Fn() + Send + Sync>) -> Result<Self, String> {
        let (request_tx, request_rx) = latest::channel::<Request>();
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(REPLY_CAPACITY);
        let thread = std::thread::Builder::new()
            .name("review-frames".into())
            .spawn(move || {
                let mut source = None;
                // Ends when the window drops its sender.
                while let Ok((seq, t_ms)) = request_rx.recv() {
                    let result = match &mut source {
                        Some(source) => SeekableSource::frame_at(source, seq, t_ms),
                        None => SeekableSource::open(&spec).and_then(|mut opened| {
                            let frame = opened.frame_at(seq, t_ms);
                            source = Some(opened);
                            frame
                        }),
                    };
                    if reply_tx.send((seq, result)).is_err() {
                        break;
                    }
                    wake();
                }
            })
            .map_err(|err| format!("cannot start the frame decoder thread: {err}"))?;
        Ok(Self {
            requests: Some(request_tx),
            replies: Some(reply_rx),
            thread: Some(thread),
            cache: VecDeque::with_capacity(CACHE_FRAMES),
            pending: None,
            failed: None,
            decoded: 0,
        })
    }

    /// The frame `seq` if it is decoded; otherwise asks for it (once) and returns `None`.
    pub fn get(&mut self, seq: u64, t_ms: f64) -> Option<Frame> {
        if let Some(frame) = self.cache.iter().find(|frame| frame.seq == seq) {
            return Some(frame.clone());
        }
        if self.pending != Some(seq)
            && self.failed != Some(seq)
            && let Some(requests) = &self.requests
        {
            requests.send((seq, t_ms));
            self.pending = Some(seq);
        }
        None
    }

    /// The decoded frame with the highest number up to `seq`, if one is cached.
    pub fn newest_up_to(&self, seq: u64) -> Option<Frame> {
        self.cache
            .iter()
            .filter(|frame| frame.seq <= seq)
            .max_by_key(|frame| frame.seq)
            .cloned()
    }

    /// Takes the decoder's replies into the cache; returns the errors.
    pub fn poll(&mut self) -> Vec<CaptureError> {
        let mut errors = Vec::new();
        let Some(replies) = &self.replies else {
            return errors;
        };
        for (seq, result) in replies.try_iter() {
            if self.pending == Some(seq) {
                self.pending = None;
            }
            match result {
                Ok(frame) => {
                    self.decoded += 1;
                    if self.cache.len() == CACHE_FRAMES {
                        self.cache.pop_front();
                    }
                    self.cache.push_back(frame);
                }
                Err(err) => {
                    self.failed = Some(seq);
                    errors.push(err);
                }
            }
        }
        errors
    }

    /// Frames decoded for display so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }
}

impl Drop for FrameServer {
    fn drop(&mut self) {
        // Closing both channels ends the thread whether it waits for a request or a reply.
        self.requests = None;
        self.replies = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the review frame decoder thread panicked");
        }
    }
}
