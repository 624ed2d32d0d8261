//! A stand-in source for the window until `pipeline::Pipeline` lands: it replays a folder of
//! images as `Update::Analysed` frames without pose (nobody found), so the window, its error
//! screens and the smoke test run against the real message contract.
//!
//! TODO(ui): replace with `Pipeline::start` when the monitor branch is merged.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::capture::Frame;
use crate::pipeline::{Analysed, Control, SourceStatus, Update};
use crate::pose::PoseEstimate;
use crate::posture::{PostureSample, PostureState};

use super::UiError;

/// Image file endings the folder replay reads.
const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// Pause between replayed frames.
const FRAME_INTERVAL: Duration = Duration::from_millis(500);

/// The running replay thread; dropping it stops and joins the thread.
pub struct Feed {
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::warn!("the replay thread panicked");
        }
    }
}

/// The images of `dir`, sorted by name.
pub fn image_files(dir: &Path) -> Result<Vec<PathBuf>, UiError> {
    let read_error = |source| UiError::ReadFolder {
        source,
        path: dir.to_owned(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let is_image = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
        if is_image {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(UiError::NoImages(dir.to_owned()));
    }
    Ok(files)
}

/// Decodes the images of `dir`, checking each once before the thread starts.
fn load_images(dir: &Path) -> Result<Vec<Arc<image::RgbImage>>, UiError> {
    image_files(dir)?
        .into_iter()
        .map(|path| {
            image::open(&path)
                .map(|image| Arc::new(image.into_rgb8()))
                .map_err(|source| UiError::DecodeImage { source, path })
        })
        .collect()
}

/// One replayed frame as the pipeline would send it when nobody is found.
pub fn analysed_without_pose(seq: u64, t_ms: f64, image: Arc<image::RgbImage>) -> Update {
    let (width, height) = image.dimensions();
    let frame = Frame { seq, t_ms, image };
    let estimate = PoseEstimate {
        seq,
        t_ms,
        width,
        height,
        score: None,
        people_detected: 0,
        detector_ran: false,
        roi: None,
        skeleton: None,
    };
    let sample = PostureSample {
        seq,
        t_ms,
        state: PostureState::Away,
        ..PostureSample::default()
    };
    Update::Analysed(Box::new(Analysed {
        frame,
        estimate,
        sample,
    }))
}

/// Starts replaying the folder `dir` into `updates`, looping, until the feed is dropped.
/// `repaint` is called after each message so the window wakes up.
pub fn start_folder(
    dir: &Path,
    updates: Sender<Update>,
    controls: Receiver<Control>,
    repaint: impl Fn() + Send + 'static,
) -> Result<Feed, UiError> {
    let images = load_images(dir)?;
    let description = format!(
        "{} ({} images; preview without pose analysis)",
        dir.display(),
        images.len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = Arc::clone(&stop);
    let worker = std::thread::Builder::new()
        .name("ui-replay".to_owned())
        .spawn(move || {
            // A full or closed channel only means the window is gone or busy.
            let _ = updates.send(Update::Source(SourceStatus::Running(description)));
            let mut seq = 0_u64;
            while !stop_flag.load(Ordering::Relaxed) {
                let image = Arc::clone(&images[seq as usize % images.len()]);
                let t_ms = seq as f64 * FRAME_INTERVAL.as_secs_f64() * 1000.0;
                if updates
                    .try_send(analysed_without_pose(seq, t_ms, image))
                    .is_ok()
                {
                    repaint();
                }
                while let Ok(control) = controls.try_recv() {
                    tracing::info!("replay without pose ignores {control:?}");
                }
                seq += 1;
                std::thread::sleep(FRAME_INTERVAL);
            }
        })
        .map_err(UiError::SpawnThread)?;
    Ok(Feed {
        stop,
        worker: Some(worker),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_a_folder_and_stops_on_drop() -> Result<(), UiError> {
        let dir = tempfile::tempdir().expect("temp dir");
        image::RgbImage::new(8, 6)
            .save(dir.path().join("b.png"))
            .expect("write png");
        image::RgbImage::new(4, 4)
            .save(dir.path().join("a.png"))
            .expect("write png");
        std::fs::write(dir.path().join("notes.txt"), "skip me").expect("write");
        let files = image_files(dir.path())?;
        assert_eq!(files.len(), 2);
        assert!(files[0].ends_with("a.png"));

        let (update_tx, update_rx) = crossbeam_channel::bounded(4);
        let (_control_tx, control_rx) = crossbeam_channel::bounded(4);
        let feed = start_folder(dir.path(), update_tx, control_rx, || {})?;
        let first = update_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("status");
        assert!(matches!(first, Update::Source(SourceStatus::Running(_))));
        let Update::Analysed(analysed) = update_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("frame")
        else {
            panic!("expected a frame");
        };
        assert_eq!((analysed.frame.seq, analysed.frame.width()), (0, 4));
        assert!(analysed.estimate.skeleton.is_none());
        drop(feed);
        Ok(())
    }

    #[test]
    fn empty_or_missing_folders_are_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(image_files(dir.path()), Err(UiError::NoImages(_))));
        assert!(matches!(
            image_files(&dir.path().join("missing")),
            Err(UiError::ReadFolder { .. })
        ));
    }
}
