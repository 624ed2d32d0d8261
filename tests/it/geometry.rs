//! Geometry laws (proptest) and the C7 model fit on the annotated side views.

use approx::assert_relative_eq;
use nalgebra::{Point2, Rotation2, Vector2};
use plumbline::geometry::angles::{hip_angle_rad, line_tilt_rad, neck_flexion_rad, side_angles};
use plumbline::geometry::cva::CvaModel;
use plumbline::geometry::front::{forward_head_index, front_features};
use plumbline::geometry::view::{ViewClass, classify_view};
use plumbline::geometry::{Body, Facing, Keypoint, SideChain};
use proptest::prelude::*;

mod fit;

fn kp(p: Point2<f64>) -> Option<Keypoint> {
    Some(Keypoint {
        pos: p,
        visibility: 0.9,
    })
}

/// A plausible seated side view facing the image right, y-up pixels.
fn side_body() -> impl Strategy<Value = Body> {
    (
        100.0..400.0f64, // trunk length
        -0.3..0.5f64,    // trunk lean (rad, forward)
        -0.2..1.2f64,    // head line lean from vertical (rad, forward)
        0.25..0.45f64,   // ear-shoulder over trunk
        0.0..0.04f64,    // shoulder spread over trunk
        0.6..1.6f64,     // thigh angle from vertical (rad, forward)
    )
        .prop_map(|(l, trunk, head, neck, spread, thigh)| {
            let hip = Point2::new(0.0, 0.0);
            let sh = hip + l * Vector2::new(trunk.sin(), trunk.cos());
            let ear = sh + neck * l * Vector2::new(head.sin(), head.cos());
            let nose = ear + 0.12 * l * Vector2::new(1.0, -0.1);
            let knee = hip + 0.8 * l * Vector2::new(thigh.sin(), -thigh.cos());
            let back = Vector2::new(-spread * l, 0.0);
            Body {
                nose: kp(nose),
                left_ear: kp(ear + back * 0.3),
                right_ear: kp(ear),
                left_shoulder: kp(sh + back),
                right_shoulder: kp(sh),
                left_hip: kp(hip + back),
                right_hip: kp(hip),
                left_knee: kp(knee + back),
                right_knee: kp(knee),
            }
        })
}

/// A plausible front view, y-up pixels.
fn front_body() -> impl Strategy<Value = Body> {
    (60.0..300.0f64, 0.3..0.5f64, 0.4..0.9f64, -0.1..0.2f64).prop_map(
        |(half, ears, height, pitch)| {
            let w = 2.0 * half;
            Body {
                nose: kp(Point2::new(0.0, height * w + pitch * ears * w)),
                left_ear: kp(Point2::new(ears * half, height * w)),
                right_ear: kp(Point2::new(-ears * half, height * w)),
                left_shoulder: kp(Point2::new(half, 0.0)),
                right_shoulder: kp(Point2::new(-half, 0.0)),
                left_hip: kp(Point2::new(0.7 * half, -1.4 * w)),
                right_hip: kp(Point2::new(-0.7 * half, -1.4 * w)),
                ..Body::default()
            }
        },
    )
}

fn similarity() -> impl Strategy<Value = (Vector2<f64>, f64, f64)> {
    (
        (-2000.0..2000.0f64, -2000.0..2000.0f64),
        0.1..10.0f64,
        -0.6..0.6f64,
    )
        .prop_map(|((x, y), s, r)| (Vector2::new(x, y), s, r))
}

fn transform(body: &Body, t: Vector2<f64>, s: f64, r: f64) -> Body {
    let rot = Rotation2::new(r);
    body.map(|p| Point2::from(rot * (p.coords * s)) + t)
}

fn chain(body: &Body) -> SideChain {
    body.chain(plumbline::geometry::Side::Right)
        .expect("strategy bodies are complete")
}

proptest! {
    #[test]
    fn cva_is_translation_and_scale_invariant(b in side_body(), (t, s, _) in similarity()) {
        let m = CvaModel::default();
        let a = m.cva_rad(&chain(&b), Facing::ImageRight).expect("valid");
        let moved = transform(&b, t, s, 0.0);
        let c = m.cva_rad(&chain(&moved), Facing::ImageRight).expect("valid");
        assert_relative_eq!(a, c, epsilon = 1e-9);
    }

    #[test]
    fn cva_turns_with_the_body(b in side_body(), (t, s, r) in similarity()) {
        // CVA is against the horizontal; the C7 model moves with the trunk, so rotating the
        // whole body turns the CVA by exactly the rotation (counter-clockwise = head up for
        // a person facing +x).
        let m = CvaModel::default();
        let a = m.cva_rad(&chain(&b), Facing::ImageRight).expect("valid");
        let c = m.cva_rad(&chain(&transform(&b, t, s, r)), Facing::ImageRight).expect("valid");
        assert_relative_eq!(c - a, r, epsilon = 1e-9);
    }

    #[test]
    fn joint_angles_are_rotation_free(b in side_body(), (t, s, r) in similarity()) {
        let a = side_angles(&chain(&b), Facing::ImageRight).expect("valid");
        let moved = transform(&b, t, s, r);
        let c = side_angles(&chain(&moved), Facing::ImageRight).expect("valid");
        assert_relative_eq!(a.neck_flexion_rad, c.neck_flexion_rad, epsilon = 1e-9);
        assert_relative_eq!(a.hip_angle_rad.unwrap_or(0.0), c.hip_angle_rad.unwrap_or(0.0), epsilon = 1e-9);
        assert_relative_eq!(c.trunk_inclination_rad - a.trunk_inclination_rad, -r, epsilon = 1e-9);
    }

    #[test]
    fn mirroring_swaps_the_side_and_keeps_every_side_angle(b in side_body()) {
        let v = classify_view(&b, None).expect("valid").class;
        prop_assert_eq!(v, ViewClass::SideRight);
        let m = b.mirrored();
        prop_assert_eq!(classify_view(&m, None).expect("valid").class, ViewClass::SideLeft);
        let model = CvaModel::default();
        let left = m.chain(plumbline::geometry::Side::Left).expect("complete");
        assert_relative_eq!(
            model.cva_rad(&chain(&b), Facing::ImageRight).expect("valid"),
            model.cva_rad(&left, Facing::ImageLeft).expect("valid"),
            epsilon = 1e-9
        );
        assert_relative_eq!(
            neck_flexion_rad(&chain(&b), Facing::ImageRight).expect("valid"),
            neck_flexion_rad(&left, Facing::ImageLeft).expect("valid"),
            epsilon = 1e-9
        );
    }

    #[test]
    fn view_is_similarity_invariant(b in prop_oneof![side_body(), front_body()], (t, s, _) in similarity()) {
        let a = classify_view(&b, None).expect("valid");
        let c = classify_view(&transform(&b, t, s, 0.0), None).expect("valid");
        prop_assert_eq!(a.class, c.class);
        assert_relative_eq!(a.spread, c.spread, epsilon = 1e-9);
    }

    #[test]
    fn front_index_ignores_translation_scale_and_lean(b in front_body(), (t, s, r) in similarity()) {
        prop_assert_eq!(classify_view(&b, None).expect("valid").class, ViewClass::Front);
        let base = front_features(&b, None).expect("valid");
        let now = front_features(&transform(&b, t, s, r * 0.5), None).expect("valid");
        let i = forward_head_index(&now, &base).expect("valid");
        assert_relative_eq!(i.index_pct, 0.0, epsilon = 1e-6);
    }

    #[test]
    fn never_nan_and_angles_in_range(
        pts in proptest::collection::vec((-5.0..5.0f64, -5.0..5.0f64).prop_map(|(x, y)| Point2::new(x.round(), y.round())), 4),
        facing in prop_oneof![Just(Facing::ImageLeft), Just(Facing::ImageRight)],
    ) {
        // Rounded coordinates make coincident points common.
        let c = SideChain { ear: pts[0], shoulder: pts[1], hip: pts[2], knee: Some(pts[3]) };
        if let Ok(v) = CvaModel::default().cva_rad(&c, facing) {
            prop_assert!(v.is_finite() && v > -std::f64::consts::PI - 1e-12 && v <= std::f64::consts::PI);
        }
        if let Ok(v) = neck_flexion_rad(&c, facing) {
            prop_assert!(v.is_finite() && v.abs() <= std::f64::consts::PI + 1e-12);
        }
        if let Ok(v) = hip_angle_rad(pts[1], pts[2], pts[3]) {
            prop_assert!((0.0..=std::f64::consts::PI).contains(&v));
        }
        if let Ok(v) = line_tilt_rad(pts[0], pts[1], "line") {
            prop_assert!(v > -std::f64::consts::FRAC_PI_2 && v <= std::f64::consts::FRAC_PI_2 + 1e-12);
        }
        let body = Body {
            nose: kp(pts[0]), left_ear: kp(pts[1]), right_ear: kp(pts[2]),
            left_shoulder: kp(pts[3]), right_shoulder: kp(pts[0]), ..Body::default()
        };
        if let Ok(r) = classify_view(&body, None) {
            prop_assert!(r.spread.is_finite());
        }
        if let (Ok(f), Ok(g)) = (front_features(&body, None), front_features(&body.mirrored(), None))
            && let Ok(i) = forward_head_index(&f, &g)
        {
            prop_assert!(i.index_pct.is_finite());
        }
    }
}

mod engine;
mod front;
mod media;

fn any_view() -> impl Strategy<Value = Option<ViewClass>> {
    prop_oneof![
        Just(None),
        Just(Some(ViewClass::SideLeft)),
        Just(Some(ViewClass::SideRight)),
        Just(Some(ViewClass::Front)),
        Just(Some(ViewClass::Oblique)),
    ]
}

proptest! {
    /// `posture::metrics::measure`: only the view's metrics, never NaN, angles in range.
    #[test]
    fn metrics_follow_the_view_and_stay_finite(
        b in prop_oneof![side_body(), front_body()],
        view in any_view(),
        (t, s, r) in similarity(),
    ) {
        use plumbline::posture::metrics::measure;
        let body = transform(&b, t, s, r);
        let base = front_features(&b, None).ok();
        let m = measure(&body, None, view, &CvaModel::default(), base.as_ref(), None).metrics;
        let side = [m.cva_deg, m.neck_flexion_deg, m.trunk_inclination_deg, m.hip_angle_deg];
        let front = [m.shoulder_tilt_deg, m.pelvic_obliquity_deg, m.head_tilt_deg, m.forward_head_index];
        let is_side = matches!(view, Some(ViewClass::SideLeft | ViewClass::SideRight));
        let is_front = view == Some(ViewClass::Front);
        prop_assert!(is_side || side.iter().all(Option::is_none));
        prop_assert!(is_front || front.iter().all(Option::is_none));
        for v in side.iter().chain(&front).flatten() {
            prop_assert!(v.is_finite());
        }
        if let Some(h) = m.hip_angle_deg {
            prop_assert!((0.0..=180.0).contains(&h));
        }
        for t in [m.shoulder_tilt_deg, m.pelvic_obliquity_deg, m.head_tilt_deg].into_iter().flatten() {
            prop_assert!(t > -90.0 && t <= 90.0);
        }
    }
}
