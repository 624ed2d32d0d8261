//! Thread topology tests with a scripted analyzer on real encoded files.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::capture::writer::write_video;

/// Frames whose red channel says "forward" (255) or "upright" (0).
fn write_clip(path: &Path, pattern: &[bool], fps: u32) {
    let images: Vec<image::RgbImage> = pattern
        .iter()
        .map(|&forward| {
            let red = if forward { 255 } else { 0 };
            image::RgbImage::from_pixel(32, 32, image::Rgb([red, 60, 60]))
        })
        .collect();
    write_video(path, &images, fps).unwrap();
}

/// Judges "forward" by the red channel; records what it saw.
struct Scripted {
    seen: Arc<Mutex<Vec<(u64, f64)>>>,
    controls: Arc<Mutex<Vec<(Control, f64)>>>,
    state: PostureState,
    delay: Duration,
    /// Upright frames are called upright against a learned baseline, with a person standing
    /// still (so the calm rate can apply); forward frames are called forward.
    judged: bool,
}

impl Analyzer for Scripted {
    fn analyze(&mut self, frame: &Frame) -> anyhow::Result<Analysis> {
        std::thread::sleep(self.delay);
        self.seen.lock().unwrap().push((frame.seq, frame.t_ms));
        let forward = frame.image.get_pixel(16, 16).0[0] > 128;
        let state = if forward {
            PostureState::AtRisk
        } else {
            PostureState::Upright
        };
        let mut events = Vec::new();
        if state != self.state {
            events.push(PostureEvent::State {
                t_ms: frame.t_ms,
                from: self.state,
                state,
            });
            self.state = state;
        }
        Ok(Analysis {
            estimate: PoseEstimate {
                seq: frame.seq,
                t_ms: frame.t_ms,
                width: frame.width(),
                height: frame.height(),
                score: None,
                people_detected: 0,
                detector_ran: true,
                roi: None,
                skeleton: self.judged.then(still_person),
            },
            sample: PostureSample {
                seq: frame.seq,
                t_ms: frame.t_ms,
                state,
                call: self.judged.then_some(if forward {
                    crate::posture::Call::Forward
                } else {
                    crate::posture::Call::Upright
                }),
                baseline: crate::posture::BaselineStatus::Learned,
                ..PostureSample::default()
            },
            events,
        })
    }

    fn control(&mut self, control: &Control, t_ms: f64) -> Vec<PostureEvent> {
        self.controls.lock().unwrap().push((control.clone(), t_ms));
        match control {
            Control::Snooze { minutes } => vec![PostureEvent::Snoozed {
                t_ms,
                until_ms: t_ms + minutes * 60_000.0,
            }],
            _ => Vec::new(),
        }
    }
}

type Seen = Arc<Mutex<Vec<(u64, f64)>>>;
type Controls = Arc<Mutex<Vec<(Control, f64)>>>;

/// A person sitting still, seen from the side.
fn still_person() -> crate::pose::Skeleton {
    use crate::pose::LandmarkIndex as L;
    crate::pose::Skeleton::from_points(
        &[
            (L::LeftEar, 20.0, 5.0),
            (L::RightEar, 20.0, 5.0),
            (L::LeftShoulder, 16.0, 20.0),
            (L::RightShoulder, 16.0, 20.0),
        ],
        0.9,
    )
}

fn scripted(delay: Duration) -> (AnalyzerFactory, Seen, Controls) {
    scripted_as(delay, false)
}

fn scripted_as(delay: Duration, judged: bool) -> (AnalyzerFactory, Seen, Controls) {
    let seen = Seen::default();
    let controls = Controls::default();
    let analyzer = Scripted {
        seen: seen.clone(),
        controls: controls.clone(),
        state: PostureState::Upright,
        delay,
        judged,
    };
    let factory: AnalyzerFactory = Box::new(move || Ok(Box::new(analyzer) as Box<dyn Analyzer>));
    (factory, seen, controls)
}

fn config(
    path: &Path,
    delivery: Delivery,
    rate: RatePolicy,
    factory: AnalyzerFactory,
) -> PipelineConfig {
    PipelineConfig {
        source: SourceSpec::Video(path.into()),
        pacing: Pacing::AsFastAsPossible,
        delivery,
        rate,
        analyzer: AnalyzerSpec::Custom(factory),
        on_update: None,
    }
}

/// Drains every update until the pipeline disconnects.
fn collect(updates: &Receiver<Update>) -> Vec<Update> {
    let mut all = Vec::new();
    while let Ok(update) = updates.recv_timeout(Duration::from_secs(20)) {
        all.push(update);
    }
    all
}

#[test]
fn lossless_analyzes_every_frame_in_order_and_disconnects_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    write_clip(&path, &[false; 30], 10);
    let (factory, seen, _) = scripted(Duration::from_millis(3));
    let (pipeline, updates) = Pipeline::start(config(
        &path,
        Delivery::Lossless,
        RatePolicy::EVERY_FRAME,
        factory,
    ))
    .unwrap();
    let all = collect(&updates);
    drop(pipeline);
    let seqs: Vec<u64> = seen.lock().unwrap().iter().map(|s| s.0).collect();
    assert_eq!(
        seqs,
        (0..30).collect::<Vec<_>>(),
        "no frame dropped in analysis mode"
    );
    assert!(matches!(
        all.first(),
        Some(Update::Source(SourceStatus::Running(_)))
    ));
    assert!(
        all.iter()
            .any(|u| matches!(u, Update::Source(SourceStatus::Ended)))
    );
}

#[test]
fn rate_selects_frames_by_source_time_and_speeds_up_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    // 3 s upright, 6 s "forward" (at risk), at 10 fps. The faster rate reaches the capture
    // thread only after the frames already queued (up to LOSSLESS_CAPACITY + 1 at the old
    // rate, 2.5 s), so the forward part is long enough for the last gaps to be at the new rate
    // however the threads are scheduled.
    let pattern: Vec<bool> = (0..90).map(|i| i >= 30).collect();
    write_clip(&path, &pattern, 10);
    let (factory, seen, _) = scripted(Duration::ZERO);
    let rate = RatePolicy {
        fps: Some(2.0),
        at_risk_fps: Some(5.0),
        ..RatePolicy::fixed(None)
    };
    let (pipeline, updates) =
        Pipeline::start(config(&path, Delivery::Lossless, rate, factory)).unwrap();
    let all = collect(&updates);
    drop(pipeline);
    let times: Vec<f64> = seen.lock().unwrap().iter().map(|s| s.1).collect();
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let upright: Vec<f64> = gaps.iter().copied().take(5).collect();
    assert!(upright.iter().all(|g| (g - 500.0).abs() < 1.0), "{times:?}");
    let late: Vec<f64> = gaps.iter().rev().take(5).copied().collect();
    assert!(late.iter().all(|g| (g - 200.0).abs() < 1.0), "{times:?}");
    let events: Vec<&PostureEvent> = all
        .iter()
        .filter_map(|u| match u {
            Update::Posture(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(matches!(events[0], PostureEvent::State { t_ms, .. } if (*t_ms - 3000.0).abs() < 1.0));
}

#[test]
fn calm_rate_slows_a_still_upright_stretch_and_a_slump_ends_it_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    // 20 s upright and still, then 8 s forward, at 10 fps.
    let pattern: Vec<bool> = (0..280).map(|i| i >= 200).collect();
    write_clip(&path, &pattern, 10);
    let (factory, seen, _) = scripted_as(Duration::ZERO, true);
    let rate = RatePolicy {
        fps: Some(2.0),
        at_risk_fps: Some(4.0),
        calm_fps: Some(0.5),
        calm_after_s: 5.0,
    };
    let (pipeline, updates) =
        Pipeline::start(config(&path, Delivery::Lossless, rate, factory)).unwrap();
    collect(&updates);
    drop(pipeline);
    let times: Vec<f64> = seen.lock().unwrap().iter().map(|s| s.1).collect();
    let gap_after = |t: f64| {
        let i = times.iter().position(|x| *x >= t).expect("a frame after t");
        times[i + 1] - times[i]
    };
    // Normal rate until the stretch has lasted 5 s, then the calm rate.
    assert!((gap_after(0.0) - 500.0).abs() < 1.0, "{times:?}");
    assert!((gap_after(4000.0) - 500.0).abs() < 1.0, "{times:?}");
    assert!((gap_after(6000.0) - 2000.0).abs() < 1.0, "{times:?}");
    assert!((gap_after(15_000.0) - 2000.0).abs() < 1.0, "{times:?}");
    // The slump at 20 s is seen at most one calm interval later ...
    let first_forward = times.iter().copied().find(|t| *t >= 20_000.0).unwrap();
    assert!(first_forward < 22_000.0, "{times:?}");
    // ... and the next frames come at the normal spacing (analysis mode reads ahead, but at
    // the normal interval), then at the at-risk rate: 250 ms, on this clip's 100 ms grid
    // 300 ms.
    assert!(gap_after(first_forward) <= 500.0 + 1.0, "{times:?}");
    let last: Vec<f64> = times
        .windows(2)
        .rev()
        .take(5)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(last.iter().all(|g| (g - 300.0).abs() < 1.0), "{times:?}");
}

#[test]
fn latest_wins_drops_stale_frames_for_a_slow_analyzer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    write_clip(&path, &[false; 40], 40);
    let (factory, seen, _) = scripted(Duration::from_millis(60));
    let mut cfg = config(
        &path,
        Delivery::LatestWins,
        RatePolicy::EVERY_FRAME,
        factory,
    );
    cfg.pacing = Pacing::RealTime;
    let (pipeline, updates) = Pipeline::start(cfg).unwrap();
    collect(&updates);
    drop(pipeline);
    let seqs: Vec<u64> = seen.lock().unwrap().iter().map(|s| s.0).collect();
    assert!(
        seqs.len() < 30,
        "a 60 ms analyzer cannot see all 40 frames of 1 s: {seqs:?}"
    );
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[test]
fn controls_reach_the_analyzer_and_rate_is_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    write_clip(&path, &[false; 50], 10);
    let (factory, seen, controls) = scripted(Duration::from_millis(20));
    let mut cfg = config(&path, Delivery::Lossless, RatePolicy::EVERY_FRAME, factory);
    cfg.pacing = Pacing::RealTime;
    let (pipeline, updates) = Pipeline::start(cfg).unwrap();
    // Wait for the first analyzed frame, then snooze and slow down to 1 fps.
    while !matches!(updates.recv().unwrap(), Update::Analyzed(_)) {}
    pipeline.control(Control::Snooze { minutes: 1.0 }).unwrap();
    pipeline.control(Control::SetRate(1.0)).unwrap();
    let all = collect(&updates);
    drop(pipeline);
    assert!(
        all.iter()
            .any(|u| matches!(u, Update::Posture(PostureEvent::Snoozed { .. })))
    );
    let controls = controls.lock().unwrap();
    assert_eq!(
        controls.len(),
        1,
        "SetRate stays in the pipeline: {controls:?}"
    );
    let seen = seen.lock().unwrap();
    let late_gaps: Vec<f64> = seen
        .windows(2)
        .rev()
        .take(2)
        .map(|w| w[1].1 - w[0].1)
        .collect();
    assert!(
        late_gaps.iter().all(|g| (g - 1000.0).abs() < 1.0),
        "{seen:?}"
    );
}

#[test]
fn start_fails_clearly_for_missing_file_and_broken_analyzer() {
    let dir = tempfile::tempdir().unwrap();
    let (factory, _, _) = scripted(Duration::ZERO);
    let missing = dir.path().join("missing.mp4");
    let err = Pipeline::start(config(
        &missing,
        Delivery::Lossless,
        RatePolicy::EVERY_FRAME,
        factory,
    ))
    .expect_err("missing file");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("cannot open the source") && msg.contains("missing.mp4"),
        "{msg}"
    );
    assert_eq!(err.failure().kind, FailureKind::FileNotFound);

    let path = dir.path().join("clip.mkv");
    write_clip(&path, &[false; 5], 10);
    let broken: AnalyzerFactory = Box::new(|| {
        Err(crate::runtime::RuntimeError::NotFound {
            searched: "nowhere".into(),
        })?
    });
    let err = Pipeline::start(config(
        &path,
        Delivery::Lossless,
        RatePolicy::EVERY_FRAME,
        broken,
    ))
    .expect_err("broken analyzer");
    assert!(
        format!("{err:#}").contains("ONNX Runtime not found"),
        "{err:#}"
    );
    assert_eq!(err.failure().kind, FailureKind::Runtime);
}

#[test]
fn drop_stops_a_long_real_time_source_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.mkv");
    write_clip(&path, &[false; 600], 10); // one minute
    let (factory, seen, _) = scripted(Duration::ZERO);
    let mut cfg = config(&path, Delivery::LatestWins, RatePolicy::default(), factory);
    cfg.pacing = Pacing::RealTime;
    let (pipeline, updates) = Pipeline::start(cfg).unwrap();
    while !matches!(updates.recv().unwrap(), Update::Analyzed(_)) {}
    let start = Instant::now();
    drop(pipeline);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    // The senders are gone: what is left drains at once and the channel disconnects.
    let start = Instant::now();
    collect(&updates);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(seen.lock().unwrap().len() < 10);
}

#[test]
fn latency_summary_uses_nearest_rank() {
    let mut samples: Vec<f64> = (1..=20).rev().map(f64::from).collect();
    let summary = workers::latency_summary(&mut samples).unwrap();
    assert_eq!(summary.frames, 20);
    assert!((summary.median_ms - 10.0).abs() < 1e-9);
    assert!((summary.p95_ms - 19.0).abs() < 1e-9);
    assert!((summary.max_ms - 20.0).abs() < 1e-9);
    assert!(workers::latency_summary(&mut []).is_none());
}

/// A source that plays a script of frames, camera losses and an end.
struct ScriptedSource(
    std::collections::VecDeque<Result<Option<Frame>, crate::capture::CaptureError>>,
);

impl crate::capture::FrameSource for ScriptedSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, crate::capture::CaptureError> {
        self.0.pop_front().unwrap_or(Ok(None))
    }

    fn describe(&self) -> String {
        "scripted camera".into()
    }
}

#[test]
fn capture_reports_reconnects_once_per_attempt_and_running_when_back() {
    let lost = |attempt| {
        Err(crate::capture::CaptureError::Reconnecting {
            attempt,
            retry_in_ms: 1.0,
            reason: "unplugged".into(),
        })
    };
    let frame = |seq| {
        Ok(Some(Frame::new(
            seq,
            seq as f64 * 100.0,
            image::RgbImage::new(2, 2),
        )))
    };
    let mut source = ScriptedSource(
        vec![
            frame(0),
            lost(1),
            lost(1),
            lost(2),
            frame(1),
            frame(2),
            Ok(None),
        ]
        .into(),
    );
    let (frames_tx, frames_rx) = workers::frame_link(Delivery::Lossless);
    let (updates_tx, updates_rx) = crossbeam_channel::bounded(UPDATE_CAPACITY);
    let worker = workers::CaptureWorker {
        frames: frames_tx,
        updates: updates_tx,
        interval: SharedInterval::default(),
        pause: SharedPause::default(),
        busy_retry: CAMERA_BUSY_RETRY,
        stop: StopFlag::default(),
    };
    // The lossless queue holds 4 frames, enough for the 3 of the script.
    worker.pump(&mut source);
    drop(worker);
    let statuses: Vec<SourceStatus> = updates_rx
        .try_iter()
        .filter_map(|u| match u {
            Update::Source(status) => Some(status),
            _ => None,
        })
        .collect();
    let running = SourceStatus::Running("scripted camera".into());
    let reconnecting = |attempt| SourceStatus::Reconnecting {
        attempt,
        retry_in_s: 0.001,
        reason: "unplugged".into(),
    };
    assert_eq!(
        statuses,
        vec![
            running.clone(),
            reconnecting(1),
            reconnecting(2),
            running,
            SourceStatus::Ended
        ]
    );
    let workers::FrameStream::Lossless(rx) = frames_rx else {
        panic!("lossless link");
    };
    let seqs: Vec<u64> = rx.try_iter().map(|c| c.frame.seq).collect();
    assert_eq!(seqs, vec![0, 1, 2]);
}

#[test]
fn lossless_never_drops_analyzed_updates_for_a_slow_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mkv");
    // More frames than the update channel holds.
    write_clip(&path, &[false; 100], 25);
    let (factory, _, _) = scripted(Duration::ZERO);
    let (pipeline, updates) = Pipeline::start(config(
        &path,
        Delivery::Lossless,
        RatePolicy::EVERY_FRAME,
        factory,
    ))
    .unwrap();
    // Let the pose thread fill the channel before draining it slowly.
    std::thread::sleep(Duration::from_millis(300));
    let mut seqs = Vec::new();
    while let Ok(update) = updates.recv_timeout(Duration::from_secs(20)) {
        if let Update::Analyzed(analyzed) = update {
            seqs.push(analyzed.sample.seq);
        }
    }
    drop(pipeline);
    assert_eq!(seqs, (0..100).collect::<Vec<_>>());
}

/// Whether this process holds `path` open (a paused source must have closed it).
fn holds_open(path: &Path) -> bool {
    let wanted = std::fs::canonicalize(path).unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .any(|target| target == wanted)
}

/// Waits for the first update that `wanted` accepts; panics after 10 s.
fn wait_for(updates: &Receiver<Update>, what: &str, wanted: impl Fn(&Update) -> bool) -> Update {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match updates.recv_timeout(left) {
            Ok(update) if wanted(&update) => return update,
            Ok(_) => {}
            Err(err) => panic!("no {what}: {err}"),
        }
    }
    panic!("no {what} within 10 s");
}

fn analyzed_at(update: &Update) -> (u64, f64) {
    match update {
        Update::Analyzed(a) => (a.frame.seq, a.frame.t_ms),
        other => panic!("not a frame: {other:?}"),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn pause_closes_the_source_and_resume_reopens_it_with_the_clock_going_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("camera.mkv");
    write_clip(&path, &[false; 600], 10); // a minute standing in for a camera
    let (factory, _, _) = scripted(Duration::ZERO);
    let mut cfg = config(&path, Delivery::LatestWins, RatePolicy::default(), factory);
    cfg.pacing = Pacing::RealTime;
    let (pipeline, updates) = Pipeline::start(cfg).unwrap();
    let is_frame = |u: &Update| matches!(u, Update::Analyzed(_));
    wait_for(&updates, "first frame", is_frame);
    let before = analyzed_at(&wait_for(&updates, "second frame", is_frame));
    assert!(holds_open(&path), "the running source reads the file");

    pipeline
        .control(Control::PauseSource(PauseReason::ScreenLocked))
        .unwrap();
    wait_for(&updates, "the pause", |u| {
        matches!(
            u,
            Update::Source(SourceStatus::Paused(PauseReason::ScreenLocked))
        )
    });
    assert!(!holds_open(&path), "a paused source is closed");
    // Nothing is analyzed while paused (a frame already in flight may still arrive).
    std::thread::sleep(Duration::from_millis(300));
    updates.try_iter().for_each(drop);
    std::thread::sleep(Duration::from_millis(700));
    let during: Vec<Update> = updates.try_iter().collect();
    assert!(!during.iter().any(is_frame), "{during:?}");

    pipeline.control(Control::ResumeSource).unwrap();
    wait_for(&updates, "running again", |u| {
        matches!(u, Update::Source(SourceStatus::Running(_)))
    });
    let after = analyzed_at(&wait_for(&updates, "a frame after the resume", is_frame));
    assert!(holds_open(&path), "the source is open again");
    assert!(
        after.0 > before.0,
        "numbering goes on: {before:?} then {after:?}"
    );
    assert!(
        after.1 >= before.1 + 1000.0,
        "the clock goes on over the ~1 s pause: {before:?} then {after:?}"
    );
    drop(pipeline);
}

#[test]
fn a_busy_camera_is_paused_and_tried_again_quietly() {
    let opens = std::cell::Cell::new(0_u32);
    let mut open =
        || -> Result<Box<dyn crate::capture::FrameSource>, crate::capture::CaptureError> {
            opens.set(opens.get() + 1);
            if opens.get() <= 3 {
                return Err(crate::capture::CaptureError::CameraBusy {
                    index: 0,
                    reason: "Device or resource busy (os error 16)".into(),
                });
            }
            let frame = |seq: u64| -> Result<Option<Frame>, crate::capture::CaptureError> {
                Ok(Some(Frame::new(seq, 0.0, image::RgbImage::new(2, 2))))
            };
            Ok(Box::new(ScriptedSource(vec![frame(0), Ok(None)].into())))
        };
    let (frames_tx, _frames_rx) = workers::frame_link(Delivery::Lossless);
    let (updates_tx, updates_rx) = crossbeam_channel::bounded(UPDATE_CAPACITY);
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    let worker = workers::CaptureWorker {
        frames: frames_tx,
        updates: updates_tx,
        interval: SharedInterval::default(),
        pause: SharedPause::default(),
        busy_retry: Duration::from_millis(30),
        stop: StopFlag::default(),
    };
    let start = Instant::now();
    worker.run(&mut open, &ready_tx);
    assert!(
        ready_rx.recv().unwrap().is_ok(),
        "a busy camera is not a start error"
    );
    assert_eq!(opens.get(), 4);
    assert!(start.elapsed() >= Duration::from_millis(90), "three waits");
    let statuses: Vec<SourceStatus> = updates_rx
        .try_iter()
        .filter_map(|u| match u {
            Update::Source(status) => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            SourceStatus::Paused(PauseReason::CameraInUse),
            SourceStatus::Running("scripted camera".into()),
            SourceStatus::Ended
        ],
        "reported once, not once per try"
    );
}

#[test]
fn continuity_renumbers_frames_after_a_reopen() {
    let mut continuity = workers::Continuity::default();
    let frame = |seq, t_ms| Frame::new(seq, t_ms, image::RgbImage::new(1, 1));
    let first = continuity.carry(frame(7, 3_500.0));
    assert_eq!(
        (first.seq, first.t_ms),
        (7, 3_500.0),
        "first opening unchanged"
    );
    continuity.closed();
    continuity.opened();
    let a = continuity.carry(frame(0, 40.0));
    let b = continuity.carry(frame(1, 540.0));
    assert_eq!(a.seq, 8);
    assert!(a.t_ms >= 3_500.0, "{}", a.t_ms);
    assert_eq!(b.seq, 9);
    assert!((b.t_ms - a.t_ms - 500.0).abs() < 1e-9);
}
