//! The therapist flow and the analysis report end to end through the real binary, the real
//! models and ONNX Runtime: `baseline` on an upright clip, `analyze` on a visit with a
//! forward-head episode, and `export` on the database they wrote (`compare` and `history` of
//! visits: `visits.rs`).

use std::path::Path;
use std::process::{Command, Output};

use plumbline::capture::{Pacing, SourceSpec};
use plumbline::posture::Call;
use plumbline::store::{SessionKind, Store};

use crate::clips::{SLUMP_STILL as FORWARD_STILL, UPRIGHT_STILL, recording as clip};

fn plumbline(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("the plumbline binary runs");
    assert!(
        output.status.success(),
        "plumbline {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Frames the decoder yields for `path`.
fn decoded_frames(path: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let spec = SourceSpec::parse(utf8(path))?;
    let mut source = plumbline::capture::open(&spec, Pacing::AsFastAsPossible)?;
    let mut count = 0;
    while source.next_frame()?.is_some() {
        count += 1;
    }
    Ok(count)
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

#[test]
fn baseline_analyze_and_export_on_real_clips() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let upright = clip(&dir.path().join("upright.mp4"), &[(UPRIGHT_STILL, 4)]);
    let visit = clip(
        &dir.path().join("visit.mp4"),
        &[(UPRIGHT_STILL, 3), (FORWARD_STILL, 8), (UPRIGHT_STILL, 3)],
    );

    let out = plumbline(&[
        "baseline",
        "--subject",
        "P9",
        "--source",
        utf8(&upright),
        "--seconds",
        "3",
        "--db",
        utf8(&db),
        "--model",
        "lite",
    ]);
    let text = String::from_utf8(out.stdout)?;
    assert!(text.contains("CVA"), "{text}");

    let report = dir.path().join("r.html");
    plumbline(&[
        "analyze",
        utf8(&visit),
        "--report",
        utf8(&report),
        "--db",
        utf8(&db),
        "--subject",
        "P9",
        "--model",
        "lite",
        "--title",
        "Workstation assessment",
        "--client",
        "Acme Ltd",
        "--site",
        "Desk 4",
        "--assessor",
        "J. Doe",
    ]);

    let store = Store::open(&db)?;
    let sessions = store.sessions(Some("P9"))?;
    assert_eq!(
        sessions.iter().map(|s| s.kind).collect::<Vec<_>>(),
        [SessionKind::Baseline, SessionKind::Analysis]
    );
    let visit_session = &sessions[1];
    assert_eq!(visit_session.seconds, 14, "one row per second of video");
    let rows = store.samples(visit_session.id)?;
    let stored: u32 = rows.iter().map(|row| row.frames).sum();
    assert_eq!(
        u64::from(stored),
        decoded_frames(&visit)?,
        "analysis mode drops no frame"
    );
    let cva = |range: std::ops::Range<i64>| -> f64 {
        let values: Vec<f64> = rows
            .iter()
            .filter(|r| range.contains(&r.t_s))
            .filter_map(|r| r.metrics[0].mean)
            .collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    };
    let (before, during) = (cva(0..3), cva(4..11));
    assert!(
        before > during + 5.0,
        "upright CVA {before:.1} vs forward {during:.1}"
    );
    // Each stored second keeps how sure its CVA was and the judge's call (schema v4).
    for row in rows.iter().filter(|r| r.metrics[0].mean.is_some()) {
        let sd = row.cva_sd_deg.expect("a CVA carries its ±");
        assert!((1.0..20.0).contains(&sd), "{sd}");
        assert!(row.call.is_some(), "second {}", row.t_s);
    }
    for row in rows.iter().filter(|r| (5..10).contains(&r.t_s)) {
        assert_eq!(row.call, Some(Call::Forward), "slumped second {}", row.t_s);
    }
    drop(store);

    let html = std::fs::read_to_string(&report)?;
    assert!(html.matches("<svg").count() >= 2);
    assert!(!html.contains("http"));
    assert!(html.contains("Compared with the baseline"));
    assert!(
        html.contains("Calls per second"),
        "the report gives the calls"
    );
    // A report a client can be handed: the fields given, the clip's own date (this clip carries
    // no date tag, so its file time, labelled so), and no rate per hour from 14 seconds.
    assert!(html.contains("<title>Workstation assessment</title>"));
    for field in [
        "<dt>Client</dt><dd>Acme Ltd</dd>",
        "<dt>Site</dt><dd>Desk 4</dd>",
        "<dt>Assessor</dt><dd>J. Doe</dd>",
        "file modification time",
    ] {
        assert!(html.contains(field), "{field} missing");
    }
    assert!(!html.contains("min per hour") && !html.contains("min/h"));

    let out = plumbline(&[
        "export",
        "--db",
        utf8(&db),
        "--session",
        &visit_session.id.to_string(),
        "--format",
        "csv",
    ]);
    assert_eq!(String::from_utf8(out.stdout)?.lines().count(), 15);

    Ok(())
}

/// A recording analyzed with the user's own settings (a config file and `--onset-delay`): the
/// session stores them, the report states them (and not the defaults) next to the time in
/// sustained forward head, and the JSON export carries them.
#[test]
fn the_report_and_the_export_state_the_settings_the_recording_was_judged_with()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let visit = clip(
        &dir.path().join("visit.mp4"),
        &[(UPRIGHT_STILL, 2), (FORWARD_STILL, 2)],
    );
    let config = dir.path().join("judge.toml");
    std::fs::write(
        &config,
        "cva_below_baseline_deg = 12.0\ncva_max_sd_deg = 8.0\n",
    )?;
    let report = dir.path().join("r.html");
    plumbline(&[
        "analyze",
        utf8(&visit),
        "--report",
        utf8(&report),
        "--db",
        utf8(&db),
        "--model",
        "lite",
        "--rate",
        "5",
        "--config",
        utf8(&config),
        "--onset-delay",
        "60",
    ]);
    let store = Store::open(&db)?;
    let session = store.sessions(None)?.remove(0);
    let judged = session.judged_with.config().ok_or("settings stored")?;
    assert_eq!(
        (
            judged.onset_delay_s,
            judged.cva_below_baseline_deg,
            judged.cva_max_sd_deg
        ),
        (60.0, 12.0, 8.0)
    );
    drop(store);

    let html = std::fs::read_to_string(&report)?;
    for stated in [
        "longer than the onset delay of 1 min 00 s",
        "has held for 1 min 00 s (the onset delay)",
        "a CVA more than 12° below the baseline",
        "exceeds 8° is called uncertain",
        "less sure than ± 8°",
    ] {
        assert!(html.contains(stated), "{stated} missing");
    }
    for default in [
        "onset delay of 30 s",
        "held for 30 s",
        "more than 10° below",
    ] {
        assert!(!html.contains(default), "the default {default} is stated");
    }

    let out = plumbline(&[
        "export",
        "--db",
        utf8(&db),
        "--session",
        &session.id.to_string(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let stored = &json["session"]["judged_with"];
    assert_eq!(stored["status"], "recorded");
    assert_eq!(stored["config"]["onset_delay_s"], 60.0);
    assert_eq!(stored["config"]["cva_below_baseline_deg"], 12.0);
    Ok(())
}

/// One photo given to `analyze` is a still, as in `measure` and the window's review: its view
/// from itself alone (before, one frame of a "video" never got past the view hysteresis:
/// view unknown, no CVA) and the same CVA as `measure`.
#[test]
fn analyze_reads_one_photo_as_a_still_with_the_numbers_measure_gives()
-> Result<(), Box<dyn std::error::Error>> {
    use plumbline::posture::{Metric, View};
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/side_sit_upright_01.jpg");
    let report = dir.path().join("r.html");
    plumbline(&[
        "analyze",
        utf8(&photo),
        "--db",
        utf8(&db),
        "--report",
        utf8(&report),
    ]);
    let store = Store::open(&db)?;
    let session = store.sessions(None)?.remove(0);
    let judged = session.judged_with.config().ok_or("settings stored")?;
    assert_eq!(judged.view_switch_frames, 1, "stored as judged: a still");
    let rows = store.samples(session.id)?;
    let [row] = &rows[..] else {
        return Err(format!("one second: {rows:?}").into());
    };
    assert_eq!(row.view, View::SideRight);
    assert_eq!(row.call, Some(Call::Uncertain), "no baseline: calibrate");
    let cva = row.metric(Metric::Cva).mean.ok_or("a CVA")?;
    let out = plumbline(&["measure", "--json", utf8(&photo)]);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let measured = line["cva_deg"].as_f64().ok_or("measure gives a CVA")?;
    assert!(
        (cva - measured).abs() < 0.05,
        "analyze {cva}, measure {measured}"
    );
    Ok(())
}

#[test]
fn a_bad_recording_fails_alone_and_leaves_no_empty_session()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    clip(&dir.path().join("a-good.mp4"), &[(UPRIGHT_STILL, 2)]);
    let bad = dir.path().join("b-bad.mp4");
    std::fs::write(&bad, b"this is not a video")?;
    let report = dir.path().join("r.html");
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "analyze",
            utf8(dir.path()),
            "--report",
            utf8(&report),
            "--db",
            utf8(&db),
            "--model",
            "lite",
        ])
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a failed recording fails the run");
    assert!(stderr.contains("b-bad.mp4: cannot analyze it"), "{stderr}");
    let store = Store::open(&db)?;
    let sessions = store.sessions(None)?;
    assert_eq!(sessions.len(), 1, "only the good recording has a session");
    assert!(sessions[0].source.ends_with("a-good.mp4"));
    assert!(std::fs::read_to_string(&report)?.contains("a-good.mp4"));
    Ok(())
}

#[test]
fn analysis_killed_mid_recording_keeps_what_was_committed() -> Result<(), Box<dyn std::error::Error>>
{
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let long = clip(
        &dir.path().join("long.mp4"),
        &[
            (UPRIGHT_STILL, 20),
            (FORWARD_STILL, 20),
            (UPRIGHT_STILL, 20),
        ],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "analyze",
            utf8(&long),
            "--report",
            utf8(&dir.path().join("r.html")),
            "--db",
            utf8(&db),
            "--model",
            "lite",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Watch the database from outside until a few seconds of video are committed.
    let deadline = Instant::now() + Duration::from_mins(2);
    let mut seen = 0_i64;
    while seen < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(conn) =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        {
            seen = conn
                .query_row("SELECT COUNT(*) FROM samples", [], |row| row.get(0))
                .unwrap_or(0);
        }
    }
    child.kill()?;
    child.wait()?;
    assert!(
        seen >= 4,
        "no samples were committed while the analysis ran"
    );

    let store = Store::open(&db)?;
    assert_eq!(store.integrity_check()?, "ok");
    let session = store.sessions(None)?.pop().ok_or("the session exists")?;
    assert_eq!(
        session.ended_at, None,
        "killed before it could end the session"
    );
    let rows = store.samples(session.id)?;
    assert!(
        rows.len() as i64 >= seen,
        "{} rows after the kill, {seen} seen before",
        rows.len()
    );
    assert!(rows.len() < 60, "it was killed before the end");
    assert!(
        !dir.path().join("r.html").exists(),
        "no report from a killed run"
    );
    Ok(())
}

#[test]
fn parallel_analysis_stores_the_same_sessions_in_argument_order()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    // Different lengths, the longest first: with three jobs they finish out of order.
    let inputs = [
        clip(
            &dir.path().join("a-long.mp4"),
            &[(UPRIGHT_STILL, 3), (FORWARD_STILL, 3)],
        ),
        clip(&dir.path().join("b-short.mp4"), &[(FORWARD_STILL, 1)]),
        clip(
            &dir.path().join("c-mid.mp4"),
            &[(UPRIGHT_STILL, 1), (FORWARD_STILL, 2)],
        ),
    ];
    let run = |jobs: &str| -> Result<Store, Box<dyn std::error::Error>> {
        let db = dir.path().join(format!("jobs{jobs}.sqlite"));
        let mut args = vec![
            "analyze",
            "--jobs",
            jobs,
            "--model",
            "lite",
            "--db",
            utf8(&db),
        ];
        let report = dir.path().join(format!("jobs{jobs}.html"));
        args.extend(["--report", utf8(&report)]);
        let frames = dir.path().join(format!("jobs{jobs}.csv"));
        args.extend(["--frames-csv", utf8(&frames)]);
        args.extend(inputs.iter().map(|path| utf8(path)));
        plumbline(&args);
        Ok(Store::open(&db)?)
    };
    let (serial, parallel) = (run("1")?, run("3")?);
    let (a, b) = (serial.sessions(None)?, parallel.sessions(None)?);
    let sources = |sessions: &[plumbline::store::SessionInfo]| -> Vec<String> {
        sessions.iter().map(|s| s.source.clone()).collect()
    };
    let expected: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(sources(&a), expected, "serial: argument order");
    assert_eq!(sources(&b), expected, "parallel: argument order");
    for (one, other) in a.iter().zip(&b) {
        assert_eq!(one.id, other.id);
        assert!(one.seconds > 0);
        assert_eq!(one.seconds, other.seconds, "{}", one.source);
        assert_eq!(
            serial.samples(one.id)?,
            parallel.samples(other.id)?,
            "{}",
            one.source
        );
        assert_eq!(serial.events(one.id)?, parallel.events(other.id)?);
    }
    // `--frames-csv`: one private file, one row per analyzed frame, the recordings in
    // argument order and named by their files, the same whatever --jobs is.
    let frames = std::fs::read_to_string(dir.path().join("jobs1.csv"))?;
    assert_eq!(
        frames,
        std::fs::read_to_string(dir.path().join("jobs3.csv"))?
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("jobs1.csv"))?.permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "health data is private");
    let mut lines = frames.lines();
    let header = lines.next().ok_or("a header")?;
    assert!(
        header.starts_with("session,recording,t_ms,frame,view,state,"),
        "{header}"
    );
    assert!(header.contains("cva_deg") && !header.contains("shoulder_tilt_deg"));
    let names: Vec<&str> = lines
        .clone()
        .map(|line| line.split(',').nth(1).unwrap_or_default())
        .collect();
    let mut order = names.clone();
    order.dedup();
    assert_eq!(order, ["a-long.mp4", "b-short.mp4", "c-mid.mp4"]);
    let stored: u32 = a
        .iter()
        .map(|session| {
            serial
                .samples(session.id)
                .map(|rows| rows.iter().map(|r| r.frames).sum::<u32>())
        })
        .sum::<Result<u32, _>>()?;
    assert_eq!(names.len(), stored as usize, "one row per analyzed frame");
    Ok(())
}
