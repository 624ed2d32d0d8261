//! The calm rate: while a person sits upright and still, the monitor analyzes fewer frames.
//!
//! [`CalmWatch`] sees every analyzed frame. It becomes calm once the frames have been, for
//! `calm_after_s` of source time without a break,
//! - judged upright (the state `upright` and the call upright),
//! - against a baseline (learned or calibrated: not while learning, after the setup changed,
//!   or without one),
//! - with the head sitting on the shoulders as it did at the start of the stretch: it may
//!   move against them by at most [`CALM_MAX_SHAPE_CHANGE`] of the ear-to-shoulder distance.
//!
//! Any frame that breaks one of these ends the calm at once (the next frame comes at the
//! normal rate, or the at-risk rate) and starts the stretch again; so does a pause of the
//! source. A slump is thus seen at most one calm interval after it starts, and its alert comes
//! at most that much later than at the normal rate (docs/MONITOR.md "The calm rate").

use crate::pose::{MASK_REFRESH_SHAPE_CHANGE, Neck, Skeleton};
use crate::posture::{BaselineStatus, Call, PostureSample, PostureState};

/// The calm ends when the head moves against the shoulders by more than this fraction of the
/// ear-to-shoulder distance since the stretch began: twice the bound that refreshes a carried
/// person mask ([`MASK_REFRESH_SHAPE_CHANGE`], 5 %). The landmarks of a still picture with
/// sensor noise alone moved by 5.3 % within 40 s (the bench clip of docs/MONITOR.md
/// "Figures"), and a calm that ends costs `calm_after_s` at the normal rate before it can
/// return; a slump moves the head much further and is called by the judge anyway.
pub const CALM_MAX_SHAPE_CHANGE: f32 = 2.0 * MASK_REFRESH_SHAPE_CHANGE;

/// Watches the analyzed frames for a calm, upright stretch.
#[derive(Clone, Debug)]
pub struct CalmWatch {
    after_ms: f64,
    /// Start of the current upright, still stretch (source time) and the neck then.
    stretch: Option<(f64, Neck)>,
    calm: bool,
    /// Frames analyzed while calm (for the run's summary).
    calm_frames: u64,
}

impl CalmWatch {
    /// A watch that becomes calm after `after_s` seconds of upright, still frames.
    pub fn new(after_s: f64) -> Self {
        Self {
            after_ms: after_s * 1000.0,
            stretch: None,
            calm: false,
            calm_frames: 0,
        }
    }

    /// Whether the calm rate applies to the next frame.
    pub fn is_calm(&self) -> bool {
        self.calm
    }

    /// Frames analyzed at the calm rate so far.
    pub fn calm_frames(&self) -> u64 {
        self.calm_frames
    }

    /// Takes one analyzed frame (its judgement and the tracked person); returns whether the
    /// calm rate applies from now on.
    pub fn update(&mut self, sample: &PostureSample, skeleton: Option<&Skeleton>) -> bool {
        if self.calm {
            self.calm_frames += 1;
        }
        let neck = skeleton.map(Neck::of_skeleton);
        let still_upright = upright_against_a_baseline(sample)
            && neck.is_some_and(|now| {
                self.stretch
                    .as_ref()
                    .is_none_or(|(_, then)| now.shape_change(then) <= CALM_MAX_SHAPE_CHANGE)
            });
        if let (true, Some(now)) = (still_upright, neck) {
            let (since, _) = *self.stretch.get_or_insert((sample.t_ms, now));
            let calm = sample.t_ms - since >= self.after_ms;
            if calm && !self.calm {
                tracing::debug!(t_ms = sample.t_ms, "calm: upright and still, slower rate");
            }
            self.calm = calm;
        } else {
            if self.calm {
                let moved = match (neck, self.stretch.as_ref()) {
                    (Some(now), Some((_, then))) => now.shape_change(then),
                    _ => 0.0,
                };
                tracing::debug!(
                    t_ms = sample.t_ms,
                    state = ?sample.state,
                    call = ?sample.call,
                    baseline = ?sample.baseline,
                    moved,
                    "calm ended: back to the normal rate"
                );
            }
            self.reset();
            // A frame that is upright but moved starts the next stretch.
            if let Some(now) = neck.filter(|_| upright_against_a_baseline(sample)) {
                self.stretch = Some((sample.t_ms, now));
            }
        }
        self.calm
    }

    /// Ends the calm and the stretch (the source was paused).
    pub fn reset(&mut self) {
        self.stretch = None;
        self.calm = false;
    }
}

/// Whether `sample` is an upright call, in the upright state, measured against a baseline.
fn upright_against_a_baseline(sample: &PostureSample) -> bool {
    sample.state == PostureState::Upright
        && sample.call == Some(Call::Upright)
        && matches!(
            sample.baseline,
            BaselineStatus::Learned | BaselineStatus::Calibrated
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::LandmarkIndex;

    /// A side-view skeleton whose ear sits `forward_px` ahead of the shoulder.
    fn person(forward_px: f32) -> Skeleton {
        Skeleton::from_points(
            &[
                (LandmarkIndex::LeftEar, 300.0 - forward_px, 100.0),
                (LandmarkIndex::RightEar, 300.0 - forward_px, 100.0),
                (LandmarkIndex::LeftShoulder, 300.0, 200.0),
                (LandmarkIndex::RightShoulder, 300.0, 200.0),
            ],
            0.9,
        )
    }

    fn sample(
        t_s: f64,
        state: PostureState,
        call: Call,
        baseline: BaselineStatus,
    ) -> PostureSample {
        PostureSample {
            t_ms: t_s * 1000.0,
            state,
            call: Some(call),
            baseline,
            ..PostureSample::default()
        }
    }

    fn upright(t_s: f64) -> PostureSample {
        sample(
            t_s,
            PostureState::Upright,
            Call::Upright,
            BaselineStatus::Learned,
        )
    }

    #[test]
    fn calm_after_the_stretch_and_not_before() {
        let mut watch = CalmWatch::new(30.0);
        let still = person(0.0);
        for t in 0..30 {
            assert!(!watch.update(&upright(f64::from(t)), Some(&still)), "{t} s");
        }
        assert!(watch.update(&upright(30.0), Some(&still)));
        assert!(watch.update(&upright(31.0), Some(&still)));
        assert_eq!(watch.calm_frames(), 1);
    }

    #[test]
    fn any_frame_that_is_not_upright_and_still_ends_it_at_once() {
        let still = person(0.0);
        let breaks: [(PostureSample, Option<Skeleton>); 6] = [
            (
                sample(
                    40.0,
                    PostureState::AtRisk,
                    Call::Forward,
                    BaselineStatus::Learned,
                ),
                Some(still.clone()),
            ),
            (
                sample(
                    40.0,
                    PostureState::Upright,
                    Call::Uncertain,
                    BaselineStatus::Learned,
                ),
                Some(still.clone()),
            ),
            (
                sample(
                    40.0,
                    PostureState::Snoozed,
                    Call::Upright,
                    BaselineStatus::Learned,
                ),
                Some(still.clone()),
            ),
            (
                sample(
                    40.0,
                    PostureState::Upright,
                    Call::Upright,
                    BaselineStatus::SetupChanged,
                ),
                Some(still.clone()),
            ),
            (upright(40.0), None),
            // The head moved forward on the shoulders by 12 % of the 100 px neck.
            (upright(40.0), Some(person(12.0))),
        ];
        for (frame, skeleton) in breaks {
            let mut watch = CalmWatch::new(30.0);
            for t in 0..=35 {
                watch.update(&upright(f64::from(t)), Some(&still));
            }
            assert!(watch.is_calm());
            assert!(!watch.update(&frame, skeleton.as_ref()), "{frame:?}");
            // The stretch starts again.
            assert!(!watch.update(&upright(41.0), Some(&still)));
        }
    }

    #[test]
    fn a_small_movement_keeps_it_and_learning_never_starts_it() {
        let mut watch = CalmWatch::new(5.0);
        for t in 0..=10 {
            // 8 % of the neck length: within the bound.
            let skeleton = person(if t % 2 == 0 { 0.0 } else { 8.0 });
            watch.update(&upright(f64::from(t)), Some(&skeleton));
        }
        assert!(watch.is_calm());

        let mut learning = CalmWatch::new(5.0);
        for t in 0..=60 {
            let frame = sample(
                f64::from(t),
                PostureState::Upright,
                Call::Upright,
                BaselineStatus::Learning,
            );
            assert!(!learning.update(&frame, Some(&person(0.0))));
        }
    }

    #[test]
    fn the_calm_rate_is_never_faster_than_the_normal_rate() {
        let config = crate::posture::PostureConfig {
            analysis_rate_fps: 2.0,
            calm_rate_fps: 1.0,
            ..crate::posture::PostureConfig::default()
        };
        let rate = super::super::RatePolicy::monitor(&config);
        assert!((rate.interval_ms(PostureState::Upright, true) - 1000.0).abs() < 1e-9);
        assert!((rate.interval_ms(PostureState::Upright, false) - 500.0).abs() < 1e-9);
        // Calm only holds in the upright state.
        assert!((rate.interval_ms(PostureState::AtRisk, true) - 250.0).abs() < 1e-9);
        let slow_base = super::super::RatePolicy {
            fps: Some(0.5),
            ..rate
        };
        assert!((slow_base.interval_ms(PostureState::Upright, true) - 2000.0).abs() < 1e-9);
        let fixed = super::super::RatePolicy::fixed(Some(10.0));
        assert!((fixed.interval_ms(PostureState::Upright, true) - 100.0).abs() < 1e-9);
    }
}
