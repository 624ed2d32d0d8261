//! C7 from the person silhouette: the posterior neck contour of the segmentation mask.
//!
//! # The model
//! With `S` the near shoulder, `E` the near ear, `H` the near hip, `u` the trunk direction
//! (hip to shoulder), `p` the posterior unit vector perpendicular to `u` and `L = |S - H|`:
//! for each level `t` in `0, 0.05, …, 1` the scan starts at `A(t) = S + t (E - S)` (inside
//! the body) and walks along `p` in steps of [`SCAN_STEP_PX`] until the person probability
//! drops below one half; that exit point is the posterior contour point `Q(t)`.
//!
//! ```text
//! C7 = Q(SILHOUETTE_C7_HEIGHT)      (linear between the two nearest levels)
//! ```
//!
//! One parameter, fitted on the annotated side views (`docs/GEOMETRY.md` §3.4). The contour is
//! refused, and the caller falls back to the landmark model of `geometry::cva`, when the
//! scan start is not inside the mask or the walk runs further than [`MAX_DEPTH`] `L` (the
//! mask merged with hair, a chair back or the background).

use nalgebra::{Point2, Vector2};

use super::cva::{CvaModel, CvaSample};
use super::{Facing, SideChain, Unmeasurable, unit, wrap_angle};

/// Number of contour levels between the shoulder (`t = 0`) and the ear (`t = 1`), inclusive.
pub const LEVELS: usize = 21;
/// Walking step along the posterior direction, in the chain's units (frame pixels).
pub const SCAN_STEP_PX: f64 = 0.5;
/// Longest accepted walk from the shoulder-ear line to the contour, in trunk lengths.
pub const MAX_DEPTH: f64 = 0.6;
/// Level of C7 on the contour (fraction of the shoulder-to-ear line), fitted in
/// `docs/GEOMETRY.md` §3.4.
pub const SILHOUETTE_C7_HEIGHT: f64 = 0.34;

/// Why a contour cannot be used (the landmark C7 model is used instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContourRejected {
    /// The shoulder-to-ear line leaves the mask: the mask does not cover the neck.
    #[error("the shoulder-to-ear line is outside the person mask at level {0}")]
    StartOutside(usize),
    /// No edge within reach: the mask runs into hair, a chair or the background.
    #[error("no posterior neck edge within {MAX_DEPTH} trunk lengths at level {0}")]
    NoEdge(usize),
    /// The landmarks themselves are degenerate.
    #[error("degenerate landmarks: {0}")]
    Geometry(Unmeasurable),
}

/// The posterior neck contour, one point per level (y-up frame).
#[derive(Clone, Debug, PartialEq)]
pub struct NeckContour {
    /// `Q(t)` for `t = i / (LEVELS - 1)`.
    pub points: [Point2<f64>; LEVELS],
}

impl NeckContour {
    /// The contour point at level `t` in `[0, 1]`, linear between levels.
    pub fn at(&self, t: f64) -> Point2<f64> {
        let last = (LEVELS - 1) as f64;
        let x = (t.clamp(0.0, 1.0) * last).min(last);
        #[expect(clippy::cast_possible_truncation, reason = "x is in 0..=20")]
        #[expect(clippy::cast_sign_loss, reason = "x is not negative")]
        let i = (x.floor() as usize).min(LEVELS - 2);
        let f = x - i as f64;
        self.points[i] + (self.points[i + 1] - self.points[i]) * f
    }

    /// C7 by the silhouette model at `height` (see the module docs).
    pub fn c7(&self, height: f64) -> Point2<f64> {
        self.at(height)
    }
}

/// The posterior unit vector of the trunk (perpendicular to hip-to-shoulder, to the back).
fn posterior(chain: &SideChain, facing: Facing) -> Result<Vector2<f64>, Unmeasurable> {
    let superior = unit(chain.hip, chain.shoulder, "trunk (hip to shoulder)")?;
    Ok(-Vector2::new(superior.y, -superior.x) * facing.sign())
}

/// Traces the posterior neck contour of `chain` in a mask given as `inside(point)` = person
/// probability at a y-up point.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::{Facing, SideChain};
/// use plumbline::geometry::silhouette::posterior_contour;
/// // A person facing +x whose back is the line x = -10.
/// let chain = SideChain { ear: Point2::new(5.0, 70.0), shoulder: Point2::new(0.0, 50.0),
///     hip: Point2::new(0.0, 0.0), knee: None };
/// let c = posterior_contour(&chain, Facing::ImageRight, |p| if p.x > -10.0 { 1.0 } else { 0.0 })
///     .unwrap();
/// assert!((c.points[0].x + 10.0).abs() <= 0.5 && (c.points[0].y - 50.0).abs() < 1e-9);
/// ```
pub fn posterior_contour(
    chain: &SideChain,
    facing: Facing,
    inside: impl Fn(Point2<f64>) -> f64,
) -> Result<NeckContour, ContourRejected> {
    let p = posterior(chain, facing).map_err(ContourRejected::Geometry)?;
    let length = (chain.shoulder - chain.hip).norm();
    let max_steps = (MAX_DEPTH * length / SCAN_STEP_PX).ceil();
    let mut points = [Point2::origin(); LEVELS];
    for (i, q) in points.iter_mut().enumerate() {
        let t = i as f64 / (LEVELS - 1) as f64;
        let start = chain.shoulder + (chain.ear - chain.shoulder) * t;
        if inside(start) < 0.5 {
            return Err(ContourRejected::StartOutside(i));
        }
        let mut k = 0.0;
        loop {
            k += 1.0;
            if k > max_steps {
                return Err(ContourRejected::NoEdge(i));
            }
            if inside(start + p * (k * SCAN_STEP_PX)) < 0.5 {
                break;
            }
        }
        *q = start + p * (k * SCAN_STEP_PX);
    }
    Ok(NeckContour { points })
}

/// One annotated side view with its contour, for fitting [`SILHOUETTE_C7_HEIGHT`].
#[derive(Clone, Debug, PartialEq)]
pub struct SilhouetteSample {
    /// The posterior neck contour of the image.
    pub contour: NeckContour,
    /// Landmarks, facing and reference CVA.
    pub sample: CvaSample,
}

/// Grid step of [`fit_height`].
pub const HEIGHT_STEP: f64 = 0.01;

/// The CVA error (model minus reference, radians) of `s` with C7 at `height`.
pub fn error_rad(s: &SilhouetteSample, height: f64) -> Option<f64> {
    let c7 = s.contour.c7(height);
    let cva = CvaModel::EAR_SHOULDER
        .cva_rad_from_c7(&s.sample.chain, s.sample.facing, c7)
        .ok()?;
    Some(wrap_angle(cva - s.sample.reference_rad))
}

/// Fits the contour level of C7 by grid search over `[0, 1]` (step [`HEIGHT_STEP`]),
/// minimising the summed squared CVA error; `None` without usable samples.
pub fn fit_height<'a, I>(samples: &I) -> Option<f64>
where
    I: Iterator<Item = &'a SilhouetteSample> + Clone,
{
    let mut best: Option<(f64, f64)> = None;
    for i in 0..=100 {
        let h = f64::from(i) * HEIGHT_STEP;
        let e: Option<f64> = samples
            .clone()
            .map(|s| error_rad(s, h).map(|e| e * e))
            .sum();
        if let Some(e) = e
            && best.is_none_or(|(b, _)| e < b)
        {
            best = Some((e, h));
        }
    }
    best.map(|(_, h)| h)
}

/// Held-out CVA errors (radians): sample `i` is predicted by the height fitted on the
/// samples `j` with `train(i, j)` (`i != j` for leave-one-out, another person for
/// leave-one-person-out).
pub fn held_out_errors(
    samples: &[SilhouetteSample],
    train: impl Fn(usize, usize) -> bool,
) -> Vec<f64> {
    (0..samples.len())
        .filter_map(|i| {
            let rest = samples.iter().enumerate().filter(|&(j, _)| train(i, j));
            let h = fit_height(&rest.map(|(_, s)| s))?;
            error_rad(&samples[i], h)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> SideChain {
        SideChain {
            ear: Point2::new(10.0, 70.0),
            shoulder: Point2::new(0.0, 50.0),
            hip: Point2::new(-2.0, 0.0),
            knee: None,
        }
    }

    #[test]
    fn contour_follows_a_neck_and_interpolates() -> Result<(), ContourRejected> {
        // Back edge at x = -10 below y = 60, at x = -4 above (a neck step).
        let mask = |p: Point2<f64>| {
            let edge = if p.y < 60.0 { -10.0 } else { -4.0 };
            if p.x > edge && p.x < 20.0 { 1.0 } else { 0.0 }
        };
        // Facing left the posterior side is +x: the edge at x = 20.
        let c = posterior_contour(&chain(), Facing::ImageRight, mask)?;
        assert!(c.points[0].x < -9.0 && c.points[LEVELS - 1].x > -5.0);
        let mid = c.at(0.025);
        assert!((mid.y - f64::midpoint(c.points[0].y, c.points[1].y)).abs() < 1e-9);
        let left = posterior_contour(&chain(), Facing::ImageLeft, mask)?;
        assert!(left.points[0].x > 19.0 && left.points[0].x < 20.5);
        Ok(())
    }

    #[test]
    fn merged_or_missing_masks_are_refused() {
        assert_eq!(
            posterior_contour(&chain(), Facing::ImageRight, |_| 1.0),
            Err(ContourRejected::NoEdge(0))
        );
        assert_eq!(
            posterior_contour(&chain(), Facing::ImageRight, |p| {
                if p.y < 60.0 && p.x > -10.0 { 1.0 } else { 0.0 }
            }),
            Err(ContourRejected::StartOutside(10))
        );
    }
}
