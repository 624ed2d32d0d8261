//! Summaries of stored sessions that the report, `compare` and `baseline` share: per-metric
//! statistics, time in the CVA context bands and RULA bands, forward-head exposure, and the
//! baseline comparison with each measure's minimal detectable change (MDC).

use std::collections::BTreeMap;

use crate::posture::{
    Baseline, Call, Metric, MetricStats, PostureEvent, PostureState, RunningStats, Trend, View,
};

use crate::store::{EventRow, SecondRow};

/// The CVA severity cut-off of Heidary 2024, degrees (clinical context, not plumbline's rule).
pub const CVA_CUTOFF_DEG: f64 = 45.5;
/// CVA of the neck-pain group of Lau 2009, mean and SD, degrees (context).
pub const CVA_NECK_PAIN_GROUP: (f64, f64) = (43.9, 3.6);
/// CVA of the healthy group of Lau 2009, mean and SD, degrees (context).
pub const CVA_HEALTHY_GROUP: (f64, f64) = (50.6, 2.1);

/// CVA context bands (`docs/MEASUREMENT.md` §3), degrees, as `(label, lower bound, upper bound)`.
///
/// Context, not diagnosis: 45.5 is the severity cut-off of Heidary 2024; the neck-pain group of
/// Lau 2009 sat at 43.9 ± 3.6 and the healthy group at 50.6 ± 2.1 (lower edge 48.5).
pub const CVA_BANDS: [(&str, f64, f64); 3] = [
    (
        "below 45.5° (severity cut-off, Heidary 2024; neck-pain group 43.9 ± 3.6°, Lau 2009)",
        f64::NEG_INFINITY,
        CVA_CUTOFF_DEG,
    ),
    (
        "45.5-48.5° (between the neck-pain and healthy group ranges)",
        CVA_CUTOFF_DEG,
        CVA_HEALTHY_GROUP.0 - CVA_HEALTHY_GROUP.1,
    ),
    (
        "48.5° and above (healthy-group range 50.6 ± 2.1°, Lau 2009)",
        CVA_HEALTHY_GROUP.0 - CVA_HEALTHY_GROUP.1,
        f64::INFINITY,
    ),
];

/// Factor from a standard deviation to an MDC95: 1.96 × √2.
pub const MDC95_FACTOR: f64 = 2.77;

/// Smallest MDC used for a metric without a published one, in the metric's unit, so a very
/// steady baseline does not call every jitter a change.
pub const MDC_FLOOR: f64 = 1.0;

/// Shortest time present for which per-hour rates are given: a shorter recording reports
/// minutes and shares of the time present, because scaling it to an hour would extrapolate
/// (a 30-second clip is not an hour of work).
pub const MIN_RATE_PERIOD_S: f64 = 600.0;

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
    /// Seconds in which a person was present (state neither `no_person` nor `away`:
    /// [`PostureState::is_present`]).
    pub present_s: f64,
    /// Statistics of the per-second means, per metric.
    pub metrics: BTreeMap<Metric, MetricStats>,
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
    /// Seconds present in which the per-frame forward-head condition held (moments
    /// included).
    pub forward_head_condition_s: f64,
    /// Seconds present in the sustained forward-head state (after the onset delay): the
    /// forward-head figure as judged, the exposure measure of `docs/MEASUREMENT.md` §8.
    pub forward_head_state_s: f64,
    /// Number of alerts.
    pub alerts: u32,
    /// Seconds per view.
    pub view_seconds: BTreeMap<View, u64>,
    /// Mean ± of the CVA over the seconds that have one (one SD of the estimate's error on
    /// people the model never saw, degrees); `None` without a side-view CVA and for sessions
    /// stored before schema version 4.
    pub cva_sd_deg: Option<f64>,
    /// Seconds per forward-head call (each second's most frequent call).
    pub call_seconds: BTreeMap<Call, u64>,
    /// Seconds per posture state (each second's most frequent state), every state seen.
    pub state_seconds: BTreeMap<PostureState, u64>,
}

impl SessionSummary {
    /// `seconds` as a share of the time present; `None` when nobody was present.
    pub fn share_of_present(&self, seconds: f64) -> Option<f64> {
        (self.present_s > 0.0).then(|| seconds / self.present_s)
    }

    /// The share of the time present spent in each present state, in the judge's order
    /// ([`PostureState::ALL`]), with its seconds; states never seen are left out, so the
    /// shares sum to 1 (empty when nobody was present).
    pub fn present_state_shares(&self) -> Vec<(PostureState, f64, u64)> {
        if self.present_s <= 0.0 {
            return Vec::new();
        }
        PostureState::ALL
            .into_iter()
            .filter(|state| state.is_present())
            .filter_map(|state| {
                let seconds = self.state_seconds.get(&state).copied().filter(|s| *s > 0)?;
                Some((state, seconds as f64 / self.present_s, seconds))
            })
            .collect()
    }

    /// `seconds` as minutes per hour present, only when the person was present for at least
    /// [`MIN_RATE_PERIOD_S`].
    pub fn minutes_per_hour(&self, seconds: f64) -> Option<f64> {
        (self.present_s >= MIN_RATE_PERIOD_S).then(|| seconds / 60.0 * 3600.0 / self.present_s)
    }
}

/// Summarises a session.
pub fn summarise(rows: &[SecondRow], events: &[EventRow]) -> SessionSummary {
    let mut summary = SessionSummary::default();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return summary;
    };
    summary.duration_s = (last.t_s - first.t_s + 1).max(0) as f64;
    let mut accums = [RunningStats::default(); Metric::COUNT];
    let mut cva_counts = [0_u64; CVA_BANDS.len()];
    let mut neck_counts = [0_u64; 4];
    let mut trunk_counts = [0_u64; 4];
    let mut neck_angle = [RunningStats::default(); 4];
    let mut trunk_angle = [RunningStats::default(); 4];
    let (mut condition_s, mut state_s) = (0.0, 0.0);
    let mut cva_sd = RunningStats::default();
    for row in rows {
        *summary.view_seconds.entry(row.view).or_default() += 1;
        *summary.state_seconds.entry(row.state).or_default() += 1;
        if let Some(sd) = row.cva_sd_deg {
            cva_sd.add(sd);
        }
        if let Some(call) = row.call {
            *summary.call_seconds.entry(call).or_default() += 1;
        }
        if row.state.is_present() {
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
        if let Some(band) = row.metric(Metric::Cva).mean.and_then(|cva| {
            CVA_BANDS
                .iter()
                .position(|(_, lo, hi)| cva >= *lo && cva < *hi)
        }) {
            cva_counts[band] += 1;
        }
        if let Some(score) = row.rula_neck.filter(|s| (1..=4).contains(s)) {
            neck_counts[usize::from(score - 1)] += 1;
            if let Some(angle) = row.metric(Metric::NeckFlexion).mean {
                neck_angle[usize::from(score - 1)].add(angle);
            }
        }
        if let Some(score) = row.rula_trunk.filter(|s| (1..=4).contains(s)) {
            trunk_counts[usize::from(score - 1)] += 1;
            if let Some(angle) = row.metric(Metric::TrunkInclination).mean {
                trunk_angle[usize::from(score - 1)].add(angle);
            }
        }
    }
    for (metric, accum) in Metric::ALL.into_iter().zip(accums) {
        if let Some(stats) = accum.stats() {
            summary.metrics.insert(metric, stats);
        }
    }
    summary.cva_bands = shares(&cva_counts);
    summary.rula_neck = shares(&neck_counts);
    summary.rula_trunk = shares(&trunk_counts);
    summary.neck_flexion_by_score = neck_angle.map(|w| w.stats().map(|s| s.mean));
    summary.trunk_inclination_by_score = trunk_angle.map(|w| w.stats().map(|s| s.mean));
    summary.forward_head_condition_s = condition_s;
    summary.cva_sd_deg = cva_sd.stats().map(|stats| stats.mean);
    summary.forward_head_state_s = state_s;
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

/// The MDC for `metric` given its baseline spread: the published one when there is one.
pub fn mdc_for(metric: Metric, baseline: &MetricStats) -> Mdc {
    if let Some(published) = metric.published_mdc() {
        return Mdc {
            value: published.value,
            basis: published.source.into(),
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
    /// The metric.
    pub metric: Metric,
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

impl Comparison {
    /// Whether the follow-up is better or worse than the baseline, by the metric's direction
    /// (`None` while the change is within the MDC).
    pub fn trend(&self) -> Option<Trend> {
        self.exceeds_mdc.then(|| {
            self.metric
                .direction()
                .trend(self.baseline.mean, self.follow_up.mean)
        })
    }
}

/// Compares every metric present in both the baseline and the follow-up, in
/// [`Metric::ALL`] order.
pub fn compare(baseline: &Baseline, follow_up: &BTreeMap<Metric, MetricStats>) -> Vec<Comparison> {
    baseline
        .metrics
        .iter()
        .filter_map(|(metric, base)| {
            let follow = follow_up.get(metric)?;
            let change = follow.mean - base.mean;
            let mdc = mdc_for(*metric, base);
            Some(Comparison {
                metric: *metric,
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
    use crate::posture::{Metrics, PostureSample};
    use crate::store::aggregate::aggregate_all;

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
        // One of three present seconds in the state: a third of the time present, and no
        // rate per hour from three seconds.
        assert!((summary.forward_head_state_s - 1.0).abs() < 1e-12);
        let share = summary.share_of_present(summary.forward_head_state_s);
        assert!((share.expect("present") - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(summary.minutes_per_hour(summary.forward_head_state_s), None);
        let long = SessionSummary {
            present_s: 1200.0,
            ..SessionSummary::default()
        };
        assert_eq!(long.minutes_per_hour(300.0), Some(15.0));
        assert!((summary.metrics[&Metric::Cva].mean - 47.75).abs() < 1e-12);
        assert_eq!(summary.view_seconds[&View::SideLeft], 4);
        // Shares of the time present per state, in the judge's order; away is not present.
        assert_eq!(
            summary.present_state_shares(),
            [
                (PostureState::Upright, 2.0 / 3.0, 2),
                (PostureState::ForwardHead, 1.0 / 3.0, 1)
            ]
        );
        assert!(SessionSummary::default().present_state_shares().is_empty());
    }

    /// Seconds whose frames had nobody in them (`no_person`, as the judge marks them: no
    /// metric, no call) count neither as time present nor as time in any posture.
    #[test]
    fn seconds_without_a_person_are_not_time_in_posture() {
        let mut samples = Vec::new();
        samples.extend(second(0, 50.0, PostureState::Upright, 1));
        samples.extend(second(1, 30.0, PostureState::ForwardHead, 3));
        samples.extend((0..5).map(|i| PostureSample {
            t_ms: 2000.0 + f64::from(i) * 100.0,
            state: PostureState::NoPerson,
            ..PostureSample::default()
        }));
        samples.extend(second(3, 50.0, PostureState::Upright, 1));
        let rows = aggregate_all(&samples);
        assert_eq!(rows[2].state, PostureState::NoPerson);
        let summary = summarise(&rows, &[]);
        assert!((summary.duration_s - 4.0).abs() < 1e-12);
        assert!((summary.present_s - 3.0).abs() < 1e-12);
        assert!((summary.forward_head_state_s - 1.0).abs() < 1e-12);
        let share = summary.share_of_present(summary.forward_head_state_s);
        assert!((share.expect("present") - 1.0 / 3.0).abs() < 1e-12);
        assert!((summary.cva_bands.fractions.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((summary.metrics[&Metric::Cva].mean - 130.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn comparison_uses_published_cva_mdc_and_spread_for_others() {
        let baseline = Baseline {
            view: View::SideLeft,
            metrics: [
                (
                    Metric::Cva,
                    MetricStats {
                        mean: 50.0,
                        sd: 1.0,
                        n: 300,
                    },
                ),
                (
                    Metric::HipAngle,
                    MetricStats {
                        mean: 100.0,
                        sd: 2.0,
                        n: 300,
                    },
                ),
            ]
            .into(),
            front: BTreeMap::new(),
            setup: BTreeMap::new(),
            photo_cva_sd_deg: None,
        };
        let follow: BTreeMap<Metric, MetricStats> = [
            (
                Metric::Cva,
                MetricStats {
                    mean: 44.0,
                    sd: 2.0,
                    n: 60,
                },
            ),
            (
                Metric::HipAngle,
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
            .find(|row| row.metric == Metric::Cva)
            .expect("cva");
        assert!((cva.change + 6.0).abs() < 1e-12);
        assert!((cva.mdc.value - 5.0).abs() < 1e-12);
        assert!(cva.exceeds_mdc);
        assert_eq!(cva.trend(), Some(Trend::Worse));
        let hip = rows
            .iter()
            .find(|row| row.metric == Metric::HipAngle)
            .expect("hip");
        assert!((hip.mdc.value - 5.54).abs() < 1e-9);
        assert!(!hip.exceeds_mdc);
        assert_eq!(hip.trend(), None);
    }
}
