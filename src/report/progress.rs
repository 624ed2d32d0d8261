//! A follow-up visit compared with its baseline: per metric the change, the minimal detectable
//! change (MDC, from [`mdc_for`]), a verdict in words (better, worse, within measurement
//! error) and the reasons the comparison may not be reliable (a short or unsteady hold,
//! photos without spread, different views).
//!
//! Both sides are holds: per-frame statistics of the same standard recording, so `n` counts
//! frames (or photos) on both sides.

use crate::posture::baseline::MIN_BASELINE_FRAMES;
use crate::posture::{Metric, MetricStats, Trend};

use super::stats::{Mdc, mdc_for};
use crate::store::Visit;
use crate::store::visits::{MIN_HOLD_S, STANDARD_HOLD_S};

/// What a change means, in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Beyond the MDC, in the better direction.
    Better,
    /// Beyond the MDC, in the worse direction.
    Worse,
    /// Beyond the MDC, higher, for a metric without a better direction.
    Higher,
    /// Beyond the MDC, lower, for a metric without a better direction.
    Lower,
    /// Not beyond the MDC.
    WithinError,
}

impl Verdict {
    /// The words shown to people.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Higher => "higher",
            Verdict::Lower => "lower",
            Verdict::WithinError => "within measurement error",
        }
    }

    /// The verdict for `metric` going from `baseline` to `follow_up` with `mdc`, by the
    /// metric's direction ([`Metric::direction`]).
    pub fn of(metric: Metric, baseline: f64, follow_up: f64, mdc: f64) -> Self {
        let change = follow_up - baseline;
        if change.abs() <= mdc {
            return Verdict::WithinError;
        }
        match metric.direction().trend(baseline, follow_up) {
            Trend::Better => Verdict::Better,
            Trend::Worse => Verdict::Worse,
            Trend::Changed if change > 0.0 => Verdict::Higher,
            Trend::Changed => Verdict::Lower,
            Trend::Same => Verdict::WithinError,
        }
    }
}

/// One metric of a follow-up compared with its baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricChange {
    /// The metric.
    pub metric: Metric,
    /// The baseline hold's statistics.
    pub baseline: MetricStats,
    /// The follow-up hold's statistics.
    pub follow_up: MetricStats,
    /// Follow-up mean minus baseline mean.
    pub change: f64,
    /// The MDC applied.
    pub mdc: Mdc,
    /// What the change means.
    pub verdict: Verdict,
    /// Whether a warning concerns this metric (its verdict needs care).
    pub caution: bool,
}

/// A follow-up compared with its baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// The baseline visit.
    pub baseline: Visit,
    /// The follow-up visit.
    pub follow_up: Visit,
    /// The metrics measured on both sides, in the baseline's order.
    pub changes: Vec<MetricChange>,
    /// Why the comparison may not be reliable, in words; empty when nothing was found.
    pub warnings: Vec<String>,
}

impl Progress {
    /// What `n` counts on the baseline side ("frames" or "photos").
    pub fn baseline_unit(&self) -> &'static str {
        n_unit(&self.baseline)
    }

    /// What `n` counts on the follow-up side.
    pub fn follow_up_unit(&self) -> &'static str {
        n_unit(&self.follow_up)
    }
}

/// What `n` counts in a visit's hold.
pub fn n_unit(visit: &Visit) -> &'static str {
    if visit.from_stills() {
        "photos"
    } else {
        "frames"
    }
}

/// Compares `follow_up` with `baseline`, metric by metric.
pub fn compare_visits(baseline: &Visit, follow_up: &Visit) -> Progress {
    let mut warnings = Vec::new();
    let sides = [("baseline", baseline), ("follow-up", follow_up)];
    for (side, visit) in sides {
        hold_warnings(side, visit, &mut warnings);
    }
    let (base_view, follow_view) = (baseline.hold.baseline.view, follow_up.hold.baseline.view);
    if base_view != follow_view {
        warnings.push(format!(
            "the baseline was recorded in {} view and the follow-up in {} view: only the \
             measures valid in both are compared, and a different side or camera position \
             changes the reading",
            base_view.name(),
            follow_view.name()
        ));
    }
    let mut changes = Vec::new();
    for (&metric, base) in &baseline.hold.baseline.metrics {
        let Some(follow) = follow_up.hold.baseline.metrics.get(&metric) else {
            continue;
        };
        let mdc = mdc_for(metric, base);
        let name = super::capitalised(metric.short_label());
        let unit = metric.unit().suffix();
        let before = warnings.len();
        for (side, stats, visit) in [
            ("baseline", base, baseline),
            ("follow-up", follow, follow_up),
        ] {
            if !visit.from_stills() && stats.n < MIN_BASELINE_FRAMES {
                warnings.push(format!(
                    "{name}: the {side} measured it in only {} frames (at least \
                     {MIN_BASELINE_FRAMES} are needed for a steady mean)",
                    stats.n
                ));
            }
            if stats.n >= 2 && stats.sd > mdc.value {
                warnings.push(format!(
                    "{name}: the {side}'s spread (SD {:.1}{unit}) is larger than the MDC \
                     ({:.1}{unit}): the posture moved during the hold, so a change of this size \
                     cannot be told apart from that movement",
                    stats.sd, mdc.value
                ));
            }
        }
        if metric.published_mdc().is_none() && base.sd <= 0.0 {
            warnings.push(format!(
                "{name}: no published MDC and no spread in the baseline, so its MDC is the \
                 floor of {:.1}{unit}; treat its verdict with care",
                mdc.value
            ));
        }
        changes.push(MetricChange {
            metric,
            baseline: *base,
            follow_up: *follow,
            change: follow.mean - base.mean,
            verdict: Verdict::of(metric, base.mean, follow.mean, mdc.value),
            caution: warnings.len() > before,
            mdc,
        });
    }
    Progress {
        baseline: baseline.clone(),
        follow_up: follow_up.clone(),
        changes,
        warnings,
    }
}

/// Warnings about one side's hold as a whole: photos without spread, a short hold.
fn hold_warnings(side: &str, visit: &Visit, warnings: &mut Vec<String>) {
    let most = visit
        .hold
        .baseline
        .metrics
        .values()
        .map(|s| s.n)
        .max()
        .unwrap_or(0);
    if visit.from_stills() {
        warnings.push(if most <= 1 {
            format!(
                "the {side} is one photo: a photo has no spread, so whether the posture was \
                 steady cannot be told; the verdicts rest on the MDC alone"
            )
        } else {
            format!(
                "the {side} is {most} photos: their spread is between photos, not the \
                 steadiness of one hold"
            )
        });
        return;
    }
    if let Some(seconds) = visit.seconds.filter(|s| *s < MIN_HOLD_S) {
        warnings.push(format!(
            "the {side} covers only {seconds} s of recording (a standard hold is \
             {STANDARD_HOLD_S:.0} s; under {MIN_HOLD_S} s its mean depends on the moment)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Baseline, View};
    use crate::store::rows::{SessionId, SessionKind, SourceKind, StoredBaseline, VisitRole};

    fn visit(role: VisitRole, metrics: &[(Metric, f64, f64, u32)], seconds: Option<u64>) -> Visit {
        Visit {
            role,
            hold: StoredBaseline {
                subject: "P1".into(),
                session: Some(SessionId(1)),
                recorded_at: "2026-12-01T10:00:00.000Z".into(),
                baseline: Baseline {
                    view: View::SideLeft,
                    metrics: metrics
                        .iter()
                        .map(|&(metric, mean, sd, n)| (metric, MetricStats { mean, sd, n }))
                        .collect(),
                    ..Baseline::default()
                },
            },
            session_kind: Some(SessionKind::Baseline),
            source: Some("hold.mp4".into()),
            source_kind: Some(SourceKind::Video),
            notes: None,
            seconds,
        }
    }

    /// A steady 10 s baseline: CVA 50° with an SD of 1.2° over 290 frames.
    fn steady_baseline() -> Visit {
        visit(
            VisitRole::Baseline,
            &[(Metric::Cva, 50.0, 1.2, 290)],
            Some(10),
        )
    }

    #[test]
    fn verdicts_follow_each_metrics_better_direction() {
        let of = Verdict::of;
        assert_eq!(of(Metric::Cva, 48.0, 41.0, 5.0), Verdict::Worse);
        assert_eq!(of(Metric::Cva, 41.0, 48.0, 5.0), Verdict::Better);
        assert_eq!(of(Metric::Cva, 48.0, 44.0, 5.0), Verdict::WithinError);
        assert_eq!(of(Metric::NeckFlexion, 8.0, 2.0, 3.0), Verdict::Better);
        assert_eq!(of(Metric::ForwardHeadIndex, 2.0, 8.0, 3.0), Verdict::Worse);
        assert_eq!(of(Metric::HeadTilt, 12.0, -2.0, 3.0), Verdict::Better);
        assert_eq!(of(Metric::HeadTilt, 2.0, -12.0, 3.0), Verdict::Worse);
        assert_eq!(of(Metric::HipAngle, 100.0, 110.0, 3.0), Verdict::Higher);
        assert_eq!(of(Metric::HipAngle, 100.0, 90.0, 3.0), Verdict::Lower);
    }

    #[test]
    fn steady_holds_compare_without_warnings() {
        let base = steady_baseline();
        let follow = visit(
            VisitRole::FollowUp,
            &[(Metric::Cva, 43.0, 1.5, 280)],
            Some(10),
        );
        let progress = compare_visits(&base, &follow);
        assert!(progress.warnings.is_empty(), "{:?}", progress.warnings);
        let cva = &progress.changes[0];
        assert_eq!(cva.verdict, Verdict::Worse);
        assert!((cva.change + 7.0).abs() < 1e-12);
        assert!(!cva.caution);
        assert_eq!(progress.baseline_unit(), "frames");
    }

    #[test]
    fn a_short_unsteady_follow_up_is_flagged() {
        let base = steady_baseline();
        // 5 s in the report with an SD of 12-22°: here 3 s with an SD of 15°.
        let follow = visit(
            VisitRole::FollowUp,
            &[(Metric::Cva, 47.0, 15.0, 60)],
            Some(3),
        );
        let progress = compare_visits(&base, &follow);
        assert_eq!(progress.changes[0].verdict, Verdict::WithinError);
        assert!(progress.changes[0].caution);
        let text = progress.warnings.join("\n");
        assert!(text.contains("covers only 3 s"), "{text}");
        assert!(text.contains("SD 15.0°"), "{text}");
    }

    #[test]
    fn photos_count_photos_and_say_they_have_no_spread() {
        let mut base = visit(
            VisitRole::Baseline,
            &[
                (Metric::Cva, 50.0, 0.0, 1),
                (Metric::HipAngle, 100.0, 0.0, 1),
            ],
            None,
        );
        base.source_kind = Some(SourceKind::Stills);
        let follow = visit(
            VisitRole::FollowUp,
            &[
                (Metric::Cva, 49.0, 1.0, 200),
                (Metric::HipAngle, 103.0, 1.0, 200),
            ],
            Some(10),
        );
        let progress = compare_visits(&base, &follow);
        assert_eq!(progress.baseline_unit(), "photos");
        assert_eq!(progress.follow_up_unit(), "frames");
        let text = progress.warnings.join("\n");
        assert!(text.contains("baseline is one photo"), "{text}");
        assert!(text.contains("Hip angle: no published MDC"), "{text}");
        let hip = &progress.changes[1];
        assert_eq!(hip.verdict, Verdict::Higher);
        assert!(hip.caution);
        assert!(!progress.changes[0].caution);
    }
}
