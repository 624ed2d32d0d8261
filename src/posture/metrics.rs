//! From a [`Skeleton`] to the per-frame [`Metrics`]: converts the landmarks into the y-up
//! geometry frame, picks the measures that are valid in the frame's view
//! (`docs/MEASUREMENT.md` §2) and reports a confidence.
//!
//! - side views: CVA, neck flexion, trunk inclination, hip angle (knee visible);
//! - front view: forward-head index (needs a front baseline), shoulder tilt, pelvic obliquity
//!   (hips visible), head tilt (ear line);
//! - oblique or unknown: nothing.

use std::collections::BTreeMap;

use nalgebra::Point3;

use crate::geometry::angles::{
    head_tilt_rad, pelvic_obliquity_rad, shoulder_tilt_rad, side_angles,
};
use crate::geometry::cva::CvaModel;
use crate::geometry::front::{FrontFeatures, FrontWorld, forward_head_index, front_features};
use crate::geometry::silhouette::{ContourRejected, SilhouetteC7, posterior_contour};
use crate::geometry::uncertainty::{C7Source, CvaEvidence, cva_sd_deg};
use crate::geometry::view::ViewClass;
use crate::geometry::{
    Body, FRAME_MARGIN, Keypoint, MIN_VISIBILITY, Unmeasurable, midpoint, point_y_up, visible,
};
use crate::pose::segmentation::PersonMask;
use crate::pose::{LandmarkIndex, Skeleton};

use super::baseline::SetupFeatures;
use super::{Metric, Metrics, Missing, Reference, View};

impl From<Option<ViewClass>> for View {
    fn from(class: Option<ViewClass>) -> Self {
        match class {
            Some(ViewClass::SideLeft) => Self::SideLeft,
            Some(ViewClass::SideRight) => Self::SideRight,
            Some(ViewClass::Front) => Self::Front,
            Some(ViewClass::Oblique) => Self::Oblique,
            None => Self::Unknown,
        }
    }
}

/// The measures of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameMeasures {
    /// The metrics valid in the view, in degrees (the contract's units).
    pub metrics: Metrics,
    /// The raw front-view signals (front view only), for calibration.
    pub front: Option<FrontFeatures>,
    /// Mean visibility of the landmarks the view's measures use, 0-1.
    pub confidence: f32,
    /// Why the person mask given to [`measure`] was not used for C7 (the landmark C7 model
    /// was used instead); `None` when it was used or no mask was given.
    pub c7_fallback: Option<ContourRejected>,
    /// The ± figure of `metrics.cva_deg` (one SD of the held-out error, degrees) from what it
    /// rests on (`geometry::uncertainty`); `None` when there is no CVA.
    pub cva_sd_deg: Option<f64>,
}

/// Below this person-mask probability at a joint centre, the joint is hidden (the mask's own
/// decision boundary: a pixel is "person" above one half).
pub const MIN_PERSON_PROBABILITY: f32 = 0.5;

/// The landmarks that lie inside the body (joint centres), where the person mask must be
/// "person" when they are really seen. Landmarks on the outline (nose, eyes, ears) are not
/// checked: half of their neighbourhood is background by construction.
const JOINT_CENTRES: [LandmarkIndex; 6] = [
    LandmarkIndex::LeftShoulder,
    LandmarkIndex::RightShoulder,
    LandmarkIndex::LeftHip,
    LandmarkIndex::RightHip,
    LandmarkIndex::LeftKnee,
    LandmarkIndex::RightKnee,
];

/// Whether a landmark is seen: inside the picture, clear of its edge, not occluded, and (a
/// joint centre, with the person mask) on the person. The one rule every measure and every
/// [`Missing`] reason follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// In the picture and confidently seen.
    Yes,
    /// Outside the picture, within [`FRAME_MARGIN`] of its edge, or with a presence (the
    /// model's probability of being in the picture) below [`MIN_VISIBILITY`].
    NotInFrame,
    /// In the picture, but its visibility is below [`MIN_VISIBILITY`] (occluded).
    LowVisibility,
    /// A joint centre in the picture, with visibility and presence passing, but outside the
    /// person mask (probability below [`MIN_PERSON_PROBABILITY`] at its place): behind a desk
    /// or a table, its place guessed. The model calls such hips "visible" (0.9 and more on
    /// the shared desk pictures, docs/GEOMETRY.md §4.1).
    Hidden,
}

/// Whether the landmark `index` of `skeleton` is [`Seen`]; `mask` is the engine's person
/// mask of the same frame (`None`: no hidden check).
pub fn seen(skeleton: &Skeleton, mask: Option<&PersonMask>, index: LandmarkIndex) -> Seen {
    let l = skeleton.at(index);
    let (x, y) = (f64::from(l.x_px), f64::from(l.y_px));
    if !x.is_finite() || !y.is_finite() || f64::from(l.presence) < MIN_VISIBILITY {
        return Seen::NotInFrame;
    }
    if let Some(frame) = skeleton.frame {
        let (w, h) = (f64::from(frame.width), f64::from(frame.height));
        let margin = FRAME_MARGIN * w.min(h);
        if x < margin || y < margin || x > w - margin || y > h - margin {
            return Seen::NotInFrame;
        }
    }
    if f64::from(l.visibility) < MIN_VISIBILITY {
        return Seen::LowVisibility;
    }
    match mask {
        Some(mask)
            if JOINT_CENTRES.contains(&index)
                && mask.probability(l.x_px, l.y_px) < MIN_PERSON_PROBABILITY =>
        {
            Seen::Hidden
        }
        _ => Seen::Yes,
    }
}

/// Removes from `metrics` every value that rests on a hidden joint ([`Seen::Hidden`] at one
/// of [`Metric::measured_at`]) of `skeleton` in `view`.
pub fn drop_hidden(metrics: &mut Metrics, skeleton: &Skeleton, mask: &PersonMask, view: View) {
    for metric in Metric::ALL {
        let hidden = metric
            .measured_at(view)
            .any(|i| seen(skeleton, Some(mask), i) == Seen::Hidden);
        if hidden {
            *metric.slot(metrics) = None;
        }
    }
}

/// The landmark for the geometry: `None` when it is not in the picture, so no measure is
/// made from a point the model placed at the edge of a cut-off body part. (A hidden joint is
/// given: it still orients the trunk; [`drop_hidden`] removes the measures of it.)
fn keypoint(skeleton: &Skeleton, index: LandmarkIndex) -> Option<Keypoint> {
    let l = skeleton.at(index);
    (seen(skeleton, None, index) != Seen::NotInFrame).then(|| Keypoint {
        pos: point_y_up(f64::from(l.x_px), f64::from(l.y_px)),
        visibility: f64::from(l.visibility),
    })
}

/// Why each metric without a value in `metrics` has none, for a frame in `view` with
/// `skeleton` (`None`: nobody found) and the engine's person `mask`. Uses the same [`seen`]
/// rule as the measures.
pub fn missing_reasons(
    skeleton: Option<&Skeleton>,
    mask: Option<&PersonMask>,
    view: View,
    metrics: &Metrics,
) -> BTreeMap<Metric, Missing> {
    Metric::ALL
        .into_iter()
        .filter(|metric| metrics.get(*metric).is_none())
        .map(|metric| {
            let Some(skeleton) = skeleton else {
                return (metric, Missing::NoPerson);
            };
            if !metric.valid_in().covers(view) {
                return (metric, Missing::WrongView);
            }
            let landmarks = metric
                .landmarks(view)
                .iter()
                .map(|i| seen(skeleton, None, *i));
            let worst = landmarks.fold(Seen::Yes, |worst, s| match (worst, s) {
                (Seen::NotInFrame, _) | (_, Seen::NotInFrame) => Seen::NotInFrame,
                (Seen::LowVisibility, _) | (_, Seen::LowVisibility) => Seen::LowVisibility,
                _ => Seen::Yes,
            });
            let hidden = metric
                .measured_at(view)
                .any(|i| seen(skeleton, mask, i) == Seen::Hidden);
            let reason = match worst {
                Seen::NotInFrame => Missing::NotInFrame,
                Seen::LowVisibility => Missing::LowVisibility,
                Seen::Yes | Seen::Hidden if hidden => Missing::Hidden,
                Seen::Yes | Seen::Hidden if metric.reference() == Reference::RelativeToBaseline => {
                    Missing::NoBaseline
                }
                Seen::Yes | Seen::Hidden => Missing::NotMeasurable,
            };
            (metric, reason)
        })
        .collect()
}

/// The geometry view of a skeleton: image landmarks in the y-up frame.
pub fn body_from_skeleton(skeleton: &Skeleton) -> Body {
    use LandmarkIndex as L;
    Body {
        nose: keypoint(skeleton, L::Nose),
        left_ear: keypoint(skeleton, L::LeftEar),
        right_ear: keypoint(skeleton, L::RightEar),
        left_shoulder: keypoint(skeleton, L::LeftShoulder),
        right_shoulder: keypoint(skeleton, L::RightShoulder),
        left_hip: keypoint(skeleton, L::LeftHip),
        right_hip: keypoint(skeleton, L::RightHip),
        left_knee: keypoint(skeleton, L::LeftKnee),
        right_knee: keypoint(skeleton, L::RightKnee),
    }
}

/// The world landmarks the front-view index uses.
pub fn front_world_from_skeleton(skeleton: &Skeleton) -> Option<FrontWorld> {
    use LandmarkIndex as L;
    let p = |i: L| {
        let w = skeleton.world_at(i);
        Point3::new(f64::from(w.x_m), f64::from(w.y_m), f64::from(w.z_m))
    };
    let world = FrontWorld {
        left_ear: p(L::LeftEar),
        right_ear: p(L::RightEar),
        left_shoulder: p(L::LeftShoulder),
        right_shoulder: p(L::RightShoulder),
    };
    // An all-zero world block means the engine gave none.
    let any = [world.left_ear, world.right_ear, world.left_shoulder]
        .iter()
        .any(|q| q.coords.norm() > 0.0);
    any.then_some(world)
}

/// Where the person sits in a `width` × `height` frame and how large (for baselines and the
/// stale-baseline check): the shoulder midpoint as fractions of the frame, and the shoulder
/// width (front view) or the shoulder-to-hip length (side views) over the frame height.
/// `None` when the shoulders are not visible or the frame is empty.
pub fn setup_features(body: &Body, view: View, width: u32, height: u32) -> Option<SetupFeatures> {
    let (w, h) = (f64::from(width), f64::from(height));
    if w < 1.0 || h < 1.0 {
        return None;
    }
    let seen = |k: Option<Keypoint>, name| visible(k, name).ok();
    let (l, r) = (
        seen(body.left_shoulder, "left shoulder"),
        seen(body.right_shoulder, "right shoulder"),
    );
    let shoulder = match (l, r) {
        (Some(l), Some(r)) => midpoint(l, r),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => return None,
    };
    let hips = match (
        seen(body.left_hip, "left hip"),
        seen(body.right_hip, "right hip"),
    ) {
        (Some(l), Some(r)) => Some(midpoint(l, r)),
        (Some(one), None) | (None, Some(one)) => Some(one),
        (None, None) => None,
    };
    let scale = match view {
        View::Front => l.zip(r).map(|(l, r)| (l - r).norm() / h),
        View::SideLeft | View::SideRight => hips.map(|hip| (shoulder - hip).norm() / h),
        View::Oblique | View::Unknown => None,
    };
    // The y-up geometry frame has y = -row.
    Some(SetupFeatures {
        shoulder_x: shoulder.x / w,
        shoulder_y: -shoulder.y / h,
        scale: scale.filter(|s| s.is_finite() && *s > 0.0),
    })
}

fn deg(r: Result<f64, Unmeasurable>) -> Option<f64> {
    r.ok().filter(|v| v.is_finite()).map(f64::to_degrees)
}

fn mean_visibility(points: &[Option<Keypoint>]) -> f32 {
    let vis: Vec<f64> = points
        .iter()
        .map(|k| k.map_or(0.0, |k| k.visibility))
        .collect();
    if vis.is_empty() {
        return 0.0;
    }
    (vis.iter().sum::<f64>() / vis.len() as f64).clamp(0.0, 1.0) as f32
}

/// Horizontal shoulder spread over the trunk length (0 in a true profile); 0.3, the widest
/// a side view allows, when the far shoulder is not given.
fn shoulder_spread(body: &Body, chain: &crate::geometry::SideChain) -> f64 {
    let length = (chain.shoulder - chain.hip).norm();
    match (body.left_shoulder, body.right_shoulder) {
        (Some(l), Some(r)) if length > crate::geometry::MIN_SEGMENT => {
            (l.pos.x - r.pos.x).abs() / length
        }
        _ => 0.3,
    }
}

/// Measures one frame in `view` with the C7 `model`; the forward-head index needs
/// `front_baseline`. With a person `mask` C7 comes from the silhouette
/// (`geometry::silhouette`), falling back to `model`'s landmark C7 when the contour is
/// refused (the reason is in [`FrameMeasures::c7_fallback`]).
pub fn measure(
    body: &Body,
    world: Option<&FrontWorld>,
    view: Option<ViewClass>,
    model: &CvaModel,
    front_baseline: Option<&FrontFeatures>,
    mask: Option<&PersonMask>,
) -> FrameMeasures {
    let mut out = FrameMeasures::default();
    match view {
        Some(class @ (ViewClass::SideLeft | ViewClass::SideRight)) => {
            let facing = class.facing().expect("side views have a facing direction");
            let side = facing.near_side();
            let chain = body.chain(side);
            let (ear, shoulder, hip) = match side {
                crate::geometry::Side::Left => (body.left_ear, body.left_shoulder, body.left_hip),
                crate::geometry::Side::Right => {
                    (body.right_ear, body.right_shoulder, body.right_hip)
                }
            };
            out.confidence = mean_visibility(&[ear, shoulder, hip]);
            if let Ok(chain) = chain {
                let silhouette = mask.map(|m| {
                    posterior_contour(&chain, facing, |p| {
                        #[expect(clippy::cast_possible_truncation, reason = "pixel coordinates")]
                        let (x, y) = (p.x as f32, -p.y as f32);
                        f64::from(m.probability(x, y))
                    })
                });
                out.c7_fallback = silhouette.as_ref().and_then(|s| s.as_ref().err().copied());
                let (source, edge_width) = match &silhouette {
                    Some(Ok(contour)) => (C7Source::Silhouette, contour.edge_width),
                    _ => (C7Source::Landmarks, 0.0),
                };
                out.metrics.cva_deg = deg(match silhouette {
                    Some(Ok(contour)) => SilhouetteC7::DEFAULT
                        .c7(&contour, &chain, facing)
                        .and_then(|c7| model.cva_rad_from_c7(&chain, facing, c7)),
                    _ => model.cva_rad(&chain, facing),
                });
                if out.metrics.cva_deg.is_some() {
                    out.cva_sd_deg = Some(cva_sd_deg(&CvaEvidence {
                        c7: source,
                        min_visibility: [ear, shoulder, hip]
                            .iter()
                            .map(|k| k.map_or(0.0, |k| k.visibility))
                            .fold(1.0, f64::min),
                        spread: shoulder_spread(body, &chain),
                        trunk_inclination_rad: crate::geometry::angles::trunk_inclination_rad(
                            chain.hip,
                            chain.shoulder,
                            facing,
                        )
                        .unwrap_or(0.0),
                        edge_width,
                    }));
                }
                if let Ok(a) = side_angles(&chain, facing) {
                    out.metrics.neck_flexion_deg = Some(a.neck_flexion_rad.to_degrees());
                    out.metrics.trunk_inclination_deg = Some(a.trunk_inclination_rad.to_degrees());
                    out.metrics.hip_angle_deg = a.hip_angle_rad.map(f64::to_degrees);
                }
            }
        }
        Some(ViewClass::Front) => {
            out.confidence = mean_visibility(&[
                body.nose,
                body.left_ear,
                body.right_ear,
                body.left_shoulder,
                body.right_shoulder,
            ]);
            out.metrics.shoulder_tilt_deg = deg(shoulder_tilt_rad(body));
            out.metrics.pelvic_obliquity_deg = deg(pelvic_obliquity_rad(body));
            out.metrics.head_tilt_deg = deg(head_tilt_rad(body));
            if let Ok(features) = front_features(body, world) {
                out.front = Some(features);
                out.metrics.forward_head_index = front_baseline
                    .and_then(|b| forward_head_index(&features, b).ok())
                    .map(|i| i.index_pct);
            }
        }
        Some(ViewClass::Oblique) | None => {
            out.confidence = mean_visibility(&[
                body.nose,
                body.left_ear,
                body.right_ear,
                body.left_shoulder,
                body.right_shoulder,
            ]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`measure`] finds in `body` seen as `view` with the default CVA model, without a
    /// world model, a front baseline or a person mask.
    fn plain(body: &Body, view: Option<ViewClass>) -> FrameMeasures {
        measure(body, None, view, &CvaModel::default(), None, None)
    }

    #[test]
    fn side_view_gives_side_metrics_only() {
        use LandmarkIndex as L;
        // Image pixels (y down): person faces the image right.
        let s = Skeleton::from_points(
            &[
                (L::Nose, 330.0, 200.0),
                (L::RightEar, 300.0, 200.0),
                (L::LeftEar, 302.0, 200.0),
                (L::RightShoulder, 290.0, 280.0),
                (L::LeftShoulder, 288.0, 280.0),
                (L::RightHip, 280.0, 480.0),
                (L::LeftHip, 278.0, 480.0),
                (L::RightKnee, 420.0, 490.0),
            ],
            0.95,
        );
        let m = plain(&body_from_skeleton(&s), Some(ViewClass::SideRight));
        let cva = m.metrics.cva_deg.expect("cva in side view");
        assert!((30.0..80.0).contains(&cva), "{cva}");
        assert!(
            m.metrics
                .hip_angle_deg
                .is_some_and(|h| (80.0..100.0).contains(&h))
        );
        assert!(m.metrics.shoulder_tilt_deg.is_none());
        assert!(m.metrics.forward_head_index.is_none());
        assert!(m.confidence > 0.9);
        assert!(front_world_from_skeleton(&s).is_none());
    }

    #[test]
    fn oblique_gives_nothing() {
        let m = plain(&Body::default(), Some(ViewClass::Oblique));
        assert_eq!(m.metrics, Metrics::default());
    }

    /// A front view in a 640x480 frame, every landmark well inside.
    fn front_skeleton() -> Skeleton {
        use LandmarkIndex as L;
        let mut s = Skeleton::from_points(
            &[
                (L::Nose, 320.0, 120.0),
                (L::LeftEar, 355.0, 115.0),
                (L::RightEar, 285.0, 116.0),
                (L::LeftShoulder, 400.0, 220.0),
                (L::RightShoulder, 240.0, 222.0),
                (L::LeftHip, 370.0, 420.0),
                (L::RightHip, 270.0, 421.0),
            ],
            0.95,
        );
        s.frame = Some(crate::pose::rect::ImageSize {
            width: 640.0,
            height: 480.0,
        });
        s
    }

    fn front_metrics(s: &Skeleton) -> Metrics {
        plain(&body_from_skeleton(s), Some(ViewClass::Front)).metrics
    }

    #[test]
    fn a_landmark_at_the_edge_of_the_picture_is_not_seen() {
        use LandmarkIndex as L;
        let mut s = front_skeleton();
        assert_eq!(seen(&s, None, L::LeftEar), Seen::Yes);
        // 3 % of 480 px is 14.4 px: 10 px from the top edge is at the edge.
        s.landmarks[L::LeftEar as usize].y_px = 10.0;
        assert_eq!(seen(&s, None, L::LeftEar), Seen::NotInFrame);
        s.landmarks[L::LeftEar as usize].y_px = 20.0;
        assert_eq!(seen(&s, None, L::LeftEar), Seen::Yes);
        s.landmarks[L::LeftEar as usize].x_px = 635.0;
        assert_eq!(seen(&s, None, L::LeftEar), Seen::NotInFrame);
        s.landmarks[L::LeftEar as usize].x_px = 355.0;
        s.landmarks[L::LeftEar as usize].presence = 0.3;
        assert_eq!(seen(&s, None, L::LeftEar), Seen::NotInFrame);
        s.landmarks[L::LeftEar as usize].presence = 0.95;
        s.landmarks[L::LeftEar as usize].visibility = 0.3;
        assert_eq!(seen(&s, None, L::LeftEar), Seen::LowVisibility);
        // Without a frame only presence and visibility count.
        let mut scripted = front_skeleton();
        scripted.frame = None;
        scripted.landmarks[L::LeftEar as usize].y_px = 1.0;
        assert_eq!(seen(&scripted, None, L::LeftEar), Seen::Yes);
    }

    #[test]
    fn a_head_cut_at_the_edge_gives_no_head_measures_and_says_why() {
        use LandmarkIndex as L;
        let whole = front_skeleton();
        let metrics = front_metrics(&whole);
        assert!(metrics.head_tilt_deg.is_some() && metrics.shoulder_tilt_deg.is_some());
        let reasons = missing_reasons(Some(&whole), None, View::Front, &metrics);
        assert_eq!(reasons[&Metric::Cva], Missing::WrongView);
        assert_eq!(reasons[&Metric::ForwardHeadIndex], Missing::NoBaseline);
        assert!(!reasons.contains_key(&Metric::HeadTilt));

        // The model pins the ears of a head cut off at the top to the edge, fully "visible".
        let mut cut = whole.clone();
        cut.landmarks[L::LeftEar as usize].y_px = 10.0;
        cut.landmarks[L::RightEar as usize].y_px = 1.0;
        // And the hips occluded.
        cut.landmarks[L::LeftHip as usize].visibility = 0.2;
        let metrics = front_metrics(&cut);
        assert_eq!(metrics.head_tilt_deg, None);
        assert_eq!(metrics.pelvic_obliquity_deg, None);
        assert!(
            metrics.shoulder_tilt_deg.is_some(),
            "the shoulders are in view"
        );
        let reasons = missing_reasons(Some(&cut), None, View::Front, &metrics);
        assert_eq!(reasons[&Metric::HeadTilt], Missing::NotInFrame);
        assert_eq!(reasons[&Metric::PelvicObliquity], Missing::LowVisibility);
        assert_eq!(
            serde_json::to_value(&reasons).expect("json")["head_tilt_deg"],
            "not_in_frame"
        );

        let nobody = missing_reasons(None, None, View::Unknown, &Metrics::default());
        assert_eq!(nobody.len(), Metric::COUNT);
        assert!(nobody.values().all(|r| *r == Missing::NoPerson));
    }

    /// A person mask that is "person" in the top half of a 640x480 frame only (the body
    /// above a table edge at row 240).
    fn mask_above_row_240() -> PersonMask {
        use crate::pose::rect::{ImageSize, NormRect, Padding};
        use crate::pose::segmentation::MASK_SIDE;
        let logits: Vec<f32> = (0..MASK_SIDE * MASK_SIDE)
            .map(|i| {
                if i / MASK_SIDE < MASK_SIDE / 2 {
                    10.0
                } else {
                    -10.0
                }
            })
            .collect();
        let roi = NormRect {
            x_center: 0.5,
            y_center: 0.5,
            width: 1.0,
            height: 1.0,
            rotation: 0.0,
        };
        PersonMask::from_logits(&logits, roi, Padding::default(), ImageSize::new(640, 480))
            .expect("a 256x256 mask")
    }

    /// Hips in the picture and "visible" to the model but outside the person mask (behind a
    /// table) are hidden: no pelvic obliquity, with the reason; the shoulders above the
    /// table keep their tilt; without a mask nothing is hidden.
    #[test]
    fn hips_outside_the_person_mask_are_hidden() {
        use LandmarkIndex as L;
        let s = front_skeleton();
        let mask = mask_above_row_240();
        assert_eq!(seen(&s, Some(&mask), L::LeftHip), Seen::Hidden);
        assert_eq!(seen(&s, Some(&mask), L::LeftShoulder), Seen::Yes);
        assert_eq!(
            seen(&s, Some(&mask), L::LeftEar),
            Seen::Yes,
            "outline: not checked"
        );
        assert_eq!(seen(&s, None, L::LeftHip), Seen::Yes);
        let mut metrics = front_metrics(&s);
        assert!(metrics.pelvic_obliquity_deg.is_some());
        drop_hidden(&mut metrics, &s, &mask, View::Front);
        assert_eq!(metrics.pelvic_obliquity_deg, None);
        assert!(metrics.shoulder_tilt_deg.is_some() && metrics.head_tilt_deg.is_some());
        let reasons = missing_reasons(Some(&s), Some(&mask), View::Front, &metrics);
        assert_eq!(reasons[&Metric::PelvicObliquity], Missing::Hidden);
        assert_eq!(
            serde_json::to_value(reasons).expect("json")["pelvic_obliquity_deg"],
            "hidden"
        );
        // A side view: the hidden hip removes the trunk measures, not the CVA.
        let side: Vec<_> = Metric::Cva.measured_at(View::SideLeft).collect();
        assert_eq!(side, [L::LeftEar, L::LeftShoulder]);
        let trunk: Vec<_> = Metric::TrunkInclination
            .measured_at(View::SideLeft)
            .collect();
        assert!(trunk.contains(&L::LeftHip));
    }

    /// The registry's landmark lists and the geometry agree: taking any listed landmark out
    /// of the picture removes the metric, with the reason `not_in_frame`.
    #[test]
    fn every_listed_landmark_is_needed_by_its_metric() {
        let mut side = front_skeleton();
        {
            use LandmarkIndex as L;
            // A right-side view (facing the image right) with the knee, as in the side test.
            for (i, x, y) in [
                (L::Nose, 330.0, 200.0),
                (L::RightEar, 300.0, 200.0),
                (L::RightShoulder, 290.0, 280.0),
                (L::RightHip, 280.0, 400.0),
                (L::RightKnee, 420.0, 410.0),
            ] {
                let l = &mut side.landmarks[i as usize];
                (l.x_px, l.y_px, l.visibility, l.presence) = (x, y, 0.95, 0.95);
            }
        }
        let cases = [
            (front_skeleton(), View::Front, Some(ViewClass::Front)),
            (side, View::SideRight, Some(ViewClass::SideRight)),
        ];
        for (skeleton, view, class) in cases {
            let run = |s: &Skeleton| plain(&body_from_skeleton(s), class).metrics;
            let whole = run(&skeleton);
            for metric in Metric::ALL {
                if metric.reference() == Reference::RelativeToBaseline {
                    continue;
                }
                let landmarks = metric.landmarks(view);
                assert_eq!(
                    landmarks.is_empty(),
                    !metric.valid_in().covers(view),
                    "{metric} in {view}"
                );
                if landmarks.is_empty() {
                    continue;
                }
                assert!(whole.get(metric).is_some(), "{metric} in {view}");
                for landmark in landmarks {
                    let mut cut = skeleton.clone();
                    cut.landmarks[*landmark as usize].x_px = f32::NAN;
                    let metrics = run(&cut);
                    assert_eq!(metrics.get(metric), None, "{metric} without {landmark:?}");
                    assert_eq!(
                        missing_reasons(Some(&cut), None, view, &metrics)[&metric],
                        Missing::NotInFrame,
                        "{metric} without {landmark:?}"
                    );
                }
            }
        }
    }
}
