//! [`Store`]: the one owner of the SQLite connection. Opening creates the file with mode 0600
//! (and tightens an existing one and its WAL/SHM files to 0600), refuses damaged files and other
//! programs' databases without touching them, turns on WAL, migrates the schema and stamps the
//! file with [`schema::APPLICATION_ID`]. Reading commands fall back to a read-only connection
//! when the file cannot be written.
//!
//! Nothing here opens an existing database file with `std::fs`: SQLite's locks are POSIX
//! record locks, which belong to the process and are ALL released when the process closes ANY
//! descriptor of that file. A second `Store::open` (the recorder's writer connection) that read
//! the header with `File::open` silently dropped the first connection's locks; another
//! program's connection then checkpointed and removed the WAL under the running monitor, whose
//! commits went on into the unlinked file unseen until it closed. Every check of an existing
//! file goes through SQLite (`SQLITE_NOTADB` is [`StoreError::Corrupt`]); the only `std::fs`
//! calls are the create-new of a missing file and `chmod`.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use super::schema;

/// How long a statement waits for another connection's lock before [`StoreError::Locked`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(3);

/// File name of the database inside the platform data folder.
const DB_FILE_NAME: &str = "plumbline.sqlite";

/// The session database.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) busy_timeout: Duration,
}

/// The database in the platform data folder (for example
/// `~/.local/share/plumbline/plumbline.sqlite` on Linux).
pub fn default_path() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("org", "plumbline", "plumbline")
        .map(|dirs| dirs.data_dir().join(DB_FILE_NAME))
        .ok_or(StoreError::NoDataDir)
}

impl Store {
    /// Opens (or creates) the database at `path` with the default busy timeout.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens `path`, or the default database when `None`.
    pub fn open_or_default(path: Option<&Path>) -> Result<Self, StoreError> {
        match path {
            Some(path) => Self::open(path),
            None => Self::open(&default_path()?),
        }
    }

    /// Opens an existing database for a reading command (export, compare): a missing file is
    /// [`StoreError::Missing`] rather than a new empty database, and a file that can be read
    /// but not written is opened read-only.
    pub fn open_existing(path: Option<&Path>) -> Result<Self, StoreError> {
        let path = match path {
            Some(path) => path.to_path_buf(),
            None => default_path()?,
        };
        if !path.exists() {
            return Err(StoreError::Missing { path });
        }
        match Self::open(&path) {
            Err(StoreError::Permission { .. } | StoreError::ReadOnly { .. }) => {
                Self::open_read_only(&path)
            }
            other => other,
        }
    }

    /// Opens `path` for reading only: nothing is written, not even the WAL switch or the
    /// application id. A database that needs a migration is [`StoreError::NeedsUpgrade`].
    ///
    /// A WAL database in a folder that cannot be written cannot get its shared-memory file;
    /// it is then read as the file is on disk (`immutable`): nobody can be writing to it, but
    /// a `-wal` file left by a crash without its `-shm` file is not read.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let attempt = |immutable| {
            let store = Self::connect_read_only(path, immutable)?;
            store.check_readable()?;
            Ok(store)
        };
        match attempt(false) {
            Err(StoreError::Permission { .. } | StoreError::ReadOnly { .. }) => attempt(true),
            other => other,
        }
    }

    fn connect_read_only(path: &Path, immutable: bool) -> Result<Self, StoreError> {
        let classify = |err| StoreError::classify(err, path, DEFAULT_BUSY_TIMEOUT);
        let target = if immutable {
            let absolute = std::path::absolute(path).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            PathBuf::from(format!(
                "file:{}?immutable=1",
                uri_escape(&absolute.to_string_lossy())
            ))
        } else {
            path.to_path_buf()
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(target, flags).map_err(classify)?;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(classify)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        })
    }

    /// Ours, and at the version this build reads, without migrating.
    fn check_readable(&self) -> Result<(), StoreError> {
        self.check_ownership()?;
        match self.schema_version()? {
            found if found > schema::CURRENT_VERSION => Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                supported: schema::CURRENT_VERSION,
            }),
            found if found < schema::CURRENT_VERSION => Err(StoreError::NeedsUpgrade {
                path: self.path.clone(),
                found,
            }),
            _ => Ok(()),
        }
    }

    /// Opens (or creates) the database at `path`, waiting up to `busy_timeout` for locks.
    ///
    /// A new file is created with mode 0600 (its WAL and shared-memory files inherit it), in a
    /// folder created with mode 0700; an existing file and its WAL/SHM files are set to 0600.
    /// An existing file that does not start with the SQLite header is refused with
    /// [`StoreError::Corrupt`], and another program's SQLite database with
    /// [`StoreError::NotOurs`], before anything is written to it.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        create_private_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|err| StoreError::classify(err, path, busy_timeout))?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
            busy_timeout,
        };
        store.prepare(true)?;
        store.migrate()?;
        Ok(store)
    }

    /// An in-memory database with the current schema (tests, dry runs).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        let mut store = Self {
            conn,
            path: PathBuf::from(":memory:"),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        };
        store.prepare(false)?;
        store.migrate()?;
        Ok(store)
    }

    /// Removes a session that its command could not complete (nothing recorded, or a failure
    /// the user was told about), with its samples and events, so no half-made session stays.
    pub fn discard_session(&mut self, session: super::SessionId) -> Result<(), StoreError> {
        let discard = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM samples WHERE session_id = ?1", [session.0])?;
            tx.execute("DELETE FROM events WHERE session_id = ?1", [session.0])?;
            tx.execute("DELETE FROM holds WHERE session_id = ?1", [session.0])?;
            tx.execute("DELETE FROM sessions WHERE id = ?1", [session.0])?;
            tx.commit()
        };
        discard(&mut self.conn).map_err(|err| self.classify(err))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn).map_err(|err| self.classify(err))
    }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` when sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|err| self.classify(err))
    }

    /// Maps a rusqlite error to the specific [`StoreError`] for this database.
    pub(crate) fn classify(&self, err: rusqlite::Error) -> StoreError {
        StoreError::classify(err, &self.path, self.busy_timeout)
    }

    /// Read first (so a damaged, locked or foreign file fails before anything is written,
    /// its mode included), then make the files private (`on_disk`) and set the connection up.
    fn prepare(&mut self, on_disk: bool) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(self.busy_timeout)
            .and_then(|()| schema::version(&self.conn))
            .map_err(|err| self.classify(err))?;
        self.check_ownership()?;
        if on_disk {
            restrict_files(&self.path)?;
        }
        let setup = |conn: &Connection| -> rusqlite::Result<()> {
            conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))?;
            // NORMAL is durable across process crashes in WAL mode; only an OS crash or power
            // cut can lose the last commits.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", true)?;
            // Health data never goes to temporary files (sorting, large queries).
            conn.pragma_update(None, "temp_store", "MEMORY")
        };
        setup(&self.conn).map_err(|err| self.classify(err))
    }

    /// Refuses another program's SQLite database.
    fn check_ownership(&self) -> Result<(), StoreError> {
        match schema::ownership(&self.conn).map_err(|err| self.classify(err))? {
            schema::Ownership::Foreign => Err(StoreError::NotOurs {
                path: self.path.clone(),
            }),
            schema::Ownership::Ours
            | schema::Ownership::OursUnstamped
            | schema::Ownership::Empty => Ok(()),
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        match schema::migrate(&mut self.conn) {
            Ok(Ok(migrated)) => {
                if migrated.from != migrated.to {
                    tracing::info!(
                        from = migrated.from,
                        to = migrated.to,
                        path = %self.path.display(),
                        "migrated the session database"
                    );
                }
                Ok(())
            }
            Ok(Err(found)) => Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                supported: schema::CURRENT_VERSION,
            }),
            Err(err) => Err(self.classify(err)),
        }
    }
}

/// Creates `path` (and its folder) when missing, readable and writable by the owner only.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io_error = |source: std::io::Error, at: &Path| match source.kind() {
        std::io::ErrorKind::PermissionDenied => StoreError::Permission {
            path: at.to_path_buf(),
        },
        _ => StoreError::Io {
            path: at.to_path_buf(),
            source,
        },
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty() && !parent.exists())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(parent)
            .map_err(|err| io_error(err, parent))?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, super::private::PRIVATE_MODE);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Not opened here: SQLite names what is wrong with it (permission, read-only, not a
        // database), and see the module notes on file descriptors.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io_error(err, path)),
    }
}

/// Sets the database file and its companions to 0600. A file made by an older version, by
/// hand or restored from a backup may be readable by others; this runs once the file is known
/// to be ours and before the WAL switch (a new WAL or SHM file takes the database file's mode).
fn restrict_files(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        super::private::restrict(&file).map_err(|source| match source.kind() {
            std::io::ErrorKind::PermissionDenied => StoreError::Permission { path: file.clone() },
            _ => StoreError::Io {
                path: file.clone(),
                source,
            },
        })?;
    }
    Ok(())
}

/// `path` with the characters that mean something in an SQLite URI escaped.
fn uri_escape(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            '%' | '?' | '#' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_has_current_schema() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        assert_eq!(store.schema_version()?, schema::CURRENT_VERSION);
        assert_eq!(store.integrity_check()?, "ok");
        Ok(())
    }

    #[test]
    fn reopening_keeps_version_and_wal() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("nested/folder/s.sqlite");
        drop(Store::open(&path)?);
        let store = Store::open(&path)?;
        assert_eq!(store.schema_version()?, schema::CURRENT_VERSION);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
        assert_eq!(mode, "wal");
        Ok(())
    }

    #[test]
    fn empty_file_is_initialised_and_short_garbage_is_refused()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let empty = dir.path().join("empty.sqlite");
        std::fs::write(&empty, b"")?;
        assert_eq!(
            Store::open(&empty)?.schema_version()?,
            schema::CURRENT_VERSION
        );
        let short = dir.path().join("short.sqlite");
        std::fs::write(&short, b"SQLite")?;
        assert!(matches!(
            Store::open(&short),
            Err(StoreError::Corrupt { .. })
        ));
        Ok(())
    }
}
