//! The store on real database files: round trip through the writer thread, migration of a v1
//! database, a writer killed with SIGKILL, a locked and a damaged file, and the file mode.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plumbline::posture::{Metrics, PostureEvent, PostureSample, PostureState, View};
use plumbline::store::aggregate::aggregate_all;
use plumbline::store::schema::{CURRENT_VERSION, V1};
use plumbline::store::{NewSession, SessionKind, Store, StoreError, StoreWriter};

fn sample(seq: u64, t_ms: f64) -> PostureSample {
    PostureSample {
        seq,
        t_ms,
        view: View::SideRight,
        metrics: Metrics {
            cva_deg: Some(48.0 + (t_ms / 1000.0).sin() * 3.0),
            hip_angle_deg: Some(100.0),
            ..Metrics::default()
        },
        forward_head: Some(false),
        rula_neck: Some(1),
        rula_trunk: Some(2),
        state: PostureState::Upright,
        confidence: 0.85,
        ..PostureSample::default()
    }
}

#[test]
fn round_trip_through_writer_on_a_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("round.sqlite");
    let mut store = Store::open(&path)?;
    let id = store.start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))?;
    let writer = StoreWriter::spawn(store, id)?;
    let samples: Vec<PostureSample> = (0..450).map(|i| sample(i, i as f64 * 66.7)).collect();
    for sample in &samples {
        writer.send_sample(sample)?;
    }
    let event = PostureEvent::State {
        t_ms: 500.0,
        from: PostureState::Upright,
        state: PostureState::AtRisk,
    };
    writer.send_event(&event)?;
    let (store, report) = writer.finish()?;
    assert_eq!(report.samples, 450);
    drop(store);

    let store = Store::open(&path)?;
    assert_eq!(store.samples(id)?, aggregate_all(&samples));
    assert_eq!(store.events(id)?[0].event, event);
    let info = store.session(id)?;
    assert_eq!(info.view, Some(View::SideRight));
    assert_eq!(info.seconds, 30);
    assert_eq!(store.integrity_check()?, "ok");
    Ok(())
}

#[test]
fn v1_database_made_here_opens_and_upgrades() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch(V1)?;
        conn.pragma_update(None, "user_version", 1)?;
        conn.execute(
            "INSERT INTO sessions (kind, started_at, source) VALUES ('monitor', '2025-01-01T00:00:00Z', 'camera:0')",
            [],
        )?;
    }
    let mut store = Store::open(&path)?;
    assert_eq!(store.schema_version()?, CURRENT_VERSION);
    let old = store.sessions(None)?;
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].notes, None);
    assert_eq!(old[0].started_at, "2025-01-01T00:00:00Z");
    let mut new = NewSession::new(SessionKind::Analysis, "clip.mp4", None);
    new.notes = Some("after upgrade".into());
    let id = store.start_session(&new)?;
    assert_eq!(store.session(id)?.notes.as_deref(), Some("after upgrade"));
    Ok(())
}

/// Environment variable that turns this test binary into the writer child of the crash test.
const CRASH_CHILD_DB: &str = "PLUMBLINE_CRASH_CHILD_DB";

/// Child side: writes 30 samples a second in real time and reports each one sent on stdout.
fn crash_child(db: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut store = Store::open(db)?;
    let id = store.start_session(&NewSession::new(SessionKind::Monitor, "crash-test", None))?;
    let writer = StoreWriter::spawn(store, id)?;
    let start = Instant::now();
    let mut stdout = std::io::stdout().lock();
    for seq in 0_u32.. {
        let t_ms = f64::from(seq) * (1000.0 / 30.0);
        let due = Duration::from_secs_f64(t_ms / 1000.0);
        std::thread::sleep(due.saturating_sub(start.elapsed()));
        writer.send_sample(&sample(u64::from(seq), t_ms))?;
        writeln!(stdout, "sent {}", seq + 1)?;
        stdout.flush()?;
    }
    Ok(())
}

#[test]
fn killed_writer_loses_at_most_about_a_second() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(db) = std::env::var_os(CRASH_CHILD_DB) {
        return crash_child(Path::new(&db));
    }
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("crash.sqlite");
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "store::killed_writer_loses_at_most_about_a_second",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD_DB, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("child stdout")?;
    let mut sent = 0_u64;
    for line in BufReader::new(stdout).lines() {
        if let Some(count) = line?.strip_prefix("sent ") {
            sent = count.parse()?;
            // About 3.3 s of samples: several commits have happened, one second is still open.
            if sent >= 100 {
                break;
            }
        }
    }
    child.kill()?; // SIGKILL on Unix: no destructor, no final commit.
    child.wait()?;
    assert!(sent >= 100, "the child stopped early after {sent} samples");

    let store = Store::open(&db)?;
    assert_eq!(store.integrity_check()?, "ok");
    let session = store
        .sessions(None)?
        .pop()
        .ok_or("the session was stored")?;
    assert_eq!(session.ended_at, None, "the killed process never ended it");
    let stored: u64 = store
        .samples(session.id)?
        .iter()
        .map(|row| u64::from(row.frames))
        .sum();
    // At most about a second (30 samples) plus scheduling slack may be lost.
    assert!(stored <= sent + 1, "stored {stored} > sent {sent}");
    assert!(
        stored + 40 >= sent,
        "only {stored} of {sent} samples survived the kill"
    );
    Ok(())
}

#[test]
fn locked_database_is_a_clear_error() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("locked.sqlite");
    let mut store = Store::open(&path)?;
    let id = store.start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))?;
    drop(store);

    let holder = rusqlite::Connection::open(&path)?;
    holder.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    holder.execute_batch(
        "BEGIN EXCLUSIVE; INSERT INTO subjects (code, created_at) VALUES ('x', 'now');",
    )?;
    let started = Instant::now();
    let err = Store::open_with_timeout(&path, Duration::from_millis(300)).expect_err("locked");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "it waited for the busy timeout"
    );
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("locked by another program"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    holder.execute_batch("ROLLBACK")?;
    drop(holder);

    // A writer that finds the database busy gets the same error after its timeout.
    let mut store = Store::open_with_timeout(&path, Duration::from_millis(200))?;
    let holder = rusqlite::Connection::open(&path)?;
    holder.execute_batch("BEGIN IMMEDIATE")?;
    let rows = aggregate_all(&[sample(0, 0.0)]);
    let err = store.write_batch(id, &rows, &[]).expect_err("busy");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    holder.execute_batch("ROLLBACK")?;
    store.write_batch(id, &rows, &[])?;
    Ok(())
}

#[test]
fn damaged_file_is_refused_and_left_unchanged() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("garbage.sqlite");
    let garbage: Vec<u8> = (0..8192_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage)?;
    let err = Store::open(&path).expect_err("not a database");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("damaged"), "{message}");
    assert!(message.contains("was not modified"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(std::fs::read(&path)?, garbage);
    assert!(!dir.path().join("garbage.sqlite-wal").exists());

    // A real header over damaged pages is refused too.
    let damaged = dir.path().join("damaged.sqlite");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(&garbage[16..]);
    std::fs::write(&damaged, &bytes)?;
    let err = Store::open(&damaged).expect_err("damaged");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert_eq!(std::fs::read(&damaged)?, bytes);
    Ok(())
}

#[cfg(unix)]
#[test]
fn new_database_and_wal_are_private() -> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("data/private.sqlite");
    let mut store = Store::open(&path)?;
    store.start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))?;
    let mode = |p: &Path| -> std::io::Result<u32> {
        Ok(std::fs::metadata(p)?.permissions().mode() & 0o777)
    };
    assert_eq!(mode(&path)?, 0o600);
    assert_eq!(mode(&dir.path().join("data/private.sqlite-wal"))?, 0o600);
    assert_eq!(mode(&dir.path().join("data"))?, 0o700);
    Ok(())
}

#[test]
fn writer_that_cannot_commit_keeps_samples_then_says_how_many_are_unsaved()
-> Result<(), Box<dyn std::error::Error>> {
    use plumbline::store::writer::{Commit, WriteMsg, WriterState};
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("busy.sqlite");
    let mut store = Store::open_with_timeout(&path, Duration::from_millis(100))?;
    let id = store.start_session(&NewSession::new(SessionKind::Monitor, "camera:0", None))?;
    let holder = rusqlite::Connection::open(&path)?;
    holder.execute_batch("BEGIN IMMEDIATE")?;
    let mut state = WriterState::new(id);
    for seq in 0..25 {
        state.push(WriteMsg::Sample(Box::new(sample(seq, seq as f64 * 100.0))));
    }
    // A lock held on and on: reported on the first failure only, the buffer kept.
    let firsts: Vec<bool> = (0..10)
        .map(|_| match state.commit(&mut store) {
            Commit::Kept { error, first } => {
                assert!(matches!(error, StoreError::Locked { .. }), "{error:?}");
                first
            }
            Commit::Saved => panic!("saved through a lock"),
        })
        .collect();
    assert_eq!(
        firsts,
        [
            true, false, false, false, false, false, false, false, false, false
        ]
    );
    assert_eq!(state.unsaved(), 25);
    // Still locked at the end: the loss is counted and named.
    let err = state
        .finish_with_retries(&mut store, 1, Duration::from_millis(10))
        .expect_err("locked to the end");
    assert!(
        matches!(err, StoreError::WriterStopped { unsaved: 25, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("25 samples not saved"), "{message}");
    assert!(message.contains("busy.sqlite"), "{message}");
    holder.execute_batch("ROLLBACK")?;
    // Once the lock is gone the kept buffer is written in full.
    state.finish(&mut store)?;
    let frames: u32 = store.samples(id)?.iter().map(|row| row.frames).sum();
    assert_eq!(frames, 25);
    Ok(())
}
