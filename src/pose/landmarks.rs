//! Decoding the landmark model's raw output (`models/README.md` §4): sigmoid visibility and
//! presence, heatmap refinement, projection from the 256×256 crop back to the frame, and world
//! landmarks rotated by the ROI angle.

use super::detector::sigmoid;
use super::rect::{NormRect, Padding};
use super::{NUM_LANDMARKS, WorldLandmark};

/// Landmark model input side in pixels.
pub const LANDMARK_INPUT_SIZE: usize = 256;

/// Landmarks the model outputs (33 public, 2 auxiliary, 4 unused).
pub const MODEL_LANDMARKS: usize = 39;

/// Values per landmark in the landmark tensor: x, y, z, visibility logit, presence logit.
pub const LANDMARK_VALUES: usize = 5;

/// Values per landmark in the world tensor.
pub const WORLD_VALUES: usize = 3;

/// Landmarks this crate keeps: the 33 public ones plus the auxiliary 33 (mid-hip) and 34
/// (size and rotation point).
pub const KEPT_LANDMARKS: usize = NUM_LANDMARKS + 2;

/// Index of the auxiliary body-centre landmark.
pub const AUX_CENTER: usize = 33;

/// Index of the auxiliary size/rotation landmark.
pub const AUX_SCALE: usize = 34;

/// Side of the square heatmap.
pub const HEATMAP_SIZE: usize = 64;

/// Heatmap refinement window: 7 as `pose_landmark_by_roi_cpu.pbtxt` sets it. The C++, JS and
/// WASM solutions use 7; `mp.solutions.pose` in Python silently runs with the default 9
/// because it drops the option (`models/README.md` §7).
pub const HEATMAP_KERNEL_SIZE: usize = 7;

/// The kernel `mp.solutions.pose` actually runs with (for parity experiments only).
pub const PYTHON_SOLUTION_KERNEL_SIZE: usize = 9;

/// A landmark is refined only when the window's best heatmap confidence reaches this.
const MIN_CONFIDENCE_TO_REFINE: f32 = 0.5;

/// Default threshold on the pose-presence flag (strictly greater; Python's
/// `min_tracking_confidence`).
pub const DEFAULT_MIN_PRESENCE: f32 = 0.5;

/// A landmark in normalised coordinates (of the crop, later of the frame); z on x's scale.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NormLandmark {
    /// x as a fraction of the width.
    pub x: f32,
    /// y as a fraction of the height.
    pub y: f32,
    /// Depth on the scale of x.
    pub z: f32,
    /// Visibility probability.
    pub visibility: f32,
    /// Presence probability.
    pub presence: f32,
}

/// Decodes the first [`KEPT_LANDMARKS`] rows of the raw landmark tensor (39 × 5) into crop-
/// normalised landmarks with sigmoid visibility and presence.
pub fn decode(raw: &[f32], out: &mut [NormLandmark; KEPT_LANDMARKS]) {
    let scale = LANDMARK_INPUT_SIZE as f32;
    for (lm, r) in out.iter_mut().zip(raw.chunks_exact(LANDMARK_VALUES)) {
        *lm = NormLandmark {
            x: r[0] / scale,
            y: r[1] / scale,
            z: r[2] / scale,
            visibility: sigmoid(r[3]),
            presence: sigmoid(r[4]),
        };
    }
}

/// `RefineLandmarksFromHeatmapCalculator`: replaces x and y by the sigmoid-weighted mean cell of
/// a `kernel_size` window of the 64×64×39 HWC heatmap when the window is confident.
///
/// The bounds check copies MediaPipe's, which compares the column twice
/// (`center_col >= hm_height`) and never the row against the height: a landmark just below
/// the crop (row 64..64 + kernel/2) is still refined from the map's bottom rows.
pub fn refine_from_heatmap(landmarks: &mut [NormLandmark], heatmap: &[f32], kernel_size: usize) {
    let size = HEATMAP_SIZE as i32;
    let channels = MODEL_LANDMARKS;
    let offset = (kernel_size as i32 - 1) / 2;
    for (index, lm) in landmarks.iter_mut().enumerate() {
        // `as i32` truncates toward zero like the C++ int conversion.
        let center_col = (lm.x * HEATMAP_SIZE as f32) as i32;
        let center_row = (lm.y * HEATMAP_SIZE as f32) as i32;
        if center_col < 0 || center_col >= size || center_row < 0 {
            continue;
        }
        let (col0, col1) = (
            (center_col - offset).max(0),
            (center_col + offset + 1).min(size),
        );
        let (row0, row1) = (
            (center_row - offset).max(0),
            (center_row + offset + 1).min(size),
        );
        let mut sum = 0.0_f32;
        let mut weighted_col = 0.0_f32;
        let mut weighted_row = 0.0_f32;
        let mut max_confidence = 0.0_f32;
        for row in row0..row1 {
            for col in col0..col1 {
                let idx = (row as usize * HEATMAP_SIZE + col as usize) * channels + index;
                let confidence = sigmoid(heatmap[idx]);
                sum += confidence;
                max_confidence = max_confidence.max(confidence);
                weighted_col += col as f32 * confidence;
                weighted_row += row as f32 * confidence;
            }
        }
        if max_confidence >= MIN_CONFIDENCE_TO_REFINE && sum > 0.0 {
            lm.x = weighted_col / HEATMAP_SIZE as f32 / sum;
            lm.y = weighted_row / HEATMAP_SIZE as f32 / sum;
        }
    }
}

/// Maps crop-normalised landmarks to frame-normalised ones: letterbox removal, then
/// `LandmarkProjectionCalculator` with the ROI (z scaled like x, by the ROI width).
pub fn project_to_image(landmarks: &mut [NormLandmark], roi: &NormRect, padding: Padding) {
    let sx = 1.0 - padding.left - padding.right;
    let sy = 1.0 - padding.top - padding.bottom;
    let (sin, cos) = roi.rotation.sin_cos();
    for lm in landmarks {
        let x = (lm.x - padding.left) / sx - 0.5;
        let y = (lm.y - padding.top) / sy - 0.5;
        let z = lm.z / sx;
        lm.x = (cos * x - sin * y) * roi.width + roi.x_center;
        lm.y = (sin * x + cos * y) * roi.height + roi.y_center;
        lm.z = z * roi.width;
    }
}

/// Decodes rows 0..33 of the world tensor (39 × 3, metres) and rotates x and y by the ROI
/// angle (`WorldLandmarkProjectionCalculator`). Rows 33..39 are ignored (garbage in heavy).
pub fn decode_world(raw: &[f32], rotation: f32, out: &mut [WorldLandmark; NUM_LANDMARKS]) {
    let (sin, cos) = rotation.sin_cos();
    for (lm, r) in out.iter_mut().zip(raw.chunks_exact(WORLD_VALUES)) {
        *lm = WorldLandmark {
            x_m: cos * r[0] - sin * r[1],
            y_m: sin * r[0] + cos * r[1],
            z_m: r[2],
        };
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    fn empty_heatmap() -> Vec<f32> {
        vec![-20.0; HEATMAP_SIZE * HEATMAP_SIZE * MODEL_LANDMARKS]
    }

    fn set(heatmap: &mut [f32], row: usize, col: usize, channel: usize, logit: f32) {
        heatmap[(row * HEATMAP_SIZE + col) * MODEL_LANDMARKS + channel] = logit;
    }

    #[test]
    fn decode_scales_by_crop_and_applies_sigmoid() {
        let mut raw = vec![0.0; MODEL_LANDMARKS * LANDMARK_VALUES];
        raw[..5].copy_from_slice(&[128.0, 64.0, -32.0, 0.0, 2.0]);
        let mut out = [NormLandmark::default(); KEPT_LANDMARKS];
        decode(&raw, &mut out);
        assert_relative_eq!(out[0].x, 0.5);
        assert_relative_eq!(out[0].y, 0.25);
        assert_relative_eq!(out[0].z, -0.125);
        assert_relative_eq!(out[0].visibility, 0.5);
        assert_relative_eq!(out[0].presence, 1.0 / (1.0 + (-2.0_f32).exp()));
    }

    #[test]
    fn refinement_takes_weighted_mean_of_confident_window() {
        let mut heatmap = empty_heatmap();
        // Two equally confident cells at columns 10 and 12 of row 20.
        set(&mut heatmap, 20, 10, 3, 10.0);
        set(&mut heatmap, 20, 12, 3, 10.0);
        let mut lms = [NormLandmark::default(); 4];
        lms[3].x = 11.5 / 64.0;
        lms[3].y = 20.2 / 64.0;
        refine_from_heatmap(&mut lms, &heatmap, HEATMAP_KERNEL_SIZE);
        // The 47 background cells add sigmoid(-20) ≈ 2e-9 each: negligible.
        assert_relative_eq!(lms[3].x, 11.0 / 64.0, epsilon = 1e-5);
        assert_relative_eq!(lms[3].y, 20.0 / 64.0, epsilon = 1e-5);
        // Landmark 0 saw no confident cell and stays put.
        assert_relative_eq!(lms[0].x, 0.0);
    }

    #[test]
    fn kernel_size_limits_the_window() {
        let mut heatmap = empty_heatmap();
        // A confident cell 4 columns away: outside a 7-window (±3), inside a 9-window (±4).
        set(&mut heatmap, 30, 34, 0, 10.0);
        let start = NormLandmark {
            x: 30.5 / 64.0,
            y: 30.5 / 64.0,
            ..NormLandmark::default()
        };
        let mut seven = [start];
        refine_from_heatmap(&mut seven, &heatmap, HEATMAP_KERNEL_SIZE);
        assert_eq!(seven[0], start);
        let mut nine = [start];
        refine_from_heatmap(&mut nine, &heatmap, PYTHON_SOLUTION_KERNEL_SIZE);
        assert_relative_eq!(nine[0].x, 34.0 / 64.0, epsilon = 1e-5);
    }

    #[test]
    fn landmarks_left_of_the_map_are_skipped_but_truncation_keeps_small_negatives() {
        let mut heatmap = empty_heatmap();
        set(&mut heatmap, 5, 0, 0, 10.0);
        set(&mut heatmap, 5, 0, 1, 10.0);
        let mut lms = [NormLandmark::default(); 2];
        lms[0].x = -0.5 / 64.0; // truncates to column 0: refined
        lms[0].y = 5.0 / 64.0;
        lms[1].x = -1.5 / 64.0; // column -1: skipped
        lms[1].y = 5.0 / 64.0;
        refine_from_heatmap(&mut lms, &heatmap, HEATMAP_KERNEL_SIZE);
        assert_relative_eq!(lms[0].x, 0.0, epsilon = 1e-5);
        assert_relative_eq!(lms[1].x, -1.5 / 64.0);
    }

    #[test]
    fn rows_below_the_map_still_refine_like_mediapipe() {
        let mut heatmap = empty_heatmap();
        set(&mut heatmap, 63, 20, 0, 10.0);
        let mut lms = [NormLandmark {
            x: 20.0 / 64.0,
            y: 65.0 / 64.0,
            ..NormLandmark::default()
        }];
        refine_from_heatmap(&mut lms, &heatmap, HEATMAP_KERNEL_SIZE);
        assert_relative_eq!(lms[0].y, 63.0 / 64.0, epsilon = 1e-5);
    }

    #[test]
    fn projection_rotates_around_roi_centre() {
        let roi = NormRect {
            x_center: 0.5,
            y_center: 0.4,
            width: 0.2,
            height: 0.3,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        let mut lms = [NormLandmark {
            x: 1.0,
            y: 0.5,
            z: 0.1,
            ..NormLandmark::default()
        }];
        project_to_image(&mut lms, &roi, Padding::default());
        // (u, v) = (0.5, 0) rotated by 90° → (0, 0.5).
        assert_relative_eq!(lms[0].x, 0.5, epsilon = 1e-6);
        assert_relative_eq!(lms[0].y, 0.4 + 0.5 * 0.3, epsilon = 1e-6);
        assert_relative_eq!(lms[0].z, 0.02, epsilon = 1e-7);
    }

    #[test]
    fn world_landmarks_rotate_without_scaling() {
        let mut raw = vec![9.0; MODEL_LANDMARKS * WORLD_VALUES];
        raw[..3].copy_from_slice(&[0.1, -0.6, 0.2]);
        let mut out = [WorldLandmark::default(); NUM_LANDMARKS];
        decode_world(&raw, std::f32::consts::PI, &mut out);
        assert_relative_eq!(out[0].x_m, -0.1, epsilon = 1e-6);
        assert_relative_eq!(out[0].y_m, 0.6, epsilon = 1e-6);
        assert_relative_eq!(out[0].z_m, 0.2);
    }
}
