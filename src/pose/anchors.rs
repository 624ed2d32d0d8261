//! The detector's SSD anchors (`SsdAnchorsCalculator` with the options of
//! `pose_detection_cpu.pbtxt`; `models/README.md` §2.2). Anchors are fixed-size (w = h = 1), so only
//! their centres matter.

/// Detector input side in pixels.
pub const DETECTOR_INPUT_SIZE: usize = 224;

/// Number of anchors, equal to the detector's output rows.
pub const NUM_ANCHORS: usize = 2254;

/// Strides of the five anchor layers; consecutive layers with the same stride share a grid.
const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];

/// Anchors per layer and cell: aspect ratio 1.0 plus the interpolated one.
const ANCHORS_PER_LAYER: usize = 2;

/// `anchor_offset_x` and `anchor_offset_y`.
const ANCHOR_OFFSET: f32 = 0.5;

/// The centre of one anchor, normalised by the detector input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Centre x in [0, 1].
    pub x_center: f32,
    /// Centre y in [0, 1].
    pub y_center: f32,
}

/// Generates the anchors in the detector's output order: layer group, then y, then x, then the
/// anchor within the cell.
pub fn generate() -> Vec<Anchor> {
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let mut last_same = layer;
        while last_same + 1 < STRIDES.len() && STRIDES[last_same + 1] == stride {
            last_same += 1;
        }
        let per_cell = (last_same - layer + 1) * ANCHORS_PER_LAYER;
        let feature_map = DETECTOR_INPUT_SIZE.div_ceil(stride);
        for y in 0..feature_map {
            for x in 0..feature_map {
                let anchor = Anchor {
                    x_center: (x as f32 + ANCHOR_OFFSET) / feature_map as f32,
                    y_center: (y as f32 + ANCHOR_OFFSET) / feature_map as f32,
                };
                anchors.extend(std::iter::repeat_n(anchor, per_cell));
            }
        }
        layer = last_same + 1;
    }
    anchors
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    #[test]
    fn count_matches_the_detector_output() {
        assert_eq!(generate().len(), NUM_ANCHORS);
    }

    #[test]
    fn centres_follow_layer_cell_order() {
        let anchors = generate();
        // Stride 8: 28×28 cells, 2 per cell.
        assert_relative_eq!(anchors[0].x_center, 0.5 / 28.0);
        assert_relative_eq!(anchors[0].y_center, 0.5 / 28.0);
        assert_eq!(anchors[0], anchors[1]);
        assert_relative_eq!(anchors[2].x_center, 1.5 / 28.0);
        // Last stride-8 anchor: cell (27, 27).
        assert_relative_eq!(anchors[1567].x_center, 27.5 / 28.0);
        assert_relative_eq!(anchors[1567].y_center, 27.5 / 28.0);
        // Stride 16 starts at 1568 with a 14×14 grid.
        assert_relative_eq!(anchors[1568].x_center, 0.5 / 14.0);
        assert_relative_eq!(anchors[1568 + 2 * 14].y_center, 1.5 / 14.0);
        // The three stride-32 layers share a 7×7 grid with 6 anchors per cell.
        assert_relative_eq!(anchors[1960].x_center, 0.5 / 7.0);
        assert_eq!(anchors[1960], anchors[1965]);
        assert_relative_eq!(anchors[1966].x_center, 1.5 / 7.0);
        assert_relative_eq!(anchors[2253].x_center, 6.5 / 7.0);
        assert_relative_eq!(anchors[2253].y_center, 6.5 / 7.0);
    }
}
