//! The window's own preferences ([`Settings`], `window.toml` in the platform config folder:
//! source, landmark model, subject code, the notice read) and the settings panel.
//!
//! The panel is a view of two things: these preferences, and the monitor's configuration
//! file (`config.toml`, `crate::config::Config`, the file `plumbline monitor --headless`
//! reads too): the judge's [`PostureConfig`] and the desk companion's [`CompanionConfig`]
//! (its `[desktop]` table), whose fields it edits under their own names and within their own
//! ranges. Nothing the judge, the companion or the analysis reads is kept here. Onset delay
//! and analysis rate go to the pipeline at once as [`Control`] messages, the companion's
//! settings and the snooze length to the companion at once; source, model and thresholds
//! apply at the next start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bounds::{Bounds, FieldProblem};
use crate::desktop::CompanionConfig;
use crate::pipeline::Control;
use crate::pose::ModelChoice;
use crate::posture::PostureConfig;

use super::UiError;

/// File name of the window preferences inside the config directory.
pub const SETTINGS_FILE: &str = "window.toml";

/// Label of the subject field.
pub const SUBJECT: &str = "Subject code (optional)";

/// Label of the gentle reminder's wait ([`CompanionConfig::reminder_minutes`]).
pub const REMINDER: &str = "Reminder after (0: none)";

/// Label of the movement reminder ([`CompanionConfig::movement_minutes`]).
pub const MOVEMENT: &str = "Movement reminder after (0: off)";

/// Label of the pause-on-lock switch ([`CompanionConfig::pause_on_lock`]).
pub const PAUSE_ON_LOCK: &str = "Pause while the screen is locked";

/// Menu text of a landmark model.
pub fn model_label(model: ModelChoice) -> &'static str {
    match model {
        ModelChoice::Lite => "lite (fastest)",
        ModelChoice::Full => "full",
        ModelChoice::Heavy => "heavy (slowest)",
    }
}

/// What the window remembers between runs besides the monitor's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Source when none is given on the command line: `camera:N`, a video file or a folder.
    pub source: String,
    /// Landmark model.
    pub model: ModelChoice,
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
            model: ModelChoice::default(),
            red_flags_acknowledged: false,
            subject: String::new(),
        }
    }
}

/// A posture value that older versions kept in `window.toml` under another name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moved {
    /// The old key in `window.toml`.
    pub old: &'static str,
    /// The field of [`PostureConfig`] it belongs to now.
    pub field: &'static str,
    /// The value in the new field's unit.
    pub value: f64,
    /// Whether the value was the old window default (then it was not a choice of the user:
    /// old versions wrote every field).
    pub was_old_default: bool,
}

/// The old `window.toml` keys: old name, new field, factor to the new unit, old default.
const OLD_KEYS: [(&str, &str, f64, f64); 5] = [
    ("cva_threshold_deg", "cva_forward_below_deg", 1.0, 45.0),
    ("baseline_drop_deg", "cva_below_baseline_deg", 1.0, 5.0),
    ("onset_delay_s", "onset_delay_s", 1.0, 30.0),
    ("analysis_rate_fps", "analysis_rate_fps", 1.0, 10.0),
    ("snooze_minutes", "snooze_s", 60.0, 15.0),
];

/// What [`Settings::load`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// The preferences (defaults for what was missing or bad).
    pub settings: Settings,
    /// Fields that were not taken, and why.
    pub problems: Vec<FieldProblem>,
    /// Posture values of an old file, to move into the monitor's configuration.
    pub moved: Vec<Moved>,
}

impl Settings {
    /// The subject code, if one is set.
    pub fn subject(&self) -> Option<&str> {
        Some(self.subject.trim()).filter(|code| !code.is_empty())
    }

    /// The preferences file in the platform config directory (`None` without a home folder).
    pub fn default_path() -> Option<PathBuf> {
        crate::config::folder().map(|dir| dir.join(SETTINGS_FILE))
    }

    /// Reads the preferences from `path` field by field: a missing file gives the defaults, a
    /// bad field keeps its default and is reported, and the posture values of an old file
    /// are returned separately. Errors only when the file cannot be read.
    pub fn load(path: &Path) -> Result<Loaded, UiError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
            Err(source) => {
                return Err(UiError::ReadSettings {
                    source,
                    path: path.to_owned(),
                });
            }
        };
        let mut table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(err) => {
                let problem = FieldProblem {
                    field: "(whole file)".to_owned(),
                    reason: err.message().trim().to_owned(),
                };
                return Ok(Loaded {
                    problems: vec![problem],
                    ..Loaded::default()
                });
            }
        };
        let mut loaded = Loaded::default();
        for (old, field, factor, old_default) in OLD_KEYS {
            let Some(value) = table.remove(old) else {
                continue;
            };
            match value
                .as_float()
                .or_else(|| value.as_integer().map(|v| v as f64))
            {
                Some(value) => loaded.moved.push(Moved {
                    old,
                    field,
                    value: value * factor,
                    was_old_default: (value - old_default).abs() < 1e-9,
                }),
                None => loaded.problems.push(FieldProblem {
                    field: old.to_owned(),
                    reason: format!("not a number: {value}"),
                }),
            }
        }
        let (settings, problems) = crate::bounds::read_table_fieldwise(table, |_| Vec::new());
        loaded.settings = settings;
        loaded.problems.extend(problems);
        Ok(loaded)
    }

    /// Writes the preferences to `path`, creating its directory.
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

/// Removes the old posture keys from the preferences file at `path`, keeping everything else
/// as it was written (so a value the window could not use is not lost either).
pub fn drop_old_keys(path: &Path) -> Result<(), UiError> {
    let text = std::fs::read_to_string(path).map_err(|source| UiError::ReadSettings {
        source,
        path: path.to_owned(),
    })?;
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    for (old, ..) in OLD_KEYS {
        table.remove(old);
    }
    let text = toml::to_string_pretty(&table).map_err(UiError::SerializeSettings)?;
    std::fs::write(path, text).map_err(|source| UiError::WriteSettings {
        source,
        path: path.to_owned(),
    })
}

/// What a settings panel pass changed (each part is saved to its own file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// The window preferences (`window.toml`).
    pub preferences: bool,
    /// The monitor's configuration (`config.toml`: `posture` or `desktop`).
    pub config: bool,
}

/// Draws the settings panel; pushes live changes into `outbox`.
pub fn ui(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    posture: &mut PostureConfig,
    desktop: &mut CompanionConfig,
    outbox: &mut Vec<Control>,
) -> Change {
    let mut change = Change::default();
    ui.heading("Settings");
    egui::Grid::new("settings_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Source (next start)");
            change.preferences |= ui
                .text_edit_singleline(&mut settings.source)
                .labelled_by(label.id)
                .changed();
            ui.end_row();

            let label = ui.label("Landmark model (next start)");
            egui::ComboBox::from_id_salt("model_variant")
                .selected_text(model_label(settings.model))
                .show_ui(ui, |ui| {
                    for model in ModelChoice::ALL {
                        change.preferences |= ui
                            .selectable_value(&mut settings.model, model, model_label(model))
                            .changed();
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();

            change.config |= drag_row(
                ui,
                "CVA threshold (next start)",
                &mut posture.cva_forward_below_deg,
                PostureConfig::CVA_FORWARD_BELOW_DEG,
                Shown::AsStored,
            );
            change.config |= drag_row(
                ui,
                "Drop below baseline (next start)",
                &mut posture.cva_below_baseline_deg,
                PostureConfig::CVA_BELOW_BASELINE_DEG,
                Shown::AsStored,
            );
            if drag_row(
                ui,
                "Onset delay",
                &mut posture.onset_delay_s,
                PostureConfig::ONSET_DELAY_S,
                Shown::AsStored,
            ) {
                outbox.push(Control::SetOnsetDelay(posture.onset_delay_s));
                change.config = true;
            }
            if drag_row(
                ui,
                "Analysis rate",
                &mut posture.analysis_rate_fps,
                PostureConfig::ANALYSIS_RATE_FPS,
                Shown::AsStored,
            ) {
                outbox.push(Control::SetRate(posture.analysis_rate_fps));
                change.config = true;
            }
            change.config |= drag_row(
                ui,
                "Calm rate, upright and still (next start)",
                &mut posture.calm_rate_fps,
                PostureConfig::CALM_RATE_FPS,
                Shown::AsStored,
            );
            // Shown in minutes, stored in seconds: the same field, another unit.
            change.config |= drag_row(
                ui,
                "Snooze length",
                &mut posture.snooze_s,
                PostureConfig::SNOOZE_S,
                Shown::Minutes,
            );
            change.config |= drag_row(
                ui,
                REMINDER,
                &mut desktop.reminder_minutes,
                CompanionConfig::REMINDER_MINUTES,
                Shown::AsStored,
            );
            change.config |= drag_row(
                ui,
                MOVEMENT,
                &mut desktop.movement_minutes,
                CompanionConfig::MOVEMENT_MINUTES,
                Shown::AsStored,
            );
            ui.label("");
            change.config |= ui
                .checkbox(&mut desktop.pause_on_lock, PAUSE_ON_LOCK)
                .changed();
            ui.end_row();

            let label = ui.label(SUBJECT);
            change.preferences |= ui
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
    change
}

/// How a slider shows its field.
#[derive(Clone, Copy)]
enum Shown {
    /// In the field's own unit.
    AsStored,
    /// Seconds shown as minutes.
    Minutes,
}

/// One labelled slider over `value` within `bounds`; true when it changed.
fn drag_row(ui: &mut egui::Ui, name: &str, value: &mut f64, bounds: Bounds, shown: Shown) -> bool {
    let label = ui.label(name);
    let (scale, unit) = match shown {
        Shown::AsStored => (1.0, bounds.unit),
        Shown::Minutes => (60.0, "min"),
    };
    let (min, max) = (bounds.min / scale, bounds.max / scale);
    let suffix = match unit {
        "" => String::new(),
        "°" | "%" => unit.to_owned(),
        unit => format!(" {unit}"),
    };
    let mut shown = *value / scale;
    let changed = ui
        .add(
            egui::DragValue::new(&mut shown)
                .range(min..=max)
                .suffix(suffix),
        )
        .labelled_by(label.id)
        .changed();
    if changed {
        *value = bounds.min.max(bounds.max.min(shown * scale));
    }
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
        assert_eq!(Settings::load(&path)?, Loaded::default());
        let settings = Settings {
            source: "clip.mp4".into(),
            model: ModelChoice::Heavy,
            red_flags_acknowledged: true,
            ..Settings::default()
        };
        settings.save(&path)?;
        let loaded = Settings::load(&path)?;
        assert_eq!(loaded.settings, settings);
        assert!(loaded.problems.is_empty() && loaded.moved.is_empty());
        Ok(())
    }

    #[test]
    fn a_bad_field_keeps_its_default_and_the_others_stay() -> Result<(), UiError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(SETTINGS_FILE);
        std::fs::write(
            &path,
            "source = \"clip.mp4\"\nmodel = \"gigantic\"\nred_flags_acknowledged = true\n",
        )
        .expect("write");
        let loaded = Settings::load(&path)?;
        assert_eq!(loaded.settings.source, "clip.mp4");
        assert!(loaded.settings.red_flags_acknowledged);
        assert_eq!(loaded.settings.model, ModelChoice::Full);
        assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
        assert_eq!(loaded.problems[0].field, "model");

        std::fs::write(&path, "source = [[[").expect("write");
        let loaded = Settings::load(&path)?;
        assert_eq!(loaded.settings, Settings::default());
        assert_eq!(loaded.problems[0].field, "(whole file)");
        Ok(())
    }

    #[test]
    fn old_posture_keys_are_handed_over_in_the_new_unit() -> Result<(), UiError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(SETTINGS_FILE);
        // What an old version wrote: every field, most of them its defaults.
        let old = "source = \"camera:0\"\nmodel = \"lite\"\ncva_threshold_deg = 45.0\n\
                   baseline_drop_deg = 5.0\nonset_delay_s = 90.0\nanalysis_rate_fps = 10.0\n\
                   snooze_minutes = 20.0\nred_flags_acknowledged = true\nsubject = \"P7\"\n";
        std::fs::write(&path, old).expect("write");
        let loaded = Settings::load(&path)?;
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert_eq!(loaded.settings.model, ModelChoice::Lite);
        assert_eq!(loaded.settings.subject, "P7");
        let chosen: Vec<(&str, f64)> = loaded
            .moved
            .iter()
            .filter(|moved| !moved.was_old_default)
            .map(|moved| (moved.field, moved.value))
            .collect();
        assert_eq!(chosen, [("onset_delay_s", 90.0), ("snooze_s", 1200.0)]);
        assert_eq!(loaded.moved.len(), 5);

        drop_old_keys(&path)?;
        let again = Settings::load(&path)?;
        assert!(again.moved.is_empty());
        assert_eq!(again.settings, loaded.settings);
        Ok(())
    }
}
