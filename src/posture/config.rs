//! Every threshold, delay and rate of the monitor in one serde struct, [`PostureConfig`]:
//! the top-level keys of the one configuration file that the window and `plumbline monitor`
//! read (the file itself, with the desk companion's `[desktop]` table, is `crate::config`),
//! with the allowed range of each field written next to it as a [`Bounds`] that the TOML
//! check, the command-line flags and the window's sliders share. Defaults and their sources:
//! docs/GEOMETRY.md §6; ranges: docs/MONITOR.md.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::bounds::{Bounds, RangeError};

/// Errors reading or writing the monitor's configuration (a [`PostureConfig`], or the whole
/// file through `crate::config::Config`).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML text does not parse as a posture configuration.
    #[error("posture config is not valid TOML for PostureConfig: {0}; fix or delete the file")]
    Parse(#[from] toml::de::Error),
    /// The configuration could not be written as TOML.
    #[error("posture config could not be written as TOML: {0}")]
    Write(#[from] toml::ser::Error),
    /// A value is out of its range.
    #[error("posture config value {0}")]
    Range(#[from] RangeError),
    /// The file cannot be read (or, with an explicit path, does not exist).
    #[error("cannot read the config file ({source}): {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file cannot be written.
    #[error("cannot save the config file (check that the folder is writable; {source}): {}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file holds a value that cannot be used; the message names the field.
    #[error("the config file is not valid ({reason}); fix the value or delete the file to use the defaults: {}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the field and its range.
        reason: String,
    },
}

/// Thresholds, delays and analysis rates of the monitor. Angles in degrees, times in seconds.
/// Each field's allowed range is the associated constant of the same name in capitals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    /// Side view, the absolute three-way call: "clearly forward" when the CVA is below this,
    /// with or without a baseline (also the forward-head threshold of the judge). No upright
    /// person the model never saw read below 28° (leave-one-person-out, 12 people,
    /// docs/GEOMETRY.md §3.8), so the default is 25°. Finer changes come from the baseline
    /// rule below. Old name: `cva_min_deg`. Range [`Self::CVA_FORWARD_BELOW_DEG`].
    #[serde(alias = "cva_min_deg")]
    pub cva_forward_below_deg: f64,
    /// Side view, the absolute three-way call: "clearly upright" when the CVA is above this;
    /// between the two bands the posture is "uncertain — calibrate". No forward or mildly
    /// forward head of a person the model never saw read above 52.7° (docs/GEOMETRY.md §3.8),
    /// so the default is 53°. Both bands are for a clean estimate: a CVA with a larger ±
    /// must clear them by the difference (`posture::judge::side_bands`). Range
    /// [`Self::CVA_UPRIGHT_ABOVE_DEG`], and not below `cva_forward_below_deg`.
    pub cva_upright_above_deg: f64,
    /// Side view: forward head when the CVA is this far below the user's baseline. 10° is
    /// plumbline's own minimal detectable change of one frame against a baseline (frame SD
    /// 4.1° over 23 s of steady upright sitting, MDC95 = 1.96·√2·SD = 11.3°; of a one-second
    /// mean 9.6°), measured on one person and checked on another (docs/GEOMETRY.md §6); the
    /// clinicians' photogrammetric MDC (5°) is smaller than the per-frame noise of a video
    /// estimate. A frame or a baseline photo less sure than a clean estimate must drop
    /// further (`posture::judge::baseline_forward_below`). Range
    /// [`Self::CVA_BELOW_BASELINE_DEG`].
    pub cva_below_baseline_deg: f64,
    /// Side view: to leave forward head the CVA must clear the thresholds by this margin.
    /// Range [`Self::CVA_EXIT_MARGIN_DEG`].
    pub cva_exit_margin_deg: f64,
    /// Side view: a CVA whose ± (one SD of its error on people the model never saw,
    /// `geometry::uncertainty`) is above this is shown greyed, called uncertain and drives no
    /// alert. The silhouette C7 reads ± 4.5-7°, the landmark C7 fallback ± 14.7°
    /// (docs/GEOMETRY.md §3.7), so the default 10° keeps the fallback from raising alerts.
    /// Range [`Self::CVA_MAX_SD_DEG`].
    pub cva_max_sd_deg: f64,
    /// Every baseline (automatic, calibration, `plumbline baseline`): largest CVA spread (SD,
    /// degrees) that is still one steady posture; about the MDC (`docs/MEASUREMENT.md` §3).
    /// A steady upright stretch reads 1-3° SD (docs/GEOMETRY.md §6).
    /// Range [`Self::BASELINE_MAX_CVA_SD_DEG`].
    pub baseline_max_cva_sd_deg: f64,
    /// Without a stored or calibrated baseline, learn one from the person's own steady,
    /// upright stretches (`posture::learn`); an explicit calibration overrides it.
    pub auto_baseline: bool,
    /// Automatic baseline: seconds with a person in view over which the best stretch is
    /// sought before it is adopted (the absolute bands judge meanwhile).
    /// Range [`Self::LEARN_S`].
    pub learn_s: f64,
    /// Automatic baseline: length of a steady stretch, seconds. Range [`Self::LEARN_STRETCH_S`],
    /// and not above `learn_s`.
    pub learn_stretch_s: f64,
    /// The camera or the seat counts as moved when the view, the person's place or size in
    /// the picture stays outside the baseline's range this long (seconds); the baseline is
    /// then set aside and a new one learned. Range [`Self::SETUP_CHANGED_AFTER_S`].
    pub setup_changed_after_s: f64,
    /// Per-user CVA offset, added to every CVA before it is judged or shown (0 by default).
    /// Set it to a therapist's photogrammetric CVA minus plumbline's CVA of the same posture,
    /// averaged over a calibration rather than taken from one frame (docs/GEOMETRY.md §3.2).
    /// Range [`Self::CVA_USER_OFFSET_DEG`].
    pub cva_user_offset_deg: f64,
    /// Front view: forward head when the forward-head index exceeds this (percent).
    /// Range [`Self::FRONT_INDEX_MAX_PCT`].
    pub front_index_max_pct: f64,
    /// Front view: to leave forward head the index must fall this far below the threshold.
    /// Range [`Self::FRONT_INDEX_EXIT_MARGIN_PCT`].
    pub front_index_exit_margin_pct: f64,
    /// The condition must hold this long before the state becomes forward head.
    /// Range [`Self::ONSET_DELAY_S`].
    pub onset_delay_s: f64,
    /// While at risk, this much continuous good posture returns to upright.
    /// Range [`Self::AT_RISK_GRACE_S`].
    pub at_risk_grace_s: f64,
    /// Minimum continuous good time (with the exit margin) to leave forward head.
    /// Range [`Self::MIN_GOOD_S`].
    pub min_good_s: f64,
    /// Length of a snooze. Range [`Self::SNOOZE_S`].
    pub snooze_s: f64,
    /// Gaps between frames longer than this count only up to this (a stalled source does not
    /// count as time in any posture). Range [`Self::MAX_FRAME_GAP_S`].
    pub max_frame_gap_s: f64,
    /// No person for this long makes the state `away`. Range [`Self::AWAY_AFTER_S`].
    pub away_after_s: f64,
    /// Length of a calibration. Range [`Self::CALIBRATION_S`].
    pub calibration_s: f64,
    /// Frames whose landmark confidence is below this are not judged.
    /// Range [`Self::MIN_CONFIDENCE`].
    pub min_confidence: f32,
    /// RULA neck: flexion below minus this counts as extension (landmark noise tolerance).
    /// Range [`Self::RULA_EXTENSION_TOLERANCE_DEG`].
    pub rula_extension_tolerance_deg: f64,
    /// RULA trunk: inclination up to this counts as upright (landmark noise tolerance).
    /// Range [`Self::RULA_UPRIGHT_TOLERANCE_DEG`].
    pub rula_upright_tolerance_deg: f64,
    /// Consecutive frames a new camera view must hold before it is taken (1: no hysteresis,
    /// for independent still images). Range [`Self::VIEW_SWITCH_FRAMES`].
    pub view_switch_frames: u32,
    /// Frames analyzed per second of source time while monitoring (window and `monitor`).
    /// Range [`Self::ANALYSIS_RATE_FPS`].
    pub analysis_rate_fps: f64,
    /// Frames analyzed per second while the posture is at risk, so the onset is timed more
    /// finely (never below `analysis_rate_fps`). Range [`Self::AT_RISK_RATE_FPS`].
    pub at_risk_rate_fps: f64,
    /// The calm rate: frames analyzed per second once an upright posture has held still for
    /// `calm_after_s` (never above `analysis_rate_fps`; set it to `analysis_rate_fps` to keep
    /// one rate). A slump is then seen at most one calm interval later, so an alert comes at
    /// most `1 / calm_rate_fps` seconds after the onset delay (docs/MONITOR.md, "The calm
    /// rate"). At least 0.5 per second: slower, the gaps between frames would pass the
    /// default `max_frame_gap_s` (2 s), beyond which time is not counted.
    /// Range [`Self::CALM_RATE_FPS`].
    pub calm_rate_fps: f64,
    /// Seconds of continuous upright calls against a baseline (learned or calibrated), with
    /// the head still on the shoulders, before the calm rate applies.
    /// Range [`Self::CALM_AFTER_S`].
    pub calm_after_s: f64,
}

impl Default for PostureConfig {
    fn default() -> Self {
        Self {
            cva_forward_below_deg: 25.0,
            cva_upright_above_deg: 53.0,
            cva_below_baseline_deg: 10.0,
            cva_exit_margin_deg: 2.0,
            cva_max_sd_deg: 10.0,
            baseline_max_cva_sd_deg: super::CVA_MDC_DEG,
            auto_baseline: true,
            learn_s: 120.0,
            learn_stretch_s: 20.0,
            setup_changed_after_s: 20.0,
            cva_user_offset_deg: 0.0,
            front_index_max_pct: 6.0,
            front_index_exit_margin_pct: 3.0,
            onset_delay_s: 30.0,
            at_risk_grace_s: 3.0,
            min_good_s: 5.0,
            snooze_s: 15.0 * 60.0,
            max_frame_gap_s: 2.0,
            away_after_s: 2.0,
            calibration_s: 10.0,
            min_confidence: 0.5,
            rula_extension_tolerance_deg: 5.0,
            rula_upright_tolerance_deg: 5.0,
            view_switch_frames: crate::geometry::view::VIEW_SWITCH_FRAMES,
            analysis_rate_fps: 2.0,
            at_risk_rate_fps: 4.0,
            calm_rate_fps: 1.0,
            calm_after_s: 30.0,
        }
    }
}

impl PostureConfig {
    /// Range of [`Self::cva_forward_below_deg`].
    pub const CVA_FORWARD_BELOW_DEG: Bounds = Bounds::new("cva_forward_below_deg", 0.0, 90.0, "°");
    /// Range of [`Self::cva_upright_above_deg`] (and it may not be below
    /// `cva_forward_below_deg`).
    pub const CVA_UPRIGHT_ABOVE_DEG: Bounds = Bounds::new("cva_upright_above_deg", 0.0, 90.0, "°");
    /// Range of [`Self::cva_max_sd_deg`].
    pub const CVA_MAX_SD_DEG: Bounds = Bounds::new("cva_max_sd_deg", 0.0, 90.0, "°");
    /// Range of [`Self::baseline_max_cva_sd_deg`].
    pub const BASELINE_MAX_CVA_SD_DEG: Bounds =
        Bounds::new("baseline_max_cva_sd_deg", 0.0, 30.0, "°");
    /// Range of [`Self::learn_s`].
    pub const LEARN_S: Bounds = Bounds::new("learn_s", 10.0, 3600.0, "s");
    /// Range of [`Self::learn_stretch_s`] (and it may not be above `learn_s`).
    pub const LEARN_STRETCH_S: Bounds = Bounds::new("learn_stretch_s", 2.0, 3600.0, "s");
    /// Range of [`Self::setup_changed_after_s`].
    pub const SETUP_CHANGED_AFTER_S: Bounds =
        Bounds::new("setup_changed_after_s", 1.0, 3600.0, "s");
    /// Range of [`Self::cva_below_baseline_deg`].
    pub const CVA_BELOW_BASELINE_DEG: Bounds =
        Bounds::new("cva_below_baseline_deg", 0.0, 30.0, "°");
    /// Range of [`Self::cva_exit_margin_deg`].
    pub const CVA_EXIT_MARGIN_DEG: Bounds = Bounds::new("cva_exit_margin_deg", 0.0, 15.0, "°");
    /// Range of [`Self::cva_user_offset_deg`].
    pub const CVA_USER_OFFSET_DEG: Bounds = Bounds::new("cva_user_offset_deg", -30.0, 30.0, "°");
    /// Range of [`Self::front_index_max_pct`].
    pub const FRONT_INDEX_MAX_PCT: Bounds = Bounds::new("front_index_max_pct", 0.0, 100.0, "%");
    /// Range of [`Self::front_index_exit_margin_pct`].
    pub const FRONT_INDEX_EXIT_MARGIN_PCT: Bounds =
        Bounds::new("front_index_exit_margin_pct", 0.0, 50.0, "%");
    /// Range of [`Self::onset_delay_s`].
    pub const ONSET_DELAY_S: Bounds = Bounds::new("onset_delay_s", 0.0, 3600.0, "s");
    /// Range of [`Self::at_risk_grace_s`].
    pub const AT_RISK_GRACE_S: Bounds = Bounds::new("at_risk_grace_s", 0.0, 600.0, "s");
    /// Range of [`Self::min_good_s`].
    pub const MIN_GOOD_S: Bounds = Bounds::new("min_good_s", 0.0, 600.0, "s");
    /// Range of [`Self::snooze_s`] (1 minute to 24 hours).
    pub const SNOOZE_S: Bounds = Bounds::new("snooze_s", 60.0, 86_400.0, "s");
    /// Range of [`Self::max_frame_gap_s`].
    pub const MAX_FRAME_GAP_S: Bounds = Bounds::new("max_frame_gap_s", 0.1, 60.0, "s");
    /// Range of [`Self::away_after_s`].
    pub const AWAY_AFTER_S: Bounds = Bounds::new("away_after_s", 0.0, 600.0, "s");
    /// Range of [`Self::calibration_s`].
    pub const CALIBRATION_S: Bounds = Bounds::new("calibration_s", 1.0, 120.0, "s");
    /// Range of [`Self::min_confidence`].
    pub const MIN_CONFIDENCE: Bounds = Bounds::new("min_confidence", 0.0, 1.0, "");
    /// Range of [`Self::rula_extension_tolerance_deg`].
    pub const RULA_EXTENSION_TOLERANCE_DEG: Bounds =
        Bounds::new("rula_extension_tolerance_deg", 0.0, 30.0, "°");
    /// Range of [`Self::rula_upright_tolerance_deg`].
    pub const RULA_UPRIGHT_TOLERANCE_DEG: Bounds =
        Bounds::new("rula_upright_tolerance_deg", 0.0, 30.0, "°");
    /// Range of [`Self::view_switch_frames`].
    pub const VIEW_SWITCH_FRAMES: Bounds = Bounds::new("view_switch_frames", 1.0, 300.0, "");
    /// Range of [`Self::analysis_rate_fps`].
    pub const ANALYSIS_RATE_FPS: Bounds = Bounds::new("analysis_rate_fps", 0.2, 30.0, "fps");
    /// Range of [`Self::at_risk_rate_fps`].
    pub const AT_RISK_RATE_FPS: Bounds = Bounds::new("at_risk_rate_fps", 0.2, 30.0, "fps");
    /// Range of [`Self::calm_rate_fps`].
    pub const CALM_RATE_FPS: Bounds = Bounds::new("calm_rate_fps", 0.5, 30.0, "fps");
    /// Range of [`Self::calm_after_s`].
    pub const CALM_AFTER_S: Bounds = Bounds::new("calm_after_s", 1.0, 3600.0, "s");

    /// Every number of the configuration with its range.
    pub fn numbers(&self) -> [(Bounds, f64); 27] {
        [
            (Self::CVA_FORWARD_BELOW_DEG, self.cva_forward_below_deg),
            (Self::CVA_UPRIGHT_ABOVE_DEG, self.cva_upright_above_deg),
            (Self::CVA_MAX_SD_DEG, self.cva_max_sd_deg),
            (Self::BASELINE_MAX_CVA_SD_DEG, self.baseline_max_cva_sd_deg),
            (Self::LEARN_S, self.learn_s),
            (Self::LEARN_STRETCH_S, self.learn_stretch_s),
            (Self::SETUP_CHANGED_AFTER_S, self.setup_changed_after_s),
            (Self::CVA_BELOW_BASELINE_DEG, self.cva_below_baseline_deg),
            (Self::CVA_EXIT_MARGIN_DEG, self.cva_exit_margin_deg),
            (Self::CVA_USER_OFFSET_DEG, self.cva_user_offset_deg),
            (Self::FRONT_INDEX_MAX_PCT, self.front_index_max_pct),
            (
                Self::FRONT_INDEX_EXIT_MARGIN_PCT,
                self.front_index_exit_margin_pct,
            ),
            (Self::ONSET_DELAY_S, self.onset_delay_s),
            (Self::AT_RISK_GRACE_S, self.at_risk_grace_s),
            (Self::MIN_GOOD_S, self.min_good_s),
            (Self::SNOOZE_S, self.snooze_s),
            (Self::MAX_FRAME_GAP_S, self.max_frame_gap_s),
            (Self::AWAY_AFTER_S, self.away_after_s),
            (Self::CALIBRATION_S, self.calibration_s),
            (Self::MIN_CONFIDENCE, f64::from(self.min_confidence)),
            (
                Self::RULA_EXTENSION_TOLERANCE_DEG,
                self.rula_extension_tolerance_deg,
            ),
            (
                Self::RULA_UPRIGHT_TOLERANCE_DEG,
                self.rula_upright_tolerance_deg,
            ),
            (Self::VIEW_SWITCH_FRAMES, f64::from(self.view_switch_frames)),
            (Self::ANALYSIS_RATE_FPS, self.analysis_rate_fps),
            (Self::AT_RISK_RATE_FPS, self.at_risk_rate_fps),
            (Self::CALM_RATE_FPS, self.calm_rate_fps),
            (Self::CALM_AFTER_S, self.calm_after_s),
        ]
    }

    /// Every value outside its range, then the pairs in the wrong order (the upright band
    /// below the forward one, a learning stretch longer than the learning time).
    pub fn out_of_range(&self) -> Vec<RangeError> {
        let mut bad: Vec<RangeError> = self
            .numbers()
            .into_iter()
            .filter_map(|(bounds, value)| bounds.check(value).err())
            .collect();
        if self.cva_upright_above_deg < self.cva_forward_below_deg {
            bad.push(RangeError {
                name: Self::CVA_UPRIGHT_ABOVE_DEG.name,
                value: self.cva_upright_above_deg,
                range: format!(
                    "cva_forward_below_deg ({}) to {} °",
                    self.cva_forward_below_deg,
                    Self::CVA_UPRIGHT_ABOVE_DEG.max
                ),
            });
        }
        if self.learn_stretch_s > self.learn_s {
            bad.push(RangeError {
                name: Self::LEARN_STRETCH_S.name,
                value: self.learn_stretch_s,
                range: format!(
                    "{} s to learn_s ({} s)",
                    Self::LEARN_STRETCH_S.min,
                    self.learn_s
                ),
            });
        }
        bad
    }

    /// Checks every value against its range; the error names the first bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.out_of_range().into_iter().next() {
            Some(err) => Err(ConfigError::Range(err)),
            None => Ok(()),
        }
    }

    /// Parses and validates TOML; missing fields take their defaults.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Writes the configuration as TOML.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        Ok(toml::to_string_pretty(self)?)
    }
}

/// Values the command line sets for one run (`--onset-delay`, `--rate`), already checked
/// against their ranges by the flag parser.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Overrides {
    /// `onset_delay_s` for this run.
    pub onset_delay_s: Option<f64>,
    /// `analysis_rate_fps` for this run.
    pub analysis_rate_fps: Option<f64>,
}

impl PostureConfig {
    /// The configuration for independent still photos: no view hysteresis (each photo's view
    /// is its own). The one place this is set: the judge of unrelated photos
    /// (`PostureJudge::for_independent_frames`) and what a session of photos stores.
    #[must_use]
    pub fn for_stills(self) -> Self {
        Self {
            view_switch_frames: 1,
            ..self
        }
    }

    /// The configuration with this run's `overrides` applied.
    #[must_use]
    pub fn with_overrides(mut self, overrides: Overrides) -> Self {
        if let Some(delay) = overrides.onset_delay_s {
            self.onset_delay_s = delay;
        }
        if let Some(rate) = overrides.analysis_rate_fps {
            self.analysis_rate_fps = rate;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip() -> Result<(), ConfigError> {
        let config = PostureConfig {
            onset_delay_s: 180.0,
            ..PostureConfig::default()
        };
        let text = config.to_toml()?;
        assert!(text.contains("onset_delay_s = 180.0"));
        assert_eq!(PostureConfig::from_toml(&text)?, config);
        Ok(())
    }

    #[test]
    fn partial_toml_takes_defaults() -> Result<(), ConfigError> {
        let config = PostureConfig::from_toml("cva_min_deg = 48.0\n")?;
        assert!((config.cva_forward_below_deg - 48.0).abs() < 1e-12);
        let bands = PostureConfig::from_toml(
            "cva_forward_below_deg = 30.0\ncva_upright_above_deg = 50.0\n",
        )?;
        assert!((bands.cva_upright_above_deg - 50.0).abs() < 1e-12);
        let crossed = PostureConfig::from_toml(
            "cva_forward_below_deg = 40.0\ncva_upright_above_deg = 35.0\n",
        );
        assert!(matches!(
            crossed,
            Err(ConfigError::Range(RangeError {
                name: "cva_upright_above_deg",
                ..
            }))
        ));
        assert!((config.onset_delay_s - PostureConfig::default().onset_delay_s).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(matches!(
            PostureConfig::from_toml("onset_delay_s = -1.0\n"),
            Err(ConfigError::Range(RangeError {
                name: "onset_delay_s",
                ..
            }))
        ));
        assert!(matches!(
            PostureConfig::from_toml("cva_user_offset_deg = 45.0\n"),
            Err(ConfigError::Range(RangeError {
                name: "cva_user_offset_deg",
                ..
            }))
        ));
        assert!(matches!(
            PostureConfig::from_toml("no_such_field = 1\n"),
            Err(ConfigError::Parse(_))
        ));
    }

    #[test]
    fn defaults_are_inside_their_ranges_and_every_field_has_one() {
        let config = PostureConfig::default();
        assert_eq!(config.out_of_range(), Vec::new());
        // Every numeric TOML key has exactly one range, named like the key (switches have
        // none).
        let (without_range, without_key) =
            crate::bounds::unmatched_ranges(&config, &config.numbers());
        assert!(without_range.is_empty(), "{without_range:?}");
        assert!(without_key.is_empty(), "{without_key:?}");
    }

    #[test]
    fn the_reported_values_are_refused_with_field_and_range() {
        for (text, field) in [
            ("onset_delay_s = 1e12\n", "onset_delay_s"),
            ("analysis_rate_fps = 1e-9\n", "analysis_rate_fps"),
            ("analysis_rate_fps = 1000.0\n", "analysis_rate_fps"),
            ("analysis_rate_fps = 0.0\n", "analysis_rate_fps"),
            ("analysis_rate_fps = nan\n", "analysis_rate_fps"),
            ("analysis_rate_fps = -5.0\n", "analysis_rate_fps"),
        ] {
            let err = PostureConfig::from_toml(text).expect_err(text);
            let message = err.to_string();
            assert!(message.contains(field), "{message}");
            assert!(
                message.contains("0 to 3600 s") || message.contains("0.2 to 30 fps"),
                "{message}"
            );
        }
    }
}
