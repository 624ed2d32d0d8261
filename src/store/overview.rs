//! Session lists aggregated by SQLite: one query answers, for every stored session, its length,
//! mean CVA and time in the forward-head state, without reading the per-second rows into
//! memory (the window's history list runs it on each refresh).

use crate::posture::{Metric, PostureState};

use super::access::{RawSession, SESSION_COLUMN_COUNT, SESSION_COLUMNS};
use super::rows::SessionInfo;
use super::{Store, StoreError};

/// First and last second, mean CVA and forward-head seconds of one session's rows.
type Aggregates = (Option<i64>, Option<i64>, Option<f64>, Option<i64>);

/// One stored session with what its rows add up to.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionOverview {
    /// The session.
    pub info: SessionInfo,
    /// From the first to the last stored second, seconds (0 without rows).
    pub duration_s: f64,
    /// Mean of the per-second CVA means, degrees, over the seconds with one.
    pub cva_mean_deg: Option<f64>,
    /// Seconds whose most frequent state was the sustained forward-head state.
    pub forward_head_s: u64,
}

impl Store {
    /// Every session (only those of `subject` when given) with its aggregates, oldest first.
    pub fn session_overviews(
        &self,
        subject: Option<&str>,
    ) -> Result<Vec<SessionOverview>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, agg.first_s, agg.last_s, agg.cva, agg.forward_s \
             FROM sessions s LEFT JOIN subjects sub ON sub.id = s.subject_id \
             LEFT JOIN (SELECT session_id, MIN(t_s) AS first_s, MAX(t_s) AS last_s, \
                 AVG({cva}_mean) AS cva, SUM(state = ?2) AS forward_s \
                 FROM samples GROUP BY session_id) agg ON agg.session_id = s.id \
             WHERE ?1 IS NULL OR sub.code = ?1 ORDER BY s.id",
            cva = Metric::Cva.key(),
        );
        let raws: Vec<(RawSession, Aggregates)> = self
            .conn
            .prepare(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(
                    rusqlite::params![subject, PostureState::ForwardHead.name()],
                    |row| {
                        let at = SESSION_COLUMN_COUNT;
                        Ok((
                            RawSession::from_row(row)?,
                            (
                                row.get(at)?,
                                row.get(at + 1)?,
                                row.get(at + 2)?,
                                row.get(at + 3)?,
                            ),
                        ))
                    },
                )?
                .collect()
            })
            .map_err(|err| self.classify(err))?;
        raws.into_iter()
            .map(|(raw, (first, last, cva, forward))| {
                Ok(SessionOverview {
                    info: raw.into_info()?,
                    duration_s: match (first, last) {
                        (Some(first), Some(last)) => (last - first + 1).max(0) as f64,
                        _ => 0.0,
                    },
                    cva_mean_deg: cva,
                    forward_head_s: forward.unwrap_or(0).max(0) as u64,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Metrics, PostureSample, View};
    use crate::store::aggregate::aggregate_all;
    use crate::store::{NewSession, SessionKind};

    fn second(t_s: u32, cva: Option<f64>, state: PostureState) -> PostureSample {
        PostureSample {
            t_ms: f64::from(t_s) * 1000.0,
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: cva,
                ..Metrics::default()
            },
            state,
            ..PostureSample::default()
        }
    }

    #[test]
    fn aggregates_every_session_in_sql() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let mut new = NewSession::new(SessionKind::Monitor, "camera:0", None);
        new.subject = Some("P1".into());
        let first = store.start_session(&new)?;
        let samples = [
            second(10, Some(50.0), PostureState::Upright),
            second(11, None, PostureState::ForwardHead),
            second(12, Some(40.0), PostureState::ForwardHead),
            second(14, Some(45.0), PostureState::Away),
        ];
        store.write_batch(first, &aggregate_all(&samples), &[])?;
        let empty =
            store.start_session(&NewSession::new(SessionKind::Analysis, "clip.mp4", None))?;

        let all = store.session_overviews(None)?;
        assert_eq!(all.len(), 2);
        let overview = &all[0];
        assert_eq!(overview.info.id, first);
        assert_eq!(overview.info.seconds, 4);
        assert!(
            (overview.duration_s - 5.0).abs() < 1e-12,
            "seconds 10 to 14"
        );
        assert!((overview.cva_mean_deg.expect("cva") - 45.0).abs() < 1e-12);
        assert_eq!(overview.forward_head_s, 2);
        assert_eq!(all[1].info.id, empty);
        assert_eq!(
            (
                all[1].duration_s,
                all[1].cva_mean_deg,
                all[1].forward_head_s
            ),
            (0.0, None, 0)
        );
        let p1 = store.session_overviews(Some("P1"))?;
        assert_eq!(p1.len(), 1);
        assert_eq!(p1[0], all[0]);
        Ok(())
    }
}
