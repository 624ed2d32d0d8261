//! The report a client can be handed, through the real binary and models: several recordings
//! compared in one chart (one bar per recording, in argument order, with the sessions' own
//! shares of time per state), and `--stills`: the worst and best moment of each recording as
//! embedded JPEGs whose face region is blurred (`--no-blur` keeps it; none without the flag).

use std::path::Path;
use std::process::{Command, Output};

use plumbline::capture::video::VideoSource;
use plumbline::capture::{FrameSource as _, Pacing};
use plumbline::models;
use plumbline::pose::{LandmarkIndex, Mode, ModelChoice, PoseConfig, PoseEngine};
use plumbline::posture::PostureState;
use plumbline::render::face::{detail, face_box};
use plumbline::store::Store;

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording as clip};

fn utf8(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn plumbline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("the plumbline binary runs")
}

fn analyze(inputs: &[&Path], db: &Path, report: &Path, extra: &[&str]) -> String {
    let mut args = vec!["analyze", "--model", "lite", "--db", utf8(db)];
    args.extend(["--report", utf8(report)]);
    args.extend(extra);
    args.extend(inputs.iter().map(|path| utf8(path)));
    let output = plumbline(&args);
    assert!(
        output.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(report).expect("the report")
}

/// The embedded JPEGs of a report, decoded, in page order.
fn stills(html: &str) -> Vec<image::RgbImage> {
    html.split("src=\"data:image/jpeg;base64,")
        .skip(1)
        .map(|part| {
            let encoded = &part[..part.find('"').expect("closed attribute")];
            let bytes = base64_decode(encoded);
            image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
                .expect("a JPEG")
                .to_rgb8()
        })
        .collect()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => u32::from(c - b'A'),
        b'a'..=b'z' => u32::from(c - b'a') + 26,
        b'0'..=b'9' => u32::from(c - b'0') + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not Base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|c| *c != b'=').collect();
        let n = data
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, c)| n | value(*c) << (18 - 6 * i));
        out.extend(n.to_be_bytes()[1..data.len()].iter());
    }
    out
}

#[test]
fn several_recordings_are_compared_in_a_chart_with_their_own_shares()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let report = dir.path().join("r.html");
    // Mostly slumped, then upright; and the other way round.
    let first = clip(
        &dir.path().join("b-slumped.mp4"),
        &[(SLUMP_STILL, 6), (UPRIGHT_STILL, 2)],
    );
    let second = clip(
        &dir.path().join("a-upright.mp4"),
        &[(UPRIGHT_STILL, 4), (SLUMP_STILL, 1)],
    );
    let html = analyze(&[&first, &second], &db, &report, &["--stills"]);

    let chart = html
        .split("<svg")
        .find(|svg| svg.contains("aria-label=\"The recordings compared"))
        .ok_or("the comparison chart")?;
    let titles: Vec<&str> = chart
        .split("<title>")
        .filter_map(|part| part.split("</title>").next())
        .filter(|title| title.contains("of the time present"))
        .collect();
    // The sessions' own numbers: each stored second's state, shares of the seconds present.
    let store = Store::open(&db)?;
    let sessions = store.sessions(None)?;
    assert_eq!(sessions.len(), 2);
    let mut expected = Vec::new();
    for (index, (session, name)) in sessions
        .iter()
        .zip(["b-slumped.mp4", "a-upright.mp4"])
        .enumerate()
    {
        assert!(session.source.ends_with(name), "argument order");
        let rows = store.samples(session.id)?;
        let present = rows.iter().filter(|r| r.state.is_present()).count();
        assert!(present >= 4, "{name}: {present} seconds present");
        for state in PostureState::ALL {
            let seconds = rows.iter().filter(|r| r.state == state).count();
            if state.is_present() && seconds > 0 {
                expected.push(format!(
                    "{}. {name}: {} {:.1}% of the time present",
                    index + 1,
                    state.describe(),
                    seconds as f64 * 100.0 / present as f64
                ));
            }
        }
    }
    assert_eq!(titles.len(), expected.len(), "{titles:#?}");
    for (title, expected) in titles.iter().zip(&expected) {
        assert!(
            title.starts_with(expected.as_str()),
            "{title} vs {expected}"
        );
    }
    assert!(
        titles[0].starts_with("1. b-slumped.mp4: Upright") && titles.len() >= 3,
        "the slumped clip has more than one state: {titles:#?}"
    );
    // The CVA beside the bars, as mean ± SD.
    assert!(chart.contains("CVA (°), mean ± SD"));

    // --stills: two pictures per recording, each said what it shows.
    assert_eq!(stills(&html).len(), 4);
    let rows = store.samples(sessions[0].id)?;
    let lowest = rows
        .iter()
        .filter(|r| r.state.is_judged())
        .filter_map(|r| r.metrics[0].mean)
        .fold(f64::INFINITY, f64::min);
    let second = rows
        .iter()
        .find(|r| r.metrics[0].mean == Some(lowest))
        .ok_or("that second")?
        .t_s;
    assert!(
        html.contains(&format!(
            "Worst moment: the judged second with the lowest CVA, at {second}."
        )) && html.contains(&format!(
            "s of the recording: CVA {lowest:.1}° (mean of that second)"
        )),
        "the worst still is the stored second {second} with the lowest CVA ({lowest:.1}°)"
    );
    assert!(html.contains("Face blurred."));
    Ok(())
}

#[test]
fn stills_blur_the_face_unless_told_not_to_and_are_absent_by_default()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let input = clip(&dir.path().join("visit.mp4"), &[(UPRIGHT_STILL, 3)]);
    let blurred = analyze(
        &[&input],
        &dir.path().join("1.sqlite"),
        &dir.path().join("blurred.html"),
        &["--stills"],
    );
    let sharp = analyze(
        &[&input],
        &dir.path().join("2.sqlite"),
        &dir.path().join("sharp.html"),
        &["--stills", "--no-blur"],
    );
    let plain = analyze(
        &[&input],
        &dir.path().join("3.sqlite"),
        &dir.path().join("plain.html"),
        &[],
    );
    assert!(
        !plain.contains("data:image") && !plain.contains("<img"),
        "no picture without --stills"
    );
    assert!(sharp.contains("Face not blurred (--no-blur)."));
    let (blurred, sharp) = (stills(&blurred), stills(&sharp));
    assert_eq!((blurred.len(), sharp.len()), (2, 2));

    // Where the face is, from the pose engine on the recording's first frame (every frame
    // of the clip is the same picture; the still has the overlay drawn on it).
    let mut source = VideoSource::open(&input, Pacing::AsFastAsPossible)?;
    let first = source.next_frame()?.ok_or("a frame")?;
    let mut engine = PoseEngine::new(
        &models::models_dir(None)?,
        PoseConfig {
            model: ModelChoice::Lite,
            mode: Mode::Static,
            ..PoseConfig::default()
        },
    )?;
    let skeleton = engine.estimate(&first)?.skeleton.ok_or("a person")?;
    let (w, h) = sharp[0].dimensions();
    let (x0, y0, x1, y1) = face_box(&skeleton)
        .ok_or("a face region")?
        .pixels(w, h)
        .ok_or("face inside the frame")?;
    // The inner 70% of the face box below the state banner and time label (as annotate's
    // test measures), and behind the ear: the CVA construction drawn from the ear towards
    // the neck is detail the blur must not (and does not) remove.
    let ear = skeleton.at(LandmarkIndex::LeftEar);
    let (inset_x, inset_y) = ((x1 - x0) * 15 / 100, (y1 - y0) * 15 / 100);
    let face = (
        x0 + inset_x,
        (y0 + inset_y).max(h * 3 / 20),
        (x1 - inset_x).min(ear.x_px as u32 - 8),
        y1 - inset_y,
    );
    assert!(
        face.3 > face.1 + 20 && face.2 > face.0 + 20,
        "face behind the ear and below the banner: {face:?}"
    );
    let away = (0, h * 2 / 3, w, h);
    for (index, (blurred, sharp)) in blurred.iter().zip(&sharp).enumerate() {
        assert_eq!(blurred.dimensions(), sharp.dimensions());
        assert!(blurred.width() <= 640);
        let (face_sharp, face_blurred) = (detail(sharp, face), detail(blurred, face));
        eprintln!(
            "still {index}: face detail {face_sharp:.1} without blur, {face_blurred:.1} blurred"
        );
        assert!(
            face_blurred * 10.0 < face_sharp,
            "still {index}: face detail {face_sharp:.1} → {face_blurred:.1}"
        );
        let (away_sharp, away_blurred) = (detail(sharp, away), detail(blurred, away));
        assert!(
            (away_blurred / away_sharp - 1.0).abs() < 0.2,
            "still {index}: detail away from the face {away_sharp:.1} vs {away_blurred:.1}"
        );
    }

    // --no-blur means nothing without --stills: refused before anything runs.
    let output = plumbline(&["analyze", utf8(&input), "--no-blur"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--stills"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
