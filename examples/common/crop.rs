//! The person masks of one frame made in a pose ROI and in that ROI moved by a few pixels,
//! shared by the examples that measure how much the CVA depends on the crop
//! (`docs/GEOMETRY.md` §3.6, `crop_sd`).

use std::error::Error;

use plumbline::capture::Frame;
use plumbline::pose::Roi;
use plumbline::pose::nets::LandmarkNet;
use plumbline::pose::rect::{ImageSize, NormRect};
use plumbline::pose::segmentation::PersonMask;

/// How far the crop moves, in frame pixels (about 1.5 % of the ROI side on the 640x360 side
/// clips).
pub const CROP_SHIFT_PX: f32 = 10.0;

/// The masks `net` makes of `frame` in `roi` and in `roi` moved by [`CROP_SHIFT_PX`] left,
/// right, up and down (five, `None` where the net gave no mask).
pub fn moved_crop_masks(
    net: &mut LandmarkNet,
    frame: &Frame,
    roi: &Roi,
) -> Result<Vec<Option<PersonMask>>, Box<dyn Error>> {
    let size = ImageSize::new(frame.width(), frame.height());
    let mut masks = Vec::new();
    for (dx, dy) in [
        (0.0, 0.0),
        (-CROP_SHIFT_PX, 0.0),
        (CROP_SHIFT_PX, 0.0),
        (0.0, -CROP_SHIFT_PX),
        (0.0, CROP_SHIFT_PX),
    ] {
        let moved = NormRect {
            x_center: (roi.x_center_px + dx) / size.width,
            y_center: (roi.y_center_px + dy) / size.height,
            width: roi.width_px / size.width,
            height: roi.height_px / size.height,
            rotation: roi.rotation_rad,
        };
        masks.push(net.run(&frame.image, &moved, true)?.mask);
    }
    Ok(masks)
}

/// The sample SD of `values` (NaN for fewer than two).
pub fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}
