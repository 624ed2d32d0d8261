//! The front-view forward-head index on every front picture and clip of the shared media
//! (`docs/GEOMETRY.md` §5): each against a baseline from the same person. Pairs where the
//! media have them; otherwise the same real frame moved the way a user moves in front of a
//! laptop (mirrored, rolled sideways, closer to the camera, darker), which must not read as
//! forward head; and the front clip, where the woman talks without moving her head forward.

use std::fmt::Write as _;

use image::RgbImage;
use plumbline::capture::{self, Frame, Pacing, SourceSpec};
use plumbline::geometry::front::{FrontFeatures, forward_head_index, front_features};
use plumbline::geometry::view::{ViewClass, classify_view};
use plumbline::models;
use plumbline::pose::{Mode, PoseConfig, PoseEngine};
use plumbline::posture::PostureConfig;
use plumbline::posture::metrics::{body_from_skeleton, front_world_from_skeleton};

type TestResult = Result<(), Box<dyn std::error::Error>>;

use crate::shared_media;

fn engine(mode: Mode) -> PoseEngine {
    let dir = models::models_dir(None).expect("models folder of the source tree");
    let config = PoseConfig {
        mode,
        segmentation: false,
        ..PoseConfig::default()
    };
    PoseEngine::new(&dir, config).expect("engine starts with the committed models")
}

/// View class and front features of one frame.
fn features(
    engine: &mut PoseEngine,
    image: RgbImage,
) -> Result<(ViewClass, FrontFeatures), Box<dyn std::error::Error>> {
    let estimate = engine.estimate(&Frame::new(0, 0.0, image))?;
    let skeleton = estimate.skeleton.as_ref().ok_or("no person")?;
    let body = body_from_skeleton(skeleton);
    let world = front_world_from_skeleton(skeleton);
    let class = classify_view(&body, None)?.class;
    Ok((class, front_features(&body, world.as_ref())?))
}

fn index(now: &FrontFeatures, base: &FrontFeatures) -> Result<f64, Box<dyn std::error::Error>> {
    Ok(forward_head_index(now, base)?.index_pct)
}

/// The index with its terms, for the printout.
fn terms(now: &FrontFeatures, base: &FrontFeatures) -> Result<String, Box<dyn std::error::Error>> {
    let i = forward_head_index(now, base)?;
    Ok(format!(
        "{:+.1} (scale {:+.1}, drop {:+.1}, sagittal {:+.1})",
        i.index_pct,
        i.scale_pct,
        i.drop_pct,
        i.sagittal_pct.unwrap_or(f64::NAN)
    ))
}

/// `image` rotated by `deg` about its centre (black corners), the same size.
fn rotated(image: &RgbImage, deg: f64) -> RgbImage {
    let (w, h) = image.dimensions();
    let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        if sx >= 0.0 && sy >= 0.0 && sx < f64::from(w) && sy < f64::from(h) {
            #[expect(clippy::cast_possible_truncation, reason = "inside the image")]
            #[expect(clippy::cast_sign_loss, reason = "checked non-negative")]
            *image.get_pixel(sx as u32, sy as u32)
        } else {
            image::Rgb([0, 0, 0])
        }
    })
}

/// The centre of `image` enlarged by `factor` (the person closer to the camera).
fn closer(image: &RgbImage, factor: f64) -> RgbImage {
    let (w, h) = image.dimensions();
    #[expect(clippy::cast_possible_truncation, reason = "smaller than the image")]
    #[expect(clippy::cast_sign_loss, reason = "positive")]
    let (cw, ch) = (
        (f64::from(w) / factor) as u32,
        (f64::from(h) / factor) as u32,
    );
    let crop = image::imageops::crop_imm(image, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image();
    image::imageops::resize(&crop, w, h, image::imageops::FilterType::Triangle)
}

/// Every pixel times `gain` (a dimmer room).
fn darker(image: &RgbImage, gain: f32) -> RgbImage {
    let mut out = image.clone();
    for p in out.pixels_mut() {
        for c in &mut p.0 {
            #[expect(clippy::cast_possible_truncation, reason = "0..=255")]
            #[expect(clippy::cast_sign_loss, reason = "non-negative")]
            let v = (f32::from(*c) * gain).round() as u8;
            *c = v;
        }
    }
    out
}

#[test]
fn front_index_same_person_pairs_and_moves_that_are_not_forward_head() -> TestResult {
    let media = shared_media()?;
    let open = |f: &str| -> Result<RgbImage, Box<dyn std::error::Error>> {
        Ok(image::open(media.join(f))?.to_rgb8())
    };
    let mut e = engine(Mode::Static);
    let threshold = PostureConfig::default().front_index_max_pct;

    // The graded pair (one woman, one camera): upright baseline, moderate and strong chin poke.
    let (class, base) = features(&mut e, open("front_webcam_upright_01.jpg")?)?;
    assert_eq!(class, ViewClass::Front);
    let moderate = index(
        &features(&mut e, open("front_webcam_forward_01.jpg")?)?.1,
        &base,
    )?;
    let strong = index(
        &features(&mut e, open("front_webcam_forward_02.jpg")?)?.1,
        &base,
    )?;
    eprintln!("woman, graded: moderate {moderate:+.1} %, strong {strong:+.1} %");
    assert!(moderate > threshold && strong > moderate + 10.0);

    // The headset pair (slouchcop): body and head turned, classified oblique, so the product
    // shows no front measure for either; the index on their features is reported only.
    let (c2, good) = features(&mut e, open("front_webcam_02.jpg")?)?;
    let (c3, bad) = features(&mut e, open("front_webcam_forward_03.jpg")?)?;
    eprintln!(
        "headset pair: {c2:?}/{c3:?}, index of the 'bad' frame {:+.1} %",
        index(&bad, &good)?
    );
    assert_eq!((c2, c3), (ViewClass::Oblique, ViewClass::Oblique));

    // Every front picture against itself moved: none of these moves is forward head.
    let pictures = [
        "front_astronaut_01.png",
        "front_closeup_01.jpg",
        "front_desk_01.jpg",
        "front_desk_02.jpg",
        "front_home_sit_01.jpg",
        "front_home_sit_02.jpg",
        "front_home_upper_01.jpg",
        "front_portrait_01.jpg",
        "front_webcam_01.jpg",
        "front_webcam_upright_01.jpg",
    ];
    let mut worst: (f64, String) = (0.0, String::new());
    let mut all = Vec::new();
    let mut unmeasured = Vec::new();
    for file in pictures {
        let image = open(file)?;
        // A picture whose shoulders or ears touch the frame's edge gives no front features
        // (only what is in the picture is measured, docs/MEASUREMENT.md).
        let Ok((class, base)) = features(&mut e, image.clone()) else {
            unmeasured.push(file);
            continue;
        };
        assert_eq!(class, ViewClass::Front, "{file}");
        let moves = [
            ("mirrored", image::imageops::flip_horizontal(&image)),
            ("rolled 10° left", rotated(&image, 10.0)),
            ("rolled 10° right", rotated(&image, -10.0)),
            ("15 % closer", closer(&image, 1.15)),
            ("darker (x0.35)", darker(&image, 0.35)),
        ];
        let mut line = format!("{file}:");
        for (what, moved) in moves {
            let Ok((_, now)) = features(&mut e, moved) else {
                let _ = write!(line, " {what} -,");
                continue;
            };
            let i = index(&now, &base)?;
            let _ = write!(line, "\n    {what} {}", terms(&now, &base)?);
            if i.abs() > worst.0.abs() {
                worst = (i, format!("{file} {what}"));
            }
            all.push((i, format!("{file} {what}")));
        }
        eprintln!("{line}");
    }
    // What the moves show is the single-frame noise of the index (the model places ears
    // and shoulders a little differently in a mirrored, rolled or zoomed copy of the same
    // picture): docs/GEOMETRY.md §5.1. A strong forward head stands clear of it; a
    // moderate one (+7.7 %) does not, on one frame.
    let mut abs: Vec<f64> = all.iter().map(|(i, _)| i.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let median = f64::midpoint(abs[abs.len() / 2 - 1], abs[abs.len() / 2]);
    let rms = (all.iter().map(|(i, _)| i * i).sum::<f64>() / all.len() as f64).sqrt();
    let above: Vec<_> = all.iter().filter(|(i, _)| *i >= threshold).collect();
    eprintln!(
        "{} moves: median |index| {median:.1} %, rms {rms:.1} %, largest {worst:?}; {} at or above {threshold} %: {above:?}",
        all.len(),
        above.len(),
    );
    eprintln!("not measurable (a landmark at the frame's edge): {unmeasured:?}");
    assert!(unmeasured.len() <= 1, "{unmeasured:?}");
    // A move may push a landmark over the edge (a rolled or closer copy): at most one in ten.
    let moves = 5 * (pictures.len() - unmeasured.len());
    assert!(
        all.len() * 10 >= moves * 9,
        "{} of {moves} moves measured",
        all.len()
    );
    assert!(
        strong > abs[abs.len() - 1] + 10.0,
        "strong forward head {strong:.1} % must stand clear of every move (largest {:.1} %)",
        abs[abs.len() - 1]
    );
    assert!(
        median < threshold / 2.0,
        "a typical move reads {median:.1} %, more than half the threshold"
    );
    // A regression guard at the measured level (8 of 50), not a property the product wants:
    // one frame above the threshold does not alert, a persisting offset would.
    assert!(
        above.len() * 5 <= all.len(),
        "{} of {} moves read as forward head",
        above.len(),
        all.len()
    );
    Ok(())
}

#[test]
fn front_index_stays_low_through_the_front_clip() -> TestResult {
    // A woman talks to the camera with her hands moving; her head never comes forward. The
    // first second is her baseline; every 5th frame after it is judged.
    let path = shared_media()?.join("video_front_webcam_01.mp4");
    let mut source = capture::open(
        &SourceSpec::parse(&path.to_string_lossy())?,
        Pacing::AsFastAsPossible,
    )?;
    let mut e = engine(Mode::Video);
    let (mut base, mut indices) = (Vec::<FrontFeatures>::new(), Vec::new());
    let mut baseline: Option<FrontFeatures> = None;
    let mut times = Vec::new();
    let mut n = 0u32;
    while let Some(frame) = source.next_frame()? {
        n += 1;
        if !n.is_multiple_of(5) {
            continue;
        }
        let estimate = e.estimate(&frame)?;
        let Some(skeleton) = estimate.skeleton.as_ref() else {
            continue;
        };
        let body = body_from_skeleton(skeleton);
        if classify_view(&body, None).map(|v| v.class) != Ok(ViewClass::Front) {
            continue;
        }
        let Ok(f) = front_features(&body, front_world_from_skeleton(skeleton).as_ref()) else {
            continue;
        };
        if frame.t_ms < 1000.0 {
            base.push(f);
            continue;
        }
        let b = *baseline.get_or_insert_with(|| mean_features(&base));
        indices.push(index(&f, &b)?);
        times.push(frame.t_ms);
    }
    assert!(
        base.len() >= 3 && indices.len() >= 30,
        "{} {}",
        base.len(),
        indices.len()
    );
    let threshold = PostureConfig::default().front_index_max_pct;
    let above = indices.iter().filter(|&&i| i > threshold).count();
    let max = indices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = indices.iter().sum::<f64>() / indices.len() as f64;
    // The longest stretch of consecutive judged frames above the threshold, in seconds.
    let (mut longest_s, mut start) = (0.0_f64, None);
    for (&i, &t) in indices.iter().zip(&times) {
        if i > threshold {
            let s = *start.get_or_insert(t);
            longest_s = longest_s.max((t - s) / 1000.0);
        } else {
            start = None;
        }
    }
    eprintln!(
        "front clip: {} frames judged over {:.1} s, mean index {mean:+.1} %, max {max:+.1} %, {above} above {threshold} %, longest stretch above {longest_s:.2} s",
        indices.len(),
        (times[times.len() - 1] - times[0]) / 1000.0
    );
    // Single frames may cross the threshold (the judge needs it to persist for
    // `onset_delay_s`); most must not, and never for longer than the at-risk grace.
    assert!(
        above * 10 <= indices.len(),
        "{above} of {} frames above",
        indices.len()
    );
    assert!(longest_s < PostureConfig::default().at_risk_grace_s);
    Ok(())
}

fn mean_features(all: &[FrontFeatures]) -> FrontFeatures {
    let n = all.len() as f64;
    let mean = |f: fn(&FrontFeatures) -> f64| all.iter().map(f).sum::<f64>() / n;
    let sagittal: Vec<f64> = all.iter().filter_map(|f| f.sagittal_sin).collect();
    FrontFeatures {
        head_scale: mean(|f| f.head_scale),
        head_drop: mean(|f| f.head_drop),
        head_pitch: mean(|f| f.head_pitch),
        sagittal_sin: (sagittal.len() == all.len())
            .then(|| sagittal.iter().sum::<f64>() / sagittal.len() as f64),
    }
}
