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
//! C7 = Q(level + lean * trunk inclination)      (radians, clamped to [0, 1], linear between levels)
//! ```
//!
//! Two parameters ([`SilhouetteC7::DEFAULT`]), fitted on the annotated side views
//! (`docs/GEOMETRY.md` §3.4): when the trunk leans forward, C7 sits lower on the contour
//! relative to the shoulder-to-ear line (the shoulder girdle rides up and forward over the
//! flexed upper thoracic spine), when it reclines, higher. The contour is
//! refused, and the caller falls back to the landmark model of `geometry::cva`, when the
//! scan start is not inside the mask, the walk runs further than [`MAX_DEPTH`] `L` (the
//! mask merged with a chair back or the background), or the contour has no neck notch
//! ([`ContourRejected::NoNeck`]: hair, a bun, a ponytail or a hood fills the hollow of the
//! neck, and the contour follows the hair, not the neck).
//!
//! # The neck notch
//! A neck seen from the side is a hollow between the upper back and the back of the head:
//! the contour's depth behind the shoulder-to-ear line (`d(t)`, in ear-shoulder lengths) is
//! smaller at mid levels than both below and above. The contour is accepted when
//! `min(max d(0..=0.25), max d(0.7..=1)) - min d(0.3..=0.7) >= MIN_NECK_NOTCH`. On the 30
//! annotated side views the notch is 0.07-0.33 where the neck is clear and -0.07-0.00 where
//! hair or a hood hangs behind it (`docs/GEOMETRY.md` §3.4).
//!
//! # The edge behind the neck
//! Where the background behind the neck is dark or busy, the segmentation is unsure there
//! (probabilities of 0.5-0.9 for 10-25 px beyond the neck) and where its one-half line
//! falls depends on the crop the mask was made in. [`NeckContour::edge_width`] measures that
//! on three scan lines around C7 for a few more mask samples; `geometry::uncertainty` turns
//! it into part of the CVA's ± (`docs/GEOMETRY.md` §3.6).

use nalgebra::Point2;

use super::angles::trunk_inclination_rad;
use super::{Facing, SideChain, Unmeasurable};

/// Number of contour levels between the shoulder (`t = 0`) and the ear (`t = 1`), inclusive.
pub const LEVELS: usize = 21;
/// Walking step along the posterior direction, in the chain's units (frame pixels).
pub const SCAN_STEP_PX: f64 = 0.5;
/// Longest accepted walk from the shoulder-ear line to the contour, in trunk lengths.
pub const MAX_DEPTH: f64 = 0.6;
/// Smallest accepted neck notch (see the module docs), in ear-shoulder lengths: midway
/// between the clear necks (0.07 and more) and the hair-filled ones (0.00 and less).
pub const MIN_NECK_NOTCH: f64 = 0.035;
/// The levels (indices into the contour) whose scan lines measure how soft the mask's edge
/// is behind the neck: 0.4, 0.5 and 0.6 of the shoulder-to-ear line, around C7.
pub const EDGE_LEVELS: [usize; 3] = [8, 10, 12];
/// The person probability an edge starts below ([`NeckContour::edge_width`]).
pub const EDGE_HIGH: f64 = 0.95;
/// The person probability an edge ends below ([`NeckContour::edge_width`]).
pub const EDGE_LOW: f64 = 0.05;

/// Where C7 sits on the posterior neck contour: at level `level + lean * inclination`, with
/// the trunk inclination in radians (positive forward), clamped to `[0, 1]`.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::{Facing, SideChain};
/// use plumbline::geometry::silhouette::SilhouetteC7;
/// let upright = SideChain { ear: Point2::new(5.0, 70.0), shoulder: Point2::new(0.0, 50.0),
///     hip: Point2::new(0.0, 0.0), knee: None };
/// let leaning = SideChain { shoulder: Point2::new(20.0, 46.0), ..upright };
/// let m = SilhouetteC7::DEFAULT;
/// assert!((m.level_at(&upright, Facing::ImageRight).unwrap() - m.level).abs() < 1e-12);
/// assert!(m.level_at(&leaning, Facing::ImageRight).unwrap() < m.level);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SilhouetteC7 {
    /// Contour level (fraction of the shoulder-to-ear line) for an upright trunk.
    pub level: f64,
    /// Change of level per radian of forward trunk inclination.
    pub lean: f64,
}

impl SilhouetteC7 {
    /// Fitted on the 22 annotated side views of 7 people whose contour has a neck notch,
    /// each person weighted equally, `docs/GEOMETRY.md` §3.4.
    pub const DEFAULT: Self = Self {
        level: 0.49,
        lean: -0.26,
    };

    /// The contour level of C7 for `chain`.
    ///
    /// # Errors
    /// [`Unmeasurable::Degenerate`] when hip and shoulder coincide.
    pub fn level_at(&self, chain: &SideChain, facing: Facing) -> Result<f64, Unmeasurable> {
        let inclination = trunk_inclination_rad(chain.hip, chain.shoulder, facing)?;
        Ok((self.level + self.lean * inclination).clamp(0.0, 1.0))
    }

    /// C7 on `contour` for `chain`.
    ///
    /// # Errors
    /// As [`SilhouetteC7::level_at`].
    pub fn c7(
        &self,
        contour: &NeckContour,
        chain: &SideChain,
        facing: Facing,
    ) -> Result<Point2<f64>, Unmeasurable> {
        Ok(contour.at(self.level_at(chain, facing)?))
    }
}

impl Default for SilhouetteC7 {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a contour cannot be used (the landmark C7 model is used instead).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum ContourRejected {
    /// The shoulder-to-ear line leaves the mask: the mask does not cover the neck.
    #[error("the shoulder-to-ear line is outside the person mask at level {0}")]
    StartOutside(usize),
    /// No edge within reach: the mask runs into a chair or the background.
    #[error("no posterior neck edge within {MAX_DEPTH} trunk lengths at level {0}")]
    NoEdge(usize),
    /// The contour has no neck hollow: hair, a bun, a ponytail or a hood fills it.
    #[error(
        "the neck contour has no hollow (notch {0:.3} < {MIN_NECK_NOTCH} ear-shoulder lengths): hair or a hood behind the neck"
    )]
    NoNeck(f64),
    /// The landmarks themselves are degenerate.
    #[error("degenerate landmarks: {0}")]
    Geometry(Unmeasurable),
}

/// The posterior neck contour, one point per level (y-up frame).
#[derive(Clone, Debug, PartialEq)]
pub struct NeckContour {
    /// `Q(t)` for `t = i / (LEVELS - 1)`.
    pub points: [Point2<f64>; LEVELS],
    /// The neck notch ([`neck_notch`] of the depths) in ear-shoulder lengths.
    pub notch: f64,
    /// How soft the mask's edge is behind the neck, in ear-shoulder lengths: on the scan
    /// lines of [`EDGE_LEVELS`], the distance from the first point below [`EDGE_HIGH`] to
    /// the first below [`EDGE_LOW`] (or to the end of the walk, [`MAX_DEPTH`] trunk lengths),
    /// the largest of the three. Small where the segmentation is sure where the neck ends,
    /// large where it is unsure (a dark or busy background behind the neck).
    pub edge_width: f64,
}

impl NeckContour {
    /// The contour point at level `t` in `[0, 1]`, linear between levels.
    pub fn at(&self, t: f64) -> Point2<f64> {
        let last = (LEVELS - 1) as f64;
        let x = t.clamp(0.0, 1.0) * last;
        #[expect(clippy::cast_possible_truncation, reason = "x is in 0..=20")]
        #[expect(clippy::cast_sign_loss, reason = "x is not negative")]
        let i = (x.floor() as usize).min(LEVELS - 2);
        let f = x - i as f64;
        self.points[i] + (self.points[i + 1] - self.points[i]) * f
    }
}

/// [`trace_posterior_contour`], refused with [`ContourRejected::NoNeck`] when its neck notch
/// is below [`MIN_NECK_NOTCH`]: the contour C7 is taken from.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::{Facing, SideChain};
/// use plumbline::geometry::silhouette::{ContourRejected, posterior_contour};
/// // A person facing +x whose back is the straight line x = -10: no neck notch, so the
/// // contour is refused (hair or a hood hides the neck; the landmark C7 is used instead).
/// let chain = SideChain { ear: Point2::new(5.0, 70.0), shoulder: Point2::new(0.0, 50.0),
///     hip: Point2::new(0.0, 0.0), knee: None };
/// let straight = |p: Point2<f64>| if p.x > -10.0 { 1.0 } else { 0.0 };
/// assert!(matches!(
///     posterior_contour(&chain, Facing::ImageRight, straight),
///     Err(ContourRejected::NoNeck(_))
/// ));
/// ```
pub fn posterior_contour(
    chain: &SideChain,
    facing: Facing,
    inside: impl Fn(Point2<f64>) -> f64,
) -> Result<NeckContour, ContourRejected> {
    let contour = trace_posterior_contour(chain, facing, inside)?;
    if contour.notch < MIN_NECK_NOTCH {
        return Err(ContourRejected::NoNeck(contour.notch));
    }
    Ok(contour)
}

/// Traces the posterior neck contour of `chain` in a mask given as `inside(point)` = person
/// probability at a y-up point, with its neck notch (not checked here).
///
/// # Errors
/// [`ContourRejected::StartOutside`], [`ContourRejected::NoEdge`] or
/// [`ContourRejected::Geometry`].
pub fn trace_posterior_contour(
    chain: &SideChain,
    facing: Facing,
    inside: impl Fn(Point2<f64>) -> f64,
) -> Result<NeckContour, ContourRejected> {
    let (_, p) = chain
        .trunk_axes(facing)
        .map_err(ContourRejected::Geometry)?;
    let length = (chain.shoulder - chain.hip).norm();
    let max_steps = (MAX_DEPTH * length / SCAN_STEP_PX).ceil();
    let mut points = [Point2::origin(); LEVELS];
    let mut depths = [0.0; LEVELS];
    let mut edge_px: f64 = 0.0;
    for (i, q) in points.iter_mut().enumerate() {
        let t = i as f64 / (LEVELS - 1) as f64;
        let start = chain.shoulder + (chain.ear - chain.shoulder) * t;
        let at = |k: f64| inside(start + p * (k * SCAN_STEP_PX));
        let first = at(0.0);
        if first < 0.5 {
            return Err(ContourRejected::StartOutside(i));
        }
        // The first step below EDGE_HIGH (0 when the start already is) on the way out.
        let mut high = (first < EDGE_HIGH).then_some(0.0);
        let mut k = 0.0;
        loop {
            k += 1.0;
            if k > max_steps {
                return Err(ContourRejected::NoEdge(i));
            }
            let v = at(k);
            if high.is_none() && v < EDGE_HIGH {
                high = Some(k);
            }
            if v < 0.5 {
                break;
            }
        }
        *q = start + p * (k * SCAN_STEP_PX);
        depths[i] = k * SCAN_STEP_PX;
        if EDGE_LEVELS.contains(&i) {
            // A few more samples beyond the contour, to where the mask is sure it is not
            // the person (or the end of the walk).
            let mut low = k;
            while at(low) >= EDGE_LOW && low < max_steps {
                low += 1.0;
            }
            edge_px = edge_px.max((low - high.unwrap_or(k)) * SCAN_STEP_PX);
        }
    }
    let ear_shoulder = (chain.ear - chain.shoulder).norm().max(super::MIN_SEGMENT);
    let notch = neck_notch(&depths) / ear_shoulder;
    Ok(NeckContour {
        points,
        notch,
        edge_width: edge_px / ear_shoulder,
    })
}

/// The neck notch of a depth profile (one depth per level, any unit): how far the shallowest
/// mid-level point (levels 0.3-0.7) lies in front of the lower of the deepest points below
/// (0-0.25) and above (0.7-1).
///
/// # Examples
/// ```
/// use plumbline::geometry::silhouette::{LEVELS, neck_notch};
/// let mut neck = [10.0; LEVELS];
/// neck[10] = 7.0;
/// assert_eq!(neck_notch(&neck), 3.0);
/// // A ponytail: deeper and deeper toward the head, no hollow.
/// let hair: Vec<f64> = (0..LEVELS).map(|i| 10.0 + i as f64).collect();
/// assert!(neck_notch(&hair) < 0.0);
/// ```
pub fn neck_notch(depths: &[f64]) -> f64 {
    let max = |r: std::ops::RangeInclusive<usize>| {
        depths[r].iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    let min = |r: std::ops::RangeInclusive<usize>| {
        depths[r].iter().copied().fold(f64::INFINITY, f64::min)
    };
    max(0..=5).min(max(14..=20)) - min(6..=14)
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
        let c = posterior_contour(&chain(), Facing::ImageRight, mask)?;
        assert!(c.points[0].x < -9.0 && c.points[LEVELS - 1].x > -5.0);
        let mid = c.at(0.025);
        assert!((mid.y - f64::midpoint(c.points[0].y, c.points[1].y)).abs() < 1e-9);
        // Facing left the posterior side is +x: a back edge at x = 20 with a neck hollow
        // (x = 12) between y = 56 and y = 64.
        let left_mask = |p: Point2<f64>| {
            let edge = if (56.0..64.0).contains(&p.y) {
                12.0
            } else {
                20.0
            };
            if p.x > -20.0 && p.x < edge { 1.0 } else { 0.0 }
        };
        let left = posterior_contour(&chain(), Facing::ImageLeft, left_mask)?;
        assert!(left.points[0].x > 19.0 && left.points[0].x < 20.5);
        Ok(())
    }

    #[test]
    fn edge_width_measures_how_soft_the_mask_is_behind_the_neck() -> Result<(), ContourRejected> {
        // The neck step of `contour_follows_a_neck_and_interpolates`, its back edge a ramp
        // from 1 to 0 over `ramp` px behind x = -10 (below y = 60) or x = -4 (above).
        let mask = |ramp: f64| {
            move |p: Point2<f64>| {
                let edge = if p.y < 60.0 { -10.0 } else { -4.0 };
                if p.x >= 20.0 {
                    0.0
                } else if ramp == 0.0 {
                    if p.x > edge { 1.0 } else { 0.0 }
                } else {
                    ((p.x - edge) / ramp + 0.5).clamp(0.0, 1.0)
                }
            }
        };
        let ear_shoulder = (chain().ear - chain().shoulder).norm();
        let sharp = posterior_contour(&chain(), Facing::ImageRight, mask(0.0))?;
        assert!(sharp.edge_width * ear_shoulder <= SCAN_STEP_PX + 1e-9);
        // 0.95 to 0.05 of a linear ramp is 0.9 of its width (to within a scan step).
        let soft = posterior_contour(&chain(), Facing::ImageRight, mask(10.0))?;
        let px = soft.edge_width * ear_shoulder;
        assert!((px - 9.0).abs() <= SCAN_STEP_PX + 1e-9, "{px}");
        // The contour itself still lies where the probability crosses one half.
        for (a, b) in soft.points.iter().zip(&sharp.points) {
            assert!((a - b).norm() <= SCAN_STEP_PX + 1e-9);
        }
        // A mask that never gets sure it is not the person ends the edge at the walk's end.
        let haze = |p: Point2<f64>| if p.x > -10.0 { 1.0 } else { 0.3 };
        let hazy = trace_posterior_contour(&chain(), Facing::ImageRight, haze)?;
        assert!(
            hazy.edge_width.is_finite() && hazy.edge_width > 0.5,
            "{}",
            hazy.edge_width
        );
        Ok(())
    }

    #[test]
    fn c7_level_follows_the_trunk_and_stays_on_the_contour() {
        let m = SilhouetteC7::DEFAULT;
        let upright = chain();
        let level = |c: &SideChain, f| m.level_at(c, f).expect("a trunk");
        // The trunk of `chain()` leans 2.3° toward +x: forward facing right, back facing left.
        assert!(level(&upright, Facing::ImageRight) < m.level);
        assert!(level(&upright, Facing::ImageLeft) > m.level);
        // Lying flat forward (90°) or far back is clamped to the contour ends.
        let flat = SideChain {
            shoulder: Point2::new(50.0, 0.0),
            hip: Point2::new(0.0, 0.0),
            ..upright
        };
        let steep = SilhouetteC7 { lean: -2.0, ..m };
        assert!((steep.level_at(&flat, Facing::ImageRight).expect("trunk") - 0.0).abs() < 1e-12);
        assert!((steep.level_at(&flat, Facing::ImageLeft).expect("trunk") - 1.0).abs() < 1e-12);
        let none = SideChain {
            hip: upright.shoulder,
            ..upright
        };
        assert!(matches!(
            m.level_at(&none, Facing::ImageRight),
            Err(Unmeasurable::Degenerate(_))
        ));
    }

    #[test]
    fn hair_behind_the_neck_is_refused() {
        // A ponytail: the back edge moves further back the higher the scan, no hollow (at
        // a slope that keeps the deepest walk, 26 px, within MAX_DEPTH of the 50 px trunk).
        let hair = |p: Point2<f64>| {
            if p.x > -10.0 - 0.3 * (p.y - 50.0) && p.x < 20.0 {
                1.0
            } else {
                0.0
            }
        };
        let got = posterior_contour(&chain(), Facing::ImageRight, hair);
        assert!(
            matches!(got, Err(ContourRejected::NoNeck(n)) if n < 0.0),
            "{got:?}"
        );
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
