//! Still images as a frame source: one image, or a folder of images sorted by file name with
//! time stamps from an assumed frame rate.

use std::path::{Path, PathBuf};

use super::source::{Pacer, Pacing, has_image_extension};
use super::{CaptureError, Frame, FrameSource};

/// Delivers the images of a list in order, decoding each only when asked for.
#[derive(Debug)]
pub struct ImageSource {
    /// Where the list came from, for `describe`.
    origin: PathBuf,
    paths: Vec<PathBuf>,
    /// Frame interval of the source clock in milliseconds.
    interval_ms: f64,
    next: usize,
    pacer: Pacer,
    /// Frames closer than this to the last delivered one are skipped without decoding.
    min_interval_ms: f64,
    last_delivered_ms: Option<f64>,
}

impl ImageSource {
    /// One image, delivered once at t = 0.
    pub fn single(path: &Path) -> Result<Self, CaptureError> {
        if !path.is_file() {
            return Err(CaptureError::FileMissing { path: path.into() });
        }
        Ok(Self::from_list(
            path.into(),
            vec![path.into()],
            1.0,
            Pacing::AsFastAsPossible,
        ))
    }

    /// The `.jpg`/`.jpeg`/`.png` files of `folder`, sorted by name, at `fps`.
    pub fn folder(folder: &Path, fps: f64, pacing: Pacing) -> Result<Self, CaptureError> {
        if !folder.exists() {
            return Err(CaptureError::FileMissing {
                path: folder.into(),
            });
        }
        let io_err = |source| CaptureError::Io {
            path: folder.into(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(io_err)? {
            let path = entry.map_err(io_err)?.path();
            if path.is_file() && has_image_extension(&path) {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            return Err(CaptureError::EmptyFolder {
                path: folder.into(),
            });
        }
        paths.sort();
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            super::source::DEFAULT_FOLDER_FPS
        };
        Ok(Self::from_list(folder.into(), paths, fps, pacing))
    }

    fn from_list(origin: PathBuf, paths: Vec<PathBuf>, fps: f64, pacing: Pacing) -> Self {
        Self {
            origin,
            paths,
            interval_ms: 1000.0 / fps,
            next: 0,
            pacer: Pacer::new(pacing),
            min_interval_ms: 0.0,
            last_delivered_ms: None,
        }
    }

    /// Number of images in the list.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether the list is empty (never true for a constructed source).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

impl FrameSource for ImageSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        while let Some(path) = self.paths.get(self.next) {
            let seq = self.next as u64;
            let t_ms = seq as f64 * self.interval_ms;
            self.next += 1;
            let due = self
                .last_delivered_ms
                .is_none_or(|last| t_ms - last >= self.min_interval_ms - 1e-6);
            if !due {
                continue;
            }
            let image = match image::open(path) {
                Ok(image) => image.into_rgb8(),
                Err(source) => {
                    let path = path.clone();
                    // A broken image ends the source, as the trait promises.
                    self.next = self.paths.len();
                    return Err(CaptureError::Image { path, source });
                }
            };
            self.pacer.wait_for(t_ms);
            self.last_delivered_ms = Some(t_ms);
            return Ok(Some(Frame::new(seq, t_ms, image)));
        }
        // Skipped images are not paced; in real time the end still comes on the source clock.
        if self.last_delivered_ms.is_some() {
            self.pacer
                .wait_for((self.paths.len() - 1) as f64 * self.interval_ms);
        }
        Ok(None)
    }

    fn describe(&self) -> String {
        if self.paths.len() == 1 {
            format!("image {}", self.origin.display())
        } else {
            format!(
                "{} images at {:.1} fps in {}",
                self.paths.len(),
                1000.0 / self.interval_ms,
                self.origin.display()
            )
        }
    }

    fn set_min_interval_ms(&mut self, interval_ms: f64) {
        self.min_interval_ms = interval_ms.max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_images(dir: &Path, names: &[&str]) {
        for (i, name) in names.iter().enumerate() {
            let shade = (i * 40) as u8;
            image::RgbImage::from_pixel(8, 6, image::Rgb([shade, 0, 0]))
                .save(dir.join(name))
                .unwrap();
        }
    }

    #[test]
    fn folder_is_sorted_by_name_and_timed_by_fps() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        // Written out of order; the text file must be ignored.
        write_images(dir.path(), &["b.png", "a.png", "c.jpg"]);
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        let mut source = ImageSource::folder(dir.path(), 10.0, Pacing::AsFastAsPossible)?;
        assert_eq!(source.len(), 3);
        let mut frames = Vec::new();
        while let Some(frame) = source.next_frame()? {
            frames.push(frame);
        }
        let times: Vec<f64> = frames.iter().map(|f| f.t_ms).collect();
        assert_eq!(times, vec![0.0, 100.0, 200.0]);
        // a.png was written second (shade 40).
        assert_eq!(frames[0].image.get_pixel(0, 0).0, [40, 0, 0]);
        assert_eq!(frames[1].image.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!((frames[2].width(), frames[2].height()), (8, 6));
        assert!(source.next_frame()?.is_none(), "stays ended");
        Ok(())
    }

    #[test]
    fn min_interval_skips_frames_by_source_time() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..10).map(|i| format!("{i:02}.png")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        write_images(dir.path(), &refs);
        let mut source = ImageSource::folder(dir.path(), 10.0, Pacing::AsFastAsPossible)?;
        source.set_min_interval_ms(250.0);
        let mut seqs = Vec::new();
        while let Some(frame) = source.next_frame()? {
            seqs.push(frame.seq);
        }
        assert_eq!(seqs, vec![0, 3, 6, 9]);
        Ok(())
    }

    #[test]
    fn real_time_end_waits_for_skipped_frames() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..6).map(|i| format!("{i:02}.png")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        write_images(dir.path(), &refs);
        let mut source = ImageSource::folder(dir.path(), 10.0, Pacing::RealTime)?;
        source.set_min_interval_ms(10_000.0);
        let start = std::time::Instant::now();
        assert_eq!(source.next_frame()?.map(|f| f.seq), Some(0));
        assert!(source.next_frame()?.is_none(), "the rest is skipped");
        // Six images at 10 fps: the last one is due 0.5 s after the first.
        assert!(
            start.elapsed().as_secs_f64() >= 0.49,
            "{:?}",
            start.elapsed()
        );
        Ok(())
    }

    #[test]
    fn single_image_once() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        write_images(dir.path(), &["only.png"]);
        let mut source = ImageSource::single(&dir.path().join("only.png"))?;
        assert_eq!(source.next_frame()?.map(|f| f.t_ms), Some(0.0));
        assert!(source.next_frame()?.is_none());
        Ok(())
    }

    #[test]
    fn missing_empty_and_broken_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = ImageSource::single(&dir.path().join("nope.png")).unwrap_err();
        assert!(matches!(missing, CaptureError::FileMissing { .. }));
        let empty = ImageSource::folder(dir.path(), 30.0, Pacing::AsFastAsPossible).unwrap_err();
        assert!(matches!(empty, CaptureError::EmptyFolder { .. }));
        std::fs::write(dir.path().join("bad.png"), b"not a png").unwrap();
        let mut source = ImageSource::folder(dir.path(), 30.0, Pacing::AsFastAsPossible).unwrap();
        let broken = source.next_frame().unwrap_err();
        assert!(matches!(broken, CaptureError::Image { .. }), "{broken}");
    }
}
