//! The records the store reads and writes, besides the per-second rows of
//! [`aggregate`](super::aggregate): sessions, events and stored baselines.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::posture::{Baseline, PostureEvent, PostureState, View};

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
}

impl SessionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Monitor => "monitor",
            SessionKind::Analysis => "analysis",
            SessionKind::Baseline => "baseline",
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
            other => Err(invalid("session kind", other)),
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
    /// The pose model used (`lite`, `full`).
    pub model: Option<String>,
    /// The subject's code (created when new), for therapist workflows.
    pub subject: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Start time as ISO 8601 UTC; `None` means now.
    pub started_at: Option<String>,
}

impl NewSession {
    /// A session of `kind` from `source`, without subject, model or notes, starting now.
    pub fn new(kind: SessionKind, source: impl Into<String>) -> Self {
        Self {
            kind,
            source: source.into(),
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
    /// The pose model.
    pub model: Option<String>,
    /// The dominant view over the session (set when it ends).
    pub view: Option<View>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Number of per-second rows stored.
    pub seconds: u64,
}

/// A stored event with its source time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRow {
    /// Source time in milliseconds.
    pub t_ms: f64,
    /// The event.
    pub event: PostureEvent,
}

/// A subject's baseline as stored, with when and where it was recorded.
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

/// Parses a stored view name ([`View::name`]).
pub fn parse_view(text: &str) -> Result<View, StoreError> {
    View::from_name(text).ok_or_else(|| invalid("view", text))
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
        assert!(parse_state("slouching").is_err());
        Ok(())
    }
}
