//! Real pose-model output on the shared media: view classes and the front-view index.
//!
//! The landmarks in `tests/data/annotations/media_landmarks.json` are `plumbline pose --json`
//! on every picture of the project's media set (most of which may not be redistributed, so
//! only their landmarks are stored). The tests with the live engine are in `engine.rs`.

use std::path::Path;

use plumbline::geometry::front::{FrontWorld, forward_head_index, front_features};
use plumbline::geometry::view::{ViewClass, classify_view};
use plumbline::geometry::{Body, Keypoint, point_y_up};
use serde::Deserialize;

/// One stored pose result.
#[derive(Deserialize)]
pub struct Dump {
    /// Image file name in the media set.
    pub file: String,
    /// Image landmarks `[x_px, y_px, z, visibility, presence]`, `None`: no person.
    pub landmarks: Option<Vec<[f64; 5]>>,
    /// World landmarks in metres.
    pub world: Option<Vec<[f64; 3]>>,
}

/// All stored pose results.
pub fn dumps() -> Result<Vec<Dump>, Box<dyn std::error::Error>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/annotations/media_landmarks.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// The geometry body of stored landmarks.
pub fn body(landmarks: &[[f64; 5]]) -> Body {
    let k = |i: usize| {
        let l = landmarks[i];
        Some(Keypoint {
            pos: point_y_up(l[0], l[1]),
            visibility: l[3],
        })
    };
    Body {
        nose: k(0),
        left_ear: k(7),
        right_ear: k(8),
        left_shoulder: k(11),
        right_shoulder: k(12),
        left_hip: k(23),
        right_hip: k(24),
        left_knee: k(25),
        right_knee: k(26),
    }
}

fn world(w: &[[f64; 3]]) -> FrontWorld {
    let p = |i: usize| nalgebra::Point3::new(w[i][0], w[i][1], w[i][2]);
    FrontWorld {
        left_ear: p(7),
        right_ear: p(8),
        left_shoulder: p(11),
        right_shoulder: p(12),
    }
}

fn class_of(d: &Dump) -> Option<ViewClass> {
    let b = body(d.landmarks.as_ref()?);
    classify_view(&b, None).ok().map(|r| r.class)
}

fn find<'a>(all: &'a [Dump], file: &str) -> Result<&'a Dump, String> {
    all.iter()
        .find(|d| d.file == file)
        .ok_or_else(|| format!("{file} is not in media_landmarks.json"))
}

/// The view of every side and front picture, by eye (`../shared/media/SOURCES.md` says
/// "faces RIGHT" for side_desk_recline_01 and "faces LEFT" for side_sit_neck_extended_01; the
/// pictures show the opposite, judged by the trunk and knees).
const EXPECTED: [(&str, ViewClass); 50] = {
    use ViewClass::{Front, Oblique, SideLeft as L, SideRight as R};
    [
        ("side_desk_forward_01_small.jpg", R),
        ("side_desk_forward_02.jpg", L),
        ("side_desk_forward_03.jpg", R),
        ("side_desk_forward_04.jpg", R),
        ("side_desk_forward_05.jpg", L),
        ("side_desk_forward_06_annotated.jpg", R),
        ("side_desk_forward_07_annotated.jpg", R),
        ("side_desk_recline_01.jpg", L),
        ("side_desk_recline_02.jpg", R),
        ("side_desk_slump_01_annotated.jpg", R),
        ("side_desk_upright_01.jpg", R),
        ("side_desk_upright_02.jpg", L),
        ("side_sit_forward_01.jpg", L),
        ("side_sit_forward_02.jpg", R),
        ("side_sit_forward_03.jpg", L),
        ("side_sit_forward_04.jpg", R),
        ("side_sit_forward_05.jpg", L),
        ("side_sit_forward_06.jpg", L),
        ("side_sit_forward_07.jpg", R),
        ("side_sit_forward_08.jpg", L),
        ("side_sit_forward_09.jpg", L),
        ("side_sit_neck_extended_01.jpg", R),
        ("side_sit_recline_01.jpg", L),
        ("side_sit_recline_02.jpg", R),
        ("side_sit_slump_01.jpg", R),
        ("side_sit_upright_01.jpg", R),
        ("side_sit_upright_02.jpg", L),
        ("side_sit_upright_03.jpg", R),
        ("side_sit_upright_04.jpg", L),
        ("side_sit_upright_05.jpg", R),
        ("side_sit_upright_06.jpg", L),
        ("side_sit_upright_07.jpg", L),
        ("side_sit_upright_08.jpg", R),
        ("side_sit_upright_09.jpg", L),
        ("side_sit_upright_10.jpg", L),
        ("side_sit_upright_11.jpg", L),
        ("side_stand_upright_01.jpg", R),
        ("front_astronaut_01.png", Front),
        ("front_closeup_01.jpg", Front),
        ("front_desk_01.jpg", Front),
        ("front_desk_02.jpg", Front),
        // Three-quarter view: the shoulders stack, the ears do not.
        ("front_desk_03.jpg", Oblique),
        ("front_home_sit_01.jpg", Front),
        ("front_home_sit_02.jpg", Front),
        ("front_home_upper_01.jpg", Front),
        ("front_portrait_01.jpg", Front),
        ("front_webcam_01.jpg", Front),
        ("front_webcam_forward_01.jpg", Front),
        ("front_webcam_forward_02.jpg", Front),
        ("front_webcam_upright_01.jpg", Front),
    ]
};

#[test]
fn view_classes_of_the_media_set() -> Result<(), Box<dyn std::error::Error>> {
    let all = dumps()?;
    let mut wrong = Vec::new();
    for (file, expected) in EXPECTED {
        let got = class_of(find(&all, file)?);
        if got != Some(expected) {
            wrong.push(format!("{file}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The slouchcop pair: body and head turned toward the image right (shoulder spread half
    // of the other front views, nose off the ear midpoint): oblique, no front measure.
    for file in ["front_webcam_02.jpg", "front_webcam_forward_03.jpg"] {
        assert_eq!(
            class_of(find(&all, file)?),
            Some(ViewClass::Oblique),
            "{file}"
        );
    }
    Ok(())
}

fn index_of(all: &[Dump], base: &str, now: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let features = |d: &Dump| -> Result<_, Box<dyn std::error::Error>> {
        let l = d.landmarks.as_ref().ok_or("no person")?;
        let w = d.world.as_ref().map(|w| world(w));
        Ok(front_features(&body(l), w.as_ref())?)
    };
    let b = features(find(all, base)?)?;
    let n = features(find(all, now)?)?;
    let i = forward_head_index(&n, &b)?;
    assert!(!i.looking_down, "{now}: {i:?}");
    Ok(i.index_pct)
}

#[test]
fn front_index_grows_with_forward_head() -> Result<(), Box<dyn std::error::Error>> {
    let all = dumps()?;
    let base = "front_webcam_upright_01.jpg";
    let same = index_of(&all, base, base)?;
    let moderate = index_of(&all, base, "front_webcam_forward_01.jpg")?;
    let strong = index_of(&all, base, "front_webcam_forward_02.jpg")?;
    eprintln!("forward-head index: upright {same:.1}, moderate {moderate:.1}, strong {strong:.1}");
    assert!(same.abs() < 1e-9);
    let threshold = plumbline::posture::PostureConfig::default().front_index_max_pct;
    assert!(
        moderate > threshold,
        "moderate chin poke {moderate} <= {threshold}"
    );
    assert!(
        strong > moderate + 10.0,
        "strong {strong} vs moderate {moderate}"
    );
    Ok(())
}

fn cva_deg(all: &[Dump], file: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let d = find(all, file)?;
    let b = body(d.landmarks.as_ref().ok_or("no person")?);
    let view = classify_view(&b, None)?.class;
    let facing = view
        .facing()
        .ok_or_else(|| format!("{file}: not a side view ({view:?})"))?;
    let chain = b.chain(facing.near_side())?;
    Ok(plumbline::geometry::cva::CvaModel::default()
        .cva_rad(&chain, facing)?
        .to_degrees())
}

/// Same person, upright pictures and clearly forward ones (`../shared/media/SOURCES.md` descriptions).
const PEOPLE: [(&[&str], &[&str]); 4] = [
    (
        &[
            "side_sit_upright_01.jpg",
            "side_sit_upright_02.jpg",
            "side_sit_upright_03.jpg",
        ],
        &[
            "side_sit_forward_01.jpg",
            "side_sit_forward_02.jpg",
            "side_sit_forward_03.jpg",
            "side_sit_forward_04.jpg",
        ],
    ),
    (
        &["side_sit_upright_09.jpg"],
        &[
            "side_sit_forward_06.jpg",
            "side_sit_forward_07.jpg",
            "side_desk_forward_02.jpg",
        ],
    ),
    (
        &["side_sit_upright_06.jpg", "side_sit_upright_07.jpg"],
        &["side_sit_forward_05.jpg"],
    ),
    (&["side_sit_upright_10.jpg"], &["side_sit_forward_08.jpg"]),
];

#[test]
fn upright_reads_a_larger_cva_than_forward_for_each_person()
-> Result<(), Box<dyn std::error::Error>> {
    let all = dumps()?;
    for (upright, forward) in PEOPLE {
        let up: Vec<f64> = upright
            .iter()
            .map(|f| cva_deg(&all, f))
            .collect::<Result<_, _>>()?;
        let fw: Vec<f64> = forward
            .iter()
            .map(|f| cva_deg(&all, f))
            .collect::<Result<_, _>>()?;
        eprintln!("upright {up:.1?} forward {fw:.1?}");
        let min_up = up.iter().copied().fold(f64::INFINITY, f64::min);
        let max_fw = fw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(min_up > max_fw, "{upright:?} {up:?} vs {forward:?} {fw:?}");
    }
    Ok(())
}
