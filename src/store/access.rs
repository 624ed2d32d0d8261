//! Reading and writing records: subjects, sessions, per-second samples, events and baselines.
//! Plain synchronous methods on [`Store`], tested without threads; the
//! [`writer`](super::writer) thread calls them in batches.

use rusqlite::{Connection, OptionalExtension as _, Row, params};

use crate::posture::{Baseline, Metric, PostureEvent};

use super::aggregate::{MetricSecond, SecondRow};
use super::rows::{
    EventRow, JudgedWith, NewSession, SessionId, SessionInfo, SourceKind, VisitRole, parse_call,
    parse_state, parse_view,
};
use super::{Store, StoreError};

/// SQLite's "now" as ISO 8601 UTC with milliseconds.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

pub(super) const SESSION_COLUMNS: &str = "s.id, s.kind, sub.code, s.started_at, s.ended_at, s.source, \
     s.model, s.view, s.notes, (SELECT COUNT(*) FROM samples WHERE session_id = s.id), \
     s.source_kind, s.judged_with";
/// How many columns [`SESSION_COLUMNS`] selects; a query's own columns follow from this index.
pub(super) const SESSION_COLUMN_COUNT: usize = 12;

impl Store {
    /// The id of the subject with `code`, created (with `label`) when new.
    pub fn subject_id(&mut self, code: &str, label: Option<&str>) -> Result<i64, StoreError> {
        subject_id(&self.conn, code, label).map_err(|err| self.classify(err))
    }

    /// Starts a session and returns its id.
    pub fn start_session(&mut self, new: &NewSession) -> Result<SessionId, StoreError> {
        insert_session(&self.conn, new).map_err(|err| self.classify(err))
    }

    /// Marks a session as ended now and records its dominant view.
    pub fn end_session(&mut self, session: SessionId) -> Result<(), StoreError> {
        end_session(&self.conn, session).map_err(|err| self.classify(err))
    }

    /// Writes per-second rows and events in one transaction. A row for a second that is
    /// already stored replaces it (the writer first stores the open second partially, then
    /// completes it).
    pub fn write_batch(
        &mut self,
        session: SessionId,
        rows: &[SecondRow],
        events: &[PostureEvent],
    ) -> Result<(), StoreError> {
        self.write_batch_inner(session, rows, events)
            .map_err(|err| self.classify(err))
    }

    fn write_batch_inner(
        &mut self,
        session: SessionId,
        rows: &[SecondRow],
        events: &[PostureEvent],
    ) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        insert_rows_and_events(&tx, session, rows, events)?;
        tx.commit()
    }

    /// One session.
    pub fn session(&self, session: SessionId) -> Result<SessionInfo, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s LEFT JOIN subjects sub \
             ON sub.id = s.subject_id WHERE s.id = ?1"
        );
        let raw = self
            .conn
            .query_row(&sql, [session.0], RawSession::from_row)
            .optional()
            .map_err(|err| self.classify(err))?;
        raw.ok_or_else(|| StoreError::NotFound {
            what: format!("session {session}"),
        })?
        .into_info()
    }

    /// All sessions, oldest first; only those of `subject` when given.
    pub fn sessions(&self, subject: Option<&str>) -> Result<Vec<SessionInfo>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s LEFT JOIN subjects sub \
             ON sub.id = s.subject_id WHERE ?1 IS NULL OR sub.code = ?1 ORDER BY s.id"
        );
        let raws = self
            .conn
            .prepare(&sql)
            .and_then(|mut stmt| {
                stmt.query_map([subject], RawSession::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|err| self.classify(err))?;
        raws.into_iter().map(RawSession::into_info).collect()
    }

    /// The per-second rows of a session in time order.
    pub fn samples(&self, session: SessionId) -> Result<Vec<SecondRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM samples WHERE session_id = ?1 ORDER BY t_s",
            sample_columns().join(", ")
        );
        let raws = self
            .conn
            .prepare(&sql)
            .and_then(|mut stmt| {
                stmt.query_map([session.0], RawSample::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|err| self.classify(err))?;
        raws.into_iter().map(RawSample::into_row).collect()
    }

    /// The events of a session in time order.
    pub fn events(&self, session: SessionId) -> Result<Vec<EventRow>, StoreError> {
        let details: Vec<(f64, String)> = self
            .conn
            .prepare("SELECT t_ms, detail FROM events WHERE session_id = ?1 ORDER BY t_ms, id")
            .and_then(|mut stmt| {
                stmt.query_map([session.0], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(|err| self.classify(err))?;
        details
            .into_iter()
            .map(|(t_ms, detail)| {
                Ok(EventRow {
                    t_ms,
                    event: serde_json::from_str(&detail)?,
                })
            })
            .collect()
    }

    /// Stores a baseline for `subject` (created when new), recorded in `session`. Earlier
    /// baselines are kept: every baseline is a visit.
    pub fn save_baseline(
        &mut self,
        subject: &str,
        session: Option<SessionId>,
        baseline: &Baseline,
    ) -> Result<(), StoreError> {
        let result = (|| {
            let tx = self.conn.transaction()?;
            let subject_id = subject_id(&tx, subject, None)?;
            insert_hold(&tx, VisitRole::Baseline, subject_id, session, baseline)?;
            tx.commit()
        })();
        result.map_err(|err| self.classify(err))
    }
}

/// The id of the subject with `code`, created (with `label`) when new.
pub(super) fn subject_id(
    conn: &Connection,
    code: &str,
    label: Option<&str>,
) -> rusqlite::Result<i64> {
    let existing: Option<i64> = conn
        .query_row("SELECT id FROM subjects WHERE code = ?1", [code], |row| {
            row.get(0)
        })
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    conn.execute(
        &format!("INSERT INTO subjects (code, label, created_at) VALUES (?1, ?2, {NOW})"),
        params![code, label],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Inserts a session row (its subject created when new) and returns its id.
pub(super) fn insert_session(conn: &Connection, new: &NewSession) -> rusqlite::Result<SessionId> {
    let subject = match &new.subject {
        Some(code) => Some(subject_id(conn, code, None)?),
        None => None,
    };
    let judged_with = new
        .judged_with
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
    conn.execute(
        &format!(
            "INSERT INTO sessions (subject_id, kind, started_at, source, model, notes, \
             source_kind, judged_with) VALUES (?1, ?2, COALESCE(?3, {NOW}), ?4, ?5, ?6, ?7, ?8)"
        ),
        params![
            subject,
            new.kind.as_str(),
            new.started_at,
            new.source,
            new.model,
            new.notes,
            new.source_kind.map(SourceKind::as_str),
            judged_with,
        ],
    )?;
    Ok(SessionId(conn.last_insert_rowid()))
}

/// Marks a session as ended now and records its dominant view.
pub(super) fn end_session(conn: &Connection, session: SessionId) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE sessions SET ended_at = {NOW}, view = (SELECT view FROM samples \
             WHERE session_id = ?1 GROUP BY view ORDER BY SUM(frames) DESC, view \
             LIMIT 1) WHERE id = ?1"
        ),
        [session.0],
    )?;
    Ok(())
}

/// Writes per-second rows (a stored second is replaced) and events of `session`.
pub(super) fn insert_rows_and_events(
    conn: &Connection,
    session: SessionId,
    rows: &[SecondRow],
    events: &[PostureEvent],
) -> rusqlite::Result<()> {
    let mut insert_row = conn.prepare_cached(&sample_insert_sql())?;
    for row in rows {
        let mut values: Vec<rusqlite::types::Value> = vec![
            session.0.into(),
            row.t_s.into(),
            i64::from(row.frames).into(),
            row.view.name().to_owned().into(),
            row.state.name().to_owned().into(),
            row.forward_head_fraction.into(),
            row.rula_neck.map(i64::from).into(),
            row.rula_trunk.map(i64::from).into(),
            row.confidence_mean.into(),
        ];
        for metric in &row.metrics {
            values.extend([
                metric.mean.into(),
                metric.min.into(),
                metric.max.into(),
                metric.valid.into(),
            ]);
        }
        values.extend([
            row.cva_sd_deg.into(),
            row.call.map(|call| call.name().to_owned()).into(),
        ]);
        insert_row.execute(rusqlite::params_from_iter(values))?;
    }
    let mut insert_event = conn.prepare_cached(
        "INSERT INTO events (session_id, t_ms, kind, detail) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for event in events {
        let detail = serde_json::to_string(event)
            .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
        insert_event.execute(params![session.0, event.t_ms(), event.kind(), detail])?;
    }
    Ok(())
}

/// Stores the statistics of a hold (a baseline or a follow-up) per metric and front-view
/// signal, stamped now; each row carries the photos' CVA ± of a hold from photos.
pub(super) fn insert_hold(
    conn: &Connection,
    role: VisitRole,
    subject_id: i64,
    session: Option<SessionId>,
    hold: &Baseline,
) -> rusqlite::Result<()> {
    let recorded_at: String = conn.query_row(&format!("SELECT {NOW}"), [], |r| r.get(0))?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO holds (subject_id, session_id, kind, metric, view, mean, sd, n, \
         recorded_at, photo_cva_sd_deg) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (key, stats) in hold.entries() {
        insert.execute(params![
            subject_id,
            session.map(|id| id.0),
            role.as_str(),
            key,
            hold.view.name(),
            stats.mean,
            stats.sd,
            stats.n,
            recorded_at,
            hold.photo_cva_sd_deg
        ])?;
    }
    Ok(())
}

/// The sample columns appended after the metrics (schema version 4).
const SAMPLE_TAIL: [&str; 2] = ["cva_sd_deg", "call"];

/// The sample columns in table order (after `session_id`); also the CSV header.
pub fn sample_columns() -> Vec<String> {
    let mut columns: Vec<String> = [
        "t_s",
        "frames",
        "view",
        "state",
        "forward_head_fraction",
        "rula_neck",
        "rula_trunk",
        "confidence_mean",
    ]
    .map(String::from)
    .to_vec();
    for metric in Metric::ALL {
        for part in ["mean", "min", "max", "valid"] {
            columns.push(format!("{}_{part}", metric.key()));
        }
    }
    columns.extend(SAMPLE_TAIL.map(String::from));
    columns
}

fn sample_insert_sql() -> String {
    let columns = sample_columns();
    let placeholders = (1..=columns.len() + 1)
        .map(|index| format!("?{index}"))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = columns
        .iter()
        .skip(1)
        .map(|column| format!("{column} = excluded.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO samples (session_id, {}) VALUES ({placeholders}) \
         ON CONFLICT (session_id, t_s) DO UPDATE SET {updates}",
        columns.join(", ")
    )
}

/// A session row before its text fields are parsed.
pub(super) struct RawSession {
    id: i64,
    kind: String,
    subject: Option<String>,
    started_at: String,
    ended_at: Option<String>,
    source: String,
    model: Option<String>,
    view: Option<String>,
    notes: Option<String>,
    seconds: i64,
    source_kind: Option<String>,
    judged_with: Option<String>,
}

impl RawSession {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            kind: row.get(1)?,
            subject: row.get(2)?,
            started_at: row.get(3)?,
            ended_at: row.get(4)?,
            source: row.get(5)?,
            model: row.get(6)?,
            view: row.get(7)?,
            notes: row.get(8)?,
            seconds: row.get(9)?,
            source_kind: row.get(10)?,
            judged_with: row.get(11)?,
        })
    }

    pub(super) fn into_info(self) -> Result<SessionInfo, StoreError> {
        Ok(SessionInfo {
            id: SessionId(self.id),
            kind: self.kind.parse()?,
            subject: self.subject,
            started_at: self.started_at,
            ended_at: self.ended_at,
            source: self.source,
            source_kind: self.source_kind.as_deref().map(str::parse).transpose()?,
            model: self.model,
            view: self.view.as_deref().map(parse_view).transpose()?,
            notes: self.notes,
            seconds: self.seconds.max(0) as u64,
            judged_with: JudgedWith::from_stored(self.judged_with.as_deref()),
        })
    }
}

/// The leading columns of a sample row: second, frames, view, state, forward-head fraction,
/// RULA neck and trunk, confidence.
type SampleHead = (
    i64,
    u32,
    String,
    String,
    Option<f64>,
    Option<u8>,
    Option<u8>,
    f64,
);

/// A sample row before its text fields are parsed.
struct RawSample {
    head: SampleHead,
    metrics: [MetricSecond; Metric::COUNT],
    cva_sd_deg: Option<f64>,
    call: Option<String>,
}

impl RawSample {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let mut metrics = [MetricSecond::default(); Metric::COUNT];
        for (index, metric) in metrics.iter_mut().enumerate() {
            let base = 8 + index * 4;
            *metric = MetricSecond {
                mean: row.get(base)?,
                min: row.get(base + 1)?,
                max: row.get(base + 2)?,
                valid: row.get(base + 3)?,
            };
        }
        let tail = 8 + Metric::COUNT * 4;
        Ok(Self {
            cva_sd_deg: row.get(tail)?,
            call: row.get(tail + 1)?,
            head: (
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
            ),
            metrics,
        })
    }

    fn into_row(self) -> Result<SecondRow, StoreError> {
        let (t_s, frames, view, state, forward_head_fraction, rula_neck, rula_trunk, confidence) =
            self.head;
        Ok(SecondRow {
            t_s,
            frames,
            view: parse_view(&view)?,
            state: parse_state(&state)?,
            forward_head_fraction,
            rula_neck,
            rula_trunk,
            confidence_mean: confidence,
            metrics: self.metrics,
            cva_sd_deg: self.cva_sd_deg,
            call: self.call.as_deref().map(parse_call).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Call, PostureSample, PostureState, View};
    use crate::store::aggregate::aggregate_all;
    use crate::store::rows::SessionKind;

    #[test]
    fn rows_events_and_sessions_round_trip() -> Result<(), StoreError> {
        let mut store = Store::open_in_memory()?;
        let judged_with = crate::posture::PostureConfig {
            onset_delay_s: 60.0,
            ..crate::posture::PostureConfig::default()
        };
        let mut new = NewSession::new(SessionKind::Analysis, "clip.mp4", Some(judged_with.clone()));
        new.subject = Some("P001".into());
        new.notes = Some("first visit".into());
        let id = store.start_session(&new)?;
        let samples: Vec<PostureSample> = (0..90)
            .map(|i| PostureSample {
                seq: i,
                t_ms: i as f64 * 33.3,
                view: View::SideRight,
                state: PostureState::Upright,
                confidence: 0.9,
                cva_sd_deg: Some(4.5),
                call: Some(if i % 3 == 0 {
                    Call::Forward
                } else {
                    Call::Upright
                }),
                ..PostureSample::default()
            })
            .collect();
        let rows = aggregate_all(&samples);
        assert_eq!(rows[0].call, Some(Call::Upright));
        let events = [PostureEvent::Alert {
            t_ms: 1500.0,
            cva_deg: Some(41.5),
            forward_head_index: None,
        }];
        store.write_batch(id, &rows, &events)?;
        // Rewriting the same seconds replaces instead of duplicating.
        store.write_batch(id, &rows[..1], &[])?;
        store.end_session(id)?;
        assert_eq!(store.samples(id)?, rows);
        let info = store.session(id)?;
        assert_eq!(info.seconds, rows.len() as u64);
        assert_eq!(info.view, Some(View::SideRight));
        assert_eq!(info.subject.as_deref(), Some("P001"));
        assert_eq!(info.notes.as_deref(), Some("first visit"));
        assert_eq!(info.judged_with.config(), Some(&judged_with));
        assert!(info.ended_at.is_some());
        assert_eq!(store.events(id)?[0].event, events[0]);
        assert_eq!(store.sessions(Some("P001"))?.len(), 1);
        assert!(store.sessions(Some("nobody"))?.is_empty());
        assert!(matches!(
            store.session(SessionId(99)),
            Err(StoreError::NotFound { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_photo_baseline_keeps_its_photo_sd_and_a_video_baseline_has_none() -> Result<(), StoreError>
    {
        let mut store = Store::open_in_memory()?;
        let video = Baseline::of_side_cva(48.0, 1.5, 300);
        let photo = Baseline {
            photo_cva_sd_deg: Some(6.5),
            ..Baseline::of_side_cva(50.2, 0.0, 1)
        };
        store.save_baseline("P1", None, &video)?;
        store.save_baseline("P2", None, &photo)?;
        for (subject, saved) in [("P1", &video), ("P2", &photo)] {
            let stored = store.latest_baseline(subject)?.expect("stored");
            assert_eq!(&stored.baseline, saved, "{subject}");
            // The judge's reference is the same as from the baseline that was saved: a
            // photo's ± widens the line, a video's does not.
            assert_eq!(stored.baseline.side_reference(), saved.side_reference());
        }
        let photo_reference = photo.side_reference().expect("a side baseline");
        assert!(
            photo_reference.sd_beyond_clean_deg > 4.0,
            "{photo_reference:?}"
        );
        Ok(())
    }

    #[test]
    fn baselines_keep_metrics_and_front_signals_and_refuse_unknown_names() -> Result<(), StoreError>
    {
        use crate::posture::{FrontSignal, MetricStats, SetupSignal, View};
        let mut store = Store::open_in_memory()?;
        let stats = |mean| MetricStats {
            mean,
            sd: 0.5,
            n: 12,
        };
        let baseline = Baseline {
            view: View::Front,
            metrics: [(Metric::ShoulderTilt, stats(1.5))].into(),
            front: [
                (FrontSignal::HeadScale, stats(0.4)),
                (FrontSignal::HeadDrop, stats(0.6)),
                (FrontSignal::HeadPitch, stats(0.1)),
            ]
            .into(),
            setup: [(SetupSignal::Scale, stats(0.3))].into(),
            photo_cva_sd_deg: None,
        };
        store.save_baseline("P2", None, &baseline)?;
        let stored = store.latest_baseline("P2")?.expect("stored");
        assert_eq!(stored.baseline, baseline);
        assert!(stored.baseline.front_features().is_some());
        // A name this version does not know is an error, not a silent loss.
        store
            .conn
            .execute(
                "UPDATE holds SET metric = 'nose_deg' WHERE metric = 'front_head_pitch'",
                [],
            )
            .map_err(|err| store.classify(err))?;
        let err = store.latest_baseline("P2").expect_err("unknown name");
        assert!(err.to_string().contains("nose_deg"), "{err}");
        Ok(())
    }
}
