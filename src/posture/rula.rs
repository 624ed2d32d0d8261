//! RULA neck and trunk bands (McAtamney & Corlett 1993) from the side-view angles.
//!
//! - Neck (head flexion relative to the trunk, not the CVA): 1 for 0-10°, 2 for 10-20°,
//!   3 for over 20°, 4 in extension.
//! - Trunk: 1 when upright or reclined (seated, supported: hip-trunk angle 90° or more),
//!   2 for 0-20° flexion, 3 for 20-60°, 4 for 60° or more.
//!
//! Landmark noise of a few degrees would turn every neutral neck into "extension"; the
//! tolerances in [`RulaTolerance`] (from the config) say how much negative flexion is still
//! neutral. Show the angle next to the band: markerless pose agrees worst with experts on
//! exactly these two scores.

/// Landmark-noise tolerances, degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RulaTolerance {
    /// Flexion down to minus this still counts as neutral, not extension.
    pub extension_deg: f64,
    /// Trunk inclination up to this still counts as upright.
    pub upright_deg: f64,
}

/// Below this hip angle (degrees) a seated trunk is not "well supported, open hip".
pub const SUPPORTED_HIP_ANGLE_DEG: f64 = 90.0;

/// RULA neck score 1-4 from the neck flexion in degrees.
///
/// ```
/// use plumbline::posture::rula::{neck_score, RulaTolerance};
/// let tol = RulaTolerance { extension_deg: 5.0, upright_deg: 5.0 };
/// assert_eq!(neck_score(15.0, tol), 2);
/// assert_eq!(neck_score(-12.0, tol), 4);
/// ```
pub fn neck_score(neck_flexion_deg: f64, tol: RulaTolerance) -> u8 {
    if neck_flexion_deg < -tol.extension_deg {
        4
    } else if neck_flexion_deg <= 10.0 {
        1
    } else if neck_flexion_deg <= 20.0 {
        2
    } else {
        3
    }
}

/// RULA trunk score 1-4 from the trunk inclination (positive = forward) and, when known,
/// the hip angle (shoulder-hip-knee), in degrees.
///
/// ```
/// use plumbline::posture::rula::{trunk_score, RulaTolerance};
/// let tol = RulaTolerance { extension_deg: 5.0, upright_deg: 5.0 };
/// assert_eq!(trunk_score(-10.0, Some(110.0), tol), 1);
/// assert_eq!(trunk_score(30.0, Some(70.0), tol), 3);
/// assert_eq!(trunk_score(65.0, None, tol), 4);
/// ```
pub fn trunk_score(
    trunk_inclination_deg: f64,
    hip_angle_deg: Option<f64>,
    tol: RulaTolerance,
) -> u8 {
    if trunk_inclination_deg <= tol.upright_deg {
        match hip_angle_deg {
            Some(hip) if hip < SUPPORTED_HIP_ANGLE_DEG => 2,
            _ => 1,
        }
    } else if trunk_inclination_deg <= 20.0 {
        2
    } else if trunk_inclination_deg < 60.0 {
        3
    } else {
        4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: RulaTolerance = RulaTolerance {
        extension_deg: 5.0,
        upright_deg: 5.0,
    };

    #[test]
    fn neck_band_edges() {
        assert_eq!(neck_score(-5.0, TOL), 1);
        assert_eq!(neck_score(-5.1, TOL), 4);
        assert_eq!(neck_score(10.0, TOL), 1);
        assert_eq!(neck_score(10.1, TOL), 2);
        assert_eq!(neck_score(20.0, TOL), 2);
        assert_eq!(neck_score(20.1, TOL), 3);
    }

    #[test]
    fn trunk_band_edges() {
        assert_eq!(trunk_score(5.0, None, TOL), 1);
        assert_eq!(trunk_score(5.0, Some(85.0), TOL), 2);
        assert_eq!(trunk_score(20.0, None, TOL), 2);
        assert_eq!(trunk_score(59.9, None, TOL), 3);
        assert_eq!(trunk_score(60.0, None, TOL), 4);
    }
}
