//! Desktop integration for the all-day desk companion: tray icon, desktop notifications,
//! screen-lock pause and autostart, behind the small [`Desktop`] trait.
//!
//! The pipeline knows nothing of this module. The consumer (window or headless monitor)
//! owns a [`Companion`], hands it every pipeline [`crate::pipeline::Update`], and applies what
//! it answers: pipeline [`crate::pipeline::Control`]s and, for the window, "show yourself" or
//! "quit". The policies are pure and tested on a scripted clock: [`notifier`] (one
//! notification per forward-head episode, one gentle reminder) and [`movement`] (stand up
//! after N minutes of presence).
//!
//! Backends: [`linux`] (D-Bus: StatusNotifierItem tray, freedesktop Notifications,
//! ScreenSaver/logind lock signals, XDG autostart). Another platform adds a module with a
//! type that implements [`Desktop`] and a line in [`connect`]; nothing else changes.
//! Without a backend (or without a session bus) [`NoDesktop`] answers that nothing is
//! available, and the window falls back to its own warning, urgency hint and mini window.

pub mod autostart;
mod companion;
pub mod icon;
mod link;
#[cfg(target_os = "linux")]
pub mod linux;
pub mod movement;
pub mod notifier;

use crossbeam_channel::Sender;

pub use companion::{Companion, CompanionConfig, Reaction};
pub use link::DesktopLink;

/// Reverse-DNS application id: desktop entry name, D-Bus names, notification app.
pub const APP_ID: &str = "plumbline";

/// Commands (tray clicks, notification actions, lock signals) that may wait for the consumer;
/// more are dropped rather than blocking the desktop's threads.
pub const COMMAND_CAPACITY: usize = 32;

/// What the desktop asks of plumbline: tray menu items, notification buttons, screen lock.
/// One enum, handled in one place ([`Companion::command`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Show the window (tray click, menu, the notification's "Open").
    OpenWindow,
    /// Pause monitoring and release the camera.
    Pause(PauseLength),
    /// End a pause now.
    Resume,
    /// Start a calibration (the user sits upright).
    Calibrate,
    /// Snooze the current warning (for the configuration's `snooze_s`).
    Snooze,
    /// Quit plumbline.
    Quit,
    /// The screen was locked.
    ScreenLocked,
    /// The screen was unlocked.
    ScreenUnlocked,
}

/// How long a pause from the tray lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseLength {
    /// This many minutes, then monitoring resumes by itself.
    Minutes(u32),
    /// Until the user resumes.
    UntilResumed,
}

impl PauseLength {
    /// The tray menu's choices, in order.
    pub const CHOICES: [Self; 4] = [
        Self::Minutes(15),
        Self::Minutes(30),
        Self::Minutes(60),
        Self::UntilResumed,
    ];

    /// Menu text.
    pub fn label(self) -> String {
        match self {
            Self::Minutes(minutes) => format!("for {minutes} min"),
            Self::UntilResumed => "until resumed".to_owned(),
        }
    }
}

/// The tray icon's state, one colour each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TrayState {
    /// Posture within limits (also calibrating).
    #[default]
    Upright,
    /// The forward-head condition holds, not yet for the onset delay.
    AtRisk,
    /// Forward head persisted.
    ForwardHead,
    /// Paused (user, screen lock, snooze, camera in use).
    Paused,
    /// No camera (lost, failed, not opened yet).
    NoCamera,
    /// Nobody in the picture (`no_person`, `away`): nothing is judged.
    Away,
}

impl TrayState {
    /// Every state.
    pub const ALL: [Self; 6] = [
        Self::Upright,
        Self::AtRisk,
        Self::ForwardHead,
        Self::Paused,
        Self::NoCamera,
        Self::Away,
    ];

    /// The words for the state (tooltip title).
    pub fn text(self) -> &'static str {
        match self {
            Self::Upright => "upright",
            Self::AtRisk => "at risk",
            Self::ForwardHead => "forward head",
            Self::Paused => "paused",
            Self::NoCamera => "no camera",
            Self::Away => "nobody in view",
        }
    }
}

/// What the tray shows: the icon's state, a tooltip, and whether "Resume" is offered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrayStatus {
    /// The icon's colour.
    pub state: TrayState,
    /// Tooltip title ("plumbline: upright").
    pub title: String,
    /// Tooltip body: the current CVA or index and today's forward-head minutes.
    pub body: String,
    /// Whether monitoring is paused by the user (the menu offers "Resume").
    pub paused: bool,
}

/// Which notification a [`Notice`] is; a new one of the same kind replaces the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// Forward head became persistent (first notice or the gentle reminder).
    ForwardHead,
    /// Time to stand up and move.
    Movement,
}

/// A button on a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeAction {
    /// "Snooze 15 min" (the configuration's `snooze_s`).
    Snooze,
    /// "Open" the window.
    Open,
}

impl NoticeAction {
    /// The key sent over the wire (freedesktop action key).
    pub fn key(self) -> &'static str {
        match self {
            Self::Snooze => "snooze",
            Self::Open => "open",
        }
    }

    /// The button text; the Snooze button names `snooze_minutes` ([`Notice::snooze_minutes`]).
    pub fn label(self, snooze_minutes: f64) -> String {
        match self {
            Self::Snooze => notifier::snooze_label(snooze_minutes),
            Self::Open => "Open".to_owned(),
        }
    }

    /// The command a click on the button means.
    pub fn command(self) -> Command {
        match self {
            Self::Snooze => Command::Snooze,
            Self::Open => Command::OpenWindow,
        }
    }

    /// The action for a wire key (`default` is a click on the notification itself).
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "snooze" => Some(Self::Snooze),
            "open" | "default" => Some(Self::Open),
            _ => None,
        }
    }
}

/// A desktop notification.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// Which notification (replaces an earlier one of the same kind).
    pub kind: NoticeKind,
    /// The one-line summary.
    pub summary: String,
    /// The text: what was measured and one concrete suggestion.
    pub body: String,
    /// The buttons.
    pub actions: Vec<NoticeAction>,
    /// Length of the snooze its Snooze button asks for, minutes (the configuration's
    /// `snooze_s`; unused without that button).
    pub snooze_minutes: f64,
}

/// Why a desktop service could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// No session bus (no desktop session, or a headless machine).
    #[error("no D-Bus session bus ({0}); desktop notifications and the tray are off")]
    NoSessionBus(String),
    /// Nobody serves `org.freedesktop.Notifications`.
    #[error("no notification server on the session bus ({0}); warnings stay in the window")]
    NoNotificationServer(String),
    /// No StatusNotifierItem host (no tray area in this desktop).
    #[error("no tray (StatusNotifierWatcher) on the session bus ({0})")]
    NoTray(String),
    /// The autostart file could not be written or removed.
    #[error("cannot change autostart ({source}): {}", path.display())]
    Autostart {
        /// The autostart file.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// This platform has no such service in plumbline yet.
    #[error("{0} is not available on this platform")]
    Unsupported(&'static str),
}

/// The desktop services plumbline uses, one implementation per platform.
pub trait Desktop: Send {
    /// Whether a tray icon is shown (closing the window may then keep monitoring).
    fn has_tray(&self) -> bool;

    /// Shows `status` in the tray (no-op without a tray).
    fn set_tray(&mut self, status: &TrayStatus);

    /// Shows `notice`, replacing an earlier one of the same kind. An error means the user
    /// did not see it: the caller falls back to the window.
    fn notify(&mut self, notice: &Notice) -> Result<(), DesktopError>;

    /// Closes the notification of `kind`, if one is up (the episode ended).
    fn withdraw(&mut self, kind: NoticeKind);

    /// Whether plumbline starts at login.
    fn autostart(&self) -> bool;

    /// Starts plumbline at login (`--background`) or stops doing so.
    fn set_autostart(&mut self, enabled: bool) -> Result<(), DesktopError>;
}

/// Nothing available: no tray, no notifications, no lock signals.
#[derive(Debug, Default)]
pub struct NoDesktop;

impl Desktop for NoDesktop {
    fn has_tray(&self) -> bool {
        false
    }

    fn set_tray(&mut self, _status: &TrayStatus) {}

    fn notify(&mut self, _notice: &Notice) -> Result<(), DesktopError> {
        Err(DesktopError::Unsupported("desktop notifications"))
    }

    fn withdraw(&mut self, _kind: NoticeKind) {}

    fn autostart(&self) -> bool {
        false
    }

    fn set_autostart(&mut self, _enabled: bool) -> Result<(), DesktopError> {
        Err(DesktopError::Unsupported("autostart"))
    }
}

/// Connects to this platform's desktop services. Commands (menu, notification buttons,
/// screen lock) are sent to `commands`, and `wake` is called after each (the window passes
/// `ctx.request_repaint`). Never fails: what is missing is logged once and left out.
pub fn connect(commands: Sender<Command>, wake: Box<dyn Fn() + Send + Sync>) -> Box<dyn Desktop> {
    #[cfg(target_os = "linux")]
    {
        match linux::LinuxDesktop::connect(commands, wake) {
            Ok(desktop) => Box::new(desktop),
            Err(err) => {
                tracing::warn!("{err}");
                Box::new(NoDesktop)
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (commands, wake);
        tracing::info!("no desktop integration on this platform yet");
        Box::new(NoDesktop)
    }
}
