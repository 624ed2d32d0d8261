//! Locating, verifying and initialising ONNX Runtime.
//!
//! plumbline links ONNX Runtime dynamically (`ort` with `load-dynamic`) because the runtime's
//! own download does not work on the target machines. `scripts/fetch-runtime` takes the
//! library from the PyPI wheel pinned in `scripts/onnxruntime.pin` into `runtime/lib/`.
//!
//! # Telemetry
//! That build carries Microsoft's telemetry client, on by default: it opens UDP sockets, looks
//! up a Microsoft events host every few seconds and writes a device id and an event database
//! under `~/.cache/Microsoft/`. The C API's `DisableTelemetryEvents` does not stop it; the
//! environment variable [`TELEMETRY_VAR`]` = `[`TELEMETRY_OFF`] present when the library
//! starts does. So the binary puts the variable into its own environment as the first thing in
//! `main` (before any thread exists), `.cargo/config.toml` sets it for everything cargo runs
//! (tests, benches, examples), and [`ensure_initialized`] **refuses to load the runtime** when
//! the variable is not in effect, so no path can forget it. `DisableTelemetryEvents` is called
//! as well. `tests/it/privacy.rs` proves the behaviour with strace.
//!
//! # Which library is loaded
//! One rule, no searching of parent folders (a copied binary must not run a library someone
//! planted in a folder above it):
//! 1. `ORT_DYLIB_PATH`, when set: the user's explicit choice, loaded as is (its sha256 is
//!    reported, not required to match).
//! 2. The installation's own copy: `<folder of the executable>/runtime/lib/` + [`library_file`]
//!    (symbolic links to the executable are resolved first; an installed package puts the
//!    binary at `/usr/lib/plumbline/plumbline` with `runtime/lib/` beside it).
//! 3. The source tree this binary was built from (`cargo run`, tests):
//!    `<repository>/runtime/lib/` + [`library_file`].
//! 4. Only when [`SYSTEM_VAR`]` = 1`: the system's library folders (the user's choice, like 1).
//!
//! Libraries from 2 and 3 must have the pinned sha256 (`LIB_SHA256`), checked on the open file
//! before it is loaded (hashing the ~29 MB library costs a few tens of milliseconds per start);
//! a mismatch is [`RuntimeError::Checksum`], which names the file and `scripts/fetch-runtime`.
//! On Linux the verified file is loaded through its open descriptor, so the bytes hashed are
//! the bytes loaded even if the path is swapped in between.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};

/// The environment variable that switches off ONNX Runtime's telemetry client.
pub const TELEMETRY_VAR: &str = "ORT_DISABLE_TELEMETRY";

/// The value of [`TELEMETRY_VAR`] that switches the client off.
pub const TELEMETRY_OFF: &str = "1";

/// The environment variable that allows a system-wide ONNX Runtime (`1`).
pub const SYSTEM_VAR: &str = "PLUMBLINE_SYSTEM_RUNTIME";

/// The pinned build: `scripts/onnxruntime.pin`, shared with `scripts/fetch-runtime`.
const PIN_FILE: &str = include_str!("../scripts/onnxruntime.pin");

/// The command that installs the runtime, quoted in every error.
pub const FIX: &str = "run `scripts/fetch-runtime` (it installs the pinned ONNX Runtime from PyPI into runtime/lib/), or set ORT_DYLIB_PATH to a libonnxruntime.so of version 1.31";

/// Folders of the system's libraries, searched only when [`SYSTEM_VAR`] is `1`.
const SYSTEM_DIRS: [&str; 3] = ["/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu"];

/// Why ONNX Runtime could not be used.
#[derive(Clone, Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The telemetry switch is not in this process's environment, so loading would start
    /// Microsoft's telemetry client.
    #[error(
        "refusing to load ONNX Runtime: {TELEMETRY_VAR}={TELEMETRY_OFF} is not in the environment, \
         and without it the runtime sends telemetry to Microsoft. The plumbline program sets it \
         itself; for tests and other programs run them with cargo (.cargo/config.toml sets it) \
         or export {TELEMETRY_VAR}={TELEMETRY_OFF} before starting the process"
    )]
    TelemetryNotDisabled,
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
    /// The library could not be read to verify it.
    #[error("cannot read ONNX Runtime to verify it ({reason}); {FIX}: {}", path.display())]
    Read {
        /// What went wrong.
        reason: String,
        /// The library.
        path: PathBuf,
    },
    /// The library is not the pinned build (replaced, damaged, or planted).
    #[error(
        "ONNX Runtime library is not the pinned build (sha256 {actual}, expected {expected}); it \
         was not loaded. Run `scripts/fetch-runtime` to restore it: {}",
        path.display()
    )]
    Checksum {
        /// The library.
        path: PathBuf,
        /// The pinned sha256.
        expected: String,
        /// The file's sha256.
        actual: String,
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

/// Where the loaded library came from (the discovery rule in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `ORT_DYLIB_PATH`.
    EnvPath,
    /// `runtime/lib/` beside the executable.
    Installation,
    /// `runtime/lib/` of the source tree the binary was built from.
    SourceTree,
    /// A system library folder, allowed by [`SYSTEM_VAR`].
    System,
}

impl Origin {
    /// Whether a library from here must have the pinned sha256 (the user did not choose it).
    pub fn requires_pin(self) -> bool {
        matches!(self, Self::Installation | Self::SourceTree)
    }

    /// A few words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::EnvPath => "ORT_DYLIB_PATH",
            Self::Installation => "beside the executable",
            Self::SourceTree => "the source tree",
            Self::System => "the system (PLUMBLINE_SYSTEM_RUNTIME=1)",
        }
    }
}

/// A library found by [`locate`], not yet verified or loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// Which rule found it.
    pub origin: Origin,
}

/// The runtime in use.
#[derive(Clone, Debug)]
pub struct RuntimeInfo {
    /// The library that was loaded.
    pub path: PathBuf,
    /// Which discovery rule found it.
    pub origin: Origin,
    /// Its sha256.
    pub sha256: String,
    /// Whether that is the pinned build.
    pub pinned: bool,
    /// The version string ONNX Runtime reports.
    pub version: String,
}

/// The pinned ONNX Runtime build, from `scripts/onnxruntime.pin`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pin {
    /// Version, e.g. `1.31.1`.
    pub version: String,
    /// sha256 of the shared library extracted from the wheel.
    pub lib_sha256: String,
}

/// The pinned build. A key missing from the file reads as empty, which no library matches, so
/// a broken pin file refuses every library instead of accepting any.
pub fn pin() -> &'static Pin {
    static PIN: OnceLock<Pin> = OnceLock::new();
    PIN.get_or_init(|| parse_pin(PIN_FILE))
}

/// `KEY="value"` lines of a shell-sourceable file; comments and other keys ignored.
fn parse_pin(text: &str) -> Pin {
    let mut pin = Pin::default();
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "ORT_VERSION" => pin.version = value,
            "LIB_SHA256" => pin.lib_sha256 = value.to_ascii_lowercase(),
            _ => {}
        }
    }
    pin
}

/// File name of the pinned library, e.g. `libonnxruntime.so.1.31.1`.
pub fn library_file() -> String {
    format!("libonnxruntime.so.{}", pin().version)
}

/// Whether [`TELEMETRY_VAR`]` = `[`TELEMETRY_OFF`] is in this process's environment.
pub fn telemetry_disabled() -> bool {
    std::env::var_os(TELEMETRY_VAR).as_deref() == Some(OsStr::new(TELEMETRY_OFF))
}

/// The telemetry setting in force, in words (for `plumbline doctor`).
pub fn telemetry_setting() -> String {
    if telemetry_disabled() {
        format!(
            "off: {TELEMETRY_VAR}={TELEMETRY_OFF} was in the environment before ONNX Runtime \
             loaded, and DisableTelemetryEvents was called"
        )
    } else {
        format!("{TELEMETRY_VAR} is not {TELEMETRY_OFF}: the runtime is not loaded")
    }
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
            if !telemetry_disabled() {
                return Err(RuntimeError::TelemetryNotDisabled);
            }
            let located = locate()?;
            let verified = verify(&located)?;
            load(&located, verified)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Finds the runtime library without loading it.
pub fn locate() -> Result<Located, RuntimeError> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(Located {
                path,
                origin: Origin::EnvPath,
            })
        } else {
            Err(RuntimeError::EnvPathMissing { path })
        };
    }
    let system = std::env::var_os(SYSTEM_VAR).as_deref() == Some(OsStr::new("1"));
    let exe = std::env::current_exe().ok();
    let candidates = candidates(exe.as_deref(), system);
    if let Some(found) = candidates.iter().find(|c| c.path.is_file()) {
        return Ok(found.clone());
    }
    let mut searched: Vec<String> = candidates
        .iter()
        .map(|c| c.path.display().to_string())
        .collect();
    if !system {
        searched.push(format!(
            "not the system's library folders (set {SYSTEM_VAR}=1 to allow them)"
        ));
    }
    Err(RuntimeError::NotFound {
        searched: searched.join(", "),
    })
}

/// The folder below an installation (or the source tree) that holds the library.
fn runtime_dir(root: &Path) -> PathBuf {
    root.join("runtime").join("lib")
}

/// The places a library may come from, in order, given the (symlink-resolved) executable.
fn candidates(exe: Option<&Path>, system: bool) -> Vec<Located> {
    let file = library_file();
    let mut found = Vec::new();
    if let Some(dir) = exe.and_then(Path::parent) {
        found.push(Located {
            path: runtime_dir(dir).join(&file),
            origin: Origin::Installation,
        });
    }
    let source_tree = runtime_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).join(&file);
    if found.iter().all(|c| c.path != source_tree) {
        found.push(Located {
            path: source_tree,
            origin: Origin::SourceTree,
        });
    }
    if system {
        for dir in SYSTEM_DIRS {
            for name in [file.as_str(), "libonnxruntime.so"] {
                found.push(Located {
                    path: Path::new(dir).join(name),
                    origin: Origin::System,
                });
            }
        }
    }
    found
}

/// An opened, hashed library.
struct Verified {
    /// Kept open so the loader can map exactly these bytes.
    file: File,
    sha256: String,
}

/// Hashes the library and, where the rule demands it, compares with the pin.
fn verify(located: &Located) -> Result<Verified, RuntimeError> {
    let path = &located.path;
    let read_error = |e: std::io::Error| RuntimeError::Read {
        reason: e.to_string(),
        path: path.clone(),
    };
    let started = std::time::Instant::now();
    let mut file = File::open(path).map_err(read_error)?;
    let sha256 = sha256_of(&mut file).map_err(read_error)?;
    tracing::debug!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        path = %path.display(),
        "hashed ONNX Runtime"
    );
    let expected = &pin().lib_sha256;
    if located.origin.requires_pin() && &sha256 != expected {
        return Err(RuntimeError::Checksum {
            path: path.clone(),
            expected: expected.clone(),
            actual: sha256,
        });
    }
    Ok(Verified { file, sha256 })
}

/// Lower-case hex sha256 of everything `reader` yields.
fn sha256_of(reader: &mut impl std::io::Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of `bytes`, as sha256 sums are written (the runtime's and the models').
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The path the loader opens: on Linux the verified open file itself.
fn load_path(located: &Located, verified: &Verified) -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let by_fd = PathBuf::from(format!("/proc/self/fd/{}", verified.file.as_raw_fd()));
        if by_fd.exists() {
            return by_fd;
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = verified;
    located.path.clone()
}

fn load(located: &Located, verified: Verified) -> Result<RuntimeInfo, RuntimeError> {
    let path = &located.path;
    let load_error = |reason: String| RuntimeError::Load {
        reason,
        path: path.clone(),
    };
    let environment = ort::init_from(load_path(located, &verified))
        .map_err(|e| load_error(e.to_string()))?
        .with_name("plumbline")
        // Belt and braces: the environment variable is what stops the client.
        .with_telemetry(false)
        .build()
        .map_err(|e| load_error(e.to_string()))?;
    // Sessions are built against this environment; hold it for the process lifetime.
    let _ = ENVIRONMENT.set(environment);
    let pinned = verified.sha256 == pin().lib_sha256;
    if !pinned {
        tracing::info!(
            "ONNX Runtime from {} is not the pinned build (sha256 {}): {}",
            located.origin.describe(),
            verified.sha256,
            path.display()
        );
    }
    Ok(RuntimeInfo {
        path: path.clone(),
        origin: located.origin,
        sha256: verified.sha256,
        pinned,
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

/// Hands the memory that loading the models freed back to the system.
///
/// Building an ONNX Runtime session parses the model, optimises the graph and copies the
/// weights; what it frees afterwards (about twice the model's size) stays resident in glibc's
/// heap, because glibc returns free memory only from the top of a heap. Measured on the
/// monitor's models (the detector and the full landmark model, 25 MB of weights): 55 MB
/// resident after loading, of which this returns 45 MB (docs/MONITOR.md "Memory"). Elsewhere
/// than glibc on Linux it does nothing.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)] // one FFI call; see SAFETY below
    // SAFETY: `malloc_trim` takes a plain integer, touches only glibc's own allocator state
    // under its arena locks (it is safe to call from any thread at any time) and invalidates
    // no live allocation: it only releases pages of free chunks.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_file_parses_and_names_a_version_and_a_hash() {
        let pin = pin();
        assert!(
            version_from_file_name(Path::new(&library_file())).is_some(),
            "{pin:?}"
        );
        assert_eq!(pin.lib_sha256.len(), 64, "{pin:?}");
        assert!(pin.lib_sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        let parsed = parse_pin("# c\nORT_VERSION=\"2.0\"\nLIB_SHA256=\"AB\"\nOTHER=1\n");
        assert_eq!(parsed.version, "2.0");
        assert_eq!(parsed.lib_sha256, "ab");
        assert_eq!(parse_pin("nothing here"), Pin::default());
    }

    #[test]
    fn discovery_is_beside_the_executable_then_the_source_tree_never_a_parent() {
        let exe = Path::new("/opt/a/b/plumbline");
        let file = library_file();
        let found = candidates(Some(exe), false);
        let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/lib");
        assert_eq!(
            found,
            vec![
                Located {
                    path: Path::new("/opt/a/b/runtime/lib").join(&file),
                    origin: Origin::Installation,
                },
                Located {
                    path: source_tree.join(&file),
                    origin: Origin::SourceTree,
                },
            ]
        );
        let with_system = candidates(Some(exe), true);
        assert!(with_system[2..].iter().all(|c| c.origin == Origin::System));
        assert!(
            with_system
                .iter()
                .all(|c| !c.path.starts_with("/opt/a/runtime"))
        );
    }

    #[test]
    fn a_library_with_another_hash_is_refused_where_the_pin_applies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = dir.path().join(library_file());
        std::fs::write(&fake, b"not the runtime").expect("write");
        for origin in [Origin::Installation, Origin::SourceTree] {
            let located = Located {
                path: fake.clone(),
                origin,
            };
            let Err(err) = verify(&located) else {
                panic!("{origin:?} accepted a library that is not the pinned one");
            };
            let message = err.to_string();
            assert!(message.contains("scripts/fetch-runtime"), "{message}");
            assert!(message.ends_with(&fake.display().to_string()), "{message}");
        }
        // The user's explicit choice is hashed and reported, not refused.
        let chosen = verify(&Located {
            path: fake,
            origin: Origin::EnvPath,
        });
        assert!(chosen.is_ok_and(|v| v.sha256.len() == 64));
    }

    #[test]
    fn sha256_of_a_known_text() -> std::io::Result<()> {
        assert_eq!(
            sha256_of(&mut &b"abc"[..])?,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        Ok(())
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
    fn the_runtime_loads_pinned_with_telemetry_off() {
        assert!(
            telemetry_disabled(),
            "cargo sets {TELEMETRY_VAR} through .cargo/config.toml"
        );
        let info = ensure_initialized().expect("the test command installs the runtime");
        assert!(info.path.is_file());
        assert!(info.pinned, "{info:?}");
        assert_eq!(info.origin, Origin::SourceTree, "{info:?}");
        assert!(
            info.version.contains("1.31"),
            "unexpected version {}",
            info.version
        );
    }
}
