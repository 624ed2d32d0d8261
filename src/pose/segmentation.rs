//! The person mask of the `_seg` landmark models (`Identity_2`, `models/README.md` §4).
//!
//! The model returns 256×256 segmentation logits of its ROI crop. MediaPipe takes their
//! sigmoid and warps them back into the frame with the inverse crop matrix (`WarpAffine`,
//! `BORDER_ZERO`). [`PersonMask`] keeps the 256×256 probabilities with the crop geometry and
//! evaluates that warp lazily: [`PersonMask::probability`] at a frame pixel is the bilinear
//! sample of the crop at the pixel's crop position, zero outside the crop. This equals the
//! warped image at that pixel, without warping the whole frame when only a few contour lines
//! are read (the silhouette C7 in `geometry::silhouette`).

use super::rect::{ImageSize, NormRect, Padding};

/// Side of the segmentation tensor in pixels.
pub const MASK_SIDE: usize = 256;

/// The person probability of one frame, as the landmark model saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonMask {
    /// Sigmoid of the logits, row-major, `MASK_SIDE × MASK_SIDE`.
    probs: Vec<f32>,
    /// The ROI (frame-normalised) the crop was taken from.
    roi: NormRect,
    /// The letterbox padding of the crop (fractions of the tensor side).
    padding: Padding,
    /// Frame size in pixels.
    size: ImageSize,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl PersonMask {
    /// The mask from the raw logits of `Identity_2` (`MASK_SIDE²` values, row-major); `None`
    /// when the tensor has another size.
    pub fn from_logits(
        logits: &[f32],
        roi: NormRect,
        padding: Padding,
        size: ImageSize,
    ) -> Option<Self> {
        if logits.len() != MASK_SIDE * MASK_SIDE {
            return None;
        }
        Some(Self {
            probs: logits.iter().map(|&l| sigmoid(l)).collect(),
            roi,
            padding,
            size,
        })
    }

    /// Frame width and height in pixels.
    pub fn frame_size(&self) -> (f32, f32) {
        (self.size.width, self.size.height)
    }

    /// The crop pixel (column, row; pixel centres at integers) that frame pixel (`x`, `y`)
    /// maps to: the inverse of the landmark projection (`models/README.md` §4).
    fn crop_position(&self, x: f32, y: f32) -> (f32, f32) {
        let roi_w = self.roi.width * self.size.width;
        let roi_h = self.roi.height * self.size.height;
        let dx = x - self.roi.x_center * self.size.width;
        let dy = y - self.roi.y_center * self.size.height;
        let (sin, cos) = self.roi.rotation.sin_cos();
        let u = (cos * dx + sin * dy) / roi_w + 0.5;
        let v = (-sin * dx + cos * dy) / roi_h + 0.5;
        let sx = 1.0 - self.padding.left - self.padding.right;
        let sy = 1.0 - self.padding.top - self.padding.bottom;
        let side = MASK_SIDE as f32;
        (
            (u * sx + self.padding.left) * side - 0.5,
            (v * sy + self.padding.top) * side - 0.5,
        )
    }

    fn at(&self, col: i64, row: i64) -> f32 {
        let side = MASK_SIDE as i64;
        if (0..side).contains(&col) && (0..side).contains(&row) {
            // In range: both indices are in 0..256.
            self.probs[(row * side + col).unsigned_abs() as usize]
        } else {
            0.0
        }
    }

    /// The person probability at frame pixel (`x`, `y`) (y down): bilinear, zero outside the
    /// crop, as `WarpAffine` with `BORDER_ZERO` gives it.
    pub fn probability(&self, x: f32, y: f32) -> f32 {
        let (cx, cy) = self.crop_position(x, y);
        if !(cx.is_finite() && cy.is_finite()) {
            return 0.0;
        }
        let (c0, r0) = (cx.floor(), cy.floor());
        let (fx, fy) = (cx - c0, cy - r0);
        #[expect(clippy::cast_possible_truncation, reason = "floored crop coordinates")]
        let (c, r) = (c0 as i64, r0 as i64);
        let top = self.at(c, r) * (1.0 - fx) + self.at(c + 1, r) * fx;
        let bottom = self.at(c, r + 1) * (1.0 - fx) + self.at(c + 1, r + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// The same mask moved by (`dx`, `dy`) frame pixels: a recent mask carried to a frame
    /// whose person moved that far (`PoseConfig::mask_every_ms`).
    #[must_use]
    pub fn shifted(&self, dx: f32, dy: f32) -> Self {
        let mut moved = self.clone();
        moved.roi.x_center += dx / self.size.width;
        moved.roi.y_center += dy / self.size.height;
        moved
    }

    /// Fraction of the crop that is person (probability above one half): a sanity figure.
    pub fn person_fraction(&self) -> f32 {
        let n = self.probs.iter().filter(|&&p| p > 0.5).count();
        n as f32 / self.probs.len() as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_mask(roi: NormRect, size: ImageSize) -> PersonMask {
        // Person = the left half of the crop.
        let logits: Vec<f32> = (0..MASK_SIDE * MASK_SIDE)
            .map(|i| {
                if i % MASK_SIDE < MASK_SIDE / 2 {
                    20.0
                } else {
                    -20.0
                }
            })
            .collect();
        PersonMask::from_logits(&logits, roi, Padding::default(), size).expect("256x256")
    }

    #[test]
    fn a_shifted_mask_moves_by_the_pixels_given() {
        let size = ImageSize::new(400, 200);
        let roi = NormRect {
            x_center: 0.5,
            y_center: 0.5,
            width: 0.25,
            height: 0.5,
            rotation: 0.3,
        };
        let m = square_mask(roi, size);
        let moved = m.shifted(37.0, -12.0);
        for (x, y) in [(170.0, 100.0), (200.0, 80.0), (230.0, 120.0), (185.0, 95.0)] {
            let want = m.probability(x, y);
            let got = moved.probability(x + 37.0, y - 12.0);
            assert!((want - got).abs() < 1e-4, "({x}, {y}): {want} vs {got}");
        }
        // And it is not the same mask: the boundary moved.
        assert!(m.probability(215.0, 100.0) < 0.01);
        assert!(moved.probability(215.0, 100.0) > 0.99);
    }

    #[test]
    fn inverse_warp_follows_the_roi() {
        let size = ImageSize::new(400, 200);
        // A 100 px square ROI centred at (200, 100).
        let roi = NormRect {
            x_center: 0.5,
            y_center: 0.5,
            width: 0.25,
            height: 0.5,
            rotation: 0.0,
        };
        let m = square_mask(roi, size);
        assert!(m.probability(170.0, 100.0) > 0.99);
        assert!(m.probability(230.0, 100.0) < 0.01);
        // Outside the crop: zero border.
        assert!(m.probability(120.0, 100.0) < 1e-6);
        // Rotated by 90° (clockwise in the image): the crop's left half is the frame's top.
        let turned = NormRect {
            rotation: std::f32::consts::FRAC_PI_2,
            ..roi
        };
        let m = square_mask(turned, size);
        assert!(
            m.probability(200.0, 70.0) > 0.99,
            "{}",
            m.probability(200.0, 70.0)
        );
        assert!(m.probability(200.0, 130.0) < 0.01);
    }

    #[test]
    fn wrong_tensor_size_is_rejected() {
        let size = ImageSize::new(10, 10);
        assert!(
            PersonMask::from_logits(&[0.0; 10], NormRect::default(), Padding::default(), size)
                .is_none()
        );
    }
}
