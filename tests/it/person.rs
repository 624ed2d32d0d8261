//! Whether a person is in the picture, and how many, through the real binary and models: a
//! picture with nobody is `no_person` (never `upright`) and counts as no time in posture; a
//! baseline refuses a picture with more than one person and says how many it saw.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{path_str, plumbline, root, text};

use ::plumbline::posture::PostureState;
use ::plumbline::store::Store;

/// A side-view photo of a man sitting upright (MIT, tests/data/NOTICE).
const SIDE_PHOTO: &str = "tests/data/side_sit_upright_01.jpg";

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// A picture with nobody in it, made here: a soft diagonal gradient with a few blurred
/// blobs (a wall and out-of-focus shapes), the size of a webcam frame.
fn empty_picture(path: &Path) -> PathBuf {
    let (w, h) = (640_u32, 480_u32);
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
        let blob = |cx: f64, cy: f64, r: f64| (-((fx - cx).powi(2) + (fy - cy).powi(2)) / r).exp();
        let v = 90.0 + 80.0 * fx + 40.0 * fy + 60.0 * blob(0.3, 0.4, 0.02)
            - 50.0 * blob(0.7, 0.6, 0.05);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0-255"
        )]
        let c = |k: f64| (v * k).clamp(0.0, 255.0) as u8;
        image::Rgb([c(1.0), c(0.95), c(0.85)])
    });
    picture.save(path).expect("write the empty picture");
    path.to_owned()
}

#[test]
fn a_picture_with_nobody_is_no_person_not_upright() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut pictures = vec![empty_picture(&dir.path().join("wall.png"))];
    if let Ok(media) = crate::shared_media() {
        // A real photo without a person (a temple by a lake, CC BY 2.0).
        pictures.push(media.join("neg_no_person_01.jpg"));
    }
    for picture in &pictures {
        let output = plumbline(&["measure", "--json", path_str(picture)]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let lines = json_lines(&output);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["state"], "no_person", "{}: {line}", picture.display());
        assert_eq!(line["call"], serde_json::Value::Null, "{line}");
        assert_eq!(line["forward_head"], serde_json::Value::Null, "{line}");
        let missing = line["missing"].as_object().expect("a missing map");
        assert!(
            !missing.is_empty() && missing.values().all(|r| r == "no_person"),
            "{line}"
        );
    }
}

/// The monitor over a folder: 1 s of a person, 1 s of an empty picture, 2 s of the person
/// again (a 30 fps sequence analyzed at 2 fps). The empty second is `no_person` in the
/// events and in the stored seconds, and it is no time in posture.
#[test]
fn an_empty_picture_between_two_of_a_person_is_no_person_and_no_time_in_posture() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("frames");
    std::fs::create_dir(&folder).expect("folder");
    let person = folder.join("person.jpg.src");
    std::fs::copy(root().join(SIDE_PHOTO), &person).expect("copy");
    let empty = empty_picture(&dir.path().join("empty.png"));
    for i in 0..120 {
        let (from, ext) = if (30..60).contains(&i) {
            (&empty, "png")
        } else {
            (&person, "jpg")
        };
        std::fs::hard_link(from, folder.join(format!("{i:03}.{ext}"))).expect("link");
    }
    std::fs::remove_file(&person).expect("remove the source");
    let db = dir.path().join("s.sqlite");
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "monitor",
            "--headless",
            "--json",
            "--fast",
            "--rate",
            "2",
            "--source",
        ])
        .arg(&folder)
        .arg("--db")
        .arg(&db)
        .env_remove("PLUMBLINE_NO_RECORD")
        .output()
        .expect("the monitor runs");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let events = json_lines(&output);
    let states: Vec<(f64, &str)> = events
        .iter()
        .filter(|e| e["event"] == "state")
        .map(|e| {
            (
                e["t_s"].as_f64().expect("t_s"),
                e["state"].as_str().expect("state"),
            )
        })
        .collect();
    // Into no_person at the first empty frame (1.0 s), out of it at the person's return
    // (2.0 s), never away (2 s is not reached) and nothing judged in between.
    let gone: Vec<_> = states.iter().filter(|(_, s)| *s == "no_person").collect();
    assert_eq!(gone.len(), 1, "{states:?}\n{stderr}");
    assert!((gone[0].0 - 1.0).abs() < 0.05, "{states:?}");
    assert!(
        states
            .iter()
            .all(|(t, s)| *s == "no_person" || !(1.0..1.99).contains(t)),
        "a judged state while nobody was there: {states:?}"
    );
    assert!(!states.iter().any(|(_, s)| *s == "away"), "{states:?}");

    let store = Store::open(&db).expect("the database");
    let session = store.sessions(None).expect("sessions")[0].id;
    let rows = store.samples(session).expect("the stored seconds");
    let by_second: Vec<PostureState> = rows.iter().map(|row| row.state).collect();
    assert_eq!(by_second.len(), 4, "{by_second:?}");
    assert_eq!(by_second[1], PostureState::NoPerson, "{by_second:?}");
    assert!(
        by_second
            .iter()
            .enumerate()
            .all(|(i, s)| i == 1 || s.is_present()),
        "{by_second:?}"
    );
    let summary = ::plumbline::report::stats::summarise(&rows, &[]);
    assert!((summary.duration_s - 4.0).abs() < 1e-9, "{summary:?}");
    assert!((summary.present_s - 3.0).abs() < 1e-9, "{summary:?}");
}

/// Hips behind a table (in the picture, "visible" to the model, outside the person mask)
/// lose the measures of them with the reason `hidden`; hips in view keep them, in every side
/// view and front view of the shared media (docs/GEOMETRY.md §4.1).
#[test]
fn hidden_hips_lose_their_measures_and_hips_in_view_keep_them() {
    let Ok(media) = crate::shared_media() else {
        panic!("{}", crate::shared_media().expect_err("no media"));
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("pictures");
    std::fs::create_dir(&folder).expect("folder");
    let mut names: Vec<String> = std::fs::read_dir(&media)
        .expect("the media folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| {
            let picture = Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("png"));
            picture
                && (name.starts_with("side_")
                    || name.starts_with("front_home_sit_")
                    || name.starts_with("neg_multi_people_")
                    || name.starts_with("neg_partial_person_edge_"))
        })
        .collect();
    names.sort();
    for name in &names {
        std::os::unix::fs::symlink(media.join(name), folder.join(name)).expect("link");
    }
    let output = plumbline(&["measure", "--json", "--independent", path_str(&folder)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), names.len());
    let mut side_with_trunk = 0;
    for (name, line) in names.iter().zip(&lines) {
        let hidden: Vec<&String> = line["missing"]
            .as_object()
            .expect("a missing map")
            .iter()
            .filter(|(_, reason)| *reason == "hidden")
            .map(|(key, _)| key)
            .collect();
        if name.starts_with("front_home_sit_") {
            assert_eq!(
                line["pelvic_obliquity_deg"],
                serde_json::Value::Null,
                "{name}"
            );
            assert_eq!(hidden, ["pelvic_obliquity_deg"], "{name}: {line}");
            assert!(line["shoulder_tilt_deg"].is_number(), "{name}: {line}");
        } else {
            assert!(hidden.is_empty(), "{name}: {line}");
            if name.starts_with("neg_") {
                assert!(line["pelvic_obliquity_deg"].is_number(), "{name}: {line}");
            } else if line["trunk_inclination_deg"].is_number() {
                side_with_trunk += 1;
            }
        }
    }
    assert!(side_with_trunk >= 35, "{side_with_trunk}");
}

/// A baseline from photos refuses the street photo with four people (the detector alone
/// sees one of them) and says how many it counted; the one-person photo still gives one.
#[test]
fn a_baseline_refuses_a_photo_with_several_people_and_says_how_many() {
    let media = crate::shared_media().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("b.json");
    let crowd = media.join("neg_multi_people_01.jpg");
    let output = plumbline(&[
        "baseline",
        "--out",
        path_str(&out),
        "--source",
        path_str(&crowd),
    ]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("people in the picture") && stderr.contains("a baseline needs one person"),
        "{stderr}"
    );
    let people: usize = stderr
        .split(" people in the picture")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count: {stderr}"));
    assert!(people >= 2, "{stderr}");
    assert!(!out.exists(), "nothing written");

    let alone = root().join(SIDE_PHOTO);
    let output = plumbline(&[
        "baseline",
        "--out",
        path_str(&out),
        "--source",
        path_str(&alone),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(out.exists());
}
