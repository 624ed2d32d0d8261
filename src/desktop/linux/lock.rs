//! Screen lock: `ActiveChanged(b)` of `org.freedesktop.ScreenSaver` and
//! `org.gnome.ScreenSaver` on the session bus (GNOME, KDE, Xfce, Cinnamon, MATE, LXQt), and
//! logind's `Lock`/`Unlock` of this session on the system bus (the signal
//! `loginctl lock-session` and most lockers use). Both become [`Command::ScreenLocked`] /
//! [`Command::ScreenUnlocked`]; repeats are harmless (the companion compares states).

use crossbeam_channel::Sender;
use zbus::blocking::{Connection, MessageIterator};

use super::{Wake, deliver};
use crate::desktop::Command;

/// The screen saver interfaces whose `ActiveChanged` means locked / unlocked.
pub const SCREENSAVER_INTERFACES: [&str; 2] =
    ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];

/// logind's service and session interface.
const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_SESSION: &str = "org.freedesktop.login1.Session";

/// Starts the listeners (each one that cannot start is logged and left out).
pub fn watch(session: &Connection, commands: Sender<Command>, wake: Wake) {
    for interface in SCREENSAVER_INTERFACES {
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(interface)
            .and_then(|rule| rule.member("ActiveChanged"))
            .map(zbus::match_rule::Builder::build);
        match rule.and_then(|rule| MessageIterator::for_match_rule(rule, session, Some(16))) {
            Ok(messages) => spawn(interface, messages, commands.clone(), wake.clone(), |m| {
                m.body().deserialize::<bool>().ok().map(|active| {
                    if active {
                        Command::ScreenLocked
                    } else {
                        Command::ScreenUnlocked
                    }
                })
            }),
            Err(err) => tracing::info!("no screen-lock signals from {interface}: {err}"),
        }
    }
    if let Err(err) = watch_logind(commands, wake) {
        tracing::info!("no screen-lock signals from logind: {err}");
    }
}

/// Lock/Unlock of our own logind session (a machine shared by several users sees the
/// others' signals too: the rule names our session's object path).
fn watch_logind(commands: Sender<Command>, wake: Wake) -> zbus::Result<()> {
    let system = Connection::system()?;
    let reply = system.call_method(
        Some(LOGIND),
        "/org/freedesktop/login1",
        Some("org.freedesktop.login1.Manager"),
        "GetSessionByPID",
        &(std::process::id(),),
    )?;
    let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize()?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(LOGIND_SESSION)?
        .path(path)?
        .build();
    let messages = MessageIterator::for_match_rule(rule, &system, Some(16))?;
    spawn("logind", messages, commands, wake, |m| {
        match m
            .header()
            .member()
            .map(|member| member.as_str().to_owned())
            .as_deref()
        {
            Some("Lock") => Some(Command::ScreenLocked),
            Some("Unlock") => Some(Command::ScreenUnlocked),
            _ => None,
        }
    });
    Ok(())
}

/// A thread that maps each matching signal to a command.
fn spawn(
    what: &str,
    messages: MessageIterator,
    commands: Sender<Command>,
    wake: Wake,
    map: fn(&zbus::Message) -> Option<Command>,
) {
    let spawned = std::thread::Builder::new()
        .name("desktop-lock".into())
        .spawn(move || {
            for message in messages.flatten() {
                if let Some(command) = map(&message)
                    && !deliver(&commands, &wake, command)
                {
                    return;
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("no screen-lock signals from {what}: {err}");
    }
}
