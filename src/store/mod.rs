//! Sessions, samples, events and baselines in SQLite; export and reports.
//!
//! - [`Store`] owns the connection: opening creates the file with mode 0600 in the platform
//!   data folder (or `--db FILE`), refuses damaged files without modifying them, uses WAL and
//!   migrates the schema ([`schema`]).
//! - [`Aggregator`] folds per-frame [`PostureSample`](crate::posture::PostureSample)s into
//!   per-second [`SecondRow`]s (mean, min, max, valid fraction per metric).
//! - [`StoreWriter`] is the writer thread: bounded channel in, batched transactions out, a
//!   commit at least every [`writer::COMMIT_INTERVAL`].
//! - [`export`] writes CSV and JSON with the column names documented in `docs/RECORDS.md`;
//!   [`report`] writes the self-contained HTML report; [`stats`] holds the summaries both use;
//!   [`files`] writes them to files for the window.
//! - [`Recorder`] (and [`StoreWriter::send_update`]) is the one path from pipeline updates to
//!   the writer: only numbers, never frames.

pub mod access;
pub mod aggregate;
mod db;
mod error;
pub mod export;
pub mod files;
pub mod measures;
pub mod private;
pub mod recorder;
pub mod report;
pub mod rows;
pub mod schema;
pub mod stats;
pub mod svg;
pub mod writer;

pub use aggregate::{Aggregator, METRIC_NAMES, MetricSecond, SecondRow};
pub use db::{DEFAULT_BUSY_TIMEOUT, Store, default_path};
pub use error::StoreError;
pub use recorder::Recorder;
pub use rows::{EventRow, NewSession, SessionId, SessionInfo, SessionKind, StoredBaseline};
pub use writer::{StoreWriter, WriteMsg, WriterReport};
