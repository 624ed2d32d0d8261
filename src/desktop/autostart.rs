//! The desktop entry (menu item) and the XDG autostart file: one text, written by
//! [`desktop_entry`], used for the packaged `/usr/share/applications/plumbline.desktop`
//! (`packaging/plumbline.desktop`, checked by a test) and for
//! `$XDG_CONFIG_HOME/autostart/plumbline.desktop` when the user turns autostart on.
//!
//! The XDG autostart rule is followed by GNOME, KDE, Xfce, LXQt, Cinnamon and MATE; other
//! platforms get their own mechanism in their backend.

use std::path::{Path, PathBuf};

use super::DesktopError;

/// File name of the desktop entry (menu and autostart).
pub const FILE_NAME: &str = "plumbline.desktop";

/// Arguments of the autostart command: straight into the tray.
pub const AUTOSTART_ARGS: &str = "--background";

/// The desktop entry running `exec` (a program name or an absolute path) with `args`.
/// `autostart` adds the keys autostart managers read.
pub fn desktop_entry(exec: &str, args: &str, autostart: bool) -> String {
    let mut command = quote_exec(exec);
    if !args.is_empty() {
        command.push(' ');
        command.push_str(args);
    }
    let mut text = format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=plumbline\n\
         GenericName=Posture monitor\n\
         Comment=Warns when a forward head posture persists (webcam, nothing leaves the computer)\n\
         Exec={command}\n\
         Icon=plumbline\n\
         Terminal=false\n\
         Categories=Utility;\n\
         Keywords=posture;neck;headache;ergonomics;webcam;\n\
         StartupNotify=false\n"
    );
    if autostart {
        text.push_str("X-GNOME-Autostart-enabled=true\nX-GNOME-Autostart-Delay=10\n");
    }
    text
}

/// Quotes a path for the `Exec` key when it needs it (desktop entry spec: double quotes,
/// with `"`, `` ` ``, `$` and `\` escaped).
fn quote_exec(exec: &str) -> String {
    let plain = exec
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    if plain {
        return exec.to_owned();
    }
    let mut quoted = String::from("\"");
    for c in exec.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart`.
pub fn autostart_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .map(|config| config.join("autostart"))
}

/// Whether `dir` holds plumbline's autostart entry.
pub fn is_enabled(dir: &Path) -> bool {
    dir.join(FILE_NAME).is_file()
}

/// Writes (or removes) plumbline's autostart entry in `dir`, starting `exec`; returns the
/// file's path.
pub fn set(dir: &Path, enabled: bool, exec: &Path) -> Result<PathBuf, DesktopError> {
    let path = dir.join(FILE_NAME);
    let failed = |source| DesktopError::Autostart {
        path: path.clone(),
        source,
    };
    if enabled {
        std::fs::create_dir_all(dir).map_err(failed)?;
        let text = desktop_entry(&exec.to_string_lossy(), AUTOSTART_ARGS, true);
        std::fs::write(&path, text).map_err(failed)?;
    } else {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(failed(err)),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggle_writes_and_removes_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let autostart = dir.path().join("autostart");
        assert!(!is_enabled(&autostart));
        let exe = Path::new("/opt/my apps/plumbline");
        let path = set(&autostart, true, exe).unwrap();
        assert!(is_enabled(&autostart));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("Exec=\"/opt/my apps/plumbline\" --background\n"),
            "{text}"
        );
        assert!(text.contains("X-GNOME-Autostart-enabled=true"));
        set(&autostart, false, exe).unwrap();
        assert!(!is_enabled(&autostart));
        // Turning off what is already off is fine.
        set(&autostart, false, exe).unwrap();
    }

    #[test]
    fn an_unwritable_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "").unwrap();
        let err = set(&file, true, Path::new("/usr/bin/plumbline")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cannot change autostart"), "{msg}");
        assert!(msg.ends_with("plumbline.desktop"), "{msg}");
    }

    #[test]
    fn exec_quoting_follows_the_spec() {
        assert_eq!(quote_exec("/usr/bin/plumbline"), "/usr/bin/plumbline");
        assert_eq!(quote_exec("/a b/$x"), "\"/a b/\\$x\"");
    }

    #[test]
    fn the_packaged_menu_entry_is_this_text() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/plumbline.desktop");
        let committed = std::fs::read_to_string(&path).expect("packaging/plumbline.desktop");
        assert_eq!(committed, desktop_entry("plumbline", "", false));
    }
}
