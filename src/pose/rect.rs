//! Rotated rectangles as MediaPipe's pose graph builds them: the alignment rect from two
//! keypoints (`AlignmentPointsRectsCalculator`), the ×1.25 square-long enlargement
//! (`RectTransformationCalculator`) and the aspect-ratio padding of `ImageToTensorCalculator`
//! (`PadRoi`). `models/README.md` §2.1, §3.1, §5.
//!
//! The maths is in `f32` like MediaPipe's `NormalizedRect`, because the landmark model is
//! sensitive to sub-pixel ROI changes (`models/README.md` §7).

use std::f32::consts::PI;

use super::Roi;

/// Angle the alignment vector (start → end keypoint) is rotated to: 90°, i.e. "up".
pub const TARGET_ANGLE_RAD: f32 = PI / 2.0;

/// Enlargement of the alignment rect in both directions (`scale_x`, `scale_y`).
pub const ROI_SCALE: f32 = 1.25;

/// A rotated rectangle in coordinates normalised by the image size, like MediaPipe's
/// `NormalizedRect`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NormRect {
    /// Centre x as a fraction of the image width.
    pub x_center: f32,
    /// Centre y as a fraction of the image height.
    pub y_center: f32,
    /// Width as a fraction of the image width.
    pub width: f32,
    /// Height as a fraction of the image height.
    pub height: f32,
    /// Rotation in radians (clockwise in image coordinates).
    pub rotation: f32,
}

/// A point in normalised image coordinates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NormPoint {
    /// x as a fraction of the image width.
    pub x: f32,
    /// y as a fraction of the image height.
    pub y: f32,
}

/// Letterbox padding as fractions of the tensor side, as `ImageToTensorCalculator` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Padding {
    /// Left padding fraction.
    pub left: f32,
    /// Top padding fraction.
    pub top: f32,
    /// Right padding fraction.
    pub right: f32,
    /// Bottom padding fraction.
    pub bottom: f32,
}

/// Image size in pixels as `f32`, the form every rect calculation needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageSize {
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

impl ImageSize {
    /// The size of a `width × height` image.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width: width as f32,
            height: height as f32,
        }
    }
}

/// `NormalizeRadians`: maps an angle into [-π, π).
pub fn normalize_radians(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// The alignment rect of `AlignmentPointsRectsCalculator`: centred on `start`, square in
/// pixels with side 2·|end − start|, rotated so that start → end points up.
pub fn alignment_rect(start: NormPoint, end: NormPoint, size: ImageSize) -> NormRect {
    let x_center = start.x * size.width;
    let y_center = start.y * size.height;
    let x_scale = end.x * size.width;
    let y_scale = end.y * size.height;
    let box_size = ((x_scale - x_center) * (x_scale - x_center)
        + (y_scale - y_center) * (y_scale - y_center))
        .sqrt()
        * 2.0;
    let rotation =
        normalize_radians(TARGET_ANGLE_RAD - (-(y_scale - y_center)).atan2(x_scale - x_center));
    NormRect {
        x_center: x_center / size.width,
        y_center: y_center / size.height,
        width: box_size / size.width,
        height: box_size / size.height,
        rotation,
    }
}

/// `RectTransformationCalculator` with `square_long` and [`ROI_SCALE`]: the long side in
/// pixels becomes both sides, then both are enlarged.
pub fn enlarge_square_long(rect: NormRect, size: ImageSize) -> NormRect {
    let long_side = (rect.width * size.width).max(rect.height * size.height);
    NormRect {
        width: long_side / size.width * ROI_SCALE,
        height: long_side / size.height * ROI_SCALE,
        ..rect
    }
}

/// The landmark model's ROI from two keypoints: alignment rect, then ×1.25 square-long.
/// `None` when the two points coincide (the rect would have zero size).
pub fn roi_from_keypoints(start: NormPoint, end: NormPoint, size: ImageSize) -> Option<NormRect> {
    let rect = enlarge_square_long(alignment_rect(start, end, size), size);
    (rect.width > 0.0 && rect.height > 0.0 && rect.width.is_finite() && rect.height.is_finite())
        .then_some(rect)
}

impl NormRect {
    /// This rect in frame pixels.
    pub fn to_pixels(self, size: ImageSize) -> Roi {
        Roi {
            x_center_px: self.x_center * size.width,
            y_center_px: self.y_center * size.height,
            width_px: self.width * size.width,
            height_px: self.height * size.height,
            rotation_rad: self.rotation,
        }
    }
}

/// `PadRoi` for a square tensor: grows the pixel ROI to a square and returns the letterbox
/// padding that the growth adds, as fractions of the tensor side.
pub fn pad_to_square(roi: &mut Roi) -> Padding {
    // tensor_aspect_ratio = 1 for the square tensors of both models.
    let roi_aspect = roi.height_px / roi.width_px;
    if 1.0 > roi_aspect {
        let vertical = (1.0 - roi_aspect) / 2.0;
        roi.height_px = roi.width_px;
        Padding {
            left: 0.0,
            top: vertical,
            right: 0.0,
            bottom: vertical,
        }
    } else {
        let horizontal = (1.0 - 1.0 / roi_aspect) / 2.0;
        roi.width_px = roi.height_px;
        Padding {
            left: horizontal,
            top: 0.0,
            right: horizontal,
            bottom: 0.0,
        }
    }
}

/// The detector's ROI: the whole image, rotation 0, padded to a square (letterbox).
pub fn whole_image_roi(size: ImageSize) -> (Roi, Padding) {
    let mut roi = Roi {
        x_center_px: size.width / 2.0,
        y_center_px: size.height / 2.0,
        width_px: size.width,
        height_px: size.height,
        rotation_rad: 0.0,
    };
    let padding = pad_to_square(&mut roi);
    (roi, padding)
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    const SIZE: ImageSize = ImageSize {
        width: 640.0,
        height: 480.0,
    };

    #[test]
    fn normalize_radians_maps_into_half_open_range() {
        assert_relative_eq!(normalize_radians(0.0), 0.0);
        assert_relative_eq!(normalize_radians(3.0 * PI / 2.0), -PI / 2.0, epsilon = 1e-6);
        assert_relative_eq!(normalize_radians(-3.0 * PI / 2.0), PI / 2.0, epsilon = 1e-6);
        assert_relative_eq!(normalize_radians(PI), -PI, epsilon = 1e-6);
    }

    #[test]
    fn upright_body_gives_zero_rotation_and_square_pixels() {
        // Hip centre at (320, 300), size point straight above at (320, 200).
        let start = NormPoint {
            x: 0.5,
            y: 300.0 / 480.0,
        };
        let end = NormPoint {
            x: 0.5,
            y: 200.0 / 480.0,
        };
        let rect = alignment_rect(start, end, SIZE);
        assert_relative_eq!(rect.rotation, 0.0, epsilon = 1e-6);
        assert_relative_eq!(rect.width * 640.0, 200.0, epsilon = 1e-3);
        assert_relative_eq!(rect.height * 480.0, 200.0, epsilon = 1e-3);
        let roi = enlarge_square_long(rect, SIZE).to_pixels(SIZE);
        assert_relative_eq!(roi.width_px, 250.0, epsilon = 1e-3);
        assert_relative_eq!(roi.height_px, 250.0, epsilon = 1e-3);
        assert_relative_eq!(roi.x_center_px, 320.0, epsilon = 1e-3);
        assert_relative_eq!(roi.y_center_px, 300.0, epsilon = 1e-3);
    }

    #[test]
    fn body_lying_sideways_rotates_by_a_quarter_turn() {
        // Size point to the right of the centre: 90° − atan2(0, +dx) = +90°.
        let start = NormPoint { x: 0.5, y: 0.5 };
        let end = NormPoint { x: 0.6, y: 0.5 };
        let rect = alignment_rect(start, end, SIZE);
        assert_relative_eq!(rect.rotation, PI / 2.0, epsilon = 1e-6);
        // Size point to the left: 90° - 180° = -90°.
        let end = NormPoint { x: 0.4, y: 0.5 };
        assert_relative_eq!(
            alignment_rect(start, end, SIZE).rotation,
            -PI / 2.0,
            epsilon = 1e-6
        );
    }

    #[test]
    fn coincident_keypoints_give_no_roi() {
        let p = NormPoint { x: 0.3, y: 0.3 };
        assert_eq!(roi_from_keypoints(p, p, SIZE), None);
    }

    #[test]
    fn landscape_letterbox_pads_top_and_bottom() {
        let (roi, padding) = whole_image_roi(SIZE);
        assert_relative_eq!(roi.width_px, 640.0);
        assert_relative_eq!(roi.height_px, 640.0);
        assert_relative_eq!(padding.top, 0.125);
        assert_relative_eq!(padding.bottom, 0.125);
        assert_relative_eq!(padding.left, 0.0);
        let (roi, padding) = whole_image_roi(ImageSize::new(480, 640));
        assert_relative_eq!(roi.width_px, 640.0);
        assert_relative_eq!(padding.left, 0.125);
        assert_relative_eq!(padding.top, 0.0);
    }
}
