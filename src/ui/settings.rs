//! Window settings, persisted as TOML in the platform config directory (`directories`), and
//! the settings panel. Onset delay and analysis rate go to the pipeline at once as
//! [`Control`] messages; source, model and thresholds apply at the next start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pipeline::Control;

use super::UiError;

/// File name of the settings inside the config directory.
pub const SETTINGS_FILE: &str = "window.toml";

/// Label of the subject field.
pub const SUBJECT: &str = "Subject code (optional)";

/// Allowed onset delays, seconds.
pub const ONSET_DELAY_RANGE_S: std::ops::RangeInclusive<f64> = 0.0..=600.0;

/// Allowed analysis rates, frames per second.
pub const RATE_RANGE_FPS: std::ops::RangeInclusive<f64> = 1.0..=30.0;

/// The BlazePose landmark model variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelVariant {
    /// Fastest, least precise.
    Lite,
    /// The default balance.
    #[default]
    Full,
    /// Most precise, about 5x slower than lite.
    Heavy,
}

impl ModelVariant {
    /// All variants in menu order.
    pub const ALL: [Self; 3] = [Self::Lite, Self::Full, Self::Heavy];

    /// The pose engine's model choice.
    pub fn choice(self) -> crate::pose::ModelChoice {
        match self {
            Self::Lite => crate::pose::ModelChoice::Lite,
            Self::Full => crate::pose::ModelChoice::Full,
            Self::Heavy => crate::pose::ModelChoice::Heavy,
        }
    }

    /// Menu text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lite => "lite (fastest)",
            Self::Full => "full",
            Self::Heavy => "heavy (slowest)",
        }
    }
}

/// Everything the window remembers between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Source when none is given on the command line: `camera:N`, a video file or a folder.
    pub source: String,
    /// Landmark model.
    pub model: ModelVariant,
    /// Flag forward head when the CVA falls below this, degrees (side view).
    pub cva_threshold_deg: f64,
    /// Flag forward head when the CVA is this far below the baseline, degrees.
    pub baseline_drop_deg: f64,
    /// How long the condition must hold before the warning, seconds.
    pub onset_delay_s: f64,
    /// Frames analysed per second.
    pub analysis_rate_fps: f64,
    /// Length of a snooze, minutes.
    pub snooze_minutes: f64,
    /// Whether the user has read the red-flag notice once.
    pub red_flags_acknowledged: bool,
    /// Subject code for calibration baselines and sessions (empty: none), as used by
    /// `plumbline compare --subject`.
    pub subject: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            source: "camera:0".to_owned(),
            model: ModelVariant::Full,
            cva_threshold_deg: 45.0,
            baseline_drop_deg: 5.0,
            onset_delay_s: 30.0,
            analysis_rate_fps: 10.0,
            snooze_minutes: 15.0,
            red_flags_acknowledged: false,
            subject: String::new(),
        }
    }
}

impl Settings {
    /// The subject code, if one is set.
    pub fn subject(&self) -> Option<&str> {
        Some(self.subject.trim()).filter(|code| !code.is_empty())
    }

    /// The settings file in the platform config directory (`None` without a home directory).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "plumbline")
            .map(|dirs| dirs.config_dir().join(SETTINGS_FILE))
    }

    /// Reads settings from `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, UiError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(UiError::ReadSettings {
                    source,
                    path: path.to_owned(),
                });
            }
        };
        toml::from_str(&text).map_err(|source| UiError::ParseSettings {
            source,
            path: path.to_owned(),
        })
    }

    /// Writes settings to `path`, creating its directory.
    pub fn save(&self, path: &Path) -> Result<(), UiError> {
        let write_error = |source| UiError::WriteSettings {
            source,
            path: path.to_owned(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let text = toml::to_string_pretty(self).map_err(UiError::SerializeSettings)?;
        std::fs::write(path, text).map_err(write_error)
    }
}

/// What a settings panel pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    #[default]
    None,
    /// Something changed: save the file.
    Changed,
}

/// Draws the settings panel; pushes live changes into `outbox`.
pub fn ui(ui: &mut egui::Ui, settings: &mut Settings, outbox: &mut Vec<Control>) -> Change {
    let mut changed = false;
    ui.heading("Settings");
    egui::Grid::new("settings_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Source (next start)");
            changed |= ui
                .text_edit_singleline(&mut settings.source)
                .labelled_by(label.id)
                .changed();
            ui.end_row();

            let label = ui.label("Landmark model (next start)");
            egui::ComboBox::from_id_salt("model_variant")
                .selected_text(settings.model.label())
                .show_ui(ui, |ui| {
                    for variant in ModelVariant::ALL {
                        changed |= ui
                            .selectable_value(&mut settings.model, variant, variant.label())
                            .changed();
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();

            changed |= drag_row(
                ui,
                "CVA threshold (next start)",
                &mut settings.cva_threshold_deg,
                30.0..=60.0,
                " °",
            );
            changed |= drag_row(
                ui,
                "Drop below baseline (next start)",
                &mut settings.baseline_drop_deg,
                1.0..=15.0,
                " °",
            );
            if drag_row(
                ui,
                "Onset delay",
                &mut settings.onset_delay_s,
                ONSET_DELAY_RANGE_S,
                " s",
            ) {
                outbox.push(Control::SetOnsetDelay(settings.onset_delay_s));
                changed = true;
            }
            if drag_row(
                ui,
                "Analysis rate",
                &mut settings.analysis_rate_fps,
                RATE_RANGE_FPS,
                " fps",
            ) {
                outbox.push(Control::SetRate(settings.analysis_rate_fps));
                changed = true;
            }
            changed |= drag_row(
                ui,
                "Snooze length",
                &mut settings.snooze_minutes,
                1.0..=120.0,
                " min",
            );

            let label = ui.label(SUBJECT);
            changed |= ui
                .text_edit_singleline(&mut settings.subject)
                .labelled_by(label.id)
                .on_hover_text(
                    "Optional code (for example a patient number). Calibration baselines are \
                     stored for it, so `plumbline compare --subject CODE` can use them; new \
                     sessions are filed under it from the next start.",
                )
                .changed();
            ui.end_row();
        });
    if changed {
        Change::Changed
    } else {
        Change::None
    }
}

fn drag_row(
    ui: &mut egui::Ui,
    name: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    suffix: &str,
) -> bool {
    let label = ui.label(name);
    let changed = ui
        .add(egui::DragValue::new(value).range(range).suffix(suffix))
        .labelled_by(label.id)
        .changed();
    ui.end_row();
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_toml() -> Result<(), UiError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join(SETTINGS_FILE);
        assert_eq!(Settings::load(&path)?, Settings::default());
        let settings = Settings {
            source: "clip.mp4".into(),
            model: ModelVariant::Heavy,
            onset_delay_s: 120.0,
            red_flags_acknowledged: true,
            ..Settings::default()
        };
        settings.save(&path)?;
        assert_eq!(Settings::load(&path)?, settings);
        Ok(())
    }

    #[test]
    fn partial_file_keeps_defaults_and_bad_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(SETTINGS_FILE);
        std::fs::write(&path, "onset_delay_s = 90.0\n").expect("write");
        let settings = Settings::load(&path).expect("valid");
        assert!((settings.onset_delay_s - 90.0).abs() < f64::EPSILON);
        assert_eq!(settings.model, ModelVariant::Full);
        std::fs::write(&path, "onset_delay_s = \"soon\"\n").expect("write");
        let err = Settings::load(&path).expect_err("wrong type");
        assert!(matches!(err, UiError::ParseSettings { .. }), "{err}");
    }
}
