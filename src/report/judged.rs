//! How a recording was judged, in words: the judge's settings stored with its session
//! (`sessions.judged_with`, schema version 5), the baselines its events name, and a changed
//! onset delay. Every threshold the report mentions comes from here, read from the session,
//! never from today's defaults: a report on a session judged with a 60 s onset delay says 60 s.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::posture::judge::{BASE_SD_DEG, baseline_forward_below};
use crate::posture::{BaselineStatus, PostureConfig, PostureEvent};
use crate::store::{EventRow, JudgedWith};

use super::build::duration_text;

/// A setting's value as people read it: `25`, `12.5`, `0.25` (at most two decimals).
pub fn value(number: f64) -> String {
    let text = format!("{number:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The settings a session was judged with, and whether its views were side or front views.
#[derive(Clone, Copy, Debug)]
pub struct Judged<'a> {
    /// The stored settings.
    pub with: &'a JudgedWith,
    /// Whether the recording had side-view seconds (the CVA rules apply).
    pub side: bool,
    /// Whether the recording had front-view seconds (the forward-head index rule applies).
    pub front: bool,
}

impl Judged<'_> {
    /// The settings, when recorded and readable.
    pub fn config(&self) -> Option<&PostureConfig> {
        self.with.config()
    }

    /// The rule in words, for the paragraph beside "time in sustained forward head".
    pub fn rule_text(&self) -> String {
        let c = match self.with {
            JudgedWith::Recorded { config } => config,
            JudgedWith::NotRecorded => {
                return "Settings not recorded: this session was stored before plumbline kept \
                        the settings it judged with, so the thresholds, the onset delay and the \
                        CVA ± bound behind the forward-head figures below are unknown (they \
                        were the configuration in use at the time)."
                    .to_owned();
            }
            JudgedWith::Unreadable { reason } => {
                return format!(
                    "Settings not readable: {reason}. The thresholds and the onset delay behind \
                     the forward-head figures below cannot be stated."
                );
            }
        };
        let mut parts = vec![format!(
            "Judged with these settings (stored with the session): a posture counts as \
             sustained forward head once the forward-head condition has held for {} (the onset \
             delay), and it ends after {} of good posture clear of the exit margin.",
            duration_text(c.onset_delay_s),
            duration_text(c.min_good_s),
        )];
        if self.side || !self.front {
            parts.push(format!(
                "Side view: with a personal baseline, forward head is a CVA more than {}° below \
                 the baseline's mean, and lower still when the CVA or a baseline photo is less \
                 sure than a clean estimate, by the part of their ± beyond it, √(±² − {}²) \
                 (any CVA below the forward band that applies without a baseline counts as \
                 well); without one, forward head below {}°, upright above {}°, and \
                 \"uncertain — calibrate\" in between, which raises no alert (both bands widen \
                 by as much as a CVA's ± exceeds the {}° of a clean estimate). The exit \
                 margin is {}°. A CVA whose ± (its expected error) exceeds {}° is called \
                 uncertain and drives no alert.",
                value(c.cva_below_baseline_deg),
                value(BASE_SD_DEG),
                value(c.cva_forward_below_deg),
                value(c.cva_upright_above_deg),
                value(BASE_SD_DEG),
                value(c.cva_exit_margin_deg),
                value(c.cva_max_sd_deg),
            ));
            if c.cva_user_offset_deg != 0.0 {
                parts.push(format!(
                    "Every CVA was shifted by the user's offset of {}{}° before it was judged.",
                    if c.cva_user_offset_deg > 0.0 { "+" } else { "" },
                    value(c.cva_user_offset_deg)
                ));
            }
        }
        if self.front {
            parts.push(format!(
                "Front view: forward head when the forward-head index (against the person's \
                 front baseline) exceeds {}%, ending below {}%.",
                value(c.front_index_max_pct),
                value(c.front_index_max_pct - c.front_index_exit_margin_pct),
            ));
        }
        parts.push(if c.auto_baseline {
            format!(
                "Without a calibration plumbline learns a baseline from the person's own steady, \
                 upright stretches in the first {} with a person in view.",
                duration_text(c.learn_s)
            )
        } else {
            "No baseline is learned automatically (auto_baseline off): only a calibration \
             gives a personal baseline."
                .to_owned()
        });
        parts.join(" ")
    }

    /// What the call was measured against over the recording, from its events: the absolute
    /// bands, a learned or calibrated baseline (with its CVA and the forward-head line it
    /// gives), a setup change; and any change of the onset delay. `compared`: the report also
    /// compares the recording with a stored baseline afterwards (not what the judge used).
    /// `None` when nothing is known (no such event and the settings not recorded).
    pub fn baselines_text(&self, events: &[EventRow], compared: bool) -> Option<String> {
        let mut phases = Vec::new();
        for (index, row) in events.iter().enumerate() {
            let at = duration_text(row.t_ms / 1000.0);
            match &row.event {
                PostureEvent::Baseline { status, reason, .. } => {
                    let mut text = format!("from {at}: {}", status_words(*status));
                    let baseline = status
                        .has_baseline()
                        .then(|| adopted(events, index, row.t_ms))
                        .flatten();
                    if let Some(baseline) = baseline {
                        text = format!("{text}, {}", baseline.describe());
                        if let (Some(reference), Some(c)) =
                            (baseline.side_reference(), self.config())
                        {
                            let line = baseline_forward_below(c, reference, Some(BASE_SD_DEG));
                            text = format!(
                                "{text}: forward head below a CVA of {line:.1}° (for a clean \
                                 estimate; lower for a less sure one)"
                            );
                        }
                    }
                    if let Some(reason) = reason {
                        text = format!("{text} ({reason})");
                    }
                    phases.push(text);
                }
                PostureEvent::OnsetDelay {
                    from_s, seconds, ..
                } => phases.push(format!(
                    "at {at} the onset delay was changed from {} to {}",
                    duration_text(*from_s),
                    duration_text(*seconds)
                )),
                _ => {}
            }
        }
        if !phases.is_empty() {
            return Some(format!(
                "Reference over the recording: {}.",
                phases.join("; ")
            ));
        }
        self.config()?;
        Some(format!(
            "The judge had no personal baseline during this recording: the absolute bands judged \
             every frame.{}",
            if compared {
                " The stored baseline below is only compared with afterwards."
            } else {
                ""
            }
        ))
    }
}

/// The baseline a status event at `index` adopted: the `learned` or `calibrated` event at the
/// same time.
fn adopted(events: &[EventRow], index: usize, t_ms: f64) -> Option<&crate::posture::Baseline> {
    let near = |row: &&EventRow| (row.t_ms - t_ms).abs() < 1.0;
    let found = events[..index]
        .iter()
        .rev()
        .take_while(near)
        .chain(events[index..].iter().take_while(near));
    found.into_iter().find_map(|row| match &row.event {
        PostureEvent::Learned { baseline, .. } | PostureEvent::Calibrated { baseline, .. } => {
            Some(baseline)
        }
        _ => None,
    })
}

/// A baseline status as a phase of the recording.
fn status_words(status: BaselineStatus) -> &'static str {
    match status {
        BaselineStatus::None => "no baseline, the absolute bands only",
        BaselineStatus::Learning => "learning the baseline, the absolute bands meanwhile",
        BaselineStatus::Learned => "against the learned baseline",
        BaselineStatus::Calibrated => "against a calibrated baseline",
        BaselineStatus::SetupChanged => {
            "setup changed, the baseline set aside (no alert from it) and a new one learned"
        }
    }
}

/// Where recordings of one report were judged with different settings: one line per setting
/// that differs (its configuration key and the value of each recording), or why they cannot be
/// compared. Empty when all were judged alike.
pub fn differences(judged: &[&JudgedWith]) -> Vec<String> {
    if judged.len() < 2 {
        return Vec::new();
    }
    let unknown: Vec<String> = judged
        .iter()
        .enumerate()
        .filter(|(_, with)| with.config().is_none())
        .map(|(index, _)| (index + 1).to_string())
        .collect();
    let mut lines = Vec::new();
    if !unknown.is_empty() && unknown.len() < judged.len() {
        lines.push(format!(
            "recording {}: settings not recorded, so they cannot be compared",
            unknown.join(", ")
        ));
    }
    // Each recorded configuration as its keys (the configuration file's names).
    let maps: Vec<(usize, BTreeMap<String, Value>)> = judged
        .iter()
        .enumerate()
        .filter_map(|(index, with)| {
            let Value::Object(map) = serde_json::to_value(with.config()?).ok()? else {
                return None;
            };
            Some((index, map.into_iter().collect()))
        })
        .collect();
    let Some((_, first)) = maps.first() else {
        return lines;
    };
    for key in first.keys() {
        let values: Vec<&Value> = maps.iter().filter_map(|(_, map)| map.get(key)).collect();
        if values.iter().all(|v| *v == values[0]) {
            continue;
        }
        let each: Vec<String> = maps
            .iter()
            .map(|(index, map)| {
                let shown = map.get(key).map_or_else(String::new, |v| match v.as_f64() {
                    Some(number) => value(number),
                    None => v.to_string(),
                });
                format!("{} in recording {}", shown, index + 1)
            })
            .collect();
        lines.push(format!("{key}: {}", each.join(", ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::Baseline;

    fn recorded(config: PostureConfig) -> JudgedWith {
        JudgedWith::Recorded {
            config: Box::new(config),
        }
    }

    #[test]
    fn the_rule_states_the_stored_settings_and_not_the_defaults() {
        let with = recorded(PostureConfig {
            onset_delay_s: 60.0,
            cva_below_baseline_deg: 12.0,
            cva_forward_below_deg: 22.5,
            cva_max_sd_deg: 8.0,
            ..PostureConfig::default()
        });
        let judged = Judged {
            with: &with,
            side: true,
            front: false,
        };
        let text = judged.rule_text();
        assert!(
            text.contains("held for 1 min 00 s (the onset delay)"),
            "{text}"
        );
        assert!(text.contains("more than 12° below"), "{text}");
        assert!(
            text.contains("forward head below 22.5°, upright above 53°"),
            "{text}"
        );
        assert!(text.contains("exceeds 8° is called uncertain"), "{text}");
        assert!(!text.contains("30 s") && !text.contains("10°"), "{text}");
        assert!(!text.contains("Front view"), "{text}");
        let not = JudgedWith::NotRecorded;
        let text = Judged {
            with: &not,
            ..judged
        }
        .rule_text();
        assert!(text.starts_with("Settings not recorded"), "{text}");
    }

    #[test]
    fn the_reference_names_the_learned_baseline_and_its_forward_line() {
        let with = recorded(PostureConfig {
            cva_below_baseline_deg: 12.0,
            ..PostureConfig::default()
        });
        let baseline = Baseline::of_side_cva(48.0, 1.5, 40);
        let row = |t_ms, event| EventRow { t_ms, event };
        let events = [
            row(
                0.0,
                PostureEvent::Baseline {
                    t_ms: 0.0,
                    from: BaselineStatus::None,
                    status: BaselineStatus::Learning,
                    reason: None,
                },
            ),
            row(
                65_000.0,
                PostureEvent::Learned {
                    t_ms: 65_000.0,
                    baseline,
                },
            ),
            row(
                65_000.0,
                PostureEvent::Baseline {
                    t_ms: 65_000.0,
                    from: BaselineStatus::Learning,
                    status: BaselineStatus::Learned,
                    reason: None,
                },
            ),
            row(
                90_000.0,
                PostureEvent::OnsetDelay {
                    t_ms: 90_000.0,
                    from_s: 30.0,
                    seconds: 60.0,
                },
            ),
        ];
        let judged = Judged {
            with: &with,
            side: true,
            front: false,
        };
        let text = judged.baselines_text(&events, false).unwrap_or_default();
        assert!(text.contains("from 0 s: learning the baseline"), "{text}");
        assert!(
            text.contains(
                "from 1 min 05 s: against the learned baseline, side-left view, CVA 48.0 ± 1.5° \
                 (n = 40): forward head below a CVA of 36.0°"
            ),
            "{text}"
        );
        assert!(
            text.contains("at 1 min 30 s the onset delay was changed from 30 s to 1 min 00 s"),
            "{text}"
        );
        let none = judged.baselines_text(&[], true).unwrap_or_default();
        assert!(
            none.starts_with("The judge had no personal baseline") && none.contains("compared"),
            "{none}"
        );
        let not = JudgedWith::NotRecorded;
        assert_eq!(
            Judged {
                with: &not,
                ..judged
            }
            .baselines_text(&[], false),
            None
        );
    }

    #[test]
    fn differing_settings_are_named_by_key() {
        let a = recorded(PostureConfig::default());
        let b = recorded(PostureConfig {
            onset_delay_s: 60.0,
            ..PostureConfig::default()
        });
        let not = JudgedWith::NotRecorded;
        assert!(differences(&[&a, &a]).is_empty());
        assert_eq!(
            differences(&[&a, &b, &not]),
            [
                "recording 3: settings not recorded, so they cannot be compared",
                "onset_delay_s: 30 in recording 1, 60 in recording 2",
            ]
        );
        assert!(
            differences(&[&not, &not]).is_empty(),
            "both unknown: said per recording"
        );
        assert_eq!(value(12.5), "12.5");
        assert_eq!(value(25.0), "25");
    }
}
