//! One integration-test binary (as ripgrep does): real models, real runtime, real files.

mod capture;
mod clips;
#[cfg(target_os = "linux")]
mod desktop;
mod doctor;
mod geometry;
mod hostile;
mod judge;
mod monitor;
mod person;
mod pose;
mod posture;
mod privacy;
mod records;
mod repo;
mod store;
mod ui;

/// The project's shared media folder: `../shared/media` beside the clone (CI), or beside the
/// worktree folder (`../../shared/media`, the team's layout).
pub fn shared_media() -> Result<std::path::PathBuf, String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in ["../shared/media", "../../shared/media"] {
        let dir = root.join(up);
        if dir.is_dir() {
            return Ok(dir);
        }
    }
    Err(format!(
        "no shared media beside {}: put ../shared/media next to the clone",
        root.display()
    ))
}
