//! Background mode: in the tray there is no window at all (`App::run_in_tray` steps the app
//! without an egui context), monitoring goes on, the tray's commands reach it (open, pause,
//! quit); a minimised window lays out, paints and uploads nothing.

use crossbeam_channel::{Receiver, Sender};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use plumbline::desktop::{
    Command, Companion, CompanionConfig, Desktop, DesktopError, DesktopLink, Notice, NoticeKind,
    PauseLength, TrayStatus,
};
use plumbline::pipeline::{Control, PauseReason, Update};
use plumbline::posture::PostureState;
use plumbline::ui::{App, Settings, Wake};

use super::frame_update;

/// A desktop with a tray and nothing else.
struct TrayOnly;

impl Desktop for TrayOnly {
    fn has_tray(&self) -> bool {
        true
    }
    fn set_tray(&mut self, _status: &TrayStatus) {}
    fn notify(&mut self, _notice: &Notice) -> Result<(), DesktopError> {
        Ok(())
    }
    fn withdraw(&mut self, _kind: NoticeKind) {}
    fn autostart(&self) -> bool {
        false
    }
    fn set_autostart(&mut self, _enabled: bool) -> Result<(), DesktopError> {
        Ok(())
    }
}

/// An app started with `--background` on a desktop with a tray, and its channels.
struct InTray {
    app: App,
    updates: Sender<Update>,
    controls: Receiver<Control>,
    commands: Sender<Command>,
    wake: Wake,
    woken: Receiver<()>,
}

fn background_app() -> InTray {
    let (update_tx, update_rx) = crossbeam_channel::bounded(64);
    let (control_tx, control_rx) = crossbeam_channel::bounded(64);
    let (command_tx, command_rx) = crossbeam_channel::bounded(plumbline::desktop::COMMAND_CAPACITY);
    let (wake, woken) = Wake::new();
    let settings = Settings {
        red_flags_acknowledged: true,
        ..Settings::default()
    };
    let link = DesktopLink::new(
        Companion::new(
            Box::new(TrayOnly),
            CompanionConfig::default(),
            &plumbline::posture::PostureConfig::default(),
        ),
        command_rx,
    );
    let app = App::new(update_rx, control_tx, settings)
        .with_wake(wake.clone())
        .with_desktop(link)
        .with_background(true);
    InTray {
        app,
        updates: update_tx,
        controls: control_rx,
        commands: command_tx,
        wake,
        woken,
    }
}

/// Frame `seq` of an upright sitter, two a second.
fn upright(seq: u64) -> Update {
    frame_update(seq, seq as f64 * 500.0, PostureState::Upright, 50.0)
}

/// Like `ui::window_harness`, but drawing through `App::draw`, which skips a hidden window.
fn window_harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(crate::ui::SETTLE_STEPS)
        .build_ui_state(
            |ui, app: &mut App| {
                app.logic_step(ui.ctx());
                app.draw(ui);
            },
            app,
        )
}

#[test]
fn in_the_tray_it_monitors_without_a_window_and_opens_from_the_tray() {
    let InTray {
        mut app,
        updates,
        controls,
        commands,
        wake,
        woken,
    } = background_app();
    assert!(app.starts_in_tray(), "--background with a tray up");
    // What the pipeline and the tray do from their threads: send, then wake.
    let feeder = std::thread::Builder::new()
        .name("feeder".into())
        .spawn(move || {
            for seq in 0..5 {
                std::thread::sleep(std::time::Duration::from_millis(20));
                updates.send(upright(seq)).unwrap();
                wake.wake();
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            commands.send(Command::OpenWindow).unwrap();
            wake.wake();
            (updates, commands)
        })
        .unwrap();
    assert!(
        app.run_in_tray(&woken),
        "the tray's Open asks for the window"
    );
    let (_updates, commands) = feeder.join().unwrap();
    assert_eq!(app.state.latest_seq(), Some(4), "monitored in the tray");
    assert_eq!(app.logic_steps(), 0, "no window step in the tray");
    assert_eq!(app.texture_uploads(), 0, "no texture without a window");
    assert!(!app.is_hidden());

    let mut harness = window_harness(app);
    harness.run();
    harness.get_by_label("Settings");
    assert_eq!(
        harness.state().texture_uploads(),
        1,
        "the newest frame, once shown"
    );

    commands
        .send(Command::Pause(PauseLength::Minutes(15)))
        .unwrap();
    harness.run();
    assert_eq!(
        controls.try_iter().collect::<Vec<_>>(),
        vec![Control::PauseSource(PauseReason::User)]
    );
}

#[test]
fn in_the_tray_commands_reach_the_pipeline_and_quit_ends_the_loop() {
    let InTray {
        mut app,
        controls,
        commands,
        wake,
        woken,
        ..
    } = background_app();
    commands
        .send(Command::Pause(PauseLength::UntilResumed))
        .unwrap();
    commands.send(Command::Quit).unwrap();
    wake.wake();
    assert!(!app.run_in_tray(&woken), "Quit from the tray ends it");
    assert_eq!(
        controls.try_iter().collect::<Vec<_>>(),
        vec![Control::PauseSource(PauseReason::User)]
    );
}

#[test]
fn the_tray_loop_waits_for_a_due_time_without_news() {
    // `--exit-after` is due with nobody waking the loop: it blocks until then, not longer.
    let InTray { app, woken, .. } = background_app();
    let mut app = app.with_exit_after(Some(std::time::Duration::from_millis(300)));
    let started = std::time::Instant::now();
    assert!(!app.run_in_tray(&woken));
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(300) && took < std::time::Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(app.logic_steps(), 0);
}

#[test]
fn a_minimised_window_lays_out_and_uploads_nothing() {
    let InTray { app, updates, .. } = background_app();
    let mut harness = window_harness(app);
    harness.run();
    harness.get_by_label("Settings");
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .minimized = Some(true);
    for seq in 0..3 {
        updates.send(upright(seq)).unwrap();
        harness.run();
    }
    assert_eq!(
        harness.state().state.latest_seq(),
        Some(2),
        "still monitoring"
    );
    assert_eq!(
        harness.state().texture_uploads(),
        0,
        "no texture while minimised"
    );
    assert!(
        harness.query_by_label("Settings").is_none(),
        "nothing laid out while minimised"
    );
}

#[test]
fn closing_the_window_with_a_tray_up_goes_to_the_tray() {
    let InTray { app, .. } = background_app();
    let mut harness = window_harness(app);
    harness.run();
    assert!(!harness.state().goes_to_tray());
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.step();
    assert!(
        harness.state().goes_to_tray(),
        "the window closes and monitoring goes on in the tray"
    );
}
