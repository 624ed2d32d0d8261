//! The Linux desktop over D-Bus (pure Rust `zbus`, no libdbus, no GTK):
//!
//! - [`tray`]: a StatusNotifierItem with a dbusmenu (`ksni`), shown by KDE, Xfce, LXQt,
//!   Cinnamon, MATE, and GNOME with the AppIndicator extension;
//! - [`notify`]: freedesktop Notifications with actions;
//! - [`lock`]: screen lock from `org.freedesktop.ScreenSaver` / `org.gnome.ScreenSaver`
//!   `ActiveChanged` on the session bus, and logind's `Lock`/`Unlock` of our session on the
//!   system bus;
//! - autostart: the XDG autostart file ([`super::autostart`]).
//!
//! Threads: zbus runs one executor thread per connection (session, and system for logind),
//! ksni one for the tray, and [`lock`]/[`notify`] one listener thread each, all blocked in
//! reads: no polling, no timers.

pub mod lock;
pub mod notify;
pub mod tray;

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::Sender;

use super::{Command, Desktop, DesktopError, Notice, NoticeKind, TrayStatus, autostart};

/// Calls the waker after a command was queued (the window repaints and reads it).
pub(crate) type Wake = Arc<dyn Fn() + Send + Sync>;

/// Sends `command` and wakes the consumer; false when the consumer is gone.
pub(crate) fn deliver(commands: &Sender<Command>, wake: &Wake, command: Command) -> bool {
    let sent = commands.send(command).is_ok();
    wake();
    sent
}

/// The Linux backend.
pub struct LinuxDesktop {
    notifications: notify::Notifier,
    tray: Option<tray::TrayIcon>,
    autostart_dir: Option<PathBuf>,
}

impl std::fmt::Debug for LinuxDesktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinuxDesktop")
            .field("tray", &self.tray.is_some())
            .field("autostart_dir", &self.autostart_dir)
            .finish_non_exhaustive()
    }
}

impl LinuxDesktop {
    /// Connects to the session bus; the tray and the lock watch are set up if the desktop
    /// offers them (each missing one is logged once). Fails only without a session bus.
    pub fn connect(
        commands: Sender<Command>,
        wake: Box<dyn Fn() + Send + Sync>,
    ) -> Result<Self, DesktopError> {
        let wake: Wake = Arc::from(wake);
        let session = zbus::blocking::Connection::session()
            .map_err(|err| DesktopError::NoSessionBus(err.to_string()))?;
        let notifications = notify::Notifier::start(&session, commands.clone(), wake.clone());
        lock::watch(&session, commands.clone(), wake.clone());
        let tray = match tray::TrayIcon::spawn(commands, wake) {
            Ok(tray) => Some(tray),
            Err(err) => {
                tracing::warn!("{err}; closing the window quits plumbline");
                None
            }
        };
        Ok(Self {
            notifications,
            tray,
            autostart_dir: autostart::autostart_dir(),
        })
    }
}

impl Desktop for LinuxDesktop {
    fn has_tray(&self) -> bool {
        self.tray.as_ref().is_some_and(tray::TrayIcon::is_up)
    }

    fn set_tray(&mut self, status: &TrayStatus) {
        if let Some(tray) = &self.tray {
            tray.set(status);
        }
    }

    fn notify(&mut self, notice: &Notice) -> Result<(), DesktopError> {
        self.notifications.show(notice)
    }

    fn withdraw(&mut self, kind: NoticeKind) {
        self.notifications.close(kind);
    }

    fn autostart(&self) -> bool {
        self.autostart_dir
            .as_deref()
            .is_some_and(autostart::is_enabled)
    }

    fn set_autostart(&mut self, enabled: bool) -> Result<(), DesktopError> {
        let dir = self
            .autostart_dir
            .as_deref()
            .ok_or_else(|| DesktopError::Autostart {
                path: PathBuf::from("$XDG_CONFIG_HOME/autostart"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "neither XDG_CONFIG_HOME nor HOME is set",
                ),
            })?;
        let exe = std::env::current_exe().map_err(|source| DesktopError::Autostart {
            path: dir.join(autostart::FILE_NAME),
            source,
        })?;
        let path = autostart::set(dir, enabled, &exe)?;
        tracing::info!(
            "autostart {}: {}",
            if enabled { "on" } else { "off" },
            path.display()
        );
        Ok(())
    }
}
