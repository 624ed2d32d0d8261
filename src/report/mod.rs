//! Reporting on stored sessions: everything that reads the store to tell people what it holds.
//!
//! - [`stats`]: session summaries (per-metric statistics, time in the CVA context bands and
//!   RULA bands, forward-head exposure) and the baseline comparison with each measure's minimal
//!   detectable change.
//! - [`build()`] turns recordings into a [`Document`] (one section per recording, plots from
//!   [`svg`], suggestions, the caveats once at the end), rendered as self-contained HTML or as
//!   plain text.
//! - [`export`]: CSV and JSON with the column names documented in `docs/RECORDS.md`.
//! - [`files`]: writes a stored session's export or report into a folder (the window's history).
//!
//! The module reads the store and the posture types; nothing below it (store, posture,
//! pipeline) depends on it.

mod build;
mod document;
pub mod export;
pub mod files;
mod plots;
pub mod stats;
mod suggest;
pub mod svg;

pub use build::{Recording, build, comparison_table, duration_text};
pub use document::{Block, Document};
