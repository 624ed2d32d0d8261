//! Recording and the session history: the history panel on a temporary database with sessions
//! made through the store API (list, open, export, report, a damaged file), the window
//! recording its updates and a calibration baseline, and the headless monitor recording a short
//! clip through the real binary (and going on when the database is damaged).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use plumbline::pipeline::Recorder;
use plumbline::pipeline::recorder::monitor_session;
use plumbline::posture::{Metric, PostureEvent, PostureState, View};
use plumbline::report::stats::summarise;
use plumbline::store::access::sample_columns;
use plumbline::store::{NewSession, SessionId, SessionKind, Store};
use plumbline::ui::history::{self, History};
use plumbline::ui::{App, Settings, Tab};

use crate::clips::{SLUMP_STILL, UPRIGHT_STILL, recording};
use crate::records::store_synthetic;

/// A database at `dir/s.sqlite` with the 60-second synthetic analysis (session 1, with an
/// alert and a forward-head episode) and a short monitor session (session 2).
fn database(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("s.sqlite");
    let (mut store, id) = store_synthetic(
        Store::open(&path).expect("a new database"),
        "clip.mp4",
        None,
    )
    .expect("stored");
    assert_eq!(id, SessionId(1));
    let mut new = NewSession::new(SessionKind::Monitor, "camera:0", None);
    new.started_at = Some("2026-12-01T10:30:00.000Z".into());
    store.start_session(&new).expect("a second session");
    path
}

/// Runs the panel until its background reads and writes are done (they run off the UI thread).
fn settle(harness: &mut Harness<'static, History>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    harness.run();
    while harness.state().is_busy() {
        assert!(Instant::now() < deadline, "the history panel stayed busy");
        std::thread::sleep(Duration::from_millis(10));
        harness.run();
    }
}

/// [`settle`] for the whole window.
fn settle_app(harness: &mut Harness<'static, App>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    harness.run();
    while harness.state().history.is_busy() {
        assert!(Instant::now() < deadline, "the history panel stayed busy");
        std::thread::sleep(Duration::from_millis(10));
        harness.run();
    }
}

fn history_harness(history: History) -> Harness<'static, History> {
    // The panel's first frames settle the theme and fonts before its content (a few steps).
    Harness::builder()
        .with_size([900.0, 900.0])
        .with_max_steps(crate::ui::SETTLE_STEPS)
        .build_ui_state(history::ui, history)
}

fn opened_harness(dir: &Path) -> Harness<'static, History> {
    let mut history = History::new(Some(database(dir)));
    history.out_dir = dir.join("exports").display().to_string();
    let mut harness = history_harness(history);
    settle(&mut harness);
    harness
        .get_by_label(&history::open_label(SessionId(1)))
        .click();
    settle(&mut harness);
    harness
}

#[test]
fn history_lists_stored_sessions_and_opens_one_with_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let store = Store::open(&db).unwrap();
    let summary = summarise(
        &store.samples(SessionId(1)).unwrap(),
        &store.events(SessionId(1)).unwrap(),
    );
    drop(store);
    let cva = summary.metrics[&Metric::Cva].mean;
    assert!((44.0..50.0).contains(&cva), "{cva}");

    let mut harness = history_harness(History::new(Some(db)));
    settle(&mut harness);
    harness.get_by_label("2026-12-01 09:00 UTC");
    harness.get_by_label("2026-12-01 10:30 UTC");
    harness.get_by_label("clip.mp4");
    harness.get_by_label("camera:0");
    harness.get_by_label("1 min 00 s");
    harness.get_by_label(&format!("{cva:.1}°"));
    // The synthetic episode holds the forward-head state from 25 s to 45 s.
    harness.get_by_label("0.3 min");

    harness
        .get_by_label(&history::open_label(SessionId(1)))
        .click();
    settle(&mut harness);
    harness.get_by_label("Session 1 (analysis), 2026-12-01 09:00 UTC");
    harness.get_by_label("clip.mp4 · 1 min 00 s stored · 1 alerts");
    harness.get_by_label("cva_deg");
    harness.get_by_label(&format!("{:.1}", summary.metrics[&Metric::Cva].sd));
    harness.get_by_label("Forward head: persistent: 20 s");
    harness.get_by_label("Upright: 35 s");
}

#[test]
fn history_exports_csv_and_json_into_the_typed_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = opened_harness(dir.path());
    harness.get_by_label(history::EXPORT_CSV).click();
    settle(&mut harness);
    let csv_path = dir.path().join("exports/plumbline-session-1.csv");
    harness.get_by_label(&format!("Wrote {}", csv_path.display()));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(sample_columns().join(",").as_str()));
    assert!(
        csv.starts_with("t_s,frames,view,state,forward_head_fraction,rula_neck,rula_trunk,confidence_mean,cva_deg_mean,")
    );
    assert_eq!(lines.count(), 60, "one row per stored second");

    harness.get_by_label(history::EXPORT_JSON).click();
    settle(&mut harness);
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("exports/plumbline-session-1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["session"]["source"], "clip.mp4");
    assert_eq!(json["samples"].as_array().map(Vec::len), Some(60));
}

#[test]
fn history_writes_the_html_report_with_plots() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = opened_harness(dir.path());
    harness.get_by_label(history::WRITE_REPORT).click();
    settle(&mut harness);
    let path = dir.path().join("exports/plumbline-session-1-report.html");
    harness.get_by_label(&format!("Wrote {}", path.display()));
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("<svg"), "inline plots");
    assert!(html.contains("clip.mp4"));
    assert!(!html.contains("<script"));
}

#[test]
fn history_says_what_to_do_when_the_folder_or_the_database_is_bad() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = opened_harness(dir.path());
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    harness.state_mut().out_dir = blocker.display().to_string();
    harness.get_by_label(history::EXPORT_CSV).click();
    settle(&mut harness);
    harness.get_by_label_contains("choose another folder");

    let damaged = dir.path().join("damaged.sqlite");
    std::fs::write(&damaged, b"this is not an SQLite database").unwrap();
    let mut harness = history_harness(History::new(Some(damaged.clone())));
    settle(&mut harness);
    harness.get_by_label_contains("damaged");
    harness.get_by_label_contains("Move it aside");
    harness.get_by_label_contains(&damaged.display().to_string());
    assert_eq!(
        std::fs::read(&damaged).unwrap(),
        b"this is not an SQLite database",
        "the panel does not modify it"
    );
}

/// A window recording into `db`, with the subject `subject` and the notice already read.
fn recording_app(
    db: &Path,
    subject: &str,
) -> (
    Harness<'static, App>,
    crossbeam_channel::Sender<plumbline::pipeline::Update>,
) {
    let (update_tx, update_rx) = crossbeam_channel::bounded(64);
    let (control_tx, _control_rx) = crossbeam_channel::bounded(64);
    let settings = Settings {
        red_flags_acknowledged: true,
        subject: subject.to_owned(),
        ..Settings::default()
    };
    let new = monitor_session("camera:0", settings.model, settings.subject(), None);
    let app =
        App::new(update_rx, control_tx, settings).with_recorder(Recorder::start(Some(db), &new));
    let harness = crate::ui::window_harness(app);
    (harness, update_tx)
}

#[test]
fn window_records_its_session_and_stores_the_calibration_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    let (mut harness, updates) = recording_app(&db, "P7");
    assert!(harness.state().is_recording());
    for i in 0..25_u32 {
        let t_ms = f64::from(i) * 100.0;
        updates
            .send(super::frame_update(
                u64::from(i),
                t_ms,
                PostureState::Upright,
                50.0,
            ))
            .unwrap();
        if i % 10 == 9 {
            harness.run();
        }
    }
    updates
        .send(plumbline::pipeline::Update::Posture(
            PostureEvent::Calibrated {
                t_ms: 2_400.0,
                baseline: super::baseline(),
            },
        ))
        .unwrap();
    harness.run();
    harness.get_by_label_contains("Baseline stored for subject P7");
    let baseline = Store::open(&db).unwrap().latest_baseline("P7").unwrap();
    assert_eq!(
        baseline.map(|b| b.baseline.metrics[&Metric::Cva].mean),
        Some(50.0),
        "`plumbline compare --subject P7` reads this baseline"
    );

    // The writer commits within a second; the history then lists the running session.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let store = Store::open(&db).unwrap();
        let sessions = store.sessions(Some("P7")).unwrap();
        if sessions.first().is_some_and(|s| s.seconds == 3) {
            assert_eq!(sessions[0].kind, SessionKind::Monitor);
            assert_eq!(sessions[0].model.as_deref(), Some("full"));
            let frames: u32 = store
                .samples(sessions[0].id)
                .unwrap()
                .iter()
                .map(|r| r.frames)
                .sum();
            assert_eq!(frames, 25, "every analyzed frame reached the store");
            break;
        }
        assert!(Instant::now() < deadline, "not committed: {sessions:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    harness.state_mut().tab = Tab::History;
    settle_app(&mut harness);
    harness.get_by_label("camera:0");
    harness.get_by_label("3 s");
}

#[test]
fn window_with_a_damaged_database_says_samples_are_not_saved_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.sqlite");
    std::fs::write(&db, b"garbage, not a database").unwrap();
    let (mut harness, updates) = recording_app(&db, "");
    assert!(!harness.state().is_recording());
    updates
        .send(super::frame_update(1, 0.0, PostureState::ForwardHead, 41.0))
        .unwrap();
    harness.run();
    harness.get_by_label_contains("Samples are not being saved (monitoring goes on)");
    harness.get_by_label_contains("broken.sqlite");
    assert_eq!(
        harness.state().state.latest_seq(),
        Some(1),
        "monitoring went on"
    );
    harness.get_by_label(plumbline::ui::DISMISS).click();
    harness.run();
    harness.get_by_label(plumbline::ui::NOT_SAVING);
}

// --- The headless monitor through the real binary ----------------------------------------

fn headless(clip: &Path, db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "monitor",
            "--headless",
            "--json",
            "--fast",
            "--onset-delay",
            "1",
        ])
        .arg("--source")
        .arg(clip)
        .arg("--db")
        .arg(db)
        .env_remove("PLUMBLINE_NO_RECORD")
        .output()
        .expect("the plumbline binary runs")
}

#[test]
fn headless_monitor_records_one_session_with_samples() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(
        &dir.path().join("short.mkv"),
        &[(UPRIGHT_STILL, 2), (SLUMP_STILL, 3)],
    );
    let db = dir.path().join("data/s.sqlite");
    let output = headless(&clip, &db);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("not being saved"), "{stderr}");
    let store = Store::open(&db).unwrap();
    let sessions = store.sessions(None).unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let session = &sessions[0];
    assert_eq!(session.kind, SessionKind::Monitor);
    assert_eq!(session.source, clip.display().to_string());
    assert_eq!(session.model.as_deref(), Some("full"));
    assert!(session.ended_at.is_some(), "the session was ended");
    assert_eq!(session.view.map(View::name), Some("side-left"));
    assert_eq!(session.seconds, 5, "one row per second of the 5 s clip");
    let rows = store.samples(session.id).unwrap();
    let frames: u32 = rows.iter().map(|row| row.frames).sum();
    // 2-4 frames analyzed per second of video.
    assert!((10..=20).contains(&frames), "{frames} frames stored");
    let printed = String::from_utf8_lossy(&output.stdout).lines().count();
    assert_eq!(
        store.events(session.id).unwrap().len(),
        printed,
        "every printed event stored"
    );
}

#[test]
fn damaged_database_does_not_stop_the_headless_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("slump.mkv"), &[(SLUMP_STILL, 3)]);
    let db = dir.path().join("damaged.sqlite");
    std::fs::write(&db, b"definitely not SQLite").unwrap();
    let output = headless(&clip, &db);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Monitoring went on; the unsaved samples are counted and make the exit status 1.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("were not saved"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\"state\":\"forward_head\""),
        "events printed: {stdout}"
    );
    assert_eq!(
        stderr.matches("Samples are not being saved").count(),
        1,
        "said once: {stderr}"
    );
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), b"definitely not SQLite");
}

#[test]
fn locked_database_does_not_stop_the_headless_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("slump.mkv"), &[(SLUMP_STILL, 3)]);
    let db = dir.path().join("locked.sqlite");
    drop(Store::open(&db).unwrap());
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO subjects (code, created_at) VALUES ('x', 'now');",
        )
        .unwrap();
    let output = headless(&clip, &db);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Monitoring went on; the unsaved samples are counted and make the exit status 1.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("were not saved"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("\"state\":\"forward_head\""),
        "events printed"
    );
    assert_eq!(
        stderr.matches("Samples are not being saved").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("locked by another program"), "{stderr}");
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn subject_typed_in_the_settings_gets_the_next_calibration_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    let (mut harness, updates) = recording_app(&db, "");
    harness.get_by_label("Settings").click();
    harness.run();
    harness
        .get_by_label(plumbline::ui::settings::SUBJECT)
        .focus();
    harness.run();
    harness
        .get_by_label(plumbline::ui::settings::SUBJECT)
        .type_text("P3");
    harness.run();
    assert_eq!(harness.state().settings.subject, "P3");
    updates
        .send(plumbline::pipeline::Update::Posture(
            PostureEvent::Calibrated {
                t_ms: 1_000.0,
                baseline: super::baseline(),
            },
        ))
        .unwrap();
    harness.run();
    harness.get_by_label_contains("Baseline stored for subject P3");
    let store = Store::open(&db).unwrap();
    assert!(store.latest_baseline("P3").unwrap().is_some());
}
