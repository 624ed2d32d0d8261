//! One frame, one number (docs/GEOMETRY.md §3.6): the CVA of the same video frames measured
//! inside the video (video mode: tracking, smoothing, the mask of the tracked ROI) and as
//! independent stills (static mode: detector on the frame, no smoothing).
//!
//! `cargo run --release --example still_vs_video -- VIDEO [SECONDS...]`
//!
//! Prints, for the frame nearest each requested second (default: every second), the CVA of
//! both modes, their difference and what differs (ear, shoulder and hip positions, C7).

use std::error::Error;
use std::path::PathBuf;

use plumbline::capture::{self, Frame, Pacing, SourceSpec};
use plumbline::geometry::cva::CvaModel;
use plumbline::geometry::view::classify_view;
use plumbline::models;
use plumbline::pose::{Mode, PoseConfig, PoseEngine};
use plumbline::posture::metrics::{body_from_skeleton, measure};

/// A CVA (degrees) with the near ear, shoulder and hip (x, y pixel pairs).
type Measured = (f64, [f64; 6]);

/// CVA and the near-side chain of one frame in one engine.
fn cva_of(engine: &mut PoseEngine, frame: &Frame) -> Result<Option<Measured>, Box<dyn Error>> {
    let estimate = engine.estimate(frame)?;
    let Some(skeleton) = estimate.skeleton.as_ref() else {
        return Ok(None);
    };
    let body = body_from_skeleton(skeleton);
    let Ok(view) = classify_view(&body, None) else {
        return Ok(None);
    };
    let Some(facing) = view.class.facing() else {
        return Ok(None);
    };
    let m = measure(
        &body,
        None,
        Some(view.class),
        &CvaModel::default(),
        None,
        engine.mask(),
    );
    let chain = body.chain(facing.near_side())?;
    Ok(m.metrics.cva_deg.map(|c| {
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
    }))
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let video = PathBuf::from(
        args.next()
            .ok_or("usage: still_vs_video VIDEO [SECONDS...]")?,
    );
    let wanted: Vec<f64> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    let dir = models::models_dir(None)?;
    let config = |mode| PoseConfig {
        mode,
        ..PoseConfig::default()
    };
    let mut video_engine = PoseEngine::new(&dir, config(Mode::Video))?;
    let mut still_engine = PoseEngine::new(&dir, config(Mode::Static))?;
    let mut source = capture::open(
        &SourceSpec::parse(&video.to_string_lossy())?,
        Pacing::AsFastAsPossible,
    )?;
    let mut next = 0usize;
    let mut diffs = Vec::new();
    println!("  t_s   video  still   diff   d_ear_px d_shoulder_px d_hip_px");
    while let Some(frame) = source.next_frame()? {
        let t_s = frame.t_ms / 1000.0;
        let due = if wanted.is_empty() {
            t_s >= next as f64
        } else {
            wanted.get(next).is_some_and(|&w| t_s >= w)
        };
        let in_video = cva_of(&mut video_engine, &frame)?;
        if !due {
            continue;
        }
        next += 1;
        let still = cva_of(&mut still_engine, &frame)?;
        if let (Some((v, a)), Some((s, b))) = (in_video, still) {
            let d = |i: usize| (a[i] - b[i]).hypot(a[i + 1] - b[i + 1]);
            println!(
                "{t_s:5.1} {v:7.1} {s:6.1} {:+6.1} {:10.1} {:13.1} {:8.1}",
                v - s,
                d(0),
                d(2),
                d(4)
            );
            diffs.push(v - s);
        } else {
            println!("{t_s:5.1}   (no CVA in one mode)");
        }
        if !wanted.is_empty() && next >= wanted.len() {
            break;
        }
    }
    if !diffs.is_empty() {
        let n = diffs.len() as f64;
        let mean_abs = diffs.iter().map(|d| d.abs()).sum::<f64>() / n;
        let max = diffs.iter().map(|d| d.abs()).fold(0.0, f64::max);
        println!("frames {n}, mean |video - still| {mean_abs:.2}°, max {max:.2}°");
    }
    Ok(())
}
