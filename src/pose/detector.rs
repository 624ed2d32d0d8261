//! Decoding the detector's raw output into person detections (`models/README.md` §2.3): anchor
//! decoding, score clipping and sigmoid, weighted non-max suppression, letterbox removal, and
//! the detection → landmark ROI step of §3.1 there.

use super::anchors::{Anchor, DETECTOR_INPUT_SIZE, NUM_ANCHORS};
use super::rect::{ImageSize, NormPoint, NormRect, Padding, roi_from_keypoints};

/// Values per anchor in the box tensor: 4 box values and 4 keypoints × 2.
pub const BOX_VALUES: usize = 12;

/// Keypoints per detection.
pub const NUM_KEYPOINTS: usize = 4;

/// Keypoint that is the ROI centre: the mid-hip.
const KEYPOINT_CENTER: usize = 0;

/// Keypoint whose distance from the centre sets the ROI size and rotation (full body).
const KEYPOINT_SCALE: usize = 1;

/// Raw logits are clipped to ±this before the sigmoid (`score_clipping_thresh`).
const SCORE_CLIPPING: f32 = 100.0;

/// Detections overlapping the kept one by more than this IoU are merged into it.
const MIN_SUPPRESSION_IOU: f32 = 0.3;

/// Default minimum detection score (`min_score_thresh`, Python's `min_detection_confidence`).
pub const DEFAULT_MIN_DETECTION_SCORE: f32 = 0.5;

/// An axis-aligned box in normalised coordinates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BoxNorm {
    /// Left edge.
    pub xmin: f32,
    /// Top edge.
    pub ymin: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl BoxNorm {
    fn area(&self) -> f32 {
        self.width * self.height
    }

    /// Intersection over union; 0 for disjoint boxes.
    fn iou(&self, other: &Self) -> f32 {
        let x0 = self.xmin.max(other.xmin);
        let y0 = self.ymin.max(other.ymin);
        let x1 = (self.xmin + self.width).min(other.xmin + other.width);
        let y1 = (self.ymin + self.height).min(other.ymin + other.height);
        if x1 < x0 || y1 < y0 {
            return 0.0;
        }
        let intersection = (x1 - x0) * (y1 - y0);
        let normalization = self.area() + other.area() - intersection;
        if normalization > 0.0 {
            intersection / normalization
        } else {
            0.0
        }
    }
}

/// One person detection: a face box, four body keypoints and a score.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Detection {
    /// The face box.
    pub face: BoxNorm,
    /// 0 mid-hip, 1 full-body size point, 2 mid-shoulder, 3 upper-body size point.
    pub keypoints: [NormPoint; NUM_KEYPOINTS],
    /// Sigmoid score.
    pub score: f32,
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes the raw tensors (`boxes`: 2254 × 12, `scores`: 2254) into detections with score
/// ≥ `min_score`, in tensor-normalised coordinates. Boxes with negative size are dropped as
/// `TensorsToDetectionsCalculator` does. Appends to `out` (cleared first) so the caller can
/// reuse its vector.
pub fn decode(
    boxes: &[f32],
    scores: &[f32],
    anchors: &[Anchor],
    min_score: f32,
    out: &mut Vec<Detection>,
) {
    out.clear();
    let scale = DETECTOR_INPUT_SIZE as f32;
    let rows = boxes.chunks_exact(BOX_VALUES).zip(scores).zip(anchors);
    for ((raw, &logit), anchor) in rows.take(NUM_ANCHORS) {
        let score = sigmoid(logit.clamp(-SCORE_CLIPPING, SCORE_CLIPPING));
        if score < min_score {
            continue;
        }
        let x_center = raw[0] / scale + anchor.x_center;
        let y_center = raw[1] / scale + anchor.y_center;
        let width = raw[2] / scale;
        let height = raw[3] / scale;
        if !(width >= 0.0 && height >= 0.0) {
            continue;
        }
        let keypoints = std::array::from_fn(|k| NormPoint {
            x: raw[4 + 2 * k] / scale + anchor.x_center,
            y: raw[5 + 2 * k] / scale + anchor.y_center,
        });
        out.push(Detection {
            face: BoxNorm {
                xmin: x_center - width / 2.0,
                ymin: y_center - height / 2.0,
                width,
                height,
            },
            keypoints,
            score,
        });
    }
}

/// Weighted non-max suppression (`NonMaxSuppressionCalculator`, `WEIGHTED`, IoU > 0.3): each
/// output is the score-weighted mean of the detections overlapping the best remaining one,
/// and keeps the best one's score. Output is sorted by score, best first.
pub fn weighted_nms(detections: &[Detection]) -> Vec<Detection> {
    let mut remaining: Vec<usize> = (0..detections.len()).collect();
    remaining.sort_by(|&a, &b| detections[b].score.total_cmp(&detections[a].score));
    let mut output = Vec::new();
    let mut rest = Vec::with_capacity(remaining.len());
    while let Some(&top_index) = remaining.first() {
        let top = detections[top_index];
        rest.clear();
        let mut total = 0.0_f32;
        let (mut xmin, mut ymin, mut xmax, mut ymax) = (0.0_f32, 0.0_f32, 0.0_f32, 0.0_f32);
        let mut keypoints = [NormPoint::default(); NUM_KEYPOINTS];
        for &i in &remaining {
            let candidate = &detections[i];
            if candidate.face.iou(&top.face) > MIN_SUPPRESSION_IOU {
                let s = candidate.score;
                total += s;
                xmin += candidate.face.xmin * s;
                ymin += candidate.face.ymin * s;
                xmax += (candidate.face.xmin + candidate.face.width) * s;
                ymax += (candidate.face.ymin + candidate.face.height) * s;
                for (sum, kp) in keypoints.iter_mut().zip(&candidate.keypoints) {
                    sum.x += kp.x * s;
                    sum.y += kp.y * s;
                }
            } else {
                rest.push(i);
            }
        }
        let mut merged = top;
        if total > 0.0 {
            let (x0, y0) = (xmin / total, ymin / total);
            merged.face = BoxNorm {
                xmin: x0,
                ymin: y0,
                width: xmax / total - x0,
                height: ymax / total - y0,
            };
            merged.keypoints = keypoints.map(|kp| NormPoint {
                x: kp.x / total,
                y: kp.y / total,
            });
        }
        output.push(merged);
        if rest.len() == remaining.len() {
            // Nothing matched the top one, not even itself (degenerate box): stop like
            // MediaPipe instead of looping.
            break;
        }
        std::mem::swap(&mut remaining, &mut rest);
    }
    output
}

/// Maps a detection from letterboxed tensor coordinates back to image coordinates
/// (`DetectionLetterboxRemovalCalculator`).
pub fn remove_letterbox(detection: &mut Detection, padding: Padding) {
    let sx = 1.0 - padding.left - padding.right;
    let sy = 1.0 - padding.top - padding.bottom;
    let face = &mut detection.face;
    face.xmin = (face.xmin - padding.left) / sx;
    face.ymin = (face.ymin - padding.top) / sy;
    face.width /= sx;
    face.height /= sy;
    for kp in &mut detection.keypoints {
        kp.x = (kp.x - padding.left) / sx;
        kp.y = (kp.y - padding.top) / sy;
    }
}

/// The landmark ROI of a detection (§3.5): centred on the mid-hip, side 2·|size point − hip|
/// ×1.25, rotated so the body points up. `None` for a degenerate detection.
pub fn roi_from_detection(detection: &Detection, size: ImageSize) -> Option<NormRect> {
    roi_from_keypoints(
        detection.keypoints[KEYPOINT_CENTER],
        detection.keypoints[KEYPOINT_SCALE],
        size,
    )
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::super::anchors;
    use super::*;

    fn raw_tensors() -> (Vec<f32>, Vec<f32>) {
        (
            vec![0.0; NUM_ANCHORS * BOX_VALUES],
            vec![-50.0; NUM_ANCHORS],
        )
    }

    #[test]
    fn decode_applies_anchor_offsets_and_threshold() {
        let anchors = anchors::generate();
        let (mut boxes, mut scores) = raw_tensors();
        // Anchor 0 (centre 0.5/28): box 22.4 px wide, keypoint 0 shifted by +11.2 px.
        let row = &mut boxes[..BOX_VALUES];
        row[2] = 22.4;
        row[3] = 44.8;
        row[4] = 11.2;
        scores[0] = 0.0; // sigmoid = 0.5: kept, the threshold is inclusive
        scores[1] = -0.01; // just below 0.5: dropped
        scores[2] = 1000.0; // clipped to 100 → score 1
        let mut out = Vec::new();
        decode(&boxes, &scores, &anchors, 0.5, &mut out);
        assert_eq!(out.len(), 2);
        let first = out[0];
        assert_relative_eq!(first.score, 0.5);
        assert_relative_eq!(first.face.width, 0.1);
        assert_relative_eq!(first.face.height, 0.2);
        assert_relative_eq!(first.face.xmin, 0.5 / 28.0 - 0.05, epsilon = 1e-6);
        assert_relative_eq!(first.keypoints[0].x, 0.5 / 28.0 + 0.05, epsilon = 1e-6);
        assert_relative_eq!(first.keypoints[1].x, 0.5 / 28.0, epsilon = 1e-6);
        assert_relative_eq!(out[1].score, 1.0);
    }

    #[test]
    fn negative_box_sizes_are_dropped() {
        let anchors = anchors::generate();
        let (mut boxes, mut scores) = raw_tensors();
        boxes[2] = -1.0;
        scores[0] = 5.0;
        let mut out = Vec::new();
        decode(&boxes, &scores, &anchors, 0.5, &mut out);
        assert!(out.is_empty());
    }

    fn detection(xmin: f32, score: f32, kp_x: f32) -> Detection {
        Detection {
            face: BoxNorm {
                xmin,
                ymin: 0.1,
                width: 0.2,
                height: 0.2,
            },
            keypoints: [NormPoint { x: kp_x, y: 0.5 }; NUM_KEYPOINTS],
            score,
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_top_score() {
        // a and b overlap (IoU 0.78), c is far away.
        let a = detection(0.10, 0.9, 0.30);
        let b = detection(0.125, 0.6, 0.40);
        let c = detection(0.70, 0.7, 0.80);
        let out = weighted_nms(&[b, c, a]);
        assert_eq!(out.len(), 2);
        assert_relative_eq!(out[0].score, 0.9);
        let expected_x = (0.30 * 0.9 + 0.40 * 0.6) / 1.5;
        assert_relative_eq!(out[0].keypoints[0].x, expected_x, epsilon = 1e-6);
        let expected_xmin = (0.10 * 0.9 + 0.125 * 0.6) / 1.5;
        assert_relative_eq!(out[0].face.xmin, expected_xmin, epsilon = 1e-6);
        assert_relative_eq!(out[0].face.width, 0.2, epsilon = 1e-6);
        assert_relative_eq!(out[1].score, 0.7);
        assert_relative_eq!(out[1].face.xmin, 0.7, epsilon = 1e-6);
        assert_relative_eq!(out[1].keypoints[3].x, 0.8, epsilon = 1e-6);
    }

    #[test]
    fn iou_threshold_is_strict() {
        let a = BoxNorm {
            xmin: 0.0,
            ymin: 0.0,
            width: 1.0,
            height: 1.0,
        };
        let disjoint = BoxNorm { xmin: 2.0, ..a };
        assert_relative_eq!(a.iou(&a), 1.0);
        assert_relative_eq!(a.iou(&disjoint), 0.0);
    }

    #[test]
    fn letterbox_removal_stretches_the_padded_axis() {
        let mut d = detection(0.1, 0.9, 0.5);
        d.keypoints[0].y = 0.125;
        let padding = Padding {
            top: 0.125,
            bottom: 0.125,
            ..Padding::default()
        };
        remove_letterbox(&mut d, padding);
        assert_relative_eq!(d.keypoints[0].y, 0.0);
        assert_relative_eq!(d.keypoints[1].y, 0.5);
        assert_relative_eq!(d.keypoints[1].x, 0.5);
        assert_relative_eq!(d.face.height, 0.2 / 0.75, epsilon = 1e-6);
    }

    #[test]
    fn roi_from_detection_uses_hip_and_full_body_point() {
        let mut d = detection(0.1, 0.9, 0.5);
        d.keypoints[1] = NormPoint { x: 0.5, y: 0.25 };
        let size = ImageSize::new(400, 400);
        let rect = roi_from_detection(&d, size).expect("non-degenerate");
        assert_relative_eq!(rect.x_center, 0.5);
        assert_relative_eq!(rect.y_center, 0.5);
        assert_relative_eq!(rect.width, 0.5 * 1.25, epsilon = 1e-6);
        assert_relative_eq!(rect.rotation, 0.0, epsilon = 1e-6);
    }
}
