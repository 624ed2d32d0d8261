//! The automatic baseline: with no baseline stored or calibrated, [`Learner`] finds the
//! person's own best sustained posture in the first minutes and hands it to the judge.
//!
//! # What "best" means
//! Frames go into one-second buckets (each a [`BaselineBuilder`]). Every time a second
//! closes, the last `learn_stretch_s` seconds are merged into one candidate and checked by the
//! same [`BaselineBuilder::finish`] as every calibration: one person, one view, enough frames,
//! a CVA spread within the bound, not clearly forward, not reclined. Of the candidates that
//! pass, the one with the **highest mean CVA** wins (front view: the highest head above the shoulder line),
//! so a person who slumps at first and sits up later gets the upright stretch, and a person
//! who slumps the whole time gets no slumped reference below the "clearly forward" band.
//! A reclined stretch (the trunk leaning back by more than
//! [`MAX_RECLINE_DEG`](super::baseline::MAX_RECLINE_DEG), a rule of every baseline) is never a
//! candidate: a *reclined slump* (sliding down against the backrest, head ahead of the trunk)
//! reads high (docs/GEOMETRY.md §3.9), and a reference that reads high would call ordinary
//! upright sitting forward. Leaning back against a backrest while sitting upright is normal
//! and is a candidate up to that limit (most upright sitters lean back 15° or less).
//!
//! After `learn_s` seconds with a person in view the best candidate is adopted; if none passed
//! by then, the first one that passes later is. Memory is bounded by the stretch: at most
//! `learn_stretch_s` buckets plus the best baseline.

use std::collections::VecDeque;

use super::baseline::{Baseline, BaselineBuilder, BaselineFrame, BaselineRules, FrontSignal};
use super::config::PostureConfig;

/// Fewest analyzed frames per second of stretch for a candidate (the monitor analyzes 2 per
/// second): a stretch with gaps is not sustained.
const MIN_FRAMES_PER_SECOND: f64 = 1.0;

/// One second of frames.
#[derive(Clone, Debug)]
struct Bucket {
    second: i64,
    builder: BaselineBuilder,
}

/// Learns a baseline from the person's own steady, upright stretches.
#[derive(Clone, Debug)]
pub struct Learner {
    rules: BaselineRules,
    stretch_s: usize,
    learn_ms: f64,
    buckets: VecDeque<Bucket>,
    open: Option<Bucket>,
    observed_ms: f64,
    best: Option<(f64, Baseline)>,
}

impl Learner {
    /// A learner with `config`'s stretch, learning time and baseline rules.
    pub fn new(config: &PostureConfig) -> Self {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "validated: 2 to 3600 seconds"
        )]
        let stretch_s = config.learn_stretch_s.round().max(1.0) as usize;
        let rules = BaselineRules {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a few thousand frames at most"
            )]
            min_frames: (config.learn_stretch_s * MIN_FRAMES_PER_SECOND).ceil() as u32,
            ..BaselineRules::from_config(config)
        };
        Self {
            rules,
            stretch_s,
            learn_ms: config.learn_s * 1000.0,
            buckets: VecDeque::with_capacity(stretch_s + 1),
            open: None,
            observed_ms: 0.0,
            best: None,
        }
    }

    /// Seconds with a person in view so far.
    pub fn observed_s(&self) -> f64 {
        self.observed_ms / 1000.0
    }

    /// Adds a frame with a person at source time `t_ms`, `dt_ms` after the previous one.
    /// Returns the learned baseline once it is adopted (the learner is then spent).
    pub fn push(&mut self, t_ms: f64, dt_ms: f64, frame: &BaselineFrame) -> Option<Baseline> {
        self.observed_ms += dt_ms.max(0.0);
        #[expect(clippy::cast_possible_truncation, reason = "seconds of source time")]
        let second = (t_ms / 1000.0).floor() as i64;
        if self.open.as_ref().is_some_and(|b| b.second != second)
            && let Some(closed) = self.open.take()
        {
            self.close(closed);
        }
        self.open
            .get_or_insert_with(|| Bucket {
                second,
                builder: BaselineBuilder::new(self.rules),
            })
            .builder
            .push_frame(frame);
        if self.observed_ms >= self.learn_ms {
            return self.best.take().map(|(_, baseline)| baseline);
        }
        None
    }

    /// Closes one second and checks the stretch that ends with it.
    fn close(&mut self, bucket: Bucket) {
        let newest = bucket.second;
        self.buckets.push_back(bucket);
        let oldest_kept = newest - self.stretch_s as i64 + 1;
        while self.buckets.front().is_some_and(|b| b.second < oldest_kept) {
            self.buckets.pop_front();
        }
        // Sustained: most seconds of the stretch have frames.
        if self.buckets.len() * 5 < self.stretch_s * 4 {
            return;
        }
        let mut stretch = BaselineBuilder::new(self.rules);
        for b in &self.buckets {
            stretch.merge(&b.builder);
        }
        let Ok(candidate) = stretch.finish() else {
            return;
        };
        let Some(score) = score(&candidate) else {
            return;
        };
        if self.best.as_ref().is_none_or(|(best, _)| score > *best) {
            self.best = Some((score, candidate));
        }
    }
}

/// How upright a candidate is (higher is better), `None` when it may not be one.
fn score(candidate: &Baseline) -> Option<f64> {
    if let Some(cva) = candidate.side_cva() {
        return Some(cva.mean);
    }
    candidate.front.get(&FrontSignal::HeadDrop).map(|d| d.mean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::baseline::MAX_RECLINE_DEG;
    use crate::posture::metric::Metric;
    use crate::posture::{Metrics, View};

    fn config() -> PostureConfig {
        PostureConfig {
            learn_s: 60.0,
            learn_stretch_s: 10.0,
            ..PostureConfig::default()
        }
    }

    fn frame(cva: f64) -> BaselineFrame {
        BaselineFrame {
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: Some(cva),
                trunk_inclination_deg: Some(5.0),
                ..Metrics::default()
            },
            people: Some(1),
            ..BaselineFrame::default()
        }
    }

    /// Feeds 2 frames per second from `from_s` to `to_s` with the CVA `cva(t_s)`.
    fn feed(
        learner: &mut Learner,
        from_s: f64,
        to_s: f64,
        cva: impl Fn(f64) -> f64,
    ) -> Option<(f64, Baseline)> {
        let mut t = from_s;
        while t < to_s {
            if let Some(b) = learner.push(t * 1000.0, 500.0, &frame(cva(t))) {
                return Some((t, b));
            }
            t += 0.5;
        }
        None
    }

    #[test]
    fn a_slumped_start_does_not_become_the_reference() {
        let mut learner = Learner::new(&config());
        // 30 s slumped but steady (35° ± jitter), then 30 s upright (47°).
        let jitter = |t: f64| if (t * 2.0) as i64 % 2 == 0 { 0.8 } else { -0.8 };
        assert!(feed(&mut learner, 0.0, 30.0, |t| 35.0 + jitter(t)).is_none());
        let (t, baseline) =
            feed(&mut learner, 30.0, 90.0, |t| 47.0 + jitter(t)).expect("learned after 60 s");
        assert!((59.0..=61.0).contains(&t), "adopted at {t}");
        let cva = baseline.side_cva().expect("side baseline");
        assert!((cva.mean - 47.0).abs() < 0.5, "{cva:?}");
        assert!(cva.n >= 19, "{cva:?}");
    }

    #[test]
    fn restless_or_clearly_forward_stretches_never_pass() {
        let mut learner = Learner::new(&config());
        // Moving between 30° and 50° every frame: spread 10°, above the 5° bound.
        let restless = |t: f64| {
            if (t * 2.0) as i64 % 2 == 0 {
                30.0
            } else {
                50.0
            }
        };
        assert!(feed(&mut learner, 0.0, 40.0, restless).is_none());
        // Clearly forward but steady.
        assert!(feed(&mut learner, 40.0, 100.0, |_| 18.0).is_none());
        // The first steady upright stretch after the learning time is taken at once.
        let (t, baseline) = feed(&mut learner, 100.0, 200.0, |_| 44.0).expect("learned");
        assert!((109.0..=112.0).contains(&t), "adopted at {t}");
        assert!((baseline.side_cva().expect("side").mean - 44.0).abs() < 1e-9);
    }

    #[test]
    fn crowded_or_reclined_stretches_are_no_candidates() {
        let mut learner = Learner::new(&config());
        let mut t = 0.0;
        while t < 40.0 {
            let crowded = BaselineFrame {
                people: Some(2),
                ..frame(48.0)
            };
            assert!(learner.push(t * 1000.0, 500.0, &crowded).is_none());
            t += 0.5;
        }
        while t < 80.0 {
            // A reclined slump (docs/GEOMETRY.md §3.9: 18-20° back, reading high).
            let mut reclined = frame(52.0);
            reclined.metrics.trunk_inclination_deg = Some(-(MAX_RECLINE_DEG + 1.0));
            assert!(learner.push(t * 1000.0, 500.0, &reclined).is_none());
            t += 0.5;
        }
        assert!(learner.observed_s() >= 60.0);
    }

    #[test]
    fn sitting_upright_against_a_backrest_is_learned() {
        // Upright sitters lean back up to 15.4° (docs/GEOMETRY.md §3.9): such a stretch is a
        // candidate, and it wins over a steady forward lean.
        let mut learner = Learner::new(&config());
        let at = |cva: f64, trunk: f64| {
            let mut f = frame(cva);
            f.metrics.trunk_inclination_deg = Some(trunk);
            f
        };
        let mut t = 0.0;
        let mut learned = None;
        while t < 70.0 && learned.is_none() {
            let f = if t < 30.0 {
                at(36.0, 12.0)
            } else {
                at(47.0, -15.0)
            };
            learned = learner.push(t * 1000.0, 500.0, &f);
            t += 0.5;
        }
        let baseline = learned.expect("a backrest sitter gets a baseline");
        assert!((baseline.side_cva().expect("side").mean - 47.0).abs() < 1e-9);
        let trunk = baseline.get(Metric::TrunkInclination).expect("trunk");
        assert!((trunk.mean + 15.0).abs() < 1e-9, "{trunk:?}");
    }
}
