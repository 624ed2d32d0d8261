//! Rotated-rect crops into model tensors, sampled the way MediaPipe's
//! `ImageToTensorCalculator` (OpenCV converter) does it: `cv::boxPoints` of the ROI mapped to the
//! tensor corners, `warpPerspective` with `INTER_LINEAR` on the 8-bit image, then a linear map of
//! 0..255 to the model's value range (BLAZEPOSE.md §3.2, §3.6).
//!
//! OpenCV's bilinear warp is fixed point: source coordinates are rounded to 1/32 pixel
//! (`INTER_BITS` 5) and the four weights are integers that sum to 2^15, so the warped pixel is
//! an integer again before the range map. This module reproduces that arithmetic bit for bit
//! (up to `f64` rounding of the ROI matrix), because the landmark model reacts to sub-pixel
//! changes of its crop (§4.4). The output is written straight into a caller-owned NHWC RGB
//! `f32` buffer, so no frame allocates.

use image::RgbImage;

use super::Roi;

/// Sub-pixel resolution of OpenCV's bilinear warp: 2^`INTER_BITS` steps per pixel.
const INTER_BITS: u32 = 5;

/// 32 sub-pixel steps.
const INTER_TAB_SIZE: i32 = 1 << INTER_BITS;

/// The four integer weights of one sub-pixel position sum to `INTER_TAB_SIZE²` = 2^10; OpenCV
/// scales them by 32 to 2^15 (`INTER_REMAP_COEF_BITS`), which changes nothing after rounding.
const WEIGHT_BITS: u32 = 2 * INTER_BITS;

/// Adds one half before the shift: OpenCV's `FixedPtCast` rounding.
const ROUND_HALF: i32 = 1 << (WEIGHT_BITS - 1);

/// 1.5·2^52: adding and subtracting it rounds an `f64` below 2^51 to the nearest integer, ties
/// to even, like `cvRound` (SSE2 `cvtsd2si`), without a libm call on baseline x86-64.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Coordinates are clamped to ±this (in 1/32 px) before rounding, far inside both the
/// `ROUND_MAGIC` range and `i32`.
const FIXED_LIMIT: f64 = (1_u64 << 30) as f64;

/// Round half to even (see [`ROUND_MAGIC`]); `x` must lie within ±2^51.
fn round_ties_even(x: f64) -> f64 {
    (x + ROUND_MAGIC) - ROUND_MAGIC
}

/// What the warp samples outside the source image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Border {
    /// `BORDER_CONSTANT` with 0: padding pixels are black (the detector's letterbox).
    Zero,
    /// `BORDER_REPLICATE`: the nearest edge pixel (the landmark crop).
    Replicate,
}

/// How a crop is taken: tensor side, border rule and value range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropSpec {
    /// Tensor width and height in pixels.
    pub side: usize,
    /// Border rule.
    pub border: Border,
    /// Value of pixel 0.
    pub range_min: f32,
    /// Value of pixel 255.
    pub range_max: f32,
}

/// The detector crop: 224×224, zero border (→ -1.0), values in [-1, 1].
pub const DETECTOR_CROP: CropSpec = CropSpec {
    side: 224,
    border: Border::Zero,
    range_min: -1.0,
    range_max: 1.0,
};

/// The landmark crop: 256×256, replicated border, values in [0, 1].
pub const LANDMARK_CROP: CropSpec = CropSpec {
    side: 256,
    border: Border::Replicate,
    range_min: 0.0,
    range_max: 1.0,
};

/// Crops rotated rects into tensors of one [`CropSpec`].
#[derive(Clone, Debug)]
pub struct Cropper {
    spec: CropSpec,
    /// Tensor value of each 8-bit pixel value.
    lut: [f32; 256],
}

impl Cropper {
    /// A cropper for `spec`.
    pub fn new(spec: CropSpec) -> Self {
        let scale = (spec.range_max - spec.range_min) / 255.0;
        let lut = std::array::from_fn(|v| v as f32 * scale + spec.range_min);
        Self { spec, lut }
    }

    /// The spec this cropper was built for.
    pub fn spec(&self) -> CropSpec {
        self.spec
    }

    /// Number of `f32` values of one tensor (side × side × 3).
    pub fn tensor_len(&self) -> usize {
        self.spec.side * self.spec.side * 3
    }

    /// Samples `roi` (frame pixels, rotated) of `image` into `out`, row-major HWC RGB.
    ///
    /// # Panics
    /// When `out.len()` is not [`Self::tensor_len`]; callers own a buffer of that size.
    pub fn crop_into(&self, image: &RgbImage, roi: &Roi, out: &mut [f32]) {
        assert_eq!(
            out.len(),
            self.tensor_len(),
            "tensor buffer has the wrong size"
        );
        let side = self.spec.side;
        let map = TensorToImage::new(roi, side);
        let width = image.width() as i32;
        let height = image.height() as i32;
        let raw = image.as_raw();
        let stride = image.width() as usize * 3;
        for (v, row) in out.chunks_exact_mut(side * 3).enumerate() {
            for (u, px) in row.chunks_exact_mut(3).enumerate() {
                let (fixed_x, fixed_y) = map.fixed_point(u, v);
                let sx = fixed_x >> INTER_BITS;
                let sy = fixed_y >> INTER_BITS;
                let ax = fixed_x & (INTER_TAB_SIZE - 1);
                let ay = fixed_y & (INTER_TAB_SIZE - 1);
                let weights = [
                    (INTER_TAB_SIZE - ax) * (INTER_TAB_SIZE - ay),
                    ax * (INTER_TAB_SIZE - ay),
                    (INTER_TAB_SIZE - ax) * ay,
                    ax * ay,
                ];
                let inside = sx >= 0 && sy >= 0 && sx < width - 1 && sy < height - 1;
                if inside {
                    // The common case, without border checks.
                    let i = sy as usize * stride + sx as usize * 3;
                    let (top, bottom) = (&raw[i..i + 6], &raw[i + stride..i + stride + 6]);
                    for (c, value) in px.iter_mut().enumerate() {
                        let sum = i32::from(top[c]) * weights[0]
                            + i32::from(top[c + 3]) * weights[1]
                            + i32::from(bottom[c]) * weights[2]
                            + i32::from(bottom[c + 3]) * weights[3];
                        *value = self.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
                    }
                    continue;
                }
                let corners = [
                    self.border_index(sx, sy, width, height, stride),
                    self.border_index(sx + 1, sy, width, height, stride),
                    self.border_index(sx, sy + 1, width, height, stride),
                    self.border_index(sx + 1, sy + 1, width, height, stride),
                ];
                for (c, value) in px.iter_mut().enumerate() {
                    let mut sum = 0_i32;
                    for (corner, weight) in corners.iter().zip(weights) {
                        if let Some(i) = corner {
                            sum += i32::from(raw[i + c]) * weight;
                        }
                    }
                    *value = self.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
                }
            }
        }
    }

    /// Byte index of pixel (x, y) under the border rule; `None` for a zero-border pixel.
    fn border_index(
        &self,
        x: i32,
        y: i32,
        width: i32,
        height: i32,
        stride: usize,
    ) -> Option<usize> {
        let (x, y) = match self.spec.border {
            Border::Zero => {
                if x < 0 || y < 0 || x >= width || y >= height {
                    return None;
                }
                (x, y)
            }
            Border::Replicate => (x.clamp(0, width - 1), y.clamp(0, height - 1)),
        };
        Some(y as usize * stride + x as usize * 3)
    }
}

/// The affine map from tensor pixel (u, v) to source pixel, i.e. the inverse of the
/// `getPerspectiveTransform(boxPoints(roi) → tensor corners)` matrix that `warpPerspective`
/// applies.
#[derive(Clone, Copy, Debug)]
struct TensorToImage {
    m: [f64; 6],
}

impl TensorToImage {
    fn new(roi: &Roi, side: usize) -> Self {
        // cv::RotatedRect::points, in f32 like OpenCV: MediaPipe passes the angle in degrees and
        // OpenCV converts it back in double.
        let angle = f64::from(roi.rotation_rad * 180.0 / std::f32::consts::PI).to_radians();
        let b = angle.cos() as f32 * 0.5;
        let a = angle.sin() as f32 * 0.5;
        let (cx, cy, w, h) = (
            roi.x_center_px,
            roi.y_center_px,
            roi.width_px,
            roi.height_px,
        );
        // pt0 = bottom-left, pt1 = top-left, pt2 = top-right for rotation 0.
        let pt0 = (cx - a * h - b * w, cy + b * h - a * w);
        let pt1 = (cx + a * h - b * w, cy - b * h - a * w);
        let pt2 = (2.0 * cx - pt0.0, 2.0 * cy - pt0.1);
        // Tensor corners: pt1 → (0, 0), pt2 → (side, 0), pt0 → (0, side).
        let s = side as f64;
        let p0 = (f64::from(pt0.0), f64::from(pt0.1));
        let p1 = (f64::from(pt1.0), f64::from(pt1.1));
        let p2 = (f64::from(pt2.0), f64::from(pt2.1));
        Self {
            m: [
                (p2.0 - p1.0) / s,
                (p0.0 - p1.0) / s,
                p1.0,
                (p2.1 - p1.1) / s,
                (p0.1 - p1.1) / s,
                p1.1,
            ],
        }
    }

    /// Source position of tensor pixel (u, v) in 1/32 pixels, rounded half to even like
    /// `saturate_cast<int>`.
    fn fixed_point(&self, u: usize, v: usize) -> (i32, i32) {
        let (u, v) = (u as f64, v as f64);
        let m = &self.m;
        let scale = f64::from(INTER_TAB_SIZE);
        let x = ((m[0] * u + m[1] * v + m[2]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
        let y = ((m[3] * u + m[4] * v + m[5]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
        (round_ties_even(x) as i32, round_ties_even(y) as i32)
    }

    /// Source position of tensor point (u, v) in pixels (for tests and for the inverse maps).
    #[cfg(test)]
    fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.m;
        (m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5])
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use image::Rgb;

    use super::*;

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 200]))
    }

    fn axis_roi(cx: f32, cy: f32, side: f32) -> Roi {
        Roi {
            x_center_px: cx,
            y_center_px: cy,
            width_px: side,
            height_px: side,
            rotation_rad: 0.0,
        }
    }

    #[test]
    fn magic_rounding_matches_ties_to_even() {
        for x in [0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001, -7.25, 1e9 + 0.5] {
            // Compared as integers: the trick turns -0.5 into +0.0, which casts the same.
            assert_eq!(round_ties_even(x) as i64, x.round_ties_even() as i64, "{x}");
        }
    }

    #[test]
    fn identity_crop_copies_pixels() {
        let image = gradient(256, 256);
        let cropper = Cropper::new(LANDMARK_CROP);
        let mut out = vec![0.0; cropper.tensor_len()];
        cropper.crop_into(&image, &axis_roi(128.0, 128.0, 256.0), &mut out);
        let at = |u: usize, v: usize, c: usize| out[(v * 256 + u) * 3 + c];
        assert_relative_eq!(at(0, 0, 0), 0.0);
        assert_relative_eq!(at(17, 3, 0), 17.0 / 255.0);
        assert_relative_eq!(at(17, 3, 1), 3.0 / 255.0);
        assert_relative_eq!(at(255, 255, 2), 200.0 / 255.0);
    }

    #[test]
    fn half_pixel_shift_rounds_like_opencv() {
        // ROI shifted by half a pixel: every sample sits between two columns, weights 16/16.
        let image = gradient(256, 256);
        let cropper = Cropper::new(LANDMARK_CROP);
        let mut out = vec![0.0; cropper.tensor_len()];
        cropper.crop_into(&image, &axis_roi(128.5, 128.0, 256.0), &mut out);
        // Column 10 samples x = 10.5: (10·16 + 11·16)·32 + 2^9 >> 10 = 10.5 → rounds up to 11.
        assert_relative_eq!(out[(5 * 256 + 10) * 3], 11.0 / 255.0);
    }

    #[test]
    fn zero_border_letterboxes_to_minus_one() {
        let image = RgbImage::from_pixel(640, 480, Rgb([255, 255, 255]));
        let cropper = Cropper::new(DETECTOR_CROP);
        let mut out = vec![0.0; cropper.tensor_len()];
        let (roi, padding) =
            super::super::rect::whole_image_roi(super::super::rect::ImageSize::new(640, 480));
        cropper.crop_into(&image, &roi, &mut out);
        // Top 12.5 % of 224 = 28 rows are padding.
        assert_relative_eq!(out[(10 * 224 + 100) * 3], -1.0);
        assert_relative_eq!(out[(112 * 224 + 100) * 3], 1.0);
        assert_relative_eq!(out[(215 * 224 + 5) * 3 + 1], -1.0);
        assert_relative_eq!(padding.top, 0.125);
    }

    #[test]
    fn replicate_border_repeats_edge_pixels() {
        let image = gradient(100, 100);
        let cropper = Cropper::new(LANDMARK_CROP);
        let mut out = vec![0.0; cropper.tensor_len()];
        // A crop twice the image: the left quarter of the tensor lies left of the image.
        cropper.crop_into(&image, &axis_roi(50.0, 50.0, 200.0), &mut out);
        assert_relative_eq!(out[(128 * 256 + 3) * 3], 0.0);
        assert_relative_eq!(out[(128 * 256 + 250) * 3], 99.0 / 255.0);
    }

    #[test]
    fn rotated_roi_maps_corners_like_box_points() {
        // Rotation +90°: the tensor's top-left corner comes from the ROI's top-right.
        let roi = Roi {
            rotation_rad: std::f32::consts::FRAC_PI_2,
            ..axis_roi(100.0, 80.0, 40.0)
        };
        let map = TensorToImage::new(&roi, 256);
        let (x, y) = map.apply(0.0, 0.0);
        assert_relative_eq!(x, 120.0, epsilon = 1e-4);
        assert_relative_eq!(y, 60.0, epsilon = 1e-4);
        let (x, y) = map.apply(256.0, 0.0);
        assert_relative_eq!(x, 120.0, epsilon = 1e-4);
        assert_relative_eq!(y, 100.0, epsilon = 1e-4);
        let (x, y) = map.apply(128.0, 128.0);
        assert_relative_eq!(x, 100.0, epsilon = 1e-4);
        assert_relative_eq!(y, 80.0, epsilon = 1e-4);
    }
}
