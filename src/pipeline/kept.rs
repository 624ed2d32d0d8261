//! The user's own baseline kept across runs of the live monitor (window, `--background` tray,
//! `monitor --headless`): "calibrate once".
//!
//! [`Keeper`] loads the kept baseline before the pipeline starts, so the judge starts with it
//! ([`PipelineConfig::with_baseline`]: no learning phase, judged against it from the first
//! frame), and writes a new one whenever the judge adopts one: a calibration that passed its
//! check ([`PostureEvent::Calibrated`]) or an automatic baseline ([`PostureEvent::Learned`]).
//! The judge learns only while no calibration is in force, so a calibration outranks a learned
//! baseline by construction; after the setup changed the relearned baseline replaces whatever
//! was kept. The stale-baseline check applies to a loaded baseline as to a fresh one.
//!
//! # Where and how
//! One file beside the session database, named after it (`plumbline.sqlite` →
//! `plumbline.baseline.json`, so `--db FILE` keeps its own), mode 0600, in the versioned
//! baseline file format of `plumbline baseline --out` ([`BaselineFile`]: the statistics, the
//! view, where the person sat in the picture; never a frame) with the status it was made with
//! and when. A file, not a table: it is read before the database is opened and whether or not
//! the database can be (a locked or damaged database does not lose the baseline), needs no
//! schema migration, and is forgotten by deleting one file. It is written to a temporary file
//! and renamed, so a crash leaves the old one or the new one.
//!
//! A file that cannot be read, of another format or version, with values out of range or
//! failing the current configuration's baseline check is never used and never lost silently:
//! the message says why, and the file is moved aside to `*.unreadable` (when keeping is on)
//! so the next baseline does not overwrite it. With `--no-record` (`PLUMBLINE_NO_RECORD=1`)
//! the run stands alone: no kept baseline is read or written.

use std::path::{Path, PathBuf};

use crate::posture::baseline::{BaselineFile, BaselineFileError};
use crate::posture::{Baseline, BaselineStatus, PostureConfig, PostureEvent};

use super::{PipelineConfig, Update};

/// What replaces the database file's extension in the kept baseline's name.
pub const KEPT_EXTENSION: &str = "baseline.json";

/// The kept baseline of the database at `db`: beside it, named after it.
pub fn path_for(db: &Path) -> PathBuf {
    db.with_extension(KEPT_EXTENSION)
}

/// Where an unusable kept baseline is moved so it is not overwritten.
pub fn unreadable_path(kept: &Path) -> PathBuf {
    let mut name = kept.as_os_str().to_owned();
    name.push(".unreadable");
    PathBuf::from(name)
}

/// A baseline kept from a run: the baseline, how it was made and when.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptBaseline {
    /// The baseline.
    pub baseline: Baseline,
    /// `Calibrated` or `Learned`.
    pub status: BaselineStatus,
    /// When it was made (`YYYY-MM-DDTHH:MM:SSZ`), when known.
    pub made_at: Option<String>,
}

impl KeptBaseline {
    /// How it was made and when, in words: "calibrated 2026-12-05 15:40 UTC".
    pub fn since(&self) -> String {
        let how = if self.status == BaselineStatus::Learned {
            "learned"
        } else {
            "calibrated"
        };
        match &self.made_at {
            Some(at) => format!("{how} {}", readable_time(at)),
            None => how.to_owned(),
        }
    }

    /// One line: how, when and what ("calibrated 2026-12-05 15:40 UTC: side-left view, CVA
    /// 48.0 ± 1.2° (n = 20)").
    pub fn describe(&self) -> String {
        format!("{}: {}", self.since(), self.baseline.describe())
    }

    fn to_file(&self) -> BaselineFile {
        BaselineFile {
            status: Some(self.status),
            made_at: self.made_at.clone(),
            ..BaselineFile::new(self.baseline.clone(), false)
        }
    }
}

/// `2026-12-05T15:40:12Z` → `2026-12-05 15:40 UTC`; anything else as it is.
fn readable_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16), at.ends_with('Z')) {
        (Some(day), Some(time), true) => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

/// Why a kept baseline file was not used.
#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    /// The file exists but cannot be read.
    #[error("cannot read it: {0}")]
    Read(#[from] std::io::Error),
    /// Its content is not a usable baseline.
    #[error("{0}")]
    File(#[from] BaselineFileError),
    /// A learned baseline while the configuration learns none.
    #[error("it was learned automatically and `auto_baseline` is off")]
    LearningOff,
}

/// Reads the kept baseline at `path` and checks it against `config`; `Ok(None)` when there is
/// none.
pub fn load(path: &Path, config: &PostureConfig) -> Result<Option<KeptBaseline>, KeptError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let file = BaselineFile::from_json(&text)?;
    file.check(config)?;
    // A file copied there from `plumbline baseline --out` is an explicit baseline.
    let status = file.status.unwrap_or(BaselineStatus::Calibrated);
    if status == BaselineStatus::Learned && !config.auto_baseline {
        return Err(KeptError::LearningOff);
    }
    Ok(Some(KeptBaseline {
        baseline: file.baseline,
        status,
        made_at: file.made_at,
    }))
}

/// Writes `kept` to `path` (mode 0600) through a temporary file and a rename.
pub fn save(path: &Path, kept: &KeptBaseline) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = kept.to_file().to_json().map_err(std::io::Error::other)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    crate::store::private::write_private(&partial, text.as_bytes())?;
    std::fs::rename(&partial, path)
}

/// The live monitor's kept baseline: loaded at start, written when the judge adopts a new
/// one, forgotten on request. Never blocks for long (one small file) and never stops the
/// monitor: problems become messages ([`take_message`](Self::take_message)).
#[derive(Debug, Default)]
pub struct Keeper {
    /// The file (`None`: no data folder, nothing kept).
    path: Option<PathBuf>,
    /// Whether baselines are read and written (off with `--no-record`).
    keep: bool,
    /// The baseline in use as far as the keeper knows (loaded, or adopted in this run).
    current: Option<KeptBaseline>,
    /// Messages not yet shown.
    messages: Vec<String>,
}

impl Keeper {
    /// The keeper of the database at `db` (`None`: the platform data folder): with `keep`,
    /// loads the kept baseline checked against `config`; an unusable file gives a message and
    /// is moved aside. Without `keep` nothing is read or written.
    pub fn open(db: Option<&Path>, keep: bool, config: &PostureConfig) -> Self {
        let db = db
            .map(Path::to_path_buf)
            .or_else(|| crate::store::default_path().ok());
        let mut keeper = Self {
            path: db.as_deref().map(path_for),
            keep,
            ..Self::default()
        };
        if keep && let Some(path) = keeper.path.clone() {
            match load(&path, config) {
                Ok(kept) => {
                    if let Some(kept) = &kept {
                        tracing::info!(
                            "using your kept baseline ({}) from {}",
                            kept.describe(),
                            path.display()
                        );
                    }
                    keeper.current = kept;
                }
                Err(err) => keeper.set_aside(&path, &err),
            }
        }
        keeper
    }

    /// The keeper as a live monitor starts with it (the window and `monitor --headless`,
    /// after [`open`](Self::open) and before their pipeline starts): with `forget`
    /// (`--forget-baseline`) the kept baseline is [forgotten](Self::forget) at once, so the
    /// judge starts without it ([`start`](Self::start)). Returns the keeper and, when it
    /// forgot, what that did in words.
    #[must_use]
    pub fn forgetting_if(mut self, forget: bool) -> (Self, Option<String>) {
        let forgotten = forget.then(|| self.forget());
        (self, forgotten)
    }

    /// A keeper that keeps nothing and knows of no file.
    pub fn disabled() -> Self {
        Self::default()
    }

    fn set_aside(&mut self, path: &Path, err: &KeptError) {
        let aside = unreadable_path(path);
        let fate = match std::fs::rename(path, &aside) {
            Ok(()) => format!("it was moved to {}", aside.display()),
            Err(_) => "the next baseline will replace it".to_owned(),
        };
        self.messages.push(format!(
            "Your kept baseline {} cannot be used ({err}); it is ignored and {fate}. \
             Calibrate, or plumbline learns a new one.",
            path.display()
        ));
    }

    /// The kept baseline file, when there is a data folder.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether baselines are kept (not `--no-record`).
    pub fn is_keeping(&self) -> bool {
        self.keep
    }

    /// The baseline in use as far as the keeper knows: the loaded one, or the last one
    /// adopted in this run.
    pub fn current(&self) -> Option<&KeptBaseline> {
        self.current.as_ref()
    }

    /// `pipeline` with a judge that starts with the kept baseline, if there is one.
    pub fn start(&self, pipeline: PipelineConfig) -> PipelineConfig {
        match &self.current {
            Some(kept) => pipeline.with_baseline(kept.baseline.clone(), kept.status),
            None => pipeline,
        }
    }

    /// Keeps the baseline the judge adopted in `update`, if it adopted one (a calibration or
    /// a learned baseline); a setup change drops it from [`current`](Self::current) (the
    /// file stays until a new one replaces it).
    pub fn observe(&mut self, update: &Update) {
        let Update::Posture(event) = update else {
            return;
        };
        let (baseline, status) = match event {
            PostureEvent::Calibrated { baseline, .. } => (baseline, BaselineStatus::Calibrated),
            PostureEvent::Learned { baseline, .. } => (baseline, BaselineStatus::Learned),
            PostureEvent::Baseline {
                status: BaselineStatus::SetupChanged,
                ..
            } => {
                self.current = None;
                return;
            }
            _ => return,
        };
        let kept = KeptBaseline {
            baseline: baseline.clone(),
            status,
            made_at: crate::capture::date::utc_now(),
        };
        if self.keep
            && let Some(path) = &self.path
        {
            match save(path, &kept) {
                Ok(()) => tracing::info!("kept your baseline in {}", path.display()),
                Err(err) => self.messages.push(format!(
                    "Your new baseline could not be kept for the next start ({}: {err}); it is \
                     used in this run.",
                    path.display()
                )),
            }
        }
        self.current = Some(kept);
    }

    /// Forgets the kept baseline: removes the file (when there is one) and returns what
    /// happened, in words. The caller tells the judge ([`super::Control::ForgetBaseline`]).
    pub fn forget(&mut self) -> String {
        self.current = None;
        let Some(path) = &self.path else {
            return "Baseline forgotten.".to_owned();
        };
        match std::fs::remove_file(path) {
            Ok(()) => format!("Baseline forgotten: removed {}.", path.display()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                "Baseline forgotten (none was kept).".to_owned()
            }
            Err(err) => {
                let message = format!(
                    "The kept baseline {} could not be removed ({err}); it is not used in this \
                     run, but the next start may use it again.",
                    path.display()
                );
                self.messages.push(message.clone());
                message
            }
        }
    }

    /// A message for the user, oldest first (shown once).
    pub fn take_message(&mut self) -> Option<String> {
        (!self.messages.is_empty()).then(|| self.messages.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(cva: f64, status: BaselineStatus) -> KeptBaseline {
        KeptBaseline {
            baseline: Baseline::of_side_cva(cva, 1.5, 40),
            status,
            made_at: Some("2026-12-05T15:40:12Z".into()),
        }
    }

    #[test]
    fn a_kept_baseline_round_trips_privately_and_says_when_it_was_made() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = path_for(&dir.path().join("plumbline.sqlite"));
        assert!(path.ends_with("plumbline.baseline.json"), "{path:?}");
        let learned = kept(47.0, BaselineStatus::Learned);
        save(&path, &learned)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let config = PostureConfig::default();
        assert_eq!(load(&path, &config)?, Some(learned.clone()));
        assert_eq!(
            learned.describe(),
            "learned 2026-12-05 15:40 UTC: side-left view, CVA 47.0 ± 1.5° (n = 40)"
        );
        // `measure --baseline` reads the same file.
        let file = BaselineFile::from_json(&std::fs::read_to_string(&path)?)?;
        assert_eq!(file.baseline, learned.baseline);
        // Learning turned off: a learned baseline is not used.
        let off = PostureConfig {
            auto_baseline: false,
            ..config
        };
        assert!(matches!(load(&path, &off), Err(KeptError::LearningOff)));
        Ok(())
    }

    #[test]
    fn bad_files_are_refused_with_the_reason_and_moved_aside() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("s.sqlite");
        let path = path_for(&db);
        let config = PostureConfig::default();
        let cases = [
            ("not json {", "not a plumbline baseline"),
            (
                r#"{"format":"plumbline-baseline","version":9,"view":"side-left","metrics":{}}"#,
                "version 9",
            ),
            (
                r#"{"view":"side-left","metrics":{"cva_deg":{"mean":500.0,"sd":1.0,"n":30}}}"#,
                "cva_deg: mean 500 ± 1 is out of range: -180 to 180°",
            ),
            (
                r#"{"view":"side-left","metrics":{"cva_deg":{"mean":48.0,"sd":-1.0,"n":30}}}"#,
                "out of range",
            ),
            (
                r#"{"view":"side-left","metrics":{"cva_deg":{"mean":48.0,"sd":9.0,"n":30}}}"#,
                "CVA spread 9.0°",
            ),
            (
                r#"{"status":"learning","view":"side-left","metrics":{"cva_deg":{"mean":48.0,"sd":1.0,"n":30}}}"#,
                "status Learning",
            ),
        ];
        for (text, reason) in cases {
            std::fs::write(&path, text)?;
            let mut keeper = Keeper::open(Some(&db), true, &config);
            assert_eq!(keeper.current(), None, "{text}");
            let message = keeper.take_message().expect("a message");
            assert!(
                message.contains(reason) && message.contains("is ignored and it was moved to"),
                "{text}: {message}"
            );
            assert!(!path.exists());
            assert_eq!(std::fs::read_to_string(unreadable_path(&path))?, text);
        }
        // Nothing kept: no message, nothing in use.
        let mut keeper = Keeper::open(Some(&db), true, &config);
        assert_eq!(keeper.take_message(), None);
        assert_eq!(keeper.current(), None);
        Ok(())
    }

    /// What the window and `monitor --headless` start with: the kept baseline, or with
    /// `--forget-baseline` none (the file removed, said in words).
    #[test]
    fn a_start_uses_the_kept_baseline_unless_told_to_forget_it() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("s.sqlite");
        let path = path_for(&db);
        let config = PostureConfig::default();
        save(&path, &kept(50.0, BaselineStatus::Calibrated))?;
        let (keeper, forgotten) = Keeper::open(Some(&db), true, &config).forgetting_if(false);
        assert_eq!(forgotten, None);
        assert_eq!(
            keeper.current().map(|k| k.baseline.clone()),
            Some(kept(50.0, BaselineStatus::Calibrated).baseline)
        );
        assert!(path.exists());
        let (mut keeper, forgotten) = Keeper::open(Some(&db), true, &config).forgetting_if(true);
        let forgotten = forgotten.expect("said");
        assert!(
            forgotten.starts_with("Baseline forgotten: removed"),
            "{forgotten}"
        );
        assert_eq!(keeper.current(), None);
        assert_eq!(keeper.take_message(), None);
        assert!(!path.exists());
        Ok(())
    }

    #[test]
    fn adopted_baselines_are_kept_and_forgetting_removes_the_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("data").join("s.sqlite");
        let config = PostureConfig::default();
        let mut keeper = Keeper::open(Some(&db), true, &config);
        let calibrated = kept(50.0, BaselineStatus::Calibrated).baseline;
        keeper.observe(&Update::Posture(PostureEvent::Calibrated {
            t_ms: 1.0,
            baseline: calibrated.clone(),
        }));
        let path = path_for(&db);
        let again = Keeper::open(Some(&db), true, &config);
        let current = again.current().expect("kept");
        assert_eq!(
            (&current.baseline, current.status),
            (&calibrated, BaselineStatus::Calibrated)
        );
        assert!(current.made_at.is_some());
        // A setup change: no longer in use, the file stays until a new one replaces it.
        keeper.observe(&Update::Posture(PostureEvent::Baseline {
            t_ms: 2.0,
            from: BaselineStatus::Calibrated,
            status: BaselineStatus::SetupChanged,
            reason: None,
        }));
        assert_eq!(keeper.current(), None);
        assert!(path.exists());
        let text = keeper.forget();
        assert!(text.starts_with("Baseline forgotten: removed"), "{text}");
        assert!(!path.exists());
        assert!(keeper.forget().contains("none was kept"));
        // Without keeping (`--no-record`) nothing is read or written.
        save(&path, &kept(50.0, BaselineStatus::Calibrated))?;
        let mut off = Keeper::open(Some(&db), false, &config);
        assert_eq!(off.current(), None);
        off.observe(&Update::Posture(PostureEvent::Learned {
            t_ms: 1.0,
            baseline: kept(44.0, BaselineStatus::Learned).baseline,
        }));
        assert_eq!(
            load(&path, &config)?,
            Some(kept(50.0, BaselineStatus::Calibrated))
        );
        Ok(())
    }
}
