//! The database schema and its migrations, versioned with SQLite's `user_version`.
//!
//! Each migration moves the schema up by exactly one version inside one transaction, so a
//! database is always at a version listed here. Version 1 was the first layout; version 2 added
//! the `notes` column to `sessions`; version 3 turned `baselines` into `holds` (baselines and
//! follow-ups, told apart by `kind`) and added `sessions.source_kind`; version 4 added each
//! second's CVA ± and call; version 5 added `sessions.judged_with`; version 6 added
//! `holds.photo_cva_sd_deg`. A new version appends a step to `MIGRATIONS`; steps are
//! never edited once released, because databases in the field were made by them.
//!
//! A plumbline database carries [`APPLICATION_ID`] in its header (`PRAGMA application_id`).
//! [`ownership`] tells ours from another program's SQLite file before anything is written;
//! databases made before the id existed (versions 1 and 2 without it) are recognised by their
//! tables and stamped when opened for writing.

use rusqlite::Connection;

/// `PRAGMA application_id` of a plumbline database: the bytes `PLMB`.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"PLMB");

/// The tables of every plumbline schema version so far.
const OUR_TABLES: [&str; 5] = ["subjects", "sessions", "samples", "events", "baselines"];

/// Whose SQLite file this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Stamped with [`APPLICATION_ID`].
    Ours,
    /// Made by plumbline before the stamp existed: our tables only, a known version.
    OursUnstamped,
    /// No tables and no application id: a new (or empty) file.
    Empty,
    /// Another program's database.
    Foreign,
}

/// Reads the header and the table names, changing nothing.
pub fn ownership(conn: &Connection) -> rusqlite::Result<Ownership> {
    let id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if id == APPLICATION_ID {
        return Ok(Ownership::Ours);
    }
    if id != 0 {
        return Ok(Ownership::Foreign);
    }
    let mut statement = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let tables = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if tables.is_empty() {
        return Ok(if version(conn)? == 0 {
            Ownership::Empty
        } else {
            Ownership::Foreign
        });
    }
    let only_ours = tables.iter().all(|t| OUR_TABLES.contains(&t.as_str()))
        && OUR_TABLES
            .iter()
            .all(|t| tables.iter().any(|have| have == t));
    let known_version = (1..=CURRENT_VERSION).contains(&version(conn)?);
    Ok(if only_ours && known_version {
        Ownership::OursUnstamped
    } else {
        Ownership::Foreign
    })
}

/// Schema version 1: subjects, sessions (without notes), per-second samples, events, baselines.
pub const V1: &str = "
CREATE TABLE subjects (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    label       TEXT,
    created_at  TEXT NOT NULL
);
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER REFERENCES subjects(id),
    kind        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    source      TEXT NOT NULL,
    model       TEXT,
    view        TEXT
);
CREATE TABLE samples (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_s         INTEGER NOT NULL,
    frames      INTEGER NOT NULL,
    view        TEXT NOT NULL,
    state       TEXT NOT NULL,
    forward_head_fraction REAL,
    rula_neck   INTEGER,
    rula_trunk  INTEGER,
    confidence_mean REAL NOT NULL,
    cva_deg_mean REAL, cva_deg_min REAL, cva_deg_max REAL, cva_deg_valid REAL NOT NULL,
    neck_flexion_deg_mean REAL, neck_flexion_deg_min REAL, neck_flexion_deg_max REAL,
        neck_flexion_deg_valid REAL NOT NULL,
    trunk_inclination_deg_mean REAL, trunk_inclination_deg_min REAL,
        trunk_inclination_deg_max REAL, trunk_inclination_deg_valid REAL NOT NULL,
    hip_angle_deg_mean REAL, hip_angle_deg_min REAL, hip_angle_deg_max REAL,
        hip_angle_deg_valid REAL NOT NULL,
    shoulder_tilt_deg_mean REAL, shoulder_tilt_deg_min REAL, shoulder_tilt_deg_max REAL,
        shoulder_tilt_deg_valid REAL NOT NULL,
    pelvic_obliquity_deg_mean REAL, pelvic_obliquity_deg_min REAL,
        pelvic_obliquity_deg_max REAL, pelvic_obliquity_deg_valid REAL NOT NULL,
    head_tilt_deg_mean REAL, head_tilt_deg_min REAL, head_tilt_deg_max REAL,
        head_tilt_deg_valid REAL NOT NULL,
    forward_head_index_mean REAL, forward_head_index_min REAL, forward_head_index_max REAL,
        forward_head_index_valid REAL NOT NULL,
    PRIMARY KEY (session_id, t_s)
) WITHOUT ROWID;
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_ms        REAL NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX events_by_session ON events(session_id, t_ms);
CREATE TABLE baselines (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    session_id  INTEGER REFERENCES sessions(id),
    metric      TEXT NOT NULL,
    view        TEXT NOT NULL,
    mean        REAL NOT NULL,
    sd          REAL NOT NULL,
    n           INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX baselines_by_subject ON baselines(subject_id, recorded_at);
";

/// Version 1 → 2: free-text notes on a session (the therapist's remarks).
const V1_TO_V2: &str = "ALTER TABLE sessions ADD COLUMN notes TEXT;";

/// Version 2 → 3: one table of standard holds, baselines and follow-ups alike, told apart by
/// `kind` (`baseline`, `follow_up`); every stored baseline moves into it unchanged (same id,
/// kind `baseline`). And what kind of source a session was recorded from (`camera`, `video`,
/// `stills`; empty for older sessions).
const V2_TO_V3: &str = "
CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    session_id  INTEGER REFERENCES sessions(id),
    kind        TEXT NOT NULL,
    metric      TEXT NOT NULL,
    view        TEXT NOT NULL,
    mean        REAL NOT NULL,
    sd          REAL NOT NULL,
    n           INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
INSERT INTO holds (id, subject_id, session_id, kind, metric, view, mean, sd, n, recorded_at)
    SELECT id, subject_id, session_id, 'baseline', metric, view, mean, sd, n, recorded_at
    FROM baselines;
DROP TABLE baselines;
CREATE INDEX holds_by_subject ON holds(subject_id, recorded_at);
ALTER TABLE sessions ADD COLUMN source_kind TEXT;
";

/// Version 4: each stored second carries the CVA's ± (mean over the second) and the most
/// frequent forward-head call; older seconds keep NULL there. Appended columns, so the sample
/// columns' order (and the CSV header) only grows at the end.
const V3_TO_V4: &str = "
ALTER TABLE samples ADD COLUMN cva_sd_deg REAL;
ALTER TABLE samples ADD COLUMN call TEXT;
";

/// Version 5: the judge's settings each session was judged with (`sessions.judged_with`: the
/// whole `PostureConfig` as JSON, written when the session starts), so a report says by which
/// rule it judged; older sessions keep NULL there ("settings not recorded").
const V4_TO_V5: &str = "ALTER TABLE sessions ADD COLUMN judged_with TEXT;";

/// Version 6: a hold made from photos keeps the CVA ± of its least sure photo
/// (`holds.photo_cva_sd_deg`, on each row of the hold, as `Baseline::photo_cva_sd_deg`), so a
/// photo baseline read back is the one stored, as the file `plumbline baseline --out` writes
/// it (its forward line depends on that ±); NULL for holds from video or a camera and for
/// older holds.
const V5_TO_V6: &str = "ALTER TABLE holds ADD COLUMN photo_cva_sd_deg REAL;";

/// The migration steps; step `i` moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6];

/// The schema version this build writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// What [`migrate`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// The version found when opening.
    pub from: u32,
    /// The version after migrating (always [`CURRENT_VERSION`]).
    pub to: u32,
}

/// Reads the schema version (`PRAGMA user_version`).
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the database up to [`CURRENT_VERSION`], one transaction per step.
///
/// Returns `Err(found)` when the database is newer than this build knows.
pub fn migrate(conn: &mut Connection) -> Result<Result<Migrated, u32>, rusqlite::Error> {
    let from = version(conn)?;
    if from > CURRENT_VERSION {
        return Ok(Err(from));
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step as u32 + 1)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
    }
    let id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if id != APPLICATION_ID {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    Ok(Ok(Migrated {
        from,
        to: CURRENT_VERSION,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An in-memory database as plumbline's schema `version` left it: its migration steps and
    /// version, without the ownership stamp (which older versions did not write).
    fn at_version(version: u32) -> rusqlite::Result<Connection> {
        let conn = Connection::open_in_memory()?;
        for step in &MIGRATIONS[..version as usize] {
            conn.execute_batch(step)?;
        }
        conn.pragma_update(None, "user_version", version)?;
        Ok(conn)
    }

    #[test]
    fn fresh_database_reaches_current_version() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(migrated, Migrated { from: 0, to: 6 });
        assert_eq!(version(&conn)?, CURRENT_VERSION);
        // The v2 column exists.
        conn.execute(
            "INSERT INTO sessions (kind, started_at, source, notes) VALUES ('x', 't', 's', 'n')",
            [],
        )?;
        Ok(())
    }

    #[test]
    fn v1_database_gains_notes_column() -> rusqlite::Result<()> {
        let mut conn = at_version(1)?;
        conn.execute(
            "INSERT INTO sessions (kind, started_at, source) VALUES ('monitor', 't', 'camera:0')",
            [],
        )?;
        assert!(conn.prepare("SELECT notes FROM sessions").is_err());
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(migrated.from, 1);
        let notes: Option<String> =
            conn.query_row("SELECT notes FROM sessions", [], |row| row.get(0))?;
        assert_eq!(notes, None);
        Ok(())
    }

    #[test]
    fn v3_seconds_keep_their_values_and_get_no_call() -> rusqlite::Result<()> {
        let mut conn = at_version(3)?;
        conn.execute_batch(
            "INSERT INTO sessions (kind, started_at, source) VALUES ('monitor', 't', 'camera:0');
             INSERT INTO samples (session_id, t_s, frames, view, state, confidence_mean,
                 cva_deg_mean, cva_deg_valid, neck_flexion_deg_valid,
                 trunk_inclination_deg_valid, hip_angle_deg_valid, shoulder_tilt_deg_valid,
                 pelvic_obliquity_deg_valid, head_tilt_deg_valid, forward_head_index_valid)
                 VALUES (1, 7, 10, 'side-left', 'upright', 0.9, 47.5, 1, 0, 0, 0, 0, 0, 0, 0);",
        )?;
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(migrated.from, 3);
        let kept: (f64, Option<f64>, Option<String>) = conn.query_row(
            "SELECT cva_deg_mean, cva_sd_deg, call FROM samples WHERE t_s = 7",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        assert_eq!(kept, (47.5, None, None));
        Ok(())
    }

    #[test]
    fn v4_sessions_keep_their_fields_and_have_no_settings() -> rusqlite::Result<()> {
        let mut conn = at_version(4)?;
        conn.execute(
            "INSERT INTO sessions (kind, started_at, source, source_kind) \
             VALUES ('analysis', 't', 'clip.mp4', 'video')",
            [],
        )?;
        assert!(conn.prepare("SELECT judged_with FROM sessions").is_err());
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(migrated.from, 4);
        let kept: (String, Option<String>, Option<String>) = conn.query_row(
            "SELECT source, source_kind, judged_with FROM sessions",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        assert_eq!(kept, ("clip.mp4".into(), Some("video".into()), None));
        Ok(())
    }

    #[test]
    fn v5_holds_keep_their_values_and_read_as_sure_as_a_video() -> rusqlite::Result<()> {
        let mut conn = at_version(5)?;
        conn.execute_batch(
            "INSERT INTO subjects (code, created_at) VALUES ('P1', 't');
             INSERT INTO holds (subject_id, kind, metric, view, mean, sd, n, recorded_at)
                 VALUES (1, 'baseline', 'cva_deg', 'side-left', 50.2, 0.0, 1, 't');",
        )?;
        assert!(conn.prepare("SELECT photo_cva_sd_deg FROM holds").is_err());
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(migrated.from, 5);
        let kept: (f64, i64, Option<f64>) =
            conn.query_row("SELECT mean, n, photo_cva_sd_deg FROM holds", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        assert_eq!(kept, (50.2, 1, None));
        Ok(())
    }

    #[test]
    fn v2_database_keeps_its_baselines_as_holds() -> rusqlite::Result<()> {
        let mut conn = at_version(2)?;
        conn.execute_batch(
            "INSERT INTO subjects (code, created_at) VALUES ('P1', 't');
             INSERT INTO sessions (subject_id, kind, started_at, source, notes)
                 VALUES (1, 'baseline', 't', 'upright.mp4', 'first visit');
             INSERT INTO baselines (subject_id, session_id, metric, view, mean, sd, n, recorded_at)
                 VALUES (1, 1, 'cva_deg', 'side-left', 48.5, 1.5, 300, 't');",
        )?;
        let migrated = migrate(&mut conn)?.expect("not newer");
        assert_eq!(
            migrated,
            Migrated {
                from: 2,
                to: CURRENT_VERSION
            }
        );
        let kept: (i64, String, String, f64, Option<String>, Option<String>) = conn.query_row(
            "SELECT h.id, h.kind, h.metric, h.mean, s.notes, s.source_kind FROM holds h \
             JOIN sessions s ON s.id = h.session_id",
            [],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )?;
        assert_eq!(
            kept,
            (
                1,
                "baseline".into(),
                "cva_deg".into(),
                48.5,
                Some("first visit".into()),
                None
            )
        );
        assert!(
            conn.prepare("SELECT * FROM baselines").is_err(),
            "folded into holds"
        );
        Ok(())
    }

    #[test]
    fn ownership_tells_ours_from_foreign_and_stamps_old_ones() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        assert_eq!(ownership(&conn)?, Ownership::Empty);
        migrate(&mut conn)?.expect("not newer");
        assert_eq!(ownership(&conn)?, Ownership::Ours);
        // A database of today's version 2 without the stamp.
        let mut old = at_version(2)?;
        assert_eq!(ownership(&old)?, Ownership::OursUnstamped);
        migrate(&mut old)?.expect("not newer");
        assert_eq!(ownership(&old)?, Ownership::Ours);
        // Another program's files.
        let foreign = Connection::open_in_memory()?;
        foreign.execute_batch("CREATE TABLE contacts (name TEXT);")?;
        assert_eq!(ownership(&foreign)?, Ownership::Foreign);
        let lookalike = at_version(1)?;
        lookalike.execute_batch("CREATE TABLE contacts (name TEXT);")?;
        assert_eq!(ownership(&lookalike)?, Ownership::Foreign);
        let stamped = Connection::open_in_memory()?;
        stamped.pragma_update(None, "application_id", 0x1234)?;
        assert_eq!(ownership(&stamped)?, Ownership::Foreign);
        let versioned = Connection::open_in_memory()?;
        versioned.pragma_update(None, "user_version", 7)?;
        assert_eq!(ownership(&versioned)?, Ownership::Foreign);
        Ok(())
    }

    #[test]
    fn newer_database_is_refused() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)?;
        assert_eq!(migrate(&mut conn)?, Err(CURRENT_VERSION + 1));
        Ok(())
    }
}
