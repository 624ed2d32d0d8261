//! Pure angle maths on landmarks with nalgebra: no I/O, no ort, no egui. Radians inside,
//! degrees only at the edges.
//!
//! # Frames
//! Every 2-D function works in a **y-up** frame: `x` to the image right, `y` up (the negated
//! image row). [`point_y_up`] converts image pixels into it. World points ([`Point3`]) keep
//! BlazePose's convention (metres, +y down, +z away from the camera).
//!
//! # Failure
//! A measurement that cannot be made (a missing or occluded landmark, coincident points)
//! returns [`Unmeasurable`] with the reason, never NaN.
//!
//! # Modules
//! - [`view`]: side-left / side-right / front / oblique per frame, and a [`view::ViewTracker`]
//!   with hysteresis.
//! - [`cva`]: the craniovertebral angle with an explicit C7 model.
//! - [`angles`]: neck flexion, trunk inclination, hip angle and line tilts.
//! - [`front`]: the front-view forward-head index relative to a baseline.
//! - [`silhouette`]: C7 from the person mask's posterior neck contour.
//! - [`uncertainty`]: the ± figure of one CVA from what it rests on.

pub mod angles;
pub mod cva;
pub mod front;
pub mod silhouette;
pub mod uncertainty;
pub mod view;

use nalgebra::{Point2, Point3, Vector2};

/// Landmarks whose visibility (probability of not being occluded) or presence (probability
/// of being inside the picture) is below this are not used: the model's own decision bound,
/// the one MediaPipe draws with.
pub const MIN_VISIBILITY: f64 = 0.5;

/// A landmark closer to an edge of the picture than this fraction of the frame's shorter side
/// is taken as outside it. The landmark model pins joints that left the picture to its edge
/// with high visibility and presence: a head cut off at the chin had its ears placed 1 and
/// 10 px inside a 420 px frame at visibility 0.99 (`docs/MEASUREMENT.md`, "Only what is in
/// the picture"). One picture set this value, so it is a guard against the edge, not a
/// fitted threshold.
pub const FRAME_MARGIN: f64 = 0.03;

/// Segments shorter than this (in the points' unit, pixels or metres) are degenerate.
pub const MIN_SEGMENT: f64 = 1e-6;

/// Why a measurement could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unmeasurable {
    /// A landmark the measure needs is not in the input.
    #[error("landmark {0} is missing; make sure the head, shoulders and hips are in the frame")]
    Missing(&'static str),
    /// A landmark is present but occluded (visibility below [`MIN_VISIBILITY`]).
    #[error("landmark {0} is occluded; move so that it faces the camera")]
    Occluded(&'static str),
    /// Two points the measure needs to be distinct coincide.
    #[error("{0} has zero length; the landmarks coincide")]
    Degenerate(&'static str),
    /// The measure is not valid in the camera view of this frame.
    #[error("not valid in this camera view ({0})")]
    WrongView(&'static str),
    /// A baseline value the relative measure needs is missing or zero.
    #[error("no usable baseline for {0}; calibrate first")]
    NoBaseline(&'static str),
}

/// One 2-D landmark in the y-up frame with its visibility (0-1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Keypoint {
    /// Position in the y-up frame (pixels).
    pub pos: Point2<f64>,
    /// Probability that the point is visible.
    pub visibility: f64,
}

impl Keypoint {
    /// A keypoint at `(x, y)` in the y-up frame.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::Keypoint;
    /// let k = Keypoint::new(1.0, 2.0, 0.9);
    /// assert_eq!((k.pos.x, k.pos.y, k.visibility), (1.0, 2.0, 0.9));
    /// ```
    pub fn new(x: f64, y: f64, visibility: f64) -> Self {
        Self {
            pos: Point2::new(x, y),
            visibility,
        }
    }
}

/// The landmarks the measures use, in the y-up frame. `None` marks a landmark the pose
/// engine did not give.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Body {
    /// Nose.
    pub nose: Option<Keypoint>,
    /// Left ear (tragus proxy).
    pub left_ear: Option<Keypoint>,
    /// Right ear (tragus proxy).
    pub right_ear: Option<Keypoint>,
    /// Left shoulder joint centre.
    pub left_shoulder: Option<Keypoint>,
    /// Right shoulder joint centre.
    pub right_shoulder: Option<Keypoint>,
    /// Left hip joint centre.
    pub left_hip: Option<Keypoint>,
    /// Right hip joint centre.
    pub right_hip: Option<Keypoint>,
    /// Left knee.
    pub left_knee: Option<Keypoint>,
    /// Right knee.
    pub right_knee: Option<Keypoint>,
}

/// A body side: which of a left/right landmark pair to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The person's left.
    Left,
    /// The person's right.
    Right,
}

/// The joints of one body side, for the side-view measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SideChain {
    /// Ear (tragus proxy).
    pub ear: Point2<f64>,
    /// Shoulder joint centre.
    pub shoulder: Point2<f64>,
    /// Hip joint centre.
    pub hip: Point2<f64>,
    /// Knee, when visible.
    pub knee: Option<Point2<f64>>,
}

impl SideChain {
    /// The trunk's unit axes: superior (hip to shoulder) and posterior (perpendicular to it,
    /// toward the person's back).
    ///
    /// # Errors
    /// [`Unmeasurable::Degenerate`] when hip and shoulder coincide.
    pub fn trunk_axes(&self, facing: Facing) -> Result<(Vector2<f64>, Vector2<f64>), Unmeasurable> {
        let superior = unit(self.hip, self.shoulder, "trunk (hip to shoulder)")?;
        let anterior = Vector2::new(superior.y, -superior.x) * facing.sign();
        Ok((superior, -anterior))
    }
}

/// The direction the person faces in a side view, in the y-up frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Facing {
    /// The nose points to the image right (+x): the right side faces the camera.
    ImageRight,
    /// The nose points to the image left (-x): the left side faces the camera.
    ImageLeft,
}

impl Facing {
    /// +1 for [`Facing::ImageRight`], -1 for [`Facing::ImageLeft`]: multiply an x difference
    /// by it to get "anterior is positive".
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::Facing;
    /// assert_eq!(Facing::ImageLeft.sign() * -3.0, 3.0);
    /// ```
    pub fn sign(self) -> f64 {
        match self {
            Self::ImageRight => 1.0,
            Self::ImageLeft => -1.0,
        }
    }

    /// The body side that faces the camera.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Facing, Side};
    /// assert_eq!(Facing::ImageRight.near_side(), Side::Right);
    /// ```
    pub fn near_side(self) -> Side {
        match self {
            Self::ImageRight => Side::Right,
            Self::ImageLeft => Side::Left,
        }
    }
}

/// Converts image pixels (y down) into the y-up frame.
///
/// # Examples
/// ```
/// use plumbline::geometry::point_y_up;
/// let p = point_y_up(10.0, 20.0);
/// assert_eq!((p.x, p.y), (10.0, -20.0));
/// ```
pub fn point_y_up(x_px: f64, y_px: f64) -> Point2<f64> {
    Point2::new(x_px, -y_px)
}

/// The keypoint if present and visible, with `name` in the reason otherwise.
///
/// # Examples
/// ```
/// use plumbline::geometry::{visible, Keypoint, Unmeasurable};
/// let k = Some(Keypoint::new(1.0, 2.0, 0.9));
/// assert!(visible(k, "nose").is_ok());
/// let hidden = Some(Keypoint::new(1.0, 2.0, 0.1));
/// assert_eq!(visible(hidden, "nose"), Err(Unmeasurable::Occluded("nose")));
/// assert_eq!(visible(None, "nose"), Err(Unmeasurable::Missing("nose")));
/// ```
pub fn visible(k: Option<Keypoint>, name: &'static str) -> Result<Point2<f64>, Unmeasurable> {
    let k = k.ok_or(Unmeasurable::Missing(name))?;
    if k.visibility >= MIN_VISIBILITY && k.pos.x.is_finite() && k.pos.y.is_finite() {
        Ok(k.pos)
    } else {
        Err(Unmeasurable::Occluded(name))
    }
}

/// The unit vector from `from` to `to`, or [`Unmeasurable::Degenerate`].
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::unit;
/// let u = unit(Point2::new(0.0, 0.0), Point2::new(0.0, 5.0), "trunk").unwrap();
/// assert_eq!((u.x, u.y), (0.0, 1.0));
/// assert!(unit(Point2::new(1.0, 1.0), Point2::new(1.0, 1.0), "trunk").is_err());
/// ```
pub fn unit(
    from: Point2<f64>,
    to: Point2<f64>,
    what: &'static str,
) -> Result<Vector2<f64>, Unmeasurable> {
    (to - from)
        .try_normalize(MIN_SEGMENT)
        .ok_or(Unmeasurable::Degenerate(what))
}

/// The midpoint of two points.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::midpoint;
/// let m = midpoint(Point2::new(0.0, 0.0), Point2::new(2.0, 4.0));
/// assert_eq!((m.x, m.y), (1.0, 2.0));
/// ```
pub fn midpoint(a: Point2<f64>, b: Point2<f64>) -> Point2<f64> {
    nalgebra::center(&a, &b)
}

/// The midpoint of two world points.
///
/// # Examples
/// ```
/// use nalgebra::Point3;
/// use plumbline::geometry::midpoint3;
/// let m = midpoint3(Point3::new(0.0, 0.0, 0.0), Point3::new(2.0, 4.0, 6.0));
/// assert_eq!((m.x, m.y, m.z), (1.0, 2.0, 3.0));
/// ```
pub fn midpoint3(a: Point3<f64>, b: Point3<f64>) -> Point3<f64> {
    nalgebra::center(&a, &b)
}

/// Wraps an angle into (-π, π].
///
/// # Examples
/// ```
/// use std::f64::consts::PI;
/// use plumbline::geometry::wrap_angle;
/// assert!((wrap_angle(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-12);
/// ```
pub fn wrap_angle(a: f64) -> f64 {
    let mut w = a.rem_euclid(std::f64::consts::TAU);
    if w > std::f64::consts::PI {
        w -= std::f64::consts::TAU;
    }
    w
}

impl Body {
    /// The ear, shoulder, hip and (optional) knee of `side`, each visible.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Body, Keypoint, Side};
    /// let k = |x, y| Some(Keypoint::new(x, y, 0.9));
    /// let body = Body { right_ear: k(5.0, 60.0), right_shoulder: k(0.0, 40.0),
    ///     right_hip: k(0.0, 0.0), ..Body::default() };
    /// let chain = body.chain(Side::Right).unwrap();
    /// assert_eq!(chain.shoulder.y, 40.0);
    /// assert!(chain.knee.is_none());
    /// ```
    pub fn chain(&self, side: Side) -> Result<SideChain, Unmeasurable> {
        let (ear, shoulder, hip, knee) = match side {
            Side::Left => (
                visible(self.left_ear, "left ear")?,
                visible(self.left_shoulder, "left shoulder")?,
                visible(self.left_hip, "left hip")?,
                visible(self.left_knee, "left knee").ok(),
            ),
            Side::Right => (
                visible(self.right_ear, "right ear")?,
                visible(self.right_shoulder, "right shoulder")?,
                visible(self.right_hip, "right hip")?,
                visible(self.right_knee, "right knee").ok(),
            ),
        };
        Ok(SideChain {
            ear,
            shoulder,
            hip,
            knee,
        })
    }

    /// The body with every point mapped by `f` (for tests and for mirroring).
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Body, Keypoint};
    /// let body = Body { nose: Some(Keypoint::new(1.0, 2.0, 1.0)), ..Body::default() };
    /// let moved = body.map(|p| p + nalgebra::Vector2::new(1.0, 0.0));
    /// assert_eq!(moved.nose.unwrap().pos.x, 2.0);
    /// ```
    #[must_use]
    pub fn map(&self, f: impl Fn(Point2<f64>) -> Point2<f64>) -> Self {
        let m = |k: Option<Keypoint>| {
            k.map(|k| Keypoint {
                pos: f(k.pos),
                visibility: k.visibility,
            })
        };
        Self {
            nose: m(self.nose),
            left_ear: m(self.left_ear),
            right_ear: m(self.right_ear),
            left_shoulder: m(self.left_shoulder),
            right_shoulder: m(self.right_shoulder),
            left_hip: m(self.left_hip),
            right_hip: m(self.right_hip),
            left_knee: m(self.left_knee),
            right_knee: m(self.right_knee),
        }
    }

    /// The body as the pose engine would report it on the horizontally mirrored image:
    /// x is negated and the left/right labels swap.
    ///
    /// # Examples
    /// ```
    /// use plumbline::geometry::{Body, Keypoint};
    /// let body = Body { left_ear: Some(Keypoint::new(3.0, 2.0, 1.0)), ..Body::default() };
    /// let m = body.mirrored();
    /// assert!(m.left_ear.is_none());
    /// assert_eq!(m.right_ear.unwrap().pos.x, -3.0);
    /// ```
    #[must_use]
    pub fn mirrored(&self) -> Self {
        let flipped = self.map(|p| Point2::new(-p.x, p.y));
        Self {
            nose: flipped.nose,
            left_ear: flipped.right_ear,
            right_ear: flipped.left_ear,
            left_shoulder: flipped.right_shoulder,
            right_shoulder: flipped.left_shoulder,
            left_hip: flipped.right_hip,
            right_hip: flipped.left_hip,
            left_knee: flipped.right_knee,
            right_knee: flipped.left_knee,
        }
    }
}
