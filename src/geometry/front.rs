//! The front-view forward-head index: how far the head has come forward relative to the
//! user's own upright baseline, seen by a laptop webcam that cannot see the CVA.
//!
//! # Signals (each relative to the baseline)
//! - **head scale**: ear-to-ear width over shoulder width. A head that comes forward comes
//!   closer to the camera and grows. Term: `scale_pct = 100 (s / s0 - 1)`.
//! - **head drop**: distance of the mid-ear point above the shoulder line (measured along the
//!   shoulder line's normal, so a sideways lean that rotates the upper body does not change
//!   it) over shoulder width. A protracted head sinks toward the shoulder line.
//!   Term: `drop_pct = 100 (1 - d / d0)`.
//! - **sagittal lean** (world landmarks): the forward (toward the camera) component of the
//!   mid-shoulder to mid-ear vector over its length, i.e. the sine of the head line's lean in
//!   the sagittal plane, which a sideways roll leaves unchanged. Term:
//!   `sagittal_pct = 100 (sin θ - sin θ0)`, percent of the neck length.
//!
//! # The index
//! `index = (0.5 scale_pct + 0.3 drop_pct + 0.2 sagittal_pct) / (sum of the weights used)`,
//! **unit: percent change from the baseline, positive = head forward**. The sagittal term is
//! left out (and the weights renormalised) when no world landmarks are available.
//!
//! # Not forward head
//! - Looking down at a phone pitches the head: the nose drops toward the ear line while the
//!   head scale stays. When the nose-to-ear-line distance (over ear width) fell by more than
//!   [`PITCH_DOWN`] and the scale grew by less than [`SCALE_STEADY_PCT`], the drop and sagittal
//!   terms are attributed to the pitch and set to zero.
//! - Leaning sideways rotates the shoulder line: both ratios are measured in the shoulder
//!   line's own frame and the sagittal term uses the roll-free sine, so the index stays.

use nalgebra::{Point3, Vector2};

use super::{Body, MIN_SEGMENT, Unmeasurable, midpoint, midpoint3, unit, visible};

/// Weight of the head-scale term.
pub const WEIGHT_SCALE: f64 = 0.5;
/// Weight of the head-drop term.
pub const WEIGHT_DROP: f64 = 0.3;
/// Weight of the sagittal-lean term.
pub const WEIGHT_SAGITTAL: f64 = 0.2;
/// A fall of the nose relative to the ear line by more than this many ear widths is a
/// downward head pitch (looking down).
pub const PITCH_DOWN: f64 = 0.12;
/// A head-scale change below this (percent) counts as "the head did not come closer".
pub const SCALE_STEADY_PCT: f64 = 3.0;
/// Baseline head-drop values below this (shoulder widths) are too small to divide by.
pub const MIN_BASELINE_DROP: f64 = 0.05;

/// The four world landmarks the sagittal term needs (metres, BlazePose axes: +y down,
/// +z away from the camera).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrontWorld {
    /// Left ear.
    pub left_ear: Point3<f64>,
    /// Right ear.
    pub right_ear: Point3<f64>,
    /// Left shoulder.
    pub left_shoulder: Point3<f64>,
    /// Right shoulder.
    pub right_shoulder: Point3<f64>,
}

/// The raw front-view signals of one frame (also the baseline's shape).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrontFeatures {
    /// Ear-to-ear width over shoulder width.
    pub head_scale: f64,
    /// Mid-ear height above the shoulder line over shoulder width.
    pub head_drop: f64,
    /// Nose height above the ear line over ear width (falls when looking down).
    pub head_pitch: f64,
    /// Sine of the sagittal lean of the mid-shoulder to mid-ear line (positive = toward the
    /// camera), `None` without world landmarks.
    pub sagittal_sin: Option<f64>,
}

/// The index and its terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrontIndex {
    /// The combined index, percent change from the baseline, positive = head forward.
    pub index_pct: f64,
    /// Head-scale term, percent.
    pub scale_pct: f64,
    /// Head-drop term, percent (0 when attributed to looking down).
    pub drop_pct: f64,
    /// Sagittal term, percent of the neck length (0 when attributed to looking down).
    pub sagittal_pct: Option<f64>,
    /// Whether the frame was judged a downward head pitch.
    pub looking_down: bool,
}

/// Measures the front-view signals of one frame.
///
/// # Examples
/// ```
/// use plumbline::geometry::{Body, Keypoint};
/// use plumbline::geometry::front::front_features;
/// let k = |x, y| Some(Keypoint::new(x, y, 0.9));
/// let body = Body { nose: k(0.0, 60.0), left_ear: k(10.0, 62.0), right_ear: k(-10.0, 62.0),
///     left_shoulder: k(25.0, 30.0), right_shoulder: k(-25.0, 30.0), ..Body::default() };
/// let f = front_features(&body, None).unwrap();
/// assert!((f.head_scale - 0.4).abs() < 1e-9);
/// assert!((f.head_drop - 0.64).abs() < 1e-9);
/// ```
pub fn front_features(
    body: &Body,
    world: Option<&FrontWorld>,
) -> Result<FrontFeatures, Unmeasurable> {
    let ls = visible(body.left_shoulder, "left shoulder")?;
    let rs = visible(body.right_shoulder, "right shoulder")?;
    let le = visible(body.left_ear, "left ear")?;
    let re = visible(body.right_ear, "right ear")?;
    let nose = visible(body.nose, "nose")?;
    let shoulder_width = (ls - rs).norm();
    let ear_width = (le - re).norm();
    if shoulder_width < MIN_SEGMENT {
        return Err(Unmeasurable::Degenerate("shoulder line"));
    }
    if ear_width < MIN_SEGMENT {
        return Err(Unmeasurable::Degenerate("ear line"));
    }
    let along = unit(rs, ls, "shoulder line")?;
    let up = Vector2::new(-along.y, along.x);
    let mid_ear = midpoint(le, re);
    let mid_shoulder = midpoint(ls, rs);
    let head_drop = (mid_ear - mid_shoulder).dot(&up) / shoulder_width;
    let ear_along = unit(re, le, "ear line")?;
    let ear_up = Vector2::new(-ear_along.y, ear_along.x);
    let head_pitch = (nose - mid_ear).dot(&ear_up) / ear_width;
    let sagittal_sin = world.and_then(|w| {
        let v = midpoint3(w.left_ear, w.right_ear) - midpoint3(w.left_shoulder, w.right_shoulder);
        let n = v.norm();
        (n > MIN_SEGMENT && v.iter().all(|c| c.is_finite())).then(|| -v.z / n)
    });
    Ok(FrontFeatures {
        head_scale: ear_width / shoulder_width,
        head_drop,
        head_pitch,
        sagittal_sin,
    })
}

/// The forward-head index of `now` relative to `baseline` (see the module docs).
///
/// # Examples
/// ```
/// use plumbline::geometry::front::{forward_head_index, FrontFeatures};
/// let base = FrontFeatures { head_scale: 0.40, head_drop: 0.60, head_pitch: 0.1, sagittal_sin: None };
/// let now = FrontFeatures { head_scale: 0.44, head_drop: 0.48, ..base };
/// let i = forward_head_index(&now, &base).unwrap();
/// // (0.5 * 10 + 0.3 * 20) / 0.8 = 13.75 percent, positive = forward.
/// assert!((i.index_pct - 13.75).abs() < 1e-9);
/// ```
pub fn forward_head_index(
    now: &FrontFeatures,
    baseline: &FrontFeatures,
) -> Result<FrontIndex, Unmeasurable> {
    if baseline.head_scale.is_nan() || baseline.head_scale <= MIN_SEGMENT {
        return Err(Unmeasurable::NoBaseline("head scale"));
    }
    if baseline.head_drop.is_nan() || baseline.head_drop <= MIN_BASELINE_DROP {
        return Err(Unmeasurable::NoBaseline("head drop"));
    }
    let scale_pct = 100.0 * (now.head_scale / baseline.head_scale - 1.0);
    let looking_down =
        now.head_pitch - baseline.head_pitch < -PITCH_DOWN && scale_pct < SCALE_STEADY_PCT;
    let drop_pct = if looking_down {
        0.0
    } else {
        100.0 * (1.0 - now.head_drop / baseline.head_drop)
    };
    let sagittal_pct = match (now.sagittal_sin, baseline.sagittal_sin) {
        (Some(s), Some(s0)) => Some(if looking_down { 0.0 } else { 100.0 * (s - s0) }),
        _ => None,
    };
    let (sum, weights) = match sagittal_pct {
        Some(s) => (
            WEIGHT_SCALE * scale_pct + WEIGHT_DROP * drop_pct + WEIGHT_SAGITTAL * s,
            WEIGHT_SCALE + WEIGHT_DROP + WEIGHT_SAGITTAL,
        ),
        None => (
            WEIGHT_SCALE * scale_pct + WEIGHT_DROP * drop_pct,
            WEIGHT_SCALE + WEIGHT_DROP,
        ),
    };
    let index_pct = sum / weights;
    if !index_pct.is_finite() {
        return Err(Unmeasurable::Degenerate("forward-head index"));
    }
    Ok(FrontIndex {
        index_pct,
        scale_pct,
        drop_pct,
        sagittal_pct,
        looking_down,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Keypoint;
    use approx::assert_relative_eq;
    use nalgebra::{Point2, Rotation2};

    fn k(x: f64, y: f64) -> Option<Keypoint> {
        Some(Keypoint::new(x, y, 0.9))
    }

    fn upright() -> Body {
        Body {
            nose: k(0.0, 64.0),
            left_ear: k(9.0, 60.0),
            right_ear: k(-9.0, 60.0),
            left_shoulder: k(24.0, 30.0),
            right_shoulder: k(-24.0, 30.0),
            ..Body::default()
        }
    }

    #[test]
    fn head_forward_reads_positive() -> Result<(), Unmeasurable> {
        let base = front_features(&upright(), None)?;
        // Head closer (wider ears) and lower (nearer the shoulder line).
        let fwd = Body {
            nose: k(0.0, 56.0),
            left_ear: k(10.5, 52.0),
            right_ear: k(-10.5, 52.0),
            ..upright()
        };
        let i = forward_head_index(&front_features(&fwd, None)?, &base)?;
        assert!(i.index_pct > 10.0, "{i:?}");
        assert!(!i.looking_down);
        Ok(())
    }

    #[test]
    fn looking_down_is_not_forward_head() -> Result<(), Unmeasurable> {
        let base = front_features(&upright(), None)?;
        // Nose well below the ear line, ears slightly lower, same width.
        let phone = Body {
            nose: k(0.0, 54.0),
            left_ear: k(9.0, 58.0),
            right_ear: k(-9.0, 58.0),
            ..upright()
        };
        let i = forward_head_index(&front_features(&phone, None)?, &base)?;
        assert!(i.looking_down);
        assert!(i.index_pct.abs() < 2.0, "{i:?}");
        Ok(())
    }

    #[test]
    fn leaning_sideways_is_not_forward_head() -> Result<(), Unmeasurable> {
        let base = front_features(&upright(), None)?;
        let pivot = Point2::new(0.0, 0.0);
        let rot = Rotation2::new(0.25);
        let lean = upright().map(|p| pivot + rot * (p - pivot));
        let i = forward_head_index(&front_features(&lean, None)?, &base)?;
        assert_relative_eq!(i.index_pct, 0.0, epsilon = 1e-9);
        Ok(())
    }

    #[test]
    fn sagittal_term_uses_world_points() -> Result<(), Unmeasurable> {
        let w = |ez: f64| FrontWorld {
            left_ear: Point3::new(0.08, -0.55, ez),
            right_ear: Point3::new(-0.08, -0.55, ez),
            left_shoulder: Point3::new(0.18, -0.4, 0.0),
            right_shoulder: Point3::new(-0.18, -0.4, 0.0),
        };
        let base = front_features(&upright(), Some(&w(0.0)))?;
        let now = front_features(&upright(), Some(&w(-0.05)))?;
        let i = forward_head_index(&now, &base)?;
        assert!(i.sagittal_pct.is_some_and(|s| s > 20.0), "{i:?}");
        assert!(i.index_pct > 0.0);
        Ok(())
    }

    #[test]
    fn zero_baseline_is_a_reason() {
        let base = FrontFeatures {
            head_scale: 0.0,
            head_drop: 0.6,
            head_pitch: 0.0,
            sagittal_sin: None,
        };
        assert_eq!(
            forward_head_index(&base, &base),
            Err(Unmeasurable::NoBaseline("head scale"))
        );
    }
}
