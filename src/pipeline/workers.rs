//! The two thread bodies: capture (source → frames) and pose (frames → updates).
//! Each loop stays short; the per-message work lives in small methods.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};

use super::{
    Analysed, AnalyserFactory, Analysis, Control, Delivery, Failure, RatePolicy, STOP_POLL,
    SharedInterval, SourceStatus, StopFlag, Update,
};
use crate::capture::latest::{self, LatestReceiver, LatestSender, Sent};
use crate::capture::{CaptureError, Frame, FrameSource, Pacing, SourceSpec};
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

/// Opens the source and tells `Pipeline::start` how it went (a closed channel is fine: the
/// pipeline gave up waiting).
fn open_and_report(
    spec: &SourceSpec,
    pacing: Pacing,
    ready: &Sender<Result<(), Failure>>,
) -> Option<Box<dyn FrameSource>> {
    match crate::capture::open(spec, pacing) {
        Ok(source) => {
            let _ = ready.send(Ok(()));
            Some(source)
        }
        Err(err) => {
            let _ = ready.send(Err(Failure::from_error(&err)));
            None
        }
    }
}

/// The capture thread's state.
pub(super) struct CaptureWorker {
    pub frames: FrameSink,
    pub updates: Sender<Update>,
    pub interval: SharedInterval,
    pub stop: StopFlag,
}

impl CaptureWorker {
    /// Opens the source here (so a camera stays on this thread), reports readiness, then
    /// forwards frames until the source ends, fails, or the pipeline stops.
    pub fn run(self, spec: &SourceSpec, pacing: Pacing, ready: &Sender<Result<(), Failure>>) {
        let Some(mut source) = open_and_report(spec, pacing, ready) else {
            return;
        };
        self.pump(source.as_mut());
        tracing::debug!("capture thread ends: {}", source.describe());
    }

    /// Forwards frames of an open source until it ends, fails, or the pipeline stops.
    /// Reports `Running` at the start and again when a lost camera is back.
    pub fn pump(&self, source: &mut dyn FrameSource) {
        self.status(SourceStatus::Running(source.describe()));
        let mut last_attempt = None;
        while !self.stop.is_stopped() {
            source.set_min_interval_ms(self.interval.ms());
            match source.next_frame() {
                Ok(Some(frame)) => {
                    if last_attempt.take().is_some() {
                        self.status(SourceStatus::Running(source.describe()));
                    }
                    if !self.forward(frame) {
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
    /// Builds the analyser here (its sessions stay on this thread), reports readiness, then
    /// analyses frames and applies controls until the frames end or the pipeline stops.
    pub fn run(mut self, factory: AnalyserFactory, ready: &Sender<Result<(), Failure>>) {
        let mut analyser = match factory() {
            Ok(analyser) => analyser,
            Err(err) => {
                let _ = ready.send(Err(Failure::from_anyhow(&err)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let mut state = FrameState::default();
        while !self.stop.is_stopped() {
            let flow = select! {
                recv(self.frames.receiver()) -> frame => match frame {
                    Ok(captured) => self.on_frame(analyser.as_mut(), &captured, &mut state),
                    Err(_) => Flow::Stop, // the source ended and every frame was analysed
                },
                recv(self.controls) -> control => match control {
                    Ok(control) => self.on_control(analyser.as_mut(), &control, &state),
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
        analyser: &mut dyn super::Analyser,
        captured: &Captured,
        state: &mut FrameState,
    ) -> Flow {
        let frame = &captured.frame;
        match analyser.analyse(frame) {
            Ok(analysis) => {
                state
                    .latencies_ms
                    .push(captured.at.elapsed().as_secs_f64() * 1000.0);
                state.failed_in_a_row = 0;
                state.last_t_ms = frame.t_ms;
                self.interval
                    .set_ms(self.rate.interval_ms(analysis.sample.state));
                self.publish(frame, analysis)
            }
            Err(err) => {
                state.failed_in_a_row += 1;
                if state.failed_in_a_row == 1 {
                    tracing::warn!("frame {} could not be analysed: {err:#}", frame.seq);
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

    /// Sends the analysed frame (live: dropped when the consumer lags; analysis: waits) and
    /// the events (never dropped: a blocked send waits).
    fn publish(&self, frame: &Frame, analysis: Analysis) -> Flow {
        let analysed = Analysed {
            frame: frame.clone(),
            estimate: analysis.estimate,
            sample: analysis.sample,
        };
        let update = Update::Analysed(Box::new(analysed));
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
        analyser: &mut dyn super::Analyser,
        control: &Control,
        state: &FrameState,
    ) -> Flow {
        if let Control::SetRate(fps) = control {
            if fps.is_finite() && *fps > 0.0 {
                self.rate.fps = Some(*fps);
                self.interval
                    .set_ms(self.rate.interval_ms(PostureState::Upright));
            } else {
                tracing::warn!("ignoring analysis rate {fps}: it must be above 0");
            }
            return Flow::Continue;
        }
        for event in analyser.control(control, state.last_t_ms) {
            if !send_or_stop(&self.updates, Update::Posture(event), &self.stop) {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }
}

/// What the pose thread remembers between frames.
#[derive(Default)]
struct FrameState {
    /// Source time of the last analysed frame (controls take effect at this time).
    last_t_ms: f64,
    failed_in_a_row: u32,
    /// Capture-to-result time of every analysed frame (8 bytes a frame: 230 KB a day at 2 fps).
    latencies_ms: Vec<f64>,
}

impl FrameState {
    /// Logs how many frames were analysed and the capture-to-result latency
    /// (`scripts/bench-monitor` reads this line).
    fn log_summary(&mut self) {
        let Some(summary) = latency_summary(&mut self.latencies_ms) else {
            return;
        };
        tracing::info!(
            "analysed {} frames; capture-to-result latency ms: median {:.1}, p95 {:.1}, max {:.1}",
            summary.frames,
            summary.median_ms,
            summary.p95_ms,
            summary.max_ms
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
