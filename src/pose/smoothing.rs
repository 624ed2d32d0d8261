//! Temporal smoothing of tracked landmarks as `pose_landmark_filtering.pbtxt` does it
//! (`models/README.md` §6): One Euro filters on coordinates, an exponential low-pass on visibility.
//!
//! The arithmetic copies MediaPipe's `OneEuroFilter` (double) around its `LowPassFilter`
//! (float). A timestamp that is not later than the previous one returns the input unchanged, as
//! in MediaPipe. One deliberate difference: MediaPipe uses timestamp 0 as "no previous sample",
//! so a stream starting at t = 0 would leave its first sample unfiltered and uncounted. Here the
//! previous timestamp is an `Option`, so file sources (which start at 0) behave like the Python
//! solution, whose first synthetic timestamp is 33 333 µs.

use std::f64::consts::PI;

/// Sampling frequency assumed until two timestamps are known.
const DEFAULT_FREQUENCY_HZ: f64 = 30.0;

/// Object scales below this disable value-scaled smoothing for the frame.
const MIN_ALLOWED_OBJECT_SCALE: f32 = 1e-6;

/// Parameters of one One Euro filter set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroParams {
    /// Minimum cutoff frequency in Hz.
    pub min_cutoff: f64,
    /// Cutoff slope per unit of (scaled) speed.
    pub beta: f64,
    /// Cutoff of the speed estimate in Hz.
    pub derivate_cutoff: f64,
    /// Whether speeds are divided by the object scale (false for world landmarks).
    pub scale_by_object: bool,
}

/// Image landmarks, in frame pixels.
pub const IMAGE_LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.05,
    beta: 80.0,
    derivate_cutoff: 1.0,
    scale_by_object: true,
};

/// World landmarks, in metres, no value scaling.
pub const WORLD_LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.1,
    beta: 40.0,
    derivate_cutoff: 1.0,
    scale_by_object: false,
};

/// Auxiliary landmarks 33–34 that drive the tracking ROI (always on).
pub const AUX_LANDMARKS: OneEuroParams = OneEuroParams {
    min_cutoff: 0.01,
    beta: 10.0,
    derivate_cutoff: 1.0,
    scale_by_object: true,
};

/// Weight of the new visibility sample in the visibility low-pass.
pub const VISIBILITY_ALPHA: f32 = 0.1;

/// MediaPipe's `LowPassFilter`: exponential smoothing, first sample passes through.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowPass {
    initialized: bool,
    raw: f32,
    stored: f32,
}

impl LowPass {
    /// Filters `value` with weight `alpha` for the new sample.
    pub fn apply(&mut self, value: f32, alpha: f32) -> f32 {
        let result = if self.initialized {
            alpha * value + (1.0 - alpha) * self.stored
        } else {
            self.initialized = true;
            value
        };
        self.raw = value;
        self.stored = result;
        result
    }

    /// The last raw input, if any.
    fn last_raw(&self) -> Option<f32> {
        self.initialized.then_some(self.raw)
    }
}

/// MediaPipe's `OneEuroFilter` for one scalar.
#[derive(Clone, Copy, Debug)]
pub struct OneEuro {
    params: OneEuroParams,
    frequency: f64,
    last_time_ns: Option<i64>,
    x: LowPass,
    dx: LowPass,
}

impl OneEuro {
    /// A fresh filter.
    pub fn new(params: OneEuroParams) -> Self {
        Self {
            params,
            frequency: DEFAULT_FREQUENCY_HZ,
            last_time_ns: None,
            x: LowPass::default(),
            dx: LowPass::default(),
        }
    }

    /// Filters `value` observed at `time_ns`; `value_scale` multiplies the speed estimate.
    pub fn apply(&mut self, time_ns: i64, value_scale: f64, value: f32) -> f32 {
        if let Some(last) = self.last_time_ns {
            if last >= time_ns {
                return value;
            }
            self.frequency = 1.0 / ((time_ns - last) as f64 * 1e-9);
        }
        self.last_time_ns = Some(time_ns);
        let speed = self.x.last_raw().map_or(0.0, |last| {
            (f64::from(value) - f64::from(last)) * value_scale * self.frequency
        });
        let smoothed_speed = self
            .dx
            .apply(speed as f32, self.alpha(self.params.derivate_cutoff) as f32);
        let cutoff = self.params.min_cutoff + self.params.beta * f64::from(smoothed_speed).abs();
        self.x.apply(value, self.alpha(cutoff) as f32)
    }

    fn alpha(&self, cutoff: f64) -> f64 {
        let te = 1.0 / self.frequency;
        let tau = 1.0 / (2.0 * PI * cutoff);
        1.0 / (1.0 + tau / te)
    }
}

/// One Euro filters for the three coordinates of `N` landmarks
/// (`LandmarksSmoothingCalculator`).
#[derive(Clone, Debug)]
pub struct PointsFilter<const N: usize> {
    params: OneEuroParams,
    filters: [[OneEuro; 3]; N],
}

impl<const N: usize> PointsFilter<N> {
    /// Fresh filters.
    pub fn new(params: OneEuroParams) -> Self {
        Self {
            params,
            filters: [[OneEuro::new(params); 3]; N],
        }
    }

    /// Forgets all history (the track was lost).
    pub fn reset(&mut self) {
        *self = Self::new(self.params);
    }

    /// Filters `points` (x, y, z) in place. `object_scale` is the person's size in the units of
    /// the points; it is ignored when the params do not scale by object.
    pub fn apply(&mut self, time_ns: i64, object_scale: f32, points: &mut [[f32; 3]; N]) {
        let value_scale = if self.params.scale_by_object {
            if object_scale < MIN_ALLOWED_OBJECT_SCALE {
                return;
            }
            f64::from(1.0 / object_scale)
        } else {
            1.0
        };
        for (point, filters) in points.iter_mut().zip(&mut self.filters) {
            for (value, filter) in point.iter_mut().zip(filters) {
                *value = filter.apply(time_ns, value_scale, *value);
            }
        }
    }
}

/// Visibility low-pass for `N` landmarks (`VisibilitySmoothingCalculator`).
#[derive(Clone, Copy, Debug)]
pub struct VisibilityFilter<const N: usize> {
    filters: [LowPass; N],
}

impl<const N: usize> Default for VisibilityFilter<N> {
    fn default() -> Self {
        Self {
            filters: [LowPass::default(); N],
        }
    }
}

impl<const N: usize> VisibilityFilter<N> {
    /// Filters each visibility in place, the i-th value with the i-th filter.
    pub fn apply<'a>(&mut self, visibilities: impl IntoIterator<Item = &'a mut f32>) {
        for (value, filter) in visibilities.into_iter().zip(&mut self.filters) {
            *value = filter.apply(*value, VISIBILITY_ALPHA);
        }
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    const MS: i64 = 1_000_000;

    fn plain(min_cutoff: f64, beta: f64) -> OneEuroParams {
        OneEuroParams {
            min_cutoff,
            beta,
            derivate_cutoff: 1.0,
            scale_by_object: true,
        }
    }

    #[test]
    fn low_pass_passes_first_sample_then_blends() {
        let mut f = LowPass::default();
        assert_relative_eq!(f.apply(1.0, VISIBILITY_ALPHA), 1.0);
        assert_relative_eq!(f.apply(0.0, VISIBILITY_ALPHA), 0.9);
        assert_relative_eq!(f.apply(0.0, VISIBILITY_ALPHA), 0.81, epsilon = 1e-6);
    }

    #[test]
    fn one_euro_without_beta_is_a_fixed_low_pass_at_the_measured_rate() {
        // 100 ms steps → 10 Hz; alpha(1 Hz) = 1 / (1 + 10 / 2π).
        let mut f = OneEuro::new(plain(1.0, 0.0));
        assert_relative_eq!(f.apply(100 * MS, 1.0, 10.0), 10.0);
        assert_relative_eq!(f.apply(200 * MS, 1.0, 11.0), 10.385_87, epsilon = 1e-5);
    }

    #[test]
    fn one_euro_speed_raises_the_cutoff() {
        let mut f = OneEuro::new(plain(1.0, 1.0));
        f.apply(100 * MS, 1.0, 10.0);
        // The first call fed speed 0 into the speed filter. Speed 10/s, smoothed with
        // alpha(1 Hz) = 0.385 87 against 0 → cutoff 1 + 3.8587 Hz.
        assert_relative_eq!(f.apply(200 * MS, 1.0, 11.0), 10.753_26, epsilon = 1e-5);
        // Speed 5/s, smoothed against 3.8587 → cutoff 1 + 4.3993 Hz.
        assert_relative_eq!(f.apply(300 * MS, 1.0, 11.5), 11.327_52, epsilon = 1e-5);
    }

    #[test]
    fn value_scale_divides_the_speed() {
        let mut f = OneEuro::new(plain(1.0, 1.0));
        f.apply(100 * MS, 0.5, 10.0);
        assert_relative_eq!(f.apply(200 * MS, 0.5, 11.0), 10.647_96, epsilon = 1e-5);
    }

    #[test]
    fn a_stream_starting_at_zero_is_filtered_and_stale_samples_pass_through() {
        let mut f = OneEuro::new(plain(1.0, 0.0));
        // t = 0 is a real first sample here (MediaPipe would skip it; see the module docs).
        assert_relative_eq!(f.apply(0, 1.0, 5.0), 5.0);
        // 10 Hz, alpha(1 Hz) = 0.385 87: 5 + 0.385 87 · 5.
        assert_relative_eq!(f.apply(100 * MS, 1.0, 10.0), 6.929_35, epsilon = 1e-5);
        // Not later than the last timestamp: returned unchanged, state untouched.
        assert_relative_eq!(f.apply(100 * MS, 1.0, 50.0), 50.0);
        let smoothed = f.apply(200 * MS, 1.0, 11.0);
        assert_relative_eq!(smoothed, 8.500_09, epsilon = 1e-5);
    }

    #[test]
    fn pose_image_parameters_with_object_scale() {
        // Image landmark filter, person 200 px tall, 2 px move in 100 ms.
        let mut f = PointsFilter::<1>::new(IMAGE_LANDMARKS);
        let mut p = [[100.0, 50.0, 0.0]];
        f.apply(100 * MS, 200.0, &mut p);
        assert_eq!(p, [[100.0, 50.0, 0.0]]);
        let mut p = [[102.0, 50.0, 0.0]];
        f.apply(200 * MS, 200.0, &mut p);
        assert_relative_eq!(p[0][0], 101.326_83, epsilon = 1e-4);
        assert_relative_eq!(p[0][1], 50.0);
        f.reset();
        let mut p = [[7.0, 7.0, 7.0]];
        f.apply(300 * MS, 200.0, &mut p);
        assert_eq!(p, [[7.0, 7.0, 7.0]]);
    }

    #[test]
    fn tiny_object_scale_disables_smoothing() {
        let mut f = PointsFilter::<1>::new(IMAGE_LANDMARKS);
        let mut p = [[1.0, 1.0, 1.0]];
        f.apply(100 * MS, 0.0, &mut p);
        let mut p = [[9.0, 9.0, 9.0]];
        f.apply(200 * MS, 0.0, &mut p);
        assert_eq!(p, [[9.0, 9.0, 9.0]]);
    }
}
