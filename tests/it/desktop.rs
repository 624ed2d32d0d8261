//! The desktop integration end to end over a PRIVATE D-Bus session bus: the test starts its
//! own `dbus-daemon` (a config without service activation, so nothing else can answer),
//! serves a freedesktop notification server, a StatusNotifierWatcher and a ScreenSaver
//! stand-in itself (zbus), and drives the real `plumbline` binary through them: the tray
//! registers and shows the state, one notification arrives with its text and actions, a
//! screen lock closes the source (the recording standing in for the camera is no longer
//! open in the process) and unlocking opens it again, the notification's Snooze and the
//! tray menu's Quit work.
//!
//! A private bus daemon rather than `dbus-run-session` around `cargo test`: the test stays
//! self-contained (plain `cargo test` runs it), and it cannot touch a developer's desktop.

#![allow(
    clippy::unwrap_used,
    reason = "test scaffolding (bus, servers): a failure there is the test's failure, as in #[test] bodies"
)]
#![allow(
    clippy::unused_self,
    clippy::used_underscore_binding,
    clippy::needless_pass_by_value,
    reason = "the served D-Bus methods have the signatures their interfaces define"
)]

#[path = "../support/tray_watcher.rs"]
mod tray_watcher;
use tray_watcher::Watcher;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::zvariant::{OwnedValue, Value};

use crate::clips::{SLUMP_STILL, recording};

/// A dbusmenu layout node: id, properties, children.
type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// A tray tooltip: icon name, icon pixmaps (width, height, ARGB bytes), title, text.
type ToolTip = (String, Vec<(i32, i32, Vec<u8>)>, String, String);

/// A `dbus-daemon` of our own, stopped on drop.
struct Bus {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bus {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().display()
            ),
        )
        .unwrap();
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed (scripts/setup installs dbus)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().to_owned();
        assert!(address.starts_with("unix:"), "{address}");
        Self {
            child,
            address,
            _dir: dir,
        }
    }

    fn connect(&self) -> Connection {
        zbus::blocking::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .unwrap()
    }
}

/// One notification as the server received it.
#[derive(Clone, Debug)]
struct Notified {
    id: u32,
    app: String,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// A notification server that records what it is sent.
#[derive(Default)]
struct NotificationServer {
    seen: Arc<Mutex<Vec<Notified>>>,
    closed: Arc<Mutex<Vec<u32>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut seen = self.seen.lock().unwrap();
        let id = if replaces_id > 0 {
            replaces_id
        } else {
            seen.len() as u32 + 1
        };
        seen.push(Notified {
            id,
            app: app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn close_notification(&mut self, id: u32) {
        self.closed.lock().unwrap().push(id);
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test".into(), "plumbline".into(), "1".into(), "1.2".into())
    }
}

/// The desktop side of the test: the servers on the private bus.
struct Desktop {
    bus: Bus,
    /// Keeps the served objects alive.
    _served: Connection,
    /// Emits the screen saver's and the notification server's signals.
    signals: Connection,
    notifications: Arc<Mutex<Vec<Notified>>>,
    closed: Arc<Mutex<Vec<u32>>>,
    tray_items: Arc<Mutex<Vec<String>>>,
}

impl Desktop {
    fn start(with_servers: bool) -> Self {
        let bus = Bus::start();
        let server = NotificationServer::default();
        let watcher = Watcher::default();
        let (notifications, closed, tray_items) = (
            server.seen.clone(),
            server.closed.clone(),
            watcher.items.clone(),
        );
        let mut builder = zbus::blocking::connection::Builder::address(bus.address.as_str())
            .unwrap()
            .name("org.freedesktop.ScreenSaver")
            .unwrap();
        if with_servers {
            builder = builder
                .serve_at("/org/freedesktop/Notifications", server)
                .unwrap()
                .name("org.freedesktop.Notifications")
                .unwrap()
                .serve_at("/StatusNotifierWatcher", watcher)
                .unwrap()
                .name("org.kde.StatusNotifierWatcher")
                .unwrap();
        }
        let served = builder.build().unwrap();
        let signals = bus.connect();
        Self {
            bus,
            _served: served,
            signals,
            notifications,
            closed,
            tray_items,
        }
    }

    fn set_locked(&self, locked: bool) {
        self.signals
            .emit_signal(
                None::<&str>,
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver",
                "ActiveChanged",
                &(locked,),
            )
            .unwrap();
    }

    fn click_notification_action(&self, id: u32, key: &str) {
        self.signals
            .emit_signal(
                None::<&str>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(id, key),
            )
            .unwrap();
    }

    /// A property of the registered tray item.
    fn tray_property(&self, item: &str, name: &str) -> OwnedValue {
        let reply = self
            .signals
            .call_method(
                Some(item),
                "/StatusNotifierItem",
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.kde.StatusNotifierItem", name),
            )
            .unwrap();
        reply.body().deserialize().unwrap()
    }

    /// Clicks the tray menu item labelled `label`.
    fn click_menu(&self, item: &str, label: &str) {
        let menu_path: zbus::zvariant::OwnedObjectPath = self
            .tray_property(item, "Menu")
            .try_into()
            .expect("Menu is an object path");
        let reply = self
            .signals
            .call_method(
                Some(item),
                menu_path.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0_i32, -1_i32, Vec::<String>::new()),
            )
            .unwrap();
        let (_revision, (_root, _props, children)): (u32, Layout) =
            reply.body().deserialize().unwrap();
        let id = children
            .iter()
            .find_map(|child| find_menu_item(child, label))
            .unwrap_or_else(|| panic!("no menu item {label:?} in {children:?}"));
        self.signals
            .call_method(
                Some(item),
                menu_path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", Value::from(0_i32), 0_u32),
            )
            .unwrap();
    }
}

/// The id of the dbusmenu item labelled `label` in a `(ia{sv}av)` layout.
fn find_menu_item(value: &Value<'_>, label: &str) -> Option<i32> {
    let value = match value {
        Value::Value(inner) => inner.as_ref(),
        other => other,
    };
    let Value::Structure(structure) = value else {
        return None;
    };
    let fields = structure.fields();
    let Some(Value::I32(id)) = fields.first() else {
        return None;
    };
    if let Some(Value::Dict(props)) = fields.get(1) {
        for (key, prop) in props.iter() {
            let prop = match prop {
                Value::Value(inner) => inner.as_ref(),
                other => other,
            };
            if matches!(key, Value::Str(k) if k.as_str() == "label")
                && matches!(prop, Value::Str(text) if text.as_str() == label)
            {
                return Some(*id);
            }
        }
    }
    if let Some(Value::Array(children)) = fields.get(2) {
        return children
            .iter()
            .find_map(|child| find_menu_item(child, label));
    }
    None
}

/// Polls `check` every 50 ms for up to `within`.
fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what}: not within {within:?}");
}

/// Whether process `pid` holds `path` open.
fn holds_open(pid: u32, path: &Path) -> bool {
    let wanted = std::fs::canonicalize(path).unwrap();
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| std::fs::read_link(entry.path()).ok())
            .any(|target| target == wanted)
    })
}

/// The monitor with `--desktop` on the private bus; stdout lines arrive on the channel.
struct Monitor {
    child: Child,
    lines: crossbeam_channel::Receiver<String>,
    stderr: PathBuf,
    _home: tempfile::TempDir,
}

impl Monitor {
    fn start(bus: &Bus, clip: &Path, extra: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_plumbline"));
        command
            .args(["monitor", "--headless", "--json", "--desktop", "--source"])
            .arg(clip)
            .args(extra);
        Self::spawn(bus, command)
    }

    /// Runs `command` (the plumbline binary with its arguments) on the private bus.
    fn spawn(bus: &Bus, mut command: Command) -> Self {
        let home = tempfile::tempdir().unwrap();
        let stderr = home.path().join("stderr.txt");
        let mut child = command
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            // logind is asked on the "system bus": here the same private bus, without logind.
            .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("PLUMBLINE_NO_RECORD", "1")
            .env("PLUMBLINE_LOG", "plumbline=info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("the plumbline binary runs");
        let (tx, lines) = crossbeam_channel::bounded(4096);
        let stdout = child.stdout.take().unwrap();
        std::thread::Builder::new()
            .name("monitor-stdout".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            })
            .unwrap();
        Self {
            child,
            lines,
            stderr,
            _home: home,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits for a JSON line whose `event` is `event`.
    fn wait_event(&self, event: &str, within: Duration) -> serde_json::Value {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            if value["event"] == event {
                return value;
            }
        }
        panic!(
            "no {event} event within {within:?}; stderr:\n{}",
            self.stderr()
        );
    }

    /// Waits for the process to end; its exit status.
    fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("did not exit within {within:?}; stderr:\n{}", self.stderr());
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tray_notification_lock_and_menu_over_a_private_session_bus() {
    let desktop = Desktop::start(true);
    let dir = tempfile::tempdir().unwrap();
    // A long slump: the recording stands in for a camera and restarts when reopened.
    let clip = recording(&dir.path().join("camera.mkv"), &[(SLUMP_STILL, 60)]);
    let mut monitor = Monitor::start(&desktop.bus, &clip, &["--onset-delay", "2"]);

    // The tray registers with the watcher and shows plumbline's icon and tooltip.
    eventually(Duration::from_secs(30), "tray registration", || {
        !desktop.tray_items.lock().unwrap().is_empty()
    });
    let item = desktop.tray_items.lock().unwrap()[0].clone();
    let id: String = desktop.tray_property(&item, "Id").try_into().unwrap();
    assert_eq!(id, "plumbline");

    // Forward head persists: exactly one notification, with the angle, a suggestion and
    // the two actions.
    monitor.wait_event("alert", Duration::from_secs(30));
    eventually(Duration::from_secs(5), "the notification", || {
        !desktop.notifications.lock().unwrap().is_empty()
    });
    let notified = desktop.notifications.lock().unwrap().clone();
    assert_eq!(notified.len(), 1, "{notified:?}");
    let notice = &notified[0];
    assert_eq!(notice.app, "plumbline");
    assert_eq!(notice.summary, "Forward head posture");
    assert!(notice.body.contains("CVA"), "{}", notice.body);
    assert!(notice.body.contains("sit back"), "{}", notice.body);
    for wanted in ["snooze", "Snooze 15 min", "open", "Open"] {
        assert!(
            notice.actions.iter().any(|a| a == wanted),
            "{:?}",
            notice.actions
        );
    }
    // The tray shows forward head: red icon, state and today's line (report::today) in the
    // tooltip.
    eventually(Duration::from_secs(10), "tray in forward head", || {
        let tooltip: ToolTip = desktop.tray_property(&item, "ToolTip").try_into().unwrap();
        tooltip.2.contains("forward head")
            && tooltip.3.contains("Today: forward head")
            && tooltip.3.contains("monitored")
    });
    let pixmaps: Vec<(i32, i32, Vec<u8>)> = desktop
        .tray_property(&item, "IconPixmap")
        .try_into()
        .unwrap();
    let (w, _, data) = &pixmaps[0];
    let at = |x: i32, y: i32| &data[((y * w + x) * 4) as usize..][..4];
    assert_eq!(
        at(1, w / 2),
        [255, 229, 57, 53],
        "ARGB of the forward-head red"
    );

    // The notification's "Snooze 15 min" snoozes.
    desktop.click_notification_action(notice.id, "snooze");
    let snoozed = monitor.wait_event("snoozed", Duration::from_secs(10));
    let minutes = (snoozed["until_ms"].as_f64().unwrap_or_default() / 1000.0
        - snoozed["t_s"].as_f64().unwrap_or_default())
        / 60.0;
    assert!((minutes - 15.0).abs() < 0.1, "{snoozed}");
    // Snoozing withdrew the notification.
    eventually(Duration::from_secs(5), "notification closed", || {
        desktop.closed.lock().unwrap().contains(&notice.id)
    });

    // Locking the screen closes the source (a camera's light goes off); unlocking opens it.
    let pid = monitor.child.id();
    assert!(holds_open(pid, &clip));
    desktop.set_locked(true);
    eventually(Duration::from_secs(5), "source closed while locked", || {
        !holds_open(pid, &clip)
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(!holds_open(pid, &clip), "stays closed while locked");
    desktop.set_locked(false);
    eventually(
        Duration::from_secs(5),
        "source reopened after unlock",
        || holds_open(pid, &clip),
    );

    // The tray menu's Quit ends the monitor normally.
    desktop.click_menu(&item, "Quit");
    let status = monitor.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "{status:?}\n{}", monitor.stderr());
    let stderr = monitor.stderr();
    assert!(stderr.contains("paused: screen locked"), "{stderr}");
    assert_eq!(
        desktop.notifications.lock().unwrap().len(),
        1,
        "one notification per episode"
    );
}

#[test]
fn without_notification_server_or_tray_the_log_says_why() {
    let desktop = Desktop::start(false);
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("slump.mkv"), &[(SLUMP_STILL, 6)]);
    let mut monitor = Monitor::start(&desktop.bus, &clip, &["--onset-delay", "1", "--fast"]);
    monitor.wait_event("alert", Duration::from_mins(1));
    assert!(monitor.wait_exit(Duration::from_mins(1)).success());
    let stderr = monitor.stderr();
    assert!(stderr.contains("no notification server"), "{stderr}");
    assert!(stderr.contains("no tray"), "{stderr}");
}

#[test]
fn the_configuration_file_reaches_the_companion() {
    // The `[desktop]` table and the judge's snooze length, in the one configuration file: the
    // notification offers the configured snooze and its button snoozes that long, and with
    // `pause_on_lock = false` a screen lock leaves the source open.
    let desktop = Desktop::start(true);
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("camera.mkv"), &[(SLUMP_STILL, 30)]);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "snooze_s = 120.0\n[desktop]\npause_on_lock = false\nreminder_minutes = 0.0\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let monitor = Monitor::start(
        &desktop.bus,
        &clip,
        &["--onset-delay", "2", "--config", config],
    );
    monitor.wait_event("alert", Duration::from_secs(30));
    eventually(Duration::from_secs(5), "the notification", || {
        !desktop.notifications.lock().unwrap().is_empty()
    });
    let notice = desktop.notifications.lock().unwrap()[0].clone();
    assert!(
        notice.actions.iter().any(|a| a == "Snooze 2 min"),
        "{:?}",
        notice.actions
    );
    desktop.click_notification_action(notice.id, "snooze");
    let snoozed = monitor.wait_event("snoozed", Duration::from_secs(10));
    let minutes = (snoozed["until_ms"].as_f64().unwrap_or_default() / 1000.0
        - snoozed["t_s"].as_f64().unwrap_or_default())
        / 60.0;
    assert!((minutes - 2.0).abs() < 0.1, "{snoozed}");

    let pid = monitor.child.id();
    assert!(holds_open(pid, &clip));
    desktop.set_locked(true);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        holds_open(pid, &clip),
        "pause_on_lock = false keeps the source open; stderr:\n{}",
        monitor.stderr()
    );
}

/// The viewable top-level windows titled "plumbline" on the X server at `display`.
fn plumbline_windows(display: &str) -> Vec<u32> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, MapState};
    let (conn, screen) = x11rb::connect(Some(display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let tree = conn.query_tree(root).unwrap().reply().unwrap();
    tree.children
        .into_iter()
        .filter(|&window| {
            let viewable = conn
                .get_window_attributes(window)
                .unwrap()
                .reply()
                .is_ok_and(|attributes| attributes.map_state == MapState::VIEWABLE);
            let name = conn
                .get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 64)
                .unwrap()
                .reply()
                .map(|property| property.value)
                .unwrap_or_default();
            viewable && name == plumbline::ui::WINDOW_TITLE.as_bytes()
        })
        .collect()
}

/// Asks `window` to close as a window manager's close button does (`WM_DELETE_WINDOW`).
fn close_window(display: &str, window: u32) {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};
    let (conn, _) = x11rb::connect(Some(display)).unwrap();
    let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
    let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
    let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
    conn.send_event(false, window, EventMask::NO_EVENT, event)
        .unwrap();
    conn.flush().unwrap();
}

/// Sends `window` a client message of a type nobody handles: any later X event, as a
/// desktop sends all the time (pointer, focus, clock), for its client's event loop.
fn nudge_window(display: &str, window: u32) {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};
    let (conn, _) = x11rb::connect(Some(display)).unwrap();
    let nudge = conn
        .intern_atom(false, b"_PLUMBLINE_TEST_NUDGE")
        .unwrap()
        .reply()
        .unwrap()
        .atom;
    let event = ClientMessageEvent::new(32, window, nudge, [0, 0, 0, 0, 0]);
    // The window may be gone already: the error comes back to this connection, unread.
    let _ = conn.send_event(false, window, EventMask::NO_EVENT, event);
    let _ = conn.flush();
}

/// Whether process `pid` has a GL driver loaded (the window's software GL: Mesa's libGL,
/// libEGL, its DRI driver, LLVM).
fn has_gl_loaded(pid: u32) -> bool {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    maps.lines().any(|line| {
        [
            "libGL",
            "libEGL",
            "_dri.so",
            "swrast",
            "libLLVM",
            "libgallium",
        ]
        .iter()
        .any(|lib| line.contains(lib))
    })
}

#[test]
fn background_mode_has_no_window_until_opened_and_closing_returns_to_the_tray() {
    let desktop = Desktop::start(true);
    let xvfb = crate::ui::start_xvfb();
    let display = xvfb.display.as_str();
    let dir = tempfile::tempdir().unwrap();
    let clip = recording(&dir.path().join("camera.mkv"), &[(SLUMP_STILL, 120)]);
    let settings = dir.path().join("window.toml");
    std::fs::write(&settings, "red_flags_acknowledged = true\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_plumbline"));
    command
        .args(["--background", "--onset-delay", "2", "--source"])
        .arg(&clip)
        .arg("--window-settings")
        .arg(&settings)
        .env("DISPLAY", display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env_remove("WAYLAND_DISPLAY");
    let mut app = Monitor::spawn(&desktop.bus, command);
    let pid = app.child.id();

    // In the tray, monitoring, and no window: the alert arrives as a notification while the
    // process has no X window and no GL driver loaded.
    eventually(Duration::from_secs(30), "tray registration", || {
        !desktop.tray_items.lock().unwrap().is_empty()
    });
    let item = desktop.tray_items.lock().unwrap()[0].clone();
    eventually(
        Duration::from_secs(40),
        "a notification from the tray",
        || !desktop.notifications.lock().unwrap().is_empty(),
    );
    assert!(
        plumbline_windows(display).is_empty(),
        "no window in the tray"
    );
    assert!(!has_gl_loaded(pid), "no GL driver before the window opens");

    // The tray's "Open" shows the window.
    desktop.click_menu(&item, plumbline::desktop::linux::tray::labels::OPEN);
    // Its first frame is drawn (a close before that is not a user's click).
    eventually(Duration::from_mins(1), "the window opens", || {
        app.stderr().contains("the window is open")
    });
    // eframe maps the window after its first frame.
    let mut windows = Vec::new();
    eventually(Duration::from_secs(30), "the window is mapped", || {
        windows = plumbline_windows(display);
        !windows.is_empty()
    });
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert!(has_gl_loaded(pid), "the window draws with GL");

    // Closing it returns to the tray: the window is gone, the process monitors on and still
    // answers the desktop (a screen lock closes the source, unlocking opens it again).
    close_window(display, windows[0]);
    let closing = Instant::now();
    while !plumbline_windows(display).is_empty() {
        assert!(
            closing.elapsed() < Duration::from_secs(30),
            "the window did not close; stderr:\n{}",
            app.stderr()
        );
        // Xvfb has no window manager or pointer sending events. The close message can sit
        // in the client's X event queue (read there while Mesa's GLX waited for a reply)
        // until the next event wakes winit's loop: send one, as a desktop would.
        std::thread::sleep(Duration::from_millis(200));
        nudge_window(display, windows[0]);
    }
    assert!(app.child.try_wait().unwrap().is_none(), "{}", app.stderr());
    eventually(Duration::from_secs(5), "the recording open", || {
        holds_open(pid, &clip)
    });
    desktop.set_locked(true);
    eventually(Duration::from_secs(5), "source closed while locked", || {
        !holds_open(pid, &clip)
    });
    desktop.set_locked(false);
    eventually(
        Duration::from_secs(5),
        "source reopened after unlock",
        || holds_open(pid, &clip),
    );

    // Quit from the tray ends it (no window open).
    desktop.click_menu(&item, plumbline::desktop::linux::tray::labels::QUIT);
    let status = app.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "{status:?}\n{}", app.stderr());
    let stderr = app.stderr();
    assert!(stderr.contains("keeps monitoring in the tray"), "{stderr}");
    assert_eq!(
        stderr.matches("window closed after").count(),
        1,
        "one window: {stderr}"
    );
    assert_eq!(
        desktop.notifications.lock().unwrap().len(),
        1,
        "one notification per episode"
    );
}
