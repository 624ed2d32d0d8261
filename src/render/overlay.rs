//! What is drawn over a frame, shared by the window (`ui::video`, through egui) and the
//! annotated video (drawn here in software): the skeleton's bones, the CVA construction at the
//! neck, and the posture state.

use crate::pose::{LandmarkIndex, Skeleton};
use crate::posture::{PostureSample, PostureState, View};

use super::canvas::{Canvas, Point};
use super::palette;

/// Landmarks less visible than this are not drawn.
pub const MIN_DRAW_VISIBILITY: f32 = 0.5;

/// Length of the CVA's horizontal reference line, as a fraction of the ear-shoulder distance.
pub const CVA_REFERENCE_LENGTH: f32 = 1.2;

/// The BlazePose bones drawn over the video (pairs of landmark indices).
pub const BONES: [(usize, usize); 22] = [
    (0, 1),
    (1, 2),
    (2, 3),
    (3, 7),
    (0, 4),
    (4, 5),
    (5, 6),
    (6, 8),
    (9, 10),
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (24, 26),
    (25, 27),
    (26, 28),
    (27, 31),
];

/// Landmarks up to this index belong to the face (nose, eyes, ears, mouth).
pub const LAST_FACE_LANDMARK: usize = 10;

/// The ear and shoulder of the side that faces the camera, in frame pixels.
///
/// The CVA itself runs from the ear to C7 estimated from the silhouette, which sits near the
/// shoulder landmark; the drawing uses the shoulder so the viewer sees which landmarks the
/// angle comes from.
pub fn cva_anchor(skeleton: &Skeleton, view: View) -> Option<(Point, Point)> {
    let (ear, shoulder) = match view {
        View::SideLeft => (LandmarkIndex::LeftEar, LandmarkIndex::LeftShoulder),
        View::SideRight => (LandmarkIndex::RightEar, LandmarkIndex::RightShoulder),
        View::Front | View::Oblique | View::Unknown => return None,
    };
    let ear = skeleton.at(ear);
    let shoulder = skeleton.at(shoulder);
    let ear = (ear.x_px, ear.y_px);
    let shoulder = (shoulder.x_px, shoulder.y_px);
    (ear != shoulder).then_some((ear, shoulder))
}

/// The short state text of the video's banner.
pub fn state_banner(state: PostureState) -> &'static str {
    match state {
        PostureState::Upright => "UPRIGHT",
        PostureState::AtRisk => "HEAD FORWARD",
        PostureState::ForwardHead => "FORWARD HEAD (persistent)",
        PostureState::Away => "NOBODY IN VIEW",
        PostureState::NoPerson => "NO PERSON FOUND",
        PostureState::Calibrating => "CALIBRATING",
        PostureState::Snoozed => "SNOOZED",
    }
}

/// The view in a few words.
pub fn view_words(view: View) -> &'static str {
    match view {
        View::SideLeft => "side view, left",
        View::SideRight => "side view, right",
        View::Front => "front view",
        View::Oblique => "oblique view: no angle valid",
        View::Unknown => "view unknown",
    }
}

/// Sizes of what is drawn, from the frame's height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Bone width, pixels.
    pub line: f32,
    /// Joint radius, pixels.
    pub joint: f32,
    /// Text height, pixels.
    pub text: f32,
}

impl Scale {
    /// Sizes for a frame `height` pixels high.
    pub fn for_height(height: u32) -> Self {
        let h = height as f32;
        Self {
            line: (h / 240.0).clamp(1.5, 6.0),
            joint: (h / 160.0).clamp(2.5, 9.0),
            text: (h / 26.0).clamp(12.0, 44.0),
        }
    }
}

/// Draws the body's bones and joints (not the face's: it may be blurred, and its points say
/// nothing about posture).
pub fn draw_skeleton(canvas: &mut Canvas<'_>, skeleton: &Skeleton, scale: Scale) {
    let visible = |index: usize| {
        let landmark = &skeleton.landmarks[index];
        (landmark.visibility >= MIN_DRAW_VISIBILITY
            && landmark.x_px.is_finite()
            && landmark.y_px.is_finite())
        .then_some((landmark.x_px, landmark.y_px))
    };
    for (a, b) in BONES {
        if a <= LAST_FACE_LANDMARK && b <= LAST_FACE_LANDMARK {
            continue;
        }
        if let (Some(a), Some(b)) = (visible(a), visible(b)) {
            canvas.line(a, b, scale.line, palette::BONE);
        }
    }
    for (index, landmark) in skeleton.landmarks.iter().enumerate() {
        if index <= LAST_FACE_LANDMARK {
            continue;
        }
        if let Some(at) = visible(index) {
            canvas.disc(
                at,
                scale.joint,
                palette::confidence_rgb(landmark.visibility),
            );
        }
    }
}

/// Draws the CVA construction at the neck (ear-shoulder line, horizontal through the
/// shoulder) with its value, when the frame has a CVA.
pub fn draw_cva(
    canvas: &mut Canvas<'_>,
    skeleton: &Skeleton,
    sample: &PostureSample,
    scale: Scale,
) {
    let Some(cva_deg) = sample.metrics.cva_deg else {
        return;
    };
    let Some((ear, shoulder)) = cva_anchor(skeleton, sample.view) else {
        return;
    };
    let reach =
        ((ear.0 - shoulder.0).powi(2) + (ear.1 - shoulder.1).powi(2)).sqrt() * CVA_REFERENCE_LENGTH;
    let direction = if ear.0 >= shoulder.0 { 1.0 } else { -1.0 };
    canvas.line(shoulder, ear, scale.line, palette::CVA);
    canvas.line(
        shoulder,
        (shoulder.0 + direction * reach, shoulder.1),
        scale.line,
        palette::CVA,
    );
    canvas.disc(ear, scale.joint, palette::CVA);
    // The label goes behind the neck, below the face, where it covers nothing important.
    let text = format!("CVA {cva_deg:.0}°");
    let (width, _) = Canvas::text_size(scale.text, &text);
    let pad = (scale.text * 0.3).round();
    let x = if direction > 0.0 {
        shoulder.0 - width - 2.0 * pad - scale.text * 0.5
    } else {
        shoulder.0 + scale.text * 0.5
    };
    let y = shoulder.1 + scale.text * 0.5;
    canvas.label((x, y), scale.text, palette::CVA, &text);
}

/// Draws the banner in the top-left corner: the state on its colour, then the view and the
/// time in the recording.
pub fn draw_banner(canvas: &mut Canvas<'_>, sample: &PostureSample, person: bool, scale: Scale) {
    let margin = (scale.text * 0.5).round();
    let state = if person || !sample.state.is_present() {
        sample.state
    } else {
        PostureState::Away
    };
    let (_, height) = canvas.badge(
        (margin, margin),
        scale.text,
        palette::BADGE_TEXT,
        palette::state_rgb(state),
        0.9,
        state_banner(state),
    );
    let seconds = (sample.t_ms / 1000.0).max(0.0);
    let text = format!(
        "{} · {}:{:04.1}",
        view_words(sample.view),
        (seconds / 60.0).floor(),
        seconds % 60.0
    );
    canvas.label(
        (margin, margin + height + margin * 0.5),
        scale.text * 0.75,
        palette::TEXT,
        &text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::NUM_LANDMARKS;

    fn skeleton_with(points: &[(LandmarkIndex, f32, f32)]) -> Skeleton {
        Skeleton::from_points(points, 1.0)
    }

    #[test]
    fn cva_anchor_uses_the_side_facing_the_camera() {
        let skeleton = skeleton_with(&[
            (LandmarkIndex::LeftEar, 10.0, 5.0),
            (LandmarkIndex::LeftShoulder, 8.0, 20.0),
            (LandmarkIndex::RightEar, 30.0, 5.0),
            (LandmarkIndex::RightShoulder, 28.0, 20.0),
        ]);
        assert_eq!(
            cva_anchor(&skeleton, View::SideLeft),
            Some(((10.0, 5.0), (8.0, 20.0)))
        );
        assert_eq!(
            cva_anchor(&skeleton, View::SideRight),
            Some(((30.0, 5.0), (28.0, 20.0)))
        );
        assert_eq!(cva_anchor(&skeleton, View::Front), None);
    }

    #[test]
    fn bones_stay_inside_the_landmark_range() {
        assert!(
            BONES
                .iter()
                .all(|&(a, b)| a < NUM_LANDMARKS && b < NUM_LANDMARKS)
        );
    }

    #[test]
    fn the_cva_is_drawn_in_its_colour_at_the_neck() {
        let skeleton = skeleton_with(&[
            (LandmarkIndex::LeftEar, 480.0, 240.0),
            (LandmarkIndex::LeftShoulder, 400.0, 480.0),
        ]);
        let sample = PostureSample {
            view: View::SideLeft,
            metrics: crate::posture::Metrics {
                cva_deg: Some(48.0),
                ..crate::posture::Metrics::default()
            },
            ..PostureSample::default()
        };
        let mut image = image::RgbImage::new(960, 960);
        let scale = Scale::for_height(960);
        draw_cva(&mut Canvas::new(&mut image), &skeleton, &sample, scale);
        // The middle of the ear-shoulder line and of the horizontal are CVA yellow.
        assert_eq!(image.get_pixel(440, 360).0, palette::CVA);
        assert_eq!(image.get_pixel(560, 480).0, palette::CVA);
        // Without a CVA nothing is drawn.
        let mut blank = image::RgbImage::new(960, 960);
        draw_cva(
            &mut Canvas::new(&mut blank),
            &skeleton,
            &PostureSample::default(),
            scale,
        );
        assert!(blank.pixels().all(|pixel| pixel.0 == [0, 0, 0]));
    }
}
