//! The movement reminder (off by default): after N minutes of continuous presence in front
//! of the camera, suggest standing up and moving — posture is not only an angle.
//!
//! Pure, on the source clock. Presence is "not away" in the judge's sense. A break — away
//! for [`BREAK_SECONDS`], or no frames for that long (paused, screen locked) — starts the
//! count again.

use super::{Notice, NoticeAction, NoticeKind};

/// Away this long (or no frames this long) counts as a break, seconds.
pub const BREAK_SECONDS: f64 = 60.0;

/// The reminder's notification.
pub fn notice(minutes: f64) -> Notice {
    Notice {
        kind: NoticeKind::Movement,
        summary: "Time to move".to_owned(),
        body: format!(
            "You have been sitting for {minutes:.0} minutes. Stand up, walk a few steps and \
             look into the distance for a minute."
        ),
        actions: vec![NoticeAction::Open],
        snooze_minutes: 0.0,
    }
}

/// The movement-reminder policy.
#[derive(Clone, Debug, Default)]
pub struct MovementReminder {
    /// Minutes of presence before a reminder; 0 is off.
    minutes: f64,
    /// Source time the present stretch began (ms).
    present_since_ms: Option<f64>,
    /// Source time the current absence began (ms).
    away_since_ms: Option<f64>,
    last_ms: Option<f64>,
}

impl MovementReminder {
    /// A reminder after `minutes` of presence (0: off).
    pub fn new(minutes: f64) -> Self {
        Self {
            minutes,
            ..Self::default()
        }
    }

    /// Takes a new number of minutes (0: off); a presence stretch under way goes on.
    pub fn set_minutes(&mut self, minutes: f64) {
        self.minutes = minutes;
    }

    /// Whether the reminder is on.
    pub fn enabled(&self) -> bool {
        self.minutes > 0.0
    }

    /// Feeds one analyzed frame at source time `t_ms`; returns the reminder when it is due.
    pub fn on_frame(&mut self, t_ms: f64, present: bool) -> Option<Notice> {
        if !self.enabled() {
            return None;
        }
        let break_ms = BREAK_SECONDS * 1000.0;
        if self.last_ms.is_some_and(|last| t_ms - last >= break_ms) {
            self.present_since_ms = None;
        }
        self.last_ms = Some(t_ms);
        if !present {
            let since = *self.away_since_ms.get_or_insert(t_ms);
            if t_ms - since >= break_ms {
                self.present_since_ms = None;
            }
            return None;
        }
        self.away_since_ms = None;
        let since = *self.present_since_ms.get_or_insert(t_ms);
        if t_ms - since >= self.minutes * 60_000.0 {
            self.present_since_ms = Some(t_ms);
            return Some(notice(self.minutes));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames every second from `from_s` to `to_s`; how many reminders they caused.
    fn run(m: &mut MovementReminder, from_s: u32, to_s: u32, present: bool) -> usize {
        (from_s..=to_s)
            .filter_map(|t| m.on_frame(f64::from(t) * 1000.0, present))
            .count()
    }

    #[test]
    fn off_by_default_and_with_zero_minutes() {
        let mut m = MovementReminder::default();
        assert!(!m.enabled());
        assert_eq!(run(&mut m, 0, 10_000, true), 0);
    }

    #[test]
    fn reminds_after_n_minutes_of_presence_then_counts_again() {
        let mut m = MovementReminder::new(30.0);
        assert_eq!(run(&mut m, 0, 1_799, true), 0);
        let n = m.on_frame(1_800_000.0, true).expect("due at 30 min");
        assert!(n.body.contains("30 minutes"), "{}", n.body);
        assert_eq!(run(&mut m, 1_801, 3_599, true), 0);
        assert_eq!(run(&mut m, 3_600, 3_600, true), 1);
    }

    #[test]
    fn a_break_restarts_the_count_and_a_short_absence_does_not() {
        let mut m = MovementReminder::new(10.0);
        run(&mut m, 0, 500, true);
        // 20 s away (fetching a coffee at the desk) does not count as a break.
        run(&mut m, 501, 520, false);
        assert_eq!(run(&mut m, 521, 600, true), 1, "600 s of presence");
        // Standing up for two minutes does.
        run(&mut m, 601, 700, true);
        run(&mut m, 701, 821, false);
        assert_eq!(
            run(&mut m, 822, 1_400, true),
            0,
            "only 578 s since the break"
        );
        assert_eq!(run(&mut m, 1_401, 1_422, true), 1);
    }

    #[test]
    fn a_pause_without_frames_is_a_break() {
        let mut m = MovementReminder::new(10.0);
        run(&mut m, 0, 500, true);
        // Screen locked for 5 minutes: no frames at all.
        assert_eq!(run(&mut m, 800, 1_300, true), 0);
        assert_eq!(run(&mut m, 1_301, 1_400, true), 1);
    }
}
