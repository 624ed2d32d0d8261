//! `plumbline doctor`: checks everything plumbline needs and says what to fix.

use std::process::ExitCode;

use super::Global;
use crate::models::{self, ModelKind};
use crate::runtime;

/// Arguments of `plumbline doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// One line of the report.
struct Check {
    what: String,
    outcome: Outcome,
}

enum Outcome {
    Ok(String),
    /// Not required; reported for information.
    Note(String),
    Failed(String),
}

/// Runs every check, prints one line each, exits non-zero when a required one failed.
pub fn run(_args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let checks = checks(global);
    let mut failed = false;
    for check in &checks {
        let (mark, text) = match &check.outcome {
            Outcome::Ok(text) => ("ok  ", text),
            Outcome::Note(text) => ("note", text),
            Outcome::Failed(text) => {
                failed = true;
                ("FAIL", text)
            }
        };
        println!("[{mark}] {:<28} {text}", check.what);
    }
    if failed {
        println!("\nplumbline is not ready: fix the FAIL lines above.");
        Ok(ExitCode::FAILURE)
    } else {
        println!("\nplumbline is ready.");
        Ok(ExitCode::SUCCESS)
    }
}

fn checks(global: &Global) -> Vec<Check> {
    let mut checks = Vec::from(runtime_checks());
    checks.extend(model_checks(global));
    checks.push(camera_check());
    checks.push(video_check());
    checks.extend(folder_checks());
    checks
}

fn runtime_checks() -> [Check; 2] {
    let loaded = runtime::ensure_initialized();
    let outcome = match loaded {
        Ok(info) if info.pinned => Outcome::Ok(format!(
            "ONNX Runtime {} (pinned build, sha256 verified) from {}: {}",
            info.version,
            info.origin.describe(),
            info.path.display()
        )),
        Ok(info) => Outcome::Note(format!(
            "ONNX Runtime {} from {}, not the pinned build (sha256 {}): {}",
            info.version,
            info.origin.describe(),
            info.sha256,
            info.path.display()
        )),
        Err(e) => Outcome::Failed(e.to_string()),
    };
    let telemetry = if runtime::telemetry_disabled() {
        Outcome::Ok(runtime::telemetry_setting())
    } else {
        Outcome::Failed(runtime::telemetry_setting())
    };
    [
        Check {
            what: "ONNX Runtime".into(),
            outcome,
        },
        Check {
            what: "runtime telemetry".into(),
            outcome: telemetry,
        },
    ]
}

fn model_checks(global: &Global) -> Vec<Check> {
    let dir = match models::models_dir(global.models_dir.as_deref()) {
        Ok(dir) => dir,
        Err(e) => {
            return vec![Check {
                what: "models folder".into(),
                outcome: Outcome::Failed(e.to_string()),
            }];
        }
    };
    ModelKind::ALL
        .into_iter()
        .map(|kind| {
            let outcome = match models::open_session(&dir, kind, 1) {
                Ok(_) => {
                    let path = models::model_path(&dir, kind)
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    Outcome::Ok(format!("sha256 and tensor shapes ok: {path}"))
                }
                Err(e) if !kind.is_committed() => Outcome::Note(format!("optional: {e}")),
                Err(e) => Outcome::Failed(e.to_string()),
            };
            Check {
                what: format!("model {}", kind.name()),
                outcome,
            }
        })
        .collect()
}

fn camera_check() -> Check {
    let outcome = match nokhwa::query(nokhwa::utils::ApiBackend::Auto) {
        Ok(cameras) if cameras.is_empty() => Outcome::Note(
            "no camera found (fine for analyzing recordings; the monitor needs one)".into(),
        ),
        Ok(cameras) => Outcome::Ok(
            cameras
                .iter()
                .map(|c| format!("{} ({})", c.human_name(), c.index()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Err(e) => Outcome::Note(format!("cameras cannot be listed: {e}")),
    };
    Check {
        what: "cameras".into(),
        outcome,
    }
}

fn video_check() -> Check {
    let outcome = if let Err(e) = ffmpeg_next::init() {
        Outcome::Failed(format!("FFmpeg does not initialise: {e}"))
    } else {
        let codecs = [
            ("H.264", ffmpeg_next::codec::Id::H264),
            ("MPEG-4", ffmpeg_next::codec::Id::MPEG4),
            ("MJPEG", ffmpeg_next::codec::Id::MJPEG),
        ];
        let found: Vec<&str> = codecs
            .iter()
            .filter(|(_, id)| ffmpeg_next::decoder::find(*id).is_some())
            .map(|(name, _)| *name)
            .collect();
        if found.is_empty() {
            Outcome::Failed("FFmpeg has no H.264/MPEG-4/MJPEG decoder".into())
        } else {
            Outcome::Ok(format!("FFmpeg decoders: {}", found.join(", ")))
        }
    };
    Check {
        what: "video decoding".into(),
        outcome,
    }
}

/// The folders the configuration and the session database are read from: the same paths
/// `config` and `store` use, not a second guess at them.
fn folder_checks() -> Vec<Check> {
    let data = crate::store::default_path()
        .ok()
        .and_then(|db| db.parent().map(std::path::Path::to_path_buf));
    let (Some(config), Some(data)) = (crate::config::folder(), data) else {
        return vec![Check {
            what: "config and data folders".into(),
            outcome: Outcome::Failed("no home directory: set HOME".into()),
        }];
    };
    [("config folder", config), ("data folder", data)]
        .into_iter()
        .map(|(what, path)| Check {
            what: what.into(),
            outcome: Outcome::Ok(if path.exists() {
                path.display().to_string()
            } else {
                format!("{} (created on first use)", path.display())
            }),
        })
        .collect()
}
