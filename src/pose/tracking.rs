//! Video-mode tracking state (`models/README.md` §5, §6): the smoothing of one person's
//! landmarks between frames and the ROI for the next frame from the smoothed auxiliary
//! landmarks.

use super::landmarks::{AUX_CENTER, AUX_SCALE, KEPT_LANDMARKS, NormLandmark};
use super::rect::{ImageSize, NormPoint, NormRect, alignment_rect, roi_from_keypoints};
use super::smoothing::{
    AUX_LANDMARKS, IMAGE_LANDMARKS, PointsFilter, VisibilityFilter, WORLD_LANDMARKS,
};
use super::{Landmark, NUM_LANDMARKS, Skeleton, WorldLandmark};

/// Nanoseconds of a frame time in milliseconds (the filters' clock).
pub fn time_ns(t_ms: f64) -> i64 {
    (t_ms * 1e6).round() as i64
}

fn point(lm: &NormLandmark) -> NormPoint {
    NormPoint { x: lm.x, y: lm.y }
}

/// The next frame's ROI from the auxiliary landmarks 33 (centre) and 34 (size/rotation).
pub fn roi_from_aux(
    landmarks: &[NormLandmark; KEPT_LANDMARKS],
    size: ImageSize,
) -> Option<NormRect> {
    roi_from_keypoints(
        point(&landmarks[AUX_CENTER]),
        point(&landmarks[AUX_SCALE]),
        size,
    )
}

/// The object scale of the smoothing filters: the mean pixel side of the *unscaled* alignment
/// rect of the *unfiltered* auxiliary landmarks.
pub fn object_scale(landmarks: &[NormLandmark; KEPT_LANDMARKS], size: ImageSize) -> f32 {
    let rect = alignment_rect(
        point(&landmarks[AUX_CENTER]),
        point(&landmarks[AUX_SCALE]),
        size,
    );
    f32::midpoint(rect.width * size.width, rect.height * size.height)
}

/// The filters of one tracked person.
#[derive(Clone, Debug)]
pub struct PoseSmoother {
    image: PointsFilter<NUM_LANDMARKS>,
    aux: PointsFilter<2>,
    world: PointsFilter<NUM_LANDMARKS>,
    visibility: VisibilityFilter<NUM_LANDMARKS>,
}

impl Default for PoseSmoother {
    fn default() -> Self {
        Self {
            image: PointsFilter::new(IMAGE_LANDMARKS),
            aux: PointsFilter::new(AUX_LANDMARKS),
            world: PointsFilter::new(WORLD_LANDMARKS),
            visibility: VisibilityFilter::default(),
        }
    }
}

impl PoseSmoother {
    /// The track was lost: reset the image and auxiliary coordinate filters, which MediaPipe
    /// resets on a frame without landmarks. The world and visibility filters keep their state
    /// as they do in MediaPipe (they only see frames with landmarks).
    pub fn on_lost(&mut self) {
        self.image.reset();
        self.aux.reset();
    }

    /// Smooths one frame in place: visibility first, then image (in pixels), auxiliary and world
    /// coordinates.
    pub fn apply(
        &mut self,
        time_ns: i64,
        size: ImageSize,
        landmarks: &mut [NormLandmark; KEPT_LANDMARKS],
        world: &mut [WorldLandmark; NUM_LANDMARKS],
    ) {
        let scale = object_scale(landmarks, size);
        self.visibility.apply(
            landmarks[..NUM_LANDMARKS]
                .iter_mut()
                .map(|lm| &mut lm.visibility),
        );

        let mut public = [[0.0_f32; 3]; NUM_LANDMARKS];
        to_pixels(&landmarks[..NUM_LANDMARKS], size, &mut public);
        self.image.apply(time_ns, scale, &mut public);
        from_pixels(&public, size, &mut landmarks[..NUM_LANDMARKS]);

        let mut aux = [[0.0_f32; 3]; 2];
        to_pixels(&landmarks[NUM_LANDMARKS..], size, &mut aux);
        self.aux.apply(time_ns, scale, &mut aux);
        from_pixels(&aux, size, &mut landmarks[NUM_LANDMARKS..]);

        let mut metres = world.map(|w| [w.x_m, w.y_m, w.z_m]);
        self.world.apply(time_ns, 1.0, &mut metres);
        for (w, m) in world.iter_mut().zip(metres) {
            *w = WorldLandmark {
                x_m: m[0],
                y_m: m[1],
                z_m: m[2],
            };
        }
    }
}

/// x·W, y·H, z·W as the smoothing calculator converts normalised landmarks.
fn to_pixels(landmarks: &[NormLandmark], size: ImageSize, out: &mut [[f32; 3]]) {
    for (o, lm) in out.iter_mut().zip(landmarks) {
        *o = [lm.x * size.width, lm.y * size.height, lm.z * size.width];
    }
}

fn from_pixels(points: &[[f32; 3]], size: ImageSize, landmarks: &mut [NormLandmark]) {
    for (lm, p) in landmarks.iter_mut().zip(points) {
        lm.x = p[0] / size.width;
        lm.y = p[1] / size.height;
        lm.z = p[2] / size.width;
    }
}

/// The public skeleton in frame pixels.
pub fn skeleton(
    landmarks: &[NormLandmark; KEPT_LANDMARKS],
    world: &[WorldLandmark; NUM_LANDMARKS],
    presence: f32,
    size: ImageSize,
) -> Skeleton {
    Skeleton {
        landmarks: std::array::from_fn(|i| {
            let lm = &landmarks[i];
            Landmark {
                x_px: lm.x * size.width,
                y_px: lm.y * size.height,
                z_px: lm.z * size.width,
                visibility: lm.visibility,
                presence: lm.presence,
            }
        }),
        world: *world,
        presence,
        frame: Some(size),
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    const SIZE: ImageSize = ImageSize {
        width: 640.0,
        height: 480.0,
    };

    fn person(shift_px: f32) -> [NormLandmark; KEPT_LANDMARKS] {
        let mut lms = [NormLandmark {
            x: 0.5,
            y: 0.5,
            visibility: 0.9,
            presence: 0.9,
            ..NormLandmark::default()
        }; KEPT_LANDMARKS];
        lms[AUX_CENTER] = NormLandmark {
            x: (320.0 + shift_px) / 640.0,
            y: 300.0 / 480.0,
            ..NormLandmark::default()
        };
        lms[AUX_SCALE] = NormLandmark {
            x: (320.0 + shift_px) / 640.0,
            y: 200.0 / 480.0,
            ..NormLandmark::default()
        };
        lms
    }

    #[test]
    fn object_scale_is_twice_the_aux_distance() {
        assert_relative_eq!(object_scale(&person(0.0), SIZE), 200.0, epsilon = 1e-3);
    }

    #[test]
    fn roi_from_aux_is_centred_on_the_hip_point() {
        let roi = roi_from_aux(&person(10.0), SIZE).expect("non-degenerate");
        assert_relative_eq!(roi.x_center * 640.0, 330.0, epsilon = 1e-3);
        assert_relative_eq!(roi.width * 640.0, 250.0, epsilon = 1e-3);
    }

    #[test]
    fn smoothing_lags_a_jump_and_reset_forgets_it() {
        let mut smoother = PoseSmoother::default();
        let mut world = [WorldLandmark::default(); NUM_LANDMARKS];
        let mut first = person(0.0);
        smoother.apply(time_ns(33.0), SIZE, &mut first, &mut world);
        let mut second = person(20.0);
        smoother.apply(time_ns(66.0), SIZE, &mut second, &mut world);
        let aux_x = second[AUX_CENTER].x * 640.0;
        assert!(aux_x > 320.0 && aux_x < 340.0, "aux x {aux_x}");
        smoother.on_lost();
        let mut third = person(20.0);
        smoother.apply(time_ns(99.0), SIZE, &mut third, &mut world);
        assert_relative_eq!(third[AUX_CENTER].x * 640.0, 340.0, epsilon = 1e-3);
    }

    #[test]
    fn skeleton_scales_to_pixels() {
        let world = [WorldLandmark::default(); NUM_LANDMARKS];
        let s = skeleton(&person(0.0), &world, 0.97, SIZE);
        assert_relative_eq!(s.landmarks[0].x_px, 320.0);
        assert_relative_eq!(s.landmarks[0].y_px, 240.0);
        assert_relative_eq!(s.presence, 0.97);
    }
}
