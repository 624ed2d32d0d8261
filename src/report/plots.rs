//! The report's plots, drawn with [`Svg`]: CVA and the pelvis/trunk proxies on one time axis,
//! the CVA distribution against the context bands, and time per RULA score.

use crate::posture::{CVA_MDC_DEG, Metric, MetricStats, PostureEvent, PostureState};
use crate::store::{EventRow, SecondRow, VisitRole};

use super::history::VisitTrend;
use super::stats::{
    BandShares, CVA_CUTOFF_DEG, CVA_HEALTHY_GROUP, CVA_NECK_PAIN_GROUP, SessionSummary,
};
use super::svg::{Anchor, Scale, Svg};

/// Most points drawn per series; longer sessions are averaged into this many buckets.
const MAX_POINTS: usize = 600;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;

/// One bucket of a series: time (s), mean, min, max.
type Point = (f64, f64, f64, f64);

/// Buckets the metric's per-second values; `None` where a bucket has no value (a gap).
fn series(rows: &[SecondRow], metric: Metric) -> Vec<Option<Point>> {
    let size = rows.len().div_ceil(MAX_POINTS).max(1);
    rows.chunks(size)
        .map(|chunk| {
            let values: Vec<_> = chunk
                .iter()
                .filter_map(|row| {
                    let metric = row.metric(metric);
                    Some((row.t_s as f64 + 0.5, metric.mean?, metric.min?, metric.max?))
                })
                .collect();
            if values.is_empty() {
                return None;
            }
            let n = values.len() as f64;
            Some((
                values.iter().map(|v| v.0).sum::<f64>() / n,
                values.iter().map(|v| v.1).sum::<f64>() / n,
                values.iter().map(|v| v.2).fold(f64::INFINITY, f64::min),
                values.iter().map(|v| v.3).fold(f64::NEG_INFINITY, f64::max),
            ))
        })
        .collect()
}

/// Value range of the series, padded, with `include` always inside.
fn value_range(points: &[&[Option<Point>]], include: &[f64]) -> (f64, f64) {
    let mut lo = include.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = include.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for point in points.iter().flat_map(|series| series.iter().flatten()) {
        lo = lo.min(point.2);
        hi = hi.max(point.3);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1.0);
    ((lo - pad).floor(), (hi + pad).ceil())
}

/// Draws a mean line (broken at gaps) and its min-max range.
fn draw_series(
    svg: &mut Svg,
    points: &[Option<Point>],
    x: &Scale,
    y: &Scale,
    class: &str,
    range: bool,
) {
    let mut run: Vec<(f64, f64)> = Vec::new();
    for point in points {
        match point {
            Some((t, mean, min, max)) => {
                if range {
                    svg.line((x.px(*t), y.px(*min)), (x.px(*t), y.px(*max)), "range");
                }
                run.push((x.px(*t), y.px(*mean)));
            }
            None => svg.polyline(&std::mem::take(&mut run), class),
        }
    }
    svg.polyline(&run, class);
}

/// The grid across a panel at five values of `y`, each labelled on the left.
fn value_grid(svg: &mut Svg, x: &Scale, y: &Scale) {
    for tick in y.ticks(5) {
        let py = y.px(tick);
        svg.line((x.px0, py), (x.px1, py), "grid");
        svg.text(
            (x.px0 - 4.0, py + 4.0),
            Anchor::End,
            "label",
            &format!("{tick:.0}"),
        );
    }
}

/// Axes, grid and tick labels of one panel.
fn axes(svg: &mut Svg, x: &Scale, y: &Scale, label: &str, time_labels: bool) {
    let (top, bottom) = (y.px1.min(y.px0), y.px0.max(y.px1));
    value_grid(svg, x, y);
    let minutes = x.v1 - x.v0 > 600.0;
    for tick in x.ticks(8) {
        let px = x.px(tick);
        svg.line((px, bottom), (px, bottom + 4.0), "axis");
        if time_labels {
            let text = if minutes {
                format!("{:.0}", tick / 60.0)
            } else {
                format!("{tick:.0}")
            };
            svg.text((px, bottom + 16.0), Anchor::Middle, "label", &text);
        }
    }
    svg.line((x.px0, bottom), (x.px1, bottom), "axis");
    svg.line((x.px0, top), (x.px0, bottom), "axis");
    svg.text((x.px0, top - 6.0), Anchor::Start, "title", label);
    if time_labels {
        let unit = if minutes { "time (min)" } else { "time (s)" };
        svg.text((x.px1, bottom + 30.0), Anchor::End, "label", unit);
    }
}

/// CVA (top) and hip angle with trunk inclination (bottom) on one time axis, with the
/// sustained forward-head state and the alerts marked.
pub fn timeline(rows: &[SecondRow], events: &[EventRow]) -> String {
    let height = 420.0;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Svg::new(WIDTH, 40.0).finish("no samples");
    };
    let x = Scale::new(first.t_s as f64, (last.t_s + 1) as f64, LEFT, WIDTH - RIGHT);
    let mut svg = Svg::new(WIDTH, height);
    let cva = series(rows, Metric::Cva);
    let (lo, hi) = value_range(&[&cva], &[]);
    let top = Scale::new(lo, hi, 190.0, 24.0);
    // The sustained forward-head state as the judge called it (`PostureConfig`, one rule); the
    // published clinical bands are context and live in their own figure.
    for row in rows
        .iter()
        .filter(|row| row.state == PostureState::ForwardHead)
    {
        let x0 = x.px(row.t_s as f64);
        svg.rect(
            (x0, 192.0),
            (x.px((row.t_s + 1) as f64) - x0, 6.0),
            "fh-state",
            None,
        );
    }
    axes(
        &mut svg,
        &x,
        &top,
        "CVA (°), mean and range per second",
        false,
    );
    draw_series(&mut svg, &cva, &x, &top, "cva", true);
    let hip = series(rows, Metric::HipAngle);
    let trunk = series(rows, Metric::TrunkInclination);
    let (lo, hi) = value_range(&[&hip, &trunk], &[]);
    let bottom = Scale::new(lo, hi, 370.0, 230.0);
    axes(
        &mut svg,
        &x,
        &bottom,
        "Hip angle and trunk inclination (°)",
        true,
    );
    draw_series(&mut svg, &hip, &x, &bottom, "hip", false);
    draw_series(&mut svg, &trunk, &x, &bottom, "trunk", false);
    for row in events {
        if let PostureEvent::Alert { cva_deg, .. } = row.event {
            let px = x.px(row.t_ms / 1000.0);
            svg.line((px, 24.0), (px, 370.0), "alert");
            let title =
                cva_deg.map_or_else(|| "alert".to_owned(), |cva| format!("alert, CVA {cva:.1}°"));
            svg.rect((px - 2.0, 14.0), (4.0, 8.0), "swatch-alert", Some(&title));
        }
    }
    let legend = [
        ("swatch-cva", "CVA"),
        ("swatch-hip", "hip angle"),
        ("swatch-trunk", "trunk inclination"),
        ("fh-state", "sustained forward head"),
        ("swatch-alert", "alert"),
    ];
    let mut lx = LEFT;
    for (class, text) in legend {
        svg.rect((lx, height - 12.0), (10.0, 10.0), class, None);
        svg.text((lx + 14.0, height - 3.0), Anchor::Start, "label", text);
        lx += 30.0 + text.len() as f64 * 6.0;
    }
    svg.finish("CVA, hip angle and trunk inclination over time")
}

/// Histogram of the per-second CVA (1° bins) over the group ranges of Lau 2009 and the 45.5°
/// cut-off of Heidary 2024.
pub fn cva_distribution(rows: &[SecondRow]) -> String {
    let values: Vec<f64> = rows
        .iter()
        .filter_map(|row| row.metric(Metric::Cva).mean)
        .collect();
    let height = 238.0;
    let mut svg = Svg::new(WIDTH, height);
    let lo = values.iter().copied().fold(40.0_f64, f64::min).floor() - 1.0;
    let hi = values.iter().copied().fold(55.0_f64, f64::max).ceil() + 1.0;
    let x = Scale::new(lo, hi, LEFT, WIDTH - RIGHT);
    let bins = (hi - lo) as usize;
    let mut counts = vec![0_usize; bins.max(1)];
    for value in &values {
        let bin = ((value - lo).floor() as usize).min(counts.len() - 1);
        counts[bin] += 1;
    }
    let total = values.len().max(1) as f64;
    let peak = counts.iter().copied().max().unwrap_or(0) as f64 / total * 100.0;
    let y = Scale::new(0.0, (peak * 1.15).max(5.0), 190.0, 24.0);
    let group = |(mean, sd): (f64, f64)| (format!("{mean} ± {sd}°"), mean - sd, mean + sd);
    let (pain, pain_lo, pain_hi) = group(CVA_NECK_PAIN_GROUP);
    let (healthy, healthy_lo, healthy_hi) = group(CVA_HEALTHY_GROUP);
    svg.rect(
        (x.px(pain_lo), 24.0),
        (x.px(pain_hi) - x.px(pain_lo), 166.0),
        "group-pain",
        Some(&format!("neck-pain group {pain} (Lau 2009)")),
    );
    svg.rect(
        (x.px(healthy_lo), 24.0),
        (x.px(healthy_hi) - x.px(healthy_lo), 166.0),
        "group-healthy",
        Some(&format!("healthy group {healthy} (Lau 2009)")),
    );
    axes(&mut svg, &x, &y, "% of time", false);
    for (bin, count) in counts.iter().enumerate() {
        let share = *count as f64 / total * 100.0;
        let x0 = x.px(lo + bin as f64);
        let title = format!(
            "{:.0}-{:.0}°: {share:.1}%",
            lo + bin as f64,
            lo + bin as f64 + 1.0
        );
        svg.rect(
            (x0 + 0.5, y.px(share)),
            (
                x.px(lo + bin as f64 + 1.0) - x0 - 1.0,
                y.px(0.0) - y.px(share),
            ),
            "bar",
            Some(&title),
        );
    }
    svg.line(
        (x.px(CVA_CUTOFF_DEG), 20.0),
        (x.px(CVA_CUTOFF_DEG), 190.0),
        "cutoff",
    );
    for tick in x.ticks(10) {
        svg.text(
            (x.px(tick), 206.0),
            Anchor::Middle,
            "label",
            &format!("{tick:.0}"),
        );
    }
    svg.text((WIDTH - RIGHT, 220.0), Anchor::End, "label", "CVA (°)");
    let legend = [
        ("group-pain", format!("neck-pain group {pain}")),
        ("group-healthy", format!("healthy group {healthy}")),
        ("swatch-alert", format!("{CVA_CUTOFF_DEG}° cut-off")),
    ];
    let mut lx = LEFT;
    for (class, text) in &legend {
        svg.rect((lx, height - 14.0), (10.0, 10.0), class, None);
        svg.text((lx + 14.0, height - 5.0), Anchor::Start, "label", text);
        lx += 40.0 + text.len() as f64 * 5.5;
    }
    svg.finish("Distribution of CVA against context bands")
}

/// Time per RULA score as two stacked bars (neck, trunk).
pub fn rula_bars(summary: &SessionSummary) -> String {
    let mut svg = Svg::new(WIDTH, 120.0);
    let x = Scale::new(0.0, 100.0, 70.0, WIDTH - RIGHT);
    let bars: [(&str, &BandShares, f64); 2] = [
        ("Neck", &summary.rula_neck, 20.0),
        ("Trunk", &summary.rula_trunk, 56.0),
    ];
    for (label, shares, y) in bars {
        svg.text((64.0, y + 17.0), Anchor::End, "title", label);
        let mut start = 0.0;
        for (index, fraction) in shares.fractions.iter().enumerate() {
            let width = fraction * 100.0;
            let title = format!("{label} score {}: {width:.1}% of time", index + 1);
            svg.rect(
                (x.px(start), y),
                (x.px(start + width) - x.px(start), 26.0),
                &format!("score{}", index + 1),
                Some(&title),
            );
            if width >= 6.0 {
                svg.text(
                    (x.px(start + width / 2.0), y + 17.0),
                    Anchor::Middle,
                    "label",
                    &format!("{}: {width:.0}%", index + 1),
                );
            }
            start += width;
        }
    }
    for tick in x.ticks(5) {
        svg.text(
            (x.px(tick), 104.0),
            Anchor::Middle,
            "label",
            &format!("{tick:.0}%"),
        );
    }
    svg.finish("Time per RULA neck and trunk score")
}

/// CVA of each visit in order: mean with a ± 1 SD bar, baselines and follow-ups told apart,
/// and a band of the baseline's mean ± the CVA's MDC from each baseline to the next.
pub fn visit_trend(trend: &VisitTrend) -> String {
    let mut svg = Svg::new(WIDTH, 260.0);
    let (lo, hi) = trend.range().unwrap_or((40.0, 55.0));
    let x = Scale::new(
        -0.5,
        trend.labels.len().max(1) as f64 - 0.5,
        LEFT,
        WIDTH - RIGHT,
    );
    let y = Scale::new((lo - 1.0).floor(), (hi + 1.0).ceil(), 220.0, 24.0);
    // The MDC band of each baseline, until the next baseline.
    for band in &trend.bands {
        let (left, right) = (x.px(band.from as f64 - 0.5), x.px(band.to as f64 - 0.5));
        let (top, bottom) = (y.px(band.high()), y.px(band.low()));
        svg.rect(
            (left, top),
            (right - left, bottom - top),
            "mdc-band",
            Some(&format!(
                "baseline {:.1}° ± {CVA_MDC_DEG}° (minimal detectable change)",
                band.mean
            )),
        );
    }
    value_grid(&mut svg, &x, &y);
    svg.line((x.px0, y.px0), (x.px1, y.px0), "axis");
    svg.line((x.px0, y.px1), (x.px0, y.px0), "axis");
    svg.text(
        (x.px0, y.px1 - 8.0),
        Anchor::Start,
        "title",
        "CVA (°) per visit",
    );
    for (index, (date, role)) in trend.labels.iter().enumerate() {
        let px = x.px(index as f64);
        svg.text((px, y.px0 + 16.0), Anchor::Middle, "label", date);
        svg.text((px, y.px0 + 30.0), Anchor::Middle, "label", role.label());
    }
    let mut line = Vec::new();
    for point in &trend.points {
        let px = x.px(point.index as f64);
        let (mean, sd) = (point.mean, point.sd);
        if sd > 0.0 {
            svg.line((px, y.px(mean - sd)), (px, y.px(mean + sd)), "sd-bar");
        }
        let class = match point.role {
            VisitRole::Baseline => "visit-baseline",
            VisitRole::FollowUp => "visit-follow-up",
        };
        let date = &trend.labels[point.index].0;
        svg.rect(
            (px - 4.0, y.px(mean) - 4.0),
            (8.0, 8.0),
            class,
            Some(&format!(
                "{} {date}: CVA {mean:.1} ± {sd:.1}°",
                point.role.label()
            )),
        );
        line.push((px, y.px(mean)));
    }
    svg.polyline(&line, "trend");
    svg.finish("CVA per visit with spread and the minimal detectable change band")
}

/// One recording in the comparison chart ([`recordings_compared`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ComparedRecording {
    /// Its name (`1. desk.mp4`).
    pub label: String,
    /// Seconds present.
    pub present_s: f64,
    /// Share of the time present per state with its seconds, in the judge's order
    /// ([`SessionSummary::present_state_shares`]).
    pub states: Vec<(PostureState, f64, u64)>,
    /// The head measure of its view (CVA, or the forward-head index in a front view) as
    /// mean ± SD of its per-second means.
    pub measure: Option<(Metric, MetricStats)>,
    /// The baseline's mean ± the measure's MDC, when the recording is compared with a
    /// baseline that has the measure.
    pub mdc_band: Option<(f64, f64)>,
}

/// Longest recording name drawn; longer ones are cut with an ellipsis (the table has them
/// whole).
const MAX_LABEL_CHARS: usize = 26;

/// The recordings side by side, one row each in the order given: a stacked bar of the time
/// present in each state (the judge's order and colours, in shares: no rate per hour), and
/// the head measure's mean ± SD with the MDC band around the baseline when there is one.
pub fn recordings_compared(recordings: &[ComparedRecording]) -> String {
    const ROW: f64 = 46.0;
    const TOP: f64 = 34.0;
    let mut measures: Vec<Metric> = recordings
        .iter()
        .filter_map(|recording| recording.measure.map(|(metric, _)| metric))
        .collect();
    measures.sort();
    measures.dedup();
    let bars = Scale::new(0.0, 100.0, 172.0, 470.0);
    let legend_y = TOP + ROW * recordings.len() as f64 + 34.0;
    let legend_states: Vec<PostureState> = PostureState::ALL
        .into_iter()
        .filter(|state| {
            recordings
                .iter()
                .any(|r| r.states.iter().any(|(s, _, _)| s == state))
        })
        .collect();
    let banded = recordings.iter().any(|r| r.mdc_band.is_some());
    let legend: Vec<(String, &str)> = legend_states
        .iter()
        .map(|state| (super::document::state_class(*state), state.describe()))
        .chain(banded.then(|| {
            (
                "mdc-band".to_owned(),
                "baseline ± minimal detectable change",
            )
        }))
        .collect();
    let legend_lines = legend_rows(&legend, LEFT, WIDTH - RIGHT);
    let height = legend_y + 18.0 * legend_lines.len() as f64;
    let mut svg = Svg::new(WIDTH, height);
    svg.text(
        (bars.px0, 16.0),
        Anchor::Start,
        "title",
        "Share of the time present in each state (%)",
    );
    let bottom = TOP + ROW * recordings.len() as f64;
    vertical_grid(&mut svg, &bars, 5, (TOP - 4.0, bottom));
    // The measure panels share the space right of the bars, one per measure shown.
    let (left, right) = (500.0, WIDTH - RIGHT);
    let gap = 24.0;
    let panel_width =
        (right - left - gap * (measures.len().max(1) - 1) as f64) / measures.len().max(1) as f64;
    let panels: Vec<(Metric, Scale)> = measures
        .iter()
        .enumerate()
        .map(|(index, metric)| {
            let x0 = left + index as f64 * (panel_width + gap);
            let (lo, hi) = recordings
                .iter()
                .filter_map(|r| r.measure.filter(|(m, _)| m == metric).map(|m| (r, m.1)))
                .fold(
                    (f64::INFINITY, f64::NEG_INFINITY),
                    |(lo, hi), (recording, stats)| {
                        let (band_lo, band_hi) =
                            recording.mdc_band.unwrap_or((stats.mean, stats.mean));
                        (
                            lo.min(stats.mean - stats.sd).min(band_lo),
                            hi.max(stats.mean + stats.sd).max(band_hi),
                        )
                    },
                );
            let pad = ((hi - lo) * 0.08).max(1.0);
            (
                *metric,
                Scale::new((lo - pad).floor(), (hi + pad).ceil(), x0, x0 + panel_width),
            )
        })
        .collect();
    for (metric, x) in &panels {
        svg.text(
            (x.px0, 16.0),
            Anchor::Start,
            "title",
            &format!(
                "{} ({}), mean ± SD",
                super::document::capitalised(metric.short_label()),
                metric.unit().symbol()
            ),
        );
        vertical_grid(&mut svg, x, 4, (TOP - 4.0, bottom));
    }
    for (index, recording) in recordings.iter().enumerate() {
        let y0 = TOP + ROW * index as f64;
        let label: String = if recording.label.chars().count() > MAX_LABEL_CHARS {
            let cut: String = recording.label.chars().take(MAX_LABEL_CHARS - 1).collect();
            format!("{cut}…")
        } else {
            recording.label.clone()
        };
        svg.text((bars.px0 - 6.0, y0 + 16.0), Anchor::End, "title", &label);
        svg.text(
            (bars.px0 - 6.0, y0 + 30.0),
            Anchor::End,
            "label",
            &format!("present {}", super::duration_text(recording.present_s)),
        );
        if recording.states.is_empty() {
            svg.text(
                (bars.px0 + 4.0, y0 + 20.0),
                Anchor::Start,
                "label",
                "nobody was present",
            );
        }
        let mut start = 0.0;
        for (state, share, seconds) in &recording.states {
            let width = share * 100.0;
            svg.rect(
                (bars.px(start), y0 + 4.0),
                (bars.px(start + width) - bars.px(start), 26.0),
                &super::document::state_class(*state),
                Some(&format!(
                    "{}: {} {width:.1}% of the time present ({})",
                    recording.label,
                    state.describe(),
                    super::duration_text(*seconds as f64)
                )),
            );
            if width >= 8.0 {
                svg.text(
                    (bars.px(start + width / 2.0), y0 + 21.0),
                    Anchor::Middle,
                    "on-bar",
                    &format!("{width:.0}%"),
                );
            }
            start += width;
        }
        let Some((metric, stats)) = recording.measure else {
            if let Some((_, x)) = panels.first() {
                svg.text(
                    (x.px0, y0 + 20.0),
                    Anchor::Start,
                    "label",
                    "no head measure",
                );
            }
            continue;
        };
        let Some((_, x)) = panels.iter().find(|(m, _)| *m == metric) else {
            continue;
        };
        if let Some((lo, hi)) = recording.mdc_band {
            svg.rect(
                (x.px(lo), y0 + 2.0),
                (x.px(hi) - x.px(lo), 30.0),
                "mdc-band",
                Some(&format!(
                    "{}: baseline {} ± minimal detectable change ({} to {})",
                    recording.label,
                    metric.format(f64::midpoint(lo, hi)),
                    metric.format(lo),
                    metric.format(hi)
                )),
            );
        }
        let (py, px) = (y0 + 14.0, x.px(stats.mean));
        if stats.sd > 0.0 {
            svg.line(
                (x.px(stats.mean - stats.sd), py),
                (x.px(stats.mean + stats.sd), py),
                "sd-bar",
            );
        }
        svg.rect(
            (px - 4.0, py - 4.0),
            (8.0, 8.0),
            "visit-follow-up",
            Some(&format!(
                "{}: {} {} ± {:.1}",
                recording.label,
                metric.short_label(),
                metric.format(stats.mean),
                stats.sd
            )),
        );
        svg.text(
            (px, y0 + 30.0),
            Anchor::Middle,
            "label",
            &format!("{} ± {:.1}", metric.format(stats.mean), stats.sd),
        );
    }
    for (line, items) in legend_lines.iter().enumerate() {
        let y = legend_y + 18.0 * line as f64;
        for (x, class, text) in items {
            svg.rect((*x, y - 9.0), (10.0, 10.0), class, None);
            svg.text((x + 14.0, y), Anchor::Start, "label", text);
        }
    }
    svg.finish("The recordings compared: time in each state and the head measure")
}

/// Vertical grid lines at about `count` round values of `x` from `top` to `bottom`, labelled
/// under the bottom.
fn vertical_grid(svg: &mut Svg, x: &Scale, count: usize, (top, bottom): (f64, f64)) {
    for tick in x.ticks(count) {
        let px = x.px(tick);
        svg.line((px, top), (px, bottom), "grid");
        svg.text(
            (px, bottom + 14.0),
            Anchor::Middle,
            "label",
            &format!("{tick:.0}"),
        );
    }
}

/// Lays legend entries (class, text) out in lines between `left` and `right`: the x of each.
fn legend_rows<'a>(
    entries: &'a [(String, &'a str)],
    left: f64,
    right: f64,
) -> Vec<Vec<(f64, &'a str, &'a str)>> {
    let mut lines: Vec<Vec<(f64, &str, &str)>> = Vec::new();
    let mut x = left;
    for (class, text) in entries {
        let width = 30.0 + text.chars().count() as f64 * 6.0;
        if lines.is_empty() || (x + width > right && x > left) {
            lines.push(Vec::new());
            x = left;
        }
        if let Some(line) = lines.last_mut() {
            line.push((x, class.as_str(), text));
        }
        x += width;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Metrics, PostureSample};
    use crate::store::aggregate::aggregate_all;

    #[test]
    fn series_breaks_at_gaps_and_buckets_long_sessions() {
        let samples: Vec<PostureSample> = (0..1300)
            .map(|t| PostureSample {
                t_ms: f64::from(t) * 1000.0,
                metrics: Metrics {
                    cva_deg: (t % 100 != 0).then_some(50.0),
                    ..Metrics::default()
                },
                ..PostureSample::default()
            })
            .collect();
        let rows = aggregate_all(&samples);
        let points = series(&rows, Metric::Cva);
        assert!(points.len() <= MAX_POINTS);
        assert!(points.iter().flatten().all(|p| (p.1 - 50.0).abs() < 1e-9));
        let short = series(&rows[..5], Metric::Cva);
        assert!(short[0].is_none() && short[1].is_some());
        let drawn = timeline(&rows, &[]);
        assert!(drawn.contains("<polyline"));
        assert!(
            labelled_grid_lines(&drawn) >= 6,
            "a value grid in each panel"
        );
    }

    #[test]
    fn the_comparison_has_one_bar_per_recording_in_order_with_its_shares() {
        let recording =
            |label: &str, states: Vec<(PostureState, f64, u64)>, mean: f64| ComparedRecording {
                label: label.into(),
                present_s: states.iter().map(|(_, _, s)| *s as f64).sum(),
                states,
                measure: Some((
                    Metric::Cva,
                    MetricStats {
                        mean,
                        sd: 3.0,
                        n: 20,
                    },
                )),
                mdc_band: None,
            };
        let mut second = recording("2. b.mp4", vec![(PostureState::Upright, 1.0, 12)], 48.0);
        second.mdc_band = Some((45.0, 55.0));
        let front = ComparedRecording {
            label: "3. a very long recording name from a phone.mp4".into(),
            present_s: 0.0,
            states: Vec::new(),
            measure: Some((
                Metric::ForwardHeadIndex,
                MetricStats {
                    mean: 4.0,
                    sd: 0.0,
                    n: 1,
                },
            )),
            mdc_band: None,
        };
        let svg = recordings_compared(&[
            recording(
                "1. a.mp4",
                vec![
                    (PostureState::Upright, 0.75, 30),
                    (PostureState::ForwardHead, 0.25, 10),
                ],
                41.0,
            ),
            second,
            front,
        ]);
        let titles: Vec<&str> = svg
            .split("<title>")
            .skip(2)
            .filter_map(|part| part.split("</title>").next())
            .filter(|title| title.contains("of the time present"))
            .collect();
        assert_eq!(
            titles,
            [
                "1. a.mp4: Upright 75.0% of the time present (30 s)",
                "1. a.mp4: Forward head: persistent 25.0% of the time present (10 s)",
                "2. b.mp4: Upright 100.0% of the time present (12 s)",
            ]
        );
        assert_eq!(
            svg.matches("class=\"state-upright\"").count(),
            2 + 1,
            "two bars, legend"
        );
        assert_eq!(
            svg.matches("class=\"mdc-band\"").count(),
            1 + 1,
            "one band, legend"
        );
        assert!(svg.contains("CVA (°), mean ± SD") && svg.contains("Forward-head index (%)"));
        assert!(svg.contains("41.0° ± 3.0") && svg.contains("4.0 % ± 0.0"));
        assert!(svg.contains("nobody was present") && svg.contains("present 40 s"));
        assert!(
            svg.contains(">3. a very long recording …<"),
            "cut to 26 characters"
        );
        assert!(!svg.contains("min/h") && !svg.contains("per hour"));
    }

    /// The grid lines of `svg`, after checking each has its value's label on its left (what
    /// [`value_grid`] draws for every panel).
    fn labelled_grid_lines(svg: &str) -> usize {
        let lines: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("class=\"grid\""))
            .collect();
        for line in &lines {
            let y: f64 = line
                .split("y1=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|y| y.parse().ok())
                .expect("a grid line has a y");
            let label = format!("y=\"{:.1}\" text-anchor=\"end\" class=\"label\">", y + 4.0);
            assert!(svg.contains(&label), "no label beside {line}");
        }
        lines.len()
    }

    #[test]
    fn the_value_grid_labels_each_line_with_its_value() {
        let mut svg = Svg::new(WIDTH, 100.0);
        let x = Scale::new(0.0, 60.0, LEFT, WIDTH - RIGHT);
        let y = Scale::new(40.0, 55.0, 90.0, 10.0);
        value_grid(&mut svg, &x, &y);
        let svg = svg.finish("grid");
        let ticks = y.ticks(5);
        assert!(ticks.len() >= 3, "{ticks:?}");
        assert_eq!(labelled_grid_lines(&svg), ticks.len());
        for tick in ticks {
            assert!(svg.contains(&format!(">{tick:.0}</text>")), "{tick}: {svg}");
        }
    }

    #[test]
    fn the_visit_trend_has_a_point_per_visit_and_a_band_per_baseline() {
        use crate::posture::Baseline;
        use crate::store::{StoredBaseline, Visit};
        let visit = |role: VisitRole, day: u32, mean: f64, n: u32| Visit {
            role,
            hold: StoredBaseline {
                subject: "P1".into(),
                session: None,
                recorded_at: format!("2026-11-{day:02}T10:00:00.000Z"),
                baseline: Baseline::of_side_cva(mean, 2.0, n),
            },
            session_kind: None,
            source: None,
            source_kind: None,
            notes: None,
            seconds: None,
        };
        let visits = [
            visit(VisitRole::Baseline, 1, 50.0, 300),
            visit(VisitRole::FollowUp, 8, 44.0, 300),
            visit(VisitRole::Baseline, 15, 47.0, 1),
            visit(VisitRole::FollowUp, 22, 48.0, 300),
        ];
        let trend = VisitTrend::of(&visits);
        let bands: Vec<(usize, usize)> = trend.bands.iter().map(|b| (b.from, b.to)).collect();
        assert_eq!(
            bands,
            [(0, 2), (2, 4)],
            "each baseline's band runs to the next"
        );
        assert_eq!(trend.range(), Some((42.0, 55.0)));
        let svg = visit_trend(&trend);
        assert_eq!(svg.matches("class=\"mdc-band\"").count(), 2);
        assert_eq!(svg.matches("class=\"visit-baseline\"").count(), 2);
        assert_eq!(svg.matches("class=\"visit-follow-up\"").count(), 2);
        // A one-photo baseline has no spread bar.
        assert_eq!(svg.matches("class=\"sd-bar\"").count(), 3);
        assert!(svg.contains("2026-11-22"));
        assert!(svg.contains("<polyline"));
        assert!(labelled_grid_lines(&svg) >= 3, "the trend's value grid");
    }
}
