//! Video files as a frame source, decoded with FFmpeg (`ffmpeg-next`) to RGB24.
//!
//! Time stamps come from each frame's presentation time stamp and the stream's time base,
//! relative to the stream's start, so `t_ms` is the video's own clock.
//!
//! # Damaged files
//! - A file cut short whose index sits at the end (an MP4 written without `faststart`) cannot
//!   be opened: [`CaptureError::Undecodable`] at [`VideoSource::open`].
//! - A file cut short in a streamable container (Matroska, MPEG-TS, faststart MP4) delivers
//!   every frame before the cut and then [`CaptureError::Truncated`] once, because the last
//!   frame is earlier than the duration its header announces. After that, `Ok(None)`.
//! - More than [`MAX_BAD_PACKETS_IN_A_ROW`] undecodable packets in a row end the source with
//!   [`CaptureError::Corrupt`]; isolated bad packets are skipped with a warning.
//!
//! # Analyzing fewer frames than the source has
//! With a minimum interval ([`FrameSource::set_min_interval_ms`]) frames closer than that to
//! the last delivered one are dropped before the RGB conversion. A packet whose presentation
//! time is before the next due time cannot be delivered (frames come out in presentation
//! order, and none before it is due either), so it is decoded with `skip_frame = NONREF`:
//! the decoder drops it without decoding when no other frame refers to it (B-frames of most
//! encoders), and decodes it as usual otherwise. The delivered frames are the same; `seq`
//! still counts every frame of the source.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::codec::discard::Discard;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;
use ffmpeg_next::{Rational, codec, decoder, format, frame, media};

use super::source::{Pacer, Pacing};
use super::{CaptureError, Frame, FrameSource};

/// Undecodable packets in a row after which the file counts as corrupt.
pub const MAX_BAD_PACKETS_IN_A_ROW: u32 = 25;

/// A packet must be this much earlier than the next due time to be skipped in the decoder.
const SKIP_MARGIN_MS: f64 = 1.0;

/// How far ahead of the last frame read [`VideoSource::frame_at`] decodes on instead of
/// seeking, milliseconds (a seek costs the frames from the key frame on).
const READ_ON_REACH_MS: f64 = 500.0;

/// Frame rate assumed when the stream does not declare one.
const FALLBACK_FPS: f64 = 30.0;

/// Initialises FFmpeg once per process and keeps its own log quiet: our errors say it better.
pub(crate) fn init_ffmpeg() -> Result<(), CaptureError> {
    static INIT: OnceLock<Result<(), ffmpeg::Error>> = OnceLock::new();
    let result = *INIT.get_or_init(|| {
        ffmpeg::init()?;
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
        Ok(())
    });
    result.map_err(CaptureError::ffmpeg("initialising FFmpeg"))
}

/// A video file decoded frame by frame.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent decoder state flags (skipping, input done, finished)"
)]
pub struct VideoSource {
    path: PathBuf,
    input: format::context::Input,
    decoder: decoder::Video,
    stream_index: usize,
    time_base: Rational,
    /// The stream's first time stamp, in `time_base` units.
    start_ts: i64,
    frame_interval_ms: f64,
    /// The stream's declared frame rate, when it declares a usable one.
    frame_rate: Option<Rational>,
    /// Number of frames the container announces, when it does.
    announced_frames: Option<u64>,
    /// Duration announced by the container, milliseconds.
    expected_ms: Option<f64>,
    /// The pixel converter and the input geometry it was built for.
    scaler: Option<(scaling::Context, (Pixel, u32, u32))>,
    decoded: frame::Video,
    rgb: frame::Video,
    seq: u64,
    pacer: Pacer,
    min_interval_ms: f64,
    last_delivered_ms: Option<f64>,
    /// Source time of the newest decoded frame (delivered or skipped).
    last_t_ms: Option<f64>,
    /// Whether packets that cannot be due are sent with `skip_frame = NONREF`.
    skip_undue: bool,
    /// The decoder's current `skip_frame` setting is `NONREF`.
    skipping: bool,
    /// Time stamps of packets sent while skipping that have not come out yet (smallest
    /// first): those passed over were dropped by the decoder and still count in `seq`.
    skip_sent: BinaryHeap<Reverse<i64>>,
    /// Frames the decoder produced (delivered or not).
    decoded_frames: u64,
    input_done: bool,
    finished: bool,
    /// The demuxer's error when reading stopped before a clean end of file.
    read_error: Option<String>,
    bad_packets_in_a_row: u32,
}

impl std::fmt::Debug for VideoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoSource")
            .field("path", &self.path)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl VideoSource {
    /// Opens `path` and prepares its best video stream.
    pub fn open(path: &Path, pacing: Pacing) -> Result<Self, CaptureError> {
        if !path.exists() {
            return Err(CaptureError::FileMissing { path: path.into() });
        }
        init_ffmpeg()?;
        let undecodable = |reason: String| CaptureError::Undecodable {
            path: path.into(),
            reason,
        };
        if path.is_dir() {
            return Err(undecodable("it is a folder".into()));
        }
        let input = format::input(path).map_err(|e| undecodable(e.to_string()))?;
        let stream = input
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| CaptureError::NoVideoStream { path: path.into() })?;
        let stream_index = stream.index();
        let time_base = stream.time_base();
        let start_ts = match stream.start_time() {
            ffmpeg::ffi::AV_NOPTS_VALUE => 0,
            start => start,
        };
        let frame_rate = [stream.avg_frame_rate(), stream.rate()]
            .into_iter()
            .find(|rate| rate.numerator() > 0 && rate.denominator() > 0);
        let rate = frame_rate.map_or(FALLBACK_FPS, f64::from);
        let announced_frames = u64::try_from(stream.frames()).ok().filter(|n| *n > 0);
        let expected_ms = announced_duration_ms(&input, &stream);
        let decoder = codec::context::Context::from_parameters(stream.parameters())
            .and_then(|context| context.decoder().video())
            .map_err(|e| undecodable(format!("no decoder for its video codec: {e}")))?;
        Ok(Self {
            path: path.into(),
            input,
            decoder,
            stream_index,
            time_base,
            start_ts,
            frame_interval_ms: 1000.0 / rate,
            frame_rate,
            announced_frames,
            expected_ms,
            scaler: None,
            decoded: frame::Video::empty(),
            rgb: frame::Video::empty(),
            seq: 0,
            pacer: Pacer::new(pacing),
            min_interval_ms: 0.0,
            last_delivered_ms: None,
            last_t_ms: None,
            skip_undue: true,
            skipping: false,
            skip_sent: BinaryHeap::new(),
            decoded_frames: 0,
            input_done: false,
            finished: false,
            read_error: None,
            bad_packets_in_a_row: 0,
        })
    }

    /// The duration the container announces, seconds.
    pub fn announced_duration_s(&self) -> Option<f64> {
        self.expected_ms.map(|ms| ms / 1000.0)
    }

    /// The declared frame rate as `(numerator, denominator)` frames per second, e.g.
    /// `(30000, 1001)`; `None` when the stream declares none.
    pub fn frame_rate(&self) -> Option<(i32, i32)> {
        self.frame_rate
            .map(|rate| (rate.numerator(), rate.denominator()))
    }

    /// The number of frames the container announces (not every container does).
    pub fn announced_frames(&self) -> Option<u64> {
        self.announced_frames
    }

    /// The name of the video codec (`h264`, `mpeg4`, ...).
    pub fn codec_name(&self) -> String {
        self.decoder
            .codec()
            .map_or_else(|| "unknown".to_owned(), |codec| codec.name().to_owned())
    }

    /// The coded picture size, pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.decoder.width(), self.decoder.height())
    }

    /// Frames decoded so far, including those not delivered (fewer than the source has when
    /// undue frames were skipped in the decoder).
    pub fn decoded_frames(&self) -> u64 {
        self.decoded_frames
    }

    /// Turns off skipping undue frames in the decoder (they are then decoded and dropped
    /// before the RGB conversion); for comparisons.
    pub fn set_skip_undue(&mut self, skip: bool) {
        self.skip_undue = skip;
    }

    /// Decodes the frame presented at `t_ms` again (review mode) and labels it `seq`: reads
    /// on when it lies just ahead of the last frame read (stepping forward), otherwise seeks
    /// to the key frame at or before it and decodes forward from there. Only that frame is
    /// converted to RGB. [`CaptureError::NoFrameAt`] when the file has no frame within half a
    /// frame interval of `t_ms`.
    pub fn frame_at(&mut self, seq: u64, t_ms: f64) -> Result<Frame, CaptureError> {
        let half_ms = self.frame_interval_ms / 2.0;
        let just_ahead = !self.finished
            && self.last_t_ms.is_some_and(|last| {
                last < t_ms - half_ms && t_ms - last <= READ_ON_REACH_MS.max(half_ms * 4.0)
            });
        if !just_ahead {
            self.seek_before(t_ms)?;
        }
        let missing = |source: &Self| CaptureError::NoFrameAt {
            path: source.path.clone(),
            at_s: t_ms / 1000.0,
        };
        loop {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {
                    self.decoded_frames += 1;
                    let frame_ms = match self.decoded_ts() {
                        Some(ts) => self.ts_ms(ts),
                        None => self
                            .last_t_ms
                            .map_or(0.0, |last| last + self.frame_interval_ms),
                    };
                    self.last_t_ms = Some(frame_ms);
                    if frame_ms < t_ms - half_ms {
                        continue;
                    }
                    if frame_ms > t_ms + half_ms {
                        return Err(missing(self));
                    }
                    let image = self.rgb_image()?;
                    return Ok(Frame::new(seq, frame_ms, image));
                }
                Err(ffmpeg::Error::Eof) => {
                    self.finished = true;
                    return Err(missing(self));
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    if self.input_done {
                        self.finished = true;
                        return Err(missing(self));
                    }
                    self.feed()?;
                }
                Err(err) => self.bad_packet(err)?,
            }
        }
    }

    /// Moves the demuxer to the key frame at or before `t_ms` and empties the decoder.
    fn seek_before(&mut self, t_ms: f64) -> Result<(), CaptureError> {
        let start_us = self.start_ts as f64 * f64::from(self.time_base) * 1e6;
        let target_us = (start_us + t_ms.max(0.0) * 1000.0).round() as i64;
        self.input
            .seek(target_us, ..target_us.saturating_add(1))
            .map_err(CaptureError::ffmpeg("seeking in the video"))?;
        self.decoder.flush();
        if self.skipping {
            self.decoder.skip_frame(Discard::Default);
            self.skipping = false;
        }
        self.skip_sent.clear();
        self.input_done = false;
        self.finished = false;
        self.read_error = None;
        self.bad_packets_in_a_row = 0;
        self.last_t_ms = None;
        self.last_delivered_ms = None;
        Ok(())
    }

    /// Time of a time stamp in stream units, milliseconds from the stream's start.
    fn ts_ms(&self, ts: i64) -> f64 {
        (ts - self.start_ts) as f64 * f64::from(self.time_base) * 1000.0
    }

    /// Whether a packet presented at `pts` comes before the next due frame, so it cannot be
    /// delivered (with a margin of a millisecond against rounding).
    fn undue(&self, pts: Option<i64>) -> bool {
        let (Some(pts), Some(last)) = (pts, self.last_delivered_ms) else {
            return false;
        };
        self.skip_undue
            && self.min_interval_ms > 0.0
            && self.ts_ms(pts) < last + self.min_interval_ms - SKIP_MARGIN_MS
    }

    /// Sets the decoder's `skip_frame` for the packet about to be sent.
    fn prepare_skip(&mut self, pts: Option<i64>) {
        let skip = self.undue(pts);
        if skip != self.skipping {
            self.decoder.skip_frame(if skip {
                Discard::NonReference
            } else {
                Discard::Default
            });
            self.skipping = skip;
        }
        if let (true, Some(pts)) = (skip, pts) {
            self.skip_sent.push(Reverse(pts));
        }
    }

    /// The source frame number of a decoded frame at `ts`: the running count plus the
    /// frames the decoder dropped before it.
    fn frame_number(&mut self, ts: Option<i64>) -> u64 {
        if let Some(ts) = ts {
            while let Some(&Reverse(sent)) = self.skip_sent.peek() {
                if sent > ts {
                    break;
                }
                self.skip_sent.pop();
                if sent < ts {
                    self.seq += 1;
                }
            }
        }
        let seq = self.seq;
        self.seq += 1;
        seq
    }

    /// Feeds one packet (or the end of input) to the decoder.
    fn feed(&mut self) -> Result<(), CaptureError> {
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut self.input) {
            Ok(()) if packet.stream() == self.stream_index => {
                self.prepare_skip(packet.pts());
                match self.decoder.send_packet(&packet) {
                    Ok(()) => self.bad_packets_in_a_row = 0,
                    Err(err) => self.bad_packet(err)?,
                }
            }
            Ok(()) => {}
            Err(err) => {
                if err != ffmpeg::Error::Eof {
                    self.read_error = Some(err.to_string());
                }
                self.input_done = true;
                // Flushing cannot fail in a way that matters: the end is checked below.
                let _ = self.decoder.send_eof();
            }
        }
        Ok(())
    }

    fn bad_packet(&mut self, err: ffmpeg::Error) -> Result<(), CaptureError> {
        self.bad_packets_in_a_row += 1;
        if self.bad_packets_in_a_row == 1 {
            tracing::warn!(path = %self.path.display(), "skipping an undecodable packet: {err}");
        }
        if self.bad_packets_in_a_row > MAX_BAD_PACKETS_IN_A_ROW {
            self.finished = true;
            return Err(CaptureError::Corrupt {
                path: self.path.clone(),
                at_s: self.last_t_ms.unwrap_or(0.0) / 1000.0,
                reason: format!(
                    "{} packets in a row failed: {err}",
                    self.bad_packets_in_a_row
                ),
            });
        }
        Ok(())
    }

    /// Ends the source, reporting a cut-short file once.
    fn finish(&mut self) -> Result<Option<Frame>, CaptureError> {
        self.finished = true;
        // Skipped frames are not paced; in real time the end still comes at the video's end.
        if let Some(last_ms) = self.last_t_ms {
            self.pacer.wait_for(last_ms);
        }
        let end_ms = self
            .last_t_ms
            .map_or(0.0, |last| last + self.frame_interval_ms);
        let tolerance_ms = (2.0 * self.frame_interval_ms).max(100.0);
        let cut_short = self
            .expected_ms
            .filter(|expected| end_ms + tolerance_ms < *expected);
        if let Some(expected_ms) = cut_short {
            return Err(CaptureError::Truncated {
                path: self.path.clone(),
                at_s: self.last_t_ms.unwrap_or(0.0) / 1000.0,
                expected_s: expected_ms / 1000.0,
            });
        }
        if let Some(reason) = self.read_error.take() {
            return Err(CaptureError::Corrupt {
                path: self.path.clone(),
                at_s: self.last_t_ms.unwrap_or(0.0) / 1000.0,
                reason,
            });
        }
        Ok(None)
    }

    /// Time stamp of the frame in `decoded`, stream units.
    fn decoded_ts(&self) -> Option<i64> {
        self.decoded.timestamp().or(self.decoded.pts())
    }

    /// Converts `decoded` to an RGB image, rebuilding the converter if the geometry changed.
    fn rgb_image(&mut self) -> Result<image::RgbImage, CaptureError> {
        let (format, width, height) = (
            self.decoded.format(),
            self.decoded.width(),
            self.decoded.height(),
        );
        let stale = self
            .scaler
            .as_ref()
            .is_none_or(|(_, geometry)| *geometry != (format, width, height));
        if stale {
            let context = scaling::Context::get(
                format,
                width,
                height,
                Pixel::RGB24,
                width,
                height,
                scaling::Flags::BILINEAR,
            )
            .map_err(CaptureError::ffmpeg("preparing the RGB conversion"))?;
            self.scaler = Some((context, (format, width, height)));
        }
        let (scaler, _) = self.scaler.as_mut().expect("scaler was just built");
        scaler
            .run(&self.decoded, &mut self.rgb)
            .map_err(CaptureError::ffmpeg("converting a frame to RGB"))?;
        Ok(rgb_from_frame(&self.rgb))
    }
}

/// The container's announced duration in milliseconds, from the stream or the container.
fn announced_duration_ms(
    input: &format::context::Input,
    stream: &format::stream::Stream<'_>,
) -> Option<f64> {
    let from_stream = (stream.duration() > 0)
        .then(|| stream.duration() as f64 * f64::from(stream.time_base()) * 1000.0);
    let from_container = (input.duration() > 0)
        .then(|| input.duration() as f64 * 1000.0 / f64::from(ffmpeg::ffi::AV_TIME_BASE));
    from_stream.or(from_container).filter(|ms| ms.is_finite())
}

/// Copies a packed RGB24 frame (rows may be padded) into an image.
fn rgb_from_frame(rgb: &frame::Video) -> image::RgbImage {
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let mut pixels = Vec::with_capacity(width * height * 3);
    for row in data.chunks(stride).take(height) {
        pixels.extend_from_slice(&row[..width * 3]);
    }
    image::RgbImage::from_raw(rgb.width(), rgb.height(), pixels)
        .expect("buffer size is width * height * 3 by construction")
}

impl FrameSource for VideoSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        while !self.finished {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {
                    self.decoded_frames += 1;
                    let ts = self.decoded_ts();
                    let seq = self.frame_number(ts);
                    let t_ms = ts.map_or(seq as f64 * self.frame_interval_ms, |ts| self.ts_ms(ts));
                    self.last_t_ms = Some(t_ms);
                    let due = self
                        .last_delivered_ms
                        .is_none_or(|last| t_ms - last >= self.min_interval_ms - 1e-6);
                    if !due {
                        continue;
                    }
                    let image = self.rgb_image()?;
                    self.pacer.wait_for(t_ms);
                    self.last_delivered_ms = Some(t_ms);
                    return Ok(Some(Frame::new(seq, t_ms, image)));
                }
                Err(ffmpeg::Error::Eof) => return self.finish(),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    if self.input_done {
                        // The decoder wants input after the flush: nothing more will come.
                        return self.finish();
                    }
                    self.feed()?;
                }
                Err(err) => self.bad_packet(err)?,
            }
        }
        Ok(None)
    }

    fn describe(&self) -> String {
        format!(
            "video {}x{} at {:.1} fps{}: {}",
            self.decoder.width(),
            self.decoder.height(),
            1000.0 / self.frame_interval_ms,
            self.announced_duration_s()
                .map_or_else(String::new, |s| format!(", {s:.1} s")),
            self.path.display()
        )
    }

    fn set_min_interval_ms(&mut self, interval_ms: f64) {
        self.min_interval_ms = interval_ms.max(0.0);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::writer::write_video;

    /// Solid-colour frames whose red channel encodes the frame number.
    pub(crate) fn clip(frames: u32) -> Vec<image::RgbImage> {
        (0..frames)
            .map(|i| image::RgbImage::from_pixel(64, 48, image::Rgb([(i * 8) as u8, 128, 60])))
            .collect()
    }

    fn read_all(source: &mut VideoSource) -> (Vec<Frame>, Option<CaptureError>) {
        let mut frames = Vec::new();
        loop {
            match source.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => return (frames, None),
                Err(err) => return (frames, Some(err)),
            }
        }
    }

    #[test]
    fn decodes_every_frame_with_video_time() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write_video(&dir.path().join("clip.mkv"), &clip(20), 10)?;
        let mut source = VideoSource::open(&path, Pacing::AsFastAsPossible)?;
        let announced = source.announced_duration_s().expect("mkv has a duration");
        assert!((announced - 2.0).abs() < 0.15, "announced {announced} s");
        let (frames, err) = read_all(&mut source);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 20);
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(frame.seq, i as u64);
            assert!(
                (frame.t_ms - 100.0 * i as f64).abs() < 1.0,
                "{}",
                frame.t_ms
            );
            assert_eq!((frame.width(), frame.height()), (64, 48));
            let red = i32::from(frame.image.get_pixel(32, 24).0[0]);
            assert!((red - 8 * i as i32).abs() <= 12, "frame {i}: red {red}");
        }
        assert!(source.next_frame()?.is_none(), "stays ended");
        assert!(source.describe().contains("64x48"), "{}", source.describe());
        assert_eq!(source.frame_rate(), Some((10, 1)));
        assert_eq!(source.size(), (64, 48));
        assert_eq!(source.codec_name(), "mpeg4");
        Ok(())
    }

    #[test]
    fn truncated_matroska_yields_frames_then_truncated() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write_video(&dir.path().join("clip.mkv"), &clip(30), 10)?;
        let bytes = std::fs::read(&path).unwrap();
        let cut = dir.path().join("cut.mkv");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let mut source = VideoSource::open(&cut, Pacing::AsFastAsPossible)?;
        let (frames, err) = read_all(&mut source);
        assert!(
            !frames.is_empty() && frames.len() < 30,
            "{} frames",
            frames.len()
        );
        match err {
            Some(CaptureError::Truncated {
                at_s, expected_s, ..
            }) => {
                let last_s = frames.last().map_or(0.0, |f| f.t_ms / 1000.0);
                assert!((at_s - last_s).abs() < 0.11, "{at_s} vs {last_s}");
                assert!((expected_s - 3.0).abs() < 0.15, "{expected_s}");
            }
            other => panic!("expected Truncated, got {other:?}"),
        }
        assert!(source.next_frame()?.is_none(), "ended after the error");
        Ok(())
    }

    #[test]
    fn min_interval_skips_by_video_time() -> Result<(), CaptureError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write_video(&dir.path().join("clip.mkv"), &clip(10), 10)?;
        let mut source = VideoSource::open(&path, Pacing::AsFastAsPossible)?;
        source.set_min_interval_ms(250.0);
        let (frames, err) = read_all(&mut source);
        assert!(err.is_none(), "{err:?}");
        let seqs: Vec<u64> = frames.iter().map(|f| f.seq).collect();
        assert_eq!(seqs, vec![0, 3, 6, 9]);
        Ok(())
    }

    /// (seq, t_ms) of every delivered frame at a minimum interval, and the decoded count.
    fn delivered(
        path: &Path,
        interval_ms: f64,
        skip: bool,
    ) -> Result<(Vec<(u64, i64)>, u64), CaptureError> {
        let mut source = VideoSource::open(path, Pacing::AsFastAsPossible)?;
        source.set_min_interval_ms(interval_ms);
        source.set_skip_undue(skip);
        let (frames, err) = read_all(&mut source);
        assert!(err.is_none(), "{err:?}");
        let picked = frames
            .iter()
            .map(|f| (f.seq, f.t_ms.round() as i64))
            .collect();
        Ok((picked, source.decoded_frames()))
    }

    #[test]
    fn undue_b_frames_are_not_decoded_and_the_same_frames_are_delivered() -> Result<(), CaptureError>
    {
        use crate::capture::writer::VideoWriter;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.mkv");
        let mut writer = VideoWriter::create_with_b_frames(&path, 64, 48, 30, 2)?;
        for image in &clip(60) {
            writer.push(image)?;
        }
        writer.finish()?;
        // Every frame: nothing to skip.
        let (all, decoded_all) = delivered(&path, 0.0, true)?;
        assert_eq!(all.len(), 60);
        assert_eq!(decoded_all, 60);
        for interval_ms in [100.0, 250.0, 500.0] {
            let (plain, decoded_plain) = delivered(&path, interval_ms, false)?;
            let (skipped, decoded_skipped) = delivered(&path, interval_ms, true)?;
            assert_eq!(decoded_plain, 60);
            assert_eq!(skipped, plain, "same frames (seq, ms) at {interval_ms} ms");
            let expected = (2000.0 / interval_ms) as usize;
            assert!(
                plain.len().abs_diff(expected) <= 1,
                "{} frames at {interval_ms} ms",
                plain.len()
            );
            assert!(
                decoded_skipped < 50,
                "B-frames skipped at {interval_ms} ms: {decoded_skipped} of 60 decoded"
            );
        }
        Ok(())
    }
}
