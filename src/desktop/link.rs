//! [`DesktopLink`]: a [`Companion`] with the channel its backend sends commands on, in the
//! two shapes the consumers need: polled from the window's frame loop, or waited on
//! together with the pipeline's updates in the headless monitor.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};

use crate::pipeline::Update;
use crate::posture::PostureConfig;

use super::{Command, Companion, CompanionConfig, Reaction};

/// Longest wait of the headless loop without news (timed pauses end on time).
const MAX_WAIT: Duration = Duration::from_secs(1);

/// A companion connected to this platform's desktop.
pub struct DesktopLink {
    /// The companion logic.
    pub companion: Companion,
    commands: Receiver<Command>,
}

impl std::fmt::Debug for DesktopLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopLink")
            .field("companion", &self.companion)
            .finish_non_exhaustive()
    }
}

impl DesktopLink {
    /// Connects to the desktop (tray, notifications, lock) with the companion's settings
    /// `config` and the judge's `posture` ([`Companion::new`]); `wake` is called after each
    /// command (the window passes `ctx.request_repaint`).
    pub fn connect(
        config: CompanionConfig,
        posture: &PostureConfig,
        wake: Box<dyn Fn() + Send + Sync>,
    ) -> Self {
        let (tx, commands) = crossbeam_channel::bounded(super::COMMAND_CAPACITY);
        let desktop = super::connect(tx, wake);
        Self {
            companion: Companion::new(desktop, config, posture),
            commands,
        }
    }

    /// A link to a given backend and command channel (tests, other front ends).
    pub fn new(companion: Companion, commands: Receiver<Command>) -> Self {
        Self {
            companion,
            commands,
        }
    }

    /// Handles the commands that arrived and ends a timed pause that is over (the window
    /// calls this every frame).
    pub fn poll(&mut self, now: Instant) -> Reaction {
        let mut reaction = Reaction::default();
        while let Ok(command) = self.commands.try_recv() {
            reaction.merge(self.companion.command(command, now));
        }
        reaction.merge(self.companion.tick(now));
        reaction
    }

    /// Waits for the next pipeline update, handling desktop commands meanwhile (each
    /// reaction goes to `react`), and lets the companion observe the update before it is
    /// returned. `None` when the pipeline has ended.
    pub fn next_update(
        &mut self,
        updates: &Receiver<Update>,
        react: &mut dyn FnMut(Reaction),
    ) -> Option<Update> {
        loop {
            let now = Instant::now();
            let wait = self
                .companion
                .next_tick(now)
                .map_or(MAX_WAIT, |d| d.min(MAX_WAIT));
            select! {
                recv(updates) -> update => {
                    let update = update.ok()?;
                    react(self.companion.observe(&update, Instant::now()));
                    return Some(update);
                }
                recv(self.commands) -> command => {
                    if let Ok(command) = command {
                        react(self.companion.command(command, Instant::now()));
                    } else {
                        // No backend sends commands (none available): only updates now.
                        self.commands = crossbeam_channel::never();
                    }
                }
                default(wait) => react(self.companion.tick(Instant::now())),
            }
        }
    }
}
