//! Locating and initialising ONNX Runtime.
//!
//! plumbline links ONNX Runtime dynamically (`ort` with `load-dynamic`) because the runtime's
//! own download does not work on the target machines. `scripts/fetch-runtime` takes the
//! library from the PyPI wheel `onnxruntime==1.31.1` into `runtime/lib/` of the installation.
//!
//! Discovery order: `ORT_DYLIB_PATH`, then `runtime/lib/` next to any ancestor folder of the
//! executable (so `target/release/plumbline` works from any working directory), then the
//! source tree this binary was built from, then the system's library search path.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// File name of the runtime library that `scripts/fetch-runtime` installs.
pub const LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";

/// The command that installs the runtime, quoted in every error.
pub const FIX: &str = "run `scripts/fetch-runtime` (it installs ONNX Runtime 1.31.1 from PyPI into runtime/lib/), or set ORT_DYLIB_PATH to a libonnxruntime.so of version 1.31";

/// Why ONNX Runtime could not be used.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RuntimeError {
    /// `ORT_DYLIB_PATH` names a file that does not exist.
    #[error("ORT_DYLIB_PATH points to a missing file; {FIX}: {}", path.display())]
    EnvPathMissing {
        /// The path from the environment.
        path: PathBuf,
    },
    /// No runtime library was found anywhere.
    #[error("ONNX Runtime not found (looked in {searched}); {FIX}")]
    NotFound {
        /// The places searched, for the message.
        searched: String,
    },
    /// The library was found but could not be loaded or is the wrong version.
    #[error("ONNX Runtime could not be loaded ({reason}); {FIX}: {}", path.display())]
    Load {
        /// What went wrong.
        reason: String,
        /// The library tried.
        path: PathBuf,
    },
}

/// The runtime in use.
#[derive(Clone, Debug)]
pub struct RuntimeInfo {
    /// The library that was loaded.
    pub path: PathBuf,
    /// The version string ONNX Runtime reports.
    pub version: String,
}

static RUNTIME: OnceLock<Result<RuntimeInfo, RuntimeError>> = OnceLock::new();

/// The process-wide ONNX Runtime environment, loading the runtime first if needed.
pub fn environment() -> Result<&'static ort::environment::Environment, RuntimeError> {
    ensure_initialized()?;
    ENVIRONMENT.get().ok_or_else(|| RuntimeError::Load {
        reason: "the environment was not kept".to_owned(),
        path: PathBuf::new(),
    })
}

/// Loads ONNX Runtime once per process and returns what was loaded. Later calls return the
/// first result, so a failure is reported the same way every time.
pub fn ensure_initialized() -> Result<&'static RuntimeInfo, RuntimeError> {
    RUNTIME
        .get_or_init(|| {
            let path = locate()?;
            load(&path)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Finds the runtime library without loading it.
pub fn locate() -> Result<PathBuf, RuntimeError> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(RuntimeError::EnvPathMissing { path })
        };
    }
    let candidates = candidate_dirs();
    if let Some(found) = candidates
        .iter()
        .map(|dir| dir.join(LIBRARY_FILE))
        .find(|p| p.is_file())
    {
        return Ok(found);
    }
    if let Some(found) = system_library() {
        return Ok(found);
    }
    let searched = candidates
        .iter()
        .map(|d| d.display().to_string())
        .chain(std::iter::once("the system library path".to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    Err(RuntimeError::NotFound { searched })
}

/// `runtime/lib` below each ancestor of the executable, then below the source tree.
fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        for ancestor in exe.ancestors().skip(1).take(6) {
            dirs.push(ancestor.join("runtime").join("lib"));
        }
    }
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("runtime")
        .join("lib");
    if !dirs.contains(&source_tree) {
        dirs.push(source_tree);
    }
    dirs
}

/// A runtime installed system-wide (for example by a distribution package).
fn system_library() -> Option<PathBuf> {
    ["/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu"]
        .iter()
        .flat_map(|dir| {
            [LIBRARY_FILE, "libonnxruntime.so"]
                .iter()
                .map(move |name| Path::new(dir).join(name))
        })
        .find(|p| p.is_file())
}

fn load(path: &Path) -> Result<RuntimeInfo, RuntimeError> {
    let load_error = |reason: String| RuntimeError::Load {
        reason,
        path: path.to_path_buf(),
    };
    let environment = ort::init_from(path)
        .map_err(|e| load_error(e.to_string()))?
        .with_name("plumbline")
        .build()
        .map_err(|e| load_error(e.to_string()))?;
    // Sessions are built against this environment; hold it for the process lifetime.
    let _ = ENVIRONMENT.set(environment);
    Ok(RuntimeInfo {
        path: path.to_path_buf(),
        version: version_from_file_name(path)
            .unwrap_or_else(|| format!("1.{} or newer ({})", ort::MINOR_VERSION, ort::info())),
    })
}

/// Keeps the process-wide ONNX Runtime environment alive.
static ENVIRONMENT: OnceLock<ort::environment::Environment> = OnceLock::new();

/// `libonnxruntime.so.1.31.1` → `1.31.1`. ort itself refuses a library older than the API
/// version it was built for, so a loaded library is at least that version.
fn version_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let version = name.strip_prefix("libonnxruntime.so.")?;
    version
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_include_the_source_tree() {
        let dirs = candidate_dirs();
        let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/lib");
        assert!(dirs.contains(&source_tree), "{dirs:?}");
    }

    #[test]
    fn version_is_read_from_the_file_name() {
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so.1.31.1")).as_deref(),
            Some("1.31.1")
        );
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so")),
            None
        );
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so.1.x")),
            None
        );
    }

    #[test]
    fn the_runtime_loads_and_reports_its_version() {
        let info = ensure_initialized().expect("the test command installs the runtime");
        assert!(info.path.is_file());
        assert!(
            info.version.contains("1.31"),
            "unexpected version {}",
            info.version
        );
    }
}
