//! The two thread bodies: capture (source → frames) and pose (frames → updates).
//! Each loop stays short; the per-message work lives in small methods.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};

use super::calm::CalmWatch;
use super::{
    Analysis, Analyzed, AnalyzerFactory, Control, Delivery, Failure, PauseReason, RatePolicy,
    STOP_POLL, SharedInterval, SharedPause, SourceStatus, StopFlag, Update,
};
use crate::capture::latest::{self, LatestReceiver, LatestSender, Sent};
use crate::capture::{CaptureError, Frame, FrameSource};
use crate::posture::PostureState;

/// Failed frames in a row after which the pose thread gives up.
const MAX_FAILED_FRAMES_IN_A_ROW: u32 = 20;

/// A frame with the wall time the capture thread got it, for latency accounting.
pub(super) struct Captured {
    pub frame: Frame,
    at: Instant,
}

/// The sending end of the capture → pose link.
pub(super) enum FrameSink {
    /// Live: newest wins.
    Latest(LatestSender<Captured>),
    /// Analysis: blocking, nothing dropped.
    Lossless(Sender<Captured>),
}

/// The receiving end of the capture → pose link.
pub(super) enum FrameStream {
    /// Live: newest wins.
    Latest(LatestReceiver<Captured>),
    /// Analysis: every frame.
    Lossless(Receiver<Captured>),
}

impl FrameStream {
    fn receiver(&self) -> &Receiver<Captured> {
        match self {
            Self::Latest(rx) => rx,
            Self::Lossless(rx) => rx,
        }
    }
}

/// The capture → pose link for `delivery`.
pub(super) fn frame_link(delivery: Delivery) -> (FrameSink, FrameStream) {
    match delivery {
        Delivery::LatestWins => {
            let (tx, rx) = latest::channel();
            (FrameSink::Latest(tx), FrameStream::Latest(rx))
        }
        Delivery::Lossless => {
            let (tx, rx) = crossbeam_channel::bounded(super::LOSSLESS_CAPACITY);
            (FrameSink::Lossless(tx), FrameStream::Lossless(rx))
        }
    }
}

/// Sends `value` blocking, but gives up when `stop` is set or the receiver is gone.
fn send_or_stop<T>(tx: &Sender<T>, mut value: T, stop: &StopFlag) -> bool {
    while !stop.is_stopped() {
        match tx.send_timeout(value, STOP_POLL) {
            Ok(()) => return true,
            Err(crossbeam_channel::SendTimeoutError::Timeout(back)) => value = back,
            Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => return false,
        }
    }
    false
}

/// Opens a source; called again to reopen it after a pause.
pub(super) type Opener<'a> = dyn FnMut() -> Result<Box<dyn FrameSource>, CaptureError> + 'a;

/// Why `CaptureWorker::pump_carried` returned.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Pumped {
    /// The source ended or failed, the pose thread is gone, or the pipeline stops.
    Done,
    /// A pause was asked for: close the source.
    Paused,
}

/// Keeps frame numbers and the source clock running across a close and reopen: a reopened
/// camera (or recording) starts its own clock again, but the judge must see time go on (the
/// pause itself is a gap, which the posture machine caps).
#[derive(Debug, Default)]
pub(super) struct Continuity {
    /// Last frame handed on: (seq, t_ms).
    last: Option<(u64, f64)>,
    /// Wall time the source was closed.
    closed_at: Option<Instant>,
    /// For the current opening after a reopen: (first seq, first t_ms of the new source,
    /// seq offset, t_ms offset).
    shift: Option<(u64, f64, u64, f64)>,
    reopened: bool,
}

impl Continuity {
    pub fn closed(&mut self) {
        self.closed_at = Some(Instant::now());
    }

    pub fn opened(&mut self) {
        if self.last.is_some() {
            self.reopened = true;
            self.shift = None;
        }
    }

    /// Renumbers `frame` so the sequence and the clock continue over the pause.
    pub fn carry(&mut self, mut frame: Frame) -> Frame {
        if self.reopened {
            let (last_seq, last_t) = self.last.unwrap_or((0, 0.0));
            let paused_ms = self
                .closed_at
                .map_or(0.0, |at| at.elapsed().as_secs_f64() * 1000.0);
            let (seq0, t0, seq_at, t_at) = *self.shift.get_or_insert((
                frame.seq,
                frame.t_ms,
                last_seq + 1,
                last_t + paused_ms,
            ));
            frame.seq = seq_at + frame.seq.saturating_sub(seq0);
            frame.t_ms = t_at + (frame.t_ms - t0).max(0.0);
        }
        self.last = Some((frame.seq, frame.t_ms));
        frame
    }
}

/// The capture thread's state.
pub(super) struct CaptureWorker {
    pub frames: FrameSink,
    pub updates: Sender<Update>,
    pub interval: SharedInterval,
    pub pause: SharedPause,
    /// How long a busy camera waits before the next try ([`super::CAMERA_BUSY_RETRY`]).
    pub busy_retry: Duration,
    pub stop: StopFlag,
}

impl CaptureWorker {
    /// Opens the source here (so a camera stays on this thread), reports readiness, then
    /// forwards frames until the source ends, fails, or the pipeline stops. A pause closes
    /// the source (a camera is released) and a resume opens it again; a camera that another
    /// program uses is "paused: camera in use" and tried again every `busy_retry`.
    pub fn run(self, open: &mut Opener<'_>, ready: &Sender<Result<(), Failure>>) {
        let mut source = match open() {
            Ok(source) => Some(source),
            Err(err) if err.is_camera_busy() => {
                tracing::info!("{err}");
                None
            }
            Err(err) => {
                let _ = ready.send(Err(Failure::from_error(&err)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let mut continuity = Continuity::default();
        let mut reported: Option<PauseReason> = None;
        let mut next_try = source.is_none().then(|| Instant::now() + self.busy_retry);
        while !self.stop.is_stopped() {
            if let Some(reason) = self.pause.get() {
                if let Some(open_source) = source.take() {
                    tracing::info!(
                        "source closed ({}): {}",
                        reason.text(),
                        open_source.describe()
                    );
                    drop(open_source);
                    continuity.closed();
                }
                next_try = None;
                self.report_pause(reason, &mut reported);
                std::thread::sleep(STOP_POLL);
                continue;
            }
            let Some(open_source) = source.as_mut() else {
                if next_try.is_some_and(|at| Instant::now() < at) {
                    self.report_pause(PauseReason::CameraInUse, &mut reported);
                    std::thread::sleep(STOP_POLL);
                    continue;
                }
                match open() {
                    Ok(opened) => {
                        continuity.opened();
                        source = Some(opened);
                        reported = None;
                    }
                    Err(err) if err.is_camera_busy() => {
                        tracing::debug!("{err}");
                        next_try = Some(Instant::now() + self.busy_retry);
                    }
                    Err(err) => {
                        self.status(SourceStatus::Failed(Failure::from_error(&err)));
                        break;
                    }
                }
                continue;
            };
            if self.pump_carried(open_source.as_mut(), &mut continuity) == Pumped::Done {
                break;
            }
        }
        if let Some(source) = source {
            tracing::debug!("capture thread ends: {}", source.describe());
        }
    }

    /// Reports a pause once per reason.
    fn report_pause(&self, reason: PauseReason, reported: &mut Option<PauseReason>) {
        if *reported != Some(reason) {
            *reported = Some(reason);
            self.status(SourceStatus::Paused(reason));
        }
    }

    /// Forwards frames of an open source until it ends, fails, or the pipeline stops.
    /// Reports `Running` at the start and again when a lost camera is back.
    #[cfg(test)]
    pub fn pump(&self, source: &mut dyn FrameSource) {
        self.pump_carried(source, &mut Continuity::default());
    }

    /// `pump` (tests), renumbering frames through `continuity`; returns early when a pause
    /// is asked for.
    fn pump_carried(&self, source: &mut dyn FrameSource, continuity: &mut Continuity) -> Pumped {
        self.status(SourceStatus::Running(source.describe()));
        let mut last_attempt = None;
        while !self.stop.is_stopped() {
            if self.pause.get().is_some() {
                return Pumped::Paused;
            }
            source.set_min_interval_ms(self.interval.ms());
            match source.next_frame() {
                Ok(Some(frame)) => {
                    if last_attempt.take().is_some() {
                        self.status(SourceStatus::Running(source.describe()));
                    }
                    if !self.forward(continuity.carry(frame)) {
                        break;
                    }
                }
                Ok(None) => {
                    self.status(SourceStatus::Ended);
                    break;
                }
                Err(err) if err.is_transient() => self.wait_for_camera(&err, &mut last_attempt),
                Err(err) => {
                    self.status(SourceStatus::Failed(Failure::from_error(&err)));
                    break;
                }
            }
        }
        Pumped::Done
    }

    /// Hands a frame to the pose thread; false when the pose thread is gone.
    fn forward(&self, frame: Frame) -> bool {
        let frame = Captured {
            frame,
            at: Instant::now(),
        };
        match &self.frames {
            FrameSink::Latest(tx) => tx.send(frame) != Sent::Disconnected,
            FrameSink::Lossless(tx) => send_or_stop(tx, frame, &self.stop),
        }
    }

    /// Reports a reconnect (once per attempt) and sleeps a little, watching the stop flag.
    fn wait_for_camera(&self, err: &CaptureError, last_attempt: &mut Option<u32>) {
        let CaptureError::Reconnecting {
            attempt,
            retry_in_ms,
            reason,
        } = err
        else {
            return;
        };
        if *last_attempt != Some(*attempt) {
            *last_attempt = Some(*attempt);
            self.status(SourceStatus::Reconnecting {
                attempt: *attempt,
                retry_in_s: retry_in_ms / 1000.0,
                reason: reason.clone(),
            });
        }
        std::thread::sleep(Duration::from_secs_f64(retry_in_ms / 1000.0).min(STOP_POLL));
    }

    fn status(&self, status: SourceStatus) {
        send_or_stop(&self.updates, Update::Source(status), &self.stop);
    }
}

/// The pose thread's state.
pub(super) struct PoseWorker {
    pub frames: FrameStream,
    pub controls: Receiver<Control>,
    pub updates: Sender<Update>,
    pub rate: RatePolicy,
    pub interval: SharedInterval,
    pub pause: SharedPause,
    pub stop: StopFlag,
    pub on_update: Option<Box<dyn Fn() + Send>>,
}

/// Whether the pose loop goes on.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Stop,
}

impl PoseWorker {
    /// Builds the analyzer here (its sessions stay on this thread), reports readiness, then
    /// analyzes frames and applies controls until the frames end or the pipeline stops.
    pub fn run(mut self, factory: AnalyzerFactory, ready: &Sender<Result<(), Failure>>) {
        let mut analyzer = match factory() {
            Ok(analyzer) => analyzer,
            Err(err) => {
                let _ = ready.send(Err(Failure::from_anyhow(&err)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let mut state = FrameState::new(&self.rate);
        while !self.stop.is_stopped() {
            let flow = select! {
                recv(self.frames.receiver()) -> frame => match frame {
                    Ok(captured) => self.on_frame(analyzer.as_mut(), &captured, &mut state),
                    Err(_) => Flow::Stop, // the source ended and every frame was analyzed
                },
                recv(self.controls) -> control => match control {
                    Ok(control) => self.on_control(analyzer.as_mut(), &control, &mut state),
                    Err(_) => Flow::Continue,
                },
                default(STOP_POLL) => Flow::Continue,
            };
            if flow == Flow::Stop {
                break;
            }
        }
        state.log_summary();
    }

    fn on_frame(
        &mut self,
        analyzer: &mut dyn super::Analyzer,
        captured: &Captured,
        state: &mut FrameState,
    ) -> Flow {
        let frame = &captured.frame;
        if self.skips_while_calm(frame, state) {
            return Flow::Continue;
        }
        match analyzer.analyze(frame) {
            Ok(analysis) => {
                state
                    .latencies_ms
                    .push(captured.at.elapsed().as_secs_f64() * 1000.0);
                state.failed_in_a_row = 0;
                state.last_t_ms = frame.t_ms;
                let calm = state
                    .calm
                    .update(&analysis.sample, analysis.estimate.skeleton.as_ref());
                self.interval
                    .set_ms(self.capture_interval_ms(analysis.sample.state, calm));
                self.publish(frame, analysis)
            }
            Err(err) => {
                state.failed_in_a_row += 1;
                if state.failed_in_a_row == 1 {
                    tracing::warn!("frame {} could not be analyzed: {err:#}", frame.seq);
                }
                if state.failed_in_a_row < MAX_FAILED_FRAMES_IN_A_ROW {
                    return Flow::Continue;
                }
                let failure = Failure::from_anyhow(&err).context(&format!(
                    "{MAX_FAILED_FRAMES_IN_A_ROW} frames in a row failed"
                ));
                send_or_stop(&self.updates, Update::Failed(failure), &self.stop);
                Flow::Stop
            }
        }
    }

    /// The interval the capture thread selects frames at. Live, the calm rate is applied
    /// there (the skipped frames are never converted). Analysis mode reads up to
    /// [`super::LOSSLESS_CAPACITY`] + 1 frames ahead at the interval it was last given, so there
    /// the capture thread keeps the normal interval and [`Self::skips_while_calm`] keeps the
    /// calm spacing: when the calm ends, the frames already queued are at the normal spacing,
    /// and a slump is timed as finely as without the calm rate.
    fn capture_interval_ms(&self, state: PostureState, calm: bool) -> f64 {
        let lossless = matches!(self.frames, FrameStream::Lossless(_));
        self.rate.interval_ms(state, calm && !lossless)
    }

    /// Analysis mode while calm: whether `frame` comes sooner than the calm interval after the
    /// last analyzed one (the capture thread's rule, `capture::video`).
    fn skips_while_calm(&self, frame: &Frame, state: &FrameState) -> bool {
        matches!(self.frames, FrameStream::Lossless(_))
            && state.calm.is_calm()
            && frame.t_ms - state.last_t_ms
                < self.rate.interval_ms(PostureState::Upright, true) - 1e-6
    }

    /// Sends the analyzed frame (live: dropped when the consumer lags; analysis: waits) and
    /// the events (never dropped: a blocked send waits).
    fn publish(&self, frame: &Frame, analysis: Analysis) -> Flow {
        let analyzed = Analyzed {
            frame: frame.clone(),
            estimate: analysis.estimate,
            sample: analysis.sample,
        };
        let update = Update::Analyzed(Box::new(analyzed));
        match self.frames {
            // Analysis: every sample reaches the consumer (it may be saving them).
            FrameStream::Lossless(_) => {
                if !send_or_stop(&self.updates, update, &self.stop) {
                    return Flow::Stop;
                }
            }
            // Live: a lagging window may skip a picture.
            FrameStream::Latest(_) => {
                if let Err(crossbeam_channel::TrySendError::Disconnected(_)) =
                    self.updates.try_send(update)
                {
                    return Flow::Stop;
                }
            }
        }
        for event in analysis.events {
            if !send_or_stop(&self.updates, Update::Posture(event), &self.stop) {
                return Flow::Stop;
            }
        }
        if let Some(notify) = &self.on_update {
            notify();
        }
        Flow::Continue
    }

    fn on_control(
        &mut self,
        analyzer: &mut dyn super::Analyzer,
        control: &Control,
        state: &mut FrameState,
    ) -> Flow {
        match control {
            Control::PauseSource(reason) => {
                self.pause.set(Some(*reason));
                state.calm.reset();
                return Flow::Continue;
            }
            Control::ResumeSource => {
                self.pause.set(None);
                return Flow::Continue;
            }
            _ => {}
        }
        if let Control::SetRate(fps) = control {
            if fps.is_finite() && *fps > 0.0 {
                self.rate.fps = Some(*fps);
                self.interval
                    .set_ms(self.capture_interval_ms(PostureState::Upright, state.calm.is_calm()));
            } else {
                tracing::warn!("ignoring analysis rate {fps}: it must be above 0");
            }
            return Flow::Continue;
        }
        for event in analyzer.control(control, state.last_t_ms) {
            if !send_or_stop(&self.updates, Update::Posture(event), &self.stop) {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }
}

/// What the pose thread remembers between frames.
struct FrameState {
    /// Source time of the last analyzed frame (controls take effect at this time).
    last_t_ms: f64,
    failed_in_a_row: u32,
    /// Capture-to-result time of every analyzed frame (8 bytes a frame: 230 KB a day at 2 fps).
    latencies_ms: Vec<f64>,
    /// Whether the calm rate applies.
    calm: CalmWatch,
}

impl FrameState {
    fn new(rate: &RatePolicy) -> Self {
        Self {
            last_t_ms: 0.0,
            failed_in_a_row: 0,
            latencies_ms: Vec::new(),
            calm: CalmWatch::new(rate.calm_after_s),
        }
    }

    /// Logs how many frames were analyzed and the capture-to-result latency
    /// (`scripts/bench-monitor` reads this line).
    fn log_summary(&mut self) {
        let Some(summary) = latency_summary(&mut self.latencies_ms) else {
            return;
        };
        tracing::info!(
            "analyzed {} frames; capture-to-result latency ms: median {:.1}, p95 {:.1}, max {:.1}; \
             {} frames at the calm rate",
            summary.frames,
            summary.median_ms,
            summary.p95_ms,
            summary.max_ms,
            self.calm.calm_frames()
        );
    }
}

/// Latency statistics over a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct LatencySummary {
    pub frames: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// Median, 95th percentile (nearest rank) and maximum; `None` without samples.
pub(super) fn latency_summary(latencies_ms: &mut [f64]) -> Option<LatencySummary> {
    if latencies_ms.is_empty() {
        return None;
    }
    latencies_ms.sort_by(f64::total_cmp);
    let n = latencies_ms.len();
    let rank = |p: f64| latencies_ms[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
    Some(LatencySummary {
        frames: n,
        median_ms: rank(0.5),
        p95_ms: rank(0.95),
        max_ms: latencies_ms[n - 1],
    })
}
