//! Encodes RGB images into a video file with FFmpeg's built-in MPEG-4 Part 2 encoder.
//!
//! Used to build test clips at test time and benchmark inputs, so nothing depends on the
//! `ffmpeg` command-line tool. The container follows the file extension (`.mkv`, `.mp4`,
//! `.avi`, ...). MPEG-4 Part 2 is always compiled into libavcodec, unlike H.264.

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;
use ffmpeg_next::{Rational, codec, encoder, format, frame};

use super::CaptureError;

/// Bit rate of written clips: high enough that pose models see clean stills.
const BIT_RATE: usize = 2_000_000;

/// A video file being written frame by frame; call [`VideoWriter::finish`] to close it.
pub struct VideoWriter {
    path: PathBuf,
    output: format::context::Output,
    encoder: encoder::Video,
    scaler: scaling::Context,
    /// Size of the images handed in.
    input_size: (u32, u32),
    encoder_time_base: Rational,
    stream_time_base: Rational,
    next_pts: i64,
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("path", &self.path)
            .field("frames", &self.next_pts)
            .finish_non_exhaustive()
    }
}

impl VideoWriter {
    /// Creates `path` for `width` x `height` images at `fps` frames per second. Odd sizes are
    /// scaled down to the next even size, which YUV 4:2:0 needs.
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> Result<Self, CaptureError> {
        Self::create_with_b_frames(path, width, height, fps, 0)
    }

    /// As [`VideoWriter::create`], with up to `b_frames` B-frames between reference frames
    /// (frames no other frame refers to, as most camera and screen recorders write them).
    pub fn create_with_b_frames(
        path: &Path,
        width: u32,
        height: u32,
        fps: u32,
        b_frames: usize,
    ) -> Result<Self, CaptureError> {
        super::video::init_ffmpeg()?;
        let fail = CaptureError::ffmpeg;
        let mut output = format::output(path).map_err(fail("creating the output file"))?;
        let global_header = output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER);
        let codec = encoder::find(codec::Id::MPEG4).ok_or(CaptureError::Ffmpeg {
            doing: "finding the MPEG-4 encoder",
            source: ffmpeg::Error::EncoderNotFound,
        })?;
        let (even_w, even_h) = ((width & !1).max(2), (height & !1).max(2));
        let fps = fps.max(1) as i32;
        let encoder_time_base = Rational::new(1, fps);
        let mut video = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(fail("preparing the encoder"))?;
        video.set_width(even_w);
        video.set_height(even_h);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(encoder_time_base);
        video.set_frame_rate(Some(Rational::new(fps, 1)));
        video.set_bit_rate(BIT_RATE);
        video.set_gop(fps.unsigned_abs() * 2);
        video.set_max_b_frames(b_frames);
        if global_header {
            video.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let encoder = video.open_as(codec).map_err(fail("opening the encoder"))?;
        let mut stream = output
            .add_stream(codec)
            .map_err(fail("adding the video stream"))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(encoder_time_base);
        output
            .write_header()
            .map_err(fail("writing the file header"))?;
        let stream_time_base = output
            .stream(0)
            .map_or(encoder_time_base, |stream| stream.time_base());
        let scaler = scaling::Context::get(
            Pixel::RGB24,
            width,
            height,
            Pixel::YUV420P,
            even_w,
            even_h,
            scaling::Flags::BILINEAR,
        )
        .map_err(fail("preparing the YUV conversion"))?;
        Ok(Self {
            path: path.into(),
            output,
            encoder,
            scaler,
            input_size: (width, height),
            encoder_time_base,
            stream_time_base,
            next_pts: 0,
        })
    }

    /// Appends one image; it must have the size given to [`VideoWriter::create`].
    pub fn push(&mut self, image: &image::RgbImage) -> Result<(), CaptureError> {
        let (width, height) = self.input_size;
        if image.dimensions() != (width, height) {
            return Err(CaptureError::Ffmpeg {
                doing: "writing a frame of the wrong size",
                source: ffmpeg::Error::InvalidData,
            });
        }
        let mut rgb = frame::Video::new(Pixel::RGB24, width, height);
        let stride = rgb.stride(0);
        let row_bytes = width as usize * 3;
        let data = rgb.data_mut(0);
        for (y, row) in image.as_raw().chunks(row_bytes).enumerate() {
            data[y * stride..y * stride + row_bytes].copy_from_slice(row);
        }
        let mut yuv = frame::Video::empty();
        self.scaler
            .run(&rgb, &mut yuv)
            .map_err(CaptureError::ffmpeg("converting a frame to YUV"))?;
        yuv.set_pts(Some(self.next_pts));
        self.next_pts += 1;
        self.encoder
            .send_frame(&yuv)
            .map_err(CaptureError::ffmpeg("encoding a frame"))?;
        self.drain()
    }

    /// Number of frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.next_pts as u64
    }

    /// Flushes the encoder and writes the trailer (index, duration).
    pub fn finish(mut self) -> Result<PathBuf, CaptureError> {
        self.encoder
            .send_eof()
            .map_err(CaptureError::ffmpeg("flushing the encoder"))?;
        self.drain()?;
        self.output
            .write_trailer()
            .map_err(CaptureError::ffmpeg("writing the file trailer"))?;
        Ok(self.path)
    }

    fn drain(&mut self) -> Result<(), CaptureError> {
        let mut packet = ffmpeg::Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            packet.rescale_ts(self.encoder_time_base, self.stream_time_base);
            packet
                .write_interleaved(&mut self.output)
                .map_err(CaptureError::ffmpeg("writing a packet"))?;
        }
        Ok(())
    }
}

/// Writes `frames` to `path` at `fps`; all images must have the size of the first.
pub fn write_video<'a>(
    path: &Path,
    frames: impl IntoIterator<Item = &'a image::RgbImage>,
    fps: u32,
) -> Result<PathBuf, CaptureError> {
    let mut frames = frames.into_iter().peekable();
    let Some(first) = frames.peek() else {
        return Err(CaptureError::Ffmpeg {
            doing: "writing a video without frames",
            source: ffmpeg::Error::InvalidData,
        });
    };
    let mut writer = VideoWriter::create(path, first.width(), first.height(), fps)?;
    for image in frames {
        writer.push(image)?;
    }
    writer.finish()
}
