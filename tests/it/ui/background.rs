//! Background mode in the window: hidden in the tray it keeps monitoring but lays out,
//! paints and uploads nothing; the tray's commands reach it (open, pause).

use crossbeam_channel::{Receiver, Sender};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use plumbline::desktop::{
    Command, Companion, CompanionConfig, Desktop, DesktopError, DesktopLink, Notice, NoticeKind,
    PauseLength, TrayStatus,
};
use plumbline::pipeline::{Control, PauseReason, Update};
use plumbline::posture::PostureState;
use plumbline::ui::{App, Settings};

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

fn background_harness() -> (
    Harness<'static, App>,
    Sender<Update>,
    Receiver<Control>,
    Sender<Command>,
) {
    let (update_tx, update_rx) = crossbeam_channel::bounded(64);
    let (control_tx, control_rx) = crossbeam_channel::bounded(64);
    let (command_tx, command_rx) = crossbeam_channel::bounded(plumbline::desktop::COMMAND_CAPACITY);
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
        .with_desktop(link)
        .with_background(true);
    let harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut App| {
                app.logic_step(ui.ctx());
                app.draw(ui);
            },
            app,
        );
    (harness, update_tx, control_rx, command_tx)
}

#[test]
fn hidden_in_the_tray_it_monitors_without_uploading_and_opens_from_the_tray() {
    let (mut harness, updates, controls, commands) = background_harness();
    harness.run();
    assert!(
        harness.state().is_hidden(),
        "--background starts in the tray"
    );
    for seq in 0..5 {
        updates
            .send(frame_update(
                seq,
                seq as f64 * 500.0,
                PostureState::Upright,
                50.0,
            ))
            .unwrap();
        harness.run();
    }
    assert_eq!(
        harness.state().state.latest_seq(),
        Some(4),
        "still monitoring"
    );
    assert_eq!(
        harness.state().texture_uploads(),
        0,
        "no texture while hidden"
    );
    assert!(
        harness.query_by_label("Settings").is_none(),
        "nothing laid out while hidden"
    );

    commands.send(Command::OpenWindow).unwrap();
    harness.run();
    assert!(!harness.state().is_hidden());
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
