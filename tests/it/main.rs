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

/// The repository's root folder.
pub fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the plumbline binary with `args`, recording nothing (tests/it/ui.rs tests the
/// recording).
pub fn plumbline(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .env("PLUMBLINE_NO_RECORD", "1")
        .output()
        .expect("the plumbline binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary path as `&str` (they are UTF-8).
pub fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}
