//! `plumbline doctor` end to end: ready on a set-up machine, and clear failures that name the
//! fix when the runtime or a model is missing or damaged.

use std::path::Path;
use std::process::Command;

fn plumbline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
}

fn models_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/models"))
}

#[test]
fn doctor_reports_ready_with_the_committed_models_and_fetched_runtime() {
    // The binary switches the runtime's telemetry off whatever the caller's environment says.
    let out = plumbline()
        .arg("doctor")
        .env("ORT_DISABLE_TELEMETRY", "0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("ONNX Runtime 1.31.1"), "{stdout}");
    let telemetry = stdout
        .lines()
        .find(|line| line.contains("runtime telemetry"))
        .unwrap_or_default();
    assert!(telemetry.starts_with("[ok  ]"), "{stdout}");
    assert!(
        telemetry.contains("off: ORT_DISABLE_TELEMETRY=1"),
        "{stdout}"
    );
    assert!(stdout.contains("model pose_landmark_full"), "{stdout}");
    assert!(stdout.contains("plumbline is ready"), "{stdout}");
}

#[test]
fn a_missing_runtime_fails_and_names_the_install_command() {
    let out = plumbline()
        .arg("doctor")
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("scripts/fetch-runtime"), "{stdout}");
}

#[test]
fn a_corrupt_model_fails_and_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(models_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "onnx") {
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let damaged = tmp.path().join("pose_landmark_full.onnx");
    let mut bytes = std::fs::read(&damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();

    let out = plumbline()
        .args(["doctor", "--models-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("pose_landmark_full "))
        .unwrap_or_default();
    assert!(line.starts_with("[FAIL]"), "{stdout}");
    assert!(line.contains("pose_landmark_full.onnx"), "{line}");
    assert!(line.contains("convert-models"), "{line}");
    // The undamaged ones still verify.
    assert!(stdout.contains("[ok  ] model pose_detection"), "{stdout}");
}
