//! One frame measured in a side view as the product measures it (default C7 model, no world
//! landmarks, no baseline) with a given person mask: shared by the examples that compare
//! masks (`docs/GEOMETRY.md` §3.6).

use plumbline::geometry::cva::CvaModel;
use plumbline::geometry::view::classify_view;
use plumbline::geometry::{Body, Facing};
use plumbline::pose::Skeleton;
use plumbline::pose::segmentation::PersonMask;
use plumbline::posture::metrics::{FrameMeasures, body_from_skeleton, measure};

/// `skeleton` measured with `mask`: the body, which way it faces and the product's measures;
/// `None` when the frame is not a side view.
pub fn side_measures(
    skeleton: &Skeleton,
    mask: Option<&PersonMask>,
) -> Option<(Body, Facing, FrameMeasures)> {
    let body = body_from_skeleton(skeleton);
    let class = classify_view(&body, None).ok()?.class;
    let facing = class.facing()?;
    let measures = measure(&body, None, Some(class), &CvaModel::default(), None, mask);
    Some((body, facing, measures))
}

/// A video-mode and a static-mode engine with the default model, from the models folder.
pub fn video_and_still_engines()
-> Result<(plumbline::pose::PoseEngine, plumbline::pose::PoseEngine), Box<dyn std::error::Error>> {
    use plumbline::pose::{Mode, PoseConfig, PoseEngine};
    let dir = plumbline::models::models_dir(None)?;
    let config = |mode| PoseConfig {
        mode,
        ..PoseConfig::default()
    };
    Ok((
        PoseEngine::new(&dir, config(Mode::Video))?,
        PoseEngine::new(&dir, config(Mode::Static))?,
    ))
}
