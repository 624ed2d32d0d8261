//! A subject's visits: every baseline and every follow-up hold, oldest first, and which
//! baseline a follow-up is compared with.
//!
//! A *hold* is the standard recording of `plumbline baseline` and `plumbline follow-up`: the
//! subject sits still for a few seconds and every analyzed frame counts, so both sides of a
//! comparison are per-frame statistics of the same procedure. Both live in the `holds` table,
//! told apart by `kind` (the window's calibrations with a subject set are baselines too), and
//! are kept forever, never replaced.
//!
//! Order is the time the hold was stored (`recorded_at`), then the session id. A follow-up is
//! compared with the latest baseline *before* it, never with a later one.

use rusqlite::params;

use crate::posture::{Baseline, MetricStats, PostureEvent};

use super::access::{end_session, insert_hold, insert_rows_and_events, insert_session, subject_id};
use super::aggregate::SecondRow;
use super::rows::{
    NewSession, SessionId, SessionKind, StoredBaseline, Visit, VisitRole, parse_view,
};
use super::{Store, StoreError};

/// Seconds of source time a standard hold lasts unless told otherwise.
pub const STANDARD_HOLD_S: f64 = 10.0;

/// A video or camera hold shorter than this (seconds of source time) makes a comparison
/// unreliable: its mean depends on the moment it was taken.
pub const MIN_HOLD_S: u64 = 5;

/// A finished hold, stored at once by [`Store::save_hold`].
#[derive(Clone, Debug, PartialEq)]
pub struct Hold {
    /// The session it was recorded in (kind baseline or follow-up, with the subject set).
    pub session: NewSession,
    /// Baseline or follow-up.
    pub role: VisitRole,
    /// The per-second rows of the hold.
    pub rows: Vec<SecondRow>,
    /// The posture events during the hold.
    pub events: Vec<PostureEvent>,
    /// Per-frame statistics of every metric measured.
    pub stats: Baseline,
}

/// Why no comparison can be made between two visits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VisitError {
    /// The subject has no follow-up (after the chosen baseline).
    #[error(
        "subject {subject} has no follow-up{after}; record one with `plumbline follow-up \
         --subject {subject} --source ...` (the same standard hold as the baseline)"
    )]
    NoFollowUp {
        /// The subject's code.
        subject: String,
        /// " after baseline N" when a baseline was chosen, else empty.
        after: String,
    },
    /// The follow-up has no baseline recorded before it.
    #[error(
        "subject {subject} has no baseline before follow-up {follow_up}; record one with \
         `plumbline baseline --subject {subject} --source ...`"
    )]
    NoBaselineBefore {
        /// The subject's code.
        subject: String,
        /// The follow-up's session.
        follow_up: SessionId,
    },
    /// A session was chosen that is not a visit of this kind of the subject.
    #[error(
        "session {session} is not a {role} of subject {subject}; `plumbline history --subject \
         {subject}` lists the visits"
    )]
    NotAVisit {
        /// The subject's code.
        subject: String,
        /// The session that was chosen.
        session: SessionId,
        /// "baseline" or "follow-up".
        role: &'static str,
    },
    /// The chosen baseline was recorded after the chosen follow-up.
    #[error(
        "baseline {baseline} was recorded after follow-up {follow_up}; a comparison runs \
         forward in time: pick a baseline recorded before the follow-up"
    )]
    Backwards {
        /// The baseline's session.
        baseline: SessionId,
        /// The follow-up's session.
        follow_up: SessionId,
    },
}

/// Picks the visits to compare, as indices into `visits` (oldest first): the chosen
/// follow-up, or the latest one (after the chosen baseline, if one was chosen); and the chosen
/// baseline, or the latest one before the follow-up.
pub fn pick_pair(
    subject: &str,
    visits: &[Visit],
    baseline: Option<SessionId>,
    follow_up: Option<SessionId>,
) -> Result<(usize, usize), VisitError> {
    let find = |role: VisitRole, session: SessionId| {
        visits
            .iter()
            .rposition(|visit| visit.role == role && visit.hold.session == Some(session))
            .ok_or(VisitError::NotAVisit {
                subject: subject.to_owned(),
                session,
                role: role.label(),
            })
    };
    let chosen_baseline = baseline
        .map(|session| find(VisitRole::Baseline, session))
        .transpose()?;
    let follow_index = match follow_up {
        Some(session) => find(VisitRole::FollowUp, session)?,
        None => visits
            .iter()
            .enumerate()
            .skip(chosen_baseline.map_or(0, |index| index + 1))
            .rfind(|(_, visit)| visit.role == VisitRole::FollowUp)
            .map(|(index, _)| index)
            .ok_or_else(|| VisitError::NoFollowUp {
                subject: subject.to_owned(),
                after: baseline.map_or_else(String::new, |id| format!(" after baseline {id}")),
            })?,
    };
    let follow_session = visits[follow_index].hold.session.unwrap_or(SessionId(0));
    let baseline_index = match chosen_baseline {
        Some(index) if index > follow_index => {
            return Err(VisitError::Backwards {
                baseline: baseline.unwrap_or(SessionId(0)),
                follow_up: follow_session,
            });
        }
        Some(index) => index,
        None => visits[..follow_index]
            .iter()
            .rposition(|visit| visit.role == VisitRole::Baseline)
            .ok_or_else(|| VisitError::NoBaselineBefore {
                subject: subject.to_owned(),
                follow_up: follow_session,
            })?,
    };
    Ok((baseline_index, follow_index))
}

/// One stored row of a hold with its session, before grouping.
struct HoldRow {
    role: String,
    session: Option<i64>,
    view: String,
    recorded_at: String,
    metric: String,
    stats: MetricStats,
    session_kind: Option<String>,
    source: Option<String>,
    source_kind: Option<String>,
    notes: Option<String>,
    seconds: Option<i64>,
    photo_cva_sd_deg: Option<f64>,
}

impl Store {
    /// Stores a finished hold in one transaction: the session (started and ended), its
    /// per-second rows and events, and the hold's statistics. A hold that fails before this is
    /// called leaves nothing behind; one that is interrupted while storing leaves nothing
    /// either.
    pub fn save_hold(&mut self, hold: &Hold) -> Result<SessionId, StoreError> {
        let subject = hold.session.subject.as_deref().ok_or(StoreError::Invalid {
            detail: "a hold needs a subject".into(),
        })?;
        let result = (|| {
            let tx = self.conn.transaction()?;
            let subject_id = subject_id(&tx, subject, None)?;
            let session = insert_session(&tx, &hold.session)?;
            insert_rows_and_events(&tx, session, &hold.rows, &hold.events)?;
            end_session(&tx, session)?;
            insert_hold(&tx, hold.role, subject_id, Some(session), &hold.stats)?;
            tx.commit()?;
            Ok(session)
        })();
        result.map_err(|err| self.classify(err))
    }

    /// Every visit of `subject` (baselines and follow-ups), oldest first.
    pub fn visits(&self, subject: &str) -> Result<Vec<Visit>, StoreError> {
        let sql = "SELECT h.kind, h.session_id, h.view, h.recorded_at, h.metric, h.mean, h.sd, \
             h.n, s.kind, s.source, s.source_kind, s.notes, \
             (SELECT COUNT(*) FROM samples WHERE session_id = s.id), h.photo_cva_sd_deg \
             FROM holds h JOIN subjects sub ON sub.id = h.subject_id \
             LEFT JOIN sessions s ON s.id = h.session_id \
             WHERE sub.code = ?1 \
             ORDER BY h.recorded_at, h.session_id, h.kind, h.id";
        let rows: Vec<HoldRow> = self
            .conn
            .prepare(sql)
            .and_then(|mut stmt| {
                stmt.query_map(params![subject], |row| {
                    Ok(HoldRow {
                        role: row.get(0)?,
                        session: row.get(1)?,
                        view: row.get(2)?,
                        recorded_at: row.get(3)?,
                        metric: row.get(4)?,
                        stats: MetricStats {
                            mean: row.get(5)?,
                            sd: row.get(6)?,
                            n: row.get(7)?,
                        },
                        session_kind: row.get(8)?,
                        source: row.get(9)?,
                        source_kind: row.get(10)?,
                        notes: row.get(11)?,
                        seconds: row.get(12)?,
                        photo_cva_sd_deg: row.get(13)?,
                    })
                })?
                .collect()
            })
            .map_err(|err| self.classify(err))?;
        let mut visits: Vec<Visit> = Vec::new();
        for row in rows {
            let role: VisitRole = row.role.parse()?;
            let session = row.session.map(SessionId);
            let same = visits.last().is_some_and(|last| {
                last.role == role
                    && last.hold.session == session
                    && last.hold.recorded_at == row.recorded_at
            });
            if !same {
                let session_kind = row
                    .session_kind
                    .as_deref()
                    .map(str::parse::<SessionKind>)
                    .transpose()?;
                // A baseline or follow-up session is the hold itself: its stored seconds are the
                // hold's length. A calibration inside a monitor session has no length of its own.
                let seconds = match session_kind {
                    Some(SessionKind::Baseline | SessionKind::FollowUp) => {
                        row.seconds.map(|s| s.max(0) as u64)
                    }
                    _ => None,
                };
                visits.push(Visit {
                    role,
                    hold: StoredBaseline {
                        subject: subject.to_owned(),
                        session,
                        recorded_at: row.recorded_at.clone(),
                        baseline: Baseline {
                            view: parse_view(&row.view)?,
                            photo_cva_sd_deg: row.photo_cva_sd_deg,
                            ..Baseline::default()
                        },
                    },
                    session_kind,
                    source: row.source,
                    source_kind: row.source_kind.as_deref().map(str::parse).transpose()?,
                    notes: row.notes,
                    seconds,
                });
            }
            if let Some(visit) = visits.last_mut() {
                visit
                    .hold
                    .baseline
                    .insert_key(&row.metric, row.stats)
                    .map_err(|err| StoreError::Invalid {
                        detail: err.to_string(),
                    })?;
            }
        }
        Ok(visits)
    }

    /// The most recent baseline of `subject`, if one was recorded.
    pub fn latest_baseline(&self, subject: &str) -> Result<Option<StoredBaseline>, StoreError> {
        Ok(self
            .visits(subject)?
            .into_iter()
            .rfind(|visit| visit.role == VisitRole::Baseline)
            .map(|visit| visit.hold))
    }

    /// The latest baseline of `subject` stored no later than `at` (ISO 8601 UTC; `None`: any
    /// time), for comparing a session with the baseline that preceded it.
    pub fn baseline_before(
        &self,
        subject: &str,
        at: Option<&str>,
    ) -> Result<Option<StoredBaseline>, StoreError> {
        Ok(self
            .visits(subject)?
            .into_iter()
            .filter(|visit| at.is_none_or(|at| visit.hold.recorded_at.as_str() <= at))
            .rfind(|visit| visit.role == VisitRole::Baseline)
            .map(|visit| visit.hold))
    }
}

/// A hold of subject P1 from `hold.mp4` (a video): `seconds` of side-view frames at 10 fps,
/// CVA `cva` ± 1.0 over them (tests of the store and of the window's visits).
#[cfg(test)]
pub(crate) fn test_hold(role: VisitRole, cva: f64, seconds: u32) -> Hold {
    use crate::posture::{Metric, PostureSample, View};
    use crate::store::aggregate::aggregate_all;
    use crate::store::rows::SourceKind;
    let kind = match role {
        VisitRole::Baseline => SessionKind::Baseline,
        VisitRole::FollowUp => SessionKind::FollowUp,
    };
    let mut session = NewSession::new(kind, "hold.mp4", None);
    session.subject = Some("P1".into());
    session.source_kind = Some(SourceKind::Video);
    let samples: Vec<PostureSample> = (0..seconds * 10)
        .map(|i| PostureSample {
            seq: u64::from(i),
            t_ms: f64::from(i) * 100.0,
            view: View::SideLeft,
            ..PostureSample::default()
        })
        .collect();
    Hold {
        session,
        role,
        rows: aggregate_all(&samples),
        events: Vec::new(),
        stats: Baseline {
            view: View::SideLeft,
            metrics: [(
                Metric::Cva,
                MetricStats {
                    mean: cva,
                    sd: 1.0,
                    n: seconds * 10,
                },
            )]
            .into(),
            ..Baseline::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_hold as hold;
    use crate::store::rows::SourceKind;

    #[test]
    fn holds_are_kept_in_order_and_pair_forward_in_time() -> Result<(), Box<dyn std::error::Error>>
    {
        let mut store = Store::open_in_memory()?;
        // Holds are stamped to the millisecond; real ones are seconds apart.
        let mut save = |hold: Hold| {
            std::thread::sleep(std::time::Duration::from_millis(3));
            store.save_hold(&hold)
        };
        let b1 = save(hold(VisitRole::Baseline, 50.0, 10))?;
        let f1 = save(hold(VisitRole::FollowUp, 46.0, 10))?;
        let b2 = save(hold(VisitRole::Baseline, 47.0, 10))?;
        let f2 = save(hold(VisitRole::FollowUp, 49.0, 4))?;
        let visits = store.visits("P1")?;
        let sessions: Vec<_> = visits.iter().map(|v| (v.role, v.hold.session)).collect();
        assert_eq!(
            sessions,
            [
                (VisitRole::Baseline, Some(b1)),
                (VisitRole::FollowUp, Some(f1)),
                (VisitRole::Baseline, Some(b2)),
                (VisitRole::FollowUp, Some(f2)),
            ]
        );
        assert_eq!(visits[3].seconds, Some(4));
        assert_eq!(visits[0].source_kind, Some(SourceKind::Video));
        assert_eq!(store.session(f1)?.kind, SessionKind::FollowUp);
        assert!(store.session(f1)?.ended_at.is_some());
        assert_eq!(store.samples(b2)?.len(), 10);
        // Both baselines stay; the latest is the second.
        let latest = store.latest_baseline("P1")?.ok_or("baseline")?;
        assert_eq!(latest.session, Some(b2));

        assert_eq!(pick_pair("P1", &visits, None, None)?, (2, 3));
        assert_eq!(pick_pair("P1", &visits, None, Some(f1))?, (0, 1));
        assert_eq!(pick_pair("P1", &visits, Some(b1), Some(f2))?, (0, 3));
        assert_eq!(pick_pair("P1", &visits, Some(b1), None)?, (0, 3));
        assert_eq!(
            pick_pair("P1", &visits, Some(b2), Some(f1)),
            Err(VisitError::Backwards {
                baseline: b2,
                follow_up: f1
            })
        );
        assert!(matches!(
            pick_pair("P1", &visits, Some(f1), None),
            Err(VisitError::NotAVisit { .. })
        ));
        assert!(matches!(
            pick_pair("P1", &visits[..1], None, None),
            Err(VisitError::NoFollowUp { .. })
        ));
        assert!(matches!(
            pick_pair("P1", &visits[1..2], None, None),
            Err(VisitError::NoBaselineBefore { .. })
        ));
        assert!(
            store
                .baseline_before("P1", Some(&visits[1].hold.recorded_at))?
                .is_some_and(|b| b.session == Some(b1))
        );
        assert!(
            store
                .baseline_before("P1", Some("2000-01-01T00:00:00.000Z"))?
                .is_none()
        );
        assert!(store.baseline_before("P1", None)?.is_some());
        Ok(())
    }

    #[test]
    fn a_hold_without_subject_stores_nothing() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let mut orphan = hold(VisitRole::Baseline, 50.0, 2);
        orphan.session.subject = None;
        assert!(store.save_hold(&orphan).is_err());
        assert!(store.sessions(None)?.is_empty());
        Ok(())
    }
}
