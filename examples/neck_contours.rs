//! Regenerates `tests/data/annotations/neck_contours.json`: the posterior neck contour
//! (`geometry::silhouette`, traced without the neck-notch check, with its notch and edge width) of every
//! annotated side view, from the full model with its segmentation head in
//! static mode. The images are read from the media folder given as the first argument
//! (default `/work/shared/media`); only derived points are stored, no pixels.
//!
//! `cargo run --example neck_contours [MEDIA_DIR [IMAGES_JSON]] > tests/data/annotations/neck_contours.json`
//!
//! `IMAGES_JSON` (default `tests/data/annotations/side_views.json`) lists the images as
//! `{"images": [{"file": ..., "facing": "image-right" | "image-left"}, ...]}`.
//!
//! On stderr, one line per view: its edge width and how much its CVA (the product's, with
//! the view's own landmarks) moves when the crop the mask is made in moves 10 px left,
//! right, up and down (`crop_sd`, `docs/GEOMETRY.md` §3.6).

#[path = "common/crop.rs"]
mod crop;

use std::error::Error;
use std::path::PathBuf;

use plumbline::capture::Frame;
use plumbline::geometry::Facing;
use plumbline::geometry::cva::CvaModel;
use plumbline::geometry::silhouette::trace_posterior_contour;
use plumbline::models;
use plumbline::pose::nets::LandmarkNet;
use plumbline::pose::{Mode, PoseConfig, PoseEngine};
use plumbline::posture::metrics::{body_from_skeleton, measure};

fn main() -> Result<(), Box<dyn Error>> {
    let media = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/work/shared/media".to_owned()),
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let list = std::env::args().nth(2).map_or_else(
        || root.join("tests/data/annotations/side_views.json"),
        PathBuf::from,
    );
    let ann: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(list)?)?;
    let config = PoseConfig {
        mode: Mode::Static,
        segmentation: true,
        ..PoseConfig::default()
    };
    let dir = models::models_dir(None)?;
    let mut engine = PoseEngine::new(&dir, config)?;
    let mut net = LandmarkNet::open(
        &dir,
        config.model.kind(),
        config.model.segmentation_head(),
        1,
    )?;
    let mut rows = Vec::new();
    for a in ann["images"].as_array().ok_or("no images")? {
        let file = a["file"].as_str().ok_or("file")?;
        let facing = if a["facing"] == "image-right" {
            Facing::ImageRight
        } else {
            Facing::ImageLeft
        };
        let image = image::open(media.join(file))?.to_rgb8();
        let frame = Frame::new(0, 0.0, image);
        let estimate = engine.estimate(&frame)?;
        let (Some(skeleton), Some(mask)) = (estimate.skeleton.as_ref(), engine.mask()) else {
            continue;
        };
        let Ok(chain) = body_from_skeleton(skeleton).chain(facing.near_side()) else {
            continue;
        };
        let contour = trace_posterior_contour(&chain, facing, |p| {
            f64::from(mask.probability(p.x as f32, -p.y as f32))
        });
        let row = match contour {
            Ok(c) => {
                if let Some(roi) = estimate.roi.as_ref() {
                    let body = body_from_skeleton(skeleton);
                    let side = if facing == Facing::ImageRight {
                        plumbline::geometry::view::ViewClass::SideRight
                    } else {
                        plumbline::geometry::view::ViewClass::SideLeft
                    };
                    let cvas: Vec<f64> = crop::moved_crop_masks(&mut net, &frame, roi)?
                        .iter()
                        .filter_map(|m| {
                            measure(
                                &body,
                                None,
                                Some(side),
                                &CvaModel::default(),
                                None,
                                m.as_ref(),
                            )
                            .metrics
                            .cva_deg
                        })
                        .collect();
                    eprintln!(
                        "{file:<36} edge {:.3} crop_sd {:5.2} ({} crops)",
                        c.edge_width,
                        crop::sd(&cvas),
                        cvas.len()
                    );
                }
                let pts: Vec<[f64; 2]> = c
                    .points
                    .iter()
                    .map(|p| [(p.x * 10.0).round() / 10.0, (-p.y * 10.0).round() / 10.0])
                    .collect();
                let notch = (c.notch * 1000.0).round() / 1000.0;
                let edge = (c.edge_width * 1000.0).round() / 1000.0;
                serde_json::json!({"file": file, "contour_px": pts, "notch": notch, "edge_width": edge})
            }
            Err(e) => serde_json::json!({"file": file, "rejected": e.to_string()}),
        };
        rows.push(row);
    }
    println!("{}", serde_json::to_string(&rows)?);
    Ok(())
}
