//! Output types of the pose engine. These are the contract between `pose` and its users
//! (`posture`, `ui`, `cli`): image landmarks in frame pixels, world landmarks in metres.

use serde::Serialize;

/// Number of public BlazePose landmarks.
pub const NUM_LANDMARKS: usize = 33;

/// Indices of the BlazePose landmarks that plumbline uses by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum LandmarkIndex {
    /// 0
    Nose = 0,
    /// 2
    LeftEye = 2,
    /// 5
    RightEye = 5,
    /// 7: tragus proxy of the left side.
    LeftEar = 7,
    /// 8: tragus proxy of the right side.
    RightEar = 8,
    /// 9
    MouthLeft = 9,
    /// 10
    MouthRight = 10,
    /// 11
    LeftShoulder = 11,
    /// 12
    RightShoulder = 12,
    /// 13
    LeftElbow = 13,
    /// 14
    RightElbow = 14,
    /// 15
    LeftWrist = 15,
    /// 16
    RightWrist = 16,
    /// 23
    LeftHip = 23,
    /// 24
    RightHip = 24,
    /// 25
    LeftKnee = 25,
    /// 26
    RightKnee = 26,
    /// 27
    LeftAnkle = 27,
    /// 28
    RightAnkle = 28,
}

/// One image landmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Landmark {
    /// Horizontal position in frame pixels (x grows to the right).
    pub x_px: f32,
    /// Vertical position in frame pixels (y grows downwards).
    pub y_px: f32,
    /// Relative depth on the same pixel scale as x; origin at the hip midpoint, smaller is
    /// closer to the camera.
    pub z_px: f32,
    /// Probability that the landmark is visible (not occluded), after sigmoid.
    pub visibility: f32,
    /// Probability that the landmark is inside the frame, after sigmoid.
    pub presence: f32,
}

/// One world landmark in metres, origin at the hip midpoint, +y down, +z away from camera.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct WorldLandmark {
    /// Metres, +x to the image right.
    pub x_m: f32,
    /// Metres, +y down.
    pub y_m: f32,
    /// Metres, +z away from the camera.
    pub z_m: f32,
}

/// A rotated rectangle in frame pixels (the region the landmark model looked at).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Roi {
    /// Centre x in pixels.
    pub x_center_px: f32,
    /// Centre y in pixels.
    pub y_center_px: f32,
    /// Width in pixels.
    pub width_px: f32,
    /// Height in pixels.
    pub height_px: f32,
    /// Rotation in radians, clockwise in image coordinates as MediaPipe defines it.
    pub rotation_rad: f32,
}

/// The landmarks of one person in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Skeleton {
    /// The 33 image landmarks in frame pixels.
    pub landmarks: [Landmark; NUM_LANDMARKS],
    /// The 33 world landmarks in metres.
    pub world: [WorldLandmark; NUM_LANDMARKS],
    /// The landmark model's pose-presence probability.
    pub presence: f32,
    /// The frame the landmarks are in (pixels), so a landmark at or past its edge can be told
    /// apart from one inside the picture; `None` for scripted skeletons without a frame.
    pub frame: Option<super::rect::ImageSize>,
}

impl Skeleton {
    /// The image landmark at `index`.
    pub fn at(&self, index: LandmarkIndex) -> &Landmark {
        &self.landmarks[index as usize]
    }

    /// The world landmark at `index`.
    pub fn world_at(&self, index: LandmarkIndex) -> &WorldLandmark {
        &self.world[index as usize]
    }

    /// A scripted skeleton (tests, benchmarks, examples): the listed image landmarks at
    /// (x, y) frame pixels, each with `visibility` (also its presence and the pose presence);
    /// every other landmark at the origin with visibility 0; no world landmarks and no frame.
    ///
    /// ```
    /// use plumbline::pose::{LandmarkIndex as L, Skeleton};
    /// let s = Skeleton::from_points(&[(L::LeftEar, 90.0, 40.0)], 0.9);
    /// assert_eq!((s.at(L::LeftEar).x_px, s.at(L::LeftEar).visibility), (90.0, 0.9));
    /// assert_eq!(s.at(L::Nose).visibility, 0.0);
    /// ```
    pub fn from_points(points: &[(LandmarkIndex, f32, f32)], visibility: f32) -> Self {
        let mut landmarks = [Landmark::default(); NUM_LANDMARKS];
        for &(index, x_px, y_px) in points {
            landmarks[index as usize] = Landmark {
                x_px,
                y_px,
                z_px: 0.0,
                visibility,
                presence: visibility,
            };
        }
        Self {
            landmarks,
            world: [WorldLandmark::default(); NUM_LANDMARKS],
            presence: visibility,
            frame: None,
        }
    }
}

/// What the pose engine found in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct PoseEstimate {
    /// Sequence number of the analyzed frame.
    pub seq: u64,
    /// Source time of the analyzed frame in milliseconds.
    pub t_ms: f64,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Score of the detection that started the track, or of this frame's detection when the
    /// detector ran (sigmoid probability). `None` when nothing was detected.
    pub score: Option<f32>,
    /// How many people the detector saw the last time it ran (after non-max suppression).
    pub people_detected: usize,
    /// Whether the detector ran on this frame (false while tracking).
    pub detector_ran: bool,
    /// The region the landmark model looked at, if it ran.
    pub roi: Option<Roi>,
    /// The tracked person's landmarks, `None` when no person was found.
    pub skeleton: Option<Skeleton>,
}
