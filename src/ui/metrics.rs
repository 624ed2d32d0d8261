//! The metrics panel: every [`Metric`] with its name, value and unit, the view it is valid in,
//! and its change from the user's baseline (`docs/MEASUREMENT.md`: every measure shown carries
//! its name, its unit, the view it is valid in, and whether it is absolute or relative).

use crate::posture::{Baseline, Metric, PostureSample, View};

use super::state::UiState;

/// The value cell of one metric; the CVA carries its ± (one SD of its error on people the
/// model never saw) and the CVA below which the judge calls this frame forward.
pub fn value_text(metric: Metric, sample: &PostureSample) -> String {
    match sample.metrics.get(metric) {
        Some(value) => {
            let mut text = metric.format(value);
            if metric == Metric::Cva {
                if let Some(sd) = sample.cva_sd_deg {
                    text = format!("{text} ± {sd:.0}°");
                }
                if let Some(limit) = sample.cva_forward_limit_deg {
                    text = format!("{text}, forward below {limit:.0}°");
                }
            }
            text
        }
        None if metric.valid_in().covers(sample.view) => "not measurable".to_owned(),
        None => format!("only in {}", metric.valid_in().describe()),
    }
}

/// The baseline cell of one metric: the change from the baseline mean with its spread.
pub fn delta_text(metric: Metric, sample: &PostureSample, baseline: Option<&Baseline>) -> String {
    let Some(stats) = baseline.and_then(|baseline| baseline.get(metric)) else {
        return "no baseline".to_owned();
    };
    match sample.metrics.get(metric) {
        Some(value) => format!(
            "{} (baseline {})",
            metric.format_change(value - stats.mean),
            stats.mean_sd_text()
        ),
        None => format!("baseline {}", stats.mean_sd_text()),
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
    let Some(analyzed) = &state.latest else {
        ui.label("Waiting for the first analyzed frame.");
        return;
    };
    frame_ui(
        ui,
        &analyzed.sample,
        analyzed.estimate.skeleton.is_some(),
        state.baseline.as_ref(),
    );
}

/// The measures of one analyzed frame (`person`: the pose engine found someone), against
/// `baseline`; the live panel and review mode's side panel both draw this.
pub fn frame_ui(
    ui: &mut egui::Ui,
    sample: &PostureSample,
    person: bool,
    baseline: Option<&Baseline>,
) {
    ui.label(view_text(sample.view));
    if person {
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
            for metric in Metric::ALL {
                ui.label(metric.label());
                let value = egui::RichText::new(value_text(metric, sample));
                if metric == Metric::Cva && sample.cva_unsure {
                    ui.label(value.weak()).on_hover_text(
                        "Too unsure to judge: this CVA's ± is above the bound, so it is shown \
                         greyed and raises no alert.",
                    );
                } else {
                    ui.label(value);
                }
                ui.label(metric.valid_in().describe());
                ui.label(delta_text(metric, sample, baseline));
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
    use crate::posture::{MetricStats, Metrics};

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
        assert_eq!(value_text(Metric::Cva, &sample), "47.3°");
        // The judge's ± and the limit this frame was held to.
        let judged = PostureSample {
            cva_sd_deg: Some(6.5),
            cva_forward_limit_deg: Some(35.5),
            ..sample.clone()
        };
        assert_eq!(
            value_text(Metric::Cva, &judged),
            "47.3° ± 6°, forward below 36°"
        );
        assert_eq!(
            value_text(Metric::ForwardHeadIndex, &sample),
            "only in front view"
        );
        assert_eq!(
            value_text(Metric::Cva, &side_sample(None)),
            "not measurable"
        );
    }

    #[test]
    fn delta_is_against_the_baseline_mean() {
        let mut baseline = Baseline::default();
        baseline.metrics.insert(
            Metric::Cva,
            MetricStats {
                mean: 50.0,
                sd: 1.5,
                n: 30,
            },
        );
        let sample = side_sample(Some(44.0));
        assert_eq!(
            delta_text(Metric::Cva, &sample, Some(&baseline)),
            "-6.0° (baseline 50.0 ± 1.5)"
        );
        assert_eq!(
            delta_text(Metric::NeckFlexion, &sample, Some(&baseline)),
            "no baseline"
        );
        assert_eq!(delta_text(Metric::Cva, &sample, None), "no baseline");
    }
}
