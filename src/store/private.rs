//! Files that hold health data (the database and its WAL/SHM files, reports, exports) are
//! readable and writable by their owner only (mode 0600), including files that already existed
//! with a wider mode. Elsewhere than Unix these are plain writes.

use std::io::Write as _;
use std::path::Path;

/// The mode of every file plumbline writes health data to.
pub const PRIVATE_MODE: u32 = 0o600;

/// Sets an existing `path` to [`PRIVATE_MODE`] when others may read or write it; a missing
/// file is fine.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err),
        };
        if metadata.is_file() && metadata.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(PRIVATE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes `bytes` to `path` (replacing it) as a private file: created with
/// [`PRIVATE_MODE`], or restricted to it before an existing file is overwritten.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Creates (or truncates) `path` as a private file for streaming writes.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    restrict(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_MODE);
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn new_and_existing_files_end_up_private() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let new = dir.path().join("new.csv");
        write_private(&new, b"a,b\n")?;
        assert_eq!(mode(&new), 0o600);
        let old = dir.path().join("old.html");
        std::fs::write(&old, b"older")?;
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644))?;
        write_private(&old, b"new")?;
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read(&old)?, b"new");
        let streamed = dir.path().join("s.json");
        std::fs::write(&streamed, b"x")?;
        std::fs::set_permissions(&streamed, std::fs::Permissions::from_mode(0o666))?;
        drop(create_private(&streamed)?);
        assert_eq!(mode(&streamed), 0o600);
        restrict(&dir.path().join("missing"))?;
        Ok(())
    }
}
