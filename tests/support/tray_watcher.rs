//! A StatusNotifierWatcher for a private session bus: the tray host's registry, which
//! accepts and records every item. Shared by the desktop tests (`tests/it/desktop.rs`) and the
//! stand-in desktop of `scripts/bench-monitor` (`examples/desktop_host.rs`) through `#[path]`.

#![allow(
    clippy::unwrap_used,
    reason = "a poisoned lock in a test server is the test's failure"
)]
#![allow(
    clippy::unused_self,
    clippy::needless_pass_by_value,
    reason = "the served D-Bus methods have the signatures their interfaces define"
)]

use std::sync::{Arc, Mutex};

/// A StatusNotifierWatcher (the tray host's registry) that records registrations.
#[derive(Default)]
pub struct Watcher {
    /// The registered items (bus names).
    pub items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(
        &mut self,
        service: String,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let name = if service.starts_with('/') {
            header.sender().map(ToString::to_string).unwrap_or_default()
        } else {
            service
        };
        self.items.lock().unwrap().push(name);
    }

    fn register_status_notifier_host(&mut self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().clone()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}
