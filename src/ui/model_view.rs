//! "What the model sees": the region the landmark model cropped (the rotated ROI), every
//! landmark coloured by its confidence, and the detector's numbers, so a user can tell a bad
//! measurement from a bad posture.

use egui::emath::RectTransform;
use egui::{Pos2, Stroke, Vec2};

use crate::pose::{LandmarkIndex, PoseEstimate, Roi};

use super::theme;
use super::video::skeleton_ui;

/// The landmarks the posture measures depend on, listed with their confidence.
pub const KEY_LANDMARKS: [(LandmarkIndex, &str); 9] = [
    (LandmarkIndex::Nose, "Nose"),
    (LandmarkIndex::LeftEar, "Left ear"),
    (LandmarkIndex::RightEar, "Right ear"),
    (LandmarkIndex::LeftShoulder, "Left shoulder"),
    (LandmarkIndex::RightShoulder, "Right shoulder"),
    (LandmarkIndex::LeftHip, "Left hip"),
    (LandmarkIndex::RightHip, "Right hip"),
    (LandmarkIndex::LeftKnee, "Left knee"),
    (LandmarkIndex::RightKnee, "Right knee"),
];

/// The four corners of a rotated ROI in frame pixels, clockwise from top-left.
///
/// The rotation follows MediaPipe: positive is clockwise in image coordinates (y down).
pub fn roi_corners(roi: &Roi) -> [Pos2; 4] {
    let (sin, cos) = roi.rotation_rad.sin_cos();
    let centre = Pos2::new(roi.x_center_px, roi.y_center_px);
    let (hw, hh) = (roi.width_px / 2.0, roi.height_px / 2.0);
    [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
        .map(|(dx, dy)| centre + Vec2::new(dx * cos - dy * sin, dx * sin + dy * cos))
}

/// Paints the ROI and all landmarks (confidence-coloured, none hidden) over the frame.
pub fn paint(painter: &egui::Painter, ui_from_image: &RectTransform, estimate: &PoseEstimate) {
    if let Some(roi) = &estimate.roi {
        let corners_in_ui: Vec<Pos2> = roi_corners(roi)
            .iter()
            .map(|&corner| ui_from_image.transform_pos(corner))
            .collect();
        painter.add(egui::Shape::closed_line(
            corners_in_ui,
            Stroke::new(2.0, theme::ROI),
        ));
    }
    if let Some(skeleton) = &estimate.skeleton {
        skeleton_ui(painter, ui_from_image, skeleton, 0.0);
    }
}

/// Words for the detector's state.
pub fn detector_text(estimate: &PoseEstimate) -> String {
    let score = estimate.score.map_or_else(
        || "no detection".to_owned(),
        |s| format!("score {:.0} %", s * 100.0),
    );
    let ran = if estimate.detector_ran {
        "detector ran on this frame"
    } else {
        "tracking from the previous frame"
    };
    format!(
        "Person detector: {score}, {} people seen, {ran}",
        estimate.people_detected
    )
}

/// Draws the side panel of the model view: detector numbers and key landmark confidences.
pub fn ui(ui: &mut egui::Ui, estimate: Option<&PoseEstimate>) {
    ui.heading("What the model sees");
    let Some(estimate) = estimate else {
        ui.label("No frame analyzed yet.");
        return;
    };
    ui.label(detector_text(estimate));
    if estimate.people_detected > 1 {
        ui.label("More than one person: plumbline follows one of them only.");
    }
    match &estimate.roi {
        Some(roi) => ui.label(format!(
            "Crop: {:.0} × {:.0} px at ({:.0}, {:.0}), rotated {:.0}°",
            roi.width_px,
            roi.height_px,
            roi.x_center_px,
            roi.y_center_px,
            roi.rotation_rad.to_degrees()
        )),
        None => ui.label("Crop: none (the landmark model did not run)"),
    };
    let Some(skeleton) = &estimate.skeleton else {
        ui.label("No landmarks: nobody found.");
        return;
    };
    ui.label(format!("Pose presence {:.0} %", skeleton.presence * 100.0));
    egui::Grid::new("landmark_confidence")
        .striped(true)
        .show(ui, |ui| {
            ui.strong("Landmark");
            ui.strong("Visible");
            ui.strong("In frame");
            ui.end_row();
            for (index, name) in KEY_LANDMARKS {
                let landmark = skeleton.at(index);
                ui.label(name);
                ui.colored_label(
                    theme::confidence_colour(landmark.visibility),
                    format!("{:.0} %", landmark.visibility * 100.0),
                );
                ui.label(format!("{:.0} %", landmark.presence * 100.0));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn unrotated_roi_corners_are_axis_aligned() {
        let roi = Roi {
            x_center_px: 50.0,
            y_center_px: 40.0,
            width_px: 20.0,
            height_px: 10.0,
            rotation_rad: 0.0,
        };
        assert_eq!(
            roi_corners(&roi),
            [
                Pos2::new(40.0, 35.0),
                Pos2::new(60.0, 35.0),
                Pos2::new(60.0, 45.0),
                Pos2::new(40.0, 45.0)
            ]
        );
    }

    #[test]
    fn quarter_turn_is_clockwise_in_image_coordinates() {
        let roi = Roi {
            width_px: 20.0,
            height_px: 10.0,
            rotation_rad: std::f32::consts::FRAC_PI_2,
            ..Roi::default()
        };
        // The top-left corner (-10, -5) turns clockwise (y down) to (5, -10).
        let top_left = roi_corners(&roi)[0];
        assert_relative_eq!(top_left.x, 5.0, epsilon = 1e-5);
        assert_relative_eq!(top_left.y, -10.0, epsilon = 1e-5);
    }
}
