//! What each stored metric is, for people: its name, unit, the view it is valid in and whether
//! it is absolute or relative to the person's own baseline (MEASUREMENT.md asks every shown
//! measure to carry these).

/// Description of one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measure {
    /// The stored name (`cva_deg`).
    pub name: &'static str,
    /// The name shown to people.
    pub label: &'static str,
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
        unit: "°",
        view: "side",
        reference: "absolute (camera proxy)",
    },
    Measure {
        name: "neck_flexion_deg",
        label: "Neck flexion relative to the trunk",
        unit: "°",
        view: "side",
        reference: "absolute",
    },
    Measure {
        name: "trunk_inclination_deg",
        label: "Trunk inclination from vertical (+ forward)",
        unit: "°",
        view: "side",
        reference: "absolute",
    },
    Measure {
        name: "hip_angle_deg",
        label: "Hip angle, shoulder-hip-knee (pelvis proxy)",
        unit: "°",
        view: "side",
        reference: "relative: compare with own baseline",
    },
    Measure {
        name: "shoulder_tilt_deg",
        label: "Shoulder line tilt",
        unit: "°",
        view: "front",
        reference: "absolute",
    },
    Measure {
        name: "pelvic_obliquity_deg",
        label: "Pelvic obliquity (hip line tilt)",
        unit: "°",
        view: "front, hips visible",
        reference: "absolute",
    },
    Measure {
        name: "head_tilt_deg",
        label: "Head lateral tilt",
        unit: "°",
        view: "front",
        reference: "absolute",
    },
    Measure {
        name: "forward_head_index",
        label: "Forward-head index",
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
    }
}
