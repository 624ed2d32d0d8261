//! Encodes RGB images into a video file with FFmpeg (no `ffmpeg` command-line tool needed).
//!
//! - [`Codec::H264`] writes the annotated videos of `plumbline annotate`: libx264 (`X264`:
//!   CRF 22, preset `veryfast`, macroblock-tree rate control off) when libavcodec has it, else
//!   libopenh264 or another H.264 encoder that opens, else MPEG-4 Part 2;
//!   [`VideoWriter::encoder_name`] says which was used. MP4 files get their index at the front
//!   (`faststart`), so they play while downloading.
//!
//! # The same frames give the same file
//! libx264's macroblock-tree rate control (`mbtree`, on in every preset but `ultrafast`) reads
//! memory it has not written: with glibc's `MALLOC_PERTURB_=1` or `2` (every new allocation
//! filled with 0xFE or 0xFD bytes) a 360x640 clip came out different in a few macroblocks (up
//! to 4 levels) from the same encode in a fresh process, and so did 362, 392 and 424 pixel wide
//! ones and 480x270 and 720x406 (not 376x640, 640x360 or 1280x720; Debian's libx264
//! 0.164.3095). With it off no size or fill tried made a difference. A window whose heap holds
//! freed bright pixels would otherwise export other pictures than `plumbline annotate` of the
//! same recording (the review test saw it once in a full test run). So it is off, and CRF 22
//! instead of 20 keeps the quality of before: the FFmpeg command line with these options (2 s
//! key frames, no B-frames, nothing drawn) gave a PSNR against the source of +1.5, +0.1 and
//! +1.6 dB over the old settings on three 640x360 recordings of the media set, in files
//! 36, 13 and 52 % larger.
//! - [`Codec::Mpeg4`] (MPEG-4 Part 2, always compiled into libavcodec) builds test clips and
//!   benchmark inputs.
//!
//! The container follows the file extension (`.mkv`, `.mp4`, `.avi`, ...). Frames get their
//! time stamps either by count ([`VideoWriter::push`]) or from the source's clock
//! ([`VideoWriter::push_at`]), on a time base of one frame at the given rate.

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;
use ffmpeg_next::{Rational, codec, encoder, format, frame};

use super::CaptureError;

/// Bit rate of written clips: high enough that pose models see clean stills.
const BIT_RATE: usize = 2_000_000;

/// H.264 encoders to try, best first (libx264 is in Debian's libavcodec).
const H264_ENCODERS: [&str; 2] = ["libx264", "libopenh264"];

/// libx264's options: quality-based rate control, a fast preset, and no macroblock tree, whose
/// result depends on memory it never wrote (module docs).
const X264: [(&str, &str); 3] = [("preset", "veryfast"), ("crf", "22"), ("mbtree", "0")];

/// Which video codec to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Codec {
    /// MPEG-4 Part 2: always available, for test clips.
    #[default]
    Mpeg4,
    /// H.264, falling back to MPEG-4 Part 2 when no H.264 encoder opens.
    H264,
}

/// How a video is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoSettings {
    /// Frames per second as a fraction `(numerator, denominator)`, e.g. `(30000, 1001)`.
    pub rate: (i32, i32),
    /// The codec.
    pub codec: Codec,
    /// Written as the container's `creation_time` tag (`YYYY-MM-DDTHH:MM:SSZ`), so a copy
    /// of a recording keeps the date it was recorded ([`super::date`]).
    pub creation_time: Option<String>,
    /// Up to this many B-frames between reference frames (frames no other frame refers to,
    /// as most camera and screen recorders write them); 0 for none.
    pub b_frames: usize,
}

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
    frames: u64,
    encoder_name: String,
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("path", &self.path)
            .field("frames", &self.frames)
            .field("encoder", &self.encoder_name)
            .finish_non_exhaustive()
    }
}

impl VideoWriter {
    /// Creates `path` for `width` x `height` images at `fps` frames per second with MPEG-4
    /// Part 2. Odd sizes are scaled down to the next even size, which YUV 4:2:0 needs.
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> Result<Self, CaptureError> {
        Self::create_with_b_frames(path, width, height, fps, 0)
    }

    /// As [`VideoWriter::create`], with up to `b_frames` B-frames between reference frames.
    pub fn create_with_b_frames(
        path: &Path,
        width: u32,
        height: u32,
        fps: u32,
        b_frames: usize,
    ) -> Result<Self, CaptureError> {
        let fps = fps.max(1) as i32;
        Self::create_with(
            path,
            width,
            height,
            &VideoSettings {
                rate: (fps, 1),
                codec: Codec::Mpeg4,
                creation_time: None,
                b_frames,
            },
        )
    }

    /// Creates `path` for `width` x `height` images with `settings`. Odd sizes are scaled
    /// down to the next even size, which YUV 4:2:0 needs.
    pub fn create_with(
        path: &Path,
        width: u32,
        height: u32,
        settings: &VideoSettings,
    ) -> Result<Self, CaptureError> {
        super::video::init_ffmpeg()?;
        let fail = CaptureError::ffmpeg;
        let mut output = format::output(path).map_err(fail("creating the output file"))?;
        let global_header = output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER);
        let (even_w, even_h) = ((width & !1).max(2), (height & !1).max(2));
        let (num, den) = settings.rate;
        let (num, den) = if num > 0 && den > 0 {
            (num, den)
        } else {
            (30, 1)
        };
        let frame_rate = Rational::new(num, den);
        let encoder_time_base = Rational::new(den, num);
        let candidates: Vec<&str> = match settings.codec {
            Codec::H264 => H264_ENCODERS.to_vec(),
            Codec::Mpeg4 => Vec::new(),
        };
        let encoder_of = |codec| {
            configured(
                codec,
                (even_w, even_h),
                frame_rate,
                global_header,
                settings.b_frames,
            )
        };
        let mut opened = None;
        for name in candidates {
            let Some(codec) = encoder::find_by_name(name) else {
                continue;
            };
            let mut video = encoder_of(codec)?;
            let mut options = ffmpeg::Dictionary::new();
            if name == "libx264" {
                for (key, value) in X264 {
                    options.set(key, value);
                }
            } else {
                video.set_bit_rate(h264_bit_rate(even_w, even_h, frame_rate));
            }
            match video.open_as_with(codec, options) {
                Ok(encoder) => {
                    opened = Some((codec, encoder));
                    break;
                }
                Err(err) => tracing::warn!("the {name} encoder does not open: {err}"),
            }
        }
        let (codec, encoder) = if let Some(found) = opened {
            found
        } else {
            let codec = encoder::find(codec::Id::MPEG4).ok_or(CaptureError::Ffmpeg {
                doing: "finding the MPEG-4 encoder",
                source: ffmpeg::Error::EncoderNotFound,
            })?;
            let mut video = encoder_of(codec)?;
            video.set_bit_rate(BIT_RATE.max(h264_bit_rate(even_w, even_h, frame_rate) * 2));
            (
                codec,
                video.open_as(codec).map_err(fail("opening the encoder"))?,
            )
        };
        let encoder_name = codec.name().to_owned();
        let mut stream = output
            .add_stream(codec)
            .map_err(fail("adding the video stream"))?;
        stream.set_parameters(&encoder);
        stream.set_time_base(encoder_time_base);
        stream.set_avg_frame_rate(frame_rate);
        stream.set_rate(frame_rate);
        if let Some(when) = &settings.creation_time {
            let mut metadata = ffmpeg::Dictionary::new();
            metadata.set("creation_time", when);
            output.set_metadata(metadata);
        }
        let mut muxer_options = ffmpeg::Dictionary::new();
        muxer_options.set("movflags", "+faststart");
        output
            .write_header_with(muxer_options)
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
            frames: 0,
            encoder_name,
        })
    }

    /// The encoder in use (`libx264`, `mpeg4`, ...).
    pub fn encoder_name(&self) -> &str {
        &self.encoder_name
    }

    /// Appends one image as the next frame; it must have the size given at creation.
    pub fn push(&mut self, image: &image::RgbImage) -> Result<(), CaptureError> {
        let pts = self.next_pts;
        self.encode(image, pts)
    }

    /// Appends one image shown at `t_ms` on the source's clock (from its start). Time stamps
    /// keep the source's timing; two frames closer than one frame interval are spaced by one.
    pub fn push_at(&mut self, image: &image::RgbImage, t_ms: f64) -> Result<(), CaptureError> {
        let ticks = t_ms / 1000.0 / f64::from(self.encoder_time_base);
        let pts = if ticks.is_finite() {
            (ticks.round() as i64).max(self.next_pts)
        } else {
            self.next_pts
        };
        self.encode(image, pts)
    }

    fn encode(&mut self, image: &image::RgbImage, pts: i64) -> Result<(), CaptureError> {
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
        yuv.set_pts(Some(pts));
        self.next_pts = pts + 1;
        self.frames += 1;
        self.encoder
            .send_frame(&yuv)
            .map_err(CaptureError::ffmpeg("encoding a frame"))?;
        self.drain()
    }

    /// Number of frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.frames
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

/// A video encoder of `codec`, not yet opened, with the settings every encoder shares:
/// size, pixel format, time base, rate, GOP, header flag, B-frames.
fn configured(
    codec: ffmpeg::Codec,
    (width, height): (u32, u32),
    frame_rate: Rational,
    global_header: bool,
    b_frames: usize,
) -> Result<encoder::video::Video, CaptureError> {
    let mut video = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(CaptureError::ffmpeg("preparing the encoder"))?;
    video.set_width(width);
    video.set_height(height);
    video.set_format(Pixel::YUV420P);
    video.set_time_base(frame_rate.invert());
    video.set_frame_rate(Some(frame_rate));
    // A key frame every two seconds keeps seeking in players quick.
    video.set_gop((2.0 * f64::from(frame_rate)).round().max(1.0) as u32);
    if global_header {
        video.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    video.set_max_b_frames(b_frames);
    Ok(video)
}

/// A bit rate for encoders without a quality setting: 0.1 bit per pixel and frame, at least
/// 1 Mbit/s.
fn h264_bit_rate(width: u32, height: u32, frame_rate: Rational) -> usize {
    let bits = 0.1 * f64::from(width) * f64::from(height) * f64::from(frame_rate);
    (bits.round() as usize).max(1_000_000)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FrameSource as _, Pacing, video::VideoSource};

    /// Both encoders (H.264 where one opens, MPEG-4 otherwise) get their shared settings from
    /// [`configured`]: an odd size comes back evened, the rate and every frame as written.
    #[test]
    fn h264_and_mpeg4_write_the_same_size_rate_and_frames() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let image = image::RgbImage::from_pixel(33, 17, image::Rgb([200, 100, 50]));
        let mut read = Vec::new();
        for codec in [Codec::H264, Codec::Mpeg4] {
            let path = dir.path().join(format!("{codec:?}.mp4"));
            let settings = VideoSettings {
                rate: (15, 2),
                codec,
                creation_time: None,
                b_frames: 0,
            };
            let mut writer = VideoWriter::create_with(&path, 33, 17, &settings)?;
            for _ in 0..6 {
                writer.push(&image)?;
            }
            writer.finish()?;
            let mut source = VideoSource::open(&path, Pacing::AsFastAsPossible)?;
            let (size, rate) = (source.size(), source.frame_rate());
            let mut times = Vec::new();
            while let Some(frame) = source.next_frame()? {
                times.push(frame.t_ms.round() as i64);
            }
            read.push((size, rate, times));
        }
        assert_eq!(read[0], read[1], "H.264 and MPEG-4 differ");
        assert_eq!(read[1].0, (32, 16));
        assert_eq!(read[1].1, Some((15, 2)));
        assert_eq!(read[1].2, [0, 133, 267, 400, 533, 667]);
        Ok(())
    }
}
