//! Reporting on stored sessions: everything that reads the store to tell people what it holds.
//!
//! - [`stats`]: session summaries (per-metric statistics, time in the CVA context bands and
//!   RULA bands, forward-head exposure) and the baseline comparison with each measure's minimal
//!   detectable change.
//! - [`progress`]: a follow-up hold against the baseline before it, per metric, in words
//!   (better / worse / within measurement error) with the warnings that make it unreliable.
//! - [`history`]: a subject's visits as lines and as an HTML trend (CVA mean ± SD per visit
//!   with the MDC band).
//! - [`build()`] turns recordings into a [`Document`] (one section per recording, plots from
//!   [`svg`], suggestions, the caveats once at the end), rendered as self-contained HTML or as
//!   plain text.
//! - [`stills`]: with `analyze --stills`, a picture of the worst and the best judged second
//!   of each recording (overlay drawn, face blurred), embedded in the HTML as JPEG.
//! - [`judged`]: how a recording was judged, in words: the judge's settings stored with its
//!   session, the baselines in use, a changed onset delay; and where the recordings of one
//!   report were judged differently.
//! - [`header`]: the fields of a report's header a person types (title, client, site,
//!   assessor), their names and the rule for their text.
//! - [`export`]: CSV and JSON with the column names documented in `docs/RECORDS.md`.
//! - [`files`]: writes a stored session's export or report into a folder (the window's history).
//! - [`today`]: today's forward-head time, alerts and monitored time (stored sessions plus the
//!   running one), for the tray tooltip, the window's header and the Sessions tab's chart.
//!
//! The module reads the store and the posture types; nothing below it (store, posture,
//! pipeline) depends on it.

mod build;
mod document;
pub mod export;
pub mod files;
pub mod header;
pub mod history;
pub mod judged;
mod plots;
pub mod progress;
pub mod stats;
pub mod stills;
mod suggest;
pub mod svg;
pub mod today;

pub use build::{DEFAULT_TITLE, Recording, ReportHeader, build, comparison_table, duration_text};
pub use document::{Block, Document, capitalised};
