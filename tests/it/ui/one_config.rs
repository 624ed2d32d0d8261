//! One configuration for the window and `monitor --headless`: the same file, the same
//! defaults, the same pipeline, so the same clip reaches the same state in both; a bad value
//! in a settings file costs only that field.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;

use plumbline::desktop::CompanionConfig;
use plumbline::pipeline::SourceStatus;
use plumbline::posture::PostureState;
use plumbline::ui::{self, WindowOptions, WindowSetup};

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording};

/// Window options with both settings files in `dir` (missing files: the defaults).
fn options_in(dir: &Path) -> WindowOptions {
    WindowOptions {
        settings_path: Some(dir.join("plumbline").join("window.toml")),
        config_path: Some(dir.join("plumbline").join("config.toml")),
        ..WindowOptions::default()
    }
}

/// The state of the last `state` event the headless monitor printed.
fn last_headless_state(stdout: &str) -> (String, usize) {
    let mut state = String::from("none");
    let mut alerts = 0;
    for line in stdout.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if event["event"] == "state" {
            event["state"]
                .as_str()
                .unwrap_or_default()
                .clone_into(&mut state);
        }
        if event["event"] == "alert" {
            alerts += 1;
        }
    }
    (state, alerts)
}

#[test]
fn window_and_headless_reach_the_same_state_with_default_settings() {
    let dir = tempfile::tempdir().unwrap();
    // 3 s upright, then 9 s slumped: with the default 30 s onset delay, both end at risk.
    let clip = recording(
        &dir.path().join("clip.mkv"),
        &[(UPRIGHT_STILL, 3), (SLUMP_STILL, 9)],
    );
    // The headless monitor with its default configuration file in an empty config folder.
    let headless = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(["monitor", "--headless", "--json", "--source"])
        .arg(&clip)
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("PLUMBLINE_CONFIG")
        .env("PLUMBLINE_NO_RECORD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the plumbline binary runs");

    // The window's own start-up path, in real time on the same clip, without a screen.
    let options = options_in(dir.path());
    let setup = WindowSetup::load(&options);
    assert_eq!(setup.notice, None);
    let mut app = ui::start_app(clip.to_str().unwrap(), setup, &options, Box::new(|| {}));
    let started = Instant::now();
    while !matches!(app.state.source, SourceStatus::Ended) {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the window's pipeline did not finish: {:?}",
            app.state.problem()
        );
        std::thread::sleep(Duration::from_millis(100));
        app.drain();
    }
    // The pose thread analyzes what is left, then the channel closes.
    std::thread::sleep(Duration::from_secs(1));
    app.drain();
    assert_eq!(app.state.problem(), None);
    let window_state = app.state.posture_state();

    let output = headless.wait_with_output().expect("the monitor ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let (headless_state, headless_alerts) =
        last_headless_state(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(window_state, PostureState::AtRisk, "{stderr}");
    assert_eq!(headless_state, "at_risk", "{stderr}");
    assert_eq!(app.state.alert_count as usize, headless_alerts);
}

#[test]
fn bad_values_in_the_settings_files_cost_only_those_fields() {
    let dir = tempfile::tempdir().unwrap();
    let options = options_in(dir.path());
    let folder = dir.path().join("plumbline");
    std::fs::create_dir_all(&folder).unwrap();
    let config = options.config_path.clone().unwrap();
    std::fs::write(
        &config,
        "analysis_rate_fps = nan\nonset_delay_s = -5.0\ncva_forward_below_deg = 30.0\n",
    )
    .unwrap();
    std::fs::write(
        options.settings_path.as_ref().unwrap(),
        "subject = \"P3\"\nred_flags_acknowledged = true\nmodel = \"huge\"\n",
    )
    .unwrap();
    let setup = WindowSetup::load(&options);
    let defaults = plumbline::posture::PostureConfig::default();
    assert!(
        (setup.posture.cva_forward_below_deg - 30.0).abs() < 1e-9,
        "kept"
    );
    assert!((setup.posture.analysis_rate_fps - defaults.analysis_rate_fps).abs() < 1e-9);
    assert!((setup.posture.onset_delay_s - defaults.onset_delay_s).abs() < 1e-9);
    assert_eq!(setup.settings.subject, "P3");
    let notice = setup.notice.clone().expect("a notice");
    for expected in [
        "config.toml",
        "analysis_rate_fps",
        "0.2 to 30 fps",
        "onset_delay_s",
        "0 to 3600 s",
        "window.toml",
        "model",
    ] {
        assert!(notice.contains(expected), "{expected}: {notice}");
    }

    // The window starts on these values (no error screen) and says what it did.
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/side_sit_upright_01.jpg");
    let app = ui::start_app(image.to_str().unwrap(), setup, &options, Box::new(|| {}));
    let mut harness = super::window_harness(app);
    harness.run();
    assert_eq!(harness.state().state.problem(), None);
    assert!(
        harness
            .query_by_label("Pose engine not available")
            .is_none()
    );
    harness.get_by_label_contains("analysis_rate_fps");
    // Nothing was rewritten: the user's file still holds what they wrote.
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("nan"), "{text}");
}

#[test]
fn the_desktop_table_is_read_key_by_key_and_reaches_the_companion() {
    let dir = tempfile::tempdir().unwrap();
    let options = options_in(dir.path());
    std::fs::create_dir_all(dir.path().join("plumbline")).unwrap();
    let config = options.config_path.clone().unwrap();
    std::fs::write(
        &config,
        "snooze_s = 120.0\n[desktop]\nreminder_minutes = 999\nmovement_minutes = 45.0\n\
         pause_on_lock = false\n",
    )
    .unwrap();
    let setup = WindowSetup::load(&options);
    let notice = setup.notice.clone().expect("a notice");
    for expected in ["config.toml", "desktop.reminder_minutes", "0 to 240 min"] {
        assert!(notice.contains(expected), "{expected}: {notice}");
    }
    // The bad key keeps its default, the good ones are kept.
    let expected = CompanionConfig {
        reminder_minutes: CompanionConfig::default().reminder_minutes,
        movement_minutes: 45.0,
        pause_on_lock: false,
    };
    assert_eq!(setup.desktop, expected);
    assert!((setup.posture.snooze_s - 120.0).abs() < 1e-9);

    // The window's start-up path hands them to its desk companion.
    let missing = dir.path().join("no-such-clip.mp4");
    let app = ui::start_app(missing.to_str().unwrap(), setup, &options, Box::new(|| {}))
        .with_desktop(super::quiet_desktop());
    let companion = &app.desktop().expect("connected").companion;
    assert_eq!(companion.config(), expected);
    // Nothing was rewritten: the user's file still holds what they wrote.
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("999"), "{text}");
}
