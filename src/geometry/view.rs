//! Camera-view classification: side-left, side-right, front or oblique, per frame, plus a
//! [`ViewTracker`] that adds hysteresis so the view does not flicker.
//!
//! # The rule
//! The shoulder spread is the horizontal distance between the two shoulder landmarks over a
//! reference length: the torso length (mid-shoulder to mid-hip) when a hip is visible, else
//! [`HEAD_TO_TORSO`] times the mid-ear to mid-shoulder distance (laptop webcams rarely see the
//! hips). In a true side view the shoulders overlap (spread near 0); facing the camera the
//! biacromial width is about 0.6-0.8 torso lengths.
//! - spread `<=` [`SIDE_MAX_SPREAD`] and the ears overlap (ear spread over the ear-to-shoulder
//!   distance `<=` [`SIDE_MAX_EAR_SPREAD`]; a three-quarter view can stack the shoulders but
//!   not the ears): side view. The nose ahead of the ears tells which side faces the camera
//!   (nose to the image right: the person's right side faces the camera); when the nose is
//!   level with the ears (head bowed far down) a seated person's knees, which point forward,
//!   decide.
//! - spread `>=` [`FRONT_MIN_SPREAD`], both ears visible and the nose between the ears: front.
//! - anything else: oblique (no angle is valid, say so).

use nalgebra::Point2;

use super::{Body, Facing, Keypoint, MIN_SEGMENT, Unmeasurable, midpoint, visible};

/// Largest shoulder spread (over the reference length) that still counts as a side view.
pub const SIDE_MAX_SPREAD: f64 = 0.30;
/// Smallest shoulder spread (over the reference length) that counts as a front view.
pub const FRONT_MIN_SPREAD: f64 = 0.50;
/// How far the thresholds move in favour of the current view (hysteresis), in spread units.
pub const SPREAD_HYSTERESIS: f64 = 0.06;
/// The nose must lie at least this far ahead of the mid-ear point, in units of the
/// ear-to-shoulder distance, to tell the facing direction in a side view.
pub const MIN_NOSE_AHEAD: f64 = 0.10;
/// In a front view the nose must lie within this fraction of the ear-to-ear width from the
/// mid-ear point (larger: the head is turned, the view is oblique).
pub const MAX_FRONT_NOSE_OFFSET: f64 = 0.35;
/// Largest horizontal ear spread, over the ear-to-shoulder distance, of a side view. Side
/// views of the media set measure 0.00-0.21, front views 0.56-1.10.
pub const SIDE_MAX_EAR_SPREAD: f64 = 0.35;
/// The knee must lie this far ahead of the hip (in trunk lengths) to tell the facing when the
/// nose cannot.
pub const MIN_KNEE_AHEAD: f64 = 0.3;
/// Torso length over the mid-ear to mid-shoulder distance, used when no hip is visible
/// (BlazePose on the front views of the media set: 2.0-2.4).
pub const HEAD_TO_TORSO: f64 = 2.2;
/// Consecutive frames a new view must persist before [`ViewTracker`] switches to it.
pub const VIEW_SWITCH_FRAMES: u32 = 3;

/// A classified camera view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewClass {
    /// Side view, the person's left side faces the camera (they face the image left).
    SideLeft,
    /// Side view, the person's right side faces the camera (they face the image right).
    SideRight,
    /// Front view.
    Front,
    /// Neither.
    Oblique,
}

impl ViewClass {
    /// The facing direction of a side view, `None` otherwise.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::Facing;
    /// use plumbline::geometry::view::ViewClass;
    /// assert_eq!(ViewClass::SideLeft.facing(), Some(Facing::ImageLeft));
    /// assert_eq!(ViewClass::Front.facing(), None);
    /// ```
    pub fn facing(self) -> Option<Facing> {
        match self {
            Self::SideLeft => Some(Facing::ImageLeft),
            Self::SideRight => Some(Facing::ImageRight),
            Self::Front | Self::Oblique => None,
        }
    }
}

/// The classification of one frame and the evidence behind it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewReading {
    /// The class.
    pub class: ViewClass,
    /// Shoulder spread over the reference length (dimensionless).
    pub spread: f64,
}

fn present(k: Option<Keypoint>, name: &'static str) -> Result<Point2<f64>, Unmeasurable> {
    let k = k.ok_or(Unmeasurable::Missing(name))?;
    if k.pos.x.is_finite() && k.pos.y.is_finite() {
        Ok(k.pos)
    } else {
        Err(Unmeasurable::Degenerate(name))
    }
}

/// Classifies the view of one frame without hysteresis.
///
/// # Examples
/// ```
/// use plumbline::geometry::{Body, Keypoint};
/// use plumbline::geometry::view::{classify_view, ViewClass};
/// let k = |x, y| Some(Keypoint::new(x, y, 0.9));
/// // Side view, facing the image right: shoulders overlap, nose ahead of the ear.
/// let side = Body { nose: k(20.0, 70.0), left_ear: k(2.0, 70.0), right_ear: k(0.0, 70.0),
///     left_shoulder: k(-2.0, 40.0), right_shoulder: k(0.0, 40.0),
///     left_hip: k(-2.0, 0.0), right_hip: k(0.0, 0.0), ..Body::default() };
/// assert_eq!(classify_view(&side, None).unwrap().class, ViewClass::SideRight);
/// ```
pub fn classify_view(body: &Body, current: Option<ViewClass>) -> Result<ViewReading, Unmeasurable> {
    let ls = present(body.left_shoulder, "left shoulder")?;
    let rs = present(body.right_shoulder, "right shoulder")?;
    let near_shoulder_visible = visible(body.left_shoulder, "left shoulder").is_ok()
        || visible(body.right_shoulder, "right shoulder").is_ok();
    if !near_shoulder_visible {
        return Err(Unmeasurable::Occluded("shoulders"));
    }
    let mid_shoulder = midpoint(ls, rs);
    let ears = ear_points(body)?;
    let mid_ear = ears.mid;
    let ear_shoulder = (mid_ear - mid_shoulder).norm();
    let reference = torso_length(body, mid_shoulder).unwrap_or(HEAD_TO_TORSO * ear_shoulder);
    if reference < MIN_SEGMENT || ear_shoulder < MIN_SEGMENT {
        return Err(Unmeasurable::Degenerate("torso"));
    }
    let spread = (ls.x - rs.x).abs() / reference;
    let bias = |view: ViewClass| {
        if current == Some(view) {
            SPREAD_HYSTERESIS
        } else {
            0.0
        }
    };
    let side_limit = SIDE_MAX_SPREAD + bias(ViewClass::SideLeft).max(bias(ViewClass::SideRight));
    let front_limit = FRONT_MIN_SPREAD - bias(ViewClass::Front);
    let nose = visible(body.nose, "nose").ok();
    let ear_spread = (ears.left.x - ears.right.x).abs() / ear_shoulder;
    let class = if spread <= side_limit && ear_spread <= SIDE_MAX_EAR_SPREAD {
        let ahead = nose.map_or(0.0, |nose| (nose.x - mid_ear.x) / ear_shoulder);
        if ahead >= MIN_NOSE_AHEAD {
            ViewClass::SideRight
        } else if ahead <= -MIN_NOSE_AHEAD {
            ViewClass::SideLeft
        } else {
            knee_facing(body, reference).unwrap_or(ViewClass::Oblique)
        }
    } else if spread >= front_limit && ears.both_visible {
        let ear_width = (ears.left - ears.right).norm();
        match nose {
            Some(nose)
                if ear_width > MIN_SEGMENT
                    && (nose.x - mid_ear.x).abs() / ear_width <= MAX_FRONT_NOSE_OFFSET =>
            {
                ViewClass::Front
            }
            _ => ViewClass::Oblique,
        }
    } else {
        ViewClass::Oblique
    };
    Ok(ViewReading { class, spread })
}

struct Ears {
    left: Point2<f64>,
    right: Point2<f64>,
    mid: Point2<f64>,
    both_visible: bool,
}

fn ear_points(body: &Body) -> Result<Ears, Unmeasurable> {
    let left = present(body.left_ear, "left ear")?;
    let right = present(body.right_ear, "right ear")?;
    let lv = visible(body.left_ear, "left ear").is_ok();
    let rv = visible(body.right_ear, "right ear").is_ok();
    if !lv && !rv {
        return Err(Unmeasurable::Occluded("ears"));
    }
    Ok(Ears {
        left,
        right,
        mid: midpoint(left, right),
        both_visible: lv && rv,
    })
}

/// The side view from the knees ahead of the hips (seated), if they tell.
fn knee_facing(body: &Body, reference: f64) -> Option<ViewClass> {
    let pairs = [
        (body.left_hip, body.left_knee),
        (body.right_hip, body.right_knee),
    ];
    let ahead: Vec<f64> = pairs
        .iter()
        .filter_map(|&(h, k)| {
            let h = visible(h, "hip").ok()?;
            let k = visible(k, "knee").ok()?;
            Some((k.x - h.x) / reference)
        })
        .collect();
    let mean = ahead.iter().sum::<f64>() / ahead.len().max(1) as f64;
    if ahead.is_empty() || mean.abs() < MIN_KNEE_AHEAD {
        None
    } else if mean > 0.0 {
        Some(ViewClass::SideRight)
    } else {
        Some(ViewClass::SideLeft)
    }
}

fn torso_length(body: &Body, mid_shoulder: Point2<f64>) -> Option<f64> {
    let lh = visible(body.left_hip, "left hip").ok();
    let rh = visible(body.right_hip, "right hip").ok();
    let hip = match (lh, rh) {
        (Some(l), Some(r)) => midpoint(l, r),
        (Some(h), None) | (None, Some(h)) => h,
        (None, None) => return None,
    };
    let length = (mid_shoulder - hip).norm();
    (length > MIN_SEGMENT).then_some(length)
}

/// Per-frame view with hysteresis: a new class must persist for
/// [`VIEW_SWITCH_FRAMES`] frames, and the spread thresholds move by [`SPREAD_HYSTERESIS`]
/// in favour of the current class.
#[derive(Clone, Debug)]
pub struct ViewTracker {
    current: Option<ViewClass>,
    pending: Option<Pending>,
    switch_frames: u32,
}

impl Default for ViewTracker {
    fn default() -> Self {
        Self::with_switch_frames(VIEW_SWITCH_FRAMES)
    }
}

/// A view that differs from the current one, and for how many frames it has held.
#[derive(Clone, Copy, Debug)]
struct Pending {
    class: Option<ViewClass>,
    frames: u32,
}

impl ViewTracker {
    /// A tracker that starts with an unknown view.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::view::ViewTracker;
    /// assert_eq!(ViewTracker::new().current(), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that switches after `frames` consecutive frames (1: at once, for
    /// independent still images; 0 counts as 1).
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Body, Keypoint};
    /// use plumbline::geometry::view::{ViewClass, ViewTracker};
    /// let k = |x, y| Some(Keypoint::new(x, y, 0.9));
    /// let front = Body { nose: k(0.0, 70.0), left_ear: k(8.0, 72.0), right_ear: k(-8.0, 72.0),
    ///     left_shoulder: k(20.0, 40.0), right_shoulder: k(-20.0, 40.0),
    ///     left_hip: k(12.0, 0.0), right_hip: k(-12.0, 0.0), ..Body::default() };
    /// assert_eq!(ViewTracker::with_switch_frames(1).update(&front), Some(ViewClass::Front));
    /// ```
    pub fn with_switch_frames(frames: u32) -> Self {
        Self {
            current: None,
            pending: None,
            switch_frames: frames.max(1),
        }
    }

    /// The current view, `None` while unknown.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::view::ViewTracker;
    /// let tracker = ViewTracker::default();
    /// assert!(tracker.current().is_none());
    /// ```
    pub fn current(&self) -> Option<ViewClass> {
        self.current
    }

    /// Feeds one frame; returns the view after it (`None`: unknown).
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Body, Keypoint};
    /// use plumbline::geometry::view::{ViewClass, ViewTracker};
    /// let k = |x, y| Some(Keypoint::new(x, y, 0.9));
    /// let front = Body { nose: k(0.0, 70.0), left_ear: k(8.0, 72.0), right_ear: k(-8.0, 72.0),
    ///     left_shoulder: k(20.0, 40.0), right_shoulder: k(-20.0, 40.0),
    ///     left_hip: k(12.0, 0.0), right_hip: k(-12.0, 0.0), ..Body::default() };
    /// let mut tracker = ViewTracker::new();
    /// assert_eq!(tracker.update(&front), None);
    /// tracker.update(&front);
    /// assert_eq!(tracker.update(&front), Some(ViewClass::Front));
    /// ```
    pub fn update(&mut self, body: &Body) -> Option<ViewClass> {
        let raw = classify_view(body, self.current).ok().map(|r| r.class);
        if raw == self.current {
            self.pending = None;
            return self.current;
        }
        let frames = match self.pending {
            Some(p) if p.class == raw => p.frames + 1,
            _ => 1,
        };
        if frames >= self.switch_frames {
            self.current = raw;
            self.pending = None;
        } else {
            self.pending = Some(Pending { class: raw, frames });
        }
        self.current
    }

    /// Forgets the current view (for example after the person left).
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::Body;
    /// use plumbline::geometry::view::ViewTracker;
    /// let mut tracker = ViewTracker::new();
    /// tracker.update(&Body::default());
    /// tracker.reset();
    /// assert!(tracker.current().is_none());
    /// ```
    pub fn reset(&mut self) {
        self.current = None;
        self.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(x: f64, y: f64) -> Option<Keypoint> {
        Some(Keypoint::new(x, y, 0.9))
    }

    fn body_with_spread(half: f64, nose_x: f64) -> Body {
        Body {
            nose: k(nose_x, 70.0),
            left_ear: k(half * 0.4 + 1.0, 72.0),
            right_ear: k(-half * 0.4 - 1.0, 72.0),
            left_shoulder: k(half, 40.0),
            right_shoulder: k(-half, 40.0),
            left_hip: k(half * 0.6, 0.0),
            right_hip: k(-half * 0.6, 0.0),
            ..Body::default()
        }
    }

    #[test]
    fn side_and_front_and_oblique() -> Result<(), Unmeasurable> {
        assert_eq!(
            classify_view(&body_with_spread(2.0, 20.0), None)?.class,
            ViewClass::SideRight
        );
        assert_eq!(
            classify_view(&body_with_spread(2.0, -20.0), None)?.class,
            ViewClass::SideLeft
        );
        assert_eq!(
            classify_view(&body_with_spread(15.0, 0.0), None)?.class,
            ViewClass::Front
        );
        assert_eq!(
            classify_view(&body_with_spread(8.0, 0.0), None)?.class,
            ViewClass::Oblique
        );
        // Bowed head (nose level with the ears): the knees decide.
        let mut bowed = body_with_spread(2.0, 0.0);
        bowed.right_knee = k(120.0, 5.0);
        assert_eq!(classify_view(&bowed, None)?.class, ViewClass::SideRight);
        // Three-quarter view: shoulders stacked but the ears apart.
        let mut turned = body_with_spread(2.0, 20.0);
        turned.left_ear = k(15.0, 72.0);
        assert_eq!(classify_view(&turned, None)?.class, ViewClass::Oblique);
        // Head turned far in a front body: oblique.
        assert_eq!(
            classify_view(&body_with_spread(15.0, 12.0), None)?.class,
            ViewClass::Oblique
        );
        Ok(())
    }

    #[test]
    fn hysteresis_keeps_side_near_threshold() -> Result<(), Unmeasurable> {
        // Spread 0.33: above the side limit, but within the margin when already in side view.
        let b = body_with_spread(6.6, 20.0);
        assert_eq!(classify_view(&b, None)?.class, ViewClass::Oblique);
        assert_eq!(
            classify_view(&b, Some(ViewClass::SideRight))?.class,
            ViewClass::SideRight
        );
        Ok(())
    }

    #[test]
    fn tracker_ignores_single_frame_flicker() {
        let side = body_with_spread(2.0, 20.0);
        let front = body_with_spread(15.0, 0.0);
        let mut t = ViewTracker::new();
        for _ in 0..VIEW_SWITCH_FRAMES {
            t.update(&side);
        }
        assert_eq!(t.current(), Some(ViewClass::SideRight));
        assert_eq!(t.update(&front), Some(ViewClass::SideRight));
        assert_eq!(t.update(&side), Some(ViewClass::SideRight));
        for _ in 0..VIEW_SWITCH_FRAMES {
            t.update(&front);
        }
        assert_eq!(t.current(), Some(ViewClass::Front));
        for _ in 0..VIEW_SWITCH_FRAMES {
            t.update(&Body::default());
        }
        assert_eq!(t.current(), None);
    }

    #[test]
    fn missing_shoulder_is_a_reason() {
        let mut b = body_with_spread(2.0, 20.0);
        b.left_shoulder = None;
        assert_eq!(
            classify_view(&b, None),
            Err(Unmeasurable::Missing("left shoulder"))
        );
    }
}
