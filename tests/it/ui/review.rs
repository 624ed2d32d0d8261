//! Review mode in the window (`egui_kittest`, the real model on a clip encoded from real
//! stills): the recording is analyzed once, then paused, stepped one frame at a time and
//! seeked by a click on the plot, with the plot's cursor on the shown frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use plumbline::pose::ModelChoice;
use plumbline::ui::review::{self, ExportOutcome, Progress, Review};
use plumbline::ui::{App, Settings, Tab};

use crate::clips::{CLIP_FPS, SLUMP_STILL, UPRIGHT_STILL, recording};

/// A window (no live source) that opens `path` in review mode.
fn review_harness(path: PathBuf) -> Harness<'static, App> {
    review_harness_with(path, Settings::default())
}

/// As [`review_harness`], with the window's preferences `settings`.
fn review_harness_with(path: PathBuf, settings: Settings) -> Harness<'static, App> {
    let (update_tx, update_rx) = crossbeam_channel::bounded::<plumbline::pipeline::Update>(1);
    let (control_tx, _control_rx) = crossbeam_channel::bounded::<plumbline::pipeline::Control>(16);
    let settings = Settings {
        red_flags_acknowledged: true,
        ..settings
    };
    let app = App::new(update_rx, control_tx, settings)
        .with_pipeline(Box::new(update_tx))
        .with_reviews(None, Some(path));
    assert_eq!(app.tab, Tab::Review);
    crate::ui::window_harness_sized(app, [1280.0, 900.0])
}

fn current<'h>(harness: &'h Harness<'_, App>) -> &'h Review {
    harness
        .state()
        .reviews
        .current()
        .expect("a recording is open")
}

/// Repaints until `done` holds (the analysis and the frame decoder run on their threads).
fn wait_for(
    harness: &mut Harness<'_, App>,
    timeout: Duration,
    what: &str,
    done: impl Fn(&Review) -> bool,
) {
    let start = Instant::now();
    loop {
        harness.step();
        if harness.state().reviews.current().is_some_and(&done) {
            // One more repaint so the panels and the plot draw what is now shown.
            harness.step();
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}: {:?} {:?}",
            harness.state().reviews.current(),
            harness.state().reviews.message
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn shown_seq(review: &Review) -> Option<u64> {
    review.shown().map(|shown| shown.frame.seq)
}

/// Waits until frame `seq` is shown, then checks that the plot's cursor is at its time and
/// the side panel names it.
fn expect_shown(harness: &mut Harness<'_, App>, seq: u64) {
    wait_for(
        harness,
        Duration::from_secs(30),
        &format!("frame {seq}"),
        |r| shown_seq(r) == Some(seq),
    );
    let review = current(harness);
    let frame = &review.frames()[seq as usize];
    let shown = review.shown().expect("shown");
    assert_eq!(shown.frame.seq, frame.seq);
    assert!((shown.frame.t_ms - frame.t_ms).abs() < 1.0, "{shown:?}");
    assert_eq!(shown.sample.seq, seq, "the values are the shown frame's");
    let cursor_s = review.plot_cursor_s().expect("the plot drew its cursor");
    assert!(
        (cursor_s - shown.frame.t_ms / 1000.0).abs() < 1e-9,
        "plot cursor at {cursor_s} s, frame at {} ms",
        shown.frame.t_ms
    );
    let text = review::frame_text(shown);
    harness.get_by_label(&text);
    // The skeleton and the CVA are drawn on this frame: its caption says so.
    harness.get_by_label(&plumbline::ui::video::caption(shown));
}

#[test]
fn a_recording_is_analyzed_once_then_paused_stepped_and_seeked_with_the_plot_cursor_on_the_frame() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = recording(
        &dir.path().join("review.mkv"),
        &[(UPRIGHT_STILL, 2), (SLUMP_STILL, 2)],
    );
    let frames_in_clip = (4 * CLIP_FPS) as usize;
    let mut harness = review_harness(clip.clone());
    wait_for(&mut harness, Duration::from_mins(5), "the analysis", |r| {
        matches!(r.progress(), Progress::Done | Progress::Failed(_))
    });
    let review = current(&harness);
    assert_eq!(review.progress(), Progress::Done);
    assert_eq!(
        review.frames().len(),
        frames_in_clip,
        "every frame analyzed"
    );
    let seqs: Vec<u64> = review.frames().iter().map(|f| f.seq).collect();
    assert_eq!(seqs, (0..frames_in_clip as u64).collect::<Vec<_>>());
    assert!(
        review
            .frames()
            .iter()
            .any(|f| f.sample.metrics.cva_deg.is_some()),
        "the model measured the man"
    );
    harness.get_by_label(&format!(
        "Analyzed once: {frames_in_clip} frames (the model does not run again while you review)"
    ));

    // Paused on the first frame, with its values beside it.
    assert!(!review.is_playing());
    expect_shown(&mut harness, 0);
    harness.get_by_label("Craniovertebral angle (CVA)");

    // One frame forward, twice, and one back: the frame number moves by exactly one.
    for (button, seq) in [
        (review::NEXT_FRAME, 1),
        (review::NEXT_FRAME, 2),
        (review::PREVIOUS_FRAME, 1),
    ] {
        harness.get_by_label(button).click();
        expect_shown(&mut harness, seq);
        assert_eq!(current(&harness).cursor_frame().map(|f| f.seq), Some(seq));
    }

    // The arrow keys step too (after a button was clicked).
    harness.key_press(egui::Key::ArrowRight);
    expect_shown(&mut harness, 2);
    harness.key_press(egui::Key::ArrowLeft);
    expect_shown(&mut harness, 1);

    // A click on the plot at frame 12's time seeks there, back again at frame 3's.
    for seq in [12_u64, 3] {
        let t_s = current(&harness).frames()[seq as usize].t_ms / 1000.0;
        let pos = current(&harness)
            .plot_position(t_s)
            .expect("the plot is drawn");
        harness.hover_at(pos);
        for pressed in [true, false] {
            harness.event(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::default(),
            });
        }
        expect_shown(&mut harness, seq);
    }

    // Play at 0.5x runs on from the cursor; pause stops on a frame that is then shown.
    harness.get_by_label(&review::speed_text(0.5)).click();
    harness.get_by_label(review::PLAY).click();
    wait_for(&mut harness, Duration::from_secs(30), "playback", |r| {
        shown_seq(r).is_some_and(|seq| seq > 4)
    });
    if current(&harness).is_playing() {
        harness.get_by_label(review::PAUSE).click();
        harness.step();
    }
    assert!(!current(&harness).is_playing());
    let paused_at = current(&harness).cursor_frame().expect("cursor").seq;
    expect_shown(&mut harness, paused_at);

    // Seeking, stepping and playing never ran the model again, and opening the unchanged
    // file again reuses its analysis.
    harness.state_mut().reviews.request_open(clip);
    harness.step();
    let app = harness.state();
    assert_eq!(app.reviews.analyses_started(), 1);
    let review = current(&harness);
    assert_eq!(review.analyzed_frames(), frames_in_clip as u64);
    assert!(
        review.decoded_frames() >= 5,
        "frames were decoded for display"
    );
}

#[test]
fn a_missing_file_is_refused_with_a_message_and_its_path_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nothing-here.mp4");
    let mut harness = review_harness(missing.clone());
    harness.step();
    harness.step();
    let app = harness.state();
    assert!(app.reviews.current().is_none());
    assert_eq!(app.reviews.analyses_started(), 0);
    let message = app.reviews.message.clone().expect("a message");
    assert!(message.contains("nothing-here.mp4"), "{message}");
    harness.get_by_label(&message);
    // The form stays usable: the typed path is there to correct.
    assert_eq!(app.reviews.path_text, missing.display().to_string());
}

/// `plumbline --review CLIP` under Xvfb: the window opens on the review, runs its analysis and
/// closes cleanly; without `--source` it opens no camera and records no session.
#[test]
fn the_review_flag_opens_the_window_on_the_recording_without_a_live_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = recording(&dir.path().join("review.mkv"), &[(UPRIGHT_STILL, 1)]);
    let settings = dir.path().join("window.toml");
    std::fs::write(&settings, "red_flags_acknowledged = true\n").expect("settings file");
    let db = dir.path().join("s.sqlite");
    let xvfb = std::env::var("DISPLAY").is_err().then(super::start_xvfb);
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plumbline"));
    command
        .arg("--review")
        .arg(&clip)
        .args(["--exit-after-seconds", "4", "--window-settings"])
        .arg(&settings)
        .env("PLUMBLINE_DB", &db)
        .env("PLUMBLINE_LOG", "plumbline=info,warn")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("PLUMBLINE_NO_RECORD");
    if let Some(xvfb) = &xvfb {
        command.env("DISPLAY", &xvfb.display);
    }
    let output = command.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "window failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("camera"), "no camera was opened: {stderr}");
    assert!(
        stderr.contains("review: every frame analyzed (4 frames)"),
        "the review ran: {stderr}"
    );
    assert!(!db.exists(), "review mode records no session");
}

/// Repaints until the export form has no export running and says how the last one ended.
fn wait_for_export(harness: &mut Harness<'_, App>, what: &str) -> ExportOutcome {
    let start = Instant::now();
    loop {
        harness.step();
        let form = &harness.state().reviews.export;
        if form.running().is_none()
            && let Some(outcome) = form.outcome.clone()
        {
            harness.step();
            return outcome;
        }
        assert!(
            start.elapsed() < Duration::from_mins(3),
            "timed out waiting for {what}: {:?}",
            harness.state().reviews.export
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn partial_files(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .expect("readable dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .filter(|name| name.to_string_lossy().contains("partial"))
        .collect()
}

/// Review mode exports the annotated video as `plumbline annotate` writes it (the same loop,
/// drawn with the review's analysis; the same pictures as the command's):
/// faces blurred by default, the source's frame count and rate in H.264, mode 0600, no
/// partial file left; an existing file is not replaced without asking, and Cancel leaves it
/// as it was.
#[test]
fn review_mode_exports_the_annotated_video_with_faces_blurred_and_asks_before_replacing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = recording(&dir.path().join("visit.mkv"), &[(UPRIGHT_STILL, 2)]);
    let (source_frames, source_rate, _) = crate::records::annotate::read_back(&clip);
    assert_eq!(source_frames.len() as u32, 2 * CLIP_FPS);
    let mut harness = review_harness_with(
        clip.clone(),
        Settings {
            model: ModelChoice::Lite,
            ..Settings::default()
        },
    );
    wait_for(&mut harness, Duration::from_mins(3), "the analysis", |r| {
        matches!(r.progress(), Progress::Done | Progress::Failed(_))
    });

    // The destination is suggested beside the recording; faces are blurred unless asked.
    let canonical = std::fs::canonicalize(&clip).expect("the clip exists");
    let out = review::suggested_path(&canonical);
    let form = &harness.state().reviews.export;
    assert_eq!(form.path_text, out.display().to_string());
    assert!(!form.keep_faces, "faces are blurred by default");
    harness.get_by_label(review::KEEP_FACES);
    harness.get_by_label(review::EXPORT_CHOOSE);

    harness.get_by_label(review::EXPORT).click();
    harness.step();
    let running = harness.state().reviews.export.running();
    assert!(running.is_some(), "the export runs in the background");
    assert!(
        running.is_some_and(review::Export::reuses_analysis),
        "the review analyzed every frame: the model does not run again"
    );
    harness.get_by_label(review::CANCEL_EXPORT);
    let outcome = wait_for_export(&mut harness, "the export");
    let ExportOutcome::Written(text) = &outcome else {
        panic!("the export failed: {outcome:?}");
    };
    assert!(text.contains(&out.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("{} frames", source_frames.len())),
        "{text}"
    );
    assert!(text.contains("faces blurred in"), "{text}");
    harness.get_by_label(text);

    // The real decoder reads the source's frame count and rate back, in H.264.
    let (frames, rate, codec) = crate::records::annotate::read_back(&out);
    assert_eq!(frames.len(), source_frames.len(), "same frame count");
    assert_eq!(rate, source_rate, "same frame rate");
    assert_eq!(codec, "h264");
    // Drawn exactly as `plumbline annotate` draws it with the model run again.
    let by_command = dir.path().join("by-command.mp4");
    crate::records::annotate::annotate(&clip, &by_command, &[]);
    let (command_frames, _, _) = crate::records::annotate::read_back(&by_command);
    assert_eq!(
        crate::records::annotate::differing_frames(&command_frames, &frames),
        [],
        "the window's export and the command's differ: (frame, pixels, largest difference)"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(partial_files(dir.path()).is_empty());

    // Again to the same file: refused with a question; replacing it, then cancelling, keeps
    // the first export as it was and leaves nothing half-written.
    let written = std::fs::read(&out).expect("readable");
    harness.get_by_label(review::EXPORT).click();
    let outcome = wait_for_export(&mut harness, "the refusal");
    assert_eq!(outcome, ExportOutcome::Exists(out.clone()));
    harness.get_by_label(&outcome.text());
    harness.get_by_label(review::REPLACE).click();
    harness.step();
    assert!(harness.state().reviews.export.running().is_some());
    harness.step();
    harness.get_by_label(review::CANCEL_EXPORT).click();
    let outcome = wait_for_export(&mut harness, "the cancel");
    assert!(
        matches!(outcome, ExportOutcome::Cancelled(_)),
        "{outcome:?}"
    );
    harness.get_by_label(&outcome.text());
    assert_eq!(std::fs::read(&out).expect("readable"), written, "kept");
    assert!(partial_files(dir.path()).is_empty());
    assert_eq!(harness.state().reviews.export.started(), 3);

    // Drawing nothing gives only the anonymised footage: the face region lost its detail
    // (the check of `annotate`'s test, against the source's own frames).
    let plain = dir.path().join("plain.mp4");
    harness.state_mut().reviews.export.path_text = plain.display().to_string();
    harness.get_by_label(review::NO_OVERLAY).click();
    harness.step();
    assert!(harness.state().reviews.export.no_overlay);
    harness.get_by_label(review::EXPORT).click();
    let outcome = wait_for_export(&mut harness, "the plain export");
    assert!(matches!(outcome, ExportOutcome::Written(_)), "{outcome:?}");
    let (plain_frames, _, _) = crate::records::annotate::read_back(&plain);
    assert_eq!(plain_frames.len(), source_frames.len());
    assert_ne!(plain_frames[0], frames[0], "the default export is drawn on");
    crate::records::annotate::assert_face_blurred(
        &plain_frames,
        &source_frames,
        crate::records::annotate::face_rect(&source_frames[0]).expect("a face"),
    );

    // An unwritable destination is a clear message.
    harness.state_mut().reviews.export.path_text = dir
        .path()
        .join("no/such/folder/out.mp4")
        .display()
        .to_string();
    harness.step();
    harness.get_by_label(review::EXPORT).click();
    let outcome = wait_for_export(&mut harness, "the refusal of a missing folder");
    let ExportOutcome::Failed(text) = &outcome else {
        panic!("refused: {outcome:?}");
    };
    assert!(text.contains("does not exist"), "{text}");
}

/// One photo opened in the window is a still, as in `measure`: its view and CVA come from the
/// photo alone. Before, the window ran it as one frame of a video, whose view needs several
/// frames in a row: "view unknown" and no CVA.
#[test]
fn one_photo_is_reviewed_as_a_still_with_the_numbers_measure_gives() {
    let photo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/side_sit_upright_01.jpg");
    let dir = tempfile::tempdir().expect("temp dir");
    // The window `plumbline --source PHOTO` opens (`ui::run_window` moves the photo to
    // review mode): no live source.
    let setup = plumbline::ui::WindowSetup {
        settings: Settings {
            red_flags_acknowledged: true,
            ..Settings::default()
        },
        ..plumbline::ui::WindowSetup::default()
    };
    let options = plumbline::ui::WindowOptions {
        review: Some(photo.clone()),
        db: Some(dir.path().join("s.sqlite")),
        ..plumbline::ui::WindowOptions::default()
    };
    let app = plumbline::ui::review_app(setup, &options);
    let mut harness = crate::ui::window_harness_sized(app, [1280.0, 900.0]);
    // The status line says there is nothing live, not "Away" and "Opening the source…".
    harness.get_by_label(plumbline::ui::status::REVIEW_ONLY);
    wait_for(&mut harness, Duration::from_mins(2), "the analysis", |r| {
        matches!(r.progress(), Progress::Done | Progress::Failed(_))
    });
    let review = current(&harness);
    assert_eq!(review.progress(), Progress::Done);
    let [frame] = review.frames() else {
        panic!("one frame: {:?}", review.frames().len());
    };
    let sample = frame.sample.clone();
    assert!(sample.view.is_side(), "{:?}", sample.view);
    // Judged on its own as `measure` judges it (no baseline is learned from one photo), and
    // the three-way call is shown beside the state, as on the live status line: without a
    // baseline an upright photo is "uncertain — calibrate", not just "upright".
    assert_eq!(sample.call, Some(plumbline::posture::Call::Uncertain));
    assert_eq!(sample.baseline, plumbline::posture::BaselineStatus::None);
    wait_for(
        &mut harness,
        Duration::from_secs(30),
        "the photo shown",
        |r| shown_seq(r) == Some(0),
    );
    let (call, _) = plumbline::ui::status::sample_call_text(&sample, None).expect("a call");
    harness.get_by_label(&call);
    let cva = sample.metrics.cva_deg.expect("a CVA");
    let out = crate::plumbline(&["measure", "--json", crate::path_str(&photo)]);
    assert!(out.status.success(), "{}", crate::text(&out.stderr));
    let line: serde_json::Value =
        serde_json::from_str(crate::text(&out.stdout).trim()).expect("one JSON line");
    let measured = line["cva_deg"].as_f64().expect("measure gives a CVA");
    assert!(
        (cva - measured).abs() < 0.05,
        "review {cva:.2}°, measure {measured:.2}°"
    );
    let (sd, measured_sd) = (
        sample.cva_sd_deg.expect("a ±"),
        line["cva_sd_deg"].as_f64().expect("measure gives a ±"),
    );
    assert!((sd - measured_sd).abs() < 0.01, "± {sd} and {measured_sd}");
}
