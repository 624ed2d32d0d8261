//! When to send a desktop notification about forward head: one per episode when it becomes
//! persistent (the judge's `alert`), one gentle reminder if the episode lasts another
//! while, none while snoozed or paused, and the notification withdrawn when the episode ends.
//!
//! Pure: fed by the pipeline's posture events and frames, on the source clock, so it is
//! tested with scripted times and no sleeping.

use crate::posture::{PostureConfig, PostureEvent, PostureState};

use super::{CompanionConfig, Notice, NoticeAction, NoticeKind};

/// The suggestion of the first notification (also the window's warning).
pub const SUGGESTION: &str = "Bring your head back over your shoulders: sit back, lengthen the \
     back of your neck, and raise the screen if you look down at it.";

/// The suggestion of the reminder.
pub const REMINDER_SUGGESTION: &str =
    "Stand up for a minute, roll your shoulders back, then sit back in the chair.";

/// The snooze button's text ("Snooze 15 min"), in the window and on notifications.
pub fn snooze_label(minutes: f64) -> String {
    format!("Snooze {minutes:.0} min")
}

/// What was measured, in words: " (CVA 18°)", " (forward-head index +12 %)" or nothing.
pub fn measured_text(cva_deg: Option<f64>, forward_head_index: Option<f64>) -> String {
    match (cva_deg, forward_head_index) {
        (Some(cva), _) => format!(" (CVA {cva:.0}°)"),
        (None, Some(index)) => format!(" (forward-head index {index:+.0} %)"),
        (None, None) => String::new(),
    }
}

/// The first notification of an episode; its Snooze button asks for `snooze_minutes`.
pub fn first_notice(
    cva_deg: Option<f64>,
    forward_head_index: Option<f64>,
    snooze_minutes: f64,
) -> Notice {
    Notice {
        kind: NoticeKind::ForwardHead,
        summary: "Forward head posture".to_owned(),
        body: format!(
            "Your head has been forward for a while{}. {SUGGESTION}",
            measured_text(cva_deg, forward_head_index)
        ),
        actions: vec![NoticeAction::Snooze, NoticeAction::Open],
        snooze_minutes,
    }
}

/// The gentle reminder of a long episode; its Snooze button asks for `snooze_minutes`.
pub fn reminder_notice(
    cva_deg: Option<f64>,
    forward_head_index: Option<f64>,
    snooze_minutes: f64,
) -> Notice {
    Notice {
        kind: NoticeKind::ForwardHead,
        summary: "Still leaning forward".to_owned(),
        body: format!(
            "Your head is still forward{}. {REMINDER_SUGGESTION}",
            measured_text(cva_deg, forward_head_index)
        ),
        actions: vec![NoticeAction::Snooze, NoticeAction::Open],
        snooze_minutes,
    }
}

/// What the notifier decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Show this notification.
    Notify(Notice),
    /// Close the notification of this kind.
    Withdraw(NoticeKind),
}

/// The settings of the notifier, taken from the configuration file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotifierConfig {
    /// Minutes after the first notification before the gentle reminder (0: no reminder),
    /// [`CompanionConfig::reminder_minutes`].
    pub reminder_minutes: f64,
    /// Length of the snooze the notifications offer, minutes ([`PostureConfig::snooze_s`]).
    pub snooze_minutes: f64,
}

impl NotifierConfig {
    /// The notifier's part of the companion's settings and the judge's configuration.
    pub fn new(companion: &CompanionConfig, posture: &PostureConfig) -> Self {
        Self {
            reminder_minutes: companion.reminder_minutes,
            snooze_minutes: posture.snooze_s / 60.0,
        }
    }
}

impl Default for NotifierConfig {
    fn default() -> Self {
        Self::new(&CompanionConfig::default(), &PostureConfig::default())
    }
}

/// The forward-head episode being notified about.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Episode {
    /// Source time of the alert (ms).
    alert_ms: f64,
    /// Whether the user saw a notification (not snoozed or paused at the time).
    notified: bool,
    /// Whether the reminder went out.
    reminded: bool,
}

/// The notification policy.
#[derive(Clone, Debug, Default)]
pub struct EpisodeNotifier {
    config: NotifierConfig,
    episode: Option<Episode>,
    snoozed: bool,
    paused: bool,
}

impl EpisodeNotifier {
    /// A notifier with `config`.
    pub fn new(config: NotifierConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Takes new settings; an episode under way keeps its state.
    pub fn set_config(&mut self, config: NotifierConfig) {
        self.config = config;
    }

    /// Whether a notification is meant to be up.
    pub fn showing(&self) -> bool {
        self.episode.is_some_and(|e| e.notified)
    }

    /// Folds a posture event in.
    pub fn on_event(&mut self, event: &PostureEvent) -> Vec<Decision> {
        match event {
            PostureEvent::Alert {
                t_ms,
                cva_deg,
                forward_head_index,
            } => {
                let notified = !self.snoozed && !self.paused;
                self.episode = Some(Episode {
                    alert_ms: *t_ms,
                    notified,
                    reminded: false,
                });
                if notified {
                    return vec![Decision::Notify(first_notice(
                        *cva_deg,
                        *forward_head_index,
                        self.config.snooze_minutes,
                    ))];
                }
                Vec::new()
            }
            PostureEvent::State { state, .. } => {
                self.snoozed = *state == PostureState::Snoozed;
                // A frame without a person (a missed detection) does not end the episode;
                // `away` (nobody for `away_after_s`) does.
                if matches!(state, PostureState::ForwardHead | PostureState::NoPerson) {
                    return Vec::new();
                }
                self.end_episode()
            }
            PostureEvent::Snoozed { .. } => {
                self.snoozed = true;
                self.end_episode()
            }
            // Baseline news (learning, learned, refused, setup changed) and an uncertain call
            // are shown in the window and the headless output, never as a notification: an
            // uncertain call raises no alert. A changed onset delay is the user's own doing.
            PostureEvent::Calibrated { .. }
            | PostureEvent::Learned { .. }
            | PostureEvent::BaselineRefused { .. }
            | PostureEvent::Baseline { .. }
            | PostureEvent::Uncertain { .. }
            | PostureEvent::OnsetDelay { .. } => Vec::new(),
        }
    }

    /// Folds an analyzed frame in: the reminder is due on the source clock.
    pub fn on_frame(
        &mut self,
        t_ms: f64,
        cva_deg: Option<f64>,
        forward_head_index: Option<f64>,
    ) -> Vec<Decision> {
        let after_ms = self.config.reminder_minutes * 60_000.0;
        let Some(episode) = &mut self.episode else {
            return Vec::new();
        };
        if episode.reminded || after_ms <= 0.0 || self.snoozed || self.paused {
            return Vec::new();
        }
        if t_ms - episode.alert_ms < after_ms {
            return Vec::new();
        }
        episode.reminded = true;
        episode.notified = true;
        vec![Decision::Notify(reminder_notice(
            cva_deg,
            forward_head_index,
            self.config.snooze_minutes,
        ))]
    }

    /// Monitoring paused (user, screen lock) or resumed. A pause closes the notification.
    pub fn set_paused(&mut self, paused: bool) -> Vec<Decision> {
        self.paused = paused;
        if paused && self.showing() {
            if let Some(episode) = &mut self.episode {
                episode.notified = false;
            }
            return vec![Decision::Withdraw(NoticeKind::ForwardHead)];
        }
        Vec::new()
    }

    fn end_episode(&mut self) -> Vec<Decision> {
        match self.episode.take() {
            Some(episode) if episode.notified => {
                vec![Decision::Withdraw(NoticeKind::ForwardHead)]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(t_s: f64) -> PostureEvent {
        PostureEvent::Alert {
            t_ms: t_s * 1000.0,
            cva_deg: Some(17.6),
            forward_head_index: None,
        }
    }

    fn state(t_s: f64, from: PostureState, state: PostureState) -> PostureEvent {
        PostureEvent::State {
            t_ms: t_s * 1000.0,
            from,
            state,
        }
    }

    fn notices(decisions: &[Decision]) -> Vec<&Notice> {
        decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Notify(n) => Some(n),
                Decision::Withdraw(_) => None,
            })
            .collect()
    }

    /// Frames every 500 ms from `from_s` to `to_s`; the decisions they caused.
    fn frames(n: &mut EpisodeNotifier, from_s: f64, to_s: f64) -> Vec<Decision> {
        let mut out = Vec::new();
        let mut t = from_s * 1000.0;
        while t <= to_s * 1000.0 {
            out.extend(n.on_frame(t, Some(18.0), None));
            t += 500.0;
        }
        out
    }

    #[test]
    fn one_notification_per_episode_with_the_angle_and_a_suggestion() {
        let mut n = EpisodeNotifier::new(NotifierConfig::default());
        let d = n.on_event(&state(
            30.0,
            PostureState::AtRisk,
            PostureState::ForwardHead,
        ));
        assert!(d.is_empty());
        let d = n.on_event(&alert(30.0));
        let shown = notices(&d);
        assert_eq!(shown.len(), 1);
        assert!(shown[0].body.contains("CVA 18°"), "{}", shown[0].body);
        assert!(shown[0].body.contains("sit back"), "{}", shown[0].body);
        assert_eq!(
            shown[0].actions,
            vec![NoticeAction::Snooze, NoticeAction::Open]
        );
        // Frames of the same episode before the reminder add nothing.
        assert!(notices(&frames(&mut n, 30.5, 300.0)).is_empty());
        // The episode ends: the notification is withdrawn, a new episode notifies again.
        let d = n.on_event(&state(
            301.0,
            PostureState::ForwardHead,
            PostureState::Upright,
        ));
        assert_eq!(d, vec![Decision::Withdraw(NoticeKind::ForwardHead)]);
        assert_eq!(notices(&n.on_event(&alert(400.0))).len(), 1);
    }

    #[test]
    fn the_gentle_reminder_comes_once_after_the_configured_while() {
        let mut n = EpisodeNotifier::new(NotifierConfig {
            reminder_minutes: 2.0,
            ..NotifierConfig::default()
        });
        n.on_event(&alert(10.0));
        assert!(
            notices(&frames(&mut n, 10.5, 129.5)).is_empty(),
            "not before 2 min"
        );
        let d = frames(&mut n, 130.0, 130.0);
        let shown = notices(&d);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].summary, "Still leaning forward");
        assert!(shown[0].body.contains(REMINDER_SUGGESTION));
        assert!(
            notices(&frames(&mut n, 130.5, 3_600.0)).is_empty(),
            "only one"
        );
    }

    #[test]
    fn a_zero_reminder_wait_means_no_reminder() {
        let mut n = EpisodeNotifier::new(NotifierConfig {
            reminder_minutes: 0.0,
            ..NotifierConfig::default()
        });
        n.on_event(&alert(0.0));
        assert!(notices(&frames(&mut n, 0.5, 3_600.0)).is_empty());
    }

    #[test]
    fn nothing_while_snoozed_or_paused() {
        let mut n = EpisodeNotifier::new(NotifierConfig {
            reminder_minutes: 1.0,
            ..NotifierConfig::default()
        });
        n.on_event(&alert(0.0));
        // Snoozing ends the episode and withdraws the notification.
        let d = n.on_event(&PostureEvent::Snoozed {
            t_ms: 5_000.0,
            until_ms: 905_000.0,
        });
        assert_eq!(d, vec![Decision::Withdraw(NoticeKind::ForwardHead)]);
        n.on_event(&state(
            5.0,
            PostureState::ForwardHead,
            PostureState::Snoozed,
        ));
        assert!(notices(&n.on_event(&alert(6.0))).is_empty(), "snoozed");
        assert!(notices(&frames(&mut n, 6.5, 600.0)).is_empty());
        // The snooze ends; paused monitoring is silent too.
        n.on_event(&state(900.0, PostureState::Snoozed, PostureState::Upright));
        assert!(n.set_paused(true).is_empty(), "nothing was showing");
        assert!(notices(&n.on_event(&alert(901.0))).is_empty(), "paused");
        assert!(notices(&frames(&mut n, 901.5, 1_200.0)).is_empty());
        // Resumed in the same episode: the reminder may come, once.
        n.set_paused(false);
        assert_eq!(notices(&frames(&mut n, 1_200.5, 1_300.0)).len(), 1);
    }

    #[test]
    fn pausing_withdraws_a_visible_notification() {
        let mut n = EpisodeNotifier::new(NotifierConfig::default());
        n.on_event(&alert(0.0));
        assert!(n.showing());
        assert_eq!(
            n.set_paused(true),
            vec![Decision::Withdraw(NoticeKind::ForwardHead)]
        );
        assert!(!n.showing());
    }

    #[test]
    fn front_view_notices_name_the_index() {
        let notice = first_notice(None, Some(12.4), 15.0);
        assert!(notice.body.contains("index +12 %"), "{}", notice.body);
        assert_eq!(measured_text(None, None), "");
    }
}
