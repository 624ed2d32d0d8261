//! The Settings tab's desktop section: start at login (XDG autostart through the desktop
//! backend) and whether a tray is up.

use crate::desktop::Companion;

/// Label of the autostart checkbox (also its accessible name).
pub const AUTOSTART: &str = "Start plumbline at login, in the tray";

/// Shown when no tray host is running.
pub const NO_TRAY: &str =
    "No tray on this desktop: warnings come in the window, and closing it quits plumbline.";

/// Draws the section; `message` holds the last autostart error until it is fixed.
pub fn ui(ui: &mut egui::Ui, companion: &mut Companion, message: &mut Option<String>) {
    ui.separator();
    ui.heading("Desktop");
    let mut autostart = companion.desktop_mut().autostart();
    if ui.checkbox(&mut autostart, AUTOSTART).changed() {
        *message = companion
            .desktop_mut()
            .set_autostart(autostart)
            .err()
            .map(|err| err.to_string());
    }
    if !companion.has_tray() {
        ui.label(NO_TRAY);
    }
    if let Some(text) = message {
        ui.colored_label(super::theme::CAUTION, text.as_str());
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::*;
    use crate::desktop::{CompanionConfig, NoDesktop};

    #[test]
    fn without_a_backend_the_toggle_says_why_it_did_nothing() {
        let mut companion = Companion::new(
            Box::new(NoDesktop),
            CompanionConfig::default(),
            &crate::posture::PostureConfig::default(),
        );
        let mut message = None;
        let mut harness = Harness::new_ui(|ui| super::ui(ui, &mut companion, &mut message));
        harness.get_by_label(NO_TRAY);
        harness.get_by_label(AUTOSTART).click();
        harness.run();
        drop(harness);
        let text = message.expect("an error message");
        assert!(text.contains("autostart is not available"), "{text}");
    }
}
