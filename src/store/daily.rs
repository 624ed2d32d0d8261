//! Totals per local calendar day, aggregated by SQLite: for each of the last few days, the
//! monitored time, the time in the sustained forward-head state and the alerts of every live
//! monitoring session (`kind = monitor`). One query serves the "today" line (tray tooltip,
//! window header) and the 7-day chart of the Sessions tab; a day without data is a row of
//! zeros.
//!
//! A second belongs to the local day of its wall-clock time: the session's start (stored in
//! UTC) plus the second's offset, converted by SQLite's `localtime` (the `TZ` of the process).
//! "Monitored" counts the seconds whose state [`PostureState::is_present`] (the rule of the
//! session summaries); paused time has no rows at all.

use crate::posture::{PostureEvent, PostureState};

use super::rows::SessionKind;
use super::{Store, StoreError};

/// What one local calendar day adds up to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// The local date, `YYYY-MM-DD`.
    pub day: String,
    /// Seconds with somebody present in front of the camera.
    pub monitored_s: u64,
    /// Seconds in the sustained forward-head state.
    pub forward_head_s: u64,
    /// Forward-head alerts.
    pub alerts: u32,
}

impl Store {
    /// The totals of the `days` local days ending with `last_day` (`YYYY-MM-DD`; `None`:
    /// today by the process's local time), oldest first, one row per day, zeros included.
    pub fn daily_totals(
        &self,
        last_day: Option<&str>,
        days: u32,
    ) -> Result<Vec<DayTotals>, StoreError> {
        let absent = PostureState::ALL
            .iter()
            .filter(|state| !state.is_present())
            .map(|state| format!("'{}'", state.name()))
            .collect::<Vec<_>>()
            .join(", ");
        // Sessions that started before the first day but ran into it (an all-day companion
        // runs for days) are kept by their end, or by having none (still running).
        let sql = format!(
            "WITH RECURSIVE days(day, i) AS ( \
                 SELECT COALESCE(?1, date('now', 'localtime')), 1 \
                 UNION ALL SELECT date(day, '-1 day'), i + 1 FROM days WHERE i < ?2), \
             first(day) AS (SELECT date(MIN(day), '-1 day') FROM days), \
             live AS (SELECT s.id, julianday(s.started_at) AS start FROM sessions s, first \
                 WHERE s.kind = ?3 AND (s.started_at >= first.day OR s.ended_at IS NULL \
                     OR s.ended_at >= first.day)), \
             secs AS (SELECT date(live.start + m.t_s / 86400.0, 'localtime') AS day, \
                     SUM(m.state NOT IN ({absent})) AS monitored, SUM(m.state = ?4) AS forward \
                 FROM samples m JOIN live ON live.id = m.session_id GROUP BY 1), \
             alerts AS (SELECT date(live.start + e.t_ms / 86400000.0, 'localtime') AS day, \
                     COUNT(*) AS n \
                 FROM events e JOIN live ON live.id = e.session_id WHERE e.kind = ?5 GROUP BY 1) \
             SELECT days.day, COALESCE(secs.monitored, 0), COALESCE(secs.forward, 0), \
                 COALESCE(alerts.n, 0) \
             FROM days LEFT JOIN secs ON secs.day = days.day \
             LEFT JOIN alerts ON alerts.day = days.day ORDER BY days.day"
        );
        let alert_kind = PostureEvent::Alert {
            t_ms: 0.0,
            cva_deg: None,
            forward_head_index: None,
        }
        .kind();
        self.conn
            .prepare(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(
                    rusqlite::params![
                        last_day,
                        days.max(1),
                        SessionKind::Monitor.as_str(),
                        PostureState::ForwardHead.name(),
                        alert_kind,
                    ],
                    |row| {
                        let count = |i: usize| row.get::<_, i64>(i).map(|n| n.max(0));
                        Ok(DayTotals {
                            day: row.get(0)?,
                            monitored_s: count(1)? as u64,
                            forward_head_s: count(2)? as u64,
                            alerts: u32::try_from(count(3)?).unwrap_or(u32::MAX),
                        })
                    },
                )?
                .collect()
            })
            .map_err(|err| self.classify(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{PostureSample, View};
    use crate::store::NewSession;
    use crate::store::aggregate::aggregate_all;

    fn seconds(from: u32, to: u32, state: PostureState) -> Vec<PostureSample> {
        (from..to)
            .map(|t_s| PostureSample {
                t_ms: f64::from(t_s) * 1000.0,
                view: View::SideLeft,
                state,
                ..PostureSample::default()
            })
            .collect()
    }

    fn session(
        store: &mut Store,
        kind: SessionKind,
        started_at: &str,
        samples: &[PostureSample],
        alerts: &[f64],
    ) -> Result<(), StoreError> {
        let mut new = NewSession::new(kind, "camera:0", None);
        new.started_at = Some(started_at.to_owned());
        let id = store.start_session(&new)?;
        let events: Vec<PostureEvent> = alerts
            .iter()
            .map(|t_ms| PostureEvent::Alert {
                t_ms: *t_ms,
                cva_deg: Some(20.0),
                forward_head_index: None,
            })
            .collect();
        store.write_batch(id, &aggregate_all(samples), &events)
    }

    #[test]
    fn days_add_up_monitor_sessions_by_local_day_with_empty_days_as_zero() -> Result<(), StoreError>
    {
        // SQLite's 'localtime' follows TZ; noon UTC is the same date from UTC-11 to UTC+11.
        let mut store = Store::open_in_memory()?;
        let mut today = seconds(0, 60, PostureState::Upright);
        today.extend(seconds(60, 90, PostureState::ForwardHead));
        today.extend(seconds(90, 100, PostureState::Away));
        session(
            &mut store,
            SessionKind::Monitor,
            "2026-12-05T12:00:00.000Z",
            &today,
            &[70_000.0],
        )?;
        // A second session the same day adds up with the first.
        session(
            &mut store,
            SessionKind::Monitor,
            "2026-12-05T13:00:00.000Z",
            &seconds(0, 20, PostureState::ForwardHead),
            &[5_000.0, 15_000.0],
        )?;
        session(
            &mut store,
            SessionKind::Monitor,
            "2026-12-02T12:00:00.000Z",
            &seconds(0, 30, PostureState::Snoozed),
            &[],
        )?;
        // Recordings analyzed today are not the user's day; nor is anything after it.
        session(
            &mut store,
            SessionKind::Analysis,
            "2026-12-05T12:00:00.000Z",
            &seconds(0, 50, PostureState::ForwardHead),
            &[1_000.0],
        )?;
        session(
            &mut store,
            SessionKind::Monitor,
            "2026-12-06T12:00:00.000Z",
            &seconds(0, 50, PostureState::ForwardHead),
            &[1_000.0],
        )?;
        let days = store.daily_totals(Some("2026-12-05"), 7)?;
        let names: Vec<&str> = days.iter().map(|d| d.day.as_str()).collect();
        assert_eq!(
            names,
            [
                "2026-11-29",
                "2026-11-30",
                "2026-12-01",
                "2026-12-02",
                "2026-12-03",
                "2026-12-04",
                "2026-12-05"
            ]
        );
        assert_eq!(
            days[6],
            DayTotals {
                day: "2026-12-05".into(),
                monitored_s: 90 + 20,
                forward_head_s: 30 + 20,
                alerts: 3,
            }
        );
        assert_eq!((days[3].monitored_s, days[3].forward_head_s), (30, 0));
        for (i, day) in days.iter().enumerate() {
            if i != 3 && i != 6 {
                assert_eq!((day.monitored_s, day.forward_head_s, day.alerts), (0, 0, 0));
            }
        }
        let one = store.daily_totals(Some("2026-12-05"), 1)?;
        assert_eq!(one, vec![days[6].clone()]);
        Ok(())
    }

    #[test]
    fn a_session_running_past_midnight_splits_between_its_days() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        // Starts 23:59:30.5 local on the 4th (TZ as the test runs), 60 s of forward head.
        let start: String = store.conn.query_row(
            "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '2026-12-04 23:59:30.500', 'utc')",
            [],
            |row| row.get(0),
        )?;
        session(
            &mut store,
            SessionKind::Monitor,
            &start,
            &seconds(0, 60, PostureState::ForwardHead),
            &[],
        )?;
        let days = store.daily_totals(Some("2026-12-05"), 2)?;
        assert_eq!(
            (days[0].day.as_str(), days[0].forward_head_s),
            ("2026-12-04", 30)
        );
        assert_eq!(
            (days[1].day.as_str(), days[1].forward_head_s),
            ("2026-12-05", 30)
        );
        Ok(())
    }
}
