//! Calibration: record the user's posture for a few seconds and keep mean and SD per metric
//! as a [`Baseline`]. Only frames in the calibration's dominant view count, so a front-view
//! calibration does not mix with a stray oblique frame.
//!
//! Besides the [`Metrics`] names (`cva_deg`, `trunk_inclination_deg`, ...), a front-view
//! baseline stores the raw forward-head signals under [`FRONT_HEAD_SCALE`],
//! [`FRONT_HEAD_DROP`], [`FRONT_HEAD_PITCH`] and [`FRONT_SAGITTAL_SIN`]; the forward-head
//! index is measured against them.

use std::collections::BTreeMap;

use crate::geometry::front::FrontFeatures;

use super::metrics::FrameMeasures;
use super::{Baseline, MetricStats, Metrics, View};

/// Baseline key of the front-view head scale (ear width over shoulder width).
pub const FRONT_HEAD_SCALE: &str = "front_head_scale";
/// Baseline key of the front-view head drop (ear height over shoulder width).
pub const FRONT_HEAD_DROP: &str = "front_head_drop";
/// Baseline key of the front-view head pitch (nose over the ear line, ear widths).
pub const FRONT_HEAD_PITCH: &str = "front_head_pitch";
/// Baseline key of the front-view sagittal lean (sine).
pub const FRONT_SAGITTAL_SIN: &str = "front_sagittal_sin";

/// The named values of one frame's metrics (`None` values are skipped).
pub fn named_metrics(m: &Metrics) -> [(&'static str, Option<f64>); 8] {
    [
        ("cva_deg", m.cva_deg),
        ("neck_flexion_deg", m.neck_flexion_deg),
        ("trunk_inclination_deg", m.trunk_inclination_deg),
        ("hip_angle_deg", m.hip_angle_deg),
        ("shoulder_tilt_deg", m.shoulder_tilt_deg),
        ("pelvic_obliquity_deg", m.pelvic_obliquity_deg),
        ("head_tilt_deg", m.head_tilt_deg),
        ("forward_head_index", m.forward_head_index),
    ]
}

/// Mean and sample SD of values.
///
/// ```
/// use plumbline::posture::baseline::stats;
/// let s = stats(&[1.0, 2.0, 3.0]).unwrap();
/// assert_eq!((s.mean, s.sd, s.n), (2.0, 1.0, 3));
/// assert!(stats(&[]).is_none());
/// ```
pub fn stats(values: &[f64]) -> Option<MetricStats> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = if values.len() < 2 {
        0.0
    } else {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    Some(MetricStats {
        mean,
        sd,
        n: u32::try_from(values.len()).unwrap_or(u32::MAX),
    })
}

/// Records frames for a calibration of fixed length.
#[derive(Clone, Debug)]
pub struct BaselineRecorder {
    start_ms: f64,
    duration_ms: f64,
    frames: Vec<(View, FrameMeasures)>,
}

impl BaselineRecorder {
    /// Starts a calibration at `start_ms` lasting `duration_s`.
    pub fn new(start_ms: f64, duration_s: f64) -> Self {
        Self {
            start_ms,
            duration_ms: duration_s * 1000.0,
            frames: Vec::new(),
        }
    }

    /// Whether the calibration time is over at `t_ms`.
    pub fn is_done(&self, t_ms: f64) -> bool {
        t_ms - self.start_ms >= self.duration_ms
    }

    /// Adds one frame (only side and front views are kept).
    pub fn push(&mut self, view: View, measures: &FrameMeasures) {
        if matches!(view, View::SideLeft | View::SideRight | View::Front) {
            self.frames.push((view, *measures));
        }
    }

    /// The baseline from the frames of the most frequent view; `None` without usable frames.
    pub fn finish(&self) -> Option<Baseline> {
        let mut counts: BTreeMap<u8, (usize, View)> = BTreeMap::new();
        for (view, _) in &self.frames {
            let key = match view {
                View::SideLeft => 0,
                View::SideRight => 1,
                _ => 2,
            };
            counts.entry(key).or_insert((0, *view)).0 += 1;
        }
        let (_, view) = counts.values().max_by_key(|(n, _)| *n)?;
        let view = *view;
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut add = |name: &str, v: Option<f64>| {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                values.entry(name.to_owned()).or_default().push(v);
            }
        };
        for (v, m) in self.frames.iter().filter(|(v, _)| *v == view) {
            debug_assert_eq!(*v, view);
            for (name, value) in named_metrics(&m.metrics) {
                // The index is relative to a baseline: it is not part of one.
                if name != "forward_head_index" {
                    add(name, value);
                }
            }
            if let Some(f) = m.front {
                add(FRONT_HEAD_SCALE, Some(f.head_scale));
                add(FRONT_HEAD_DROP, Some(f.head_drop));
                add(FRONT_HEAD_PITCH, Some(f.head_pitch));
                add(FRONT_SAGITTAL_SIN, f.sagittal_sin);
            }
        }
        let metrics: BTreeMap<String, MetricStats> = values
            .into_iter()
            .filter_map(|(k, v)| stats(&v).map(|s| (k, s)))
            .collect();
        (!metrics.is_empty()).then_some(Baseline { view, metrics })
    }
}

/// The front-view signals of a baseline, when it has them.
pub fn front_baseline(baseline: &Baseline) -> Option<FrontFeatures> {
    let mean = |k: &str| baseline.metrics.get(k).map(|s| s.mean);
    Some(FrontFeatures {
        head_scale: mean(FRONT_HEAD_SCALE)?,
        head_drop: mean(FRONT_HEAD_DROP)?,
        head_pitch: mean(FRONT_HEAD_PITCH)?,
        sagittal_sin: mean(FRONT_SAGITTAL_SIN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(cva: f64, front: Option<FrontFeatures>) -> FrameMeasures {
        FrameMeasures {
            metrics: Metrics {
                cva_deg: Some(cva),
                ..Metrics::default()
            },
            front,
            confidence: 0.9,
            c7_fallback: None,
            cva_sd_deg: None,
        }
    }

    #[test]
    fn baseline_uses_the_dominant_view() {
        let mut r = BaselineRecorder::new(1000.0, 2.0);
        for cva in [50.0, 52.0, 54.0] {
            r.push(View::SideLeft, &frame(cva, None));
        }
        r.push(View::SideRight, &frame(10.0, None));
        r.push(View::Oblique, &frame(0.0, None));
        assert!(!r.is_done(2999.0));
        assert!(r.is_done(3000.0));
        let b = r.finish().expect("frames were recorded");
        assert_eq!(b.view, View::SideLeft);
        let s = b.metrics["cva_deg"];
        assert_eq!((s.mean, s.sd, s.n), (52.0, 2.0, 3));
        assert!(front_baseline(&b).is_none());
    }

    #[test]
    fn front_signals_round_trip() {
        let f = FrontFeatures {
            head_scale: 0.4,
            head_drop: 0.6,
            head_pitch: 0.1,
            sagittal_sin: None,
        };
        let mut r = BaselineRecorder::new(0.0, 1.0);
        r.push(View::Front, &frame(0.0, Some(f)));
        let b = r.finish().expect("one front frame");
        assert_eq!(front_baseline(&b), Some(f));
        assert!(BaselineRecorder::new(0.0, 1.0).finish().is_none());
    }
}
