//! Writing a stored session to files: the CSV and JSON exports of [`super::export`] and
//! the HTML report of [`super::build()`], for the window's session history (the
//! `export` and `analyze` commands write the same formats).

use std::path::{Path, PathBuf};

use crate::store::{SessionId, Store, StoreError};

use super::{Recording, ReportHeader, build, export};

/// Reads a stored session back with its subject's latest baseline stored before the session
/// ended (a calibration during it counts; a later baseline never does), for a report.
pub fn load_recording(store: &Store, id: SessionId) -> Result<Recording, StoreError> {
    let info = store.session(id)?;
    let baseline = match &info.subject {
        // A session still running (or cut short) may use every baseline stored so far.
        Some(subject) => store.baseline_before(subject, info.ended_at.as_deref())?,
        None => None,
    };
    // A recording still where it was read from is dated by the file itself.
    let source = Path::new(&info.source);
    let recorded = if source.exists() {
        crate::capture::recording_date(source)
    } else {
        None
    };
    Ok(Recording {
        rows: store.samples(id)?,
        events: store.events(id)?,
        info,
        baseline,
        recorded,
        stills: None,
    })
}

/// Why a session could not be written to a file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the session from the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An export or report file (or its folder) cannot be written.
    #[error(
        "cannot write {}; check that the folder exists and is writable, or choose another folder",
        path.display()
    )]
    WriteFile {
        /// The file (or folder) that could not be written.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding the session as JSON failed.
    #[error("cannot encode the session as JSON")]
    Json(#[from] serde_json::Error),
}

/// What to write about a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The per-second samples as CSV.
    SamplesCsv,
    /// The whole session as one JSON document.
    Json,
    /// The self-contained HTML report.
    Report,
}

impl Output {
    /// The file name used for session `id` inside a chosen folder.
    pub fn file_name(self, id: SessionId) -> String {
        match self {
            Output::SamplesCsv => format!("plumbline-session-{id}.csv"),
            Output::Json => format!("plumbline-session-{id}.json"),
            Output::Report => format!("plumbline-session-{id}-report.html"),
        }
    }
}

/// Writes `output` of session `id` into the folder `dir` (created when missing), a report
/// under `header`; returns the file written.
pub fn write_session(
    store: &Store,
    id: SessionId,
    output: Output,
    dir: &Path,
    header: &ReportHeader,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(output.file_name(id));
    let bytes = match output {
        Output::SamplesCsv => {
            let mut csv = Vec::new();
            export::write_samples_csv(&mut csv, &store.samples(id)?)
                .map_err(|source| write_error(&path, source))?;
            csv
        }
        Output::Json => {
            let document =
                export::session_json(&store.session(id)?, &store.samples(id)?, &store.events(id)?)?;
            let mut json = serde_json::to_vec_pretty(&document)?;
            json.push(b'\n');
            json
        }
        Output::Report => build(&[load_recording(store, id)?], header)
            .html()
            .into_bytes(),
    };
    std::fs::create_dir_all(dir).map_err(|source| write_error(dir, source))?;
    crate::store::private::write_private(&path, &bytes)
        .map_err(|source| write_error(&path, source))?;
    Ok(path)
}

fn write_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::WriteFile {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::PostureSample;
    use crate::store::{NewSession, SessionKind};

    #[test]
    fn writes_csv_json_and_report_into_a_new_folder() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open_in_memory()?;
        let id = store.start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))?;
        let rows = crate::store::aggregate::aggregate_all(&[PostureSample::default()]);
        store.write_batch(id, &rows, &[])?;
        let out = dir.path().join("exports");
        let none = ReportHeader::default();
        let csv = write_session(&store, id, Output::SamplesCsv, &out, &none)?;
        assert!(std::fs::read_to_string(&csv)?.starts_with("t_s,frames,view,state,"));
        let json = write_session(&store, id, Output::Json, &out, &none)?;
        let value: serde_json::Value = serde_json::from_slice(&std::fs::read(json)?)?;
        assert_eq!(value["session"]["source"], "camera:0");
        let header = ReportHeader {
            client: Some("Acme Ltd".into()),
            ..ReportHeader::default()
        };
        let html =
            std::fs::read_to_string(write_session(&store, id, Output::Report, &out, &header)?)?;
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("Acme Ltd"));
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, b"")?;
        let err =
            write_session(&store, id, Output::Json, &blocked, &none).expect_err("not a folder");
        assert!(matches!(err, ReportError::WriteFile { .. }), "{err:?}");
        assert!(err.to_string().contains("choose another folder"), "{err}");
        Ok(())
    }
}
