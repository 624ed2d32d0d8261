//! The posture judge over scripted sessions: timestamps are scripted, nothing sleeps.

use plumbline::pose::{Landmark, LandmarkIndex as L, NUM_LANDMARKS, Skeleton, WorldLandmark};
use plumbline::posture::{PostureConfig, PostureEvent, PostureJudge, PostureState, View};

/// A seated side view facing the image right (image pixels, y down), the ear `ear_dx` px
/// ahead of the upright position.
fn side(ear_dx: f32) -> Skeleton {
    let mut landmarks = [Landmark::default(); NUM_LANDMARKS];
    let mut put = |i: L, x: f32, y: f32| {
        landmarks[i as usize] = Landmark {
            x_px: x,
            y_px: y,
            z_px: 0.0,
            visibility: 0.95,
            presence: 0.99,
        };
    };
    put(L::RightShoulder, 300.0, 300.0);
    put(L::LeftShoulder, 297.0, 300.0);
    put(L::RightHip, 285.0, 520.0);
    put(L::LeftHip, 282.0, 520.0);
    put(L::RightKnee, 440.0, 525.0);
    put(L::RightEar, 305.0 + ear_dx, 190.0 + ear_dx * 0.2);
    put(L::LeftEar, 307.0 + ear_dx, 190.0 + ear_dx * 0.2);
    put(L::Nose, 350.0 + ear_dx, 197.0 + ear_dx * 0.2);
    Skeleton {
        landmarks,
        world: [WorldLandmark::default(); NUM_LANDMARKS],
        presence: 0.99,
    }
}

struct Session {
    judge: PostureJudge,
    seq: u64,
    t_ms: f64,
    events: Vec<PostureEvent>,
}

impl Session {
    fn new(config: PostureConfig) -> Self {
        Self {
            judge: PostureJudge::new(config),
            seq: 0,
            t_ms: 0.0,
            events: Vec::new(),
        }
    }

    /// Runs `seconds` at 10 frames per second with `skeleton` (None: nobody there).
    fn run(&mut self, seconds: f64, skeleton: Option<&Skeleton>) -> PostureState {
        let end = self.t_ms + seconds * 1000.0;
        let mut state = PostureState::Upright;
        while self.t_ms < end {
            let (sample, events) = self.judge.update(self.seq, self.t_ms, skeleton);
            state = sample.state;
            self.events.extend(events);
            self.seq += 1;
            self.t_ms += 100.0;
        }
        state
    }

    fn alerts(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, PostureEvent::Alert { .. }))
            .count()
    }
}

#[test]
fn a_scripted_half_hour_with_calibration_away_and_snooze() {
    let config = PostureConfig {
        onset_delay_s: 60.0,
        calibration_s: 10.0,
        min_good_s: 15.0,
        snooze_s: 120.0,
        ..PostureConfig::default()
    };
    let mut s = Session::new(config);
    let upright = side(0.0);
    let forward = side(70.0);
    s.events.extend(s.judge.start_calibration(0.0));
    assert_eq!(s.run(5.0, Some(&upright)), PostureState::Calibrating);
    s.run(6.0, Some(&upright));
    let baseline = s.judge.baseline().expect("calibration finished").clone();
    assert_eq!(baseline.view, View::SideRight);
    let cva = baseline.metrics["cva_deg"];
    assert!(cva.n > 50 && cva.sd < 1e-6, "{cva:?}");
    // 50 s forward: at risk, no alert yet.
    assert_eq!(s.run(50.0, Some(&forward)), PostureState::AtRisk);
    assert_eq!(s.alerts(), 0);
    // Leaves for 5 minutes: away, the onset timer pauses.
    assert_eq!(s.run(300.0, None), PostureState::Away);
    assert_eq!(s.alerts(), 0);
    // Back, still forward: 10 more seconds reach the 60 s onset.
    assert_eq!(s.run(9.0, Some(&forward)), PostureState::AtRisk);
    assert_eq!(s.run(3.0, Some(&forward)), PostureState::ForwardHead);
    assert_eq!(s.alerts(), 1);
    let alert = s
        .events
        .iter()
        .find_map(|e| match e {
            PostureEvent::Alert { cva_deg, .. } => *cva_deg,
            _ => None,
        })
        .expect("the alert carries the CVA");
    assert!(alert < cva.mean - 5.0);
    // Ten minutes forward: still one alert.
    s.run(600.0, Some(&forward));
    assert_eq!(s.alerts(), 1);
    // Upright for 10 s is not enough to leave (min good 15 s), 20 s is.
    assert_eq!(s.run(10.0, Some(&upright)), PostureState::ForwardHead);
    assert_eq!(s.run(10.0, Some(&upright)), PostureState::Upright);
    // Snooze: forward head for the 2 minute snooze raises nothing.
    s.events.extend(s.judge.snooze(s.t_ms));
    assert_eq!(s.run(110.0, Some(&forward)), PostureState::Snoozed);
    assert_eq!(s.alerts(), 1);
    // After the snooze the episode starts from zero.
    s.run(15.0, Some(&forward));
    assert_eq!(s.run(60.0, Some(&forward)), PostureState::ForwardHead);
    assert_eq!(s.alerts(), 2);

    let total = s.judge.exposure().total();
    assert_eq!(total.alerts, 2);
    // Observed: everything but calibration and away (a snooze silences warnings, the posture
    // still counts): 0.9 + 50 + 12 + 600 + 20 + 185 s.
    let observed_min = total.observed_ms / 60_000.0;
    assert!(
        (observed_min - 867.9 / 60.0).abs() < 0.1,
        "observed {observed_min} min"
    );
    // Forward head: 50 + 12 + 600 + 185 s.
    let fh_min = total.forward_head_ms / 60_000.0;
    assert!(
        (fh_min - 847.0 / 60.0).abs() < 0.1,
        "forward head {fh_min} min"
    );
    assert!(total.minutes_per_hour() > 55.0);
}

#[test]
fn config_file_round_trip_drives_the_judge() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("posture.toml");
    let config = PostureConfig {
        onset_delay_s: 0.0,
        ..PostureConfig::default()
    };
    std::fs::write(&path, config.to_toml()?)?;
    let loaded = PostureConfig::from_toml(&std::fs::read_to_string(&path)?)?;
    assert_eq!(loaded, config);
    // Zero onset delay: the first judged forward frame alerts.
    let mut s = Session::new(loaded);
    s.run(1.0, Some(&side(0.0)));
    assert_eq!(s.alerts(), 0);
    s.run(0.5, Some(&side(90.0)));
    assert_eq!(s.alerts(), 1);
    Ok(())
}
