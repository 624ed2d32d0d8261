//! Today at a glance and the idle window: the header's "today" line and the Sessions tab's
//! 7-day chart on a database made here with monitor sessions on different local days, and the
//! real window under Xvfb that repaints when updates arrive and not while nothing happens.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;

use plumbline::posture::{PostureEvent, PostureSample, PostureState, View};
use plumbline::report::today::CHART_DAYS;
use plumbline::store::aggregate::aggregate_all;
use plumbline::store::{DayTotals, NewSession, SessionKind, Store};
use plumbline::ui::{App, Settings, Tab};

use super::{frame_update, run_window, window_harness};

/// Local noon `days_ago` days before today, as the store's UTC start time, and that local date.
fn local_noon(days_ago: u32) -> (String, String) {
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
    let shift = format!("-{days_ago} days");
    conn.query_row(
        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', date('now', 'localtime', ?1) || ' 12:00:00', \
             'utc'), date('now', 'localtime', ?1)",
        [&shift],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .expect("SQLite dates")
}

/// `n` seconds from `from` in `state`.
fn seconds(from: u32, n: u32, state: PostureState) -> Vec<PostureSample> {
    (from..from + n)
        .map(|t_s| PostureSample {
            t_ms: f64::from(t_s) * 1000.0,
            view: View::SideLeft,
            state,
            ..PostureSample::default()
        })
        .collect()
}

fn alert(t_ms: f64) -> PostureEvent {
    PostureEvent::Alert {
        t_ms,
        cva_deg: Some(19.0),
        forward_head_index: None,
    }
}

/// A session of `kind` at local noon `days_ago` days back with `samples` and `events`.
fn stored(
    store: &mut Store,
    kind: SessionKind,
    days_ago: u32,
    samples: &[PostureSample],
    events: &[PostureEvent],
) {
    let mut new = NewSession::new(kind, "camera:0", None);
    new.started_at = Some(local_noon(days_ago).0);
    let id = store.start_session(&new).expect("a session");
    store
        .write_batch(id, &aggregate_all(samples), events)
        .expect("rows written");
}

/// Today: 4 min upright, 2 min forward head, 1 min away, 2 alerts (two sessions); two days
/// ago 10 min upright; a recording analyzed today (not the user's day) and a session older
/// than the chart.
fn database(dir: &Path) -> PathBuf {
    let path = dir.join("s.sqlite");
    let mut store = Store::open(&path).expect("a new database");
    let mut first = seconds(0, 240, PostureState::Upright);
    first.extend(seconds(240, 60, PostureState::Away));
    stored(&mut store, SessionKind::Monitor, 0, &first, &[]);
    stored(
        &mut store,
        SessionKind::Monitor,
        0,
        &seconds(3600, 120, PostureState::ForwardHead),
        &[alert(3_650_000.0), alert(3_700_000.0)],
    );
    stored(
        &mut store,
        SessionKind::Monitor,
        2,
        &seconds(0, 600, PostureState::Upright),
        &[],
    );
    stored(
        &mut store,
        SessionKind::Analysis,
        0,
        &seconds(0, 900, PostureState::ForwardHead),
        &[alert(1000.0)],
    );
    stored(
        &mut store,
        SessionKind::Monitor,
        9,
        &seconds(0, 900, PostureState::ForwardHead),
        &[alert(1000.0)],
    );
    path
}

#[test]
fn header_and_chart_show_today_and_the_last_seven_days_from_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = database(dir.path());
    let (updates_tx, updates) = crossbeam_channel::bounded(64);
    let (controls, _control_rx) = crossbeam_channel::bounded(64);
    let settings = Settings {
        red_flags_acknowledged: true,
        ..Settings::default()
    };
    let mut app = App::new(updates, controls, settings).with_database(Some(db));
    app.tab = Tab::History;
    let mut harness = window_harness(app);
    // This (unsaved) session adds 2 s of forward head and an alert to what is stored.
    for (seq, t_ms) in [0.0, 1000.0, 2000.0].into_iter().enumerate() {
        updates_tx
            .send(frame_update(
                seq as u64,
                t_ms,
                PostureState::ForwardHead,
                20.0,
            ))
            .expect("the window takes updates");
    }
    updates_tx
        .send(plumbline::pipeline::Update::Posture(alert(1500.0)))
        .expect("the window takes updates");
    // Stored: 2 min forward head, 2 alerts, 6 min monitored (away is not monitored).
    let expected = "Today: forward head 2 min · 3 alerts · monitored 6 min 02 s";
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        harness.run();
        let ready = harness.state().history.days.is_some()
            && !harness.state().history.is_busy()
            && harness.state().today_text() == expected;
        if ready {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "header says {:?}, days {:?}",
            harness.state().today_text(),
            harness.state().history.days
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.get_by_label(expected);
    harness.get_by_label(&format!("Last {CHART_DAYS} days (local time)"));

    let days = harness
        .state()
        .history
        .days
        .clone()
        .expect("read")
        .expect("no error");
    let day = |days_ago: u32, monitored_s: u64, forward_head_s: u64, alerts: u32| DayTotals {
        day: local_noon(days_ago).1,
        monitored_s,
        forward_head_s,
        alerts,
    };
    // Oldest first, empty days as zero; the chart shows the stored days only.
    let want: Vec<DayTotals> = (0..CHART_DAYS)
        .rev()
        .map(|days_ago| match days_ago {
            0 => day(0, 360, 120, 2),
            2 => day(2, 600, 0, 0),
            _ => day(days_ago, 0, 0, 0),
        })
        .collect();
    assert_eq!(days, want);
}

#[test]
fn the_window_repaints_for_updates_and_rests_without_them() {
    // Two still images: two analyzed frames, the source ends, then nothing new for seconds.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.sqlite");
    let (stderr, _) = run_window(
        8,
        &[
            ("PLUMBLINE_DB", db.to_str().expect("UTF-8")),
            ("PLUMBLINE_LOG", "plumbline=info,warn"),
        ],
    );
    let line = stderr
        .lines()
        .find(|line| line.contains("window closed after"))
        .unwrap_or_else(|| panic!("no closing line in {stderr}"));
    let (_, counts) = line.split_once("window closed after").expect("found above");
    let numbers: Vec<f64> = counts
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|word| word.trim_matches('.').parse().ok())
        .collect();
    let [repaints, uploads, rest_s] = numbers[..] else {
        panic!("unexpected closing line {line}");
    };
    // Woken by the updates: the frame was drawn (its texture uploaded).
    assert!(uploads >= 1.0 && repaints >= 2.0, "{line}");
    // The source ends within the first seconds; the old idle timer then still repainted
    // twice a second (longest rest 0.5 s), now the window rests until the exit.
    assert!(rest_s >= 2.0, "{line}");
}
