//! `plumbline monitor --headless` end to end through the real binary: the acceptance scenario
//! (a recorded slump, then sitting upright) and the error exits.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording};
use crate::plumbline;

/// The JSON lines of stdout.
fn events(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Source times of the state changes into `state`.
fn entered(events: &[serde_json::Value], state: &str) -> Vec<f64> {
    events
        .iter()
        .filter(|e| e["event"] == "state" && e["state"] == state)
        .map(|e| e["t_s"].as_f64().expect("t_s is a number"))
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn monitor_fast(source: &Path) -> Output {
    plumbline(&[
        "monitor",
        "--source",
        source.to_str().expect("temp paths are UTF-8"),
        "--headless",
        "--json",
        "--fast",
    ])
}

#[test]
fn slump_then_upright_enters_forward_head_and_returns() {
    // The acceptance scenario: 21 s of sustained slumping, then 12 s upright.
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(
        &dir.path().join("slump.mkv"),
        &[(SLUMP_STILL, 21), (UPRIGHT_STILL, 12)],
    );
    let source = clip.to_str().unwrap();
    let output = plumbline(&[
        "monitor",
        "--source",
        source,
        "--headless",
        "--json",
        "--onset-delay",
        "5",
        "--fast",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let events = events(&output);
    let forward = entered(&events, "forward_head");
    assert_eq!(forward.len(), 1, "one episode: {events:?}");
    assert!(
        (5.0..21.0).contains(&forward[0]),
        "forward head at {} s",
        forward[0]
    );
    let alerts: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "{events:?}");
    assert!(
        alerts[0]["cva_deg"].as_f64().is_some_and(|cva| cva < 45.0),
        "{alerts:?}"
    );
    let upright_again: Vec<f64> = entered(&events, "upright")
        .into_iter()
        .filter(|t| *t > forward[0])
        .collect();
    assert_eq!(
        upright_again.len(),
        1,
        "no return to upright after the slump (the upright still must read above \
         cva_forward_below_deg + cva_exit_margin_deg in video mode): {events:?}"
    );
    assert!(
        (21.0..=33.0).contains(&upright_again[0]),
        "upright at {} s",
        upright_again[0]
    );
    // Times are the video's clock, in order.
    let times: Vec<f64> = events.iter().map(|e| e["t_s"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn upright_only_recording_never_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("upright.mkv"), &[(UPRIGHT_STILL, 15)]);
    let output = plumbline(&[
        "monitor",
        "--source",
        clip.to_str().unwrap(),
        "--headless",
        "--json",
        "--onset-delay",
        "5",
        "--fast",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let events = events(&output);
    assert!(entered(&events, "forward_head").is_empty(), "{events:?}");
    assert!(events.iter().all(|e| e["event"] != "alert"), "{events:?}");
}

#[test]
fn real_time_playback_runs_on_the_video_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("short.mkv"), &[(SLUMP_STILL, 3)]);
    let start = Instant::now();
    let output = plumbline(&[
        "monitor",
        "--source",
        clip.to_str().unwrap(),
        "--headless",
        "--json",
        "--onset-delay",
        "1",
    ]);
    let took = start.elapsed().as_secs_f64();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(took >= 2.5, "3 s of video played in {took} s");
    let forward = entered(&events(&output), "forward_head");
    assert!(
        forward.first().is_some_and(|t| (1.0..3.0).contains(t)),
        "{forward:?}"
    );
}

#[test]
fn truncated_recording_reports_the_damage_after_its_frames() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(
        &dir.path().join("full.mkv"),
        &[(SLUMP_STILL, 10), (UPRIGHT_STILL, 10)],
    );
    let bytes = std::fs::read(&clip).unwrap();
    let cut = dir.path().join("cut.mkv");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let output = plumbline(&[
        "monitor",
        "--source",
        cut.to_str().unwrap(),
        "--headless",
        "--json",
        "--onset-delay",
        "2",
        "--fast",
    ]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("truncated") && err.contains("cut.mkv"),
        "{err}"
    );
    // The frames before the cut were analyzed: the slump was seen.
    assert_eq!(entered(&events(&output), "forward_head").len(), 1, "{err}");
}

#[test]
fn ctrl_c_stops_a_live_run_promptly_with_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("long.mkv"), &[(UPRIGHT_STILL, 30)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "monitor",
            "--source",
            clip.to_str().unwrap(),
            "--headless",
            "--json",
            "--no-record",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let the models load and the first frame come out (the signal handler is installed
    // before the pipeline starts), then interrupt as a terminal would. The output is drained
    // to the end so a full pipe never holds the process.
    let stdout = child.stdout.take().unwrap();
    let (first, got_first) = crossbeam_channel::bounded(1);
    let drain = std::thread::Builder::new()
        .name("drain".into())
        .spawn(move || {
            use std::io::BufRead as _;
            for (index, _) in std::io::BufReader::new(stdout).lines().enumerate() {
                if index == 0 {
                    let _ = first.send(());
                }
            }
        })
        .unwrap();
    got_first
        .recv_timeout(std::time::Duration::from_mins(2))
        .expect("a first analysed frame");
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let took = sent.elapsed().as_secs_f64();
    drain.join().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(took < 2.0, "stopping took {took} s");
}

/// Starts a recorded real-time monitor into `db`, waits until its first seconds are stored
/// (seen from other processes while it runs), sends `signal` and returns the exit code, the
/// session's `ended_at` and the seconds stored.
fn signalled_session(signal: &str) -> (Option<i32>, Option<String>, i64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = recording(&dir.path().join("long.mkv"), &[(UPRIGHT_STILL, 30)]);
    let db = dir.path().join("s.sqlite");
    let mut child = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(["monitor", "--headless", "--json", "--source"])
        .arg(&clip)
        .arg("--db")
        .arg(&db)
        .env_remove("PLUMBLINE_NO_RECORD")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the monitor starts");
    // Wait for the first stored seconds, as a systemd stop or a logout would come mid-session.
    let deadline = Instant::now() + std::time::Duration::from_mins(1);
    let stored = || -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|conn| conn.query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let wait_for = |seconds: i64| {
        while stored() < seconds {
            assert!(Instant::now() < deadline, "not {seconds} s stored in 60 s");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    wait_for(2);
    // Another process reads the database meanwhile (a read-write connection that closes):
    // the monitor's later commits must still reach the file, not a WAL removed under it.
    let listed = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(["export", "--list", "--db"])
        .arg(&db)
        .output()
        .expect("export runs");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    wait_for(4);
    let kill = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("the monitor ends");
    let conn = rusqlite::Connection::open(&db).expect("the database");
    let ended: Option<String> = conn
        .query_row("SELECT ended_at FROM sessions", [], |row| row.get(0))
        .expect("one session");
    (status.code(), ended, stored())
}

#[test]
fn sigterm_and_sighup_close_the_session_like_ctrl_c() {
    for signal in ["TERM", "HUP"] {
        let (code, ended, seconds) = signalled_session(signal);
        assert_eq!(code, Some(130), "SIG{signal}");
        assert!(ended.is_some(), "SIG{signal} left the session open");
        assert!(seconds >= 4, "SIG{signal}: {seconds} s stored");
    }
}

#[test]
fn missing_runtime_exits_non_zero_and_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("clip.mkv"), &[(UPRIGHT_STILL, 1)]);
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "monitor",
            "--source",
            clip.to_str().unwrap(),
            "--headless",
            "--fast",
        ])
        .env("ORT_DYLIB_PATH", dir.path().join("no-libonnxruntime.so"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("fetch-runtime"), "{err}");
}

#[test]
fn missing_file_exits_non_zero_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let output = monitor_fast(&dir.path().join("nowhere.mp4"));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("no such file") && err.contains("nowhere.mp4"),
        "{err}"
    );
}

#[test]
fn non_video_file_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mkv");
    std::fs::write(&path, "plain text, not a video\n".repeat(100)).unwrap();
    let output = monitor_fast(&path);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not a video"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_camera_exits_non_zero() {
    let output = plumbline(&["monitor", "--source", "camera:7", "--headless", "--json"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("camera 7") || err.contains("no camera at index 7"),
        "{err}"
    );
}

#[test]
fn bad_rate_is_refused() {
    let output = plumbline(&["monitor", "--source", "x.mp4", "--headless", "--rate", "0"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--rate"), "{}", stderr(&output));
}

#[test]
fn a_bad_desktop_setting_in_the_config_file_is_refused_with_its_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "onset_delay_s = 5.0\n[desktop]\nreminder_minutes = 999\n",
    )
    .expect("write the config");
    let output = plumbline(&[
        "monitor",
        "--source",
        "x.mp4",
        "--headless",
        "--desktop",
        "--config",
        config.to_str().expect("temp paths are UTF-8"),
    ]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("desktop.reminder_minutes = 999 is out of range: 0 to 240 min"),
        "{err}"
    );
    assert!(err.contains("config.toml"), "{err}");
}

/// Runs `monitor --fast` on `clip` with these config keys; returns the events and stderr.
fn monitor_with_config(clip: &Path, config: &Path, keys: &str) -> (Vec<serde_json::Value>, String) {
    std::fs::write(config, keys).expect("write the config");
    let output = plumbline(&[
        "-v",
        "monitor",
        "--source",
        clip.to_str().expect("temp paths are UTF-8"),
        "--headless",
        "--json",
        "--fast",
        "--config",
        config.to_str().expect("temp paths are UTF-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    (events(&output), stderr(&output))
}

/// The number in "N frames at the calm rate" of the pose thread's summary line.
fn calm_frames(stderr: &str) -> u64 {
    let (before, _) = stderr
        .split_once(" frames at the calm rate")
        .unwrap_or_else(|| panic!("no summary line: {stderr}"));
    before
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count: {stderr}"))
}

#[test]
fn the_calm_rate_delays_a_slump_alert_by_at_most_one_calm_interval() {
    // One man on one chair (MIT, ../shared/media/SOURCES.md): 30 s upright, then 16 s
    // hunched forward. The automatic baseline is learned after 10 s, the calm rate (one frame
    // every 2 s) applies 5 s later, and the slump starts at 30 s.
    let dir = tempfile::tempdir().expect("temp dir");
    let media = crate::shared_media().expect("the shared media folder");
    // 360x480: the pictures' own 3:4 shape, so no angle is distorted.
    let clip = crate::clips::recording_from(
        &media,
        &dir.path().join("upright_then_slump.mkv"),
        (360, 480),
        &[
            ("side_sit_upright_10.jpg", 30),
            ("side_sit_forward_08.jpg", 16),
        ],
    );
    let keys = "onset_delay_s = 5.0\nlearn_s = 10.0\nlearn_stretch_s = 5.0\n";
    let (calm, calm_log) = monitor_with_config(
        &clip,
        &dir.path().join("calm.toml"),
        &format!("{keys}calm_after_s = 5.0\ncalm_rate_fps = 0.5\n"),
    );
    // The same run without the calm rate (it would start after an hour).
    let (plain, plain_log) = monitor_with_config(
        &clip,
        &dir.path().join("plain.toml"),
        &format!("{keys}calm_after_s = 3600.0\n"),
    );
    let learned = |events: &[serde_json::Value]| {
        events
            .iter()
            .find(|e| e["event"] == "learned")
            .and_then(|e| e["t_s"].as_f64())
    };
    assert!(learned(&calm).is_some_and(|t| t < 20.0), "{calm:?}");
    let alert = |events: &[serde_json::Value]| -> f64 {
        let alerts: Vec<f64> = events
            .iter()
            .filter(|e| e["event"] == "alert")
            .filter_map(|e| e["t_s"].as_f64())
            .collect();
        assert_eq!(alerts.len(), 1, "one alert: {events:?}");
        alerts[0]
    };
    let (with_calm, without) = (alert(&calm), alert(&plain));
    // The slump is seen at most one calm interval (2 s) after it starts, and from then on the
    // frames come as without the calm rate: the alert is at most one calm interval later (plus
    // half a second: which frames of the hunched picture read uncertain, with the landmark C7,
    // depends on the tracker's history).
    assert!(
        (35.0..=without + 2.0 + 0.5).contains(&with_calm),
        "alert at {with_calm} s with the calm rate, {without} s without: {calm:?}"
    );
    assert!(without <= 30.0 + 5.0 + 2.0, "{plain:?}");
    assert!(calm_frames(&calm_log) >= 3, "{calm_log}");
    assert_eq!(calm_frames(&plain_log), 0, "{plain_log}");
}

/// The judge's keys of the kept-baseline runs: a baseline is learned after 10 s, a moved
/// setup is noticed after 3 s.
const KEEP_KEYS: &str = "learn_s = 10.0\nlearn_stretch_s = 5.0\nsetup_changed_after_s = 3.0\n";

/// `monitor --headless --json --fast` on `clip`, recording into `dir/s.sqlite` (so the
/// baseline is kept beside it) with [`KEEP_KEYS`]; returns the events and stderr.
fn monitor_keeping(clip: &Path, dir: &Path, extra: &[&str]) -> (Vec<serde_json::Value>, String) {
    let config = dir.join("config.toml");
    std::fs::write(&config, KEEP_KEYS).expect("write the config");
    let db = dir.join("s.sqlite");
    let mut args = vec![
        "monitor",
        "--headless",
        "--json",
        "--fast",
        "--source",
        crate::path_str(clip),
        "--db",
        crate::path_str(&db),
        "--config",
        crate::path_str(&config),
    ];
    args.extend_from_slice(extra);
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(&args)
        .env_remove("PLUMBLINE_NO_RECORD")
        .env_remove("PLUMBLINE_DB")
        .output()
        .expect("the plumbline binary runs");
    assert!(output.status.success(), "{}", stderr(&output));
    (events(&output), stderr(&output))
}

/// The forward-head call of each stored second of the newest session in `db`.
fn stored_calls(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("the session database");
    let mut stmt = conn
        .prepare(
            "SELECT COALESCE(call, '-') FROM samples \
             WHERE session_id = (SELECT max(id) FROM sessions) ORDER BY t_s",
        )
        .expect("query");
    stmt.query_map([], |row| row.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("calls")
}

/// The kept baseline file of `dir/s.sqlite` as JSON.
fn kept_file(dir: &Path) -> serde_json::Value {
    let path = plumbline::pipeline::kept::path_for(&dir.join("s.sqlite"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a kept baseline")).expect("JSON")
}

/// The baseline status events (`status` values) in order.
fn statuses(events: &[serde_json::Value]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e["event"] == "baseline")
        .filter_map(|e| e["status"].as_str())
        .collect()
}

#[test]
fn a_learned_baseline_is_kept_and_the_next_run_is_judged_against_it_from_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = recording(&dir.path().join("upright.mkv"), &[(UPRIGHT_STILL, 14)]);
    // First run: nothing kept, so the baseline is learned (after 10 s) and kept.
    let (first, _) = monitor_keeping(&clip, dir.path(), &[]);
    assert_eq!(statuses(&first), ["learning", "learned"], "{first:?}");
    let path = plumbline::pipeline::kept::path_for(&dir.path().join("s.sqlite"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("kept").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    let kept = kept_file(dir.path());
    assert_eq!(kept["status"], "learned", "{kept}");
    assert!(kept["made_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(
        kept["metrics"]["cva_deg"]["n"]
            .as_u64()
            .is_some_and(|n| n >= 5)
    );
    let first_calls = stored_calls(&dir.path().join("s.sqlite"));
    // Without a baseline this upright man's CVA lies between the bands: uncertain.
    assert!(
        first_calls[1..6].iter().all(|c| c == "uncertain"),
        "{first_calls:?}"
    );
    // Second run: judged against the kept baseline from the first frame, nothing learned.
    let (second, said) = monitor_keeping(&clip, dir.path(), &[]);
    assert!(
        said.contains("Judged against your kept baseline, learned "),
        "{said}"
    );
    assert_eq!(statuses(&second), ["learned"], "{second:?}");
    assert_eq!(second[0]["from"], "none");
    assert!(
        second[0]["t_s"].as_f64().is_some_and(|t| t < 0.5),
        "{second:?}"
    );
    assert!(
        !second.iter().any(|e| e["event"] == "learned"),
        "{second:?}"
    );
    let calls = stored_calls(&dir.path().join("s.sqlite"));
    assert!(calls.len() >= 13, "{calls:?}");
    // The first second holds the frames before the view settled (no call yet).
    assert!(calls[1..].iter().all(|c| c == "upright"), "{calls:?}");
    // Forgotten: removed, and the next run learns again.
    let (third, said) = monitor_keeping(&clip, dir.path(), &["--forget-baseline"]);
    assert!(said.contains("Baseline forgotten: removed"), "{said}");
    assert_eq!(statuses(&third), ["learning", "learned"], "{third:?}");
    // A run that records nothing neither reads nor writes the kept baseline.
    let before = std::fs::read(&path).expect("kept again");
    let (fourth, _) = monitor_keeping(&clip, dir.path(), &["--no-record"]);
    assert_eq!(statuses(&fourth), ["learning", "learned"], "{fourth:?}");
    assert_eq!(
        std::fs::read(&path).expect("still kept"),
        before,
        "unchanged"
    );
}

#[test]
fn a_moved_setup_sets_the_kept_baseline_aside_and_the_relearned_one_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clip = recording(&dir.path().join("upright.mkv"), &[(UPRIGHT_STILL, 12)]);
    monitor_keeping(&clip, dir.path(), &[]);
    let before = kept_file(dir.path());
    // The camera moved: the same man, now in the left half of a picture twice as wide (his
    // shoulders sat at 65 % of the width, now at 32 %).
    let still = image::open(root.join(UPRIGHT_STILL))
        .expect("still")
        .into_rgb8();
    let mut wide =
        image::RgbImage::from_pixel(still.width() * 2, still.height(), [90, 90, 90].into());
    image::imageops::overlay(&mut wide, &still, 0, 0);
    wide.save(dir.path().join("moved.png")).expect("save");
    let moved = crate::clips::recording_from(
        dir.path(),
        &dir.path().join("moved.mkv"),
        (720, 640),
        &[("moved.png", 24)],
    );
    let (events, _) = monitor_keeping(&moved, dir.path(), &[]);
    assert_eq!(
        statuses(&events),
        ["learned", "setup_changed", "learned"],
        "{events:?}"
    );
    let changed = events
        .iter()
        .find(|e| e["status"] == "setup_changed")
        .expect("setup changed");
    assert!(
        changed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("further left")),
        "{changed}"
    );
    // The relearned baseline replaced the kept one.
    let after = kept_file(dir.path());
    let x = |kept: &serde_json::Value| {
        kept["metrics"]["setup_shoulder_x"]["mean"]
            .as_f64()
            .unwrap_or_else(|| panic!("no setup in {kept}"))
    };
    assert!(x(&before) - x(&after) > 0.25, "{before} {after}");
    assert_eq!(after["status"], "learned");
}

#[test]
fn an_unusable_kept_baseline_is_reported_set_aside_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = plumbline::pipeline::kept::path_for(&dir.path().join("s.sqlite"));
    std::fs::write(
        &path,
        "{\"view\": \"side-left\", \"metrics\": {\"cva_deg\": ",
    )
    .expect("write");
    let clip = recording(&dir.path().join("upright.mkv"), &[(UPRIGHT_STILL, 3)]);
    let (events, said) = monitor_keeping(&clip, dir.path(), &[]);
    assert!(
        said.contains("cannot be used (not a plumbline baseline")
            && said.contains("it is ignored and it was moved to"),
        "{said}"
    );
    assert_eq!(statuses(&events), ["learning"], "{events:?}");
    assert!(!path.exists());
    let aside = plumbline::pipeline::kept::unreadable_path(&path);
    assert!(std::fs::read_to_string(aside).is_ok_and(|t| t.contains("cva_deg")));
}
