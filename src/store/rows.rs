//! The records the store reads and writes, besides the per-second rows of
//! [`aggregate`](super::aggregate): sessions, events and stored baselines.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::posture::{Baseline, Call, PostureConfig, PostureEvent, PostureState, View};

use super::StoreError;

/// The row id of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SessionId(pub i64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a session was recorded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Live monitoring from a camera.
    Monitor,
    /// Offline analysis of a recording (`plumbline analyze`).
    Analysis,
    /// A therapist's baseline recording (`plumbline baseline`).
    Baseline,
    /// A therapist's follow-up recording: the same standard hold as the baseline
    /// (`plumbline follow-up`).
    FollowUp,
}

impl SessionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Monitor => "monitor",
            SessionKind::Analysis => "analysis",
            SessionKind::Baseline => "baseline",
            SessionKind::FollowUp => "follow_up",
        }
    }

    /// The name shown to people (`follow-up`, as [`VisitRole::label`]).
    pub fn label(self) -> &'static str {
        match self {
            SessionKind::FollowUp => VisitRole::FollowUp.label(),
            other => other.as_str(),
        }
    }
}

impl FromStr for SessionKind {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "monitor" => Ok(SessionKind::Monitor),
            "analysis" => Ok(SessionKind::Analysis),
            "baseline" => Ok(SessionKind::Baseline),
            "follow_up" => Ok(SessionKind::FollowUp),
            other => Err(invalid("session kind", other)),
        }
    }
}

/// What kind of source a session was recorded from (stored since schema version 3; older
/// sessions have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A live camera.
    Camera,
    /// A video file.
    Video,
    /// Still photos (one image or a folder of images): each frame is an independent photo.
    Stills,
}

impl SourceKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Camera => "camera",
            SourceKind::Video => "video",
            SourceKind::Stills => "stills",
        }
    }
}

impl FromStr for SourceKind {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "camera" => Ok(SourceKind::Camera),
            "video" => Ok(SourceKind::Video),
            "stills" => Ok(SourceKind::Stills),
            other => Err(invalid("source kind", other)),
        }
    }
}

/// What is known when a session starts.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSession {
    /// Why the session is recorded.
    pub kind: SessionKind,
    /// The frame source (`camera:0`, a file path).
    pub source: String,
    /// What kind of source it is, when known.
    pub source_kind: Option<SourceKind>,
    /// The pose model used (`lite`, `full`).
    pub model: Option<String>,
    /// The subject's code (created when new), for therapist workflows.
    pub subject: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Start time as ISO 8601 UTC; `None` means now.
    pub started_at: Option<String>,
    /// The judge's settings the session is judged with (stored as JSON, schema version 5):
    /// the configuration the pipeline's judge was built from, this run's overrides included;
    /// `None` only for a judge that is not plumbline's (a test's scripted analyzer), stored as
    /// "not recorded".
    pub judged_with: Option<PostureConfig>,
}

impl NewSession {
    /// A session of `kind` from `source` judged with `judged_with`, without subject, model or
    /// notes, starting now. Every writer of sessions names the settings its judge runs with.
    pub fn new(
        kind: SessionKind,
        source: impl Into<String>,
        judged_with: Option<PostureConfig>,
    ) -> Self {
        Self {
            kind,
            judged_with,
            source: source.into(),
            source_kind: None,
            model: None,
            subject: None,
            notes: None,
            started_at: None,
        }
    }
}

/// A stored session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionInfo {
    /// Row id.
    pub id: SessionId,
    /// Why it was recorded.
    pub kind: SessionKind,
    /// The subject's code, if any.
    pub subject: Option<String>,
    /// Start, ISO 8601 UTC.
    pub started_at: String,
    /// End, ISO 8601 UTC (`None` while running or after a crash).
    pub ended_at: Option<String>,
    /// The frame source.
    pub source: String,
    /// What kind of source it is (`None` for sessions stored before schema version 3).
    pub source_kind: Option<SourceKind>,
    /// The pose model.
    pub model: Option<String>,
    /// The dominant view over the session (set when it ends).
    pub view: Option<View>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Number of per-second rows stored.
    pub seconds: u64,
    /// The judge's settings the session was judged with.
    pub judged_with: JudgedWith,
}

/// The judge's settings a stored session was judged with, as far as the store knows them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JudgedWith {
    /// Stored with the session: the judge's whole configuration at the session's start.
    Recorded {
        /// The configuration.
        config: Box<PostureConfig>,
    },
    /// Sessions stored before schema version 5 carry no settings.
    NotRecorded,
    /// Stored, but this build cannot read them (a field it does not know): shown as such,
    /// never replaced by today's defaults.
    Unreadable {
        /// Why, for people.
        reason: String,
    },
}

impl JudgedWith {
    /// Parses the stored column (`NULL`: not recorded).
    pub fn from_stored(text: Option<&str>) -> Self {
        match text {
            None => Self::NotRecorded,
            Some(json) => match serde_json::from_str::<PostureConfig>(json) {
                Ok(config) => Self::Recorded {
                    config: Box::new(config),
                },
                Err(err) => Self::Unreadable {
                    reason: format!("the stored settings cannot be read by this version: {err}"),
                },
            },
        }
    }

    /// The settings, when recorded and readable.
    pub fn config(&self) -> Option<&PostureConfig> {
        match self {
            Self::Recorded { config } => Some(config),
            Self::NotRecorded | Self::Unreadable { .. } => None,
        }
    }
}

/// A stored event with its source time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRow {
    /// Source time in milliseconds.
    pub t_ms: f64,
    /// The event.
    pub event: PostureEvent,
}

/// A subject's standard hold as stored (a baseline, or a follow-up recorded the same way),
/// with when and where it was recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredBaseline {
    /// The subject's code.
    pub subject: String,
    /// The session it was recorded in, if any.
    pub session: Option<SessionId>,
    /// When it was recorded, ISO 8601 UTC.
    pub recorded_at: String,
    /// The baseline: its view and statistics per metric (and front-view signal).
    pub baseline: Baseline,
}

/// The two kinds of visit: a standard hold recorded as the reference, or recorded again later
/// to compare with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitRole {
    /// A baseline (`plumbline baseline`, or a calibration in the window with a subject set).
    Baseline,
    /// A follow-up (`plumbline follow-up`).
    FollowUp,
}

impl VisitRole {
    /// The stored name (`holds.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            VisitRole::Baseline => "baseline",
            VisitRole::FollowUp => "follow_up",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            VisitRole::Baseline => "baseline",
            VisitRole::FollowUp => "follow-up",
        }
    }
}

impl FromStr for VisitRole {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "baseline" => Ok(VisitRole::Baseline),
            "follow_up" => Ok(VisitRole::FollowUp),
            other => Err(invalid("kind of hold", other)),
        }
    }
}

/// One visit of a subject: a stored hold with the session it was recorded in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Visit {
    /// Baseline or follow-up.
    pub role: VisitRole,
    /// The hold's statistics (per frame), when and in which view.
    pub hold: StoredBaseline,
    /// The kind of the session it was recorded in (a calibration lives in a monitor session).
    pub session_kind: Option<SessionKind>,
    /// The session's source, when the session is known.
    pub source: Option<String>,
    /// The session's kind of source, when known.
    pub source_kind: Option<SourceKind>,
    /// The session's notes.
    pub notes: Option<String>,
    /// Seconds of source time the hold covered (stored per-second rows), when the session is
    /// the hold itself (a calibration inside a monitor session has none).
    pub seconds: Option<u64>,
}

impl Visit {
    /// Whether the hold was measured on still photos (each frame an independent photo).
    pub fn from_stills(&self) -> bool {
        self.source_kind == Some(SourceKind::Stills)
    }
}

/// Parses a stored view name ([`View::name`]).
pub fn parse_view(text: &str) -> Result<View, StoreError> {
    View::from_name(text).ok_or_else(|| invalid("view", text))
}

/// Parses a stored forward-head call ([`Call::name`]).
pub fn parse_call(text: &str) -> Result<Call, StoreError> {
    Call::from_name(text).ok_or_else(|| invalid("call", text))
}

/// Parses a stored state name ([`PostureState::name`]).
pub fn parse_state(text: &str) -> Result<PostureState, StoreError> {
    PostureState::from_name(text).ok_or_else(|| invalid("state", text))
}

fn invalid(what: &str, value: &str) -> StoreError {
    StoreError::Invalid {
        detail: format!("unknown {what} {value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() -> Result<(), StoreError> {
        for view in View::ALL {
            assert_eq!(parse_view(view.name())?, view);
            assert_eq!(serde_json::to_value(view)?, view.name());
        }
        for state in PostureState::ALL {
            assert_eq!(parse_state(state.name())?, state);
            assert_eq!(serde_json::to_value(state)?, state.name());
        }
        assert!(parse_view("sideways").is_err());
        for kind in [
            SessionKind::Monitor,
            SessionKind::Analysis,
            SessionKind::Baseline,
            SessionKind::FollowUp,
        ] {
            assert_eq!(kind.as_str().parse::<SessionKind>()?, kind);
            assert_eq!(serde_json::to_value(kind)?, kind.as_str());
        }
        for role in [VisitRole::Baseline, VisitRole::FollowUp] {
            assert_eq!(role.as_str().parse::<VisitRole>()?, role);
            assert_eq!(serde_json::to_value(role)?, role.as_str());
        }
        for kind in [SourceKind::Camera, SourceKind::Video, SourceKind::Stills] {
            assert_eq!(kind.as_str().parse::<SourceKind>()?, kind);
            assert_eq!(serde_json::to_value(kind)?, kind.as_str());
        }
        assert!(parse_state("slouching").is_err());
        Ok(())
    }

    #[test]
    fn judged_with_reads_back_stored_settings_and_says_when_it_cannot() -> Result<(), StoreError> {
        let config = PostureConfig {
            onset_delay_s: 60.0,
            cva_below_baseline_deg: 12.0,
            ..PostureConfig::default()
        };
        let json = serde_json::to_string(&config)?;
        let read = JudgedWith::from_stored(Some(&json));
        assert_eq!(read.config(), Some(&config));
        assert_eq!(JudgedWith::from_stored(None), JudgedWith::NotRecorded);
        let unknown = JudgedWith::from_stored(Some(r#"{"nose_tilt_deg": 3.0}"#));
        assert!(
            matches!(&unknown, JudgedWith::Unreadable { reason } if reason.contains("nose_tilt_deg")),
            "{unknown:?}"
        );
        assert_eq!(unknown.config(), None);
        Ok(())
    }
}
