//! `plumbline monitor --headless` end to end through the real binary: the acceptance scenario
//! (a recorded slump, then sitting upright) and the error exits.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args`.
fn plumbline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("the plumbline binary runs")
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
fn missing_file_exits_non_zero_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let output = monitor_fast(&dir.path().join("nowhere.mp4"));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("no such file") && err.contains("nowhere.mp4"), "{err}");
}

#[test]
fn non_video_file_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mkv");
    std::fs::write(&path, "plain text, not a video\n".repeat(100)).unwrap();
    let output = monitor_fast(&path);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("not a video"), "{}", stderr(&output));
}

#[test]
fn missing_camera_exits_non_zero() {
    let output = plumbline(&["monitor", "--source", "camera:7", "--headless", "--json"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("camera 7") || err.contains("no camera at index 7"), "{err}");
}

#[test]
fn bad_rate_is_refused() {
    let output = plumbline(&["monitor", "--source", "x.mp4", "--headless", "--rate", "0"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--rate"), "{}", stderr(&output));
}
