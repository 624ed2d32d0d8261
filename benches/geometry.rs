//! Geometry and posture throughput: per-frame cost of the measures, swept over batch sizes.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nalgebra::Point2;
use plumbline::geometry::cva::CvaModel;
use plumbline::geometry::front::{forward_head_index, front_features};
use plumbline::geometry::view::classify_view;
use plumbline::geometry::{Body, Facing, Keypoint, Side};
use plumbline::pose::{Landmark, LandmarkIndex as L, NUM_LANDMARKS, Skeleton, WorldLandmark};
use plumbline::posture::{PostureConfig, PostureJudge};

fn side_body(i: usize) -> Body {
    let k = |x: f64, y: f64| Some(Keypoint::new(x, y, 0.9));
    let dx = (i % 50) as f64;
    Body {
        nose: k(330.0 + dx, -235.0),
        left_ear: k(302.0 + dx, -230.0),
        right_ear: k(300.0 + dx, -230.0),
        left_shoulder: k(298.0, -300.0),
        right_shoulder: k(300.0, -300.0),
        left_hip: k(288.0, -500.0),
        right_hip: k(290.0, -500.0),
        left_knee: k(418.0, -505.0),
        right_knee: k(420.0, -505.0),
    }
}

fn front_body(i: usize) -> Body {
    let k = |x: f64, y: f64| Some(Keypoint::new(x, y, 0.9));
    let s = 1.0 + (i % 10) as f64 * 0.01;
    Body {
        nose: k(0.0, 64.0 * s),
        left_ear: k(9.0 * s, 60.0 * s),
        right_ear: k(-9.0 * s, 60.0 * s),
        left_shoulder: k(24.0, 30.0),
        right_shoulder: k(-24.0, 30.0),
        ..Body::default()
    }
}

fn skeleton(i: usize) -> Skeleton {
    let mut landmarks = [Landmark::default(); NUM_LANDMARKS];
    let b = side_body(i);
    let mut put = |idx: L, k: Option<Keypoint>| {
        let p = k.map_or(Point2::new(0.0, 0.0), |k| k.pos);
        landmarks[idx as usize] = Landmark {
            x_px: p.x as f32,
            y_px: -p.y as f32,
            z_px: 0.0,
            visibility: 0.9,
            presence: 0.9,
        };
    };
    put(L::Nose, b.nose);
    put(L::LeftEar, b.left_ear);
    put(L::RightEar, b.right_ear);
    put(L::LeftShoulder, b.left_shoulder);
    put(L::RightShoulder, b.right_shoulder);
    put(L::LeftHip, b.left_hip);
    put(L::RightHip, b.right_hip);
    put(L::LeftKnee, b.left_knee);
    put(L::RightKnee, b.right_knee);
    Skeleton {
        landmarks,
        world: [WorldLandmark::default(); NUM_LANDMARKS],
        presence: 0.9,
        frame: None,
    }
}

fn bench(c: &mut Criterion) {
    let model = CvaModel::default();
    let mut group = c.benchmark_group("geometry");
    for n in [1usize, 64, 1024] {
        let sides: Vec<Body> = (0..n).map(side_body).collect();
        let fronts: Vec<Body> = (0..n).map(front_body).collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("view+cva", n), &sides, |b, bodies| {
            b.iter(|| {
                bodies
                    .iter()
                    .filter_map(|body| {
                        classify_view(body, None).ok()?;
                        let chain = body.chain(Side::Right).ok()?;
                        model.cva_rad(&chain, Facing::ImageRight).ok()
                    })
                    .sum::<f64>()
            });
        });
        let base = front_features(&fronts[0], None).expect("valid front body");
        group.bench_with_input(BenchmarkId::new("front_index", n), &fronts, |b, bodies| {
            b.iter(|| {
                bodies
                    .iter()
                    .filter_map(|body| {
                        let f = front_features(body, None).ok()?;
                        forward_head_index(&f, &base).ok().map(|i| i.index_pct)
                    })
                    .sum::<f64>()
            });
        });
        let skeletons: Vec<Skeleton> = (0..n).map(skeleton).collect();
        group.bench_with_input(BenchmarkId::new("judge", n), &skeletons, |b, sks| {
            b.iter(|| {
                let mut judge = PostureJudge::new(PostureConfig::default());
                let mut t = 0.0;
                for (i, s) in sks.iter().enumerate() {
                    let _ = judge.update(i as u64, t, Some(s));
                    t += 33.0;
                }
                judge.exposure().total().observed_ms
            });
        });
    }
    group.finish();
}

/// The cost of the silhouette C7: the landmark model with its segmentation head against
/// without on the same ROI (models and runtime from the source tree), and the contour scan.
fn silhouette(c: &mut Criterion) {
    use plumbline::geometry::silhouette::posterior_contour;
    use plumbline::models::{self, ModelKind};
    use plumbline::pose::nets::LandmarkNet;
    use plumbline::pose::rect::NormRect;

    let Ok(dir) = models::models_dir(None) else {
        eprintln!("no models folder: silhouette benchmark skipped");
        return;
    };
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/side_sit_upright_01.jpg");
    let image = image::open(path).expect("committed test image").to_rgb8();
    let aspect = image.width() as f32 / image.height() as f32;
    let roi = NormRect {
        x_center: 0.5,
        y_center: 0.5,
        width: 1.0,
        height: aspect,
        rotation: 0.0,
    };
    let mut group = c.benchmark_group("landmark_model");
    group.sample_size(20);
    let Ok(mut net) = LandmarkNet::open(
        &dir,
        ModelKind::LandmarkFull,
        Some(ModelKind::LandmarkFullSegHead),
        1,
    ) else {
        eprintln!("the landmark model does not open (runtime missing?): skipped");
        return;
    };
    for mask in [false, true] {
        let name = if mask { "with_mask" } else { "without_mask" };
        group.bench_function(name, |b| {
            b.iter(|| net.run(&image, &roi, mask).expect("runs"));
        });
    }
    group.finish();
    let config = plumbline::pose::PoseConfig {
        mode: plumbline::pose::Mode::Static,
        ..plumbline::pose::PoseConfig::default()
    };
    let mut engine = plumbline::pose::PoseEngine::new(&dir, config).expect("engine opens");
    let estimate = engine
        .estimate(&plumbline::capture::Frame::new(0, 0.0, image))
        .expect("pose runs");
    let skeleton = estimate.skeleton.expect("a person in the test image");
    let mask = engine.mask().expect("segmentation is on by default");
    let chain = plumbline::posture::metrics::body_from_skeleton(&skeleton)
        .chain(Side::Right)
        .expect("near side visible");
    let scan = |p: Point2<f64>| f64::from(mask.probability(p.x as f32, -p.y as f32));
    posterior_contour(&chain, Facing::ImageRight, scan).expect("the contour is found");
    c.bench_function("neck_contour", |b| {
        b.iter(|| posterior_contour(&chain, Facing::ImageRight, scan));
    });
}

criterion_group!(benches, bench, silhouette);
criterion_main!(benches);
