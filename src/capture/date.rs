//! When a recording was made: the container's `creation_time` tag (what cameras and phones
//! write), else the file's modification time, labelled as such because copying a file can
//! change it. A report dates a recording by this, not by when it was analyzed.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::media;

/// Container dates before this year are placeholders (MP4's zero date is 1904, some cameras
/// write 1970 or 2000 before their clock is set) and are not taken as the recording date.
const EARLIEST_PLAUSIBLE_YEAR: u32 = 2001;

/// Where a [`RecordingDate`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateBasis {
    /// The container's `creation_time` tag, written by the recording device.
    Container,
    /// The file's modification time (the file carries no recording date).
    FileTime,
}

impl DateBasis {
    /// How a report labels a date of this basis.
    pub fn label(self) -> &'static str {
        match self {
            DateBasis::Container => "from the recording's metadata",
            DateBasis::FileTime => {
                "file modification time: the recording carries no date of its own"
            }
        }
    }
}

/// When a recording was made, in UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingDate {
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub utc: String,
    /// Where it comes from.
    pub basis: DateBasis,
}

impl RecordingDate {
    /// `YYYY-MM-DD HH:MM UTC (label)`, for reports.
    pub fn describe(&self) -> String {
        format!(
            "{} {} UTC ({})",
            &self.utc[..10],
            &self.utc[11..16],
            self.basis.label()
        )
    }
}

/// The date `path` was recorded: for a video its container's `creation_time` (the file's, else
/// the video stream's), else the file's modification time; for a folder of images the first
/// image's file time. `None` when neither can be read.
pub fn recording_date(path: &Path) -> Option<RecordingDate> {
    if path.is_file()
        && let Some(utc) = container_date(path)
    {
        return Some(RecordingDate {
            utc,
            basis: DateBasis::Container,
        });
    }
    let file = if path.is_dir() {
        let mut images: Vec<_> = std::fs::read_dir(path)
            .ok()?
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| super::has_image_extension(path))
            .collect();
        images.sort();
        images.into_iter().next()?
    } else {
        path.to_path_buf()
    };
    let modified = std::fs::metadata(file).ok()?.modified().ok()?;
    Some(RecordingDate {
        utc: utc_text(modified)?,
        basis: DateBasis::FileTime,
    })
}

/// The `creation_time` tag of the container or of its video stream, normalised.
fn container_date(path: &Path) -> Option<String> {
    super::video::init_ffmpeg().ok()?;
    let input = ffmpeg::format::input(path).ok()?;
    let from_container = input.metadata().get("creation_time").map(str::to_owned);
    let from_stream = || {
        input
            .streams()
            .best(media::Type::Video)?
            .metadata()
            .get("creation_time")
            .map(str::to_owned)
    };
    from_container
        .and_then(|tag| normalise(&tag))
        .or_else(|| from_stream().and_then(|tag| normalise(&tag)))
}

/// `2024-05-01T10:20:30.000000Z` or `2024-05-01 10:20:30` → `2024-05-01T10:20:30Z`; `None`
/// for anything else or a placeholder year.
fn normalise(tag: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let text = tag.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let year = digits(0..4)?;
    let (month, day) = (digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let separators_ok = bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-')
        && matches!(bytes.get(10), Some(b'T' | b' '))
        && bytes.get(13) == Some(&b':')
        && bytes.get(16) == Some(&b':');
    let valid = separators_ok
        && year >= EARLIEST_PLAUSIBLE_YEAR
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    valid.then(|| format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"))
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ` (when a report is written).
pub fn utc_now() -> Option<String> {
    utc_text(SystemTime::now())
}

/// A system time as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn utc_text(time: SystemTime) -> Option<String> {
    let seconds = i64::try_from(time.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    ))
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn container_tags_are_normalised_and_placeholders_refused() {
        assert_eq!(
            normalise("2024-05-01T10:20:30.000000Z").as_deref(),
            Some("2024-05-01T10:20:30Z")
        );
        assert_eq!(
            normalise("2019-12-31 23:59:59").as_deref(),
            Some("2019-12-31T23:59:59Z")
        );
        for placeholder in [
            "1904-01-01T00:00:00.000000Z",
            "1970-01-01T00:00:00Z",
            "0000-00-00 00:00:00",
            "2024-13-01T00:00:00Z",
            "yesterday",
            "",
        ] {
            assert_eq!(normalise(placeholder), None, "{placeholder}");
        }
    }

    #[test]
    fn system_times_become_utc_calendar_dates() {
        let at = |seconds: u64| utc_text(UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        // 2000-02-29 (a leap day in a century leap year) 12:34:56.
        assert_eq!(at(951_827_696).as_deref(), Some("2000-02-29T12:34:56Z"));
        // 2026-12-05 03:04:05.
        assert_eq!(at(1_796_439_845).as_deref(), Some("2026-12-05T03:04:05Z"));
    }

    #[test]
    fn a_written_creation_time_is_read_back_as_the_recording_date()
    -> Result<(), Box<dyn std::error::Error>> {
        use crate::capture::writer::{Codec, VideoSettings, VideoWriter};
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("dated.mp4");
        let settings = VideoSettings {
            rate: (10, 1),
            codec: Codec::Mpeg4,
            creation_time: Some("2024-05-01T10:20:30Z".into()),
            b_frames: 0,
        };
        let mut writer = VideoWriter::create_with(&path, 32, 32, &settings)?;
        for _ in 0..3 {
            writer.push(&image::RgbImage::new(32, 32))?;
        }
        writer.finish()?;
        let date = recording_date(&path).ok_or("a date")?;
        assert_eq!(
            date,
            RecordingDate {
                utc: "2024-05-01T10:20:30Z".into(),
                basis: DateBasis::Container,
            }
        );
        assert_eq!(
            date.describe(),
            "2024-05-01 10:20 UTC (from the recording's metadata)"
        );
        Ok(())
    }

    #[test]
    fn a_file_without_a_container_date_is_dated_by_its_file_time_and_says_so()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("not-a-video.mp4");
        std::fs::write(&path, b"no container here")?;
        let date = recording_date(&path).ok_or("a file time")?;
        assert_eq!(date.basis, DateBasis::FileTime);
        assert!(date.describe().contains("file modification time"));
        assert_eq!(recording_date(&dir.path().join("missing.mp4")), None);
        Ok(())
    }
}
