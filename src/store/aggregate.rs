//! Turns the per-frame stream of [`PostureSample`]s into one [`SecondRow`] per second of source
//! time: mean, minimum, maximum and valid fraction of each metric, with the dominant view, state
//! and RULA scores. One row per second keeps an eight-hour day near 30 000 rows.

use crate::posture::{Call, Metric, PostureSample, PostureState, View};

/// One metric over one second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricSecond {
    /// Mean of the valid values (`None` when there was none).
    pub mean: Option<f64>,
    /// Smallest valid value.
    pub min: Option<f64>,
    /// Largest valid value.
    pub max: Option<f64>,
    /// Fraction of the second's frames with a valid value, 0-1.
    pub valid: f64,
}

/// The aggregate of one second of source time.
#[derive(Clone, Debug, PartialEq)]
pub struct SecondRow {
    /// Second of source time (`floor(t_ms / 1000)`).
    pub t_s: i64,
    /// Number of analyzed frames in this second.
    pub frames: u32,
    /// The most frequent view.
    pub view: View,
    /// The most frequent state of the persistence machine.
    pub state: PostureState,
    /// Fraction of the judged frames in which the forward-head condition held.
    pub forward_head_fraction: Option<f64>,
    /// The most frequent RULA neck score.
    pub rula_neck: Option<u8>,
    /// The most frequent RULA trunk score.
    pub rula_trunk: Option<u8>,
    /// Mean landmark confidence, 0-1.
    pub confidence_mean: f64,
    /// Per-metric aggregates in [`Metric::ALL`] order.
    pub metrics: [MetricSecond; Metric::COUNT],
    /// Mean ± of the second's CVAs (one SD of the estimate's error on people the model never
    /// saw, `PostureSample::cva_sd_deg`), degrees; `None` without a side-view CVA (and in
    /// seconds stored before schema version 4).
    pub cva_sd_deg: Option<f64>,
    /// The most frequent forward-head call of the second's frames (`None` when no frame had
    /// one, and in seconds stored before schema version 4).
    pub call: Option<Call>,
}

impl SecondRow {
    /// The aggregate of `metric`.
    pub fn metric(&self, metric: Metric) -> &MetricSecond {
        &self.metrics[metric.index()]
    }
}

/// Counts occurrences and answers the most frequent value (ties: the first seen).
#[derive(Clone, Debug)]
struct Tally<T> {
    counts: Vec<(T, u32)>,
}

impl<T> Default for Tally<T> {
    fn default() -> Self {
        Self { counts: Vec::new() }
    }
}

impl<T: Copy + PartialEq> Tally<T> {
    fn add(&mut self, value: T) {
        match self.counts.iter_mut().find(|(known, _)| *known == value) {
            Some((_, count)) => *count += 1,
            None => self.counts.push((value, 1)),
        }
    }

    fn mode(&self) -> Option<T> {
        let mut best: Option<(T, u32)> = None;
        for &(value, count) in &self.counts {
            if best.is_none_or(|(_, best_count)| count > best_count) {
                best = Some((value, count));
            }
        }
        best.map(|(value, _)| value)
    }
}

#[derive(Clone, Copy, Debug)]
struct MetricAccum {
    sum: f64,
    min: f64,
    max: f64,
    n: u32,
}

impl Default for MetricAccum {
    fn default() -> Self {
        Self {
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            n: 0,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Accum {
    t_s: i64,
    frames: u32,
    views: Tally<View>,
    states: Tally<PostureState>,
    forward_head_true: u32,
    forward_head_judged: u32,
    rula_neck: Tally<u8>,
    rula_trunk: Tally<u8>,
    confidence_sum: f64,
    metrics: [MetricAccum; Metric::COUNT],
    cva_sd: MetricAccum,
    calls: Tally<Call>,
}

impl Accum {
    fn add(&mut self, sample: &PostureSample) {
        self.frames += 1;
        self.views.add(sample.view);
        self.states.add(sample.state);
        if let Some(forward) = sample.forward_head {
            self.forward_head_judged += 1;
            self.forward_head_true += u32::from(forward);
        }
        if let Some(score) = sample.rula_neck {
            self.rula_neck.add(score);
        }
        if let Some(score) = sample.rula_trunk {
            self.rula_trunk.add(score);
        }
        if sample.confidence.is_finite() {
            self.confidence_sum += f64::from(sample.confidence.clamp(0.0, 1.0));
        }
        if let Some(sd) = sample.cva_sd_deg.filter(|sd| sd.is_finite()) {
            self.cva_sd.sum += sd;
            self.cva_sd.n += 1;
        }
        if let Some(call) = sample.call {
            self.calls.add(call);
        }
        for (metric, value) in sample.metrics.values() {
            let accum = &mut self.metrics[metric.index()];
            // Non-finite values are treated as invalid, so no NaN reaches the database.
            if let Some(value) = value.filter(|value| value.is_finite()) {
                accum.sum += value;
                accum.min = accum.min.min(value);
                accum.max = accum.max.max(value);
                accum.n += 1;
            }
        }
    }

    fn row(&self) -> SecondRow {
        let frames = f64::from(self.frames.max(1));
        let metrics = self.metrics.map(|accum| {
            let valid = accum.n > 0;
            MetricSecond {
                mean: valid.then(|| accum.sum / f64::from(accum.n)),
                min: valid.then_some(accum.min),
                max: valid.then_some(accum.max),
                valid: f64::from(accum.n) / frames,
            }
        });
        SecondRow {
            t_s: self.t_s,
            frames: self.frames,
            view: self.views.mode().unwrap_or_default(),
            state: self.states.mode().unwrap_or_default(),
            forward_head_fraction: (self.forward_head_judged > 0)
                .then(|| f64::from(self.forward_head_true) / f64::from(self.forward_head_judged)),
            rula_neck: self.rula_neck.mode(),
            rula_trunk: self.rula_trunk.mode(),
            confidence_mean: self.confidence_sum / frames,
            metrics,
            cva_sd_deg: (self.cva_sd.n > 0).then(|| self.cva_sd.sum / f64::from(self.cva_sd.n)),
            call: self.calls.mode(),
        }
    }
}

/// Folds per-frame samples into per-second rows.
///
/// Samples are expected in source-time order; a sample from another second closes the current
/// row. When time jumps backwards (a restarted source), the seconds continue after the last one
/// instead, so no stored second is ever overwritten by later frames.
#[derive(Clone, Debug, Default)]
pub struct Aggregator {
    current: Option<Accum>,
    /// Seconds added to the source time after it went backwards.
    offset_s: i64,
}

impl Aggregator {
    /// A new aggregator with no open second.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample; returns the completed row of the previous second when this sample
    /// starts a new one.
    pub fn push(&mut self, sample: &PostureSample) -> Option<SecondRow> {
        let open = self.current.as_ref().map(|accum| accum.t_s);
        let mut t_s = second_of(sample.t_ms, open) + self.offset_s;
        if let Some(open) = open.filter(|open| t_s < *open) {
            tracing::warn!(
                "source time went back by {} s; continuing after it",
                open - t_s
            );
            self.offset_s += open + 1 - t_s;
            t_s = open + 1;
        }
        let completed = match &self.current {
            Some(accum) if accum.t_s != t_s => self.current.take().map(|accum| accum.row()),
            _ => None,
        };
        self.current
            .get_or_insert_with(|| Accum {
                t_s,
                ..Accum::default()
            })
            .add(sample);
        completed
    }

    /// The row of the second still open, as it stands now (for crash-safe partial writes).
    pub fn partial(&self) -> Option<SecondRow> {
        self.current.as_ref().map(Accum::row)
    }

    /// Closes the open second and returns its row. Later samples start a new second (after
    /// the last one when their time is earlier).
    pub fn finish(&mut self) -> Option<SecondRow> {
        self.current.take().map(|accum| accum.row())
    }
}

/// The second of a source time; a non-finite time stays in the open second (or second 0).
fn second_of(t_ms: f64, open: Option<i64>) -> i64 {
    if t_ms.is_finite() {
        (t_ms / 1000.0).floor() as i64
    } else {
        open.unwrap_or(0)
    }
}

/// Aggregates a whole slice of samples (tests, analysis of a finished recording).
pub fn aggregate_all(samples: &[PostureSample]) -> Vec<SecondRow> {
    let mut aggregator = Aggregator::new();
    let mut rows: Vec<SecondRow> = samples
        .iter()
        .filter_map(|sample| aggregator.push(sample))
        .collect();
    rows.extend(aggregator.finish());
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::Metrics;

    fn sample(t_ms: f64, cva: Option<f64>, state: PostureState) -> PostureSample {
        PostureSample {
            t_ms,
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: cva,
                ..Metrics::default()
            },
            forward_head: cva.map(|cva| cva < 45.0),
            rula_neck: Some(2),
            state,
            confidence: 0.8,
            ..PostureSample::default()
        }
    }

    #[test]
    fn one_row_per_second_with_mean_min_max_and_valid_fraction() {
        let samples = [
            sample(0.0, Some(40.0), PostureState::Upright),
            sample(300.0, Some(50.0), PostureState::AtRisk),
            sample(600.0, None, PostureState::AtRisk),
            sample(900.0, Some(45.0), PostureState::AtRisk),
            sample(1000.0, Some(60.0), PostureState::Upright),
        ];
        let rows = aggregate_all(&samples);
        assert_eq!(rows.len(), 2);
        let first = &rows[0];
        assert_eq!(first.t_s, 0);
        assert_eq!(first.frames, 4);
        let cva = first.metric(Metric::Cva);
        assert_eq!(cva.mean, Some(45.0));
        assert_eq!(cva.min, Some(40.0));
        assert_eq!(cva.max, Some(50.0));
        assert!((cva.valid - 0.75).abs() < 1e-12);
        assert_eq!(first.state, PostureState::AtRisk);
        // 40 is forward (true), 50 and 45 are not: one of three judged frames.
        assert!((first.forward_head_fraction.expect("judged") - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(first.rula_neck, Some(2));
        assert_eq!(rows[1].t_s, 1);
        assert_eq!(rows[1].metric(Metric::HipAngle).mean, None);
    }

    #[test]
    fn a_second_keeps_the_mean_plus_minus_and_its_most_frequent_call() {
        let with = |t_ms: f64, sd: Option<f64>, call: Option<Call>| PostureSample {
            cva_sd_deg: sd,
            call,
            ..sample(t_ms, Some(40.0), PostureState::Upright)
        };
        let rows = aggregate_all(&[
            with(0.0, Some(4.0), Some(Call::Forward)),
            with(250.0, Some(6.0), Some(Call::Uncertain)),
            with(500.0, None, Some(Call::Uncertain)),
            with(750.0, Some(f64::NAN), None),
            with(1000.0, None, None),
        ]);
        assert_eq!(rows[0].cva_sd_deg, Some(5.0));
        assert_eq!(rows[0].call, Some(Call::Uncertain));
        assert_eq!(rows[1].cva_sd_deg, None);
        assert_eq!(rows[1].call, None);
    }

    #[test]
    fn partial_row_reflects_open_second_and_non_finite_values_are_dropped() {
        let mut aggregator = Aggregator::new();
        assert!(aggregator.partial().is_none());
        assert!(
            aggregator
                .push(&sample(5000.0, Some(f64::NAN), PostureState::Away))
                .is_none()
        );
        let partial = aggregator.partial().expect("open second");
        assert_eq!(partial.t_s, 5);
        assert_eq!(partial.metrics[0].mean, None);
        assert!(partial.metrics[0].valid.abs() < 1e-12);
        assert!(aggregator.finish().is_some());
        assert!(aggregator.partial().is_none());
    }

    #[test]
    fn time_going_backwards_continues_after_the_last_second() {
        let rows = aggregate_all(&[
            sample(2500.0, Some(50.0), PostureState::Upright),
            sample(100.0, Some(50.0), PostureState::Upright),
            sample(1100.0, Some(50.0), PostureState::Upright),
        ]);
        assert_eq!(
            rows.iter().map(|row| row.t_s).collect::<Vec<_>>(),
            [2, 3, 4]
        );
    }
}
