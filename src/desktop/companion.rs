//! [`Companion`]: the desk companion's logic between the pipeline and the desktop. It folds
//! pipeline updates into the tray state and the notification and movement policies, turns
//! desktop [`Command`]s (tray menu, notification buttons, screen lock) into pipeline
//! controls, and times pauses. It owns a [`Desktop`] backend and no thread.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::bounds::{Bounds, RangeError};
use crate::pipeline::{Control, PauseReason, SourceStatus, Update};
use crate::posture::{PostureConfig, PostureState};

use super::movement::MovementReminder;
use super::notifier::{Decision, EpisodeNotifier, NotifierConfig};
use super::{Command, Desktop, Notice, PauseLength, TrayState, TrayStatus};

/// The tooltip's numbers change with every frame; the tray is told at most this often
/// unless the state changes.
const TOOLTIP_REFRESH: Duration = Duration::from_secs(5);

/// The desk companion's own settings: the `[desktop]` table of the monitor's configuration
/// file (the one file the window's Settings edit and `monitor --headless --desktop` reads;
/// docs/MONITOR.md). What it shares with the judge (the snooze length) it reads from
/// [`PostureConfig`]. Each number's range is the associated
/// constant of the same name in capitals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompanionConfig {
    /// Minutes a forward-head episode must last after its notification before one gentle
    /// reminder (0: no reminder). Range [`Self::REMINDER_MINUTES`].
    pub reminder_minutes: f64,
    /// Minutes of continuous presence before the movement reminder (0: off, the default).
    /// Range [`Self::MOVEMENT_MINUTES`].
    pub movement_minutes: f64,
    /// Pause (and release the camera) while the screen is locked.
    pub pause_on_lock: bool,
}

impl Default for CompanionConfig {
    fn default() -> Self {
        Self {
            reminder_minutes: 10.0,
            movement_minutes: 0.0,
            pause_on_lock: true,
        }
    }
}

impl CompanionConfig {
    /// Range of [`Self::reminder_minutes`] (0 turns the reminder off).
    pub const REMINDER_MINUTES: Bounds = Bounds::new("reminder_minutes", 0.0, 240.0, "min");
    /// Range of [`Self::movement_minutes`] (0 turns the movement reminder off).
    pub const MOVEMENT_MINUTES: Bounds = Bounds::new("movement_minutes", 0.0, 480.0, "min");

    /// Every number of the settings with its range.
    pub fn numbers(&self) -> [(Bounds, f64); 2] {
        [
            (Self::REMINDER_MINUTES, self.reminder_minutes),
            (Self::MOVEMENT_MINUTES, self.movement_minutes),
        ]
    }

    /// Every value outside its range (named by its key inside the table).
    pub fn out_of_range(&self) -> Vec<RangeError> {
        self.numbers()
            .into_iter()
            .filter_map(|(bounds, value)| bounds.check(value).err())
            .collect()
    }
}

/// What the consumer must do after an update or a command.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent requests of one reaction, merged field by field"
)]
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reaction {
    /// Controls for the pipeline, in order.
    pub controls: Vec<Control>,
    /// Show (raise) the window.
    pub open_window: bool,
    /// Start a calibration (the window runs its calibration flow; headless sends
    /// `Control::Calibrate`).
    pub calibrate: bool,
    /// Quit plumbline.
    pub quit: bool,
    /// A notification could not be shown: the window asks for attention instead (urgency
    /// hint and the mini window).
    pub attention: bool,
}

impl Reaction {
    /// Adds `other`'s requests to these.
    pub fn merge(&mut self, other: Self) {
        self.controls.extend(other.controls);
        self.open_window |= other.open_window;
        self.calibrate |= other.calibrate;
        self.quit |= other.quit;
        self.attention |= other.attention;
    }
}

/// How long a pause asked for from the tray lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UserPause {
    /// Until the user resumes.
    UntilResumed,
    /// Until this instant.
    Until(Instant),
}

/// The desk companion (see the module docs).
pub struct Companion {
    desktop: Box<dyn Desktop>,
    config: CompanionConfig,
    notifier: EpisodeNotifier,
    movement: MovementReminder,
    /// Length of the snooze that the tray and the notification ask for (the judge's
    /// `snooze_s`), minutes.
    snooze_minutes: f64,
    /// A pause from the tray, if one is on.
    user_pause: Option<UserPause>,
    locked: bool,
    /// The pause the pipeline was last asked for.
    applied: Option<PauseReason>,
    source: SourceStatus,
    posture: PostureState,
    cva_deg: Option<f64>,
    forward_head_index: Option<f64>,
    /// The "today" line of the tooltip (`report::today`, given by the consumer).
    today: String,
    tray_sent: Option<(TrayStatus, Instant)>,
    /// Whether the missing notification server was logged (once).
    told_no_server: bool,
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Companion")
            .field("has_tray", &self.desktop.has_tray())
            .field("posture", &self.posture)
            .field("user_pause", &self.user_pause)
            .field("locked", &self.locked)
            .finish_non_exhaustive()
    }
}

impl Companion {
    /// A companion that drives `desktop` with its own settings `config` and the judge's
    /// snooze length from `posture`.
    pub fn new(
        desktop: Box<dyn Desktop>,
        config: CompanionConfig,
        posture: &PostureConfig,
    ) -> Self {
        let mut companion = Self {
            desktop,
            config,
            notifier: EpisodeNotifier::new(NotifierConfig::new(&config, posture)),
            movement: MovementReminder::new(config.movement_minutes),
            snooze_minutes: posture.snooze_s / 60.0,
            user_pause: None,
            locked: false,
            applied: None,
            source: SourceStatus::Opening,
            posture: PostureState::Upright,
            cva_deg: None,
            forward_head_index: None,
            today: String::new(),
            tray_sent: None,
            told_no_server: false,
        };
        companion.refresh_tray(Instant::now());
        companion
    }

    /// The settings in use.
    pub fn config(&self) -> CompanionConfig {
        self.config
    }

    /// Takes new settings (the window's Settings changed): reminders, pause on lock, and the
    /// judge's snooze length. An episode or a presence stretch under way
    /// goes on; a changed pause-on-lock applies at once.
    pub fn configure(
        &mut self,
        config: CompanionConfig,
        posture: &PostureConfig,
        now: Instant,
    ) -> Reaction {
        self.config = config;
        self.notifier
            .set_config(NotifierConfig::new(&config, posture));
        self.movement.set_minutes(config.movement_minutes);
        self.snooze_minutes = posture.snooze_s / 60.0;
        let reaction = self.apply_pause();
        self.refresh_tray(now);
        reaction
    }

    /// Whether a tray icon is up (closing the window may keep monitoring).
    pub fn has_tray(&self) -> bool {
        self.desktop.has_tray()
    }

    /// The backend (autostart toggles).
    pub fn desktop_mut(&mut self) -> &mut dyn Desktop {
        self.desktop.as_mut()
    }

    /// Whether the user paused monitoring.
    pub fn user_paused(&self) -> bool {
        self.user_pause.is_some()
    }

    /// Sets the tooltip's "today" line (today's forward-head minutes, alerts and monitored
    /// time, from `report::today`); the tray learns it with the next refresh.
    pub fn set_today(&mut self, line: &str, now: Instant) {
        if self.today != line {
            line.clone_into(&mut self.today);
            self.refresh_tray(now);
        }
    }

    /// What the tray shows now.
    pub fn tray_status(&self) -> TrayStatus {
        let state = match (&self.source, self.applied) {
            (_, Some(_)) | (SourceStatus::Paused(_), _) => TrayState::Paused,
            (SourceStatus::Running(_), None) => match self.posture {
                PostureState::AtRisk => TrayState::AtRisk,
                PostureState::ForwardHead => TrayState::ForwardHead,
                PostureState::Snoozed => TrayState::Paused,
                PostureState::Away | PostureState::NoPerson => TrayState::Away,
                PostureState::Upright | PostureState::Calibrating => TrayState::Upright,
            },
            _ => TrayState::NoCamera,
        };
        let title = match &self.source {
            SourceStatus::Paused(reason) => format!("plumbline: {}", reason.text()),
            _ if self.applied.is_some() => format!(
                "plumbline: {}",
                self.applied.map_or("paused", PauseReason::text)
            ),
            _ => format!("plumbline: {}", state.text()),
        };
        let measure = match (self.cva_deg, self.forward_head_index) {
            (Some(cva), _) => format!("CVA {cva:.0}°"),
            (None, Some(index)) => format!("forward-head index {index:+.0} %"),
            (None, None) => "no angle yet".to_owned(),
        };
        TrayStatus {
            state,
            title,
            body: if self.today.is_empty() {
                measure
            } else {
                format!("{measure}\n{}", self.today)
            },
            paused: self.user_pause.is_some(),
        }
    }

    /// Folds one pipeline update in.
    pub fn observe(&mut self, update: &Update, now: Instant) -> Reaction {
        let mut reaction = Reaction::default();
        match update {
            Update::Analyzed(analyzed) => {
                let sample = &analyzed.sample;
                self.posture = sample.state;
                self.cva_deg = sample.metrics.cva_deg;
                self.forward_head_index = sample.metrics.forward_head_index;
                let decisions =
                    self.notifier
                        .on_frame(sample.t_ms, self.cva_deg, self.forward_head_index);
                reaction.merge(self.apply(decisions));
                let present = sample.state.is_present();
                if let Some(notice) = self.movement.on_frame(sample.t_ms, present) {
                    reaction.merge(self.show(&notice));
                }
            }
            Update::Posture(event) => {
                let decisions = self.notifier.on_event(event);
                reaction.merge(self.apply(decisions));
            }
            Update::Source(status) => self.source = status.clone(),
            Update::Failed(failure) => {
                self.source = SourceStatus::Failed(failure.clone());
            }
        }
        self.refresh_tray(now);
        reaction
    }

    /// Handles one desktop command.
    pub fn command(&mut self, command: Command, now: Instant) -> Reaction {
        let mut reaction = Reaction::default();
        match command {
            Command::OpenWindow => reaction.open_window = true,
            Command::Pause(length) => {
                self.user_pause = Some(match length {
                    PauseLength::Minutes(minutes) => {
                        UserPause::Until(now + Duration::from_secs(u64::from(minutes) * 60))
                    }
                    PauseLength::UntilResumed => UserPause::UntilResumed,
                });
            }
            Command::Resume => self.user_pause = None,
            Command::Calibrate => {
                reaction.calibrate = true;
                reaction.open_window = true;
            }
            Command::Snooze => reaction.controls.push(Control::Snooze {
                minutes: self.snooze_minutes,
            }),
            Command::Quit => reaction.quit = true,
            Command::ScreenLocked => self.locked = true,
            Command::ScreenUnlocked => self.locked = false,
        }
        reaction.merge(self.apply_pause());
        self.refresh_tray(now);
        reaction
    }

    /// Ends a timed pause that is over; call now and then (the window's idle repaint, the
    /// headless loop's timeout).
    pub fn tick(&mut self, now: Instant) -> Reaction {
        if let Some(UserPause::Until(until)) = self.user_pause
            && now >= until
        {
            self.user_pause = None;
        }
        let reaction = self.apply_pause();
        self.refresh_tray(now);
        reaction
    }

    /// Time until [`Self::tick`] has something to do (a timed pause ending).
    pub fn next_tick(&self, now: Instant) -> Option<Duration> {
        match self.user_pause {
            Some(UserPause::Until(until)) => Some(until.saturating_duration_since(now)),
            _ => None,
        }
    }

    /// Asks the pipeline for the pause that the lock and the user want, when it changed.
    fn apply_pause(&mut self) -> Reaction {
        let wanted = if self.locked && self.config.pause_on_lock {
            Some(PauseReason::ScreenLocked)
        } else if self.user_pause.is_some() {
            Some(PauseReason::User)
        } else {
            None
        };
        let mut reaction = Reaction::default();
        if wanted == self.applied {
            return reaction;
        }
        self.applied = wanted;
        reaction.controls.push(match wanted {
            Some(reason) => Control::PauseSource(reason),
            None => Control::ResumeSource,
        });
        let decisions = self.notifier.set_paused(wanted.is_some());
        reaction.merge(self.apply(decisions));
        reaction
    }

    fn apply(&mut self, decisions: Vec<Decision>) -> Reaction {
        let mut reaction = Reaction::default();
        for decision in decisions {
            match decision {
                Decision::Notify(notice) => reaction.merge(self.show(&notice)),
                Decision::Withdraw(kind) => self.desktop.withdraw(kind),
            }
        }
        reaction
    }

    /// Shows a notification; without a notification server the window asks for attention.
    fn show(&mut self, notice: &Notice) -> Reaction {
        match self.desktop.notify(notice) {
            Ok(()) => Reaction::default(),
            Err(err) => {
                if !self.told_no_server {
                    self.told_no_server = true;
                    tracing::warn!("{err}; the window's urgency hint and mini window are used");
                }
                Reaction {
                    attention: true,
                    ..Reaction::default()
                }
            }
        }
    }

    fn refresh_tray(&mut self, now: Instant) {
        let status = self.tray_status();
        let due = match &self.tray_sent {
            None => true,
            Some((sent, at)) => {
                sent.state != status.state
                    || sent.paused != status.paused
                    || sent.title != status.title
                    || (sent.body != status.body && now.duration_since(*at) >= TOOLTIP_REFRESH)
            }
        };
        if due {
            self.desktop.set_tray(&status);
            self.tray_sent = Some((status, now));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::desktop::{DesktopError, NoticeKind};
    use crate::posture::PostureEvent;

    /// What the scripted desktop was asked to do.
    #[derive(Debug, Default)]
    struct Log {
        trays: Vec<TrayStatus>,
        notices: Vec<Notice>,
        withdrawn: Vec<NoticeKind>,
    }

    struct Scripted {
        log: Arc<Mutex<Log>>,
        server: bool,
    }

    impl Desktop for Scripted {
        fn has_tray(&self) -> bool {
            true
        }
        fn set_tray(&mut self, status: &TrayStatus) {
            self.log.lock().unwrap().trays.push(status.clone());
        }
        fn notify(&mut self, notice: &Notice) -> Result<(), DesktopError> {
            if !self.server {
                return Err(DesktopError::NoNotificationServer("none".into()));
            }
            self.log.lock().unwrap().notices.push(notice.clone());
            Ok(())
        }
        fn withdraw(&mut self, kind: NoticeKind) {
            self.log.lock().unwrap().withdrawn.push(kind);
        }
        fn autostart(&self) -> bool {
            false
        }
        fn set_autostart(&mut self, _enabled: bool) -> Result<(), DesktopError> {
            Ok(())
        }
    }

    fn companion(server: bool) -> (Companion, Arc<Mutex<Log>>) {
        let log = Arc::new(Mutex::new(Log::default()));
        let desktop = Scripted {
            log: log.clone(),
            server,
        };
        (
            Companion::new(
                Box::new(desktop),
                CompanionConfig::default(),
                &PostureConfig::default(),
            ),
            log,
        )
    }

    /// An analyzed blank frame at `t_ms` in `state` with a CVA of 18°.
    fn frame(t_ms: f64, state: PostureState) -> Update {
        crate::pipeline::analyzed_for_test(1, t_ms, state, 18.0)
    }

    #[test]
    fn an_alert_notifies_once_and_colours_the_tray() {
        let (mut c, log) = companion(true);
        let now = Instant::now();
        c.observe(&Update::Source(SourceStatus::Running("cam".into())), now);
        c.observe(&frame(0.0, PostureState::Upright), now);
        assert_eq!(
            log.lock().unwrap().trays.last().unwrap().state,
            TrayState::Upright
        );
        c.observe(&frame(500.0, PostureState::ForwardHead), now);
        let alert = Update::Posture(PostureEvent::Alert {
            t_ms: 500.0,
            cva_deg: Some(18.0),
            forward_head_index: None,
        });
        let reaction = c.observe(&alert, now);
        assert_eq!(reaction, Reaction::default());
        c.observe(&frame(1_000.0, PostureState::ForwardHead), now);
        {
            let log = log.lock().unwrap();
            assert_eq!(log.notices.len(), 1);
            let tray = log.trays.last().unwrap();
            assert_eq!(tray.state, TrayState::ForwardHead);
            assert!(tray.body.contains("CVA 18°"), "{}", tray.body);
        }
        // One frame without a person: the tray says so, the notification stays.
        c.observe(
            &Update::Posture(PostureEvent::State {
                t_ms: 1_500.0,
                from: PostureState::ForwardHead,
                state: PostureState::NoPerson,
            }),
            now,
        );
        c.observe(&frame(1_500.0, PostureState::NoPerson), now);
        {
            let log = log.lock().unwrap();
            let tray = log.trays.last().unwrap();
            assert_eq!(tray.state, TrayState::Away);
            assert_eq!(tray.title, "plumbline: nobody in view");
            assert!(log.withdrawn.is_empty(), "{:?}", log.withdrawn);
        }
        // Away (nobody for a while) ends the episode.
        c.observe(
            &Update::Posture(PostureEvent::State {
                t_ms: 4_000.0,
                from: PostureState::NoPerson,
                state: PostureState::Away,
            }),
            now,
        );
        assert_eq!(log.lock().unwrap().withdrawn, vec![NoticeKind::ForwardHead]);
    }

    #[test]
    fn pause_menu_releases_the_camera_and_resumes_after_the_time() {
        let (mut c, log) = companion(true);
        let now = Instant::now();
        let r = c.command(Command::Pause(PauseLength::Minutes(15)), now);
        assert_eq!(r.controls, vec![Control::PauseSource(PauseReason::User)]);
        assert_eq!(
            log.lock().unwrap().trays.last().unwrap().state,
            TrayState::Paused
        );
        assert!(log.lock().unwrap().trays.last().unwrap().paused);
        assert!(c.tick(now + Duration::from_mins(14)).controls.is_empty());
        assert_eq!(c.next_tick(now), Some(Duration::from_mins(15)));
        let r = c.tick(now + Duration::from_mins(15));
        assert_eq!(r.controls, vec![Control::ResumeSource]);
        assert!(!c.user_paused());
    }

    #[test]
    fn lock_pauses_and_unlock_keeps_a_user_pause() {
        let (mut c, _) = companion(true);
        let now = Instant::now();
        let r = c.command(Command::ScreenLocked, now);
        assert_eq!(
            r.controls,
            vec![Control::PauseSource(PauseReason::ScreenLocked)]
        );
        assert_eq!(
            c.command(Command::ScreenUnlocked, now).controls,
            vec![Control::ResumeSource]
        );
        c.command(Command::Pause(PauseLength::UntilResumed), now);
        c.command(Command::ScreenLocked, now);
        let r = c.command(Command::ScreenUnlocked, now);
        assert_eq!(r.controls, vec![Control::PauseSource(PauseReason::User)]);
        let r = c.command(Command::Resume, now);
        assert_eq!(r.controls, vec![Control::ResumeSource]);
    }

    #[test]
    fn menu_commands_become_controls_and_window_requests() {
        let (mut c, _) = companion(true);
        let now = Instant::now();
        assert_eq!(
            c.command(Command::Snooze, now).controls,
            vec![Control::Snooze { minutes: 15.0 }]
        );
        assert!(c.command(Command::OpenWindow, now).open_window);
        let r = c.command(Command::Calibrate, now);
        assert!(r.calibrate && r.open_window);
        assert!(c.command(Command::Quit, now).quit);
    }

    #[test]
    fn without_a_notification_server_the_window_asks_for_attention() {
        let (mut c, log) = companion(false);
        let alert = Update::Posture(PostureEvent::Alert {
            t_ms: 0.0,
            cva_deg: Some(18.0),
            forward_head_index: None,
        });
        assert!(c.observe(&alert, Instant::now()).attention);
        assert!(log.lock().unwrap().notices.is_empty());
    }

    #[test]
    fn the_tooltip_shows_the_measure_and_the_today_line_it_is_given() {
        let (mut c, log) = companion(true);
        let now = Instant::now();
        c.observe(&frame(0.0, PostureState::ForwardHead), now);
        let later = now + TOOLTIP_REFRESH;
        c.set_today(
            "Today: forward head 12 min · 3 alerts · monitored 1 h 02 min",
            later,
        );
        let body = c.tray_status().body;
        assert!(body.starts_with("CVA "), "{body}");
        assert!(body.ends_with("\nToday: forward head 12 min · 3 alerts · monitored 1 h 02 min"));
        let sent = log
            .lock()
            .unwrap()
            .trays
            .last()
            .cloned()
            .expect("a tray update");
        assert_eq!(sent.body, body, "a new today line reaches the tray");
    }

    #[test]
    fn snooze_and_lock_follow_the_configuration() {
        let log = Arc::new(Mutex::new(Log::default()));
        let desktop = Scripted {
            log: log.clone(),
            server: true,
        };
        let posture = PostureConfig {
            snooze_s: 120.0,
            ..PostureConfig::default()
        };
        let config = CompanionConfig {
            pause_on_lock: false,
            ..CompanionConfig::default()
        };
        let mut c = Companion::new(Box::new(desktop), config, &posture);
        assert_eq!(c.config(), config);
        let now = Instant::now();
        assert_eq!(
            c.command(Command::Snooze, now).controls,
            vec![Control::Snooze { minutes: 2.0 }]
        );
        assert!(c.command(Command::ScreenLocked, now).controls.is_empty());
        // The notification's Snooze button names the configured length.
        let alert = Update::Posture(PostureEvent::Alert {
            t_ms: 10_000.0,
            cva_deg: Some(18.0),
            forward_head_index: None,
        });
        c.observe(&alert, now);
        let notice = log.lock().unwrap().notices[0].clone();
        assert_eq!(
            crate::desktop::NoticeAction::Snooze.label(notice.snooze_minutes),
            "Snooze 2 min"
        );
        // Turned on while locked (the window's Settings): the pause applies at once.
        let r = c.configure(CompanionConfig::default(), &PostureConfig::default(), now);
        assert_eq!(
            r.controls,
            vec![Control::PauseSource(PauseReason::ScreenLocked)]
        );
        assert_eq!(
            c.command(Command::Snooze, now).controls,
            vec![Control::Snooze { minutes: 15.0 }]
        );
    }

    #[test]
    fn defaults_are_inside_their_ranges_and_every_number_has_one() {
        let config = CompanionConfig::default();
        assert_eq!(config.out_of_range(), Vec::new());
        let (without_range, without_key) =
            crate::bounds::unmatched_ranges(&config, &config.numbers());
        assert!(without_range.is_empty(), "{without_range:?}");
        assert!(without_key.is_empty(), "{without_key:?}");
        let bad = CompanionConfig {
            reminder_minutes: 999.0,
            movement_minutes: f64::NAN,
            pause_on_lock: true,
        };
        let messages: Vec<String> = bad.out_of_range().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages[0],
            "reminder_minutes = 999 is out of range: 0 to 240 min"
        );
        assert!(messages[1].contains("0 to 480 min"), "{messages:?}");
    }

    #[test]
    fn the_tray_text_is_not_resent_for_every_frame() {
        let (mut c, log) = companion(true);
        let now = Instant::now();
        c.observe(&Update::Source(SourceStatus::Running("cam".into())), now);
        let before = log.lock().unwrap().trays.len();
        for i in 0..20 {
            let t = f64::from(i) * 500.0;
            c.observe(
                &frame(t, PostureState::Upright),
                now + Duration::from_millis(500 * i as u64),
            );
        }
        let sent = log.lock().unwrap().trays.len() - before;
        assert!(
            (1..=3).contains(&sent),
            "{sent} tray updates for 10 s of frames"
        );
    }
}
