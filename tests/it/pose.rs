//! The pose engine on the real models and real images (tests/data, see NOTICE).

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{Rgb, RgbImage};
use plumbline::capture::Frame;
use plumbline::models::{self, ModelKind};
use plumbline::pose::{
    LandmarkIndex as Lm, Mode, ModelChoice, NUM_LANDMARKS, PoseConfig, PoseEngine, PoseEstimate,
    Skeleton,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn frame(name: &str) -> Frame {
    let image = image::open(data(name))
        .expect("test image decodes")
        .to_rgb8();
    Frame::new(0, 0.0, image)
}

fn engine(model: ModelChoice, mode: Mode) -> PoseEngine {
    let dir = models::models_dir(None).expect("models folder of the source tree");
    let config = PoseConfig {
        model,
        mode,
        ..PoseConfig::default()
    };
    PoseEngine::new(&dir, config).expect("engine starts with the committed models")
}

fn skeleton_of(estimate: &PoseEstimate) -> &Skeleton {
    estimate.skeleton.as_ref().expect("a person is found")
}

/// Diagonal of the landmarks' bounding box in pixels (the person's size).
fn person_size(s: &Skeleton) -> f32 {
    let xs = s.landmarks.iter().map(|l| l.x_px);
    let ys = s.landmarks.iter().map(|l| l.y_px);
    let (x0, x1) = xs.fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (y0, y1) = ys.fold((f32::MAX, f32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    (x1 - x0).hypot(y1 - y0)
}

fn distance(a: &Skeleton, b: &Skeleton, i: Lm) -> f32 {
    let (p, q) = (a.at(i), b.at(i));
    (p.x_px - q.x_px).hypot(p.y_px - q.y_px)
}

fn assert_plausible(name: &str, estimate: &PoseEstimate, hips_in_view: bool) {
    let s = skeleton_of(estimate);
    let (w, h) = (estimate.width as f32, estimate.height as f32);
    assert!(
        estimate.score.is_some_and(|v| v > 0.5),
        "{name}: score {:?}",
        estimate.score
    );
    assert!(s.presence > 0.5, "{name}: presence {}", s.presence);
    assert!(estimate.detector_ran);
    assert!(estimate.people_detected >= 1);
    for l in &s.landmarks {
        assert!(
            l.x_px.is_finite() && l.y_px.is_finite() && l.z_px.is_finite(),
            "{name}"
        );
        assert!((0.0..=1.0).contains(&l.visibility) && (0.0..=1.0).contains(&l.presence));
    }
    for side in [Lm::LeftShoulder, Lm::RightShoulder] {
        let p = s.at(side);
        assert!(
            p.x_px > 0.0 && p.x_px < w && p.y_px > 0.0 && p.y_px < h,
            "{name}: {side:?} {p:?}"
        );
    }
    let nose = s.at(Lm::Nose);
    let shoulder_y = f32::midpoint(s.at(Lm::LeftShoulder).y_px, s.at(Lm::RightShoulder).y_px);
    assert!(
        nose.y_px < shoulder_y,
        "{name}: nose {} below shoulders {shoulder_y}",
        nose.y_px
    );
    if hips_in_view {
        let hip_y = f32::midpoint(s.at(Lm::LeftHip).y_px, s.at(Lm::RightHip).y_px);
        assert!(
            shoulder_y < hip_y,
            "{name}: shoulders {shoulder_y} below hips {hip_y}"
        );
    }
    // World landmarks: metres around the hip midpoint, nose above it (+y down).
    let nose_world = s.world_at(Lm::Nose);
    assert!(
        nose_world.y_m < -0.2 && nose_world.y_m > -1.2,
        "{name}: nose y {}",
        nose_world.y_m
    );
    let hips = [s.world_at(Lm::LeftHip), s.world_at(Lm::RightHip)];
    assert!(
        hips.iter().all(|p| p.x_m.abs() < 0.3 && p.y_m.abs() < 0.3),
        "{name}: {hips:?}"
    );
}

#[test]
fn people_are_found_with_plausible_landmarks() {
    let mut engine = engine(ModelChoice::Full, Mode::Static);
    for (name, hips) in [
        ("side_sit_upright_01.jpg", true),
        ("side_sit_forward_01.jpg", true),
        ("front_webcam_01.jpg", false),
        ("front_astronaut_01.png", false),
    ] {
        let estimate = engine.estimate(&frame(name)).expect("inference runs");
        assert_plausible(name, &estimate, hips);
    }
}

#[test]
fn lite_agrees_with_full_on_the_head_and_shoulders() {
    let mut full = engine(ModelChoice::Full, Mode::Static);
    let mut lite = engine(ModelChoice::Lite, Mode::Static);
    let f = frame("side_sit_upright_01.jpg");
    let a = full.estimate(&f).expect("full runs");
    let b = lite.estimate(&f).expect("lite runs");
    assert_plausible("lite", &b, true);
    let (a, b) = (skeleton_of(&a), skeleton_of(&b));
    let size = person_size(a);
    for i in [Lm::Nose, Lm::RightEar, Lm::RightShoulder, Lm::RightHip] {
        let d = distance(a, b, i);
        assert!(
            d < 0.08 * size,
            "{i:?}: lite and full differ by {d} px of {size}"
        );
    }
}

#[test]
fn flat_and_noise_images_have_no_person() {
    let mut engine = engine(ModelChoice::Full, Mode::Static);
    let gray = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    let mut state = 0x2545_f491_u32;
    let noise = RgbImage::from_fn(640, 480, |_, _| {
        // xorshift: deterministic noise without a dependency.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        Rgb([a, b, c])
    });
    for (name, image) in [("gray", gray), ("noise", noise)] {
        let estimate = engine
            .estimate(&Frame::new(0, 0.0, image))
            .expect("inference runs");
        assert!(estimate.skeleton.is_none(), "{name}: found a person");
        assert_eq!(estimate.people_detected, 0, "{name}");
        assert_eq!(estimate.score, None, "{name}");
    }
}

#[test]
fn a_very_dark_frame_is_handled() {
    let mut engine = engine(ModelChoice::Full, Mode::Static);
    let estimate = engine
        .estimate(&frame("neg_very_dark_derived_01.jpg"))
        .expect("inference runs on a dark frame");
    assert_eq!((estimate.width, estimate.height), (640, 480));
    if let Some(s) = &estimate.skeleton {
        assert!(
            s.landmarks
                .iter()
                .all(|l| l.x_px.is_finite() && l.y_px.is_finite())
        );
    }
}

#[test]
fn video_mode_tracks_without_the_detector() {
    let mut video = engine(ModelChoice::Full, Mode::Video);
    let mut still = engine(ModelChoice::Full, Mode::Static);
    let base = frame("side_sit_forward_01.jpg");
    let reference = still.estimate(&base).expect("static runs");
    let reference = skeleton_of(&reference);
    let size = person_size(reference);
    for i in 0..6_u32 {
        let f = Frame {
            seq: u64::from(i),
            t_ms: f64::from(i) * 33.3,
            ..base.clone()
        };
        let estimate = video.estimate(&f).expect("tracked frame runs");
        assert_eq!(estimate.detector_ran, i == 0, "frame {i}");
        assert_eq!(estimate.people_detected, 1, "frame {i}");
        let s = skeleton_of(&estimate);
        // Same picture every frame: the tracked pose stays on the static one.
        let d = distance(s, reference, Lm::Nose);
        assert!(d < 0.05 * size, "frame {i}: nose moved {d} px");
    }
    video.reset();
    let again = video.estimate(&base).expect("runs after reset");
    assert!(again.detector_ran, "reset forgets the track");
}

#[test]
fn video_mode_redetects_after_losing_the_person() {
    let mut video = engine(ModelChoice::Lite, Mode::Video);
    let person = frame("front_webcam_01.jpg");
    let empty = Frame::new(
        1,
        33.0,
        RgbImage::from_pixel(640, 480, Rgb([128, 128, 128])),
    );
    assert!(video.estimate(&person).expect("runs").skeleton.is_some());
    let lost = video.estimate(&empty).expect("runs");
    assert!(
        !lost.detector_ran,
        "the lost frame itself is still a tracking attempt"
    );
    assert!(lost.skeleton.is_none());
    let next = video.estimate(&empty).expect("runs");
    assert!(next.detector_ran, "after a lost frame the detector runs");
    let back = video
        .estimate(&Frame {
            seq: 3,
            t_ms: 100.0,
            ..person
        })
        .expect("runs");
    assert!(back.detector_ran && back.skeleton.is_some());
}

/// A 1280×480 frame with `left` and `right` (640×480 each) side by side.
fn side_by_side(left: &RgbImage, right: &RgbImage) -> RgbImage {
    let mut canvas = RgbImage::new(1280, 480);
    image::imageops::replace(&mut canvas, left, 0, 0);
    image::imageops::replace(&mut canvas, right, 640, 0);
    canvas
}

#[test]
fn tracking_stays_on_the_first_person_when_a_second_appears() {
    let person = frame("front_webcam_01.jpg");
    let gray = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    let alone = side_by_side(&person.image, &gray);
    let pair = side_by_side(&person.image, &person.image);

    let mut still = engine(ModelChoice::Full, Mode::Static);
    let both = still
        .estimate(&Frame::new(0, 0.0, pair.clone()))
        .expect("runs");
    assert_eq!(both.people_detected, 2, "the detector sees both copies");

    let mut video = engine(ModelChoice::Full, Mode::Video);
    let first = video.estimate(&Frame::new(0, 0.0, alone)).expect("runs");
    assert_eq!(first.people_detected, 1);
    let nose_x = skeleton_of(&first).at(Lm::Nose).x_px;
    assert!(nose_x < 640.0, "tracking the left person, nose at {nose_x}");
    for i in 1..4_u32 {
        let f = Frame::new(u64::from(i), f64::from(i) * 33.3, pair.clone());
        let estimate = video.estimate(&f).expect("runs");
        assert!(
            !estimate.detector_ran,
            "frame {i}: no detector while tracking"
        );
        // The count is the last detector run's: still the single person of frame 0.
        assert_eq!(estimate.people_detected, 1);
        let x = skeleton_of(&estimate).at(Lm::Nose).x_px;
        assert!((x - nose_x).abs() < 10.0, "frame {i}: nose moved to {x}");
    }
}

#[test]
fn a_rotated_person_is_found_where_the_rotation_puts_them() {
    let mut engine = engine(ModelChoice::Full, Mode::Static);
    let upright = frame("side_sit_upright_01.jpg");
    let rotated_image = image::imageops::rotate90(upright.image.as_ref());
    let h = upright.height() as f32;
    let a = engine.estimate(&upright).expect("runs");
    let b = engine
        .estimate(&Frame::new(0, 0.0, rotated_image))
        .expect("runs");
    let (a, b) = (skeleton_of(&a), skeleton_of(&b));
    // rotate90 (clockwise): (x, y) → (h − 1 − y, x).
    let nose = a.at(Lm::Nose);
    let (x, y) = (h - 1.0 - nose.y_px, nose.x_px);
    let moved = b.at(Lm::Nose);
    let d = (moved.x_px - x).hypot(moved.y_px - y);
    assert!(
        d < 0.05 * person_size(a),
        "nose {d} px from where rotation puts it"
    );
}

fn copy_models_except(skip: ModelKind) -> tempfile::TempDir {
    let src = models::models_dir(None).expect("models folder");
    let tmp = tempfile::tempdir().expect("temp dir");
    for kind in [
        ModelKind::Detector,
        ModelKind::LandmarkLite,
        ModelKind::LandmarkFull,
    ] {
        if kind != skip {
            let file = models::model_path(&src, kind).expect("in manifest");
            let name = file.file_name().expect("file name");
            std::fs::copy(&file, tmp.path().join(name)).expect("copy model");
        }
    }
    tmp
}

#[test]
fn a_truncated_landmark_model_is_an_error_naming_the_file() {
    let tmp = copy_models_except(ModelKind::LandmarkFull);
    let src = models::model_path(
        &models::models_dir(None).expect("dir"),
        ModelKind::LandmarkFull,
    )
    .expect("in manifest");
    let bytes = std::fs::read(&src).expect("read model");
    let name = src.file_name().expect("file name");
    std::fs::write(tmp.path().join(name), &bytes[..bytes.len() / 3]).expect("write");
    let config = PoseConfig {
        model: ModelChoice::Full,
        // The truncated file is the model without the segmentation output.
        segmentation: false,
        ..PoseConfig::default()
    };
    let Err(err) = PoseEngine::new(tmp.path(), config) else {
        panic!("a truncated model must not load");
    };
    let message = err.to_string();
    assert!(message.contains(&*name.to_string_lossy()), "{message}");
}

#[test]
fn a_missing_heavy_model_says_how_to_make_it() {
    let tmp = copy_models_except(ModelKind::LandmarkHeavy);
    let config = PoseConfig {
        model: ModelChoice::Heavy,
        ..PoseConfig::default()
    };
    let Err(err) = PoseEngine::new(tmp.path(), config) else {
        panic!("heavy is not in the temp folder");
    };
    assert!(
        err.to_string().contains("scripts/convert-models --heavy"),
        "{err}"
    );
}

fn plumbline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn cli_prints_one_json_line_per_image() {
    let path = data("front_webcam_01.jpg");
    let out = plumbline(&[
        "pose",
        path.to_str().expect("utf-8 path"),
        "--json",
        "--model",
        "lite",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("valid JSON");
    assert_eq!(v["frame"], 0);
    assert_eq!(v["width"], 640);
    assert_eq!(v["height"], 480);
    assert!(v["score"].as_f64().is_some_and(|s| s > 0.5));
    let landmarks = v["landmarks"].as_array().expect("landmarks");
    assert_eq!(landmarks.len(), NUM_LANDMARKS);
    assert!(
        landmarks
            .iter()
            .all(|l| l.as_array().is_some_and(|a| a.len() == 5))
    );
    assert_eq!(v["world"].as_array().expect("world").len(), NUM_LANDMARKS);
}

#[test]
fn cli_folder_tracks_and_reports_no_person_as_null() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::copy(data("front_webcam_01.jpg"), tmp.path().join("a.jpg")).expect("copy");
    std::fs::copy(data("front_webcam_01.jpg"), tmp.path().join("b.jpg")).expect("copy");
    RgbImage::from_pixel(64, 48, Rgb([90, 90, 90]))
        .save(tmp.path().join("c.png"))
        .expect("save");
    let out = plumbline(&[
        "pose",
        tmp.path().to_str().expect("utf-8"),
        "--json",
        "--model",
        "lite",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1]["t_ms"].as_f64().is_some_and(|t| t > 30.0));
    assert!(lines[1]["landmarks"].is_array());
    assert!(lines[2]["landmarks"].is_null());
    assert!(lines[2]["world"].is_null());
    assert_eq!(lines[2]["width"], 64);
}

#[test]
fn cli_rejects_a_broken_image() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("broken.jpg");
    std::fs::write(&path, b"\xff\xd8\xff not really a jpeg").expect("write");
    let out = plumbline(&["pose", path.to_str().expect("utf-8"), "--json"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.jpg"), "{stderr}");
    let out = plumbline(&["pose", "/nonexistent/file.png"]);
    assert!(!out.status.success());
}

/// The adaptive engine runs its first frames on each thread layout in turn (the chooser's
/// first trial, `pose::threads` tests); each must give exactly the bits of one fixed thread,
/// or results would depend on the load.
#[test]
fn thread_layouts_give_identical_landmarks() {
    let dir = models::models_dir(None).expect("models folder of the source tree");
    let fixed = PoseConfig {
        model: ModelChoice::Full,
        mode: Mode::Video,
        intra_threads: 1,
        ..PoseConfig::default()
    };
    let adaptive = PoseConfig {
        intra_threads: 2,
        adaptive_threads: true,
        memory_arena: true,
        ..fixed
    };
    let mut one = PoseEngine::new(&dir, fixed).expect("engine starts");
    let mut chosen = PoseEngine::new(&dir, adaptive).expect("adaptive engine starts");
    // The same man slumped and upright, alternating, so every frame differs.
    let stills = [
        frame("side_sit_forward_01.jpg"),
        frame("side_sit_upright_02.jpg"),
    ];
    for i in 0..3 * (plumbline::pose::threads::TRIAL_RUNS + 1) as u32 {
        let f = Frame {
            seq: u64::from(i),
            t_ms: f64::from(i) * 33.3,
            ..stills[i as usize % 2].clone()
        };
        let a = one.estimate(&f).expect("runs");
        let b = chosen.estimate(&f).expect("runs");
        assert!(a.skeleton.is_some(), "frame {i}");
        assert_eq!(a, b, "frame {i}");
        assert_eq!(one.mask(), chosen.mask(), "mask of frame {i}");
    }
}

#[test]
fn the_live_engine_makes_a_fresh_mask_only_every_so_often_and_carries_it_between() {
    // A still person, analyzed every 500 ms as the live monitor does: the segmentation head
    // runs on the first frame and again once the mask is LIVE_MASK_EVERY_MS old; every frame
    // in between still has a mask (the carried one), where a fresh mask would be.
    let dir = models::models_dir(None).expect("models");
    let mut live = PoseEngine::new(
        &dir,
        PoseConfig {
            mask_every_ms: plumbline::pose::LIVE_MASK_EVERY_MS,
            ..PoseConfig::default()
        },
    )
    .expect("engine");
    let mut fresh = PoseEngine::new(&dir, PoseConfig::default()).expect("engine");
    let image = image::open(data("side_sit_upright_02.jpg"))
        .expect("test image decodes")
        .to_rgb8();
    for i in 0..7_u32 {
        let f = Frame::new(u64::from(i), f64::from(i) * 500.0, image.clone());
        assert!(live.estimate(&f).expect("runs").skeleton.is_some());
        assert!(fresh.estimate(&f).expect("runs").skeleton.is_some());
        let (carried, made) = (live.mask().expect("a mask"), fresh.mask().expect("a mask"));
        // The same person region: at the neck's height the two masks agree.
        let (w, h) = made.frame_size();
        let (mut agree, mut total) = (0, 0);
        for y in (0..h as u32).step_by(8) {
            for x in (0..w as u32).step_by(8) {
                let (a, b) = (
                    carried.probability(x as f32, y as f32),
                    made.probability(x as f32, y as f32),
                );
                total += 1;
                agree += u32::from((a > 0.5) == (b > 0.5));
            }
        }
        assert!(
            f64::from(agree) >= 0.98 * f64::from(total),
            "frame {i}: {agree} of {total}"
        );
    }
    // Fresh at 0 ms and 2000 ms (and not at 500-1500, 2500, 3000), unless the tracked
    // landmarks moved the head against the shoulders by more than the refresh limit.
    assert_eq!(fresh.fresh_masks(), 7);
    assert!(
        (2..=3).contains(&live.fresh_masks()),
        "{} fresh masks",
        live.fresh_masks()
    );
}
