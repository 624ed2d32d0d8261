//! Anonymising faces: the face region from the pose landmarks, held for a moment when the
//! person is lost, and a blur strong enough that the face cannot be recognised.
//!
//! - **Region.** The box around the head's landmarks (nose, eyes, ears, mouth), widened to
//!   [`HEAD_BOX_FACTOR`] times their extent and shifted up to take in forehead and hair, and
//!   never smaller than [`TORSO_FRACTION`] of the shoulder-to-hip length (in a side view the
//!   face landmarks lie almost on one line). A square, clipped to the frame.
//! - **Nobody found.** When a frame has no person, the last region is blurred again, grown by
//!   [`HOLD_GROWTH`], for up to [`HOLD_MS`] of video time: the tracker loses a person for a
//!   few frames when they turn or move quickly, and their face must not flash up. After that
//!   nothing is blurred: there is no face the model can place. Faces the pose model never
//!   finds (a second person in the background, a face too close for the body model) are not
//!   blurred; the footage must be looked through before it is handed on.
//! - **Blur.** The region is pixelated into blocks of a sixth of its side (the face itself
//!   spans two or three blocks) and then box-blurred with a radius of one block, which leaves
//!   only soft patches of average colour: no eyes, nose or mouth.

use image::RgbImage;

use crate::pose::{LandmarkIndex, Skeleton};

/// The blurred square's side as a multiple of the face landmarks' extent.
pub const HEAD_BOX_FACTOR: f32 = 2.6;

/// The blurred square's smallest side as a fraction of the shoulder-to-hip length.
pub const TORSO_FRACTION: f32 = 0.6;

/// How long the last face region is kept blurred when nobody is found, milliseconds of video.
pub const HOLD_MS: f64 = 2000.0;

/// How much a held region grows (its side), to cover movement while the person is lost.
pub const HOLD_GROWTH: f32 = 1.3;

/// Blocks across the side of the blurred square.
pub const BLOCKS_ACROSS: u32 = 6;

/// Smallest blurred square's side in pixels.
const MIN_SIDE_PX: f32 = 16.0;

/// A square region in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBox {
    /// Centre x.
    pub cx: f32,
    /// Centre y.
    pub cy: f32,
    /// Side length.
    pub side: f32,
}

impl FaceBox {
    /// The box grown by `factor` about its centre.
    #[must_use]
    pub fn grown(self, factor: f32) -> Self {
        Self {
            side: self.side * factor,
            ..self
        }
    }

    /// The pixel rectangle `(x0, y0, x1, y1)` (exclusive ends) inside a `width` x `height`
    /// frame, or `None` when the box lies outside it.
    pub fn pixels(&self, width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
        let half = self.side / 2.0;
        let clamp_x = |v: f32| v.clamp(0.0, width as f32).round() as u32;
        let clamp_y = |v: f32| v.clamp(0.0, height as f32).round() as u32;
        let (x0, x1) = (clamp_x(self.cx - half), clamp_x(self.cx + half));
        let (y0, y1) = (clamp_y(self.cy - half), clamp_y(self.cy + half));
        (x0 < x1 && y0 < y1).then_some((x0, y0, x1, y1))
    }
}

/// The landmarks of the head: nose, eyes (inner, centre, outer), ears, mouth corners.
const FACE_LANDMARKS: std::ops::RangeInclusive<usize> = 0..=10;

/// The face region of `skeleton`, or `None` when its head landmarks are not finite.
pub fn face_box(skeleton: &Skeleton) -> Option<FaceBox> {
    let points: Vec<(f32, f32)> = skeleton.landmarks[FACE_LANDMARKS]
        .iter()
        .map(|l| (l.x_px, l.y_px))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if points.len() < 3 {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in &points {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let extent = (x1 - x0).max(y1 - y0);
    let mid = |a: LandmarkIndex, b: LandmarkIndex| {
        let (a, b) = (skeleton.at(a), skeleton.at(b));
        (f32::midpoint(a.x_px, b.x_px), f32::midpoint(a.y_px, b.y_px))
    };
    let shoulders = mid(LandmarkIndex::LeftShoulder, LandmarkIndex::RightShoulder);
    let hips = mid(LandmarkIndex::LeftHip, LandmarkIndex::RightHip);
    let torso = ((shoulders.0 - hips.0).powi(2) + (shoulders.1 - hips.1).powi(2)).sqrt();
    let from_face = extent * HEAD_BOX_FACTOR;
    // The torso only widens a box that the face landmarks make too small, and never beyond
    // twice what the face suggests (hips far outside the frame are guesses).
    let from_torso = if torso.is_finite() {
        (torso * TORSO_FRACTION).min(from_face * 2.0)
    } else {
        0.0
    };
    let side = from_face.max(from_torso).max(MIN_SIDE_PX);
    Some(FaceBox {
        cx: f32::midpoint(x0, x1),
        // The landmarks sit in the lower half of the head: move up for forehead and hair.
        cy: f32::midpoint(y0, y1) - side * 0.12,
        side,
    })
}

/// Keeps the last face region for [`HOLD_MS`] when nobody is found.
#[derive(Clone, Debug, Default)]
pub struct FaceTracker {
    last: Option<(FaceBox, f64)>,
}

impl FaceTracker {
    /// The region to blur in the frame at `t_ms`, given the region found in it (if any).
    pub fn region(&mut self, t_ms: f64, found: Option<FaceBox>) -> Option<FaceBox> {
        if let Some(face) = found {
            self.last = Some((face, t_ms));
            return Some(face);
        }
        match self.last {
            Some((face, seen_ms)) if (t_ms - seen_ms).abs() <= HOLD_MS => {
                Some(face.grown(HOLD_GROWTH))
            }
            _ => None,
        }
    }
}

/// Pixelates and blurs `region` of `image` in place (see the module docs).
pub fn anonymise(image: &mut RgbImage, region: FaceBox) {
    let (width, height) = image.dimensions();
    let Some((x0, y0, x1, y1)) = region.pixels(width, height) else {
        return;
    };
    let block = ((region.side / BLOCKS_ACROSS as f32).round() as u32).max(2);
    // Pixelate: each block takes its mean colour.
    for by in (y0..y1).step_by(block as usize) {
        for bx in (x0..x1).step_by(block as usize) {
            let (ex, ey) = ((bx + block).min(x1), (by + block).min(y1));
            let mut sum = [0_u64; 3];
            for y in by..ey {
                for x in bx..ex {
                    for (total, value) in sum.iter_mut().zip(image.get_pixel(x, y).0) {
                        *total += u64::from(value);
                    }
                }
            }
            let count = u64::from((ex - bx) * (ey - by)).max(1);
            let mean = sum.map(|total| (total / count) as u8);
            for y in by..ey {
                for x in bx..ex {
                    image.put_pixel(x, y, image::Rgb(mean));
                }
            }
        }
    }
    // Soften the block edges: a box blur of one block's radius, rows then columns.
    box_blur(image, (x0, y0, x1, y1), block);
}

/// A separable box blur of `radius` inside `rect`; samples beyond the rect are clamped to it.
fn box_blur(image: &mut RgbImage, rect: (u32, u32, u32, u32), radius: u32) {
    let (x0, y0, x1, y1) = rect;
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut buffer: Vec<[f32; 3]> = Vec::with_capacity(w * h);
    for y in y0..y1 {
        for x in x0..x1 {
            buffer.push(image.get_pixel(x, y).0.map(f32::from));
        }
    }
    let r = radius as usize;
    let pass = |input: &[[f32; 3]], along_rows: bool| -> Vec<[f32; 3]> {
        let mut output = vec![[0.0_f32; 3]; input.len()];
        let (lines, length) = if along_rows { (h, w) } else { (w, h) };
        for line in 0..lines {
            let at = |i: usize| {
                if along_rows {
                    line * w + i
                } else {
                    i * w + line
                }
            };
            for i in 0..length {
                let lo = i.saturating_sub(r);
                let hi = (i + r).min(length - 1);
                let mut sum = [0.0_f32; 3];
                for j in lo..=hi {
                    for (total, value) in sum.iter_mut().zip(input[at(j)]) {
                        *total += value;
                    }
                }
                let count = (hi - lo + 1) as f32;
                output[at(i)] = sum.map(|total| total / count);
            }
        }
        output
    };
    let blurred = pass(&pass(&buffer, true), false);
    for (index, value) in blurred.into_iter().enumerate() {
        let (x, y) = (x0 + (index % w) as u32, y0 + (index / w) as u32);
        image.put_pixel(
            x,
            y,
            image::Rgb(value.map(|v| v.round().clamp(0.0, 255.0) as u8)),
        );
    }
}

/// Fine detail inside `rect` of `image`: the variance of the 4-neighbour Laplacian of the
/// luma. A sharp face scores high; a blurred one close to zero. Used to check anonymisation.
pub fn detail(image: &RgbImage, rect: (u32, u32, u32, u32)) -> f64 {
    let (x0, y0, x1, y1) = rect;
    let luma = |x: u32, y: u32| {
        let [r, g, b] = image.get_pixel(x, y).0;
        0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b)
    };
    let mut values = Vec::new();
    for y in (y0 + 1)..y1.saturating_sub(1) {
        for x in (x0 + 1)..x1.saturating_sub(1) {
            values.push(
                luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1)
                    - 4.0 * luma(x, y),
            );
        }
    }
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Landmark, NUM_LANDMARKS, WorldLandmark};

    fn skeleton(points: &[(usize, f32, f32)]) -> Skeleton {
        let mut landmarks = [Landmark {
            x_px: f32::NAN,
            y_px: f32::NAN,
            ..Landmark::default()
        }; NUM_LANDMARKS];
        for &(index, x_px, y_px) in points {
            landmarks[index] = Landmark {
                x_px,
                y_px,
                visibility: 0.9,
                presence: 0.9,
                ..Landmark::default()
            };
        }
        Skeleton {
            landmarks,
            world: [WorldLandmark::default(); NUM_LANDMARKS],
            presence: 0.9,
            frame: None,
        }
    }

    /// A side view: head landmarks spanning 40 px, torso 200 px long.
    fn side_view() -> Skeleton {
        skeleton(&[
            (0, 100.0, 100.0),
            (2, 110.0, 92.0),
            (5, 108.0, 92.0),
            (7, 140.0, 95.0),
            (8, 138.0, 95.0),
            (9, 104.0, 112.0),
            (10, 103.0, 112.0),
            (11, 150.0, 160.0),
            (12, 150.0, 160.0),
            (23, 160.0, 360.0),
            (24, 160.0, 360.0),
        ])
    }

    #[test]
    fn the_face_box_covers_the_head_generously() {
        let face = face_box(&side_view()).expect("head landmarks");
        // 40 px of landmarks → at least 2.6 × 40 = 104 px; the torso (200 px) asks 120 px.
        assert!((face.side - 120.2).abs() < 1.0, "{face:?}");
        let half = face.side / 2.0;
        for (x, y) in [(100.0, 100.0), (140.0, 95.0), (104.0, 112.0)] {
            assert!((x - face.cx).abs() < half && (y - face.cy).abs() < half);
        }
        assert!(face_box(&skeleton(&[(0, 1.0, 1.0)])).is_none());
    }

    #[test]
    fn a_lost_face_stays_blurred_for_a_moment() {
        let mut tracker = FaceTracker::default();
        let face = FaceBox {
            cx: 50.0,
            cy: 50.0,
            side: 40.0,
        };
        assert_eq!(tracker.region(0.0, None), None, "nothing known yet");
        assert_eq!(tracker.region(100.0, Some(face)), Some(face));
        let held = tracker.region(1500.0, None).expect("held");
        assert!((held.side - 52.0).abs() < 1e-3);
        assert_eq!(tracker.region(2200.0, None), None, "after the hold");
    }

    #[test]
    fn anonymising_removes_detail_inside_and_keeps_it_outside() {
        // A fine checkerboard: maximal detail everywhere.
        let mut image = RgbImage::from_fn(200, 120, |x, y| {
            if (x / 2 + y / 2) % 2 == 0 {
                image::Rgb([230, 200, 180])
            } else {
                image::Rgb([40, 30, 20])
            }
        });
        let region = FaceBox {
            cx: 60.0,
            cy: 60.0,
            side: 80.0,
        };
        let inside = region.pixels(200, 120).expect("inside");
        let outside = (130, 20, 190, 100);
        let before = (detail(&image, inside), detail(&image, outside));
        anonymise(&mut image, region);
        let after = (detail(&image, inside), detail(&image, outside));
        assert!(after.0 < before.0 / 100.0, "{before:?} → {after:?}");
        assert!((after.1 - before.1).abs() < 1e-9, "outside untouched");
        // The region's colour is kept on average (a patch, not a black box).
        let [r, ..] = image.get_pixel(60, 60).0;
        assert!((100..170).contains(&r), "{r}");
    }
}
