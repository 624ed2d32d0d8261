//! freedesktop Notifications (`org.freedesktop.Notifications`): `Notify` with actions,
//! `CloseNotification`, and a listener thread that turns `ActionInvoked` on our
//! notifications into [`Command`]s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::Sender;
use zbus::blocking::{Connection, MessageIterator};
use zbus::zvariant::Value;

use super::{Wake, deliver};
use crate::desktop::{APP_ID, Command, DesktopError, Notice, NoticeAction, NoticeKind};

/// The notification service's bus name, object path and interface.
pub const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// How long a notification stays, ms (-1: the server's default; 0: until dismissed).
const EXPIRE_MS: i32 = 0;

/// Urgency "normal" (0 low, 1 normal, 2 critical): a posture reminder is not critical.
const URGENCY_NORMAL: u8 = 1;

/// Notification ids the server gave us, per kind (shared with the listener thread).
type Shown = Arc<Mutex<HashMap<NoticeKind, u32>>>;

/// Sends notifications and listens to their buttons.
pub struct Notifier {
    connection: Connection,
    shown: Shown,
}

impl Notifier {
    /// Starts the listener thread on `connection` (logged and left out if it fails).
    pub fn start(connection: &Connection, commands: Sender<Command>, wake: Wake) -> Self {
        let shown = Shown::default();
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(SERVICE)
            .and_then(|rule| rule.path(PATH))
            .map(zbus::match_rule::Builder::build);
        let listener =
            rule.and_then(|rule| MessageIterator::for_match_rule(rule, connection, Some(64)));
        match listener {
            Ok(messages) => {
                let ids = shown.clone();
                let spawned = std::thread::Builder::new()
                    .name("desktop-notify".into())
                    .spawn(move || listen(messages, &ids, &commands, &wake));
                if let Err(err) = spawned {
                    tracing::warn!("notification buttons will not work: {err}");
                }
            }
            Err(err) => tracing::warn!("notification buttons will not work: {err}"),
        }
        Self {
            connection: connection.clone(),
            shown,
        }
    }

    /// Shows `notice`, replacing the one of the same kind.
    pub fn show(&self, notice: &Notice) -> Result<(), DesktopError> {
        let replaces = self.id(notice.kind).unwrap_or(0);
        let mut actions: Vec<String> = Vec::new();
        for action in &notice.actions {
            actions.push(action.key().to_owned());
            actions.push(action.label(notice.snooze_minutes));
        }
        // A click on the notification itself opens the window.
        actions.push("default".to_owned());
        actions.push(NoticeAction::Open.label(notice.snooze_minutes));
        let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
        hints.insert("urgency", Value::U8(URGENCY_NORMAL));
        hints.insert("desktop-entry", Value::from(APP_ID));
        hints.insert("category", Value::from("x-plumbline.posture"));
        let reply = self
            .connection
            .call_method(
                Some(SERVICE),
                PATH,
                Some(SERVICE),
                "Notify",
                &(
                    APP_ID,
                    replaces,
                    "plumbline",
                    notice.summary.as_str(),
                    notice.body.as_str(),
                    actions,
                    hints,
                    EXPIRE_MS,
                ),
            )
            .map_err(|err| DesktopError::NoNotificationServer(err.to_string()))?;
        let id: u32 = reply
            .body()
            .deserialize()
            .map_err(|err| DesktopError::NoNotificationServer(err.to_string()))?;
        self.shown
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(notice.kind, id);
        Ok(())
    }

    /// Closes the notification of `kind` if one is up.
    pub fn close(&self, kind: NoticeKind) {
        let id = self
            .shown
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&kind);
        if let Some(id) = id
            && let Err(err) = self.connection.call_method(
                Some(SERVICE),
                PATH,
                Some(SERVICE),
                "CloseNotification",
                &(id,),
            )
        {
            tracing::debug!("closing notification {id}: {err}");
        }
    }

    fn id(&self, kind: NoticeKind) -> Option<u32> {
        self.shown
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&kind)
            .copied()
    }
}

/// Turns `ActionInvoked` on our notifications into commands; forgets closed ones.
fn listen(messages: MessageIterator, shown: &Shown, commands: &Sender<Command>, wake: &Wake) {
    for message in messages {
        let Ok(message) = message else { continue };
        let header = message.header();
        let Some(member) = header.member() else {
            continue;
        };
        let ours = |id: u32| {
            shown
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .values()
                .any(|&v| v == id)
        };
        match member.as_str() {
            "ActionInvoked" => {
                let Ok((id, key)) = message.body().deserialize::<(u32, String)>() else {
                    continue;
                };
                if !ours(id) {
                    continue;
                }
                if let Some(action) = NoticeAction::from_key(&key)
                    && !deliver(commands, wake, action.command())
                {
                    return;
                }
            }
            "NotificationClosed" => {
                if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                    shown
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .retain(|_, v| *v != id);
                }
            }
            _ => {}
        }
    }
}
