//! The report's stills (`analyze --stills`): one picture of the worst and one of the best
//! analyzed second of a recording, drawn on like the annotated video and with the face
//! blurred unless asked otherwise.
//!
//! - While a recording is analyzed, a [`StillPicker`] folds its frames into seconds with the
//!   store's own [`Aggregator`] (so a second means here what it means in the database and the
//!   report) and keeps, for the lowest and highest CVA and forward-head index among the
//!   judged seconds ([`PostureState::is_judged`]), the frame of that second closest to its
//!   mean: landmarks and judgement only, never pixels.
//! - When the report is written, [`take`] decodes that frame again from the recording
//!   (`capture::seek`, as review mode does), draws the overlay and blurs the face
//!   ([`crate::render::Annotator`], as `annotate` does), scales it to at most
//!   [`MAX_WIDTH`] pixels wide and encodes it as a JPEG, which the report embeds as a data
//!   URI (no image file is written). A recording that cannot be read then gives a reason in
//!   place of the picture, never a failed report.

use std::path::Path;

use image::RgbImage;

use crate::capture::SourceSpec;
use crate::capture::seek::SeekableSource;
use crate::pose::PoseEstimate;
use crate::posture::{Metric, PostureSample, PostureState, Trend, View};
use crate::render::{Annotator, FaceOutcome};
use crate::store::{Aggregator, SecondRow};

/// Widest still, pixels; wider frames are scaled down (the report is read on a page).
pub const MAX_WIDTH: u32 = 640;

/// JPEG quality of the stills (0-100).
const JPEG_QUALITY: u8 = 85;

/// The head measures stills are chosen by: the CVA (side view) and the forward-head index
/// (front view).
const MEASURES: [Metric; 2] = [Metric::Cva, Metric::ForwardHeadIndex];

/// Which end of the recording a still shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extreme {
    /// The judged second with the worst head measure (lowest CVA, highest index).
    Worst,
    /// The judged second with the best head measure.
    Best,
}

impl Extreme {
    /// `worst` or `best`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Worst => "worst",
            Self::Best => "best",
        }
    }
}

/// An analyzed frame kept for a still: enough to find it in the recording again and draw on
/// it, no pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    /// What the pose engine found in the frame.
    pub estimate: PoseEstimate,
    /// The judge's sample of the frame.
    pub sample: PostureSample,
    /// The second it lies in, as the store aggregates it.
    pub second: SecondRow,
}

/// The head measure of a recording seen mostly in `view`, by which the report compares
/// recordings and picks stills: the forward-head index in a front view, the CVA otherwise.
pub fn head_measure(view: Option<View>) -> Metric {
    if view == Some(View::Front) {
        Metric::ForwardHeadIndex
    } else {
        Metric::Cva
    }
}

/// The worst and best moment per head measure of one recording.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moments {
    /// Per measure of [`MEASURES`]: (worst, best).
    found: [(Option<Moment>, Option<Moment>); MEASURES.len()],
}

impl Moments {
    /// The measure the stills of a recording seen mostly in `view` are chosen by
    /// ([`head_measure`]; the other one when the recording has no judged second with it),
    /// with its worst and best moment.
    pub fn for_view(&self, view: Option<View>) -> Option<(Metric, [(Extreme, &Moment); 2])> {
        let preferred = usize::from(MEASURES[1] == head_measure(view));
        [preferred, 1 - preferred].into_iter().find_map(|index| {
            let (Some(worst), Some(best)) = &self.found[index] else {
                return None;
            };
            Some((
                MEASURES[index],
                [(Extreme::Worst, worst), (Extreme::Best, best)],
            ))
        })
    }
}

/// Picks a recording's worst and best moments from its analyzed frames, in order.
#[derive(Clone, Debug, Default)]
pub struct StillPicker {
    aggregator: Aggregator,
    /// The frames of the open second that found a person.
    second: Vec<(PoseEstimate, PostureSample)>,
    moments: Moments,
}

impl StillPicker {
    /// A picker with nothing seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next analyzed frame.
    pub fn push(&mut self, estimate: &PoseEstimate, sample: &PostureSample) {
        if let Some(row) = self.aggregator.push(sample) {
            self.close(&row);
        }
        if estimate.skeleton.is_some() {
            self.second.push((estimate.clone(), sample.clone()));
        }
    }

    /// Closes the last second and answers the moments found.
    pub fn finish(mut self) -> Moments {
        if let Some(row) = self.aggregator.finish() {
            self.close(&row);
        }
        self.moments
    }

    /// Weighs a completed second against the worst and best so far (the first of equal
    /// seconds stays).
    fn close(&mut self, row: &SecondRow) {
        let frames = std::mem::take(&mut self.second);
        if !(row.state.is_present() && row.state.is_judged()) {
            return;
        }
        for (index, metric) in MEASURES.into_iter().enumerate() {
            let Some(mean) = row.metric(metric).mean else {
                continue;
            };
            let direction = metric.direction();
            let (worst, best) = &mut self.moments.found[index];
            let mean_of = |moment: &Option<Moment>| {
                moment
                    .as_ref()
                    .and_then(|moment| moment.second.metric(metric).mean)
            };
            let replace_worst =
                mean_of(worst).is_none_or(|old| direction.trend(old, mean) == Trend::Worse);
            let replace_best =
                mean_of(best).is_none_or(|old| direction.trend(old, mean) == Trend::Better);
            if !(replace_worst || replace_best) {
                continue;
            }
            // The frame of the second closest to its mean, so the picture shows the
            // second's value.
            let Some((estimate, sample)) = frames
                .iter()
                .filter_map(|(estimate, sample)| {
                    Some((
                        estimate,
                        sample,
                        (metric.read(&sample.metrics)? - mean).abs(),
                    ))
                })
                .min_by(|a, b| a.2.total_cmp(&b.2))
                .map(|(estimate, sample, _)| (estimate, sample))
            else {
                continue;
            };
            let moment = Moment {
                estimate: estimate.clone(),
                sample: sample.clone(),
                second: row.clone(),
            };
            if replace_worst {
                *worst = Some(moment.clone());
            }
            if replace_best {
                *best = Some(moment);
            }
        }
    }
}

/// One still of the report: which moment, what was measured, and the picture or why there
/// is none.
#[derive(Clone, Debug, PartialEq)]
pub struct Still {
    /// Worst or best.
    pub extreme: Extreme,
    /// The measure it was chosen by.
    pub metric: Metric,
    /// The second's mean of that measure.
    pub value: f64,
    /// The second's state.
    pub state: PostureState,
    /// Source time of the frame shown, milliseconds.
    pub t_ms: f64,
    /// The JPEG, or why it could not be made (the recording is gone or unreadable).
    pub jpeg: Result<Vec<u8>, String>,
    /// Whether the face was blurred.
    pub blurred: bool,
}

/// The stills of a recording: what the report shows when `--stills` is given.
#[derive(Clone, Debug, PartialEq)]
pub enum Stills {
    /// No judged second had a head measure: nothing to show.
    NoneJudged,
    /// The worst and the best moment.
    Taken(Vec<Still>),
}

/// Makes the worst and best still of the recording at `source` from its `moments`
/// (`view`: the recording's dominant view), faces blurred when `blur`. Never fails: a
/// picture that cannot be made carries its reason.
pub fn take_all(source: &str, moments: &Moments, view: Option<View>, blur: bool) -> Stills {
    let Some((metric, chosen)) = moments.for_view(view) else {
        return Stills::NoneJudged;
    };
    let mut opened: Option<Result<SeekableSource, String>> = None;
    let stills = chosen
        .into_iter()
        .map(|(extreme, moment)| {
            let recording = opened.get_or_insert_with(|| open(source));
            let jpeg = match recording {
                Ok(recording) => take(recording, moment, blur),
                Err(reason) => Err(reason.clone()),
            };
            Still {
                extreme,
                metric,
                value: moment.second.metric(metric).mean.unwrap_or(f64::NAN),
                state: moment.second.state,
                t_ms: moment.sample.t_ms,
                jpeg,
                blurred: blur,
            }
        })
        .collect();
    Stills::Taken(stills)
}

/// Opens the recording for seeking, or says why it cannot be.
fn open(source: &str) -> Result<SeekableSource, String> {
    if !Path::new(source).exists() {
        return Err(format!("{source} is no longer there"));
    }
    SourceSpec::parse(source)
        .and_then(|spec| SeekableSource::open(&spec))
        .map_err(|err| format!("{source} cannot be read: {err}"))
}

/// Decodes the moment's frame, draws on it, blurs the face (refusing the still when no face
/// region can be placed) and encodes it.
pub fn take(
    recording: &mut SeekableSource,
    moment: &Moment,
    blur: bool,
) -> Result<Vec<u8>, String> {
    let frame = recording
        .frame_at(moment.sample.seq, moment.sample.t_ms)
        .map_err(|err| format!("the frame cannot be decoded again: {err}"))?;
    let mut image = (*frame.image).clone();
    if (image.width(), image.height()) != (moment.estimate.width, moment.estimate.height) {
        return Err(format!(
            "the recording changed since it was analyzed (frames of {}x{}, analyzed {}x{})",
            image.width(),
            image.height(),
            moment.estimate.width,
            moment.estimate.height
        ));
    }
    let outcome = Annotator::new(blur).annotate(&mut image, &moment.estimate, &moment.sample);
    if blur && outcome != FaceOutcome::Blurred {
        return Err("no face region could be placed to blur, so the picture is left out".into());
    }
    jpeg(&scaled(image))
}

/// `image` at most [`MAX_WIDTH`] wide, proportions kept.
fn scaled(image: RgbImage) -> RgbImage {
    if image.width() <= MAX_WIDTH {
        return image;
    }
    let height =
        (u64::from(image.height()) * u64::from(MAX_WIDTH) / u64::from(image.width())).max(1) as u32;
    image::imageops::resize(
        &image,
        MAX_WIDTH,
        height,
        image::imageops::FilterType::Triangle,
    )
}

/// The JPEG file of `image`.
fn jpeg(image: &RgbImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|err| format!("the picture cannot be encoded: {err}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Skeleton;
    use crate::posture::Metrics;
    use crate::store::aggregate::aggregate_all;

    /// Five frames a second; the CVA of each second (and `state`) from `seconds`.
    fn frames(seconds: &[(f64, PostureState)]) -> Vec<(PoseEstimate, PostureSample)> {
        let mut out = Vec::new();
        for (t_s, (cva, state)) in seconds.iter().enumerate() {
            for i in 0..5_u32 {
                let seq = (t_s * 5) as u64 + u64::from(i);
                let t_ms = t_s as f64 * 1000.0 + f64::from(i) * 200.0;
                let estimate = PoseEstimate {
                    seq,
                    t_ms,
                    width: 64,
                    height: 48,
                    score: None,
                    people_detected: 1,
                    detector_ran: false,
                    roi: None,
                    skeleton: Some(Skeleton::from_points(&[], 1.0)),
                };
                let sample = PostureSample {
                    seq,
                    t_ms,
                    view: View::SideLeft,
                    // The frames of a second spread around its value.
                    metrics: Metrics {
                        cva_deg: Some(cva + f64::from(i) - 2.0),
                        ..Metrics::default()
                    },
                    state: *state,
                    ..PostureSample::default()
                };
                out.push((estimate, sample));
            }
        }
        out
    }

    #[test]
    fn the_worst_and_best_are_the_stored_seconds_with_the_lowest_and_highest_judged_cva() {
        let frames = frames(&[
            (48.0, PostureState::Upright),
            (30.0, PostureState::Calibrating),
            (38.0, PostureState::ForwardHead),
            (52.0, PostureState::AtRisk),
            (60.0, PostureState::Snoozed),
            (38.0, PostureState::ForwardHead),
        ]);
        let mut picker = StillPicker::new();
        for (estimate, sample) in &frames {
            picker.push(estimate, sample);
        }
        let moments = picker.finish();
        let (metric, [(worst_kind, worst), (best_kind, best)]) =
            moments.for_view(Some(View::SideLeft)).expect("moments");
        assert_eq!(
            (metric, worst_kind, best_kind),
            (Metric::Cva, Extreme::Worst, Extreme::Best)
        );
        // Calibrating and snoozed seconds are not judged; the first of two equal seconds stays.
        let rows = aggregate_all(&frames.iter().map(|f| f.1.clone()).collect::<Vec<_>>());
        assert_eq!(worst.second, rows[2]);
        assert_eq!(best.second, rows[3]);
        // The frame shown is the one closest to the second's mean (the middle one here).
        assert_eq!((worst.sample.seq, best.sample.seq), (12, 17));
        assert_eq!(worst.sample.metrics.cva_deg, Some(38.0));
        // No front-view index: a front recording falls back to the CVA.
        assert_eq!(
            moments.for_view(Some(View::Front)).map(|(m, _)| m),
            Some(Metric::Cva)
        );
        assert!(Moments::default().for_view(None).is_none());
    }

    #[test]
    fn a_recording_that_is_gone_gives_reasons_not_a_failure() {
        let frames = frames(&[(48.0, PostureState::Upright), (40.0, PostureState::AtRisk)]);
        let mut picker = StillPicker::new();
        for (estimate, sample) in &frames {
            picker.push(estimate, sample);
        }
        let Stills::Taken(stills) = take_all(
            "/nonexistent/plumbline/visit.mp4",
            &picker.finish(),
            Some(View::SideLeft),
            true,
        ) else {
            panic!("two moments were found");
        };
        assert_eq!(stills.len(), 2);
        for still in &stills {
            let reason = still.jpeg.as_ref().expect_err("no recording");
            assert!(reason.contains("is no longer there"), "{reason}");
        }
        assert_eq!((stills[0].value, stills[1].value), (40.0, 48.0));
        assert_eq!(
            take_all("x.mp4", &Moments::default(), None, true),
            Stills::NoneJudged
        );
    }

    #[test]
    fn stills_are_scaled_to_at_most_640_wide_and_encoded_as_jpeg() {
        let wide = RgbImage::from_pixel(1280, 720, image::Rgb([10, 200, 30]));
        let small = scaled(wide);
        assert_eq!(small.dimensions(), (640, 360));
        let narrow = RgbImage::new(320, 240);
        assert_eq!(scaled(narrow).dimensions(), (320, 240));
        let bytes = jpeg(&small).expect("encodes");
        assert_eq!(&bytes[..3], &[0xff, 0xd8, 0xff], "a JPEG file");
        let back = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
        assert_eq!(back.dimensions(), (640, 360));
    }
}
