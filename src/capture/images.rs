//! Still images as a frame source: one image, or a folder of images sorted by file name with
//! time stamps from an assumed frame rate.
//!
//! [`load_image`] is the one place a still is decoded: the decoder is chosen from the file's
//! first bytes (a PNG or WebP named `.jpg` decodes; the name only decides which files of a
//! folder are looked at), and the EXIF orientation is applied, so a phone photo stored
//! sideways is measured upright, as it is shown. In a folder an image that cannot be read is
//! skipped with one warning naming it, and the number skipped is logged at the end; a single
//! image that cannot be read is an error.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, RgbImage};

use super::source::{Pacer, Pacing, has_image_extension};
use super::{CaptureError, Frame, FrameSource};

/// The still formats plumbline decodes (the `image` crate features it is built with).
pub const STILL_FORMATS: [ImageFormat; 3] =
    [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP];

/// Decodes the still at `path` as it is meant to be seen: format from the bytes, EXIF
/// orientation applied.
pub fn load_image(path: &Path) -> Result<RgbImage, CaptureError> {
    let image_error = |source| CaptureError::Image {
        path: path.into(),
        source,
    };
    let reader = ImageReader::open(path)
        .and_then(ImageReader::with_guessed_format)
        .map_err(|source| image_error(image::ImageError::IoError(source)))?;
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    // A damaged EXIF block is not worth losing the picture for: shown as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// Whether the first bytes of `path` are those of a still format plumbline decodes (whatever
/// the file is called).
pub fn is_still_image(path: &Path) -> bool {
    let mut head = [0u8; 32];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    image::guess_format(&head[..n]).is_ok_and(|format| STILL_FORMATS.contains(&format))
}

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
    /// Whether this is a folder (a bad member is skipped) rather than one image.
    is_folder: bool,
    /// Images of the folder skipped because they could not be read.
    skipped: usize,
    /// Whether the end (and the count of skipped images) was reported.
    ended: bool,
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
            false,
        ))
    }

    /// The `.jpg`/`.jpeg`/`.png`/`.webp` files of `folder`, sorted by name, at `fps`.
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
        Ok(Self::from_list(folder.into(), paths, fps, pacing, true))
    }

    fn from_list(
        origin: PathBuf,
        paths: Vec<PathBuf>,
        fps: f64,
        pacing: Pacing,
        is_folder: bool,
    ) -> Self {
        Self {
            origin,
            paths,
            interval_ms: 1000.0 / fps,
            next: 0,
            pacer: Pacer::new(pacing),
            min_interval_ms: 0.0,
            last_delivered_ms: None,
            is_folder,
            skipped: 0,
            ended: false,
        }
    }

    /// The image `seq` of the list again (review mode), at its time on the source clock.
    pub fn frame_at(&self, seq: u64) -> Result<Frame, CaptureError> {
        let path = usize::try_from(seq)
            .ok()
            .and_then(|index| self.paths.get(index))
            .ok_or_else(|| CaptureError::NoFrameAt {
                path: self.origin.clone(),
                at_s: seq as f64 * self.interval_ms / 1000.0,
            })?;
        let image = load_image(path)?;
        Ok(Frame::new(seq, seq as f64 * self.interval_ms, image))
    }

    /// Images of the folder skipped so far because they could not be read.
    pub fn skipped(&self) -> usize {
        self.skipped
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
            let image = match load_image(path) {
                Ok(image) => image,
                Err(err) if self.is_folder => {
                    // One bad member does not cost the folder: skipped, named once.
                    tracing::warn!("skipping an image of the folder: {err}");
                    self.skipped += 1;
                    continue;
                }
                Err(err) => {
                    // A broken single image ends the source, as the trait promises.
                    self.next = self.paths.len();
                    return Err(err);
                }
            };
            self.pacer.wait_for(t_ms);
            self.last_delivered_ms = Some(t_ms);
            return Ok(Some(Frame::new(seq, t_ms, image)));
        }
        if self.skipped > 0 && !self.ended {
            self.ended = true;
            if self.last_delivered_ms.is_none() {
                return Err(CaptureError::NoReadableImage {
                    path: self.origin.clone(),
                    count: self.skipped,
                });
            }
            tracing::warn!(
                "skipped {} of {} images that could not be read in {}",
                self.skipped,
                self.paths.len(),
                self.origin.display()
            );
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
        let mut single = ImageSource::single(&dir.path().join("bad.png")).unwrap();
        let broken = single.next_frame().unwrap_err();
        assert!(matches!(broken, CaptureError::Image { .. }), "{broken}");
        assert!(broken.to_string().ends_with("bad.png"), "{broken}");
        let mut source = ImageSource::folder(dir.path(), 30.0, Pacing::AsFastAsPossible).unwrap();
        let nothing = source.next_frame().unwrap_err();
        assert!(
            matches!(nothing, CaptureError::NoReadableImage { count: 1, .. }),
            "{nothing}"
        );
        assert!(source.next_frame().unwrap().is_none(), "stays ended");
    }

    #[test]
    fn a_folder_skips_unreadable_members_and_keeps_the_rest() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        write_images(dir.path(), &["a.png", "c.png"]);
        std::fs::write(dir.path().join("b.jpg"), b"").unwrap();
        std::fs::write(dir.path().join("d.jpg"), b"\xff\xd8\xff truncated").unwrap();
        let mut source = ImageSource::folder(dir.path(), 10.0, Pacing::AsFastAsPossible)?;
        let mut times = Vec::new();
        while let Some(frame) = source.next_frame()? {
            times.push(frame.t_ms);
        }
        // The good images keep their places on the folder's clock.
        assert_eq!(times, vec![0.0, 200.0]);
        assert_eq!(source.skipped(), 2);
        Ok(())
    }

    /// A minimal EXIF block (little-endian TIFF, one IFD entry): Orientation = `value`.
    fn exif_orientation(value: u16) -> Vec<u8> {
        let mut exif = b"II*\0".to_vec();
        exif.extend(8u32.to_le_bytes()); // first IFD right after the header
        exif.extend(1u16.to_le_bytes()); // one entry
        exif.extend(0x0112u16.to_le_bytes()); // Orientation
        exif.extend(3u16.to_le_bytes()); // SHORT
        exif.extend(1u32.to_le_bytes()); // one value
        exif.extend(value.to_le_bytes());
        exif.extend([0, 0]); // padding of the 4-byte value field
        exif.extend(0u32.to_le_bytes()); // no next IFD
        exif
    }

    /// A 32x16 picture with a distinct colour in each quadrant.
    fn quadrants() -> RgbImage {
        RgbImage::from_fn(32, 16, |x, y| match (x < 16, y < 8) {
            (true, true) => image::Rgb([255, 0, 0]),
            (false, true) => image::Rgb([0, 255, 0]),
            (true, false) => image::Rgb([0, 0, 255]),
            (false, false) => image::Rgb([255, 255, 0]),
        })
    }

    #[test]
    fn exif_orientation_is_applied() -> Result<(), Box<dyn std::error::Error>> {
        use image::ImageEncoder as _;
        let dir = tempfile::tempdir()?;
        let upright = quadrants();
        // Stored as a phone does: pixels turned a quarter left, Orientation 6 ("turn right").
        let stored = image::imageops::rotate270(&upright);
        let path = dir.path().join("phone.jpg");
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 100);
        encoder.set_exif_metadata(exif_orientation(6))?;
        encoder.write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::Rgb8,
        )?;
        std::fs::write(&path, bytes)?;
        let loaded = load_image(&path)?;
        assert_eq!(loaded.dimensions(), (32, 16));
        // JPEG is lossy: the quadrant centres keep their dominant channels.
        let dominant = |x, y| loaded.get_pixel(x, y).0.map(|c| c > 128);
        assert_eq!(dominant(8, 4), [true, false, false]);
        assert_eq!(dominant(24, 4), [false, true, false]);
        assert_eq!(dominant(8, 12), [false, false, true]);
        assert_eq!(dominant(24, 12), [true, true, false]);
        Ok(())
    }

    #[test]
    fn the_format_comes_from_the_bytes_not_the_name() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let image = quadrants();
        for format in [ImageFormat::Png, ImageFormat::WebP] {
            let path = dir.path().join(format!("{format:?}.jpg"));
            image.save_with_format(&path, format)?;
            assert!(is_still_image(&path), "{format:?}");
            // Both are lossless: the very same pixels.
            assert_eq!(load_image(&path)?, image, "{format:?}");
        }
        std::fs::write(dir.path().join("text.jpg"), b"just text")?;
        assert!(!is_still_image(&dir.path().join("text.jpg")));
        assert!(!is_still_image(&dir.path().join("missing.jpg")));
        Ok(())
    }
}
