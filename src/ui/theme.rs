//! Every colour the window uses, in one place (rerun bans hard-coded colours elsewhere).
//!
//! Colours are chosen for contrast on egui's dark theme and keep their meaning across panels:
//! green is fine, amber is "watch it", red is the persistent forward-head warning.

use egui::Color32;

use crate::posture::PostureState;

/// Posture within limits.
pub const GOOD: Color32 = Color32::from_rgb(76, 175, 80);

/// The condition holds but has not persisted yet.
pub const CAUTION: Color32 = Color32::from_rgb(255, 179, 0);

/// The condition has persisted: the user is warned.
pub const ALERT: Color32 = Color32::from_rgb(229, 57, 53);

/// Inactive states (away, snoozed).
pub const MUTED: Color32 = Color32::from_rgb(144, 164, 174);

/// Calibration in progress.
pub const CALIBRATING: Color32 = Color32::from_rgb(66, 165, 245);

/// Skeleton bones over the video.
pub const BONE: Color32 = Color32::from_rgb(0, 229, 255);

/// Landmark dots whose confidence is high.
pub const JOINT_CONFIDENT: Color32 = Color32::from_rgb(118, 255, 3);

/// Landmark dots whose confidence is low.
pub const JOINT_UNSURE: Color32 = Color32::from_rgb(255, 82, 82);

/// The CVA construction lines and label at the neck.
pub const CVA: Color32 = Color32::from_rgb(255, 235, 59);

/// The region of interest the landmark model looked at.
pub const ROI: Color32 = Color32::from_rgb(224, 64, 251);

/// Background behind text drawn on the video, so it stays readable on any image.
pub const LABEL_BACKGROUND: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 180);

/// Dimming behind the warning overlay.
pub const OVERLAY_SCRIM: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 140);

/// Text on coloured badges.
pub const BADGE_TEXT: Color32 = Color32::BLACK;

/// Plot line of the CVA or the forward-head index.
pub const PLOT_HEAD: Color32 = CVA;

/// Plot line of the hip angle.
pub const PLOT_HIP: Color32 = Color32::from_rgb(129, 212, 250);

/// Error screen headline.
pub const ERROR: Color32 = ALERT;

/// The colour that stands for a posture state.
pub fn state_colour(state: PostureState) -> Color32 {
    match state {
        PostureState::Upright => GOOD,
        PostureState::AtRisk => CAUTION,
        PostureState::ForwardHead => ALERT,
        PostureState::Away | PostureState::Snoozed => MUTED,
        PostureState::Calibrating => CALIBRATING,
    }
}

/// Interpolates between the unsure and the confident joint colour by `confidence` (0-1).
pub fn confidence_colour(confidence: f32) -> Color32 {
    let t = confidence.clamp(0.0, 1.0);
    JOINT_UNSURE.lerp_to_gamma(JOINT_CONFIDENT, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_states_have_distinct_colours() {
        let colours = [
            state_colour(PostureState::Upright),
            state_colour(PostureState::AtRisk),
            state_colour(PostureState::ForwardHead),
        ];
        assert_ne!(colours[0], colours[1]);
        assert_ne!(colours[1], colours[2]);
        assert_ne!(colours[0], colours[2]);
    }

    #[test]
    fn confidence_colour_runs_from_unsure_to_confident() {
        assert_eq!(confidence_colour(0.0), JOINT_UNSURE);
        assert_eq!(confidence_colour(1.0), JOINT_CONFIDENT);
        assert_eq!(confidence_colour(7.0), JOINT_CONFIDENT);
    }

    #[test]
    fn the_tray_uses_the_window_colours() {
        use crate::desktop::{TrayState, icon};
        let rgb = |c: Color32| [c.r(), c.g(), c.b()];
        assert_eq!(icon::colour(TrayState::Upright), rgb(GOOD));
        assert_eq!(icon::colour(TrayState::AtRisk), rgb(CAUTION));
        assert_eq!(icon::colour(TrayState::ForwardHead), rgb(ALERT));
        assert_eq!(icon::colour(TrayState::Paused), rgb(MUTED));
    }
}
