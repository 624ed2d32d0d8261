//! One frame, one number (docs/GEOMETRY.md §3.6): the CVA of the same video frames measured
//! inside the video (video mode: tracking, smoothing, the mask of the tracked ROI) and as
//! independent stills (static mode: detector on the frame, no smoothing).
//!
//! `cargo run --release --example still_vs_video -- VIDEO [SECONDS...]`
//!
//! Prints, for the frame nearest each requested second (default: every second), the CVA of
//! both modes, their difference and what differs: the ear, shoulder and hip positions; the
//! CVA of the still's landmarks with the video's person mask (`s_lm+v_mask`: when it is near
//! the video's CVA, the mask makes the difference, not the landmarks); the CVA of the
//! video's landmarks with the still's mask (`v_lm+s_mask`: what is left when both modes use
//! one mask); and how much the still's CVA moves when only the crop the mask is made in
//! moves (`crop_sd`: the SD over the still's ROI and that ROI moved by 10 px left,
//! right, up and down, the still's landmarks kept); then each mode's edge width behind the
//! neck (`v_edge`, `s_edge`: `NeckContour::edge_width`, ear-shoulder lengths, NaN where the
//! contour was not traced), the ± the product gives each mode's CVA (`v_sd`, `s_sd`) and
//! its three-way call without a baseline (`v_call`, `s_call`).

use std::error::Error;
use std::path::PathBuf;

use plumbline::capture::{self, Frame, Pacing, SourceSpec};
use plumbline::geometry::silhouette::trace_posterior_contour;
use plumbline::models;
use plumbline::pose::nets::LandmarkNet;
use plumbline::pose::segmentation::PersonMask;
use plumbline::pose::{PoseConfig, PoseEngine, Roi, Skeleton};
use plumbline::posture::judge::side_call;
use plumbline::posture::{Call, PostureConfig};

#[path = "common/crop.rs"]
mod crop;
#[path = "common/side.rs"]
mod side;

use side::side_measures;

/// A CVA (degrees) with the near ear, shoulder and hip (x, y pixel pairs).
type Measured = (f64, [f64; 6]);

/// The edge width behind the neck (`NeckContour::edge_width`, ear-shoulder lengths) of
/// `skeleton`'s contour in `mask`, the CVA's ± (degrees; NaN where there is none) and the
/// three-way call without a baseline (`posture::judge::side_call`, default settings).
fn edge_and_sd(skeleton: &Skeleton, mask: Option<&PersonMask>) -> (f64, f64, Option<Call>) {
    let Some((body, facing, m)) = side_measures(skeleton, mask) else {
        return (f64::NAN, f64::NAN, None);
    };
    let edge = match (body.chain(facing.near_side()), mask) {
        (Ok(chain), Some(mask)) => trace_posterior_contour(&chain, facing, |p| {
            f64::from(mask.probability(p.x as f32, -p.y as f32))
        })
        .map_or(f64::NAN, |c| c.edge_width),
        _ => f64::NAN,
    };
    let call = m
        .metrics
        .cva_deg
        .map(|c| side_call(&PostureConfig::default(), c, m.cva_sd_deg, None));
    (edge, m.cva_sd_deg.unwrap_or(f64::NAN), call)
}

/// The CVA of `skeleton` with `mask`, and its near-side chain.
fn cva_with(skeleton: &Skeleton, mask: Option<&PersonMask>) -> Option<Measured> {
    let (body, facing, m) = side_measures(skeleton, mask)?;
    let chain = body.chain(facing.near_side()).ok()?;
    m.metrics.cva_deg.map(|c| {
        (
            c,
            [
                chain.ear.x,
                -chain.ear.y,
                chain.shoulder.x,
                -chain.shoulder.y,
                chain.hip.x,
                -chain.hip.y,
            ],
        )
    })
}

/// A frame's skeleton, mask and ROI in one engine.
struct Seen {
    skeleton: Skeleton,
    mask: Option<PersonMask>,
    roi: Roi,
}

fn see(engine: &mut PoseEngine, frame: &Frame) -> Result<Option<Seen>, Box<dyn Error>> {
    let estimate = engine.estimate(frame)?;
    Ok(match (estimate.skeleton, estimate.roi) {
        (Some(skeleton), Some(roi)) => Some(Seen {
            skeleton,
            mask: engine.mask().cloned(),
            roi,
        }),
        _ => None,
    })
}

/// The SD of the CVA of `still`'s landmarks with masks made in its ROI and in that ROI moved
/// by [`crop::CROP_SHIFT_PX`] four ways.
fn crop_sd(net: &mut LandmarkNet, frame: &Frame, still: &Seen) -> Result<f64, Box<dyn Error>> {
    let cvas: Vec<f64> = crop::moved_crop_masks(net, frame, &still.roi)?
        .iter()
        .filter_map(|mask| cva_with(&still.skeleton, mask.as_ref()).map(|(c, _)| c))
        .collect();
    Ok(crop::sd(&cvas))
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let video = PathBuf::from(
        args.next()
            .ok_or("usage: still_vs_video VIDEO [SECONDS...]")?,
    );
    let wanted: Vec<f64> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    let (mut video_engine, mut still_engine) = side::video_and_still_engines()?;
    let dir = models::models_dir(None)?;
    let model = PoseConfig::default().model;
    let mut net = LandmarkNet::open(&dir, model.kind(), model.segmentation_head(), 1)?;
    let mut source = capture::open(
        &SourceSpec::parse(&video.to_string_lossy())?,
        Pacing::AsFastAsPossible,
    )?;
    let mut next = 0usize;
    let (mut diffs, mut swapped, mut sds, mut others) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    println!(
        "  t_s   video  still   diff   d_ear_px d_shoulder_px d_hip_px s_lm+v_mask v_lm+s_mask crop_sd v_edge s_edge  v_sd  s_sd v_call s_call"
    );
    while let Some(frame) = source.next_frame()? {
        let t_s = frame.t_ms / 1000.0;
        let due = if wanted.is_empty() {
            t_s >= next as f64
        } else {
            wanted.get(next).is_some_and(|&w| t_s >= w)
        };
        let in_video = see(&mut video_engine, &frame)?;
        if !due {
            continue;
        }
        next += 1;
        let still = see(&mut still_engine, &frame)?;
        let measured = |s: &Option<Seen>| {
            s.as_ref()
                .and_then(|s| cva_with(&s.skeleton, s.mask.as_ref()))
        };
        if let (Some((v, a)), Some((s, b)), Some(vs), Some(ss)) = (
            measured(&in_video),
            measured(&still),
            in_video.as_ref(),
            still.as_ref(),
        ) {
            let d = |i: usize| (a[i] - b[i]).hypot(a[i + 1] - b[i + 1]);
            let swap = cva_with(&ss.skeleton, vs.mask.as_ref()).map_or(f64::NAN, |m| m.0);
            let other = cva_with(&vs.skeleton, ss.mask.as_ref()).map_or(f64::NAN, |m| m.0);
            others.push(other - s);
            let sd = crop_sd(&mut net, &frame, ss)?;
            let (v_edge, v_sd, v_call) = edge_and_sd(&vs.skeleton, vs.mask.as_ref());
            let (s_edge, s_sd, s_call) = edge_and_sd(&ss.skeleton, ss.mask.as_ref());
            let call = |c: Option<Call>| c.map_or_else(|| "-".to_owned(), |c| format!("{c:?}"));
            println!(
                "{t_s:5.1} {v:7.1} {s:6.1} {:+6.1} {:10.1} {:13.1} {:8.1} {swap:11.1} {other:11.1} {sd:7.1} {v_edge:6.3} {s_edge:6.3} {v_sd:5.1} {s_sd:5.1} {:>9} {:>9}",
                v - s,
                d(0),
                d(2),
                d(4),
                call(v_call),
                call(s_call)
            );
            diffs.push(v - s);
            swapped.push(v - swap);
            sds.push(sd);
        } else {
            println!("{t_s:5.1}   (no CVA in one mode)");
        }
        if !wanted.is_empty() && next >= wanted.len() {
            break;
        }
    }
    if !diffs.is_empty() {
        let n = diffs.len() as f64;
        let mean_abs = |v: &[f64]| v.iter().map(|d| d.abs()).sum::<f64>() / n;
        let max = diffs.iter().map(|d| d.abs()).fold(0.0, f64::max);
        let rms_sd = (sds.iter().map(|s| s * s).sum::<f64>() / n).sqrt();
        println!(
            "frames {n}, mean |video - still| {:.2}°, max {max:.2}°; mean |video - (still \
             landmarks + video mask)| {:.2}°; mean |(video landmarks + still mask) - still| {:.2}°, max {:.2}°; crop SD (RMS) {rms_sd:.2}°",
            mean_abs(&diffs),
            mean_abs(&swapped),
            mean_abs(&others),
            others.iter().map(|d| d.abs()).fold(0.0, f64::max)
        );
    }
    Ok(())
}
