//! Running the real pipeline for a command: the options of a run ([`RunOptions`]), starting
//! it over a source ([`start_pipeline`]), a progress bar over the source time and moving its
//! updates into the store ([`record`]). Shared by `analyze`, `baseline`, `follow-up` and the
//! other hold commands; `annotate` uses the options and the progress bar.

use crossbeam_channel::Receiver;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Global;
use crate::capture::SourceSpec;
use crate::pipeline::{Pipeline, PipelineConfig, SourceStatus, Update};
use crate::posture::PostureSample;
use crate::report::stills::StillPicker;
use crate::store::StoreWriter;

/// The default number of pipelines run at once: one per core.
pub(super) fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// ONNX Runtime intra-op threads for each of `jobs` pipelines: the cores shared out, at
/// least one.
pub(super) fn intra_threads_per_job(jobs: usize) -> usize {
    (default_jobs() / jobs.max(1)).clamp(1, crate::pose::threads::machine_threads())
}

/// How the pipeline runs over a source: the pipeline's [`AnalysisOptions`], which the
/// window's review mode uses too.
pub(super) use crate::pipeline::AnalysisOptions as RunOptions;

/// A progress bar on stderr over the source time, hidden when stderr is not a terminal.
pub(super) fn progress_bar(label: &str, duration_s: Option<f64>) -> ProgressBar {
    let bar = match duration_s {
        Some(seconds) => ProgressBar::new((seconds * 1000.0).max(1.0) as u64),
        None => ProgressBar::no_length(),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    let template = if duration_s.is_some() {
        "{msg} [{bar:30}] {percent}% ({elapsed} elapsed, {eta} left)"
    } else {
        "{msg} {spinner} {elapsed}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_owned());
    bar
}

/// What [`record`] keeps of the analyzed frames besides storing them.
#[derive(Debug, Default)]
pub(super) struct Keep<'a> {
    /// Every sample, in order.
    pub samples: Option<&'a mut Vec<PostureSample>>,
    /// The candidates for the report's stills (`analyze --stills`).
    pub stills: Option<&'a mut StillPicker>,
}

/// The part of a recording a command uses, in source time: from `start_ms` (the frames
/// before it are analyzed, so tracking has settled, but not used) for `length_ms` after the
/// first frame used (`None`: to the end).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Span {
    /// Source time of the first frame used, milliseconds.
    pub start_ms: f64,
    /// How much source time is used from the first frame on, milliseconds.
    pub length_ms: Option<f64>,
}

impl Span {
    /// The whole recording.
    pub const ALL: Self = Self {
        start_ms: 0.0,
        length_ms: None,
    };

    /// Whether a frame at `t_ms` comes before the span.
    pub fn before(&self, t_ms: f64) -> bool {
        t_ms < self.start_ms
    }

    /// Whether a frame at `t_ms` comes after the span that began with a frame at `first_ms`.
    pub fn after(&self, t_ms: f64, first_ms: f64) -> bool {
        self.length_ms
            .is_some_and(|length| t_ms - first_ms >= length)
    }
}

/// Moves every update of `span` into the writer until the pipeline ends or the span does;
/// keeps what `keep` asks for.
pub(super) fn record(
    updates: &Receiver<Update>,
    writer: Option<&StoreWriter>,
    bar: &ProgressBar,
    span: Span,
    mut keep: Keep<'_>,
) -> anyhow::Result<u64> {
    let mut analyzed = 0_u64;
    let mut first_ms: Option<f64> = None;
    for update in updates {
        let t_ms = match &update {
            Update::Analyzed(analyzed_frame) => Some(analyzed_frame.sample.t_ms),
            Update::Posture(event) => Some(event.t_ms()),
            Update::Source(_) | Update::Failed(_) => None,
        };
        if t_ms.is_some_and(|t| span.before(t)) {
            continue;
        }
        if let (Update::Analyzed(_), Some(t_ms)) = (&update, t_ms) {
            let first = *first_ms.get_or_insert(t_ms);
            if span.after(t_ms, first) {
                break;
            }
        }
        if let Some(writer) = writer {
            crate::pipeline::recorder::send_update(writer, &update)?;
        }
        match update {
            Update::Analyzed(analyzed_frame) => {
                let sample = &analyzed_frame.sample;
                bar.set_position((sample.t_ms - span.start_ms).max(0.0) as u64);
                if let Some(kept) = keep.samples.as_deref_mut() {
                    kept.push(sample.clone());
                }
                if let Some(picker) = keep.stills.as_deref_mut() {
                    picker.push(&analyzed_frame.estimate, sample);
                }
                analyzed += 1;
            }
            Update::Source(SourceStatus::Failed(reason)) | Update::Failed(reason) => {
                anyhow::bail!("{reason}")
            }
            // The pose thread may still deliver queued frames after the source ended: read
            // until the channel disconnects.
            Update::Posture(_) | Update::Source(_) => {}
        }
    }
    Ok(analyzed)
}

/// A running pipeline and what is known about its source.
pub(super) struct Started {
    /// The pipeline's updates; they end when the source ends.
    pub updates: Receiver<Update>,
    /// The announced length of the recording, seconds.
    pub duration_s: Option<f64>,
    /// The running threads; dropping this stops them.
    _pipeline: Pipeline,
}

/// Starts the real pipeline (BlazePose and the posture judge) over `spec`: recordings in
/// analysis mode (as fast as they decode, no frame dropped), cameras live.
pub(super) fn start_pipeline(
    spec: SourceSpec,
    options: RunOptions,
    global: &Global,
) -> anyhow::Result<Started> {
    let duration_s = spec.announced_duration_s();
    let config = PipelineConfig::analysis(spec, global.models_dir.clone(), options);
    let (pipeline, updates) = Pipeline::start(config)?;
    Ok(Started {
        updates,
        duration_s,
        _pipeline: pipeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_shared_out_among_jobs() {
        let cores = default_jobs();
        assert_eq!(intra_threads_per_job(1), cores.min(4));
        assert_eq!(intra_threads_per_job(cores), 1);
        assert_eq!(intra_threads_per_job(cores * 4), 1, "at least one thread");
    }
}
