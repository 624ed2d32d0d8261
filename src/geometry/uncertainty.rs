//! How sure one CVA is: a ± figure in degrees, built from what the estimate rests on.
//!
//! # Model
//! The figure is one standard deviation of the error against a hand annotation, for a person
//! the model was not fitted on. Independent sources add in quadrature:
//!
//! ```text
//! sd² = BASE² + (C7 from the landmark model: FALLBACK²) + (RECLINE · recline)²
//!     + (VISIBILITY · (1 - v) / 0.5)² + (SPREAD · spread / 0.30)²
//!     + (C7 from the contour: EDGE · (edge - EDGE_SHARP) / (EDGE_SOFT - EDGE_SHARP))²
//! ```
//!
//! with `recline` the backward trunk inclination in radians (0 when upright or leaning
//! forward), `v` the lowest visibility of the near ear, shoulder and hip, `spread` the
//! shoulder spread over the trunk length (0 in a true profile, up to 0.30 in a side view),
//! and `edge` how soft the person mask's edge is behind the neck
//! (`geometry::silhouette::NeckContour::edge_width`, ear-shoulder lengths; the term is 0
//! below [`EDGE_SHARP`]). The visibility, spread and edge terms are clamped at twice their
//! stated size. `BASE`, `FALLBACK` and `RECLINE` come from the leave-one-person-out errors
//! of the annotated side views that have that property (`docs/GEOMETRY.md` §3.7), so the
//! figure says how far off such a frame has been on people the model never saw, not how
//! noisy the frame is. The annotated set has no frame with low visibility or a wide
//! shoulder spread, so `VISIBILITY` and `SPREAD` are stated priors (about one base SD at
//! the edge of what the judge accepts), not measured. The edge term is between: its
//! threshold and scale come from the annotated views (`docs/GEOMETRY.md` §3.6: the views
//! with sharper edges than [`EDGE_SHARP`] keep their CVA within 1.5° when the crop the mask
//! is made in moves 10 px, the four with edges of 0.42-0.52 move by 3-8° SD), but how far
//! off a soft-edged frame is against its annotation is not measured (one such view with a
//! contour C7), so [`EDGE_SD_DEG`] is a stated prior of one base SD at [`EDGE_SOFT`]. The
//! coverage on held-out people is checked in `tests/it/geometry/fit.rs`.

/// Where the C7 of a CVA came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum C7Source {
    /// The silhouette's posterior neck contour (`geometry::silhouette`).
    Silhouette,
    /// The landmark C7 model (`geometry::cva`), used when the contour was refused (hair or
    /// a hood behind the neck, a merged mask) or no person mask was given.
    Landmarks,
}

/// What one CVA rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CvaEvidence {
    /// Where C7 came from.
    pub c7: C7Source,
    /// Lowest visibility (0-1) of the near ear, shoulder and hip.
    pub min_visibility: f64,
    /// Shoulder spread (`|x_left - x_right|`) over the trunk length: 0 in a true profile.
    pub spread: f64,
    /// Trunk inclination, radians, positive forward.
    pub trunk_inclination_rad: f64,
    /// How soft the person mask's edge is behind the neck
    /// (`geometry::silhouette::NeckContour::edge_width`), ear-shoulder lengths; only counts
    /// when C7 comes from the contour.
    pub edge_width: f64,
}

/// Error SD of a silhouette CVA (neck notch found, trunk upright or forward), degrees:
/// the held-out RMS error of those views.
pub const BASE_SD_DEG: f64 = 4.5;
/// Added (in quadrature) when C7 comes from the landmark model, degrees: the held-out RMS
/// error of the views whose contour was refused (14.6°) with the base taken out.
pub const FALLBACK_SD_DEG: f64 = 14.0;
/// Added per radian of backward trunk inclination (recline), degrees: reclined views read
/// high by 1-13° (5° at 20° of recline).
pub const RECLINE_SD_DEG_PER_RAD: f64 = 15.0;
/// Added at the lowest accepted visibility (0.5), degrees; zero at visibility 1.
pub const VISIBILITY_SD_DEG: f64 = 4.0;
/// Added at the widest shoulder spread of a side view (0.30), degrees; zero in a profile.
pub const SPREAD_SD_DEG: f64 = 3.0;
/// Mask edges behind the neck up to this width (ear-shoulder lengths) add nothing: just
/// above the sharpest-edged group of the annotated views (0.06-0.19), whose CVA stays within
/// 1.5° when the mask's crop moves.
pub const EDGE_SHARP: f64 = 0.2;
/// The edge width (ear-shoulder lengths) at which [`EDGE_SD_DEG`] is added: where the soft
/// annotated views lie (0.42-0.52), whose CVA moves by 3-8° SD when the crop moves 10 px.
pub const EDGE_SOFT: f64 = 0.45;
/// Added at an edge width of [`EDGE_SOFT`] when C7 comes from the contour, degrees; zero up
/// to [`EDGE_SHARP`]: a stated prior of one base SD (where the person mask is unsure behind
/// the neck, the contour can lie 10-25 px further back or not, whichever side of one half
/// the crop tips it to).
pub const EDGE_SD_DEG: f64 = BASE_SD_DEG;

/// A CVA whose ± reaches this is a clean estimate's and one more (in quadrature), degrees:
/// a photo with such a CVA is called a less sure reference when it is a baseline on its own
/// (`plumbline baseline`, `plumbline measure --baseline`; docs/GEOMETRY.md §6).
pub const LESS_SURE_SD_DEG: f64 = BASE_SD_DEG * std::f64::consts::SQRT_2;

/// The part of a CVA's ± beyond a clean estimate's, one SD in degrees: the terms that add to
/// [`BASE_SD_DEG`] in quadrature (a C7 from the landmarks, recline, low visibility, shoulder
/// spread, a soft mask edge), `sqrt(sd² - BASE²)`, 0 for a clean estimate. A change from the
/// same person's baseline is the strong signal because the base error is mostly the person's
/// own (the tragus, the neck's shape) and cancels in the change; these terms belong to the
/// frame or the photo and do not, so the judge asks a drop below the baseline to clear them
/// too (`posture::judge::baseline_forward_below`, docs/GEOMETRY.md §6).
///
/// # Examples
/// ```
/// use plumbline::geometry::uncertainty::{BASE_SD_DEG, sd_beyond_clean_deg};
/// assert_eq!(sd_beyond_clean_deg(BASE_SD_DEG), 0.0);
/// assert_eq!(sd_beyond_clean_deg(3.0), 0.0);
/// assert!((sd_beyond_clean_deg(BASE_SD_DEG * 2f64.sqrt()) - BASE_SD_DEG).abs() < 1e-9);
/// assert_eq!(sd_beyond_clean_deg(f64::NAN), 0.0);
/// ```
pub fn sd_beyond_clean_deg(sd: f64) -> f64 {
    let excess = sd * sd - BASE_SD_DEG * BASE_SD_DEG;
    if excess > 0.0 { excess.sqrt() } else { 0.0 }
}

/// The ± figure (one SD, degrees) of a CVA with this evidence; never NaN, at least
/// [`BASE_SD_DEG`].
///
/// # Examples
/// ```
/// use plumbline::geometry::uncertainty::{BASE_SD_DEG, C7Source, CvaEvidence, cva_sd_deg};
/// let clean = CvaEvidence {
///     c7: C7Source::Silhouette,
///     min_visibility: 1.0,
///     spread: 0.0,
///     trunk_inclination_rad: 0.2,
///     edge_width: 0.1,
/// };
/// assert!((cva_sd_deg(&clean) - BASE_SD_DEG).abs() < 1e-12);
/// let fallback = CvaEvidence { c7: C7Source::Landmarks, ..clean };
/// assert!(cva_sd_deg(&fallback) > cva_sd_deg(&clean) + 4.0);
/// // A soft mask edge behind the neck (a dark background): one more base SD.
/// let soft = CvaEvidence { edge_width: 0.45, ..clean };
/// assert!((cva_sd_deg(&soft) - BASE_SD_DEG * 2f64.sqrt()).abs() < 1e-9);
/// ```
pub fn cva_sd_deg(e: &CvaEvidence) -> f64 {
    let finite = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
    let fallback = match e.c7 {
        C7Source::Landmarks => FALLBACK_SD_DEG,
        C7Source::Silhouette => 0.0,
    };
    let recline = RECLINE_SD_DEG_PER_RAD * (-finite(e.trunk_inclination_rad, 0.0)).max(0.0);
    let visibility =
        VISIBILITY_SD_DEG * ((1.0 - finite(e.min_visibility, 0.0)) / 0.5).clamp(0.0, 2.0);
    let spread = SPREAD_SD_DEG * (finite(e.spread, 0.3) / 0.30).clamp(0.0, 2.0);
    let edge = match e.c7 {
        C7Source::Silhouette => {
            EDGE_SD_DEG
                * ((finite(e.edge_width, EDGE_SOFT) - EDGE_SHARP) / (EDGE_SOFT - EDGE_SHARP))
                    .clamp(0.0, 2.0)
        }
        C7Source::Landmarks => 0.0,
    };
    [BASE_SD_DEG, fallback, recline, visibility, spread, edge]
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn evidence() -> impl Strategy<Value = CvaEvidence> {
        (
            prop_oneof![Just(C7Source::Landmarks), Just(C7Source::Silhouette),],
            prop_oneof![0.0..=1.0f64, Just(f64::NAN)],
            prop_oneof![0.0..=0.5f64, Just(f64::INFINITY)],
            prop_oneof![-1.5..1.5f64, Just(f64::NAN)],
            prop_oneof![0.0..=1.0f64, Just(f64::NAN), Just(f64::INFINITY)],
        )
            .prop_map(|(c7, min_visibility, spread, trunk, edge)| CvaEvidence {
                c7,
                min_visibility,
                spread,
                trunk_inclination_rad: trunk,
                edge_width: edge,
            })
    }

    proptest! {
        #[test]
        fn finite_and_at_least_the_base(e in evidence()) {
            let sd = cva_sd_deg(&e);
            prop_assert!(sd.is_finite() && sd >= BASE_SD_DEG - 1e-12);
        }

        #[test]
        fn weaker_evidence_never_lowers_the_figure(e in evidence(), worse in 0.0..0.3f64) {
            let sd = cva_sd_deg(&e);
            let fallback = CvaEvidence { c7: C7Source::Landmarks, ..e };
            prop_assert!(cva_sd_deg(&fallback) >= sd - 1e-9);
            if e.min_visibility.is_finite() {
                let dimmer = CvaEvidence { min_visibility: (e.min_visibility - worse).max(0.0), ..e };
                prop_assert!(cva_sd_deg(&dimmer) >= sd - 1e-9);
            }
            if e.trunk_inclination_rad.is_finite() {
                let reclined = CvaEvidence { trunk_inclination_rad: e.trunk_inclination_rad - worse, ..e };
                prop_assert!(cva_sd_deg(&reclined) >= sd - 1e-9);
            }
            if e.edge_width.is_finite() {
                let softer = CvaEvidence { edge_width: e.edge_width + worse, ..e };
                prop_assert!(cva_sd_deg(&softer) >= sd - 1e-9);
            }
        }
    }

    #[test]
    fn a_sharp_edge_costs_nothing_a_soft_one_grows_to_a_cap() {
        let e = |edge_width| CvaEvidence {
            c7: C7Source::Silhouette,
            min_visibility: 1.0,
            spread: 0.0,
            trunk_inclination_rad: 0.0,
            edge_width,
        };
        // Every edge as sharp as the sharp annotated views (0.06-0.19) adds nothing.
        for edge in [0.0, 0.06, 0.19, EDGE_SHARP] {
            assert!((cva_sd_deg(&e(edge)) - BASE_SD_DEG).abs() < 1e-12, "{edge}");
        }
        // Beyond it the figure grows, one base SD more (in quadrature) at EDGE_SOFT ...
        let sds: Vec<f64> = [0.25, 0.3, EDGE_SOFT, 0.6]
            .iter()
            .map(|&w| cva_sd_deg(&e(w)))
            .collect();
        assert!(sds.windows(2).all(|w| w[1] > w[0]), "{sds:?}");
        assert!((sds[2] - BASE_SD_DEG.hypot(EDGE_SD_DEG)).abs() < 1e-9);
        // ... up to twice that, and an unknown edge counts as soft.
        let cap = BASE_SD_DEG.hypot(2.0 * EDGE_SD_DEG);
        assert!((cva_sd_deg(&e(5.0)) - cap).abs() < 1e-9);
        assert!((cva_sd_deg(&e(f64::NAN)) - sds[2]).abs() < 1e-9);
        // The landmark C7 does not rest on the mask's edge.
        let landmarks = |edge_width| CvaEvidence {
            c7: C7Source::Landmarks,
            ..e(edge_width)
        };
        assert!((cva_sd_deg(&landmarks(0.6)) - cva_sd_deg(&landmarks(0.0))).abs() < 1e-12);
    }

    #[test]
    fn forward_lean_costs_nothing_recline_does() {
        let e = |trunk| CvaEvidence {
            c7: C7Source::Silhouette,
            min_visibility: 1.0,
            spread: 0.0,
            trunk_inclination_rad: trunk,
            edge_width: 0.1,
        };
        assert!((cva_sd_deg(&e(0.6)) - BASE_SD_DEG).abs() < 1e-12);
        assert!(cva_sd_deg(&e(-0.5)) > BASE_SD_DEG + 1.0);
    }
}
