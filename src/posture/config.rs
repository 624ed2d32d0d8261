//! Every threshold and delay of the posture judgement in one serde struct,
//! [`PostureConfig`], with defaults from `docs/MEASUREMENT.md` and a TOML round trip.

use serde::{Deserialize, Serialize};

/// Errors reading or writing a [`PostureConfig`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML text does not parse as a posture configuration.
    #[error("posture config is not valid TOML for PostureConfig: {0}; fix or delete the file")]
    Parse(#[from] toml::de::Error),
    /// The configuration could not be written as TOML.
    #[error("posture config could not be written as TOML: {0}")]
    Write(#[from] toml::ser::Error),
    /// A value is out of its range.
    #[error("posture config value {name} = {value} is out of range ({range})")]
    Range {
        /// Field name.
        name: &'static str,
        /// The offending value.
        value: f64,
        /// The allowed range.
        range: &'static str,
    },
}

/// Thresholds and delays of the posture judgement. Angles in degrees, times in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    /// Side view, the absolute three-way call: "clearly forward" when the CVA is below this,
    /// with or without a baseline (also the forward-head threshold of the judge). No upright
    /// person the model never saw read below 28° (leave-one-person-out, 12 people,
    /// docs/GEOMETRY.md §3.8), so the default is 25°. Finer changes come from the baseline
    /// rule below. Old name: `cva_min_deg`.
    #[serde(alias = "cva_min_deg")]
    pub cva_forward_below_deg: f64,
    /// Side view, the absolute three-way call: "clearly upright" when the CVA is above this;
    /// between the two bands the posture is "uncertain — calibrate". No forward or mildly
    /// forward head of a person the model never saw read above 52.6° (docs/GEOMETRY.md §3.8),
    /// so the default is 53°.
    pub cva_upright_above_deg: f64,
    /// Side view: forward head when the CVA is this far below the user's baseline (5°, about
    /// the photogrammetric minimal detectable change).
    pub cva_below_baseline_deg: f64,
    /// Side view: to leave forward head the CVA must clear the thresholds by this margin.
    pub cva_exit_margin_deg: f64,
    /// Side view: a CVA whose ± (one SD of its error on people the model never saw,
    /// `geometry::uncertainty`) is above this is shown greyed, called uncertain and drives no
    /// alert. The silhouette C7 reads ± 4.5-7°, the landmark C7 fallback ± 14.7°
    /// (docs/GEOMETRY.md §3.7), so the default 10° keeps the fallback from raising alerts.
    pub cva_max_sd_deg: f64,
    /// Every baseline (automatic, calibration, `plumbline baseline`): largest CVA spread (SD,
    /// degrees) that is still one steady posture; about the MDC (`docs/MEASUREMENT.md` §3).
    /// A steady upright stretch reads 1-3° SD (docs/GEOMETRY.md §6).
    pub baseline_max_cva_sd_deg: f64,
    /// Without a stored or calibrated baseline, learn one from the person's own steady,
    /// upright stretches (`posture::learn`); an explicit calibration overrides it.
    pub auto_baseline: bool,
    /// Automatic baseline: seconds with a person in view over which the best stretch is
    /// sought before it is adopted (the absolute bands judge meanwhile).
    pub learn_s: f64,
    /// Automatic baseline: length of a steady stretch, seconds.
    pub learn_stretch_s: f64,
    /// The camera or the seat counts as moved when the view, the person's place or size in
    /// the picture stays outside the baseline's range this long (seconds); the baseline is
    /// then set aside and a new one learned.
    pub setup_changed_after_s: f64,
    /// Per-user CVA offset, added to every CVA before it is judged or shown (0 by default).
    /// Set it to a therapist's photogrammetric CVA minus plumbline's CVA of the same posture,
    /// averaged over a calibration rather than taken from one frame (docs/GEOMETRY.md §3.2).
    pub cva_user_offset_deg: f64,
    /// Front view: forward head when the forward-head index exceeds this (percent).
    pub front_index_max_pct: f64,
    /// Front view: to leave forward head the index must fall this far below the threshold.
    pub front_index_exit_margin_pct: f64,
    /// The condition must hold this long before the state becomes forward head.
    pub onset_delay_s: f64,
    /// While at risk, this much continuous good posture returns to upright.
    pub at_risk_grace_s: f64,
    /// Minimum continuous good time (with the exit margin) to leave forward head.
    pub min_good_s: f64,
    /// Default snooze length.
    pub snooze_s: f64,
    /// Gaps between frames longer than this count only up to this (a stalled source does not
    /// count as time in any posture).
    pub max_frame_gap_s: f64,
    /// No person for this long makes the state `away`.
    pub away_after_s: f64,
    /// Length of a calibration.
    pub calibration_s: f64,
    /// Frames whose landmark confidence is below this are not judged.
    pub min_confidence: f32,
    /// RULA neck: flexion below minus this counts as extension (landmark noise tolerance).
    pub rula_extension_tolerance_deg: f64,
    /// RULA trunk: inclination up to this counts as upright (landmark noise tolerance).
    pub rula_upright_tolerance_deg: f64,
    /// Consecutive frames a new camera view must hold before it is taken (1: no hysteresis,
    /// for independent still images).
    pub view_switch_frames: u32,
}

impl Default for PostureConfig {
    fn default() -> Self {
        Self {
            cva_forward_below_deg: 25.0,
            cva_upright_above_deg: 53.0,
            cva_below_baseline_deg: 5.0,
            cva_exit_margin_deg: 2.0,
            cva_max_sd_deg: 10.0,
            baseline_max_cva_sd_deg: 5.0,
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
            snooze_s: 30.0 * 60.0,
            max_frame_gap_s: 2.0,
            away_after_s: 2.0,
            calibration_s: 10.0,
            min_confidence: 0.5,
            rula_extension_tolerance_deg: 5.0,
            rula_upright_tolerance_deg: 5.0,
            view_switch_frames: crate::geometry::view::VIEW_SWITCH_FRAMES,
        }
    }
}

impl PostureConfig {
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

    /// Checks that every delay is non-negative and every threshold is finite.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let non_negative = [
            ("cva_below_baseline_deg", self.cva_below_baseline_deg),
            ("cva_exit_margin_deg", self.cva_exit_margin_deg),
            (
                "front_index_exit_margin_pct",
                self.front_index_exit_margin_pct,
            ),
            ("onset_delay_s", self.onset_delay_s),
            ("at_risk_grace_s", self.at_risk_grace_s),
            ("min_good_s", self.min_good_s),
            ("snooze_s", self.snooze_s),
            ("max_frame_gap_s", self.max_frame_gap_s),
            ("away_after_s", self.away_after_s),
            ("calibration_s", self.calibration_s),
            (
                "rula_extension_tolerance_deg",
                self.rula_extension_tolerance_deg,
            ),
            (
                "rula_upright_tolerance_deg",
                self.rula_upright_tolerance_deg,
            ),
        ];
        for (name, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ConfigError::Range {
                    name,
                    value,
                    range: "finite and >= 0",
                });
            }
        }
        if self.view_switch_frames == 0 {
            return Err(ConfigError::Range {
                name: "view_switch_frames",
                value: 0.0,
                range: ">= 1",
            });
        }
        if !(0.0..=90.0).contains(&self.cva_forward_below_deg) {
            return Err(ConfigError::Range {
                name: "cva_forward_below_deg",
                value: self.cva_forward_below_deg,
                range: "0 to 90",
            });
        }
        if !(self.cva_forward_below_deg..=90.0).contains(&self.cva_upright_above_deg) {
            return Err(ConfigError::Range {
                name: "cva_upright_above_deg",
                value: self.cva_upright_above_deg,
                range: "cva_forward_below_deg to 90",
            });
        }
        let ranges = [
            ("cva_max_sd_deg", self.cva_max_sd_deg, 0.0, 90.0, "0 to 90"),
            (
                "baseline_max_cva_sd_deg",
                self.baseline_max_cva_sd_deg,
                0.0,
                30.0,
                "0 to 30",
            ),
            ("learn_s", self.learn_s, 10.0, 3600.0, "10 to 3600"),
            (
                "learn_stretch_s",
                self.learn_stretch_s,
                2.0,
                self.learn_s.max(2.0),
                "2 to learn_s",
            ),
            (
                "setup_changed_after_s",
                self.setup_changed_after_s,
                1.0,
                3600.0,
                "1 to 3600",
            ),
        ];
        for (name, value, low, high, range) in ranges {
            if !(low..=high).contains(&value) {
                return Err(ConfigError::Range { name, value, range });
            }
        }
        if !(-30.0..=30.0).contains(&self.cva_user_offset_deg) {
            return Err(ConfigError::Range {
                name: "cva_user_offset_deg",
                value: self.cva_user_offset_deg,
                range: "-30 to 30",
            });
        }
        if !self.front_index_max_pct.is_finite() {
            return Err(ConfigError::Range {
                name: "front_index_max_pct",
                value: self.front_index_max_pct,
                range: "finite",
            });
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(ConfigError::Range {
                name: "min_confidence",
                value: f64::from(self.min_confidence),
                range: "0 to 1",
            });
        }
        Ok(())
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
            Err(ConfigError::Range {
                name: "cva_upright_above_deg",
                ..
            })
        ));
        assert!((config.onset_delay_s - PostureConfig::default().onset_delay_s).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(matches!(
            PostureConfig::from_toml("onset_delay_s = -1.0\n"),
            Err(ConfigError::Range {
                name: "onset_delay_s",
                ..
            })
        ));
        assert!(matches!(
            PostureConfig::from_toml("cva_user_offset_deg = 45.0\n"),
            Err(ConfigError::Range {
                name: "cva_user_offset_deg",
                ..
            })
        ));
        assert!(matches!(
            PostureConfig::from_toml("no_such_field = 1\n"),
            Err(ConfigError::Parse(_))
        ));
    }
}
