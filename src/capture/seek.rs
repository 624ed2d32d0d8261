//! Frames of a recording by number, for the window's review mode: a video seeks in its
//! decoder ([`VideoSource::frame_at`]), an image or a folder decodes the one picture
//! ([`ImageSource::frame_at`]). Frames are decoded into memory only, never written anywhere.

use super::images::ImageSource;
use super::source::{Pacing, SourceSpec};
use super::video::VideoSource;
use super::{CaptureError, Frame};

/// A recording opened for random access.
#[derive(Debug)]
pub enum SeekableSource {
    /// A video file.
    Video(Box<VideoSource>),
    /// One image or a folder of images.
    Images(ImageSource),
}

impl SeekableSource {
    /// Opens the recording `spec` names; a camera has no frames to go back to.
    pub fn open(spec: &SourceSpec) -> Result<Self, CaptureError> {
        match spec {
            SourceSpec::Video(path) => Ok(Self::Video(Box::new(VideoSource::open(
                path,
                Pacing::AsFastAsPossible,
            )?))),
            SourceSpec::Image(path) => Ok(Self::Images(ImageSource::single(path)?)),
            SourceSpec::Folder { path, fps } => Ok(Self::Images(ImageSource::folder(
                path,
                *fps,
                Pacing::AsFastAsPossible,
            )?)),
            SourceSpec::Camera(camera) => Err(CaptureError::BadSpec {
                spec: format!("camera:{}", camera.index),
                reason: "a camera is live: review needs a recording (a video, an image or a \
                         folder of images)"
                    .into(),
            }),
        }
    }

    /// The frame `seq`, presented at `t_ms` on the recording's clock.
    pub fn frame_at(&mut self, seq: u64, t_ms: f64) -> Result<Frame, CaptureError> {
        match self {
            Self::Video(video) => video.frame_at(seq, t_ms),
            Self::Images(images) => images.frame_at(seq),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::FrameSource as _;
    use crate::capture::video::tests::clip;
    use crate::capture::writer::write_video;

    fn red(frame: &Frame) -> i32 {
        i32::from(frame.image.get_pixel(32, 24).0[0])
    }

    #[test]
    fn a_video_gives_any_frame_again_forward_backward_and_after_its_end() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        // A key frame every 20 frames (2 s): going back needs a real seek and a decode forward.
        let path = write_video(&dir.path().join("clip.mkv"), &clip(30), 10)?;
        let mut expected = Vec::new();
        let mut reader = VideoSource::open(&path, Pacing::AsFastAsPossible)?;
        while let Some(frame) = reader.next_frame()? {
            expected.push((frame.seq, frame.t_ms, red(&frame)));
        }
        assert_eq!(expected.len(), 30);
        let mut source = SeekableSource::open(&SourceSpec::Video(path.clone()))?;
        for index in [0_usize, 1, 2, 29, 28, 5, 4, 17, 18, 19, 3, 29] {
            let (seq, t_ms, colour) = expected[index];
            let frame = source.frame_at(seq, t_ms)?;
            assert_eq!(frame.seq, seq);
            assert!((frame.t_ms - t_ms).abs() < 1.0, "{} vs {t_ms}", frame.t_ms);
            assert!(
                (red(&frame) - colour).abs() <= 4,
                "frame {index}: red {} vs {colour}",
                red(&frame)
            );
        }
        let err = source.frame_at(30, 3_000.0).expect_err("past the end");
        assert!(matches!(err, CaptureError::NoFrameAt { .. }), "{err}");
        // Still usable after an error.
        let (seq, t_ms, _) = expected[10];
        assert_eq!(source.frame_at(seq, t_ms)?.seq, seq);
        Ok(())
    }

    #[test]
    fn a_video_with_b_frames_gives_the_frame_asked_for() -> anyhow::Result<()> {
        use crate::capture::writer::VideoWriter;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("b.mkv");
        let mut writer = VideoWriter::create_with_b_frames(&path, 64, 48, 30, 2)?;
        for image in &clip(30) {
            writer.push(image)?;
        }
        writer.finish()?;
        let mut expected = Vec::new();
        let mut reader = VideoSource::open(&path, Pacing::AsFastAsPossible)?;
        while let Some(frame) = reader.next_frame()? {
            expected.push((frame.seq, frame.t_ms, red(&frame)));
        }
        assert_eq!(expected.len(), 30);
        let mut source = SeekableSource::open(&SourceSpec::Video(path))?;
        // Backwards and forwards across the reordered (B) frames.
        for index in [29_usize, 13, 14, 15, 2, 1, 0, 22] {
            let (seq, t_ms, colour) = expected[index];
            let frame = source.frame_at(seq, t_ms)?;
            assert!((frame.t_ms - t_ms).abs() < 1.0, "{} vs {t_ms}", frame.t_ms);
            assert!((red(&frame) - colour).abs() <= 4, "frame {index}");
        }
        Ok(())
    }

    #[test]
    fn a_folder_gives_its_pictures_by_number_and_a_camera_is_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for (i, image) in clip(3).iter().enumerate() {
            image.save(dir.path().join(format!("{i}.png")))?;
        }
        let spec = SourceSpec::Folder {
            path: dir.path().into(),
            fps: 10.0,
        };
        let mut source = SeekableSource::open(&spec)?;
        let frame = source.frame_at(2, 200.0)?;
        assert_eq!((frame.seq, red(&frame)), (2, 16));
        assert!((frame.t_ms - 200.0).abs() < 1e-9);
        assert!(source.frame_at(3, 300.0).is_err());
        let camera = SeekableSource::open(&SourceSpec::parse("camera:0")?).expect_err("camera");
        assert!(
            camera.to_string().contains("review needs a recording"),
            "{camera}"
        );
        Ok(())
    }
}
