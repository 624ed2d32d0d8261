//! The colours of everything drawn over a frame (skeleton, CVA, posture state), as RGB.
//! The window's theme (`ui::theme`) builds its colours from these, so the annotated video and
//! the window agree: green is fine, amber is "watch it", red is the persistent forward-head
//! warning.

use crate::posture::PostureState;

/// Posture within limits.
pub const GOOD: [u8; 3] = [76, 175, 80];

/// The condition holds but has not persisted yet.
pub const CAUTION: [u8; 3] = [255, 179, 0];

/// The condition has persisted: the user is warned.
pub const ALERT: [u8; 3] = [229, 57, 53];

/// Inactive states (no person, away, snoozed).
pub const MUTED: [u8; 3] = [144, 164, 174];

/// Calibration in progress.
pub const CALIBRATING: [u8; 3] = [66, 165, 245];

/// Skeleton bones over the video.
pub const BONE: [u8; 3] = [0, 229, 255];

/// Landmark dots whose confidence is high.
pub const JOINT_CONFIDENT: [u8; 3] = [118, 255, 3];

/// Landmark dots whose confidence is low.
pub const JOINT_UNSURE: [u8; 3] = [255, 82, 82];

/// The CVA construction lines and label at the neck.
pub const CVA: [u8; 3] = [255, 235, 59];

/// Text on dark label backgrounds.
pub const TEXT: [u8; 3] = [255, 255, 255];

/// Text on coloured badges.
pub const BADGE_TEXT: [u8; 3] = [0, 0, 0];

/// Background behind text drawn on the video.
pub const LABEL_BACKGROUND: [u8; 3] = [0, 0, 0];

/// Opacity of [`LABEL_BACKGROUND`] (0-1).
pub const LABEL_BACKGROUND_ALPHA: f32 = 0.7;

/// The colour that stands for a posture state.
pub fn state_rgb(state: PostureState) -> [u8; 3] {
    match state {
        PostureState::Upright => GOOD,
        PostureState::AtRisk => CAUTION,
        PostureState::ForwardHead => ALERT,
        PostureState::Away | PostureState::NoPerson | PostureState::Snoozed => MUTED,
        PostureState::Calibrating => CALIBRATING,
    }
}

/// The joint colour for a landmark `confidence` (0-1): from unsure to confident.
pub fn confidence_rgb(confidence: f32) -> [u8; 3] {
    let t = confidence.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    [
        mix(JOINT_UNSURE[0], JOINT_CONFIDENT[0]),
        mix(JOINT_UNSURE[1], JOINT_CONFIDENT[1]),
        mix(JOINT_UNSURE[2], JOINT_CONFIDENT[2]),
    ]
}
