//! Tests of the crop, including the bit-for-bit safety net against the previous scalar
//! implementation, which is kept here verbatim as the reference.

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

/// The crop as it was before the chunked fast path (commit before "crop speed"), kept
/// verbatim as the reference the new code must match bit for bit.
fn reference_crop_into(cropper: &Cropper, image: &RgbImage, roi: &Roi, out: &mut [f32]) {
    assert_eq!(
        out.len(),
        cropper.tensor_len(),
        "tensor buffer has the wrong size"
    );
    let side = cropper.spec.side;
    let map = TensorToImage::new(roi, side);
    let width = image.width() as i32;
    let height = image.height() as i32;
    let raw = image.as_raw();
    let stride = image.width() as usize * 3;
    for (v, row) in out.chunks_exact_mut(side * 3).enumerate() {
        for (u, px) in row.chunks_exact_mut(3).enumerate() {
            let (fixed_x, fixed_y) = reference_fixed_point(&map, u, v);
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
                    *value = cropper.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
                }
                continue;
            }
            let corners = [
                reference_border_index(cropper, sx, sy, width, height, stride),
                reference_border_index(cropper, sx + 1, sy, width, height, stride),
                reference_border_index(cropper, sx, sy + 1, width, height, stride),
                reference_border_index(cropper, sx + 1, sy + 1, width, height, stride),
            ];
            for (c, value) in px.iter_mut().enumerate() {
                let mut sum = 0_i32;
                for (corner, weight) in corners.iter().zip(weights) {
                    if let Some(i) = corner {
                        sum += i32::from(raw[i + c]) * weight;
                    }
                }
                *value = cropper.lut[((sum + ROUND_HALF) >> WEIGHT_BITS) as usize & 0xff];
            }
        }
    }
}

/// The old `Cropper::border_index`, verbatim.
fn reference_border_index(
    cropper: &Cropper,
    x: i32,
    y: i32,
    width: i32,
    height: i32,
    stride: usize,
) -> Option<usize> {
    let (x, y) = match cropper.spec.border {
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

/// The old `TensorToImage::fixed_point`, verbatim.
fn reference_fixed_point(map: &TensorToImage, u: usize, v: usize) -> (i32, i32) {
    let (u, v) = (u as f64, v as f64);
    let m = &map.m;
    let scale = f64::from(INTER_TAB_SIZE);
    let x = ((m[0] * u + m[1] * v + m[2]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
    let y = ((m[3] * u + m[4] * v + m[5]) * scale).clamp(-FIXED_LIMIT, FIXED_LIMIT);
    (round_ties_even(x) as i32, round_ties_even(y) as i32)
}

/// A deterministic pseudo-random image (xorshift32), so every tap carries a distinct value.
fn noise(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = seed;
    RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        };
        Rgb([next(), next(), next()])
    })
}

/// ROIs covering the interior fast path, rotations, partial and full overlap with the
/// outside, magnification and minification, relative to a `width`×`height` image.
fn test_rois(width: f32, height: f32) -> Vec<Roi> {
    let mut rois = Vec::new();
    for (fx, fy, fs) in [
        (0.5, 0.5, 0.9),
        (0.5, 0.5, 0.1),
        (0.1, 0.8, 0.7),
        (0.95, 0.05, 0.5),
        (0.5, 0.5, 2.5),
        (-0.3, 0.5, 0.4),
        (0.37, 0.61, 0.013),
    ] {
        for rotation_rad in [0.0, 0.2, -1.1, std::f32::consts::FRAC_PI_2, 2.9, -3.0] {
            rois.push(Roi {
                x_center_px: fx * width + 0.37,
                y_center_px: fy * height - 0.21,
                width_px: fs * height,
                height_px: fs * height * 1.3,
                rotation_rad,
            });
        }
    }
    // Pathological maps (huge, NaN) take the saturating-cast path.
    for width_px in [1e20, f32::NAN] {
        rois.push(Roi {
            width_px,
            ..rois[0]
        });
    }
    rois
}

#[test]
fn crop_matches_reference_bit_for_bit() {
    let specs = [
        DETECTOR_CROP,
        LANDMARK_CROP,
        CropSpec {
            border: Border::Replicate,
            ..DETECTOR_CROP
        },
        CropSpec {
            border: Border::Zero,
            ..LANDMARK_CROP
        },
        // Not a multiple of the chunk size: exercises the short last chunk.
        CropSpec {
            side: 100,
            ..LANDMARK_CROP
        },
    ];
    // A 1x1 and a 2x1 image: no interior at all, and the cache warm-up's smallest rectangle.
    for (width, height, seed) in [
        (97, 61, 7),
        (640, 360, 11),
        (33, 200, 3),
        (1, 1, 5),
        (2, 1, 9),
    ] {
        let image = noise(width, height, seed);
        for spec in specs {
            let cropper = Cropper::new(spec);
            let mut fast = vec![0.0; cropper.tensor_len()];
            let mut reference = vec![0.0; cropper.tensor_len()];
            for roi in test_rois(width as f32, height as f32) {
                fast.fill(f32::NAN);
                cropper.crop_into(&image, &roi, &mut fast);
                reference_crop_into(&cropper, &image, &roi, &mut reference);
                let mismatch = fast
                    .iter()
                    .zip(&reference)
                    .position(|(a, b)| a.to_bits() != b.to_bits());
                assert_eq!(mismatch, None, "{width}x{height} {spec:?} {roi:?}");
            }
        }
    }
}

#[test]
fn mantissa_rounding_matches_saturating_cast() {
    let limit = FIXED_LIMIT;
    for x in [
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        -2.5,
        3.49,
        -3.51,
        1e6 + 0.5,
        -1e6 - 0.5,
        limit,
        -limit,
        limit - 0.5,
        -limit + 0.5,
        12_345.678,
        -98_765.432_1,
    ] {
        assert_eq!(round_to_i32(x), round_ties_even(x) as i32, "{x}");
    }
}

#[test]
fn weight_table_matches_opencv_formula() {
    for ay in 0..INTER_TAB_SIZE {
        for ax in 0..INTER_TAB_SIZE {
            let w = WEIGHTS[(ay * INTER_TAB_SIZE + ax) as usize];
            assert_eq!(w.iter().sum::<i32>(), 1 << WEIGHT_BITS);
            assert_eq!(w[3], ax * ay);
            assert_eq!(w[0], (INTER_TAB_SIZE - ax) * (INTER_TAB_SIZE - ay));
        }
    }
}
