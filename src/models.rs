//! The model files: the manifest compiled into the binary, verification of every file before
//! it is used (sha256 and tensor interface), and ONNX Runtime sessions built from them.
//!
//! A wrong, truncated or corrupt file is a [`ModelError`] that names the file and the fix;
//! nothing here panics on bad input.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::session::builder::{GraphOptimizationLevel, PrepackedWeights};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::runtime::{self, RuntimeError};

/// The manifest written by `scripts/convert-models`.
const MANIFEST_TOML: &str = include_str!("../models/manifest.toml");

/// How to restore committed model files.
const FIX_COMMITTED: &str =
    "restore it with `git checkout -- models/` or regenerate it with `scripts/convert-models`";

/// How to produce the heavy model, which is not committed.
const FIX_HEAVY: &str = "produce it with `scripts/convert-models --heavy`";

/// The model files plumbline knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// BlazePose detector (224×224 input).
    Detector,
    /// Landmark model, lite, without the segmentation head; also outputs the head's inputs.
    LandmarkLite,
    /// Landmark model, full, without the segmentation head; also outputs the head's inputs.
    LandmarkFull,
    /// Landmark model, heavy (made on demand, not committed).
    LandmarkHeavy,
    /// The segmentation head of the lite landmark model: its features → the person mask.
    LandmarkLiteSegHead,
    /// The segmentation head of the full landmark model: its features → the person mask.
    LandmarkFullSegHead,
}

impl ModelKind {
    /// Every kind, in manifest order.
    pub const ALL: [Self; 6] = [
        Self::Detector,
        Self::LandmarkLite,
        Self::LandmarkFull,
        Self::LandmarkHeavy,
        Self::LandmarkLiteSegHead,
        Self::LandmarkFullSegHead,
    ];

    /// The manifest name (the file stem).
    pub fn name(self) -> &'static str {
        match self {
            Self::Detector => "pose_detection",
            Self::LandmarkLite => "pose_landmark_lite",
            Self::LandmarkFull => "pose_landmark_full",
            Self::LandmarkHeavy => "pose_landmark_heavy",
            Self::LandmarkLiteSegHead => "pose_landmark_lite_seghead",
            Self::LandmarkFullSegHead => "pose_landmark_full_seghead",
        }
    }

    /// Whether the file is committed to the repository (the heavy model is made on demand).
    pub fn is_committed(self) -> bool {
        self != Self::LandmarkHeavy
    }

    fn fix(self) -> &'static str {
        if self.is_committed() {
            FIX_COMMITTED
        } else {
            FIX_HEAVY
        }
    }
}

/// Why a model could not be used. Paths come last in every message.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No models folder was found.
    #[error(
        "no models folder found (looked for models/manifest.toml above the executable and in the source tree); pass --models-dir DIR or set PLUMBLINE_MODELS"
    )]
    NoModelsDir,
    /// The model is not listed in the compiled-in manifest.
    #[error("model {0} is not in models/manifest.toml; {FIX_COMMITTED}")]
    NotInManifest(&'static str),
    /// The compiled-in manifest cannot be parsed (a build problem).
    #[error("models/manifest.toml is malformed: {0}")]
    Manifest(String),
    /// The file does not exist.
    #[error("model file missing; {fix}: {}", path.display())]
    Missing {
        /// The expected path.
        path: PathBuf,
        /// What to do.
        fix: &'static str,
    },
    /// The file could not be read.
    #[error("cannot read model file ({source}): {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's checksum differs from the manifest (wrong, truncated or modified file).
    #[error(
        "model file is damaged or not the expected one (sha256 {actual}, expected {expected}, {bytes} bytes); {fix}: {}",
        path.display()
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The manifest's sha256.
        expected: String,
        /// The file's sha256.
        actual: String,
        /// The file's size.
        bytes: usize,
        /// What to do.
        fix: &'static str,
    },
    /// ONNX Runtime refused the file.
    #[error("ONNX Runtime cannot load the model ({reason}); {fix}: {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The runtime's message.
        reason: String,
        /// What to do.
        fix: &'static str,
    },
    /// The file's inputs or outputs differ from the manifest.
    #[error("model has an unexpected interface ({detail}); {fix}: {}", path.display())]
    Interface {
        /// The file.
        path: PathBuf,
        /// What differs.
        detail: String,
        /// What to do.
        fix: &'static str,
    },
    /// The runtime is missing.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// One tensor of a model's interface.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TensorSpec {
    /// Tensor name.
    pub name: String,
    /// Tensor shape (all dimensions fixed).
    pub shape: Vec<i64>,
}

/// One model in the manifest.
#[derive(Clone, Debug, Deserialize)]
pub struct ModelSpec {
    /// File stem.
    pub name: String,
    /// File name inside the models folder.
    pub file: String,
    /// Expected sha256 in hex; empty means "check the interface only" (files that are not
    /// byte-reproducible and not committed).
    pub sha256: String,
    /// Expected size in bytes (0 when unknown).
    #[serde(default)]
    pub bytes: u64,
    /// Inputs in order.
    pub inputs: Vec<TensorSpec>,
    /// Outputs in order.
    pub outputs: Vec<TensorSpec>,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    model: Vec<ModelSpec>,
}

/// The compiled-in manifest entry for `kind`.
pub fn spec(kind: ModelKind) -> Result<ModelSpec, ModelError> {
    let manifest: Manifest =
        toml::from_str(MANIFEST_TOML).map_err(|e| ModelError::Manifest(e.to_string()))?;
    manifest
        .model
        .into_iter()
        .find(|m| m.name == kind.name())
        .ok_or(ModelError::NotInManifest(kind.name()))
}

/// The models folder: `explicit` when given, else `models/` above the executable, else the
/// source tree's `models/`.
pub fn models_dir(explicit: Option<&Path>) -> Result<PathBuf, ModelError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .skip(1)
            .take(6)
            .map(|a| a.join("models"))
            .find(|d| d.join("manifest.toml").is_file())
    });
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    from_exe
        .or_else(|| {
            source_tree
                .join("manifest.toml")
                .is_file()
                .then_some(source_tree)
        })
        .ok_or(ModelError::NoModelsDir)
}

/// The path of `kind` inside `dir`.
pub fn model_path(dir: &Path, kind: ModelKind) -> Result<PathBuf, ModelError> {
    Ok(dir.join(spec(kind)?.file))
}

/// Reads `kind` from `dir` and checks its size and sha256 against the manifest.
pub fn read_verified(dir: &Path, kind: ModelKind) -> Result<(PathBuf, Vec<u8>), ModelError> {
    let spec = spec(kind)?;
    let path = dir.join(&spec.file);
    if !path.is_file() {
        return Err(ModelError::Missing {
            path,
            fix: kind.fix(),
        });
    }
    let bytes = std::fs::read(&path).map_err(|source| ModelError::Read {
        path: path.clone(),
        source,
    })?;
    if !spec.sha256.is_empty() {
        let actual = runtime::hex(&Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(&spec.sha256) {
            return Err(ModelError::Checksum {
                path,
                expected: spec.sha256,
                actual,
                bytes: bytes.len(),
                fix: kind.fix(),
            });
        }
    }
    Ok((path, bytes))
}

/// How ONNX Runtime runs one model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Intra-op threads, the calling thread included.
    pub intra_threads: usize,
    /// Whether the intra-op pool's threads spin while they wait for work: the quickest hand-over
    /// when their cores are free, CPU taken from everything else when not.
    pub spinning: bool,
    /// ONNX Runtime's CPU memory arena: buffers kept between runs instead of mapped and
    /// faulted in again each time (`PoseConfig::memory_arena`).
    pub arena: bool,
}

impl SessionOptions {
    /// `intra_threads` threads with ONNX Runtime's spinning pool, no arena.
    pub fn threads(intra_threads: usize) -> Self {
        Self {
            intra_threads,
            spinning: true,
            arena: false,
        }
    }
}

/// Verifies `kind` and builds an ONNX Runtime session for it with `intra_threads` intra-op
/// threads, one inter-op thread and graph optimisations up to layout (`ort`'s `Level3` is ONNX
/// Runtime's `ORT_ENABLE_LAYOUT`; `ORT_ENABLE_ALL` measured no faster, docs/PARITY.md §4.1).
/// Initialises the runtime first.
pub fn open_session(
    dir: &Path,
    kind: ModelKind,
    intra_threads: usize,
) -> Result<Session, ModelError> {
    let mut sessions = open_sessions(dir, kind, &[SessionOptions::threads(intra_threads)])?;
    Ok(sessions.remove(0))
}

/// Verifies `kind` once and builds one session per entry of `layouts` (one inter-op thread
/// and the same graph optimisations each); the sessions share their pre-packed weights.
pub fn open_sessions(
    dir: &Path,
    kind: ModelKind,
    layouts: &[SessionOptions],
) -> Result<Vec<Session>, ModelError> {
    let environment = runtime::environment()?;
    let (path, bytes) = read_verified(dir, kind)?;
    let invalid = |reason: String| ModelError::Invalid {
        path: path.clone(),
        reason,
        fix: kind.fix(),
    };
    let prepacked = PrepackedWeights::new();
    let mut sessions = Vec::with_capacity(layouts.len());
    for layout in layouts {
        let session = Session::builder(environment)
            .map_err(|e| invalid(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| invalid(e.to_string()))?
            .with_intra_threads(layout.intra_threads.max(1))
            .map_err(|e| invalid(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| invalid(e.to_string()))?
            .with_intra_op_spinning(layout.spinning)
            .map_err(|e| invalid(e.to_string()))?
            .with_execution_providers([ort::ep::CPU::default()
                .with_arena_allocator(layout.arena)
                .build()])
            .map_err(|e| invalid(e.to_string()))?
            // The memory pattern (one block planned for all of a run's buffers) took the
            // monitor's peak memory from 148 to 168 MB at the same CPU (docs/MONITOR.md).
            .with_memory_pattern(false)
            .map_err(|e| invalid(e.to_string()))?
            .with_prepacked_weights(&prepacked)
            .map_err(|e| invalid(e.to_string()))?
            .commit_from_memory(&bytes)
            .map_err(|e| invalid(e.to_string()))?;
        check_interface(&session, &spec(kind)?).map_err(|detail| ModelError::Interface {
            path: path.clone(),
            detail,
            fix: kind.fix(),
        })?;
        sessions.push(session);
    }
    Ok(sessions)
}

/// Compares the session's inputs and outputs (names, order, shapes) with the manifest.
fn check_interface(session: &Session, spec: &ModelSpec) -> Result<(), String> {
    let describe = |outlets: &[ort::value::Outlet]| -> Vec<TensorSpec> {
        outlets
            .iter()
            .map(|o| TensorSpec {
                name: o.name().to_owned(),
                shape: o
                    .dtype()
                    .tensor_shape()
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            })
            .collect()
    };
    let inputs = describe(session.inputs());
    let outputs = describe(session.outputs());
    if inputs != spec.inputs {
        return Err(format!("inputs {inputs:?}, expected {:?}", spec.inputs));
    }
    if outputs != spec.outputs {
        return Err(format!("outputs {outputs:?}, expected {:?}", spec.outputs));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_models(kind: ModelKind) -> (tempfile::TempDir, PathBuf) {
        let src = models_dir(None).expect("models folder of the source tree");
        let tmp = tempfile::tempdir().expect("temp dir");
        let file = spec(kind).expect("manifest entry").file;
        std::fs::copy(src.join(&file), tmp.path().join(&file)).expect("copy model");
        let path = tmp.path().join(file);
        (tmp, path)
    }

    #[test]
    fn every_committed_model_is_in_the_manifest_and_verifies() {
        let dir = models_dir(None).unwrap();
        for kind in ModelKind::ALL.into_iter().filter(|k| k.is_committed()) {
            let spec = spec(kind).unwrap();
            assert_eq!(spec.sha256.len(), 64, "{} has no sha256", spec.name);
            let (_, bytes) = read_verified(&dir, kind).unwrap();
            assert_eq!(bytes.len() as u64, spec.bytes, "{}", spec.name);
        }
    }

    #[test]
    fn the_detector_opens_with_its_interface() {
        let dir = models_dir(None).unwrap();
        let session = open_session(&dir, ModelKind::Detector, 1).unwrap();
        assert_eq!(session.inputs()[0].name(), "input_1");
    }

    #[test]
    fn a_truncated_model_is_a_checksum_error_naming_the_file() {
        let (tmp, path) = copy_models(ModelKind::LandmarkLite);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = open_session(tmp.path(), ModelKind::LandmarkLite, 1).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ModelError::Checksum { .. }), "{message}");
        assert!(message.contains("pose_landmark_lite.onnx"), "{message}");
        assert!(message.contains("scripts/convert-models"), "{message}");
    }

    #[test]
    fn a_missing_heavy_model_says_how_to_make_it() {
        let tmp = tempfile::tempdir().unwrap();
        let err = read_verified(tmp.path(), ModelKind::LandmarkHeavy).unwrap_err();
        assert!(err.to_string().contains("--heavy"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_model_is_rejected_by_the_runtime() {
        // Heavy has no pinned checksum, so a garbage file reaches ONNX Runtime itself.
        let tmp = tempfile::tempdir().unwrap();
        let file = spec(ModelKind::LandmarkHeavy).unwrap().file;
        std::fs::write(tmp.path().join(&file), b"not an onnx model").unwrap();
        let err = open_session(tmp.path(), ModelKind::LandmarkHeavy, 1).unwrap_err();
        assert!(matches!(err, ModelError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains(&file), "{err}");
    }
}
