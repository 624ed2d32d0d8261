//! What each stored metric is, for people: its name, unit, the view it is valid in and whether
//! it is absolute or relative to the person's own baseline (MEASUREMENT.md asks every shown
//! measure to carry these).

/// Which way a change of a metric counts as an improvement, for the words of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// A larger value is better (CVA: the head sits further back over the trunk).
    Higher,
    /// A smaller value is better (forward-head index: less forward).
    Lower,
    /// A value closer to zero is better (flexion, inclination and tilts: nearer upright/level).
    TowardZero,
    /// No direction is better by itself (hip angle: depends on the chair and the task); a
    /// change is reported as higher or lower.
    Neither,
}

/// Description of one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measure {
    /// The stored name (`cva_deg`).
    pub name: &'static str,
    /// The name shown to people.
    pub label: &'static str,
    /// A short name for table columns (at most 18 characters).
    pub short: &'static str,
    /// Which way a change is an improvement.
    pub better: Better,
    /// The unit symbol.
    pub unit: &'static str,
    /// The camera view in which it is valid.
    pub view: &'static str,
    /// Absolute, or relative to the person's baseline.
    pub reference: &'static str,
}

/// All metrics, in the order of [`METRIC_NAMES`](super::METRIC_NAMES).
pub const MEASURES: [Measure; 8] = [
    Measure {
        name: "cva_deg",
        label: "Craniovertebral angle (CVA; ear to estimated C7)",
        short: "CVA",
        better: Better::Higher,
        unit: "°",
        view: "side",
        reference: "absolute (camera proxy)",
    },
    Measure {
        name: "neck_flexion_deg",
        label: "Neck flexion relative to the trunk",
        short: "Neck flexion",
        better: Better::TowardZero,
        unit: "°",
        view: "side",
        reference: "absolute",
    },
    Measure {
        name: "trunk_inclination_deg",
        label: "Trunk inclination from vertical (+ forward)",
        short: "Trunk inclination",
        better: Better::TowardZero,
        unit: "°",
        view: "side",
        reference: "absolute",
    },
    Measure {
        name: "hip_angle_deg",
        label: "Hip angle, shoulder-hip-knee (pelvis proxy)",
        short: "Hip angle",
        better: Better::Neither,
        unit: "°",
        view: "side",
        reference: "relative: compare with own baseline",
    },
    Measure {
        name: "shoulder_tilt_deg",
        label: "Shoulder line tilt",
        short: "Shoulder tilt",
        better: Better::TowardZero,
        unit: "°",
        view: "front",
        reference: "absolute",
    },
    Measure {
        name: "pelvic_obliquity_deg",
        label: "Pelvic obliquity (hip line tilt)",
        short: "Pelvic obliquity",
        better: Better::TowardZero,
        unit: "°",
        view: "front, hips visible",
        reference: "absolute",
    },
    Measure {
        name: "head_tilt_deg",
        label: "Head lateral tilt",
        short: "Head tilt",
        better: Better::TowardZero,
        unit: "°",
        view: "front",
        reference: "absolute",
    },
    Measure {
        name: "forward_head_index",
        label: "Forward-head index",
        short: "Forward-head index",
        better: Better::Lower,
        unit: "index",
        view: "front",
        reference: "relative to own baseline",
    },
];

/// The description of the metric called `name`.
pub fn measure(name: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|measure| measure.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_described_in_order() {
        let names: Vec<&str> = MEASURES.iter().map(|measure| measure.name).collect();
        assert_eq!(names, super::super::METRIC_NAMES);
        assert!(measure("cva_deg").is_some());
        assert!(measure("nope").is_none());
        assert!(
            MEASURES
                .iter()
                .all(|measure| measure.short.chars().count() <= 18)
        );
    }
}
