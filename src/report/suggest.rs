//! Plain-language ergonomic suggestions derived from a session's measures, worded as
//! suggestions and never as findings; the caveats of `docs/MEASUREMENT.md` §10 follow them in the
//! report.

use super::build::duration_text;
use super::stats::{Comparison, SessionSummary};
use crate::posture::{Metric, PostureConfig, Trend};

/// Share of time with RULA neck score 3 or more (flexion over 20°) that prompts a suggestion.
const NECK_FLEXED_SHARE: f64 = 0.25;
/// Share of time with RULA trunk score 3 or more (flexion over 20°) that prompts a suggestion.
const TRUNK_FLEXED_SHARE: f64 = 0.25;
/// Share of the time present with the forward-head condition that prompts a suggestion about
/// breaks (15 min per hour).
const EXPOSURE_SHARE: f64 = 0.25;
/// Trunk inclination below which the person reclines (negative is backwards), degrees.
const RECLINED_DEG: f64 = -10.0;

/// The suggestions for one session judged with `judged` (its stored settings; `None` when not
/// recorded); never empty.
pub fn suggestions(
    summary: &SessionSummary,
    comparisons: &[Comparison],
    judged: Option<&PostureConfig>,
) -> Vec<String> {
    let mut out = Vec::new();
    let side_seconds: u64 = summary
        .view_seconds
        .iter()
        .filter(|(view, _)| view.is_side())
        .map(|(_, seconds)| seconds)
        .sum();
    if side_seconds == 0 {
        out.push(
            "No side view was seen, so the CVA and the RULA neck and trunk bands could not be \
             measured. For these, record from the side at shoulder height with the ear, \
             shoulder and hip in the picture."
                .to_owned(),
        );
    }
    let neck_flexed = share_from(&summary.rula_neck.fractions, 2);
    if summary.rula_neck.seconds > 0 && neck_flexed >= NECK_FLEXED_SHARE {
        out.push(format!(
            "The neck was bent forward more than 20° (RULA neck 3) for {:.0}% of the time. \
             Looking down at a laptop or papers does this; a laptop stand with a separate \
             keyboard, or a document holder beside the screen, reduces it.",
            neck_flexed * 100.0
        ));
    }
    let trunk_flexed = share_from(&summary.rula_trunk.fractions, 2);
    if summary.rula_trunk.seconds > 0 && trunk_flexed >= TRUNK_FLEXED_SHARE {
        out.push(format!(
            "The trunk leaned forward more than 20° (RULA trunk 3 or 4) for {:.0}% of the \
             time. Moving the chair closer to the desk and the keyboard closer to the body \
             lets the back use the backrest.",
            trunk_flexed * 100.0
        ));
    }
    if summary
        .metrics
        .get(&Metric::TrunkInclination)
        .is_some_and(|stats| stats.mean < RECLINED_DEG)
    {
        out.push(
            "The trunk was reclined on average. Reclining with the head pulled forward to see \
             the screen often goes with a pelvis rolled backwards; a lumbar support and a \
             screen moved closer can help."
                .to_owned(),
        );
    }
    if let Some(share) = summary
        .share_of_present(summary.forward_head_condition_s)
        .filter(|share| *share >= EXPOSURE_SHARE)
    {
        // What was judged, by the session's own onset delay.
        let sustained = summary
            .share_of_present(summary.forward_head_state_s)
            .unwrap_or(0.0);
        let beyond = judged.map_or_else(
            || "beyond the onset delay".to_owned(),
            |c| {
                format!(
                    "beyond the onset delay of {}",
                    duration_text(c.onset_delay_s)
                )
            },
        );
        out.push(format!(
            "plumbline judged the head forward (by the rule stated above) for {:.0}% of the \
             time present, sustained {beyond} for {:.0}%. Raising the screen so its top line is \
             at eye level, bringing it closer or enlarging the text, and sitting back against \
             the backrest usually let the head rest over the shoulders. Short breaks every 30 \
             minutes (stand up, roll the shoulders, a few gentle chin tucks) break up sustained \
             postures, which matter more than any single moment.",
            share * 100.0,
            sustained * 100.0
        ));
    }
    for (comparison, trend) in comparisons
        .iter()
        .filter(|c| c.metric == Metric::Cva)
        .filter_map(|c| Some((c, c.trend()?)))
    {
        let direction = match trend {
            Trend::Worse => "further forward than",
            Trend::Better => "more upright than",
            Trend::Changed | Trend::Same => continue,
        };
        out.push(format!(
            "Compared with the baseline the head sat {direction} before (CVA change {:+.1}°, \
             more than the {:.0}° that measurement error can explain).",
            comparison.change, comparison.mdc.value
        ));
    }
    if out.is_empty() {
        out.push(
            "The measures stayed mostly in the usual ranges. Keep changing position during \
             the day: no single posture is good for hours."
                .to_owned(),
        );
    }
    out
}

/// Sum of the fractions from `index` on.
fn share_from(fractions: &[f64], index: usize) -> f64 {
    fractions.iter().skip(index).sum()
}

/// The caveats of `docs/MEASUREMENT.md` §10, shown once at the end of the report.
pub const NOT_A_DIAGNOSIS: &str = "This report is not a diagnosis and plumbline is not a medical \
     device. The angles are camera estimates (the CVA uses the ear as a tragus proxy and an \
     estimated C7), and the reference bands are group values from studies, shown as context. \
     Seek medical care now, not posture training, for: a sudden severe headache; a headache \
     with a stiff neck or fever; a headache that is much worse upright and better lying down \
     (possible spinal fluid leak, especially after a lumbar puncture, an epidural or an injury).";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::View;
    use crate::report::stats::BandShares;

    #[test]
    fn the_advice_follows_the_judged_forward_head_not_the_context_bands() {
        let mut summary = SessionSummary::default();
        summary.view_seconds.insert(View::SideLeft, 60);
        summary.present_s = 60.0;
        // Half the time below 45.5° (a context band) but never judged forward: no advice
        // about the head.
        summary.cva_bands = BandShares {
            seconds: 60,
            fractions: vec![0.5, 0.25, 0.25],
        };
        summary.rula_neck = BandShares {
            seconds: 60,
            fractions: vec![0.2, 0.3, 0.5, 0.0],
        };
        summary.forward_head_condition_s = 0.0;
        let out = suggestions(&summary, &[], None);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].contains("RULA neck 3"));
        // Judged forward 30 min per hour: the screen and the breaks.
        summary.forward_head_condition_s = 30.0;
        summary.forward_head_state_s = 12.0;
        let onset = PostureConfig {
            onset_delay_s: 60.0,
            ..PostureConfig::default()
        };
        let out = suggestions(&summary, &[], Some(&onset));
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            out[1].starts_with(
                "plumbline judged the head forward (by the rule stated above) for 50% of the \
                 time present, sustained beyond the onset delay of 1 min 00 s for 20%."
            ),
            "{out:?}"
        );
        assert!(out[1].contains("Raising the screen"));
        let unknown = suggestions(&summary, &[], None);
        assert!(
            unknown[1].contains("sustained beyond the onset delay for 20%"),
            "{unknown:?}"
        );
    }

    #[test]
    fn front_view_only_says_what_cannot_be_measured() {
        let mut summary = SessionSummary::default();
        summary.view_seconds.insert(View::Front, 60);
        let out = suggestions(&summary, &[], None);
        assert!(out[0].contains("No side view"));
    }
}
