//! Today at a glance: the local calendar day's forward-head time, alerts and monitored time,
//! the one owner of the numbers the tray tooltip, the window's header and the headless
//! monitor's desktop companion show.
//!
//! [`Today`] adds two parts: what the database holds for today (every live monitoring session
//! of the day, this one included, summed by SQLite in [`Store::daily_totals`] on a short-lived
//! thread with its own connection, re-read every [`REREAD`]), and what the running session
//! counted since that read ([`Tally`]), which the recorder has not yet saved or the read
//! did not yet see. When this session is not saved, all of its count is added. Monitored time
//! counts the same seconds as the session summaries ([`PostureState::is_present`]); paused
//! time has neither rows nor frames.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::pipeline::Update;
use crate::posture::{PostureEvent, PostureState};
use crate::store::{DayTotals, Store, StoreError};

use super::duration_text;

/// How often the database is read again while the process runs.
pub const REREAD: Duration = Duration::from_secs(30);

/// Days of the Sessions tab's chart (today included).
pub const CHART_DAYS: u32 = 7;

/// What the running session counted, from its analyzed frames and events.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    /// Time with somebody present, ms.
    pub monitored_ms: f64,
    /// Time in the sustained forward-head state, ms.
    pub forward_head_ms: f64,
    /// Alerts.
    pub alerts: u32,
    last_t_ms: Option<f64>,
    /// Frame gaps longer than this count only this much (the judge's `max_frame_gap_s`), ms.
    max_gap_ms: f64,
}

impl Tally {
    /// An empty count; frame gaps count at most `max_gap_s` (the judge's
    /// `PostureConfig::max_frame_gap_s`).
    pub fn new(max_gap_s: f64) -> Self {
        Self {
            max_gap_ms: max_gap_s * 1000.0,
            ..Self::default()
        }
    }

    /// Counts frame gaps up to `max_gap_s` from now on (the configuration changed).
    pub fn set_max_gap_s(&mut self, max_gap_s: f64) {
        self.max_gap_ms = max_gap_s * 1000.0;
    }

    /// Counts the time since the previous analyzed frame in the state of this one.
    pub fn on_sample(&mut self, t_ms: f64, state: PostureState) {
        if let Some(last) = self.last_t_ms {
            let gap = (t_ms - last).clamp(0.0, self.max_gap_ms);
            if state.is_present() {
                self.monitored_ms += gap;
            }
            if state == PostureState::ForwardHead {
                self.forward_head_ms += gap;
            }
        }
        self.last_t_ms = Some(t_ms);
    }

    /// Counts an alert.
    pub fn on_event(&mut self, event: &PostureEvent) {
        if matches!(event, PostureEvent::Alert { .. }) {
            self.alerts += 1;
        }
    }

    /// Counts one of the pipeline's updates: an analyzed frame's time in its state
    /// ([`Self::on_sample`]), an alert ([`Self::on_event`]); the source's news adds nothing.
    /// The one feed of the running session's count (the window and the headless monitor).
    pub fn observe(&mut self, update: &Update) {
        match update {
            Update::Analyzed(analyzed) => {
                self.on_sample(analyzed.sample.t_ms, analyzed.sample.state);
            }
            Update::Posture(event) => self.on_event(event),
            Update::Source(_) | Update::Failed(_) => {}
        }
    }

    /// What was counted after `earlier` (a copy of this tally taken before).
    fn since(&self, earlier: &Self) -> Self {
        Self {
            monitored_ms: (self.monitored_ms - earlier.monitored_ms).max(0.0),
            forward_head_ms: (self.forward_head_ms - earlier.forward_head_ms).max(0.0),
            alerts: self.alerts.saturating_sub(earlier.alerts),
            ..*self
        }
    }
}

/// A read of today's stored totals, with the tally as it was when the read started.
type Job = (Receiver<Result<DayTotals, StoreError>>, Tally);

/// Today's totals: the stored ones plus the running session's (see the module docs).
pub struct Today {
    db: Option<PathBuf>,
    /// The local day totalled, `YYYY-MM-DD` (`None`: today, by the process's local time at
    /// each read).
    day: Option<String>,
    /// The running session's count.
    pub tally: Tally,
    /// The last read, and the tally when it started.
    stored: Option<(DayTotals, Tally)>,
    job: Option<Job>,
    asked: Option<Instant>,
    /// Called when a read is done (the window passes `ctx.request_repaint`).
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
    told: bool,
}

impl std::fmt::Debug for Today {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Today")
            .field("db", &self.db)
            .field("day", &self.day)
            .field("tally", &self.tally)
            .field("stored", &self.stored)
            .finish_non_exhaustive()
    }
}

impl Today {
    /// Today's totals from the database at `db` (`None`: the platform data folder), frame
    /// gaps counted up to `max_gap_s`.
    pub fn new(db: Option<PathBuf>, max_gap_s: f64) -> Self {
        Self {
            db,
            day: None,
            tally: Tally::new(max_gap_s),
            stored: None,
            job: None,
            asked: None,
            wake: None,
            told: false,
        }
    }

    /// Totals the local day `day` (`YYYY-MM-DD`) instead of today: for a caller that keeps
    /// its own calendar (the tests, which must not depend on the wall clock's date).
    #[must_use]
    pub fn on_day(mut self, day: impl Into<String>) -> Self {
        self.day = Some(day.into());
        self
    }

    /// Calls `wake` when a read is done.
    pub fn set_wake(&mut self, wake: Arc<dyn Fn() + Send + Sync>) {
        self.wake = Some(wake);
    }

    /// Whether [`Self::set_wake`] was called.
    pub fn has_wake(&self) -> bool {
        self.wake.is_some()
    }

    /// Takes a finished read and starts the next one when [`REREAD`] has passed; never
    /// blocks. Call it often (each frame, each update).
    pub fn poll(&mut self, now: Instant) {
        if let Some((rx, at_read)) = &self.job {
            match rx.try_recv() {
                Ok(Ok(day)) => {
                    self.stored = Some((day, *at_read));
                    self.job = None;
                }
                Ok(Err(err)) => {
                    // No database yet is the normal first run: nothing stored today.
                    if !matches!(err, StoreError::Missing { .. }) && !self.told {
                        tracing::warn!("today's totals cannot be read: {err}");
                        self.told = true;
                    }
                    self.stored = None;
                    self.job = None;
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => self.job = None,
            }
        }
        if self
            .asked
            .is_some_and(|asked| now.duration_since(asked) < REREAD)
        {
            return;
        }
        self.asked = Some(now);
        let (tx, rx) = crossbeam_channel::bounded(1);
        let db = self.db.clone();
        let day = self.day.clone();
        let wake = self.wake.clone();
        let started = std::thread::Builder::new()
            .name("today".into())
            .spawn(move || {
                let read = Store::open_existing(db.as_deref())
                    .and_then(|store| store.daily_totals(day.as_deref(), 1))
                    .map(|mut days| days.pop().unwrap_or_default());
                let _ = tx.send(read);
                if let Some(wake) = wake {
                    wake();
                }
            });
        match started {
            Ok(_) => self.job = Some((rx, self.tally)),
            Err(err) => tracing::warn!("cannot start reading today's totals: {err}"),
        }
    }

    /// Waits up to `timeout` for a running read (tests, callers without a frame loop);
    /// returns whether none is running any more.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.job.is_some() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
            // The read just started, so this only takes its answer.
            self.poll(Instant::now());
        }
        true
    }

    /// Today's totals now. `saving`: whether the running session is stored (its rows are
    /// then in the last read, and only what came after it is added).
    pub fn totals(&self, saving: bool) -> DayTotals {
        let (mut day, live) = match &self.stored {
            Some((day, at_read)) if saving => (day.clone(), self.tally.since(at_read)),
            Some((day, _)) => (day.clone(), self.tally),
            None => (DayTotals::default(), self.tally),
        };
        day.monitored_s += (live.monitored_ms / 1000.0).round() as u64;
        day.forward_head_s += (live.forward_head_ms / 1000.0).round() as u64;
        day.alerts += live.alerts;
        day
    }

    /// The "today" line ([`text`]) of [`Self::totals`].
    pub fn line(&self, saving: bool) -> String {
        text(&self.totals(saving))
    }
}

/// The "today" line: `Today: forward head 12 min · 3 alerts · monitored 2 h 05 min`.
pub fn text(day: &DayTotals) -> String {
    format!(
        "Today: forward head {:.0} min · {} alert{} · monitored {}",
        day.forward_head_s as f64 / 60.0,
        day.alerts,
        if day.alerts == 1 { "" } else { "s" },
        duration_text(day.monitored_s as f64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{PostureSample, View};
    use crate::store::aggregate::aggregate_all;
    use crate::store::{NewSession, SessionKind};

    #[test]
    fn frame_gaps_count_up_to_the_judge_limit_in_the_frame_state() {
        let mut tally = Tally::new(2.0);
        tally.on_sample(0.0, PostureState::Upright);
        tally.on_sample(1000.0, PostureState::ForwardHead);
        // A 60 s gap (paused, frames dropped) counts 2 s.
        tally.on_sample(61_000.0, PostureState::ForwardHead);
        tally.on_sample(62_000.0, PostureState::Away);
        tally.on_event(&PostureEvent::Alert {
            t_ms: 1000.0,
            cva_deg: Some(20.0),
            forward_head_index: None,
        });
        assert!((tally.forward_head_ms - 3000.0).abs() < 1e-9);
        assert!(
            (tally.monitored_ms - 3000.0).abs() < 1e-9,
            "away not counted"
        );
        assert_eq!(tally.alerts, 1);
    }

    /// The window and the headless monitor both count through [`Tally::observe`]: frames
    /// in their state, alerts, and nothing for the source's news.
    #[test]
    fn the_pipeline_updates_feed_the_tally() {
        use crate::pipeline::{Failure, FailureKind, SourceStatus, analyzed_for_test};
        let mut tally = Tally::new(2.0);
        for update in [
            analyzed_for_test(1, 0.0, PostureState::Upright, 50.0),
            analyzed_for_test(2, 1000.0, PostureState::ForwardHead, 20.0),
            Update::Source(SourceStatus::Running("camera".into())),
            Update::Posture(PostureEvent::Alert {
                t_ms: 1000.0,
                cva_deg: Some(20.0),
                forward_head_index: None,
            }),
            Update::Posture(PostureEvent::State {
                t_ms: 1200.0,
                from: PostureState::AtRisk,
                state: PostureState::ForwardHead,
            }),
            analyzed_for_test(3, 2500.0, PostureState::ForwardHead, 20.0),
            // Away: not monitored; the 5 s gap counts 2 s (the judge's limit).
            analyzed_for_test(4, 7500.0, PostureState::Away, 20.0),
            Update::Failed(Failure::new(FailureKind::Internal, "stopped")),
        ] {
            tally.observe(&update);
        }
        assert!((tally.forward_head_ms - 2500.0).abs() < 1e-9, "{tally:?}");
        assert!((tally.monitored_ms - 2500.0).abs() < 1e-9, "{tally:?}");
        assert_eq!(tally.alerts, 1);
    }

    #[test]
    fn stored_day_plus_what_the_session_counted_since_the_read()
    -> Result<(), Box<dyn std::error::Error>> {
        // The session started at a fixed instant, and the day totalled is its local date (as
        // SQLite converts it with the process's `TZ`, like the store): whatever the clock
        // says, its 120 s (noon UTC, so within one local day) fall on that day.
        let started_at = "2026-03-10T12:00:00.000Z";
        let day: String = rusqlite::Connection::open_in_memory()?.query_row(
            "SELECT date(?1, 'localtime')",
            [started_at],
            |row| row.get(0),
        )?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path)?;
        let id = store.start_session(&NewSession {
            started_at: Some(started_at.to_owned()),
            ..NewSession::new(SessionKind::Monitor, "camera:0", None)
        })?;
        let samples: Vec<PostureSample> = (0..120)
            .map(|t_s| PostureSample {
                t_ms: f64::from(t_s) * 1000.0,
                view: View::SideLeft,
                state: PostureState::ForwardHead,
                ..PostureSample::default()
            })
            .collect();
        store.write_batch(id, &aggregate_all(&samples), &[])?;
        drop(store);

        let mut today = Today::new(Some(path), 2.0).on_day(day.clone());
        today.tally.on_sample(0.0, PostureState::ForwardHead);
        today.tally.on_sample(60_000.0, PostureState::ForwardHead);
        today.poll(Instant::now());
        assert!(today.wait(Duration::from_secs(20)), "the read ended");
        // 2 s counted before the read are in the database (saving), not counted twice.
        today.tally.on_sample(61_000.0, PostureState::ForwardHead);
        let saving = today.totals(true);
        assert_eq!(saving.day, day);
        assert_eq!((saving.forward_head_s, saving.monitored_s), (121, 121));
        // Not saving: the whole tally comes on top of the stored sessions.
        let unsaved = today.totals(false);
        assert_eq!(unsaved.forward_head_s, 123);
        assert_eq!(
            text(&saving),
            "Today: forward head 2 min · 0 alerts · monitored 2 min 01 s"
        );
        Ok(())
    }

    #[test]
    fn no_database_yet_counts_only_this_session() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut today = Today::new(Some(dir.path().join("none.sqlite")), 2.0);
        today.tally.on_sample(0.0, PostureState::Upright);
        today.tally.on_sample(1500.0, PostureState::Upright);
        today.poll(Instant::now());
        assert!(today.wait(Duration::from_secs(20)));
        let day = today.totals(true);
        assert_eq!((day.monitored_s, day.forward_head_s, day.alerts), (2, 0, 0));
        assert!(!dir.path().join("none.sqlite").exists(), "not created");
    }
}
