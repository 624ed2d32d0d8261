//! MediaPipe's selfie segmenter as the silhouette C7's person mask: tried and not adopted
//! (docs/GEOMETRY.md §3.6). Needs `scripts/convert-models --selfie`, which writes
//! `models/.work/selfie_segmentation.onnx` (not loaded by plumbline itself).
//!
//! ```text
//! cargo run --release --example selfie_mask -- clip VIDEO K
//! cargo run --release --example selfie_mask -- contours K [MEDIA_DIR] > contours.json
//! ```
//!
//! `K` is the side of the square the mask is made in, in ear-shoulder lengths (side snapped
//! to quarter octaves, centre to an eighth of the side); 0 is the whole frame, stretched to
//! 256² as MediaPipe feeds it.
//!
//! - `clip`: for the frame nearest each second, the CVA in video mode and as a still
//!   (`examples/still_vs_video.rs`) with the product's mask and with the selfie mask, the
//!   video's landmarks with the still's selfie mask (`v_lm+s_mask`), and the SD of the still's
//!   CVA over its crop and that crop moved by `CROP_SHIFT_PX` four ways (`crop_sd`).
//! - `contours`: the posterior neck contours of the annotated side views with the selfie
//!   mask, in the format of `tests/data/annotations/neck_contours.json`.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use ort::session::Session;
use ort::value::Tensor;
use plumbline::capture::{self, Frame, Pacing, SourceSpec};
use plumbline::geometry::Facing;
use plumbline::geometry::silhouette::trace_posterior_contour;
use plumbline::models;
use plumbline::pose::preprocess::{Border, CropSpec, Cropper};
use plumbline::pose::rect::{ImageSize, NormRect, Padding};
use plumbline::pose::segmentation::{MASK_SIDE, PersonMask};
use plumbline::pose::{LandmarkIndex, Mode, PoseConfig, PoseEngine, Roi, Skeleton};
use plumbline::posture::metrics::body_from_skeleton;

// Only its shift is used here: the selfie mask's crop moves by the same pixels as the pose
// mask's in `still_vs_video` and `neck_contours`.
#[allow(dead_code)]
#[path = "common/crop.rs"]
mod crop;
#[path = "common/side.rs"]
mod side;

use crop::CROP_SHIFT_PX;
use side::side_measures;

/// The selfie segmenter on ONNX Runtime, one intra-op thread.
struct Selfie {
    session: Session,
    cropper: Cropper,
    input: Vec<f32>,
    /// Milliseconds of each run.
    ms: Vec<f64>,
}

impl Selfie {
    fn open() -> Result<Self, Box<dyn Error>> {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/.work/selfie_segmentation.onnx");
        if !path.exists() {
            return Err(format!("{}: run scripts/convert-models --selfie", path.display()).into());
        }
        let session = Session::builder(plumbline::runtime::environment()?)?
            .with_intra_threads(1)?
            .with_inter_threads(1)?
            .commit_from_file(&path)?;
        // MediaPipe's selfie graph: values in [0, 1], zero border.
        let cropper = Cropper::new(CropSpec {
            side: MASK_SIDE,
            border: Border::Zero,
            range_min: 0.0,
            range_max: 1.0,
        });
        let input = vec![0.0; cropper.tensor_len()];
        Ok(Self {
            session,
            cropper,
            input,
            ms: Vec::new(),
        })
    }

    /// The person mask of `roi` (frame pixels, not rotated) of `frame`.
    fn mask(&mut self, frame: &Frame, roi: Roi) -> Result<PersonMask, Box<dyn Error>> {
        let size = ImageSize::new(frame.width(), frame.height());
        self.cropper.crop_into(&frame.image, &roi, &mut self.input);
        let tensor = Tensor::from_array(([1_usize, MASK_SIDE, MASK_SIDE, 3], self.input.clone()))?;
        let started = Instant::now();
        let outputs = self.session.run(ort::inputs!["input_1" => tensor])?;
        self.ms.push(started.elapsed().as_secs_f64() * 1e3);
        let (_, probabilities) = outputs[0].try_extract_tensor::<f32>()?;
        // The model ends in a sigmoid; `PersonMask` takes logits.
        let logits: Vec<f32> = probabilities
            .iter()
            .map(|&p| {
                let p = p.clamp(1e-6, 1.0 - 1e-6);
                (p / (1.0 - p)).ln()
            })
            .collect();
        let rect = NormRect {
            x_center: roi.x_center_px / size.width,
            y_center: roi.y_center_px / size.height,
            width: roi.width_px / size.width,
            height: roi.height_px / size.height,
            rotation: 0.0,
        };
        Ok(PersonMask::from_logits(&logits, rect, Padding::default(), size).ok_or("mask size")?)
    }
}

/// The crop for `skeleton` in a `width × height` frame: `k` ear-shoulder lengths around the
/// neck, snapped unless `snap` is false, moved by `shift`; the whole frame for `k` = 0.
fn crop(skeleton: &Skeleton, size: ImageSize, k: f32, shift: (f32, f32), snap: bool) -> Roi {
    if k <= 0.0 {
        return Roi {
            x_center_px: size.width / 2.0 + shift.0,
            y_center_px: size.height / 2.0 + shift.1,
            width_px: size.width,
            height_px: size.height,
            rotation_rad: 0.0,
        };
    }
    let mean = |a: LandmarkIndex, b: LandmarkIndex| {
        let (a, b) = (skeleton.at(a), skeleton.at(b));
        (f32::midpoint(a.x_px, b.x_px), f32::midpoint(a.y_px, b.y_px))
    };
    let ear = mean(LandmarkIndex::LeftEar, LandmarkIndex::RightEar);
    let shoulder = mean(LandmarkIndex::LeftShoulder, LandmarkIndex::RightShoulder);
    let raw = k * (ear.0 - shoulder.0).hypot(ear.1 - shoulder.1).max(1.0);
    let side = if snap {
        2_f32.powf((4.0 * raw.log2()).round() / 4.0)
    } else {
        raw
    };
    let grid = side / 8.0;
    let place = |v: f32| if snap { (v / grid).round() * grid } else { v };
    Roi {
        x_center_px: place(f32::midpoint(ear.0, shoulder.0)) + shift.0,
        y_center_px: place(f32::midpoint(ear.1, shoulder.1)) + shift.1,
        width_px: side,
        height_px: side,
        rotation_rad: 0.0,
    }
}

/// The CVA (degrees) of `skeleton` with `mask`, and whether the contour was refused.
fn cva_with(skeleton: &Skeleton, mask: Option<&PersonMask>) -> Option<(f64, bool)> {
    let (_, _, m) = side_measures(skeleton, mask)?;
    m.metrics.cva_deg.map(|c| (c, m.c7_fallback.is_some()))
}

fn shown(m: Option<(f64, bool)>) -> String {
    m.map_or_else(
        || "-".to_owned(),
        |(c, refused)| format!("{c:.1}{}", if refused { "*" } else { "" }),
    )
}

/// Mean |x| and max |x|.
fn mean_max(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
    (mean, v.iter().map(|x| x.abs()).fold(0.0, f64::max))
}

fn clip(video: &str, k: f32) -> Result<(), Box<dyn Error>> {
    let (mut video_engine, mut still_engine) = side::video_and_still_engines()?;
    let mut selfie = Selfie::open()?;
    let mut source = capture::open(&SourceSpec::parse(video)?, Pacing::AsFastAsPossible)?;
    let (mut product, mut ours, mut same_mask, mut sds) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut refused = 0;
    let mut next = 0_u32;
    println!("  t_s  product v/s   selfie v/s  v_lm+s_mask  crop_sd   (* contour refused)");
    while let Some(frame) = source.next_frame()? {
        let in_video = video_engine.estimate(&frame)?;
        let video_mask = video_engine.mask().cloned();
        let t_s = frame.t_ms / 1000.0;
        if t_s < f64::from(next) {
            continue;
        }
        next += 1;
        let still = still_engine.estimate(&frame)?;
        let (Some(v), Some(s)) = (in_video.skeleton.as_ref(), still.skeleton.as_ref()) else {
            println!("{t_s:5.1}  (no pose in one mode)");
            continue;
        };
        let size = ImageSize::new(frame.width(), frame.height());
        let (pv, ps) = (
            cva_with(v, video_mask.as_ref()),
            cva_with(s, still_engine.mask()),
        );
        let mask_v = selfie.mask(&frame, crop(v, size, k, (0.0, 0.0), true))?;
        let mask_s = selfie.mask(&frame, crop(s, size, k, (0.0, 0.0), true))?;
        let (sv, ss) = (cva_with(v, Some(&mask_v)), cva_with(s, Some(&mask_s)));
        let swapped = cva_with(v, Some(&mask_s));
        let mut moved = Vec::new();
        for shift in [
            (0.0, 0.0),
            (-CROP_SHIFT_PX, 0.0),
            (CROP_SHIFT_PX, 0.0),
            (0.0, -CROP_SHIFT_PX),
            (0.0, CROP_SHIFT_PX),
        ] {
            let mask = selfie.mask(&frame, crop(s, size, k, shift, false))?;
            moved.extend(cva_with(s, Some(&mask)).map(|(c, _)| c));
        }
        let n = moved.len() as f64;
        let centre = moved.iter().sum::<f64>() / n;
        let sd = (moved.iter().map(|c| (c - centre).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        sds.push(sd);
        if let (Some(a), Some(b)) = (pv, ps) {
            product.push(a.0 - b.0);
        }
        if let (Some(a), Some(b)) = (sv, ss) {
            ours.push(a.0 - b.0);
            refused += usize::from(a.1) + usize::from(b.1);
        }
        if let (Some(a), Some(b)) = (swapped, ss) {
            same_mask.push(a.0 - b.0);
        }
        println!(
            "{t_s:5.1} {:>6}/{:<6} {:>6}/{:<6} {:>11} {sd:8.2}",
            shown(pv),
            shown(ps),
            shown(sv),
            shown(ss),
            shown(swapped)
        );
    }
    let ((pm, px), (sm, sx), (qm, qx)) =
        (mean_max(&product), mean_max(&ours), mean_max(&same_mask));
    let rms = (sds.iter().map(|s| s * s).sum::<f64>() / sds.len() as f64).sqrt();
    let sd_max = sds.iter().copied().fold(0.0, f64::max);
    let mut ms = selfie.ms.clone();
    ms.sort_by(f64::total_cmp);
    println!(
        "mean |video - still|: product mask {pm:.2}° (max {px:.2}°), selfie mask k = {k} \
         {sm:.2}° (max {sx:.2}°, {refused} contours refused of {}), video landmarks with the \
         still's selfie mask {qm:.2}° (max {qx:.2}°); crop SD RMS {rms:.2}° (max {sd_max:.2}°); \
         selfie run median {:.2} ms",
        2 * ours.len(),
        ms[ms.len() / 2]
    );
    Ok(())
}

fn contours(k: f32, media: &str) -> Result<(), Box<dyn Error>> {
    let list =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/annotations/side_views.json");
    let annotations: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(list)?)?;
    let config = PoseConfig {
        mode: Mode::Static,
        segmentation: false,
        ..PoseConfig::default()
    };
    let mut engine = PoseEngine::new(&models::models_dir(None)?, config)?;
    let mut selfie = Selfie::open()?;
    let mut rows = Vec::new();
    for a in annotations["images"].as_array().ok_or("no images")? {
        let file = a["file"].as_str().ok_or("file")?;
        let facing = if a["facing"] == "image-right" {
            Facing::ImageRight
        } else {
            Facing::ImageLeft
        };
        let frame = Frame::new(
            0,
            0.0,
            image::open(PathBuf::from(media).join(file))?.to_rgb8(),
        );
        let estimate = engine.estimate(&frame)?;
        let Some(skeleton) = estimate.skeleton.as_ref() else {
            continue;
        };
        let size = ImageSize::new(frame.width(), frame.height());
        let mask = selfie.mask(&frame, crop(skeleton, size, k, (0.0, 0.0), true))?;
        let Ok(chain) = body_from_skeleton(skeleton).chain(facing.near_side()) else {
            continue;
        };
        let contour = trace_posterior_contour(&chain, facing, |p| {
            #[expect(clippy::cast_possible_truncation, reason = "pixel coordinates")]
            let (x, y) = (p.x as f32, -p.y as f32);
            f64::from(mask.probability(x, y))
        });
        rows.push(match contour {
            Ok(c) => {
                let points: Vec<[f64; 2]> = c
                    .points
                    .iter()
                    .map(|p| [(p.x * 10.0).round() / 10.0, (-p.y * 10.0).round() / 10.0])
                    .collect();
                let notch = (c.notch * 1000.0).round() / 1000.0;
                serde_json::json!({"file": file, "contour_px": points, "notch": notch})
            }
            Err(e) => serde_json::json!({"file": file, "rejected": e.to_string()}),
        });
    }
    println!("{}", serde_json::to_string(&rows)?);
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: selfie_mask clip VIDEO K | contours K [MEDIA_DIR]";
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["clip", video, k] => clip(video, k.parse()?),
        ["contours", k] => contours(k.parse()?, "../shared/media"),
        ["contours", k, media] => contours(k.parse()?, media),
        _ => Err(usage.into()),
    }
}
