//! `plumbline monitor`: the live monitor, in the window or headless.
//!
//! Headless, it prints one line per posture event (state change, alert, snooze, calibration)
//! on stdout, as JSON with `--json`: `{"t_s":12.4,"event":"state","from":"at_risk",
//! "state":"forward_head"}`. `t_s` is the source's own clock (video time for files). Source
//! problems go to stderr; a source that fails (camera gone, corrupt file) or a missing
//! runtime exits non-zero with a message that names the fix.
//!
//! Both record the session into the database (`--db FILE`, default the platform data folder)
//! unless `--no-record`: per-second numbers and events, never frames. A database that cannot be
//! opened or written is reported once on stderr and monitoring goes on; samples that could not
//! be saved are kept in memory and retried, and whatever is still unsaved at the end is counted
//! on stderr and makes the exit code 1.
//!
//! Both start with the user's kept baseline (`pipeline::kept`: the last calibration or learned
//! baseline, beside the database) and keep each new one; `--forget-baseline` removes it first.
//!
//! Ctrl-C, SIGTERM (systemd stop, `kill`) and SIGHUP (logout, closed terminal) all end the
//! monitor the same way: the session is closed and saved, exit code 130.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{ConfigArgs, Global};
use crate::capture::SourceSpec;
use crate::config::Config;
use crate::pipeline::Recorder;
use crate::pipeline::kept::Keeper;
use crate::pipeline::recorder::monitor_session;
use crate::pipeline::{Pipeline, PipelineConfig, SourceStatus, Update};
use crate::pose::PoseConfig;
use crate::posture::{PostureConfig, PostureEvent};
use crate::store::StoreError;

/// The source when none is given.
const DEFAULT_SOURCE: &str = "camera";

/// Exit code after Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT, as shells expect for Ctrl-C; the
/// handler does not tell the signals apart).
const EXIT_INTERRUPTED: u8 = 130;

/// Arguments of `plumbline monitor`.
#[allow(
    clippy::struct_excessive_bools,
    reason = "command-line switches are independent flags"
)]
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `camera`, `camera:N[:WxH][@FPS]`, a video file, an image or a folder of images
    /// (default: the first camera; the window falls back to its saved source).
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,

    /// No window: print posture events on stdout.
    #[arg(long)]
    pub headless: bool,

    /// Print events as JSON lines (headless).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Analyze a recording as fast as possible instead of in real time (no frame dropped).
    #[arg(long)]
    pub fast: bool,

    #[command(flatten)]
    pub record: super::window::RecordArgs,

    /// Subject code to file the session under (headless; the window uses its setting).
    #[arg(long, value_name = "ID")]
    pub subject: Option<String>,

    /// Headless: also use the desktop (tray icon, desktop notifications, pause while the
    /// screen is locked), as the window always does.
    #[arg(long)]
    pub desktop: bool,
}

/// Runs the command.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    if !args.headless {
        let options = crate::ui::WindowOptions {
            models_dir: global.models_dir.clone(),
            config_path: args.config.judge.config.clone(),
            overrides: args.config.overrides(),
            db: args.record.db.clone(),
            record: !args.record.no_record,
            forget_baseline: args.record.forget_baseline,
            ..crate::ui::WindowOptions::default()
        };
        return crate::ui::run_window(args.source.as_deref(), &options);
    }
    let source = args.source.as_deref().unwrap_or(DEFAULT_SOURCE);
    let spec = SourceSpec::parse(source)?;
    let config = args.config.load_strict()?;
    let (mut keeper, forgotten) = Keeper::open(
        args.record.db.as_deref(),
        !args.record.no_record,
        &config.posture,
    )
    .forgetting_if(args.record.forget_baseline);
    while let Some(message) = keeper.take_message() {
        eprintln!("{message}");
    }
    if let Some(forgotten) = forgotten {
        eprintln!("{forgotten}");
    }
    match keeper.current() {
        Some(kept) => eprintln!(
            "Judged against your kept baseline, {} (forget it with --forget-baseline)",
            kept.describe()
        ),
        None if !keeper.is_keeping() => {
            tracing::info!("--no-record: no kept baseline is used or kept");
        }
        None => {}
    }
    let pipeline = keeper.start(pipeline_config(args, global, spec, config.posture.clone()));
    run_headless(args, pipeline, &config, source, keeper)
}

/// The pipeline settings for the headless monitor with the monitor's configuration `posture`
/// (read strictly by [`ConfigArgs::load_strict`]), live or (`--fast`) as a recording.
pub(super) fn pipeline_config(
    args: &Args,
    global: &Global,
    spec: SourceSpec,
    posture: PostureConfig,
) -> PipelineConfig {
    let models_dir = global.models_dir.clone();
    let pose = PoseConfig::default();
    if args.fast {
        PipelineConfig::recording(spec, models_dir, pose, posture)
    } else {
        PipelineConfig::live(spec, models_dir, pose, posture)
    }
}

fn run_headless(
    args: &Args,
    pipeline: PipelineConfig,
    config: &Config,
    source: &str,
    mut keeper: Keeper,
) -> anyhow::Result<ExitCode> {
    let (pipeline, updates) = Pipeline::start(pipeline)?;
    // Started after the pipeline, so a source that cannot be opened leaves no empty session.
    let mut recorder = if args.record.no_record {
        Recorder::disabled(args.record.db.clone())
    } else {
        let new = monitor_session(
            source,
            PoseConfig::default().model,
            args.subject.as_deref(),
            pipeline.judged_with(),
        );
        Recorder::start(args.record.db.as_deref(), &new)
    };
    recorder.set_subject(args.subject.clone());
    let stop = pipeline.stop_flag();
    let interrupted = crate::pipeline::StopFlag::default();
    let on_interrupt = interrupted.clone();
    // Ctrl-C, SIGTERM and SIGHUP (ctrlc's `termination` feature). `set_handler`, not
    // `try_set_handler`: a shell starts a background job (`plumbline monitor &`) with SIGINT
    // ignored and `nohup` ignores SIGHUP, and the `try_` form then installs nothing at all, so
    // a later SIGTERM would end the process with the session open. Only a second handler in
    // one process is refused (none is installed before this one).
    if let Err(err) = ctrlc::set_handler(move || {
        on_interrupt.stop();
        stop.stop();
    }) {
        tracing::warn!(
            "no Ctrl-C/SIGTERM/SIGHUP handler, a stop may leave the session open: {err}"
        );
    }
    let mut out = std::io::stdout().lock();
    let mut failure = None;
    let mut desk = args.desktop.then(|| {
        crate::desktop::DesktopLink::connect(config.desktop, &config.posture, Box::new(|| {}))
    });
    // The tray tooltip's "today" line (stored sessions plus this one).
    let mut today = crate::report::today::Today::new(
        recorder
            .path()
            .map(std::path::Path::to_path_buf)
            .or_else(|| args.record.db.clone()),
        config.posture.max_frame_gap_s,
    );
    let calibration_s = config.posture.calibration_s;
    let stop = pipeline.stop_flag();
    let mut react = |reaction: crate::desktop::Reaction| {
        apply_headless(&pipeline, &stop, reaction, calibration_s);
    };
    while let Some(update) = match &mut desk {
        Some(desk) => desk.next_update(&updates, &mut react),
        None => updates.recv().ok(),
    } {
        recorder.record(&update);
        keeper.observe(&update);
        for message in
            std::iter::from_fn(|| recorder.take_message().or_else(|| keeper.take_message()))
        {
            eprintln!("{message}");
        }
        if let Some(desk) = &mut desk {
            today.tally.observe(&update);
            let now = std::time::Instant::now();
            today.poll(now);
            let line = today.line(recorder.is_saving());
            desk.companion.set_today(&line, now);
        }
        match update {
            Update::Posture(event) => {
                writeln!(out, "{}", event_line(&event, args.json)?)
                    .and_then(|()| out.flush())
                    .context("cannot write to stdout")?;
            }
            Update::Source(SourceStatus::Failed(msg)) | Update::Failed(msg) => {
                failure = Some(msg);
            }
            Update::Source(SourceStatus::Reconnecting {
                attempt,
                retry_in_s,
                reason,
            }) => eprintln!("camera lost ({reason}); retry {attempt} in {retry_in_s:.1} s"),
            Update::Source(SourceStatus::Paused(reason)) => eprintln!("{}", reason.text()),
            Update::Source(status) => tracing::info!("source: {status:?}"),
            Update::Analyzed(_) => {}
        }
    }
    drop(pipeline);
    let session = recorder.session();
    let db = recorder.path().map(|p| p.display().to_string());
    let mut lost = recorder.lost();
    match recorder.finish() {
        Ok(Some(report)) => {
            if let Some(session) = session {
                tracing::info!(?report, "stored session {session}");
            }
        }
        Ok(None) => {}
        Err(err) => {
            if let StoreError::WriterStopped { unsaved, .. } = &err {
                lost += unsaved;
            }
            eprintln!("The session could not be saved completely: {err}");
        }
    }
    if let Some(msg) = failure {
        anyhow::bail!("{msg}");
    }
    if lost > 0 {
        anyhow::bail!(
            "{lost} analyzed samples were not saved to the session database {}",
            db.as_deref().unwrap_or("(none found)")
        );
    }
    if interrupted.is_stopped() {
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Carries out what the desktop asked for, without a window.
fn apply_headless(
    pipeline: &Pipeline,
    stop: &crate::pipeline::StopFlag,
    reaction: crate::desktop::Reaction,
    calibration_s: f64,
) {
    let mut controls = reaction.controls;
    if reaction.calibrate {
        controls.push(crate::pipeline::Control::Calibrate {
            seconds: calibration_s,
        });
    }
    for control in controls {
        if let Err(err) = pipeline.control(control) {
            tracing::warn!("{err:#}");
        }
    }
    if reaction.open_window {
        tracing::info!("there is no window in headless mode; start `plumbline` for one");
    }
    if reaction.quit {
        stop.stop();
    }
}

/// A JSON output line: the source time first, then the event's own fields.
#[derive(serde::Serialize)]
struct Line {
    t_s: f64,
    #[serde(flatten)]
    fields: serde_json::Value,
}

/// One output line for `event`: JSON with `t_s` first, or a short text.
pub fn event_line(event: &PostureEvent, json: bool) -> anyhow::Result<String> {
    let t_s = (event.t_ms() / 10.0).round() / 100.0;
    if json {
        let mut fields = serde_json::to_value(event)?;
        if let Some(map) = fields.as_object_mut() {
            map.remove("t_ms");
        }
        round_numbers(&mut fields);
        return Ok(serde_json::to_string(&Line { t_s, fields })?);
    }
    Ok(match event {
        PostureEvent::State { from, state, .. } => {
            format!("{t_s:8.2} s  state {from:?} -> {state:?}")
        }
        PostureEvent::Alert { cva_deg, .. } => match cva_deg {
            Some(cva) => format!("{t_s:8.2} s  ALERT forward head (CVA {cva:.1} deg)"),
            None => format!("{t_s:8.2} s  ALERT forward head"),
        },
        PostureEvent::Snoozed { until_ms, .. } => {
            format!("{t_s:8.2} s  snoozed until {:.1} s", until_ms / 1000.0)
        }
        PostureEvent::Calibrated { baseline, .. } => {
            format!("{t_s:8.2} s  calibrated: {}", baseline.describe())
        }
        PostureEvent::Learned { baseline, .. } => {
            format!("{t_s:8.2} s  baseline learned: {}", baseline.describe())
        }
        PostureEvent::BaselineRefused { reason, .. } => {
            format!("{t_s:8.2} s  calibration refused: {reason}")
        }
        PostureEvent::Uncertain { reason, .. } => format!("{t_s:8.2} s  uncertain: {reason}"),
        PostureEvent::OnsetDelay {
            from_s, seconds, ..
        } => {
            format!("{t_s:8.2} s  onset delay {from_s:.0} s -> {seconds:.0} s")
        }
        PostureEvent::Baseline { status, reason, .. } => match reason {
            Some(reason) => format!("{t_s:8.2} s  {}: {reason}", status.describe()),
            None => format!("{t_s:8.2} s  {}", status.describe()),
        },
    })
}

/// Decimals kept in JSON output: angles and times to 0.01, far below what the camera resolves.
const JSON_DECIMALS: i32 = 2;

/// Rounds every non-integer number in `value` (recursively) to [`JSON_DECIMALS`].
fn round_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if number.is_f64() => {
            if let Some(rounded) = number
                .as_f64()
                .map(|x| (x * 10f64.powi(JSON_DECIMALS)).round() / 10f64.powi(JSON_DECIMALS))
                .and_then(serde_json::Number::from_f64)
            {
                *number = rounded;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(round_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(round_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::PostureState;

    #[test]
    fn json_line_puts_source_seconds_first() -> anyhow::Result<()> {
        let event = PostureEvent::State {
            t_ms: 12_403.0,
            from: PostureState::AtRisk,
            state: PostureState::ForwardHead,
        };
        let line = event_line(&event, true)?;
        assert_eq!(
            line,
            r#"{"t_s":12.4,"event":"state","from":"at_risk","state":"forward_head"}"#
        );
        let text = event_line(&event, false)?;
        assert!(text.contains("ForwardHead"), "{text}");
        Ok(())
    }

    #[test]
    fn alert_line_carries_the_angle() -> anyhow::Result<()> {
        let event = PostureEvent::Alert {
            t_ms: 5000.0,
            cva_deg: Some(38.456_789),
            forward_head_index: None,
        };
        let value: serde_json::Value = serde_json::from_str(&event_line(&event, true)?)?;
        assert_eq!(value["event"], "alert");
        assert_eq!(value["t_s"], 5.0);
        assert_eq!(value["cva_deg"], 38.46);
        Ok(())
    }
}
