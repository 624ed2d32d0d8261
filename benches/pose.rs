//! Pose engine benchmarks: crops at several source sizes, detector decoding, landmark inference
//! (lite, full) and one tracked frame end to end, on the real models.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use image::RgbImage;
use image::imageops::FilterType;
use plumbline::capture::Frame;
use plumbline::models::{self, ModelKind};
use plumbline::pose::anchors::{self, NUM_ANCHORS};
use plumbline::pose::detector::{self, BOX_VALUES};
use plumbline::pose::nets::LandmarkNet;
use plumbline::pose::preprocess::{Cropper, DETECTOR_CROP, LANDMARK_CROP};
use plumbline::pose::rect::{ImageSize, NormRect, whole_image_roi};
use plumbline::pose::{Mode, ModelChoice, PoseConfig, PoseEngine, Roi};

const SIZES: [(u32, u32); 3] = [(640, 360), (1280, 720), (1920, 1080)];

fn source_image() -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/side_sit_upright_01.jpg");
    image::open(path).expect("bench image decodes").to_rgb8()
}

fn preprocessing(c: &mut Criterion) {
    let source = source_image();
    let mut group = c.benchmark_group("preprocess");
    let detector = Cropper::new(DETECTOR_CROP);
    let landmark = Cropper::new(LANDMARK_CROP);
    let mut det_buf = vec![0.0; detector.tensor_len()];
    let mut lm_buf = vec![0.0; landmark.tensor_len()];
    for (w, h) in SIZES {
        let image = image::imageops::resize(&source, w, h, FilterType::Triangle);
        let (roi, _) = whole_image_roi(ImageSize::new(w, h));
        group.bench_with_input(
            BenchmarkId::new("detector_224", format!("{w}x{h}")),
            &image,
            |b, img| {
                b.iter(|| detector.crop_into(black_box(img), &roi, &mut det_buf));
            },
        );
        // A standing person inside the frame, and a seated one seen from the side whose
        // square ROI reaches past the top and bottom (a third of the crop is border).
        let person = Roi {
            x_center_px: w as f32 * 0.5,
            y_center_px: h as f32 * 0.5,
            width_px: h as f32 * 0.9,
            height_px: h as f32 * 0.9,
            rotation_rad: 0.2,
        };
        let seated = Roi {
            x_center_px: w as f32 * 0.45,
            y_center_px: h as f32 * 0.55,
            width_px: h as f32 * 1.3,
            height_px: h as f32 * 1.3,
            rotation_rad: 0.1,
        };
        // Each crop reads the next of 8 frames, so, like a decoded video frame, its source is
        // not in the core's cache (the previous iteration filled it with another frame).
        let frames = vec![image; 8];
        for (name, roi) in [("landmark_256", person), ("landmark_256_edge", seated)] {
            let mut next = 0;
            group.bench_function(BenchmarkId::new(name, format!("{w}x{h}")), |b| {
                b.iter(|| {
                    next = (next + 1) % frames.len();
                    landmark.crop_into(black_box(&frames[next]), &roi, &mut lm_buf);
                });
            });
        }
    }
    group.finish();
}

fn detector_decode(c: &mut Criterion) {
    let dir = models::models_dir(None).expect("models folder");
    let mut session = models::open_session(&dir, ModelKind::Detector, 1).expect("detector opens");
    let image = image::imageops::resize(&source_image(), 640, 360, FilterType::Triangle);
    let cropper = Cropper::new(DETECTOR_CROP);
    let (roi, padding) = whole_image_roi(ImageSize::new(640, 360));
    let mut input = vec![0.0; cropper.tensor_len()];
    cropper.crop_into(&image, &roi, &mut input);
    let tensor = ort::value::Tensor::from_array(([1_usize, 224, 224, 3], input)).expect("tensor");
    let outputs = session
        .run(ort::inputs!["input_1" => &tensor])
        .expect("detector runs");
    let boxes = outputs["Identity"]
        .try_extract_tensor::<f32>()
        .expect("boxes")
        .1
        .to_vec();
    let scores = outputs["Identity_1"]
        .try_extract_tensor::<f32>()
        .expect("scores")
        .1
        .to_vec();
    assert_eq!(boxes.len(), NUM_ANCHORS * BOX_VALUES);
    let anchors = anchors::generate();
    let mut decoded = Vec::with_capacity(NUM_ANCHORS);
    c.bench_function("detector_decode_nms", |b| {
        b.iter(|| {
            detector::decode(
                black_box(&boxes),
                black_box(&scores),
                &anchors,
                0.5,
                &mut decoded,
            );
            let mut out = detector::weighted_nms(&decoded);
            for d in &mut out {
                detector::remove_letterbox(d, padding);
            }
            out
        });
    });
}

fn landmark_inference(c: &mut Criterion) {
    let dir = models::models_dir(None).expect("models folder");
    let image = source_image();
    let roi = NormRect {
        x_center: 0.5,
        y_center: 0.6,
        width: 0.9,
        height: 0.9 * image.width() as f32 / image.height() as f32,
        rotation: 0.0,
    };
    let mut group = c.benchmark_group("landmark_inference");
    for (name, kind) in [
        ("lite", ModelKind::LandmarkLite),
        ("full", ModelKind::LandmarkFull),
    ] {
        for threads in [1, 2] {
            let mut net =
                LandmarkNet::open(&dir, kind, None, threads).expect("landmark model opens");
            group.bench_function(BenchmarkId::new(name, format!("{threads}threads")), |b| {
                b.iter(|| net.run(black_box(&image), &roi, false).expect("runs"));
            });
        }
    }
    group.finish();
}

fn tracked_frame(c: &mut Criterion) {
    let dir = models::models_dir(None).expect("models folder");
    let image = image::imageops::resize(&source_image(), 360, 640, FilterType::Triangle);
    let mut group = c.benchmark_group("tracked_frame");
    let runs = [
        ("lite", ModelChoice::Lite, 1),
        ("lite", ModelChoice::Lite, 2),
        ("full", ModelChoice::Full, 1),
        ("full", ModelChoice::Full, 2),
    ];
    for (name, model, threads) in runs {
        let config = PoseConfig {
            model,
            mode: Mode::Video,
            intra_threads: threads,
            ..PoseConfig::default()
        };
        let mut engine = PoseEngine::new(&dir, config).expect("engine starts");
        let mut frame = Frame::new(0, 0.0, image.clone());
        let first = engine.estimate(&frame).expect("first frame");
        assert!(first.skeleton.is_some(), "bench image has a person");
        group.bench_function(BenchmarkId::new(name, format!("{threads}threads")), |b| {
            b.iter(|| {
                frame.seq += 1;
                frame.t_ms += 33.3;
                let estimate = engine.estimate(black_box(&frame)).expect("tracked frame");
                debug_assert!(!estimate.detector_ran);
                estimate
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    preprocessing,
    detector_decode,
    landmark_inference,
    tracked_frame
);
criterion_main!(benches);
