//! The live plot: the head measure (CVA in side view, forward-head index in front view) and the
//! hip angle on one time axis, so the kinetic chain (pelvis rolls back, head comes forward) is
//! visible as it happens (`docs/MEASUREMENT.md` §5).

use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::state::{HistoryPoint, UiState};
use super::theme;

/// Name of the CVA series (also its legend entry).
pub const CVA_SERIES: &str = "CVA (°)";

/// Name of the forward-head index series.
pub const INDEX_SERIES: &str = "Forward-head index (%)";

/// Name of the hip angle series.
pub const HIP_SERIES: &str = "Hip angle (°)";

/// Which head measure the plot shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadSeries {
    /// Craniovertebral angle, side view.
    Cva,
    /// Forward-head index, front view.
    ForwardHeadIndex,
}

/// The head measure to plot: the one with more points in the history (CVA when tied).
pub fn head_series(history: &[HistoryPoint]) -> HeadSeries {
    let cva = history.iter().filter(|p| p.cva_deg.is_some()).count();
    let index = history
        .iter()
        .filter(|p| p.forward_head_index.is_some())
        .count();
    if index > cva {
        HeadSeries::ForwardHeadIndex
    } else {
        HeadSeries::Cva
    }
}

/// Splits a series into runs of consecutive valid points, so gaps (other view, nobody in
/// view) show as gaps rather than as straight lines across them.
pub fn runs(
    history: &[HistoryPoint],
    read: impl Fn(&HistoryPoint) -> Option<f64>,
) -> Vec<Vec<[f64; 2]>> {
    let mut out: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::new();
    for point in history {
        match read(point) {
            Some(value) => current.push([point.t_s, value]),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The head series' name and how to read it from a point.
fn head_reader(head: HeadSeries) -> (&'static str, fn(&HistoryPoint) -> Option<f64>) {
    match head {
        HeadSeries::Cva => (CVA_SERIES, |p| p.cva_deg),
        HeadSeries::ForwardHeadIndex => (INDEX_SERIES, |p| p.forward_head_index),
    }
}

/// The plot's caption (also its accessible summary).
pub fn caption(history: &[HistoryPoint]) -> String {
    let (head_name, _) = head_reader(head_series(history));
    format!("{head_name} and {HIP_SERIES} over time (s)")
}

/// The plot with the head measure and the hip angle of `history`, gaps left open; the live
/// plot and review mode's plot (which adds its cursor) both start from this.
pub fn posture_plot<'a>(id: &str) -> Plot<'a> {
    Plot::new(id)
        .legend(Legend::default())
        .x_axis_label("time (s)")
        .allow_scroll(false)
}

/// Draws the head measure and the hip angle of `history` into a plot.
pub fn draw_series(plot_ui: &mut egui_plot::PlotUi<'_>, history: &[HistoryPoint]) {
    let (head_name, read_head) = head_reader(head_series(history));
    for run in runs(history, read_head) {
        plot_ui.line(Line::new(head_name, PlotPoints::from(run)).color(theme::PLOT_HEAD));
    }
    for run in runs(history, |p| p.hip_angle_deg) {
        plot_ui.line(Line::new(HIP_SERIES, PlotPoints::from(run)).color(theme::PLOT_HIP));
    }
}

/// Draws the plot.
pub fn ui(ui: &mut egui::Ui, state: &UiState) {
    let history: Vec<HistoryPoint> = state.history.iter().copied().collect();
    ui.label(caption(&history));
    posture_plot("posture_plot")
        .height(ui.available_height().max(120.0))
        .show(ui, |plot_ui| draw_series(plot_ui, &history));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::View;

    fn point(t_s: f64, cva: Option<f64>, index: Option<f64>) -> HistoryPoint {
        HistoryPoint {
            t_s,
            view: View::Unknown,
            cva_deg: cva,
            forward_head_index: index,
            hip_angle_deg: None,
        }
    }

    #[test]
    fn gaps_split_the_line() {
        let history = [
            point(0.0, Some(50.0), None),
            point(1.0, Some(49.0), None),
            point(2.0, None, None),
            point(3.0, Some(44.0), None),
        ];
        let runs = runs(&history, |p| p.cva_deg);
        assert_eq!(
            runs,
            vec![vec![[0.0, 50.0], [1.0, 49.0]], vec![[3.0, 44.0]]]
        );
    }

    #[test]
    fn front_view_history_plots_the_index() {
        let front = [point(0.0, None, Some(0.1)), point(1.0, None, Some(0.2))];
        assert_eq!(head_series(&front), HeadSeries::ForwardHeadIndex);
        assert_eq!(head_series(&[]), HeadSeries::Cva);
    }
}
