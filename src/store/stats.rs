//! Summaries of stored sessions that the report, `compare` and `baseline` share: per-metric
//! statistics, time in the CVA context bands and RULA bands, forward-head exposure, and the
//! baseline comparison with each measure's minimal detectable change (MDC).

use std::collections::BTreeMap;

use crate::posture::{Baseline, MetricStats, PostureEvent, PostureSample, PostureState, View};

use super::aggregate::{METRIC_NAMES, SecondRow, metric_values};
use super::rows::{EventRow, StoredBaseline};

/// CVA context bands (MEASUREMENT.md §3), degrees, as `(label, lower bound, upper bound)`.
///
/// Context, not diagnosis: 45.5 is the severity cut-off of Heidary 2024; the neck-pain group of
/// Lau 2009 sat at 43.9 ± 3.6 and the healthy group at 50.6 ± 2.1 (lower edge 48.5).
pub const CVA_BANDS: [(&str, f64, f64); 3] = [
    (
        "below 45.5° (severity cut-off, Heidary 2024; neck-pain group 43.9 ± 3.6°, Lau 2009)",
        f64::NEG_INFINITY,
        45.5,
    ),
    (
        "45.5-48.5° (between the neck-pain and healthy group ranges)",
        45.5,
        48.5,
    ),
    (
        "48.5° and above (healthy-group range 50.6 ± 2.1°, Lau 2009)",
        48.5,
        f64::INFINITY,
    ),
];

/// Minimal detectable change of photogrammetric CVA, degrees (Gallego-Izquierdo 2020: intra-rater
/// 4.96°, inter-rater 5.52°).
pub const CVA_MDC_DEG: f64 = 5.0;

/// Factor from a standard deviation to an MDC95: 1.96 × √2.
pub const MDC95_FACTOR: f64 = 2.77;

/// Smallest MDC used for a metric without a published one, in the metric's unit, so a very
/// steady baseline does not call every jitter a change.
pub const MDC_FLOOR: f64 = 1.0;

/// Running mean and spread (Welford), turned into [`MetricStats`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Welford {
    n: u32,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// Adds a value; non-finite values are ignored.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.n += 1;
        let delta = value - self.mean;
        self.mean += delta / f64::from(self.n);
        self.m2 += delta * (value - self.mean);
    }

    /// The statistics so far (`None` before the first value); sd is the n-1 form, 0 when n < 2.
    pub fn stats(&self) -> Option<MetricStats> {
        (self.n > 0).then(|| MetricStats {
            mean: self.mean,
            sd: if self.n < 2 {
                0.0
            } else {
                (self.m2 / f64::from(self.n - 1)).sqrt()
            },
            n: self.n,
        })
    }
}

/// A baseline from per-frame samples: statistics of every metric with a valid value, and the
/// most frequent view.
pub fn baseline_from_samples(samples: &[PostureSample]) -> Baseline {
    let mut accums = [Welford::default(); METRIC_NAMES.len()];
    let mut views: Vec<(View, u32)> = Vec::new();
    for sample in samples {
        for (accum, value) in accums.iter_mut().zip(metric_values(&sample.metrics)) {
            if let Some(value) = value {
                accum.add(value);
            }
        }
        match views.iter_mut().find(|(view, _)| *view == sample.view) {
            Some((_, count)) => *count += 1,
            None => views.push((sample.view, 1)),
        }
    }
    let view = views
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map_or(View::Unknown, |(view, _)| *view);
    let metrics = METRIC_NAMES
        .iter()
        .zip(accums)
        .filter_map(|(name, accum)| accum.stats().map(|stats| ((*name).to_owned(), stats)))
        .collect();
    Baseline { view, metrics }
}

/// Share of time (seconds with a value) in each band.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BandShares {
    /// Seconds counted.
    pub seconds: u64,
    /// Fraction per band, summing to 1 when `seconds > 0`.
    pub fractions: Vec<f64>,
}

/// What a session's per-second rows say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionSummary {
    /// Length from the first to the last stored second, seconds.
    pub duration_s: f64,
    /// Seconds in which a person was present (state not `away`).
    pub present_s: f64,
    /// Statistics of the per-second means, per metric name.
    pub metrics: BTreeMap<&'static str, MetricStats>,
    /// Time in the [`CVA_BANDS`].
    pub cva_bands: BandShares,
    /// Time per RULA neck score 1-4.
    pub rula_neck: BandShares,
    /// Time per RULA trunk score 1-4.
    pub rula_trunk: BandShares,
    /// Mean neck flexion (degrees) in the seconds of each RULA neck score, to show next to it.
    pub neck_flexion_by_score: [Option<f64>; 4],
    /// Mean trunk inclination (degrees) in the seconds of each RULA trunk score.
    pub trunk_inclination_by_score: [Option<f64>; 4],
    /// Minutes per hour present in which the per-frame forward-head condition held.
    pub forward_head_condition_min_per_h: Option<f64>,
    /// Minutes per hour present spent in the sustained forward-head state (after the onset
    /// delay), the exposure measure of MEASUREMENT.md §7.
    pub forward_head_state_min_per_h: Option<f64>,
    /// Number of alerts.
    pub alerts: u32,
    /// Seconds per view.
    pub view_seconds: BTreeMap<&'static str, u64>,
}

/// Summarises a session.
pub fn summarise(rows: &[SecondRow], events: &[EventRow]) -> SessionSummary {
    let mut summary = SessionSummary::default();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return summary;
    };
    summary.duration_s = (last.t_s - first.t_s + 1).max(0) as f64;
    let mut accums = [Welford::default(); METRIC_NAMES.len()];
    let mut cva_counts = [0_u64; CVA_BANDS.len()];
    let mut neck_counts = [0_u64; 4];
    let mut trunk_counts = [0_u64; 4];
    let mut neck_angle = [Welford::default(); 4];
    let mut trunk_angle = [Welford::default(); 4];
    let (mut condition_s, mut state_s) = (0.0, 0.0);
    for row in rows {
        *summary
            .view_seconds
            .entry(super::rows::view_name(row.view))
            .or_default() += 1;
        if row.state != PostureState::Away {
            summary.present_s += 1.0;
            condition_s += row.forward_head_fraction.unwrap_or(0.0);
            if row.state == PostureState::ForwardHead {
                state_s += 1.0;
            }
        }
        for (accum, metric) in accums.iter_mut().zip(&row.metrics) {
            if let Some(mean) = metric.mean {
                accum.add(mean);
            }
        }
        if let Some(band) = row.metrics[0].mean.and_then(|cva| {
            CVA_BANDS
                .iter()
                .position(|(_, lo, hi)| cva >= *lo && cva < *hi)
        }) {
            cva_counts[band] += 1;
        }
        if let Some(score) = row.rula_neck.filter(|s| (1..=4).contains(s)) {
            neck_counts[usize::from(score - 1)] += 1;
            if let Some(angle) = row.metrics[1].mean {
                neck_angle[usize::from(score - 1)].add(angle);
            }
        }
        if let Some(score) = row.rula_trunk.filter(|s| (1..=4).contains(s)) {
            trunk_counts[usize::from(score - 1)] += 1;
            if let Some(angle) = row.metrics[2].mean {
                trunk_angle[usize::from(score - 1)].add(angle);
            }
        }
    }
    for (name, accum) in METRIC_NAMES.iter().zip(accums) {
        if let Some(stats) = accum.stats() {
            summary.metrics.insert(name, stats);
        }
    }
    summary.cva_bands = shares(&cva_counts);
    summary.rula_neck = shares(&neck_counts);
    summary.rula_trunk = shares(&trunk_counts);
    summary.neck_flexion_by_score = neck_angle.map(|w| w.stats().map(|s| s.mean));
    summary.trunk_inclination_by_score = trunk_angle.map(|w| w.stats().map(|s| s.mean));
    if summary.present_s > 0.0 {
        let per_hour = 3600.0 / summary.present_s;
        summary.forward_head_condition_min_per_h = Some(condition_s / 60.0 * per_hour);
        summary.forward_head_state_min_per_h = Some(state_s / 60.0 * per_hour);
    }
    summary.alerts = events
        .iter()
        .filter(|row| matches!(row.event, PostureEvent::Alert { .. }))
        .count() as u32;
    summary
}

fn shares(counts: &[u64]) -> BandShares {
    let seconds: u64 = counts.iter().sum();
    BandShares {
        seconds,
        fractions: counts
            .iter()
            .map(|count| {
                if seconds == 0 {
                    0.0
                } else {
                    *count as f64 / seconds as f64
                }
            })
            .collect(),
    }
}

/// The MDC used for a metric, with where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Mdc {
    /// The change, in the metric's unit, that exceeds measurement error.
    pub value: f64,
    /// Where the value comes from, in words.
    pub basis: String,
}

/// The MDC for `metric` given its baseline spread.
pub fn mdc_for(metric: &str, baseline: &MetricStats) -> Mdc {
    if metric == "cva_deg" {
        return Mdc {
            value: CVA_MDC_DEG,
            basis: "published MDC of photogrammetric CVA (Gallego-Izquierdo 2020: 4.96° \
                    intra-rater, 5.52° inter-rater)"
                .into(),
        };
    }
    let from_spread = MDC95_FACTOR * baseline.sd;
    Mdc {
        value: from_spread.max(MDC_FLOOR),
        basis: format!(
            "no published MDC for this camera measure: 2.77 × baseline SD ({:.2}), at least {MDC_FLOOR}",
            baseline.sd
        ),
    }
}

/// One metric of a baseline compared with a follow-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The metric's name.
    pub metric: String,
    /// The baseline statistics.
    pub baseline: MetricStats,
    /// The follow-up statistics.
    pub follow_up: MetricStats,
    /// Follow-up mean minus baseline mean.
    pub change: f64,
    /// The MDC applied.
    pub mdc: Mdc,
    /// Whether |change| exceeds the MDC.
    pub exceeds_mdc: bool,
}

/// Compares every metric present in both the baseline and the follow-up.
pub fn compare(
    baseline: &StoredBaseline,
    follow_up: &BTreeMap<&'static str, MetricStats>,
) -> Vec<Comparison> {
    baseline
        .metrics
        .iter()
        .filter_map(|(metric, base)| {
            let follow = follow_up.get(metric.as_str())?;
            let change = follow.mean - base.mean;
            let mdc = mdc_for(metric, base);
            Some(Comparison {
                metric: metric.clone(),
                baseline: *base,
                follow_up: *follow,
                change,
                exceeds_mdc: change.abs() > mdc.value,
                mdc,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::Metrics;
    use crate::store::aggregate::aggregate_all;

    #[test]
    fn welford_matches_two_pass_formula() {
        let mut welford = Welford::default();
        for value in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, f64::NAN] {
            welford.add(value);
        }
        let stats = welford.stats().expect("values");
        assert_eq!(stats.n, 8);
        assert!((stats.mean - 5.0).abs() < 1e-12);
        assert!((stats.sd - (32.0_f64 / 7.0).sqrt()).abs() < 1e-12);
    }

    fn second(t_s: u32, cva: f64, state: PostureState, neck: u8) -> Vec<PostureSample> {
        (0..10)
            .map(|i| PostureSample {
                t_ms: f64::from(t_s) * 1000.0 + f64::from(i) * 100.0,
                view: View::SideLeft,
                metrics: Metrics {
                    cva_deg: Some(cva),
                    neck_flexion_deg: Some(f64::from(neck) * 8.0),
                    ..Metrics::default()
                },
                forward_head: Some(cva < 45.0),
                rula_neck: Some(neck),
                state,
                ..PostureSample::default()
            })
            .collect()
    }

    #[test]
    fn summary_counts_bands_rula_and_exposure() {
        let mut samples = Vec::new();
        samples.extend(second(0, 44.0, PostureState::ForwardHead, 3));
        samples.extend(second(1, 47.0, PostureState::Upright, 2));
        samples.extend(second(2, 50.0, PostureState::Upright, 1));
        samples.extend(second(3, 50.0, PostureState::Away, 1));
        let summary = summarise(&aggregate_all(&samples), &[]);
        assert!((summary.duration_s - 4.0).abs() < 1e-12);
        assert!((summary.present_s - 3.0).abs() < 1e-12);
        assert_eq!(summary.cva_bands.fractions, [0.25, 0.25, 0.5]);
        assert_eq!(summary.rula_neck.fractions, [0.5, 0.25, 0.25, 0.0]);
        assert_eq!(summary.neck_flexion_by_score[2], Some(24.0));
        // One of three present seconds in the state: 20 min per hour.
        let state = summary.forward_head_state_min_per_h.expect("present");
        assert!((state - 20.0).abs() < 1e-9);
        assert!((summary.metrics["cva_deg"].mean - 47.75).abs() < 1e-12);
    }

    #[test]
    fn comparison_uses_published_cva_mdc_and_spread_for_others() {
        let baseline = StoredBaseline {
            subject: "P1".into(),
            session: None,
            recorded_at: String::new(),
            view: View::SideLeft,
            metrics: [
                (
                    "cva_deg".to_owned(),
                    MetricStats {
                        mean: 50.0,
                        sd: 1.0,
                        n: 300,
                    },
                ),
                (
                    "hip_angle_deg".to_owned(),
                    MetricStats {
                        mean: 100.0,
                        sd: 2.0,
                        n: 300,
                    },
                ),
            ]
            .into(),
        };
        let follow: BTreeMap<&'static str, MetricStats> = [
            (
                "cva_deg",
                MetricStats {
                    mean: 44.0,
                    sd: 2.0,
                    n: 60,
                },
            ),
            (
                "hip_angle_deg",
                MetricStats {
                    mean: 105.0,
                    sd: 2.0,
                    n: 60,
                },
            ),
        ]
        .into();
        let rows = compare(&baseline, &follow);
        assert_eq!(rows.len(), 2);
        let cva = rows
            .iter()
            .find(|row| row.metric == "cva_deg")
            .expect("cva");
        assert!((cva.change + 6.0).abs() < 1e-12);
        assert!((cva.mdc.value - 5.0).abs() < 1e-12);
        assert!(cva.exceeds_mdc);
        let hip = rows
            .iter()
            .find(|row| row.metric == "hip_angle_deg")
            .expect("hip");
        assert!((hip.mdc.value - 5.54).abs() < 1e-9);
        assert!(!hip.exceeds_mdc);
    }
}
