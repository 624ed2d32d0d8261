//! Export and report from a synthetic session: CSV and report-text snapshots, JSON structure,
//! the HTML's inline plots and lack of remote resources, and the export/compare commands run
//! as the real binary.

mod analysis;
pub(crate) mod annotate;
mod stills;
mod visits;

use std::process::Command;

use plumbline::capture::{DateBasis, RecordingDate};
use plumbline::posture::{
    Baseline, BaselineBuilder, BaselineRules, Metric, MetricStats, Metrics, PostureConfig,
    PostureEvent, PostureSample, PostureState, View,
};
use plumbline::report::{Recording, ReportHeader, build, export};
use plumbline::store::access::sample_columns;
use plumbline::store::{
    Hold, JudgedWith, NewSession, SessionId, SessionKind, Store, StoreError, VisitRole,
};

/// A deterministic 60-second side-view session at 10 fps: upright, a forward-head episode from
/// 20 s to 45 s (CVA falling to about 41°, alert after 5 s), then upright again.
pub fn synthetic_session(seconds: u32) -> (Vec<PostureSample>, Vec<PostureEvent>) {
    let mut samples = Vec::new();
    let mut events = Vec::new();
    let mut state = PostureState::Upright;
    let mut forward_since: Option<f64> = None;
    for i in 0..seconds * 10 {
        let t_ms = f64::from(i) * 100.0;
        let t = t_ms / 1000.0;
        let episode = (20.0..45.0).contains(&t);
        let cva = if episode {
            42.0 + (t * 0.7).sin()
        } else {
            51.0 + (t * 0.9).sin()
        };
        let neck = if episode {
            24.0 + (t * 0.5).cos()
        } else {
            8.0 + (t * 0.5).cos()
        };
        let trunk = if episode { 14.0 } else { 3.0 + (t * 0.3).sin() };
        let hip = if episode {
            112.0 + (t * 0.4).sin()
        } else {
            98.0 + (t * 0.4).sin()
        };
        let forward = cva < 45.0;
        forward_since = if forward {
            forward_since.or(Some(t_ms))
        } else {
            None
        };
        let next = match forward_since {
            Some(since) if t_ms - since >= 5000.0 => PostureState::ForwardHead,
            Some(_) => PostureState::AtRisk,
            None => PostureState::Upright,
        };
        if next != state {
            events.push(PostureEvent::State {
                t_ms,
                from: state,
                state: next,
            });
            if next == PostureState::ForwardHead {
                events.push(PostureEvent::Alert {
                    t_ms,
                    cva_deg: Some(cva),
                    forward_head_index: None,
                });
            }
            state = next;
        }
        samples.push(PostureSample {
            seq: u64::from(i),
            t_ms,
            view: View::SideLeft,
            metrics: Metrics {
                cva_deg: Some(cva),
                neck_flexion_deg: Some(neck),
                trunk_inclination_deg: Some(trunk),
                hip_angle_deg: (i % 7 != 0).then_some(hip),
                ..Metrics::default()
            },
            forward_head: Some(forward),
            rula_neck: Some(if neck > 20.0 {
                3
            } else if neck > 10.0 {
                2
            } else {
                1
            }),
            rula_trunk: Some(if trunk > 20.0 {
                3
            } else if trunk > 0.0 {
                2
            } else {
                1
            }),
            state,
            confidence: 0.9,
            ..PostureSample::default()
        });
    }
    (samples, events)
}

/// Stores a synthetic session judged with the default settings through the writer thread and
/// returns its id.
pub fn store_synthetic(
    store: Store,
    source: &str,
    subject: Option<&str>,
) -> Result<(Store, SessionId), StoreError> {
    store_judged(store, source, subject, PostureConfig::default())
}

/// [`store_synthetic`] judged with `judged_with`.
fn store_judged(
    store: Store,
    source: &str,
    subject: Option<&str>,
    judged_with: PostureConfig,
) -> Result<(Store, SessionId), StoreError> {
    let mut store = store;
    let mut new = NewSession::new(SessionKind::Analysis, source, Some(judged_with));
    new.subject = subject.map(str::to_owned);
    new.model = Some("lite".into());
    new.started_at = Some("2026-12-01T09:00:00.000Z".into());
    let id = store.start_session(&new)?;
    let writer = plumbline::store::StoreWriter::spawn(store, id)?;
    let (samples, events) = synthetic_session(60);
    for sample in &samples {
        writer.send_sample(sample)?;
    }
    for event in &events {
        writer.send_event(event)?;
    }
    let (store, _) = writer.finish()?;
    Ok((store, id))
}

/// Snapshots live in `tests/snapshots/` (shared by the integration tests).
fn snapshot(name: &str, value: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, value);
    });
}

fn upright_baseline() -> Baseline {
    Baseline {
        view: View::SideLeft,
        metrics: [
            (
                Metric::Cva,
                MetricStats {
                    mean: 51.0,
                    sd: 0.7,
                    n: 100,
                },
            ),
            (
                Metric::HipAngle,
                MetricStats {
                    mean: 98.0,
                    sd: 0.7,
                    n: 100,
                },
            ),
            (
                Metric::NeckFlexion,
                MetricStats {
                    mean: 8.0,
                    sd: 0.7,
                    n: 100,
                },
            ),
        ]
        .into(),
        ..Baseline::default()
    }
}

#[test]
fn samples_csv_snapshot() -> Result<(), Box<dyn std::error::Error>> {
    let (store, id) = store_synthetic(Store::open_in_memory()?, "clip.mp4", None)?;
    let rows = store.samples(id)?;
    assert_eq!(rows.len(), 60);
    let mut csv = Vec::new();
    export::write_samples_csv(&mut csv, &rows[..6])?;
    snapshot("samples_csv", &String::from_utf8(csv)?);
    let mut events = Vec::new();
    export::write_events_csv(&mut events, &store.events(id)?)?;
    snapshot("events_csv", &String::from_utf8(events)?);
    Ok(())
}

#[test]
fn json_export_uses_the_csv_column_names() -> Result<(), Box<dyn std::error::Error>> {
    let (store, id) = store_synthetic(Store::open_in_memory()?, "clip.mp4", None)?;
    let json = export::session_json(&store.session(id)?, &store.samples(id)?, &store.events(id)?)?;
    let samples = json["samples"].as_array().ok_or("samples array")?;
    assert_eq!(samples.len(), 60);
    let keys: Vec<&String> = samples[0].as_object().ok_or("object")?.keys().collect();
    let mut columns = sample_columns();
    columns.sort();
    assert_eq!(keys, columns.iter().collect::<Vec<_>>());
    assert_eq!(json["session"]["source"], "clip.mp4");
    let events = json["events"].as_array().ok_or("events array")?;
    assert!(
        events
            .iter()
            .any(|event| event["event"] == "alert" && event["cva_deg"].is_f64())
    );
    Ok(())
}

#[test]
fn report_text_snapshot_with_baseline() -> Result<(), Box<dyn std::error::Error>> {
    let mut store = Store::open_in_memory()?;
    store.save_baseline("P001", None, &upright_baseline())?;
    let (store, id) = store_synthetic(store, "/videos/visit-2.mp4", Some("P001"))?;
    let baseline = store.latest_baseline("P001")?.ok_or("baseline")?;
    let recording = Recording {
        info: store.session(id)?,
        rows: store.samples(id)?,
        events: store.events(id)?,
        baseline: Some(baseline.clone()),
        recorded: Some(RecordingDate {
            utc: "2026-11-30T14:05:00Z".into(),
            basis: DateBasis::Container,
        }),
        stills: None,
    };
    let header = ReportHeader {
        title: Some("Workstation assessment".into()),
        client: Some("Acme Ltd".into()),
        site: Some("Desk 4, second floor".into()),
        assessor: Some("J. Doe".into()),
        prepared: Some("2026-12-05T10:00:00Z".into()),
    };
    let document = build(&[recording], &header);
    let text = document
        .text()
        .replace(&baseline.recorded_at, "<recorded_at>");
    // The forward-head episode is 25 s of 60: CVA below the cut-off, RULA neck 3, beyond MDC.
    assert!(text.contains("cva_deg"));
    assert!(text.contains("Seek medical care now"));
    // Handed to a client: who, where, by whom, and when the recording was made.
    assert!(text.starts_with("Workstation assessment\n"));
    for field in [
        "Client:",
        "Acme Ltd",
        "Site:",
        "Assessor:",
        "J. Doe",
        "Report written:",
        "Recorded 2026-11-30 14:05 UTC (from the recording's metadata)",
    ] {
        assert!(text.contains(field), "{field} missing");
    }
    // A one-minute recording gives minutes and shares, never a rate per hour.
    assert!(
        !text.contains("min per hour") && !text.contains("min/h"),
        "{text}"
    );
    assert!(text.contains("Forward head as judged:"));
    assert!(text.contains("less than 10 minutes"));
    snapshot("report_text", &text);
    Ok(())
}

#[test]
fn html_report_has_inline_plots_and_no_remote_resources() -> Result<(), Box<dyn std::error::Error>>
{
    let (store, first) = store_synthetic(Store::open_in_memory()?, "a.mp4", None)?;
    let (store, second) = store_synthetic(store, "b.mp4", None)?;
    let recordings: Vec<Recording> = [first, second]
        .iter()
        .map(|id| -> Result<Recording, StoreError> {
            Ok(Recording {
                info: store.session(*id)?,
                rows: store.samples(*id)?,
                events: store.events(*id)?,
                baseline: None,
                recorded: None,
                stills: None,
            })
        })
        .collect::<Result<_, _>>()?;
    let document = build(&recordings, &ReportHeader::default());
    let html = document.html();
    assert!(
        html.matches("<svg").count() >= 6,
        "three plots per recording"
    );
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(html.contains("<polyline"));
    assert!(html.contains("Summary of all recordings"));
    assert!(html.contains("@media print"));
    for forbidden in ["http", "<script", "src=", "url(", "@import", "<link"] {
        assert!(!html.contains(forbidden), "report contains {forbidden}");
    }
    Ok(())
}

/// A database of schema version 4 (before the judge's settings were stored) with one session,
/// opened by this build: the session reads as "settings not recorded", its report says so, and
/// a report over it and two newer sessions judged differently names what differs.
#[test]
fn old_sessions_report_settings_not_recorded_and_differing_settings_are_named()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("old.sqlite");
    let (store, old) = store_synthetic(Store::open(&db)?, "/videos/old.mp4", None)?;
    drop(store);
    // Back to the version 4 layout, as a database written before version 5 (without the
    // columns of versions 5 and 6).
    let conn = rusqlite::Connection::open(&db)?;
    conn.execute_batch(
        "ALTER TABLE sessions DROP COLUMN judged_with; \
         ALTER TABLE holds DROP COLUMN photo_cva_sd_deg; PRAGMA user_version = 4;",
    )?;
    drop(conn);

    let store = Store::open(&db)?;
    let info = store.session(old)?;
    assert_eq!(info.judged_with, JudgedWith::NotRecorded);
    let json = export::session_json(&info, &store.samples(old)?, &store.events(old)?)?;
    assert_eq!(json["session"]["judged_with"]["status"], "not_recorded");
    let read = |store: &Store, id| -> Result<Recording, StoreError> {
        Ok(Recording {
            info: store.session(id)?,
            rows: store.samples(id)?,
            events: store.events(id)?,
            baseline: None,
            recorded: None,
            stills: None,
        })
    };
    let text = build(&[read(&store, old)?], &ReportHeader::default()).text();
    assert!(text.contains("Settings not recorded"), "{text}");
    assert!(
        text.contains("longer than the onset delay,"),
        "no delay is made up: {text}"
    );

    // Two newer sessions in the migrated database: one judged with a 60 s onset delay and a
    // 12° drop, one with the defaults.
    let strict = PostureConfig {
        onset_delay_s: 60.0,
        cva_below_baseline_deg: 12.0,
        ..PostureConfig::default()
    };
    let (store, slow) = store_judged(store, "/videos/slow.mp4", None, strict)?;
    let (store, usual) = store_synthetic(store, "/videos/usual.mp4", None)?;
    let recordings = [
        read(&store, old)?,
        read(&store, slow)?,
        read(&store, usual)?,
    ];
    let text = build(&recordings, &ReportHeader::default()).text();
    assert!(
        text.contains("The recordings were not all judged with the same settings"),
        "{text}"
    );
    assert!(
        text.contains("recording 1: settings not recorded, so they cannot be compared"),
        "{text}"
    );
    assert!(
        text.contains("onset_delay_s: 60 in recording 2, 30 in recording 3"),
        "{text}"
    );
    assert!(
        text.contains("cva_below_baseline_deg: 12 in recording 2, 10 in recording 3"),
        "{text}"
    );
    // Each recording's own section states its own rule.
    let second = text.find("Recording 2: slow.mp4").ok_or("section 2")?;
    let third = text.find("Recording 3: usual.mp4").ok_or("section 3")?;
    assert!(text[second..third].contains("has held for 1 min 00 s (the onset delay)"));
    assert!(text[third..].contains("has held for 30 s (the onset delay)"));
    Ok(())
}

/// The window's path with the real model: a live pipeline judged with the saved settings,
/// recorded into a real database; the onset delay changed mid-session (the window's Settings)
/// becomes an event, and the session's report states the delay it started with and the change.
#[test]
fn an_onset_delay_changed_while_monitoring_is_stored_and_reported()
-> Result<(), Box<dyn std::error::Error>> {
    use plumbline::capture::SourceSpec;
    use plumbline::pipeline::recorder::{Recorder, monitor_session};
    use plumbline::pipeline::{Control, Pipeline, PipelineConfig, Update};
    use plumbline::pose::PoseConfig;

    let dir = tempfile::tempdir()?;
    let clip = crate::clips::recording(
        &dir.path().join("desk.mp4"),
        &[(crate::clips::UPRIGHT_STILL, 4)],
    );
    let db = dir.path().join("s.sqlite");
    let settings = PostureConfig {
        onset_delay_s: 45.0,
        ..PostureConfig::default()
    };
    let config = PipelineConfig::live(
        SourceSpec::Video(clip),
        None,
        PoseConfig::default(),
        settings.clone(),
    );
    let (pipeline, updates) = Pipeline::start(config)?;
    assert_eq!(pipeline.judged_with(), Some(&settings));
    let new = monitor_session(
        "desk.mp4",
        PoseConfig::default().model,
        None,
        pipeline.judged_with(),
    );
    let mut recorder = Recorder::start(Some(&db), &new);
    let session = recorder.session().ok_or("recording")?;
    let mut changed = None;
    let mut asked = false;
    for update in &updates {
        if !asked && matches!(update, Update::Analyzed(_)) {
            pipeline.control(Control::SetOnsetDelay(90.0))?;
            asked = true;
        }
        if let Update::Posture(event @ PostureEvent::OnsetDelay { .. }) = &update {
            changed = Some(event.clone());
        }
        recorder.record(&update);
    }
    recorder.finish()?;
    let Some(PostureEvent::OnsetDelay {
        from_s, seconds, ..
    }) = changed
    else {
        return Err(format!("no onset_delay event: {changed:?}").into());
    };
    assert_eq!((from_s, seconds), (45.0, 90.0));
    let store = Store::open(&db)?;
    let recording = plumbline::report::files::load_recording(&store, session)?;
    assert_eq!(recording.info.judged_with.config(), Some(&settings));
    let text = build(&[recording], &ReportHeader::default()).text();
    assert!(
        text.contains("has held for 45 s (the onset delay)"),
        "{text}"
    );
    assert!(
        text.contains("the onset delay was changed from 45 s to 1 min 30 s"),
        "{text}"
    );
    Ok(())
}

fn plumbline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
}

#[test]
fn export_and_compare_commands_on_a_database_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("s.sqlite");
    let mut store = Store::open(&db)?;
    store.save_baseline("P7", None, &upright_baseline())?;
    let (store, id) = store_synthetic(store, "follow-up.mp4", Some("P7"))?;
    drop(store);

    let out = plumbline()
        .args(["export", "--db"])
        .arg(&db)
        .args(["--session", &id.to_string(), "--format", "csv"])
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout)?;
    assert_eq!(csv.lines().count(), 61);
    assert!(csv.starts_with("t_s,frames,view,state,"));

    let out = plumbline()
        .args(["export", "--db"])
        .arg(&db)
        .args(["--session", &id.to_string(), "--format", "json"])
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["samples"].as_array().map(Vec::len), Some(60));

    let out = plumbline()
        .args(["export", "--db"])
        .arg(&db)
        .args(["--session", "99"])
        .output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("session 99 was not found"));

    // A follow-up hold made of the synthetic session: CVA about 4° lower (within the 5° MDC),
    // neck flexion further from upright and unsteady.
    let (samples, events) = synthetic_session(60);
    let mut new = NewSession::new(
        SessionKind::FollowUp,
        "follow-up.mp4",
        Some(PostureConfig::default()),
    );
    new.subject = Some("P7".into());
    let mut store = Store::open(&db)?;
    store.save_hold(&Hold {
        session: new,
        role: VisitRole::FollowUp,
        rows: plumbline::store::aggregate::aggregate_all(&samples),
        events,
        stats: {
            let mut builder = BaselineBuilder::new(BaselineRules::default());
            for sample in &samples {
                builder.push_sample(sample);
            }
            builder.finish()?
        },
    })?;
    drop(store);
    let out = plumbline()
        .args(["compare", "--subject", "P7", "--db"])
        .arg(&db)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let cva_line = text
        .lines()
        .find(|line| line.starts_with("CVA "))
        .ok_or("cva row")?;
    assert!(cva_line.ends_with("within measurement error"), "{cva_line}");
    assert!(text.contains("Gallego-Izquierdo 2020"));
    let neck_line = text
        .lines()
        .find(|line| line.starts_with("Neck flexion"))
        .ok_or("neck row")?;
    assert!(neck_line.ends_with("worse"), "{neck_line}");
    assert!(
        neck_line.contains('*'),
        "unsteady neck flexion is flagged: {neck_line}"
    );
    assert!(
        text.lines().all(|line| line.chars().count() <= 100),
        "{text}"
    );
    Ok(())
}
