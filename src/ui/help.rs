//! Help: what plumbline measures, where its numbers stop being meaningful, and the red flags
//! of `docs/MEASUREMENT.md` §10, which are also shown once, plainly, on first start.

/// Title of the one-time notice (and its accessible name).
pub const NOTICE_TITLE: &str = "Before you start";

/// Label of the button that closes the one-time notice.
pub const ACKNOWLEDGE: &str = "I understand";

/// The opening sentence of the notice and of the help's last section.
pub const NOT_A_DIAGNOSIS: &str = "plumbline is not a diagnosis and not a medical device. It helps you notice a posture; it \
     cannot tell you why your neck or head hurts.";

/// Symptoms that need medical care now, not posture training (`docs/MEASUREMENT.md` §10).
pub const RED_FLAGS: [&str; 3] = [
    "a sudden, severe headache;",
    "a headache with a stiff neck or a fever;",
    "a headache that is much worse when you are upright and better when you lie down \
     (possible spinal fluid leak, especially after a lumbar puncture, an epidural or an injury).",
];

/// What to do when a red flag applies.
pub const RED_FLAG_ACTION: &str = "If you have any of these, stop using plumbline for it and \
     see a doctor now (call emergency services for a sudden severe headache).";

/// What is measured, one entry per measure (title, explanation).
pub const MEASURES: [(&str, &str); 5] = [
    (
        "Craniovertebral angle (CVA), side view",
        "The angle between the horizontal and the line from the base of the neck (C7) to the \
         ear. Smaller means the head sits further forward. The pose model has no C7 and no \
         tragus: the ear landmark stands in for the tragus and C7 is estimated from the \
         shoulder, so the value carries a personal offset. Calibrate to compare with yourself.",
    ),
    (
        "Neck flexion and trunk inclination, side view",
        "Head line against the trunk line, and the trunk against the vertical. The RULA neck \
         and trunk scores come from these; the angle is shown next to the band so you can judge.",
    ),
    (
        "Hip angle, side view",
        "Shoulder-hip-knee. A slumped sitter rolls the pelvis back and this angle opens. It is \
         a proxy: a camera cannot see pelvic tilt itself.",
    ),
    (
        "Forward-head index, front view",
        "A laptop webcam cannot see the CVA. The index combines head size and head drop \
         relative to your calibrated upright baseline, so it means nothing before calibration.",
    ),
    (
        "Tilts, front view",
        "Shoulder line, head and hip line against the horizontal.",
    ),
];

/// Where the numbers stop being meaningful.
pub const LIMITS: [&str; 5] = [
    "Each measure is valid in one camera view only; in an oblique view plumbline shows no angle.",
    "Changes under about 5° in the CVA are within what even careful photo measurement cannot \
     tell apart.",
    "The often-quoted \"forward head below 48-50°\" rule has no validation study behind it: \
     the threshold is a prompt, not a diagnosis.",
    "There is no absolute pelvic tilt: bone shape alone varies it by up to 23° between people.",
    "Poor light, loose clothing, a chair back hiding the hips or more than one person in view \
     make landmarks unsure; the \"What the model sees\" view shows how sure they are.",
];

/// What is stored, and what never is.
pub const PRIVACY: &str = "plumbline never saves or sends a picture: frames stay in memory and \
     are dropped after analysis. Each session is stored on this computer only, in the session \
     database (per second: the angles, posture state and view; plus alerts, snoozes and \
     calibrations). The Sessions tab shows and exports these numbers; start with --no-record \
     to store nothing.";

/// Draws the red-flag list.
pub fn red_flags_ui(ui: &mut egui::Ui) {
    ui.label(NOT_A_DIAGNOSIS);
    ui.label("Get medical help now, not posture training, if you have:");
    for flag in RED_FLAGS {
        ui.label(format!("• {flag}"));
    }
    ui.label(egui::RichText::new(RED_FLAG_ACTION).strong());
}

/// Draws the full help.
pub fn ui(ui: &mut egui::Ui) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("What plumbline measures");
        for (title, text) in MEASURES {
            ui.strong(title);
            ui.label(text);
            ui.add_space(4.0);
        }
        ui.heading("Limits");
        for limit in LIMITS {
            ui.label(format!("• {limit}"));
        }
        ui.label(
            "A warning comes only after the posture has persisted for the onset delay; timers \
             pause while nobody is in view.",
        );
        ui.heading("What is stored");
        ui.label(PRIVACY);
        ui.heading("When to see a doctor");
        red_flags_ui(ui);
    });
}

/// Shows the one-time notice while `acknowledged` is false; returns true when it was just
/// acknowledged.
pub fn notice_ui(ctx: &egui::Context, acknowledged: &mut bool) -> bool {
    if *acknowledged {
        return false;
    }
    let mut clicked = false;
    egui::Modal::new(egui::Id::unique("red_flag_notice")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.heading(NOTICE_TITLE);
        red_flags_ui(ui);
        ui.add_space(8.0);
        clicked = ui.button(ACKNOWLEDGE).clicked();
    });
    if clicked {
        *acknowledged = true;
    }
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red_flags_cover_the_three_of_the_brief() {
        let all = RED_FLAGS.join(" ");
        for needle in [
            "sudden",
            "stiff neck",
            "fever",
            "lie down",
            "lumbar puncture",
        ] {
            assert!(all.contains(needle), "missing {needle}");
        }
    }
}
