//! The monitor's one configuration file, `config.toml` in the platform config folder
//! ([`default_path`]): what the window and `plumbline monitor` (headless or not) read, what the
//! window's Settings tab edits. [`Config`] holds its two parts, each a serde struct with the
//! allowed range of every number next to the field as a [`crate::bounds::Bounds`]:
//!
//! - the top-level keys: [`PostureConfig`], the judge's thresholds, delays and analysis rates;
//! - the `[desktop]` table: [`CompanionConfig`], the desk companion's reminders and pause on
//!   screen lock.
//!
//! The file is read strictly by the command line (any bad value stops with the file, the key
//! and its range) and key by key by the window (a bad value keeps its default and is reported,
//! the rest is kept). A file without a `[desktop]` table (written before the table existed)
//! reads as before, with the companion's defaults. Fields, ranges and defaults:
//! docs/MONITOR.md.

use std::path::{Path, PathBuf};

use crate::bounds::{FieldProblem, read_table_fieldwise};
use crate::desktop::CompanionConfig;
use crate::posture::PostureConfig;
pub use crate::posture::config::ConfigError;
use crate::posture::config::Overrides;

/// File name of the configuration inside the platform config folder.
pub const CONFIG_FILE: &str = "config.toml";

/// The TOML table that holds [`CompanionConfig`].
pub const DESKTOP_TABLE: &str = "desktop";

/// plumbline's folder in the platform config folder (`~/.config/plumbline` on Linux), which
/// holds this file and the window's own preferences; `None` without a home folder.
pub fn folder() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "plumbline").map(|dirs| dirs.config_dir().to_owned())
}

/// The configuration file in the platform config folder (`None` without a home folder).
pub fn default_path() -> Option<PathBuf> {
    folder().map(|dir| dir.join(CONFIG_FILE))
}

/// Everything in the configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The top-level keys: thresholds, delays, analysis rates.
    pub posture: PostureConfig,
    /// The `[desktop]` table: notifications, movement reminder, pause on lock.
    pub desktop: CompanionConfig,
}

impl Config {
    /// The configuration with this run's command-line `overrides` applied.
    #[must_use]
    pub fn with_overrides(mut self, overrides: Overrides) -> Self {
        self.posture = self.posture.with_overrides(overrides);
        self
    }

    /// Every value outside its range; `[desktop]` values named `desktop.<key>`.
    pub fn out_of_range(&self) -> Vec<String> {
        let posture = self
            .posture
            .out_of_range()
            .into_iter()
            .map(|e| e.to_string());
        let desktop = self
            .desktop
            .out_of_range()
            .into_iter()
            .map(|e| format!("{DESKTOP_TABLE}.{e}"));
        posture.chain(desktop).collect()
    }

    /// Parses TOML strictly: an unknown key, a wrong type or a value out of range is an error
    /// naming every bad key (so one edit fixes the file). Missing keys take their defaults.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table: toml::Table = text
            .parse()
            .map_err(|err: toml::de::Error| err.message().trim().to_owned())?;
        let desktop = match table.remove(DESKTOP_TABLE) {
            None => CompanionConfig::default(),
            Some(value) => value
                .try_into::<CompanionConfig>()
                .map_err(|err| format!("[{DESKTOP_TABLE}]: {}", err.message().trim()))?,
        };
        let posture: PostureConfig = table
            .try_into()
            .map_err(|err: toml::de::Error| err.message().trim().to_owned())?;
        let config = Self { posture, desktop };
        let bad = config.out_of_range();
        if bad.is_empty() {
            Ok(config)
        } else {
            Err(bad.join("; "))
        }
    }

    /// Reads TOML key by key: a bad key keeps its default and is reported (`[desktop]` keys
    /// as `desktop.<key>`), the others are kept. Fails only when the text is not TOML at all.
    pub fn from_toml_fieldwise(text: &str) -> Result<(Self, Vec<FieldProblem>), toml::de::Error> {
        let mut table: toml::Table = text.parse()?;
        let desktop_value = table.remove(DESKTOP_TABLE);
        let (posture, mut problems) = read_table_fieldwise(table, PostureConfig::out_of_range);
        let desktop = match desktop_value {
            None => CompanionConfig::default(),
            Some(toml::Value::Table(desktop)) => {
                let (desktop, found) = read_table_fieldwise(desktop, CompanionConfig::out_of_range);
                problems.extend(found.into_iter().map(|problem| FieldProblem {
                    field: format!("{DESKTOP_TABLE}.{}", problem.field),
                    reason: problem.reason,
                }));
                desktop
            }
            Some(other) => {
                problems.push(FieldProblem {
                    field: DESKTOP_TABLE.to_owned(),
                    reason: format!("expected a table, found {}", other.type_str()),
                });
                CompanionConfig::default()
            }
        };
        Ok((Self { posture, desktop }, problems))
    }

    /// Writes the configuration as TOML: the posture keys, then the `[desktop]` table.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        let mut table = toml::Table::try_from(&self.posture)?;
        table.insert(
            DESKTOP_TABLE.to_owned(),
            toml::Value::Table(toml::Table::try_from(self.desktop)?),
        );
        Ok(toml::to_string_pretty(&table)?)
    }

    /// Reads the file at `path` strictly (command line): any bad key is an error naming the
    /// file, the key and its range. A missing file gives the defaults unless `must_exist`.
    pub fn load(path: &Path, must_exist: bool) -> Result<Self, ConfigError> {
        let Some(text) = read_optional(path, must_exist)? else {
            return Ok(Self::default());
        };
        Self::from_toml(&text).map_err(|reason| ConfigError::File {
            path: path.to_owned(),
            reason,
        })
    }

    /// Reads the file at `path` key by key (the window), see [`Self::from_toml_fieldwise`]. A
    /// missing file gives the defaults; a file that is not TOML at all gives the defaults and
    /// one problem for the whole file.
    pub fn load_fieldwise(path: &Path) -> Result<(Self, Vec<FieldProblem>), ConfigError> {
        let Some(text) = read_optional(path, false)? else {
            return Ok((Self::default(), Vec::new()));
        };
        Ok(Self::from_toml_fieldwise(&text).unwrap_or_else(|err| {
            let problem = FieldProblem {
                field: "(whole file)".to_owned(),
                reason: err.message().trim().to_owned(),
            };
            (Self::default(), vec![problem])
        }))
    }

    /// Writes the configuration to `path`, creating its folder.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let save_error = |source| ConfigError::Save {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(save_error)?;
        }
        std::fs::write(path, self.to_toml()?).map_err(save_error)
    }
}

/// The text of `path`; `None` when it does not exist and need not.
fn read_optional(path: &Path, must_exist: bool) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_both_parts() -> Result<(), ConfigError> {
        let mut config = Config::default();
        config.posture.onset_delay_s = 180.0;
        config.desktop.movement_minutes = 50.0;
        config.desktop.pause_on_lock = false;
        let text = config.to_toml()?;
        assert!(text.contains("onset_delay_s = 180.0"), "{text}");
        assert!(text.contains("[desktop]"), "{text}");
        assert!(text.contains("movement_minutes = 50.0"), "{text}");
        assert_eq!(Config::from_toml(&text), Ok(config));
        // A file with only posture keys (the first config.toml) is still read.
        let old = Config::from_toml("cva_min_deg = 30.0\n").expect("posture keys only");
        assert_eq!(old.desktop, CompanionConfig::default());
        Ok(())
    }

    #[test]
    fn every_bad_value_is_named_with_its_range() {
        let text = "onset_delay_s = 1e12\n[desktop]\nreminder_minutes = -5.0\n\
                    movement_minutes = 1000.0\n";
        let message = Config::from_toml(text).expect_err("out of range");
        for expected in [
            "onset_delay_s = 1000000000000 is out of range: 0 to 3600 s",
            "desktop.reminder_minutes = -5 is out of range: 0 to 240 min",
            "desktop.movement_minutes = 1000 is out of range: 0 to 480 min",
        ] {
            assert!(message.contains(expected), "{expected}: {message}");
        }
        let message = Config::from_toml("[desktop]\npause_on_lock = 3\n").expect_err("type");
        assert!(message.contains("[desktop]"), "{message}");
        let message = Config::from_toml("[desktop]\nsnooze = 3\n").expect_err("unknown");
        assert!(message.contains("snooze"), "{message}");
    }

    #[test]
    fn fieldwise_keeps_the_good_keys_of_both_parts() -> Result<(), toml::de::Error> {
        let text = "onset_delay_s = 12.0\nanalysis_rate_fps = nan\n[desktop]\n\
                    reminder_minutes = 20.0\nmovement_minutes = nan\npause_on_lock = \"no\"\n";
        let (config, problems) = Config::from_toml_fieldwise(text)?;
        let defaults = Config::default();
        assert!((config.posture.onset_delay_s - 12.0).abs() < 1e-12);
        assert!(
            (config.posture.analysis_rate_fps - defaults.posture.analysis_rate_fps).abs() < 1e-12
        );
        assert!((config.desktop.reminder_minutes - 20.0).abs() < 1e-12);
        assert!(config.desktop.movement_minutes.abs() < 1e-12);
        assert!(config.desktop.pause_on_lock);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "analysis_rate_fps",
                "desktop.movement_minutes",
                "desktop.pause_on_lock"
            ]
        );
        assert!(problems[1].reason.contains("0 to 480 min"), "{problems:?}");

        let (config, problems) = Config::from_toml_fieldwise("desktop = 3\n")?;
        assert_eq!(config, Config::default());
        assert_eq!(problems[0].field, "desktop");
        Ok(())
    }

    #[test]
    fn files_are_read_strictly_or_key_by_key() -> Result<(), ConfigError> {
        let dir = tempfile::tempdir().map_err(|source| ConfigError::Read {
            path: "tempdir".into(),
            source,
        })?;
        let path = dir.path().join("nested").join(CONFIG_FILE);
        assert_eq!(Config::load(&path, false)?, Config::default());
        assert!(matches!(
            Config::load(&path, true),
            Err(ConfigError::Read { .. })
        ));
        assert_eq!(Config::load_fieldwise(&path)?, (Config::default(), vec![]));
        let mut config = Config::default();
        config.posture.onset_delay_s = 90.0;
        config.desktop.reminder_minutes = 0.0;
        config.save(&path)?;
        assert_eq!(Config::load(&path, true)?, config);

        let bad = "onset_delay_s = 12.0\nanalysis_rate_fps = nan\nsnooze_s = -5.0\n";
        std::fs::write(&path, bad).map_err(|source| ConfigError::Save {
            path: path.clone(),
            source,
        })?;
        let message = Config::load(&path, true).expect_err("strict").to_string();
        assert!(message.contains("analysis_rate_fps"), "{message}");
        assert!(message.contains("0.2 to 30 fps"), "{message}");
        assert!(message.contains("snooze_s"), "{message}");
        assert!(message.ends_with(CONFIG_FILE), "{message}");
        let (config, problems) = Config::load_fieldwise(&path)?;
        assert!((config.posture.onset_delay_s - 12.0).abs() < 1e-12, "kept");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["analysis_rate_fps", "snooze_s"]);

        std::fs::write(&path, "onset_delay_s = = 3").map_err(|source| ConfigError::Save {
            path: path.clone(),
            source,
        })?;
        let (config, problems) = Config::load_fieldwise(&path)?;
        assert_eq!(config, Config::default());
        assert_eq!(problems[0].field, "(whole file)");
        Ok(())
    }
}
