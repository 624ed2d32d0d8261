//! The calibration-first judge on real frames: `plumbline baseline --out` and `measure
//! --baseline` on one man's photos, a video judged against the person's own upright seconds,
//! calibrations over a slump refused with the reason, and the crowded street clip refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plumbline::capture::{self, Pacing, SourceSpec};
use plumbline::models;
use plumbline::pose::segmentation::PersonMask;
use plumbline::pose::{Mode, PoseConfig, PoseEngine, Skeleton};
use plumbline::posture::{
    Baseline, BaselineBuilder, BaselineRefused, BaselineRules, BaselineStatus, Call, JudgeInput,
    PostureConfig, PostureEvent, PostureJudge, PostureSample,
};

use plumbline::posture::baseline::BaselineFile;

use crate::shared_media;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn plumbline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .output()
        .expect("the plumbline binary runs")
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("UTF-8 paths")
}

/// `plumbline baseline --source CLIP --start START --seconds 3 --out OUT`.
fn hold_of_3_s(clip: &Path, start: &str, out: &Path) -> Output {
    plumbline(&[
        "baseline",
        "--source",
        utf8(clip),
        "--start",
        start,
        "--seconds",
        "3",
        "--out",
        utf8(out),
    ])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `measure --json --baseline FILE` on `images` (a folder of independent photos): the calls.
fn calls_against(
    baseline: &Path,
    images: &[PathBuf],
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    for (i, image) in images.iter().enumerate() {
        std::fs::copy(image, dir.path().join(format!("{i:02}.jpg")))?;
    }
    let out = plumbline(&[
        "measure",
        utf8(dir.path()),
        "--independent",
        "--json",
        "--baseline",
        utf8(baseline),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout)?;
    let mut calls = Vec::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line)?;
        assert_eq!(value["baseline"], "calibrated", "{line}");
        assert!(value["cva_sd_deg"].as_f64().is_some(), "{line}");
        // The limit the frame was held to agrees with its call.
        let call = value["call"].as_str().unwrap_or("null").to_owned();
        // (Both are rounded to 0.01°: a CVA that close to its limit is not checked.)
        if let (Some(cva), Some(limit)) = (
            value["cva_deg"].as_f64(),
            value["cva_forward_limit_deg"].as_f64(),
        ) && (cva - limit).abs() > 0.011
        {
            assert_eq!(call == "forward", cva < limit, "{line}");
        }
        calls.push(call);
    }
    assert_eq!(calls.len(), images.len(), "{text}");
    Ok(calls)
}

#[test]
fn a_baseline_file_from_one_upright_photo_flags_the_same_mans_forward_photos() -> TestResult {
    let media = shared_media()?;
    let dir = tempfile::tempdir()?;
    for (upright, forward) in [
        (
            "side_sit_upright_01.jpg",
            &[
                "side_sit_forward_01.jpg",
                "side_sit_forward_02.jpg",
                "side_sit_forward_03.jpg",
                "side_sit_forward_04.jpg",
            ][..],
        ),
        ("side_sit_upright_06.jpg", &["side_sit_forward_05.jpg"][..]),
    ] {
        let file = dir.path().join(format!("{upright}.json"));
        let out = plumbline(&[
            "baseline",
            "--source",
            utf8(&media.join(upright)),
            "--out",
            utf8(&file),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        // n and the one-photo caveat are said; one frame shows no spread (no "± 0.0°").
        let said = stderr(&out);
        assert!(
            said.contains("(n = 1: one frame, no spread), from one photo"),
            "{said}"
        );
        assert!(!said.contains("± 0.0"), "{said}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.contains("carries the whole error of one frame"),
            "{table}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file)?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "a baseline is health data");
        }
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
        assert_eq!(json["format"], "plumbline-baseline");
        assert_eq!(json["version"], 1);
        assert_eq!(json["photos"], true);
        assert_eq!(json["metrics"]["cva_deg"]["n"], 1);
        // The same photo as a subject's baseline in the database keeps the same ± as the
        // file (the forward line of docs/GEOMETRY.md §6 depends on it).
        let db = dir.path().join(format!("{upright}.sqlite"));
        let out = plumbline(&[
            "baseline",
            "--subject",
            "P1",
            "--source",
            utf8(&media.join(upright)),
            "--db",
            utf8(&db),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let stored = plumbline::store::Store::open(&db)?
            .latest_baseline("P1")?
            .ok_or("stored")?;
        let file_sd = json["photo_cva_sd_deg"].as_f64().ok_or("a photo ±")?;
        let stored_sd = stored.baseline.photo_cva_sd_deg.ok_or("a stored photo ±")?;
        assert!((stored_sd - file_sd).abs() < 1e-9, "{stored_sd} {file_sd}");
        let images: Vec<PathBuf> = forward.iter().map(|f| media.join(f)).collect();
        let calls = calls_against(&file, &images)?;
        assert!(calls.iter().all(|c| c == "forward"), "{upright}: {calls:?}");
        // The upright photo itself is upright against its own baseline (no baseline: it lies
        // between the bands and would be uncertain).
        let calls = calls_against(&file, &[media.join(upright)])?;
        assert_eq!(calls, ["upright"], "{upright}");
    }
    // A file that is not a baseline is refused with the reason, nothing judged.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format":"plumbline-baseline","version":7,"view":"front","metrics":{}}"#,
    )?;
    let out = plumbline(&[
        "measure",
        utf8(&media.join("side_sit_forward_05.jpg")),
        "--baseline",
        utf8(&bad),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("version 7"), "{}", stderr(&out));
    Ok(())
}

/// One analyzed frame kept for replaying through several judges.
struct Kept {
    seq: u64,
    t_ms: f64,
    size: (u32, u32),
    people: usize,
    skeleton: Option<Skeleton>,
    mask: Option<PersonMask>,
}

/// Every `every`-th frame of `path` through the live engine (video mode, a fresh person
/// mask on every frame).
fn analyze_clip(path: &Path, every: u64) -> Result<Vec<Kept>, Box<dyn std::error::Error>> {
    analyze_clip_with(path, every, 0.0)
}

/// [`analyze_clip`] with a fresh mask at most every `mask_every_ms` (carried between).
fn analyze_clip_with(
    path: &Path,
    every: u64,
    mask_every_ms: f64,
) -> Result<Vec<Kept>, Box<dyn std::error::Error>> {
    let dir = models::models_dir(None)?;
    let mut engine = PoseEngine::new(
        &dir,
        PoseConfig {
            mode: Mode::Video,
            mask_every_ms,
            ..PoseConfig::default()
        },
    )?;
    let mut source = capture::open(
        &SourceSpec::Video(path.to_owned()),
        Pacing::AsFastAsPossible,
    )?;
    let mut kept = Vec::new();
    while let Some(frame) = source.next_frame()? {
        if frame.seq % every != 0 {
            continue;
        }
        let estimate = engine.estimate(&frame)?;
        kept.push(Kept {
            seq: frame.seq,
            t_ms: frame.t_ms,
            size: (estimate.width, estimate.height),
            people: estimate.people_detected,
            skeleton: estimate.skeleton,
            mask: engine.mask().cloned(),
        });
    }
    if mask_every_ms > 0.0 {
        eprintln!(
            "{}: a fresh mask on {} of {} frames",
            path.display(),
            engine.fresh_masks(),
            kept.len()
        );
    }
    Ok(kept)
}

/// Every 3rd frame of the side clip `name` in ../shared/media through [`analyze_clip`],
/// analyzed once per test run and shared by the tests that judge it.
fn side_clip_every_3rd(
    name: &str,
) -> Result<std::sync::Arc<Vec<Kept>>, Box<dyn std::error::Error>> {
    type Cache = std::sync::Mutex<BTreeMap<String, std::sync::Arc<Vec<Kept>>>>;
    static CLIPS: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let mut clips = CLIPS
        .get_or_init(Cache::default)
        .lock()
        .map_err(|_| "a test analyzing a clip panicked")?;
    if let Some(frames) = clips.get(name) {
        return Ok(std::sync::Arc::clone(frames));
    }
    let frames = std::sync::Arc::new(analyze_clip(&shared_media()?.join(name), 3)?);
    clips.insert(name.to_owned(), std::sync::Arc::clone(&frames));
    Ok(frames)
}

/// Replays `frames` through `judge`: samples and events.
fn replay(judge: &mut PostureJudge, frames: &[Kept]) -> (Vec<PostureSample>, Vec<PostureEvent>) {
    let (mut samples, mut events) = (Vec::new(), Vec::new());
    for k in frames {
        let (sample, e) = judge.judge(&JudgeInput {
            seq: k.seq,
            t_ms: k.t_ms,
            skeleton: k.skeleton.as_ref(),
            mask: k.mask.as_ref(),
            frame_size: Some(k.size),
            people: Some(k.people),
        });
        samples.push(sample);
        events.extend(e);
    }
    (samples, events)
}

/// A baseline of the samples from `from_s` to `to_s` through the one builder.
fn baseline_of(
    samples: &[PostureSample],
    from_s: f64,
    to_s: f64,
) -> Result<Baseline, BaselineRefused> {
    let mut builder = BaselineBuilder::new(BaselineRules::default());
    for s in samples
        .iter()
        .filter(|s| (from_s * 1000.0..to_s * 1000.0).contains(&s.t_ms))
    {
        builder.push_sample(s);
    }
    builder.finish()
}

/// Per second of `samples`: (frames called forward, frames).
fn forward_per_second(samples: &[PostureSample]) -> BTreeMap<i64, (u32, u32)> {
    let mut seconds: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for s in samples {
        #[expect(clippy::cast_possible_truncation, reason = "seconds of a short clip")]
        let second = (s.t_ms / 1000.0).floor() as i64;
        let entry = seconds.entry(second).or_default();
        entry.1 += 1;
        entry.0 += u32::from(s.call == Some(Call::Forward));
    }
    seconds
}

/// Whether most frames of `second` are called forward.
fn is_forward(seconds: &BTreeMap<i64, (u32, u32)>, second: i64) -> bool {
    seconds.get(&second).is_some_and(|(f, n)| 2 * f > *n)
}

/// `second:forward/frames` for every second, for the test's output.
fn per_second_line(seconds: &BTreeMap<i64, (u32, u32)>) -> String {
    let parts: Vec<String> = seconds
        .iter()
        .map(|(s, (f, n))| format!("{s}:{f}/{n}"))
        .collect();
    parts.join(" ")
}

#[test]
fn a_video_is_judged_against_the_persons_own_upright_seconds() -> TestResult {
    // video_side_sit_01 (../shared/media/SOURCES.md): slumped ~0-4 s and ~10-12 s, upright
    // ~4-10 s and 12-14 s, leaning forward 14-16 s, upright from 16 s on. Every 3rd frame
    // (10 per second).
    let frames = side_clip_every_3rd("video_side_sit_01.mp4")?;
    let config = PostureConfig {
        auto_baseline: false,
        ..PostureConfig::default()
    };
    let (plain, _) = replay(&mut PostureJudge::new(config.clone()), &frames);

    // The person's own upright seconds (8.3-9.7 s, docs/GEOMETRY.md §3.4) pass the rules.
    let baseline = baseline_of(&plain, 8.3, 9.7)?;
    let cva = *baseline.side_cva().ok_or("a side-view baseline")?;
    eprintln!(
        "baseline 8.3-9.7 s: CVA {:.1} ± {:.1}° (n = {})",
        cva.mean, cva.sd, cva.n
    );
    assert!(
        cva.sd <= config.baseline_max_cva_sd_deg && cva.n >= 10,
        "{cva:?}"
    );
    // Slumped seconds are no baseline: clearly forward, or moving.
    let slumped = baseline_of(&plain, 0.0, 3.5).expect_err("slumped");
    eprintln!("0-3.5 s: {slumped}");
    assert!(
        matches!(
            slumped,
            BaselineRefused::ClearlyForward { .. } | BaselineRefused::Moved { .. }
        ),
        "{slumped:?}"
    );

    // A calibration in the judge over the slump into sitting up (2-6 s): refused, with the
    // reason as an event (the window shows it), and no baseline kept.
    let mut judge = PostureJudge::new(PostureConfig {
        calibration_s: 4.0,
        ..config.clone()
    });
    let start = frames.iter().position(|k| k.t_ms >= 2000.0).ok_or("2 s")?;
    let mut events = judge.start_calibration(frames[start].t_ms);
    let (_, e) = replay(&mut judge, &frames[start..]);
    events.extend(e);
    let reason = events
        .iter()
        .find_map(|e| match e {
            PostureEvent::BaselineRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .ok_or("the calibration over the slump was refused")?;
    eprintln!("calibration 2-6 s refused: {reason}");
    assert!(
        reason.starts_with("you moved during calibration: CVA spread"),
        "{reason}"
    );
    assert!(judge.baseline().is_none());

    // The whole clip against the baseline: per second, the share of frames called forward.
    let mut judge = PostureJudge::new(config).with_baseline(baseline);
    let (samples, events) = replay(&mut judge, &frames);
    assert!(
        samples
            .iter()
            .all(|s| s.baseline == BaselineStatus::Calibrated)
    );
    let seconds = forward_per_second(&samples);
    let forward = |second: i64| is_forward(&seconds, second);
    let line = per_second_line(&seconds);
    eprintln!("forward frames per second: {line}");
    // Every slumped second is flagged.
    for second in [0, 1, 2, 3, 10, 11] {
        assert!(
            forward(second),
            "slumped second {second} not flagged: {line}"
        );
    }
    // Upright seconds: the ones ../shared/media/SOURCES.md lists as upright.
    let upright: Vec<i64> = (4..10).chain(12..14).chain(16..31).collect();
    let flagged: Vec<i64> = upright.iter().copied().filter(|&s| forward(s)).collect();
    eprintln!(
        "upright seconds flagged: {} of {}: {flagged:?}",
        flagged.len(),
        upright.len()
    );
    // The plainly upright stretches are not flagged (8-9 s, 16-22 s).
    for second in [8, 9, 16, 17, 19, 21, 22] {
        assert!(!forward(second), "upright second {second} flagged: {line}");
    }
    // Regression guard at the measured level (docs/GEOMETRY.md §6 explains the rest: in the
    // flagged "upright" seconds he bends far forward (6-7 s) or drops his head (12, 24,
    // 29-30 s); with the clinicians' 5° margin instead of plumbline's own 10° it was 11).
    assert!(flagged.len() <= 6, "{flagged:?}");
    // Sustained slumps alert only through the persistence machine (30 s onset): none here.
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, PostureEvent::Alert { .. }))
    );
    Ok(())
}

/// The frame of the video `clip` at `t_s` (the first at or after it), decoded by the
/// project's own decoder and saved as a PNG photo in `dir`: one frame of a recording taken
/// as a photo.
fn frame_as_photo(
    clip: &Path,
    t_s: f64,
    dir: &Path,
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let mut source = capture::open(
        &SourceSpec::Video(clip.to_owned()),
        Pacing::AsFastAsPossible,
    )?;
    while let Some(frame) = source.next_frame()? {
        if frame.t_ms >= t_s * 1000.0 {
            let path = dir.join(format!("frame_{}.png", frame.seq));
            frame.image.save(&path)?;
            return Ok(path);
        }
    }
    Err(format!("{} ends before {t_s} s", clip.display()).into())
}

/// One clip of the issue's Done-when item 3: the seconds to check and, per upright frame
/// taken as the photo, how many of the plainly upright seconds it may flag.
struct PhotoCase {
    clip: &'static str,
    /// Slumped or leaning forward (../shared/media/SOURCES.md and the picture).
    slumped: &'static [i64],
    /// Plainly upright by the picture.
    upright: Vec<i64>,
    /// (second of the photo, upright seconds it flags at most, whether `plumbline baseline`
    /// calls it a less sure reference: its CVA's ± is a clean estimate's and one more).
    photos: &'static [(f64, usize, bool)],
    /// Where a 3 s baseline from the video itself begins (`plumbline baseline --source CLIP
    /// --start S --seconds 3`, video mode like the judging), when the case has one: it may
    /// flag no plainly upright second.
    hold_at: Option<&'static str>,
}

/// A baseline, the slumped seconds it misses and the plainly upright ones it flags, and the
/// forward frames per second.
type Judged = (Baseline, Vec<i64>, Vec<i64>, BTreeMap<i64, (u32, u32)>);

impl PhotoCase {
    /// The clip's `frames` judged against the baseline file `file`, read as `plumbline
    /// measure --baseline FILE` reads it, into the judge `measure` makes.
    fn judged_against(
        &self,
        file: &Path,
        frames: &[Kept],
    ) -> Result<Judged, Box<dyn std::error::Error>> {
        let text = std::fs::read_to_string(file)?;
        let baseline = BaselineFile::from_json(&text)?.baseline;
        let mut judge = PostureJudge::new(PostureConfig::default());
        judge.set_baseline(baseline.clone());
        let (samples, _) = replay(&mut judge, frames);
        let seconds = forward_per_second(&samples);
        let missed = (self.slumped.iter().copied())
            .filter(|&s| !is_forward(&seconds, s))
            .collect();
        let flagged = (self.upright.iter().copied())
            .filter(|&s| is_forward(&seconds, s))
            .collect();
        Ok((baseline, missed, flagged, seconds))
    }
}

#[test]
fn a_baseline_from_one_upright_frame_as_a_photo_judges_the_whole_video() -> TestResult {
    // The issue's Done-when item 3 as a user does it: one upright frame of the video as a
    // photo, `plumbline baseline --source PHOTO --out FILE` (static mode), then the whole clip
    // judged like `plumbline measure CLIP --baseline FILE` (video mode, the file's baseline
    // in a default judge; every 3rd frame here). Frames and seconds are chosen from
    // ../shared/media/SOURCES.md and the picture, not from the angle.
    let cases = [
        // Slumped 0-3 s and 10-11 s; plainly upright 8-9 s and 16-22 s (he bends over his
        // knees at 6-7 s and puts his hands to his lower back from 23 s).
        PhotoCase {
            clip: "video_side_sit_01.mp4",
            slumped: &[0, 1, 2, 3, 10, 11],
            upright: (8..=9).chain(16..=22).collect(),
            photos: &[(9.0, 0, false), (20.0, 0, false)],
            hold_at: None,
        },
        // Leaning forward at 4 s. Upright from about 6 s (the media list: 5 s) to the end; in
        // the picture he sits tall at 6-9 s and from 18 s on, and at 10-16 s lets his head
        // sink lower and further forward (not asserted either way). The reclined slump of
        // 0-2 s reads higher than his upright sitting (docs/GEOMETRY.md §3.5): no CVA rule
        // flags it, so it is not asserted. One photo from each upright stretch. The photo at
        // 23 s reads 50.2° as a still, but its own second and most of 21-27 s read 8-14°
        // lower in video mode: the person mask behind his neck (a dark cabinet) changes with
        // the crop the model is run on, and the tracker's crop is not the detector's
        // (docs/GEOMETRY.md §3.6). That photo's ± (6.5°, a soft mask edge) is the only one
        // above a clean estimate's and one more, so `plumbline baseline` warns that it is a
        // less sure reference; the others read 4.5-4.6°. Judged by a drop of 10° alone it
        // flagged 8 of the 14 plainly upright seconds; the judge now asks a drop to clear
        // the photo's and the frame's ± beyond a clean estimate's as well (the soft edge is
        // there in the video's frames too), and it flags none (docs/GEOMETRY.md §6).
        PhotoCase {
            clip: "video_side_sit_02.mp4",
            slumped: &[4],
            upright: (6..=9).chain(18..=27).collect(),
            photos: &[(8.0, 0, false), (23.0, 0, true)],
            // The failing photo's own moment, as the warning advises: from the video.
            hold_at: Some("21"),
        },
    ];
    let media = shared_media()?;
    let dir = tempfile::tempdir()?;
    for case in &cases {
        let clip = media.join(case.clip);
        let frames = side_clip_every_3rd(case.clip)?;
        for &(t, most, less_sure) in case.photos {
            let photo = frame_as_photo(&clip, t, dir.path())?;
            let file = dir.path().join(format!("{}_{t}.json", case.clip));
            let out = plumbline(&["baseline", "--source", utf8(&photo), "--out", utf8(&file)]);
            assert!(out.status.success(), "{}", stderr(&out));
            // The photo that misleads the judge is the one whose ± says so: the soft person
            // mask behind his neck (docs/GEOMETRY.md §3.6) widens its ± (§3.8), and the
            // baseline's summary calls it a less sure reference.
            let told = String::from_utf8_lossy(&out.stdout);
            eprintln!(
                "{} photo at {t} s: {}",
                case.clip,
                told.lines().nth(2).unwrap_or("")
            );
            assert_eq!(
                told.contains("less sure reference"),
                less_sure,
                "{} at {t} s: {told}",
                case.clip
            );
            // ... and so does `plumbline measure --baseline FILE` when it reads the file.
            let read = BaselineFile::from_json(&std::fs::read_to_string(&file)?)?;
            let said = read.describe();
            assert_eq!(
                said.contains("less sure reference"),
                less_sure,
                "{} at {t} s: {said}",
                case.clip
            );
            let (baseline, missed, flagged, seconds) = case.judged_against(&file, &frames)?;
            let cva = baseline.side_cva().ok_or("a side-view baseline")?.mean;
            eprintln!(
                "{} photo at {t} s (CVA {cva:.1}°): slumped seconds missed {missed:?}, plainly \
                 upright seconds flagged {} of {} {flagged:?}; {}",
                case.clip,
                flagged.len(),
                case.upright.len(),
                per_second_line(&seconds)
            );
            assert!(missed.is_empty(), "{} at {t} s: {missed:?}", case.clip);
            assert!(flagged.len() <= most, "{} at {t} s: {flagged:?}", case.clip);
        }
        if let Some(start) = case.hold_at {
            let file = dir.path().join(format!("{}_hold_{start}.json", case.clip));
            let out = hold_of_3_s(&clip, start, &file);
            assert!(out.status.success(), "{}", stderr(&out));
            let (baseline, missed, flagged, _) = case.judged_against(&file, &frames)?;
            eprintln!(
                "{} video baseline from {start} s ({}): slumped seconds missed {missed:?}, \
                 plainly upright seconds flagged {flagged:?}",
                case.clip,
                baseline.describe()
            );
            assert!(
                missed.is_empty(),
                "{} hold at {start} s: {missed:?}",
                case.clip
            );
            assert!(
                flagged.is_empty(),
                "{} hold at {start} s: {flagged:?}",
                case.clip
            );
        }
    }
    Ok(())
}

#[test]
fn a_sitter_leaning_back_against_the_backrest_gets_an_automatic_baseline() -> TestResult {
    // docs/GEOMETRY.md §3.9: sitting upright against a backrest leans the trunk back 11-18°
    // in video mode. `side_sit_upright_01` reads about 13° back; the former limit (10°) never
    // learned it, `posture::baseline::MAX_RECLINE_DEG` does.
    use plumbline::posture::baseline::MAX_RECLINE_DEG;
    let dir = tempfile::tempdir()?;
    let clip = crate::clips::recording(
        &dir.path().join("backrest.mp4"),
        &[("tests/data/side_sit_upright_01.jpg", 14)],
    );
    let frames = analyze_clip(&clip, 1)?;
    let mut judge = PostureJudge::new(PostureConfig {
        learn_s: 10.0,
        learn_stretch_s: 5.0,
        ..PostureConfig::default()
    });
    let (samples, _) = replay(&mut judge, &frames);
    let trunk: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.metrics.trunk_inclination_deg)
        .collect();
    let back = -trunk.iter().sum::<f64>() / trunk.len() as f64;
    assert!(
        (10.0..MAX_RECLINE_DEG).contains(&back),
        "leans back {back:.1}°: this clip no longer tests a backrest sitter"
    );
    let learned = samples
        .iter()
        .find(|s| s.baseline == BaselineStatus::Learned)
        .ok_or_else(|| format!("no baseline learned (leans back {back:.1}°)"))?;
    assert!(
        (9_000.0..=12_000.0).contains(&learned.t_ms),
        "learned at {} ms",
        learned.t_ms
    );
    Ok(())
}

#[test]
fn the_crowded_street_clip_gives_no_baseline() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("street.json");
    let out = plumbline(&[
        "baseline",
        "--source",
        utf8(&shared_media()?.join("video_neg_street_multi_01.mp4")),
        "--seconds",
        "5",
        "--out",
        utf8(&file),
    ]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("people in the picture") && said.contains("a baseline needs one person"),
        "{said}"
    );
    assert!(!file.exists(), "nothing written");
    Ok(())
}

/// `baseline --start`: the upright moment of a recording that begins with a slump
/// (`video_side_sit_02`: reclined slump 0-2 s, leaning forward 3-4 s, upright from 5 s on,
/// ../shared/media/SOURCES.md) is the baseline; three seconds over the lean forward are
/// refused; a start
/// after the end, or on a photo, is an error that says why.
#[test]
fn a_baseline_begins_where_the_recording_is_upright() -> TestResult {
    let clip = shared_media()?.join("video_side_sit_02.mp4");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("upright.json");
    let hold = |start: &str, out: &Path| hold_of_3_s(&clip, start, out);
    let out = hold("6", &file);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    let cva = &json["metrics"]["cva_deg"];
    let (mean, n) = (
        cva["mean"].as_f64().ok_or("a CVA mean")?,
        cva["n"].as_u64().ok_or("n")?,
    );
    eprintln!("baseline 6-9 s: {cva}");
    // Three seconds of frames, all upright (his CVA per second there: 37-43°, GEOMETRY §3.6).
    assert!((60..=95).contains(&n), "n = {n}");
    assert!((33.0..=48.0).contains(&mean), "mean {mean}");

    // 2-5 s, from the slump into the lean forward: no baseline.
    let slumped = dir.path().join("slumped.json");
    let out = hold("2", &slumped);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no baseline"), "{}", stderr(&out));
    assert!(!slumped.exists(), "nothing written");

    // After the end (the clip is 29 s long), and on a photo: refused before anything is made.
    let late = dir.path().join("late.json");
    let out = hold("40", &late);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("nothing begins at --start 40.0 s"),
        "{}",
        stderr(&out)
    );
    assert!(!late.exists());
    let out = plumbline(&[
        "baseline",
        "--source",
        utf8(&crate::root().join("tests/data/side_sit_upright_01.jpg")),
        "--start",
        "2",
        "--out",
        utf8(&late),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--start is for a video file"),
        "{}",
        stderr(&out)
    );
    let out = hold("-1", &late);
    assert!(stderr(&out).contains("0 to 86400 s"), "{}", stderr(&out));
    assert!(!late.exists());
    Ok(())
}

#[test]
fn a_carried_mask_measures_the_cva_like_a_fresh_one_at_the_monitor_rate() -> TestResult {
    // The live monitor makes a fresh person mask every LIVE_MASK_EVERY_MS and moves the last
    // one with the neck landmarks in between (the segmentation head costs as much as the rest
    // of the landmark model). Both side clips at the monitor's 2 analyses/s (every 15th
    // frame of 30 fps), fresh masks on every frame against carried ones: the per-frame CVA.
    let config = PostureConfig {
        auto_baseline: false,
        ..PostureConfig::default()
    };
    let mut diffs = Vec::new();
    let mut calls = (0_u32, 0_u32);
    for clip in ["video_side_sit_01.mp4", "video_side_sit_02.mp4"] {
        let path = shared_media()?.join(clip);
        let fresh = analyze_clip_with(&path, 15, 0.0)?;
        let carried = analyze_clip_with(&path, 15, plumbline::pose::LIVE_MASK_EVERY_MS)?;
        let (a, _) = replay(&mut PostureJudge::new(config.clone()), &fresh);
        let (b, _) = replay(&mut PostureJudge::new(config.clone()), &carried);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            if let (Some(p), Some(q)) = (x.metrics.cva_deg, y.metrics.cva_deg) {
                diffs.push((p - q).abs());
            }
            calls.1 += 1;
            calls.0 += u32::from(x.call == y.call);
        }
    }
    diffs.sort_by(f64::total_cmp);
    let n = diffs.len();
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let p95 = diffs[(n * 95 / 100).min(n - 1)];
    let max = diffs[n - 1];
    eprintln!(
        "carried vs fresh mask, {n} frames: CVA |difference| mean {mean:.2}°, p95 {p95:.2}°, \
         max {max:.2}°; same call in {} of {} frames",
        calls.0, calls.1
    );
    // Inside plumbline's own frame-to-frame noise (SD 4.1°, docs/GEOMETRY.md §6), and the
    // judge's call the same (measured: mean 0.80°, p95 5.0°, 120 of 120 calls; these two
    // clips slump and sit up again and again, so about two thirds of the masks are fresh).
    assert!(n >= 100, "{n} frames with a CVA");
    assert!(mean <= 1.2 && p95 <= 6.0, "mean {mean:.2}°, p95 {p95:.2}°");
    assert!(f64::from(calls.0) >= 0.95 * f64::from(calls.1), "{calls:?}");
    Ok(())
}

/// `plumbline` with the user's configuration folder at `config_home` (and no
/// `PLUMBLINE_CONFIG`), as a user who edited the window's settings would run it.
fn plumbline_configured(config_home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("PLUMBLINE_CONFIG")
        .output()
        .expect("the plumbline binary runs")
}

/// The one configuration file (the window's settings edit it, the monitor reads it) decides
/// forward head for every command that judges: `measure` follows it without `--config`, and
/// `analyze`, `annotate`, `baseline` and `follow-up` refuse a bad value in it with the range
/// and write nothing.
#[test]
fn every_command_judges_by_the_one_configuration_file() -> TestResult {
    let home = tempfile::tempdir()?;
    let folder = home.path().join("plumbline");
    std::fs::create_dir_all(&folder)?;
    let photo = crate::root().join("tests/data/side_sit_upright_01.jpg");
    let call = |out: &Output| -> Result<String, Box<dyn std::error::Error>> {
        assert!(out.status.success(), "{}", stderr(out));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        Ok(value["call"].as_str().unwrap_or("null").to_owned())
    };
    let measure = ["measure", utf8(&photo), "--json"];

    // The defaults: an upright sitter is not called forward.
    let default_call = call(&plumbline_configured(home.path(), &measure))?;
    assert_ne!(default_call, "forward");
    // The user's file moves the absolute threshold above any CVA: now it is.
    std::fs::write(
        folder.join("config.toml"),
        "cva_forward_below_deg = 89.0\ncva_upright_above_deg = 90.0\n",
    )?;
    assert_eq!(
        call(&plumbline_configured(home.path(), &measure))?,
        "forward"
    );

    // A bad value in it stops every judging command before it writes anything.
    std::fs::write(folder.join("config.toml"), "onset_delay_s = -3.0\n")?;
    let out_dir = tempfile::tempdir()?;
    let db = out_dir.path().join("sessions.db");
    let report = out_dir.path().join("report.html");
    let video = out_dir.path().join("annotated.mp4");
    let baseline = out_dir.path().join("baseline.json");
    let clip = shared_media()?.join("video_side_sit_01.mp4");
    let commands: [Vec<&str>; 5] = [
        vec!["measure", utf8(&photo)],
        vec![
            "analyze",
            utf8(&photo),
            "--report",
            utf8(&report),
            "--db",
            utf8(&db),
        ],
        vec!["annotate", utf8(&clip), "--out", utf8(&video)],
        vec![
            "baseline",
            "--source",
            utf8(&photo),
            "--out",
            utf8(&baseline),
        ],
        vec![
            "follow-up",
            "--subject",
            "P1",
            "--source",
            utf8(&photo),
            "--db",
            utf8(&db),
        ],
    ];
    for args in &commands {
        let out = plumbline_configured(home.path(), args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} ran with a bad config");
        assert!(
            err.contains("onset_delay_s = -3 is out of range: 0 to 3600 s"),
            "{args:?}: {err}"
        );
        assert!(err.contains("config.toml"), "{args:?}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(out_dir.path())?.collect();
    assert!(left.is_empty(), "files were written: {left:?}");
    Ok(())
}
