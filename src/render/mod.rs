//! Drawing on video frames in software, for the annotated video (`plumbline annotate`) and the
//! window's overlay: the skeleton, the CVA and the posture state over the frame, and faces
//! anonymised by default.
//!
//! - [`canvas`]: anti-aliased lines, discs, translucent boxes and text on an RGB image.
//! - [`overlay`]: what is drawn (bones, the CVA construction, the state banner); the window
//!   reads its bone list and CVA anchor from here too.
//! - [`face`]: the face region from the pose landmarks, held briefly when the person is lost,
//!   and a blur that leaves nothing recognisable.
//! - [`palette`]: the colours, shared with the window's theme.
//!
//! Uses `pose` and `posture` types only; nothing here knows threads, files or the store.

pub mod canvas;
pub mod face;
pub mod overlay;
pub mod palette;

use image::RgbImage;

use crate::pose::PoseEstimate;
use crate::posture::PostureSample;

use self::canvas::Canvas;
use self::face::{FaceTracker, anonymise, face_box};
use self::overlay::{Scale, draw_banner, draw_cva, draw_skeleton};

/// What happened to the face in one annotated frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceOutcome {
    /// The face region found in this frame was blurred.
    Blurred,
    /// Nobody was found; the last region was blurred again (see [`face::HOLD_MS`]).
    Held,
    /// Nobody was found and no recent region was known: nothing was blurred.
    NoneFound,
    /// Blurring is off (`--no-blur`).
    Off,
}

/// Annotates the frames of one video in order: blurs faces (unless turned off), then draws
/// the skeleton, the CVA and the posture state.
#[derive(Clone, Debug)]
pub struct Annotator {
    blur: bool,
    overlay: bool,
    faces: FaceTracker,
}

impl Annotator {
    /// An annotator that blurs faces when `blur` is true.
    pub fn new(blur: bool) -> Self {
        Self {
            blur,
            overlay: true,
            faces: FaceTracker::default(),
        }
    }

    /// Draws the skeleton, CVA and state when `overlay` is true (the default); without, the
    /// frames are only anonymised.
    #[must_use]
    pub fn with_overlay(mut self, overlay: bool) -> Self {
        self.overlay = overlay;
        self
    }

    /// Draws on `image` (the frame `estimate` and `sample` describe).
    pub fn annotate(
        &mut self,
        image: &mut RgbImage,
        estimate: &PoseEstimate,
        sample: &PostureSample,
    ) -> FaceOutcome {
        let skeleton = estimate.skeleton.as_ref();
        let outcome = if self.blur {
            let found = skeleton.and_then(face_box);
            match self.faces.region(sample.t_ms, found) {
                Some(region) => {
                    anonymise(image, region);
                    if found.is_some() {
                        FaceOutcome::Blurred
                    } else {
                        FaceOutcome::Held
                    }
                }
                None => FaceOutcome::NoneFound,
            }
        } else {
            FaceOutcome::Off
        };
        if !self.overlay {
            return outcome;
        }
        let scale = Scale::for_height(image.height());
        let mut canvas = Canvas::new(image);
        if let Some(skeleton) = skeleton {
            draw_skeleton(&mut canvas, skeleton, scale);
            draw_cva(&mut canvas, skeleton, sample, scale);
        }
        draw_banner(&mut canvas, sample, skeleton.is_some(), scale);
        outcome
    }
}
