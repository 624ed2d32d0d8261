//! Joint and line angles: neck flexion relative to the trunk, trunk inclination, the hip
//! angle and the tilt of a left/right landmark pair. All in the y-up frame, radians.
//!
//! Sign conventions (side view, `facing` says which way is anterior):
//! - trunk inclination: hip-to-shoulder line against the vertical, positive = forward lean;
//! - neck flexion: shoulder-to-ear line relative to the hip-to-shoulder line, positive =
//!   flexion (head ahead of the trunk line), negative = extension;
//! - hip angle: the unsigned shoulder-hip-knee angle in [0, π];
//! - line tilt: the line from the person's right point to their left point against the
//!   horizontal, in (-π/2, π/2], positive = the person's left point higher (front view).

use nalgebra::{Point2, Vector2};

use super::{Body, Facing, SideChain, Unmeasurable, unit, visible, wrap_angle};

/// Angle of `v` from the vertical (+y), positive toward anterior.
fn from_vertical(v: Vector2<f64>, facing: Facing) -> f64 {
    (facing.sign() * v.x).atan2(v.y)
}

/// Trunk inclination: the hip-to-shoulder line against the vertical, positive = forward.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::Facing;
/// use plumbline::geometry::angles::trunk_inclination_rad;
/// let a = trunk_inclination_rad(Point2::new(0.0, 0.0), Point2::new(1.0, 1.0), Facing::ImageRight);
/// assert!((a.unwrap().to_degrees() - 45.0).abs() < 1e-9);
/// ```
pub fn trunk_inclination_rad(
    hip: Point2<f64>,
    shoulder: Point2<f64>,
    facing: Facing,
) -> Result<f64, Unmeasurable> {
    let u = unit(hip, shoulder, "trunk (hip to shoulder)")?;
    Ok(from_vertical(u, facing))
}

/// Neck flexion: the shoulder-to-ear line relative to the trunk line, positive = flexion.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::{Facing, SideChain};
/// use plumbline::geometry::angles::neck_flexion_rad;
/// let chain = SideChain { ear: Point2::new(-10.0, 60.0), shoulder: Point2::new(0.0, 50.0),
///     hip: Point2::new(0.0, 0.0), knee: None };
/// // Facing the image left, the ear is 45° ahead of the vertical trunk: 45° flexion.
/// let a = neck_flexion_rad(&chain, Facing::ImageLeft).unwrap();
/// assert!((a.to_degrees() - 45.0).abs() < 1e-9);
/// ```
pub fn neck_flexion_rad(chain: &SideChain, facing: Facing) -> Result<f64, Unmeasurable> {
    let trunk = unit(chain.hip, chain.shoulder, "trunk (hip to shoulder)")?;
    let head = unit(chain.shoulder, chain.ear, "head line (shoulder to ear)")?;
    Ok(wrap_angle(
        from_vertical(head, facing) - from_vertical(trunk, facing),
    ))
}

/// The angle at the hip between the shoulder and the knee, in [0, π].
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::angles::hip_angle_rad;
/// let a = hip_angle_rad(Point2::new(0.0, 1.0), Point2::new(0.0, 0.0), Point2::new(1.0, 0.0));
/// assert!((a.unwrap().to_degrees() - 90.0).abs() < 1e-9);
/// ```
pub fn hip_angle_rad(
    shoulder: Point2<f64>,
    hip: Point2<f64>,
    knee: Point2<f64>,
) -> Result<f64, Unmeasurable> {
    let a = unit(hip, shoulder, "trunk (hip to shoulder)")?;
    let b = unit(hip, knee, "thigh (hip to knee)")?;
    // atan2 of cross and dot is accurate near 0 and π, unlike acos.
    Ok(a.perp(&b).abs().atan2(a.dot(&b)))
}

/// Tilt of the line from the person's right point to their left point against the
/// horizontal, in (-π/2, π/2]; positive when the left point is higher in a front view.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::angles::line_tilt_rad;
/// // Front view: the person's left shoulder is at the image right, and 10 px higher.
/// let t = line_tilt_rad(Point2::new(100.0, 10.0), Point2::new(0.0, 0.0), "shoulder line");
/// assert!((t.unwrap() - (0.1f64).atan()).abs() < 1e-12);
/// ```
pub fn line_tilt_rad(
    left: Point2<f64>,
    right: Point2<f64>,
    what: &'static str,
) -> Result<f64, Unmeasurable> {
    let d = unit(right, left, what)?;
    // Fold the direction onto the right half-plane: a line has no direction.
    let (x, y) = if d.x < 0.0 || (d.x == 0.0 && d.y < 0.0) {
        (-d.x, -d.y)
    } else {
        (d.x, d.y)
    };
    Ok(y.atan2(x))
}

/// Shoulder-line tilt (front view): the right-to-left shoulder line against the horizontal,
/// positive = the left shoulder higher.
///
/// # Examples
/// ```
/// use plumbline::geometry::{Body, Keypoint};
/// use plumbline::geometry::angles::shoulder_tilt_rad;
/// let body = Body { left_shoulder: Some(Keypoint::new(20.0, 2.0, 0.9)),
///     right_shoulder: Some(Keypoint::new(-20.0, -2.0, 0.9)), ..Body::default() };
/// assert!((shoulder_tilt_rad(&body).unwrap() - 0.1f64.atan()).abs() < 1e-12);
/// ```
pub fn shoulder_tilt_rad(body: &Body) -> Result<f64, Unmeasurable> {
    line_tilt_rad(
        visible(body.left_shoulder, "left shoulder")?,
        visible(body.right_shoulder, "right shoulder")?,
        "shoulder line",
    )
}

/// Pelvic obliquity (front view, hips visible): the right-to-left hip line against the
/// horizontal, positive = the left hip higher. A hip-joint proxy, not the clinical
/// ASIS line.
///
/// # Examples
/// ```
/// use plumbline::geometry::{Body, Keypoint, Unmeasurable};
/// use plumbline::geometry::angles::pelvic_obliquity_rad;
/// let body = Body { left_hip: Some(Keypoint::new(15.0, 0.0, 0.9)),
///     right_hip: Some(Keypoint::new(-15.0, 0.0, 0.2)), ..Body::default() };
/// assert_eq!(pelvic_obliquity_rad(&body), Err(Unmeasurable::Occluded("right hip")));
/// ```
pub fn pelvic_obliquity_rad(body: &Body) -> Result<f64, Unmeasurable> {
    line_tilt_rad(
        visible(body.left_hip, "left hip")?,
        visible(body.right_hip, "right hip")?,
        "hip line",
    )
}

/// Head lateral tilt (front view): the right-to-left ear line against the horizontal,
/// positive = the left ear higher.
///
/// # Examples
/// ```
/// use plumbline::geometry::{Body, Keypoint};
/// use plumbline::geometry::angles::head_tilt_rad;
/// let body = Body { left_ear: Some(Keypoint::new(8.0, 60.0, 0.9)),
///     right_ear: Some(Keypoint::new(-8.0, 60.0, 0.9)), ..Body::default() };
/// assert_eq!(head_tilt_rad(&body).unwrap(), 0.0);
/// ```
pub fn head_tilt_rad(body: &Body) -> Result<f64, Unmeasurable> {
    line_tilt_rad(
        visible(body.left_ear, "left ear")?,
        visible(body.right_ear, "right ear")?,
        "ear line",
    )
}

/// Side-view angles of one frame, radians.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SideAngles {
    /// See [`neck_flexion_rad`].
    pub neck_flexion_rad: f64,
    /// See [`trunk_inclination_rad`].
    pub trunk_inclination_rad: f64,
    /// See [`hip_angle_rad`]; `None` when the knee is not visible.
    pub hip_angle_rad: Option<f64>,
}

/// All side-view angles of a chain.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::{Facing, SideChain};
/// use plumbline::geometry::angles::side_angles;
/// let chain = SideChain { ear: Point2::new(5.0, 70.0), shoulder: Point2::new(0.0, 50.0),
///     hip: Point2::new(0.0, 0.0), knee: Some(Point2::new(40.0, 0.0)) };
/// let a = side_angles(&chain, Facing::ImageRight).unwrap();
/// assert!((a.hip_angle_rad.unwrap().to_degrees() - 90.0).abs() < 1e-9);
/// assert_eq!(a.trunk_inclination_rad, 0.0);
/// ```
pub fn side_angles(chain: &SideChain, facing: Facing) -> Result<SideAngles, Unmeasurable> {
    Ok(SideAngles {
        neck_flexion_rad: neck_flexion_rad(chain, facing)?,
        trunk_inclination_rad: trunk_inclination_rad(chain.hip, chain.shoulder, facing)?,
        hip_angle_rad: chain
            .knee
            .and_then(|knee| hip_angle_rad(chain.shoulder, chain.hip, knee).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use std::f64::consts::FRAC_PI_2;

    #[test]
    fn trunk_lean_sign_follows_facing() -> Result<(), Unmeasurable> {
        let hip = Point2::new(0.0, 0.0);
        let sh = Point2::new(-10.0, 50.0);
        assert!(trunk_inclination_rad(hip, sh, Facing::ImageLeft)? > 0.0);
        assert!(trunk_inclination_rad(hip, sh, Facing::ImageRight)? < 0.0);
        Ok(())
    }

    #[test]
    fn neck_extension_is_negative() -> Result<(), Unmeasurable> {
        let chain = SideChain {
            ear: Point2::new(-5.0, 60.0),
            shoulder: Point2::new(0.0, 50.0),
            hip: Point2::new(0.0, 0.0),
            knee: None,
        };
        assert!(neck_flexion_rad(&chain, Facing::ImageRight)? < 0.0);
        Ok(())
    }

    #[test]
    fn tilt_is_direction_free_and_vertical_is_half_pi() -> Result<(), Unmeasurable> {
        let a = Point2::new(0.0, 0.0);
        let b = Point2::new(10.0, 3.0);
        assert_relative_eq!(line_tilt_rad(b, a, "l")?, line_tilt_rad(a, b, "l")?);
        assert_relative_eq!(line_tilt_rad(Point2::new(0.0, 5.0), a, "l")?, FRAC_PI_2);
        assert_relative_eq!(line_tilt_rad(a, Point2::new(0.0, 5.0), "l")?, FRAC_PI_2);
        Ok(())
    }

    #[test]
    fn straight_hip_is_pi() -> Result<(), Unmeasurable> {
        let a = hip_angle_rad(
            Point2::new(0.0, 1.0),
            Point2::new(0.0, 0.0),
            Point2::new(0.0, -1.0),
        )?;
        assert_relative_eq!(a, std::f64::consts::PI);
        Ok(())
    }
}
