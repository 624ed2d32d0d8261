//! The video panel: the analyzed frame with the skeleton over it, the CVA drawn at the neck
//! with its value, and a badge naming the camera view.
//!
//! Drawing works in two spaces: landmarks arrive in frame pixels and are mapped into the panel
//! with one `ui_from_image` transform that keeps the frame's aspect ratio.

use egui::emath::RectTransform;
use egui::{Pos2, Rect, Stroke, Vec2};

use crate::pipeline::Analyzed;
use crate::pose::Skeleton;
use crate::posture::View;
use crate::render::overlay::{BONES, CVA_REFERENCE_LENGTH, MIN_DRAW_VISIBILITY};

use super::metrics::view_text;
use super::model_view;
use super::theme;

/// What is drawn over the frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overlay {
    /// Skeleton, CVA and view badge.
    #[default]
    Skeleton,
    /// "What the model sees": the ROI and every landmark coloured by its confidence.
    ModelView,
}

/// The largest rectangle with the frame's aspect ratio that fits `available`, centred.
pub fn fit_rect(image_size: Vec2, available: Rect) -> Option<Rect> {
    if image_size.x <= 0.0 || image_size.y <= 0.0 || available.width() <= 0.0 {
        return None;
    }
    let scale = (available.width() / image_size.x).min(available.height() / image_size.y);
    Some(Rect::from_center_size(
        available.center(),
        image_size * scale,
    ))
}

/// The ear and shoulder of the side that faces the camera, in frame pixels
/// ([`crate::render::overlay::cva_anchor`] as egui points).
pub fn cva_anchor(skeleton: &Skeleton, view: View) -> Option<(Pos2, Pos2)> {
    crate::render::overlay::cva_anchor(skeleton, view)
        .map(|(ear, shoulder)| (Pos2::new(ear.0, ear.1), Pos2::new(shoulder.0, shoulder.1)))
}

/// The caption under the video (also its accessible summary).
pub fn caption(analyzed: &Analyzed) -> String {
    let view = view_text(analyzed.sample.view);
    let person = if analyzed.estimate.skeleton.is_some() {
        "person tracked"
    } else {
        "nobody found"
    };
    let cva = analyzed
        .sample
        .metrics
        .cva_deg
        .map_or_else(String::new, |cva| format!(" · CVA {cva:.1}° at the neck"));
    format!("Frame {} · {view} · {person}{cva}", analyzed.frame.seq)
}

/// Puts `image` into `texture`, creating it as `name` on first use (the live video and review
/// mode's frame).
pub fn upload(
    ctx: &egui::Context,
    texture: &mut Option<egui::TextureHandle>,
    name: &str,
    image: &image::RgbImage,
) {
    let pixels = egui::ColorImage::from_rgb(
        [image.width() as usize, image.height() as usize],
        image.as_raw(),
    );
    match texture {
        Some(texture) => texture.set(pixels, VIDEO_TEXTURE),
        None => *texture = Some(ctx.load_texture(name, pixels, VIDEO_TEXTURE)),
    }
}

/// Texture filtering for the video.
const VIDEO_TEXTURE: egui::TextureOptions = egui::TextureOptions::LINEAR;

/// Draws the video panel; `texture` holds the pixels of `state.latest`.
pub fn ui(
    ui: &mut egui::Ui,
    analyzed: Option<&Analyzed>,
    texture: Option<&egui::TextureHandle>,
    overlay: Overlay,
) {
    let Some(analyzed) = analyzed else {
        ui.centered_and_justified(|ui| ui.label("Waiting for the first frame…"));
        return;
    };
    let image_size = Vec2::new(
        analyzed.frame.width() as f32,
        analyzed.frame.height() as f32,
    );
    ui.label(caption(analyzed));
    let available = ui.available_rect_before_wrap();
    let Some(video_rect) = fit_rect(image_size, available) else {
        ui.label("The frame is empty.");
        return;
    };
    ui.allocate_rect(available, egui::Sense::hover());
    let painter = ui.painter_at(video_rect);
    if let Some(texture) = texture {
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        painter.image(texture.id(), video_rect, uv, egui::Color32::WHITE);
    }
    let ui_from_image =
        RectTransform::from_to(Rect::from_min_size(Pos2::ZERO, image_size), video_rect);
    match overlay {
        Overlay::Skeleton => {
            if let Some(skeleton) = &analyzed.estimate.skeleton {
                skeleton_ui(&painter, &ui_from_image, skeleton, MIN_DRAW_VISIBILITY);
                cva_ui(&painter, &ui_from_image, skeleton, analyzed);
            }
        }
        Overlay::ModelView => model_view::paint(&painter, &ui_from_image, &analyzed.estimate),
    }
    let badge = egui::RichText::new(view_text(analyzed.sample.view))
        .background_color(theme::LABEL_BACKGROUND)
        .color(egui::Color32::WHITE);
    let badge_rect = Rect::from_min_size(video_rect.min + Vec2::splat(8.0), Vec2::new(320.0, 24.0));
    // A child ui keeps the badge at the frame's top-left corner and reachable by its label.
    ui.scope_builder(egui::UiBuilder::new().max_rect(badge_rect), |ui| {
        ui.add(egui::Label::new(badge).selectable(false));
    });
}

/// Paints bones and joints of landmarks at least `min_visibility` visible.
pub fn skeleton_ui(
    painter: &egui::Painter,
    ui_from_image: &RectTransform,
    skeleton: &Skeleton,
    min_visibility: f32,
) {
    let pos_in_ui = |index: usize| {
        let landmark = &skeleton.landmarks[index];
        (landmark.visibility >= min_visibility)
            .then(|| ui_from_image.transform_pos(Pos2::new(landmark.x_px, landmark.y_px)))
    };
    for (a, b) in BONES {
        if let (Some(a), Some(b)) = (pos_in_ui(a), pos_in_ui(b)) {
            painter.line_segment([a, b], Stroke::new(2.5, theme::BONE));
        }
    }
    for (index, landmark) in skeleton.landmarks.iter().enumerate() {
        if let Some(pos) = pos_in_ui(index) {
            painter.circle_filled(pos, 3.5, theme::confidence_colour(landmark.visibility));
        }
    }
}

/// Paints the CVA construction at the neck: the ear-shoulder line, the horizontal through
/// the shoulder, and the value (the annotated video draws the same, `render::overlay`).
fn cva_ui(
    painter: &egui::Painter,
    ui_from_image: &RectTransform,
    skeleton: &Skeleton,
    analyzed: &Analyzed,
) {
    let Some(cva_deg) = analyzed.sample.metrics.cva_deg else {
        return;
    };
    let Some((ear_in_image, shoulder_in_image)) = cva_anchor(skeleton, analyzed.sample.view) else {
        return;
    };
    let ear = ui_from_image.transform_pos(ear_in_image);
    let shoulder = ui_from_image.transform_pos(shoulder_in_image);
    let reach = (ear - shoulder).length() * CVA_REFERENCE_LENGTH;
    let direction = if ear.x >= shoulder.x { 1.0 } else { -1.0 };
    let horizontal_end = shoulder + Vec2::new(direction * reach, 0.0);
    let stroke = Stroke::new(2.0, theme::CVA);
    painter.line_segment([shoulder, ear], stroke);
    painter.line_segment([shoulder, horizontal_end], stroke);
    // The label goes behind the neck, where it does not cover the face.
    let label_pos = shoulder + Vec2::new(-direction * 10.0, -10.0);
    let align = if direction > 0.0 {
        egui::Align2::RIGHT_BOTTOM
    } else {
        egui::Align2::LEFT_BOTTOM
    };
    let galley = painter.layout_no_wrap(
        format!("CVA {cva_deg:.0}°"),
        egui::FontId::proportional(16.0),
        theme::CVA,
    );
    let label_rect = align.anchor_size(label_pos, galley.size());
    painter.rect_filled(label_rect.expand(2.0), 2.0, theme::LABEL_BACKGROUND);
    painter.galley(label_rect.min, galley, theme::CVA);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio_and_centres() {
        let available = Rect::from_min_size(Pos2::ZERO, Vec2::new(400.0, 400.0));
        let rect = fit_rect(Vec2::new(640.0, 320.0), available).expect("non-empty");
        assert_eq!(rect.size(), Vec2::new(400.0, 200.0));
        assert_eq!(rect.center(), Pos2::new(200.0, 200.0));
        assert_eq!(fit_rect(Vec2::ZERO, available), None);
    }
}
