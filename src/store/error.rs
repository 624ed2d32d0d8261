//! The one error type of the store, with messages that say what happened, where, and what to do.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::ErrorCode;

/// Everything that can go wrong while opening, writing or reading the session database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another program (or another plumbline) holds a lock on the database for longer than the
    /// busy timeout.
    #[error(
        "the session database is locked by another program (waited {waited:?}); close the other \
         plumbline window or program using it and try again, or pass --db with another file: {}",
        path.display()
    )]
    Locked {
        /// The database file.
        path: PathBuf,
        /// How long the store waited for the lock.
        waited: Duration,
    },

    /// The file exists but is not an SQLite database, or its pages are damaged.
    #[error(
        "the session database file is damaged or is not a plumbline database; it was not \
         modified. Move it aside (keep it if you need its data) or pass --db with another file: {}",
        path.display()
    )]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
    },

    /// The file is an SQLite database of another program: plumbline leaves it alone.
    #[error(
        "this SQLite file belongs to another program (it is not a plumbline session database); \
         it was not modified. Pass --db with another file: {}",
        path.display()
    )]
    NotOurs {
        /// The foreign file.
        path: PathBuf,
    },

    /// The disk (or the file system quota) is full.
    #[error(
        "the disk holding the session database is full; free some space (samples are kept in \
         memory meanwhile and written once there is room): {}",
        path.display()
    )]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },

    /// The file can be read but not written (read-only file, folder or file system).
    #[error(
        "the session database is read-only here; check the mode of the file and its folder, or \
         pass --db with a file you can write: {}",
        path.display()
    )]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },

    /// A database made by an older plumbline must be upgraded, which needs write access.
    #[error(
        "the session database has the older schema version {found} and can only be upgraded \
         with write access; open it once with write access (any plumbline command that records \
         does it): {}",
        path.display()
    )]
    NeedsUpgrade {
        /// The database file.
        path: PathBuf,
        /// The `user_version` found in the file.
        found: u32,
    },

    /// The operating system refused access to the file or its folder.
    #[error(
        "no permission to read and write the session database; check the owner and mode of the \
         file and its folder, or pass --db with a file you own: {}",
        path.display()
    )]
    Permission {
        /// The file or folder that could not be accessed.
        path: PathBuf,
    },

    /// The database was written by a newer plumbline with a schema this build does not know.
    #[error(
        "the session database has schema version {found}, newer than this plumbline understands \
         ({supported}); update plumbline or pass --db with another file: {}",
        path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The `user_version` found in the file.
        found: u32,
        /// The newest schema version this build knows.
        supported: u32,
    },

    /// A reading command was pointed at a database file that does not exist.
    #[error(
        "there is no session database here yet; record a session first (plumbline monitor, \
         analyze or baseline) or pass --db with an existing file: {}",
        path.display()
    )]
    Missing {
        /// The file that was expected.
        path: PathBuf,
    },

    /// No platform data folder could be found (no home directory).
    #[error(
        "cannot find a data folder for the session database (no home directory); pass --db FILE"
    )]
    NoDataDir,

    /// A session, subject or baseline that was asked for does not exist.
    #[error(
        "{what} was not found in the session database; `plumbline export --list` shows what is stored"
    )]
    NotFound {
        /// What was looked for, e.g. "session 3".
        what: String,
    },

    /// The writer thread stopped (after an error it reported) and cannot take more samples.
    #[error("the database writer has stopped ({unsaved} samples not saved): {reason}")]
    WriterStopped {
        /// Number of per-frame samples that were handed to the writer but not saved.
        unsaved: u64,
        /// Why the writer stopped.
        reason: String,
    },

    /// A stored value could not be decoded (for example an unknown state name).
    #[error("a stored value is invalid ({detail}); the database may come from another program")]
    Invalid {
        /// What was wrong.
        detail: String,
    },

    /// Creating the file or its folder failed.
    #[error("cannot create the session database or its folder: {}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },

    /// Any other SQLite error on the database file.
    #[error("database error ({source}): {}", path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// Any other SQLite error, where no file is involved (an in-memory database).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Encoding or decoding the JSON detail of an event failed.
    #[error("cannot encode or decode an event")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// Turns a rusqlite error into the specific variant when its code says what happened.
    pub(crate) fn classify(err: rusqlite::Error, path: &std::path::Path, waited: Duration) -> Self {
        let code = err.sqlite_error_code();
        match code {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path: path.to_path_buf(),
                waited,
            },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path: path.to_path_buf(),
            },
            Some(ErrorCode::DiskFull) => StoreError::DiskFull {
                path: path.to_path_buf(),
            },
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
                path: path.to_path_buf(),
            },
            Some(ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => StoreError::Permission {
                path: path.to_path_buf(),
            },
            _ => StoreError::Database {
                path: path.to_path_buf(),
                source: err,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_codes_map_to_specific_variants_that_name_the_file() {
        let path = std::path::Path::new("/data/p.sqlite");
        let waited = Duration::from_secs(3);
        let cases = [
            (ffi::SQLITE_BUSY, "locked by another program"),
            (ffi::SQLITE_NOTADB, "damaged"),
            (ffi::SQLITE_CORRUPT, "damaged"),
            (ffi::SQLITE_READONLY, "read-only"),
            (ffi::SQLITE_PERM, "no permission"),
            (
                ffi::SQLITE_FULL,
                "disk holding the session database is full",
            ),
            (ffi::SQLITE_IOERR, "database error (Error code 10"),
        ];
        for (code, words) in cases {
            let message = StoreError::classify(failure(code), path, waited).to_string();
            assert!(message.contains(words), "{code}: {message}");
            assert!(message.ends_with("/data/p.sqlite"), "{code}: {message}");
        }
    }
}
