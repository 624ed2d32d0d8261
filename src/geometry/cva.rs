//! The craniovertebral angle (CVA) in a side view, with an explicit model of C7.
//!
//! # Definition
//! CVA is the angle between the horizontal through the C7 spinous process and the line from
//! C7 to the tragus; smaller means the head is further forward. BlazePose has neither
//! point: the ear landmark stands in for the tragus and C7 is estimated.
//!
//! # The C7 model
//! With `S` the near shoulder joint centre, `H` the near hip, `L = |S - H|` the trunk length,
//! `u` the unit vector from `H` to `S` (superior along the trunk) and `p` the unit vector
//! perpendicular to `u` pointing to the person's back (posterior):
//!
//! ```text
//! C7 = S + L * (C7_POSTERIOR * p + C7_SUPERIOR * u)
//! ```
//!
//! The offset moves with the trunk: when the person leans, C7 leans with them. The two
//! fractions were fitted on hand-annotated side-view photographs (see `docs/GEOMETRY.md` for
//! the data, the fit and its leave-one-out error). A per-user offset from a calibration
//! corrects the person-specific remainder.

use nalgebra::Point2;

use super::{Facing, SideChain, Unmeasurable, wrap_angle};

/// Posterior offset of C7 from the shoulder joint centre, as a fraction of the trunk length.
/// Fitted in `docs/GEOMETRY.md`.
pub const C7_POSTERIOR: f64 = 0.355;
/// Superior offset of C7 from the shoulder joint centre, as a fraction of the trunk length.
/// Fitted in `docs/GEOMETRY.md`.
pub const C7_SUPERIOR: f64 = 0.0225;

/// The C7 model and the per-user correction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CvaModel {
    /// Posterior fraction of the trunk length (see the module docs).
    pub posterior: f64,
    /// Superior fraction of the trunk length (see the module docs).
    pub superior: f64,
    /// Added to every CVA of this user, radians (0 without calibration).
    pub user_offset_rad: f64,
}

impl Default for CvaModel {
    fn default() -> Self {
        Self {
            posterior: C7_POSTERIOR,
            superior: C7_SUPERIOR,
            user_offset_rad: 0.0,
        }
    }
}

impl CvaModel {
    /// The plain ear-to-shoulder-joint angle (C7 taken at the shoulder), for comparison.
    pub const EAR_SHOULDER: Self = Self {
        posterior: 0.0,
        superior: 0.0,
        user_offset_rad: 0.0,
    };

    /// The estimated C7 position in the y-up frame.
    ///
    /// # Examples
    /// ```
    /// use nalgebra::Point2;
    /// use plumbline::geometry::{Facing, SideChain};
    /// use plumbline::geometry::cva::CvaModel;
    /// let chain = SideChain { ear: Point2::new(10.0, 70.0), shoulder: Point2::new(0.0, 50.0),
    ///     hip: Point2::new(0.0, 0.0), knee: None };
    /// let model = CvaModel { posterior: 0.1, superior: 0.1, user_offset_rad: 0.0 };
    /// let c7 = model.c7(&chain, Facing::ImageRight).unwrap();
    /// assert!((c7.x + 5.0).abs() < 1e-9 && (c7.y - 55.0).abs() < 1e-9);
    /// ```
    pub fn c7(&self, chain: &SideChain, facing: Facing) -> Result<Point2<f64>, Unmeasurable> {
        let length = (chain.shoulder - chain.hip).norm();
        let (superior, posterior) = chain.trunk_axes(facing)?;
        Ok(chain.shoulder + length * (self.posterior * posterior + self.superior * superior))
    }

    /// The CVA in radians: angle of the C7-to-ear line above the anterior horizontal, plus
    /// the user offset. About 0.87 rad (50°) in a neutral posture; smaller is further forward.
    ///
    /// # Examples
    /// ```
    /// use nalgebra::Point2;
    /// use plumbline::geometry::{Facing, SideChain};
    /// use plumbline::geometry::cva::CvaModel;
    /// let chain = SideChain { ear: Point2::new(10.0, 60.0), shoulder: Point2::new(0.0, 50.0),
    ///     hip: Point2::new(0.0, 0.0), knee: None };
    /// let cva = CvaModel::EAR_SHOULDER.cva_rad(&chain, Facing::ImageRight).unwrap();
    /// assert!((cva.to_degrees() - 45.0).abs() < 1e-9);
    /// ```
    pub fn cva_rad(&self, chain: &SideChain, facing: Facing) -> Result<f64, Unmeasurable> {
        let c7 = self.c7(chain, facing)?;
        self.cva_rad_from_c7(chain, facing, c7)
    }

    /// The CVA in radians with a C7 found elsewhere (for example on the silhouette,
    /// `geometry::silhouette`), plus the user offset.
    pub fn cva_rad_from_c7(
        &self,
        chain: &SideChain,
        facing: Facing,
        c7: Point2<f64>,
    ) -> Result<f64, Unmeasurable> {
        let d = chain.ear - c7;
        if d.norm() < super::MIN_SEGMENT {
            return Err(Unmeasurable::Degenerate("C7 to ear"));
        }
        Ok(wrap_angle(
            d.y.atan2(facing.sign() * d.x) + self.user_offset_rad,
        ))
    }
}

/// The CVA of two annotated points: the angle of the C7-to-tragus line above the anterior
/// horizontal, in radians.
///
/// # Examples
/// ```
/// use nalgebra::Point2;
/// use plumbline::geometry::Facing;
/// use plumbline::geometry::cva::cva_from_points;
/// let a = cva_from_points(Point2::new(0.0, 0.0), Point2::new(-1.0, 1.0), Facing::ImageLeft);
/// assert!((a.unwrap().to_degrees() - 45.0).abs() < 1e-9);
/// ```
pub fn cva_from_points(
    c7: Point2<f64>,
    tragus: Point2<f64>,
    facing: Facing,
) -> Result<f64, Unmeasurable> {
    let d = tragus - c7;
    if d.norm() < super::MIN_SEGMENT {
        return Err(Unmeasurable::Degenerate("C7 to tragus"));
    }
    Ok(d.y.atan2(facing.sign() * d.x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn upright() -> SideChain {
        SideChain {
            ear: Point2::new(8.0, 70.0),
            shoulder: Point2::new(0.0, 50.0),
            hip: Point2::new(-2.0, 0.0),
            knee: None,
        }
    }

    #[test]
    fn c7_model_moves_with_the_trunk() -> Result<(), Unmeasurable> {
        let model = CvaModel::default();
        let chain = upright();
        let c7 = model.c7(&chain, Facing::ImageRight)?;
        // Posterior means toward -x for a person facing +x.
        assert!(c7.x < chain.shoulder.x && c7.y > chain.shoulder.y);
        // Rotating the whole chain rotates C7 with it: the CVA changes by the rotation.
        let rot = nalgebra::Rotation2::new(0.2);
        let turned = SideChain {
            ear: rot * chain.ear,
            shoulder: rot * chain.shoulder,
            hip: rot * chain.hip,
            knee: None,
        };
        let a = model.cva_rad(&chain, Facing::ImageRight)?;
        let b = model.cva_rad(&turned, Facing::ImageRight)?;
        assert_relative_eq!(b - a, 0.2, epsilon = 1e-9);
        Ok(())
    }

    #[test]
    fn forward_head_lowers_the_cva() -> Result<(), Unmeasurable> {
        let model = CvaModel::default();
        let mut forward = upright();
        forward.ear = Point2::new(20.0, 64.0);
        assert!(
            model.cva_rad(&forward, Facing::ImageRight)?
                < model.cva_rad(&upright(), Facing::ImageRight)?
        );
        Ok(())
    }

    #[test]
    fn degenerate_trunk_is_a_reason() {
        let mut chain = upright();
        chain.hip = chain.shoulder;
        assert!(matches!(
            CvaModel::default().cva_rad(&chain, Facing::ImageLeft),
            Err(Unmeasurable::Degenerate(_))
        ));
    }
}
