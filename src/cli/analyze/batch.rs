//! Several recordings at once: up to `jobs` pipelines run side by side, each on its own
//! threads with its own database writer.
//!
//! Results do not depend on the order in which recordings finish:
//! - each pipeline is independent and lossless, so a recording's samples are the same
//!   whichever recordings run beside it;
//! - pipelines are started, and their sessions created, one after the other in argument
//!   order on the calling thread, so session ids follow the arguments (a recording that
//!   cannot be opened gets no session and does not hold the others up).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::capture::SourceSpec;
use crate::cli::Global;
use crate::cli::run::{Keep, RunOptions, Span, Started, progress_bar, record, start_pipeline};
use crate::posture::PostureSample;
use crate::report::stills::{Moments, StillPicker};
use crate::store::{NewSession, SessionId, Store, StoreWriter};

/// Largest `--jobs`: more pipelines than this only add memory (each loads its own models).
pub const MAX_JOBS: usize = 64;

/// How often the overall bar sums the per-file bars.
const OVERALL_TICK: Duration = Duration::from_millis(200);

/// A recording analyzed into its session.
#[derive(Debug)]
pub struct Finished {
    /// Its session.
    pub session: SessionId,
    /// Frames analyzed.
    pub analyzed: u64,
    /// Every analyzed frame's sample, when they were asked for (`--frames-csv`); empty
    /// otherwise.
    pub samples: Vec<PostureSample>,
    /// The worst and best moments, when stills were asked for (`--stills`).
    pub moments: Option<Moments>,
}

/// What is kept of each recording's frames besides its session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// Every frame's sample (`--frames-csv`).
    pub samples: bool,
    /// The candidates for stills (`--stills`).
    pub stills: bool,
}

/// What became of one recording, or why it failed.
pub type Outcome = anyhow::Result<Finished>;

/// Checks a `--jobs` value.
pub fn check_jobs(jobs: usize) -> anyhow::Result<usize> {
    anyhow::ensure!(
        (1..=MAX_JOBS).contains(&jobs),
        "--jobs must be between 1 and {MAX_JOBS}, got {jobs}"
    );
    Ok(jobs)
}

/// The bars: one line per running recording and one overall bar over the source time of
/// all of them. Hidden when stderr is not a terminal; the per-file result lines are printed
/// either way.
struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    /// Source milliseconds of the recordings already finished.
    finished_ms: u64,
    count: usize,
    done: usize,
}

impl Progress {
    fn new(durations_s: &[Option<f64>]) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let total_ms: f64 = durations_s.iter().flatten().map(|s| s * 1000.0).sum();
        let overall = multi.add(ProgressBar::new(total_ms.max(1.0) as u64));
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {percent}% ({elapsed} elapsed, {eta} left)",
        ) {
            overall.set_style(style.progress_chars("=> "));
        }
        let mut progress = Self {
            multi,
            overall,
            finished_ms: 0,
            count: durations_s.len(),
            done: 0,
        };
        progress.update_message();
        progress
    }

    fn update_message(&mut self) {
        self.overall
            .set_message(format!("all: {}/{} recordings done", self.done, self.count));
    }

    /// A line for a recording that has started.
    fn file_bar(&self, label: &str, duration_s: Option<f64>) -> ProgressBar {
        let bar = progress_bar(label, duration_s);
        self.multi.insert_before(&self.overall, bar)
    }

    /// Sets the overall bar to the finished recordings plus the running ones' positions.
    fn tick(&self, running: &[(usize, ProgressBar)]) {
        let running_ms: u64 = running
            .iter()
            .filter(|(_, bar)| bar.length().is_some())
            .map(|(_, bar)| bar.position())
            .sum();
        self.overall.set_position(self.finished_ms + running_ms);
    }

    /// Prints a result line above the bars (or plainly when they are hidden).
    fn line(&self, text: &str) {
        self.multi.suspend(|| eprintln!("{text}"));
    }

    fn finished(&mut self, bar: Option<&ProgressBar>, text: &str) {
        if let Some(bar) = bar {
            if bar.length().is_some() {
                self.finished_ms += bar.length().unwrap_or(0);
            }
            bar.finish_and_clear();
            self.multi.remove(bar);
        }
        self.done += 1;
        self.update_message();
        self.line(text);
    }

    fn finish(&self) {
        self.overall.finish_and_clear();
    }
}

/// A recording whose pipeline runs and whose session exists.
struct Running {
    started: Started,
    writer: StoreWriter,
    session: SessionId,
    /// The database, to remove the session again when nothing of the recording was stored.
    db: PathBuf,
    /// What is handed back besides the session.
    kept: Kept,
}

/// Starts the pipeline of `input`, then creates its session (so a file that cannot be
/// opened leaves no empty session) and its writer.
fn start_one(
    store: &mut Store,
    new_session: &dyn Fn(&Path, &RunOptions) -> NewSession,
    input: &Path,
    options: RunOptions,
    kept: Kept,
    global: &Global,
) -> anyhow::Result<Running> {
    let spec = SourceSpec::parse(&input.to_string_lossy())?;
    // One photo is a still (judged on its own, its view from itself), as in `measure`.
    let options = options.for_source(&spec);
    let new = new_session(input, &options);
    let started = start_pipeline(spec, options, global)?;
    let session = store.start_session(&new)?;
    // The writer thread gets its own connection; WAL lets both work on the file.
    let writer = StoreWriter::spawn(Store::open(store.path())?, session)?;
    Ok(Running {
        started,
        writer,
        session,
        db: store.path().to_owned(),
        kept,
    })
}

/// Moves the updates of a running recording into its session until the source ends.
fn finish_one(running: Running, bar: &ProgressBar) -> Outcome {
    let Running {
        started,
        writer,
        session,
        db,
        kept,
    } = running;
    let mut samples = Vec::new();
    let mut picker = kept.stills.then(StillPicker::new);
    let keep = Keep {
        samples: kept.samples.then_some(&mut samples),
        stills: picker.as_mut(),
    };
    let analyzed = record(&started.updates, Some(&writer), bar, Span::ALL, keep);
    drop(started);
    let (_, report) = writer.finish()?;
    tracing::info!(?report, "stored session {session}");
    if report.samples == 0 {
        // Nothing of the recording was analyzed: no empty session stays behind.
        if let Err(err) = Store::open(&db).and_then(|mut store| store.discard_session(session)) {
            tracing::warn!("the empty session {session} could not be removed: {err}");
        }
        analyzed?;
        anyhow::bail!("no frame of it could be analyzed");
    }
    // Frames stored before a failure stay in the session; the error still reaches the user.
    Ok(Finished {
        session,
        analyzed: analyzed?,
        samples,
        moments: picker.map(StillPicker::finish),
    })
}

/// Analyzes `recordings` with up to `jobs` at a time into new sessions (`new_session` names
/// each one) and returns one outcome per recording, in argument order, with what `kept`
/// asks for.
pub fn analyze_all(
    store: &mut Store,
    recordings: &[PathBuf],
    jobs: usize,
    new_session: &dyn Fn(&Path, &RunOptions) -> NewSession,
    options: &RunOptions,
    kept: Kept,
    global: &Global,
) -> Vec<Outcome> {
    let count = recordings.len();
    let labels: Vec<String> = recordings
        .iter()
        .enumerate()
        .map(|(index, input)| format!("[{}/{count}] {}", index + 1, input.display()))
        .collect();
    let durations: Vec<Option<f64>> = recordings
        .iter()
        .map(|input| {
            SourceSpec::parse(&input.to_string_lossy())
                .ok()
                .and_then(|spec| spec.announced_duration_s())
        })
        .collect();
    let mut batch = Batch {
        progress: Progress::new(&durations),
        labels,
        outcomes: (0..count).map(|_| None).collect(),
        running: Vec::new(),
    };
    let (done_tx, done_rx) = crossbeam_channel::bounded::<(usize, Outcome)>(count);
    std::thread::scope(|scope| {
        for (index, input) in recordings.iter().enumerate() {
            batch.collect(&done_rx, jobs.max(1) - 1);
            match start_one(store, new_session, input, options.clone(), kept, global) {
                Ok(job) => {
                    let bar = batch
                        .progress
                        .file_bar(&batch.labels[index], job.started.duration_s);
                    batch.running.push((index, bar.clone()));
                    let done = done_tx.clone();
                    scope.spawn(move || {
                        // A panic still reports, so the batch does not wait for it forever.
                        let outcome =
                            std::panic::catch_unwind(AssertUnwindSafe(|| finish_one(job, &bar)))
                                .unwrap_or_else(|_| {
                                    Err(anyhow::anyhow!("the analysis thread panicked"))
                                });
                        // The receiver lives until every worker is collected.
                        let _ = done.send((index, outcome));
                    });
                }
                Err(err) => batch.done(index, None, Err(err)),
            }
        }
        batch.collect(&done_rx, 0);
    });
    batch.progress.finish();
    batch
        .outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| Err(anyhow::anyhow!("the analysis thread ended early")))
        })
        .collect()
}

/// The state of [`analyze_all`] on the calling thread.
struct Batch {
    progress: Progress,
    labels: Vec<String>,
    outcomes: Vec<Option<Outcome>>,
    /// The recordings running now, with their bars.
    running: Vec<(usize, ProgressBar)>,
}

impl Batch {
    /// Waits until at most `running` recordings run, collecting the finished ones and
    /// ticking the overall bar meanwhile.
    fn collect(&mut self, done: &crossbeam_channel::Receiver<(usize, Outcome)>, running: usize) {
        while self.running.len() > running {
            match done.recv_timeout(OVERALL_TICK) {
                Ok((index, outcome)) => {
                    let at = self.running.iter().position(|(i, _)| *i == index);
                    let bar = at.map(|at| self.running.remove(at).1);
                    self.done(index, bar.as_ref(), outcome);
                }
                Err(RecvTimeoutError::Timeout) => self.progress.tick(&self.running),
                // Each worker holds a sender until it has sent, so this cannot happen while
                // some run; do not spin if it does.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    }

    fn done(&mut self, index: usize, bar: Option<&ProgressBar>, outcome: Outcome) {
        let line = result_line(&self.labels[index], &outcome);
        self.progress.finished(bar, &line);
        self.outcomes[index] = Some(outcome);
    }
}

/// The line printed when a recording is done.
fn result_line(label: &str, outcome: &Outcome) -> String {
    match outcome {
        Ok(finished) => {
            format!(
                "{label}: {} frames analyzed, session {}",
                finished.analyzed, finished.session
            )
        }
        Err(err) => format!("{label}: cannot analyze it: {err:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_range_checked_with_the_range_in_the_message() {
        assert_eq!(check_jobs(1).ok(), Some(1));
        assert_eq!(check_jobs(MAX_JOBS).ok(), Some(MAX_JOBS));
        for bad in [0, MAX_JOBS + 1] {
            let message = check_jobs(bad).map(|_| ()).unwrap_err().to_string();
            assert!(message.contains("between 1 and 64"), "{message}");
        }
    }
}
