//! [`PostureJudge`]: the one object the pipeline calls per frame. It classifies the view
//! (with hysteresis), measures the metrics valid in it, scores RULA, decides the
//! forward-head condition against the absolute and baseline thresholds, runs calibrations,
//! the persistence machine and the exposure meter, and returns a [`PostureSample`] with the
//! events of that frame.

use crate::geometry::cva::CvaModel;
use crate::geometry::front::FrontFeatures;
use crate::geometry::view::ViewTracker;
use crate::pose::Skeleton;
use crate::pose::segmentation::PersonMask;

use super::baseline::BaselineRecorder;
use super::config::PostureConfig;
use super::exposure::ExposureMeter;
use super::metrics::{FrameMeasures, body_from_skeleton, front_world_from_skeleton, measure};
use super::rula::{RulaTolerance, neck_score, trunk_score};
use super::state::{Condition, Presence, StateMachine};
use super::{Baseline, Metric, Metrics, PostureEvent, PostureSample, PostureState, View};

/// Judges posture frame by frame.
#[derive(Clone, Debug)]
pub struct PostureJudge {
    config: PostureConfig,
    model: CvaModel,
    views: ViewTracker,
    machine: StateMachine,
    baseline: Option<Baseline>,
    front: Option<FrontFeatures>,
    recorder: Option<BaselineRecorder>,
    exposure: ExposureMeter,
    last_ms: Option<f64>,
}

impl PostureJudge {
    /// A judge with `config`, the fitted C7 model (with the config's per-user CVA offset)
    /// and no baseline.
    pub fn new(config: PostureConfig) -> Self {
        let views = ViewTracker::with_switch_frames(config.view_switch_frames);
        let model = CvaModel {
            user_offset_rad: config.cva_user_offset_deg.to_radians(),
            ..CvaModel::default()
        };
        Self {
            config,
            model,
            views,
            machine: StateMachine::new(),
            baseline: None,
            front: None,
            recorder: None,
            exposure: ExposureMeter::new(),
            last_ms: None,
        }
    }

    /// The same judge measuring against `baseline`.
    #[must_use]
    pub fn with_baseline(mut self, baseline: Baseline) -> Self {
        self.set_baseline(baseline);
        self
    }

    /// The same judge with a per-user C7 model (for example a calibrated offset).
    #[must_use]
    pub fn with_model(mut self, model: CvaModel) -> Self {
        self.model = model;
        self
    }

    /// Replaces the baseline.
    pub fn set_baseline(&mut self, baseline: Baseline) {
        self.front = baseline.front_features();
        self.baseline = Some(baseline);
    }

    /// The current baseline.
    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &PostureConfig {
        &self.config
    }

    /// The configuration, to change thresholds and delays while running (the pipeline's
    /// onset-delay, snooze-length and calibration-length controls).
    pub fn config_mut(&mut self) -> &mut PostureConfig {
        &mut self.config
    }

    /// The exposure so far.
    pub fn exposure(&self) -> &ExposureMeter {
        &self.exposure
    }

    /// Starts a calibration of `config.calibration_s` at `t_ms`.
    pub fn start_calibration(&mut self, t_ms: f64) -> Vec<PostureEvent> {
        self.recorder = Some(BaselineRecorder::new(t_ms, self.config.calibration_s));
        self.machine.calibrating(t_ms, true)
    }

    /// Snoozes warnings for the configured snooze length.
    pub fn snooze(&mut self, t_ms: f64) -> Vec<PostureEvent> {
        self.machine.snooze(t_ms, self.config.snooze_s)
    }

    fn condition(&self, metrics: &Metrics, confidence: f32) -> Condition {
        if confidence < self.config.min_confidence {
            return Condition::Unknown;
        }
        let c = &self.config;
        if let Some(cva) = metrics.cva_deg {
            let base = self
                .baseline
                .as_ref()
                .filter(|b| b.view.is_side())
                .and_then(|b| b.get(Metric::Cva))
                .map(|s| s.mean - c.cva_below_baseline_deg);
            let limit = base.map_or(c.cva_forward_below_deg, |b| b.max(c.cva_forward_below_deg));
            return if cva < limit {
                Condition::Bad
            } else if cva < limit + c.cva_exit_margin_deg {
                Condition::Marginal
            } else {
                Condition::Good
            };
        }
        if let Some(index) = metrics.forward_head_index {
            return if index > c.front_index_max_pct {
                Condition::Bad
            } else if index > c.front_index_max_pct - c.front_index_exit_margin_pct {
                Condition::Marginal
            } else {
                Condition::Good
            };
        }
        Condition::Unknown
    }

    /// Judges one frame: `skeleton` is `None` when nobody was found.
    pub fn update(
        &mut self,
        seq: u64,
        t_ms: f64,
        skeleton: Option<&Skeleton>,
    ) -> (PostureSample, Vec<PostureEvent>) {
        self.update_with_mask(seq, t_ms, skeleton, None)
    }

    /// [`update`](Self::update) with the engine's person mask (`PoseEngine::mask`, engine
    /// built with `segmentation: true`): the CVA then uses the silhouette C7
    /// (`docs/GEOMETRY.md` §3.4), with the landmark C7 as fallback.
    pub fn update_with_mask(
        &mut self,
        seq: u64,
        t_ms: f64,
        skeleton: Option<&Skeleton>,
        mask: Option<&PersonMask>,
    ) -> (PostureSample, Vec<PostureEvent>) {
        let dt = self.last_ms.map_or(0.0, |l| {
            (t_ms - l).clamp(0.0, self.config.max_frame_gap_s * 1000.0)
        });
        self.last_ms = Some(t_ms);
        let (view, measures) = if let Some(s) = skeleton {
            let body = body_from_skeleton(s);
            let world = front_world_from_skeleton(s);
            let class = self.views.update(&body);
            let m = measure(
                &body,
                world.as_ref(),
                class,
                &self.model,
                self.front.as_ref(),
                mask,
            );
            if let Some(reason) = m.c7_fallback {
                tracing::debug!(seq, %reason, "silhouette C7 refused, landmark C7 used");
            }
            (View::from(class), m)
        } else {
            self.views.reset();
            (View::Unknown, FrameMeasures::default())
        };
        let mut events = Vec::new();
        if let Some(recorder) = &mut self.recorder {
            recorder
                .builder()
                .push(view, &measures.metrics, measures.front.as_ref());
            if recorder.is_done(t_ms) {
                let baseline = recorder.finish();
                self.recorder = None;
                events.extend(self.machine.calibrating(t_ms, false));
                match baseline {
                    Ok(baseline) => {
                        self.set_baseline(baseline.clone());
                        events.push(PostureEvent::Calibrated { t_ms, baseline });
                    }
                    Err(refused) => tracing::warn!(%refused, "calibration kept no baseline"),
                }
            }
        }
        let metrics = measures.metrics;
        let condition = if self.machine.state() == PostureState::Calibrating {
            Condition::Unknown
        } else {
            self.condition(&metrics, measures.confidence)
        };
        let presence = if skeleton.is_some() {
            Presence::Present
        } else {
            Presence::Absent
        };
        for event in self.machine.update(t_ms, presence, condition, &self.config) {
            match event {
                PostureEvent::Alert { t_ms, .. } => {
                    self.exposure.alert(t_ms);
                    events.push(PostureEvent::Alert {
                        t_ms,
                        cva_deg: metrics.cva_deg,
                        forward_head_index: metrics.forward_head_index,
                    });
                }
                other => events.push(other),
            }
        }
        let state = self.machine.state();
        let forward_head = match condition {
            Condition::Bad => Some(true),
            Condition::Marginal | Condition::Good => Some(false),
            Condition::Unknown => None,
        };
        if let Some(fh) = forward_head {
            self.exposure.add(t_ms, dt, fh, state);
        }
        let tol = RulaTolerance {
            extension_deg: self.config.rula_extension_tolerance_deg,
            upright_deg: self.config.rula_upright_tolerance_deg,
        };
        let sample = PostureSample {
            seq,
            t_ms,
            view,
            metrics,
            forward_head,
            rula_neck: metrics.neck_flexion_deg.map(|n| neck_score(n, tol)),
            rula_trunk: metrics
                .trunk_inclination_deg
                .map(|t| trunk_score(t, metrics.hip_angle_deg, tol)),
            state,
            confidence: measures.confidence,
            front_signals: measures.front,
        };
        (sample, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::LandmarkIndex as L;

    /// A side-view skeleton facing the image right with the ear `ear_dx` px ahead of the
    /// shoulder (image pixels, y down).
    fn side(ear_dx: f32) -> Skeleton {
        Skeleton::from_points(
            &[
                (L::RightShoulder, 300.0, 300.0),
                (L::LeftShoulder, 298.0, 300.0),
                (L::RightHip, 290.0, 500.0),
                (L::LeftHip, 288.0, 500.0),
                (L::RightKnee, 420.0, 505.0),
                (L::RightEar, 300.0 + ear_dx, 200.0),
                (L::LeftEar, 302.0 + ear_dx, 200.0),
                (L::Nose, 340.0 + ear_dx, 205.0),
            ],
            0.95,
        )
    }

    fn config() -> PostureConfig {
        PostureConfig {
            onset_delay_s: 5.0,
            calibration_s: 2.0,
            ..PostureConfig::default()
        }
    }

    #[test]
    fn upright_then_forward_head_alerts_after_the_delay() {
        let mut judge = PostureJudge::new(config());
        let mut t = 0.0;
        let mut all = Vec::new();
        for seq in 0..20 {
            let (s, e) = judge.update(seq, t, Some(&side(0.0)));
            all.extend(e);
            t += 100.0;
            if seq > 5 {
                assert_eq!(s.view, View::SideRight);
                assert_eq!(s.forward_head, Some(false), "{s:?}");
                assert!(s.rula_neck.is_some() && s.rula_trunk.is_some());
            }
        }
        let mut alert = None;
        for seq in 20..100 {
            let (s, e) = judge.update(seq, t, Some(&side(160.0)));
            assert_eq!(s.forward_head, Some(true), "{s:?}");
            if e.iter().any(|e| matches!(e, PostureEvent::Alert { .. })) {
                alert = Some(t);
            }
            all.extend(e);
            t += 100.0;
        }
        let alert = alert.expect("an alert after the onset delay");
        assert!((6_900.0..=7_100.0).contains(&alert), "alert at {alert}");
        assert_eq!(judge.exposure().total().alerts, 1);
        // Nobody there: away.
        for seq in 100..130 {
            judge.update(seq, t, None);
            t += 100.0;
        }
        assert!(all.iter().any(|e| matches!(
            e,
            PostureEvent::State {
                state: PostureState::ForwardHead,
                ..
            }
        )));
        let (s, _) = judge.update(130, t, None);
        assert_eq!(s.state, PostureState::Away);
        assert_eq!(s.view, View::Unknown);
    }

    #[test]
    fn the_per_user_offset_shifts_the_cva_and_the_judgement() {
        let cva_after = |offset: f64, ear_dx: f32| {
            let mut judge = PostureJudge::new(PostureConfig {
                cva_user_offset_deg: offset,
                view_switch_frames: 1,
                ..config()
            });
            let (s, _) = judge.update(0, 0.0, Some(&side(ear_dx)));
            (
                s.metrics.cva_deg.expect("a side view has a CVA"),
                s.forward_head,
            )
        };
        let (plain, _) = cva_after(0.0, 60.0);
        let (shifted, _) = cva_after(7.5, 60.0);
        assert!((shifted - plain - 7.5).abs() < 1e-9, "{plain} {shifted}");
        // An ear position just under the absolute threshold is judged forward without the
        // offset and upright with it.
        let dx = (0..400)
            .map(|i| i as f32)
            .find(|&dx| cva_after(0.0, dx).0 < 24.0)
            .expect("far enough forward reads below 24°");
        assert_eq!(cva_after(0.0, dx).1, Some(true));
        assert_eq!(cva_after(5.0, dx).1, Some(false));
    }

    #[test]
    fn calibration_sets_a_relative_threshold() {
        let mut judge = PostureJudge::new(config());
        let mut events = judge.start_calibration(0.0);
        let mut t = 0.0;
        let mut seq = 0;
        while t <= 2500.0 {
            let (s, e) = judge.update(seq, t, Some(&side(0.0)));
            if t < 2000.0 {
                assert_eq!(s.state, PostureState::Calibrating);
            }
            events.extend(e);
            seq += 1;
            t += 100.0;
        }
        let base = judge.baseline().expect("calibrated").metrics[&Metric::Cva];
        assert!(
            events
                .iter()
                .any(|e| matches!(e, PostureEvent::Calibrated { .. }))
        );
        // A small protraction that stays above 45° but drops more than 5° below baseline.
        let mut dx = 0.0;
        let cva = loop {
            dx += 1.0;
            let (s, _) = judge.update(seq, t, Some(&side(dx)));
            seq += 1;
            t += 100.0;
            let cva = s.metrics.cva_deg.expect("side view");
            if cva < base.mean - 5.5 {
                assert_eq!(s.forward_head, Some(true));
                break cva;
            }
        };
        assert!(
            cva > PostureConfig::default().cva_forward_below_deg,
            "the baseline rule fired before the absolute one: {cva}"
        );
    }

    #[test]
    fn a_calibration_with_too_few_frames_keeps_no_baseline() {
        let mut judge = PostureJudge::new(config());
        let mut events = judge.start_calibration(0.0);
        // Four frames over the 2 s calibration: fewer than the builder's minimum.
        for (seq, t) in [0.0, 700.0, 1400.0, 2100.0].into_iter().enumerate() {
            let (_, e) = judge.update(seq as u64, t, Some(&side(0.0)));
            events.extend(e);
        }
        assert!(judge.baseline().is_none());
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, PostureEvent::Calibrated { .. }))
        );
        let (s, _) = judge.update(4, 2200.0, Some(&side(0.0)));
        assert_ne!(s.state, PostureState::Calibrating, "calibration ended");
    }
}
