//! A stand-in desktop for `scripts/bench-monitor`: on the session bus it serves a
//! StatusNotifierWatcher (so `plumbline --background` finds a tray and stays hidden in it)
//! and a freedesktop notification server that prints each notification's summary. It runs
//! until killed. The test suite has its own copy with assertions (`tests/it/desktop.rs`).
//!
//! `dbus-run-session -- sh -c 'cargo run --release --example desktop_host & plumbline --background ...'`

#![allow(
    clippy::unused_self,
    clippy::used_underscore_binding,
    clippy::needless_pass_by_value,
    reason = "the served D-Bus methods have the signatures their interfaces define"
)]

use std::collections::HashMap;

#[path = "../tests/support/tray_watcher.rs"]
mod tray_watcher;
use tray_watcher::Watcher;

use zbus::zvariant::OwnedValue;

/// A notification server that prints what it is asked to show.
struct Notifications {
    next_id: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next_id += 1;
        println!("notification {}: {summary}", self.next_id);
        self.next_id
    }

    fn close_notification(&mut self, _id: u32) {}

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "desktop_host".into(),
            "plumbline".into(),
            "1".into(),
            "1.2".into(),
        )
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _connection = zbus::blocking::connection::Builder::session()?
        .serve_at("/StatusNotifierWatcher", Watcher::default())?
        .name("org.kde.StatusNotifierWatcher")?
        .serve_at(
            "/org/freedesktop/Notifications",
            Notifications { next_id: 0 },
        )?
        .name("org.freedesktop.Notifications")?
        .build()?;
    eprintln!("desktop_host: serving a tray watcher and notifications");
    loop {
        std::thread::park();
    }
}
