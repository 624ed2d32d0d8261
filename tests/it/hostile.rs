//! Hostile and odd input through the real binary, every file made in the test: a phone photo
//! stored sideways with an EXIF orientation, pictures whose name lies about their format, a
//! zero-byte image among good ones, another program's SQLite file, a database someone holds
//! locked, files with a wide mode, and a database that can be read but not written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{path_str, plumbline, root, text};

use image::ImageEncoder as _;

/// A side-view photo of a man sitting upright (MIT, tests/data/NOTICE).
const SIDE_PHOTO: &str = "tests/data/side_sit_upright_01.jpg";

/// The JSON lines of `plumbline measure --json FILE`.
fn measure(file: &Path) -> Vec<serde_json::Value> {
    let output = plumbline(&["measure", "--json", path_str(file)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn cva(file: &Path) -> f64 {
    let lines = measure(file);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0]["cva_deg"]
        .as_f64()
        .unwrap_or_else(|| panic!("no CVA for {}: {lines:?}", file.display()))
}

/// A minimal EXIF block (little-endian TIFF, one IFD entry): Orientation = `value`.
fn exif_orientation(value: u16) -> Vec<u8> {
    let mut exif = b"II*\0".to_vec();
    exif.extend(8u32.to_le_bytes());
    exif.extend(1u16.to_le_bytes());
    exif.extend(0x0112u16.to_le_bytes());
    exif.extend(3u16.to_le_bytes());
    exif.extend(1u32.to_le_bytes());
    exif.extend(value.to_le_bytes());
    exif.extend([0, 0]);
    exif.extend(0u32.to_le_bytes());
    exif
}

fn write_jpeg(path: &Path, image: &image::RgbImage, exif: Option<Vec<u8>>) {
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).expect("EXIF accepted");
    }
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding");
    std::fs::write(path, bytes).expect("writing the photo");
}

fn side_photo() -> image::RgbImage {
    image::open(root().join(SIDE_PHOTO))
        .expect("test photo")
        .into_rgb8()
}

#[test]
fn a_rotated_phone_photo_measures_like_the_same_photo_stored_upright() {
    let dir = tempfile::tempdir().expect("temp dir");
    let upright = side_photo();
    let stored_upright = dir.path().join("upright.jpg");
    write_jpeg(&stored_upright, &upright, None);
    // As a phone held the other way stores it: pixels a quarter turn left, Orientation 6.
    let phone = dir.path().join("phone.jpg");
    write_jpeg(
        &phone,
        &image::imageops::rotate270(&upright),
        Some(exif_orientation(6)),
    );
    let (a, b) = (cva(&stored_upright), cva(&phone));
    assert!((a - b).abs() <= 2.0, "upright CVA {a}, rotated photo {b}");
}

#[test]
fn pictures_are_decoded_by_their_bytes_not_their_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = side_photo();
    let png = dir.path().join("photo.png");
    photo.save(&png).expect("png");
    let reference = cva(&png);
    for (format, name) in [
        (image::ImageFormat::WebP, "webp_named.jpg"),
        (image::ImageFormat::Png, "png_named.jpg"),
        (image::ImageFormat::WebP, "no_extension"),
    ] {
        let path = dir.path().join(name);
        photo.save_with_format(&path, format).expect("encoding");
        // Lossless: the same pixels, the same measure.
        let got = cva(&path);
        assert!(
            (got - reference).abs() < 0.01,
            "{name}: {got} vs {reference}"
        );
    }
}

/// A folder with two good photos and a zero-byte one between them.
fn folder_with_a_bad_member(dir: &Path) -> PathBuf {
    let folder = dir.join("photos");
    std::fs::create_dir(&folder).expect("folder");
    std::fs::copy(root().join(SIDE_PHOTO), folder.join("a.jpg")).expect("copy");
    std::fs::write(folder.join("b.jpg"), b"").expect("zero-byte image");
    std::fs::copy(
        root().join("tests/data/side_sit_upright_02.jpg"),
        folder.join("c.jpg"),
    )
    .expect("copy");
    folder
}

#[test]
fn a_zero_byte_image_is_skipped_with_a_warning_and_the_rest_measured() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = folder_with_a_bad_member(dir.path());
    let output = plumbline(&["measure", "--json", "--independent", path_str(&folder)]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(text(&output.stdout).lines().count(), 2, "{stderr}");
    assert_eq!(stderr.matches("b.jpg").count(), 1, "{stderr}");
    assert!(stderr.contains("skipped 1 of 3 images"), "{stderr}");
    assert!(
        !stderr.contains("\u{1b}["),
        "colour codes in a pipe: {stderr}"
    );

    let output = plumbline(&["pose", "--json", path_str(&folder)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 2);

    // The monitor over the folder (a 30 fps image sequence, every image analyzed): the bad
    // member named once, the good ones stored.
    let db = dir.path().join("s.sqlite");
    let output = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args([
            "monitor",
            "--headless",
            "--json",
            "--fast",
            "--rate",
            "30",
            "--source",
        ])
        .arg(&folder)
        .arg("--db")
        .arg(&db)
        .env_remove("PLUMBLINE_NO_RECORD")
        .output()
        .expect("the monitor runs");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr.matches("b.jpg").count(), 1, "{stderr}");
    assert!(stderr.contains("skipped 1 of 3 images"), "{stderr}");
    assert_eq!(session_count(&db), 1, "{stderr}");
    let frames: i64 = rusqlite::Connection::open(&db)
        .and_then(|conn| conn.query_row("SELECT SUM(frames) FROM samples", [], |row| row.get(0)))
        .expect("the samples");
    assert_eq!(frames, 2, "{stderr}");
}

fn session_count(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|conn| conn.query_row("SELECT COUNT(*) FROM sessions", [], |row| row.get(0)))
        .expect("the database")
}

#[test]
fn analyze_survives_a_bad_member_and_leaves_no_session_for_what_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = folder_with_a_bad_member(dir.path());
    let db = dir.path().join("s.sqlite");
    let report = dir.path().join("r.html");
    let output = plumbline(&[
        "analyze",
        path_str(&folder),
        "--db",
        path_str(&db),
        "--report",
        path_str(&report),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(session_count(&db), 1);

    // Nothing readable: an error, and no empty session left behind.
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).expect("folder");
    std::fs::write(broken.join("x.jpg"), b"").expect("zero-byte image");
    std::fs::write(broken.join("y.png"), b"not a png").expect("bad image");
    let output = plumbline(&[
        "analyze",
        path_str(&broken),
        "--db",
        path_str(&db),
        "--report",
        path_str(&report),
    ]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("none of the 2 images"), "{stderr}");
    assert_eq!(session_count(&db), 1, "{stderr}");
}

/// A short recording for the monitor.
fn clip(dir: &Path) -> PathBuf {
    crate::clips::recording(&dir.join("clip.mkv"), &[(crate::clips::UPRIGHT_STILL, 3)])
}

fn monitor_into(db: &Path, clip: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(["monitor", "--headless", "--json", "--fast", "--source"])
        .arg(clip)
        .arg("--db")
        .arg(db)
        .env_remove("PLUMBLINE_NO_RECORD")
        .output()
        .expect("the monitor runs")
}

#[test]
fn another_programs_sqlite_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let foreign = dir.path().join("contacts.sqlite");
    let conn = rusqlite::Connection::open(&foreign).expect("sqlite");
    conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');")
        .expect("a foreign database");
    drop(conn);
    let before = std::fs::read(&foreign).expect("bytes");
    let output = monitor_into(&foreign, &clip(dir.path()));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("belongs to another program"), "{stderr}");
    assert!(stderr.contains("contacts.sqlite"), "{stderr}");
    // Nothing was saved, and the monitor says so with its exit code.
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("samples were not saved"), "{stderr}");
    assert_eq!(std::fs::read(&foreign).expect("bytes"), before);
    assert!(!dir.path().join("contacts.sqlite-wal").exists());

    let output = plumbline(&["export", "--list", "--db", path_str(&foreign)]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("belongs to another program"));
    assert_eq!(std::fs::read(&foreign).expect("bytes"), before);
}

#[test]
fn a_database_locked_to_the_end_is_reported_once_and_the_loss_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("locked.sqlite");
    // A plumbline database, then another program holding it locked the whole time.
    let first = monitor_into(&db, &clip(dir.path()));
    assert!(first.status.success(), "{}", text(&first.stderr));
    let holder = rusqlite::Connection::open(&db).expect("sqlite");
    holder
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .expect("pragma");
    holder
        .execute_batch("BEGIN EXCLUSIVE; UPDATE sessions SET notes = 'held';")
        .expect("lock");
    let output = monitor_into(&db, &clip(dir.path()));
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("locked by another program").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("samples were not saved"), "{stderr}");
    assert!(stderr.contains("locked.sqlite"), "{stderr}");
    holder.execute_batch("ROLLBACK").expect("unlock");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn health_data_files_are_private_even_when_they_existed_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("old.sqlite");
    // An empty file someone made with the usual umask, and exports that existed before.
    std::fs::write(&db, b"").expect("empty database file");
    set_mode(&db, 0o644);
    let first = monitor_into(&db, &clip(dir.path()));
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(mode(&db), 0o600);
    set_mode(&db, 0o644);
    let csv = dir.path().join("out.csv");
    std::fs::write(&csv, b"old").expect("old export");
    set_mode(&csv, 0o644);
    let output = plumbline(&[
        "export",
        "--session",
        "1",
        "--db",
        path_str(&db),
        "--out",
        path_str(&csv),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(mode(&db), 0o600, "the database");
    assert_eq!(mode(&csv), 0o600, "the export");
    assert!(
        std::fs::read_to_string(&csv)
            .expect("csv")
            .starts_with("t_s,")
    );
    let json = dir.path().join("out.json");
    std::fs::write(&json, b"old").expect("old export");
    set_mode(&json, 0o644);
    let output = plumbline(&[
        "export",
        "--session",
        "1",
        "--format",
        "json",
        "--db",
        path_str(&db),
        "--out",
        path_str(&json),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(mode(&json), 0o600, "the JSON export");
    assert!(
        std::fs::read_to_string(&json)
            .expect("json")
            .contains("\"samples\"")
    );

    // A report written over an old one with a wide mode.
    let report = dir.path().join("report.html");
    std::fs::write(&report, b"old").expect("old report");
    set_mode(&report, 0o644);
    let output = plumbline(&[
        "analyze",
        SIDE_PHOTO,
        "--db",
        path_str(&db),
        "--report",
        path_str(&report),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(mode(&report), 0o600, "the report");
    assert_eq!(mode(&db), 0o600, "the database after analyze");
    assert!(
        std::fs::read_to_string(&report)
            .expect("html")
            .contains("<html")
    );
}

/// Runs `plumbline ARGS` unable to write `db` or its folder: as another user when the tests
/// run as root (root may write anything), else with the write bits taken away.
#[cfg(unix)]
fn without_write_access(dir: &Path, db: &Path, args: &[&str]) -> Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| text(&out.stdout).trim() == "0");
    let mut command = if root {
        // nobody may read the file (0644) and enter the folder (0755), but write neither.
        set_mode(dir, 0o755);
        set_mode(db, 0o644);
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_plumbline"));
        command
    } else {
        set_mode(db, 0o444);
        set_mode(dir, 0o555);
        Command::new(env!("CARGO_BIN_EXE_plumbline"))
    };
    let output = command
        .args(args)
        .env("HOME", dir)
        .output()
        .expect("plumbline runs");
    set_mode(dir, 0o700);
    output
}

#[cfg(unix)]
#[test]
fn export_reads_a_database_it_cannot_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("shared");
    std::fs::create_dir(&folder).expect("folder");
    let db = folder.join("s.sqlite");
    let made = monitor_into(&db, &clip(dir.path()));
    assert!(made.status.success(), "{}", text(&made.stderr));
    set_mode(dir.path(), 0o755);
    let before = std::fs::read(&db).expect("bytes");
    let output = without_write_access(&folder, &db, &["export", "--list", "--db", path_str(&db)]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.starts_with("id\tkind"), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let output = without_write_access(
        &folder,
        &db,
        &["export", "--session", "1", "--db", path_str(&db)],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("t_s,"));
    assert_eq!(
        std::fs::read(&db).expect("bytes"),
        before,
        "read-only means unchanged"
    );
}

/// A front webcam photo (MIT, tests/data/NOTICE).
const FRONT_PHOTO: &str = "tests/data/front_webcam_01.jpg";

#[test]
fn a_head_cut_off_by_the_frame_gives_no_head_measures_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = image::open(root().join(FRONT_PHOTO))
        .expect("test photo")
        .into_rgb8();
    let path = dir.path().join("whole.png");
    whole.save(&path).expect("png");
    let lines = measure(&path);
    let line = &lines[0];
    assert_eq!(line["view"], "front", "{line}");
    assert!(line["head_tilt_deg"].is_number(), "{line}");
    assert_eq!(line["missing"]["cva_deg"], "wrong_view", "{line}");
    assert!(line["missing"].get("head_tilt_deg").is_none(), "{line}");

    // As a laptop lid tilted down sees it: everything above the chin cut off (the crop starts
    // at the mouth, halfway from the nose to the shoulder line).
    let output = plumbline(&["pose", "--json", path_str(&path)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let pose: serde_json::Value =
        serde_json::from_str(text(&output.stdout).lines().next().expect("a line")).expect("json");
    let y = |i: usize| pose["landmarks"][i][1].as_f64().expect("y");
    let chin = y(0) + (y(11).min(y(12)) - y(0)) * 0.5;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "pixels"
    )]
    let top = chin as u32;
    let cut =
        image::imageops::crop_imm(&whole, 0, top, whole.width(), whole.height() - top).to_image();
    let cut_path = dir.path().join("cut.png");
    cut.save(&cut_path).expect("png");
    let lines = measure(&cut_path);
    let line = &lines[0];
    assert!(
        line["head_tilt_deg"].is_null(),
        "invented head tilt: {line}"
    );
    let reason = line["missing"]["head_tilt_deg"]
        .as_str()
        .unwrap_or_default();
    assert!(
        ["not_in_frame", "wrong_view"].contains(&reason),
        "head tilt missing for {reason:?}: {line}"
    );
    // Every null metric says why; no reason for a metric that has a value.
    for (key, value) in line.as_object().expect("object") {
        // The metrics (the registry's keys), not the judge's figures about them.
        if plumbline::posture::Metric::from_key(key).is_some() {
            assert_eq!(
                value.is_null(),
                line["missing"].get(key).is_some(),
                "{key}: {line}"
            );
        }
    }
}

#[test]
fn a_picture_of_nobody_says_so_for_every_measure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("wall.png");
    image::RgbImage::from_pixel(320, 240, image::Rgb([180, 170, 160]))
        .save(&empty)
        .expect("png");
    let lines = measure(&empty);
    let missing = lines[0]["missing"].as_object().expect("a missing map");
    assert_eq!(missing.len(), 8, "{missing:?}");
    assert!(missing.values().all(|r| r == "no_person"), "{missing:?}");
}
