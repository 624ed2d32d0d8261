//! Rotated-rect crops into model tensors, sampled the way MediaPipe's
//! `ImageToTensorCalculator` (OpenCV converter) does it: `cv::boxPoints` of the ROI mapped to the
//! tensor corners, `warpPerspective` with `INTER_LINEAR` on the 8-bit image, then a linear map of
//! 0..255 to the model's value range (`models/README.md` §2.1, §3.2).
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

/// Output pixels per chunk of a row whose source positions are computed together.
const CHUNK: usize = 64;

/// The four bilinear weights (top-left, top-right, bottom-left, bottom-right) of each sub-pixel
/// position, indexed by `ay · 32 + ax`, like OpenCV's `BilinearTab_i` (before its ×32).
static WEIGHTS: [[i32; 4]; (INTER_TAB_SIZE * INTER_TAB_SIZE) as usize] = weight_table();

const fn weight_table() -> [[i32; 4]; (INTER_TAB_SIZE * INTER_TAB_SIZE) as usize] {
    let mut table = [[0; 4]; (INTER_TAB_SIZE * INTER_TAB_SIZE) as usize];
    let mut ay = 0;
    while ay < INTER_TAB_SIZE {
        let mut ax = 0;
        while ax < INTER_TAB_SIZE {
            table[(ay * INTER_TAB_SIZE + ax) as usize] = [
                (INTER_TAB_SIZE - ax) * (INTER_TAB_SIZE - ay),
                ax * (INTER_TAB_SIZE - ay),
                (INTER_TAB_SIZE - ax) * ay,
                ax * ay,
            ];
            ax += 1;
        }
        ay += 1;
    }
    table
}

/// The source image as the sampler sees it.
struct Source<'a> {
    raw: &'a [u8],
    width: i32,
    height: i32,
    /// Bytes per row.
    stride: usize,
}

impl Source<'_> {
    /// Whether all four taps of fixed-point position (x, y) lie inside the image.
    #[inline]
    fn taps_inside(&self, fixed_x: i32, fixed_y: i32) -> bool {
        let (sx, sy) = (fixed_x >> INTER_BITS, fixed_y >> INTER_BITS);
        sx >= 0 && sy >= 0 && sx < self.width - 1 && sy < self.height - 1
    }
}

/// `round_ties_even(x) as i32` for |x| ≤ 2^30 without the saturating cast: after adding
/// [`ROUND_MAGIC`] the low 32 bits of the mantissa hold the rounded value in two's complement
/// (1.5·2^52 contributes 2^51 to the mantissa, which is 0 mod 2^32).
fn round_to_i32(x: f64) -> i32 {
    (x + ROUND_MAGIC).to_bits() as i32
}

/// Map coefficients and row terms below this keep every per-pixel `f64` finite (tensor sides
/// are far below 2^31), so [`round_to_i32`] applies.
const MAP_LIMIT: f64 = 1e15;

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
    /// The source rectangle is first read once into the cache (`warm_source`). Each row is
    /// then done in chunks of `CHUNK` pixels: first all fixed-point source positions (the same
    /// `f64` expressions per pixel as OpenCV, with the row term hoisted), then the pixels whose
    /// four taps lie inside the image in a branch-free loop, then the rest with the border rule
    /// (clamped taps, no branch per tap).
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
        let source = Source {
            raw: image.as_raw(),
            width: image.width() as i32,
            height: image.height() as i32,
            stride: image.width() as usize * 3,
        };
        warm_source(&source, &map, side);
        let mut fixed_x = [0_i32; CHUNK];
        let mut fixed_y = [0_i32; CHUNK];
        for (v, row) in out.chunks_exact_mut(side * 3).enumerate() {
            let row_terms = map.row_terms(v);
            for (chunk, pixels) in row.chunks_mut(CHUNK * 3).enumerate() {
                let n = pixels.len() / 3;
                map.fixed_points(
                    chunk * CHUNK,
                    row_terms,
                    &mut fixed_x[..n],
                    &mut fixed_y[..n],
                );
                // Fixed-point x and y are monotone in u (every step of the f64 expression is
                // a correctly rounded, hence monotone, operation), so the pixels with all four
                // taps inside form one contiguous span [lo, hi).
                let inside = |k: usize| source.taps_inside(fixed_x[k], fixed_y[k]);
                let mut lo = 0;
                while lo < n && !inside(lo) {
                    lo += 1;
                }
                let mut hi = n;
                while hi > lo && !inside(hi - 1) {
                    hi -= 1;
                }
                for ((px, &x), &y) in pixels[lo * 3..hi * 3]
                    .chunks_exact_mut(3)
                    .zip(&fixed_x[lo..hi])
                    .zip(&fixed_y[lo..hi])
                {
                    self.sample_inside(&source, x, y, px);
                }
                for k in (0..lo).chain(hi..n) {
                    self.sample_border(
                        &source,
                        fixed_x[k],
                        fixed_y[k],
                        &mut pixels[k * 3..k * 3 + 3],
                    );
                }
            }
        }
    }

    /// One output pixel whose four taps are inside the image (no border checks).
    #[inline]
    fn sample_inside(&self, source: &Source<'_>, fixed_x: i32, fixed_y: i32, px: &mut [f32]) {
        let ax = fixed_x & (INTER_TAB_SIZE - 1);
        let ay = fixed_y & (INTER_TAB_SIZE - 1);
        let weights = WEIGHTS[(ay * INTER_TAB_SIZE + ax) as usize];
        let i =
            (fixed_y >> INTER_BITS) as usize * source.stride + (fixed_x >> INTER_BITS) as usize * 3;
        let top: &[u8; 6] = source.raw[i..i + 6]
            .try_into()
            .expect("six bytes are six bytes");
        let bottom: &[u8; 6] = source.raw[i + source.stride..i + source.stride + 6]
            .try_into()
            .expect("six bytes are six bytes");
        for (c, value) in px.iter_mut().enumerate() {
            let sum = i32::from(top[c]) * weights[0]
                + i32::from(top[c + 3]) * weights[1]
                + i32::from(bottom[c]) * weights[2]
                + i32::from(bottom[c + 3]) * weights[3];
            *value = self.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
        }
    }

    /// One output pixel with at least one tap outside the image, under the border rule.
    ///
    /// Every tap reads the clamped (replicated) pixel; under the zero border the weight of a
    /// tap outside the image is 0 instead. The integer sum is then OpenCV's, without a branch
    /// per tap and channel.
    fn sample_border(&self, source: &Source<'_>, fixed_x: i32, fixed_y: i32, px: &mut [f32]) {
        let ax = fixed_x & (INTER_TAB_SIZE - 1);
        let ay = fixed_y & (INTER_TAB_SIZE - 1);
        let mut weights = WEIGHTS[(ay * INTER_TAB_SIZE + ax) as usize];
        let (sx, sy) = (fixed_x >> INTER_BITS, fixed_y >> INTER_BITS);
        let (width, height) = (source.width, source.height);
        if self.spec.border == Border::Zero {
            let x_in = |x: i32| i32::from((0..width).contains(&x));
            let y_in = |y: i32| i32::from((0..height).contains(&y));
            let (left, right, top, bottom) = (x_in(sx), x_in(sx + 1), y_in(sy), y_in(sy + 1));
            weights[0] *= left & top;
            weights[1] *= right & top;
            weights[2] *= left & bottom;
            weights[3] *= right & bottom;
        }
        let column = |x: i32| x.clamp(0, width - 1) as usize * 3;
        let row = |y: i32| y.clamp(0, height - 1) as usize * source.stride;
        let (x0, x1, y0, y1) = (column(sx), column(sx + 1), row(sy), row(sy + 1));
        let tap = |i: usize| -> [u8; 3] {
            source.raw[i..i + 3]
                .try_into()
                .expect("three bytes are three bytes")
        };
        let taps = [tap(y0 + x0), tap(y0 + x1), tap(y1 + x0), tap(y1 + x1)];
        for (c, value) in px.iter_mut().enumerate() {
            let sum = i32::from(taps[0][c]) * weights[0]
                + i32::from(taps[1][c]) * weights[1]
                + i32::from(taps[2][c]) * weights[2]
                + i32::from(taps[3][c]) * weights[3];
            *value = self.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
        }
    }
}

/// Bytes per cache line (x86-64 and most ARM cores).
const CACHE_LINE: usize = 64;

/// Reads one byte of every cache line of the source rows and columns the crop will sample.
///
/// A frame comes from the decoding thread and is cold when the crop starts. The sampling loop
/// spends about 90 instructions per pixel, so the core's out-of-order window holds only a few
/// of its loads at a time, and it stalls on most new cache lines. This loop does nothing but
/// independent loads, one per cache line, so many are in flight at once; afterwards the
/// sampling loop finds the frame in its cache. On a 640×360 video it cut the crop's time by 40 %
/// (docs/PARITY.md §4.2). It reads, never writes: the crop's values do not change.
fn warm_source(source: &Source<'_>, map: &TensorToImage, side: usize) {
    let s = side as f64;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (u, v) in [(0.0, 0.0), (s, 0.0), (0.0, s), (s, s)] {
        let (x, y) = map.apply(u, v);
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if ![x0, x1, y0, y1].iter().all(|c| c.is_finite()) || source.width < 1 || source.height < 1 {
        return;
    }
    // One pixel more on every side covers the bilinear taps; `as usize` saturates at 0.
    let column = |x: f64| ((x.max(0.0) as usize).min(source.width as usize - 1)) * 3;
    let row = |y: f64| (y.max(0.0) as usize).min(source.height as usize - 1);
    let (first_byte, end_byte) = (column(x0 - 1.0), column(x1 + 2.0) + 3);
    let (first_row, last_row) = (row(y0 - 1.0), row(y1 + 2.0));
    let mut acc = 0_u8;
    for line in source
        .raw
        .chunks_exact(source.stride)
        .take(last_row + 1)
        .skip(first_row)
    {
        for byte in line[first_byte..end_byte].iter().step_by(CACHE_LINE) {
            acc ^= byte;
        }
    }
    std::hint::black_box(acc);
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

    /// The `v` terms of row `v`: `(m[1]·v, m[4]·v)`, hoisted out of the per-pixel expression.
    fn row_terms(&self, v: usize) -> (f64, f64) {
        let v = v as f64;
        (self.m[1] * v, self.m[4] * v)
    }

    /// Source positions of tensor pixels (`u0 + k`, v) in 1/32 pixels into `xs[k]`, `ys[k]`,
    /// rounded half to even like `saturate_cast<int>`. Per pixel this is exactly
    /// `(m[0]·u + m[1]·v + m[2])·32` (and likewise for y) in `f64`, evaluated left to right
    /// with the row term from [`Self::row_terms`], so the result is bit-identical to OpenCV's.
    fn fixed_points(&self, u0: usize, row_terms: (f64, f64), xs: &mut [i32], ys: &mut [i32]) {
        let m = &self.m;
        let scale = f64::from(INTER_TAB_SIZE);
        let bounded = [m[0], m[2], m[3], m[5], row_terms.0, row_terms.1]
            .iter()
            .all(|c| c.abs() < MAP_LIMIT);
        if !bounded {
            // A pathological map (huge or NaN): the plain saturating casts.
            for (k, (fx, fy)) in xs.iter_mut().zip(ys.iter_mut()).enumerate() {
                let u = (u0 + k) as f64;
                let x = ((m[0] * u + row_terms.0 + m[2]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
                let y = ((m[3] * u + row_terms.1 + m[5]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
                *fx = round_ties_even(x) as i32;
                *fy = round_ties_even(y) as i32;
            }
            return;
        }
        // Every value below is finite, so the clamp yields ±2^30 at most and
        // `round_to_i32` equals `round_ties_even(..) as i32`.
        for (k, (fx, fy)) in xs.iter_mut().zip(ys.iter_mut()).enumerate() {
            // An i32 converts to f64 in one vector instruction; the value is the same.
            let u = f64::from((u0 + k) as i32);
            let x = ((m[0] * u + row_terms.0 + m[2]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
            let y = ((m[3] * u + row_terms.1 + m[5]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
            *fx = round_to_i32(x);
            *fy = round_to_i32(y);
        }
    }

    /// Source position of tensor point (u, v) in pixels.
    fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.m;
        (m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5])
    }
}

#[cfg(test)]
mod tests;
