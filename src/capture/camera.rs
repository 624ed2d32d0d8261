//! A webcam as a frame source (nokhwa), with reconnect and backoff when it is lost.
//!
//! [`CameraSource`] is generic over a [`CameraDriver`] (opens the device) and a [`Clock`], so
//! the loss/retry behaviour is tested with a scripted device and scripted time; the real
//! pair is [`NokhwaDriver`] and [`MonotonicClock`]. Build the source on the thread that reads
//! it: the nokhwa `Camera` never crosses threads.

use std::time::Instant;

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};

use super::reconnect::{Backoff, Reconnector, Step};
use super::source::CameraSpec;
use super::{CaptureError, Frame, FrameSource};

/// Resolution asked for when the user names none: enough for pose, cheap to decode.
pub const DEFAULT_RESOLUTION: (u32, u32) = (640, 480);

/// Frame rate asked for when the user names none.
pub const DEFAULT_FPS: u32 = 30;

/// An open camera stream.
pub trait CameraDevice {
    /// Waits for the next frame and keeps its raw bytes; the error text says why it failed.
    fn grab(&mut self) -> Result<(), String>;
    /// Decodes the last grabbed frame to RGB.
    fn decode(&mut self) -> Result<image::RgbImage, String>;
    /// Name, resolution and rate.
    fn describe(&self) -> String;
}

/// Opens camera streams.
pub trait CameraDriver {
    /// Opens the device; the error text says why it failed.
    fn open(&mut self) -> Result<Box<dyn CameraDevice>, String>;
}

/// A millisecond clock.
pub trait Clock {
    /// Milliseconds since some fixed origin; never decreases.
    fn now_ms(&self) -> f64;
}

/// The process's monotonic clock, counted from the clock's creation.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock(Instant);

impl Default for MonotonicClock {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Clock for MonotonicClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// A camera that survives being unplugged: frames while streaming,
/// [`CaptureError::Reconnecting`] while waiting to retry, [`CaptureError::CameraLost`] when
/// the retries are used up.
pub struct CameraSource<D, C> {
    driver: D,
    clock: C,
    device: Option<Box<dyn CameraDevice>>,
    link: Reconnector,
    seq: u64,
    description: String,
    min_interval_ms: f64,
    last_delivered_ms: Option<f64>,
    ended: bool,
}

impl<D: CameraDriver, C: Clock> CameraSource<D, C> {
    /// Opens the first stream now, so a missing camera fails here with the driver's reason.
    pub fn start(mut driver: D, clock: C, backoff: Backoff) -> Result<Self, String> {
        let device = driver.open()?;
        Ok(Self {
            description: device.describe(),
            driver,
            clock,
            device: Some(device),
            link: Reconnector::new(backoff),
            seq: 0,
            min_interval_ms: 0.0,
            last_delivered_ms: None,
            ended: false,
        })
    }

    /// Reads from the open device; a failure starts the reconnect cycle.
    fn read(&mut self) -> Result<Option<Frame>, CaptureError> {
        let device = self
            .device
            .as_mut()
            .expect("streaming implies an open device");
        loop {
            if let Err(reason) = device.grab() {
                return Err(self.lose(reason));
            }
            let t_ms = self.clock.now_ms();
            let due = self
                .last_delivered_ms
                .is_none_or(|last| t_ms - last >= self.min_interval_ms - 1e-6);
            if !due {
                continue;
            }
            let image = match device.decode() {
                Ok(image) => image,
                Err(reason) => return Err(self.lose(reason)),
            };
            self.last_delivered_ms = Some(t_ms);
            let seq = self.seq;
            self.seq += 1;
            return Ok(Some(Frame::new(seq, t_ms, image)));
        }
    }

    fn lose(&mut self, reason: String) -> CaptureError {
        tracing::warn!("camera lost: {reason}");
        self.device = None;
        let now_ms = self.clock.now_ms();
        self.link.lost(now_ms, reason);
        self.waiting_error(now_ms)
    }

    /// The error that reports the current wait (or the end).
    fn waiting_error(&mut self, now_ms: f64) -> CaptureError {
        match self.link.step(now_ms) {
            Step::Wait {
                attempt,
                remaining_ms,
                reason,
            } => CaptureError::Reconnecting {
                attempt,
                retry_in_ms: remaining_ms,
                reason,
            },
            Step::Reopen { attempt } => CaptureError::Reconnecting {
                attempt,
                retry_in_ms: 0.0,
                reason: "retrying now".into(),
            },
            Step::GiveUp { attempts, reason } => {
                self.ended = true;
                CaptureError::CameraLost { attempts, reason }
            }
            Step::Read => CaptureError::Reconnecting {
                attempt: 0,
                retry_in_ms: 0.0,
                reason: "reconnected".into(),
            },
        }
    }
}

impl<D: CameraDriver, C: Clock> FrameSource for CameraSource<D, C> {
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        if self.ended {
            return Ok(None);
        }
        let now_ms = self.clock.now_ms();
        match self.link.step(now_ms) {
            Step::Read => self.read(),
            Step::Reopen { attempt } => match self.driver.open() {
                Ok(device) => {
                    tracing::info!("camera back after {attempt} retries");
                    self.description = device.describe();
                    self.device = Some(device);
                    self.link.reopened();
                    self.read()
                }
                Err(reason) => {
                    let now_ms = self.clock.now_ms();
                    self.link.reopen_failed(now_ms, reason);
                    Err(self.waiting_error(now_ms))
                }
            },
            Step::Wait { .. } | Step::GiveUp { .. } => Err(self.waiting_error(now_ms)),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn set_min_interval_ms(&mut self, interval_ms: f64) {
        self.min_interval_ms = interval_ms.max(0.0);
    }
}

/// Opens nokhwa cameras by index with a wanted resolution and rate.
#[derive(Clone, Debug)]
pub struct NokhwaDriver {
    spec: CameraSpec,
}

/// A streaming nokhwa camera.
struct NokhwaDevice {
    camera: nokhwa::Camera,
    frame: Option<nokhwa::Buffer>,
}

impl CameraDriver for NokhwaDriver {
    fn open(&mut self) -> Result<Box<dyn CameraDevice>, String> {
        let (width, height) = self.spec.resolution.unwrap_or(DEFAULT_RESOLUTION);
        let fps = self.spec.fps.unwrap_or(DEFAULT_FPS);
        let wanted = CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, fps);
        let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
        let mut camera = nokhwa::Camera::new(CameraIndex::Index(self.spec.index), format)
            .map_err(|e| e.to_string())?;
        camera.open_stream().map_err(|e| e.to_string())?;
        Ok(Box::new(NokhwaDevice {
            camera,
            frame: None,
        }))
    }
}

impl CameraDevice for NokhwaDevice {
    fn grab(&mut self) -> Result<(), String> {
        self.frame = Some(self.camera.frame().map_err(|e| e.to_string())?);
        Ok(())
    }

    fn decode(&mut self) -> Result<image::RgbImage, String> {
        let frame = self.frame.as_ref().ok_or("no frame grabbed")?;
        frame.decode_image::<RgbFormat>().map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        let format = self.camera.camera_format();
        format!(
            "camera {} ({}) {}x{} at {} fps",
            self.camera.index(),
            self.camera.info().human_name(),
            format.width(),
            format.height(),
            format.frame_rate()
        )
    }
}

/// The cameras the system lists, as "index: name" text.
pub fn list_cameras() -> Result<Vec<String>, String> {
    let cameras = nokhwa::query(ApiBackend::Auto).map_err(|e| e.to_string())?;
    Ok(cameras
        .iter()
        .map(|info| format!("{}: {}", info.index(), info.human_name()))
        .collect())
}

/// Whether a driver message reports `EBUSY` (another program streams from the camera). The
/// drivers give text only (nokhwa wraps the V4L2 `io::Error` in a string), so the errno's
/// text is matched here, at the one place that turns driver text into a [`CaptureError`].
pub fn is_busy_message(reason: &str) -> bool {
    const ERRNO: &str = "os error 16";
    let errno = reason
        .match_indices(ERRNO)
        .any(|(at, _)| !reason[at + ERRNO.len()..].starts_with(|c: char| c.is_ascii_digit()));
    errno || reason.contains("Device or resource busy")
}

/// Opens the camera `spec` names with default backoff, or says clearly why not.
pub fn open_camera(
    spec: &CameraSpec,
) -> Result<CameraSource<NokhwaDriver, MonotonicClock>, CaptureError> {
    let driver = NokhwaDriver { spec: spec.clone() };
    CameraSource::start(driver, MonotonicClock::default(), Backoff::default()).map_err(|reason| {
        if is_busy_message(&reason) {
            return CaptureError::CameraBusy {
                index: spec.index,
                reason,
            };
        }
        match list_cameras() {
            Ok(found) if found.is_empty() => CaptureError::NoCamera {
                index: spec.index,
                found: format!("the system lists no cameras; {reason}"),
            },
            Ok(found)
                if !found
                    .iter()
                    .any(|c| c.starts_with(&format!("{}:", spec.index))) =>
            {
                CaptureError::NoCamera {
                    index: spec.index,
                    found: format!("found {}", found.join(", ")),
                }
            }
            Ok(_) => CaptureError::CameraOpen {
                index: spec.index,
                reason,
            },
            Err(query) => CaptureError::NoCamera {
                index: spec.index,
                found: format!("listing cameras failed: {query}; opening failed: {reason}"),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    #[test]
    fn ebusy_is_recognised_in_driver_text() {
        assert!(is_busy_message(
            "Could not open device: Device or resource busy (os error 16)"
        ));
        assert!(is_busy_message("VIDIOC_STREAMON: os error 16"));
        assert!(!is_busy_message("No such file or directory (os error 2)"));
        assert!(!is_busy_message("os error 160"));
    }

    /// Milliseconds between frames of the scripted camera.
    const FRAME_MS: f64 = 33.0;

    /// The scripted world: a clock and whether the camera is plugged in.
    #[derive(Default)]
    struct World {
        now_ms: Cell<f64>,
        plugged: Cell<bool>,
        opens: Cell<u32>,
    }

    #[derive(Clone)]
    struct Scripted(Rc<World>);

    impl Clock for Scripted {
        fn now_ms(&self) -> f64 {
            self.0.now_ms.get()
        }
    }

    impl CameraDriver for Scripted {
        fn open(&mut self) -> Result<Box<dyn CameraDevice>, String> {
            self.0.opens.set(self.0.opens.get() + 1);
            if self.0.plugged.get() {
                Ok(Box::new(self.clone()))
            } else {
                Err("no such device".into())
            }
        }
    }

    impl CameraDevice for Scripted {
        fn grab(&mut self) -> Result<(), String> {
            if !self.0.plugged.get() {
                return Err("unplugged".into());
            }
            // Grabbing blocks for one frame interval.
            self.0.now_ms.set(self.0.now_ms.get() + FRAME_MS);
            Ok(())
        }

        fn decode(&mut self) -> Result<image::RgbImage, String> {
            Ok(image::RgbImage::new(4, 3))
        }

        fn describe(&self) -> String {
            "scripted camera".into()
        }
    }

    fn world(plugged: bool) -> Scripted {
        let world = Scripted(Rc::new(World::default()));
        world.0.plugged.set(plugged);
        world
    }

    fn advance(world: &Scripted, ms: f64) {
        world.0.now_ms.set(world.0.now_ms.get() + ms);
    }

    fn reconnecting(result: Result<Option<Frame>, CaptureError>) -> (u32, f64) {
        match result {
            Err(CaptureError::Reconnecting {
                attempt,
                retry_in_ms,
                ..
            }) => (attempt, retry_in_ms),
            other => panic!("expected Reconnecting, got {other:?}"),
        }
    }

    #[test]
    fn missing_camera_fails_at_start() {
        let w = world(false);
        let err = CameraSource::start(w.clone(), w, Backoff::default()).err();
        assert_eq!(err.as_deref(), Some("no such device"));
    }

    #[test]
    fn unplug_backoff_and_replug() -> Result<(), CaptureError> {
        let w = world(true);
        let mut camera = CameraSource::start(w.clone(), w.clone(), Backoff::default()).unwrap();
        assert_eq!(camera.describe(), "scripted camera");
        for seq in 0..3 {
            let frame = camera.next_frame()?.expect("streaming");
            assert_eq!(frame.seq, seq);
            assert!((frame.t_ms - FRAME_MS * (seq + 1) as f64).abs() < 1e-9);
        }
        w.0.plugged.set(false);
        assert_eq!(reconnecting(camera.next_frame()), (1, 500.0));
        advance(&w, 200.0);
        assert_eq!(reconnecting(camera.next_frame()), (1, 300.0));
        let opens = w.0.opens.get();
        advance(&w, 300.0);
        // Retry 1 fails: retry 2 is scheduled 1000 ms later.
        assert_eq!(reconnecting(camera.next_frame()), (2, 1000.0));
        assert_eq!(
            w.0.opens.get(),
            opens + 1,
            "one open per retry, none while waiting"
        );
        w.0.plugged.set(true);
        advance(&w, 999.0);
        assert_eq!(reconnecting(camera.next_frame()), (2, 1.0));
        advance(&w, 1.0);
        let frame = camera.next_frame()?.expect("back");
        assert_eq!(frame.seq, 3, "numbering continues");
        let lost_at = FRAME_MS * 3.0;
        assert!(
            frame.t_ms > lost_at + 1500.0,
            "time kept running: {}",
            frame.t_ms
        );
        // A second loss starts over at retry 1.
        w.0.plugged.set(false);
        assert_eq!(reconnecting(camera.next_frame()), (1, 500.0));
        Ok(())
    }

    #[test]
    fn gives_up_after_the_allowed_retries() {
        let w = world(true);
        let backoff = Backoff {
            max_attempts: Some(2),
            ..Backoff::default()
        };
        let mut camera = CameraSource::start(w.clone(), w.clone(), backoff).unwrap();
        w.0.plugged.set(false);
        assert_eq!(reconnecting(camera.next_frame()), (1, 500.0));
        advance(&w, 500.0);
        assert_eq!(reconnecting(camera.next_frame()), (2, 1000.0));
        advance(&w, 1000.0);
        let err = camera.next_frame().unwrap_err();
        assert!(
            matches!(err, CaptureError::CameraLost { attempts: 2, .. }),
            "{err}"
        );
        assert!(!err.is_transient());
        assert!(camera.next_frame().unwrap().is_none(), "ended for good");
    }

    #[test]
    fn min_interval_skips_decoding() -> Result<(), CaptureError> {
        let w = world(true);
        let mut camera = CameraSource::start(w.clone(), w, Backoff::default()).unwrap();
        camera.set_min_interval_ms(100.0);
        let times: Vec<f64> = (0..3)
            .map(|_| camera.next_frame().map(|f| f.expect("streaming").t_ms))
            .collect::<Result<_, _>>()?;
        assert_eq!(times, vec![33.0, 165.0, 297.0]);
        Ok(())
    }

    #[test]
    fn no_camera_on_this_machine_is_a_clear_error() {
        // The build machine has no webcam; where one exists this test only checks the type.
        match open_camera(&CameraSpec {
            index: 97,
            ..CameraSpec::default()
        }) {
            Err(err @ (CaptureError::NoCamera { .. } | CaptureError::CameraOpen { .. })) => {
                assert!(err.to_string().contains("camera"), "{err}");
            }
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("camera 97 should not exist"),
        }
    }
}
