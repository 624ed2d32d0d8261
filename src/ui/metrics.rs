//! The metrics panel: every measure with its name, unit, the view it is valid in, and its change
//! from the user's baseline (MEASUREMENT.md: "each measure must carry its name, its unit, the
//! camera view it is valid in, and whether it is absolute or relative").

use crate::posture::{Baseline, Metrics, PostureSample, View};

use super::state::UiState;

/// The camera views a metric is valid in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidIn {
    /// Side (sagittal) view only.
    Side,
    /// Front view only.
    Front,
}

impl ValidIn {
    /// Whether a metric with this validity may be shown in `view`.
    pub fn covers(self, view: View) -> bool {
        match self {
            Self::Side => matches!(view, View::SideLeft | View::SideRight),
            Self::Front => view == View::Front,
        }
    }

    /// Words for the panel.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Side => "side view",
            Self::Front => "front view",
        }
    }
}

/// How one metric is shown.
#[derive(Clone, Copy, Debug)]
pub struct MetricSpec {
    /// Its JSON name, the key of [`Baseline::metrics`].
    pub key: &'static str,
    /// Its name in the window.
    pub label: &'static str,
    /// Its unit as shown after the value.
    pub unit: &'static str,
    /// The view it is valid in.
    pub valid_in: ValidIn,
    /// Reads it from the metrics.
    pub read: fn(&Metrics) -> Option<f64>,
}

/// All metrics in panel order.
pub const METRICS: [MetricSpec; 8] = [
    MetricSpec {
        key: "cva_deg",
        label: "Craniovertebral angle (CVA)",
        unit: "°",
        valid_in: ValidIn::Side,
        read: |m| m.cva_deg,
    },
    MetricSpec {
        key: "neck_flexion_deg",
        label: "Neck flexion",
        unit: "°",
        valid_in: ValidIn::Side,
        read: |m| m.neck_flexion_deg,
    },
    MetricSpec {
        key: "trunk_inclination_deg",
        label: "Trunk inclination",
        unit: "°",
        valid_in: ValidIn::Side,
        read: |m| m.trunk_inclination_deg,
    },
    MetricSpec {
        key: "hip_angle_deg",
        label: "Hip angle (shoulder-hip-knee)",
        unit: "°",
        valid_in: ValidIn::Side,
        read: |m| m.hip_angle_deg,
    },
    MetricSpec {
        key: "forward_head_index",
        label: "Forward-head index (vs baseline)",
        unit: " %",
        valid_in: ValidIn::Front,
        read: |m| m.forward_head_index,
    },
    MetricSpec {
        key: "shoulder_tilt_deg",
        label: "Shoulder tilt",
        unit: "°",
        valid_in: ValidIn::Front,
        read: |m| m.shoulder_tilt_deg,
    },
    MetricSpec {
        key: "head_tilt_deg",
        label: "Head tilt",
        unit: "°",
        valid_in: ValidIn::Front,
        read: |m| m.head_tilt_deg,
    },
    MetricSpec {
        key: "pelvic_obliquity_deg",
        label: "Pelvic obliquity",
        unit: "°",
        valid_in: ValidIn::Front,
        read: |m| m.pelvic_obliquity_deg,
    },
];

/// The window name of a metric's JSON key (the key itself when unknown).
pub fn metric_label(key: &str) -> String {
    METRICS
        .iter()
        .find(|spec| spec.key == key)
        .map_or_else(|| key.to_owned(), |spec| spec.label.to_owned())
}

/// The value cell of one metric.
pub fn value_text(spec: &MetricSpec, sample: &PostureSample) -> String {
    match (spec.read)(&sample.metrics) {
        Some(value) => format!("{value:.1}{}", spec.unit),
        None if spec.valid_in.covers(sample.view) => "not measurable".to_owned(),
        None => format!("only in {}", spec.valid_in.describe()),
    }
}

/// The baseline cell of one metric: the change from the baseline mean with its spread.
pub fn delta_text(
    spec: &MetricSpec,
    sample: &PostureSample,
    baseline: Option<&Baseline>,
) -> String {
    let Some(stats) = baseline.and_then(|baseline| baseline.metrics.get(spec.key)) else {
        return "no baseline".to_owned();
    };
    match (spec.read)(&sample.metrics) {
        Some(value) => format!(
            "{:+.1}{} (baseline {:.1} ± {:.1})",
            value - stats.mean,
            spec.unit,
            stats.mean,
            stats.sd
        ),
        None => format!("baseline {:.1} ± {:.1}", stats.mean, stats.sd),
    }
}

/// Words for a view.
pub fn view_text(view: View) -> &'static str {
    match view {
        View::SideLeft => "Side view (left side)",
        View::SideRight => "Side view (right side)",
        View::Front => "Front view",
        View::Oblique => "Oblique view: no angle is valid",
        View::Unknown => "View unknown",
    }
}

/// Draws the metrics panel.
pub fn ui(ui: &mut egui::Ui, state: &UiState) {
    ui.heading("Measures");
    let Some(analysed) = &state.latest else {
        ui.label("Waiting for the first analysed frame.");
        return;
    };
    let sample = &analysed.sample;
    ui.label(view_text(sample.view));
    if analysed.estimate.skeleton.is_some() {
        ui.label(format!(
            "Landmark confidence {:.0} %",
            sample.confidence * 100.0
        ));
    } else {
        ui.label("Nobody found in this frame: no measures.");
    }
    egui::Grid::new("metrics_grid")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("Measure");
            ui.strong("Value");
            ui.strong("Valid in");
            ui.strong("Change from baseline");
            ui.end_row();
            for spec in &METRICS {
                ui.label(spec.label);
                ui.label(value_text(spec, sample));
                ui.label(spec.valid_in.describe());
                ui.label(delta_text(spec, sample, state.baseline.as_ref()));
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    let rula =
        |score: Option<u8>| score.map_or_else(|| "side view only".to_owned(), |s| s.to_string());
    ui.label(format!(
        "RULA neck score {} · RULA trunk score {}",
        rula(sample.rula_neck),
        rula(sample.rula_trunk)
    ));
    ui.label(
        egui::RichText::new(
            "The CVA uses the ear as a tragus proxy and an estimated C7; bands are context, \
             not a diagnosis.",
        )
        .weak(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::MetricStats;

    fn side_sample(cva: Option<f64>) -> PostureSample {
        PostureSample {
            view: View::SideRight,
            metrics: Metrics {
                cva_deg: cva,
                ..Metrics::default()
            },
            ..PostureSample::default()
        }
    }

    #[test]
    fn values_carry_units_and_validity() {
        let sample = side_sample(Some(47.26));
        assert_eq!(value_text(&METRICS[0], &sample), "47.3°");
        assert_eq!(value_text(&METRICS[4], &sample), "only in front view");
        assert_eq!(
            value_text(&METRICS[0], &side_sample(None)),
            "not measurable"
        );
    }

    #[test]
    fn delta_is_against_the_baseline_mean() {
        let mut baseline = Baseline::default();
        baseline.metrics.insert(
            "cva_deg".into(),
            MetricStats {
                mean: 50.0,
                sd: 1.5,
                n: 30,
            },
        );
        let sample = side_sample(Some(44.0));
        assert_eq!(
            delta_text(&METRICS[0], &sample, Some(&baseline)),
            "-6.0° (baseline 50.0 ± 1.5)"
        );
        assert_eq!(
            delta_text(&METRICS[1], &sample, Some(&baseline)),
            "no baseline"
        );
        assert_eq!(delta_text(&METRICS[0], &sample, None), "no baseline");
    }

    #[test]
    fn every_metric_key_is_unique_and_labelled() {
        for (i, spec) in METRICS.iter().enumerate() {
            assert_eq!(metric_label(spec.key), spec.label);
            assert!(METRICS[i + 1..].iter().all(|other| other.key != spec.key));
        }
        assert_eq!(metric_label("unknown_key"), "unknown_key");
    }
}
