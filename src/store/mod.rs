//! Sessions, samples, events and baselines in SQLite. Reading them for people (summaries,
//! export, reports) is [`crate::report`]'s job; storing a running pipeline's updates is
//! [`crate::pipeline::recorder`]'s. This module depends on the [`crate::posture`] types only.
//!
//! - [`Store`] owns the connection: opening creates the file with mode 0600 in the platform
//!   data folder (or `--db FILE`), refuses damaged files without modifying them, uses WAL and
//!   migrates the schema ([`schema`]).
//! - [`Aggregator`] folds per-frame [`PostureSample`](crate::posture::PostureSample)s into
//!   per-second [`SecondRow`]s (mean, min, max, valid fraction per metric).
//! - [`Store::session_overviews`] lists sessions with their aggregates computed by SQLite;
//!   [`Store::daily_totals`] sums the live monitoring sessions per local calendar day.
//! - [`visits`]: standard holds (baselines and follow-ups) saved in one transaction, the
//!   subject's visits, and which baseline a follow-up is compared with.
//! - [`StoreWriter`] is the writer thread: bounded channel in, batched transactions out, a
//!   commit at least every [`writer::COMMIT_INTERVAL`].

pub mod access;
pub mod aggregate;
pub mod daily;
mod db;
mod error;
pub mod overview;
pub mod private;
pub mod rows;
pub mod schema;
pub mod visits;
pub mod writer;

pub use aggregate::{Aggregator, MetricSecond, SecondRow};
pub use daily::DayTotals;
pub use db::{DEFAULT_BUSY_TIMEOUT, Store, default_path};
pub use error::StoreError;
pub use overview::SessionOverview;
pub use rows::{
    EventRow, JudgedWith, NewSession, SessionId, SessionInfo, SessionKind, SourceKind,
    StoredBaseline, Visit, VisitRole,
};
pub use visits::{Hold, VisitError};
pub use writer::{StoreWriter, WriteMsg, WriterReport};
