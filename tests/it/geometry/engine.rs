//! The live pose engine on the committed MIT images, end to end through the posture judge:
//! views, the CVA ordering within a person, and agreement with the stored landmark dumps
//! that the fit and the media tests use.

use std::path::Path;

use plumbline::capture::Frame;
use plumbline::models;
use plumbline::pose::{Mode, PoseConfig, PoseEngine};
use plumbline::posture::{PostureConfig, PostureJudge, PostureSample, View};

use super::media::{body, dumps};

fn engine() -> PoseEngine {
    let dir = models::models_dir(None).expect("models folder of the source tree");
    let config = PoseConfig {
        mode: Mode::Static,
        ..PoseConfig::default()
    };
    PoseEngine::new(&dir, config).expect("engine starts with the committed models")
}

fn measure(engine: &mut PoseEngine, name: &str) -> PostureSample {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let image = image::open(&path)
        .expect("committed test image decodes")
        .to_rgb8();
    let estimate = engine
        .estimate(&Frame::new(0, 0.0, image))
        .expect("pose estimation runs");
    // Independent photos: no view hysteresis.
    let mut judge = PostureJudge::new(PostureConfig {
        view_switch_frames: 1,
        ..PostureConfig::default()
    });
    judge.update(0, 0.0, estimate.skeleton.as_ref()).0
}

#[test]
fn real_images_views_and_cva_order() -> Result<(), Box<dyn std::error::Error>> {
    let mut engine = engine();
    let cases = [
        ("side_sit_upright_01.jpg", View::SideRight),
        ("side_sit_upright_02.jpg", View::SideLeft),
        ("side_sit_forward_01.jpg", View::SideLeft),
        ("side_sit_forward_03.jpg", View::SideLeft),
        ("side_sit_upright_09.jpg", View::SideLeft),
        ("side_sit_forward_06.jpg", View::SideLeft),
        ("front_webcam_01.jpg", View::Front),
    ];
    let stored = dumps()?;
    let mut cva = std::collections::BTreeMap::new();
    for (name, view) in cases {
        let s = measure(&mut engine, name);
        assert_eq!(s.view, view, "{name}: {s:?}");
        if view == View::Front {
            // Front view: no side angles, the tilts are there; no index without a baseline.
            assert!(s.metrics.cva_deg.is_none() && s.metrics.trunk_inclination_deg.is_none());
            assert!(
                s.metrics.shoulder_tilt_deg.is_some_and(|t| t.abs() < 15.0),
                "{s:?}"
            );
            assert!(s.metrics.forward_head_index.is_none() && s.forward_head.is_none());
            continue;
        }
        let c = s.metrics.cva_deg.ok_or(format!("{name}: no CVA"))?;
        assert!((-90.0..=90.0).contains(&c), "{name}: CVA {c}");
        assert!(s.rula_neck.is_some() && s.rula_trunk.is_some(), "{name}");
        // The stored dump (used by the fit) is what this engine gives.
        let dump = stored.iter().find(|d| d.file == name).ok_or("not stored")?;
        let b = body(dump.landmarks.as_ref().ok_or("no person stored")?);
        let facing = if view == View::SideRight {
            plumbline::geometry::Facing::ImageRight
        } else {
            plumbline::geometry::Facing::ImageLeft
        };
        let from_dump = plumbline::geometry::cva::CvaModel::default()
            .cva_rad(&b.chain(facing.near_side())?, facing)?
            .to_degrees();
        assert!(
            (from_dump - c).abs() < 1.0,
            "{name}: live {c:.2} vs stored {from_dump:.2}; regenerate tests/data/annotations/media_landmarks.json"
        );
        cva.insert(name, c);
    }
    for (upright, forward) in [
        (
            &["side_sit_upright_01.jpg", "side_sit_upright_02.jpg"][..],
            &["side_sit_forward_01.jpg", "side_sit_forward_03.jpg"][..],
        ),
        (
            &["side_sit_upright_09.jpg"][..],
            &["side_sit_forward_06.jpg"][..],
        ),
    ] {
        for u in upright {
            for f in forward {
                assert!(cva[u] > cva[f] + 15.0, "{u} {} vs {f} {}", cva[u], cva[f]);
            }
        }
        // The forward pictures are judged forward head by the default rule.
        for f in forward {
            assert!(cva[f] < PostureConfig::default().cva_min_deg, "{f}");
        }
    }
    Ok(())
}
