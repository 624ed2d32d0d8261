//! The camera's reconnect state machine: streaming, waiting with exponential backoff, giving
//! up. Pure logic on a millisecond clock handed in by the caller, so it is tested with
//! scripted time.

/// How long to wait between reconnect attempts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// Wait before the first retry, milliseconds.
    pub initial_ms: f64,
    /// Longest wait between retries, milliseconds.
    pub max_ms: f64,
    /// Growth of the wait from one retry to the next.
    pub factor: f64,
    /// Retries after which the camera counts as gone; `None` retries forever (a desk monitor
    /// should come back when the webcam is plugged in again).
    pub max_attempts: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial_ms: 500.0,
            max_ms: 10_000.0,
            factor: 2.0,
            max_attempts: None,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (from 1), milliseconds.
    pub fn delay_ms(&self, attempt: u32) -> f64 {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        (self.initial_ms * self.factor.powi(exponent)).min(self.max_ms)
    }
}

/// What the camera source should do now.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The device is streaming: read a frame.
    Read,
    /// Time for retry number `attempt`: try to open the device again.
    Reopen {
        /// Retry number, from 1.
        attempt: u32,
    },
    /// Not yet time for the next retry.
    Wait {
        /// The retry that comes next, from 1.
        attempt: u32,
        /// Milliseconds until it.
        remaining_ms: f64,
        /// Why the camera was lost (or why the last retry failed).
        reason: String,
    },
    /// Every retry failed.
    GiveUp {
        /// Retries made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Link {
    Streaming,
    Waiting {
        attempt: u32,
        until_ms: f64,
        reason: String,
    },
    GaveUp {
        attempts: u32,
        reason: String,
    },
}

/// Tracks whether the camera streams and when to retry.
#[derive(Clone, Debug)]
pub struct Reconnector {
    backoff: Backoff,
    link: Link,
}

impl Reconnector {
    /// A machine that starts in the streaming state.
    pub fn new(backoff: Backoff) -> Self {
        Self {
            backoff,
            link: Link::Streaming,
        }
    }

    /// What to do at `now_ms`.
    pub fn step(&self, now_ms: f64) -> Step {
        match &self.link {
            Link::Streaming => Step::Read,
            Link::Waiting {
                attempt,
                until_ms,
                reason,
            } => {
                if now_ms >= *until_ms {
                    Step::Reopen { attempt: *attempt }
                } else {
                    Step::Wait {
                        attempt: *attempt,
                        remaining_ms: until_ms - now_ms,
                        reason: reason.clone(),
                    }
                }
            }
            Link::GaveUp { attempts, reason } => Step::GiveUp {
                attempts: *attempts,
                reason: reason.clone(),
            },
        }
    }

    /// The stream failed at `now_ms`: schedule retry 1.
    pub fn lost(&mut self, now_ms: f64, reason: String) {
        self.schedule(1, now_ms, reason);
    }

    /// The retry at `now_ms` failed: schedule the next one, or give up.
    pub fn reopen_failed(&mut self, now_ms: f64, reason: String) {
        let attempt = match self.link {
            Link::Waiting { attempt, .. } => attempt,
            Link::Streaming | Link::GaveUp { .. } => 0,
        };
        self.schedule(attempt + 1, now_ms, reason);
    }

    /// A retry succeeded: streaming again, and the next loss starts over at retry 1.
    pub fn reopened(&mut self) {
        self.link = Link::Streaming;
    }

    fn schedule(&mut self, attempt: u32, now_ms: f64, reason: String) {
        if self.backoff.max_attempts.is_some_and(|max| attempt > max) {
            self.link = Link::GaveUp {
                attempts: attempt - 1,
                reason,
            };
        } else {
            self.link = Link::Waiting {
                attempt,
                until_ms: now_ms + self.backoff.delay_ms(attempt),
                reason,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let backoff = Backoff::default();
        let delays: Vec<f64> = (1..=7).map(|a| backoff.delay_ms(a)).collect();
        assert_eq!(
            delays,
            vec![500.0, 1000.0, 2000.0, 4000.0, 8000.0, 10_000.0, 10_000.0]
        );
        assert!((backoff.delay_ms(u32::MAX) - 10_000.0).abs() < f64::EPSILON);
    }

    #[test]
    fn loss_waits_then_retries_with_growing_waits() {
        let mut link = Reconnector::new(Backoff::default());
        assert_eq!(link.step(0.0), Step::Read);
        link.lost(1000.0, "unplugged".into());
        assert_eq!(
            link.step(1200.0),
            Step::Wait {
                attempt: 1,
                remaining_ms: 300.0,
                reason: "unplugged".into()
            }
        );
        assert_eq!(link.step(1500.0), Step::Reopen { attempt: 1 });
        link.reopen_failed(1500.0, "busy".into());
        // Retry 2 waits 1000 ms.
        assert!(matches!(link.step(2499.0), Step::Wait { attempt: 2, .. }));
        assert_eq!(link.step(2500.0), Step::Reopen { attempt: 2 });
        link.reopen_failed(2500.0, "busy".into());
        assert!(matches!(link.step(4499.0), Step::Wait { attempt: 3, .. }));
        assert_eq!(link.step(4500.0), Step::Reopen { attempt: 3 });
        link.reopened();
        assert_eq!(link.step(4500.0), Step::Read);
        // A new loss starts over at retry 1.
        link.lost(9000.0, "unplugged".into());
        assert_eq!(link.step(9500.0), Step::Reopen { attempt: 1 });
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let mut link = Reconnector::new(Backoff {
            max_attempts: Some(2),
            ..Backoff::default()
        });
        link.lost(0.0, "gone".into());
        link.reopen_failed(500.0, "gone".into());
        assert!(matches!(link.step(1500.0), Step::Reopen { attempt: 2 }));
        link.reopen_failed(1500.0, "still gone".into());
        assert_eq!(
            link.step(1e9),
            Step::GiveUp {
                attempts: 2,
                reason: "still gone".into()
            }
        );
    }
}
