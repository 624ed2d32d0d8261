//! A patient's visits through the real binary, models and ONNX Runtime: baseline, follow-up, a
//! second baseline and another follow-up; `compare` pairs each follow-up with the baseline
//! before it and never runs backwards; `history` lists all four; photos make a baseline; a
//! failed hold leaves no session.

use std::path::Path;
use std::process::{Command, Output};

use plumbline::capture::writer::VideoWriter;
use plumbline::store::Store;

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording as clip};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("the plumbline binary runs")
}

fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "plumbline {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn hold(kind: &str, subject: &str, source: &Path, db: &Path) -> String {
    ok(&[
        kind,
        "--subject",
        subject,
        "--source",
        utf8(source),
        "--seconds",
        "5",
        "--db",
        utf8(db),
        "--model",
        "lite",
    ])
}

fn assert_fits_100_columns(text: &str) {
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

#[test]
fn each_follow_up_is_compared_with_the_baseline_before_it() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let upright = clip(&dir.path().join("upright.mp4"), &[(UPRIGHT_STILL, 5)]);
    let forward = clip(&dir.path().join("forward.mp4"), &[(SLUMP_STILL, 5)]);

    let text = hold("baseline", "P1", &upright, &db);
    assert!(text.contains("CVA"), "{text}");
    assert!(text.contains("n (frames)"), "{text}");
    let text = hold("follow-up", "P1", &forward, &db);
    // The follow-up prints its comparison with the baseline it follows.
    assert!(
        text.contains("Follow-up compared with its baseline"),
        "{text}"
    );
    assert_fits_100_columns(&text);
    hold("baseline", "P1", &upright, &db);
    hold("follow-up", "P1", &upright, &db);

    let history: serde_json::Value = serde_json::from_str(&ok(&[
        "history",
        "--subject",
        "P1",
        "--db",
        utf8(&db),
        "--json",
    ]))?;
    let visits = history["visits"].as_array().ok_or("visits")?;
    let roles: Vec<&str> = visits.iter().filter_map(|v| v["role"].as_str()).collect();
    assert_eq!(roles, ["baseline", "follow_up", "baseline", "follow_up"]);
    let session = |index: usize| visits[index]["hold"]["session"].as_i64().expect("session");
    let (b1, f1, b2, f2) = (session(0), session(1), session(2), session(3));

    let trend = dir.path().join("trend.html");
    let text = ok(&[
        "history",
        "--subject",
        "P1",
        "--db",
        utf8(&db),
        "--html",
        utf8(&trend),
    ]);
    assert_fits_100_columns(&text);
    // The HTML trend: a point per visit, an MDC band per baseline, the same table.
    let html = std::fs::read_to_string(&trend)?;
    assert_eq!(html.matches("class=\"mdc-band\"").count(), 2);
    assert_eq!(
        html.matches("class=\"visit-baseline\"").count()
            + html.matches("class=\"visit-follow-up\"").count(),
        4
    );
    assert!(
        html.contains(&format!("<td class=\"num\">{f2}</td>")),
        "{html}"
    );
    for id in [b1, f1, b2, f2] {
        assert!(
            text.lines()
                .any(|line| line.trim_start().starts_with(&id.to_string())),
            "session {id} listed:\n{text}"
        );
    }

    let compare = |extra: &[&str]| -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let mut args = vec!["compare", "--subject", "P1", "--db", utf8(&db), "--json"];
        args.extend_from_slice(extra);
        Ok(serde_json::from_str(&ok(&args))?)
    };
    // The latest follow-up with the latest baseline before it.
    let latest = compare(&[])?;
    assert_eq!(latest["baseline"]["session"], b2);
    assert_eq!(latest["follow_up"]["session"], f2);
    // The first follow-up with the first baseline, not the later one.
    let first = compare(&["--follow-up", &f1.to_string()])?;
    assert_eq!(first["baseline"]["session"], b1);
    let cva = first["metrics"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["metric"] == "cva_deg"))
        .ok_or("cva row")?;
    assert!(cva["change"].as_f64().ok_or("change")? < -5.0, "{cva}");
    assert_eq!(cva["result_text"], "worse", "{cva}");
    assert_eq!(first["baseline"]["n_counts"], "frames");
    assert_eq!(first["follow_up"]["n_counts"], "frames");
    // An explicit pair.
    let picked = compare(&[
        "--baseline",
        &b1.to_string(),
        "--follow-up",
        &f2.to_string(),
    ])?;
    assert_eq!(picked["baseline"]["session"], b1);
    assert_eq!(picked["follow_up"]["session"], f2);

    // Never backwards: a baseline recorded after the follow-up is refused.
    let backwards = run(&[
        "compare",
        "--subject",
        "P1",
        "--db",
        utf8(&db),
        "--baseline",
        &b2.to_string(),
        "--follow-up",
        &f1.to_string(),
    ]);
    assert!(!backwards.status.success());
    let stderr = String::from_utf8_lossy(&backwards.stderr);
    assert!(stderr.contains("forward in time"), "{stderr}");

    let text = ok(&["compare", "--subject", "P1", "--db", utf8(&db)]);
    assert_fits_100_columns(&text);
    assert!(text.contains("within measurement error"), "{text}");
    assert!(text.contains("Gallego-Izquierdo 2020"), "{text}");
    Ok(())
}

#[test]
fn photos_make_a_baseline_and_failed_holds_store_nothing() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    let one = root.join(UPRIGHT_STILL);
    let text = hold("baseline", "P2", &one, &db);
    assert!(text.contains("n (photos)"), "{text}");
    assert!(text.contains("Photos give no spread"), "{text}");
    assert!(text.contains("1 photo analyzed"), "{text}");
    // One photo says what its CVA rests on, as `baseline --out` does (docs/GEOMETRY.md §6).
    assert!(
        text.contains("Its CVA carries the whole error of one frame: ±"),
        "{text}"
    );
    assert_fits_100_columns(&text);

    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos)?;
    // One view: a baseline refuses photos of more than one (the one-view rule).
    for (index, name) in [UPRIGHT_STILL, UPRIGHT_STILL, UPRIGHT_STILL]
        .iter()
        .enumerate()
    {
        std::fs::copy(root.join(name), photos.join(format!("{index}.jpg")))?;
    }
    let text = hold("baseline", "P2", &photos, &db);
    assert!(text.contains("3 photos analyzed"), "{text}");

    // Nobody in the picture: the hold fails and leaves no session.
    let blank = image::RgbImage::from_pixel(360, 640, image::Rgb([90, 90, 90]));
    let empty = dir.path().join("empty.mp4");
    let mut writer = VideoWriter::create(&empty, 360, 640, 4)?;
    for _ in 0..8 {
        writer.push(&blank)?;
    }
    writer.finish()?;
    let failed = run(&[
        "baseline",
        "--subject",
        "P3",
        "--source",
        utf8(&empty),
        "--db",
        utf8(&db),
        "--model",
        "lite",
    ]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("nothing was stored"), "{stderr}");

    // A number out of range names the range.
    let bad = run(&[
        "follow-up",
        "--subject",
        "P3",
        "--source",
        utf8(&one),
        "--seconds",
        "-5",
        "--db",
        utf8(&db),
    ]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("1 to 600 s"), "{stderr}");

    let store = Store::open(&db)?;
    assert!(
        store.sessions(Some("P3"))?.is_empty(),
        "failed holds left a session"
    );
    assert_eq!(store.visits("P2")?.len(), 2);
    Ok(())
}
