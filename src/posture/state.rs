//! The persistence machine: forward head is a sustained posture, not a single frame
//! (`docs/MEASUREMENT.md` §8). Driven only by the frames' source timestamps.
//!
//! ```text
//!            bad                  bad for onset_delay            good for min_good
//! upright ────────▶ at_risk ─────────────────────▶ forward_head ─────────────────▶ upright
//!    ▲                 │ good for at_risk_grace          (alert once per episode)
//!    └─────────────────┘
//! any ── nobody in a frame ──▶ no_person ── nobody for away_after ──▶ away
//! no_person / away ── person back ──▶ the state before (timers kept, not running meanwhile)
//! any ── snooze ──▶ snoozed ── until ──▶ upright
//! any ── calibrate ──▶ calibrating ── done ──▶ upright
//! ```
//! "Good" while in `forward_head` means clear of the thresholds by the exit margin
//! ([`Condition::Marginal`] does not count), so the state does not flap at the threshold.
//! Time between frames is capped at `max_frame_gap_s`, so a stalled source adds no posture
//! time.

use super::config::PostureConfig;
use super::{PostureEvent, PostureState};

/// The forward-head condition of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Forward head: past a threshold.
    Bad,
    /// Not past a threshold, but within the exit margin of one.
    Marginal,
    /// Clear of every threshold by the exit margin.
    Good,
    /// Cannot be judged (oblique view, low confidence, no baseline).
    Unknown,
}

/// Whether a person is in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// A person was detected.
    Present,
    /// Nobody was detected.
    Absent,
}

/// The persistence machine.
#[derive(Clone, Debug)]
pub struct StateMachine {
    state: PostureState,
    /// The judged state to return to after away / snooze.
    judged: PostureState,
    last_ms: Option<f64>,
    bad_ms: f64,
    good_ms: f64,
    absent_ms: f64,
    snooze_until_ms: Option<f64>,
    alerted: bool,
}

impl Default for StateMachine {
    fn default() -> Self {
        Self::new()
    }
}

impl StateMachine {
    /// A machine in `upright`.
    pub fn new() -> Self {
        Self {
            state: PostureState::Upright,
            judged: PostureState::Upright,
            last_ms: None,
            bad_ms: 0.0,
            good_ms: 0.0,
            absent_ms: 0.0,
            snooze_until_ms: None,
            alerted: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> PostureState {
        self.state
    }

    fn set(&mut self, t_ms: f64, state: PostureState, events: &mut Vec<PostureEvent>) {
        if state != self.state {
            events.push(PostureEvent::State {
                t_ms,
                from: self.state,
                state,
            });
            self.state = state;
        }
    }

    fn reset_judgement(&mut self) {
        self.judged = PostureState::Upright;
        self.bad_ms = 0.0;
        self.good_ms = 0.0;
        self.alerted = false;
    }

    /// Snoozes warnings from `t_ms` for `duration_s`.
    pub fn snooze(&mut self, t_ms: f64, duration_s: f64) -> Vec<PostureEvent> {
        let until_ms = t_ms + duration_s * 1000.0;
        let mut events = vec![PostureEvent::Snoozed { t_ms, until_ms }];
        self.snooze_until_ms = Some(until_ms);
        self.reset_judgement();
        self.set(t_ms, PostureState::Snoozed, &mut events);
        events
    }

    /// Enters or leaves `calibrating` (the judge records the baseline meanwhile).
    pub fn calibrating(&mut self, t_ms: f64, on: bool) -> Vec<PostureEvent> {
        let mut events = Vec::new();
        self.reset_judgement();
        let state = if on {
            PostureState::Calibrating
        } else {
            PostureState::Upright
        };
        self.set(t_ms, state, &mut events);
        events
    }

    /// Feeds one frame. Returns the events it caused; `alert` events carry no values here
    /// (the judge fills them in).
    pub fn update(
        &mut self,
        t_ms: f64,
        presence: Presence,
        condition: Condition,
        config: &PostureConfig,
    ) -> Vec<PostureEvent> {
        let mut events = Vec::new();
        let dt = match self.last_ms {
            Some(last) if t_ms >= last => (t_ms - last).min(config.max_frame_gap_s * 1000.0),
            _ => 0.0,
        };
        self.last_ms = Some(t_ms.max(self.last_ms.unwrap_or(t_ms)));
        if self.state == PostureState::Calibrating {
            return events;
        }
        if let Some(until) = self.snooze_until_ms {
            if t_ms < until {
                return events;
            }
            self.snooze_until_ms = None;
            self.reset_judgement();
            self.set(t_ms, PostureState::Upright, &mut events);
        }
        match presence {
            Presence::Absent => {
                self.absent_ms += dt;
                let state = if self.absent_ms >= config.away_after_s * 1000.0 {
                    PostureState::Away
                } else {
                    PostureState::NoPerson
                };
                self.set(t_ms, state, &mut events);
                return events;
            }
            Presence::Present => {
                self.absent_ms = 0.0;
                if !self.state.is_present() {
                    let back = self.judged;
                    self.set(t_ms, back, &mut events);
                    // The frame that brings the person back adds no time.
                    return events;
                }
            }
        }
        self.judge(t_ms, dt, condition, config, &mut events);
        events
    }

    fn judge(
        &mut self,
        t_ms: f64,
        dt: f64,
        condition: Condition,
        config: &PostureConfig,
        events: &mut Vec<PostureEvent>,
    ) {
        let onset_ms = config.onset_delay_s * 1000.0;
        match (self.judged, condition) {
            (PostureState::Upright, Condition::Bad) => {
                self.bad_ms = 0.0;
                self.good_ms = 0.0;
                self.judged = PostureState::AtRisk;
                if onset_ms <= 0.0 {
                    self.judged = PostureState::ForwardHead;
                }
            }
            (_, Condition::Unknown) | (PostureState::Upright, _) => {}
            (PostureState::AtRisk, Condition::Bad) => {
                self.bad_ms += dt;
                self.good_ms = 0.0;
                if self.bad_ms >= onset_ms {
                    self.judged = PostureState::ForwardHead;
                }
            }
            (PostureState::AtRisk, _) => {
                self.good_ms += dt;
                if self.good_ms >= config.at_risk_grace_s * 1000.0 {
                    self.judged = PostureState::Upright;
                    self.bad_ms = 0.0;
                    self.good_ms = 0.0;
                }
            }
            (PostureState::ForwardHead, Condition::Good) => {
                self.good_ms += dt;
                if self.good_ms >= config.min_good_s * 1000.0 {
                    self.reset_judgement();
                }
            }
            (PostureState::ForwardHead, _) => self.good_ms = 0.0,
            (_, _) => self.reset_judgement(),
        }
        let judged = self.judged;
        self.set(t_ms, judged, events);
        if judged == PostureState::ForwardHead && !self.alerted {
            self.alerted = true;
            events.push(PostureEvent::Alert {
                t_ms,
                cva_deg: None,
                forward_head_index: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> PostureConfig {
        PostureConfig {
            onset_delay_s: 10.0,
            at_risk_grace_s: 2.0,
            min_good_s: 5.0,
            away_after_s: 1.0,
            max_frame_gap_s: 2.0,
            ..PostureConfig::default()
        }
    }

    /// Runs frames every 500 ms from `from_s` to `to_s` and returns the events.
    fn run(
        m: &mut StateMachine,
        from_s: f64,
        to_s: f64,
        p: Presence,
        c: Condition,
    ) -> Vec<PostureEvent> {
        let cfg = config();
        let mut events = Vec::new();
        let mut t = from_s * 1000.0;
        while t <= to_s * 1000.0 {
            events.extend(m.update(t, p, c, &cfg));
            t += 500.0;
        }
        events
    }

    fn alerts(events: &[PostureEvent]) -> usize {
        events
            .iter()
            .filter(|e| matches!(e, PostureEvent::Alert { .. }))
            .count()
    }

    #[test]
    fn onset_delay_then_one_alert() {
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 5.0, Presence::Present, Condition::Good);
        let e = run(&mut m, 5.5, 15.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk);
        assert_eq!(alerts(&e), 0);
        let e = run(&mut m, 15.5, 30.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::ForwardHead);
        assert_eq!(alerts(&e), 1, "one alert per episode: {e:?}");
    }

    #[test]
    fn marginal_frames_do_not_end_forward_head() {
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 12.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::ForwardHead);
        run(&mut m, 12.5, 60.0, Presence::Present, Condition::Marginal);
        assert_eq!(m.state(), PostureState::ForwardHead);
        // Good for 4 s, interrupted, is not enough either.
        run(&mut m, 60.5, 64.0, Presence::Present, Condition::Good);
        run(&mut m, 64.5, 64.5, Presence::Present, Condition::Marginal);
        run(&mut m, 65.0, 68.5, Presence::Present, Condition::Good);
        assert_eq!(m.state(), PostureState::ForwardHead);
        run(&mut m, 69.0, 71.0, Presence::Present, Condition::Good);
        assert_eq!(m.state(), PostureState::Upright);
    }

    #[test]
    fn brief_good_frames_keep_the_onset_timer() {
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 6.0, Presence::Present, Condition::Bad);
        run(&mut m, 6.5, 7.0, Presence::Present, Condition::Good);
        run(&mut m, 7.5, 12.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::ForwardHead);
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 6.0, Presence::Present, Condition::Bad);
        run(&mut m, 6.5, 9.0, Presence::Present, Condition::Good);
        assert_eq!(m.state(), PostureState::Upright);
    }

    #[test]
    fn away_pauses_the_timers() {
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 6.0, Presence::Present, Condition::Bad);
        let e = run(&mut m, 6.5, 100.0, Presence::Absent, Condition::Unknown);
        assert_eq!(m.state(), PostureState::Away);
        assert_eq!(alerts(&e), 0);
        run(&mut m, 100.5, 100.5, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk);
        // 6 s before plus 4 s after reach the 10 s onset, not earlier.
        run(&mut m, 101.0, 103.5, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk);
        run(&mut m, 104.0, 105.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::ForwardHead);
    }

    /// A frame without a person is `no_person` at once, never the judged state; after
    /// `away_after_s` (1 s here) it is `away`; the person's return restores the judged state
    /// with the onset timer where it stood, and nothing is judged meanwhile.
    #[test]
    fn a_frame_without_a_person_is_no_person_then_away() {
        let mut m = StateMachine::new();
        let cfg = config();
        let e = m.update(0.0, Presence::Absent, Condition::Unknown, &cfg);
        assert_eq!(m.state(), PostureState::NoPerson, "the very first frame");
        assert_eq!(e.len(), 1, "{e:?}");
        run(&mut m, 0.5, 0.5, Presence::Present, Condition::Good);
        assert_eq!(m.state(), PostureState::Upright);
        run(&mut m, 1.0, 6.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk);
        let e = run(&mut m, 6.5, 6.5, Presence::Absent, Condition::Unknown);
        assert_eq!(m.state(), PostureState::NoPerson);
        assert!(
            matches!(
                e[..],
                [PostureEvent::State {
                    from: PostureState::AtRisk,
                    state: PostureState::NoPerson,
                    ..
                }]
            ),
            "{e:?}"
        );
        run(&mut m, 7.0, 7.0, Presence::Absent, Condition::Unknown);
        assert_eq!(m.state(), PostureState::Away, "1 s without a person");
        run(&mut m, 7.5, 7.5, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk, "back to the judged state");
        // 5 s of bad before the gap plus 5 s after reach the 10 s onset, not earlier.
        let e = run(&mut m, 8.0, 12.0, Presence::Present, Condition::Bad);
        assert_eq!((m.state(), alerts(&e)), (PostureState::AtRisk, 0));
        let e = run(&mut m, 12.5, 13.0, Presence::Present, Condition::Bad);
        assert_eq!((m.state(), alerts(&e)), (PostureState::ForwardHead, 1));
        // A one-frame dropout in forward head neither ends the episode nor alerts again.
        run(&mut m, 13.5, 13.5, Presence::Absent, Condition::Unknown);
        assert_eq!(m.state(), PostureState::NoPerson);
        let e = run(&mut m, 14.0, 20.0, Presence::Present, Condition::Bad);
        assert_eq!((m.state(), alerts(&e)), (PostureState::ForwardHead, 0));
        // With away_after_s = 0 a frame without a person is away at once.
        let mut m = StateMachine::new();
        let at_once = PostureConfig {
            away_after_s: 0.0,
            ..config()
        };
        m.update(0.0, Presence::Absent, Condition::Unknown, &at_once);
        assert_eq!(m.state(), PostureState::Away);
    }

    #[test]
    fn a_stalled_source_counts_only_the_gap_cap() {
        let mut m = StateMachine::new();
        let cfg = config();
        m.update(0.0, Presence::Present, Condition::Bad, &cfg);
        m.update(1000.0, Presence::Present, Condition::Bad, &cfg);
        m.update(600_000.0, Presence::Present, Condition::Bad, &cfg);
        assert_eq!(m.state(), PostureState::AtRisk);
    }

    #[test]
    fn snooze_silences_until_it_ends() {
        let mut m = StateMachine::new();
        let e = m.snooze(0.0, 60.0);
        assert!(
            matches!(e[0], PostureEvent::Snoozed { until_ms, .. } if (until_ms - 60_000.0).abs() < 1e-9)
        );
        let e = run(&mut m, 0.5, 59.5, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::Snoozed);
        assert_eq!(alerts(&e), 0);
        run(&mut m, 60.0, 60.0, Presence::Present, Condition::Bad);
        assert_eq!(m.state(), PostureState::AtRisk);
    }

    #[test]
    fn unknown_frames_hold_the_state() {
        let mut m = StateMachine::new();
        run(&mut m, 0.0, 12.0, Presence::Present, Condition::Bad);
        run(&mut m, 12.5, 50.0, Presence::Present, Condition::Unknown);
        assert_eq!(m.state(), PostureState::ForwardHead);
        let e = m.calibrating(51.0, true);
        assert_eq!(m.state(), PostureState::Calibrating);
        assert_eq!(e.len(), 1);
        m.calibrating(61.0, false);
        assert_eq!(m.state(), PostureState::Upright);
    }
}
