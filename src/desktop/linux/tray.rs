//! The tray icon: a StatusNotifierItem with a dbusmenu, served by `ksni` on its own thread.
//! The icon is drawn in code ([`crate::desktop::icon`]) in the colour of the state; menu
//! items and a click send [`Command`]s.

use crossbeam_channel::Sender;
use ksni::blocking::TrayMethods as _;
use ksni::menu::{MenuItem, StandardItem, SubMenu};

use super::{Wake, deliver};
use crate::desktop::{APP_ID, Command, DesktopError, PauseLength, TrayState, TrayStatus, icon};

/// Pixel sizes of the icon offered to the tray host (it picks the closest).
const ICON_SIZES: [u32; 3] = [16, 24, 32];

/// Menu labels, in order (also what tests click on).
pub mod labels {
    /// Shows the window.
    pub const OPEN: &str = "Open plumbline";
    /// The pause submenu.
    pub const PAUSE: &str = "Pause";
    /// Ends a pause.
    pub const RESUME: &str = "Resume";
    /// Starts a calibration.
    pub const CALIBRATE: &str = "Calibrate…";
    /// Snoozes the current warning.
    pub const SNOOZE: &str = "Snooze the warning";
    /// Quits.
    pub const QUIT: &str = "Quit";
}

/// The ksni tray model.
struct Model {
    status: TrayStatus,
    commands: Sender<Command>,
    wake: Wake,
}

impl Model {
    fn item(label: &str, command: Command) -> MenuItem<Self> {
        StandardItem {
            label: label.to_owned(),
            activate: Box::new(move |model: &mut Self| model.send(command)),
            ..StandardItem::default()
        }
        .into()
    }

    fn send(&self, command: Command) {
        deliver(&self.commands, &self.wake, command);
    }
}

impl ksni::Tray for Model {
    fn id(&self) -> String {
        APP_ID.to_owned()
    }

    fn title(&self) -> String {
        self.status.title.clone()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn status(&self) -> ksni::Status {
        match self.status.state {
            TrayState::ForwardHead => ksni::Status::NeedsAttention,
            _ => ksni::Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        pixmaps(self.status.state)
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        pixmaps(self.status.state)
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: self.status.title.clone(),
            description: self.status.body.clone(),
            icon_name: String::new(),
            icon_pixmap: Vec::new(),
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        self.send(Command::OpenWindow);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let pause: Vec<MenuItem<Self>> = PauseLength::CHOICES
            .iter()
            .map(|length| Self::item(&length.label(), Command::Pause(*length)))
            .collect();
        let pause_or_resume = if self.status.paused {
            Self::item(labels::RESUME, Command::Resume)
        } else {
            SubMenu {
                label: labels::PAUSE.to_owned(),
                submenu: pause,
                ..SubMenu::default()
            }
            .into()
        };
        vec![
            Self::item(labels::OPEN, Command::OpenWindow),
            MenuItem::Separator,
            pause_or_resume,
            Self::item(labels::CALIBRATE, Command::Calibrate),
            Self::item(labels::SNOOZE, Command::Snooze),
            MenuItem::Separator,
            Self::item(labels::QUIT, Command::Quit),
        ]
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::warn!("the tray host went away ({reason:?}); plumbline keeps running");
        true
    }
}

fn pixmaps(state: TrayState) -> Vec<ksni::Icon> {
    ICON_SIZES
        .iter()
        .map(|&size| ksni::Icon {
            width: size as i32,
            height: size as i32,
            data: icon::argb(state, size),
        })
        .collect()
}

/// A running tray icon.
pub struct TrayIcon {
    handle: ksni::blocking::Handle<Model>,
}

impl TrayIcon {
    /// Registers the icon with the desktop's StatusNotifierWatcher.
    pub fn spawn(commands: Sender<Command>, wake: Wake) -> Result<Self, DesktopError> {
        let model = Model {
            status: TrayStatus::default(),
            commands,
            wake,
        };
        let handle = model
            .spawn()
            .map_err(|err| DesktopError::NoTray(err.to_string()))?;
        Ok(Self { handle })
    }

    /// Whether the tray service still runs.
    pub fn is_up(&self) -> bool {
        !self.handle.is_closed()
    }

    /// Shows `status`.
    pub fn set(&self, status: &TrayStatus) {
        let status = status.clone();
        self.handle.update(move |model| model.status = status);
    }
}

impl Drop for TrayIcon {
    fn drop(&mut self) {
        self.handle.shutdown().wait();
    }
}
