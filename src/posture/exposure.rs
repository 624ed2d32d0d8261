//! Exposure accounting: minutes of forward head per hour of observed time, next to the alert
//! count. Time is the frames' source time; only time with a person present and a judgeable
//! view counts as observed.

use serde::Serialize;

use super::PostureState;

const MS_PER_HOUR: f64 = 3_600_000.0;

/// Forward-head exposure over one clock hour of source time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct HourExposure {
    /// Hour index since source time 0.
    pub hour: u32,
    /// Observed (judgeable) time, milliseconds.
    pub observed_ms: f64,
    /// Time the forward-head condition held, milliseconds.
    pub forward_head_ms: f64,
    /// Time spent in the sustained `forward_head` state, milliseconds.
    pub sustained_ms: f64,
    /// Alerts raised in this hour.
    pub alerts: u32,
}

impl HourExposure {
    /// Forward-head minutes per observed hour (0 when nothing was observed).
    pub fn minutes_per_hour(&self) -> f64 {
        per_hour(self.forward_head_ms, self.observed_ms)
    }
}

fn per_hour(part_ms: f64, observed_ms: f64) -> f64 {
    if observed_ms > 0.0 {
        60.0 * part_ms / observed_ms
    } else {
        0.0
    }
}

/// Accumulates exposure per hour.
#[derive(Clone, Debug, Default)]
pub struct ExposureMeter {
    hours: Vec<HourExposure>,
}

impl ExposureMeter {
    /// An empty meter.
    pub fn new() -> Self {
        Self::default()
    }

    fn hour_mut(&mut self, t_ms: f64) -> &mut HourExposure {
        let hour = (t_ms.max(0.0) / MS_PER_HOUR) as u32;
        let at = self.hours.partition_point(|h| h.hour < hour);
        if self.hours.get(at).is_none_or(|h| h.hour != hour) {
            self.hours.insert(
                at,
                HourExposure {
                    hour,
                    ..HourExposure::default()
                },
            );
        }
        &mut self.hours[at]
    }

    /// Adds `dt_ms` of observed time ending at `t_ms`; `forward_head` says whether the
    /// condition held, `state` is the persistence state after the frame.
    pub fn add(&mut self, t_ms: f64, dt_ms: f64, forward_head: bool, state: PostureState) {
        let sustained = state == PostureState::ForwardHead;
        if !(dt_ms.is_finite() && dt_ms > 0.0) {
            return;
        }
        let h = self.hour_mut(t_ms);
        h.observed_ms += dt_ms;
        if forward_head {
            h.forward_head_ms += dt_ms;
        }
        if sustained {
            h.sustained_ms += dt_ms;
        }
    }

    /// Counts one alert at `t_ms`.
    pub fn alert(&mut self, t_ms: f64) {
        self.hour_mut(t_ms).alerts += 1;
    }

    /// The hours seen so far, in order.
    pub fn hours(&self) -> &[HourExposure] {
        &self.hours
    }

    /// Totals over all hours (with `hour` = 0).
    pub fn total(&self) -> HourExposure {
        self.hours
            .iter()
            .fold(HourExposure::default(), |mut acc, h| {
                acc.observed_ms += h.observed_ms;
                acc.forward_head_ms += h.forward_head_ms;
                acc.sustained_ms += h.sustained_ms;
                acc.alerts += h.alerts;
                acc
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_per_hour_and_buckets() {
        let mut m = ExposureMeter::new();
        // 30 min observed in hour 0, 15 of them forward head.
        for i in 0..1800 {
            let t = f64::from(i) * 1000.0 + 1000.0;
            let state = if i < 600 {
                PostureState::ForwardHead
            } else {
                PostureState::Upright
            };
            m.add(t, 1000.0, i < 900, state);
        }
        m.alert(5000.0);
        m.add(MS_PER_HOUR + 10.0, 1000.0, true, PostureState::ForwardHead);
        assert_eq!(m.hours().len(), 2);
        let h0 = m.hours()[0];
        assert!((h0.minutes_per_hour() - 30.0).abs() < 1e-9);
        assert_eq!(h0.alerts, 1);
        assert!((m.total().observed_ms - 1_801_000.0).abs() < 1e-6);
        assert!(HourExposure::default().minutes_per_hour().abs() < f64::EPSILON);
    }
}
